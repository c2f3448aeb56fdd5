/*
 * catalog.c - loads controls/ with libxml2: each file parsed without
 * network or entity expansion, validated against controls.xsd (errors
 * with file and line from libxml2's structured error handler), then the
 * cross-file checks a schema cannot make.
 */
#include "catalog/catalog.h"

#include <dirent.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdlib.h>
#include <string.h>

#define NS "urn:hubwarden:controls:1"

struct pool {
    char **s;
    size_t n, cap;
    void **blocks;
    size_t nblocks;
};

static const char *keep(struct pool *p, const xmlChar *s)
{
    if (!s)
        return NULL;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 1024;
        char **n = realloc(p->s, cap * sizeof *n);
        if (!n)
            return NULL;
        p->s = n;
        p->cap = cap;
    }
    char *d = strdup((const char *)s);
    if (d)
        p->s[p->n++] = d;
    return d;
}

static void *keep_block(struct pool *p, void *b)
{
    void **n = realloc(p->blocks, (p->nblocks + 1) * sizeof *n);
    if (!n)
        return NULL;
    p->blocks = n;
    p->blocks[p->nblocks++] = b;
    return b;
}

static const char *attr(struct pool *p, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    const char *r = keep(p, v);
    xmlFree(v);
    return r;
}

static const char *text(struct pool *p, xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    const char *r = keep(p, v);
    xmlFree(v);
    return r;
}

static int is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* ------------------------------------------------------------- schema */

struct verr {
    hw_err *e;
    int set;
};

static void on_error(void *arg, const xmlError *err)
{
    struct verr *v = arg;
    if (v->set || !err)
        return;
    char msg[512];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "invalid");
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    hw_err_set(v->e, HW_EINVAL, "%s:%d: %s", err->file ? err->file : "?", err->line, msg);
    v->set = 1;
}

