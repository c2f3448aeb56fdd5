/*
 * test_scan.c - the finding parser (hostile input, trust rules) and the
 * streaming reader (formats, size limits, truncation).
 */
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "scan/scan.h"

#define FIXTURE "tests/data/findings/control_failed.json"

static char *fixture(size_t *len)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    if (hw_file_read(FIXTURE, 0, &b, &e) != HW_OK) {
        hw_buf_free(&b);
        return NULL;
    }
    return hw_buf_detach(&b, len);
}

static char org_ids[2][13] = { "222222222222", "333333333333" };
static const hw_orgset org = { org_ids, 2, 1 };

/* Parses the fixture after applying edit (may be NULL) to its cJSON tree;
 * *keep gets the printed text (free() it). */
static int parse_edit(void (*edit)(cJSON *), hw_finding *f, hw_err *e, char **keep)
{
    size_t len;
    char *text = fixture(&len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    cJSON *o = cJSON_ParseWithLength(text, len);
    free(text);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    if (edit)
        edit(o);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    hw_err_clear(e);
    int rc = hw_finding_parse(text, strlen(text), &org, f, e);
    *keep = text;
    return rc;
}

static void test_parse_control_finding(void)
{
    hw_finding f;
    hw_err e;
    char *o;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL(parse_edit(NULL, &f, &e, &o), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.control_id, "S3.8");
    CU_ASSERT_STRING_EQUAL(f.product_name, "securityhub");
    CU_ASSERT_EQUAL(f.product, HW_PRODUCT_SECURITYHUB);
    CU_ASSERT_STRING_EQUAL(f.compliance_status, "FAILED");
    CU_ASSERT_STRING_EQUAL(f.workflow_status, "NEW");
    CU_ASSERT_STRING_EQUAL(f.record_state, "ACTIVE");
    CU_ASSERT_STRING_EQUAL(f.severity, "HIGH");
    CU_ASSERT_STRING_EQUAL(f.region, "us-east-1");
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&f.resources), "[\"arn:aws:s3:::prod-data-lake-raw\"]");
    CU_ASSERT_STRING_EQUAL(f.resource_type, "AwsS3Bucket");
    CU_ASSERT_TRUE(f.trusted);
    CU_ASSERT_EQUAL(f.nrelated, 4);
    CU_ASSERT_STRING_EQUAL(f.related[1], "PCI DSS v4.0.1/1.4.4");
    CU_ASSERT_EQUAL(f.nstandards, 3);
    CU_ASSERT_STRING_EQUAL(f.standards[2], "standards/pci-dss/v/4.0.1");
    free(o);
    hw_finding_free(&f);
}

static void edit_third_party(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "ProductArn",
        cJSON_CreateString("arn:aws:securityhub:us-east-1:444455556666:product/444455556666/default"));
}
static void edit_foreign_resource(cJSON *o)
{
    cJSON *r = cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Resources"), 0);
    cJSON_ReplaceItemInObject(r, "Id", cJSON_CreateString("arn:aws:ec2:us-east-1:999999999999:instance/i-0abc"));
}
static void edit_outside_org(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "AwsAccountId", cJSON_CreateString("777777777777"));
}
static void edit_legacy_generator(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "GeneratorId",
        cJSON_CreateString("aws-foundational-security-best-practices/v/1.0.0/S3.8"));
}
static void edit_mismatched_control(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "GeneratorId", cJSON_CreateString("security-control/EC2.19"));
}

static void expect_untrusted(void (*edit)(cJSON *), const char *reason)
{
    hw_finding f;
    hw_err e;
    char *o;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL(parse_edit(edit, &f, &e, &o), HW_OK);
    CU_ASSERT_FALSE(f.trusted);
    if (!strstr(f.untrusted_reason, reason)) {
        fprintf(stderr, "\nreason '%s', want '%s'\n", f.untrusted_reason, reason);
        CU_FAIL("untrusted reason");
    }
    free(o);
    hw_finding_free(&f);
}

