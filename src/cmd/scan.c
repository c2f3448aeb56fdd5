/*
 * scan.c - `hubwarden scan`: the nightly job's first half.
 *
 * Pulls the Organization's Security Hub findings (incrementally unless
 * --full), evaluates every framework requirement per account, and prints
 * a summary: findings seen, new, changed, resolved; per framework pass
 * rate; sources (accounts, regions) that failed.  Exit 3 when some
 * sources failed and the rest completed, or findings were skipped.
 */
#include <string.h>

#include "aws/aws.h"
#include "catalog/catalog.h"
#include "eval/eval.h"
#include "cmd/cmd.h"
#include "scan/ingest.h"
#include "scan/sink.h"
#include "scan/pull.h"
#include "scan/evaluate.h"
#include "store/store.h"

static int full, as_json, format;
static const char *output;

static const struct hw_option options[] = {
    { "full", 0, HW_OPT_FLAG, &full, NULL,
      "resync every active finding instead of what changed since the last scan" },
    HW_OUTPUT_OPTIONS(output, as_json),
    { 0 },
};

/* The summary as one JSON document: the run record's summary, the run id
 * and status, and per framework the account x requirement pairs by status. */
static int print_summary_json(const char *run_id, const char *status, const char *summary,
                              const hw_eval_summary *sums, size_t nsums)
{
    cJSON *j = cJSON_Parse(summary ? summary : "{}");
    if (!j)
        j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "run_id", run_id);
    cJSON_AddStringToObject(j, "status", status);
    cJSON *fws = cJSON_AddArrayToObject(j, "frameworks");
    for (size_t i = 0; i < nsums; i++) {
        const unsigned *c = sums[i].counts;
        cJSON *f = cJSON_CreateObject();
        cJSON_AddStringToObject(f, "framework", sums[i].framework);
        cJSON_AddStringToObject(f, "counts", "account x requirement pairs");
        unsigned pairs = 0;
        for (int k = 0; k < HW_REQ_NSTATUS; k++)
            pairs += c[k];
        cJSON_AddNumberToObject(f, "pairs", pairs);
        double rate = hw_eval_pass_rate(c);
        if (rate >= 0)
            cJSON_AddNumberToObject(f, "pass_rate", rate);
        else
            cJSON_AddNullToObject(f, "pass_rate");
        cJSON_AddNumberToObject(f, "passed", c[HW_REQ_PASSED]);
        cJSON_AddNumberToObject(f, "failed", c[HW_REQ_FAILED]);
        cJSON_AddNumberToObject(f, "partial", c[HW_REQ_PARTIAL]);
        cJSON_AddNumberToObject(f, "suppressed", c[HW_REQ_SUPPRESSED]);
        cJSON_AddNumberToObject(f, "exception", c[HW_REQ_EXCEPTION]);
        cJSON_AddNumberToObject(f, "not_applicable", c[HW_REQ_NOT_APPLICABLE]);
        cJSON_AddNumberToObject(f, "no_data", c[HW_REQ_NO_DATA]);
        cJSON_AddNumberToObject(f, "manual", c[HW_REQ_MANUAL]);
        cJSON_AddItemToArray(fws, f);
    }
    return hw_out_document(stdout, format, j);
}

