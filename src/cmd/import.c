/*
 * import.c - `hubwarden import FILE...`: the scan's ingest, from files.
 *
 * For findings exported to S3 or collected elsewhere, and for benchmarks.
 * Each file may be a GetFindings response, a JSON array or JSON lines,
 * plain or gzip; "-" reads standard input.  Findings are committed in
 * batches, so a damaged file keeps every finding before the damage; the
 * run is then "partial" (exit 3) and the error names the file and line.
 */
#include <string.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "scan/scan.h"
#include "store/store.h"

static int batch = 50000;
static int check_only;

static const struct hw_option options[] = {
    { "batch", 0, HW_OPT_INT, &batch, "N", "findings per transaction (default 50000)" },
    { "check", 0, HW_OPT_FLAG, &check_only, NULL,
      "read and check the files, store nothing (the store is only read, for the Organization)" },
    { 0 },
};

static void print_summary(const hw_ingest_stats *st, const char *run_id, size_t files_failed)
{
    printf("import %s: %zu findings read, %zu new, %zu changed (%zu resolved), %zu unchanged, "
           "%zu skipped, %zu untrusted",
           run_id, st->seen, st->added, st->changed, st->resolved, st->unchanged, st->skipped,
           st->untrusted);
    if (st->disagreements)
        printf("; %zu disagreements with controls/ (logged)", st->disagreements);
    if (files_failed)
        printf("; %zu file%s failed", files_failed, files_failed == 1 ? "" : "s");
    if (st->rolled_back)
        printf("; %zu not stored (their transaction was rolled back)", st->rolled_back);
    printf("\n");
}

/* One file into the ingest: 0, or -1 (logged, naming the file and line)
 * when it could not be read to its end. */
static int read_file(hw_ingest *in, const char *file)
{
    in->source = strcmp(file, "-") == 0 ? "(stdin)" : file;
    hw_err fe;
    hw_err_clear(&fe);
    if (hw_reader_run(file, hw_ingest_take, hw_ingest_reader_cb, in, &fe) == HW_OK)
        return 0;
    hw_error("%s", fe.msg);
    return -1;
}

/* --check: every finding is parsed, checked and judged, and dropped. */
static int discard_sink(void *ctx, const hw_finding *f, const char *raw, size_t rawlen,
                        int *outcome, hw_err *e)
{
    (void)ctx, (void)f, (void)raw, (void)rawlen, (void)e;
    *outcome = HW_OUTCOME_NEW;
    return HW_OK;
}

