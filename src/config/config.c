/*
 * config.c - loads and checks the JSON configuration file.
 *
 * One table (config_keys) describes every key: its dotted path, type,
 * bounds, default and meaning.  The loader walks the JSON document against
 * that table, so an unknown key, a wrong type or a bad value is reported
 * with its path, and the reference printed by hw_config_print_reference()
 * can never drift from what the loader accepts.
 */
#include "config/config.h"

#include <cJSON.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum key_type {
    K_STR,      /* string */
    K_BOOL,     /* true/false */
    K_INT,      /* integer in [min, max] */
    K_NUM,      /* number in [min, max] */
    K_ENUM,     /* one of choices (stored as string) */
    K_STRLIST,  /* array of strings */
    K_ENDPOINTS,/* object: service name -> URL */
    K_REMEDY,   /* object: control id -> "auto" | "approval" | "off" */
    K_MODE      /* "auto" | "approval" | "off" stored as int */
};

struct key {
    const char *path;
    enum key_type type;
    size_t off;
    size_t count_off; /* for lists and maps: where the count lives */
    double min, max;
    const char *choices; /* K_ENUM: "|"-separated */
    const char *def;     /* default as text (documentation + init) */
    const char *help;
};

#define OFF(f) offsetof(hw_config, f)

static const struct key config_keys[] = {
    { "db", K_STR, OFF(db), 0, 0, 0, NULL, "./hubwarden.db",
      "Path of the evidence store (sqlite). --db overrides it." },
    { "log_format", K_ENUM, OFF(log_format), 0, 0, 0, "text|json", "text",
      "Diagnostics on stderr: human text or JSON lines. --log-format overrides it." },
    { "controls_dir", K_STR, OFF(controls_dir), 0, 0, 0, NULL, "(built in)",
      "Folder of the control catalogue and framework files." },
    { "lock_timeout_seconds", K_INT, OFF(lock_timeout_s), 0, 0, 86400, NULL, "30",
      "How long a run waits for another hubwarden process holding the store." },
    { "aws.region", K_STR, OFF(aws.region), 0, 0, 0, NULL, "(environment)",
      "Home region; else --region, AWS_REGION, AWS_DEFAULT_REGION, the profile." },
    { "aws.profile", K_STR, OFF(aws.profile), 0, 0, 0, NULL, "(environment)",
      "Named profile of ~/.aws/config and ~/.aws/credentials; else AWS_PROFILE. When set, keys "
      "in the environment are not used (as aws --profile)." },
    { "aws.endpoint_url", K_STR, OFF(aws.endpoint_url), 0, 0, 0, NULL, "",
      "Endpoint for every service (as AWS_ENDPOINT_URL)." },
    { "aws.endpoints", K_ENDPOINTS, OFF(aws.endpoints), OFF(aws.nendpoints), 0, 0, NULL, "{}",
      "Per-service endpoints, e.g. {\"securityhub\": \"https://...\"} (as AWS_ENDPOINT_URL_<SERVICE>)." },
    { "aws.use_fips", K_BOOL, OFF(aws.use_fips), 0, 0, 0, NULL, "false",
      "Use FIPS endpoints." },
    { "aws.max_attempts", K_INT, OFF(aws.max_attempts), 0, 1, 20, NULL, "5",
      "Attempts per AWS call, retries with exponential backoff included." },
    { "aws.connect_timeout_seconds", K_INT, OFF(aws.connect_timeout_s), 0, 1, 300, NULL, "10",
      "Connect timeout per request." },
    { "aws.timeout_seconds", K_INT, OFF(aws.timeout_s), 0, 1, 3600, NULL, "60",
      "Total timeout per request." },
    { "aws.max_concurrency", K_INT, OFF(aws.max_concurrency), 0, 1, 64, NULL, "4",
      "Requests in flight at once across accounts and regions." },
    { "aws.ca_bundle", K_STR, OFF(aws.ca_bundle), 0, 0, 0, NULL, "(system)",
      "CA bundle for TLS verification (as AWS_CA_BUNDLE). Verification is never off." },
    { "organization.mode", K_ENUM, OFF(organization.mode), 0, 0, 0,
      "aggregator|assume-role", "aggregator",
      "aggregator: read every account's findings from the Security Hub aggregator; "
      "assume-role: assume organization.role_name in each account and read each region." },
    { "organization.role_name", K_STR, OFF(organization.role_name), 0, 0, 0, NULL, "HubwardenAudit",
      "Role assumed in member accounts." },
    { "organization.external_id", K_STR, OFF(organization.external_id), 0, 0, 0, NULL, "",
      "External id passed to AssumeRole." },
    { "organization.regions", K_STRLIST, OFF(organization.regions), OFF(organization.nregions), 0, 0, NULL,
      "[aws.region]", "Regions read in assume-role mode." },
    { "organization.include_accounts", K_STRLIST, OFF(organization.include_accounts),
      OFF(organization.ninclude_accounts), 0, 0, NULL, "[]",
      "Only these account ids (empty: every active account)." },
    { "organization.exclude_accounts", K_STRLIST, OFF(organization.exclude_accounts),
      OFF(organization.nexclude_accounts), 0, 0, NULL, "[]", "Account ids never read." },
    { "scan.aggregator_account", K_STR, OFF(scan.aggregator_account), 0, 0, 0, NULL, "(caller's)",
      "Account holding the Security Hub aggregator (the delegated administrator)." },
    { "scan.aggregator_region", K_STR, OFF(scan.aggregator_region), 0, 0, 0, NULL, "(aws.region)",
      "The aggregation region." },
    { "scan.overlap_seconds", K_INT, OFF(scan.overlap_s), 0, 0, 86400, NULL, "300",
      "Incremental scans re-read this much before the last watermark." },
    { "scan.rate", K_NUM, OFF(scan.rate), 0, 0.1, 100, NULL, "3",
      "GetFindings requests per second per account and region (Security Hub's limit is 3)." },
    { "scan.burst", K_INT, OFF(scan.burst), 0, 1, 100, NULL, "6", "Token bucket burst." },
    { "scan.page_size", K_INT, OFF(scan.page_size), 0, 1, 100, NULL, "100",
      "MaxResults of each GetFindings page." },
    { "scan.member_controls", K_BOOL, OFF(scan.member_controls), 0, 0, 0, NULL, "false",
      "Aggregator mode: also assume organization.role_name in each member account to ask which "
      "controls are disabled in scan.aggregator_region and organization.regions." },
    { "scan.control_check_hours", K_INT, OFF(scan.control_check_hours), 0, 0, 8760, NULL, "168",
      "How old an account-region's answer on disabled controls may grow before a scan asks again "
      "(0: every scan; --full always asks)." },
    { "scan.products", K_STRLIST, OFF(scan.products), OFF(scan.nproducts), 0, 0, NULL,
      "[\"securityhub\", \"guardduty\"]",
      "Products whose findings are pulled: securityhub (control findings), guardduty, or a product name." },
    { "evaluation.config_aggregator", K_STR, OFF(evaluation.config_aggregator), 0, 0, 0, NULL, "",
      "AWS Config aggregator of the Organization, in scan.aggregator_account and "
      "scan.aggregator_region: its resource counts make a control without findings "
      "NOT_APPLICABLE (no resources of its type); without it such a control is NO_DATA." },
    { "evaluation.infer_not_applicable", K_BOOL, OFF(evaluation.infer_not_applicable), 0, 0, 0,
      NULL, "false",
      "Take a control without findings in an evaluated account for NOT_APPLICABLE without "
      "the resource inventory (the evidence says it was inferred)." },
    { "report.key_file", K_STR, OFF(report.key_file), 0, 0, 0, NULL, "",
      "PEM private key that signs reports (RSA >= 2048 or EC P-256); refused when group or others "
      "may read it. hubwarden keygen makes a development key." },
    { "report.cert_file", K_STR, OFF(report.cert_file), 0, 0, 0, NULL, "",
      "PEM certificate of report.key_file (further certificates in it count as chain)." },
    { "report.chain_file", K_STR, OFF(report.chain_file), 0, 0, 0, NULL, "",
      "PEM intermediate certificates put into every signature's KeyInfo and CMS." },
    { "report.max_age_hours", K_INT, OFF(report.max_age_hours), 0, 1, 8760, NULL, "36",
      "A report from a scan older than this is refused unless --allow-stale." },
    { "report.out_dir", K_STR, OFF(report.out_dir), 0, 0, 0, NULL, "",
      "Folder where hubwarden run writes its signed bundles, DIR/<framework>-<run id>/ (empty: "
      "run writes none; report.key_file and report.cert_file are then not needed)." },
    { "report.frameworks", K_STRLIST, OFF(report.frameworks), OFF(report.nframeworks), 0, 0,
      NULL, "[]", "Frameworks hubwarden run reports, by id (empty: every framework)." },
    { "remediation.default", K_MODE, OFF(remediation.default_mode), 0, 0, 0, NULL, "off",
      "Mode of controls without a rule: auto, approval or off." },
    { "remediation.controls", K_REMEDY, OFF(remediation.rules), OFF(remediation.nrules), 0, 0, NULL,
      "{}", "Per control id: \"auto\", \"approval\" or \"off\"." },
    { "remediation.playbooks", K_REMEDY, OFF(remediation.playbooks), OFF(remediation.nplaybooks), 0,
      0, NULL, "{}",
      "Per GuardDuty playbook (ec2-compromise, iam-credential-exposure, s3-exposure, "
      "malicious-ip): \"auto\", \"approval\" (the default of each) or \"off\"." },
    { "remediation.approval_hours", K_INT, OFF(remediation.approval_hours), 0, 1, 8760, NULL,
      "72", "An approval older than this many hours is not applied (the action expires)." },
    { "notifications.sns_topic_arn", K_STR, OFF(notifications.sns_topic_arn), 0, 0, 0, NULL, "",
      "SNS topic for one message per remediation run and kind: actions awaiting approval, "
      "executed playbooks, failures (empty: none)." },
    { "notifications.webhook_url", K_STR, OFF(notifications.webhook_url), 0, 0, 0, NULL, "",
      "HTTPS webhook (Slack-compatible JSON: text and blocks) for the same messages (empty: none)." },
    { "notifications.webhook_secret_file", K_STR, OFF(notifications.webhook_secret_file), 0, 0, 0,
      NULL, "",
      "File holding the webhook's HMAC-SHA256 key (X-Hubwarden-Signature); else "
      "$HUBWARDEN_WEBHOOK_SECRET; never in the configuration, never logged." },
    { "notifications.webhook_ca_bundle", K_STR, OFF(notifications.webhook_ca_bundle), 0, 0, 0,
      NULL, "", "CA file to verify the webhook's certificate (empty: the system's)." },
    { "playbooks.ip_block_days", K_INT, OFF(playbooks.ip_block_days), 0, 1, 3650, NULL, "30",
      "malicious-ip: a network ACL deny entry (and WAFv2 IP set address) is removed by the first "
      "run after this many days." },
    { "playbooks.waf_ip_sets", K_STRLIST, OFF(playbooks.waf_ip_sets), OFF(playbooks.nwaf_ip_sets),
      0, 0, NULL, "[]",
      "malicious-ip: WAFv2 IP set ARNs (arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID, "
      "global/ for CloudFront) the attacker's IP/32 is added to, each for findings of its own "
      "account, by the remediation role (empty: network ACL only)." },
    { "remediation.allow_disruptive_auto", K_BOOL, OFF(remediation.allow_disruptive_auto), 0, 0, 0,
      NULL, "false",
      "Let disruptive remediations (IAM.3, IAM.8, IAM.22, ...) run auto; else they wait for approval." },
    { "remediation.role_name", K_STR, OFF(remediation.role_name), 0, 0, 0, NULL,
      "HubwardenRemediation", "Role assumed in the account owning each resource to change it." },
    { "remediation.external_id", K_STR, OFF(remediation.external_id), 0, 0, 0, NULL, "",
      "External id passed to AssumeRole for remediation." },
    { "remediation.exemption_tag", K_STR, OFF(remediation.exemption_tag), 0, 0, 0, NULL,
      "hubwarden:exempt",
      "Tag key read from the real resource: present, the resource is never changed (its value the reason)." },
    { "remediation.include_accounts", K_STRLIST, OFF(remediation.include_accounts),
      OFF(remediation.ninclude_accounts), 0, 0, NULL, "[]",
      "Only these account ids are remediated (empty: every account of the Organization)." },
    { "remediation.exclude_accounts", K_STRLIST, OFF(remediation.exclude_accounts),
      OFF(remediation.nexclude_accounts), 0, 0, NULL, "[]", "Account ids never remediated." },
    { "remediation.include_ous", K_STRLIST, OFF(remediation.include_ous),
      OFF(remediation.ninclude_ous), 0, 0, NULL, "[]",
      "Only accounts under these OU ids (or root ids), descendants included (empty: any)." },
    { "remediation.exclude_ous", K_STRLIST, OFF(remediation.exclude_ous),
      OFF(remediation.nexclude_ous), 0, 0, NULL, "[]",
      "Accounts under these OU ids, descendants included, are never remediated." },
    { "remediation.regions", K_STRLIST, OFF(remediation.regions), OFF(remediation.nregions), 0, 0,
      NULL, "[]", "Only these regions are remediated (empty: every region)." },
    { "remediation.include_tags", K_STRLIST, OFF(remediation.include_tags),
      OFF(remediation.ninclude_tags), 0, 0, NULL, "[]",
      "Only resources carrying one of these tags, \"Key\" or \"Key=Value\" (the first = splits), "
      "read from the real resource, are remediated (empty: any); account- and region-wide "
      "settings have no tags and are not affected." },
    { "remediation.exclude_tags", K_STRLIST, OFF(remediation.exclude_tags),
      OFF(remediation.nexclude_tags), 0, 0, NULL, "[]",
      "Resources carrying one of these tags (\"Key\" or \"Key=Value\", read from the real "
      "resource) are never remediated; the action is recorded out-of-scope." },
    { "remediation.max_actions_per_run", K_INT, OFF(remediation.max_actions_per_run), 0, 1,
      1000000, NULL, "100", "At most this many actions in one plan; the rest are skipped (limit)." },
    { "remediation.max_actions_per_account", K_INT, OFF(remediation.max_actions_per_account), 0, 1,
      1000000, NULL, "25", "At most this many actions per account in one plan." },
    { "remediation.max_share", K_NUM, OFF(remediation.max_share), 0, 0, 1, NULL, "0.2",
      "Circuit breaker: a control that would change more than this share of its resources in an "
      "account changes none of them there." },
    { "remediation.max_parallel_accounts", K_INT, OFF(remediation.max_parallel_accounts), 0, 1,
      64, NULL, "4",
      "Accounts whose actions --apply runs at once (AWS's rate limits are per account); each "
      "account's own actions run one after another, in plan order. 1: one account after "
      "another." },
    { "remediation.suppress_severities", K_STRLIST, OFF(remediation.suppress_severities),
      OFF(remediation.nsuppress_severities), 0, 0, NULL, "[\"LOW\", \"INFORMATIONAL\"]",
      "Severity labels a suppression rule covers (with suppress_controls or suppress_accounts)." },
    { "remediation.suppress_controls", K_STRLIST, OFF(remediation.suppress_controls),
      OFF(remediation.nsuppress_controls), 0, 0, NULL, "[]",
      "Failing findings of these controls, of a suppress_severities label, are set SUPPRESSED by "
      "remediate --apply (with a note; recorded as actions)." },
    { "remediation.suppress_accounts", K_STRLIST, OFF(remediation.suppress_accounts),
      OFF(remediation.nsuppress_accounts), 0, 0, NULL, "[]",
      "Failing findings in these account ids, of a suppress_severities label, are set SUPPRESSED "
      "by remediate --apply." },
    { "remediation.password_policy.minimum_length", K_INT,
      OFF(remediation.password_min_length), 0, 14, 128, NULL, "14",
      "IAM.7/IAM.10/IAM.15: the account password policy's MinimumPasswordLength is raised to this "
      "(a longer one is kept)." },
    { "remediation.password_policy.max_age_days", K_INT, OFF(remediation.password_max_age),
      0, 1, 90, NULL, "90",
      "IAM.7/IAM.10/IAM.17: passwords expire after at most this many days (a shorter MaxPasswordAge "
      "is kept)." },
    { "remediation.s3_encryption_kms_key", K_STR, OFF(remediation.s3_kms_key), 0, 0, 0, NULL, "",
      "S3.4: default encryption SSE-KMS with this key id or ARN (with an S3 Bucket Key); "
      "empty: SSE-S3 (AES256)." },
};

