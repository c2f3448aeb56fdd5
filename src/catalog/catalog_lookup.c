/*
 * catalog_lookup.c - the read side of a loaded catalogue (see catalog.h):
 * lookups by id, the per-framework indexes behind them, coverage counts,
 * the remediation action vocabulary and plain-text printing.
 *
 * Controls and frameworks are sorted arrays searched with bsearch.  Each
 * framework also keeps its requirements sorted by id, and a compressed
 * table (one slice per control, indexed by hw_control.index) of the
 * requirements a control evidences, so mapping a finding to requirements
 * costs one control lookup and no allocation.
 */
#include "catalog/catalog_int.h"

#include <cJSON.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- lookups */

int hw_catalog_cmp_control(const void *a, const void *b)
{
    return strcmp(((const hw_control *)a)->id, ((const hw_control *)b)->id);
}

const hw_control *hw_catalog_control(const hw_catalog *c, const char *id)
{
    if (!c || !id || !c->ncontrols)
        return NULL;
    hw_control key = { .id = id };
    return bsearch(&key, c->controls, c->ncontrols, sizeof *c->controls, hw_catalog_cmp_control);
}

static int cmp_framework_id(const void *key, const void *elem)
{
    return strcmp(key, ((const hw_framework *)elem)->id);
}

const hw_framework *hw_catalog_framework(const hw_catalog *c, const char *id)
{
    if (!c || !id || !c->nframeworks)
        return NULL;
    return bsearch(id, c->frameworks, c->nframeworks, sizeof *c->frameworks, cmp_framework_id);
}

static int cmp_requirement_id(const void *key, const void *elem)
{
    return strcmp(key, (*(const hw_requirement *const *)elem)->id);
}

const hw_requirement *hw_framework_requirement(const hw_framework *f, const char *id)
{
    if (!f || !id || !f->nrequirements || !f->idx.by_id)
        return NULL;
    const hw_requirement *const *r = bsearch(id, f->idx.by_id, f->nrequirements,
                                             sizeof *f->idx.by_id, cmp_requirement_id);
    return r ? *r : NULL;
}

size_t hw_framework_requirements_for(const hw_framework *f, const hw_control *ctl,
                                     const hw_requirement *const **out)
{
    *out = NULL;
    if (!f || !ctl || !f->idx.ctl_start)
        return 0;
    size_t from = f->idx.ctl_start[ctl->index], to = f->idx.ctl_start[ctl->index + 1];
    if (from == to)
        return 0;
    *out = f->idx.ctl_reqs + from;
    return to - from;
}

size_t hw_catalog_requirements_for_control(const hw_catalog *c, const char *framework_id,
                                           const char *control_id,
                                           const hw_requirement *const **out)
{
    *out = NULL;
    const hw_framework *f = hw_catalog_framework(c, framework_id);
    const hw_control *ctl = f ? hw_catalog_control(c, control_id) : NULL;
    return ctl ? hw_framework_requirements_for(f, ctl, out) : 0;
}

/* --------------------------------------------------------------- indexes */

static int cmp_requirement_ptr(const void *a, const void *b)
{
    return strcmp((*(const hw_requirement *const *)a)->id, (*(const hw_requirement *const *)b)->id);
}

/* Requirements sorted by id; a duplicate id is an error at its second line. */
static int index_by_id(hw_framework *f, hw_arena *a, hw_err *e)
{
    const hw_requirement **v = hw_arena_alloc(a, f->nrequirements * sizeof *v);
    if (!v)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nrequirements; i++)
        v[i] = &f->requirements[i];
    qsort(v, f->nrequirements, sizeof *v, cmp_requirement_ptr);
    for (size_t i = 1; i < f->nrequirements; i++) {
        if (strcmp(v[i]->id, v[i - 1]->id) != 0)
            continue;
        const hw_requirement *first = v[i]->line < v[i - 1]->line ? v[i] : v[i - 1];
        const hw_requirement *second = first == v[i] ? v[i - 1] : v[i];
        return hw_err_set(e, HW_EINVAL, "%s:%d: requirement %s is defined twice (also line %d)",
                          f->file, second->line, second->id, first->line);
    }
    f->idx.by_id = v;
    return HW_OK;
}

static int check_no_repeat(const hw_framework *f, const hw_requirement *r, hw_err *e)
{
    for (size_t i = 0; i < r->ncontrols; i++)
        for (size_t j = 0; j < i; j++)
            if (r->controls[i] == r->controls[j])
                return hw_err_set(e, HW_EINVAL, "%s:%d: requirement %s lists control %s twice",
                                  f->file, r->line, r->id, r->controls[i]->id);
    return HW_OK;
}

