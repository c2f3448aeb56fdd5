/*
 * pb_ec2.c - the ec2-compromise playbook: preserve evidence, then isolate.
 * Every attached EBS volume is snapshotted first (tagged with the finding
 * id and the instance); then the instance's security groups are replaced
 * by the VPC's quarantine group (created once with no rules at all, its
 * default egress rule revoked, and reused), the instance is tagged with
 * its original groups and the finding id, and termination and stop
 * protection are turned on.  Nothing is ever terminated or stopped.
 * hw_remedy_undo() puts the original groups back.
 */
#include "remedy/remedy_int.h"

#include <stdlib.h>
#include <string.h>

#define Q_NAME "hubwarden-quarantine"
#define TAG_FINDING "hubwarden:finding"
#define TAG_INSTANCE "hubwarden:instance"
#define TAG_GROUPS "hubwarden:original-groups"

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : "";
}

/* "arn:aws:ec2:r:a:instance/i-0abc" -> "i-0abc", or NULL. */
static const char *instance_of(const char *arn)
{
    const char *p = strstr(arn, ":instance/");
    if (!p || !hw_starts_with(arn, "arn:"))
        return NULL;
    p += strlen(":instance/");
    size_t n = strlen(p);
    if (n < 3 || n > 40 || !hw_starts_with(p, "i-") ||
        strspn(p + 2, "0123456789abcdef") != n - 2)
        return NULL;
    return p;
}

/* The finding's Id (what snapshots and the instance are tagged with). */
static void finding_id(const hw_remedy_target *t, char out[256])
{
    out[0] = '\0';
    cJSON *j = t->finding ? cJSON_Parse(t->finding) : NULL;
    const char *id = jstr(j, "Id");
    if (strlen(id) < 256) /* a tag value holds at most 256 characters */
        snprintf(out, 256, "%s", id);
    cJSON_Delete(j);
}

static cJSON *ec2x_calls(const hw_remedy_target *t)
{
    const char *i = instance_of(t->resource);
    i = i ? i : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:DescribeInstances InstanceIds=%s (state, VPC, groups, volumes, exemption tag %s)",
            i, t->exemption_tag);
    rx_call(c, "ec2:DescribeInstanceAttribute InstanceId=%s Attribute=disableApiTermination", i);
    rx_call(c, "ec2:DescribeInstanceAttribute InstanceId=%s Attribute=disableApiStop", i);
    rx_call(c, "ec2:DescribeSnapshots OwnerIds=self Filters=tag:%s=<finding id>", TAG_FINDING);
    rx_call(c, "ec2:DescribeSecurityGroups Filters=vpc-id=<the instance's VPC>,group-name=%s",
            Q_NAME);
    rx_call(c, "ec2:CreateSnapshot VolumeId=<each attached volume not yet snapshotted> "
               "Tags=%s=<finding id>,%s=%s (first)",
            TAG_FINDING, TAG_INSTANCE, i);
    rx_call(c, "ec2:CreateSecurityGroup GroupName=%s VpcId=<the VPC> (only when the VPC has none)",
            Q_NAME);
    rx_call(c, "ec2:DescribeSecurityGroupRules Filters=group-id=<the quarantine group>");
    rx_call(c, "ec2:RevokeSecurityGroupEgress GroupId=<the quarantine group> "
               "SecurityGroupRuleIds=<every egress rule> (no rules at all)");
    rx_call(c, "ec2:RevokeSecurityGroupIngress GroupId=<the quarantine group> "
               "SecurityGroupRuleIds=<any ingress rule>");
    rx_call(c, "ec2:CreateTags Resources=%s Tags=%s=<original groups>,%s=<finding id>", i,
            TAG_GROUPS, TAG_FINDING);
    rx_call(c, "ec2:ModifyInstanceAttribute InstanceId=%s Groups=<the quarantine group>", i);
    rx_call(c, "ec2:ModifyInstanceAttribute InstanceId=%s DisableApiTermination=true", i);
    rx_call(c, "ec2:ModifyInstanceAttribute InstanceId=%s DisableApiStop=true (never terminated "
               "or stopped)",
            i);
    return c;
}

static int ec2_call(hw_aws_client *c, const hw_remedy_target *t, const char *op,
                    const hw_aws_param *p, size_t n, xmlDocPtr *doc, hw_err *e)
{
    hw_aws_ctx ctx = rx_ctx(t);
    return hw_aws_query_call(c, &ctx, &hw_svc_ec2, op, p, n, doc, e);
}

/* Every rule id of a group: egress into eg, ingress into in. */
static int group_rules(hw_aws_client *c, const hw_remedy_target *t, const char *g, cJSON *eg,
                       cJSON *in, hw_err *e)
{
    hw_aws_param p[] = { { "Filter.1.Name", "group-id" }, { "Filter.1.Value.1", g },
                         { "MaxResults", "1000" } };
    xmlDocPtr doc = NULL;
    int rc = ec2_call(c, t, "DescribeSecurityGroupRules", p, 3, &doc, e);
    if (rc != HW_OK)
        return rc;
    xmlNodePtr set = rx_find(xmlDocGetRootElement(doc), "securityGroupRuleSet");
    for (xmlNodePtr it = set ? rx_next(set->children, "item") : NULL; it;
         it = rx_next(it->next, "item")) {
        const char *id = rx_text(it->children, "securityGroupRuleId");
        if (id)
            cJSON_AddItemToArray(rx_bool(rx_text(it->children, "isEgress")) ? eg : in,
                                 cJSON_CreateString(id));
    }
    xmlFreeDoc(doc);
    return HW_OK;
}

static int attr_on(hw_aws_client *c, const hw_remedy_target *t, const char *iid,
                   const char *attr, const char *elem, int *on, hw_err *e)
{
    hw_aws_param p[] = { { "InstanceId", iid }, { "Attribute", attr } };
    xmlDocPtr doc = NULL;
    int rc = ec2_call(c, t, "DescribeInstanceAttribute", p, 2, &doc, e);
    if (rc != HW_OK)
        return rc;
    xmlNodePtr n = rx_find(xmlDocGetRootElement(doc), elem);
    *on = n && rx_bool(rx_text(n->children, "value"));
    xmlFreeDoc(doc);
    return HW_OK;
}

