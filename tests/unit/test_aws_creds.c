/*
 * test_aws_creds.c - the credential chain and the region as far as files
 * and the environment decide them (no network: the sources that speak
 * HTTP are in test_aws_http.c).  Each test runs with a temporary HOME and
 * a clean AWS_* environment, and restores both.
 *
 * Complements test_aws.c's chain test: precedence of the region sources,
 * the profile options, [profile default], credential_process output
 * errors and quoting, source_profile cycles, and the redaction of every
 * secret loaded.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws_env.h"

static char home[64];
static char saved_home[512];

static void clean_env(void)
{
    hw_test_env_clear(home);
    /* never reach for a real metadata service from a unit test */
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
}

static int suite_init(void)
{
    return hw_test_home_make(home, "/tmp/hwawscredXXXXXX", saved_home);
}

static int suite_clean(void)
{
    hw_log_clear_secrets();
    return hw_test_home_remove(home, saved_home);
}

static void put(const char *name, const char *text)
{
    hw_test_home_write(home, name, text);
}

static hw_aws_client *client(const char *profile, const char *region)
{
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    o.profile = profile;
    o.region = region;
    o.max_attempts = 1;
    hw_aws_client *c = NULL;
    hw_err e;
    CU_ASSERT_EQUAL(hw_aws_client_new(&o, &c, &e), HW_OK);
    return c;
}

static int resolve(const char *profile, hw_aws_creds *cr, hw_err *e)
{
    hw_aws_client *c = client(profile, "us-east-1");
    if (!c)
        return HW_EINTERNAL;
    int rc = hw_aws_resolve_creds(c, cr, e);
    hw_aws_client_free(c);
    return rc;
}

static const char *region_of(const char *profile, const char *opt_region)
{
    static char out[64];
    hw_aws_client *c = client(profile, opt_region);
    if (!c)
        return "";
    snprintf(out, sizeof out, "%s", hw_aws_client_region(c));
    hw_aws_client_free(c);
    return out;
}

static void test_region_precedence(void)
{
    clean_env();
    put(".aws/config", "[default]\nregion = eu-central-1\n[profile far]\nregion = ap-southeast-2\n");
    put(".aws/credentials", "");
    CU_ASSERT_STRING_EQUAL(region_of(NULL, NULL), "eu-central-1");
    CU_ASSERT_STRING_EQUAL(region_of("far", NULL), "ap-southeast-2");
    setenv("AWS_PROFILE", "far", 1);
    CU_ASSERT_STRING_EQUAL(region_of(NULL, NULL), "ap-southeast-2");
    /* the option's profile beats AWS_PROFILE */
    CU_ASSERT_STRING_EQUAL(region_of("default", NULL), "eu-central-1");
    setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
    CU_ASSERT_STRING_EQUAL(region_of(NULL, NULL), "us-west-1");
    setenv("AWS_REGION", "us-west-2", 1);
    CU_ASSERT_STRING_EQUAL(region_of(NULL, NULL), "us-west-2");
    CU_ASSERT_STRING_EQUAL(region_of(NULL, "ca-central-1"), "ca-central-1"); /* --region */
    /* empty values do not count */
    setenv("AWS_REGION", "", 1);
    setenv("AWS_DEFAULT_REGION", "", 1);
    CU_ASSERT_STRING_EQUAL(region_of(NULL, ""), "ap-southeast-2");
    /* AWS_CONFIG_FILE moves the config */
    unsetenv("AWS_PROFILE");
    put("other-config", "[default]\nregion = sa-east-1\n");
    char p[256];
    snprintf(p, sizeof p, "%s/other-config", home);
    setenv("AWS_CONFIG_FILE", p, 1);
    CU_ASSERT_STRING_EQUAL(region_of(NULL, NULL), "sa-east-1");
    /* no region anywhere: empty, and endpoints then say so */
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    CU_ASSERT_STRING_EQUAL(region_of(NULL, NULL), "");
    /* the partition follows the region */
    hw_aws_client *c = client(NULL, "cn-north-1");
    CU_ASSERT_STRING_EQUAL(hw_aws_client_partition(c), "aws-cn");
    hw_aws_client_free(c);
    c = client(NULL, "us-gov-west-1");
    CU_ASSERT_STRING_EQUAL(hw_aws_client_partition(c), "aws-us-gov");
    hw_aws_client_free(c);
}

