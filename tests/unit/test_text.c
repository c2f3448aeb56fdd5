/*
 * test_text.c - hostile text made safe (util/text.c): cutting at a
 * character boundary, terminal controls neutralised, JSON kept valid.
 */
#include <CUnit/CUnit.h>
#include <string.h>

#include "util/util.h"

static void test_trim(void)
{
    /* every cut of "aé€😀" leaves whole characters only */
    const char *full = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    static const size_t keep[] = { 0, 1, 1, 3, 3, 3, 6, 6, 6, 6, 10 };
    for (size_t n = 0; n <= strlen(full); n++) {
        char buf[16];
        memcpy(buf, full, n);
        buf[n] = '\0';
        hw_utf8_trim(buf);
        CU_ASSERT_EQUAL(strlen(buf), keep[n]);
        CU_ASSERT_TRUE(hw_utf8_valid(buf, strlen(buf)));
    }
    char ascii[] = "plain";
    hw_utf8_trim(ascii);
    CU_ASSERT_STRING_EQUAL(ascii, "plain");
    /* snprintf into a fixed buffer, then trimmed */
    char small[8];
    snprintf(small, sizeof small, "%s", "abcdef\xC3\xA9");
    hw_utf8_trim(small);
    CU_ASSERT_STRING_EQUAL(small, "abcdef");
}

static void test_terminal(void)
{
    hw_buf b = HW_BUF_INIT(0);
    const char in[] = "a\x1b[2Jb\x7f" "c\xC2\x9B" "31m\xE2\x80\xAE" "d\xE2\x80\xA8" "e\tf\xFF\xC2\x1b"
                      "g\xC3\xA9";
    CU_ASSERT_EQUAL(hw_text_for_terminal(&b, in, sizeof in - 1, '?'), 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b), "a?[2Jb?c?31m?d?e\tf\xEF\xBF\xBD\xEF\xBF\xBD?g\xC3\xA9");
    hw_buf_free(&b);
}

static void test_json(void)
{
    hw_buf b = HW_BUF_INIT(0);
    const char in[] = "{\"k\": \"x\xFF\xC2\x9B\xE2\x80\xAE\xE2\x80\xA8\x7f\xC3\xA9\"}\n";
    CU_ASSERT_EQUAL(hw_text_for_json(&b, in, sizeof in - 1), 0);
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b),
                           "{\"k\": \"x\xEF\xBF\xBD\\u009b\\u202e\\u2028\\u007f\xC3\xA9\"}\n");
    CU_ASSERT_TRUE(hw_utf8_valid(hw_buf_str(&b), b.len));
    hw_buf_free(&b);
    uint32_t cp;
    CU_ASSERT_EQUAL(hw_utf8_decode("\xED\xA0\x80", 3, &cp), 0); /* surrogate */
    CU_ASSERT_EQUAL(hw_utf8_decode("\xC0\x80", 2, &cp), 0);     /* overlong */
    CU_ASSERT_EQUAL(hw_utf8_decode("\xF0\x9F\x98\x80", 4, &cp), 4);
    CU_ASSERT_EQUAL(cp, 0x1F600);
}

int test_text_register(void)
{
    CU_pSuite s = CU_add_suite("text", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "cut at character boundaries", test_trim) ||
        !CU_add_test(s, "terminal controls neutralised", test_terminal) ||
        !CU_add_test(s, "JSON text kept valid UTF-8", test_json))
        return -1;
    return 0;
}
