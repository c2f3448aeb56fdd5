/*
 * jsonlex.c - see jsonlex.h.
 *
 * Strings are most of a finding's bytes, so string scanning is the hot
 * loop: sixteen bytes (SSE2) or eight (a plain word) are tested at once for
 * the only bytes that need a look (quote, backslash, control characters,
 * non-ASCII), the rest are skipped or copied in runs.
 *
 * Errors leave L->p where the input stopped making sense; at L->end means
 * the input ended early, which the reader's fast path takes as "read
 * more".  (A literal, escape or UTF-8 sequence cut by the end is reported
 * at its start instead: the reader then frames that finding the slow way,
 * with the same result.)
 */
#include "scan/jsonlex.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

void hw_jlex_init(hw_jlex *L, const char *bytes, size_t len)
{
    L->base = L->p = (const unsigned char *)bytes;
    L->end = L->p + len;
    L->depth = 0;
    L->err[0] = '\0';
}

int hw_jlex_fail(hw_jlex *L, const char *what)
{
    if (L->p >= L->end)
        snprintf(L->err, sizeof L->err, "%s: the input ends early", what);
    else
        snprintf(L->err, sizeof L->err, "%s at byte %zu", what, (size_t)(L->p - L->base));
    return -1;
}

/* Expects c (after whitespace) and steps over it; -1 otherwise. */
static int hw_jlex_expect(hw_jlex *L, char c)
{
    hw_jlex_ws(L);
    if (L->p >= L->end || *L->p != (unsigned char)c) {
        char what[32];
        snprintf(what, sizeof what, "not valid JSON: expected '%c'", c);
        return hw_jlex_fail(L, what);
    }
    L->p++;
    return 0;
}

#define ONES 0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Non-zero when one of the eight bytes is '"', '\\', below 0x20 or above
 * 0x7F.  (Exact as a whole: a false signal in one byte only happens above
 * a byte that really matches.) */
static inline uint64_t special8(uint64_t x)
{
    uint64_t q = x ^ (ONES * '"'), b = x ^ (ONES * '\\');
    uint64_t zq = (q - ONES) & ~q, zb = (b - ONES) & ~b;
    uint64_t lt = (x - ONES * 0x20) & ~x; /* bytes < 0x20 (and >= 0x80) */
    return (zq | zb | lt | x) & HIGHS;
}

/* Length of the valid UTF-8 sequence at p (2-4 bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, const unsigned char *end)
{
    unsigned c = p[0];
    size_t avail = (size_t)(end - p);
    if (c >= 0xC2 && c <= 0xDF)
        return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (avail < 3 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80)
            return 0;
        if (c == 0xE0 && p[1] < 0xA0)
            return 0; /* overlong */
        if (c == 0xED && p[1] >= 0xA0)
            return 0; /* a surrogate */
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (avail < 4 || (p[1] & 0xC0) != 0x80 || (p[2] & 0xC0) != 0x80 ||
            (p[3] & 0xC0) != 0x80)
            return 0;
        if (c == 0xF0 && p[1] < 0x90)
            return 0; /* overlong */
        if (c == 0xF4 && p[1] >= 0x90)
            return 0; /* above U+10FFFF */
        return 4;
    }
    return 0;
}

static int hex4(const unsigned char *p, unsigned *v)
{
    unsigned r = 0;
    for (int i = 0; i < 4; i++) {
        unsigned c = p[i], d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            d = c - 'A' + 10;
        else
            return -1;
        r = r << 4 | d;
    }
    *v = r;
    return 0;
}

/* Appends code point cp as UTF-8 to out (bounded by cap). */
static void put_cp(char *out, size_t cap, size_t *n, int *flags, unsigned cp)
{
    char u[4];
    size_t k;
    if (cp < 0x80) {
        u[0] = (char)cp;
        k = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        k = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        k = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        k = 4;
    }
    if (!out)
        return;
    if (*n + k > cap) {
        *flags |= HW_JSTR_LONG;
        return;
    }
    memcpy(out + *n, u, k);
    *n += k;
}

/* Copies the run [from, to) to out (bounded by cap). */
static inline void put_run(char *out, size_t cap, size_t *n, int *flags,
                           const unsigned char *from, const unsigned char *to)
{
    size_t k = (size_t)(to - from);
    if (!out || !k)
        return;
    if (*n + k > cap) {
        k = cap - *n;
        *flags |= HW_JSTR_LONG;
    }
    memcpy(out + *n, from, k);
    *n += k;
}

