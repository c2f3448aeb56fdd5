/*
 * exempt.c - `hubwarden exempt`: record, list and revoke risk acceptances
 * (exceptions).
 *
 * An exception covers a control in one account or in every account, one
 * finding, or one resource (every control of it), until a date.  While it
 * counts, evaluation reports the requirement EXCEPTION and remediation
 * skips what it covers; once it expires or is revoked it stops counting,
 * and --list and the evaluation evidence say so.  Recording, revoking and
 * expiry all go into the audit log (store/exceptions.c).
 *
 * The values are checked before anything is written: an unknown control
 * or account is a usage error naming the nearest known one, an unknown
 * finding Id or a malformed ARN names the value.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "store/store.h"

static const char *opt_control, *opt_account, *opt_finding, *opt_resource, *opt_until, *opt_by,
    *opt_reason, *opt_revoke, *opt_output;
static int opt_list, opt_json;

static const struct hw_option options[] = {
    { "control", 0, HW_OPT_STRING, &opt_control, "ID", "the control accepted (all its failures)" },
    { "account", 0, HW_OPT_STRING, &opt_account, "ID",
      "with --control: only in this account (id or name; default every account)" },
    { "finding", 0, HW_OPT_STRING, &opt_finding, "ID", "one finding (its Id) accepted" },
    { "resource", 0, HW_OPT_STRING, &opt_resource, "ARN",
      "one resource accepted, for every control" },
    { "until", 0, HW_OPT_STRING, &opt_until, "DATE",
      "when it expires: YYYY-MM-DD (the end of that day, UTC) or an ISO 8601 time" },
    { "by", 0, HW_OPT_STRING, &opt_by, "NAME", "who accepts (or revokes) the risk (recorded)" },
    { "reason", 0, HW_OPT_STRING, &opt_reason, "TEXT", "why (recorded)" },
    { "list", 0, HW_OPT_FLAG, &opt_list, NULL, "list every exception and its state" },
    { "revoke", 0, HW_OPT_STRING, &opt_revoke, "ID", "revoke exception ID (with --by)" },
    HW_OUTPUT_OPTIONS(opt_output, opt_json),
    { 0 },
};

#define MAX_TEXT 1024

/* ------------------------------------------------------------ checking */

struct names {
    char **v;
    size_t n, cap;
};

/* Appends s (unless dedupe and it is there already). */
static int names_add(struct names *l, const char *s, int dedupe)
{
    for (size_t i = 0; dedupe && i < l->n; i++)
        if (strcmp(l->v[i], s) == 0)
            return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **p = realloc(l->v, cap * sizeof *p);
        if (!p)
            return 1;
        l->v = p;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(s)))
        return 1;
    l->n++;
    return 0;
}

