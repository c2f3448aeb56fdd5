/*
 * aws.h - hubwarden's AWS client: HTTP on libcurl, SigV4 by libcurl,
 * credentials, endpoints, retries, errors and the four wire protocols
 * (JSON with X-Amz-Target, REST-JSON, Query, REST-XML), plus the calls
 * hubwarden makes (STS, Organizations, Security Hub).
 *
 * The module knows nothing of the store, the catalogue or the
 * configuration file: callers pass plain options.  TLS verification is
 * never switched off; plain http:// is used only when an endpoint override
 * names it (the local simulator).
 *
 * Ownership: hw_aws_client_new() returns a client freed by
 * hw_aws_client_free(); credentials inside a client belong to it.
 * Responses (cJSON trees, xmlDoc) are the caller's to free.  Every secret
 * loaded (secret keys, session tokens) is registered with
 * hw_log_add_secret() so that no log line can carry it.
 */
#ifndef HW_AWS_H
#define HW_AWS_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct cJSON;
struct _xmlDoc;

/* Response bodies larger than this are refused (hostile endpoint). */
#define HW_AWS_MAX_BODY (64u << 20)

/* ------------------------------------------------------------- options */

typedef struct hw_aws_endpoint_override {
    const char *service; /* botocore name: "securityhub", "sts", ... */
    const char *url;
} hw_aws_endpoint_override;

typedef struct hw_aws_options {
    const char *region;       /* NULL: AWS_REGION, AWS_DEFAULT_REGION, profile */
    const char *profile;      /* NULL: AWS_PROFILE, else "default" */
    const char *endpoint_url; /* NULL: AWS_ENDPOINT_URL */
    const hw_aws_endpoint_override *endpoints; /* config's per-service URLs */
    size_t nendpoints;
    int use_fips;
    int max_attempts;         /* 0: 5 */
    long connect_timeout_ms;  /* 0: 10 s */
    long timeout_ms;          /* 0: 60 s */
    const char *ca_bundle;    /* NULL: AWS_CA_BUNDLE, else the system's */
    const char *session_name; /* for assumed roles: "hubwarden-<run id>" */
} hw_aws_options;

/* ---------------------------------------------------------- credentials */

typedef struct hw_aws_creds {
    char access_key_id[128];
    char secret_access_key[128];
    char session_token[2048];
    int64_t expiration; /* epoch seconds; 0: does not expire */
    char source[64];    /* "environment", "profile x", "assume-role", ... */
} hw_aws_creds;

/* ---------------------------------------------------------------- errors */

typedef struct hw_aws_error {
    char service[32];
    char operation[64];
    long http_status;  /* 0: no HTTP response (transport error) */
    char code[128];    /* AWS error code, e.g. "ThrottlingException" */
    char message[512];
    char request_id[128];
    int retryable;
    int attempts;
} hw_aws_error;

/* ------------------------------------------------------------- requests */

enum hw_aws_protocol {
    HW_AWS_JSON = 0, /* POST /, X-Amz-Target, application/x-amz-json-1.x */
    HW_AWS_REST_JSON,
    HW_AWS_QUERY,    /* form POST, XML response */
    HW_AWS_EC2,      /* Query with EC2's error format */
    HW_AWS_REST_XML
};

typedef struct hw_aws_service {
    const char *name;         /* botocore service name, e.g. "securityhub" */
    const char *signing_name; /* SigV4 service, e.g. "securityhub" */
    const char *endpoint_prefix;
    const char *env_id;       /* AWS_ENDPOINT_URL_<env_id> */
    int protocol;
    const char *target_prefix; /* JSON: "AWSOrganizationsV20161128" */
    const char *json_version;  /* JSON: "1.1" */
    const char *api_version;   /* Query: "2011-06-15" */
    int global;                /* one endpoint for the partition */
} hw_aws_service;

extern const hw_aws_service hw_svc_sts, hw_svc_organizations, hw_svc_securityhub;
extern const hw_aws_service hw_svc_s3, hw_svc_s3control;
extern const hw_aws_service hw_svc_ec2, hw_svc_iam; /* ec2.c, iam.c */
extern const hw_aws_service hw_svc_sns;             /* sns.c */
extern const hw_aws_service hw_svc_wafv2;           /* wafv2.c */

typedef struct hw_aws_client hw_aws_client;

