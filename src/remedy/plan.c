/*
 * plan.c - from the store's failed findings to a stored plan: trust checked
 * again from the raw ASFF, then the policy's mode, scope, open actions,
 * the circuit breaker and the limits.  Every finding that does not become
 * an action is kept as a skip with its reason; findings of controls the
 * policy leaves off (or without a remediation) are only counted.
 */
#include "remedy/remedy.h"
#include "scan/jsonlex.h"

#include <cJSON.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ trust */

int hw_remedy_resource_account(const char *resource, const char *partition, char account[16])
{
    account[0] = '\0';
    if (hw_starts_with(resource, "AWS::::Account:")) {
        const char *id = resource + strlen("AWS::::Account:");
        if (strlen(id) != 12 || strspn(id, "0123456789") != 12)
            return -1;
        memcpy(account, id, 13);
        return 0;
    }
    /* arn:partition:service:region:account:resource */
    const char *f[6];
    const char *p = resource;
    for (int i = 0; i < 6; i++) {
        f[i] = p;
        if (i == 5)
            break;
        p = strchr(p, ':');
        if (!p)
            return -1;
        p++;
    }
    if (strncmp(f[0], "arn:", 4) != 0)
        return -1;
    size_t plen = (size_t)(f[2] - f[1] - 1);
    if (plen != strlen(partition) || strncmp(f[1], partition, plen) != 0)
        return -1;
    size_t alen = (size_t)(f[5] - f[4] - 1);
    if (f[2][0] == ':' || !*f[5])
        return -1; /* no service, or no resource part */
    if (alen == 0)
        return 0; /* S3 buckets: no account in the ARN */
    if (alen != 12 || strspn(f[4], "0123456789") < 12)
        return -1;
    memcpy(account, f[4], 12);
    account[12] = '\0';
    return 0;
}

/*
 * The fields trust needs, read from the raw ASFF with the scan module's
 * allocation-free lexer (a plan reads every failing finding: building a
 * cJSON tree of each was a quarter of a plan's time).  As cJSON's lookups
 * did, the first occurrence of a key counts, and a value that is not a
 * string reads as "".  A string too long for its field, or holding a NUL,
 * reads as UNUSABLE, which equals nothing trust compares it with.
 */
#define UNUSABLE "(unusable)"
enum { F_PRODUCT, F_GENERATOR, F_ACCOUNT, F_RECORD, F_COMP_STATUS, F_COMP_CONTROL, F_WORKFLOW,
       F_RESOURCE, F_N };
struct trust_fields {
    char v[F_N][2048];
    unsigned char seen[F_N];
    int level;        /* 0 top, 1 Compliance, 2 Workflow, 3 Resources, 4 Resources[0] */
    unsigned entered; /* the containers met (bit = level) */
    int index;        /* elements of Resources met */
};

static int take_string(hw_jlex *L, struct trust_fields *t, int f)
{
    if (*L->p != '"' || t->seen[f]) {
        t->seen[f] = 1;
        return hw_jlex_skip(L);
    }
    t->seen[f] = 1;
    size_t n = 0;
    int flags = 0;
    size_t cap = f == F_RESOURCE ? sizeof t->v[f] - 1 : 255;
    if (hw_jlex_string(L, t->v[f], cap, &n, &flags) < 0)
        return -1;
    if (flags & (HW_JSTR_NUL | HW_JSTR_LONG))
        snprintf(t->v[f], sizeof t->v[f], "%s", UNUSABLE);
    return 0;
}

static int key_is(const char *key, size_t keylen, const char *want)
{
    return key && keylen == strlen(want) && memcmp(key, want, keylen) == 0;
}

