/*
 * suppress.c - suppression rules (remediation.suppress_*): failing
 * findings of a listed severity (default LOW and INFORMATIONAL) of the
 * listed controls or in the listed accounts get Workflow.Status
 * SUPPRESSED with a note, through BatchUpdateFindings: up to 100 findings
 * a call (workflow.c), the note naming each one's action.
 *
 * Each is an action of the plan like any other ("suppress", auto): planned
 * with the exact call it makes, run by `remediate --apply` before the
 * fixes, recorded in the actions table (before and after workflow) and
 * the audit log.  A finding the plan already fixes is not suppressed (the
 * policy's fix wins); one suppressed before (done) with the same UpdatedAt
 * is not planned again (BatchUpdateFindings leaves UpdatedAt alone, and the
 * store's copy says NEW until the next scan).
 */
#include "remedy/remedy_int.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int listed(char **l, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(l[i], v) == 0)
            return 1;
    return 0;
}

struct cand {
    char *id, *product_arn, *account, *region, *control, *severity, *resource, *workflow;
    int64_t updated_at;
    int by_control;
};

struct collect {
    const hw_config *cfg;
    struct cand *v;
    size_t n, cap;
};

static void cand_free(struct cand *k)
{
    free(k->id);
    free(k->product_arn);
    free(k->account);
    free(k->region);
    free(k->control);
    free(k->severity);
    free(k->resource);
    free(k->workflow);
}

/* The first resource of the finding's resources array (or the text). */
static char *first_resource(const char *resources)
{
    cJSON *j = cJSON_Parse(resources);
    cJSON *f = cJSON_IsArray(j) ? cJSON_GetArrayItem(j, 0) : NULL;
    char *r = strdup(cJSON_IsString(f) ? f->valuestring : resources);
    cJSON_Delete(j);
    return r;
}

static int collect_cb(void *arg, const hw_finding_row *f)
{
    struct collect *c = arg;
    const hw_config *cfg = c->cfg;
    if (!f->trusted || !*f->control_id || strcmp(f->record_state, "ACTIVE") != 0 ||
        strcmp(f->workflow_status, "SUPPRESSED") == 0 ||
        strcmp(f->workflow_status, "RESOLVED") == 0 ||
        !listed(cfg->remediation.suppress_severities, cfg->remediation.nsuppress_severities,
                f->severity))
        return 0;
    int by_control = listed(cfg->remediation.suppress_controls,
                            cfg->remediation.nsuppress_controls, f->control_id);
    if (!by_control && !listed(cfg->remediation.suppress_accounts,
                               cfg->remediation.nsuppress_accounts, f->account_id))
        return 0;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct cand *p = realloc(c->v, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        c->v = p;
        c->cap = cap;
    }
    struct cand *k = &c->v[c->n++];
    memset(k, 0, sizeof *k);
    k->id = strdup(f->id);
    k->product_arn = strdup(f->product_arn);
    k->account = strdup(f->account_id);
    k->region = strdup(f->region);
    k->control = strdup(f->control_id);
    k->severity = strdup(f->severity);
    k->workflow = strdup(f->workflow_status);
    k->resource = first_resource(f->resources);
    k->updated_at = f->updated_at;
    k->by_control = by_control;
    if (!k->id || !k->product_arn || !k->account || !k->region || !k->control || !k->severity ||
        !k->workflow || !k->resource)
        return HW_ENOMEM;
    return 0;
}

struct prior {
    const char *plan_id;
    int64_t updated_at;
    int skip;
};

static int prior_cb(void *arg, const hw_action_row *a)
{
    struct prior *p = arg;
    if (strcmp(a->plan_id, p->plan_id) == 0)
        p->skip = 1; /* this plan fixes it */
    else if (strcmp(a->action, "suppress") == 0 && a->finding_updated_at == p->updated_at &&
             strcmp(a->state, "done") == 0)
        p->skip = 1; /* suppressed already (a plan never applied does not count) */
    return 0;
}

