/*
 * kms.c - automatic rotation of KMS keys (KMS.4): ListResourceTags
 * (exemption tag), DescribeKey, GetKeyRotationStatus, then
 * EnableKeyRotation.  Only customer-managed symmetric encryption keys with
 * key material from KMS can rotate automatically: an AWS managed key, an
 * asymmetric or HMAC key, imported or custom key store material, or a key
 * that is not enabled is refused with the reason, never changed.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static const hw_aws_service svc_kms = {
    "kms", "kms", "kms", "KMS", HW_AWS_JSON, "TrentService", "1.1", NULL, 0,
};

/* "arn:P:kms:REGION:ACCOUNT:key/ID" -> 1 with its region, or 0. */
static int key_arn(const char *arn, char region[32])
{
    char part[16], acct[16], id[80];
    int n = 0;
    if (sscanf(arn, "arn:%15[^:]:kms:%31[^:]:%15[^:]:key/%79[A-Za-z0-9-]%n", part, region, acct,
               id, &n) != 4 ||
        arn[n] != '\0')
        return 0;
    return 1;
}

static cJSON *kms_calls(const hw_remedy_target *t)
{
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "kms:ListResourceTags KeyId=%s (exemption tag %s)", t->resource, t->exemption_tag);
    rx_call(c, "kms:DescribeKey KeyId=%s (customer managed, symmetric, KMS key material)",
            t->resource);
    rx_call(c, "kms:GetKeyRotationStatus KeyId=%s", t->resource);
    rx_call(c, "kms:EnableKeyRotation KeyId=%s", t->resource);
    rx_call(c, "kms:GetKeyRotationStatus KeyId=%s (verify)", t->resource);
    return c;
}

static int kms_call(hw_aws_client *c, const hw_remedy_target *t, const char *region,
                    const char *op, cJSON **resp, hw_err *e)
{
    hw_aws_ctx ctx = { region, t->account };
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "KeyId", t->resource);
    int rc = hw_aws_json_call(c, &ctx, &svc_kms, op, req, resp, e);
    cJSON_Delete(req);
    return rc;
}

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

static int kms_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    char region[32];
    if (!key_arn(t->resource, region)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not a KMS key ARN", t->resource);
        return HW_OK;
    }
    cJSON *resp = NULL;
    int rc = kms_call(c, t, region, "ListResourceTags", &resp, e);
    if (rc != HW_OK && strcmp(rx_code(c), "NotFoundException") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "key %.200s no longer exists", t->resource);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "KeyArn", t->resource);
    const cJSON *tag;
    cJSON_ArrayForEach(tag, cJSON_GetObjectItemCaseSensitive(resp, "Tags"))
    {
        rx_tag(t, *state, jstr(tag, "TagKey"), jstr(tag, "TagValue"));
        if (strcmp(jstr(tag, "TagKey"), t->exemption_tag) == 0) {
            cJSON_AddStringToObject(*state, "ExemptionTag", jstr(tag, "TagValue"));
            snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, jstr(tag, "TagValue"));
            *verdict = HW_RV_EXEMPT;
        }
    }
    cJSON_Delete(resp);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    resp = NULL;
    if ((rc = kms_call(c, t, region, "DescribeKey", &resp, e)) != HW_OK)
        return rc;
    const cJSON *md = cJSON_GetObjectItemCaseSensitive(resp, "KeyMetadata");
    const char *fields[] = { "KeyManager", "KeySpec", "Origin", "KeyState" };
    for (size_t i = 0; i < HW_ARRAY_LEN(fields); i++)
        cJSON_AddStringToObject(*state, fields[i], jstr(md, fields[i]));
    char kind[160] = "";
    if (strcmp(jstr(md, "KeyState"), "PendingDeletion") == 0 ||
        strcmp(jstr(md, "KeyState"), "PendingReplicaDeletion") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "key %.150s is pending deletion", t->resource);
        cJSON_Delete(resp);
        return HW_OK;
    }
    if (strcmp(jstr(md, "KeyManager"), "CUSTOMER") != 0)
        snprintf(kind, sizeof kind, "is managed by %.20s, not by the customer",
                 jstr(md, "KeyManager"));
    else if (strcmp(jstr(md, "KeySpec"), "SYMMETRIC_DEFAULT") != 0)
        snprintf(kind, sizeof kind, "is %.40s, not a symmetric encryption key",
                 jstr(md, "KeySpec"));
    else if (strcmp(jstr(md, "Origin"), "AWS_KMS") != 0)
        snprintf(kind, sizeof kind, "has key material from %.40s, which KMS cannot rotate",
                 jstr(md, "Origin"));
    else if (strcmp(jstr(md, "KeyState"), "Enabled") != 0)
        snprintf(kind, sizeof kind, "is %.40s, not Enabled", jstr(md, "KeyState"));
    cJSON_Delete(resp);
    if (*kind) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "key %.150s %s; not changed", t->resource, kind);
        return HW_OK;
    }
    resp = NULL;
    if ((rc = kms_call(c, t, region, "GetKeyRotationStatus", &resp, e)) != HW_OK)
        return rc;
    int on = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(resp, "KeyRotationEnabled"));
    cJSON_Delete(resp);
    cJSON_AddBoolToObject(*state, "KeyRotationEnabled", on);
    *verdict = on ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "key %.180s: automatic rotation %s", t->resource, on ? "on" : "off");
    return HW_OK;
}

static int kms_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    char region[32];
    if (!key_arn(t->resource, region))
        return hw_err_set(e, HW_EINVAL, "%s is not a KMS key ARN", t->resource);
    cJSON *resp = NULL;
    int rc = kms_call(c, t, region, "EnableKeyRotation", &resp, e);
    cJSON_Delete(resp);
    return rc;
}

static const char *const controls[] = { "KMS.4", NULL };
static const char *const perms[] = { "kms:ListResourceTags", "kms:DescribeKey",
                                     "kms:GetKeyRotationStatus", "kms:EnableKeyRotation", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_kms_rotation = {
    "kms-enable-rotation", controls, none, perms, kms_calls, kms_read, kms_fix, 1,
};
