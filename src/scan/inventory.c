/*
 * inventory.c - the resource inventory behind NOT_APPLICABLE: how many
 * resources of each control's type every account has, from the
 * Organization's AWS Config aggregator (evaluation.config_aggregator),
 * recorded in the store for evaluation.
 *
 * One GetAggregateDiscoveredResourceCounts without a filter says which
 * accounts the aggregator covers (an account recording anything has
 * resources); then one per resource type named by the catalogue's controls
 * (account-level controls excepted), grouped by account.  A covered account
 * absent from a type's answer has none of that type; a type Config refuses
 * (ValidationException: it does not record it) stays unknown.  Any failure leaves
 * no inventory at all (a warning), so that evaluation never reads N/A from
 * a stale or half answer.
 */
#include "scan/pull.h"

#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "catalog/catalog.h"
#include "store/store.h"

struct counts {
    char (*acct)[16];
    long *n;
    size_t len, cap;
};

static int count_cb(void *arg, const char *account, long n)
{
    struct counts *c = arg;
    if (c->len == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        char(*a)[16] = realloc(c->acct, cap * sizeof *a);
        if (!a)
            return 1;
        c->acct = a;
        long *p = realloc(c->n, cap * sizeof *p);
        if (!p)
            return 1;
        c->n = p;
        c->cap = cap;
    }
    snprintf(c->acct[c->len], sizeof c->acct[0], "%s", account);
    c->n[c->len++] = n;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct resource types of the catalogue's controls (malloc'd
 * copies in *types). */
static int catalogue_types(const hw_catalog *cat, char ***types, size_t *n, hw_err *e)
{
    *types = NULL;
    *n = 0;
    size_t cap = 0;
    for (size_t i = 0; cat && i < cat->ncontrols; i++) {
        const char *p = cat->controls[i].resource_type;
        while (p && *p) {
            p += strspn(p, ", ");
            size_t len = strcspn(p, ", ");
            if (!len)
                break;
            if (!(len == 14 && memcmp(p, "AWS::::Account", 14) == 0)) {
                if (*n == cap) {
                    cap = cap ? cap * 2 : 128;
                    char **t = realloc(*types, cap * sizeof *t);
                    if (!t)
                        return hw_err_set(e, HW_ENOMEM, "out of memory");
                    *types = t;
                }
                if (!((*types)[*n] = strndup(p, len)))
                    return hw_err_set(e, HW_ENOMEM, "out of memory");
                (*n)++;
            }
            p += len;
        }
    }
    if (*n > 1)
        qsort(*types, *n, sizeof **types, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < *n; i++) {
        if (k && strcmp((*types)[k - 1], (*types)[i]) == 0) {
            free((*types)[i]);
            continue;
        }
        (*types)[k++] = (*types)[i];
    }
    *n = k;
    return HW_OK;
}

/* Inside the caller's transaction: fetch and record everything. */
static int fetch(hw_store *st, hw_aws_client *c, const hw_aws_ctx *ctx, const char *aggregator,
                 char **types, size_t ntypes, const char *run_id, size_t *calls, hw_err *e)
{
    struct counts covered = { 0 }, one = { 0 };
    const char **ids = NULL;
    long *vals = NULL;
    int rc = hw_aws_config_resource_counts(c, ctx, aggregator, NULL, count_cb, &covered, e);
    (*calls)++;
    if (rc == HW_OK) {
        ids = calloc(covered.len ? covered.len : 1, sizeof *ids);
        vals = calloc(covered.len ? covered.len : 1, sizeof *vals);
        if (!ids || !vals)
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    for (size_t i = 0; rc == HW_OK && i < covered.len; i++)
        ids[i] = covered.acct[i];
    if (rc == HW_OK)
        rc = hw_store_resource_counts_put(st, "", ids, covered.n, covered.len, run_id, e);
    for (size_t t = 0; rc == HW_OK && t < ntypes; t++) {
        one.len = 0;
        rc = hw_aws_config_resource_counts(c, ctx, aggregator, types[t], count_cb, &one, e);
        (*calls)++;
        const hw_aws_error *ae = rc == HW_EAWS ? hw_aws_last_error(c) : NULL;
        if (ae && strcmp(ae->code, "ValidationException") == 0 && one.len == 0) {
            /* a type AWS Config does not record: unknown, not zero */
            hw_debug("AWS Config does not know resource type %s: its controls stay NO_DATA",
                     types[t]);
            rc = HW_OK;
            continue;
        }
        if (rc != HW_OK)
            break;
        /* every covered account: its count of this type, else none */
        for (size_t i = 0; i < covered.len; i++) {
            vals[i] = 0;
            for (size_t j = 0; j < one.len; j++)
                if (strcmp(one.acct[j], covered.acct[i]) == 0) {
                    vals[i] = one.n[j];
                    break;
                }
        }
        rc = hw_store_resource_counts_put(st, types[t], ids, vals, covered.len, run_id, e);
    }
    free(ids);
    free(vals);
    free(covered.acct);
    free(covered.n);
    free(one.acct);
    free(one.n);
    return rc;
}

int hw_scan_inventory(hw_store *st, const hw_scan_opts *o, const char *aggregator,
                      const char *run_id, size_t *calls, hw_err *e)
{
    *calls = 0;
    char **types = NULL;
    size_t ntypes = 0;
    hw_aws_client *c = NULL;
    int rc = catalogue_types(o->catalog, &types, &ntypes, e);
    if (rc == HW_OK)
        rc = hw_aws_client_new(o->aws, &c, e);
    hw_aws_identity me;
    if (rc == HW_OK)
        rc = hw_aws_get_caller_identity(c, NULL, &me, e);
    const char *acct = o->aggregator_account && *o->aggregator_account ? o->aggregator_account
                                                                        : NULL;
    if (rc == HW_OK && acct && strcmp(acct, me.account) == 0)
        acct = NULL; /* the caller's own account: its own credentials */
    if (rc == HW_OK && acct)
        rc = hw_aws_assume(c, acct, o->role_name, o->external_id, e);
    hw_aws_ctx ctx = { o->aggregator_region && *o->aggregator_region ? o->aggregator_region : NULL,
                       acct };
    if (rc == HW_OK && (rc = hw_store_begin(st, e)) == HW_OK) {
        rc = fetch(st, c, &ctx, aggregator, types, ntypes, run_id, calls, e);
        if (rc == HW_OK)
            rc = hw_store_commit(st, e);
        else
            hw_store_rollback(st);
    }
    if (rc != HW_OK) {
        /* no inventory rather than a stale one */
        hw_err ce;
        if (hw_store_begin(st, &ce) == HW_OK) {
            if (hw_store_resource_counts_put(st, "", NULL, NULL, 0, run_id, &ce) == HW_OK)
                hw_store_commit(st, &ce);
            else
                hw_store_rollback(st);
        }
    }
    for (size_t i = 0; i < ntypes; i++)
        free(types[i]);
    free(types);
    hw_aws_client_free(c);
    return rc;
}
