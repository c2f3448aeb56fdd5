/*
 * securityhub.c - Security Hub's GetFindings, one page at a time.
 *
 * The page comes back as raw bytes: the scan frames each finding out of
 * them, so every finding is stored exactly as Security Hub sent it.  The
 * envelope is parsed once more here for NextToken; a scan is bound by the
 * API's rate limit (3 pages a second), not by parsing.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

int hw_aws_get_findings_page(hw_aws_client *c, const hw_aws_ctx *ctx, const cJSON *req,
                             const char *next_token, char **body, size_t *len, char **next,
                             hw_err *e)
{
    *body = NULL;
    *next = NULL;
    cJSON *r = cJSON_Duplicate(req, 1);
    if (!r)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    if (next_token)
        cJSON_AddStringToObject(r, "NextToken", next_token);
    int rc = hw_aws_rest_json_raw(c, ctx, &hw_svc_securityhub, "GetFindings", "POST", "/findings",
                                  r, body, len, e);
    cJSON_Delete(r);
    if (rc != HW_OK)
        return rc;
    cJSON *env = cJSON_ParseWithLength(*body, *len);
    if (!cJSON_IsObject(env)) {
        cJSON_Delete(env);
        free(*body);
        *body = NULL;
        return hw_err_set(e, HW_EAWS, "securityhub GetFindings: the response is not a JSON object");
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(env, "NextToken");
    if (cJSON_IsString(t) && *t->valuestring)
        *next = strdup(t->valuestring);
    cJSON_Delete(env);
    return HW_OK;
}
