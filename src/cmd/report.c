/*
 * report.c - `hubwarden report`: the signed evidence bundles for auditors,
 * one per framework, from the newest scan in the store (src/report/).
 */
#include <string.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"
#include "report/report.h"
#include "store/store.h"

static const char *framework, *from, *to, *out;
static struct hw_strlist accounts, ous;
static int allow_stale;

static const struct hw_option options[] = {
    { "framework", 0, HW_OPT_STRING, &framework, "ID", "one framework, or all (the default)" },
    { "from", 0, HW_OPT_STRING, &from, "DATE",
      "period start (ISO 8601): trend and remediation actions from then" },
    { "to", 0, HW_OPT_STRING, &to, "DATE", "period end (ISO 8601): the newest scan up to then" },
    { "account", 0, HW_OPT_LIST, &accounts, "ID", "only this account (repeatable)" },
    { "ou", 0, HW_OPT_LIST, &ous, "OU",
      "only accounts under this OU, by id or name path (repeatable)" },
    { "out", 0, HW_OPT_STRING, &out, "DIR", "bundles go to DIR/<framework>-<run id>/ (required)" },
    { "allow-stale", 0, HW_OPT_FLAG, &allow_stale, NULL,
      "report from a scan older than report.max_age_hours" },
    { 0 },
};

/* A file of the installed data: beside the controls folder, in the
 * working directory, else under the data directory. */
const char *hw_cmd_data_file(const hw_ctx *ctx, const char *rel, char *buf, size_t n)
{
    /* beside the catalogue in use, else beside the default catalogue (the
     * build tree's when the binary runs there), else the installed copy;
     * never the working directory: a stray ./reports must not replace
     * the schema */
    const char *dirs[] = { hw_cmd_controls_dir(ctx), hw_catalog_default_dir() };
    for (size_t i = 0; i < HW_ARRAY_LEN(dirs); i++) {
        const char *slash = strrchr(dirs[i], '/');
        snprintf(buf, n, "%.*s/%s", slash ? (int)(slash - dirs[i]) : 1, slash ? dirs[i] : ".",
                 rel);
        if (hw_file_exists(buf))
            return buf;
    }
    snprintf(buf, n, "%s/%s", HW_DATADIR, rel);
    return buf;
}

static void done(void *arg, const char *path)
{
    (void)arg;
    printf("%s\n", path);
}

static int iso_arg(const char *name, const char *v, char out_buf[32])
{
    int64_t ms;
    if (hw_time_parse_ms(v, &ms) < 0)
        return hw_usage_error(&hw_cmd_report, "--%s: expected an ISO 8601 time, got '%s'", name,
                              v);
    hw_time_iso(hw_ms_to_s(ms), out_buf);
    return 0;
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_report, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_report, "takes no arguments");
    if (!out)
        return hw_usage_error(&hw_cmd_report, "--out DIR is required");
    char fbuf[32], tbuf[32];
    if ((from && iso_arg("from", from, fbuf)) || (to && iso_arg("to", to, tbuf)))
        return HW_EXIT_USAGE;
    const hw_config *c = ctx->config;
    hw_err e;
    hw_err_clear(&e);
    hw_signer *signer = NULL;
    if (hw_signer_load(c->report.key_file, c->report.cert_file, c->report.chain_file, &signer,
                       &e) != HW_OK)
        return hw_cmd_fail(&e);
    hw_catalog *cat = NULL;
    hw_store *st = NULL;
    int rc = hw_catalog_load(hw_cmd_controls_dir(ctx), &cat, &e);
    if (rc == HW_OK)
        rc = hw_store_open(ctx->db_path, HW_STORE_READ, 0, &st, &e);
    char xsd[4096], xsl[4096];
    hw_report_opts o = { 0 };
    o.framework = framework;
    o.from = from ? fbuf : NULL;
    o.to = to ? tbuf : NULL;
    o.accounts = accounts.items;
    o.naccounts = accounts.n;
    o.ous = ous.items;
    o.nous = ous.n;
    o.out_dir = out;
    o.schema_file = hw_cmd_data_file(ctx, "reports/report.xsd", xsd, sizeof xsd);
    o.template_file = hw_cmd_data_file(ctx, "templates/report.xsl", xsl, sizeof xsl);
    o.version = HW_VERSION;
    o.max_age_hours = c->report.max_age_hours;
    /* one bundle per core at once, each in its own process (~50 MB each) */
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    o.jobs = cpus < 1 ? 1 : cpus > 4 ? 4 : (int)cpus;
    o.db_path = ctx->db_path;
    o.allow_stale = allow_stale;
    if (rc == HW_OK)
        rc = hw_report_write(st, cat, signer, &o, done, NULL, &e);
    hw_store_close(st);
    hw_catalog_free(cat);
    hw_signer_free(signer);
    free(accounts.items);
    free(ous.items);
    return rc == HW_OK ? HW_EXIT_OK : hw_cmd_fail(&e);
}

const struct hw_command hw_cmd_report = {
    .name = "report",
    .summary = "Write the signed evidence bundle (XML and HTML) for auditors.",
    .synopsis = "",
    .description =
        "One bundle per framework in DIR/<framework>-<run id>/: report.xml (signed,\n"
        "checked against reports/report.xsd), report.html (templates/report.xsl),\n"
        "findings.csv, SHA256SUMS and SHA256SUMS.p7s.  Made from the newest scan;\n"
        "a scan older than report.max_age_hours is refused unless --allow-stale.\n"
        "Signed with report.key_file and report.cert_file (report.chain_file).\n"
        "Prints the path of each bundle written.",
    .options = options,
    .run = run,
    .needs_config = 1,
};
