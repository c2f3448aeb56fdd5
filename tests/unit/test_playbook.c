/*
 * test_playbook.c - GuardDuty playbooks (src/remedy/playbook.c): the
 * GuardDuty type an ASFF Types entry names, which playbook answers it, the
 * trust checks of a GuardDuty finding, the calls planned from what the
 * finding names, and agreement with controls/playbooks.xml.
 */
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>

#include "remedy/remedy.h"

static const char GD[] = "arn:aws:securityhub:us-east-1::product/aws/guardduty";
static const char KEY[] = "AWS::IAM::AccessKey:AKIADEVALICEKEY00001";

static void test_types(void)
{
    char t[256];
    /* Security Hub's form: a tactic path, '-' for GuardDuty's first '/' */
    CU_ASSERT_TRUE(hw_remedy_gd_type("TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce", t,
                                     sizeof t));
    CU_ASSERT_STRING_EQUAL(t, "UnauthorizedAccess:EC2/SSHBruteForce");
    CU_ASSERT_TRUE(hw_remedy_gd_type(
        "Unusual Behaviors/User/UnauthorizedAccess:IAMUser-ConsoleLogin", t, sizeof t));
    CU_ASSERT_STRING_EQUAL(t, "UnauthorizedAccess:IAMUser/ConsoleLogin");
    /* GuardDuty's own form as is, with dashes and dots in the name kept */
    CU_ASSERT_TRUE(hw_remedy_gd_type("CryptoCurrency:EC2/BitcoinTool.B!DNS", t, sizeof t));
    CU_ASSERT_STRING_EQUAL(t, "CryptoCurrency:EC2/BitcoinTool.B!DNS");
    CU_ASSERT_TRUE(hw_remedy_gd_type("TTPs/Discovery/Policy:S3-BucketBlockPublicAccessDisabled", t,
                                     sizeof t));
    CU_ASSERT_STRING_EQUAL(t, "Policy:S3/BucketBlockPublicAccessDisabled");
    /* not a GuardDuty type */
    CU_ASSERT_FALSE(hw_remedy_gd_type("Software and Configuration Checks/Industry and Regulatory "
                                      "Standards",
                                      t, sizeof t));
    CU_ASSERT_FALSE(hw_remedy_gd_type("Effects/Data Exposure", t, sizeof t));
    CU_ASSERT_FALSE(hw_remedy_gd_type("TTPs/Policy:S3", t, sizeof t));
    CU_ASSERT_FALSE(hw_remedy_gd_type(":x/y", t, sizeof t));
    CU_ASSERT_FALSE(hw_remedy_gd_type("Policy:S3-", t, sizeof t));
    CU_ASSERT_FALSE(hw_remedy_gd_type("Policy:/x", t, sizeof t));
    char small[8];
    CU_ASSERT_FALSE(hw_remedy_gd_type("Policy:S3/BucketPublicAccessGranted", small, sizeof small));
}

