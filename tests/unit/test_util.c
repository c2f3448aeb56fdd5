/*
 * test_util.c - the util layer: bounded buffers, UTF-8 validation, time
 * parsing, atomic writes, hashing and log redaction.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

static void test_buf_limit(void)
{
    hw_buf b = HW_BUF_INIT(10);
    CU_ASSERT_EQUAL(hw_buf_puts(&b, "0123456789"), 0);
    CU_ASSERT_EQUAL(b.len, 10);
    CU_ASSERT_EQUAL(hw_buf_putc(&b, 'x'), -1); /* over the limit */
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "0123456789");
    hw_buf_reset(&b);
    CU_ASSERT_EQUAL(hw_buf_printf(&b, "%d-%s", 42, "ab"), 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "42-ab");
    size_t n;
    char *p = hw_buf_detach(&b, &n);
    CU_ASSERT_EQUAL(n, 5);
    CU_ASSERT_PTR_NULL(b.data);
    free(p);
    hw_buf_free(&b);
}

static void test_utf8(void)
{
    CU_ASSERT_TRUE(hw_utf8_valid("plain", 5));
    CU_ASSERT_TRUE(hw_utf8_valid("\xc3\xa9t\xc3\xa9", 6));
    CU_ASSERT_TRUE(hw_utf8_valid("\xf0\x9f\x94\x92", 4));
    CU_ASSERT_FALSE(hw_utf8_valid("\xc3", 1));           /* truncated */
    CU_ASSERT_FALSE(hw_utf8_valid("\xc0\xaf", 2));       /* overlong */
    CU_ASSERT_FALSE(hw_utf8_valid("\xed\xa0\x80", 3));   /* surrogate */
    CU_ASSERT_FALSE(hw_utf8_valid("\xff", 1));
}

static void test_time(void)
{
    int64_t t;
    CU_ASSERT_EQUAL(hw_time_parse("2024-01-02T03:04:05Z", &t), 0);
    CU_ASSERT_EQUAL(t, 1704164645);
    CU_ASSERT_EQUAL(hw_time_parse("2024-01-02T03:04:05.123456Z", &t), 0);
    CU_ASSERT_EQUAL(t, 1704164645);
    CU_ASSERT_EQUAL(hw_time_parse("2024-01-02T05:04:05+02:00", &t), 0);
    CU_ASSERT_EQUAL(t, 1704164645);
    CU_ASSERT_EQUAL(hw_time_parse("2024-13-02T03:04:05Z", &t), -1);
    CU_ASSERT_EQUAL(hw_time_parse("yesterday", &t), -1);
    CU_ASSERT_EQUAL(hw_time_parse("2024-01-02T03:04:05Zjunk", &t), -1);
    char out[32];
    hw_time_iso(1704164645, out);
    CU_ASSERT_STRING_EQUAL(out, "2024-01-02T03:04:05.000Z");
    /* the arithmetic agrees with the C library's timegm() on every day of
     * 1899-2101 (leap years, 1900 and 2000, month ends, a day past the
     * end of a month, a leap second) */
    for (int y = 1899; y <= 2101; y++)
        for (int mo = 1; mo <= 12; mo++)
            for (int d = 1; d <= 31; d += (d < 27 ? 13 : 1)) {
                char ts[40];
                int sec = (d == 31 && mo == 12) ? 60 : 59;
                snprintf(ts, sizeof ts, "%04d-%02d-%02dT23:58:%02dZ", y, mo, d, sec);
                struct tm tm = { 0 };
                tm.tm_year = y - 1900;
                tm.tm_mon = mo - 1;
                tm.tm_mday = d;
                tm.tm_hour = 23;
                tm.tm_min = 58;
                tm.tm_sec = sec;
                CU_ASSERT_EQUAL_FATAL(hw_time_parse(ts, &t), 0);
                if (t != (int64_t)timegm(&tm)) {
                    fprintf(stderr, "\n%s: %lld, timegm %lld\n", ts, (long long)t,
                            (long long)timegm(&tm));
                    CU_FAIL("hw_time_parse differs from timegm");
                    return;
                }
            }
}

/* Times to the millisecond, as ASFF writes them: 0-9 fractional digits,
 * Z or an offset, all normalised to UTC; finer digits cut, never rounded
 * (a later copy must never sort before an earlier one). */
