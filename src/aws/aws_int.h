/*
 * aws_int.h - what the AWS client's own files share; nothing outside
 * src/aws/ includes it.
 */
#ifndef HW_AWS_INT_H
#define HW_AWS_INT_H

#include <curl/curl.h>

#include "aws/aws.h"

struct assumed {
    char account[16];
    char role_name[128];
    char external_id[256];
    hw_aws_creds creds;
};

struct hw_aws_client {
    hw_aws_options opt;
    char *strings[8];          /* copies of the option strings */
    hw_aws_endpoint_override *endpoints;
    char region[64];
    char profile[128];
    CURL *curl;
    int have_base;
    hw_aws_creds base;
    struct assumed *assumed;
    size_t nassumed;
    hw_aws_error last;
    void (*sleep_ms)(int64_t ms); /* injectable for tests */
};

/* One HTTP exchange's result. */
struct http_result {
    long status;
    hw_buf body;
    char request_id[128];
    char error_type[128];
    long retry_after; /* -1: none */
    int transport;    /* 1: no usable HTTP response (retryable kinds) */
    int too_big;      /* the body passed HW_AWS_MAX_BODY (not retryable) */
    char transport_msg[256];
};

struct http_request {
    const char *method;
    const char *url;
    const char *body;
    size_t bodylen;
    struct curl_slist *headers;
    const hw_aws_creds *creds;  /* NULL: unsigned */
    const char *sign_region;
    const char *sign_service;
    long timeout_ms;            /* 0: the client's */
    const char *account;        /* the account called (NULL: the caller's), for -vv */
};

void http_result_init(struct http_result *r);
/* The pieces of one exchange, shared by the blocking and the multi paths. */
void aws_http_setup(hw_aws_client *c, CURL *h, const struct http_request *rq,
                    struct http_result *res, struct curl_slist **hdrs_out, char *errbuf);
int aws_http_finish(CURL *h, CURLcode cc, const char *errbuf, struct http_result *res);
/* After attempt number `attempt`: 0 success, 1 retry after *wait_ms, -1
 * give up (err filled). */
int aws_http_judge(hw_aws_client *c, const hw_aws_service *svc, const char *operation,
                   int protocol, int rc, const struct http_result *res, int attempt,
                   hw_aws_error *err, int64_t *wait_ms);
/* err as one user-fit line in e; returns HW_EAWS or HW_ENET. */
int aws_http_error(const hw_aws_error *err, hw_err *e);
void http_result_free(struct http_result *r);
/* One attempt. */
int aws_http_once(hw_aws_client *c, const struct http_request *rq, struct http_result *res);
/* What one attempt does: libcurl.  The XML fuzz targets point it at a
 * function that answers from the fuzzer's input (HW_OK with res->status
 * and res->body set, or HW_ENET with res->transport set). */
extern int (*aws_http_exchange)(hw_aws_client *c, const struct http_request *rq,
                                struct http_result *res);
/* With retries; fills c->last and e on failure.  protocol picks the error
 * parser. */
/* At -vv (HW_LOG_TRACE) one line for a finished request: service,
 * operation, account, region, HTTP status or transport error, attempts and
 * milliseconds; never a header, a body or a credential. */
void aws_http_trace(const hw_aws_service *svc, const char *operation,
                    const struct http_request *rq, const hw_aws_error *err, int ok,
                    long status, int attempts, int64_t ms);
int aws_http_call(hw_aws_client *c, const hw_aws_service *svc, const char *operation,
                  int protocol, const struct http_request *rq, struct http_result *res, hw_err *e);
/* Base URL for svc in region (no trailing slash). */
int aws_base_url(hw_aws_client *c, const hw_aws_service *svc, const char *region, char **url,
                 hw_err *e);
const char *aws_sign_region(const hw_aws_service *svc, const char *region);
/* The region a call in ctx goes to: the context's, else the client's. */
static inline const char *aws_ctx_region(const hw_aws_client *c, const hw_aws_ctx *ctx)
{
    return ctx && ctx->region ? ctx->region : c->region;
}

/* xml.c: parses an XML response body without network or entities; *resp
 * is the caller's to free (xmlFreeDoc). */
