/*
 * test_gate.c - the gate's rules (gate.h): resource rows gathered into
 * pairs, each pair's status and whether it blocks, severities, durations,
 * text XML cannot carry, and the JUnit XML's structure.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"

/* account, control, region, resources, failed, suppressed, passed, since,
 * last, fixed_by */
static hw_gate_resource res(const char *acct, const char *ctl, const char *rid, int failed,
                            int suppressed, const char *fixed_by)
{
    static char ids[8][128];
    static int k;
    char *id = ids[k++ % 8];
    snprintf(id, 128, "[\"%s\"]", rid);
    hw_gate_resource r = { acct, ctl, "us-east-1", id, failed, suppressed,
                           !failed && !suppressed, failed || suppressed ? 1000 : -1,
                           failed || suppressed ? 2000 : -1, fixed_by };
    return r;
}

static void add(hw_gate_set *s, hw_gate_resource r)
{
    hw_err e;
    CU_ASSERT_EQUAL(hw_gate_add(s, &r, &e), HW_OK);
}

static void test_rules(void)
{
    hw_gate_set s = { 0 };
    add(&s, res("111", "A.1", "r1", 0, 0, NULL));      /* passing */
    add(&s, res("111", "A.2", "r1", 1, 0, NULL));      /* failing */
    add(&s, res("111", "A.2", "r2", 0, 0, NULL));
    add(&s, res("111", "A.3", "r1", 0, 1, NULL));      /* suppressed only */
    add(&s, res("111", "A.4", "r1", 1, 0, "act-1"));   /* failing, fixed */
    add(&s, res("111", "A.5", "r1", 1, 0, "act-2"));   /* one fixed, one not */
    add(&s, res("111", "A.5", "r2", 1, 0, NULL));
    add(&s, res("222", "A.2", "r1", 1, 0, NULL));      /* failing, excepted */
    add(&s, res("222", "A.3", "r1", 0, 1, NULL));      /* suppressed, excepted */
    CU_ASSERT_EQUAL_FATAL(s.n, 7);
    hw_err e;
    CU_ASSERT_EQUAL(hw_gate_set_exception(&s.pairs[5], 99, "bob", "ok", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_gate_set_exception(&s.pairs[5], 5, "eve", "later", &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(s.pairs[5].exception_approver, "bob"); /* the first one kept */
    CU_ASSERT_EQUAL(hw_gate_set_exception(&s.pairs[6], 99, "bob", "ok", &e), HW_OK);
    for (size_t i = 0; i < s.n; i++)
        hw_gate_decide(&s.pairs[i], 0);
    static const int want[] = { HW_GATE_PASSED,     HW_GATE_FAILED, HW_GATE_SUPPRESSED,
                                HW_GATE_REMEDIATED, HW_GATE_FAILED, HW_GATE_EXCEPTION,
                                HW_GATE_EXCEPTION };
    static const int blocks[] = { 0, 1, 1, 0, 1, 0, 0 };
    for (size_t i = 0; i < 7; i++) {
        CU_ASSERT_EQUAL(s.pairs[i].status, want[i]);
        CU_ASSERT_EQUAL(s.pairs[i].blocking, blocks[i]);
    }
    /* pairs[6]: an exception covers a suppression too */
    CU_ASSERT_EQUAL(s.pairs[1].resources, 2);
    CU_ASSERT_EQUAL(s.pairs[1].failed, 1);
    CU_ASSERT_EQUAL(s.pairs[1].passed, 1);
    /* partly fixed: the unfixed one first, and the fixed one counted apart */
    const hw_gate_pair *p = &s.pairs[4];
    CU_ASSERT_EQUAL(p->failed, 1);
    CU_ASSERT_EQUAL(p->remediated, 1);
    CU_ASSERT_STRING_EQUAL(p->items[0].resource, "r2");
    CU_ASSERT_PTR_NULL(p->items[0].fixed_by);
    CU_ASSERT_STRING_EQUAL(p->items[1].fixed_by, "act-2");
    /* --allow-suppressed: suppression passes, a failure still blocks */
    hw_gate_decide(&s.pairs[2], 1);
    CU_ASSERT_EQUAL(s.pairs[2].status, HW_GATE_SUPPRESSED);
    CU_ASSERT_EQUAL(s.pairs[2].blocking, 0);
    hw_gate_decide(&s.pairs[1], 1);
    CU_ASSERT_EQUAL(s.pairs[1].blocking, 1);
    hw_gate_set_free(&s);
}

static void test_severity_and_duration(void)
{
    CU_ASSERT_EQUAL(hw_gate_severity_rank("critical"), 4);
    CU_ASSERT_EQUAL(hw_gate_severity_rank("HIGH"), 3);
    CU_ASSERT_EQUAL(hw_gate_severity_rank("INFORMATIONAL"), 0);
    CU_ASSERT_EQUAL(hw_gate_severity_rank("UNKNOWN"), -1);
    CU_ASSERT_EQUAL(hw_gate_severity_rank(NULL), -1);
    CU_ASSERT_STRING_EQUAL(hw_gate_severity_label(2), "MEDIUM");
    CU_ASSERT_PTR_NULL(hw_gate_severity_label(5));
    char d[32];
    hw_gate_duration(59999, d);
    CU_ASSERT_STRING_EQUAL(d, "< 1 min");
    hw_gate_duration(7 * 60000, d);
    CU_ASSERT_STRING_EQUAL(d, "7 min");
    hw_gate_duration((5 * 60 + 12) * 60000LL, d);
    CU_ASSERT_STRING_EQUAL(d, "5 h 12 min");
    hw_gate_duration((3 * 24 + 4) * 3600000LL + 59000, d);
    CU_ASSERT_STRING_EQUAL(d, "3 d 4 h");
}

static void test_xml_text(void)
{
    char *t = hw_gate_xml_text("a\x01<b>\tc\xc2\x9b\xff\xed\xa0\x80 \xe2\x82\xac");
    CU_ASSERT_STRING_EQUAL(t, "a\xef\xbf\xbd<b>\tc\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                              "\xef\xbf\xbd\xef\xbf\xbd \xe2\x82\xac");
    free(t);
    t = hw_gate_xml_text("");
    CU_ASSERT_STRING_EQUAL(t, "");
    free(t);
    t = hw_gate_xml_text(NULL);
    CU_ASSERT_STRING_EQUAL(t, "");
    free(t);
}

static void test_junit(void)
{
    hw_gate_set s = { 0 };
    add(&s, res("111", "A.1", "r1", 0, 0, NULL));
    add(&s, res("111", "A.2", "bad\x02<id>", 1, 0, NULL));
    add(&s, res("222", "A.2", "r9", 1, 0, NULL));
    hw_err e;
    hw_gate_set_exception(&s.pairs[2], 0, "bob", "risk \"accepted\" & noted", &e);
    for (size_t i = 0; i < s.n; i++) {
        s.pairs[i].fix = "no remediation";
        hw_gate_decide(&s.pairs[i], 0);
    }
    s.pairs[1].account_name = "prod";
    const char *props[] = { "severity", "CRITICAL" };
    hw_gate_junit_info info = { "suite", 0, props, 1, "fresh", NULL };
    char *xml = NULL;
    size_t len = 0;
    CU_ASSERT_EQUAL_FATAL(hw_gate_junit(&s, &info, &xml, &len, &e), HW_OK);
    CU_ASSERT_EQUAL(strlen(xml), len);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "timestamp=\"1970-01-01T00:00:00\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "name=\"A.2 in 111 (prod)\" classname=\"A.2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "1 resource failing: bad\xef\xbf\xbd&lt;id&gt;"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "risk &quot;accepted&quot; &amp; noted"));
    CU_ASSERT_PTR_NULL(strchr(xml, '\x02'));
    CU_ASSERT_PTR_NULL(strstr(xml, "STALE"));
    free(xml);
    info.stale = "too old";
    CU_ASSERT_EQUAL_FATAL(hw_gate_junit(&s, &info, &xml, &len, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "failures=\"2\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "<failure message=\"too old\" type=\"STALE\">"));
    free(xml);
    hw_gate_set_free(&s);
}

/* A pair failing on many resources lists the first ones, then a count. */
static void test_junit_long(void)
{
    hw_gate_set s = { 0 };
    char rid[32];
    for (int i = 0; i < HW_GATE_JUNIT_MAX_LISTED + 5; i++) {
        snprintf(rid, sizeof rid, "res-%03d", i);
        add(&s, res("111", "A.1", rid, 1, 0, NULL));
    }
    hw_gate_decide(&s.pairs[0], 0);
    hw_gate_junit_info info = { "suite", 0, NULL, 0, "fresh", NULL };
    char *xml = NULL;
    size_t len = 0;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_gate_junit(&s, &info, &xml, &len, &e), HW_OK);
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "105 resources failing: res-000, res-001"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "res-009 and 95 more\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "res-099 since"));
    CU_ASSERT_PTR_NULL(strstr(xml, "res-100 since"));
    CU_ASSERT_PTR_NOT_NULL(strstr(xml, "... and 5 more"));
    free(xml);
    hw_gate_set_free(&s);
}

int test_gate_register(void)
{
    CU_pSuite s = CU_add_suite("gate", NULL, NULL);
    if (!s || !CU_add_test(s, "pair status rules", test_rules) ||
        !CU_add_test(s, "severities and durations", test_severity_and_duration) ||
        !CU_add_test(s, "text XML cannot carry", test_xml_text) ||
        !CU_add_test(s, "JUnit XML", test_junit) ||
        !CU_add_test(s, "JUnit XML of a long failure", test_junit_long))
        return -1;
    return 0;
}
