/*
 * pull.c - `hubwarden scan`: Security Hub findings of the whole
 * Organization into the store.
 *
 * Sources are (account, region) pairs: the aggregator alone, or every
 * active account (role assumed) times every configured region.  Worker
 * threads, at most max_concurrency, each with its own AWS client, page
 * through GetFindings under a client-side token bucket per source (3
 * requests a second, burst 6: Security Hub's own limit, so that the retry
 * layer only sees the throttles that still come) and hand raw pages to the
 * main thread, which alone parses findings and writes the store.  A source
 * that fails keeps what it already delivered but does not move its
 * watermark, so the next run pulls it again.
 */
#include "scan/scan.h"

#include <cJSON.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"
#include "store/store.h"

struct page {
    struct page *next;
    int source;
    char *body; /* NULL: the source ended (ok says how) */
    size_t len;
    int ok;
    char error[1024];
};

struct source {
    char account[16];
    char region[64];
    char key[128];     /* watermark key */
    int assume;        /* assume the role into account */
    int64_t watermark; /* -1: none */
    int64_t newest;
    size_t pages;
    int failed;
    char error[1024];
};

struct shared {
    const hw_scan_opts *opt;
    struct source *src;
    size_t nsrc;
    size_t next_src;
    int64_t now;
    struct page *head, *tail;
    size_t queued;
    pthread_mutex_t mu;
    pthread_cond_t cv_main, cv_room;
    int stop;
    size_t api_calls;
};

static void push(struct shared *sh, struct page *p)
{
    pthread_mutex_lock(&sh->mu);
    while (sh->queued >= 8 && !sh->stop)
        pthread_cond_wait(&sh->cv_room, &sh->mu);
    p->next = NULL;
    if (sh->tail)
        sh->tail->next = p;
    else
        sh->head = p;
    sh->tail = p;
    sh->queued++;
    pthread_cond_signal(&sh->cv_main);
    pthread_mutex_unlock(&sh->mu);
}

static struct page *pop(struct shared *sh)
{
    pthread_mutex_lock(&sh->mu);
    while (!sh->head)
        pthread_cond_wait(&sh->cv_main, &sh->mu);
    struct page *p = sh->head;
    sh->head = p->next;
    if (!sh->head)
        sh->tail = NULL;
    sh->queued--;
    pthread_cond_signal(&sh->cv_room);
    pthread_mutex_unlock(&sh->mu);
    return p;
}

static void source_end(struct shared *sh, int idx, int ok, const char *error)
{
    struct page *p = calloc(1, sizeof *p);
    if (!p)
        return; /* the main thread then waits forever: cannot happen short of OOM */
    p->source = idx;
    p->ok = ok;
    snprintf(p->error, sizeof p->error, "%s", error ? error : "");
    push(sh, p);
}

/* Pulls every page of one query of one source. */
static int pull_query(struct shared *sh, hw_aws_client *c, int idx, const hw_aws_ctx *ctx,
                      int kind, int64_t since, hw_bucket *bucket, hw_err *e)
{
    const hw_scan_opts *o = sh->opt;
    cJSON *req = hw_scan_request((const char *const *)o->products, o->nproducts, kind, since,
                                 sh->now, o->page_size);
    if (!req)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    char *token = NULL;
    int rc = HW_OK;
    do {
        int64_t wait;
        while ((wait = hw_bucket_take(bucket, hw_monotonic_ms())) > 0)
            hw_sleep_ms(wait);
        char *body = NULL, *next = NULL;
        size_t len = 0;
        /* a malformed page (not JSON) is asked for again, twice at most */
        for (int tries = 0; tries < 3; tries++) {
            rc = hw_aws_get_findings_page(c, ctx, req, token, &body, &len, &next, e);
            pthread_mutex_lock(&sh->mu);
            sh->api_calls += (size_t)hw_aws_last_error(c)->attempts;
            pthread_mutex_unlock(&sh->mu);
            if (rc != HW_EAWS || hw_aws_last_error(c)->http_status)
                break;
            hw_warn("%s: a malformed GetFindings page; asking again", sh->src[idx].key);
        }
        free(token);
        token = next;
        if (rc != HW_OK)
            break;
        struct page *p = calloc(1, sizeof *p);
        if (!p) {
            free(body);
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            break;
        }
        p->source = idx;
        p->body = body;
        p->len = len;
        push(sh, p);
    } while (token && !sh->stop);
    free(token);
    cJSON_Delete(req);
    return rc;
}

static int pull_source(struct shared *sh, hw_aws_client *c, int idx, hw_err *e)
{
    const hw_scan_opts *o = sh->opt;
    struct source *s = &sh->src[idx];
    hw_aws_ctx ctx = { s->region, NULL };
    if (s->assume) {
        if (hw_aws_assume(c, s->account, o->role_name, o->external_id, e) != HW_OK)
            return e->kind;
        ctx.account = s->account;
    }
    /* one token less than the server's burst: a cushion that absorbs
     * network jitter, so that the steady 3/s never trips the limit */
    hw_bucket bucket;
    hw_bucket_init(&bucket, o->rate, o->burst > 1 ? o->burst - 1 : 1, hw_monotonic_ms());
    int64_t since = s->watermark >= 0 ? s->watermark - o->overlap_s : 0;
    if (since < 0)
        since = 0;
    if (!o->full && s->watermark >= 0)
        return pull_query(sh, c, idx, &ctx, HW_QUERY_CHANGED_SINCE, since, &bucket, e);
    if (pull_query(sh, c, idx, &ctx, HW_QUERY_ACTIVE, 0, &bucket, e) != HW_OK)
        return e->kind;
    if (s->watermark >= 0)
        return pull_query(sh, c, idx, &ctx, HW_QUERY_ARCHIVED_SINCE, since, &bucket, e);
    return HW_OK;
}

