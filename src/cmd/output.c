/*
 * output.c - tables, CSV and JSON on stdout for the query commands.
 *
 * Finding fields are hostile: a title may carry terminal escape sequences,
 * newlines or a spreadsheet formula.  Tables replace control characters
 * and cut long cells; CSV quotes every cell as RFC 4180 says and defuses
 * cells that a spreadsheet would run as a formula; JSON goes through cJSON.
 */
#include "cmd/cmd.h"

#include <string.h>

void hw_out_init(hw_out *o, FILE *f, int format, const char *const *columns,
                 const int *widths, size_t ncolumns)
{
    memset(o, 0, sizeof *o);
    o->f = f;
    o->format = format;
    o->columns = columns;
    o->widths = widths;
    o->ncolumns = ncolumns;
    if (format == HW_OUT_JSON)
        o->array = cJSON_CreateArray();
}

/* Printable form for a terminal: a character that steers a terminal
 * (C0, DEL, C1 such as CSI, bidirectional overrides such as U+202E, line
 * separators such as U+2028) or a byte that is not UTF-8 becomes '?', and
 * the cell is cut to width display characters. */
static void put_cell(FILE *f, const char *s, int width, int last)
{
    int used = 0;
    const char *p = s ? s : "";
    size_t left = strlen(p);
    while (left && used < width) {
        uint32_t cp;
        size_t len = hw_utf8_decode(p, left, &cp);
        if (len == 0 || hw_char_steers_terminal(cp))
            fputc('?', f);
        else
            fwrite(p, 1, len, f);
        len = len ? len : 1;
        p += len;
        left -= len;
        used++;
    }
    if (*p && width > 1) {
        /* mark the cut */
        fputs("~", f);
        used++;
    }
    if (!last)
        for (; used < width + 1; used++)
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

void hw_out_header(hw_out *o)
{
    if (o->format == HW_OUT_TABLE) {
        for (size_t i = 0; i < o->ncolumns; i++)
            put_cell(o->f, o->columns[i], o->widths[i], i + 1 == o->ncolumns);
        fputc('\n', o->f);
    } else if (o->format == HW_OUT_CSV) {
        for (size_t i = 0; i < o->ncolumns; i++) {
            if (i)
                fputc(',', o->f);
            csv_cell(o->f, o->columns[i]);
        }
        fputs("\r\n", o->f);
    }
}

void hw_out_row(hw_out *o, const char *const *cells, cJSON *json)
{
    o->rows++;
    if (o->format == HW_OUT_JSON) {
        if (json)
            cJSON_AddItemToArray(o->array, json);
        return;
    }
    cJSON_Delete(json);
    for (size_t i = 0; i < o->ncolumns; i++) {
        if (o->format == HW_OUT_TABLE) {
            put_cell(o->f, cells[i], o->widths[i], i + 1 == o->ncolumns);
        } else {
            if (i)
                fputc(',', o->f);
            csv_cell(o->f, cells[i]);
        }
    }
    fputs(o->format == HW_OUT_CSV ? "\r\n" : "\n", o->f);
}

int hw_out_finish(hw_out *o)
{
    int rc = 0;
    if (o->format == HW_OUT_JSON) {
        char *text = cJSON_PrintBuffered(o->array, 1 << 16, 1);
        if (text) {
            /* valid UTF-8 whatever the store holds (text.c) */
            hw_buf safe = HW_BUF_INIT(0);
            if (hw_text_for_json(&safe, text, strlen(text)) < 0)
                rc = -1;
            fwrite(hw_buf_str(&safe), 1, safe.len, o->f);
            fputc('\n', o->f);
            hw_buf_free(&safe);
            cJSON_free(text);
        } else {
            rc = -1;
        }
        cJSON_Delete(o->array);
        o->array = NULL;
    }
    if (fflush(o->f) != 0 || ferror(o->f))
        rc = -1;
    return rc;
}
