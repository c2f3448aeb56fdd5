/*
 * client.c - the client object and the protocol calls: JSON (X-Amz-Target),
 * REST-JSON, Query (query.c) and REST-XML.  Each builds the request exactly
 * as the service's published model says, signs it through libcurl with the
 * context's credentials (creds.c), retries per retry.c and parses the
 * response with cJSON or libxml2.
 *
 * The files of aws/ call downwards only:  organizations, securityhub,
 * multi -> client -> creds -> sts -> query -> http, endpoint, retry, xml.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *keep(hw_aws_client *c, int slot, const char *s)
{
    if (!s)
        return NULL;
    c->strings[slot] = strdup(s);
    return c->strings[slot];
}

static void real_sleep(int64_t ms)
{
    hw_sleep_ms(ms);
}

/* v as shown in an error: printable ASCII kept, any other byte \xNN, cut. */
static void shown(const char *v, char *out, size_t outsz)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p && n + 5 < outsz; p++) {
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            out[n++] = (char)*p;
        else
            n += (size_t)snprintf(out + n, outsz - n, "\\x%02x", *p);
    }
    out[n] = '\0';
}

/* Region: option, AWS_REGION, AWS_DEFAULT_REGION, the profile's; each
 * checked as aws.region is at load: a region name, or the error naming
 * where it came from. */
static int pick_region(hw_aws_client *c, hw_err *e)
{
    const char *r = c->opt.region;
    const char *from = "the region option (--region or aws.region)";
    if (!r || !*r) {
        r = getenv("AWS_REGION");
        from = "AWS_REGION";
    }
    if (!r || !*r) {
        r = getenv("AWS_DEFAULT_REGION");
        from = "AWS_DEFAULT_REGION";
    }
    char *fromprofile = NULL;
    char where[1200];
    if (!r || !*r) {
        const char *cfg = getenv("AWS_CONFIG_FILE");
        char path[1024];
        if (!cfg || !*cfg) {
            const char *home = getenv("HOME");
            snprintf(path, sizeof path, "%s/.aws/config", home ? home : "");
            cfg = path;
        }
        char section[160];
        if (strcmp(c->profile, "default") == 0)
            snprintf(section, sizeof section, "default");
        else
            snprintf(section, sizeof section, "profile %s", c->profile);
        fromprofile = hw_aws_ini_get(cfg, section, "region");
        r = fromprofile;
        snprintf(where, sizeof where, "%s: [%s] region", cfg, section);
        from = where;
    }
    int rc = HW_OK;
    if (r && *r && !hw_region_name_valid(r, strlen(r))) {
        char v[160];
        shown(r, v, sizeof v);
        rc = hw_err_set(e, HW_EINVAL, "%s: \"%s\" is not a region name (like \"us-east-1\")",
                        from, v);
    }
    snprintf(c->region, sizeof c->region, "%s", rc == HW_OK && r ? r : "");
    free(fromprofile);
    return rc;
}

int hw_aws_client_new(const hw_aws_options *opt, hw_aws_client **out, hw_err *e)
{
    *out = NULL;
    hw_aws_client *c = calloc(1, sizeof *c);
    if (!c)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    if (opt)
        c->opt = *opt;
    c->opt.region = keep(c, 0, c->opt.region);
    c->opt.profile = keep(c, 1, c->opt.profile);
    c->opt.endpoint_url = keep(c, 2, c->opt.endpoint_url);
    const char *ca = c->opt.ca_bundle ? c->opt.ca_bundle : getenv("AWS_CA_BUNDLE");
    c->opt.ca_bundle = keep(c, 3, ca && *ca ? ca : NULL);
    c->opt.session_name = keep(c, 4, c->opt.session_name ? c->opt.session_name : "hubwarden");
    if (c->opt.nendpoints) {
        c->endpoints = calloc(c->opt.nendpoints, sizeof *c->endpoints);
        for (size_t i = 0; c->endpoints && i < c->opt.nendpoints; i++) {
            c->endpoints[i].service = strdup(opt->endpoints[i].service);
            c->endpoints[i].url = strdup(opt->endpoints[i].url);
        }
        c->opt.endpoints = c->endpoints;
    }
    if (c->opt.max_attempts <= 0)
        c->opt.max_attempts = 5;
    if (c->opt.connect_timeout_ms <= 0)
        c->opt.connect_timeout_ms = 10000;
    if (c->opt.timeout_ms <= 0)
        c->opt.timeout_ms = 60000;
    const char *p = c->opt.profile;
    if (!p || !*p)
        p = getenv("AWS_PROFILE");
    snprintf(c->profile, sizeof c->profile, "%s", p && *p ? p : "default");
    if (pick_region(c, e) != HW_OK) {
        hw_aws_client_free(c);
        return e->kind;
    }
    c->sleep_ms = real_sleep;
    c->curl = curl_easy_init();
    if (!c->curl) {
        hw_aws_client_free(c);
        return hw_err_set(e, HW_ENOMEM, "libcurl: cannot create a handle");
    }
    *out = c;
    return HW_OK;
}