static int trust_item(hw_jlex *L, void *arg, const char *key, size_t keylen)
{
    struct trust_fields *t = arg;
    hw_jlex_ws(L);
    int level = t->level;
    if (level == 0) {
        static const struct { const char *k; int f; } top[] = {
            { "ProductArn", F_PRODUCT }, { "GeneratorId", F_GENERATOR },
            { "AwsAccountId", F_ACCOUNT }, { "RecordState", F_RECORD } };
        for (size_t i = 0; i < HW_ARRAY_LEN(top); i++)
            if (key_is(key, keylen, top[i].k))
                return take_string(L, t, top[i].f);
        int sub = key_is(key, keylen, "Compliance") ? 1 : key_is(key, keylen, "Workflow") ? 2
                  : key_is(key, keylen, "Resources") ? 3 : 0;
        unsigned bit = 1u << sub;
        /* only the first of each key counts, as with cJSON's lookups; a
         * value of another type is skipped */
        if (!sub || (t->entered & bit) || *L->p != (sub == 3 ? '[' : '{')) {
            if (sub)
                t->entered |= bit;
            return hw_jlex_skip(L);
        }
        t->entered |= bit;
        t->level = sub;
        int rc = hw_jlex_container(L, trust_item, t);
        t->level = 0;
        return rc;
    }
    if (level == 1) {
        if (key_is(key, keylen, "Status"))
            return take_string(L, t, F_COMP_STATUS);
        if (key_is(key, keylen, "SecurityControlId"))
            return take_string(L, t, F_COMP_CONTROL);
        return hw_jlex_skip(L);
    }
    if (level == 2)
        return key_is(key, keylen, "Status") ? take_string(L, t, F_WORKFLOW) : hw_jlex_skip(L);
    if (level == 3) { /* an element of Resources: only the first, an object */
        int first = t->index == 0;
        t->index++;
        if (!first || *L->p != '{')
            return hw_jlex_skip(L);
        t->level = 4;
        int rc = hw_jlex_container(L, trust_item, t);
        t->level = 3;
        return rc;
    }
    /* level 4: the first resource */
    return key_is(key, keylen, "Id") ? take_string(L, t, F_RESOURCE) : hw_jlex_skip(L);
}

/* 0 with the fields, or -1 when raw is not one JSON object. */
static int trust_read(const char *raw, size_t rawlen, struct trust_fields *t)
{
    memset(t->seen, 0, sizeof t->seen);
    for (int i = 0; i < F_N; i++)
        t->v[i][0] = '\0';
    t->level = 0;
    t->entered = 0;
    t->index = 0;
    hw_jlex L;
    hw_jlex_init(&L, raw ? raw : "", raw ? rawlen : 0);
    hw_jlex_ws(&L);
    if (L.p >= L.end || *L.p != '{' || hw_jlex_container(&L, trust_item, t) < 0)
        return -1;
    hw_jlex_ws(&L);
    return L.p == L.end ? 0 : -1;
}

int hw_remedy_trust(const hw_finding_row *f, const char *raw, size_t rawlen,
                    const hw_remedy_policy *p, char *resource, size_t reslen, char *why,
                    size_t whylen)
{
    resource[0] = '\0';
    if (!f->trusted) {
        snprintf(why, whylen, "untrusted: %s", f->untrusted_reason ? f->untrusted_reason : "");
        return 0;
    }
    struct trust_fields *t = malloc(sizeof *t);
    if (!t || trust_read(raw, rawlen, t) != 0) {
        free(t);
        snprintf(why, whylen, "untrusted: the stored finding is not a JSON object");
        return 0;
    }
    int ok = 0;
    const char *partition = hw_aws_partition(f->region);
    char want[256];
    snprintf(want, sizeof want, "arn:%s:securityhub:%s::product/aws/securityhub", partition,
             f->region);
    const char *product = t->v[F_PRODUCT], *gen = t->v[F_GENERATOR];
    const char *acct = t->v[F_ACCOUNT];
    const char *rid = t->v[F_RESOURCE];
    char gen_want[96], racct[16];
    snprintf(gen_want, sizeof gen_want, "security-control/%s", f->control_id);
    int gen_ok = strcmp(gen, gen_want) == 0 ||
                 (!hw_starts_with(gen, "security-control/") && *gen &&
                  strcmp(t->v[F_COMP_CONTROL], f->control_id) == 0);
    if (strcmp(product, want) != 0)
        snprintf(why, whylen, "untrusted: product %.200s is not Security Hub's own in %.40s",
                 product, f->region);
    else if (!gen_ok)
        snprintf(why, whylen, "untrusted: generator %.200s is not Security Hub control %s", gen,
                 f->control_id);
    else if (strcmp(acct, f->account_id) != 0)
        snprintf(why, whylen, "untrusted: AwsAccountId %.20s differs from the stored %s", acct,
                 f->account_id);
    else if (!*rid || strlen(rid) >= reslen || strcmp(rid, UNUSABLE) == 0)
        snprintf(why, whylen, "untrusted: no usable resource id");
    else if (hw_remedy_resource_account(rid, partition, racct) != 0)
        snprintf(why, whylen, "untrusted: resource %.300s is not an ARN of partition %s", rid,
                 partition);
    else if (*racct && strcmp(racct, acct) != 0)
        snprintf(why, whylen, "untrusted: resource %.300s belongs to account %s, not %s", rid,
                 racct, acct);
    else if (!hw_remedy_policy_in_org(p, acct))
        snprintf(why, whylen, "untrusted: account %s is not in the Organization", acct);
    else if (strcmp(t->v[F_WORKFLOW], "SUPPRESSED") == 0)
        snprintf(why, whylen, "suppressed: workflow status SUPPRESSED");
    else if (strcmp(t->v[F_COMP_STATUS], "FAILED") != 0 || strcmp(t->v[F_RECORD], "ARCHIVED") == 0)
        snprintf(why, whylen, "not failed: the stored finding is not FAILED and ACTIVE");
    else {
        snprintf(resource, reslen, "%s", rid);
        ok = 1;
    }
    free(t);
    return ok;
}

