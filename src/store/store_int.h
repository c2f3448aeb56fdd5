/*
 * store_int.h - what the store's own files share; nothing outside
 * src/store/ includes it.
 */
#ifndef HW_STORE_INT_H
#define HW_STORE_INT_H

#include <sqlite3.h>
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
    ST_HISTORY_TIE_GET,
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
    ST_CE_OPEN,
    ST_CE_CLOSE,
    ST_CE_PUT,
    /* once per candidate of a remediation plan */
    ST_FINDING_RAW,
    ST_EXC_COVERING,
    ST_PLAN_SKIP_PUT,
    ST_CONTROL_TOTAL,
    ST_REP_RESULT, /* report_queries.c */
    ST_REP_LEGACY,
    ST_REP_CE,
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
    struct store_zstd *z; /* compression state (compress.c) */
    EVP_MD *sha256;       /* finding keys (findings.c) */
    EVP_MD_CTX *md_ctx;
    /* upsert order (findings.c): 0 = insert first, 1 = look up first */
    int lookup_first;
    unsigned window, window_new;
    /* product ARN -> id cache (a handful of products) */
    struct { char *arn; int64_t id; } products[32];
    size_t nproducts;
};

/* store.c: errors, statements and column text for the other files */
int store_fail(hw_store *s, hw_err *e, const char *what);
int store_prepare(hw_store *s, sqlite3_stmt **st, const char *sql, hw_err *e);
int store_exec(hw_store *s, const char *sql, hw_err *e);
const char *store_col(sqlite3_stmt *st, int i);
/* A nullable column: its text, or NULL for SQL NULL. */
const char *store_col_null(sqlite3_stmt *st, int i);
/* A nullable integer column (milliseconds, counts): its value, or -1 for
 * SQL NULL. */
int64_t store_col_ms(sqlite3_stmt *st, int i);
/* An iterator's callback returned rc (non-zero): the error to return.
 * Keeps a message the callback set in e. */
int store_cb_fail(hw_store *s, hw_err *e, const char *what, int rc);
/* After the last migration's SQL: hooks in C (audit.c re-anchors the
 * chain under the length-prefixed encoding). */
int store_audit_reanchor(hw_store *s, hw_err *e);

/*
 * compress.c: raw finding JSON in zstd, with dictionaries trained from
 * the store's own findings (the zdicts table).  It calls nothing in
 * store.c or findings.c.
 */
/* At open, after the migrations: s->z, with the stored dictionaries. */
int store_zstd_init(hw_store *s, hw_err *e);
/* At close (s->z may be NULL). */
void store_zstd_free(hw_store *s);
/* After a commit: a dictionary saved in the transaction is for good. */
void store_zstd_commit(hw_store *s);
/* After a rollback: forget a dictionary whose row was rolled back. */
void store_zstd_rollback(hw_store *s);
/* Compresses raw (inside the caller's transaction: the HW_ZDICT_SAMPLES-th
 * finding trains and saves a dictionary).  *out (*outlen bytes) is
 * borrowed until the next call; *dict_id tells which dictionary (0: none). */
int store_zstd_compress(hw_store *s, const char *raw, size_t len, const void **out,
                        size_t *outlen, int *dict_id, hw_err *e);
/* Decompresses a stored finding of rawlen bytes into a malloc'd,
 * NUL-terminated *json (free()); `what` names the finding in errors. */
int store_zstd_decompress(hw_store *s, int64_t dict_id, const void *in, size_t inlen,
                          size_t rawlen, const char *what, char **json, hw_err *e);

#endif
