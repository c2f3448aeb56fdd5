/*
 * gate.c - `hubwarden gate`: the CI gate.  Exit 1 while a gated control is
 * FAILED in some account, not remediated and not under a valid exception
 * (and, unless --allow-suppressed, while its failures are only suppressed
 * in Security Hub); 0 otherwise; 2 when the store's newest successful scan
 * is older than --max-age, so that a gate on stale data never passes.
 *
 * The controls gated: the catalogue's controls of --severity or above
 * (CRITICAL by default), narrowed by --framework, --requirement and
 * --control; named controls without --severity are gated whatever their
 * severity.  A selection that gates nothing is a usage error, never a pass.
 * Filter values are checked as `findings` checks them (filters.c).  The
 * rules live in src/gate/, the queries in src/store/gate_queries.c.
 * Read-only: it does not wait for a running scan's lock.
 */
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "gate/gate.h"
#include "store/store.h"

static struct hw_strlist o_requirement, o_control, o_account;
static const char *o_severity, *o_framework, *o_junit, *output;
static int max_age = 36, as_json, as_csv, allow_suppressed, wide;

static const struct hw_option options[] = {
    { "severity", 0, HW_OPT_STRING, &o_severity, "LABEL",
      "gate controls of this severity or above: CRITICAL (default), HIGH, MEDIUM, LOW, "
      "INFORMATIONAL" },
    { "framework", 0, HW_OPT_STRING, &o_framework, "ID",
      "only controls mapped to this framework (e.g. cis-aws-3.0.0)" },
    { "requirement", 0, HW_OPT_LIST, &o_requirement, "ID",
      "only controls of these requirements of --framework" },
    { "control", 0, HW_OPT_LIST, &o_control, "ID", "only these controls (e.g. IAM.6)" },
    { "account", 0, HW_OPT_LIST, &o_account, "ID|NAME", "only these accounts (by id or name)" },
    { "max-age", 0, HW_OPT_INT, &max_age, "HOURS",
      "exit 2 when the newest successful scan started longer ago (default 36)" },
    { "junit", 0, HW_OPT_STRING, &o_junit, "FILE", "also write a JUnit XML report to FILE" },
    { "allow-suppressed", 0, HW_OPT_FLAG, &allow_suppressed, NULL,
      "let failures suppressed in Security Hub (without an exception) pass" },
    { "wide", 0, HW_OPT_FLAG, &wide, NULL, "table: every field, nothing cut" },
    HW_OUTPUT_OPTIONS(output, as_json),
    { "csv", 0, HW_OPT_FLAG, &as_csv, NULL, "the same as --output csv" },
    { 0 },
};

