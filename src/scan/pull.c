/*
 * pull.c - `hubwarden scan`: Security Hub findings of the whole
 * Organization into the store.
 *
 * Sources are (account, region) pairs: the aggregator alone, or every
 * active account (role assumed) times every configured region.  Pages go
 * out through one libcurl multi handle, at most max_concurrency at once,
 * each source under its own client-side token bucket (3 requests a second,
 * burst 6: Security Hub's own limit, so that the retry layer only sees the
 * throttles that still come).  Pages are parsed and stored on this one
 * thread as they complete.  A source that fails keeps what it already
 * delivered but does not move its watermark, so the next run pulls it
 * again.  When a source's findings are in, the check of which controls
 * are disabled there (when due) goes out on the same queue, in the room
 * the rate-limited pages leave, and is recorded after the pull.
 */
#include "scan/pull.h"
#include "scan/finding.h"
#include "scan/reader.h"
#include "scan/request.h"
#include "scan/ingest.h"
#include "scan/jsonlex.h"
#include "scan/sink.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "catalog/catalog.h"
#include "store/store.h"

struct source {
    char account[16];
    char region[64];
    char key[128];     /* watermark key */
    int assume;        /* assume the role into account */
    int64_t watermark; /* newest UpdatedAt stored, epoch ms; -1: none */
    int64_t newest;    /* newest UpdatedAt of this run, epoch ms */
    size_t pages;
    int failed;
    char error[1024];
    /* progress through its queries */
    int kinds[2];
    int nkinds, kind_idx;
    int64_t since;     /* the query's UpdatedAt start, epoch seconds */
    int assumed;       /* the role into account is assumed (or not needed) */
    int assuming;      /* its AssumeRole (or its account's) is on the queue */
    char *token;
    int inflight, done, malformed;
    hw_bucket bucket;
    /* which controls are disabled there (BatchGetSecurityControls, 100
     * ids a call), when due: batches sent and awaited, what came back */
    int check_due, check_done, check_failed;
    size_t check_next, check_pending;
    const char **off; /* catalogue-owned ids of the disabled controls */
    size_t noff;
    char check_error[512];
};

struct run {
    const hw_scan_opts *o;
    hw_store *st;
    const char *run_id;
    struct source *src;
    size_t nsrc, ended;
    hw_aws_multi *mu;
    hw_ingest *in;
    hw_store_sink *sink;
    size_t api_calls;
    int64_t now;
    int stop;
    const char **ids; /* every catalogue control id, for the checks */
    size_t nids, checks_open;
    hw_aws_client *client;
    size_t assumes;    /* AssumeRole calls answered */
};

struct cbarg {
    struct run *r;
    size_t idx;
};

/* The log context of the lines about one account-region (JSON lines carry
 * it as "account" and "region"); *saved gets what was there. */
static void log_about(hw_log_context *saved, const char *account, const char *region)
{
    hw_log_context_save(saved);
    hw_log_set_account(account);
    hw_log_set_region(region);
}

/* The source's control check is over (answered, failed, or never to be
 * sent). */
static void check_finish(struct run *r, struct source *s)
{
    if (s->check_due && !s->check_done) {
        s->check_done = 1;
        r->checks_open--;
    }
}

static void source_failed(struct run *r, struct source *s, const char *msg)
{
    check_finish(r, s);
    s->failed = 1;
    s->done = 1;
    r->ended++;
    snprintf(s->error, sizeof s->error, "%s", msg);
    hw_log_context saved;
    log_about(&saved, s->account, s->region);
    hw_error("%s: %s", s->key, s->error);
    hw_log_context_restore(&saved);
}

/* The source read everything: commit its findings, then its watermark. */
static void source_complete(struct run *r, struct source *s)
{
    hw_err e;
    hw_err_clear(&e);
    int64_t mark = s->newest > 0 ? s->newest : s->watermark;
    if (hw_sink_commit(r->sink, &e) != HW_OK ||
        (mark >= 0 && (hw_store_begin(r->st, &e) != HW_OK ||
                       hw_store_watermark_set(r->st, s->key, mark, r->run_id, &e) != HW_OK ||
                       hw_store_commit(r->st, &e) != HW_OK))) {
        hw_store_rollback(r->st);
        source_failed(r, s, e.msg);
        return;
    }
    s->done = 1;
    r->ended++;
}

