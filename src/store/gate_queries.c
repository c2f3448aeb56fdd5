/*
 * gate_queries.c - what `hubwarden gate` reads from the store: the newest
 * successful scan, the failing and passing resources of the controls it
 * gates (with when each started failing and the action that fixed it
 * since), the exceptions valid now and the actions still awaiting a
 * decision or a run.
 *
 * The resources are read from the partial index findings_evaluation, one
 * index range per (account, control): the accounts by a loose index scan
 * (one seek per account) unless the caller names them, the controls from a
 * JSON array bound as one parameter.  The gate's cost therefore follows the
 * findings of the gated controls, not the size of the store.  Only the
 * schema's base columns of `actions` are read, so the queries hold on
 * every schema that has the table.
 */
#include "store/store_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

int hw_store_gate_last_scan(hw_store *s, hw_gate_scan *out, int *found, hw_err *e)
{
    memset(out, 0, sizeof *out);
    *found = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, status, unixepoch(started_at), unixepoch(finished_at)"
                           " FROM runs WHERE kind = 'scan' AND status IN ('ok','partial')"
                           " AND finished_at IS NOT NULL"
                           " ORDER BY unixepoch(started_at) DESC, rowid DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading runs");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        snprintf(out->run_id, sizeof out->run_id, "%s", store_col(st, 0));
        snprintf(out->status, sizeof out->status, "%s", store_col(st, 1));
        out->started = sqlite3_column_int64(st, 2);
        out->finished = sqlite3_column_int64(st, 3);
        *found = 1;
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading runs");
    return HW_OK;
}

/* The accounts: named ones (?2, a JSON array), else every account with
 * trusted, active findings, one index seek each. */
#define GATE_ACCOUNTS_NAMED "WITH acct(x) AS (SELECT value FROM json_each(?2)),"
#define GATE_ACCOUNTS_ALL                                                                    \
    "WITH RECURSIVE acct(x) AS ("                                                            \
    " SELECT (SELECT min(account_id) FROM findings INDEXED BY findings_evaluation"           \
    "  WHERE trusted = 1 AND record_state = 'ACTIVE')"                                      \
    " UNION ALL SELECT (SELECT min(account_id) FROM findings INDEXED BY findings_evaluation" \
    "  WHERE trusted = 1 AND record_state = 'ACTIVE' AND account_id > acct.x)"             \
    " FROM acct WHERE acct.x IS NOT NULL),"

/* Per resource (account, control, region, resources), the worst status
 * among the findings that speak for it, as evaluation counts them; a
 * failing one's start (the newest turn to failing in its history, else
 * its first observation) and newest failing observation; and the newest
 * action that fixed it after that observation (done, already compliant,
 * or the resource gone). */
#define GATE_RESOURCES_SQL                                                                   \
    " r AS (SELECT f.account_id AS a, f.control_id AS c, f.region AS g, f.resources AS res,"  \
    "  max(f.compliance_status IN ('FAILED','WARNING') AND f.workflow_status != 'SUPPRESSED')" \
    "   AS xf,"                                                                               \
    "  max(f.compliance_status IN ('FAILED','WARNING') AND f.workflow_status = 'SUPPRESSED')" \
    "   AS xs,"                                                                               \
    "  max(f.compliance_status = 'PASSED') AS xp,"                                           \
    "  max(CASE WHEN f.compliance_status IN ('FAILED','WARNING') THEN f.last_observed END)"   \
    "   AS lastf,"                                                                            \
    "  min(CASE WHEN f.compliance_status IN ('FAILED','WARNING') THEN coalesce("              \
    "   (SELECT max(h.at) FROM finding_history h WHERE h.finding_key = f.key"                 \
    "    AND h.new_compliance IN ('FAILED','WARNING')"                                       \
    "    AND coalesce(h.old_compliance, '') NOT IN ('FAILED','WARNING')),"                   \
    "   f.first_observed, f.last_observed) END) AS since"                                    \
    "  FROM acct JOIN findings f INDEXED BY findings_evaluation ON f.account_id = acct.x"    \
    "  JOIN products p ON p.id = f.product_id"                                               \
    "  WHERE f.trusted = 1 AND f.record_state = 'ACTIVE'"                                   \
    "  AND f.control_id IN (SELECT value FROM json_each(?1)) AND p.name = 'securityhub'"     \
    "  GROUP BY f.account_id, f.control_id, f.region, f.resources)"                          \
    " SELECT a, c, g, res, xf, xs, xp, lastf, since,"                                        \
    "  CASE WHEN xf OR xs THEN (SELECT x.id FROM actions x WHERE x.account_id = r.a"          \
    "   AND x.control_id = r.c AND x.state IN ('done','already-compliant','gone')"            \
    "   AND (x.region IS NULL OR x.region IN ('', r.g))"                                     \
    "   AND EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(r.res) THEN r.res"            \
    "    ELSE '[]' END) j WHERE j.value = x.resource)"                                       \
    "   AND unixepoch(x.executed_at) * 1000 >= coalesce(r.lastf, 0)"                          \
    "   ORDER BY x.executed_at DESC LIMIT 1) END"                                            \
    " FROM r ORDER BY a, c, g, res"

