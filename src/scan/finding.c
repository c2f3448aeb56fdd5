/*
 * finding.c - reads one ASFF finding as hostile input and decides whether
 * it can be trusted.
 *
 * One pass over the finding's bytes (jsonlex.c) validates all of them and
 * extracts only the fields hubwarden indexes; the bytes themselves are
 * kept whole by the store.  Every field read is type-checked; a missing,
 * mistyped or repeated field, a NUL inside one, invalid JSON or UTF-8, or
 * an identifier longer than HW_FINDING_MAX_ID rejects the finding with a
 * reason naming the field or the byte.  A repeated field is refused
 * because two readers of the same finding (this one keeps the first,
 * others the last) must never see two different accounts or states.
 */
#include "scan/scan.h"

#include "scan/jsonlex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ------------------------------------------------------------ extraction */

/* What one extracted member held. */
enum { SLOT_ABSENT = 0, SLOT_STR, SLOT_OBJ, SLOT_ARR, SLOT_NUM, SLOT_OTHER };

typedef struct slot {
    const char *s; /* decoded string (SLOT_STR) or number token copy (SLOT_NUM) */
    size_t n;
    int kind;
} slot;

enum top_key {
    K_ID, K_PRODUCT_ARN, K_GENERATOR_ID, K_ACCOUNT, K_TITLE, K_REGION, K_CREATED, K_UPDATED,
    K_FIRST_OBSERVED, K_LAST_OBSERVED, K_RECORD_STATE, K_SEVERITY, K_COMPLIANCE, K_WORKFLOW,
    K_RESOURCES, K_NTOP,
    /* nested */
    K_SEV_LABEL = K_NTOP, K_SEV_NORMALIZED, K_COMP_STATUS, K_COMP_CONTROL, K_COMP_RELATED,
    K_COMP_STANDARDS, K_WF_STATUS, K_RES_ID, K_RES_TYPE, K_NSLOTS
};

static const char *const slot_names[K_NSLOTS] = {
    "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Title", "Region", "CreatedAt",
    "UpdatedAt", "FirstObservedAt", "LastObservedAt", "RecordState", "Severity", "Compliance",
    "Workflow", "Resources", "Severity.Label", "Severity.Normalized", "Compliance.Status",
    "Compliance.SecurityControlId", "Compliance.RelatedRequirements",
    "Compliance.AssociatedStandards", "Workflow.Status", "Resources[].Id", "Resources[].Type",
};

typedef struct res_slot {
    slot id, type;
    int is_object;
} res_slot;

struct hw_finding_scratch {
    hw_buf strs; /* decoded strings; reserved once per finding so pointers stay put */
    char *out;   /* next free byte of strs */
    slot slots[K_NSLOTS];
    res_slot *res;
    size_t nres, res_cap;
    struct strlist {
        const char **v;
        size_t n, cap;
    } related, standards; /* Compliance.RelatedRequirements, .AssociatedStandards[].StandardsId */
    char refused[96]; /* the first reason to refuse found while lexing */
    int response; /* a top-level "Findings" array was met */
    /* the last ProductArn classified, to skip the work for the next */
    char last_arn[256];
    int last_product;
    char last_product_name[64];
};

void hw_finding_init(hw_finding *f)
{
    memset(f, 0, sizeof *f);
    hw_buf_init(&f->resources, 64 * 1024);
    f->x = calloc(1, sizeof *f->x);
    if (f->x)
        hw_buf_init(&f->x->strs, 0);
}

void hw_finding_free(hw_finding *f)
{
    hw_buf_free(&f->resources);
    if (f->x) {
        hw_buf_free(&f->x->strs);
        free(f->x->res);
        free((void *)f->x->related.v);
        free((void *)f->x->standards.v);
        free(f->x);
    }
    f->x = NULL;
}

