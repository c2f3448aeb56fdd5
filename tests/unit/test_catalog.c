/*
 * test_catalog.c - the control catalogue (src/catalog/): the real
 * controls/ loads and is consistent; lookups and coverage behave; every
 * kind of bad data in tests/data/controls/ is an error that names the
 * file, the line and the problem.
 *
 * Paths are relative to the repository root, or to $HW_SOURCE_DIR when set.
 * Fixtures are copied to a temporary folder without a shell.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cJSON.h>

#include "catalog/catalog.h"

static const char *src_path(const char *rel, char *buf, size_t n)
{
    const char *root = getenv("HW_SOURCE_DIR");
    if (root && *root)
        snprintf(buf, n, "%s/%s", root, rel);
    else
        snprintf(buf, n, "%s", rel);
    return buf;
}

static hw_catalog *load_real(void)
{
    char dir[1024];
    hw_catalog *c = NULL;
    hw_err e;
    hw_err_clear(&e);
    if (hw_catalog_load(src_path("controls", dir, sizeof dir), &c, &e) != HW_OK)
        fprintf(stderr, "\ncontrols/: %s\n", e.msg);
    return c;
}

static const hw_requirement *req(const hw_catalog *c, const char *fw, const char *id)
{
    return hw_framework_requirement(hw_catalog_framework(c, fw), id);
}

static int lists(const hw_requirement *r, const char *control)
{
    for (size_t i = 0; r && i < r->ncontrols; i++)
        if (strcmp(r->controls[i]->id, control) == 0)
            return 1;
    return 0;
}

/* ------------------------------------------------------- the real data */

/* The one control standard control id of standard path is, or "" (none)
 * or "*" (more than one). */
static const char *std_control(const hw_catalog *c, const char *path, const char *id)
{
    const hw_control *out[4];
    const hw_standard *s = hw_catalog_standard(c, path, strlen(path));
    size_t n = hw_standard_controls(c, s, id, strlen(id), out, 4);
    return n == 0 ? "" : n > 1 ? "*" : out[0]->id;
}

/* Security Hub's standard control ids (standard-control-ids.xml): every
 * row of the source table is there, and the examples of issue 9 hold. */