struct _xmlDoc;
struct _xmlNode;
int aws_parse_xml(const struct http_result *res, const hw_aws_service *svc, const char *operation,
                  struct _xmlDoc **resp, hw_err *e);
/* The text of the first element with this local name among node, its
 * siblings and their descendants ("" when it has no text; NULL when there
 * is none); owned by the document. */
const char *aws_xml_text(struct _xmlNode *node, const char *name);

/* query.c: one Query call in ctx's region signed with cr (NULL: unsigned,
 * as AssumeRoleWithWebIdentity); *resp is the caller's to free. */
int aws_query_exchange(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                       const char *operation, const hw_aws_param *params, size_t n,
                       const hw_aws_creds *cr, struct _xmlDoc **resp, hw_err *e);
/* An unsigned Query call in the client's region. */
int aws_query_unsigned(hw_aws_client *c, const hw_aws_service *svc, const char *operation,
                       const hw_aws_param *params, size_t n, struct _xmlDoc **resp, hw_err *e);

/* sts.c: STS with the credentials named (none for web identity).  The
 * credentials returned are not yet registered with the redactor: the
 * caller (creds.c) does that. */
int aws_sts_caller_identity(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_creds *cr,
                            hw_aws_identity *id, hw_err *e);
int aws_sts_assume_role(hw_aws_client *c, const hw_aws_creds *as, const char *role_arn,
                        const char *external_id, const char *session_name, int duration_s,
                        hw_aws_creds *out, hw_err *e);
int aws_assume_role_web_identity(hw_aws_client *c, const char *role_arn, const char *token,
                                 const char *session, hw_aws_creds *out, hw_err *e);

/* sts.c: STS credentials (<Credentials>) out of a response document. */
int aws_sts_parse_creds(struct _xmlDoc *doc, hw_aws_creds *out, hw_err *e);
/* creds.c: keeps cr as the role assumed into account (the assumed-role
 * cache hw_aws_assume() fills; cr must already be protected). */
int aws_assumed_put(hw_aws_client *c, const char *account, const char *role_name,
                    const char *external_id, const hw_aws_creds *cr, hw_err *e);

/* creds.c: credentials for a context (the base ones, or an assumed
 * account's), resolved or refreshed when near expiry; *out points into the
 * client. */
int aws_ctx_creds(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_creds **out, hw_err *e);
/* Where a call goes and as whom: the context's credentials, its region,
 * and the base URL (malloc'd). */
int aws_target(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
               const hw_aws_creds **cr, const char **region, char **base, hw_err *e);
/* Whether an AWS error code says the request's credentials expired. */
int aws_expired_code(const char *code);
/* The credentials of ctx that were used (access_key_id) expired before
 * their stated time (AWS said so): drops them, so that the next
 * aws_ctx_creds() assumes the role again or walks the chain again.
 * Returns 1 when they were dropped or were replaced already (a retry with
 * the context's credentials may help), 0 when the context has none. */
int aws_creds_expired(hw_aws_client *c, const hw_aws_ctx *ctx, const char *access_key_id);
/* After a call with credentials `failed` (an access key id) was refused as
 * expired: drops them and fetches the context's again.  1 when different
 * credentials are now in use (*out, when out is given: send again), 0
 * when there are none or the same came back. */
int aws_creds_renew(hw_aws_client *c, const hw_aws_ctx *ctx, const char *failed,
                    const hw_aws_creds **out);
/* How many times one call is sent again with renewed credentials. */
#define AWS_RENEW_MAX 3
/* Registers a credential's secrets with the log redactor. */
void aws_protect(const hw_aws_creds *cr);

/* multi.c adds handles through this (curl_multi_add_handle); a test may
 * point it elsewhere to make libcurl refuse a request. */
extern CURLMcode (*aws_multi_add_handle)(CURLM *m, CURL *h);

/* creds.c: a credential_process command split into words as the AWS CLI
 * splits it (Python's shlex.split): a NULL-terminated vector in one
 * allocation (free() it), or NULL with *why set.  For the fuzz target. */
char **hw_aws_split_command(const char *cmd, const char **why);

#endif
