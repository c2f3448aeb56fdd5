/*
 * findings.c - `hubwarden findings [show ID]`: queries the findings in the
 * store.
 *
 * Filters never answer wrongly: a value the store and the catalogue do not
 * know (framework, control, account, region, product, severity, status)
 * is a usage error naming the nearest known value, never "0 findings".
 * Control ids, severities, statuses, products and regions match
 * case-insensitively; accounts by id or name.  Repeated options and comma
 * lists combine.  Read-only: it does not wait for a running scan's lock.
 */
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "store/store.h"

static struct hw_strlist o_account, o_region, o_control, o_framework, o_status, o_severity,
    o_product, o_sort;
static const char *since, *output, *group_by;
static int as_json, as_csv, all, trusted_only, untrusted_only, wide, limit = -1;

static const struct hw_option options[] = {
    { "account", 0, HW_OPT_LIST, &o_account, "ID|NAME", "only these accounts (by id or name)" },
    { "region", 0, HW_OPT_LIST, &o_region, "REGION", "only these regions" },
    { "control", 0, HW_OPT_LIST, &o_control, "ID", "only these controls (e.g. S3.8)" },
    { "framework", 0, HW_OPT_LIST, &o_framework, "ID",
      "only controls mapped to this framework (e.g. cis-aws-3.0.0)" },
    { "status", 0, HW_OPT_LIST, &o_status, "STATUS",
      "compliance status: PASSED, FAILED, WARNING or NOT_AVAILABLE" },
    { "severity", 0, HW_OPT_LIST, &o_severity, "LABEL",
      "INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL" },
    { "product", 0, HW_OPT_LIST, &o_product, "NAME", "securityhub, guardduty, or company/product" },
    { "since", 0, HW_OPT_STRING, &since, "TIME", "updated at or after TIME (ISO 8601)" },
    { "trusted", 0, HW_OPT_FLAG, &trusted_only, NULL, "only trusted findings" },
    { "untrusted", 0, HW_OPT_FLAG, &untrusted_only, NULL, "only untrusted findings" },
    { "all", 0, HW_OPT_FLAG, &all, NULL, "include archived findings" },
    { "sort", 0, HW_OPT_LIST, &o_sort, "FIELD[,FIELD]",
      "order by these fields ('-FIELD': descending)" },
    { "limit", 0, HW_OPT_INT, &limit, "N", "at most N rows" },
    { "group-by", 0, HW_OPT_STRING, &group_by, "resource", "one row per resource" },
    { "wide", 0, HW_OPT_FLAG, &wide, NULL, "table: every field, nothing cut" },
    HW_OUTPUT_OPTIONS(output, as_json),
    { "csv", 0, HW_OPT_FLAG, &as_csv, NULL, "the same as --output csv" },
    { 0 },
};

