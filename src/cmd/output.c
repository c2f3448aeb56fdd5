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

/* Printable form for a terminal: control characters become '?', and the
 * cell is cut to width display characters (UTF-8 aware). */
static void put_cell(FILE *f, const char *s, int width, int last)
{
    int used = 0;
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    while (*p && used < width) {
        if (*p < 0x20 || *p == 0x7f) {
            fputc('?', f);
            p++;
        } else if (*p < 0x80) {
            fputc(*p++, f);
        } else {
            /* copy one UTF-8 sequence; C1 controls (U+0080..U+009F) -> '?' */
            int len = (*p >= 0xF0) ? 4 : (*p >= 0xE0) ? 3 : (*p >= 0xC0) ? 2 : 1;
            if (len == 2 && p[0] == 0xC2 && p[1] >= 0x80 && p[1] < 0xA0) {
                fputc('?', f);
                p += 2;
            } else {
                for (int i = 0; i < len && *p; i++)
                    fputc(*p++, f);
            }
        }
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
            fputs(text, o->f);
            fputc('\n', o->f);
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
