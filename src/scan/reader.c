/*
 * reader.c - streams findings out of files for `hubwarden import` (and out
 * of GetFindings bodies for `scan`).
 *
 * Accepts, plain or gzip-compressed (zlib reads both), UTF-8 with or
 * without a BOM:
 *  - a finding, a GetFindings response ({"Findings": [...], ...}) or an
 *    EventBridge event ({"detail": {"findings": [...]}, ...}),
 *  - a JSON array of any of these, or JSON lines of any of these.
 * Memory stays flat whatever the file: only a finding, or the start of
 * an object that may still turn out to be a finding, is ever kept, and
 * never more than the size limit of it; every other value (a NextToken,
 * an event's other fields) is skipped as it streams past.
 *
 * At the first byte of each finding the take callback (the fast path)
 * parses it where it lies and says how long it was: one pass per finding.
 * What it cannot take -- invalid JSON, a response or event, a finding cut
 * by the end of the bytes read so far or larger than the limit -- a small
 * framing scanner frames instead (tracking strings, escapes, depth and the
 * few member names that make an object a response or an event) and
 * hands, once checked to be JSON, to the callback.  Both paths store the
 * same (tests/unit/test_scan.c, make fuzz).
 *
 * What is not a finding is said so, never dropped silently: a finding
 * that is not JSON is a skipped finding; text where no JSON value belongs
 * (a line that is not JSON, a stray bracket) is damage; a raw newline in
 * a string (never valid JSON) ends that value, and reading resumes at the
 * next line, so one bad line of JSON lines costs one line.  A file in
 * which nothing at all is JSON (binary data, UTF-16) is one error for the
 * file.  Broken structure at the end ends the file with an error after
 * every complete finding before it.
 */
#include "scan/reader.h"
#include "scan/finding.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "scan/jsonlex.h"

/* What a container is to the framer (the container opened at depth d has
 * role[d]; deeper than ROLE_DEPTH, every container is R_OTHER). */
enum role {
    R_OTHER = 0, /* nothing to look for inside: a finding's insides, a skipped value */
    R_LIST,      /* an array at the top: its elements are items */
    R_ITEM,      /* an object where an item belongs: a finding, or a response or event */
    R_CONTAINER, /* an item found to be a response or event */
    R_DETAIL,    /* an item's "detail" object */
    R_FINDINGS,  /* an array of findings */
};
#define ROLE_DEPTH 8
/* Deeper nesting ends the file (no finding nests a tenth as deep). */
#define MAX_DEPTH (1 << 20)

/* The member names that matter (raw bytes; an escaped name is none). */
enum name { N_NONE = 0, N_FINDINGS, N_DETAIL, N_LFINDINGS };
/* A member name is kept across reads only this long (longer: none). */
#define NAME_KEEP 16

/* Reports held back until something in the file parses as JSON. */
#define HELD_MAX 32
struct held {
    int event;
    long line;
    char why[160];
};

struct framer {
    hw_buf win;          /* bytes not yet delivered */
    size_t pos;          /* next byte of win to scan */
    long line;           /* line of win[pos] */
    int depth;
    int in_string, escape;
    unsigned char role[ROLE_DEPTH];
    int expect_name;     /* the next string of the current object is a member name */
    int name;            /* the current member's name (enum name) */
    long str_start;      /* offset of a member name being read, or -1 */
    long elem_start;     /* offset of the object being framed in win, or -1 */
    int elem_depth;      /* depth at which it opened */
    long elem_line;
    int oversize;        /* it exceeded the limit */
    size_t elem_len;     /* bytes of it dropped already */
    int junk;            /* skipping text that is not JSON, to the end of its line */
    int in_scalar;       /* inside a number or literal */
    size_t limit;        /* the size limit of a finding */
    hw_reader_cb cb;
    hw_reader_take take; /* the fast path (NULL: frame everything) */
    void *arg;
    const char *name_of_file;
    int stop;            /* the callback asked to stop, or the file cannot be read */
    long pending;        /* offset of a finding the fast path needs more bytes for, or -1 */
    size_t retry_at;     /* ... tried again once this many bytes of it are at hand */
    long frame_at;       /* offset of a finding the fast path left to the framer, or -1 */
    int at_eof;          /* no more bytes will come */
    int sniffed;         /* the start of the file was checked (encoding, BOM) */
    int valid;           /* something in the file was JSON */
    struct held held[HELD_MAX];
    size_t nheld, held_more;
    char fatal[256];     /* why the file cannot be read at all ("" when it can) */
};