/* The fields of a finding, in every format. */
static const hw_out_col cols[] = {
    { "id", HW_COL_TEXT, 60, 0, 0 },
    { "account", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
    { "region", HW_COL_TEXT, 14, HW_COL_NARROW, 2 },
    { "control", HW_COL_NULLABLE, 14, HW_COL_NARROW, 0 },
    { "type", HW_COL_NULLABLE, 30, 0, 0 },
    { "severity", HW_COL_TEXT, 13, HW_COL_NARROW, 0 },
    { "compliance_status", HW_COL_NULLABLE, 13, HW_COL_NARROW, 1 },
    { "workflow_status", HW_COL_TEXT, 10, 0, 0 },
    { "record_state", HW_COL_TEXT, 8, 0, 0 },
    { "last_observed", HW_COL_NULLABLE, 24, HW_COL_NARROW, 3 },
    { "first_observed", HW_COL_NULLABLE, 24, 0, 0 },
    { "updated_at", HW_COL_NULLABLE, 24, 0, 0 },
    { "product", HW_COL_TEXT, 11, 0, 0 },
    { "trusted", HW_COL_BOOL, 7, 0, 0 },
    { "untrusted_reason", HW_COL_NULLABLE, 30, 0, 0 },
    { "title", HW_COL_NULLABLE, 40, 0, 0 },
    { "resource_type", HW_COL_TEXT, 20, 0, 0 },
    { "resources", HW_COL_JSON, 40, HW_COL_NARROW | HW_COL_TAIL | HW_COL_FILL, 0 },
};
enum { C_ID, C_ACCOUNT, C_REGION, C_CONTROL, C_TYPE, C_SEVERITY, C_STATUS, C_WORKFLOW,
       C_RECORD, C_LAST, C_FIRST, C_UPDATED, C_PRODUCT, C_TRUSTED, C_REASON, C_TITLE,
       C_RESTYPE, C_RESOURCES, C_N };

static const hw_out_col group_cols[] = {
    { "account", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
    { "region", HW_COL_TEXT, 14, HW_COL_NARROW, 0 },
    { "findings", HW_COL_NUMBER, 8, HW_COL_NARROW, 0 },
    { "failed", HW_COL_NUMBER, 6, HW_COL_NARROW, 0 },
    { "severity", HW_COL_TEXT, 13, HW_COL_NARROW, 0 },
    { "controls", HW_COL_TEXT, 14, HW_COL_NARROW, 0 },
    { "last_observed", HW_COL_NULLABLE, 24, HW_COL_NARROW, 0 },
    { "resource", HW_COL_TEXT, 40, HW_COL_NARROW | HW_COL_TAIL | HW_COL_FILL, 0 },
};

/* --------------------------------------------------------------- output */

struct out_ctx {
    hw_out o;
    hw_store *s;
    int need_title;
};

/* Title and first type from the raw ASFF, for rows stored before the
 * title column and for findings that are not control findings.  *title
 * and *type: malloc'd or NULL. */
static void from_raw(hw_store *s, const hw_finding_row *f, char **title, char **type)
{
    char *json = NULL;
    size_t len = 0;
    hw_err e;
    hw_err_clear(&e);
    *title = *type = NULL;
    if (hw_store_finding_raw(s, f->product_arn, f->id, &json, &len, &e) != HW_OK)
        return;
    cJSON *j = cJSON_ParseWithLength(json, len);
    free(json);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "Title");
    if (cJSON_IsString(t))
        *title = strdup(t->valuestring);
    const cJSON *ty = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(j, "Types"), 0);
    if (cJSON_IsString(ty))
        *type = strdup(ty->valuestring);
    cJSON_Delete(j);
}

static int row_cb(void *arg, const hw_finding_row *f)
{
    struct out_ctx *x = arg;
    int table = x->o.format == HW_OUT_TABLE;
    char first[32], last[32], updated[32];
    hw_time_cell(f->first_observed, first);
    hw_time_cell(f->last_observed, last);
    hw_time_cell(f->updated_at, updated);
    char *title = NULL, *type = NULL;
    if (!*f->control_id || (x->need_title && !f->title))
        from_raw(x->s, f, &title, &type);
    if (*f->control_id) {
        free(type);
        type = NULL;
    }
    /* a GuardDuty (or other non-control) finding: its type in the table's
     * control cell, the last part of the type path */
    const char *control = f->control_id;
    const char *status = f->compliance_status;
    if (table && !*control && type) {
        const char *slash = strrchr(type, '/');
        control = slash ? slash + 1 : type;
        if (!*status)
            status = "-";
    }
    char *res = x->o.format == HW_OUT_JSON || x->o.format == HW_OUT_JSONL
                    ? NULL
                    : hw_join_resources(f->resources);
    const char *cells[C_N];
    cells[C_ID] = f->id;
    cells[C_ACCOUNT] = f->account_id;
    cells[C_REGION] = f->region;
    cells[C_CONTROL] = control;
    cells[C_TYPE] = type ? type : "";
    cells[C_SEVERITY] = f->severity;
    cells[C_STATUS] = status;
    cells[C_WORKFLOW] = f->workflow_status;
    cells[C_RECORD] = f->record_state;
    cells[C_LAST] = last;
    cells[C_FIRST] = first;
    cells[C_UPDATED] = updated;
    cells[C_PRODUCT] = f->product;
    cells[C_TRUSTED] = f->trusted ? "true" : "false";
    cells[C_REASON] = f->trusted ? "" : f->untrusted_reason;
    cells[C_TITLE] = f->title ? f->title : title ? title : "";
    cells[C_RESTYPE] = f->resource_type;
    cells[C_RESOURCES] = res ? res : f->resources;
    hw_out_row(&x->o, cells);
    free(res);
    free(title);
    free(type);
    return ferror(x->o.f) ? 1 : 0;
}

