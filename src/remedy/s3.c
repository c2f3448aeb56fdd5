/*
 * s3.c - Block Public Access: S3.8 on a bucket (S3, REST-XML, every call
 * with ExpectedBucketOwner so that a bucket of another account is never
 * touched) and S3.1 on the account (S3 Control).  The fix sets exactly the
 * four flags; nothing else of the bucket or the account changes.
 */
#include "remedy/remedy_int.h"

#include <openssl/evp.h>
#include <string.h>

static const char *const flags[] = { "BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy",
                                     "RestrictPublicBuckets" };

/* "arn:aws:s3:::name" -> name, checked as a bucket name; NULL when not. */
const char *rx_bucket_of(const char *arn)
{
    const char *p = strstr(arn, ":s3:::");
    if (!p || !hw_starts_with(arn, "arn:"))
        return NULL;
    p += 6;
    size_t n = strlen(p);
    if (n < 3 || n > 63 || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789.-") != n)
        return NULL;
    return p;
}

/* The four flags of a PublicAccessBlockConfiguration (all false when the
 * configuration does not exist). */
static cJSON *pab_json(xmlDocPtr doc)
{
    cJSON *o = cJSON_CreateObject();
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (size_t i = 0; i < HW_ARRAY_LEN(flags); i++)
        cJSON_AddBoolToObject(o, flags[i], rx_bool(rx_text(root, flags[i])));
    return o;
}

static int pab_all(const cJSON *o)
{
    for (size_t i = 0; i < HW_ARRAY_LEN(flags); i++)
        if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, flags[i])))
            return 0;
    return 1;
}

static char *pab_body(const char *ns)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_buf_printf(&b, "<PublicAccessBlockConfiguration xmlns=\"%s\">", ns);
    for (size_t i = 0; i < HW_ARRAY_LEN(flags); i++)
        hw_buf_printf(&b, "<%s>true</%s>", flags[i], flags[i]);
    hw_buf_puts(&b, "</PublicAccessBlockConfiguration>");
    return hw_buf_detach(&b, NULL);
}

/* "Content-MD5: <base64>" (S3 requires it on PutPublicAccessBlock). */
void rx_content_md5(const char *body, char out[64])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(body, strlen(body), md, &n, EVP_md5(), NULL);
    char b64[32];
    EVP_EncodeBlock((unsigned char *)b64, md, (int)n);
    snprintf(out, 64, "Content-MD5: %s", b64);
}

/* ------------------------------------------------------------ S3.8 bucket */

static cJSON *bucket_calls(const hw_remedy_target *t)
{
    const char *b = rx_bucket_of(t->resource);
    cJSON *c = cJSON_CreateArray();
    b = b ? b : "?";
    rx_call(c, "s3:GetBucketTagging Bucket=%s ExpectedBucketOwner=%s (exemption tag %s)", b,
            t->account, t->exemption_tag);
    rx_call(c, "s3:GetPublicAccessBlock Bucket=%s ExpectedBucketOwner=%s", b, t->account);
    rx_call(c, "s3:PutPublicAccessBlock Bucket=%s ExpectedBucketOwner=%s BlockPublicAcls=true "
               "IgnorePublicAcls=true BlockPublicPolicy=true RestrictPublicBuckets=true",
            b, t->account);
    rx_call(c, "s3:GetPublicAccessBlock Bucket=%s ExpectedBucketOwner=%s (verify)", b, t->account);
    return c;
}

int rx_bucket_head(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                   char why[256], hw_err *e)
{
    const char *b = rx_bucket_of(t->resource);
    if (!b) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an S3 bucket ARN", t->resource);
        return HW_OK;
    }
    char path[80], owner[64];
    snprintf(path, sizeof path, "/%s", b);
    snprintf(owner, sizeof owner, "x-amz-expected-bucket-owner: %s", t->account);
    const char *hdr[] = { owner, NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param tq[] = { { "tagging", "" } };
    xmlDocPtr doc = NULL;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "Bucket", b);
    int rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3, "GetBucketTagging", "GET", path, tq, 1,
                                  hdr, NULL, 0, &doc, e);
    const char *code = rc == HW_OK ? "" : rx_code(c);
    if (rc != HW_OK && strcmp(code, "NoSuchBucket") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "bucket %s no longer exists", b);
        return HW_OK;
    }
    if (rc != HW_OK && strcmp(code, "AccessDenied") == 0) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256,
                 "bucket %s is not owned by account %s (access denied with ExpectedBucketOwner;"
                 " or the role lacks s3:GetBucketTagging)",
                 b, t->account);
        return HW_OK;
    }
    if (rc != HW_OK && strcmp(code, "NoSuchTagSet") != 0)
        return rc;
    const char *exempt = NULL;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr tag = rx_find(root, "Tag"); tag; tag = rx_next(tag->next, "Tag")) {
        const char *k = rx_text(tag->children, "Key");
        rx_tag(t, *state, k, rx_text(tag->children, "Value"));
        if (k && strcmp(k, t->exemption_tag) == 0) {
            const char *v = rx_text(tag->children, "Value");
            exempt = v ? v : "";
            cJSON_AddStringToObject(*state, "ExemptionTag", exempt);
            snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, exempt);
        }
    }
    xmlFreeDoc(doc);
    if (exempt)
        *verdict = HW_RV_EXEMPT;
    return HW_OK;
}

