/*
 * ec2_snapshot.c - public EBS snapshots made private (EC2.1):
 * DescribeSnapshots (owner, exemption tag), DescribeSnapshotAttribute
 * createVolumePermission, then ModifySnapshotAttribute removing the group
 * "all" and nothing else: accounts the snapshot is shared with by id keep
 * their permission.
 */
#include "remedy/remedy_int.h"

#include <string.h>

/* "arn:P:ec2:REGION:ACCOUNT:snapshot/snap-..." -> the snapshot id, or NULL. */
static const char *snapshot_of(const char *arn)
{
    const char *p = strstr(arn, ":snapshot/snap-");
    if (!p || !hw_starts_with(arn, "arn:"))
        return NULL;
    p += 10;
    size_t n = strlen(p);
    if (n < 6 || n > 40 || strspn(p + 5, "0123456789abcdef") != n - 5)
        return NULL;
    return p;
}

static cJSON *snap_calls(const hw_remedy_target *t)
{
    const char *s = snapshot_of(t->resource);
    s = s ? s : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "ec2:DescribeSnapshots SnapshotId.1=%s (owner %s, exemption tag %s)", s,
            t->account, t->exemption_tag);
    rx_call(c, "ec2:DescribeSnapshotAttribute SnapshotId=%s Attribute=createVolumePermission", s);
    rx_call(c, "ec2:ModifySnapshotAttribute SnapshotId=%s Attribute=createVolumePermission "
               "OperationType=remove UserGroup.1=all",
            s);
    rx_call(c, "ec2:DescribeSnapshotAttribute SnapshotId=%s Attribute=createVolumePermission "
               "(verify)",
            s);
    return c;
}

static int snap_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                     char why[256], hw_err *e)
{
    const char *s = snapshot_of(t->resource);
    if (!s) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an EBS snapshot ARN", t->resource);
        return HW_OK;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "SnapshotId.1", s } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "DescribeSnapshots", p, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "InvalidSnapshot.NotFound") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "snapshot %s no longer exists", s);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    xmlNodePtr snap = rx_find(xmlDocGetRootElement(doc), "snapshotSet");
    snap = snap ? rx_next(snap->children, "item") : NULL;
    const char *owner = snap ? rx_text(snap->children, "ownerId") : NULL;
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "SnapshotId", s);
    if (!snap || !owner || strcmp(owner, t->account) != 0) {
        *verdict = snap ? HW_RV_REFUSED : HW_RV_GONE;
        snprintf(why, 256, snap ? "snapshot %s is not owned by account %s" : "snapshot %s no "
                                                                             "longer exists",
                 s, t->account);
        xmlFreeDoc(doc);
        return HW_OK;
    }
    cJSON_AddStringToObject(*state, "OwnerId", owner);
    rx_xml_tags(t, *state, rx_find(snap, "tagSet"), "item", "key", "value", verdict, why);
    xmlFreeDoc(doc);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    hw_aws_param q[] = { { "Attribute", "createVolumePermission" }, { "SnapshotId", s } };
    doc = NULL;
    if ((rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "DescribeSnapshotAttribute", q, 2, &doc,
                                e)) != HW_OK)
        return rc;
    cJSON *groups = cJSON_AddArrayToObject(*state, "CreateVolumeGroups");
    cJSON *users = cJSON_AddArrayToObject(*state, "CreateVolumeUserIds");
    int pub = 0;
    xmlNodePtr perms = rx_find(xmlDocGetRootElement(doc), "createVolumePermission");
    for (xmlNodePtr it = perms ? rx_next(perms->children, "item") : NULL; it;
         it = rx_next(it->next, "item")) {
        const char *g = rx_text(it->children, "group");
        const char *u = rx_text(it->children, "userId");
        if (g) {
            cJSON_AddItemToArray(groups, cJSON_CreateString(g));
            pub |= strcmp(g, "all") == 0;
        }
        if (u)
            cJSON_AddItemToArray(users, cJSON_CreateString(u));
    }
    xmlFreeDoc(doc);
    *verdict = pub ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "snapshot %s: %s", s,
             pub ? "anyone may create volumes from it (group all)" : "not public");
    return HW_OK;
}

static int snap_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    const char *s = snapshot_of(t->resource);
    if (!s)
        return hw_err_set(e, HW_EINVAL, "%s is not an EBS snapshot ARN", t->resource);
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "Attribute", "createVolumePermission" },
                         { "OperationType", "remove" },
                         { "SnapshotId", s },
                         { "UserGroup.1", "all" } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "ModifySnapshotAttribute", p, 4, &doc, e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const controls[] = { "EC2.1", NULL };
static const char *const perms[] = { "ec2:DescribeSnapshots", "ec2:DescribeSnapshotAttribute",
                                     "ec2:ModifySnapshotAttribute", NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_ec2_public_snapshots = {
    "ec2-block-public-snapshots", controls, none, perms, snap_calls, snap_read, snap_fix, 1,
};