/* Splits "sg-a,sg-b" into a JSON array. */
static cJSON *split_groups(const char *s)
{
    cJSON *a = cJSON_CreateArray();
    while (s && *s) {
        const char *comma = strchr(s, ',');
        size_t n = comma ? (size_t)(comma - s) : strlen(s);
        char g[64];
        if (n > 0 && n < sizeof g) {
            memcpy(g, s, n);
            g[n] = '\0';
            cJSON_AddItemToArray(a, cJSON_CreateString(g));
        }
        s = comma ? comma + 1 : NULL;
    }
    return a;
}

/* Reads the instance (groups, volumes, tags, state) into st. *found: 0
 * when it does not exist (or is terminated). */
static int read_instance(hw_aws_client *c, const hw_remedy_target *t, const char *iid,
                         cJSON *st, int *found, hw_err *e)
{
    *found = 0;
    hw_aws_param p[] = { { "InstanceId.1", iid } };
    xmlDocPtr doc = NULL;
    int rc = ec2_call(c, t, "DescribeInstances", p, 1, &doc, e);
    if (rc != HW_OK) {
        if (strcmp(rx_code(c), "InvalidInstanceID.NotFound") == 0) {
            hw_err_clear(e);
            return HW_OK;
        }
        return rc;
    }
    xmlNodePtr inst = rx_find(xmlDocGetRootElement(doc), "instancesSet");
    inst = inst ? rx_next(inst->children, "item") : NULL;
    const char *state = inst ? rx_text(rx_find(inst, "instanceState")->children, "name") : NULL;
    if (inst && state && strcmp(state, "terminated") != 0) {
        *found = 1;
        const char *vpc = rx_text(inst->children, "vpcId");
        cJSON_AddStringToObject(st, "VpcId", vpc ? vpc : "");
        const char *subnet = rx_text(inst->children, "subnetId");
        cJSON_AddStringToObject(st, "SubnetId", subnet ? subnet : "");
        cJSON_AddStringToObject(st, "State", state);
        cJSON *groups = cJSON_AddArrayToObject(st, "SecurityGroups");
        xmlNodePtr gs = rx_next(inst->children, "groupSet");
        for (xmlNodePtr g = gs ? rx_next(gs->children, "item") : NULL; g;
             g = rx_next(g->next, "item")) {
            const char *id = rx_text(g->children, "groupId");
            if (id)
                cJSON_AddItemToArray(groups, cJSON_CreateString(id));
        }
        cJSON *vols = cJSON_AddArrayToObject(st, "Volumes");
        xmlNodePtr bd = rx_next(inst->children, "blockDeviceMapping");
        for (xmlNodePtr m = bd ? rx_next(bd->children, "item") : NULL; m;
             m = rx_next(m->next, "item")) {
            const char *v = rx_text(m->children, "volumeId");
            if (v)
                cJSON_AddItemToArray(vols, cJSON_CreateString(v));
        }
        cJSON *tags = cJSON_AddObjectToObject(st, "Tags");
        xmlNodePtr ts = rx_next(inst->children, "tagSet");
        for (xmlNodePtr m = ts ? rx_next(ts->children, "item") : NULL; m;
             m = rx_next(m->next, "item")) {
            const char *k = rx_text(m->children, "key"), *v = rx_text(m->children, "value");
            if (k && (strcmp(k, t->exemption_tag) == 0 || hw_starts_with(k, "hubwarden:")))
                cJSON_AddStringToObject(tags, k, v ? v : "");
        }
    }
    xmlFreeDoc(doc);
    return HW_OK;
}

static int ec2x_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                     char why[256], hw_err *e)
{
    const char *iid = instance_of(t->resource);
    char fid[256];
    finding_id(t, fid);
    if (!iid || !*fid) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an EC2 instance ARN, or the finding has no usable Id",
                 t->resource);
        return HW_OK;
    }
    cJSON *st = *state = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "InstanceId", iid);
    int found, rc;
    if ((rc = read_instance(c, t, iid, st, &found, e)) != HW_OK)
        return rc;
    if (!found) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "instance %s no longer exists", iid);
        return HW_OK;
    }
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(st, "Tags");
    const cJSON *ex = cJSON_GetObjectItemCaseSensitive(tags, t->exemption_tag);
    if (cJSON_IsString(ex)) {
        *verdict = HW_RV_EXEMPT;
        snprintf(why, 256, "tag %s=%.150s", t->exemption_tag, ex->valuestring);
        return HW_OK;
    }
    int term = 0, stop = 0;
    if ((rc = attr_on(c, t, iid, "disableApiTermination", "disableApiTermination", &term, e)) !=
            HW_OK ||
        (rc = attr_on(c, t, iid, "disableApiStop", "disableApiStop", &stop, e)) != HW_OK)
        return rc;
    cJSON_AddBoolToObject(st, "DisableApiTermination", term);
    cJSON_AddBoolToObject(st, "DisableApiStop", stop);
    /* evidence already preserved for this finding */
    hw_aws_param sp[] = { { "Owner.1", "self" }, { "Filter.1.Name", "tag:" TAG_FINDING },
                          { "Filter.1.Value.1", fid } };
    xmlDocPtr doc = NULL;
    if ((rc = ec2_call(c, t, "DescribeSnapshots", sp, 3, &doc, e)) != HW_OK)
        return rc;
    cJSON *snaps = cJSON_AddObjectToObject(st, "Snapshots"); /* volume -> snapshot */
    xmlNodePtr set = rx_find(xmlDocGetRootElement(doc), "snapshotSet");
    for (xmlNodePtr it = set ? rx_next(set->children, "item") : NULL; it;
         it = rx_next(it->next, "item")) {
        const char *v = rx_text(it->children, "volumeId"), *s = rx_text(it->children, "snapshotId");
        if (v && s && !cJSON_GetObjectItemCaseSensitive(snaps, v))
            cJSON_AddStringToObject(snaps, v, s);
    }
    xmlFreeDoc(doc);
    /* the VPC's quarantine group */
    const char *vpc = jstr(st, "VpcId");
    hw_aws_param gp[] = { { "Filter.1.Name", "vpc-id" }, { "Filter.1.Value.1", vpc },
                          { "Filter.2.Name", "group-name" }, { "Filter.2.Value.1", Q_NAME } };
    doc = NULL;
    if ((rc = ec2_call(c, t, "DescribeSecurityGroups", gp, 4, &doc, e)) != HW_OK)
        return rc;
    set = rx_find(xmlDocGetRootElement(doc), "securityGroupInfo");
    xmlNodePtr g = set ? rx_next(set->children, "item") : NULL;
    const char *q = g ? rx_text(g->children, "groupId") : NULL;
    cJSON *qrules = NULL;
    if (q) {
        cJSON_AddStringToObject(st, "QuarantineGroup", q);
        qrules = cJSON_AddArrayToObject(st, "QuarantineRules");
    }
    xmlFreeDoc(doc);
    if (qrules && (rc = group_rules(c, t, jstr(st, "QuarantineGroup"), qrules, qrules, e)) != HW_OK)
        return rc;
    /* the groups to restore: from the tag once quarantined, else the current ones */
    const cJSON *cur = cJSON_GetObjectItemCaseSensitive(st, "SecurityGroups");
    const char *tagged = jstr(tags, TAG_GROUPS);
    cJSON_AddItemToObject(st, "OriginalGroups",
                          *tagged ? split_groups(tagged) : cJSON_Duplicate(cur, 1));
    const char *qid = jstr(st, "QuarantineGroup");
    int isolated = *qid && cJSON_GetArraySize(cur) == 1 &&
                   strcmp(cJSON_GetArrayItem(cur, 0)->valuestring, qid) == 0 &&
                   cJSON_GetArraySize(qrules) == 0;
    int snapped = 1;
    const cJSON *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(st, "Volumes"))
        if (!cJSON_GetObjectItemCaseSensitive(snaps, v->valuestring))
            snapped = 0;
    int tagged_ok = strcmp(jstr(tags, TAG_FINDING), fid) == 0 && *tagged;
    *verdict = isolated && term && stop && snapped && tagged_ok ? HW_RV_COMPLIANT : HW_RV_FAILING;
    snprintf(why, 256, "instance %s: %s, %s, termination protection %s, stop protection %s", iid,
             isolated ? "isolated in " Q_NAME : "not isolated",
             snapped ? "every volume snapshotted" : "volumes not all snapshotted",
             term ? "on" : "off", stop ? "on" : "off");
    return HW_OK;
}

