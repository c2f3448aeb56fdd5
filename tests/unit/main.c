/*
 * main.c - the CUnit runner for every unit suite.
 *
 * Suites register themselves through test_<module>_register(), collected
 * by the build into hw_unit_register_all().  Runs from the repository root
 * (tests find controls/ and tests/data/ relative to it).  Prints CUnit's
 * summary, then one plain "N passed, N failed" line; exits non-zero on any
 * failure.  An optional argument names one suite to run.
 */
#include <CUnit/Basic.h>
#include <stdio.h>
#include <string.h>

#include "util/util.h"

int hw_unit_register_all(void);

int main(int argc, char **argv)
{
    hw_log_init(HW_LOG_ERROR, 0); /* tests check messages, not logs */
    if (CU_initialize_registry() != CUE_SUCCESS)
        return 2;
    if (hw_unit_register_all() != 0) {
        fprintf(stderr, "unit: registering suites failed: %s\n", CU_get_error_msg());
        CU_cleanup_registry();
        return 2;
    }
    CU_basic_set_mode(CU_BRM_NORMAL);
    if (argc > 1) {
        CU_pSuite s = CU_get_suite(argv[1]);
        if (!s) {
            fprintf(stderr, "unit: no suite named %s\n", argv[1]);
            CU_cleanup_registry();
            return 2;
        }
        CU_basic_run_suite(s);
    } else {
        CU_basic_run_tests();
    }
    unsigned run = CU_get_number_of_tests_run();
    unsigned failed = CU_get_number_of_tests_failed();
    unsigned fails = CU_get_number_of_failures();
    printf("\n%u passed, %u failed\n", run - failed, failed);
    CU_cleanup_registry();
    return (failed || fails) ? 1 : 0;
}