/* The response's top-level members, one pass with the ingest's lexer: a
 * cJSON tree of a whole page (100 findings) cost more than the rest of
 * the scan's own work on it once a scan runs hundreds of sources. */
struct env {
    char *next;
    int bad;
};
static int env_member(hw_jlex *L, void *arg, const char *key, size_t keylen)
{
    struct env *v = arg;
    if (keylen != 9 || memcmp(key, "NextToken", 9) != 0 || *L->p != '"')
        return hw_jlex_skip(L); /* the findings, framed below; a null token */
    size_t cap = (size_t)(L->end - L->p), n = 0;
    int fl = 0;
    free(v->next);
    v->next = malloc(cap + 1);
    if (!v->next)
        return hw_jlex_fail(L, "out of memory");
    if (hw_jlex_string(L, v->next, cap, &n, &fl) < 0)
        return -1;
    if (fl & HW_JSTR_NUL)
        v->bad = 1;
    if (n == 0) { /* an empty token ends the query, as no token does */
        free(v->next);
        v->next = NULL;
    }
    return 0;
}

/* 0 when body is one JSON object, with *next its NextToken (malloc'd) or
 * NULL; -1 when it is not. */
static int envelope(const char *body, size_t len, char **next)
{
    hw_jlex L;
    struct env v = { NULL, 0 };
    hw_jlex_init(&L, body, len);
    hw_jlex_ws(&L);
    int rc = L.p < L.end && *L.p == '{' ? hw_jlex_container(&L, env_member, &v) : -1;
    if (rc == 0)
        hw_jlex_ws(&L);
    if (rc != 0 || L.p != L.end || v.bad) {
        free(v.next);
        return -1;
    }
    *next = v.next;
    return 0;
}

int hw_scan_page(hw_ingest *in, const char *key, const char *body, size_t len, const char *prev,
                 char **next)
{
    *next = NULL;
    /* the envelope for NextToken and a validity check: one object and
     * nothing after it but white space (a body with more, two responses
     * run together or a damaged one, is no page, and the reader, which
     * resynchronises, would take findings out of the rest); the findings
     * are framed out of the same bytes below, each stored as sent */
    if (envelope(body, len, next) != 0)
        return HW_SCAN_PAGE_MALFORMED;
    if (*next && prev && strcmp(*next, prev) == 0) {
        /* a server that pages in place would be followed for ever */
        free(*next);
        *next = NULL;
        return HW_SCAN_PAGE_REPEAT;
    }
    in->source = key;
    in->max_updated = 0;
    hw_err pe;
    hw_err_clear(&pe);
    if (hw_reader_mem(key, body, len, hw_ingest_take, hw_ingest_reader_cb, in, &pe) != HW_OK)
        hw_warn("%s", pe.msg);
    return HW_SCAN_PAGE_OK;
}

static void on_page(void *arg, int rc, char *body, size_t len, const hw_aws_error *err,
                    const hw_err *e)
{
    struct cbarg *cb = arg;
    struct run *r = cb->r;
    struct source *s = &r->src[cb->idx];
    free(cb);
    s->inflight = 0;
    r->api_calls += (size_t)err->attempts;
    if (rc != HW_OK) {
        source_failed(r, s, e->msg);
        return;
    }
    hw_ingest *in = r->in;
    char *next = NULL;
    int pr = hw_scan_page(in, s->key, body, len, s->token, &next);
    free(body);
    if (pr == HW_SCAN_PAGE_MALFORMED) {
        /* a malformed page is asked for again, twice at most */
        if (++s->malformed > 2)
            source_failed(r, s, "securityhub GetFindings: malformed responses");
        else
            hw_warn("%s: a malformed GetFindings page; asking again", s->key);
        return;
    }
    if (pr == HW_SCAN_PAGE_REPEAT) {
        source_failed(r, s, "securityhub GetFindings: the same NextToken came back twice");
        return;
    }
    if (in->max_updated > s->newest)
        s->newest = in->max_updated;
    s->pages++;
    s->malformed = 0;
    free(s->token);
    s->token = next;
    hw_progress("scan: %zu findings, %zu of %zu sources done", in->stats.seen, r->ended, r->nsrc);
    if (in->failed) {
        r->stop = 1; /* the store failed: keep what is committed, stop */
        source_failed(r, s, in->err.msg);
        return;
    }
    if (!s->token && ++s->kind_idx >= s->nkinds)
        source_complete(r, s);
}