static void test_profile_forms(void)
{
    clean_env();
    /* comments, blank lines, spaces around '=' */
    put(".aws/credentials", "# hubwarden test\n; another comment\n\n"
                            "[ci]\n  aws_access_key_id=AKIACI00000000000001\n"
                            "aws_secret_access_key   =   cisecretcisecretcisecret01\n");
    /* the default profile may be written [profile default] in config */
    put(".aws/config", "[profile default]\naws_access_key_id = AKIADEFCFG0000000001\n"
                       "aws_secret_access_key = defcfgsecretdefcfgsecret01\n"
                       "aws_session_token = defcfgtokendefcfgtoken01\n");
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL(resolve("ci", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIACI00000000000001");
    CU_ASSERT_STRING_EQUAL(cr.secret_access_key, "cisecretcisecretcisecret01");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "");
    CU_ASSERT_EQUAL(cr.expiration, 0);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIADEFCFG0000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "defcfgtokendefcfgtoken01");
    CU_ASSERT_STRING_EQUAL(cr.source, "profile default (config)");
    /* half a key pair in the environment is no key pair */
    setenv("AWS_ACCESS_KEY_ID", "AKIAHALF000000000001", 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIADEFCFG0000000001");
    /* a whole pair wins, with its session token, also over AWS_PROFILE */
    setenv("AWS_SECRET_ACCESS_KEY", "envsecretenvsecretenvsecret01", 1);
    setenv("AWS_SESSION_TOKEN", "envtokenenvtokenenvtoken01", 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIAHALF000000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "envtokenenvtokenenvtoken01");
    setenv("AWS_PROFILE", "ci", 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIAHALF000000000001");
    unsetenv("AWS_PROFILE");
    /* but a profile named in the options (aws.profile, as `aws --profile`)
     * is used whatever the environment holds */
    CU_ASSERT_EQUAL(resolve("ci", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIACI00000000000001");
    CU_ASSERT_STRING_EQUAL(cr.session_token, "");
    /* every secret loaded is hidden from the log */
    char *red = hw_redact("a cisecretcisecretcisecret01 b defcfgsecretdefcfgsecret01 "
                          "c defcfgtokendefcfgtoken01 d envsecretenvsecretenvsecret01 "
                          "e envtokenenvtokenenvtoken01");
    CU_ASSERT_STRING_EQUAL(red, "a [REDACTED] b [REDACTED] c [REDACTED] d [REDACTED] e [REDACTED]");
    free(red);
    /* the INI reader: a value, a missing key, a missing file */
    char p[256];
    snprintf(p, sizeof p, "%s/.aws/credentials", home);
    char *v = hw_aws_ini_get(p, "ci", "aws_access_key_id");
    CU_ASSERT_STRING_EQUAL(v ? v : "", "AKIACI00000000000001");
    free(v);
    CU_ASSERT_PTR_NULL(hw_aws_ini_get(p, "ci", "region"));
    CU_ASSERT_PTR_NULL(hw_aws_ini_get(p, "CI", "aws_access_key_id")); /* names are exact */
    CU_ASSERT_PTR_NULL(hw_aws_ini_get("/nonexistent/file", "ci", "x"));
}

static void test_process_output(void)
{
    clean_env();
    put(".aws/credentials", "");
    put(".aws/config",
        "[profile v2]\ncredential_process = printf '{\"Version\": 2, \"AccessKeyId\": \"A\", "
        "\"SecretAccessKey\": \"B\"}'\n"
        "[profile notjson]\ncredential_process = echo hello\n"
        "[profile nokeys]\ncredential_process = printf '{\"Version\": 1}'\n"
        "[profile quoted]\ncredential_process = sh -c 'printf \"%s\" \"$1\"' sh "
        "\"{\\\"Version\\\": 1, \\\"AccessKeyId\\\": \\\"AKIAQUOTED0000000001\\\", "
        "\\\"SecretAccessKey\\\": \\\"quoted secret with spaces\\\"}\"\n"
        "[profile missing]\ncredential_process = /nonexistent/credential-helper --profile x\n");
    hw_aws_creds cr;
    hw_err e;
    CU_ASSERT_EQUAL(resolve("v2", &cr, &e), HW_EINVAL);
    CU_ASSERT_STRING_EQUAL(e.msg, "profile v2: credential_process output must be JSON with Version 1");
    CU_ASSERT_EQUAL(resolve("notjson", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile notjson"));
    CU_ASSERT_NOT_EQUAL(resolve("nokeys", &cr, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "AccessKeyId"));
    /* arguments with quotes and spaces reach the helper intact */
    CU_ASSERT_EQUAL(resolve("quoted", &cr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIAQUOTED0000000001");
    CU_ASSERT_STRING_EQUAL(cr.secret_access_key, "quoted secret with spaces");
    CU_ASSERT_EQUAL(cr.expiration, 0); /* no Expiration: does not expire */
    /* a helper that does not exist is an error naming the profile */
    CU_ASSERT_NOT_EQUAL(resolve("missing", &cr, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile missing"));
}

static void test_profile_errors(void)
{
    clean_env();
    put(".aws/credentials", "[src]\naws_access_key_id = AKIASRC0000000000001\n"
                            "aws_secret_access_key = srcsecretsrcsecretsrc01\n");
    put(".aws/config", "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = b\n"
                       "[profile b]\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = a\n"
                       "[profile wif]\nrole_arn = arn:aws:iam::111111111111:role/W\n"
                       "web_identity_token_file = /nonexistent/wif-token\n"
                       "[profile nosrc]\nrole_arn = arn:aws:iam::111111111111:role/N\n"
                       "source_profile = ghost\n");
    hw_aws_creds cr;
    hw_err e;
    /* a cycle of source profiles ends with an error, before any request */
    CU_ASSERT_EQUAL(resolve("a", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "source_profile chain too long"));
    /* web_identity_token_file in a profile: the missing file is named */
    CU_ASSERT_NOT_EQUAL(resolve("wif", &cr, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/wif-token"));
    /* a source profile that does not exist */
    CU_ASSERT_NOT_EQUAL(resolve("nosrc", &cr, &e), HW_OK);
    /* AWS_PROFILE naming a missing profile is an error, not a fallback */
    setenv("AWS_PROFILE", "ghost", 1);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile ghost"));
}

/* A role profile whose source_profile has no credentials is an error, as
 * botocore says ("The source profile ... must have credentials"): never a
 * silent fall-through to container or instance credentials. */
static void test_empty_source_profile(void)
{
    clean_env();
    put(".aws/credentials", "[empty]\nregion = us-east-1\n");
    put(".aws/config", "[default]\nrole_arn = arn:aws:iam::111111111111:role/R\n"
                       "source_profile = empty\n"
                       "[profile viaenv]\nrole_arn = arn:aws:iam::111111111111:role/E\n"
                       "credential_source = Environment\n");
    /* a container endpoint that the chain would reach next (nothing
     * listens on port 1: a request would fail with a transport error) */
    setenv("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:1/creds", 1);
    hw_aws_creds cr;
    hw_err e;
    hw_err_clear(&e);
    /* the default profile, not named anywhere: the case that fell through */
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile default: the source profile empty must have "
                                         "credentials"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "container"));
    /* named, through another role profile */
    put(".aws/config", "[profile top]\nrole_arn = arn:aws:iam::111111111111:role/T\n"
                       "source_profile = mid\n"
                       "[profile mid]\nrole_arn = arn:aws:iam::111111111111:role/M\n"
                       "source_profile = empty\n");
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(resolve("top", &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile mid: the source profile empty must have"));
    /* credential_source = Environment with no keys there: an error too */
    put(".aws/config", "[default]\nrole_arn = arn:aws:iam::111111111111:role/E\n"
                       "credential_source = Environment\n");
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(resolve(NULL, &cr, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "credential_source Environment has no credentials"));
    unsetenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
}

int test_aws_creds_register(void)
{
    CU_pSuite s = CU_add_suite("aws_creds", suite_init, suite_clean);
    if (!s)
        return -1;
    if (!CU_add_test(s, "region: option, AWS_REGION, AWS_DEFAULT_REGION, profile",
                     test_region_precedence) ||
        !CU_add_test(s, "profiles: file forms, environment pairs, redaction", test_profile_forms) ||
        !CU_add_test(s, "credential_process: output errors, quoting", test_process_output) ||
        !CU_add_test(s, "profile errors: cycles, missing files and profiles", test_profile_errors) ||
        !CU_add_test(s, "a source profile without credentials is an error",
                     test_empty_source_profile))
        return -1;
    return 0;
}
