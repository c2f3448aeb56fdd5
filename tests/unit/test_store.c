/*
 * test_store.c - the evidence store: migrations, pragmas, finding upserts
 * and history, raw JSON round trips through compression, watermarks and
 * rollback, the audit hash chain, and the lock between processes.
 */
#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h" /* HW_ZDICT_SAMPLES */
#include "store_fixture.h"
#include "store_undo.h"

static void test_migrations(void)
{
    fresh();
    hw_err e;
    hw_store *s = NULL;
    /* a read-only open of nothing is a clear error */
    CU_ASSERT_EQUAL(hw_store_open(dbpath, HW_STORE_READ, 0, &s, &e), HW_ENOTFOUND);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, dbpath));
    s = open_w();
    hw_store_close(s);
    CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), hw_store_schema_version());
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM sqlite_master WHERE name = 'audit_log'"), 1);
    {
        /* WAL stays on in the file */
        sqlite3 *db;
        sqlite3_stmt *st;
        sqlite3_open(dbpath, &db);
        sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL);
        sqlite3_step(st);
        CU_ASSERT_STRING_EQUAL((const char *)sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        sqlite3_close(db);
    }
    s = open_w(); /* re-open: nothing to migrate */
    hw_store_close(s);
    CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), hw_store_schema_version());
    /* a store from a newer hubwarden is refused */
    exec_raw("PRAGMA user_version = 999");
    CU_ASSERT_EQUAL(hw_store_open(dbpath, HW_STORE_WRITE, 1000, &s, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "newer hubwarden"));
    /* not a database at all */
    FILE *f = fopen(dbpath, "w");
    fputs("this is not sqlite, but it is long enough to look like a header......", f);
    fclose(f);
    unlink(dbpath);
    f = fopen(dbpath, "w");
    for (int i = 0; i < 100; i++)
        fputs("garbage garbage garbage garbage garbage garbage\n", f);
    fclose(f);
    CU_ASSERT_NOT_EQUAL(hw_store_open(dbpath, HW_STORE_WRITE, 1000, &s, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, dbpath));
    cleanup();
}

static hw_finding_row row(const char *id, const char *status, const char *wf, const char *rec,
                          int64_t updated, const char *raw)
{
    hw_finding_row f = { 0 };
    f.id = id;
    f.product_arn = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
    f.product = "securityhub";
    f.account_id = "333333333333";
    f.region = "us-east-1";
    f.control_id = "S3.8";
    f.severity = "HIGH";
    f.compliance_status = status;
    f.workflow_status = wf;
    f.record_state = rec;
    f.resource_type = "AwsS3Bucket";
    f.resources = "[\"arn:aws:s3:::b\"]";
    f.first_observed = f.created_at = 1700000000000LL; /* epoch ms */
    f.last_observed = f.updated_at = updated;
    f.trusted = 1;
    f.raw = raw;
    f.rawlen = strlen(raw);
    return f;
}

struct hist {
    int n;
    char last[128];
};

static int hist_cb(void *arg, const hw_history_row *h)
{
    struct hist *x = arg;
    x->n++;
    snprintf(x->last, sizeof x->last, "%s>%s %s>%s %s>%s", h->old_compliance, h->new_compliance,
             h->old_workflow, h->new_workflow, h->old_record, h->new_record);
    return 0;
}

