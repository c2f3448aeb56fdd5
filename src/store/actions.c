/*
 * actions.c - remediation actions, their approvals and the findings a plan
 * skipped.  The remedy module decides; this file only keeps the record
 * (schema: migration 3 in store.c).  Statements are prepared per call:
 * a plan writes at most remediation.max_actions_per_run actions.
 */
#include "store/store_int.h"

#include <string.h>

static const char *nz(const char *s)
{
    return s ? s : "";
}

int hw_store_action_put(hw_store *s, const hw_action_row *a, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO actions(id, run_id, account_id, region, control_id,"
                           " action, resource, destructive, state, planned_at, mode, reason,"
                           " calls, finding_id, product_arn, finding_updated_at, workflow)"
                           " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording an action");
    char now[32];
    hw_time_iso(hw_now(), now);
    const char *v[] = { a->id,     a->plan_id, a->account, a->region,   a->control,
                        a->action, a->resource };
    for (int i = 0; i < 7; i++)
        sqlite3_bind_text(st, i + 1, nz(v[i]), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 8, a->disruptive);
    sqlite3_bind_text(st, 9, nz(a->state), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, nz(a->mode), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, nz(a->reason), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 13, a->calls ? a->calls : "[]", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 14, nz(a->finding_id), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 15, nz(a->product_arn), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 16, a->finding_updated_at);
    sqlite3_bind_text(st, 17, nz(a->workflow), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK : store_fail(s, e, "recording an action");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_action_finish(hw_store *s, const char *id, const char *state, const char *reason,
                           const char *before, const char *after, const char *error, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE actions SET state = ?, executed_at = ?,"
                           " reason = coalesce(?, reason), before_state = ?, after_state = ?,"
                           " error = ? WHERE id = ?",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording an action's outcome");
    char now[32];
    hw_time_iso(hw_now(), now);
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    if (reason)
        sqlite3_bind_text(st, 3, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, nz(before), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, nz(after), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, nz(error), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK
                                              : store_fail(s, e, "recording an action's outcome");
    if (rc == HW_OK && sqlite3_changes(s->db) != 1)
        rc = hw_err_set(e, HW_ENOTFOUND, "no action %s", id);
    sqlite3_finalize(st);
    return rc;
}

/* Appends " AND (col = ? OR col = ? ...)" for a '|'-separated list. */
static void where_any(hw_buf *sql, const char *col, const char *list, const char **binds, int *nb,
                      char **owned, int *nowned)
{
    hw_buf_printf(sql, " AND (0");
    const char *p = list;
    while (*nb < 30 && *nowned < 16) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        char *one = hw_strndup(p, n);
        if (!one)
            break;
        owned[(*nowned)++] = one;
        binds[(*nb)++] = one;
        hw_buf_printf(sql, " OR %s = ?", col);
        if (!bar)
            break;
        p = bar + 1;
    }
    hw_buf_puts(sql, ")");
}

int hw_store_actions(hw_store *s, const hw_action_query *q,
                     int (*cb)(void *arg, const hw_action_row *a), void *arg, hw_err *e)
{
    hw_buf sql = HW_BUF_INIT(0);
    hw_buf_puts(&sql, "SELECT id, run_id, finding_id, product_arn, finding_updated_at,"
                      " account_id, region, control_id, action, resource, destructive, mode,"
                      " state, reason, calls, planned_at, executed_at, before_state,"
                      " after_state, error, workflow FROM actions WHERE 1");
    const char *binds[32];
    char *owned[16];
    int nb = 0, nowned = 0;
    struct { const char *col, *val; } eq[] = {
        { "id", q->id },           { "run_id", q->plan_id },         { "account_id", q->account },
        { "control_id", q->control }, { "finding_id", q->finding_id }, { "product_arn", q->product_arn },
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(eq); i++)
        if (eq[i].val) {
            hw_buf_printf(&sql, " AND %s = ?", eq[i].col);
            binds[nb++] = eq[i].val;
        }
    if (q->state)
        where_any(&sql, "state", q->state, binds, &nb, owned, &nowned);
    if (q->workflow_wanted)
        hw_buf_puts(&sql, " AND (workflow LIKE 'want:%' OR workflow LIKE 'sent:%')");
    hw_buf_puts(&sql, " ORDER BY rowid");
    sqlite3_stmt *st = NULL;
    int rc = HW_OK;
    if (sqlite3_prepare_v2(s->db, hw_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "reading actions");
        goto done;
    }
    for (int i = 0; i < nb; i++)
        sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_action_row a = { 0 };
        a.id = store_col(st, 0);
        a.plan_id = store_col(st, 1);
        a.finding_id = store_col(st, 2);
        a.product_arn = store_col(st, 3);
        a.finding_updated_at = sqlite3_column_int64(st, 4);
        a.account = store_col(st, 5);
        a.region = store_col(st, 6);
        a.control = store_col(st, 7);
        a.action = store_col(st, 8);
        a.resource = store_col(st, 9);
        a.disruptive = sqlite3_column_int(st, 10);
        a.mode = store_col(st, 11);
        a.state = store_col(st, 12);
        a.reason = store_col(st, 13);
        a.calls = store_col(st, 14);
        a.planned_at = store_col(st, 15);
        a.executed_at = store_col(st, 16);
        a.before = store_col(st, 17);
        a.after = store_col(st, 18);
        a.error = store_col(st, 19);
        a.workflow = store_col(st, 20);
        if (cb(arg, &a))
            break;
    }
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading actions");
done:
    sqlite3_finalize(st);
    for (int i = 0; i < nowned; i++)
        free(owned[i]);
    hw_buf_free(&sql);
    return rc;
}

int hw_store_action_set_workflow(hw_store *s, const char *id, const char *workflow, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE actions SET workflow = ? WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, e, "recording a workflow update");
    sqlite3_bind_text(st, 1, workflow, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK
                                              : store_fail(s, e, "recording a workflow update");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_action_approved_at(hw_store *s, const char *id, int64_t *at, hw_err *e)
{
    *at = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT approved_at FROM approvals WHERE action_id = ?"
                           " AND decision = 'approve' ORDER BY rowid DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading an approval");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = HW_OK;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        hw_time_parse(store_col(st, 0), at);
    else if (step != SQLITE_DONE)
        rc = store_fail(s, e, "reading an approval");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_action_decide(hw_store *s, const char *id, const char *decision, const char *by,
                           const char *caller_arn, const char *comment, hw_err *e)
{
    int approve = strcmp(decision, "approve") == 0;
    if (!approve && strcmp(decision, "reject") != 0)
        return hw_err_set(e, HW_EINVAL, "decision: expected approve or reject, got %s", decision);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT state FROM actions WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, e, "reading an action");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = HW_OK;
    if (sqlite3_step(st) != SQLITE_ROW)
        rc = hw_err_set(e, HW_ENOTFOUND, "no action %s", id);
    else if (strcmp(store_col(st, 0), "pending") != 0)
        rc = hw_err_set(e, HW_EINVAL, "action %s is %s, not pending", id, store_col(st, 0));
    sqlite3_finalize(st);
    if (rc != HW_OK)
        return rc;
    char now[32];
    hw_time_iso(hw_now(), now);
    st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO approvals(action_id, approver, approved_at, comment,"
                           " decision, caller_arn) VALUES (?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording a decision");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, by, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, nz(comment), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, decision, -1, SQLITE_STATIC);
    if (caller_arn)
        sqlite3_bind_text(st, 6, caller_arn, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK : store_fail(s, e, "recording a decision");
    sqlite3_finalize(st);
    if (rc != HW_OK)
        return rc;
    st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE actions SET state = ? WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, e, "recording a decision");
    sqlite3_bind_text(st, 1, approve ? "approved" : "rejected", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK : store_fail(s, e, "recording a decision");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_decisions(hw_store *s, const char *state,
                       int (*cb)(void *arg, const hw_decision_row *d), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT p.action_id, p.approver, p.caller_arn, p.approved_at, p.comment,"
                           " p.decision FROM approvals p JOIN actions a ON a.id = p.action_id"
                           " WHERE a.state = ? AND p.rowid = (SELECT max(q.rowid) FROM approvals q"
                           " WHERE q.action_id = p.action_id) ORDER BY p.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the decisions");
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        hw_decision_row d = { store_col(st, 0), store_col(st, 1),
                              store_col_null(st, 2),
                              store_col(st, 3), store_col(st, 4), store_col(st, 5) };
        if (cb(arg, &d))
            break;
    }
    int rc = step == SQLITE_ROW || step == SQLITE_DONE ? HW_OK
                                                        : store_fail(s, e, "reading the decisions");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_plan_skip_put(hw_store *s, const char *plan_id, const hw_plan_skip_row *k,
                           hw_err *e)
{
    sqlite3_stmt **sp = &s->st[ST_PLAN_SKIP_PUT];
    if (store_prepare(s, sp,
                      "INSERT INTO plan_skips(run_id, finding_id, product_arn, account_id,"
                      " region, control_id, resource, reason) VALUES (?,?,?,?,?,?,?,?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_stmt *st = *sp;
    const char *v[] = { plan_id,   k->finding_id, k->product_arn, k->account,
                        k->region, k->control,    k->resource,    k->reason };
    for (int i = 0; i < 8; i++)
        sqlite3_bind_text(st, i + 1, nz(v[i]), -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK
                                              : store_fail(s, e, "recording a skipped finding");
    sqlite3_reset(st);
    return rc;
}

int hw_store_plan_skips(hw_store *s, const char *plan_id,
                        int (*cb)(void *arg, const hw_plan_skip_row *k), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT finding_id, product_arn, account_id, region, control_id,"
                           " resource, reason FROM plan_skips WHERE run_id = ? ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading skipped findings");
    sqlite3_bind_text(st, 1, plan_id, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_plan_skip_row k = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
                               store_col(st, 3), store_col(st, 4), store_col(st, 5),
                               store_col(st, 6) };
        if (cb(arg, &k))
            break;
    }
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK
                                                   : store_fail(s, e, "reading skipped findings");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_run_kind(hw_store *s, const char *run_id, char kind[32], hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT kind FROM runs WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, e, "reading a run");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    int rc = HW_OK;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(kind, 32, "%s", store_col(st, 0));
    else
        rc = hw_err_set(e, HW_ENOTFOUND, "no run %s", run_id);
    sqlite3_finalize(st);
    return rc;
}
