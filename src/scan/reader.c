/*
 * reader.c - streams findings out of files for `hubwarden import`.
 *
 * Accepts a GetFindings response ({"Findings": [...], "NextToken": ...}),
 * a JSON array of findings, JSON lines (one finding a line), or a single
 * finding object; plain or gzip-compressed (zlib reads both).  Memory stays
 * flat whatever the file's size.
 *
 * At the first byte of each finding the take callback (the fast path)
 * parses it where it lies and says how long it was: one pass per finding.
 * What it cannot take -- invalid JSON, a response object, a finding cut by
 * the end of the input or larger than HW_FINDING_MAX_BYTES -- a small
 * framing scanner frames instead (tracking strings, escapes and depth,
 * nothing more) and hands to the deliver callback, which reports it.  A
 * finding that runs past the bytes read so far is tried again once more
 * have been read.  Both paths store the same (tests/unit/test_scan.c,
 * make fuzz).  Broken structure ends the file with an error after every
 * complete finding before it has been delivered.
 */
#include "scan/scan.h"

#include <errno.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum frame_mode {
    FRAME_TOP,      /* outside any value, or in a top-level object/array */
    FRAME_RESPONSE, /* inside the "Findings" array of a response object */
};

struct framer {
    hw_buf win;          /* bytes not yet delivered */
    size_t pos;          /* next byte of win to scan */
    long line;           /* line of win[pos] */
    int depth;
    int in_string, escape;
    int top_is_array;    /* the file is one JSON array */
    int mode;
    long elem_start;     /* offset of the current finding in win, or -1 */
    int elem_depth;      /* depth at which the current finding opened */
    long elem_line;
    int oversize;        /* current finding exceeded the limit */
    size_t elem_len;     /* bytes seen of an oversize finding */
    /* key detection in a top-level object */
    long str_start;      /* offset of the last string at depth 1 */
    int last_key_findings;
    int expect_colon;
    int junk;            /* skipping a non-JSON line at depth 0 */
    hw_reader_cb cb;
    hw_reader_take take; /* the fast path (NULL: frame everything) */
    void *arg;
    const char *name;
    int stop;            /* the callback asked to stop */
    long pending;        /* offset of a finding the fast path needs more bytes for, or -1 */
    long frame_at;       /* offset of a finding the fast path left to the framer, or -1 */
    int at_eof;          /* no more bytes will come */
};

/*
 * The fast path, at the '{' of a finding at offset i: the take callback
 * parses and ingests it in one pass.  Returns 1 when it did (*next is the
 * offset after it), 0 when the framer must frame it (invalid JSON, a
 * response, too large), -1 when the window ends inside it.
 */
