/*
 * run.c - `hubwarden run`: the nightly job in one command.
 *
 * Holds the store's lock from start to end and runs, in order: scan
 * (incremental), expire (exceptions, approvals, IP blocks), evaluate,
 * remediate (the policy's auto actions and every approved one; playbooks
 * too), workflow (Security Hub updates still owed), report (the signed
 * bundles of report.frameworks into report.out_dir), notify, and the
 * gate.  Each step runs even when an earlier one partly failed (a report
 * of what was read is better than none), but nothing is remediated from a
 * scan that failed outright.  The run is recorded as a run of kind "run"
 * with one run_steps row per step (status, counts, the scan's or the
 * plan's run id), its exit status and the catalogue used, and in the
 * audit log (run.started, run.finished).
 *
 * The steps are the other commands' own: hw_cmd_scan_pull() and
 * hw_cmd_evaluate() as `scan`, src/remedy/ as `remediate --apply`,
 * src/report/ as `report`, hw_cmd_gate_summary() as `gate`.
 *
 * Exit: 0 all done; 3 some accounts, regions, actions, bundles or
 * notifications failed and the rest completed (named in the summary);
 * 5 AWS could not be read at all; 1 only with --gate, when the gate
 * fails; 2 configuration errors, before anything is touched; 4 the store
 * or its lock could not be had (or failed during the run).
 */
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"
#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "eval/eval.h"
#include "remedy/remedy.h"
#include "report/report.h"
#include "scan/evaluate.h"
#include "scan/pull.h"
#include "store/store.h"

static int opt_gate, opt_full, opt_json, format;
static const char *opt_output, *opt_junit;

static const struct hw_option options[] = {
    { "gate", 0, HW_OPT_FLAG, &opt_gate, NULL,
      "exit 1 when the gate fails (CRITICAL controls, as `hubwarden gate`)" },
    { "junit", 0, HW_OPT_STRING, &opt_junit, "FILE", "also write the gate's JUnit XML to FILE" },
    { "full", 0, HW_OPT_FLAG, &opt_full, NULL,
      "resync every active finding instead of what changed since the last scan" },
    HW_OUTPUT_OPTIONS(opt_output, opt_json),
    { 0 },
};

/* ---------------------------------------------------------------- steps */

enum { S_OK = 0, S_PARTIAL, S_FAILED, S_SKIPPED };
static const char *const status_names[] = { "ok", "partial", "failed", "skipped" };

struct step {
    const char *name;
    int status;
    int64_t started;
    cJSON *counts;
    hw_buf detail; /* what failed, or why skipped */
    char child[64];
};

#define MAX_STEPS 8

struct run {
    hw_ctx *ctx;
    const hw_config *c;
    hw_catalog *cat;
    hw_store *st;
    hw_signer *signer;
    hw_aws_client *cl;
    hw_remedy_policy pol;
    int pol_ok;
    char id[64];
    char catalog_sha256[65]; /* of the catalogue used ("" unknown) */
    struct step steps[MAX_STEPS];
    int nsteps;
    char scan_id[64];   /* the scan's own run ("" when none began) */
    hw_scan_result scan;
    int scan_rc;        /* not HW_OK: the scan failed outright, nothing is remediated */
    int aws_down;       /* ... because AWS could not be read at all */
    int store_failed;   /* the store failed during the run: exit 4 */
    char plan_id[64];
    cJSON *results;     /* every action run (notifications, --json) */
    cJSON *fixed, *failed, *awaiting, *bundles;
    hw_cmd_gate_result gate;
    char *gate_table;   /* the gate's table (text), malloc'd */
};

static struct step *step_begin(struct run *r, const char *name)
{
    struct step *s = &r->steps[r->nsteps++];
    memset(s, 0, sizeof *s);
    s->name = name;
    s->started = hw_now();
    s->counts = cJSON_CreateObject();
    hw_buf_init(&s->detail, 16384);
    hw_debug("run %s: %s", r->id, name);
    return s;
}

static void step_count(struct step *s, const char *name, double n)
{
    cJSON_AddNumberToObject(s->counts, name, n);
}

