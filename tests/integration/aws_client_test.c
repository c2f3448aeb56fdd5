/*
 * aws_client_test.c - the AWS client against the local simulator
 * (tests/awssim), where botocore recomputes every signature and the
 * published models validate every request.  A test program, not part of
 * hubwarden: linked against src/aws and src/util only, driven by
 * tests/integration/test_aws_client.sh, which starts the simulator, sets
 * the environment (AWS_ENDPOINT_URL, credentials) and injects faults
 * between scenarios.
 *
 *   aws_client_test SCENARIO [ARG]
 *
 * Scenarios: org, assume, findings, badkey, unknownkey, retry ARG (ARG:
 * the number of calls, all of which must succeed), fail-transport,
 * protocols, whoami ARG (ARG: a substring the caller's ARN must contain).
 * Prints "ok: ..." / "FAIL: ..." lines; exits 1 on any failure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <libxml/tree.h>

#include "aws/aws.h"

static int failures;

#define CHECK(cond, ...)                                                                           \
    do {                                                                                           \
        int ok_ = (cond) ? 1 : 0;                                                                  \
        if (!ok_)                                                                                  \
            failures++;                                                                            \
        printf("%s", ok_ ? "ok: " : "FAIL: ");                                                     \
        printf(__VA_ARGS__);                                                                       \
        printf("\n");                                                                              \
    } while (0)

static hw_aws_client *client(int max_attempts)
{
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    o.max_attempts = max_attempts;
    o.session_name = "hubwarden-itest";
    o.connect_timeout_ms = 3000;
    o.timeout_ms = 20000;
    hw_aws_client *c = NULL;
    hw_err e;
    if (hw_aws_client_new(&o, &c, &e) != HW_OK) {
        printf("FAIL: client: %s\n", e.msg);
        exit(1);
    }
    return c;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* Every finding of a query, page by page; *pages counts the pages. */
static cJSON *all_findings(hw_aws_client *c, const hw_aws_ctx *ctx, const char *filters,
                           int page_size, int *pages, hw_err *e)
{
    cJSON *req = cJSON_Parse(filters ? filters : "{}");
    cJSON_AddNumberToObject(req, "MaxResults", page_size);
    cJSON *out = cJSON_CreateArray();
    char *token = NULL;
    *pages = 0;
    int rc = HW_OK;
    do {
        cJSON_DeleteItemFromObjectCaseSensitive(req, "NextToken");
        if (token)
            cJSON_AddStringToObject(req, "NextToken", token);
        free(token);
        token = NULL;
        cJSON *page = NULL;
        rc = hw_aws_rest_json_call(c, ctx, &hw_svc_securityhub, "GetFindings", "POST", "/findings",
                                   req, &page, e);
        if (rc != HW_OK)
            break;
        (*pages)++;
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(page, "NextToken");
        if (cJSON_IsString(t) && *t->valuestring)
            token = strdup(t->valuestring);
        cJSON *f;
        cJSON *list = cJSON_DetachItemFromObject(page, "Findings");
        while (list && (f = cJSON_DetachItemFromArray(list, 0)) != NULL)
            cJSON_AddItemToArray(out, f);
        cJSON_Delete(list);
        cJSON_Delete(page);
    } while (token);
    free(token);
    cJSON_Delete(req);
    if (rc != HW_OK) {
        cJSON_Delete(out);
        return NULL;
    }
    return out;
}

/* ------------------------------------------------------------ scenarios */

