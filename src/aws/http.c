/*
 * http.c - one HTTP exchange on libcurl, signed by libcurl's SigV4, and
 * the retry loop around it.
 *
 * One easy handle per client is reused (curl_easy_reset keeps its
 * connection cache, so keep-alive survives).  Bodies are bounded by
 * HW_AWS_MAX_BODY.  TLS peer and host verification are set explicitly on
 * and never off; AWS_CA_BUNDLE / aws.ca_bundle only names the CA file.
 */
#include "aws/aws_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

void http_result_init(struct http_result *r)
{
    memset(r, 0, sizeof *r);
    hw_buf_init(&r->body, HW_AWS_MAX_BODY);
    r->retry_after = -1;
}

void http_result_free(struct http_result *r)
{
    hw_buf_free(&r->body);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct http_result *r = arg;
    if (hw_buf_append(&r->body, p, size * n) < 0) {
        /* over the limit (or out of memory): curl fails with a write error */
        r->too_big = r->body.len + size * n > HW_AWS_MAX_BODY;
        return 0;
    }
    return size * n;
}

static void header_value(const char *line, size_t len, size_t namelen, char *out, size_t outsz)
{
    const char *v = line + namelen;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t n = (size_t)(end - v);
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, v, n);
    out[n] = '\0';
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct http_result *r = arg;
    size_t len = size * n;
    if (len > 18 && strncasecmp(p, "x-amzn-requestid:", 17) == 0)
        header_value(p, len, 17, r->request_id, sizeof r->request_id);
    else if (len > 18 && strncasecmp(p, "x-amz-request-id:", 17) == 0)
        header_value(p, len, 17, r->request_id, sizeof r->request_id);
    else if (len > 18 && strncasecmp(p, "x-amzn-errortype:", 17) == 0)
        header_value(p, len, 17, r->error_type, sizeof r->error_type);
    else if (len > 12 && strncasecmp(p, "retry-after:", 12) == 0) {
        char v[32];
        header_value(p, len, 12, v, sizeof v);
        char *end;
        long s = strtol(v, &end, 10);
        if (end != v && *end == '\0' && s >= 0 && s < 3600)
            r->retry_after = s;
    }
    return len;
}

/* Sets every option of one request on h; *hdrs_out must be freed after
 * the transfer.  errbuf: CURL_ERROR_SIZE bytes owned by the caller. */
void aws_http_setup(hw_aws_client *c, CURL *h, const struct http_request *rq,
                    struct http_result *res, struct curl_slist **hdrs_out, char *errbuf)
{
    hw_buf_reset(&res->body);
    res->status = 0;
    res->request_id[0] = res->error_type[0] = '\0';
    res->retry_after = -1;
    res->transport = 0;
    res->too_big = 0;
    res->transport_msg[0] = '\0';
    errbuf[0] = '\0';

    char ua[64], sigv4[160];
    snprintf(ua, sizeof ua, "hubwarden/%s", HW_VERSION);
    curl_easy_setopt(h, CURLOPT_URL, rq->url);
    curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->opt.ca_bundle)
        curl_easy_setopt(h, CURLOPT_CAINFO, c->opt.ca_bundle);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opt.connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, rq->timeout_ms ? rq->timeout_ms : c->opt.timeout_ms);
    /* a declared Content-Length over the cap fails before any byte is read */
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)HW_AWS_MAX_BODY);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, res);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, res);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    if (strcmp(rq->method, "GET") == 0) {
        curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->bodylen);
        if (strcmp(rq->method, "POST") != 0)
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
    }
    struct curl_slist *hdrs = NULL;
    for (struct curl_slist *l = rq->headers; l; l = l->next)
        hdrs = curl_slist_append(hdrs, l->data);
    /* No "Expect:" removal header here: libcurl 7.88's SigV4 signs it as an
     * empty "expect" header that is never sent, so AWS rejects the
     * signature.  Request bodies are small, below curl's 100-continue size. */
    if (rq->creds) {
        snprintf(sigv4, sizeof sigv4, "aws:amz:%s:%s", rq->sign_region, rq->sign_service);
        curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4);
        curl_easy_setopt(h, CURLOPT_USERNAME, rq->creds->access_key_id);
        curl_easy_setopt(h, CURLOPT_PASSWORD, rq->creds->secret_access_key);
        if (rq->creds->session_token[0]) {
            char *tok = hw_asprintf("X-Amz-Security-Token: %s", rq->creds->session_token);
            if (tok) {
                hdrs = curl_slist_append(hdrs, tok);
                free(tok);
            }
        }
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    *hdrs_out = hdrs;
}

/* Records how a transfer ended in res; HW_OK when an HTTP response came. */
int aws_http_finish(CURL *h, CURLcode cc, const char *errbuf, struct http_result *res)
{
    if (cc != CURLE_OK) {
        res->transport = 1;
        snprintf(res->transport_msg, sizeof res->transport_msg, "%s",
                 errbuf[0] ? errbuf : curl_easy_strerror(cc));
        if ((cc == CURLE_WRITE_ERROR && res->too_big) || cc == CURLE_FILESIZE_EXCEEDED) {
            snprintf(res->transport_msg, sizeof res->transport_msg,
                     "response larger than %u bytes", HW_AWS_MAX_BODY);
            res->transport = 2; /* not retryable */
        }
        if (cc == CURLE_SSL_CACERT || cc == CURLE_PEER_FAILED_VERIFICATION ||
            cc == CURLE_UNSUPPORTED_PROTOCOL || cc == CURLE_URL_MALFORMAT ||
            cc == CURLE_COULDNT_RESOLVE_HOST)
            res->transport = 2;
        return HW_ENET;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &res->status);
    return HW_OK;
}

