/*
 * evaluate.c - evaluates every framework requirement for every account of
 * the Organization and records the result with its evidence.
 *
 * Reads per-account control counts from the store, applies the rules of
 * eval.h, and writes one evaluation row per (requirement, account) for the
 * run, with the evidence behind it: per control, the counts and up to
 * HW_EVIDENCE_FINDINGS findings (id, status, resources, first and last
 * observed), failing ones first.
 */
#include "scan/evaluate.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "store/store.h"

#define HW_EVIDENCE_FINDINGS 10

struct count_list {
    hw_control_count *c;
    size_t n, cap;
};

static int count_cb(void *arg, const hw_control_count *c)
{
    struct count_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 256;
        hw_control_count *p = realloc(l->c, cap * sizeof *p);
        if (!p)
            return 1;
        l->c = p;
        l->cap = cap;
    }
    hw_control_count *d = &l->c[l->n++];
    *d = *c;
    d->account = strdup(c->account);
    d->control = strdup(c->control);
    d->disabled_in = c->disabled_in ? strdup(c->disabled_in) : NULL;
    return !d->account || !d->control || (c->disabled_in && !d->disabled_in);
}

struct account_list {
    char **ids;
    size_t n;
    int from_org;
};

static int account_cb(void *arg, const hw_account_row *a)
{
    struct account_list *l = arg;
    if (!a->in_org || strcmp(a->status, "ACTIVE") != 0)
        return 0;
    char **p = realloc(l->ids, (l->n + 1) * sizeof *p);
    if (!p)
        return 1;
    l->ids = p;
    l->ids[l->n++] = strdup(a->id);
    return 0;
}

static int evidence_cb(void *arg, const hw_finding_row *f)
{
    cJSON *arr = arg;
    cJSON *o = cJSON_CreateObject();
    char first[32], last[32];
    hw_time_iso_ms(f->first_observed, first);
    hw_time_iso_ms(f->last_observed, last);
    cJSON_AddStringToObject(o, "id", f->id);
    cJSON_AddStringToObject(o, "status", f->compliance_status);
    cJSON_AddStringToObject(o, "workflow", f->workflow_status);
    cJSON *res = cJSON_Parse(f->resources);
    cJSON_AddItemToObject(o, "resources", res ? res : cJSON_CreateArray());
    cJSON_AddStringToObject(o, "first_observed", first);
    cJSON_AddStringToObject(o, "last_observed", last);
    cJSON_AddItemToArray(arr, o);
    return 0;
}

/* "a b c" as a JSON array of strings under name. */
static void add_regions(cJSON *o, const char *name, const char *list)
{
    cJSON *arr = cJSON_AddArrayToObject(o, name);
    const char *p = list;
    while (arr && *p) {
        size_t n = strcspn(p, " ");
        if (n) {
            char region[64];
            snprintf(region, sizeof region, "%.*s", (int)n, p);
            cJSON_AddItemToArray(arr, cJSON_CreateString(region));
        }
        p += n;
        p += *p == ' ';
    }
}

static int is_scoped(const char *control, const char *const *scoped, size_t nscoped)
{
    for (size_t i = 0; i < nscoped; i++)
        if (strcmp(scoped[i], control) == 0)
            return 1;
    return 0;
}

hw_eval_summary *hw_eval_summary_for(hw_eval_summary **sums, size_t *nsums, const char *fw)
{
    for (size_t i = 0; i < *nsums; i++)
        if (strcmp((*sums)[i].framework, fw) == 0)
            return &(*sums)[i];
    hw_eval_summary *p = realloc(*sums, (*nsums + 1) * sizeof *p);
    if (!p)
        return NULL;
    *sums = p;
    memset(&p[*nsums], 0, sizeof *p);
    snprintf(p[*nsums].framework, sizeof p[*nsums].framework, "%s", fw);
    return &p[(*nsums)++];
}

