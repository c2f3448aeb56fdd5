/*
 * test_aws_proto.c - the AWS client's pure pieces, read as a specification:
 * how a query string is canonicalised (libcurl 7.88 signs it in the order
 * given, curl issue #9717, so the client must send it sorted and
 * RFC 3986-encoded), where each service lives in each partition, which
 * failures are retried and how long the client waits, and how each wire
 * protocol spells an error (fixtures in tests/data/aws/).
 *
 * Complements test_aws.c (the first cases of each) without repeating it.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws.h"

/* ------------------------------------------------------ query strings */

static char *canon(const hw_aws_param *p, size_t n)
{
    hw_buf b = HW_BUF_INIT(0);
    CU_ASSERT_EQUAL(hw_aws_canonical_query(p, n, &b), 0);
    return hw_buf_detach(&b, NULL);
}

static void test_query_encoding(void)
{
    /* RFC 3986: only A-Z a-z 0-9 - _ . ~ stay; everything else is %XX
     * with upper-case hex, space is %20 (never '+'), '/' is encoded in a
     * query component, UTF-8 is encoded byte by byte. */
    hw_aws_param p[] = { { "k", "a b+c/d=e&f!g'h(i)j*k~l%m:n@o?p#q" } };
    char *s = canon(p, 1);
    CU_ASSERT_STRING_EQUAL(s, "k=a%20b%2Bc%2Fd%3De%26f%21g%27h%28i%29j%2Ak~l%25m%3An%40o%3Fp%23q");
    free(s);
    hw_aws_param u[] = { { "Name", "caf\xc3\xa9 \xe2\x82\xac" } };
    s = canon(u, 1);
    CU_ASSERT_STRING_EQUAL(s, "Name=caf%C3%A9%20%E2%82%AC");
    free(s);
    /* an empty value keeps its '=' (SigV4's canonical form) */
    hw_aws_param e[] = { { "Marker", "" }, { "Action", "ListUsers" } };
    s = canon(e, 2);
    CU_ASSERT_STRING_EQUAL(s, "Action=ListUsers&Marker=");
    free(s);
    /* nothing at all: an empty string, not NULL */
    hw_buf b = HW_BUF_INIT(0);
    CU_ASSERT_EQUAL(hw_aws_canonical_query(NULL, 0, &b), 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "");
    hw_buf_free(&b);
}

static void test_query_order(void)
{
    /* EC2-style list members: byte order of the encoded names, so
     * "Filter.10" sorts before "Filter.2", and upper case before lower */
    hw_aws_param p[] = {
        { "Filter.2.Name", "vpc-id" },   { "Filter.10.Name", "tag:Env" },
        { "Filter.1.Name", "state" },    { "Filter.1.Value.1", "running" },
        { "MaxResults", "5" },           { "Action", "DescribeInstances" },
        { "Version", "2016-11-15" },     { "action", "lower" },
    };
    char *s = canon(p, HW_ARRAY_LEN(p));
    CU_ASSERT_STRING_EQUAL(s, "Action=DescribeInstances&Filter.1.Name=state&Filter.1.Value.1=running"
                              "&Filter.10.Name=tag%3AEnv&Filter.2.Name=vpc-id&MaxResults=5"
                              "&Version=2016-11-15&action=lower");
    free(s);
    /* sorting is by the encoded name: "a%20b" (%=0x25) sorts before "a-b"
     * (-=0x2d) and "a.b" although ' ' is the smallest raw byte anyway;
     * "a~" (0x7e) after "aZ" and "a_" */
    hw_aws_param q[] = { { "a~", "4" }, { "a_", "3" }, { "aZ", "2" }, { "a-b", "1" }, { "a b", "0" } };
    s = canon(q, HW_ARRAY_LEN(q));
    CU_ASSERT_STRING_EQUAL(s, "a%20b=0&a-b=1&aZ=2&a_=3&a~=4");
    free(s);
    /* repeated names are ordered by value */
    hw_aws_param r[] = { { "Id", "b" }, { "Id", "a" }, { "Id", "B" } };
    s = canon(r, 3);
    CU_ASSERT_STRING_EQUAL(s, "Id=B&Id=a&Id=b");
    free(s);
    /* the input order never matters: every rotation gives the same string */
    char *first = canon(p, HW_ARRAY_LEN(p));
    for (size_t k = 1; k < HW_ARRAY_LEN(p); k++) {
        hw_aws_param rot[HW_ARRAY_LEN(p)];
        for (size_t i = 0; i < HW_ARRAY_LEN(p); i++)
            rot[i] = p[(i + k) % HW_ARRAY_LEN(p)];
        char *t = canon(rot, HW_ARRAY_LEN(rot));
        CU_ASSERT_STRING_EQUAL(t, first);
        free(t);
    }
    free(first);
}

