/*
 * store.h - the evidence store: the one module that knows SQL.
 *
 * A sqlite database in WAL mode with versioned migrations (PRAGMA
 * user_version), foreign keys, a busy timeout and prepared statements.
 * Writers take an advisory lock on "<db>.lock" beside the database file
 * its path resolves to (every path to one store meets one lock; the lock
 * file is never followed through a link) so that two overlapping cron
 * runs never interleave: the second waits up to a timeout, then gets
 * HW_ELOCKED naming the holder.  A link owned by another user is never
 * followed.  The files are created 0600, or 0640 in a set-group-id folder
 * shared with a group.  The writer that takes the lock marks runs left
 * 'running' by a dead process 'aborted', with an audit entry.  Every logical step is one transaction; a
 * failed run rolls back its open transaction and never moves a watermark,
 * so the store keeps everything an earlier run committed.
 *
 * Findings keep their current state in columns, their raw ASFF JSON
 * compressed with zstd (with a dictionary trained from the store's own
 * findings), and a history row for every change of compliance status,
 * workflow status or record state, and for every exact UpdatedAt tie.
 * Finding times, history times and watermarks are epoch milliseconds.  The audit log is append-only (triggers
 * refuse UPDATE and DELETE) and hash-chained: every entry carries the
 * SHA-256 of the previous one, so hw_store_audit_verify() finds an entry
 * altered behind the triggers' back.
 *
 * Ownership: hw_store_open() returns a handle freed by hw_store_close().
 * Strings handed to callbacks are borrowed for the duration of the call.
 *
 * Iterators (the functions taking a callback): the callback returns 0 to
 * go on; anything else stops the walk and the iterator returns it as an
 * error (an hw_errkind, else HW_EINTERNAL) with a message naming what was
 * being read, so that a caller never takes a half-read result for a whole
 * one.  A callback that sets e itself keeps its message.
 */
#ifndef HW_STORE_H
#define HW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

typedef struct hw_store hw_store;

enum hw_store_mode { HW_STORE_READ = 0, HW_STORE_WRITE = 1 };

/* The newest schema version this binary knows. */
int hw_store_schema_version(void);

/*
 * Opens (creating and migrating when mode is WRITE) the store at path.
 * WRITE takes the advisory lock, waiting up to lock_timeout_ms.  A READ
 * open of a missing file is HW_ENOTFOUND.  A store written by a newer
 * hubwarden is refused (HW_EINVAL).
 */
int hw_store_open(const char *path, int mode, int lock_timeout_ms, hw_store **out, hw_err *e);
void hw_store_close(hw_store *s);

/* The page cache's budget as sqlite's cache_size (< 0: KiB, > 0: pages);
 * *prev (may be NULL) gets the one it replaces.  A one-pass reader such
 * as a remediation plan gains nothing from a large one. */
int hw_store_cache_size(hw_store *s, int64_t size, int64_t *prev, hw_err *e);

/* Explicit transactions for callers that group several calls. */
int hw_store_begin(hw_store *s, hw_err *e);
int hw_store_commit(hw_store *s, hw_err *e);
void hw_store_rollback(hw_store *s);

/* ------------------------------------------------------------------ runs */

/* Starts a run ("scan", "import", ...); fills run_id (at most 63 chars,
 * [0-9A-Za-z-], usable in an AssumeRole session name). */
int hw_store_run_begin(hw_store *s, const char *kind, char run_id[64], hw_err *e);
/* Ends it: status "ok", "partial" or "failed"; summary is JSON text; the
 * audit log's head is recorded in the run's row (its anchor).
 * ("aborted" is set only by the next writer, for a run whose process died.) */
int hw_store_run_finish(hw_store *s, const char *run_id, const char *status,
                        const char *summary, hw_err *e);

/*
 * `hubwarden run`'s record (run_steps.c): step number seq (from 1) of
 * run_id: its name ("scan", "evaluate", ...), status ("ok", "partial",
 * "failed" or "skipped"), when it started (epoch seconds; it ends now),
 * its counts (a JSON object), what failed or why it was skipped ("" when
 * nothing), and the run it made (the scan's, the plan's; NULL: none).
 */
typedef struct hw_run_step {
    const char *step, *status;
    int64_t started;
    const char *counts, *detail, *child_run;
} hw_run_step;
int hw_store_run_step(hw_store *s, const char *run_id, int seq, const hw_run_step *step,
                      hw_err *e);
/* The catalogue a run used: its folder and SHA-256 (hex; "" unknown). */
int hw_store_run_catalog(hw_store *s, const char *run_id, const char *dir, const char *sha256,
                         hw_err *e);
/* The exit status the run's command returned (recorded once: a second
 * call leaves the first). */
int hw_store_run_exit(hw_store *s, const char *run_id, int exit_status, hw_err *e);

/* Records the audit log's head (its newest entry) in the run's row, as
 * hw_store_run_finish() does, and returns it: call after the run's last
 * audit entry, then print the head (*seq 0 and hash "" when the log is
 * empty).  `verify --audit` checks every recorded head is still there. */
int hw_store_run_anchor(hw_store *s, const char *run_id, int64_t *seq, char hash[65], hw_err *e);

