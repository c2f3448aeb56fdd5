/*
 * s3_tls.c - deny requests without TLS to a bucket (S3.5): ONE statement
 * is merged into the bucket policy,
 *   {"Sid":"HubwardenDenyInsecureTransport","Effect":"Deny","Principal":"*",
 *    "Action":"s3:*","Resource":[the bucket's ARN, and its objects' ARN],
 *    "Condition":{"Bool":{"aws:SecureTransport":"false"}}}
 * inserted before the closing bracket of the policy's Statement array, so
 * that every byte of the policy around it, each existing statement
 * included, stays as it was (a single Statement object becomes an array
 * holding the same bytes and the new one).  No policy: a new one with that
 * statement alone.  A policy that is not valid JSON, has no Statement, or
 * has more than one, is refused with the reason, never rewritten.
 */
#include "remedy/remedy_int.h"

#include <string.h>

#include "scan/jsonlex.h"

#define SID "HubwardenDenyInsecureTransport"
#define POLICY_MAX 20480 /* S3's limit on a bucket policy's size */

static void bucket_arn(const hw_remedy_target *t, const char *b, char *out, size_t n)
{
    snprintf(out, n, "arn:%s:s3:::%s", hw_aws_partition(t->region), b);
}

static char *statement(const hw_remedy_target *t, const char *b)
{
    char arn[128];
    bucket_arn(t, b, arn, sizeof arn);
    return hw_asprintf("{\"Sid\":\"" SID "\",\"Effect\":\"Deny\",\"Principal\":\"*\","
                       "\"Action\":\"s3:*\",\"Resource\":[\"%s\",\"%s/*\"],"
                       "\"Condition\":{\"Bool\":{\"aws:SecureTransport\":\"false\"}}}",
                       arn, arn);
}

static cJSON *tls_calls(const hw_remedy_target *t)
{
    const char *b = rx_bucket_of(t->resource);
    b = b ? b : "?";
    char *st = statement(t, b);
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "s3:GetBucketTagging Bucket=%s ExpectedBucketOwner=%s (exemption tag %s)", b,
            t->account, t->exemption_tag);
    rx_call(c, "s3:GetBucketPolicy Bucket=%s ExpectedBucketOwner=%s", b, t->account);
    rx_call(c, "s3:PutBucketPolicy Bucket=%s ExpectedBucketOwner=%s (the current policy, every "
               "statement kept byte for byte, with one statement added: %s)",
            b, t->account, st ? st : "?");
    rx_call(c, "s3:GetBucketPolicy Bucket=%s ExpectedBucketOwner=%s (verify)", b, t->account);
    free(st);
    return c;
}

/* "x" or ["x", ...] holds s. */
static int has_str(const cJSON *v, const char *s)
{
    if (cJSON_IsString(v))
        return strcmp(v->valuestring, s) == 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, v)
    {
        if (cJSON_IsString(x) && strcmp(x->valuestring, s) == 0)
            return 1;
    }
    return 0;
}

/* A statement that denies every S3 action to everyone on the bucket and
 * its objects when aws:SecureTransport is false. */
static int denies_insecure(const cJSON *s, const char *arn)
{
    const cJSON *eff = cJSON_GetObjectItemCaseSensitive(s, "Effect");
    if (!cJSON_IsString(eff) || strcmp(eff->valuestring, "Deny") != 0)
        return 0;
    const cJSON *pr = cJSON_GetObjectItemCaseSensitive(s, "Principal");
    if (!(cJSON_IsString(pr) && strcmp(pr->valuestring, "*") == 0) &&
        !has_str(cJSON_GetObjectItemCaseSensitive(pr, "AWS"), "*"))
        return 0;
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(s, "Action");
    if (!has_str(act, "s3:*") && !has_str(act, "*"))
        return 0;
    char objects[160];
    snprintf(objects, sizeof objects, "%s/*", arn);
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(s, "Resource");
    if (!has_str(res, "*") && !(has_str(res, arn) && has_str(res, objects)))
        return 0;
    const cJSON *cond = cJSON_GetObjectItemCaseSensitive(s, "Condition");
    const cJSON *bl = cJSON_GetObjectItemCaseSensitive(cond, "Bool");
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(bl, "aws:SecureTransport");
    return cJSON_IsFalse(st) || has_str(st, "false");
}