static void test_real_standard_ids(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_EQUAL(c->nstandards, 5);
    size_t maps = 0;
    for (size_t i = 0; i < c->nstandards; i++)
        maps += c->standards[i].nmaps;
    CU_ASSERT_EQUAL(maps, 126); /* the rows of the source table */
    const char *cis12 = "cis-aws-foundations-benchmark/v/1.2.0";
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "1.3"), "IAM.8");
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "1.4"), "IAM.3");
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "3.1"), "CloudWatch.2");
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "1.10"), "IAM.16"); /* not 1.1 */
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "3.10"), "CloudWatch.10");
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "1.15"), ""); /* not in the table */
    CU_ASSERT_STRING_EQUAL(std_control(c, cis12, "1"), "");
    /* 1.1 is two controls */
    const hw_control *two[2];
    const hw_standard *s = hw_catalog_standard(c, cis12, strlen(cis12));
    CU_ASSERT_PTR_NOT_NULL_FATAL(s);
    CU_ASSERT_STRING_EQUAL(s->framework, "cis-aws-1.2.0");
    CU_ASSERT_EQUAL_FATAL(hw_standard_controls(c, s, "1.1", 3, two, 2), 2);
    CU_ASSERT_STRING_EQUAL(two[0]->id, "CloudWatch.1");
    CU_ASSERT_STRING_EQUAL(two[1]->id, "IAM.20");
    CU_ASSERT_EQUAL(hw_standard_controls(c, s, "1.1", 3, two, 1), 2); /* counted, one stored */
    /* counted lengths: the id and the path need no terminator */
    CU_ASSERT_EQUAL(hw_standard_controls(c, s, "1.34", 3, two, 2), 1);
    CU_ASSERT_PTR_NOT_NULL(hw_catalog_standard(c, "pci-dss/v/3.2.1/PCI.S3.1", 15));
    const char *cis14 = "cis-aws-foundations-benchmark/v/1.4.0";
    CU_ASSERT_STRING_EQUAL(std_control(c, cis14, "1.14"), "IAM.3");
    CU_ASSERT_STRING_EQUAL(std_control(c, cis14, "3.7"), "CloudTrail.2");
    CU_ASSERT_STRING_EQUAL(std_control(c, cis14, "2.1.5.1"), "S3.1");
    CU_ASSERT_STRING_EQUAL(std_control(c, "pci-dss/v/3.2.1", "PCI.S3.1"), "S3.3");
    CU_ASSERT_STRING_EQUAL(std_control(c, "pci-dss/v/3.2.1", "PCI.IAM.8"), "IAM.10");
    CU_ASSERT_STRING_EQUAL(std_control(c, "pci-dss/v/3.2.1", "PCI.CloudTrail.1"), "CloudTrail.2");
    CU_ASSERT_STRING_EQUAL(std_control(c, "pci-dss/v/3.2.1", "S3.3"), "");
    /* FSBP numbers its controls by control id, checked against the catalogue */
    const char *fsbp = "aws-foundational-security-best-practices/v/1.0.0";
    CU_ASSERT_STRING_EQUAL(std_control(c, fsbp, "S3.1"), "S3.1");
    CU_ASSERT_STRING_EQUAL(std_control(c, fsbp, "S3.999"), "");
    CU_ASSERT_STRING_EQUAL(std_control(c, "nist-800-53/v/5.0.0", "CloudTrail.2"), "CloudTrail.2");
    CU_ASSERT_PTR_NULL(hw_catalog_standard(c, "cis-aws-foundations-benchmark/v/9.9.9", 37));
    CU_ASSERT_PTR_NULL(hw_catalog_standard(c, "cis-aws-foundations-benchmark/v/1.2", 35));
    CU_ASSERT_PTR_NULL(hw_catalog_standard(NULL, fsbp, strlen(fsbp)));
    hw_catalog_free(c);
}

static void test_real_loads(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    CU_ASSERT_TRUE(c->ncontrols >= 414);
    for (size_t i = 1; i < c->ncontrols; i++)
        CU_ASSERT_TRUE(strcmp(c->controls[i - 1].id, c->controls[i].id) < 0);
    static const char *const fws[] = { "cis-aws-1.4.0", "cis-aws-3.0.0", "cis-aws-5.0.0",
                                       "pci-dss-3.2.1", "pci-dss-4.0.1", "hipaa-security-rule",
                                       "soc2-2017" };
    for (size_t i = 0; i < sizeof fws / sizeof fws[0]; i++) {
        const hw_framework *f = hw_catalog_framework(c, fws[i]);
        CU_ASSERT_PTR_NOT_NULL_FATAL(f);
        CU_ASSERT_PTR_NOT_NULL(f->source);
        CU_ASSERT_PTR_NOT_NULL(f->caveat);
        hw_coverage cv = hw_catalog_coverage(f);
        CU_ASSERT_EQUAL(cv.requirements, f->nrequirements);
        CU_ASSERT_EQUAL(cv.automated + cv.manual + cv.unmapped, cv.requirements);
        CU_ASSERT_EQUAL(cv.unmapped, 0);
        CU_ASSERT_TRUE(cv.automated > 0 && cv.manual > 0);
    }
    CU_ASSERT_EQUAL(hw_catalog_framework(c, "cis-aws-3.0.0")->nrequirements, 62);
    hw_catalog_free(c);
}

