/*
 * util.c - errors, bounded buffers, strings, time, files and hashes.
 *
 * The bottom layer: knows nothing of AWS, the store or reports.  Logging
 * lives in log.c beside it.
 */
#include "util/util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

/* ---------------------------------------------------------------- errors */

void hw_err_clear(hw_err *e)
{
    if (!e)
        return;
    e->kind = HW_OK;
    e->msg[0] = '\0';
}

int hw_err_set(hw_err *e, int kind, const char *fmt, ...)
{
    if (!e)
        return kind;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    e->kind = kind;
    return kind;
}

int hw_err_prefix(hw_err *e, const char *fmt, ...)
{
    if (!e)
        return HW_OK;
    char prefix[512];
    char old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    size_t pl = strlen(prefix);
    if (pl > sizeof e->msg - 3)
        pl = sizeof e->msg - 3;
    memcpy(e->msg, prefix, pl);
    memcpy(e->msg + pl, ": ", 2);
    size_t room = sizeof e->msg - pl - 3;
    size_t ol = strnlen(old, room);
    memcpy(e->msg + pl + 2, old, ol);
    e->msg[pl + 2 + ol] = '\0';
    return e->kind;
}

int hw_exit_code(int kind)
{
    switch (kind) {
    case HW_OK:
        return HW_EXIT_OK;
    case HW_EINVAL:
    case HW_ELOCKED:
    case HW_ENOTFOUND:
        return HW_EXIT_USAGE;
    case HW_EAWS:
    case HW_ENET:
        return HW_EXIT_AWS;
    case HW_EIO:
    case HW_ESTORE:
    case HW_ENOMEM:
    case HW_EINTERNAL:
    default:
        return HW_EXIT_INTERNAL;
    }
}

const char *hw_errkind_name(int kind)
{
    static const char *const names[] = {
        "ok", "invalid input", "I/O error", "out of memory",
        "AWS error", "network error", "store locked", "store error",
        "not found", "internal error",
    };
    if (kind < 0 || (size_t)kind >= HW_ARRAY_LEN(names))
        return "error";
    return names[kind];
}

/* --------------------------------------------------------------- buffers */

void hw_buf_init(hw_buf *b, size_t max)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