static void print_summary(const char *run_id, const hw_scan_result *r,
                          const hw_eval_summary *sums, size_t nsums)
{
    const hw_ingest_stats *s = &r->stats;
    printf("scan %s: %zu findings seen, %zu new, %zu changed, %zu resolved, %zu unchanged", run_id,
           s->seen, s->added, s->changed, s->resolved, s->unchanged);
    if (s->skipped)
        printf(", %zu skipped (bad input)", s->skipped);
    if (s->damaged)
        printf(", %zu damaged places in the responses", s->damaged);
    if (s->disagreements)
        printf(", %zu disagreements with controls/ (logged)", s->disagreements);
    if (s->rolled_back)
        printf(", %zu not stored (their transaction was rolled back)", s->rolled_back);
    printf("\n  %zu untrusted (never acted on); %zu accounts active, %zu suspended or closed "
           "skipped; %zu of %zu sources completed; %zu pages, %zu API calls\n",
           s->untrusted, r->accounts, r->accounts_skipped, r->sources - r->sources_failed,
           r->sources, r->pages, r->api_calls);
    /* what the counts count, and what the rate leaves out (README) */
    if (nsums)
        printf("  per framework: account x requirement pairs by status; pass rate = passed / "
               "(passed + failed + partial + suppressed)\n");
    for (size_t i = 0; i < nsums; i++) {
        const unsigned *c = sums[i].counts;
        unsigned pairs = 0;
        for (int k = 0; k < HW_REQ_NSTATUS; k++)
            pairs += c[k];
        double rate = hw_eval_pass_rate(c);
        char pct[16];
        if (rate >= 0)
            snprintf(pct, sizeof pct, "%5.1f%%", 100.0 * rate);
        else
            snprintf(pct, sizeof pct, "     -"); /* no verdict: no rate */
        printf("  %-22s pass rate %s  (%u pairs: %u passed, %u failed, %u partial, "
               "%u suppressed, %u exception, %u not applicable, %u no data, %u manual)\n",
               sums[i].framework, pct, pairs, c[HW_REQ_PASSED], c[HW_REQ_FAILED],
               c[HW_REQ_PARTIAL], c[HW_REQ_SUPPRESSED], c[HW_REQ_EXCEPTION],
               c[HW_REQ_NOT_APPLICABLE], c[HW_REQ_NO_DATA], c[HW_REQ_MANUAL]);
    }
}

/* Pulls the findings into run_id: the scan options from the
 * configuration, the pull, then the resource inventory when an AWS Config
 * aggregator is configured (its failure only warns). */
int hw_cmd_scan_pull(hw_ctx *ctx, const hw_catalog *cat, hw_store *st, const char *run_id,
                     int full_scan, hw_scan_result *res, hw_err *e)
{
    const hw_config *c = ctx->config;
    char session[80];
    snprintf(session, sizeof session, "hubwarden-%s", run_id);
    hw_aws_options ao;
    hw_aws_endpoint_override ov[32];
    hw_cmd_aws_options(ctx, &ao, ov, HW_ARRAY_LEN(ov), session);
    hw_scan_opts so = { 0 };
    so.aws = &ao;
    so.mode = c->organization.mode;
    so.role_name = c->organization.role_name;
    so.external_id = c->organization.external_id;
    so.aggregator_account = c->scan.aggregator_account;
    so.aggregator_region = c->scan.aggregator_region;
    char *home[1] = { (char *)(ctx->region ? ctx->region : c->aws.region) };
    so.regions = c->organization.nregions ? c->organization.regions : home;
    so.nregions = c->organization.nregions ? c->organization.nregions : (home[0] ? 1 : 0);
    so.include = c->organization.include_accounts;
    so.ninclude = c->organization.ninclude_accounts;
    so.exclude = c->organization.exclude_accounts;
    so.nexclude = c->organization.nexclude_accounts;
    so.products = c->scan.products;
    so.nproducts = c->scan.nproducts;
    so.overlap_s = c->scan.overlap_s;
    so.rate = c->scan.rate;
    so.burst = c->scan.burst;
    so.page_size = c->scan.page_size;
    so.member_controls = c->scan.member_controls;
    so.control_check_hours = c->scan.control_check_hours;
    so.max_concurrency = c->aws.max_concurrency;
    so.full = full_scan;
    so.catalog = cat;
    int rc = hw_scan_run(st, &so, run_id, res, e);
    const char *agg = c->evaluation.config_aggregator;
    if (rc == HW_OK && agg && *agg) {
        size_t calls = 0;
        hw_err ie;
        hw_err_clear(&ie);
        if (hw_scan_inventory(st, &so, agg, run_id, &calls, &ie) != HW_OK)
            hw_warn("resource inventory (AWS Config aggregator %s) unavailable: %s; controls "
                    "without findings stay NO_DATA", agg, ie.msg);
        res->api_calls += calls;
    }
    return rc;
}

