/*
 * fuzz_ingest.c - libFuzzer target for the ingest's hostile-input path
 * (`make fuzz`).  For every input it checks, under ASan and UBSan:
 *
 *  - the reader with its one-pass fast path stores exactly what framing
 *    then parsing stores (same findings, same counts, same error), the
 *    fast path's correctness rule;
 *  - the chunked reader (the one that reads files) stores the same again,
 *    with the read boundary at every offset: the first read is 1..WINDOW
 *    bytes, then WINDOW at a time; and so again with a small size limit,
 *    so that findings and preambles larger than it are met too;
 *  - hw_finding_parse() never accepts a text that cJSON rejects, and
 *    where both accept, the identifying fields agree with cJSON's.
 *
 * Any disagreement aborts, which libFuzzer reports with the input.
 */
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/finding.h"
#include "scan/reader.h"
#include "scan/ingest.h"

static char org_ids[2][13] = { "222222222222", "333333333333" };
static const hw_orgset org = { org_ids, 2, 1 };

struct seen {
    hw_buf ids;
};

static int record(void *ctx, const hw_finding *f, const char *raw, size_t rawlen, int *outcome,
                  hw_err *e)
{
    struct seen *s = ctx;
    (void)e;
    hw_buf_printf(&s->ids, "%s|%s|%s|%zu|%d\n", f->id, f->account_id, f->severity, rawlen,
                  f->trusted);
    (void)raw;
    *outcome = HW_OUTCOME_NEW;
    return HW_OK;
}

/* Read boundaries at every offset of a window this large. */
#define WINDOW 8
/* The small size limit of the second chunked round. */
#define SMALL_LIMIT 300

/* first == 0: the in-memory reader; else the chunked reader, first bytes
 * then WINDOW at a time, with the size limit `limit` (0: the default). */
static void run(const uint8_t *data, size_t size, int fast, size_t first, size_t limit,
                struct seen *s, hw_ingest_stats *st, int *rc)
{
    hw_ingest in;
    hw_buf_init(&s->ids, 0);
    hw_ingest_init(&in, &org, record, s);
    in.max_skip_logs = 0;
    hw_err e;
    hw_err_clear(&e);
    if (first)
        *rc = hw_reader_mem_chunked("fuzz", (const char *)data, size, first, WINDOW, limit,
                                    fast ? hw_ingest_take : NULL, hw_ingest_reader_cb, &in, &e);
    else
        *rc = hw_reader_mem("fuzz", (const char *)data, size, fast ? hw_ingest_take : NULL,
                            hw_ingest_reader_cb, &in, &e);
    *st = in.stats;
    hw_ingest_free(&in);
}

static void same(const char *what, size_t first, const struct seen *a, const hw_ingest_stats *sa,
                 int ra, const struct seen *b, const hw_ingest_stats *sb, int rb)
{
    if (ra != rb || sa->seen != sb->seen || sa->added != sb->added ||
        sa->skipped != sb->skipped || sa->damaged != sb->damaged ||
        strcmp(hw_buf_str(&a->ids), hw_buf_str(&b->ids)) != 0) {
        fprintf(stderr, "%s (first read %zu) differs: rc %d/%d seen %zu/%zu added %zu/%zu "
                        "skipped %zu/%zu damaged %zu/%zu\n--- reference\n%s--- this\n%s",
                what, first, ra, rb, sa->seen, sb->seen, sa->added, sb->added, sa->skipped,
                sb->skipped, sa->damaged, sb->damaged, hw_buf_str(&a->ids), hw_buf_str(&b->ids));
        abort();
    }
}

static void differential_parse(const uint8_t *data, size_t size)
{
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    if (hw_finding_parse((const char *)data, size, &org, &f, &e) == HW_OK) {
        char *t = malloc(size + 1);
        memcpy(t, data, size);
        t[size] = '\0';
        const char *end = NULL;
        cJSON *o = cJSON_ParseWithOpts(t, &end, 1);
        if (!o || (size_t)(end - t) != size) {
            fprintf(stderr, "accepted what cJSON rejects\n");
            abort();
        }
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "Id");
        const cJSON *acct = cJSON_GetObjectItemCaseSensitive(o, "AwsAccountId");
        if (!cJSON_IsString(id) || strcmp(id->valuestring, f.id) != 0 || !cJSON_IsString(acct) ||
            strcmp(acct->valuestring, f.account_id) != 0) {
            fprintf(stderr, "fields differ from cJSON's\n");
            abort();
        }
        cJSON_Delete(o);
        free(t);
    }
    hw_finding_free(&f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hw_log_init(HW_LOG_ERROR, 0); /* skipped findings are expected */
    struct seen a, b, c;
    hw_ingest_stats sa, sb, sc;
    int ra, rb, rc;
    run(data, size, 0, 0, 0, &a, &sa, &ra);
    run(data, size, 1, 0, 0, &b, &sb, &rb);
    same("fast path vs framed path", 0, &a, &sa, ra, &b, &sb, rb);
    hw_buf_free(&b.ids);
    for (size_t first = 1; first <= WINDOW; first++) {
        run(data, size, 1, first, 0, &c, &sc, &rc);
        same("chunked reader vs in-memory reader", first, &a, &sa, ra, &c, &sc, rc);
        hw_buf_free(&c.ids);
    }
    hw_buf_free(&a.ids);
    /* a small limit: the whole input in one read is the reference */
    run(data, size, 0, size + 1, SMALL_LIMIT, &a, &sa, &ra);
    for (size_t first = 1; first <= WINDOW; first++) {
        run(data, size, 1, first, SMALL_LIMIT, &c, &sc, &rc);
        same("chunked reader, small limit", first, &a, &sa, ra, &c, &sc, rc);
        hw_buf_free(&c.ids);
    }
    hw_buf_free(&a.ids);
    differential_parse(data, size);
    return 0;
}
