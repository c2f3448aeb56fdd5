/*
 * test_eval.c - the requirement evaluation rules, one case each.
 */
#include <CUnit/CUnit.h>

#include "eval/eval.h"

/* sorted by control id */
static const hw_control_state states[] = {
    { "CloudTrail.1", 1, 0, 0, 0, NULL },
    { "Config.1", 0, 0, 0, 0, "eu-west-1" }, /* no findings, switched off */
    { "EC2.19", 0, 2, 0, 1, NULL },   /* failing, excepted */
    { "IAM.4", 0, 1, 0, 0, NULL },    /* failing */
    { "RDS.3", 0, 0, 1, 0, NULL },    /* not available only */
    { "S3.8", 3, 0, 0, 0, "eu-west-1" }, /* passing, but switched off in one region */
};
#define N (sizeof states / sizeof states[0])

static int eval(int manual, const char *const *ctl, size_t n, const int *scoped, int evaluated)
{
    hw_req_input r = { manual, ctl, n, scoped };
    return hw_eval_requirement(&r, states, N, evaluated);
}

static void test_rules(void)
{
    const char *const s3[] = { "S3.8" };
    const char *const mixed[] = { "S3.8", "IAM.4" };
    const char *const exc[] = { "S3.8", "EC2.19" };
    const char *const exc_and_fail[] = { "EC2.19", "IAM.4" };
    const char *const none[] = { "EFS.1" };
    const char *const na[] = { "RDS.3" };
    const int scoped1[] = { 1 };
    CU_ASSERT_EQUAL(eval(1, s3, 1, NULL, 1), HW_REQ_MANUAL);
    CU_ASSERT_EQUAL(eval(0, s3, 1, NULL, 1), HW_REQ_PASSED);
    CU_ASSERT_EQUAL(eval(0, mixed, 2, NULL, 1), HW_REQ_FAILED);
    CU_ASSERT_EQUAL(eval(0, exc, 2, NULL, 1), HW_REQ_EXCEPTION);
    CU_ASSERT_EQUAL(eval(0, exc_and_fail, 2, NULL, 1), HW_REQ_FAILED);
    CU_ASSERT_EQUAL(eval(0, none, 1, NULL, 1), HW_REQ_NOT_APPLICABLE);
    CU_ASSERT_EQUAL(eval(0, none, 1, scoped1, 1), HW_REQ_NO_DATA); /* account-scoped: never evaluated */
    CU_ASSERT_EQUAL(eval(0, none, 1, NULL, 0), HW_REQ_NO_DATA);    /* account never evaluated */
    CU_ASSERT_EQUAL(eval(0, na, 1, NULL, 1), HW_REQ_NO_DATA);
    CU_ASSERT_EQUAL(eval(0, NULL, 0, NULL, 1), HW_REQ_NO_DATA);
    /* a control known to be switched off is no evidence of an empty account */
    const char *const off[] = { "Config.1" };
    const char *const off_and_none[] = { "Config.1", "EFS.1" };
    CU_ASSERT_EQUAL(eval(0, off, 1, NULL, 1), HW_REQ_NO_DATA);
    CU_ASSERT_EQUAL(eval(0, off_and_none, 2, NULL, 1), HW_REQ_NO_DATA);
    /* findings still speak for themselves */
    const char *const off_and_fail[] = { "Config.1", "IAM.4" };
    CU_ASSERT_EQUAL(eval(0, off_and_fail, 2, NULL, 1), HW_REQ_FAILED);
    CU_ASSERT_STRING_EQUAL(hw_req_status_name(HW_REQ_NOT_APPLICABLE), "NOT_APPLICABLE");
    CU_ASSERT_PTR_NULL(hw_eval_find(states, N, "Z.1"));
    CU_ASSERT_PTR_NOT_NULL(hw_eval_find(states, N, "CloudTrail.1"));
}

int test_eval_register(void)
{
    CU_pSuite s = CU_add_suite("eval", NULL, NULL);
    if (!s || !CU_add_test(s, "requirement status rules", test_rules))
        return -1;
    return 0;
}
