/*
 * sink.h - the ingest's sink into the evidence store (batched
 * transactions), the Organization's accounts for the trust check, and the
 * run summary.
 */
#ifndef HW_SCAN_SINK_H
#define HW_SCAN_SINK_H

#include <stddef.h>

#include "scan/finding.h"
#include "scan/ingest.h"

struct hw_store;

/* hw_finding_sink writing to the store in batches of batch_size findings,
 * one transaction each; hw_sink_commit() ends the open batch. */
typedef struct hw_store_sink {
    struct hw_store *store;
    const char *run_id;
    size_t batch_size;
    size_t in_batch;
    int open_tx;
    /* outcomes of the open transaction, and of those committed */
    hw_ingest_stats pending, committed;
} hw_store_sink;

int hw_sink_store(void *ctx, const hw_finding *f, const char *raw, size_t rawlen, int *outcome,
                  hw_err *e);
int hw_sink_commit(hw_store_sink *k, hw_err *e);
void hw_sink_abort(hw_store_sink *k);
/* A run's counts are the committed counts: replaces the stored outcomes
 * of st (new, changed, resolved, unchanged, untrusted) by those the sink
 * committed, and sets st->rolled_back to the findings whose transaction
 * was rolled back (a failed commit, a full disk). */
void hw_sink_counts(const hw_store_sink *k, hw_ingest_stats *st);

/* The Organization's accounts as recorded by the last scan. */
int hw_orgset_load(struct hw_store *s, hw_orgset *o, hw_err *e);
void hw_orgset_free(hw_orgset *o);

/* The counts as a JSON object (malloc'd; free()); extra: more members. */
char *hw_ingest_summary_json(const hw_ingest_stats *st, const char *extra);

#endif