/* Appends one failure (or the reason for a skip) to the step's detail. */
__attribute__((format(printf, 3, 4))) static void step_note(struct step *s, int status,
                                                            const char *fmt, ...)
{
    if (status > s->status)
        s->status = status;
    if (s->detail.len)
        hw_buf_puts(&s->detail, "; ");
    va_list ap;
    va_start(ap, fmt);
    char line[1024];
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    hw_utf8_trim(line); /* a cut never splits a character (the store keeps JSON) */
    hw_buf_puts(&s->detail, line); /* past the limit the rest is left out */
}

/* What a step did (done) and what failed of it: a failure makes the step
 * partial, and is retried by the next run. */
static void step_tally(struct step *s, const char *done_name, size_t done,
                       const char *failed_name, size_t failed, const char *what)
{
    step_count(s, done_name, (double)done);
    step_count(s, failed_name, (double)failed);
    if (failed)
        step_note(s, S_PARTIAL, "%zu %s failed (retried by the next run)", failed, what);
}

/* A module call's error: a store failure makes the run's exit 4. */
static void step_error(struct run *r, struct step *s, const hw_err *e)
{
    if (e->kind == HW_ESTORE || e->kind == HW_ENOMEM || e->kind == HW_EINTERNAL)
        r->store_failed = 1;
    step_note(s, S_FAILED, "%s", e->msg);
    hw_error("run %s: %s: %s", r->id, s->name, e->msg);
}

/* Records the step in the store (committed at once: a run killed later
 * keeps what it did). */
static void step_end(struct run *r, struct step *s)
{
    char *counts = cJSON_PrintUnformatted(s->counts);
    hw_run_step row = { s->name, status_names[s->status], s->started, counts,
                        hw_buf_str(&s->detail), s->child[0] ? s->child : NULL };
    hw_err e;
    if (hw_store_run_step(r->st, r->id, (int)(s - r->steps) + 1, &row, &e) != HW_OK) {
        hw_error("%s", e.msg);
        r->store_failed = 1;
    }
    cJSON_free(counts);
}

/* The AWS client of the run's base credentials, made once. */
static hw_aws_client *client(struct run *r, hw_err *e)
{
    if (r->cl)
        return r->cl;
    char session[80];
    snprintf(session, sizeof session, "hubwarden-%s", r->id);
    hw_aws_options ao;
    hw_aws_endpoint_override ov[32];
    hw_cmd_aws_options(r->ctx, &ao, ov, HW_ARRAY_LEN(ov), session);
    if (hw_aws_client_new(&ao, &r->cl, e) != HW_OK)
        r->cl = NULL;
    return r->cl;
}

/* ------------------------------------------------------------ the scan */

static void step_scan(struct run *r)
{
    struct step *s = step_begin(r, "scan");
    hw_err e;
    hw_err_clear(&e);
    memset(&r->scan, 0, sizeof r->scan);
    if (hw_cmd_run_begin(r->ctx, r->st, "scan", s->child, NULL, &e) != HW_OK) {
        r->scan_rc = e.kind;
        r->scan_id[0] = '\0';
        step_error(r, s, &e);
        step_end(r, s);
        return;
    }
    snprintf(r->scan_id, sizeof r->scan_id, "%s", s->child);
    r->scan_rc = hw_cmd_scan_pull(r->ctx, r->cat, r->st, s->child, opt_full, &r->scan, &e);
    const hw_scan_result *res = &r->scan;
    const hw_ingest_stats *is = &res->stats;
    step_count(s, "seen", (double)is->seen);
    step_count(s, "new", (double)is->added);
    step_count(s, "changed", (double)is->changed);
    step_count(s, "resolved", (double)is->resolved);
    step_count(s, "unchanged", (double)is->unchanged);
    step_count(s, "skipped", (double)is->skipped);
    step_count(s, "untrusted", (double)is->untrusted);
    step_count(s, "accounts", (double)res->accounts);
    step_count(s, "sources", (double)res->sources);
    step_count(s, "sources_failed", (double)res->sources_failed);
    step_count(s, "api_calls", (double)res->api_calls);
    if (r->scan_rc != HW_OK) {
        r->aws_down = r->scan_rc == HW_EAWS || r->scan_rc == HW_ENET;
        step_error(r, s, &e);
    } else {
        if (res->sources_failed)
            step_note(s, S_PARTIAL, "%zu of %zu sources failed: %s", res->sources_failed,
                      res->sources, res->failed);
        if (is->skipped)
            step_note(s, S_PARTIAL, "%zu findings skipped (bad input)", is->skipped);
        if (is->damaged)
            step_note(s, S_PARTIAL, "%zu damaged places in the responses", is->damaged);
    }
    step_end(r, s);
}

