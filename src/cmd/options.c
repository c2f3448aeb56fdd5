/*
 * options.c - parses command options declared as data (struct hw_option)
 * and generates usage text from the same tables.
 */
#include "cmd/cmd.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int hw_usage_error(const struct hw_command *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "hubwarden%s%s: ", cmd ? " " : "", cmd ? cmd->name : "");
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmd)
        fprintf(stderr, " (see 'hubwarden help %s')\n", cmd->name);
    else
        fprintf(stderr, " (see 'hubwarden help')\n");
    return HW_EXIT_USAGE;
}

int hw_parse_results_command(const struct hw_command *cmd, int argc, char **argv,
                             const char *const *output, const int *json, unsigned can,
                             int *format)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(cmd, argc, argv, &args, &nargs);
    free(args);
    if (r)
        return r;
    if (nargs)
        return hw_usage_error(cmd, "takes no arguments");
    /* the option table's --output and --json are read once parsed */
    return hw_out_format_parse(cmd, *output, *json, can, format) ? HW_EXIT_USAGE : 0;
}

int hw_cmd_fail(const hw_err *e)
{
    hw_error("%s", e->msg[0] ? e->msg : hw_errkind_name(e->kind));
    return hw_exit_code(e->kind);
}

static const struct hw_option *find_long(const struct hw_option *o, const char *name,
                                         size_t n)
{
    for (; o && o->type != HW_OPT_END; o++)
        if (strlen(o->long_name) == n && strncmp(o->long_name, name, n) == 0)
            return o;
    return NULL;
}

static const struct hw_option *find_short(const struct hw_option *o, char c)
{
    for (; o && o->type != HW_OPT_END; o++)
        if (o->short_name && o->short_name == c)
            return o;
    return NULL;
}

static int set_value(const struct hw_command *cmd, const struct hw_option *o,
                     const char *arg)
{
    switch (o->type) {
    case HW_OPT_FLAG:
        *(int *)o->value = 1;
        return 0;
    case HW_OPT_STRING:
        *(const char **)o->value = arg;
        return 0;
    case HW_OPT_INT: {
        char *end;
        errno = 0;
        long v = strtol(arg, &end, 10);
        if (errno || *end || end == arg || v < INT_MIN || v > INT_MAX)
            return hw_usage_error(cmd, "--%s: expected an integer, got '%s'", o->long_name,
                                  arg);
        *(int *)o->value = (int)v;
        return 0;
    }
    case HW_OPT_LIST: {
        struct hw_strlist *l = o->value;
        const char **n = realloc(l->items, (l->n + 1) * sizeof *n);
        if (!n)
            return hw_usage_error(cmd, "out of memory");
        n[l->n++] = arg;
        l->items = n;
        return 0;
    }
    case HW_OPT_END:
        break;
    }
    return 0;
}

int hw_parse_options(const struct hw_command *cmd, int argc, char **argv,
                     char ***args, int *nargs)
{
    char **pos = calloc((size_t)argc + 1, sizeof *pos);
    int npos = 0;
    if (!pos)
        return hw_usage_error(cmd, "out of memory");
    int only_args = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (only_args || a[0] != '-' || strcmp(a, "-") == 0) {
            pos[npos++] = argv[i];
            continue;
        }
        if (strcmp(a, "--") == 0) {
            only_args = 1;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            hw_print_usage(stdout, cmd);
            free(pos);
            return 1;
        }
        const struct hw_option *o;
        const char *inline_arg = NULL;
        if (a[1] == '-') {
            const char *name = a + 2;
            const char *eq = strchr(name, '=');
            size_t n = eq ? (size_t)(eq - name) : strlen(name);
            o = find_long(cmd->options, name, n);
            if (!o) {
                free(pos);
                return hw_usage_error(cmd, "unknown option '--%.*s'", (int)n, name);
            }
            if (eq)
                inline_arg = eq + 1;
        } else {
            o = a[2] ? NULL : find_short(cmd->options, a[1]);
            if (!o) {
                free(pos);
                return hw_usage_error(cmd, "unknown option '%s'", a);
            }
        }
        if (o->type == HW_OPT_FLAG) {
            if (inline_arg) {
                free(pos);
                return hw_usage_error(cmd, "--%s takes no value", o->long_name);
            }
            set_value(cmd, o, NULL);
            continue;
        }
        const char *arg = inline_arg;
        if (!arg) {
            if (i + 1 >= argc) {
                free(pos);
                return hw_usage_error(cmd, "--%s needs a value (%s)", o->long_name,
                                      o->argname ? o->argname : "VALUE");
            }
            arg = argv[++i];
        }
        if (set_value(cmd, o, arg) != 0) {
            free(pos);
            return 2;
        }
    }
    *args = pos;
    *nargs = npos;
    return 0;
}

void hw_print_usage(FILE *f, const struct hw_command *cmd)
{
    fprintf(f, "usage: hubwarden %s%s%s%s\n", cmd->name,
            cmd->options && cmd->options->type != HW_OPT_END ? " [OPTIONS]" : "",
            cmd->synopsis && *cmd->synopsis ? " " : "", cmd->synopsis ? cmd->synopsis : "");
    fprintf(f, "\n%s\n", cmd->summary);
    if (cmd->description && *cmd->description)
        fprintf(f, "\n%s\n", cmd->description);
    if (!cmd->options || cmd->options->type == HW_OPT_END)
        return;
    fprintf(f, "\nOptions:\n");
    for (const struct hw_option *o = cmd->options; o->type != HW_OPT_END; o++) {
        char left[64];
        const char *argn = o->type == HW_OPT_FLAG ? "" : (o->argname ? o->argname : "VALUE");
        if (o->short_name)
            snprintf(left, sizeof left, "-%c, --%s%s%s", o->short_name, o->long_name,
                     *argn ? " " : "", argn);
        else
            snprintf(left, sizeof left, "    --%s%s%s", o->long_name, *argn ? " " : "", argn);
        fprintf(f, "  %-28s %s\n", left, o->help);
    }
}

int hw_cmd_not_implemented(hw_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    const struct hw_command *cmd = hw_find_command(argv[0]);
    char **args = NULL;
    int nargs = 0;
    int r = cmd ? hw_parse_options(cmd, argc, argv, &args, &nargs) : 0;
    free(args);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    fprintf(stderr, "hubwarden %s: not implemented yet\n", argv[0]);
    return HW_EXIT_USAGE;
}