static void test_real_content(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const hw_control *s38 = hw_catalog_control(c, "S3.8");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s38);
    CU_ASSERT_STRING_EQUAL(s38->severity, "HIGH");
    CU_ASSERT_STRING_EQUAL(s38->resource_type, "AWS::S3::Bucket");
    CU_ASSERT_STRING_EQUAL(s38->remediation, "s3-block-public-access");
    CU_ASSERT_TRUE(lists(req(c, "cis-aws-3.0.0", "2.1.4"), "S3.1"));
    CU_ASSERT_TRUE(lists(req(c, "cis-aws-3.0.0", "2.1.4"), "S3.8"));
    CU_ASSERT_TRUE(lists(req(c, "cis-aws-5.0.0", "1.3"), "IAM.4"));
    CU_ASSERT_TRUE(lists(req(c, "pci-dss-4.0.1", "8.4.2"), "IAM.6"));
    /* CIS manual recommendations are listed, manual, with a reason */
    const hw_requirement *r13 = req(c, "cis-aws-3.0.0", "1.3");
    CU_ASSERT_PTR_NOT_NULL_FATAL(r13);
    CU_ASSERT_TRUE(r13->manual && r13->manual_reason && r13->ncontrols == 0);
    /* HIPAA lists 164.310 and 164.316 as manual */
    const hw_framework *h = hw_catalog_framework(c, "hipaa-security-rule");
    size_t m310 = 0, m316 = 0;
    for (size_t i = 0; i < h->nrequirements; i++) {
        const hw_requirement *q = &h->requirements[i];
        m310 += strncmp(q->id, "164.310", 7) == 0 && q->manual;
        m316 += strncmp(q->id, "164.316", 7) == 0 && q->manual;
    }
    CU_ASSERT_TRUE(m310 >= 10);
    CU_ASSERT_TRUE(m316 >= 2);
    /* controls added after 2023: no severity in the facts, said so */
    const hw_control *unknown = NULL;
    for (size_t i = 0; i < c->ncontrols && !unknown; i++)
        if (strcmp(c->controls[i].severity, "UNKNOWN") == 0)
            unknown = &c->controls[i];
    CU_ASSERT_PTR_NOT_NULL_FATAL(unknown);
    CU_ASSERT_PTR_NOT_NULL(strstr(unknown->source, "not in the facts"));
    hw_catalog_free(c);
}

/* Security Hub's own links for CIS and PCI agree with our framework files. */
static void test_real_related_agree(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t checked = 0;
    for (size_t i = 0; i < c->ncontrols; i++) {
        const hw_control *ct = &c->controls[i];
        for (size_t j = 0; j < ct->nrelated; j++) {
            const hw_related *r = &ct->related[j];
            if (!hw_catalog_framework(c, r->framework))
                continue;
            checked++;
            if (!lists(req(c, r->framework, r->requirement), ct->id)) {
                fprintf(stderr, "\n%s relates to %s %s, which does not list it\n", ct->id,
                        r->framework, r->requirement);
                CU_FAIL("related requirement does not list the control");
            }
        }
    }
    CU_ASSERT_TRUE(checked > 100);
    hw_catalog_free(c);
}

static void test_real_actions(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const char *const *a = hw_catalog_actions();
    size_t nact = 0;
    for (; a[nact]; nact++) {
        size_t used = 0;
        for (size_t i = 0; i < c->ncontrols; i++)
            used += c->controls[i].remediation && strcmp(c->controls[i].remediation, a[nact]) == 0;
        if (!used)
            fprintf(stderr, "\naction %s is used by no control\n", a[nact]);
        CU_ASSERT_TRUE(used > 0);
    }
    CU_ASSERT_EQUAL(nact, 20);
    CU_ASSERT_TRUE(hw_catalog_action_known("ec2-revoke-open-ingress"));
    CU_ASSERT_FALSE(hw_catalog_action_known("s3-make-private"));
    CU_ASSERT_FALSE(hw_catalog_action_known(NULL));
    static const char *const revoke[] = { "EC2.13", "EC2.14", "EC2.18", "EC2.19", "EC2.53", "EC2.54" };
    for (size_t i = 0; i < sizeof revoke / sizeof revoke[0]; i++)
        CU_ASSERT_STRING_EQUAL(hw_catalog_control(c, revoke[i])->remediation,
                               "ec2-revoke-open-ingress");
    hw_catalog_free(c);
}