/* ------------------------------------------------------------------- plan */

struct cand {
    char *id;
    const char *product_arn, *account, *region, *control; /* interned: one copy each */
    char *resource;  /* "" until the trust check found it (malloc'd, or the static "") */
    int64_t updated_at, rowid;
    int trusted;
    const char *untrusted_reason; /* interned */
    const hw_remedy_family *fam;
    int mode;
    char *why;      /* approval reason, or the skip reason (malloc'd, or the static "") */
    int skip;
    int gd;         /* a GuardDuty finding: its playbook is decided from the raw ASFF */
    int ignore;     /* no playbook answers it, or the policy leaves it off: not listed */
};

/* Candidates are many (a plan reads every failing finding): their
 * resource and reason are sized to fit, "" shared until set. */
static char empty[1] = "";

static int set_str(char **dst, const char *s)
{
    char *d = *s ? hw_strdup(s) : empty;
    if (!d)
        return -1;
    if (*dst != empty)
        free(*dst);
    *dst = d;
    return 0;
}

struct counter;
static const char *intern(struct counter *c, const char *s);

struct collect {
    struct counter *strings; /* the candidates' repeated strings, once each */
    const hw_remedy_policy *p;
    const hw_remedy_filter *flt;
    int gd_on;      /* GuardDuty findings are read (no --control, or a playbook's) */
    struct cand *v;
    size_t n, cap;
    hw_plan_stats *stats;
    int oom;
    hw_err err;     /* why a check failed (err.kind != HW_OK) */
};

/* Appends a candidate with the finding's identity (control: its control
 * id, "" for GuardDuty); NULL, with c->oom set, when out of memory. */
static struct cand *push_cand(struct collect *c, const hw_finding_row *f, int64_t rowid,
                              const char *control)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        struct cand *nv = realloc(c->v, cap * sizeof *nv);
        if (!nv) {
            c->oom = 1;
            return NULL;
        }
        c->v = nv;
        c->cap = cap;
    }
    struct cand *k = &c->v[c->n++];
    memset(k, 0, sizeof *k);
    k->resource = k->why = empty;
    k->id = hw_strdup(f->id);
    k->product_arn = intern(c->strings, f->product_arn);
    k->account = intern(c->strings, f->account_id);
    k->region = intern(c->strings, f->region);
    k->control = intern(c->strings, control);
    k->untrusted_reason = intern(c->strings, f->untrusted_reason ? f->untrusted_reason : "");
    k->updated_at = f->updated_at;
    k->rowid = rowid;
    k->trusted = f->trusted;
    if (!k->id || !k->product_arn || !k->account || !k->region || !k->control ||
        !k->untrusted_reason) {
        c->oom = 1;
        return NULL;
    }
    return k;
}

static void cands_free(struct cand *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].id);
        if (v[i].resource != empty)
            free(v[i].resource);
        if (v[i].why != empty)
            free(v[i].why);
    }
    free(v);
}

__attribute__((format(printf, 2, 3)))
static void skip(struct cand *k, const char *fmt, ...)
{
    va_list ap;
    char buf[512];
    va_start(ap, fmt);
    k->skip = 1;
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (set_str(&k->why, buf) != 0) /* out of memory: the old reason stays, the skip holds */
        return;
}

/*
 * A counter per string key ("account/control", ...): open addressing on
 * FNV-1a, so that a plan stays linear in the number of findings.
 */
