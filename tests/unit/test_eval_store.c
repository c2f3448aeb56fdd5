/*
 * test_eval_store.c - evaluation against a real store: statuses and their
 * evidence (PARTIAL names what is missing, SUPPRESSED carries the note,
 * NOT_APPLICABLE needs the inventory, one resource in several forms counts
 * once), history kept as intervals, iterators that fail loudly, and the
 * audit log's length-prefixed hash and its re-anchoring migration.
 */
#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "scan/evaluate.h"
#include "store/store.h"
#include "store_fixture.h"
#include "store_undo.h"

static const char *const A = "333333333333";

static int64_t g_last = 1700000100000LL; /* LastObservedAt of put()'s findings (epoch ms) */

static void put(hw_store *s, const char *run, const char *id, const char *control,
                const char *status, const char *wf, const char *resources, const char *raw)
{
    hw_finding_row f = { 0 };
    f.id = id;
    f.product_arn = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
    f.product = "securityhub";
    f.account_id = A;
    f.region = "us-east-1";
    f.control_id = control;
    f.severity = "HIGH";
    f.compliance_status = status;
    f.workflow_status = wf;
    f.record_state = "ACTIVE";
    f.resource_type = "AwsS3Bucket";
    f.resources = resources;
    f.first_observed = f.created_at = 1700000000000LL;
    f.last_observed = f.updated_at = g_last;
    f.trusted = 1;
    f.raw = raw ? raw : "{}";
    f.rawlen = strlen(f.raw);
    hw_err e;
    int res;
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &res, &e), HW_OK);
}

/* The catalogue of these tests. */
static const hw_control_row ctls[] = {
    { "ACM.1", "t", "HIGH", "AWS::ACM::Certificate", "" },
    { "EC2.2", "t", "HIGH", "AWS::EC2::SecurityGroup", "" },
    { "EFS.1", "t", "HIGH", "AWS::EFS::FileSystem", "" },
    { "S3.1", "t", "HIGH", "AWS::S3::Bucket", "" },
    { "S3.8", "t", "HIGH", "AWS::S3::Bucket", "" },
};
static const char *const r_partial[] = { "S3.1", "EFS.1" };
static const char *const r_sup[] = { "S3.1", "EC2.2" };
static const char *const r_na[] = { "ACM.1" };
static const char *const r_dup[] = { "S3.8" };
static const hw_requirement_row reqs[] = {
    { "fw", "partial", "t", 0, r_partial, 2 },
    { "fw", "suppressed", "t", 0, r_sup, 2 },
    { "fw", "na", "t", 0, r_na, 1 },
    { "fw", "dup", "t", 0, r_dup, 1 },
};

static int evaluate(hw_store *s, char run[64], int infer, hw_eval_summary **sums, size_t *n)
{
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    hw_eval_opts o = { reqs, HW_ARRAY_LEN(reqs), ctls, HW_ARRAY_LEN(ctls), infer };
    int rc = hw_scan_evaluate(s, run, &o, sums, n, &e);
    if (rc != HW_OK)
        fprintf(stderr, "\nevaluate: %s\n", e.msg);
    return rc;
}

struct got {
    char status[32];
    char *evidence;
};

static int got_cb(void *arg, const hw_evaluation_row *r)
{
    struct got *g = arg; /* [0] partial, [1] suppressed, [2] na, [3] dup */
    int i = strcmp(r->requirement, "partial") == 0      ? 0
            : strcmp(r->requirement, "suppressed") == 0 ? 1
            : strcmp(r->requirement, "na") == 0         ? 2
                                                        : 3;
    snprintf(g[i].status, sizeof g[i].status, "%s", r->status);
    free(g[i].evidence);
    g[i].evidence = strdup(r->evidence);
    return 0;
}

static void got_free(struct got *g)
{
    for (int i = 0; i < 4; i++)
        free(g[i].evidence);
}

static const char *const NOTE_RAW =
    "{\"Id\": \"sup-1\", \"Note\": {\"Text\": \"accepted by the \\\"web\\\" team\","
    " \"UpdatedBy\": \"alice@example.com\", \"UpdatedAt\": \"2024-05-01T10:00:00.000Z\"}}";

