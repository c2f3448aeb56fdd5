/*
 * log.c - the one place hubwarden writes diagnostics.
 *
 * Text lines ("hubwarden: warning: ...") by default, JSON lines with
 * --log-format json (for journald and log shippers).  Every line passes
 * through hw_redact() first: secrets registered with hw_log_add_secret()
 * and anything that looks like a signature, session token or secret key
 * after a well-known name is replaced, so a credential can never reach a
 * log file even when an error message quotes a request.
 *
 * A small log context (the run id, the account and the region being
 * worked on) is attached to every JSON line, with the milliseconds since
 * hw_log_init(); text lines show the account and region at -v and -vv.
 * The run id is the process's; account and region are per thread, so
 * that a worker's lines never carry another's account.
 */
#include "util/util.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int log_level = HW_LOG_INFO;
static int log_json;
static int progress_shown;
static int64_t log_start_ms;

/* The context (hw_log_set_*): the run id for the whole process, account
 * and region per thread.  Each value is kept as given, cut at the size
 * (a run id is 36 characters, an account 12, a region under 32). */
static pthread_mutex_t run_id_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_run_id[80];
static _Thread_local char log_account[80];
static _Thread_local char log_region[80];

static pthread_mutex_t secrets_lock = PTHREAD_MUTEX_INITIALIZER;
static char **secrets;
static size_t nsecrets;

void hw_log_init(int level, int json)
{
    log_level = level;
    log_json = json;
    if (!log_start_ms)
        log_start_ms = hw_monotonic_ms();
}

int hw_log_level(void)
{
    return log_level;
}

static void set_field(char *dst, size_t size, const char *v)
{
    snprintf(dst, size, "%s", v ? v : "");
}

void hw_log_set_run_id(const char *run_id)
{
    pthread_mutex_lock(&run_id_lock);
    set_field(log_run_id, sizeof log_run_id, run_id);
    pthread_mutex_unlock(&run_id_lock);
}

void hw_log_set_account(const char *account)
{
    set_field(log_account, sizeof log_account, account);
}

void hw_log_set_region(const char *region)
{
    set_field(log_region, sizeof log_region, region);
}

void hw_log_clear_context(void)
{
    hw_log_set_run_id(NULL);
    hw_log_set_account(NULL);
    hw_log_set_region(NULL);
}

void hw_log_context_save(hw_log_context *saved)
{
    set_field(saved->account, sizeof saved->account, log_account);
    set_field(saved->region, sizeof saved->region, log_region);
}

void hw_log_context_restore(const hw_log_context *saved)
{
    hw_log_set_account(saved->account);
    hw_log_set_region(saved->region);
}

void hw_log_add_secret(const char *secret)
{
    if (!secret || strlen(secret) < 8)
        return;
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; i < nsecrets; i++) {
        if (strcmp(secrets[i], secret) == 0) {
            pthread_mutex_unlock(&secrets_lock);
            return;
        }
    }
    char **n = realloc(secrets, (nsecrets + 1) * sizeof *n);
    char *copy = strdup(secret);
    if (n && copy) {
        secrets = n;
        secrets[nsecrets++] = copy;
    } else {
        if (n)
            secrets = n;
        free(copy);
    }
    pthread_mutex_unlock(&secrets_lock);
}

void hw_log_clear_secrets(void)
{
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; i < nsecrets; i++)
        free(secrets[i]);
    free(secrets);
    secrets = NULL;
    nsecrets = 0;
    pthread_mutex_unlock(&secrets_lock);
}

/* Names after which the value (up to a delimiter) is always hidden. */
static const char *const secret_names[] = {
    "Signature=", "X-Amz-Security-Token:", "X-Amz-Security-Token=",
    "x-amz-security-token:", "x-amz-security-token=",
    "\"SecretAccessKey\":", "\"SessionToken\":", "\"Token\":",
    "<SecretAccessKey>", "<SessionToken>",
    "aws_secret_access_key", "aws_session_token",
    "X-aws-ec2-metadata-token:", "Authorization:",
};

