/*
 * finding.c - reads one ASFF finding as hostile input and decides whether
 * it can be trusted.
 *
 * Only the fields hubwarden indexes are extracted; the finding's bytes are
 * kept whole by the store.  Every field read is type-checked; a missing or
 * mistyped required field, invalid UTF-8 or an identifier longer than
 * HW_FINDING_MAX_ID rejects the finding with a reason naming the field.
 */
#include "scan/scan.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hw_finding_init(hw_finding *f)
{
    memset(f, 0, sizeof *f);
    hw_buf_init(&f->resources, 64 * 1024);
}

void hw_finding_free(hw_finding *f)
{
    hw_buf_free(&f->resources);
}

int hw_orgset_contains(const hw_orgset *org, const char *account)
{
    if (!org || !org->known || !account)
        return 0;
    size_t lo = 0, hi = org->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(org->ids[mid], account);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

/* A string member, or NULL when absent; *bad set when present but wrong. */
static const char *str_member(const cJSON *o, const char *name, int *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    if (!v)
        return NULL;
    if (!cJSON_IsString(v)) {
        *bad = 1;
        return NULL;
    }
    return v->valuestring;
}

static int need_str(const cJSON *o, const char *name, size_t max, const char **out,
                    hw_err *e)
{
    int bad = 0;
    const char *s = str_member(o, name, &bad);
    if (bad)
        return hw_err_set(e, HW_EINVAL, "%s: expected a string", name);
    if (!s || !*s)
        return hw_err_set(e, HW_EINVAL, "%s: missing", name);
    if (max && strlen(s) > max)
        return hw_err_set(e, HW_EINVAL, "%s: longer than %zu characters", name, max);
    *out = s;
    return HW_OK;
}

static int opt_str(const cJSON *o, const char *name, const char *path, const char **out,
                   hw_err *e)
{
    int bad = 0;
    const char *s = str_member(o, name, &bad);
    if (bad)
        return hw_err_set(e, HW_EINVAL, "%s: expected a string", path);
    *out = s ? s : "";
    return HW_OK;
}

static int valid_account(const char *s)
{
    if (strlen(s) != 12)
        return 0;
    for (const char *p = s; *p; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

static int valid_control_id(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    if (!dot || dot == s || (size_t)(dot - s) + 1 >= n || n >= 64)
        return 0;
    for (const char *p = s; p < dot; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')))
            return 0;
    for (const char *p = dot + 1; p < s + n; p++)
        if (*p < '0' || *p > '9')
            return 0;
    return 1;
}

/* Splits "arn:partition:service:region:account:resource"; returns 0 when s
 * is not an ARN.  Fields are copied into the caller's buffers. */
static int arn_field(const char *arn, int idx, char *out, size_t outsz)
{
    if (strncmp(arn, "arn:", 4) != 0)
        return 0;
    const char *p = arn;
    for (int i = 0; i < idx; i++) {
        p = strchr(p, ':');
        if (!p)
            return 0;
        p++;
    }
    const char *end = idx < 5 ? strchr(p, ':') : p + strlen(p);
    if (!end)
        return 0;
    size_t n = (size_t)(end - p);
    if (n >= outsz)
        n = outsz - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

/* product/aws/securityhub -> SECURITYHUB etc.; fills product_name. */
static void classify_product(hw_finding *f)
{
    char service[32] = "", account[16] = "", resource[256] = "";
    f->product = HW_PRODUCT_OTHER;
    snprintf(f->product_name, sizeof f->product_name, "unknown");
    if (!arn_field(f->product_arn, 2, service, sizeof service) ||
        !arn_field(f->product_arn, 4, account, sizeof account) ||
        !arn_field(f->product_arn, 5, resource, sizeof resource) ||
        strcmp(service, "securityhub") != 0 || strncmp(resource, "product/", 8) != 0)
        return;
    const char *cp = resource + 8; /* company/product */
    snprintf(f->product_name, sizeof f->product_name, "%s", cp);
    if (account[0] != '\0' || strncmp(cp, "aws/", 4) != 0)
        return;
    if (strcmp(cp + 4, "securityhub") == 0) {
        f->product = HW_PRODUCT_SECURITYHUB;
        snprintf(f->product_name, sizeof f->product_name, "securityhub");
    } else if (strcmp(cp + 4, "guardduty") == 0) {
        f->product = HW_PRODUCT_GUARDDUTY;
        snprintf(f->product_name, sizeof f->product_name, "guardduty");
    } else {
        snprintf(f->product_name, sizeof f->product_name, "%s", cp + 4);
    }
}

static void set_untrusted(hw_finding *f, const char *fmt, const char *a, const char *b)
{
    if (!f->trusted)
        return; /* keep the first reason */
    f->trusted = 0;
    snprintf(f->untrusted_reason, sizeof f->untrusted_reason, fmt, a, b);
}

/* Appends a JSON string literal of s (escaping as needed). */
static int json_str(hw_buf *b, const char *s)
{
    int rc = hw_buf_putc(b, '"');
    for (; *s && rc == 0; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            rc = hw_buf_putc(b, '\\') | hw_buf_putc(b, (char)c);
        else if (c < 0x20)
            rc = hw_buf_printf(b, "\\u%04x", c);
        else
            rc = hw_buf_putc(b, (char)c);
    }
    return rc | hw_buf_putc(b, '"');
}

static int read_resources(const cJSON *o, hw_finding *f, hw_err *e)
{
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "Resources");
    if (!res)
        return hw_err_set(e, HW_EINVAL, "Resources: missing");
    if (!cJSON_IsArray(res) || cJSON_GetArraySize(res) < 1)
        return hw_err_set(e, HW_EINVAL, "Resources: expected a non-empty array");
    hw_buf_reset(&f->resources);
    hw_buf_putc(&f->resources, '[');
    int i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, res) {
        const char *id, *type;
        char path[48];
        snprintf(path, sizeof path, "Resources[%d].Id", i);
        if (!cJSON_IsObject(r))
            return hw_err_set(e, HW_EINVAL, "Resources[%d]: expected an object", i);
        if (need_str(r, "Id", HW_FINDING_MAX_ID, &id, e) != HW_OK)
            return hw_err_prefix(e, "Resources[%d]", i);
        if (opt_str(r, "Type", "Resources[].Type", &type, e) != HW_OK)
            return e->kind;
        if (i == 0)
            snprintf(f->resource_type, sizeof f->resource_type, "%s", type);
        if ((i && hw_buf_putc(&f->resources, ',') < 0) || json_str(&f->resources, id) < 0)
            return hw_err_set(e, HW_EINVAL, "Resources: too many resources");
        char acct[32];
        if (arn_field(id, 4, acct, sizeof acct) && acct[0] &&
            strcmp(acct, f->account_id) != 0)
            set_untrusted(f, "resource %s belongs to account %s, not the finding's", id, acct);
        i++;
    }
    if (hw_buf_putc(&f->resources, ']') < 0)
        return hw_err_set(e, HW_EINVAL, "Resources: too many resources");
    return HW_OK;
}

static int read_timestamps(const cJSON *o, hw_finding *f, hw_err *e)
{
    if (need_str(o, "CreatedAt", 64, &f->created_at, e) != HW_OK ||
        need_str(o, "UpdatedAt", 64, &f->updated_at, e) != HW_OK)
        return e->kind;
    if (hw_time_parse(f->created_at, &f->created_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "CreatedAt: not an ISO 8601 timestamp");
    if (hw_time_parse(f->updated_at, &f->updated_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "UpdatedAt: not an ISO 8601 timestamp");
    if (opt_str(o, "FirstObservedAt", "FirstObservedAt", &f->first_observed, e) != HW_OK ||
        opt_str(o, "LastObservedAt", "LastObservedAt", &f->last_observed, e) != HW_OK)
        return e->kind;
    f->first_epoch = f->created_epoch;
    f->last_epoch = f->updated_epoch;
    if (*f->first_observed && hw_time_parse(f->first_observed, &f->first_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "FirstObservedAt: not an ISO 8601 timestamp");
    if (*f->last_observed && hw_time_parse(f->last_observed, &f->last_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "LastObservedAt: not an ISO 8601 timestamp");
    if (!*f->first_observed)
        f->first_observed = f->created_at;
    if (!*f->last_observed)
        f->last_observed = f->updated_at;
    return HW_OK;
}

static int read_status(const cJSON *o, hw_finding *f, hw_err *e)
{
    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(o, "Severity");
    if (!cJSON_IsObject(sev))
        return hw_err_set(e, HW_EINVAL, "Severity: %s", sev ? "expected an object" : "missing");
    if (opt_str(sev, "Label", "Severity.Label", &f->severity, e) != HW_OK)
        return e->kind;
    if (!*f->severity) {
        /* older findings: Normalized 0-100 only */
        const cJSON *norm = cJSON_GetObjectItemCaseSensitive(sev, "Normalized");
        if (!cJSON_IsNumber(norm))
            return hw_err_set(e, HW_EINVAL, "Severity: neither Label nor Normalized");
        double v = norm->valuedouble;
        f->severity = v >= 90 ? "CRITICAL" : v >= 70 ? "HIGH" : v >= 40 ? "MEDIUM" : v >= 1 ? "LOW"
                                                                                   : "INFORMATIONAL";
    }
    static const char *const labels[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL" };
    int known = 0;
    for (size_t i = 0; i < HW_ARRAY_LEN(labels); i++)
        known |= strcmp(f->severity, labels[i]) == 0;
    if (!known)
        return hw_err_set(e, HW_EINVAL, "Severity.Label: unknown value");

    f->compliance_status = "";
    const cJSON *comp = cJSON_GetObjectItemCaseSensitive(o, "Compliance");
    if (comp && !cJSON_IsObject(comp))
        return hw_err_set(e, HW_EINVAL, "Compliance: expected an object");
    const char *scid = "";
    f->related_requirements = f->associated_standards = NULL;
    if (comp) {
        if (opt_str(comp, "Status", "Compliance.Status", &f->compliance_status, e) != HW_OK ||
            opt_str(comp, "SecurityControlId", "Compliance.SecurityControlId", &scid, e) != HW_OK)
            return e->kind;
        const cJSON *rr = cJSON_GetObjectItemCaseSensitive(comp, "RelatedRequirements");
        const cJSON *as = cJSON_GetObjectItemCaseSensitive(comp, "AssociatedStandards");
        if (rr && !cJSON_IsArray(rr))
            return hw_err_set(e, HW_EINVAL, "Compliance.RelatedRequirements: expected an array");
        if (as && !cJSON_IsArray(as))
            return hw_err_set(e, HW_EINVAL, "Compliance.AssociatedStandards: expected an array");
        f->related_requirements = rr;
        f->associated_standards = as;
    }
    f->workflow_status = "";
    const cJSON *wf = cJSON_GetObjectItemCaseSensitive(o, "Workflow");
    if (wf && !cJSON_IsObject(wf))
        return hw_err_set(e, HW_EINVAL, "Workflow: expected an object");
    if (wf && opt_str(wf, "Status", "Workflow.Status", &f->workflow_status, e) != HW_OK)
        return e->kind;
    if (opt_str(o, "RecordState", "RecordState", &f->record_state, e) != HW_OK)
        return e->kind;
    if (!*f->record_state)
        f->record_state = "ACTIVE";
    if (strcmp(f->record_state, "ACTIVE") != 0 && strcmp(f->record_state, "ARCHIVED") != 0)
        return hw_err_set(e, HW_EINVAL, "RecordState: expected ACTIVE or ARCHIVED");

    /* the control: Compliance.SecurityControlId, else the generator */
    f->control_id[0] = '\0';
    const char *gen_ctl = hw_starts_with(f->generator_id, "security-control/")
                              ? f->generator_id + strlen("security-control/")
                              : "";
    if (*scid && valid_control_id(scid, strlen(scid)))
        snprintf(f->control_id, sizeof f->control_id, "%s", scid);
    else if (*gen_ctl && valid_control_id(gen_ctl, strlen(gen_ctl)))
        snprintf(f->control_id, sizeof f->control_id, "%s", gen_ctl);
    if (*scid && *gen_ctl && strcmp(scid, gen_ctl) != 0)
        set_untrusted(f, "Compliance.SecurityControlId %s disagrees with GeneratorId %s", scid,
                      f->generator_id);
    return HW_OK;
}

int hw_finding_parse(const void *obj, const char *raw, size_t rawlen,
                     const hw_orgset *org, hw_finding *f, hw_err *e)
{
    const cJSON *o = obj;
    if (raw && !hw_utf8_valid(raw, rawlen))
        return hw_err_set(e, HW_EINVAL, "invalid UTF-8");
    if (!cJSON_IsObject(o))
        return hw_err_set(e, HW_EINVAL, "a finding must be a JSON object");
    if (need_str(o, "Id", HW_FINDING_MAX_ID, &f->id, e) != HW_OK ||
        need_str(o, "ProductArn", HW_FINDING_MAX_ID, &f->product_arn, e) != HW_OK ||
        need_str(o, "GeneratorId", HW_FINDING_MAX_ID, &f->generator_id, e) != HW_OK ||
        need_str(o, "AwsAccountId", 12, &f->account_id, e) != HW_OK ||
        need_str(o, "Title", 4096, &f->title, e) != HW_OK)
        return e->kind;
    if (!valid_account(f->account_id))
        return hw_err_set(e, HW_EINVAL, "AwsAccountId: expected 12 digits");
    if (opt_str(o, "Region", "Region", &f->region, e) != HW_OK)
        return e->kind;
    if (!*f->region && arn_field(f->product_arn, 3, f->region_buf, sizeof f->region_buf))
        f->region = f->region_buf; /* older findings carry it in the ARN only */
    if (strlen(f->region) > 32)
        return hw_err_set(e, HW_EINVAL, "Region: longer than 32 characters");
    f->trusted = 1;
    f->untrusted_reason[0] = '\0';
    if (read_timestamps(o, f, e) != HW_OK || read_status(o, f, e) != HW_OK ||
        read_resources(o, f, e) != HW_OK)
        return e->kind;
    classify_product(f);
    if (f->product == HW_PRODUCT_OTHER)
        set_untrusted(f, "product %s is not Security Hub or GuardDuty%s", f->product_arn, "");
    else if (f->product == HW_PRODUCT_SECURITYHUB &&
             !hw_starts_with(f->generator_id, "security-control/"))
        set_untrusted(f, "generator %s is not a Security Hub control%s", f->generator_id, "");
    if (!hw_orgset_contains(org, f->account_id))
        set_untrusted(f, "account %s is not in the Organization%s", f->account_id,
                      org && org->known ? "" : " (Organization not known yet)");
    return HW_OK;
}
