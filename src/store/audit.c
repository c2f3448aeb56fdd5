/*
 * audit.c - the append-only, hash-chained audit log.
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and the
 * entry's own fields, one per line:
 *     prev_hash \n seq \n at \n run_id \n actor \n event \n detail
 * The first entry links to 64 zeros.  Triggers refuse UPDATE and DELETE;
 * whoever bypasses them (drops a trigger, edits the file) still cannot
 * recompute every later hash without it showing: verify walks the chain
 * and names the first entry that does not fit.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void entry_hash(const char *prev, int64_t seq, const char *at, const char *run_id,
                       const char *actor, const char *event, const char *detail, char out[65])
{
    hw_buf b = HW_BUF_INIT(0);
    hw_buf_printf(&b, "%s\n%lld\n%s\n%s\n%s\n%s\n%s", prev, (long long)seq, at, run_id, actor,
                  event, detail);
    hw_sha256_hex(hw_buf_str(&b), b.len, out);
    hw_buf_free(&b);
}

int hw_store_audit_append(hw_store *s, const char *run_id, const char *actor,
                          const char *event, const char *detail_json, hw_err *e)
{
    sqlite3_stmt **last = &s->st[ST_AUDIT_LAST];
    if (store_prepare(s, last, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", e) !=
        HW_OK)
        return e->kind;
    char prev[65];
    int64_t seq = 1;
    if (sqlite3_step(*last) == SQLITE_ROW) {
        seq = sqlite3_column_int64(*last, 0) + 1;
        snprintf(prev, sizeof prev, "%s", store_col(*last, 1));
    } else {
        snprintf(prev, sizeof prev, "%s", zero_hash);
    }
    sqlite3_reset(*last);
    char at[32], hash[65];
    hw_time_iso(hw_now(), at);
    const char *detail = detail_json ? detail_json : "{}";
    const char *run = run_id ? run_id : "";
    entry_hash(prev, seq, at, run, actor, event, detail, hash);
    sqlite3_stmt **ins = &s->st[ST_AUDIT_INSERT];
    if (store_prepare(s, ins,
                      "INSERT INTO audit_log(seq, at, run_id, actor, event, detail, prev_hash, hash)"
                      " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                      e) != HW_OK)
        return e->kind;
    sqlite3_bind_int64(*ins, 1, seq);
    sqlite3_bind_text(*ins, 2, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(*ins, 3, run, -1, SQLITE_STATIC);
    sqlite3_bind_text(*ins, 4, actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(*ins, 5, event, -1, SQLITE_STATIC);
    sqlite3_bind_text(*ins, 6, detail, -1, SQLITE_STATIC);
    sqlite3_bind_text(*ins, 7, prev, -1, SQLITE_STATIC);
    sqlite3_bind_text(*ins, 8, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(*ins) != SQLITE_DONE)
        return store_fail(s, e, "appending to the audit log");
    return HW_OK;
}

int hw_store_audit_verify(hw_store *s, int64_t *bad_seq, hw_err *e)
{
    *bad_seq = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, at, run_id, actor, event, detail, prev_hash, hash"
                           " FROM audit_log ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the audit log");
    char prev[65];
    snprintf(prev, sizeof prev, "%s", zero_hash);
    int64_t expect = 1;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        char hash[65];
        entry_hash(prev, seq, store_col(st, 1), store_col(st, 2), store_col(st, 3),
                   store_col(st, 4), store_col(st, 5), hash);
        if (seq != expect || strcmp(store_col(st, 6), prev) != 0 ||
            strcmp(store_col(st, 7), hash) != 0) {
            *bad_seq = seq != expect && seq > expect ? expect : seq;
            break;
        }
        snprintf(prev, sizeof prev, "%s", hash);
        expect++;
    }
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK
                                                   : store_fail(s, e, "reading the audit log");
    sqlite3_finalize(st);
    return rc;
}
