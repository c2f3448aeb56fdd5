/*
 * schema.c - checks a report against reports/report.xsd while streaming
 * it (xmlTextReader), so that a report of any size is checked in constant
 * memory.  The first error names the file and line.  Network access and
 * entity expansion are off: a report is data, never a fetch.
 *
 * A report being written is checked as it is written, in the writer's own
 * thread: the bytes are pushed into a SAX parser that drives the schema
 * validator (cheaper than the reader: no nodes are built).
 */
#include "report/report.h"

#include <libxml/parser.h>
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

/* ------------------------------------------- checking while writing */

/* The document as it is written, pushed into a parser whose SAX events
 * drive the schema validator (xmlSchemaSAXPlug): no tree, no reader, no
 * second thread or pipe, so checking costs the parse and the checks alone. */
struct hw_validator {
    xmlSchemaPtr schema;
    xmlSchemaValidCtxtPtr vctxt;
    xmlSAXHandler sax_mem;
    xmlSAXHandlerPtr sax;
    void *sax_data;
    xmlSchemaSAXPlugPtr plug;
    xmlParserCtxtPtr parser;
    struct first_error fe;
    int stopped;
    char name[512];
};

/* Where the validator is: the push parser's line. */
static int locate(void *ctx, const char **file, unsigned long *line)
{
    hw_validator *v = ctx;
    if (file)
        *file = v->name;
    if (line)
        *line = v->parser && v->parser->input ? (unsigned long)v->parser->input->line : 0;
    return 0;
}

/* The parser's own messages are read from lastError, not printed. */
static void quiet(void *arg, xmlErrorPtr err)
{
    (void)arg;
    (void)err;
}

static void validator_free(hw_validator *v)
{
    if (v->parser) {
        if (v->parser->myDoc)
            xmlFreeDoc(v->parser->myDoc);
        xmlFreeParserCtxt(v->parser);
    }
    if (v->plug)
        xmlSchemaSAXUnplug(v->plug);
    if (v->vctxt)
        xmlSchemaFreeValidCtxt(v->vctxt);
    xmlSchemaFree(v->schema);
    free(v);
}

int hw_validator_start(const char *schema_file, const char *name, hw_validator **out, hw_err *e)
{
    *out = NULL;
    hw_validator *v = calloc(1, sizeof *v);
    if (!v)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    snprintf(v->name, sizeof v->name, "%s", name);
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(schema_file);
    if (pc) {
        xmlSchemaSetParserStructuredErrors(pc, on_error, &v->fe);
        v->schema = xmlSchemaParse(pc);
        xmlSchemaFreeParserCtxt(pc);
    }
    if (!v->schema) {
        int rc = hw_err_set(e, HW_EINVAL, "%s:%d: not a usable schema: %s", schema_file,
                            v->fe.line, v->fe.seen ? v->fe.msg : "cannot read it");
        validator_free(v);
        return rc;
    }
    v->vctxt = xmlSchemaNewValidCtxt(v->schema);
    v->sax = &v->sax_mem;
    v->sax->initialized = XML_SAX2_MAGIC;
    v->sax->serror = quiet;
    if (v->vctxt) {
        xmlSchemaSetValidStructuredErrors(v->vctxt, on_error, &v->fe);
        v->plug = xmlSchemaSAXPlug(v->vctxt, &v->sax, &v->sax_data);
    }
    if (v->plug)
        v->parser = xmlCreatePushParserCtxt(v->sax, v->sax_data, NULL, 0, v->name);
    if (!v->parser) {
        validator_free(v);
        return hw_err_set(e, HW_ENOMEM, "cannot start the schema check: out of memory");
    }
    /* a report is data: no network, no entities from outside */
    xmlCtxtUseOptions(v->parser, XML_PARSE_NONET | XML_PARSE_HUGE);
    xmlSchemaValidateSetLocator(v->vctxt, locate, v);
    *out = v;
    return HW_OK;
}

int hw_validator_feed(hw_validator *v, const void *buf, size_t len)
{
    if (v->stopped)
        return -1;
    const char *p = buf;
    while (len) { /* xmlParseChunk takes an int */
        int n = len > (1u << 30) ? 1 << 30 : (int)len;
        xmlParseChunk(v->parser, p, n, 0);
        if (v->fe.seen || !v->parser->wellFormed) {
            v->stopped = 1;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int hw_validator_finish(hw_validator *v, hw_err *e)
{
    if (!v)
        return HW_OK;
    if (!v->stopped)
        xmlParseChunk(v->parser, NULL, 0, 1);
    int rc = HW_OK;
    if (e) {
        if (!v->fe.seen && !v->parser->wellFormed) {
            const xmlError *le = &v->parser->lastError;
            rc = hw_err_set(e, HW_EINVAL, "%s:%d: not well-formed: %s", v->name, le->line,
                            le->message ? le->message : "incomplete");
            size_t n = strlen(e->msg);
            while (n && (e->msg[n - 1] == '\n' || e->msg[n - 1] == ' '))
                e->msg[--n] = '\0';
        } else if (v->fe.seen || xmlSchemaIsValid(v->vctxt) != 1) {
            rc = hw_err_set(e, HW_EINVAL, "%s:%d: does not match the schema: %s", v->name,
                            v->fe.line, v->fe.seen ? v->fe.msg : "not well-formed or incomplete");
        }
    }
    validator_free(v);
    return rc;
}
