/*
 * finding.h - one finding, parsed and judged: the fields the store indexes
 * and whether it may ever authorise a change.  Part of scan/, which gets
 * findings into the evidence store from Security Hub (`hubwarden scan`) or
 * from files (`hubwarden import`).
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
#ifndef HW_SCAN_FINDING_H
#define HW_SCAN_FINDING_H

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

#endif
