/*
 * test_remedy.c - the remediation decisions without AWS: the policy's
 * mode (disruptive controls), scope, the circuit breaker, trust re-checked
 * from the raw finding, the families' pure checks (which ingress rule
 * offends, which key is stale), and plans built from a real store (skips
 * with reasons, limits, open actions, approvals).
 */
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "remedy/remedy_int.h"

static hw_config *cfg_of(const char *json)
{
    hw_config *c = NULL;
    hw_err e;
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(hw_config_parse("test.json", json, strlen(json), &c, &e), HW_OK);
    if (!c)
        fprintf(stderr, "config: %s\n", e.msg);
    return c;
}

static void test_mode(void)
{
    hw_config *c = cfg_of("{\"remediation\": {\"default\": \"approval\", \"controls\": "
                          "{\"S3.8\": \"auto\", \"IAM.3\": \"auto\", \"EC2.19\": \"off\"}}}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_remedy_policy p;
    hw_err e;
    CU_ASSERT_EQUAL(hw_remedy_policy_init(&p, c, NULL, &e), HW_OK);
    char why[256];
    CU_ASSERT_EQUAL(hw_remedy_policy_mode(&p, "S3.8", 0, why, sizeof why), HW_REMEDY_AUTO);
    CU_ASSERT_STRING_EQUAL(why, "");
    CU_ASSERT_EQUAL(hw_remedy_policy_mode(&p, "EC2.19", 0, why, sizeof why), HW_REMEDY_OFF);
    CU_ASSERT_EQUAL(hw_remedy_policy_mode(&p, "EC2.7", 0, why, sizeof why), HW_REMEDY_APPROVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "EC2.7 needs approval"));
    /* disruptive and auto: approval, and the plan says why */
    const hw_remedy_family *f = hw_remedy_family_for("IAM.3");
    CU_ASSERT_PTR_EQUAL(f, &hw_remedy_iam_stale_keys);
    CU_ASSERT_TRUE(hw_remedy_disruptive(f, "IAM.3"));
    CU_ASSERT_FALSE(hw_remedy_disruptive(hw_remedy_family_for("S3.8"), "S3.8"));
    CU_ASSERT_EQUAL(hw_remedy_policy_mode(&p, "IAM.3", 1, why, sizeof why), HW_REMEDY_APPROVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "remediation.allow_disruptive_auto"));
    hw_config_free(c);
    c = cfg_of("{\"remediation\": {\"allow_disruptive_auto\": true, \"controls\": "
               "{\"IAM.3\": \"auto\"}}}");
    p.cfg = c;
    CU_ASSERT_EQUAL(hw_remedy_policy_mode(&p, "IAM.3", 1, why, sizeof why), HW_REMEDY_AUTO);
    /* nothing is changed unless the policy names it: the default is off */
    CU_ASSERT_EQUAL(hw_remedy_policy_mode(&p, "S3.8", 0, why, sizeof why), HW_REMEDY_OFF);
    hw_remedy_policy_free(&p);
    hw_config_free(c);
    /* families: every control maps to one, unknown controls to none */
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("S3.1"), &hw_remedy_s3_account_pab);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("EC2.54"), &hw_remedy_ec2_open_ingress);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("EC2.7"), &hw_remedy_ebs_default);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("IAM.15"), &hw_remedy_iam_password_policy);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("IAM.7"), &hw_remedy_iam_password_policy);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("S3.4"), &hw_remedy_s3_encryption);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("S3.5"), &hw_remedy_s3_deny_insecure);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("CloudTrail.4"), &hw_remedy_cloudtrail_validation);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("KMS.4"), &hw_remedy_kms_rotation);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("EC2.1"), &hw_remedy_ec2_public_snapshots);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("EC2.2"), &hw_remedy_ec2_default_sg);
    CU_ASSERT_TRUE(hw_remedy_disruptive(&hw_remedy_ec2_default_sg, "EC2.2"));
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("EC2.8"), &hw_remedy_ec2_imdsv2);
    CU_ASSERT_TRUE(hw_remedy_disruptive(&hw_remedy_ec2_imdsv2, "EC2.8"));
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("GuardDuty.1"), &hw_remedy_guardduty_enable);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("RDS.2"), &hw_remedy_rds_private);
    CU_ASSERT_TRUE(hw_remedy_disruptive(&hw_remedy_rds_private, "RDS.2"));
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("Lambda.1"), &hw_remedy_lambda_private);
    CU_ASSERT_TRUE(hw_remedy_disruptive(&hw_remedy_lambda_private, "Lambda.1"));
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("IAM.10"), &hw_remedy_iam_password_policy);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("RDS.1"), &hw_remedy_rds_snapshot_private);
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("SSM.4"), &hw_remedy_ssm_document_private);
    CU_ASSERT_PTR_NULL(hw_remedy_family_for("EC2.99"));
    CU_ASSERT_PTR_NULL(hw_remedy_family_for(""));
}

/* Lambda.1: which statements of a function policy are public */
static int lambda_public(const char *json)
{
    cJSON *s = cJSON_Parse(json);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    int r = hw_remedy_lambda_statement_public(s);
    cJSON_Delete(s);
    return r;
}

