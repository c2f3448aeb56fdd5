/*
 * findings.c - findings in the store: upsert with change detection and
 * history, the raw JSON (compressed by compress.c), queries.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

/* ------------------------------------------------------------------ keys */

static int finding_key(hw_store *s, const char *product_arn, const char *id, int64_t *key,
                       hw_err *e)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    /* one digest context for the store's life: OpenSSL 3 otherwise looks
     * the algorithm up and allocates a context for every finding */
    if (!s->sha256) {
        s->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
        s->md_ctx = EVP_MD_CTX_new();
    }
    if (!s->sha256 || !s->md_ctx ||
        !EVP_DigestInit_ex2(s->md_ctx, s->sha256, NULL) ||
        !EVP_DigestUpdate(s->md_ctx, product_arn, strlen(product_arn)) ||
        !EVP_DigestUpdate(s->md_ctx, "\n", 1) || !EVP_DigestUpdate(s->md_ctx, id, strlen(id)) ||
        !EVP_DigestFinal_ex(s->md_ctx, md, &mdlen))
        return hw_err_set(e, HW_EINTERNAL, "SHA-256 is not available from OpenSSL");
    uint64_t k = 0;
    for (int i = 0; i < 8; i++)
        k = (k << 8) | md[i];
    *key = (int64_t)(k & INT64_MAX);
    return HW_OK;
}

static int product_id(hw_store *s, const char *arn, const char *name, int64_t *id, hw_err *e)
{
    for (size_t i = 0; i < s->nproducts; i++)
        if (strcmp(s->products[i].arn, arn) == 0) {
            *id = s->products[i].id;
            return HW_OK;
        }
    sqlite3_stmt **st = &s->st[ST_PRODUCT_GET];
    if (store_prepare(s, st, "SELECT id FROM products WHERE arn = ?", e) != HW_OK)
        return e->kind;
    sqlite3_bind_text(*st, 1, arn, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(*st) == SQLITE_ROW) {
        *id = sqlite3_column_int64(*st, 0);
    } else {
        sqlite3_stmt **ins = &s->st[ST_PRODUCT_INSERT];
        if (store_prepare(s, ins, "INSERT INTO products(arn, name) VALUES (?, ?)", e) != HW_OK)
            return e->kind;
        sqlite3_bind_text(*ins, 1, arn, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(*ins, 2, name, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(*ins) != SQLITE_DONE)
            return store_fail(s, e, "saving a product");
        *id = sqlite3_last_insert_rowid(s->db);
    }
    sqlite3_reset(*st);
    if (s->nproducts < HW_ARRAY_LEN(s->products)) {
        char *copy = strdup(arn);
        if (copy) {
            s->products[s->nproducts].arn = copy;
            s->products[s->nproducts++].id = *id;
        }
    }
    return HW_OK;
}

/* ---------------------------------------------------------------- upsert */

static void bind_row(sqlite3_stmt *st, const hw_finding_row *f, int64_t pid, const char *run_id,
                     const void *z, size_t zlen, int dict_id)
{
    /* parameters ?1..?20 by name order in both INSERT and UPDATE */
    sqlite3_bind_text(st, 2, f->id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, pid);
    sqlite3_bind_text(st, 4, f->account_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, f->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, f->control_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, f->severity, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 8, f->compliance_status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 9, f->workflow_status, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 10, f->record_state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 11, f->resource_type, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 12, f->resources, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 13, f->first_observed);
    sqlite3_bind_int64(st, 14, f->last_observed);
    sqlite3_bind_int64(st, 15, f->created_at);
    sqlite3_bind_int64(st, 16, f->updated_at);
    sqlite3_bind_int(st, 17, f->trusted);
    if (f->trusted || !f->untrusted_reason)
        sqlite3_bind_null(st, 18);
    else
        sqlite3_bind_text(st, 18, f->untrusted_reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 19, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 20, dict_id);
    sqlite3_bind_int64(st, 21, (sqlite3_int64)f->rawlen);
    sqlite3_bind_blob(st, 22, z, (int)zlen, SQLITE_STATIC);
    sqlite3_bind_text(st, 23, f->title, -1, SQLITE_STATIC);
}

/* The three states a history row follows. */
struct states {
    const char *compliance, *workflow, *record;
};

/* A history row: the stored states went from o to n at `at` (epoch ms);
 * tie: an exact UpdatedAt tie, o the version set aside, n the one kept. */
static int add_history(hw_store *s, int64_t key, const char *run_id, int64_t at,
                       const struct states *o, const struct states *n, int tie, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_HISTORY_INSERT];
    if (store_prepare(s, st,
                      "INSERT INTO finding_history(finding_key, run_id, at, old_compliance,"
                      " new_compliance, old_workflow, new_workflow, old_record, new_record, tie)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*st, 1, key);
    sqlite3_bind_text(*st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 3, at);
    sqlite3_bind_text(*st, 4, o->compliance, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 5, n->compliance, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 6, o->workflow, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 7, n->workflow, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 8, o->record, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 9, n->record, -1, SQLITE_STATIC);
    sqlite3_bind_int(*st, 10, tie);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "saving finding history");
    return HW_OK;
}

/*
 * Two versions of a finding with the same UpdatedAt, to the millisecond,
 * and different states: which one the store keeps must not depend on the
 * order they arrive in.  The one further along its workflow wins:
 *
 *   NEW < NOTIFIED < RESOLVED < SUPPRESSED
 *
 * SUPPRESSED last: Security Hub itself reopens a RESOLVED finding (back to
 * NEW) when its control fails again or it becomes active again, but never
 * a SUPPRESSED one, which only a person changes.  A status Security Hub
 * does not define, or none, comes before NEW.  Then ARCHIVED over ACTIVE
 * (the end of a finding's life), then the failing compliance status over
 * the passing one (FAILED > WARNING > NOT_AVAILABLE > PASSED > none: when
 * nothing else tells, no false assurance), and last the byte order of the
 * three statuses, so that the order is total.
 */
static int rank(const char *v, const char *const *order, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, order[i]) == 0)
            return (int)i + 1;
    return 0;
}