/* Evaluates the scan's requirements, then ends the scan's own run (as
 * `scan` does), so that `gate` and `report` see it. */
static void step_evaluate(struct run *r)
{
    struct step *s = step_begin(r, "evaluate");
    snprintf(s->child, sizeof s->child, "%s", r->scan_id);
    if (!r->scan_id[0]) {
        s->status = S_SKIPPED;
        hw_buf_puts(&s->detail, "no scan");
        step_end(r, s);
        return;
    }
    int rc = r->scan_rc;
    if (rc != HW_OK) {
        s->status = S_SKIPPED;
        hw_buf_puts(&s->detail, "the scan failed: nothing new to evaluate");
    } else {
        hw_err e;
        hw_err_clear(&e);
        hw_eval_summary *sums = NULL;
        size_t nsums = 0;
        rc = hw_cmd_evaluate(r->cat, r->st, r->scan_id, r->c->evaluation.infer_not_applicable,
                             &sums, &nsums, &e);
        if (rc != HW_OK)
            step_error(r, s, &e);
        unsigned tot[HW_REQ_NSTATUS] = { 0 };
        for (size_t i = 0; i < nsums; i++)
            for (int k = 0; k < HW_REQ_NSTATUS; k++)
                tot[k] += sums[i].counts[k];
        step_count(s, "frameworks", (double)nsums);
        step_count(s, "passed", tot[HW_REQ_PASSED]);
        step_count(s, "failed", tot[HW_REQ_FAILED]);
        step_count(s, "partial", tot[HW_REQ_PARTIAL]);
        step_count(s, "suppressed", tot[HW_REQ_SUPPRESSED]);
        step_count(s, "exception", tot[HW_REQ_EXCEPTION]);
        step_count(s, "not_applicable", tot[HW_REQ_NOT_APPLICABLE]);
        step_count(s, "no_data", tot[HW_REQ_NO_DATA]);
        step_count(s, "manual", tot[HW_REQ_MANUAL]);
        free(sums);
    }
    const char *status;
    free(hw_cmd_scan_finish(r->st, r->scan_id, rc, &r->scan, &status));
    step_end(r, s);
}

/* -------------------------------------------------------------- expiry */

static void step_expire(struct run *r)
{
    struct step *s = step_begin(r, "expire");
    hw_err e;
    hw_err_clear(&e);
    int nexc = 0;
    if (hw_cmd_exceptions_expire_n(r->st, r->id, &nexc, &e) != HW_OK)
        step_error(r, s, &e);
    step_count(s, "exceptions", nexc);
    size_t napp = 0;
    if (r->pol_ok && hw_remedy_approvals_expire(r->st, &r->pol, hw_cmd_actor(), &napp, &e) != HW_OK)
        step_error(r, s, &e);
    step_count(s, "approvals", (double)napp);
    size_t removed = 0, failed = 0;
    hw_aws_client *cl = client(r, &e);
    if (!cl)
        step_error(r, s, &e);
    else if (r->pol_ok &&
             hw_remedy_ip_expire(r->st, cl, &r->pol, hw_cmd_actor(), &removed, &failed, &e) !=
                 HW_OK)
        step_error(r, s, &e);
    step_tally(s, "ip_blocks_removed", removed, "ip_blocks_failed", failed,
               "removal(s) of an expired IP block");
    step_end(r, s);
}

/* ---------------------------------------------------------- remediation */

