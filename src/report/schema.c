/*
 * schema.c - checks a report against reports/report.xsd while streaming
 * it (xmlTextReader), so that a report of any size is checked in constant
 * memory.  The first error names the file and line.  Network access and
 * entity expansion are off: a report is data, never a fetch.
 *
 * A report being written is checked as it is written: the writer feeds a
 * pipe that a validating reader on a second thread reads, so writing and
 * checking overlap instead of following each other.
 */
#include "report/report.h"

#include <errno.h>
#include <libxml/xmlreader.h>
#include <libxml/xmlschemas.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

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

struct hw_validator {
    xmlSchemaPtr schema;
    int fd[2];
    pthread_t thread;
    int started;
    struct first_error fe;
    int ret, valid;
    char name[512];
};

static int pipe_read(void *ctx, char *buf, int len)
{
    hw_validator *v = ctx;
    ssize_t n;
    do
        n = read(v->fd[0], buf, (size_t)len);
    while (n < 0 && errno == EINTR);
    return (int)n;
}

static int pipe_close(void *ctx)
{
    (void)ctx;
    return 0;
}

static void *validate_thread(void *arg)
{
    hw_validator *v = arg;
    xmlTextReaderPtr r = xmlReaderForIO(pipe_read, pipe_close, v, v->name, NULL,
                                        XML_PARSE_NONET | XML_PARSE_HUGE);
    v->ret = -1;
    if (r) {
        xmlTextReaderSetStructuredErrorHandler(r, on_error, &v->fe);
        if (xmlTextReaderSetSchema(r, v->schema) == 0) {
            while ((v->ret = xmlTextReaderRead(r)) == 1 && !v->fe.seen)
                ;
            v->valid = !v->fe.seen && v->ret == 0 && xmlTextReaderIsValid(r) == 1;
        }
        xmlFreeTextReader(r);
    }
    /* read to the end, so that the writer never blocks on a full pipe */
    char buf[1 << 14];
    while (pipe_read(v, buf, sizeof buf) > 0)
        ;
    return NULL;
}

int hw_validator_start(const char *schema_file, const char *name, hw_validator **out, hw_err *e)
{
    *out = NULL;
    hw_validator *v = calloc(1, sizeof *v);
    if (!v)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    snprintf(v->name, sizeof v->name, "%s", name);
    v->fd[0] = v->fd[1] = -1;
    xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(schema_file);
    if (pc) {
        xmlSchemaSetParserStructuredErrors(pc, on_error, &v->fe);
        v->schema = xmlSchemaParse(pc);
        xmlSchemaFreeParserCtxt(pc);
    }
    if (!v->schema) {
        int rc = hw_err_set(e, HW_EINVAL, "%s:%d: not a usable schema: %s", schema_file,
                            v->fe.line, v->fe.seen ? v->fe.msg : "cannot read it");
        free(v);
        return rc;
    }
    if (pipe(v->fd) != 0 || pthread_create(&v->thread, NULL, validate_thread, v) != 0) {
        int rc = hw_err_set(e, HW_EINTERNAL, "cannot start the schema check: %s", strerror(errno));
        hw_validator_finish(v, NULL);
        return rc;
    }
    v->started = 1;
    *out = v;
    return HW_OK;
}

int hw_validator_feed(hw_validator *v, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = write(v->fd[1], p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int hw_validator_finish(hw_validator *v, hw_err *e)
{
    if (!v)
        return HW_OK;
    if (v->fd[1] >= 0)
        close(v->fd[1]);
    if (v->started)
        pthread_join(v->thread, NULL);
    if (v->fd[0] >= 0)
        close(v->fd[0]);
    int rc = HW_OK;
    if (e && !v->valid)
        rc = hw_err_set(e, HW_EINVAL, "%s:%d: does not match the schema: %s", v->name,
                        v->fe.line, v->fe.seen ? v->fe.msg : "not well-formed or incomplete");
    xmlSchemaFree(v->schema);
    free(v);
    return rc;
}
