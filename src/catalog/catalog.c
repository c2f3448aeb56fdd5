/*
 * catalog.c - loads controls/ with libxml2 (see catalog.h).
 *
 * Each file is parsed without network access, without entity substitution
 * and with any DOCTYPE refused (no XXE, no entity bombs), then validated
 * against controls.xsd; libxml2's structured error handler turns the first
 * parse or schema error into "PATH:LINE: message".  The tree is copied into
 * the plain structs of catalog.h, in an arena, and freed at once; the
 * checks a schema cannot make (duplicates, references across files)
 * follow.  Lookups, indexes and printing live in catalog_lookup.c; the
 * standard control ids are read in standard_ids.c.
 */
#include "catalog/catalog_int.h"

#include <dirent.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <unistd.h>
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdlib.h>
#include <string.h>

#define HW_CATALOG_NS "urn:hubwarden:controls:1"
#define MAX_FRAMEWORKS 256

/* ------------------------------------------------------------ XML errors */

struct xml_errs {
    hw_err *e;
    int set;
};

/* Removes "{urn:hubwarden:controls:1}" from libxml2's element names. */
static void strip_namespace(char *s)
{
    static const char ns[] = "{" HW_CATALOG_NS "}";
    char *p;
    while ((p = strstr(s, ns)) != NULL)
        memmove(p, p + sizeof ns - 1, strlen(p + sizeof ns - 1) + 1);
}

/* Keeps the first error; libxml2 may report more for the same cause. */
static void on_xml_error(void *arg, xmlErrorPtr err)
{
    struct xml_errs *x = arg;
    if (x->set || !err || err->level == XML_ERR_WARNING)
        return;
    char msg[600];
    snprintf(msg, sizeof msg, "%s", err->message ? err->message : "invalid XML");
    strip_namespace(msg);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' ' || msg[n - 1] == '.'))
        msg[--n] = '\0';
    hw_err_set(x->e, HW_EINVAL, "%s:%d: %s", err->file ? err->file : "?", err->line, msg);
    x->set = 1;
}

/* The line of "<!DOCTYPE" in path (libxml2 keeps no line for it); 1 when
 * not found in the first 64 KiB. */
static int doctype_line(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    char buf[4096];
    int line = 1, found = 0;
    size_t total = 0, n;
    while (!found && total < 65536 && (n = fread(buf, 1, sizeof buf - 1, f)) > 0) {
        buf[n] = '\0';
        char *hit = strstr(buf, "<!DOCTYPE");
        char *end = hit ? hit : buf + n;
        for (char *p = buf; p < end; p++)
            line += *p == '\n';
        found = hit != NULL;
        total += n;
    }
    fclose(f);
    return found ? line : 1;
}

/* Parses path and validates it; returns the document (xmlFreeDoc() it) or
 * NULL with e set. */
static xmlDocPtr read_valid(const char *path, xmlSchemaPtr schema, hw_err *e)
{
    struct xml_errs x = { e, 0 };
    xmlSchemaValidCtxtPtr v = NULL;
    xmlSetStructuredErrorFunc(&x, on_xml_error);
    xmlDocPtr doc = xmlReadFile(path, NULL,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                    XML_PARSE_BIG_LINES | XML_PARSE_NOCDATA);
    if (!doc) {
        if (!x.set)
            hw_err_set(e, HW_EINVAL, "%s: cannot be read as XML", path);
        goto fail;
    }
    if (doc->intSubset || doc->extSubset) {
        hw_err_set(e, HW_EINVAL, "%s:%d: a DOCTYPE is not allowed in catalogue files", path,
                   doctype_line(path));
        goto fail;
    }
    v = xmlSchemaNewValidCtxt(schema);
    if (!v) {
        hw_err_set(e, HW_ENOMEM, "out of memory");
        goto fail;
    }
    xmlSchemaSetValidStructuredErrors(v, on_xml_error, &x);
    if (xmlSchemaValidateDoc(v, doc) != 0) {
        if (!x.set)
            hw_err_set(e, HW_EINVAL, "%s: does not match controls.xsd", path);
        goto fail;
    }
    xmlSchemaFreeValidCtxt(v);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return doc;
fail:
    if (v)
        xmlSchemaFreeValidCtxt(v);
    xmlFreeDoc(doc);
    xmlSetStructuredErrorFunc(NULL, NULL);
    return NULL;
}

