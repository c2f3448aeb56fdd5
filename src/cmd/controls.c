/*
 * controls.c - `hubwarden controls list|show|coverage`: the catalogue in
 * controls/ (no store, no AWS).
 */
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "remedy/remedy.h"

static const char *framework, *output;
static int as_json, format;

static const struct hw_option options[] = {
    { "framework", 0, HW_OPT_STRING, &framework, "ID",
      "list: only controls this framework uses (e.g. cis-aws-3.0.0)" },
    HW_OUTPUT_OPTIONS(output, as_json),
    { 0 },
};

#define HW_OUT_DOCS (HW_OUT_CAN(HW_OUT_TABLE) | HW_OUT_CAN(HW_OUT_JSON) | HW_OUT_CAN(HW_OUT_JSONL))

static int uses(const hw_framework *f, const hw_control *c)
{
    for (size_t i = 0; i < f->nrequirements; i++)
        for (size_t j = 0; j < f->requirements[i].ncontrols; j++)
            if (f->requirements[i].controls[j] == c)
                return 1;
    return 0;
}

static int list(const hw_catalog *cat)
{
    const hw_framework *f = NULL;
    if (framework && !(f = hw_catalog_framework(cat, framework))) {
        const char **ids = calloc(cat->nframeworks + 1, sizeof *ids);
        for (size_t i = 0; ids && i < cat->nframeworks; i++)
            ids[i] = cat->frameworks[i].id;
        const char *near = ids ? hw_nearest(framework, ids, cat->nframeworks) : NULL;
        int rc = hw_usage_error(&hw_cmd_controls, "--framework: no framework '%s' (nearest: %s)",
                                framework, near ? near : "none");
        free(ids);
        return rc;
    }
    static const hw_out_col cols[] = {
        { "id", HW_COL_TEXT, 16, HW_COL_NARROW, 0 },
        { "severity", HW_COL_TEXT, 13, HW_COL_NARROW, 0 },
        { "resource_type", HW_COL_TEXT, 36, HW_COL_NARROW, 0 },
        { "remediation", HW_COL_NULLABLE, 32, HW_COL_NARROW, 0 },
        { "title", HW_COL_TEXT, 40, HW_COL_NARROW | HW_COL_FILL, 0 },
    };
    hw_out o;
    hw_out_init(&o, stdout, format, cols, HW_ARRAY_LEN(cols), 0);
    hw_out_header(&o);
    for (size_t i = 0; i < cat->ncontrols; i++) {
        const hw_control *c = &cat->controls[i];
        if (f && !uses(f, c))
            continue;
        const char *rem = c->remediation ? c->remediation : format == HW_OUT_TABLE ? "-" : "";
        const char *cells[] = { c->id, c->severity, c->resource_type, rem, c->title };
        hw_out_row(&o, cells);
    }
    return hw_out_finish(&o) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

/* A framework's requirements: id, title, the controls that evidence each,
 * or the manual marker. */
static int show_framework(const hw_framework *f)
{
    static const hw_out_col cols[] = {
        { "framework", HW_COL_TEXT, 20, 0, 0 },
        { "requirement", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
        { "manual", HW_COL_BOOL, 6, 0, 0 },
        { "controls", HW_COL_JSON, 28, HW_COL_NARROW, 0 },
        { "title", HW_COL_TEXT, 40, HW_COL_NARROW | HW_COL_FILL, 0 },
        { "manual_reason", HW_COL_NULLABLE, 30, 0, 0 },
    };
    int json = format == HW_OUT_JSON || format == HW_OUT_JSONL;
    hw_out o;
    hw_out_init(&o, stdout, format, cols, HW_ARRAY_LEN(cols), 0);
    hw_out_header(&o);
    for (size_t i = 0; i < f->nrequirements; i++) {
        const hw_requirement *q = &f->requirements[i];
        hw_buf b = HW_BUF_INIT(0);
        if (json) {
            cJSON *a = cJSON_CreateArray();
            for (size_t j = 0; j < q->ncontrols; j++)
                cJSON_AddItemToArray(a, cJSON_CreateString(q->controls[j]->id));
            char *t = cJSON_PrintUnformatted(a);
            hw_buf_puts(&b, t ? t : "[]");
            free(t);
            cJSON_Delete(a);
        } else if (q->manual && format == HW_OUT_TABLE) {
            hw_buf_puts(&b, "(manual)");
        } else {
            for (size_t j = 0; j < q->ncontrols; j++) {
                if (j)
                    hw_buf_putc(&b, ' ');
                hw_buf_puts(&b, q->controls[j]->id);
            }
        }
        const char *cells[] = { f->id, q->id, q->manual ? "true" : "false", hw_buf_str(&b),
                                q->title, q->manual && q->manual_reason ? q->manual_reason : "" };
        hw_out_row(&o, cells);
        hw_buf_free(&b);
    }
    return hw_out_finish(&o) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

/* One GuardDuty playbook, from <controls>/playbooks.xml (which
 * tests/unit/test_playbook.c keeps equal to the code). */
static int show_playbook(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/playbooks.xml", dir);
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR |
                                                XML_PARSE_NOWARNING);
    if (!doc) {
        fprintf(stderr, "hubwarden controls: %s: cannot read the playbooks\n", path);
        return HW_EXIT_INTERNAL;
    }
    xmlXPathContextPtr x = xmlXPathNewContext(doc);
    xmlXPathRegisterNs(x, (const xmlChar *)"p", (const xmlChar *)"urn:hubwarden:playbooks:1");
    char expr[160];
    snprintf(expr, sizeof expr, "//p:playbook[@name='%s']", name); /* a known name: no quote */
    xmlXPathObjectPtr r = xmlXPathEvalExpression((const xmlChar *)expr, x);
    int rc = HW_EXIT_OK;
    if (!r || !r->nodesetval || r->nodesetval->nodeNr != 1) {
        fprintf(stderr, "hubwarden controls: %s: no playbook %s\n", path, name);
        rc = HW_EXIT_INTERNAL;
        goto done;
    }
    xmlNodePtr pb = r->nodesetval->nodeTab[0];
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "playbook", name);
    xmlChar *action = xmlGetProp(pb, (const xmlChar *)"action");
    xmlChar *res = xmlGetProp(pb, (const xmlChar *)"resource");
    cJSON_AddStringToObject(j, "action", action ? (const char *)action : "");
    cJSON_AddStringToObject(j, "resource_type", res ? (const char *)res : "");
    xmlFree(action);
    xmlFree(res);
    cJSON *types = cJSON_AddArrayToObject(j, "guardduty_types");
    cJSON *calls = cJSON_AddArrayToObject(j, "calls");
    cJSON *perms = cJSON_AddArrayToObject(j, "permissions");
    for (xmlNodePtr n = pb->children; n; n = n->next) {
        if (n->type != XML_ELEMENT_NODE)
            continue;
        xmlChar *text = xmlNodeGetContent(n);
        const char *t = text ? (const char *)text : "";
        if (strcmp((const char *)n->name, "summary") == 0) {
            cJSON_AddStringToObject(j, "summary", t);
        } else if (strcmp((const char *)n->name, "type") == 0) {
            cJSON_AddItemToArray(types, cJSON_CreateString(t));
        } else if (strcmp((const char *)n->name, "permission") == 0) {
            cJSON_AddItemToArray(perms, cJSON_CreateString(t));
        } else if (strcmp((const char *)n->name, "call") == 0) {
            xmlChar *svc = xmlGetProp(n, (const xmlChar *)"service");
            xmlChar *op = xmlGetProp(n, (const xmlChar *)"operation");
            xmlChar *step = xmlGetProp(n, (const xmlChar *)"step");
            cJSON *c = cJSON_CreateObject();
            hw_buf b = HW_BUF_INIT(0);
            hw_buf_printf(&b, "%s:%s", svc ? (const char *)svc : "", op ? (const char *)op : "");
            cJSON_AddStringToObject(c, "call", hw_buf_str(&b));
            cJSON_AddStringToObject(c, "step", step ? (const char *)step : "");
            cJSON_AddStringToObject(c, "what", t);
            cJSON_AddItemToArray(calls, c);
            hw_buf_free(&b);
            xmlFree(svc);
            xmlFree(op);
            xmlFree(step);
        }
        xmlFree(text);
    }
    if (format != HW_OUT_TABLE && format != HW_OUT_CSV) {
        rc = hw_out_document(stdout, format, j) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
        goto done;
    }
    if (format == HW_OUT_CSV) {
        cJSON_Delete(j);
        rc = hw_usage_error(&hw_cmd_controls, "cannot print a playbook as CSV (--output csv)");
        goto done;
    }
    printf("%s  (GuardDuty playbook; action %s on %s)\n%s\n", name,
           cJSON_GetObjectItem(j, "action")->valuestring,
           cJSON_GetObjectItem(j, "resource_type")->valuestring,
           cJSON_IsString(cJSON_GetObjectItem(j, "summary"))
               ? cJSON_GetObjectItem(j, "summary")->valuestring
               : "");
    printf("mode: remediation.playbooks.%s (default approval)\nGuardDuty finding types:\n", name);
    const cJSON *it;
    cJSON_ArrayForEach(it, types)
        printf("  %s\n", it->valuestring);
    printf("API calls:\n");
    cJSON_ArrayForEach(it, calls)
        printf("  %-6s %s: %s\n", cJSON_GetObjectItem(it, "step")->valuestring,
               cJSON_GetObjectItem(it, "call")->valuestring,
               cJSON_GetObjectItem(it, "what")->valuestring);
    printf("IAM permissions of the remediation role:\n");
    cJSON_ArrayForEach(it, perms)
        printf("  %s\n", it->valuestring);
    cJSON_Delete(j);
done:
    xmlXPathFreeObject(r);
    xmlXPathFreeContext(x);
    xmlFreeDoc(doc);
    return rc;
}

static int show(const hw_catalog *cat, const char *dir, const char *id)
{
    if (hw_remedy_playbook_named(id))
        return show_playbook(dir, id);
    const hw_control *c = hw_catalog_control(cat, id);
    for (size_t i = 0; !c && i < cat->ncontrols; i++)
        if (strcasecmp(cat->controls[i].id, id) == 0)
            c = &cat->controls[i];
    const hw_framework *f = NULL;
    for (size_t i = 0; !c && !f && i < cat->nframeworks; i++)
        if (strcasecmp(cat->frameworks[i].id, id) == 0)
            f = &cat->frameworks[i];
    if (f)
        return show_framework(f);
    if (!c) {
        size_t n = cat->ncontrols + cat->nframeworks;
        const char **ids = calloc(n + 1, sizeof *ids);
        for (size_t i = 0; ids && i < cat->ncontrols; i++)
            ids[i] = cat->controls[i].id;
        for (size_t i = 0; ids && i < cat->nframeworks; i++)
            ids[cat->ncontrols + i] = cat->frameworks[i].id;
        const char *near = ids ? hw_nearest(id, ids, n) : NULL;
        fprintf(stderr, "hubwarden controls: no control or framework '%s' in the catalogue"
                        " (nearest: %s)\n", id, near ? near : "none");
        free(ids);
        return HW_EXIT_USAGE;
    }
    if (format == HW_OUT_CSV)
        return hw_usage_error(&hw_cmd_controls, "cannot print a control as CSV (--output csv)");
    if (format != HW_OUT_TABLE)
        return hw_out_document(stdout, format, hw_catalog_control_json(cat, c)) == 0
                   ? HW_EXIT_OK
                   : HW_EXIT_INTERNAL;
    return hw_catalog_print_control(stdout, cat, c) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

static int coverage(const hw_catalog *cat)
{
    if (format != HW_OUT_TABLE)
        return hw_out_document(stdout, format, hw_catalog_coverage_json(cat)) == 0
                   ? HW_EXIT_OK
                   : HW_EXIT_INTERNAL;
    return hw_catalog_print_coverage(stdout, cat) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_controls, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    }
    const char *sub = nargs ? args[0] : "list";
    int rc;
    if (!(strcmp(sub, "list") == 0 && nargs <= 1) && !(strcmp(sub, "show") == 0 && nargs == 2) &&
        !(strcmp(sub, "coverage") == 0 && nargs == 1)) {
        free(args);
        return hw_usage_error(&hw_cmd_controls, "expected 'list', 'show ID' or 'coverage'");
    }
    /* CSV is a table of rows: list and a framework's requirements have
     * one; a control and the coverage are documents (checked in show) */
    unsigned can = strcmp(sub, "coverage") == 0 ? HW_OUT_DOCS : HW_OUT_ANY;
    if (hw_out_format_parse(&hw_cmd_controls, output, as_json, can, &format)) {
        free(args);
        return HW_EXIT_USAGE;
    }
    hw_err e;
    hw_err_clear(&e);
    hw_catalog *cat;
    if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e) != HW_OK) {
        free(args);
        return hw_cmd_fail(&e);
    }
    if (strcmp(sub, "show") == 0)
        rc = show(cat, hw_cmd_controls_dir(ctx), args[1]);
    else if (strcmp(sub, "coverage") == 0)
        rc = coverage(cat);
    else
        rc = list(cat);
    hw_catalog_free(cat);
    free(args);
    return rc;
}

const struct hw_command hw_cmd_controls = {
    .name = "controls",
    .summary = "List and show controls and framework coverage.",
    .synopsis = "list|show ID|show FRAMEWORK|show PLAYBOOK|coverage",
    .description = "list: every Security Hub control hubwarden knows (--framework: those a framework\n"
                   "uses); show ID: one control, its related requirements and what it evidences\n"
                   "(with the source of each link); show FRAMEWORK: its requirements with their\n"
                   "controls or the manual marker; show PLAYBOOK: a GuardDuty playbook's finding\n"
                   "types, API calls and IAM permissions (controls/playbooks.xml); coverage: per framework, requirements automated,\n"
                   "manual and unmapped, then how many CRITICAL and HIGH controls evidence no\n"
                   "requirement, each with its reason.  --output table|json|jsonl|csv (CSV: list\n"
                   "and show FRAMEWORK only; --json: --output json).",
    .options = options,
    .run = run,
    .needs_config = 1,
};