/* The group ids of a JSON array as "a,b". */
static void join_groups(const cJSON *a, char *out, size_t n)
{
    out[0] = '\0';
    size_t used = 0;
    const cJSON *g;
    cJSON_ArrayForEach(g, a) {
        if (!cJSON_IsString(g))
            continue;
        int w = snprintf(out + used, n - used, "%s%s", used ? "," : "", g->valuestring);
        if (w < 0 || (size_t)w >= n - used) {
            out[used] = '\0';
            return;
        }
        used += (size_t)w;
    }
}

static int set_groups(hw_aws_client *c, const hw_remedy_target *t, const char *iid,
                      const cJSON *groups, hw_err *e)
{
    hw_aws_param p[17] = { { "InstanceId", iid } };
    char names[16][24];
    size_t n = 1;
    const cJSON *g;
    cJSON_ArrayForEach(g, groups) {
        if (n == HW_ARRAY_LEN(p) || !cJSON_IsString(g))
            break;
        snprintf(names[n - 1], sizeof names[0], "GroupId.%zu", n);
        p[n].name = names[n - 1];
        p[n].value = g->valuestring;
        n++;
    }
    if (n == 1)
        return hw_err_set(e, HW_EINVAL, "instance %s: no security group to set", iid);
    xmlDocPtr doc = NULL;
    int rc = ec2_call(c, t, "ModifyInstanceAttribute", p, n, &doc, e);
    xmlFreeDoc(doc);
    return rc;
}

