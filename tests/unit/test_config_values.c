/*
 * test_config_values.c - configuration values are checked when the file
 * is loaded (not at first use), each error naming the key path: regions,
 * account ids, URLs, control characters, and remediation.controls against
 * the catalogue.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"

static int parse(const char *text, hw_config **c, hw_err *e)
{
    hw_err_clear(e);
    return hw_config_parse("test.json", text, strlen(text), c, e);
}

static void test_bad_values(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        { "{\"aws\": {\"region\": \"\"}}", "test.json: aws.region: \"\" is not a region name" },
        { "{\"aws\": {\"region\": \"us-east-1\\n\"}}", "aws.region: \"us-east-1\\x0a\" holds a control character" },
        { "{\"aws\": {\"region\": \"us-east-1\\u001b[2J\"}}", "aws.region: \"us-east-1\\x1b[2J\" holds a control character" },
        { "{\"aws\": {\"region\": \"US-EAST-1\"}}", "aws.region: \"US-EAST-1\" is not a region name" },
        { "{\"scan\": {\"aggregator_account\": \"12\"}}", "scan.aggregator_account: \"12\" is not an account id (12 digits)" },
        { "{\"scan\": {\"aggregator_region\": \"mars\"}}", "scan.aggregator_region: \"mars\" is not a region name" },
        { "{\"aws\": {\"endpoint_url\": \"not a url\"}}", "aws.endpoint_url: \"not a url\" is not an http:// or https:// URL" },
        { "{\"aws\": {\"endpoint_url\": \"http://\"}}", "aws.endpoint_url: \"http://\" is not" },
        { "{\"aws\": {\"endpoint_url\": \"http://host:0\"}}", "aws.endpoint_url:" },
        { "{\"aws\": {\"endpoint_url\": \"http://host:70000\"}}", "aws.endpoint_url:" },
        { "{\"aws\": {\"endpoint_url\": \"https://a b\"}}", "aws.endpoint_url:" },
        { "{\"aws\": {\"endpoints\": {\"sts\": \"http:// x\"}}}", "aws.endpoints.sts:" },
        { "{\"organization\": {\"include_accounts\": [\"abc\"]}}", "organization.include_accounts[0]: \"abc\" is not an account id" },
        { "{\"organization\": {\"exclude_accounts\": [\"111111111111\", \"1111111111112\"]}}", "organization.exclude_accounts[1]:" },
        { "{\"organization\": {\"regions\": [\"us-east-1\", \"us east 1\"]}}", "organization.regions[1]: \"us east 1\" is not a region name" },
        { "{\"db\": \"x\\u007f.db\"}", "db: \"x\\x7f.db\" holds a control character" },
        { "{\"organization\": {\"role_name\": \"R\\tx\"}}", "organization.role_name:" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hw_config *c = NULL;
        hw_err e;
        CU_ASSERT_EQUAL(parse(cases[i].text, &c, &e), HW_EINVAL);
        CU_ASSERT_PTR_NULL(c);
        hw_config_free(c);
        if (!strstr(e.msg, cases[i].msg)) {
            fprintf(stderr, "\ncase %zu: got '%s', want '%s'\n", i, e.msg, cases[i].msg);
            CU_FAIL("bad value not refused by name");
        }
    }
}

static void test_good_values(void)
{
    static const char *const ok[] = {
        "{\"aws\": {\"region\": \"us-gov-west-1\", \"endpoint_url\": \"http://127.0.0.1:4566\"}}",
        "{\"aws\": {\"region\": \"eusc-de-east-1\", \"endpoint_url\": \"https://[::1]:443/path\"}}",
        "{\"aws\": {\"endpoints\": {\"sts\": \"https://sts.example.com\"}}}",
        "{\"scan\": {\"aggregator_account\": \"222222222222\", \"aggregator_region\": \"eu-west-1\"}}",
        "{\"scan\": {\"aggregator_account\": \"\", \"aggregator_region\": \"\"}}",
        "{\"organization\": {\"include_accounts\": [\"333333333333\"], \"regions\": [\"cn-north-1\"]}}",
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        hw_config *c = NULL;
        hw_err e;
        int rc = parse(ok[i], &c, &e);
        if (rc != HW_OK)
            fprintf(stderr, "\ncase %zu: %s\n", i, e.msg);
        CU_ASSERT_EQUAL(rc, HW_OK);
        hw_config_free(c);
    }
}

static int only_s3_8(void *arg, const char *id)
{
    (void)arg;
    return strcmp(id, "S3.8") == 0;
}

static void test_remediation_controls(void)
{
    hw_config *c = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(parse("{\"remediation\": {\"controls\": {\"S3.8\": \"auto\", "
                                "\"S3.99\": \"auto\"}}}", &c, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_config_check_controls(c, only_s3_8, NULL, "controls", &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "test.json: remediation.controls.S3.99: not a control of "
                                         "the catalogue in controls"));
    hw_config_free(c);
    CU_ASSERT_EQUAL_FATAL(parse("{\"remediation\": {\"controls\": {\"S3.8\": \"auto\"}}}", &c, &e),
                          HW_OK);
    CU_ASSERT_EQUAL(hw_config_check_controls(c, only_s3_8, NULL, "controls", &e), HW_OK);
    hw_config_free(c);
}

int test_config_values_register(void)
{
    CU_pSuite s = CU_add_suite("config values", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "bad values are refused by key path", test_bad_values) ||
        !CU_add_test(s, "good values pass", test_good_values) ||
        !CU_add_test(s, "remediation.controls against the catalogue", test_remediation_controls))
        return -1;
    return 0;
}
