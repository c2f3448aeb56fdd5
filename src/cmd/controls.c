/*
 * controls.c - `hubwarden controls list|show|coverage`: the catalogue in
 * controls/ (no store, no AWS).
 */
#include <string.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"

static const char *framework;
static int as_json;

static const struct hw_option options[] = {
    { "framework", 0, HW_OPT_STRING, &framework, "ID",
      "list: only controls this framework uses (e.g. cis-aws-3.0.0)" },
    { "json", 0, HW_OPT_FLAG, &as_json, NULL, "JSON instead of a table" },
    { 0 },
};

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
    if (framework && !(f = hw_catalog_framework(cat, framework)))
        return hw_usage_error(&hw_cmd_controls, "--framework: no framework '%s' (see 'controls coverage')",
                              framework);
    static const char *const cols[] = { "control", "severity", "resource type", "remediation", "title" };
    static const int widths[] = { 16, 13, 36, 32, 1024 };
    hw_out o;
    hw_out_init(&o, stdout, as_json ? HW_OUT_JSON : HW_OUT_TABLE, cols, widths, 5);
    hw_out_header(&o);
    for (size_t i = 0; i < cat->ncontrols; i++) {
        const hw_control *c = &cat->controls[i];
        if (f && !uses(f, c))
            continue;
        cJSON *j = NULL;
        if (as_json) {
            j = cJSON_CreateObject();
            cJSON_AddStringToObject(j, "id", c->id);
            cJSON_AddStringToObject(j, "severity", c->severity);
            cJSON_AddStringToObject(j, "resource_type", c->resource_type);
            if (c->remediation)
                cJSON_AddStringToObject(j, "remediation", c->remediation);
            cJSON_AddStringToObject(j, "title", c->title);
        }
        const char *cells[] = { c->id, c->severity, c->resource_type,
                                c->remediation ? c->remediation : "-", c->title };
        hw_out_row(&o, cells, j);
    }
    return hw_out_finish(&o) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

/* Prints a JSON document built by the catalogue module, or reports that
 * it could not be built or written. */
static int print_json(cJSON *j)
{
    char *text = j ? cJSON_Print(j) : NULL;
    cJSON_Delete(j);
    if (!text) {
        fprintf(stderr, "hubwarden controls: out of memory\n");
        return HW_EXIT_INTERNAL;
    }
    int ok = printf("%s\n", text) >= 0;
    free(text);
    return ok && fflush(stdout) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

static int show(const hw_catalog *cat, const char *id)
{
    const hw_control *c = hw_catalog_control(cat, id);
    if (!c) {
        fprintf(stderr, "hubwarden controls: no control '%s' in the catalogue\n", id);
        return HW_EXIT_USAGE;
    }
    if (as_json)
        return print_json(hw_catalog_control_json(cat, c));
    return hw_catalog_print_control(stdout, cat, c) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

static int coverage(const hw_catalog *cat)
{
    if (as_json)
        return print_json(hw_catalog_coverage_json(cat));
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
    hw_err e;
    hw_err_clear(&e);
    hw_catalog *cat;
    if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e) != HW_OK) {
        free(args);
        return hw_cmd_fail(&e);
    }
    if (strcmp(sub, "show") == 0)
        rc = show(cat, args[1]);
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
    .synopsis = "list|show ID|coverage",
    .description = "list: every Security Hub control hubwarden knows (--framework: those a framework\n"
                   "uses); show ID: one control, its related requirements and what it evidences\n"
                   "(with the source of each link); coverage: per framework, requirements automated,\n"
                   "manual and unmapped, then how many CRITICAL and HIGH controls evidence no\n"
                   "requirement, each with its reason.  --json: the same as JSON.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