static void test_match(void)
{
    const hw_remedy_playbook *pb = hw_remedy_playbook_for("UnauthorizedAccess:IAMUser/ConsoleLogin");
    CU_ASSERT_PTR_NOT_NULL_FATAL(pb);
    CU_ASSERT_STRING_EQUAL(pb->name, "iam-credential-exposure");
    pb = hw_remedy_playbook_for("Exfiltration:IAMUser/AnomalousBehavior");
    CU_ASSERT_TRUE(pb && strcmp(pb->name, "iam-credential-exposure") == 0);
    pb = hw_remedy_playbook_for("Policy:S3/BucketAnonymousAccessGranted");
    CU_ASSERT_TRUE(pb && strcmp(pb->name, "s3-exposure") == 0);
    /* exact names are exact; prefixes end at the '/' */
    CU_ASSERT_PTR_NULL(hw_remedy_playbook_for("Policy:S3/BucketAnonymousAccessGrantedX"));
    CU_ASSERT_PTR_NULL(hw_remedy_playbook_for("Policy:S3/AccountBlockPublicAccessDisabled"));
    CU_ASSERT_PTR_NULL(hw_remedy_playbook_for("UnauthorizedAccess:IAMUserX/ConsoleLogin"));
    CU_ASSERT_PTR_NULL(hw_remedy_playbook_for("Recon:EC2/Portscan"));
    CU_ASSERT_PTR_NULL(hw_remedy_playbook_for(""));
    /* a type named exactly wins over another playbook's prefix */
    pb = hw_remedy_playbook_for("UnauthorizedAccess:EC2/MaliciousIPCaller.Custom");
    CU_ASSERT_TRUE(pb && strcmp(pb->name, "malicious-ip") == 0);
    pb = hw_remedy_playbook_for("UnauthorizedAccess:EC2/MaliciousIPCaller");
    CU_ASSERT_TRUE(pb && strcmp(pb->name, "ec2-compromise") == 0);
    pb = hw_remedy_playbook_for("Backdoor:EC2/C&CActivity.B!DNS");
    CU_ASSERT_TRUE(pb && strcmp(pb->name, "ec2-compromise") == 0);
    /* a playbook is found by name, and as a family by its name too */
    CU_ASSERT_PTR_NOT_NULL(hw_remedy_playbook_named("s3-exposure"));
    CU_ASSERT_PTR_NULL(hw_remedy_playbook_named("S3.8"));
    CU_ASSERT_PTR_EQUAL(hw_remedy_family_for("s3-exposure"),
                        hw_remedy_playbook_named("s3-exposure")->family);
}

/* A GuardDuty finding with one resource. */
static char *gd_finding(const char *product, const char *acct, const char *type,
                        const char *rtype, const char *rid, const char *user,
                        const char *workflow)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "Id", "gd-1");
    cJSON_AddStringToObject(j, "ProductArn", product);
    cJSON_AddStringToObject(j, "AwsAccountId", acct);
    cJSON *types = cJSON_AddArrayToObject(j, "Types");
    cJSON_AddItemToArray(types, cJSON_CreateString("Software and Configuration Checks"));
    cJSON_AddItemToArray(types, cJSON_CreateString(type));
    cJSON_AddStringToObject(cJSON_AddObjectToObject(j, "Workflow"), "Status", workflow);
    cJSON_AddStringToObject(j, "RecordState", "ACTIVE");
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "Type", rtype);
    cJSON_AddStringToObject(r, "Id", rid);
    if (user) {
        cJSON *d = cJSON_AddObjectToObject(cJSON_AddObjectToObject(r, "Details"), "AwsIamAccessKey");
        cJSON_AddStringToObject(d, "PrincipalName", user);
    }
    cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "Resources"), r);
    char *s = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return s;
}

/* 1 trusted (res: the target), 0 refused (why), -1 no playbook. */
static int gd_trust(const char *product, const char *acct, const char *type, const char *rtype,
                    const char *rid, const char *user, const char *workflow, int trusted,
                    char *res, char *why)
{
    hw_config *c = hw_config_defaults();
    hw_remedy_policy p;
    hw_err e;
    hw_remedy_policy_init(&p, c, NULL, &e);
    hw_remedy_policy_add_account(&p, "333333333333", "r-ab12", 1, &e);
    hw_remedy_policy_add_account(&p, "444444444444", "r-ab12", 0, &e);
    hw_finding_row f = { 0 };
    f.id = "gd-1";
    f.product_arn = product;
    f.account_id = acct;
    f.region = "us-east-1";
    f.control_id = "";
    f.trusted = trusted;
    f.untrusted_reason = trusted ? "" : "ingest said no";
    char *raw = gd_finding(product, acct, type, rtype, rid, user, workflow);
    const hw_remedy_playbook *pb = NULL;
    int ok = hw_remedy_playbook_trust(&f, raw, strlen(raw), &p, &pb, res, 2048, why, 512);
    free(raw);
    hw_remedy_policy_free(&p);
    hw_config_free(c);
    return pb ? ok : -1;
}