static void test_uri_encode_path(void)
{
    /* path segments keep '/', query components do not */
    hw_buf b = HW_BUF_INIT(0);
    hw_aws_uri_encode(&b, "/bucket/my key/a+b", 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "/bucket/my%20key/a%2Bb");
    hw_buf_reset(&b);
    hw_aws_uri_encode(&b, "arn:aws:securityhub:::/x", 1);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "arn%3Aaws%3Asecurityhub%3A%3A%3A%2Fx");
    hw_buf_free(&b);
}

/* ----------------------------------------------------------- endpoints */

static const char *const endpoint_env[] = {
    "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECURITYHUB",
    "AWS_ENDPOINT_URL_ORGANIZATIONS",
};

static void clear_endpoint_env(void)
{
    for (size_t i = 0; i < HW_ARRAY_LEN(endpoint_env); i++)
        unsetenv(endpoint_env[i]);
}

static void want(const hw_aws_options *o, const hw_aws_service *s, const char *region,
                 const char *url)
{
    char *got = NULL;
    hw_err e;
    hw_err_clear(&e);
    int rc = hw_aws_endpoint(o, s, region, &got, &e);
    if (rc != HW_OK || strcmp(got, url) != 0)
        fprintf(stderr, "\n  %s in %s: got %s, want %s\n", s->name, region ? region : "(none)",
                rc == HW_OK ? got : e.msg, url);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_STRING_EQUAL(rc == HW_OK ? got : "", url);
    free(got);
}

static void test_endpoint_partitions(void)
{
    clear_endpoint_env();
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    /* regional services follow the region's partition */
    want(&o, &hw_svc_securityhub, "us-gov-west-1", "https://securityhub.us-gov-west-1.amazonaws.com");
    want(&o, &hw_svc_securityhub, "cn-northwest-1", "https://securityhub.cn-northwest-1.amazonaws.com.cn");
    want(&o, &hw_svc_sts, "eu-west-1", "https://sts.eu-west-1.amazonaws.com"); /* STS regional */
    want(&o, &hw_svc_sts, "us-gov-east-1", "https://sts.us-gov-east-1.amazonaws.com");
    want(&o, &hw_svc_sts, "ap-southeast-3", "https://sts.ap-southeast-3.amazonaws.com");
    /* Organizations has one endpoint a partition */
    want(&o, &hw_svc_organizations, "ap-northeast-1", "https://organizations.us-east-1.amazonaws.com");
    want(&o, &hw_svc_organizations, "cn-north-1",
         "https://organizations.cn-northwest-1.amazonaws.com.cn");
    want(&o, &hw_svc_organizations, "us-gov-east-1",
         "https://organizations.us-gov-west-1.amazonaws.com");
    /* FIPS */
    o.use_fips = 1;
    want(&o, &hw_svc_sts, "us-west-2", "https://sts-fips.us-west-2.amazonaws.com");
    want(&o, &hw_svc_securityhub, "us-gov-west-1", "https://securityhub-fips.us-gov-west-1.amazonaws.com");
    want(&o, &hw_svc_organizations, "eu-west-1", "https://organizations-fips.us-east-1.amazonaws.com");
    CU_ASSERT_STRING_EQUAL(hw_aws_partition(NULL), "aws");
    CU_ASSERT_STRING_EQUAL(hw_aws_partition("us-isob-east-1"), "aws"); /* not supported: aws */
}

