/*
 * exceptions.c - risk acceptances (exceptions): recording, revoking,
 * listing, logging their expiry, and finding the one that covers a
 * finding.
 *
 * Three scopes share one table (store.h, hw_exception_row): a control in
 * an account (or every account, "*"), one finding by its Id, one resource
 * by its ARN.  Evaluation reads the control scope through
 * hw_store_account_exceptions() and the others through
 * hw_store_account_exception_rows(); planning asks
 * hw_store_exception_covering().  Every change goes into the audit log in
 * the same transaction: an exception, a revocation, an expiry.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

#include <cJSON.h>

#define EXC_COLS                                                                          \
    "id, account_id, control_id, finding_id, resource, reason, approver, created_at,"     \
    " expires_at, revoked, revoked_at, revoked_by"

const char *hw_exception_scope(const hw_exception_row *x)
{
    return x->finding_id ? "finding" : x->resource ? "resource" : "control";
}

const char *hw_exception_state(const hw_exception_row *x, int64_t now)
{
    if (x->revoked)
        return "revoked";
    if (x->expires_at <= now)
        return "expired";
    return x->created_at > now ? "future" : "active";
}

/* A callback that stopped a walk: its own message when it set one. */
static int cb_fail(hw_store *s, hw_err *e, int cr)
{
    return e->kind != HW_OK && e->kind == cr ? cr : store_cb_fail(s, e, "reading exceptions", cr);
}

static void row_of(sqlite3_stmt *st, hw_exception_row *x)
{
    memset(x, 0, sizeof *x);
    x->id = sqlite3_column_int64(st, 0);
    x->account = store_col(st, 1);
    x->control = store_col(st, 2);
    x->finding_id = (const char *)sqlite3_column_text(st, 3);
    x->resource = (const char *)sqlite3_column_text(st, 4);
    x->reason = store_col(st, 5);
    x->approver = store_col(st, 6);
    x->created_at = sqlite3_column_int64(st, 7);
    x->expires_at = sqlite3_column_int64(st, 8);
    x->revoked = sqlite3_column_int(st, 9) != 0;
    x->revoked_at = sqlite3_column_int64(st, 10);
    x->revoked_by = (const char *)sqlite3_column_text(st, 11);
}

/* The audit detail of an exception (malloc'd), or NULL when out of memory. */
static char *detail_of(const hw_exception_row *x, const char *extra_key, const char *extra)
{
    cJSON *d = cJSON_CreateObject();
    char t[32];
    cJSON_AddNumberToObject(d, "exception", (double)x->id);
    cJSON_AddStringToObject(d, "scope", hw_exception_scope(x));
    cJSON_AddStringToObject(d, "account", x->account);
    cJSON_AddStringToObject(d, "control", x->control);
    if (x->finding_id)
        cJSON_AddStringToObject(d, "finding", x->finding_id);
    if (x->resource)
        cJSON_AddStringToObject(d, "resource", x->resource);
    cJSON_AddStringToObject(d, "by", x->approver);
    cJSON_AddStringToObject(d, "reason", x->reason);
    hw_time_iso(x->expires_at, t);
    cJSON_AddStringToObject(d, "until", t);
    if (extra_key)
        cJSON_AddStringToObject(d, extra_key, extra ? extra : "");
    char *s = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return s;
}

static int audit(hw_store *s, const char *run_id, const char *actor, const char *event,
                 const hw_exception_row *x, const char *extra_key, const char *extra, hw_err *e)
{
    char *d = detail_of(x, extra_key, extra);
    if (!d)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = hw_store_audit_append(s, run_id, actor, event, d, e);
    free(d);
    return rc;
}

int hw_store_exception_add(hw_store *s, const hw_exception_row *x, int64_t *id, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO exceptions(account_id, control_id, finding_id, resource,"
                           " reason, approver, created_at, expires_at) VALUES (?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording an exception");
    sqlite3_bind_text(st, 1, x->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, x->control, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, x->finding_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, x->resource, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, x->reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, x->approver, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, x->created_at);
    sqlite3_bind_int64(st, 8, x->expires_at);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(s, e, "recording an exception");
    hw_exception_row c = *x;
    c.id = *id = sqlite3_last_insert_rowid(s->db);
    return audit(s, NULL, x->approver, "exception.create", &c, NULL, NULL, e);
}