static void org(void)
{
    hw_aws_client *c = client(5);
    hw_err e;
    hw_aws_identity id;
    int rc = hw_aws_get_caller_identity(c, NULL, &id, &e);
    CHECK(rc == HW_OK && strcmp(id.account, "222222222222") == 0, "GetCallerIdentity: %s",
          rc == HW_OK ? id.arn : e.msg);
    hw_aws_account *v = NULL;
    size_t n = 0;
    rc = hw_aws_org_accounts(c, &v, &n, &e);
    CHECK(rc == HW_OK && n == 5, "Organizations: %zu accounts%s%s", n, rc ? ": " : "",
          rc ? e.msg : "");
    int suspended = 0, prod = 0, dev = 0, root = 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(v[i].id, "555555555555") == 0)
            suspended = strcmp(v[i].status, "SUSPENDED") == 0 &&
                        strcmp(v[i].ou_names, "Root/Dev") == 0;
        if (strcmp(v[i].id, "333333333333") == 0)
            prod = strcmp(v[i].ou_path, "r-ab12/ou-ab12-prod0001") == 0 &&
                   strcmp(v[i].ou_names, "Root/Prod") == 0 && strcmp(v[i].name, "prod-app") == 0;
        if (strcmp(v[i].id, "444444444444") == 0)
            dev = strcmp(v[i].ou_path, "r-ab12/ou-ab12-dev00001") == 0;
        if (strcmp(v[i].id, "222222222222") == 0)
            root = strcmp(v[i].ou_path, "r-ab12") == 0 && strcmp(v[i].ou_names, "Root") == 0;
    }
    CHECK(prod && dev && root, "OU paths and names (r-ab12/ou-ab12-prod0001 = Root/Prod)");
    CHECK(suspended, "the suspended account is listed with its status, for the caller to skip");
    free(v);
    hw_aws_client_free(c);
}

static void assume(void)
{
    hw_aws_client *c = client(5);
    hw_err e;
    int rc = hw_aws_assume(c, "333333333333", "HubwardenAudit", "hw-ext-1", &e);
    CHECK(rc == HW_OK, "AssumeRole into 333333333333 with its external id%s%s", rc ? ": " : "",
          rc ? e.msg : "");
    rc = hw_aws_assume(c, "444444444444", "HubwardenAudit", NULL, &e);
    CHECK(rc == HW_OK, "AssumeRole into 444444444444%s%s", rc ? ": " : "", rc ? e.msg : "");
    hw_aws_ctx a3 = { "us-east-1", "333333333333" }, a4 = { "eu-west-1", "444444444444" };
    hw_aws_identity id;
    rc = hw_aws_get_caller_identity(c, &a3, &id, &e);
    CHECK(rc == HW_OK && strstr(id.arn, "arn:aws:sts::333333333333:assumed-role/HubwardenAudit/"
                                        "hubwarden-itest"),
          "the member's context acts as the member: %s", rc == HW_OK ? id.arn : e.msg);
    rc = hw_aws_get_caller_identity(c, &a4, &id, &e);
    CHECK(rc == HW_OK && strcmp(id.account, "444444444444") == 0, "and the other member: %s",
          rc == HW_OK ? id.arn : e.msg);
    /* isolation: each member sees only its own findings */
    int pages;
    cJSON *f3 = all_findings(c, &a3, NULL, 100, &pages, &e);
    int only3 = f3 && cJSON_GetArraySize(f3) > 0;
    cJSON *f;
    cJSON_ArrayForEach(f, f3) only3 &= strcmp(jstr(f, "AwsAccountId"), "333333333333") == 0 &&
                                      strcmp(jstr(f, "Region"), "us-east-1") == 0;
    CHECK(only3, "333333333333 in us-east-1 sees %d findings, all its own",
          f3 ? cJSON_GetArraySize(f3) : -1);
    cJSON *f4 = all_findings(c, &a4, NULL, 100, &pages, &e);
    int only4 = f4 && cJSON_GetArraySize(f4) > 0;
    cJSON_ArrayForEach(f, f4) only4 &= strcmp(jstr(f, "AwsAccountId"), "444444444444") == 0;
    CHECK(only4, "444444444444 in eu-west-1 sees %d findings, all its own",
          f4 ? cJSON_GetArraySize(f4) : -1);
    /* ... and cannot update another account's finding */
    if (f3 && cJSON_GetArraySize(f3) > 0) {
        const cJSON *first = cJSON_GetArrayItem(f3, 0);
        cJSON *req = cJSON_CreateObject();
        cJSON *ids = cJSON_AddArrayToObject(req, "FindingIdentifiers");
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "Id", jstr(first, "Id"));
        cJSON_AddStringToObject(one, "ProductArn", jstr(first, "ProductArn"));
        cJSON_AddItemToArray(ids, one);
        cJSON *wf = cJSON_AddObjectToObject(req, "Workflow");
        cJSON_AddStringToObject(wf, "Status", "SUPPRESSED");
        hw_aws_ctx a4e = { "us-east-1", "444444444444" };
        cJSON *resp = NULL;
        rc = hw_aws_rest_json_call(c, &a4e, &hw_svc_securityhub, "BatchUpdateFindings", "PATCH",
                                   "/findings/batchupdate", req, &resp, &e);
        int unprocessed = cJSON_GetArraySize(cJSON_GetObjectItem(resp, "UnprocessedFindings"));
        int processed = cJSON_GetArraySize(cJSON_GetObjectItem(resp, "ProcessedFindings"));
        CHECK(rc == HW_OK && unprocessed == 1 && processed == 0,
              "a member cannot update another account's finding (%d unprocessed)", unprocessed);
        cJSON_Delete(resp);
        cJSON_Delete(req);
    }
    cJSON_Delete(f3);
    cJSON_Delete(f4);
    hw_aws_client_free(c);

    /* a wrong external id: AccessDenied at once, never retried */
    c = client(5);
    rc = hw_aws_assume(c, "333333333333", "HubwardenAudit", "wrong-external-id", &e);
    const hw_aws_error *ae = hw_aws_last_error(c);
    CHECK(rc == HW_EAWS && ae->http_status == 403 && strcmp(ae->code, "AccessDenied") == 0 &&
              ae->attempts == 1 && strstr(e.msg, "sts AssumeRole: HTTP 403 AccessDenied: "),
          "a wrong external id: %s", e.msg);
    /* a role that does not trust us */
    rc = hw_aws_assume(c, "111111111111", "HubwardenAudit", NULL, &e);
    CHECK(rc == HW_EAWS && hw_aws_last_error(c)->attempts == 1, "an untrusted role: %s", e.msg);
    hw_aws_client_free(c);
}

