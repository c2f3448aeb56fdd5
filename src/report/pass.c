/*
 * pass.c - the one pass over the store's findings that every bundle of a
 * report shares.
 *
 * A report of several frameworks needs, per framework, findings.csv (the
 * active findings of its controls) and its suppressed findings, and for
 * all of them the untrusted findings and the findings per account and
 * region.  Reading the findings once per framework and list cost a full
 * scan each (seven frameworks: about twenty scans of a million rows); here
 * they are read once, each row is formatted once, and its bytes go to
 * every framework that uses its control.  The XML lists are written as
 * canonical fragments (<finding> elements, as xml.c would write them) to
 * files in a temporary folder, which xml.c copies into each document.
 */
#include "report/report.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A file being written, through a buffer. */
struct out {
    FILE *f;
    hw_buf b;
    int failed;
};

static void out_flush(struct out *o)
{
    if (o->f && o->b.len && fwrite(o->b.data, 1, o->b.len, o->f) != o->b.len)
        o->failed = 1;
    hw_buf_reset(&o->b);
}

static void out_put(struct out *o, const hw_buf *b)
{
    if (!o->f)
        return;
    if (hw_buf_append(&o->b, b->data, b->len) != 0)
        o->failed = 1;
    if (o->b.len > (1u << 16))
        out_flush(o);
}

static int out_open(struct out *o, const char *path, hw_err *e)
{
    hw_buf_init(&o->b, 0);
    o->f = fopen(path, "wb");
    if (!o->f)
        return hw_err_set(e, HW_EIO, "%s: cannot create: %s", path, strerror(errno));
    return HW_OK;
}

static int out_close(struct out *o, const char *path, hw_err *e)
{
    int bad = 0;
    if (o->f) {
        out_flush(o);
        bad = fclose(o->f) != 0 || o->failed;
        o->f = NULL;
    }
    hw_buf_free(&o->b);
    return bad && e ? hw_err_set(e, HW_EIO, "%s: writing failed", path) : HW_OK;
}

/* ------------------------------------------------------------- rows */

static const char *const csv_header[] = {
    "account",       "region",         "control",       "severity",       "compliance_status",
    "workflow_status", "record_state", "trusted",       "untrusted_reason", "product",
    "resource_type", "resources",      "first_observed", "last_observed", "updated_at",
    "id"
};

static void csv_line(hw_buf *b, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i)
            hw_buf_putc(b, ',');
        hw_csv_cell(b, cells[i]);
    }
    hw_buf_puts(b, "\r\n");
}

/* The resources' JSON array, one line per resource id. */
static void resource_lines(const char *json, hw_buf *out)
{
    cJSON *r = cJSON_Parse(json ? json : "[]");
    cJSON *it;
    cJSON_ArrayForEach(it, r)
    {
        if (!cJSON_IsString(it))
            continue;
        if (out->len)
            hw_buf_putc(out, '\n');
        hw_buf_puts(out, it->valuestring);
    }
    cJSON_Delete(r);
}

/* hw_time_iso_ms, byte for byte, without strftime and snprintf (three
 * times a row of a million): days to a civil date as in H. Hinnant's
 * "chrono-compatible low-level date algorithms". */
void hw_report_iso_ms(int64_t ms, char out[32])
{
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int64_t days = s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
    int64_t sod = s - days * 86400, z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2);
    if (y < 1000 || y > 9999) {
        hw_time_iso_ms(ms, out);
        return;
    }
    int v[] = { (int)(y / 100), (int)(y % 100), (int)m, (int)d, (int)(sod / 3600),
                (int)(sod / 60 % 60), (int)(sod % 60) };
    static const char sep[7] = { 0, 0, '-', '-', 'T', ':', ':' };
    char *p = out;
    for (int i = 0; i < 7; i++) {
        if (sep[i])
            *p++ = sep[i];
        *p++ = (char)('0' + v[i] / 10);
        *p++ = (char)('0' + v[i] % 10);
    }
    int frac = (int)(ms - s * 1000);
    *p++ = '.';
    *p++ = (char)('0' + frac / 100);
    *p++ = (char)('0' + frac / 10 % 10);
    *p++ = (char)('0' + frac % 10);
    *p++ = 'Z';
    *p = '\0';
}