/* ------------------------------------------------------------ reports */

static void flush_held(struct framer *f)
{
    f->valid = 1;
    for (size_t k = 0; k < f->nheld && !f->stop; k++)
        f->cb(f->arg, f->held[k].event, NULL, 0, f->held[k].line, f->held[k].why, &f->stop);
    for (size_t k = 0; k < f->held_more && f->nheld && !f->stop; k++)
        f->cb(f->arg, f->held[f->nheld - 1].event, NULL, 0, f->held[f->nheld - 1].line,
              "more of the same", &f->stop);
    f->nheld = f->held_more = 0;
}

/* A skipped finding or damage: to the callback, or held back while
 * nothing in the file has been JSON (then it may all be one error). */
static void report(struct framer *f, int event, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void report(struct framer *f, int event, long line, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (f->valid) {
        f->cb(f->arg, event, NULL, 0, line, why, &f->stop);
        return;
    }
    if (f->nheld == HELD_MAX) {
        f->held_more++;
        return;
    }
    struct held *h = &f->held[f->nheld++];
    h->event = event;
    h->line = line;
    memcpy(h->why, why, sizeof why);
}

static void set_fatal(struct framer *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_fatal(struct framer *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->fatal, sizeof f->fatal, fmt, ap);
    va_end(ap);
    f->stop = 1;
}

/* ------------------------------------------------------------ framing */

static int role_at(const struct framer *f, int d)
{
    return d >= 0 && d < ROLE_DEPTH ? f->role[d] : R_OTHER;
}

/* Whether the current container's member names matter. */
static int names_matter(const struct framer *f)
{
    int r = role_at(f, f->depth - 1);
    return f->depth > 0 && (r == R_ITEM || r == R_CONTAINER || r == R_DETAIL);
}

/*
 * The fast path, at the '{' of a finding at offset i: the take callback
 * parses and ingests it in one pass.  Returns 1 when it did (*next is the
 * offset after it), 0 when the framer must frame it (invalid JSON, a
 * response or event, too large), -1 when the window ends inside it.
 */
static int try_take(struct framer *f, size_t i, size_t *next)
{
    f->pending = -1;
    if (!f->take || (long)i == f->frame_at || f->stop)
        return 0;
    const char *d = f->win.data + i;
    size_t avail = f->win.len - i, used = 0;
    /* no finding larger than the limit is taken: the framer skips it */
    size_t lim = avail > f->limit ? f->limit : avail;
    switch (f->take(f->arg, d, lim, f->line, &used, &f->stop)) {
    case HW_TAKE_OK:
    case HW_TAKE_REJECTED:
        for (const char *p = d; (p = memchr(p, '\n', used - (size_t)(p - d))) != NULL; p++)
            f->line++;
        *next = i + used;
        if (!f->valid)
            flush_held(f);
        return 1;
    case HW_TAKE_MORE:
        if (!f->at_eof && avail <= f->limit) {
            /* tried again when twice as many bytes are at hand: a finding
             * read in small pieces is not parsed again for each */
            f->pending = (long)i;
            f->retry_at = 2 * avail;
            return -1;
        }
        /* the framer says where it ends, or that it is cut */
        f->frame_at = (long)i;
        return 0;
    default:
        f->frame_at = (long)i;
        return 0;
    }
}

static void end_elem(struct framer *f)
{
    f->elem_start = -1;
    f->oversize = 0;
    f->elem_len = 0;
}

/* The object being framed ends before offset end: checked to be JSON,
 * then handed over (or reported). */
static void deliver(struct framer *f, size_t end)
{
    size_t start = (size_t)f->elem_start;
    if (f->oversize || end - start > f->limit) {
        report(f, HW_READ_SKIPPED, f->elem_line, "finding larger than the limit (%zu bytes)",
               f->elem_len + (end - start));
        end_elem(f);
        return;
    }
    hw_jlex L;
    hw_jlex_init(&L, f->win.data + start, end - start);
    if (hw_jlex_skip(&L) == 0 && L.p != L.end)
        hw_jlex_fail(&L, "not valid JSON: more after the object");
    if (L.err[0]) {
        /* say on which line the JSON broke, too: a finding spans many */
        long at = f->elem_line;
        for (const unsigned char *p = L.base; p < L.p && p < L.end; p++)
            at += *p == '\n';
        if (at != f->elem_line)
            report(f, HW_READ_SKIPPED, f->elem_line, "%s (line %ld)", L.err, at);
        else
            report(f, HW_READ_SKIPPED, f->elem_line, "%s", L.err);
    } else {
        if (!f->valid)
            flush_held(f);
        if (!f->stop)
            f->cb(f->arg, HW_READ_FINDING, f->win.data + start, end - start, f->elem_line, NULL,
                  &f->stop);
    }
    end_elem(f);
}

static void begin_elem(struct framer *f, size_t at)
{
    f->elem_start = (long)at;
    f->elem_depth = f->depth;
    f->elem_line = f->line;
    f->oversize = 0;
    f->elem_len = 0;
}

/* The item opened at depth d is a response or an event: what was kept of
 * it goes, its findings come one by one. */
static void become_container(struct framer *f, int d)
{
    if (role_at(f, d) != R_ITEM)
        return;
    f->role[d] = R_CONTAINER;
    if (f->elem_start >= 0 && f->elem_depth == d)
        end_elem(f);
    if (!f->valid)
        flush_held(f);
}

/* A value that is not an object where an object belongs: an element of
 * a list of items is damage; an element of a findings array is a
 * finding that is not one. */
static void not_object(struct framer *f)
{
    int parent = f->depth ? role_at(f, f->depth - 1) : R_LIST;
    if (f->depth == 0)
        report(f, HW_READ_DAMAGE, f->line, "not JSON (a JSON object or array was expected)");
    else if (parent == R_LIST)
        report(f, HW_READ_DAMAGE, f->line, "an array element that is not a JSON object");
    else if (parent == R_FINDINGS)
        report(f, HW_READ_SKIPPED, f->line, "a finding must be a JSON object");
}

/* A '{' or '[' at offset i: what it is, given where it is.  Returns 1
 * when the fast path took it (*next: the offset after it), -1 when the
 * fast path waits for more bytes, else 0. */
static int open_value(struct framer *f, char c, size_t i, size_t *next)
{
    int d = f->depth;
    if (d >= MAX_DEPTH) {
        set_fatal(f, "%s: line %ld: JSON nested more than %d deep", f->name_of_file, f->line,
                  MAX_DEPTH);
        return 0;
    }
    int parent = d ? role_at(f, d - 1) : R_LIST;
    int item = parent == R_LIST, finding = parent == R_FINDINGS;
    if (c == '{' && (item || finding) && f->elem_start < 0) {
        int t = try_take(f, i, next);
        if (t)
            return t;
    }
    int role = R_OTHER;
    if (item) {
        role = c == '[' ? R_LIST : R_ITEM;
        if (c == '{' && f->elem_start < 0)
            begin_elem(f, i); /* a finding, or the start of a response or event */
    } else if (finding) {
        if (c == '{' && f->elem_start < 0)
            begin_elem(f, i);
        else if (c == '[')
            not_object(f);
    } else if ((parent == R_ITEM || parent == R_CONTAINER) && !f->expect_name) {
        if (f->name == N_FINDINGS && c == '[') {
            become_container(f, d - 1); /* a GetFindings response */
            role = R_FINDINGS;
        } else if (f->name == N_DETAIL && c == '{') {
            role = R_DETAIL;
        }
    } else if (parent == R_DETAIL && !f->expect_name && f->name == N_LFINDINGS && c == '[') {
        become_container(f, d - 2); /* an EventBridge event */
        role = R_FINDINGS;
    }
    if (d < ROLE_DEPTH)
        f->role[d] = (unsigned char)role;
    f->depth++;
    f->expect_name = c == '{';
    f->name = N_NONE;
    return 0;
}

/* A closing quote at offset i. */
static void end_string(struct framer *f, size_t i)
{
    f->in_string = 0;
    if (f->str_start < 0) {
        f->name = N_NONE;
        return;
    }
    const char *s = f->win.data + f->str_start + 1;
    size_t len = i - (size_t)f->str_start - 1;
    int r = role_at(f, f->depth - 1);
    f->name = N_NONE;
    if (r == R_DETAIL) {
        if (len == 8 && memcmp(s, "findings", 8) == 0)
            f->name = N_LFINDINGS;
    } else if (len == 8 && memcmp(s, "Findings", 8) == 0) {
        f->name = N_FINDINGS;
    } else if (len == 6 && memcmp(s, "detail", 6) == 0) {
        f->name = N_DETAIL;
    }
    f->str_start = -1;
}

/* A raw newline inside a string, never valid JSON: the value it is in
 * ends here (reported), and reading resumes on the next line at the top. */
static void resync(struct framer *f)
{
    if (f->elem_start >= 0)
        report(f, HW_READ_SKIPPED, f->elem_line,
               "not valid JSON: a string runs past the end of line %ld", f->line - 1);
    else
        report(f, HW_READ_DAMAGE, f->line - 1, "not valid JSON: a string runs past the end of the line");
    end_elem(f);
    f->depth = 0;
    f->in_string = f->escape = 0;
    f->str_start = -1;
    f->expect_name = 0;
    f->name = N_NONE;
}

/* Offset of the next '"', '\\' or '\n' in d[i..n), or n: four KB at a
 * time, so that a long run of escapes costs no more than its length. */
static size_t string_stop(const char *d, size_t i, size_t n)
{
    while (i < n) {
        size_t m = n - i < 4096 ? n - i : 4096, step = m;
        const char *p = d + i, *hit = NULL, *x;
        if ((x = memchr(p, '"', m)) != NULL)
            hit = x, m = (size_t)(x - p);
        if ((x = memchr(p, '\\', m)) != NULL)
            hit = x, m = (size_t)(x - p);
        if ((x = memchr(p, '\n', m)) != NULL)
            hit = x;
        if (hit)
            return (size_t)(hit - d);
        i += step;
    }
    return n;
}

/* A printable ASCII character or JSON whitespace. */
static int ascii(unsigned c)
{
    return c == '\t' || c == '\n' || c == '\r' || (c >= 0x20 && c < 0x7F);
}

/*
 * The start of the file: a UTF-8 BOM is skipped; UTF-16 and UTF-32 (by
 * their BOM, or by the NUL bytes of the ASCII character JSON starts with,
 * as RFC 4627 has it) and binary data (a NUL byte near the start) are an
 * error for the file.  Returns 0 to wait for more bytes.
 */
static int sniff(struct framer *f)
{
    const unsigned char *u = (const unsigned char *)f->win.data;
    size_t n = f->win.len;
    if (n < 4096 && !f->at_eof)
        return 0; /* the same verdict however the bytes come */
    f->sniffed = 1;
    const char *enc = NULL;
    if (n >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0xFE && u[3] == 0xFF)
        enc = "UTF-32BE";
    else if (n >= 4 && u[0] == 0xFF && u[1] == 0xFE && u[2] == 0 && u[3] == 0)
        enc = "UTF-32LE";
    else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF)
        enc = "UTF-16BE";
    else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE)
        enc = "UTF-16LE";
    else if (n >= 4 && u[0] == 0 && u[1] == 0 && u[2] == 0 && ascii(u[3]))
        enc = "UTF-32BE";
    else if (n >= 4 && ascii(u[0]) && u[1] == 0 && u[2] == 0 && u[3] == 0)
        enc = "UTF-32LE";
    else if (n >= 2 && u[0] == 0 && ascii(u[1]))
        enc = "UTF-16BE";
    else if (n >= 2 && ascii(u[0]) && u[1] == 0)
        enc = "UTF-16LE";
    if (enc) {
        set_fatal(f, "%s: the file is %s text; it must be UTF-8 (iconv -f %s -t UTF-8 converts it)",
                  f->name_of_file, enc, enc);
        return 1;
    }
    const char *nul = memchr(u, 0, n < 4096 ? n : 4096);
    if (nul) {
        set_fatal(f, "%s: binary data, not JSON text (a NUL byte at byte %zu)", f->name_of_file,
                  (size_t)((const unsigned char *)nul - u));
        return 1;
    }
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
        f->pos = 3; /* a UTF-8 BOM */
    return 1;
}

