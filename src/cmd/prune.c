/*
 * prune.c - `hubwarden prune --before DATE`: drops evaluation and finding
 * history older than DATE from the evidence store, keeping what the newest
 * evaluation and every unexpired exception refer to, and records itself in
 * the audit log (store.h: hw_store_prune).
 */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "store/store.h"

static const char *before;

static const struct hw_option options[] = {
    { "before", 0, HW_OPT_STRING, &before, "DATE",
      "drop history older than DATE (YYYY-MM-DD or ISO 8601, UTC)" },
    { 0 },
};

static int parse_date(const char *v, int64_t *t)
{
    char buf[40];
    if (strlen(v) == 10) { /* a day: its start, UTC */
        snprintf(buf, sizeof buf, "%sT00:00:00Z", v);
        v = buf;
    }
    return hw_time_parse(v, t);
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    before = NULL;
    int r = hw_parse_options(&hw_cmd_prune, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_prune, "takes no arguments");
    if (!before)
        return hw_usage_error(&hw_cmd_prune, "--before DATE is required");
    int64_t t;
    if (parse_date(before, &t) < 0)
        return hw_usage_error(&hw_cmd_prune, "--before: expected YYYY-MM-DD or an ISO 8601 time, "
                                             "got '%s'", before);
    if (t > hw_now())
        return hw_usage_error(&hw_cmd_prune, "--before: %s is in the future", before);
    hw_err e;
    hw_err_clear(&e);
    hw_store *s = NULL;
    if (hw_store_open(ctx->db_path, HW_STORE_WRITE, ctx->config->lock_timeout_s * 1000, &s, &e) !=
        HW_OK)
        return hw_cmd_fail(&e);
    hw_prune_stats ps;
    char iso[32], detail[256];
    hw_time_iso(t, iso);
    int rc = hw_store_begin(s, &e);
    if (rc == HW_OK)
        rc = hw_store_prune(s, t, &ps, &e);
    if (rc == HW_OK) {
        snprintf(detail, sizeof detail,
                 "{\"before\": \"%s\", \"intervals\": %lld, \"runs\": %lld,"
                 " \"legacy_evaluations\": %lld, \"finding_history\": %lld}",
                 iso, (long long)ps.intervals, (long long)ps.runs,
                 (long long)ps.legacy_evaluations, (long long)ps.finding_history);
        rc = hw_store_audit_append(s, NULL, "hubwarden", "store.pruned", detail, &e);
    }
    if (rc == HW_OK)
        rc = hw_store_commit(s, &e);
    else
        hw_store_rollback(s);
    hw_store_close(s);
    if (rc != HW_OK)
        return hw_cmd_fail(&e);
    if (hw_cmd_summary_wanted(ctx, 1))
        printf("pruned history before %s: %lld evaluation intervals, %lld runs' evaluations, "
           "%lld older per-run evaluations, %lld finding history rows\n",
           iso, (long long)ps.intervals, (long long)ps.runs, (long long)ps.legacy_evaluations,
           (long long)ps.finding_history);
    return HW_EXIT_OK;
}

const struct hw_command hw_cmd_prune = {
    .name = "prune",
    .summary = "Drop evaluation and finding history older than a date from the store.",
    .synopsis = "",
    .description = "Drops evaluation intervals that ended before DATE (older runs then read\n"
                   "as pruned), per-run evaluations written before schema 4, and finding\n"
                   "history before DATE.  Keeps the newest evaluation, each finding's newest\n"
                   "change, and the history of findings under an unexpired exception.\n"
                   "Records itself in the audit log (store.pruned).  The file does not\n"
                   "shrink; sqlite reuses the freed pages.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