static int ec2x_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *st, hw_err *e)
{
    const char *iid = jstr(st, "InstanceId");
    char fid[256];
    finding_id(t, fid);
    xmlDocPtr doc = NULL;
    int rc = HW_OK;
    /* 1. evidence first: a snapshot of every attached volume not yet taken */
    const cJSON *snaps = cJSON_GetObjectItemCaseSensitive(st, "Snapshots"), *v;
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(st, "Volumes")) {
        if (cJSON_GetObjectItemCaseSensitive(snaps, v->valuestring))
            continue;
        char desc[128];
        snprintf(desc, sizeof desc, "hubwarden evidence: %s of %s", v->valuestring, iid);
        hw_aws_param p[] = { { "VolumeId", v->valuestring },
                             { "Description", desc },
                             { "TagSpecification.1.ResourceType", "snapshot" },
                             { "TagSpecification.1.Tag.1.Key", TAG_FINDING },
                             { "TagSpecification.1.Tag.1.Value", fid },
                             { "TagSpecification.1.Tag.2.Key", TAG_INSTANCE },
                             { "TagSpecification.1.Tag.2.Value", iid } };
        if ((rc = ec2_call(c, t, "CreateSnapshot", p, HW_ARRAY_LEN(p), &doc, e)) != HW_OK)
            return hw_err_prefix(e, "snapshot of %s", v->valuestring);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    /* 2. the VPC's quarantine group: created once, no rules at all */
    char q[64];
    snprintf(q, sizeof q, "%s", jstr(st, "QuarantineGroup"));
    if (!*q) {
        hw_aws_param p[] = { { "GroupName", Q_NAME },
                             { "GroupDescription",
                               "hubwarden quarantine: no inbound or outbound traffic" },
                             { "VpcId", jstr(st, "VpcId") },
                             { "TagSpecification.1.ResourceType", "security-group" },
                             { "TagSpecification.1.Tag.1.Key", "hubwarden:quarantine" },
                             { "TagSpecification.1.Tag.1.Value", "true" } };
        if ((rc = ec2_call(c, t, "CreateSecurityGroup", p, HW_ARRAY_LEN(p), &doc, e)) != HW_OK)
            return rc;
        const char *id = rx_text(xmlDocGetRootElement(doc), "groupId");
        snprintf(q, sizeof q, "%s", id ? id : "");
        xmlFreeDoc(doc);
        doc = NULL;
        if (!*q)
            return hw_err_set(e, HW_EAWS, "CreateSecurityGroup returned no group id");
    }
    cJSON *eg = cJSON_CreateArray(), *in = cJSON_CreateArray();
    rc = group_rules(c, t, q, eg, in, e);
    for (int pass = 0; rc == HW_OK && pass < 2; pass++) {
        const cJSON *ids = pass ? in : eg;
        if (!cJSON_GetArraySize(ids))
            continue;
        hw_aws_param p[65] = { { "GroupId", q } };
        char names[64][40];
        size_t n = 1;
        const cJSON *id;
        cJSON_ArrayForEach(id, ids) {
            if (n == HW_ARRAY_LEN(p))
                break;
            snprintf(names[n - 1], sizeof names[0], "SecurityGroupRuleId.%zu", n);
            p[n].name = names[n - 1];
            p[n].value = id->valuestring;
            n++;
        }
        rc = ec2_call(c, t, pass ? "RevokeSecurityGroupIngress" : "RevokeSecurityGroupEgress", p,
                      n, &doc, e);
        xmlFreeDoc(doc);
        doc = NULL;
    }
    cJSON_Delete(eg);
    cJSON_Delete(in);
    if (rc != HW_OK)
        return rc;
    /* 3. what undo needs, on the instance itself, before isolating it */
    char orig[1024];
    join_groups(cJSON_GetObjectItemCaseSensitive(st, "OriginalGroups"), orig, sizeof orig);
    hw_aws_param tp[] = { { "ResourceId.1", iid },   { "Tag.1.Key", TAG_GROUPS },
                          { "Tag.1.Value", orig },   { "Tag.2.Key", TAG_FINDING },
                          { "Tag.2.Value", fid } };
    if ((rc = ec2_call(c, t, "CreateTags", tp, HW_ARRAY_LEN(tp), &doc, e)) != HW_OK)
        return rc;
    xmlFreeDoc(doc);
    doc = NULL;
    /* 4. isolate; 5. protect (never terminate, never stop) */
    cJSON *only = cJSON_CreateArray();
    cJSON_AddItemToArray(only, cJSON_CreateString(q));
    rc = set_groups(c, t, iid, only, e);
    cJSON_Delete(only);
    if (rc != HW_OK)
        return rc;
    const char *attrs[] = { "DisableApiTermination.Value", "DisableApiStop.Value" };
    for (size_t i = 0; i < HW_ARRAY_LEN(attrs); i++) {
        hw_aws_param p[] = { { "InstanceId", iid }, { attrs[i], "true" } };
        if ((rc = ec2_call(c, t, "ModifyInstanceAttribute", p, 2, &doc, e)) != HW_OK)
            return rc;
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return HW_OK;
}

static const char *const ec2x_name[] = { "ec2-compromise", NULL };
static const char *const ec2x_perms[] = {
    "ec2:DescribeInstances",        "ec2:DescribeInstanceAttribute",
    "ec2:DescribeSnapshots",        "ec2:DescribeSecurityGroups",
    "ec2:DescribeSecurityGroupRules", "ec2:CreateSnapshot",
    "ec2:CreateSecurityGroup",      "ec2:RevokeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress", "ec2:CreateTags",
    "ec2:ModifyInstanceAttribute",  NULL,
};

const hw_remedy_family hw_remedy_pb_ec2_compromise = {
    "ec2-quarantine-instance", ec2x_name, ec2x_name /* disruptive */, ec2x_perms,
    ec2x_calls, ec2x_read, ec2x_fix, 0,
};

/* ------------------------------------------------------------------ undo */

int hw_remedy_undo_groups(hw_aws_client *c, const hw_remedy_target *t, const char *before,
                          char **now, char why[512], hw_err *e)
{
    *now = NULL;
    const char *iid = instance_of(t->resource);
    cJSON *b = before ? cJSON_Parse(before) : NULL;
    const cJSON *orig = cJSON_GetObjectItemCaseSensitive(b, "OriginalGroups");
    if (!iid || !cJSON_GetArraySize(orig)) {
        cJSON_Delete(b);
        return hw_err_set(e, HW_EINVAL, "the action recorded no original groups to restore");
    }
    cJSON *st = cJSON_CreateObject();
    int found = 0;
    int rc = read_instance(c, t, iid, st, &found, e);
    if (rc == HW_OK && !found)
        rc = hw_err_set(e, HW_ENOTFOUND, "instance %s no longer exists", iid);
    if (rc == HW_OK)
        rc = set_groups(c, t, iid, orig, e);
    cJSON_Delete(st);
    st = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "InstanceId", iid);
    if (rc == HW_OK)
        rc = read_instance(c, t, iid, st, &found, e);
    if (rc == HW_OK) {
        char want[1024], got[1024];
        join_groups(orig, want, sizeof want);
        join_groups(cJSON_GetObjectItemCaseSensitive(st, "SecurityGroups"), got, sizeof got);
        if (strcmp(want, got) != 0)
            rc = hw_err_set(e, HW_EAWS, "instance %s has groups %s after the undo, not %s", iid,
                            got, want);
        else
            snprintf(why, 512, "undone: instance %s has its original groups %s again", iid, want);
    }
    if (rc == HW_OK)
        *now = cJSON_PrintUnformatted(st);
    cJSON_Delete(st);
    cJSON_Delete(b);
    return rc;
}

/* malicious-ip: removes what the action added (its open deny-list rows:
 * the ACL entry when still exactly ours, the IP sets' address) and marks
 * the rows removed, in the caller's transaction. */
static int ip_undo(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                   const char *action_id, char why[512], hw_err *e);

struct one_action {
    char *id, *plan_id, *account, *region, *control, *resource, *state, *before, *after;
};
static int one_cb(void *arg, const hw_action_row *a)
{
    struct one_action *o = arg;
    o->id = hw_strdup(a->id);
    o->plan_id = hw_strdup(a->plan_id);
    o->account = hw_strdup(a->account);
    o->region = hw_strdup(a->region);
    o->control = hw_strdup(a->control);
    o->resource = hw_strdup(a->resource);
    o->state = hw_strdup(a->state);
    o->before = hw_strdup(a->before ? a->before : "");
    o->after = hw_strdup(a->after ? a->after : "");
    return 1;
}

