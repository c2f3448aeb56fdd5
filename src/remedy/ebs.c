/*
 * ebs.c - EBS encryption by default (EC2.7), an account setting per
 * region: EnableEbsEncryptionByDefault.  New volumes are encrypted from
 * then on; existing volumes are untouched.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static cJSON *ebs_calls(const hw_remedy_target *t)
{
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:GetEbsEncryptionByDefault (account %s, region %s)", t->account, t->region);
    rx_call(c, "ec2:EnableEbsEncryptionByDefault (account %s, region %s)", t->account, t->region);
    rx_call(c, "ec2:GetEbsEncryptionByDefault (verify)");
    return c;
}

static int ebs_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    hw_aws_ctx ctx = rx_ctx(t);
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "GetEbsEncryptionByDefault", NULL, 0, &doc, e);
    if (rc != HW_OK)
        return rc;
    int on = rx_bool(rx_text(xmlDocGetRootElement(doc), "ebsEncryptionByDefault"));
    xmlFreeDoc(doc);
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "Region", t->region);
    cJSON_AddBoolToObject(*state, "EbsEncryptionByDefault", on);
    *verdict = on ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "account %s: EBS encryption by default %s in %s", t->account,
             on ? "on" : "off", t->region);
    return HW_OK;
}

static int ebs_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    hw_aws_ctx ctx = rx_ctx(t);
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "EnableEbsEncryptionByDefault", NULL, 0, &doc,
                               e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const controls[] = { "EC2.7", NULL };
static const char *const perms[] = { "ec2:GetEbsEncryptionByDefault",
                                     "ec2:EnableEbsEncryptionByDefault", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_ebs_default = {
    "ebs-default-encryption", controls, none, perms, ebs_calls, ebs_read, ebs_fix, 0,
};
