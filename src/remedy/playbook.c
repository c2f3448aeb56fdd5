/*
 * playbook.c - GuardDuty playbooks: which GuardDuty finding types each
 * answers, the trust checks for a GuardDuty finding, and the playbooks
 * themselves as remediation families, so that they run through the same
 * plan / approve / apply / audit machinery as control remediations.  An
 * action of a playbook carries the playbook's name where a control
 * remediation carries its control id.
 *
 * iam-credential-exposure: deactivate exactly the access key the finding
 * names (Resources[].Details.AwsIamAccessKey, resource id
 * "AWS::IAM::AccessKey:<id>"), after re-reading it: a key that is gone, or
 * that belongs to another user than the finding says, is not touched.
 * s3-exposure: the bucket's Block Public Access on (s3.c's remediation).
 * The lists of types, calls and permissions are in controls/playbooks.xml,
 * checked against this file by tests/unit/test_playbook.c.
 */
#include "remedy/remedy_int.h"
#include "scan/jsonlex.h"

#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- matching */

int hw_remedy_gd_type(const char *asff_type, char *out, size_t outlen)
{
    out[0] = '\0';
    /* the segment holding "Namespace:Resource" starts the GuardDuty type */
    const char *colon = strchr(asff_type, ':');
    if (!colon)
        return 0;
    const char *start = colon;
    while (start > asff_type && start[-1] != '/')
        start--;
    if (start == colon || strlen(start) >= outlen)
        return 0;
    snprintf(out, outlen, "%s", start);
    /* Security Hub writes GuardDuty's "EC2/SSHBruteForce" as "EC2-SSHBruteForce" */
    char *rest = out + (colon - start) + 1;
    if (!strchr(rest, '/')) {
        char *dash = strchr(rest, '-');
        if (!dash)
            return 0;
        *dash = '/';
    }
    return rest[0] != '/' && strchr(rest, '/')[1] != '\0';
}

static int type_matches(const char *pattern, const char *type)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, type, n - 1) == 0;
    return strcmp(pattern, type) == 0;
}

const hw_remedy_playbook *hw_remedy_playbook_for(const char *gd_type)
{
    /* a type named exactly wins over a prefix */
    for (int exact = 1; exact >= 0; exact--)
        for (size_t i = 0; hw_remedy_playbooks[i]; i++)
            for (const char *const *t = hw_remedy_playbooks[i]->types; *t; t++)
                if ((strchr(*t, '*') == NULL) == exact && type_matches(*t, gd_type))
                    return hw_remedy_playbooks[i];
    return NULL;
}

const hw_remedy_playbook *hw_remedy_playbook_named(const char *name)
{
    for (size_t i = 0; hw_remedy_playbooks[i]; i++)
        if (strcmp(hw_remedy_playbooks[i]->name, name) == 0)
            return hw_remedy_playbooks[i];
    return NULL;
}

/* ---------------------------------------------------------------- trust */

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static const char key_prefix[] = "AWS::IAM::AccessKey:";

/* An access key id: 16 to 128 upper-case letters and digits. */
static int key_id_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 16 && n <= 128 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == n;
}

/* An IAM user name as IAM allows it. */
static int user_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 1 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") == n;
}

/* The user an AwsIamAccessKey resource names (PrincipalName, else the
 * deprecated UserName); "" when none. */
static const char *key_user(const cJSON *res)
{
    const cJSON *d = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(res, "Details"), "AwsIamAccessKey");
    const char *u = jstr(d, "PrincipalName");
    return *u ? u : jstr(d, "UserName");
}

/* The resource type a playbook acts on. */
static const char *playbook_want(const hw_remedy_playbook *pb)
{
    return strcmp(pb->name, "iam-credential-exposure") == 0 ? "AwsIamAccessKey"
           : strcmp(pb->name, "s3-exposure") == 0           ? "AwsS3Bucket"
           : strcmp(pb->name, "ec2-compromise") == 0 || strcmp(pb->name, "malicious-ip") == 0
               ? "AwsEc2Instance"
               : "";
}