/* Scans win from pos to its end. */
static void scan_bytes(struct framer *f)
{
    if (!f->sniffed && (!sniff(f) || f->stop))
        return;
    if (f->pending >= 0 && !f->at_eof && f->win.len - (size_t)f->pending < f->retry_at &&
        f->win.len - (size_t)f->pending <= f->limit)
        return; /* still waiting for the finding's bytes */
    char *d = f->win.data;
    size_t n = f->win.len;
    for (size_t i = f->pos; i < n && !f->stop; i++) {
        if (f->junk) {
            const char *nl = memchr(d + i, '\n', n - i);
            if (!nl)
                break;
            i = (size_t)(nl - d);
            f->line++;
            f->junk = 0;
            continue;
        }
        if (f->in_string && !f->escape) {
            /* most bytes are string contents: jump over them */
            i = string_stop(d, i, n);
            if (i >= n)
                break;
        }
        char c = d[i];
        int was_scalar = f->in_scalar;
        f->in_scalar = 0;
        if (f->in_string) {
            if (c == '\n') {
                f->line++;
                resync(f);
            } else if (f->escape) {
                f->escape = 0;
            } else if (c == '\\') {
                f->escape = 1;
            } else if (c == '"') {
                end_string(f, i);
            }
            continue;
        }
        switch (c) {
        case '\n':
            f->line++;
            break;
        case ' ':
        case '\t':
        case '\r':
            break;
        case '"':
            if (f->depth == 0) {
                f->junk = 1;
                not_object(f);
                break;
            }
            f->in_string = 1;
            f->str_start = f->expect_name && names_matter(f) ? (long)i : -1;
            if (!f->expect_name)
                not_object(f); /* a string in a list (nothing said elsewhere) */
            break;
        case ':':
            f->expect_name = 0;
            break;
        case ',':
            f->expect_name = names_matter(f);
            f->name = N_NONE;
            break;
        case '{':
        case '[': {
            size_t next;
            int t = open_value(f, c, i, &next);
            if (t < 0) {
                f->pos = i; /* wait for more bytes, then try again */
                return;
            }
            if (t > 0)
                i = next - 1;
            break;
        }
        case '}':
        case ']':
            if (f->depth == 0) {
                f->junk = 1;
                report(f, HW_READ_DAMAGE, f->line, "a stray '%c' where no JSON value is open", c);
                break;
            }
            f->depth--;
            f->expect_name = 0;
            f->name = N_NONE;
            if (f->elem_start >= 0 && f->depth == f->elem_depth)
                deliver(f, i + 1);
            break;
        default:
            /* a number, a literal, or no JSON at all */
            if (f->depth == 0) {
                f->junk = 1;
                not_object(f);
            } else if (!was_scalar) {
                not_object(f);
            }
            f->in_scalar = 1;
            break;
        }
    }
    f->pos = n;
}