static void test_trust(void)
{
    expect_untrusted(edit_third_party, "is not Security Hub or GuardDuty");
    expect_untrusted(edit_foreign_resource, "belongs to account 999999999999");
    expect_untrusted(edit_outside_org, "777777777777 is not in the Organization");
    expect_untrusted(edit_legacy_generator, "is not a Security Hub control");
    expect_untrusted(edit_mismatched_control, "disagrees with GeneratorId");
}

static void del_id(cJSON *o) { cJSON_DeleteItemFromObject(o, "Id"); }
static void num_account(cJSON *o) { cJSON_ReplaceItemInObject(o, "AwsAccountId", cJSON_CreateNumber(3)); }
static void bad_time(cJSON *o) { cJSON_ReplaceItemInObject(o, "UpdatedAt", cJSON_CreateString("yesterday")); }
static void no_resources(cJSON *o) { cJSON_ReplaceItemInObject(o, "Resources", cJSON_CreateArray()); }
static void bad_severity(cJSON *o)
{
    cJSON_ReplaceItemInObject(cJSON_GetObjectItem(o, "Severity"), "Label", cJSON_CreateString("<script>"));
}
static void bad_state(cJSON *o) { cJSON_ReplaceItemInObject(o, "RecordState", cJSON_CreateString("DELETED")); }
static void long_id(cJSON *o)
{
    char *big = malloc(5000);
    memset(big, 'a', 4999);
    big[4999] = 0;
    cJSON_ReplaceItemInObject(o, "Id", cJSON_CreateString(big));
    free(big);
}

static void expect_rejected(void (*edit)(cJSON *), const char *msg)
{
    hw_finding f;
    hw_err e;
    char *o;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL(parse_edit(edit, &f, &e, &o), HW_EINVAL);
    if (!strstr(e.msg, msg)) {
        fprintf(stderr, "\ngot '%s', want '%s'\n", e.msg, msg);
        CU_FAIL("rejection reason");
    }
    free(o);
    hw_finding_free(&f);
}

static void test_rejects(void)
{
    expect_rejected(del_id, "Id: missing");
    expect_rejected(num_account, "AwsAccountId: expected a string");
    expect_rejected(bad_time, "UpdatedAt: not an ISO 8601 timestamp");
    expect_rejected(no_resources, "Resources: expected a non-empty array");
    expect_rejected(bad_severity, "Severity.Label: unknown value");
    expect_rejected(bad_state, "RecordState: expected ACTIVE or ARCHIVED");
    expect_rejected(long_id, "Id: longer than");
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    const char bad[] = "{\"Id\": \"\xff\xfe\"}";
    CU_ASSERT_EQUAL(hw_finding_parse(bad, sizeof bad - 1, &org, &f, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "invalid UTF-8"));
    hw_finding_free(&f);
}

/* ------------------------------------------------------------ reader */

struct collect {
    int n, skipped, damaged;
    long last_line;
    char reasons[512];
};

static void collect_cb(void *arg, int event, const char *bytes, size_t len, long line,
                       const char *why, int *stop)
{
    struct collect *c = arg;
    (void)stop;
    if (event != HW_READ_FINDING) {
        if (event == HW_READ_DAMAGE)
            c->damaged++;
        else
            c->skipped++;
        snprintf(c->reasons + strlen(c->reasons), sizeof c->reasons - strlen(c->reasons),
                 "%ld:%s;", line, why);
        return;
    }
    cJSON *o = cJSON_ParseWithLength(bytes, len);
    if (o && cJSON_GetObjectItem(o, "Id"))
        c->n++;
    cJSON_Delete(o);
    c->last_line = line;
}

static int write_tmp(char *path, const char *text, int gz)
{
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    if (gz) {
        gzFile g = gzdopen(fd, "wb");
        gzwrite(g, text, (unsigned)strlen(text));
        gzclose(g);
    } else {
        if (write(fd, text, strlen(text)) < 0) {
            close(fd);
            return -1;
        }
        close(fd);
    }
    return 0;
}

static struct collect read_text(const char *text, int gz, int *rc, hw_err *e)
{
    char path[] = "/tmp/hwreadXXXXXX";
    struct collect c;
    memset(&c, 0, sizeof c);
    CU_ASSERT_EQUAL(write_tmp(path, text, gz), 0);
    hw_err_clear(e);
    *rc = hw_reader_run(path, NULL, collect_cb, &c, e);
    unlink(path);
    return c;
}