/* The verdict on raw, as "ok|playbook|resource|why". */
static void verdict(const char *raw, size_t len, char *out, size_t outlen)
{
    hw_config *c = hw_config_defaults();
    hw_remedy_policy p;
    hw_err e;
    hw_remedy_policy_init(&p, c, NULL, &e);
    hw_remedy_policy_add_account(&p, "333333333333", "r-ab12", 1, &e);
    hw_finding_row f = { 0 };
    f.id = "gd-1";
    f.product_arn = GD;
    f.account_id = "333333333333";
    f.region = "us-east-1";
    f.control_id = "";
    f.trusted = 1;
    f.untrusted_reason = "";
    const hw_remedy_playbook *pb = NULL;
    char res[2048], why[512];
    int ok = hw_remedy_playbook_trust(&f, raw, len, &p, &pb, res, sizeof res, why, sizeof why);
    snprintf(out, outlen, "%d|%s|%s|%s", ok, pb ? pb->name : "-", res, why);
    hw_remedy_policy_free(&p);
    hw_config_free(c);
}

/* The lexer's reading of a GuardDuty finding is cJSON's, whatever its
 * shape: each finding against itself followed by " x", which the strict
 * lexer refuses and cJSON reads as the same object (the verdict then
 * comes from the cJSON path). */
