/*
 * query.c - one Query-protocol exchange (form body with Action and
 * Version, XML response) with the credentials the caller names, or none.
 * Below the credential chain: sts.c asks STS for credentials through it,
 * and client.c's hw_aws_query_call() sends through it once the context's
 * credentials are known.
 */
#include "aws/aws_int.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

int aws_query_exchange(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                       const char *operation, const hw_aws_param *params, size_t n,
                       const hw_aws_creds *cr, xmlDocPtr *resp, hw_err *e)
{
    *resp = NULL;
    hw_aws_param *all = calloc(n + 2, sizeof *all);
    if (!all)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    all[0].name = "Action";
    all[0].value = operation;
    all[1].name = "Version";
    all[1].value = svc->api_version;
    if (n) /* params may be NULL when there are none (GetCallerIdentity) */
        memcpy(all + 2, params, n * sizeof *params);
    hw_buf body = HW_BUF_INIT(0);
    int rc = hw_aws_canonical_query(all, n + 2, &body);
    free(all);
    if (rc != 0) {
        hw_buf_free(&body);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    const char *region = aws_ctx_region(c, ctx);
    char *url;
    if (aws_base_url(c, svc, region, &url, e) != HW_OK) {
        hw_buf_free(&body);
        return e->kind;
    }
    char *slash = hw_asprintf("%s/", url);
    free(url);
    struct curl_slist *h =
        curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded; charset=utf-8");
    struct http_result res;
    http_result_init(&res);
    struct http_request rq = { "POST", slash, hw_buf_str(&body), body.len, h, cr,
                               aws_sign_region(svc, region), svc->signing_name, 0,
                                   ctx ? ctx->account : NULL };
    rc = slash ? aws_http_call(c, svc, operation, svc->protocol, &rq, &res, e)
               : hw_err_set(e, HW_ENOMEM, "out of memory");
    if (rc == HW_OK)
        rc = aws_parse_xml(&res, svc, operation, resp, e);
    http_result_free(&res);
    curl_slist_free_all(h);
    free(slash);
    hw_buf_free(&body);
    return rc;
}

int aws_query_unsigned(hw_aws_client *c, const hw_aws_service *svc, const char *operation,
                       const hw_aws_param *params, size_t n, xmlDocPtr *resp, hw_err *e)
{
    return aws_query_exchange(c, NULL, svc, operation, params, n, NULL, resp, e);
}