static void names_free(struct names *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The catalogue's control named by v (case-insensitive), or a usage error
 * naming the nearest. */
static int check_control(const hw_catalog *cat, const char *v, const char **out)
{
    const char **ids = malloc((cat->ncontrols ? cat->ncontrols : 1) * sizeof *ids);
    if (!ids)
        return hw_usage_error(&hw_cmd_exempt, "out of memory");
    for (size_t i = 0; i < cat->ncontrols; i++) {
        ids[i] = cat->controls[i].id;
        if (strcasecmp(v, ids[i]) == 0) {
            *out = ids[i];
            free(ids);
            return 0;
        }
    }
    const char *near = hw_nearest(v, ids, cat->ncontrols);
    int rc = hw_usage_error(&hw_cmd_exempt, "--control: no control '%s' (nearest: %s)", v,
                            near ? near : "none");
    free(ids);
    return rc;
}

struct accts {
    struct names ids, names; /* names.v[i] belongs to ids.v[i] ("" when none) */
};

static int acct_cb(void *arg, const hw_account_row *a)
{
    struct accts *x = arg;
    size_t n = x->ids.n;
    if (names_add(&x->ids, a->id, 1))
        return 1;
    return x->ids.n > n && names_add(&x->names, a->name ? a->name : "", 0);
}

static int seen_cb(void *arg, const char *v)
{
    hw_account_row a = { 0 };
    a.id = v;
    return acct_cb(arg, &a);
}

/* The account v names (an id, or an Organization name, case-insensitive)
 * among the store's, copied into out; else a usage error naming the
 * nearest. */
static int check_account(hw_store *st, const char *v, char out[64])
{
    struct accts x = { { 0 }, { 0 } };
    hw_err e;
    int rc = 0;
    if (hw_store_accounts(st, acct_cb, &x, &e) != HW_OK ||
        hw_store_finding_values(st, "account", seen_cb, &x, &e) != HW_OK) {
        rc = hw_cmd_fail(&e);
        goto out;
    }
    for (size_t i = 0; i < x.ids.n; i++)
        if (strcmp(v, x.ids.v[i]) == 0 || (*x.names.v[i] && strcasecmp(v, x.names.v[i]) == 0)) {
            snprintf(out, 64, "%s", x.ids.v[i]);
            goto out;
        }
    const char *a = hw_nearest(v, (const char *const *)x.ids.v, x.ids.n);
    const char *b = hw_nearest(v, (const char *const *)x.names.v, x.names.n);
    const char *near = strspn(v, "0123456789") == strlen(v) ? a : (b ? b : a);
    rc = hw_usage_error(&hw_cmd_exempt, "--account: no account '%s' (%s%s)", v,
                        near ? "nearest: " : "none in the store", near ? near : "");
out:
    names_free(&x.ids);
    names_free(&x.names);
    return rc;
}

/* The end of the day YYYY-MM-DD (UTC), or an ISO 8601 time; -1 when
 * neither. */
static int parse_until(const char *v, int64_t *t)
{
    int y, m, d;
    char rest;
    if (strlen(v) == 10 && sscanf(v, "%4d-%2d-%2d%c", &y, &m, &d, &rest) == 3) {
        char iso[32];
        snprintf(iso, sizeof iso, "%sT00:00:00Z", v);
        if (hw_time_parse(iso, t) != 0)
            return -1;
        *t += 86400;
        return 0;
    }
    return hw_time_parse(v, t);
}

/* A printable text of at most MAX_TEXT bytes (it goes to the terminal
 * and the audit log). */
static int check_text(const char *opt, const char *v)
{
    if (!v || !*v)
        return hw_usage_error(&hw_cmd_exempt, "--%s is required", opt);
    if (strlen(v) > MAX_TEXT)
        return hw_usage_error(&hw_cmd_exempt, "--%s: longer than %d bytes", opt, MAX_TEXT);
    if (!hw_utf8_valid(v, strlen(v)))
        return hw_usage_error(&hw_cmd_exempt, "--%s: not valid UTF-8", opt);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return hw_usage_error(&hw_cmd_exempt, "--%s: a control character at byte %d", opt,
                                  (int)(p - (const unsigned char *)v) + 1);
    return 0;
}

/* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE; the account copied into
 * account ("*" when the ARN names none, as an S3 bucket's). */
static int check_arn(const char *v, char account[64])
{
    const char *f[6];
    const char *p = v;
    int n = 0;
    if (strncmp(v, "arn:", 4) != 0 || strlen(v) > 2048)
        goto bad;
    for (n = 0; n < 5; n++) {
        f[n] = p;
        const char *c = strchr(p, ':');
        if (!c)
            goto bad;
        p = c + 1;
    }
    f[5] = p;
    if (!*f[5] || f[2][0] == ':' || f[1][0] == ':')
        goto bad;
    size_t alen = (size_t)(f[5] - f[4]) - 1;
    if (alen == 12 && strspn(f[4], "0123456789") >= 12)
        snprintf(account, 64, "%.12s", f[4]);
    else if (alen == 0 || (alen == 3 && strncmp(f[4], "aws", 3) == 0))
        snprintf(account, 64, "*");
    else
        goto bad;
    for (const unsigned char *q = (const unsigned char *)v; *q; q++)
        if (*q <= 0x20 || *q == 0x7f)
            goto bad;
    return 0;
bad:
    return hw_usage_error(&hw_cmd_exempt,
                          "--resource: '%s' is not an ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:"
                          "RESOURCE)",
                          v);
}

struct found {
    char account[64], control[64];
    int n;
};

static int finding_cb(void *arg, const hw_finding_row *f)
{
    struct found *x = arg;
    if (!x->n++) {
        snprintf(x->account, sizeof x->account, "%s", f->account_id);
        snprintf(x->control, sizeof x->control, "%s", f->control_id);
    }
    return 0;
}

/* ------------------------------------------------------------ commands */

static int create(hw_ctx *ctx, hw_store *st)
{
    hw_err e;
    hw_err_clear(&e);
    hw_exception_row x = { 0 };
    char account[64] = "*", control[64] = "*";
    int64_t now = hw_now(), until;
    if (parse_until(opt_until, &until) != 0)
        return hw_usage_error(&hw_cmd_exempt,
                              "--until: '%s' is not a date (YYYY-MM-DD) or an ISO 8601 time",
                              opt_until);
    if (until <= now)
        return hw_usage_error(&hw_cmd_exempt, "--until: %s is not in the future", opt_until);
    if (opt_control) {
        hw_catalog *cat;
        if (hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e) != HW_OK)
            return hw_cmd_fail(&e);
        const char *id = NULL;
        int rc = check_control(cat, opt_control, &id);
        if (!rc)
            snprintf(control, sizeof control, "%s", id);
        hw_catalog_free(cat);
        if (rc)
            return rc;
        if (opt_account && (rc = check_account(st, opt_account, account)) != 0)
            return rc;
    } else if (opt_finding) {
        if (check_text("finding", opt_finding))
            return HW_EXIT_USAGE;
        struct found f = { "", "", 0 };
        hw_finding_query q = { 0 };
        q.id = opt_finding;
        q.include_archived = 1;
        if (hw_store_findings(st, &q, finding_cb, &f, &e) != HW_OK)
            return hw_cmd_fail(&e);
        if (!f.n)
            return hw_usage_error(&hw_cmd_exempt, "--finding: no finding '%s' in the store",
                                  opt_finding);
        if (!*f.control)
            return hw_usage_error(&hw_cmd_exempt,
                                  "--finding: '%s' is not a Security Hub control finding",
                                  opt_finding);
        snprintf(account, sizeof account, "%s", f.account);
        snprintf(control, sizeof control, "%s", f.control);
        x.finding_id = opt_finding;
    } else {
        int rc = check_arn(opt_resource, account);
        if (rc)
            return rc;
        x.resource = opt_resource;
    }
    x.account = account;
    x.control = control;
    x.reason = opt_reason;
    x.approver = opt_by;
    x.created_at = now;
    x.expires_at = until;
    int64_t id = 0;
    if (hw_cmd_exceptions_expire(st, NULL, &e) != HW_OK || hw_store_begin(st, &e) != HW_OK)
        return hw_cmd_fail(&e);
    if (hw_store_exception_add(st, &x, &id, &e) != HW_OK) {
        hw_store_rollback(st);
        return hw_cmd_fail(&e);
    }
    if (hw_store_commit(st, &e) != HW_OK)
        return hw_cmd_fail(&e);
    char t[32];
    hw_time_iso(until, t);
    printf("exception %lld: %s ", (long long)id, hw_exception_scope(&x));
    if (x.finding_id) {
        hw_out_terminal_text(stdout, x.finding_id);
        printf(" (%s in account %s)", control, account);
    } else if (x.resource) {
        hw_out_terminal_text(stdout, x.resource);
    } else {
        printf("%s in %s", control, strcmp(account, "*") ? account : "every account");
    }
    printf(" accepted by ");
    hw_out_terminal_text(stdout, opt_by);
    printf(" until %s\n", t);
    return HW_EXIT_OK;
}

