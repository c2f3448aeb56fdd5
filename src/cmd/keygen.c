/*
 * keygen.c - `hubwarden keygen --out DIR`: a development signing key
 * (key.pem, mode 0600) and a self-signed certificate (cert.pem) for
 * reports.  Production keys come from the organisation's own CA.
 */
#include "cmd/cmd.h"
#include "report/report.h"

static const char *out, *cn;
static int ec, days;

static const struct hw_option options[] = {
    { "out", 0, HW_OPT_STRING, &out, "DIR", "folder for key.pem and cert.pem (required)" },
    { "cn", 0, HW_OPT_STRING, &cn, "NAME", "certificate common name (default: hubwarden development)" },
    { "days", 0, HW_OPT_INT, &days, "N", "validity in days (default 365)" },
    { "ec", 0, HW_OPT_FLAG, &ec, NULL, "an EC P-256 key instead of RSA 3072" },
    { 0 },
};

static int run(hw_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    char **args = NULL;
    int nargs = 0;
    days = 365;
    int r = hw_parse_options(&hw_cmd_keygen, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (nargs)
        return hw_usage_error(&hw_cmd_keygen, "takes no arguments");
    if (!out)
        return hw_usage_error(&hw_cmd_keygen, "--out DIR is required");
    if (days < 1 || days > 3650)
        return hw_usage_error(&hw_cmd_keygen, "--days: expected 1 to 3650");
    hw_err e;
    hw_err_clear(&e);
    if (hw_report_keygen(out, cn ? cn : "hubwarden development", days, ec, &e) != HW_OK)
        return hw_cmd_fail(&e);
    printf("%s/key.pem\n%s/cert.pem\n", out, out);
    fprintf(stderr, "a self-signed development key: set report.key_file and report.cert_file;"
                    " auditors trust %s/cert.pem\n", out);
    return HW_EXIT_OK;
}

const struct hw_command hw_cmd_keygen = {
    .name = "keygen",
    .summary = "Create the signing key and certificate for reports.",
    .synopsis = "",
    .description = "A development key (key.pem, mode 0600) and self-signed certificate\n"
                   "(cert.pem) in DIR.  Existing files are never overwritten.",
    .options = options,
    .run = run,
    .needs_config = 0,
};
