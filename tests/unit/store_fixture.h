/*
 * store_fixture.h - a fresh evidence store for a test, and raw sqlite
 * access to it beside the store's own API (the suites that test the store
 * and what is built on it).  fresh() makes a folder and dbpath in it,
 * cleanup() removes it; open_w() opens the store for writing;
 * exec_raw() and query_int() go around the store, as an older hubwarden or
 * an attacker would.  Each suite uses what it needs.
 */
#ifndef HW_TEST_STORE_FIXTURE_H
#define HW_TEST_STORE_FIXTURE_H

#include <CUnit/CUnit.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

#define HW_FIXTURE_UNUSED __attribute__((unused))

static char dir[64];
static char dbpath[128];

static HW_FIXTURE_UNUSED void fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/hwstoreXXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(dbpath, sizeof dbpath, "%s/hw.db", dir);
}

static HW_FIXTURE_UNUSED void cleanup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static HW_FIXTURE_UNUSED hw_store *open_w(void)
{
    hw_store *s = NULL;
    hw_err e;
    int rc = hw_store_open(dbpath, HW_STORE_WRITE, 1000, &s, &e);
    if (rc != HW_OK)
        fprintf(stderr, "\nopen: %s\n", e.msg);
    CU_ASSERT_EQUAL(rc, HW_OK);
    return s;
}

static HW_FIXTURE_UNUSED void exec_raw(const char *sql)
{
    sqlite3 *db;
    sqlite3_open(dbpath, &db);
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fprintf(stderr, "\nexec_raw: %s\n", msg);
        CU_FAIL("exec_raw");
    }
    sqlite3_free(msg);
    sqlite3_close(db);
}

/* The first column of the first row of sql (a query or a PRAGMA); -1 when
 * there is none. */
static HW_FIXTURE_UNUSED long long query_int(const char *sql)
{
    sqlite3 *db;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    sqlite3_open(dbpath, &db);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

#endif
