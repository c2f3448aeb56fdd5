/*
 * iam.c - loads controls/iam-roles.xml and the remediation and playbook
 * files it includes into the roles `hubwarden iam-policy` prints (iam.h).
 * Every file is read without network access or entity expansion and
 * iam-roles.xml is validated by iam-roles.xsd first; what a schema cannot
 * say (a call listed twice, an implied grant whose action the role lacks)
 * is checked here, naming the file and the line.
 */
#include "catalog/iam.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlschemas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct loader {
    const char *dir;
    hw_iam *iam;
    hw_err *e;
    /* the <action> table */
    hw_iam_call *map;
    size_t nmap;
};

static int is(xmlNodePtr n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, (const xmlChar *)name) == 0;
}

/* The attribute's value (malloc'd), or NULL when absent. */
static char *attr(xmlNodePtr n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *s = hw_strdup((const char *)v);
    xmlFree(v);
    return s;
}

static char *text(xmlNodePtr n)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *s = hw_strdup(v ? (const char *)v : "");
    xmlFree(v);
    /* one line: the summary is printed in a JSON string and a table */
    for (char *p = s; p && *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    return s;
}

static void quiet_errors(void *arg, xmlErrorPtr err)
{
    hw_err *e = arg;
    if (e->kind == HW_OK && err && err->message) {
        char msg[256];
        snprintf(msg, sizeof msg, "%s", err->message);
        msg[strcspn(msg, "\n")] = '\0';
        hw_err_set(e, HW_EINVAL, "%s:%d: %s", err->file ? err->file : "?", err->line, msg);
    }
}

/* Reads path (and validates it against xsd when not NULL). */
static xmlDocPtr read_doc(const char *path, const char *xsd, hw_err *e)
{
    xmlSetStructuredErrorFunc(e, quiet_errors);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING | XML_PARSE_BIG_LINES);
    if (!doc) {
        if (e->kind == HW_OK)
            hw_err_set(e, HW_EINVAL, "%s: cannot be read as XML", path);
        goto out;
    }
    if (doc->intSubset || doc->extSubset) {
        hw_err_set(e, HW_EINVAL, "%s: a DOCTYPE is not allowed in catalogue files", path);
        goto fail;
    }
    if (xsd) {
        xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd);
        xmlSchemaPtr s = pc ? xmlSchemaParse(pc) : NULL;
        if (pc)
            xmlSchemaFreeParserCtxt(pc);
        if (!s) {
            if (e->kind == HW_OK)
                hw_err_set(e, HW_EINVAL, "%s: not a usable schema", xsd);
            goto fail;
        }
        xmlSchemaValidCtxtPtr v = xmlSchemaNewValidCtxt(s);
        int bad = !v;
        if (v) {
            xmlSchemaSetValidStructuredErrors(v, quiet_errors, e);
            bad = xmlSchemaValidateDoc(v, doc) != 0;
            xmlSchemaFreeValidCtxt(v);
        }
        xmlSchemaFree(s);
        if (bad) {
            if (e->kind == HW_OK)
                hw_err_set(e, HW_EINVAL, "%s: does not match %s", path, xsd);
            goto fail;
        }
    }
    goto out;
fail:
    xmlFreeDoc(doc);
    doc = NULL;
out:
    xmlSetStructuredErrorFunc(NULL, NULL);
    return doc;
}

static int oom(struct loader *L)
{
    return hw_err_set(L->e, HW_ENOMEM, "out of memory");
}

/* The IAM action of an operation: the <action> table's, else
 * service:Operation. */
static char *action_of(struct loader *L, const char *service, const char *operation)
{
    for (size_t i = 0; i < L->nmap; i++)
        if (strcmp(L->map[i].service, service) == 0 &&
            strcmp(L->map[i].operation, operation) == 0)
            return hw_strdup(L->map[i].action);
    return hw_asprintf("%s:%s", service, operation);
}

static int add_call(struct loader *L, hw_iam_role *r, const char *path, int line,
                    const char *service, const char *operation)
{
    for (size_t i = 0; i < r->ncalls; i++)
        if (strcmp(r->calls[i].service, service) == 0 &&
            strcmp(r->calls[i].operation, operation) == 0)
            return path ? hw_err_set(L->e, HW_EINVAL, "%s:%d: role %s: %s %s is listed twice",
                                     path, line, r->name, service, operation)
                        : HW_OK; /* an included file may repeat a call */
    hw_iam_call *n = realloc(r->calls, (r->ncalls + 1) * sizeof *n);
    if (!n)
        return oom(L);
    r->calls = n;
    hw_iam_call *c = &r->calls[r->ncalls];
    c->service = hw_strdup(service);
    c->operation = hw_strdup(operation);
    c->action = action_of(L, service, operation);
    r->ncalls++;
    return c->service && c->operation && c->action ? HW_OK : oom(L);
}

