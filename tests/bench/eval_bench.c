/*
 * eval_bench.c - `make bench`'s evaluation figures: an Organization of N
 * accounts x 400 controls evaluated against the real catalogue, the first
 * evaluation, then one with nothing changed, each timed in its own process
 * (so that peak RSS is the evaluation's own), and the store growth of the
 * unchanged run.  Printed, never asserted.
 *
 *   eval_bench build DB N     creates the store: N accounts, 400 findings
 *                             each (one per control: 80% PASSED, 15%
 *                             FAILED, 5% FAILED and SUPPRESSED with a
 *                             note), controls checked, an inventory;
 *                             straight SQL inserts, so building is quick;
 *                             each row carries 800 bytes of stored ASFF,
 *                             what a real finding compresses to (see the
 *                             import figures), so that reads cost what
 *                             they cost on a real store
 *   eval_bench eval DB CONTROLS_DIR
 *                             one evaluation; prints "seconds rss_mb
 *                             bytes_added intervals_written"
 *   eval_bench floor DONE FRESH
 *                             the floor of a first evaluation's writes:
 *                             the rows an evaluation of FRESH wrote into
 *                             DONE (a copy evaluated once), read into
 *                             memory, then written into FRESH through the
 *                             store's own calls in one transaction, with
 *                             nothing else to do; prints "seconds
 *                             rows bytes_added"
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <zstd.h>

#include "catalog/catalog.h"
#include "scan/evaluate.h"
#include "store/store.h"

#define CONTROLS 400

static long long file_size(const char *db)
{
    char p[1024];
    long long total = 0;
    struct stat st;
    if (stat(db, &st) == 0)
        total += st.st_size;
    snprintf(p, sizeof p, "%s-wal", db);
    if (stat(p, &st) == 0)
        total += st.st_size;
    return total;
}

/* Folds the WAL into the database so that sizes compare. */
static void checkpoint(const char *db)
{
    sqlite3 *h;
    if (sqlite3_open(db, &h) == SQLITE_OK)
        sqlite3_exec(h, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
    sqlite3_close(h);
}

static int die(sqlite3 *h, const char *what)
{
    fprintf(stderr, "eval_bench: %s: %s\n", what, sqlite3_errmsg(h));
    return 4;
}

static int build(const char *db, int n, const char *controls_dir)
{
    hw_err e;
    hw_catalog *cat = NULL;
    if (hw_catalog_load(controls_dir, &cat, &e) != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    hw_store *s = NULL;
    char run[64];
    if (hw_store_open(db, HW_STORE_WRITE, 0, &s, &e) != HW_OK ||
        hw_store_run_begin(s, "import", run, &e) != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    hw_store_close(s);
    const char *note = "{\"Note\": {\"Text\": \"risk accepted by the platform team\","
                       " \"UpdatedBy\": \"arn:aws:iam::222222222222:user/alice\","
                       " \"UpdatedAt\": \"2024-05-01T10:00:00.000Z\"}}";
    char z[512];
    size_t zlen = ZSTD_compress(z, sizeof z, note, strlen(note), 3);
    /* the size of a real compressed finding; never decompressed (only
     * suppressed findings are, and those carry the note above) */
    static char filler[800];
    for (size_t i = 0; i < sizeof filler; i++)
        filler[i] = (char)(i * 131 + 7);
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK)
        return die(h, "open");
    sqlite3_exec(h, "PRAGMA synchronous=OFF; BEGIN", NULL, NULL, NULL);
    sqlite3_exec(h, "INSERT OR IGNORE INTO products(id, arn, name) VALUES (1,"
                    " 'arn:aws:securityhub:us-east-1::product/aws/securityhub', 'securityhub')",
                 NULL, NULL, NULL);
    sqlite3_stmt *f, *a, *c, *r;
    if (sqlite3_prepare_v2(h,
                           "INSERT INTO findings(key, id, product_id, account_id, region,"
                           " control_id, severity, compliance_status, workflow_status,"
                           " record_state, resource_type, resources, first_observed,"
                           " last_observed, created_at, updated_at, trusted, first_run, last_run,"
                           " zdict, rawlen, raw) VALUES (?, ?, 1, ?, 'us-east-1', ?, 'HIGH', ?, ?,"
                           " 'ACTIVE', 'AwsS3Bucket', ?, 1700000000, 1700000100, 1700000000,"
                           " 1700000100, 1, ?9, ?9, 0, ?, ?)",
                           -1, &f, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h,
                           "INSERT INTO accounts(id, name, email, status, ou_path, ou_names,"
                           " in_org) VALUES (?, 'a', 'a@example.com', 'ACTIVE', 'r', 'Root', 1)",
                           -1, &a, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h,
                           "INSERT INTO control_checks(account_id, region, checked_at, run_id)"
                           " VALUES (?, 'us-east-1', 1700000000, ?)",
                           -1, &c, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(h,
                           "INSERT OR IGNORE INTO resource_counts(account_id, resource_type, count,"
                           " run_id, at) VALUES (?, ?, ?, ?, 1700000000)",
                           -1, &r, NULL) != SQLITE_OK)
        return die(h, "prepare");
    long long key = 1;
    for (int i = 0; i < n; i++) {
        char acct[16], id[160], res[96];
        snprintf(acct, sizeof acct, "%012d", 100000 + i);
        sqlite3_reset(a);
        sqlite3_bind_text(a, 1, acct, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(a) != SQLITE_DONE)
            return die(h, "account");
        sqlite3_reset(c);
        sqlite3_bind_text(c, 1, acct, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(c, 2, run, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(c) != SQLITE_DONE)
            return die(h, "check");
        for (size_t k = 0; k <= cat->ncontrols; k++) {
            const char *type = k == cat->ncontrols ? "" : cat->controls[k].resource_type;
            sqlite3_reset(r);
            sqlite3_bind_text(r, 1, acct, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(r, 2, type, -1, SQLITE_STATIC);
            sqlite3_bind_int(r, 3, (int)((k * 7 + (size_t)i) % 5));
            sqlite3_bind_text(r, 4, run, -1, SQLITE_TRANSIENT);
            if (sqlite3_step(r) != SQLITE_DONE)
                return die(h, "inventory");
        }
        for (int k = 0; k < CONTROLS && (size_t)k < cat->ncontrols; k++) {
            const char *ctl = cat->controls[k].id;
            int v = (i * 31 + k * 17) % 100;
            const char *status = v < 80 ? "PASSED" : "FAILED";
            int sup = v >= 95;
            snprintf(id, sizeof id, "arn:aws:securityhub:us-east-1:%s:security-control/%s/finding/%08d",
                     acct, ctl, k);
            snprintf(res, sizeof res, "[\"arn:aws:s3:::bucket-%s-%d\"]", acct, k);
            sqlite3_reset(f);
            sqlite3_bind_int64(f, 1, key++);
            sqlite3_bind_text(f, 2, id, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(f, 3, acct, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(f, 4, ctl, -1, SQLITE_STATIC);
            sqlite3_bind_text(f, 5, status, -1, SQLITE_STATIC);
            sqlite3_bind_text(f, 6, sup ? "SUPPRESSED" : "NEW", -1, SQLITE_STATIC);
            sqlite3_bind_text(f, 7, res, -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(f, 9, run, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(f, 10, sup ? (long long)strlen(note) : 2400);
            if (sup)
                sqlite3_bind_blob(f, 11, z, (int)zlen, SQLITE_STATIC);
            else
                sqlite3_bind_blob(f, 11, filler, (int)sizeof filler, SQLITE_STATIC);
            if (sqlite3_step(f) != SQLITE_DONE)
                return die(h, "finding");
        }
    }
    sqlite3_finalize(f);
    sqlite3_finalize(a);
    sqlite3_finalize(c);
    sqlite3_finalize(r);
    if (sqlite3_exec(h, "COMMIT; PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL) != SQLITE_OK)
        return die(h, "commit");
    sqlite3_close(h);
    hw_catalog_free(cat);
    return 0;
}

static int evaluate(const char *db, const char *controls_dir)
{
    hw_err e;
    hw_catalog *cat = NULL;
    if (hw_catalog_load(controls_dir, &cat, &e) != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    size_t nreq = 0;
    for (size_t i = 0; i < cat->nframeworks; i++)
        nreq += cat->frameworks[i].nrequirements;
    hw_control_row *crows = calloc(cat->ncontrols, sizeof *crows);
    hw_requirement_row *rrows = calloc(nreq, sizeof *rrows);
    const char ***lists = calloc(nreq, sizeof *lists);
    for (size_t i = 0; i < cat->ncontrols; i++) {
        hw_control_row r = { cat->controls[i].id, cat->controls[i].title,
                             cat->controls[i].severity, cat->controls[i].resource_type, "" };
        crows[i] = r;
    }
    size_t k = 0;
    for (size_t i = 0; i < cat->nframeworks; i++)
        for (size_t j = 0; j < cat->frameworks[i].nrequirements; j++, k++) {
            const hw_requirement *q = &cat->frameworks[i].requirements[j];
            lists[k] = calloc(q->ncontrols + 1, sizeof **lists);
            for (size_t m = 0; m < q->ncontrols; m++)
                lists[k][m] = q->controls[m]->id;
            hw_requirement_row r = { cat->frameworks[i].id, q->id, q->title, q->manual, lists[k],
                                     q->ncontrols };
            rrows[k] = r;
        }
    checkpoint(db);
    long long before = file_size(db);
    hw_store *s = NULL;
    char run[64];
    if (hw_store_open(db, HW_STORE_WRITE, 0, &s, &e) != HW_OK ||
        hw_store_run_begin(s, "scan", run, &e) != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    sqlite3 *h;
    sqlite3_open(db, &h);
    sqlite3_stmt *q;
    long long intervals0 = 0, intervals1 = 0;
    if (sqlite3_prepare_v2(h, "SELECT count(*) FROM eval_intervals", -1, &q, NULL) == SQLITE_OK &&
        sqlite3_step(q) == SQLITE_ROW)
        intervals0 = sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    hw_eval_opts o = { rrows, nreq, crows, cat->ncontrols, 0 };
    hw_eval_summary *sums = NULL;
    size_t nsums = 0;
    int64_t t0 = hw_monotonic_ms();
    int rc = hw_scan_evaluate(s, run, &o, &sums, &nsums, &e);
    int64_t t1 = hw_monotonic_ms();
    if (rc != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    hw_store_run_finish(s, run, "ok", "{}", &e);
    hw_store_close(s);
    if (sqlite3_step(q) == SQLITE_ROW)
        intervals1 = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    sqlite3_close(h);
    checkpoint(db);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("%.3f %.1f %lld %lld\n", (t1 - t0) / 1000.0, ru.ru_maxrss / 1024.0,
           file_size(db) - before, intervals1 - intervals0);
    free(sums);
    for (size_t i = 0; i < nreq; i++)
        free((void *)lists[i]);
    free(lists);
    free(rrows);
    free(crows);
    hw_catalog_free(cat);
    return 0;
}

/* One row to write again: control evidence (framework NULL) or an
 * interval. */
struct wrow {
    char *framework, *requirement, *account, *status, *evidence, *controls;
    int64_t digest;
};

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

static int floor_writes(const char *done, const char *fresh)
{
    sqlite3 *h;
    sqlite3_stmt *q;
    if (sqlite3_open(done, &h) != SQLITE_OK)
        return die(h, "open");
    size_t n = 0, cap = 1 << 16;
    struct wrow *w = malloc(cap * sizeof *w);
    const char *sql[2] = {
        "SELECT NULL, control_id, account_id, NULL, evidence, NULL, digest"
        " FROM eval_control_evidence ORDER BY id",
        "SELECT framework, requirement, account_id, status, evidence, controls, digest"
        " FROM eval_interval_rows ORDER BY id",
    };
    for (int k = 0; k < 2; k++) {
        if (sqlite3_prepare_v2(h, sql[k], -1, &q, NULL) != SQLITE_OK)
            return die(h, "prepare");
        while (sqlite3_step(q) == SQLITE_ROW) {
            if (n == cap)
                w = realloc(w, (cap *= 2) * sizeof *w);
            struct wrow r = { col(q, 0), col(q, 1), col(q, 2), col(q, 3),
                              col(q, 4), col(q, 5), sqlite3_column_int64(q, 6) };
            w[n++] = r;
        }
        sqlite3_finalize(q);
    }
    sqlite3_close(h);
    checkpoint(fresh);
    long long before = file_size(fresh);
    hw_err e;
    hw_store *s = NULL;
    char run[64];
    int64_t seq;
    if (hw_store_open(fresh, HW_STORE_WRITE, 0, &s, &e) != HW_OK ||
        hw_store_run_begin(s, "scan", run, &e) != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    int64_t t0 = hw_monotonic_ms();
    int rc = hw_store_begin(s, &e);
    if (rc == HW_OK)
        rc = hw_store_eval_run_begin(s, run, &seq, &e);
    for (size_t i = 0; rc == HW_OK && i < n; i++) {
        int64_t id;
        if (!w[i].framework) {
            rc = hw_store_control_evidence_put(s, seq, 0, w[i].account, w[i].requirement,
                                               w[i].digest, w[i].evidence, &id, &e);
        } else {
            hw_evaluation_row r = { run, w[i].framework, w[i].requirement, w[i].account,
                                    w[i].status, w[i].evidence };
            rc = hw_store_eval_change(s, seq, 0, &r, w[i].controls, w[i].digest, &e);
        }
    }
    if (rc == HW_OK)
        rc = hw_store_commit(s, &e);
    int64_t t1 = hw_monotonic_ms();
    if (rc != HW_OK) {
        fprintf(stderr, "eval_bench: %s\n", e.msg);
        return 4;
    }
    hw_store_close(s);
    checkpoint(fresh);
    printf("%.3f %zu %lld\n", (t1 - t0) / 1000.0, n, file_size(fresh) - before);
    for (size_t i = 0; i < n; i++) {
        free(w[i].framework);
        free(w[i].requirement);
        free(w[i].account);
        free(w[i].status);
        free(w[i].evidence);
        free(w[i].controls);
    }
    free(w);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "build") == 0)
        return build(argv[2], atoi(argv[3]), argv[4]);
    if (argc == 4 && strcmp(argv[1], "eval") == 0)
        return evaluate(argv[2], argv[3]);
    if (argc == 4 && strcmp(argv[1], "floor") == 0)
        return floor_writes(argv[2], argv[3]);
    fprintf(stderr, "usage: eval_bench build DB N CONTROLS_DIR | eval DB CONTROLS_DIR"
                    " | floor DONE FRESH\n");
    return 2;
}
