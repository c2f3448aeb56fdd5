/*
 * help.c - `hubwarden help [COMMAND]`: the list of commands, or one
 * command's usage (generated from its option table).
 */
#include <string.h>

#include "cmd/cmd.h"

static const char *output;
static int as_json;

static const struct hw_option options[] = {
    HW_OUTPUT_OPTIONS(output, as_json),
    { 0 },
};

/* `help config`: every configuration key, from the table the loader uses. */
static int print_config(int format)
{
    if (format == HW_OUT_TABLE) {
        /* key <TAB> type <TAB> default <TAB> meaning */
        hw_config_print_reference(stdout);
        return fflush(stdout) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
    }
    static const hw_out_col cols[] = {
        { "key", HW_COL_TEXT, 30, 0, 0 },
        { "type", HW_COL_TEXT, 16, 0, 0 },
        { "default", HW_COL_TEXT, 16, 0, 0 },
        { "meaning", HW_COL_TEXT, 40, 0, 0 },
    };
    hw_out o;
    hw_out_init(&o, stdout, format, cols, HW_ARRAY_LEN(cols), 0);
    hw_out_header(&o);
    const char *cells[4];
    for (size_t i = 0; hw_config_reference(i, &cells[0], &cells[1], &cells[2], &cells[3]); i++)
        hw_out_row(&o, cells);
    return hw_out_finish(&o) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
}

static void print_overview(FILE *f)
{
    fprintf(f, "usage: hubwarden [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n\n"
               "Compliance-focused remediation auditor for AWS Security Hub.\n\n"
               "Commands:\n");
    for (size_t i = 0; hw_commands[i]; i++)
        fprintf(f, "  %-11s %s%s\n", hw_commands[i]->name, hw_commands[i]->summary,
                hw_commands[i]->run == hw_cmd_not_implemented ? " (not implemented yet)" : "");
    fprintf(f, "\nGlobal options:\n"
               "  --config FILE         configuration (default $HUBWARDEN_CONFIG, then\n"
               "                        /etc/hubwarden/hubwarden.json, else built-in defaults)\n"
               "  --db FILE             evidence store (default from config, else ./hubwarden.db)\n"
               "  --region REGION       AWS home region\n"
               "  --log-format FORMAT   text or json\n"
               "  -v, --verbose         also retries, timings and decisions, with account and region\n"
               "  -vv                   also one line per AWS request (operation, account, region,\n"
               "                        HTTP status, attempts, ms; never a secret)\n"
               "  -q, --quiet           warnings and errors only; scan, import, prune and run print\n"
               "                        nothing on success (cron mails only failures)\n"
               "  --help                this text; 'hubwarden help COMMAND' for one command\n"
               "  --version             print the version\n"
               "\nExit codes: 0 success; 1 the gate failed; 2 usage or configuration error;\n"
               "3 partial failure; 4 internal error; 5 AWS refused or could not be reached.\n"
               "'hubwarden help config' lists every configuration key.\n");
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
    int config = nargs == 1 && strcmp(args[0], "config") == 0;
    int format = HW_OUT_TABLE;
    if ((output || as_json) &&
        hw_out_format_parse(&hw_cmd_help, output, as_json,
                            config ? HW_OUT_ANY : HW_OUT_CAN(HW_OUT_TABLE), &format)) {
        free(args);
        return HW_EXIT_USAGE;
    }
    if (nargs == 0) {
        print_overview(stdout);
    } else if (config) {
        rc = print_config(format);
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
                   "default and meaning, tab-separated (--output json, jsonl or csv: the fields\n"
                   "key, type, default and meaning).",
    .options = options,
    .run = run,
    .needs_config = 0,
};
