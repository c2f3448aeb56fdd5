/*
 * xml.c - the evidence XML of one framework, streamed and written
 * directly in canonical form.
 *
 * Why canonical: an enveloped XML Signature digests the exclusive C14N of
 * the document without its Signature.  Every byte here is written as C14N
 * would render it (attributes in name order, no self-closing tags, C14N's
 * escaping, no namespace but the default one), so the digest is SHA-256
 * of the bytes as they leave the writer and the document is never held
 * in memory.  tests/unit/test_report.c checks the output against
 * libxml2's own C14N.
 *
 * One pass over the run's evaluations writes every requirement with its
 * status per account and the evidence to a temporary file while counting
 * what the summary and the open items need; the document then gets the
 * scope, the summary and the lists, and the requirements copied in.  A control
 * evidences several requirements: its findings in an account are written
 * once, under the first, and later results name that requirement
 * (findings-in), which halves a large report.  Statuses are
 * whatever the store holds, kept in a table in order of first sight
 * behind a preferred order, so a new status appears without a change here.
 */
#include "report/report.h"

#include <cJSON.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------ canonical text */

static int put_fffd(hw_buf *out)
{
    return hw_buf_append(out, "\xEF\xBF\xBD", 3);
}

/* Length of a valid UTF-8 sequence XML allows at p (n bytes left), 0 if none. */
static size_t utf8_ok(const unsigned char *p, size_t n)
{
    unsigned c = p[0];
    if (c < 0x80)
        return 1;
    size_t len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
    if (!len || len > n || c > 0xF4)
        return 0;
    unsigned cp = c & (0xFF >> (len + 1));
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)))
        return 0;
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp == 0xFFFE || cp == 0xFFFF)
        return 0;
    return len;
}

int hw_xml_escape(hw_buf *out, const char *s, int attr)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)p);
    int rc = 0;
    while (n && rc == 0) {
        /* a run of bytes that need nothing goes in one append */
        size_t run = 0;
        while (run < n && p[run] >= 0x20 && p[run] < 0x7F && p[run] != '&' && p[run] != '<' &&
               p[run] != '>' && p[run] != '"')
            run++;
        if (run) {
            rc = hw_buf_append(out, p, run);
            p += run;
            n -= run;
            continue;
        }
        unsigned c = *p;
        if (c < 0x80) {
            if (c == '&')
                rc = hw_buf_puts(out, "&amp;");
            else if (c == '<')
                rc = hw_buf_puts(out, "&lt;");
            else if (c == '>' && !attr)
                rc = hw_buf_puts(out, "&gt;");
            else if (c == '"' && attr)
                rc = hw_buf_puts(out, "&quot;");
            else if (c == '\t')
                rc = attr ? hw_buf_puts(out, "&#x9;") : hw_buf_putc(out, '\t');
            else if (c == '\n')
                rc = attr ? hw_buf_puts(out, "&#xA;") : hw_buf_putc(out, '\n');
            else if (c < 0x20 || c == 0x7F)
                rc = put_fffd(out);
            else
                rc = hw_buf_putc(out, (char)c);
            p++;
            n--;
            continue;
        }
        size_t len = utf8_ok(p, n);
        if (!len) {
            rc = put_fffd(out);
            p++;
            n--;
        } else if (len == 2 && p[0] == 0xC2 && p[1] < 0xA0) {
            rc = put_fffd(out); /* C1 control characters */
            p += 2;
            n -= 2;
        } else {
            rc = hw_buf_append(out, p, len);
            p += len;
            n -= len;
        }
    }
    return rc;
}

/* ------------------------------------------------------------- writer */

/* A canonical writer: element names are the literals of this file, kept
 * on a stack; a start tag is closed with '>' by the first child, text or
 * end, and an element always ends with its end tag (no "<x/>", as C14N
 * writes it).  Bytes collect in out and go to xw_io in blocks. */
#define XW_DEPTH 32
#define XW_BLOCK (1u << 16)

typedef struct xw {
    FILE *f;
    hw_validator *v; /* fed every byte written, or NULL */
    EVP_MD_CTX *md;
    int hashing, failed, count_only;
    long written; /* bytes in the file */
    hw_buf out;
    const char *stack[XW_DEPTH];
    size_t depth;
    int open; /* a start tag waits for its '>' */
} xw;

static void xw_io(xw *x, const char *buf, size_t len)
{
    if (!len || x->failed)
        return;
    if (fwrite(buf, 1, len, x->f) != len) {
        x->failed = 1;
        return;
    }
    if (x->hashing)
        EVP_DigestUpdate(x->md, buf, len);
    if (x->v && hw_validator_feed(x->v, buf, len) != 0)
        x->v = NULL; /* the checker stopped: finish() reports why */
    x->written += (long)len;
}

static void xw_flush(xw *x)
{
    xw_io(x, x->out.data, x->out.len);
    hw_buf_reset(&x->out);
}

static void xw_put(xw *x, const char *s, size_t n)
{
    if (hw_buf_append(&x->out, s, n) != 0)
        x->failed = 1;
}

static void close_tag(xw *x)
{
    if (x->open) {
        xw_put(x, ">", 1);
        x->open = 0;
    }
    if (x->out.len >= XW_BLOCK)
        xw_flush(x);
}

static void start(xw *x, const char *name)
{
    close_tag(x);
    if (x->depth == XW_DEPTH) {
        x->failed = 1;
        return;
    }
    x->stack[x->depth++] = name;
    xw_put(x, "<", 1);
    xw_put(x, name, strlen(name));
    x->open = 1;
}

static void end(xw *x)
{
    if (!x->depth) {
        x->failed = 1;
        return;
    }
    const char *name = x->stack[--x->depth];
    xw_put(x, x->open ? "></" : "</", x->open ? 3 : 2);
    x->open = 0;
    xw_put(x, name, strlen(name));
    xw_put(x, ">", 1);
}

static void nl(xw *x)
{
    close_tag(x);
    xw_put(x, "\n", 1);
}

/* Attributes must be given in name order (C14N's order). */
static void attr(xw *x, const char *name, const char *value)
{
    if (!x->open) {
        x->failed = 1;
        return;
    }
    xw_put(x, " ", 1);
    xw_put(x, name, strlen(name));
    xw_put(x, "=\"", 2);
    if (hw_xml_escape(&x->out, value, 1) != 0)
        x->failed = 1;
    xw_put(x, "\"", 1);
}

static void attr_i(xw *x, const char *name, long long v)
{
    char num[32];
    snprintf(num, sizeof num, "%lld", v);
    attr(x, name, num);
}

static void text(xw *x, const char *s)
{
    close_tag(x);
    if (hw_xml_escape(&x->out, s, 0) != 0)
        x->failed = 1;
}