static void test_lambda_public(void)
{
    CU_ASSERT_TRUE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":\"*\"}"));
    CU_ASSERT_TRUE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"}}"));
    CU_ASSERT_TRUE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[\"arn:aws:iam::1:root\",\"*\"]}}"));
    /* a public function URL: the auth-type condition does not narrow the caller */
    CU_ASSERT_TRUE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Condition\":"
                                 "{\"StringEquals\":{\"lambda:FunctionUrlAuthType\":\"NONE\"}}}"));
    /* S3 can be any account's bucket unless the source is named */
    CU_ASSERT_TRUE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"}}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"s3.amazonaws.com\"},"
                                  "\"Condition\":{\"StringEquals\":{\"AWS:SourceAccount\":\"1\"}}}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"*\"},"
                                  "\"Condition\":{\"StringEquals\":{\"aws:PrincipalOrgID\":\"o-1\"}}}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Condition\":"
                                  "{\"ArnLike\":{\"aws:SourceArn\":\"arn:aws:s3:::b\"}}}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Deny\",\"Principal\":\"*\"}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::1:root\"}}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"events.amazonaws.com\"}}"));
    CU_ASSERT_FALSE(lambda_public("{\"Effect\":\"Allow\"}"));
}

/* remediation.include_tags / exclude_tags: entries match a key, or a key
 * and its value; exclusion wins; no list, no effect */
static void test_tag_scope(void)
{
    char *l[] = { "team", "env=prod", "a=b=c" };
    CU_ASSERT_TRUE(hw_remedy_tag_listed(l, 3, "team", "web"));
    CU_ASSERT_TRUE(hw_remedy_tag_listed(l, 3, "team", ""));
    CU_ASSERT_TRUE(hw_remedy_tag_listed(l, 3, "env", "prod"));
    CU_ASSERT_FALSE(hw_remedy_tag_listed(l, 3, "env", "production"));
    CU_ASSERT_FALSE(hw_remedy_tag_listed(l, 3, "envx", "prod"));
    CU_ASSERT_FALSE(hw_remedy_tag_listed(l, 3, "te", "x"));
    CU_ASSERT_TRUE(hw_remedy_tag_listed(l, 3, "a", "b=c")); /* the first = splits */
    hw_config *c = cfg_of("{\"remediation\": {\"include_tags\": [\"team=shop\"],"
                          " \"exclude_tags\": [\"legacy\"]}}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_remedy_target t = { "333333333333", "us-east-1", "S3.8", "arn:aws:s3:::b", "hubwarden:exempt",
                           NULL, c };
    char why[256];
    cJSON *st = cJSON_CreateObject();
    CU_ASSERT_FALSE(hw_remedy_tag_scope(c, st, why, sizeof why)); /* no tag: not included */
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "no tag of remediation.include_tags (team=shop)"));
    rx_tag(&t, st, "team", "web");
    CU_ASSERT_FALSE(hw_remedy_tag_scope(c, st, why, sizeof why));
    rx_tag(&t, st, "team", "shop");
    CU_ASSERT_TRUE(hw_remedy_tag_scope(c, st, why, sizeof why));
    rx_tag(&t, st, "legacy", "1");
    CU_ASSERT_FALSE(hw_remedy_tag_scope(c, st, why, sizeof why)); /* exclusion wins */
    CU_ASSERT_STRING_EQUAL(why, "tag legacy=1 is in remediation.exclude_tags");
    cJSON_Delete(st);
    hw_config_free(c);
    /* no lists: every resource is in scope, and nothing is noted */
    c = cfg_of("{}");
    t.cfg = c;
    st = cJSON_CreateObject();
    rx_tag(&t, st, "team", "shop");
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItemCaseSensitive(st, "ScopeTags"));
    CU_ASSERT_TRUE(hw_remedy_tag_scope(c, st, why, sizeof why));
    cJSON_Delete(st);
    hw_config_free(c);
}

static void test_scope(void)
{
    hw_config *c = cfg_of("{\"remediation\": {\"exclude_accounts\": [\"444444444444\"],"
                          " \"include_ous\": [\"ou-ab12-prod0001\"],"
                          " \"exclude_ous\": [\"ou-ab12-frozen01\"], \"regions\": [\"us-east-1\"]}}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    hw_remedy_policy p;
    hw_err e;
    hw_remedy_policy_init(&p, c, NULL, &e);
    hw_remedy_policy_add_account(&p, "333333333333", "r-ab12/ou-ab12-prod0001", 1, &e);
    hw_remedy_policy_add_account(&p, "555555555555", "r-ab12/ou-ab12-prod0001/ou-ab12-team0001", 1,
                                 &e);
    hw_remedy_policy_add_account(&p, "666666666666", "r-ab12/ou-ab12-prod0001/ou-ab12-frozen01", 1,
                                 &e);
    hw_remedy_policy_add_account(&p, "444444444444", "r-ab12/ou-ab12-prod0001", 1, &e);
    hw_remedy_policy_add_account(&p, "777777777777", "r-ab12/ou-ab12-dev00001", 1, &e);
    hw_remedy_policy_add_account(&p, "888888888888", "", 0, &e);
    char why[256];
    CU_ASSERT_TRUE(hw_remedy_policy_in_scope(&p, "333333333333", "us-east-1", why, sizeof why));
    /* an OU covers its descendants */
    CU_ASSERT_TRUE(hw_remedy_policy_in_scope(&p, "555555555555", "us-east-1", why, sizeof why));
    CU_ASSERT_FALSE(hw_remedy_policy_in_scope(&p, "666666666666", "us-east-1", why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "remediation.exclude_ous"));
    CU_ASSERT_FALSE(hw_remedy_policy_in_scope(&p, "444444444444", "us-east-1", why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "remediation.exclude_accounts"));
    CU_ASSERT_FALSE(hw_remedy_policy_in_scope(&p, "777777777777", "us-east-1", why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "remediation.include_ous"));
    CU_ASSERT_FALSE(hw_remedy_policy_in_scope(&p, "333333333333", "eu-west-1", why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "remediation.regions"));
    /* an OU id inside another's name does not match */
    CU_ASSERT_FALSE(hw_remedy_policy_in_scope(&p, "888888888888", "us-east-1", why, sizeof why));
    CU_ASSERT_TRUE(hw_remedy_policy_in_org(&p, "333333333333"));
    CU_ASSERT_FALSE(hw_remedy_policy_in_org(&p, "888888888888"));
    CU_ASSERT_FALSE(hw_remedy_policy_in_org(&p, "999999999999"));
    hw_remedy_policy_free(&p);
    hw_config_free(c);
}

static void test_breaker(void)
{
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.2, 1), 1u); /* one resource: always fixable */
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.2, 4), 1u);
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.2, 10), 2u);
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.2, 14), 2u);
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.2, 15), 3u);
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.5, 4), 2u);
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(1.0, 7), 7u);
    CU_ASSERT_EQUAL(hw_remedy_breaker_allow(0.0, 100), 1u);
}

