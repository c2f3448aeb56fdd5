/*
 * guardduty.c - GuardDuty on in an account and region (GuardDuty.1):
 * ListDetectors; none: CreateDetector enable=true (GuardDuty's defaults
 * otherwise); a detector that exists but is suspended: UpdateDetector
 * enable=true on it, nothing else of it changed.  An account has at most
 * one detector per region.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static const hw_aws_service svc_guardduty = {
    "guardduty", "guardduty", "guardduty", "GUARDDUTY", HW_AWS_REST_JSON, NULL, NULL, NULL, 0,
};

static cJSON *gd_calls(const hw_remedy_target *t)
{
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "guardduty:ListDetectors (account %s, region %s)", t->account, t->region);
    rx_call(c, "guardduty:GetDetector DetectorId=<the region's detector, if any>");
    rx_call(c, "guardduty:CreateDetector Enable=true (when the region has no detector)");
    rx_call(c, "guardduty:UpdateDetector DetectorId=<the suspended detector> Enable=true (when "
               "it has one)");
    rx_call(c, "guardduty:ListDetectors (verify)");
    return c;
}

static int gd_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                   char why[256], hw_err *e)
{
    hw_aws_ctx ctx = rx_ctx(t);
    cJSON *resp = NULL;
    int rc = hw_aws_rest_json_call(c, &ctx, &svc_guardduty, "ListDetectors", "GET", "/detector",
                                   NULL, &resp, e);
    if (rc != HW_OK)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "Region", t->region);
    cJSON *dets = cJSON_AddArrayToObject(*state, "Detectors");
    const cJSON *id;
    int enabled = 0, n = 0;
    cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(resp, "detectorIds"))
    {
        if (!cJSON_IsString(id) || strspn(id->valuestring, "0123456789abcdef") !=
                                       strlen(id->valuestring) ||
            strlen(id->valuestring) > 64 || !*id->valuestring)
            continue;
        char path[96];
        snprintf(path, sizeof path, "/detector/%s", id->valuestring);
        cJSON *d = NULL;
        if ((rc = hw_aws_rest_json_call(c, &ctx, &svc_guardduty, "GetDetector", "GET", path,
                                        NULL, &d, e)) != HW_OK) {
            cJSON_Delete(resp);
            return rc;
        }
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(d, "status");
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "DetectorId", id->valuestring);
        cJSON_AddStringToObject(o, "Status", cJSON_IsString(status) ? status->valuestring : "");
        cJSON_AddItemToArray(dets, o);
        enabled |= cJSON_IsString(status) && strcmp(status->valuestring, "ENABLED") == 0;
        n++;
        cJSON_Delete(d);
    }
    cJSON_Delete(resp);
    *verdict = enabled ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "account %s: %s in %s", t->account,
             enabled ? "a GuardDuty detector is enabled"
             : n     ? "the GuardDuty detector is suspended"
                     : "no GuardDuty detector",
             t->region);
    return HW_OK;
}

static int gd_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    hw_aws_ctx ctx = rx_ctx(t);
    const cJSON *dets = cJSON_GetObjectItemCaseSensitive(state, "Detectors");
    const cJSON *d = cJSON_GetArrayItem(dets, 0);
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "DetectorId");
    cJSON *req = cJSON_CreateObject(), *resp = NULL;
    cJSON_AddTrueToObject(req, "enable");
    int rc;
    if (cJSON_IsString(id)) {
        char path[96];
        snprintf(path, sizeof path, "/detector/%s", id->valuestring);
        rc = hw_aws_rest_json_call(c, &ctx, &svc_guardduty, "UpdateDetector", "POST", path, req,
                                   &resp, e);
    } else {
        rc = hw_aws_rest_json_call(c, &ctx, &svc_guardduty, "CreateDetector", "POST",
                                   "/detector", req, &resp, e);
    }
    cJSON_Delete(req);
    cJSON_Delete(resp);
    return rc;
}

static const char *const controls[] = { "GuardDuty.1", NULL };
static const char *const perms[] = { "guardduty:ListDetectors", "guardduty:GetDetector",
                                     "guardduty:CreateDetector", "guardduty:UpdateDetector",
                                     NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_guardduty_enable = {
    "guardduty-enable", controls, none, perms, gd_calls, gd_read, gd_fix, 0,
};