/* The first resource of the playbook's type (id rid, user the user an
 * access key names), checked: 1 with the target in resource, else 0 with
 * why.  j: the parsed finding, or NULL to parse raw when the check needs
 * the tree (malicious-ip's remote address). */
static int resource_checked(const hw_remedy_playbook *pb, const char *want, const char *rid,
                            const char *u, const cJSON *j, const char *raw, size_t rawlen,
                            const char *acct, const char *partition, char *resource,
                            size_t reslen, char *why, size_t whylen)
{
    char racct[16];
    int parsed = 0;
    if (strcmp(want, "AwsIamAccessKey") == 0) {
        if (!hw_starts_with(rid, key_prefix) || !key_id_ok(rid + strlen(key_prefix))) {
            snprintf(why, whylen, "untrusted: resource %.200s is not an access key id", rid);
            return 0;
        }
        if (!user_ok(u)) {
            snprintf(why, whylen, "untrusted: access key %.150s names no valid IAM user",
                     rid + strlen(key_prefix));
            return 0;
        }
    } else if (strcmp(want, "AwsEc2Instance") == 0) {
        if (hw_remedy_resource_account(rid, partition, racct) != 0 || !*racct ||
            !strstr(rid, ":ec2:") || !strstr(rid, ":instance/i-")) {
            snprintf(why, whylen, "untrusted: resource %.300s is not an EC2 instance ARN of %s",
                     rid, partition);
            return 0;
        }
        if (strcmp(racct, acct) != 0) {
            snprintf(why, whylen, "untrusted: resource %.300s belongs to account %s, not %s",
                     rid, racct, acct);
            return 0;
        }
        char ip[16];
        int no_ip = 0;
        if (strcmp(pb->name, "malicious-ip") == 0) {
            cJSON *own = j ? NULL : cJSON_ParseWithLength(raw, rawlen);
            no_ip = !rx_finding_ip(j ? j : own, ip);
            cJSON_Delete(own);
        }
        if (no_ip) {
            snprintf(why, whylen, "untrusted: the finding names no public remote IPv4 address");
            return 0;
        }
    } else if ((parsed = hw_remedy_resource_account(rid, partition, racct) == 0) && *racct &&
               strcmp(racct, acct) != 0) {
        snprintf(why, whylen, "untrusted: resource %.300s belongs to account %s, not %s", rid,
                 racct, acct);
        return 0;
    } else if (!parsed || *racct || !strstr(rid, ":s3:::")) {
        snprintf(why, whylen, "untrusted: resource %.300s is not an S3 bucket ARN of %s", rid,
                 partition);
        return 0;
    }
    if (strlen(rid) >= reslen) {
        snprintf(why, whylen, "untrusted: no usable resource id");
        return 0;
    }
    snprintf(resource, reslen, "%s", rid);
    return 1;
}

/* The resource of the finding the playbook acts on, checked: 1 with the
 * target in resource, else 0 with why. */
static int playbook_resource(const hw_remedy_playbook *pb, const cJSON *j, const char *acct,
                             const char *partition, char *resource, size_t reslen, char *why,
                             size_t whylen)
{
    const cJSON *res;
    const char *want = playbook_want(pb);
    cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(j, "Resources")) {
        if (strcmp(jstr(res, "Type"), want) != 0)
            continue;
        return resource_checked(pb, want, jstr(res, "Id"), key_user(res), j, NULL, 0, acct,
                                partition, resource, reslen, why, whylen);
    }
    snprintf(why, whylen, "untrusted: no %s resource in the finding", want);
    return 0;
}

/*
 * The same checks read with the scan module's allocation-free lexer (a
 * plan reads every GuardDuty finding: building its cJSON tree was a fifth
 * of a plan's time).  The fields read are cJSON's: the first of each key,
 * "" for a value of another type, the members of an object where an array
 * is iterated.  Any string the lexer would have to cut (longer than its
 * buffer, or holding a NUL), any key holding a NUL, and anything the
 * strict lexer refuses go to the cJSON path instead (lex returns -1), so
 * that the verdict is always cJSON's.
 */
