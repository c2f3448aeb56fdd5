/*
 * evaluate.c - evaluates every framework requirement for every account of
 * the Organization and records what changed, with the evidence behind it.
 *
 * One account at a time: its per-control resource counts, disabled
 * regions, exceptions, resource inventory and findings are read with a
 * handful of indexed queries (statements prepared once per store handle),
 * each control's class and evidence are worked out once, and each
 * requirement's status and evidence are put together from its controls'.
 * The cost is linear in accounts x controls, and the memory is that of one
 * account.  Results are kept as intervals (store.h): a requirement whose
 * status and evidence digest did not change writes nothing.  A changed
 * requirement stores its own part of the evidence and refers to its
 * controls' evidence, each stored once per account and change (a control
 * evidences requirements of several frameworks: copied into each, the
 * first evaluation wrote its text a handful of times over).
 *
 * A control's evidence lists up to HW_EVIDENCE_RESOURCES resources, failing
 * ones first, then suppressed ones, and every finding of each (so the
 * consolidated and the standards-based findings of one resource are all
 * there, while the resource counts once); suppressed findings carry their
 * Note and when they were suppressed.  A finding's last_observed is shown
 * as it stood when its control's evidence was stored: Security Hub moves it
 * on every periodic re-evaluation, so it is left out of the digest (the
 * findings table holds the current one).
 */
#include "scan/evaluate.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "scan/excset.h"
#include "store/store.h"

#define HW_EVIDENCE_RESOURCES 10

_Static_assert(HW_REQ_NSTATUS == sizeof(((hw_eval_summary *)0)->counts) / sizeof(unsigned),
               "hw_eval_summary.counts has one slot per status");

/* ------------------------------------------------------------- helpers */

static void json_str(hw_buf *b, const char *s)
{
    hw_buf_putc(b, '"');
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    for (;;) {
        /* the run that needs no escaping, in one append */
        const unsigned char *q = p;
        while (*q >= 0x20 && *q != '"' && *q != '\\')
            q++;
        if (q > p)
            hw_buf_append(b, p, (size_t)(q - p));
        if (!*q)
            break;
        switch (*q) {
        case '"': hw_buf_puts(b, "\\\""); break;
        case '\\': hw_buf_puts(b, "\\\\"); break;
        case '\n': hw_buf_puts(b, "\\n"); break;
        case '\r': hw_buf_puts(b, "\\r"); break;
        case '\t': hw_buf_puts(b, "\\t"); break;
        default: hw_buf_printf(b, "\\u%04x", *q);
        }
        p = q + 1;
    }
    hw_buf_putc(b, '"');
}

/* The date part of the last time formatted (see json_time). */
struct day_cache {
    int64_t day; /* days since the epoch; -1: none */
    char date[12];
};

/* prefix, then v in decimal (printf's %lld, a good deal cheaper: evidence
 * writes several numbers per control and requirement). */
static void put_num(hw_buf *b, const char *prefix, int64_t v)
{
    char t[24];
    int n = (int)sizeof t;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        t[--n] = (char)('0' + u % 10);
    while (u /= 10);
    if (v < 0)
        t[--n] = '-';
    hw_buf_puts(b, prefix);
    hw_buf_append(b, t + n, sizeof t - (size_t)n);
}

/* hw_time_iso_ms() as a JSON string.  Evidence holds two times per
 * finding, mostly of a few days: the date of the last day formatted is
 * kept, the time of day written by hand (the same text, without two
 * printf calls per time). */
static void json_time(hw_buf *b, struct day_cache *dc, int64_t ms)
{
    static const int64_t DAY = 86400000;
    char iso[32];
    if (ms < 0 || ms / DAY > 2932896) { /* before 1970 or after 9999 */
        hw_time_iso_ms(ms, iso);
        json_str(b, iso);
        return;
    }
    if (ms / DAY != dc->day) {
        hw_time_iso_ms(ms / DAY * DAY, iso);
        memcpy(dc->date, iso, 11); /* "YYYY-MM-DDT" */
        dc->day = ms / DAY;
    }
    int64_t r = ms % DAY;
    int v[4] = { (int)(r / 3600000), (int)(r / 60000 % 60), (int)(r / 1000 % 60), (int)(r % 1000) };
    char t[28], *o = t;
    *o++ = '"';
    memcpy(o, dc->date, 11);
    o += 11;
    for (int i = 0; i < 3; i++) {
        *o++ = (char)('0' + v[i] / 10);
        *o++ = (char)('0' + v[i] % 10);
        *o++ = i < 2 ? ':' : '.';
    }
    *o++ = (char)('0' + v[3] / 100);
    *o++ = (char)('0' + v[3] / 10 % 10);
    *o++ = (char)('0' + v[3] % 10);
    *o++ = 'Z';
    *o++ = '"';
    hw_buf_append(b, t, (size_t)(o - t));
}

