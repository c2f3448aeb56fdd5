/*
 * eval.c - requirement evaluation rules (see eval.h for the rules).
 */
#include "eval/eval.h"

#include <string.h>

const char *hw_req_status_name(int status)
{
    static const char *const names[] = { "PASSED", "FAILED", "NOT_APPLICABLE",
                                         "NO_DATA", "MANUAL", "EXCEPTION" };
    if (status < 0 || status > HW_REQ_EXCEPTION)
        return "UNKNOWN";
    return names[status];
}

const hw_control_state *hw_eval_find(const hw_control_state *states, size_t n,
                                     const char *control)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(states[mid].control, control);
        if (c == 0)
            return &states[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int hw_eval_requirement(const hw_req_input *req, const hw_control_state *states,
                        size_t nstates, int account_evaluated)
{
    if (req->manual)
        return HW_REQ_MANUAL;
    unsigned failing = 0, excepted = 0, passed = 0, seen = 0, scoped = 0, disabled = 0;
    for (size_t i = 0; i < req->ncontrols; i++) {
        if (req->account_scoped && req->account_scoped[i])
            scoped++;
        const hw_control_state *s = hw_eval_find(states, nstates, req->controls[i]);
        if (!s)
            continue;
        if (s->disabled_in && *s->disabled_in)
            disabled++;
        if (s->passed || s->failed || s->not_available)
            seen++;
        if (s->failed) {
            failing++;
            if (s->excepted)
                excepted++;
        } else if (s->passed) {
            passed++;
        }
    }
    if (failing && excepted == failing)
        return HW_REQ_EXCEPTION;
    if (failing)
        return HW_REQ_FAILED;
    if (passed)
        return HW_REQ_PASSED;
    if (req->ncontrols == 0)
        return HW_REQ_NO_DATA;
    if (account_evaluated && !seen && !scoped && !disabled)
        return HW_REQ_NOT_APPLICABLE;
    return HW_REQ_NO_DATA;
}
