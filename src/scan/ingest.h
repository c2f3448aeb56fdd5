/*
 * ingest.h - findings from a reader, parsed, cross-checked against the
 * catalogue and handed to a sink, with the counts of what happened.
 */
#ifndef HW_SCAN_INGEST_H
#define HW_SCAN_INGEST_H

#include <stddef.h>
#include <stdint.h>

#include "scan/finding.h"

/* What the store did with one finding. */
enum hw_outcome {
    HW_OUTCOME_NEW = 0,
    HW_OUTCOME_UNCHANGED,
    HW_OUTCOME_CHANGED,  /* status, workflow or record state changed */
    HW_OUTCOME_RESOLVED  /* changed to PASSED or ARCHIVED */
};

/*
 * Where parsed findings go: the command wires this to the store.  Returns
 * HW_OK and sets *outcome, or an error that stops the ingest (the store
 * failed: nothing more can be kept).
 */
typedef int (*hw_finding_sink)(void *ctx, const hw_finding *f, const char *raw, size_t rawlen,
                               int *outcome, hw_err *e);

typedef struct hw_ingest_stats {
    size_t seen, added, changed, resolved, unchanged, skipped, untrusted;
    size_t damaged; /* places in the input that were no finding and not JSON (logged) */
    size_t disagreements; /* Security Hub's mapping vs controls/, logged */
    size_t rolled_back;   /* stored, then lost with their transaction */
} hw_ingest_stats;

struct hw_catalog;

typedef struct hw_ingest {
    const hw_orgset *org;
    hw_finding_sink sink;
    void *sink_ctx;
    hw_ingest_stats stats;
    int64_t max_updated;  /* newest UpdatedAt seen (epoch milliseconds) */
    int failed;           /* the sink failed: err says why */
    hw_err err;
    const char *source;   /* file name or "securityhub:ACCOUNT:REGION" */
    size_t max_skip_logs; /* skipped findings logged one by one, then counted */
    const struct hw_catalog *catalog; /* NULL: no cross-check */
    hw_buf warned;        /* "\n"-joined disagreements already logged */
    uint64_t checked[4096]; /* hashes of control mappings cross-checked */
    hw_finding f;         /* scratch */
} hw_ingest;

void hw_ingest_init(hw_ingest *in, const hw_orgset *org, hw_finding_sink sink, void *ctx);
void hw_ingest_free(hw_ingest *in);
/* One finding's bytes: parsed, checked, handed to the sink.  A bad finding
 * is skipped with a logged reason naming `where` and counted; returns
 * non-zero only when the sink failed. */
int hw_ingest_bytes(hw_ingest *in, const char *bytes, size_t len, long line);
/* A reader callback (hw_reader_cb) feeding hw_ingest_bytes; arg is the
 * hw_ingest. */
void hw_ingest_reader_cb(void *arg, int event, const char *bytes, size_t len, long line,
                         const char *why, int *stop);
/* A reader fast path (hw_reader_take) feeding the same ingest. */
int hw_ingest_take(void *arg, const char *bytes, size_t avail, long line, size_t *used,
                   int *stop);

#endif
