/*
 * help.c - `hubwarden help [COMMAND]`: the list of commands, or one
 * command's usage (generated from its option table).
 */
#include <string.h>

#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

static void print_overview(FILE *f)
{
    fprintf(f, "usage: hubwarden [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
               "Compliance-focused remediation auditor for AWS Security Hub.\n\n"
               "Commands:\n");
    for (size_t i = 0; hw_commands[i]; i++)
        fprintf(f, "  %-10s %s\n", hw_commands[i]->name, hw_commands[i]->summary);
    fprintf(f, "\nGlobal options:\n"
               "  --config FILE         configuration (default $HUBWARDEN_CONFIG, then\n"
               "                        /etc/hubwarden/hubwarden.json, else built-in defaults)\n"
               "  --db FILE             evidence store (default from config, else ./hubwarden.db)\n"
               "  --region REGION       AWS home region\n"
               "  --log-format FORMAT   text or json\n"
               "  -v, --verbose         more diagnostics (repeat for more)\n"
               "  -q, --quiet           warnings and errors only\n"
               "  --help                this text; 'hubwarden help COMMAND' for one command\n"
               "  --version             print the version\n"
               "\nExit codes: 0 success; 1 gate failed or findings demand attention;\n"
               "2 usage or configuration error; 3 partial failure; 4 internal error.\n");
}

static int run(hw_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_help, argc, argv, &args, &nargs);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    int rc = HW_EXIT_OK;
    if (nargs == 0) {
        print_overview(stdout);
    } else if (nargs == 1 && strcmp(args[0], "config") == 0) {
        /* key <TAB> type <TAB> default <TAB> meaning */
        hw_config_print_reference(stdout);
    } else if (nargs == 1) {
        const struct hw_command *cmd = hw_find_command(args[0]);
        if (cmd)
            hw_print_usage(stdout, cmd);
        else
            rc = hw_usage_error(NULL, "'%s' is not a hubwarden command", args[0]);
    } else {
        rc = hw_usage_error(&hw_cmd_help, "takes at most one command name");
    }
    free(args);
    return rc;
}

const struct hw_command hw_cmd_help = {
    .name = "help",
    .summary = "Show the commands, or one command's usage.",
    .synopsis = "[COMMAND | config]",
    .description = "'hubwarden help config' lists every configuration key: path, type,\n"
                   "default and meaning, tab-separated.",
    .options = options,
    .run = run,
    .needs_config = 0,
};