/* One exception by id: *found, and cb on it. */
static int get_one(hw_store *s, int64_t id, int (*cb)(void *, const hw_exception_row *), void *arg,
                   int *found, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    *found = 0;
    if (sqlite3_prepare_v2(s->db, "SELECT " EXC_COLS " FROM exceptions WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    sqlite3_bind_int64(st, 1, id);
    int r = sqlite3_step(st), rc = HW_OK;
    if (r == SQLITE_ROW) {
        hw_exception_row x;
        row_of(st, &x);
        *found = 1;
        int cr = cb(arg, &x);
        if (cr)
            rc = cb_fail(s, e, cr);
    } else if (r != SQLITE_DONE) {
        rc = store_fail(s, e, "reading exceptions");
    }
    sqlite3_finalize(st);
    return rc;
}

struct revoke {
    hw_store *s;
    const char *by, *reason;
    int64_t now;
    hw_err *e;
};

static int revoke_cb(void *arg, const hw_exception_row *x)
{
    struct revoke *v = arg;
    if (x->revoked)
        return hw_err_set(v->e, HW_EINVAL, "exception %lld: already revoked by %s",
                          (long long)x->id, x->revoked_by ? x->revoked_by : "someone");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(v->s->db,
                           "UPDATE exceptions SET revoked = 1, revoked_at = ?, revoked_by = ?"
                           " WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(v->s, v->e, "revoking an exception");
    sqlite3_bind_int64(st, 1, v->now);
    sqlite3_bind_text(st, 2, v->by, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, x->id);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(v->s, v->e, "revoking an exception");
    return audit(v->s, NULL, v->by, "exception.revoke", x, "revoke_reason", v->reason, v->e);
}

int hw_store_exception_revoke(hw_store *s, int64_t id, const char *by, const char *reason,
                              int64_t now, hw_err *e)
{
    struct revoke v = { s, by, reason, now, e };
    int found;
    int rc = get_one(s, id, revoke_cb, &v, &found, e);
    if (rc == HW_OK && !found)
        rc = hw_err_set(e, HW_ENOTFOUND, "no exception %lld", (long long)id);
    return rc;
}

static int each(hw_store *s, sqlite3_stmt *st, int (*cb)(void *, const hw_exception_row *),
                void *arg, hw_err *e)
{
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_exception_row x;
        row_of(st, &x);
        int cr = cb(arg, &x);
        if (cr) {
            rc = cb_fail(s, e, cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading exceptions");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_exceptions(hw_store *s, int (*cb)(void *arg, const hw_exception_row *x), void *arg,
                        hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT " EXC_COLS " FROM exceptions ORDER BY id", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    return each(s, st, cb, arg, e);
}

int hw_store_account_exception_rows(hw_store *s, const char *account, int64_t now,
                                    int (*cb)(void *arg, const hw_exception_row *x), void *arg,
                                    hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " EXC_COLS " FROM exceptions WHERE account_id IN (?, '*')"
                           " AND revoked = 0 AND created_at <= ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, now);
    return each(s, st, cb, arg, e);
}

struct expire {
    hw_store *s;
    const char *run_id;
    int n;
    hw_err *e;
};

static int expire_cb(void *arg, const hw_exception_row *x)
{
    struct expire *v = arg;
    char at[32];
    hw_time_iso(x->expires_at, at);
    int rc = audit(v->s, v->run_id, "hubwarden", "exception.expired", x, "expired_at", at, v->e);
    if (rc != HW_OK)
        return rc;
    v->n++;
    return 0;
}

int hw_store_exceptions_expire(hw_store *s, int64_t now, const char *run_id, int *n, hw_err *e)
{
    struct expire v = { s, run_id, 0, e };
    *n = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT " EXC_COLS " FROM exceptions WHERE revoked = 0"
                           " AND expiry_logged = 0 AND expires_at <= ? ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    sqlite3_bind_int64(st, 1, now);
    int rc = each(s, st, expire_cb, &v, e);
    if (rc == HW_OK && v.n) {
        char sql[128];
        snprintf(sql, sizeof sql,
                 "UPDATE exceptions SET expiry_logged = 1 WHERE revoked = 0"
                 " AND expiry_logged = 0 AND expires_at <= %lld",
                 (long long)now);
        rc = store_exec(s, sql, e);
    }
    *n = v.n;
    return rc;
}

int hw_store_exception_covering(hw_store *s, const char *account, const char *control,
                                const char *finding_id, const char *resource, int64_t now,
                                int64_t *id, hw_err *e)
{
    *id = 0;
    sqlite3_stmt **sp = &s->st[ST_EXC_COVERING];
    if (store_prepare(s, sp,
                      "SELECT id FROM exceptions WHERE account_id IN (?1, '*') AND revoked = 0"
                      " AND created_at <= ?5 AND expires_at > ?5 AND ("
                      " (finding_id IS NULL AND resource IS NULL AND control_id = ?2)"
                      " OR finding_id = ?3 OR resource = ?4) ORDER BY id LIMIT 1",
                      e) != HW_OK)
        return e->kind;
    sqlite3_stmt *st = *sp;
    sqlite3_bind_text(st, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, control, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, finding_id ? finding_id : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, resource ? resource : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 5, now);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading exceptions");
    return HW_OK;
}
