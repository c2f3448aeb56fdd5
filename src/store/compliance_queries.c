/*
 * compliance_queries.c - what `hubwarden compliance` reads: the current
 * evaluation of every (requirement, account), counted per framework or
 * listed with the history behind it, and a requirement's evidence as
 * lines.
 *
 * The current evaluation is a requirement's open interval (to_seq NULL,
 * store.h).  "Failing since" walks the history backwards from a FAILED
 * open interval: the interval of the same requirement and account that
 * ended exactly where this one began, while it is FAILED too (its
 * evidence changed, not its status).  The framework's closed FAILED
 * intervals are read once per query and joined through a temporary index,
 * so the cost grows with the history kept (hubwarden prune bounds it),
 * never with the product of failures and changes.
 */
#include "store/store_int.h"

#include <stdlib.h>
#include <string.h>

/* The bound values of a query, in order: room for every value q names
 * twice, and the framework twice (binds_init). */
struct binds {
    const char **text;
    int n;
};

/* sqlite's default limit on a statement's parameters is 32766 */
#define HW_CQ_BINDS 32000

static int binds_init(struct binds *b, const hw_compliance_query *q, hw_err *e)
{
    size_t n = 2 + 2 * (q->naccounts + q->nrequirements) + q->nstatuses;
    b->n = 0;
    b->text = NULL;
    if (n > HW_CQ_BINDS)
        return hw_err_set(e, HW_EINVAL, "too many filter values (at most %d)", HW_CQ_BINDS / 2);
    if (!(b->text = calloc(n, sizeof *b->text)))
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    return HW_OK;
}

static void add_in(hw_buf *sql, struct binds *b, const char *col, const char *const *v, size_t n)
{
    if (!n)
        return;
    hw_buf_printf(sql, " AND %s IN (", col);
    for (size_t i = 0; i < n; i++) {
        hw_buf_puts(sql, i ? ", ?" : "?");
        b->text[b->n++] = v[i];
    }
    hw_buf_puts(sql, ")");
}

/* Prepares sql and binds b's values from parameter 1 (frees both). */
static int prepare(hw_store *s, hw_buf *sql, struct binds *b, sqlite3_stmt **st,
                   const char *what, hw_err *e)
{
    int r = sqlite3_prepare_v2(s->db, hw_buf_str(sql), -1, st, NULL);
    hw_buf_free(sql);
    for (int i = 0; r == SQLITE_OK && i < b->n; i++)
        sqlite3_bind_text(*st, i + 1, b->text[i], -1, SQLITE_STATIC);
    free(b->text);
    b->text = NULL;
    return r == SQLITE_OK ? HW_OK : store_fail(s, e, what);
}

/* The open intervals q selects: "cur" (id, framework, requirement,
 * account_id, status, from_seq[, evidence]). */
static void current(hw_buf *sql, struct binds *b, const hw_compliance_query *q, int statuses,
                    int evidence)
{
    hw_buf_printf(sql, "cur AS (SELECT id, framework, requirement, account_id, status, from_seq%s"
                       " FROM eval_intervals WHERE to_seq IS NULL",
                  evidence ? ", evidence" : "");
    if (q->framework) {
        hw_buf_puts(sql, " AND framework = ?");
        b->text[b->n++] = q->framework;
    }
    add_in(sql, b, "account_id", q->accounts, q->naccounts);
    add_in(sql, b, "requirement", q->requirements, q->nrequirements);
    if (statuses)
        add_in(sql, b, "status", q->statuses, q->nstatuses);
    hw_buf_puts(sql, ")");
}

/* A callback stopped a walk with rc: its own message when it set one
 * (e was cleared before the walk), else the store's. */
static int cb_fail(hw_store *s, hw_err *e, const char *what, int rc)
{
    if (e && e->kind != HW_OK && e->msg[0])
        return e->kind;
    return store_cb_fail(s, e, what, rc);
}

static unsigned ucol(sqlite3_stmt *st, int i)
{
    sqlite3_int64 v = sqlite3_column_int64(st, i);
    return v < 0 ? 0 : (unsigned)v;
}