/* Top-level members of interest, by name. */
static int top_key(const char *k, size_t n)
{
    switch (n) {
    case 2: return memcmp(k, "Id", 2) == 0 ? K_ID : -1;
    case 5: return memcmp(k, "Title", 5) == 0 ? K_TITLE : -1;
    case 6: return memcmp(k, "Region", 6) == 0 ? K_REGION : -1;
    case 8: return memcmp(k, "Severity", 8) == 0 ? K_SEVERITY
                 : memcmp(k, "Workflow", 8) == 0 ? K_WORKFLOW : -1;
    case 9: return memcmp(k, "CreatedAt", 9) == 0 ? K_CREATED
                 : memcmp(k, "UpdatedAt", 9) == 0 ? K_UPDATED
                 : memcmp(k, "Resources", 9) == 0 ? K_RESOURCES : -1;
    case 10: return memcmp(k, "ProductArn", 10) == 0 ? K_PRODUCT_ARN
                  : memcmp(k, "Compliance", 10) == 0 ? K_COMPLIANCE : -1;
    case 11: return memcmp(k, "GeneratorId", 11) == 0 ? K_GENERATOR_ID
                  : memcmp(k, "RecordState", 11) == 0 ? K_RECORD_STATE : -1;
    case 12: return memcmp(k, "AwsAccountId", 12) == 0 ? K_ACCOUNT : -1;
    case 14: return memcmp(k, "LastObservedAt", 14) == 0 ? K_LAST_OBSERVED : -1;
    case 15: return memcmp(k, "FirstObservedAt", 15) == 0 ? K_FIRST_OBSERVED : -1;
    default: return -1;
    }
}

/* Remembers the first reason to refuse the finding met while lexing; it is
 * reported once the whole finding has been validated. */
static void refuse(struct hw_finding_scratch *x, int idx, const char *why)
{
    if (!x->refused[0])
        snprintf(x->refused, sizeof x->refused, "%s: %s", slot_names[idx], why);
}

/* A member met a second time: refused (two readers of one finding, one
 * keeping the first and one the last, must never disagree), skipped. */
static int repeated(hw_jlex *L, struct hw_finding_scratch *x, int idx)
{
    refuse(x, idx, "given more than once");
    return hw_jlex_skip(L);
}

/* A string value kept in the scratch buffer; other values are validated
 * and remembered only by kind. */
static int read_value(hw_jlex *L, struct hw_finding_scratch *x, slot *sl, int idx)
{
    if (sl->kind != SLOT_ABSENT)
        return repeated(L, x, idx);
    if (L->p < L->end && *L->p == '"') {
        size_t n;
        int fl = 0;
        char *out = x->out;
        /* the scratch holds every decoded string: it was reserved as large
         * as the finding, which no decoding can outgrow */
        if (hw_jlex_string(L, out, x->strs.cap - (size_t)(out - x->strs.data) - 1, &n, &fl) < 0)
            return -1;
        if (fl & HW_JSTR_NUL)
            refuse(x, idx, "contains a NUL character");
        sl->kind = SLOT_STR;
        sl->s = out;
        sl->n = n;
        x->out = out + n + 1;
        return 0;
    }
    if (L->p < L->end && (*L->p == '-' || (*L->p >= '0' && *L->p <= '9'))) {
        const char *tok;
        size_t n;
        if (hw_jlex_number(L, &tok, &n) < 0)
            return -1;
        sl->kind = SLOT_NUM;
        sl->s = x->out; /* a copy, NUL-terminated, for strtod */
        memcpy(x->out, tok, n);
        x->out[n] = '\0';
        sl->n = n;
        x->out += n + 1;
        return 0;
    }
    sl->kind = L->p < L->end && *L->p == '{' ? SLOT_OBJ : L->p < L->end && *L->p == '[' ? SLOT_ARR
                                                                                       : SLOT_OTHER;
    return hw_jlex_skip(L);
}

static int is(const char *key, size_t n, const char *name)
{
    return strlen(name) == n && memcmp(key, name, n) == 0;
}