#define FIELD(c, k, T) ((T *)((char *)(c) + (k)->off))

/* ----------------------------------------------------------- defaults */

static char *xstrdup_or(const char *s)
{
    return s ? strdup(s) : NULL;
}

hw_config *hw_config_defaults(void)
{
    hw_config *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->db = xstrdup_or("./hubwarden.db");
    c->log_format = xstrdup_or("text");
    c->lock_timeout_s = 30;
    c->aws.max_attempts = 5;
    c->aws.connect_timeout_s = 10;
    c->aws.timeout_s = 60;
    c->aws.max_concurrency = 4;
    c->organization.mode = xstrdup_or("aggregator");
    c->organization.role_name = xstrdup_or("HubwardenAudit");
    c->scan.overlap_s = 300;
    c->scan.rate = 3.0;
    c->scan.burst = 6;
    c->scan.page_size = 100;
    c->scan.control_check_hours = 168;
    c->scan.products = calloc(2, sizeof(char *));
    if (c->scan.products) {
        c->scan.products[0] = xstrdup_or("securityhub");
        c->scan.products[1] = xstrdup_or("guardduty");
        c->scan.nproducts = 2;
    }
    c->report.max_age_hours = 36;
    c->remediation.default_mode = HW_REMEDY_OFF;
    c->remediation.role_name = xstrdup_or("HubwardenRemediation");
    c->remediation.exemption_tag = xstrdup_or("hubwarden:exempt");
    c->remediation.max_actions_per_run = 100;
    c->remediation.approval_hours = 72;
    c->playbooks.ip_block_days = 30;
    c->remediation.max_actions_per_account = 25;
    c->remediation.max_share = 0.2;
    c->remediation.max_parallel_accounts = 4;
    c->remediation.suppress_severities = calloc(2, sizeof(char *));
    if (c->remediation.suppress_severities) {
        c->remediation.suppress_severities[0] = xstrdup_or("LOW");
        c->remediation.suppress_severities[1] = xstrdup_or("INFORMATIONAL");
        c->remediation.nsuppress_severities = 2;
    }
    c->remediation.password_min_length = 14;
    c->remediation.password_max_age = 90;
    if (!c->remediation.role_name || !c->remediation.exemption_tag || !c->db || !c->log_format || !c->organization.mode ||
        !c->organization.role_name || !c->scan.products ||
        !c->scan.products[0] || !c->scan.products[1] || !c->remediation.suppress_severities ||
        !c->remediation.suppress_severities[0] || !c->remediation.suppress_severities[1]) {
        hw_config_free(c);
        return NULL;
    }
    return c;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void hw_config_free(hw_config *c)
{
    if (!c)
        return;
    free(c->path);
    for (size_t i = 0; i < HW_ARRAY_LEN(config_keys); i++) {
        const struct key *k = &config_keys[i];
        switch (k->type) {
        case K_STR:
        case K_ENUM:
            free(*FIELD(c, k, char *));
            break;
        case K_STRLIST:
            free_list(*FIELD(c, k, char **), *(size_t *)((char *)c + k->count_off));
            break;
        case K_ENDPOINTS: {
            hw_kv *kv = *FIELD(c, k, hw_kv *);
            size_t n = *(size_t *)((char *)c + k->count_off);
            for (size_t j = 0; j < n; j++) {
                free(kv[j].key);
                free(kv[j].value);
            }
            free(kv);
            break;
        }
        case K_REMEDY: {
            hw_remedy_rule *r = *FIELD(c, k, hw_remedy_rule *);
            size_t n = *(size_t *)((char *)c + k->count_off);
            for (size_t j = 0; j < n; j++)
                free(r[j].control);
            free(r);
            break;
        }
        default:
            break;
        }
    }
    free(c);
}

/* ------------------------------------------------------------- parsing */

static int parse_mode(const char *s)
{
    if (strcmp(s, "auto") == 0)
        return HW_REMEDY_AUTO;
    if (strcmp(s, "approval") == 0)
        return HW_REMEDY_APPROVAL;
    if (strcmp(s, "off") == 0)
        return HW_REMEDY_OFF;
    return -1;
}

static int choice_ok(const char *choices, const char *v)
{
    size_t vl = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == vl && strncmp(p, v, n) == 0)
            return 1;
        if (!bar)
            break;
        p = bar + 1;
    }
    return 0;
}

