/*
 * report_queries.c - what `hubwarden report` reads from the store: the run
 * a report is made of, its evaluations, the trend over earlier runs,
 * exceptions, remediation actions with their approvals and the findings.
 *
 * Read-only, streamed through callbacks so that a report of a million
 * findings never holds them all.  Statuses are passed through as the
 * store holds them (the report module does not keep a closed list), so a
 * status added to the evaluations table appears in reports unchanged.
 */
#include "store/store_int.h"

#include <string.h>

static int step_done(hw_store *s, sqlite3_stmt *st, int r, const char *what, hw_err *e)
{
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK : store_fail(s, e, what);
    sqlite3_finalize(st);
    return rc;
}

int hw_store_report_snapshot(hw_store *s, int begin, hw_err *e)
{
    if (begin) {
        if (s->in_tx)
            return hw_err_set(e, HW_EINTERNAL, "store: nested transaction");
        if (store_exec(s, "BEGIN", e) != HW_OK)
            return e->kind;
        s->in_tx = 1;
        return HW_OK;
    }
    if (!s->in_tx)
        return HW_OK;
    s->in_tx = 0;
    return store_exec(s, "COMMIT", e);
}

int hw_store_report_run(hw_store *s, const char *before, hw_report_run *out, hw_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.id, r.kind, r.started_at, coalesce(r.finished_at, ''), r.status"
                           " FROM runs r WHERE r.status IN ('ok','partial')"
                           " AND (?1 IS NULL OR r.started_at <= ?1)"
                           /* the tables behind the evaluations view, read
                            * directly: through the view this check
                            * reassembled every evidence of the run */
                           " AND (EXISTS (SELECT 1 FROM eval_runs er WHERE er.run_id = r.id"
                           "   AND er.pruned = 0 AND EXISTS (SELECT 1 FROM eval_interval_rows i"
                           "   WHERE i.from_seq <= er.seq AND (i.to_seq IS NULL OR i.to_seq > er.seq)))"
                           "  OR EXISTS (SELECT 1 FROM evaluations_legacy l WHERE l.run_id = r.id))"
                           " ORDER BY r.started_at DESC, r.rowid DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading runs");
    if (before)
        sqlite3_bind_text(st, 1, before, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        snprintf(out->id, sizeof out->id, "%s", store_col(st, 0));
        snprintf(out->kind, sizeof out->kind, "%s", store_col(st, 1));
        snprintf(out->started_at, sizeof out->started_at, "%s", store_col(st, 2));
        snprintf(out->finished_at, sizeof out->finished_at, "%s", store_col(st, 3));
        snprintf(out->status, sizeof out->status, "%s", store_col(st, 4));
    }
    int rc = step_done(s, st, r, "reading runs", e);
    if (rc == HW_OK && r != SQLITE_ROW)
        return hw_err_set(e, HW_ENOTFOUND, "no completed scan with evaluations in the store%s%s",
                          before ? " before " : "", before ? before : "");
    return rc;
}

