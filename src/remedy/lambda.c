/*
 * lambda.c - Lambda function policies that prohibit public access
 * (Lambda.1): tag:GetResources (exemption tag), GetPolicy (Lambda's
 * "Function not found": gone; no policy: compliant), then RemovePermission
 * of only
 * the public statements, each with the policy's RevisionId so that a
 * policy changed meanwhile is never edited blind; every other statement
 * stays as it is.  Disruptive: whoever invoked the function through a
 * public statement (a public function URL, an S3 bucket of any account)
 * loses it.
 *
 * A statement is public when it allows a principal of "*" ("*" or
 * {"AWS": "*"}, alone or in a list), or the S3 service (which can be any
 * account's bucket), and no condition narrows the caller to an account,
 * an Organization or a source ARN (Security Hub's check: AWS Config's
 * lambda-function-public-access-prohibited).  A public statement without
 * a Sid cannot be removed by RemovePermission: refused, nothing changed.
 */
#include "remedy/remedy_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const hw_aws_service svc_lambda = {
    "lambda", "lambda", "lambda", "LAMBDA", HW_AWS_REST_JSON, NULL, NULL, NULL, 0,
};
static const hw_aws_service svc_tagging = {
    "resourcegroupstaggingapi", "tagging", "tagging", "RESOURCE_GROUPS_TAGGING_API", HW_AWS_JSON,
    "ResourceGroupsTaggingAPI_20170126", "1.1", NULL, 0,
};

/* "arn:P:lambda:REGION:ACCOUNT:function:NAME" -> NAME (unqualified), or 0. */
static int function_of(const char *arn, char name[65])
{
    char part[16], region[32], acct[16];
    int n = 0;
    if (sscanf(arn, "arn:%15[^:]:lambda:%31[^:]:%15[0-9]:function:%64[A-Za-z0-9_-]%n", part,
               region, acct, name, &n) != 4 ||
        arn[n] != '\0')
        return 0;
    return 1;
}

static cJSON *lambda_calls(const hw_remedy_target *t)
{
    char f[65];
    if (!function_of(t->resource, f))
        snprintf(f, sizeof f, "?");
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "resourcegroupstaggingapi:GetResources ResourceARNList=%s (exemption tag %s)", t->resource,
            t->exemption_tag);
    rx_call(c, "lambda:GetPolicy FunctionName=%s (the public statements)", f);
    rx_call(c, "lambda:RemovePermission FunctionName=%s StatementId=<each public statement> "
               "RevisionId=<the policy's>; every other statement kept",
            f);
    rx_call(c, "lambda:GetPolicy FunctionName=%s (verify)", f);
    return c;
}

/* Condition keys that narrow a statement to known callers. */
static const char *const narrowing[] = { "aws:SourceAccount", "aws:SourceArn",
                                         "aws:SourceOwner",   "aws:SourceOrgID",
                                         "aws:PrincipalOrgID", "aws:PrincipalAccount",
                                         "aws:PrincipalArn" };

static int narrowed(const cJSON *cond)
{
    const cJSON *op;
    cJSON_ArrayForEach(op, cond)
    {
        const cJSON *k;
        cJSON_ArrayForEach(k, op)
        {
            for (size_t i = 0; i < HW_ARRAY_LEN(narrowing); i++)
                if (k->string && strcasecmp(k->string, narrowing[i]) == 0)
                    return 1;
        }
    }
    return 0;
}

/* Whether one value of a principal (a string or a list) is v. */
static int has(const cJSON *p, const char *v)
{
    if (cJSON_IsString(p))
        return strcmp(p->valuestring, v) == 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, p)
    {
        if (cJSON_IsString(x) && strcmp(x->valuestring, v) == 0)
            return 1;
    }
    return 0;
}