static void test_reader_formats(void)
{
    int rc;
    hw_err e;
    struct collect c;
    c = read_text("{\"Findings\": [{\"Id\": \"a\"}, {\"Id\": \"b\", \"X\": [1, {\"y\": \"]}\"}]}], \"NextToken\": \"t\"}", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 2);
    c = read_text("[{\"Id\": \"a\"},\n {\"Id\": \"b\"},\n {\"Id\": \"c\"}]", 0, &rc, &e);
    CU_ASSERT_EQUAL(c.n, 3);
    CU_ASSERT_EQUAL(c.last_line, 3);
    c = read_text("{\"Id\": \"a\"}\n{\"Id\": \"b\", \"Findings\": \"x\"}\n", 1, &rc, &e); /* jsonl, gz */
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 2);
    /* a key named Findings inside a nested object is not the response's */
    c = read_text("{\"Id\": \"a\", \"P\": {\"Findings\": [1,2]}}\n", 0, &rc, &e);
    CU_ASSERT_EQUAL(c.n, 1);
    /* junk line in JSON lines: damage (no finding) with its line number,
     * the rest read */
    c = read_text("{\"Id\": \"a\"}\nnot json\n{\"Id\": \"b\"}\n", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_EQUAL(c.skipped, 0);
    CU_ASSERT_EQUAL(c.damaged, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reasons, "2:"));
}

/* EventBridge events carry findings in detail.findings: alone, in an
 * array, as JSON lines; an array of GetFindings responses holds findings
 * too.  Their other values are no findings. */