/* A JSON array of n strings (malloc'd), or NULL when out of memory. */
static char *json_list(const char *const *v, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; a && i < n; i++) {
        cJSON *x = cJSON_CreateString(v[i]);
        if (!x) {
            cJSON_Delete(a);
            return NULL;
        }
        cJSON_AddItemToArray(a, x);
    }
    char *out = a ? cJSON_PrintUnformatted(a) : NULL;
    cJSON_Delete(a);
    return out;
}

int hw_store_gate_resources(hw_store *s, const hw_gate_query *q,
                            int (*cb)(void *arg, const hw_gate_resource *r), void *arg,
                            hw_err *e)
{
    if (!q->ncontrols)
        return HW_OK;
    char *controls = json_list(q->controls, q->ncontrols);
    char *accounts = q->naccounts ? json_list(q->accounts, q->naccounts) : NULL;
    if (!controls || (q->naccounts && !accounts)) {
        free(controls);
        free(accounts);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    const char *sql = q->naccounts ? GATE_ACCOUNTS_NAMED GATE_RESOURCES_SQL
                                   : GATE_ACCOUNTS_ALL GATE_RESOURCES_SQL;
    sqlite3_stmt *st = NULL;
    int rc = HW_OK;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "reading the gated controls");
        goto out;
    }
    sqlite3_bind_text(st, 1, controls, -1, SQLITE_STATIC);
    if (accounts)
        sqlite3_bind_text(st, 2, accounts, -1, SQLITE_STATIC);
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_gate_resource g = {
            .account = store_col(st, 0),
            .control = store_col(st, 1),
            .region = store_col(st, 2),
            .resources = store_col(st, 3),
            .failed = sqlite3_column_int(st, 4),
            .suppressed = sqlite3_column_int(st, 5) && !sqlite3_column_int(st, 4),
            .passed = sqlite3_column_int(st, 6),
            .last_failed = sqlite3_column_type(st, 7) == SQLITE_NULL ? -1
                                                                     : sqlite3_column_int64(st, 7),
            .failing_since = sqlite3_column_type(st, 8) == SQLITE_NULL
                                 ? -1 : sqlite3_column_int64(st, 8),
            .fixed_by = sqlite3_column_type(st, 9) == SQLITE_NULL ? NULL : store_col(st, 9),
        };
        int cr = cb(arg, &g);
        if (cr) {
            rc = store_cb_fail(s, e, "reading the gated controls", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading the gated controls");
out:
    sqlite3_finalize(st);
    free(controls);
    free(accounts);
    return rc;
}

int hw_store_gate_exceptions(hw_store *s, int64_t now,
                             int (*cb)(void *arg, const hw_gate_exception *x), void *arg,
                             hw_err *e)
{
    sqlite3_stmt *st = NULL;
    /* the one that lasts longest first: the caller keeps the first per pair */
    if (sqlite3_prepare_v2(s->db,
                           "SELECT account_id, control_id, expires_at, approver, reason, id"
                           " FROM exceptions WHERE revoked = 0 AND created_at <= ?1"
                           " AND expires_at > ?1 ORDER BY account_id, control_id,"
                           " expires_at DESC, id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading exceptions");
    sqlite3_bind_int64(st, 1, now);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_gate_exception x = { store_col(st, 0), store_col(st, 1), sqlite3_column_int64(st, 2),
                                store_col(st, 3), store_col(st, 4), sqlite3_column_int64(st, 5) };
        int cr = cb(arg, &x);
        if (cr) {
            rc = store_cb_fail(s, e, "reading exceptions", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading exceptions");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_gate_open_actions(hw_store *s,
                               int (*cb)(void *arg, const char *account, const char *control,
                                         const char *state, long n),
                               void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT account_id, control_id, state, count(*) FROM actions"
                           " WHERE state IN ('planned','pending','approved')"
                           " AND control_id IS NOT NULL GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading actions");
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(st, 0), store_col(st, 1), store_col(st, 2),
                    (long)sqlite3_column_int64(st, 3));
        if (cr) {
            rc = store_cb_fail(s, e, "reading actions", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading actions");
    sqlite3_finalize(st);
    return rc;
}