/* Finding -> requirements is a lookup, fast enough for 100k findings/s. */
static void test_real_lookups(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    const hw_requirement *const *rs;
    size_t n = hw_catalog_requirements_for_control(c, "cis-aws-3.0.0", "S3.8", &rs);
    CU_ASSERT_EQUAL_FATAL(n, 1);
    CU_ASSERT_STRING_EQUAL(rs[0]->id, "2.1.4");
    CU_ASSERT_EQUAL(hw_catalog_requirements_for_control(c, "cis-aws-3.0.0", "S3.999", &rs), 0);
    CU_ASSERT_PTR_NULL(rs);
    CU_ASSERT_EQUAL(hw_catalog_requirements_for_control(c, "nope", "S3.8", &rs), 0);
    static const char *const ids[] = { "S3.8", "IAM.4", "EC2.19", "Zzz.1", "RDS.3", "CloudTrail.1" };
    size_t hits = 0;
    for (int i = 0; i < 6; i++)
        hits += hw_catalog_requirements_for_control(c, "hipaa-security-rule", ids[i], &rs);
    CU_ASSERT_TRUE(hits > 0);
    hw_catalog_free(c);
}

/* Mapping completeness, computed from the data: at most
 * HW_CATALOG_UNMAPPED_GOAL_PERCENT of the CRITICAL and HIGH controls
 * evidence no requirement, and each of those says why. */
static void test_real_mapping_completeness(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t counted = 0, unmapped = 0;
    for (size_t i = 0; i < c->ncontrols; i++) {
        const hw_control *ct = &c->controls[i];
        if (strcmp(ct->severity, "CRITICAL") != 0 && strcmp(ct->severity, "HIGH") != 0)
            continue;
        counted++;
        int mapped = 0;
        for (size_t f = 0; f < c->nframeworks && !mapped; f++)
            for (size_t r = 0; r < c->frameworks[f].nrequirements && !mapped; r++)
                mapped = lists(&c->frameworks[f].requirements[r], ct->id);
        CU_ASSERT_EQUAL(mapped, hw_catalog_control_mapped(c, ct));
        if (mapped)
            continue;
        unmapped++;
        if (!ct->unmapped_reason) {
            fprintf(stderr, "\n%s (%s) evidences no requirement and gives no <unmapped-reason>\n",
                    ct->id, ct->severity);
            CU_FAIL("unmapped CRITICAL/HIGH control without a reason");
        }
    }
    hw_mapping_coverage m = hw_catalog_mapping_coverage(c);
    CU_ASSERT_EQUAL(m.controls, counted);
    CU_ASSERT_EQUAL(m.unmapped, unmapped);
    CU_ASSERT_EQUAL(m.mapped + m.unmapped, m.controls);
    CU_ASSERT_EQUAL(m.unexplained, 0);
    CU_ASSERT_TRUE(counted >= 84);
    if (!hw_catalog_mapping_goal_met(&m))
        fprintf(stderr, "\n%zu of %zu CRITICAL/HIGH controls unmapped (goal: at most %d%%)\n",
                unmapped, counted, HW_CATALOG_UNMAPPED_GOAL_PERCENT);
    CU_ASSERT_TRUE(unmapped * 100 <= counted * HW_CATALOG_UNMAPPED_GOAL_PERCENT);
    /* the exposures issue 10 names now fail requirements */
    CU_ASSERT_TRUE(lists(req(c, "soc2-2017", "CC6.6"), "EC2.19"));
    CU_ASSERT_TRUE(lists(req(c, "hipaa-security-rule", "164.312(e)(1)"), "EC2.14"));
    CU_ASSERT_TRUE(lists(req(c, "pci-dss-4.0.1", "6.3.3"), "EKS.2"));
    CU_ASSERT_TRUE(lists(req(c, "pci-dss-4.0.1", "11.3.1"), "ECR.1"));
    CU_ASSERT_TRUE(lists(req(c, "pci-dss-4.0.1", "7.2"), "S3.6"));
    hw_catalog_free(c);
}

