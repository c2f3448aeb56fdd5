/*
 * securityhub.c - Security Hub: the enablement of its controls.
 *
 * GetFindings pages go out through the multi queue (multi.c) from the
 * scan (scan/pull.c), which frames each finding out of the raw bytes, so
 * every finding is stored exactly as Security Hub sent it.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

cJSON *hw_aws_security_control_request(const char *const *ids, size_t n)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *list = req ? cJSON_AddArrayToObject(req, "SecurityControlIds") : NULL;
    for (size_t i = 0; list && i < n; i++)
        if (!cJSON_AddItemToArray(list, cJSON_CreateString(ids[i])))
            list = NULL;
    if (!list) {
        cJSON_Delete(req);
        return NULL;
    }
    return req;
}

int hw_aws_security_control_read(const cJSON *resp, hw_aws_control_cb cb, void *arg, hw_err *e)
{
    const cJSON *controls = cJSON_GetObjectItemCaseSensitive(resp, "SecurityControls");
    if (!cJSON_IsArray(controls))
        return hw_err_set(e, HW_EAWS, "securityhub BatchGetSecurityControls: "
                                      "SecurityControls missing from the response");
    const cJSON *it;
    cJSON_ArrayForEach(it, controls) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "SecurityControlId");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "SecurityControlStatus");
        if (!cJSON_IsString(id) || !cJSON_IsString(st))
            continue; /* malformed entry: no claim either way */
        int enabled;
        if (strcmp(st->valuestring, "ENABLED") == 0)
            enabled = 1;
        else if (strcmp(st->valuestring, "DISABLED") == 0)
            enabled = 0;
        else
            continue;
        if (cb(arg, id->valuestring, enabled))
            return hw_err_set(e, HW_EINTERNAL, "securityhub BatchGetSecurityControls: "
                                               "the result could not be kept");
    }
    return HW_OK;
}

int hw_aws_security_control_status(hw_aws_client *c, const hw_aws_ctx *ctx,
                                   const char *const *ids, size_t n, hw_aws_control_cb cb,
                                   void *arg, hw_err *e)
{
    for (size_t at = 0; at < n; at += 100) {
        size_t k = n - at < 100 ? n - at : 100;
        cJSON *req = hw_aws_security_control_request(ids + at, k);
        if (!req)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        cJSON *resp = NULL;
        int rc = hw_aws_rest_json_call(c, ctx, &hw_svc_securityhub, "BatchGetSecurityControls",
                                       "POST", "/securityControls/batchGet", req, &resp, e);
        cJSON_Delete(req);
        if (rc == HW_OK)
            rc = hw_aws_security_control_read(resp, cb, arg, e);
        cJSON_Delete(resp);
        if (rc != HW_OK)
            return rc;
    }
    return HW_OK;
}