int hw_store_compliance_summary(hw_store *s, const hw_compliance_query *q,
                                int (*cb)(void *arg, const hw_compliance_summary *c), void *arg,
                                hw_err *e)
{
    const char *what = "reading the compliance summary";
    struct binds b;
    int rc = binds_init(&b, q, e);
    if (rc != HW_OK)
        return rc;
    hw_buf sql = HW_BUF_INIT(0);
    hw_buf_puts(&sql, "WITH ");
    current(&sql, &b, q, 0, 0);
    hw_buf_puts(&sql,
                ", newest AS (SELECT at, run_id FROM eval_runs ORDER BY seq DESC LIMIT 1)"
                " SELECT framework, sum(status = 'PASSED'), sum(status = 'FAILED'),"
                " sum(status = 'PARTIAL'), sum(status = 'SUPPRESSED'), sum(status = 'EXCEPTION'),"
                " sum(status = 'NOT_APPLICABLE'), sum(status = 'NO_DATA'), sum(status = 'MANUAL'),"
                " count(DISTINCT requirement), count(DISTINCT account_id),"
                " (SELECT at FROM newest), (SELECT run_id FROM newest)"
                " FROM cur GROUP BY framework ORDER BY framework");
    sqlite3_stmt *st = NULL;
    if ((rc = prepare(s, &sql, &b, &st, what, e)) != HW_OK)
        return rc;
    int r;
    hw_err_clear(e);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_compliance_summary c = { store_col(st, 0), ucol(st, 1), ucol(st, 2), ucol(st, 3),
                                    ucol(st, 4),      ucol(st, 5), ucol(st, 6), ucol(st, 7),
                                    ucol(st, 8),      ucol(st, 9), ucol(st, 10),
                                    store_col_ms(st, 11),
                                    store_col(st, 12) };
        int cr = cb(arg, &c);
        if (cr) {
            rc = cb_fail(s, e, what, cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, what);
    sqlite3_finalize(st);
    return rc;
}

int hw_store_compliance_rows(hw_store *s, const hw_compliance_query *q,
                             int (*cb)(void *arg, const hw_compliance_row *r), void *arg,
                             hw_err *e)
{
    const char *what = "reading the compliance of requirements";
    if (!q->framework)
        return hw_err_set(e, HW_EINVAL, "%s: no framework named", what);
    struct binds b;
    int rc = binds_init(&b, q, e);
    if (rc != HW_OK)
        return rc;
    hw_buf sql = HW_BUF_INIT(0);
    hw_buf_puts(&sql, "WITH RECURSIVE ");
    current(&sql, &b, q, 1, q->with_evidence);
    /* closed: the framework's closed FAILED intervals, read once (the
     * index of closed intervals is by to_seq alone: looking each step up
     * there would read every interval closed by that run, once per step);
     * run: (open interval, start of a FAILED interval in its unbroken run
     * of FAILED intervals), walked back one interval at a time through
     * closed's automatic index */
    hw_buf_puts(&sql,
                ", closed AS MATERIALIZED (SELECT account_id, requirement, from_seq, to_seq"
                "  FROM eval_intervals WHERE to_seq IS NOT NULL AND status = 'FAILED'"
                "  AND framework = ?");
    b.text[b.n++] = q->framework;
    add_in(&sql, &b, "account_id", q->accounts, q->naccounts);
    add_in(&sql, &b, "requirement", q->requirements, q->nrequirements);
    hw_buf_puts(&sql,
                "), run(cid, account_id, requirement, from_seq) AS"
                " (SELECT id, account_id, requirement, from_seq FROM cur WHERE status = 'FAILED'"
                "  UNION ALL SELECT run.cid, run.account_id, run.requirement, p.from_seq"
                "  FROM run JOIN closed p ON p.to_seq = run.from_seq"
                "  AND p.account_id = run.account_id AND p.requirement = run.requirement),"
                " fs AS (SELECT cid, min(from_seq) AS seq FROM run GROUP BY cid)"
                " SELECT r.framework, r.id, r.title, r.manual,"
                "  coalesce((SELECT group_concat(control_id, ' ') FROM (SELECT control_id"
                "   FROM requirement_controls m WHERE m.framework = r.framework"
                "   AND m.requirement = r.id ORDER BY m.rowid)), ''),"
                "  c.account_id, coalesce(a.name, ''), c.status, sr.at, sr.run_id,"
                "  fr.at, fr.run_id, ");
    hw_buf_puts(&sql, q->with_evidence ? "c.evidence" : "NULL");
    /* the controls behind a failure, from its evidence (read only then) */
    hw_buf_puts(&sql,
                ", CASE WHEN c.status IN ('FAILED', 'SUPPRESSED') THEN"
                "  (SELECT group_concat(json_extract(x.value, '$.control'), ' ')"
                "   FROM eval_intervals v, json_each(v.evidence, '$.controls') x"
                "   WHERE v.id = c.id AND json_extract(x.value, '$.class') = c.status)"
                "  END"
                " FROM cur c JOIN requirements r ON r.framework = c.framework"
                "  AND r.id = c.requirement"
                " JOIN eval_runs sr ON sr.seq = c.from_seq"
                " LEFT JOIN fs ON fs.cid = c.id LEFT JOIN eval_runs fr ON fr.seq = fs.seq"
                " LEFT JOIN accounts a ON a.id = c.account_id"
                " ORDER BY r.rowid, c.account_id");
    sqlite3_stmt *st = NULL;
    if ((rc = prepare(s, &sql, &b, &st, what, e)) != HW_OK)
        return rc;
    int r;
    hw_err_clear(e);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int failing = sqlite3_column_type(st, 10) != SQLITE_NULL;
        hw_compliance_row row = {
            store_col(st, 0),
            store_col(st, 1),
            store_col(st, 2),
            sqlite3_column_int(st, 3),
            store_col(st, 4),
            store_col(st, 5),
            store_col(st, 6),
            store_col(st, 7),
            sqlite3_column_int64(st, 8),
            store_col(st, 9),
            failing ? sqlite3_column_int64(st, 10) : -1,
            failing ? store_col(st, 11) : NULL,
            store_col_null(st, 12),
            store_col(st, 13),
        };
        int cr = cb(arg, &row);
        if (cr) {
            rc = cb_fail(s, e, what, cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, what);
    sqlite3_finalize(st);
    return rc;
}

int hw_store_evidence_lines(hw_store *s, const char *account, const char *evidence,
                            int (*cb)(void *arg, const hw_evidence_line *l), void *arg,
                            hw_err *e)
{
    const char *what = "reading a requirement's evidence";
    sqlite3_stmt *st = NULL;
    /* the finding's current last_observed through the evaluation index
     * (trusted, active findings by account and control) */
    if (sqlite3_prepare_v2(
            s->db,
            "SELECT json_extract(c.value, '$.control'), json_extract(c.value, '$.class'),"
            " json_extract(c.value, '$.reason'),"
            " (SELECT group_concat(d.value, ' ') FROM json_each(c.value, '$.disabled_in') d),"
            " json_extract(c.value, '$.passed'), json_extract(c.value, '$.failed'),"
            " json_extract(c.value, '$.suppressed'), json_extract(c.value, '$.not_available'),"
            " json_extract(f.value, '$.id'), json_extract(f.value, '$.region'),"
            " json_extract(f.value, '$.status'), json_extract(f.value, '$.workflow'),"
            " json_extract(f.value, '$.resources'), json_extract(f.value, '$.first_observed'),"
            " json_extract(f.value, '$.last_observed'),"
            " (SELECT x.last_observed FROM findings x WHERE x.account_id = ?2"
            "  AND x.control_id = json_extract(c.value, '$.control')"
            "  AND x.id = json_extract(f.value, '$.id')"
            "  AND x.trusted = 1 AND x.record_state = 'ACTIVE' LIMIT 1)"
            " FROM json_each(?1, '$.controls') c"
            " LEFT JOIN json_each(c.value, '$.findings') f"
            " ORDER BY c.key, f.key",
            -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, what);
    sqlite3_bind_text(st, 1, evidence, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
    int r, rc = HW_OK;
    hw_err_clear(e);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_evidence_line l = {
            store_col(st, 0),
            store_col(st, 1),
            store_col_null(st, 2),
            store_col_null(st, 3),
            (long)sqlite3_column_int64(st, 4),
            (long)sqlite3_column_int64(st, 5),
            (long)sqlite3_column_int64(st, 6),
            (long)sqlite3_column_int64(st, 7),
            store_col_null(st, 8),
            store_col_null(st, 9),
            store_col_null(st, 10),
            store_col_null(st, 11),
            store_col_null(st, 12),
            store_col_null(st, 13),
            store_col_null(st, 14),
            store_col_ms(st, 15),
        };
        int cr = cb(arg, &l);
        if (cr) {
            rc = cb_fail(s, e, what, cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, what);
    sqlite3_finalize(st);
    return rc;
}

int hw_store_compliance_values(hw_store *s, const char *framework,
                               int (*cb)(void *arg, const char *value), void *arg, hw_err *e)
{
    const char *what = framework ? "reading requirements" : "reading frameworks";
    sqlite3_stmt *st = NULL;
    const char *sql = framework
                          ? "SELECT id FROM requirements WHERE framework = ? ORDER BY rowid"
                          : "SELECT DISTINCT framework FROM eval_intervals WHERE to_seq IS NULL"
                            " UNION SELECT DISTINCT framework FROM requirements ORDER BY 1";
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, what);
    if (framework)
        sqlite3_bind_text(st, 1, framework, -1, SQLITE_STATIC);
    int r, rc = HW_OK;
    hw_err_clear(e);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int cr = cb(arg, store_col(st, 0));
        if (cr) {
            rc = cb_fail(s, e, what, cr);
            break;
        }
    }
    if (rc == HW_OK && r != SQLITE_DONE)
        rc = store_fail(s, e, what);
    sqlite3_finalize(st);
    return rc;
}