static void csv_finding(hw_buf *b, hw_buf *res, const hw_finding_row *f)
{
    hw_buf_reset(res);
    resource_lines(f->resources, res);
    char first[32] = "", last[32] = "", updated[32] = "";
    if (f->first_observed)
        hw_report_iso_ms(f->first_observed, first);
    if (f->last_observed)
        hw_report_iso_ms(f->last_observed, last);
    hw_report_iso_ms(f->updated_at, updated);
    const char *cells[] = { f->account_id,    f->region,           f->control_id,
                            f->severity,      f->compliance_status, f->workflow_status,
                            f->record_state,  f->trusted ? "yes" : "no",
                            f->trusted ? "" : f->untrusted_reason,
                            f->product,       f->resource_type,    hw_buf_str(res),
                            first,            last,                updated,
                            f->id };
    csv_line(b, cells, HW_ARRAY_LEN(cells));
}

/* Canonical XML (attributes in name order, as xml.c writes them). */
static void x_attr(hw_buf *b, const char *name, const char *v)
{
    hw_buf_printf(b, " %s=\"", name);
    hw_xml_escape(b, v ? v : "", 1);
    hw_buf_putc(b, '"');
}

static void x_elem(hw_buf *b, const char *name, const char *text)
{
    hw_buf_printf(b, "<%s>", name);
    hw_xml_escape(b, text ? text : "", 0);
    hw_buf_printf(b, "</%s>", name);
}

/* The finding's title: the stored Title, else from its raw ASFF. */
static char *finding_title(hw_store *st, const hw_finding_row *f)
{
    if (f->title)
        return strdup(f->title);
    char *json = NULL;
    size_t len = 0;
    hw_err e;
    if (hw_store_finding_raw(st, f->product_arn, f->id, &json, &len, &e) != HW_OK)
        return strdup("");
    cJSON *d = cJSON_ParseWithLength(json, len);
    free(json);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "Title");
    char *title = strdup(cJSON_IsString(t) ? t->valuestring : "");
    cJSON_Delete(d);
    return title;
}

/* One <finding> of the suppressed or untrusted list, and a newline. */
static void xml_finding(hw_store *st, hw_buf *b, const hw_finding_row *f, int untrusted)
{
    char first[32], last[32];
    hw_report_iso_ms(f->first_observed, first);
    hw_report_iso_ms(f->last_observed, last);
    hw_buf_puts(b, "<finding");
    x_attr(b, "account", f->account_id);
    x_attr(b, "control", f->control_id);
    x_attr(b, "first-observed", f->first_observed ? first : "");
    x_attr(b, "id", f->id);
    x_attr(b, "last-observed", f->last_observed ? last : "");
    x_attr(b, "product", f->product);
    x_attr(b, "region", f->region);
    x_attr(b, "severity", f->severity);
    x_attr(b, "status", f->compliance_status);
    x_attr(b, "workflow", f->workflow_status);
    hw_buf_putc(b, '>');
    char *title = finding_title(st, f);
    x_elem(b, "title", title ? title : "");
    free(title);
    if (untrusted)
        x_elem(b, "reason", f->untrusted_reason);
    cJSON *r = cJSON_Parse(f->resources ? f->resources : "[]");
    cJSON *it;
    cJSON_ArrayForEach(it, r)
    {
        if (cJSON_IsString(it))
            x_elem(b, "resource", it->valuestring);
    }
    cJSON_Delete(r);
    hw_buf_puts(b, "</finding>\n");
}

/* ------------------------------------------------------------ the pass */

/* A control and the frameworks (bits) that use it. */
struct ctl_mask {
    const char *id;
    uint64_t mask;
};

