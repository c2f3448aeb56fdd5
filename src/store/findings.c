/*
 * findings.c - findings in the store: upsert with change detection and
 * history, compressed raw JSON, queries.
 *
 * Raw ASFF JSON is compressed with zstd.  Findings of one Organization
 * repeat the same keys, product ARNs, control titles and descriptions, so
 * a dictionary trained on the store's first HW_ZDICT_SAMPLES findings
 * takes a 2.5 KB finding to a few hundred bytes where plain zstd gets
 * about 1.1 KB.  Dictionaries are kept in zdicts and never change; each
 * finding records which one (0: none) compressed it.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zdict.h>

#include <openssl/evp.h>

#define ZLEVEL 1

/* ------------------------------------------------------------ compression */

static int load_ddict(hw_store *s, int64_t id, const void *dict, size_t len, hw_err *e)
{
    if ((size_t)id >= s->nddicts) {
        size_t n = (size_t)id + 1;
        ZSTD_DDict **d = realloc(s->ddicts, n * sizeof *d);
        if (!d)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        for (size_t i = s->nddicts; i < n; i++)
            d[i] = NULL;
        s->ddicts = d;
        s->nddicts = n;
    }
    s->ddicts[id] = ZSTD_createDDict(dict, len);
    return s->ddicts[id] ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
}