static void setup_findings(hw_store *s, const char *run)
{
    hw_err e;
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    put(s, run, "pass-1", "S3.1", "PASSED", "RESOLVED", "[\"arn:aws:s3:::a\"]", NULL);
    put(s, run, "sup-1", "EC2.2", "FAILED", "SUPPRESSED", "[\"sg-1\"]", NOTE_RAW);
    /* the same resource in two forms: consolidated and standards-based */
    put(s, run, "cons-1", "S3.8", "FAILED", "NEW", "[\"arn:aws:s3:::b\"]", NULL);
    put(s, run, "arn:aws:securityhub:us-east-1:333333333333:subscription/aws-foundational-"
                "security-best-practices/v/1.0.0/S3.8/finding/f1",
        "S3.8", "FAILED", "NEW", "[\"arn:aws:s3:::b\"]", NULL);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
}

static void test_statuses(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run, 0, &sums, &n), HW_OK);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_EQUAL(sums[0].counts[HW_REQ_PARTIAL], 1);
    CU_ASSERT_EQUAL(sums[0].counts[HW_REQ_SUPPRESSED], 1);
    CU_ASSERT_EQUAL(sums[0].counts[HW_REQ_NO_DATA], 1);
    CU_ASSERT_EQUAL(sums[0].counts[HW_REQ_FAILED], 1);
    CU_ASSERT_EQUAL(sums[0].counts[HW_REQ_PASSED], 0);
    free(sums);
    struct got g[4] = { 0 };
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run, got_cb, g, &e), HW_OK);
    /* PARTIAL names the missing control and why */
    CU_ASSERT_STRING_EQUAL(g[0].status, "PARTIAL");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[0].evidence, "\"missing\":[\"EFS.1\"]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(g[0].evidence, "enabled is unknown"));
    /* SUPPRESSED carries the note, who wrote it and when */
    CU_ASSERT_STRING_EQUAL(g[1].status, "SUPPRESSED");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[1].evidence, "\"text\":\"accepted by the \\\"web\\\" team\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(g[1].evidence, "\"updated_by\":\"alice@example.com\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(g[1].evidence, "\"suppressed_at\":\"2024-05-01T10:00:00.000Z\""));
    /* no findings, nothing known: NO_DATA with the reason */
    CU_ASSERT_STRING_EQUAL(g[2].status, "NO_DATA");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[2].evidence, "\"reason\":"));
    /* one resource, two findings: counted once, both listed */
    CU_ASSERT_STRING_EQUAL(g[3].status, "FAILED");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[3].evidence, "\"failed\":1,"));
    CU_ASSERT_PTR_NOT_NULL(strstr(g[3].evidence, "\"id\":\"cons-1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(g[3].evidence, "S3.8/finding/f1\""));
    got_free(g);
    /* a hubwarden exception turns the suppressed requirement into EXCEPTION */
    exec_raw("INSERT INTO exceptions(account_id, control_id, reason, approver, created_at,"
             " expires_at) VALUES ('333333333333', 'EC2.2', 'r', 'bob', 0, 4000000000)");
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run, 0, &sums, &n), HW_OK);
    free(sums);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[1].status, "EXCEPTION");
    got_free(g);
    hw_store_close(s);
    cleanup();
}

/* NOT_APPLICABLE needs the controls known enabled and no resources of
 * their type in the inventory; inference only when asked, and said. */