static void test_trust_lexer(void)
{
#define P "\"ProductArn\": \"arn:aws:securityhub:us-east-1::product/aws/guardduty\", "
#define A "\"AwsAccountId\": \"333333333333\", "
#define T "\"Types\": [\"TTPs/Initial Access/UnauthorizedAccess:IAMUser-ConsoleLogin\"], "
#define K "{\"Type\": \"AwsIamAccessKey\", \"Id\": \"AWS::IAM::AccessKey:AKIADEVALICEKEY00001\", " \
          "\"Details\": {\"AwsIamAccessKey\": {\"PrincipalName\": \"dev-alice\"}}}"
#define I "{\"Type\": \"AwsEc2Instance\", \"Id\": \"arn:aws:ec2:us-east-1:333333333333:instance/i-1\"}"
#define IPT "\"Types\": [\"TTPs/Command and Control/UnauthorizedAccess:EC2-MaliciousIPCaller.Custom\"], "
    static const char *const v[] = {
        "{" P A T "\"Resources\": [" K "]}",
        /* the first of a repeated key counts */
        "{" P A T "\"AwsAccountId\": \"444444444444\", \"Resources\": [" K "]}",
        "{" P A T "\"Resources\": [" K "], \"Resources\": []}",
        "{" P A T "\"Types\": [], \"Resources\": [" K "]}",
        /* Resources after Types or before; an object where an array is read */
        "{\"Resources\": [" K "], " P A T "\"RecordState\": \"ACTIVE\"}",
        "{" P A T "\"Resources\": {\"a\": " K "}}",
        "{" P A "\"Types\": {\"x\": \"TTPs/Initial Access/UnauthorizedAccess:IAMUser-ConsoleLogin\"}, "
        "\"Resources\": [" K "]}",
        /* values of another type read as "" */
        "{" P "\"AwsAccountId\": 333333333333, " T "\"Resources\": [" K "]}",
        "{" P A T "\"Resources\": [1, [], \"s\", " K "]}",
        "{" P A T "\"Resources\": \"" "x" "\"}",
        "{" P A T "\"Workflow\": [\"SUPPRESSED\"], \"Resources\": [" K "]}",
        "{" P A T "\"Workflow\": {\"Status\": \"SUPPRESSED\"}, \"Resources\": [" K "]}",
        "{" P A T "\"Workflow\": {\"Status\": 1, \"Status\": \"SUPPRESSED\"}, \"Resources\": [" K "]}",
        "{" P A T "\"RecordState\": \"ARCHIVED\", \"Resources\": [" K "]}",
        "{" P A T "\"Resources\": [{\"Type\": \"AwsIamAccessKey\", \"Id\": "
        "\"AWS::IAM::AccessKey:AKIADEVALICEKEY00001\", \"Details\": {\"AwsIamAccessKey\": "
        "{\"PrincipalName\": \"\", \"UserName\": \"bob\"}}}]}",
        "{" P A T "\"Resources\": [{\"Type\": \"AwsIamAccessKey\", \"Id\": "
        "\"AWS::IAM::AccessKey:AKIADEVALICEKEY00001\", \"Details\": [1]}]}",
        /* escapes: in a key, in a value, a NUL (cJSON cuts there) */
        "{\"Product\\u0041rn\": \"arn:aws:securityhub:us-east-1::product/aws/guardduty\", " A T
        "\"Resources\": [" K "]}",
        "{" P "\"AwsAccountId\": \"333333333333\\u0000x\", " T "\"Resources\": [" K "]}",
        "{" P A "\"Types\\u0000\": [\"TTPs/Initial Access/UnauthorizedAccess:IAMUser-ConsoleLogin\"], "
        "\"Resources\": [" K "]}",
        /* no playbook; not an object */
        "{" P A "\"Types\": [\"Recon:EC2-Portscan\"], \"Resources\": [" I "]}",
        "[" K "]",
        /* malicious-ip: the address is read from the finding */
        "{" P A IPT "\"Resources\": [" I "], \"Network\": {\"Direction\": \"IN\", "
        "\"SourceIpV4\": \"198.51.100.7\"}}",
        "{" P A IPT "\"Resources\": [" I "], \"Network\": {\"Direction\": \"IN\", "
        "\"SourceIpV4\": \"10.0.0.7\"}}",
        "{" P A IPT "\"Resources\": [" I "]}",
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(v); i++) {
        char a[3000], b[3000], *tail = malloc(strlen(v[i]) + 3);
        CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
        sprintf(tail, "%s x", v[i]);
        verdict(v[i], strlen(v[i]), a, sizeof a);
        verdict(tail, strlen(tail), b, sizeof b);
        if (strcmp(a, b) != 0)
            fprintf(stderr, "finding %zu: lexer %s, cJSON %s\n", i, a, b);
        CU_ASSERT_STRING_EQUAL(a, b);
        free(tail);
    }
    /* a string longer than the lexer keeps goes to cJSON: the same verdict */
    size_t n = 5000;
    char *big = malloc(n + 400), *tail = malloc(n + 400), a[3000], b[3000];
    CU_ASSERT_PTR_NOT_NULL_FATAL(big);
    CU_ASSERT_PTR_NOT_NULL_FATAL(tail);
    int off = sprintf(big, "{" P A T "\"Resources\": [{\"Type\": \"AwsS3Bucket\", \"Id\": \"");
    memset(big + off, 'a', n);
    sprintf(big + off + n, "\"}]}");
    sprintf(tail, "%s x", big);
    verdict(big, strlen(big), a, sizeof a);
    verdict(tail, strlen(tail), b, sizeof b);
    CU_ASSERT_STRING_EQUAL(a, b);
    free(big);
    free(tail);
#undef P
#undef A
#undef T
#undef K
#undef I
#undef IPT
}

