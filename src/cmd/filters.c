/*
 * filters.c - the values of filter options, checked against what the store
 * and the catalogue know: `findings` and `gate` share them, so that an
 * unknown framework, control or account is the same error, naming the
 * nearest known value, wherever it is given.
 */
#include <string.h>
#include <strings.h>

#include "cmd/cmd.h"
#include "store/store.h"
int hw_vlist_add(hw_vlist *l, const char *s, size_t n)
{
    char **nv = realloc(l->v, (l->n + 1) * sizeof *nv);
    if (!nv)
        return -1;
    l->v = nv;
    if (!(l->v[l->n] = strndup(s, n)))
        return -1;
    l->n++;
    return 0;
}

int hw_vlist_has(const hw_vlist *l, const char *s)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 1;
    return 0;
}

void hw_vlist_free(hw_vlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    l->v = NULL;
    l->n = 0;
}

/* Splits repeated options and comma lists into one list (empty items are
 * dropped). */
int hw_filter_split(const struct hw_strlist *in, hw_vlist *out)
{
    for (size_t i = 0; i < in->n; i++) {
        const char *p = in->items[i];
        while (*p) {
            size_t n = strcspn(p, ",");
            if (n && hw_vlist_add(out, p, n) < 0)
                return -1;
            p += n;
            p += *p == ',';
        }
    }
    return 0;
}

int hw_vlist_add_cb(void *arg, const char *v)
{
    hw_vlist *l = arg;
    if (!hw_vlist_has(l, v))
        hw_vlist_add(l, v, strlen(v));
    return 0;
}

/* Replaces every value of l by the known value it names (case-insensitive),
 * or fails naming the nearest one. */
int hw_filter_canonical(const struct hw_command *cmd, const char *opt, const char *what,
                        hw_vlist *l, const char *const *known, size_t nknown)
{
    for (size_t i = 0; i < l->n; i++) {
        size_t j = 0;
        while (j < nknown && strcasecmp(l->v[i], known[j]) != 0)
            j++;
        if (j < nknown) {
            char *c = strdup(known[j]);
            if (!c)
                return hw_usage_error(cmd, "out of memory");
            free(l->v[i]);
            l->v[i] = c;
            continue;
        }
        const char *near = hw_nearest(l->v[i], known, nknown);
        if (near)
            return hw_usage_error(cmd, "--%s: no %s '%s' (nearest: %s)", opt, what,
                                  l->v[i], near);
        return hw_usage_error(cmd, "--%s: no %s '%s' (none in the store)", opt,
                              what, l->v[i]);
    }
    return 0;
}

struct acct {
    hw_vlist ids, names; /* names[i] belongs to ids[i] ("" when none) */
};

static int account_cb(void *arg, const hw_account_row *a)
{
    struct acct *x = arg;
    if (hw_vlist_add(&x->ids, a->id, strlen(a->id)) < 0 ||
        hw_vlist_add(&x->names, a->name ? a->name : "", a->name ? strlen(a->name) : 0) < 0)
        return 1;
    return 0;
}

/* Accounts by id or name (the Organization's names, case-insensitive). */
int hw_filter_accounts(const struct hw_command *cmd, hw_store *s, hw_vlist *l, hw_err *e)
{
    struct acct x = { { 0 }, { 0 } };
    hw_vlist seen = { 0 };
    int rc = 0;
    if (hw_store_accounts(s, account_cb, &x, e) != HW_OK ||
        hw_store_finding_values(s, "account", hw_vlist_add_cb, &seen, e) != HW_OK) {
        rc = hw_cmd_fail(e);
        goto out;
    }
    for (size_t i = 0; i < seen.n; i++)
        if (!hw_vlist_has(&x.ids, seen.v[i]) &&
            account_cb(&x, &(hw_account_row){ .id = seen.v[i] }))
            break;
    for (size_t i = 0; i < l->n && rc == 0; i++) {
        size_t j = 0;
        while (j < x.ids.n && strcmp(l->v[i], x.ids.v[j]) != 0 &&
               strcasecmp(l->v[i], x.names.v[j]) != 0)
            j++;
        if (j < x.ids.n) {
            char *c = strdup(x.ids.v[j]);
            if (!c) {
                rc = hw_usage_error(cmd, "out of memory");
                break;
            }
            free(l->v[i]);
            l->v[i] = c;
            continue;
        }
        const char *a = hw_nearest(l->v[i], (const char *const *)x.ids.v, x.ids.n);
        const char *b = hw_nearest(l->v[i], (const char *const *)x.names.v, x.names.n);
        /* a name when the value looks like one, else an id */
        const char *near = strspn(l->v[i], "0123456789") == strlen(l->v[i]) ? a : (b ? b : a);
        rc = near ? hw_usage_error(cmd, "--account: no account '%s' (nearest: %s)",
                                   l->v[i], near)
                  : hw_usage_error(cmd,
                                   "--account: no account '%s' (none in the store)", l->v[i]);
    }
out:
    hw_vlist_free(&x.ids);
    hw_vlist_free(&x.names);
    hw_vlist_free(&seen);
    return rc;
}

/* Checks the values of one store field (region, control, product). */
int hw_filter_field(const struct hw_command *cmd, hw_store *s, const char *field,
                    const char *opt, const char *what,
                         hw_vlist *l, const hw_vlist *extra, hw_err *e)
{
    if (!l->n)
        return 0;
    hw_vlist known = { 0 };
    if (hw_store_finding_values(s, field, hw_vlist_add_cb, &known, e) != HW_OK) {
        hw_vlist_free(&known);
        return hw_cmd_fail(e);
    }
    for (size_t i = 0; extra && i < extra->n; i++)
        hw_vlist_add_cb(&known, extra->v[i]);
    int rc = hw_filter_canonical(cmd, opt, what, l, (const char *const *)known.v, known.n);
    hw_vlist_free(&known);
    return rc;
}