/* "a|b|c" -> "\"a\", \"b\" or \"c\"" for messages */
static void choices_text(const char *choices, char *out, size_t outsz)
{
    hw_buf b = HW_BUF_INIT(0);
    const char *p = choices;
    int first = 1;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (!first)
            hw_buf_puts(&b, bar ? ", " : " or ");
        hw_buf_printf(&b, "\"%.*s\"", (int)n, p);
        first = 0;
        if (!bar)
            break;
        p = bar + 1;
    }
    snprintf(out, outsz, "%s", hw_buf_str(&b));
    hw_buf_free(&b);
}

static const char *type_name(const cJSON *v)
{
    if (cJSON_IsString(v))
        return "a string";
    if (cJSON_IsNumber(v))
        return "a number";
    if (cJSON_IsBool(v))
        return "a boolean";
    if (cJSON_IsArray(v))
        return "an array";
    if (cJSON_IsObject(v))
        return "an object";
    if (cJSON_IsNull(v))
        return "null";
    return "an invalid value";
}

static int set_string(char **slot, const char *v, hw_err *e, const char *name,
                      const char *path)
{
    char *s = strdup(v);
    if (!s)
        return hw_err_set(e, HW_ENOMEM, "%s: %s: out of memory", name, path);
    free(*slot);
    *slot = s;
    return HW_OK;
}

