/*
 * test_jsonlex.c - the ingest's own JSON lexer and field extraction,
 * checked against cJSON: on a table of edge cases, and on thousands of
 * random mutations of a real finding, the lexer never accepts what cJSON
 * rejects, and where both accept, the fields it extracts are the ones
 * cJSON sees.
 */
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/jsonlex.h"
#include "scan/finding.h"

static char org_ids[1][13] = { "333333333333" };
static const hw_orgset org = { org_ids, 1, 1 };

/* The lexer's verdict on a whole text: one value, then only whitespace. */
static int lex_ok(const char *s, size_t n)
{
    hw_jlex L;
    hw_jlex_init(&L, s, n);
    hw_jlex_ws(&L);
    if (hw_jlex_skip(&L) < 0)
        return 0;
    hw_jlex_ws(&L);
    return L.p == L.end;
}

static int cjson_ok(const char *s, size_t n)
{
    /* cJSON wants the text NUL-terminated to check what follows it */
    char *t = malloc(n + 1);
    memcpy(t, s, n);
    t[n] = '\0';
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithOpts(t, &end, 1);
    int ok = o != NULL && (size_t)(end - t) == n;
    cJSON_Delete(o);
    free(t);
    return ok;
}

static void test_grammar(void)
{
    static const struct { const char *text; int ok; } cases[] = {
        { "{}", 1 },
        { "[]", 1 },
        { " {\"a\" : [1, -2.5e+3, 0, true, false, null, \"x\"]}\n", 1 },
        { "\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\n\\r\\t\\\"\\\\\"", 1 },
        { "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", 1 }, /* é € 😀 */
        { "-0.0e0", 1 },
        { "{", 0 },
        { "{\"a\" 1}", 0 },
        { "{\"a\":1,}", 0 },
        { "[1,]", 0 },
        { "[1 2]", 0 },
        { "01", 0 },            /* leading zero (cJSON takes it) */
        { "1.", 0 },            /* (cJSON takes it) */
        { ".5", 0 },
        { "+1", 0 },
        { "-", 0 },
        { "1e", 0 },
        { "tru", 0 },
        { "nul", 0 },
        { "\"abc", 0 },
        { "\"a\x01z\"", 0 },      /* raw control character (cJSON takes it) */
        { "\"\\x\"", 0 },
        { "\"\\u12\"", 0 },
        { "\"\\udc00\"", 0 },     /* lone low surrogate */
        { "\"\\ud800x\"", 0 },    /* lone high surrogate */
        { "\"\xc0\xaf\"", 0 },    /* overlong '/' (cJSON takes it) */
        { "\"\xed\xa0\x80\"", 0 }, /* a surrogate in UTF-8 */
        { "\"\xf4\x90\x80\x80\"", 0 }, /* above U+10FFFF */
        { "\"\xf8\x88\x80\x80\x80\"", 0 },
        { "\"\xe2\x82\"", 0 },    /* cut short */
        { "{} {}", 0 },
        { "{}x", 0 },
        { "\xef\xbb\xbf{}", 0 },  /* a byte order mark is not JSON */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = strlen(cases[i].text);
        int got = lex_ok(cases[i].text, n);
        if (got != cases[i].ok) {
            fprintf(stderr, "\ncase %zu (%s): lexer says %d\n", i, cases[i].text, got);
            CU_FAIL("grammar case");
        }
        /* never more lenient than cJSON */
        if (got && !cjson_ok(cases[i].text, n)) {
            fprintf(stderr, "\ncase %zu (%s): cJSON rejects it\n", i, cases[i].text);
            CU_FAIL("lexer accepted what cJSON rejects");
        }
    }
}

