/*
 * verify.c - `hubwarden verify BUNDLE`: checks a bundle's XML signature,
 * CMS signature, SHA256SUMS, schema and, with --trust, the signer's chain.
 * Prints each check; exit 0 when all hold, 1 naming the first failure.
 */
#include "cmd/cmd.h"
#include "report/report.h"

static const char *trust;

static int opt_audit;

static const struct hw_option options[] = {
    { "trust", 0, HW_OPT_STRING, &trust, "CAFILE",
      "PEM certificates to trust: the signer's chain must end in one" },
    { "audit", 0, HW_OPT_FLAG, &opt_audit, NULL,
      "check the store's audit log (hash chain and run anchors) instead of a bundle" },
    { 0 },
};

static void print_check(void *arg, const hw_verify_check *c)
{
    (void)arg;
    printf("%-4s %-14s %s\n", c->ok ? "ok" : "FAIL", c->name, c->detail);
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_audit = 0;
    int r = hw_parse_options(&hw_cmd_verify, argc, argv, &args, &nargs);
    if (r) {
        free(args);
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    }
    if (opt_audit) { /* verify_audit.c */
        free(args);
        return nargs ? hw_usage_error(&hw_cmd_verify, "--audit takes no BUNDLE")
                     : hw_cmd_verify_audit(ctx);
    }
    if (nargs != 1) {
        free(args);
        return hw_usage_error(&hw_cmd_verify, "expects one BUNDLE folder");
    }
    char xsd[4096];
    hw_err e;
    hw_err_clear(&e);
    int rc = hw_report_verify(args[0], hw_cmd_data_file(ctx, "reports/report.xsd", xsd, sizeof xsd),
                              trust, print_check, NULL, &e);
    free(args);
    fflush(stdout);
    if (rc == HW_OK)
        return HW_EXIT_OK;
    if (rc == HW_EINVAL) {
        hw_error("verify failed: %s", e.msg);
        return HW_EXIT_ATTENTION;
    }
    return hw_cmd_fail(&e);
}

const struct hw_command hw_cmd_verify = {
    .name = "verify",
    .summary = "Verify a signed evidence bundle.",
    .synopsis = "BUNDLE | --audit",
    .description =
        "Checks the XML signature of report.xml, the CMS signature SHA256SUMS.p7s, every\n"
        "hash in SHA256SUMS (and that no file is unlisted), report.xml against the\n"
        "schema, and with --trust the signer's certificate chain.  Prints each check;\n"
        "exits 0 when all hold, 1 naming the first that failed.  With --audit: checks\n"
        "the store's audit log (its hash chain and every run's recorded head) and exits\n"
        "1 naming the first bad entry.",
    .options = options,
    .run = run,
    .needs_config = 0,
};