static void test_endpoint_overrides(void)
{
    clear_endpoint_env();
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    /* an override needs no region and keeps its scheme and port; trailing
     * slashes go */
    hw_aws_endpoint_override ov[] = { { "sts", "http://127.0.0.1:4566///" },
                                      { "SecurityHub", "https://sh.internal:8443/" } };
    o.endpoints = ov;
    o.nendpoints = 2;
    want(&o, &hw_svc_sts, NULL, "http://127.0.0.1:4566");
    want(&o, &hw_svc_securityhub, NULL, "https://sh.internal:8443"); /* case-insensitive */
    want(&o, &hw_svc_organizations, "eu-west-1", "https://organizations.us-east-1.amazonaws.com");
    /* the general override applies to services without their own */
    o.endpoint_url = "http://localhost:9000";
    want(&o, &hw_svc_organizations, NULL, "http://localhost:9000");
    /* the service's variable beats the configuration's per-service URL */
    setenv("AWS_ENDPOINT_URL_STS", "http://127.0.0.2:1", 1);
    want(&o, &hw_svc_sts, NULL, "http://127.0.0.2:1");
    /* ... and AWS_ENDPOINT_URL beats the configuration's general URL */
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.3:2", 1);
    want(&o, &hw_svc_organizations, NULL, "http://127.0.0.3:2");
    /* but not the configuration's per-service URL */
    want(&o, &hw_svc_securityhub, NULL, "https://sh.internal:8443");
    /* an override wins over FIPS: the user named the host */
    o.use_fips = 1;
    want(&o, &hw_svc_sts, "us-east-1", "http://127.0.0.2:1");
    /* empty variables are as good as unset */
    setenv("AWS_ENDPOINT_URL_STS", "", 1);
    setenv("AWS_ENDPOINT_URL", "", 1);
    o.use_fips = 0;
    want(&o, &hw_svc_sts, NULL, "http://127.0.0.1:4566");
    /* a URL that is not http(s) is an error naming where it came from */
    hw_aws_endpoint_override bad[] = { { "sts", "file:///etc/passwd" } };
    o.endpoints = bad;
    o.nendpoints = 1;
    char *url = NULL;
    hw_err e;
    CU_ASSERT_EQUAL(hw_aws_endpoint(&o, &hw_svc_sts, "us-east-1", &url, &e), HW_EINVAL);
    CU_ASSERT_PTR_NULL(url);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "aws.endpoints"));
    o.endpoints = NULL;
    o.nendpoints = 0;
    o.endpoint_url = "gopher://x";
    CU_ASSERT_EQUAL(hw_aws_endpoint(&o, &hw_svc_sts, "us-east-1", &url, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "aws.endpoint_url"));
    /* region names cannot smuggle a host */
    o.endpoint_url = NULL;
    const char *evil[] = { "us-east-1.attacker.example", "us-east-1/", "us-east-1@x", "US-EAST-1",
                           "us-east-1 " };
    for (size_t i = 0; i < HW_ARRAY_LEN(evil); i++) {
        CU_ASSERT_EQUAL(hw_aws_endpoint(&o, &hw_svc_securityhub, evil[i], &url, &e), HW_EINVAL);
        CU_ASSERT_PTR_NULL(url);
    }
    clear_endpoint_env();
}

/* ------------------------------------------------------------- retries */

static void test_retry_table(void)
{
    /* every throttling code of the SDKs' standard mode, whatever status */
    const char *throttles[] = {
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException",
        "TransactionInProgressException", "RequestLimitExceeded", "BandwidthLimitExceeded",
        "LimitExceededException", "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(throttles); i++) {
        if (!hw_aws_should_retry(400, throttles[i], 0))
            fprintf(stderr, "\n  not retried: %s\n", throttles[i]);
        CU_ASSERT_TRUE(hw_aws_should_retry(400, throttles[i], 0));
    }
    /* transient server errors by status, with or without a code */
    const long fives[] = { 500, 502, 503, 504 };
    for (size_t i = 0; i < HW_ARRAY_LEN(fives); i++) {
        CU_ASSERT_TRUE(hw_aws_should_retry(fives[i], "", 0));
        CU_ASSERT_TRUE(hw_aws_should_retry(fives[i], NULL, 0));
    }
    CU_ASSERT_TRUE(hw_aws_should_retry(400, "RequestTimeout", 0));
    CU_ASSERT_TRUE(hw_aws_should_retry(400, "RequestTimeoutException", 0));
    /* never retried: the caller must fix something */
    const char *fatal[] = { "SignatureDoesNotMatch", "InvalidClientTokenId", "AccessDenied",
                            "AccessDeniedException", "ValidationException", "ValidationError",
                            "UnrecognizedClientException", "ExpiredToken", "InvalidAction",
                            "IncompleteSignature", "OptInRequired", "AuthFailure" };
    for (size_t i = 0; i < HW_ARRAY_LEN(fatal); i++) {
        CU_ASSERT_FALSE(hw_aws_should_retry(400, fatal[i], 0));
        CU_ASSERT_FALSE(hw_aws_should_retry(403, fatal[i], 0));
    }
    CU_ASSERT_FALSE(hw_aws_should_retry(404, "", 0));
    CU_ASSERT_FALSE(hw_aws_should_retry(501, "NotImplemented", 0));
    /* a code is matched exactly, not as a prefix or substring */
    CU_ASSERT_FALSE(hw_aws_should_retry(400, "ThrottlingExceptionX", 0));
    CU_ASSERT_FALSE(hw_aws_should_retry(400, "throttling", 0));
    /* transport failures (reset, timeout, truncated body) */
    CU_ASSERT_TRUE(hw_aws_should_retry(0, "", 1));
}