static void test_time_ms(void)
{
    static const struct {
        const char *in;
        long long ms;
    } ok[] = {
        { "2024-01-02T03:04:05Z", 1704164645000LL },
        { "2024-01-02T03:04:05.896Z", 1704164645896LL },
        { "2024-01-02T03:04:05.8Z", 1704164645800LL },
        { "2024-01-02T03:04:05.89Z", 1704164645890LL },
        { "2024-01-02T03:04:05.000001Z", 1704164645000LL },
        { "2024-01-02T03:04:05.999999999Z", 1704164645999LL },
        { "2024-01-02T03:04:05.896123+00:00", 1704164645896LL },
        { "2024-01-02T05:04:05.896+02:00", 1704164645896LL },
        { "2024-01-01T21:34:05.896-05:30", 1704164645896LL },
        { "2024-01-02T03:04:05.896+0000", 1704164645896LL },
        { "1969-12-31T23:59:59.999Z", -1LL },
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        int64_t ms = 0;
        CU_ASSERT_EQUAL(hw_time_parse_ms(ok[i].in, &ms), 0);
        if (ms != ok[i].ms) {
            fprintf(stderr, "\n%s: %lld, want %lld\n", ok[i].in, (long long)ms, ok[i].ms);
            CU_FAIL("hw_time_parse_ms");
        }
    }
    static const char *const bad[] = { "2024-01-02T03:04:05.Z", "2024-01-02T03:04:05.896+24:00",
                                       "2024-01-02T03:04:05.896+02:60", "2024-01-02T03:04:05.8x96Z",
                                       "2024-01-02T03:04:05.896Z ", "" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t ms;
        if (hw_time_parse_ms(bad[i], &ms) != -1) {
            fprintf(stderr, "\n'%s' accepted\n", bad[i]);
            CU_FAIL("hw_time_parse_ms accepted a bad time");
        }
    }
    /* the seconds parser rounds down, as it always did */
    int64_t t;
    CU_ASSERT_EQUAL(hw_time_parse("2024-01-02T03:04:05.999Z", &t), 0);
    CU_ASSERT_EQUAL(t, 1704164645);
    CU_ASSERT_EQUAL(hw_time_parse("1969-12-31T23:59:59.999Z", &t), 0);
    CU_ASSERT_EQUAL(t, -1);
    char out[32];
    hw_time_iso_ms(1704164645896LL, out);
    CU_ASSERT_STRING_EQUAL(out, "2024-01-02T03:04:05.896Z");
    hw_time_iso_ms(1704164645007LL, out);
    CU_ASSERT_STRING_EQUAL(out, "2024-01-02T03:04:05.007Z");
    hw_time_iso_ms(-1, out);
    CU_ASSERT_STRING_EQUAL(out, "1969-12-31T23:59:59.999Z");
    CU_ASSERT_EQUAL(hw_ms_to_s(-1), -1);
    CU_ASSERT_EQUAL(hw_ms_to_s(-1000), -1);
    CU_ASSERT_EQUAL(hw_ms_to_s(1999), 1);
}

static void test_atomic_write(void)
{
    char dir[] = "/tmp/hwutilXXXXXX";
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/f.txt", dir);
    hw_err e;
    CU_ASSERT_EQUAL(hw_file_write_atomic(path, "one", 3, 0600, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_file_write_atomic(path, "two", 3, 0600, &e), HW_OK);
    hw_buf b = HW_BUF_INIT(0);
    CU_ASSERT_EQUAL(hw_file_read(path, 0, &b, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "two");
    hw_buf_free(&b);
    /* a failed write leaves the old file */
    char bad[300];
    snprintf(bad, sizeof bad, "%s/missing/f.txt", dir);
    CU_ASSERT_EQUAL(hw_file_write_atomic(bad, "x", 1, 0600, &e), HW_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "missing"));
    CU_ASSERT_EQUAL(hw_file_read(bad, 0, &b, &e), HW_EIO);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad));
    hw_buf_free(&b);
    unlink(path);
    rmdir(dir);
}

