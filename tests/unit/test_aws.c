/*
 * test_aws.c - the AWS client's pure parts: canonical query strings,
 * endpoint resolution, retry decisions and backoff, error parsing per
 * protocol, and the credential chain with a temporary HOME.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws_env.h"

static void test_canonical_query(void)
{
    hw_aws_param p[] = { { "b", "2" }, { "a", "1" }, { "Version", "2011-06-15" },
                         { "Action", "AssumeRole" }, { "RoleSessionName", "hub warden/x+y" },
                         { "a", "0" } };
    hw_buf b = HW_BUF_INIT(0);
    CU_ASSERT_EQUAL(hw_aws_canonical_query(p, 6, &b), 0);
    /* sorted by name (byte order: upper case first), then value; RFC 3986 */
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "Action=AssumeRole&RoleSessionName=hub%20warden%2Fx%2By"
                                           "&Version=2011-06-15&a=0&a=1&b=2");
    hw_buf_free(&b);
    hw_buf u = HW_BUF_INIT(0);
    hw_aws_uri_encode(&u, "a~b-c_d.e/f\xc3\xa9", 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&u), "a~b-c_d.e/f%C3%A9");
    hw_buf_free(&u);
}

static char *endpoint(const hw_aws_options *o, const hw_aws_service *s, const char *region)
{
    char *url = NULL;
    hw_err e;
    if (hw_aws_endpoint(o, s, region, &url, &e) != HW_OK)
        return strdup(e.msg);
    return url;
}

static void expect_endpoint(const hw_aws_options *o, const hw_aws_service *s, const char *region,
                            const char *want)
{
    char *got = endpoint(o, s, region);
    if (strcmp(got, want) != 0)
        fprintf(stderr, "\nendpoint: got %s, want %s\n", got, want);
    CU_ASSERT_STRING_EQUAL(got, want);
    free(got);
}

static void test_endpoints(void)
{
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_SECURITYHUB");
    hw_aws_options o = { 0 };
    expect_endpoint(&o, &hw_svc_securityhub, "eu-west-1", "https://securityhub.eu-west-1.amazonaws.com");
    expect_endpoint(&o, &hw_svc_sts, "cn-north-1", "https://sts.cn-north-1.amazonaws.com.cn");
    expect_endpoint(&o, &hw_svc_organizations, "eu-west-1", "https://organizations.us-east-1.amazonaws.com");
    expect_endpoint(&o, &hw_svc_organizations, "us-gov-west-1",
                    "https://organizations.us-gov-west-1.amazonaws.com");
    CU_ASSERT_STRING_EQUAL(hw_aws_partition("us-gov-east-1"), "aws-us-gov");
    CU_ASSERT_STRING_EQUAL(hw_aws_partition("cn-northwest-1"), "aws-cn");
    CU_ASSERT_STRING_EQUAL(hw_aws_partition("ap-south-1"), "aws");
    o.use_fips = 1;
    expect_endpoint(&o, &hw_svc_securityhub, "us-east-1", "https://securityhub-fips.us-east-1.amazonaws.com");
    o.use_fips = 0;
    /* overrides: per-service env beats config beats general env beats config */
    hw_aws_endpoint_override ov[] = { { "securityhub", "http://127.0.0.1:9/" } };
    o.endpoints = ov;
    o.nendpoints = 1;
    o.endpoint_url = "https://general.example";
    expect_endpoint(&o, &hw_svc_securityhub, "us-east-1", "http://127.0.0.1:9");
    expect_endpoint(&o, &hw_svc_sts, "us-east-1", "https://general.example");
    setenv("AWS_ENDPOINT_URL", "http://env.example:1", 1);
    expect_endpoint(&o, &hw_svc_sts, "us-east-1", "http://env.example:1");
    setenv("AWS_ENDPOINT_URL_SECURITYHUB", "http://sh.example:2", 1);
    expect_endpoint(&o, &hw_svc_securityhub, "us-east-1", "http://sh.example:2");
    setenv("AWS_ENDPOINT_URL_SECURITYHUB", "ftp://bad", 1);
    char *msg = endpoint(&o, &hw_svc_securityhub, "us-east-1");
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "AWS_ENDPOINT_URL_SECURITYHUB"));
    free(msg);
    unsetenv("AWS_ENDPOINT_URL");
    unsetenv("AWS_ENDPOINT_URL_SECURITYHUB");
    hw_aws_options none = { 0 };
    msg = endpoint(&none, &hw_svc_sts, NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "no AWS region"));
    free(msg);
    msg = endpoint(&none, &hw_svc_sts, "us-east-1.evil.com/");
    CU_ASSERT_PTR_NOT_NULL(strstr(msg, "not an AWS region"));
    free(msg);
}

