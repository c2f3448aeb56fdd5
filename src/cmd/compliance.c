/*
 * compliance.c - `hubwarden compliance [FRAMEWORK]`: the evaluated status
 * of every framework requirement, for auditors.
 *
 * Without a framework: one line per framework, its (account, requirement)
 * pairs counted by status, the pass rate and the date of the evaluation.
 * With one: a line per requirement, its status rolled up across the
 * accounts selected (eval.h, hw_eval_rollup), or per account (--account,
 * --requirement, --per-account), with "failing since" from hubwarden's own
 * history of evaluations.  --requirement adds the evidence: a line per
 * control and finding behind each account's status.
 *
 * Filters never answer wrongly, as in `findings` (common.c): an unknown
 * framework, requirement, status, account or OU is a usage error naming
 * the nearest known value.  Read-only: it never waits for a scan's lock.
 */
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "eval/eval.h"
#include "store/store.h"

static struct hw_strlist o_account, o_ou, o_requirement, o_status;
static const char *output;
static int as_json, as_csv, per_account, wide;

static const struct hw_option options[] = {
    { "account", 0, HW_OPT_LIST, &o_account, "ID|NAME", "only these accounts (by id or name)" },
    { "ou", 0, HW_OPT_LIST, &o_ou, "OU",
      "only the accounts under this organizational unit (id or name)" },
    { "requirement", 0, HW_OPT_LIST, &o_requirement, "ID",
      "only these requirements, per account, with their evidence" },
    { "status", 0, HW_OPT_LIST, &o_status, "STATUS",
      "PASSED, FAILED, PARTIAL, SUPPRESSED, NOT_APPLICABLE, NO_DATA, MANUAL or EXCEPTION" },
    { "per-account", 0, HW_OPT_FLAG, &per_account, NULL,
      "one line per requirement and account instead of the roll-up" },
    { "wide", 0, HW_OPT_FLAG, &wide, NULL, "table: every field, nothing cut" },
    HW_OUTPUT_OPTIONS(output, as_json),
    { "csv", 0, HW_OPT_FLAG, &as_csv, NULL, "the same as --output csv" },
    { 0 },
};

/* Without a framework: one line per framework. */
static const hw_out_col sum_cols[] = {
    { "framework", HW_COL_TEXT, 20, HW_COL_NARROW | HW_COL_FILL, 0 },
    { "pass_rate", HW_COL_NUMBER, 9, HW_COL_NARROW, 0 },
    { "pairs", HW_COL_NUMBER, 5, HW_COL_NARROW, 4 },
    { "passed", HW_COL_NUMBER, 6, HW_COL_NARROW, 0 },
    { "failed", HW_COL_NUMBER, 6, HW_COL_NARROW, 0 },
    { "partial", HW_COL_NUMBER, 7, HW_COL_NARROW, 0 },
    { "suppressed", HW_COL_NUMBER, 10, HW_COL_NARROW, 0 },
    { "exception", HW_COL_NUMBER, 9, HW_COL_NARROW, 0 },
    { "not_applicable", HW_COL_NUMBER, 14, HW_COL_NARROW, 0 },
    { "no_data", HW_COL_NUMBER, 7, HW_COL_NARROW, 0 },
    { "manual", HW_COL_NUMBER, 6, HW_COL_NARROW, 3 },
    { "requirements", HW_COL_NUMBER, 12, 0, 0 },
    { "accounts", HW_COL_NUMBER, 8, 0, 0 },
    { "evaluated_at", HW_COL_NULLABLE, 20, HW_COL_NARROW, 2 },
    { "run_id", HW_COL_NULLABLE, 30, 0, 0 },
};