static int try_take(struct framer *f, size_t i, size_t *next)
{
    f->pending = -1;
    if (!f->take || (long)i == f->frame_at || f->stop)
        return 0;
    const char *d = f->win.data + i;
    size_t avail = f->win.len - i, used = 0;
    /* no finding larger than the limit is taken: the framer skips it */
    size_t lim = avail > HW_FINDING_MAX_BYTES ? HW_FINDING_MAX_BYTES : avail;
    switch (f->take(f->arg, d, lim, f->line, &used, &f->stop)) {
    case HW_TAKE_OK:
    case HW_TAKE_REJECTED:
        for (const char *p = d; (p = memchr(p, '\n', used - (size_t)(p - d))) != NULL; p++)
            f->line++;
        *next = i + used;
        return 1;
    case HW_TAKE_MORE:
        if (!f->at_eof && avail <= HW_FINDING_MAX_BYTES) {
            f->pending = (long)i;
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

static void deliver(struct framer *f, size_t end)
{
    size_t start = (size_t)f->elem_start;
    if (f->oversize || end - start > HW_FINDING_MAX_BYTES) {
        f->cb(f->arg, NULL, f->elem_len + (end - start), f->elem_line,
              "finding larger than the limit", &f->stop);
    } else {
        f->cb(f->arg, f->win.data + start, end - start, f->elem_line, NULL, &f->stop);
    }
    f->elem_start = -1;
    f->oversize = 0;
    f->elem_len = 0;
}

static void begin_elem(struct framer *f, size_t at)
{
    f->elem_start = (long)at;
    f->elem_depth = f->depth;
    f->elem_line = f->line;
    f->oversize = 0;
    f->elem_len = 0;
}

/* Scans win from pos to its end. */
static void scan_bytes(struct framer *f)
{
    char *d = f->win.data;
    size_t n = f->win.len;
    for (size_t i = f->pos; i < n && !f->stop; i++) {
        if (f->in_string && !f->escape && !f->junk) {
            /* most bytes are string contents: jump to the next quote or
             * backslash (memchr is vectorised) */
            const char *q = memchr(d + i, '"', n - i);
            const char *b = memchr(d + i, '\\', (size_t)((q ? q : d + n) - (d + i)));
            const char *stop = b ? b : q;
            if (!stop)
                break;
            i = (size_t)(stop - d);
        }
        char c = d[i];
        if (c == '\n') {
            f->line++;
            if (f->junk) {
                f->junk = 0;
                continue;
            }
        }
        if (f->junk)
            continue;
        if (f->in_string) {
            if (f->escape)
                f->escape = 0;
            else if (c == '\\')
                f->escape = 1;
            else if (c == '"') {
                f->in_string = 0;
                if (f->depth == 1 && !f->top_is_array && f->mode == FRAME_TOP &&
                    f->str_start >= 0) {
                    size_t len = i - (size_t)f->str_start - 1;
                    f->last_key_findings =
                        len == 8 && memcmp(d + f->str_start + 1, "Findings", 8) == 0;
                    f->expect_colon = 1;
                }
            }
            continue;
        }
        switch (c) {
        case ' ':
        case '\t':
        case '\r':
        case '\n':
            break;
        case '"':
            f->in_string = 1;
            f->str_start = f->depth == 1 ? (long)i : -1;
            if (f->expect_colon) {
                f->expect_colon = 0;
                f->last_key_findings = 0;
            }
            break;
        case ':':
            f->expect_colon = 0;
            break;
        case '{':
        case '[':
            if (c == '{' && f->elem_start < 0 &&
                (f->depth == 0 || (f->depth == 1 && f->top_is_array) ||
                 (f->depth == 2 && f->mode == FRAME_RESPONSE))) {
                size_t next;
                int t = try_take(f, i, &next);
                if (t < 0) {
                    f->pos = i; /* wait for more bytes, then try again */
                    return;
                }
                if (t > 0) {
                    i = next - 1;
                    break;
                }
            }
            if (f->depth == 0) {
                if (c == '[') {
                    f->top_is_array = 1;
                } else {
                    f->top_is_array = 0;
                    f->mode = FRAME_TOP;
                    begin_elem(f, i); /* a lone finding or a response */
                }
            } else if (f->depth == 1 && f->top_is_array && f->elem_start < 0) {
                begin_elem(f, i);
            } else if (f->depth == 1 && !f->top_is_array && c == '[' && f->last_key_findings &&
                       f->mode == FRAME_TOP) {
                f->mode = FRAME_RESPONSE; /* the whole object is a response */
                f->elem_start = -1;
            } else if (f->depth == 2 && f->mode == FRAME_RESPONSE && f->elem_start < 0) {
                begin_elem(f, i);
            }
            f->last_key_findings = 0;
            f->expect_colon = 0;
            f->depth++;
            break;
        case '}':
        case ']':
            if (f->depth == 0) {
                f->junk = 1;
                f->cb(f->arg, NULL, 0, f->line, "unbalanced bracket", &f->stop);
                break;
            }
            f->depth--;
            if (f->elem_start >= 0 && f->depth == f->elem_depth)
                deliver(f, i + 1);
            if (f->depth == 1 && f->mode == FRAME_RESPONSE && c == ']')
                f->mode = FRAME_TOP; /* rest of the response: ignored */
            if (f->depth == 0) {
                f->mode = FRAME_TOP;
                f->top_is_array = 0;
            }
            break;
        default:
            if (f->depth == 0) {
                f->junk = 1;
                f->cb(f->arg, NULL, 0, f->line, "not a JSON object or array", &f->stop);
            }
            break;
        }
    }
    f->pos = n;
}

/* Drops delivered bytes; enforces the size limit on the current finding. */
static int compact(struct framer *f)
{
    if (f->pending >= 0) {
        /* keep the finding the fast path is waiting on */
        size_t from = (size_t)f->pending;
        memmove(f->win.data, f->win.data + from, f->win.len - from);
        f->win.len -= from;
        f->pending = 0;
        f->pos = 0;
        f->frame_at = -1;
        f->str_start = -1;
        return 0;
    }
    f->frame_at = -1;
    if (f->elem_start < 0) {
        /* keep nothing: but a string at depth 1 may be a key in progress */
        size_t keep_from = f->win.len;
        if (f->in_string && f->str_start >= 0)
            keep_from = (size_t)f->str_start;
        memmove(f->win.data, f->win.data + keep_from, f->win.len - keep_from);
        f->win.len -= keep_from;
        if (f->str_start >= 0)
            f->str_start -= (long)keep_from;
        f->pos = f->win.len;
        return 0;
    }
    size_t start = (size_t)f->elem_start;
    size_t cur = f->win.len - start;
    if (f->oversize || cur > HW_FINDING_MAX_BYTES) {
        f->elem_len += f->oversize ? f->win.len : cur;
        f->oversize = 1;
        f->win.len = 0;
        f->elem_start = 0;
        f->str_start = -1;
        f->pos = 0;
        return 0;
    }
    if (start > 0) {
        memmove(f->win.data, f->win.data + start, cur);
        f->win.len = cur;
        if (f->str_start >= 0)
            f->str_start -= (long)start;
        f->elem_start = 0;
        f->pos = cur;
    }
    return 0;
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
    f->take = take;
    f->cb = cb;
    f->arg = arg;
    f->name = name;
}

static int framer_finish(struct framer *f, int rc, hw_err *e)
{
    if (rc == HW_OK && !f->stop && (f->depth != 0 || f->in_string)) {
        /* truncated: the complete findings before it were delivered */
        rc = hw_err_set(e, HW_EINVAL, "%s: line %ld: the input ends inside a JSON value (truncated?)",
                        f->name, f->elem_start >= 0 ? f->elem_line : f->line);
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
        f->pos = (size_t)f->pending;
        f->frame_at = f->pending;
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

/* Bytes read at a time (straight into the window). */
#define READ_CHUNK (256u * 1024u)

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
    int rc = HW_OK;
    for (;;) {
        /* room for a chunk after what the window keeps */
        if (hw_buf_reserve(&f.win, READ_CHUNK) < 0) {
            rc = hw_err_set(e, HW_ENOMEM, "%s: out of memory", path);
            break;
        }
        int n = gzread(gz, f.win.data + f.win.len, READ_CHUNK);
        if (n < 0) {
            int zerr;
            const char *msg = gzerror(gz, &zerr);
            rc = hw_err_set(e, HW_EIO, "%s: line %ld: %s", path, f.line,
                            zerr == Z_ERRNO ? strerror(errno) : msg);
            break;
        }
        if (n == 0) {
            scan_rest(&f);
            break;
        }
        f.win.len += (size_t)n;
        scan_bytes(&f);
        if (f.stop)
            break;
        compact(&f);
    }
    gzclose(gz);
    return framer_finish(&f, rc, e);
}