void hw_aws_client_free(hw_aws_client *c)
{
    if (!c)
        return;
    if (c->curl)
        curl_easy_cleanup(c->curl);
    for (size_t i = 0; i < HW_ARRAY_LEN(c->strings); i++)
        free(c->strings[i]);
    for (size_t i = 0; c->endpoints && i < c->opt.nendpoints; i++) {
        free((char *)c->endpoints[i].service);
        free((char *)c->endpoints[i].url);
    }
    free(c->endpoints);
    free(c->assumed);
    memset(&c->base, 0, sizeof c->base);
    free(c);
}

int hw_aws_client_clone(hw_aws_client *c, hw_aws_client **out, hw_err *e)
{
    *out = NULL;
    /* the base credentials once, here, rather than once per copy (a
     * credential_process or an instance role would run each time); a
     * failure is left for the copy's first call to meet and report */
    const hw_aws_creds *cr;
    hw_err ignored;
    hw_err_clear(&ignored);
    (void)aws_ctx_creds(c, NULL, &cr, &ignored);
    hw_aws_client *n = NULL;
    if (hw_aws_client_new(&c->opt, &n, e) != HW_OK)
        return e->kind;
    snprintf(n->region, sizeof n->region, "%s", c->region);
    snprintf(n->profile, sizeof n->profile, "%s", c->profile);
    n->have_base = c->have_base;
    n->base = c->base;
    if (c->nassumed) {
        n->assumed = malloc(c->nassumed * sizeof *n->assumed);
        if (!n->assumed) {
            hw_aws_client_free(n);
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        }
        memcpy(n->assumed, c->assumed, c->nassumed * sizeof *n->assumed);
        n->nassumed = c->nassumed;
    }
    n->sleep_ms = c->sleep_ms;
    *out = n;
    return HW_OK;
}

const char *hw_aws_client_region(const hw_aws_client *c)
{
    return c->region;
}

const char *hw_aws_client_partition(const hw_aws_client *c)
{
    return hw_aws_partition(c->region);
}

const hw_aws_error *hw_aws_last_error(const hw_aws_client *c)
{
    return &c->last;
}

/* Shared by the JSON flavours: sends body, returns the raw response.  A
 * call refused because its credentials expired early is sent again with
 * fresh ones (at most AWS_RENEW_MAX times). */
static int json_exchange(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                         const char *operation, const char *method, const char *path,
                         struct curl_slist *hdrs, const char *body, struct http_result *res,
                         hw_err *e)
{
    for (int fresh = 0;; fresh++) {
        const hw_aws_creds *cr;
        const char *region = NULL;
        char *base;
        if (aws_target(c, ctx, svc, &cr, &region, &base, e) != HW_OK)
            return e->kind;
        char *url = hw_asprintf("%s%s", base, path);
        free(base);
        if (!url)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        struct http_request rq = { method, url, body, body ? strlen(body) : 0, hdrs, cr,
                                   aws_sign_region(svc, region), svc->signing_name, 0,
                                   ctx ? ctx->account : NULL };
        int rc = aws_http_call(c, svc, operation, svc->protocol, &rq, res, e);
        free(url);
        if (rc != HW_OK && fresh < AWS_RENEW_MAX && aws_expired_code(c->last.code) &&
            aws_creds_renew(c, ctx, cr->access_key_id, NULL))
            continue;
        return rc;
    }
}