static void *worker(void *arg)
{
    struct shared *sh = arg;
    hw_aws_client *c = NULL;
    hw_err e;
    hw_err_clear(&e);
    int client_rc = hw_aws_client_new(sh->opt->aws, &c, &e);
    for (;;) {
        pthread_mutex_lock(&sh->mu);
        size_t idx = sh->next_src < sh->nsrc && !sh->stop ? sh->next_src++ : (size_t)-1;
        pthread_mutex_unlock(&sh->mu);
        if (idx == (size_t)-1)
            break;
        hw_err_clear(&e);
        int rc = client_rc == HW_OK ? pull_source(sh, c, (int)idx, &e) : client_rc;
        source_end(sh, (int)idx, rc == HW_OK, rc == HW_OK ? NULL : e.msg);
    }
    hw_aws_client_free(c);
    return NULL;
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
    if (hw_store_begin(st, e) != HW_OK)
        return e->kind;
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

    struct shared sh;
    memset(&sh, 0, sizeof sh);
    sh.opt = o;
    sh.src = src;
    sh.nsrc = nsrc;
    sh.now = hw_now();
    pthread_mutex_init(&sh.mu, NULL);
    pthread_cond_init(&sh.cv_main, NULL);
    pthread_cond_init(&sh.cv_room, NULL);
    size_t nworkers = (size_t)(o->max_concurrency > 0 ? o->max_concurrency : 1);
    if (nworkers > nsrc)
        nworkers = nsrc;
    pthread_t *tids = calloc(nworkers, sizeof *tids);
    size_t started = 0;
    for (size_t i = 0; tids && i < nworkers; i++)
        if (pthread_create(&tids[i], NULL, worker, &sh) == 0)
            started++;
    if (!started) {
        rc = hw_err_set(e, HW_EINTERNAL, "cannot start scan threads");
        free(tids);
        goto out;
    }

    hw_store_sink sink = { st, run_id, 5000, 0, 0 };
    hw_ingest in;
    hw_ingest_init(&in, &org, hw_sink_store, &sink);
    hw_json_arena_begin();
    size_t ended = 0;
    while (ended < nsrc) {
        struct page *p = pop(&sh);
        struct source *s = &src[p->source];
        if (p->body) {
            in.source = s->key;
            in.max_updated = 0;
            hw_err pe;
            hw_err_clear(&pe);
            if (hw_reader_mem(s->key, p->body, p->len, hw_ingest_reader_cb, &in, &pe) != HW_OK)
                hw_warn("%s", pe.msg);
            if (in.max_updated > s->newest)
                s->newest = in.max_updated;
            s->pages++;
            hw_progress("scan: %zu findings, %zu of %zu sources done", in.stats.seen, ended, nsrc);
            if (in.failed) {
                /* the store failed: stop everything, keep what is committed */
                pthread_mutex_lock(&sh.mu);
                sh.stop = 1;
                pthread_cond_broadcast(&sh.cv_room);
                pthread_mutex_unlock(&sh.mu);
            }
        } else {
            ended++;
            if (!p->ok || in.failed) {
                s->failed = 1;
                snprintf(s->error, sizeof s->error, "%s", in.failed ? in.err.msg : p->error);
                hw_error("%s: %s", s->key, s->error);
            } else if (hw_sink_commit(&sink, e) == HW_OK) {
                int64_t mark = s->newest > 0 ? s->newest : s->watermark;
                if (mark >= 0 && (hw_store_begin(st, e) != HW_OK ||
                                  hw_store_watermark_set(st, s->key, mark, run_id, e) != HW_OK ||
                                  hw_store_commit(st, e) != HW_OK)) {
                    hw_store_rollback(st);
                    s->failed = 1;
                    snprintf(s->error, sizeof s->error, "%s", e->msg);
                }
            } else {
                s->failed = 1;
                snprintf(s->error, sizeof s->error, "%s", e->msg);
            }
        }
        free(p->body);
        free(p);
    }
    hw_progress_done();
    for (size_t i = 0; i < started; i++)
        pthread_join(tids[i], NULL);
    free(tids);
    while (sh.head) {
        struct page *p = sh.head;
        sh.head = p->next;
        free(p->body);
        free(p);
    }
    if (in.failed)
        hw_sink_abort(&sink);
    else
        hw_sink_commit(&sink, e);
    hw_json_arena_end();
    res->stats = in.stats;
    res->sources = nsrc;
    res->api_calls = sh.api_calls;
    for (size_t i = 0; i < nsrc; i++) {
        res->pages += src[i].pages;
        if (src[i].failed)
            res->sources_failed++;
    }
    if (in.failed)
        rc = hw_err_set(e, in.err.kind, "%s", in.err.msg);
    else if (res->sources_failed == nsrc)
        rc = hw_err_set(e, HW_EAWS, "every source failed; first: %s: %s", src[0].key, src[0].error);
    hw_ingest_free(&in);
    pthread_mutex_destroy(&sh.mu);
    pthread_cond_destroy(&sh.cv_main);
    pthread_cond_destroy(&sh.cv_room);
out:
    free(src);
    free(accts);
    hw_orgset_free(&org);
    hw_aws_client_free(c);
    return rc;
}
