/*
 * config.h - hubwarden's configuration: one JSON file, strictly checked.
 *
 * The file is optional: without one every key has its built-in default.
 * Unknown keys, wrong types and bad values are errors naming the key path
 * ("aws.max_attempts: expected an integer from 1 to 20"), returned as
 * HW_EINVAL so that the command exits 2.  README.md documents every key;
 * the table in config.c is the single source of truth for both.
 *
 * Ownership: hw_config_load() returns a config the caller frees with
 * hw_config_free(); every string inside belongs to it.
 */
#ifndef HW_CONFIG_H
#define HW_CONFIG_H

#include <stdio.h>

#include "util/util.h"

enum hw_remedy_mode { HW_REMEDY_OFF = 0, HW_REMEDY_APPROVAL, HW_REMEDY_AUTO };

typedef struct hw_kv {
    char *key;
    char *value;
} hw_kv;

typedef struct hw_remedy_rule {
    char *control; /* Security Hub control id, e.g. "S3.8" */
    int mode;      /* enum hw_remedy_mode */
} hw_remedy_rule;

typedef struct hw_config {
    char *path; /* the file loaded, or NULL for built-in defaults */

    char *db;             /* store path */
    char *log_format;     /* "text" or "json" */
    char *controls_dir;   /* catalogue folder */
    int lock_timeout_s;   /* wait for another process's lock */

    struct {
        char *region;
        char *profile;
        char *endpoint_url;    /* override for every service */
        hw_kv *endpoints;      /* per service: {"securityhub": "http://..."} */
        size_t nendpoints;
        int use_fips;
        int max_attempts;
        int connect_timeout_s;
        int timeout_s;
        int max_concurrency;
        char *ca_bundle;
    } aws;

    struct {
        char *mode;         /* "aggregator" or "assume-role" */
        char *role_name;    /* assumed in each member account */
        char *external_id;
        char **regions;     /* regions pulled in assume-role mode */
        size_t nregions;
        char **include_accounts; /* empty: every account of the org */
        size_t ninclude_accounts;
        char **exclude_accounts;
        size_t nexclude_accounts;
    } organization;

    struct {
        char *aggregator_account; /* delegated admin; empty: the caller's */
        char *aggregator_region;  /* empty: aws.region */
        int overlap_s;            /* incremental safety overlap */
        double rate;              /* GetFindings requests per second */
        int burst;
        int page_size;            /* MaxResults, 1..100 */
        int member_controls;      /* aggregator mode: check members' controls */
        int control_check_hours;  /* re-ask about disabled controls after this */
        char **products;          /* "securityhub", "guardduty", ... */
        size_t nproducts;
    } scan;

    struct {
        char *config_aggregator;  /* AWS Config aggregator (audit account) */
        int infer_not_applicable; /* take silence for "no resources" */
    } evaluation;

    struct {
        char *key_file;    /* PEM signing key (mode 0600) */
        char *cert_file;   /* PEM certificate of the key */
        char *chain_file;  /* PEM intermediate certificates, or NULL */
        int max_age_hours; /* newest scan older than this: refused */
        char *out_dir;     /* `run` writes its bundles here; "": none */
        char **frameworks; /* the frameworks `run` reports; empty: all */
        size_t nframeworks;
    } report;

    struct {
        int default_mode;       /* enum hw_remedy_mode */
        hw_remedy_rule *rules;  /* per control */
        size_t nrules;
        hw_remedy_rule *playbooks; /* per GuardDuty playbook (default approval) */
        size_t nplaybooks;
        int allow_disruptive_auto; /* disruptive controls may run auto */
        int approval_hours;     /* an approval older than this is not applied */
        char *role_name;        /* assumed in the resource's account */
        char *external_id;
        char *exemption_tag;    /* tag on the real resource that always wins */
        char **include_accounts; /* empty: every account of the org */
        size_t ninclude_accounts;
        char **exclude_accounts;
        size_t nexclude_accounts;
        char **include_ous;     /* OU ids; an OU covers its descendants */
        size_t ninclude_ous;
        char **exclude_ous;
        size_t nexclude_ous;
        char **regions;         /* empty: every region */
        size_t nregions;
        /* resource tags, "Key" or "Key=Value" (the first '=' splits),
         * read from the real resource: include (empty: any), exclude */
        char **include_tags;
        size_t ninclude_tags;
        char **exclude_tags;
        size_t nexclude_tags;
        int max_actions_per_run;
        int max_actions_per_account;
        double max_share;       /* circuit breaker, 0..1 of a control's resources */
        int max_parallel_accounts; /* accounts whose actions run at once (apply) */
        /* suppression: failing findings of these severities, of the
         * listed controls or accounts, get Workflow.Status SUPPRESSED */
        char **suppress_severities;
        size_t nsuppress_severities;
        char **suppress_controls;
        size_t nsuppress_controls;
        char **suppress_accounts;
        size_t nsuppress_accounts;
        int password_min_length; /* IAM.7/15: raised to at least this */
        int password_max_age;    /* IAM.7/17: days, lowered to at most this */
        char *s3_kms_key;        /* S3.4: SSE-KMS key; NULL/"": SSE-S3 */
    } remediation;

    struct {
        char *sns_topic_arn; /* "": no SNS notifications */
        char *webhook_url;   /* "": no webhook; else https:// only */
        char *webhook_secret_file; /* the HMAC key; else $HUBWARDEN_WEBHOOK_SECRET */
        char *webhook_ca_bundle;   /* "": the system's CAs */
    } notifications;

    struct {
        int ip_block_days; /* malicious-ip: a deny entry is removed after this many days */
        char **waf_ip_sets; /* malicious-ip: WAFv2 IP set ARNs the IP is added to */
        size_t nwaf_ip_sets;
    } playbooks;
} hw_config;

/*
 * Finds and loads the configuration: `path` when not NULL (an error if it
 * cannot be read), else $HUBWARDEN_CONFIG, else /etc/hubwarden/hubwarden.json
 * when present, else built-in defaults.  On error *out is NULL and e names
 * the file and key.
 */
int hw_config_load(const char *path, hw_config **out, hw_err *e);
/* Parses configuration text (for tests and for the loader). `name` is used
 * in messages. */
int hw_config_parse(const char *name, const char *text, size_t len,
                    hw_config **out, hw_err *e);
/* Built-in defaults only. */
hw_config *hw_config_defaults(void);
void hw_config_free(hw_config *c);

/* Every control named in remediation.controls must be known (known()
 * returns non-zero for a control of the catalogue, which the caller loads
 * from `where`): else HW_EINVAL naming the key path. */
int hw_config_check_controls(const hw_config *c, int (*known)(void *arg, const char *id),
                             void *arg, const char *where, hw_err *e);

/* The mode of a GuardDuty playbook (rule, else approval). */
int hw_config_playbook_mode(const hw_config *c, const char *playbook);
/* The remediation mode for a control (rule, else default). */
int hw_config_remedy_mode(const hw_config *c, const char *control);

/* Writes a reference of every key (path, type, default, meaning) to f;
 * README.md's configuration section is checked against it in the tests. */
void hw_config_print_reference(FILE *f);
/* The i-th key of the same table: 1 and the four fields (static
 * strings), or 0 past the last key. */
int hw_config_reference(size_t i, const char **path, const char **type, const char **def,
                        const char **help);

#endif