int hw_aws_json_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                     const char *operation, const cJSON *req, cJSON **resp, hw_err *e)
{
    *resp = NULL;
    char *body = req ? cJSON_PrintUnformatted(req) : strdup("{}");
    char target[160], ctype[64];
    snprintf(target, sizeof target, "X-Amz-Target: %s.%s", svc->target_prefix, operation);
    snprintf(ctype, sizeof ctype, "Content-Type: application/x-amz-json-%s", svc->json_version);
    struct curl_slist *h = curl_slist_append(NULL, ctype);
    h = curl_slist_append(h, target);
    struct http_result res;
    http_result_init(&res);
    int rc = body ? json_exchange(c, ctx, svc, operation, "POST", "/", h, body, &res, e)
                  : hw_err_set(e, HW_ENOMEM, "out of memory");
    if (rc == HW_OK) {
        *resp = cJSON_ParseWithLength(hw_buf_str(&res.body), res.body.len);
        if (!cJSON_IsObject(*resp)) {
            cJSON_Delete(*resp);
            *resp = NULL;
            rc = hw_err_set(e, HW_EAWS, "%s %s: the response is not a JSON object", svc->name,
                            operation);
        }
    }
    http_result_free(&res);
    curl_slist_free_all(h);
    if (req)
        cJSON_free(body);
    else
        free(body);
    return rc;
}

/* REST-JSON returning the raw body: malloc'd, free(). */
static int rest_json_raw(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                         const char *operation, const char *method, const char *path,
                         const cJSON *req, char **out, size_t *len, hw_err *e)
{
    *out = NULL;
    char *body = req ? cJSON_PrintUnformatted(req) : NULL;
    struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
    struct http_result res;
    http_result_init(&res);
    int rc = json_exchange(c, ctx, svc, operation, method, path, h, body, &res, e);
    if (rc == HW_OK)
        *out = hw_buf_detach(&res.body, len);
    http_result_free(&res);
    curl_slist_free_all(h);
    cJSON_free(body);
    return rc;
}

int hw_aws_rest_json_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                          const char *operation, const char *method, const char *path,
                          const cJSON *req, cJSON **resp, hw_err *e)
{
    *resp = NULL;
    char *body;
    size_t len;
    int rc = rest_json_raw(c, ctx, svc, operation, method, path, req, &body, &len, e);
    if (rc != HW_OK)
        return rc;
    /* 204 No Content (Lambda's RemovePermission): an empty object */
    *resp = len == 0 ? cJSON_CreateObject() : cJSON_ParseWithLength(body, len);
    free(body);
    if (!cJSON_IsObject(*resp)) {
        cJSON_Delete(*resp);
        *resp = NULL;
        return hw_err_set(e, HW_EAWS, "%s %s: the response is not a JSON object", svc->name,
                          operation);
    }
    return HW_OK;
}

int hw_aws_query_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                      const char *operation, const hw_aws_param *params, size_t nparams,
                      xmlDocPtr *resp, hw_err *e)
{
    for (int fresh = 0;; fresh++) {
        const hw_aws_creds *cr;
        if (aws_ctx_creds(c, ctx, &cr, e) != HW_OK)
            return e->kind;
        int rc = aws_query_exchange(c, ctx, svc, operation, params, nparams, cr, resp, e);
        if (rc != HW_OK && fresh < AWS_RENEW_MAX && aws_expired_code(c->last.code) &&
            aws_creds_renew(c, ctx, cr->access_key_id, NULL))
            continue; /* expired early: again with fresh credentials */
        return rc;
    }
}

int hw_aws_get_caller_identity(hw_aws_client *c, const hw_aws_ctx *ctx, hw_aws_identity *id,
                               hw_err *e)
{
    const hw_aws_creds *cr;
    if (aws_ctx_creds(c, ctx, &cr, e) != HW_OK)
        return e->kind;
    return aws_sts_caller_identity(c, ctx, cr, id, e);
}

/* rest_once(): the credentials expired early and were dropped. */
#define HW_EAGAIN_CREDS (-100)