int hw_remedy_undo(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p, const char *id,
                   const char *actor, char why[512], hw_err *e)
{
    struct one_action a = { 0 };
    hw_action_query q = { 0 };
    q.id = id;
    why[0] = '\0';
    int rc = hw_store_actions(st, &q, one_cb, &a, e);
    if (rc == HW_OK && !a.id)
        rc = hw_err_set(e, HW_ENOTFOUND, "no action %s", id);
    else if (rc == HW_OK && (!a.control || !a.state || !a.before || !a.after || !a.plan_id ||
                             !a.account || !a.region || !a.resource))
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    else if (rc == HW_OK && strcmp(a.control, "ec2-compromise") != 0 &&
             strcmp(a.control, "malicious-ip") != 0)
        rc = hw_err_set(e, HW_EINVAL,
                        "action %s is %s: only ec2-compromise and malicious-ip actions can be "
                        "undone",
                        id, a.control);
    else if (rc == HW_OK && strcmp(a.state, "done") != 0)
        rc = hw_err_set(e, HW_EINVAL, "action %s is %s, not done: nothing to undo", id, a.state);
    int ip = rc == HW_OK && strcmp(a.control, "malicious-ip") == 0;
    const hw_config *cfg = p->cfg;
    if (rc == HW_OK &&
        hw_aws_assume(c, a.account, cfg->remediation.role_name, cfg->remediation.external_id,
                      e) != HW_OK)
        rc = hw_err_prefix(e, "cannot assume %s in %s", cfg->remediation.role_name, a.account);
    char *now = NULL;
    if (rc == HW_OK && !ip) {
        hw_remedy_target t = { a.account, a.region, a.control, a.resource,
                               cfg->remediation.exemption_tag, NULL, cfg };
        rc = hw_remedy_undo_groups(c, &t, a.before, &now, why, e);
    }
    if (rc == HW_OK && (rc = hw_store_begin(st, e)) == HW_OK) {
        if (ip)
            rc = ip_undo(st, c, p, id, why, e);
        if (rc == HW_OK)
            rc = hw_store_action_finish(st, id, "undone", why, a.before, a.after, NULL, e);
        cJSON *d = cJSON_CreateObject();
        cJSON_AddStringToObject(d, "action", id);
        cJSON_AddStringToObject(d, "account", a.account);
        cJSON_AddStringToObject(d, "region", a.region);
        cJSON_AddStringToObject(d, "control", a.control);
        cJSON_AddStringToObject(d, "resource", a.resource);
        cJSON_AddStringToObject(d, "state", "undone");
        cJSON_AddStringToObject(d, "why", why);
        cJSON *n = cJSON_Parse(now);
        cJSON_AddItemToObject(d, "after", n ? n : cJSON_CreateNull());
        char *detail = cJSON_PrintUnformatted(d);
        cJSON_Delete(d);
        if (rc == HW_OK)
            rc = detail ? hw_store_audit_append(st, a.plan_id, actor, "remediation.undo", detail, e)
                        : hw_err_set(e, HW_ENOMEM, "out of memory");
        free(detail);
        if (rc == HW_OK)
            rc = hw_store_commit(st, e);
        else
            hw_store_rollback(st);
    }
    free(now);
    char *f[] = { a.id,       a.plan_id, a.account, a.region, a.control,
                  a.resource, a.state,   a.before,  a.after };
    for (size_t i = 0; i < HW_ARRAY_LEN(f); i++)
        free(f[i]);
    return rc;
}

/* ------------------------------------------------------------ malicious-ip */

/* A public unicast IPv4 address in dotted form, canonical. */
static int public_ipv4(const char *s, char out[16])
{
    unsigned a[4];
    char tail;
    if (strlen(s) > 15 || sscanf(s, "%3u.%3u.%3u.%3u%c", &a[0], &a[1], &a[2], &a[3], &tail) != 4)
        return 0;
    for (int i = 0; i < 4; i++)
        if (a[i] > 255)
            return 0;
    snprintf(out, 16, "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
    if (strcmp(out, s) != 0) /* no leading zeros, no spaces */
        return 0;
    if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224 ||
        (a[0] == 100 && (a[1] & 0xc0) == 64) || (a[0] == 169 && a[1] == 254) ||
        (a[0] == 172 && (a[1] & 0xf0) == 16) || (a[0] == 192 && a[1] == 168))
        return 0;
    return 1;
}

int hw_remedy_finding_ip(const char *finding, char ip[16])
{
    cJSON *j = finding ? cJSON_Parse(finding) : NULL;
    int ok = rx_finding_ip(j, ip);
    cJSON_Delete(j);
    return ok;
}

int rx_finding_ip(const cJSON *j, char ip[16])
{
    ip[0] = '\0';
    const cJSON *net = cJSON_GetObjectItemCaseSensitive(j, "Network");
    const char *dir = jstr(net, "Direction");
    const char *cand = strcmp(dir, "IN") == 0    ? jstr(net, "SourceIpV4")
                       : strcmp(dir, "OUT") == 0 ? jstr(net, "DestinationIpV4")
                                                 : "";
    int ok = *cand && public_ipv4(cand, ip);
    /* GuardDuty's own field, when Network says nothing */
    const cJSON *pf;
    cJSON_ArrayForEach(pf, cJSON_GetObjectItemCaseSensitive(j, "ProductFields")) {
        if (ok || !cJSON_IsString(pf) || *cand)
            break;
        size_t n = strlen(pf->string);
        const char *suffix = "remoteIpDetails/ipAddressV4";
        if (n >= strlen(suffix) && strcmp(pf->string + n - strlen(suffix), suffix) == 0)
            ok = public_ipv4(pf->valuestring, ip);
    }
    if (!ok)
        ip[0] = '\0';
    return ok;
}