static void test_retry(void)
{
    CU_ASSERT_TRUE(hw_aws_should_retry(400, "ThrottlingException", 0));
    CU_ASSERT_TRUE(hw_aws_should_retry(429, "TooManyRequestsException", 0));
    CU_ASSERT_TRUE(hw_aws_should_retry(400, "RequestLimitExceeded", 0));
    CU_ASSERT_TRUE(hw_aws_should_retry(503, "", 0));
    CU_ASSERT_TRUE(hw_aws_should_retry(500, "InternalFailure", 0));
    CU_ASSERT_TRUE(hw_aws_should_retry(0, NULL, 1));
    CU_ASSERT_FALSE(hw_aws_should_retry(403, "SignatureDoesNotMatch", 0));
    CU_ASSERT_FALSE(hw_aws_should_retry(403, "InvalidSignatureException", 0));
    CU_ASSERT_FALSE(hw_aws_should_retry(403, "AccessDeniedException", 0));
    CU_ASSERT_FALSE(hw_aws_should_retry(400, "InvalidInputException", 0));
    CU_ASSERT_FALSE(hw_aws_should_retry(404, "ResourceNotFoundException", 0));
    /* full jitter, exponential ceiling, capped at 20 s */
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(1, 0.0, -1), 0);
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(1, 0.5, -1), 100);
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(3, 0.5, -1), 400);
    CU_ASSERT_TRUE(hw_aws_backoff_ms(30, 0.999999, -1) <= 20000);
    CU_ASSERT_TRUE(hw_aws_backoff_ms(8, 0.999999, -1) >= 19000);
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(1, 0.1, 3), 3000); /* Retry-After wins */
    CU_ASSERT_EQUAL(hw_aws_backoff_ms(1, 0.1, 600), 20000);
    /* a throttle waits at least half of a 340 ms-based ceiling: past the
     * refill of a bucket of a few calls a second, however the dice fall */
    CU_ASSERT_TRUE(hw_aws_is_throttle(429, ""));
    CU_ASSERT_TRUE(hw_aws_is_throttle(400, "ThrottlingException"));
    CU_ASSERT_FALSE(hw_aws_is_throttle(503, "ServiceUnavailable"));
    CU_ASSERT_EQUAL(hw_aws_backoff_kind_ms(1, 0.0, -1, 1), 340);
    CU_ASSERT_EQUAL(hw_aws_backoff_kind_ms(1, 0.5, -1, 1), 510);
    CU_ASSERT_EQUAL(hw_aws_backoff_kind_ms(2, 0.0, -1, 1), 680);
    CU_ASSERT_EQUAL(hw_aws_backoff_kind_ms(1, 0.0, -1, 0), 0);
    CU_ASSERT_TRUE(hw_aws_backoff_kind_ms(30, 0.999999, -1, 1) <= 20000);
}

static void test_errors(void)
{
    hw_aws_error e;
    const char *j = "{\"__type\": \"com.amazonaws.securityhub#InvalidInputException\", \"Message\": \"bad\\nfilter\"}";
    memset(&e, 0, sizeof e);
    hw_aws_parse_error(HW_AWS_REST_JSON, j, strlen(j), NULL, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "InvalidInputException");
    CU_ASSERT_STRING_EQUAL(e.message, "bad filter");
    memset(&e, 0, sizeof e);
    hw_aws_parse_error(HW_AWS_REST_JSON, "{}", 2, "TooManyRequestsException:http://internal.amazon.com/", &e);
    CU_ASSERT_STRING_EQUAL(e.code, "TooManyRequestsException");
    const char *q = "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>"
                    "<Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match"
                    "</Message></Error><RequestId>abc-123</RequestId></ErrorResponse>";
    memset(&e, 0, sizeof e);
    hw_aws_parse_error(HW_AWS_QUERY, q, strlen(q), NULL, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "SignatureDoesNotMatch");
    CU_ASSERT_STRING_EQUAL(e.request_id, "abc-123");
    const char *ec2 = "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message>"
                      "</Error></Errors><RequestID>r-9</RequestID></Response>";
    memset(&e, 0, sizeof e);
    hw_aws_parse_error(HW_AWS_EC2, ec2, strlen(ec2), NULL, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "RequestLimitExceeded");
    CU_ASSERT_STRING_EQUAL(e.request_id, "r-9");
    const char *s3 = "<Error><Code>NoSuchPublicAccessBlockConfiguration</Code><Message>none</Message>"
                     "<RequestId>s3-1</RequestId></Error>";
    memset(&e, 0, sizeof e);
    hw_aws_parse_error(HW_AWS_REST_XML, s3, strlen(s3), NULL, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "NoSuchPublicAccessBlockConfiguration");
    /* garbage: the status decides */
    memset(&e, 0, sizeof e);
    e.http_status = 503;
    hw_aws_parse_error(HW_AWS_JSON, "<html>", 6, NULL, &e);
    CU_ASSERT_STRING_EQUAL(e.code, "ServiceError");
}