/* The fields of a (control, account) row, in every format. */
static const hw_out_col cols[] = {
    { "control", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
    { "severity", HW_COL_TEXT, 8, HW_COL_NARROW, 2 },
    { "account", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
    { "account_name", HW_COL_NULLABLE, 16, 0, 0 },
    { "status", HW_COL_TEXT, 10, HW_COL_NARROW, 0 },
    { "blocking", HW_COL_BOOL, 8, 0, 0 },
    { "resources", HW_COL_NUMBER, 9, HW_COL_NARROW, 0 },
    { "fixed", HW_COL_NUMBER, 5, 0, 0 },
    { "failing_since", HW_COL_NULLABLE, 24, 0, 0 },
    { "failing_for", HW_COL_NULLABLE, 11, HW_COL_NARROW, 1 },
    { "fix", HW_COL_TEXT, 24, HW_COL_NARROW | HW_COL_FILL, 0 },
    { "detail", HW_COL_NULLABLE, 40, 0, 0 },
    { "resource_ids", HW_COL_JSON, 40, HW_COL_TAIL, 0 },
};
enum { C_CONTROL, C_SEVERITY, C_ACCOUNT, C_NAME, C_STATUS, C_BLOCKING, C_RESOURCES, C_FIXED,
       C_SINCE, C_FOR, C_FIX, C_DETAIL, C_IDS, C_N };

/* ------------------------------------------------------------- controls */

struct sel {
    hw_vlist controls;   /* gated control ids */
    hw_vlist accounts;   /* named accounts (empty: all) */
    hw_vlist reqs;
    int threshold;       /* rank; -1: none */
};

static void sel_free(struct sel *s)
{
    hw_vlist_free(&s->controls);
    hw_vlist_free(&s->accounts);
    hw_vlist_free(&s->reqs);
}

/* The controls of --framework (and --requirement) into l; 2 on a usage
 * error. */
static int framework_controls(const hw_catalog *cat, const char *fw_id, hw_vlist *reqs,
                              hw_vlist *l)
{
    const hw_framework *f = hw_catalog_framework(cat, fw_id);
    if (reqs->n) {
        hw_vlist known = { 0 };
        for (size_t r = 0; r < f->nrequirements; r++)
            hw_vlist_add_cb(&known, f->requirements[r].id);
        int rc = hw_filter_canonical(&hw_cmd_gate, "requirement", "requirement", reqs,
                                     (const char *const *)known.v, known.n);
        hw_vlist_free(&known);
        if (rc)
            return rc;
    }
    for (size_t r = 0; r < f->nrequirements; r++) {
        const hw_requirement *q = &f->requirements[r];
        if (reqs->n && !hw_vlist_has(reqs, q->id))
            continue;
        if (reqs->n && q->manual)
            return hw_usage_error(&hw_cmd_gate,
                                  "--requirement: %s of %s is manual: no control can show it",
                                  q->id, fw_id);
        for (size_t c = 0; c < q->ncontrols; c++)
            hw_vlist_add_cb(l, q->controls[c]->id);
    }
    return 0;
}

/* Fills s->controls from the options; 2 (printed) on a usage error. */
static int select_controls(const hw_catalog *cat, hw_store *st, struct sel *s, hw_err *e)
{
    hw_vlist named = { 0 }, ids = { 0 }, fw = { 0 }, mapped = { 0 }, one = { 0 };
    int rc = 0, has_fw = o_framework != NULL;
    if (hw_filter_split(&o_control, &named) || hw_filter_split(&o_requirement, &s->reqs) ||
        (o_framework && hw_vlist_add(&one, o_framework, strlen(o_framework)))) {
        rc = hw_usage_error(&hw_cmd_gate, "out of memory");
        goto out;
    }
    if (s->reqs.n && !has_fw) {
        rc = hw_usage_error(&hw_cmd_gate, "--requirement needs --framework");
        goto out;
    }
    for (size_t i = 0; i < cat->ncontrols; i++)
        hw_vlist_add_cb(&ids, cat->controls[i].id);
    for (size_t i = 0; i < cat->nframeworks; i++)
        hw_vlist_add_cb(&fw, cat->frameworks[i].id);
    if (has_fw && (rc = hw_filter_canonical(&hw_cmd_gate, "framework", "framework", &one,
                                            (const char *const *)fw.v, fw.n)) != 0)
        goto out;
    if (named.n &&
        (rc = hw_filter_field(&hw_cmd_gate, st, "control", "control", "control", &named, &ids,
                              e)) != 0)
        goto out;
    if (has_fw && (rc = framework_controls(cat, one.v[0], &s->reqs, &mapped)) != 0)
        goto out;
    /* candidates: the named controls, else the framework's, else all */
    const hw_vlist *cand = named.n ? &named : has_fw ? &mapped : &ids;
    for (size_t i = 0; i < cand->n; i++) {
        const char *id = cand->v[i];
        if (named.n && has_fw && !hw_vlist_has(&mapped, id)) {
            rc = hw_usage_error(&hw_cmd_gate, "--control: %s evidences no %s of %s", id,
                                s->reqs.n ? "requirement given" : "requirement", one.v[0]);
            goto out;
        }
        const hw_control *c = hw_catalog_control(cat, id);
        const char *sev = c ? c->severity : "UNKNOWN";
        if (s->threshold >= 0 && hw_gate_severity_rank(sev) < s->threshold) {
            if (named.n) {
                rc = hw_usage_error(&hw_cmd_gate, "--control: %s is %s, below --severity %s", id,
                                    sev, hw_gate_severity_label(s->threshold));
                goto out;
            }
            continue;
        }
        if (hw_vlist_add(&s->controls, id, strlen(id))) {
            rc = hw_usage_error(&hw_cmd_gate, "out of memory");
            goto out;
        }
    }
    if (!s->controls.n) {
        const char *sev = hw_gate_severity_label(s->threshold);
        rc = hw_usage_error(&hw_cmd_gate,
                            "no control of %s%s is %s or above: the gate could never fail "
                            "(give a lower --severity)",
                            has_fw ? one.v[0] : "the catalogue",
                            s->reqs.n ? " (the requirements given)" : "", sev ? sev : "?");
    }
out:
    hw_vlist_free(&named);
    hw_vlist_free(&ids);
    hw_vlist_free(&fw);
    hw_vlist_free(&mapped);
    hw_vlist_free(&one);
    return rc;
}

/* ------------------------------------------------------------- the data */

struct gather {
    hw_gate_set set;
    hw_err *e;
};

static int resource_cb(void *arg, const hw_gate_resource *r)
{
    struct gather *g = arg;
    return hw_gate_add(&g->set, r, g->e);
}

static int cmp_pair(const void *k, const void *p)
{
    const hw_gate_pair *a = k, *b = p;
    int c = strcmp(a->account, b->account);
    return c ? c : strcmp(a->control, b->control);
}

/* The pair of account and control, or NULL (pairs are sorted by account
 * then control, as the store gives them). */
static hw_gate_pair *find_pair(hw_gate_set *set, const char *account, const char *control)
{
    hw_gate_pair key;
    memset(&key, 0, sizeof key);
    key.account = (char *)account;
    key.control = (char *)control;
    return set->n ? bsearch(&key, set->pairs, set->n, sizeof *set->pairs, cmp_pair) : NULL;
}

static int exception_cb(void *arg, const hw_gate_exception *x)
{
    struct gather *g = arg;
    hw_gate_pair *p = find_pair(&g->set, x->account, x->control);
    return p ? hw_gate_set_exception(p, x->expires_at, x->approver, x->reason, g->e) : 0;
}

/* Per pair: its fix text and actions not run yet. */
struct extra {
    hw_gate_set *set;
    long *planned, *pending, *approved;
};

static int open_action_cb(void *arg, const char *account, const char *control, const char *state,
                          long n)
{
    struct extra *x = arg;
    hw_gate_pair *p = find_pair(x->set, account, control);
    if (!p)
        return 0;
    size_t i = (size_t)(p - x->set->pairs);
    if (strcmp(state, "pending") == 0)
        x->pending[i] += n;
    else if (strcmp(state, "approved") == 0)
        x->approved[i] += n;
    else
        x->planned[i] += n;
    return 0;
}

struct names {
    hw_vlist ids, names; /* names.v[i] is the name of ids.v[i] */
};

static int cmp_id(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int name_cb(void *arg, const hw_account_row *a)
{
    struct names *n = arg;
    if (!a->name || !*a->name)
        return 0;
    return hw_vlist_add(&n->ids, a->id, strlen(a->id)) ||
                   hw_vlist_add(&n->names, a->name, strlen(a->name))
               ? HW_ENOMEM
               : 0;
}

/* What would fix a control: the policy's mode and the catalogue's action,
 * or "no remediation"; with the actions that have not run yet. */
static char *fix_text(const hw_ctx *ctx, const hw_catalog *cat, const char *control,
                      long planned, long pending, long approved)
{
    const hw_control *c = hw_catalog_control(cat, control);
    hw_buf b = HW_BUF_INIT(0);
    if (!c || !c->remediation) {
        hw_buf_puts(&b, "no remediation");
    } else {
        int mode = hw_config_remedy_mode(ctx->config, control);
        hw_buf_printf(&b, "%s: %s",
                      mode == HW_REMEDY_AUTO       ? "auto"
                      : mode == HW_REMEDY_APPROVAL ? "approval"
                                                   : "off",
                      c->remediation);
    }
    if (pending)
        hw_buf_printf(&b, "; %ld awaiting approval", pending);
    if (approved)
        hw_buf_printf(&b, "; %ld approved, not run", approved);
    if (planned)
        hw_buf_printf(&b, "; %ld planned", planned);
    return hw_buf_detach(&b, NULL);
}

/* --------------------------------------------------------------- output */

struct row {
    char resources[16], fixed[16], since[32], dur[32];
    char *detail, *ids_json, *ids_text;
    const char *cells[C_N];
};

static void row_fill(struct row *r, const hw_gate_pair *p, int64_t now, int format)
{
    memset(r, 0, sizeof *r);
    snprintf(r->resources, sizeof r->resources, "%u", p->failed + p->suppressed);
    snprintf(r->fixed, sizeof r->fixed, "%u", p->remediated);
    if (p->failing_since >= 0 && p->status != HW_GATE_REMEDIATED) {
        hw_time_iso_ms(p->failing_since, r->since);
        hw_gate_duration(now * 1000 - p->failing_since, r->dur);
    }
    hw_buf d = HW_BUF_INIT(0);
    if (p->status == HW_GATE_EXCEPTION) {
        char until[32];
        hw_time_iso(p->exception_expires, until);
        hw_buf_printf(&d, "exception until %s, approved by %s: %s", until, p->exception_approver,
                      p->exception_reason);
    } else if (p->status == HW_GATE_SUPPRESSED) {
        hw_buf_printf(&d, "suppressed in Security Hub without an exception%s",
                      p->blocking ? "" : " (allowed)");
    } else if (p->remediated) {
        hw_buf_puts(&d, "fixed by action");
        for (size_t i = 0; i < p->nitems; i++)
            if (p->items[i].fixed_by)
                hw_buf_printf(&d, " %s", p->items[i].fixed_by);
        hw_buf_puts(&d, "; Security Hub has not evaluated again");
    }
    r->detail = hw_buf_detach(&d, NULL);
    cJSON *a = cJSON_CreateArray();
    hw_buf t = HW_BUF_INIT(0);
    for (size_t i = 0; i < p->nitems; i++) {
        if (p->items[i].fixed_by)
            continue;
        cJSON_AddItemToArray(a, cJSON_CreateString(p->items[i].resource));
        if (t.len)
            hw_buf_putc(&t, ' ');
        hw_buf_puts(&t, p->items[i].resource);
    }
    r->ids_json = cJSON_PrintUnformatted(a);
    cJSON_Delete(a);
    r->ids_text = hw_buf_detach(&t, NULL);
    const char **c = r->cells;
    c[C_CONTROL] = p->control;
    c[C_SEVERITY] = p->severity;
    c[C_ACCOUNT] = p->account;
    c[C_NAME] = p->account_name ? p->account_name : "";
    c[C_STATUS] = hw_gate_status_name(p->status);
    c[C_BLOCKING] = p->blocking ? "true" : "false";
    c[C_RESOURCES] = r->resources;
    c[C_FIXED] = r->fixed;
    c[C_SINCE] = r->since;
    c[C_FOR] = r->dur;
    c[C_FIX] = p->fix;
    c[C_DETAIL] = r->detail ? r->detail : "";
    int json = format == HW_OUT_JSON || format == HW_OUT_JSONL;
    c[C_IDS] = json ? (r->ids_json ? r->ids_json : "[]") : (r->ids_text ? r->ids_text : "");
}

static void row_free(struct row *r)
{
    free(r->detail);
    cJSON_free(r->ids_json);
    free(r->ids_text);
}

/* One row as a JSON object with the columns' names and kinds. */
static cJSON *row_json(const struct row *r)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < C_N; i++) {
        const char *v = r->cells[i];
        cJSON *x;
        switch (cols[i].kind) {
        case HW_COL_NULLABLE: x = *v ? cJSON_CreateString(v) : cJSON_CreateNull(); break;
        case HW_COL_BOOL: x = cJSON_CreateBool(strcmp(v, "true") == 0); break;
        case HW_COL_NUMBER:
            x = *v ? cJSON_CreateNumber(strtod(v, NULL)) : cJSON_CreateNull();
            break;
        case HW_COL_JSON: x = cJSON_Parse(v); break;
        default: x = cJSON_CreateString(v); break;
        }
        cJSON_AddItemToObject(o, cols[i].name, x ? x : cJSON_CreateNull());
    }
    return o;
}

struct verdict {
    size_t counts[5];
    size_t blocking, accounts_blocking;
    int stale;
    char stale_msg[256];
    int found;
    hw_gate_scan scan;
    int64_t now;
};

static const char *result_name(const struct verdict *v)
{
    return v->stale ? "stale" : v->blocking ? "failed" : "passed";
}

static int exit_status(const struct verdict *v)
{
    return v->stale ? HW_EXIT_USAGE : v->blocking ? HW_EXIT_ATTENTION : HW_EXIT_OK;
}

static void scan_line(FILE *f, const struct verdict *v)
{
    if (!v->found) {
        fprintf(f, "no successful scan in the store\n");
        return;
    }
    char at[32], dur[32];
    hw_time_iso(v->scan.started, at);
    hw_gate_duration((v->now - v->scan.started) * 1000, dur);
    fprintf(f, "newest successful scan %s started %s (%s ago)%s\n", v->scan.run_id, at, dur,
            strcmp(v->scan.status, "partial") == 0 ? ", partial: some sources failed" : "");
}

static int print_table(FILE *f, const hw_gate_set *set, const struct sel *s,
                       const struct verdict *v)
{
    hw_out o;
    hw_out_init(&o, f, HW_OUT_TABLE, cols, C_N, wide);
    hw_out_header(&o);
    for (size_t i = 0; i < set->n; i++) {
        const hw_gate_pair *p = &set->pairs[i];
        if (p->status == HW_GATE_PASSED)
            continue;
        struct row r;
        row_fill(&r, p, v->now, HW_OUT_TABLE);
        hw_out_row(&o, r.cells);
        row_free(&r);
    }
    int rc = hw_out_finish(&o);
    const char *sev = s->threshold >= 0 ? hw_gate_severity_label(s->threshold) : NULL;
    fprintf(f, "\ngate %s: ", v->stale ? "STALE" : v->blocking ? "FAILED" : "passed");
    if (v->blocking)
        fprintf(f, "%zu control-account pair%s block%s (%zu account%s)", v->blocking,
               v->blocking == 1 ? "" : "s", v->blocking == 1 ? "s" : "", v->accounts_blocking,
               v->accounts_blocking == 1 ? "" : "s");
    else
        fprintf(f, "nothing blocks");
    fprintf(f, "; %zu control%s gated%s%s%s%s, %zu pair%s with findings: %zu failed, %zu suppressed, "
           "%zu under exception, %zu remediated, %zu passed\n",
           s->controls.n, s->controls.n == 1 ? "" : "s", sev ? " (" : "", sev ? sev : "",
           sev ? " and above" : "", sev ? ")" : "", set->n, set->n == 1 ? "" : "s",
           v->counts[HW_GATE_FAILED], v->counts[HW_GATE_SUPPRESSED], v->counts[HW_GATE_EXCEPTION],
           v->counts[HW_GATE_REMEDIATED], v->counts[HW_GATE_PASSED]);
    if (v->stale)
        fprintf(f, "%s\n", v->stale_msg);
    scan_line(f, v);
    return rc;
}

static int print_csv(const hw_gate_set *set, const struct verdict *v)
{
    hw_out o;
    hw_out_init(&o, stdout, HW_OUT_CSV, cols, C_N, 1);
    hw_out_header(&o);
    for (size_t i = 0; i < set->n; i++) {
        if (set->pairs[i].status == HW_GATE_PASSED)
            continue;
        struct row r;
        row_fill(&r, &set->pairs[i], v->now, HW_OUT_CSV);
        hw_out_row(&o, r.cells);
        row_free(&r);
    }
    return hw_out_finish(&o);
}

/* The results as one JSON document (caller frees). */
static cJSON *json_doc(const hw_gate_set *set, const struct sel *s, const struct verdict *v,
                       int format)
{
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "result", result_name(v));
    cJSON_AddNumberToObject(j, "exit_status", exit_status(v));
    if (s->threshold >= 0)
        cJSON_AddStringToObject(j, "severity", hw_gate_severity_label(s->threshold));
    else
        cJSON_AddNullToObject(j, "severity");
    if (o_framework)
        cJSON_AddStringToObject(j, "framework", o_framework);
    cJSON *ctl = cJSON_AddArrayToObject(j, "controls");
    for (size_t i = 0; i < s->controls.n; i++)
        cJSON_AddItemToArray(ctl, cJSON_CreateString(s->controls.v[i]));
    cJSON_AddBoolToObject(j, "allow_suppressed", allow_suppressed);
    cJSON *sc = cJSON_AddObjectToObject(j, "scan");
    if (v->found) {
        char at[32];
        hw_time_iso(v->scan.started, at);
        cJSON_AddStringToObject(sc, "run_id", v->scan.run_id);
        cJSON_AddStringToObject(sc, "status", v->scan.status);
        cJSON_AddStringToObject(sc, "started", at);
        cJSON_AddNumberToObject(sc, "age_hours", (double)(v->now - v->scan.started) / 3600.0);
    }
    cJSON_AddNumberToObject(sc, "max_age_hours", max_age);
    cJSON_AddBoolToObject(sc, "stale", v->stale);
    if (v->stale)
        cJSON_AddStringToObject(sc, "reason", v->stale_msg);
    cJSON *c = cJSON_AddObjectToObject(j, "counts");
    cJSON_AddNumberToObject(c, "pairs", (double)set->n);
    cJSON_AddNumberToObject(c, "blocking", (double)v->blocking);
    for (int st = 0; st < 5; st++) {
        char name[32];
        snprintf(name, sizeof name, "%s", hw_gate_status_name(st));
        for (char *q = name; *q; q++)
            *q = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
        cJSON_AddNumberToObject(c, name, (double)v->counts[st]);
    }
    cJSON *res = cJSON_AddArrayToObject(j, "results");
    for (size_t i = 0; i < set->n; i++) {
        if (set->pairs[i].status == HW_GATE_PASSED)
            continue;
        struct row r;
        row_fill(&r, &set->pairs[i], v->now, format);
        cJSON_AddItemToArray(res, row_json(&r));
        row_free(&r);
    }
    return j;
}

