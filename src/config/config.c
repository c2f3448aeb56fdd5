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
    { "report.key_file", K_STR, OFF(report.key_file), 0, 0, 0, NULL, "",
      "PEM private key that signs reports (RSA >= 2048 or EC P-256); refused when group or others "
      "may read it. hubwarden keygen makes a development key." },
    { "report.cert_file", K_STR, OFF(report.cert_file), 0, 0, 0, NULL, "",
      "PEM certificate of report.key_file (further certificates in it count as chain)." },
    { "report.chain_file", K_STR, OFF(report.chain_file), 0, 0, 0, NULL, "",
      "PEM intermediate certificates put into every signature's KeyInfo and CMS." },
    { "report.max_age_hours", K_INT, OFF(report.max_age_hours), 0, 1, 8760, NULL, "36",
      "A report from a scan older than this is refused unless --allow-stale." },
    { "remediation.default", K_MODE, OFF(remediation.default_mode), 0, 0, 0, NULL, "off",
      "Mode of controls without a rule: auto, approval or off." },
    { "remediation.controls", K_REMEDY, OFF(remediation.rules), OFF(remediation.nrules), 0, 0, NULL,
      "{}", "Per control id: \"auto\", \"approval\" or \"off\"." },
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
    if (!c->db || !c->log_format || !c->organization.mode ||
        !c->organization.role_name || !c->scan.products ||
        !c->scan.products[0] || !c->scan.products[1]) {
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
        if (!valid_control_id(it->string)) {
            rc = hw_err_set(e, HW_EINVAL,
                            "%s: %s.%s: not a Security Hub control id (like \"S3.8\")",
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
            return hw_err_set(e, HW_EINVAL, "%s: %s: unknown key", name, path);
        }
        if (rc != HW_OK)
            return rc;
    }
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
