/*
 * text.c - hostile text made safe for where it goes: a terminal (text
 * logs, tables), a JSON document (--json, JSON log lines), or a fixed
 * buffer (cut at a character boundary, never inside one).
 *
 * Every field of a finding, a file name, a helper's output is untrusted:
 * invalid UTF-8 must not make a JSON document invalid, and a control
 * character must not steer the terminal of whoever reads a log (ESC and
 * CSI sequences, a right-to-left override that reorders what is shown).
 */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

size_t hw_utf8_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    if (n == 0)
        return 0;
    unsigned c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len;
    uint32_t v;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
        v = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        v = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        v = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[k] & 0x3F);
    }
    if ((len == 3 && v < 0x800) || (len == 4 && v < 0x10000) || v > 0x10FFFF ||
        (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

int hw_char_steers_terminal(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || /* C0, DEL, C1 (CSI is U+009B) */
           cp == 0x061C || cp == 0x200E || cp == 0x200F || /* bidirectional marks */
           (cp >= 0x202A && cp <= 0x202E) ||               /* embeddings, overrides */
           (cp >= 0x2066 && cp <= 0x2069) ||               /* isolates */
           cp == 0x2028 || cp == 0x2029;                   /* line, paragraph separators */
}

void hw_utf8_trim(char *s)
{
    size_t n = strlen(s);
    /* the last lead byte within the final four */
    size_t i = n;
    while (i > 0 && n - i < 4 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--;
    if (i == 0 || (unsigned char)s[i - 1] < 0x80)
        return;
    uint32_t cp;
    if (hw_utf8_decode(s + i - 1, n - (i - 1), &cp) != n - (i - 1))
        s[i - 1] = '\0';
}

int hw_text_for_terminal(hw_buf *out, const char *s, size_t n, char repl)
{
    int rc = 0;
    size_t i = 0;
    while (i < n && rc == 0) {
        uint32_t cp;
        size_t len = hw_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            rc = hw_buf_puts(out, "\xEF\xBF\xBD"); /* U+FFFD */
            i++;
        } else if (hw_char_steers_terminal(cp) && cp != '\t') {
            rc = hw_buf_putc(out, repl);
            i += len;
        } else {
            rc = hw_buf_append(out, s + i, len);
            i += len;
        }
    }
    return rc;
}

int hw_text_for_json(hw_buf *out, const char *s, size_t n)
{
    int rc = 0;
    size_t i = 0;
    while (i < n && rc == 0) {
        uint32_t cp;
        size_t len = hw_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            rc = hw_buf_puts(out, "\xEF\xBF\xBD");
            i++;
        } else if (cp >= 0x7F && hw_char_steers_terminal(cp)) {
            rc = hw_buf_printf(out, "\\u%04x", (unsigned)cp);
            i += len;
        } else {
            rc = hw_buf_append(out, s + i, len);
            i += len;
        }
    }
    return rc;
}
