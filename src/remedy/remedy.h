/*
 * remedy.h - remediation: policy -> plan -> re-read -> act -> verify ->
 * record.  The module's whole contract.
 *
 * A *plan* is built from the store's FAILED, ACTIVE control findings only:
 * every finding is checked again here (Security Hub's own product with a
 * control generator, the finding's account is the resource's, the account
 * is in the Organization, the workflow is not SUPPRESSED), then against
 * the policy (mode per control, scope, limits, circuit breaker).  Each
 * finding becomes one *action* or one skip with its reason; both are kept
 * in the store under the plan id (a run of kind "plan") and in the audit
 * log.  *Applying* runs a plan's auto actions and every approved action:
 * assume remediation.role_name in the account that owns the resource,
 * re-read the resource (exempt by tag / already compliant / gone /
 * contradicts the finding: nothing changes), make the smallest change,
 * re-read to verify, record before and after.
 *
 * One file per remediation family (s3.c, ec2_sg.c, iam_keys.c, ebs.c):
 * each is a hw_remedy_family, the only code that knows its AWS calls.
 *
 * Ownership: hw_remedy_plan_build() fills a plan freed by
 * hw_remedy_plan_free(); hw_remedy_policy_init() a policy freed by
 * hw_remedy_policy_free(); cJSON trees returned are the caller's
 * (cJSON_Delete).  Strings in rows handed to callers are borrowed.
 */
#ifndef HW_REMEDY_H
#define HW_REMEDY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "aws/aws.h"
#include "config/config.h"
#include "store/store.h"
#include "util/util.h"

struct cJSON;

/* --------------------------------------------------------------- families */

/* What re-reading a resource found. */
enum hw_remedy_verdict {
    HW_RV_FAILING = 0, /* the real state shows the failure: fix it */
    HW_RV_COMPLIANT,   /* already compliant (fixed by hand, or meanwhile) */
    HW_RV_GONE,        /* the resource no longer exists */
    HW_RV_EXEMPT,      /* carries the exemption tag (why: its value) */
    HW_RV_REFUSED,     /* the real state contradicts the finding */
    HW_RV_OUT_OF_SCOPE /* its tags put it outside remediation.include_tags / exclude_tags */
};
const char *hw_remedy_verdict_name(int verdict);

/* The resource one action works on, with the control it fixes. */
typedef struct hw_remedy_target {
    const char *account, *region, *control, *resource;
    const char *exemption_tag; /* tag key that exempts a resource */
    const char *finding;       /* playbooks: the finding's stored ASFF JSON; else NULL */
    const hw_config *cfg;      /* the configuration: values a fix applies (password policy, KMS key) */
} hw_remedy_target;

typedef struct hw_remedy_family {
    const char *action;             /* catalogue name: "s3-block-public-access" */
    const char *const *controls;    /* the controls it fixes, NULL-terminated */
    const char *const *disruptive;  /* of those, the ones that can break a workload */
    const char *const *permissions; /* IAM actions the remediation role needs */
    /* The exact API calls one action makes, as a JSON array of strings
     * ("s3:PutPublicAccessBlock Bucket=b BlockPublicAcls=true ..."). */
    struct cJSON *(*calls)(const hw_remedy_target *t);
    /* Reads the real resource with the owning account's credentials:
     * *state (JSON object, caller frees) and *verdict; why names what was
     * found when not FAILING.  HW_OK unless the read itself failed. */
    int (*read)(hw_aws_client *c, const hw_remedy_target *t, struct cJSON **state, int *verdict,
                char why[256], hw_err *e);
    /* Makes the smallest change that fixes the control, given the state
     * read just before. */
    int (*fix)(hw_aws_client *c, const hw_remedy_target *t, const struct cJSON *state, hw_err *e);
    /* 1: its resources carry tags, read by `read` (remediation.include_tags
     * and exclude_tags apply); 0: an account- or region-wide setting */
    int tagged;
} hw_remedy_family;

