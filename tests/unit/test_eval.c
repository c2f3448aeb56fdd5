/*
 * test_eval.c - the requirement evaluation rules (eval.h), one case each:
 * first the class of one control, then how a requirement combines them.
 */
#include <CUnit/CUnit.h>
#include <stdlib.h>
#include <string.h>

#include "eval/eval.h"

/* control, passed, failed, suppressed, n/a, excepted, disabled_in, checked,
 * resources, account_scoped; sorted by control id */
static const hw_control_state states[] = {
    { "ACM.1", 0, 0, 0, 0, 0, NULL, 1, 0, 0 },          /* enabled, no resources */
    { "ACM.2", 0, 0, 0, 0, 0, NULL, 0, 0, 0 },          /* no resources, enablement unknown */
    { "ACM.3", 0, 0, 0, 0, 0, NULL, 1, -1, 0 },         /* enabled, no inventory */
    { "ACM.4", 0, 0, 0, 0, 0, NULL, 1, 3, 0 },          /* enabled, resources, no findings */
    { "CloudTrail.1", 1, 0, 0, 0, 0, NULL, 1, -1, 1 },  /* passing, account-level */
    { "Config.1", 0, 0, 0, 0, 0, "eu-west-1", 1, 0, 0 }, /* switched off */
    { "EC2.19", 0, 2, 0, 0, 1, NULL, 0, -1, 0 },        /* failing, excepted */
    { "EC2.2", 0, 0, 1, 0, 0, NULL, 0, -1, 0 },         /* only suppressed failures */
    { "EC2.3", 0, 0, 1, 0, 1, NULL, 0, -1, 0 },         /* suppressed, and excepted */
    { "IAM.1", 0, 0, 0, 0, 0, NULL, 1, 0, 1 },          /* account-level, no findings */
    { "IAM.4", 0, 1, 1, 0, 0, NULL, 0, -1, 0 },         /* failing (and suppressed) */
    { "RDS.3", 0, 0, 0, 1, 0, NULL, 1, 0, 0 },          /* not available only */
    { "S3.1", 2, 0, 0, 0, 0, NULL, 0, -1, 0 },          /* passing */
    { "S3.8", 3, 0, 0, 0, 0, "eu-west-1", 1, -1, 0 },   /* passing, off in one region */
};
#define N (sizeof states / sizeof states[0])

static int cls(const char *id, int evaluated, int infer)
{
    return hw_eval_control(hw_eval_find(states, N, id), evaluated, infer);
}

static void test_control_classes(void)
{
    CU_ASSERT_EQUAL(cls("IAM.4", 1, 0), HW_CTL_FAILED);
    CU_ASSERT_EQUAL(cls("EC2.19", 1, 0), HW_CTL_EXCEPTED);
    CU_ASSERT_EQUAL(cls("EC2.2", 1, 0), HW_CTL_SUPPRESSED);
    CU_ASSERT_EQUAL(cls("EC2.3", 1, 0), HW_CTL_EXCEPTED);
    CU_ASSERT_EQUAL(cls("S3.1", 1, 0), HW_CTL_PASSED);
    CU_ASSERT_EQUAL(cls("S3.8", 1, 0), HW_CTL_PARTIAL);
    CU_ASSERT_EQUAL(cls("ACM.1", 1, 0), HW_CTL_NOT_APPLICABLE);
    CU_ASSERT_EQUAL(cls("ACM.1", 0, 0), HW_CTL_NOT_APPLICABLE); /* the inventory speaks */
    /* silence is no evidence: enablement unknown, no inventory, resources */
    CU_ASSERT_EQUAL(cls("ACM.2", 1, 0), HW_CTL_NO_DATA);
    CU_ASSERT_EQUAL(cls("ACM.3", 1, 0), HW_CTL_NO_DATA);
    CU_ASSERT_EQUAL(cls("ACM.4", 1, 0), HW_CTL_NO_DATA);
    CU_ASSERT_EQUAL(cls("EFS.1", 1, 0), HW_CTL_NO_DATA);
    /* ... unless inference is asked for, in an evaluated account */
    CU_ASSERT_EQUAL(cls("EFS.1", 1, 1), HW_CTL_NA_INFERRED);
    CU_ASSERT_EQUAL(cls("ACM.3", 1, 1), HW_CTL_NA_INFERRED);
    CU_ASSERT_EQUAL(cls("EFS.1", 0, 1), HW_CTL_NO_DATA);
    /* never for a control switched off, account-level or not available */
    CU_ASSERT_EQUAL(cls("Config.1", 1, 1), HW_CTL_NO_DATA);
    CU_ASSERT_EQUAL(cls("IAM.1", 1, 1), HW_CTL_NO_DATA);
    CU_ASSERT_EQUAL(cls("RDS.3", 1, 1), HW_CTL_NO_DATA);
    /* reasons */
    CU_ASSERT_PTR_NOT_NULL(strstr(hw_eval_no_data_reason(hw_eval_find(states, N, "ACM.3"), 1),
                                  "inventory"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hw_eval_no_data_reason(hw_eval_find(states, N, "Config.1"), 1),
                                  "disabled"));
    CU_ASSERT_PTR_NOT_NULL(strstr(hw_eval_no_data_reason(NULL, 0), "no findings"));
    CU_ASSERT_PTR_NULL(hw_eval_no_data_reason(hw_eval_find(states, N, "S3.1"), 1));
}

