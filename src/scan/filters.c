/*
 * filters.c - the GetFindings request bodies of a scan.
 *
 * Security Hub ORs the positive comparisons of one field and ANDs the
 * fields, so a request cannot say "(active) or (archived since T)".  A
 * scan therefore makes up to two queries per source:
 *   incremental: UpdatedAt in [watermark - overlap, now + 5 min], any
 *                record state: everything that changed, resolutions too;
 *   full:        RecordState ACTIVE, no date; and, when an earlier run
 *                left a watermark, RecordState ARCHIVED updated since it,
 *                so that findings archived since are seen as resolved.
 * Both sort by UpdatedAt ascending so that the newest UpdatedAt seen is the
 * next watermark.
 */
#include "scan/request.h"
#include "util/util.h"

#include <cJSON.h>
#include <string.h>

static const char *product_name(const char *p)
{
    if (strcmp(p, "securityhub") == 0)
        return "Security Hub";
    if (strcmp(p, "guardduty") == 0)
        return "GuardDuty";
    return p;
}

static cJSON *string_filter(cJSON *filters, const char *field)
{
    cJSON *arr = cJSON_GetObjectItemCaseSensitive(filters, field);
    if (!arr)
        arr = cJSON_AddArrayToObject(filters, field);
    return arr;
}

static void add_equals(cJSON *filters, const char *field, const char *value)
{
    cJSON *arr = string_filter(filters, field);
    cJSON *f = cJSON_CreateObject();
    cJSON_AddStringToObject(f, "Value", value);
    cJSON_AddStringToObject(f, "Comparison", "EQUALS");
    cJSON_AddItemToArray(arr, f);
}

cJSON *hw_scan_request(const char *const *products, size_t nproducts, int kind,
                       int64_t since, int64_t now, int page_size)
{
    cJSON *req = cJSON_CreateObject();
    cJSON *filters = cJSON_AddObjectToObject(req, "Filters");
    for (size_t i = 0; i < nproducts; i++)
        add_equals(filters, "ProductName", product_name(products[i]));
    if (kind == HW_QUERY_ACTIVE)
        add_equals(filters, "RecordState", "ACTIVE");
    else if (kind == HW_QUERY_ARCHIVED_SINCE)
        add_equals(filters, "RecordState", "ARCHIVED");
    if (kind != HW_QUERY_ACTIVE) {
        char start[32], end[32];
        hw_time_iso(since, start);
        hw_time_iso(now + 300, end);
        cJSON *arr = cJSON_AddArrayToObject(filters, "UpdatedAt");
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "Start", start);
        cJSON_AddStringToObject(d, "End", end);
        cJSON_AddItemToArray(arr, d);
    }
    cJSON *sort = cJSON_AddArrayToObject(req, "SortCriteria");
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "Field", "UpdatedAt");
    cJSON_AddStringToObject(s, "SortOrder", "asc");
    cJSON_AddItemToArray(sort, s);
    cJSON_AddNumberToObject(req, "MaxResults", page_size);
    return req;
}