static int print_json(const hw_gate_set *set, const struct sel *s, const struct verdict *v,
                      int format)
{
    return hw_out_document(stdout, format, json_doc(set, s, v, format));
}

static int write_junit(const hw_gate_set *set, const struct sel *s, const struct verdict *v,
                       hw_err *e)
{
    char scan_at[32] = "", maxage[16], ngated[16];
    if (v->found)
        hw_time_iso(v->scan.started, scan_at);
    snprintf(maxage, sizeof maxage, "%d", max_age);
    snprintf(ngated, sizeof ngated, "%zu", s->controls.n);
    const char *sev = s->threshold >= 0 ? hw_gate_severity_label(s->threshold) : "(named controls)";
    const char *props[] = {
        "severity", sev,
        "framework", o_framework ? o_framework : "",
        "controls_gated", ngated,
        "scan_run_id", v->found ? v->scan.run_id : "",
        "scan_started", scan_at,
        "max_age_hours", maxage,
        "allow_suppressed", allow_suppressed ? "true" : "false",
    };
    hw_buf suite = HW_BUF_INIT(0);
    hw_buf_printf(&suite, "hubwarden gate%s%s%s%s", o_framework ? " " : "",
                  o_framework ? o_framework : "", s->threshold >= 0 ? " " : "",
                  s->threshold >= 0 ? sev : "");
    if (s->threshold >= 0)
        hw_buf_puts(&suite, " and above");
    hw_gate_junit_info info = { hw_buf_str(&suite), v->now, props, HW_ARRAY_LEN(props) / 2,
                                "evidence store is fresh (newest scan within --max-age)",
                                v->stale ? v->stale_msg : NULL };
    char *xml = NULL;
    size_t len = 0;
    int rc = hw_gate_junit(set, &info, &xml, &len, e);
    if (rc == HW_OK)
        rc = hw_file_write_atomic(o_junit, xml, len, 0644, e);
    free(xml);
    hw_buf_free(&suite);
    return rc;
}