/* Bytes already canonical, as they are. */
static void raw(xw *x, const char *buf, size_t n)
{
    close_tag(x);
    xw_flush(x);
    xw_io(x, buf, n);
}

static void elem_text(xw *x, const char *name, const char *s)
{
    start(x, name);
    text(x, s);
    end(x);
}

/* ------------------------------------------------------------ statuses */

#define MAX_STATUS 32

/* Preferred order; any other status follows in order of first sight. */
static const char *const preferred[] = { "FAILED",  "PARTIAL",        "PASSED",  "EXCEPTION",
                                         "SUPPRESSED", "NOT_APPLICABLE", "NO_DATA", "MANUAL" };

typedef struct statuses {
    char name[MAX_STATUS][32];
    size_t n;
} statuses;

static int status_index(statuses *t, const char *s)
{
    for (size_t i = 0; i < t->n; i++)
        if (strcmp(t->name[i], s) == 0)
            return (int)i;
    if (t->n == MAX_STATUS || strlen(s) >= 32)
        return -1;
    snprintf(t->name[t->n], 32, "%s", s);
    return (int)t->n++;
}

/* The order statuses are printed in: preferred ones, then the rest. */
static size_t status_order(const statuses *t, int order[MAX_STATUS])
{
    size_t k = 0;
    for (size_t p = 0; p < HW_ARRAY_LEN(preferred); p++)
        for (size_t i = 0; i < t->n; i++)
            if (strcmp(t->name[i], preferred[p]) == 0)
                order[k++] = (int)i;
    for (size_t i = 0; i < t->n; i++) {
        int known = 0;
        for (size_t p = 0; p < HW_ARRAY_LEN(preferred); p++)
            known |= strcmp(t->name[i], preferred[p]) == 0;
        if (!known)
            order[k++] = (int)i;
    }
    return k;
}

static int severity_rank(const char *s)
{
    static const char *const order[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL" };
    for (size_t i = 0; i < HW_ARRAY_LEN(order); i++)
        if (s && strcmp(s, order[i]) == 0)
            return (int)i + 1;
    return 0;
}

static const char *severity_name(int rank)
{
    static const char *const order[] = { "UNKNOWN", "INFORMATIONAL", "LOW", "MEDIUM", "HIGH",
                                         "CRITICAL" };
    return order[rank >= 0 && rank <= 5 ? rank : 0];
}

/* ------------------------------------------------------------ accounts */

typedef struct account {
    char *id, *name, *status, *ou_path, *ou_names;
    int64_t findings;
    int64_t counts[MAX_STATUS];
} account;

typedef struct open_item {
    size_t req;
    const char *acct; /* borrowed from the account table */
    int sev, status;
    char *controls; /* "S3.8 3 HIGH\n..." */
} open_item;

/* (account, control) pairs whose findings are written: open addressing,
 * the value is the requirement they were written under. */
typedef struct seen_set {
    char **keys;
    const char **reqs;
    size_t cap, n;
} seen_set;

static uint64_t fnv1a(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The requirement under which key was first seen, or NULL after adding it
 * under req (also NULL, with *oom set, when memory ran out). */
static const char *seen_check(seen_set *t, const char *key, const char *req, int *oom)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        char **keys = calloc(cap, sizeof *keys);
        const char **reqs = calloc(cap, sizeof *reqs);
        if (!keys || !reqs) {
            free(keys);
            free(reqs);
            *oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->keys[i])
                continue;
            size_t j = fnv1a(t->keys[i]) & (cap - 1);
            while (keys[j])
                j = (j + 1) & (cap - 1);
            keys[j] = t->keys[i];
            reqs[j] = t->reqs[i];
        }
        free(t->keys);
        free(t->reqs);
        t->keys = keys;
        t->reqs = reqs;
        t->cap = cap;
    }
    size_t j = fnv1a(key) & (t->cap - 1);
    while (t->keys[j]) {
        if (strcmp(t->keys[j], key) == 0)
            return t->reqs[j];
        j = (j + 1) & (t->cap - 1);
    }
    if (!(t->keys[j] = strdup(key))) {
        *oom = 1;
        return NULL;
    }
    t->reqs[j] = req;
    t->n++;
    return NULL;
}

static void seen_free(seen_set *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->keys[i]);
    free(t->keys);
    free(t->reqs);
}

/* What a result writes of a control's stored evidence (schema 9: stored
 * once per account and change, named by id), kept after its first use in
 * the document so that later requirements using it need neither read nor
 * parse it again: its findings are written once, under first_req. */
typedef struct ctl_sum {
    int64_t id;
    char *control, *klass, *reason;
    cJSON *disabled; /* the disabled_in array, or NULL */
    const char *first_req;
    long long failed, passed, not_available, suppressed;
    int exception, has_suppressed;
} ctl_sum;

/* evidence id -> ctl_sum, open addressing */
typedef struct ctl_cache {
    ctl_sum **slots;
    size_t cap, n;
} ctl_cache;

static ctl_sum *ctl_get(const ctl_cache *t, int64_t id)
{
    if (!t->cap)
        return NULL;
    size_t j = (size_t)((uint64_t)id * 0x9E3779B97F4A7C15ULL) & (t->cap - 1);
    while (t->slots[j]) {
        if (t->slots[j]->id == id)
            return t->slots[j];
        j = (j + 1) & (t->cap - 1);
    }
    return NULL;
}

static int ctl_put(ctl_cache *t, ctl_sum *v)
{
    if ((t->n + 1) * 2 > t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        ctl_sum **slots = calloc(cap, sizeof *slots);
        if (!slots)
            return -1;
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->slots[i])
                continue;
            size_t j = (size_t)((uint64_t)t->slots[i]->id * 0x9E3779B97F4A7C15ULL) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = t->slots[i];
        }
        free(t->slots);
        t->slots = slots;
        t->cap = cap;
    }
    size_t j = (size_t)((uint64_t)v->id * 0x9E3779B97F4A7C15ULL) & (t->cap - 1);
    while (t->slots[j])
        j = (j + 1) & (t->cap - 1);
    t->slots[j] = v;
    t->n++;
    return 0;
}

static void ctl_sum_free(ctl_sum *v)
{
    if (!v)
        return;
    free(v->control);
    free(v->klass);
    free(v->reason);
    cJSON_Delete(v->disabled);
    free(v);
}

static void ctl_cache_free(ctl_cache *t)
{
    for (size_t i = 0; i < t->cap; i++)
        ctl_sum_free(t->slots[i]);
    free(t->slots);
}

/* One result of the framework; its evidence is read when it is written. */
struct result_ref {
    size_t req;
    const char *acct; /* the account table's copy */
    int status;
    int64_t ref;
    char *ids; /* the control evidence ids (JSON), or NULL: read by ref */
};

