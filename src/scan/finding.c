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
 *
 * Findings without consolidated control fields name the standard's own
 * control id instead (GeneratorId, ProductFields.StandardsControlArn,
 * ControlId, RuleId); the catalogue given in hw_finding.catalog turns it
 * into a control (resolve_control()).  A Region that is no region name is
 * refused; an ARN that does not parse is never read for a region, an
 * account or a product, and makes the finding untrusted.
 */
#include "scan/finding.h"

#include "scan/jsonlex.h"
#include "catalog/catalog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hw_orgset_contains(const hw_orgset *org, const char *account)
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

/* The fields of "arn:partition:service:region:account:resource". */
typedef struct arn {
    const char *service, *region, *account, *resource;
    size_t nservice, nregion, naccount;
} arn;

static int arn_word(const char *p, const char *end)
{
    if (p == end)
        return 0;
    for (; p < end; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return 0;
    return 1;
}

/* Parses s as an ARN: a partition and a service (lower case, digits,
 * dashes), a region that is empty or a region name, an account that is
 * empty, 12 digits or "aws", a resource that is not empty.  Returns 0 when
 * s is not such an ARN ("arn:aws::securityhub:us-east-1::product/..." is
 * not: its service is empty). */
static int arn_parse(const char *s, arn *a)
{
    if (strncmp(s, "arn:", 4) != 0)
        return 0;
    const char *f[5];
    const char *p = s + 4;
    f[0] = p;
    for (int i = 1; i < 5; i++) {
        p = strchr(p, ':');
        if (!p)
            return 0;
        f[i] = ++p;
    }
    a->service = f[1];
    a->nservice = (size_t)(f[2] - f[1] - 1);
    a->region = f[2];
    a->nregion = (size_t)(f[3] - f[2] - 1);
    a->account = f[3];
    a->naccount = (size_t)(f[4] - f[3] - 1);
    a->resource = f[4];
    if (!arn_word(f[0], f[1] - 1) || !arn_word(a->service, a->service + a->nservice) ||
        !*a->resource || (a->nregion && !hw_region_name_valid(a->region, a->nregion)))
        return 0;
    if (a->naccount == 0 || (a->naccount == 3 && memcmp(a->account, "aws", 3) == 0))
        return 1;
    if (a->naccount != 12)
        return 0;
    for (size_t i = 0; i < 12; i++)
        if (a->account[i] < '0' || a->account[i] > '9')
            return 0;
    return 1;
}

static int arn_is(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(s, word, n) == 0;
}

/* product/aws/securityhub -> SECURITYHUB etc.; fills product_name.  A
 * ProductArn that does not parse is no product ("unknown"): returns 0. */
static int classify_product(hw_finding *f)
{
    arn a;
    f->product = HW_PRODUCT_OTHER;
    snprintf(f->product_name, sizeof f->product_name, "unknown");
    if (!arn_parse(f->product_arn, &a))
        return 0;
    if (!arn_is(a.service, a.nservice, "securityhub") || strncmp(a.resource, "product/", 8) != 0)
        return 1;
    const char *cp = a.resource + 8; /* company/product */
    snprintf(f->product_name, sizeof f->product_name, "%s", cp);
    hw_utf8_trim(f->product_name);
    if (a.naccount != 0 || strncmp(cp, "aws/", 4) != 0)
        return 1;
    if (strcmp(cp + 4, "securityhub") == 0) {
        f->product = HW_PRODUCT_SECURITYHUB;
        snprintf(f->product_name, sizeof f->product_name, "securityhub");
    } else if (strcmp(cp + 4, "guardduty") == 0) {
        f->product = HW_PRODUCT_GUARDDUTY;
        snprintf(f->product_name, sizeof f->product_name, "guardduty");
    } else {
        snprintf(f->product_name, sizeof f->product_name, "%s", cp + 4);
    }
    hw_utf8_trim(f->product_name); /* never half a character */
    return 1;
}

static void set_untrusted(hw_finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Marks the finding untrusted; the first reason given is kept. */
static void set_untrusted(hw_finding *f, const char *fmt, ...)
{
    if (!f->trusted)
        return;
    f->trusted = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->untrusted_reason, sizeof f->untrusted_reason, fmt, ap);
    va_end(ap);
    hw_utf8_trim(f->untrusted_reason); /* never half a character */
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
    K_RESOURCES, K_WORKFLOW_STATE, K_PRODUCT_FIELDS, K_NTOP,
    /* nested */
    K_SEV_LABEL = K_NTOP, K_SEV_NORMALIZED, K_COMP_STATUS, K_COMP_CONTROL, K_COMP_RELATED,
    K_COMP_STANDARDS, K_WF_STATUS, K_RES_ID, K_RES_TYPE, K_PF_CONTROL_ID, K_PF_RULE_ID,
    K_PF_STANDARDS_CONTROL_ARN, K_PF_STANDARDS_ARN, K_PF_STANDARDS_GUIDE_ARN, K_NSLOTS
};

static const char *const slot_names[K_NSLOTS] = {
    "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Title", "Region", "CreatedAt",
    "UpdatedAt", "FirstObservedAt", "LastObservedAt", "RecordState", "Severity", "Compliance",
    "Workflow", "Resources", "WorkflowState", "ProductFields", "Severity.Label",
    "Severity.Normalized", "Compliance.Status", "Compliance.SecurityControlId",
    "Compliance.RelatedRequirements", "Compliance.AssociatedStandards", "Workflow.Status",
    "Resources[].Id", "Resources[].Type", "ProductFields.ControlId", "ProductFields.RuleId",
    "ProductFields.StandardsControlArn", "ProductFields.StandardsArn",
    "ProductFields.StandardsGuideArn",
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
    int ctl_ok;       /* the control is Security Hub's own naming (resolve_control) */
    char ctl_why[224]; /* else why not, when the finding names a standard control */
    int response; /* a top-level "Findings" array was met */
    /* the last ProductArn classified, to skip the work for the next */
    char last_arn[256];
    int last_product;
    char last_product_name[64];
    int last_arn_ok;
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
    case 13: return memcmp(k, "WorkflowState", 13) == 0 ? K_WORKFLOW_STATE
                  : memcmp(k, "ProductFields", 13) == 0 ? K_PRODUCT_FIELDS : -1;
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

/* ProductFields: the standard's control, as older findings name it. */
static int product_field(hw_jlex *L, void *arg, const char *key, size_t n)
{
    hw_finding *f = arg;
    struct hw_finding_scratch *x = f->x;
    int idx = n == 6 && memcmp(key, "RuleId", 6) == 0          ? K_PF_RULE_ID
              : n == 9 && memcmp(key, "ControlId", 9) == 0     ? K_PF_CONTROL_ID
              : n == 12 && memcmp(key, "StandardsArn", 12) == 0 ? K_PF_STANDARDS_ARN
              : n == 17 && memcmp(key, "StandardsGuideArn", 17) == 0 ? K_PF_STANDARDS_GUIDE_ARN
              : n == 19 && memcmp(key, "StandardsControlArn", 19) == 0 ? K_PF_STANDARDS_CONTROL_ARN
                                                                       : -1;
    if (idx < 0)
        return hw_jlex_skip(L);
    return read_value(L, x, &x->slots[idx], idx);
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
                  : k == K_WORKFLOW ? workflow_member : k == K_PRODUCT_FIELDS ? product_field : NULL;
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
        arn a;
        if (strncmp(id, "arn:", 4) == 0 && !arn_parse(id, &a))
            set_untrusted(f, "Resources[%zu].Id: not an ARN", i);
        else if (strncmp(id, "arn:", 4) == 0 && a.naccount &&
                 (a.naccount != 12 || memcmp(a.account, f->account_id, 12) != 0))
            set_untrusted(f, "resource %s belongs to account %.*s, not the finding's", id,
                          (int)a.naccount, a.account);
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
    if (hw_time_parse_ms(f->created_at, &f->created_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "CreatedAt: not an ISO 8601 timestamp");
    if (hw_time_parse_ms(f->updated_at, &f->updated_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "UpdatedAt: not an ISO 8601 timestamp");
    if (opt_str(&s[K_FIRST_OBSERVED], "FirstObservedAt", &f->first_observed, e) != HW_OK ||
        opt_str(&s[K_LAST_OBSERVED], "LastObservedAt", &f->last_observed, e) != HW_OK)
        return e->kind;
    if (strlen(f->first_observed) > 64 || strlen(f->last_observed) > 64)
        return hw_err_set(e, HW_EINVAL, "%s: longer than 64 characters",
                          strlen(f->first_observed) > 64 ? "FirstObservedAt" : "LastObservedAt");
    f->first_epoch = f->created_epoch;
    f->last_epoch = f->updated_epoch;
    if (*f->first_observed && hw_time_parse_ms(f->first_observed, &f->first_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "FirstObservedAt: not an ISO 8601 timestamp");
    if (*f->last_observed && hw_time_parse_ms(f->last_observed, &f->last_epoch) < 0)
        return hw_err_set(e, HW_EINVAL, "LastObservedAt: not an ISO 8601 timestamp");
    if (!*f->first_observed)
        f->first_observed = f->created_at;
    if (!*f->last_observed)
        f->last_observed = f->updated_at;
    return HW_OK;
}

/* ------------------------------------------------------------- controls */

/* A standard's control as a finding names it: the standard's path
 * ("cis-aws-foundations-benchmark/v/1.2.0") and the id in it ("1.3"). */
typedef struct stdref {
    const char *path, *id;
    size_t npath, nid;
} stdref;

/* "NAME/v/VERSION" at s (n bytes). */
static int std_path(const char *s, size_t n)
{
    const char *v = n > 3 ? memmem(s, n, "/v/", 3) : NULL;
    if (!v || v == s || (size_t)(v - s) + 3 >= n)
        return 0;
    for (const char *p = v + 3; p < s + n; p++)
        if (!((*p >= '0' && *p <= '9') || *p == '.'))
            return 0;
    return 1;
}

/* "NAME/v/VERSION/ID", or with "rule/" before the ID (the CIS 1.2.0
 * ruleset's generator). */
static int std_ref(const char *s, stdref *r)
{
    size_t n = strlen(s);
    const char *v = n > 3 ? memmem(s, n, "/v/", 3) : NULL;
    const char *slash = v ? memchr(v + 3, '/', (size_t)(s + n - v - 3)) : NULL;
    if (!slash || !std_path(s, (size_t)(slash - s)))
        return 0;
    const char *id = slash + 1;
    if (strncmp(id, "rule/", 5) == 0)
        id += 5;
    size_t nid = strlen(id);
    if (!nid || nid >= 64 || strchr(id, '/'))
        return 0;
    r->path = s;
    r->npath = (size_t)(slash - s);
    r->id = id;
    r->nid = nid;
    return 1;
}

/* The standard control in GeneratorId: "arn:PARTITION:securityhub:::
 * ruleset/NAME/v/VERSION/rule/ID" or "NAME/v/VERSION/ID". */
static int generator_ref(const char *g, stdref *r)
{
    arn a;
    if (strncmp(g, "arn:", 4) != 0)
        return std_ref(g, r);
    return arn_parse(g, &a) && arn_is(a.service, a.nservice, "securityhub") &&
           strncmp(a.resource, "ruleset/", 8) == 0 && std_ref(a.resource + 8, r);
}

static int same_ref(const stdref *a, const stdref *b)
{
    return a->npath == b->npath && a->nid == b->nid && memcmp(a->path, b->path, a->npath) == 0 &&
           memcmp(a->id, b->id, a->nid) == 0;
}

/* The ProductFields that name a standard's control ("" when absent). */
typedef struct pfields {
    const char *ctl_arn, *ctl_id, *rule_id, *std_arn, *guide_arn;
} pfields;

static int read_pfields(const hw_finding *f, pfields *p, hw_err *e)
{
    const slot *s = f->x->slots;
    if (s[K_PRODUCT_FIELDS].kind != SLOT_ABSENT && s[K_PRODUCT_FIELDS].kind != SLOT_OBJ)
        return hw_err_set(e, HW_EINVAL, "ProductFields: expected an object");
    if (opt_str(&s[K_PF_STANDARDS_CONTROL_ARN], "ProductFields.StandardsControlArn", &p->ctl_arn, e) ||
        opt_str(&s[K_PF_CONTROL_ID], "ProductFields.ControlId", &p->ctl_id, e) ||
        opt_str(&s[K_PF_RULE_ID], "ProductFields.RuleId", &p->rule_id, e) ||
        opt_str(&s[K_PF_STANDARDS_ARN], "ProductFields.StandardsArn", &p->std_arn, e) ||
        opt_str(&s[K_PF_STANDARDS_GUIDE_ARN], "ProductFields.StandardsGuideArn", &p->guide_arn, e))
        return e->kind;
    return HW_OK;
}

/* The standard control a finding names, from GeneratorId, else
 * ProductFields.StandardsControlArn, else ProductFields.ControlId or RuleId
 * in the standard of ProductFields.StandardsArn or StandardsGuideArn.  Every
 * source present must agree with the first; a disagreement, or a
 * StandardsControlArn of another account, makes the finding untrusted.
 * Returns 1 with *r, 0 when the finding names none. */
static int standard_ref(hw_finding *f, const pfields *p, stdref *r)
{
    const char *ctl_arn = p->ctl_arn, *ctl_id = p->ctl_id, *rule_id = p->rule_id,
               *std_arn = p->std_arn, *guide_arn = p->guide_arn;
    int have = generator_ref(f->generator_id, r);
    const char *first = "GeneratorId";
    if (*ctl_arn) {
        arn a;
        stdref c;
        if (!arn_parse(ctl_arn, &a) || !arn_is(a.service, a.nservice, "securityhub") ||
            strncmp(a.resource, "control/", 8) != 0 || !std_ref(a.resource + 8, &c))
            set_untrusted(f, "ProductFields.StandardsControlArn: not a standard control's ARN");
        else if (a.naccount != 12 || memcmp(a.account, f->account_id, 12) != 0)
            set_untrusted(f, "ProductFields.StandardsControlArn belongs to account %.*s, not the finding's",
                          (int)a.naccount, a.account);
        else if (!have) {
            *r = c;
            have = 1;
            first = "ProductFields.StandardsControlArn";
        } else if (!same_ref(r, &c))
            set_untrusted(f, "ProductFields.StandardsControlArn %s disagrees with %s", ctl_arn, first);
    }
    /* the standard of ControlId/RuleId, when ProductFields name it */
    const char *std = NULL;
    size_t nstd = 0;
    const char *arns[2] = { std_arn, guide_arn }, *kinds[2] = { "standards/", "ruleset/" };
    for (int i = 0; i < 2 && !std; i++) {
        arn a;
        size_t k = strlen(kinds[i]);
        if (*arns[i] && arn_parse(arns[i], &a) && strncmp(a.resource, kinds[i], k) == 0 &&
            std_path(a.resource + k, strlen(a.resource + k))) {
            std = a.resource + k;
            nstd = strlen(std);
        }
    }
    const char *ids[2] = { ctl_id, rule_id }, *names[2] = { "ControlId", "RuleId" };
    for (int i = 0; i < 2; i++) {
        size_t nid = strlen(ids[i]);
        if (!nid)
            continue;
        if (!have && std && nid < 64) {
            *r = (stdref){ std, ids[i], nstd, nid };
            have = 1;
            first = names[i];
        } else if (have && (nid != r->nid || memcmp(ids[i], r->id, nid) != 0 ||
                            (std && (nstd != r->npath || memcmp(std, r->path, nstd) != 0))))
            set_untrusted(f, "ProductFields.%s %s disagrees with %s", names[i], ids[i], first);
    }
    return have;
}

/*
 * The finding's control.  Consolidated findings name it (Compliance.
 * SecurityControlId, GeneratorId security-control/ID); older ones name
 * the standard's control, which the catalogue turns into a control.  When
 * the finding names both, they must agree.  x->ctl_ok says whether the
 * control came from Security Hub's own naming (then a Security Hub finding
 * may be trusted); x->ctl_why why not.
 */
static int resolve_control(hw_finding *f, const char *scid, hw_err *e)
{
    struct hw_finding_scratch *x = f->x;
    f->control_id[0] = '\0';
    f->standard = NULL;
    f->standard_control_id[0] = '\0';
    pfields pf = { "", "", "", "", "" };
    if (read_pfields(f, &pf, e) != HW_OK)
        return e->kind;
    size_t sn = strlen(scid);
    if (sn && valid_control_id(scid, sn))
        memcpy(f->control_id, scid, sn + 1);
    if (hw_starts_with(f->generator_id, "security-control/")) {
        const char *gen_ctl = f->generator_id + strlen("security-control/");
        size_t gn = strlen(gen_ctl);
        if (!f->control_id[0] && gn && valid_control_id(gen_ctl, gn))
            memcpy(f->control_id, gen_ctl, gn + 1);
        if (sn && strcmp(scid, gen_ctl) != 0)
            set_untrusted(f, "Compliance.SecurityControlId %s disagrees with GeneratorId %s", scid,
                          f->generator_id);
        x->ctl_ok = f->control_id[0] != '\0';
        return HW_OK;
    }
    stdref r;
    if (!standard_ref(f, &pf, &r))
        return HW_OK; /* ctl_why: the generator names no control */
    const hw_standard *std = hw_catalog_standard(f->catalog, r.path, r.npath);
    const hw_control *c[4];
    size_t n = hw_standard_controls(f->catalog, std, r.id, r.nid, c, 4);
    const hw_control *pick = n == 1 ? c[0] : NULL;
    for (size_t i = 0; i < n && i < 4 && n > 1; i++)
        if (strcmp(c[i]->id, scid) == 0)
            pick = c[i]; /* the finding's own SecurityControlId tells them apart */
    if (!f->catalog)
        snprintf(x->ctl_why, sizeof x->ctl_why,
                 "standard control %.*s %.*s: no catalogue to resolve it", (int)r.npath, r.path,
                 (int)r.nid, r.id);
    else if (!std)
        snprintf(x->ctl_why, sizeof x->ctl_why, "standard %.*s is not in controls/", (int)r.npath,
                 r.path);
    else if (n == 0)
        snprintf(x->ctl_why, sizeof x->ctl_why, "standard %.*s has no control %.*s in controls/",
                 (int)r.npath, r.path, (int)r.nid, r.id);
    else if (!pick)
        snprintf(x->ctl_why, sizeof x->ctl_why,
                 "standard control %.*s %.*s is control %s or %s and the finding does not say which",
                 (int)r.npath, r.path, (int)r.nid, r.id, c[0]->id, c[1]->id);
    if (!pick)
        return HW_OK;
    if (sn && strcmp(scid, pick->id) != 0) {
        set_untrusted(f, "Compliance.SecurityControlId %s disagrees with GeneratorId %s (control %s)",
                      scid, f->generator_id, pick->id);
        return HW_OK;
    }
    snprintf(f->control_id, sizeof f->control_id, "%s", pick->id);
    f->standard = std;
    memcpy(f->standard_control_id, r.id, r.nid);
    f->standard_control_id[r.nid] = '\0';
    x->ctl_ok = 1;
    return HW_OK;
}

/*
 * WorkflowState (2019 findings, before Workflow.Status) stands in for
 * Workflow.Status when that is absent.  ASSIGNED and IN_PROGRESS mean the
 * owner knows: NOTIFIED.  DEFERRED is NOTIFIED too, not SUPPRESSED: a
 * deferral postpones the work, it does not decide that none is needed, and
 * a suppressed finding no longer fails its control.
 */
static int legacy_workflow(hw_finding *f, hw_err *e)
{
    static const char *const map[][2] = {
        { "NEW", "NEW" },           { "ASSIGNED", "NOTIFIED" }, { "IN_PROGRESS", "NOTIFIED" },
        { "DEFERRED", "NOTIFIED" }, { "RESOLVED", "RESOLVED" },
    };
    const char *state = "";
    if (opt_str(&f->x->slots[K_WORKFLOW_STATE], "WorkflowState", &state, e) != HW_OK)
        return e->kind;
    if (f->x->slots[K_WF_STATUS].kind != SLOT_ABSENT || !*state)
        return HW_OK;
    for (size_t i = 0; i < HW_ARRAY_LEN(map); i++)
        if (strcmp(state, map[i][0]) == 0) {
            f->workflow_status = map[i][1];
            return HW_OK;
        }
    return hw_err_set(e, HW_EINVAL, "WorkflowState: unknown value");
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
    if (opt_str(&s[K_WF_STATUS], "Workflow.Status", &f->workflow_status, e) != HW_OK ||
        legacy_workflow(f, e) != HW_OK)
        return e->kind;
    if (strlen(f->workflow_status) > 32)
        return hw_err_set(e, HW_EINVAL, "Workflow.Status: longer than 32 characters");
    if (opt_str(&s[K_RECORD_STATE], "RecordState", &f->record_state, e) != HW_OK)
        return e->kind;
    if (!*f->record_state)
        f->record_state = "ACTIVE";
    if (strcmp(f->record_state, "ACTIVE") != 0 && strcmp(f->record_state, "ARCHIVED") != 0)
        return hw_err_set(e, HW_EINVAL, "RecordState: expected ACTIVE or ARCHIVED");

    return resolve_control(f, scid, e);
}

/* classify_product() with the last answer remembered: a run's findings
 * come from a handful of products.  Returns 0 when ProductArn does not
 * parse. */
static int product_of(hw_finding *f)
{
    struct hw_finding_scratch *x = f->x;
    if (strcmp(f->product_arn, x->last_arn) == 0) {
        f->product = x->last_product;
        memcpy(f->product_name, x->last_product_name, sizeof f->product_name);
        return x->last_arn_ok;
    }
    int ok = classify_product(f);
    if (strlen(f->product_arn) < sizeof x->last_arn) {
        strcpy(x->last_arn, f->product_arn);
        x->last_product = f->product;
        x->last_arn_ok = ok;
        memcpy(x->last_product_name, f->product_name, sizeof f->product_name);
    }
    return ok;
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
    x->ctl_ok = 0;
    x->ctl_why[0] = '\0';

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

/* Region: a region name when given; when absent (older findings), the
 * region of ProductArn (its fourth field) when that parses, else "". */
static int check_region(hw_finding *f, hw_err *e)
{
    const slot *sl = &f->x->slots[K_REGION];
    if (opt_str(sl, "Region", &f->region, e) != HW_OK)
        return e->kind;
    if (sl->kind != SLOT_ABSENT) {
        if (!hw_region_name_valid(f->region, sl->n))
            return hw_err_set(e, HW_EINVAL, "Region: not a region name");
        return HW_OK;
    }
    arn a;
    f->region = "";
    if (arn_parse(f->product_arn, &a) && a.nregion && a.nregion < sizeof f->region_buf) {
        memcpy(f->region_buf, a.region, a.nregion);
        f->region_buf[a.nregion] = '\0';
        f->region = f->region_buf;
    }
    return HW_OK;
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
    if (check_region(f, e) != HW_OK)
        return e->kind;
    f->trusted = 1;
    f->untrusted_reason[0] = '\0';
    if (!product_of(f))
        set_untrusted(f, "ProductArn: not an ARN");
    if (check_timestamps(f, e) != HW_OK || check_status(f, e) != HW_OK ||
        check_resources(f, e) != HW_OK)
        return e->kind;
    f->related = x->related.v;
    f->nrelated = x->related.n;
    f->standards = x->standards.v;
    f->nstandards = x->standards.n;
    if (f->product == HW_PRODUCT_OTHER)
        set_untrusted(f, "product %s is not Security Hub or GuardDuty", f->product_arn);
    else if (f->product == HW_PRODUCT_SECURITYHUB && !x->ctl_ok && x->ctl_why[0])
        set_untrusted(f, "%s", x->ctl_why);
    else if (f->product == HW_PRODUCT_SECURITYHUB && !x->ctl_ok)
        set_untrusted(f, "generator %s is not a Security Hub control", f->generator_id);
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
