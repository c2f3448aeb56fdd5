/*
 * ec2_sg.c - security groups open to the world (EC2.13, EC2.14, EC2.19,
 * EC2.53, EC2.54): revoke only the ingress rules from 0.0.0.0/0 or ::/0
 * (as the control defines) that reach one of the control's ports, by
 * SecurityGroupRuleId.  Every other rule stays, the same port from a
 * private range and other ports from the world included.
 */
#include "remedy/remedy_int.h"

#include <stdlib.h>
#include <string.h>

struct sg_control {
    const char *id;
    int v4, v6;
    const int *ports;
    size_t nports;
};

static const int p_ssh[] = { 22 };
static const int p_rdp[] = { 3389 };
static const int p_admin[] = { 22, 3389 };
/* EC2.19's high-risk ports (AWS Security Hub controls reference) */
static const int p_risk[] = { 20,   21,   22,   23,   25,   110,  135,  143,  445,  1433, 1434, 3000,
                              3306, 3389, 4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300 };

static const struct sg_control sg_controls[] = {
    { "EC2.13", 1, 0, p_ssh, HW_ARRAY_LEN(p_ssh) },
    { "EC2.14", 1, 0, p_rdp, HW_ARRAY_LEN(p_rdp) },
    { "EC2.19", 1, 1, p_risk, HW_ARRAY_LEN(p_risk) },
    { "EC2.53", 1, 0, p_admin, HW_ARRAY_LEN(p_admin) },
    { "EC2.54", 0, 1, p_admin, HW_ARRAY_LEN(p_admin) },
};

static const struct sg_control *sg_control(const char *id)
{
    for (size_t i = 0; i < HW_ARRAY_LEN(sg_controls); i++)
        if (strcmp(sg_controls[i].id, id) == 0)
            return &sg_controls[i];
    return NULL;
}

/* "arn:aws:ec2:region:acct:security-group/sg-..." -> "sg-..." or NULL. */
static const char *group_of(const char *arn)
{
    const char *p = strstr(arn, ":security-group/");
    if (!p)
        return NULL;
    p += strlen(":security-group/");
    size_t n = strlen(p);
    if (n < 4 || n > 32 || !hw_starts_with(p, "sg-") ||
        strspn(p + 3, "0123456789abcdef") != n - 3)
        return NULL;
    return p;
}

static void ports_text(const struct sg_control *sc, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < sc->nports && used + 8 < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s%d", i ? "," : "", sc->ports[i]);
}

/*
 * Whether one ingress rule offends the control: from the world (as the
 * control counts it) and reaching one of its ports.  Pure, for tests.
 */
int hw_remedy_sg_rule_offends(const char *control, const char *cidr4, const char *cidr6,
                              const char *proto, int from, int to)
{
    const struct sg_control *sc = sg_control(control);
    if (!sc)
        return 0;
    int world = (sc->v4 && cidr4 && strcmp(cidr4, "0.0.0.0/0") == 0) ||
                (sc->v6 && cidr6 && strcmp(cidr6, "::/0") == 0);
    if (!world)
        return 0;
    if (strcmp(proto, "-1") == 0)
        return 1; /* every protocol, every port */
    if (strcmp(proto, "tcp") != 0 && strcmp(proto, "udp") != 0 && strcmp(proto, "6") != 0 &&
        strcmp(proto, "17") != 0)
        return 0;
    if (from == -1 && to == -1)
        return 1;
    for (size_t i = 0; i < sc->nports; i++)
        if (from <= sc->ports[i] && sc->ports[i] <= to)
            return 1;
    return 0;
}

static cJSON *sg_calls(const hw_remedy_target *t)
{
    const char *g = group_of(t->resource);
    const struct sg_control *sc = sg_control(t->control);
    char ports[160] = "";
    if (sc)
        ports_text(sc, ports, sizeof ports);
    g = g ? g : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:DescribeSecurityGroups GroupId=%s (owner, exemption tag %s)", g,
            t->exemption_tag);
    rx_call(c, "ec2:DescribeSecurityGroupRules Filter=group-id:%s", g);
    rx_call(c, "ec2:RevokeSecurityGroupIngress GroupId=%s SecurityGroupRuleIds=<ingress rules "
               "from %s on ports %s>",
            g, sc && sc->v4 && sc->v6 ? "0.0.0.0/0 or ::/0" : sc && sc->v6 ? "::/0" : "0.0.0.0/0",
            ports);
    rx_call(c, "ec2:DescribeSecurityGroupRules Filter=group-id:%s (verify)", g);
    return c;
}

static int int_of(const char *s)
{
    return s && *s ? atoi(s) : -1;
}