/* Queues the source's next page when its token bucket allows; returns the
 * milliseconds until it will, or 0. */
static int64_t next_page(struct run *r, size_t idx)
{
    struct source *s = &r->src[idx];
    int64_t wait = hw_bucket_take(&s->bucket, hw_monotonic_ms());
    if (wait > 0)
        return wait;
    const hw_scan_opts *o = r->o;
    int kind = s->kinds[s->kind_idx];
    cJSON *req = hw_scan_request((const char *const *)o->products, o->nproducts, kind,
                                 kind == HW_QUERY_ACTIVE ? 0 : s->since, r->now, o->page_size);
    if (req && s->token)
        cJSON_AddStringToObject(req, "NextToken", s->token);
    struct cbarg *cb = malloc(sizeof *cb);
    hw_err e;
    hw_err_clear(&e);
    hw_aws_ctx ctx = { s->region, s->assume ? s->account : NULL };
    if (!req || !cb) {
        free(cb);
        source_failed(r, s, "out of memory");
    } else {
        cb->r = r;
        cb->idx = idx;
        hw_log_context saved; /* the request's lines are about this source */
        log_about(&saved, s->account, s->region);
        int qrc = hw_aws_multi_rest_json(r->mu, &ctx, &hw_svc_securityhub, "GetFindings", "POST",
                                         "/findings", req, on_page, cb, &e);
        hw_log_context_restore(&saved);
        if (qrc == HW_OK) {
            s->inflight = 1;
        } else {
            free(cb);
            source_failed(r, s, e.msg);
        }
    }
    cJSON_Delete(req);
    return 0;
}

/* Plans the source's queries (see filters.c). */
static void plan(const hw_scan_opts *o, struct source *s)
{
    /* the watermark is in milliseconds, the query in whole seconds: round
     * down, so that the watermark's own second is asked for again */
    s->since = s->watermark >= 0 ? hw_ms_to_s(s->watermark) - o->overlap_s : 0;
    if (s->since < 0)
        s->since = 0;
    if (!o->full && s->watermark >= 0) {
        s->kinds[0] = HW_QUERY_CHANGED_SINCE;
        s->nkinds = 1;
    } else {
        s->kinds[0] = HW_QUERY_ACTIVE;
        s->nkinds = 1;
        if (s->watermark >= 0)
            s->kinds[s->nkinds++] = HW_QUERY_ARCHIVED_SINCE;
    }
    /* one token less than the server's burst: a cushion that absorbs
     * network jitter, so that the steady 3/s never trips the limit */
    hw_bucket_init(&s->bucket, o->rate, o->burst > 1 ? o->burst - 1 : 1, hw_monotonic_ms());
}

static void check_one_batch(struct run *r, size_t idx);

/* The roles go out on the same queue as the pages, so that they are
 * assumed many at once and each source starts as soon as its own is in:
 * one AssumeRole per account (its regions wait for it, then use the
 * cache). */
struct assume_arg {
    struct run *r;
    char account[16];
};

static void on_assumed(void *arg, int rc, char *body, size_t len, const hw_aws_error *err,
                       const hw_err *e)
{
    (void)len;
    struct assume_arg *a = arg;
    struct run *r = a->r;
    free(body);
    r->api_calls += (size_t)err->attempts;
    r->assumes++;
    for (size_t i = 0; i < r->nsrc; i++) {
        struct source *s = &r->src[i];
        if (!s->assuming || strcmp(s->account, a->account) != 0)
            continue;
        s->assuming = 0;
        s->assumed = 1;
        if (rc != HW_OK)
            source_failed(r, s, e->msg);
    }
    free(a);
}