static int add_grant(struct loader *L, hw_iam_role *r, const char *action, const char *resource,
                     const char *implied_by, int included)
{
    if (!*action)
        return HW_OK; /* needs no permission */
    for (size_t i = 0; i < r->ngrants; i++) {
        hw_iam_grant *g = &r->grants[i];
        if (strcmp(g->action, action) == 0 &&
            (g->resource ? resource && strcmp(g->resource, resource) == 0 : !resource)) {
            g->included &= included; /* a call of the role's own keeps it */
            return HW_OK;
        }
    }
    hw_iam_grant *n = realloc(r->grants, (r->ngrants + 1) * sizeof *n);
    if (!n)
        return oom(L);
    r->grants = n;
    hw_iam_grant *g = &r->grants[r->ngrants++];
    g->action = hw_strdup(action);
    g->resource = resource ? hw_strdup(resource) : NULL;
    g->implied_by = implied_by ? hw_strdup(implied_by) : NULL;
    g->included = included;
    if (!g->action || (resource && !g->resource) || (implied_by && !g->implied_by))
        return oom(L);
    return HW_OK;
}

/* Every <call> and <permission> of an included remediations.xml or
 * playbooks.xml. */
static int include(struct loader *L, hw_iam_role *r, const char *file)
{
    char *path = hw_asprintf("%s/%s", L->dir, file);
    if (!path)
        return oom(L);
    xmlDocPtr doc = read_doc(path, NULL, L->e);
    int rc = doc ? HW_OK : L->e->kind;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr item = root ? root->children : NULL; item && rc == HW_OK; item = item->next) {
        if (!is(item, "remediation") && !is(item, "playbook"))
            continue;
        hw_iam_part *np = realloc(r->parts, (r->nparts + 1) * sizeof *np);
        if (!np) {
            rc = oom(L);
            break;
        }
        r->parts = np;
        hw_iam_part *part = &r->parts[r->nparts++];
        memset(part, 0, sizeof *part);
        part->playbook = is(item, "playbook");
        part->name = attr(item, part->playbook ? "name" : "action");
        if (!part->name) {
            rc = hw_err_set(L->e, HW_EINVAL, "%s:%d: a %s without %s", path,
                            (int)xmlGetLineNo(item), (const char *)item->name,
                            part->playbook ? "name" : "action");
            break;
        }
        for (xmlNodePtr k = item->children; k && rc == HW_OK; k = k->next) {
            if (is(k, "call")) {
                char *svc = attr(k, "service"), *op = attr(k, "operation");
                rc = svc && op ? add_call(L, r, NULL, 0, svc, op)
                               : hw_err_set(L->e, HW_EINVAL, "%s:%d: a call without service or "
                                                             "operation", path, (int)xmlGetLineNo(k));
                free(svc);
                free(op);
                continue;
            }
            if (!is(k, "control") && !is(k, "permission"))
                continue;
            int ctl = is(k, "control");
            char ***list = ctl ? &part->controls : &part->actions;
            size_t *n = ctl ? &part->ncontrols : &part->nactions;
            char **nl = realloc(*list, (*n + 1) * sizeof *nl);
            if (nl)
                *list = nl;
            char *v = ctl ? attr(k, "id") : text(k);
            if (!nl || !v) {
                free(v);
                rc = nl ? hw_err_set(L->e, HW_EINVAL, "%s:%d: a control without id", path,
                                     (int)xmlGetLineNo(k))
                        : oom(L);
                break;
            }
            (*list)[(*n)++] = v;
            if (!ctl)
                rc = add_grant(L, r, v, NULL, NULL, 1);
        }
    }
    xmlFreeDoc(doc);
    free(path);
    return rc;
}

static int read_role(struct loader *L, const char *path, xmlNodePtr x, hw_iam_role *r)
{
    r->name = attr(x, "name");
    r->account = attr(x, "account");
    r->default_name = attr(x, "default-name");
    r->name_key = attr(x, "name-key");
    r->external_id_key = attr(x, "external-id-key");
    if (!r->name || !r->account || !r->default_name)
        return oom(L);
    int rc = HW_OK;
    for (xmlNodePtr k = x->children; k && rc == HW_OK; k = k->next) {
        int line = (int)xmlGetLineNo(k);
        if (is(k, "summary")) {
            r->summary = text(k);
            rc = r->summary ? HW_OK : oom(L);
        } else if (is(k, "call")) {
            char *svc = attr(k, "service"), *op = attr(k, "operation"), *res = attr(k, "resource");
            rc = add_call(L, r, path, line, svc, op);
            if (rc == HW_OK)
                rc = add_grant(L, r, r->calls[r->ncalls - 1].action, res, NULL, 0);
            free(svc);
            free(op);
            free(res);
        } else if (is(k, "include")) {
            char *file = attr(k, "file");
            rc = file ? include(L, r, file) : oom(L);
            free(file);
        } else if (is(k, "implied")) {
            char *by = attr(k, "by"), *p = attr(k, "permission"), *res = attr(k, "resource");
            int have = 0;
            for (size_t i = 0; by && i < r->ngrants; i++)
                have |= strcmp(r->grants[i].action, by) == 0;
            rc = !have ? hw_err_set(L->e, HW_EINVAL, "%s:%d: role %s: implied by %s, which the "
                                                     "role is not granted", path, line, r->name,
                                    by ? by : "?")
                       : add_grant(L, r, p, res, by, 0);
            free(by);
            free(p);
            free(res);
        }
    }
    return rc;
}

