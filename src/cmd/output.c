/*
 * output.c - one output switch for every command that prints results:
 * --output table|json|jsonl|csv (and --json), the same field names in
 * every format, rows written as they come so that memory stays flat in
 * the number of rows.
 *
 * Finding fields are hostile: a title may carry terminal escape sequences,
 * newlines or a spreadsheet formula.  Tables replace control characters
 * (so no escape sequence ever reaches the terminal) and cut long cells
 * with "…"; CSV quotes every cell as RFC 4180 says and defuses cells that
 * a spreadsheet would run as a formula; JSON strings are escaped here.
 */
#include "cmd/cmd.h"

#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static size_t put_char(FILE *f, const unsigned char *p);

static const char *const format_names[] = { "table", "csv", "json", "jsonl" };

const char *hw_out_format_name(int format)
{
    return format >= 0 && format < (int)HW_ARRAY_LEN(format_names) ? format_names[format] : "?";
}

int hw_out_format_parse(const struct hw_command *cmd, const char *output, int json_flag,
                        unsigned can, int *format)
{
    int f = HW_OUT_TABLE;
    if (output) {
        size_t i = 0;
        while (i < HW_ARRAY_LEN(format_names) && strcmp(output, format_names[i]) != 0)
            i++;
        if (i == HW_ARRAY_LEN(format_names))
            return hw_usage_error(cmd, "--output: expected table, json, jsonl or csv, got '%s'",
                                  output);
        f = (int)i;
        if (json_flag && f != HW_OUT_JSON)
            return hw_usage_error(cmd, "--json and --output %s exclude each other", output);
    } else if (json_flag) {
        f = HW_OUT_JSON;
    }
    if (!(can & HW_OUT_CAN(f)))
        return hw_usage_error(cmd, "cannot print %s (--output %s)",
                              f == HW_OUT_CSV ? "CSV" : hw_out_format_name(f),
                              hw_out_format_name(f));
    *format = f;
    return 0;
}

int hw_out_terminal_width(FILE *f)
{
    const char *c = getenv("COLUMNS");
    if (c && *c) {
        char *end;
        long v = strtol(c, &end, 10);
        if (!*end && v >= 20 && v <= 10000)
            return (int)v;
    }
    struct winsize ws;
    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20)
        return ws.ws_col;
    return 120;
}

/* ------------------------------------------------------------ JSON text */

void hw_out_json_string(FILE *f, const char *s)
{
    fputc('"', f);
    const char *p = s ? s : "";
    size_t left = strlen(p);
    while (left) {
        unsigned char c = (unsigned char)*p;
        uint32_t cp = c;
        size_t len = c < 0x80 ? 1 : hw_utf8_decode(p, left, &cp);
        switch (cp) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (len == 0) /* not UTF-8: the replacement character */
                fputs("\\ufffd", f);
            else if (cp < 0x20 || hw_char_steers_terminal(cp))
                fprintf(f, "\\u%04x", (unsigned)cp);
            else
                fwrite(p, 1, len, f);
        }
        len = len ? len : 1;
        p += len;
        left -= len;
    }
    fputc('"', f);
}

static void json_value(FILE *f, const hw_out_col *c, const char *v)
{
    switch (c->kind) {
    case HW_COL_NULLABLE:
        if (!v || !*v) {
            fputs("null", f);
            return;
        }
        break;
    case HW_COL_BOOL:
        fputs(v && strcmp(v, "true") == 0 ? "true" : "false", f);
        return;
    case HW_COL_NUMBER:
        if (!v || !*v || strspn(v, "0123456789") != strlen(v))
            fputs("null", f);
        else
            fputs(v, f);
        return;
    case HW_COL_JSON: {
        /* JSON text the store wrote (an array or object); anything else
         * is not passed through */
        size_t n = v ? strlen(v) : 0;
        if (n >= 2 && ((v[0] == '[' && v[n - 1] == ']') || (v[0] == '{' && v[n - 1] == '}')))
            fputs(v, f);
        else
            fputs("null", f);
        return;
    }
    default:
        break;
    }
    hw_out_json_string(f, v);
}

void hw_out_terminal_json(FILE *f, const char *text)
{
    /* JSON text whose strings are escaped already: only what is not
     * UTF-8, or would steer a terminal, is left to mend (text.c) */
    hw_buf b = HW_BUF_INIT(0);
    if (hw_text_for_json(&b, text, strlen(text)) == 0)
        fwrite(hw_buf_str(&b), 1, b.len, f);
    hw_buf_free(&b);
}

void hw_out_terminal_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p;)
        p += put_char(f, p);
}

/* ---------------------------------------------------------------- table */

/* Display characters of a UTF-8 string (one per code point). */
static size_t display_len(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

/* Writes one code point of s, or '?' for one that would steer a terminal
 * (text.c) or a byte that begins no UTF-8 sequence; returns the bytes
 * used. */
static size_t put_char(FILE *f, const unsigned char *p)
{
    uint32_t cp = 0;
    size_t len = hw_utf8_decode((const char *)p, strnlen((const char *)p, 4), &cp);
    if (len == 0 || hw_char_steers_terminal(cp)) {
        fputc('?', f);
        return len ? len : 1;
    }
    fwrite(p, 1, len, f);
    return len;
}

/* One table cell: cut to width with "…" (at the end, or at the start for
 * tail columns such as an ARN whose end is the part that differs), padded
 * to width plus one space unless last.  width < 0: never cut (--wide). */
static void put_cell(FILE *f, const char *s, int width, int tail, int last)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = display_len((const char *)p);
    size_t used = 0;
    if (width >= 0 && len > (size_t)width && width >= 2) {
        size_t keep = (size_t)width - 1;
        if (tail) {
            fputs("…", f);
            for (size_t skip = len - keep; skip; skip--) /* skip code points */
                for (p++; (*p & 0xC0) == 0x80; p++)
                    ;
            while (*p)
                p += put_char(f, p);
        } else {
            for (size_t i = 0; i < keep; i++)
                p += put_char(f, p);
            fputs("…", f);
        }
        used = (size_t)width;
    } else {
        while (*p)
            p += put_char(f, p);
        used = len;
    }
    if (last)
        return;
    size_t pad = width >= 0 && used < (size_t)width ? (size_t)width - used : 0;
    for (size_t i = 0; i <= pad; i++)
        fputc(' ', f);
}