int hw_buf_reserve(hw_buf *b, size_t extra)
{
    if (extra > SIZE_MAX - b->len - 1)
        return -1;
    size_t need = b->len + extra + 1;
    if (b->max && need > b->max + 1)
        return -1;
    if (need <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    char *p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int hw_buf_append(hw_buf *b, const void *p, size_t n)
{
    if (hw_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int hw_buf_puts(hw_buf *b, const char *s)
{
    return hw_buf_append(b, s, strlen(s));
}

int hw_buf_putc(hw_buf *b, char c)
{
    return hw_buf_append(b, &c, 1);
}

int hw_buf_vprintf(hw_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    va_copy(cp, ap);
    int n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || hw_buf_reserve(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int hw_buf_printf(hw_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int r = hw_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

void hw_buf_reset(hw_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

const char *hw_buf_str(const hw_buf *b)
{
    return b->data ? b->data : "";
}

char *hw_buf_detach(hw_buf *b, size_t *len)
{
    char *p = b->data;
    if (!p)
        p = calloc(1, 1);
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void hw_buf_free(hw_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* --------------------------------------------------------------- strings */

char *hw_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

char *hw_strndup(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *hw_asprintf(const char *fmt, ...)
{
    hw_buf b = HW_BUF_INIT(0);
    va_list ap;
    va_start(ap, fmt);
    int r = hw_buf_vprintf(&b, fmt, ap);
    va_end(ap);
    if (r < 0) {
        hw_buf_free(&b);
        return NULL;
    }
    return hw_buf_detach(&b, NULL);
}

int hw_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* ASCII fast path: eight bytes at a time */
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
            i += 8;
        }
        if (i >= n)
            break;
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
            cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + len > n)
            return 0;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
            cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

int hw_starts_with(const char *s, const char *prefix)
{
    return s && prefix && strncmp(s, prefix, strlen(prefix)) == 0;
}

int hw_region_name_valid(const char *s, size_t n)
{
    size_t i = 0, words = 0;
    while (i < n && i < 5 && s[i] >= 'a' && s[i] <= 'z')
        i++;
    if (n > 31 || i < 2 || i > 4 || i == n || s[i] != '-')
        return 0;
    i++;
    for (;;) {
        size_t w = i;
        while (i < n && s[i] >= 'a' && s[i] <= 'z')
            i++;
        if (i == w || i == n || s[i] != '-') {
            i = w;
            break;
        }
        words++;
        i++;
    }
    size_t d = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    return words >= 1 && i == n && i > d && i - d <= 2;
}

/* n bytes of s, each in set. */
static int only(const char *s, size_t n, const char *set)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || !strchr(set, s[i]))
            return 0;
    return 1;
}

int hw_wafv2_ipset_parse(const char *arn, hw_wafv2_ipset *out)
{
    static const char lower_digits[] = "abcdefghijklmnopqrstuvwxyz0123456789-";
    static const char word[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-";
    memset(out, 0, sizeof *out);
    if (!hw_starts_with(arn, "arn:"))
        return 0;
    const char *f[6];
    size_t len[6];
    const char *p = arn + 4;
    for (int i = 0; i < 5; i++) { /* partition, service, region, account, resource */
        const char *c = i < 4 ? strchr(p, ':') : p + strlen(p);
        if (!c)
            return 0;
        f[i] = p;
        len[i] = (size_t)(c - p);
        p = c + 1;
    }
    const char *res = f[4];
    int global = hw_starts_with(res, "global/ipset/");
    if (!global && !hw_starts_with(res, "regional/ipset/"))
        return 0;
    const char *name = res + (global ? 13 : 15);
    const char *slash = strchr(name, '/');
    if (!slash)
        return 0;
    const char *id = slash + 1;
    size_t nl = (size_t)(slash - name), il = strlen(id);
    /* WAFv2: a name of 1 to 128 word characters or hyphens, an id of 36 */
    if (len[0] < 3 || len[0] >= sizeof out->partition || !only(f[0], len[0], lower_digits) ||
        len[1] != 5 || strncmp(f[1], "wafv2", 5) != 0 || !hw_region_name_valid(f[2], len[2]) ||
        len[3] != 12 || !only(f[3], 12, "0123456789") || nl < 1 || nl > 128 ||
        !only(name, nl, word) || il != 36 || !only(id, il, "0123456789abcdef-"))
        return 0;
    memcpy(out->partition, f[0], len[0]);
    memcpy(out->region, f[2], len[2]);
    memcpy(out->account, f[3], 12);
    snprintf(out->scope, sizeof out->scope, "%s", global ? "CLOUDFRONT" : "REGIONAL");
    memcpy(out->name, name, nl);
    memcpy(out->id, id, il);
    return 1;
}

/* ------------------------------------------------------------------ time */

int64_t hw_now(void)
{
    return (int64_t)time(NULL);
}

int64_t hw_monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void hw_time_iso(int64_t t, char out[32])
{
    hw_time_iso_ms(t * 1000, out);
}

int64_t hw_ms_to_s(int64_t ms)
{
    return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

void hw_time_iso_ms(int64_t ms, char out[32])
{
    int64_t s = hw_ms_to_s(ms);
    time_t tt = (time_t)s;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(out, 32, "invalid time");
        return;
    }
    char base[32];
    strftime(base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out, 32, "%s.%03dZ", base, (int)(ms - s * 1000));
}

static int parse_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (the
 * civil-from-days inverse of H. Hinnant's date algorithms).  A day past
 * the month's end counts on into the next month, as timegm() does. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int hw_time_parse_ms(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0;
    const char *p = s;
    if (!s || parse_digits(&p, 4, &y) || *p++ != '-' ||
        parse_digits(&p, 2, &mo) || *p++ != '-' || parse_digits(&p, 2, &d))
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (parse_digits(&p, 2, &h) || *p++ != ':' ||
            parse_digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (parse_digits(&p, 2, &sec))
                return -1;
        }
        if (*p == '.' || *p == ',') {
            p++;
            if (*p < '0' || *p > '9')
                return -1;
            /* milliseconds: the first three digits; finer ones are cut */
            int n = 0;
            for (; *p >= '0' && *p <= '9'; p++, n++)
                if (n < 3)
                    frac = frac * 10 + (*p - '0');
            for (; n < 3; n++)
                frac *= 10; /* ".8" is 800 ms */
        }
    }
    int offset = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p == '-' ? -1 : 1, oh, om = 0;
        p++;
        if (parse_digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (*p && parse_digits(&p, 2, &om))
            return -1;
        if (oh > 23 || om > 59)
            return -1;
        offset = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -1;
    int64_t t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset;
    *ms = t * 1000 + frac;
    return 0;
}

int hw_time_parse(const char *s, int64_t *t)
{
    int64_t ms;
    if (hw_time_parse_ms(s, &ms) < 0)
        return -1;
    *t = hw_ms_to_s(ms);
    return 0;
}

void hw_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

/* ----------------------------------------------------------------- files */

int hw_file_read(const char *path, size_t max, hw_buf *out, hw_err *e)
{
    if (!max)
        max = (size_t)64 << 20;
    int fd = strcmp(path, "-") == 0 ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hw_err_set(e, HW_EIO, "%s: %s", path, strerror(errno));
    char tmp[65536];
    int rc = HW_OK;
    for (;;) {
        ssize_t n = read(fd, tmp, sizeof tmp);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hw_err_set(e, HW_EIO, "%s: %s", path, strerror(errno));
            break;
        }
        if (n == 0)
            break;
        if (out->len + (size_t)n > max) {
            rc = hw_err_set(e, HW_ENOMEM, "%s: larger than %zu bytes", path, max);
            break;
        }
        if (hw_buf_append(out, tmp, (size_t)n) < 0) {
            rc = hw_err_set(e, HW_ENOMEM, "%s: out of memory", path);
            break;
        }
    }
    if (fd != STDIN_FILENO)
        close(fd);
    if (rc == HW_OK && !out->data)
        hw_buf_append(out, "", 0);
    return rc;
}

int hw_file_write_atomic(const char *path, const void *data, size_t len,
                         int mode, hw_err *e)
{
    char *tmp = hw_asprintf("%s.tmp.%ld", path, (long)getpid());
    if (!tmp)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = HW_OK;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode ? mode : 0644);
    if (fd < 0) {
        rc = hw_err_set(e, HW_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    const char *p = data;
    size_t left = len;
    while (left) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            rc = hw_err_set(e, HW_EIO, "%s: %s", tmp, strerror(errno));
            break;
        }
        p += n;
        left -= (size_t)n;
    }
    if (rc == HW_OK && fsync(fd) < 0)
        rc = hw_err_set(e, HW_EIO, "%s: %s", tmp, strerror(errno));
    if (close(fd) < 0 && rc == HW_OK)
        rc = hw_err_set(e, HW_EIO, "%s: %s", tmp, strerror(errno));
    if (rc == HW_OK && rename(tmp, path) < 0)
        rc = hw_err_set(e, HW_EIO, "%s: %s", path, strerror(errno));
    if (rc != HW_OK)
        unlink(tmp);
out:
    free(tmp);
    return rc;
}

int hw_file_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

/* ---------------------------------------------------------- rate limits */

void hw_bucket_init(hw_bucket *b, double rate, double burst, int64_t now_ms)
{
    b->rate = rate > 0 ? rate : 1;
    b->burst = burst >= 1 ? burst : 1;
    b->tokens = b->burst;
    b->last_ms = now_ms;
}

int64_t hw_bucket_take(hw_bucket *b, int64_t now_ms)
{
    if (now_ms > b->last_ms) {
        b->tokens += (double)(now_ms - b->last_ms) * b->rate / 1000.0;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last_ms = now_ms;
    }
    if (b->tokens >= 1.0) {
        b->tokens -= 1.0;
        return 0;
    }
    double wait = (1.0 - b->tokens) * 1000.0 / b->rate;
    return (int64_t)wait + 1;
}

/* ---------------------------------------------------------------- hashes */

void hw_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

size_t hw_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 256 || lb > 256)
        return (size_t)-1;
    size_t prev[257], cur[257];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            cur[j] = best;
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}
