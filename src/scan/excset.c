/*
 * excset.c - the risk acceptances of one account for evaluation
 * (excset.h).  A handful per account at most: lookups are linear.
 */
#include "scan/excset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "store/store.h"

static void item_free(hw_excset_item *it)
{
    free(it->control);
    free(it->finding_id);
    free(it->resource);
    free(it->quoted);
    free(it->by);
}

void hw_excset_free(hw_excset *x)
{
    for (size_t i = 0; i < x->n; i++)
        item_free(&x->v[i]);
    free(x->v);
    x->v = NULL;
    x->n = x->cap = 0;
}

struct load {
    hw_excset *x;
    int64_t now;
};

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

static int load_cb(void *arg, const hw_exception_row *r)
{
    struct load *l = arg;
    hw_excset *x = l->x;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 8;
        hw_excset_item *p = realloc(x->v, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        x->v = p;
        x->cap = cap;
    }
    hw_excset_item *it = &x->v[x->n];
    memset(it, 0, sizeof *it);
    int oom = 0;
    it->id = r->id;
    it->control = dup_or_null(r->control, &oom);
    it->finding_id = dup_or_null(r->finding_id, &oom);
    it->resource = dup_or_null(r->resource, &oom);
    it->by = dup_or_null(r->approver, &oom);
    it->until = r->expires_at;
    it->active = r->expires_at > l->now;
    if (r->resource && !oom) {
        /* as the store writes it in a resources array (an ARN holds no
         * character JSON escapes) */
        it->quoted = hw_asprintf("\"%s\"", r->resource);
        oom = !it->quoted;
    }
    x->n++;
    return oom ? HW_ENOMEM : 0;
}

int hw_excset_load(hw_excset *x, hw_store *s, const char *account, int64_t now, hw_err *e)
{
    for (size_t i = 0; i < x->n; i++)
        item_free(&x->v[i]);
    x->n = 0;
    struct load l = { x, now };
    return hw_store_account_exception_rows(s, account, now, load_cb, &l, e);
}

void hw_excset_unmark(hw_excset *x)
{
    for (size_t i = 0; i < x->n; i++)
        x->v[i].mark = 0;
}

int hw_excset_cover(hw_excset *x, const char *finding_id, const char *resources)
{
    int covered = 0;
    for (size_t i = 0; i < x->n; i++) {
        hw_excset_item *it = &x->v[i];
        int hit = it->finding_id ? strcmp(it->finding_id, finding_id) == 0
                  : it->resource ? (strcmp(it->resource, resources) == 0 ||
                                    strstr(resources, it->quoted) != NULL)
                                 : 0;
        if (hit) {
            it->mark = 1;
            covered |= it->active;
        }
    }
    return covered;
}

void hw_excset_mark_control(hw_excset *x, const char *control)
{
    for (size_t i = 0; i < x->n; i++)
        if (!x->v[i].finding_id && !x->v[i].resource && strcmp(x->v[i].control, control) == 0)
            x->v[i].mark = 1;
}

uint64_t hw_excset_digest(const hw_excset *x, uint64_t h)
{
    for (size_t i = 0; i < x->n; i++) {
        if (!x->v[i].mark)
            continue;
        int64_t k[2] = { x->v[i].id, x->v[i].active };
        const unsigned char *p = (const unsigned char *)k;
        for (size_t j = 0; j < sizeof k; j++) {
            h ^= p[j];
            h *= 1099511628211ull;
        }
    }
    return h;
}

void hw_excset_json(const hw_excset *x, hw_buf *b, int with_expired)
{
    int any = 0;
    for (size_t i = 0; i < x->n; i++) {
        const hw_excset_item *it = &x->v[i];
        if (!it->mark || (!it->active && !with_expired))
            continue;
        hw_buf_puts(b, any ? "," : ",\"exceptions\":[");
        any = 1;
        char until[32];
        hw_time_iso(it->until, until);
        hw_buf_printf(b, "{\"id\":%lld,\"scope\":\"%s\",\"state\":\"%s\",\"until\":\"%s\"",
                      (long long)it->id,
                      it->finding_id ? "finding" : it->resource ? "resource" : "control",
                      it->active ? "active" : "expired", until);
        /* the rest is text someone typed or a finding carried: escaped */
        cJSON *s = cJSON_CreateString(it->by ? it->by : "");
        char *t = s ? cJSON_PrintUnformatted(s) : NULL;
        if (t)
            hw_buf_printf(b, ",\"by\":%s", t);
        free(t);
        cJSON_Delete(s);
        const char *target = it->finding_id ? it->finding_id : it->resource;
        if (target) {
            s = cJSON_CreateString(target);
            t = s ? cJSON_PrintUnformatted(s) : NULL;
            if (t)
                hw_buf_printf(b, ",\"%s\":%s", it->finding_id ? "finding" : "resource", t);
            free(t);
            cJSON_Delete(s);
        }
        hw_buf_putc(b, '}');
    }
    if (any)
        hw_buf_putc(b, ']');
}