static int severity_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    if (is(key, n, "Label"))
        return read_value(L, x, &x->slots[K_SEV_LABEL], K_SEV_LABEL);
    if (is(key, n, "Normalized"))
        return read_value(L, x, &x->slots[K_SEV_NORMALIZED], K_SEV_NORMALIZED);
    return hw_jlex_skip(L);
}

static int workflow_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    if (is(key, n, "Status"))
        return read_value(L, x, &x->slots[K_WF_STATUS], K_WF_STATUS);
    return hw_jlex_skip(L);
}

static int list_add(struct strlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        const char **v = realloc((void *)l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

/* RelatedRequirements: strings are kept, anything else is skipped. */
static int related_element(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    (void)key, (void)n;
    struct hw_finding_scratch *x = f->x;
    if (L->p < L->end && *L->p == '"') {
        slot s = { 0 };
        if (read_value(L, x, &s, K_COMP_RELATED) < 0)
            return -1;
        if (list_add(&x->related, s.s) < 0)
            return hw_jlex_fail(L, "out of memory");
        return 0;
    }
    return hw_jlex_skip(L);
}

static int standard_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    if (is(key, n, "StandardsId") && L->p < L->end && *L->p == '"') {
        slot s = { 0 };
        if (read_value(L, x, &s, K_COMP_STANDARDS) < 0)
            return -1;
        if (list_add(&x->standards, s.s) < 0)
            return hw_jlex_fail(L, "out of memory");
        return 0;
    }
    return hw_jlex_skip(L);
}

static int standard_element(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    (void)key, (void)n;
    if (L->p < L->end && *L->p == '{')
        return hw_jlex_container(L, standard_member, f);
    return hw_jlex_skip(L);
}

static int compliance_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    int idx = is(key, n, "Status")              ? K_COMP_STATUS
              : is(key, n, "SecurityControlId")   ? K_COMP_CONTROL
              : is(key, n, "RelatedRequirements") ? K_COMP_RELATED
              : is(key, n, "AssociatedStandards") ? K_COMP_STANDARDS
                                                  : -1;
    if (idx < 0)
        return hw_jlex_skip(L);
    slot *sl = &x->slots[idx];
    if ((idx == K_COMP_RELATED || idx == K_COMP_STANDARDS) && L->p < L->end && *L->p == '[') {
        if (sl->kind != SLOT_ABSENT)
            return repeated(L, x, idx);
        sl->kind = SLOT_ARR;
        return hw_jlex_container(L, idx == K_COMP_RELATED ? related_element : standard_element, f);
    }
    return read_value(L, x, sl, idx);
}

static int resource_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    res_slot *r = &x->res[x->nres - 1];
    if (is(key, n, "Id"))
        return read_value(L, x, &r->id, K_RES_ID);
    if (is(key, n, "Type"))
        return read_value(L, x, &r->type, K_RES_TYPE);
    return hw_jlex_skip(L);
}

static int resource_element(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    (void)key, (void)n;
    struct hw_finding_scratch *x = f->x;
    if (x->nres == x->res_cap) {
        size_t cap = x->res_cap ? x->res_cap * 2 : 16;
        res_slot *r = realloc(x->res, cap * sizeof *r);
        if (!r)
            return hw_jlex_fail(L, "out of memory");
        x->res = r;
        x->res_cap = cap;
    }
    res_slot *r = &x->res[x->nres++];
    memset(r, 0, sizeof *r);
    if (L->p < L->end && *L->p == '{') {
        r->is_object = 1;
        return hw_jlex_container(L, resource_member, f);
    }
    return hw_jlex_skip(L);
}

/* A member of a top-level "detail" object: a "findings" array there
 * makes the object an EventBridge event (the reader frames those too). */