/* For each control, the slice of requirements that list it (CSR layout). */
static int index_by_control(hw_framework *f, size_t ncontrols, hw_arena *a, hw_err *e)
{
    size_t *start = hw_arena_alloc(a, (ncontrols + 1) * sizeof *start);
    size_t *fill = hw_arena_alloc(a, (ncontrols + 1) * sizeof *fill);
    if (!start || !fill)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    size_t total = 0;
    for (size_t i = 0; i < f->nrequirements; i++) {
        const hw_requirement *r = &f->requirements[i];
        if (check_no_repeat(f, r, e) != HW_OK)
            return e->kind;
        for (size_t k = 0; k < r->ncontrols; k++)
            start[r->controls[k]->index + 1]++;
        total += r->ncontrols;
    }
    for (size_t i = 0; i < ncontrols; i++)
        start[i + 1] += start[i];
    const hw_requirement **reqs = hw_arena_alloc(a, total * sizeof *reqs);
    if (!reqs)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    memcpy(fill, start, (ncontrols + 1) * sizeof *fill);
    for (size_t i = 0; i < f->nrequirements; i++) {
        const hw_requirement *r = &f->requirements[i];
        for (size_t k = 0; k < r->ncontrols; k++)
            reqs[fill[r->controls[k]->index]++] = r;
    }
    f->idx.ctl_start = start;
    f->idx.ctl_reqs = reqs;
    return HW_OK;
}

int hw_catalog_index_framework(hw_framework *f, size_t ncontrols, hw_arena *a, hw_err *e)
{
    int rc = index_by_id(f, a, e);
    return rc == HW_OK ? index_by_control(f, ncontrols, a, e) : rc;
}

/* -------------------------------------------------------------- coverage */

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

const hw_link_source *hw_framework_link_source(const hw_framework *f, const char *id)
{
    for (size_t i = 0; f && id && i < f->nlink_sources; i++)
        if (strcmp(f->link_sources[i].id, id) == 0)
            return &f->link_sources[i];
    return NULL;
}

int hw_catalog_control_counted(const hw_control *ctl)
{
    return ctl && (strcmp(ctl->severity, "CRITICAL") == 0 || strcmp(ctl->severity, "HIGH") == 0);
}

int hw_catalog_control_mapped(const hw_catalog *c, const hw_control *ctl)
{
    const hw_requirement *const *rs;
    for (size_t i = 0; c && i < c->nframeworks; i++)
        if (hw_framework_requirements_for(&c->frameworks[i], ctl, &rs))
            return 1;
    return 0;
}

hw_mapping_coverage hw_catalog_mapping_coverage(const hw_catalog *c)
{
    hw_mapping_coverage m = { 0, 0, 0, 0 };
    for (size_t i = 0; c && i < c->ncontrols; i++) {
        const hw_control *ctl = &c->controls[i];
        if (!hw_catalog_control_counted(ctl))
            continue;
        m.controls++;
        if (hw_catalog_control_mapped(c, ctl))
            m.mapped++;
        else {
            m.unmapped++;
            m.unexplained += ctl->unmapped_reason == NULL;
        }
    }
    return m;
}

int hw_catalog_mapping_goal_met(const hw_mapping_coverage *m)
{
    return m->unmapped * 100 <= m->controls * HW_CATALOG_UNMAPPED_GOAL_PERCENT;
}

/* --------------------------------------------------------------- actions */

/* Keep in step with the "action" type in controls/controls.xsd and with
 * the remediation module; controls/README.md describes each. */
static const char *const actions[] = {
    "s3-block-public-access",
    "s3-enable-default-encryption",
    "s3-deny-insecure-transport",
    "ec2-revoke-open-ingress",
    "ec2-restrict-default-sg",
    "ec2-block-public-snapshots",
    "ec2-require-imdsv2",
    "rds-make-private",
    "lambda-remove-public-access",
    "rds-make-snapshot-private",
    "ssm-make-document-private",
    "ebs-default-encryption",
    "vpc-flow-logs",
    "iam-deactivate-stale-keys",
    "iam-password-policy",
    "cloudtrail-enable",
    "cloudtrail-log-validation",
    "kms-enable-rotation",
    "guardduty-enable",
    "config-enable",
    NULL,
};

const char *const *hw_catalog_actions(void)
{
    return actions;
}

int hw_catalog_action_known(const char *name)
{
    for (size_t i = 0; name && actions[i]; i++)
        if (strcmp(actions[i], name) == 0)
            return 1;
    return 0;
}