/* ------------------------------------------------------------------ run */

/* Everything one judgement reads and decides. */
struct judgement {
    struct sel s;
    struct gather g;
    struct names nm;
    hw_vlist fixes;
    struct extra x;
    struct verdict v;
    hw_err e;
};

static void judgement_free(struct judgement *j)
{
    free(j->x.planned);
    free(j->x.pending);
    free(j->x.approved);
    hw_vlist_free(&j->fixes);
    hw_vlist_free(&j->nm.ids);
    hw_vlist_free(&j->nm.names);
    hw_gate_set_free(&j->g.set);
    sel_free(&j->s);
}

/* Reads the store and decides every pair of the selection: 0, or the exit
 * status of a usage error or a failure (already printed). */
static int judge(hw_ctx *ctx, const hw_catalog *cat, hw_store *st, int threshold,
                 struct judgement *j)
{
    memset(j, 0, sizeof *j);
    hw_err_clear(&j->e);
    hw_err *e = &j->e;
    j->g.e = e;
    j->x.set = &j->g.set;
    j->s.threshold = threshold;
    j->v.now = hw_now();
    struct sel *s = &j->s;
    struct verdict *v = &j->v;
    int rc;
    if ((rc = select_controls(cat, st, s, e)) != 0)
        return rc;
    if (hw_filter_split(&o_account, &s->accounts))
        return hw_usage_error(&hw_cmd_gate, "out of memory");
    if (s->accounts.n && (rc = hw_filter_accounts(&hw_cmd_gate, st, &s->accounts, e)) != 0)
        return rc;
    if (hw_store_gate_last_scan(st, &v->scan, &v->found, e) != HW_OK)
        return hw_cmd_fail(e);
    if (!v->found) {
        v->stale = 1;
        snprintf(v->stale_msg, sizeof v->stale_msg,
                 "the store holds no successful scan: the gate cannot judge "
                 "(run 'hubwarden scan')");
    } else if (v->now - v->scan.started > (int64_t)max_age * 3600) {
        char dur[32];
        hw_gate_duration((v->now - v->scan.started) * 1000, dur);
        v->stale = 1;
        snprintf(v->stale_msg, sizeof v->stale_msg,
                 "the newest successful scan started %s ago, more than --max-age %d h: the "
                 "evidence is stale",
                 dur, max_age);
    }
    hw_gate_query q = { (const char *const *)s->controls.v, s->controls.n,
                        (const char *const *)s->accounts.v, s->accounts.n };
    if (hw_store_gate_resources(st, &q, resource_cb, &j->g, e) != HW_OK ||
        hw_store_gate_exceptions(st, v->now, exception_cb, &j->g, e) != HW_OK ||
        hw_store_accounts(st, name_cb, &j->nm, e) != HW_OK)
        return hw_cmd_fail(e);
    size_t n = j->g.set.n ? j->g.set.n : 1;
    j->x.planned = calloc(n, sizeof *j->x.planned);
    j->x.pending = calloc(n, sizeof *j->x.pending);
    j->x.approved = calloc(n, sizeof *j->x.approved);
    if (!j->x.planned || !j->x.pending || !j->x.approved)
        return hw_cmd_fail(&(hw_err){ HW_ENOMEM, "out of memory" });
    if (hw_store_gate_open_actions(st, open_action_cb, &j->x, e) != HW_OK)
        return hw_cmd_fail(e);
    hw_vlist blocking_accounts = { 0 };
    for (size_t i = 0; i < j->g.set.n; i++) {
        hw_gate_pair *p = &j->g.set.pairs[i];
        const hw_control *c = hw_catalog_control(cat, p->control);
        p->severity = c ? c->severity : "UNKNOWN";
        p->title = c ? c->title : NULL;
        const char *acct = p->account; /* ids come in id order (hw_store_accounts) */
        char **id = j->nm.ids.n ? bsearch(&acct, j->nm.ids.v, j->nm.ids.n, sizeof *j->nm.ids.v,
                                          cmp_id)
                                : NULL;
        if (id)
            p->account_name = j->nm.names.v[id - j->nm.ids.v];
        char *fix = fix_text(ctx, cat, p->control, j->x.planned[i], j->x.pending[i],
                             j->x.approved[i]);
        if (!fix || hw_vlist_add(&j->fixes, fix, strlen(fix))) {
            free(fix);
            hw_vlist_free(&blocking_accounts);
            return hw_cmd_fail(&(hw_err){ HW_ENOMEM, "out of memory" });
        }
        free(fix);
        p->fix = j->fixes.v[j->fixes.n - 1];
        hw_gate_decide(p, allow_suppressed);
        v->counts[p->status]++;
        if (p->blocking) {
            v->blocking++;
            hw_vlist_add_cb(&blocking_accounts, p->account);
        }
    }
    v->accounts_blocking = blocking_accounts.n;
    hw_vlist_free(&blocking_accounts);
    return 0;
}