static void test_trust(void)
{
    char res[2048], why[512];
    const char *IAM = "TTPs/Initial Access/UnauthorizedAccess:IAMUser-ConsoleLogin";
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsIamAccessKey", KEY, "dev-alice", "NEW",
                             1, res, why),
                    1);
    CU_ASSERT_STRING_EQUAL(res, KEY);
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", "Policy:S3/BucketPublicAccessGranted",
                             "AwsS3Bucket", "arn:aws:s3:::media", NULL, "NOTIFIED", 1, res, why),
                    1);
    CU_ASSERT_STRING_EQUAL(res, "arn:aws:s3:::media");
    /* no playbook answers the type */
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", "Recon:EC2/Portscan",
                             "AwsEc2Instance", "arn:aws:ec2:us-east-1:333333333333:instance/i-1",
                             NULL, "NEW", 1, res, why),
                    -1);
    /* forged: a third-party product, Security Hub's own ARN, another region */
    CU_ASSERT_EQUAL(gd_trust("arn:aws:securityhub:us-east-1:999999999999:product/999999999999/"
                             "default",
                             "333333333333", IAM, "AwsIamAccessKey", KEY, "dev-alice", "NEW", 1,
                             res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "is not GuardDuty's own"));
    CU_ASSERT_STRING_EQUAL(res, "");
    CU_ASSERT_EQUAL(gd_trust("arn:aws:securityhub:us-east-1::product/aws/securityhub",
                             "333333333333", IAM, "AwsIamAccessKey", KEY, "dev-alice", "NEW", 1,
                             res, why),
                    0);
    CU_ASSERT_EQUAL(gd_trust("arn:aws:securityhub:eu-west-1::product/aws/guardduty",
                             "333333333333", IAM, "AwsIamAccessKey", KEY, "dev-alice", "NEW", 1,
                             res, why),
                    0);
    /* ingest's verdict stands */
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsIamAccessKey", KEY, "dev-alice", "NEW",
                             0, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "ingest said no"));
    /* outside the Organization */
    CU_ASSERT_EQUAL(gd_trust(GD, "444444444444", IAM, "AwsIamAccessKey", KEY, "dev-alice", "NEW",
                             1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not in the Organization"));
    /* a bucket ARN naming another account */
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", "Policy:S3/BucketPublicAccessGranted",
                             "AwsS3Bucket", "arn:aws:s3:us-east-1:444444444444:media", NULL, "NEW",
                             1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "belongs to account 444444444444"));
    /* the resource is not what the playbook acts on, or is malformed */
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsIamAccessKey", KEY, NULL, "NEW", 1, res,
                             why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "names no valid IAM user"));
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsIamAccessKey", KEY, "bad user!", "NEW",
                             1, res, why),
                    0);
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsIamAccessKey",
                             "AWS::IAM::AccessKey:akia-lower", "dev-alice", "NEW", 1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "is not an access key id"));
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsS3Bucket", "arn:aws:s3:::media", NULL,
                             "NEW", 1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "no AwsIamAccessKey resource"));
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", "Policy:S3/BucketPublicAccessGranted",
                             "AwsS3Bucket", "arn:aws:ec2:us-east-1:333333333333:instance/i-1",
                             NULL, "NEW", 1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not an S3 bucket ARN"));
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", "Policy:S3/BucketPublicAccessGranted",
                             "AwsS3Bucket", "arn:aws-cn:s3:::media", NULL, "NEW", 1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "not an S3 bucket ARN of aws"));
    CU_ASSERT_EQUAL(gd_trust(GD, "333333333333", IAM, "AwsIamAccessKey", KEY, "dev-alice",
                             "SUPPRESSED", 1, res, why),
                    0);
    CU_ASSERT_PTR_NOT_NULL(strstr(why, "SUPPRESSED"));
}