/* Every link of every framework names a source declared in its file. */
static void test_real_link_sources(void)
{
    hw_catalog *c = load_real();
    CU_ASSERT_PTR_NOT_NULL_FATAL(c);
    size_t links = 0;
    for (size_t f = 0; f < c->nframeworks; f++) {
        const hw_framework *fw = &c->frameworks[f];
        CU_ASSERT_TRUE(fw->nlink_sources > 0);
        for (size_t r = 0; r < fw->nrequirements; r++)
            for (size_t k = 0; k < fw->requirements[r].ncontrols; k++, links++) {
                const hw_link_source *ls = hw_framework_link_source(fw, fw->requirements[r].sources[k]);
                CU_ASSERT_PTR_NOT_NULL(ls);
                CU_ASSERT_TRUE(ls && strlen(ls->text) > 20);
            }
    }
    CU_ASSERT_TRUE(links > 700);
    const hw_framework *soc2 = hw_catalog_framework(c, "soc2-2017");
    const hw_requirement *cc66 = hw_framework_requirement(soc2, "CC6.6");
    CU_ASSERT_PTR_NOT_NULL_FATAL(cc66);
    for (size_t k = 0; k < cc66->ncontrols; k++)
        if (strcmp(cc66->controls[k]->id, "EC2.19") == 0)
            CU_ASSERT_STRING_EQUAL(cc66->sources[k], "prowler");
    hw_catalog_free(c);
}

/* ---------------------------------------------------------- fixtures */

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

/* Copies every *.xml of from/frameworks into to/frameworks. */
static int copy_frameworks(const char *from, const char *to)
{
    char src[1024], dst[1024];
    snprintf(src, sizeof src, "%s/frameworks", from);
    snprintf(dst, sizeof dst, "%s/frameworks", to);
    DIR *d = opendir(src);
    if (!d || mkdir(dst, 0700) != 0) {
        if (d)
            closedir(d);
        return -1;
    }
    int rc = 0;
    for (struct dirent *de; rc == 0 && (de = readdir(d)) != NULL;) {
        if (!strstr(de->d_name, ".xml"))
            continue;
        snprintf(src, sizeof src, "%s/frameworks/%s", from, de->d_name);
        snprintf(dst, sizeof dst, "%s/frameworks/%s", to, de->d_name);
        rc = copy_file(src, dst);
    }
    closedir(d);
    return rc;
}

/* Builds a catalogue folder in a fresh temporary directory from fixture
 * NAME (tests/data/controls/NAME) plus the real schema, no shell involved,
 * and loads it; *c gets the catalogue on success. */
static int load_fixture(const char *name, hw_catalog **c, hw_err *e, char *dir, size_t dirsz)
{
    char rel[256], fixture[1024], from[1100], to[1100];
    *c = NULL;
    snprintf(rel, sizeof rel, "tests/data/controls/%s", name);
    src_path(rel, fixture, sizeof fixture);
    snprintf(dir, dirsz, "/tmp/hwcatXXXXXX");
    if (!*name || !mkdtemp(dir))
        return -1;
    snprintf(to, sizeof to, "%s/controls.xsd", dir);
    if (copy_file(src_path("controls/controls.xsd", from, sizeof from), to) != 0)
        return -1;
    snprintf(from, sizeof from, "%s/securityhub-controls.xml", fixture);
    snprintf(to, sizeof to, "%s/securityhub-controls.xml", dir);
    if (copy_file(from, to) != 0 || copy_frameworks(fixture, dir) != 0)
        return -1;
    snprintf(from, sizeof from, "%s/standard-control-ids.xml", fixture);
    snprintf(to, sizeof to, "%s/standard-control-ids.xml", dir);
    if (access(from, F_OK) == 0 && copy_file(from, to) != 0)
        return -1;
    hw_err_clear(e);
    return hw_catalog_load(dir, c, e);
}

