/*
 * xml.c - reading XML responses (Query and REST-XML): the one text lookup
 * that client.c, retry.c and sts.c share, in a file of its own so that
 * none of them depends on another for it.
 */
#include "aws/aws_int.h"

#include <libxml/tree.h>

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