/* A string member of an action's JSON ("" when it has none). */
static const char *field(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(o, name);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static void applied(void *arg, const hw_action_row *a)
{
    struct run *r = arg;
    cJSON_AddItemToArray(r->results, hw_cmd_action_json(a));
    if (strcmp(a->state, "done") == 0)
        cJSON_AddItemToArray(r->fixed, hw_cmd_action_json(a));
    else if (strcmp(a->state, "failed") == 0)
        cJSON_AddItemToArray(r->failed, hw_cmd_action_json(a));
}

static int pending_cb(void *arg, const hw_action_row *a)
{
    struct run *r = arg;
    cJSON_AddItemToArray(r->awaiting, hw_cmd_action_json(a));
    return 0;
}

static void step_remediate(struct run *r)
{
    struct step *s = step_begin(r, "remediate");
    hw_err e;
    hw_err_clear(&e);
    if (r->scan_rc != HW_OK) {
        s->status = S_SKIPPED;
        hw_buf_puts(&s->detail, "the scan failed outright: nothing is remediated from it");
    } else if (!r->pol_ok) {
        s->status = S_FAILED;
        hw_buf_puts(&s->detail, "no remediation policy");
    } else {
        hw_remedy_filter flt = { NULL, NULL };
        hw_plan_stats ps = { 0 };
        size_t nsup = 0;
        const char *actor = hw_cmd_actor();
        /* first what a dead run left between a change and its check, so
         * that the plan sees how it ended */
        hw_apply_stats rs = { 0 };
        hw_aws_client *rcl = client(r, &e);
        if (!rcl || hw_remedy_recover(r->st, rcl, &r->pol, actor, &rs, applied, r, &e) != HW_OK)
            step_error(r, s, &e);
        step_count(s, "interrupted", (double)rs.run);
        if (s->status == S_FAILED) {
            /* no client, or the store failed: nothing more here */
        } else if (hw_remedy_plan_build(r->st, &r->pol, &flt, actor, r->plan_id, &ps, &e) != HW_OK ||
            hw_remedy_suppress_plan(r->st, r->c, &flt, r->plan_id, actor, &nsup, &e) != HW_OK) {
            step_error(r, s, &e);
        } else {
            snprintf(s->child, sizeof s->child, "%s", r->plan_id);
            step_count(s, "actions", (double)ps.actions);
            step_count(s, "auto", (double)ps.auto_actions);
            step_count(s, "approval", (double)ps.approval_actions);
            step_count(s, "skipped", (double)ps.skipped);
            step_count(s, "off", (double)ps.off);
            hw_aws_client *cl = client(r, &e);
            size_t sdone = 0, sfailed = 0;
            hw_apply_stats as = { 0 };
            hw_aws_ctx agg = { r->c->scan.aggregator_region, NULL };
            if (!cl ||
                hw_remedy_suppress_apply(r->st, cl, &agg, r->plan_id, actor, &sdone, &sfailed,
                                         &e) != HW_OK ||
                hw_remedy_apply(r->st, cl, &r->pol, r->plan_id, actor, &as, applied, r, &e) !=
                    HW_OK)
                step_error(r, s, &e);
            step_tally(s, "suppressed", sdone, "suppress_failed", sfailed, "suppression(s)");
            step_count(s, "run", (double)as.run);
            step_count(s, "done", (double)as.done);
            step_count(s, "already_compliant", (double)as.compliant);
            step_count(s, "gone", (double)as.gone);
            step_count(s, "exempt", (double)as.exempt);
            step_count(s, "refused", (double)as.refused);
            step_count(s, "dropped", (double)as.dropped);
            step_count(s, "failed", (double)as.failed);
            const cJSON *f;
            cJSON_ArrayForEach(f, r->failed)
                step_note(s, S_PARTIAL, "action %s (%s %s %s %s): %s", field(f, "id"),
                          field(f, "account"), field(f, "region"), field(f, "control"),
                          field(f, "resource"), field(f, "reason"));
            size_t nfailed = as.failed + rs.failed, named = (size_t)cJSON_GetArraySize(r->failed);
            if (nfailed > named)
                step_note(s, S_PARTIAL, "%zu interrupted action(s) could not be verified (next run)",
                          nfailed - named);
        }
    }
    hw_action_query q = { 0 };
    q.state = "pending";
    if (hw_store_actions(r->st, &q, pending_cb, r, &e) != HW_OK)
        step_error(r, s, &e);
    step_count(s, "awaiting_approval", cJSON_GetArraySize(r->awaiting));
    step_end(r, s);
}

static void step_workflow(struct run *r)
{
    struct step *s = step_begin(r, "workflow");
    hw_err e;
    hw_err_clear(&e);
    size_t ok = 0, failed = 0;
    hw_aws_ctx agg = { r->c->scan.aggregator_region, NULL };
    hw_aws_client *cl = client(r, &e);
    if (!cl || hw_remedy_workflow_sync(r->st, cl, &agg, hw_cmd_actor(), &ok, &failed, &e) != HW_OK)
        step_error(r, s, &e);
    step_tally(s, "updated", ok, "failed", failed, "Security Hub workflow update(s)");
    step_end(r, s);
}

/* ------------------------------------------------------------- reports */

static void bundle_done(void *arg, const char *path)
{
    struct run *r = arg;
    cJSON_AddItemToArray(r->bundles, cJSON_CreateString(path));
}

static void step_report(struct run *r)
{
    struct step *s = step_begin(r, "report");
    const hw_config *c = r->c;
    if (!r->signer) {
        s->status = S_SKIPPED;
        hw_buf_puts(&s->detail, "report.out_dir is not set");
        step_end(r, s);
        return;
    }
    char xsd[4096], xsl[4096];
    hw_report_opts o = { 0 };
    o.out_dir = c->report.out_dir;
    o.schema_file = hw_cmd_data_file(r->ctx, "reports/report.xsd", xsd, sizeof xsd);
    o.template_file = hw_cmd_data_file(r->ctx, "templates/report.xsl", xsl, sizeof xsl);
    o.version = HW_VERSION;
    o.max_age_hours = c->report.max_age_hours;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;
    o.db_path = r->ctx->db_path;
    size_t nfw = c->report.nframeworks ? c->report.nframeworks : 1, failed = 0;
    for (size_t i = 0; i < nfw; i++) {
        o.framework = c->report.nframeworks ? c->report.frameworks[i] : NULL;
        hw_err e;
        hw_err_clear(&e);
        if (hw_report_write(r->st, r->cat, r->signer, &o, bundle_done, r, &e) != HW_OK) {
            failed++;
            step_note(s, S_PARTIAL, "%s: %s", o.framework ? o.framework : "bundles", e.msg);
            hw_error("run %s: report: %s", r->id, e.msg);
        }
    }
    if (failed == nfw)
        s->status = S_FAILED;
    step_count(s, "bundles", cJSON_GetArraySize(r->bundles));
    step_count(s, "failed", (double)failed);
    step_end(r, s);
}

static void step_notify(struct run *r)
{
    struct step *s = step_begin(r, "notify");
    const hw_config *c = r->c;
    if (!(c->notifications.sns_topic_arn && *c->notifications.sns_topic_arn) &&
        !(c->notifications.webhook_url && *c->notifications.webhook_url)) {
        s->status = S_SKIPPED;
        hw_buf_puts(&s->detail, "no notifications configured");
        step_end(r, s);
        return;
    }
    hw_err e;
    hw_err_clear(&e);
    size_t sent = 0, failed = 0;
    hw_aws_client *cl = client(r, &e);
    if (!cl || hw_remedy_notify(r->st, cl, c, r->plan_id, r->results, hw_cmd_actor(), &sent,
                                &failed, &e) != HW_OK)
        step_error(r, s, &e);
    step_tally(s, "sent", sent, "failed", failed, "notification(s)");
    step_end(r, s);
}

static void step_gate(struct run *r)
{
    struct step *s = step_begin(r, "gate");
    char *buf = NULL;
    size_t len = 0;
    FILE *table = format == HW_OUT_TABLE ? open_memstream(&buf, &len) : NULL;
    int rc = hw_cmd_gate_summary(r->ctx, r->cat, r->st, opt_junit, format, table, &r->gate);
    if (table)
        fclose(table);
    r->gate_table = buf;
    if (rc != 0) {
        r->gate.exit_status = -1;
        step_note(s, S_FAILED, "the gate could not judge (exit %d)", rc);
        if (rc != HW_EXIT_USAGE)
            r->store_failed = 1;
    } else {
        cJSON_AddStringToObject(s->counts, "result", r->gate.result);
        step_count(s, "blocking", (double)r->gate.blocking);
        step_count(s, "accounts_blocking", (double)r->gate.accounts_blocking);
        if (*r->gate.stale)
            hw_buf_puts(&s->detail, r->gate.stale);
    }
    step_end(r, s);
}

/* ------------------------------------------------------------- the end */

static int exit_status(const struct run *r, int *partial)
{
    *partial = 0;
    for (int i = 0; i < r->nsteps; i++)
        if (r->steps[i].status == S_PARTIAL || r->steps[i].status == S_FAILED)
            *partial = 1;
    if (r->store_failed)
        return HW_EXIT_INTERNAL;
    if (r->scan_rc != HW_OK && r->aws_down)
        return HW_EXIT_AWS;
    if (*partial)
        return HW_EXIT_PARTIAL;
    if (opt_gate && r->gate.exit_status == 1)
        return HW_EXIT_ATTENTION;
    if (opt_gate && r->gate.exit_status == 2)
        return HW_EXIT_USAGE;
    return HW_EXIT_OK;
}

static cJSON *summary_json(const struct run *r, const char *status, int code)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "run_id", r->id);
    cJSON_AddStringToObject(j, "status", status);
    cJSON_AddNumberToObject(j, "exit_status", code);
    cJSON *cat = cJSON_AddObjectToObject(j, "catalogue");
    cJSON_AddStringToObject(cat, "dir", hw_cmd_controls_dir(r->ctx));
    if (r->catalog_sha256[0])
        cJSON_AddStringToObject(cat, "sha256", r->catalog_sha256);
    else
        cJSON_AddNullToObject(cat, "sha256");
    cJSON *steps = cJSON_AddArrayToObject(j, "steps");
    for (int i = 0; i < r->nsteps; i++) {
        const struct step *s = &r->steps[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "step", s->name);
        cJSON_AddStringToObject(o, "status", status_names[s->status]);
        if (s->child[0])
            cJSON_AddStringToObject(o, "run_id", s->child);
        cJSON_AddItemToObject(o, "counts", cJSON_Duplicate(s->counts, 1));
        if (s->detail.len)
            cJSON_AddStringToObject(o, "detail", hw_buf_str(&s->detail));
        cJSON_AddItemToArray(steps, o);
    }
    cJSON_AddItemToObject(j, "fixed", cJSON_Duplicate(r->fixed, 1));
    cJSON_AddItemToObject(j, "awaiting_approval", cJSON_Duplicate(r->awaiting, 1));
    cJSON_AddItemToObject(j, "failed_actions", cJSON_Duplicate(r->failed, 1));
    cJSON_AddItemToObject(j, "bundles", cJSON_Duplicate(r->bundles, 1));
    return j;
}