/* "a b c" as a JSON array of strings. */
static void json_words(hw_buf *b, const char *list)
{
    hw_buf_putc(b, '[');
    const char *p = list;
    int first = 1;
    while (*p) {
        size_t n = strcspn(p, " ");
        if (n) {
            char w[128];
            snprintf(w, sizeof w, "%.*s", (int)(n < 127 ? n : 127), p);
            if (!first)
                hw_buf_putc(b, ',');
            json_str(b, w);
            first = 0;
        }
        p += n;
        p += *p == ' ';
    }
    hw_buf_putc(b, ']');
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = p;
    for (size_t i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ull;
    }
    return h;
}
#define FNV_INIT 14695981039346656037ull

hw_eval_summary *hw_eval_summary_for(hw_eval_summary **sums, size_t *nsums, const char *fw)
{
    for (size_t i = 0; i < *nsums; i++)
        if (strcmp((*sums)[i].framework, fw) == 0)
            return &(*sums)[i];
    hw_eval_summary *p = realloc(*sums, (*nsums + 1) * sizeof *p);
    if (!p)
        return NULL;
    *sums = p;
    memset(&p[*nsums], 0, sizeof *p);
    snprintf(p[*nsums].framework, sizeof p[*nsums].framework, "%s", fw);
    return &p[(*nsums)++];
}

/* --------------------------------------------------------- the context */

struct ctl {
    const char *id;
    const char *types; /* resource type(s), "A, B"; "" when unknown */
};

struct res_count {
    char *type;
    long count;
};

/* One evidence finding of the account; strings are offsets into the
 * account's arena (NOSTR: none). */
enum { F_ID, F_REGION, F_STATUS, F_WORKFLOW, F_RESOURCES, F_NOTE, F_NOTE_BY, F_NOTE_AT, F_N };
#define NOSTR ((size_t)-1)
struct frow {
    size_t str[F_N];
    int64_t first, last, suppressed_at;
};
/* One resource of a control (its adjacent findings), with its worst
 * status: 4 failed, 3 failed but suppressed, 2 passed, 1 other. */
struct group {
    size_t ctl, first, n;
    int worst;
};

struct ctx {
    hw_store *s;
    const hw_eval_opts *o;
    struct ctl *ctls; /* sorted by id */
    size_t nctls;
    size_t **reqidx;  /* per requirement: indexes into ctls */
    size_t *order;    /* requirement indexes by (framework, id) */
    /* the account being evaluated (all reused from one account to the next) */
    const char *account;
    hw_control_state *st;
    char **disabled;   /* owned copies of st[i].disabled_in */
    uint64_t *rowhash; /* per control: digest of its findings */
    size_t *gfirst, *gcount; /* per control: its groups */
    hw_buf arena;
    struct frow *rows;
    size_t nrows, caprows;
    struct group *groups;
    size_t ngroups, capgroups;
    hw_buf *text;      /* per control: evidence object (built on demand) */
    uint64_t *digest;
    int *cls;
    int *classed, *texted;
    int64_t *ce_id, *ce_digest; /* per control: its stored evidence (0: none) */
    int ce_loaded;     /* the account's stored control evidence was read */
    hw_buf ids;        /* a requirement's control evidence ids */
    int evaluated, checked, inventory, oom;
    struct res_count *res;
    size_t nres, capres;
    int64_t *open_id, *open_digest; /* per requirement: current interval */
    int64_t *stale;    /* current intervals of requirements no longer known */
    size_t nstale, capstale;
    size_t cursor;     /* merge position in order */
    hw_buf req;
    struct day_cache dc;
    int64_t seq;
    const char *run_id;
    hw_eval_summary **sums;
    size_t *nsums;
    size_t changed;
    hw_excset xs; /* the account's finding and resource exceptions */
};

static int cmp_ctl(const void *a, const void *b)
{
    return strcmp(((const struct ctl *)a)->id, ((const struct ctl *)b)->id);
}

static int cmp_req(const void *a, const void *b, void *arg)
{
    const hw_requirement_row *reqs = arg;
    const hw_requirement_row *x = &reqs[*(const size_t *)a];
    const hw_requirement_row *y = &reqs[*(const size_t *)b];
    int r = strcmp(x->framework, y->framework);
    return r ? r : strcmp(x->id, y->id);
}

