/*
 * util.h - the bottom layer of hubwarden: errors, bounded buffers, logging,
 * time and file helpers.  Every other module may include this header; it
 * includes nothing of hubwarden's.
 *
 * Ownership rule, once for the whole code base: a function that returns a
 * pointer says in its comment who frees it and with which function; a
 * pointer that is not so documented is borrowed and lives as long as the
 * object it came from.
 */
#ifndef HW_UTIL_H
#define HW_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* ---------------------------------------------------------------- errors */

/*
 * Error kinds.  Functions that can fail return one of these (0 on success)
 * and fill a caller-supplied hw_err with a message fit for the user.  The
 * command layer maps kinds to process exit codes (see hw_exit_code()).
 */
enum hw_errkind {
    HW_OK = 0,
    HW_EINVAL,   /* bad input: usage, configuration, a malformed file */
    HW_EIO,      /* reading or writing a file failed */
    HW_ENOMEM,   /* allocation failed or a size limit was hit */
    HW_EAWS,     /* an AWS call failed (see hw_aws_error for the details) */
    HW_ENET,     /* transport failure: DNS, connect, TLS, timeout */
    HW_ELOCKED,  /* another hubwarden process holds the store */
    HW_ESTORE,   /* the evidence store failed */
    HW_ENOTFOUND,/* a named thing does not exist */
    HW_EINTERNAL /* a bug: should not happen */
};

/* Process exit codes, documented in README.md and docs/hubwarden.1. */
enum hw_exit {
    HW_EXIT_OK = 0,
    HW_EXIT_ATTENTION = 1, /* the gate failed (gate only) */
    HW_EXIT_USAGE = 2,     /* usage or configuration error */
    HW_EXIT_PARTIAL = 3,   /* some accounts, regions or actions failed */
    HW_EXIT_INTERNAL = 4,  /* internal error: a bug, the store, a local file */
    HW_EXIT_AWS = 5        /* AWS refused or could not be reached: credentials,
                              signatures, AccessDenied, connection, TLS */
};

typedef struct hw_err {
    int kind;       /* enum hw_errkind; HW_OK when nothing failed */
    char msg[1024]; /* one line, no trailing newline */
} hw_err;

/* Clears e (kind HW_OK, empty message). */
void hw_err_clear(hw_err *e);
/* Sets kind and a printf-style message; returns kind so that callers can
 * write `return hw_err_set(e, HW_EINVAL, "...")`.  e may be NULL. */
