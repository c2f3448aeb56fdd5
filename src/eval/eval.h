/*
 * eval.h - evaluates framework requirements for one account from the
 * state of its Security Hub controls.
 *
 * Pure logic on plain data: the caller (the scan) reads the per-control
 * state of an account from the store and the requirement list from the
 * catalogue, and writes the results back.  Keeping it free of SQL and XML
 * makes every rule below a unit test.
 *
 * First each control of the account gets a class (hw_eval_control):
 *   FAILED          a resource has a trusted, active FAILED or WARNING
 *                   finding whose workflow is not SUPPRESSED
 *   SUPPRESSED      no such failure, but a resource whose failures are all
 *                   suppressed in Security Hub (Workflow.Status SUPPRESSED)
 *   EXCEPTED        FAILED or SUPPRESSED, and an approved, unexpired
 *                   hubwarden exception covers the control in the account
 *   PASSED          resources passed, none failed, and the control is not
 *                   known to be switched off in a region of the account
 *   PARTIAL         resources passed, but the control is switched off in
 *                   some region of the account (those regions are missing)
 *   NOT_APPLICABLE  no findings; the control is known to be enabled (the
 *                   account's controls were checked and it is not disabled
 *                   anywhere), it is not account-scoped, and AWS Config's
 *                   aggregator counts no resource of its type in the account
 *   NA_INFERRED     no findings, and evaluation.infer_not_applicable lets
 *                   hubwarden take silence for "nothing to evaluate" (the
 *                   old rule: the account is evaluated, the control is not
 *                   account-scoped and not known to be disabled)
 *   NO_DATA         otherwise; hw_eval_no_data_reason() says why
 * A resource is counted once per control and region, whatever number of
 * findings (consolidated and standards-based) speak for it: the worst
 * status among them counts.
 *
 * Then the requirement, first match wins:
 *   MANUAL          the requirement is marked manual (no control can show it)
 *   NO_DATA         it names no control
 *   FAILED          some control FAILED
 *   SUPPRESSED      some control SUPPRESSED (its only failures are suppressed)
 *   EXCEPTION       some control EXCEPTED, the others passed or do not apply
 *                   (with others PARTIAL or NO_DATA: PARTIAL)
 *   PASSED          every control PASSED or NOT_APPLICABLE (or NA_INFERRED),
 *                   at least one PASSED
 *   NOT_APPLICABLE  every control NOT_APPLICABLE (or NA_INFERRED)
 *   PARTIAL         some control PASSED or PARTIAL, others PARTIAL or NO_DATA
 *   NO_DATA         otherwise
 */
#ifndef HW_EVAL_H
#define HW_EVAL_H

#include <stddef.h>

/* Stored and printed by name; the numbers index summaries only. */
enum hw_req_status {
    HW_REQ_PASSED = 0,
    HW_REQ_FAILED,
    HW_REQ_NOT_APPLICABLE,
    HW_REQ_NO_DATA,
    HW_REQ_MANUAL,
    HW_REQ_EXCEPTION,
    HW_REQ_PARTIAL,
    HW_REQ_SUPPRESSED,
    HW_REQ_NSTATUS
};

enum hw_ctl_class {
    HW_CTL_FAILED = 0,
    HW_CTL_SUPPRESSED,
    HW_CTL_EXCEPTED,
    HW_CTL_PASSED,
    HW_CTL_PARTIAL,
    HW_CTL_NOT_APPLICABLE,
    HW_CTL_NA_INFERRED,
    HW_CTL_NO_DATA
};

/* The state of one control in one account, from its active findings. */
typedef struct hw_control_state {
    const char *control;     /* e.g. "S3.8" */
    unsigned passed;         /* resources passing (trusted, active findings) */
    unsigned failed;         /* resources FAILED or WARNING, not suppressed */
    unsigned suppressed;     /* resources whose failures are all suppressed */
    unsigned not_available;  /* resources Security Hub could not evaluate */
    int excepted;            /* an approved, unexpired exception covers it */
    const char *disabled_in; /* regions where it is switched off, or NULL */
    int checked;             /* the account's controls were checked (so a
                              * control not in disabled_in is enabled) */
    long resources;          /* resources of its type per AWS Config; -1
                              * when unknown (no inventory for the account) */
    int account_scoped;      /* resource type AWS::::Account: always has one */
} hw_control_state;

typedef struct hw_req_input {
    int manual;
    const char *const *controls; /* control ids evidencing it */
    size_t ncontrols;
} hw_req_input;

/* Why a control is NO_DATA (a short phrase for the evidence); NULL when
 * it is not. */
const char *hw_eval_no_data_reason(const hw_control_state *s, int account_evaluated);

/*
 * The class of one control; s may be NULL (no findings, nothing recorded).
 * account_evaluated: the account has any Security Hub control finding;
 * infer_na: evaluation.infer_not_applicable.
 */
int hw_eval_control(const hw_control_state *s, int account_evaluated, int infer_na);

/* The requirement's status from its controls' classes (classes[i] for
 * req->controls[i]). */
int hw_eval_combine(const hw_req_input *req, const int *classes);

/*
 * states: the account's controls, sorted by control id (strcmp) so that
 * lookups are binary searches.  Returns the status; -1 when out of memory
 * (a list of more than 64 controls takes one allocation).
 */
int hw_eval_requirement(const hw_req_input *req, const hw_control_state *states,
                        size_t nstates, int account_evaluated, int infer_na);
const hw_control_state *hw_eval_find(const hw_control_state *states, size_t n,
                                     const char *control);
const char *hw_req_status_name(int status);
const char *hw_ctl_class_name(int cls);
/* The status named name (exact), or -1. */
int hw_req_status_parse(const char *name);

/*
 * Counts of (account, requirement) pairs, indexed by hw_req_status.
 * hw_eval_pass_rate: passed / (passed + failed + partial + suppressed),
 * from 0 to 1, or -1 when there is none of those four; an exception (an
 * approved risk), not applicable, no data and manual carry no verdict and
 * stay out of it.
 * hw_eval_rollup: one status for a requirement across accounts, by the
 * same rules as a requirement across its controls: MANUAL, else FAILED
 * when any account failed, else SUPPRESSED, else EXCEPTION when the rest
 * passed or do not apply, else PASSED (NOT_APPLICABLE when none passed)
 * when none lacks data, else PARTIAL when some passed or are PARTIAL,
 * else NO_DATA (also when there is no account).
 */
double hw_eval_pass_rate(const unsigned counts[HW_REQ_NSTATUS]);
int hw_eval_rollup(const unsigned counts[HW_REQ_NSTATUS]);

#endif