/* Drops delivered bytes, keeping what is still needed: the finding the
 * fast path waits on, the object being framed (up to the limit), a member
 * name being read (when short). */
static void compact(struct framer *f)
{
    if (!f->sniffed)
        return; /* too few bytes yet to say what the file is */
    if (f->pending >= 0) {
        size_t from = (size_t)f->pending;
        if (from)
            memmove(f->win.data, f->win.data + from, f->win.len - from);
        f->win.len -= from;
        f->pending = 0;
        f->pos = 0;
        f->frame_at = -1;
        f->str_start = -1;
        return;
    }
    f->frame_at = -1;
    size_t keep = f->win.len;
    if (f->in_string && f->str_start >= 0) {
        if (f->win.len - (size_t)f->str_start <= NAME_KEEP)
            keep = (size_t)f->str_start;
        else
            f->str_start = -1; /* too long for a name that matters */
    }
    if (f->elem_start >= 0) {
        size_t start = (size_t)f->elem_start;
        if (f->oversize || f->win.len - start > f->limit) {
            /* too large to keep: count what goes, keep only a name */
            f->oversize = 1;
            f->elem_len += keep - start;
        } else {
            keep = start;
        }
    }
    if (keep)
        memmove(f->win.data, f->win.data + keep, f->win.len - keep);
    f->win.len -= keep;
    if (f->str_start >= 0)
        f->str_start -= (long)keep;
    if (f->elem_start >= 0)
        f->elem_start = f->oversize ? 0 : f->elem_start - (long)keep;
    f->pos = f->win.len;
}

