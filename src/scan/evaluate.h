/*
 * evaluate.h - every framework requirement evaluated per account from the
 * stored findings, with its evidence.
 */
#ifndef HW_SCAN_EVALUATE_H
#define HW_SCAN_EVALUATE_H

#include <stddef.h>

#include "util/util.h"

struct hw_store;
struct hw_requirement_row;
struct hw_control_row;

/* Per framework: how many (requirement, account) pairs got each status,
 * indexed by enum hw_req_status (eval.h: 8 statuses). */
typedef struct hw_eval_summary {
    char framework[64];
    unsigned counts[8];
} hw_eval_summary;

typedef struct hw_eval_opts {
    const struct hw_requirement_row *reqs;
    size_t nreqs;
    /* the catalogue's controls: id and resource type (for N/A from the
     * resource inventory; AWS::::Account marks an account-level control) */
    const struct hw_control_row *controls;
    size_t ncontrols;
    int infer_not_applicable; /* evaluation.infer_not_applicable */
} hw_eval_opts;

/*
 * Evaluates every requirement for every active account of the recorded
 * Organization (or, when none is recorded, every account with findings),
 * in one transaction, as the evaluation of run_id: only what changed since
 * the previous evaluation is written (store.h).  Fails, writing nothing,
 * when any read fails.  *sums (malloc'd; free()) gets the per-framework
 * counts.
 */
int hw_scan_evaluate(struct hw_store *s, const char *run_id, const hw_eval_opts *o,
                     hw_eval_summary **sums, size_t *nsums, hw_err *e);
hw_eval_summary *hw_eval_summary_for(hw_eval_summary **sums, size_t *nsums, const char *fw);

#endif
