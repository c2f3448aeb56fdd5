/*
 * rds_snapshot.c - RDS snapshots not public (RDS.1): a DB snapshot
 * (":snapshot:") or a DB cluster snapshot (":cluster-snapshot:").
 * DescribeDB[Cluster]Snapshots (status, exemption tag from its TagList),
 * DescribeDB[Cluster]SnapshotAttributes (the "restore" attribute), then
 * ModifyDB[Cluster]SnapshotAttribute restore ValuesToRemove=all: only
 * "all" goes, the accounts it is shared with by id keep their access.  An
 * automated snapshot can never be public: refused.  The same shape as
 * EC2.1 (ec2_snapshot.c) for EBS.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static const hw_aws_service svc_rds = {
    "rds", "rds", "rds", "RDS", HW_AWS_QUERY, NULL, NULL, "2014-10-31", 0,
};

/* The two kinds of snapshot and their operations' spelling. */
struct kind {
    const char *marker;    /* in the ARN */
    const char *id_param;  /* DBSnapshotIdentifier */
    const char *describe, *attributes, *modify;
    const char *item;      /* the element of one snapshot */
    const char *notfound;  /* the error code of a missing one */
    const char *noun;
};
static const struct kind kinds[] = {
    { ":snapshot:", "DBSnapshotIdentifier", "DescribeDBSnapshots", "DescribeDBSnapshotAttributes",
      "ModifyDBSnapshotAttribute", "DBSnapshot", "DBSnapshotNotFound", "DB snapshot" },
    { ":cluster-snapshot:", "DBClusterSnapshotIdentifier", "DescribeDBClusterSnapshots",
      "DescribeDBClusterSnapshotAttributes", "ModifyDBClusterSnapshotAttribute",
      "DBClusterSnapshot", "DBClusterSnapshotNotFoundFault", "DB cluster snapshot" },
};

/* "arn:P:rds:REGION:ACCOUNT:snapshot:NAME" -> its kind and NAME, or NULL. */
static const struct kind *snapshot_of(const char *arn, const char **name)
{
    if (!hw_starts_with(arn, "arn:") || !strstr(arn, ":rds:"))
        return NULL;
    for (size_t i = 0; i < HW_ARRAY_LEN(kinds); i++) {
        const char *p = strstr(arn, kinds[i].marker);
        if (!p)
            continue;
        p += strlen(kinds[i].marker);
        size_t n = strlen(p);
        /* automated snapshots ("rds:...") fail the character check */
        if (n < 1 || n > 255 ||
            strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
            return NULL;
        *name = p;
        return &kinds[i];
    }
    return NULL;
}

static cJSON *snap_calls(const hw_remedy_target *t)
{
    const char *name = "?";
    const struct kind *one = snapshot_of(t->resource, &name);
    cJSON *c = cJSON_CreateArray();
    /* not a snapshot ARN: what either kind would call */
    for (size_t i = 0; i < HW_ARRAY_LEN(kinds); i++) {
        const struct kind *k = &kinds[i];
        if (one && one != k)
            continue;
        rx_call(c, "rds:%s %s=%s (status, exemption tag %s)", k->describe, k->id_param, name,
                t->exemption_tag);
        rx_call(c, "rds:%s %s=%s (restore)", k->attributes, k->id_param, name);
        rx_call(c, "rds:%s %s=%s AttributeName=restore ValuesToRemove=all; accounts shared by "
                   "id keep theirs",
                k->modify, k->id_param, name);
        rx_call(c, "rds:%s %s=%s (verify)", k->attributes, k->id_param, name);
    }
    return c;
}

static int snap_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                     char why[256], hw_err *e)
{
    const char *name = NULL;
    const struct kind *k = snapshot_of(t->resource, &name);
    if (!k) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not the ARN of a manual RDS snapshot", t->resource);
        return HW_OK;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { k->id_param, name } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &svc_rds, k->describe, p, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), k->notfound) == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "%s %s no longer exists", k->noun, name);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    xmlNodePtr snap = rx_find(xmlDocGetRootElement(doc), k->item);
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, k->id_param, name);
    const char *status = snap ? rx_text(snap, "Status") : NULL;
    if (!snap || (status && strcmp(status, "deleting") == 0)) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "%s %s %s", k->noun, name, snap ? "is being deleted" : "no longer exists");
        xmlFreeDoc(doc);
        return HW_OK;
    }
    const char *type = rx_text(snap, "SnapshotType");
    cJSON_AddStringToObject(*state, "SnapshotType", type ? type : "");
    rx_xml_tags(t, *state, rx_find(snap, "TagList"), "Tag", "Key", "Value", verdict, why);
    xmlFreeDoc(doc);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    doc = NULL;
    if ((rc = hw_aws_query_call(c, &ctx, &svc_rds, k->attributes, p, 1, &doc, e)) != HW_OK)
        return rc;
    cJSON *restore = cJSON_AddArrayToObject(*state, "Restore");
    int public = 0;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr attrs = rx_find(root, k == &kinds[0] ? "DBSnapshotAttributes"
                                                    : "DBClusterSnapshotAttributes");
    const char *item = k == &kinds[0] ? "DBSnapshotAttribute" : "DBClusterSnapshotAttribute";
    for (xmlNodePtr a = attrs ? rx_next(attrs->children, item) : NULL; a;
         a = rx_next(a->next, item)) {
        const char *an = rx_text(a->children, "AttributeName");
        if (!an || strcmp(an, "restore") != 0)
            continue;
        xmlNodePtr vals = rx_find(a, "AttributeValues");
        for (xmlNodePtr v = vals ? rx_next(vals->children, "AttributeValue") : NULL; v;
             v = rx_next(v->next, "AttributeValue")) {
            xmlChar *s = xmlNodeGetContent(v);
            cJSON_AddItemToArray(restore, cJSON_CreateString(s ? (const char *)s : ""));
            public |= s && strcmp((const char *)s, "all") == 0;
            xmlFree(s);
        }
    }
    xmlFreeDoc(doc);
    *verdict = public ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "%s %s: %s", k->noun, name,
             public ? "public (restore: all)" : "not public");
    return HW_OK;
}

static int snap_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    const char *name = NULL;
    const struct kind *k = snapshot_of(t->resource, &name);
    if (!k)
        return hw_err_set(e, HW_EINVAL, "%s is not an RDS snapshot ARN", t->resource);
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "AttributeName", "restore" },
                         { k->id_param, name },
                         { "ValuesToRemove.AttributeValue.1", "all" } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &svc_rds, k->modify, p, 3, &doc, e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const controls[] = { "RDS.1", NULL };
static const char *const perms[] = { "rds:DescribeDBSnapshots",
                                     "rds:DescribeDBSnapshotAttributes",
                                     "rds:ModifyDBSnapshotAttribute",
                                     "rds:DescribeDBClusterSnapshots",
                                     "rds:DescribeDBClusterSnapshotAttributes",
                                     "rds:ModifyDBClusterSnapshotAttribute",
                                     NULL };
static const char *const none[] = { NULL };

const hw_remedy_family hw_remedy_rds_snapshot_private = {
    "rds-make-snapshot-private", controls, none, perms, snap_calls, snap_read, snap_fix, 1,
};