static void test_reader_envelopes(void)
{
    int rc;
    hw_err e;
    struct collect c;
    const char *ev1 = "{\"version\": \"0\", \"detail-type\": \"Security Hub Findings - Imported\", "
                      "\"resources\": [{\"Id\": \"not-a-finding\"}], "
                      "\"detail\": {\"findings\": [{\"Id\": \"a\"}, {\"Id\": \"b\"}]}}";
    const char *ev2 = "{\"detail-type\": \"Security Hub Findings - Custom Action\", \"detail\": "
                      "{\"actionName\": \"x\", \"extra\": {\"Id\": \"no\"}, \"findings\": [{\"Id\": \"c\"}]}, "
                      "\"region\": \"us-east-1\"}";
    char text[2048];
    c = read_text(ev1, 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_EQUAL(c.skipped + c.damaged, 0);
    snprintf(text, sizeof text, "[%s,\n%s]", ev1, ev2);
    c = read_text(text, 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 3);
    CU_ASSERT_EQUAL(c.skipped + c.damaged, 0);
    snprintf(text, sizeof text, "%s\n%s\n", ev1, ev2);
    c = read_text(text, 1, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 3);
    CU_ASSERT_EQUAL(c.last_line, 2);
    /* an array of GetFindings responses */
    c = read_text("[{\"Findings\": [{\"Id\": \"a\"}], \"NextToken\": \"t\"},\n"
                  " {\"NextToken\": \"u\", \"Findings\": [{\"Id\": \"b\"}, {\"Id\": \"c\"}]}]", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 3);
    CU_ASSERT_EQUAL(c.skipped + c.damaged, 0);
    /* what is not an object where one belongs says so */
    c = read_text("[1, \"x\", {\"Id\": \"a\"}, true, [{\"Id\": \"b\"}]]\n\"top\"\n", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 2);
    CU_ASSERT_EQUAL(c.damaged, 4);
    c = read_text("{\"Findings\": [\"x\", {\"Id\": \"a\"}, 2, [3]]}", 0, &rc, &e);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(c.skipped, 3);
    CU_ASSERT_EQUAL(c.damaged, 0);
    /* a "detail" without findings is an object like any other: one item */
    c = read_text("{\"Id\": \"a\", \"detail\": {\"f\": [1]}}", 0, &rc, &e);
    CU_ASSERT_EQUAL(c.n, 1);
}

/* The key that makes an object a response may straddle a read, also
 * after more than the size limit of preamble: all ten findings read,
 * wherever the read boundary falls. */
static void test_reader_window(void)
{
    size_t pad = 600 * 1024;
    hw_buf b = HW_BUF_INIT(0);
    hw_buf_puts(&b, "{\"Pad\": \"");
    for (size_t k = 0; k < pad; k++)
        hw_buf_putc(&b, 'p');
    hw_buf_puts(&b, "\", \"Findings\": [");
    for (int k = 0; k < 10; k++)
        hw_buf_printf(&b, "%s{\"Id\": \"f%d\"}", k ? ", " : "", k);
    hw_buf_puts(&b, "], \"NextToken\": \"t\"}");
    size_t key = (size_t)(strstr(b.data, "\"Findings\"") - b.data);
    for (size_t first = key - 4; first <= key + 12; first++) {
        struct collect c;
        memset(&c, 0, sizeof c);
        hw_err e;
        hw_err_clear(&e);
        int rc = hw_reader_mem_chunked("t", b.data, b.len, first, 256 * 1024, 0, NULL, collect_cb,
                                       &c, &e);
        CU_ASSERT_EQUAL(rc, HW_OK);
        CU_ASSERT_EQUAL(c.n, 10);
        CU_ASSERT_EQUAL(c.skipped + c.damaged, 0);
    }
    /* the same through a file, the key across the third 256 KB read */
    hw_buf f = HW_BUF_INIT(0);
    hw_buf_puts(&f, "{\"Pad\": \"");
    while (f.len < 3 * 256 * 1024 - 7)
        hw_buf_putc(&f, 'p');
    hw_buf_puts(&f, b.data + key - 3);
    int rc;
    hw_err e;
    struct collect c = read_text(f.data, 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 10);
    hw_buf_free(&f);
    hw_buf_free(&b);
}

/* A file that is not UTF-8 JSON text says so, once; a UTF-8 BOM is fine. */
static void test_reader_encodings(void)
{
    int rc;
    hw_err e;
    struct collect c = read_text("\xEF\xBB\xBF[{\"Id\": \"a\"}]", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 1);
    /* UTF-16 and UTF-32, with and without a BOM (written by hand: NULs) */
    static const struct { const char *bytes; size_t len; const char *enc; } wide[] = {
        { "\xFF\xFE[\0{\0}\0]\0", 8, "UTF-16LE" },
        { "\xFE\xFF\0[\0{\0}\0]", 8, "UTF-16BE" },
        { "[\0{\0}\0]\0", 6, "UTF-16LE" },
        { "\0[\0{\0}\0]", 6, "UTF-16BE" },
        { "[\0\0\0{\0\0\0", 8, "UTF-32LE" },
        { "\0\0\0[\0\0\0{", 8, "UTF-32BE" },
    };
    for (size_t k = 0; k < HW_ARRAY_LEN(wide); k++) {
        memset(&c, 0, sizeof c);
        hw_err_clear(&e);
        rc = hw_reader_mem("w", wide[k].bytes, wide[k].len, NULL, collect_cb, &c, &e);
        CU_ASSERT_EQUAL(rc, HW_EINVAL);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, wide[k].enc));
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "must be UTF-8"));
        CU_ASSERT_EQUAL(c.n + c.skipped + c.damaged, 0);
    }
    /* random binary: one error for the file, no findings skipped */
    size_t n = 200000;
    unsigned char *rnd = malloc(n);
    unsigned x = 12345;
    for (size_t k = 0; k < n; k++) {
        x = x * 1103515245u + 12345u;
        rnd[k] = (unsigned char)(x >> 16);
    }
    memset(&c, 0, sizeof c);
    hw_err_clear(&e);
    rc = hw_reader_mem("rnd", (const char *)rnd, n, NULL, collect_cb, &c, &e);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    CU_ASSERT_EQUAL(c.n + c.skipped + c.damaged, 0);
    /* the same without NUL bytes: nothing in it is JSON */
    for (size_t k = 0; k < n; k++)
        if (!rnd[k])
            rnd[k] = 'x';
    memset(&c, 0, sizeof c);
    hw_err_clear(&e);
    rc = hw_reader_mem("rnd", (const char *)rnd, n, NULL, collect_cb, &c, &e);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nothing in it parses as JSON"));
    CU_ASSERT_EQUAL(c.n + c.skipped + c.damaged, 0);
    free(rnd);
    c = read_text("a text file\nof many lines\nnone of them JSON\n", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "line 1"));
    CU_ASSERT_EQUAL(c.n + c.skipped + c.damaged, 0);
    /* but damage after JSON is reported where it is */
    c = read_text("[{\"Id\": \"a\"}]\n]\n}\n", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(c.skipped, 0);
    CU_ASSERT_EQUAL(c.damaged, 2);
}

