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
 * status and evidence digest did not change writes nothing.
 *
 * A control's evidence lists up to HW_EVIDENCE_RESOURCES resources, failing
 * ones first, then suppressed ones, and every finding of each (so the
 * consolidated and the standards-based findings of one resource are all
 * there, while the resource counts once); suppressed findings carry their
 * Note and when they were suppressed.
 */
#include "scan/scan.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"
#include "store/store.h"

#define HW_EVIDENCE_RESOURCES 10

_Static_assert(HW_REQ_NSTATUS == sizeof(((hw_eval_summary *)0)->counts) / sizeof(unsigned),
               "hw_eval_summary.counts has one slot per status");

/* ------------------------------------------------------------- helpers */

static void json_str(hw_buf *b, const char *s)
{
    hw_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': hw_buf_puts(b, "\\\""); break;
        case '\\': hw_buf_puts(b, "\\\\"); break;
        case '\n': hw_buf_puts(b, "\\n"); break;
        case '\r': hw_buf_puts(b, "\\r"); break;
        case '\t': hw_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20)
                hw_buf_printf(b, "\\u%04x", *p);
            else
                hw_buf_putc(b, (char)*p);
        }
    }
    hw_buf_putc(b, '"');
}

static void json_time(hw_buf *b, int64_t t)
{
    char iso[32];
    hw_time_iso(t, iso);
    json_str(b, iso);
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

struct open_eval {
    int64_t id, digest;
    char *framework, *requirement, *status;
    int used;
};

struct res_count {
    char *type;
    long count;
};

struct ctx {
    hw_store *s;
    const hw_eval_opts *o;
    struct ctl *ctls; /* sorted by id */
    size_t nctls;
    size_t **reqidx;  /* per requirement: indexes into ctls */
    /* the account being evaluated (reused from one account to the next) */
    const char *account;
    hw_control_state *st;
    char **disabled;   /* owned copies of st[i].disabled_in */
    hw_buf *found;     /* per control: evidence findings, JSON fragments */
    unsigned *groups;  /* per control: resources listed */
    size_t last_ctl;   /* the control of the previous evidence row */
    hw_buf last_key;   /* its resource (region, resources) */
    int last_listed;   /* whether that resource is listed */
    hw_buf *text;      /* per control: evidence object */
    uint64_t *digest;
    int *cls;
    int *built;
    int evaluated, checked, inventory;
    struct res_count *res;
    size_t nres, capres;
    struct open_eval *open;
    size_t nopen, capopen;
    hw_buf req;
    int64_t seq;
    const char *run_id;
    hw_eval_summary **sums;
    size_t *nsums;
    size_t changed;
};

static int cmp_ctl(const void *a, const void *b)
{
    return strcmp(((const struct ctl *)a)->id, ((const struct ctl *)b)->id);
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
    c->ctls = calloc(cap ? cap : 1, sizeof *c->ctls);
    c->reqidx = calloc(o->nreqs ? o->nreqs : 1, sizeof *c->reqidx);
    if (!c->ctls || !c->reqidx)
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
    /* stable order: a catalogue entry (with its type) before a bare id */
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
        c->reqidx[r] = malloc((nc ? nc : 1) * sizeof **c->reqidx);
        if (!c->reqidx[r])
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        for (size_t j = 0; j < nc; j++)
            c->reqidx[r][j] = (size_t)find_ctl(c, o->reqs[r].controls[j]);
    }
    k = c->nctls ? c->nctls : 1;
    c->st = calloc(k, sizeof *c->st);
    c->disabled = calloc(k, sizeof *c->disabled);
    c->found = calloc(k, sizeof *c->found);
    c->groups = calloc(k, sizeof *c->groups);
    c->text = calloc(k, sizeof *c->text);
    c->digest = calloc(k, sizeof *c->digest);
    c->cls = calloc(k, sizeof *c->cls);
    c->built = calloc(k, sizeof *c->built);
    if (!c->st || !c->disabled || !c->found || !c->groups || !c->text || !c->digest || !c->cls ||
        !c->built)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < c->nctls; i++) {
        hw_buf_init(&c->found[i], 0);
        hw_buf_init(&c->text[i], 0);
    }
    hw_buf_init(&c->req, 0);
    hw_buf_init(&c->last_key, 0);
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
        hw_buf_reset(&c->found[i]);
        c->groups[i] = 0;
        c->built[i] = 0;
    }
    for (size_t i = 0; i < c->nres; i++)
        free(c->res[i].type);
    c->nres = 0;
    for (size_t i = 0; i < c->nopen; i++) {
        free(c->open[i].framework);
        free(c->open[i].requirement);
        free(c->open[i].status);
    }
    c->nopen = 0;
    c->evaluated = c->checked = c->inventory = 0;
    c->last_ctl = (size_t)-1;
}