static int group_cb(void *arg, const hw_resource_group *g)
{
    struct out_ctx *x = arg;
    char n[24], failed[24], last[32];
    snprintf(n, sizeof n, "%u", g->findings);
    snprintf(failed, sizeof failed, "%u", g->failed);
    hw_time_cell(g->last_observed, last);
    const char *cells[] = { g->account_id, g->region, n, failed, g->severity, g->controls,
                            last, g->resource };
    hw_out_row(&x->o, cells);
    return ferror(x->o.f) ? 1 : 0;
}

/* ----------------------------------------------------------------- show */

static int history_cb(void *arg, const hw_history_row *h)
{
    cJSON *a = arg;
    char at[32];
    hw_time_iso_ms(h->at, at);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "at", at);
    cJSON_AddStringToObject(j, "run_id", h->run_id);
    cJSON_AddStringToObject(j, "compliance_status", h->new_compliance);
    cJSON_AddStringToObject(j, "previous_compliance_status", h->old_compliance);
    cJSON_AddStringToObject(j, "workflow_status", h->new_workflow);
    cJSON_AddStringToObject(j, "previous_workflow_status", h->old_workflow);
    cJSON_AddStringToObject(j, "record_state", h->new_record);
    cJSON_AddStringToObject(j, "previous_record_state", h->old_record);
    cJSON_AddBoolToObject(j, "tie", h->tie);
    cJSON_AddItemToArray(a, j);
    return 0;
}

struct show_ctx {
    hw_store *s;
    cJSON *fields;
};

/* The stored fields of one finding as a JSON object (same names as the
 * listing). */
static int show_row_cb(void *arg, const hw_finding_row *f)
{
    struct show_ctx *x = arg;
    char first[32], last[32], updated[32], created[32];
    hw_time_cell(f->first_observed, first);
    hw_time_cell(f->last_observed, last);
    hw_time_cell(f->updated_at, updated);
    hw_time_cell(f->created_at, created);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "id", f->id);
    cJSON_AddStringToObject(j, "product_arn", f->product_arn);
    cJSON_AddStringToObject(j, "product", f->product);
    cJSON_AddStringToObject(j, "account", f->account_id);
    cJSON_AddStringToObject(j, "region", f->region);
    cJSON_AddStringToObject(j, "control", f->control_id);
    cJSON_AddStringToObject(j, "severity", f->severity);
    cJSON_AddStringToObject(j, "compliance_status", f->compliance_status);
    cJSON_AddStringToObject(j, "workflow_status", f->workflow_status);
    cJSON_AddStringToObject(j, "record_state", f->record_state);
    cJSON_AddStringToObject(j, "resource_type", f->resource_type);
    cJSON *res = cJSON_Parse(f->resources);
    cJSON_AddItemToObject(j, "resources", res ? res : cJSON_CreateArray());
    cJSON_AddStringToObject(j, "first_observed", first);
    cJSON_AddStringToObject(j, "last_observed", last);
    cJSON_AddStringToObject(j, "created_at", created);
    cJSON_AddStringToObject(j, "updated_at", updated);
    cJSON_AddBoolToObject(j, "trusted", f->trusted);
    if (!f->trusted)
        cJSON_AddStringToObject(j, "untrusted_reason", f->untrusted_reason);
    if (f->title)
        cJSON_AddStringToObject(j, "title", f->title);
    x->fields = j;
    return 0;
}

/* Prints "key: value" lines for a flat JSON object (text for a terminal:
 * control characters replaced). */
static void print_fields(FILE *out, const cJSON *j)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        char *v = cJSON_IsString(it) ? strdup(it->valuestring) : cJSON_PrintUnformatted(it);
        fprintf(out, "%-18s ", it->string);
        hw_out_terminal_text(out, v);
        fputc('\n', out);
        free(v);
    }
}