static void findings(void)
{
    /* the aggregator (the audit account in us-east-1) sees every region */
    hw_aws_client *c = client(10);
    hw_err e;
    hw_aws_ctx ctx = { "us-east-1", NULL };
    int pages = 0;
    cJSON *all = all_findings(c, &ctx, "{\"SortCriteria\":[{\"Field\":\"UpdatedAt\","
                                       "\"SortOrder\":\"desc\"}]}",
                              20, &pages, &e);
    CHECK(all != NULL, "GetFindings, every page%s%s", all ? "" : ": ", all ? "" : e.msg);
    if (!all) {
        hw_aws_client_free(c);
        return;
    }
    int n = cJSON_GetArraySize(all);
    printf("findings=%d pages=%d\n", n, pages);
    CHECK(pages == (n + 19) / 20 && pages > 1, "%d findings in %d pages of 20", n, pages);
    /* no finding twice */
    int dup = 0;
    for (int i = 0; i < n && !dup; i++)
        for (int j = i + 1; j < n && !dup; j++)
            dup = strcmp(jstr(cJSON_GetArrayItem(all, i), "Id"),
                         jstr(cJSON_GetArrayItem(all, j), "Id")) == 0 &&
                  strcmp(jstr(cJSON_GetArrayItem(all, i), "ProductArn"),
                         jstr(cJSON_GetArrayItem(all, j), "ProductArn")) == 0;
    CHECK(!dup, "no finding appears twice across pages");

    /* BatchUpdateFindings, then read it back */
    const cJSON *first = cJSON_GetArrayItem(all, 0);
    char id[512], product[512];
    snprintf(id, sizeof id, "%s", jstr(first, "Id"));
    snprintf(product, sizeof product, "%s", jstr(first, "ProductArn"));
    cJSON *req = cJSON_CreateObject();
    cJSON *ids = cJSON_AddArrayToObject(req, "FindingIdentifiers");
    cJSON *one = cJSON_CreateObject();
    cJSON_AddStringToObject(one, "Id", id);
    cJSON_AddStringToObject(one, "ProductArn", product);
    cJSON_AddItemToArray(ids, one);
    cJSON_AddObjectToObject(req, "Workflow");
    cJSON_AddStringToObject(cJSON_GetObjectItem(req, "Workflow"), "Status", "NOTIFIED");
    cJSON *note = cJSON_AddObjectToObject(req, "Note");
    cJSON_AddStringToObject(note, "Text", "hubwarden: owner notified (itest)");
    cJSON_AddStringToObject(note, "UpdatedBy", "hubwarden");
    cJSON *resp = NULL;
    int rc = hw_aws_rest_json_call(c, &ctx, &hw_svc_securityhub, "BatchUpdateFindings", "PATCH",
                                   "/findings/batchupdate", req, &resp, &e);
    CHECK(rc == HW_OK && cJSON_GetArraySize(cJSON_GetObjectItem(resp, "ProcessedFindings")) == 1,
          "BatchUpdateFindings processed the finding%s%s", rc ? ": " : "", rc ? e.msg : "");
    cJSON_Delete(resp);
    cJSON_Delete(req);
    char filter[1400];
    snprintf(filter, sizeof filter, "{\"Filters\":{\"Id\":[{\"Value\":\"%s\",\"Comparison\":\"EQUALS\"}]}}",
             id);
    cJSON *back = all_findings(c, &ctx, filter, 10, &pages, &e);
    const cJSON *b = cJSON_GetArrayItem(back, 0);
    CHECK(back && cJSON_GetArraySize(back) == 1 &&
              strcmp(jstr(cJSON_GetObjectItem(b, "Workflow"), "Status"), "NOTIFIED") == 0 &&
              strcmp(jstr(cJSON_GetObjectItem(b, "Note"), "Text"),
                     "hubwarden: owner notified (itest)") == 0,
          "the update reads back (Workflow NOTIFIED, the note)");
    cJSON_Delete(back);
    cJSON_Delete(all);
    hw_aws_client_free(c);
}

