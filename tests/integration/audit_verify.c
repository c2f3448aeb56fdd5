/*
 * audit_verify.c - test driver: checks the audit hash chain of a store
 * through the store's public API (so it follows any change of the hash
 * encoding).  usage: audit_verify DB; prints "intact N" or "bad SEQ";
 * exits 0 when intact, 1 when not, 2 on errors.
 */
#include <stdio.h>

#include "store/store.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: audit_verify DB\n");
        return 2;
    }
    hw_store *st = NULL;
    hw_err e;
    hw_err_clear(&e);
    if (hw_store_open(argv[1], HW_STORE_READ, 1000, &st, &e) != HW_OK) {
        fprintf(stderr, "audit_verify: %s\n", e.msg);
        return 2;
    }
    int64_t bad = 0;
    int rc = hw_store_audit_verify(st, &bad, &e);
    hw_store_close(st);
    if (rc != HW_OK) {
        fprintf(stderr, "audit_verify: %s\n", e.msg);
        return 2;
    }
    if (bad) {
        printf("bad %lld\n", (long long)bad);
        return 1;
    }
    printf("intact\n");
    return 0;
}