static cJSON *ipx_calls(const hw_remedy_target *t)
{
    const char *i = instance_of(t->resource);
    char ip[16];
    hw_remedy_finding_ip(t->finding, ip);
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:DescribeInstances InstanceIds=%s (its subnet)", i ? i : "?");
    rx_call(c, "ec2:DescribeNetworkAcls Filters=association.subnet-id=<the subnet>");
    rx_call(c, "ec2:CreateNetworkAclEntry NetworkAclId=<the subnet's ACL> RuleNumber=<lowest free "
               "below the allow rules> Egress=false Protocol=-1 RuleAction=deny CidrBlock=%s/32 "
               "(no existing entry touched)",
            *ip ? ip : "?");
    for (size_t n = 0; t->cfg && n < t->cfg->playbooks.nwaf_ip_sets; n++) {
        hw_wafv2_ipset w;
        if (!hw_wafv2_ipset_parse(t->cfg->playbooks.waf_ip_sets[n], &w) ||
            strcmp(w.account, t->account) != 0)
            continue;
        rx_call(c, "wafv2:GetIPSet Name=%s Scope=%s Id=%s (region %s; its addresses and "
                   "LockToken; %s/32 already there: no change)",
                w.name, w.scope, w.id, w.region, *ip ? ip : "?");
        rx_call(c, "wafv2:UpdateIPSet Name=%s Scope=%s Id=%s Addresses=<as read> + %s/32 "
                   "Description=<as read> LockToken=<from GetIPSet> (read again and retried on "
                   "WAFOptimisticLockException)",
                w.name, w.scope, w.id, *ip ? ip : "?");
    }
    rx_call(c, "ec2:DescribeNetworkAcls NetworkAclIds=<the ACL> (verify)");
    if (t->cfg && t->cfg->playbooks.nwaf_ip_sets)
        rx_call(c, "wafv2:GetIPSet (verify, each IP set above)");
    rx_call(c, "ec2:DeleteNetworkAclEntry NetworkAclId=<the ACL> RuleNumber=<the entry> "
               "Egress=false (on the first run after playbooks.ip_block_days)");
    if (t->cfg && t->cfg->playbooks.nwaf_ip_sets)
        rx_call(c, "wafv2:GetIPSet, UpdateIPSet without %s/32 (each IP set above, on the same "
                   "run)",
                *ip ? ip : "?");
    return c;
}

static int ipx_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    const char *iid = instance_of(t->resource);
    char ip[16];
    if (!iid || !hw_remedy_finding_ip(t->finding, ip)) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "the finding names no EC2 instance or no public remote IPv4 address");
        return HW_OK;
    }
    cJSON *st = *state = cJSON_CreateObject();
    cJSON_AddStringToObject(st, "InstanceId", iid);
    int found, rc;
    if ((rc = read_instance(c, t, iid, st, &found, e)) != HW_OK)
        return rc;
    if (!found) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "instance %s no longer exists", iid);
        return HW_OK;
    }
    char cidr[24];
    snprintf(cidr, sizeof cidr, "%s/32", ip);
    cJSON_AddStringToObject(st, "Cidr", cidr);
    hw_aws_param p[] = { { "Filter.1.Name", "association.subnet-id" },
                         { "Filter.1.Value.1", jstr(st, "SubnetId") } };
    xmlDocPtr doc = NULL;
    if ((rc = ec2_call(c, t, "DescribeNetworkAcls", p, 2, &doc, e)) != HW_OK)
        return rc;
    xmlNodePtr set = rx_find(xmlDocGetRootElement(doc), "networkAclSet");
    xmlNodePtr acl = set ? rx_next(set->children, "item") : NULL;
    const char *aid = acl ? rx_text(acl->children, "networkAclId") : NULL;
    if (!aid) {
        xmlFreeDoc(doc);
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "subnet %s of %s has no network ACL", jstr(st, "SubnetId"), iid);
        return HW_OK;
    }
    cJSON_AddStringToObject(st, "NetworkAclId", aid);
    cJSON *entries = cJSON_AddArrayToObject(st, "IngressEntries");
    unsigned char used[32768] = { 0 };
    int lowest_allow = 32767, deny = 0;
    xmlNodePtr es = rx_next(acl->children, "entrySet");
    for (xmlNodePtr it = es ? rx_next(es->children, "item") : NULL; it;
         it = rx_next(it->next, "item")) {
        if (rx_bool(rx_text(it->children, "egress")))
            continue;
        const char *num = rx_text(it->children, "ruleNumber");
        const char *act = rx_text(it->children, "ruleAction");
        const char *cb = rx_text(it->children, "cidrBlock");
        int n = num ? atoi(num) : 0;
        if (n < 1 || n > 32767)
            continue;
        used[n] = 1;
        cJSON *x = cJSON_CreateObject();
        cJSON_AddNumberToObject(x, "RuleNumber", n);
        cJSON_AddStringToObject(x, "RuleAction", act ? act : "");
        cJSON_AddStringToObject(x, "CidrBlock", cb ? cb : "");
        cJSON_AddItemToArray(entries, x);
        if (act && strcmp(act, "allow") == 0 && n < lowest_allow)
            lowest_allow = n;
        if (act && strcmp(act, "deny") == 0 && cb && strcmp(cb, cidr) == 0 && !deny)
            deny = n;
    }
    xmlFreeDoc(doc);
    int missing = 0;
    if ((rc = rx_waf_read(c, t, cidr, st, &missing, e)) != HW_OK)
        return rc;
    char waf[64] = "";
    if (cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(st, "WafIpSets")))
        snprintf(waf, sizeof waf, "; not in %d WAFv2 IP set(s)", missing);
    if (deny) {
        cJSON_AddNumberToObject(st, "DenyRule", deny);
        *verdict = missing ? HW_RV_FAILING : HW_RV_COMPLIANT;
        if (*waf && !missing)
            snprintf(waf, sizeof waf, "; in every WAFv2 IP set");
        snprintf(why, 256, "%s: entry %d denies %s%s", jstr(st, "NetworkAclId"), deny, cidr, waf);
        return HW_OK;
    }
    int free_n = 0;
    for (int n = 1; n < lowest_allow && !free_n; n++)
        if (!used[n])
            free_n = n;
    if (!free_n) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%s: no free rule number below the first allow rule %d",
                 jstr(st, "NetworkAclId"), lowest_allow);
        return HW_OK;
    }
    cJSON_AddNumberToObject(st, "NewRule", free_n);
    *verdict = HW_RV_FAILING;
    snprintf(why, 256, "%s: %s not denied%s", jstr(st, "NetworkAclId"), cidr, waf);
    return HW_OK;
}

