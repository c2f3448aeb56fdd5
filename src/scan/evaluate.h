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

/* Per framework: how many (requirement, account) pairs got each status,
 * indexed by enum hw_req_status (eval.h). */
typedef struct hw_eval_summary {
    char framework[64];
    unsigned counts[6];
} hw_eval_summary;

/*
 * Evaluates every requirement for every active account of the recorded
 * Organization (or, when none is recorded, every account with findings),
 * in one transaction, as evaluations of run_id.  scoped: the ids of
 * account-scoped controls (resource type AWS::::Account).  *sums (malloc'd;
 * free()) gets the per-framework counts.
 */
int hw_scan_evaluate(struct hw_store *s, const char *run_id,
                     const struct hw_requirement_row *reqs, size_t nreqs,
                     const char *const *scoped, size_t nscoped, hw_eval_summary **sums,
                     size_t *nsums, hw_err *e);
hw_eval_summary *hw_eval_summary_for(hw_eval_summary **sums, size_t *nsums, const char *fw);

#endif