static void framer_init(struct framer *f, hw_reader_take take, hw_reader_cb cb, void *arg,
                        const char *name)
{
    memset(f, 0, sizeof *f);
    hw_buf_init(&f->win, 0);
    f->line = 1;
    f->elem_start = -1;
    f->str_start = -1;
    f->pending = -1;
    f->frame_at = -1;
    f->limit = HW_FINDING_MAX_BYTES;
    f->take = take;
    f->cb = cb;
    f->arg = arg;
    f->name_of_file = name;
}

static int framer_finish(struct framer *f, int rc, hw_err *e)
{
    if (rc == HW_OK && f->fatal[0]) {
        rc = hw_err_set(e, HW_EINVAL, "%s", f->fatal);
    } else if (rc == HW_OK && !f->valid && f->nheld) {
        rc = hw_err_set(e, HW_EINVAL, "%s: not JSON: nothing in it parses as JSON (line %ld: %s)",
                        f->name_of_file, f->held[0].line, f->held[0].why);
    } else if (rc == HW_OK && !f->stop && (f->depth != 0 || f->in_string)) {
        /* truncated: the complete findings before it were delivered */
        rc = hw_err_set(e, HW_EINVAL, "%s: line %ld: the input ends inside a JSON value (truncated?)",
                        f->name_of_file, f->elem_start >= 0 ? f->elem_line : f->line);
    }
    hw_buf_free(&f->win);
    return rc;
}