static int http_once_curl(hw_aws_client *c, const struct http_request *rq,
                          struct http_result *res)
{
    CURL *h = c->curl;
    curl_easy_reset(h);
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *hdrs;
    aws_http_setup(c, h, rq, res, &hdrs, errbuf);
    CURLcode cc = curl_easy_perform(h);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    return aws_http_finish(h, cc, errbuf, res);
}

int (*aws_http_exchange)(hw_aws_client *c, const struct http_request *rq,
                         struct http_result *res) = http_once_curl;

int aws_http_once(hw_aws_client *c, const struct http_request *rq, struct http_result *res)
{
    return aws_http_exchange(c, rq, res);
}

static double random_unit(void)
{
    unsigned int r;
    if (RAND_bytes((unsigned char *)&r, sizeof r) != 1)
        return 0.5;
    return (double)r / 4294967296.0;
}

int aws_http_judge(hw_aws_client *c, const hw_aws_service *svc, const char *operation,
                   int protocol, int rc, const struct http_result *res, int attempt,
                   hw_aws_error *err, int64_t *wait_ms)
{
    memset(err, 0, sizeof *err);
    snprintf(err->service, sizeof err->service, "%s", svc->name);
    snprintf(err->operation, sizeof err->operation, "%s", operation);
    err->attempts = attempt;
    if (rc == HW_OK && res->status >= 200 && res->status < 300)
        return 0;
    int retry;
    if (rc != HW_OK) {
        snprintf(err->message, sizeof err->message, "%s", res->transport_msg);
        retry = res->transport == 1;
    } else {
        err->http_status = res->status;
        hw_aws_parse_error(protocol, hw_buf_str(&res->body), res->body.len, res->error_type, err);
        if (!err->request_id[0])
            snprintf(err->request_id, sizeof err->request_id, "%s", res->request_id);
        retry = hw_aws_should_retry(res->status, err->code, 0);
    }
    err->retryable = retry;
    int max = c->opt.max_attempts > 0 ? c->opt.max_attempts : 5;
    if (!retry || attempt >= max)
        return -1;
    *wait_ms = hw_aws_backoff_kind_ms(attempt, random_unit(), res->retry_after,
                                      rc == HW_OK && hw_aws_is_throttle(res->status, err->code));
    hw_debug("%s %s: attempt %d failed (%s%s%s), retrying in %lld ms", svc->name, operation,
             attempt, err->http_status ? err->code : "transport", err->http_status ? "" : ": ",
             err->http_status ? "" : err->message, (long long)*wait_ms);
    return 1;
}

int aws_http_error(const hw_aws_error *err, hw_err *e)
{
    if (!err->http_status)
        return hw_err_set(e, HW_ENET, "%s %s: %s (after %d attempt%s)", err->service,
                          err->operation, err->message, err->attempts,
                          err->attempts == 1 ? "" : "s");
    return hw_err_set(e, HW_EAWS, "%s %s: HTTP %ld %s: %s%s%s%s", err->service, err->operation,
                      err->http_status, err->code[0] ? err->code : "error",
                      err->message[0] ? err->message : "(no message)",
                      err->request_id[0] ? " (request id " : "", err->request_id,
                      err->request_id[0] ? ")" : "");
}

void aws_http_trace(const hw_aws_service *svc, const char *operation,
                    const struct http_request *rq, const hw_aws_error *err, int ok,
                    long status, int attempts, int64_t ms)
{
    if (hw_log_level() < HW_LOG_TRACE)
        return;
    const char *account = rq->account && *rq->account ? rq->account : "self";
    const char *region = rq->sign_region && *rq->sign_region ? rq->sign_region : "-";
    if (ok)
        hw_trace("aws %s %s: account %s, region %s: HTTP %ld, %d attempt%s, %lld ms", svc->name,
                 operation, account, region, status, attempts, attempts == 1 ? "" : "s",
                 (long long)ms);
    else if (err->http_status)
        hw_trace("aws %s %s: account %s, region %s: HTTP %ld %s, %d attempt%s, %lld ms",
                 svc->name, operation, account, region, err->http_status,
                 err->code[0] ? err->code : "error", attempts, attempts == 1 ? "" : "s",
                 (long long)ms);
    else
        hw_trace("aws %s %s: account %s, region %s: transport error, %d attempt%s, %lld ms",
                 svc->name, operation, account, region, attempts, attempts == 1 ? "" : "s",
                 (long long)ms);
}

int aws_http_call(hw_aws_client *c, const hw_aws_service *svc, const char *operation,
                  int protocol, const struct http_request *rq, struct http_result *res, hw_err *e)
{
    int64_t start = hw_monotonic_ms();
    for (int attempt = 1;; attempt++) {
        int rc = aws_http_once(c, rq, res);
        int64_t wait = 0;
        int v = aws_http_judge(c, svc, operation, protocol, rc, res, attempt, &c->last, &wait);
        if (v <= 0)
            aws_http_trace(svc, operation, rq, &c->last, v == 0, res->status, attempt,
                           hw_monotonic_ms() - start);
        if (v == 0)
            return HW_OK;
        if (v < 0)
            return aws_http_error(&c->last, e);
        c->sleep_ms(wait);
    }
}