enum { PX_PRODUCT, PX_ACCOUNT, PX_RECORD, PX_WORKFLOW, PX_N };
enum { RX_TYPE, RX_ID, RX_PRINCIPAL, RX_USER, RX_N };
struct pblex {
    char v[PX_N][256];
    unsigned seen;          /* PX_ fields and containers met (bits) */
    int level;              /* 0 top, 1 Types, 2 Workflow, 3 Resources, 4 a resource,
                             * 5 its Details, 6 Details.AwsIamAccessKey */
    const hw_remedy_playbook *fam;
    const unsigned char *res_at; /* the Resources value, when a container */
    /* pass 2: the resources */
    const char *want;
    char r[RX_N][2048];
    unsigned rseen;
    int found;              /* the first resource of type want is in r */
};
#define PX_TYPES (1u << 8)
#define PX_WF (1u << 9)
#define PX_RES (1u << 10)
#define RX_DETAILS (1u << 8)
#define RX_KEY (1u << 9)

/* The next string value into out (cap bytes and a NUL): -1 when cut */
static int px_string(hw_jlex *L, char *out, size_t cap)
{
    size_t n = 0;
    int flags = 0;
    if (hw_jlex_string(L, out, cap - 1, &n, &flags) < 0 || (flags & (HW_JSTR_NUL | HW_JSTR_LONG)))
        return -1;
    return 0;
}

static int px_key(const char *key, size_t keylen, const char *want)
{
    return key && keylen == strlen(want) && memcmp(key, want, keylen) == 0;
}

/* A first-occurrence string field: taken when a string, else skipped ("") */
static int px_take(hw_jlex *L, unsigned *seen, unsigned bit, char *out, size_t cap)
{
    if (*seen & bit)
        return hw_jlex_skip(L);
    *seen |= bit;
    return *L->p == '"' ? px_string(L, out, cap) : hw_jlex_skip(L);
}