static void test_sha256(void)
{
    char hex[65];
    hw_sha256_hex("abc", 3, hex);
    CU_ASSERT_STRING_EQUAL(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void test_redaction(void)
{
    hw_log_add_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    char *r = hw_redact("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY here");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NULL(strstr(r, "wJalrXUtnFEMI"));
    CU_ASSERT_PTR_NOT_NULL(strstr(r, "[REDACTED]"));
    free(r);
    r = hw_redact("Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, SignedHeaders=host, Signature=0123456789abcdef0123");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NULL(strstr(r, "0123456789abcdef"));
    free(r);
    r = hw_redact("{\"SessionToken\":\"IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ\"}");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NULL(strstr(r, "IQoJb3JpZ2lu"));
    free(r);
    r = hw_redact("<SecretAccessKey>abcdefghijklmnopqrstuvwxyz</SecretAccessKey>");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r);
    CU_ASSERT_PTR_NULL(strstr(r, "abcdefghijkl"));
    free(r);
    hw_log_clear_secrets();
}

static void test_err(void)
{
    hw_err e;
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(hw_err_set(&e, HW_EINVAL, "bad %s", "thing"), HW_EINVAL);
    hw_err_prefix(&e, "file.json");
    CU_ASSERT_STRING_EQUAL(e.msg, "file.json: bad thing");
    CU_ASSERT_EQUAL(hw_exit_code(HW_EINVAL), HW_EXIT_USAGE);
    CU_ASSERT_EQUAL(hw_exit_code(HW_ELOCKED), HW_EXIT_USAGE);
    CU_ASSERT_EQUAL(hw_exit_code(HW_EINTERNAL), HW_EXIT_INTERNAL);
}

static void test_bucket(void)
{
    hw_bucket b;
    hw_bucket_init(&b, 3, 6, 1000);
    for (int i = 0; i < 6; i++)
        CU_ASSERT_EQUAL(hw_bucket_take(&b, 1000), 0); /* the burst */
    int64_t wait = hw_bucket_take(&b, 1000);
    CU_ASSERT_TRUE(wait > 300 && wait <= 340);        /* one token takes 1/3 s */
    CU_ASSERT_EQUAL(hw_bucket_take(&b, 1000 + wait), 0);
    /* over 10 s at most 6 + 30 requests pass */
    hw_bucket_init(&b, 3, 6, 0);
    int passed = 0;
    for (int64_t t = 0; t <= 10000; t += 10)
        while (hw_bucket_take(&b, t) == 0)
            passed++;
    CU_ASSERT_TRUE(passed >= 35 && passed <= 36);
}

static void test_wafv2_arn(void)
{
    hw_wafv2_ipset w;
    CU_ASSERT_TRUE(hw_wafv2_ipset_parse("arn:aws:wafv2:eu-west-1:123456789012:regional/ipset/"
                                        "block_list-1/a1b2c3d4-0000-4000-8000-000000000001",
                                        &w));
    CU_ASSERT_STRING_EQUAL(w.partition, "aws");
    CU_ASSERT_STRING_EQUAL(w.region, "eu-west-1");
    CU_ASSERT_STRING_EQUAL(w.account, "123456789012");
    CU_ASSERT_STRING_EQUAL(w.scope, "REGIONAL");
    CU_ASSERT_STRING_EQUAL(w.name, "block_list-1");
    CU_ASSERT_STRING_EQUAL(w.id, "a1b2c3d4-0000-4000-8000-000000000001");
    CU_ASSERT_TRUE(hw_wafv2_ipset_parse("arn:aws-us-gov:wafv2:us-gov-west-1:123456789012:global/"
                                        "ipset/edge/a1b2c3d4-0000-4000-8000-000000000002",
                                        &w));
    CU_ASSERT_STRING_EQUAL(w.scope, "CLOUDFRONT");
    CU_ASSERT_STRING_EQUAL(w.partition, "aws-us-gov");
    const char *bad[] = {
        "",
        "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/x",
        "arn:aws:wafv2:us-east-1:12345678901:regional/ipset/x/a1b2c3d4-0000-4000-8000-000000000001",
        "arn:aws:waf:us-east-1:123456789012:regional/ipset/x/a1b2c3d4-0000-4000-8000-000000000001",
        "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/x/a1b2c3d4-0000-4000-8000-000000000001",
        "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/x y/a1b2c3d4-0000-4000-8000-00000000001",
        "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/x/A1B2C3D4-0000-4000-8000-000000000001",
        "arn:aws:wafv2:us-east-1:123456789012:regional/ipset/x/a1b2c3d4-0000-4000-8000-000000000001/",
        "arn:aws:wafv2:nowhere:123456789012:regional/ipset/x/a1b2c3d4-0000-4000-8000-000000000001",
        "arn:AWS:wafv2:us-east-1:123456789012:regional/ipset/x/a1b2c3d4-0000-4000-8000-000000000001",
    };
    for (size_t i = 0; i < HW_ARRAY_LEN(bad); i++)
        CU_ASSERT_FALSE(hw_wafv2_ipset_parse(bad[i], &w));
}

int test_util_register(void)
{
    CU_pSuite s = CU_add_suite("util", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "WAFv2 IP set ARNs", test_wafv2_arn) ||
        !CU_add_test(s, "bounded buffer", test_buf_limit) ||
        !CU_add_test(s, "utf-8 validation", test_utf8) ||
        !CU_add_test(s, "time parsing", test_time) ||
        !CU_add_test(s, "time to the millisecond", test_time_ms) ||
        !CU_add_test(s, "atomic write", test_atomic_write) ||
        !CU_add_test(s, "sha-256", test_sha256) ||
        !CU_add_test(s, "log redaction", test_redaction) ||
        !CU_add_test(s, "errors", test_err) ||
        !CU_add_test(s, "token bucket", test_bucket))
        return -1;
    return 0;
}