/* Scans what is left once no more bytes will come: a finding the fast
 * path was waiting on goes to the framer, which says where it was cut. */
static void scan_rest(struct framer *f)
{
    f->at_eof = 1;
    if (f->pending >= 0) {
        /* tried once more with every byte there is, else framed */
        f->pos = (size_t)f->pending;
        f->pending = -1;
    }
    scan_bytes(f);
}

int hw_reader_mem(const char *name, const char *data, size_t len, hw_reader_take take,
                  hw_reader_cb cb, void *arg, hw_err *e)
{
    struct framer f;
    framer_init(&f, take, cb, arg, name);
    f.at_eof = 1;
    /* scan in place: the window borrows the caller's bytes */
    f.win.data = (char *)data;
    f.win.len = len;
    scan_bytes(&f);
    f.win.data = NULL;
    f.win.len = 0;
    return framer_finish(&f, HW_OK, e);
}

/* A source of bytes for the chunked reader: fills buf with up to n bytes;
 * returns how many (0 at the end), or -1 with e set. */
typedef long (*read_fn)(void *src, char *buf, size_t n, long line, hw_err *e);

/* The chunked reader: the first read is `first` bytes, then `chunk` at a
 * time, each straight into the window after what it keeps. */
static int read_chunks(struct framer *f, read_fn rd, void *src, size_t first, size_t chunk,
                       hw_err *e)
{
    int rc = HW_OK;
    for (size_t want = first;; want = chunk) {
        if (hw_buf_reserve(&f->win, want) < 0) {
            rc = hw_err_set(e, HW_ENOMEM, "%s: out of memory", f->name_of_file);
            break;
        }
        long n = rd(src, f->win.data + f->win.len, want, f->line, e);
        if (n < 0) {
            rc = e->kind;
            break;
        }
        if (n == 0) {
            scan_rest(f);
            break;
        }
        f->win.len += (size_t)n;
        scan_bytes(f);
        if (f->stop)
            break;
        compact(f);
    }
    return framer_finish(f, rc, e);
}

struct mem_src {
    const char *data;
    size_t len, off;
};

static long mem_read(void *src, char *buf, size_t n, long line, hw_err *e)
{
    struct mem_src *m = src;
    (void)line, (void)e;
    if (n > m->len - m->off)
        n = m->len - m->off;
    memcpy(buf, m->data + m->off, n);
    m->off += n;
    return (long)n;
}

int hw_reader_mem_chunked(const char *name, const char *data, size_t len, size_t first,
                          size_t chunk, size_t limit, hw_reader_take take, hw_reader_cb cb,
                          void *arg, hw_err *e)
{
    struct framer f;
    framer_init(&f, take, cb, arg, name);
    if (limit)
        f.limit = limit;
    struct mem_src m = { data, len, 0 };
    return read_chunks(&f, mem_read, &m, first ? first : 1, chunk ? chunk : 1, e);
}

/* Bytes read at a time (straight into the window). */
#define READ_CHUNK (256u * 1024u)

struct gz_src {
    gzFile gz;
    const char *path;
};

static long gz_read(void *src, char *buf, size_t n, long line, hw_err *e)
{
    struct gz_src *g = src;
    int r = gzread(g->gz, buf, (unsigned)n);
    if (r < 0) {
        int zerr;
        const char *msg = gzerror(g->gz, &zerr);
        hw_err_set(e, HW_EIO, "%s: line %ld: %s", g->path, line,
                   zerr == Z_ERRNO ? strerror(errno) : msg);
        return -1;
    }
    return r;
}

int hw_reader_run(const char *path, hw_reader_take take, hw_reader_cb cb, void *arg, hw_err *e)
{
    int fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return hw_err_set(e, HW_EIO, "%s: %s", path, strerror(errno));
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return hw_err_set(e, HW_ENOMEM, "%s: cannot open", path);
    }
    gzbuffer(gz, READ_CHUNK);
    struct framer f;
    framer_init(&f, take, cb, arg, path);
    struct gz_src g = { gz, path };
    int rc = read_chunks(&f, gz_read, &g, READ_CHUNK, READ_CHUNK, e);
    gzclose(gz);
    return rc;
}