/* (account, region) -> findings: open addressing on "account\tregion". */
struct region_map {
    char **keys;
    int64_t *n;
    size_t cap, used;
};

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int region_add(struct region_map *m, const char *key)
{
    if ((m->used + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 256;
        char **keys = calloc(cap, sizeof *keys);
        int64_t *n = calloc(cap, sizeof *n);
        if (!keys || !n) {
            free(keys);
            free(n);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->keys[i])
                continue;
            size_t j = hash_str(m->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = m->keys[i];
            n[j] = m->n[i];
        }
        free(m->keys);
        free(m->n);
        m->keys = keys;
        m->n = n;
        m->cap = cap;
    }
    size_t j = hash_str(key) & (m->cap - 1);
    while (m->keys[j]) {
        if (strcmp(m->keys[j], key) == 0) {
            m->n[j]++;
            return 0;
        }
        j = (j + 1) & (m->cap - 1);
    }
    if (!(m->keys[j] = strdup(key)))
        return -1;
    m->n[j] = 1;
    m->used++;
    return 0;
}

struct pass_state {
    hw_store *st;
    hw_report_pass *p;
    struct ctl_mask *ctls;
    size_t nctls;
    char **selected; /* sorted account ids, when the report has a selection */
    size_t nselected;
    int filtered;
    struct out *csv, *supp, untr;
    const char *const *csv_paths;
    struct region_map regions;
    hw_buf row, frag, res, key;
    hw_err cb_err; /* what stopped finding_cb (the store reports its own) */
    int rc;
};

static int cstr_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int ctl_cmp(const void *a, const void *b)
{
    return strcmp(((const struct ctl_mask *)a)->id, ((const struct ctl_mask *)b)->id);
}

static int account_cb(void *arg, const hw_account_row *a)
{
    struct pass_state *s = arg;
    if (!hw_report_account_wanted(s->p->o, a->id, a->ou_path, a->ou_names))
        return 0;
    char **p = realloc(s->selected, (s->nselected + 1) * sizeof *p);
    if (!p)
        return 1;
    s->selected = p;
    return (p[s->nselected++] = strdup(a->id)) == NULL;
}

static int finding_cb(void *arg, const hw_finding_row *f)
{
    struct pass_state *s = arg;
    if (s->filtered && !(s->nselected && bsearch(&f->account_id, s->selected, s->nselected,
                                                 sizeof *s->selected, cstr_cmp)))
        return 0;
    hw_buf_reset(&s->key);
    hw_buf_printf(&s->key, "%s\t%s", f->account_id, f->region);
    if (region_add(&s->regions, hw_buf_str(&s->key)) != 0)
        return s->rc = hw_err_set(&s->cb_err, HW_ENOMEM, "out of memory");
    if (!f->trusted) {
        s->p->nuntrusted++;
        hw_buf_reset(&s->frag);
        xml_finding(s->st, &s->frag, f, 1);
        out_put(&s->untr, &s->frag);
    }
    struct ctl_mask key = { f->control_id, 0 };
    const struct ctl_mask *c =
        *f->control_id && s->nctls
            ? bsearch(&key, s->ctls, s->nctls, sizeof *s->ctls, ctl_cmp)
            : NULL;
    if (!c)
        return 0;
    int suppressed = strcmp(f->workflow_status, "SUPPRESSED") == 0;
    int row_done = 0, frag_done = 0;
    for (size_t i = 0; i < s->p->nfw; i++) {
        if (!(c->mask & (1ULL << i)))
            continue;
        if (s->csv[i].f) {
            if (!row_done) {
                hw_buf_reset(&s->row);
                csv_finding(&s->row, &s->res, f);
                row_done = 1;
            }
            out_put(&s->csv[i], &s->row);
            if (s->csv[i].failed)
                return s->rc = hw_err_set(&s->cb_err, HW_EIO, "%s: writing failed",
                                          s->csv_paths[i]);
        }
        if (suppressed) {
            s->p->fws[i].nsuppressed++;
            if (!frag_done) {
                hw_buf_reset(&s->frag);
                xml_finding(s->st, &s->frag, f, 0);
                frag_done = 1;
            }
            out_put(&s->supp[i], &s->frag);
        }
    }
    return 0;
}

static int region_cmp(const void *a, const void *b)
{
    const struct hw_report_region *x = a, *y = b;
    int c = strcmp(x->account, y->account);
    return c ? c : strcmp(x->region, y->region);
}

/* The region map as the pass's sorted list. */
static int regions_out(struct pass_state *s)
{
    hw_report_pass *p = s->p;
    p->regions = calloc(s->regions.used ? s->regions.used : 1, sizeof *p->regions);
    if (!p->regions)
        return -1;
    for (size_t i = 0; i < s->regions.cap; i++) {
        char *k = s->regions.keys ? s->regions.keys[i] : NULL;
        if (!k)
            continue;
        char *tab = strchr(k, '\t');
        struct hw_report_region *r = &p->regions[p->nregions++];
        r->account = strndup(k, (size_t)(tab - k));
        r->region = strdup(tab + 1);
        r->findings = s->regions.n[i];
        if (!r->account || !r->region)
            return -1;
    }
    if (p->nregions)
        qsort(p->regions, p->nregions, sizeof *p->regions, region_cmp);
    return 0;
}

static int build_masks(struct pass_state *s, hw_err *e)
{
    const hw_report_pass *p = s->p;
    size_t n = 0;
    for (size_t i = 0; i < p->nfw; i++)
        for (size_t j = 0; j < p->fws[i].fw->nrequirements; j++)
            n += p->fws[i].fw->requirements[j].ncontrols;
    s->ctls = calloc(n ? n : 1, sizeof *s->ctls);
    if (!s->ctls)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < p->nfw; i++)
        for (size_t j = 0; j < p->fws[i].fw->nrequirements; j++) {
            const hw_requirement *q = &p->fws[i].fw->requirements[j];
            for (size_t k = 0; k < q->ncontrols; k++) {
                s->ctls[s->nctls].id = q->controls[k]->id;
                s->ctls[s->nctls++].mask = 1ULL << i;
            }
        }
    if (s->nctls)
        qsort(s->ctls, s->nctls, sizeof *s->ctls, ctl_cmp);
    size_t k = 0;
    for (size_t i = 0; i < s->nctls; i++) {
        if (k && strcmp(s->ctls[k - 1].id, s->ctls[i].id) == 0)
            s->ctls[k - 1].mask |= s->ctls[i].mask;
        else
            s->ctls[k++] = s->ctls[i];
    }
    s->nctls = k;
    return HW_OK;
}

