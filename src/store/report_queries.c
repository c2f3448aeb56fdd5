/*
 * report_queries.c - what `hubwarden report` reads from the store: the run
 * a report is made of, its evaluations, the trend over earlier runs,
 * exceptions, remediation actions with their approvals, the findings of
 * the bundle and the audit log's head.
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

static const char *ncol(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

int hw_store_report_run(hw_store *s, const char *before, hw_report_run *out, hw_err *e)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.id, r.kind, r.started_at, coalesce(r.finished_at, ''), r.status"
                           " FROM runs r WHERE r.status IN ('ok','partial')"
                           " AND (?1 IS NULL OR r.started_at <= ?1)"
                           " AND EXISTS (SELECT 1 FROM evaluations v WHERE v.run_id = r.id)"
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
                          int (*cb)(void *arg, const hw_trend_row *t), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.id, r.started_at, v.status, count(*) FROM runs r"
                           " JOIN evaluations v ON v.run_id = r.id"
                           " WHERE v.framework = ?1 AND r.status IN ('ok','partial')"
                           " AND (?2 IS NULL OR r.started_at >= ?2)"
                           " AND (?3 IS NULL OR r.started_at <= ?3)"
                           " GROUP BY r.id, v.status ORDER BY r.started_at, r.id, v.status",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the trend");
    sqlite3_bind_text(st, 1, framework, -1, SQLITE_STATIC);
    if (from)
        sqlite3_bind_text(st, 2, from, -1, SQLITE_STATIC);
    if (to)
        sqlite3_bind_text(st, 3, to, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_trend_row t = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
                           sqlite3_column_int64(st, 3) };
        if (cb(arg, &t))
            break;
    }
    return step_done(s, st, r, "reading the trend", e);
}

int hw_store_report_evaluations(hw_store *s, const char *run_id, const char *framework,
                                const char *requirement,
                                int (*cb)(void *arg, const hw_evaluation_row *r), void *arg,
                                hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT run_id, framework, requirement, account_id, status, evidence"
                           " FROM evaluations WHERE run_id = ?1 AND framework = ?2"
                           " AND (?3 IS NULL OR requirement = ?3)"
                           " ORDER BY requirement, account_id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading evaluations");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, framework, -1, SQLITE_STATIC);
    if (requirement)
        sqlite3_bind_text(st, 3, requirement, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_evaluation_row row = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
                                  store_col(st, 3), store_col(st, 4), store_col(st, 5) };
        if (cb(arg, &row))
            break;
    }
    return step_done(s, st, r, "reading evaluations", e);
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
        hw_report_action_row a = { store_col(st, 0), ncol(st, 1), store_col(st, 2), ncol(st, 3),
                            ncol(st, 4), ncol(st, 5), store_col(st, 6), store_col(st, 7),
                            sqlite3_column_int(st, 8), store_col(st, 9), store_col(st, 10),
                            ncol(st, 11), ncol(st, 12), ncol(st, 13), ncol(st, 14),
                            ncol(st, 15) };
        if (cb(arg, &a))
            break;
    }
    return step_done(s, st, r, "reading remediation actions", e);
}

int hw_store_report_findings(hw_store *s, const char *framework, int which,
                             int (*cb)(void *arg, const hw_finding_row *f), void *arg, hw_err *e)
{
    hw_buf sql = HW_BUF_INIT(0);
    hw_buf_puts(&sql,
                "SELECT f.id, p.arn, p.name, f.account_id, f.region, f.control_id, f.severity,"
                " f.compliance_status, f.workflow_status, f.record_state, f.resource_type,"
                " f.resources, f.first_observed, f.last_observed, f.created_at, f.updated_at,"
                " f.trusted, f.untrusted_reason FROM findings f JOIN products p"
                " ON p.id = f.product_id WHERE f.record_state = 'ACTIVE'");
    if (which == HW_REPORT_FINDINGS_UNTRUSTED)
        hw_buf_puts(&sql, " AND f.trusted = 0");
    else if (framework)
        hw_buf_puts(&sql, " AND f.control_id IN (SELECT control_id FROM requirement_controls"
                          " WHERE framework = ?1)");
    if (which == HW_REPORT_FINDINGS_SUPPRESSED)
        hw_buf_puts(&sql, " AND f.workflow_status = 'SUPPRESSED'");
    hw_buf_puts(&sql, " ORDER BY f.rowid");
    sqlite3_stmt *st = NULL;
    int prc = sqlite3_prepare_v2(s->db, hw_buf_str(&sql), -1, &st, NULL);
    hw_buf_free(&sql);
    if (prc != SQLITE_OK)
        return store_fail(s, e, "reading findings");
    if (framework && which != HW_REPORT_FINDINGS_UNTRUSTED)
        sqlite3_bind_text(st, 1, framework, -1, SQLITE_STATIC);
    int r;
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
        if (cb(arg, &f))
            break;
    }
    return step_done(s, st, r, "reading findings", e);
}

int hw_store_report_regions(hw_store *s, int (*cb)(void *arg, const char *account,
                                                   const char *region, int64_t findings),
                            void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT account_id, region, count(*) FROM findings"
                           " WHERE record_state = 'ACTIVE' GROUP BY account_id, region"
                           " ORDER BY account_id, region",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading regions");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if (cb(arg, store_col(st, 0), store_col(st, 1), sqlite3_column_int64(st, 2)))
            break;
    return step_done(s, st, r, "reading regions", e);
}