static xmlSchemaPtr read_schema(const char *path, hw_err *e)
{
    struct xml_errs x = { e, 0 };
    xmlSetStructuredErrorFunc(&x, on_xml_error);
    xmlSchemaParserCtxtPtr p = xmlSchemaNewParserCtxt(path);
    xmlSchemaPtr s = p ? xmlSchemaParse(p) : NULL;
    if (p)
        xmlSchemaFreeParserCtxt(p);
    xmlSetStructuredErrorFunc(NULL, NULL);
    if (!s && !x.set)
        hw_err_set(e, HW_EINVAL, "%s: not a usable schema", path);
    return s;
}

/* ----------------------------------------------------------- tree access */

static int is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static size_t count(xmlNodePtr parent, const char *name)
{
    size_t n = 0;
    for (xmlNodePtr k = parent->children; k; k = k->next)
        n += is(k, name);
    return n;
}

/* The attribute's value copied into the arena, or NULL when absent. */
static const char *attr(hw_arena *a, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    const char *r = hw_arena_strdup(a, (const char *)v);
    xmlFree(v);
    return r;
}

/* The element's text copied into the arena, runs of white space folded
 * to one blank (wrapped lines in the files read as one line). */
static const char *text(hw_arena *a, xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *r = hw_arena_strdup(a, (const char *)v);
    xmlFree(v);
    if (!r)
        return NULL;
    char *w = r;
    for (const char *s = r; *s; s++) {
        int sp = *s == ' ' || *s == '\n' || *s == '\t' || *s == '\r';
        if (sp && (w == r || w[-1] == ' '))
            continue;
        *w++ = sp ? ' ' : *s;
    }
    while (w > r && w[-1] == ' ')
        w--;
    *w = '\0';
    return r;
}

static int line_of(xmlNodePtr n)
{
    return (int)xmlGetLineNo(n);
}

/* ------------------------------------------------------------- controls */

struct loader {
    hw_catalog *cat;
    hw_arena *arena;
    xmlSchemaPtr schema;
    const char *controls_path;
    hw_err *e;
};

static int oom(struct loader *L)
{
    return hw_err_set(L->e, HW_ENOMEM, "out of memory");
}

static void read_related(struct loader *L, xmlNodePtr x, hw_related *r)
{
    r->framework = attr(L->arena, x, "framework");
    r->requirement = attr(L->arena, x, "requirement");
    r->line = line_of(x);
}

static int read_control(struct loader *L, xmlNodePtr k, hw_control *ct)
{
    hw_arena *a = L->arena;
    ct->id = attr(a, k, "id");
    ct->severity = attr(a, k, "severity");
    ct->resource_type = attr(a, k, "resource-type");
    ct->line = line_of(k);
    hw_related *rel = hw_arena_alloc(a, count(k, "related") * sizeof *rel);
    if (!ct->id || !ct->severity || !rel)
        return oom(L);
    if (!ct->resource_type)
        ct->resource_type = "";
    ct->related = rel;
    for (xmlNodePtr x = k->children; x; x = x->next) {
        if (is(x, "title"))
            ct->title = text(a, x);
        else if (is(x, "source"))
            ct->source = text(a, x);
        else if (is(x, "remediation"))
            ct->remediation = attr(a, x, "action");
        else if (is(x, "unmapped-reason"))
            ct->unmapped_reason = text(a, x);
        else if (is(x, "related"))
            read_related(L, x, &rel[ct->nrelated++]);
    }
    if (ct->remediation && !hw_catalog_action_known(ct->remediation))
        return hw_err_set(L->e, HW_EINVAL, "%s:%d: control %s: unknown remediation action '%s'",
                          L->controls_path, ct->line, ct->id, ct->remediation);
    return HW_OK;
}

static int read_externals(struct loader *L, xmlNodePtr root)
{
    hw_external *x = hw_arena_alloc(L->arena, count(root, "external-framework") * sizeof *x);
    if (!x)
        return oom(L);
    L->cat->externals = x;
    for (xmlNodePtr k = root->children; k; k = k->next) {
        if (!is(k, "external-framework"))
            continue;
        hw_external *ex = &x[L->cat->nexternals++];
        ex->id = attr(L->arena, k, "id");
        ex->name = attr(L->arena, k, "name");
    }
    return HW_OK;
}