static void test_not_applicable(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    struct got g[4] = { 0 };
    /* inferred: N/A, and the evidence says so */
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run, 1, &sums, &n), HW_OK);
    free(sums);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[2].status, "NOT_APPLICABLE");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[2].evidence, "\"not_applicable_inferred\":true"));
    CU_ASSERT_STRING_EQUAL(g[0].status, "PASSED"); /* EFS.1 inferred N/A too */
    got_free(g);
    /* the inventory: the account is covered, no certificates, but the
     * controls were never checked: still NO_DATA */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    const char *const acc[] = { A };
    const long zero[] = { 0 }, some[] = { 40 };
    CU_ASSERT_EQUAL(hw_store_resource_counts_put(s, "", acc, some, 1, run0, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_resource_counts_put(s, "AWS::ACM::Certificate", acc, zero, 1, run0, &e),
                    HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run, 0, &sums, &n), HW_OK);
    free(sums);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[2].status, "NO_DATA");
    got_free(g);
    /* checked, none disabled: NOT_APPLICABLE on the inventory's word */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_control_check(s, A, "us-east-1", NULL, 0, run0, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run, 0, &sums, &n), HW_OK);
    free(sums);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[2].status, "NOT_APPLICABLE");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[2].evidence, "\"inventory_resources\":0"));
    CU_ASSERT_PTR_NULL(strstr(g[2].evidence, "inferred"));
    /* EFS.1: no count for its type: inventory unavailable, PARTIAL */
    CU_ASSERT_STRING_EQUAL(g[0].status, "PARTIAL");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[0].evidence, "inventory (AWS Config) is unavailable"));
    got_free(g);
    /* certificates appear: no longer N/A */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    const long two[] = { 2 };
    CU_ASSERT_EQUAL(hw_store_resource_counts_put(s, "AWS::ACM::Certificate", acc, two, 1, run0, &e),
                    HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run, 0, &sums, &n), HW_OK);
    free(sums);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[2].status, "NO_DATA");
    got_free(g);
    hw_store_close(s);
    cleanup();
}

/* History as intervals: an unchanged run writes no evaluation row; each
 * run still reads back its own statuses. */
static void test_intervals(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], r1[64], r2[64], r3[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r1, 0, &sums, &n), HW_OK);
    free(sums);
    long long rows = query_int("SELECT count(*) FROM eval_intervals");
    CU_ASSERT_EQUAL(rows, 4);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r2, 0, &sums, &n), HW_OK);
    free(sums);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_intervals"), rows);
    /* Security Hub re-evaluates: LastObservedAt moves, nothing else */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    g_last = 1700086500000LL;
    put(s, run0, "pass-1", "S3.1", "PASSED", "RESOLVED", "[\"arn:aws:s3:::a\"]", NULL);
    g_last = 1700090000000LL;
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    char rr[64];
    CU_ASSERT_EQUAL_FATAL(evaluate(s, rr, 0, &sums, &n), HW_OK);
    free(sums);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_intervals"), rows);
    /* S3.1 starts failing: one interval closed, one opened */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    put(s, run0, "pass-1", "S3.1", "FAILED", "NEW", "[\"arn:aws:s3:::a\"]", NULL);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r3, 0, &sums, &n), HW_OK);
    free(sums);
    /* partial and suppressed both name S3.1: two changes */
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_intervals"), rows + 2);
    struct got g[4] = { 0 };
    CU_ASSERT_EQUAL(hw_store_evaluations(s, r2, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].status, "PARTIAL");
    got_free(g);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, r3, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].status, "FAILED");
    got_free(g);
    g_last = 1700000100000LL;
    hw_store_close(s);
    cleanup();
}

/* A requirement that leaves the catalogue, and an account that leaves the
 * Organization, stop being current: the next run does not show them. */
static void test_gone(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], r1[64], r2[64], r3[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r1, 0, &sums, &n), HW_OK);
    free(sums);
    /* the catalogue loses "dup" */
    hw_eval_opts o = { reqs, 3, ctls, HW_ARRAY_LEN(ctls), 0 };
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", r2, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_scan_evaluate(s, r2, &o, &sums, &n, &e), HW_OK);
    free(sums);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE run_id = '%s'", r2);
    CU_ASSERT_EQUAL(query_int(sql), 3);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE run_id = '%s'", r1);
    CU_ASSERT_EQUAL(query_int(sql), 4);
    /* the Organization is recorded without the account */
    hw_account_row other = { "444444444444", "n", "e", "ACTIVE", "", "", 1 };
    CU_ASSERT_EQUAL(hw_store_account_upsert(s, &other, run0, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r3, 0, &sums, &n), HW_OK);
    free(sums);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM evaluations WHERE run_id = '%s' AND account_id = '333333333333'",
             r3);
    CU_ASSERT_EQUAL(query_int(sql), 0);
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM evaluations WHERE run_id = '%s' AND account_id = '444444444444'",
             r3);
    CU_ASSERT_EQUAL(query_int(sql), 4);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_intervals WHERE to_seq IS NULL"
                              " AND account_id = '333333333333'"), 0);
    hw_store_close(s);
    cleanup();
}