static char *calls_json(const struct cand *k, const char *plan_id, const char *id)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_buf_printf(&b, "securityhub:BatchUpdateFindings Id=%s ProductArn=%s "
                      "Workflow.Status=SUPPRESSED Note.Text=\"hubwarden plan %s action(s) ...%s...: "
                      "suppressed by a remediation.suppress rule\" (one call for up to 100 "
                      "findings of the plan; the note names each of their actions)",
                  k->id, k->product_arn, plan_id, id + strlen(plan_id) + 1);
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateString(hw_buf_str(&b)));
    hw_buf_free(&b);
    char *s = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    return s;
}

int hw_remedy_suppress_plan(hw_store *st, const hw_config *cfg, const hw_remedy_filter *flt,
                            const char *plan_id, const char *actor, size_t *planned, hw_err *e)
{
    *planned = 0;
    if (!cfg->remediation.nsuppress_controls && !cfg->remediation.nsuppress_accounts)
        return HW_OK;
    struct collect c = { cfg, NULL, 0, 0 };
    const char *failed[] = { "FAILED", "WARNING" };
    const char *control[] = { flt ? flt->control : NULL }, *account[] = { flt ? flt->account : NULL };
    hw_finding_query q = { 0 };
    q.statuses = failed;
    q.nstatuses = 2;
    q.controls = control;
    q.ncontrols = control[0] ? 1 : 0;
    q.accounts = account;
    q.naccounts = account[0] ? 1 : 0;
    q.trusted = 1;
    int rc = hw_store_findings(st, &q, collect_cb, &c, e);
    cJSON *ids = cJSON_CreateArray();
    if (rc == HW_OK)
        rc = hw_store_begin(st, e);
    for (size_t i = 0; rc == HW_OK && i < c.n; i++) {
        struct cand *k = &c.v[i];
        struct prior p = { plan_id, k->updated_at, 0 };
        hw_action_query aq = { 0 };
        aq.finding_id = k->id;
        aq.product_arn = k->product_arn;
        if ((rc = hw_store_actions(st, &aq, prior_cb, &p, e)) != HW_OK || p.skip)
            continue;
        char id[96], reason[512];
        snprintf(id, sizeof id, "%s-s%03zu", plan_id, ++*planned);
        snprintf(reason, sizeof reason,
                 "suppression rule: severity %s (remediation.suppress_severities), %s %s "
                 "(remediation.suppress_%s)",
                 k->severity, k->by_control ? "control" : "account",
                 k->by_control ? k->control : k->account, k->by_control ? "controls" : "accounts");
        char *calls = calls_json(k, plan_id, id);
        if (!calls) {
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            break;
        }
        hw_action_row a = { 0 };
        a.id = id;
        a.plan_id = plan_id;
        a.finding_id = k->id;
        a.product_arn = k->product_arn;
        a.finding_updated_at = k->updated_at;
        a.account = k->account;
        a.region = k->region;
        a.control = k->control;
        a.action = "suppress";
        a.resource = k->resource;
        a.mode = "auto";
        a.state = "planned";
        a.reason = reason;
        a.calls = calls;
        a.workflow = "";
        rc = hw_store_action_put(st, &a, e);
        free(calls);
        cJSON_AddItemToArray(ids, cJSON_CreateString(id));
    }
    if (rc == HW_OK && *planned) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "plan", plan_id);
        cJSON_AddItemToObject(d, "suppress", ids);
        ids = NULL;
        char *detail = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        rc = detail ? hw_store_audit_append(st, plan_id, actor, "remediation.suppress-plan",
                                            detail, e)
                    : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(detail);
    }
    cJSON_Delete(ids);
    if (rc == HW_OK)
        rc = hw_store_commit(st, e);
    else
        hw_store_rollback(st);
    for (size_t i = 0; i < c.n; i++)
        cand_free(&c.v[i]);
    free(c.v);
    return rc;
}

/* ------------------------------------------------------------- running */

struct item {
    char *id, *finding_id, *product_arn, *account, *control, *calls, *reason;
};

struct queue {
    struct item *v;
    size_t n, cap;
    int oom;
};