/* > 0 when a is kept over b, < 0 when b is, 0 when they are the same. */
static int tie_order(const struct states *a, const struct states *b)
{
    static const char *const workflow[] = { "NEW", "NOTIFIED", "RESOLVED", "SUPPRESSED" };
    static const char *const record[] = { "ACTIVE", "ARCHIVED" };
    static const char *const compliance[] = { "PASSED", "NOT_AVAILABLE", "WARNING", "FAILED" };
    int d = rank(a->workflow, workflow, 4) - rank(b->workflow, workflow, 4);
    if (!d)
        d = rank(a->record, record, 2) - rank(b->record, record, 2);
    if (!d)
        d = rank(a->compliance, compliance, 4) - rank(b->compliance, compliance, 4);
    if (!d)
        d = strcmp(a->workflow, b->workflow);
    if (!d)
        d = strcmp(a->record, b->record);
    if (!d)
        d = strcmp(a->compliance, b->compliance);
    return d;
}

/* The stored version wins a tie: record it, once however often the
 * version set aside comes again (a re-import of the same files). */
static int record_tie_kept(hw_store *s, int64_t key, const char *run_id, int64_t at,
                           const struct states *aside, const struct states *kept, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_HISTORY_TIE_GET];
    if (store_prepare(s, st,
                      "SELECT 1 FROM finding_history WHERE finding_key = ? AND tie = 1 AND at = ?"
                      " AND old_compliance = ? AND old_workflow = ? AND old_record = ?"
                      " AND new_compliance = ? AND new_workflow = ? AND new_record = ?",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*st, 1, key);
    sqlite3_bind_int64(*st, 2, at);
    sqlite3_bind_text(*st, 3, aside->compliance, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 4, aside->workflow, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 5, aside->record, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 6, kept->compliance, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 7, kept->workflow, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 8, kept->record, -1, SQLITE_STATIC);
    int r = sqlite3_step(*st);
    sqlite3_reset(*st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading finding history");
    if (r == SQLITE_ROW)
        return HW_OK;
    return add_history(s, key, run_id, at, aside, kept, 1, e);
}

/*
 * The order of an upsert.  A new finding needs only the INSERT, whose own
 * uniqueness check seeks the key index; looking the key up first seeks it
 * a second time, a tenth of the time of an import into a fresh store.
 * Inserting first, though, compresses a finding before knowing whether it
 * is stored already, wasted when it is unchanged.  So the store inserts
 * first while more than half of the last UPSERT_WINDOW findings were new
 * (an import into a fresh store, a first scan) and looks up first
 * otherwise (a nightly scan of a known Organization, a re-import).  Both
 * orders store the same rows with the same outcomes.
 */
#define UPSERT_WINDOW 64

static void note_outcome(hw_store *s, int is_new)
{
    s->window_new += (unsigned)is_new;
    if (++s->window == UPSERT_WINDOW) {
        s->lookup_first = s->window_new * 2 <= UPSERT_WINDOW;
        s->window = s->window_new = 0;
    }
}

/* A finding's raw JSON, compressed (store_zstd_compress). */
struct zraw {
    const void *data;
    size_t len;
    int dict_id;
};

static int compress_raw(hw_store *s, const hw_finding_row *f, struct zraw *z, hw_err *e)
{
    return store_zstd_compress(s, f->raw, f->rawlen, &z->data, &z->len, &z->dict_id, e);
}

/* INSERT unless the key is stored: *inserted tells which. */
static int insert_new(hw_store *s, int64_t key, const hw_finding_row *f, int64_t pid,
                      const char *run_id, const struct zraw *z, int *inserted, hw_err *e)
{
    sqlite3_stmt **ins = &s->st[ST_FINDING_INSERT];
    if (store_prepare(s, ins,
                      "INSERT INTO findings(key, id, product_id, account_id, region, control_id,"
                      " severity, compliance_status, workflow_status, record_state,"
                      " resource_type, resources, first_observed, last_observed, created_at,"
                      " updated_at, trusted, untrusted_reason, first_run, last_run, zdict,"
                      " rawlen, raw, title) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                      " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20, ?21, ?22, ?23)"
                      " ON CONFLICT (key) DO NOTHING",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*ins, 1, key);
    bind_row(*ins, f, pid, run_id, z->data, z->len, z->dict_id);
    if (sqlite3_step(*ins) != SQLITE_DONE)
        return store_fail(s, e, "saving a finding");
    *inserted = sqlite3_changes(s->db) == 1;
    return HW_OK;
}

int hw_store_finding_upsert(hw_store *s, const hw_finding_row *f, const char *run_id,
                            int *result, hw_err *e)
{
    int64_t key;
    if (finding_key(s, f->product_arn, f->id, &key, e) != HW_OK)
        return e->kind;
    int64_t pid = 0;
    if (product_id(s, f->product_arn, f->product, &pid, e) != HW_OK)
        return e->kind;
    struct zraw z = { NULL, 0, 0 };
    int compressed = 0, inserted = 0;
    if (!s->lookup_first) {
        if (compress_raw(s, f, &z, e) != HW_OK)
            return e->kind;
        compressed = 1;
        if (insert_new(s, key, f, pid, run_id, &z, &inserted, e) != HW_OK)
            return e->kind;
        if (inserted) {
            note_outcome(s, 1);
            *result = HW_UPSERT_NEW;
            return HW_OK;
        }
    }
    sqlite3_stmt **get = &s->st[ST_FINDING_GET];
    if (store_prepare(s, get,
                      "SELECT id, product_id, compliance_status, workflow_status, record_state,"
                      " updated_at FROM findings WHERE key = ?",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*get, 1, key);
    int r = sqlite3_step(*get);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading a finding");
    if (r == SQLITE_DONE) {
        sqlite3_reset(*get);
        if (!compressed && (compress_raw(s, f, &z, e) != HW_OK ||
                            insert_new(s, key, f, pid, run_id, &z, &inserted, e) != HW_OK))
            return e->kind;
        if (!inserted) /* the INSERT finds the key, the SELECT does not */
            return hw_err_set(e, HW_ESTORE, "%s: the key index disagrees with the findings",
                              s->path);
        note_outcome(s, 1);
        *result = HW_UPSERT_NEW;
        return HW_OK;
    }
    note_outcome(s, 0);
    /* existing: same identity? (a 63-bit SHA-256 prefix collision is not
     * expected in practice, but never overwrite another finding) */
    if (strcmp(store_col(*get, 0), f->id) != 0 || sqlite3_column_int64(*get, 1) != pid) {
        sqlite3_reset(*get);
        hw_warn("%s: finding key collision for %s; not stored", s->path, f->id);
        *result = HW_UPSERT_UNCHANGED;
        return HW_OK;
    }
    /* statuses are at most 32 characters (finding.c) */
    char oc[64], ow[64], orec[64];
    snprintf(oc, sizeof oc, "%s", store_col(*get, 2));
    snprintf(ow, sizeof ow, "%s", store_col(*get, 3));
    snprintf(orec, sizeof orec, "%s", store_col(*get, 4));
    int64_t old_updated = sqlite3_column_int64(*get, 5);
    sqlite3_reset(*get);
    const struct states stored = { oc, ow, orec };
    const struct states incoming = { f->compliance_status, f->workflow_status, f->record_state };
    int state_changed = strcmp(oc, f->compliance_status) || strcmp(ow, f->workflow_status) ||
                        strcmp(orec, f->record_state);
    if (f->updated_at < old_updated || (f->updated_at == old_updated && !state_changed)) {
        *result = HW_UPSERT_UNCHANGED; /* the same, or an older copy */
        return HW_OK;
    }
    /* the same millisecond, other states: the version further along wins */
    int tie = f->updated_at == old_updated;
    if (tie && tie_order(&incoming, &stored) < 0) {
        if (record_tie_kept(s, key, run_id, f->updated_at, &incoming, &stored, e) != HW_OK)
            return e->kind;
        *result = HW_UPSERT_UNCHANGED;
        return HW_OK;
    }
    if (!compressed && compress_raw(s, f, &z, e) != HW_OK)
        return e->kind;
    sqlite3_stmt **up = &s->st[ST_FINDING_UPDATE];
    if (store_prepare(s, up,
                      "UPDATE findings SET id = ?2, product_id = ?3, account_id = ?4, region = ?5,"
                      " control_id = ?6, severity = ?7, compliance_status = ?8,"
                      " workflow_status = ?9, record_state = ?10, resource_type = ?11,"
                      " resources = ?12, first_observed = ?13, last_observed = ?14,"
                      " created_at = ?15, updated_at = ?16, trusted = ?17, untrusted_reason = ?18,"
                      " last_run = ?19, zdict = ?20, rawlen = ?21, raw = ?22, title = ?23 WHERE key = ?1",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*up, 1, key);
    bind_row(*up, f, pid, run_id, z.data, z.len, z.dict_id);
    if (sqlite3_step(*up) != SQLITE_DONE)
        return store_fail(s, e, "updating a finding");
    if (!state_changed) {
        *result = HW_UPSERT_UNCHANGED;
        return HW_OK;
    }
    if (add_history(s, key, run_id, f->updated_at, &stored, &incoming, tie, e) != HW_OK)
        return e->kind;
    int resolved = (strcmp(f->record_state, "ARCHIVED") == 0 && strcmp(orec, "ARCHIVED") != 0) ||
                   (strcmp(f->compliance_status, "PASSED") == 0 &&
                    (strcmp(oc, "FAILED") == 0 || strcmp(oc, "WARNING") == 0));
    *result = resolved ? HW_UPSERT_RESOLVED : HW_UPSERT_CHANGED;
    return HW_OK;
}

int hw_store_finding_raw(hw_store *s, const char *product_arn, const char *id, char **json,
                         size_t *len, hw_err *e)
{
    *json = NULL;
    int64_t key;
    if (finding_key(s, product_arn, id, &key, e) != HW_OK)
        return e->kind;
    sqlite3_stmt **sp = &s->st[ST_FINDING_RAW];
    if (store_prepare(s, sp, "SELECT zdict, rawlen, raw, id FROM findings WHERE key = ?", e) !=
        HW_OK)
        return e->kind;
    sqlite3_stmt *st = *sp;
    sqlite3_bind_int64(st, 1, key);
    int rc = HW_OK;
    if (sqlite3_step(st) != SQLITE_ROW || strcmp(store_col(st, 3), id) != 0) {
        rc = hw_err_set(e, HW_ENOTFOUND, "no finding %s", id);
        goto out;
    }
    int64_t dict = sqlite3_column_int64(st, 0);
    size_t n = (size_t)sqlite3_column_int64(st, 1);
    const void *z = sqlite3_column_blob(st, 2);
    size_t zlen = (size_t)sqlite3_column_bytes(st, 2);
    char *out;
    if ((rc = store_zstd_decompress(s, dict, z, zlen, n, id, &out, e)) != HW_OK)
        goto out;
    *json = out;
    *len = n;
out:
    sqlite3_reset(st);
    return rc;
}

/* --------------------------------------------------------------- queries */

/* Sort fields and their SQL; severity ranks CRITICAL first. */
static const char *const sort_names[] = {
    "account", "region", "control", "severity", "compliance_status", "workflow_status",
    "record_state", "product", "first_observed", "last_observed", "updated_at", "id", "title",
    "trusted", "resources",
};
static const char *const sort_sql[] = {
    "f.account_id", "f.region", "f.control_id",
    "CASE f.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2"
    " WHEN 'LOW' THEN 3 WHEN 'INFORMATIONAL' THEN 4 ELSE 5 END",
    "f.compliance_status", "f.workflow_status", "f.record_state", "p.name", "f.first_observed",
    "f.last_observed", "f.updated_at", "f.id", "f.title", "f.trusted", "f.resources",
};

const char *const *hw_store_finding_sort_fields(size_t *n)
{
    *n = HW_ARRAY_LEN(sort_names);
    return sort_names;
}

/* The bound values of a query, in order. */
struct binds {
    const char *text[1024];
    int64_t since;
    int n, has_since;
};

static void add_in(hw_buf *sql, struct binds *b, const char *col, const char *const *v, size_t n)
{
    if (!n)
        return;
    hw_buf_printf(sql, " AND %s IN (", col);
    for (size_t i = 0; i < n && b->n < (int)HW_ARRAY_LEN(b->text); i++) {
        hw_buf_puts(sql, i ? ", ?" : "?");
        b->text[b->n++] = v[i];
    }
    hw_buf_puts(sql, ")");
}

static size_t nvalues(const hw_finding_query *q)
{
    return q->naccounts + q->nregions + q->ncontrols + q->nstatuses + q->nseverities +
           q->nproducts + 1;
}

/* The WHERE clause of q (after "WHERE 1"). */
static void where(hw_buf *sql, struct binds *b, const hw_finding_query *q)
{
    if (!q->include_archived)
        hw_buf_puts(sql, " AND f.record_state = 'ACTIVE'");
    if (q->trusted)
        hw_buf_puts(sql, q->trusted > 0 ? " AND f.trusted = 1" : " AND f.trusted = 0");
    add_in(sql, b, "f.account_id", q->accounts, q->naccounts);
    add_in(sql, b, "f.region", q->regions, q->nregions);
    add_in(sql, b, "f.control_id", q->controls, q->ncontrols);
    add_in(sql, b, "f.compliance_status", q->statuses, q->nstatuses);
    add_in(sql, b, "f.severity", q->severities, q->nseverities);
    add_in(sql, b, "p.name", q->products, q->nproducts);
    if (q->id)
        add_in(sql, b, "f.id", &q->id, 1);
    if (q->since > 0) {
        hw_buf_puts(sql, " AND f.updated_at >= ?");
        b->since = q->since;
        b->has_since = 1;
    }
}

/* ORDER BY from q->sort over names/exprs; HW_EINVAL for an unknown key. */
static int order_by(hw_buf *sql, const hw_finding_query *q, const char *const *names,
                    const char *const *exprs, size_t n, const char *dflt, hw_err *e)
{
    hw_buf_puts(sql, " ORDER BY ");
    for (size_t i = 0; i < q->nsort; i++) {
        const char *k = q->sort[i];
        int desc = *k == '-';
        k += desc;
        size_t j = 0;
        while (j < n && strcmp(names[j], k) != 0)
            j++;
        if (j == n)
            return hw_err_set(e, HW_EINVAL, "cannot sort by '%s'", k);
        hw_buf_printf(sql, "%s%s, ", exprs[j], desc ? " DESC" : "");
    }
    hw_buf_puts(sql, dflt);
    return HW_OK;
}

static void bind_all(sqlite3_stmt *st, const struct binds *b, long limit)
{
    int i = 0;
    for (; i < b->n; i++)
        sqlite3_bind_text(st, i + 1, b->text[i], -1, SQLITE_STATIC);
    if (b->has_since)
        sqlite3_bind_int64(st, ++i, b->since);
    if (limit > 0)
        sqlite3_bind_int64(st, ++i, limit);
}

int hw_store_findings(hw_store *s, const hw_finding_query *q,
                      int (*cb)(void *arg, const hw_finding_row *f), void *arg, hw_err *e)
{
    if (nvalues(q) > 1000)
        return hw_err_set(e, HW_EINVAL, "at most 1000 filter values");
    hw_buf sql = HW_BUF_INIT(0);
    struct binds b = { .n = 0 };
    hw_buf_puts(&sql,
                "SELECT f.id, p.arn, p.name, f.account_id, f.region, f.control_id, f.severity,"
                " f.compliance_status, f.workflow_status, f.record_state, f.resource_type,"
                " f.resources, f.first_observed, f.last_observed, f.created_at, f.updated_at,"
                " f.trusted, f.untrusted_reason, f.title FROM findings f JOIN products p"
                " ON p.id = f.product_id WHERE 1");
    where(&sql, &b, q);
    if (order_by(&sql, q, sort_names, sort_sql, HW_ARRAY_LEN(sort_names),
                 "f.account_id, f.region, f.control_id, f.id", e) != HW_OK) {
        hw_buf_free(&sql);
        return e->kind;
    }
    if (q->limit > 0)
        hw_buf_puts(&sql, " LIMIT ?");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, hw_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        hw_buf_free(&sql);
        return store_fail(s, e, "querying findings");
    }
    hw_buf_free(&sql);
    bind_all(st, &b, q->limit);
    int r, cr = 0;
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
        if ((cr = cb(arg, &f)) != 0)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "querying findings", cr)
                               : store_fail(s, e, "querying findings");
    sqlite3_finalize(st);
    return rc;
}

struct hw_store_raw_ref {
    hw_store *s;
    sqlite3_stmt *st;
};

int hw_store_raw_ref_read(hw_store_raw_ref *r, char **json, size_t *len, hw_err *e)
{
    sqlite3_stmt *st = r->st;
    size_t n = (size_t)sqlite3_column_int64(st, 10);
    const void *z = sqlite3_column_blob(st, 11);
    size_t zlen = (size_t)sqlite3_column_bytes(st, 11);
    *json = NULL;
    *len = 0;
    if (store_zstd_decompress(r->s, sqlite3_column_int64(st, 9), z, zlen, n, store_col(st, 1),
                              json, e) != HW_OK)
        return e->kind;
    *len = n;
    return HW_OK;
}

int hw_store_plan_findings(hw_store *s, const char *account,
                           int (*cb)(void *arg, const hw_finding_row *f, int64_t rowid,
                                     hw_store_raw_ref *raw),
                           void *arg, hw_err *e)
{
    /* no ORDER BY: a sort would hold every row in memory; no index: the
     * rows are most of the table (the plan reads the raw ASFF of many) */
    static const char sql[] =
        "SELECT f.rowid, f.id, p.arn, f.account_id, f.region, f.control_id,"
        " f.compliance_status, f.updated_at, f.trusted, f.zdict, f.rawlen, f.raw,"
        " f.untrusted_reason FROM findings f JOIN products p ON p.id = f.product_id"
        " WHERE f.record_state = 'ACTIVE' AND (f.compliance_status = 'FAILED'"
        " OR f.control_id = '') AND (?1 IS NULL OR f.account_id = ?1)";
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "querying findings");
    if (account)
        sqlite3_bind_text(st, 1, account, -1, SQLITE_STATIC);
    hw_store_raw_ref ref = { s, st };
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_finding_row f = { 0 };
        f.id = store_col(st, 1);
        f.product_arn = store_col(st, 2);
        f.account_id = store_col(st, 3);
        f.region = store_col(st, 4);
        f.control_id = store_col(st, 5);
        f.compliance_status = store_col(st, 6);
        f.updated_at = sqlite3_column_int64(st, 7);
        f.trusted = sqlite3_column_int(st, 8);
        f.untrusted_reason = store_col(st, 12);
        if ((cr = cb(arg, &f, sqlite3_column_int64(st, 0), &ref)) != 0)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "querying findings", cr)
                               : store_fail(s, e, "querying findings");
    sqlite3_finalize(st);
    return rc;
}