/* Watermarks: newest UpdatedAt (epoch milliseconds) fully ingested per source.
 * get: *t = -1 when none.  set: only call inside the transaction that
 * commits the source's last page. */
int hw_store_watermark_get(hw_store *s, const char *source, int64_t *t, hw_err *e);
int hw_store_watermark_set(hw_store *s, const char *source, int64_t t, const char *run_id,
                           hw_err *e);

/* -------------------------------------------------------------- accounts */

typedef struct hw_account_row {
    const char *id;
    const char *name;
    const char *email;
    const char *status;   /* ACTIVE, SUSPENDED, ... */
    const char *ou_path;  /* "r-ab12/ou-ab12-prod0001" */
    const char *ou_names; /* "Root/Prod" */
    int in_org;
} hw_account_row;

int hw_store_account_upsert(hw_store *s, const hw_account_row *a, const char *run_id,
                            hw_err *e);
/* Marks every recorded account as outside the Organization; call in the
 * transaction that then upserts the current members, so that an account
 * that left stops being trusted. */
int hw_store_accounts_reset_membership(hw_store *s, hw_err *e);
/* Records the Organization (DescribeOrganization) as run_id saw it. */
int hw_store_organization_set(hw_store *s, const char *id, const char *arn,
                              const char *management_account, const char *run_id, hw_err *e);
/* The id of the Organization recorded last into out ("" when none). */
int hw_store_organization_id(hw_store *s, char *out, size_t n, hw_err *e);
/* Calls cb for every account (see Iterators above). */
int hw_store_accounts(hw_store *s, int (*cb)(void *arg, const hw_account_row *a), void *arg,
                      hw_err *e);

/* -------------------------------------------------------------- findings */

typedef struct hw_finding_row {
    const char *id;
    const char *product_arn;
    const char *product;       /* "securityhub", "guardduty", company/product */
    const char *account_id;
    const char *region;
    const char *control_id;    /* "" when not a control finding */
    const char *severity;
    const char *compliance_status;
    const char *workflow_status;
    const char *record_state;
    const char *resource_type;
    const char *resources;     /* JSON array of resource ids */
    int64_t first_observed, last_observed, created_at, updated_at; /* epoch ms, UTC */
    int trusted;
    const char *untrusted_reason;
    const char *title;         /* the ASFF Title; NULL when stored before schema 4 */
    const char *raw;           /* the ASFF JSON bytes */
    size_t rawlen;
} hw_finding_row;

enum hw_upsert { HW_UPSERT_NEW = 0, HW_UPSERT_UNCHANGED, HW_UPSERT_CHANGED, HW_UPSERT_RESOLVED };

/*
 * Inserts or updates one finding inside the caller's transaction
 * (hw_store_begin/commit): *result tells which.  Versions are ordered by
 * UpdatedAt to the millisecond: an older copy never overwrites a newer
 * one.  Unchanged findings (same UpdatedAt and states) cost one indexed
 * read and no write.  A change of compliance status, workflow status or
 * record state adds a history row for run_id.  Two versions with the same
 * UpdatedAt and different states are a tie: the one further along its
 * workflow is kept, whichever came first (findings.c, tie_order), and a
 * history row with tie = 1 records both (HW_UPSERT_UNCHANGED when the
 * stored one stays).
 */
int hw_store_finding_upsert(hw_store *s, const hw_finding_row *f, const char *run_id,
                            int *result, hw_err *e);
/* The raw ASFF JSON of a finding, exactly as ingested (malloc'd; free()). */
int hw_store_finding_raw(hw_store *s, const char *product_arn, const char *id, char **json,
                         size_t *len, hw_err *e);

/* A query of the findings.  Every list is OR within itself, AND with the
 * others; values are matched exactly (the command layer checks and
 * canonicalises them first).  n* = 0: no condition. */
typedef struct hw_finding_query {
    const char *const *accounts;   size_t naccounts;   /* account ids */
    const char *const *regions;    size_t nregions;
    const char *const *controls;   size_t ncontrols;   /* control ids */
    const char *const *statuses;   size_t nstatuses;   /* compliance status */
    const char *const *severities; size_t nseverities; /* labels */
    const char *const *products;   size_t nproducts;   /* product names */
    const char *id;   /* one finding Id; NULL: any */
    int64_t since;    /* UpdatedAt >= since (epoch ms); 0: any */
    int include_archived;
    int trusted;      /* 0: any; 1: trusted only; -1: untrusted only */
    /* sort keys: field names from hw_store_finding_sort_fields(), a leading
     * '-' for descending; the default order is account, region, control, id */
    const char *const *sort;       size_t nsort;
    long limit;       /* at most this many rows; 0: all */
} hw_finding_query;

/* The fields a finding query can sort by (severity sorts CRITICAL first). */
const char *const *hw_store_finding_sort_fields(size_t *n);

/* Rows for `hubwarden findings`; raw is not filled (see Iterators).  A
 * sort key not in hw_store_finding_sort_fields() is HW_EINVAL. */
int hw_store_findings(hw_store *s, const hw_finding_query *q,
                      int (*cb)(void *arg, const hw_finding_row *f), void *arg, hw_err *e);