/* Writes --junit, then the results in format: 0, or an exit status. */
static int report(struct judgement *j, int format)
{
    if (o_junit && write_junit(&j->g.set, &j->s, &j->v, &j->e) != HW_OK)
        return hw_cmd_fail(&j->e);
    int prc = format == HW_OUT_TABLE ? print_table(stdout, &j->g.set, &j->s, &j->v)
              : format == HW_OUT_CSV ? print_csv(&j->g.set, &j->v)
                                     : print_json(&j->g.set, &j->s, &j->v, format);
    if (prc != 0) {
        hw_error("writing the results failed");
        return HW_EXIT_INTERNAL;
    }
    return 0;
}

static int gate(hw_ctx *ctx, int format, int threshold)
{
    hw_err e;
    hw_err_clear(&e);
    hw_catalog *cat = NULL;
    hw_store *st = NULL;
    struct judgement j;
    memset(&j, 0, sizeof j);
    int rc;
    if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e) != HW_OK ||
        hw_store_open(ctx->db_path, HW_STORE_READ, 0, &st, &e) != HW_OK) {
        rc = hw_cmd_fail(&e);
        goto out;
    }
    if ((rc = judge(ctx, cat, st, threshold, &j)) != 0 || (rc = report(&j, format)) != 0)
        goto out;
    if (j.v.stale)
        hw_error("%s", j.v.stale_msg);
    rc = exit_status(&j.v);
