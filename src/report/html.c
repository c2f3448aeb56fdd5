/*
 * html.c - report.html from report.xml with templates/report.xsl (libxslt),
 * exactly as `xsltproc templates/report.xsl report.xml` renders it.
 *
 * The template reads the scope, the summary, the open items, the manual
 * requirements, actions, exceptions and the suppressed and untrusted
 * findings, never the per-requirement detail (<requirements>) or the
 * Signature.  The schema puts both last, so the document is read with
 * xmlTextReader only up to <requirements>: memory and time follow the
 * summary, not the evidence, and the output is the same as from the whole
 * document because the template never looks at what is left out.
 */
#include "report/report.h"

#include <libxml/xmlreader.h>
#include <libxslt/transform.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>
#include <string.h>

static int skipped(const xmlChar *name, const xmlChar *ns)
{
    if (!name || !ns)
        return 0;
    if (strcmp((const char *)ns, HW_REPORT_NS) == 0)
        return strcmp((const char *)name, "requirements") == 0;
    return strcmp((const char *)ns, "http://www.w3.org/2000/09/xmldsig#") == 0;
}

/* A copy of the document without the skipped subtrees of the root's
 * children: each kept child is expanded, copied, and left behind, so the
 * reader frees what it has passed. */
static xmlDocPtr read_pruned(const char *path, hw_err *e)
{
    xmlTextReaderPtr r = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (!r) {
        hw_err_set(e, HW_EIO, "%s: cannot read", path);
        return NULL;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = NULL;
    int ret = doc ? xmlTextReaderRead(r) : -1;
    while (ret == 1) {
        int depth = xmlTextReaderDepth(r);
        int type = xmlTextReaderNodeType(r);
        if (type != XML_READER_TYPE_ELEMENT || depth > 1) {
            ret = xmlTextReaderRead(r);
            continue;
        }
        xmlNodePtr n = xmlTextReaderCurrentNode(r);
        if (depth == 0) {
            root = n ? xmlDocCopyNode(n, doc, 2) : NULL;
            if (!root) {
                ret = -1;
                break;
            }
            xmlDocSetRootElement(doc, root);
            ret = xmlTextReaderRead(r);
            continue;
        }
        if (root && skipped(xmlTextReaderConstLocalName(r), xmlTextReaderConstNamespaceUri(r))) {
            /* everything the template reads comes before <requirements>
             * (the schema fixes the order): the rest need not be read */
            ret = 0;
            break;
        }
        xmlNodePtr full = xmlTextReaderExpand(r);
        xmlNodePtr copy = full && root ? xmlDocCopyNode(full, doc, 1) : NULL;
        if (!copy || !xmlAddChild(root, copy)) {
            xmlFreeNode(copy);
            ret = -1;
            break;
        }
        ret = xmlTextReaderNext(r);
    }
    xmlFreeTextReader(r);
    if (ret != 0 || !root) {
        xmlFreeDoc(doc);
        hw_err_set(e, HW_EINVAL, "%s: not well-formed XML", path);
        return NULL;
    }
    return doc;
}

int hw_report_html(const char *template_file, const char *xml_path, const char *html_path,
                   hw_err *e)
{
    xsltStylesheetPtr xsl = xsltParseStylesheetFile((const xmlChar *)template_file);
    if (!xsl)
        return hw_err_set(e, HW_EINVAL, "%s: not a usable XSLT template", template_file);
    int rc = HW_OK;
    xmlDocPtr doc = read_pruned(xml_path, e);
    xmlDocPtr res = NULL;
    if (!doc) {
        rc = e->kind;
        goto out;
    }
    res = xsltApplyStylesheet(xsl, doc, NULL);
    if (!res) {
        rc = hw_err_set(e, HW_EINVAL, "%s: the template failed on %s", template_file, xml_path);
        goto out;
    }
    if (xsltSaveResultToFilename(html_path, res, xsl, 0) < 0)
        rc = hw_err_set(e, HW_EIO, "%s: writing failed", html_path);
out:
    xmlFreeDoc(res);
    xmlFreeDoc(doc);
    xsltFreeStylesheet(xsl);
    return rc;
}