/* Pruning drops closed intervals of runs before DATE, never the newest
 * evaluation; the pruned run reads as nothing rather than half. */
static void test_prune(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], r1[64], r2[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r1, 0, &sums, &n), HW_OK);
    free(sums);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    g_last = 1700090000000LL; /* a newer version (an equal UpdatedAt is a tie) */
    put(s, run0, "pass-1", "S3.1", "FAILED", "NEW", "[\"arn:aws:s3:::a\"]", NULL);
    g_last = 1700000100000LL;
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r2, 0, &sums, &n), HW_OK);
    free(sums);
    /* run 1 in the past, run 2 now */
    exec_raw("UPDATE eval_runs SET at = 1000 WHERE seq = 1");
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_intervals"), 6);
    hw_prune_stats ps;
    /* before both: nothing to drop */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_prune(s, 500, &ps, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(ps.intervals, 0);
    /* between: run 1's two closed intervals go, run 2 reads whole */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_prune(s, 2000, &ps, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(ps.intervals, 2);
    CU_ASSERT_EQUAL(ps.runs, 1);
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE run_id = '%s'", r1);
    CU_ASSERT_EQUAL(query_int(sql), 0);
    snprintf(sql, sizeof sql, "SELECT count(*) FROM evaluations WHERE run_id = '%s'", r2);
    CU_ASSERT_EQUAL(query_int(sql), 4);
    /* after everything: the newest evaluation stays */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_prune(s, hw_now() + 10, &ps, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(query_int(sql), 4);
    /* finding history: each finding's newest change stays */
    CU_ASSERT(query_int("SELECT count(*) FROM finding_history h WHERE h.rowid ="
                        " (SELECT max(rowid) FROM finding_history g"
                        "  WHERE g.finding_key = h.finding_key)") >= 1);
    hw_store_close(s);
    cleanup();
}

/* A callback's failure is the iterator's failure. */
static int fail_second(void *arg, const hw_control_count *c)
{
    (void)c;
    return ++*(int *)arg == 2 ? HW_ENOMEM : 0;
}

static int fail_account(void *arg, const hw_account_row *a)
{
    (void)arg;
    (void)a;
    return 1;
}

static void test_iterators_fail_loudly(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    int calls = 0;
    CU_ASSERT_EQUAL(hw_store_control_counts(s, fail_second, &calls, &e), HW_ENOMEM);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "counting control findings"));
    hw_account_row a = { A, "n", "e", "ACTIVE", "", "", 1 };
    CU_ASSERT_EQUAL(hw_store_account_upsert(s, &a, run0, &e), HW_OK);
    CU_ASSERT_NOT_EQUAL(hw_store_accounts(s, fail_account, NULL, &e), HW_OK);
    /* an evaluation whose reads fail writes nothing and says so */
    exec_raw("DROP TABLE resource_counts");
    char run[64];
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_NOT_EQUAL(evaluate(s, run, 0, &sums, &n), HW_OK);
    CU_ASSERT_PTR_NULL(sums);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_intervals"), 0);
    hw_store_close(s);
    cleanup();
}