/*
 * A client: options, the home region, base credentials (resolved lazily
 * through the chain on first use), a cache of assumed-role credentials per
 * account, and one curl handle reused for keep-alive.
 */
int hw_aws_client_new(const hw_aws_options *opt, hw_aws_client **out, hw_err *e);
void hw_aws_client_free(hw_aws_client *c);
/*
 * A second client for another thread: c's options, region, base
 * credentials (resolved first when they were not yet) and assumed roles,
 * copied, with its own curl handle.  A client is used by one thread at a
 * time; c must not be in use elsewhere while it is copied.  Freed by
 * hw_aws_client_free().
 */
int hw_aws_client_clone(hw_aws_client *c, hw_aws_client **out, hw_err *e);
const char *hw_aws_client_region(const hw_aws_client *c);
const char *hw_aws_client_partition(const hw_aws_client *c);
/* The last failed call's details (valid after a call returned HW_EAWS or
 * HW_ENET). */
const hw_aws_error *hw_aws_last_error(const hw_aws_client *c);

/*
 * A call context: which credentials and region a request uses.  account
 * NULL: the base credentials; else the role assumed into that account
 * (hw_aws_assume()).
 */
typedef struct hw_aws_ctx {
    const char *region; /* NULL: the client's */
    const char *account;
} hw_aws_ctx;

/* JSON protocol: body and response are JSON objects. */
int hw_aws_json_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                     const char *operation, const struct cJSON *req, struct cJSON **resp,
                     hw_err *e);
/* REST-JSON: method and path (already escaped), JSON body (may be NULL). */
int hw_aws_rest_json_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                          const char *operation, const char *method, const char *path,
                          const struct cJSON *req, struct cJSON **resp, hw_err *e);

/* Query protocol parameters: name/value pairs (names like
 * "Tags.member.1.Key"); sorted and encoded by the client. */
typedef struct hw_aws_param {
    const char *name;
    const char *value;
} hw_aws_param;

int hw_aws_query_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                      const char *operation, const hw_aws_param *params, size_t nparams,
                      struct _xmlDoc **resp, hw_err *e);

/*
 * REST-XML (S3, S3 Control): method, path (already escaped, single
 * encoding as S3 signs it), query parameters (sorted and encoded here; a
 * subresource like "publicAccessBlock" with an empty value), extra headers
 * ("Name: value", NULL-terminated), body (may be NULL).  The payload's
 * SHA-256 goes in x-amz-content-sha256, which libcurl 7.88 does not add
 * for S3 but signs when given.  For S3 Control the account comes from an
 * "x-amz-account-id: N" header and prefixes the default host.  *resp is
 * the parsed XML, or NULL for an empty body (xmlFreeDoc it).
 */
int hw_aws_rest_xml_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                         const char *operation, const char *method, const char *path,
                         const hw_aws_param *query, size_t nquery, const char *const *headers,
                         const char *body, size_t bodylen, struct _xmlDoc **resp, hw_err *e);
/* The same, for an operation whose response is its raw payload (S3's
 * GetBucketPolicy: the policy's JSON text): *resp gets the body as is
 * (hw_buf_free it); errors are read as with hw_aws_rest_xml_call. */
int hw_aws_rest_raw_call(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                         const char *operation, const char *method, const char *path,
                         const hw_aws_param *query, size_t nquery, const char *const *headers,
                         const char *body, size_t bodylen, hw_buf *resp, hw_err *e);

/* ----------------------------------------------------- pieces, for tests */

/* RFC 3986 encoding of one query component (unreserved kept). */
void hw_aws_uri_encode(hw_buf *out, const char *s, int encode_slash);
/* Builds "a=1&b=2" sorted by name then value, as SigV4 canonicalises
 * (libcurl 7.88 signs the query in the order given: curl issue #9717). */
int hw_aws_canonical_query(const hw_aws_param *params, size_t n, hw_buf *out);

/* Endpoint for a service in a region: overrides (per-service, then
 * general), else the partition's standard or FIPS host.  url: malloc'd. */
int hw_aws_endpoint(const hw_aws_options *opt, const hw_aws_service *svc, const char *region,
                    char **url, hw_err *e);
/* "aws", "aws-cn" or "aws-us-gov" for a region name. */
const char *hw_aws_partition(const char *region);