static int load_strlist(hw_config *c, const struct key *k, const cJSON *v,
                        const char *name, hw_err *e)
{
    if (!cJSON_IsArray(v))
        return hw_err_set(e, HW_EINVAL, "%s: %s: expected an array of strings, got %s",
                          name, k->path, type_name(v));
    size_t n = (size_t)cJSON_GetArraySize(v);
    char **list = calloc(n ? n : 1, sizeof *list);
    if (!list)
        return hw_err_set(e, HW_ENOMEM, "%s: out of memory", name);
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v) {
        if (!cJSON_IsString(it) || !*it->valuestring) {
            free_list(list, i);
            return hw_err_set(e, HW_EINVAL, "%s: %s[%zu]: expected a non-empty string, got %s",
                              name, k->path, i, type_name(it));
        }
        list[i] = strdup(it->valuestring);
        if (!list[i]) {
            free_list(list, i);
            return hw_err_set(e, HW_ENOMEM, "%s: out of memory", name);
        }
        i++;
    }
    char ***slot = FIELD(c, k, char **);
    size_t *count = (size_t *)((char *)c + k->count_off);
    free_list(*slot, *count);
    *slot = list;
    *count = n;
    return HW_OK;
}

static int valid_control_id(const char *s)
{
    /* Service.N, e.g. "S3.8", "CloudTrail.1", "EC2.19" */
    const char *dot = strchr(s, '.');
    if (!dot || dot == s || !dot[1] || strlen(s) > 64)
        return 0;
    for (const char *p = s; p < dot; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9')))
            return 0;
    for (const char *p = dot + 1; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* The GuardDuty playbooks (src/remedy/playbook.c; controls/playbooks.xml). */
static int known_playbook(const char *s)
{
    static const char *const names[] = { "ec2-compromise", "iam-credential-exposure",
                                         "s3-exposure", "malicious-ip" };
    for (size_t i = 0; i < HW_ARRAY_LEN(names); i++)
        if (strcmp(names[i], s) == 0)
            return 1;
    return 0;
}

static int load_map(hw_config *c, const struct key *k, const cJSON *v,
                    const char *name, hw_err *e)
{
    if (!cJSON_IsObject(v))
        return hw_err_set(e, HW_EINVAL, "%s: %s: expected an object, got %s", name,
                          k->path, type_name(v));
    size_t n = (size_t)cJSON_GetArraySize(v), i = 0;
    size_t *count = (size_t *)((char *)c + k->count_off);
    const cJSON *it;
    if (k->type == K_ENDPOINTS) {
        hw_kv *kv = calloc(n ? n : 1, sizeof *kv);
        if (!kv)
            return hw_err_set(e, HW_ENOMEM, "%s: out of memory", name);
        cJSON_ArrayForEach(it, v) {
            if (!cJSON_IsString(it) || !(hw_starts_with(it->valuestring, "https://") ||
                                         hw_starts_with(it->valuestring, "http://"))) {
                for (size_t j = 0; j < i; j++) {
                    free(kv[j].key);
                    free(kv[j].value);
                }
                free(kv);
                return hw_err_set(e, HW_EINVAL, "%s: %s.%s: expected an http:// or https:// URL",
                                  name, k->path, it->string);
            }
            kv[i].key = strdup(it->string);
            kv[i].value = strdup(it->valuestring);
            i++;
        }
        *FIELD(c, k, hw_kv *) = kv;
        *count = n;
        return HW_OK;
    }
    hw_remedy_rule *r = calloc(n ? n : 1, sizeof *r);
    if (!r)
        return hw_err_set(e, HW_ENOMEM, "%s: out of memory", name);
    int rc = HW_OK;
    cJSON_ArrayForEach(it, v) {
        int mode = cJSON_IsString(it) ? parse_mode(it->valuestring) : -1;
        if (mode < 0) {
            rc = hw_err_set(e, HW_EINVAL,
                            "%s: %s.%s: expected \"auto\", \"approval\" or \"off\"",
                            name, k->path, it->string);
            break;
        }
        if (strcmp(k->path, "remediation.playbooks") == 0 ? !known_playbook(it->string)
                                                          : !valid_control_id(it->string)) {
            rc = hw_err_set(e, HW_EINVAL,
                            strcmp(k->path, "remediation.playbooks") == 0
                                ? "%s: %s.%s: not a playbook (ec2-compromise, "
                                  "iam-credential-exposure, s3-exposure, malicious-ip)"
                                : "%s: %s.%s: not a Security Hub control id (like \"S3.8\")",
                            name, k->path, it->string);
            break;
        }
        r[i].control = strdup(it->string);
        r[i].mode = mode;
        i++;
    }
    if (rc != HW_OK) {
        for (size_t j = 0; j < i; j++)
            free(r[j].control);
        free(r);
        return rc;
    }
    *FIELD(c, k, hw_remedy_rule *) = r;
    *count = n;
    return HW_OK;
}

static int load_leaf(hw_config *c, const struct key *k, const cJSON *v,
                     const char *name, hw_err *e)
{
    char buf[256];
    switch (k->type) {
    case K_STR:
        if (!cJSON_IsString(v))
            return hw_err_set(e, HW_EINVAL, "%s: %s: expected a string, got %s", name,
                              k->path, type_name(v));
        return set_string(FIELD(c, k, char *), v->valuestring, e, name, k->path);
    case K_ENUM:
        if (!cJSON_IsString(v) || !choice_ok(k->choices, v->valuestring)) {
            choices_text(k->choices, buf, sizeof buf);
            return hw_err_set(e, HW_EINVAL, "%s: %s: expected %s", name, k->path, buf);
        }
        return set_string(FIELD(c, k, char *), v->valuestring, e, name, k->path);
    case K_MODE: {
        int mode = cJSON_IsString(v) ? parse_mode(v->valuestring) : -1;
        if (mode < 0)
            return hw_err_set(e, HW_EINVAL, "%s: %s: expected \"auto\", \"approval\" or \"off\"",
                              name, k->path);
        *FIELD(c, k, int) = mode;
        return HW_OK;
    }
    case K_BOOL:
        if (!cJSON_IsBool(v))
            return hw_err_set(e, HW_EINVAL, "%s: %s: expected true or false, got %s", name,
                              k->path, type_name(v));
        *FIELD(c, k, int) = cJSON_IsTrue(v);
        return HW_OK;
    case K_INT:
        if (!cJSON_IsNumber(v) || v->valuedouble != floor(v->valuedouble) ||
            v->valuedouble < k->min || v->valuedouble > k->max)
            return hw_err_set(e, HW_EINVAL, "%s: %s: expected an integer from %g to %g", name,
                              k->path, k->min, k->max);
        *FIELD(c, k, int) = (int)v->valuedouble;
        return HW_OK;
    case K_NUM:
        if (!cJSON_IsNumber(v) || v->valuedouble < k->min || v->valuedouble > k->max)
            return hw_err_set(e, HW_EINVAL, "%s: %s: expected a number from %g to %g", name,
                              k->path, k->min, k->max);
        *FIELD(c, k, double) = v->valuedouble;
        return HW_OK;
    case K_STRLIST:
        return load_strlist(c, k, v, name, e);
    case K_ENDPOINTS:
    case K_REMEDY:
        return load_map(c, k, v, name, e);
    }
    return hw_err_set(e, HW_EINTERNAL, "config: unhandled key type");
}

/* True when some key lives below `prefix.` (so prefix is an object). */
static int is_section(const char *prefix)
{
    size_t n = strlen(prefix);
    for (size_t i = 0; i < HW_ARRAY_LEN(config_keys); i++)
        if (strncmp(config_keys[i].path, prefix, n) == 0 && config_keys[i].path[n] == '.')
            return 1;
    return 0;
}

/* The known key or section nearest to an unknown path (edit distance at
 * most a third of its length, and at least 1), or NULL. */
static const char *nearest_key(const char *path)
{
    static char best[128];
    size_t bestd = strlen(path) / 3 + 1;
    int found = 0;
    for (size_t i = 0; i < HW_ARRAY_LEN(config_keys); i++) {
        const char *k = config_keys[i].path;
        /* the key and each section above it */
        for (const char *dot = k;; dot++) {
            if (*dot != '.' && *dot != '\0')
                continue;
            char cand[128];
            snprintf(cand, sizeof cand, "%.*s", (int)(dot - k), k);
            size_t d = hw_edit_distance(path, cand);
            if (d < bestd) {
                bestd = d;
                snprintf(best, sizeof best, "%s", cand);
                found = 1;
            }
            if (!*dot)
                break;
        }
    }
    return found ? best : NULL;
}

static const struct key *find_key(const char *path)
{
    for (size_t i = 0; i < HW_ARRAY_LEN(config_keys); i++)
        if (strcmp(config_keys[i].path, path) == 0)
            return &config_keys[i];
    return NULL;
}

static int walk(hw_config *c, const cJSON *obj, const char *prefix,
                const char *name, hw_err *e)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, obj) {
        char path[256];
        if (*prefix)
            snprintf(path, sizeof path, "%s.%s", prefix, it->string);
        else
            snprintf(path, sizeof path, "%s", it->string);
        for (const cJSON *prev = obj->child; prev != it; prev = prev->next)
            if (strcmp(prev->string, it->string) == 0)
                return hw_err_set(e, HW_EINVAL, "%s: %s: key given twice", name, path);
        const struct key *k = find_key(path);
        int rc;
        if (k) {
            rc = load_leaf(c, k, it, name, e);
        } else if (is_section(path)) {
            if (!cJSON_IsObject(it))
                return hw_err_set(e, HW_EINVAL, "%s: %s: expected an object, got %s", name,
                                  path, type_name(it));
            rc = walk(c, it, path, name, e);
        } else {
            const char *near = nearest_key(path);
            if (near)
                return hw_err_set(e, HW_EINVAL, "%s: %s: unknown key (did you mean %s?)", name,
                                  path, near);
            return hw_err_set(e, HW_EINVAL, "%s: %s: unknown key", name, path);
        }
        if (rc != HW_OK)
            return rc;
    }
    return HW_OK;
}

/* ------------------------------------------------------- value checks */

/*
 * Values are checked when the file is loaded, not at first use: a region
 * with a control character would make a scan "see 0 findings" and exit 0,
 * a malformed account id would match nothing.  Every message names the key
 * path and shows the value with control characters escaped.
 */

/* v with bytes below 0x20 and 0x7f as \xNN, cut to fit out. */
static void shown(const char *v, char *out, size_t n)
{
    size_t o = 0;
    for (const unsigned char *p = (const unsigned char *)v; *p && o + 5 < n; p++) {
        if (*p < 0x20 || *p == 0x7f)
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", *p);
        else
            out[o++] = (char)*p;
    }
    out[o] = '\0';
}

static int has_control_char(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 1;
    return 0;
}

static int region_ok(const char *s)
{
    return hw_region_name_valid(s, strlen(s));
}

static int account_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n == 12;
}