static void test_backoff_bounds(void)
{
    /* full jitter: uniform in [0, min(20 s, 100 ms * 2^attempt)) */
    for (int attempt = 1; attempt <= 12; attempt++) {
        int64_t ceiling = 100LL << attempt;
        if (ceiling > 20000)
            ceiling = 20000;
        for (int k = 0; k < 10; k++) {
            double r = k / 10.0;
            int64_t w = hw_aws_backoff_ms(attempt, r, -1);
            CU_ASSERT_TRUE(w >= 0 && w <= ceiling);
            CU_ASSERT_EQUAL(w, (int64_t)(r * (double)ceiling));
        }
        CU_ASSERT_TRUE(hw_aws_backoff_ms(attempt, 0.9999999, -1) < ceiling + 1);
    }
    /* nonsense inputs stay in range */
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(1, -3.0, -1), 0);
    CU_ASSERT_TRUE(hw_aws_backoff_ms(1, 7.0, -1) <= 200);
    CU_ASSERT_TRUE(hw_aws_backoff_ms(1000, 0.5, -1) <= 20000);
    CU_ASSERT_TRUE(hw_aws_backoff_ms(63, 0.5, -1) >= 0);
    /* Retry-After raises the wait, never above the cap; 0 changes nothing */
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(2, 0.5, 0), 200);
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(2, 0.5, 1), 1000);
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(5, 0.9, 1), (int64_t)(0.9 * 3200));
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(2, 0.5, 86400), 20000);
}

/* ------------------------------------------------------ error parsing */

static char *fixture(const char *name, size_t *len)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/aws/%s", name);
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    if (hw_file_read(path, 0, &b, &e) != HW_OK) {
        fprintf(stderr, "\n  %s\n", e.msg);
        hw_buf_free(&b);
        return NULL;
    }
    return hw_buf_detach(&b, len);
}

