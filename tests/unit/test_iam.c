/*
 * test_iam.c - controls/iam-roles.xml loaded (src/catalog/iam.c): the
 * roles, the member remediation role's grants taken from the included
 * files, the <action> table, and errors naming the file and the line.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "catalog/iam.h"

static const hw_iam_grant *grant(const hw_iam_role *r, const char *action)
{
    for (size_t i = 0; i < r->ngrants; i++)
        if (strcmp(r->grants[i].action, action) == 0)
            return &r->grants[i];
    return NULL;
}

static void test_load(void)
{
    hw_iam *iam = NULL;
    hw_err e;
    hw_err_clear(&e);
    CU_ASSERT_EQUAL_FATAL(hw_iam_load("controls", &iam, &e), HW_OK);
    const hw_iam_role *scan = hw_iam_role_find(iam, "scan");
    const hw_iam_role *fix = hw_iam_role_find(iam, "member-remediation");
    CU_ASSERT_PTR_NOT_NULL_FATAL(scan);
    CU_ASSERT_PTR_NOT_NULL_FATAL(fix);
    CU_ASSERT_PTR_NULL(hw_iam_role_find(iam, "nope"));
    /* every resource first, then the scoped ones */
    CU_ASSERT_PTR_NULL(scan->grants[0].resource);
    const hw_iam_grant *g = grant(scan, "sts:AssumeRole");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_STRING_EQUAL(g->resource, "role:member-audit");
    /* a call that needs no permission is a call, not a grant */
    int web = 0;
    for (size_t i = 0; i < scan->ncalls; i++)
        if (strcmp(scan->calls[i].operation, "AssumeRoleWithWebIdentity") == 0)
            web = scan->calls[i].action[0] == '\0';
    CU_ASSERT_TRUE(web);
    CU_ASSERT_PTR_NULL(grant(scan, "sts:AssumeRoleWithWebIdentity"));
    /* included from remediations.xml, mapped by the action table */
    CU_ASSERT_PTR_NOT_NULL(grant(fix, "s3:PutAccountPublicAccessBlock"));
    int mapped = 0;
    for (size_t i = 0; i < fix->ncalls; i++)
        if (strcmp(fix->calls[i].service, "s3control") == 0 &&
            strcmp(fix->calls[i].operation, "PutPublicAccessBlock") == 0)
            mapped = strcmp(fix->calls[i].action, "s3:PutAccountPublicAccessBlock") == 0;
    CU_ASSERT_TRUE(mapped);
    g = grant(fix, "iam:CreateServiceLinkedRole");
    CU_ASSERT_PTR_NOT_NULL_FATAL(g);
    CU_ASSERT_STRING_EQUAL(g->implied_by, "guardduty:CreateDetector");
    /* no duplicates */
    for (size_t i = 1; i < fix->ngrants; i++)
        CU_ASSERT_TRUE(strcmp(fix->grants[i - 1].action, fix->grants[i].action) != 0 ||
                       !fix->grants[i].resource != !fix->grants[i - 1].resource);
    hw_iam_free(iam);
}

/* A copy of controls/ with iam-roles.xml replaced by text. */
static void write_dir(char *dir, const char *xml)
{
    strcpy(dir, "/tmp/hwiamXXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cp controls/iam-roles.xsd controls/remediations.xml "
                              "controls/playbooks.xml %s/", dir);
    CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
    char path[128];
    snprintf(path, sizeof path, "%s/iam-roles.xml", dir);
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_file_write_atomic(path, xml, strlen(xml), 0644, &e), HW_OK);
}

static void remove_dir(const char *dir)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CU_ASSERT_EQUAL(system(cmd), 0);
}

static void test_errors(void)
{
    static const char *const bad[][2] = {
        { "<iam xmlns=\"urn:hubwarden:iam:1\">\n"
          "<role name=\"scan\" account=\"audit\" default-name=\"H\"><summary>s</summary>\n"
          "<call service=\"sts\" operation=\"GetCallerIdentity\"/>\n"
          "<call service=\"sts\" operation=\"GetCallerIdentity\"/>\n"
          "</role></iam>\n",
          "iam-roles.xml:4: role scan: sts GetCallerIdentity is listed twice" },
        { "<iam xmlns=\"urn:hubwarden:iam:1\">\n"
          "<role name=\"scan\" account=\"elsewhere\" default-name=\"H\"><summary>s</summary>\n"
          "</role></iam>\n",
          "iam-roles.xml:2:" },
        { "<iam xmlns=\"urn:hubwarden:iam:1\">\n"
          "<role name=\"x\" account=\"member\" default-name=\"H\"><summary>s</summary>\n"
          "<implied by=\"guardduty:CreateDetector\" permission=\"iam:CreateServiceLinkedRole\" "
          "resource=\"*\"/>\n</role></iam>\n",
          "iam-roles.xml:3: role x: implied by guardduty:CreateDetector, which the role is not "
          "granted" },
        { "<iam xmlns=\"urn:hubwarden:iam:1\">\n"
          "<role name=\"x\" account=\"member\" default-name=\"H\"><summary>s</summary>\n"
          "<call service=\"s3\" operation=\"GetObject\" resource=\"*\"/></role>\n"
          "<role name=\"x\" account=\"member\" default-name=\"H\"><summary>s</summary>\n"
          "</role></iam>\n",
          "iam-roles.xml:4: role x is defined twice" },
        { "<iam", "iam-roles.xml:1:" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char dir[32];
        write_dir(dir, bad[i][0]);
        hw_iam *iam = NULL;
        hw_err e;
        hw_err_clear(&e);
        CU_ASSERT_EQUAL(hw_iam_load(dir, &iam, &e), HW_EINVAL);
        CU_ASSERT_PTR_NULL(iam);
        CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, bad[i][1]));
        if (!strstr(e.msg, bad[i][1]))
            fprintf(stderr, "case %zu: %s\n", i, e.msg);
        remove_dir(dir);
    }
}

int test_iam_register(void)
{
    CU_pSuite s = CU_add_suite("iam", NULL, NULL);
    if (!s || !CU_add_test(s, "iam-roles.xml and the files it includes", test_load) ||
        !CU_add_test(s, "errors name the file and the line", test_errors))
        return -1;
    return 0;
}