static int severity_ok(const char *s)
{
    static const char *const labels[] = { "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL" };
    for (size_t i = 0; i < HW_ARRAY_LEN(labels); i++)
        if (strcmp(s, labels[i]) == 0)
            return 1;
    return 0;
}

/* http:// or https://, a host name, an IPv4 or a bracketed IPv6 address,
 * an optional port of 1 to 65535, an optional path; no spaces or control
 * characters anywhere. */
static int url_ok(const char *s)
{
    const char *p;
    if (hw_starts_with(s, "https://"))
        p = s + 8;
    else if (hw_starts_with(s, "http://"))
        p = s + 7;
    else
        return 0;
    const char *host = p;
    if (*p == '[') {
        p++;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
               *p == ':' || *p == '.')
            p++;
        if (*p != ']' || p == host + 1)
            return 0;
        p++;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '-' || *p == '.' || *p == '_')
            p++;
        if (p == host || *host == '.' || *host == '-')
            return 0;
    }
    if (*p == ':') {
        long port = 0;
        const char *d = ++p;
        while (*p >= '0' && *p <= '9' && port <= 65535)
            port = port * 10 + (*p++ - '0');
        if (p == d || port < 1 || port > 65535)
            return 0;
    }
    if (*p && *p != '/')
        return 0;
    for (; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f)
            return 0;
    return 1;
}

