/*
 * scan.h - getting findings into the evidence store: from Security Hub
 * (`hubwarden scan`) or from files (`hubwarden import`).
 *
 * Every finding is hostile input.  hw_finding_parse() checks size,
 * encoding and the type of every field it reads, extracts the few fields
 * the store indexes, and decides whether the finding may ever authorise a
 * change (`trusted`): only Security Hub's own control findings (consolidated,
 * or naming a standard's control id that controls/ resolves) and
 * GuardDuty's, whose account matches every resource ARN and belongs to the
 * Organization.  Untrusted findings are stored and reported, never acted on.
 *
 * Ownership: strings in a parsed hw_finding point into the hw_finding's
 * own buffers; they live until it is reused or freed.
 */
#ifndef HW_SCAN_H
#define HW_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

/* Larger findings are skipped (AWS's own limit is 240 KB a finding). */
#define HW_FINDING_MAX_BYTES (512u * 1024u)
/* Longest identifier accepted in Id, ProductArn, GeneratorId, ARNs. */
#define HW_FINDING_MAX_ID 1024u

enum hw_product {
    HW_PRODUCT_OTHER = 0,
    HW_PRODUCT_SECURITYHUB, /* product/aws/securityhub */
    HW_PRODUCT_GUARDDUTY    /* product/aws/guardduty */
};

typedef struct hw_finding {
    const char *id;
    const char *product_arn;
    const char *generator_id;
    const char *account_id;
    const char *region;
    const char *title;
    const char *severity;          /* Severity.Label */
    const char *compliance_status; /* Compliance.Status or "" */
    const char *workflow_status;   /* Workflow.Status or "" */
    const char *record_state;      /* RecordState */
    const char *created_at;
    const char *updated_at;
    const char *first_observed;    /* FirstObservedAt, else CreatedAt */
    const char *last_observed;     /* LastObservedAt, else UpdatedAt */
    int64_t updated_epoch;         /* the four times, parsed once (epoch milliseconds, UTC) */
    int64_t created_epoch, first_epoch, last_epoch;
    int product;                   /* enum hw_product */
    char product_name[64];         /* "securityhub", "guardduty", or the ARN's company/product */
    char control_id[64];           /* Compliance.SecurityControlId, else from GeneratorId:
                                    * security-control/ID, or a standard's control id
                                    * through the catalogue (see below) */
    char resource_type[128];       /* first resource's Type */
    char region_buf[32];           /* Region when taken from ProductArn */
    /* The standard control the finding names (GeneratorId or ProductFields)
     * when its control came from it through the catalogue, else NULL/"" */
    const struct hw_standard *standard;
    char standard_control_id[64];
    hw_buf resources;              /* JSON array of resource ids */
    int trusted;
    char untrusted_reason[256];
    /* Security Hub's own mapping, for the cross-check against controls/:
     * the strings of Compliance.RelatedRequirements and the StandardsId of
     * each of Compliance.AssociatedStandards */
    const char *const *related;
    size_t nrelated;
    const char *const *standards;
    size_t nstandards;
    /* Set by the caller before parsing: the catalogue that turns a
     * standard's control id (CIS 1.2.0 "1.3", "PCI.S3.1") into a control.
     * NULL: such a finding gets no control and is not trusted. */
    const struct hw_catalog *catalog;
    struct hw_finding_scratch *x; /* the parser's buffers (finding.c) */
} hw_finding;

/* The accounts of the Organization, for the trust check (sorted ids). */
typedef struct hw_orgset {
    char (*ids)[13];
    size_t n;
    int known; /* 0: the Organization is not known (nothing is in it) */
} hw_orgset;

void hw_finding_init(hw_finding *f);
void hw_finding_free(hw_finding *f);
/*
 * Parses one finding from its bytes: the whole of it is validated (JSON
 * grammar, UTF-8, nesting; see jsonlex.h) and the fields above extracted.
 * Returns HW_OK, or HW_EINVAL with a reason in e naming the field or byte
 * offset (invalid JSON or UTF-8, a missing, mistyped, oversized or
 * repeated field).
 */