/* A titled list of actions (none: nothing printed). */
static void print_actions(const char *title, const cJSON *list)
{
    if (cJSON_GetArraySize(list))
        printf("%s\n", title);
    const cJSON *a;
    cJSON_ArrayForEach(a, list)
    {
        printf("  %s  %s %s %s ", field(a, "id"), field(a, "control"), field(a, "account"),
               field(a, "region"));
        hw_out_terminal_text(stdout, field(a, "resource"));
        printf("\n");
    }
}

static void print_text(const struct run *r, const char *status, int code, const char *head)
{
    printf("run %s: %s (exit %d)\n", r->id, status, code);
    printf("  catalogue %s (sha256 %s)\n", hw_cmd_controls_dir(r->ctx),
           r->catalog_sha256[0] ? r->catalog_sha256 : "unknown");
    for (int i = 0; i < r->nsteps; i++) {
        const struct step *s = &r->steps[i];
        printf("  %-9s %-7s", s->name, status_names[s->status]);
        const cJSON *c;
        int first = 1;
        cJSON_ArrayForEach(c, s->counts) /* what happened: the counts not 0 */
        {
            if (cJSON_IsNumber(c) && c->valuedouble != 0)
                printf("%s%s %.0f", first ? " " : ", ", c->string, c->valuedouble);
            else if (cJSON_IsString(c))
                printf("%s%s %s", first ? " " : ", ", c->string, c->valuestring);
            else
                continue;
            first = 0;
        }
        if (first && s->status != S_SKIPPED)
            printf(" nothing to do");
        if (s->child[0])
            printf(" (run %s)", s->child);
        printf("\n");
        if (s->detail.len) {
            printf("            ");
            hw_out_terminal_text(stdout, hw_buf_str(&s->detail));
            printf("\n");
        }
    }
    print_actions("fixed and verified:", r->fixed);
    print_actions("awaiting approval (hubwarden approve ACTION-ID --by NAME --reason TEXT):",
                  r->awaiting);
    const cJSON *a;
    if (cJSON_GetArraySize(r->bundles))
        printf("bundles:\n");
    cJSON_ArrayForEach(a, r->bundles)
        printf("  %s\n", a->valuestring);
    if (r->gate_table)
        fputs(r->gate_table, stdout);
    if (*head)
        printf("%s\n", head);
}

