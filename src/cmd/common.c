/*
 * common.c - steps several commands share: loading the catalogue into the
 * store and evaluating the requirements of a run; the nearest known value
 * for a suggestion; cells.  Filter values are checked in filters.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "aws/aws.h"
#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "scan/evaluate.h"
#include "store/store.h"

const char *hw_cmd_controls_dir(const hw_ctx *ctx)
{
    if (ctx->config && ctx->config->controls_dir)
        return ctx->config->controls_dir;
    return hw_catalog_default_dir();
}

static int control_known(void *arg, const char *id)
{
    return hw_catalog_control(arg, id) != NULL;
}

int hw_cmd_check_config(const hw_ctx *ctx, hw_err *e)
{
    if (!ctx->config ||
        (ctx->config->remediation.nrules == 0 && ctx->config->remediation.nsuppress_controls == 0))
        return HW_OK;
    hw_catalog *cat = NULL;
    const char *dir = hw_cmd_controls_dir(ctx);
    if (hw_catalog_load(dir, &cat, e) != HW_OK)
        return hw_err_prefix(e, "%s: remediation.controls cannot be checked",
                             ctx->config->path ? ctx->config->path : "configuration");
    int rc = hw_config_check_controls(ctx->config, control_known, cat, dir, e);
    hw_catalog_free(cat);
    return rc;
}

int hw_cmd_exceptions_expire_n(struct hw_store *st, const char *run_id, int *n, hw_err *e)
{
    *n = 0;
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
    if (hw_store_exceptions_expire(st, hw_now(), run_id, n, e) != HW_OK) {
        hw_store_rollback(st);
        return e->kind;
    }
    if (hw_store_commit(st, e) != HW_OK)
        return e->kind;
    if (*n)
        hw_warn("%d exception(s) expired and no longer count (see `hubwarden exempt --list`)", *n);
    return HW_OK;
}

int hw_cmd_exceptions_expire(struct hw_store *st, const char *run_id, hw_err *e)
{
    int n;
    return hw_cmd_exceptions_expire_n(st, run_id, &n, e);
}

int hw_cmd_run_begin(const hw_ctx *ctx, struct hw_store *st, const char *kind, char run_id[64],
                     char sha256[65], hw_err *e)
{
    if (hw_store_run_begin(st, kind, run_id, e) != HW_OK)
        return e->kind;
    const char *dir = hw_cmd_controls_dir(ctx);
    char own[65] = "";
    char *hash = sha256 ? sha256 : own;
    hw_err he;
    hw_err_clear(&he);
    if (hw_catalog_hash(dir, hash, &he) != HW_OK) {
        hw_warn("run %s: the catalogue's hash is not recorded: %s", run_id, he.msg);
        hash[0] = '\0';
    }
    return hw_store_run_catalog(st, run_id, dir, hash, e);
}

const char *hw_cmd_actor(void)
{
    const char *u = getenv("USER");
    return u && *u ? u : "hubwarden";
}

void hw_cmd_audit_anchor(struct hw_store *st, const char *run_id, char line[128])
{
    int64_t seq;
    char hash[65];
    hw_err e;
    line[0] = '\0';
    if (hw_store_run_anchor(st, run_id, &seq, hash, &e) != HW_OK)
        hw_error("%s", e.msg);
    else if (seq)
        snprintf(line, 128, "audit head: %lld %s", (long long)seq, hash);
}

int hw_cmd_evaluate(const hw_catalog *cat, struct hw_store *st, const char *run_id,
                    int infer_na, hw_eval_summary **sums, size_t *nsums, hw_err *e)
{
    *sums = NULL;
    *nsums = 0;
    if (hw_cmd_exceptions_expire(st, run_id, e) != HW_OK)
        return e->kind;
    size_t nreq = 0;
    for (size_t i = 0; i < cat->nframeworks; i++)
        nreq += cat->frameworks[i].nrequirements;
    hw_control_row *crows = calloc(cat->ncontrols ? cat->ncontrols : 1, sizeof *crows);
    hw_requirement_row *rrows = calloc(nreq ? nreq : 1, sizeof *rrows);
    const char ***lists = calloc(nreq ? nreq : 1, sizeof *lists);
    int rc = HW_OK;
    if (!crows || !rrows || !lists) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < cat->ncontrols; i++) {
        const hw_control *c = &cat->controls[i];
        hw_control_row r = { c->id, c->title, c->severity, c->resource_type, c->remediation };
        crows[i] = r;
    }
    size_t k = 0;
    for (size_t i = 0; i < cat->nframeworks && rc == HW_OK; i++) {
        const hw_framework *f = &cat->frameworks[i];
        for (size_t j = 0; j < f->nrequirements; j++, k++) {
            const hw_requirement *q = &f->requirements[j];
            lists[k] = calloc(q->ncontrols ? q->ncontrols : 1, sizeof **lists);
            if (!lists[k]) {
                rc = hw_err_set(e, HW_ENOMEM, "out of memory");
                break;
            }
            for (size_t m = 0; m < q->ncontrols; m++)
                lists[k][m] = q->controls[m]->id;
            hw_requirement_row r = { f->id, q->id, q->title, q->manual, lists[k], q->ncontrols };
            rrows[k] = r;
        }
    }
    if (rc == HW_OK)
        rc = hw_store_catalog_sync(st, crows, cat->ncontrols, rrows, nreq, e);
    if (rc == HW_OK) {
        hw_eval_opts eo = { rrows, nreq, crows, cat->ncontrols, infer_na };
        rc = hw_scan_evaluate(st, run_id, &eo, sums, nsums, e);
    }
out:
    for (size_t i = 0; lists && i < nreq; i++)
        free((void *)lists[i]);
    free(lists);
    free(crows);
    free(rrows);
    return rc;
}

/* Options for the AWS client from the configuration and --region. */
void hw_cmd_aws_options(const hw_ctx *ctx, hw_aws_options *o, hw_aws_endpoint_override *ov,
                        size_t maxov, const char *session)
{
    const hw_config *c = ctx->config;
    memset(o, 0, sizeof *o);
    o->region = ctx->region ? ctx->region : c->aws.region;
    o->profile = c->aws.profile;
    o->endpoint_url = c->aws.endpoint_url;
    size_t n = c->aws.nendpoints < maxov ? c->aws.nendpoints : maxov;
    for (size_t i = 0; i < n; i++) {
        ov[i].service = c->aws.endpoints[i].key;
        ov[i].url = c->aws.endpoints[i].value;
    }
    o->endpoints = ov;
    o->nendpoints = n;
    o->use_fips = c->aws.use_fips;
    o->max_attempts = c->aws.max_attempts;
    o->connect_timeout_ms = c->aws.connect_timeout_s * 1000L;
    o->timeout_ms = c->aws.timeout_s * 1000L;
    o->ca_bundle = c->aws.ca_bundle;
    o->session_name = session;
}