static int show(hw_ctx *ctx, const char *id, int format)
{
    hw_err e;
    hw_err_clear(&e);
    hw_store *s = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_READ, 0, &s, &e) != HW_OK)
        return hw_cmd_fail(&e);
    char *arn = NULL, *raw = NULL;
    size_t rawlen = 0;
    struct show_ctx x = { s, NULL };
    hw_finding_query q = { .id = id, .include_archived = 1, .limit = 1 };
    cJSON *history = cJSON_CreateArray();
    int rc = HW_EXIT_OK;
    if (hw_store_finding_product(s, id, &arn, &e) != HW_OK ||
        hw_store_findings(s, &q, show_row_cb, &x, &e) != HW_OK ||
        hw_store_finding_raw(s, arn, id, &raw, &rawlen, &e) != HW_OK ||
        hw_store_finding_history(s, arn, id, history_cb, history, &e) != HW_OK) {
        rc = hw_cmd_fail(&e);
        goto out;
    }
    if (!x.fields) {
        rc = hw_cmd_fail(&(hw_err){ HW_ENOTFOUND, "no finding with that Id in the store" });
        goto out;
    }
    cJSON *asff = cJSON_ParseWithLength(raw, rawlen);
    if (!asff)
        asff = cJSON_CreateNull();
    if (!cJSON_GetObjectItem(x.fields, "title")) {
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(asff, "Title");
        if (cJSON_IsString(t))
            cJSON_AddStringToObject(x.fields, "title", t->valuestring);
    }
    if (format == HW_OUT_JSON || format == HW_OUT_JSONL) {
        cJSON *doc = cJSON_CreateObject();
        cJSON_AddItemToObject(doc, "finding", x.fields);
        cJSON_AddItemToObject(doc, "asff", asff);
        cJSON_AddItemToObject(doc, "history", history);
        x.fields = history = NULL;
        rc = hw_out_document(stdout, format, doc) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
        goto out;
    }
    print_fields(stdout, x.fields);
    printf("\nhistory:\n");
    const cJSON *h;
    cJSON_ArrayForEach(h, history)
    {
        const char *at = cJSON_GetObjectItem(h, "at")->valuestring;
        /* history states were checked on ingest (known values only) */
        printf("  %s  %s -> %s, %s -> %s, %s -> %s%s  (run %s)\n", at,
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "previous_compliance_status")),
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "compliance_status")),
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "previous_workflow_status")),
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "workflow_status")),
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "previous_record_state")),
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "record_state")),
               cJSON_IsTrue(cJSON_GetObjectItem(h, "tie")) ? " (tie)" : "",
               cJSON_GetStringValue(cJSON_GetObjectItem(h, "run_id")));
    }
    /* cJSON escapes control characters inside strings, so the ASFF cannot
     * carry an escape sequence to the terminal */
    char *text = cJSON_Print(asff);
    cJSON_Delete(asff);
    printf("\nasff:\n");
    hw_out_terminal_json(stdout, text ? text : "null");
    printf("\n");
    free(text);
    rc = fflush(stdout) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
out:
    cJSON_Delete(x.fields);
    cJSON_Delete(history);
    free(arn);
    free(raw);
    hw_store_close(s);
    return rc;
}

/* ----------------------------------------------------------------- list */

static int check_sort(const hw_vlist *sort, int grouped)
{
    static const char *const gfields[] = { "resource", "account", "region", "findings",
                                           "failed", "severity", "last_observed" };
    size_t n = HW_ARRAY_LEN(gfields);
    const char *const *fields = gfields;
    if (!grouped)
        fields = hw_store_finding_sort_fields(&n);
    for (size_t i = 0; i < sort->n; i++) {
        const char *k = sort->v[i] + (sort->v[i][0] == '-');
        size_t j = 0;
        while (j < n && strcmp(k, fields[j]) != 0)
            j++;
        if (j == n)
            return hw_usage_error(&hw_cmd_findings, "--sort: no field '%s' (nearest: %s)", k,
                                  hw_nearest(k, fields, n));
    }
    return 0;
}

struct lists {
    hw_vlist account, region, control, framework, status, severity, product, sort;
};

static void lists_free(struct lists *l)
{
    hw_vlist_free(&l->account);
    hw_vlist_free(&l->region);
    hw_vlist_free(&l->control);
    hw_vlist_free(&l->framework);
    hw_vlist_free(&l->status);
    hw_vlist_free(&l->severity);
    hw_vlist_free(&l->product);
    hw_vlist_free(&l->sort);
}

