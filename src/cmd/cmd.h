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
/* For a command that takes no arguments and prints results in one of the
 * formats `can` (HW_OUT_CAN bits): parses argv, then --output (*output)
 * and --json (*json), the variables of its option table.  0 and *format set; 1 when
 * --help printed the usage; 2 on a usage error (printed). */
int hw_parse_results_command(const struct hw_command *cmd, int argc, char **argv,
                             const char *const *output, const int *json, unsigned can,
                             int *format);
/* Prints the usage of cmd, generated from its option table. */
void hw_print_usage(FILE *f, const struct hw_command *cmd);
/* One usage-error line on stderr: "hubwarden CMD: MSG (see 'hubwarden help CMD')". */
int hw_usage_error(const struct hw_command *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * -q, the same in every command: stderr carries only warnings and errors
 * (main.c sets the log level), and the commands a job runs unattended
 * (scan, import, prune, run) print no table summary when they succeed, so
 * that cron mails only failures.  A summary asked for with --output/--json
 * is always printed; results of queries (findings, compliance, gate, ...)
 * are what was asked for and always printed.  hw_cmd_summary_wanted()
 * says whether a job command prints its table summary: not under -q when
 * succeeded is non-zero (a partial or failed run still prints it).
 */
static inline int hw_cmd_quiet(const hw_ctx *ctx)
{
    return ctx && ctx->verbosity < 0;
}
static inline int hw_cmd_summary_wanted(const hw_ctx *ctx, int succeeded)
{
    return !(hw_cmd_quiet(ctx) && succeeded);
}
/* Prints an error (kind + message) and returns its exit code. */
int hw_cmd_fail(const hw_err *e);

/* The table, in src/main.c. */
extern const struct hw_command *const hw_commands[];
const struct hw_command *hw_find_command(const char *name);

/* Commands not built yet: "not implemented yet", exit 2. */
int hw_cmd_not_implemented(hw_ctx *ctx, int argc, char **argv);

/*
 * Results (output.c): one switch for every command that prints them,
 * --output table|json|jsonl|csv (--json: the same as --output json).  A
 * command lists its fields once (struct hw_out_col); the table header, the
 * CSV header and the JSON keys all come from that list, so the names agree
 * in every format.  Rows are written as they come (JSON too), so memory
 * stays flat in the number of rows.
 */
enum hw_out_format { HW_OUT_TABLE = 0, HW_OUT_CSV, HW_OUT_JSON, HW_OUT_JSONL };
#define HW_OUT_CAN(f) (1u << (f))
#define HW_OUT_ANY (HW_OUT_CAN(HW_OUT_TABLE) | HW_OUT_CAN(HW_OUT_CSV) | \
                    HW_OUT_CAN(HW_OUT_JSON) | HW_OUT_CAN(HW_OUT_JSONL))
#define HW_OUT_MAXCOLS 32

/* How a cell's text becomes JSON. */
enum hw_col_kind {
    HW_COL_TEXT = 0, /* a string */
    HW_COL_NULLABLE, /* a string; "" is null */
    HW_COL_BOOL,     /* "true" / "false" */
    HW_COL_NUMBER,   /* decimal digits, maybe a fraction ("0.75"); "" is null */
    HW_COL_JSON      /* JSON text written by the store (JSON formats only) */
};
/* Table flags. */
#define HW_COL_NARROW 1 /* shown in the default table (all are with --wide) */
#define HW_COL_TAIL 2   /* cut at the start: the end is the part that differs */
#define HW_COL_FILL 4   /* takes the terminal width the others leave */

typedef struct hw_out_col {
    const char *name; /* the field name, in every format */
    int kind;         /* enum hw_col_kind */
    int width;        /* table width in characters (at least the name's) */
    int flags;
    int drop;         /* narrow terminal: columns with a higher drop go first,
                         then the rightmost ones (0) */
} hw_out_col;

typedef struct hw_out {
    FILE *f;
    int format;
    const hw_out_col *cols;
    size_t ncols;
    int wide;
    int width[HW_OUT_MAXCOLS];
    unsigned char shown[HW_OUT_MAXCOLS];
    size_t rows;
} hw_out;

/* Reads --output / --json against the formats a command can print (can:
 * HW_OUT_CAN bits): 0 and *format set, or a usage error printed (exit 2). */
int hw_out_format_parse(const struct hw_command *cmd, const char *output, int json_flag,
                        unsigned can, int *format);
const char *hw_out_format_name(int format);
/* COLUMNS, else the terminal's width, else 120. */
int hw_out_terminal_width(FILE *f);
/* hw_out_init(), hw_out_header(), hw_out_row() per row (one cell per
 * column, borrowed), hw_out_finish() (-1 when writing failed). */