static int waf_arn_ok(const char *s)
{
    hw_wafv2_ipset w;
    return hw_wafv2_ipset_parse(s, &w);
}

static int check_list(char **l, size_t n, int (*ok)(const char *), const char *path,
                      const char *want, const char *name, hw_err *e)
{
    char v[160];
    for (size_t i = 0; i < n; i++)
        if (!ok(l[i])) {
            shown(l[i], v, sizeof v);
            return hw_err_set(e, HW_EINVAL, "%s: %s[%zu]: \"%s\" is not %s", name, path, i, v,
                              want);
        }
    return HW_OK;
}

/* "Key" or "Key=Value" as AWS allows tags: a key of 1 to 128 characters,
 * a value of at most 256. */
static int tag_ok(const char *s)
{
    const char *eq = strchr(s, '=');
    size_t k = eq ? (size_t)(eq - s) : strlen(s);
    return k >= 1 && k <= 128 && (!eq || strlen(eq + 1) <= 256);
}

static int check_values(const hw_config *c, const char *name, hw_err *e)
{
    char v[160];
    /* no string value holds a control character */
    for (size_t i = 0; i < HW_ARRAY_LEN(config_keys); i++) {
        const struct key *k = &config_keys[i];
        const char *sv = k->type == K_STR ? *FIELD(c, k, char *) : NULL;
        if (sv && has_control_char(sv)) {
            shown(sv, v, sizeof v);
            return hw_err_set(e, HW_EINVAL, "%s: %s: \"%s\" holds a control character", name,
                              k->path, v);
        }
    }
    const char *region = c->aws.region;
    if (region && !region_ok(region)) {
        shown(region, v, sizeof v);
        return hw_err_set(e, HW_EINVAL, "%s: aws.region: \"%s\" is not a region name (like "
                                        "\"us-east-1\")", name, v);
    }
    region = c->scan.aggregator_region;
    if (region && *region && !region_ok(region)) {
        shown(region, v, sizeof v);
        return hw_err_set(e, HW_EINVAL, "%s: scan.aggregator_region: \"%s\" is not a region name "
                                        "(like \"us-east-1\")", name, v);
    }
    const char *acct = c->scan.aggregator_account;
    if (acct && *acct && !account_ok(acct)) {
        shown(acct, v, sizeof v);
        return hw_err_set(e, HW_EINVAL, "%s: scan.aggregator_account: \"%s\" is not an account id "
                                        "(12 digits)", name, v);
    }
    if (c->aws.endpoint_url && !url_ok(c->aws.endpoint_url)) {
        shown(c->aws.endpoint_url, v, sizeof v);
        return hw_err_set(e, HW_EINVAL, "%s: aws.endpoint_url: \"%s\" is not an http:// or "
                                        "https:// URL", name, v);
    }
    for (size_t i = 0; i < c->aws.nendpoints; i++)
        if (!url_ok(c->aws.endpoints[i].value)) {
            shown(c->aws.endpoints[i].value, v, sizeof v);
            return hw_err_set(e, HW_EINVAL, "%s: aws.endpoints.%s: \"%s\" is not an http:// or "
                                            "https:// URL", name, c->aws.endpoints[i].key, v);
        }
    int rc;
    if ((rc = check_list(c->organization.regions, c->organization.nregions, region_ok,
                         "organization.regions", "a region name (like \"us-east-1\")", name, e)) ||
        (rc = check_list(c->organization.include_accounts, c->organization.ninclude_accounts,
                         account_ok, "organization.include_accounts", "an account id (12 digits)",
                         name, e)) ||
        (rc = check_list(c->organization.exclude_accounts, c->organization.nexclude_accounts,
                         account_ok, "organization.exclude_accounts", "an account id (12 digits)",
                         name, e)) ||
        (rc = check_list(c->remediation.include_tags, c->remediation.ninclude_tags, tag_ok,
                         "remediation.include_tags",
                         "a tag, \"Key\" or \"Key=Value\" (key 1 to 128 characters, value at most "
                         "256)",
                         name, e)) ||
        (rc = check_list(c->remediation.exclude_tags, c->remediation.nexclude_tags, tag_ok,
                         "remediation.exclude_tags",
                         "a tag, \"Key\" or \"Key=Value\" (key 1 to 128 characters, value at most "
                         "256)",
                         name, e)) ||
        (rc = check_list(c->remediation.suppress_accounts, c->remediation.nsuppress_accounts,
                         account_ok, "remediation.suppress_accounts", "an account id (12 digits)",
                         name, e)) ||
        (rc = check_list(c->playbooks.waf_ip_sets, c->playbooks.nwaf_ip_sets, waf_arn_ok,
                         "playbooks.waf_ip_sets",
                         "a WAFv2 IP set ARN (arn:aws:wafv2:REGION:ACCOUNT:regional/ipset/NAME/ID)",
                         name, e)) ||
        (rc = check_list(c->remediation.suppress_severities,
                         c->remediation.nsuppress_severities, severity_ok,
                         "remediation.suppress_severities",
                         "a severity label (CRITICAL, HIGH, MEDIUM, LOW or INFORMATIONAL)", name,
                         e)))
        return rc;
    return HW_OK;
}