static void test_resource_account(void)
{
    char a[16];
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws:ec2:us-east-1:333333333333:security-group/sg-1",
                                               "aws", a), 0);
    CU_ASSERT_STRING_EQUAL(a, "333333333333");
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws:s3:::bucket", "aws", a), 0);
    CU_ASSERT_STRING_EQUAL(a, "");
    CU_ASSERT_EQUAL(hw_remedy_resource_account("AWS::::Account:123456789012", "aws", a), 0);
    CU_ASSERT_STRING_EQUAL(a, "123456789012");
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws:iam::333333333333:user/x", "aws", a), 0);
    CU_ASSERT_STRING_EQUAL(a, "333333333333");
    /* another partition, malformed */
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws-cn:s3:::bucket", "aws", a), -1);
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws:ec2", "aws", a), -1);
    CU_ASSERT_EQUAL(hw_remedy_resource_account("bucket", "aws", a), -1);
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws:ec2:us-east-1:33:sg/x", "aws", a), -1);
    CU_ASSERT_EQUAL(hw_remedy_resource_account("AWS::::Account:12345", "aws", a), -1);
    CU_ASSERT_EQUAL(hw_remedy_resource_account("arn:aws:ec2:us-east-1:333333333333:", "aws", a), -1);
}

/* A raw Security Hub control finding, with fields overridden. */
static char *raw_finding(const char *product, const char *gen, const char *acct, const char *rid,
                         const char *workflow)
{
    return hw_asprintf("{\"Id\": \"f-1\", \"ProductArn\": \"%s\", \"GeneratorId\": \"%s\","
                       " \"AwsAccountId\": \"%s\", \"Region\": \"us-east-1\","
                       " \"Resources\": [{\"Id\": \"%s\", \"Type\": \"AwsEc2SecurityGroup\"}],"
                       " \"Compliance\": {\"Status\": \"FAILED\", \"SecurityControlId\": \"EC2.19\"},"
                       " \"Workflow\": {\"Status\": \"%s\"}, \"RecordState\": \"ACTIVE\"}",
                       product, gen, acct, rid, workflow);
}

static const char SH[] = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
static const char SG[] = "arn:aws:ec2:us-east-1:333333333333:security-group/sg-0a11";

static int trust(const char *product, const char *gen, const char *acct, const char *rid,
                 const char *workflow, int trusted, char *why, size_t n)
{
    hw_config *c = hw_config_defaults();
    hw_remedy_policy p;
    hw_err e;
    hw_remedy_policy_init(&p, c, NULL, &e);
    hw_remedy_policy_add_account(&p, "333333333333", "r-ab12", 1, &e);
    hw_remedy_policy_add_account(&p, "444444444444", "r-ab12", 0, &e); /* left the org */
    hw_finding_row f = { 0 };
    f.id = "f-1";
    f.product_arn = product;
    f.account_id = acct;
    f.region = "us-east-1";
    f.control_id = "EC2.19";
    f.trusted = trusted;
    f.untrusted_reason = trusted ? "" : "ingest said no";
    char *raw = raw_finding(product, gen, acct, rid, workflow);
    char res[2048];
    int ok = hw_remedy_trust(&f, raw, strlen(raw), &p, res, sizeof res, why, n);
    if (ok)
        CU_ASSERT_STRING_EQUAL(res, rid);
    free(raw);
    hw_remedy_policy_free(&p);
    hw_config_free(c);
    return ok;
}

