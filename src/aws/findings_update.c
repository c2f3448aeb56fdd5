/*
 * findings_update.c - Security Hub BatchUpdateFindings for the workflow
 * status and note of findings (through the aggregator, which may update
 * its members' findings).  At most 100 findings a call, as the API allows.
 * BatchUpdateFindings does not change a finding's UpdatedAt.  And the
 * read back of findings' workflow and note (GetFindings on their Id).
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

int hw_aws_update_workflow(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_finding_ref *refs,
                           size_t n, const char *status, const char *note, int *processed,
                           char (*why)[128], hw_err *e)
{
    if (n == 0 || n > 100)
        return hw_err_set(e, HW_EINVAL, "BatchUpdateFindings: 1 to 100 findings a call, not %zu", n);
    cJSON *req = cJSON_CreateObject();
    cJSON *ids = cJSON_AddArrayToObject(req, "FindingIdentifiers");
    for (size_t i = 0; i < n; i++) {
        cJSON *one = cJSON_CreateObject();
        cJSON_AddStringToObject(one, "Id", refs[i].id);
        cJSON_AddStringToObject(one, "ProductArn", refs[i].product_arn);
        cJSON_AddItemToArray(ids, one);
        processed[i] = 0;
        if (why)
            snprintf(why[i], sizeof why[i], "not among the processed findings");
    }
    cJSON_AddStringToObject(cJSON_AddObjectToObject(req, "Workflow"), "Status", status);
    cJSON *nt = cJSON_AddObjectToObject(req, "Note");
    cJSON_AddStringToObject(nt, "Text", note);
    cJSON_AddStringToObject(nt, "UpdatedBy", "hubwarden");
    cJSON *resp = NULL;
    int rc = hw_aws_rest_json_call(c, ctx, &hw_svc_securityhub, "BatchUpdateFindings", "PATCH",
                                   "/findings/batchupdate", req, &resp, e);
    cJSON_Delete(req);
    if (rc != HW_OK)
        return rc;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "ProcessedFindings")) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "Id");
        const cJSON *pa = cJSON_GetObjectItemCaseSensitive(it, "ProductArn");
        if (!cJSON_IsString(id) || !cJSON_IsString(pa))
            continue;
        for (size_t i = 0; i < n; i++)
            if (strcmp(refs[i].id, id->valuestring) == 0 &&
                strcmp(refs[i].product_arn, pa->valuestring) == 0)
                processed[i] = 1;
    }
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(resp, "UnprocessedFindings")) {
        const cJSON *fi = cJSON_GetObjectItemCaseSensitive(it, "FindingIdentifier");
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(fi, "Id");
        const cJSON *pa = cJSON_GetObjectItemCaseSensitive(fi, "ProductArn");
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(it, "ErrorCode");
        const cJSON *msg = cJSON_GetObjectItemCaseSensitive(it, "ErrorMessage");
        if (!why || !cJSON_IsString(id) || !cJSON_IsString(pa))
            continue;
        for (size_t i = 0; i < n; i++)
            if (!processed[i] && strcmp(refs[i].id, id->valuestring) == 0 &&
                strcmp(refs[i].product_arn, pa->valuestring) == 0)
                snprintf(why[i], sizeof why[i], "%.40s: %.80s",
                         cJSON_IsString(code) ? code->valuestring : "unprocessed",
                         cJSON_IsString(msg) ? msg->valuestring : "");
    }
    cJSON_Delete(resp);
    return HW_OK;
}

static void copy_str(char *dst, size_t cap, const cJSON *v)
{
    snprintf(dst, cap, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int hw_aws_read_workflow(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_finding_ref *refs,
                         size_t n, char (*status)[32], char (*note)[520], char (*by)[64],
                         hw_err *e)
{
    if (n == 0 || n > 20)
        return hw_err_set(e, HW_EINVAL, "GetFindings: 1 to 20 finding ids a filter, not %zu", n);
    for (size_t i = 0; i < n; i++)
        status[i][0] = note[i][0] = by[i][0] = '\0';
    char *token = NULL;
    int rc = HW_OK;
    for (int pages = 0; rc == HW_OK && pages < 100; pages++) {
        cJSON *req = cJSON_CreateObject();
        cJSON *ids = cJSON_AddArrayToObject(cJSON_AddObjectToObject(req, "Filters"), "Id");
        for (size_t i = 0; i < n; i++) {
            cJSON *f = cJSON_CreateObject();
            cJSON_AddStringToObject(f, "Value", refs[i].id);
            cJSON_AddStringToObject(f, "Comparison", "EQUALS");
            cJSON_AddItemToArray(ids, f);
        }
        cJSON_AddNumberToObject(req, "MaxResults", 100);
        if (token)
            cJSON_AddStringToObject(req, "NextToken", token);
        cJSON *resp = NULL;
        rc = hw_aws_rest_json_call(c, ctx, &hw_svc_securityhub, "GetFindings", "POST", "/findings",
                                   req, &resp, e);
        cJSON_Delete(req);
        free(token);
        token = NULL;
        if (rc != HW_OK)
            break;
        const cJSON *f;
        cJSON_ArrayForEach(f, cJSON_GetObjectItemCaseSensitive(resp, "Findings")) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(f, "Id");
            const cJSON *pa = cJSON_GetObjectItemCaseSensitive(f, "ProductArn");
            if (!cJSON_IsString(id) || !cJSON_IsString(pa))
                continue;
            const cJSON *wf = cJSON_GetObjectItemCaseSensitive(f, "Workflow");
            const cJSON *nt = cJSON_GetObjectItemCaseSensitive(f, "Note");
            for (size_t i = 0; i < n; i++) {
                if (strcmp(refs[i].id, id->valuestring) != 0 ||
                    strcmp(refs[i].product_arn, pa->valuestring) != 0)
                    continue;
                copy_str(status[i], sizeof status[i], cJSON_GetObjectItemCaseSensitive(wf, "Status"));
                copy_str(note[i], sizeof note[i], cJSON_GetObjectItemCaseSensitive(nt, "Text"));
                copy_str(by[i], sizeof by[i], cJSON_GetObjectItemCaseSensitive(nt, "UpdatedBy"));
            }
        }
        const cJSON *nt = cJSON_GetObjectItemCaseSensitive(resp, "NextToken");
        if (cJSON_IsString(nt) && *nt->valuestring && !(token = strdup(nt->valuestring)))
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        cJSON_Delete(resp);
        if (!token)
            break;
    }
    free(token);
    return rc;
}