static void test_upsert(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    int res;
    hw_finding_row f = row("f-1", "FAILED", "NEW", "ACTIVE", 1700000100, "{\"Id\": \"f-1\"}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_UNCHANGED);
    f = row("f-1", "FAILED", "NOTIFIED", "ACTIVE", 1700000200, "{\"Id\": \"f-1\", \"v\": 2}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_CHANGED);
    /* an older copy never overwrites a newer one */
    f = row("f-1", "PASSED", "NEW", "ACTIVE", 1700000150, "{\"old\": 1}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_UNCHANGED);
    f = row("f-1", "PASSED", "RESOLVED", "ACTIVE", 1700000300, "{\"Id\": \"f-1\", \"v\": 3}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_RESOLVED);
    f = row("f-1", "PASSED", "RESOLVED", "ARCHIVED", 1700000400, "{\"Id\": \"f-1\", \"v\": 4}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_RESOLVED);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    struct hist h = { 0, "" };
    CU_ASSERT_EQUAL(hw_store_finding_history(s, f.product_arn, "f-1", hist_cb, &h, &e), HW_OK);
    CU_ASSERT_EQUAL(h.n, 3);
    CU_ASSERT_STRING_EQUAL(h.last, "PASSED>PASSED RESOLVED>RESOLVED ACTIVE>ARCHIVED");
    char *raw;
    size_t len;
    CU_ASSERT_EQUAL(hw_store_finding_raw(s, f.product_arn, "f-1", &raw, &len, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(raw, "{\"Id\": \"f-1\", \"v\": 4}");
    free(raw);
    CU_ASSERT_EQUAL(hw_store_finding_raw(s, f.product_arn, "nope", &raw, &len, &e), HW_ENOTFOUND);
    hw_store_close(s);
    cleanup();
}

static int count_cb(void *arg, const hw_finding_row *f);

struct ties {
    int n;
    char rows[4][160];
};

static int tie_cb(void *arg, const hw_history_row *h)
{
    struct ties *x = arg;
    if (x->n < 4)
        snprintf(x->rows[x->n], sizeof x->rows[0], "%lld %s/%s/%s>%s/%s/%s tie=%d",
                 (long long)h->at, h->old_compliance, h->old_workflow, h->old_record,
                 h->new_compliance, h->new_workflow, h->new_record, h->tie);
    x->n++;
    return 0;
}

static void raw_of(hw_store *s, const char *id, const char *want)
{
    char *raw = NULL;
    size_t len;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_finding_raw(s, "arn:aws:securityhub:us-east-1::product/aws/securityhub",
                                               id, &raw, &len, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(raw, want);
    free(raw);
}

/* Versions are ordered by UpdatedAt to the millisecond: a copy from the
 * same second but an earlier millisecond is older, and never overwrites. */
static void test_upsert_milliseconds(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    int res;
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    hw_finding_row f = row("ms-1", "FAILED", "NEW", "ACTIVE", 1700000100896LL, "{\"v\": \"896\"}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    f = row("ms-1", "PASSED", "RESOLVED", "ACTIVE", 1700000100123LL, "{\"v\": \"123\"}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_UNCHANGED);
    f = row("ms-1", "FAILED", "NOTIFIED", "ACTIVE", 1700000100897LL, "{\"v\": \"897\"}");
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    CU_ASSERT_EQUAL(res, HW_UPSERT_CHANGED);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    raw_of(s, "ms-1", "{\"v\": \"897\"}");
    struct ties x = { 0 };
    CU_ASSERT_EQUAL(hw_store_finding_history(s, f.product_arn, "ms-1", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "1700000100897 FAILED/NEW/ACTIVE>FAILED/NOTIFIED/ACTIVE tie=0");
    /* --since is to the millisecond too */
    int n = 0;
    hw_finding_query q = { 0 };
    q.since = 1700000100897LL;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q, count_cb, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 1);
    n = 0;
    q.since = 1700000100898LL;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q, count_cb, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 0);
    hw_store_close(s);
    cleanup();
}

/* Upserts version v of finding id at `at`: v is "new" (NEW, FAILED),
 * "res" (RESOLVED, PASSED), "sup" (SUPPRESSED, FAILED) or "arch" (NEW,
 * FAILED, ARCHIVED); returns the outcome. */
static int upsert_version(hw_store *s, const char *run, const char *id, const char *v, int64_t at)
{
    char raw[64];
    snprintf(raw, sizeof raw, "{\"v\": \"%s\"}", v);
    hw_finding_row f = strcmp(v, "new") == 0 ? row(id, "FAILED", "NEW", "ACTIVE", at, raw)
                       : strcmp(v, "res") == 0 ? row(id, "PASSED", "RESOLVED", "ACTIVE", at, raw)
                       : strcmp(v, "sup") == 0 ? row(id, "FAILED", "SUPPRESSED", "ACTIVE", at, raw)
                                               : row(id, "FAILED", "NEW", "ARCHIVED", at, raw);
    hw_err e;
    int res = -1;
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    return res;
}

/* An exact tie (same UpdatedAt to the millisecond, other states): the
 * version further along its workflow is kept whichever arrives first, and
 * the history records the tie once, the same row in both orders. */
static void test_upsert_tie(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    const int64_t at = 1700000100896LL;
    const char *parn = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    /* NEW first, then RESOLVED: RESOLVED replaces it */
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-a", "new", at), HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-a", "res", at), HW_UPSERT_RESOLVED);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-a", "new", at), HW_UPSERT_UNCHANGED);
    /* RESOLVED first, then NEW: RESOLVED stays */
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-b", "res", at), HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-b", "new", at), HW_UPSERT_UNCHANGED);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-b", "new", at), HW_UPSERT_UNCHANGED);
    /* SUPPRESSED is further than RESOLVED, in either order */
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-c", "sup", at), HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-c", "res", at), HW_UPSERT_UNCHANGED);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-d", "res", at), HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-d", "sup", at), HW_UPSERT_CHANGED);
    /* the same workflow: ARCHIVED over ACTIVE */
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-e", "arch", at), HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-e", "new", at), HW_UPSERT_UNCHANGED);
    /* a millisecond later is no tie: the newer version wins, whatever it is */
    CU_ASSERT_EQUAL(upsert_version(s, run, "tie-b", "new", at + 1), HW_UPSERT_CHANGED);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);

    raw_of(s, "tie-a", "{\"v\": \"res\"}");
    raw_of(s, "tie-c", "{\"v\": \"sup\"}");
    raw_of(s, "tie-d", "{\"v\": \"sup\"}");
    raw_of(s, "tie-e", "{\"v\": \"arch\"}");
    const char *want = "1700000100896 FAILED/NEW/ACTIVE>PASSED/RESOLVED/ACTIVE tie=1";
    struct ties x = { 0 };
    CU_ASSERT_EQUAL(hw_store_finding_history(s, parn, "tie-a", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.rows[0], want);
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_finding_history(s, parn, "tie-b", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 2);
    CU_ASSERT_STRING_EQUAL(x.rows[0], want);
    CU_ASSERT_STRING_EQUAL(x.rows[1], "1700000100897 PASSED/RESOLVED/ACTIVE>FAILED/NEW/ACTIVE tie=0");
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_finding_history(s, parn, "tie-c", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "1700000100896 PASSED/RESOLVED/ACTIVE>FAILED/SUPPRESSED/ACTIVE tie=1");
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_finding_history(s, parn, "tie-d", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "1700000100896 PASSED/RESOLVED/ACTIVE>FAILED/SUPPRESSED/ACTIVE tie=1");
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_finding_history(s, parn, "tie-e", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "1700000100896 FAILED/NEW/ACTIVE>FAILED/NEW/ARCHIVED tie=1");
    hw_store_close(s);
    cleanup();
}