/* Queues the AssumeRole of the source's account, or takes the cached
 * role. */
static void assume(struct run *r, struct source *s)
{
    if (hw_aws_assumed(r->client, s->account, r->o->role_name)) {
        s->assumed = 1;
        return;
    }
    for (size_t i = 0; i < r->nsrc; i++)
        if (r->src[i].assuming && strcmp(r->src[i].account, s->account) == 0) {
            s->assuming = 1; /* another region of the account asked already */
            return;
        }
    hw_err ae;
    hw_err_clear(&ae);
    struct assume_arg *a = malloc(sizeof *a);
    int rc = a ? HW_OK : hw_err_set(&ae, HW_ENOMEM, "out of memory");
    if (a) {
        a->r = r;
        snprintf(a->account, sizeof a->account, "%s", s->account);
        rc = hw_aws_multi_assume(r->mu, s->account, r->o->role_name, r->o->external_id,
                                 on_assumed, a, &ae);
        if (rc != HW_OK)
            free(a);
    }
    if (rc == HW_OK)
        s->assuming = 1;
    else {
        s->assumed = 1;
        source_failed(r, s, ae.msg);
    }
}

/* Pulls every source: pages go out through the multi handle, at most
 * max_concurrency at once, each source at its own rate; the control
 * checks of the sources already pulled fill the room the pages leave. */
static void pull_all(struct run *r)
{
    while ((r->ended < r->nsrc || r->checks_open > 0) && !r->stop) {
        int64_t wake = 200;
        for (size_t i = 0; i < r->nsrc && hw_aws_multi_room(r->mu) > 0; i++) {
            struct source *s = &r->src[i];
            if (s->done || s->inflight || s->assuming)
                continue;
            if (!s->assumed) {
                assume(r, s);
                if (!s->assumed)
                    continue;
                if (s->done)
                    continue; /* refused */
            }
            int64_t w = next_page(r, i);
            if (w > 0 && w < wake)
                wake = w;
        }
        for (size_t i = 0; i < r->nsrc && hw_aws_multi_room(r->mu) > 0; i++) {
            struct source *s = &r->src[i];
            while (s->done && !s->failed && s->check_due && !s->check_done &&
                   s->check_next < r->nids && hw_aws_multi_room(r->mu) > 0)
                check_one_batch(r, i);
        }
        hw_aws_multi_run(r->mu, wake);
    }
}

/* ------------------------------------------------------ control checks */

static int include_account(const hw_scan_opts *o, const char *id);

struct disabled {
    const hw_catalog *cat;
    const char **ids; /* catalogue-owned strings, cap of them */
    size_t n, cap;
};

static int on_control(void *arg, const char *id, int enabled)
{
    struct disabled *d = arg;
    const hw_control *c = hw_catalog_control(d->cat, id);
    if (enabled || !c)
        return 0; /* only ids we asked about are kept, never the server's strings */
    for (size_t i = 0; i < d->n; i++)
        if (d->ids[i] == c->id)
            return 0; /* named twice */
    if (d->n < d->cap)
        d->ids[d->n++] = c->id;
    return 0;
}

struct check_arg {
    struct run *r;
    size_t idx;
};

static void on_check(void *arg, int rc, char *body, size_t len, const hw_aws_error *err,
                     const hw_err *e)
{
    struct check_arg *cb = arg;
    struct run *r = cb->r;
    struct source *s = &r->src[cb->idx];
    free(cb);
    s->check_pending--;
    r->api_calls += (size_t)err->attempts;
    hw_err pe;
    hw_err_clear(&pe);
    if (rc != HW_OK) {
        snprintf(pe.msg, sizeof pe.msg, "%s", e->msg);
        rc = e->kind ? e->kind : HW_EAWS;
    } else {
        cJSON *resp = cJSON_ParseWithLength(body, len);
        struct disabled d = { r->o->catalog, s->off, s->noff, r->nids };
        rc = resp ? hw_aws_security_control_read(resp, on_control, &d, &pe)
                  : hw_err_set(&pe, HW_EAWS, "securityhub BatchGetSecurityControls: a response "
                                             "that is not JSON");
        s->noff = d.n;
        cJSON_Delete(resp);
    }
    free(body);
    if (rc != HW_OK && !s->check_failed) {
        s->check_failed = 1;
        snprintf(s->check_error, sizeof s->check_error, "%s", pe.msg);
    }
    if (s->check_failed)
        s->check_next = r->nids; /* nothing more is sent */
    if (s->check_pending == 0 && s->check_next >= r->nids)
        check_finish(r, s);
}

