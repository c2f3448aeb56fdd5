/*
 * compress.c - the raw ASFF JSON of findings, compressed with zstd.
 *
 * Findings of one Organization repeat the same keys, product ARNs, control
 * titles and descriptions, so a dictionary trained on the store's first
 * HW_ZDICT_SAMPLES findings takes a 2.5 KB finding to a few hundred bytes
 * where plain zstd gets about 1.1 KB.  Dictionaries are kept in the zdicts
 * table and never change; each finding records which one (0: none)
 * compressed it.
 *
 * This file owns the compression state of a store handle (struct
 * store_zstd, reached through hw_store.z) and the zdicts table; findings.c
 * calls it for every finding, store.c at open, close and the end of a
 * transaction.  It calls neither of them, so that the store's files do not
 * call each other in a circle.
 */
#include "store/store_int.h"

/* for ZSTD_c_forceAttachDict, an experimental parameter: a libzstd that
 * does not know it refuses it, and compression goes on without */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <zdict.h>

#include <stdlib.h>
#include <string.h>

#define ZLEVEL 1

struct store_zstd {
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    ZSTD_CDict *cdict;
    ZSTD_DDict **ddicts; /* by dictionary id; [0] unused (no dictionary) */
    size_t nddicts;
    int dict_id;         /* id of cdict in zdicts, 0 = none yet */
    int cctx_dict;       /* the dictionary cctx references (0: none) */
    int dict_pending;    /* cdict was saved in the open transaction */
    hw_buf samples;      /* raw findings kept for training */
    size_t *sample_sizes;
    size_t nsamples;
    hw_buf zbuf;         /* compression output */
};