void hw_out_init(hw_out *o, FILE *f, int format, const hw_out_col *cols, size_t ncols, int wide);
void hw_out_header(hw_out *o);
void hw_out_row(hw_out *o, const char *const *cells);
int hw_out_finish(hw_out *o);
/* One JSON document (json: indented; jsonl: one line); takes j. */
int hw_out_document(FILE *f, int format, cJSON *j);
/* For a terminal: JSON text with C1 and other control characters escaped
 * as \u00XX (valid inside JSON strings, where they can only be); plain
 * text with control characters shown as '?'. */
void hw_out_terminal_json(FILE *f, const char *text);
void hw_out_terminal_text(FILE *f, const char *s);
/* A JSON string literal, escaped. */
void hw_out_json_string(FILE *f, const char *s);

/* The --output and --json rows of a command's option table. */
#define HW_OUTPUT_OPTIONS(output, json)                                                     \
    { "output", 'o', HW_OPT_STRING, &(output), "FORMAT", "table, json, jsonl or csv" },      \
    { "json", 0, HW_OPT_FLAG, &(json), NULL, "the same as --output json" }

/* The nearest of n candidates to v by edit distance (case-insensitive), or
 * NULL when none is close (common.c). */
const char *hw_nearest(const char *v, const char *const *cands, size_t n);

/* Filter values (filters.c), shared by `findings` and `gate`. */
typedef struct hw_vlist { /* a growable list of owned strings */
    char **v;
    size_t n;
} hw_vlist;
/* Appends the first n bytes of s (a copy): 0, or -1 when out of memory. */
int hw_vlist_add(hw_vlist *l, const char *s, size_t n);
int hw_vlist_has(const hw_vlist *l, const char *s);
void hw_vlist_free(hw_vlist *l);
/* As a store callback: adds v (a hw_vlist *arg) unless it is there. */
int hw_vlist_add_cb(void *arg, const char *v);
/* Repeated options and comma lists into one list (empty items dropped):
 * 0, or -1 when out of memory. */
int hw_filter_split(const struct hw_strlist *in, hw_vlist *out);
/* Replaces every value of l by the known value it names (any case), else
 * prints a usage error of cmd naming the nearest one ("--OPT: no WHAT 'v'
 * (nearest: k)") and returns 2. */
int hw_filter_canonical(const struct hw_command *cmd, const char *opt, const char *what,
                        hw_vlist *l, const char *const *known, size_t nknown);
struct hw_store;
/* Accounts by id or Organization name (any case) into ids, the same way. */
int hw_filter_accounts(const struct hw_command *cmd, struct hw_store *s, hw_vlist *l, hw_err *e);
/* Values of one finding field of the store ("region", "control",
 * "product"), with extra known values beside them, the same way. */
int hw_filter_field(const struct hw_command *cmd, struct hw_store *s, const char *field,
                    const char *opt, const char *what, hw_vlist *l, const hw_vlist *extra,
                    hw_err *e);

/* Shared steps (common.c). */
/* Cells: the resource ids of a stored JSON array, space-separated
 * (malloc'd; free()); a time in epoch ms as ISO 8601 ("" when none). */
char *hw_join_resources(const char *json);
void hw_time_cell(int64_t ms, char out[32]);

/* Shared steps (common.c). */
struct hw_eval_summary;
struct hw_aws_options;
struct hw_aws_endpoint_override;
/* The controls folder: config controls_dir, else the catalogue's default. */
const char *hw_cmd_controls_dir(const hw_ctx *ctx);
/* The configuration checks that need the catalogue (remediation.controls
 * naming known controls), at load time; HW_EINVAL naming the key. */
int hw_cmd_check_config(const hw_ctx *ctx, hw_err *e);
/* An installed data file (rel: "reports/report.xsd"): beside the controls
 * folder in use, else under HW_DATADIR, never in the working directory;
 * filled into buf (cmd/report.c). */
const char *hw_cmd_data_file(const hw_ctx *ctx, const char *rel, char *buf, size_t n);
/* Syncs the catalogue into the store and evaluates run_id's requirements
 * per account (infer_na: evaluation.infer_not_applicable); *sums
 * (malloc'd) per framework. */
struct hw_catalog;
int hw_cmd_evaluate(const struct hw_catalog *cat, struct hw_store *st, const char *run_id,
                    int infer_na, struct hw_eval_summary **sums, size_t *nsums, hw_err *e);