/* --framework and --control through the catalogue: the controls a
 * framework maps (intersected with --control); *none when nothing can
 * match. */
static int resolve_controls(hw_ctx *ctx, hw_store *s, struct lists *l, int *none, hw_err *e)
{
    if (!l->framework.n && !l->control.n)
        return 0;
    hw_catalog *cat = NULL;
    if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, e) != HW_OK)
        return hw_cmd_fail(e);
    hw_vlist ids = { 0 }, fw = { 0 }, mapped = { 0 };
    int rc = 0;
    for (size_t i = 0; i < cat->ncontrols; i++)
        hw_vlist_add_cb(&ids, cat->controls[i].id);
    for (size_t i = 0; i < cat->nframeworks; i++)
        hw_vlist_add_cb(&fw, cat->frameworks[i].id);
    if ((rc = hw_filter_canonical(&hw_cmd_findings, "framework", "framework", &l->framework,
                                  (const char *const *)fw.v, fw.n)) != 0 ||
        (rc = hw_filter_field(&hw_cmd_findings, s, "control", "control", "control", &l->control,
                              &ids, e)) != 0)
        goto out;
    if (!l->framework.n)
        goto out;
    for (size_t i = 0; i < l->framework.n; i++) {
        const hw_framework *f = hw_catalog_framework(cat, l->framework.v[i]);
        for (size_t r = 0; f && r < f->nrequirements; r++)
            for (size_t c = 0; c < f->requirements[r].ncontrols; c++)
                hw_vlist_add_cb(&mapped, f->requirements[r].controls[c]->id);
    }
    if (l->control.n) { /* both: the controls in both */
        hw_vlist both = { 0 };
        for (size_t i = 0; i < l->control.n; i++)
            if (hw_vlist_has(&mapped, l->control.v[i]))
                hw_vlist_add_cb(&both, l->control.v[i]);
        hw_vlist_free(&mapped);
        mapped = both;
    }
    hw_vlist_free(&l->control);
    l->control = mapped;
    mapped.v = NULL;
    mapped.n = 0;
    *none = l->control.n == 0;
out:
    hw_vlist_free(&ids);
    hw_vlist_free(&fw);
    hw_vlist_free(&mapped);
    hw_catalog_free(cat);
    return rc;
}

