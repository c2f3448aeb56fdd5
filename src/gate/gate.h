/*
 * gate.h - the CI gate: which (control, account) pairs block, and the
 * JUnit XML report of them.  The command (src/cmd/gate.c) reads the store
 * (hw_store_gate_*), feeds each resource row to hw_gate_add(), decides
 * every pair with hw_gate_decide() and prints; this module holds the rules
 * and the XML, and touches neither the store nor the terminal.
 *
 * The rules, per control and account:
 *   FAILED      a resource fails (FAILED or WARNING, not suppressed) and no
 *               action has fixed it since: blocks;
 *   SUPPRESSED  the only failures are suppressed in Security Hub without a
 *               hubwarden exception: blocks, unless allow_suppressed;
 *   EXCEPTION   failures (suppressed or not) under an exception valid now:
 *               passes;
 *   REMEDIATED  every failing resource was fixed by an action after its
 *               newest failing observation (Security Hub has not evaluated
 *               it again yet): passes;
 *   PASSED      nothing fails.
 *
 * Ownership: a hw_gate_set owns its pairs and every string in them; free
 * with hw_gate_set_free().  Strings set by the caller into a pair's
 * borrowed fields (marked) must outlive the set.
 */
#ifndef HW_GATE_H
#define HW_GATE_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/util.h"

enum hw_gate_status {
    HW_GATE_PASSED = 0,
    HW_GATE_FAILED,
    HW_GATE_SUPPRESSED,
    HW_GATE_EXCEPTION,
    HW_GATE_REMEDIATED
};
/* "PASSED", "FAILED", ... */
const char *hw_gate_status_name(int status);

/* Severity labels from INFORMATIONAL (0) to CRITICAL (4), any case; -1 for
 * anything else. */
int hw_gate_severity_rank(const char *label);
/* The canonical label of a rank ("CRITICAL"), or NULL. */
const char *hw_gate_severity_label(int rank);

/* One failing resource of a pair. */
typedef struct hw_gate_item {
    char *region, *resource; /* resource: the ids, space-separated */
    int suppressed;
    char *fixed_by;          /* the action that fixed it, or NULL */
    int64_t failing_since;   /* epoch ms, -1 unknown */
} hw_gate_item;

typedef struct hw_gate_pair {
    char *control, *account;
    const char *account_name; /* borrowed (caller); may be NULL */
    const char *severity;     /* borrowed (caller): the control's label */
    const char *title;        /* borrowed (caller); may be NULL */
    const char *fix;          /* borrowed (caller): what would fix it */
    unsigned resources;       /* resources with findings */
    unsigned passed, failed, suppressed, remediated; /* failed/suppressed: not fixed */
    int64_t failing_since;    /* earliest of the unfixed failures, epoch ms; -1 */
    int excepted;
    int64_t exception_expires; /* epoch seconds */
    char *exception_approver, *exception_reason;
    hw_gate_item *items; /* the failing resources, unfixed first */
    size_t nitems, capitems;
    int status;   /* enum hw_gate_status, set by hw_gate_decide() */
    int blocking; /* 1: makes the gate fail */
} hw_gate_pair;

typedef struct hw_gate_set {
    hw_gate_pair *pairs; /* in the order the rows came (account, control) */
    size_t n, cap;
} hw_gate_set;

/* Adds one resource row (rows of one pair must be adjacent, as
 * hw_store_gate_resources() gives them).  HW_ENOMEM on failure. */
int hw_gate_add(hw_gate_set *set, const hw_gate_resource *r, hw_err *e);
/* Records an exception on a pair (the first one given is kept). */
int hw_gate_set_exception(hw_gate_pair *p, int64_t expires_at, const char *approver,
                          const char *reason, hw_err *e);
/* Sets p->status and p->blocking from its counts (the rules above). */
void hw_gate_decide(hw_gate_pair *p, int allow_suppressed);
void hw_gate_set_free(hw_gate_set *set);

/* "3 d 4 h", "5 h 12 min", "7 min", "< 1 min" for a span of ms. */
void hw_gate_duration(int64_t ms, char out[32]);

/* Resources listed in one test case's text. */
#define HW_GATE_JUNIT_MAX_LISTED 100

/* What the JUnit report says about the run. */
typedef struct hw_gate_junit_info {
    const char *suite;      /* the testsuite's name */
    int64_t now;            /* epoch seconds: the timestamp */
    const char *const *props; /* name, value pairs for <properties> */
    size_t nprops;          /* number of pairs */
    const char *freshness;  /* the first testcase: the store's newest scan is recent */
    const char *stale;      /* NULL: it passes; else why not (its failure message) */
} hw_gate_junit_info;

/*
 * The JUnit XML of set (libxml2): a first <testcase> (classname
 * "hubwarden", name info->freshness) failing when info->stale says the
 * store is too old to judge; then one <testcase> per control and account
 * (classname the control, name "CONTROL in ACCOUNT (NAME)"), a <failure>
 * for a blocking pair whose message names its failing resources (the
 * first ten, then how many more) and whose text lists them with their
 * region and since when (the first HW_GATE_JUNIT_MAX_LISTED, then how many
 * more: a CI page stays readable); <skipped> for a pair under an exception or a
 * suppression that is allowed; a fixed pair passes with <system-out>
 * naming the actions.  Text that XML cannot carry (control characters,
 * invalid UTF-8) is replaced by U+FFFD.  *xml: malloc'd (free()), *len
 * bytes.
 */
int hw_gate_junit(const hw_gate_set *set, const hw_gate_junit_info *info, char **xml,
                  size_t *len, hw_err *e);

/* s with every character XML 1.0 cannot carry, and every byte that is not
 * UTF-8, replaced by U+FFFD (malloc'd; NULL when out of memory). */
char *hw_gate_xml_text(const char *s);

#endif