static int ipx_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *st, hw_err *e)
{
    /* the network ACL entry when it is missing, then the WAFv2 IP sets */
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(st, "NewRule")))
        return rx_waf_add(c, t, st, e);
    char num[16];
    snprintf(num, sizeof num, "%d",
             (int)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(st, "NewRule")));
    hw_aws_param p[] = { { "NetworkAclId", jstr(st, "NetworkAclId") },
                         { "RuleNumber", num },
                         { "Egress", "false" },
                         { "Protocol", "-1" },
                         { "RuleAction", "deny" },
                         { "CidrBlock", jstr(st, "Cidr") } };
    xmlDocPtr doc = NULL;
    int rc = ec2_call(c, t, "CreateNetworkAclEntry", p, HW_ARRAY_LEN(p), &doc, e);
    xmlFreeDoc(doc);
    return rc == HW_OK ? rx_waf_add(c, t, st, e) : rc;
}

static const char *const ipx_name[] = { "malicious-ip", NULL };
static const char *const ipx_perms[] = { "ec2:DescribeInstances",     "ec2:DescribeNetworkAcls",
                                         "ec2:CreateNetworkAclEntry", "ec2:DeleteNetworkAclEntry",
                                         "wafv2:GetIPSet",            "wafv2:UpdateIPSet",
                                         NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_pb_malicious_ip = {
    "nacl-deny-remote-ip", ipx_name, none, ipx_perms, ipx_calls, ipx_read, ipx_fix, 0,
};

/* Removes one expired deny entry when it is still exactly ours, or our
 * address from a WAFv2 IP set. */
static int unblock(hw_aws_client *c, const hw_remedy_policy *p, const hw_ip_block_row *b,
                   char why[512], int *removed, hw_err *e)
{
    *removed = 0;
    const hw_config *cfg = p->cfg;
    if (hw_aws_assume(c, b->account, cfg->remediation.role_name, cfg->remediation.external_id,
                      e) != HW_OK)
        return hw_err_prefix(e, "cannot assume %s in %s", cfg->remediation.role_name, b->account);
    if (b->ip_set_arn) {
        int rc = rx_waf_remove(c, b->account, b->ip_set_arn, b->cidr, removed, e);
        if (rc == HW_OK)
            snprintf(why, 512, *removed ? "%s removed from WAFv2 IP set %.300s"
                                        : "%s no longer in WAFv2 IP set %.300s: nothing removed",
                     b->cidr, b->ip_set_arn);
        *removed = rc == HW_OK; /* either way the set no longer holds it */
        return rc;
    }
    hw_remedy_target t = { b->account, b->region, "malicious-ip", "", "", NULL, cfg };
    hw_aws_param q[] = { { "NetworkAclId.1", b->network_acl_id } };
    xmlDocPtr doc = NULL;
    int rc = ec2_call(c, &t, "DescribeNetworkAcls", q, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "InvalidNetworkAclID.NotFound") != 0)
        return rc;
    int ours = 0;
    xmlNodePtr es = rc == HW_OK ? rx_find(xmlDocGetRootElement(doc), "entrySet") : NULL;
    for (xmlNodePtr it = es ? rx_next(es->children, "item") : NULL; it;
         it = rx_next(it->next, "item")) {
        const char *num = rx_text(it->children, "ruleNumber");
        const char *act = rx_text(it->children, "ruleAction");
        const char *cb = rx_text(it->children, "cidrBlock");
        if (!rx_bool(rx_text(it->children, "egress")) && num && atoi(num) == b->rule_number &&
            act && strcmp(act, "deny") == 0 && cb && strcmp(cb, b->cidr) == 0)
            ours = 1;
    }
    xmlFreeDoc(doc);
    hw_err_clear(e);
    if (!ours) {
        snprintf(why, 512, "%s entry %d for %s is gone or changed: nothing removed",
                 b->network_acl_id, b->rule_number, b->cidr);
        return HW_OK;
    }
    char num[16];
    snprintf(num, sizeof num, "%d", b->rule_number);
    hw_aws_param d[] = { { "NetworkAclId", b->network_acl_id },
                         { "RuleNumber", num },
                         { "Egress", "false" } };
    doc = NULL;
    if ((rc = ec2_call(c, &t, "DeleteNetworkAclEntry", d, 3, &doc, e)) != HW_OK)
        return rc;
    xmlFreeDoc(doc);
    *removed = 1;
    snprintf(why, 512, "%s entry %d for %s expired and was removed", b->network_acl_id,
             b->rule_number, b->cidr);
    return HW_OK;
}

enum { ROW_STRS = 6 };
struct expired {
    hw_ip_block_row *v;
    char **strs;
    size_t n, cap;
    int oom;
};
static int expired_cb(void *arg, const hw_ip_block_row *b)
{
    struct expired *x = arg;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 16;
        hw_ip_block_row *nv = realloc(x->v, cap * sizeof *nv);
        char **ns = nv ? realloc(x->strs, cap * ROW_STRS * sizeof *ns) : NULL;
        if (!nv || !ns) {
            if (nv)
                x->v = nv;
            x->oom = 1;
            return 1;
        }
        x->v = nv;
        x->strs = ns;
        x->cap = cap;
    }
    hw_ip_block_row *r = &x->v[x->n];
    char **s = &x->strs[x->n * ROW_STRS];
    *r = *b;
    s[0] = hw_strdup(b->action_id);
    s[1] = hw_strdup(b->account);
    s[2] = hw_strdup(b->region);
    s[3] = hw_strdup(b->network_acl_id);
    s[4] = hw_strdup(b->cidr);
    s[5] = b->ip_set_arn ? hw_strdup(b->ip_set_arn) : NULL;
    r->action_id = s[0];
    r->account = s[1];
    r->region = s[2];
    r->network_acl_id = s[3];
    r->cidr = s[4];
    r->ip_set_arn = s[5];
    x->n++;
    for (int i = 0; i < 5; i++)
        if (!s[i])
            x->oom = 1;
    if (b->ip_set_arn && !s[5])
        x->oom = 1;
    return x->oom;
}