static int px_item(hw_jlex *L, void *arg, const char *key, size_t keylen)
{
    struct pblex *x = arg;
    hw_jlex_ws(L);
    if (key && memchr(key, '\0', keylen))
        return -1; /* cJSON would read the key cut at its NUL */
    int level = x->level;
    if (level == 0) {
        static const struct { const char *k; int f; } top[] = {
            { "ProductArn", PX_PRODUCT }, { "AwsAccountId", PX_ACCOUNT },
            { "RecordState", PX_RECORD } };
        for (size_t i = 0; i < HW_ARRAY_LEN(top); i++)
            if (px_key(key, keylen, top[i].k))
                return px_take(L, &x->seen, 1u << top[i].f, x->v[top[i].f], sizeof x->v[0]);
        unsigned bit = px_key(key, keylen, "Types")      ? PX_TYPES
                       : px_key(key, keylen, "Workflow") ? PX_WF
                       : px_key(key, keylen, "Resources") ? PX_RES
                                                          : 0;
        int first = bit && !(x->seen & bit);
        x->seen |= bit;
        int container = *L->p == '{' || *L->p == '[';
        if (!first || !container || (bit == PX_WF && *L->p != '{'))
            return hw_jlex_skip(L);
        if (bit == PX_RES) { /* read in pass 2, once the playbook is known */
            x->res_at = L->p;
            return hw_jlex_skip(L);
        }
        x->level = bit == PX_TYPES ? 1 : 2;
        int rc = hw_jlex_container(L, px_item, x);
        x->level = 0;
        return rc;
    }
    if (level == 1) { /* an element of Types: the first that a playbook answers */
        char t[256], gd[256];
        if (*L->p != '"' || x->fam)
            return hw_jlex_skip(L);
        if (px_string(L, t, sizeof t) < 0)
            return -1;
        if (hw_remedy_gd_type(t, gd, sizeof gd))
            x->fam = hw_remedy_playbook_for(gd);
        return 0;
    }
    if (level == 2) /* Workflow */
        return px_key(key, keylen, "Status")
                   ? px_take(L, &x->seen, 1u << PX_WORKFLOW, x->v[PX_WORKFLOW], sizeof x->v[0])
                   : hw_jlex_skip(L);
    if (level == 3) { /* an element of Resources */
        if (x->found)
            return hw_jlex_skip(L);
        x->rseen = 0;
        for (int i = 0; i < RX_N; i++)
            x->r[i][0] = '\0';
        if (*L->p != '{') { /* cJSON reads "" from it, which no playbook wants */
            x->found = !*x->want;
            return hw_jlex_skip(L);
        }
        x->level = 4;
        int rc = hw_jlex_container(L, px_item, x);
        x->level = 3;
        if (rc == 0 && strcmp(x->r[RX_TYPE], x->want) == 0)
            x->found = 1;
        return rc;
    }
    if (level == 4) {
        if (px_key(key, keylen, "Type"))
            return px_take(L, &x->rseen, 1u << RX_TYPE, x->r[RX_TYPE], sizeof x->r[0]);
        if (px_key(key, keylen, "Id"))
            return px_take(L, &x->rseen, 1u << RX_ID, x->r[RX_ID], sizeof x->r[0]);
        if (!px_key(key, keylen, "Details") || (x->rseen & RX_DETAILS)) {
            return hw_jlex_skip(L);
        }
        x->rseen |= RX_DETAILS;
        if (*L->p != '{')
            return hw_jlex_skip(L);
        x->level = 5;
        int rc = hw_jlex_container(L, px_item, x);
        x->level = 4;
        return rc;
    }
    if (level == 5) {
        if (!px_key(key, keylen, "AwsIamAccessKey") || (x->rseen & RX_KEY))
            return hw_jlex_skip(L);
        x->rseen |= RX_KEY;
        if (*L->p != '{')
            return hw_jlex_skip(L);
        x->level = 6;
        int rc = hw_jlex_container(L, px_item, x);
        x->level = 5;
        return rc;
    }
    /* level 6: Details.AwsIamAccessKey */
    if (px_key(key, keylen, "PrincipalName"))
        return px_take(L, &x->rseen, 1u << RX_PRINCIPAL, x->r[RX_PRINCIPAL], sizeof x->r[0]);
    if (px_key(key, keylen, "UserName"))
        return px_take(L, &x->rseen, 1u << RX_USER, x->r[RX_USER], sizeof x->r[0]);
    return hw_jlex_skip(L);
}

/* 1 or 0 as hw_remedy_playbook_trust, or -1: the cJSON path decides. */
static int playbook_trust_lex(const hw_finding_row *f, const char *raw, size_t rawlen,
                              const hw_remedy_policy *p, const hw_remedy_playbook **fam,
                              char *resource, size_t reslen, char *why, size_t whylen)
{
    struct pblex *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    hw_jlex L;
    hw_jlex_init(&L, raw, rawlen);
    hw_jlex_ws(&L);
    int rc = -1;
    if (L.p >= L.end || *L.p != '{' || hw_jlex_container(&L, px_item, x) < 0)
        goto out;
    hw_jlex_ws(&L);
    if (L.p != L.end)
        goto out;
    if (!(*fam = x->fam)) {
        rc = 0;
        goto out;
    }
    const char *partition = hw_aws_partition(f->region);
    char want[256];
    snprintf(want, sizeof want, "arn:%s:securityhub:%s::product/aws/guardduty", partition,
             f->region);
    const char *product = x->v[PX_PRODUCT], *acct = x->v[PX_ACCOUNT];
    int ok = 0;
    if (strcmp(product, want) != 0)
        snprintf(why, whylen, "untrusted: product %.200s is not GuardDuty's own in %.40s", product,
                 f->region);
    else if (!f->trusted)
        snprintf(why, whylen, "untrusted: %s", f->untrusted_reason ? f->untrusted_reason : "");
    else if (strcmp(acct, f->account_id) != 0)
        snprintf(why, whylen, "untrusted: AwsAccountId %.20s differs from the stored %s", acct,
                 f->account_id);
    else if (!hw_remedy_policy_in_org(p, acct))
        snprintf(why, whylen, "untrusted: account %s is not in the Organization", acct);
    else {
        /* pass 2: the resources, now that the playbook says which type */
        x->want = playbook_want(*fam);
        if (x->res_at) {
            hw_jlex R;
            hw_jlex_init(&R, raw, rawlen);
            R.p = x->res_at;
            x->level = 3;
            if (hw_jlex_container(&R, px_item, x) < 0) {
                *fam = NULL;
                goto out; /* rc -1 */
            }
        }
        const char *u = *x->r[RX_PRINCIPAL] ? x->r[RX_PRINCIPAL] : x->r[RX_USER];
        if (!x->found)
            snprintf(why, whylen, "untrusted: no %s resource in the finding", x->want);
        else if (!resource_checked(*fam, x->want, x->r[RX_ID], u, NULL, raw, rawlen, acct,
                                   partition, resource, reslen, why, whylen))
            ;
        else if (strcmp(x->v[PX_WORKFLOW], "SUPPRESSED") == 0)
            snprintf(why, whylen, "suppressed: workflow status SUPPRESSED");
        else if (strcmp(x->v[PX_RECORD], "ARCHIVED") == 0)
            snprintf(why, whylen, "archived: the stored finding is not ACTIVE");
        else
            ok = 1;
    }
    if (!ok)
        resource[0] = '\0';
    rc = ok;
out:
    if (rc < 0) {
        *fam = NULL;
        resource[0] = '\0';
        why[0] = '\0';
    }
    free(x);
    return rc;
}