extern const hw_remedy_family hw_remedy_s3_bucket_pab;  /* S3.8 ... (s3.c) */
extern const hw_remedy_family hw_remedy_s3_account_pab; /* S3.1 (s3.c) */
extern const hw_remedy_family hw_remedy_ec2_open_ingress; /* EC2.13/14/19/53/54 (ec2_sg.c) */
extern const hw_remedy_family hw_remedy_iam_stale_keys; /* IAM.3/8/22 (iam_keys.c) */
extern const hw_remedy_family hw_remedy_ebs_default;   /* EC2.7 (ebs.c) */
extern const hw_remedy_family hw_remedy_iam_password_policy; /* IAM.7, IAM.11-17 (iam_password.c) */
extern const hw_remedy_family hw_remedy_s3_encryption; /* S3.4 (s3_encryption.c) */
extern const hw_remedy_family hw_remedy_s3_deny_insecure; /* S3.5 (s3_tls.c) */
extern const hw_remedy_family hw_remedy_cloudtrail_validation; /* CloudTrail.4 (cloudtrail.c) */
extern const hw_remedy_family hw_remedy_kms_rotation; /* KMS.4 (kms.c) */
extern const hw_remedy_family hw_remedy_ec2_public_snapshots; /* EC2.1 (ec2_snapshot.c) */
extern const hw_remedy_family hw_remedy_ec2_default_sg; /* EC2.2 (ec2_default_sg.c) */
extern const hw_remedy_family hw_remedy_ec2_imdsv2; /* EC2.8 (ec2_imds.c) */
extern const hw_remedy_family hw_remedy_guardduty_enable; /* GuardDuty.1 (guardduty.c) */
extern const hw_remedy_family hw_remedy_rds_private; /* RDS.2 (rds.c) */
extern const hw_remedy_family hw_remedy_lambda_private; /* Lambda.1 (lambda.c) */
extern const hw_remedy_family hw_remedy_rds_snapshot_private; /* RDS.1 (rds_snapshot.c) */
extern const hw_remedy_family hw_remedy_ssm_document_private; /* SSM.4 (ssm.c) */

/* The family that fixes control (or the playbook of that name), or NULL. */
const hw_remedy_family *hw_remedy_family_for(const char *control);
/* Every family, NULL-terminated. */
extern const hw_remedy_family *const hw_remedy_families[];
/* Whether control is disruptive in its family. */
int hw_remedy_disruptive(const hw_remedy_family *f, const char *control);

/* Pure checks of the families, for tests: whether an ingress rule offends
 * an EC2 control (ec2_sg.c; from/to -1: every port), whether an access key
 * is stale for an IAM control (iam_keys.c; times in epoch seconds, 0:
 * never). */
int hw_remedy_sg_rule_offends(const char *control, const char *cidr4, const char *cidr6,
                              const char *proto, int from, int to);
int hw_remedy_key_stale(const char *control, int64_t now, int64_t created, int64_t last_used);
/* Whether one statement (JSON object) of a Lambda function policy is public
 * for Lambda.1 (lambda.c): it allows "*" or the S3 service with no
 * condition on the source account, ARN or Organization. */
int hw_remedy_lambda_statement_public(const struct cJSON *statement);

/* ----------------------------------------------------------------- policy */

typedef struct hw_remedy_account {
    char *id;
    char *ou_path; /* "r-ab12/ou-ab12-prod0001" */
    int in_org;
} hw_remedy_account;

typedef struct hw_remedy_policy {
    const hw_config *cfg;
    hw_remedy_account *accounts; /* sorted by id */
    size_t naccounts;
} hw_remedy_policy;

/* From the configuration and the accounts known to the store (NULL st: no
 * account is in the Organization; tests add them with _add_account). */
int hw_remedy_policy_init(hw_remedy_policy *p, const hw_config *cfg, hw_store *st, hw_err *e);
int hw_remedy_policy_add_account(hw_remedy_policy *p, const char *id, const char *ou_path,
                                 int in_org, hw_err *e);
void hw_remedy_policy_free(hw_remedy_policy *p);

/* The mode for a control (enum hw_remedy_mode): the config's rule, else
 * remediation.default; a disruptive control set to auto becomes approval
 * unless remediation.allow_disruptive_auto, and why says so. */