/* Where the Statement value lies in the policy text. */
struct span {
    size_t start, end;
    int count;
};

static int find_statement(hw_jlex *L, void *arg, const char *key, size_t keylen)
{
    struct span *sp = arg;
    size_t at = (size_t)(L->p - L->base);
    if (hw_jlex_skip(L) < 0)
        return -1;
    if (key && keylen == 9 && memcmp(key, "Statement", 9) == 0) {
        sp->start = at;
        sp->end = (size_t)(L->p - L->base);
        sp->count++;
    }
    return 0;
}

/* Checks the policy text; 0 with the Statement's span, or -1 with why. */
static int check_policy(const char *text, size_t len, struct span *sp, char *why, size_t n)
{
    hw_jlex L;
    hw_jlex_init(&L, text, len);
    hw_jlex_ws(&L);
    memset(sp, 0, sizeof *sp);
    if (L.p >= L.end || *L.p != '{') {
        snprintf(why, n, "the bucket policy is not valid JSON: not an object");
        return -1;
    }
    if (hw_jlex_container(&L, find_statement, sp) < 0) {
        snprintf(why, n, "the bucket policy is not valid JSON: %.150s", L.err);
        return -1;
    }
    hw_jlex_ws(&L);
    if (L.p != L.end) {
        snprintf(why, n, "the bucket policy is not valid JSON: text after the object");
        return -1;
    }
    if (sp->count != 1) {
        snprintf(why, n, "the bucket policy has %s Statement", sp->count ? "more than one" : "no");
        return -1;
    }
    char c = text[sp->start];
    if (c != '[' && c != '{') {
        snprintf(why, n, "the bucket policy's Statement is neither an array nor an object");
        return -1;
    }
    return 0;
}

static int get_policy(hw_aws_client *c, const hw_remedy_target *t, const char *b, hw_buf *out,
                      int *none, hw_err *e)
{
    char path[80], owner[64];
    snprintf(path, sizeof path, "/%s", b);
    snprintf(owner, sizeof owner, "x-amz-expected-bucket-owner: %s", t->account);
    const char *hdr[] = { owner, NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param q[] = { { "policy", "" } };
    *none = 0;
    int rc = hw_aws_rest_raw_call(c, &ctx, &hw_svc_s3, "GetBucketPolicy", "GET", path, q, 1, hdr,
                                  NULL, 0, out, e);
    if (rc != HW_OK && strcmp(rx_code(c), "NoSuchBucketPolicy") == 0) {
        *none = 1;
        hw_buf_free(out);
        return HW_OK;
    }
    return rc;
}

static int tls_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    *verdict = HW_RV_FAILING;
    int rc = rx_bucket_head(c, t, state, verdict, why, e);
    if (rc != HW_OK || *verdict != HW_RV_FAILING)
        return rc;
    const char *b = rx_bucket_of(t->resource);
    hw_buf pol = HW_BUF_INIT(0);
    int none = 0;
    if ((rc = get_policy(c, t, b, &pol, &none, e)) != HW_OK)
        return rc;
    if (none) {
        cJSON_AddNullToObject(*state, "Policy");
        snprintf(why, 256, "bucket %s: no bucket policy", b);
        return HW_OK;
    }
    const char *text = hw_buf_str(&pol);
    cJSON_AddStringToObject(*state, "Policy", text);
    struct span sp;
    char bad[200];
    if (check_policy(text, pol.len, &sp, bad, sizeof bad) != 0) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "bucket %s: %s; not changed", b, bad);
        hw_buf_free(&pol);
        return HW_OK;
    }
    cJSON *doc = cJSON_ParseWithLength(text, pol.len);
    if (!doc) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "bucket %s: the bucket policy is not valid JSON; not changed", b);
        hw_buf_free(&pol);
        return HW_OK;
    }
    const cJSON *stmts = cJSON_GetObjectItemCaseSensitive(doc, "Statement");
    char arn[128];
    bucket_arn(t, b, arn, sizeof arn);
    int found = 0, sid_taken = 0;
    const cJSON *s;
    if (cJSON_IsObject(stmts)) {
        found = denies_insecure(stmts, arn);
        sid_taken = has_str(cJSON_GetObjectItemCaseSensitive(stmts, "Sid"), SID);
    } else if (cJSON_IsArray(stmts)) {
        cJSON_ArrayForEach(s, stmts)
        {
            found |= denies_insecure(s, arn);
            sid_taken |= has_str(cJSON_GetObjectItemCaseSensitive(s, "Sid"), SID);
        }
    }
    cJSON_Delete(doc);
    if (found) {
        *verdict = HW_RV_COMPLIANT;
        snprintf(why, 256, "bucket %s: the policy denies requests without TLS", b);
    } else if (sid_taken) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256,
                 "bucket %s: a statement %s exists but does not deny requests without TLS; "
                 "not changed",
                 b, SID);
    } else if (pol.len + 400 > POLICY_MAX) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "bucket %s: the policy is too close to S3's 20 KB limit to add one "
                           "statement; not changed", b);
    } else {
        snprintf(why, 256, "bucket %s: the policy does not deny requests without TLS", b);
    }
    hw_buf_free(&pol);
    return HW_OK;
}

