/*
 * multi.c - many AWS requests at once on one libcurl multi handle.
 *
 * Requests are queued with their own credentials and region; at most
 * max_inflight run at a time, sharing the multi handle's connection cache.
 * A failed attempt that may be retried is parked until its backoff has
 * passed (no thread sleeps while others wait), then sent again, re-signed
 * by libcurl with a fresh date.  Completion callbacks run on the caller's
 * thread, inside hw_aws_multi_run(); every queued request gets exactly one
 * call, also one that cannot be started (libcurl refuses the handle) and
 * one still queued when the queue is freed (cancelled), so that its
 * argument is always released.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

struct mreq {
    struct mreq *next;
    CURL *h;
    int active;
    int attempt;
    int64_t due_ms;
    const hw_aws_service *svc;
    char operation[64];
    char *url;
    char *body;
    struct curl_slist *req_headers; /* the request's own */
    struct curl_slist *hdrs;        /* as set on the handle for one attempt */
    hw_aws_creds creds;
    int refreshed;      /* times fresh credentials were fetched for it */
    char sign_region[64];
    char account[16];   /* the context's ("": the base credentials), for the
                         * log lines and for fresh credentials */
    hw_log_context log; /* the log context when queued, with ctx's account and region */
    int64_t start_ms;
    struct http_request rq;
    struct http_result res;
    char errbuf[CURL_ERROR_SIZE];
    hw_aws_done_cb cb;
    void *arg;
};

struct hw_aws_multi {
    hw_aws_client *c;
    CURLM *m;
    int max_inflight;
    int inflight;
    struct mreq *head;
    size_t pending;
};

CURLMcode (*aws_multi_add_handle)(CURLM *m, CURL *h) = curl_multi_add_handle;

int hw_aws_multi_new(hw_aws_client *c, int max_inflight, hw_aws_multi **out, hw_err *e)
{
    *out = NULL;
    hw_aws_multi *mu = calloc(1, sizeof *mu);
    if (!mu)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    mu->c = c;
    mu->m = curl_multi_init();
    mu->max_inflight = max_inflight > 0 ? max_inflight : 1;
    if (!mu->m) {
        free(mu);
        return hw_err_set(e, HW_ENOMEM, "libcurl: cannot create a multi handle");
    }
    curl_multi_setopt(mu->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)mu->max_inflight);
    *out = mu;
    return HW_OK;
}

static void req_free(struct mreq *r)
{
    if (r->h)
        curl_easy_cleanup(r->h);
    curl_slist_free_all(r->hdrs);
    curl_slist_free_all(r->req_headers);
    http_result_free(&r->res);
    free(r->url);
    free(r->body);
    memset(&r->creds, 0, sizeof r->creds);
    free(r);
}

/* Ends r without a response: its callback hears why (kind, msg), then r
 * is freed.  r must be unlinked already. */
static void fail_req(struct mreq *r, int kind, const char *msg)
{
    hw_aws_error err;
    memset(&err, 0, sizeof err);
    snprintf(err.service, sizeof err.service, "%s", r->svc->name);
    snprintf(err.operation, sizeof err.operation, "%s", r->operation);
    snprintf(err.message, sizeof err.message, "%s", msg);
    err.attempts = r->attempt;
    hw_err e;
    hw_err_set(&e, kind, "%s %s: %s", err.service, err.operation, msg);
    r->cb(r->arg, kind, NULL, 0, &err, &e);
    req_free(r);
}

void hw_aws_multi_free(hw_aws_multi *mu)
{
    if (!mu)
        return;
    /* unlink all first: a callback may look at the queue (pending, room) */
    struct mreq *r = mu->head;
    mu->head = NULL;
    mu->pending = 0;
    while (r) {
        struct mreq *n = r->next;
        if (r->active)
            curl_multi_remove_handle(mu->m, r->h);
        fail_req(r, HW_EINTERNAL, "cancelled: the request queue was freed before it completed");
        r = n;
    }
    curl_multi_cleanup(mu->m);
    free(mu);
}