int hw_remedy_lambda_statement_public(const cJSON *s)
{
    const cJSON *eff = cJSON_GetObjectItemCaseSensitive(s, "Effect");
    if (!cJSON_IsString(eff) || strcmp(eff->valuestring, "Allow") != 0)
        return 0;
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(s, "Principal");
    int open = cJSON_IsString(p) ? strcmp(p->valuestring, "*") == 0
                                 : has(cJSON_GetObjectItemCaseSensitive(p, "AWS"), "*") ||
                                       has(cJSON_GetObjectItemCaseSensitive(p, "Service"),
                                           "s3.amazonaws.com");
    return open && !narrowed(cJSON_GetObjectItemCaseSensitive(s, "Condition"));
}

static int lambda_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                       char why[256], hw_err *e)
{
    char f[65];
    if (!function_of(t->resource, f)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an unqualified Lambda function ARN", t->resource);
        return HW_OK;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    /* tags through the Resource Groups Tagging API: Lambda's own ListTags
     * takes the ARN in its path, which SigV4 as libcurl signs it cannot
     * carry (it would need the percent-encoded path encoded again) */
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "ResourceARNList"),
                         cJSON_CreateString(t->resource));
    int rc = hw_aws_json_call(c, &ctx, &svc_tagging, "GetResources", req, &resp, e);
    cJSON_Delete(req);
    if (rc != HW_OK)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "FunctionName", f);
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(resp, "ResourceTagMappingList"))
    {
        const cJSON *arn = cJSON_GetObjectItemCaseSensitive(m, "ResourceARN");
        if (!cJSON_IsString(arn) || strcmp(arn->valuestring, t->resource) != 0)
            continue;
        rx_json_tags(t, *state, cJSON_GetObjectItemCaseSensitive(m, "Tags"), verdict, why);
    }
    cJSON_Delete(resp);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    char p2[128];
    snprintf(p2, sizeof p2, "/2015-03-31/functions/%s/policy", f);
    resp = NULL;
    rc = hw_aws_rest_json_call(c, &ctx, &svc_lambda, "GetPolicy", "GET", p2, NULL, &resp, e);
    if (rc != HW_OK && strcmp(rx_code(c), "ResourceNotFoundException") == 0) {
        /* Lambda says which: "Function not found: ARN", else the
         * function has no policy */
        if (hw_starts_with(hw_aws_last_error(c)->message, "Function not found")) {
            *verdict = HW_RV_GONE;
            snprintf(why, 256, "function %s no longer exists", f);
            return HW_OK;
        }
        cJSON_AddItemToObject(*state, "Statements", cJSON_CreateArray());
        cJSON_AddItemToObject(*state, "Public", cJSON_CreateArray());
        *verdict = HW_RV_COMPLIANT;
        snprintf(why, 256, "function %s: no resource-based policy", f);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    const cJSON *text = cJSON_GetObjectItemCaseSensitive(resp, "Policy");
    const cJSON *rev = cJSON_GetObjectItemCaseSensitive(resp, "RevisionId");
    cJSON *pol = cJSON_IsString(text) ? cJSON_Parse(text->valuestring) : NULL;
    cJSON_AddStringToObject(*state, "RevisionId", cJSON_IsString(rev) ? rev->valuestring : "");
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(pol, "Statement");
    if (!cJSON_IsObject(pol) || !(cJSON_IsArray(stmts) || cJSON_IsObject(stmts))) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "function %s: its policy is not valid JSON with a Statement; not changed", f);
        cJSON_Delete(pol);
        cJSON_Delete(resp);
        return HW_OK;
    }
    cJSON *all = cJSON_AddArrayToObject(*state, "Statements");
    cJSON *pub = cJSON_AddArrayToObject(*state, "Public");
    int nosid = 0;
    const cJSON *s;
    if (cJSON_IsObject(stmts)) { /* a single statement, not in a list */
        cJSON *wrap = cJSON_CreateArray();
        cJSON_AddItemReferenceToArray(wrap, (cJSON *)stmts);
        stmts = wrap;
    }
    cJSON_ArrayForEach(s, stmts)
    {
        const cJSON *sid = cJSON_GetObjectItemCaseSensitive(s, "Sid");
        const char *id = cJSON_IsString(sid) ? sid->valuestring : "";
        cJSON_AddItemToArray(all, cJSON_CreateString(id));
        if (hw_remedy_lambda_statement_public(s)) {
            cJSON_AddItemToArray(pub, cJSON_CreateString(id));
            nosid |= !*id || strlen(id) > 100 ||
                     strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
                         strlen(id);
        }
    }
    if (stmts != cJSON_GetObjectItemCaseSensitive(pol, "Statement"))
        cJSON_Delete((cJSON *)stmts);
    cJSON_Delete(pol);
    cJSON_Delete(resp);
    int npub = cJSON_GetArraySize(pub);
    if (nosid) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "function %s: a public statement has no usable Sid, which "
                           "RemovePermission needs; not changed", f);
    } else if (npub) {
        *verdict = HW_RV_FAILING;
        char *list = cJSON_PrintUnformatted(pub);
        snprintf(why, 256, "function %s: %d public statement(s) %.150s", f, npub, list ? list : "");
        free(list);
    } else {
        *verdict = HW_RV_COMPLIANT;
        snprintf(why, 256, "function %s: no public statement", f);
    }
    return HW_OK;
}