static char *part_path(const char *dir, const char *name)
{
    return hw_asprintf("%s/%s", dir, name);
}

int hw_report_pass_prepare(const hw_report_opts *o, const hw_framework *const *fws,
                           const char *const *csv_paths, size_t nfw, const char *tmp_parent,
                           hw_report_pass **out, hw_err *e)
{
    *out = NULL;
    if (nfw > 64)
        return hw_err_set(e, HW_EINVAL, "at most 64 frameworks in one report, not %zu", nfw);
    hw_report_pass *p = calloc(1, sizeof *p);
    if (!p || !(p->fws = calloc(nfw ? nfw : 1, sizeof *p->fws)) ||
        !(p->csv_paths = calloc(nfw ? nfw : 1, sizeof *p->csv_paths)) ||
        !(p->dir = hw_asprintf("%s/.report-pass-%ld-XXXXXX", tmp_parent, (long)getpid()))) {
        hw_report_pass_free(p);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    p->o = o;
    p->nfw = nfw;
    if (!mkdtemp(p->dir)) {
        int rc = hw_err_set(e, HW_EIO, "%s: cannot create a temporary folder: %s", tmp_parent,
                            strerror(errno));
        free(p->dir);
        p->dir = NULL;
        hw_report_pass_free(p);
        return rc;
    }
    for (size_t i = 0; i < nfw; i++) {
        char name[64];
        snprintf(name, sizeof name, "suppressed-%zu.xml", i);
        p->fws[i].fw = fws[i];
        if (!(p->fws[i].suppressed_part = part_path(p->dir, name)) ||
            (csv_paths && csv_paths[i] && !(p->csv_paths[i] = strdup(csv_paths[i])))) {
            hw_report_pass_free(p);
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        }
    }
    if (!(p->untrusted_part = part_path(p->dir, "untrusted.xml")) ||
        !(p->summary = part_path(p->dir, "summary"))) {
        hw_report_pass_free(p);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    *out = p;
    return HW_OK;
}

/* The counts and regions, for a process that did not run the pass:
 * "untrusted N", "suppressed I N", "region ACCOUNT REGION N", tab
 * separated, written last (its presence says the pass succeeded). */
static int write_summary(const hw_report_pass *p, hw_err *e)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_buf_printf(&b, "untrusted\t%lld\n", (long long)p->nuntrusted);
    for (size_t i = 0; i < p->nfw; i++)
        hw_buf_printf(&b, "suppressed\t%zu\t%lld\n", i, (long long)p->fws[i].nsuppressed);
    for (size_t i = 0; i < p->nregions; i++)
        hw_buf_printf(&b, "region\t%s\t%s\t%lld\n", p->regions[i].account, p->regions[i].region,
                      (long long)p->regions[i].findings);
    int rc = hw_file_write_atomic(p->summary, b.data ? b.data : "", b.len, 0600, e);
    hw_buf_free(&b);
    return rc;
}

int hw_report_pass_load(hw_report_pass *p, hw_err *e)
{
    hw_buf b = HW_BUF_INIT(0);
    if (hw_file_read(p->summary, 0, &b, e) != HW_OK) {
        hw_buf_free(&b);
        return hw_err_set(e, HW_EINTERNAL, "the pass over the findings did not finish");
    }
    int rc = HW_OK, line = 0;
    for (char *q = b.data; rc == HW_OK && q && *q;) {
        char *eol = strchr(q, '\n');
        if (!eol)
            break;
        *eol = '\0';
        line++;
        char *f[5] = { 0 };
        int nf = 0;
        for (char *t = q; nf < 5 && t; nf++) {
            f[nf] = t;
            t = strchr(t, '\t');
            if (t)
                *t++ = '\0';
        }
        size_t idx = 0;
        if (nf == 2 && strcmp(f[0], "untrusted") == 0) {
            p->nuntrusted = atoll(f[1]);
        } else if (nf == 3 && strcmp(f[0], "suppressed") == 0 &&
                   (idx = (size_t)atoll(f[1])) < p->nfw) {
            p->fws[idx].nsuppressed = atoll(f[2]);
        } else if (nf == 4 && strcmp(f[0], "region") == 0) {
            struct hw_report_region *r = realloc(p->regions, (p->nregions + 1) * sizeof *r);
            if (!r) {
                rc = hw_err_set(e, HW_ENOMEM, "out of memory");
                break;
            }
            p->regions = r;
            r = &p->regions[p->nregions];
            r->account = strdup(f[1]);
            r->region = strdup(f[2]);
            r->findings = atoll(f[3]);
            p->nregions++;
            if (!r->account || !r->region)
                rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        } else {
            rc = hw_err_set(e, HW_EINTERNAL, "%s:%d: not a line of the pass's summary",
                            p->summary, line);
        }
        q = eol + 1;
    }
    hw_buf_free(&b);
    return rc;
}

int hw_report_pass_fill(hw_report_pass *p, hw_store *st, hw_err *e)
{
    size_t nfw = p->nfw;
    const hw_report_opts *o = p->o;
    struct pass_state s = { 0 };
    s.st = st;
    s.p = p;
    s.csv_paths = (const char *const *)p->csv_paths;
    hw_buf_init(&s.row, 0);
    hw_buf_init(&s.frag, 0);
    hw_buf_init(&s.res, 0);
    hw_buf_init(&s.key, 0);
    hw_buf_init(&s.untr.b, 0);
    int rc = HW_OK;
    if (!(s.csv = calloc(nfw ? nfw : 1, sizeof *s.csv)) ||
        !(s.supp = calloc(nfw ? nfw : 1, sizeof *s.supp))) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < nfw; i++) {
        if ((rc = out_open(&s.supp[i], p->fws[i].suppressed_part, e)) != HW_OK)
            goto out;
        if (p->csv_paths[i]) {
            if ((rc = out_open(&s.csv[i], p->csv_paths[i], e)) != HW_OK)
                goto out;
            hw_buf_reset(&s.row);
            csv_line(&s.row, csv_header, HW_ARRAY_LEN(csv_header));
            out_put(&s.csv[i], &s.row);
        }
    }
    if ((rc = out_open(&s.untr, p->untrusted_part, e)) != HW_OK ||
        (rc = build_masks(&s, e)) != HW_OK)
        goto out;
    s.filtered = o->naccounts || o->nous;
    if (s.filtered) {
        if ((rc = hw_store_accounts(st, account_cb, &s, e)) != HW_OK)
            goto out;
        if (s.nselected)
            qsort(s.selected, s.nselected, sizeof *s.selected, cstr_cmp);
    }
    rc = hw_store_report_findings(st, finding_cb, &s, e);
    if (s.rc != HW_OK) {
        *e = s.cb_err;
        rc = s.rc;
    }
    if (rc == HW_OK && regions_out(&s) != 0)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
out:
    for (size_t i = 0; s.csv && s.supp && i < nfw; i++) {
        int r1 = out_close(&s.csv[i], p->csv_paths[i], rc == HW_OK ? e : NULL);
        if (rc == HW_OK)
            rc = r1;
        int r2 = out_close(&s.supp[i], p->fws[i].suppressed_part, rc == HW_OK ? e : NULL);
        if (rc == HW_OK)
            rc = r2;
    }
    int r3 = out_close(&s.untr, p->untrusted_part, rc == HW_OK ? e : NULL);
    if (rc == HW_OK)
        rc = r3;
    if (rc == HW_OK)
        rc = write_summary(p, e);
    free(s.csv);
    free(s.supp);
    free(s.ctls);
    for (size_t i = 0; i < s.nselected; i++)
        free(s.selected[i]);
    free(s.selected);
    for (size_t i = 0; i < s.regions.cap; i++)
        free(s.regions.keys[i]);
    free(s.regions.keys);
    free(s.regions.n);
    hw_buf_free(&s.row);
    hw_buf_free(&s.frag);
    hw_buf_free(&s.res);
    hw_buf_free(&s.key);
    return rc;
}