static void parse(int protocol, const char *file, const char *header, long status,
                  hw_aws_error *err)
{
    memset(err, 0, sizeof *err);
    err->http_status = status;
    size_t len = 0;
    char *body = fixture(file, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(body);
    hw_aws_parse_error(protocol, body, len, header, err);
    free(body);
}

static void test_error_fixtures(void)
{
    hw_aws_error e;
    parse(HW_AWS_JSON, "error_json_namespaced.json", NULL, 400, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "AccessDeniedException");
    CU_ASSERT_STRING_EQUAL(e.message, "You don't have permissions to access this resource.");
    /* the header carries the code in "Code:uri" form; the body the message */
    parse(HW_AWS_REST_JSON, "error_restjson_header.json",
          "ThrottlingException:http://internal.amazon.com/coral/com.amazon.coral.availability/", 429,
          &e);
    CU_ASSERT_STRING_EQUAL(e.code, "ThrottlingException");
    CU_ASSERT_STRING_EQUAL(e.message, "Rate exceeded");
    /* the header wins over the body */
    parse(HW_AWS_JSON, "error_json_namespaced.json", "aws.x#ServiceUnavailableException", 503, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "ServiceUnavailableException");
    parse(HW_AWS_REST_JSON, "error_restjson_lower.json", "", 400, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "InvalidInputException");
    CU_ASSERT_STRING_EQUAL(e.message, "Invalid parameter 'MaxResults'");
    /* Query: ErrorResponse/Error/Code, the request id beside Error */
    parse(HW_AWS_QUERY, "error_query.xml", NULL, 403, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "SignatureDoesNotMatch");
    CU_ASSERT_STRING_EQUAL(e.request_id, "4b3c1f2e-0000-4a5b-9c8d-000000000001");
    CU_ASSERT_TRUE(hw_starts_with(e.message, "The request signature we calculated"));
    CU_ASSERT_FALSE(hw_aws_should_retry(e.http_status, e.code, 0));
    /* EC2: Response/Errors/Error, RequestID */
    parse(HW_AWS_EC2, "error_ec2.xml", NULL, 503, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "RequestLimitExceeded");
    CU_ASSERT_STRING_EQUAL(e.message, "Request limit exceeded.");
    CU_ASSERT_STRING_EQUAL(e.request_id, "a1b2c3d4-ec2-0000-0000-000000000002");
    CU_ASSERT_TRUE(hw_aws_should_retry(e.http_status, e.code, 0));
    /* S3: Error at the root */
    parse(HW_AWS_REST_XML, "error_s3.xml", NULL, 503, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "SlowDown");
    CU_ASSERT_STRING_EQUAL(e.request_id, "K2H6N7ZGQT6WHCEG");
    CU_ASSERT_TRUE(hw_aws_should_retry(e.http_status, e.code, 0));
    /* an HTML page from a proxy: the status decides */
    parse(HW_AWS_QUERY, "error_html.txt", NULL, 502, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "ServiceError");
    CU_ASSERT_TRUE(hw_aws_should_retry(e.http_status, e.code, 0));
    parse(HW_AWS_REST_JSON, "error_html.txt", NULL, 403, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "AccessDenied");
    CU_ASSERT_FALSE(hw_aws_should_retry(e.http_status, e.code, 0));
    parse(HW_AWS_JSON, "error_html.txt", NULL, 429, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "TooManyRequestsException");
}

static void test_error_hostile(void)
{
    hw_aws_error e;
    /* one line, bounded, no control characters */
    parse(HW_AWS_QUERY, "error_hostile.xml", NULL, 400, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "ValidationError");
    CU_ASSERT_TRUE(strlen(e.message) < sizeof e.message);
    CU_ASSERT_TRUE(strlen(e.request_id) < sizeof e.request_id);
    for (const char *p = e.message; *p; p++)
        CU_ASSERT_TRUE_FATAL((unsigned char)*p >= 0x20);
    CU_ASSERT_TRUE(hw_starts_with(e.message, "line one line two"));
    /* external entities are neither fetched nor expanded */
    parse(HW_AWS_QUERY, "error_entity.xml", NULL, 403, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "AccessDenied");
    CU_ASSERT_PTR_NULL(strstr(e.message, "\n"));
    hw_buf hb = HW_BUF_INIT(0);
    hw_err fe;
    if (hw_file_read("/etc/hostname", 4096, &hb, &fe) == HW_OK && hb.len > 1) {
        hb.data[strcspn(hb.data, "\r\n")] = '\0';
        if (*hb.data)
            CU_ASSERT_PTR_NULL(strstr(e.message, hb.data));
    }
    hw_buf_free(&hb);
    /* JSON: a __type that is not a string, an array body, a huge body */
    const char *odd[] = { "{\"__type\": 42, \"message\": [1]}", "[]", "null", "{\"__type\":\"\"}",
                          "{\"__type\":\"#\"}", "{\"__type\":\"a#b#C:d:e\"}" };
    for (size_t i = 0; i < HW_ARRAY_LEN(odd); i++) {
        memset(&e, 0, sizeof e);
        e.http_status = 400;
        hw_aws_parse_error(HW_AWS_JSON, odd[i], strlen(odd[i]), NULL, &e);
        CU_ASSERT_TRUE(strlen(e.code) < sizeof e.code);
    }
    CU_ASSERT_STRING_EQUAL(e.code, "C");
    hw_buf big = HW_BUF_INIT(0);
    hw_buf_puts(&big, "{\"__type\":\"");
    for (int i = 0; i < 1000; i++)
        hw_buf_puts(&big, "Abcdefghij");
    hw_buf_puts(&big, "\",\"message\":\"m\"}");
    memset(&e, 0, sizeof e);
    hw_aws_parse_error(HW_AWS_JSON, big.data, big.len, NULL, &e);
    CU_ASSERT_EQUAL(strlen(e.code), sizeof e.code - 1);
    hw_buf_free(&big);
    /* empty and unparsable bodies leave a usable record */
    memset(&e, 0, sizeof e);
    e.http_status = 500;
    hw_aws_parse_error(HW_AWS_REST_XML, "", 0, NULL, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "ServiceError");
    memset(&e, 0, sizeof e);
    e.http_status = 400;
    hw_aws_parse_error(HW_AWS_REST_XML, "<Error><Code>Trunc", 18, NULL, &e);
    CU_ASSERT_TRUE(strlen(e.code) < sizeof e.code);
}

int test_aws_proto_register(void)
{
    CU_pSuite s = CU_add_suite("aws_proto", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "query components are RFC 3986-encoded", test_query_encoding) ||
        !CU_add_test(s, "query strings are sorted as SigV4 sorts them", test_query_order) ||
        !CU_add_test(s, "path and component encoding", test_uri_encode_path) ||
        !CU_add_test(s, "endpoints per partition, FIPS", test_endpoint_partitions) ||
        !CU_add_test(s, "endpoint overrides and their precedence", test_endpoint_overrides) ||
        !CU_add_test(s, "retry decisions", test_retry_table) ||
        !CU_add_test(s, "backoff bounds and Retry-After", test_backoff_bounds) ||
        !CU_add_test(s, "error responses per protocol", test_error_fixtures) ||
        !CU_add_test(s, "hostile error responses", test_error_hostile))
        return -1;
    return 0;
}