static void badkey(void)
{
    /* the right key id, the wrong secret: SignatureDoesNotMatch, once */
    hw_aws_client *c = client(5);
    hw_err e;
    hw_aws_identity id;
    int rc = hw_aws_get_caller_identity(c, NULL, &id, &e);
    const hw_aws_error *ae = hw_aws_last_error(c);
    CHECK(rc == HW_EAWS && ae->http_status == 403 &&
              strcmp(ae->code, "SignatureDoesNotMatch") == 0 && ae->attempts == 1 &&
              !ae->retryable && hw_starts_with(e.msg, "sts GetCallerIdentity: HTTP 403 "
                                                      "SignatureDoesNotMatch: The request signature") &&
              strstr(e.msg, "(request id "),
          "a wrong secret key (Query): %s", e.msg);
    cJSON *resp = NULL;
    rc = hw_aws_json_call(c, NULL, &hw_svc_organizations, "ListRoots", NULL, &resp, &e);
    CHECK(rc == HW_EAWS && strcmp(hw_aws_last_error(c)->code, "InvalidSignatureException") == 0 &&
              hw_aws_last_error(c)->attempts == 1,
          "a wrong secret key (JSON): %s", e.msg);
    cJSON_Delete(resp);
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    CHECK(secret && !strstr(e.msg, secret), "the error line does not carry the secret");
    hw_aws_client_free(c);
}

static void unknownkey(void)
{
    hw_aws_client *c = client(5);
    hw_err e;
    hw_aws_identity id;
    int rc = hw_aws_get_caller_identity(c, NULL, &id, &e);
    CHECK(rc == HW_EAWS && strcmp(hw_aws_last_error(c)->code, "InvalidClientTokenId") == 0 &&
              hw_aws_last_error(c)->attempts == 1,
          "an unknown access key: %s", e.msg);
    hw_aws_client_free(c);
}

