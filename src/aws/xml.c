/*
 * xml.c - reading XML responses (Query and REST-XML): the parse and the one
 * text lookup that client.c, query.c, retry.c and sts.c share, in a file
 * of its own so that none of them depends on another for it.
 */
#include "aws/aws_int.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

/* Parses an XML response body without network or entities. */
int aws_parse_xml(const struct http_result *res, const hw_aws_service *svc, const char *operation,
                  xmlDocPtr *resp, hw_err *e)
{
    *resp = xmlReadMemory(hw_buf_str(&res->body), (int)res->body.len, "response.xml", NULL,
                          XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (!*resp)
        return hw_err_set(e, HW_EAWS, "%s %s: the response is not XML", svc->name, operation);
    return HW_OK;
}

const char *aws_xml_text(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr n = node; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        if (xmlStrcmp(n->name, (const xmlChar *)name) == 0) {
            xmlNodePtr t = n->children;
            if (t && (t->type == XML_TEXT_NODE || t->type == XML_CDATA_SECTION_NODE))
                return (const char *)t->content;
            return "";
        }
        const char *r = aws_xml_text(n->children, name);
        if (r)
            return r;
    }
    return NULL;
}
