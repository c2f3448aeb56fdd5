/*
 * report_store.c - `make bench`: builds the store a report of N findings
 * across A accounts is made from (tests/bench/run.sh, step 4).
 *
 *   report_store DB N ACCOUNTS
 *
 * Findings are inserted with one SQL statement (a recursive CTE) rather
 * than through the ingest, which `make bench` measures on its own: ids,
 * accounts, regions, controls spread over the whole catalogue, 70% PASSED,
 * 25% FAILED (1% of those SUPPRESSED), 5% NOT_AVAILABLE, 0.1% untrusted.
 * Raw JSON is left empty (a report reads it only for the titles of
 * suppressed and untrusted findings, and then finds none).  Then the
 * catalogue is synced and every requirement of every framework is
 * evaluated per account by the scan's own evaluation (src/scan/evaluate.c),
 * which writes the evaluations and their evidence as a scan does.
 *
 *   report_store floor DB DIR BYTES XML_BYTES
 *
 * The floor of a report from DB, each part alone on one core: one pass
 * over every row a report reads (the active findings with every column
 * the bundles use; the newest run's evaluations of every framework and
 * every control evidence they name), writing BYTES (the bundles' size)
 * to files in DIR, and SHA-256 over them as the bundles need it (XML_BYTES
 * for the signatures' digests, BYTES again for SHA256SUMS).  Prints
 * "read_s write_s hash_s".
 */
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "scan/evaluate.h"
#include "store/store.h"

static int die(const char *what, const char *msg)
{
    fprintf(stderr, "report_store: %s: %s\n", what, msg);
    return 1;
}

static int fill_findings(const char *db, const char *run_id, long n, int naccounts)
{
    sqlite3 *h;
    if (sqlite3_open(db, &h) != SQLITE_OK)
        return die(db, sqlite3_errmsg(h));
    char *sql = sqlite3_mprintf(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF;"
        "BEGIN;"
        "INSERT OR IGNORE INTO products(id, arn, name) VALUES"
        " (1, 'arn:aws:securityhub:us-east-1::product/aws/securityhub', 'securityhub');"
        "CREATE TEMP TABLE ctl AS SELECT row_number() OVER (ORDER BY id) - 1 AS n, id,"
        "  coalesce(severity, 'MEDIUM') AS severity, coalesce(resource_type, '') AS rt"
        "  FROM controls;"
        "WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < %ld)"
        " INSERT INTO findings(key, id, product_id, account_id, region, control_id, severity,"
        "  compliance_status, workflow_status, record_state, resource_type, resources,"
        "  first_observed, last_observed, created_at, updated_at, trusted, untrusted_reason,"
        "  first_run, last_run, zdict, rawlen, raw)"
        " SELECT i + 1,"
        "  printf('arn:aws:securityhub:%%s:%%012d:security-control/%%s/finding/%%08x-bench',"
        "   CASE i %% 3 WHEN 0 THEN 'eu-west-1' ELSE 'us-east-1' END,"
        "   100000000000 + (i / 7) %% %d, ctl.id, i),"
        "  1, printf('%%012d', 100000000000 + (i / 7) %% %d),"
        "  CASE i %% 3 WHEN 0 THEN 'eu-west-1' ELSE 'us-east-1' END,"
        "  ctl.id, ctl.severity,"
        "  CASE WHEN i %% 20 < 14 THEN 'PASSED' WHEN i %% 20 < 19 THEN 'FAILED'"
        "   ELSE 'NOT_AVAILABLE' END,"
        "  CASE WHEN i %% 20 < 14 THEN 'RESOLVED' WHEN i %% 100 = 15 THEN 'SUPPRESSED'"
        "   ELSE 'NEW' END,"
        "  'ACTIVE', ctl.rt, printf('[\"arn:aws:s3:::bench-bucket-%%d\"]', i),"
        "  1760000000000 + i, 1764000000000 + i, 1760000000000 + i, 1764000000000 + i,"
        "  i %% 1000 != 7, CASE WHEN i %% 1000 = 7 THEN"
        "   'the account of a resource ARN is not the finding''s account' END,"
        "  %Q, %Q, 0, 0, X''"
        " FROM s JOIN ctl ON ctl.n = (i * 7919) %% (SELECT count(*) FROM ctl);"
        "COMMIT;",
        n - 1, naccounts, naccounts, run_id, run_id);
    char *err = NULL;
    int rc = sqlite3_exec(h, sql, NULL, NULL, &err);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) {
        die("inserting findings", err ? err : sqlite3_errmsg(h));
        sqlite3_free(err);
        sqlite3_close(h);
        return 1;
    }
    sqlite3_close(h);
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Steps through every row of sql, touching every column. */
static long long touch(sqlite3 *h, const char *sql, long long *bytes)
{
    sqlite3_stmt *st = NULL;
    long long rows = 0;
    if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
        fprintf(stderr, "report_store: %s: %s\n", sql, sqlite3_errmsg(h));
        exit(1);
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        rows++;
        for (int i = 0; i < sqlite3_column_count(st); i++) {
            if (sqlite3_column_type(st, i) == SQLITE_INTEGER) {
                *bytes += sqlite3_column_int64(st, i) != 0;
                continue;
            }
            sqlite3_column_text(st, i);
            *bytes += sqlite3_column_bytes(st, i);
        }
    }
    sqlite3_finalize(st);
    return rows;
}