struct counter {
    char **key;
    unsigned *val;
    size_t cap, n;
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The slot of key (inserted with 0 when absent, if insert); NULL when
 * absent or out of memory. */
static unsigned *counter_at(struct counter *c, const char *key, int insert)
{
    if (insert && (c->n + 1) * 2 > c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 256;
        char **k = calloc(cap, sizeof *k);
        unsigned *v = calloc(cap, sizeof *v);
        if (!k || !v) {
            free(k);
            free(v);
            return NULL;
        }
        for (size_t i = 0; i < c->cap; i++) {
            if (!c->key[i])
                continue;
            size_t j = fnv(c->key[i]) & (cap - 1);
            while (k[j])
                j = (j + 1) & (cap - 1);
            k[j] = c->key[i];
            v[j] = c->val[i];
        }
        free(c->key);
        free(c->val);
        c->key = k;
        c->val = v;
        c->cap = cap;
    }
    if (!c->cap)
        return NULL;
    size_t j = fnv(key) & (c->cap - 1);
    while (c->key[j]) {
        if (strcmp(c->key[j], key) == 0)
            return &c->val[j];
        j = (j + 1) & (c->cap - 1);
    }
    if (!insert || !(c->key[j] = hw_strdup(key)))
        return NULL;
    c->n++;
    return &c->val[j];
}

/* The one copy of s kept in c (a counter used as a set), or NULL when out
 * of memory.  Growing c moves its slots, not its strings. */
static const char *intern(struct counter *c, const char *s)
{
    if (!counter_at(c, s, 1))
        return NULL;
    size_t j = fnv(s) & (c->cap - 1);
    while (strcmp(c->key[j], s) != 0)
        j = (j + 1) & (c->cap - 1);
    return c->key[j];
}

static void counter_free(struct counter *c)
{
    for (size_t i = 0; i < c->cap; i++)
        free(c->key[i]);
    free(c->key);
    free(c->val);
}

/* Actions that answer a finding, by finding, read once: a pending or
 * approved one; a rejected, refused (the real state contradicted the
 * finding), done, already-compliant or gone one while the
 * finding has not changed since (Security Hub evaluates again on its own
 * schedule: until then the finding stays FAILED in the store). */
struct open_action {
    char id[96], state[16];
    int64_t updated_at;
};
struct opens {
    struct counter by_finding; /* product_arn|finding_id -> index + 1 */
    struct open_action *v;
    size_t n, cap;
    int oom;
};
static int opens_cb(void *arg, const hw_action_row *a)
{
    struct opens *o = arg;
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 64;
        struct open_action *nv = realloc(o->v, cap * sizeof *nv);
        if (!nv) {
            o->oom = 1;
            return 1;
        }
        o->v = nv;
        o->cap = cap;
    }
    hw_buf k = HW_BUF_INIT(0);
    hw_buf_printf(&k, "%s|%s", a->product_arn, a->finding_id);
    unsigned *slot = counter_at(&o->by_finding, hw_buf_str(&k), 1);
    hw_buf_free(&k);
    if (!slot) {
        o->oom = 1;
        return 1;
    }
    /* the newest decision counts: later rows replace earlier ones */
    struct open_action *x = &o->v[o->n];
    snprintf(x->id, sizeof x->id, "%s", a->id);
    snprintf(x->state, sizeof x->state, "%s", a->state);
    x->updated_at = a->finding_updated_at;
    *slot = (unsigned)++o->n;
    return 0;
}
static const struct open_action *open_for(struct opens *o, const struct cand *k)
{
    hw_buf key = HW_BUF_INIT(0);
    hw_buf_printf(&key, "%s|%s", k->product_arn, k->id);
    const unsigned *slot = counter_at(&o->by_finding, hw_buf_str(&key), 0);
    hw_buf_free(&key);
    if (!slot || !*slot)
        return NULL;
    const struct open_action *a = &o->v[*slot - 1];
    /* pending, approved and applying answer the finding whatever happened since;
     * a rejection or a fix answers the finding it saw, not a newer one */
    if (strcmp(a->state, "pending") != 0 && strcmp(a->state, "approved") != 0 &&
        strcmp(a->state, "applying") != 0 && a->updated_at != k->updated_at)
        return NULL;
    return a;
}