/* In JSON lines an unterminated string costs its own line only: a raw
 * newline cannot be inside a JSON string. */
static void test_reader_resync(void)
{
    int rc;
    hw_err e;
    struct collect c = read_text("{\"Id\": \"a\"}\n{\"Id\": \"b\", \"T\": \"open\n"
                                 "{\"Id\": \"c\"}\n{\"Id\": \"d\"}\n", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 3);
    CU_ASSERT_EQUAL(c.skipped, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reasons, "2:"));
    CU_ASSERT_EQUAL(c.last_line, 4);
}

static void test_reader_damage(void)
{
    int rc;
    hw_err e;
    struct collect c = read_text("[{\"Id\": \"a\"}, {\"Id\": \"b\", \"T\": \"tru", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    CU_ASSERT_EQUAL(c.n, 1); /* the complete one was delivered */
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "truncated"));
    /* a 1 MB field: that finding is skipped, the next one read */
    size_t big = 1100000;
    char *text = malloc(big + 100);
    strcpy(text, "[{\"Id\": \"big\", \"F\": \"");
    size_t head = strlen(text);
    memset(text + head, 'x', big);
    strcpy(text + head + big, "\"}, {\"Id\": \"after\"}]");
    c = read_text(text, 0, &rc, &e);
    free(text);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 1);
    CU_ASSERT_EQUAL(c.skipped, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(c.reasons, "larger than the limit"));
    c = read_text("", 0, &rc, &e);
    CU_ASSERT_EQUAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c.n, 0);
    /* nesting deeper than any finding's: an error, not an int overflow */
    size_t deep = (1u << 20) + 10;
    char *brackets = malloc(deep);
    memset(brackets, '[', deep);
    memset(&c, 0, sizeof c);
    hw_err_clear(&e);
    rc = hw_reader_mem("deep", brackets, deep, NULL, collect_cb, &c, &e);
    free(brackets);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nested more than"));
    rc = hw_reader_run("/nonexistent.json", NULL, collect_cb, &c, &e);
    CU_ASSERT_EQUAL(rc, HW_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent.json"));
}

/* ------------------------------------------ fast path = framed path */

struct seen_ids {
    hw_buf ids; /* every stored finding's id, one a line */
};

static int record_sink(void *ctx, const hw_finding *f, const char *raw, size_t rawlen,
                       int *outcome, hw_err *e)
{
    struct seen_ids *r = ctx;
    (void)raw;
    (void)rawlen;
    (void)e;
    hw_buf_printf(&r->ids, "%s %s\n", f->id, f->severity);
    *outcome = HW_OUTCOME_NEW;
    return HW_OK;
}

/* Reads path with or without the fast path; returns the ingest's stats
 * and the ids in r. */
static hw_ingest_stats ingest_file(const char *path, int fast, struct seen_ids *r, int *rc)
{
    hw_ingest in;
    hw_buf_init(&r->ids, 0);
    hw_ingest_init(&in, &org, record_sink, r);
    in.max_skip_logs = 0;
    hw_err e;
    hw_err_clear(&e);
    *rc = hw_reader_run(path, fast ? hw_ingest_take : NULL, hw_ingest_reader_cb, &in, &e);
    hw_ingest_stats st = in.stats;
    hw_ingest_free(&in);
    return st;
}

/* The fixture on one line, with its Id made unique by i (i < 0: with a
 * description too large to take). */