/* Sends the source's next batch of control ids. */
static void check_one_batch(struct run *r, size_t idx)
{
    struct source *s = &r->src[idx];
    size_t at = s->check_next, k = r->nids - at < 100 ? r->nids - at : 100;
    s->check_next += k;
    hw_err e;
    hw_err_clear(&e);
    if (!s->off)
        s->off = malloc(r->nids * sizeof *s->off);
    cJSON *req = s->off ? hw_aws_security_control_request(r->ids + at, k) : NULL;
    struct check_arg *cb = req ? malloc(sizeof *cb) : NULL;
    hw_aws_ctx ctx = { s->region, s->assume ? s->account : NULL };
    int rc = HW_ENOMEM;
    if (cb) {
        cb->r = r;
        cb->idx = idx;
        rc = hw_aws_multi_rest_json(r->mu, &ctx, &hw_svc_securityhub, "BatchGetSecurityControls",
                                    "POST", "/securityControls/batchGet", req, on_check, cb, &e);
        if (rc != HW_OK)
            free(cb);
    }
    cJSON_Delete(req);
    if (rc == HW_OK) {
        s->check_pending++;
        return;
    }
    s->check_failed = 1;
    snprintf(s->check_error, sizeof s->check_error, "%s", e.msg[0] ? e.msg : "out of memory");
    s->check_next = r->nids;
    if (s->check_pending == 0)
        check_finish(r, s);
}

/* Whether the account-region's control check is due: scan.control_check_hours. */
static int check_due(struct run *r, const char *account, const char *region, const char *key)
{
    hw_err e;
    hw_err_clear(&e);
    int64_t last = -1;
    if (hw_store_control_checked_at(r->st, account, region, &last, &e) != HW_OK) {
        hw_warn("%s: %s", key, e.msg);
        return 0;
    }
    /* enablement rarely changes: asking every night would make a nightly
     * run's calls grow with the Organization, not with what changed */
    return r->o->full || last < 0 || r->now - last >= (int64_t)r->o->control_check_hours * 3600;
}

/* Records one account-region's disabled controls. */
static void check_record(struct run *r, const char *account, const char *region, const char *key,
                         const char **off, size_t n)
{
    hw_err e;
    hw_err_clear(&e);
    if (hw_store_begin(r->st, &e) != HW_OK ||
        hw_store_control_check(r->st, account, region, off, n, r->run_id, &e) != HW_OK ||
        hw_store_commit(r->st, &e) != HW_OK) {
        hw_store_rollback(r->st);
        hw_warn("%s: %s", key, e.msg);
        return;
    }
    if (n)
        hw_info("%s: %zu control%s disabled", key, n, n == 1 ? "" : "s");
}

/* Asks one account-region which of ids are disabled and records it. */
static void check_one_at(struct run *r, hw_aws_client *c, const char *const *ids, const char **off,
                         const char *account, const char *region, int assume, const char *key)
{
    const hw_catalog *cat = r->o->catalog;
    hw_aws_ctx ctx = { region, assume ? account : NULL };
    struct disabled d = { cat, off, 0, cat->ncontrols };
    hw_err e;
    hw_err_clear(&e);
    if (!check_due(r, account, region, key))
        return;
    int rc = hw_aws_security_control_status(c, &ctx, ids, cat->ncontrols, on_control, &d, &e);
    r->api_calls += (cat->ncontrols + 99) / 100;
    if (rc != HW_OK) {
        hw_warn("%s: cannot read which controls are enabled (%s); controls without findings "
                "there are judged by inference",
                key, e.msg);
        return;
    }
    check_record(r, account, region, key, off, d.n);
}

