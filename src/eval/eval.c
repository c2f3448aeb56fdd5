/*
 * eval.c - requirement evaluation rules (see eval.h for the rules).
 */
#include "eval/eval.h"

#include <stdlib.h>
#include <string.h>

const char *hw_req_status_name(int status)
{
    static const char *const names[] = { "PASSED",  "FAILED",    "NOT_APPLICABLE",
                                         "NO_DATA", "MANUAL",    "EXCEPTION",
                                         "PARTIAL", "SUPPRESSED" };
    if (status < 0 || status >= HW_REQ_NSTATUS)
        return "UNKNOWN";
    return names[status];
}

int hw_req_status_parse(const char *name)
{
    for (int i = 0; i < HW_REQ_NSTATUS; i++)
        if (strcmp(name, hw_req_status_name(i)) == 0)
            return i;
    return -1;
}

double hw_eval_pass_rate(const unsigned counts[HW_REQ_NSTATUS])
{
    double decided = (double)counts[HW_REQ_PASSED] + counts[HW_REQ_FAILED] +
                     counts[HW_REQ_PARTIAL] + counts[HW_REQ_SUPPRESSED];
    return decided > 0 ? counts[HW_REQ_PASSED] / decided : -1;
}

int hw_eval_rollup(const unsigned counts[HW_REQ_NSTATUS])
{
    const unsigned *n = counts;
    unsigned missing = n[HW_REQ_PARTIAL] + n[HW_REQ_NO_DATA];
    if (n[HW_REQ_MANUAL])
        return HW_REQ_MANUAL;
    if (n[HW_REQ_FAILED])
        return HW_REQ_FAILED;
    if (n[HW_REQ_SUPPRESSED])
        return HW_REQ_SUPPRESSED;
    if (n[HW_REQ_EXCEPTION])
        return missing ? HW_REQ_PARTIAL : HW_REQ_EXCEPTION;
    if (!missing && (n[HW_REQ_PASSED] || n[HW_REQ_NOT_APPLICABLE]))
        return n[HW_REQ_PASSED] ? HW_REQ_PASSED : HW_REQ_NOT_APPLICABLE;
    if (n[HW_REQ_PASSED] || n[HW_REQ_PARTIAL])
        return HW_REQ_PARTIAL;
    return HW_REQ_NO_DATA;
}

const char *hw_ctl_class_name(int cls)
{
    static const char *const names[] = { "FAILED",  "SUPPRESSED",     "EXCEPTION",   "PASSED",
                                         "PARTIAL", "NOT_APPLICABLE", "NA_INFERRED", "NO_DATA" };
    if (cls < 0 || cls > HW_CTL_NO_DATA)
        return "UNKNOWN";
    return names[cls];
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

static int disabled(const hw_control_state *s)
{
    return s && s->disabled_in && *s->disabled_in;
}

const char *hw_eval_no_data_reason(const hw_control_state *s, int account_evaluated)
{
    if (s && (s->failed || s->suppressed || s->passed))
        return NULL;
    if (disabled(s))
        return "control disabled in a region of the account";
    if (s && s->not_available)
        return "Security Hub could not evaluate it (NOT_AVAILABLE)";
    if (!account_evaluated)
        return "no findings: the account has no Security Hub control findings";
    if (s && s->account_scoped)
        return "no findings for an account-level control";
    if (!s || !s->checked)
        return "no findings, and whether the control is enabled is unknown";
    if (s->resources < 0)
        return "no findings, and the resource inventory (AWS Config) is unavailable";
    if (s->resources > 0)
        return "no findings, although AWS Config counts resources of its type";
    return "no findings";
}

int hw_eval_control(const hw_control_state *s, int account_evaluated, int infer_na)
{
    if (s && s->failed)
        return s->excepted ? HW_CTL_EXCEPTED : HW_CTL_FAILED;
    if (s && s->suppressed)
        return s->excepted ? HW_CTL_EXCEPTED : HW_CTL_SUPPRESSED;
    if (s && s->passed)
        return disabled(s) ? HW_CTL_PARTIAL : HW_CTL_PASSED;
    if (disabled(s) || (s && s->not_available) || (s && s->account_scoped))
        return HW_CTL_NO_DATA;
    if (s && s->checked && s->resources == 0)
        return HW_CTL_NOT_APPLICABLE;
    if (infer_na && account_evaluated)
        return HW_CTL_NA_INFERRED;
    return HW_CTL_NO_DATA;
}

int hw_eval_combine(const hw_req_input *req, const int *classes)
{
    if (req->manual)
        return HW_REQ_MANUAL;
    if (req->ncontrols == 0)
        return HW_REQ_NO_DATA;
    unsigned n[HW_CTL_NO_DATA + 1] = { 0 };
    for (size_t i = 0; i < req->ncontrols; i++)
        n[classes[i]]++;
    if (n[HW_CTL_FAILED])
        return HW_REQ_FAILED;
    if (n[HW_CTL_SUPPRESSED])
        return HW_REQ_SUPPRESSED;
    unsigned missing = n[HW_CTL_PARTIAL] + n[HW_CTL_NO_DATA];
    if (n[HW_CTL_EXCEPTED] && !missing)
        return HW_REQ_EXCEPTION;
    if (n[HW_CTL_EXCEPTED])
        return HW_REQ_PARTIAL; /* accepted where it fails, unknown elsewhere */
    if (!missing)
        return n[HW_CTL_PASSED] ? HW_REQ_PASSED : HW_REQ_NOT_APPLICABLE;
    if (n[HW_CTL_PASSED] || n[HW_CTL_PARTIAL])
        return HW_REQ_PARTIAL;
    return HW_REQ_NO_DATA;
}

int hw_eval_requirement(const hw_req_input *req, const hw_control_state *states,
                        size_t nstates, int account_evaluated, int infer_na)
{
    if (req->manual)
        return HW_REQ_MANUAL;
    int small[64] = { 0 };
    int *cls = small;
    int st = HW_REQ_NO_DATA;
    if (req->ncontrols > 64) {
        /* no limit on a requirement's controls: the rare long list pays
         * one allocation */
        cls = malloc(req->ncontrols * sizeof *cls);
        if (!cls)
            return -1;
    }
    for (size_t i = 0; i < req->ncontrols; i++)
        cls[i] = hw_eval_control(hw_eval_find(states, nstates, req->controls[i]),
                                 account_evaluated, infer_na);
    st = hw_eval_combine(req, cls);
    if (cls != small)
        free(cls);
    return st;
}