/* Ends the run: its record and audit entry, then the summary. */
static int finish(struct run *r)
{
    int partial;
    int code = exit_status(r, &partial);
    const char *status = r->store_failed || r->scan_rc != HW_OK ? "failed"
                         : partial                              ? "partial"
                                                                : "ok";
    cJSON *j = summary_json(r, status, code);
    char *summary = cJSON_PrintUnformatted(j);
    hw_err e;
    hw_err_clear(&e);
    if (!summary || hw_store_audit_append(r->st, r->id, hw_cmd_actor(), "run.finished", summary,
                                          &e) != HW_OK ||
        hw_store_run_finish(r->st, r->id, status, summary, &e) != HW_OK ||
        hw_store_run_exit(r->st, r->id, code, &e) != HW_OK) {
        hw_error("run %s: recording the run: %s", r->id, e.msg);
        code = HW_EXIT_INTERNAL;
    }
    cJSON_free(summary);
    char head[128];
    hw_cmd_audit_anchor(r->st, r->id, head);
    /* -q: nothing on success, so that cron mails only failures */
    if (r->ctx->verbosity >= 0 || code != HW_EXIT_OK) {
        if (format == HW_OUT_TABLE) {
            print_text(r, status, code, head);
        } else {
            if (r->gate.json)
                cJSON_AddItemToObject(j, "gate", r->gate.json);
            else
                cJSON_AddNullToObject(j, "gate");
            r->gate.json = NULL;
            if (*head)
                cJSON_AddStringToObject(j, "audit_head", head + strlen("audit head: "));
            if (hw_out_document(stdout, format, j) != 0)
                hw_error("writing the summary failed");
            j = NULL;
        }
    }
    cJSON_Delete(j);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        hw_error("writing the summary failed");
        code = HW_EXIT_INTERNAL;
    }
    return code;
}