/* Removes what load_fixture() made: the files, frameworks/ and dir. */
static void remove_dir(const char *dir)
{
    char sub[512], p[1024];
    snprintf(sub, sizeof sub, "%s/frameworks", dir);
    DIR *d = opendir(sub);
    for (struct dirent *de; d && (de = readdir(d)) != NULL;) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        snprintf(p, sizeof p, "%s/%s", sub, de->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
    rmdir(sub);
    snprintf(p, sizeof p, "%s/securityhub-controls.xml", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/standard-control-ids.xml", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/controls.xsd", dir);
    unlink(p);
    if (rmdir(dir) != 0)
        CU_FAIL("cleanup");
}

/* Loading the fixture fails with a message naming FILE:LINE: and WHAT. */
static void expect_error(const char *fixture, const char *fileline, const char *what)
{
    char dir[64], want[256];
    hw_catalog *c;
    hw_err e;
    int rc = load_fixture(fixture, &c, &e, dir, sizeof dir);
    CU_ASSERT_EQUAL(rc, HW_EINVAL);
    CU_ASSERT_PTR_NULL(c);
    hw_catalog_free(c);
    snprintf(want, sizeof want, "%s/%s", dir, fileline);
    if (!strstr(e.msg, want) || !strstr(e.msg, what)) {
        fprintf(stderr, "\n%s: got '%s', want '%s' and '%s'\n", fixture, e.msg, want, what);
        CU_FAIL("error does not name file, line and problem");
    }
    remove_dir(dir);
}

static void test_bad_data(void)
{
    expect_error("typo", "frameworks/test-1.xml:5: ", "contrl");
    expect_error("unknown_ref", "frameworks/test-1.xml:5: ", "unknown control S3.99");
    expect_error("dup_req", "frameworks/test-1.xml:7: ", "requirement 1 is defined twice (also line 4)");
    expect_error("dup_control", "securityhub-controls.xml:7: ", "control S3.8 is defined twice (also line 3)");
    expect_error("bad_severity", "securityhub-controls.xml:7: ", "SEVERE");
    expect_error("unknown_action", "securityhub-controls.xml:5: ", "s3-make-private");
    expect_error("no_evidence", "frameworks/test-1.xml:7: ", "requirement 2 has no control and is not marked manual");
    expect_error("unknown_related", "securityhub-controls.xml:5: ", "unknown framework 'iso-27001-2022'");
    expect_error("related_missing", "securityhub-controls.xml:5: ",
                 "related requirement 9 is not in framework test-1");
    expect_error("doctype", "frameworks/test-1.xml:2: ", "DOCTYPE is not allowed");
    expect_error("wrong_name", "frameworks/other.xml:2: ", "does not match the file name (want test-1.xml)");
    expect_error("no_source", "frameworks/test-1.xml:5: ", "'source' is required");
    expect_error("unknown_source", "frameworks/test-1.xml:6: ", "control IAM.4: unknown link source 'nope'");
    expect_error("dup_link_source", "frameworks/test-1.xml:5: ", "link source t is declared twice (also line 4)");
    expect_error("stale_unmapped_reason", "securityhub-controls.xml:7: ",
                 "control IAM.4 has an <unmapped-reason> but test-1 lists it in requirement 1");
    expect_error("std_unknown_control", "standard-control-ids.xml:6: ",
                 "control S3.99 of id T.2 is not in the catalogue");
    expect_error("std_bad_framework", "standard-control-ids.xml:4: ", "unknown framework 'test-9'");
    expect_error("std_dup", "standard-control-ids.xml:7: ", "id T.1 is mapped to S3.8 twice");
    hw_catalog *c = (hw_catalog *)1;
    hw_err e;
    CU_ASSERT_EQUAL(hw_catalog_load("/nonexistent", &c, &e), HW_EINVAL);
    CU_ASSERT_PTR_NULL(c);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "/nonexistent/controls.xsd"));
    hw_catalog_free(NULL);
}