int hw_remedy_policy_mode(const hw_remedy_policy *p, const char *control, int disruptive,
                          char *why, size_t whylen);
/* 1 when account and region are in remediation's scope, else 0 with why. */
int hw_remedy_policy_in_scope(const hw_remedy_policy *p, const char *account, const char *region,
                              char *why, size_t whylen);
/* 1 when the account is a member of the Organization. */
int hw_remedy_policy_in_org(const hw_remedy_policy *p, const char *account);
/* Tag scope of a resource read by a tagged family: 1 when its state (with
 * the "ScopeTags" rx_tag() noted) passes remediation.exclude_tags and
 * include_tags (an empty list passes), else 0 and why names the tag or
 * the list. */
int hw_remedy_tag_scope(const hw_config *cfg, const struct cJSON *state, char *why, size_t whylen);
/* Whether tag (key, value) matches an entry ("Key" or "Key=Value") of list. */
int hw_remedy_tag_listed(char *const *list, size_t n, const char *key, const char *value);
/* Circuit breaker: how many of a control's `total` resources in one
 * account one run may change (max_share of them, but always at least 1). */
unsigned hw_remedy_breaker_allow(double max_share, unsigned total);

/* ------------------------------------------------------------------ trust */

/*
 * The account a resource id names: the ARN's account field, or the
 * account of "AWS::::Account:N".  An S3 bucket ARN carries none: *account
 * is "" and the family checks the owner with ExpectedBucketOwner.
 * Returns 0, or -1 for an id that is not an ARN of partition.
 */
int hw_remedy_resource_account(const char *resource, const char *partition, char account[16]);

/*
 * Re-checks a finding from its raw ASFF bytes, whatever ingest said: 1 when
 * it may be acted on, else 0 with why.  On success *resource points into
 * `resource` (the first resource's id, at most 2048 bytes).
 */
int hw_remedy_trust(const hw_finding_row *f, const char *raw, size_t rawlen,
                    const hw_remedy_policy *p, char *resource, size_t reslen, char *why,
                    size_t whylen);

/* ------------------------------------------------------------ playbooks */

/* A GuardDuty playbook: a family whose `controls` is its one name
 * ("iam-credential-exposure"), and the GuardDuty finding types it answers,
 * NULL-terminated (a final '*' makes a prefix).  Its actions carry the
 * playbook's name where a control remediation's carry the control id. */
typedef struct hw_remedy_playbook {
    const char *name;
    const hw_remedy_family *family;
    const char *const *types;
} hw_remedy_playbook;

/* The GuardDuty playbooks (playbook.c), NULL-terminated. */
extern const hw_remedy_playbook *const hw_remedy_playbooks[];
/* ec2-compromise and malicious-ip (pb_ec2.c). */
extern const hw_remedy_family hw_remedy_pb_ec2_compromise;
extern const hw_remedy_family hw_remedy_pb_malicious_ip;
/* The public remote IPv4 a GuardDuty finding (ASFF JSON) names: Network
 * (SourceIpV4 inbound, DestinationIpV4 outbound), else GuardDuty's
 * ProductFields ...remoteIpDetails/ipAddressV4.  0 when none, or when it
 * is private, loopback, link-local, shared or multicast. */
int hw_remedy_finding_ip(const char *finding, char ip[16]);
/* After a done malicious-ip action: what it added (the deny entry and
 * WAFv2 IP set addresses in the state after that were not in the state
 * before) goes to the store's deny list, expiring in
 * playbooks.ip_block_days. */
int hw_remedy_ip_block_record(hw_store *st, const hw_remedy_policy *p, const char *action_id,
                              const char *account, const char *region, const char *before,
                              const char *after, hw_err *e);
/* Removes every expired deny entry that is still exactly as added
 * (DeleteNetworkAclEntry) and every expired WAFv2 IP set address
 * (UpdateIPSet), marks it removed and audits it; one that was changed or
 * is gone is marked removed untouched; a failure is warned about and
 * retried on the next run; each is audited. */
