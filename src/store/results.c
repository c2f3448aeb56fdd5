/*
 * results.c - the catalogue tables, per-control counts and evidence for
 * evaluation, the resource inventory (AWS Config counts), evaluation
 * results as intervals of unchanged status, exceptions, and pruning.
 *
 * Evaluation reads one account at a time through statements prepared once
 * per handle, so that its cost is linear in accounts x controls and its
 * memory does not grow with the Organization.
 */
#include "store/store_int.h"

#include <cJSON.h>
#include <stdlib.h>
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

/* Per-resource worst status, then per control; ?1 is the account. */
#define ACCOUNT_COUNTS_SQL                                                                    \
    "WITH r AS (SELECT f.control_id AS k,"                                                   \
    "  max(f.compliance_status IN ('FAILED', 'WARNING') AND f.workflow_status != 'SUPPRESSED')" \
    "    AS xf,"                                                                              \
    "  max(f.compliance_status IN ('FAILED', 'WARNING') AND f.workflow_status = 'SUPPRESSED')"  \
    "    AS xs,"                                                                              \
    "  max(f.compliance_status = 'PASSED') AS xp,"                                           \
    "  max(f.compliance_status = 'NOT_AVAILABLE') AS xn"                                     \
    "  FROM findings f JOIN products p ON p.id = f.product_id"                              \
    "  WHERE f.account_id = ?1 AND f.trusted = 1 AND f.record_state = 'ACTIVE'"               \
    "  AND f.control_id != '' AND p.name = 'securityhub'"                                    \
    "  GROUP BY f.control_id, f.region, f.resources),"                                       \
    " c AS (SELECT k, sum(xf) AS nf, sum(xs AND NOT xf) AS ns,"                              \
    "  sum(xp AND NOT xf AND NOT xs) AS np,"                                                  \
    "  sum(xn AND NOT xf AND NOT xs AND NOT xp) AS nn FROM r GROUP BY k),"                   \
    " d AS (SELECT control_id AS k, group_concat(region, ' ') AS r"                          \
    "  FROM (SELECT control_id, region FROM disabled_controls WHERE account_id = ?1"          \
    "        ORDER BY control_id, region) GROUP BY control_id)"                              \
    " SELECT c.k, c.np, c.nf, c.nn, 1, d.r, c.ns FROM c LEFT JOIN d ON d.k = c.k"             \
    " UNION ALL SELECT d.k, 0, 0, 0, 0, d.r, 0 FROM d"                                        \
    "  WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.k = d.k) ORDER BY 1"

int store_cb_fail(hw_store *s, hw_err *e, const char *what, int rc)
{
    int kind = rc > HW_OK && rc <= HW_EINTERNAL ? rc : HW_EINTERNAL;
    return hw_err_set(e, kind, "%s: %s: stopped: the caller could not keep a row%s", s->path, what,
                      kind == HW_ENOMEM ? " (out of memory)" : "");
}

int hw_store_account_control_counts(hw_store *s, const char *account,
                                    int (*cb)(void *arg, const hw_control_count *c), void *arg,
                                    hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCT_COUNTS];
    if (store_prepare(s, st, ACCOUNT_COUNTS_SQL, e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        hw_control_count c = { account, store_col(*st, 0),
                               (unsigned)sqlite3_column_int(*st, 1),
                               (unsigned)sqlite3_column_int(*st, 2),
                               (unsigned)sqlite3_column_int(*st, 3),
                               sqlite3_column_int(*st, 4),
                               (const char *)sqlite3_column_text(*st, 5),
                               (unsigned)sqlite3_column_int(*st, 6) };
        int cr = cb(arg, &c);
        if (cr) {
            rc = store_cb_fail(s, e, "counting control findings", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "counting control findings");
    sqlite3_reset(*st);
    return rc;
}

struct id_list {
    char **v;
    size_t n, cap;
};

static int id_list_add(void *arg, const char *id)
{
    struct id_list *l = arg;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->v, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        l->v = p;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(id)))
        return HW_ENOMEM;
    l->n++;
    return 0;
}