static long find_ctl(const struct ctx *c, const char *id)
{
    size_t lo = 0, hi = c->nctls;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(c->ctls[mid].id, id);
        if (r == 0)
            return (long)mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The universe of controls: the catalogue's and every requirement's. */
static int ctx_init(struct ctx *c, hw_err *e)
{
    const hw_eval_opts *o = c->o;
    size_t cap = o->ncontrols;
    for (size_t r = 0; r < o->nreqs; r++)
        cap += o->reqs[r].ncontrols;
    size_t nr = o->nreqs ? o->nreqs : 1;
    c->ctls = calloc(cap ? cap : 1, sizeof *c->ctls);
    c->reqidx = calloc(nr, sizeof *c->reqidx);
    c->order = calloc(nr, sizeof *c->order);
    c->open_id = calloc(nr, sizeof *c->open_id);
    c->open_digest = calloc(nr, sizeof *c->open_digest);
    if (!c->ctls || !c->reqidx || !c->order || !c->open_id || !c->open_digest)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < o->ncontrols; i++) {
        c->ctls[n].id = o->controls[i].id;
        c->ctls[n++].types = o->controls[i].resource_type ? o->controls[i].resource_type : "";
    }
    for (size_t r = 0; r < o->nreqs; r++)
        for (size_t j = 0; j < o->reqs[r].ncontrols; j++) {
            c->ctls[n].id = o->reqs[r].controls[j];
            c->ctls[n++].types = "";
        }
    qsort(c->ctls, n, sizeof *c->ctls, cmp_ctl);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k && strcmp(c->ctls[k - 1].id, c->ctls[i].id) == 0) {
            if (!*c->ctls[k - 1].types)
                c->ctls[k - 1].types = c->ctls[i].types;
            continue;
        }
        c->ctls[k++] = c->ctls[i];
    }
    c->nctls = k;
    for (size_t r = 0; r < o->nreqs; r++) {
        size_t nc = o->reqs[r].ncontrols;
        c->order[r] = r;
        c->reqidx[r] = malloc((nc ? nc : 1) * sizeof **c->reqidx);
        if (!c->reqidx[r])
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        for (size_t j = 0; j < nc; j++)
            c->reqidx[r][j] = (size_t)find_ctl(c, o->reqs[r].controls[j]);
    }
    qsort_r(c->order, o->nreqs, sizeof *c->order, cmp_req, (void *)o->reqs);
    k = c->nctls ? c->nctls : 1;
    c->st = calloc(k, sizeof *c->st);
    c->disabled = calloc(k, sizeof *c->disabled);
    c->rowhash = calloc(k, sizeof *c->rowhash);
    c->gfirst = calloc(k, sizeof *c->gfirst);
    c->gcount = calloc(k, sizeof *c->gcount);
    c->text = calloc(k, sizeof *c->text);
    c->digest = calloc(k, sizeof *c->digest);
    c->cls = calloc(k, sizeof *c->cls);
    c->classed = calloc(k, sizeof *c->classed);
    c->texted = calloc(k, sizeof *c->texted);
    c->ce_id = calloc(k, sizeof *c->ce_id);
    c->ce_digest = calloc(k, sizeof *c->ce_digest);
    if (!c->st || !c->disabled || !c->rowhash || !c->gfirst || !c->gcount || !c->text ||
        !c->digest || !c->cls || !c->classed || !c->texted || !c->ce_id || !c->ce_digest)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nctls; i++)
        hw_buf_init(&c->text[i], 0);
    hw_buf_init(&c->req, 0);
    hw_buf_init(&c->ids, 0);
    c->dc.day = -1;
    hw_buf_init(&c->arena, 0);
    return HW_OK;
}

static void account_reset(struct ctx *c)
{
    for (size_t i = 0; i < c->nctls; i++) {
        free(c->disabled[i]);
        c->disabled[i] = NULL;
        hw_control_state z = { c->ctls[i].id, 0, 0, 0, 0, 0, NULL, 0, -1,
                               strcmp(c->ctls[i].types, "AWS::::Account") == 0 };
        c->st[i] = z;
        c->rowhash[i] = FNV_INIT;
        c->gcount[i] = 0;
        c->classed[i] = c->texted[i] = 0;
        c->ce_id[i] = 0;
    }
    c->ce_loaded = 0;
    for (size_t i = 0; i < c->nres; i++)
        free(c->res[i].type);
    c->nres = 0;
    c->nrows = c->ngroups = c->nstale = 0;
    hw_buf_reset(&c->arena);
    for (size_t r = 0; r < c->o->nreqs; r++)
        c->open_id[r] = 0;
    c->cursor = 0;
    c->evaluated = c->checked = c->inventory = c->oom = 0;
}

static void ctx_free(struct ctx *c)
{
    if (c->st)
        account_reset(c);
    for (size_t i = 0; c->text && i < c->nctls; i++)
        hw_buf_free(&c->text[i]);
    for (size_t r = 0; c->reqidx && r < c->o->nreqs; r++)
        free(c->reqidx[r]);
    free(c->reqidx);
    free(c->order);
    free(c->open_id);
    free(c->open_digest);
    free(c->stale);
    free(c->ctls);
    free(c->st);
    free(c->disabled);
    free(c->rowhash);
    free(c->gfirst);
    free(c->gcount);
    free(c->text);
    free(c->digest);
    free(c->cls);
    free(c->classed);
    free(c->texted);
    free(c->ce_id);
    free(c->ce_digest);
    free(c->res);
    free(c->rows);
    free(c->groups);
    hw_buf_free(&c->req);
    hw_buf_free(&c->ids);
    hw_buf_free(&c->arena);
    hw_excset_free(&c->xs);
}

