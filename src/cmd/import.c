/*
 * import.c - `hubwarden import FILE...`: the scan's ingest, from files.
 *
 * For findings exported to S3 or collected elsewhere, and for benchmarks.
 * Each file may hold findings, GetFindings responses or EventBridge
 * events, alone, in a JSON array or as JSON lines, plain or gzip; "-"
 * reads standard input.  Findings are committed in batches, so a damaged
 * file keeps every finding before the damage.  A skipped finding or
 * damage makes the run "partial" (exit 3); the log names file and line.
 */
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "scan/finding.h"
#include "scan/reader.h"
#include "scan/ingest.h"
#include "scan/sink.h"
#include "store/store.h"

static int batch = 50000;
static int check_only, as_json, format;
static const char *output;

static const struct hw_option options[] = {
    { "batch", 0, HW_OPT_INT, &batch, "N", "findings per transaction (default 50000)" },
    { "check", 0, HW_OPT_FLAG, &check_only, NULL,
      "read and check the files, store nothing (the store is only read, for the Organization)" },
    HW_OUTPUT_OPTIONS(output, as_json),
    { 0 },
};

/* --output json|jsonl: the summary (the run record's, plus run_id and
 * status) as one JSON document on standard output. */
static void print_summary_json(const char *summary, const char *run_id, const char *status)
{
    cJSON *j = cJSON_Parse(summary ? summary : "{}");
    if (!j)
        j = cJSON_CreateObject();
    if (run_id)
        cJSON_AddStringToObject(j, "run_id", run_id);
    else
        cJSON_AddNullToObject(j, "run_id"); /* --check: no run */
    cJSON_AddStringToObject(j, "status", status);
    if (hw_out_document(stdout, format, j) != 0)
        hw_error("writing the summary failed");
}

static void print_summary(const hw_ingest_stats *st, const char *run_id, size_t files_failed)
{
    printf("import %s: %zu findings read, %zu new, %zu changed (%zu resolved), %zu unchanged, "
           "%zu skipped, %zu untrusted",
           run_id, st->seen, st->added, st->changed, st->resolved, st->unchanged, st->skipped,
           st->untrusted);
    if (st->disagreements)
        printf("; %zu disagreements with controls/ (logged)", st->disagreements);
    if (st->damaged)
        printf("; %zu damaged place%s in the input (logged)", st->damaged, st->damaged == 1 ? "" : "s");
    if (files_failed)
        printf("; %zu file%s failed", files_failed, files_failed == 1 ? "" : "s");
    if (st->rolled_back)
        printf("; %zu not stored (their transaction was rolled back)", st->rolled_back);
    printf("\n");
}

/* One file into the ingest: 0, or -1 (logged, naming the file and line)
 * when it could not be read to its end; *unopened is set when it could
 * not be opened at all. */
static int read_file(hw_ingest *in, const char *file, int *unopened)
{
    in->source = strcmp(file, "-") == 0 ? "(stdin)" : file;
    struct stat st;
    *unopened = strcmp(file, "-") != 0 &&
                (access(file, R_OK) != 0 || (stat(file, &st) == 0 && S_ISDIR(st.st_mode)));
    hw_err fe;
    hw_err_clear(&fe);
    if (hw_reader_run(file, hw_ingest_take, hw_ingest_reader_cb, in, &fe) == HW_OK)
        return 0;
    hw_error("%s", fe.msg);
    return -1;
}

/* The exit status of a whole import: 2 when no file could even be
 * opened, 3 when a file was damaged or a finding skipped, else 0. */