/* One ingress rule into the group's state, and its id into offending when
 * it breaks the control. */
struct rule_ctx {
    const hw_remedy_target *t;
    cJSON *rules, *offending;
};
static void add_rule(void *arg, xmlNodePtr it)
{
    struct rule_ctx *x = arg;
    xmlNodePtr k = it->children;
    const char *id = rx_text(k, "securityGroupRuleId");
    const char *egress = rx_text(k, "isEgress");
    const char *proto = rx_text(k, "ipProtocol");
    const char *v4 = rx_text(k, "cidrIpv4"), *v6 = rx_text(k, "cidrIpv6");
    int from = int_of(rx_text(k, "fromPort")), to = int_of(rx_text(k, "toPort"));
    if (!id || rx_bool(egress))
        return;
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "SecurityGroupRuleId", id);
    cJSON_AddStringToObject(r, "IpProtocol", proto ? proto : "");
    cJSON_AddNumberToObject(r, "FromPort", from);
    cJSON_AddNumberToObject(r, "ToPort", to);
    if (v4)
        cJSON_AddStringToObject(r, "CidrIpv4", v4);
    if (v6)
        cJSON_AddStringToObject(r, "CidrIpv6", v6);
    const char *ref = rx_text(k, "groupId");
    if (rx_find(k, "referencedGroupInfo") && ref)
        cJSON_AddStringToObject(r, "ReferencedGroupId", ref);
    cJSON_AddItemToArray(x->rules, r);
    if (hw_remedy_sg_rule_offends(x->t->control, v4, v6, proto ? proto : "", from, to))
        cJSON_AddItemToArray(x->offending, cJSON_CreateString(id));
}

static int read_rules(hw_aws_client *c, const hw_remedy_target *t, const char *g, cJSON *rules,
                      cJSON *offending, hw_err *e)
{
    struct rule_ctx x = { t, rules, offending };
    return rx_sg_rules(c, t, g, add_rule, &x, e);
}

static int sg_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                   char why[256], hw_err *e)
{
    const char *g = group_of(t->resource);
    if (!g || !sg_control(t->control)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not a security group ARN for %s", t->resource, t->control);
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
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr item = rx_find(root, "item");
    const char *owner = item ? rx_text(item->children, "ownerId") : NULL;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "GroupId", g);
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
    char oname[64]; /* owner is the document's: copied before it is freed */
    snprintf(oname, sizeof oname, "%.20s", owner ? owner : "?");
    xmlFreeDoc(doc);
    if (!item) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "security group %s no longer exists in %s", g, t->region);
        return HW_OK;
    }
    if (!owned) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "security group %s is owned by %s, not %s as the finding says", g,
                 oname, t->account);
        return HW_OK;
    }
    if (exempt) {
        *verdict = HW_RV_EXEMPT;
        return HW_OK;
    }
    cJSON *rules = cJSON_AddArrayToObject(*state, "IngressRules");
    cJSON *off = cJSON_AddArrayToObject(*state, "Offending");
    if ((rc = read_rules(c, t, g, rules, off, e)) != HW_OK)
        return rc;
    int n = cJSON_GetArraySize(off);
    *verdict = n ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "security group %s: %d ingress rule(s) open to the world on %s's ports", g,
             n, t->control);
    return HW_OK;
}

static int sg_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    const char *g = group_of(t->resource);
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(state, "Offending");
    int n = cJSON_GetArraySize(off);
    if (n <= 0)
        return HW_OK;
    hw_aws_param *p = calloc((size_t)n + 1, sizeof *p);
    char(*names)[40] = calloc((size_t)n, sizeof *names);
    if (!p || !names) {
        free(p);
        free(names);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    p[0].name = "GroupId";
    p[0].value = g;
    int i = 0;
    const cJSON *id;
    cJSON_ArrayForEach(id, off) {
        snprintf(names[i], sizeof names[i], "SecurityGroupRuleId.%d", i + 1);
        p[i + 1].name = names[i];
        p[i + 1].value = cJSON_IsString(id) ? id->valuestring : "";
        i++;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "RevokeSecurityGroupIngress", p,
                               (size_t)n + 1, &doc, e);
    xmlFreeDoc(doc);
    free(p);
    free(names);
    return rc;
}

static const char *const controls[] = { "EC2.13", "EC2.14", "EC2.19", "EC2.53", "EC2.54", NULL };
static const char *const perms[] = { "ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroupRules",
                                     "ec2:RevokeSecurityGroupIngress", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_ec2_open_ingress = {
    "ec2-revoke-open-ingress", controls, none, perms, sg_calls, sg_read, sg_fix, 1,
};