static int check_trust(hw_store_raw_ref *ref, const hw_remedy_policy *p, struct cand *k,
                       hw_err *e)
{
    if (!k->trusted) { /* ingest's verdict stands: no need to read the raw bytes */
        skip(k, "untrusted: %s", k->untrusted_reason);
        return HW_OK;
    }
    char *raw = NULL;
    size_t len = 0;
    if (hw_store_raw_ref_read(ref, &raw, &len, e) != HW_OK)
        return e->kind;
    hw_finding_row f = { 0 };
    f.id = k->id;
    f.product_arn = k->product_arn;
    f.account_id = k->account;
    f.region = k->region;
    f.control_id = k->control;
    f.trusted = k->trusted;
    f.untrusted_reason = k->untrusted_reason;
    char why[512], res[2048];
    int ok = hw_remedy_trust(&f, raw, len, p, res, sizeof res, why, sizeof why);
    free(raw);
    if (set_str(&k->resource, res) != 0)
        return hw_err_set(e, HW_ENOMEM, "out of memory planning");
    if (!ok)
        skip(k, "%s", why);
    return HW_OK;
}

/* A GuardDuty finding: its playbook (none: ignored), the playbook's mode
 * (off: ignored) and the trust checks (playbook.c). */
static int check_playbook(hw_store_raw_ref *ref, const hw_remedy_policy *p,
                          const hw_remedy_filter *flt, struct cand *k, struct counter *strings,
                          hw_plan_stats *stats, hw_err *e)
{
    char *raw = NULL;
    size_t len = 0;
    if (hw_store_raw_ref_read(ref, &raw, &len, e) != HW_OK)
        return e->kind;
    hw_finding_row f = { 0 };
    f.id = k->id;
    f.product_arn = k->product_arn;
    f.account_id = k->account;
    f.region = k->region;
    f.control_id = "";
    f.trusted = k->trusted;
    f.untrusted_reason = k->untrusted_reason;
    char why[512], res[2048];
    const hw_remedy_playbook *pb = NULL;
    int ok = hw_remedy_playbook_trust(&f, raw, len, p, &pb, res, sizeof res, why, sizeof why);
    free(raw);
    if (set_str(&k->resource, res) != 0)
        return hw_err_set(e, HW_ENOMEM, "out of memory planning");
    if (!pb || (flt && flt->control && strcmp(flt->control, pb->name) != 0)) {
        k->skip = k->ignore = 1;
        return HW_OK;
    }
    const char *name = intern(strings, pb->name);
    if (!name)
        return hw_err_set(e, HW_ENOMEM, "out of memory planning");
    k->control = name;
    k->fam = pb->family;
    k->mode = hw_config_playbook_mode(p->cfg, name);
    if (k->mode == HW_REMEDY_OFF) {
        stats->off++;
        k->skip = k->ignore = 1;
        return HW_OK;
    }
    if (k->mode == HW_REMEDY_APPROVAL) {
        char buf[160];
        snprintf(buf, sizeof buf, "playbook %s needs approval (remediation.playbooks)", name);
        if (set_str(&k->why, buf) != 0)
            return hw_err_set(e, HW_ENOMEM, "out of memory planning");
    }
    if (!ok)
        skip(k, "%s", why);
    return HW_OK;
}

/*
 * One row of the plan's single pass over the findings (hw_store_plan_findings,
 * in storage order): it stands for what two queries read before, the
 * FAILED findings (of --control's control, if any) and the GuardDuty ones
 * (any control-less active finding).  The trust checks need the raw ASFF:
 * they run here, while the row is at hand, and sorting comes after.
 */
static int collect_cb(void *arg, const hw_finding_row *f, int64_t rowid, hw_store_raw_ref *ref)
{
    struct collect *c = arg;
    const char *fc = c->flt ? c->flt->control : NULL;
    int failed = strcmp(f->compliance_status, "FAILED") == 0;
    if (failed && (!fc || strcmp(f->control_id, fc) == 0)) {
        c->stats->findings++;
        if (*f->control_id) {
            const hw_remedy_family *fam = hw_remedy_family_for(f->control_id);
            char why[512];
            int mode = fam ? hw_remedy_policy_mode(c->p, f->control_id,
                                                   hw_remedy_disruptive(fam, f->control_id), why,
                                                   sizeof why)
                           : HW_REMEDY_OFF;
            if (mode == HW_REMEDY_OFF) {
                c->stats->off++;
            } else {
                struct cand *k = push_cand(c, f, rowid, f->control_id);
                if (!k)
                    return 1;
                k->fam = fam;
                k->mode = mode;
                if (set_str(&k->why, why) != 0) {
                    c->oom = 1;
                    return 1;
                }
                if (check_trust(ref, c->p, k, &c->err) != HW_OK)
                    return 1;
            }
        }
    }
    if (c->gd_on && !*f->control_id) {
        /* GuardDuty findings: any state but archived, whatever their compliance */
        c->stats->findings++;
        struct cand *k = push_cand(c, f, rowid, "");
        if (!k)
            return 1;
        k->gd = 1;
        if (check_playbook(ref, c->p, c->flt, k, c->strings, c->stats, &c->err) != HW_OK)
            return 1;
    }
    return 0;
}

