/*
 * ec2_default_sg.c - a VPC's default security group restricts all traffic
 * (EC2.2): every ingress and every egress rule of the group is revoked, by
 * SecurityGroupRuleId; the group itself stays (a default group cannot be
 * deleted).  Only a group named "default" is touched.  Disruptive: an
 * instance still using the default group loses that traffic.
 */
#include "remedy/remedy_int.h"

#include <stdlib.h>
#include <string.h>

#define BATCH 100 /* rule ids per revoke call */

/* "arn:aws:ec2:region:acct:security-group/sg-..." -> "sg-..." or NULL. */
static const char *group_of(const char *arn)
{
    const char *p = strstr(arn, ":security-group/");
    if (!p || !hw_starts_with(arn, "arn:"))
        return NULL;
    p += strlen(":security-group/");
    size_t n = strlen(p);
    if (n < 4 || n > 32 || !hw_starts_with(p, "sg-") ||
        strspn(p + 3, "0123456789abcdef") != n - 3)
        return NULL;
    return p;
}

static cJSON *dsg_calls(const hw_remedy_target *t)
{
    const char *g = group_of(t->resource);
    g = g ? g : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:DescribeSecurityGroups GroupId=%s (name default, owner, exemption tag %s)", g,
            t->exemption_tag);
    rx_call(c, "ec2:DescribeSecurityGroupRules Filter=group-id:%s", g);
    rx_call(c, "ec2:RevokeSecurityGroupIngress GroupId=%s SecurityGroupRuleIds=<every ingress "
               "rule>",
            g);
    rx_call(c, "ec2:RevokeSecurityGroupEgress GroupId=%s SecurityGroupRuleIds=<every egress rule>",
            g);
    rx_call(c, "ec2:DescribeSecurityGroupRules Filter=group-id:%s (verify)", g);
    return c;
}

/* A rule's id, into the ingress or the egress list. */
struct in_out {
    cJSON *in, *out;
};
static void sort_rule(void *arg, xmlNodePtr it)
{
    struct in_out *x = arg;
    const char *id = rx_text(it->children, "securityGroupRuleId");
    if (id)
        cJSON_AddItemToArray(rx_bool(rx_text(it->children, "isEgress")) ? x->out : x->in,
                             cJSON_CreateString(id));
}

static int read_rules(hw_aws_client *c, const hw_remedy_target *t, const char *g, cJSON *in,
                      cJSON *out, hw_err *e)
{
    struct in_out x = { in, out };
    return rx_sg_rules(c, t, g, sort_rule, &x, e);
}

static int dsg_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    const char *g = group_of(t->resource);
    if (!g) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not a security group ARN", t->resource);
        return HW_OK;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "GroupId.1", g } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "DescribeSecurityGroups", p, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "InvalidGroup.NotFound") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "security group %s no longer exists in %s", g, t->region);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    xmlNodePtr item = rx_find(xmlDocGetRootElement(doc), "item");
    const char *owner = item ? rx_text(item->children, "ownerId") : NULL;
    const char *name = item ? rx_text(item->children, "groupName") : NULL;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "GroupId", g);
    cJSON_AddStringToObject(*state, "GroupName", name ? name : "");
    cJSON_AddStringToObject(*state, "OwnerId", owner ? owner : "");
    const char *exempt = NULL;
    xmlNodePtr tags = item ? rx_find(item->children, "tagSet") : NULL;
    for (xmlNodePtr tg = tags ? rx_next(tags->children, "item") : NULL; tg;
         tg = rx_next(tg->next, "item")) {
        const char *k = rx_text(tg->children, "key");
        rx_tag(t, *state, k, rx_text(tg->children, "value"));
        if (k && strcmp(k, t->exemption_tag) == 0) {
            const char *v = rx_text(tg->children, "value");
            exempt = v ? v : "";
            cJSON_AddStringToObject(*state, "ExemptionTag", exempt);
            snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, exempt);
        }
    }
    int owned = owner && strcmp(owner, t->account) == 0;
    int dflt = name && strcmp(name, "default") == 0;
    char oname[64];
    snprintf(oname, sizeof oname, "%.60s", owner ? owner : "?");
    char gname[64];
    snprintf(gname, sizeof gname, "%.60s", name ? name : "?");
    xmlFreeDoc(doc);
    if (!item) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "security group %s no longer exists in %s", g, t->region);
    } else if (!owned) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "security group %s is owned by %.20s, not %s as the finding says", g,
                 oname, t->account);
    } else if (!dflt) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "security group %s is %s, not a VPC's default group; not changed", g,
                 gname);
    } else if (exempt) {
        *verdict = HW_RV_EXEMPT;
    }
    if (*verdict != HW_RV_FAILING)
        return HW_OK;
    cJSON *in = cJSON_AddArrayToObject(*state, "IngressRuleIds");
    cJSON *out = cJSON_AddArrayToObject(*state, "EgressRuleIds");
    if ((rc = read_rules(c, t, g, in, out, e)) != HW_OK)
        return rc;
    int ni = cJSON_GetArraySize(in), ne = cJSON_GetArraySize(out);
    *verdict = ni + ne ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "default security group %s: %d ingress and %d egress rule(s)", g, ni, ne);
    return HW_OK;
}

/* Revokes the ids of one direction, BATCH a call. */
static int revoke(hw_aws_client *c, const hw_remedy_target *t, const char *g, const char *op,
                  const cJSON *ids, hw_err *e)
{
    int n = cJSON_GetArraySize(ids);
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[BATCH + 1];
    char names[BATCH][40];
    for (int start = 0; start < n; start += BATCH) {
        size_t k = 0;
        p[k].name = "GroupId";
        p[k++].value = g;
        for (int i = start; i < n && i < start + BATCH; i++) {
            const cJSON *id = cJSON_GetArrayItem(ids, i);
            snprintf(names[i - start], sizeof names[0], "SecurityGroupRuleId.%d", i - start + 1);
            p[k].name = names[i - start];
            p[k++].value = cJSON_IsString(id) ? id->valuestring : "";
        }
        xmlDocPtr doc = NULL;
        int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, op, p, k, &doc, e);
        xmlFreeDoc(doc);
        if (rc != HW_OK)
            return rc;
    }
    return HW_OK;
}

static int dsg_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    const char *g = group_of(t->resource);
    if (!g)
        return hw_err_set(e, HW_EINVAL, "%s is not a security group ARN", t->resource);
    int rc = revoke(c, t, g, "RevokeSecurityGroupIngress",
                    cJSON_GetObjectItemCaseSensitive(state, "IngressRuleIds"), e);
    if (rc == HW_OK)
        rc = revoke(c, t, g, "RevokeSecurityGroupEgress",
                    cJSON_GetObjectItemCaseSensitive(state, "EgressRuleIds"), e);
    return rc;
}

static const char *const controls[] = { "EC2.2", NULL };
static const char *const disruptive[] = { "EC2.2", NULL };
static const char *const perms[] = { "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
                                     "ec2:RevokeSecurityGroupIngress",
                                     "ec2:RevokeSecurityGroupEgress", NULL };

const hw_remedy_family hw_remedy_ec2_default_sg = {
    "ec2-restrict-default-sg", controls, disruptive, perms, dsg_calls, dsg_read, dsg_fix, 1,
};