int hw_remedy_playbook_trust(const hw_finding_row *f, const char *raw, size_t rawlen,
                             const hw_remedy_policy *p, const hw_remedy_playbook **fam,
                             char *resource, size_t reslen, char *why, size_t whylen)
{
    *fam = NULL;
    resource[0] = '\0';
    why[0] = '\0';
    int lexed = raw ? playbook_trust_lex(f, raw, rawlen, p, fam, resource, reslen, why, whylen)
                    : -1;
    if (lexed >= 0)
        return lexed;
    cJSON *j = cJSON_ParseWithLength(raw, rawlen);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return 0;
    }
    const cJSON *t;
    char gd[256];
    cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(j, "Types"))
        if (cJSON_IsString(t) && hw_remedy_gd_type(t->valuestring, gd, sizeof gd) &&
            (*fam = hw_remedy_playbook_for(gd)) != NULL)
            break;
    if (!*fam) {
        cJSON_Delete(j);
        return 0;
    }
    int ok = 0;
    const char *partition = hw_aws_partition(f->region);
    char want[256];
    snprintf(want, sizeof want, "arn:%s:securityhub:%s::product/aws/guardduty", partition,
             f->region);
    const char *product = jstr(j, "ProductArn"), *acct = jstr(j, "AwsAccountId");
    const cJSON *wf = cJSON_GetObjectItemCaseSensitive(j, "Workflow");
    if (strcmp(product, want) != 0)
        snprintf(why, whylen, "untrusted: product %.200s is not GuardDuty's own in %.40s", product,
                 f->region);
    else if (!f->trusted)
        snprintf(why, whylen, "untrusted: %s", f->untrusted_reason ? f->untrusted_reason : "");
    else if (strcmp(acct, f->account_id) != 0)
        snprintf(why, whylen, "untrusted: AwsAccountId %.20s differs from the stored %s", acct,
                 f->account_id);
    else if (!hw_remedy_policy_in_org(p, acct))
        snprintf(why, whylen, "untrusted: account %s is not in the Organization", acct);
    else if (!playbook_resource(*fam, j, acct, partition, resource, reslen, why, whylen))
        ;
    else if (strcmp(jstr(wf, "Status"), "SUPPRESSED") == 0)
        snprintf(why, whylen, "suppressed: workflow status SUPPRESSED");
    else if (strcmp(jstr(j, "RecordState"), "ARCHIVED") == 0)
        snprintf(why, whylen, "archived: the stored finding is not ACTIVE");
    else
        ok = 1;
    if (!ok)
        resource[0] = '\0';
    cJSON_Delete(j);
    return ok;
}

/* ------------------------------------------------ iam-credential-exposure */