static void finding_line(hw_buf *out, const char *fixture_text, size_t len, int i, int pretty)
{
    cJSON *o = cJSON_ParseWithLength(fixture_text, len);
    char id[128];
    snprintf(id, sizeof id, "arn:aws:securityhub:us-east-1:333333333333:security-control/S3.8/finding/%06d", i);
    cJSON_ReplaceItemInObject(o, "Id", cJSON_CreateString(id));
    if (i < 0) {
        /* 600 KB of description */
        char *big = malloc(600 * 1024 + 1);
        memset(big, 'd', 600 * 1024);
        big[600 * 1024] = '\0';
        cJSON_ReplaceItemInObject(o, "Description", cJSON_CreateString(big));
        free(big);
    }
    char *t = pretty ? cJSON_Print(o) : cJSON_PrintUnformatted(o);
    hw_buf_puts(out, t);
    free(t);
    cJSON_Delete(o);
}

static void check_same(const char *text, int gz, int expect_rc)
{
    char path[] = "/tmp/hwfastXXXXXX";
    CU_ASSERT_EQUAL_FATAL(write_tmp(path, text, gz), 0);
    struct seen_ids slow, fast;
    int rc_slow, rc_fast;
    hw_ingest_stats a = ingest_file(path, 0, &slow, &rc_slow);
    hw_ingest_stats b = ingest_file(path, 1, &fast, &rc_fast);
    unlink(path);
    CU_ASSERT_EQUAL(rc_slow, expect_rc);
    CU_ASSERT_EQUAL(rc_fast, expect_rc);
    CU_ASSERT_EQUAL(a.seen, b.seen);
    CU_ASSERT_EQUAL(a.added, b.added);
    CU_ASSERT_EQUAL(a.skipped, b.skipped);
    CU_ASSERT_EQUAL(a.damaged, b.damaged);
    CU_ASSERT_TRUE(a.added > 0);
    CU_ASSERT_TRUE(a.skipped > 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&slow.ids), hw_buf_str(&fast.ids));
    hw_buf_free(&slow.ids);
    hw_buf_free(&fast.ids);
}

/* The one-pass fast path stores exactly what framing then parsing
 * stores, in every format, across read-chunk boundaries (256 KB), with
 * junk, damaged and rejected findings in between. */
static void test_fast_path_same(void)
{
    size_t len;
    char *fx = fixture(&len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fx);
    hw_buf jsonl = HW_BUF_INIT(0), arr = HW_BUF_INIT(0), resp = HW_BUF_INIT(0),
           pretty = HW_BUF_INIT(0), events = HW_BUF_INIT(0);
    hw_buf_puts(&arr, "[");
    hw_buf_puts(&resp, "{\"Findings\": [");
    hw_buf_puts(&pretty, "[");
    hw_buf_puts(&events, "[");
    for (int i = 0; i < 400; i++) {
        hw_buf *bufs[] = { &jsonl, &arr, &resp, &pretty, &events };
        /* events: each of the first 200 carries two findings, in an array
         * of events ("Custom Action" ones with a value before them) */
        if (i % 2 == 0 && i < 400) {
            if (i)
                hw_buf_puts(&events, "]}},\n");
            hw_buf_printf(&events, "{\"version\": \"0\", \"detail-type\": \"Security Hub Findings - %s\", "
                                   "\"detail\": {%s\"findings\": [",
                          i % 4 ? "Custom Action" : "Imported",
                          i % 4 ? "\"actionName\": \"a\", \"actionDescription\": \"d\", " : "");
        }
        for (int k = 0; k < 5; k++) {
            if (k == 4 && i % 2)
                hw_buf_puts(bufs[k], ",\n");
            else if (k && k != 4 && i)
                hw_buf_puts(bufs[k], ",\n");
            if (i % 97 == 5) /* a complete object that is no finding */
                hw_buf_puts(bufs[k], "{\"Id\": 42, \"Note\": \"rejected\"}");
            else if (i % 89 == 7 && k == 0) /* damaged line: framed, skipped */
                hw_buf_puts(bufs[k], "{\"Id\": \"x\", \"Bad\": [1,,2]}");
            else if (i == 333) /* a finding larger than the limit: skipped */
                finding_line(bufs[k], fx, len, -1, 0);
            else
                finding_line(bufs[k], fx, len, i, k == 3);
            if (k == 0)
                hw_buf_puts(bufs[k], i % 50 == 3 ? "\nnot json at all\n" : "\n");
        }
    }
    hw_buf_puts(&arr, "]");
    hw_buf_puts(&resp, "], \"NextToken\": \"abc\"}");
    hw_buf_puts(&pretty, "]");
    hw_buf_puts(&events, "]}, \"region\": \"us-east-1\"}]");
    CU_ASSERT_TRUE(jsonl.len > 3 * 256 * 1024); /* several read chunks */
    check_same(hw_buf_str(&jsonl), 0, HW_OK);
    check_same(hw_buf_str(&jsonl), 1, HW_OK);
    check_same(hw_buf_str(&arr), 0, HW_OK);
    check_same(hw_buf_str(&resp), 0, HW_OK);
    check_same(hw_buf_str(&pretty), 0, HW_OK);
    check_same(hw_buf_str(&events), 1, HW_OK);
    /* cut short inside the last finding: the same findings, the same error */
    jsonl.data[jsonl.len - 100] = '\0';
    check_same(jsonl.data, 0, HW_EINVAL);
    hw_buf_free(&jsonl);
    hw_buf_free(&arr);
    hw_buf_free(&resp);
    hw_buf_free(&pretty);
    hw_buf_free(&events);
    free(fx);
}