static void test_depth(void)
{
    char buf[2 * 300 + 1];
    for (int depth = 100; depth <= 300; depth += 200) {
        memset(buf, '[', (size_t)depth);
        memset(buf + depth, ']', (size_t)depth);
        int ok = lex_ok(buf, 2 * (size_t)depth);
        CU_ASSERT_EQUAL(ok, depth <= HW_JSON_MAX_DEPTH);
    }
    /* and in a finding: an error, not a crash */
    char f[1000];
    int k = snprintf(f, sizeof f, "{\"Id\": \"x\", \"Deep\": ");
    memset(f + k, '[', 200);
    memset(f + k + 200, ']', 200);
    strcpy(f + k + 400, "}");
    hw_finding fi;
    hw_err e;
    hw_finding_init(&fi);
    CU_ASSERT_EQUAL(hw_finding_parse(f, strlen(f), &org, &fi, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "nested too deeply"));
    hw_finding_free(&fi);
}

static void test_decoding(void)
{
    char out[64];
    size_t n;
    int fl;
    hw_jlex L;
    const char s1[] = "\"a\\u00e9\\ud83d\\ude00\\n\\/\"";
    hw_jlex_init(&L, s1, sizeof s1 - 1);
    CU_ASSERT_EQUAL(hw_jlex_string(&L, out, sizeof out - 1, &n, &fl), 0);
    CU_ASSERT_STRING_EQUAL(out, "a\xc3\xa9\xf0\x9f\x98\x80\n/");
    CU_ASSERT_EQUAL(fl, HW_JSTR_ESC);
    const char s2[] = "\"a\\u0000b\"";
    hw_jlex_init(&L, s2, sizeof s2 - 1);
    CU_ASSERT_EQUAL(hw_jlex_string(&L, out, sizeof out - 1, &n, &fl), 0);
    CU_ASSERT_EQUAL(n, 3);
    CU_ASSERT_TRUE(fl & HW_JSTR_NUL);
    const char s3[] = "\"0123456789\"";
    hw_jlex_init(&L, s3, sizeof s3 - 1);
    CU_ASSERT_EQUAL(hw_jlex_string(&L, out, 4, &n, &fl), 0);
    CU_ASSERT_TRUE(fl & HW_JSTR_LONG);
    CU_ASSERT_STRING_EQUAL(out, "0123");
    /* an error names the byte */
    const char s4[] = "[1, 2, @]";
    hw_jlex_init(&L, s4, sizeof s4 - 1);
    CU_ASSERT_EQUAL(hw_jlex_skip(&L), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(L.err, "at byte 7"));
}

/* ------------------------------------------------------ finding fields */

static const char finding[] =
    "{\"SchemaVersion\": \"2018-10-08\","
    " \"Id\": \"arn:aws:securityhub:us-east-1:333333333333:security-control/S3.8/finding/\\u0061b\\/c\","
    " \"ProductArn\": \"arn:aws:securityhub:us-east-1::product/aws/securityhub\","
    " \"GeneratorId\": \"security-control/S3.8\", \"AwsAccountId\": \"333333333333\","
    " \"Region\": \"us-east-1\", \"Types\": [\"Software and Configuration Checks\"],"
    " \"CreatedAt\": \"2026-10-01T08:15:42.118Z\", \"UpdatedAt\": \"2026-11-28T08:15:42.118Z\","
    " \"Severity\": {\"Original\": \"HIGH\", \"Label\": \"HIGH\", \"Normalized\": 70},"
    " \"Title\": \"Buckets should block public access \\u2014 \\\"all\\\" of them\","
    " \"Description\": \"caf\xc3\xa9 <script>alert(1)</script>\","
    " \"Compliance\": {\"AssociatedStandards\": [{\"StandardsId\": \"standards/pci-dss/v/4.0.1\"}, 7],"
    "   \"Status\": \"FAILED\", \"SecurityControlId\": \"S3.8\","
    "   \"RelatedRequirements\": [\"PCI DSS v4.0.1/1.4.4\", null, \"CIS AWS Foundations Benchmark v3.0.0/2.1.4\"]},"
    " \"Resources\": [{\"Type\": \"AwsS3Bucket\", \"Id\": \"arn:aws:s3:::b\\u0031\","
    "   \"Details\": {\"AwsS3Bucket\": {\"OwnerId\": \"x\", \"Deep\": [[[{\"a\": [1e5]}]]]}}},"
    "   {\"Id\": \"arn:aws:s3:::b2\"}],"
    " \"Workflow\": {\"Status\": \"NEW\"}, \"RecordState\": \"ACTIVE\"}";