/* One escape sequence, L->p just after the backslash. */
static int escape(hw_jlex *L, char *out, size_t cap, size_t *n, int *flags)
{
    if (L->p >= L->end)
        return hw_jlex_fail(L, "not valid JSON: unterminated string");
    unsigned c = *L->p++, cp;
    switch (c) {
    case '"': cp = '"'; break;
    case '\\': cp = '\\'; break;
    case '/': cp = '/'; break;
    case 'b': cp = '\b'; break;
    case 'f': cp = '\f'; break;
    case 'n': cp = '\n'; break;
    case 'r': cp = '\r'; break;
    case 't': cp = '\t'; break;
    case 'u':
        if (L->end - L->p < 4 || hex4(L->p, &cp) < 0)
            return hw_jlex_fail(L, "not valid JSON: bad \\u escape");
        L->p += 4;
        if (cp >= 0xDC00 && cp <= 0xDFFF)
            return hw_jlex_fail(L, "not valid JSON: \\u escape of a lone low surrogate");
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned lo;
            if (L->end - L->p < 6 || L->p[0] != '\\' || L->p[1] != 'u' ||
                hex4(L->p + 2, &lo) < 0 || lo < 0xDC00 || lo > 0xDFFF)
                return hw_jlex_fail(L, "not valid JSON: \\u escape of a lone high surrogate");
            L->p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        if (cp == 0)
            *flags |= HW_JSTR_NUL;
        break;
    default:
        L->p--;
        return hw_jlex_fail(L, "not valid JSON: unknown escape");
    }
    put_cp(out, cap, n, flags, cp);
    return 0;
}

static inline int special(unsigned c)
{
    return c < 0x20 || c >= 0x80 || c == '"' || c == '\\';
}

/* Index of the first byte of the word at p that needs a look (m, from
 * special8(), is not 0).  On little-endian machines a false signal only
 * ever sits above a real one, so the lowest is real. */
static inline unsigned first_byte(const unsigned char *p, uint64_t m)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    (void)p;
    return (unsigned)__builtin_ctzll(m) >> 3;
#else
    (void)m;
    unsigned i = 0;
    while (!special(p[i]))
        i++;
    return i;
#endif
}

int hw_jlex_string(hw_jlex *L, char *out, size_t cap, size_t *nout, int *flags)
{
    const unsigned char *p = L->p + 1, *end = L->end, *run = p;
    size_t n = 0;
    int fl = 0;
    for (;;) {
        /* to the next byte that needs a look: sixteen at a time with SSE2
         * (every x86-64 has it), else eight at a time in a word (the first
         * flagged byte of a word is always a real one) */
#ifdef __SSE2__
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            /* signed: bytes >= 0x80 are negative, so one compare finds
             * them and the control characters */
            __m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
            unsigned bits = (unsigned)_mm_movemask_epi8(m);
            if (bits) {
                p += __builtin_ctz(bits);
                goto found;
            }
            p += 16;
        }
#endif
        for (;;) {
            if (end - p < 8) {
                while (p < end && !special(*p))
                    p++;
                break;
            }
            uint64_t x;
            memcpy(&x, p, 8);
            uint64_t m = special8(x);
            if (m) {
                p += first_byte(p, m);
                break;
            }
            p += 8;
        }
#ifdef __SSE2__
    found:
#endif
        if (p >= end) {
            L->p = p;
            return hw_jlex_fail(L, "not valid JSON: unterminated string");
        }
        unsigned c = *p;
        if (c == '"') {
            put_run(out, cap, &n, &fl, run, p);
            L->p = p + 1;
            break;
        }
        if (c == '\\') {
            put_run(out, cap, &n, &fl, run, p);
            fl |= HW_JSTR_ESC;
            L->p = p + 1;
            if (escape(L, out, cap, &n, &fl) < 0)
                return -1;
            p = run = L->p;
            continue;
        }
        if (c < 0x20) {
            L->p = p;
            return hw_jlex_fail(L, "not valid JSON: control character in a string");
        }
        size_t k = utf8_seq(p, end);
        if (!k) {
            L->p = p;
            return hw_jlex_fail(L, (size_t)(end - p) < 4 ? "invalid UTF-8: the input ends early"
                                                          : "invalid UTF-8");
        }
        p += k;
    }
    if (out)
        out[n] = '\0';
    if (nout)
        *nout = n;
    if (flags)
        *flags = fl;
    return 0;
}