static void check_one(struct run *r, hw_aws_client *c, const char *const *ids, const char **off,
                      const char *account, const char *region, int assume, const char *key)
{
    hw_log_context saved;
    log_about(&saved, account, region);
    check_one_at(r, c, ids, off, account, region, assume, key);
    hw_log_context_restore(&saved);
}

/*
 * Records which controls are switched off in each source that completed.
 * Security Hub answers for the account and region a call is made in: the
 * aggregator's own in aggregator mode, every account's in assume-role
 * mode.  With scan.member_controls, aggregator mode also assumes the role
 * into each member for the aggregation region and organization.regions.
 * A refusal leaves that account-region to the inference of eval.h, with a
 * warning.
 */
static void check_controls(struct run *r, hw_aws_client *c, const hw_aws_account *accts,
                           size_t naccts, const char *me)
{
    const hw_scan_opts *o = r->o;
    const hw_catalog *cat = o->catalog;
    if (!cat || !cat->ncontrols)
        return;
    const char **ids = malloc(cat->ncontrols * sizeof *ids);
    const char **off = malloc(cat->ncontrols * sizeof *off);
    if (!ids || !off) {
        free(ids);
        free(off);
        hw_warn("out of memory: controls' enablement not checked");
        return;
    }
    for (size_t i = 0; i < cat->ncontrols; i++)
        ids[i] = cat->controls[i].id;
    /* the sources' own checks went out during the pull */
    for (size_t i = 0; i < r->nsrc; i++) {
        struct source *s = &r->src[i];
        if (s->failed || !s->done || !s->check_due || !s->check_done)
            continue;
        if (s->check_failed)
            hw_warn("%s: cannot read which controls are enabled (%s); controls without findings "
                    "there are judged by inference",
                    s->key, s->check_error);
        else
            check_record(r, s->account, s->region, s->key, s->off, s->noff);
    }
    if (o->member_controls && strcmp(o->mode, "aggregator") == 0 && r->nsrc == 1 &&
        !r->src[0].failed) {
        const struct source *agg = &r->src[0];
        for (size_t a = 0; a < naccts; a++) {
            const char *acct = accts[a].id;
            if (strcmp(accts[a].status, "ACTIVE") != 0 || !include_account(o, acct) ||
                strcmp(acct, agg->account) == 0)
                continue;
            int assume = strcmp(acct, me) != 0;
            hw_err ae;
            hw_err_clear(&ae);
            if (assume && hw_aws_assume(c, acct, o->role_name, o->external_id, &ae) != HW_OK) {
                hw_warn("account %s: %s; its controls' enablement is not checked", acct, ae.msg);
                continue;
            }
            for (size_t k = 0; k <= o->nregions; k++) {
                const char *region = k == 0 ? agg->region : o->regions[k - 1];
                if (k > 0 && strcmp(region, agg->region) == 0)
                    continue;
                char key[128];
                snprintf(key, sizeof key, "account:%s:%s", acct, region);
                check_one(r, c, ids, off, acct, region, assume, key);
            }
        }
    }
    free(ids);
    free(off);
}

/* ------------------------------------------------------------ main side */

static int include_account(const hw_scan_opts *o, const char *id)
{
    for (size_t i = 0; i < o->nexclude; i++)
        if (strcmp(o->exclude[i], id) == 0)
            return 0;
    if (!o->ninclude)
        return 1;
    for (size_t i = 0; i < o->ninclude; i++)
        if (strcmp(o->include[i], id) == 0)
            return 1;
    return 0;
}

static int add_source(struct source **v, size_t *n, const char *account, const char *region,
                      int assume, const char *prefix)
{
    struct source *p = realloc(*v, (*n + 1) * sizeof *p);
    if (!p)
        return -1;
    *v = p;
    struct source *s = &p[(*n)++];
    memset(s, 0, sizeof *s);
    snprintf(s->account, sizeof s->account, "%s", account);
    snprintf(s->region, sizeof s->region, "%s", region);
    snprintf(s->key, sizeof s->key, "%s:%s:%s", prefix, account, region);
    s->assume = assume;
    s->watermark = -1;
    return 0;
}

