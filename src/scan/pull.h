/*
 * pull.h - `hubwarden scan`: the Organization's findings pulled from
 * Security Hub into the store, source by source, incrementally.
 */
#ifndef HW_SCAN_PULL_H
#define HW_SCAN_PULL_H

#include <stddef.h>

#include "scan/ingest.h"
#include "util/util.h"

struct hw_aws_options;
struct hw_catalog;
struct hw_store;

typedef struct hw_scan_opts {
    const struct hw_aws_options *aws;
    const char *mode;               /* "aggregator" or "assume-role" */
    const char *role_name, *external_id;
    const char *aggregator_account; /* NULL/"": the caller's */
    const char *aggregator_region;  /* NULL/"": the home region */
    char **regions;                 /* assume-role mode */
    size_t nregions;
    char **include, **exclude;
    size_t ninclude, nexclude;
    char **products;
    size_t nproducts;
    int overlap_s;
    double rate;
    int burst;
    int page_size;
    int max_concurrency;
    int full;                       /* ignore watermarks */
    int member_controls;            /* aggregator mode: ask members too */
    int control_check_hours;        /* answers younger than this are kept */
    const struct hw_catalog *catalog; /* cross-check; NULL: none */
} hw_scan_opts;

typedef struct hw_scan_result {
    hw_ingest_stats stats;
    size_t accounts, accounts_skipped; /* active / suspended or closed */
    size_t sources, sources_failed;
    size_t pages, api_calls;           /* api_calls counts retries too */
    char failed[1024];                 /* the failed sources and why, "; "-separated (cut) */
} hw_scan_result;

/* Pulls the Organization's findings into the store for run_id.  Returns
 * HW_OK when at least one source completed (res->sources_failed says how
 * many did not), else the error. */
int hw_scan_run(struct hw_store *st, const hw_scan_opts *o, const char *run_id,
                hw_scan_result *res, hw_err *e);

/*
 * One GetFindings response body: its NextToken (*next, malloc'd, NULL on
 * the last page) and its findings, fed to `in` (source `key`).
 * HW_SCAN_PAGE_MALFORMED when the body is not a JSON object, and
 * HW_SCAN_PAGE_REPEAT when its NextToken is prev (the token this page was
 * asked with): nothing is ingested then, and *next is NULL.  Findings the page holds that do not parse are skipped and
 * counted by the ingest; a failed sink shows in in->failed.
 */
enum { HW_SCAN_PAGE_OK = 0, HW_SCAN_PAGE_MALFORMED = 1, HW_SCAN_PAGE_REPEAT = 2 };
int hw_scan_page(hw_ingest *in, const char *key, const char *body, size_t len, const char *prev,
                 char **next);

/*
 * Records the resource inventory for evaluation: per account, how many
 * resources of each resource type of o->catalog's controls the AWS Config
 * aggregator `aggregator` counts (in o->aggregator_account, assuming
 * o->role_name there when it is not the caller's, and o->aggregator_region).
 * On failure (e) the store keeps no inventory.  *calls: Config calls made.
 */
int hw_scan_inventory(struct hw_store *st, const hw_scan_opts *o, const char *aggregator,
                      const char *run_id, size_t *calls, hw_err *e);

#endif