static void test_fields(void)
{
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    CU_ASSERT_EQUAL_FATAL(hw_finding_parse(finding, sizeof finding - 1, &org, &f, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(f.id, "arn:aws:securityhub:us-east-1:333333333333:security-control/S3.8/finding/ab/c");
    CU_ASSERT_STRING_EQUAL(f.title, "Buckets should block public access \xe2\x80\x94 \"all\" of them");
    CU_ASSERT_STRING_EQUAL(f.severity, "HIGH");
    CU_ASSERT_STRING_EQUAL(f.control_id, "S3.8");
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&f.resources), "[\"arn:aws:s3:::b1\",\"arn:aws:s3:::b2\"]");
    CU_ASSERT_EQUAL(f.nrelated, 2);
    CU_ASSERT_STRING_EQUAL(f.related[1], "CIS AWS Foundations Benchmark v3.0.0/2.1.4");
    CU_ASSERT_EQUAL(f.nstandards, 1);
    CU_ASSERT_TRUE(f.trusted);
    hw_finding_free(&f);
}

static void expect_reject(const char *from, const char *to, const char *msg)
{
    char buf[sizeof finding + 256];
    const char *at = strstr(finding, from);
    CU_ASSERT_PTR_NOT_NULL_FATAL(at);
    size_t k = (size_t)(at - finding);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)k, finding, to, at + strlen(from));
    hw_finding f;
    hw_err e;
    hw_finding_init(&f);
    hw_err_clear(&e);
    int rc = hw_finding_parse(buf, strlen(buf), &org, &f, &e);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    if (rc != HW_EINVAL || !strstr(e.msg, msg)) {
        fprintf(stderr, "\n%s -> %s: got '%s', want '%s'\n", from, to, e.msg, msg);
        CU_FAIL("rejection");
    }
    hw_finding_free(&f);
}

static void test_hostile_fields(void)
{
    /* two readers of one finding must not see two different accounts */
    expect_reject("\"AwsAccountId\": \"333333333333\",",
                  "\"AwsAccountId\": \"333333333333\", \"AwsAccountId\": \"444444444444\",",
                  "AwsAccountId: given more than once");
    expect_reject("\"Label\": \"HIGH\"", "\"Label\": \"HIGH\", \"Label\": \"LOW\"",
                  "Severity.Label: given more than once");
    expect_reject("\"Id\": \"arn:aws:s3:::b2\"", "\"Id\": \"arn:aws:s3:::b2\", \"Id\": \"x\"",
                  "Resources[].Id: given more than once");
    /* a NUL would cut the id short for every C string reader */
    expect_reject("finding/\\u0061b", "finding/\\u0000b", "Id: contains a NUL character");
    /* an escaped member name is the same name */
    expect_reject("\"RecordState\": \"ACTIVE\"", "\"RecordStat\\u0065\": \"DELETED\"",
                  "RecordState: expected ACTIVE or ARCHIVED");
    expect_reject("\"Status\": \"NEW\"", "\"Status\": 3", "Workflow.Status: expected a string");
    expect_reject("\"RelatedRequirements\": [", "\"RelatedRequirements\": {\"a\": 1}, \"X\": [",
                  "Compliance.RelatedRequirements: expected an array");
    expect_reject("\"Region\": \"us-east-1\",", "\"Region\": \"us-east-1\", \"X\": [1,],",
                  "not valid JSON");
    expect_reject("caf\xc3\xa9", "caf\xc3", "invalid UTF-8");
}

/* ------------------------------------------------------- differential */

/* The fields the parser extracts, as cJSON sees them: compared whenever
 * both accept a mutated finding. */