/* Retry decision for one failed attempt (pure): 1 to retry. */
int hw_aws_should_retry(long http_status, const char *code, int transport_error);
/* Backoff before attempt number `attempt` (1 = first retry), full jitter:
 * uniform in [0, min(20 s, 100 ms * 2^attempt)]; a Retry-After (seconds,
 * >= 0) from the server raises it.  rnd in [0, 1). */
int64_t hw_aws_backoff_ms(int attempt, double rnd, long retry_after_s);
/* 1 when the failure is the server's throttling (429 or a throttling code). */
int hw_aws_is_throttle(long http_status, const char *code);
/* hw_aws_backoff_ms, or for a throttled call (throttled != 0) a 340 ms
 * base and a wait of at least half the ceiling: in [340, 680) ms before
 * the first retry, so a server refilling at a few calls a second has a
 * token again. */
int64_t hw_aws_backoff_kind_ms(int attempt, double rnd, long retry_after_s, int throttled);

/* Parses an error response body per protocol into err (code, message,
 * request id); the x-amzn-ErrorType header value may be given. */
void hw_aws_parse_error(int protocol, const char *body, size_t len, const char *type_header,
                        hw_aws_error *err);

/* The credential chain, as the AWS CLI walks it.  Errors name the source. */
int hw_aws_resolve_creds(hw_aws_client *c, hw_aws_creds *out, hw_err *e);
/* INI helpers (inih): the value of key in [section] of file, or NULL. */
char *hw_aws_ini_get(const char *path, const char *section, const char *key);

/* ---------------------------------------------------- concurrent requests */

/*
 * A queue of requests run on one libcurl multi handle, at most
 * max_inflight at once; retries wait out their backoff without blocking
 * the others.  Callbacks run inside hw_aws_multi_run(): on success rc is
 * HW_OK and body (malloc'd, the callback frees it) the response; on
 * failure body is NULL, err the AWS error and e its message.  Every queued
 * request gets exactly one callback: one that libcurl refuses to start
 * fails at once, and hw_aws_multi_free() calls those still queued with
 * HW_EINTERNAL ("cancelled"), so that their arguments can be freed.
 */
typedef struct hw_aws_multi hw_aws_multi;
typedef void (*hw_aws_done_cb)(void *arg, int rc, char *body, size_t len,
                               const hw_aws_error *err, const hw_err *e);

int hw_aws_multi_new(hw_aws_client *c, int max_inflight, hw_aws_multi **out, hw_err *e);
void hw_aws_multi_free(hw_aws_multi *m);
/* Queues a REST-JSON request (credentials for ctx resolved now). */
int hw_aws_multi_rest_json(hw_aws_multi *m, const hw_aws_ctx *ctx, const hw_aws_service *svc,
                           const char *operation, const char *method, const char *path,
                           const struct cJSON *req, hw_aws_done_cb cb, void *arg, hw_err *e);
/* Queues hw_aws_assume()'s AssumeRole (with the base credentials): on
 * success the role is in the client's cache before cb runs (rc HW_OK,
 * body NULL); on failure cb gets the error.  A caller that would need no
 * call asks hw_aws_assumed() first. */
int hw_aws_multi_assume(hw_aws_multi *m, const char *account, const char *role_name,
                        const char *external_id, hw_aws_done_cb cb, void *arg, hw_err *e);
/* Moves transfers on for at most max_wait_ms; returns early after any
 * request completed so that the caller can queue the next ones. */
int hw_aws_multi_run(hw_aws_multi *m, int64_t max_wait_ms);
/* Requests queued or in flight; free slots below max_inflight. */
size_t hw_aws_multi_pending(const hw_aws_multi *m);
size_t hw_aws_multi_room(const hw_aws_multi *m);

/* ------------------------------------------------------------------ STS */

typedef struct hw_aws_identity {
    char account[16];
    char arn[512];
    char user_id[256];
} hw_aws_identity;

int hw_aws_get_caller_identity(hw_aws_client *c, const hw_aws_ctx *ctx, hw_aws_identity *id,
                               hw_err *e);
/* Assumes role_arn with the base credentials; fills out. */
int hw_aws_assume_role(hw_aws_client *c, const char *role_arn, const char *external_id,
                       const char *session_name, int duration_s, hw_aws_creds *out, hw_err *e);
/* Makes account usable as hw_aws_ctx.account: assumes
 * arn:<partition>:iam::<account>:role/<role_name>, cached until 5 minutes
 * before expiry. */