int hw_config_check_controls(const hw_config *c, int (*known)(void *arg, const char *id),
                             void *arg, const char *where, hw_err *e)
{
    for (size_t i = 0; i < c->remediation.nsuppress_controls; i++)
        if (!known(arg, c->remediation.suppress_controls[i]))
            return hw_err_set(e, HW_EINVAL,
                              "%s: remediation.suppress_controls: \"%s\" is not a control of the "
                              "catalogue in %s",
                              c->path ? c->path : "configuration",
                              c->remediation.suppress_controls[i], where);
    for (size_t i = 0; i < c->remediation.nrules; i++)
        if (!known(arg, c->remediation.rules[i].control))
            return hw_err_set(e, HW_EINVAL,
                              "%s: remediation.controls.%s: not a control of the catalogue in %s",
                              c->path ? c->path : "configuration", c->remediation.rules[i].control,
                              where);
    return HW_OK;
}

static int line_of(const char *text, const char *at)
{
    int line = 1;
    for (const char *p = text; p < at && *p; p++)
        if (*p == '\n')
            line++;
    return line;
}

int hw_config_parse(const char *name, const char *text, size_t len,
                    hw_config **out, hw_err *e)
{
    *out = NULL;
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!doc) {
        const char *at = end ? end : cJSON_GetErrorPtr();
        return hw_err_set(e, HW_EINVAL, "%s: line %d: not valid JSON", name,
                          at ? line_of(text, at) : 1);
    }
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        return hw_err_set(e, HW_EINVAL, "%s: expected a JSON object at the top", name);
    }
    hw_config *c = hw_config_defaults();
    if (!c) {
        cJSON_Delete(doc);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    int rc = walk(c, doc, "", name, e);
    if (rc == HW_OK)
        rc = check_values(c, name, e);
    cJSON_Delete(doc);
    if (rc != HW_OK) {
        hw_config_free(c);
        return rc;
    }
    if (strcmp(c->organization.mode, "assume-role") == 0 && c->organization.nregions == 0 &&
        !c->aws.region) {
        hw_config_free(c);
        return hw_err_set(e, HW_EINVAL,
                          "%s: organization.regions: required in assume-role mode when aws.region is not set",
                          name);
    }
    c->path = strdup(name);
    *out = c;
    return HW_OK;
}

