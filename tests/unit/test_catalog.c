/*
 * test_catalog.c - the control catalogue: the real controls/ loads and is
 * consistent; every kind of bad data is an error naming file and line.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"

static void test_real_catalogue(void)
{
    hw_catalog *c;
    hw_err e;
    hw_err_clear(&e);
    int rc = hw_catalog_load("controls", &c, &e);
    if (rc != HW_OK)
        fprintf(stderr, "\n%s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, HW_OK);
    CU_ASSERT_TRUE(c->ncontrols >= 414);
    const hw_control *s38 = hw_catalog_control(c, "S3.8");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s38);
    CU_ASSERT_STRING_EQUAL(s38->severity, "HIGH");
    CU_ASSERT_STRING_EQUAL(s38->remediation, "s3-block-public-access");
    CU_ASSERT_PTR_NULL(hw_catalog_control(c, "S3.999"));
    static const char *const fws[] = { "cis-aws-1.4.0", "cis-aws-3.0.0", "cis-aws-5.0.0",
                                       "pci-dss-3.2.1", "pci-dss-4.0.1", "hipaa-security-rule",
                                       "soc2-2017" };
    for (size_t i = 0; i < sizeof fws / sizeof fws[0]; i++) {
        const hw_framework *f = hw_catalog_framework(c, fws[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        hw_coverage cv = hw_catalog_coverage(f);
        CU_ASSERT_EQUAL(cv.automated + cv.manual + cv.unmapped, cv.requirements);
        CU_ASSERT_TRUE(cv.automated > 0);
    }
    /* CIS v3.0.0: 62 recommendations, 2.1.4 evidenced by S3.1 and S3.8 */
    const hw_framework *cis = hw_catalog_framework(c, "cis-aws-3.0.0");
    CU_ASSERT_EQUAL(cis->nrequirements, 62);
    int found = 0;
    for (size_t i = 0; i < cis->nrequirements; i++)
        if (strcmp(cis->requirements[i].id, "2.1.4") == 0) {
            found = 1;
            CU_ASSERT_EQUAL(cis->requirements[i].ncontrols, 2);
        }
    CU_ASSERT_TRUE(found);
    /* HIPAA lists 164.310 and 164.316 as manual */
    const hw_framework *h = hw_catalog_framework(c, "hipaa-security-rule");
    int manual_316 = 0;
    for (size_t i = 0; i < h->nrequirements; i++)
        if (strncmp(h->requirements[i].id, "164.316", 7) == 0 && h->requirements[i].manual)
            manual_316++;
    CU_ASSERT_TRUE(manual_316 >= 2);
    hw_catalog_free(c);
}

static int copy_file(const char *from, const char *to)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    int rc = hw_file_read(from, 0, &b, &e) == HW_OK &&
                     hw_file_write_atomic(to, b.data, b.len, 0644, &e) == HW_OK
                 ? 0
                 : -1;
    hw_buf_free(&b);
    return rc;
}

/* Builds a catalogue folder in a fresh temporary directory from a fixture
 * (tests/data/controls/NAME) plus the real schema; no shell involved. */
static int load_fixture(const char *name, hw_err *e, char *dir, size_t dirsz)
{
    snprintf(dir, dirsz, "/tmp/hwcatXXXXXX");
    if (!mkdtemp(dir))
        return -1;
    char from[512], to[512];
    snprintf(to, sizeof to, "%s/frameworks", dir);
    if (mkdir(to, 0700) != 0)
        return -1;
    snprintf(to, sizeof to, "%s/controls.xsd", dir);
    if (copy_file("controls/controls.xsd", to) != 0)
        return -1;
    snprintf(from, sizeof from, "tests/data/controls/%s/securityhub-controls.xml", name);
    snprintf(to, sizeof to, "%s/securityhub-controls.xml", dir);
    if (copy_file(from, to) != 0)
        return -1;
    snprintf(from, sizeof from, "tests/data/controls/%s/frameworks/test.xml", name);
    snprintf(to, sizeof to, "%s/frameworks/test.xml", dir);
    if (hw_file_exists(from) && copy_file(from, to) != 0)
        return -1;
    hw_catalog *c = NULL;
    hw_err_clear(e);
    int rc = hw_catalog_load(dir, &c, e);
    hw_catalog_free(c);
    return rc;
}

static void remove_fixture(const char *dir)
{
    char p[512];
    snprintf(p, sizeof p, "%s/frameworks/test.xml", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/frameworks", dir);
    rmdir(p);
    snprintf(p, sizeof p, "%s/securityhub-controls.xml", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/controls.xsd", dir);
    unlink(p);
    rmdir(dir);
}

static void expect_error(const char *fixture, const char *file, const char *what)
{
    char dir[64];
    hw_err e;
    CU_ASSERT_EQUAL(load_fixture(fixture, &e, dir, sizeof dir), HW_EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s/%s", dir, file);
    if (!strstr(e.msg, want) || !strstr(e.msg, what)) {
        fprintf(stderr, "\n%s: got '%s', want '%s' and '%s'\n", fixture, e.msg, want, what);
        CU_FAIL("error does not name file, line and problem");
    }
    remove_fixture(dir);
}

static void test_bad_data(void)
{
    expect_error("typo", "frameworks/test.xml:5:", "contrl");
    expect_error("unknown_ref", "frameworks/test.xml:5:", "unknown control S3.99");
    expect_error("dup_req", "frameworks/test.xml:7:", "requirement 1 is defined twice (also line 4)");
    expect_error("dup_control", "securityhub-controls.xml:7:", "control S3.8 is defined twice (also line 3)");
    expect_error("bad_severity", "securityhub-controls.xml:7:", "SEVERE");
    hw_catalog *c;
    hw_err e;
    CU_ASSERT_EQUAL(hw_catalog_load("/nonexistent", &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/controls.xsd"));
}

int test_catalog_register(void)
{
    CU_pSuite s = CU_add_suite("catalog", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "the real catalogue", test_real_catalogue) ||
        !CU_add_test(s, "bad data names file and line", test_bad_data))
        return -1;
    return 0;
}