static const char *key_of(const hw_remedy_target *t)
{
    return hw_starts_with(t->resource, key_prefix) ? t->resource + strlen(key_prefix) : "";
}

/* The user the stored finding names for the target key; "" when none. */
static void finding_user(const hw_remedy_target *t, char out[72])
{
    out[0] = '\0';
    cJSON *j = t->finding ? cJSON_Parse(t->finding) : NULL;
    const cJSON *res;
    cJSON_ArrayForEach(res, cJSON_GetObjectItemCaseSensitive(j, "Resources"))
        if (strcmp(jstr(res, "Id"), t->resource) == 0 && user_ok(key_user(res))) {
            snprintf(out, 72, "%s", key_user(res));
            break;
        }
    cJSON_Delete(j);
}

static cJSON *cred_calls(const hw_remedy_target *t)
{
    char u[72];
    finding_user(t, u);
    const char *k = key_of(t);
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "iam:ListUserTags UserName=%s (exemption tag %s)", u, t->exemption_tag);
    rx_call(c, "iam:ListAccessKeys UserName=%s (key %s must be the user's)", u, k);
    rx_call(c, "iam:UpdateAccessKey UserName=%s AccessKeyId=%s Status=Inactive (never deleted)", u,
            k);
    rx_call(c, "iam:ListAccessKeys UserName=%s (verify)", u);
    return c;
}

static int iam_call(hw_aws_client *c, const hw_remedy_target *t, const char *op,
                    const hw_aws_param *p, size_t n, xmlDocPtr *doc, hw_err *e)
{
    const char *region = strcmp(hw_aws_partition(t->region), "aws") == 0 ? "us-east-1" : t->region;
    hw_aws_ctx ctx = { region, t->account };
    return hw_aws_query_call(c, &ctx, &hw_svc_iam, op, p, n, doc, e);
}

static int cred_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                     char why[256], hw_err *e)
{
    char u[72];
    finding_user(t, u);
    const char *k = key_of(t);
    if (!*u || !key_id_ok(k)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "the finding names no valid access key and user for %.150s",
                 t->resource);
        return HW_OK;
    }
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "UserName", u);
    cJSON_AddStringToObject(*state, "AccessKeyId", k);
    hw_aws_param p[] = { { "UserName", u } };
    xmlDocPtr doc = NULL;
    int rc = iam_call(c, t, "ListUserTags", p, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "NoSuchEntity") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "user %s no longer exists", u);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    xmlNodePtr tags = rx_find(xmlDocGetRootElement(doc), "Tags");
    for (xmlNodePtr m = tags ? rx_next(tags->children, "member") : NULL; m;
         m = rx_next(m->next, "member")) {
        const char *tk = rx_text(m->children, "Key");
        if (tk && strcmp(tk, t->exemption_tag) == 0) {
            const char *v = rx_text(m->children, "Value");
            cJSON_AddStringToObject(*state, "ExemptionTag", v ? v : "");
            snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, v ? v : "");
            *verdict = HW_RV_EXEMPT;
        }
    }
    xmlFreeDoc(doc);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    doc = NULL;
    if ((rc = iam_call(c, t, "ListAccessKeys", p, 1, &doc, e)) != HW_OK)
        return rc;
    const char *status = NULL;
    char status_buf[32];
    xmlNodePtr md = rx_find(xmlDocGetRootElement(doc), "AccessKeyMetadata");
    for (xmlNodePtr m = md ? rx_next(md->children, "member") : NULL; m;
         m = rx_next(m->next, "member")) {
        const char *id = rx_text(m->children, "AccessKeyId");
        if (id && strcmp(id, k) == 0) {
            const char *s = rx_text(m->children, "Status");
            snprintf(status_buf, sizeof status_buf, "%s", s ? s : "");
            status = status_buf; /* the document is freed below */
        }
    }
    if (status)
        cJSON_AddStringToObject(*state, "Status", status);
    xmlFreeDoc(doc);
    hw_aws_creds own;
    hw_err ce;
    if (!status) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "key %s is not a key of user %s (gone, or not the one the finding names)",
                 k, u);
    } else if (strcmp(status, "Active") != 0) {
        *verdict = HW_RV_COMPLIANT;
        snprintf(why, 256, "user %s: key %s is %.20s", u, k, status);
    } else if (hw_aws_resolve_creds(c, &own, &ce) == HW_OK && strcmp(own.access_key_id, k) == 0) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "user %s: key %s is the one hubwarden runs with", u, k);
    } else {
        *verdict = HW_RV_FAILING;
        snprintf(why, 256, "user %s: key %s is Active", u, k);
    }
    return HW_OK;
}