static void csv_cell(FILE *f, const char *s)
{
    s = s ? s : "";
    fputc('"', f);
    /* a leading = + - @ (or tab/CR) makes spreadsheets evaluate the cell */
    if (*s == '=' || *s == '+' || *s == '-' || *s == '@' || *s == '\t' || *s == '\r')
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void hw_out_init(hw_out *o, FILE *f, int format, const hw_out_col *cols, size_t ncols, int wide)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->format = format;
    o->cols = cols;
    o->ncols = ncols < HW_OUT_MAXCOLS ? ncols : HW_OUT_MAXCOLS;
    o->wide = wide;
    if (format != HW_OUT_TABLE)
        return;
    int fixed = 0, fill = -1, nshown = 0;
    for (size_t i = 0; i < o->ncols; i++) {
        o->shown[i] = wide || (cols[i].flags & HW_COL_NARROW);
        if (!o->shown[i])
            continue;
        nshown++;
        int w = cols[i].width;
        int h = (int)strlen(cols[i].name);
        o->width[i] = w > h ? w : h;
        if (!wide && (cols[i].flags & HW_COL_FILL))
            fill = (int)i;
        else
            fixed += o->width[i];
    }
    if (fill >= 0) {
        int tw = hw_out_terminal_width(f);
        int h = (int)strlen(cols[fill].name);
        int min = h > 20 ? h : 20;
        /* too narrow: drop other columns (highest drop first, then the
         * rightmost) until the filling one has room; the first stays */
        while (tw - fixed - (nshown - 1) < min) {
            int victim = -1;
            for (int i = (int)o->ncols - 1; i > 0; i--)
                if (o->shown[i] && i != fill &&
                    (victim < 0 || cols[i].drop > cols[victim].drop))
                    victim = i;
            if (victim < 0)
                break;
            o->shown[victim] = 0;
            fixed -= o->width[victim];
            nshown--;
        }
        int left = tw - fixed - (nshown - 1);
        o->width[fill] = left > h ? left : h;
    }
}

void hw_out_header(hw_out *o)
{
    if (o->format == HW_OUT_JSON) {
        fputc('[', o->f);
        return;
    }
    if (o->format == HW_OUT_JSONL)
        return;
    const char *cells[HW_OUT_MAXCOLS];
    for (size_t i = 0; i < o->ncols; i++)
        cells[i] = o->cols[i].name;
    if (o->format == HW_OUT_CSV) {
        for (size_t i = 0; i < o->ncols; i++) {
            if (i)
                fputc(',', o->f);
            csv_cell(o->f, cells[i]);
        }
        fputs("\r\n", o->f);
        return;
    }
    size_t lastshown = 0;
    for (size_t i = 0; i < o->ncols; i++)
        if (o->shown[i])
            lastshown = i;
    for (size_t i = 0; i < o->ncols; i++)
        if (o->shown[i])
            put_cell(o->f, cells[i], o->width[i], 0, i == lastshown);
    fputc('\n', o->f);
}

void hw_out_row(hw_out *o, const char *const *cells)
{
    FILE *f = o->f;
    if (o->format == HW_OUT_JSON || o->format == HW_OUT_JSONL) {
        if (o->format == HW_OUT_JSON)
            fputs(o->rows ? ",\n  " : "\n  ", f);
        fputc('{', f);
        for (size_t i = 0; i < o->ncols; i++) {
            if (i)
                fputs(", ", f);
            hw_out_json_string(f, o->cols[i].name);
            fputs(": ", f);
            json_value(f, &o->cols[i], cells[i]);
        }
        fputc('}', f);
        if (o->format == HW_OUT_JSONL)
            fputc('\n', f);
    } else if (o->format == HW_OUT_CSV) {
        for (size_t i = 0; i < o->ncols; i++) {
            if (i)
                fputc(',', f);
            csv_cell(f, cells[i]);
        }
        fputs("\r\n", f);
    } else {
        size_t lastshown = 0;
        for (size_t i = 0; i < o->ncols; i++)
            if (o->shown[i])
                lastshown = i;
        for (size_t i = 0; i < o->ncols; i++)
            if (o->shown[i])
                put_cell(f, cells[i], o->wide ? -1 : o->width[i],
                         (o->cols[i].flags & HW_COL_TAIL) != 0, i == lastshown);
        fputc('\n', f);
    }
    o->rows++;
}

int hw_out_finish(hw_out *o)
{
    if (o->format == HW_OUT_JSON)
        fputs(o->rows ? "\n]\n" : "]\n", o->f);
    return fflush(o->f) != 0 || ferror(o->f) ? -1 : 0;
}

int hw_out_document(FILE *f, int format, cJSON *j)
{
    char *text = NULL;
    if (j)
        text = format == HW_OUT_JSONL ? cJSON_PrintUnformatted(j) : cJSON_Print(j);
    cJSON_Delete(j);
    if (!text)
        return -1;
    fputs(text, f);
    fputc('\n', f);
    cJSON_free(text);
    return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
