/*
 * s3_encryption.c - default encryption of a bucket (S3.4): SSE-S3
 * (AES256), or SSE-KMS with remediation.s3_encryption_kms_key and an S3
 * Bucket Key when that is set.  A bucket that already has a default
 * encryption rule of any kind is compliant and left as it is.  Every call
 * carries ExpectedBucketOwner, so a bucket of another account is never
 * touched.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static const char s3ns[] = "http://s3.amazonaws.com/doc/2006-03-01/";

static const char *kms_key(const hw_remedy_target *t)
{
    const char *k = t->cfg ? t->cfg->remediation.s3_kms_key : NULL;
    return k && *k ? k : NULL;
}

/* A KMS key id, ARN or alias has only these characters (and nothing an
 * XML body would have to escape). */
static int kms_key_ok(const char *k)
{
    size_t n = strlen(k);
    return n > 0 && n <= 2048 &&
           strspn(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/_-") == n;
}

static cJSON *enc_calls(const hw_remedy_target *t)
{
    const char *b = rx_bucket_of(t->resource);
    const char *k = kms_key(t);
    b = b ? b : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "s3:GetBucketTagging Bucket=%s ExpectedBucketOwner=%s (exemption tag %s)", b,
            t->account, t->exemption_tag);
    rx_call(c, "s3:GetBucketEncryption Bucket=%s ExpectedBucketOwner=%s", b, t->account);
    if (k)
        rx_call(c, "s3:PutBucketEncryption Bucket=%s ExpectedBucketOwner=%s SSEAlgorithm=aws:kms "
                   "KMSMasterKeyID=%.200s BucketKeyEnabled=true",
                b, t->account, k);
    else
        rx_call(c, "s3:PutBucketEncryption Bucket=%s ExpectedBucketOwner=%s SSEAlgorithm=AES256", b,
                t->account);
    rx_call(c, "s3:GetBucketEncryption Bucket=%s ExpectedBucketOwner=%s (verify)", b, t->account);
    return c;
}

static int enc_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
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
    hw_aws_param q[] = { { "encryption", "" } };
    xmlDocPtr doc = NULL;
    rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3, "GetBucketEncryption", "GET", path, q, 1, hdr,
                              NULL, 0, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "ServerSideEncryptionConfigurationNotFoundError") != 0)
        return rc;
    cJSON *rules = cJSON_AddArrayToObject(*state, "EncryptionRules");
    xmlNodePtr root = rc == HW_OK && doc ? xmlDocGetRootElement(doc) : NULL;
    const char *alg = NULL;
    for (xmlNodePtr r = root ? rx_next(root->children, "Rule") : NULL; r;
         r = rx_next(r->next, "Rule")) {
        cJSON *o = cJSON_CreateObject();
        const char *a = rx_text(r, "SSEAlgorithm");
        const char *k = rx_text(r, "KMSMasterKeyID");
        if (a && *a) {
            cJSON_AddStringToObject(o, "SSEAlgorithm", a);
            alg = alg ? alg : a;
        }
        if (k && *k)
            cJSON_AddStringToObject(o, "KMSMasterKeyID", k);
        cJSON_AddBoolToObject(o, "BucketKeyEnabled", rx_bool(rx_text(r, "BucketKeyEnabled")));
        cJSON_AddItemToArray(rules, o);
    }
    if (alg) {
        *verdict = HW_RV_COMPLIANT;
        snprintf(why, 256, "bucket %s: default encryption %.40s", b, alg);
    } else if (kms_key(t) && !kms_key_ok(kms_key(t))) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256,
                 "bucket %s: no default encryption, but remediation.s3_encryption_kms_key is "
                 "not a KMS key id, ARN or alias",
                 b);
    } else {
        snprintf(why, 256, "bucket %s: no default encryption", b);
    }
    xmlFreeDoc(doc);
    return HW_OK;
}

static int enc_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    const char *b = rx_bucket_of(t->resource);
    const char *k = kms_key(t);
    if (!b)
        return hw_err_set(e, HW_EINVAL, "%s is not an S3 bucket ARN", t->resource);
    if (k && !kms_key_ok(k))
        return hw_err_set(e, HW_EINVAL, "remediation.s3_encryption_kms_key: not a KMS key id");
    hw_buf body = HW_BUF_INIT(0);
    hw_buf_printf(&body, "<ServerSideEncryptionConfiguration xmlns=\"%s\"><Rule>"
                         "<ApplyServerSideEncryptionByDefault>", s3ns);
    if (k)
        hw_buf_printf(&body, "<SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>%s"
                             "</KMSMasterKeyID></ApplyServerSideEncryptionByDefault>"
                             "<BucketKeyEnabled>true</BucketKeyEnabled>", k);
    else
        hw_buf_puts(&body, "<SSEAlgorithm>AES256</SSEAlgorithm></ApplyServerSideEncryptionByDefault>");
    hw_buf_puts(&body, "</Rule></ServerSideEncryptionConfiguration>");
    char path[80], owner[64], md5[64];
    snprintf(path, sizeof path, "/%s", b);
    snprintf(owner, sizeof owner, "x-amz-expected-bucket-owner: %s", t->account);
    rx_content_md5(hw_buf_str(&body), md5);
    const char *hdr[] = { owner, md5, "Content-Type: application/xml", NULL };
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param q[] = { { "encryption", "" } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_rest_xml_call(c, &ctx, &hw_svc_s3, "PutBucketEncryption", "PUT", path, q, 1,
                                  hdr, hw_buf_str(&body), strlen(hw_buf_str(&body)), &doc, e);
    xmlFreeDoc(doc);
    hw_buf_free(&body);
    return rc;
}

static const char *const controls[] = { "S3.4", NULL };
static const char *const perms[] = { "s3:GetBucketTagging", "s3:GetEncryptionConfiguration",
                                     "s3:PutEncryptionConfiguration", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_s3_encryption = {
    "s3-enable-default-encryption", controls, none, perms, enc_calls, enc_read, enc_fix, 1,
};