static void id_list_free(struct id_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* One-off query of one text column; each row to cb. */
static int each_text(hw_store *s, const char *sql, const char *what,
                     int (*cb)(void *arg, const char *v), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, what);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(st, 0));
        if (cr) {
            rc = store_cb_fail(s, e, what, cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, what);
    sqlite3_finalize(st);
    return rc;
}

int hw_store_control_counts(hw_store *s, int (*cb)(void *arg, const hw_control_count *c),
                            void *arg, hw_err *e)
{
    struct id_list l = { 0 };
    int rc = each_text(s,
                       "SELECT DISTINCT account_id FROM findings"
                       " WHERE trusted = 1 AND record_state = 'ACTIVE' AND control_id != ''"
                       " UNION SELECT account_id FROM disabled_controls ORDER BY 1",
                       "counting control findings", id_list_add, &l, e);
    for (size_t i = 0; rc == HW_OK && i < l.n; i++)
        rc = hw_store_account_control_counts(s, l.v[i], cb, arg, e);
    id_list_free(&l);
    return rc;
}

int hw_store_control_total(hw_store *s, const char *account, const char *control,
                           unsigned *total, hw_err *e)
{
    /* passed + failed of ACCOUNT_COUNTS_SQL's row: a resource whose
     * findings are failed (not all suppressed), or passed and not failed */
    sqlite3_stmt **st = &s->st[ST_CONTROL_TOTAL];
    if (store_prepare(s, st,
                      "SELECT count(*) FROM (SELECT"
                      "  max(f.compliance_status IN ('FAILED', 'WARNING')"
                      "      AND f.workflow_status != 'SUPPRESSED') AS xf,"
                      "  max(f.compliance_status IN ('FAILED', 'WARNING')"
                      "      AND f.workflow_status = 'SUPPRESSED') AS xs,"
                      "  max(f.compliance_status = 'PASSED') AS xp"
                      "  FROM findings f JOIN products p ON p.id = f.product_id"
                      "  WHERE f.account_id = ?1 AND f.control_id = ?2 AND f.trusted = 1"
                      "  AND f.record_state = 'ACTIVE' AND f.control_id != ''"
                      "  AND p.name = 'securityhub' GROUP BY f.region, f.resources)"
                      " WHERE xf OR (xp AND NOT xs)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 2, control, -1, SQLITE_TRANSIENT);
    int rc = HW_OK;
    if (sqlite3_step(*st) == SQLITE_ROW)
        *total = (unsigned)sqlite3_column_int64(*st, 0);
    else
        rc = store_fail(s, e, "counting control findings");
    sqlite3_reset(*st);
    return rc;
}

int hw_store_evaluated_accounts(hw_store *s, int (*cb)(void *arg, const char *account),
                                void *arg, hw_err *e)
{
    return each_text(s,
                     "SELECT DISTINCT f.account_id FROM findings f JOIN products p"
                     " ON p.id = f.product_id WHERE f.trusted = 1 AND f.record_state = 'ACTIVE'"
                     " AND f.control_id != '' AND p.name = 'securityhub' ORDER BY 1",
                     "reading accounts", cb, arg, e);
}

int hw_store_account_disabled(hw_store *s, const char *account,
                              int (*cb)(void *arg, const char *control, const char *regions),
                              void *arg, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCT_DISABLED];
    if (store_prepare(s, st,
                      "SELECT control_id, group_concat(region, ' ') FROM (SELECT control_id, region"
                      " FROM disabled_controls WHERE account_id = ? ORDER BY control_id, region)"
                      " GROUP BY control_id ORDER BY control_id",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(*st, 0), store_col(*st, 1));
        if (cr) {
            rc = store_cb_fail(s, e, "reading disabled controls", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading disabled controls");
    sqlite3_reset(*st);
    return rc;
}

int hw_store_account_checked(hw_store *s, const char *account, int *checked, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCT_CHECKED];
    *checked = 0;
    if (store_prepare(s, st, "SELECT 1 FROM control_checks WHERE account_id = ? LIMIT 1", e) !=
        HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r = sqlite3_step(*st);
    *checked = r == SQLITE_ROW;
    sqlite3_reset(*st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading control checks");
    return HW_OK;
}

int hw_store_account_exceptions(hw_store *s, const char *account, int64_t now,
                                int (*cb)(void *arg, const char *control), void *arg, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCT_EXC];
    if (store_prepare(s, st,
                      "SELECT DISTINCT control_id FROM exceptions WHERE account_id IN (?, '*')"
                      " AND finding_id IS NULL AND resource IS NULL" /* control scope */
                      " AND revoked = 0 AND created_at <= ? AND expires_at > ? ORDER BY 1",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 2, now);
    sqlite3_bind_int64(*st, 3, now);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(*st, 0));
        if (cr) {
            rc = store_cb_fail(s, e, "reading exceptions", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading exceptions");
    sqlite3_reset(*st);
    return rc;
}

/* The raw ASFF of a row (columns zdict, rawlen, raw at i, i+1, i+2),
 * decompressed (malloc'd), or NULL when it cannot be (compress.c). */
static char *raw_json(hw_store *s, sqlite3_stmt *st, int i)
{
    const void *z = sqlite3_column_blob(st, i + 2);
    if (!z)
        return NULL;
    char *json = NULL;
    hw_err e;
    if (store_zstd_decompress(s, sqlite3_column_int64(st, i),
                              z, (size_t)sqlite3_column_bytes(st, i + 2),
                              (size_t)sqlite3_column_int64(st, i + 1), "a suppressed finding",
                              &json, &e) != HW_OK)
        return NULL;
    return json;
}

static const char *obj_str(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The notes of an account's suppressed findings, by id. */
struct note {
    char *id, *text, *by, *at;
    int64_t suppressed_at;
};

static int cmp_note(const void *a, const void *b)
{
    return strcmp(((const struct note *)a)->id, ((const struct note *)b)->id);
}

static void notes_free(struct note *n, size_t k)
{
    for (size_t i = 0; i < k; i++) {
        free(n[i].id);
        free(n[i].text);
        free(n[i].by);
        free(n[i].at);
    }
    free(n);
}

static char *dup_or_null(const char *v, int *oom)
{
    char *d = v ? strdup(v) : NULL;
    if (v && !d)
        *oom = 1;
    return d;
}

/* Few findings are suppressed: their stored ASFF is read for the note, and
 * their history for when the store saw the suppression. */
static int read_notes(hw_store *s, const char *account, struct note **out, size_t *nout,
                      hw_err *e)
{
    *out = NULL;
    *nout = 0;
    sqlite3_stmt **st = &s->st[ST_ACCT_NOTES];
    if (store_prepare(s, st,
                      "SELECT f.id, f.zdict, f.rawlen, f.raw, (SELECT max(h.at) FROM"
                      " finding_history h WHERE h.finding_key = f.key"
                      " AND h.new_workflow = 'SUPPRESSED')"
                      " FROM findings f INDEXED BY findings_evaluation"
                      " WHERE f.account_id = ? AND f.trusted = 1 AND f.record_state = 'ACTIVE'"
                      " AND f.workflow_status = 'SUPPRESSED' AND f.control_id != ''",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    struct note *n = NULL;
    size_t k = 0, cap = 0;
    int r, oom = 0;
    while (!oom && (r = sqlite3_step(*st)) == SQLITE_ROW) {
        if (k == cap) {
            cap = cap ? cap * 2 : 16;
            struct note *p = realloc(n, cap * sizeof *p);
            if (!p) {
                oom = 1;
                break;
            }
            n = p;
        }
        struct note *x = &n[k++];
        memset(x, 0, sizeof *x);
        x->suppressed_at = store_col_ms(*st, 4);
        x->id = dup_or_null(store_col(*st, 0), &oom);
        char *raw = raw_json(s, *st, 1);
        cJSON *doc = raw ? cJSON_Parse(raw) : NULL;
        free(raw);
        const cJSON *note = cJSON_GetObjectItemCaseSensitive(doc, "Note");
        if (cJSON_IsObject(note)) {
            x->text = dup_or_null(obj_str(note, "Text"), &oom);
            x->by = dup_or_null(obj_str(note, "UpdatedBy"), &oom);
            x->at = dup_or_null(obj_str(note, "UpdatedAt"), &oom);
        }
        cJSON_Delete(doc);
    }
    int rc = oom ? hw_err_set(e, HW_ENOMEM, "out of memory")
             : r != SQLITE_DONE ? store_fail(s, e, "reading suppressed findings") : HW_OK;
    sqlite3_reset(*st);
    if (rc != HW_OK) {
        notes_free(n, k);
        return rc;
    }
    if (k > 1)
        qsort(n, k, sizeof *n, cmp_note);
    *out = n;
    *nout = k;
    return HW_OK;
}

int hw_store_account_evidence(hw_store *s, const char *account,
                              int (*cb)(void *arg, const hw_evidence_row *r), void *arg,
                              hw_err *e)
{
    struct note *notes = NULL;
    size_t nnotes = 0;
    if (read_notes(s, account, &notes, &nnotes, e) != HW_OK)
        return e->kind;
    sqlite3_stmt **st = &s->st[ST_ACCT_EVIDENCE];
    if (store_prepare(s, st,
                      "SELECT f.control_id, f.id, f.region, f.compliance_status, f.workflow_status,"
                      " f.resources, f.first_observed, f.last_observed"
                      " FROM findings f INDEXED BY findings_evaluation"
                      " JOIN products p ON p.id = f.product_id"
                      " WHERE f.account_id = ? AND f.trusted = 1 AND f.record_state = 'ACTIVE'"
                      " AND f.control_id != '' AND p.name = 'securityhub'"
                      " ORDER BY f.control_id, f.resources, f.region, f.id",
                      e) != HW_OK) {
        notes_free(notes, nnotes);
        return e->kind;
    }
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        hw_evidence_row f = { store_col(*st, 0), store_col(*st, 1), store_col(*st, 2),
                              store_col(*st, 3), store_col(*st, 4), store_col(*st, 5),
                              sqlite3_column_int64(*st, 6), sqlite3_column_int64(*st, 7),
                              NULL, NULL, NULL, -1 };
        if (nnotes && strcmp(f.workflow_status, "SUPPRESSED") == 0) {
            struct note key = { (char *)f.id, NULL, NULL, NULL, 0 };
            const struct note *x = bsearch(&key, notes, nnotes, sizeof *notes, cmp_note);
            if (x) {
                f.note_text = x->text;
                f.note_updated_by = x->by;
                f.note_updated_at = x->at;
                f.suppressed_at = x->suppressed_at;
            }
        }
        int cr = cb(arg, &f);
        if (cr) {
            rc = store_cb_fail(s, e, "reading evidence", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading evidence");
    sqlite3_reset(*st);
    notes_free(notes, nnotes);
    return rc;
}

int hw_store_resource_counts_put(hw_store *s, const char *resource_type,
                                 const char *const *accounts, const long *counts, size_t n,
                                 const char *run_id, hw_err *e)
{
    sqlite3_stmt *del = NULL;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM resource_counts WHERE resource_type = ?", -1, &del,
                           NULL) != SQLITE_OK)
        return store_fail(s, e, "recording resource counts");
    sqlite3_bind_text(del, 1, resource_type, -1, SQLITE_STATIC);
    int r = sqlite3_step(del);
    sqlite3_finalize(del);
    if (r != SQLITE_DONE)
        return store_fail(s, e, "recording resource counts");
    sqlite3_stmt **st = &s->st[ST_RES_PUT];
    int64_t now = hw_now();
    for (size_t i = 0; i < n; i++) {
        if (store_prepare(s, st,
                          "INSERT OR REPLACE INTO resource_counts(account_id, resource_type, count,"
                          " run_id, at) VALUES (?, ?, ?, ?, ?)",
                          e) != HW_OK)
            return e->kind;
        sqlite3_bind_text(*st, 1, accounts[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(*st, 2, resource_type, -1, SQLITE_STATIC);
        sqlite3_bind_int64(*st, 3, counts[i]);
        sqlite3_bind_text(*st, 4, run_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(*st, 5, now);
        if (sqlite3_step(*st) != SQLITE_DONE)
            return store_fail(s, e, "recording resource counts");
    }
    return HW_OK;
}

int hw_store_account_resources(hw_store *s, const char *account,
                               int (*cb)(void *arg, const char *type, long count), void *arg,
                               hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCT_RES];
    if (store_prepare(s, st,
                      "SELECT resource_type, count FROM resource_counts WHERE account_id = ?"
                      " ORDER BY 1",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(*st, 0), (long)sqlite3_column_int64(*st, 1));
        if (cr) {
            rc = store_cb_fail(s, e, "reading resource counts", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading resource counts");
    sqlite3_reset(*st);
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

int hw_store_eval_run_begin(hw_store *s, const char *run_id, int64_t *seq, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "INSERT INTO eval_runs(run_id, at) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, e, "recording an evaluation");
    sqlite3_bind_text(st, 1, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, hw_now());
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(s, e, "recording an evaluation");
    *seq = sqlite3_last_insert_rowid(s->db);
    return HW_OK;
}

int hw_store_account_open_evals(hw_store *s, const char *account,
                                int (*cb)(void *arg, const hw_open_eval *o), void *arg, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_ACCT_OPEN];
    if (store_prepare(s, st,
                      "SELECT id, framework, requirement, digest FROM eval_interval_rows"
                      " INDEXED BY eval_intervals_open"
                      " WHERE account_id = ? AND to_seq IS NULL ORDER BY framework, requirement",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        hw_open_eval o = { sqlite3_column_int64(*st, 0), store_col(*st, 1), store_col(*st, 2),
                           "", sqlite3_column_int64(*st, 3) };
        int cr = cb(arg, &o);
        if (cr) {
            rc = store_cb_fail(s, e, "reading evaluations", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading evaluations");
    sqlite3_reset(*st);
    return rc;
}

int hw_store_eval_change(hw_store *s, int64_t seq, int64_t close_id, const hw_evaluation_row *r,
                         const char *controls, int64_t digest, hw_err *e)
{
    if (close_id > 0) {
        sqlite3_stmt **c = &s->st[ST_EVAL_CLOSE];
        if (store_prepare(s, c, "UPDATE eval_interval_rows SET to_seq = ? WHERE id = ?", e) != HW_OK)
            return e->kind;
        sqlite3_bind_int64(*c, 1, seq);
        sqlite3_bind_int64(*c, 2, close_id);
        if (sqlite3_step(*c) != SQLITE_DONE)
            return store_fail(s, e, "saving an evaluation");
    }
    if (!r)
        return HW_OK;
    sqlite3_stmt **st = &s->st[ST_EVAL_OPEN];
    if (store_prepare(s, st,
                      "INSERT INTO eval_interval_rows(framework, requirement, account_id, status,"
                      " digest, evidence, from_seq, controls) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, r->framework, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 2, r->requirement, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 3, r->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 4, r->status, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 5, digest);
    sqlite3_bind_text(*st, 6, r->evidence ? r->evidence : "{}", -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 7, seq);
    if (controls)
        sqlite3_bind_text(*st, 8, controls, -1, SQLITE_STATIC);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "saving an evaluation");
    return HW_OK;
}

int hw_store_account_control_evidence(hw_store *s, const char *account,
                                      int (*cb)(void *arg, const char *control, int64_t id,
                                                int64_t digest),
                                      void *arg, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_CE_OPEN];
    if (store_prepare(s, st,
                      "SELECT control_id, id, digest FROM eval_control_evidence"
                      " INDEXED BY eval_control_evidence_open"
                      " WHERE account_id = ? AND to_seq IS NULL",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    int r, rc = HW_OK;
    while ((r = sqlite3_step(*st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(*st, 0), sqlite3_column_int64(*st, 1),
                    sqlite3_column_int64(*st, 2));
        if (cr) {
            rc = store_cb_fail(s, e, "reading control evidence", cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, "reading control evidence");
    sqlite3_reset(*st);
    return rc;
}

int hw_store_control_evidence_put(hw_store *s, int64_t seq, int64_t close_id, const char *account,
                                  const char *control, int64_t digest, const char *evidence,
                                  int64_t *id, hw_err *e)
{
    if (close_id > 0) {
        sqlite3_stmt **c = &s->st[ST_CE_CLOSE];
        if (store_prepare(s, c, "UPDATE eval_control_evidence SET to_seq = ? WHERE id = ?", e) !=
            HW_OK)
            return e->kind;
        sqlite3_bind_int64(*c, 1, seq);
        sqlite3_bind_int64(*c, 2, close_id);
        if (sqlite3_step(*c) != SQLITE_DONE)
            return store_fail(s, e, "saving control evidence");
    }
    sqlite3_stmt **st = &s->st[ST_CE_PUT];
    if (store_prepare(s, st,
                      "INSERT INTO eval_control_evidence(account_id, control_id, digest, evidence,"
                      " from_seq) VALUES (?, ?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 2, control, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 3, digest);
    sqlite3_bind_text(*st, 4, evidence, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 5, seq);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "saving control evidence");
    *id = sqlite3_last_insert_rowid(s->db);
    return HW_OK;
}

int hw_store_eval_open_accounts(hw_store *s, int (*cb)(void *arg, const char *account),
                                void *arg, hw_err *e)
{
    return each_text(s,
                     "SELECT DISTINCT account_id FROM eval_interval_rows WHERE to_seq IS NULL"
                     " ORDER BY 1",
                     "reading evaluations", cb, arg, e);
}

int hw_store_eval_close_account(hw_store *s, int64_t seq, const char *account, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "UPDATE eval_interval_rows SET to_seq = ? WHERE account_id = ?"
                           " AND to_seq IS NULL",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "closing evaluations");
    sqlite3_bind_int64(st, 1, seq);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    return r == SQLITE_DONE ? HW_OK : store_fail(s, e, "closing evaluations");
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
    int r, rc = HW_OK;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_evaluation_row row = { store_col(st, 0), store_col(st, 1), store_col(st, 2),
                                  store_col(st, 3), store_col(st, 4), store_col(st, 5) };
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

int hw_store_exception_active(hw_store *s, const char *account, const char *control,
                              int64_t now, int *active, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_EXC_ACTIVE];
    *active = 0;
    if (store_prepare(s, st,
                      "SELECT 1 FROM exceptions WHERE account_id IN (?, '*') AND control_id = ?"
                      " AND finding_id IS NULL AND resource IS NULL" /* control scope */
                      " AND revoked = 0 AND created_at <= ? AND expires_at > ? LIMIT 1",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, account, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 2, control, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(*st, 3, now);
    sqlite3_bind_int64(*st, 4, now);
    int r = sqlite3_step(*st);
    *active = r == SQLITE_ROW;
    sqlite3_reset(*st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading exceptions");
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

/* ----------------------------------------------------------------- prune */

static int exec_count(hw_store *s, const char *sql, int64_t a, const char *b, int64_t *changed,
                      hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "pruning");
    int n = sqlite3_bind_parameter_count(st);
    if (n >= 1)
        sqlite3_bind_int64(st, 1, a);
    if (n >= 2)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    int r = sqlite3_step(st);
    sqlite3_finalize(st);
    if (r != SQLITE_DONE)
        return store_fail(s, e, "pruning");
    if (changed)
        *changed = sqlite3_changes(s->db);
    return HW_OK;
}

int hw_store_prune(hw_store *s, int64_t before, hw_prune_stats *ps, hw_err *e)
{
    memset(ps, 0, sizeof *ps);
    char iso[32];
    hw_time_iso(before, iso);
    /* K: the first evaluation at or after DATE (or past the newest): an
     * interval closed at or before K covered only runs before DATE.  Open
     * intervals (the newest evaluation) are never dropped. */
    int rc = exec_count(s,
                        "CREATE TEMP TABLE IF NOT EXISTS prune_k(k INTEGER);"
                        , 0, NULL, NULL, e);
    if (rc != HW_OK)
        return rc;
    if ((rc = exec_count(s, "DELETE FROM temp.prune_k", 0, NULL, NULL, e)) != HW_OK ||
        (rc = exec_count(s,
                         "INSERT INTO temp.prune_k SELECT coalesce((SELECT min(seq) FROM eval_runs"
                         " WHERE at >= ?1), (SELECT coalesce(max(seq), 0) + 1 FROM eval_runs))",
                         before, NULL, NULL, e)) != HW_OK ||
        (rc = exec_count(s,
                         "DELETE FROM eval_interval_rows WHERE to_seq IS NOT NULL"
                         " AND to_seq <= (SELECT k FROM temp.prune_k)",
                         0, NULL, &ps->intervals, e)) != HW_OK ||
        /* the whole evidence of schema 5 intervals dropped */
        (rc = exec_count(s,
                         "DELETE FROM eval_interval_evidence5 WHERE id NOT IN"
                         " (SELECT id FROM eval_interval_rows)",
                         0, NULL, NULL, e)) != HW_OK ||
        /* control evidence no interval left refers to */
        (rc = exec_count(s,
                         "DELETE FROM eval_control_evidence WHERE id NOT IN (SELECT j.value"
                         " FROM eval_interval_rows i, json_each(i.controls) j"
                         " WHERE i.controls IS NOT NULL)",
                         0, NULL, NULL, e)) != HW_OK ||
        (rc = exec_count(s,
                         "UPDATE eval_runs SET pruned = 1 WHERE pruned = 0"
                         " AND seq < (SELECT k FROM temp.prune_k)"
                         " AND seq != (SELECT max(seq) FROM eval_runs)",
                         0, NULL, &ps->runs, e)) != HW_OK)
        return rc;
    /* per-run rows from before schema 4: all but the newest run's */
    if ((rc = exec_count(s,
                         "DELETE FROM evaluations_legacy WHERE run_id IN (SELECT id FROM runs"
                         " WHERE started_at < ?2) AND (EXISTS (SELECT 1 FROM eval_runs)"
                         " OR run_id != (SELECT run_id FROM evaluations_legacy l JOIN runs r"
                         " ON r.id = l.run_id ORDER BY r.started_at DESC LIMIT 1))",
                         0, iso, &ps->legacy_evaluations, e)) != HW_OK)
        return rc;
    /* finding history before DATE, except each finding's newest change
     * (what the current evidence says "since") and the history of findings
     * under an unexpired exception; history times are milliseconds */
    rc = exec_count(s,
                    "DELETE FROM finding_history WHERE at < ?1 * 1000"
                    " AND rowid NOT IN (SELECT max(rowid) FROM finding_history GROUP BY finding_key)"
                    " AND finding_key NOT IN (SELECT f.key FROM findings f JOIN exceptions x"
                    "  ON x.account_id IN (f.account_id, '*') AND x.control_id IN (f.control_id, '*')"
                    "  WHERE x.revoked = 0 AND x.expires_at > strftime('%s', 'now'))",
                    before, NULL, &ps->finding_history, e);
    return rc;
}
