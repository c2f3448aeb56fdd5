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

#include "catalog/catalog.h"
#include "scan/finding.h"
#include "scan/reader.h"
#include "scan/request.h"
#include "scan/ingest.h"

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

static void edit_times(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "UpdatedAt", cJSON_CreateString("2026-11-28T08:15:42.896Z"));
    cJSON_ReplaceItemInObject(o, "CreatedAt", cJSON_CreateString("2026-10-01T10:15:42.118456+02:00"));
    cJSON_ReplaceItemInObject(o, "FirstObservedAt", cJSON_CreateString("2026-10-01T08:15:42Z"));
    cJSON_DeleteItemFromObject(o, "LastObservedAt");
}

/* The four times to the millisecond, in UTC, as the store orders them;
 * the strings as written. */
static void test_parse_times(void)
{
    hw_finding f;
    hw_err e;
    char *o;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL_FATAL(parse_edit(NULL, &f, &e, &o), HW_OK);
    CU_ASSERT_EQUAL(f.updated_epoch, 1795853742118LL); /* 2026-11-28T08:15:42.118Z */
    CU_ASSERT_EQUAL(f.created_epoch, 1790842542118LL);
    free(o);
    CU_ASSERT_EQUAL_FATAL(parse_edit(edit_times, &f, &e, &o), HW_OK);
    CU_ASSERT_EQUAL(f.updated_epoch, 1795853742896LL);
    CU_ASSERT_EQUAL(f.created_epoch, 1790842542118LL); /* +02:00 to UTC, digits past ms cut */
    CU_ASSERT_EQUAL(f.first_epoch, 1790842542000LL);
    CU_ASSERT_EQUAL(f.last_epoch, f.updated_epoch); /* no LastObservedAt: UpdatedAt */
    CU_ASSERT_STRING_EQUAL(f.updated_at, "2026-11-28T08:15:42.896Z");
    CU_ASSERT_STRING_EQUAL(f.last_observed, "2026-11-28T08:15:42.896Z");
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
static void edit_other_generator(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "GeneratorId", cJSON_CreateString("my-own-check"));
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
    /* a standard's control id needs the catalogue (test_standard_controls) */
    expect_untrusted(edit_legacy_generator, "S3.8: no catalogue to resolve it");
    expect_untrusted(edit_other_generator, "generator my-own-check is not a Security Hub control");
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

/* ------------------------------------- findings without consolidated fields */

static hw_catalog *real_catalog(void)
{
    char dir[1024];
    const char *root = getenv("HW_SOURCE_DIR");
    snprintf(dir, sizeof dir, "%s%scontrols", root && *root ? root : "", root && *root ? "/" : "");
    hw_catalog *c = NULL;
    hw_err e;
    if (hw_catalog_load(dir, &c, &e) != HW_OK)
        fprintf(stderr, "\n%s: %s\n", dir, e.msg);
    return c;
}

/*
 * The fixture as an older finding: Compliance without its consolidated
 * fields, GeneratorId gen (NULL: kept), SecurityControlId scid (NULL:
 * none), ProductFields replaced by pf (a JSON object; NULL: kept), then
 * edit (NULL: none); parsed with catalogue cat.
 */
static int parse_legacy(const char *gen, const char *scid, const char *pf, void (*edit)(cJSON *),
                        const hw_catalog *cat, hw_finding *f, hw_err *e)
{
    size_t len;
    char *text = fixture(&len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    cJSON *o = cJSON_ParseWithLength(text, len);
    free(text);
    cJSON *c = cJSON_GetObjectItem(o, "Compliance");
    cJSON_DeleteItemFromObject(c, "SecurityControlId");
    cJSON_DeleteItemFromObject(c, "RelatedRequirements");
    cJSON_DeleteItemFromObject(c, "AssociatedStandards");
    if (scid)
        cJSON_AddStringToObject(c, "SecurityControlId", scid);
    if (gen)
        cJSON_ReplaceItemInObject(o, "GeneratorId", cJSON_CreateString(gen));
    if (pf)
        cJSON_ReplaceItemInObject(o, "ProductFields", cJSON_Parse(pf));
    if (edit)
        edit(o);
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    hw_err_clear(e);
    f->catalog = cat;
    int rc = hw_finding_parse(text, strlen(text), &org, f, e);
    free(text);
    return rc;
}

/* Parses a legacy finding and checks its control and trust (reason: a
 * part of the untrusted reason, or NULL for trusted). */
static void expect_control(const hw_catalog *cat, const char *gen, const char *scid, const char *pf,
                           const char *control, const char *reason)
{
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL_FATAL(parse_legacy(gen, scid, pf, NULL, cat, &f, &e), HW_OK);
    int ok = strcmp(f.control_id, control) == 0 && f.trusted == (reason == NULL) &&
             (!reason || strstr(f.untrusted_reason, reason));
    if (!ok) {
        fprintf(stderr, "\n%s: control '%s' (want '%s'), %s '%s' (want %s)\n", gen ? gen : pf,
                f.control_id, control, f.trusted ? "trusted" : "untrusted", f.untrusted_reason,
                reason ? reason : "trusted");
        CU_FAIL("control or trust");
    }
    hw_finding_free(&f);
}

#define CIS12 "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/"

/* Issue 9: findings that name the standard's control id get the control
 * Security Hub's table gives, and are trusted like consolidated ones;
 * without the table they got none, so a FAILED one failed nothing. */
static void test_standard_controls(void)
{
    hw_catalog *cat = real_catalog();
    CU_ASSERT_PTR_NOT_NULL_FATAL(cat);
    /* every form of GeneratorId */
    expect_control(cat, CIS12 "1.3", NULL, NULL, "IAM.8", NULL);
    expect_control(cat, CIS12 "1.4", NULL, NULL, "IAM.3", NULL);
    expect_control(cat, CIS12 "3.1", NULL, NULL, "CloudWatch.2", NULL);
    expect_control(cat, "arn:aws-us-gov:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0/rule/1.10",
                   NULL, NULL, "IAM.16", NULL);
    expect_control(cat, "pci-dss/v/3.2.1/PCI.S3.1", NULL, NULL, "S3.3", NULL);
    expect_control(cat, "pci-dss/v/3.2.1/PCI.IAM.8", NULL, NULL, "IAM.10", NULL);
    expect_control(cat, "cis-aws-foundations-benchmark/v/1.4.0/1.14", NULL, NULL, "IAM.3", NULL);
    expect_control(cat, "aws-foundational-security-best-practices/v/1.0.0/S3.1", NULL, NULL, "S3.1", NULL);
    expect_control(cat, "aws-foundational-security-best-practices/v/1.0.0/S3.8", "S3.8", NULL, "S3.8", NULL);
    /* FSBP ids are checked against the catalogue */
    expect_control(cat, "aws-foundational-security-best-practices/v/1.0.0/S3.999", NULL, NULL, "",
                   "has no control S3.999 in controls/");
    expect_control(cat, CIS12 "1.15", NULL, NULL, "", "has no control 1.15");
    expect_control(cat, "cis-aws-foundations-benchmark/v/9.0.0/1.1", NULL, NULL, "",
                   "standard cis-aws-foundations-benchmark/v/9.0.0 is not in controls/");
    expect_control(NULL, CIS12 "1.3", NULL, NULL, "", "no catalogue to resolve it");
    /* one id, two controls: the finding's own SecurityControlId decides */
    expect_control(cat, CIS12 "1.1", NULL, NULL, "", "is control CloudWatch.1 or IAM.20 and the finding does not say which");
    expect_control(cat, CIS12 "1.1", "IAM.20", NULL, "IAM.20", NULL);
    expect_control(cat, CIS12 "1.1", "CloudWatch.1", NULL, "CloudWatch.1", NULL);
    /* a SecurityControlId that is not the standard's control */
    expect_control(cat, CIS12 "1.3", "IAM.3", NULL, "IAM.3", "SecurityControlId IAM.3 disagrees with GeneratorId");
    /* ProductFields, when the generator names no standard control */
    expect_control(cat, "my-check", NULL,
                   "{\"StandardsControlArn\": \"arn:aws:securityhub:us-east-1:333333333333:control/pci-dss/v/3.2.1/PCI.IAM.8\"}",
                   "IAM.10", NULL);
    expect_control(cat, "my-check", NULL,
                   "{\"StandardsArn\": \"arn:aws:securityhub:::standards/pci-dss/v/3.2.1\", \"ControlId\": \"PCI.S3.1\"}",
                   "S3.3", NULL);
    expect_control(cat, "my-check", NULL,
                   "{\"StandardsGuideArn\": \"arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0\", \"RuleId\": \"3.1\"}",
                   "CloudWatch.2", NULL);
    /* ... which must agree with the generator and the account */
    expect_control(cat, CIS12 "1.3", NULL,
                   "{\"StandardsControlArn\": \"arn:aws:securityhub:us-east-1:333333333333:control/cis-aws-foundations-benchmark/v/1.2.0/1.3\", \"RuleId\": \"1.3\"}",
                   "IAM.8", NULL);
    expect_control(cat, CIS12 "1.3", NULL,
                   "{\"StandardsControlArn\": \"arn:aws:securityhub:us-east-1:333333333333:control/cis-aws-foundations-benchmark/v/1.2.0/1.4\"}",
                   "IAM.8", "StandardsControlArn arn:aws:securityhub:us-east-1:333333333333:control/cis-aws-foundations-benchmark/v/1.2.0/1.4 disagrees with GeneratorId");
    expect_control(cat, CIS12 "1.3", NULL, "{\"RuleId\": \"1.4\"}", "IAM.8",
                   "ProductFields.RuleId 1.4 disagrees with GeneratorId");
    expect_control(cat, CIS12 "1.3", NULL,
                   "{\"StandardsArn\": \"arn:aws:securityhub:::standards/pci-dss/v/3.2.1\", \"ControlId\": \"1.3\"}",
                   "IAM.8", "ProductFields.ControlId 1.3 disagrees with GeneratorId");
    expect_control(cat, CIS12 "1.3", NULL,
                   "{\"StandardsControlArn\": \"arn:aws:securityhub:us-east-1:999999999999:control/cis-aws-foundations-benchmark/v/1.2.0/1.3\"}",
                   "IAM.8", "StandardsControlArn belongs to account 999999999999");
    expect_control(cat, CIS12 "1.3", NULL,
                   "{\"StandardsControlArn\": \"arn:aws::securityhub:us-east-1:333333333333:control/x/v/1/1.3\"}",
                   "IAM.8", "StandardsControlArn: not a standard control's ARN");
    hw_catalog_free(cat);
}

static void edit_product_fields_number(cJSON *o)
{
    cJSON_ReplaceItemInObject(o, "ProductFields", cJSON_Parse("{\"ControlId\": 3}"));
}

static void test_product_fields_hostile(void)
{
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL(parse_legacy(NULL, NULL, NULL, edit_product_fields_number, NULL, &f, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ProductFields.ControlId: expected a string"));
    CU_ASSERT_EQUAL(parse_legacy(NULL, NULL, "{\"RuleId\": \"1\", \"RuleId\": \"2\"}", NULL, NULL, &f, &e),
                    HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "ProductFields.RuleId: given more than once"));
    hw_finding_free(&f);
}

/* ----------------------------------------------------- regions and ARNs */

static const char *g_region;   /* NULL: delete Region */
static const char *g_product;  /* NULL: keep ProductArn */
static const char *g_resource; /* NULL: keep the resource */
static void edit_region(cJSON *o)
{
    if (g_region)
        cJSON_ReplaceItemInObject(o, "Region", cJSON_CreateString(g_region));
    else
        cJSON_DeleteItemFromObject(o, "Region");
    if (g_product)
        cJSON_ReplaceItemInObject(o, "ProductArn", cJSON_CreateString(g_product));
    if (g_resource)
        cJSON_ReplaceItemInObject(cJSON_GetArrayItem(cJSON_GetObjectItem(o, "Resources"), 0), "Id",
                                  cJSON_CreateString(g_resource));
}

static int parse_region(const char *region, const char *product, const char *resource,
                        hw_finding *f, hw_err *e)
{
    char *o;
    g_region = region;
    g_product = product;
    g_resource = resource;
    int rc = parse_edit(edit_region, f, e, &o);
    free(o);
    return rc;
}

static void test_regions_and_arns(void)
{
    static const char *const good[] = { "us-east-1", "us-gov-west-1", "cn-north-1", "eu-isoe-west-1",
                                        "us-isob-east-1", "ap-southeast-5", "il-central-1",
                                        "eusc-de-east-1" };
    static const char *const bad[] = { "", "securityhub", "us-east", "us-east-1a", "US-EAST-1",
                                       "us-gov-west1", "us-east-123", "u-east-1", "us_east_1",
                                       "us-east-1 ", "abcde-east-1", "us-1", "-us-east-1" };
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    for (size_t i = 0; i < HW_ARRAY_LEN(good); i++) {
        CU_ASSERT_EQUAL(parse_region(good[i], NULL, NULL, &f, &e), HW_OK);
        CU_ASSERT_STRING_EQUAL(f.region, good[i]);
    }
    for (size_t i = 0; i < HW_ARRAY_LEN(bad); i++) {
        CU_ASSERT_EQUAL(parse_region(bad[i], NULL, NULL, &f, &e), HW_EINVAL);
        if (!strstr(e.msg, "Region: not a region name")) {
            fprintf(stderr, "\nRegion '%s': %s\n", bad[i], e.msg);
            CU_FAIL("bad region");
        }
    }
    /* no Region: the ProductArn's, its fourth field */
    CU_ASSERT_EQUAL(parse_region(NULL, "arn:aws:securityhub:eu-west-2::product/aws/securityhub", NULL, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.region, "eu-west-2");
    CU_ASSERT_TRUE(f.trusted);
    /* GuardDuty's documentation sample: an ARN that does not parse gives no
     * region (its fourth field is "securityhub"), no product, no trust */
    CU_ASSERT_EQUAL(parse_region(NULL, "arn:aws::securityhub:us-east-1::product/aws/guardduty", NULL, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.region, "");
    CU_ASSERT_EQUAL(f.product, HW_PRODUCT_OTHER);
    CU_ASSERT_STRING_EQUAL(f.product_name, "unknown");
    CU_ASSERT_FALSE(f.trusted);
    CU_ASSERT_STRING_EQUAL(f.untrusted_reason, "ProductArn: not an ARN");
    CU_ASSERT_EQUAL(parse_region(NULL, "arn:aws:securityhub:bogus::product/aws/securityhub", NULL, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.region, "");
    CU_ASSERT_STRING_EQUAL(f.untrusted_reason, "ProductArn: not an ARN");
    CU_ASSERT_EQUAL(parse_region(NULL, "arn:aws:securityhub:us-east-1:12345:product/aws/securityhub", NULL, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.region, "");
    CU_ASSERT_FALSE(f.trusted);
    /* a resource ARN that does not parse is not read for an account */
    CU_ASSERT_EQUAL(parse_region("us-east-1", NULL, "arn:aws::ec2:us-east-1:333333333333:instance/i-1", &f, &e), HW_OK);
    CU_ASSERT_FALSE(f.trusted);
    CU_ASSERT_STRING_EQUAL(f.untrusted_reason, "Resources[0].Id: not an ARN");
    CU_ASSERT_EQUAL(parse_region("us-east-1", NULL, "arn:aws:ec2:us-east-1:333333333333:instance/i-1", &f, &e), HW_OK);
    CU_ASSERT_TRUE(f.trusted);
    CU_ASSERT_EQUAL(parse_region("us-east-1", NULL, "AWS::::Account:333333333333", &f, &e), HW_OK);
    CU_ASSERT_TRUE(f.trusted);
    hw_finding_free(&f);
}

/* ---------------------------------------------------------- legacy fields */

static const char *g_state;   /* WorkflowState, NULL: none */
static const char *g_wstatus; /* Workflow.Status, NULL: no Workflow */
static double g_normalized;   /* Severity.Normalized alone when >= 0 */
static void edit_legacy(cJSON *o)
{
    cJSON_DeleteItemFromObject(o, "WorkflowState");
    cJSON_DeleteItemFromObject(o, "Workflow");
    if (g_state)
        cJSON_AddStringToObject(o, "WorkflowState", g_state);
    if (g_wstatus)
        cJSON_AddItemToObject(o, "Workflow", cJSON_Parse(g_wstatus));
    if (g_normalized >= 0) {
        cJSON *sev = cJSON_CreateObject();
        cJSON_AddNumberToObject(sev, "Normalized", g_normalized);
        cJSON_AddNumberToObject(sev, "Product", 5);
        cJSON_ReplaceItemInObject(o, "Severity", sev);
    }
}

static int parse_old(const char *state, const char *workflow, double normalized, hw_finding *f,
                     hw_err *e)
{
    char *o;
    g_state = state;
    g_wstatus = workflow;
    g_normalized = normalized;
    int rc = parse_edit(edit_legacy, f, e, &o);
    free(o);
    return rc;
}

static void test_legacy_fields(void)
{
    static const char *const map[][2] = { { "NEW", "NEW" },           { "ASSIGNED", "NOTIFIED" },
                                          { "IN_PROGRESS", "NOTIFIED" }, { "DEFERRED", "NOTIFIED" },
                                          { "RESOLVED", "RESOLVED" } };
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    for (size_t i = 0; i < HW_ARRAY_LEN(map); i++) {
        CU_ASSERT_EQUAL(parse_old(map[i][0], NULL, -1, &f, &e), HW_OK);
        CU_ASSERT_STRING_EQUAL(f.workflow_status, map[i][1]);
    }
    /* Workflow.Status wins; a Workflow without Status takes WorkflowState */
    CU_ASSERT_EQUAL(parse_old("NEW", "{\"Status\": \"SUPPRESSED\"}", -1, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.workflow_status, "SUPPRESSED");
    CU_ASSERT_EQUAL(parse_old("RESOLVED", "{}", -1, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.workflow_status, "RESOLVED");
    CU_ASSERT_EQUAL(parse_old(NULL, NULL, -1, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.workflow_status, "");
    CU_ASSERT_EQUAL(parse_old("BOGUS", NULL, -1, &f, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "WorkflowState: unknown value"));
    /* Normalized-only severity (2018-2019 findings), on AWS's bands */
    static const struct { double n; const char *label; } sev[] = {
        { 0, "INFORMATIONAL" }, { 1, "LOW" },   { 39, "LOW" },       { 40, "MEDIUM" },
        { 50, "MEDIUM" },       { 69, "MEDIUM" }, { 70, "HIGH" },    { 89, "HIGH" },
        { 90, "CRITICAL" },     { 100, "CRITICAL" },
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(sev); i++) {
        CU_ASSERT_EQUAL(parse_old("NEW", NULL, sev[i].n, &f, &e), HW_OK);
        CU_ASSERT_STRING_EQUAL(f.severity, sev[i].label);
    }
    hw_finding_free(&f);
}

/* -------------------------------------------------- the ingest cross-check */

struct kept {
    char control[64];
    int trusted;
};

static int keep_sink(void *ctx, const hw_finding *f, const char *raw, size_t rawlen, int *outcome,
                     hw_err *e)
{
    struct kept *k = ctx;
    (void)raw, (void)rawlen, (void)e;
    snprintf(k->control, sizeof k->control, "%s", f->control_id);
    k->trusted = f->trusted;
    *outcome = HW_OUTCOME_NEW;
    return HW_OK;
}

static char *legacy_text(const char *gen, const char *standards)
{
    size_t len;
    char *text = fixture(&len);
    cJSON *o = cJSON_ParseWithLength(text, len);
    free(text);
    cJSON *c = cJSON_GetObjectItem(o, "Compliance");
    cJSON_DeleteItemFromObject(c, "RelatedRequirements");
    cJSON_DeleteItemFromObject(c, "AssociatedStandards");
    if (gen) {
        cJSON_DeleteItemFromObject(c, "SecurityControlId");
        cJSON_ReplaceItemInObject(o, "GeneratorId", cJSON_CreateString(gen));
    }
    if (standards)
        cJSON_AddItemToObject(c, "AssociatedStandards", cJSON_Parse(standards));
    text = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return text;
}

/* Ingests one finding with the real catalogue; returns the disagreements
 * logged. */
static size_t ingest_one(const hw_catalog *cat, const char *gen, const char *standards,
                         struct kept *k)
{
    hw_ingest in;
    memset(k, 0, sizeof *k);
    hw_ingest_init(&in, &org, keep_sink, k);
    in.catalog = cat;
    char *text = legacy_text(gen, standards);
    hw_ingest_bytes(&in, text, strlen(text), 1);
    free(text);
    size_t n = in.stats.disagreements;
    CU_ASSERT_EQUAL(in.stats.skipped, 0);
    hw_ingest_free(&in);
    return n;
}

static void test_ingest_standard_controls(void)
{
    hw_catalog *cat = real_catalog();
    CU_ASSERT_PTR_NOT_NULL_FATAL(cat);
    struct kept k;
    /* the ingest hands its catalogue to the parser */
    CU_ASSERT_EQUAL(ingest_one(cat, CIS12 "1.3", NULL, &k), 0);
    CU_ASSERT_STRING_EQUAL(k.control, "IAM.8");
    CU_ASSERT_TRUE(k.trusted);
    /* CIS 1.4.0 2.1.5.1 is part of requirement 2.1.5, which S3.1 relates to */
    CU_ASSERT_EQUAL(ingest_one(cat, "cis-aws-foundations-benchmark/v/1.4.0/2.1.5.1", NULL, &k), 0);
    CU_ASSERT_STRING_EQUAL(k.control, "S3.1");
    /* Security Hub's table has CIS 1.4.0 3.6 as S3.9; controls/ does not
     * relate S3.9 to it: said, not hidden */
    CU_ASSERT_EQUAL(ingest_one(cat, "cis-aws-foundations-benchmark/v/1.4.0/3.6", NULL, &k), 1);
    CU_ASSERT_STRING_EQUAL(k.control, "S3.9");
    CU_ASSERT_TRUE(k.trusted);
    /* the CIS 1.2.0 standard's own form ("ruleset/...") is checked too */
    CU_ASSERT_EQUAL(ingest_one(cat, NULL, "[{\"StandardsId\": \"ruleset/cis-aws-foundations-benchmark/v/1.2.0\"}]", &k), 1);
    CU_ASSERT_EQUAL(ingest_one(cat, "aws-foundational-security-best-practices/v/1.0.0/IAM.8",
                               "[{\"StandardsId\": \"ruleset/cis-aws-foundations-benchmark/v/1.2.0\"}]", &k), 0);
    hw_catalog_free(cat);
}

int test_scan_register(void)
{
    CU_pSuite s = CU_add_suite("scan", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "parse a control finding", test_parse_control_finding) ||
        !CU_add_test(s, "times to the millisecond, in UTC", test_parse_times) ||
        !CU_add_test(s, "trust rules", test_trust) ||
        !CU_add_test(s, "hostile findings rejected with the field", test_rejects) ||
        !CU_add_test(s, "standard control ids give the control", test_standard_controls) ||
        !CU_add_test(s, "ProductFields read as hostile input", test_product_fields_hostile) ||
        !CU_add_test(s, "regions and ARNs", test_regions_and_arns) ||
        !CU_add_test(s, "WorkflowState and Normalized-only severity", test_legacy_fields) ||
        !CU_add_test(s, "ingest: standard controls cross-checked", test_ingest_standard_controls) ||
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