/* The first text column of the first row of sql, or NULL; free() it. */
static char *query_text(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    char *v = NULL;
    sqlite3_open(dbpath, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        v = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* What a requirement's evidence must read: its own part around its
 * controls' current evidence, in the requirement's order. */
static char *expected_partial(const char *status)
{
    char *s31 = query_text("SELECT evidence FROM eval_control_evidence WHERE control_id = 'S3.1'"
                           " AND to_seq IS NULL");
    char *efs = query_text("SELECT evidence FROM eval_control_evidence WHERE control_id = 'EFS.1'"
                           " AND to_seq IS NULL");
    char *want = NULL;
    if (s31 && efs)
        want = hw_asprintf("{\"status\":\"%s\",\"controls\":[%s,%s],\"missing\":[\"EFS.1\"]}", status,
                           s31, efs);
    free(s31);
    free(efs);
    return want;
}

/* A control's evidence is stored once per account and change, however
 * many requirements it evidences; each requirement reads whole, for the
 * newest run and for an older one, and after a prune. */
static void test_control_evidence_once(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], r1[64], r2[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r1, 0, &sums, &n), HW_OK);
    free(sums);
    /* S3.1 evidences "partial" and "suppressed": its text is stored once,
     * and no requirement's row holds a copy */
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_control_evidence WHERE control_id = 'S3.1'"),
                    1);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_interval_rows"
                              " WHERE instr(evidence, '\"control\":\"S3.1\"') > 0"),
                    0);
    char *want1 = expected_partial("PARTIAL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(want1);
    CU_ASSERT_PTR_NOT_NULL(strstr(want1, "\"id\":\"pass-1\""));
    struct got g[4] = { 0 };
    CU_ASSERT_EQUAL(hw_store_evaluations(s, r1, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, want1);
    got_free(g);
    /* the eval_intervals view reads whole too */
    char *cur = query_text("SELECT evidence FROM eval_intervals WHERE requirement = 'partial'"
                           " AND to_seq IS NULL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
    CU_ASSERT_STRING_EQUAL(cur, want1);
    free(cur);
    /* S3.1 starts failing: one new S3.1 evidence, the old one closed;
     * EC2.2's is shared by the new "suppressed" interval, not copied */
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    g_last = 1700090000000LL;
    put(s, run0, "pass-1", "S3.1", "FAILED", "NEW", "[\"arn:aws:s3:::a\"]", NULL);
    g_last = 1700000100000LL;
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r2, 0, &sums, &n), HW_OK);
    free(sums);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_control_evidence WHERE control_id = 'S3.1'"),
                    2);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_control_evidence WHERE control_id = 'EC2.2'"),
                    1);
    char *want2 = expected_partial("FAILED");
    CU_ASSERT_PTR_NOT_NULL_FATAL(want2);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, r2, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, want2);
    got_free(g);
    /* the older run still reads as it was */
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, r1, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, want1);
    got_free(g);
    /* pruning run 1 drops the S3.1 evidence only it referred to */
    exec_raw("UPDATE eval_runs SET at = 1000 WHERE seq = 1");
    hw_prune_stats ps;
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_prune(s, 2000, &ps, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_control_evidence WHERE control_id = 'S3.1'"),
                    1);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_control_evidence WHERE control_id = 'EC2.2'"),
                    1);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, r2, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, want2);
    CU_ASSERT_STRING_EQUAL(g[1].status, "FAILED");
    CU_ASSERT_PTR_NOT_NULL(strstr(g[1].evidence, "\"control\":\"EC2.2\""));
    got_free(g);
    free(want1);
    free(want2);
    hw_store_close(s);
    cleanup();
}

/* A store of schema 5, whose intervals hold whole evidence: migrated, it
 * reads the same, and the next evaluation stores control evidence once. */