const char *hw_nearest(const char *v, const char *const *cands, size_t n)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || !*cands[i])
            continue;
        size_t d = hw_edit_distance(v, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return best;
}

cJSON *hw_cmd_action_json(const struct hw_action_row *a)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", a->id);
    cJSON_AddStringToObject(o, "plan", a->plan_id);
    cJSON_AddStringToObject(o, "account", a->account);
    cJSON_AddStringToObject(o, "region", a->region);
    cJSON_AddStringToObject(o, "control", a->control);
    cJSON_AddStringToObject(o, "action", a->action);
    cJSON_AddStringToObject(o, "resource", a->resource);
    cJSON_AddStringToObject(o, "mode", a->mode);
    cJSON_AddStringToObject(o, "state", a->state);
    cJSON_AddBoolToObject(o, "disruptive", a->disruptive);
    if (a->reason && *a->reason)
        cJSON_AddStringToObject(o, "reason", a->reason);
    cJSON *calls = cJSON_Parse(a->calls ? a->calls : "[]");
    cJSON_AddItemToObject(o, "calls", calls ? calls : cJSON_CreateArray());
    if (a->before && *a->before) {
        cJSON *b = cJSON_Parse(a->before);
        if (b)
            cJSON_AddItemToObject(o, "before", b);
    }
    if (a->after && *a->after) {
        cJSON *b = cJSON_Parse(a->after);
        if (b)
            cJSON_AddItemToObject(o, "after", b);
    }
    cJSON_AddStringToObject(o, "finding", a->finding_id);
    return o;
}

/* ------------------------------------------------------------- cells */

char *hw_join_resources(const char *json)
{
    cJSON *a = cJSON_Parse(json);
    hw_buf b = HW_BUF_INIT(0);
    const cJSON *r;
    cJSON_ArrayForEach(r, a)
    {
        if (!cJSON_IsString(r))
            continue;
        if (b.len)
            hw_buf_putc(&b, ' ');
        hw_buf_puts(&b, r->valuestring);
    }
    cJSON_Delete(a);
    char *out = strdup(hw_buf_str(&b));
    hw_buf_free(&b);
    return out;
}

void hw_time_cell(int64_t ms, char out[32])
{
    if (ms > 0)
        hw_time_iso_ms(ms, out);
    else
        out[0] = '\0';
}