static void test_ip(void)
{
    char ip[16];
    CU_ASSERT_TRUE(hw_remedy_finding_ip(
        "{\"Network\":{\"Direction\":\"IN\",\"SourceIpV4\":\"198.51.100.7\"}}", ip));
    CU_ASSERT_STRING_EQUAL(ip, "198.51.100.7");
    CU_ASSERT_TRUE(hw_remedy_finding_ip(
        "{\"Network\":{\"Direction\":\"OUT\",\"SourceIpV4\":\"10.0.0.5\","
        "\"DestinationIpV4\":\"203.0.113.9\"}}",
        ip));
    CU_ASSERT_STRING_EQUAL(ip, "203.0.113.9");
    /* GuardDuty's own field when Network names none */
    CU_ASSERT_TRUE(hw_remedy_finding_ip(
        "{\"ProductFields\":{\"aws/guardduty/service/action/networkConnectionAction/"
        "remoteIpDetails/ipAddressV4\":\"199.241.229.197\"}}",
        ip));
    CU_ASSERT_STRING_EQUAL(ip, "199.241.229.197");
    /* never a private, shared, loopback, link-local or multicast address;
     * never a malformed one */
    const char *bad[] = { "10.1.2.3",    "172.16.0.1",   "172.31.255.255", "192.168.1.1",
                          "127.0.0.1",   "169.254.1.1",  "100.64.0.1",     "0.0.0.0",
                          "224.0.0.1",   "255.255.255.255", "1.2.3",       "1.2.3.4.5",
                          "01.2.3.4",    "1.2.3.256",    " 1.2.3.4",       "1.2.3.4/32",
                          "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char j[160];
        snprintf(j, sizeof j, "{\"Network\":{\"Direction\":\"IN\",\"SourceIpV4\":\"%s\"}}",
                 bad[i]);
        CU_ASSERT_FALSE(hw_remedy_finding_ip(j, ip));
        if (hw_remedy_finding_ip(j, ip))
            fprintf(stderr, "%s taken as a public address\n", bad[i]);
    }
    CU_ASSERT_TRUE(hw_remedy_finding_ip(
        "{\"Network\":{\"Direction\":\"IN\",\"SourceIpV4\":\"172.32.0.1\"}}", ip));
    CU_ASSERT_FALSE(hw_remedy_finding_ip("{\"Network\":{\"SourceIpV4\":\"198.51.100.7\"}}", ip));
    CU_ASSERT_FALSE(hw_remedy_finding_ip("not json", ip));
    CU_ASSERT_FALSE(hw_remedy_finding_ip(NULL, ip));
}

/* The calls planned name the key and the user the finding names. */
static void test_calls(void)
{
    const hw_remedy_family *f = hw_remedy_family_for("iam-credential-exposure");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    char *raw = gd_finding(GD, "333333333333", "UnauthorizedAccess:IAMUser/ConsoleLogin",
                           "AwsIamAccessKey", KEY, "dev-alice", "NEW");
    hw_remedy_target t = { "333333333333", "us-east-1", "iam-credential-exposure", KEY,
                           "hubwarden:exempt", raw, NULL };
    cJSON *calls = f->calls(&t);
    char *text = cJSON_PrintUnformatted(calls);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "iam:UpdateAccessKey UserName=dev-alice "
                                        "AccessKeyId=AKIADEVALICEKEY00001 Status=Inactive"));
    free(text);
    cJSON_Delete(calls);
    free(raw);
}

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

/* controls/playbooks.xml lists per playbook its types, calls and
 * permissions: the code must say exactly the same. */