int hw_finding_parse(const char *bytes, size_t len, const hw_orgset *org, hw_finding *f,
                     hw_err *e);

/* What hw_finding_take() and a reader's take callback return. */
enum hw_take {
    HW_TAKE_OK = 0,   /* a finding, parsed */
    HW_TAKE_REJECTED, /* a whole JSON object, rejected as a finding (e says why) */
    HW_TAKE_MORE,     /* the bytes end inside the object */
    HW_TAKE_FRAME     /* not valid JSON, or a GetFindings response: frame it */
};
/*
 * The reader's fast path: hw_finding_parse() on the object at the start of
 * bytes, of which avail are at hand and more may follow.  *used gets the
 * object's length (with HW_TAKE_OK or HW_TAKE_REJECTED).
 */
int hw_finding_take(const char *bytes, size_t avail, const hw_orgset *org, hw_finding *f,
                    size_t *used, hw_err *e);
int hw_orgset_contains(const hw_orgset *org, const char *account);

/*
 * Streams the findings of one file (see reader.c for the formats).  The
 * callback receives each finding's bytes, or bytes == NULL and a reason
 * for a skipped one; it may set *stop to end early.  Returns HW_OK, or an
 * error for an unreadable or truncated file (after delivering every
 * complete finding before the damage).
 */
typedef void (*hw_reader_cb)(void *arg, const char *bytes, size_t len, long line,
                             const char *skip_reason, int *stop);
/*
 * The fast path: called at the start of each finding with the bytes at
 * hand (avail, more may follow); it parses and takes the finding in one
 * pass and returns an enum hw_take, with *used the finding's length when
 * it took it.  Findings it leaves (HW_TAKE_FRAME) are framed the slow way
 * and handed to the hw_reader_cb.  NULL: everything goes the slow way.
 */
typedef int (*hw_reader_take)(void *arg, const char *bytes, size_t avail, long line,
                              size_t *used, int *stop);
int hw_reader_run(const char *path, hw_reader_take take, hw_reader_cb cb, void *arg, hw_err *e);
/* The same over bytes in memory (a GetFindings response body); `name`
 * is used in messages.  No size limit applies: the caller bounded it. */
int hw_reader_mem(const char *name, const char *data, size_t len, hw_reader_take take,
                  hw_reader_cb cb, void *arg, hw_err *e);

/* --------------------------------------------------------------- queries */

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

/* ---------------------------------------------------------------- ingest */

/* What the store did with one finding. */
enum hw_outcome {
    HW_OUTCOME_NEW = 0,
    HW_OUTCOME_UNCHANGED,
    HW_OUTCOME_CHANGED,  /* status, workflow or record state changed */
    HW_OUTCOME_RESOLVED  /* changed to PASSED or ARCHIVED */
};

/*
 * Where parsed findings go: the command wires this to the store.  Returns
 * HW_OK and sets *outcome, or an error that stops the ingest (the store
 * failed: nothing more can be kept).
 */
typedef int (*hw_finding_sink)(void *ctx, const hw_finding *f, const char *raw, size_t rawlen,
                               int *outcome, hw_err *e);

typedef struct hw_ingest_stats {
    size_t seen, added, changed, resolved, unchanged, skipped, untrusted;
    size_t disagreements; /* Security Hub's mapping vs controls/, logged */
    size_t rolled_back;   /* stored, then lost with their transaction */
} hw_ingest_stats;

struct hw_catalog;

typedef struct hw_ingest {
    const hw_orgset *org;
    hw_finding_sink sink;
    void *sink_ctx;
    hw_ingest_stats stats;
    int64_t max_updated;  /* newest UpdatedAt seen (epoch milliseconds) */
    int failed;           /* the sink failed: err says why */
    hw_err err;
    const char *source;   /* file name or "securityhub:ACCOUNT:REGION" */
    size_t max_skip_logs; /* skipped findings logged one by one, then counted */
    const struct hw_catalog *catalog; /* NULL: no cross-check */
    hw_buf warned;        /* "\n"-joined disagreements already logged */
    uint64_t checked[4096]; /* hashes of control mappings cross-checked */
    hw_finding f;         /* scratch */
} hw_ingest;