static int cmp_grant(const void *a, const void *b)
{
    const hw_iam_grant *x = a, *y = b;
    if (!x->resource != !y->resource)
        return x->resource ? 1 : -1;
    int c = x->resource ? strcmp(x->resource, y->resource) : 0;
    return c ? c : strcmp(x->action, y->action);
}

int hw_iam_load(const char *controls_dir, hw_iam **out, hw_err *e)
{
    *out = NULL;
    char *path = hw_asprintf("%s/iam-roles.xml", controls_dir);
    char *xsd = hw_asprintf("%s/iam-roles.xsd", controls_dir);
    hw_iam *iam = calloc(1, sizeof *iam);
    struct loader L = { controls_dir, iam, e, NULL, 0 };
    if (!path || !xsd || !iam) {
        free(path);
        free(xsd);
        free(iam);
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    }
    xmlDocPtr doc = read_doc(path, xsd, e);
    int rc = doc ? HW_OK : e->kind;
    xmlNodePtr root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNodePtr x = root ? root->children : NULL; x && rc == HW_OK; x = x->next) {
        if (is(x, "action")) {
            hw_iam_call *n = realloc(L.map, (L.nmap + 1) * sizeof *n);
            if (!n) {
                rc = oom(&L);
                break;
            }
            L.map = n;
            hw_iam_call *c = &L.map[L.nmap++];
            c->service = attr(x, "service");
            c->operation = attr(x, "operation");
            c->action = attr(x, "permission");
            if (!c->service || !c->operation || !c->action)
                rc = oom(&L);
        } else if (is(x, "role")) {
            hw_iam_role *n = realloc(iam->roles, (iam->nroles + 1) * sizeof *n);
            if (!n) {
                rc = oom(&L);
                break;
            }
            iam->roles = n;
            hw_iam_role *r = &iam->roles[iam->nroles++];
            memset(r, 0, sizeof *r);
            rc = read_role(&L, path, x, r);
            for (size_t i = 0; rc == HW_OK && i + 1 < iam->nroles; i++)
                if (strcmp(iam->roles[i].name, r->name) == 0)
                    rc = hw_err_set(e, HW_EINVAL, "%s:%d: role %s is defined twice", path,
                                    (int)xmlGetLineNo(x), r->name);
            if (rc == HW_OK)
                qsort(r->grants, r->ngrants, sizeof *r->grants, cmp_grant);
        }
    }
    for (size_t i = 0; i < L.nmap; i++) {
        free(L.map[i].service);
        free(L.map[i].operation);
        free(L.map[i].action);
    }
    free(L.map);
    xmlFreeDoc(doc);
    free(path);
    free(xsd);
    if (rc != HW_OK) {
        hw_iam_free(iam);
        return rc;
    }
    *out = iam;
    return HW_OK;
}

void hw_iam_free(hw_iam *iam)
{
    if (!iam)
        return;
    for (size_t i = 0; i < iam->nroles; i++) {
        hw_iam_role *r = &iam->roles[i];
        free(r->name);
        free(r->account);
        free(r->summary);
        free(r->default_name);
        free(r->name_key);
        free(r->external_id_key);
        for (size_t k = 0; k < r->ncalls; k++) {
            free(r->calls[k].service);
            free(r->calls[k].operation);
            free(r->calls[k].action);
        }
        free(r->calls);
        for (size_t k = 0; k < r->ngrants; k++) {
            free(r->grants[k].action);
            free(r->grants[k].resource);
            free(r->grants[k].implied_by);
        }
        free(r->grants);
        for (size_t k = 0; k < r->nparts; k++) {
            hw_iam_part *p = &r->parts[k];
            free(p->name);
            for (size_t j = 0; j < p->ncontrols; j++)
                free(p->controls[j]);
            free(p->controls);
            for (size_t j = 0; j < p->nactions; j++)
                free(p->actions[j]);
            free(p->actions);
        }
        free(r->parts);
    }
    free(iam->roles);
    free(iam);
}

const hw_iam_role *hw_iam_role_find(const hw_iam *iam, const char *name)
{
    for (size_t i = 0; iam && i < iam->nroles; i++)
        if (strcmp(iam->roles[i].name, name) == 0)
            return &iam->roles[i];
    return NULL;
}