/* store_fail()'s message, without calling into store.c */
static int zfail(hw_store *s, hw_err *e, const char *what)
{
    return hw_err_set(e, HW_ESTORE, "%s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int load_ddict(struct store_zstd *z, int64_t id, const void *dict, size_t len, hw_err *e)
{
    if ((size_t)id >= z->nddicts) {
        size_t n = (size_t)id + 1;
        ZSTD_DDict **d = realloc(z->ddicts, n * sizeof *d);
        if (!d)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        for (size_t i = z->nddicts; i < n; i++)
            d[i] = NULL;
        z->ddicts = d;
        z->nddicts = n;
    }
    z->ddicts[id] = ZSTD_createDDict(dict, len);
    return z->ddicts[id] ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
}

int store_zstd_init(hw_store *s, hw_err *e)
{
    struct store_zstd *z = calloc(1, sizeof *z);
    if (!z)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    s->z = z;
    z->cctx = ZSTD_createCCtx();
    z->dctx = ZSTD_createDCtx();
    hw_buf_init(&z->zbuf, 0);
    hw_buf_init(&z->samples, HW_ZDICT_SAMPLE_BYTES);
    if (!z->cctx || !z->dctx)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT id, dict FROM zdicts ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return zfail(s, e, "reading compression dictionaries");
    int rc = HW_OK;
    while (rc == HW_OK && sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const void *d = sqlite3_column_blob(st, 1);
        size_t len = (size_t)sqlite3_column_bytes(st, 1);
        rc = load_ddict(z, id, d, len, e);
        if (rc == HW_OK && s->mode == HW_STORE_WRITE) {
            ZSTD_freeCDict(z->cdict);
            z->cdict = ZSTD_createCDict(d, len, ZLEVEL);
            z->dict_id = (int)id;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

void store_zstd_commit(hw_store *s)
{
    if (s->z)
        s->z->dict_pending = 0;
}

void store_zstd_rollback(hw_store *s)
{
    struct store_zstd *z = s->z;
    if (!z || !z->dict_pending)
        return;
    z->dict_pending = 0;
    ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_and_parameters); /* drops its reference */
    z->cctx_dict = 0;
    ZSTD_freeCDict(z->cdict);
    z->cdict = NULL;
    if ((size_t)z->dict_id < z->nddicts) {
        ZSTD_freeDDict(z->ddicts[z->dict_id]);
        z->ddicts[z->dict_id] = NULL;
    }
    z->dict_id = 0;
}

void store_zstd_free(hw_store *s)
{
    struct store_zstd *z = s->z;
    if (!z)
        return;
    ZSTD_freeCCtx(z->cctx);
    ZSTD_freeDCtx(z->dctx);
    ZSTD_freeCDict(z->cdict);
    for (size_t i = 0; i < z->nddicts; i++)
        ZSTD_freeDDict(z->ddicts[i]);
    free(z->ddicts);
    hw_buf_free(&z->samples);
    hw_buf_free(&z->zbuf);
    free(z->sample_sizes);
    free(z);
    s->z = NULL;
}

/* Trains a dictionary from the samples and stores it (inside the caller's
 * transaction: a rollback forgets it, see store_zstd_rollback). */
static int train_dict(hw_store *s, hw_err *e)
{
    struct store_zstd *z = s->z;
    size_t cap = 64 * 1024;
    void *dict = malloc(cap);
    if (!dict)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t len = ZDICT_trainFromBuffer(dict, cap, z->samples.data, z->sample_sizes,
                                       (unsigned)z->nsamples);
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
        rc = zfail(s, e, "saving a compression dictionary");
        goto out;
    }
    sqlite3_bind_text(st, 1, ts, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, dict, (int)len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = zfail(s, e, "saving a compression dictionary");
        sqlite3_finalize(st);
        goto out;
    }
    sqlite3_finalize(st);
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if ((rc = load_ddict(z, id, dict, len, e)) != HW_OK)
        goto out;
    z->cdict = ZSTD_createCDict(dict, len, ZLEVEL);
    z->dict_id = z->cdict ? (int)id : 0;
    z->dict_pending = s->in_tx;
    hw_debug("%s: trained a %zu-byte compression dictionary from %zu findings", s->path, len,
             z->nsamples);
out:
    free(dict);
    hw_buf_free(&z->samples);
    free(z->sample_sizes);
    z->sample_sizes = NULL;
    z->nsamples = 0;
    return rc;
}

static int keep_sample(struct store_zstd *z, const char *raw, size_t len)
{
    if (z->dict_id || z->nsamples >= HW_ZDICT_SAMPLES)
        return 0;
    if (!z->sample_sizes) {
        z->sample_sizes = calloc(HW_ZDICT_SAMPLES, sizeof *z->sample_sizes);
        if (!z->sample_sizes)
            return 0;
    }
    if (hw_buf_append(&z->samples, raw, len) < 0)
        return 1; /* full: train with what there is */
    z->sample_sizes[z->nsamples++] = len;
    return z->nsamples >= HW_ZDICT_SAMPLES;
}

int store_zstd_compress(hw_store *s, const char *raw, size_t len, const void **out,
                        size_t *outlen, int *dict_id, hw_err *e)
{
    struct store_zstd *z = s->z;
    if (keep_sample(z, raw, len) && train_dict(s, e) != HW_OK)
        return e->kind;
    size_t bound = ZSTD_compressBound(len);
    hw_buf_reset(&z->zbuf);
    if (hw_buf_reserve(&z->zbuf, bound) < 0)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t n;
    if (z->cdict) {
        if (z->cctx_dict != z->dict_id) {
            /* the dictionary's tables are referenced in place, never
             * copied per finding: zstd's own choice for findings of a few
             * KB copies them, which takes longer than the compression */
            ZSTD_CCtx_reset(z->cctx, ZSTD_reset_session_and_parameters);
            ZSTD_CCtx_refCDict(z->cctx, z->cdict);
            (void)ZSTD_CCtx_setParameter(z->cctx, ZSTD_c_forceAttachDict, ZSTD_dictForceAttach);
            z->cctx_dict = z->dict_id;
        }
        n = ZSTD_compress2(z->cctx, z->zbuf.data, bound, raw, len);
    } else {
        n = ZSTD_compressCCtx(z->cctx, z->zbuf.data, bound, raw, len, ZLEVEL);
    }
    if (ZSTD_isError(n))
        return hw_err_set(e, HW_EINTERNAL, "zstd: %s", ZSTD_getErrorName(n));
    z->zbuf.len = n;
    *out = z->zbuf.data;
    *outlen = n;
    *dict_id = z->cdict ? z->dict_id : 0;
    return HW_OK;
}

int store_zstd_decompress(hw_store *s, int64_t dict_id, const void *in, size_t inlen,
                          size_t rawlen, const char *what, char **json, hw_err *e)
{
    struct store_zstd *z = s->z;
    *json = NULL;
    if (dict_id > 0 && ((size_t)dict_id >= z->nddicts || !z->ddicts[dict_id]))
        return hw_err_set(e, HW_ESTORE, "%s: compression dictionary %lld is missing", s->path,
                          (long long)dict_id);
    char *out = malloc(rawlen + 1);
    if (!out)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t got = dict_id > 0
                     ? ZSTD_decompress_usingDDict(z->dctx, out, rawlen, in, inlen,
                                                  z->ddicts[dict_id])
                     : ZSTD_decompressDCtx(z->dctx, out, rawlen, in, inlen);
    if (ZSTD_isError(got) || got != rawlen) {
        free(out);
        return hw_err_set(e, HW_ESTORE, "%s: finding %s: damaged raw JSON", s->path, what);
    }
    out[rawlen] = '\0';
    *json = out;
    return HW_OK;
}