/* Records the Organization; fills org for the trust check. */
static int record_org(hw_store *st, hw_aws_client *c, const char *run_id, hw_orgset *org,
                      hw_scan_result *res, hw_aws_account **accts, size_t *naccts, hw_err *e)
{
    if (hw_aws_org_accounts(c, accts, naccts, e) != HW_OK) {
        const hw_aws_error *ae = hw_aws_last_error(c);
        if (ae->http_status && (strstr(ae->code, "AccessDenied") ||
                                strcmp(ae->code, "AWSOrganizationsNotInUseException") == 0)) {
            hw_warn("cannot list the Organization (%s); using the accounts recorded by earlier "
                    "scans: make this account a delegated administrator for Organizations",
                    ae->code);
            *accts = NULL;
            *naccts = 0;
            hw_err_clear(e);
            return hw_orgset_load(st, org, e);
        }
        return e->kind;
    }
    /* the Organization's own id, for reports */
    hw_aws_org o;
    int have_org = hw_aws_org_describe(c, &o, e) == HW_OK;
    if (!have_org) {
        const hw_aws_error *ae = hw_aws_last_error(c);
        if (!ae->http_status || !strstr(ae->code, "AccessDenied"))
            return e->kind;
        hw_warn("cannot read the Organization's id (%s): reports will not name it; allow "
                "organizations:DescribeOrganization", ae->code);
        hw_err_clear(e);
    }
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
    if (have_org && hw_store_organization_set(st, o.id, o.arn, o.management_account, run_id, e) !=
                        HW_OK) {
        hw_store_rollback(st);
        return e->kind;
    }
    if (hw_store_accounts_reset_membership(st, e) != HW_OK) {
        hw_store_rollback(st);
        return e->kind;
    }
    for (size_t i = 0; i < *naccts; i++) {
        const hw_aws_account *a = &(*accts)[i];
        hw_account_row row = { a->id, a->name, a->email, a->status, a->ou_path, a->ou_names, 1 };
        if (hw_store_account_upsert(st, &row, run_id, e) != HW_OK) {
            hw_store_rollback(st);
            return e->kind;
        }
        if (strcmp(a->status, "ACTIVE") != 0) {
            res->accounts_skipped++;
            hw_info("account %s (%s) is %s: skipped", a->id, a->name, a->status);
        } else {
            res->accounts++;
        }
    }
    if (hw_store_commit(st, e) != HW_OK)
        return e->kind;
    return hw_orgset_load(st, org, e);
}