static int list(hw_ctx *ctx, int format)
{
    static const char *const statuses[] = { "PASSED", "FAILED", "WARNING", "NOT_AVAILABLE" };
    static const char *const severities[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH",
                                              "CRITICAL" };
    struct lists l;
    memset(&l, 0, sizeof l);
    hw_err e;
    hw_err_clear(&e);
    hw_store *s = NULL;
    int rc = 0, none = 0;
    if (hw_filter_split(&o_account, &l.account) || hw_filter_split(&o_region, &l.region) ||
        hw_filter_split(&o_control, &l.control) || hw_filter_split(&o_framework, &l.framework) ||
        hw_filter_split(&o_status, &l.status) || hw_filter_split(&o_severity, &l.severity) ||
        hw_filter_split(&o_product, &l.product) || hw_filter_split(&o_sort, &l.sort)) {
        rc = hw_usage_error(&hw_cmd_findings, "out of memory");
        goto out;
    }
    const struct hw_command *cmd = &hw_cmd_findings;
    if ((rc = hw_filter_canonical(cmd, "status", "status", &l.status, statuses, 4)) != 0 ||
        (rc = hw_filter_canonical(cmd, "severity", "severity", &l.severity, severities, 5)) != 0 ||
        (rc = check_sort(&l.sort, group_by != NULL)) != 0)
        goto out;
    hw_finding_query q = { 0 };
    if (since && hw_time_parse_ms(since, &q.since) < 0) {
        rc = hw_usage_error(&hw_cmd_findings, "--since: expected an ISO 8601 time, got '%s'",
                            since);
        goto out;
    }
    if (hw_store_open(ctx->db_path, HW_STORE_READ, 0, &s, &e) != HW_OK) {
        rc = hw_cmd_fail(&e);
        goto out;
    }
    if ((l.account.n && (rc = hw_filter_accounts(cmd, s, &l.account, &e)) != 0) ||
        (rc = hw_filter_field(cmd, s, "region", "region", "region", &l.region, NULL, &e)) != 0 ||
        (rc = hw_filter_field(cmd, s, "product", "product", "product", &l.product, NULL, &e)) !=
            0 ||
        (rc = resolve_controls(ctx, s, &l, &none, &e)) != 0)
        goto out;
#define SET(f, m) (q.f = (const char *const *)l.m.v, q.n##f = l.m.n)
    SET(accounts, account);
    SET(regions, region);
    SET(controls, control);
    SET(statuses, status);
    SET(severities, severity);
    SET(products, product);
#undef SET
    q.sort = (const char *const *)l.sort.v;
    q.nsort = l.sort.n;
    q.include_archived = all;
    q.trusted = trusted_only ? 1 : untrusted_only ? -1 : 0;
    q.limit = limit > 0 ? limit : 0;
    struct out_ctx x = { .s = s };
    x.need_title = format != HW_OUT_TABLE || wide;
    if (group_by)
        hw_out_init(&x.o, stdout, format, group_cols, HW_ARRAY_LEN(group_cols), wide);
    else
        hw_out_init(&x.o, stdout, format, cols, C_N, wide);
    hw_out_header(&x.o);
    int qrc = HW_OK;
    if (!none)
        qrc = group_by ? hw_store_findings_by_resource(s, &q, group_cb, &x, &e)
                       : hw_store_findings(s, &q, row_cb, &x, &e);
    int out_rc = hw_out_finish(&x.o);
    if (qrc != HW_OK) {
        rc = hw_cmd_fail(&e);
    } else if (out_rc != 0) {
        hw_error("writing the results failed");
        rc = HW_EXIT_INTERNAL;
    } else if (format == HW_OUT_TABLE) {
        fprintf(stderr, "%zu %s%s\n", x.o.rows, group_by ? "resource" : "finding",
                x.o.rows == 1 ? "" : "s");
    }
out:
    hw_store_close(s);
    lists_free(&l);
    return rc;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_findings, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    }
    int is_show = nargs >= 1 && strcmp(args[0], "show") == 0;
    const char *id = is_show && nargs == 2 ? args[1] : NULL;
    int bad = nargs && !(is_show && nargs == 2);
    free(args);
    if (bad)
        return hw_usage_error(&hw_cmd_findings, "expected no arguments or 'show ID'");
    if (as_csv && (as_json || output))
        return hw_usage_error(&hw_cmd_findings, "--csv excludes --json and --output");
    int format;
    unsigned can = is_show ? HW_OUT_ANY & ~HW_OUT_CAN(HW_OUT_CSV) : HW_OUT_ANY;
    if (hw_out_format_parse(&hw_cmd_findings, as_csv ? "csv" : output, as_json, can, &format))
        return HW_EXIT_USAGE;
    if (trusted_only && untrusted_only)
        return hw_usage_error(&hw_cmd_findings, "--trusted and --untrusted exclude each other");
    if (limit != -1 && limit < 1)
        return hw_usage_error(&hw_cmd_findings, "--limit: expected at least 1");
    if (group_by && strcmp(group_by, "resource") != 0)
        return hw_usage_error(&hw_cmd_findings, "--group-by: expected 'resource', got '%s'",
                              group_by);
    if (is_show)
        return show(ctx, id, format);
    return list(ctx, format);
}

const struct hw_command hw_cmd_findings = {
    .name = "findings",
    .summary = "Query the findings in the evidence store.",
    .synopsis = "[show ID]",
    .description =
        "Active findings by default (--all adds archived ones).  Every format has the\n"
        "same fields: id, account, region, control, type, severity, compliance_status,\n"
        "workflow_status, record_state, last_observed, first_observed, updated_at,\n"
        "product, trusted, untrusted_reason, title, resource_type and resources.  Times\n"
        "are UTC to the millisecond, as AWS writes them.  The table fits the terminal\n"
        "(COLUMNS, default 120) with the end of the resource ARN; --wide shows every\n"
        "field.  A GuardDuty finding shows its type in the table's control column.\n"
        "An unknown filter value is an error naming the nearest known one (exit 2).\n"
        "show ID: one finding's stored fields, its history and its original ASFF.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