int hw_store_report_trend(hw_store *s, const char *framework, const char *from, const char *to,
                          int by_account, int (*cb)(void *arg, const hw_trend_row *t), void *arg,
                          hw_err *e)
{
    /* Each interval counts for every run in [from_seq, to_seq): the
     * intervals are the outer loop (CROSS JOIN keeps them there) and the
     * runs a range of eval_runs' rowid, so no evidence is read and no run
     * scans every interval. */
    sqlite3_stmt *st = NULL;
    char sql[2048];
    const char *acct = by_account ? "account_id" : "NULL";
    snprintf(sql, sizeof sql,
             "SELECT run_id, started_at, status, acct, sum(n) FROM ("
             " SELECT ru.id AS run_id, ru.started_at AS started_at, i.status AS status,"
             "  %s AS acct, count(*) AS n"
             "  FROM eval_interval_rows i CROSS JOIN eval_runs r"
             "  ON r.seq >= i.from_seq AND r.seq < coalesce(i.to_seq, 9223372036854775807)"
             "  JOIN runs ru ON ru.id = r.run_id"
             "  WHERE i.framework = ?1 AND r.pruned = 0 AND ru.status IN ('ok','partial')"
             "  AND (?2 IS NULL OR ru.started_at >= ?2) AND (?3 IS NULL OR ru.started_at <= ?3)"
             "  GROUP BY r.seq, acct, i.status"
             " UNION ALL"
             " SELECT ru.id, ru.started_at, v.status, %s, count(*)"
             "  FROM evaluations_legacy v JOIN runs ru ON ru.id = v.run_id"
             "  WHERE v.framework = ?1 AND ru.status IN ('ok','partial')"
             "  AND (?2 IS NULL OR ru.started_at >= ?2) AND (?3 IS NULL OR ru.started_at <= ?3)"
             "  GROUP BY ru.id, %s, v.status)"
             " GROUP BY run_id, acct, status ORDER BY started_at, run_id, acct, status",
             acct, by_account ? "v.account_id" : "NULL", by_account ? "v.account_id" : "NULL");
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the trend");
    sqlite3_bind_text(st, 1, framework, -1, SQLITE_STATIC);
    if (from)
        sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
    if (to)
        sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_trend_row t = { store_col(st, 0), store_col(st, 1), store_col(st, 2), store_col_null(st, 3),
                           sqlite3_column_int64(st, 4) };
        int cr = cb(arg, &t);
        if (cr) {
            rc = store_cb_fail(s, e, "reading the trend", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading the trend");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_report_results(hw_store *s, const char *run_id, const char *framework,
                            int (*cb)(void *arg, const hw_report_result *r), void *arg, hw_err *e)
{
    /* no evidence here: it is read per result (hw_store_report_result_evidence) */
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT i.requirement, i.account_id, i.status, i.id, i.controls"
                           " FROM eval_runs r JOIN eval_interval_rows i"
                           " ON i.from_seq <= r.seq AND (i.to_seq IS NULL OR i.to_seq > r.seq)"
                           " WHERE r.run_id = ?1 AND r.pruned = 0 AND i.framework = ?2"
                           " UNION ALL SELECT requirement, account_id, status, -rowid, NULL"
                           " FROM evaluations_legacy WHERE run_id = ?1 AND framework = ?2",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading evaluations");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, framework, -1, SQLITE_STATIC);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_report_result row = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
                                 sqlite3_column_int64(st, 3), store_col_null(st, 4) };
        int cr = cb(arg, &row);
        if (cr) {
            rc = store_cb_fail(s, e, "reading evaluations", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading evaluations");
    sqlite3_finalize(st);
    return rc;
}

static char *dup_col(sqlite3_stmt *st, int i)
{
    const char *v = (const char *)sqlite3_column_text(st, i);
    return v ? strdup(v) : NULL;
}

int hw_store_report_result_evidence(hw_store *s, int64_t ref, char **evidence, char **controls,
                                    hw_err *e)
{
    *evidence = *controls = NULL;
    sqlite3_stmt **st = &s->st[ref >= 0 ? ST_REP_RESULT : ST_REP_LEGACY];
    const char *sql =
        ref >= 0 ? "SELECT CASE WHEN i.evidence = '' THEN (SELECT v.evidence FROM"
                   " eval_interval_evidence5 v WHERE v.id = i.id) ELSE i.evidence END, i.controls"
                   " FROM eval_interval_rows i WHERE i.id = ?"
                 : "SELECT evidence, NULL FROM evaluations_legacy WHERE rowid = ?";
    if (store_prepare(s, st, sql, e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*st, 1, ref >= 0 ? ref : -ref);
    int r = sqlite3_step(*st);
    if (r == SQLITE_ROW) {
        *evidence = dup_col(*st, 0);
        *controls = dup_col(*st, 1);
        if (!*evidence && !(*evidence = strdup("{}"))) {
            free(*controls);
            *controls = NULL;
            sqlite3_reset(*st);
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        }
    }
    int rc = r == SQLITE_ROW   ? HW_OK
             : r == SQLITE_DONE ? hw_err_set(e, HW_ENOTFOUND, "%s: evaluation %lld is gone",
                                             s->path, (long long)ref)
                                : store_fail(s, e, "reading an evaluation");
    sqlite3_reset(*st);
    return rc;
}

int hw_store_report_control_evidence(hw_store *s, int64_t id, char **evidence, hw_err *e)
{
    *evidence = NULL;
    sqlite3_stmt **st = &s->st[ST_REP_CE];
    if (store_prepare(s, st, "SELECT evidence FROM eval_control_evidence WHERE id = ?", e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*st, 1, id);
    int r = sqlite3_step(*st);
    if (r == SQLITE_ROW)
        *evidence = dup_col(*st, 0);
    int rc = r == SQLITE_ROW ? (*evidence ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory"))
             : r == SQLITE_DONE ? hw_err_set(e, HW_ENOTFOUND, "%s: control evidence %lld is gone",
                                             s->path, (long long)id)
                                : store_fail(s, e, "reading control evidence");
    sqlite3_reset(*st);
    return rc;
}

int hw_store_report_exceptions(hw_store *s, int (*cb)(void *arg, const hw_report_exception_row *x),
                               void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, account_id, control_id, reason, approver, created_at,"
                           " expires_at, revoked FROM exceptions ORDER BY account_id, control_id, id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_report_exception_row x = { sqlite3_column_int64(st, 0), store_col(st, 1), store_col(st, 2),
                               store_col(st, 3), store_col(st, 4), sqlite3_column_int64(st, 5),
                               sqlite3_column_int64(st, 6), sqlite3_column_int(st, 7) };
        if (cb(arg, &x))
            break;
    }
    return step_done(s, st, r, "reading exceptions", e);
}

int hw_store_report_actions(hw_store *s, const char *from, const char *to,
                            int (*cb)(void *arg, const hw_report_action_row *a), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT a.id, a.run_id, a.account_id, a.region, a.control_id, a.playbook, a.action,"
            " a.resource, a.destructive, a.state, a.planned_at, a.executed_at, a.before_state,"
            " a.after_state, a.error,"
            " (SELECT group_concat(decision || ' by ' || approver || ' ('"
            "   || coalesce(caller_arn, 'unverified') || ') at ' || approved_at, '; ') FROM"
            "   (SELECT approver, approved_at, decision, caller_arn FROM approvals p"
            "    WHERE p.action_id = a.id ORDER BY approved_at, approver))"
            " FROM actions a WHERE (?1 IS NULL OR a.planned_at >= ?1)"
            " AND (?2 IS NULL OR a.planned_at <= ?2) ORDER BY a.planned_at, a.id",
            -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading remediation actions");
    if (from)
        sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
    if (to)
        sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_report_action_row a = { store_col(st, 0), store_col_null(st, 1), store_col(st, 2), store_col_null(st, 3),
                            store_col_null(st, 4), store_col_null(st, 5), store_col(st, 6), store_col(st, 7),
                            sqlite3_column_int(st, 8), store_col(st, 9), store_col(st, 10),
                            store_col_null(st, 11), store_col_null(st, 12), store_col_null(st, 13), store_col_null(st, 14),
                            store_col_null(st, 15) };
        if (cb(arg, &a))
            break;
    }
    return step_done(s, st, r, "reading remediation actions", e);
}

int hw_store_report_findings(hw_store *s, int (*cb)(void *arg, const hw_finding_row *f), void *arg,
                             hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT f.id, p.arn, p.name, f.account_id, f.region, f.control_id,"
                           " f.severity, f.compliance_status, f.workflow_status, f.record_state,"
                           " f.resource_type, f.resources, f.first_observed, f.last_observed,"
                           " f.created_at, f.updated_at, f.trusted, f.untrusted_reason, f.title"
                           " FROM findings f JOIN products p ON p.id = f.product_id"
                           " WHERE f.record_state = 'ACTIVE' ORDER BY f.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading findings");
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_finding_row f = { 0 };
        f.id = store_col(st, 0);
        f.product_arn = store_col(st, 1);
        f.product = store_col(st, 2);
        f.account_id = store_col(st, 3);
        f.region = store_col(st, 4);
        f.control_id = store_col(st, 5);
        f.severity = store_col(st, 6);
        f.compliance_status = store_col(st, 7);
        f.workflow_status = store_col(st, 8);
        f.record_state = store_col(st, 9);
        f.resource_type = store_col(st, 10);
        f.resources = store_col(st, 11);
        f.first_observed = sqlite3_column_int64(st, 12);
        f.last_observed = sqlite3_column_int64(st, 13);
        f.created_at = sqlite3_column_int64(st, 14);
        f.updated_at = sqlite3_column_int64(st, 15);
        f.trusted = sqlite3_column_int(st, 16);
        f.untrusted_reason = store_col(st, 17);
        f.title = store_col_null(st, 18);
        int cr = cb(arg, &f);
        if (cr) {
            rc = store_cb_fail(s, e, "reading findings", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading findings");
    sqlite3_finalize(st);
    return rc;
}