static void ctx_free(struct ctx *c)
{
    if (c->st)
        account_reset(c);
    for (size_t i = 0; c->found && c->text && i < c->nctls; i++) {
        hw_buf_free(&c->found[i]);
        hw_buf_free(&c->text[i]);
    }
    for (size_t r = 0; c->reqidx && r < c->o->nreqs; r++)
        free(c->reqidx[r]);
    free(c->reqidx);
    free(c->ctls);
    free(c->st);
    free(c->disabled);
    free(c->found);
    free(c->groups);
    free(c->text);
    free(c->digest);
    free(c->cls);
    free(c->built);
    free(c->res);
    free(c->open);
    hw_buf_free(&c->req);
    hw_buf_free(&c->last_key);
}

/* ------------------------------------------------- reading one account */

static int counts_cb(void *arg, const hw_control_count *k)
{
    struct ctx *c = arg;
    long i = find_ctl(c, k->control);
    if (k->has_findings)
        c->evaluated = 1;
    if (i < 0)
        return 0; /* a control no requirement names */
    hw_control_state *s = &c->st[i];
    s->passed = k->passed;
    s->failed = k->failed;
    s->suppressed = k->suppressed;
    s->not_available = k->not_available;
    if (k->disabled_in) {
        if (!(c->disabled[i] = strdup(k->disabled_in)))
            return HW_ENOMEM;
        s->disabled_in = c->disabled[i];
    }
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

static int evidence_cb(void *arg, const hw_evidence_row *f)
{
    struct ctx *c = arg;
    long i = find_ctl(c, f->control);
    if (i < 0)
        return 0;
    /* a new resource (region + resources) starts a group */
    hw_buf *key = &c->last_key;
    size_t kl = strlen(f->region) + 1 + strlen(f->resources);
    int same = (size_t)i == c->last_ctl && key->len == kl &&
               memcmp(hw_buf_str(key), f->region, strlen(f->region)) == 0 &&
               strcmp(hw_buf_str(key) + strlen(f->region) + 1, f->resources) == 0;
    if (!same) {
        hw_buf_reset(key);
        hw_buf_puts(key, f->region);
        hw_buf_putc(key, '\001');
        hw_buf_puts(key, f->resources);
        c->last_ctl = (size_t)i;
        c->last_listed = c->groups[i] < HW_EVIDENCE_RESOURCES;
        if (c->last_listed)
            c->groups[i]++;
    }
    if (!c->last_listed)
        return 0;
    hw_buf *b = &c->found[i];
    if (b->len)
        hw_buf_putc(b, ',');
    hw_buf_puts(b, "{\"id\":");
    json_str(b, f->id);
    hw_buf_puts(b, ",\"status\":");
    json_str(b, f->compliance_status);
    hw_buf_puts(b, ",\"workflow\":");
    json_str(b, f->workflow_status);
    hw_buf_puts(b, ",\"region\":");
    json_str(b, f->region);
    /* resources is the JSON array the store wrote; a damaged one is
     * quoted rather than trusted */
    hw_buf_puts(b, ",\"resources\":");
    if (f->resources[0] == '[')
        hw_buf_puts(b, f->resources);
    else
        json_str(b, f->resources);
    hw_buf_puts(b, ",\"first_observed\":");
    json_time(b, f->first_observed);
    hw_buf_puts(b, ",\"last_observed\":");
    json_time(b, f->last_observed);
    if (strcmp(f->workflow_status, "SUPPRESSED") == 0) {
        hw_buf_puts(b, ",\"note\":{\"text\":");
        json_str(b, f->note_text);
        hw_buf_puts(b, ",\"updated_by\":");
        json_str(b, f->note_updated_by);
        hw_buf_puts(b, ",\"updated_at\":");
        json_str(b, f->note_updated_at);
        hw_buf_puts(b, "},\"suppressed_at\":");
        if (f->suppressed_at >= 0)
            json_time(b, f->suppressed_at);
        else if (f->note_updated_at)
            json_str(b, f->note_updated_at); /* arrived suppressed: the note's time */
        else
            hw_buf_puts(b, "null");
    }
    return hw_buf_putc(b, '}') == HW_OK ? 0 : HW_ENOMEM;
}

static int open_cb(void *arg, const hw_open_eval *o)
{
    struct ctx *c = arg;
    if (c->nopen == c->capopen) {
        size_t cap = c->capopen ? c->capopen * 2 : 512;
        struct open_eval *p = realloc(c->open, cap * sizeof *p);
        if (!p)
            return HW_ENOMEM;
        c->open = p;
        c->capopen = cap;
    }
    struct open_eval *x = &c->open[c->nopen];
    x->id = o->id;
    x->digest = o->digest;
    x->used = 0;
    x->framework = strdup(o->framework);
    x->requirement = strdup(o->requirement);
    x->status = strdup(o->status);
    c->nopen++;
    return x->framework && x->requirement && x->status ? 0 : HW_ENOMEM;
}

static struct open_eval *find_open(struct ctx *c, const char *fw, const char *req)
{
    size_t lo = 0, hi = c->nopen;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = strcmp(c->open[mid].framework, fw);
        if (r == 0)
            r = strcmp(c->open[mid].requirement, req);
        if (r == 0)
            return &c->open[mid];
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int read_account(struct ctx *c, hw_err *e)
{
    hw_store *s = c->s;
    const char *a = c->account;
    account_reset(c);
    if (hw_store_account_control_counts(s, a, counts_cb, c, e) != HW_OK ||
        hw_store_account_checked(s, a, &c->checked, e) != HW_OK ||
        hw_store_account_exceptions(s, a, hw_now(), exc_cb, c, e) != HW_OK ||
        hw_store_account_resources(s, a, res_cb, c, e) != HW_OK ||
        hw_store_account_evidence(s, a, evidence_cb, c, e) != HW_OK ||
        hw_store_account_open_evals(s, a, open_cb, c, e) != HW_OK)
        return e->kind;
    for (size_t i = 0; i < c->nctls; i++) {
        c->st[i].checked = c->checked;
        c->st[i].resources = resources_of(c, c->ctls[i].types);
    }
    return HW_OK;
}

/* ------------------------------------------------ one control, one req */

static void build_control(struct ctx *c, size_t i)
{
    if (c->built[i])
        return;
    c->built[i] = 1;
    const hw_control_state *s = &c->st[i];
    int cls = hw_eval_control(s, c->evaluated, c->o->infer_not_applicable);
    c->cls[i] = cls;
    hw_buf *b = &c->text[i];
    hw_buf_reset(b);
    hw_buf_puts(b, "{\"control\":");
    json_str(b, s->control);
    hw_buf_printf(b, ",\"class\":\"%s\",\"passed\":%u,\"failed\":%u,\"suppressed\":%u,"
                     "\"not_available\":%u",
                  hw_ctl_class_name(cls), s->passed, s->failed, s->suppressed, s->not_available);
    if (s->excepted)
        hw_buf_puts(b, ",\"exception\":true");
    if (s->disabled_in && *s->disabled_in) {
        hw_buf_puts(b, ",\"disabled_in\":");
        json_words(b, s->disabled_in);
    }
    if (s->resources >= 0)
        hw_buf_printf(b, ",\"inventory_resources\":%ld", s->resources);
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
    hw_buf_puts(b, ",\"findings\":[");
    hw_buf_append(b, hw_buf_str(&c->found[i]), c->found[i].len);
    hw_buf_puts(b, "]}");
    c->digest[i] = fnv(FNV_INIT, hw_buf_str(b), b->len);
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
        build_control(c, idx[j]);
        cls[j] = c->cls[idx[j]];
        h = fnv(h, &c->digest[idx[j]], sizeof c->digest[idx[j]]);
    }
    hw_req_input in = { q->manual, q->controls, q->ncontrols };
    int st = hw_eval_combine(&in, cls);
    const char *name = hw_req_status_name(st);
    h = fnv(h, name, strlen(name));
    int64_t digest = (int64_t)(h >> 1);
    int rc = HW_OK;
    hw_eval_summary *sum = hw_eval_summary_for(c->sums, c->nsums, q->framework);
    if (!sum) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    sum->counts[st]++;
    struct open_eval *o = find_open(c, q->framework, q->id);
    if (o) {
        o->used = 1;
        if (o->digest == digest && strcmp(o->status, name) == 0)
            goto out; /* unchanged: the current interval goes on */
    }
    /* changed: write the evidence out */
    hw_buf *b = &c->req;
    hw_buf_reset(b);
    hw_buf_printf(b, "{\"status\":\"%s\",\"controls\":[", name);
    for (size_t j = 0; !q->manual && j < q->ncontrols; j++) {
        if (j)
            hw_buf_putc(b, ',');
        hw_buf_append(b, hw_buf_str(&c->text[idx[j]]), c->text[idx[j]].len);
    }
    hw_buf_puts(b, "]");
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
    rc = hw_store_eval_change(c->s, c->seq, o ? o->id : 0, &row, digest, e);
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
    for (size_t i = 0; i < c->nopen; i++)
        if (!c->open[i].used && hw_store_eval_change(c->s, c->seq, c->open[i].id, NULL, 0, e) != HW_OK)
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