/* The order two sorted queries gave: the control findings, then the
 * GuardDuty ones, each by account, region, control and id (rowid breaks
 * the ties those leave). */
static int cand_cmp(const void *pa, const void *pb)
{
    const struct cand *a = pa, *b = pb;
    if (a->gd != b->gd)
        return a->gd - b->gd;
    int r;
    if ((r = strcmp(a->account, b->account)) != 0 || (r = strcmp(a->region, b->region)) != 0 ||
        (!a->gd && (r = strcmp(a->control, b->control)) != 0) || (r = strcmp(a->id, b->id)) != 0)
        return r;
    return (a->rowid > b->rowid) - (a->rowid < b->rowid);
}

/* Per account and control: how many resources Security Hub evaluated
 * (read only for the pairs that would change something). */
static int apply_breaker(hw_store *st, struct cand *v, size_t n, double max_share, hw_err *e)
{
    struct counter planned = { 0 }, totals = { 0 };
    char key[96];
    int rc = HW_OK;
    for (size_t i = 0; i < n; i++) {
        if (v[i].skip || v[i].gd) /* playbooks answer incidents, not a share of resources */
            continue;
        snprintf(key, sizeof key, "%s/%s", v[i].account, v[i].control);
        unsigned *c = counter_at(&planned, key, 1);
        unsigned *t = c ? counter_at(&totals, key, 1) : NULL;
        if (!t) {
            rc = hw_err_set(e, HW_ENOMEM, "out of memory planning");
            goto out;
        }
        if (!(*c)++ &&
            (rc = hw_store_control_total(st, v[i].account, v[i].control, t, e)) != HW_OK)
            goto out;
    }
    for (size_t i = 0; i < n; i++) {
        if (v[i].skip || v[i].gd)
            continue;
        snprintf(key, sizeof key, "%s/%s", v[i].account, v[i].control);
        unsigned count = *counter_at(&planned, key, 0);
        const unsigned *tp = counter_at(&totals, key, 0);
        unsigned total = tp && *tp > count ? *tp : count;
        if (count <= hw_remedy_breaker_allow(max_share, total))
            continue;
        char msg[512];
        snprintf(msg, sizeof msg,
                 "circuit breaker: %s would change %u of %u resources in account %s "
                 "(more than remediation.max_share %.0f%%); none changed",
                 v[i].control, count, total, v[i].account, max_share * 100.0);
        skip(&v[i], "%s", msg);
    }
out:
    counter_free(&planned);
    counter_free(&totals);
    return rc;
}

static int apply_limits(struct cand *v, size_t n, const hw_config *c)
{
    struct counter per_account = { 0 };
    size_t run = 0;
    char lim[32];
    for (size_t i = 0; i < n; i++) {
        if (v[i].skip)
            continue;
        unsigned *in_account = counter_at(&per_account, v[i].account, 1);
        if (!in_account) {
            counter_free(&per_account);
            return -1;
        }
        if (*in_account >= (unsigned)c->remediation.max_actions_per_account) {
            snprintf(lim, sizeof lim, "%d", c->remediation.max_actions_per_account);
            skip(&v[i], "limit: remediation.max_actions_per_account (%s) reached in account %s",
                 lim, v[i].account);
        } else if (run >= (size_t)c->remediation.max_actions_per_run) {
            snprintf(lim, sizeof lim, "%d", c->remediation.max_actions_per_run);
            skip(&v[i], "limit: remediation.max_actions_per_run (%s) reached", lim);
        } else {
            (*in_account)++;
            run++;
        }
    }
    counter_free(&per_account);
    return 0;
}