static int floor_main(const char *db, const char *dir, long long total, long long xml)
{
    sqlite3 *h;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
        return die(db, sqlite3_errmsg(h));
    long long bytes = 0;
    double t0 = now_s();
    touch(h, "SELECT f.id, p.arn, p.name, f.account_id, f.region, f.control_id, f.severity,"
             " f.compliance_status, f.workflow_status, f.record_state, f.resource_type,"
             " f.resources, f.first_observed, f.last_observed, f.created_at, f.updated_at,"
             " f.trusted, f.untrusted_reason, f.title FROM findings f JOIN products p"
             " ON p.id = f.product_id WHERE f.record_state = 'ACTIVE'", &bytes);
    touch(h, "SELECT i.framework, i.requirement, i.account_id, i.status, i.evidence, i.controls"
             " FROM eval_runs r JOIN eval_interval_rows i ON i.from_seq <= r.seq AND"
             " (i.to_seq IS NULL OR i.to_seq > r.seq) WHERE r.seq = (SELECT max(seq) FROM"
             " eval_runs)", &bytes);
    touch(h, "SELECT c.evidence FROM eval_control_evidence c WHERE c.id IN (SELECT j.value"
             " FROM eval_runs r JOIN eval_interval_rows i ON i.from_seq <= r.seq AND"
             " (i.to_seq IS NULL OR i.to_seq > r.seq), json_each(i.controls) j"
             " WHERE r.seq = (SELECT max(seq) FROM eval_runs))", &bytes);
    double t1 = now_s();
    sqlite3_close(h);
    /* the bytes, written as 7 files from memory */
    static char buf[1 << 20];
    memset(buf, 'x', sizeof buf);
    for (int k = 0; k < 7; k++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/floor-%d", dir, k);
        FILE *f = fopen(path, "wb");
        if (!f)
            return die(path, "cannot create");
        for (long long left = total / 7; left > 0; left -= (long long)sizeof buf)
            fwrite(buf, 1, left < (long long)sizeof buf ? (size_t)left : sizeof buf, f);
        if (fclose(f) != 0)
            return die(path, "write failed");
        unlink(path);
    }
    double t2 = now_s();
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char d[32];
    unsigned dl;
    EVP_DigestInit_ex(md, EVP_sha256(), NULL);
    for (long long left = total + xml; left > 0; left -= (long long)sizeof buf)
        EVP_DigestUpdate(md, buf, left < (long long)sizeof buf ? (size_t)left : sizeof buf);
    EVP_DigestFinal_ex(md, d, &dl);
    EVP_MD_CTX_free(md);
    double t3 = now_s();
    printf("%.2f %.2f %.2f\n", t1 - t0, t2 - t1, t3 - t2);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 6 && strcmp(argv[1], "floor") == 0)
        return floor_main(argv[2], argv[3], atoll(argv[4]), atoll(argv[5]));
    if (argc != 4)
        return die("usage", "report_store DB N ACCOUNTS");
    const char *db = argv[1];
    long n = atol(argv[2]);
    int na = atoi(argv[3]);
    hw_err e;
    hw_catalog *cat = NULL;
    if (hw_catalog_load("controls", &cat, &e) != HW_OK)
        return die("catalogue", e.msg);
    hw_store *s = NULL;
    if (hw_store_open(db, HW_STORE_WRITE, 1000, &s, &e) != HW_OK)
        return die(db, e.msg);
    /* the catalogue, as hw_cmd_evaluate syncs it */
    size_t nreq = 0;
    for (size_t i = 0; i < cat->nframeworks; i++)
        nreq += cat->frameworks[i].nrequirements;
    hw_control_row *crows = calloc(cat->ncontrols, sizeof *crows);
    hw_requirement_row *rrows = calloc(nreq, sizeof *rrows);
    size_t k = 0;
    for (size_t i = 0; i < cat->ncontrols; i++) {
        const hw_control *c = &cat->controls[i];
        hw_control_row r = { c->id, c->title, c->severity, c->resource_type, c->remediation };
        crows[i] = r;
    }
    for (size_t i = 0; i < cat->nframeworks; i++) {
        const hw_framework *f = &cat->frameworks[i];
        for (size_t j = 0; j < f->nrequirements; j++, k++) {
            const hw_requirement *q = &f->requirements[j];
            const char **ids = calloc(q->ncontrols + 1, sizeof *ids);
            for (size_t m = 0; m < q->ncontrols; m++)
                ids[m] = q->controls[m]->id;
            hw_requirement_row r = { f->id, q->id, q->title, q->manual, ids, q->ncontrols };
            rrows[k] = r;
        }
    }
    if (hw_store_catalog_sync(s, crows, cat->ncontrols, rrows, nreq, &e) != HW_OK)
        return die("catalogue sync", e.msg);
    char run[64];
    if (hw_store_run_begin(s, "scan", run, &e) != HW_OK)
        return die("run", e.msg);
    if (hw_store_begin(s, &e) != HW_OK)
        return die("begin", e.msg);
    for (int a = 0; a < na; a++) {
        char id[16], name[32], path[64], names[64];
        snprintf(id, sizeof id, "%012lld", 100000000000LL + a);
        snprintf(name, sizeof name, "bench-%03d", a);
        snprintf(path, sizeof path, "r-bnch/ou-bnch-%04d", a % 20);
        snprintf(names, sizeof names, "Root/Unit%02d", a % 20);
        hw_account_row r = { id, name, "bench@example.com", "ACTIVE", path, names, 1 };
        if (hw_store_account_upsert(s, &r, run, &e) != HW_OK)
            return die("account", e.msg);
    }
    if (hw_store_commit(s, &e) != HW_OK)
        return die("commit", e.msg);
    if (fill_findings(db, run, n, na) != 0)
        return 1;
    hw_eval_summary *sums = NULL;
    size_t nsums = 0;
    /* no resource inventory here: silence is taken as nothing to evaluate */
    hw_eval_opts eo = { rrows, nreq, crows, cat->ncontrols, 1 };
    if (hw_scan_evaluate(s, run, &eo, &sums, &nsums, &e) != HW_OK)
        return die("evaluate", e.msg);
    if (hw_store_run_finish(s, run, "ok", "{}", &e) != HW_OK ||
        hw_store_audit_append(s, run, "bench", "scan.finished", "{}", &e) != HW_OK)
        return die("finish", e.msg);
    printf("%s\n", run);
    free(sums);
    for (size_t i = 0; i < nreq; i++)
        free((void *)rrows[i].controls);
    free(rrows);
    free(crows);
    hw_store_close(s);
    hw_catalog_free(cat);
    return 0;
}
