/*
 * iam_keys.c - stale access keys (IAM.3 older than 90 days, IAM.8 unused
 * for 90 days, IAM.22 unused for 45 days): deactivate exactly the stale
 * active keys of the user, never delete; a fresh key of the same user
 * stays active.  Disruptive: a workload using the key stops working.
 */
#include "remedy/remedy_int.h"

#include <string.h>

#define DAY (24 * 3600)

int hw_remedy_key_stale(const char *control, int64_t now, int64_t created, int64_t last_used)
{
    int64_t used = last_used > 0 ? last_used : created;
    if (strcmp(control, "IAM.3") == 0)
        return created > 0 && now - created > 90 * DAY;
    if (strcmp(control, "IAM.8") == 0)
        return used > 0 && now - used > 90 * DAY;
    if (strcmp(control, "IAM.22") == 0)
        return used > 0 && now - used > 45 * DAY;
    return 0;
}

/* "arn:aws:iam::acct:user/path/name" -> "name" or NULL. */
static const char *user_of(const char *arn)
{
    const char *p = strstr(arn, ":user/");
    if (!p)
        return NULL;
    const char *name = strrchr(p, '/') + 1;
    size_t n = strlen(name);
    if (n < 1 || n > 64 ||
        strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") != n)
        return NULL;
    return name;
}

static cJSON *key_calls(const hw_remedy_target *t)
{
    const char *u = user_of(t->resource);
    u = u ? u : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "iam:ListUserTags UserName=%s (exemption tag %s)", u, t->exemption_tag);
    rx_call(c, "iam:ListAccessKeys UserName=%s", u);
    rx_call(c, "iam:GetAccessKeyLastUsed AccessKeyId=<each active key>");
    rx_call(c, "iam:UpdateAccessKey UserName=%s AccessKeyId=<each stale active key> "
               "Status=Inactive (never deleted)",
            u);
    rx_call(c, "iam:ListAccessKeys UserName=%s (verify)", u);
    return c;
}

static int iam_call(hw_aws_client *c, const hw_remedy_target *t, const char *op,
                    const hw_aws_param *p, size_t n, xmlDocPtr *doc, hw_err *e)
{
    /* IAM is global: signed for the partition's home region */
    const char *region = strcmp(hw_aws_partition(t->region), "aws") == 0 ? "us-east-1" : t->region;
    hw_aws_ctx ctx = { region, t->account };
    return hw_aws_query_call(c, &ctx, &hw_svc_iam, op, p, n, doc, e);
}

static int key_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    const char *u = user_of(t->resource);
    if (!u) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an IAM user ARN", t->resource);
        return HW_OK;
    }
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
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "UserName", u);
    const char *exempt = NULL;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr tags = rx_find(root, "Tags");
    for (xmlNodePtr m = tags ? rx_next(tags->children, "member") : NULL; m;
         m = rx_next(m->next, "member")) {
        const char *k = rx_text(m->children, "Key");
        rx_tag(t, *state, k, rx_text(m->children, "Value"));
        if (k && strcmp(k, t->exemption_tag) == 0) {
            const char *v = rx_text(m->children, "Value");
            exempt = v ? v : "";
            cJSON_AddStringToObject(*state, "ExemptionTag", exempt);
            snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, exempt);
        }
    }
    xmlFreeDoc(doc);
    if (exempt) {
        *verdict = HW_RV_EXEMPT;
        return HW_OK;
    }
    doc = NULL;
    if ((rc = iam_call(c, t, "ListAccessKeys", p, 1, &doc, e)) != HW_OK)
        return rc;
    cJSON *keys = cJSON_AddArrayToObject(*state, "AccessKeys");
    cJSON *stale = cJSON_AddArrayToObject(*state, "Stale");
    int64_t now = hw_now();
    root = xmlDocGetRootElement(doc);
    xmlNodePtr md = rx_find(root, "AccessKeyMetadata");
    for (xmlNodePtr m = md ? rx_next(md->children, "member") : NULL; m && rc == HW_OK;
         m = rx_next(m->next, "member")) {
        const char *id = rx_text(m->children, "AccessKeyId");
        const char *status = rx_text(m->children, "Status");
        const char *cd = rx_text(m->children, "CreateDate");
        if (!id)
            continue;
        int64_t created = 0, used = 0;
        if (cd)
            hw_time_parse(cd, &created);
        cJSON *k = cJSON_CreateObject();
        cJSON_AddStringToObject(k, "AccessKeyId", id);
        cJSON_AddStringToObject(k, "Status", status ? status : "");
        cJSON_AddStringToObject(k, "CreateDate", cd ? cd : "");
        cJSON_AddItemToArray(keys, k);
        if (!status || strcmp(status, "Active") != 0)
            continue;
        hw_aws_param kp[] = { { "AccessKeyId", id } };
        xmlDocPtr lu = NULL;
        if ((rc = iam_call(c, t, "GetAccessKeyLastUsed", kp, 1, &lu, e)) != HW_OK)
            break;
        const char *ld = rx_text(xmlDocGetRootElement(lu), "LastUsedDate");
        if (ld && *ld)
            hw_time_parse(ld, &used);
        cJSON_AddStringToObject(k, "LastUsedDate", ld ? ld : "");
        xmlFreeDoc(lu);
        if (hw_remedy_key_stale(t->control, now, created, used))
            cJSON_AddItemToArray(stale, cJSON_CreateString(id));
    }
    xmlFreeDoc(doc);
    if (rc != HW_OK)
        return rc;
    /* never the key hubwarden itself runs with: that would lock it out */
    hw_aws_creds own;
    hw_err ce;
    const cJSON *sk;
    if (hw_aws_resolve_creds(c, &own, &ce) == HW_OK)
        cJSON_ArrayForEach(sk, stale)
            if (cJSON_IsString(sk) && strcmp(sk->valuestring, own.access_key_id) == 0) {
                *verdict = HW_RV_REFUSED;
                snprintf(why, 256, "user %s: stale key %s is the one hubwarden runs with", u,
                         own.access_key_id);
                return HW_OK;
            }
    int n = cJSON_GetArraySize(stale);
    *verdict = n ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "user %s: %d stale active key(s) for %s", u, n, t->control);
    return HW_OK;
}

static int key_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    const char *u = user_of(t->resource);
    const cJSON *id;
    cJSON_ArrayForEach(id, cJSON_GetObjectItemCaseSensitive(state, "Stale")) {
        if (!cJSON_IsString(id))
            continue;
        hw_aws_param p[] = { { "AccessKeyId", id->valuestring },
                             { "Status", "Inactive" },
                             { "UserName", u } };
        xmlDocPtr doc = NULL;
        int rc = iam_call(c, t, "UpdateAccessKey", p, 3, &doc, e);
        xmlFreeDoc(doc);
        if (rc != HW_OK)
            return rc;
    }
    return HW_OK;
}

static const char *const controls[] = { "IAM.3", "IAM.8", "IAM.22", NULL };
static const char *const perms[] = { "iam:ListUserTags", "iam:ListAccessKeys",
                                     "iam:GetAccessKeyLastUsed", "iam:UpdateAccessKey", NULL };

const hw_remedy_family hw_remedy_iam_stale_keys = {
    "iam-deactivate-stale-keys", controls, controls /* all disruptive */, perms,
    key_calls, key_read, key_fix, 1,
};