/*
 * The findings a remediation plan reads, in one pass and in no particular
 * order (the caller sorts): every ACTIVE finding that is FAILED or has no
 * control id (GuardDuty's), of one account when account is not NULL.  Only
 * id, product_arn, account_id, region, control_id, compliance_status,
 * updated_at, trusted and untrusted_reason are filled.  rowid orders ties;
 * raw reads the finding's ASFF while the row is current (decompressed only
 * when asked: a plan needs it for its candidates alone).
 */
typedef struct hw_store_raw_ref hw_store_raw_ref;
int hw_store_plan_findings(hw_store *s, const char *account,
                           int (*cb)(void *arg, const hw_finding_row *f, int64_t rowid,
                                     hw_store_raw_ref *raw),
                           void *arg, hw_err *e);
/* The current row's raw ASFF (malloc'd, NUL-terminated; free()). */
int hw_store_raw_ref_read(hw_store_raw_ref *r, char **json, size_t *len, hw_err *e);

/* One resource of the findings a query selects (--group-by resource). */
typedef struct hw_resource_group {
    const char *resource, *account_id, *region;
    unsigned findings, failed;
    const char *controls;   /* "IAM.3,S3.8": the distinct controls */
    const char *severity;   /* the highest label among them */
    int64_t last_observed;  /* the newest (epoch ms) */
} hw_resource_group;

/* Groups the findings q selects by resource (q's sort and limit apply to
 * the groups: fields resource, account, region, findings, failed,
 * severity, last_observed). */
int hw_store_findings_by_resource(hw_store *s, const hw_finding_query *q,
                                  int (*cb)(void *arg, const hw_resource_group *g), void *arg,
                                  hw_err *e);

/* The distinct values of one finding field in the store: "account",
 * "region", "control" or "product" (for checking filters). */
int hw_store_finding_values(hw_store *s, const char *field,
                            int (*cb)(void *arg, const char *value), void *arg, hw_err *e);

/* The product ARN of the finding with this Id (HW_ENOTFOUND when none).
 * product_arn: malloc'd, free(). */
int hw_store_finding_product(hw_store *s, const char *id, char **product_arn, hw_err *e);

/* One change of a finding's states, at its UpdatedAt (epoch ms).  tie: two
 * versions had the same UpdatedAt; old_* is the one set aside, new_* the
 * one kept (the finding's states since). */
typedef struct hw_history_row {
    const char *run_id;
    int64_t at;
    const char *old_compliance, *new_compliance;
    const char *old_workflow, *new_workflow;
    const char *old_record, *new_record;
    int tie;
} hw_history_row;

int hw_store_finding_history(hw_store *s, const char *product_arn, const char *id,
                             int (*cb)(void *arg, const hw_history_row *h), void *arg, hw_err *e);

/* -------------------------------------------------- catalogue and results */

typedef struct hw_control_row {
    const char *id, *title, *severity, *resource_type, *remediation;
} hw_control_row;

typedef struct hw_requirement_row {
    const char *framework, *id, *title;
    int manual;
    const char *const *controls;
    size_t ncontrols;
} hw_requirement_row;

/* Replaces the catalogue tables in one transaction. */
int hw_store_catalog_sync(hw_store *s, const hw_control_row *controls, size_t ncontrols,
                          const hw_requirement_row *reqs, size_t nreqs, hw_err *e);

/* Per account and control: counts of the resources of trusted, active
 * Security Hub control findings by status, each resource (control, region,
 * resources) counted once whatever number of findings (consolidated and
 * standards-based) speak for it, with the worst status among them: failed
 * (FAILED or WARNING, workflow not SUPPRESSED), else suppressed (failed,
 * all SUPPRESSED), else passed, else not available.  With the regions where
 * the control is switched off: a control disabled somewhere has a row even
 * without findings (has_findings 0). */
typedef struct hw_control_count {
    const char *account, *control;
    unsigned passed, failed, not_available;
    int has_findings;
    const char *disabled_in; /* "eu-west-1 us-east-1", or NULL */
    unsigned suppressed;
} hw_control_count;

/* Every account's rows, by account then control. */
int hw_store_control_counts(hw_store *s, int (*cb)(void *arg, const hw_control_count *c),
                            void *arg, hw_err *e);
/* One account's rows, by control (one indexed query). */
int hw_store_account_control_counts(hw_store *s, const char *account,
                                    int (*cb)(void *arg, const hw_control_count *c), void *arg,
                                    hw_err *e);
/* Of one account and control, the resources counted passed or failed in
 * hw_store_account_control_counts (passed + failed of its row, 0 when
 * none): one indexed query over that control alone. */
int hw_store_control_total(hw_store *s, const char *account, const char *control,
                           unsigned *total, hw_err *e);
/* The accounts with trusted, active Security Hub control findings, in id
 * order (for a store that has recorded no Organization). */
int hw_store_evaluated_accounts(hw_store *s, int (*cb)(void *arg, const char *account),
                                void *arg, hw_err *e);
/* One account's disabled controls: per control, its regions ("a b"). */
int hw_store_account_disabled(hw_store *s, const char *account,
                              int (*cb)(void *arg, const char *control, const char *regions),
                              void *arg, hw_err *e);
/* *checked = 1 when some region of the account had its controls checked
 * (so a control not recorded as disabled there is enabled). */