/* -------------------------------------------------------------- printing */

static double share(size_t part, size_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0;
}

int hw_catalog_print_coverage(FILE *out, const hw_catalog *c)
{
    fprintf(out, "%-20s %-40s %5s %9s %6s %8s %6s\n", "framework", "name", "reqs", "automated",
            "manual", "unmapped", "auto%");
    for (size_t i = 0; i < c->nframeworks; i++) {
        const hw_framework *f = &c->frameworks[i];
        hw_coverage cv = hw_catalog_coverage(f);
        char name[128];
        snprintf(name, sizeof name, "%s %s", f->name, f->version);
        fprintf(out, "%-20s %-40.40s %5zu %9zu %6zu %8zu %5.0f%%\n", f->id, name, cv.requirements,
                cv.automated, cv.manual, cv.unmapped, share(cv.automated, cv.requirements));
    }
    fprintf(out, "%zu controls in the catalogue\n", c->ncontrols);
    hw_mapping_coverage m = hw_catalog_mapping_coverage(c);
    fprintf(out,
            "\nCRITICAL and HIGH controls: %zu; evidence a framework requirement: %zu; "
            "unmapped: %zu (%.1f%%, goal at most %d%%: %s)\n",
            m.controls, m.mapped, m.unmapped, share(m.unmapped, m.controls),
            HW_CATALOG_UNMAPPED_GOAL_PERCENT, hw_catalog_mapping_goal_met(&m) ? "met" : "NOT met");
    for (size_t i = 0; i < c->ncontrols; i++) {
        const hw_control *ctl = &c->controls[i];
        if (hw_catalog_control_counted(ctl) && !hw_catalog_control_mapped(c, ctl))
            fprintf(out, "  %-16s %-8s %s\n", ctl->id, ctl->severity,
                    ctl->unmapped_reason ? ctl->unmapped_reason : "(no reason given)");
    }
    return ferror(out) ? -1 : 0;
}

static const char *link_source_of(const hw_requirement *r, const hw_control *ctl);

static void print_evidence(FILE *out, const hw_catalog *c, const hw_control *ctl)
{
    fprintf(out, "  evidences (hubwarden's frameworks):\n");
    int any = 0;
    for (size_t i = 0; i < c->nframeworks; i++) {
        const hw_framework *f = &c->frameworks[i];
        const hw_requirement *const *rs;
        size_t n = hw_framework_requirements_for(f, ctl, &rs);
        for (size_t k = 0; k < n; k++, any = 1)
            fprintf(out, "    %s %s: %s [source: %s]\n", f->id, rs[k]->id, rs[k]->title,
                    link_source_of(rs[k], ctl));
    }
    if (!any)
        fprintf(out, "    (none)%s%s\n", ctl->unmapped_reason ? ": " : "",
                ctl->unmapped_reason ? ctl->unmapped_reason : "");
}

int hw_catalog_print_control(FILE *out, const hw_catalog *c, const hw_control *ctl)
{
    fprintf(out, "%s  %s\n", ctl->id, ctl->title);
    fprintf(out, "  severity: %s\n  resource type: %s\n  remediation: %s\n  source: %s\n",
            ctl->severity, *ctl->resource_type ? ctl->resource_type : "-",
            ctl->remediation ? ctl->remediation : "none (report only)",
            ctl->source ? ctl->source : "-");
    fprintf(out, "  Security Hub's related requirements:\n");
    for (size_t i = 0; i < ctl->nrelated; i++)
        fprintf(out, "    %s %s\n", ctl->related[i].framework, ctl->related[i].requirement);
    if (!ctl->nrelated)
        fprintf(out, "    (none)\n");
    print_evidence(out, c, ctl);
    return ferror(out) ? -1 : 0;
}

/* ------------------------------------------------------------------ JSON */

/* Adds key: s, or null when s is NULL; 0, or -1 out of memory. */
static int add_str(cJSON *o, const char *key, const char *s)
{
    cJSON *v = s ? cJSON_CreateString(s) : cJSON_CreateNull();
    if (!v)
        return -1;
    cJSON_AddItemToObject(o, key, v);
    return 0;
}

static int add_num(cJSON *o, const char *key, double n)
{
    return cJSON_AddNumberToObject(o, key, n) ? 0 : -1;
}

/* Appends a new object to arr and returns it, or NULL out of memory. */
static cJSON *add_object(cJSON *arr)
{
    cJSON *o = cJSON_CreateObject();
    if (o)
        cJSON_AddItemToArray(arr, o);
    return o;
}

