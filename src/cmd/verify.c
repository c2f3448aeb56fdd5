/*
 * verify.c - `hubwarden verify`: verify a signed evidence bundle.
 *
 * Not built yet: a later issue fills it in.  Until then it says so and
 * exits 2, like every command that is not implemented.
 */
#include "cmd/cmd.h"

static int opt_audit;

static const struct hw_option options[] = {
    { "audit", 0, HW_OPT_FLAG, &opt_audit, NULL,
      "check the store's audit log (hash chain and run anchors) instead" },
    { 0 },
};

/* --audit: verify_audit.c */
static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    opt_audit = 0;
    int r = hw_parse_options(&hw_cmd_verify, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    if (opt_audit)
        return nargs ? hw_usage_error(&hw_cmd_verify, "--audit takes no BUNDLE")
                     : hw_cmd_verify_audit(ctx);
    return hw_cmd_not_implemented(ctx, argc, argv);
}

const struct hw_command hw_cmd_verify = {
    .name = "verify",
    .summary = "Verify a signed evidence bundle.",
    .synopsis = "BUNDLE | --audit",
    .description = "Not implemented yet.",
    .options = options,
    .run = run,
    .needs_config = 0,
};