static int detail_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    if (n == 8 && memcmp(key, "findings", 8) == 0 && L->p < L->end && *L->p == '[') {
        f->x->response = 1;
        return hw_jlex_fail(L, "an event");
    }
    return hw_jlex_skip(L);
}

static int top_member(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    int k = top_key(key, n);
    if (k < 0) {
        if (n == 8 && memcmp(key, "Findings", 8) == 0 && L->p < L->end && *L->p == '[') {
            /* a GetFindings response (the reader frames those) */
            x->response = 1;
            return hw_jlex_fail(L, "a response");
        }
        if (n == 6 && memcmp(key, "detail", 6) == 0 && L->p < L->end && *L->p == '{')
            return hw_jlex_container(L, detail_member, f); /* an EventBridge event? */
        return hw_jlex_skip(L);
    }
    slot *sl = &x->slots[k];
    int open = L->p < L->end ? *L->p : 0;
    hw_jlex_item_cb mcb = k == K_SEVERITY ? severity_member : k == K_COMPLIANCE ? compliance_member
                  : k == K_WORKFLOW ? workflow_member : NULL;
    if ((mcb && open == '{') || (k == K_RESOURCES && open == '[')) {
        if (sl->kind != SLOT_ABSENT)
            return repeated(L, x, k);
        sl->kind = open == '{' ? SLOT_OBJ : SLOT_ARR;
        return hw_jlex_container(L, mcb ? mcb : resource_element, f);
    }
    return read_value(L, x, sl, k);
}

/* ---------------------------------------------------------------- checks */

/* A required string: present, a string, not empty, at most max bytes. */
static int need_str(const slot *sl, const char *name, size_t max, const char **out, hw_err *e)
{
    if (sl->kind != SLOT_ABSENT && sl->kind != SLOT_STR)
        return hw_err_set(e, HW_EINVAL, "%s: expected a string", name);
    if (sl->kind == SLOT_ABSENT || sl->n == 0)
        return hw_err_set(e, HW_EINVAL, "%s: missing", name);
    if (max && sl->n > max)
        return hw_err_set(e, HW_EINVAL, "%s: longer than %zu characters", name, max);
    *out = sl->s;
    return HW_OK;
}

/* An optional string: "" when absent. */
static int opt_str(const slot *sl, const char *name, const char **out, hw_err *e)
{
    if (sl->kind != SLOT_ABSENT && sl->kind != SLOT_STR)
        return hw_err_set(e, HW_EINVAL, "%s: expected a string", name);
    *out = sl->kind == SLOT_STR ? sl->s : "";
    return HW_OK;
}

/* Appends a JSON string literal of s (escaping as needed). */
static int json_str(hw_buf *b, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && (unsigned char)s[i] >= 0x20 && s[i] != '"' && s[i] != '\\')
        i++;
    if (i == n) /* nothing to escape: one copy */
        return hw_buf_putc(b, '"') | hw_buf_append(b, s, n) | hw_buf_putc(b, '"');
    int rc = hw_buf_putc(b, '"');
    for (i = 0; i < n && rc == 0; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            rc = hw_buf_putc(b, '\\') | hw_buf_putc(b, (char)c);
        else if (c < 0x20)
            rc = hw_buf_printf(b, "\\u%04x", c);
        else
            rc = hw_buf_putc(b, (char)c);
    }
    return rc | hw_buf_putc(b, '"');
}