static int write_plan(hw_store *st, struct cand *v, size_t n, const char *actor, char plan_id[64],
                      hw_plan_stats *stats, const char *exemption_tag, const hw_config *cfg,
                      hw_err *e)
{
    if (hw_store_run_begin(st, "plan", plan_id, e) != HW_OK)
        return e->kind;
    cJSON *ids = cJSON_CreateArray();
    size_t seq = 0;
    for (size_t i = 0; i < n; i++) {
        struct cand *k = &v[i];
        if (k->ignore)
            continue;
        if (k->skip) {
            hw_plan_skip_row s = { k->id,     k->product_arn, k->account, k->region,
                                   k->control, k->resource,   k->why };
            if (hw_store_plan_skip_put(st, plan_id, &s, e) != HW_OK)
                goto fail;
            stats->skipped++;
            continue;
        }
        char id[96];
        snprintf(id, sizeof id, "%s-%03zu", plan_id, ++seq);
        char *raw = NULL; /* a playbook's calls name what its finding says */
        size_t rawlen = 0;
        if (k->gd && hw_store_finding_raw(st, k->product_arn, k->id, &raw, &rawlen, e) != HW_OK)
            goto fail;
        hw_remedy_target t = { k->account, k->region, k->control, k->resource, exemption_tag, raw,
                               cfg };
        cJSON *calls = k->fam->calls(&t);
        free(raw);
        char *calls_s = calls ? cJSON_PrintUnformatted(calls) : NULL;
        cJSON_Delete(calls);
        int approval = k->mode == HW_REMEDY_APPROVAL;
        hw_action_row a = { 0 };
        a.id = id;
        a.plan_id = plan_id;
        a.finding_id = k->id;
        a.product_arn = k->product_arn;
        a.finding_updated_at = k->updated_at;
        a.account = k->account;
        a.region = k->region;
        a.control = k->control;
        a.action = k->fam->action;
        a.resource = k->resource;
        a.disruptive = hw_remedy_disruptive(k->fam, k->control);
        a.mode = approval ? "approval" : "auto";
        a.state = approval ? "pending" : "planned";
        a.reason = approval ? k->why : "";
        a.calls = calls_s ? calls_s : "[]";
        a.workflow = approval ? "want:NOTIFIED" : "";
        int rc = hw_store_action_put(st, &a, e);
        free(calls_s);
        if (rc != HW_OK)
            goto fail;
        cJSON_AddItemToArray(ids, cJSON_CreateString(id));
        stats->actions++;
        if (approval)
            stats->approval_actions++;
        else
            stats->auto_actions++;
    }
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "plan", plan_id);
    cJSON_AddNumberToObject(d, "findings", (double)stats->findings);
    cJSON_AddNumberToObject(d, "off", (double)stats->off);
    cJSON_AddNumberToObject(d, "skipped", (double)stats->skipped);
    cJSON_AddItemToObject(d, "actions", ids);
    ids = NULL;
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    int rc = detail ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
    if (rc == HW_OK)
        rc = hw_store_run_finish(st, plan_id, "ok", detail, e);
    if (rc == HW_OK)
        rc = hw_store_audit_append(st, plan_id, actor, "remediation.plan", detail, e);
    free(detail);
    return rc;
fail:
    cJSON_Delete(ids);
    return e->kind;
}

/* Whether any risk acceptance is in force now: when none is (the usual
 * night), the two lookups per candidate are skipped. */
struct any_exc {
    int64_t now;
    int n;
};
static int any_exc_cb(void *arg, const hw_exception_row *x)
{
    struct any_exc *a = arg;
    a->n += !x->revoked && x->created_at <= a->now && x->expires_at > a->now;
    return 0;
}