typedef struct state {
    hw_report_ctx *c;
    statuses st;
    account *acc;
    size_t nacc, capacc;
    int64_t (*req_counts)[MAX_STATUS]; /* per requirement */
    char **families;                   /* distinct, in first-seen order */
    int64_t (*fam_counts)[MAX_STATUS];
    size_t nfam;
    size_t *req_family;
    int64_t totals[MAX_STATUS];
    int64_t results;
    open_item *open;
    size_t nopen, capopen;
    size_t cur_req;
    seen_set seen;
    ctl_cache ctls;
    hw_err cb_err; /* why results_cb stopped */
    hw_buf key;
    struct result_ref *res; /* the framework's results, in document order */
    size_t nres, capres;
    size_t *req_sorted; /* requirement indexes by id */
    char root[64];
    char **regions;
    size_t nregions;
    xw *x;
    hw_err *e;
    int rc;
} state;

static int acc_cmp(const void *a, const void *b)
{
    return strcmp(((const account *)a)->id, ((const account *)b)->id);
}

static account *acc_find(state *s, const char *id)
{
    account key = { 0 };
    key.id = (char *)id;
    return s->nacc ? bsearch(&key, s->acc, s->nacc, sizeof *s->acc, acc_cmp) : NULL;
}

static int in_list(const char *v, const char *const *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v, l[i]) == 0)
            return 1;
    return 0;
}

/* An OU filter matches an OU id anywhere in the path ("ou-ab12-prod0001")
 * or a name path prefix ("Root/Prod"). */
static int ou_match(const char *ou_path, const char *ou_names, const char *want)
{
    size_t wl = strlen(want);
    for (const char *p = ou_path; p && *p;) {
        size_t n = strcspn(p, "/");
        if (n == wl && strncmp(p, want, n) == 0)
            return 1;
        p += n;
        p += *p == '/';
    }
    return ou_names && strncmp(ou_names, want, wl) == 0 &&
           (ou_names[wl] == '\0' || ou_names[wl] == '/');
}

int hw_report_account_wanted(const hw_report_opts *o, const char *id, const char *ou_path,
                             const char *ou_names)
{
    if (o->naccounts && !in_list(id, o->accounts, o->naccounts))
        return 0;
    if (o->nous) {
        int any = 0;
        for (size_t i = 0; i < o->nous && !any; i++)
            any = ou_match(ou_path, ou_names, o->ous[i]);
        if (!any)
            return 0;
    }
    return 1;
}

static char *dup0(const char *s)
{
    return strdup(s ? s : "");
}

static account *acc_add(state *s, const char *id, const char *name, const char *status,
                        const char *ou_path, const char *ou_names)
{
    if (s->nacc == s->capacc) {
        size_t cap = s->capacc ? s->capacc * 2 : 64;
        account *p = realloc(s->acc, cap * sizeof *p);
        if (!p)
            return NULL;
        s->acc = p;
        s->capacc = cap;
    }
    account *a = &s->acc[s->nacc];
    memset(a, 0, sizeof *a);
    a->id = dup0(id);
    a->name = dup0(name);
    a->status = dup0(status);
    a->ou_path = dup0(ou_path);
    a->ou_names = dup0(ou_names);
    if (!a->id || !a->name || !a->status || !a->ou_path || !a->ou_names)
        return NULL;
    s->nacc++;
    qsort(s->acc, s->nacc, sizeof *s->acc, acc_cmp);
    return acc_find(s, id);
}

static int account_cb(void *arg, const hw_account_row *a)
{
    state *s = arg;
    if (!hw_report_account_wanted(s->c->o, a->id, a->ou_path, a->ou_names))
        return 0;
    if (!s->root[0] && a->ou_path && hw_starts_with(a->ou_path, "r-"))
        snprintf(s->root, sizeof s->root, "%.*s", (int)strcspn(a->ou_path, "/"), a->ou_path);
    return acc_add(s, a->id, a->name, a->status, a->ou_path, a->ou_names) == NULL;
}

static int region_cb(void *arg, const char *acct, const char *region, int64_t n)
{
    state *s = arg;
    account *a = acc_find(s, acct);
    if (!a)
        return 0;
    a->findings += n;
    for (size_t i = 0; i < s->nregions; i++)
        if (strcmp(s->regions[i], region) == 0)
            return 0;
    char **p = realloc(s->regions, (s->nregions + 1) * sizeof *p);
    if (!p)
        return 1;
    s->regions = p;
    return (s->regions[s->nregions++] = strdup(region)) == NULL;
}