static int import_status(const hw_ingest_stats *st, size_t failed, size_t unopened, int nfiles)
{
    if (unopened == (size_t)nfiles)
        return HW_EXIT_USAGE;
    if (failed || st->skipped || st->damaged)
        return HW_EXIT_PARTIAL;
    return HW_EXIT_OK;
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
    size_t failed = 0, unopened = 0;
    for (int i = 0; i < nfiles; i++) {
        int u;
        failed += read_file(&in, files[i], &u) != 0;
        unopened += u;
    }
    if (format != HW_OUT_TABLE) {
        char extra[128];
        snprintf(extra, sizeof extra, "\"files\": %d, \"files_failed\": %zu, \"damaged\": %zu",
                 nfiles, failed, in.stats.damaged);
        char *summary = hw_ingest_summary_json(&in.stats, extra);
        print_summary_json(summary, NULL, "check");
        free(summary);
    } else {
        printf("import --check: %zu findings read, %zu well-formed (%zu untrusted), %zu skipped",
               in.stats.seen, in.stats.added, in.stats.untrusted, in.stats.skipped);
        if (in.stats.disagreements)
            printf("; %zu disagreements with controls/ (logged)", in.stats.disagreements);
        if (in.stats.damaged)
            printf("; %zu damaged place%s in the input (logged)", in.stats.damaged,
                   in.stats.damaged == 1 ? "" : "s");
        if (failed)
            printf("; %zu file%s failed", failed, failed == 1 ? "" : "s");
        printf("; nothing stored\n");
    }
    int status = import_status(&in.stats, failed, unopened, nfiles);
    hw_ingest_free(&in);
    hw_orgset_free(&org);
    return status;
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
    if (hw_out_format_parse(&hw_cmd_import, output, as_json,
                            HW_OUT_CAN(HW_OUT_TABLE) | HW_OUT_CAN(HW_OUT_JSON) |
                                HW_OUT_CAN(HW_OUT_JSONL),
                            &format)) {
        free(files);
        return HW_EXIT_USAGE;
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
    hw_log_set_run_id(run_id);
    if (!org.known)
        hw_warn("no Organization accounts in %s yet: imported findings stay untrusted until a scan "
                "records the Organization", ctx->db_path);
    hw_store_sink sink = { .store = s, .run_id = run_id, .batch_size = (size_t)batch };
    hw_ingest in;
    hw_ingest_init(&in, &org, hw_sink_store, &sink);
    in.catalog = cat;
    size_t failed = 0, unopened = 0;
    int fatal = 0;
    for (int i = 0; i < nfiles && !fatal; i++) {
        int u;
        int bad = read_file(&in, files[i], &u);
        unopened += u;
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
    int exit_status = import_status(&in.stats, failed, unopened, nfiles);
    const char *status = fatal ? "failed" : exit_status != HW_EXIT_OK ? "partial" : "ok";
    char extra[128];
    snprintf(extra, sizeof extra, "\"files\": %d, \"files_failed\": %zu, \"damaged\": %zu", nfiles,
             failed, in.stats.damaged);
    char *summary = hw_ingest_summary_json(&in.stats, extra);
    if (hw_store_run_finish(s, run_id, status, summary, &e) != HW_OK) {
        hw_error("%s", e.msg);
        fatal = 1;
    }
    hw_store_audit_append(s, run_id, "hubwarden", "import.finished", summary, &e);
    char head[128];
    hw_cmd_audit_anchor(s, run_id, head);
    if (format == HW_OUT_TABLE) {
        if (hw_cmd_summary_wanted(ctx, !fatal && exit_status == HW_EXIT_OK)) {
            print_summary(&in.stats, run_id, failed);
            if (*head)
                printf("%s\n", head);
        }
    } else
        print_summary_json(summary, run_id, status);
    free(summary);
    hw_ingest_free(&in);
    hw_orgset_free(&org);
    hw_store_close(s);
    hw_catalog_free(cat);
    free(files);
    if (fatal)
        return HW_EXIT_INTERNAL;
    return exit_status;
}

const struct hw_command hw_cmd_import = {
    .name = "import",
    .summary = "Ingest findings from files (GetFindings responses, EventBridge events, JSON lines, .gz).",
    .synopsis = "FILE...",
    .description = "Each FILE is a finding, a GetFindings response or an EventBridge event\n"
                   "(its detail.findings), alone, in a JSON array or as JSON lines, UTF-8, plain\n"
                   "or gzip-compressed; - reads standard input.  Bad findings are skipped and\n"
                   "damage is reported, with file, line and reason, and the exit status is 3; a\n"
                   "damaged file keeps every finding before the damage.  --check reads and checks\n"
                   "the files the same way and stores nothing.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
