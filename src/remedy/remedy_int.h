/*
 * remedy_int.h - what the remediation families share: reading AWS XML
 * responses and naming the AWS error of the last call.  Nothing outside
 * src/remedy/ includes it.
 */
#ifndef HW_REMEDY_INT_H
#define HW_REMEDY_INT_H

#include <cJSON.h>
#include <libxml/tree.h>

#include "remedy/remedy.h"

/* The first element named `name` at or below node (depth first), or NULL. */
xmlNodePtr rx_find(xmlNodePtr node, const char *name);
/* Its text ("" when empty); NULL when there is no such element. */
const char *rx_text(xmlNodePtr node, const char *name);
/* The element children of node named name, one after another:
 * for (n = rx_next(first_child, "item"); n; n = rx_next(n->next, "item")). */
xmlNodePtr rx_next(xmlNodePtr n, const char *name);
/* The AWS error code of the client's last failed call ("" when none). */
const char *rx_code(const hw_aws_client *c);
/* "true" -> 1. */
int rx_bool(const char *s);
/* A call context for the target's account and region. */
hw_aws_ctx rx_ctx(const hw_remedy_target *t);
/* S3 buckets (s3.c): "arn:aws:s3:::name" -> name, checked as a bucket
 * name, or NULL; "Content-MD5: <base64>" of body; the first read of every
 * bucket remediation: GetBucketTagging with ExpectedBucketOwner, which
 * creates *state ({"Bucket": name}) and sets *verdict GONE, REFUSED (not
 * the account's) or EXEMPT with why, or leaves it. */
const char *rx_bucket_of(const char *arn);
void rx_content_md5(const char *body, char out[64]);
int rx_bucket_head(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                   char why[256], hw_err *e);
/* Every rule of security group g (DescribeSecurityGroupRules by group-id,
 * every page, at most 100): each(arg, item) per rule's <item>.  HW_OK, or
 * the call's error. */
int rx_sg_rules(hw_aws_client *c, const hw_remedy_target *t, const char *g,
                void (*each)(void *arg, xmlNodePtr item), void *arg, hw_err *e);
/* One tag read from the real resource (key, value; NULL value: ""): when
 * it matches an entry of remediation.include_tags or exclude_tags, state
 * records it under "ScopeTags" ({"include": ["k=v"], "exclude": [...]})
 * for hw_remedy_tag_scope().  Every family that reads tags calls it for
 * each tag, beside its exemption-tag check. */
void rx_tag(const hw_remedy_target *t, cJSON *state, const char *key, const char *value);
/* rx_tag, and when key is the exemption tag: state "ExemptionTag" (its
 * value), why "tag K=V", *verdict HW_RV_EXEMPT.  Returns 1 then, else 0. */
int rx_tag_seen(const hw_remedy_target *t, cJSON *state, const char *key, const char *value,
                int *verdict, char why[256]);
/* rx_tag_seen for each tag of an XML list: the elements named item under
 * list (NULL: none), each with children kname and vname ("Tag", "Key",
 * "Value" for RDS; "item", "key", "value" for EC2; "member", "Key",
 * "Value" for IAM). */
void rx_xml_tags(const hw_remedy_target *t, cJSON *state, xmlNodePtr list, const char *item,
                 const char *kname, const char *vname, int *verdict, char why[256]);
/* rx_tag_seen for each {"Key", "Value"} object of a JSON array. */
void rx_json_tags(const hw_remedy_target *t, cJSON *state, const cJSON *tags, int *verdict,
                  char why[256]);
/* WAFv2 IP sets of the malicious-ip playbook (pb_waf.c).  rx_waf_read
 * reads each IP set of playbooks.waf_ip_sets in t's account into
 * state "WafIpSets" ([{"Arn", "Present"}], or "Skipped" with the set's
 * IPAddressVersion when it holds the other family); *missing counts those
 * without cidr.  rx_waf_add puts state "Cidr" into each set not Present;
 * rx_waf_remove takes every spelling of cidr out of one set (*removed 0
 * when it was not there: no call).  Both re-read the set for its
 * LockToken and again after WAFOptimisticLockException.  rx_waf_added: 1
 * when the set arn lacked the address before and has it after. */
int rx_waf_read(hw_aws_client *c, const hw_remedy_target *t, const char *cidr, cJSON *state,
                int *missing, hw_err *e);
int rx_waf_add(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e);
int rx_waf_remove(hw_aws_client *c, const char *account, const char *arn, const char *cidr,
                  int *removed, hw_err *e);
int rx_waf_added(const cJSON *before, const cJSON *after, const char *arn);
/* Adds "s" to a JSON array of calls (printf-style). */
/* hw_remedy_finding_ip of a parsed finding (j may be NULL). */
int rx_finding_ip(const cJSON *j, char ip[16]);
void rx_call(cJSON *calls, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Security Hub workflow for findings in batches (workflow.c): items of one
 * plan and status share a BatchUpdateFindings call (at most 100) and a
 * note naming each of their action ids; done(arg, index, ok, note, error)
 * per item, in any order (a non-zero return stops with that error). */
typedef struct rx_wf_item {
    const char *action_id, *plan_id, *finding_id, *product_arn;
    const char *status; /* RESOLVED, NOTIFIED, SUPPRESSED */
    int skip;           /* already done: not sent */
} rx_wf_item;
typedef int (*rx_wf_done)(void *arg, size_t i, int ok, const char *note, const char *error,
                          hw_err *e);
/* called before each call with the indexes of its items, to record that
 * the update may be sent (so that a run killed during the call reads the
 * findings back, rather than send it again) */
typedef int (*rx_wf_intent)(void *arg, const size_t *idx, size_t k, hw_err *e);
int rx_workflow_batches(hw_aws_client *c, const hw_aws_ctx *ctx, const rx_wf_item *items,
                        size_t n, rx_wf_intent intent, rx_wf_done done, void *arg, hw_err *e);
/* 1 when a finding's Note (text, UpdatedBy) is the one a batch of
 * rx_workflow_batches() wrote for item it: hubwarden's, of its plan,
 * naming its action, with its status's words */
int rx_workflow_note_names(const char *text, const char *by, const rx_wf_item *it);

#endif