size_t hw_aws_multi_pending(const hw_aws_multi *mu)
{
    return mu->pending;
}

size_t hw_aws_multi_room(const hw_aws_multi *mu)
{
    size_t queued = mu->pending;
    return queued >= (size_t)mu->max_inflight ? 0 : (size_t)mu->max_inflight - queued;
}

/* Queues one request: url and body (malloc'd) become the queue's, also
 * on failure.  account: whose credentials cr are (NULL: the base ones),
 * so that credentials refused as expired can be fetched again. */
static int queue_req(hw_aws_multi *mu, const hw_aws_service *svc, const char *operation,
                     const char *method, char *url, char *body, const char *ctype,
                     const hw_aws_creds *cr, const char *account, const char *region,
                     hw_aws_done_cb cb, void *arg, hw_err *e)
{
    struct mreq *r = calloc(1, sizeof *r);
    if (!r) {
        free(url);
        free(body);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    r->url = url;
    r->body = body;
    r->req_headers = curl_slist_append(NULL, ctype);
    r->h = curl_easy_init();
    http_result_init(&r->res);
    if (!r->url || !r->req_headers || !r->h) {
        req_free(r);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    r->creds = *cr;
    snprintf(r->sign_region, sizeof r->sign_region, "%s", aws_sign_region(svc, region));
    snprintf(r->operation, sizeof r->operation, "%s", operation);
    snprintf(r->account, sizeof r->account, "%s", account ? account : "");
    hw_log_context_save(&r->log);
    if (r->account[0])
        snprintf(r->log.account, sizeof r->log.account, "%s", r->account);
    snprintf(r->log.region, sizeof r->log.region, "%s", region ? region : "");
    r->svc = svc;
    r->cb = cb;
    r->arg = arg;
    r->due_ms = hw_monotonic_ms();
    struct http_request rq = { method, r->url, r->body, r->body ? strlen(r->body) : 0,
                               r->req_headers, &r->creds, r->sign_region, svc->signing_name, 0,
                               r->log.account };
    r->rq = rq;
    r->start_ms = r->due_ms;
    /* append, so that requests start in the order they were queued */
    struct mreq **tail = &mu->head;
    while (*tail)
        tail = &(*tail)->next;
    *tail = r;
    mu->pending++;
    return HW_OK;
}

int hw_aws_multi_rest_json(hw_aws_multi *mu, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                           const char *operation, const char *method, const char *path,
                           const cJSON *req, hw_aws_done_cb cb, void *arg, hw_err *e)
{
    const hw_aws_creds *cr;
    const char *region = NULL;
    char *base;
    if (aws_target(mu->c, ctx, svc, &cr, &region, &base, e) != HW_OK)
        return e->kind;
    char *url = hw_asprintf("%s%s", base, path);
    free(base);
    char *body = req ? cJSON_PrintUnformatted(req) : NULL;
    if (req && !body) {
        free(url);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    return queue_req(mu, svc, operation, method, url, body, "Content-Type: application/json", cr,
                     ctx ? ctx->account : NULL, region, cb, arg, e);
}

/* ------------------------------------------------------ assumed roles */

struct assume_arg {
    hw_aws_client *c;
    char account[16], role_name[128], external_id[256];
    hw_aws_done_cb cb;
    void *arg;
};

static void assume_done(void *arg, int rc, char *body, size_t len, const hw_aws_error *err,
                        const hw_err *e)
{
    struct assume_arg *a = arg;
    hw_err pe;
    hw_err_clear(&pe);
    if (rc != HW_OK) {
        a->cb(a->arg, rc, NULL, 0, err, e);
        free(a);
        return;
    }
    xmlDocPtr doc = xmlReadMemory(body, (int)len, "response.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    hw_aws_creds cr;
    rc = doc ? aws_sts_parse_creds(doc, &cr, &pe)
             : hw_err_set(&pe, HW_EAWS, "sts AssumeRole: the response is not XML");
    xmlFreeDoc(doc);
    free(body);
    if (rc == HW_OK) {
        aws_protect(&cr);
        rc = aws_assumed_put(a->c, a->account, a->role_name, a->external_id, &cr, &pe);
        memset(&cr, 0, sizeof cr);
    }
    a->cb(a->arg, rc, NULL, 0, err, &pe);
    free(a);
}

int hw_aws_multi_assume(hw_aws_multi *mu, const char *account, const char *role_name,
                        const char *external_id, hw_aws_done_cb cb, void *arg, hw_err *e)
{
    hw_aws_client *c = mu->c;
    const hw_aws_creds *base;
    if (aws_ctx_creds(c, NULL, &base, e) != HW_OK)
        return e->kind;
    char arn[256];
    snprintf(arn, sizeof arn, "arn:%s:iam::%s:role/%s", hw_aws_partition(c->region), account,
             role_name);
    hw_aws_param p[] = { { "Action", "AssumeRole" },
                         { "Version", hw_svc_sts.api_version },
                         { "RoleArn", arn },
                         { "RoleSessionName", c->opt.session_name ? c->opt.session_name
                                                                  : "hubwarden" },
                         { "DurationSeconds", "3600" },
                         { "ExternalId", external_id } };
    size_t n = external_id && *external_id ? 6 : 5;
    hw_buf body = HW_BUF_INIT(0);
    char *url = NULL;
    if (hw_aws_canonical_query(p, n, &body) != 0) {
        hw_buf_free(&body);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    if (aws_base_url(c, &hw_svc_sts, c->region, &url, e) != HW_OK) {
        hw_buf_free(&body);
        return e->kind;
    }
    char *slash = hw_asprintf("%s/", url);
    free(url);
    struct assume_arg *a = calloc(1, sizeof *a);
    size_t blen;
    char *b = hw_buf_detach(&body, &blen);
    if (!a || !slash || !b) {
        free(a);
        free(slash);
        free(b);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    a->c = c;
    snprintf(a->account, sizeof a->account, "%s", account);
    snprintf(a->role_name, sizeof a->role_name, "%s", role_name);
    snprintf(a->external_id, sizeof a->external_id, "%s", external_id ? external_id : "");
    a->cb = cb;
    a->arg = arg;
    int rc = queue_req(mu, &hw_svc_sts, "AssumeRole", "POST", slash, b,
                       "Content-Type: application/x-www-form-urlencoded; charset=utf-8", base, NULL,
                       c->region, assume_done, a, e);
    if (rc != HW_OK)
        free(a);
    return rc;
}

static void unlink_req(hw_aws_multi *mu, struct mreq *r)
{
    for (struct mreq **p = &mu->head; *p; p = &(*p)->next)
        if (*p == r) {
            *p = r->next;
            break;
        }
    mu->pending--;
}

/* Starts what is due; returns how many requests libcurl refused (each
 * failed through its callback: a refusal is out of memory or a bug, and
 * trying again at once would spin for ever). */
static int start_due(hw_aws_multi *mu, int64_t now)
{
    int refused = 0;
    struct mreq *next;
    for (struct mreq *r = mu->head; r && mu->inflight < mu->max_inflight; r = next) {
        next = r->next;
        if (r->active || r->due_ms > now)
            continue;
        curl_easy_reset(r->h);
        curl_slist_free_all(r->hdrs);
        r->hdrs = NULL;
        aws_http_setup(mu->c, r->h, &r->rq, &r->res, &r->hdrs, r->errbuf);
        curl_easy_setopt(r->h, CURLOPT_PRIVATE, r);
        r->attempt++;
        CURLMcode mc = aws_multi_add_handle(mu->m, r->h);
        if (mc == CURLM_OK) {
            r->active = 1;
            mu->inflight++;
            continue;
        }
        char msg[160];
        snprintf(msg, sizeof msg, "libcurl cannot start the request: %s", curl_multi_strerror(mc));
        unlink_req(mu, r);
        fail_req(r, mc == CURLM_OUT_OF_MEMORY ? HW_ENOMEM : HW_EINTERNAL, msg);
        refused++;
    }
    return refused;
}

static void complete(hw_aws_multi *mu, struct mreq *r, CURLcode cc)
{
    curl_multi_remove_handle(mu->m, r->h);
    r->active = 0;
    mu->inflight--;
    int rc = aws_http_finish(r->h, cc, r->errbuf, &r->res);
    hw_aws_error err;
    int64_t wait = 0;
    /* the lines logged for this request, and by its callback, carry the
     * log context it was queued in: its account and region */
    hw_log_context saved;
    hw_log_context_save(&saved);
    hw_log_context_restore(&r->log);
    int v = aws_http_judge(mu->c, r->svc, r->operation, r->svc->protocol, rc, &r->res, r->attempt,
                           &err, &wait);
    if (v > 0) {
        r->due_ms = hw_monotonic_ms() + wait;
        hw_log_context_restore(&saved);
        return;
    }
    aws_http_trace(r->svc, r->operation, &r->rq, &err, v == 0, r->res.status, r->attempt,
                   hw_monotonic_ms() - r->start_ms);
    hw_err e;
    hw_err_clear(&e);
    if (v < 0 && r->refreshed < AWS_RENEW_MAX && aws_expired_code(err.code)) {
        /* the credentials expired early: fetch fresh ones (a blocking
         * AssumeRole on the client's own handle) and send it again */
        hw_aws_ctx ctx = { NULL, r->account[0] ? r->account : NULL };
        const hw_aws_creds *cr;
        r->refreshed++;
        if (aws_creds_renew(mu->c, &ctx, r->creds.access_key_id, &cr)) {
            r->creds = *cr;
            r->due_ms = hw_monotonic_ms();
            hw_log_context_restore(&saved);
            return;
        }
    }
    unlink_req(mu, r);
    if (v == 0) {
        size_t len;
        char *body = hw_buf_detach(&r->res.body, &len);
        r->cb(r->arg, HW_OK, body, len, &err, &e);
    } else {
        aws_http_error(&err, &e);
        r->cb(r->arg, e.kind, NULL, 0, &err, &e);
    }
    req_free(r);
    hw_log_context_restore(&saved);
}

int hw_aws_multi_run(hw_aws_multi *mu, int64_t max_wait_ms)
{
    int64_t now = hw_monotonic_ms();
    int64_t deadline = now + (max_wait_ms > 0 ? max_wait_ms : 0);
    do {
        if (start_due(mu, now))
            return HW_OK; /* a callback ran: let the caller look */
        int running = 0;
        curl_multi_perform(mu->m, &running);
        CURLMsg *msg;
        int left;
        int finished = 0;
        while ((msg = curl_multi_info_read(mu->m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct mreq *r = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
            if (r) {
                complete(mu, r, msg->data.result);
                finished = 1;
            }
        }
        if (finished)
            return HW_OK; /* let the caller queue follow-up requests */
        now = hw_monotonic_ms();
        /* sleep until traffic, a retry comes due, or the deadline */
        int64_t wake = deadline;
        for (struct mreq *r = mu->head; r; r = r->next)
            if (!r->active && r->due_ms < wake)
                wake = r->due_ms;
        int timeout = wake > now ? (int)(wake - now) : 0;
        if (timeout > 1000)
            timeout = 1000;
        if (mu->inflight || timeout > 0)
            curl_multi_poll(mu->m, NULL, 0, timeout, NULL);
        now = hw_monotonic_ms();
    } while (now < deadline && mu->pending);
    return HW_OK;
}
