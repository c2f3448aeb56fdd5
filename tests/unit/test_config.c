/*
 * test_config.c - the configuration loader: defaults, every key type, and
 * errors that name the key path.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "config/config.h"

static int parse(const char *text, hw_config **c, hw_err *e)
{
    hw_err_clear(e);
    return hw_config_parse("test.json", text, strlen(text), c, e);
}

static void test_defaults(void)
{
    hw_config *c = hw_config_defaults();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_STRING_EQUAL(c->db, "./hubwarden.db");
    CU_ASSERT_EQUAL(c->aws.max_attempts, 5);
    CU_ASSERT_EQUAL(c->scan.page_size, 100);
    CU_ASSERT_EQUAL(c->scan.burst, 6);
    CU_ASSERT_EQUAL(c->scan.nproducts, 2);
    CU_ASSERT_EQUAL(hw_config_remedy_mode(c, "S3.8"), HW_REMEDY_OFF);
    hw_config_free(c);
}

static void test_full(void)
{
    hw_config *c;
    hw_err e;
    const char *text =
        "{\"db\": \"/var/lib/hubwarden/x.db\", \"log_format\": \"json\",\n"
        " \"aws\": {\"region\": \"eu-west-1\", \"max_attempts\": 7, \"use_fips\": true,\n"
        "         \"endpoints\": {\"securityhub\": \"http://127.0.0.1:1\"}},\n"
        " \"organization\": {\"mode\": \"assume-role\", \"regions\": [\"eu-west-1\", \"us-east-1\"],\n"
        "                  \"external_id\": \"xid\"},\n"
        " \"scan\": {\"rate\": 2.5, \"overlap_seconds\": 60},\n"
        " \"remediation\": {\"default\": \"approval\", \"controls\": {\"S3.8\": \"auto\", \"EC2.19\": \"off\"}}}";
    CU_ASSERT_EQUAL_FATAL(parse(text, &c, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(c->db, "/var/lib/hubwarden/x.db");
    CU_ASSERT_STRING_EQUAL(c->log_format, "json");
    CU_ASSERT_STRING_EQUAL(c->aws.region, "eu-west-1");
    CU_ASSERT_EQUAL(c->aws.max_attempts, 7);
    CU_ASSERT_TRUE(c->aws.use_fips);
    CU_ASSERT_EQUAL_FATAL(c->aws.nendpoints, 1);
    CU_ASSERT_STRING_EQUAL(c->aws.endpoints[0].key, "securityhub");
    CU_ASSERT_STRING_EQUAL(c->aws.endpoints[0].value, "http://127.0.0.1:1");
    CU_ASSERT_EQUAL(c->organization.nregions, 2);
    CU_ASSERT_STRING_EQUAL(c->organization.regions[1], "us-east-1");
    CU_ASSERT_DOUBLE_EQUAL(c->scan.rate, 2.5, 1e-9);
    CU_ASSERT_EQUAL(hw_config_remedy_mode(c, "S3.8"), HW_REMEDY_AUTO);
    CU_ASSERT_EQUAL(hw_config_remedy_mode(c, "EC2.19"), HW_REMEDY_OFF);
    CU_ASSERT_EQUAL(hw_config_remedy_mode(c, "IAM.4"), HW_REMEDY_APPROVAL);
    hw_config_free(c);
}

struct bad {
    const char *text;
    const char *msg;
};

static void test_errors(void)
{
    static const struct bad cases[] = {
        { "{\"remediation\": {\"controls\": {\"S3.8\": \"yes\"}}}",
          "test.json: remediation.controls.S3.8: expected \"auto\", \"approval\" or \"off\"" },
        { "{\"aws\": {\"max_attempts\": \"5\"}}", "aws.max_attempts: expected an integer from 1 to 20" },
        { "{\"aws\": {\"max_attempts\": 0}}", "aws.max_attempts: expected an integer from 1 to 20" },
        { "{\"aws\": {\"regoin\": \"x\"}}", "aws.regoin: unknown key" },
        { "{\"dbx\": 1}", "dbx: unknown key" },
        { "{\"aws\": 3}", "aws: expected an object" },
        { "{\"log_format\": \"xml\"}", "log_format: expected \"text\" or \"json\"" },
        { "{\"organization\": {\"regions\": [\"a\", 2]}}", "organization.regions[1]: expected a non-empty string" },
        { "{\"aws\": {\"endpoints\": {\"sts\": \"ftp://x\"}}}", "aws.endpoints.sts: expected an http:// or https:// URL" },
        { "{\"remediation\": {\"controls\": {\"bogus\": \"auto\"}}}", "remediation.controls.bogus: not a Security Hub control id" },
        { "{\"db\": \"a\", \"db\": \"b\"}", "db: key given twice" },
        { "{\n\"db\": \"a\",\n,}", "test.json: line 3: not valid JSON" },
        { "[1]", "expected a JSON object" },
        { "{\"organization\": {\"mode\": \"assume-role\"}}", "organization.regions: required" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hw_config *c = NULL;
        hw_err e;
        CU_ASSERT_EQUAL(parse(cases[i].text, &c, &e), HW_EINVAL);
        CU_ASSERT_PTR_NULL(c);
        if (!strstr(e.msg, cases[i].msg)) {
            fprintf(stderr, "\ncase %zu: got '%s', want '%s'\n", i, e.msg, cases[i].msg);
            CU_FAIL("message does not name the key");
        }
    }
}

static void test_missing_file(void)
{
    hw_config *c;
    hw_err e;
    CU_ASSERT_EQUAL(hw_config_load("/nonexistent/hubwarden.json", &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/hubwarden.json"));
}

int test_config_register(void)
{
    CU_pSuite s = CU_add_suite("config", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "defaults", test_defaults) ||
        !CU_add_test(s, "every key type", test_full) ||
        !CU_add_test(s, "errors name the key path", test_errors) ||
        !CU_add_test(s, "missing file", test_missing_file))
        return -1;
    return 0;
}