static int lambda_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    char f[65];
    if (!function_of(t->resource, f))
        return hw_err_set(e, HW_EINVAL, "%s is not a Lambda function ARN", t->resource);
    hw_aws_ctx ctx = rx_ctx(t);
    const cJSON *rev = cJSON_GetObjectItemCaseSensitive(state, "RevisionId");
    char revision[80];
    snprintf(revision, sizeof revision, "%s", cJSON_IsString(rev) ? rev->valuestring : "");
    const cJSON *sid;
    int first = 1;
    cJSON_ArrayForEach(sid, cJSON_GetObjectItemCaseSensitive(state, "Public"))
    {
        if (!first) {
            /* each removal makes a new revision: read it, so that a policy
             * changed by someone else meanwhile is refused by Lambda */
            char p2[128];
            snprintf(p2, sizeof p2, "/2015-03-31/functions/%s/policy", f);
            cJSON *resp = NULL;
            if (hw_aws_rest_json_call(c, &ctx, &svc_lambda, "GetPolicy", "GET", p2, NULL, &resp,
                                      e) != HW_OK)
                return e->kind;
            rev = cJSON_GetObjectItemCaseSensitive(resp, "RevisionId");
            snprintf(revision, sizeof revision, "%s", cJSON_IsString(rev) ? rev->valuestring : "");
            cJSON_Delete(resp);
        }
        first = 0;
        if (strspn(revision, "0123456789abcdef-") != strlen(revision))
            return hw_err_set(e, HW_EAWS, "function %s: unexpected RevisionId", f);
        char path[320];
        snprintf(path, sizeof path, "/2015-03-31/functions/%s/policy/%s%s%s", f,
                 sid->valuestring, *revision ? "?RevisionId=" : "", revision);
        cJSON *resp = NULL;
        int rc = hw_aws_rest_json_call(c, &ctx, &svc_lambda, "RemovePermission", "DELETE", path,
                                       NULL, &resp, e);
        cJSON_Delete(resp);
        if (rc != HW_OK)
            return rc;
    }
    return HW_OK;
}

static const char *const controls[] = { "Lambda.1", NULL };
static const char *const disruptive[] = { "Lambda.1", NULL };
static const char *const perms[] = { "tag:GetResources", "lambda:GetPolicy",
                                     "lambda:RemovePermission", NULL };

const hw_remedy_family hw_remedy_lambda_private = {
    "lambda-remove-public-access", controls, disruptive, perms, lambda_calls, lambda_read,
    lambda_fix, 1,
};
