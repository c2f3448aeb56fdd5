/*
 * test_log.c - the log context (util.h hw_log_set_*): JSON lines carry
 * run_id, account, region and ms, stay valid UTF-8 JSON whatever the
 * context holds, and the levels filter as -q / -v / -vv promise.
 */
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/util.h"

/* Runs fn with stderr sent to a file; returns what reached it (malloc'd). */
static char *capture(void (*fn)(void))
{
    char path[] = "/tmp/hwlogXXXXXX";
    int fd = mkstemp(path);
    CU_ASSERT_FATAL(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    close(fd);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    CU_ASSERT_EQUAL(hw_file_read(path, 0, &b, &e), HW_OK);
    unlink(path);
    char *s = hw_buf_detach(&b, NULL);
    return s ? s : strdup("");
}

/* Text that tries to end the JSON string, smuggle a field, carry
 * controls, a bidirectional override and bytes that are not UTF-8. */
static const char hostile[] = "\"},\"level\":\"x\\\n\t\033[2J\xe2\x80\xae\xff\xc3(\x7f";

static void log_lines(void)
{
    hw_log_init(HW_LOG_TRACE, 1);
    hw_log_set_run_id("run-1234");
    hw_log_set_account("111122223333");
    hw_log_set_region("eu-west-1");
    hw_info("first");
    hw_log_set_account(hostile);
    hw_log_set_region(hostile);
    hw_log_set_run_id(hostile);
    hw_trace("second");
    hw_log_clear_context();
    hw_warn("third");
    hw_log_init(HW_LOG_ERROR, 0);
}

/* Every line is a JSON object in strict UTF-8 with the expected fields. */
static cJSON *line_json(const char *line, size_t len)
{
    CU_ASSERT_TRUE(hw_utf8_valid(line, len));
    cJSON *j = cJSON_ParseWithLength(line, len);
    CU_ASSERT_TRUE_FATAL(cJSON_IsObject(j));
    return j;
}

static void test_json_context(void)
{
    char *out = capture(log_lines);
    const char *p = out;
    cJSON *lines[3] = { NULL, NULL, NULL };
    size_t n = 0;
    while (*p && n < 4) {
        const char *nl = strchr(p, '\n');
        CU_ASSERT_PTR_NOT_NULL_FATAL(nl);
        CU_ASSERT_TRUE_FATAL(n < 3);
        lines[n++] = line_json(p, (size_t)(nl - p));
        p = nl + 1;
    }
    CU_ASSERT_EQUAL_FATAL(n, 3);
    /* what steers a terminal is escaped (\u202e), never passed raw */
    CU_ASSERT_PTR_NULL(strstr(out, "\xe2\x80\xae"));
    CU_ASSERT_PTR_NULL(strchr(out, '\033'));
    cJSON *a = lines[0];
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(a, "run_id")), "run-1234");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(a, "account")),
                           "111122223333");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(a, "region")), "eu-west-1");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(a, "msg")), "first");
    CU_ASSERT_TRUE(cJSON_IsNumber(cJSON_GetObjectItem(a, "ms")));
    CU_ASSERT_TRUE(cJSON_GetObjectItem(a, "ms")->valuedouble >= 0);
    /* the hostile context is one field each, never a second "level" */
    cJSON *b = lines[1];
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(b, "level")), "trace");
    CU_ASSERT_STRING_EQUAL(cJSON_GetStringValue(cJSON_GetObjectItem(b, "msg")), "second");
    const char *names[] = { "run_id", "account", "region" };
    for (size_t i = 0; i < 3; i++) {
        const char *v = cJSON_GetStringValue(cJSON_GetObjectItem(b, names[i]));
        CU_ASSERT_PTR_NOT_NULL_FATAL(v);
        CU_ASSERT_PTR_NOT_NULL(strstr(v, "level"));
        CU_ASSERT_PTR_NULL(strchr(v, '\033'));
    }
    /* cleared: the fields are gone, "ms" stays */
    cJSON *c = lines[2];
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(c, "run_id"));
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(c, "account"));
    CU_ASSERT_PTR_NULL(cJSON_GetObjectItem(c, "region"));
    CU_ASSERT_TRUE(cJSON_IsNumber(cJSON_GetObjectItem(c, "ms")));
    for (size_t i = 0; i < n; i++)
        cJSON_Delete(lines[i]);
    free(out);
}

static void text_levels(void)
{
    hw_log_set_account("111122223333");
    hw_log_set_region("us-east-1");
    hw_log_init(HW_LOG_WARN, 0); /* -q */
    hw_info("quiet-info");
    hw_warn("quiet-warn");
    hw_error("quiet-error");
    hw_log_init(HW_LOG_INFO, 0); /* default */
    hw_info("normal-info");
    hw_debug("normal-debug");
    hw_log_init(HW_LOG_DEBUG, 0); /* -v */
    hw_debug("v-debug");
    hw_trace("v-trace");
    hw_log_init(HW_LOG_TRACE, 0); /* -vv */
    hw_trace("vv-trace");
    hw_log_context saved;
    hw_log_context_save(&saved);
    hw_log_set_account("444455556666");
    hw_log_set_region(NULL);
    hw_debug("inner");
    hw_log_context_restore(&saved);
    hw_debug("restored");
    hw_log_clear_context();
    hw_log_init(HW_LOG_ERROR, 0);
}

static void test_text_levels(void)
{
    char *out = capture(text_levels);
    CU_ASSERT_PTR_NULL(strstr(out, "quiet-info"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: warning: quiet-warn\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: error: quiet-error\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: normal-info\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "normal-debug"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: debug: [111122223333 us-east-1] v-debug\n"));
    CU_ASSERT_PTR_NULL(strstr(out, "] v-trace"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: trace: [111122223333 us-east-1] vv-trace\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: debug: [444455556666] inner\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(out, "hubwarden: debug: [111122223333 us-east-1] restored\n"));
    free(out);
}

int test_log_register(void)
{
    CU_pSuite s = CU_add_suite("log", NULL, NULL);
    if (!s || !CU_add_test(s, "JSON lines carry run_id, account, region, ms", test_json_context) ||
        !CU_add_test(s, "-q, default, -v, -vv", test_text_levels))
        return -1;
    return 0;
}
