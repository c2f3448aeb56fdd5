/*
 * ssm.c - SSM documents not public (SSM.4): ListTagsForResource
 * (ResourceType Document: the exemption tag; an unknown id is gone),
 * DescribeDocumentPermission (PermissionType Share: "all" means public),
 * then ModifyDocumentPermission AccountIdsToRemove=All and nothing else:
 * the accounts the document is shared with by id keep it.  A document
 * of another owner (an AWS or shared one) is refused by SSM itself.
 */
#include "remedy/remedy_int.h"

#include <string.h>
#include <strings.h>

static const hw_aws_service svc_ssm = {
    "ssm", "ssm", "ssm", "SSM", HW_AWS_JSON, "AmazonSSM", "1.1", NULL, 0,
};

/* "arn:P:ssm:REGION:ACCOUNT:document/NAME" -> NAME, checked, or 0. */
static int document_of(const char *arn, char name[129])
{
    char part[16], region[32], acct[16];
    int n = 0;
    if (sscanf(arn, "arn:%15[^:]:ssm:%31[^:]:%15[0-9]:document/%128[A-Za-z0-9_.-]%n", part,
               region, acct, name, &n) != 4 ||
        arn[n] != '\0' || strlen(name) < 3)
        return 0;
    return 1;
}

static cJSON *ssm_calls(const hw_remedy_target *t)
{
    char d[129];
    if (!document_of(t->resource, d))
        snprintf(d, sizeof d, "?");
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ssm:ListTagsForResource ResourceType=Document ResourceId=%s (exemption tag %s)", d,
            t->exemption_tag);
    rx_call(c, "ssm:DescribeDocumentPermission Name=%s PermissionType=Share", d);
    rx_call(c, "ssm:ModifyDocumentPermission Name=%s PermissionType=Share AccountIdsToRemove=All; "
               "accounts shared by id keep theirs",
            d);
    rx_call(c, "ssm:DescribeDocumentPermission Name=%s PermissionType=Share (verify)", d);
    return c;
}

static int ssm_call(hw_aws_client *c, const hw_remedy_target *t, const char *op, cJSON *req,
                    cJSON **resp, hw_err *e)
{
    hw_aws_ctx ctx = rx_ctx(t);
    int rc = hw_aws_json_call(c, &ctx, &svc_ssm, op, req, resp, e);
    cJSON_Delete(req);
    return rc;
}

static cJSON *share_req(const char *d)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "Name", d);
    cJSON_AddStringToObject(r, "PermissionType", "Share");
    return r;
}

static int ssm_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    char d[129];
    if (!document_of(t->resource, d)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an SSM document ARN", t->resource);
        return HW_OK;
    }
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddStringToObject(req, "ResourceType", "Document");
    cJSON_AddStringToObject(req, "ResourceId", d);
    int rc = ssm_call(c, t, "ListTagsForResource", req, &resp, e);
    if (rc != HW_OK && (strcmp(rx_code(c), "InvalidResourceId") == 0 ||
                        strcmp(rx_code(c), "InvalidDocument") == 0)) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "document %s no longer exists", d);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "Name", d);
    rx_json_tags(t, *state, cJSON_GetObjectItemCaseSensitive(resp, "TagList"), verdict, why);
    cJSON_Delete(resp);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    resp = NULL;
    rc = ssm_call(c, t, "DescribeDocumentPermission", share_req(d), &resp, e);
    if (rc != HW_OK && strcmp(rx_code(c), "InvalidDocument") == 0) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "document %s: its permissions cannot be read (%.120s); not changed", d,
                 hw_aws_last_error(c)->message);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    cJSON *ids = cJSON_AddArrayToObject(*state, "SharedWith");
    int public = 0;
    const cJSON *a;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(resp, "AccountIds"))
    {
        if (!cJSON_IsString(a))
            continue;
        cJSON_AddItemToArray(ids, cJSON_CreateString(a->valuestring));
        public |= strcasecmp(a->valuestring, "all") == 0;
    }
    cJSON_Delete(resp);
    *verdict = public ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "document %s: %s", d, public ? "shared publicly (all)" : "not public");
    return HW_OK;
}

static int ssm_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    char d[129];
    if (!document_of(t->resource, d))
        return hw_err_set(e, HW_EINVAL, "%s is not an SSM document ARN", t->resource);
    cJSON *req = share_req(d), *resp = NULL;
    cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "AccountIdsToRemove"),
                         cJSON_CreateString("All"));
    int rc = ssm_call(c, t, "ModifyDocumentPermission", req, &resp, e);
    cJSON_Delete(resp);
    return rc;
}

static const char *const controls[] = { "SSM.4", NULL };
static const char *const perms[] = { "ssm:ListTagsForResource", "ssm:DescribeDocumentPermission",
                                     "ssm:ModifyDocumentPermission", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_ssm_document_private = {
    "ssm-make-document-private", controls, none, perms, ssm_calls, ssm_read, ssm_fix, 1,
};