static void test_good_fixture(void)
{
    char dir[64];
    hw_catalog *c;
    hw_err e;
    int rc = load_fixture("good", &c, &e, dir, sizeof dir);
    if (rc != HW_OK)
        fprintf(stderr, "\ngood: %s\n", e.msg);
    CU_ASSERT_EQUAL_FATAL(rc, HW_OK);
    CU_ASSERT_EQUAL(c->ncontrols, 5);
    CU_ASSERT_EQUAL(c->nframeworks, 1);
    CU_ASSERT_EQUAL(c->nexternals, 1);
    const hw_control *s38 = hw_catalog_control(c, "S3.8");
    CU_ASSERT_PTR_NOT_NULL_FATAL(s38);
    CU_ASSERT_EQUAL(s38->nrelated, 2);
    CU_ASSERT_STRING_EQUAL(s38->related[1].framework, "nist-800-53-r5");
    CU_ASSERT_STRING_EQUAL(s38->title, "Buckets block public access");
    const hw_framework *f = hw_catalog_framework(c, "test-1");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    const hw_requirement *const *rs;
    CU_ASSERT_EQUAL_FATAL(hw_framework_requirements_for(f, s38, &rs), 2);
    CU_ASSERT_STRING_EQUAL(rs[0]->id, "1"); /* file order */
    CU_ASSERT_STRING_EQUAL(rs[1]->id, "1.1");
    CU_ASSERT_EQUAL(hw_framework_requirements_for(f, hw_catalog_control(c, "IAM.4"), &rs), 1);
    CU_ASSERT_STRING_EQUAL(rs[0]->sources[0], "u");
    CU_ASSERT_STRING_EQUAL(rs[0]->sources[1], "t");
    CU_ASSERT_EQUAL(f->nlink_sources, 2);
    CU_ASSERT_STRING_EQUAL(hw_framework_link_source(f, "u")->text, "the other source");
    CU_ASSERT_PTR_NULL(hw_framework_link_source(f, "v"));
    hw_coverage cv = hw_catalog_coverage(f);
    CU_ASSERT_EQUAL(cv.requirements, 3);
    CU_ASSERT_EQUAL(cv.automated, 2);
    CU_ASSERT_EQUAL(cv.manual, 1);
    CU_ASSERT_STRING_EQUAL(hw_framework_requirement(f, "2")->manual_reason, "a document");
    CU_ASSERT_PTR_NULL(hw_framework_requirement(f, "3"));
    /* mapping completeness: 4 CRITICAL/HIGH controls, 2 unmapped (one
     * explained), S3.1 (MEDIUM) not counted */
    hw_mapping_coverage m = hw_catalog_mapping_coverage(c);
    CU_ASSERT_EQUAL(m.controls, 4);
    CU_ASSERT_EQUAL(m.mapped, 2);
    CU_ASSERT_EQUAL(m.unmapped, 2);
    CU_ASSERT_EQUAL(m.unexplained, 1);
    CU_ASSERT_FALSE(hw_catalog_mapping_goal_met(&m));
    hw_mapping_coverage ok = { 10, 9, 1, 0 }, over = { 10, 8, 2, 0 };
    CU_ASSERT_TRUE(hw_catalog_mapping_goal_met(&ok));
    CU_ASSERT_FALSE(hw_catalog_mapping_goal_met(&over));
    CU_ASSERT_FALSE(hw_catalog_control_mapped(c, hw_catalog_control(c, "EC2.18")));
    CU_ASSERT_TRUE(hw_catalog_control_mapped(c, s38));
    CU_ASSERT_FALSE(hw_catalog_control_counted(hw_catalog_control(c, "S3.1")));
    CU_ASSERT_STRING_EQUAL(hw_catalog_control(c, "EC2.18")->unmapped_reason,
                           "no source maps it to test-1");
    /* the text `controls coverage` and `controls show` print */
    CU_ASSERT_EQUAL(c->nstandards, 2);
    const hw_standard *st = hw_catalog_standard(c, "test-standard/v/1.0.0", 21);
    const hw_control *sm[2];
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    CU_ASSERT_EQUAL(st->ids, HW_STANDARD_IDS_REQUIREMENTS);
    CU_ASSERT_EQUAL(hw_standard_controls(c, st, "1.1", 3, sm, 2), 2);
    CU_ASSERT_PTR_EQUAL(sm[0], hw_catalog_control(c, "IAM.4"));
    CU_ASSERT_EQUAL(hw_standard_controls(c, st, "1", 1, sm, 2), 1);
    CU_ASSERT_PTR_EQUAL(sm[0], s38);
    CU_ASSERT_EQUAL(hw_standard_controls(c, st, "2", 1, sm, 2), 0);
    st = hw_catalog_standard(c, "test-controls/v/1.0.0", 21);
    CU_ASSERT_EQUAL(hw_standard_controls(c, st, "IAM.4", 5, sm, 2), 1);
    CU_ASSERT_EQUAL(hw_standard_controls(c, st, "IAM.5", 5, sm, 2), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(out);
    CU_ASSERT_EQUAL(hw_catalog_print_coverage(out, c), 0);
    CU_ASSERT_EQUAL(hw_catalog_print_control(out, c, s38), 0);
    CU_ASSERT_EQUAL(hw_catalog_print_control(out, c, hw_catalog_control(c, "EC2.18")), 0);
    fclose(out);
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "test-1               Test 1"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "5 controls in the catalogue"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "CRITICAL and HIGH controls: 4; evidence a framework "
                                        "requirement: 2; unmapped: 2 (50.0%, goal at most 10%: NOT met)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  EC2.18           HIGH     no source maps it to test-1\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "  EC2.99           HIGH     (no reason given)\n"));
    CU_ASSERT_PTR_NULL(strstr(text, "  S3.1 "));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "test-1 1.1: Root keys and buckets [source: t]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "nist-800-53-r5 AC-3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(text, "    (none): no source maps it to test-1\n"));
    free(text);
    /* the same as JSON */
    cJSON *j = hw_catalog_coverage_json(c);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *mc = cJSON_GetObjectItem(j, "critical_high_mapping");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(mc, "controls")->valueint, 4);
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(mc, "unmapped")->valueint, 2);
    CU_ASSERT_TRUE(cJSON_IsFalse(cJSON_GetObjectItem(mc, "goal_met")));
    cJSON *un = cJSON_GetObjectItem(mc, "unmapped_controls");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(un), 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(un, 0), "id")->valuestring, "EC2.18");
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(cJSON_GetArrayItem(un, 1), "reason")));
    cJSON *fw0 = cJSON_GetArrayItem(cJSON_GetObjectItem(j, "frameworks"), 0);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(fw0, "id")->valuestring, "test-1");
    CU_ASSERT_EQUAL(cJSON_GetObjectItem(fw0, "manual")->valueint, 1);
    cJSON_Delete(j);
    j = hw_catalog_control_json(c, s38);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    cJSON *ev = cJSON_GetObjectItem(j, "evidences");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(ev), 2);
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 1), "requirement")->valuestring, "1.1");
    CU_ASSERT_STRING_EQUAL(cJSON_GetObjectItem(cJSON_GetArrayItem(ev, 1), "source")->valuestring, "t");
    CU_ASSERT_EQUAL(cJSON_GetArraySize(cJSON_GetObjectItem(j, "related")), 2);
    CU_ASSERT_TRUE(cJSON_IsNull(cJSON_GetObjectItem(j, "unmapped_reason")));
    cJSON_Delete(j);
    hw_catalog_free(c);
    remove_dir(dir);
}

int test_catalog_register(void)
{
    CU_pSuite s = CU_add_suite("catalog", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "controls/ loads; every framework present", test_real_loads) ||
        !CU_add_test(s, "controls/ content: mappings, manual items", test_real_content) ||
        !CU_add_test(s, "related requirements agree with frameworks", test_real_related_agree) ||
        !CU_add_test(s, "remediation action vocabulary", test_real_actions) ||
        !CU_add_test(s, "control -> requirements lookups", test_real_lookups) ||
        !CU_add_test(s, "CRITICAL/HIGH mapping completeness", test_real_mapping_completeness) ||
        !CU_add_test(s, "every link names its source", test_real_link_sources) ||
        !CU_add_test(s, "standard control ids -> controls", test_real_standard_ids) ||
        !CU_add_test(s, "a small good catalogue", test_good_fixture) ||
        !CU_add_test(s, "bad data names file and line", test_bad_data))
        return -1;
    return 0;
}