static int is_value_end(char c)
{
    return c == '\0' || c == ',' || c == '&' || c == '"' || c == '<' ||
           c == '\n' || c == '\r' || c == ';';
}

/* Hides the values following the well-known names, in place. */
static void redact_names(hw_buf *b)
{
    for (size_t k = 0; k < HW_ARRAY_LEN(secret_names); k++) {
        const char *name = secret_names[k];
        size_t nl = strlen(name);
        char *p = b->data;
        while ((p = strstr(p, name)) != NULL) {
            char *v = p + nl;
            while (*v == ' ' || *v == '=' || *v == '"' || *v == ':')
                v++;
            char *end = v;
            while (!is_value_end(*end))
                end++;
            if (end > v) {
                /* keep the first 4 characters of an access key id only */
                size_t keep = 0;
                size_t vlen = (size_t)(end - v);
                const char *mask = "[REDACTED]";
                size_t ml = strlen(mask);
                size_t off = (size_t)(v - b->data);
                size_t tail = b->len - (size_t)(end - b->data);
                if (vlen - keep >= ml) {
                    memcpy(v + keep, mask, ml);
                    memmove(v + keep + ml, end, tail + 1);
                    b->len = off + keep + ml + tail;
                } else {
                    memset(v + keep, '*', vlen - keep);
                }
                p = b->data + off + keep + (vlen - keep >= ml ? ml : vlen - keep);
            } else {
                p = v;
            }
        }
    }
}

/* Replaces every registered secret by [REDACTED]. */
static int redact_secrets(hw_buf *b)
{
    int rc = 0;
    pthread_mutex_lock(&secrets_lock);
    for (size_t i = 0; i < nsecrets && rc == 0; i++) {
        const char *s = secrets[i];
        size_t sl = strlen(s);
        if (!strstr(hw_buf_str(b), s))
            continue;
        hw_buf out = HW_BUF_INIT(0);
        const char *p = hw_buf_str(b), *q;
        while ((q = strstr(p, s)) != NULL) {
            rc |= hw_buf_append(&out, p, (size_t)(q - p));
            rc |= hw_buf_puts(&out, "[REDACTED]");
            p = q + sl;
        }
        rc |= hw_buf_puts(&out, p);
        hw_buf_free(b);
        *b = out;
    }
    pthread_mutex_unlock(&secrets_lock);
    return rc;
}

char *hw_redact(const char *s)
{
    hw_buf b = HW_BUF_INIT(0);
    if (hw_buf_puts(&b, s ? s : "") < 0 || redact_secrets(&b) < 0) {
        hw_buf_free(&b);
        return NULL;
    }
    if (b.data)
        redact_names(&b);
    return hw_buf_detach(&b, NULL);
}

static const char *level_name(int level)
{
    switch (level) {
    case HW_LOG_ERROR:
        return "error";
    case HW_LOG_WARN:
        return "warning";
    case HW_LOG_INFO:
        return "info";
    case HW_LOG_DEBUG:
        return "debug";
    default:
        return "trace";
    }
}

static void json_escape(hw_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"':
            hw_buf_puts(b, "\\\"");
            break;
        case '\\':
            hw_buf_puts(b, "\\\\");
            break;
        case '\n':
            hw_buf_puts(b, "\\n");
            break;
        case '\t':
            hw_buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20)
                hw_buf_printf(b, "\\u%04x", c);
            else
                hw_buf_putc(b, (char)c);
        }
    }
}

/* ,"name":"value" when value is set: escaped, control characters
 * replaced, and valid UTF-8 whatever it was given. */