/* Sorts the controls by id and refuses an id defined twice. */
static int sort_controls(struct loader *L, hw_control *cs, size_t n)
{
    qsort(cs, n, sizeof *cs, hw_catalog_cmp_control);
    for (size_t i = 0; i < n; i++)
        cs[i].index = i;
    for (size_t i = 1; i < n; i++) {
        if (strcmp(cs[i].id, cs[i - 1].id) != 0)
            continue;
        int first = cs[i].line < cs[i - 1].line ? cs[i].line : cs[i - 1].line;
        int second = cs[i].line < cs[i - 1].line ? cs[i - 1].line : cs[i].line;
        return hw_err_set(L->e, HW_EINVAL, "%s:%d: control %s is defined twice (also line %d)",
                          L->controls_path, second, cs[i].id, first);
    }
    return HW_OK;
}

static int load_controls(struct loader *L)
{
    xmlDocPtr doc = read_valid(L->controls_path, L->schema, L->e);
    if (!doc)
        return L->e->kind;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    int rc = HW_OK;
    if (!is(root, "controls"))
        rc = hw_err_set(L->e, HW_EINVAL, "%s:%d: the root element must be <controls>",
                        L->controls_path, line_of(root));
    size_t n = rc == HW_OK ? count(root, "control") : 0;
    hw_control *cs = hw_arena_alloc(L->arena, n * sizeof *cs);
    if (rc == HW_OK)
        rc = cs ? read_externals(L, root) : oom(L);
    size_t i = 0;
    for (xmlNodePtr k = root->children; k && rc == HW_OK; k = k->next)
        if (is(k, "control"))
            rc = read_control(L, k, &cs[i++]);
    xmlFreeDoc(doc);
    if (rc == HW_OK)
        rc = sort_controls(L, cs, n);
    L->cat->controls = cs;
    L->cat->ncontrols = rc == HW_OK ? n : 0;
    return rc;
}

/* ----------------------------------------------------------- frameworks */

/* Resolves one <control ref=".." source=".."/> of requirement r of f into
 * *slot and *src: the control must be in the catalogue and the source
 * declared by a <link-source> of the same file. */
static int read_ref(struct loader *L, const hw_framework *f, xmlNodePtr x,
                    const hw_requirement *r, const hw_control **slot, const char **src)
{
    xmlChar *ref = xmlGetNoNsProp(x, (const xmlChar *)"ref");
    const char *source = attr(L->arena, x, "source");
    const hw_link_source *ls = source ? hw_framework_link_source(f, source) : NULL;
    *slot = ref ? hw_catalog_control(L->cat, (const char *)ref) : NULL;
    *src = ls ? ls->id : NULL;
    int rc = HW_OK;
    if (!*slot)
        rc = hw_err_set(L->e, HW_EINVAL, "%s:%d: requirement %s: unknown control %s", f->file,
                        line_of(x), r->id, ref ? (const char *)ref : "(none)");
    else if (!source)
        rc = hw_err_set(L->e, HW_EINVAL, "%s:%d: requirement %s: control %s has no source", f->file,
                        line_of(x), r->id, (*slot)->id);
    else if (!ls)
        rc = hw_err_set(L->e, HW_EINVAL,
                        "%s:%d: requirement %s: control %s: unknown link source '%s' (declare it "
                        "with <link-source id=\"%s\">)",
                        f->file, line_of(x), r->id, (*slot)->id, source, source);
    xmlFree(ref);
    return rc;
}

/* A requirement is either evidenced by controls or manual with a reason. */
static int check_requirement_kind(struct loader *L, const char *path, const hw_requirement *r)
{
    if (r->manual && r->ncontrols)
        return hw_err_set(L->e, HW_EINVAL, "%s:%d: requirement %s is marked manual but lists controls",
                          path, r->line, r->id);
    if (r->manual && !r->manual_reason)
        return hw_err_set(L->e, HW_EINVAL, "%s:%d: requirement %s is manual but has no <manual-reason>",
                          path, r->line, r->id);
    if (!r->manual && !r->ncontrols)
        return hw_err_set(L->e, HW_EINVAL,
                          "%s:%d: requirement %s has no control and is not marked manual=\"true\"",
                          path, r->line, r->id);
    return HW_OK;
}

