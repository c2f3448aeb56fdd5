/*
 * xml.c - small helpers the remediation families share (remedy_int.h):
 * walking AWS XML responses, the last AWS error code, call descriptions,
 * a security group's rules.
 */
#include "remedy/remedy_int.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

xmlNodePtr rx_find(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(n->name, (const xmlChar *)name) == 0)
            return n;
        xmlNodePtr r = rx_find(n->children, name);
        if (r)
            return r;
    }
    return NULL;
}

const char *rx_text(xmlNodePtr node, const char *name)
{
    xmlNodePtr n = rx_find(node, name);
    if (!n)
        return NULL;
    xmlNodePtr t = n->children;
    if (t && (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE))
        return (const char *)t->content;
    return "";
}

xmlNodePtr rx_next(xmlNodePtr n, const char *name)
{
    for (; n; n = n->next)
        if (n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0)
            return n;
    return NULL;
}

const char *rx_code(const hw_aws_client *c)
{
    const hw_aws_error *err = hw_aws_last_error(c);
    return err ? err->code : "";
}

int rx_bool(const char *s)
{
    return s && strcmp(s, "true") == 0;
}

hw_aws_ctx rx_ctx(const hw_remedy_target *t)
{
    hw_aws_ctx ctx = { t->region, t->account };
    return ctx;
}

void rx_call(cJSON *calls, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    cJSON_AddItemToArray(calls, cJSON_CreateString(buf));
}

int rx_sg_rules(hw_aws_client *c, const hw_remedy_target *t, const char *g,
                void (*each)(void *arg, xmlNodePtr item), void *arg, hw_err *e)
{
    hw_aws_ctx ctx = rx_ctx(t);
    char *token = NULL;
    int rc = HW_OK;
    for (int page = 0; page < 100; page++) {
        hw_aws_param p[4] = { { "Filter.1.Name", "group-id" },
                              { "Filter.1.Value.1", g },
                              { "MaxResults", "1000" },
                              { "NextToken", token } };
        xmlDocPtr doc = NULL;
        rc = hw_aws_query_call(c, &ctx, &hw_svc_ec2, "DescribeSecurityGroupRules", p,
                               token ? 4 : 3, &doc, e);
        free(token);
        token = NULL;
        if (rc != HW_OK)
            break;
        xmlNodePtr root = xmlDocGetRootElement(doc);
        xmlNodePtr set = rx_find(root, "securityGroupRuleSet");
        for (xmlNodePtr it = set ? rx_next(set->children, "item") : NULL; it;
             it = rx_next(it->next, "item"))
            each(arg, it);
        const char *next = rx_text(root, "nextToken");
        if (next && *next)
            token = hw_strdup(next);
        xmlFreeDoc(doc);
        if (!token)
            break;
    }
    free(token);
    return rc;
}

void rx_xml_tags(const hw_remedy_target *t, cJSON *state, xmlNodePtr list, const char *item,
                 const char *kname, const char *vname, int *verdict, char why[256])
{
    for (xmlNodePtr n = list ? rx_next(list->children, item) : NULL; n;
         n = rx_next(n->next, item))
        rx_tag_seen(t, state, rx_text(n->children, kname), rx_text(n->children, vname), verdict,
                    why);
}