static int bucket_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                       char why[256], hw_err *e)
{
    *verdict = HW_RV_FAILING;
    int rc = rx_bucket_head(c, t, state, verdict, why, e);
    if (rc != HW_OK || *verdict != HW_RV_FAILING)
        return rc;
    const char *b = rx_bucket_of(t->resource);
    char path[80], owner[64];
    snprintf(path, sizeof path, "/%s", b);
    snprintf(owner, sizeof owner, "x-amz-expected-bucket-owner: %s", t->account);
    const char *hdr[] = { owner, NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    xmlDocPtr doc = NULL;
    hw_aws_param q[] = { { "publicAccessBlock", "" } };
    doc = NULL;
    rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3, "GetPublicAccessBlock", "GET", path, q, 1,
                              hdr, NULL, 0, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "NoSuchPublicAccessBlockConfiguration") != 0)
        return rc;
    cJSON *pab = pab_json(rc == HW_OK ? doc : NULL);
    xmlFreeDoc(doc);
    cJSON_AddItemToObject(*state, "PublicAccessBlock", pab);
    *verdict = pab_all(pab) ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "bucket %s: Block Public Access %s", b,
             *verdict == HW_RV_COMPLIANT ? "on (all four flags)" : "not fully on");
    return HW_OK;
}

static int bucket_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    const char *b = rx_bucket_of(t->resource);
    char path[80], owner[64], md5[64];
    snprintf(path, sizeof path, "/%s", b ? b : "");
    snprintf(owner, sizeof owner, "x-amz-expected-bucket-owner: %s", t->account);
    char *body = pab_body("http://s3.amazonaws.com/doc/2006-03-01/");
    if (!body)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    rx_content_md5(body, md5);
    const char *hdr[] = { owner, md5, "Content-Type: application/xml", NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param q[] = { { "publicAccessBlock", "" } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3, "PutPublicAccessBlock", "PUT", path, q, 1,
                                  hdr, body, strlen(body), &doc, e);
    xmlFreeDoc(doc);
    free(body);
    return rc;
}

static const char *const bucket_controls[] = { "S3.8", NULL };
static const char *const bucket_perms[] = { "s3:GetBucketTagging", "s3:GetBucketPublicAccessBlock",
                                            "s3:PutBucketPublicAccessBlock", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_s3_bucket_pab = {
    "s3-block-public-access", bucket_controls, none, bucket_perms,
    bucket_calls, bucket_read, bucket_fix, 1,
};

/* ----------------------------------------------------------- S3.1 account */

static const char account_path[] = "/v20180820/configuration/publicAccessBlock";

static cJSON *account_calls(const hw_remedy_target *t)
{
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "s3control:GetPublicAccessBlock AccountId=%s", t->account);
    rx_call(c, "s3control:PutPublicAccessBlock AccountId=%s BlockPublicAcls=true "
               "IgnorePublicAcls=true BlockPublicPolicy=true RestrictPublicBuckets=true",
            t->account);
    rx_call(c, "s3control:GetPublicAccessBlock AccountId=%s (verify)", t->account);
    return c;
}

static int account_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                        char why[256], hw_err *e)
{
    char acct[64];
    snprintf(acct, sizeof acct, "x-amz-account-id: %s", t->account);
    const char *hdr[] = { acct, NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    xmlDocPtr doc = NULL;
    int rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3control, "GetPublicAccessBlock", "GET",
                                  account_path, NULL, 0, hdr, NULL, 0, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "NoSuchPublicAccessBlockConfiguration") != 0)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "AccountId", t->account);
    cJSON *pab = pab_json(rc == HW_OK ? doc : NULL);
    xmlFreeDoc(doc);
    cJSON_AddItemToObject(*state, "PublicAccessBlock", pab);
    *verdict = pab_all(pab) ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "account %s: Block Public Access %s", t->account,
             *verdict == HW_RV_COMPLIANT ? "on (all four flags)" : "not fully on");
    return HW_OK;
}

static int account_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    char acct[64], md5[64];
    snprintf(acct, sizeof acct, "x-amz-account-id: %s", t->account);
    char *body = pab_body("http://awss3control.amazonaws.com/doc/2018-08-20/");
    if (!body)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    rx_content_md5(body, md5);
    const char *hdr[] = { acct, md5, "Content-Type: application/xml", NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    xmlDocPtr doc = NULL;
    int rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3control, "PutPublicAccessBlock", "PUT",
                                  account_path, NULL, 0, hdr, body, strlen(body), &doc, e);
    xmlFreeDoc(doc);
    free(body);
    return rc;
}

static const char *const account_controls[] = { "S3.1", NULL };
static const char *const account_perms[] = { "s3:GetAccountPublicAccessBlock",
                                             "s3:PutAccountPublicAccessBlock", NULL };

const hw_remedy_family hw_remedy_s3_account_pab = {
    "s3-block-public-access", account_controls, none, account_perms,
    account_calls, account_read, account_fix, 0,
};