out:
    judgement_free(&j);
    hw_store_close(st);
    hw_catalog_free(cat);
    return rc;
}

int hw_cmd_gate_summary(hw_ctx *ctx, const hw_catalog *cat, hw_store *st, const char *junit,
                        int format, FILE *table, hw_cmd_gate_result *r)
{
    memset(r, 0, sizeof *r);
    o_junit = junit;
    struct judgement j;
    int rc = judge(ctx, cat, st, 4, &j);
    if (rc == 0 && o_junit && write_junit(&j.g.set, &j.s, &j.v, &j.e) != HW_OK)
        rc = hw_cmd_fail(&j.e);
    if (rc == 0) {
        r->exit_status = exit_status(&j.v);
        r->result = result_name(&j.v);
        r->blocking = j.v.blocking;
        r->accounts_blocking = j.v.accounts_blocking;
        snprintf(r->stale, sizeof r->stale, "%s", j.v.stale ? j.v.stale_msg : "");
        if (format == HW_OUT_TABLE && table) {
            if (print_table(table, &j.g.set, &j.s, &j.v) != 0)
                rc = HW_EXIT_INTERNAL;
        } else if (format != HW_OUT_TABLE) {
            r->json = json_doc(&j.g.set, &j.s, &j.v, format);
        }
    }
    judgement_free(&j);
    o_junit = NULL;
    return rc;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_gate, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_gate, "expected no arguments");
    if (as_csv && (as_json || output))
        return hw_usage_error(&hw_cmd_gate, "--csv excludes --json and --output");
    int format;
    if (hw_out_format_parse(&hw_cmd_gate, as_csv ? "csv" : output, as_json, HW_OUT_ANY, &format))
        return HW_EXIT_USAGE;
    if (max_age < 1)
        return hw_usage_error(&hw_cmd_gate, "--max-age: expected at least 1 hour, got %d",
                              max_age);
    if (o_junit && !*o_junit)
        return hw_usage_error(&hw_cmd_gate, "--junit: expected a file name");
    int threshold = o_control.n ? -1 : 4; /* named controls: whatever their severity */
    if (o_severity) {
        static const char *const labels[] = { "INFORMATIONAL", "LOW", "MEDIUM", "HIGH",
                                              "CRITICAL" };
        threshold = hw_gate_severity_rank(o_severity);
        if (threshold < 0) {
            const char *near = hw_nearest(o_severity, labels, HW_ARRAY_LEN(labels));
            return hw_usage_error(&hw_cmd_gate, "--severity: no severity '%s' (nearest: %s)",
                                  o_severity, near ? near : "CRITICAL");
        }
    }
    return gate(ctx, format, threshold);
}

const struct hw_command hw_cmd_gate = {
    .name = "gate",
    .summary = "Exit non-zero while a critical control stays failed and unremediated.",
    .synopsis = "",
    .description =
        "Exit 1 while a gated control is FAILED in some account, not remediated and not\n"
        "under a valid exception, or its only failures are suppressed in Security Hub\n"
        "without an exception (unless --allow-suppressed); 0 otherwise; 2 when the\n"
        "newest successful scan started more than --max-age hours ago (or there is\n"
        "none), and for usage errors.  Gated: controls of --severity or above (CRITICAL\n"
        "by default; named --control ones whatever their severity), narrowed by\n"
        "--framework, --requirement, --control and --account; a selection that gates\n"
        "nothing is an error.  A resource counts as remediated when an action fixed it\n"
        "after its newest failing observation.  The table lists the pairs that are not\n"
        "PASSED: control, account, status, resources failing, for how long, and what\n"
        "would fix it; --output json|jsonl: one document with the result, the scan, the\n"
        "counts and the rows; csv: the rows.  --junit FILE: one test case per control\n"
        "and account, a failure per blocking one naming its resources.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
