/*
 * ip_blocks.c - the malicious-ip playbook's deny list (schema: migrations
 * 10 and 11 in store.c): every network ACL entry and WAFv2 IP set address
 * the playbook added, until a later run removes it when it expires (or
 * the action is undone).  The remedy module decides; this file
 * keeps the record.
 */
#include "store/store_int.h"

#include <string.h>

int hw_store_ip_block_put(hw_store *s, const hw_ip_block_row *b, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "INSERT INTO ip_blocks(action_id, account_id, region, network_acl_id,"
                           " rule_number, cidr, created_at, expires_at, ip_set_arn)"
                           " VALUES (?,?,?,?,?,?,?,?,?)",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "recording an IP block");
    sqlite3_bind_text(st, 1, b->action_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, b->account, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, b->region, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, b->network_acl_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 5, b->rule_number);
    sqlite3_bind_text(st, 6, b->cidr, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 7, b->created_at);
    sqlite3_bind_int64(st, 8, b->expires_at);
    if (b->ip_set_arn)
        sqlite3_bind_text(st, 9, b->ip_set_arn, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK : store_fail(s, e, "recording an IP block");
    sqlite3_finalize(st);
    return rc;
}

/* Open blocks expired at `now` (action NULL) or added by `action`. */
static int open_blocks(hw_store *s, int64_t now, const char *action,
                       int (*cb)(void *arg, const hw_ip_block_row *b), void *arg, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db,
                           "SELECT id, action_id, account_id, region, network_acl_id, rule_number,"
                           " cidr, created_at, expires_at, ip_set_arn FROM ip_blocks"
                           " WHERE removed_at IS NULL AND (?2 IS NULL AND expires_at <= ?1"
                           " OR action_id = ?2) ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return store_fail(s, e, "reading the IP blocks");
    sqlite3_bind_int64(st, 1, now);
    if (action)
        sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
    int rc = HW_OK, step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        hw_ip_block_row b = { 0 };
        b.id = sqlite3_column_int64(st, 0);
        b.action_id = store_col(st, 1);
        b.account = store_col(st, 2);
        b.region = store_col(st, 3);
        b.network_acl_id = store_col(st, 4);
        b.rule_number = sqlite3_column_int(st, 5);
        b.cidr = store_col(st, 6);
        b.created_at = sqlite3_column_int64(st, 7);
        b.expires_at = sqlite3_column_int64(st, 8);
        b.ip_set_arn = store_col_null(st, 9);
        if (cb(arg, &b))
            break;
    }
    if (step != SQLITE_ROW && step != SQLITE_DONE)
        rc = store_fail(s, e, "reading the IP blocks");
    sqlite3_finalize(st);
    return rc;
}

int hw_store_ip_blocks_expired(hw_store *s, int64_t now,
                               int (*cb)(void *arg, const hw_ip_block_row *b), void *arg,
                               hw_err *e)
{
    return open_blocks(s, now, NULL, cb, arg, e);
}

int hw_store_ip_blocks_of(hw_store *s, const char *action_id,
                          int (*cb)(void *arg, const hw_ip_block_row *b), void *arg, hw_err *e)
{
    return open_blocks(s, 0, action_id, cb, arg, e);
}

int hw_store_ip_block_removed(hw_store *s, int64_t id, int64_t at, hw_err *e)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(s->db, "UPDATE ip_blocks SET removed_at = ? WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK)
        return store_fail(s, e, "recording an IP block's removal");
    sqlite3_bind_int64(st, 1, at);
    sqlite3_bind_int64(st, 2, id);
    int rc = sqlite3_step(st) == SQLITE_DONE ? HW_OK
                                              : store_fail(s, e, "recording an IP block's removal");
    sqlite3_finalize(st);
    return rc;
}