int hw_store_account_checked(hw_store *s, const char *account, int *checked, hw_err *e);
/* The controls an approved exception covers in the account at `now`. */
int hw_store_account_exceptions(hw_store *s, const char *account, int64_t now,
                                int (*cb)(void *arg, const char *control), void *arg, hw_err *e);

/* One finding as evidence. */
typedef struct hw_evidence_row {
    const char *control, *id, *region, *compliance_status, *workflow_status, *resources;
    int64_t first_observed, last_observed;
    /* suppressed findings only (else NULL / -1): Note.Text, Note.UpdatedBy,
     * Note.UpdatedAt from the stored ASFF, and when the store saw the
     * workflow turn SUPPRESSED (-1: it arrived suppressed) */
    const char *note_text, *note_updated_by, *note_updated_at;
    int64_t suppressed_at;
} hw_evidence_row;

/* The trusted, active Security Hub findings of an account, by control,
 * then resource, region and id, so that the findings of one resource are
 * adjacent. */
int hw_store_account_evidence(hw_store *s, const char *account,
                              int (*cb)(void *arg, const hw_evidence_row *r), void *arg,
                              hw_err *e);

/* --------------------------------------------- resource inventory (Config) */

/* Replaces what is recorded for resource_type: counts[i] resources in
 * accounts[i].  resource_type "" records the accounts the inventory covers
 * (any resource at all).  Inside hw_store_begin/commit. */
int hw_store_resource_counts_put(hw_store *s, const char *resource_type,
                                 const char *const *accounts, const long *counts, size_t n,
                                 const char *run_id, hw_err *e);
/* One account's recorded counts, by resource type. */
int hw_store_account_resources(hw_store *s, const char *account,
                               int (*cb)(void *arg, const char *type, long count), void *arg,
                               hw_err *e);

/* Records which controls are disabled in one account and region, replacing
 * what an earlier check recorded there (inside hw_store_begin/commit). */
int hw_store_control_check(hw_store *s, const char *account, const char *region,
                           const char *const *disabled, size_t ndisabled, const char *run_id,
                           hw_err *e);
/* When that account-region was last checked (epoch seconds; -1: never). */
int hw_store_control_checked_at(hw_store *s, const char *account, const char *region, int64_t *t,
                                hw_err *e);

typedef struct hw_evaluation_row {
    const char *run_id, *framework, *requirement, *account, *status;
    const char *evidence; /* JSON: finding ids, resources, observed times */
} hw_evaluation_row;

/*
 * Evaluation history is kept as intervals of unchanged status and
 * evidence: a run that changes nothing writes nothing but its own row.
 * hw_store_eval_run_begin() numbers the run (*seq); for each account,
 * hw_store_account_open_evals() gives the current interval of every
 * requirement (id and the caller's digest of status and evidence), and
 * hw_store_eval_change() closes the interval `close_id` (0: none) at seq and
 * opens a new one for r (NULL: none).  hw_store_eval_open_accounts() lists
 * the accounts with current intervals, and hw_store_eval_close_account()
 * closes those of an account the run did not evaluate (one that left).
 * All inside one hw_store_begin/commit.
 */
int hw_store_eval_run_begin(hw_store *s, const char *run_id, int64_t *seq, hw_err *e);
typedef struct hw_open_eval {
    int64_t id;
    const char *framework, *requirement;
    const char *status; /* "" (the digest covers the status) */
    int64_t digest;
} hw_open_eval;
int hw_store_account_open_evals(hw_store *s, const char *account,
                                int (*cb)(void *arg, const hw_open_eval *o), void *arg, hw_err *e);
int hw_store_eval_change(hw_store *s, int64_t seq, int64_t close_id, const hw_evaluation_row *r,
                         const char *controls, int64_t digest, hw_err *e);
/*
 * A control's evidence is stored once per account and change, and a
 * requirement's interval refers to it: r->evidence is then the
 * requirement's own evidence with an empty "controls" array, and
 * `controls` the JSON array of the control evidence ids that fill it, in
 * order (NULL: r->evidence is whole).  The `evaluations` view and
 * hw_store_evaluations() give the whole text back.
 * hw_store_account_control_evidence() gives an account's current control
 * evidence (its id and the caller's digest); hw_store_control_evidence_put()
 * closes `close_id` (0: none) at seq and stores a new one, its id in *id.
 */
int hw_store_account_control_evidence(hw_store *s, const char *account,
                                      int (*cb)(void *arg, const char *control, int64_t id,
                                                int64_t digest),
                                      void *arg, hw_err *e);
int hw_store_control_evidence_put(hw_store *s, int64_t seq, int64_t close_id, const char *account,
                                  const char *control, int64_t digest, const char *evidence,
                                  int64_t *id, hw_err *e);
int hw_store_eval_open_accounts(hw_store *s, int (*cb)(void *arg, const char *account),
                                void *arg, hw_err *e);
int hw_store_eval_close_account(hw_store *s, int64_t seq, const char *account, hw_err *e);
/* The evaluations of run_id (as they stood after it), by framework,
 * account and requirement. */
int hw_store_evaluations(hw_store *s, const char *run_id,
                         int (*cb)(void *arg, const hw_evaluation_row *r), void *arg, hw_err *e);