static int rest_once(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                     const char *operation, const char *method, const char *path,
                     const hw_aws_param *query, size_t nquery, const char *const *headers,
                     const char *body, size_t bodylen, xmlDocPtr *resp, hw_buf *raw, hw_err *e)
{
    if (resp)
        *resp = NULL;
    const hw_aws_creds *cr;
    const char *region = NULL;
    char *base;
    if (aws_target(c, ctx, svc, &cr, &region, &base, e) != HW_OK)
        return e->kind;
    char used[sizeof cr->access_key_id];
    snprintf(used, sizeof used, "%s", cr->access_key_id);
    struct curl_slist *h = NULL;
    const char *account = NULL;
    for (size_t i = 0; headers && headers[i]; i++) {
        h = curl_slist_append(h, headers[i]);
        if (strncasecmp(headers[i], "x-amz-account-id:", 17) == 0)
            for (account = headers[i] + 17; *account == ' '; account++)
                ;
    }
    char sha[65];
    hw_sha256_hex(body ? body : "", body ? bodylen : 0, sha);
    char *shahdr = hw_asprintf("x-amz-content-sha256: %s", sha);
    h = curl_slist_append(h, shahdr);
    free(shahdr);
    hw_buf url = HW_BUF_INIT(0);
    int rc = HW_OK;
    if (svc == &hw_svc_s3control && account && hw_starts_with(base, "https://s3-control"))
        hw_buf_printf(&url, "https://%s.%s%s", account, base + 8, path); /* the account host */
    else
        hw_buf_printf(&url, "%s%s", base, path);
    free(base);
    if (nquery) {
        hw_buf_putc(&url, '?');
        if (hw_aws_canonical_query(query, nquery, &url) != 0)
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    struct http_result res;
    http_result_init(&res);
    if (rc == HW_OK) {
        struct http_request rq = { method, hw_buf_str(&url), body, body ? bodylen : 0, h, cr,
                                   aws_sign_region(svc, region), svc->signing_name, 0,
                                   ctx ? ctx->account : NULL };
        rc = aws_http_call(c, svc, operation, svc->protocol, &rq, &res, e);
    }
    if (rc == HW_OK && raw) {
        *raw = res.body;
        res.body = (hw_buf)HW_BUF_INIT(0);
    } else if (rc == HW_OK && res.body.len) {
        rc = aws_parse_xml(&res, svc, operation, resp, e);
    }
    http_result_free(&res);
    curl_slist_free_all(h);
    hw_buf_free(&url);
    if (rc != HW_OK && aws_expired_code(c->last.code) && aws_creds_renew(c, ctx, used, NULL))
        rc = HW_EAGAIN_CREDS;
    return rc;
}

/* One REST-XML call; refused because its credentials expired early, it is
 * sent again with fresh ones (at most AWS_RENEW_MAX times). */
static int rest_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                     const char *operation, const char *method, const char *path,
                     const hw_aws_param *query, size_t nquery, const char *const *headers,
                     const char *body, size_t bodylen, xmlDocPtr *resp, hw_buf *raw, hw_err *e)
{
    int rc = HW_EAGAIN_CREDS;
    for (int fresh = 0; rc == HW_EAGAIN_CREDS && fresh <= AWS_RENEW_MAX; fresh++)
        rc = rest_once(c, ctx, svc, operation, method, path, query, nquery, headers, body,
                       bodylen, resp, raw, e);
    return rc == HW_EAGAIN_CREDS ? e->kind : rc;
}

int hw_aws_rest_xml_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                         const char *operation, const char *method, const char *path,
                         const hw_aws_param *query, size_t nquery, const char *const *headers,
                         const char *body, size_t bodylen, xmlDocPtr *resp, hw_err *e)
{
    return rest_call(c, ctx, svc, operation, method, path, query, nquery, headers, body, bodylen,
                     resp, NULL, e);
}

int hw_aws_rest_raw_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                         const char *operation, const char *method, const char *path,
                         const hw_aws_param *query, size_t nquery, const char *const *headers,
                         const char *body, size_t bodylen, hw_buf *resp, hw_err *e)
{
    *resp = (hw_buf)HW_BUF_INIT(0);
    return rest_call(c, ctx, svc, operation, method, path, query, nquery, headers, body, bodylen,
                     NULL, resp, e);
}