int hw_config_load(const char *path, hw_config **out, hw_err *e)
{
    *out = NULL;
    if (!path) {
        const char *env = getenv("HUBWARDEN_CONFIG");
        if (env && *env)
            path = env;
        else if (hw_file_exists("/etc/hubwarden/hubwarden.json"))
            path = "/etc/hubwarden/hubwarden.json";
    }
    if (!path) {
        *out = hw_config_defaults();
        return *out ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    hw_buf b = HW_BUF_INIT(0);
    int rc = hw_file_read(path, (size_t)4 << 20, &b, e);
    if (rc != HW_OK) {
        hw_buf_free(&b);
        e->kind = HW_EINVAL;
        return hw_err_prefix(e, "configuration");
    }
    rc = hw_config_parse(path, hw_buf_str(&b), b.len, out, e);
    hw_buf_free(&b);
    return rc;
}

int hw_config_playbook_mode(const hw_config *c, const char *playbook)
{
    for (size_t i = 0; i < c->remediation.nplaybooks; i++)
        if (strcmp(c->remediation.playbooks[i].control, playbook) == 0)
            return c->remediation.playbooks[i].mode;
    return HW_REMEDY_APPROVAL;
}

int hw_config_remedy_mode(const hw_config *c, const char *control)
{
    for (size_t i = 0; i < c->remediation.nrules; i++)
        if (strcmp(c->remediation.rules[i].control, control) == 0)
            return c->remediation.rules[i].mode;
    return c->remediation.default_mode;
}

static const char *type_doc(const struct key *k)
{
    switch (k->type) {
    case K_STR:
        return "string";
    case K_BOOL:
        return "boolean";
    case K_INT:
        return "integer";
    case K_NUM:
        return "number";
    case K_ENUM:
        return "string";
    case K_STRLIST:
        return "array of strings";
    case K_ENDPOINTS:
        return "object of strings";
    case K_REMEDY:
        return "object of strings";
    case K_MODE:
        return "string";
    }
    return "?";
}

void hw_config_print_reference(FILE *f)
{
    for (size_t i = 0; i < HW_ARRAY_LEN(config_keys); i++) {
        const struct key *k = &config_keys[i];
        fprintf(f, "%s\t%s\t%s\t%s\n", k->path, type_doc(k), k->def, k->help);
    }
}

int hw_config_reference(size_t i, const char **path, const char **type, const char **def,
                        const char **help)
{
    if (i >= HW_ARRAY_LEN(config_keys))
        return 0;
    const struct key *k = &config_keys[i];
    *path = k->path;
    *type = type_doc(k);
    *def = k->def;
    *help = k->help;
    return 1;
}