static void test_trust(void)
{
    char why[512];
    CU_ASSERT_TRUE(trust(SH, "security-control/EC2.19", "333333333333", SG, "NEW", 1, why,
                         sizeof why));
    /* a standards-based generator with the control's id */
    CU_ASSERT_TRUE(trust(SH, "aws-foundational-security-best-practices/v/1.0.0/EC2.19",
                         "333333333333", SG, "NOTIFIED", 1, why, sizeof why));
    /* ingest's verdict stands */
    CU_ASSERT_FALSE(trust(SH, "security-control/EC2.19", "333333333333", SG, "NEW", 0, why,
                          sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "untrusted: ingest said no"));
    /* a third-party product claiming a control: refused even if ingest trusted it */
    CU_ASSERT_FALSE(trust("arn:aws:securityhub:us-east-1:999999999999:product/999999999999/default",
                          "security-control/EC2.19", "333333333333", SG, "NEW", 1, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "is not Security Hub's own"));
    /* Security Hub's ARN of another region */
    CU_ASSERT_FALSE(trust("arn:aws:securityhub:eu-west-1::product/aws/securityhub",
                          "security-control/EC2.19", "333333333333", SG, "NEW", 1, why, sizeof why));
    CU_ASSERT_FALSE(trust(SH, "security-control/S3.8", "333333333333", SG, "NEW", 1, why,
                          sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not Security Hub control EC2.19"));
    /* the resource's account differs from the finding's */
    CU_ASSERT_FALSE(trust(SH, "security-control/EC2.19", "333333333333",
                          "arn:aws:ec2:us-east-1:444444444444:security-group/sg-1", "NEW", 1, why,
                          sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "belongs to account 444444444444"));
    /* another partition, a malformed ARN */
    CU_ASSERT_FALSE(trust(SH, "security-control/EC2.19", "333333333333",
                          "arn:aws-cn:ec2:cn-north-1:333333333333:security-group/sg-1", "NEW", 1,
                          why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not an ARN of partition aws"));
    CU_ASSERT_FALSE(trust(SH, "security-control/EC2.19", "333333333333", "sg-1", "NEW", 1, why,
                          sizeof why));
    /* outside the Organization (left, or never in) */
    CU_ASSERT_FALSE(trust(SH, "security-control/EC2.19", "444444444444",
                          "arn:aws:ec2:us-east-1:444444444444:security-group/sg-1", "NEW", 1, why,
                          sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not in the Organization"));
    CU_ASSERT_FALSE(trust(SH, "security-control/EC2.19", "333333333333", SG, "SUPPRESSED", 1, why,
                          sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "SUPPRESSED"));
    /* the stored bytes are not a finding */
    hw_finding_row f = { 0 };
    f.region = "us-east-1";
    f.control_id = "EC2.19";
    f.account_id = "333333333333";
    f.trusted = 1;
    hw_remedy_policy p = { 0 };
    char res[64];
    CU_ASSERT_FALSE(hw_remedy_trust(&f, "[1,2", 4, &p, res, sizeof res, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a JSON object"));
    CU_ASSERT_FALSE(hw_remedy_trust(&f, "{} x", 4, &p, res, sizeof res, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a JSON object"));
}

/* Trust reads the raw finding's fields as cJSON's lookups did (the first
 * of a repeated key, "" for a value that is not a string), and a string
 * holding a NUL or too long for its field equals nothing. */
static int trust_raw(const char *raw, char *why, size_t n)
{
    hw_config *c = hw_config_defaults();
    hw_remedy_policy p;
    hw_err e;
    hw_remedy_policy_init(&p, c, NULL, &e);
    hw_remedy_policy_add_account(&p, "333333333333", "r-ab12", 1, &e);
    hw_finding_row f = { 0 };
    f.id = "f-1";
    f.product_arn = SH;
    f.account_id = "333333333333";
    f.region = "us-east-1";
    f.control_id = "EC2.19";
    f.trusted = 1;
    char res[2048];
    int ok = hw_remedy_trust(&f, raw, strlen(raw), &p, res, sizeof res, why, n);
    hw_remedy_policy_free(&p);
    hw_config_free(c);
    return ok;
}

static void test_trust_fields(void)
{
    char why[512];
    const char *tail = ", \"GeneratorId\": \"security-control/EC2.19\", \"AwsAccountId\": "
                       "\"333333333333\", \"Resources\": [{\"Id\": \"arn:aws:ec2:us-east-1:"
                       "333333333333:security-group/sg-1\"}], \"Compliance\": {\"Status\": "
                       "\"FAILED\"}, \"Workflow\": {\"Status\": \"NEW\"}}";
    char *raw = hw_asprintf("{\"ProductArn\": \"%s\"%s", SH, tail);
    CU_ASSERT_TRUE(trust_raw(raw, why, sizeof why));
    free(raw);
    /* the first ProductArn counts, not a later one */
    raw = hw_asprintf("{\"ProductArn\": \"arn:aws:securityhub:us-east-1:9:product/9/x\", "
                      "\"ProductArn\": \"%s\"%s", SH, tail);
    CU_ASSERT_FALSE(trust_raw(raw, why, sizeof why));
    free(raw);
    /* Security Hub's ARN followed by \u0000 and more: not Security Hub's */
    raw = hw_asprintf("{\"ProductArn\": \"%s\\u0000x\"%s", SH, tail);
    CU_ASSERT_FALSE(trust_raw(raw, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "is not Security Hub's own"));
    free(raw);
    /* too long for the field: not a prefix match */
    char longarn[400];
    snprintf(longarn, sizeof longarn, "%s%0300d", SH, 0);
    raw = hw_asprintf("{\"ProductArn\": \"%s\"%s", longarn, tail);
    CU_ASSERT_FALSE(trust_raw(raw, why, sizeof why));
    free(raw);
    /* a later Workflow object does not hide the first; a SUPPRESSED one wins */
    raw = hw_asprintf("{\"ProductArn\": \"%s\", \"Workflow\": {\"Status\": \"SUPPRESSED\"}%s", SH,
                      tail);
    CU_ASSERT_FALSE(trust_raw(raw, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "SUPPRESSED"));
    free(raw);
    /* a ProductArn that is not a string reads as "" */
    raw = hw_asprintf("{\"ProductArn\": [\"%s\"]%s", SH, tail);
    CU_ASSERT_FALSE(trust_raw(raw, why, sizeof why));
    free(raw);
    /* broken JSON after the fields trust needs: not a JSON object */
    raw = hw_asprintf("{\"ProductArn\": \"%s\"%s", SH, tail);
    raw[strlen(raw) - 1] = ',';
    CU_ASSERT_FALSE(trust_raw(raw, why, sizeof why));
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not a JSON object"));
    free(raw);
}

static void test_families(void)
{
    /* EC2.19: both families of addresses, its high-risk ports */
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.19", "0.0.0.0/0", NULL, "tcp", 22, 22));
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.19", NULL, "::/0", "tcp", 3389, 3389));
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.19", "0.0.0.0/0", NULL, "tcp", 0, 65535));
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.19", "0.0.0.0/0", NULL, "-1", -1, -1));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("EC2.19", "0.0.0.0/0", NULL, "tcp", 443, 443));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("EC2.19", "10.0.0.0/8", NULL, "tcp", 22, 22));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("EC2.19", "0.0.0.0/0", NULL, "icmp", -1, -1));
    /* EC2.13 / EC2.53: IPv4 only; EC2.54: IPv6 only */
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.13", "0.0.0.0/0", NULL, "tcp", 20, 30));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("EC2.13", NULL, "::/0", "tcp", 22, 22));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("EC2.13", "0.0.0.0/0", NULL, "tcp", 3389, 3389));
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.14", "0.0.0.0/0", NULL, "tcp", 3389, 3389));
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.53", "0.0.0.0/0", NULL, "6", 3389, 3389));
    CU_ASSERT_TRUE(hw_remedy_sg_rule_offends("EC2.54", NULL, "::/0", "tcp", 22, 22));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("EC2.54", "0.0.0.0/0", NULL, "tcp", 22, 22));
    CU_ASSERT_FALSE(hw_remedy_sg_rule_offends("S3.8", "0.0.0.0/0", NULL, "tcp", 22, 22));
    /* keys: IAM.3 by age, IAM.8 / IAM.22 by last use (creation when never used) */
    const int64_t day = 86400, now = 1800000000;
    CU_ASSERT_TRUE(hw_remedy_key_stale("IAM.3", now, now - 91 * day, now - day));
    CU_ASSERT_FALSE(hw_remedy_key_stale("IAM.3", now, now - 89 * day, 0));
    CU_ASSERT_TRUE(hw_remedy_key_stale("IAM.8", now, now - 200 * day, now - 91 * day));
    CU_ASSERT_FALSE(hw_remedy_key_stale("IAM.8", now, now - 200 * day, now - 10 * day));
    CU_ASSERT_TRUE(hw_remedy_key_stale("IAM.8", now, now - 100 * day, 0));
    CU_ASSERT_TRUE(hw_remedy_key_stale("IAM.22", now, now - 100 * day, now - 46 * day));
    CU_ASSERT_FALSE(hw_remedy_key_stale("IAM.22", now, now - 100 * day, now - 44 * day));
    CU_ASSERT_FALSE(hw_remedy_key_stale("IAM.4", now, now - 1000 * day, 0));
    /* every family describes its calls and permissions */
    for (size_t i = 0; hw_remedy_families[i]; i++) {
        const hw_remedy_family *f = hw_remedy_families[i];
        CU_ASSERT_PTR_NOT_NULL(f->permissions[0]);
        hw_remedy_target t = { "333333333333", "us-east-1", f->controls[0], "arn:aws:s3:::b",
                               "hubwarden:exempt", NULL, NULL };
        char *s = NULL;
        struct cJSON *calls = f->calls(&t);
        CU_ASSERT_PTR_NOT_NULL(calls);
        s = cJSON_PrintUnformatted(calls);
        CU_ASSERT_PTR_NOT_NULL(s);
        CU_ASSERT_TRUE(s && strlen(s) > 10);
        free(s);
        cJSON_Delete(calls);
    }
}

/* ------------------------------------------------------- plans in a store */

static char dir[64], dbpath[96];

static void put_finding(hw_store *s, const char *id, const char *acct, const char *ctl,
                        const char *rid, const char *status, const char *run)
{
    char *raw = hw_asprintf("{\"Id\": \"%s\", \"ProductArn\": \"%s\", \"GeneratorId\":"
                            " \"security-control/%s\", \"AwsAccountId\": \"%s\","
                            " \"Resources\": [{\"Id\": \"%s\"}], \"Compliance\": {\"Status\": \"%s\"},"
                            " \"Workflow\": {\"Status\": \"NEW\"}, \"RecordState\": \"ACTIVE\"}",
                            id, SH, ctl, acct, rid, status);
    char res[2200];
    snprintf(res, sizeof res, "[\"%s\"]", rid);
    hw_finding_row f = { 0 };
    f.id = id;
    f.product_arn = SH;
    f.product = "securityhub";
    f.account_id = acct;
    f.region = "us-east-1";
    f.control_id = ctl;
    f.severity = "HIGH";
    f.compliance_status = status;
    f.workflow_status = "NEW";
    f.record_state = "ACTIVE";
    f.resource_type = "Other";
    f.resources = res;
    f.updated_at = 1700000000;
    f.trusted = 1;
    f.untrusted_reason = "";
    f.raw = raw;
    f.rawlen = strlen(raw);
    int result;
    hw_err e;
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &result, &e), HW_OK);
    free(raw);
}

struct seen {
    int actions, pending, skips;
    char pending_id[96];
    char reasons[4096];
};
static int seen_action(void *arg, const hw_action_row *a)
{
    struct seen *s = arg;
    s->actions++;
    if (strcmp(a->state, "pending") == 0) {
        s->pending++;
        snprintf(s->pending_id, sizeof s->pending_id, "%s", a->id);
    }
    return 0;
}
static int seen_skip(void *arg, const hw_plan_skip_row *k)
{
    struct seen *s = arg;
    s->skips++;
    size_t n = strlen(s->reasons);
    snprintf(s->reasons + n, sizeof s->reasons - n, "%s|", k->reason);
    return 0;
}

static int report_approval_cb(void *arg, const hw_report_action_row *a)
{
    if (a->approvals)
        snprintf(arg, 512, "%s", a->approvals);
    return 0;
}

static int decision_cb(void *arg, const hw_decision_row *d)
{
    char *out = arg;
    size_t n = strlen(out);
    snprintf(out + n, 256 - n, "%s %s %s %s;", d->approver, d->caller_arn ? d->caller_arn : "-",
             d->comment, d->decision);
    return 0;
}

static void plan_of(hw_store *s, hw_remedy_policy *p, struct seen *out, hw_plan_stats *ps)
{
    char plan[64];
    hw_err e;
    memset(out, 0, sizeof *out);
    CU_ASSERT_EQUAL_FATAL(hw_remedy_plan_build(s, p, NULL, "test", plan, ps, &e), HW_OK);
    hw_action_query q = { 0 };
    q.plan_id = plan;
    CU_ASSERT_EQUAL(hw_store_actions(s, &q, seen_action, out, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_plan_skips(s, plan, seen_skip, out, &e), HW_OK);
}

static void test_plan_store(void)
{
    snprintf(dir, sizeof dir, "/tmp/hwremedyXXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(dbpath, sizeof dbpath, "%s/hw.db", dir);
    hw_store *s = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_open(dbpath, HW_STORE_WRITE, 1000, &s, &e), HW_OK);
    char run[64];
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "import", run, &e), HW_OK);
    hw_account_row a = { "333333333333", "prod", "", "ACTIVE", "r-ab12/ou-ab12-prod0001", "", 1 };
    hw_store_account_upsert(s, &a, run, &e);
    char id[32], rid[96];
    for (int i = 0; i < 6; i++) { /* 3 open buckets of 6 */
        snprintf(id, sizeof id, "s3-%d", i);
        snprintf(rid, sizeof rid, "arn:aws:s3:::bucket-%d", i);
        put_finding(s, id, "333333333333", "S3.8", rid, i < 3 ? "FAILED" : "PASSED", run);
    }
    put_finding(s, "key-1", "333333333333", "IAM.3", "arn:aws:iam::333333333333:user/ci", "FAILED",
                run);
    put_finding(s, "off-1", "333333333333", "EC2.19",
                "arn:aws:ec2:us-east-1:333333333333:security-group/sg-1", "FAILED", run);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);

    hw_config *c = cfg_of("{\"remediation\": {\"controls\": {\"S3.8\": \"auto\", \"IAM.3\": \"auto\"},"
                          " \"max_share\": 0.5, \"max_actions_per_account\": 3}}");
    hw_remedy_policy p;
    CU_ASSERT_EQUAL_FATAL(hw_remedy_policy_init(&p, c, s, &e), HW_OK);
    struct seen sn;
    hw_plan_stats ps;
    plan_of(s, &p, &sn, &ps);
    /* IAM.3 (pending: disruptive) and S3.8 (3 of 6 = 50%: allowed), in
     * control order: the third S3.8 is one too many for the account */
    CU_ASSERT_EQUAL(ps.off, 1); /* EC2.19: the policy leaves it off */
    CU_ASSERT_EQUAL(sn.actions, 3);
    CU_ASSERT_EQUAL(sn.pending, 1);
    CU_ASSERT_EQUAL(sn.skips, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(sn.reasons, "limit: remediation.max_actions_per_account (3)"));
    char pending[96];
    snprintf(pending, sizeof pending, "%s", sn.pending_id);

    /* the circuit breaker: 3 of 6 is more than 40%; the finding with an
     * open action is not planned twice */
    hw_config *c2 = cfg_of("{\"remediation\": {\"controls\": {\"S3.8\": \"auto\", \"IAM.3\": \"auto\"},"
                           " \"max_share\": 0.4}}");
    p.cfg = c2;
    plan_of(s, &p, &sn, &ps);
    CU_ASSERT_EQUAL(sn.actions, 0);
    CU_ASSERT_EQUAL(sn.skips, 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(sn.reasons, "circuit breaker: S3.8 would change 3 of 6"));
    CU_ASSERT_PTR_NOT_NULL(strstr(sn.reasons, "awaiting approval as action"));
    CU_ASSERT_EQUAL(hw_store_action_decide(s, pending, "approve", "alice",
                                           "arn:aws:iam::123456789012:user/alice", "ok", &e),
                    HW_OK);
    CU_ASSERT_EQUAL(hw_store_action_decide(s, pending, "reject", "bob", NULL, "no", &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "is approved, not pending"));
    CU_ASSERT_EQUAL(hw_store_action_decide(s, "nope", "approve", "bob", NULL, "no", &e),
                    HW_ENOTFOUND);
    CU_ASSERT_EQUAL(hw_store_action_decide(s, pending, "maybe", "bob", NULL, "no", &e), HW_EINVAL);
    /* the approver's AWS identity is kept with the approval */
    char seen[256] = "";
    CU_ASSERT_EQUAL(hw_store_decisions(s, "approved", decision_cb, seen, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(seen, "alice arn:aws:iam::123456789012:user/alice ok approve;");
    /* and in the report's actions */
    char rep[512] = "";
    CU_ASSERT_EQUAL(hw_store_report_actions(s, NULL, NULL, report_approval_cb, rep, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(rep, "approve by alice (arn:aws:iam::123456789012:user/alice) at "));
    plan_of(s, &p, &sn, &ps);
    CU_ASSERT_PTR_NOT_NULL(strstr(sn.reasons, "approved as action"));
    /* every plan is in the audit chain, which verifies */
    int64_t bad = -1;
    CU_ASSERT_EQUAL(hw_store_audit_verify(s, &bad, &e), HW_OK);
    CU_ASSERT_EQUAL(bad, 0);
    char kind[32];
    CU_ASSERT_EQUAL(hw_store_run_kind(s, run, kind, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(kind, "import");
    hw_remedy_policy_free(&p);
    hw_config_free(c);
    hw_config_free(c2);
    hw_store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

/* ---------------------------------------- the code agrees with controls/ */

static xmlXPathObjectPtr xp(xmlXPathContextPtr x, const char *expr)
{
    return xmlXPathEvalExpression((const xmlChar *)expr, x);
}

static int in_array(const char *const *l, const char *s)
{
    for (size_t i = 0; l[i]; i++)
        if (strcmp(l[i], s) == 0)
            return 1;
    return 0;
}

static size_t count(const char *const *l)
{
    size_t n = 0;
    while (l[n])
        n++;
    return n;
}

/* controls/remediations.xml lists per remediation the controls (and which
 * are disruptive), the API calls and the IAM permissions: each family must
 * say exactly the same, and the catalogue must name the same action for
 * each of its controls. */
static void test_controls_data(void)
{
    xmlDocPtr doc = xmlReadFile("controls/remediations.xml", NULL, XML_PARSE_NONET);
    xmlDocPtr cat = xmlReadFile("controls/securityhub-controls.xml", NULL, XML_PARSE_NONET);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    CU_ASSERT_PTR_NOT_NULL_FATAL(cat);
    xmlXPathContextPtr x = xmlXPathNewContext(doc), xc = xmlXPathNewContext(cat);
    xmlXPathRegisterNs(x, (const xmlChar *)"r", (const xmlChar *)"urn:hubwarden:remediations:1");
    hw_buf readme = HW_BUF_INIT(0);
    hw_err re;
    CU_ASSERT_EQUAL(hw_file_read("README.md", 0, &readme, &re), HW_OK);
    xmlXPathRegisterNs(xc, (const xmlChar *)"c", (const xmlChar *)"urn:hubwarden:controls:1");
    size_t nfam = 0;
    for (size_t i = 0; hw_remedy_families[i]; i++, nfam++) {
        const hw_remedy_family *f = hw_remedy_families[i];
        char expr[256];
        snprintf(expr, sizeof expr, "//r:remediation[r:control/@id='%s']", f->controls[0]);
        xmlXPathObjectPtr r = xp(x, expr);
        CU_ASSERT_FATAL(r && r->nodesetval && r->nodesetval->nodeNr == 1);
        xmlNodePtr rem = r->nodesetval->nodeTab[0];
        xmlChar *action = xmlGetProp(rem, (const xmlChar *)"action");
        CU_ASSERT_STRING_EQUAL((const char *)action, f->action);
        xmlFree(action);
        x->node = rem;
        xmlXPathObjectPtr ctl = xp(x, "r:control");
        CU_ASSERT_EQUAL((size_t)ctl->nodesetval->nodeNr, count(f->controls));
        for (int j = 0; j < ctl->nodesetval->nodeNr; j++) {
            xmlChar *id = xmlGetProp(ctl->nodesetval->nodeTab[j], (const xmlChar *)"id");
            xmlChar *dis = xmlGetProp(ctl->nodesetval->nodeTab[j], (const xmlChar *)"disruptive");
            CU_ASSERT_TRUE(in_array(f->controls, (const char *)id));
            CU_ASSERT_EQUAL(hw_remedy_disruptive(f, (const char *)id),
                            dis && strcmp((const char *)dis, "true") == 0);
            /* the catalogue names this action for the control */
            snprintf(expr, sizeof expr, "string(//c:control[@id='%s']/c:remediation/@action)",
                     (const char *)id);
            xmlXPathObjectPtr ca = xp(xc, expr);
            CU_ASSERT_STRING_EQUAL((const char *)ca->stringval, f->action);
            xmlXPathFreeObject(ca);
            xmlFree(id);
            xmlFree(dis);
        }
        xmlXPathObjectPtr perm = xp(x, "r:permission");
        CU_ASSERT_EQUAL((size_t)perm->nodesetval->nodeNr, count(f->permissions));
        for (int j = 0; j < perm->nodesetval->nodeNr; j++) {
            xmlChar *p = xmlNodeGetContent(perm->nodesetval->nodeTab[j]);
            CU_ASSERT_TRUE(in_array(f->permissions, (const char *)p));
            /* README.md's remediation role section lists it */
            char quoted[128];
            snprintf(quoted, sizeof quoted, "`%s`", (const char *)p);
            CU_ASSERT_PTR_NOT_NULL(strstr(hw_buf_str(&readme), quoted));
            xmlFree(p);
        }
        /* every call listed is one the plan shows */
        hw_remedy_target t = { "333333333333", "us-east-1", f->controls[0], "arn:aws:s3:::b",
                               "hubwarden:exempt", NULL, NULL };
        cJSON *calls = f->calls(&t);
        char *text = cJSON_PrintUnformatted(calls);
        xmlXPathObjectPtr call = xp(x, "r:call");
        CU_ASSERT_TRUE(call->nodesetval->nodeNr > 0);
        for (int j = 0; j < call->nodesetval->nodeNr; j++) {
            xmlChar *svc = xmlGetProp(call->nodesetval->nodeTab[j], (const xmlChar *)"service");
            xmlChar *op = xmlGetProp(call->nodesetval->nodeTab[j], (const xmlChar *)"operation");
            char want[128];
            snprintf(want, sizeof want, "\"%s:%s ", (const char *)svc, (const char *)op);
            CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
            if (!strstr(text, want))
                fprintf(stderr, "%s: %s not in the plan's calls %s\n", f->action, want, text);
            xmlFree(svc);
            xmlFree(op);
        }
        free(text);
        cJSON_Delete(calls);
        xmlXPathFreeObject(call);
        xmlXPathFreeObject(perm);
        xmlXPathFreeObject(ctl);
        xmlXPathFreeObject(r);
        x->node = NULL;
    }
    xmlXPathObjectPtr all = xp(x, "//r:remediation");
    CU_ASSERT_EQUAL((size_t)all->nodesetval->nodeNr, nfam); /* no remediation without code */
    xmlXPathFreeObject(all);
    hw_buf_free(&readme);
    xmlXPathFreeContext(x);
    xmlXPathFreeContext(xc);
    xmlFreeDoc(doc);
    xmlFreeDoc(cat);
}

/* The read back of a workflow update a dead run may have sent: only our
 * note, of the item's plan, naming its action, with its status's words. */
static void test_workflow_note(void)
{
    rx_wf_item it = { "p1-002", "p1", "f", "arn", "RESOLVED", 0 };
    CU_ASSERT(rx_workflow_note_names("hubwarden plan p1 action(s) 001,002,s003: fixed and verified",
                                     "hubwarden", &it));
    CU_ASSERT(rx_workflow_note_names("hubwarden plan p1 action(s) 002: fixed and verified",
                                     "hubwarden", &it));
    CU_ASSERT(!rx_workflow_note_names("hubwarden plan p1 action(s) 002: fixed and verified",
                                      "someone", &it));
    CU_ASSERT(!rx_workflow_note_names("hubwarden plan p1 action(s) 001,0021: fixed and verified",
                                      "hubwarden", &it));
    CU_ASSERT(!rx_workflow_note_names("hubwarden plan p11 action(s) 002: fixed and verified",
                                      "hubwarden", &it));
    CU_ASSERT(!rx_workflow_note_names("hubwarden plan p1 action(s) 002: a fix awaits approval",
                                      "hubwarden", &it));
    CU_ASSERT(!rx_workflow_note_names("hubwarden plan p1 action(s) 002", "hubwarden", &it));
    CU_ASSERT(!rx_workflow_note_names("", "", &it));
    rx_wf_item other = { "q9", "p1", "f", "arn", "NOTIFIED", 0 }; /* not of the plan's form */
    CU_ASSERT(rx_workflow_note_names("hubwarden plan p1 action(s) q9: a fix awaits approval",
                                     "hubwarden", &other));
}

int test_remedy_register(void)
{
    CU_pSuite s = CU_add_suite("remedy", NULL, NULL);
    if (!s || !CU_add_test(s, "mode per control, disruptive rule", test_mode) ||
        !CU_add_test(s, "scope: accounts, OUs with descendants, regions", test_scope) ||
        !CU_add_test(s, "circuit breaker share", test_breaker) ||
        !CU_add_test(s, "workflow note read back", test_workflow_note) ||
        !CU_add_test(s, "resource ARN account and partition", test_resource_account) ||
        !CU_add_test(s, "trust re-checked from the raw finding", test_trust) ||
        !CU_add_test(s, "offending rules and stale keys", test_families) ||
        !CU_add_test(s, "plans in a store: skips, limits, breaker, approvals", test_plan_store) ||
        !CU_add_test(s, "Lambda.1: public function policy statements", test_lambda_public) ||
        !CU_add_test(s, "scope by resource tags", test_tag_scope) ||
        !CU_add_test(s, "trust reads the raw finding's fields", test_trust_fields) ||
        !CU_add_test(s, "families agree with controls/remediations.xml", test_controls_data))
        return -1;
    return 0;
}