static xmlDocPtr load_doc(const char *path, xmlSchemaValidCtxtPtr vctx, hw_err *e)
{
    struct verr v = { e, 0 };
    xmlParserCtxtPtr pctx = xmlNewParserCtxt();
    if (!pctx) {
        hw_err_set(e, HW_ENOMEM, "out of memory");
        return NULL;
    }
    xmlSetStructuredErrorFunc(&v, (xmlStructuredErrorFunc)on_error);
    xmlDocPtr doc = xmlCtxtReadFile(pctx, path, NULL,
                                    XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlFreeParserCtxt(pctx);
    if (!doc) {
        if (!v.set)
            hw_err_set(e, HW_EINVAL, "%s: not well-formed XML", path);
        xmlSetStructuredErrorFunc(NULL, NULL);
        return NULL;
    }
    xmlSchemaSetValidStructuredErrors(vctx, (xmlStructuredErrorFunc)on_error, &v);
    int r = xmlSchemaValidateDoc(vctx, doc);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (r != 0) {
        if (!v.set)
            hw_err_set(e, HW_EINVAL, "%s: does not match controls.xsd", path);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ------------------------------------------------------------ controls */

static int cmp_control(const void *a, const void *b)
{
    return strcmp(((const hw_control *)a)->id, ((const hw_control *)b)->id);
}

static int load_controls(hw_catalog *c, struct pool *p, const char *path, xmlSchemaValidCtxtPtr v,
                         hw_err *e)
{
    xmlDocPtr doc = load_doc(path, v, e);
    if (!doc)
        return e->kind;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    size_t n = 0;
    for (xmlNodePtr k = root->children; k; k = k->next)
        n += is(k, "control");
    c->controls = keep_block(p, calloc(n ? n : 1, sizeof *c->controls));
    int rc = c->controls ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
    for (xmlNodePtr k = root->children; k && rc == HW_OK; k = k->next) {
        if (!is(k, "control"))
            continue;
        hw_control *ct = &c->controls[c->ncontrols++];
        ct->id = attr(p, k, "id");
        ct->severity = attr(p, k, "severity");
        ct->resource_type = attr(p, k, "resource-type");
        if (!ct->resource_type)
            ct->resource_type = "";
        ct->line = (int)xmlGetLineNo(k);
        size_t nrel = 0;
        for (xmlNodePtr x = k->children; x; x = x->next)
            nrel += is(x, "related");
        ct->related = keep_block(p, calloc(nrel ? nrel : 1, sizeof *ct->related));
        for (xmlNodePtr x = k->children; x; x = x->next) {
            if (is(x, "title"))
                ct->title = text(p, x);
            else if (is(x, "source"))
                ct->source = text(p, x);
            else if (is(x, "remediation"))
                ct->remediation = attr(p, x, "action");
            else if (is(x, "related") && ct->related) {
                hw_related *r = &ct->related[ct->nrelated++];
                r->framework = attr(p, x, "framework");
                r->requirement = attr(p, x, "requirement");
            }
        }
    }
    xmlFreeDoc(doc);
    if (rc != HW_OK)
        return rc;
    qsort(c->controls, c->ncontrols, sizeof *c->controls, cmp_control);
    for (size_t i = 1; i < c->ncontrols; i++)
        if (strcmp(c->controls[i].id, c->controls[i - 1].id) == 0)
            return hw_err_set(e, HW_EINVAL, "%s:%d: control %s is defined twice (also line %d)", path,
                              c->controls[i].line > c->controls[i - 1].line ? c->controls[i].line
                                                                           : c->controls[i - 1].line,
                              c->controls[i].id,
                              c->controls[i].line > c->controls[i - 1].line ? c->controls[i - 1].line
                                                                           : c->controls[i].line);
    return HW_OK;
}

const hw_control *hw_catalog_control(const hw_catalog *c, const char *id)
{
    hw_control key = { 0 };
    key.id = id;
    return bsearch(&key, c->controls, c->ncontrols, sizeof *c->controls, cmp_control);
}

/* ----------------------------------------------------------- frameworks */

static int load_framework(hw_catalog *c, struct pool *p, const char *path, hw_framework *f,
                          xmlSchemaValidCtxtPtr v, hw_err *e)
{
    xmlDocPtr doc = load_doc(path, v, e);
    if (!doc)
        return e->kind;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    f->file = keep(p, (const xmlChar *)path);
    f->id = attr(p, root, "id");
    f->name = attr(p, root, "name");
    f->version = attr(p, root, "version");
    size_t n = 0;
    for (xmlNodePtr k = root->children; k; k = k->next)
        n += is(k, "requirement");
    f->requirements = keep_block(p, calloc(n ? n : 1, sizeof *f->requirements));
    int rc = f->requirements ? HW_OK : hw_err_set(e, HW_ENOMEM, "out of memory");
    for (xmlNodePtr k = root->children; k && rc == HW_OK; k = k->next) {
        if (is(k, "source"))
            f->source = text(p, k);
        else if (is(k, "caveat"))
            f->caveat = text(p, k);
        if (!is(k, "requirement"))
            continue;
        hw_requirement *r = &f->requirements[f->nrequirements++];
        r->id = attr(p, k, "id");
        r->title = attr(p, k, "title");
        r->line = (int)xmlGetLineNo(k);
        const char *manual = attr(p, k, "manual");
        r->manual = manual && (strcmp(manual, "true") == 0 || strcmp(manual, "1") == 0);
        for (size_t i = 0; i + 1 < f->nrequirements; i++)
            if (strcmp(f->requirements[i].id, r->id) == 0) {
                rc = hw_err_set(e, HW_EINVAL, "%s:%d: requirement %s is defined twice (also line %d)",
                                path, r->line, r->id, f->requirements[i].line);
                break;
            }
        size_t nc = 0;
        for (xmlNodePtr x = k->children; x; x = x->next)
            nc += is(x, "control");
        r->controls = keep_block(p, calloc(nc ? nc : 1, sizeof *r->controls));
        for (xmlNodePtr x = k->children; x && rc == HW_OK; x = x->next) {
            if (is(x, "manual-reason"))
                r->manual_reason = text(p, x);
            if (!is(x, "control"))
                continue;
            xmlChar *ref = xmlGetProp(x, (const xmlChar *)"ref");
            const hw_control *ct = hw_catalog_control(c, (const char *)ref);
            if (!ct)
                rc = hw_err_set(e, HW_EINVAL, "%s:%ld: requirement %s: unknown control %s", path,
                                xmlGetLineNo(x), r->id, (const char *)ref);
            else
                r->controls[r->ncontrols++] = ct;
            xmlFree(ref);
        }
        if (rc == HW_OK && !r->manual && r->ncontrols == 0)
            rc = hw_err_set(e, HW_EINVAL,
                            "%s:%d: requirement %s has no control and is not marked manual", path,
                            r->line, r->id);
    }
    xmlFreeDoc(doc);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_framework(const void *a, const void *b)
{
    return strcmp(((const hw_framework *)a)->id, ((const hw_framework *)b)->id);
}

int hw_catalog_load(const char *dir, hw_catalog **out, hw_err *e)
{
    *out = NULL;
    hw_catalog *c = calloc(1, sizeof *c);
    struct pool *p = calloc(1, sizeof *p);
    if (!c || !p) {
        free(c);
        free(p);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    c->priv = p;
    char path[4096];
    snprintf(path, sizeof path, "%s/controls.xsd", dir);
    int rc = HW_OK;
    xmlSchemaParserCtxtPtr sp = NULL;
    xmlSchemaPtr schema = NULL;
    xmlSchemaValidCtxtPtr vctx = NULL;
    char **names = NULL;
    size_t nnames = 0;
    if (!hw_file_exists(path)) {
        rc = hw_err_set(e, HW_EINVAL, "%s: missing (is %s a hubwarden controls folder?)", path, dir);
        goto out;
    }
    struct verr ve = { e, 0 };
    xmlSetStructuredErrorFunc(&ve, (xmlStructuredErrorFunc)on_error);
    sp = xmlSchemaNewParserCtxt(path);
    schema = sp ? xmlSchemaParse(sp) : NULL;
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!schema) {
        if (!ve.set)
            hw_err_set(e, HW_EINVAL, "%s: not a valid schema", path);
        rc = HW_EINVAL;
        goto out;
    }
    vctx = xmlSchemaNewValidCtxt(schema);
    snprintf(path, sizeof path, "%s/securityhub-controls.xml", dir);
    if ((rc = load_controls(c, p, path, vctx, e)) != HW_OK)
        goto out;
    snprintf(path, sizeof path, "%s/frameworks", dir);
    DIR *d = opendir(path);
    if (!d) {
        rc = hw_err_set(e, HW_EINVAL, "%s: cannot open the frameworks folder", path);
        goto out;
    }
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".xml") != 0 || de->d_name[0] == '.')
            continue;
        char **nn = realloc(names, (nnames + 1) * sizeof *nn);
        if (!nn)
            break;
        names = nn;
        names[nnames++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nnames, sizeof *names, cmp_name);
    c->frameworks = keep_block(p, calloc(nnames ? nnames : 1, sizeof *c->frameworks));
    for (size_t i = 0; i < nnames && rc == HW_OK; i++) {
        char fp[4096];
        snprintf(fp, sizeof fp, "%s/frameworks/%s", dir, names[i]);
        hw_framework *f = &c->frameworks[c->nframeworks++];
        rc = load_framework(c, p, fp, f, vctx, e);
        for (size_t j = 0; rc == HW_OK && j + 1 < c->nframeworks; j++)
            if (strcmp(c->frameworks[j].id, f->id) == 0)
                rc = hw_err_set(e, HW_EINVAL, "%s: framework %s is also defined in %s", fp, f->id,
                                c->frameworks[j].file);
    }
    if (rc == HW_OK)
        qsort(c->frameworks, c->nframeworks, sizeof *c->frameworks, cmp_framework);
out:
    for (size_t i = 0; i < nnames; i++)
        free(names[i]);
    free(names);
    if (vctx)
        xmlSchemaFreeValidCtxt(vctx);
    if (schema)
        xmlSchemaFree(schema);
    if (sp)
        xmlSchemaFreeParserCtxt(sp);
    if (rc != HW_OK) {
        hw_catalog_free(c);
        return rc;
    }
    *out = c;
    return HW_OK;
}

void hw_catalog_free(hw_catalog *c)
{
    if (!c)
        return;
    struct pool *p = c->priv;
    if (p) {
        for (size_t i = 0; i < p->n; i++)
            free(p->s[i]);
        free(p->s);
        for (size_t i = 0; i < p->nblocks; i++)
            free(p->blocks[i]);
        free(p->blocks);
        free(p);
    }
    free(c);
}

const char *hw_catalog_default_dir(void)
{
    const char *env = getenv("HUBWARDEN_CONTROLS");
    if (env && *env)
        return env;
    if (hw_file_exists("controls/controls.xsd"))
        return "controls";
    return HW_DATADIR "/controls";
}

const hw_framework *hw_catalog_framework(const hw_catalog *c, const char *id)
{
    hw_framework key = { 0 };
    key.id = id;
    return bsearch(&key, c->frameworks, c->nframeworks, sizeof *c->frameworks, cmp_framework);
}

hw_coverage hw_catalog_coverage(const hw_framework *f)
{
    hw_coverage cv = { f->nrequirements, 0, 0, 0 };
    for (size_t i = 0; i < f->nrequirements; i++) {
        if (f->requirements[i].manual)
            cv.manual++;
        else if (f->requirements[i].ncontrols)
            cv.automated++;
        else
            cv.unmapped++;
    }
    return cv;
}
