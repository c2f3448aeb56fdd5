/*
 * standard_ids.c - the control ids of Security Hub's standards
 * (controls/standard-control-ids.xml), loaded and looked up.
 *
 * Before consolidated control findings, and still where they are turned
 * off (GovCloud, China, older exports), a finding names its control by the
 * standard's own id: "CIS v1.2.0 1.3", "PCI.S3.1", FSBP "S3.1".  This file
 * turns those into Security Hub control ids, so that such a finding counts
 * for its control like a consolidated one.  The loader (catalog.c) has
 * parsed and schema-checked the file; here it is copied into the arena and
 * checked against the rest of the catalogue.  Lookups are binary searches
 * with no allocation, since the finding parser calls them per finding.
 */
#include "catalog/catalog_int.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

static int is(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

static const char *attr(hw_arena *a, xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    const char *r = hw_arena_strdup(a, (const char *)v);
    xmlFree(v);
    return r;
}

static size_t count(xmlNodePtr parent, const char *name)
{
    size_t n = 0;
    for (xmlNodePtr k = parent->children; k; k = k->next)
        n += is(k, name);
    return n;
}

static int framework_known(const hw_catalog *c, const char *id)
{
    if (hw_catalog_framework(c, id))
        return 1;
    for (size_t i = 0; i < c->nexternals; i++)
        if (strcmp(c->externals[i].id, id) == 0)
            return 1;
    return 0;
}

static int cmp_map(const void *a, const void *b)
{
    const hw_standard_map *x = a, *y = b;
    int r = strcmp(x->id, y->id);
    return r ? r : strcmp(x->control->id, y->control->id);
}

static int cmp_standard(const void *a, const void *b)
{
    return strcmp(((const hw_standard *)a)->path, ((const hw_standard *)b)->path);
}

static int read_standard(hw_catalog *c, hw_arena *a, const char *path, xmlNodePtr k,
                         hw_standard *s, hw_err *e)
{
    s->path = attr(a, k, "path");
    s->framework = attr(a, k, "framework");
    const char *ids = attr(a, k, "ids");
    s->line = (int)xmlGetLineNo(k);
    hw_standard_map *maps = hw_arena_alloc(a, count(k, "map") * sizeof *maps);
    if (!s->path || !ids || !maps)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    s->ids = strcmp(ids, "controls") == 0 ? HW_STANDARD_IDS_CONTROLS
             : strcmp(ids, "own") == 0    ? HW_STANDARD_IDS_OWN
                                          : HW_STANDARD_IDS_REQUIREMENTS;
    if (s->framework && !framework_known(c, s->framework))
        return hw_err_set(e, HW_EINVAL,
                          "%s:%d: standard %s: unknown framework '%s' (add frameworks/%s.xml or "
                          "declare it with <external-framework>)",
                          path, s->line, s->path, s->framework, s->framework);
    s->maps = maps;
    for (xmlNodePtr x = k->children; x; x = x->next) {
        if (!is(x, "map"))
            continue;
        hw_standard_map *m = &maps[s->nmaps];
        m->id = attr(a, x, "id");
        m->line = (int)xmlGetLineNo(x);
        xmlChar *ctl = xmlGetNoNsProp(x, (const xmlChar *)"control");
        m->control = hw_catalog_control(c, (const char *)ctl);
        int known = m->control != NULL;
        if (!known)
            hw_err_set(e, HW_EINVAL, "%s:%d: standard %s: control %s of id %s is not in the catalogue",
                       path, m->line, s->path, ctl ? (const char *)ctl : "(none)",
                       m->id ? m->id : "(none)");
        xmlFree(ctl);
        if (!known)
            return HW_EINVAL;
        if (!m->id)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        s->nmaps++;
    }
    if (s->ids == HW_STANDARD_IDS_CONTROLS && s->nmaps)
        return hw_err_set(e, HW_EINVAL,
                          "%s:%d: standard %s is numbered by control ids (ids=\"controls\") and "
                          "takes no <map>",
                          path, s->line, s->path);
    if (s->ids != HW_STANDARD_IDS_CONTROLS && !s->nmaps)
        return hw_err_set(e, HW_EINVAL, "%s:%d: standard %s maps no id", path, s->line, s->path);
    qsort(maps, s->nmaps, sizeof *maps, cmp_map);
    for (size_t i = 1; i < s->nmaps; i++)
        if (cmp_map(&maps[i - 1], &maps[i]) == 0)
            return hw_err_set(e, HW_EINVAL, "%s:%d: standard %s: id %s is mapped to %s twice",
                              path, maps[i].line > maps[i - 1].line ? maps[i].line : maps[i - 1].line,
                              s->path, maps[i].id, maps[i].control->id);
    return HW_OK;
}

int hw_catalog_read_standards(hw_catalog *c, hw_arena *a, const char *path, xmlNodePtr root,
                              hw_err *e)
{
    size_t n = count(root, "standard");
    hw_standard *ss = hw_arena_alloc(a, n * sizeof *ss);
    if (!ss)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t i = 0;
    for (xmlNodePtr k = root->children; k; k = k->next) {
        if (!is(k, "standard"))
            continue;
        int rc = read_standard(c, a, path, k, &ss[i++], e);
        if (rc != HW_OK)
            return rc;
    }
    qsort(ss, n, sizeof *ss, cmp_standard);
    for (i = 1; i < n; i++)
        if (strcmp(ss[i - 1].path, ss[i].path) == 0)
            return hw_err_set(e, HW_EINVAL, "%s:%d: standard %s is defined twice (also line %d)",
                              path, ss[i].line > ss[i - 1].line ? ss[i].line : ss[i - 1].line,
                              ss[i].path, ss[i].line > ss[i - 1].line ? ss[i - 1].line : ss[i].line);
    c->standards = ss;
    c->nstandards = n;
    return HW_OK;
}

/* strcmp of a counted string against a NUL-terminated one. */
static int cmp_counted(const char *s, size_t n, const char *z)
{
    int r = strncmp(s, z, n);
    if (r)
        return r;
    return z[n] ? -1 : 0;
}

const hw_standard *hw_catalog_standard(const hw_catalog *c, const char *path, size_t pathlen)
{
    size_t lo = 0, hi = c ? c->nstandards : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = cmp_counted(path, pathlen, c->standards[mid].path);
        if (r == 0)
            return &c->standards[mid];
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

size_t hw_standard_controls(const hw_catalog *c, const hw_standard *s, const char *id,
                            size_t idlen, const hw_control **out, size_t max)
{
    if (!s)
        return 0;
    if (s->ids == HW_STANDARD_IDS_CONTROLS) {
        char key[64];
        if (idlen >= sizeof key)
            return 0;
        memcpy(key, id, idlen);
        key[idlen] = '\0';
        const hw_control *ctl = hw_catalog_control(c, key);
        if (ctl && max)
            out[0] = ctl;
        return ctl != NULL;
    }
    /* the first map of id, then its neighbours */
    size_t lo = 0, hi = s->nmaps;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_counted(id, idlen, s->maps[mid].id) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t n = 0;
    for (size_t i = lo; i < s->nmaps && cmp_counted(id, idlen, s->maps[i].id) == 0; i++, n++)
        if (n < max)
            out[n] = s->maps[i].control;
    return n;
}
