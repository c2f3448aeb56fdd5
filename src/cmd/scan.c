/*
 * scan.c - `hubwarden scan`: the nightly job's first half.
 *
 * Pulls the Organization's Security Hub findings (incrementally unless
 * --full), evaluates every framework requirement per account, and prints
 * a summary: findings seen, new, changed, resolved; per framework pass
 * rate; sources (accounts, regions) that failed.  Exit 3 when some
 * sources failed and the rest completed.
 */
#include <string.h>

#include "aws/aws.h"
#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "scan/scan.h"
#include "store/store.h"

static int full;

static const struct hw_option options[] = {
    { "full", 0, HW_OPT_FLAG, &full, NULL,
      "resync every active finding instead of what changed since the last scan" },
    { 0 },
};

static void print_summary(const char *run_id, const hw_scan_result *r,
                          const hw_eval_summary *sums, size_t nsums)
{
    const hw_ingest_stats *s = &r->stats;
    printf("scan %s: %zu findings seen, %zu new, %zu changed, %zu resolved, %zu unchanged", run_id,
           s->seen, s->added, s->changed, s->resolved, s->unchanged);
    if (s->skipped)
        printf(", %zu skipped (bad input)", s->skipped);
    if (s->disagreements)
        printf(", %zu disagreements with controls/ (logged)", s->disagreements);
    if (s->rolled_back)
        printf(", %zu not stored (their transaction was rolled back)", s->rolled_back);
    printf("\n  %zu untrusted (never acted on); %zu accounts active, %zu suspended or closed "
           "skipped; %zu of %zu sources completed; %zu pages, %zu API calls\n",
           s->untrusted, r->accounts, r->accounts_skipped, r->sources - r->sources_failed,
           r->sources, r->pages, r->api_calls);
    for (size_t i = 0; i < nsums; i++) {
        const unsigned *c = sums[i].counts;
        unsigned decided = c[0] + c[1];
        printf("  %-22s pass rate %5.1f%%  (%u passed, %u failed, %u exception, %u not applicable, "
               "%u no data, %u manual)\n",
               sums[i].framework, decided ? 100.0 * c[0] / decided : 0.0, c[0], c[1], c[5], c[2],
               c[3], c[4]);
    }
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_scan, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_scan, "takes no arguments");
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
    if (hw_store_run_begin(st, "scan", run_id, &e) != HW_OK) {
        hw_store_close(st);
        hw_catalog_free(cat);
        return hw_cmd_fail(&e);
    }
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
    so.full = full;
    so.catalog = cat;
    hw_scan_result res;
    int rc = hw_scan_run(st, &so, run_id, &res, &e);
    hw_eval_summary *sums = NULL;
    size_t nsums = 0;
    if (rc == HW_OK && hw_cmd_evaluate(cat, st, run_id, &sums, &nsums, &e) != HW_OK) {
        hw_error("%s", e.msg);
        rc = e.kind;
    }
    const char *status = rc != HW_OK ? "failed" : res.sources_failed ? "partial" : "ok";
    char extra[256];
    snprintf(extra, sizeof extra,
             "\"sources\": %zu, \"sources_failed\": %zu, \"pages\": %zu, \"api_calls\": %zu,"
             " \"accounts\": %zu, \"accounts_skipped\": %zu",
             res.sources, res.sources_failed, res.pages, res.api_calls, res.accounts,
             res.accounts_skipped);
    char *summary = hw_ingest_summary_json(&res.stats, extra);
    hw_err fe;
    if (hw_store_run_finish(st, run_id, status, summary, &fe) != HW_OK ||
        hw_store_audit_append(st, run_id, "hubwarden", "scan.finished", summary, &fe) != HW_OK)
        hw_error("%s", fe.msg);
    free(summary);
    hw_store_close(st);
    hw_catalog_free(cat);
    if (rc != HW_OK) {
        free(sums);
        hw_error("scan %s failed: %s", run_id, e.msg);
        return rc == HW_EINVAL ? HW_EXIT_USAGE : HW_EXIT_INTERNAL;
    }
    print_summary(run_id, &res, sums, nsums);
    free(sums);
    return res.sources_failed ? HW_EXIT_PARTIAL : HW_EXIT_OK;
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
                   "or regions failed and the rest completed.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
