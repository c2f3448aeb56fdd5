/*
 * ec2_imds.c - instances require IMDSv2 (EC2.8): DescribeInstances
 * (owner, exemption tag, metadataOptions), then
 * ModifyInstanceMetadataOptions HttpTokens=required and nothing else (the
 * endpoint, hop limit and tags settings stay).  Disruptive: software on
 * the instance still using IMDSv1 loses its credentials.  A terminated
 * instance is gone.
 */
#include "remedy/remedy_int.h"

#include <string.h>

/* "arn:P:ec2:REGION:ACCOUNT:instance/i-..." -> "i-..." or NULL. */
static const char *instance_of(const char *arn)
{
    const char *p = strstr(arn, ":instance/i-");
    if (!p || !hw_starts_with(arn, "arn:"))
        return NULL;
    p += 10;
    size_t n = strlen(p);
    if (n < 3 || n > 40 || strspn(p + 2, "0123456789abcdef") != n - 2)
        return NULL;
    return p;
}

static cJSON *imds_calls(const hw_remedy_target *t)
{
    const char *i = instance_of(t->resource);
    i = i ? i : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:DescribeInstances InstanceId.1=%s (owner, exemption tag %s, metadata options)",
            i, t->exemption_tag);
    rx_call(c, "ec2:ModifyInstanceMetadataOptions InstanceId=%s HttpTokens=required", i);
    rx_call(c, "ec2:DescribeInstances InstanceId.1=%s (verify)", i);
    return c;
}

static int imds_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                     char why[256], hw_err *e)
{
    const char *id = instance_of(t->resource);
    if (!id) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an EC2 instance ARN", t->resource);
        return HW_OK;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "InstanceId.1", id } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "DescribeInstances", p, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "InvalidInstanceID.NotFound") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "instance %s no longer exists", id);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr res = rx_find(root, "reservationSet");
    res = res ? rx_next(res->children, "item") : NULL;
    const char *owner = res ? rx_text(res->children, "ownerId") : NULL;
    xmlNodePtr inst = res ? rx_find(res, "instancesSet") : NULL;
    inst = inst ? rx_next(inst->children, "item") : NULL;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "InstanceId", id);
    const char *st = inst ? rx_text(rx_find(inst, "instanceState"), "name") : NULL;
    if (!inst || (st && (strcmp(st, "terminated") == 0 || strcmp(st, "shutting-down") == 0))) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "instance %s %s", id, inst ? "is terminated" : "no longer exists");
        xmlFreeDoc(doc);
        return HW_OK;
    }
    if (!owner || strcmp(owner, t->account) != 0) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "instance %s is owned by %.20s, not %s as the finding says", id,
                 owner ? owner : "?", t->account);
        xmlFreeDoc(doc);
        return HW_OK;
    }
    cJSON_AddStringToObject(*state, "State", st ? st : "");
    rx_xml_tags(t, *state, rx_find(inst, "tagSet"), "item", "key", "value", verdict, why);
    xmlNodePtr md = rx_find(inst, "metadataOptions");
    const char *tokens = md ? rx_text(md, "httpTokens") : NULL;
    const char *endpoint = md ? rx_text(md, "httpEndpoint") : NULL;
    cJSON_AddStringToObject(*state, "HttpTokens", tokens ? tokens : "");
    cJSON_AddStringToObject(*state, "HttpEndpoint", endpoint ? endpoint : "");
    int v2 = tokens && strcmp(tokens, "required") == 0;
    if (*verdict != HW_RV_EXEMPT) {
        *verdict = v2 ? HW_RV_COMPLIANT : HW_RV_FAILING;
        snprintf(why, 256, "instance %s: IMDSv2 %s (HttpTokens %.20s)", id,
                 v2 ? "required" : "not required", tokens ? tokens : "?");
    }
    xmlFreeDoc(doc);
    return HW_OK;
}

static int imds_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    const char *id = instance_of(t->resource);
    if (!id)
        return hw_err_set(e, HW_EINVAL, "%s is not an EC2 instance ARN", t->resource);
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "HttpTokens", "required" }, { "InstanceId", id } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "ModifyInstanceMetadataOptions", p, 2, &doc,
                               e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const controls[] = { "EC2.8", NULL };
static const char *const disruptive[] = { "EC2.8", NULL };
static const char *const perms[] = { "ec2:DescribeInstances", "ec2:ModifyInstanceMetadataOptions",
                                     NULL };

const hw_remedy_family hw_remedy_ec2_imdsv2 = {
    "ec2-require-imdsv2", controls, disruptive, perms, imds_calls, imds_read, imds_fix, 1,
};