/* Pulls the findings into run_id (scan.c): the scan options from the
 * configuration and --region, incremental unless full_scan, then the
 * resource inventory when evaluation.config_aggregator is set (its
 * failure only warns).  The result of hw_scan_run(). */
struct hw_scan_result;
int hw_cmd_scan_pull(hw_ctx *ctx, const struct hw_catalog *cat, struct hw_store *st,
                     const char *run_id, int full_scan, struct hw_scan_result *res, hw_err *e);
/* Ends scan run_id (scan.c): status "failed" when rc is an error,
 * "partial" when sources failed or findings were skipped or damaged, else
 * "ok" (*status, static); its summary (returned, malloc'd JSON) and a
 * "scan.finished" audit entry (a store error is logged). */
char *hw_cmd_scan_finish(struct hw_store *st, const char *run_id, int rc,
                         const struct hw_scan_result *res, const char **status);
/* Starts a run of kind and records the catalogue it uses (folder and
 * SHA-256, also into sha256 unless NULL; a hash that cannot be computed is
 * logged and left out: ""). */
int hw_cmd_run_begin(const hw_ctx *ctx, struct hw_store *st, const char *kind, char run_id[64],
                     char sha256[65], hw_err *e);
/* One remediation action as JSON (remediate --json, run --json and the
 * notifications): id, plan, account, region, control, action, resource,
 * mode, state, disruptive, reason (when any), calls, before and after
 * (when recorded), finding.  Caller frees. */
struct hw_action_row;
cJSON *hw_cmd_action_json(const struct hw_action_row *a);
/* Who acts: $USER, else "hubwarden" (audit entries, approvals). */
const char *hw_cmd_actor(void);
/* Logs every exception that expired since the last look (audit entries
 * "exception.expired", one transaction) and warns how many. */
int hw_cmd_exceptions_expire(struct hw_store *st, const char *run_id, hw_err *e);
/* The same, with how many expired in *n. */
int hw_cmd_exceptions_expire_n(struct hw_store *st, const char *run_id, int *n, hw_err *e);
/* Anchors the audit log's head in run_id's row (after the run's last
 * audit entry) and fills line with "audit head: SEQ HASH" for the run's
 * summary ("" when the log is empty; an error is logged, not returned). */
void hw_cmd_audit_anchor(struct hw_store *st, const char *run_id, char line[128]);
/* AWS client options from the configuration and --region. */
void hw_cmd_aws_options(const hw_ctx *ctx, struct hw_aws_options *o,
                        struct hw_aws_endpoint_override *ov, size_t maxov, const char *session);

/* The gate with its defaults (CRITICAL controls and above, --max-age 36)
 * over an open store, for `hubwarden run` (gate.c).  junit: also write
 * that JUnit file (NULL: none).  Table format: the gate's table and
 * summary go to `table` (NULL: nothing printed); JSON formats: r->json
 * gets the gate's document (caller frees).  0, or an exit status with the
 * error printed. */
typedef struct hw_cmd_gate_result {
    int exit_status;    /* the gate's: 0 passed, 1 failed, 2 stale */
    const char *result; /* "passed", "failed" or "stale" (static) */
    size_t blocking, accounts_blocking;
    char stale[256];    /* why the evidence is stale, or "" */
    cJSON *json;
} hw_cmd_gate_result;
int hw_cmd_gate_summary(hw_ctx *ctx, const struct hw_catalog *cat, struct hw_store *st,
                        const char *junit, int format, FILE *table, hw_cmd_gate_result *r);

/* `hubwarden verify --audit` (verify_audit.c): the audit log's chain and
 * its run anchors; exit 0 intact, 1 naming the first bad entry. */
int hw_cmd_verify_audit(hw_ctx *ctx);

#define HW_DECLARE_COMMAND(n) extern const struct hw_command hw_cmd_##n
HW_DECLARE_COMMAND(scan);
HW_DECLARE_COMMAND(import);
HW_DECLARE_COMMAND(findings);
HW_DECLARE_COMMAND(compliance);
HW_DECLARE_COMMAND(controls);
HW_DECLARE_COMMAND(remediate);
HW_DECLARE_COMMAND(approve);
HW_DECLARE_COMMAND(exempt);
HW_DECLARE_COMMAND(report);
HW_DECLARE_COMMAND(verify);
HW_DECLARE_COMMAND(gate);
HW_DECLARE_COMMAND(run);
HW_DECLARE_COMMAND(prune);
HW_DECLARE_COMMAND(keygen);
HW_DECLARE_COMMAND(iam_policy);
HW_DECLARE_COMMAND(version);
HW_DECLARE_COMMAND(help);

#endif