static int read_requirement(struct loader *L, const hw_framework *f, xmlNodePtr k,
                            hw_requirement *r)
{
    const char *path = f->file;
    hw_arena *a = L->arena;
    r->id = attr(a, k, "id");
    r->title = attr(a, k, "title");
    r->line = line_of(k);
    const char *manual = attr(a, k, "manual");
    r->manual = manual && (strcmp(manual, "true") == 0 || strcmp(manual, "1") == 0);
    size_t n = count(k, "control");
    const hw_control **cs = hw_arena_alloc(a, n * sizeof *cs);
    const char **srcs = hw_arena_alloc(a, n * sizeof *srcs);
    if (!r->id || !r->title || !cs || !srcs)
        return oom(L);
    r->controls = cs;
    r->sources = srcs;
    int rc = HW_OK;
    for (xmlNodePtr x = k->children; x && rc == HW_OK; x = x->next) {
        if (is(x, "manual-reason"))
            r->manual_reason = text(a, x);
        else if (is(x, "control")) {
            rc = read_ref(L, f, x, r, &cs[r->ncontrols], &srcs[r->ncontrols]);
            r->ncontrols++;
        }
    }
    return rc == HW_OK ? check_requirement_kind(L, path, r) : rc;
}

/* The file must be named after the framework: frameworks/ID.xml. */
static int check_file_name(struct loader *L, const char *path, const char *name, xmlNodePtr root,
                           const char *id)
{
    size_t n = strlen(id);
    if (strncmp(name, id, n) == 0 && strcmp(name + n, ".xml") == 0)
        return HW_OK;
    return hw_err_set(L->e, HW_EINVAL,
                      "%s:%d: framework id '%s' does not match the file name (want %s.xml)", path,
                      line_of(root), id, id);
}

/* One <link-source id="..">text</link-source>; ids are unique in a file. */
static int read_link_source(struct loader *L, hw_framework *f, xmlNodePtr x, hw_link_source *ls)
{
    ls->id = attr(L->arena, x, "id");
    ls->text = text(L->arena, x);
    ls->line = line_of(x);
    if (!ls->id || !ls->text)
        return oom(L);
    const hw_link_source *prev = hw_framework_link_source(f, ls->id);
    if (prev)
        return hw_err_set(L->e, HW_EINVAL, "%s:%d: link source %s is declared twice (also line %d)",
                          f->file, ls->line, ls->id, prev->line);
    f->nlink_sources++;
    return HW_OK;
}

static int read_framework(struct loader *L, const char *path, const char *name, xmlNodePtr root,
                          hw_framework *f)
{
    hw_arena *a = L->arena;
    f->file = hw_arena_strdup(a, path);
    f->id = attr(a, root, "id");
    f->name = attr(a, root, "name");
    f->version = attr(a, root, "version");
    hw_requirement *rs = hw_arena_alloc(a, count(root, "requirement") * sizeof *rs);
    hw_link_source *ls = hw_arena_alloc(a, count(root, "link-source") * sizeof *ls);
    if (!f->file || !f->id || !f->name || !f->version || !rs || !ls)
        return oom(L);
    int rc = check_file_name(L, path, name, root, f->id);
    f->requirements = rs;
    f->link_sources = ls;
    for (xmlNodePtr k = root->children; k && rc == HW_OK; k = k->next) {
        if (is(k, "source"))
            f->source = text(a, k);
        else if (is(k, "caveat"))
            f->caveat = text(a, k);
        else if (is(k, "link-source"))
            rc = read_link_source(L, f, k, &ls[f->nlink_sources]);
        else if (is(k, "requirement"))
            rc = read_requirement(L, f, k, &rs[f->nrequirements++]);
    }
    if (rc == HW_OK)
        rc = hw_catalog_index_framework(f, L->cat->ncontrols, a, L->e);
    return rc;
}