int hw_report_pass_run(hw_store *st, const hw_report_opts *o, const hw_framework *const *fws,
                       const char *const *csv_paths, size_t nfw, const char *tmp_parent,
                       hw_report_pass **out, hw_err *e)
{
    int rc = hw_report_pass_prepare(o, fws, csv_paths, nfw, tmp_parent, out, e);
    if (rc == HW_OK && (rc = hw_report_pass_fill(*out, st, e)) != HW_OK) {
        hw_report_pass_free(*out);
        *out = NULL;
    }
    return rc;
}

const struct hw_report_pass_fw *hw_report_pass_framework(const hw_report_pass *p,
                                                         const hw_framework *fw)
{
    for (size_t i = 0; p && i < p->nfw; i++)
        if (p->fws[i].fw == fw)
            return &p->fws[i];
    return NULL;
}

void hw_report_pass_free(hw_report_pass *p)
{
    if (!p)
        return;
    for (size_t i = 0; p->fws && i < p->nfw; i++) {
        if (p->fws[i].suppressed_part)
            unlink(p->fws[i].suppressed_part);
        free(p->fws[i].suppressed_part);
    }
    free(p->fws);
    for (size_t i = 0; p->csv_paths && i < p->nfw; i++)
        free(p->csv_paths[i]);
    free(p->csv_paths);
    if (p->summary)
        unlink(p->summary);
    free(p->summary);
    if (p->untrusted_part)
        unlink(p->untrusted_part);
    free(p->untrusted_part);
    if (p->dir)
        rmdir(p->dir);
    free(p->dir);
    for (size_t i = 0; i < p->nregions; i++) {
        free(p->regions[i].account);
        free(p->regions[i].region);
    }
    free(p->regions);
    free(p);
}
