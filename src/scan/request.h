/*
 * request.h - the GetFindings request bodies a scan sends (filters.c).
 */
#ifndef HW_SCAN_REQUEST_H
#define HW_SCAN_REQUEST_H

#include <stddef.h>
#include <stdint.h>

enum hw_query_kind {
    HW_QUERY_CHANGED_SINCE = 0, /* incremental: UpdatedAt >= since, any state */
    HW_QUERY_ACTIVE,            /* full: every active finding */
    HW_QUERY_ARCHIVED_SINCE     /* full: archived since the last watermark */
};

/* A GetFindings request body (a cJSON object the caller deletes) without
 * NextToken.  products: config names ("securityhub", "guardduty", or a
 * ProductName). */
struct cJSON;
struct cJSON *hw_scan_request(const char *const *products, size_t nproducts, int kind,
                              int64_t since, int64_t now, int page_size);

#endif
