/*
 * main.c - hubwarden's entry point: global options, the command table and
 * dispatch.
 *
 *   hubwarden [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]
 *
 * Global options may stand before or after the command.  Each command is
 * one file in src/cmd/ exporting a struct hw_command; adding one is that
 * file plus one row below.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "util/util.h"

const struct hw_command *const hw_commands[] = {
    &hw_cmd_scan,     &hw_cmd_import,  &hw_cmd_findings, &hw_cmd_compliance,
    &hw_cmd_controls,
    &hw_cmd_remediate, &hw_cmd_approve, &hw_cmd_exempt,  &hw_cmd_report,
    &hw_cmd_verify,   &hw_cmd_gate,    &hw_cmd_run,      &hw_cmd_keygen,
    &hw_cmd_iam_policy, &hw_cmd_prune, &hw_cmd_version, &hw_cmd_help, NULL,
};

const struct hw_command *hw_find_command(const char *name)
{
    for (size_t i = 0; hw_commands[i]; i++)
        if (strcmp(hw_commands[i]->name, name) == 0)
            return hw_commands[i];
    return NULL;
}

struct globals {
    const char *config;
    const char *db;
    const char *log_format;
    const char *region;
    int verbose;
    int quiet;
    int help;
    int version;
};

static int take_value(int argc, char **argv, int *i, const char *name,
                      const char **out)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) == 0 && a[n] == '=') {
        *out = a + n + 1;
        return 1;
    }
    if (strcmp(a, name) != 0)
        return 0;
    if (*i + 1 >= argc) {
        hw_usage_error(NULL, "%s needs a value", name);
        return -1;
    }
    *out = argv[++*i];
    return 1;
}

/* 1 when cmd declares the long option a ("--name" or "--name=value"):
 * after the command its own option wins over a global of the same name
 * (findings --region filters, the global --region picks the AWS region). */
static int own_option(const struct hw_command *cmd, const char *a)
{
    if (!cmd || strncmp(a, "--", 2) != 0)
        return 0;
    size_t n = strcspn(a + 2, "=");
    for (const struct hw_option *o = cmd->options; o && o->type != HW_OPT_END; o++)
        if (strlen(o->long_name) == n && strncmp(o->long_name, a + 2, n) == 0)
            return 1;
    return 0;
}

/* Removes the global options from argv (in place); returns the new argc or
 * -1 after a usage error. */
static int strip_globals(int argc, char **argv, struct globals *g)
{
    int out = 1;
    int seen_command = 0;
    const struct hw_command *cmd = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int r;
        if (strcmp(a, "--") == 0) {
            while (i < argc)
                argv[out++] = argv[i++];
            break;
        }
        if (own_option(cmd, a)) {
            argv[out++] = argv[i];
            continue;
        }
        if ((r = take_value(argc, argv, &i, "--config", &g->config)) != 0 ||
            (r = take_value(argc, argv, &i, "--db", &g->db)) != 0 ||
            (r = take_value(argc, argv, &i, "--log-format", &g->log_format)) != 0 ||
            (r = take_value(argc, argv, &i, "--region", &g->region)) != 0) {
            if (r < 0)
                return -1;
            continue;
        }
        if (strcmp(a, "--verbose") == 0) {
            g->verbose++;
            continue;
        }
        if (a[0] == '-' && a[1] == 'v' && a[strspn(a + 1, "v") + 1] == '\0') {
            g->verbose += (int)strlen(a) - 1; /* -v, -vv */
            continue;
        }
        if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            g->quiet = 1;
            continue;
        }
        if (!seen_command && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
            g->help = 1;
            continue;
        }
        if (!seen_command && strcmp(a, "--version") == 0) {
            g->version = 1;
            continue;
        }
        if (!seen_command && a[0] == '-') {
            hw_usage_error(NULL, "unknown option '%s'", a);
            return -1;
        }
        if (!seen_command)
            cmd = hw_find_command(a);
        seen_command = 1;
        argv[out++] = argv[i];
    }
    argv[out] = NULL;
    return out;
}

/*
 * At exit: results that could not be written are an error, not a success
 * (`hubwarden import >/dev/full` must not exit 0).  stdout is flushed and
 * closed here, as gnulib's close_stdout does; a failure is reported and
 * turns the exit status into 4 whatever the command returned.
 */
static void close_stdout(void)
{
    errno = 0;
    int flush_failed = fflush(stdout) != 0;
    int err = flush_failed ? errno : 0; /* else a write failed before */
    int bad = flush_failed || ferror(stdout);
    if (fclose(stdout) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        hw_error("cannot write the results to standard output: %s",
                 err ? strerror(err) : "a write failed");
        fflush(stderr);
        _exit(HW_EXIT_INTERNAL);
    }
}

int main(int argc, char **argv)
{
    atexit(close_stdout);
    struct globals g = { 0 };
    argc = strip_globals(argc, argv, &g);
    if (argc < 0)
        return HW_EXIT_USAGE;

    int level = HW_LOG_INFO + g.verbose;
    if (g.quiet)
        level = HW_LOG_WARN;
    if (level > HW_LOG_TRACE)
        level = HW_LOG_TRACE;
    int json = 0;
    if (g.log_format) {
        if (strcmp(g.log_format, "json") == 0)
            json = 1;
        else if (strcmp(g.log_format, "text") != 0)
            return hw_usage_error(NULL, "--log-format: expected \"text\" or \"json\", got '%s'",
                                  g.log_format);
    }
    hw_log_init(level, json);
    if (g.region && !hw_region_name_valid(g.region, strlen(g.region))) {
        /* checked as aws.region is; printed escaped by the log */
        return hw_usage_error(NULL, "--region: \"%s\" is not a region name (like \"us-east-1\")",
                              g.region);
    }

    if (g.version)
        return hw_cmd_version.run(NULL, 1, (char *[]){ "version", NULL });
    if (g.help || argc < 2) {
        char *hargv[] = { "help", NULL };
        int rc = hw_cmd_help.run(NULL, 1, hargv);
        return argc < 2 && !g.help ? HW_EXIT_USAGE : rc;
    }

    const struct hw_command *cmd = hw_find_command(argv[1]);
    if (!cmd)
        return hw_usage_error(NULL, "'%s' is not a hubwarden command", argv[1]);

    hw_ctx ctx = { 0 };
    ctx.config_path = g.config;
    ctx.region = g.region;
    ctx.verbosity = g.quiet ? -1 : g.verbose;
    hw_err e;
    hw_err_clear(&e);
    if (cmd->needs_config) {
        /* --help must work without a valid configuration */
        for (int i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--") == 0)
                break;
            if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                hw_print_usage(stdout, cmd);
                return HW_EXIT_OK;
            }
        }
        if (hw_config_load(g.config, &ctx.config, &e) != HW_OK) {
            hw_error("%s", e.msg);
            return HW_EXIT_USAGE;
        }
        if (!g.log_format && strcmp(ctx.config->log_format, "json") == 0)
            hw_log_init(level, 1);
        ctx.db_path = g.db ? g.db : ctx.config->db;
        if (hw_cmd_check_config(&ctx, &e) != HW_OK) {
            hw_error("%s", e.msg);
            hw_config_free(ctx.config);
            return HW_EXIT_USAGE;
        }
    } else {
        ctx.db_path = g.db;
    }
    int rc = cmd->run(&ctx, argc - 1, argv + 1);
    hw_config_free(ctx.config);
    hw_log_clear_secrets();
    return rc;
}