static int eval(int manual, const char *const *ctl, size_t n, int evaluated, int infer)
{
    hw_req_input r = { manual, ctl, n };
    return hw_eval_requirement(&r, states, N, evaluated, infer);
}

static void test_rules(void)
{
    const char *const s3[] = { "S3.1" };
    const char *const mixed[] = { "S3.1", "IAM.4" };
    const char *const exc[] = { "S3.1", "EC2.19" };
    const char *const exc_and_fail[] = { "EC2.19", "IAM.4" };
    const char *const none[] = { "EFS.1" };
    const char *const na[] = { "ACM.1" };
    CU_ASSERT_EQUAL(eval(1, s3, 1, 1, 0), HW_REQ_MANUAL);
    CU_ASSERT_EQUAL(eval(0, s3, 1, 1, 0), HW_REQ_PASSED);
    CU_ASSERT_EQUAL(eval(0, mixed, 2, 1, 0), HW_REQ_FAILED);
    CU_ASSERT_EQUAL(eval(0, exc, 2, 1, 0), HW_REQ_EXCEPTION);
    CU_ASSERT_EQUAL(eval(0, exc_and_fail, 2, 1, 0), HW_REQ_FAILED);
    CU_ASSERT_EQUAL(eval(0, none, 1, 1, 0), HW_REQ_NO_DATA);
    CU_ASSERT_EQUAL(eval(0, none, 1, 1, 1), HW_REQ_NOT_APPLICABLE);
    CU_ASSERT_EQUAL(eval(0, na, 1, 1, 0), HW_REQ_NOT_APPLICABLE);
    CU_ASSERT_EQUAL(eval(0, NULL, 0, 1, 0), HW_REQ_NO_DATA);
    /* a pass needs all of its evidence */
    const char *const pass_and_none[] = { "S3.1", "EFS.1" };
    const char *const pass_and_off[] = { "S3.1", "Config.1" };
    const char *const pass_and_na[] = { "S3.1", "ACM.1" };
    const char *const pass_partly[] = { "S3.8" };
    const char *const na_and_none[] = { "ACM.1", "ACM.3" };
    CU_ASSERT_EQUAL(eval(0, pass_and_none, 2, 1, 0), HW_REQ_PARTIAL);
    CU_ASSERT_EQUAL(eval(0, pass_and_none, 2, 1, 1), HW_REQ_PASSED); /* inferred N/A */
    CU_ASSERT_EQUAL(eval(0, pass_and_off, 2, 1, 0), HW_REQ_PARTIAL);
    CU_ASSERT_EQUAL(eval(0, pass_and_na, 2, 1, 0), HW_REQ_PASSED);
    CU_ASSERT_EQUAL(eval(0, pass_partly, 1, 1, 0), HW_REQ_PARTIAL);
    CU_ASSERT_EQUAL(eval(0, na_and_none, 2, 1, 0), HW_REQ_NO_DATA);
    /* a suppressed failure is not a pass; a hubwarden exception stays one */
    const char *const sup[] = { "S3.1", "EC2.2" };
    const char *const sup_exc[] = { "S3.1", "EC2.3" };
    const char *const sup_and_fail[] = { "EC2.2", "IAM.4" };
    CU_ASSERT_EQUAL(eval(0, sup, 2, 1, 0), HW_REQ_SUPPRESSED);
    CU_ASSERT_EQUAL(eval(0, sup_exc, 2, 1, 0), HW_REQ_EXCEPTION);
    CU_ASSERT_EQUAL(eval(0, sup_and_fail, 2, 1, 0), HW_REQ_FAILED);
    /* an exception beside missing evidence is no clean exception */
    const char *const exc_and_none[] = { "EC2.19", "EFS.1" };
    CU_ASSERT_EQUAL(eval(0, exc_and_none, 2, 1, 0), HW_REQ_PARTIAL);
    /* findings still speak for themselves */
    const char *const off_and_fail[] = { "Config.1", "IAM.4" };
    CU_ASSERT_EQUAL(eval(0, off_and_fail, 2, 1, 0), HW_REQ_FAILED);
    CU_ASSERT_STRING_EQUAL(hw_req_status_name(HW_REQ_NOT_APPLICABLE), "NOT_APPLICABLE");
    CU_ASSERT_STRING_EQUAL(hw_req_status_name(HW_REQ_PARTIAL), "PARTIAL");
    CU_ASSERT_STRING_EQUAL(hw_req_status_name(HW_REQ_SUPPRESSED), "SUPPRESSED");
    CU_ASSERT_PTR_NULL(hw_eval_find(states, N, "Z.1"));
    CU_ASSERT_PTR_NOT_NULL(hw_eval_find(states, N, "CloudTrail.1"));
}

