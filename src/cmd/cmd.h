/*
 * cmd.h - the command layer: the command table, options declared as data,
 * and the context every command receives.
 *
 * Each command lives in src/cmd/<name>.c and exports one `const struct
 * hw_command hw_cmd_<name>`; src/main.c lists them in its table.  A
 * command's options are an array of struct hw_option beside it; its usage
 * text is generated from that array, so `hubwarden help CMD`, `CMD --help`
 * and the man page (checked by tests/integration/test_cli.sh) agree.
 *
 * Commands are the only code (with main.c) that decides exit codes.
 */
#ifndef HW_CMD_H
#define HW_CMD_H

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "config/config.h"
#include "util/util.h"

enum hw_opt_type {
    HW_OPT_END = 0,
    HW_OPT_FLAG,   /* int *: set to 1 */
    HW_OPT_STRING, /* const char **: the argument (borrowed from argv) */
    HW_OPT_INT,    /* int *: a decimal integer */
    HW_OPT_LIST    /* struct hw_strlist *: repeatable */
};

struct hw_strlist {
    const char **items; /* borrowed from argv; the array is malloc'd */
    size_t n;
};

struct hw_option {
    const char *long_name; /* without "--" */
    char short_name;       /* 0 when none */
    enum hw_opt_type type;
    void *value;
    const char *argname; /* e.g. "FILE" for string options */
    const char *help;
};

/* Global state handed to every command. */
typedef struct hw_ctx {
    hw_config *config;       /* loaded configuration (owned by main) */
    const char *config_path; /* --config, or NULL */
    const char *db_path;     /* --db, else config db */
    const char *region;      /* --region, or NULL */
    int verbosity;           /* -1 quiet, 0 normal, 1+ verbose */
} hw_ctx;

struct hw_command {
    const char *name;
    const char *summary;  /* one line for `hubwarden help` */
    const char *synopsis; /* arguments after the options, e.g. "FILE..." */
    const char *description;
    const struct hw_option *options; /* terminated by HW_OPT_END */
    int (*run)(hw_ctx *ctx, int argc, char **argv);
    int needs_config; /* load the configuration before run() */
};

/*
 * Parses argv (argv[0] is the command name) against opts.  Positional
 * arguments are collected into *args / *nargs (a malloc'd array of borrowed
 * pointers; free() it).  "--" ends options.  Returns 0; 1 when --help was
 * given (usage already printed to stdout); 2 on a usage error (one line on
 * stderr already printed).
 */
int hw_parse_options(const struct hw_command *cmd, int argc, char **argv,
                     char ***args, int *nargs);
/* Prints the usage of cmd, generated from its option table. */
void hw_print_usage(FILE *f, const struct hw_command *cmd);
/* One usage-error line on stderr: "hubwarden CMD: MSG (see 'hubwarden help CMD')". */
int hw_usage_error(const struct hw_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints an error (kind + message) and returns its exit code. */
int hw_cmd_fail(const hw_err *e);

/* The table, in src/main.c. */
extern const struct hw_command *const hw_commands[];
const struct hw_command *hw_find_command(const char *name);

/* Commands not built yet: "not implemented yet", exit 2. */
int hw_cmd_not_implemented(hw_ctx *ctx, int argc, char **argv);

/*
 * Result output shared by the query commands: a text table, CSV or a JSON
 * array, safe for hostile text (output.c).  hw_out_init(), hw_out_header(),
 * hw_out_row() per row (cells for table/CSV; a cJSON object for JSON, which
 * hw_out takes over), hw_out_finish() (-1 when stdout failed).
 */
enum hw_out_format { HW_OUT_TABLE = 0, HW_OUT_CSV, HW_OUT_JSON };

typedef struct hw_out {
    FILE *f;
    int format;
    const char *const *columns;
    const int *widths; /* table column widths in characters */
    size_t ncolumns;
    cJSON *array;
    size_t rows;
} hw_out;

void hw_out_init(hw_out *o, FILE *f, int format, const char *const *columns,
                 const int *widths, size_t ncolumns);
void hw_out_header(hw_out *o);
void hw_out_row(hw_out *o, const char *const *cells, cJSON *json);
int hw_out_finish(hw_out *o);

/* Shared steps (common.c). */
struct hw_store;
struct hw_eval_summary;
struct hw_aws_options;
struct hw_aws_endpoint_override;
/* The controls folder: config controls_dir, else the catalogue's default. */
const char *hw_cmd_controls_dir(const hw_ctx *ctx);
/* An installed data file (rel: "reports/report.xsd"): beside the controls
 * folder, else in the working directory, else under HW_DATADIR; filled into
 * buf (cmd/report.c). */
const char *hw_cmd_data_file(const hw_ctx *ctx, const char *rel, char *buf, size_t n);
/* Syncs the catalogue into the store and evaluates run_id's requirements
 * per account; *sums (malloc'd) per framework. */
struct hw_catalog;
int hw_cmd_evaluate(const struct hw_catalog *cat, struct hw_store *st, const char *run_id,
                    struct hw_eval_summary **sums, size_t *nsums, hw_err *e);
/* AWS client options from the configuration and --region. */
void hw_cmd_aws_options(const hw_ctx *ctx, struct hw_aws_options *o,
                        struct hw_aws_endpoint_override *ov, size_t maxov, const char *session);

#define HW_DECLARE_COMMAND(n) extern const struct hw_command hw_cmd_##n
HW_DECLARE_COMMAND(scan);
HW_DECLARE_COMMAND(import);
HW_DECLARE_COMMAND(findings);
HW_DECLARE_COMMAND(controls);
HW_DECLARE_COMMAND(remediate);
HW_DECLARE_COMMAND(approve);
HW_DECLARE_COMMAND(exempt);
HW_DECLARE_COMMAND(report);
HW_DECLARE_COMMAND(verify);
HW_DECLARE_COMMAND(gate);
HW_DECLARE_COMMAND(run);
HW_DECLARE_COMMAND(keygen);
HW_DECLARE_COMMAND(version);
HW_DECLARE_COMMAND(help);

#endif