void hw_report_ctx_release(hw_report_ctx *c)
{
    if (c->pass == c->own_pass)
        c->pass = NULL;
    hw_report_pass_free(c->own_pass);
    c->own_pass = NULL;
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ----------------------------------------------------- the first pass */

/* The family of a requirement: its id up to the first '.' or '(' ("1.4"
 * is in 1, "164.312(b)" in 164, "CC6.1" in CC6). */
static void family_of(const char *id, char out[64])
{
    size_t n = strcspn(id, ".(");
    snprintf(out, 64, "%.*s", (int)(n ? n : strlen(id)), id);
}

static size_t family_index(state *s, const char *fam)
{
    for (size_t i = 0; i < s->nfam; i++)
        if (strcmp(s->families[i], fam) == 0)
            return i;
    s->families[s->nfam] = strdup(fam);
    memset(s->fam_counts[s->nfam], 0, sizeof s->fam_counts[s->nfam]);
    return s->nfam++;
}

static const char *control_severity(const hw_catalog *cat, const char *id)
{
    const hw_control *ctl = hw_catalog_control(cat, id);
    return ctl ? ctl->severity : "UNKNOWN";
}

/* The per-control evidence of a requirement: an object's "controls" (the
 * evaluation's format), or the array itself (rows from before schema 5). */
static cJSON *evidence_controls(cJSON *ev)
{
    return cJSON_IsArray(ev) ? ev : cJSON_GetObjectItemCaseSensitive(ev, "controls");
}

static int open_cmp(const void *pa, const void *pb)
{
    const open_item *a = pa, *b = pb;
    if (a->sev != b->sev)
        return b->sev - a->sev;
    if (a->req != b->req)
        return a->req < b->req ? -1 : 1;
    return strcmp(a->acct, b->acct);
}

/* ----------------------------------------------------------- sections */

static void counts(xw *x, const statuses *t, const int64_t *n)
{
    int order[MAX_STATUS];
    size_t k = status_order(t, order);
    for (size_t i = 0; i < k; i++) {
        if (!n[order[i]])
            continue;
        start(x, "count");
        attr_i(x, "n", n[order[i]]);
        attr(x, "status", t->name[order[i]]);
        end(x);
    }
}

struct trend_state {
    state *s;
    char run[64];
    int64_t n[MAX_STATUS];
    char started[32];
    int open;
};

static void trend_flush(struct trend_state *t)
{
    if (!t->open)
        return;
    xw *x = t->s->x;
    start(x, "run");
    attr(x, "id", t->run);
    attr(x, "started", t->started);
    counts(x, &t->s->st, t->n);
    end(x);
    nl(x);
    t->open = 0;
}

static int trend_cb(void *arg, const hw_trend_row *r)
{
    struct trend_state *t = arg;
    /* with --account or --ou the rows are per account: only the selected count */
    if (r->account && !acc_find(t->s, r->account))
        return 0;
    if (t->open && strcmp(t->run, r->run_id) != 0)
        trend_flush(t);
    if (!t->open) {
        snprintf(t->run, sizeof t->run, "%s", r->run_id);
        snprintf(t->started, sizeof t->started, "%s", r->started_at);
        memset(t->n, 0, sizeof t->n);
        t->open = 1;
    }
    int si = status_index(&t->s->st, r->status);
    if (si >= 0)
        t->n[si] += r->count;
    return 0;
}

static void write_scope(state *s)
{
    xw *x = s->x;
    hw_report_ctx *c = s->c;
    start(x, "scope");
    nl(x);
    start(x, "hubwarden");
    attr(x, "version", c->o->version ? c->o->version : "");
    end(x);
    nl(x);
    start(x, "organization");
    if (c->organization[0])
        attr(x, "id", c->organization);
    attr(x, "root", s->root);
    end(x);
    nl(x);
    start(x, "framework");
    const char *file = strrchr(c->fw->file, '/');
    attr(x, "file", file ? file + 1 : c->fw->file);
    attr(x, "id", c->fw->id);
    attr(x, "name", c->fw->name);
    attr(x, "sha256", c->framework_sha256);
    attr(x, "version", c->fw->version);
    if (c->fw->source)
        elem_text(x, "source", c->fw->source);
    if (c->fw->caveat)
        elem_text(x, "caveat", c->fw->caveat);
    end(x);
    nl(x);
    start(x, "catalogue");
    attr(x, "file", "securityhub-controls.xml");
    if (c->catalogue_folder_sha256[0])
        attr(x, "folder-sha256", c->catalogue_folder_sha256);
    attr(x, "sha256", c->catalogue_sha256);
    end(x);
    nl(x);
    start(x, "period");
    attr(x, "from", c->period_from);
    attr(x, "to", c->period_to);
    end(x);
    nl(x);
    start(x, "run");
    attr(x, "finished", c->run->finished_at);
    attr(x, "id", c->run->id);
    attr(x, "kind", c->run->kind);
    attr(x, "started", c->run->started_at);
    attr(x, "status", c->run->status);
    end(x);
    nl(x);
    int64_t seq = 0;
    char head[65];
    if (hw_store_audit_head(c->st, &seq, head, s->e) != HW_OK)
        s->rc = s->e->kind;
    start(x, "audit-log");
    attr(x, "head", head);
    attr_i(x, "seq", seq);
    end(x);
    nl(x);
    for (size_t i = 0; i < c->o->naccounts; i++) {
        start(x, "filter");
        attr(x, "kind", "account");
        text(x, c->o->accounts[i]);
        end(x);
        nl(x);
    }
    for (size_t i = 0; i < c->o->nous; i++) {
        start(x, "filter");
        attr(x, "kind", "ou");
        text(x, c->o->ous[i]);
        end(x);
        nl(x);
    }
    start(x, "regions");
    if (s->nregions)
        qsort(s->regions, s->nregions, sizeof *s->regions, str_cmp);
    for (size_t i = 0; i < s->nregions; i++)
        elem_text(x, "region", s->regions[i]);
    end(x);
    nl(x);
    start(x, "accounts");
    nl(x);
    for (size_t i = 0; i < s->nacc; i++) {
        account *a = &s->acc[i];
        start(x, "account");
        attr_i(x, "findings", a->findings);
        attr(x, "id", a->id);
        attr(x, "name", a->name);
        attr(x, "ou-names", a->ou_names);
        attr(x, "ou-path", a->ou_path);
        attr(x, "status", a->status);
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
    end(x);
    nl(x);
}

static void write_summary(state *s)
{
    xw *x = s->x;
    const hw_framework *fw = s->c->fw;
    start(x, "summary");
    attr_i(x, "results", s->results);
    nl(x);
    start(x, "statuses");
    counts(x, &s->st, s->totals);
    end(x);
    nl(x);
    start(x, "families");
    nl(x);
    for (size_t i = 0; i < s->nfam; i++) {
        start(x, "family");
        attr(x, "id", s->families[i]);
        counts(x, &s->st, s->fam_counts[i]);
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
    start(x, "by-account");
    nl(x);
    for (size_t i = 0; i < s->nacc; i++) {
        start(x, "account");
        attr(x, "id", s->acc[i].id);
        counts(x, &s->st, s->acc[i].counts);
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
    start(x, "by-requirement");
    nl(x);
    for (size_t i = 0; i < fw->nrequirements; i++) {
        const hw_requirement *q = &fw->requirements[i];
        start(x, "requirement");
        attr(x, "family", s->families[s->req_family[i]]);
        attr(x, "id", q->id);
        attr(x, "manual", q->manual ? "1" : "0");
        attr(x, "title", q->title);
        counts(x, &s->st, s->req_counts[i]);
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
    start(x, "trend");
    nl(x);
    struct trend_state t = { .s = s };
    int by_account = s->c->o->naccounts || s->c->o->nous;
    if (hw_store_report_trend(s->c->st, fw->id, s->c->o->from, s->c->period_to, by_account,
                              trend_cb, &t, s->e) != HW_OK)
        s->rc = s->e->kind;
    trend_flush(&t);
    end(x);
    nl(x);
    end(x);
    nl(x);
}

static void write_open(state *s)
{
    xw *x = s->x;
    if (s->nopen)
        qsort(s->open, s->nopen, sizeof *s->open, open_cmp);
    start(x, "open-items");
    attr_i(x, "count", (long long)s->nopen);
    nl(x);
    for (size_t i = 0; i < s->nopen; i++) {
        open_item *o = &s->open[i];
        const hw_requirement *q = &s->c->fw->requirements[o->req];
        start(x, "item");
        attr(x, "account", o->acct);
        attr(x, "requirement", q->id);
        attr(x, "severity", severity_name(o->sev));
        attr(x, "status", s->st.name[o->status]);
        attr(x, "title", q->title);
        for (char *p = o->controls; p && *p;) {
            char *eol = strchr(p, '\n');
            *eol = '\0';
            char *t1 = strchr(p, '\t');
            char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
            if (t1 && t2) {
                *t1 = *t2 = '\0';
                start(x, "control");
                attr(x, "failed", t1 + 1);
                attr(x, "id", p);
                attr(x, "severity", t2 + 1);
                end(x);
            }
            p = eol + 1;
        }
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
}

static void write_manual(state *s)
{
    xw *x = s->x;
    const hw_framework *fw = s->c->fw;
    size_t n = 0;
    for (size_t i = 0; i < fw->nrequirements; i++)
        n += fw->requirements[i].manual != 0;
    start(x, "manual-requirements");
    attr_i(x, "count", (long long)n);
    nl(x);
    for (size_t i = 0; i < fw->nrequirements; i++) {
        const hw_requirement *q = &fw->requirements[i];
        if (!q->manual)
            continue;
        start(x, "requirement");
        attr(x, "id", q->id);
        attr(x, "title", q->title);
        elem_text(x, "collect",
                  q->manual_reason ? q->manual_reason
                                   : "Evidence collected by hand: no control can show it.");
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
}

static int action_cb(void *arg, const hw_report_action_row *a)
{
    state *s = arg;
    if (!acc_find(s, a->account) && (s->c->o->naccounts || s->c->o->nous))
        return 0;
    xw *x = s->x;
    start(x, "action");
    attr(x, "account", a->account);
    attr(x, "action", a->action);
    attr(x, "control", a->control ? a->control : "");
    attr(x, "destructive", a->destructive ? "1" : "0");
    attr(x, "executed", a->executed_at ? a->executed_at : "");
    attr(x, "id", a->id);
    attr(x, "planned", a->planned_at);
    attr(x, "playbook", a->playbook ? a->playbook : "");
    attr(x, "region", a->region ? a->region : "");
    attr(x, "resource", a->resource);
    attr(x, "run", a->run_id ? a->run_id : "");
    attr(x, "state", a->state);
    if (a->before_state)
        elem_text(x, "before", a->before_state);
    if (a->after_state)
        elem_text(x, "after", a->after_state);
    if (a->error)
        elem_text(x, "error", a->error);
    if (a->approvals)
        elem_text(x, "approval", a->approvals);
    end(x);
    nl(x);
    return x->failed;
}

struct count_cb_state {
    state *s;
    int64_t n;
};

static int action_count_cb(void *arg, const hw_report_action_row *a)
{
    struct count_cb_state *c = arg;
    if (acc_find(c->s, a->account) || !(c->s->c->o->naccounts || c->s->c->o->nous))
        c->n++;
    return 0;
}

static void write_actions(state *s)
{
    xw *x = s->x;
    struct count_cb_state cs = { s, 0 };
    const char *from = s->c->period_from[0] ? s->c->period_from : NULL;
    if (hw_store_report_actions(s->c->st, from, s->c->period_to, action_count_cb, &cs, s->e) !=
        HW_OK) {
        s->rc = s->e->kind;
        return;
    }
    start(x, "actions");
    attr_i(x, "count", cs.n);
    nl(x);
    if (hw_store_report_actions(s->c->st, from, s->c->period_to, action_cb, s, s->e) != HW_OK)
        s->rc = s->e->kind;
    end(x);
    nl(x);
}

static const char *exception_state(const hw_report_exception_row *r, int64_t now)
{
    if (r->revoked)
        return "revoked";
    if (now < r->created_at)
        return "future";
    return now >= r->expires_at ? "expired" : "active";
}

static int exception_cb(void *arg, const hw_report_exception_row *r)
{
    struct count_cb_state *c = arg;
    state *s = c->s;
    if (!acc_find(s, r->account) && (s->c->o->naccounts || s->c->o->nous))
        return 0;
    c->n++;
    if (s->x->count_only)
        return 0;
    xw *x = s->x;
    char created[32], expires[32];
    hw_time_iso(r->created_at, created);
    hw_time_iso(r->expires_at, expires);
    start(x, "exception");
    attr(x, "account", r->account);
    attr(x, "approver", r->approver);
    attr(x, "control", r->control);
    attr(x, "created", created);
    attr(x, "expires", expires);
    attr_i(x, "id", r->id);
    attr(x, "state", exception_state(r, s->c->now));
    elem_text(x, "reason", r->reason);
    end(x);
    nl(x);
    return x->failed;
}

static void write_exceptions(state *s)
{
    xw *x = s->x;
    struct count_cb_state cs = { s, 0 };
    x->count_only = 1;
    int rc = hw_store_report_exceptions(s->c->st, exception_cb, &cs, s->e);
    x->count_only = 0;
    if (rc != HW_OK) {
        s->rc = rc;
        return;
    }
    start(x, "exceptions");
    attr_i(x, "count", cs.n);
    nl(x);
    cs.n = 0;
    if (hw_store_report_exceptions(s->c->st, exception_cb, &cs, s->e) != HW_OK)
        s->rc = s->e->kind;
    end(x);
    nl(x);
}

/* A list of findings the shared pass wrote (pass.c), copied in. */
static void copy_part(xw *x, FILE *part);

static void write_findings(state *s, const char *name, const char *part, int64_t n)
{
    xw *x = s->x;
    start(x, name);
    attr_i(x, "count", n);
    nl(x);
    FILE *f = fopen(part, "rb");
    if (!f) {
        s->rc = hw_err_set(s->e, HW_EIO, "%s: cannot open: %s", part, strerror(errno));
        return;
    }
    copy_part(x, f);
    fclose(f);
    end(x);
    nl(x);
}

/* ---------------------------------------------------- requirements */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static long long jnum(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

/* A control's evidence as written: from its JSON object. */
static void ctl_from_json(ctl_sum *v, const cJSON *c)
{
    v->control = (char *)jstr(c, "control");
    v->klass = (char *)jstr(c, "class");
    v->reason = (char *)jstr(c, "reason");
    v->exception = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(c, "exception"));
    v->failed = jnum(c, "failed");
    v->passed = jnum(c, "passed");
    v->not_available = jnum(c, "not_available");
    v->has_suppressed = cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c, "suppressed"));
    v->suppressed = jnum(c, "suppressed");
    v->disabled = cJSON_GetObjectItemCaseSensitive(c, "disabled_in");
}

/* One <control> of a result; findings (a JSON array) only where the
 * control's findings in the account are written, else findings_in names
 * the requirement they are under. */
static void write_control(state *s, const ctl_sum *v, const char *findings_in,
                          const cJSON *findings)
{
    xw *x = s->x;
    start(x, "control");
    /* attributes in canonical (sorted) order */
    if (*v->klass)
        attr(x, "class", v->klass);
    attr(x, "exception", v->exception ? "1" : "0");
    attr_i(x, "failed", v->failed);
    if (findings_in)
        attr(x, "findings-in", findings_in);
    attr(x, "id", v->control);
    attr_i(x, "not-available", v->not_available);
    attr_i(x, "passed", v->passed);
    if (*v->reason)
        attr(x, "reason", v->reason);
    if (v->has_suppressed)
        attr_i(x, "suppressed", v->suppressed);
    cJSON *it;
    cJSON_ArrayForEach(it, v->disabled)
    {
        if (cJSON_IsString(it))
            elem_text(x, "disabled-in", it->valuestring);
    }
    const cJSON *list = findings_in ? NULL : findings;
    cJSON_ArrayForEach(it, list)
    {
        start(x, "finding");
        attr(x, "first-observed", jstr(it, "first_observed"));
        attr(x, "id", jstr(it, "id"));
        attr(x, "last-observed", jstr(it, "last_observed"));
        attr(x, "status", jstr(it, "status"));
        attr(x, "workflow", jstr(it, "workflow"));
        cJSON *res;
        cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(it, "resources"))
        {
            if (cJSON_IsString(res))
                elem_text(x, "resource", res->valuestring);
        }
        end(x);
    }
    end(x);
}

/* A failing control of an open item: "id\tfailed\tseverity\n". */
static void note_failed(state *s, hw_buf *ctl, int *sev, const ctl_sum *v)
{
    if (v->failed <= 0 || !*v->control)
        return;
    const char *sv = control_severity(s->c->cat, v->control);
    if (severity_rank(sv) > *sev)
        *sev = severity_rank(sv);
    hw_buf_printf(ctl, "%s\t%lld\t%s\n", v->control, v->failed, sv);
}

/* A control of a result whose evidence is stored apart, by id: read and
 * written whole the first time, from what was kept after. */
static int control_by_id(state *s, int64_t id, hw_buf *ctl, int *sev)
{
    ctl_sum *v = ctl_get(&s->ctls, id);
    if (v) {
        write_control(s, v, v->first_req, NULL);
        note_failed(s, ctl, sev, v);
        return HW_OK;
    }
    char *text = NULL;
    if (hw_store_report_control_evidence(s->c->st, id, &text, s->e) != HW_OK)
        return s->e->kind;
    cJSON *c = cJSON_Parse(text);
    free(text);
    ctl_sum tmp = { 0 };
    ctl_from_json(&tmp, c);
    write_control(s, &tmp, NULL, cJSON_GetObjectItemCaseSensitive(c, "findings"));
    note_failed(s, ctl, sev, &tmp);
    v = calloc(1, sizeof *v);
    int rc = HW_OK;
    if (v) {
        *v = tmp;
        v->id = id;
        v->first_req = s->c->fw->requirements[s->cur_req].id;
        v->control = strdup(tmp.control);
        v->klass = strdup(tmp.klass);
        v->reason = strdup(tmp.reason);
        v->disabled = tmp.disabled ? cJSON_Duplicate(tmp.disabled, 1) : NULL;
    }
    if (!v || !v->control || !v->klass || !v->reason || (tmp.disabled && !v->disabled) ||
        ctl_put(&s->ctls, v) != 0) {
        ctl_sum_free(v);
        rc = hw_err_set(s->e, HW_ENOMEM, "out of memory");
    }
    cJSON_Delete(c);
    return rc;
}

/* A control whose evidence is inside the result's own (as stored before
 * schema 9): its findings in an account are written once, under the first
 * requirement it evidences; later ones point there. */
static int control_inline(state *s, const char *acct, const cJSON *c, hw_buf *ctl, int *sev)
{
    ctl_sum v = { 0 };
    ctl_from_json(&v, c);
    hw_buf_reset(&s->key);
    hw_buf_printf(&s->key, "%s\t%s", acct, v.control);
    int oom = 0;
    const char *first = seen_check(&s->seen, hw_buf_str(&s->key),
                                   s->c->fw->requirements[s->cur_req].id, &oom);
    if (oom)
        return hw_err_set(s->e, HW_ENOMEM, "out of memory");
    write_control(s, &v, first, cJSON_GetObjectItemCaseSensitive(c, "findings"));
    note_failed(s, ctl, sev, &v);
    return HW_OK;
}

static int add_open(state *s, const struct result_ref *r, int sev, hw_buf *ctl)
{
    if (s->nopen == s->capopen) {
        size_t cap = s->capopen ? s->capopen * 2 : 256;
        open_item *p = realloc(s->open, cap * sizeof *p);
        if (!p)
            return hw_err_set(s->e, HW_ENOMEM, "out of memory");
        s->open = p;
        s->capopen = cap;
    }
    open_item *o = &s->open[s->nopen++];
    o->req = r->req;
    o->acct = r->acct;
    o->sev = sev;
    o->status = r->status;
    o->controls = hw_buf_detach(ctl, NULL);
    return HW_OK;
}

/* One <result>: counted for the summary, an open item when it fails. */
static int write_result(state *s, const struct result_ref *r)
{
    account *a = acc_find(s, r->acct);
    int si = r->status;
    a->counts[si]++;
    s->req_counts[r->req][si]++;
    s->fam_counts[s->req_family[r->req]][si]++;
    s->totals[si]++;
    s->results++;
    int is_open = strcmp(s->st.name[si], "FAILED") == 0 || strcmp(s->st.name[si], "PARTIAL") == 0;
    char *evidence = NULL, *fetched = NULL;
    if (!r->ids &&
        hw_store_report_result_evidence(s->c->st, r->ref, &evidence, &fetched, s->e) != HW_OK)
        return s->e->kind;
    const char *ids = r->ids ? r->ids : fetched;
    xw *x = s->x;
    start(x, "result");
    attr(x, "account", r->acct);
    attr(x, "status", s->st.name[si]);
    hw_buf ctl = HW_BUF_INIT(0);
    int sev = 0, rc = HW_OK;
    if (ids) {
        cJSON *arr = cJSON_Parse(ids);
        cJSON *it;
        cJSON_ArrayForEach(it, arr)
        {
            if (rc == HW_OK && cJSON_IsNumber(it))
                rc = control_by_id(s, (int64_t)it->valuedouble, &ctl, &sev);
        }
        cJSON_Delete(arr);
    } else {
        cJSON *ev = cJSON_Parse(evidence);
        cJSON *c;
        cJSON_ArrayForEach(c, evidence_controls(ev))
        {
            if (rc == HW_OK)
                rc = control_inline(s, r->acct, c, &ctl, &sev);
        }
        cJSON_Delete(ev);
    }
    free(evidence);
    free(fetched);
    end(x);
    nl(x);
    if (rc == HW_OK && is_open)
        rc = add_open(s, r, sev, &ctl);
    hw_buf_free(&ctl);
    return rc;
}

static int req_id_cmp(const void *pa, const void *pb, void *arg)
{
    const hw_framework *fw = arg;
    return strcmp(fw->requirements[*(const size_t *)pa].id,
                  fw->requirements[*(const size_t *)pb].id);
}

static const hw_framework *sort_fw;
static int req_key_cmp(const void *key, const void *pb)
{
    return strcmp((const char *)key, sort_fw->requirements[*(const size_t *)pb].id);
}

static int results_cb(void *arg, const hw_report_result *r)
{
    state *s = arg;
    sort_fw = s->c->fw;
    const size_t *q = bsearch(r->requirement, s->req_sorted, s->c->fw->nrequirements,
                              sizeof *s->req_sorted, req_key_cmp);
    if (!q)
        return 0; /* no longer in the framework's file */
    account *a = acc_find(s, r->account);
    if (!a) {
        if (s->c->o->naccounts || s->c->o->nous)
            return 0; /* outside the selection */
        if (!(a = acc_add(s, r->account, "", "", "", ""))) {
            s->rc = hw_err_set(&s->cb_err, HW_ENOMEM, "out of memory");
            return 1;
        }
    }
    int si = status_index(&s->st, r->status);
    if (si < 0) {
        s->rc = hw_err_set(&s->cb_err, HW_EINVAL, "evaluation of %s %s: status '%.40s' not usable",
                           r->requirement, r->account, r->status);
        return 1;
    }
    if (s->nres == s->capres) {
        size_t cap = s->capres ? s->capres * 2 : 1024;
        struct result_ref *p = realloc(s->res, cap * sizeof *p);
        if (!p) {
            s->rc = hw_err_set(&s->cb_err, HW_ENOMEM, "out of memory");
            return 1;
        }
        s->res = p;
        s->capres = cap;
    }
    struct result_ref *o = &s->res[s->nres++];
    o->req = *q;
    o->acct = a->id;
    o->status = si;
    o->ref = r->ref;
    o->ids = r->controls ? strdup(r->controls) : NULL;
    if (r->controls && !o->ids) {
        s->rc = hw_err_set(&s->cb_err, HW_ENOMEM, "out of memory");
        return 1;
    }
    return 0;
}

static int result_order(const void *pa, const void *pb)
{
    const struct result_ref *a = pa, *b = pb;
    if (a->req != b->req)
        return a->req < b->req ? -1 : 1;
    return strcmp(a->acct, b->acct);
}

/* The framework's results of the run, in document order (requirements as
 * the framework lists them, then accounts); their evidence is read as each
 * is written. */
static int read_results(state *s)
{
    const hw_framework *fw = s->c->fw;
    s->req_sorted = calloc(fw->nrequirements ? fw->nrequirements : 1, sizeof *s->req_sorted);
    if (!s->req_sorted)
        return hw_err_set(s->e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < fw->nrequirements; i++)
        s->req_sorted[i] = i;
    qsort_r(s->req_sorted, fw->nrequirements, sizeof *s->req_sorted, req_id_cmp, (void *)fw);
    int rc = hw_store_report_results(s->c->st, s->c->run->id, fw->id, results_cb, s, s->e);
    if (s->rc != HW_OK) { /* the store's "stopped" would hide why */
        *s->e = s->cb_err;
        return s->rc;
    }
    if (rc != HW_OK)
        return rc;
    if (s->nres)
        qsort(s->res, s->nres, sizeof *s->res, result_order);
    return HW_OK;
}

static void write_requirements(state *s)
{
    xw *x = s->x;
    const hw_framework *fw = s->c->fw;
    size_t k = 0;
    start(x, "requirements");
    nl(x);
    for (size_t i = 0; i < fw->nrequirements && s->rc == HW_OK && !x->failed; i++) {
        const hw_requirement *q = &fw->requirements[i];
        s->cur_req = i;
        start(x, "requirement");
        attr(x, "family", s->families[s->req_family[i]]);
        attr(x, "id", q->id);
        attr(x, "manual", q->manual ? "1" : "0");
        attr(x, "title", q->title);
        nl(x);
        for (size_t j = 0; j < q->ncontrols; j++) {
            start(x, "control");
            attr(x, "id", q->controls[j]->id);
            attr(x, "severity", q->controls[j]->severity);
            attr(x, "title", q->controls[j]->title);
            end(x);
            nl(x);
        }
        for (; k < s->nres && s->res[k].req == i && s->rc == HW_OK; k++)
            s->rc = write_result(s, &s->res[k]);
        end(x);
        nl(x);
    }
    end(x);
    nl(x);
}

/* --------------------------------------------------------- the whole */

static void state_free(state *s)
{
    for (size_t i = 0; i < s->nacc; i++) {
        free(s->acc[i].id);
        free(s->acc[i].name);
        free(s->acc[i].status);
        free(s->acc[i].ou_path);
        free(s->acc[i].ou_names);
    }
    free(s->acc);
    for (size_t i = 0; i < s->nfam; i++)
        free(s->families[i]);
    free(s->families);
    free(s->fam_counts);
    free(s->req_counts);
    free(s->req_family);
    for (size_t i = 0; i < s->nopen; i++)
        free(s->open[i].controls);
    free(s->open);
    for (size_t i = 0; i < s->nregions; i++)
        free(s->regions[i]);
    free(s->regions);
    seen_free(&s->seen);
    ctl_cache_free(&s->ctls);
    hw_buf_free(&s->key);
    for (size_t i = 0; i < s->nres; i++)
        free(s->res[i].ids);
    free(s->res);
    free(s->req_sorted);
}

/* Reads what the summary needs before the evaluations: accounts, their
 * regions (from the shared pass), the framework's results. */
static int gather(state *s)
{
    hw_report_ctx *c = s->c;
    size_t nr = c->fw->nrequirements;
    s->req_counts = calloc(nr ? nr : 1, sizeof *s->req_counts);
    s->fam_counts = calloc(nr ? nr : 1, sizeof *s->fam_counts);
    s->families = calloc(nr ? nr : 1, sizeof *s->families);
    s->req_family = calloc(nr ? nr : 1, sizeof *s->req_family);
    if (!s->req_counts || !s->fam_counts || !s->families || !s->req_family)
        return hw_err_set(s->e, HW_ENOMEM, "out of memory");
    /* the preferred statuses come first in the table, in their order */
    for (size_t i = 0; i < HW_ARRAY_LEN(preferred); i++)
        status_index(&s->st, preferred[i]);
    if (hw_store_accounts(c->st, account_cb, s, s->e) != HW_OK)
        return s->e->kind;
    for (size_t i = 0; i < nr; i++) {
        char fam[64];
        family_of(c->fw->requirements[i].id, fam);
        s->req_family[i] = family_index(s, fam);
        if (!s->families[s->req_family[i]])
            return hw_err_set(s->e, HW_ENOMEM, "out of memory");
    }
    int rc = read_results(s);
    return rc != HW_OK ? rc : s->rc;
}

/* The <requirements> section, written first to an unlinked temporary
 * file: the one pass over the evaluations both writes it and counts what
 * the summary and the open items, which come before it, need. */
static int write_requirements_part(state *s, const char *path, FILE **out)
{
    *out = NULL;
    xw xr = { 0 };
    hw_buf_init(&xr.out, 0);
    char *rpath = hw_asprintf("%s.requirements", path);
    xr.f = rpath ? fopen(rpath, "w+b") : NULL;
    if (rpath)
        unlink(rpath);
    free(rpath);
    if (!xr.f) {
        hw_buf_free(&xr.out);
        return hw_err_set(s->e, HW_EIO, "%s: cannot create a temporary file", path);
    }
    xw *main_x = s->x;
    s->x = &xr;
    write_requirements(s);
    xw_flush(&xr);
    s->x = main_x;
    hw_buf_free(&xr.out);
    int rc = s->rc;
    if (rc == HW_OK && (xr.failed || fflush(xr.f) != 0 || fseek(xr.f, 0, SEEK_SET) != 0))
        rc = hw_err_set(s->e, HW_EIO, "%s: writing a temporary file failed", path);
    if (rc != HW_OK) {
        fclose(xr.f);
        return rc;
    }
    *out = xr.f;
    return HW_OK;
}

/* Copies the part into the document through the main writer. */
static void copy_part(xw *x, FILE *part)
{
    static char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, part)) > 0)
        raw(x, buf, n);
    if (ferror(part))
        x->failed = 1;
}

int hw_report_xml(hw_report_ctx *c, const char *path, unsigned char digest[32], long *body_len,
                  hw_err *e)
{
    return hw_report_xml_checked(c, path, NULL, digest, body_len, e);
}

int hw_report_xml_checked(hw_report_ctx *c, const char *path, const char *schema_file,
                          unsigned char digest[32], long *body_len, hw_err *e)
{
    state s = { 0 };
    s.c = c;
    s.e = e;
    xw x = { 0 };
    hw_buf_init(&x.out, 0);
    s.x = &x;
    hw_validator *v = NULL;
    FILE *part = NULL;
    int rc = HW_OK;
    if (!c->pass || !hw_report_pass_framework(c->pass, c->fw)) {
        /* a document alone: its own pass over the findings, beside it */
        char *dir = strdup(path);
        char *slash = dir ? strrchr(dir, '/') : NULL;
        const hw_framework *one = c->fw;
        const char *csv = c->csv_path;
        if (slash)
            *slash = '\0';
        hw_report_pass_free(c->own_pass);
        c->own_pass = NULL;
        rc = dir ? hw_report_pass_run(c->st, c->o, &one, &csv, 1, slash ? dir : ".",
                                      &c->own_pass, e)
                 : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(dir);
        c->pass = c->own_pass;
    }
    if (rc == HW_OK)
        rc = gather(&s);
    if (rc == HW_OK)
        rc = write_requirements_part(&s, path, &part);
    /* what comes from the pass over the findings, made meanwhile */
    if (rc == HW_OK && c->pass_pending) {
        char b;
        ssize_t r;
        while ((r = read(c->pass_gate, &b, 1)) != 0 && (r > 0 || errno == EINTR))
            ;
        rc = hw_report_pass_load(c->pass, e);
        c->pass_pending = 0;
    }
    for (size_t i = 0; rc == HW_OK && i < c->pass->nregions; i++)
        if (region_cb(&s, c->pass->regions[i].account, c->pass->regions[i].region,
                      c->pass->regions[i].findings))
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    if (rc == HW_OK && schema_file && (rc = hw_validator_start(schema_file, path, &v, e)) != HW_OK)
        goto out;
    x.v = v;
    if (rc != HW_OK)
        goto out;
    x.f = fopen(path, "wb");
    x.md = EVP_MD_CTX_new();
    if (!x.f || !x.md || EVP_DigestInit_ex(x.md, EVP_sha256(), NULL) != 1) {
        rc = hw_err_set(e, HW_EIO, "%s: cannot create the file", path);
        goto out;
    }
    static const char decl[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    xw_io(&x, decl, sizeof decl - 1); /* before the document: not digested */
    x.hashing = 1;
    start(&x, "report");
    attr(&x, "xmlns", HW_REPORT_NS); /* namespace declarations come first in C14N */
    attr(&x, "framework", c->fw->id);
    attr(&x, "generated", c->generated);
    attr(&x, "run", c->run->id);
    attr(&x, "version", "1");
    nl(&x);
    write_scope(&s);
    write_summary(&s);
    write_open(&s);
    write_manual(&s);
    write_actions(&s);
    write_exceptions(&s);
    const struct hw_report_pass_fw *pf = hw_report_pass_framework(c->pass, c->fw);
    write_findings(&s, "suppressed-findings", pf->suppressed_part, pf->nsuppressed);
    write_findings(&s, "untrusted-findings", c->pass->untrusted_part, c->pass->nuntrusted);
    copy_part(&x, part);
    xw_flush(&x);
    if (s.rc != HW_OK) {
        rc = s.rc;
        goto out;
    }
    *body_len = x.written;
    static const char close_tag[] = "</report>";
    EVP_DigestUpdate(x.md, close_tag, sizeof close_tag - 1);
    unsigned int dl = 0;
    EVP_DigestFinal_ex(x.md, digest, &dl);
    if (x.failed || fputs(close_tag, x.f) < 0 || fputc('\n', x.f) < 0 || fflush(x.f) != 0) {
        rc = hw_err_set(e, HW_EIO, "%s: writing failed", path);
        goto out;
    }
    if (x.v)
        hw_validator_feed(x.v, "</report>\n", 10);
    rc = hw_validator_finish(v, e);
    v = NULL;
    if (rc != HW_OK)
        hw_err_prefix(e, "the report failed its schema; nothing written");
out:
    if (part)
        fclose(part);
    hw_validator_finish(v, NULL);
    if (x.f && fclose(x.f) != 0 && rc == HW_OK)
        rc = hw_err_set(e, HW_EIO, "%s: writing failed", path);
    EVP_MD_CTX_free(x.md);
    hw_buf_free(&x.out);
    state_free(&s);
    return rc;
}