/* The newest run of kind with status ok or partial, or "" when none. */
int hw_store_last_run(hw_store *s, const char *kind, char run_id[64], hw_err *e);

/* --------------------------------- the compliance view (compliance_queries.c) */

/*
 * The current evaluation of each (requirement, account): its open interval.
 * Every list is OR within itself, AND with the others; values are matched
 * exactly (the command layer checks and canonicalises them); n* = 0: no
 * condition.
 */
typedef struct hw_compliance_query {
    const char *framework; /* NULL: every framework (summary only) */
    const char *const *accounts;     size_t naccounts;     /* account ids */
    const char *const *requirements; size_t nrequirements; /* requirement ids */
    const char *const *statuses;     size_t nstatuses;     /* per account */
    int with_evidence; /* rows: fill evidence */
} hw_compliance_query;

/* One framework: its (account, requirement) pairs counted by status. */
typedef struct hw_compliance_summary {
    const char *framework;
    unsigned passed, failed, partial, suppressed, exception, not_applicable, no_data, manual;
    unsigned requirements, accounts; /* distinct, among the pairs counted */
    int64_t evaluated_at; /* epoch s of the newest evaluation (the data's date) */
    const char *run_id;   /* its run */
} hw_compliance_summary;

/* Per framework (in id order; q's statuses and requirements are not
 * used); a framework none of q's accounts has is left out. */
int hw_store_compliance_summary(hw_store *s, const hw_compliance_query *q,
                                int (*cb)(void *arg, const hw_compliance_summary *c), void *arg,
                                hw_err *e);

/* One requirement in one account, as it stands. */
typedef struct hw_compliance_row {
    const char *framework, *requirement, *title;
    int manual;
    const char *controls; /* "IAM.3 IAM.4", in the catalogue's order; "" when none */
    const char *account, *account_name; /* name: "" when the Organization gave none */
    const char *status;
    int64_t since;         /* epoch s: the evaluation that began the current interval */
    const char *since_run; /* its run */
    /* FAILED: the start of the current unbroken run of FAILED intervals in
     * hubwarden's history (a change of evidence while FAILED does not
     * break it; a pass, another status, or a gap in which the account was
     * not evaluated does).  Otherwise -1 and NULL. */
    int64_t failing_since;
    const char *failing_since_run;
    const char *evidence; /* JSON, as evaluated (q->with_evidence), else NULL */
    /* FAILED or SUPPRESSED: the controls that make it so ("S3.1 S3.8"),
     * else "" */
    const char *failing_controls;
} hw_compliance_row;

/* The rows of q->framework (required: HW_EINVAL without), by requirement
 * in the catalogue's order, then account. */
int hw_store_compliance_rows(hw_store *s, const hw_compliance_query *q,
                             int (*cb)(void *arg, const hw_compliance_row *r), void *arg,
                             hw_err *e);

/* One line of a requirement's evidence: a control, and one finding of it
 * (finding NULL when the evidence lists none for the control). */
typedef struct hw_evidence_line {
    const char *control, *control_status; /* its class: FAILED, PASSED, NO_DATA, ... */
    const char *reason;      /* why NO_DATA, PARTIAL, N/A; NULL when none */
    const char *disabled_in; /* "eu-west-1 us-east-1"; NULL when none */
    long passed, failed, suppressed, not_available; /* resources by status */
    const char *finding, *region, *compliance_status, *workflow_status;
    const char *resources;      /* JSON array */
    const char *first_observed; /* ISO 8601, as evaluated */
    const char *last_observed;  /* ISO 8601, as it stood when the interval began */
    int64_t last_observed_now;  /* epoch ms: the stored finding's current one; -1 when
                                 * it is no longer an active, trusted finding */
} hw_evidence_line;

/* Flattens an evidence document of hw_compliance_row (account: its
 * account) into lines, in its order. */
int hw_store_evidence_lines(hw_store *s, const char *account, const char *evidence,
                            int (*cb)(void *arg, const hw_evidence_line *l), void *arg,
                            hw_err *e);

/* The frameworks evaluated (framework NULL), or the requirement ids of one
 * framework in the catalogue's order, for checking filters. */
int hw_store_compliance_values(hw_store *s, const char *framework,
                               int (*cb)(void *arg, const char *value), void *arg, hw_err *e);

/*
 * Drops history older than `before` (epoch seconds): evaluation intervals
 * closed by a run that started before it, legacy per-run evaluations and
 * finding history of those runs, resource counts and control checks are
 * kept.  It keeps whatever the newest evaluated run refers to (its open
 * intervals, and the findings behind them) and every unexpired exception.
 * Fills the numbers dropped.  Inside hw_store_begin/commit.
 */
typedef struct hw_prune_stats {
    int64_t intervals, legacy_evaluations, finding_history, runs;
} hw_prune_stats;
int hw_store_prune(hw_store *s, int64_t before, hw_prune_stats *st, hw_err *e);

/* Exceptions (risk acceptances): approved and unexpired at `now`. */
int hw_store_exception_active(hw_store *s, const char *account, const char *control,
                              int64_t now, int *active, hw_err *e);

/* -------------------------------------------------- gate (gate_queries.c) */