static int check_resources(hw_finding *f, hw_err *e)
{
    struct hw_finding_scratch *x = f->x;
    const slot *sl = &x->slots[K_RESOURCES];
    if (sl->kind == SLOT_ABSENT)
        return hw_err_set(e, HW_EINVAL, "Resources: missing");
    if (sl->kind != SLOT_ARR || x->nres < 1)
        return hw_err_set(e, HW_EINVAL, "Resources: expected a non-empty array");
    hw_buf_reset(&f->resources);
    hw_buf_putc(&f->resources, '[');
    for (size_t i = 0; i < x->nres; i++) {
        const res_slot *r = &x->res[i];
        const char *id = "", *type = "";
        if (!r->is_object)
            return hw_err_set(e, HW_EINVAL, "Resources[%zu]: expected an object", i);
        if (need_str(&r->id, "Id", HW_FINDING_MAX_ID, &id, e) != HW_OK)
            return hw_err_prefix(e, "Resources[%zu]", i);
        if (opt_str(&r->type, "Resources[].Type", &type, e) != HW_OK)
            return e->kind;
        if (i == 0) {
            size_t tn = r->type.kind == SLOT_STR ? r->type.n : 0;
            if (tn >= sizeof f->resource_type)
                tn = sizeof f->resource_type - 1;
            memcpy(f->resource_type, type, tn);
            f->resource_type[tn] = '\0';
        }
        if ((i && hw_buf_putc(&f->resources, ',') < 0) || json_str(&f->resources, id, r->id.n) < 0)
            return hw_err_set(e, HW_EINVAL, "Resources: too many resources");
        char acct[32];
        if (arn_field(id, 4, acct, sizeof acct) && acct[0] && strcmp(acct, f->account_id) != 0)
            set_untrusted(f, "resource %s belongs to account %s, not the finding's", id, acct);
    }
    if (hw_buf_putc(&f->resources, ']') < 0)
        return hw_err_set(e, HW_EINVAL, "Resources: too many resources");
    return HW_OK;
}

