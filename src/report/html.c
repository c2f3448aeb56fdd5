/*
 * html.c - report.html from report.xml with templates/report.xsl (libxslt),
 * exactly as `xsltproc templates/report.xsl report.xml` renders it.
 *
 * The template reads the scope, the summary, the open items, the manual
 * requirements, actions, exceptions and the suppressed and untrusted
 * findings, never the per-requirement detail (<requirements>) or the
 * Signature, and of the long lists only the first 200 entries (the
 * template's $max-rows) and their count.  The schema puts <requirements>
 * and the Signature last, so the document is read with xmlTextReader only
 * up to <requirements>, and the lists are cut as they are read: memory and
 * time follow the summary, not the evidence, and the output is the same as
 * from the whole document because the template never looks at what is left
 * out (tests/integration/test_report.sh compares with xsltproc on lists
 * longer than 200).
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

/* Rows of each list the template shows (its $max-rows): keep in step. */
#define HTML_ROWS 200

/* The lists of which the template reads only the first HTML_ROWS entries
 * (and their count attribute). */
static int is_list(const xmlChar *name)
{
    static const char *const lists[] = { "open-items", "actions", "exceptions",
                                         "suppressed-findings", "untrusted-findings" };
    for (size_t i = 0; i < HW_ARRAY_LEN(lists); i++)
        if (strcmp((const char *)name, lists[i]) == 0)
            return 1;
    return 0;
}

static int copy_into(xmlTextReaderPtr r, xmlDocPtr doc, xmlNodePtr parent)
{
    xmlNodePtr full = xmlTextReaderExpand(r);
    xmlNodePtr copy = full ? xmlDocCopyNode(full, doc, 1) : NULL;
    if (!copy || !xmlAddChild(parent, copy)) {
        xmlFreeNode(copy);
        return -1;
    }
    return 0;
}

/* What the template reads, copied out of the document as the reader
 * passes it (so the reader frees what it has passed): the root with its
 * attributes, each child of the root before <requirements>, of the lists
 * only the first HTML_ROWS entries.  Reading stops at <requirements>. */
static xmlDocPtr read_pruned(const char *path, hw_err *e)
{
    xmlTextReaderPtr r = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (!r) {
        hw_err_set(e, HW_EIO, "%s: cannot read", path);
        return NULL;
    }
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = NULL, list = NULL;
    int kept = 0;
    int ret = doc ? xmlTextReaderRead(r) : -1;
    while (ret == 1) {
        int depth = xmlTextReaderDepth(r);
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT || depth > 2 ||
            (depth == 2 && !list)) {
            ret = xmlTextReaderRead(r);
            continue;
        }
        if (depth == 0) {
            xmlNodePtr n = xmlTextReaderCurrentNode(r);
            root = n ? xmlDocCopyNode(n, doc, 2) : NULL;
            if (!root) {
                ret = -1;
                break;
            }
            xmlDocSetRootElement(doc, root);
            ret = xmlTextReaderRead(r);
            continue;
        }
        if (!root) {
            ret = -1;
            break;
        }
        if (depth == 2) {
            if (kept < HTML_ROWS && copy_into(r, doc, list) != 0) {
                ret = -1;
                break;
            }
            kept++;
            ret = xmlTextReaderNext(r);
            continue;
        }
        list = NULL;
        const xmlChar *name = xmlTextReaderConstLocalName(r);
        if (skipped(name, xmlTextReaderConstNamespaceUri(r))) {
            /* everything the template reads comes before <requirements>
             * (the schema fixes the order): the rest need not be read */
            ret = 0;
            break;
        }
        if (is_list(name)) {
            xmlNodePtr n = xmlTextReaderCurrentNode(r);
            list = n ? xmlDocCopyNode(n, doc, 2) : NULL;
            if (!list || !xmlAddChild(root, list)) {
                xmlFreeNode(list);
                ret = -1;
                break;
            }
            kept = 0;
            ret = xmlTextReaderRead(r);
            continue;
        }
        if (copy_into(r, doc, root) != 0) {
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