static void expired_free(struct expired *x)
{
    for (size_t i = 0; i < x->n * ROW_STRS; i++)
        free(x->strs[i]);
    free(x->strs);
    free(x->v);
}

/* The audit detail of one removal (malloc'd JSON). */
static char *unblock_detail(const hw_ip_block_row *b, int ok, const char *why, const char *err)
{
    cJSON *d = cJSON_CreateObject();
    cJSON_AddStringToObject(d, "action", b->action_id);
    cJSON_AddStringToObject(d, "account", b->account);
    cJSON_AddStringToObject(d, "region", b->region);
    if (b->ip_set_arn) {
        cJSON_AddStringToObject(d, "waf_ip_set", b->ip_set_arn);
    } else {
        cJSON_AddStringToObject(d, "network_acl", b->network_acl_id);
        cJSON_AddNumberToObject(d, "rule_number", b->rule_number);
    }
    cJSON_AddStringToObject(d, "cidr", b->cidr);
    cJSON_AddStringToObject(d, ok ? "why" : "error", ok ? why : err);
    char *detail = cJSON_PrintUnformatted(d);
    cJSON_Delete(d);
    return detail;
}

int hw_remedy_ip_expire(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                        const char *actor, size_t *removed, size_t *failed, hw_err *e)
{
    *removed = *failed = 0;
    struct expired x = { 0 };
    int rc = hw_store_ip_blocks_expired(st, hw_now(), expired_cb, &x, e);
    if (rc == HW_OK && x.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading the IP blocks");
    for (size_t i = 0; rc == HW_OK && i < x.n; i++) {
        const hw_ip_block_row *b = &x.v[i];
        char why[512] = "";
        int gone = 0;
        hw_err ae;
        hw_err_clear(&ae);
        int arc = unblock(c, p, b, why, &gone, &ae);
        char *detail = unblock_detail(b, arc == HW_OK, why, ae.msg);
        if (!detail) {
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            break;
        }
        if ((rc = hw_store_begin(st, e)) == HW_OK) {
            if (arc == HW_OK)
                rc = hw_store_ip_block_removed(st, b->id, hw_now(), e);
            if (rc == HW_OK)
                rc = hw_store_audit_append(st, NULL, actor,
                                           arc != HW_OK ? "remediation.ip-unblock-failed"
                                                        : "remediation.ip-unblock",
                                           detail, e);
            if (rc == HW_OK)
                rc = hw_store_commit(st, e);
            else
                hw_store_rollback(st);
        }
        free(detail);
        if (arc != HW_OK) {
            (*failed)++;
            if (b->ip_set_arn)
                hw_warn("expired IP block %s in %s (WAFv2 IP set %s): not removed (retried on "
                        "the next run): %s",
                        b->cidr, b->account, b->ip_set_arn, ae.msg);
            else
                hw_warn("expired IP block %s in %s (%s entry %d): not removed (retried on the "
                        "next run): %s",
                        b->cidr, b->account, b->network_acl_id, b->rule_number, ae.msg);
        } else if (gone) {
            (*removed)++;
        }
    }
    expired_free(&x);
    return rc;
}

int hw_remedy_ip_block_record(hw_store *st, const hw_remedy_policy *p, const char *action_id,
                              const char *account, const char *region, const char *before,
                              const char *after, hw_err *e)
{
    cJSON *bf = before ? cJSON_Parse(before) : NULL;
    cJSON *a = after ? cJSON_Parse(after) : NULL;
    const cJSON *rule = cJSON_GetObjectItemCaseSensitive(a, "DenyRule");
    int rc = HW_OK;
    int64_t now = hw_now();
    hw_ip_block_row b = { 0 };
    b.action_id = action_id;
    b.account = account;
    b.region = region;
    b.cidr = jstr(a, "Cidr");
    b.created_at = now;
    b.expires_at = now + (int64_t)p->cfg->playbooks.ip_block_days * 86400;
    /* only what this action added: an entry there before is not ours */
    if (cJSON_IsNumber(rule) && !cJSON_GetObjectItemCaseSensitive(bf, "DenyRule")) {
        b.network_acl_id = jstr(a, "NetworkAclId");
        b.rule_number = (int)rule->valuedouble;
        rc = hw_store_ip_block_put(st, &b, e);
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetObjectItemCaseSensitive(a, "WafIpSets")) {
        if (rc != HW_OK || !rx_waf_added(bf, a, jstr(x, "Arn")))
            continue;
        b.network_acl_id = "";
        b.rule_number = 0;
        b.ip_set_arn = jstr(x, "Arn");
        rc = hw_store_ip_block_put(st, &b, e);
    }
    cJSON_Delete(a);
    cJSON_Delete(bf);
    return rc;
}

static int ip_undo(hw_store *st, hw_aws_client *c, const hw_remedy_policy *p,
                   const char *action_id, char why[512], hw_err *e)
{
    struct expired x = { 0 };
    int rc = hw_store_ip_blocks_of(st, action_id, expired_cb, &x, e);
    if (rc == HW_OK && x.oom)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory reading the IP blocks");
    if (rc == HW_OK && x.n == 0)
        rc = hw_err_set(e, HW_EINVAL, "action %s has no IP block left to remove (expired and "
                                      "removed already, or none recorded)", action_id);
    hw_buf msg = HW_BUF_INIT(0);
    hw_buf_printf(&msg, "undone:");
    for (size_t i = 0; rc == HW_OK && i < x.n; i++) {
        char one[512] = "";
        int gone = 0;
        rc = unblock(c, p, &x.v[i], one, &gone, e);
        if (rc == HW_OK)
            hw_buf_printf(&msg, "%s %s", i ? ";" : "", one);
    }
    /* every row is ours to mark removed now: the caller commits it with
     * the action's new state */
    for (size_t i = 0; rc == HW_OK && i < x.n; i++)
        rc = hw_store_ip_block_removed(st, x.v[i].id, hw_now(), e);
    if (rc == HW_OK)
        snprintf(why, 512, "%s", msg.data ? msg.data : "undone");
    hw_buf_free(&msg);
    expired_free(&x);
    return rc;
}