/* The newest scan that finished "ok" or "partial" (epoch seconds). */
typedef struct hw_gate_scan {
    char run_id[64], status[16];
    int64_t started, finished;
} hw_gate_scan;
/* *found = 0 when the store holds no such scan. */
int hw_store_gate_last_scan(hw_store *s, hw_gate_scan *out, int *found, hw_err *e);

/* Which resources hw_store_gate_resources() reads: controls (required;
 * none: no rows) and accounts (0: every account with findings). */
typedef struct hw_gate_query {
    const char *const *controls; size_t ncontrols;
    const char *const *accounts; size_t naccounts;
} hw_gate_query;

/* One resource of a control in an account (trusted, active Security Hub
 * findings; counted once whatever number of findings speak for it, with
 * the worst status among them, as evaluation counts it). */
typedef struct hw_gate_resource {
    const char *account, *control, *region;
    const char *resources; /* the findings' JSON array of resource ids */
    int failed;            /* a FAILED or WARNING finding not suppressed */
    int suppressed;        /* failing, but every failing finding SUPPRESSED */
    int passed;            /* a PASSED finding (and none failing) when !failed && !suppressed */
    int64_t failing_since; /* epoch ms it turned failing; -1: not failing */
    int64_t last_failed;   /* newest failing LastObservedAt, epoch ms; -1 */
    const char *fixed_by;  /* a done / already-compliant / gone action for the
                              resource executed after last_failed, or NULL */
} hw_gate_resource;
/* By account, control, region, resource (see Iterators). */
int hw_store_gate_resources(hw_store *s, const hw_gate_query *q,
                            int (*cb)(void *arg, const hw_gate_resource *r), void *arg,
                            hw_err *e);

/* An exception valid at `now` (epoch seconds): not revoked, created at or
 * before now, expiring after it.  By account, control, longest first. */
typedef struct hw_gate_exception {
    const char *account, *control;
    int64_t expires_at; /* epoch seconds */
    const char *approver, *reason;
    int64_t id;
} hw_gate_exception;
int hw_store_gate_exceptions(hw_store *s, int64_t now,
                             int (*cb)(void *arg, const hw_gate_exception *x), void *arg,
                             hw_err *e);
/* Remediation actions not run yet (planned, pending approval, approved),
 * counted per account, control and state. */
int hw_store_gate_open_actions(hw_store *s,
                               int (*cb)(void *arg, const char *account, const char *control,
                                         const char *state, long n),
                               void *arg, hw_err *e);

/* ------------------------------------------------ remediation actions */

/*
 * One remediation action (actions.c).  plan_id is the run id of the plan
 * that created it; state is one of "planned" (auto, not run yet),
 * "pending" (waits for approval), "approved", "applying" (its change is
 * being made: a run that died left it to be verified), "rejected", "done",
 * "already-compliant", "gone", "exempt", "refused", "failed", "dropped".
 * calls is a JSON array of the API calls the action makes; before and
 * after are the resource's state as JSON.
 */
typedef struct hw_action_row {
    const char *id, *plan_id;
    const char *finding_id, *product_arn;
    int64_t finding_updated_at;
    const char *account, *region, *control, *action, *resource;
    int disruptive;
    const char *mode;   /* "auto" or "approval" */
    const char *state;
    const char *reason; /* why approval, why refused, ... */
    const char *calls;
    const char *planned_at, *executed_at; /* ISO 8601; executed_at may be "" */
    const char *before, *after, *error;   /* may be "" */
    const char *workflow; /* "want:RESOLVED" until sent, "sent:RESOLVED" while it may have
                           * been (read back before sending again), "RESOLVED" once
                           * Security Hub took it; "" */
} hw_action_row;

/* Inserts a new action (planned_at: now). */
int hw_store_action_put(hw_store *s, const hw_action_row *a, hw_err *e);
/* Records the outcome of running an action (executed_at: now); reason,
 * before, after, error may be NULL (reason NULL keeps the old one). */
int hw_store_action_finish(hw_store *s, const char *id, const char *state, const char *reason,
                           const char *before, const char *after, const char *error, hw_err *e);
/* The malicious-ip playbook's deny list (ip_blocks.c): one network ACL
 * entry it added.  Times in epoch seconds; strings borrowed. */
typedef struct hw_ip_block_row {
    int64_t id;
    const char *action_id, *account, *region, *network_acl_id, *cidr;
    int rule_number;
    int64_t created_at, expires_at;
    const char *ip_set_arn; /* a WAFv2 IP set's address (then network_acl_id ""
                             * and rule_number 0); NULL: a network ACL entry */
} hw_ip_block_row;
int hw_store_ip_block_put(hw_store *s, const hw_ip_block_row *b, hw_err *e);
/* Calls cb per entry not yet removed whose expires_at <= now (oldest
 * first); stops early when cb returns non-zero. */
int hw_store_ip_blocks_expired(hw_store *s, int64_t now,
                               int (*cb)(void *arg, const hw_ip_block_row *b), void *arg,
                               hw_err *e);
/* The same for every entry not yet removed that action_id added. */
int hw_store_ip_blocks_of(hw_store *s, const char *action_id,
                          int (*cb)(void *arg, const hw_ip_block_row *b), void *arg, hw_err *e);
