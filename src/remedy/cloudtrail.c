/*
 * cloudtrail.c - log file validation on a trail (CloudTrail.4): ListTags
 * (exemption tag), GetTrail, then UpdateTrail with EnableLogFileValidation
 * and nothing else.  Every call goes to the trail's home region, the one
 * in its ARN (UpdateTrail refuses any other), with the owning account's
 * credentials.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static const hw_aws_service svc_cloudtrail = {
    "cloudtrail", "cloudtrail", "cloudtrail", "CLOUDTRAIL", HW_AWS_JSON,
    "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", "1.1", NULL, 0,
};

/* "arn:P:cloudtrail:REGION:ACCOUNT:trail/NAME": its home region into
 * region and 1, or 0 when the resource is not such an ARN. */
static int trail_arn(const char *arn, char region[32])
{
    char part[16], acct[16], name[160];
    int n = 0;
    if (sscanf(arn, "arn:%15[^:]:cloudtrail:%31[^:]:%15[^:]:trail/%159[A-Za-z0-9._-]%n", part,
               region, acct, name, &n) != 4 ||
        arn[n] != '\0')
        return 0;
    return 1;
}

static cJSON *ct_calls(const hw_remedy_target *t)
{
    char region[32] = "?";
    trail_arn(t->resource, region);
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "cloudtrail:ListTags ResourceIdList=[%s] (region %s; exemption tag %s)",
            t->resource, region, t->exemption_tag);
    rx_call(c, "cloudtrail:GetTrail Name=%s (region %s)", t->resource, region);
    rx_call(c, "cloudtrail:UpdateTrail Name=%s EnableLogFileValidation=true (region %s)",
            t->resource, region);
    rx_call(c, "cloudtrail:GetTrail Name=%s (verify)", t->resource);
    return c;
}

static int ct_call(hw_aws_client *c, const hw_remedy_target *t, const char *region,
                   const char *op, cJSON *req, cJSON **resp, hw_err *e)
{
    hw_aws_ctx ctx = { region, t->account };
    int rc = hw_aws_json_call(c, &ctx, &svc_cloudtrail, op, req, resp, e);
    cJSON_Delete(req);
    return rc;
}

static int ct_gone(hw_aws_client *c)
{
    const char *code = rx_code(c);
    return strcmp(code, "TrailNotFoundException") == 0 ||
           strcmp(code, "ResourceNotFoundException") == 0;
}

static int ct_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                   char why[256], hw_err *e)
{
    char region[32];
    if (!trail_arn(t->resource, region)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not a CloudTrail trail ARN", t->resource);
        return HW_OK;
    }
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddItemToArray(cJSON_AddArrayToObject(req, "ResourceIdList"),
                         cJSON_CreateString(t->resource));
    int rc = ct_call(c, t, region, "ListTags", req, &resp, e);
    if (rc != HW_OK && ct_gone(c)) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "trail %.200s no longer exists", t->resource);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "TrailARN", t->resource);
    const cJSON *rt, *tag;
    const char *exempt = NULL;
    cJSON_ArrayForEach(rt, cJSON_GetObjectItemCaseSensitive(resp, "ResourceTagList"))
    {
        cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(rt, "TagsList"))
        {
            const cJSON *k = cJSON_GetObjectItemCaseSensitive(tag, "Key");
            const cJSON *v = cJSON_GetObjectItemCaseSensitive(tag, "Value");
            if (cJSON_IsString(k))
                rx_tag(t, *state, k->valuestring, cJSON_IsString(v) ? v->valuestring : "");
            if (cJSON_IsString(k) && strcmp(k->valuestring, t->exemption_tag) == 0)
                exempt = cJSON_IsString(v) ? v->valuestring : "";
        }
    }
    if (exempt) {
        cJSON_AddStringToObject(*state, "ExemptionTag", exempt);
        snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, exempt);
        *verdict = HW_RV_EXEMPT;
        cJSON_Delete(resp);
        return HW_OK;
    }
    cJSON_Delete(resp);
    resp = NULL;
    req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "Name", t->resource);
    rc = ct_call(c, t, region, "GetTrail", req, &resp, e);
    if (rc != HW_OK && ct_gone(c)) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "trail %.200s no longer exists", t->resource);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    const cJSON *trail = cJSON_GetObjectItemCaseSensitive(resp, "Trail");
    int on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(trail, "LogFileValidationEnabled"));
    cJSON_AddBoolToObject(*state, "LogFileValidationEnabled", on);
    cJSON_Delete(resp);
    *verdict = on ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "trail %.180s: log file validation %s", t->resource, on ? "on" : "off");
    return HW_OK;
}

static int ct_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    char region[32];
    if (!trail_arn(t->resource, region))
        return hw_err_set(e, HW_EINVAL, "%s is not a CloudTrail trail ARN", t->resource);
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddStringToObject(req, "Name", t->resource);
    cJSON_AddTrueToObject(req, "EnableLogFileValidation");
    int rc = ct_call(c, t, region, "UpdateTrail", req, &resp, e);
    cJSON_Delete(resp);
    return rc;
}

static const char *const controls[] = { "CloudTrail.4", NULL };
static const char *const perms[] = { "cloudtrail:ListTags", "cloudtrail:GetTrail",
                                     "cloudtrail:UpdateTrail", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_cloudtrail_validation = {
    "cloudtrail-log-validation", controls, none, perms, ct_calls, ct_read, ct_fix, 1,
};
