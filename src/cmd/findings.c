/*
 * findings.c - `hubwarden findings`: queries the findings in the store.
 *
 * A table by default, --json (an array of objects with fixed keys) or
 * --csv.  Only active findings unless --all.  Read-only: it does not wait
 * for a running scan's lock.
 */
#include <string.h>

#include "cmd/cmd.h"
#include "store/store.h"

static const char *account, *control, *framework, *status, *severity, *product, *since;
static int as_json, as_csv, all;

static const struct hw_option options[] = {
    { "account", 0, HW_OPT_STRING, &account, "ID", "only this account" },
    { "control", 0, HW_OPT_STRING, &control, "ID", "only this control (e.g. S3.8)" },
    { "framework", 0, HW_OPT_STRING, &framework, "ID",
      "only controls mapped to this framework (e.g. cis-aws-3.0.0)" },
    { "status", 0, HW_OPT_STRING, &status, "STATUS",
      "compliance status: PASSED, FAILED, WARNING or NOT_AVAILABLE" },
    { "severity", 0, HW_OPT_STRING, &severity, "LABEL",
      "INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL" },
    { "product", 0, HW_OPT_STRING, &product, "NAME", "securityhub, guardduty, or company/product" },
    { "since", 0, HW_OPT_STRING, &since, "TIME", "updated at or after TIME (ISO 8601)" },
    { "all", 0, HW_OPT_FLAG, &all, NULL, "include archived findings" },
    { "json", 0, HW_OPT_FLAG, &as_json, NULL, "a JSON array" },
    { "csv", 0, HW_OPT_FLAG, &as_csv, NULL, "CSV (RFC 4180)" },
    { 0 },
};

static const char *const columns[] = { "account", "region", "control", "severity", "status",
                                       "workflow", "state", "trusted", "product", "resources",
                                       "id" };
static const int widths[] = { 12, 14, 14, 13, 13, 10, 8, 7, 11, 40, 1024 };

static int one_of(const char *v, const char *const *allowed, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, allowed[i]) == 0)
            return 1;
    return 0;
}

static int row_cb(void *arg, const hw_finding_row *f)
{
    hw_out *o = arg;
    char first[32], last[32];
    hw_time_iso_ms(f->first_observed, first);
    hw_time_iso_ms(f->last_observed, last);
    cJSON *j = NULL;
    if (o->format == HW_OUT_JSON) {
        j = cJSON_CreateObject();
        cJSON_AddStringToObject(j, "id", f->id);
        cJSON_AddStringToObject(j, "account", f->account_id);
        cJSON_AddStringToObject(j, "region", f->region);
        if (*f->control_id)
            cJSON_AddStringToObject(j, "control", f->control_id);
        else
            cJSON_AddNullToObject(j, "control");
        cJSON_AddStringToObject(j, "product", f->product);
        cJSON_AddStringToObject(j, "severity", f->severity);
        cJSON_AddStringToObject(j, "compliance_status", f->compliance_status);
        cJSON_AddStringToObject(j, "workflow_status", f->workflow_status);
        cJSON_AddStringToObject(j, "record_state", f->record_state);
        cJSON *res = cJSON_Parse(f->resources);
        cJSON_AddItemToObject(j, "resources", res ? res : cJSON_CreateArray());
        cJSON_AddStringToObject(j, "first_observed", first);
        cJSON_AddStringToObject(j, "last_observed", last);
        cJSON_AddBoolToObject(j, "trusted", f->trusted);
        if (!f->trusted)
            cJSON_AddStringToObject(j, "untrusted_reason", f->untrusted_reason);
    }
    const char *cells[] = { f->account_id, f->region, f->control_id, f->severity,
                            f->compliance_status, f->workflow_status, f->record_state,
                            f->trusted ? "yes" : "no", f->product, f->resources, f->id };
    hw_out_row(o, cells, j);
    return 0;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_findings, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_findings, "takes no arguments");
    if (as_json && as_csv)
        return hw_usage_error(&hw_cmd_findings, "--json and --csv exclude each other");
    static const char *const statuses[] = { "PASSED", "FAILED", "WARNING", "NOT_AVAILABLE" };
    static const char *const severities[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH",
                                              "CRITICAL" };
    if (status && !one_of(status, statuses, HW_ARRAY_LEN(statuses)))
        return hw_usage_error(&hw_cmd_findings,
                              "--status: expected PASSED, FAILED, WARNING or NOT_AVAILABLE");
    if (severity && !one_of(severity, severities, HW_ARRAY_LEN(severities)))
        return hw_usage_error(&hw_cmd_findings,
                              "--severity: expected INFORMATIONAL, LOW, MEDIUM, HIGH or CRITICAL");
    hw_finding_query q = { account, control, framework, status, severity, product, 0, all };
    if (since && hw_time_parse_ms(since, &q.since) < 0)
        return hw_usage_error(&hw_cmd_findings, "--since: expected an ISO 8601 time, got '%s'",
                              since);
    hw_err e;
    hw_err_clear(&e);
    hw_store *s = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_READ, 0, &s, &e) != HW_OK)
        return hw_cmd_fail(&e);
    hw_out o;
    hw_out_init(&o, stdout, as_json ? HW_OUT_JSON : as_csv ? HW_OUT_CSV : HW_OUT_TABLE, columns,
                widths, HW_ARRAY_LEN(columns));
    hw_out_header(&o);
    int rc = hw_store_findings(s, &q, row_cb, &o, &e);
    int out_rc = hw_out_finish(&o);
    hw_store_close(s);
    if (rc != HW_OK)
        return hw_cmd_fail(&e);
    if (out_rc != 0) {
        hw_error("writing the results failed");
        return HW_EXIT_INTERNAL;
    }
    if (!as_json && !as_csv)
        fprintf(stderr, "%zu finding%s\n", o.rows, o.rows == 1 ? "" : "s");
    return HW_EXIT_OK;
}

const struct hw_command hw_cmd_findings = {
    .name = "findings",
    .summary = "Query the findings in the evidence store.",
    .synopsis = "",
    .description = "Active findings by default (--all adds archived ones).  JSON output: an array\n"
                   "of objects with the keys id, account, region, control, product, severity,\n"
                   "compliance_status, workflow_status, record_state, resources, first_observed,\n"
                   "last_observed, trusted and, for untrusted findings, untrusted_reason.\n"
                   "Times are in UTC to the millisecond, as AWS writes them.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