static int first_row_cb(void *arg, const hw_finding_row *f)
{
    int64_t *t = arg;
    t[0] = f->first_observed;
    t[1] = f->last_observed;
    t[2] = f->created_at;
    t[3] = f->updated_at;
    return 0;
}

struct titles {
    int n;
    char got[4][64];
};

static int title_cb(void *arg, const hw_finding_row *f)
{
    struct titles *t = arg;
    if (t->n < 4)
        snprintf(t->got[t->n], sizeof t->got[0], "%s:%s:%s", f->id, f->severity,
                 f->title ? f->title : "(null)");
    t->n++;
    return 0;
}

static int group_count_cb(void *arg, const hw_resource_group *g)
{
    char *out = arg;
    snprintf(out, 128, "%s %u %u %s %s", g->resource, g->findings, g->failed, g->severity,
             g->controls);
    return 0;
}

static int value_count_cb(void *arg, const char *v)
{
    (void)v;
    (*(int *)arg)++;
    return 0;
}

/* Schema 4 keeps the Title; queries take lists (OR within, AND across),
 * sort keys, a limit, and group by resource. */
static void test_query_lists(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    int res;
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    const char *sev[] = { "LOW", "CRITICAL", "HIGH" };
    const char *ctl[] = { "S3.8", "IAM.3", "S3.8" };
    for (int i = 0; i < 3; i++) {
        char id[16];
        snprintf(id, sizeof id, "q-%d", i);
        hw_finding_row f = row(id, i ? "FAILED" : "PASSED", "NEW", "ACTIVE",
                               1700000100000LL + i, "{}");
        f.severity = sev[i];
        f.control_id = ctl[i];
        f.title = i == 1 ? NULL : "a title";
        CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    }
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    struct titles t = { 0 };
    static const char *const sort[] = { "severity" };
    hw_finding_query q = { 0 };
    q.sort = sort;
    q.nsort = 1;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q, title_cb, &t, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(t.n, 3);
    CU_ASSERT_STRING_EQUAL(t.got[0], "q-1:CRITICAL:(null)");
    CU_ASSERT_STRING_EQUAL(t.got[1], "q-2:HIGH:a title");
    CU_ASSERT_STRING_EQUAL(t.got[2], "q-0:LOW:a title");
    /* two values of one list OR, lists AND */
    static const char *const sevs[] = { "CRITICAL", "LOW" };
    static const char *const ctls[] = { "S3.8" };
    memset(&t, 0, sizeof t);
    hw_finding_query q2 = { 0 };
    q2.severities = sevs;
    q2.nseverities = 2;
    q2.controls = ctls;
    q2.ncontrols = 1;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q2, title_cb, &t, &e), HW_OK);
    CU_ASSERT_EQUAL(t.n, 1);
    CU_ASSERT_STRING_EQUAL(t.got[0], "q-0:LOW:a title");
    /* limit and a descending key */
    static const char *const desc[] = { "-updated_at" };
    memset(&t, 0, sizeof t);
    hw_finding_query q3 = { 0 };
    q3.sort = desc;
    q3.nsort = 1;
    q3.limit = 2;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q3, title_cb, &t, &e), HW_OK);
    CU_ASSERT_EQUAL(t.n, 2);
    CU_ASSERT_NSTRING_EQUAL(t.got[0], "q-2:", 4);
    /* an unknown sort key is refused, not ignored */
    static const char *const bad[] = { "nope" };
    hw_finding_query q4 = { 0 };
    q4.sort = bad;
    q4.nsort = 1;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q4, title_cb, &t, &e), HW_EINVAL);
    /* one resource, three findings, two failed, highest CRITICAL */
    char g[128] = "";
    hw_finding_query q5 = { 0 };
    CU_ASSERT_EQUAL(hw_store_findings_by_resource(s, &q5, group_count_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g, "arn:aws:s3:::b 3 2 CRITICAL S3.8,IAM.3");
    int n = 0;
    CU_ASSERT_EQUAL(hw_store_finding_values(s, "control", value_count_cb, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 2);
    char *arn = NULL;
    CU_ASSERT_EQUAL(hw_store_finding_product(s, "q-2", &arn, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(arn, "arn:aws:securityhub:us-east-1::product/aws/securityhub");
    free(arn);
    CU_ASSERT_EQUAL(hw_store_finding_product(s, "nope", &arn, &e), HW_ENOTFOUND);
    hw_store_close(s);
    cleanup();
}

/* A store of schema 2 (times in whole seconds) migrates: its times become
 * milliseconds, its history rows are no ties. */
static void test_migrate_times(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(upsert_version(s, run, "old-1", "new", 1700000100000LL), HW_UPSERT_NEW);
    CU_ASSERT_EQUAL(upsert_version(s, run, "old-1", "res", 1700000200000LL), HW_UPSERT_RESOLVED);
    CU_ASSERT_EQUAL(hw_store_watermark_set(s, "sh:1:us-east-1", 1700000200000LL, run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    hw_store_close(s);
    /* back to schema 2 as hubwarden wrote it: seconds, no tie or title
     * column, per-run evaluations, the audit log's first format */
    exec_raw(HW_UNDO_13 HW_UNDO_12 HW_UNDO_11 HW_UNDO_10 HW_UNDO_9 HW_UNDO_8 HW_UNDO_6 HW_UNDO_5
             "UPDATE findings SET first_observed = first_observed / 1000,"
             " last_observed = last_observed / 1000, created_at = created_at / 1000,"
             " updated_at = updated_at / 1000;"
             "UPDATE finding_history SET at = at / 1000;"
             "UPDATE watermarks SET updated_at = updated_at / 1000;"
             "ALTER TABLE finding_history DROP COLUMN tie;"
             "ALTER TABLE findings DROP COLUMN title;"
             "PRAGMA user_version = 2;");
    CU_ASSERT_EQUAL(query_int("SELECT updated_at FROM findings"), 1700000200);
    s = open_w();
    CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), hw_store_schema_version());
    int64_t t[4] = { 0 };
    hw_finding_query q = { 0 };
    CU_ASSERT_EQUAL(hw_store_findings(s, &q, first_row_cb, t, &e), HW_OK);
    CU_ASSERT_EQUAL(t[0], 1700000000000LL);
    CU_ASSERT_EQUAL(t[1], 1700000200000LL);
    CU_ASSERT_EQUAL(t[2], 1700000000000LL);
    CU_ASSERT_EQUAL(t[3], 1700000200000LL);
    int64_t wm;
    CU_ASSERT_EQUAL(hw_store_watermark_get(s, "sh:1:us-east-1", &wm, &e), HW_OK);
    CU_ASSERT_EQUAL(wm, 1700000200000LL);
    struct ties x = { 0 };
    CU_ASSERT_EQUAL(hw_store_finding_history(s, "arn:aws:securityhub:us-east-1::product/aws/securityhub",
                                             "old-1", tie_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "1700000200000 FAILED/NEW/ACTIVE>PASSED/RESOLVED/ACTIVE tie=0");
    /* and the migrated store orders by the millisecond from here on */
    char run2[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run2, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(upsert_version(s, run2, "old-1", "sup", 1700000200001LL), HW_UPSERT_CHANGED);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    hw_store_close(s);
    cleanup();
}

/* Upserts finding i of the order test; returns its outcome. */
static int upsert_nth(hw_store *s, const char *run, int i, const char *status, int64_t updated,
                      const char *tag)
{
    char id[32], raw[96];
    snprintf(id, sizeof id, "order-%d", i);
    snprintf(raw, sizeof raw, "{\"Id\": \"%s\", \"tag\": \"%s\"}", id, tag);
    hw_finding_row f = row(id, status, "NEW", "ACTIVE", updated, raw);
    hw_err e;
    int res = -1;
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    return res;
}

static void raw_is(hw_store *s, int i, const char *tag)
{
    char id[32], want[96];
    snprintf(id, sizeof id, "order-%d", i);
    snprintf(want, sizeof want, "{\"Id\": \"%s\", \"tag\": \"%s\"}", id, tag);
    char *raw = NULL;
    size_t len;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_finding_raw(s, "arn:aws:securityhub:us-east-1::product/aws/securityhub",
                                               id, &raw, &len, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(raw, want);
    free(raw);
}

/* The store inserts first while most findings are new and looks up first
 * while most are stored already: long runs of each put it in both orders,
 * and each order meets new, changed, unchanged and older findings.  The
 * outcomes, rows, raw JSON and history must not depend on the order. */
static void test_upsert_orders(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    int count[4] = { 0 };
    /* 200 new: inserted first */
    for (int i = 0; i < 200; i++)
        count[upsert_nth(s, run, i, "FAILED", 1700000100, "a")]++;
    CU_ASSERT_EQUAL(count[HW_UPSERT_NEW], 200);
    /* the same 200: the first window still inserts first, the rest look up
     * first; a tenth resolved, a tenth an older copy, the rest the same */
    memset(count, 0, sizeof count);
    for (int i = 0; i < 200; i++) {
        if (i % 10 == 0)
            count[upsert_nth(s, run, i, "PASSED", 1700000200, "b")]++;
        else if (i % 10 == 5)
            count[upsert_nth(s, run, i, "PASSED", 1700000050, "old")]++;
        else
            count[upsert_nth(s, run, i, "FAILED", 1700000100, "a")]++;
    }
    CU_ASSERT_EQUAL(count[HW_UPSERT_RESOLVED], 20);
    CU_ASSERT_EQUAL(count[HW_UPSERT_UNCHANGED], 180);
    CU_ASSERT_EQUAL(count[HW_UPSERT_NEW] + count[HW_UPSERT_CHANGED], 0);
    /* two new for each stored one: the first window looks up first, then
     * it inserts first again */
    memset(count, 0, sizeof count);
    int next = 200;
    for (int j = 0; j < 300; j++) {
        if (j % 3 == 0)
            count[upsert_nth(s, run, j / 3 * 2 + 1, "FAILED", 1700000100, "a")]++;
        else
            count[upsert_nth(s, run, next++, "FAILED", 1700000100, "a")]++;
    }
    CU_ASSERT_EQUAL(count[HW_UPSERT_NEW], 200);
    CU_ASSERT_EQUAL(count[HW_UPSERT_UNCHANGED], 100);
    /* and a change late in an insert-first run */
    CU_ASSERT_EQUAL(upsert_nth(s, run, 3, "FAILED", 1700000300, "c"), HW_UPSERT_UNCHANGED);
    CU_ASSERT_EQUAL(upsert_nth(s, run, 7, "PASSED", 1700000300, "d"), HW_UPSERT_RESOLVED);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM findings"), 400);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM finding_history"), 21);
    raw_is(s, 0, "b");
    raw_is(s, 5, "a");
    raw_is(s, 1, "a");
    raw_is(s, 3, "c"); /* newer, same state: the raw JSON moves on */
    raw_is(s, 7, "d");
    raw_is(s, 399, "a");
    hw_store_close(s);
    cleanup();
}

struct counts {
    int n;
    char rows[4][96];
};

static int control_count_cb(void *arg, const hw_control_count *c)
{
    struct counts *x = arg;
    if (x->n < 4)
        snprintf(x->rows[x->n], sizeof x->rows[0], "%s %s %u/%u %d [%s]", c->account, c->control,
                 c->passed, c->failed, c->has_findings, c->disabled_in ? c->disabled_in : "");
    x->n++;
    return 0;
}

/* Disabled controls join the finding counts, with or without findings, and
 * a later check of the same account-region replaces the earlier one. */
static void test_control_checks(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    hw_finding_row f = row("c-1", "PASSED", "NEW", "ACTIVE", 1700000100, "{}");
    int res;
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    const char *const off1[] = { "S3.8", "Config.1" };
    CU_ASSERT_EQUAL(hw_store_control_check(s, "333333333333", "eu-west-1", off1, 2, run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    struct counts x = { 0 };
    CU_ASSERT_EQUAL(hw_store_control_counts(s, control_count_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 2);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "333333333333 Config.1 0/0 0 [eu-west-1]");
    CU_ASSERT_STRING_EQUAL(x.rows[1], "333333333333 S3.8 1/0 1 [eu-west-1]");
    /* the next check: S3.8 back on in eu-west-1, Config.1 off in two regions */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    const char *const off2[] = { "Config.1" };
    CU_ASSERT_EQUAL(hw_store_control_check(s, "333333333333", "us-east-1", off2, 1, run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_control_check(s, "333333333333", "eu-west-1", off2, 1, run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_control_counts(s, control_count_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 2);
    CU_ASSERT_STRING_EQUAL(x.rows[0], "333333333333 Config.1 0/0 0 [eu-west-1 us-east-1]");
    CU_ASSERT_STRING_EQUAL(x.rows[1], "333333333333 S3.8 1/0 1 []");
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM control_checks"), 2);
    hw_store_close(s);
    cleanup();
}

static int sum_cb(void *arg, const hw_control_count *c)
{
    unsigned *x = arg;
    if (strcmp(c->control, "S3.8") == 0)
        *x = c->passed + c->failed;
    return 0;
}

/* hw_store_control_total is passed + failed of the control's counts row:
 * a resource counts once, failed (not all suppressed) or passed, never
 * when its only findings are suppressed failures or not available. */
static void test_control_total(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    static const struct { const char *id, *status, *wf, *res; } v[] = {
        { "t-1", "FAILED", "NEW", "[\"arn:aws:s3:::a\"]" },       /* counts */
        { "t-2", "PASSED", "NEW", "[\"arn:aws:s3:::a\"]" },       /* same resource */
        { "t-3", "FAILED", "SUPPRESSED", "[\"arn:aws:s3:::b\"]" }, /* suppressed only */
        { "t-4", "PASSED", "NEW", "[\"arn:aws:s3:::c\"]" },       /* counts */
        { "t-5", "FAILED", "SUPPRESSED", "[\"arn:aws:s3:::d\"]" }, /* suppressed + passed */
        { "t-6", "PASSED", "NEW", "[\"arn:aws:s3:::d\"]" },
        { "t-7", "NOT_AVAILABLE", "NEW", "[\"arn:aws:s3:::e\"]" },
        { "t-8", "WARNING", "NEW", "[\"arn:aws:s3:::f\"]" },      /* counts */
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(v); i++) {
        hw_finding_row f = row(v[i].id, v[i].status, v[i].wf, "ACTIVE", 1700000100, "{}");
        f.resources = v[i].res;
        int res;
        CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    }
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    unsigned want = 0, got = 99;
    CU_ASSERT_EQUAL(hw_store_control_counts(s, sum_cb, &want, &e), HW_OK);
    CU_ASSERT_EQUAL(want, 3);
    CU_ASSERT_EQUAL(hw_store_control_total(s, "333333333333", "S3.8", &got, &e), HW_OK);
    CU_ASSERT_EQUAL(got, want);
    CU_ASSERT_EQUAL(hw_store_control_total(s, "333333333333", "S3.1", &got, &e), HW_OK);
    CU_ASSERT_EQUAL(got, 0);
    CU_ASSERT_EQUAL(hw_store_control_total(s, "444444444444", "S3.8", &got, &e), HW_OK);
    CU_ASSERT_EQUAL(got, 0);
    hw_store_close(s);
    cleanup();
}

static int count_cb(void *arg, const hw_finding_row *f)
{
    (void)f;
    (*(int *)arg)++;
    return 0;
}

/* Finding number i of the dictionary test: its id and raw JSON. */
static void sample_finding(int i, char id[64], char raw[2048])
{
    snprintf(id, 64, "finding-%d", i);
    snprintf(raw, 2048,
             "{\"Id\": \"%s\", \"Title\": \"S3 general purpose buckets should block public access\","
             " \"Description\": \"This control checks whether bucket %d blocks public access\","
             " \"Odd\": \"\\u00e9\\n\\\"quoted\\\"\", \"N\": %d}",
             id, i * 7919, i);
}

/* Enough findings to train a dictionary: every raw JSON comes back exact. */
static void test_raw_roundtrip_with_dictionary(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    hw_store_run_begin(s, "import", run, &e);
    hw_store_begin(s, &e);
    char id[64], raw[2048];
    for (int i = 0; i < 2500; i++) {
        sample_finding(i, id, raw);
        hw_finding_row f = row(id, i % 3 ? "PASSED" : "FAILED", "NEW", "ACTIVE", 1700000000 + i, raw);
        int res;
        CU_ASSERT_EQUAL_FATAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
    }
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    hw_store_close(s);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM zdicts"), 1);
    /* the findings before the dictionary's training stay plain zstd */
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM findings WHERE zdict > 0"),
                    2500 - HW_ZDICT_SAMPLES + 1);
    /* a fresh handle (read-only) decompresses both kinds */
    CU_ASSERT_EQUAL_FATAL(hw_store_open(dbpath, HW_STORE_READ, 0, &s, &e), HW_OK);
    const char *parn = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
    int idx[] = { 0, HW_ZDICT_SAMPLES - 1, HW_ZDICT_SAMPLES, 2499 };
    for (size_t k = 0; k < 4; k++) {
        int i = idx[k];
        sample_finding(i, id, raw);
        char *got;
        size_t len;
        CU_ASSERT_EQUAL_FATAL(hw_store_finding_raw(s, parn, id, &got, &len, &e), HW_OK);
        CU_ASSERT_EQUAL(len, strlen(raw));
        CU_ASSERT_STRING_EQUAL(got, raw);
        free(got);
    }
    int n = 0;
    hw_finding_query q = { 0 };
    static const char *const failed[] = { "FAILED" };
    q.statuses = failed;
    q.nstatuses = 1;
    CU_ASSERT_EQUAL(hw_store_findings(s, &q, count_cb, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 834);
    hw_store_close(s);
    cleanup();
}

static void test_watermark_rollback(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64];
    int64_t t;
    hw_store_run_begin(s, "scan", run, &e);
    hw_store_begin(s, &e);
    CU_ASSERT_EQUAL(hw_store_watermark_set(s, "sh:1:us-east-1", 100, run, &e), HW_OK);
    hw_store_commit(s, &e);
    /* a failed run: its page and watermark roll back together */
    hw_store_begin(s, &e);
    hw_finding_row f = row("f-x", "FAILED", "NEW", "ACTIVE", 1700000100, "{}");
    int res;
    hw_store_finding_upsert(s, &f, run, &res, &e);
    hw_store_watermark_set(s, "sh:1:us-east-1", 200, run, &e);
    hw_store_rollback(s);
    CU_ASSERT_EQUAL(hw_store_watermark_get(s, "sh:1:us-east-1", &t, &e), HW_OK);
    CU_ASSERT_EQUAL(t, 100);
    CU_ASSERT_EQUAL(hw_store_watermark_get(s, "none", &t, &e), HW_OK);
    CU_ASSERT_EQUAL(t, -1);
    int n = 0;
    hw_finding_query q = { 0 };
    hw_store_findings(s, &q, count_cb, &n, &e);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, run, "ok", "{\"seen\": 0}", &e), HW_OK);
    char last[64];
    CU_ASSERT_EQUAL(hw_store_last_run(s, "scan", last, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(last, run);
    hw_store_close(s);
    cleanup();
}

static void test_audit_chain(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    int64_t bad;
    for (int i = 0; i < 10; i++) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"n\": %d}", i);
        CU_ASSERT_EQUAL(hw_store_audit_append(s, "run-1", "hubwarden", "test.event", detail, &e),
                        HW_OK);
    }
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    hw_store_close(s);
    /* the triggers refuse changes */
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    CU_ASSERT_NOT_EQUAL(sqlite3_exec(db, "UPDATE audit_log SET detail = '{}' WHERE seq = 4", NULL,
                                     NULL, NULL), SQLITE_OK);
    CU_ASSERT_NOT_EQUAL(sqlite3_exec(db, "DELETE FROM audit_log WHERE seq = 4", NULL, NULL, NULL),
                        SQLITE_OK);
    sqlite3_close(db);
    /* an attacker with the file drops the trigger and edits entry 4 */
    exec_raw("DROP TRIGGER audit_log_no_update;"
             "UPDATE audit_log SET detail = '{\"n\": 40}' WHERE seq = 4;");
    s = open_w();
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 4);
    hw_store_close(s);
    /* ... or deletes entry 6 */
    exec_raw("UPDATE audit_log SET detail = '{\"n\": 3}' WHERE seq = 4;"
             "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq = 6;");
    s = open_w();
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 6);
    hw_store_close(s);
    cleanup();
}

/* `hubwarden run`'s record: steps in order with their counts and the run
 * each made, the exit status (set once) and the catalogue (migration 11) */
static void test_run_steps(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run[64], scan[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "run", run, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", scan, &e), HW_OK);
    hw_run_step a = { "scan", "partial", hw_now() - 5, "{\"seen\": 3}", "account:1:r: down", scan };
    hw_run_step b = { "report", "skipped", hw_now(), NULL, NULL, NULL };
    CU_ASSERT_EQUAL(hw_store_run_step(s, run, 1, &a, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_step(s, run, 2, &b, &e), HW_OK);
    /* a step number is recorded once */
    CU_ASSERT_EQUAL(hw_store_run_step(s, run, 2, &b, &e), HW_ESTORE);
    /* a step's status is one of four */
    hw_run_step bad = { "notify", "maybe", hw_now(), NULL, NULL, NULL };
    CU_ASSERT_EQUAL(hw_store_run_step(s, run, 3, &bad, &e), HW_ESTORE);
    CU_ASSERT_EQUAL(hw_store_run_catalog(s, run, "/x/controls", "ab12", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_catalog(s, scan, "/x/controls", "", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_exit(s, run, 3, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_exit(s, run, 0, &e), HW_OK); /* the first one stays */
    hw_store_close(s);
    char q[256];
    snprintf(q, sizeof q,
             "SELECT count(*) FROM run_steps WHERE run_id = '%s' AND seq = 1 AND step = 'scan'"
             " AND json_extract(counts, '$.seen') = 3 AND child_run = '%s'"
             " AND detail = 'account:1:r: down'", run, scan);
    CU_ASSERT_EQUAL(query_int(q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM run_steps WHERE run_id = '%s' AND seq = 2"
             " AND counts = '{}' AND detail = '' AND child_run IS NULL", run);
    CU_ASSERT_EQUAL(query_int(q), 1);
    snprintf(q, sizeof q, "SELECT exit_status FROM runs WHERE id = '%s'", run);
    CU_ASSERT_EQUAL(query_int(q), 3);
    snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE id = '%s' AND catalog_sha256 = 'ab12'"
             " AND catalog_dir = '/x/controls'", run);
    CU_ASSERT_EQUAL(query_int(q), 1);
    snprintf(q, sizeof q, "SELECT count(*) FROM runs WHERE id = '%s' AND catalog_sha256 IS NULL",
             scan);
    CU_ASSERT_EQUAL(query_int(q), 1);
    cleanup();
}

static void test_lock(void)
{
    fresh();
    hw_store *s = open_w();
    hw_store_close(s);
    int to_parent[2];
    CU_ASSERT_EQUAL_FATAL(pipe(to_parent), 0);
    pid_t pid = fork();
    if (pid == 0) {
        hw_store *c = NULL;
        hw_err e;
        if (hw_store_open(dbpath, HW_STORE_WRITE, 1000, &c, &e) != HW_OK)
            _exit(1);
        if (write(to_parent[1], "L", 1) != 1)
            _exit(1);
        sleep(2);
        hw_store_close(c);
        _exit(0);
    }
    char ch;
    CU_ASSERT_EQUAL(read(to_parent[0], &ch, 1), 1);
    hw_err e;
    hw_store *p = NULL;
    int64_t t0 = hw_monotonic_ms();
    CU_ASSERT_EQUAL(hw_store_open(dbpath, HW_STORE_WRITE, 500, &p, &e), HW_ELOCKED);
    CU_ASSERT_TRUE(hw_monotonic_ms() - t0 >= 450);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "in use by another hubwarden process (pid "));
    CU_ASSERT_EQUAL(hw_exit_code(e.kind), HW_EXIT_USAGE);
    /* a read-only open does not wait */
    CU_ASSERT_EQUAL(hw_store_open(dbpath, HW_STORE_READ, 0, &p, &e), HW_OK);
    hw_store_close(p);
    /* waiting long enough succeeds once the holder is gone */
    CU_ASSERT_EQUAL(hw_store_open(dbpath, HW_STORE_WRITE, 10000, &p, &e), HW_OK);
    hw_store_close(p);
    int status;
    waitpid(pid, &status, 0);
    CU_ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(to_parent[0]);
    close(to_parent[1]);
    cleanup();
}

int test_store_register(void)
{
    CU_pSuite s = CU_add_suite("store", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "migrations from an empty file", test_migrations) ||
        !CU_add_test(s, "finding upsert, history, resolution", test_upsert) ||
        !CU_add_test(s, "upsert: insert first or look up first, same outcome", test_upsert_orders) ||
        !CU_add_test(s, "upsert: versions ordered to the millisecond", test_upsert_milliseconds) ||
        !CU_add_test(s, "upsert: a tie keeps the version further along", test_upsert_tie) ||
        !CU_add_test(s, "migration 3: times in seconds become milliseconds", test_migrate_times) ||
        !CU_add_test(s, "queries: title, lists, sort, limit, group by resource", test_query_lists) ||
        !CU_add_test(s, "disabled controls join the control counts", test_control_checks) ||
        !CU_add_test(s, "a control's total is passed + failed of its counts", test_control_total) ||
        !CU_add_test(s, "raw JSON round trip with a dictionary", test_raw_roundtrip_with_dictionary) ||
        !CU_add_test(s, "watermarks move only on commit", test_watermark_rollback) ||
        !CU_add_test(s, "audit hash chain detects tampering", test_audit_chain) ||
        !CU_add_test(s, "run steps, exit status and catalogue of a run", test_run_steps) ||
        !CU_add_test(s, "lock between processes", test_lock))
        return -1;
    return 0;
}