/* Evaluates one account; states are this account's counts. */
static int eval_account(hw_store *s, const char *run_id, const char *account,
                        const hw_requirement_row *reqs, size_t nreqs, const char *const *scoped,
                        size_t nscoped, hw_control_state *states, size_t nstates,
                        int evaluated, hw_eval_summary **sums, size_t *nsums, hw_err *e)
{
    int64_t now = hw_now();
    for (size_t i = 0; i < nstates; i++) {
        int active = 0;
        if (states[i].failed &&
            hw_store_exception_active(s, account, states[i].control, now, &active, e) != HW_OK)
            return e->kind;
        states[i].excepted = active;
    }
    for (size_t r = 0; r < nreqs; r++) {
        const hw_requirement_row *q = &reqs[r];
        int flags[256];
        size_t nc = q->ncontrols < 256 ? q->ncontrols : 256;
        for (size_t i = 0; i < nc; i++)
            flags[i] = is_scoped(q->controls[i], scoped, nscoped);
        hw_req_input in = { q->manual, q->controls, nc, flags };
        int st = hw_eval_requirement(&in, states, nstates, evaluated);
        cJSON *ev = cJSON_CreateArray();
        for (size_t i = 0; i < nc; i++) {
            const hw_control_state *cs = hw_eval_find(states, nstates, q->controls[i]);
            if (!cs)
                continue;
            cJSON *c = cJSON_CreateObject();
            cJSON_AddStringToObject(c, "control", cs->control);
            cJSON_AddNumberToObject(c, "passed", cs->passed);
            cJSON_AddNumberToObject(c, "failed", cs->failed);
            cJSON_AddNumberToObject(c, "not_available", cs->not_available);
            if (cs->excepted)
                cJSON_AddBoolToObject(c, "exception", 1);
            if (cs->disabled_in)
                add_regions(c, "disabled_in", cs->disabled_in);
            cJSON *fs = cJSON_AddArrayToObject(c, "findings");
            if (hw_store_control_findings(s, account, cs->control, HW_EVIDENCE_FINDINGS,
                                          evidence_cb, fs, e) != HW_OK) {
                cJSON_Delete(c);
                cJSON_Delete(ev);
                return e->kind;
            }
            cJSON_AddItemToArray(ev, c);
        }
        char *evtext = cJSON_PrintUnformatted(ev);
        cJSON_Delete(ev);
        hw_evaluation_row row = { run_id, q->framework, q->id, account, hw_req_status_name(st),
                                  evtext ? evtext : "[]" };
        int rc = hw_store_evaluation_put(s, &row, e);
        cJSON_free(evtext);
        if (rc != HW_OK)
            return rc;
        hw_eval_summary *sum = hw_eval_summary_for(sums, nsums, q->framework);
        if (!sum)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        sum->counts[st]++;
    }
    return HW_OK;
}

int hw_scan_evaluate(hw_store *s, const char *run_id, const hw_requirement_row *reqs,
                     size_t nreqs, const char *const *scoped, size_t nscoped,
                     hw_eval_summary **sums, size_t *nsums, hw_err *e)
{
    *sums = NULL;
    *nsums = 0;
    struct count_list cl = { 0 };
    struct account_list al = { 0 };
    int rc = hw_store_control_counts(s, count_cb, &cl, e);
    if (rc == HW_OK)
        rc = hw_store_accounts(s, account_cb, &al, e);
    if (rc != HW_OK)
        goto out;
    if (al.n == 0) {
        /* no Organization recorded: the accounts that have findings */
        for (size_t i = 0; i < cl.n; i++)
            if (i == 0 || strcmp(cl.c[i].account, cl.c[i - 1].account) != 0) {
                char **p = realloc(al.ids, (al.n + 1) * sizeof *p);
                if (!p) {
                    rc = hw_err_set(e, HW_ENOMEM, "out of memory");
                    goto out;
                }
                al.ids = p;
                al.ids[al.n++] = strdup(cl.c[i].account);
            }
    }
    hw_control_state *states = calloc(cl.n ? cl.n : 1, sizeof *states);
    if (!states) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hw_store_begin(s, e)) != HW_OK) {
        free(states);
        goto out;
    }
    for (size_t a = 0; a < al.n && rc == HW_OK; a++) {
        /* counts come sorted by account, then control */
        size_t n = 0;
        int evaluated = 0; /* Security Hub has control findings of the account */
        for (size_t i = 0; i < cl.n; i++) {
            if (strcmp(cl.c[i].account, al.ids[a]) != 0)
                continue;
            hw_control_state cs = { cl.c[i].control, cl.c[i].passed, cl.c[i].failed,
                                    cl.c[i].not_available, 0, cl.c[i].disabled_in };
            evaluated |= cl.c[i].has_findings;
            states[n++] = cs;
        }
        rc = eval_account(s, run_id, al.ids[a], reqs, nreqs, scoped, nscoped, states, n,
                          evaluated, sums, nsums, e);
    }
    free(states);
    if (rc == HW_OK)
        rc = hw_store_commit(s, e);
    else
        hw_store_rollback(s);
out:
    for (size_t i = 0; i < cl.n; i++) {
        free((char *)cl.c[i].account);
        free((char *)cl.c[i].control);
        free((char *)cl.c[i].disabled_in);
    }
    free(cl.c);
    for (size_t i = 0; i < al.n; i++)
        free(al.ids[i]);
    free(al.ids);
    return rc;
}