/* No limit on a requirement's controls: the 300th failing fails it. */
static void test_long_control_list(void)
{
    enum { K = 300 };
    static char ids[K][16];
    const char *list[K];
    hw_control_state *st = calloc(K, sizeof *st);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    for (int i = 0; i < K; i++) {
        snprintf(ids[i], sizeof ids[i], "X.%03d", i);
        list[i] = ids[i];
        hw_control_state s = { ids[i], 1, 0, 0, 0, 0, NULL, 1, -1, 0 };
        st[i] = s;
    }
    st[K - 1].passed = 0;
    st[K - 1].failed = 1;
    hw_req_input r = { 0, list, K };
    CU_ASSERT_EQUAL(hw_eval_requirement(&r, st, K, 1, 0), HW_REQ_FAILED);
    free(st);
}

/* counts of (account, requirement) pairs, in hw_req_status order */
#define COUNTS(p, f, na, nd, m, x, pa, su) \
    ((const unsigned[HW_REQ_NSTATUS]){ p, f, na, nd, m, x, pa, su })

static void test_pass_rate(void)
{
    /* passed / (passed + failed + partial + suppressed); the others apart */
    CU_ASSERT_DOUBLE_EQUAL(hw_eval_pass_rate(COUNTS(6, 2, 0, 0, 0, 0, 1, 1)), 0.6, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(hw_eval_pass_rate(COUNTS(6, 2, 9, 9, 9, 9, 1, 1)), 0.6, 1e-9);
    CU_ASSERT_DOUBLE_EQUAL(hw_eval_pass_rate(COUNTS(0, 3, 0, 0, 0, 0, 0, 0)), 0.0, 1e-9);
    /* no verdict at all: no rate (not 0 %, not 100 %) */
    CU_ASSERT(hw_eval_pass_rate(COUNTS(0, 0, 4, 2, 7, 1, 0, 0)) < 0);
    CU_ASSERT(hw_eval_pass_rate(COUNTS(0, 0, 0, 0, 0, 0, 0, 0)) < 0);
}

static void test_rollup(void)
{
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(0, 0, 0, 0, 0, 0, 0, 0)), HW_REQ_NO_DATA);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(0, 0, 0, 0, 3, 0, 0, 0)), HW_REQ_MANUAL);
    /* one failing account fails the requirement, whatever the others */
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(9, 1, 1, 1, 0, 1, 1, 1)), HW_REQ_FAILED);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(9, 0, 1, 1, 0, 1, 1, 1)), HW_REQ_SUPPRESSED);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(9, 0, 1, 0, 0, 1, 0, 0)), HW_REQ_EXCEPTION);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(9, 0, 1, 1, 0, 1, 0, 0)), HW_REQ_PARTIAL);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(9, 0, 1, 0, 0, 0, 0, 0)), HW_REQ_PASSED);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(0, 0, 2, 0, 0, 0, 0, 0)), HW_REQ_NOT_APPLICABLE);
    /* a pass in one account and no data in another is no pass */
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(9, 0, 0, 1, 0, 0, 0, 0)), HW_REQ_PARTIAL);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(0, 0, 0, 1, 0, 0, 1, 0)), HW_REQ_PARTIAL);
    CU_ASSERT_EQUAL(hw_eval_rollup(COUNTS(0, 0, 1, 2, 0, 0, 0, 0)), HW_REQ_NO_DATA);
    CU_ASSERT_EQUAL(hw_req_status_parse("SUPPRESSED"), HW_REQ_SUPPRESSED);
    CU_ASSERT_EQUAL(hw_req_status_parse("suppressed"), -1);
}

int test_eval_register(void)
{
    CU_pSuite s = CU_add_suite("eval", NULL, NULL);
    if (!s || !CU_add_test(s, "control classes", test_control_classes) ||
        !CU_add_test(s, "requirement status rules", test_rules) ||
        !CU_add_test(s, "a requirement of 300 controls", test_long_control_list) ||
        !CU_add_test(s, "pass rate", test_pass_rate) ||
        !CU_add_test(s, "a requirement across accounts", test_rollup))
        return -1;
    return 0;
}
