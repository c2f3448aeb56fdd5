/*
 * config.c - AWS Config: resource counts from the Organization's
 * configuration aggregator (GetAggregateDiscoveredResourceCounts), which
 * evaluation uses to tell "no resources of this type" (NOT_APPLICABLE)
 * from "no data".
 *
 * One call (and its pages) per resource type, grouped by account; with no
 * resource type, the count of every resource per account, which says which
 * accounts the aggregator covers at all.
 */
#include "aws/aws_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

const hw_aws_service hw_svc_config = {
    "config", "config", "config", "CONFIG_SERVICE", HW_AWS_JSON,
    "StarlingDoveService", "1.1", NULL, 0,
};

/* At most this many pages for one resource type: a server that never
 * stops paging is an error, not a loop. */
#define MAX_PAGES 1000

int hw_aws_config_resource_counts(hw_aws_client *c, const hw_aws_ctx *ctx,
                                  const char *aggregator, const char *resource_type,
                                  hw_aws_count_cb cb, void *arg, hw_err *e)
{
    char *token = NULL;
    int rc = HW_OK;
    for (int page = 0; rc == HW_OK; page++) {
        if (page == MAX_PAGES) {
            rc = hw_err_set(e, HW_EAWS, "config GetAggregateDiscoveredResourceCounts: more than "
                                        "%d pages for %s", MAX_PAGES,
                            resource_type ? resource_type : "every resource type");
            break;
        }
        cJSON *req = cJSON_CreateObject();
        int ok = req && cJSON_AddStringToObject(req, "ConfigurationAggregatorName", aggregator) &&
                 cJSON_AddStringToObject(req, "GroupByKey", "ACCOUNT_ID");
        if (ok && resource_type) {
            cJSON *f = cJSON_AddObjectToObject(req, "Filters");
            ok = f && cJSON_AddStringToObject(f, "ResourceType", resource_type);
        }
        if (ok && token)
            ok = cJSON_AddStringToObject(req, "NextToken", token) != NULL;
        if (!ok) {
            cJSON_Delete(req);
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            break;
        }
        cJSON *resp = NULL;
        rc = hw_aws_json_call(c, ctx, &hw_svc_config, "GetAggregateDiscoveredResourceCounts", req,
                              &resp, e);
        cJSON_Delete(req);
        if (rc != HW_OK)
            break;
        const cJSON *groups = cJSON_GetObjectItemCaseSensitive(resp, "GroupedResourceCounts");
        if (groups && !cJSON_IsArray(groups)) {
            cJSON_Delete(resp);
            rc = hw_err_set(e, HW_EAWS, "config GetAggregateDiscoveredResourceCounts: "
                                        "GroupedResourceCounts is not a list");
            break;
        }
        const cJSON *g;
        cJSON_ArrayForEach(g, groups) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(g, "GroupName");
            const cJSON *n = cJSON_GetObjectItemCaseSensitive(g, "ResourceCount");
            /* an account id is 12 digits; anything else is no claim */
            if (!cJSON_IsString(name) || strlen(name->valuestring) != 12 ||
                strspn(name->valuestring, "0123456789") != 12 || !cJSON_IsNumber(n) ||
                n->valuedouble < 0)
                continue;
            if (cb(arg, name->valuestring, (long)n->valuedouble)) {
                rc = hw_err_set(e, HW_ENOMEM, "config GetAggregateDiscoveredResourceCounts: "
                                              "the result could not be kept");
                break;
            }
        }
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(resp, "NextToken");
        char *next = rc == HW_OK && cJSON_IsString(t) && *t->valuestring
                         ? strdup(t->valuestring) : NULL;
        cJSON_Delete(resp);
        if (next && token && strcmp(next, token) == 0) {
            free(next);
            rc = hw_err_set(e, HW_EAWS, "config GetAggregateDiscoveredResourceCounts: the same "
                                        "NextToken came back twice");
            break;
        }
        free(token);
        token = next;
        if (!token)
            break;
    }
    free(token);
    return rc;
}