static void test_requests(void)
{
    const char *const products[] = { "securityhub", "guardduty" };
    cJSON *r = hw_scan_request(products, 2, HW_QUERY_CHANGED_SINCE, 1704164645, 1704200000, 100);
    char *t = cJSON_PrintUnformatted(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"ProductName\":[{\"Value\":\"Security Hub\",\"Comparison\":\"EQUALS\"},"
                                     "{\"Value\":\"GuardDuty\",\"Comparison\":\"EQUALS\"}]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"UpdatedAt\":[{\"Start\":\"2024-01-02T03:04:05.000Z\""));
    CU_ASSERT_PTR_NULL(strstr(t, "RecordState"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"SortCriteria\":[{\"Field\":\"UpdatedAt\",\"SortOrder\":\"asc\"}]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"MaxResults\":100"));
    free(t);
    cJSON_Delete(r);
    r = hw_scan_request(products, 1, HW_QUERY_ACTIVE, 0, 1704200000, 50);
    t = cJSON_PrintUnformatted(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"RecordState\":[{\"Value\":\"ACTIVE\""));
    CU_ASSERT_PTR_NULL(strstr(t, "UpdatedAt\":[{"));
    free(t);
    cJSON_Delete(r);
    r = hw_scan_request(products, 1, HW_QUERY_ARCHIVED_SINCE, 1704164645, 1704200000, 50);
    t = cJSON_PrintUnformatted(r);
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"RecordState\":[{\"Value\":\"ARCHIVED\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(t, "\"UpdatedAt\":[{"));
    free(t);
    cJSON_Delete(r);
}

int test_scan_register(void)
{
    CU_pSuite s = CU_add_suite("scan", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "parse a control finding", test_parse_control_finding) ||
        !CU_add_test(s, "trust rules", test_trust) ||
        !CU_add_test(s, "hostile findings rejected with the field", test_rejects) ||
        !CU_add_test(s, "reader: every format", test_reader_formats) ||
        !CU_add_test(s, "reader: truncation and oversize", test_reader_damage) ||
        !CU_add_test(s, "reader: EventBridge events, arrays of responses", test_reader_envelopes) ||
        !CU_add_test(s, "reader: a response's key across a read boundary", test_reader_window) ||
        !CU_add_test(s, "reader: BOM, UTF-16/32, binary, not JSON", test_reader_encodings) ||
        !CU_add_test(s, "reader: JSON lines resynchronise at a newline", test_reader_resync) ||
        !CU_add_test(s, "reader: the fast path stores what framing stores", test_fast_path_same) ||
        !CU_add_test(s, "GetFindings request bodies", test_requests))
        return -1;
    return 0;
}