/* n calls of each protocol that must all succeed (faults are injected
 * by the script); prints the attempts they took. */
static void retry(int n)
{
    hw_aws_client *c = client(8);
    hw_err e;
    long attempts = 0;
    int ok = 0;
    for (int i = 0; i < n; i++) {
        cJSON *resp = NULL;
        int rc = hw_aws_json_call(c, NULL, &hw_svc_organizations, "ListRoots", NULL, &resp, &e);
        attempts += hw_aws_last_error(c)->attempts;
        cJSON_Delete(resp);
        hw_aws_creds cr;
        if (rc == HW_OK)
            rc = hw_aws_assume_role(c, "arn:aws:iam::444444444444:role/HubwardenAudit", NULL,
                                    "hubwarden-itest", 900, &cr, &e);
        attempts += hw_aws_last_error(c)->attempts;
        if (rc == HW_OK) {
            hw_aws_ctx ctx = { "eu-west-1", NULL };
            cJSON *req = cJSON_Parse("{\"MaxResults\":5}");
            rc = hw_aws_rest_json_call(c, &ctx, &hw_svc_securityhub, "GetFindings", "POST",
                                       "/findings", req, &resp, &e);
            attempts += hw_aws_last_error(c)->attempts;
            cJSON_Delete(req);
            cJSON_Delete(resp);
        }
        if (rc == HW_OK)
            ok++;
        else
            printf("call %d: %s\n", i, e.msg);
    }
    printf("calls=%d attempts=%ld\n", 3 * n, attempts);
    CHECK(ok == n, "%d of %d rounds (JSON, Query, REST-JSON) succeeded through the faults", ok, n);
    CHECK(attempts > 3L * n, "the faults cost retries (%ld attempts for %d calls)", attempts, 3 * n);
    hw_aws_client_free(c);
}

static void fail_transport(void)
{
    /* every response broken: a clear transport error after max attempts */
    hw_aws_client *c = client(3);
    hw_err e;
    cJSON *resp = NULL;
    int rc = hw_aws_json_call(c, NULL, &hw_svc_organizations, "ListRoots", NULL, &resp, &e);
    CHECK(rc == HW_ENET && hw_aws_last_error(c)->attempts == 3 &&
              hw_starts_with(e.msg, "organizations ListRoots: ") &&
              strstr(e.msg, "(after 3 attempts)"),
          "a body truncated every time: %s", e.msg);
    cJSON_Delete(resp);
    hw_aws_client_free(c);
}

/* The generic calls with services the client has no helpers for: the
 * simulator checks the signature and the model, then answers that it does
 * not implement the operation (or, for the ones remediations use, answers
 * or refuses them), in the protocol's own format. */
