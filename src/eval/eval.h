/*
 * eval.h - evaluates framework requirements for one account from the
 * state of its Security Hub controls.
 *
 * Pure logic on plain data: the caller (the scan) reads the per-control
 * state of an account from the store and the requirement list from the
 * catalogue, and writes the results back.  Keeping it free of SQL and XML
 * makes every rule below a unit test.
 *
 * Rules, per requirement and account, first match wins:
 *   MANUAL          the requirement is marked manual (no control can show it)
 *   EXCEPTION       an approved, unexpired risk acceptance covers every
 *                   failing control of the requirement in that account
 *   FAILED          some control has a trusted, active FAILED or WARNING
 *                   finding (not suppressed)
 *   PASSED          some control has a trusted, active PASSED finding and
 *                   none failed
 *   NOT_APPLICABLE  the account was evaluated by Security Hub (it has
 *                   control findings) but none for these controls, none
 *                   of the controls is account-scoped, and none is known
 *                   to be disabled in a region of the account: there are
 *                   no resources of their types
 *   NO_DATA         otherwise: the controls are not enabled there or have
 *                   never been evaluated
 *
 * "Known to be disabled" comes from Security Hub's own view of the account
 * (BatchGetSecurityControls, recorded by the scan where it could ask).
 * Where it could not ask, a control with no findings in an evaluated
 * account is taken to have nothing to evaluate.
 */
#ifndef HW_EVAL_H
#define HW_EVAL_H

#include <stddef.h>

enum hw_req_status {
    HW_REQ_PASSED = 0,
    HW_REQ_FAILED,
    HW_REQ_NOT_APPLICABLE,
    HW_REQ_NO_DATA,
    HW_REQ_MANUAL,
    HW_REQ_EXCEPTION
};

/* The state of one control in one account, from its active findings. */
typedef struct hw_control_state {
    const char *control;  /* e.g. "S3.8" */
    unsigned passed;      /* trusted active findings by Compliance.Status */
    unsigned failed;      /* FAILED or WARNING, workflow not SUPPRESSED */
    unsigned not_available;
    int excepted;         /* an approved, unexpired exception covers it */
    const char *disabled_in; /* regions where it is switched off, or NULL */
} hw_control_state;

typedef struct hw_req_input {
    int manual;
    const char *const *controls; /* control ids evidencing it */
    size_t ncontrols;
    /* 1 when the control is account-scoped (resource type AWS::::Account):
     * it always has a resource, so no finding means no evaluation */
    const int *account_scoped;
} hw_req_input;

/*
 * states: the account's controls, sorted by control id (strcmp) so that
 * lookups are binary searches; account_evaluated: the account has any
 * Security Hub control finding at all.  Returns the status.
 */
int hw_eval_requirement(const hw_req_input *req, const hw_control_state *states,
                        size_t nstates, int account_evaluated);
const hw_control_state *hw_eval_find(const hw_control_state *states, size_t n,
                                     const char *control);
const char *hw_req_status_name(int status);

#endif