int hw_err_set(hw_err *e, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prefixes the existing message with "prefix: " (printf-style). */
int hw_err_prefix(hw_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Maps an error kind to the exit code a command should return. */
int hw_exit_code(int kind);
const char *hw_errkind_name(int kind);

/* --------------------------------------------------------------- buffers */

/*
 * hw_buf: a growable byte buffer with an optional maximum size, used for
 * everything built from untrusted input (HTTP bodies, finding fields).  The
 * data is always NUL-terminated after a successful append, so it can be
 * used as a C string when it holds text.  Free with hw_buf_free().
 */
typedef struct hw_buf {
    char *data;
    size_t len;
    size_t cap;
    size_t max; /* 0: no limit */
} hw_buf;

#define HW_BUF_INIT(maxsize) { NULL, 0, 0, (maxsize) }

void hw_buf_init(hw_buf *b, size_t max);
/* Appends n bytes; returns 0, or -1 when the limit would be exceeded or
 * memory ran out (the buffer is left unchanged). */
int hw_buf_append(hw_buf *b, const void *p, size_t n);
int hw_buf_puts(hw_buf *b, const char *s);
int hw_buf_putc(hw_buf *b, char c);
int hw_buf_printf(hw_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int hw_buf_vprintf(hw_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Makes room for extra more bytes (and the NUL) without writing them:
 * for callers that fill data + len themselves.  0, or -1 as for append. */
int hw_buf_reserve(hw_buf *b, size_t extra);
/* Empties the buffer, keeping its memory. */
void hw_buf_reset(hw_buf *b);
/* Returns the contents as a C string ("" when empty); borrowed. */
const char *hw_buf_str(const hw_buf *b);
/* Hands the memory to the caller (free() it) and resets the buffer. */
char *hw_buf_detach(hw_buf *b, size_t *len);
void hw_buf_free(hw_buf *b);

/* --------------------------------------------------------------- strings */

/* A malloc'd copy of s (NULL for NULL), or of its first n bytes with a NUL
 * after them; free() it.  NULL on allocation failure. */
char *hw_strdup(const char *s);
char *hw_strndup(const char *s, size_t n);
/* snprintf into a fresh string; free() it.  NULL on failure. */
char *hw_asprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* True when s is valid UTF-8 of n bytes (no overlongs, no surrogates). */
int hw_utf8_valid(const char *s, size_t n);
int hw_starts_with(const char *s, const char *prefix);
/* True when s (n bytes) is an AWS Region name: "us-east-1",
 * "us-gov-west-1", "cn-north-1", "eu-isoe-west-1", "eusc-de-east-1": two to
 * four letters, one or more words, a number of one or two digits. */
int hw_region_name_valid(const char *s, size_t n);
/* A WAFv2 IP set ARN, arn:PARTITION:wafv2:REGION:ACCOUNT:(regional|global)
 * /ipset/NAME/ID, in parts; scope is "REGIONAL" or "CLOUDFRONT" (global,
 * always called in the partition's CloudFront region, us-east-1 in aws). */
typedef struct hw_wafv2_ipset {
    char partition[16], region[32], account[16], scope[16], name[129], id[40];
} hw_wafv2_ipset;
/* 1 when arn is a WAFv2 IP set ARN (name and id as WAFv2 allows them). */
int hw_wafv2_ipset_parse(const char *arn, hw_wafv2_ipset *out);
/* Levenshtein distance between a and b, ignoring ASCII case; (size_t)-1
 * when either is longer than 256 bytes.  For "did you mean" suggestions. */
size_t hw_edit_distance(const char *a, const char *b);

/* ------------------------------------------------- hostile text (text.c) */

/* Decodes one UTF-8 character at s (n bytes available): its length (1 to
 * 4) and *cp, or 0 when s does not begin a valid, shortest-form,
 * non-surrogate sequence. */
size_t hw_utf8_decode(const char *s, size_t n, uint32_t *cp);
/* True for a character that can steer a terminal or reorder what it
 * shows: C0 controls, DEL, C1 controls (U+0080-U+009F, CSI among them),
 * bidirectional marks, embeddings, overrides (U+202E) and isolates, and
 * the line and paragraph separators (U+2028, U+2029). */
int hw_char_steers_terminal(uint32_t cp);
/* Drops an incomplete UTF-8 sequence at the end of s (in place): after
 * snprintf into a fixed buffer cut a character in two. */
void hw_utf8_trim(char *s);
/* Appends s (n bytes) to out for a terminal: a byte that begins no valid
 * sequence becomes U+FFFD, a character that steers a terminal (but tab)
 * becomes repl.  0, or -1 when out is full. */
int hw_text_for_terminal(hw_buf *out, const char *s, size_t n, char repl);
/* Appends JSON text s (n bytes; a document or the inside of a string,
 * with C0 controls already escaped) to out as valid UTF-8: invalid bytes
 * become U+FFFD, DEL, C1 controls, bidirectional controls and U+2028/9
 * become \uXXXX escapes.  0, or -1 when out is full. */
int hw_text_for_json(hw_buf *out, const char *s, size_t n);

/* ------------------------------------------------------------------ time */

/* Seconds since the epoch, wall clock. */
int64_t hw_now(void);
/* Monotonic clock in milliseconds, for timeouts and rate limits. */
int64_t hw_monotonic_ms(void);
/* Formats t as "YYYY-MM-DDTHH:MM:SS.000Z" into out (at least 32 bytes). */
void hw_time_iso(int64_t t, char out[32]);
/* Formats ms (milliseconds since the epoch) as "YYYY-MM-DDTHH:MM:SS.mmmZ". */
void hw_time_iso_ms(int64_t ms, char out[32]);
/* Milliseconds to whole seconds, rounding down (also before 1970). */
int64_t hw_ms_to_s(int64_t ms);
/* Parses an ISO 8601 / RFC 3339 timestamp ("2024-01-02T03:04:05Z",
 * fractions and +hh:mm offsets accepted).  Returns 0 and sets *t, or -1. */
int hw_time_parse(const char *s, int64_t *t);
/* The same, to the millisecond, in UTC: "2024-01-02T05:04:05.8967+02:00"
 * is 1704164645896 (finer digits are cut, never rounded up). */
int hw_time_parse_ms(const char *s, int64_t *ms);
/* Sleeps for ms milliseconds (restarts on EINTR). */
void hw_sleep_ms(int64_t ms);

/* ----------------------------------------------------------------- files */

/* Reads a whole file (at most max bytes; 0 = 64 MiB) into out.  "-" reads
 * standard input.  Errors name the path. */
int hw_file_read(const char *path, size_t max, hw_buf *out, hw_err *e);
/* Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename.  On failure the old file is left untouched. */
int hw_file_write_atomic(const char *path, const void *data, size_t len,
                         int mode, hw_err *e);
int hw_file_exists(const char *path);

/* --------------------------------------------------------------- logging */

enum hw_log_level {
    HW_LOG_ERROR = 0,
    HW_LOG_WARN = 1,
    HW_LOG_INFO = 2,
    HW_LOG_DEBUG = 3,
    HW_LOG_TRACE = 4
};

/*
 * Verbosity, the same in every command (main.c maps the options):
 *   -q    HW_LOG_WARN: warnings and errors only; no progress line; action
 *         commands print no summary unless --output/--json asks for one
 *         (hw_cmd_summary_wanted() in cmd.h).
 *   (none) HW_LOG_INFO: what is being done, warnings, errors.
 *   -v    HW_LOG_DEBUG: also retries, timings, decisions, with the account
 *         and region of the line.
 *   -vv   HW_LOG_TRACE: also one line per AWS request (service, operation,
 *         account, region, HTTP status, attempts, milliseconds); never a
 *         header, a body or a credential.
 */
/* Sets the level and the format (json != 0: one JSON object a line); the
 * first call also starts the clock of the JSON lines' "ms". */
void hw_log_init(int level, int json);
/* The level set by hw_log_init() (HW_LOG_INFO by default). */
int hw_log_level(void);

/*
 * The log context: what every later line is about.  JSON lines carry
 * "run_id", "account" and "region" when set (and always "ms", the
 * milliseconds since hw_log_init()); text lines show [account region] at
 * -v and -vv.  Values are copied (cut at 79 bytes) and sanitised like the
 * message, so hostile text cannot break a line.  NULL or "" clears a field.
 * The run id is process-wide; account and region belong to the calling
 * thread.  Set the run id once the run is recorded (hw_store_run_begin),
 * the account and region around the work on one account-region, and clear
 * them after (hw_log_clear_context() clears all three).
 */
void hw_log_set_run_id(const char *run_id);
void hw_log_set_account(const char *account);
void hw_log_set_region(const char *region);
void hw_log_clear_context(void);
/* Saves and restores this thread's account and region, for code that sets
 * them around a callback inside someone else's loop. */
typedef struct hw_log_context {
    char account[80];
    char region[80];
} hw_log_context;
void hw_log_context_save(hw_log_context *saved);
void hw_log_context_restore(const hw_log_context *saved);
/* Registers a secret (a key, a token, a password) that must never be
 * printed: every later log line has it replaced by "[REDACTED]".  The
 * string is copied.  Short strings (< 8 bytes) are ignored. */
void hw_log_add_secret(const char *secret);
/* Forgets all registered secrets (tests). */
void hw_log_clear_secrets(void);
/* Logs one line to stderr.  Secrets are redacted: registered ones, and by
 * pattern AWS secret-looking values after "Signature=", "Credential=",
 * "X-Amz-Security-Token", "SecretAccessKey", "SessionToken", "Token". */
void hw_log(int level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Applies the redaction rules to s in place-free form: returns a new string
 * (free() it) or NULL on allocation failure. */
char *hw_redact(const char *s);
/* A transient progress line on stderr, only when stderr is a terminal, the
 * format is text and the level is at least INFO; silent otherwise.  Call
 * hw_progress_done() to clear the line. */
void hw_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void hw_progress_done(void);

#define hw_error(...) hw_log(HW_LOG_ERROR, __VA_ARGS__)
#define hw_warn(...) hw_log(HW_LOG_WARN, __VA_ARGS__)
#define hw_info(...) hw_log(HW_LOG_INFO, __VA_ARGS__)
#define hw_debug(...) hw_log(HW_LOG_DEBUG, __VA_ARGS__)
#define hw_trace(...) hw_log(HW_LOG_TRACE, __VA_ARGS__)

/* ---------------------------------------------------------- rate limits */

/*
 * A token bucket: `rate` tokens a second, at most `burst` banked.  Pure
 * arithmetic on a caller-supplied monotonic clock (milliseconds), so tests
 * drive it without sleeping.
 */
typedef struct hw_bucket {
    double rate;
    double burst;
    double tokens;
    int64_t last_ms;
} hw_bucket;

void hw_bucket_init(hw_bucket *b, double rate, double burst, int64_t now_ms);
/* Takes one token when available (returns 0); otherwise returns the
 * milliseconds to wait before one will be. */
int64_t hw_bucket_take(hw_bucket *b, int64_t now_ms);

/* ---------------------------------------------------------------- hashes */

/* SHA-256 of data as 64 lowercase hex characters plus NUL. */
void hw_sha256_hex(const void *data, size_t len, char out[65]);

#define HW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

#endif