static int load_framework(struct loader *L, const char *name, hw_framework *f)
{
    char *path = hw_asprintf("%s/frameworks/%s", L->cat->dir, name);
    if (!path)
        return oom(L);
    xmlDocPtr doc = read_valid(path, L->schema, L->e);
    int rc = doc ? HW_OK : L->e->kind;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (doc && !is(root, "framework"))
        rc = hw_err_set(L->e, HW_EINVAL, "%s:%d: the root element must be <framework>", path,
                        line_of(root));
    if (rc == HW_OK)
        rc = read_framework(L, path, name, root, f);
    xmlFreeDoc(doc);
    free(path);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_xml_suffix(const char *name)
{
    size_t l = strlen(name);
    return name[0] != '.' && l > 4 && strcmp(name + l - 4, ".xml") == 0;
}

/* The names of dir/frameworks/ *.xml, sorted, copied into the arena. */
static int list_frameworks(struct loader *L, char ***names, size_t *n)
{
    char *path = hw_asprintf("%s/frameworks", L->cat->dir);
    char **v = hw_arena_alloc(L->arena, MAX_FRAMEWORKS * sizeof *v);
    DIR *d = NULL;
    int rc = HW_OK;
    *n = 0;
    if (!path || !v)
        rc = oom(L);
    else if (!(d = opendir(path)))
        rc = hw_err_set(L->e, HW_EIO, "%s: cannot open the frameworks folder: %s", path,
                        strerror(errno));
    for (struct dirent *de; rc == HW_OK && (de = readdir(d)) != NULL;) {
        if (!has_xml_suffix(de->d_name))
            continue;
        if (*n == MAX_FRAMEWORKS)
            rc = hw_err_set(L->e, HW_EINVAL, "%s: more than %d framework files", path, MAX_FRAMEWORKS);
        else if (!(v[(*n)++] = hw_arena_strdup(L->arena, de->d_name)))
            rc = oom(L);
    }
    if (d)
        closedir(d);
    free(path);
    if (rc == HW_OK)
        qsort(v, *n, sizeof *v, cmp_str);
    *names = v;
    return rc;
}

static int cmp_framework(const void *a, const void *b)
{
    return strcmp(((const hw_framework *)a)->id, ((const hw_framework *)b)->id);
}

static int load_frameworks(struct loader *L)
{
    char **names;
    size_t n;
    int rc = list_frameworks(L, &names, &n);
    hw_framework *fs = rc == HW_OK ? hw_arena_alloc(L->arena, n * sizeof *fs) : NULL;
    if (rc == HW_OK && !fs)
        rc = oom(L);
    for (size_t i = 0; i < n && rc == HW_OK; i++)
        rc = load_framework(L, names[i], &fs[i]);
    if (rc != HW_OK)
        return rc;
    /* files are named ID.xml, so ids are unique; sort them by id */
    qsort(fs, n, sizeof *fs, cmp_framework);
    L->cat->frameworks = fs;
    L->cat->nframeworks = n;
    return HW_OK;
}

/* ------------------------------------------------------ cross-file checks */

static int external_known(const hw_catalog *c, const char *id)
{
    for (size_t i = 0; i < c->nexternals; i++)
        if (strcmp(c->externals[i].id, id) == 0)
            return 1;
    return 0;
}

/* Each <related> names a framework we load (then the requirement must be
 * in it) or one declared by <external-framework> (then it is kept as is). */
static int check_related(struct loader *L, const hw_control *ct, const hw_related *r)
{
    const hw_framework *f = hw_catalog_framework(L->cat, r->framework);
    if (f && !hw_framework_requirement(f, r->requirement))
        return hw_err_set(L->e, HW_EINVAL,
                          "%s:%d: control %s: related requirement %s is not in framework %s (%s)",
                          L->controls_path, r->line, ct->id, r->requirement, f->id, f->file);
    if (!f && !external_known(L->cat, r->framework))
        return hw_err_set(L->e, HW_EINVAL,
                          "%s:%d: control %s: unknown framework '%s' in <related> (add "
                          "frameworks/%s.xml or declare it with <external-framework>)",
                          L->controls_path, r->line, ct->id, r->framework, r->framework);
    return HW_OK;
}

static int check_externals(struct loader *L)
{
    for (size_t i = 0; i < L->cat->nexternals; i++) {
        const char *id = L->cat->externals[i].id;
        if (hw_catalog_framework(L->cat, id))
            return hw_err_set(L->e, HW_EINVAL,
                              "%s: external framework %s is also loaded from frameworks/%s.xml",
                              L->controls_path, id, id);
        for (size_t j = 0; j < i; j++)
            if (strcmp(L->cat->externals[j].id, id) == 0)
                return hw_err_set(L->e, HW_EINVAL, "%s: external framework %s is declared twice",
                                  L->controls_path, id);
    }
    return HW_OK;
}

/* An <unmapped-reason> on a control that a framework lists contradicts
 * the framework file: refuse it so the reason cannot go stale. */
static int check_unmapped_reasons(struct loader *L)
{
    for (size_t i = 0; i < L->cat->ncontrols; i++) {
        const hw_control *ct = &L->cat->controls[i];
        if (!ct->unmapped_reason)
            continue;
        for (size_t k = 0; k < L->cat->nframeworks; k++) {
            const hw_framework *f = &L->cat->frameworks[k];
            const hw_requirement *const *rs;
            if (hw_framework_requirements_for(f, ct, &rs))
                return hw_err_set(L->e, HW_EINVAL,
                                  "%s:%d: control %s has an <unmapped-reason> but %s lists it in "
                                  "requirement %s (%s)",
                                  L->controls_path, ct->line, ct->id, f->id, rs[0]->id, f->file);
        }
    }
    return HW_OK;
}

static int check_all_related(struct loader *L)
{
    int rc = check_externals(L);
    for (size_t i = 0; i < L->cat->ncontrols && rc == HW_OK; i++) {
        const hw_control *ct = &L->cat->controls[i];
        for (size_t j = 0; j < ct->nrelated && rc == HW_OK; j++)
            rc = check_related(L, ct, &ct->related[j]);
    }
    return rc;
}

/* ------------------------------------------------------ standard ids */

/* dir/standard-control-ids.xml, when present (standard_ids.c). */
static int load_standards(struct loader *L)
{
    char *path = hw_asprintf("%s/standard-control-ids.xml", L->cat->dir);
    if (!path)
        return oom(L);
    int rc = HW_OK;
    if (hw_file_exists(path)) {
        xmlDocPtr doc = read_valid(path, L->schema, L->e);
        xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
        if (!doc)
            rc = L->e->kind;
        else if (!is(root, "standard-controls"))
            rc = hw_err_set(L->e, HW_EINVAL, "%s:%d: the root element must be <standard-controls>",
                            path, line_of(root));
        else
            rc = hw_catalog_read_standards(L->cat, L->arena, path, root, L->e);
        xmlFreeDoc(doc);
    }
    free(path);
    return rc;
}

/* ------------------------------------------------------------------ load */

static int load_all(struct loader *L)
{
    char *xsd = hw_asprintf("%s/controls.xsd", L->cat->dir);
    int rc = HW_OK;
    if (!xsd) {
        rc = oom(L);
        goto out;
    }
    if (!hw_file_exists(xsd)) {
        rc = hw_err_set(L->e, HW_EINVAL, "%s: missing (is %s a hubwarden controls folder?)", xsd,
                        L->cat->dir);
        goto out;
    }
    L->schema = read_schema(xsd, L->e);
    if (!L->schema) {
        rc = L->e->kind ? L->e->kind : HW_EINVAL;
        goto out;
    }
    rc = load_controls(L);
    if (rc == HW_OK)
        rc = load_frameworks(L);
    if (rc == HW_OK)
        rc = check_all_related(L);
    if (rc == HW_OK)
        rc = check_unmapped_reasons(L);
    if (rc == HW_OK)
        rc = load_standards(L);
out:
    if (L->schema)
        xmlSchemaFree(L->schema);
    free(xsd);
    return rc;
}

int hw_catalog_load(const char *dir, hw_catalog **out, hw_err *e)
{
    *out = NULL;
    hw_arena *a = calloc(1, sizeof *a);
    hw_catalog *c = a ? hw_arena_alloc(a, sizeof *c) : NULL;
    char *controls = hw_asprintf("%s/securityhub-controls.xml", dir);
    struct loader L = { c, a, NULL, NULL, e };
    int rc = HW_OK;
    if (c) {
        c->priv = a;
        c->dir = hw_arena_strdup(a, dir);
        L.controls_path = hw_arena_strdup(a, controls);
    }
    if (!c || !c->dir || !L.controls_path)
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    else
        rc = load_all(&L);
    free(controls);
    if (rc != HW_OK) {
        hw_arena_free(a);
        free(a);
        return rc;
    }
    *out = c;
    return HW_OK;
}

void hw_catalog_free(hw_catalog *c)
{
    if (!c)
        return;
    hw_arena *a = c->priv; /* c itself lives in the arena */
    hw_arena_free(a);
    free(a);
}

/* The controls folder beside the running binary when it is a build tree
 * (./hubwarden next to controls/controls.xsd), or NULL. */
static const char *beside_binary(void)
{
    static char dir[4096];
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return NULL;
    *slash = '\0';
    char xsd[4200];
    snprintf(xsd, sizeof xsd, "%s/controls/controls.xsd", exe);
    if (!hw_file_exists(xsd))
        return NULL;
    snprintf(dir, sizeof dir, "%s/controls", exe);
    return dir;
}

const char *hw_catalog_default_dir(void)
{
    const char *env = getenv("HUBWARDEN_CONTROLS");
    if (env && *env)
        return env;
    /* never the current folder: a stray ./controls must not replace the
     * mappings */
    const char *b = beside_binary();
    if (b)
        return b;
#ifdef HW_DATADIR
    return HW_DATADIR "/controls";
#else
    return "/usr/local/share/hubwarden/controls";
#endif
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds one file (its path relative to the folder, a NUL, its length and
 * its bytes) to the digest. */
static int hash_file(EVP_MD_CTX *md, const char *dir, const char *rel, hw_err *e)
{
    char *path = hw_asprintf("%s/%s", dir, rel);
    if (!path)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    hw_buf b = HW_BUF_INIT(0);
    int rc = hw_file_read(path, (size_t)64 << 20, &b, e);
    free(path);
    if (rc != HW_OK) {
        hw_buf_free(&b);
        return rc;
    }
    char n[32];
    snprintf(n, sizeof n, "%zu\n", b.len);
    EVP_DigestUpdate(md, rel, strlen(rel) + 1);
    EVP_DigestUpdate(md, n, strlen(n));
    EVP_DigestUpdate(md, b.data, b.len);
    hw_buf_free(&b);
    return HW_OK;
}

int hw_catalog_hash(const char *dir, char out[65], hw_err *e)
{
    out[0] = '\0';
    char *fwdir = hw_asprintf("%s/frameworks", dir);
    if (!fwdir)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    DIR *d = opendir(fwdir);
    free(fwdir);
    if (!d)
        return hw_err_set(e, HW_EIO, "%s/frameworks: %s", dir, strerror(errno));
    char **names = NULL;
    size_t n = 0;
    int rc = HW_OK;
    struct dirent *de;
    while ((de = readdir(d)) && rc == HW_OK) {
        size_t l = strlen(de->d_name);
        if (l < 5 || strcmp(de->d_name + l - 4, ".xml") != 0)
            continue;
        char **nn = realloc(names, (n + 1) * sizeof *nn);
        if (!nn || !(nn[n] = hw_asprintf("frameworks/%s", de->d_name))) {
            if (nn)
                names = nn;
            rc = hw_err_set(e, HW_ENOMEM, "out of memory");
            break;
        }
        names = nn;
        n++;
    }
    closedir(d);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (rc == HW_OK && (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1))
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
    if (n)
        qsort(names, n, sizeof *names, name_cmp);
    if (rc == HW_OK)
        rc = hash_file(md, dir, "controls.xsd", e);
    if (rc == HW_OK)
        rc = hash_file(md, dir, "securityhub-controls.xml", e);
    for (size_t i = 0; i < n && rc == HW_OK; i++)
        rc = hash_file(md, dir, names[i], e);
    unsigned char h[32];
    unsigned int hl = 0;
    if (rc == HW_OK && EVP_DigestFinal_ex(md, h, &hl) == 1)
        for (unsigned i = 0; i < hl && i < 32; i++)
            snprintf(out + 2 * i, 3, "%02x", h[i]);
    EVP_MD_CTX_free(md);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return rc;
}