static void test_migrate_control_evidence(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run0, &e), HW_OK);
    hw_store_close(s);
    const char *old_ev = "{\"status\":\"PASSED\",\"controls\":[{\"control\":\"S3.1\",\"class\":"
                         "\"PASSED\"},{\"control\":\"EFS.1\",\"class\":\"PASSED\"}]}";
    char sql[8192];
    snprintf(sql, sizeof sql,
             HW_UNDO_13 HW_UNDO_12 HW_UNDO_11 HW_UNDO_10 HW_UNDO_9 HW_UNDO_8 HW_UNDO_6
             " INSERT INTO eval_runs(seq, run_id, at) VALUES (1, '%s', 1000);"
             " INSERT INTO eval_intervals(framework, requirement, account_id, status, digest,"
             "  evidence, from_seq) VALUES ('fw', 'partial', '%s', 'PASSED', 42, '%s', 1);"
             " PRAGMA user_version = 5;",
             run0, A, old_ev);
    exec_raw(sql);
    s = open_w();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_EQUAL(query_int("PRAGMA user_version"), hw_store_schema_version());
    struct got g[4] = { 0 };
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run0, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].status, "PASSED");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g[0].evidence);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, old_ev);
    got_free(g);
    char *cur = query_text("SELECT evidence FROM eval_intervals WHERE to_seq IS NULL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cur);
    CU_ASSERT_STRING_EQUAL(cur, old_ev);
    free(cur);
    /* the next evaluation changes it: closed, and the new one refers */
    char run1[64];
    setup_findings(s, run0);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, run1, 0, &sums, &n), HW_OK);
    free(sums);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_interval_rows WHERE digest = 42"
                              " AND to_seq IS NOT NULL AND controls IS NULL"),
                    1);
    char *want = expected_partial("PARTIAL");
    CU_ASSERT_PTR_NOT_NULL_FATAL(want);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run1, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, want);
    got_free(g);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run0, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, old_ev);
    got_free(g);
    /* the row itself is small; its whole evidence goes with it in a prune */
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_interval_rows WHERE evidence = ''"), 1);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_interval_evidence5"), 1);
    exec_raw("UPDATE eval_runs SET at = 1000 WHERE seq = 1");
    hw_prune_stats ps;
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_prune(s, 2000, &ps, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(ps.intervals, 1);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_interval_evidence5"), 0);
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL(hw_store_evaluations(s, run1, got_cb, g, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(g[0].evidence, want);
    got_free(g);
    free(want);
    hw_store_close(s);
    cleanup();
}

/* Times in evidence are hw_time_iso_ms()'s text, to the millisecond, on
 * a leap day, at the last millisecond of a day, and before 1970. */
static void test_evidence_times(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], r1[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    const int64_t t[] = { 1709251199999LL, 1709251200000LL, 1700000000123LL, -1500LL };
    const char *ctl[] = { "S3.1", "EC2.2", "EFS.1", "ACM.1" };
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    for (int i = 0; i < 4; i++) {
        char id[16];
        snprintf(id, sizeof id, "t-%d", i);
        g_last = t[i];
        put(s, run0, id, ctl[i], "PASSED", "NEW", "[\"r\"]", NULL);
    }
    g_last = 1700000100000LL;
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(evaluate(s, r1, 0, &sums, &n), HW_OK);
    free(sums);
    for (int i = 0; i < 4; i++) {
        char iso[32], sql[256];
        hw_time_iso_ms(t[i], iso);
        snprintf(sql, sizeof sql,
                 "SELECT count(*) FROM eval_control_evidence WHERE control_id = '%s'"
                 " AND instr(evidence, '\"last_observed\":\"%s\"') > 0",
                 ctl[i], iso);
        CU_ASSERT_EQUAL(query_int(sql), 1);
    }
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM eval_control_evidence WHERE control_id = 'S3.1'"
                              " AND instr(evidence, '\"last_observed\":\"2024-02-29T23:59:59.999Z\"')"),
                    1);
    hw_store_close(s);
    cleanup();
}

/* A requirement of 300 controls through the whole evaluation: the last
 * one failing fails it (the old code read the first 256). */
static void test_long_requirement(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    char run0[64], run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    enum { K = 300 };
    static char ids[K][16];
    const char *list[K];
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    for (int i = 0; i < K; i++) {
        snprintf(ids[i], sizeof ids[i], "X.%03d", i);
        list[i] = ids[i];
        char fid[32];
        snprintf(fid, sizeof fid, "f-%d", i);
        put(s, run0, fid, ids[i], i == K - 1 ? "FAILED" : "PASSED", "NEW", "[\"r\"]", NULL);
    }
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    hw_requirement_row r = { "fw", "long", "t", 0, list, K };
    hw_eval_opts o = { &r, 1, NULL, 0, 0 };
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_scan_evaluate(s, run, &o, &sums, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(sums[0].counts[HW_REQ_FAILED], 1);
    free(sums);
    hw_store_close(s);
    cleanup();
}

/* Length-prefixed hashing: text moved from one field to the next no
 * longer keeps the hash. */
static void test_audit_fields(void)
{
    fresh();
    hw_store *s = open_w();
    hw_err e;
    CU_ASSERT_EQUAL(hw_store_audit_append(s, "run-1", "alice", "x.y\nz", "{}", &e), HW_OK);
    int64_t bad = -1;
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    exec_raw("DROP TRIGGER audit_log_no_update;"
             "UPDATE audit_log SET actor = 'alice' || char(10) || 'x.y', event = 'z' WHERE seq = 1;");
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 1);
    hw_store_close(s);
    cleanup();
}