/* 1 when role_name is assumed into account and fresh (no call needed). */
int hw_aws_assumed(const hw_aws_client *c, const char *account, const char *role_name);
int hw_aws_assume(hw_aws_client *c, const char *account, const char *role_name,
                  const char *external_id, hw_err *e);

/* -------------------------------------------------------- Organizations */

typedef struct hw_aws_account {
    char id[16];
    char name[256];
    char email[256];
    char status[32];
    char ou_path[1024];  /* "r-ab12/ou-ab12-11111111" */
    char ou_names[1024]; /* "Root/Prod" */
} hw_aws_account;

/* Every account with its OU path (ListRoots, ListOrganizationalUnitsFor-
 * Parent, ListAccountsForParent, ListAccounts); *accounts malloc'd. */
int hw_aws_org_accounts(hw_aws_client *c, hw_aws_account **accounts, size_t *n, hw_err *e);

/* The Organization itself (DescribeOrganization): its id (o-...), ARN and
 * management account; an id or account of the wrong form is HW_EAWS. */
typedef struct hw_aws_org {
    char id[40];
    char arn[256];
    char management_account[16];
} hw_aws_org;
int hw_aws_org_describe(hw_aws_client *c, hw_aws_org *out, hw_err *e);

/* ---------------------------------------------------------- Security Hub */

/* Whether each control is enabled in ctx's account and region
 * (BatchGetSecurityControls, 100 ids a call): cb(arg, id, enabled) once per
 * control Security Hub reports; ids it does not know there (UnprocessedIds)
 * are left out.  A cb returning non-zero stops with HW_EINTERNAL. */
typedef int (*hw_aws_control_cb)(void *arg, const char *id, int enabled);
int hw_aws_security_control_status(hw_aws_client *c, const hw_aws_ctx *ctx,
                                   const char *const *ids, size_t n, hw_aws_control_cb cb,
                                   void *arg, hw_err *e);
/* The same in pieces, for a caller that sends the calls itself (the scan,
 * on its multi queue): the request for ids[0..n) (n at most 100; NULL when
 * out of memory; the caller frees it), and the reading of one response. */
struct cJSON *hw_aws_security_control_request(const char *const *ids, size_t n);
int hw_aws_security_control_read(const struct cJSON *resp, hw_aws_control_cb cb, void *arg,
                                 hw_err *e);

/* ------------------------------------------------------------ AWS Config */

extern const hw_aws_service hw_svc_config;

/* Resource counts per account from the configuration aggregator
 * (GetAggregateDiscoveredResourceCounts grouped by ACCOUNT_ID, every page):
 * of resource_type, or of every type when it is NULL.  cb(arg, account,
 * count) per account that has some; a cb returning non-zero stops with an
 * error. */
typedef int (*hw_aws_count_cb)(void *arg, const char *account, long count);
int hw_aws_config_resource_counts(hw_aws_client *c, const hw_aws_ctx *ctx,
                                  const char *aggregator, const char *resource_type,
                                  hw_aws_count_cb cb, void *arg, hw_err *e);

/* ------------------------------------ Security Hub workflow (findings_update.c) */

typedef struct hw_aws_finding_ref {
    const char *id, *product_arn;
} hw_aws_finding_ref;

/* BatchUpdateFindings: sets Workflow.Status and a Note (UpdatedBy
 * "hubwarden") on 1 to 100 findings; processed[i] = 1 for each finding
 * Security Hub took; for the others it reported unprocessed, why[i] (may
 * be NULL) gets its "ErrorCode: ErrorMessage". */
int hw_aws_update_workflow(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_finding_ref *refs,
                           size_t n, const char *status, const char *note, int *processed,
                           char (*why)[128], hw_err *e);

/* GetFindings filtered on the findings' Id (1 to 20 of them, as the API
 * allows values of one filter), every page: for each of refs found (same
 * Id and ProductArn), its Workflow.Status into status[i] and its Note
 * (Text, UpdatedBy) into note[i] and by[i]; "" for those not found.  How
 * a run learns whether an update it may have sent before it was killed
 * took. */
int hw_aws_read_workflow(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_finding_ref *refs,
                         size_t n, char (*status)[32], char (*note)[520], char (*by)[64],
                         hw_err *e);

#endif