int store_zstd_init(hw_store *s, hw_err *e)
{
    s->cctx = ZSTD_createCCtx();
    s->dctx = ZSTD_createDCtx();
    hw_buf_init(&s->zbuf, 0);
    hw_buf_init(&s->samples, HW_ZDICT_SAMPLE_BYTES);
    if (!s->cctx || !s->dctx)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id, dict FROM zdicts ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return store_fail(s, e, "reading compression dictionaries");
    int rc = HW_OK;
    while (rc == HW_OK && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const void *d = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        rc = load_ddict(s, id, d, len, e);
        if (rc == HW_OK && s->mode == HW_STORE_WRITE) {
            ZSTD_freeCDict(s->cdict);
            s->cdict = ZSTD_createCDict(d, len, ZLEVEL);
            s->dict_id = (int)id;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

void store_zstd_rollback(hw_store *s)
{
    if (!s->dict_pending)
        return;
    s->dict_pending = 0;
    ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_and_parameters); /* drops its reference */
    s->cctx_dict = 0;
    ZSTD_freeCDict(s->cdict);
    s->cdict = NULL;
    if ((size_t)s->dict_id < s->nddicts) {
        ZSTD_freeDDict(s->ddicts[s->dict_id]);
        s->ddicts[s->dict_id] = NULL;
    }
    s->dict_id = 0;
}

void store_zstd_free(hw_store *s)
{
    ZSTD_freeCCtx(s->cctx);
    ZSTD_freeDCtx(s->dctx);
    ZSTD_freeCDict(s->cdict);
    for (size_t i = 0; i < s->nddicts; i++)
        ZSTD_freeDDict(s->ddicts[i]);
    free(s->ddicts);
    hw_buf_free(&s->samples);
    hw_buf_free(&s->zbuf);
    free(s->sample_sizes);
    for (size_t i = 0; i < s->nproducts; i++)
        free(s->products[i].arn);
    EVP_MD_CTX_free(s->md_ctx);
    EVP_MD_free(s->sha256);
}

/* Trains a dictionary from the samples and stores it (inside the caller's
 * transaction: a rollback forgets it, see forget_uncommitted_dict). */
static int train_dict(hw_store *s, hw_err *e)
{
    size_t cap = 64 * 1024;
    void *dict = malloc(cap);
    if (!dict)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t len = ZDICT_trainFromBuffer(dict, cap, s->samples.data, s->sample_sizes,
                                       (unsigned)s->nsamples);
    int rc = HW_OK;
    if (ZDICT_isError(len)) {
        hw_debug("%s: no compression dictionary: %s", s->path, ZDICT_getErrorName(len));
        goto out; /* too few or too uniform samples: stay without */
    }
    sqlite3_stmt *st = NULL;
    char ts[32];
    hw_time_iso(hw_now(), ts);
    if (sqlite3_prepare_v2(s->db, "INSERT INTO zdicts(created_at, dict) VALUES (?, ?)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = store_fail(s, e, "saving a compression dictionary");
        goto out;
    }
    sqlite3_bind_text(st, 1, ts, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, dict, (int)len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = store_fail(s, e, "saving a compression dictionary");
        sqlite3_finalize(st);
        goto out;
    }
    sqlite3_finalize(st);
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if ((rc = load_ddict(s, id, dict, len, e)) != HW_OK)
        goto out;
    s->cdict = ZSTD_createCDict(dict, len, ZLEVEL);
    s->dict_id = s->cdict ? (int)id : 0;
    s->dict_pending = s->in_tx;
    hw_debug("%s: trained a %zu-byte compression dictionary from %zu findings", s->path, len,
             s->nsamples);
out:
    free(dict);
    hw_buf_free(&s->samples);
    free(s->sample_sizes);
    s->sample_sizes = NULL;
    s->nsamples = 0;
    return rc;
}

static int keep_sample(hw_store *s, const char *raw, size_t len)
{
    if (s->dict_id || s->nsamples >= HW_ZDICT_SAMPLES)
        return 0;
    if (!s->sample_sizes) {
        s->sample_sizes = calloc(HW_ZDICT_SAMPLES, sizeof *s->sample_sizes);
        if (!s->sample_sizes)
            return 0;
    }
    if (hw_buf_append(&s->samples, raw, len) < 0)
        return 1; /* full: train with what there is */
    s->sample_sizes[s->nsamples++] = len;
    return s->nsamples >= HW_ZDICT_SAMPLES;
}

/* Compresses raw into s->zbuf; *dict_id tells which dictionary. */
static int compress_raw(hw_store *s, const char *raw, size_t len, int *dict_id, hw_err *e)
{
    if (keep_sample(s, raw, len) && train_dict(s, e) != HW_OK)
        return e->kind;
    size_t bound = ZSTD_compressBound(len);
    hw_buf_reset(&s->zbuf);
    if (hw_buf_reserve(&s->zbuf, bound) < 0)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t n;
    if (s->cdict) {
        if (s->cctx_dict != s->dict_id) {
            /* the dictionary's tables are referenced in place, never
             * copied per finding: zstd's own choice for findings of a few
             * KB copies them, which takes longer than the compression */
            ZSTD_CCtx_reset(s->cctx, ZSTD_reset_session_and_parameters);
            ZSTD_CCtx_refCDict(s->cctx, s->cdict);
            (void)ZSTD_CCtx_setParameter(s->cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
            s->cctx_dict = s->dict_id;
        }
        n = ZSTD_compress2(s->cctx, s->zbuf.data, bound, raw, len);
    } else {
        n = ZSTD_compressCCtx(s->cctx, s->zbuf.data, bound, raw, len, ZLEVEL);
    }
    if (ZSTD_isError(n))
        return hw_err_set(e, HW_EINTERNAL, "zstd: %s", ZSTD_getErrorName(n));
    s->zbuf.len = n;
    *dict_id = s->cdict ? s->dict_id : 0;
    return HW_OK;
}

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
                     const hw_buf *z, int dict_id)
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
    sqlite3_bind_blob(st, 22, z->data, (int)z->len, SQLITE_STATIC);
}

static int add_history(hw_store *s, int64_t key, const char *run_id, const hw_finding_row *f,
                       const char *oc, const char *ow, const char *orec, hw_err *e)
{
    sqlite3_stmt **st = &s->st[ST_HISTORY_INSERT];
    if (store_prepare(s, st,
                      "INSERT INTO finding_history(finding_key, run_id, at, old_compliance,"
                      " new_compliance, old_workflow, new_workflow, old_record, new_record)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*st, 1, key);
    sqlite3_bind_text(*st, 2, run_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(*st, 3, f->updated_at);
    sqlite3_bind_text(*st, 4, oc, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 5, f->compliance_status, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 6, ow, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 7, f->workflow_status, -1, SQLITE_STATIC);
    sqlite3_bind_text(*st, 8, orec, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(*st, 9, f->record_state, -1, SQLITE_STATIC);
    if (sqlite3_step(*st) != SQLITE_DONE)
        return store_fail(s, e, "saving finding history");
    return HW_OK;
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

/* INSERT unless the key is stored: *inserted tells which. */
static int insert_new(hw_store *s, int64_t key, const hw_finding_row *f, int64_t pid,
                      const char *run_id, int dict_id, int *inserted, hw_err *e)
{
    sqlite3_stmt **ins = &s->st[ST_FINDING_INSERT];
    if (store_prepare(s, ins,
                      "INSERT INTO findings(key, id, product_id, account_id, region, control_id,"
                      " severity, compliance_status, workflow_status, record_state,"
                      " resource_type, resources, first_observed, last_observed, created_at,"
                      " updated_at, trusted, untrusted_reason, first_run, last_run, zdict,"
                      " rawlen, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
                      " ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19, ?20, ?21, ?22)"
                      " ON CONFLICT (key) DO NOTHING",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*ins, 1, key);
    bind_row(*ins, f, pid, run_id, &s->zbuf, dict_id);
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
    int dict_id = 0, compressed = 0, inserted = 0;
    if (!s->lookup_first) {
        if (compress_raw(s, f->raw, f->rawlen, &dict_id, e) != HW_OK)
            return e->kind;
        compressed = 1;
        if (insert_new(s, key, f, pid, run_id, dict_id, &inserted, e) != HW_OK)
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
        if (!compressed && (compress_raw(s, f->raw, f->rawlen, &dict_id, e) != HW_OK ||
                            insert_new(s, key, f, pid, run_id, dict_id, &inserted, e) != HW_OK))
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
    char oc[32], ow[32], orec[32];
    snprintf(oc, sizeof oc, "%s", store_col(*get, 2));
    snprintf(ow, sizeof ow, "%s", store_col(*get, 3));
    snprintf(orec, sizeof orec, "%s", store_col(*get, 4));
    int64_t old_updated = sqlite3_column_int64(*get, 5);
    sqlite3_reset(*get);
    int state_changed = strcmp(oc, f->compliance_status) || strcmp(ow, f->workflow_status) ||
                        strcmp(orec, f->record_state);
    if (f->updated_at < old_updated || (f->updated_at == old_updated && !state_changed)) {
        *result = HW_UPSERT_UNCHANGED; /* the same, or an older copy */
        return HW_OK;
    }
    if (!compressed && compress_raw(s, f->raw, f->rawlen, &dict_id, e) != HW_OK)
        return e->kind;
    sqlite3_stmt **up = &s->st[ST_FINDING_UPDATE];
    if (store_prepare(s, up,
                      "UPDATE findings SET id = ?2, product_id = ?3, account_id = ?4, region = ?5,"
                      " control_id = ?6, severity = ?7, compliance_status = ?8,"
                      " workflow_status = ?9, record_state = ?10, resource_type = ?11,"
                      " resources = ?12, first_observed = ?13, last_observed = ?14,"
                      " created_at = ?15, updated_at = ?16, trusted = ?17, untrusted_reason = ?18,"
                      " last_run = ?19, zdict = ?20, rawlen = ?21, raw = ?22 WHERE key = ?1",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*up, 1, key);
    bind_row(*up, f, pid, run_id, &s->zbuf, dict_id);
    if (sqlite3_step(*up) != SQLITE_DONE)
        return store_fail(s, e, "updating a finding");
    if (!state_changed) {
        *result = HW_UPSERT_UNCHANGED;
        return HW_OK;
    }
    if (add_history(s, key, run_id, f, oc, ow, orec, e) != HW_OK)
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
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT zdict, rawlen, raw, id FROM findings WHERE key = ?", -1,
                           &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading a finding");
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
    char *out = malloc(n + 1);
    if (!out) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    size_t got;
    if (dict > 0 && ((size_t)dict >= s->nddicts || !s->ddicts[dict])) {
        free(out);
        rc = hw_err_set(e, HW_ESTORE, "%s: compression dictionary %lld is missing", s->path,
                        (long long)dict);
        goto out;
    }
    got = dict > 0 ? ZSTD_decompress_usingDDict(s->dctx, out, n, z, zlen, s->ddicts[dict])
                   : ZSTD_decompressDCtx(s->dctx, out, n, z, zlen);
    if (ZSTD_isError(got) || got != n) {
        free(out);
        rc = hw_err_set(e, HW_ESTORE, "%s: finding %s: damaged raw JSON", s->path, id);
        goto out;
    }
    out[n] = '\0';
    *json = out;
    *len = n;
out:
    sqlite3_finalize(st);
    return rc;
}

/* --------------------------------------------------------------- queries */

int hw_store_findings(hw_store *s, const hw_finding_query *q,
                      int (*cb)(void *arg, const hw_finding_row *f), void *arg, hw_err *e)
{
    hw_buf sql = HW_BUF_INIT(0);
    hw_buf_puts(&sql,
                "SELECT f.id, p.arn, p.name, f.account_id, f.region, f.control_id, f.severity,"
                " f.compliance_status, f.workflow_status, f.record_state, f.resource_type,"
                " f.resources, f.first_observed, f.last_observed, f.created_at, f.updated_at,"
                " f.trusted, f.untrusted_reason FROM findings f JOIN products p ON p.id ="
                " f.product_id WHERE 1");
    const char *binds[8];
    int nb = 0;
    if (!q->include_archived)
        hw_buf_puts(&sql, " AND f.record_state = 'ACTIVE'");
    if (q->account) {
        hw_buf_puts(&sql, " AND f.account_id = ?");
        binds[nb++] = q->account;
    }
    if (q->control) {
        hw_buf_puts(&sql, " AND f.control_id = ?");
        binds[nb++] = q->control;
    }
    if (q->framework) {
        hw_buf_puts(&sql, " AND f.control_id IN (SELECT control_id FROM requirement_controls"
                          " WHERE framework = ?)");
        binds[nb++] = q->framework;
    }
    if (q->status) {
        hw_buf_puts(&sql, " AND f.compliance_status = ?");
        binds[nb++] = q->status;
    }
    if (q->severity) {
        hw_buf_puts(&sql, " AND f.severity = ?");
        binds[nb++] = q->severity;
    }
    if (q->product) {
        hw_buf_puts(&sql, " AND p.name = ?");
        binds[nb++] = q->product;
    }
    if (q->since > 0)
        hw_buf_puts(&sql, " AND f.updated_at >= ?");
    hw_buf_puts(&sql, " ORDER BY f.account_id, f.region, f.control_id, f.id");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, hw_buf_str(&sql), -1, &st, NULL) != SQLITE_OK) {
        hw_buf_free(&sql);
        return store_fail(s, e, "querying findings");
    }
    hw_buf_free(&sql);
    for (int i = 0; i < nb; i++)
        sqlite3_bind_text(st, i + 1, binds[i], -1, SQLITE_STATIC);
    if (q->since > 0)
        sqlite3_bind_int64(st, nb + 1, q->since);
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
        if ((cr = cb(arg, &f)) != 0)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "querying findings", cr)
                               : store_fail(s, e, "querying findings");
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
                           " new_workflow, old_record, new_record FROM finding_history"
                           " WHERE finding_key = ? ORDER BY rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading finding history");
    sqlite3_bind_int64(st, 1, key);
    int r, cr = 0;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        hw_history_row h = { store_col(st, 0), sqlite3_column_int64(st, 1), store_col(st, 2),
                             store_col(st, 3),  store_col(st, 4), store_col(st, 5),
                             store_col(st, 6),  store_col(st, 7) };
        if ((cr = cb(arg, &h)) != 0)
            break;
    }
    int rc = r == SQLITE_DONE  ? HW_OK
             : r == SQLITE_ROW ? store_cb_fail(s, e, "reading finding history", cr)
                               : store_fail(s, e, "reading finding history");
    sqlite3_finalize(st);
    return rc;
}
