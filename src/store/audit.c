/*
 * audit.c - the append-only, hash-chained audit log.
 *
 * Each entry's hash is SHA-256 over the previous entry's hash and the
 * entry's own fields.  Format 2 (every entry since schema 4) encodes each
 * field with its length, as a netstring, after a tag:
 *     "hw-audit-2" , then for each of prev_hash, seq, at, run_id, actor,
 *     event, detail:  <decimal byte length> ":" <bytes> ","
 * so that no text can move from one field to the next without changing
 * the hash.  Format 1 (entries written before schema 4) joined the fields
 * with '\n' and no lengths; those entries keep their format-1 hashes, and
 * the migration to schema 4 appends an "audit.reanchored" entry (format 2)
 * that links to the last format-1 hash and records how many entries the
 * old chain held and whether it verified.  Verification accepts format 1
 * only before the first format-2 entry.
 *
 * The first entry links to 64 zeros.  Triggers refuse UPDATE and DELETE;
 * whoever bypasses them (drops a trigger, edits the file) still cannot
 * recompute every later hash without it showing: verify walks the chain
 * and names the first entry that does not fit.
 */
#include "store/store_int.h"

#include <stdio.h>
#include <string.h>

#define AUDIT_FORMAT 2

static const char zero_hash[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static void put_field(hw_buf *b, const char *v)
{
    size_t n = strlen(v);
    hw_buf_printf(b, "%zu:", n);
    hw_buf_append(b, v, n);
    hw_buf_putc(b, ',');
}

static void entry_hash(int format, const char *prev, int64_t seq, const char *at,
                       const char *run_id, const char *actor, const char *event,
                       const char *detail, char out[65])
{
    hw_buf b = HW_BUF_INIT(0);
    if (format == 1) {
        hw_buf_printf(&b, "%s\n%lld\n%s\n%s\n%s\n%s\n%s", prev, (long long)seq, at, run_id,
                      actor, event, detail);
    } else {
        char num[32];
        snprintf(num, sizeof num, "%lld", (long long)seq);
        hw_buf_puts(&b, "hw-audit-2");
        put_field(&b, prev);
        put_field(&b, num);
        put_field(&b, at);
        put_field(&b, run_id);
        put_field(&b, actor);
        put_field(&b, event);
        put_field(&b, detail);
    }
    hw_sha256_hex(b.len ? hw_buf_str(&b) : "", b.len, out);
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
    int r = sqlite3_step(*last);
    if (r == SQLITE_ROW) {
        seq = sqlite3_column_int64(*last, 0) + 1;
        snprintf(prev, sizeof prev, "%s", store_col(*last, 1));
    } else {
        snprintf(prev, sizeof prev, "%s", zero_hash);
    }
    sqlite3_reset(*last);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading the audit log");
    char at[32], hash[65];
    hw_time_iso(hw_now(), at);
    const char *detail = detail_json ? detail_json : "{}";
    const char *run = run_id ? run_id : "";
    entry_hash(AUDIT_FORMAT, prev, seq, at, run, actor, event, detail, hash);
    sqlite3_stmt **ins = &s->st[ST_AUDIT_INSERT];
    if (store_prepare(s, ins,
                      "INSERT INTO audit_log(seq, at, run_id, actor, event, detail, prev_hash,"
                      " hash, format) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
    sqlite3_bind_int(*ins, 9, AUDIT_FORMAT);
    if (sqlite3_step(*ins) != SQLITE_DONE)
        return store_fail(s, e, "appending to the audit log");
    return HW_OK;
}

/* Walks the chain; *bad_seq 0 when intact; *n entries, *v1 of format 1. */
static int walk(hw_store *s, int64_t *bad_seq, int64_t *n, int64_t *v1, hw_err *e)
{
    *bad_seq = 0;
    *n = *v1 = 0;
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT seq, at, run_id, actor, event, detail, prev_hash, hash, format"
                           " FROM audit_log ORDER BY seq",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the audit log");
    char prev[65];
    snprintf(prev, sizeof prev, "%s", zero_hash);
    int64_t expect = 1;
    int seen_v2 = 0;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        int64_t seq = sqlite3_column_int64(st, 0);
        int format = sqlite3_column_int(st, 8);
        char hash[65];
        /* format 1 only before the first format-2 entry, and the first
         * format-2 entry after format-1 ones is the re-anchoring */
        int ok = format == 2 || (format == 1 && !seen_v2);
        if (ok && format == 2 && !seen_v2 && *v1 &&
            strcmp(store_col(st, 4), "audit.reanchored") != 0)
            ok = 0;
        entry_hash(format, prev, seq, store_col(st, 1), store_col(st, 2), store_col(st, 3),
                   store_col(st, 4), store_col(st, 5), hash);
        if (!ok || seq != expect || strcmp(store_col(st, 6), prev) != 0 ||
            strcmp(store_col(st, 7), hash) != 0) {
            *bad_seq = seq != expect && seq > expect ? expect : seq;
            break;
        }
        seen_v2 |= format == 2;
        *v1 += format == 1;
        (*n)++;
        snprintf(prev, sizeof prev, "%s", hash);
        expect++;
    }
    int rc = (r == SQLITE_ROW || r == SQLITE_DONE) ? HW_OK
                                                   : store_fail(s, e, "reading the audit log");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_audit_verify(hw_store *s, int64_t *bad_seq, hw_err *e)
{
    int64_t n, v1;
    return walk(s, bad_seq, &n, &v1, e);
}

int store_audit_reanchor(hw_store *s, hw_err *e)
{
    int64_t bad = 0, n = 0, v1 = 0;
    if (walk(s, &bad, &n, &v1, e) != HW_OK)
        return e->kind;
    if (n == 0 && bad == 0)
        return HW_OK; /* an empty log: nothing to re-anchor */
    char detail[256];
    snprintf(detail, sizeof detail,
             "{\"from_format\": 1, \"to_format\": %d, \"entries\": %lld,"
             " \"old_chain_intact\": %s, \"first_bad_seq\": %lld}",
             AUDIT_FORMAT, (long long)(n + (bad ? 1 : 0)), bad ? "false" : "true",
             (long long)bad);
    if (bad)
        hw_warn("%s: the audit log was already broken at entry %lld before re-anchoring", s->path,
                (long long)bad);
    else
        hw_info("%s: audit log re-anchored: %lld entries hashed the old way are kept, new ones are "
                "length-prefixed", s->path, (long long)n);
    return hw_store_audit_append(s, NULL, "hubwarden", "audit.reanchored", detail, e);
}

int hw_store_audit_head(hw_store *s, int64_t *seq, char hash[65], hw_err *e)
{
    *seq = 0;
    snprintf(hash, 65, "%064d", 0);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the audit log");
    int r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        snprintf(hash, 65, "%s", store_col(st, 1));
    }
    sqlite3_finalize(st);
    if (r != SQLITE_ROW && r != SQLITE_DONE)
        return store_fail(s, e, "reading the audit log");
    return HW_OK;
}

/*
 * The anchors: each run that finished recorded (audit_seq, audit_head).
 * The entry must be there with that hash.  An entry gone (the tail cut)
 * is named by the first seq missing; an entry with another hash (the log
 * rewritten from there on, hashes recomputed) by its seq.  The smallest
 * bad seq over chain and anchors wins.
 */
int hw_store_audit_check(hw_store *s, hw_audit_check *v, hw_err *e)
{
    memset(v, 0, sizeof *v);
    int64_t n = 0, v1 = 0;
    if (walk(s, &v->bad_seq, &n, &v1, e) != HW_OK ||
        hw_store_audit_head(s, &v->head_seq, v->head, e) != HW_OK)
        return e->kind;
    if (v->bad_seq)
        snprintf(v->why, sizeof v->why,
                 "entry %lld: its hash or its link to the entry before does not match",
                 (long long)v->bad_seq);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT r.id, r.audit_seq, r.audit_head, a.hash FROM runs r"
                           " LEFT JOIN audit_log a ON a.seq = r.audit_seq"
                           " WHERE r.audit_seq IS NOT NULL ORDER BY r.audit_seq, r.rowid",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading runs");
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        v->anchors++;
        int64_t seq = sqlite3_column_int64(st, 1);
        const char *want = store_col(st, 2), *have = (const char *)sqlite3_column_text(st, 3);
        if (have && strcmp(have, want) == 0)
            continue;
        /* missing: the first seq after the head that remains (a gap in the
         * middle is the chain walk's find, and smaller) */
        int64_t bad = have ? seq : v->head_seq + 1;
        if (v->bad_seq && v->bad_seq <= bad)
            continue;
        v->bad_seq = bad;
        if (have)
            snprintf(v->why, sizeof v->why,
                     "entry %lld: run %s recorded the head %.16s... there, the log has %.16s...",
                     (long long)seq, store_col(st, 0), want, have);
        else
            snprintf(v->why, sizeof v->why,
                     "entry %lld is missing: run %s recorded the head at entry %lld, the log "
                     "ends at %lld (its tail was cut)",
                     (long long)bad, store_col(st, 0), (long long)seq, (long long)v->head_seq);
    }
    int rc = r == SQLITE_DONE ? HW_OK : store_fail(s, e, "reading runs");
    sqlite3_finalize(st);
    v->entries = n;
    return rc;
}