int hw_remedy_plan_build(hw_store *st, const hw_remedy_policy *p, const hw_remedy_filter *flt,
                         const char *actor, char plan_id[64], hw_plan_stats *stats, hw_err *e)
{
    memset(stats, 0, sizeof *stats);
    const hw_config *cfg = p->cfg;
    struct counter strings = { 0 };
    struct collect c = { &strings, p, flt, 0, NULL, 0, 0, stats, 0, { 0 } };
    c.gd_on = !flt || !flt->control || hw_remedy_playbook_named(flt->control);
    struct counter seen = { 0 }; /* control|account|region|resource -> index + 1 */
    /* every read below is one pass or one indexed probe: a small page
     * cache costs nothing and keeps the plan's memory to its candidates */
    int64_t cache_was = 0;
    int rc = hw_store_cache_size(st, -4096, &cache_was, e); /* 4 MiB */
    if (rc == HW_OK)
        rc = hw_store_plan_findings(st, flt ? flt->account : NULL, collect_cb, &c, e);
    if (c.err.kind != HW_OK)
        rc = hw_err_set(e, c.err.kind, "%s", c.err.msg);
    else if (c.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory collecting findings");
    if (rc == HW_OK && c.n)
        qsort(c.v, c.n, sizeof *c.v, cand_cmp);
    struct opens opens = { { 0 }, NULL, 0, 0, 0 };
    hw_action_query oq = { 0 };
    oq.state = "pending|approved|applying|rejected|refused|done|already-compliant|gone|undone";
    if (rc == HW_OK && hw_store_actions(st, &oq, opens_cb, &opens, e) != HW_OK)
        rc = e->kind;
    if (rc == HW_OK && opens.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading open actions");
    struct any_exc ax = { hw_now(), 0 };
    if (rc == HW_OK && hw_store_exceptions(st, any_exc_cb, &ax, e) != HW_OK)
        rc = e->kind;
    /* one transaction for the checks and the plan: sqlite takes its locks
     * once, not for every raw finding read */
    int in_tx = 0;
    if (rc == HW_OK && (rc = hw_store_begin(st, e)) == HW_OK)
        in_tx = 1;
    for (size_t i = 0; rc == HW_OK && i < c.n; i++) {
        struct cand *k = &c.v[i];
        char why[512];
        if (k->skip) /* the trust checks ran in collect_cb */
            continue;
        if (!hw_remedy_policy_in_scope(p, k->account, k->region, why, sizeof why)) {
            skip(k, "%s", why);
            continue;
        }
        int excepted = 0;
        if (ax.n && (rc = hw_store_exception_active(st, k->account, k->control, hw_now(),
                                                    &excepted, e)) != HW_OK)
            break;
        if (excepted) {
            skip(k, "excepted: an unexpired risk acceptance covers %s in account %s", k->control,
                 k->account);
            continue;
        }
        /* the finding's own, or its resource's, risk acceptance */
        int64_t xid = 0;
        if (ax.n && (rc = hw_store_exception_covering(st, k->account, k->control, k->id,
                                                      k->resource, hw_now(), &xid, e)) != HW_OK)
            break;
        if (xid) {
            skip(k, "excepted: risk acceptance %lld covers this finding or resource",
                 (long long)xid);
            continue;
        }
        hw_buf rk = HW_BUF_INIT(0);
        hw_buf_printf(&rk, "%s|%s|%s|%s", k->control, k->account, k->region, k->resource);
        unsigned *first = counter_at(&seen, hw_buf_str(&rk), 1);
        hw_buf_free(&rk);
        if (!first) {
            rc = hw_err_set(e, HW_ENOMEM, "out of memory planning");
            break;
        }
        if (*first) {
            skip(k, "duplicate: finding %s already plans this resource", c.v[*first - 1].id);
            continue;
        }
        *first = (unsigned)i + 1;
        const struct open_action *o = open_for(&opens, k);
        if (!o)
            continue;
        if (strcmp(o->state, "pending") == 0)
            skip(k, "awaiting approval as action %s", o->id);
        else if (strcmp(o->state, "approved") == 0)
            skip(k, "approved as action %s; runs on --apply", o->id);
        else if (strcmp(o->state, "applying") == 0)
            skip(k, "interrupted as action %s; verified (never changed again) on --apply", o->id);
        else if (strcmp(o->state, "rejected") == 0 || strcmp(o->state, "refused") == 0 ||
                 strcmp(o->state, "undone") == 0)
            skip(k, "%s as action %s; planned again when the finding changes", o->state, o->id);
        else
            skip(k, "fixed: action %s found it %s; waiting for Security Hub to evaluate again",
                 o->id, strcmp(o->state, "done") == 0 ? "failing and fixed it" : o->state);
    }
    if (rc == HW_OK) {
        rc = apply_breaker(st, c.v, c.n, cfg->remediation.max_share, e);
        if (rc == HW_OK && apply_limits(c.v, c.n, cfg) != 0)
            rc = hw_err_set(e, HW_ENOMEM, "out of memory planning");
        if (rc == HW_OK)
            rc = write_plan(st, c.v, c.n, actor, plan_id, stats, cfg->remediation.exemption_tag,
                            cfg, e);
    }
    if (in_tx) {
        if (rc == HW_OK)
            rc = hw_store_commit(st, e);
        else
            hw_store_rollback(st);
    }
    if (cache_was) {
        hw_err ignored;
        hw_store_cache_size(st, cache_was, NULL, &ignored);
    }
    cands_free(c.v, c.n);
    counter_free(&strings);
    counter_free(&seen);
    counter_free(&opens.by_finding);
    free(opens.v);
    return rc;
}