int hw_store_ip_block_removed(hw_store *s, int64_t id, int64_t at, hw_err *e);
/* When the action was last approved (epoch seconds; 0: never). */
int hw_store_action_approved_at(hw_store *s, const char *id, int64_t *at, hw_err *e);
/* Sets the workflow column (see hw_action_row). */
int hw_store_action_set_workflow(hw_store *s, const char *id, const char *workflow, hw_err *e);
/* Which actions hw_store_actions() returns: NULL fields match all; state
 * may list several separated by '|' ("pending|approved"). */
typedef struct hw_action_query {
    const char *id, *plan_id, *state, *account, *control;
    const char *finding_id, *product_arn;
    int workflow_wanted; /* only actions whose workflow update is still to do */
} hw_action_query;
/* Calls cb per action in creation order; stops early when cb returns
 * non-zero. */
int hw_store_actions(hw_store *s, const hw_action_query *q,
                     int (*cb)(void *arg, const hw_action_row *a), void *arg, hw_err *e);
/* Records an approval or rejection (decision "approve" or "reject") by
 * `by`, whose AWS identity is caller_arn (NULL: not verified), and moves
 * the action from pending to approved / rejected.  An action that is not
 * pending is HW_EINVAL naming its state; an unknown id HW_ENOTFOUND. */
int hw_store_action_decide(hw_store *s, const char *id, const char *decision, const char *by,
                           const char *caller_arn, const char *comment, hw_err *e);
/* The newest decision on an action: who, their AWS identity (NULL: not
 * verified), when (ISO UTC), why and which; strings valid during cb. */
typedef struct hw_decision_row {
    const char *action_id, *approver, *caller_arn, *decided_at, *comment, *decision;
} hw_decision_row;
/* Calls cb with the newest decision of each action in state (e.g.
 * "approved"), in decision order; stops early when cb returns non-zero. */
int hw_store_decisions(hw_store *s, const char *state,
                       int (*cb)(void *arg, const hw_decision_row *d), void *arg, hw_err *e);

typedef struct hw_plan_skip_row {
    const char *finding_id, *product_arn, *account, *region, *control, *resource, *reason;
} hw_plan_skip_row;

int hw_store_plan_skip_put(hw_store *s, const char *plan_id, const hw_plan_skip_row *k,
                           hw_err *e);
int hw_store_plan_skips(hw_store *s, const char *plan_id,
                        int (*cb)(void *arg, const hw_plan_skip_row *k), void *arg, hw_err *e);
/* The kind of a run ("plan", "scan", ...); HW_ENOTFOUND when none. */
int hw_store_run_kind(hw_store *s, const char *run_id, char kind[32], hw_err *e);

/* ------------------------------------------------------------- audit log */

int hw_store_audit_append(hw_store *s, const char *run_id, const char *actor,
                          const char *event, const char *detail_json, hw_err *e);
/* Recomputes the chain: *bad_seq = 0 when intact, else the first entry
 * whose hash or link is wrong (HW_OK either way; e for store errors). */
int hw_store_audit_verify(hw_store *s, int64_t *bad_seq, hw_err *e);
/* The newest entry: *seq 0 and the chain's start (64 zeros) when the log
 * is empty. */
int hw_store_audit_head(hw_store *s, int64_t *seq, char hash[65], hw_err *e);

/*
 * The whole chain and its anchors: every run records the log's head when
 * it finishes (hw_store_run_finish), and that entry must still be there
 * with that hash, so a cut tail or a rewritten entry is found even when
 * the chain that remains is consistent.  Fills *v: bad_seq 0 when intact,
 * else the first bad entry and why (a sentence naming it, and the run
 * whose anchor showed it when one did).
 */
typedef struct hw_audit_check {
    int64_t entries;   /* entries in the log */
    int64_t anchors;   /* runs that recorded a head */
    int64_t head_seq;  /* the newest entry (0: empty) */
    char head[65];
    int64_t bad_seq;   /* 0: intact */
    char why[512];
} hw_audit_check;
int hw_store_audit_check(hw_store *s, hw_audit_check *v, hw_err *e);

/* ------------------------------------------- exceptions (exceptions.c) */

/*
 * A risk acceptance, in one of three scopes: a control (in one account, or
 * every account: account "*"), one finding (by its Id; account and control
 * are the finding's), or one resource (by its ARN, every control; account
 * the ARN's, or "*" when the ARN names none).  It counts from created_at
 * until expires_at (epoch seconds) unless revoked.
 */
typedef struct hw_exception_row {
    int64_t id;
    const char *account;    /* an account id, or "*" */
    const char *control;    /* a control id, or "*" (resource scope) */
    const char *finding_id; /* finding scope, else NULL */
    const char *resource;   /* resource scope, else NULL */
    const char *reason, *approver;
    int64_t created_at, expires_at;
    int revoked;
    int64_t revoked_at;     /* 0 when not revoked */
    const char *revoked_by; /* NULL when not revoked */
} hw_exception_row;

/* "control", "finding" or "resource". */
const char *hw_exception_scope(const hw_exception_row *x);
/* "active", "expired", "revoked" or "future" at now. */
const char *hw_exception_state(const hw_exception_row *x, int64_t now);