static void json_field(hw_buf *line, const char *name, const char *value)
{
    if (!value || !*value)
        return;
    hw_buf esc = HW_BUF_INIT(0), safe = HW_BUF_INIT(0);
    char *clean = strdup(value);
    if (!clean)
        return;
    for (char *c = clean; *c; c++)
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    json_escape(&esc, clean);
    free(clean);
    hw_text_for_json(&safe, hw_buf_str(&esc), esc.len);
    hw_buf_printf(line, ",\"%s\":\"%s\"", name, hw_buf_str(&safe));
    hw_buf_free(&esc);
    hw_buf_free(&safe);
}

static void vlog(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void vlog(int level, const char *fmt, va_list ap)
{
    if (level > log_level)
        return;
    hw_buf msg = HW_BUF_INIT(0);
    if (hw_buf_vprintf(&msg, fmt, ap) < 0) {
        hw_buf_free(&msg);
        return;
    }
    char *clean = hw_redact(hw_buf_str(&msg));
    hw_buf_free(&msg);
    if (!clean)
        return;
    /* strip control characters a hostile field could carry */
    for (char *c = clean; *c; c++)
        if ((unsigned char)*c < 0x20 && *c != '\t')
            *c = ' ';
    /* then valid UTF-8 always, and nothing that steers a terminal: DEL,
     * C1 controls (CSI), bidirectional overrides, U+2028 (text.c) */
    hw_buf safe = HW_BUF_INIT(0);
    if (log_json) {
        hw_buf esc = HW_BUF_INIT(0);
        json_escape(&esc, clean);
        hw_text_for_json(&safe, hw_buf_str(&esc), esc.len);
        hw_buf_free(&esc);
    } else {
        hw_text_for_terminal(&safe, clean, strlen(clean), '?');
    }
    free(clean);
    hw_buf line = HW_BUF_INIT(0);
    if (log_json) {
        char ts[32];
        hw_time_iso(hw_now(), ts);
        hw_buf_printf(&line, "{\"ts\":\"%s\",\"level\":\"%s\"", ts, level_name(level));
        char run_id[sizeof log_run_id];
        pthread_mutex_lock(&run_id_lock);
        memcpy(run_id, log_run_id, sizeof run_id);
        pthread_mutex_unlock(&run_id_lock);
        json_field(&line, "run_id", run_id);
        json_field(&line, "account", log_account);
        json_field(&line, "region", log_region);
        if (!log_start_ms)
            log_start_ms = hw_monotonic_ms();
        hw_buf_printf(&line, ",\"ms\":%lld,\"msg\":\"%s\"}\n",
                      (long long)(hw_monotonic_ms() - log_start_ms), hw_buf_str(&safe));
    } else {
        hw_buf where = HW_BUF_INIT(0);
        if (level >= HW_LOG_DEBUG && (*log_account || *log_region)) {
            hw_buf_printf(&where, "[%s%s%s] ", log_account, *log_account && *log_region ? " " : "",
                          log_region);
            hw_buf raw = where;
            where = (hw_buf)HW_BUF_INIT(0);
            hw_text_for_terminal(&where, hw_buf_str(&raw), raw.len, '?');
            hw_buf_free(&raw);
        }
        if (level <= HW_LOG_WARN || level >= HW_LOG_DEBUG)
            hw_buf_printf(&line, "hubwarden: %s: %s%s\n", level_name(level), hw_buf_str(&where),
                          hw_buf_str(&safe));
        else
            hw_buf_printf(&line, "hubwarden: %s\n", hw_buf_str(&safe));
        hw_buf_free(&where);
    }
    hw_buf_free(&safe);
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        progress_shown = 0;
    }
    fwrite(hw_buf_str(&line), 1, line.len, stderr);
    fflush(stderr);
    hw_buf_free(&line);
}

void hw_log(int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, fmt, ap);
    va_end(ap);
}

void hw_progress(const char *fmt, ...)
{
    if (log_json || log_level < HW_LOG_INFO || !isatty(STDERR_FILENO))
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
    progress_shown = 1;
}

void hw_progress_done(void)
{
    if (progress_shown) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        progress_shown = 0;
    }
}