static const char *const group_names[] = { "resource", "account", "region", "findings",
                                           "failed", "severity", "last_observed" };
static const char *const group_sql[] = {
    "r.value", "f.account_id", "f.region", "COUNT(*)",
    "SUM(f.compliance_status = 'FAILED')",
    "MIN(CASE f.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2"
    " WHEN 'LOW' THEN 3 WHEN 'INFORMATIONAL' THEN 4 ELSE 5 END)",
    "MAX(f.last_observed)",
};

int hw_store_findings_by_resource(hw_store *s, const hw_finding_query *q,
                                  int (*cb)(void *arg, const hw_resource_group *g), void *arg,
                                  hw_err *e)
{
    if (nvalues(q) > 1000)
        return hw_err_set(e, HW_EINVAL, "at most 1000 filter values");
    hw_buf sql = HW_BUF_INIT(0);
    struct binds b = { .n = 0 };
    hw_buf_puts(&sql,
                "SELECT r.value, f.account_id, f.region, COUNT(*),"
                " SUM(f.compliance_status = 'FAILED'),"
                " MIN(CASE f.severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM'"
                " THEN 2 WHEN 'LOW' THEN 3 WHEN 'INFORMATIONAL' THEN 4 ELSE 5 END),"
                " MAX(f.last_observed), group_concat(DISTINCT NULLIF(f.control_id, ''))"
                " FROM findings f JOIN products p ON p.id = f.product_id,"
                " json_each(f.resources) r WHERE 1");
    where(&sql, &b, q);
    hw_buf_puts(&sql, " GROUP BY r.value, f.account_id, f.region");
    if (order_by(&sql, q, group_names, group_sql, HW_ARRAY_LEN(group_names),
                 "f.account_id, f.region, r.value", e) != HW_OK) {
        hw_buf_free(&sql);
        return e->kind;
    }
    if (q->limit > 0)
        hw_buf_puts(&sql, " LIMIT ?");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, hw_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        hw_buf_free(&sql);
        return store_fail(s, e, "grouping findings");
    }
    hw_buf_free(&sql);
    bind_all(st, &b, q->limit);
    static const char *const labels[] = { "CRITICAL", "HIGH", "MEDIUM", "LOW",
                                          "INFORMATIONAL", "" };
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int rank = sqlite3_column_int(st, 5);
        hw_resource_group g = {
            store_col(st, 0), store_col(st, 1), store_col(st, 2),
            (unsigned)sqlite3_column_int64(st, 3), (unsigned)sqlite3_column_int64(st, 4),
            store_col(st, 7), labels[rank >= 0 && rank < 6 ? rank : 5],
            sqlite3_column_int64(st, 6),
        };
        if ((cr = cb(arg, &g)) != 0)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "grouping findings", cr)
                               : store_fail(s, e, "grouping findings");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_finding_values(hw_store *s, const char *field,
                            int (*cb)(void *arg, const char *value), void *arg, hw_err *e)
{
    const char *sql = strcmp(field, "account") == 0  ? "SELECT DISTINCT account_id FROM findings"
                      : strcmp(field, "region") == 0 ? "SELECT DISTINCT region FROM findings"
                      : strcmp(field, "control") == 0
                          ? "SELECT DISTINCT control_id FROM findings WHERE control_id != ''"
                      : strcmp(field, "product") == 0 ? "SELECT name FROM products"
                                                      : NULL;
    if (!sql)
        return hw_err_set(e, HW_EINTERNAL, "no finding field '%s'", field);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "listing finding values");
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        if ((cr = cb(arg, store_col(st, 0))) != 0)
            break;
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "listing finding values", cr)
                               : store_fail(s, e, "listing finding values");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_finding_product(hw_store *s, const char *id, char **product_arn, hw_err *e)
{
    *product_arn = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT p.arn FROM findings f JOIN products p ON p.id = f.product_id"
                           " WHERE f.id = ? LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "looking up a finding");
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    int rc = HW_OK;
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        if (!(*product_arn = strdup(store_col(st, 0))))
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    } else if (r == SQLITE_DONE) {
        rc = hw_err_set(e, HW_ENOTFOUND, "no finding with Id %s in the store", id);
    } else {
        rc = store_fail(s, e, "looking up a finding");
    }
    sqlite3_finalize(st);
    return rc;
}

int hw_store_finding_history(hw_store *s, const char *product_arn, const char *id,
                             int (*cb)(void *arg, const hw_history_row *h), void *arg, hw_err *e)
{
    int64_t key;
    if (finding_key(s, product_arn, id, &key, e) != HW_OK)
        return e->kind;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT run_id, at, old_compliance, new_compliance, old_workflow,"
                           " new_workflow, old_record, new_record, tie FROM finding_history"
                           " WHERE finding_key = ? ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading finding history");
    sqlite3_bind_int64(st, 1, key);
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_history_row h = { store_col(st, 0), sqlite3_column_int64(st, 1), store_col(st, 2),
                             store_col(st, 3),  store_col(st, 4), store_col(st, 5),
                             store_col(st, 6),  store_col(st, 7), sqlite3_column_int(st, 8) };
        if ((cr = cb(arg, &h)) != 0)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "reading finding history", cr)
                               : store_fail(s, e, "reading finding history");
    sqlite3_finalize(st);
    return rc;
}