char *hw_cmd_scan_finish(hw_store *st, const char *run_id, int rc, const hw_scan_result *res,
                         const char **status)
{
    /* findings skipped or damaged responses make the run partial, as a
     * failed source does: something that should be stored is not */
    int partial = res->sources_failed || res->stats.skipped || res->stats.damaged;
    *status = rc != HW_OK ? "failed" : partial ? "partial" : "ok";
    char extra[256];
    snprintf(extra, sizeof extra,
             "\"sources\": %zu, \"sources_failed\": %zu, \"pages\": %zu, \"api_calls\": %zu,"
             " \"accounts\": %zu, \"accounts_skipped\": %zu, \"damaged\": %zu",
             res->sources, res->sources_failed, res->pages, res->api_calls, res->accounts,
             res->accounts_skipped, res->stats.damaged);
    char *summary = hw_ingest_summary_json(&res->stats, extra);
    hw_err fe;
    if (hw_store_run_finish(st, run_id, *status, summary, &fe) != HW_OK ||
        hw_store_audit_append(st, run_id, "hubwarden", "scan.finished", summary, &fe) != HW_OK)
        hw_error("%s", fe.msg);
    return summary;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    int r = hw_parse_results_command(&hw_cmd_scan, argc, argv, &output, &as_json,
                                     HW_OUT_CAN(HW_OUT_TABLE) | HW_OUT_CAN(HW_OUT_JSON) |
                                         HW_OUT_CAN(HW_OUT_JSONL),
                                     &format);
    if (r)
        return r == 1 ? HW_EXIT_OK : r;
    const hw_config *c = ctx->config;
    hw_err e;
    hw_err_clear(&e);
    hw_catalog *cat = NULL;
    if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e) != HW_OK)
        return hw_cmd_fail(&e);
    hw_store *st = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_WRITE, c->lock_timeout_s * 1000, &st, &e) != HW_OK) {
        hw_catalog_free(cat);
        return hw_cmd_fail(&e);
    }
    char run_id[64];
    if (hw_cmd_run_begin(ctx, st, "scan", run_id, NULL, &e) != HW_OK) {
        hw_store_close(st);
        hw_catalog_free(cat);
        return hw_cmd_fail(&e);
    }
    hw_log_set_run_id(run_id);
    hw_scan_result res;
    int rc = hw_cmd_scan_pull(ctx, cat, st, run_id, full, &res, &e);
    hw_eval_summary *sums = NULL;
    size_t nsums = 0;
    if (rc == HW_OK && hw_cmd_evaluate(cat, st, run_id, c->evaluation.infer_not_applicable,
                                       &sums, &nsums, &e) != HW_OK) {
        hw_error("%s", e.msg);
        rc = e.kind;
    }
    const char *status;
    char *summary = hw_cmd_scan_finish(st, run_id, rc, &res, &status);
    int partial = strcmp(status, "partial") == 0;
    char head[128];
    hw_cmd_audit_anchor(st, run_id, head);
    hw_store_close(st);
    hw_catalog_free(cat);
    if (rc != HW_OK) {
        free(sums);
        free(summary);
        hw_error("scan %s failed: %s", run_id, e.msg);
        return hw_exit_code(rc);
    }
    if (format == HW_OUT_TABLE) {
        /* -q: nothing on success, so that cron mails only failures */
        if (hw_cmd_summary_wanted(ctx, !partial)) {
            print_summary(run_id, &res, sums, nsums);
            if (*head)
                printf("%s\n", head);
        }
    } else if (print_summary_json(run_id, status, summary, sums, nsums) != 0)
        hw_error("writing the summary failed");
    free(summary);
    free(sums);
    /* every source failed: nothing was read, an AWS failure, not a partial one */
    if (res.sources_failed && res.sources_failed == res.sources)
        return HW_EXIT_AWS;
    return partial ? HW_EXIT_PARTIAL : HW_EXIT_OK;
}

const struct hw_command hw_cmd_scan = {
    .name = "scan",
    .summary = "Pull Security Hub findings for every account and region of the Organization.",
    .synopsis = "",
    .description = "Aggregator mode reads the Security Hub aggregator (delegated administrator);\n"
                   "assume-role mode assumes organization.role_name in every active account and\n"
                   "reads each region.  Incremental: only findings updated since the last\n"
                   "successful scan of each source (minus scan.overlap_seconds).  Then every\n"
                   "framework requirement is evaluated per account.  Exit 3 when some accounts\n"
                   "or regions failed and the rest completed, or findings were skipped; 5 when\n"
                   "AWS could not be read at all.  --output json (or jsonl): the summary as one\n"
                   "JSON document on standard output.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
