/*
 * results.c - the catalogue tables, per-control counts for evaluation,
 * evaluation results and exceptions.
 */
#include "store/store_int.h"

#include <string.h>

int hw_store_catalog_sync(hw_store *s, const hw_control_row *controls, size_t ncontrols,
                          const hw_requirement_row *reqs, size_t nreqs, hw_err *e)
{
    int own_tx = !s->in_tx;
    if (own_tx && hw_store_begin(s, e) != HW_OK)
        return e->kind;
    sqlite3_stmt *c = NULL, *r = NULL, *m = NULL;
    int rc = store_exec(s, "DELETE FROM requirement_controls; DELETE FROM requirements;"
                           " DELETE FROM controls;", e);
    if (rc != HW_OK)
        goto out;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO controls(id, title, severity, resource_type, remediation)"
                           " VALUES (?, ?, ?, ?, ?)", -1, &c, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO requirements(framework, id, title, manual) VALUES (?, ?, ?, ?)",
                           -1, &r, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO requirement_controls(framework, requirement,"
                           " control_id) VALUES (?, ?, ?)", -1, &m, NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "saving the catalogue");
        goto out;
    }
    for (size_t i = 0; i < ncontrols && rc == HW_OK; i++) {
        sqlite3_reset(c);
        sqlite3_bind_text(c, 1, controls[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(c, 2, controls[i].title, -1, SQLITE_STATIC);
        sqlite3_bind_text(c, 3, controls[i].severity, -1, SQLITE_STATIC);
        sqlite3_bind_text(c, 4, controls[i].resource_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(c, 5, controls[i].remediation, -1, SQLITE_STATIC);
        if (sqlite3_step(c) != SQLITE_DONE)
            rc = store_fail(s, e, "saving a control");
    }
    for (size_t i = 0; i < nreqs && rc == HW_OK; i++) {
        sqlite3_reset(r);
        sqlite3_bind_text(r, 1, reqs[i].framework, -1, SQLITE_STATIC);
        sqlite3_bind_text(r, 2, reqs[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(r, 3, reqs[i].title, -1, SQLITE_STATIC);
        sqlite3_bind_int(r, 4, reqs[i].manual);
        if (sqlite3_step(r) != SQLITE_DONE) {
            rc = store_fail(s, e, "saving a requirement");
            break;
        }
        for (size_t j = 0; j < reqs[i].ncontrols; j++) {
            sqlite3_reset(m);
            sqlite3_bind_text(m, 1, reqs[i].framework, -1, SQLITE_STATIC);
            sqlite3_bind_text(m, 2, reqs[i].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(m, 3, reqs[i].controls[j], -1, SQLITE_STATIC);
            if (sqlite3_step(m) != SQLITE_DONE) {
                rc = store_fail(s, e, "saving a requirement's control");
                break;
            }
        }
    }
out:
    sqlite3_finalize(c);
    sqlite3_finalize(r);
    sqlite3_finalize(m);
    if (own_tx) {
        if (rc == HW_OK)
            rc = hw_store_commit(s, e);
        else
            hw_store_rollback(s);
    }
    return rc;
}

int hw_store_control_counts(hw_store *s, int (*cb)(void *arg, const hw_control_count *c),
                            void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db,
            "WITH c AS (SELECT f.account_id AS a, f.control_id AS k,"
            "  sum(f.compliance_status = 'PASSED') AS np,"
            "  sum(f.compliance_status IN ('FAILED', 'WARNING')"
            "      AND f.workflow_status != 'SUPPRESSED') AS nf,"
            "  sum(f.compliance_status = 'NOT_AVAILABLE') AS nn"
            "  FROM findings f JOIN products p ON p.id = f.product_id"
            "  WHERE p.name = 'securityhub' AND f.trusted = 1 AND f.record_state = 'ACTIVE'"
            "  AND f.control_id != '' GROUP BY f.account_id, f.control_id),"
            " d AS (SELECT account_id AS a, control_id AS k, group_concat(region, ' ') AS r"
            "  FROM (SELECT * FROM disabled_controls ORDER BY account_id, control_id, region)"
            "  GROUP BY account_id, control_id)"
            " SELECT c.a, c.k, c.np, c.nf, c.nn, 1, d.r FROM c LEFT JOIN d ON d.a = c.a AND d.k = c.k"
            " UNION ALL"
            " SELECT d.a, d.k, 0, 0, 0, 0, d.r FROM d"
            "  WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.a = d.a AND c.k = d.k)"
            " ORDER BY 1, 2",
            -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "counting control findings");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_control_count c = { store_col(st, 0), store_col(st, 1),
                               (unsigned)sqlite3_column_int(st, 2),
                               (unsigned)sqlite3_column_int(st, 3),
                               (unsigned)sqlite3_column_int(st, 4),
                               sqlite3_column_int(st, 5),
                               (const char *)sqlite3_column_text(st, 6) };
        if (cb(arg, &c))
            break;
    }
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK
                                                   : store_fail(s, e, "counting control findings");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_control_check(hw_store *s, const char *account, const char *region,
                           const char *const *disabled, size_t ndisabled, const char *run_id,
                           hw_err *e)
{
    sqlite3_stmt *st = NULL;
    int rc = HW_OK;
    if (sqlite3_prepare_v2(s->db,
                           "DELETE FROM disabled_controls WHERE account_id = ? AND region = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording disabled controls");
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = store_fail(s, e, "recording disabled controls");
    sqlite3_finalize(st);
    st = NULL;
    if (rc == HW_OK &&
        sqlite3_prepare_v2(s->db,
                           "INSERT INTO control_checks(account_id, region, checked_at, run_id)"
                           " VALUES (?, ?, ?, ?) ON CONFLICT (account_id, region) DO UPDATE SET"
                           " checked_at = excluded.checked_at, run_id = excluded.run_id",
                           -1, &st, NULL) != SQLITE_OK)
        rc = store_fail(s, e, "recording a control check");
    if (rc == HW_OK) {
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, hw_now());
        sqlite3_bind_text(st, 4, run_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = store_fail(s, e, "recording a control check");
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == HW_OK && ndisabled &&
        sqlite3_prepare_v2(s->db,
                           "INSERT OR IGNORE INTO disabled_controls(account_id, region, control_id)"
                           " VALUES (?, ?, ?)",
                           -1, &st, NULL) != SQLITE_OK)
        rc = store_fail(s, e, "recording disabled controls");
    for (size_t i = 0; rc == HW_OK && i < ndisabled; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, disabled[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = store_fail(s, e, "recording disabled controls");
    }
    sqlite3_finalize(st);
    return rc;
}

int hw_store_control_findings(hw_store *s, const char *account, const char *control, int limit,
                              int (*cb)(void *arg, const hw_finding_row *f), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT f.id, f.compliance_status, f.workflow_status, f.resources, f.first_observed,"
            " f.last_observed, f.severity FROM findings f JOIN products p ON p.id = f.product_id"
            " WHERE p.name = 'securityhub' AND f.trusted = 1 AND f.record_state = 'ACTIVE'"
            " AND f.account_id = ? AND f.control_id = ?"
            " ORDER BY f.compliance_status IN ('FAILED', 'WARNING') DESC, f.id LIMIT ?",
            -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading evidence");
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, control, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 3, limit);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_finding_row f = { 0 };
        f.id = store_col(st, 0);
        f.account_id = account;
        f.control_id = control;
        f.compliance_status = store_col(st, 1);
        f.workflow_status = store_col(st, 2);
        f.resources = store_col(st, 3);
        f.first_observed = sqlite3_column_int64(st, 4);
        f.last_observed = sqlite3_column_int64(st, 5);
        f.severity = store_col(st, 6);
        f.trusted = 1;
        if (cb(arg, &f))
            break;
    }
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK : store_fail(s, e, "reading evidence");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_evaluation_put(hw_store *s, const hw_evaluation_row *r, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_EVAL_PUT];
    if (store_prepare(s, st,
                      "INSERT OR REPLACE INTO evaluations(run_id, framework, requirement,"
                      " account_id, status, evidence) VALUES (?, ?, ?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, r->run_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 2, r->framework, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 3, r->requirement, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 4, r->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 5, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 6, r->evidence ? r->evidence : "[]", -1, SQLITE_STATIC);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "saving an evaluation");
    return HW_OK;
}

int hw_store_evaluations(hw_store *s, const char *run_id,
                         int (*cb)(void *arg, const hw_evaluation_row *r), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT run_id, framework, requirement, account_id, status, evidence"
                           " FROM evaluations WHERE run_id = ?"
                           " ORDER BY framework, account_id, requirement",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading evaluations");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_evaluation_row row = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
                                  store_col(st, 3), store_col(st, 4), store_col(st, 5) };
        if (cb(arg, &row))
            break;
    }
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK : store_fail(s, e, "reading evaluations");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_exception_active(hw_store *s, const char *account, const char *control,
                              int64_t now, int *active, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    *active = 0;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT 1 FROM exceptions WHERE account_id = ? AND control_id = ?"
                           " AND revoked = 0 AND created_at <= ? AND expires_at > ? LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, control, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, now);
    sqlite3_bind_int64(st, 4, now);
    *active = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return HW_OK;
}

int hw_store_control_checked_at(hw_store *s, const char *account, const char *region, int64_t *t,
                                hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT checked_at FROM control_checks WHERE account_id = ? AND region = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading a control check");
    sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, region, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    *t = r == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading a control check");
    return HW_OK;
}
