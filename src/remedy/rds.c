/*
 * rds.c - RDS instances not publicly accessible (RDS.2):
 * DescribeDBInstances (status, exemption tag from its TagList,
 * PubliclyAccessible), then ModifyDBInstance PubliclyAccessible=false
 * ApplyImmediately=true and nothing else.  Disruptive: clients reaching the
 * database from outside its VPC lose it.  An instance being deleted is
 * gone.
 */
#include "remedy/remedy_int.h"

#include <string.h>

static const hw_aws_service svc_rds = {
    "rds", "rds", "rds", "RDS", HW_AWS_QUERY, NULL, NULL, "2014-10-31", 0,
};

/* "arn:P:rds:REGION:ACCOUNT:db:NAME" -> NAME, checked, or NULL. */
static const char *db_of(const char *arn)
{
    const char *p = strstr(arn, ":db:");
    if (!p || !hw_starts_with(arn, "arn:") || !strstr(arn, ":rds:"))
        return NULL;
    p += 4;
    size_t n = strlen(p);
    if (n < 1 || n > 63 || strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
        return NULL;
    return p;
}

static cJSON *rds_calls(const hw_remedy_target *t)
{
    const char *d = db_of(t->resource);
    d = d ? d : "?";
    cJSON *c = cJSON_CreateArray();
    rx_call(c, "rds:DescribeDBInstances DBInstanceIdentifier=%s (status, exemption tag %s)", d,
            t->exemption_tag);
    rx_call(c, "rds:ModifyDBInstance DBInstanceIdentifier=%s PubliclyAccessible=false "
               "ApplyImmediately=true",
            d);
    rx_call(c, "rds:DescribeDBInstances DBInstanceIdentifier=%s (verify)", d);
    return c;
}

static int rds_read(hw_aws_client *c, const hw_remedy_target *t, cJSON **state, int *verdict,
                    char why[256], hw_err *e)
{
    const char *d = db_of(t->resource);
    if (!d) {
        *verdict = HW_RV_REFUSED;
        snprintf(why, 256, "%.200s is not an RDS DB instance ARN", t->resource);
        return HW_OK;
    }
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "DBInstanceIdentifier", d } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &svc_rds, "DescribeDBInstances", p, 1, &doc, e);
    if (rc != HW_OK && strcmp(rx_code(c), "DBInstanceNotFound") == 0) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "DB instance %s no longer exists", d);
        return HW_OK;
    }
    if (rc != HW_OK)
        return rc;
    xmlNodePtr inst = rx_find(xmlDocGetRootElement(doc), "DBInstance");
    *state = cJSON_CreateObject();
    cJSON_AddStringToObject(*state, "DBInstanceIdentifier", d);
    const char *status = inst ? rx_text(inst, "DBInstanceStatus") : NULL;
    if (!inst || (status && strcmp(status, "deleting") == 0)) {
        *verdict = HW_RV_GONE;
        snprintf(why, 256, "DB instance %s %s", d, inst ? "is being deleted" : "no longer exists");
        xmlFreeDoc(doc);
        return HW_OK;
    }
    cJSON_AddStringToObject(*state, "DBInstanceStatus", status ? status : "");
    rx_xml_tags(t, *state, rx_find(inst, "TagList"), "Tag", "Key", "Value", verdict, why);
    int pub = rx_bool(rx_text(inst, "PubliclyAccessible"));
    cJSON_AddBoolToObject(*state, "PubliclyAccessible", pub);
    xmlFreeDoc(doc);
    if (*verdict == HW_RV_EXEMPT)
        return HW_OK;
    *verdict = pub ? HW_RV_FAILING : HW_RV_COMPLIANT;
    snprintf(why, 256, "DB instance %s: %s", d, pub ? "publicly accessible" : "not publicly accessible");
    return HW_OK;
}

static int rds_fix(hw_aws_client *c, const hw_remedy_target *t, const cJSON *state, hw_err *e)
{
    (void)state;
    const char *d = db_of(t->resource);
    if (!d)
        return hw_err_set(e, HW_EINVAL, "%s is not an RDS DB instance ARN", t->resource);
    hw_aws_ctx ctx = rx_ctx(t);
    hw_aws_param p[] = { { "ApplyImmediately", "true" },
                         { "DBInstanceIdentifier", d },
                         { "PubliclyAccessible", "false" } };
    xmlDocPtr doc = NULL;
    int rc = hw_aws_query_call(c, &ctx, &svc_rds, "ModifyDBInstance", p, 3, &doc, e);
    xmlFreeDoc(doc);
    return rc;
}

static const char *const controls[] = { "RDS.2", NULL };
static const char *const disruptive[] = { "RDS.2", NULL };
static const char *const perms[] = { "rds:DescribeDBInstances", "rds:ModifyDBInstance", NULL };

const hw_remedy_family hw_remedy_rds_private = {
    "rds-make-private", controls, disruptive, perms, rds_calls, rds_read, rds_fix, 1,
};
