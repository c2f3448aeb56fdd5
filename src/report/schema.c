/*
 * schema.c - checks a report against reports/report.xsd while streaming
 * it (xmlTextReader), so that a report of any size is checked in constant
 * memory.  The first error names the file and line.  Network access and
 * entity expansion are off: a report is data, never a fetch.
 */
#include "report/report.h"

#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <string.h>

struct first_error {
    char msg[600];
    int line;
    int seen;
};

static void on_error(void *arg, xmlErrorPtr err)
{
    struct first_error *f = arg;
    if (f->seen || !err || err->level < XML_ERR_ERROR)
        return;
    f->seen = 1;
    f->line = err->line;
    snprintf(f->msg, sizeof f->msg, "%s", err->message ? err->message : "invalid");
    size_t n = strlen(f->msg);
    while (n && (f->msg[n - 1] == '\n' || f->msg[n - 1] == ' '))
        f->msg[--n] = '\0';
}

int hw_report_validate(const char *schema_file, const char *path, hw_err *e)
{
    struct first_error fe = { 0 };
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(schema_file);
    if (!pc)
        return hw_err_set(e, HW_EIO, "%s: cannot read the schema", schema_file);
    xmlSchemaSetParserStructuredErrors(pc, on_error, &fe);
    xmlSchemaPtr schema = xmlSchemaParse(pc);
    xmlSchemaFreeParserCtxt(pc);
    if (!schema)
        return hw_err_set(e, HW_EINVAL, "%s:%d: not a usable schema: %s", schema_file, fe.line,
                          fe.msg);
    int rc = HW_OK;
    xmlTextReaderPtr r = xmlReaderForFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE);
    if (!r) {
        xmlSchemaFree(schema);
        return hw_err_set(e, HW_EIO, "%s: cannot read", path);
    }
    xmlTextReaderSetStructuredErrorHandler(r, on_error, &fe);
    if (xmlTextReaderSetSchema(r, schema) != 0) {
        rc = hw_err_set(e, HW_EINTERNAL, "%s: the schema could not be attached", path);
        goto out;
    }
    int ret;
    while ((ret = xmlTextReaderRead(r)) == 1 && !fe.seen)
        ;
    if (fe.seen || ret < 0 || xmlTextReaderIsValid(r) != 1)
        rc = hw_err_set(e, HW_EINVAL, "%s:%d: does not match %s: %s", path, fe.line,
                        schema_file, fe.seen ? fe.msg : "invalid");
out:
    xmlFreeTextReader(r);
    xmlSchemaFree(schema);
    return rc;
}
