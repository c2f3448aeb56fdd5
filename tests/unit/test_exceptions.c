/*
 * test_exceptions.c - the store's risk acceptances (store/exceptions.c)
 * and the audit log's run anchors (store/audit.c): scopes and what each
 * covers, revocation, expiry logged once, the account's rows for
 * evaluation; a run's recorded head, a cut tail and a rewritten head.
 */
#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"
#include "store_undo.h"

static char dir[64], dbpath[128];

static hw_store *fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/hwexcXXXXXX");
    if (!mkdtemp(dir))
        return NULL;
    snprintf(dbpath, sizeof dbpath, "%s/hw.db", dir);
    hw_store *s = NULL;
    hw_err e;
    hw_err_clear(&e);
    if (hw_store_open(dbpath, HW_STORE_WRITE, 0, &s, &e) != HW_OK)
        return NULL;
    return s;
}

static void cleanup(hw_store *s)
{
    hw_store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static int64_t add(hw_store *s, const char *account, const char *control, const char *finding,
                   const char *resource, int64_t created, int64_t until)
{
    hw_exception_row x = { 0 };
    x.account = account;
    x.control = control;
    x.finding_id = finding;
    x.resource = resource;
    x.reason = "RISK-1";
    x.approver = "carol";
    x.created_at = created;
    x.expires_at = until;
    int64_t id = 0;
    hw_err e;
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_exception_add(s, &x, &id, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    return id;
}

static int64_t covering(hw_store *s, const char *account, const char *control,
                        const char *finding, const char *resource, int64_t now)
{
    int64_t id = -1;
    hw_err e;
    CU_ASSERT_EQUAL(hw_store_exception_covering(s, account, control, finding, resource, now, &id,
                                                &e),
                    HW_OK);
    return id;
}

static int active(hw_store *s, const char *account, const char *control, int64_t now)
{
    int a = -1;
    hw_err e;
    CU_ASSERT_EQUAL(hw_store_exception_active(s, account, control, now, &a, &e), HW_OK);
    return a;
}

static int count_cb(void *arg, const hw_exception_row *x)
{
    (void)x;
    (*(int *)arg)++;
    return 0;
}

static void test_scopes(void)
{
    hw_store *s = fresh();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    const int64_t t0 = 1800000000, day = 86400;
    const char *r1 = "arn:aws:ec2:us-east-1:111111111111:security-group/sg-1";
    int64_t a = add(s, "111111111111", "S3.8", NULL, NULL, t0, t0 + day);
    int64_t all = add(s, "*", "IAM.3", NULL, NULL, t0, t0 + day);
    int64_t f = add(s, "111111111111", "EC2.19", "finding-1", NULL, t0, t0 + day);
    int64_t r = add(s, "111111111111", "*", NULL, r1, t0, t0 + day);
    /* control scope: the account's, or every account's */
    CU_ASSERT_EQUAL(active(s, "111111111111", "S3.8", t0 + 1), 1);
    CU_ASSERT_EQUAL(active(s, "222222222222", "S3.8", t0 + 1), 0);
    CU_ASSERT_EQUAL(active(s, "222222222222", "IAM.3", t0 + 1), 1);
    /* a finding or resource exception never covers the whole control */
    CU_ASSERT_EQUAL(active(s, "111111111111", "EC2.19", t0 + 1), 0);
    CU_ASSERT_EQUAL(covering(s, "111111111111", "S3.8", "x", "y", t0 + 1), a);
    CU_ASSERT_EQUAL(covering(s, "333333333333", "IAM.3", "x", "y", t0 + 1), all);
    CU_ASSERT_EQUAL(covering(s, "111111111111", "EC2.19", "finding-1", "y", t0 + 1), f);
    CU_ASSERT_EQUAL(covering(s, "111111111111", "EC2.19", "finding-2", "y", t0 + 1), 0);
    CU_ASSERT_EQUAL(covering(s, "111111111111", "EC2.13", "finding-3", r1, t0 + 1), r);
    CU_ASSERT_EQUAL(covering(s, "222222222222", "EC2.13", "finding-3", r1, t0 + 1), 0);
    /* not before it was made, not once expired */
    CU_ASSERT_EQUAL(covering(s, "111111111111", "S3.8", "x", "y", t0 - 1), 0);
    CU_ASSERT_EQUAL(covering(s, "111111111111", "S3.8", "x", "y", t0 + day), 0);
    CU_ASSERT_EQUAL(active(s, "111111111111", "S3.8", t0 + day), 0);
    /* the account's rows for evaluation: expired ones too, others not */
    int n = 0;
    hw_err e;
    CU_ASSERT_EQUAL(hw_store_account_exception_rows(s, "111111111111", t0 + 2 * day, count_cb, &n,
                                                    &e),
                    HW_OK);
    CU_ASSERT_EQUAL(n, 4);
    n = 0;
    CU_ASSERT_EQUAL(hw_store_account_exception_rows(s, "222222222222", t0 + 1, count_cb, &n, &e),
                    HW_OK);
    CU_ASSERT_EQUAL(n, 1);
    cleanup(s);
}

static void test_revoke_expire(void)
{
    hw_store *s = fresh();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int64_t now = hw_now();
    int64_t a = add(s, "111111111111", "S3.8", NULL, NULL, now - 10, now + 3600);
    int64_t b = add(s, "111111111111", "S3.1", NULL, NULL, now - 10, now + 3600);
    hw_err e;
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_exception_revoke(s, a, "erin", "done", now, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_exception_revoke(s, a, "erin", "again", now, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "already revoked by erin"));
    CU_ASSERT_EQUAL(hw_store_exception_revoke(s, 99, "erin", "", now, &e), HW_ENOTFOUND);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(active(s, "111111111111", "S3.8", now), 0);
    CU_ASSERT_EQUAL(active(s, "111111111111", "S3.1", now), 1);
    /* b expires: logged once; the revoked one never */
    int n = -1;
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_exceptions_expire(s, now + 7200, NULL, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 1);
    CU_ASSERT_EQUAL(hw_store_exceptions_expire(s, now + 7200, NULL, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 0);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    (void)b;
    int64_t bad = -1;
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    cleanup(s);
}

static void exec_raw(const char *sql)
{
    sqlite3 *db;
    CU_ASSERT_EQUAL_FATAL(sqlite3_open(dbpath, &db), SQLITE_OK);
    CU_ASSERT_EQUAL(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_anchors(void)
{
    hw_store *s = fresh();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    hw_err e;
    hw_err_clear(&e);
    char run[64], head[65];
    int64_t seq = 0;
    for (int i = 0; i < 3; i++)
        CU_ASSERT_EQUAL(hw_store_audit_append(s, NULL, "t", "e", "{}", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, run, "ok", "{}", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_audit_append(s, run, "t", "scan.finished", "{}", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_anchor(s, run, &seq, head, &e), HW_OK);
    CU_ASSERT_EQUAL(seq, 4);
    CU_ASSERT_EQUAL(strlen(head), 64);
    CU_ASSERT_EQUAL(hw_store_audit_append(s, NULL, "t", "later", "{}", &e), HW_OK);
    hw_audit_check v;
    CU_ASSERT_EQUAL(hw_store_audit_check(s, &v, &e), HW_OK);
    CU_ASSERT_EQUAL(v.bad_seq, 0);
    CU_ASSERT_EQUAL(v.entries, 5);
    CU_ASSERT_EQUAL(v.anchors, 1);
    CU_ASSERT_EQUAL(v.head_seq, 5);
    hw_store_close(s);
    /* the tail cut from entry 4: the chain alone is intact */
    exec_raw("DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq >= 4");
    CU_ASSERT_EQUAL_FATAL(hw_store_open(dbpath, HW_STORE_READ, 0, &s, &e), HW_OK);
    int64_t bad = -1;
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    CU_ASSERT_EQUAL(hw_store_audit_check(s, &v, &e), HW_OK);
    CU_ASSERT_EQUAL(v.bad_seq, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(v.why, "entry 4 is missing"));
    CU_ASSERT_PTR_NOT_NULL(strstr(v.why, run));
    hw_store_close(s);
    /* an anchor whose entry holds another hash */
    exec_raw("INSERT INTO audit_log SELECT 4, at, run_id, actor, event, detail, prev_hash,"
             " 'ff', format FROM audit_log WHERE seq = 3");
    CU_ASSERT_EQUAL_FATAL(hw_store_open(dbpath, HW_STORE_READ, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_audit_check(s, &v, &e), HW_OK);
    CU_ASSERT_EQUAL(v.bad_seq, 4);
    cleanup(s);
}

/* Migration 8 on a schema-7 store keeps its exceptions (control scope). */
static void test_migrate_8(void)
{
    hw_store *s = fresh();
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    hw_store_close(s);
    exec_raw("BEGIN;" HW_UNDO_13 HW_UNDO_12 HW_UNDO_11 HW_UNDO_10 HW_UNDO_9 HW_UNDO_8 "INSERT INTO exceptions(account_id, control_id, reason, approver,"
             " created_at, expires_at) VALUES ('111111111111', 'S3.8', 'r', 'a', 1, 4000000000);"
             "PRAGMA user_version = 7; COMMIT;");
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_open(dbpath, HW_STORE_WRITE, 0, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(active(s, "111111111111", "S3.8", 2), 1);
    CU_ASSERT_EQUAL(covering(s, "111111111111", "S3.8", "f", "r", 2), 1);
    int n = 0;
    CU_ASSERT_EQUAL(hw_store_exceptions(s, count_cb, &n, &e), HW_OK);
    CU_ASSERT_EQUAL(n, 1);
    cleanup(s);
}

int test_exceptions_register(void)
{
    CU_pSuite s = CU_add_suite("exceptions and audit anchors", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "control, account-wide, finding and resource scopes", test_scopes) ||
        !CU_add_test(s, "revoked stops counting; expiry logged once", test_revoke_expire) ||
        !CU_add_test(s, "run anchors find a cut tail and a changed head", test_anchors) ||
        !CU_add_test(s, "migration 8 keeps existing exceptions", test_migrate_8))
        return -1;
    return 0;
}