/* ------------------------------------------------------------ the start */

/* What a run checks before it touches anything: the catalogue, the
 * report configuration and its key.  2 with the error printed. */
static int preflight(struct run *r)
{
    hw_err e;
    hw_err_clear(&e);
    const hw_config *c = r->c;
    if (hw_catalog_load(hw_cmd_controls_dir(r->ctx), &r->cat, &e) != HW_OK) {
        hw_error("%s", e.msg);
        return HW_EXIT_USAGE;
    }
    for (size_t i = 0; i < c->report.nframeworks; i++) {
        const char *fw = c->report.frameworks[i];
        if (hw_catalog_framework(r->cat, fw))
            continue;
        hw_vlist known = { 0 };
        for (size_t k = 0; k < r->cat->nframeworks; k++)
            hw_vlist_add_cb(&known, r->cat->frameworks[k].id);
        const char *near = hw_nearest(fw, (const char *const *)known.v, known.n);
        hw_error("%s: report.frameworks: no framework '%s'%s%s%s",
                 c->path ? c->path : "configuration", fw, near ? " (nearest: " : "",
                 near ? near : "", near ? ")" : "");
        hw_vlist_free(&known);
        return HW_EXIT_USAGE;
    }
    if (c->report.out_dir && *c->report.out_dir) {
        if (!c->report.key_file || !*c->report.key_file || !c->report.cert_file ||
            !*c->report.cert_file) {
            hw_error("%s: report.out_dir is set: report.key_file and report.cert_file are needed "
                     "to sign the bundles (hubwarden keygen makes a development key)",
                     c->path ? c->path : "configuration");
            return HW_EXIT_USAGE;
        }
        if (hw_signer_load(c->report.key_file, c->report.cert_file, c->report.chain_file,
                           &r->signer, &e) != HW_OK) {
            hw_error("%s", e.msg);
            return HW_EXIT_USAGE;
        }
    }
    return 0;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    int pr = hw_parse_results_command(&hw_cmd_run, argc, argv, &opt_output, &opt_json,
                                      HW_OUT_CAN(HW_OUT_TABLE) | HW_OUT_CAN(HW_OUT_JSON) |
                                          HW_OUT_CAN(HW_OUT_JSONL),
                                      &format);
    if (pr)
        return pr == 1 ? HW_EXIT_OK : pr;
    if (opt_junit && !*opt_junit)
        return hw_usage_error(&hw_cmd_run, "--junit: expected a file name");
    struct run r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.c = ctx->config;
    int code = preflight(&r);
    hw_err e;
    hw_err_clear(&e);
    if (code == 0 &&
        hw_store_open(ctx->db_path, HW_STORE_WRITE, r.c->lock_timeout_s * 1000, &r.st, &e) !=
            HW_OK) {
        /* the lock's holder is named in the message */
        hw_error("%s", e.msg);
        code = HW_EXIT_INTERNAL;
    }
    if (code == 0 && hw_cmd_run_begin(ctx, r.st, "run", r.id, r.catalog_sha256, &e) != HW_OK) {
        hw_error("%s", e.msg);
        code = HW_EXIT_INTERNAL;
    }
    if (code == 0)
        hw_log_set_run_id(r.id); /* JSON log lines name the run */
    if (code) {
        hw_store_close(r.st);
        hw_signer_free(r.signer);
        hw_catalog_free(r.cat);
        return code;
    }
    char *start = hw_asprintf("{\"run_id\": \"%s\", \"pid\": %ld}", r.id, (long)getpid());
    if (!start || hw_store_audit_append(r.st, r.id, hw_cmd_actor(), "run.started", start, &e) !=
                      HW_OK) {
        hw_error("run %s: %s", r.id, start ? e.msg : "out of memory");
        r.store_failed = 1;
    }
    free(start);
    r.results = cJSON_CreateArray();
    r.fixed = cJSON_CreateArray();
    r.failed = cJSON_CreateArray();
    r.awaiting = cJSON_CreateArray();
    r.bundles = cJSON_CreateArray();
    r.pol_ok = hw_remedy_policy_init(&r.pol, r.c, r.st, &e) == HW_OK;
    if (!r.pol_ok)
        hw_error("run %s: %s", r.id, e.msg);

    step_scan(&r);
    /* the policy knows the Organization's accounts the scan just read */
    if (r.pol_ok)
        hw_remedy_policy_free(&r.pol);
    r.pol_ok = hw_remedy_policy_init(&r.pol, r.c, r.st, &e) == HW_OK;
    step_expire(&r);
    step_evaluate(&r);
    step_remediate(&r);
    step_workflow(&r);
    step_report(&r);
    step_notify(&r);
    step_gate(&r);
    code = finish(&r);

    for (int i = 0; i < r.nsteps; i++) {
        cJSON_Delete(r.steps[i].counts);
        hw_buf_free(&r.steps[i].detail);
    }
    cJSON_Delete(r.results);
    cJSON_Delete(r.fixed);
    cJSON_Delete(r.failed);
    cJSON_Delete(r.awaiting);
    cJSON_Delete(r.bundles);
    cJSON_Delete(r.gate.json);
    free(r.gate_table);
    if (r.pol_ok)
        hw_remedy_policy_free(&r.pol);
    hw_aws_client_free(r.cl);
    hw_store_close(r.st);
    hw_signer_free(r.signer);
    hw_catalog_free(r.cat);
    return code;
}

const struct hw_command hw_cmd_run = {
    .name = "run",
    .summary = "The nightly job: scan, evaluate, remediate, report, notify, gate.",
    .synopsis = "",
    .description =
        "Holds the store's lock for the whole run and runs each step in turn: scan\n"
        "(incremental unless --full), expire (exceptions, approvals, IP blocks),\n"
        "evaluate, remediate (the policy's auto actions and every approved one;\n"
        "playbooks too), workflow (Security Hub updates still owed), report (bundles of\n"
        "report.frameworks into report.out_dir), notify, and the gate's summary.  A step\n"
        "runs even when an earlier one partly failed, but nothing is remediated from a\n"
        "scan that failed outright.  Each step's status and counts go to the store and\n"
        "the audit log.  Exit 0 all done; 3 some accounts, regions, actions or bundles\n"
        "failed (named in the summary); 5 AWS could not be read at all; 1 with --gate\n"
        "when the gate fails; 2 configuration errors (nothing touched); 4 the store or\n"
        "its lock could not be had.  -q prints nothing on success; --output json the\n"
        "summary as one JSON document.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