static int revoke(hw_store *st)
{
    char *end;
    long long id = strtoll(opt_revoke, &end, 10);
    if (!*opt_revoke || *end || id <= 0)
        return hw_usage_error(&hw_cmd_exempt, "--revoke: '%s' is not an exception id", opt_revoke);
    hw_err e;
    hw_err_clear(&e);
    if (hw_cmd_exceptions_expire(st, NULL, &e) != HW_OK || hw_store_begin(st, &e) != HW_OK)
        return hw_cmd_fail(&e);
    if (hw_store_exception_revoke(st, id, opt_by, opt_reason ? opt_reason : "", hw_now(), &e) !=
        HW_OK) {
        hw_store_rollback(st);
        return hw_cmd_fail(&e);
    }
    if (hw_store_commit(st, &e) != HW_OK)
        return hw_cmd_fail(&e);
    printf("exception %lld revoked by ", id);
    hw_out_terminal_text(stdout, opt_by);
    printf("\n");
    return HW_EXIT_OK;
}

struct lister {
    hw_out *o;
    int64_t now;
};

static int list_cb(void *arg, const hw_exception_row *x)
{
    struct lister *l = arg;
    char id[24], created[32], until[32], revoked[32] = "";
    snprintf(id, sizeof id, "%lld", (long long)x->id);
    hw_time_iso(x->created_at, created);
    hw_time_iso(x->expires_at, until);
    if (x->revoked && x->revoked_at)
        hw_time_iso(x->revoked_at, revoked);
    const char *target = x->finding_id ? x->finding_id : x->resource ? x->resource : "";
    const char *cells[] = { id,     hw_exception_state(x, l->now), hw_exception_scope(x),
                            x->account, x->control, target, until, x->approver, x->reason,
                            created, x->revoked_by ? x->revoked_by : "", revoked };
    hw_out_row(l->o, cells);
    return 0;
}

