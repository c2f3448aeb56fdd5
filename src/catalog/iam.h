/*
 * iam.h - the IAM roles hubwarden runs as, loaded from
 * controls/iam-roles.xml (validated by controls/iam-roles.xsd), with the
 * member remediation role's calls and permissions taken from
 * controls/remediations.xml and controls/playbooks.xml.  `hubwarden
 * iam-policy` (src/cmd/iam_policy.c) prints policies from it.
 *
 * A role has calls (service and operation, as the AWS API models name
 * them) and grants (an IAM action on a resource).  For a role listing
 * <call>s, each call's grant is its action (the <action> table where the
 * IAM action differs from the operation, else service:Operation; an empty
 * one needs no permission); for an <include>d file, the grants are the
 * file's <permission>s and the calls its <call>s; an <implied> grant is
 * one an action needs besides its own (GuardDuty's service-linked role).
 *
 * Ownership: hw_iam_load() returns a set freed by hw_iam_free(); every
 * string and array reachable from it is owned by it.  Errors name the
 * file and the line.
 */
#ifndef HW_CATALOG_IAM_H
#define HW_CATALOG_IAM_H

#include <stddef.h>

#include "util/util.h"

typedef struct hw_iam_call {
    char *service;   /* "s3control" */
    char *operation; /* "GetPublicAccessBlock" */
    char *action;    /* "s3:GetAccountPublicAccessBlock"; "" when none is needed */
} hw_iam_call;

typedef struct hw_iam_grant {
    char *action;   /* "s3:GetBucketTagging" */
    char *resource; /* NULL: every resource; "role:NAME" (that role, any
                     * account); "sns-topic" (notifications.sns_topic_arn);
                     * else an ARN */
    char *implied_by; /* NULL, or the action that needs this one too */
    int included;     /* from an <include>d file (one of the role's parts) */
} hw_iam_grant;

/* One remediation or playbook of an <include>d file, so that a policy can
 * grant only what the configuration enables (iam-policy --enabled). */
typedef struct hw_iam_part {
    char *name;       /* the remediation's action, or the playbook's name */
    int playbook;     /* 1: a GuardDuty playbook (remediation.playbooks) */
    char **controls;  /* a remediation's controls (remediation.controls) */
    size_t ncontrols;
    char **actions;   /* its <permission>s */
    size_t nactions;
} hw_iam_part;

typedef struct hw_iam_role {
    char *name;            /* "scan", "apply", "member-audit", "member-remediation" */
    char *account;         /* "audit" or "member" */
    char *summary;
    char *default_name;    /* the IAM role's name when the configuration names none */
    char *name_key;        /* the configuration key naming it, or NULL */
    char *external_id_key; /* the configuration key of its external id, or NULL */
    hw_iam_call *calls;    /* in file order, unique */
    size_t ncalls;
    hw_iam_grant *grants;  /* sorted by resource (every resource first), then action; unique */
    size_t ngrants;
    hw_iam_part *parts;    /* the <include>d remediations and playbooks, in file order */
    size_t nparts;
} hw_iam_role;

typedef struct hw_iam {
    hw_iam_role *roles; /* in file order */
    size_t nroles;
} hw_iam;

/* Loads controls_dir/iam-roles.xml and the files it includes. */
int hw_iam_load(const char *controls_dir, hw_iam **out, hw_err *e);
void hw_iam_free(hw_iam *iam);
/* The role of that name, or NULL. */
const hw_iam_role *hw_iam_role_find(const hw_iam *iam, const char *name);

#endif