/* ------------------------------------------------- reading one account */

static int disabled_cb(void *arg, const char *control, const char *regions)
{
    struct ctx *c = arg;
    long i = find_ctl(c, control);
    if (i < 0 || !*regions)
        return 0; /* a control no requirement names */
    if (!(c->disabled[i] = strdup(regions)))
        return HW_ENOMEM;
    c->st[i].disabled_in = c->disabled[i];
    return 0;
}

static int exc_cb(void *arg, const char *control)
{
    struct ctx *c = arg;
    long i = find_ctl(c, control);
    if (i >= 0)
        c->st[i].excepted = 1;
    return 0;
}

static int res_cb(void *arg, const char *type, long count)
{
    struct ctx *c = arg;
    if (!*type) {
        c->inventory = 1;
        return 0;
    }
    if (c->nres == c->capres) {
        size_t cap = c->capres ? c->capres * 2 : 64;
        struct res_count *p = realloc(c->res, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        c->res = p;
        c->capres = cap;
    }
    if (!(c->res[c->nres].type = strdup(type)))
        return HW_ENOMEM;
    c->res[c->nres++].count = count;
    return 0;
}

/* Resources of the control's type(s) in the account; -1 when unknown. */
static long resources_of(const struct ctx *c, const char *types)
{
    if (!c->inventory || !*types)
        return -1;
    long total = 0;
    const char *p = types;
    while (*p) {
        p += strspn(p, ", ");
        size_t n = strcspn(p, ", ");
        if (!n)
            break;
        long found = -1;
        for (size_t i = 0; i < c->nres; i++)
            if (strlen(c->res[i].type) == n && memcmp(c->res[i].type, p, n) == 0) {
                found = c->res[i].count;
                break;
            }
        if (found < 0)
            return -1;
        total += found;
        p += n;
    }
    return total;
}

static const char *str(const struct ctx *c, size_t off)
{
    return off == NOSTR ? NULL : hw_buf_str(&c->arena) + off;
}

static size_t keep(struct ctx *c, const char *v, uint64_t *h)
{
    if (!v) {
        *h = fnv(*h, "\377", 1);
        return NOSTR;
    }
    size_t off = c->arena.len, n = strlen(v);
    *h = fnv(*h, v, n + 1);
    if (hw_buf_append(&c->arena, v, n + 1) != HW_OK) {
        c->oom = 1;
        return NOSTR;
    }
    return off;
}

static int rank(const char *status, const char *workflow)
{
    if (strcmp(status, "FAILED") == 0 || strcmp(status, "WARNING") == 0)
        return strcmp(workflow, "SUPPRESSED") == 0 ? 3 : 4;
    return strcmp(status, "PASSED") == 0 ? 2 : 1;
}

/* A resource ended: count it by its worst status. */
static void close_group(struct ctx *c)
{
    if (!c->ngroups)
        return;
    struct group *g = &c->groups[c->ngroups - 1];
    hw_control_state *s = &c->st[g->ctl];
    switch (g->worst) {
    case 4: s->failed++; break;
    case 3: s->suppressed++; break;
    case 2: s->passed++; break;
    default: s->not_available++; break;
    }
}

static int evidence_cb(void *arg, const hw_evidence_row *f)
{
    struct ctx *c = arg;
    c->evaluated = 1;
    long i = find_ctl(c, f->control);
    if (i < 0)
        return 0;
    if (c->nrows == c->caprows) {
        size_t cap = c->caprows ? c->caprows * 2 : 1024;
        struct frow *p = realloc(c->rows, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        c->rows = p;
        c->caprows = cap;
    }
    /* the same control, region and resources as the row before: the same
     * resource in another form */
    struct group *g = c->ngroups ? &c->groups[c->ngroups - 1] : NULL;
    const struct frow *prev = c->nrows ? &c->rows[c->nrows - 1] : NULL;
    int same = g && g->ctl == (size_t)i && prev &&
               strcmp(str(c, prev->str[F_REGION]), f->region) == 0 &&
               strcmp(str(c, prev->str[F_RESOURCES]), f->resources) == 0;
    if (!same) {
        close_group(c);
        if (c->ngroups == c->capgroups) {
            size_t cap = c->capgroups ? c->capgroups * 2 : 1024;
            struct group *p = realloc(c->groups, cap * sizeof *p);
            if (!p)
                return HW_ENOMEM;
            c->groups = p;
            c->capgroups = cap;
        }
        g = &c->groups[c->ngroups++];
        g->ctl = (size_t)i;
        g->first = c->nrows;
        g->n = 0;
        g->worst = 0;
        if (!c->gcount[i])
            c->gfirst[i] = c->ngroups - 1;
        c->gcount[i]++;
    }
    int rk = rank(f->compliance_status, f->workflow_status);
    if (rk > g->worst)
        g->worst = rk;
    g->n++;
    struct frow *r = &c->rows[c->nrows++];
    uint64_t *h = &c->rowhash[i];
    r->str[F_ID] = keep(c, f->id, h);
    r->str[F_REGION] = keep(c, f->region, h);
    r->str[F_STATUS] = keep(c, f->compliance_status, h);
    r->str[F_WORKFLOW] = keep(c, f->workflow_status, h);
    r->str[F_RESOURCES] = keep(c, f->resources, h);
    r->str[F_NOTE] = keep(c, f->note_text, h);
    r->str[F_NOTE_BY] = keep(c, f->note_updated_by, h);
    r->str[F_NOTE_AT] = keep(c, f->note_updated_at, h);
    r->first = f->first_observed;
    r->last = f->last_observed;
    r->suppressed_at = f->suppressed_at;
    /* not last_observed: Security Hub moves it on every periodic
     * re-evaluation, and an unchanged status must not rewrite history */
    *h = fnv(*h, &r->first, sizeof r->first);
    *h = fnv(*h, &r->suppressed_at, sizeof r->suppressed_at);
    return c->oom ? HW_ENOMEM : 0;
}

/* ------------------------------ finding and resource exceptions (excset.h) */

/* Marks the exceptions that bear on control i (its own, and those of its
 * failing findings and resources); 1 when active ones cover every failing
 * or suppressed resource of it. */
static int mark_exceptions(struct ctx *c, size_t i)
{
    hw_excset_unmark(&c->xs);
    hw_excset_mark_control(&c->xs, c->ctls[i].id);
    unsigned bad = 0, covered = 0;
    for (size_t g = c->gfirst[i]; g < c->gfirst[i] + c->gcount[i]; g++) {
        const struct group *gr = &c->groups[g];
        if (gr->worst < 3)
            continue;
        bad++;
        int all = 1;
        for (size_t k = gr->first; k < gr->first + gr->n; k++) {
            const struct frow *r = &c->rows[k];
            if (rank(str(c, r->str[F_STATUS]), str(c, r->str[F_WORKFLOW])) >= 3 &&
                !hw_excset_cover(&c->xs, str(c, r->str[F_ID]), str(c, r->str[F_RESOURCES])))
                all = 0;
        }
        covered += all;
    }
    return bad && covered == bad;
}

/* Finding and resource exceptions that cover every failure of a control
 * make it excepted; every exception bearing on a control, and whether it
 * still counts, is part of its digest. */
static void apply_exceptions(struct ctx *c)
{
    if (!c->xs.n)
        return;
    for (size_t i = 0; i < c->nctls; i++) {
        if (mark_exceptions(c, i))
            c->st[i].excepted = 1;
        c->rowhash[i] = hw_excset_digest(&c->xs, c->rowhash[i]);
    }
}

/* The current intervals come by (framework, requirement), the order of
 * c->order: a merge, no lookup. */
static int open_cb(void *arg, const hw_open_eval *o)
{
    struct ctx *c = arg;
    const hw_requirement_row *reqs = c->o->reqs;
    int r = 1;
    while (c->cursor < c->o->nreqs) {
        const hw_requirement_row *q = &reqs[c->order[c->cursor]];
        r = strcmp(q->framework, o->framework);
        if (r == 0)
            r = strcmp(q->id, o->requirement);
        if (r >= 0)
            break;
        c->cursor++;
    }
    if (r == 0) {
        size_t k = c->order[c->cursor];
        c->open_id[k] = o->id;
        c->open_digest[k] = o->digest;
        return 0;
    }
    /* a requirement no longer in the catalogue */
    if (c->nstale == c->capstale) {
        size_t cap = c->capstale ? c->capstale * 2 : 16;
        int64_t *p = realloc(c->stale, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        c->stale = p;
        c->capstale = cap;
    }
    c->stale[c->nstale++] = o->id;
    return 0;
}

static int read_account(struct ctx *c, hw_err *e)
{
    hw_store *s = c->s;
    const char *a = c->account;
    account_reset(c);
    if (hw_store_account_disabled(s, a, disabled_cb, c, e) != HW_OK ||
        hw_store_account_checked(s, a, &c->checked, e) != HW_OK ||
        hw_store_account_exceptions(s, a, hw_now(), exc_cb, c, e) != HW_OK ||
        hw_store_account_resources(s, a, res_cb, c, e) != HW_OK ||
        hw_store_account_evidence(s, a, evidence_cb, c, e) != HW_OK ||
        hw_store_account_open_evals(s, a, open_cb, c, e) != HW_OK ||
        hw_excset_load(&c->xs, s, a, hw_now(), e) != HW_OK)
        return e->kind;
    close_group(c);
    for (size_t i = 0; i < c->nctls; i++) {
        c->st[i].checked = c->checked;
        c->st[i].resources = resources_of(c, c->ctls[i].types);
    }
    apply_exceptions(c);
    return HW_OK;
}

/* ------------------------------------------------ one control, one req */

/* Its class and the digest of everything its evidence says. */
static void classify(struct ctx *c, size_t i)
{
    if (c->classed[i])
        return;
    c->classed[i] = 1;
    const hw_control_state *s = &c->st[i];
    c->cls[i] = hw_eval_control(s, c->evaluated, c->o->infer_not_applicable);
    /* everything the evidence text is made of (the reason included) */
    struct {
        int cls, excepted, checked, evaluated, scoped;
        unsigned p, f, sup, na;
        long res;
    } k;
    memset(&k, 0, sizeof k);
    k.cls = c->cls[i];
    k.excepted = s->excepted;
    k.checked = s->checked;
    k.evaluated = c->evaluated;
    k.scoped = s->account_scoped;
    k.p = s->passed;
    k.f = s->failed;
    k.sup = s->suppressed;
    k.na = s->not_available;
    k.res = s->resources;
    uint64_t h = fnv(c->rowhash[i], &k, sizeof k);
    if (s->disabled_in)
        h = fnv(h, s->disabled_in, strlen(s->disabled_in));
    c->digest[i] = h;
}

static void finding_json(struct ctx *c, hw_buf *b, const struct frow *r)
{
    hw_buf_puts(b, "{\"id\":");
    json_str(b, str(c, r->str[F_ID]));
    hw_buf_puts(b, ",\"status\":");
    json_str(b, str(c, r->str[F_STATUS]));
    hw_buf_puts(b, ",\"workflow\":");
    json_str(b, str(c, r->str[F_WORKFLOW]));
    hw_buf_puts(b, ",\"region\":");
    json_str(b, str(c, r->str[F_REGION]));
    /* resources is the JSON array the store wrote; anything else is
     * quoted rather than trusted */
    const char *res = str(c, r->str[F_RESOURCES]);
    hw_buf_puts(b, ",\"resources\":");
    if (res[0] == '[')
        hw_buf_puts(b, res);
    else
        json_str(b, res);
    hw_buf_puts(b, ",\"first_observed\":");
    json_time(b, &c->dc, r->first);
    hw_buf_puts(b, ",\"last_observed\":");
    json_time(b, &c->dc, r->last);
    if (strcmp(str(c, r->str[F_WORKFLOW]), "SUPPRESSED") == 0) {
        const char *at = str(c, r->str[F_NOTE_AT]);
        hw_buf_puts(b, ",\"note\":{\"text\":");
        json_str(b, str(c, r->str[F_NOTE]));
        hw_buf_puts(b, ",\"updated_by\":");
        json_str(b, str(c, r->str[F_NOTE_BY]));
        hw_buf_puts(b, ",\"updated_at\":");
        json_str(b, at);
        hw_buf_puts(b, "},\"suppressed_at\":");
        if (r->suppressed_at >= 0)
            json_time(b, &c->dc, r->suppressed_at);
        else if (at)
            json_str(b, at); /* arrived suppressed: the note's time */
        else
            hw_buf_puts(b, "null");
    }
    hw_buf_putc(b, '}');
}

static void build_text(struct ctx *c, size_t i)
{
    if (c->texted[i])
        return;
    c->texted[i] = 1;
    classify(c, i);
    const hw_control_state *s = &c->st[i];
    int cls = c->cls[i];
    hw_buf *b = &c->text[i];
    hw_buf_reset(b);
    hw_buf_puts(b, "{\"control\":");
    json_str(b, s->control);
    hw_buf_puts(b, ",\"class\":\"");
    hw_buf_puts(b, hw_ctl_class_name(cls));
    put_num(b, "\",\"passed\":", s->passed);
    put_num(b, ",\"failed\":", s->failed);
    put_num(b, ",\"suppressed\":", s->suppressed);
    put_num(b, ",\"not_available\":", s->not_available);
    if (s->excepted)
        hw_buf_puts(b, ",\"exception\":true");
    if (c->xs.n) {
        /* expired ones where they would still matter: it fails */
        mark_exceptions(c, i);
        hw_excset_json(&c->xs, b, s->failed + s->suppressed > 0);
    }
    if (s->disabled_in && *s->disabled_in) {
        hw_buf_puts(b, ",\"disabled_in\":");
        json_words(b, s->disabled_in);
    }
    if (s->resources >= 0)
        put_num(b, ",\"inventory_resources\":", s->resources);
    const char *why = cls == HW_CTL_NO_DATA ? hw_eval_no_data_reason(s, c->evaluated)
                      : cls == HW_CTL_PARTIAL ? "passed where enabled; switched off in disabled_in"
                      : cls == HW_CTL_NOT_APPLICABLE
                          ? "enabled, and AWS Config counts no resource of its type"
                      : cls == HW_CTL_NA_INFERRED
                          ? "no findings; taken as nothing to evaluate "
                            "(evaluation.infer_not_applicable)"
                          : NULL;
    if (why) {
        hw_buf_puts(b, ",\"reason\":");
        json_str(b, why);
    }
    /* up to HW_EVIDENCE_RESOURCES resources, failing first, then
     * suppressed, passed, other; every finding of each */
    hw_buf_puts(b, ",\"findings\":[");
    unsigned listed = 0;
    int any = 0;
    for (int want = 4; want >= 1; want--)
        for (size_t g = c->gfirst[i]; g < c->gfirst[i] + c->gcount[i]; g++) {
            const struct group *gr = &c->groups[g];
            if (gr->worst != want || listed == HW_EVIDENCE_RESOURCES)
                continue;
            listed++;
            for (size_t k = gr->first; k < gr->first + gr->n; k++) {
                if (any)
                    hw_buf_putc(b, ',');
                finding_json(c, b, &c->rows[k]);
                any = 1;
            }
        }
    hw_buf_puts(b, "]}");
}

static int ce_cb(void *arg, const char *control, int64_t id, int64_t digest)
{
    struct ctx *c = arg;
    long i = find_ctl(c, control);
    if (i >= 0) {
        c->ce_id[i] = id;
        c->ce_digest[i] = digest;
    }
    return 0;
}

/* The id of control i's stored evidence as it stands now: the account's
 * current one when its digest is unchanged, else a new one (the old one
 * closed).  An account's stored control evidence is read only once one of
 * its requirements changed, so an unchanged run reads none of it. */
static int control_evidence(struct ctx *c, size_t i, int64_t *id, hw_err *e)
{
    if (!c->ce_loaded) {
        if (hw_store_account_control_evidence(c->s, c->account, ce_cb, c, e) != HW_OK)
            return e->kind;
        c->ce_loaded = 1;
    }
    classify(c, i);
    int64_t digest = (int64_t)(c->digest[i] >> 1);
    if (!c->ce_id[i] || c->ce_digest[i] != digest) {
        build_text(c, i);
        int64_t nid = 0;
        if (hw_store_control_evidence_put(c->s, c->seq, c->ce_id[i], c->account, c->ctls[i].id,
                                          digest, hw_buf_str(&c->text[i]), &nid, e) != HW_OK)
            return e->kind;
        c->ce_id[i] = nid;
        c->ce_digest[i] = digest;
    }
    *id = c->ce_id[i];
    return HW_OK;
}

static int eval_requirement(struct ctx *c, size_t r, hw_err *e)
{
    const hw_requirement_row *q = &c->o->reqs[r];
    const size_t *idx = c->reqidx[r];
    int small[64] = { 0 };
    int *cls = q->ncontrols > 64 ? malloc(q->ncontrols * sizeof *cls) : small;
    if (!cls)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    uint64_t h = FNV_INIT;
    for (size_t j = 0; !q->manual && j < q->ncontrols; j++) {
        classify(c, idx[j]);
        cls[j] = c->cls[idx[j]];
        h = fnv(h, &c->digest[idx[j]], sizeof c->digest[idx[j]]);
    }
    hw_req_input in = { q->manual, q->controls, q->ncontrols };
    int st = hw_eval_combine(&in, cls);
    const char *name = hw_req_status_name(st);
    h = fnv(h, name, strlen(name));
    h = fnv(h, &c->o->infer_not_applicable, sizeof c->o->infer_not_applicable);
    int64_t digest = (int64_t)(h >> 1);
    int rc = HW_OK;
    hw_eval_summary *sum = hw_eval_summary_for(c->sums, c->nsums, q->framework);
    if (!sum) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    sum->counts[st]++;
    if (c->open_id[r] && c->open_digest[r] == digest)
        goto out; /* unchanged: the current interval goes on */
    /* changed: write the evidence out, each control's by reference (its
     * text stored once for the account, see control_evidence()) */
    hw_buf *b = &c->req;
    hw_buf_reset(b);
    hw_buf_puts(b, "{\"status\":\"");
    hw_buf_puts(b, name);
    hw_buf_puts(b, "\",\"controls\":[]");
    hw_buf *ids = &c->ids;
    hw_buf_reset(ids);
    hw_buf_putc(ids, '[');
    for (size_t j = 0; !q->manual && j < q->ncontrols; j++) {
        int64_t id = 0;
        if ((rc = control_evidence(c, idx[j], &id, e)) != HW_OK)
            goto out;
        put_num(ids, j ? "," : "", id);
    }
    if (hw_buf_putc(ids, ']') != HW_OK) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    int refs = !q->manual && q->ncontrols;
    int any = 0, inferred = 0;
    for (size_t j = 0; !q->manual && j < q->ncontrols; j++) {
        inferred |= cls[j] == HW_CTL_NA_INFERRED;
        if (cls[j] != HW_CTL_NO_DATA && cls[j] != HW_CTL_PARTIAL)
            continue;
        hw_buf_puts(b, any ? "," : ",\"missing\":[");
        json_str(b, q->controls[j]);
        any = 1;
    }
    if (any)
        hw_buf_putc(b, ']');
    if (inferred)
        hw_buf_puts(b, ",\"not_applicable_inferred\":true");
    if (hw_buf_putc(b, '}') != HW_OK) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    hw_evaluation_row row = { c->run_id, q->framework, q->id, c->account, name, hw_buf_str(b) };
    rc = hw_store_eval_change(c->s, c->seq, c->open_id[r], &row, refs ? hw_buf_str(ids) : NULL,
                              digest, e);
    c->changed++;
out:
    if (cls != small)
        free(cls);
    return rc;
}

static int eval_account(struct ctx *c, const char *account, hw_err *e)
{
    c->account = account;
    if (read_account(c, e) != HW_OK)
        return e->kind;
    for (size_t r = 0; r < c->o->nreqs; r++)
        if (eval_requirement(c, r, e) != HW_OK)
            return e->kind;
    /* a requirement that left the catalogue stops being current */
    for (size_t i = 0; i < c->nstale; i++)
        if (hw_store_eval_change(c->s, c->seq, c->stale[i], NULL, NULL, 0, e) != HW_OK)
            return e->kind;
    return HW_OK;
}

/* ------------------------------------------------------------ accounts */

struct account_list {
    char **ids;
    size_t n, cap;
};

static int list_add(struct account_list *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->ids, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        l->ids = p;
        l->cap = cap;
    }
    if (!(l->ids[l->n] = strdup(id)))
        return HW_ENOMEM;
    l->n++;
    return 0;
}

static int org_cb(void *arg, const hw_account_row *a)
{
    if (!a->in_org || strcmp(a->status, "ACTIVE") != 0)
        return 0;
    return list_add(arg, a->id);
}

static int plain_cb(void *arg, const char *id)
{
    return list_add(arg, id);
}

static int in_list(const struct account_list *l, const char *id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(l->ids[mid], id);
        if (r == 0)
            return 1;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static void list_free(struct account_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->ids[i]);
    free(l->ids);
}

int hw_scan_evaluate(hw_store *s, const char *run_id, const hw_eval_opts *o,
                     hw_eval_summary **sums, size_t *nsums, hw_err *e)
{
    *sums = NULL;
    *nsums = 0;
    struct ctx c = { 0 };
    c.s = s;
    c.o = o;
    c.run_id = run_id;
    c.sums = sums;
    c.nsums = nsums;
    struct account_list al = { 0 }, gone = { 0 };
    int rc = ctx_init(&c, e);
    if (rc == HW_OK)
        rc = hw_store_accounts(s, org_cb, &al, e);
    /* no Organization recorded: the accounts that have findings */
    if (rc == HW_OK && al.n == 0)
        rc = hw_store_evaluated_accounts(s, plain_cb, &al, e);
    if (rc != HW_OK)
        goto out;
    if ((rc = hw_store_begin(s, e)) != HW_OK)
        goto out;
    rc = hw_store_eval_run_begin(s, run_id, &c.seq, e);
    for (size_t a = 0; a < al.n && rc == HW_OK; a++)
        rc = eval_account(&c, al.ids[a], e);
    /* accounts no longer evaluated (they left, or were suspended) */
    if (rc == HW_OK)
        rc = hw_store_eval_open_accounts(s, plain_cb, &gone, e);
    for (size_t i = 0; rc == HW_OK && i < gone.n; i++)
        if (!in_list(&al, gone.ids[i]))
            rc = hw_store_eval_close_account(s, c.seq, gone.ids[i], e);
    if (rc == HW_OK) {
        hw_debug("evaluation %s: %zu accounts, %zu requirement results changed", run_id, al.n,
                 c.changed);
        rc = hw_store_commit(s, e);
    } else {
        hw_store_rollback(s);
    }
out:
    if (rc != HW_OK) {
        free(*sums);
        *sums = NULL;
        *nsums = 0;
    }
    ctx_free(&c);
    list_free(&al);
    list_free(&gone);
    return rc;
}