static void compare_with_cjson(const char *text, size_t n, const hw_finding *f)
{
    cJSON *o = cJSON_ParseWithLength(text, n);
    CU_ASSERT_PTR_NOT_NULL_FATAL(o);
    static const char *const keys[] = { "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Title" };
    const char *mine[] = { f->id, f->product_arn, f->generator_id, f->account_id, f->title };
    for (size_t i = 0; i < 5; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, keys[i]);
        if (!cJSON_IsString(v) || strcmp(v->valuestring, mine[i]) != 0) {
            fprintf(stderr, "\n%s differs: '%s' vs cJSON '%s'\n", keys[i], mine[i],
                    cJSON_IsString(v) ? v->valuestring : "(not a string)");
            CU_FAIL("field differs from cJSON");
        }
    }
    const cJSON *sev = cJSON_GetObjectItemCaseSensitive(o, "Severity");
    const cJSON *lab = cJSON_GetObjectItemCaseSensitive(sev, "Label");
    if (cJSON_IsString(lab))
        CU_ASSERT_STRING_EQUAL(lab->valuestring, f->severity);
    cJSON_Delete(o);
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 11);
}

static void test_differential(void)
{
    static const char *const inserts[] = {
        "\"", "\\", "{", "}", "[", "]", ",", ":", " ", "\n", "0", "-", "e", ".", "\\u", "\\ud83d",
        "\\udc00", "\\u0000", "\xc3", "\xa9", "\xff", "\xed\xa0\x80", "\x01", "true", "nul",
        "\"Id\": \"dup\", ", "\"AwsAccountId\": 5, ",
    };
    size_t base = sizeof finding - 1;
    char *buf = malloc(base + 64);
    hw_finding f;
    hw_finding_init(&f);
    int accepted = 0, both = 0;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, finding, base);
        size_t n = base;
        int edits = 1 + (int)(rnd() % 3);
        for (int k = 0; k < edits; k++) {
            size_t at = rnd() % n;
            switch (rnd() % 3) {
            case 0: /* delete one byte */
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
                break;
            case 1: { /* insert a token */
                const char *t = inserts[rnd() % (sizeof inserts / sizeof inserts[0])];
                size_t tl = strlen(t);
                if (n + tl > base + 60)
                    break;
                memmove(buf + at + tl, buf + at, n - at);
                memcpy(buf + at, t, tl);
                n += tl;
                break;
            }
            default: /* replace one byte */
                buf[at] = (char)(rnd() & 0xFF);
                break;
            }
        }
        int ours = lex_ok(buf, n);
        int theirs = cjson_ok(buf, n);
        if (ours && !theirs) {
            fprintf(stderr, "\nlexer accepts what cJSON rejects: %.*s\n", (int)n, buf);
            CU_FAIL("more lenient than cJSON");
            break;
        }
        hw_err e;
        if (hw_finding_parse(buf, n, &org, &f, &e) == HW_OK) {
            CU_ASSERT_TRUE(ours);
            accepted++;
            if (theirs) {
                both++;
                compare_with_cjson(buf, n, &f);
            }
        }
    }
    /* the mutations must leave enough findings intact to compare */
    CU_ASSERT_TRUE(accepted > 1000);
    CU_ASSERT_TRUE(both == accepted);
    hw_finding_free(&f);
    free(buf);
}

int test_jsonlex_register(void)
{
    CU_pSuite s = CU_add_suite("jsonlex", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "grammar: strict, never laxer than cJSON", test_grammar) ||
        !CU_add_test(s, "nesting depth bounded", test_depth) ||
        !CU_add_test(s, "string decoding", test_decoding) ||
        !CU_add_test(s, "finding fields with escapes", test_fields) ||
        !CU_add_test(s, "hostile fields: duplicates, NUL, types", test_hostile_fields) ||
        !CU_add_test(s, "20,000 mutations agree with cJSON", test_differential))
        return -1;
    return 0;
}