/* Records x (id ignored) and its audit entry (actor: x->approver); *id its
 * id.  Inside hw_store_begin/commit. */
int hw_store_exception_add(hw_store *s, const hw_exception_row *x, int64_t *id, hw_err *e);
/* Revokes exception id and logs it; HW_ENOTFOUND when there is none,
 * HW_EINVAL when it is already revoked.  Inside hw_store_begin/commit. */
int hw_store_exception_revoke(hw_store *s, int64_t id, const char *by, const char *reason,
                              int64_t now, hw_err *e);
/* Every exception, by id (see Iterators). */
int hw_store_exceptions(hw_store *s, int (*cb)(void *arg, const hw_exception_row *x), void *arg,
                        hw_err *e);
/* Logs "exception.expired" once for each exception that expired by now
 * and was not revoked; *n how many.  Inside hw_store_begin/commit. */
int hw_store_exceptions_expire(hw_store *s, int64_t now, const char *run_id, int *n, hw_err *e);
/* The account's exceptions that are not revoked and began by now,
 * expired ones included (account "*" ones too), by id. */
int hw_store_account_exception_rows(hw_store *s, const char *account, int64_t now,
                                    int (*cb)(void *arg, const hw_exception_row *x), void *arg,
                                    hw_err *e);
/* The unexpired exception of any scope that covers a finding (its account,
 * control, Id and resource ARN), in *id; 0 when none. */
int hw_store_exception_covering(hw_store *s, const char *account, const char *control,
                                const char *finding_id, const char *resource, int64_t now,
                                int64_t *id, hw_err *e);

/* --------------------------------------- reports (report_queries.c) */

/* One read transaction (begin 1) around everything a report reads, and
 * its end (begin 0): every query sees the same store, and sqlite takes
 * its locks once instead of per statement. */
int hw_store_report_snapshot(hw_store *s, int begin, hw_err *e);

/* A run a report is made of. */
typedef struct hw_report_run {
    char id[64], kind[16], started_at[32], finished_at[32], status[16]; /* times ISO UTC */
} hw_report_run;

/* The newest ok or partial run that has evaluations, started at or before
 * `before` (ISO UTC text; NULL: any time).  HW_ENOTFOUND when none. */
int hw_store_report_run(hw_store *s, const char *before, hw_report_run *out, hw_err *e);

/* Status counts of a framework's evaluations per run (runs started in
 * [from, to], NULL ends open), oldest run first, statuses as stored;
 * by_account: per account too (account NULL otherwise), so that a report
 * of some accounts counts only theirs. */
typedef struct hw_trend_row {
    const char *run_id, *started_at, *status, *account;
    int64_t count;
} hw_trend_row;
int hw_store_report_trend(hw_store *s, const char *framework, const char *from, const char *to,
                          int by_account, int (*cb)(void *arg, const hw_trend_row *t), void *arg,
                          hw_err *e);

/* The evaluations of run_id for framework, in no particular order,
 * without their evidence: ref names one for
 * hw_store_report_result_evidence; controls is what that would give as
 * *controls (NULL: the evidence is whole, read it there). */
typedef struct hw_report_result {
    const char *requirement, *account, *status;
    int64_t ref;
    const char *controls;
} hw_report_result;
int hw_store_report_results(hw_store *s, const char *run_id, const char *framework,
                            int (*cb)(void *arg, const hw_report_result *r), void *arg, hw_err *e);
/* The evidence of one result (*evidence, malloc'd) and, when its controls'
 * evidence is stored apart (schema 9), the JSON array of their ids in
 * order (*controls, malloc'd; NULL when *evidence is whole). */
int hw_store_report_result_evidence(hw_store *s, int64_t ref, char **evidence, char **controls,
                                    hw_err *e);
/* One control's evidence by id, as in such an array (*evidence, malloc'd). */
int hw_store_report_control_evidence(hw_store *s, int64_t id, char **evidence, hw_err *e);

/* Every recorded exception (risk acceptance), revoked and expired ones too. */
typedef struct hw_report_exception_row {
    int64_t id;
    const char *account, *control, *reason, *approver;
    int64_t created_at, expires_at; /* epoch seconds */
    int revoked;
} hw_report_exception_row;
int hw_store_report_exceptions(hw_store *s, int (*cb)(void *arg, const hw_report_exception_row *x),
                               void *arg, hw_err *e);

/* Remediation actions planned in [from, to] (ISO UTC; NULL ends open)
 * with their decisions ("approve by alice (arn:aws:iam::1:user/alice) at
 * T; ...", "(unverified)" for no AWS identity); NULL fields were not set. */
typedef struct hw_report_action_row {
    const char *id, *run_id, *account, *region, *control, *playbook, *action, *resource;
    int destructive;
    const char *state, *planned_at, *executed_at, *before_state, *after_state, *error;
    const char *approvals;
} hw_report_action_row;
int hw_store_report_actions(hw_store *s, const char *from, const char *to,
                            int (*cb)(void *arg, const hw_report_action_row *a), void *arg, hw_err *e);

/* Every active finding, in store order (raw is not filled; title is,
 * NULL when stored before schema 4). */
int hw_store_report_findings(hw_store *s, int (*cb)(void *arg, const hw_finding_row *f), void *arg,
                             hw_err *e);

#endif