static int list(hw_store *st, int format)
{
    static const hw_out_col cols[] = {
        { "id", HW_COL_NUMBER, 4, HW_COL_NARROW, 0 },
        { "state", HW_COL_TEXT, 8, HW_COL_NARROW, 0 },
        { "scope", HW_COL_TEXT, 8, HW_COL_NARROW, 0 },
        { "account", HW_COL_TEXT, 12, HW_COL_NARROW, 0 },
        { "control", HW_COL_TEXT, 10, HW_COL_NARROW, 0 },
        { "target", HW_COL_NULLABLE, 30, HW_COL_NARROW | HW_COL_TAIL, 3 },
        { "until", HW_COL_TEXT, 24, HW_COL_NARROW, 0 },
        { "by", HW_COL_TEXT, 10, HW_COL_NARROW, 1 },
        { "reason", HW_COL_TEXT, 20, HW_COL_NARROW | HW_COL_FILL, 2 },
        { "created", HW_COL_TEXT, 24, 0, 0 },
        { "revoked_by", HW_COL_NULLABLE, 10, 0, 0 },
        { "revoked_at", HW_COL_NULLABLE, 24, 0, 0 },
    };
    hw_out o;
    hw_out_init(&o, stdout, format, cols, HW_ARRAY_LEN(cols), 0);
    hw_out_header(&o);
    struct lister l = { &o, hw_now() };
    hw_err e;
    hw_err_clear(&e);
    if (hw_store_exceptions(st, list_cb, &l, &e) != HW_OK) {
        hw_out_finish(&o);
        return hw_cmd_fail(&e);
    }
    return hw_out_finish(&o) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_control = opt_account = opt_finding = opt_resource = opt_until = opt_by = opt_reason =
        opt_revoke = opt_output = NULL;
    opt_list = opt_json = 0;
    int r = hw_parse_options(&hw_cmd_exempt, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_exempt, "unexpected argument (the scope is --control, "
                                              "--finding or --resource)");
    int scopes = !!opt_control + !!opt_finding + !!opt_resource;
    int modes = !!opt_list + !!opt_revoke + (scopes > 0);
    if (modes == 0)
        return hw_usage_error(&hw_cmd_exempt,
                              "name what is accepted (--control, --finding or --resource), or "
                              "give --list or --revoke ID");
    if (modes > 1 || scopes > 1)
        return hw_usage_error(&hw_cmd_exempt, "give one of --control, --finding, --resource, "
                                              "--list and --revoke");
    if (opt_account && !opt_control)
        return hw_usage_error(&hw_cmd_exempt, "--account goes with --control");
    int format = HW_OUT_TABLE;
    if (opt_list) {
        if (hw_out_format_parse(&hw_cmd_exempt, opt_output, opt_json, HW_OUT_ANY, &format))
            return HW_EXIT_USAGE;
    } else if (opt_output || opt_json) {
        return hw_usage_error(&hw_cmd_exempt, "--output and --json go with --list");
    }
    if (!opt_list) {
        if (check_text("by", opt_by))
            return HW_EXIT_USAGE;
        if (opt_reason && check_text("reason", opt_reason))
            return HW_EXIT_USAGE;
    }
    if (scopes) {
        if (!opt_until)
            return hw_usage_error(&hw_cmd_exempt, "--until DATE is required");
        if (check_text("reason", opt_reason))
            return HW_EXIT_USAGE;
    } else if (opt_until) {
        return hw_usage_error(&hw_cmd_exempt, "--until goes with --control, --finding or "
                                              "--resource");
    }
    hw_err e;
    hw_err_clear(&e);
    hw_store *st = NULL;
    if (hw_store_open(ctx->db_path, opt_list ? HW_STORE_READ : HW_STORE_WRITE,
                      ctx->config->lock_timeout_s * 1000, &st, &e) != HW_OK)
        return hw_cmd_fail(&e);
    int rc = opt_list ? list(st, format) : opt_revoke ? revoke(st) : create(ctx, st);
    hw_store_close(st);
    return rc;
}

const struct hw_command hw_cmd_exempt = {
    .name = "exempt",
    .summary = "Record, list and revoke risk acceptances (exceptions).",
    .synopsis = "",
    .description =
        "Records a risk acceptance until a date: of a control (--control, in one account with\n"
        "--account, else in every account), of one finding (--finding, its Id), or of one\n"
        "resource for every control (--resource ARN); --until, --by and --reason are\n"
        "required.  While unexpired it makes the control EXCEPTED in evaluation (a finding or\n"
        "resource exception when it covers every failing resource of the control), so the\n"
        "requirement is EXCEPTION, and remediation skips what it covers.  An expired or\n"
        "revoked exception stops counting: --list shows its state (active, expired, revoked),\n"
        "the evaluation evidence lists it as expired.  --revoke ID --by NAME ends one early.\n"
        "Every exception, revocation and expiry goes into the audit log.  An unknown control\n"
        "or account is an error naming the nearest known one (exit 2).",
    .options = options,
    .run = run,
    .needs_config = 1,
};