static void protocols(void)
{
    static const hw_aws_service iam = {
        "iam", "iam", "iam", "IAM", HW_AWS_QUERY, NULL, NULL, "2010-05-08", 1,
    };
    static const hw_aws_service ec2 = {
        "ec2", "ec2", "ec2", "EC2", HW_AWS_EC2, NULL, NULL, "2016-11-15", 0,
    };
    static const hw_aws_service kms = {
        "kms", "kms", "kms", "KMS", HW_AWS_JSON, "TrentService", "1.1", NULL, 0,
    };
    static const hw_aws_service guardduty = {
        "guardduty", "guardduty", "guardduty", "GUARDDUTY", HW_AWS_REST_JSON, NULL, NULL, NULL, 0,
    };
    hw_aws_client *c = client(3);
    hw_err e;
    xmlDocPtr doc = NULL;
    hw_aws_param none[] = { { "MaxItems", "10" } };
    int rc = hw_aws_query_call(c, NULL, &iam, "ListUsers", none, 1, &doc, &e);
    const hw_aws_error *ae = hw_aws_last_error(c);
    CHECK(rc == HW_EAWS && ae->http_status == 400 && strcmp(ae->code, "InvalidAction") == 0,
          "IAM (Query) signed and understood: %s", e.msg);
    xmlFreeDoc(doc);
    /* ten filters: "Filter.10.Name" sorts between "Filter.1.Value.1" and
     * "Filter.2.Name", the order libcurl 7.88 would otherwise sign wrong */
    static char names[10][32], values[10][32], vals[10][32];
    hw_aws_param filters[21];
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof names[i], "Filter.%d.Name", i + 1);
        snprintf(values[i], sizeof values[i], "Filter.%d.Value.1", i + 1);
        snprintf(vals[i], sizeof vals[i], "tag:Env %d/x", i + 1);
        filters[2 * i] = (hw_aws_param){ names[i], vals[i] };
        filters[2 * i + 1] = (hw_aws_param){ values[i], "prod env" };
    }
    filters[20] = (hw_aws_param){ "MaxResults", "5" };
    doc = NULL;
    rc = hw_aws_query_call(c, NULL, &ec2, "DescribeInstances", filters, HW_ARRAY_LEN(filters), &doc,
                           &e);
    ae = hw_aws_last_error(c);
    /* (the simulator describes instances by id only: it refuses the
     * filters it parsed, in EC2's error format) */
    CHECK(rc == HW_EAWS && strcmp(ae->code, "InvalidParameterCombination") == 0 &&
              ae->request_id[0],
          "EC2 (Query, EC2 errors, list parameters) signed and understood: %s", e.msg);
    xmlFreeDoc(doc);
    cJSON *resp = NULL;
    cJSON *req = cJSON_Parse("{\"Limit\":10}");
    rc = hw_aws_json_call(c, NULL, &kms, "ListKeys", req, &resp, &e);
    ae = hw_aws_last_error(c);
    CHECK(rc == HW_EAWS && strcmp(ae->code, "UnknownOperationException") == 0,
          "KMS (JSON 1.1) signed and understood: %s", e.msg);
    cJSON_Delete(req);
    cJSON_Delete(resp);
    resp = NULL;
    rc = hw_aws_rest_json_call(c, NULL, &guardduty, "ListDetectors", "GET", "/detector", NULL,
                               &resp, &e);
    CHECK(rc == HW_OK && cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(resp, "detectorIds")),
          "GuardDuty (REST-JSON GET) signed and understood: %s", rc == HW_OK ? "detectorIds" : e.msg);
    cJSON_Delete(resp);
    hw_aws_client_free(c);
}

static void whoami(const char *want)
{
    hw_aws_client *c = client(3);
    hw_err e;
    hw_aws_creds cr;
    int rc = hw_aws_resolve_creds(c, &cr, &e);
    CHECK(rc == HW_OK, "credentials from %s%s%s", rc == HW_OK ? cr.source : "the chain",
          rc ? ": " : "", rc ? e.msg : "");
    hw_aws_identity id;
    rc = hw_aws_get_caller_identity(c, NULL, &id, &e);
    CHECK(rc == HW_OK && strstr(id.arn, want), "acting as %s", rc == HW_OK ? id.arn : e.msg);
    hw_aws_client_free(c);
}

int main(int argc, char **argv)
{
    hw_log_init(HW_LOG_WARN, 0);
    if (argc < 2) {
        fprintf(stderr, "usage: aws_client_test SCENARIO [ARG]\n");
        return 2;
    }
    const char *s = argv[1];
    if (strcmp(s, "org") == 0)
        org();
    else if (strcmp(s, "assume") == 0)
        assume();
    else if (strcmp(s, "findings") == 0)
        findings();
    else if (strcmp(s, "badkey") == 0)
        badkey();
    else if (strcmp(s, "unknownkey") == 0)
        unknownkey();
    else if (strcmp(s, "retry") == 0)
        retry(argc > 2 ? atoi(argv[2]) : 10);
    else if (strcmp(s, "fail-transport") == 0)
        fail_transport();
    else if (strcmp(s, "protocols") == 0)
        protocols();
    else if (strcmp(s, "whoami") == 0 && argc > 2)
        whoami(argv[2]);
    else {
        fprintf(stderr, "aws_client_test: no scenario %s\n", s);
        return 2;
    }
    return failures ? 1 : 0;
}