static int cred_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    hw_aws_param p[] = { { "AccessKeyId", key_of(t) },
                         { "Status", "Inactive" },
                         { "UserName", jstr(state, "UserName") } };
    xmlDocPtr doc = NULL;
    int rc = iam_call(c, t, "UpdateAccessKey", p, 3, &doc, e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const cred_name[] = { "iam-credential-exposure", NULL };
static const char *const cred_types[] = { "UnauthorizedAccess:IAMUser/*",
                                          "CredentialAccess:IAMUser/*", "Exfiltration:IAMUser/*",
                                          NULL };
static const char *const cred_perms[] = { "iam:ListUserTags", "iam:ListAccessKeys",
                                          "iam:UpdateAccessKey", NULL };

static const hw_remedy_family hw_remedy_pb_credential_exposure = {
    "iam-deactivate-exposed-key", cred_name, cred_name /* disruptive */, cred_perms,
    cred_calls, cred_read, cred_fix, 0,
};
static const hw_remedy_playbook pb_cred = { "iam-credential-exposure",
                                            &hw_remedy_pb_credential_exposure, cred_types };

/* ------------------------------------------------------------ s3-exposure */

static cJSON *s3x_calls(const hw_remedy_target *t)
{
    return hw_remedy_s3_bucket_pab.calls(t);
}
static int s3x_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    return hw_remedy_s3_bucket_pab.read(c, t, state, verdict, why, e);
}
static int s3x_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    return hw_remedy_s3_bucket_pab.fix(c, t, state, e);
}

static const char *const s3x_name[] = { "s3-exposure", NULL };
static const char *const s3x_types[] = { "Policy:S3/BucketBlockPublicAccessDisabled",
                                         "Policy:S3/BucketAnonymousAccessGranted",
                                         "Policy:S3/BucketPublicAccessGranted", NULL };
static const char *const s3x_perms[] = { "s3:GetBucketTagging", "s3:GetBucketPublicAccessBlock",
                                         "s3:PutBucketPublicAccessBlock", NULL };
static const char *const none[] = { NULL };

static const hw_remedy_family hw_remedy_pb_s3_exposure = {
    "s3-block-public-access", s3x_name, none, s3x_perms, s3x_calls, s3x_read, s3x_fix, 0,
};
static const hw_remedy_playbook pb_s3 = { "s3-exposure", &hw_remedy_pb_s3_exposure, s3x_types };

/* ---------------------------------------------------- ec2-compromise */

static const char *const ec2x_types[] = { "UnauthorizedAccess:EC2/*", "Backdoor:EC2/*",
                                          "CryptoCurrency:EC2/*", "Trojan:EC2/*", "Impact:EC2/*",
                                          NULL };
static const hw_remedy_playbook pb_ec2 = { "ec2-compromise", &hw_remedy_pb_ec2_compromise,
                                           ec2x_types };

/* ------------------------------------------------------ malicious-ip */

static const char *const ipx_types[] = { "Recon:EC2/PortProbeUnprotectedPort",
                                         "Recon:EC2/PortProbeEMRUnprotectedPort",
                                         "UnauthorizedAccess:EC2/MaliciousIPCaller.Custom", NULL };
static const hw_remedy_playbook pb_ip = { "malicious-ip", &hw_remedy_pb_malicious_ip, ipx_types };

const hw_remedy_playbook *const hw_remedy_playbooks[] = { &pb_ec2, &pb_cred, &pb_s3, &pb_ip,
                                                           NULL };
