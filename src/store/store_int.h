/*
 * store_int.h - what the store's own files share; nothing outside
 * src/store/ includes it.
 */
#ifndef HW_STORE_INT_H
#define HW_STORE_INT_H

#include <sqlite3.h>
/* for ZSTD_c_forceAttachDict, an experimental parameter: a libzstd that
 * does not know it refuses it, and compression goes on without */
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>
#include <openssl/evp.h>

#include "store/store.h"

/* Prepared statements kept for the life of the handle. */
enum {
    ST_RUN_BEGIN,
    ST_RUN_FINISH,
    ST_WM_GET,
    ST_WM_SET,
    ST_ACCOUNT_UPSERT,
    ST_FINDING_GET,
    ST_FINDING_INSERT,
    ST_FINDING_UPDATE,
    ST_HISTORY_INSERT,
    ST_PRODUCT_GET,
    ST_PRODUCT_INSERT,
    ST_AUDIT_LAST,
    ST_AUDIT_INSERT,
    ST_EXC_ACTIVE,
    ST_ACCT_COUNTS,
    ST_ACCT_CHECKED,
    ST_ACCT_DISABLED,
    ST_ACCT_EXC,
    ST_ACCT_EVIDENCE,
    ST_ACCT_NOTES,
    ST_ACCT_RES,
    ST_ACCT_OPEN,
    ST_EVAL_CLOSE,
    ST_EVAL_OPEN,
    ST_RES_PUT,
    ST_COUNT
};

/* Samples gathered before a compression dictionary is trained. */
#define HW_ZDICT_SAMPLES 1000
#define HW_ZDICT_SAMPLE_BYTES (8u << 20)

struct hw_store {
    sqlite3 *db;
    char *path;
    int mode;
    int lock_fd;
    int in_tx;
    sqlite3_stmt *st[ST_COUNT];
    /* compression */
    ZSTD_CCtx *cctx;
    ZSTD_DCtx *dctx;
    ZSTD_CDict *cdict;
    ZSTD_DDict **ddicts; /* by dictionary id; [0] unused (no dictionary) */
    size_t nddicts;
    int dict_id;         /* id of cdict in zdicts, 0 = none yet */
    EVP_MD *sha256;      /* finding keys (findings.c) */
    EVP_MD_CTX *md_ctx;
    int cctx_dict;       /* the dictionary cctx references (0: none) */
    int dict_pending;    /* cdict was saved in the open transaction */
    hw_buf samples;      /* raw findings kept for training */
    size_t *sample_sizes;
    size_t nsamples;
    hw_buf zbuf;         /* compression output */
    /* upsert order (findings.c): 0 = insert first, 1 = look up first */
    int lookup_first;
    unsigned window, window_new;
    /* product ARN -> id cache (a handful of products) */
    struct { char *arn; int64_t id; } products[32];
    size_t nproducts;
};

int store_fail(hw_store *s, hw_err *e, const char *what);
int store_prepare(hw_store *s, sqlite3_stmt **st, const char *sql, hw_err *e);
int store_exec(hw_store *s, const char *sql, hw_err *e);
const char *store_col(sqlite3_stmt *st, int i);
/* An iterator's callback returned rc (non-zero): the error to return.
 * Keeps a message the callback set in e. */
int store_cb_fail(hw_store *s, hw_err *e, const char *what, int rc);
/* After the last migration's SQL: hooks in C (audit.c re-anchors the
 * chain under the length-prefixed encoding). */
int store_audit_reanchor(hw_store *s, hw_err *e);
int store_zstd_init(hw_store *s, hw_err *e);
void store_zstd_free(hw_store *s);
/* After a rollback: forget a dictionary whose row was rolled back. */
void store_zstd_rollback(hw_store *s);

#endif