static int queue_cb(void *arg, const hw_action_row *a)
{
    struct queue *q = arg;
    if (strcmp(a->action, "suppress") != 0)
        return 0;
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        struct item *p = realloc(q->v, cap * sizeof *p);
        if (!p) {
            q->oom = 1;
            return 1;
        }
        q->v = p;
        q->cap = cap;
    }
    struct item *it = &q->v[q->n++];
    it->id = strdup(a->id);
    it->finding_id = strdup(a->finding_id ? a->finding_id : "");
    it->product_arn = strdup(a->product_arn ? a->product_arn : "");
    it->account = strdup(a->account);
    it->control = strdup(a->control ? a->control : "");
    it->calls = strdup(a->calls);
    it->reason = strdup(a->reason ? a->reason : "");
    if (!it->id || !it->finding_id || !it->product_arn || !it->account || !it->control ||
        !it->calls || !it->reason) {
        q->oom = 1;
        return 1;
    }
    return 0;
}

static int record(hw_store *st, const struct item *it, int ok, const char *note,
                  const char *error, const char *actor, const char *plan_id, hw_err *e)
{
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
    int rc = hw_store_action_finish(st, it->id, ok ? "done" : "failed", NULL,
                                    "{\"Workflow\":{\"Status\":\"NEW\"}}",
                                    ok ? "{\"Workflow\":{\"Status\":\"SUPPRESSED\"}}" : NULL,
                                    ok ? NULL : error, e);
    if (rc == HW_OK && ok)
        rc = hw_store_action_set_workflow(st, it->id, "SUPPRESSED", e);
    if (rc == HW_OK) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "action", it->id);
        cJSON_AddStringToObject(d, "plan", plan_id);
        cJSON_AddStringToObject(d, "finding", it->finding_id);
        cJSON_AddStringToObject(d, "account", it->account);
        cJSON_AddStringToObject(d, "control", it->control);
        cJSON_AddStringToObject(d, "rule", it->reason);
        cJSON_AddStringToObject(d, "workflow", "SUPPRESSED");
        cJSON_AddStringToObject(d, "note", note);
        cJSON_AddStringToObject(d, "state", ok ? "done" : "failed");
        if (!ok)
            cJSON_AddStringToObject(d, "error", error);
        char *detail = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        rc = detail ? hw_store_audit_append(st, plan_id, actor, "remediation.suppress", detail, e)
                    : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(detail);
    }
    if (rc == HW_OK)
        return hw_store_commit(st, e);
    hw_store_rollback(st);
    return rc;
}

struct run {
    hw_store *st;
    const struct queue *q;
    const char *actor, *plan_id;
    size_t *done, *failed;
};

static int run_done(void *arg, size_t i, int ok, const char *note, const char *error, hw_err *e)
{
    struct run *r = arg;
    const struct item *it = &r->q->v[i];
    int rc = record(r->st, it, ok, note, error, r->actor, r->plan_id, e);
    if (ok) {
        (*r->done)++;
    } else {
        (*r->failed)++;
        hw_warn("action %s: finding %s not suppressed: %s", it->id, it->finding_id, error);
    }
    return rc;
}

int hw_remedy_suppress_apply(hw_store *st, hw_aws_client *c, const hw_aws_ctx *ctx,
                             const char *plan_id, const char *actor, size_t *done, size_t *failed,
                             hw_err *e)
{
    *done = *failed = 0;
    struct queue q = { NULL, 0, 0, 0 };
    hw_action_query aq = { 0 };
    aq.plan_id = plan_id;
    aq.state = "planned";
    int rc = hw_store_actions(st, &aq, queue_cb, &q, e);
    if (rc == HW_OK && q.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading actions");
    /* batched: up to 100 findings a call, the note naming each action */
    rx_wf_item *items = q.n ? calloc(q.n, sizeof *items) : NULL;
    if (rc == HW_OK && q.n && !items)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; rc == HW_OK && i < q.n; i++) {
        items[i].action_id = q.v[i].id;
        items[i].plan_id = plan_id;
        items[i].finding_id = q.v[i].finding_id;
        items[i].product_arn = q.v[i].product_arn;
        items[i].status = "SUPPRESSED";
    }
    struct run r = { st, &q, actor, plan_id, done, failed };
    if (rc == HW_OK)
        rc = rx_workflow_batches(c, ctx, items, q.n, NULL, run_done, &r, e);
    free(items);
    for (size_t i = 0; i < q.n; i++) {
        free(q.v[i].id);
        free(q.v[i].finding_id);
        free(q.v[i].product_arn);
        free(q.v[i].account);
        free(q.v[i].control);
        free(q.v[i].calls);
        free(q.v[i].reason);
    }
    free(q.v);
    return rc;
}