static int tls_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    const char *b = rx_bucket_of(t->resource);
    if (!b)
        return hw_err_set(e, HW_EINVAL, "%s is not an S3 bucket ARN", t->resource);
    const cJSON *old = cJSON_GetObjectItemCaseSensitive(state, "Policy");
    char *st = statement(t, b);
    if (!st)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    hw_buf body = HW_BUF_INIT(0);
    if (!cJSON_IsString(old)) {
        hw_buf_printf(&body, "{\"Version\":\"2012-10-17\",\"Statement\":[%s]}", st);
    } else {
        /* the text read just before: insert, never re-serialise */
        const char *text = old->valuestring;
        size_t len = strlen(text);
        struct span sp;
        char why[200];
        if (check_policy(text, len, &sp, why, sizeof why) != 0) {
            free(st);
            return hw_err_set(e, HW_EINVAL, "bucket %s: %s", b, why);
        }
        if (text[sp.start] == '[') {
            size_t close = sp.end - 1; /* the array's ']' */
            size_t k = sp.start + 1;
            while (k < close && strchr(" \t\r\n", text[k]))
                k++;
            hw_buf_append(&body, text, close);
            hw_buf_printf(&body, "%s%s", k < close ? "," : "", st);
            hw_buf_append(&body, text + close, len - close);
        } else {
            hw_buf_append(&body, text, sp.start);
            hw_buf_putc(&body, '[');
            hw_buf_append(&body, text + sp.start, sp.end - sp.start);
            hw_buf_printf(&body, ",%s]", st);
            hw_buf_append(&body, text + sp.end, len - sp.end);
        }
    }
    free(st);
    char path[80], owner[64], md5[64];
    snprintf(path, sizeof path, "/%s", b);
    snprintf(owner, sizeof owner, "x-amz-expected-bucket-owner: %s", t->account);
    rx_content_md5(hw_buf_str(&body), md5);
    const char *hdr[] = { owner, md5, "Content-Type: application/json", NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param q[] = { { "policy", "" } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3, "PutBucketPolicy", "PUT", path, q, 1, hdr,
                                  hw_buf_str(&body), body.len, &doc, e);
    xmlFreeDoc(doc);
    hw_buf_free(&body);
    return rc;
}

static const char *const controls[] = { "S3.5", NULL };
static const char *const perms[] = { "s3:GetBucketTagging", "s3:GetBucketPolicy",
                                     "s3:PutBucketPolicy", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_s3_deny_insecure = {
    "s3-deny-insecure-transport", controls, none, perms, tls_calls, tls_read, tls_fix, 1,
};