int hw_jlex_number(hw_jlex *L, const char **tok, size_t *toklen)
{
    const unsigned char *p = L->p, *end = L->end, *start = p;
    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9') {
        L->p = p;
        return hw_jlex_fail(L, "not valid JSON: bad number");
    }
    if (*p == '0')
        p++;
    else
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    if (p < end && *p == '.') {
        p++;
        if (p >= end || *p < '0' || *p > '9') {
            L->p = p;
            return hw_jlex_fail(L, "not valid JSON: bad number");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (p >= end || *p < '0' || *p > '9') {
            L->p = p;
            return hw_jlex_fail(L, "not valid JSON: bad number");
        }
        while (p < end && *p >= '0' && *p <= '9')
            p++;
    }
    L->p = p;
    if (tok)
        *tok = (const char *)start;
    if (toklen)
        *toklen = (size_t)(p - start);
    return 0;
}

static int literal(hw_jlex *L, const char *word, size_t n)
{
    if ((size_t)(L->end - L->p) < n || memcmp(L->p, word, n) != 0)
        return hw_jlex_fail(L, "not valid JSON: unexpected character");
    L->p += n;
    return 0;
}

/* A member name and its colon: *k points at the name's bytes in the input
 * when it has no escapes (nearly always), else at its decoded form in buf;
 * a name that does not fit buf, or holds a NUL, gets a length that matches
 * nothing a caller looks for. */
static int member_name(hw_jlex *L, char *buf, size_t cap, const char **k, size_t *n)
{
    hw_jlex_ws(L);
    if (L->p >= L->end || *L->p != '"')
        return hw_jlex_fail(L, "not valid JSON: expected a member name");
    const unsigned char *start = L->p;
    int fl = 0;
    if (hw_jlex_string(L, NULL, 0, NULL, &fl) < 0)
        return -1;
    if (!(fl & HW_JSTR_ESC)) {
        *k = (const char *)start + 1;
        *n = (size_t)(L->p - start) - 2;
    } else {
        const unsigned char *after = L->p;
        L->p = start;
        if (hw_jlex_string(L, buf, cap - 1, n, &fl) < 0)
            return -1;
        L->p = after;
        *k = buf;
        if (fl & (HW_JSTR_LONG | HW_JSTR_NUL))
            *n = cap;
    }
    if (hw_jlex_expect(L, ':') < 0)
        return -1;
    hw_jlex_ws(L);
    return 0;
}

int hw_jlex_container(hw_jlex *L, hw_jlex_item_cb cb, void *arg)
{
    if (++L->depth > HW_JSON_MAX_DEPTH)
        return hw_jlex_fail(L, "nested too deeply");
    int object = *L->p == '{';
    char close = object ? '}' : ']';
    L->p++;
    hw_jlex_ws(L);
    if (L->p < L->end && *L->p == close) {
        L->p++;
        L->depth--;
        return 0;
    }
    for (;;) {
        char buf[24];
        const char *key = NULL;
        size_t n = 0;
        if (object && member_name(L, buf, sizeof buf, &key, &n) < 0)
            return -1;
        hw_jlex_ws(L);
        if (cb(L, arg, key, n) < 0)
            return -1;
        hw_jlex_ws(L);
        if (L->p < L->end && *L->p == ',') {
            L->p++;
            continue;
        }
        if (L->p < L->end && *L->p == (unsigned char)close) {
            L->p++;
            L->depth--;
            return 0;
        }
        return hw_jlex_fail(L, object ? "not valid JSON: expected ',' or '}'"
                                       : "not valid JSON: expected ',' or ']'");
    }
}

static int skip_item(hw_jlex *L, void *arg, const char *key, size_t n)
{
    (void)arg, (void)key, (void)n;
    return hw_jlex_skip(L);
}

int hw_jlex_skip(hw_jlex *L)
{
    if (L->p >= L->end)
        return hw_jlex_fail(L, "not valid JSON: expected a value");
    switch (*L->p) {
    case '"':
        return hw_jlex_string(L, NULL, 0, NULL, NULL);
    case '{':
    case '[':
        return hw_jlex_container(L, skip_item, NULL);
    case 't':
        return literal(L, "true", 4);
    case 'f':
        return literal(L, "false", 5);
    case 'n':
        return literal(L, "null", 4);
    default:
        if (*L->p == '-' || (*L->p >= '0' && *L->p <= '9'))
            return hw_jlex_number(L, NULL, NULL);
        return hw_jlex_fail(L, "not valid JSON: unexpected character");
    }
}