/* ------------------------------------------------------- credential chain */

static char home[64];

static void write_file(const char *name, const char *text)
{
    hw_test_home_write(home, name, text);
}

static int resolve(const char *profile, hw_aws_creds *cr, hw_err *e)
{
    hw_aws_options o = { 0 };
    o.profile = profile;
    o.max_attempts = 1;
    hw_aws_client *c;
    CU_ASSERT_EQUAL_FATAL(hw_aws_client_new(&o, &c, e), HW_OK);
    int rc = hw_aws_resolve_creds(c, cr, e);
    hw_aws_client_free(c);
    return rc;
}

static void test_creds_chain(void)
{
    char saved_home[512];
    CU_ASSERT_EQUAL_FATAL(hw_test_home_make(home, "/tmp/hwhomeXXXXXX", saved_home), 0);
    hw_test_env_clear(home);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    write_file(".aws/credentials", "[default]\naws_access_key_id = AKIADEFAULT000000001\n"
                                   "aws_secret_access_key = defaultsecretdefaultsecret\n"
                                   "[dev]\naws_access_key_id=AKIADEV0000000000001\n"
                                   "aws_secret_access_key=devsecretdevsecretdevsecret\n"
                                   "aws_session_token=devtoken\n");
    write_file(".aws/config", "[default]\nregion = eu-central-1\n"
                              "[profile proc]\ncredential_process = printf '{\"Version\": 1, "
                              "\"AccessKeyId\": \"AKIAPROC000000000001\", \"SecretAccessKey\": "
                              "\"procsecretprocsecret\", \"SessionToken\": \"proctoken\", "
                              "\"Expiration\": \"2099-01-01T00:00:00Z\"}'\n"
                              "[profile badproc]\ncredential_process = sh -c 'exit 3'\n"
                              /* no shell: '|' and 'false' are printf's extra words */
                              "[profile noshell]\ncredential_process = printf '{\"Version\": 1, "
                              "\"AccessKeyId\": \"AKIANOSHELL000000001\", \"SecretAccessKey\": "
                              "\"noshellsecretnoshell\"}' | false\n"
                              "[profile dquoted]\ncredential_process = printf \"%s\" "
                              "\"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIADQUOTED000000001\\\", "
                              "\\\"SecretAccessKey\\\": \\\"dquotedsecretdquoted\\\"}\"\n"
                              "[profile unclosed]\ncredential_process = printf 'oops\n"
                              "[profile missing]\ncredential_process = /nonexistent/helper --flag\n"
                              "[profile cfgkeys]\naws_access_key_id = AKIACFG0000000000001\n"
                              "aws_secret_access_key = cfgsecretcfgsecret\n"
                              "[profile norole]\nrole_arn = arn:aws:iam::111111111111:role/x\n");
    hw_aws_creds cr;
    hw_err e;
    /* the default profile */
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIADEFAULT000000001");
    CU_ASSERT_STRING_EQUAL(cr.source, "profile default");
    /* AWS_PROFILE, with a session token */
    setenv("AWS_PROFILE", "dev", 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIADEV0000000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "devtoken");
    unsetenv("AWS_PROFILE");
    /* credential_process, with an expiry */
    CU_ASSERT_EQUAL(resolve("proc", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIAPROC000000000001");
    CU_ASSERT_EQUAL(cr.expiration, 4070908800);
    CU_ASSERT_EQUAL(resolve("badproc", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile badproc: credential_process exited with status 3"));
    /* split into words as the AWS CLI splits it (shlex), run without a shell */
    CU_ASSERT_EQUAL(resolve("noshell", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIANOSHELL000000001");
    CU_ASSERT_EQUAL(resolve("dquoted", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIADQUOTED000000001");
    CU_ASSERT_EQUAL(resolve("unclosed", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile unclosed: credential_process: no closing quotation"));
    CU_ASSERT_EQUAL(resolve("missing", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile missing: credential_process could not be run"));
    /* static keys in the config file */
    CU_ASSERT_EQUAL(resolve("cfgkeys", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIACFG0000000000001");
    /* role_arn without a source: a clear error naming the profile */
    CU_ASSERT_EQUAL(resolve("norole", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile norole: role_arn needs source_profile"));
    /* a named profile that does not exist */
    CU_ASSERT_EQUAL(resolve("ghost", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile ghost"));
    /* the environment beats every file, AWS_PROFILE's too, but not a
     * profile named in the options (as `aws --profile`) */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV0000000000001", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "envsecretenvsecret", 1);
    setenv("AWS_PROFILE", "dev", 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIAENV0000000000001");
    CU_ASSERT_STRING_EQUAL(cr.source, "environment");
    unsetenv("AWS_PROFILE");
    CU_ASSERT_EQUAL(resolve("dev", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIADEV0000000000001");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    /* other file locations */
    write_file("creds2", "[default]\naws_access_key_id = AKIAOTHER00000000001\naws_secret_access_key = x1234567890\n");
    char p2[256];
    snprintf(p2, sizeof p2, "%s/creds2", home);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p2, 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIAOTHER00000000001");
    /* nothing anywhere */
    snprintf(p2, sizeof p2, "%s/none", home);
    setenv("AWS_SHARED_CREDENTIALS_FILE", p2, 1);
    setenv("AWS_CONFIG_FILE", p2, 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "no AWS credentials found"));
    /* the region from the profile */
    unsetenv("AWS_CONFIG_FILE");
    hw_aws_client *c;
    CU_ASSERT_EQUAL(hw_aws_client_new(NULL, &c, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(hw_aws_client_region(c), "eu-central-1");
    hw_aws_client_free(c);
    setenv("AWS_REGION", "ap-south-1", 1);
    CU_ASSERT_EQUAL(hw_aws_client_new(NULL, &c, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(hw_aws_client_region(c), "ap-south-1");
    hw_aws_client_free(c);
    /* every source of the region is checked as aws.region is at load:
     * before, an escape sequence or an empty word passed as the region
     * (and a scan then "saw 0 findings") */
    c = NULL;
    setenv("AWS_REGION", "eu-west-1\033[31m", 1);
    CU_ASSERT_EQUAL(hw_aws_client_new(NULL, &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "AWS_REGION: \"eu-west-1\\x1b[31m\" is not a region name"));
    unsetenv("AWS_REGION");
    setenv("AWS_DEFAULT_REGION", "us east 1", 1);
    CU_ASSERT_EQUAL(hw_aws_client_new(NULL, &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "AWS_DEFAULT_REGION"));
    unsetenv("AWS_DEFAULT_REGION");
    hw_aws_options ro;
    memset(&ro, 0, sizeof ro);
    ro.region = "us-east-1;rm";
    CU_ASSERT_EQUAL(hw_aws_client_new(&ro, &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "region option"));
    write_file(".aws/config", "[default]\nregion = ../../etc\n");
    CU_ASSERT_EQUAL(hw_aws_client_new(NULL, &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "[default] region: \"../../etc\""));
    if (hw_test_home_remove(home, saved_home) != 0)
        CU_FAIL("cleanup");
    hw_log_clear_secrets();
}

int test_aws_register(void)
{
    CU_pSuite s = CU_add_suite("aws", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "canonical query strings", test_canonical_query) ||
        !CU_add_test(s, "endpoints", test_endpoints) ||
        !CU_add_test(s, "retry decisions and backoff", test_retry) ||
        !CU_add_test(s, "error parsing per protocol", test_errors) ||
        !CU_add_test(s, "credential chain", test_creds_chain))
        return -1;
    return 0;
}
