/*
 * xml.c - small helpers the remediation families share (remedy_int.h):
 * walking AWS XML responses, the last AWS error code, call descriptions.
 */
#include "remedy/remedy_int.h"

#include <stdarg.h>
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