static void test_data(void)
{
    xmlDocPtr doc = xmlReadFile("controls/playbooks.xml", NULL, XML_PARSE_NONET);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(x, (const xmlChar *)"p", (const xmlChar *)"urn:hubwarden:playbooks:1");
    size_t n = 0;
    for (size_t i = 0; hw_remedy_playbooks[i]; i++, n++) {
        const hw_remedy_playbook *pb = hw_remedy_playbooks[i];
        char expr[256];
        snprintf(expr, sizeof expr, "//p:playbook[@name='%s']", pb->name);
        xmlXPathObjectPtr r = xp(x, expr);
        CU_ASSERT_FATAL(r && r->nodesetval && r->nodesetval->nodeNr == 1);
        xmlNodePtr node = r->nodesetval->nodeTab[0];
        xmlChar *action = xmlGetProp(node, (const xmlChar *)"action");
        CU_ASSERT_STRING_EQUAL((const char *)action, pb->family->action);
        xmlFree(action);
        CU_ASSERT_STRING_EQUAL(pb->family->controls[0], pb->name);
        x->node = node;
        xmlXPathObjectPtr ty = xp(x, "p:type");
        size_t nt = 0;
        while (pb->types[nt])
            nt++;
        CU_ASSERT_EQUAL((size_t)ty->nodesetval->nodeNr, nt);
        for (int j = 0; j < ty->nodesetval->nodeNr; j++) {
            xmlChar *s = xmlNodeGetContent(ty->nodesetval->nodeTab[j]);
            CU_ASSERT_TRUE(in_array(pb->types, (const char *)s));
            xmlFree(s);
        }
        xmlXPathObjectPtr perm = xp(x, "p:permission");
        size_t np = 0;
        while (pb->family->permissions[np])
            np++;
        CU_ASSERT_EQUAL((size_t)perm->nodesetval->nodeNr, np);
        for (int j = 0; j < perm->nodesetval->nodeNr; j++) {
            xmlChar *s = xmlNodeGetContent(perm->nodesetval->nodeTab[j]);
            CU_ASSERT_TRUE(in_array(pb->family->permissions, (const char *)s));
            xmlFree(s);
        }
        /* every call listed is one the plan shows */
        char *raw = gd_finding(GD, "333333333333", "x", "AwsIamAccessKey", KEY, "dev-alice", "NEW");
        /* malicious-ip: with a WAFv2 IP set of the account configured */
        static char waf_arn[] = "arn:aws:wafv2:us-east-1:333333333333:regional/ipset/block/"
                                "a1b2c3d4-0000-4000-8000-000000000001";
        static char *waf_sets[] = { waf_arn };
        hw_config waf_cfg;
        memset(&waf_cfg, 0, sizeof waf_cfg);
        waf_cfg.playbooks.waf_ip_sets = waf_sets;
        waf_cfg.playbooks.nwaf_ip_sets = 1;
        hw_remedy_target t = { "333333333333", "us-east-1", pb->name,
                               strcmp(pb->name, "s3-exposure") == 0 ? "arn:aws:s3:::b" : KEY,
                               "hubwarden:exempt", raw,
                               strcmp(pb->name, "malicious-ip") == 0 ? &waf_cfg : NULL };
        cJSON *calls = pb->family->calls(&t);
        char *text = cJSON_PrintUnformatted(calls);
        xmlXPathObjectPtr call = xp(x, "p:call");
        CU_ASSERT_TRUE(call->nodesetval->nodeNr > 0);
        for (int j = 0; j < call->nodesetval->nodeNr; j++) {
            xmlChar *svc = xmlGetProp(call->nodesetval->nodeTab[j], (const xmlChar *)"service");
            xmlChar *op = xmlGetProp(call->nodesetval->nodeTab[j], (const xmlChar *)"operation");
            char want[128];
            snprintf(want, sizeof want, "\"%s:%s ", (const char *)svc, (const char *)op);
            CU_ASSERT_PTR_NOT_NULL(strstr(text, want));
            xmlFree(svc);
            xmlFree(op);
        }
        free(text);
        free(raw);
        cJSON_Delete(calls);
        xmlXPathFreeObject(call);
        xmlXPathFreeObject(perm);
        xmlXPathFreeObject(ty);
        xmlXPathFreeObject(r);
        x->node = NULL;
    }
    xmlXPathObjectPtr all = xp(x, "//p:playbook");
    CU_ASSERT_EQUAL((size_t)all->nodesetval->nodeNr, n); /* no playbook without code */
    xmlXPathFreeObject(all);
    xmlXPathFreeContext(x);
    xmlFreeDoc(doc);
}

int test_playbook_register(void)
{
    CU_pSuite s = CU_add_suite("playbook", NULL, NULL);
    if (!s || !CU_add_test(s, "GuardDuty type of an ASFF Types entry", test_types) ||
        !CU_add_test(s, "playbook per GuardDuty type", test_match) ||
        !CU_add_test(s, "trust of a GuardDuty finding", test_trust) ||
        !CU_add_test(s, "GuardDuty trust: the lexer reads what cJSON reads", test_trust_lexer) ||
        !CU_add_test(s, "calls name the finding's key and user", test_calls) ||
        !CU_add_test(s, "the remote public IPv4 a finding names", test_ip) ||
        !CU_add_test(s, "playbooks agree with controls/playbooks.xml", test_data))
        return -1;
    return 0;
}