void hw_ingest_init(hw_ingest *in, const hw_orgset *org, hw_finding_sink sink, void *ctx);
void hw_ingest_free(hw_ingest *in);
/* One finding's bytes: parsed, checked, handed to the sink.  A bad finding
 * is skipped with a logged reason naming `where` and counted; returns
 * non-zero only when the sink failed. */
int hw_ingest_bytes(hw_ingest *in, const char *bytes, size_t len, long line);
/* A reader callback (hw_reader_cb) feeding hw_ingest_bytes; arg is the
 * hw_ingest. */
void hw_ingest_reader_cb(void *arg, const char *bytes, size_t len, long line,
                         const char *skip_reason, int *stop);
/* A reader fast path (hw_reader_take) feeding the same ingest. */
int hw_ingest_take(void *arg, const char *bytes, size_t avail, long line, size_t *used,
                   int *stop);

/* ------------------------------------------------------------ store sink */

struct hw_store;

/* hw_finding_sink writing to the store in batches of batch_size findings,
 * one transaction each; hw_sink_commit() ends the open batch. */
typedef struct hw_store_sink {
    struct hw_store *store;
    const char *run_id;
    size_t batch_size;
    size_t in_batch;
    int open_tx;
    /* outcomes of the open transaction, and of those committed */
    hw_ingest_stats pending, committed;
} hw_store_sink;

int hw_sink_store(void *ctx, const hw_finding *f, const char *raw, size_t rawlen, int *outcome,
                  hw_err *e);
int hw_sink_commit(hw_store_sink *k, hw_err *e);
void hw_sink_abort(hw_store_sink *k);
/* A run's counts are the committed counts: replaces the stored outcomes
 * of st (new, changed, resolved, unchanged, untrusted) by those the sink
 * committed, and sets st->rolled_back to the findings whose transaction
 * was rolled back (a failed commit, a full disk). */
void hw_sink_counts(const hw_store_sink *k, hw_ingest_stats *st);

/* The Organization's accounts as recorded by the last scan. */
int hw_orgset_load(struct hw_store *s, hw_orgset *o, hw_err *e);
void hw_orgset_free(hw_orgset *o);

/* The counts as a JSON object (malloc'd; free()); extra: more members. */
char *hw_ingest_summary_json(const hw_ingest_stats *st, const char *extra);

/* ------------------------------------------------------------------ scan */

struct hw_aws_options;

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
} hw_scan_result;

/* Pulls the Organization's findings into the store for run_id.  Returns
 * HW_OK when at least one source completed (res->sources_failed says how
 * many did not), else the error. */
int hw_scan_run(struct hw_store *st, const hw_scan_opts *o, const char *run_id,
                hw_scan_result *res, hw_err *e);

/* ------------------------------------------------------------ evaluation */

struct hw_requirement_row;

/* Per framework: how many (requirement, account) pairs got each status,
 * indexed by enum hw_req_status (eval.h). */
typedef struct hw_eval_summary {
    char framework[64];
    unsigned counts[6];
} hw_eval_summary;

/*
 * Evaluates every requirement for every active account of the recorded
 * Organization (or, when none is recorded, every account with findings),
 * in one transaction, as evaluations of run_id.  scoped: the ids of
 * account-scoped controls (resource type AWS::::Account).  *sums (malloc'd;
 * free()) gets the per-framework counts.
 */
int hw_scan_evaluate(struct hw_store *s, const char *run_id,
                     const struct hw_requirement_row *reqs, size_t nreqs,
                     const char *const *scoped, size_t nscoped, hw_eval_summary **sums,
                     size_t *nsums, hw_err *e);
hw_eval_summary *hw_eval_summary_for(hw_eval_summary **sums, size_t *nsums, const char *fw);

#endif