int hw_remedy_ip_expire(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                        const char *actor, size_t *removed, size_t *failed, hw_err *e);
/*
 * `remediate --undo`: puts back the original security groups of a done
 * ec2-compromise action (from its recorded state before), verifies, and
 * records the action as "undone" with a remediation.undo audit entry;
 * why says what was restored.  Snapshots, tags and protections stay.  A
 * done malicious-ip action: removes what it added and is still on the
 * deny list (the ACL entry, the WAFv2 IP set addresses), the same way as
 * when it expires.  Any other action, or one not done, is HW_EINVAL.
 */
int hw_remedy_undo(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p, const char *id,
                   const char *actor, char why[512], hw_err *e);
/* Restores the OriginalGroups of the state `before` on t's instance; *now
 * (malloc'd JSON) is the instance read after. */
int hw_remedy_undo_groups(hw_aws_client *c, const hw_remedy_target *t, const char *before,
                          char **now, char why[512], hw_err *e);
/* The playbook of that name, or NULL (a control id: NULL). */
const hw_remedy_playbook *hw_remedy_playbook_named(const char *name);
/* The GuardDuty type an ASFF Types entry names, in GuardDuty's own form
 * ("TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce" and
 * "UnauthorizedAccess:EC2/SSHBruteForce" both give the latter); 0 when the
 * entry names none. */
int hw_remedy_gd_type(const char *asff_type, char *out, size_t outlen);
/* The playbook answering a GuardDuty type, or NULL. */
const hw_remedy_playbook *hw_remedy_playbook_for(const char *gd_type);
/*
 * Trust for a GuardDuty finding, from its raw ASFF: *pb is the playbook
 * its Types name (NULL: none; returns 0 with why ""), then the same checks
 * as hw_remedy_trust with GuardDuty's own product ARN.  On 1, resource is
 * the action's target (the bucket ARN, "AWS::IAM::AccessKey:ID", ...).
 */
int hw_remedy_playbook_trust(const hw_finding_row *f, const char *raw, size_t rawlen,
                             const hw_remedy_policy *p, const hw_remedy_playbook **pb,
                             char *resource, size_t reslen, char *why, size_t whylen);

/* ---------------------------------------------------------- notifications */

/*
 * One SNS Publish to notifications.sns_topic_arn (base credentials, the
 * topic's region) per kind with items: plan_id's actions awaiting
 * approval, and of `results` (a JSON array of action objects with id,
 * state, account, region, control, resource, finding, reason) the
 * executed playbook actions and the failures; the same to
 * notifications.webhook_url as one Slack-compatible JSON POST (HTTPS only,
 * X-Hubwarden-Signature: sha256=HMAC of the body when a secret is set in
 * notifications.webhook_secret_file or $HUBWARDEN_WEBHOOK_SECRET).  Each
 * delivery is audited
 * (notification.sent / notification.failed); a failure is warned about
 * and counted, never an error.  Nothing when no topic is configured.
 */
int hw_remedy_notify(hw_store *st, hw_aws_client *c, const hw_config *cfg, const char *plan_id,
                     const struct cJSON *results, const char *actor, size_t *sent,
                     size_t *failed, hw_err *e);

/* ------------------------------------------------------------------- plan */

typedef struct hw_remedy_filter {
    const char *control; /* NULL: every control */
    const char *account; /* NULL: every account */
} hw_remedy_filter;

typedef struct hw_plan_stats {
    size_t findings;   /* FAILED, ACTIVE findings read */
    size_t off;        /* of those, controls the policy leaves off or without a remediation */
    size_t actions, auto_actions, approval_actions;
    size_t skipped;    /* listed with a reason */
} hw_plan_stats;

/*
 * Builds a plan in the store (one transaction): a run of kind "plan" whose
 * id goes to plan_id, its actions, its skips and an audit entry.  actor
 * names who asked (audit log).
 */
int hw_remedy_plan_build(hw_store *st, const hw_remedy_policy *p, const hw_remedy_filter *flt,
                         const char *actor, char plan_id[64], hw_plan_stats *stats, hw_err *e);