/* A framework's requirements, rolled up across accounts. */
static const hw_out_col rollup_cols[] = {
    { "framework", HW_COL_TEXT, 20, 0, 0 },
    { "requirement", HW_COL_TEXT, 11, HW_COL_NARROW, 0 },
    { "status", HW_COL_TEXT, 14, HW_COL_NARROW, 0 },
    { "accounts", HW_COL_NUMBER, 8, HW_COL_NARROW, 0 },
    { "failing", HW_COL_NUMBER, 7, HW_COL_NARROW, 0 },
    { "failing_since", HW_COL_NULLABLE, 20, HW_COL_NARROW, 0 },
    { "controls", HW_COL_JSON, 20, HW_COL_NARROW, 2 },
    { "manual", HW_COL_BOOL, 6, 0, 0 },
    { "title", HW_COL_TEXT, 30, HW_COL_NARROW | HW_COL_FILL, 0 },
};
enum { R_FW, R_REQ, R_STATUS, R_ACCOUNTS, R_FAILING, R_SINCE, R_CONTROLS, R_MANUAL, R_TITLE,
       R_N };

/* Per requirement and account. */
static const hw_out_col acct_cols[] = {
    { "framework", HW_COL_TEXT, 20, 0, 0 },
    { "requirement", HW_COL_TEXT, 11, HW_COL_NARROW, 0 },
    { "account", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
    { "account_name", HW_COL_NULLABLE, 16, HW_COL_NARROW, 3 },
    { "status", HW_COL_TEXT, 14, HW_COL_NARROW, 0 },
    { "failing_since", HW_COL_NULLABLE, 20, HW_COL_NARROW, 0 },
    { "failing_since_run", HW_COL_NULLABLE, 30, 0, 0 },
    { "since", HW_COL_TEXT, 20, 0, 0 },
    { "since_run", HW_COL_TEXT, 30, 0, 0 },
    { "failing_controls", HW_COL_JSON, 16, HW_COL_NARROW, 0 },
    { "controls", HW_COL_JSON, 20, HW_COL_NARROW, 2 },
    { "manual", HW_COL_BOOL, 6, 0, 0 },
    { "title", HW_COL_TEXT, 30, HW_COL_NARROW | HW_COL_FILL, 0 },
};
enum { A_FW, A_REQ, A_ACCOUNT, A_NAME, A_STATUS, A_FSINCE, A_FRUN, A_SINCE, A_SRUN, A_FCONTROLS,
       A_CONTROLS, A_MANUAL, A_TITLE, A_N };

/* --requirement: the evidence, a line per control and finding. */
static const hw_out_col ev_cols[] = {
    { "framework", HW_COL_TEXT, 20, 0, 0 },
    { "requirement", HW_COL_TEXT, 11, HW_COL_NARROW, 5 },
    { "account", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
    { "account_name", HW_COL_NULLABLE, 16, 0, 0 },
    { "status", HW_COL_TEXT, 14, HW_COL_NARROW, 0 },
    { "failing_since", HW_COL_NULLABLE, 20, HW_COL_NARROW, 0 },
    { "control", HW_COL_NULLABLE, 10, HW_COL_NARROW, 0 },
    { "control_status", HW_COL_NULLABLE, 14, HW_COL_NARROW, 0 },
    { "reason", HW_COL_NULLABLE, 30, 0, 0 },
    { "disabled_in", HW_COL_NULLABLE, 20, 0, 0 },
    { "passed_resources", HW_COL_NUMBER, 6, 0, 0 },
    { "failed_resources", HW_COL_NUMBER, 6, 0, 0 },
    { "finding", HW_COL_NULLABLE, 60, 0, 0 },
    { "region", HW_COL_NULLABLE, 14, HW_COL_NARROW, 4 },
    { "compliance_status", HW_COL_NULLABLE, 13, HW_COL_NARROW, 0 },
    { "workflow_status", HW_COL_NULLABLE, 10, 0, 0 },
    { "first_observed", HW_COL_NULLABLE, 24, 0, 0 },
    { "last_observed", HW_COL_NULLABLE, 24, HW_COL_NARROW, 3 },
    { "resources", HW_COL_JSON, 40, HW_COL_NARROW | HW_COL_TAIL | HW_COL_FILL, 0 },
};
enum { E_FW, E_REQ, E_ACCOUNT, E_NAME, E_STATUS, E_FSINCE, E_CONTROL, E_CSTATUS, E_REASON,
       E_DISABLED, E_PASSED, E_FAILED, E_FINDING, E_REGION, E_FSTATUS, E_WORKFLOW, E_FIRST,
       E_LAST, E_RESOURCES, E_N };

/* ------------------------------------------------------------- helpers */

/* Epoch seconds as "2026-12-03T08:00:00Z" ("" when < 0). */
static void sec_cell(int64_t t, char out[32])
{
    out[0] = '\0';
    if (t < 0)
        return;
    hw_time_iso(t, out);
    char *dot = strrchr(out, '.');
    if (dot)
        memcpy(dot, "Z", 2);
}

/* "IAM.3 IAM.4" as the controls cell: a JSON array, the manual marker in
 * a table, else the words (malloc'd). */
static char *controls_cell(int format, const char *words, int manual)
{
    hw_buf b = HW_BUF_INIT(0);
    if (format == HW_OUT_JSON || format == HW_OUT_JSONL) {
        cJSON *a = cJSON_CreateArray();
        const char *p = words;
        while (*p) {
            size_t n = strcspn(p, " ");
            if (n) {
                char *w = strndup(p, n);
                cJSON_AddItemToArray(a, cJSON_CreateString(w ? w : ""));
                free(w);
            }
            p += n;
            p += *p == ' ';
        }
        char *t = cJSON_PrintUnformatted(a);
        hw_buf_puts(&b, t ? t : "[]");
        free(t);
        cJSON_Delete(a);
    } else {
        hw_buf_puts(&b, manual && format == HW_OUT_TABLE ? "(manual)" : words);
    }
    char *out = strdup(hw_buf_str(&b));
    hw_buf_free(&b);
    return out;
}

/* ----------------------------------------------------------- summary */

struct sum_ctx {
    hw_out o;
    int64_t evaluated_at;
    char run_id[64];
};

static int sum_cb(void *arg, const hw_compliance_summary *c)
{
    struct sum_ctx *x = arg;
    unsigned n[HW_REQ_NSTATUS] = { 0 };
    n[HW_REQ_PASSED] = c->passed;
    n[HW_REQ_FAILED] = c->failed;
    n[HW_REQ_PARTIAL] = c->partial;
    n[HW_REQ_SUPPRESSED] = c->suppressed;
    n[HW_REQ_EXCEPTION] = c->exception;
    n[HW_REQ_NOT_APPLICABLE] = c->not_applicable;
    n[HW_REQ_NO_DATA] = c->no_data;
    n[HW_REQ_MANUAL] = c->manual;
    unsigned pairs = 0;
    for (int i = 0; i < HW_REQ_NSTATUS; i++)
        pairs += n[i];
    char cells[13][24], rate[16], at[32];
    double r = hw_eval_pass_rate(n);
    if (r < 0)
        snprintf(rate, sizeof rate, x->o.format == HW_OUT_TABLE ? "-" : "");
    else if (x->o.format == HW_OUT_TABLE)
        snprintf(rate, sizeof rate, "%.1f%%", 100.0 * r);
    else
        snprintf(rate, sizeof rate, "%.4f", r);
    unsigned v[] = { pairs, c->passed, c->failed, c->partial, c->suppressed, c->exception,
                     c->not_applicable, c->no_data, c->manual, c->requirements, c->accounts };
    for (size_t i = 0; i < HW_ARRAY_LEN(v); i++)
        snprintf(cells[i], sizeof cells[i], "%u", v[i]);
    sec_cell(c->evaluated_at, at);
    const char *row[] = { c->framework, rate,      cells[0], cells[1], cells[2],
                          cells[3],     cells[4],  cells[5], cells[6], cells[7],
                          cells[8],     cells[9],  cells[10], at,      c->run_id };
    hw_out_row(&x->o, row);
    x->evaluated_at = c->evaluated_at;
    snprintf(x->run_id, sizeof x->run_id, "%s", c->run_id);
    return ferror(x->o.f) ? 1 : 0;
}

static int summary(hw_store *s, const hw_compliance_query *q, int format, int none, hw_err *e)
{
    struct sum_ctx x = { .evaluated_at = -1 };
    hw_out_init(&x.o, stdout, format, sum_cols, HW_ARRAY_LEN(sum_cols), wide);
    hw_out_header(&x.o);
    int rc = none ? HW_OK : hw_store_compliance_summary(s, q, sum_cb, &x, e);
    int out_rc = hw_out_finish(&x.o);
    if (rc != HW_OK)
        return hw_cmd_fail(e);
    if (out_rc != 0) {
        hw_error("writing the results failed");
        return HW_EXIT_INTERNAL;
    }
    if (format != HW_OUT_TABLE)
        return HW_EXIT_OK;
    /* say what the counts count */
    if (x.o.rows) {
        char at[32];
        sec_cell(x.evaluated_at, at);
        printf("counts: account x requirement pairs; pass rate = passed / (passed + failed + "
               "partial + suppressed)\nevaluated %s (run %s)\n",
               at, x.run_id);
    } else {
        fprintf(stderr, "no evaluation in the store%s (run 'hubwarden scan')\n",
                q->naccounts ? " for these accounts" : "");
    }
    return fflush(stdout) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

/* --------------------------------------------------- a framework's rows */

struct fw_ctx {
    hw_out o;
    hw_store *s;
    int mode; /* 0 roll-up, 1 per account, 2 evidence */
    const hw_vlist *statuses; /* roll-up: the rolled-up statuses shown */
    size_t rows_in;           /* (requirement, account) rows read */
    /* the requirement being rolled up */
    char *framework, *requirement, *title, *controls;
    int manual;
    unsigned n[HW_REQ_NSTATUS];
    int64_t failing_since;
    const hw_compliance_row *row; /* evidence: the row of the lines */
    size_t lines;                 /* evidence: lines of that row */
    hw_err *e;
};

static void rollup_flush(struct fw_ctx *x)
{
    if (!x->requirement)
        return;
    int st = hw_eval_rollup(x->n);
    const char *name = hw_req_status_name(st);
    if (!x->statuses->n || hw_vlist_has(x->statuses, name)) {
        unsigned accounts = 0;
        for (int i = 0; i < HW_REQ_NSTATUS; i++)
            accounts += x->n[i];
        char nacc[16], nfail[16], since[32];
        snprintf(nacc, sizeof nacc, "%u", accounts);
        snprintf(nfail, sizeof nfail, "%u", x->n[HW_REQ_FAILED]);
        sec_cell(x->failing_since, since);
        char *ctl = controls_cell(x->o.format, x->controls, x->manual);
        const char *cells[R_N];
        cells[R_FW] = x->framework;
        cells[R_REQ] = x->requirement;
        cells[R_STATUS] = name;
        cells[R_ACCOUNTS] = nacc;
        cells[R_FAILING] = nfail;
        cells[R_SINCE] = since;
        cells[R_CONTROLS] = ctl ? ctl : "";
        cells[R_MANUAL] = x->manual ? "true" : "false";
        cells[R_TITLE] = x->title;
        hw_out_row(&x->o, cells);
        free(ctl);
    }
    free(x->framework);
    free(x->requirement);
    free(x->title);
    free(x->controls);
    x->framework = x->requirement = x->title = x->controls = NULL;
}

static int rollup_row(struct fw_ctx *x, const hw_compliance_row *r)
{
    if (x->requirement && strcmp(x->requirement, r->requirement) == 0) {
        /* the same requirement, another account */
    } else {
        rollup_flush(x);
        x->framework = strdup(r->framework);
        x->requirement = strdup(r->requirement);
        x->title = strdup(r->title);
        x->controls = strdup(r->controls);
        if (!x->framework || !x->requirement || !x->title || !x->controls)
            return HW_ENOMEM;
        x->manual = r->manual;
        memset(x->n, 0, sizeof x->n);
        x->failing_since = -1;
    }
    int st = hw_req_status_parse(r->status);
    if (st >= 0)
        x->n[st]++;
    if (r->failing_since >= 0 && (x->failing_since < 0 || r->failing_since < x->failing_since))
        x->failing_since = r->failing_since;
    return 0;
}

static int account_row(struct fw_ctx *x, const hw_compliance_row *r)
{
    char fsince[32], since[32];
    sec_cell(r->failing_since, fsince);
    sec_cell(r->since, since);
    char *ctl = controls_cell(x->o.format, r->controls, r->manual);
    char *fctl = controls_cell(x->o.format, r->failing_controls, 0);
    const char *cells[A_N];
    cells[A_FW] = r->framework;
    cells[A_REQ] = r->requirement;
    cells[A_ACCOUNT] = r->account;
    cells[A_NAME] = r->account_name;
    cells[A_STATUS] = r->status;
    cells[A_FSINCE] = fsince;
    cells[A_FRUN] = r->failing_since_run ? r->failing_since_run : "";
    cells[A_SINCE] = since;
    cells[A_SRUN] = r->since_run;
    cells[A_FCONTROLS] = fctl ? fctl : "";
    cells[A_CONTROLS] = ctl ? ctl : "";
    cells[A_MANUAL] = r->manual ? "true" : "false";
    cells[A_TITLE] = r->title;
    hw_out_row(&x->o, cells);
    free(ctl);
    free(fctl);
    return 0;
}

/* One evidence line (l NULL: the row has none, e.g. a manual requirement). */
static void evidence_out(struct fw_ctx *x, const hw_evidence_line *l)
{
    const hw_compliance_row *r = x->row;
    char fsince[32], last[32], passed[24], failed[24];
    sec_cell(r->failing_since, fsince);
    last[0] = passed[0] = failed[0] = '\0';
    if (l && l->last_observed_now > 0)
        hw_time_iso_ms(l->last_observed_now, last);
    else if (l && l->last_observed)
        snprintf(last, sizeof last, "%s", l->last_observed);
    if (l) {
        snprintf(passed, sizeof passed, "%ld", l->passed);
        snprintf(failed, sizeof failed, "%ld", l->failed);
    }
    int json = x->o.format == HW_OUT_JSON || x->o.format == HW_OUT_JSONL;
    char *res = l && l->resources && !json ? hw_join_resources(l->resources) : NULL;
    const char *cells[E_N];
    cells[E_FW] = r->framework;
    cells[E_REQ] = r->requirement;
    cells[E_ACCOUNT] = r->account;
    cells[E_NAME] = r->account_name;
    cells[E_STATUS] = r->status;
    cells[E_FSINCE] = fsince;
    cells[E_CONTROL] = l ? l->control : r->manual && x->o.format == HW_OUT_TABLE ? "(manual)" : "";
    cells[E_CSTATUS] = l ? l->control_status : "";
    cells[E_REASON] = l && l->reason ? l->reason : "";
    cells[E_DISABLED] = l && l->disabled_in ? l->disabled_in : "";
    cells[E_PASSED] = passed;
    cells[E_FAILED] = failed;
    cells[E_FINDING] = l && l->finding ? l->finding : "";
    cells[E_REGION] = l && l->region ? l->region : "";
    cells[E_FSTATUS] = l && l->compliance_status ? l->compliance_status : "";
    cells[E_WORKFLOW] = l && l->workflow_status ? l->workflow_status : "";
    cells[E_FIRST] = l && l->first_observed ? l->first_observed : "";
    cells[E_LAST] = last;
    cells[E_RESOURCES] = res ? res : l && l->resources ? l->resources : "";
    hw_out_row(&x->o, cells);
    free(res);
}

static int line_cb(void *arg, const hw_evidence_line *l)
{
    struct fw_ctx *x = arg;
    evidence_out(x, l);
    x->lines++;
    return ferror(x->o.f) ? 1 : 0;
}

static int row_cb(void *arg, const hw_compliance_row *r)
{
    struct fw_ctx *x = arg;
    x->rows_in++;
    if (x->mode == 0)
        return rollup_row(x, r);
    if (x->mode == 1) {
        account_row(x, r);
        return ferror(x->o.f) ? 1 : 0;
    }
    x->row = r;
    x->lines = 0;
    if (r->evidence && hw_store_evidence_lines(x->s, r->account, r->evidence, line_cb, x, x->e) !=
                           HW_OK)
        return x->e->kind; /* keeps the store's message */
    if (!x->lines)
        evidence_out(x, NULL);
    return ferror(x->o.f) ? 1 : 0;
}

static int framework_rows(hw_store *s, hw_compliance_query *q, const hw_vlist *statuses,
                          int format, int mode, int none, hw_err *e)
{
    struct fw_ctx x;
    memset(&x, 0, sizeof x);
    x.s = s;
    x.mode = mode;
    x.statuses = statuses;
    x.e = e;
    if (mode == 0)
        hw_out_init(&x.o, stdout, format, rollup_cols, R_N, wide);
    else if (mode == 1)
        hw_out_init(&x.o, stdout, format, acct_cols, A_N, wide);
    else
        hw_out_init(&x.o, stdout, format, ev_cols, E_N, wide);
    hw_out_header(&x.o);
    /* the roll-up filters the rolled-up status, not each account's */
    const char *const *st = q->statuses;
    size_t nst = q->nstatuses;
    if (mode == 0)
        q->nstatuses = 0;
    q->with_evidence = mode == 2;
    int rc = none ? HW_OK : hw_store_compliance_rows(s, q, row_cb, &x, e);
    q->statuses = st;
    q->nstatuses = nst;
    if (rc == HW_OK && mode == 0)
        rollup_flush(&x);
    free(x.framework);
    free(x.requirement);
    free(x.title);
    free(x.controls);
    int out_rc = hw_out_finish(&x.o);
    if (rc != HW_OK)
        return hw_cmd_fail(e);
    if (out_rc != 0) {
        hw_error("writing the results failed");
        return HW_EXIT_INTERNAL;
    }
    if (format == HW_OUT_TABLE) {
        if (mode == 0)
            fprintf(stderr, "%zu requirement%s, rolled up across the accounts selected\n",
                    x.o.rows, x.o.rows == 1 ? "" : "s");
        else if (mode == 1)
            fprintf(stderr, "%zu requirement x account pair%s\n", x.o.rows,
                    x.o.rows == 1 ? "" : "s");
        else
            fprintf(stderr, "%zu requirement x account pair%s, %zu evidence line%s\n",
                    x.rows_in, x.rows_in == 1 ? "" : "s", x.o.rows, x.o.rows == 1 ? "" : "s");
    }
    return HW_EXIT_OK;
}

/* ------------------------------------------------------------- filters */

struct ou_ctx {
    const char *want;
    hw_vlist *accounts; /* those under it */
    hw_vlist known;     /* every OU id and name, for the suggestion */
};

/* Whether the path "a/b/c" has want as one of its parts (or is it). */
static int path_has(const char *path, const char *want)
{
    if (!path || !*path)
        return 0;
    if (strcasecmp(path, want) == 0)
        return 1;
    size_t n = strlen(want);
    for (const char *p = path; *p;) {
        size_t k = strcspn(p, "/");
        if (k == n && strncasecmp(p, want, n) == 0)
            return 1;
        p += k;
        p += *p == '/';
    }
    return 0;
}

static void add_parts(hw_vlist *l, const char *path)
{
    for (const char *p = path ? path : ""; *p;) {
        size_t k = strcspn(p, "/");
        char part[128];
        snprintf(part, sizeof part, "%.*s", (int)(k < 127 ? k : 127), p);
        if (k)
            hw_vlist_add_cb(l, part);
        p += k;
        p += *p == '/';
    }
}

static int ou_cb(void *arg, const hw_account_row *a)
{
    struct ou_ctx *x = arg;
    add_parts(&x->known, a->ou_path);
    add_parts(&x->known, a->ou_names);
    if ((path_has(a->ou_path, x->want) || path_has(a->ou_names, x->want)) &&
        hw_vlist_add_cb(x->accounts, a->id) != 0)
        return HW_ENOMEM;
    return 0;
}

/* --ou: the accounts under each OU named (their union), into *out. */
static int resolve_ous(hw_store *s, const hw_vlist *ous, hw_vlist *out, hw_err *e)
{
    for (size_t i = 0; i < ous->n; i++) {
        hw_vlist found = { 0 };
        struct ou_ctx x = { ous->v[i], &found, { 0 } };
        if (hw_store_accounts(s, ou_cb, &x, e) != HW_OK) {
            hw_vlist_free(&found);
            hw_vlist_free(&x.known);
            return hw_cmd_fail(e);
        }
        int rc = 0;
        if (!found.n) {
            const char *near = hw_nearest(ous->v[i], (const char *const *)x.known.v, x.known.n);
            rc = near ? hw_usage_error(&hw_cmd_compliance, "--ou: no OU '%s' (nearest: %s)",
                                       ous->v[i], near)
                      : hw_usage_error(&hw_cmd_compliance,
                                       "--ou: no OU '%s' (the store records no Organization)",
                                       ous->v[i]);
        }
        for (size_t j = 0; j < found.n; j++)
            hw_vlist_add_cb(out, found.v[j]);
        hw_vlist_free(&found);
        hw_vlist_free(&x.known);
        if (rc)
            return rc;
    }
    return 0;
}

/* The framework argument: its id as stored (any case), or a usage error
 * naming the nearest. */
static int resolve_framework(hw_store *s, const char *arg, char **out, hw_err *e)
{
    hw_vlist known = { 0 };
    if (hw_store_compliance_values(s, NULL, hw_vlist_add_cb, &known, e) != HW_OK) {
        hw_vlist_free(&known);
        return hw_cmd_fail(e);
    }
    int rc = 0;
    size_t i = 0;
    while (i < known.n && strcasecmp(arg, known.v[i]) != 0)
        i++;
    if (i < known.n) {
        *out = strdup(known.v[i]);
    } else {
        const char *near = hw_nearest(arg, (const char *const *)known.v, known.n);
        rc = near ? hw_usage_error(&hw_cmd_compliance, "no framework '%s' (nearest: %s)", arg,
                                   near)
                  : hw_usage_error(&hw_cmd_compliance,
                                   "no framework '%s' (none evaluated yet: run 'hubwarden scan')",
                                   arg);
    }
    hw_vlist_free(&known);
    return rc;
}

struct lists {
    hw_vlist account, ou, requirement, status;
};

static void lists_free(struct lists *l)
{
    hw_vlist_free(&l->account);
    hw_vlist_free(&l->ou);
    hw_vlist_free(&l->requirement);
    hw_vlist_free(&l->status);
}

static int query(hw_ctx *ctx, const char *fw_arg, int format)
{
    static const char *const statuses[] = { "PASSED",         "FAILED",  "PARTIAL",
                                            "SUPPRESSED",     "EXCEPTION",
                                            "NOT_APPLICABLE", "NO_DATA", "MANUAL" };
    struct lists l;
    memset(&l, 0, sizeof l);
    hw_vlist in_ou = { 0 };
    char *framework = NULL;
    hw_err e;
    hw_err_clear(&e);
    hw_store *s = NULL;
    int rc = 0, none = 0;
    if (hw_filter_split(&o_account, &l.account) || hw_filter_split(&o_ou, &l.ou) ||
        hw_filter_split(&o_requirement, &l.requirement) ||
        hw_filter_split(&o_status, &l.status)) {
        rc = hw_usage_error(&hw_cmd_compliance, "out of memory");
        goto out;
    }
    if ((rc = hw_filter_canonical(&hw_cmd_compliance, "status", "status", &l.status, statuses,
                              HW_ARRAY_LEN(statuses))) != 0)
        goto out;
    if (hw_store_open(ctx->db_path, HW_STORE_READ, 0, &s, &e) != HW_OK) {
        rc = hw_cmd_fail(&e);
        goto out;
    }
    if (fw_arg && (rc = resolve_framework(s, fw_arg, &framework, &e)) != 0)
        goto out;
    if (l.requirement.n) {
        hw_vlist known = { 0 };
        if (hw_store_compliance_values(s, framework, hw_vlist_add_cb, &known, &e) != HW_OK) {
            hw_vlist_free(&known);
            rc = hw_cmd_fail(&e);
            goto out;
        }
        rc = hw_filter_canonical(&hw_cmd_compliance, "requirement", "requirement", &l.requirement,
                             (const char *const *)known.v, known.n);
        hw_vlist_free(&known);
        if (rc)
            goto out;
    }
    if ((l.account.n && (rc = hw_filter_accounts(&hw_cmd_compliance, s, &l.account, &e)) != 0) ||
        (l.ou.n && (rc = resolve_ous(s, &l.ou, &in_ou, &e)) != 0))
        goto out;
    if (l.ou.n) { /* both: the accounts in both */
        hw_vlist both = { 0 };
        for (size_t i = 0; i < in_ou.n; i++)
            if (!l.account.n || hw_vlist_has(&l.account, in_ou.v[i]))
                hw_vlist_add_cb(&both, in_ou.v[i]);
        hw_vlist_free(&l.account);
        l.account = both;
        none = l.account.n == 0;
    }
    hw_compliance_query q = { 0 };
    q.framework = framework;
    q.accounts = (const char *const *)l.account.v;
    q.naccounts = l.account.n;
    q.requirements = (const char *const *)l.requirement.v;
    q.nrequirements = l.requirement.n;
    q.statuses = (const char *const *)l.status.v;
    q.nstatuses = l.status.n;
    if (!framework) {
        rc = summary(s, &q, format, none, &e);
        goto out;
    }
    int mode = l.requirement.n ? 2 : (o_account.n || per_account) ? 1 : 0;
    rc = framework_rows(s, &q, &l.status, format, mode, none, &e);
out:
    free(framework);
    hw_vlist_free(&in_ou);
    hw_store_close(s);
    lists_free(&l);
    return rc;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_compliance, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    }
    const char *fw = nargs == 1 ? args[0] : NULL;
    free(args);
    if (nargs > 1)
        return hw_usage_error(&hw_cmd_compliance, "expected at most one FRAMEWORK");
    if (as_csv && (as_json || output))
        return hw_usage_error(&hw_cmd_compliance, "--csv excludes --json and --output");
    int format;
    if (hw_out_format_parse(&hw_cmd_compliance, as_csv ? "csv" : output, as_json, HW_OUT_ANY,
                            &format))
        return HW_EXIT_USAGE;
    if (!fw && (o_requirement.n || o_status.n || per_account))
        return hw_usage_error(&hw_cmd_compliance, "--%s needs a FRAMEWORK",
                              o_requirement.n ? "requirement"
                              : o_status.n    ? "status"
                                              : "per-account");
    return query(ctx, fw, format);
}

const struct hw_command hw_cmd_compliance = {
    .name = "compliance",
    .summary = "Show how each framework and requirement stands, per account.",
    .synopsis = "[FRAMEWORK]",
    .description =
        "Without FRAMEWORK: one line per framework with its account x requirement pairs\n"
        "counted by status, the pass rate = passed / (passed + failed + partial +\n"
        "suppressed), and the date of the evaluation.  With FRAMEWORK: its requirements in\n"
        "the catalogue's order, each with its status rolled up across the accounts\n"
        "selected (any FAILED account fails it), the number of accounts failing, since\n"
        "when, and its controls or (manual).  --account, --requirement or --per-account:\n"
        "one line per requirement and account.  --requirement adds the evidence: a line\n"
        "per control and finding (control status, reason, disabled-in regions,\n"
        "resources, first and last observed).  failing_since is the start of the\n"
        "current unbroken run of FAILED evaluations in hubwarden's history.  Statuses:\n"
        "PASSED, FAILED, PARTIAL, SUPPRESSED, NOT_APPLICABLE, NO_DATA, MANUAL, EXCEPTION.\n"
        "An unknown filter value is an error naming the nearest known one (exit 2).",
    .options = options,
    .run = run,
    .needs_config = 1,
};