static int frameworks_json(cJSON *root, const hw_catalog *c)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "frameworks");
    for (size_t i = 0; arr && i < c->nframeworks; i++) {
        const hw_framework *f = &c->frameworks[i];
        hw_coverage cv = hw_catalog_coverage(f);
        cJSON *o = add_object(arr);
        if (!o || add_str(o, "id", f->id) || add_str(o, "name", f->name) ||
            add_str(o, "version", f->version) || add_num(o, "requirements", (double)cv.requirements) ||
            add_num(o, "automated", (double)cv.automated) || add_num(o, "manual", (double)cv.manual) ||
            add_num(o, "unmapped", (double)cv.unmapped))
            return -1;
    }
    return arr ? 0 : -1;
}

static int mapping_json(cJSON *root, const hw_catalog *c)
{
    hw_mapping_coverage m = hw_catalog_mapping_coverage(c);
    cJSON *o = cJSON_AddObjectToObject(root, "critical_high_mapping");
    if (!o || add_num(o, "controls", (double)m.controls) || add_num(o, "mapped", (double)m.mapped) ||
        add_num(o, "unmapped", (double)m.unmapped) ||
        add_num(o, "goal_max_unmapped_percent", HW_CATALOG_UNMAPPED_GOAL_PERCENT) ||
        !cJSON_AddBoolToObject(o, "goal_met", hw_catalog_mapping_goal_met(&m)))
        return -1;
    cJSON *arr = cJSON_AddArrayToObject(o, "unmapped_controls");
    for (size_t i = 0; arr && i < c->ncontrols; i++) {
        const hw_control *ctl = &c->controls[i];
        if (!hw_catalog_control_counted(ctl) || hw_catalog_control_mapped(c, ctl))
            continue;
        cJSON *u = add_object(arr);
        if (!u || add_str(u, "id", ctl->id) || add_str(u, "severity", ctl->severity) ||
            add_str(u, "reason", ctl->unmapped_reason))
            return -1;
    }
    return arr ? 0 : -1;
}

cJSON *hw_catalog_coverage_json(const hw_catalog *c)
{
    cJSON *root = cJSON_CreateObject();
    if (!root || frameworks_json(root, c) || add_num(root, "controls", (double)c->ncontrols) ||
        mapping_json(root, c)) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

/* The source id of ctl's link in requirement r (NULL when r lacks ctl). */
static const char *link_source_of(const hw_requirement *r, const hw_control *ctl)
{
    for (size_t j = 0; j < r->ncontrols; j++)
        if (r->controls[j] == ctl)
            return r->sources[j];
    return NULL;
}

static int evidence_json(cJSON *root, const hw_catalog *c, const hw_control *ctl)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "evidences");
    for (size_t i = 0; arr && i < c->nframeworks; i++) {
        const hw_framework *f = &c->frameworks[i];
        const hw_requirement *const *rs;
        size_t n = hw_framework_requirements_for(f, ctl, &rs);
        for (size_t k = 0; k < n; k++) {
            const char *src = link_source_of(rs[k], ctl);
            const hw_link_source *ls = hw_framework_link_source(f, src);
            cJSON *o = add_object(arr);
            if (!o || add_str(o, "framework", f->id) || add_str(o, "requirement", rs[k]->id) ||
                add_str(o, "title", rs[k]->title) || add_str(o, "source", src) ||
                add_str(o, "source_text", ls ? ls->text : NULL))
                return -1;
        }
    }
    return arr ? 0 : -1;
}

static int related_json(cJSON *root, const hw_control *ctl)
{
    cJSON *arr = cJSON_AddArrayToObject(root, "related");
    for (size_t i = 0; arr && i < ctl->nrelated; i++) {
        cJSON *o = add_object(arr);
        if (!o || add_str(o, "framework", ctl->related[i].framework) ||
            add_str(o, "requirement", ctl->related[i].requirement))
            return -1;
    }
    return arr ? 0 : -1;
}

cJSON *hw_catalog_control_json(const hw_catalog *c, const hw_control *ctl)
{
    cJSON *o = cJSON_CreateObject();
    if (!o || add_str(o, "id", ctl->id) || add_str(o, "title", ctl->title) ||
        add_str(o, "severity", ctl->severity) ||
        add_str(o, "resource_type", *ctl->resource_type ? ctl->resource_type : NULL) ||
        add_str(o, "remediation", ctl->remediation) || add_str(o, "source", ctl->source) ||
        add_str(o, "unmapped_reason", ctl->unmapped_reason) || related_json(o, ctl) ||
        evidence_json(o, c, ctl)) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