/*
 * Suppression rules (suppress.c): adds to plan_id a "suppress" action (auto)
 * for every trusted, active, failing finding of a remediation.suppress_severities
 * label whose control is in remediation.suppress_controls or account in
 * remediation.suppress_accounts (narrowed by flt), unless the plan fixes it
 * or it was suppressed before at the same UpdatedAt; audited.  *planned
 * how many.
 */
int hw_remedy_suppress_plan(hw_store *st, const hw_config *cfg, const hw_remedy_filter *flt,
                            const char *plan_id, const char *actor, size_t *planned, hw_err *e);
/* Runs plan_id's planned "suppress" actions: BatchUpdateFindings (through
 * ctx, the aggregator) sets Workflow.Status SUPPRESSED with a note naming
 * the action; each is recorded done or failed, with an audit entry.  A
 * failure is counted in *failed, not returned. */
int hw_remedy_suppress_apply(hw_store *st, hw_aws_client *c, const hw_aws_ctx *ctx,
                             const char *plan_id, const char *actor, size_t *done, size_t *failed,
                             hw_err *e);

/* ------------------------------------------------------------------ apply */

typedef struct hw_apply_stats {
    size_t run, done, compliant, gone, exempt, refused, failed, dropped;
    size_t out_of_scope; /* by resource tags */
} hw_apply_stats;

/* Called after each action with its final row (for printing). */
typedef void (*hw_apply_cb)(void *arg, const hw_action_row *a);

/*
 * Runs plan_id's auto actions (state planned) and every approved action
 * whose finding is still FAILED and unchanged (else it is dropped), each in
 * its own transaction.  One failed action never stops the others:
 * stats->failed counts them.  HW_OK unless the store itself failed.
 * Accounts run at once (up to remediation.max_parallel_accounts worker
 * threads: one uses c, the others copies of it, hw_aws_client_clone); one
 * account's actions run one after another in plan order.  The store is
 * used by one thread at a time; cb runs in the calling thread, in plan
 * order, and must not use c.
 */
int hw_remedy_apply(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                    const char *plan_id, const char *actor, hw_apply_stats *stats, hw_apply_cb cb,
                    void *arg, hw_err *e);

/*
 * The actions a run that died left "applying" (marked, with the state read
 * before, just before their change): each is read again, never changed.
 * Compliant: "done" (the change held); gone or exempt: as found; still
 * failing: "dropped" (the change never took effect), and the next plan
 * reads it again.  An action that cannot be read now stays "applying"
 * (warned about, counted failed) for the next run.  Call it before
 * hw_remedy_apply() (before hw_remedy_plan_build(), so that a dropped one
 * is planned again at once).  Counts are added to *stats.
 */
int hw_remedy_recover(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                      const char *actor, hw_apply_stats *stats, hw_apply_cb cb, void *arg,
                      hw_err *e);

/* Records every approved action whose approval is older than
 * remediation.approval_hours as "expired" (audited), as hw_remedy_apply()
 * would when it came to run it; *expired how many. */
int hw_remedy_approvals_expire(hw_store *st, const hw_remedy_policy *p, const char *actor,
                               size_t *expired, hw_err *e);

/*
 * Security Hub's workflow for the findings of actions (BatchUpdateFindings
 * with ctx, the aggregator): RESOLVED after a verified fix, NOTIFIED while
 * an action awaits approval, each with a note naming the action.  Security
 * Hub sets RESOLVED back to NEW when the control fails again: the store's
 * action state is the truth, never the finding's workflow.  An update that
 * fails is warned about, audited and retried on the next call; it never
 * undoes a fix.  HW_OK unless the store failed.
 */
int hw_remedy_workflow_sync(hw_store *st, hw_aws_client *c, const hw_aws_ctx *ctx,
                            const char *actor, size_t *updated, size_t *failed, hw_err *e);

/* Runs one action (exposed for tests): fills state, before, after, why. */
int hw_remedy_run_action(hw_aws_client *c, const hw_remedy_policy *p, const hw_action_row *a,
                         const char *finding, const char **state, char **before, char **after, char why[512],
                         hw_err *e);

#endif
