/*
 * fuzz_page.c - libFuzzer target: one Security Hub GetFindings response
 * body as the scan reads it (hw_scan_page): the envelope's NextToken and
 * the findings framed out of the same bytes into the ingest.  Checked:
 *  - a page is MALFORMED exactly when cJSON does not read one JSON object
 *    that spans the body (white space after it allowed);
 *  - NextToken is cJSON's (a non-empty string), and a page that hands
 *    back the token it was asked with ingests nothing;
 *  - every finding stored has an Id that cJSON finds in the document.
 */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/ingest.h"
#include "scan/pull.h"

static char org_ids[2][13] = { "222222222222", "333333333333" };
static const hw_orgset org = { org_ids, 2, 1 };

struct seen {
    hw_buf ids; /* "\n"-joined */
    size_t n;
};

static int record(void *ctx, const hw_finding *f, const char *raw, size_t rawlen, int *outcome,
                  hw_err *e)
{
    struct seen *s = ctx;
    (void)raw;
    (void)rawlen;
    (void)e;
    hw_buf_printf(&s->ids, "%s\n", f->id);
    s->n++;
    *outcome = HW_OUTCOME_NEW;
    return HW_OK;
}

static int has_id(const cJSON *j, const char *id, size_t len)
{
    for (const cJSON *c = j ? j->child : NULL; c; c = c->next) {
        if (c->string && strcmp(c->string, "Id") == 0 && cJSON_IsString(c) &&
            strlen(c->valuestring) == len && memcmp(c->valuestring, id, len) == 0)
            return 1;
        if (has_id(c, id, len))
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int once;
    if (!once) {
        once = 1;
        hw_log_init(-1, 0);
    }
    const char *body = (const char *)data;
    const char *end = NULL;
    cJSON *ref = cJSON_ParseWithLengthOpts(body, size, &end, 0);
    while (ref && end && end < body + size &&
           (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n'))
        end++;
    int whole = cJSON_IsObject(ref) && end == body + size;
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(ref, "NextToken");
    const char *want = cJSON_IsString(rt) && *rt->valuestring ? rt->valuestring : NULL;
    for (int round = 0; round < 2; round++) {
        /* round 1 asks with the page's own token: a repeat */
        const char *prev = round ? want : "fuzz-previous-token";
        if (round && (!want || !whole))
            break;
        struct seen s;
        hw_buf_init(&s.ids, 0);
        s.n = 0;
        hw_ingest in;
        hw_ingest_init(&in, &org, record, &s);
        in.max_skip_logs = 0;
        char *next = NULL;
        int pr = hw_scan_page(&in, "securityhub:333333333333:us-east-1", body, size, prev, &next);
        if ((pr == HW_SCAN_PAGE_MALFORMED) != !whole) {
            fprintf(stderr, "page: malformed %d, cJSON one whole object %d\n", pr, whole);
            abort();
        }
        if (pr == HW_SCAN_PAGE_OK &&
            ((want == NULL) != (next == NULL) || (want && strcmp(want, next) != 0))) {
            fprintf(stderr, "page: NextToken %s, cJSON %s\n", next ? next : "-", want ? want : "-");
            abort();
        }
        if (pr != HW_SCAN_PAGE_OK && (next || s.n)) {
            fprintf(stderr, "page: refused (%d) yet ingested %zu or a token\n", pr, s.n);
            abort();
        }
        if (round && pr != HW_SCAN_PAGE_REPEAT) {
            fprintf(stderr, "page: a repeated token was not noticed\n");
            abort();
        }
        const char *p = hw_buf_str(&s.ids);
        for (size_t k = 0; k < s.n; k++) {
            const char *nl = strchr(p, '\n');
            if (!nl || !has_id(ref, p, (size_t)(nl - p))) {
                fprintf(stderr, "page: a stored finding whose Id cJSON does not see: %.*s\n",
                        nl ? (int)(nl - p) : 40, p);
                abort();
            }
            p = nl + 1;
        }
        free(next);
        hw_ingest_free(&in);
        hw_buf_free(&s.ids);
    }
    cJSON_Delete(ref);
    return 0;
}