int hw_scan_run(hw_store *st, const hw_scan_opts *o, const char *run_id, hw_scan_result *res,
                hw_err *e)
{
    memset(res, 0, sizeof *res);
    hw_aws_client *c = NULL;
    hw_orgset org;
    memset(&org, 0, sizeof org);
    hw_aws_account *accts = NULL;
    size_t naccts = 0;
    struct source *src = NULL;
    size_t nsrc = 0;
    int rc = hw_aws_client_new(o->aws, &c, e);
    if (rc != HW_OK)
        return rc;
    hw_aws_identity me;
    if ((rc = hw_aws_get_caller_identity(c, NULL, &me, e)) != HW_OK)
        goto out;
    hw_info("scanning as %s", me.arn);
    if ((rc = record_org(st, c, run_id, &org, res, &accts, &naccts, e)) != HW_OK)
        goto out;
    const char *home = hw_aws_client_region(c);
    if (strcmp(o->mode, "aggregator") == 0) {
        const char *acct = o->aggregator_account && *o->aggregator_account ? o->aggregator_account
                                                                            : me.account;
        const char *region = o->aggregator_region && *o->aggregator_region ? o->aggregator_region
                                                                            : home;
        if (add_source(&src, &nsrc, acct, region, strcmp(acct, me.account) != 0, "aggregator") < 0)
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    } else {
        for (size_t i = 0; i < naccts && rc == HW_OK; i++) {
            if (strcmp(accts[i].status, "ACTIVE") != 0 || !include_account(o, accts[i].id))
                continue;
            for (size_t r = 0; r < o->nregions && rc == HW_OK; r++)
                if (add_source(&src, &nsrc, accts[i].id, o->regions[r],
                               strcmp(accts[i].id, me.account) != 0, "account") < 0)
                    rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        }
        if (rc == HW_OK && nsrc == 0)
            rc = hw_err_set(e, HW_EINVAL, "assume-role mode: no active account of the Organization "
                                          "to scan (check organization.include_accounts)");
    }
    if (rc != HW_OK)
        goto out;
    for (size_t i = 0; i < nsrc; i++)
        if ((rc = hw_store_watermark_get(st, src[i].key, &src[i].watermark, e)) != HW_OK)
            goto out;

    hw_store_sink sink = { .store = st, .run_id = run_id, .batch_size = 5000 };
    hw_ingest in;
    hw_ingest_init(&in, &org, hw_sink_store, &sink);
    in.catalog = o->catalog;
    struct run r = { o, st, run_id, src, nsrc, 0, NULL, &in, &sink, 0, hw_now(), 0, NULL, 0, 0,
                     c, 0 };
    /* the control checks due (sent as each source's findings are in) */
    const hw_catalog *cat = o->catalog;
    if (cat && cat->ncontrols && (r.ids = malloc(cat->ncontrols * sizeof *r.ids)) != NULL) {
        r.nids = cat->ncontrols;
        for (size_t i = 0; i < r.nids; i++)
            r.ids[i] = cat->controls[i].id;
        for (size_t i = 0; i < nsrc; i++)
            if ((src[i].check_due = check_due(&r, src[i].account, src[i].region, src[i].key)))
                r.checks_open++;
    }
    if ((rc = hw_aws_multi_new(c, o->max_concurrency, &r.mu, e)) != HW_OK) {
        hw_ingest_free(&in);
        goto out;
    }
    /* roles are assumed as each source starts (a refusal fails that
     * source only) */
    for (size_t i = 0; i < nsrc; i++) {
        plan(o, &src[i]);
        src[i].assumed = !src[i].assume;
    }
    int64_t t1 = hw_monotonic_ms();
    pull_all(&r);
    hw_progress_done();
    int64_t t2 = hw_monotonic_ms();
    hw_info("scan: pulled %zu sources in %lld ms (%zu AssumeRole on the same queue)", nsrc,
            (long long)(t2 - t1), r.assumes);
    /* what failed sources delivered before they failed is kept: the last
     * batch; a commit that fails fails the scan */
    int committed = 0;
    if (in.failed)
        hw_sink_abort(&sink);
    else if (hw_sink_commit(&sink, e) == HW_OK)
        committed = 1;
    if (committed) {
        int64_t t3 = hw_monotonic_ms();
        check_controls(&r, c, accts, naccts, me.account);
        hw_info("scan: control checks in %lld ms", (long long)(hw_monotonic_ms() - t3));
    }
    /* cancels what is still queued (a stop): each callback frees its own */
    hw_aws_multi_free(r.mu);
    res->stats = in.stats;
    hw_sink_counts(&sink, &res->stats); /* what was committed, not attempted */
    res->sources = nsrc;
    res->api_calls = r.api_calls;
    for (size_t i = 0; i < nsrc; i++) {
        res->pages += src[i].pages;
        if (src[i].failed || !src[i].done) {
            res->sources_failed++;
            size_t n = strlen(res->failed);
            snprintf(res->failed + n, sizeof res->failed - n, "%s%s: %s", n ? "; " : "",
                     src[i].key, src[i].failed ? src[i].error : "not finished");
        }
        free(src[i].token);
        free(src[i].off);
    }
    free(r.ids);
    if (in.failed)
        rc = hw_err_set(e, in.err.kind, "%s", in.err.msg);
    else if (!committed)
        rc = e->kind; /* the last batch's commit */
    else if (res->sources_failed == nsrc)
        rc = hw_err_set(e, HW_EAWS, "every source failed; first: %s: %s", src[0].key, src[0].error);
    hw_ingest_free(&in);
out:
    free(src);
    free(accts);
    hw_orgset_free(&org);
    hw_aws_client_free(c);
    return rc;
}