/* `import --check`: the same reading and checks, nothing written. */
static int run_check(hw_ctx *ctx, char **files, int nfiles, const hw_catalog *cat)
{
    hw_err e;
    hw_err_clear(&e);
    hw_orgset org;
    memset(&org, 0, sizeof org);
    if (hw_file_exists(ctx->db_path)) {
        hw_store *s = NULL;
        if (hw_store_open(ctx->db_path, HW_STORE_READ, 0, &s, &e) != HW_OK ||
            hw_orgset_load(s, &org, &e) != HW_OK) {
            hw_store_close(s);
            return hw_cmd_fail(&e);
        }
        hw_store_close(s);
    }
    hw_ingest in;
    hw_ingest_init(&in, &org, discard_sink, NULL);
    in.catalog = cat;
    size_t failed = 0;
    for (int i = 0; i < nfiles; i++)
        failed += read_file(&in, files[i]) != 0;
    printf("import --check: %zu findings read, %zu well-formed (%zu untrusted), %zu skipped",
           in.stats.seen, in.stats.added, in.stats.untrusted, in.stats.skipped);
    if (in.stats.disagreements)
        printf("; %zu disagreements with controls/ (logged)", in.stats.disagreements);
    if (failed)
        printf("; %zu file%s failed", failed, failed == 1 ? "" : "s");
    printf("; nothing stored\n");
    size_t seen = in.stats.seen;
    hw_ingest_free(&in);
    hw_orgset_free(&org);
    if (failed)
        return failed == (size_t)nfiles && seen == 0 ? HW_EXIT_USAGE : HW_EXIT_PARTIAL;
    return HW_EXIT_OK;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **files = NULL;
    int nfiles = 0;
    int r = hw_parse_options(&hw_cmd_import, argc, argv, &files, &nfiles);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nfiles == 0) {
        free(files);
        return hw_usage_error(&hw_cmd_import, "needs at least one FILE (or - for stdin)");
    }
    if (batch < 1) {
        free(files);
        return hw_usage_error(&hw_cmd_import, "--batch must be at least 1");
    }
    hw_err e;
    hw_err_clear(&e);
    hw_catalog *cat = NULL;
    if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e) != HW_OK) {
        free(files);
        return hw_cmd_fail(&e);
    }
    if (check_only) {
        int crc = run_check(ctx, files, nfiles, cat);
        hw_catalog_free(cat);
        free(files);
        return crc;
    }
    hw_store *s = NULL;
    int rc = hw_store_open(ctx->db_path, HW_STORE_WRITE, ctx->config->lock_timeout_s * 1000, &s, &e);
    if (rc != HW_OK) {
        free(files);
        hw_catalog_free(cat);
        return hw_cmd_fail(&e);
    }
    char run_id[64];
    hw_orgset org;
    memset(&org, 0, sizeof org);
    if (hw_store_run_begin(s, "import", run_id, &e) != HW_OK || hw_orgset_load(s, &org, &e) != HW_OK) {
        hw_store_close(s);
        hw_catalog_free(cat);
        free(files);
        return hw_cmd_fail(&e);
    }
    if (!org.known)
        hw_warn("no Organization accounts in %s yet: imported findings stay untrusted until a scan "
                "records the Organization", ctx->db_path);
    hw_store_sink sink = { .store = s, .run_id = run_id, .batch_size = (size_t)batch };
    hw_ingest in;
    hw_ingest_init(&in, &org, hw_sink_store, &sink);
    in.catalog = cat;
    size_t failed = 0;
    int fatal = 0;
    for (int i = 0; i < nfiles && !fatal; i++) {
        int bad = read_file(&in, files[i]);
        if (in.failed) {
            /* the store failed: roll back the open batch and stop */
            hw_sink_abort(&sink);
            hw_error("%s", in.err.msg);
            fatal = 1;
            break;
        }
        if (hw_sink_commit(&sink, &e) != HW_OK) {
            hw_error("%s", e.msg);
            fatal = 1;
            break;
        }
        failed += bad != 0;
        hw_progress("import: %zu findings", in.stats.seen);
    }
    hw_progress_done();
    hw_sink_abort(&sink); /* nothing open after a commit; a failed batch is lost */
    hw_sink_counts(&sink, &in.stats);
    const char *status = fatal ? "failed" : failed ? "partial" : "ok";
    char extra[64];
    snprintf(extra, sizeof extra, "\"files\": %d, \"files_failed\": %zu", nfiles, failed);
    char *summary = hw_ingest_summary_json(&in.stats, extra);
    if (hw_store_run_finish(s, run_id, status, summary, &e) != HW_OK) {
        hw_error("%s", e.msg);
        fatal = 1;
    }
    hw_store_audit_append(s, run_id, "hubwarden", "import.finished", summary, &e);
    free(summary);
    print_summary(&in.stats, run_id, failed);
    hw_ingest_free(&in);
    hw_orgset_free(&org);
    hw_store_close(s);
    hw_catalog_free(cat);
    free(files);
    if (fatal)
        return HW_EXIT_INTERNAL;
    if (failed)
        return failed == (size_t)nfiles && in.stats.seen == 0 ? HW_EXIT_USAGE : HW_EXIT_PARTIAL;
    return HW_EXIT_OK;
}

const struct hw_command hw_cmd_import = {
    .name = "import",
    .summary = "Ingest findings from files (GetFindings responses, JSON arrays, JSON lines, .gz).",
    .synopsis = "FILE...",
    .description = "Each FILE is a GetFindings response, a JSON array of findings or JSON lines,\n"
                   "plain or gzip-compressed; - reads standard input.  Bad findings are skipped\n"
                   "with a logged reason and counted; a damaged file keeps every finding before\n"
                   "the damage and makes the exit status 3.  --check reads and checks the files\n"
                   "the same way and stores nothing.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
