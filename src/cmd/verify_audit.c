/*
 * verify_audit.c - `hubwarden verify --audit`: checks the store's audit
 * log, the whole hash chain and every run's anchor (the head it recorded
 * when it finished), and names the first bad entry.  verify.c hands over
 * to it when --audit is given.
 *
 * Exit 0 when intact, 1 naming the first bad entry, 2 for a usage or
 * configuration error, 4 when the store cannot be read.
 */
#include <stdio.h>

#include "cmd/cmd.h"
#include "store/store.h"

int hw_cmd_verify_audit(hw_ctx *ctx)
{
    hw_err e;
    hw_err_clear(&e);
    hw_config *own = NULL;
    const char *db = ctx->db_path;
    if (!db) {
        /* verify needs no configuration for a bundle; the audit log is
         * the configured store's */
        if (hw_config_load(ctx->config_path, &own, &e) != HW_OK) {
            hw_error("%s", e.msg);
            return HW_EXIT_USAGE;
        }
        db = own->db;
    }
    hw_store *st = NULL;
    int rc = hw_store_open(db, HW_STORE_READ, 0, &st, &e);
    hw_audit_check v;
    if (rc == HW_OK)
        rc = hw_store_audit_check(st, &v, &e);
    if (rc != HW_OK) {
        hw_store_close(st);
        hw_config_free(own);
        return hw_cmd_fail(&e);
    }
    int code = HW_EXIT_OK;
    if (v.bad_seq) {
        printf("audit log %s: BROKEN at entry %lld\n", db, (long long)v.bad_seq);
        hw_error("audit log %s: the first bad entry is %lld: %s", db, (long long)v.bad_seq,
                 v.why);
        code = HW_EXIT_ATTENTION;
    } else {
        printf("audit log %s: intact, %lld entries, %lld run anchor(s) match\n", db,
               (long long)v.entries, (long long)v.anchors);
        if (v.head_seq)
            printf("audit head: %lld %s\n", (long long)v.head_seq, v.head);
    }
    hw_store_close(st);
    hw_config_free(own);
    return code;
}