/* A store from before schema 5: its format-1 chain is kept, re-anchored by
 * one format-2 entry recording it, and verifies. */
static void test_audit_reanchor(void)
{
    fresh();
    hw_store *s = open_w();
    hw_store_close(s);
    /* back to schema 4 (before the intervals and plans) with two entries hashed the old way */
    char h1[65], h2[65], buf[512];
    const char *zero = "0000000000000000000000000000000000000000000000000000000000000000";
    int n = snprintf(buf, sizeof buf, "%s\n1\n2024-01-01T00:00:00Z\nr\nhubwarden\na\n{}", zero);
    hw_sha256_hex(buf, (size_t)n, h1);
    n = snprintf(buf, sizeof buf, "%s\n2\n2024-01-01T00:00:01Z\nr\nhubwarden\nb\n{}", h1);
    hw_sha256_hex(buf, (size_t)n, h2);
    char sql[8192];
    snprintf(sql, sizeof sql,
             HW_UNDO_13 HW_UNDO_12 HW_UNDO_11 HW_UNDO_10 HW_UNDO_9 HW_UNDO_8 HW_UNDO_6 HW_UNDO_5
             " INSERT INTO audit_log VALUES (1, '2024-01-01T00:00:00Z', 'r', 'hubwarden', 'a',"
             " '{}', '%s', '%s');"
             " INSERT INTO audit_log VALUES (2, '2024-01-01T00:00:01Z', 'r', 'hubwarden', 'b',"
             " '{}', '%s', '%s'); PRAGMA user_version = 4;",
             zero, h1, h1, h2);
    exec_raw(sql);
    s = open_w();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    hw_err e;
    int64_t bad = -1;
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(query_int("SELECT count(*) FROM audit_log WHERE seq = 3 AND format = 2"
                              " AND event = 'audit.reanchored' AND prev_hash = (SELECT hash FROM"
                              " audit_log WHERE seq = 2) AND detail LIKE '%\"entries\": 2%'"),
                    1);
    CU_ASSERT_EQUAL(hw_store_audit_append(s, NULL, "hubwarden", "c", "{}", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    /* an entry after the anchor passed off as format 1 does not verify */
    exec_raw("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET format = 1 WHERE seq = 4;");
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 4);
    hw_store_close(s);
    cleanup();
}

int test_eval_store_register(void)
{
    CU_pSuite s = CU_add_suite("eval_store", NULL, NULL);
    if (!s || !CU_add_test(s, "PARTIAL, SUPPRESSED, EXCEPTION, one resource once", test_statuses) ||
        !CU_add_test(s, "NOT_APPLICABLE needs the inventory", test_not_applicable) ||
        !CU_add_test(s, "history as intervals", test_intervals) ||
        !CU_add_test(s, "prune keeps the newest evaluation", test_prune) ||
        !CU_add_test(s, "a control's evidence stored once", test_control_evidence_once) ||
        !CU_add_test(s, "evidence times to the millisecond", test_evidence_times) ||
        !CU_add_test(s, "schema 5 intervals migrate", test_migrate_control_evidence) ||
        !CU_add_test(s, "what left stops being current", test_gone) ||
        !CU_add_test(s, "iterators fail loudly", test_iterators_fail_loudly) ||
        !CU_add_test(s, "a requirement of 300 controls", test_long_requirement) ||
        !CU_add_test(s, "audit hash is length-prefixed", test_audit_fields) ||
        !CU_add_test(s, "audit chain re-anchored by the migration", test_audit_reanchor))
        return -1;
    return 0;
}