static int check_timestamps(hw_finding *f, hw_err *e)
{
    const slot *s = f->x->slots;
    if (need_str(&s[K_CREATED], "CreatedAt", 64, &f->created_at, e) != HW_OK ||
        need_str(&s[K_UPDATED], "UpdatedAt", 64, &f->updated_at, e) != HW_OK)
        return e->kind;
    if (hw_time_parse(f->created_at, &f->created_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "CreatedAt: not an ISO 8601 timestamp");
    if (hw_time_parse(f->updated_at, &f->updated_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "UpdatedAt: not an ISO 8601 timestamp");
    if (opt_str(&s[K_FIRST_OBSERVED], "FirstObservedAt", &f->first_observed, e) != HW_OK ||
        opt_str(&s[K_LAST_OBSERVED], "LastObservedAt", &f->last_observed, e) != HW_OK)
        return e->kind;
    if (strlen(f->first_observed) > 64 || strlen(f->last_observed) > 64)
        return hw_err_set(e, HW_EINVAL, "%s: longer than 64 characters",
                          strlen(f->first_observed) > 64 ? "FirstObservedAt" : "LastObservedAt");
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

static int check_status(hw_finding *f, hw_err *e)
{
    const slot *s = f->x->slots;
    if (s[K_SEVERITY].kind != SLOT_OBJ)
        return hw_err_set(e, HW_EINVAL, "Severity: %s",
                          s[K_SEVERITY].kind == SLOT_ABSENT ? "missing" : "expected an object");
    if (opt_str(&s[K_SEV_LABEL], "Severity.Label", &f->severity, e) != HW_OK)
        return e->kind;
    if (!*f->severity) {
        /* older findings: Normalized 0-100 only */
        if (s[K_SEV_NORMALIZED].kind != SLOT_NUM)
            return hw_err_set(e, HW_EINVAL, "Severity: neither Label nor Normalized");
        double v = strtod(s[K_SEV_NORMALIZED].s, NULL);
        f->severity = v >= 90 ? "CRITICAL" : v >= 70 ? "HIGH" : v >= 40 ? "MEDIUM" : v >= 1 ? "LOW"
                                                                                   : "INFORMATIONAL";
    }
    static const char *const labels[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL" };
    int known = 0;
    for (size_t i = 0; i < HW_ARRAY_LEN(labels) && !known; i++)
        known = strcmp(f->severity, labels[i]) == 0;
    if (!known)
        return hw_err_set(e, HW_EINVAL, "Severity.Label: unknown value");

    const char *scid = "";
    f->compliance_status = "";
    if (s[K_COMPLIANCE].kind != SLOT_ABSENT && s[K_COMPLIANCE].kind != SLOT_OBJ)
        return hw_err_set(e, HW_EINVAL, "Compliance: expected an object");
    if (opt_str(&s[K_COMP_STATUS], "Compliance.Status", &f->compliance_status, e) != HW_OK ||
        opt_str(&s[K_COMP_CONTROL], "Compliance.SecurityControlId", &scid, e) != HW_OK)
        return e->kind;
    if (s[K_COMP_RELATED].kind != SLOT_ABSENT && s[K_COMP_RELATED].kind != SLOT_ARR)
        return hw_err_set(e, HW_EINVAL, "Compliance.RelatedRequirements: expected an array");
    if (s[K_COMP_STANDARDS].kind != SLOT_ABSENT && s[K_COMP_STANDARDS].kind != SLOT_ARR)
        return hw_err_set(e, HW_EINVAL, "Compliance.AssociatedStandards: expected an array");
    if (strlen(f->compliance_status) > 32)
        return hw_err_set(e, HW_EINVAL, "Compliance.Status: longer than 32 characters");

    f->workflow_status = "";
    if (s[K_WORKFLOW].kind != SLOT_ABSENT && s[K_WORKFLOW].kind != SLOT_OBJ)
        return hw_err_set(e, HW_EINVAL, "Workflow: expected an object");
    if (opt_str(&s[K_WF_STATUS], "Workflow.Status", &f->workflow_status, e) != HW_OK)
        return e->kind;
    if (strlen(f->workflow_status) > 32)
        return hw_err_set(e, HW_EINVAL, "Workflow.Status: longer than 32 characters");
    if (opt_str(&s[K_RECORD_STATE], "RecordState", &f->record_state, e) != HW_OK)
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
    size_t sn = strlen(scid), gn = strlen(gen_ctl);
    if (sn && valid_control_id(scid, sn))
        memcpy(f->control_id, scid, sn + 1);
    else if (gn && valid_control_id(gen_ctl, gn))
        memcpy(f->control_id, gen_ctl, gn + 1);
    if (sn && gn && strcmp(scid, gen_ctl) != 0)
        set_untrusted(f, "Compliance.SecurityControlId %s disagrees with GeneratorId %s", scid,
                      f->generator_id);
    return HW_OK;
}

/* classify_product() with the last answer remembered: a run's findings
 * come from a handful of products. */
static void product_of(hw_finding *f)
{
    struct hw_finding_scratch *x = f->x;
    if (strcmp(f->product_arn, x->last_arn) == 0) {
        f->product = x->last_product;
        memcpy(f->product_name, x->last_product_name, sizeof f->product_name);
        return;
    }
    classify_product(f);
    if (strlen(f->product_arn) < sizeof x->last_arn) {
        strcpy(x->last_arn, f->product_arn);
        x->last_product = f->product;
        memcpy(x->last_product_name, f->product_name, sizeof f->product_name);
    }
}

/*
 * Lexes the object at the start of bytes and extracts its fields.  Returns
 * 0 with *used the object's length, or an error with the reason in e and *take
 * saying what a reader should do: HW_TAKE_MORE (the bytes end inside the
 * object), else HW_TAKE_FRAME.
 */
static int lex_finding(const char *bytes, size_t len, hw_finding *f, size_t *used, int *take,
                       hw_err *e)
{
    struct hw_finding_scratch *x = f->x;
    *take = HW_TAKE_FRAME;
    if (!x)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    /* every decoded string fits in as many bytes as the finding has (a
     * string's quotes make room for its NUL); reserved once, so that the
     * pointers into it stay valid */
    hw_buf_reset(&x->strs);
    if (hw_buf_reserve(&x->strs, len + 1) < 0)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    x->out = x->strs.data;
    memset(x->slots, 0, sizeof x->slots);
    x->nres = x->related.n = x->standards.n = 0;
    x->refused[0] = '\0';
    x->response = 0;

    hw_jlex L;
    hw_jlex_init(&L, bytes, len);
    hw_jlex_ws(&L);
    if (L.p >= L.end || *L.p != '{')
        return hw_err_set(e, HW_EINVAL, "a finding must be a JSON object");
    if (hw_jlex_container(&L, top_member, f) < 0) {
        if (x->response)
            return hw_err_set(e, HW_EINVAL, "a GetFindings response or an event, not a finding");
        if (L.p >= L.end)
            *take = HW_TAKE_MORE;
        return hw_err_set(e, HW_EINVAL, "%s", L.err);
    }
    *used = (size_t)(L.p - L.base);
    return 0;
}

/* The checks and the trust decision, after lex_finding(). */
static int check_finding(hw_finding *f, const hw_orgset *org, hw_err *e)
{
    struct hw_finding_scratch *x = f->x;
    if (x->refused[0])
        return hw_err_set(e, HW_EINVAL, "%s", x->refused);

    const slot *s = x->slots;
    if (need_str(&s[K_ID], "Id", HW_FINDING_MAX_ID, &f->id, e) != HW_OK ||
        need_str(&s[K_PRODUCT_ARN], "ProductArn", HW_FINDING_MAX_ID, &f->product_arn, e) != HW_OK ||
        need_str(&s[K_GENERATOR_ID], "GeneratorId", HW_FINDING_MAX_ID, &f->generator_id, e) != HW_OK ||
        need_str(&s[K_ACCOUNT], "AwsAccountId", 12, &f->account_id, e) != HW_OK ||
        need_str(&s[K_TITLE], "Title", 4096, &f->title, e) != HW_OK)
        return e->kind;
    if (!valid_account(f->account_id))
        return hw_err_set(e, HW_EINVAL, "AwsAccountId: expected 12 digits");
    if (opt_str(&s[K_REGION], "Region", &f->region, e) != HW_OK)
        return e->kind;
    if (!*f->region && arn_field(f->product_arn, 3, f->region_buf, sizeof f->region_buf))
        f->region = f->region_buf; /* older findings carry it in the ARN only */
    if (strlen(f->region) > 32)
        return hw_err_set(e, HW_EINVAL, "Region: longer than 32 characters");
    f->trusted = 1;
    f->untrusted_reason[0] = '\0';
    if (check_timestamps(f, e) != HW_OK || check_status(f, e) != HW_OK ||
        check_resources(f, e) != HW_OK)
        return e->kind;
    f->related = x->related.v;
    f->nrelated = x->related.n;
    f->standards = x->standards.v;
    f->nstandards = x->standards.n;
    product_of(f);
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

int hw_finding_parse(const char *bytes, size_t len, const hw_orgset *org, hw_finding *f,
                     hw_err *e)
{
    size_t used = 0;
    int take;
    if (lex_finding(bytes, len, f, &used, &take, e) != 0)
        return e->kind;
    hw_jlex L;
    hw_jlex_init(&L, bytes + used, len - used);
    hw_jlex_ws(&L);
    if (L.p != L.end) {
        L.base = (const unsigned char *)bytes;
        hw_jlex_fail(&L, "not valid JSON: more after the finding");
        return hw_err_set(e, HW_EINVAL, "%s", L.err);
    }
    return check_finding(f, org, e);
}

int hw_finding_take(const char *bytes, size_t avail, const hw_orgset *org, hw_finding *f,
                    size_t *used, hw_err *e)
{
    int take;
    if (lex_finding(bytes, avail, f, used, &take, e) != 0)
        return take;
    return check_finding(f, org, e) == HW_OK ? HW_TAKE_OK : HW_TAKE_REJECTED;
}
