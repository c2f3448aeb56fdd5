/*
 * test_corpus.c - the finding parser on real findings written by others:
 * ../shared/reference/realworld-asff (AWS's documentation samples, AWS's
 * remediation solution's test data, Cloud Custodian's recorded responses,
 * AWS samples' EventBridge test events), read in place; skipped when the
 * folder is absent.  $HW_CORPUS_DIR names another folder.
 *
 * cJSON walks each file's structure (arrays, GetFindings responses'
 * Findings, EventBridge events' detail.findings; a file that is not JSON
 * as a whole is split into its top-level array items, some of which are
 * invalid by design) and every finding object is parsed with
 * hw_finding_parse(), with the real controls/ catalogue and an
 * Organization of the corpus' accounts.  The expected values below were
 * read from the findings themselves: account, Region (else the fourth
 * field of a ProductArn that parses), severity (Label, else Normalized on
 * AWS's bands), Compliance.Status, Workflow.Status (else WorkflowState),
 * RecordState; the control from Security Hub's standard control id table;
 * trust from the rules in scan/finding.h.  Notes on the ones worth a second look:
 *  - GuardDuty's documentation sample writes every ARN "arn:aws::...": its
 *    ProductArn does not parse, so no region, no product, no trust.
 *  - Control Tower's sample: ProductFields.ControlId "CT.CloudTrail.2"
 *    is not the generator's "CloudTrail.2", and controls/ has no Control
 *    Tower standard: its SecurityControlId gives the control, untrusted.
 *  - Inspector, Config, Health and Cloud Custodian's findings: other
 *    products, never trusted; GuardDuty's 2019 findings are.
 *  - CIS-bad has no GeneratorId (rejected); the NIST and consolidated
 *    samples of the control findings page are not JSON (U+2028 used as
 *    white space; a missing comma).  So 72 of the 75 are stored.
 */
#include <CUnit/CUnit.h>
#include <cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "scan/finding.h"

/* One finding: its file, its place in the file (1-based, in walk order),
 * and what it must parse to; control NULL: it must be rejected. */
static const struct expect {
    const char *file;
    int n;
    const char *control, *account, *region, *severity, *compliance, *workflow, *record;
    int trusted;
} expected[] = {
{ "asr_layer_test_json_data_CIS-1.3.json", 1, "IAM.8", "111111111111", "us-east-1", "MEDIUM", "WARNING", "NEW", "ACTIVE", 1 },
    { "asr_layer_test_json_data_CIS-bad.json", 1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0 },
    { "asr_layer_test_json_data_afsbp-ec2.7.json", 1, "EC2.7", "111111111111", "us-east-1", "INFORMATIONAL", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_playbooks_AFSBP_test_data_AFSBP-iam.6.json", 1, "IAM.6", "111111111111", "us-east-1", "CRITICAL", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_playbooks_AFSBP_test_data_AFSBP-iam.6.json", 2, "RDS.4", "111111111111", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 1, "IAM.8", "111122223333", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 2, "IAM.3", "111122223333", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 3, "CloudWatch.2", "111111111111", "us-east-1", "LOW", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 4, "S3.1", "111111111111", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 5, "IAM.3", "111111111111", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 6, "CloudFront.1", "111111111111", "us-east-1", "CRITICAL", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 7, "EC2.8", "111111111111", "us-east-1", "HIGH", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 8, "CodeBuild.5", "111111111111", "us-east-1", "HIGH", "FAILED", "NEW", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 9, "S3.3", "111111111111", "us-east-1", "INFORMATIONAL", "PASSED", "RESOLVED", "ACTIVE", 1 },
    { "asr_simtest_simdata.json", 10, "IAM.10", "111111111111", "us-east-1", "INFORMATIONAL", "FAILED", "NEW", "ACTIVE", 1 },
    { "awsdocs_guardduty_securityhub_integration.json", 1, "", "193043430472", "", "MEDIUM", "", "NEW", "ACTIVE", 0 },
    { "awsdocs_inspector_securityhub_integration.json", 1, "", "111122223333", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 0 },
    { "awsdocs_securityhub_internal_providers.json", 1, "", "123456789012", "eu-central-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 0 },
    { "awsdocs_securityhub_internal_providers.json", 2, "", "123456789012", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 0 },
    { "awsdocs_securityhub_sample_control_findings.json", 1, "CloudTrail.2", "123456789012", "us-east-2", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "awsdocs_securityhub_sample_control_findings.json", 2, "CloudTrail.2", "123456789012", "us-east-2", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "awsdocs_securityhub_sample_control_findings.json", 3, "CloudTrail.2", "123456789012", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "awsdocs_securityhub_sample_control_findings.json", 4, "CloudTrail.2", "123456789012", "us-east-2", "MEDIUM", "FAILED", "NEW", "ACTIVE", 1 },
    { "awsdocs_securityhub_sample_control_findings.json", 5, "CloudTrail.2", "123456789012", "us-east-1", "MEDIUM", "FAILED", "NEW", "ACTIVE", 0 },
    { "c7n_cwe_event-securityhub-cloudtrail-finding-action.json", 1, "CloudTrail.4", "644160558196", "us-east-1", "INFORMATIONAL", "PASSED", "NEW", "ACTIVE", 1 },
    { "c7n_cwe_event-securityhub-iamkey-finding-action.json", 1, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 1 },
    { "c7n_cwe_event-securityhub-lambda-cross.json", 1, "", "644160558196", "us-east-1", "LOW", "FAILED", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_ecr_image_filter_security_finding_GetFindings_1.json", 1, "", "644160558196", "us-east-1", "CRITICAL", "", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 1, "", "644160558196", "us-east-1", "HIGH", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 2, "", "644160558196", "us-east-1", "LOW", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 3, "", "644160558196", "us-east-1", "HIGH", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 4, "", "644160558196", "us-east-1", "HIGH", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 5, "", "644160558196", "us-east-1", "HIGH", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 6, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 7, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 8, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 9, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 10, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 11, "", "644160558196", "us-east-1", "HIGH", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 12, "", "644160558196", "us-east-1", "CRITICAL", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 13, "", "644160558196", "us-east-1", "LOW", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 14, "", "644160558196", "us-east-1", "HIGH", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 15, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 16, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 17, "", "644160558196", "us-east-1", "CRITICAL", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 18, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 19, "", "644160558196", "us-east-1", "LOW", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_ecr_image_modify_policy_GetFindings_1.json", 20, "", "644160558196", "us-east-1", "LOW", "", "NEW", "ARCHIVED", 0 },
    { "c7n_placebo_security_hub_mode_action_insight_GetFindings_1.json", 1, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 1 },
    { "c7n_placebo_security_hub_mode_action_insight_GetFindings_1.json", 2, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 1 },
    { "c7n_placebo_security_hub_mode_action_insight_GetFindings_1.json", 3, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 1 },
    { "c7n_placebo_security_hub_mode_action_insight_GetFindings_1.json", 4, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 1 },
    { "c7n_placebo_security_hub_mode_action_insight_GetFindings_1.json", 5, "", "644160558196", "us-east-1", "MEDIUM", "", "NEW", "ACTIVE", 1 },
    { "c7n_placebo_security_hub_post_finding.json", 1, "", "101010101111", "us-east-1", "LOW", "", "", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 2, "", "101010101111", "us-east-1", "LOW", "FAILED", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 3, "", "644160558196", "us-east-1", "INFORMATIONAL", "", "", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 4, "", "101010101111", "us-east-1", "LOW", "", "", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 5, "", "101010101111", "us-east-1", "LOW", "", "", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 6, "", "644160558196", "us-east-1", "LOW", "", "", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 7, "", "101010101111", "us-east-1", "LOW", "FAILED", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 8, "", "644160558196", "us-east-2", "LOW", "", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 9, "", "644160558196", "us-west-2", "INFORMATIONAL", "", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 10, "", "644160558196", "us-east-1", "INFORMATIONAL", "", "NEW", "ACTIVE", 0 },
    { "c7n_placebo_security_hub_post_finding.json", 11, "", "644160558196", "us-east-1", "INFORMATIONAL", "", "NEW", "ACTIVE", 0 },
    { "jira_integration_test_events.json", 1, "EC2.8", "123456789012", "eu-west-1", "HIGH", "FAILED", "NEW", "ACTIVE", 1 },
    { "jira_integration_test_events.json", 2, "EC2.8", "123456789012", "eu-west-1", "HIGH", "FAILED", "NOTIFIED", "ACTIVE", 1 },
    { "jira_integration_test_events.json", 3, "EC2.8", "123456789012", "eu-west-1", "HIGH", "FAILED", "NOTIFIED", "ARCHIVED", 1 },
    { "jira_integration_test_events.json", 4, "EC2.8", "123456789012", "eu-west-1", "HIGH", "FAILED", "NEW", "ARCHIVED", 1 },
    { "jira_integration_test_events.json", 5, "EC2.8", "123456789012", "eu-west-1", "HIGH", "FAILED", "NOTIFIED", "ARCHIVED", 1 },
    { "jira_integration_test_events.json", 6, "IAM.1", "123456789012", "eu-west-1", "HIGH", "FAILED", "NEW", "ACTIVE", 1 },
    { "jira_integration_test_events.json", 7, "EC2.8", "123456789012", "eu-west-1", "HIGH", "FAILED", "NEW", "ACTIVE", 1 },
    { "jira_integration_test_events.json", 8, "", "927700105111", "eu-west-1", "HIGH", "FAILED", "NEW", "ACTIVE", 0 },
    { "mrredhu_evidence_03_detection_findings_getfindings.json", 1, "EC2.18", "176087999560", "us-east-1", "HIGH", "FAILED", "NEW", "ACTIVE", 1 },
};

static char corpus_ids[][13] = { "101010101111", "111111111111", "111122223333", "123456789012",
                                 "176087999560", "193043430472", "644160558196", "927700105111" };
static const hw_orgset corpus_org = { corpus_ids, 8, 1 };

struct run {
    const char *file;
    int n;               /* findings of this file so far */
    size_t findings;     /* finding objects met (valid JSON) */
    size_t invalid_json; /* items that are not JSON */
    size_t parsed, rejected, trusted, with_control, checked;
    const hw_catalog *cat;
    hw_finding f;
};

static const struct expect *lookup(const char *file, int n)
{
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++)
        if (strcmp(expected[i].file, file) == 0 && expected[i].n == n)
            return &expected[i];
    return NULL;
}

static void mismatch(const struct run *r, const char *what, const char *got, const char *want)
{
    fprintf(stderr, "\n%s finding %d: %s '%s', want '%s'\n", r->file, r->n, what, got, want);
    CU_FAIL("a corpus finding parsed to the wrong value");
}

static void check_str(const struct run *r, const char *what, const char *got, const char *want)
{
    if (strcmp(got ? got : "(null)", want) != 0)
        mismatch(r, what, got, want);
}

static void one_finding(struct run *r, const cJSON *o)
{
    r->findings++;
    r->n++;
    char *text = cJSON_PrintUnformatted(o);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    hw_err e;
    hw_err_clear(&e);
    r->f.catalog = r->cat;
    int rc = hw_finding_parse(text, strlen(text), &corpus_org, &r->f, &e);
    free(text);
    const struct expect *x = lookup(r->file, r->n);
    if (!x) {
        fprintf(stderr, "\n%s finding %d: not in the expected table\n", r->file, r->n);
        CU_FAIL("unexpected corpus finding");
        return;
    }
    r->checked++;
    if (rc != HW_OK) {
        r->rejected++;
        if (x->control)
            mismatch(r, "parse", e.msg, "accepted");
        return;
    }
    r->parsed++;
    if (!x->control) {
        mismatch(r, "parse", "accepted", "rejected");
        return;
    }
    const hw_finding *f = &r->f;
    r->trusted += f->trusted != 0;
    r->with_control += f->control_id[0] != '\0';
    check_str(r, "control", f->control_id, x->control);
    check_str(r, "account", f->account_id, x->account);
    check_str(r, "region", f->region, x->region);
    check_str(r, "severity", f->severity, x->severity);
    check_str(r, "Compliance.Status", f->compliance_status, x->compliance);
    check_str(r, "Workflow.Status", f->workflow_status, x->workflow);
    check_str(r, "RecordState", f->record_state, x->record);
    if (f->trusted != x->trusted)
        mismatch(r, "trust", f->trusted ? "trusted" : f->untrusted_reason,
                 x->trusted ? "trusted" : "untrusted");
}

/* A finding, an array of anything, a GetFindings response or an
 * EventBridge event. */
static void walk(struct run *r, const cJSON *v)
{
    if (cJSON_IsArray(v)) {
        for (const cJSON *k = v->child; k; k = k->next)
            walk(r, k);
        return;
    }
    if (!cJSON_IsObject(v))
        return;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(v, "Findings");
    const cJSON *detail = cJSON_GetObjectItemCaseSensitive(v, "detail");
    if (!list && cJSON_IsObject(detail))
        list = cJSON_GetObjectItemCaseSensitive(detail, "findings");
    if (cJSON_IsArray(list)) {
        for (const cJSON *k = list->child; k; k = k->next)
            one_finding(r, k);
        return;
    }
    one_finding(r, v);
}

/* The items of a top-level array that is not JSON as a whole: split at
 * its top-level commas (strings skipped), each item parsed alone. */
static void walk_items(struct run *r, const char *t, size_t len)
{
    const char *p = memchr(t, '[', len), *end = t + len;
    if (!p)
        return;
    const char *start = ++p;
    int depth = 0, in_str = 0;
    for (; p < end; p++) {
        char c = *p;
        if (in_str) {
            if (c == '\\')
                p++;
            else if (c == '"')
                in_str = 0;
            continue;
        }
        if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && depth)
            depth--;
        if ((c == ',' || c == ']') && depth == 0) {
            cJSON *item = cJSON_ParseWithLength(start, (size_t)(p - start));
            if (item) {
                walk(r, item);
            } else {
                /* not JSON: the parser must say so too */
                hw_err e;
                r->invalid_json++;
                r->f.catalog = r->cat;
                CU_ASSERT_EQUAL(hw_finding_parse(start, (size_t)(p - start), &corpus_org, &r->f, &e),
                                HW_EINVAL);
            }
            cJSON_Delete(item);
            start = p + 1;
            if (c == ']')
                return;
        }
    }
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_realworld_corpus(void)
{
    char dir[1024];
    const char *env = getenv("HW_CORPUS_DIR"), *root = getenv("HW_SOURCE_DIR");
    if (env && *env)
        snprintf(dir, sizeof dir, "%s", env);
    else
        snprintf(dir, sizeof dir, "%s%s../shared/reference/realworld-asff", root && *root ? root : "",
                 root && *root ? "/" : "");
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "\n  corpus: %s absent, skipped\n", dir);
        return;
    }
    char *names[64];
    size_t nn = 0;
    for (struct dirent *de; (de = readdir(d)) != NULL && nn < 64;) {
        size_t l = strlen(de->d_name);
        if (l > 5 && strcmp(de->d_name + l - 5, ".json") == 0)
            names[nn++] = strdup(de->d_name);
    }
    closedir(d);
    qsort(names, nn, sizeof *names, cmp_name);

    char cdir[1024];
    snprintf(cdir, sizeof cdir, "%s%scontrols", root && *root ? root : "", root && *root ? "/" : "");
    hw_catalog *cat = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_catalog_load(cdir, &cat, &e), HW_OK);
    struct run r;
    memset(&r, 0, sizeof r);
    r.cat = cat;
    hw_finding_init(&r.f);
    for (size_t i = 0; i < nn; i++) {
        char path[1200];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        hw_buf b = HW_BUF_INIT(0);
        CU_ASSERT_EQUAL_FATAL(hw_file_read(path, 0, &b, &e), HW_OK);
        r.file = names[i];
        r.n = 0;
        const char *end = NULL;
        cJSON *v = cJSON_ParseWithLengthOpts(b.data, b.len, &end, 0);
        if (v)
            walk(&r, v); /* what follows the first value is not a finding */
        else
            walk_items(&r, b.data, b.len);
        cJSON_Delete(v);
        hw_buf_free(&b);
        free(names[i]);
    }
    hw_finding_free(&r.f);
    hw_catalog_free(cat);
    fprintf(stderr, "\n  corpus: %zu files, %zu findings (%zu of them valid JSON), %zu parsed, "
                    "%zu rejected, %zu with a control, %zu trusted\n",
            nn, r.findings + r.invalid_json, r.findings, r.parsed, r.rejected, r.with_control,
            r.trusted);
    CU_ASSERT_EQUAL(r.findings + r.invalid_json, 75);
    CU_ASSERT_EQUAL(r.parsed, 72);
    CU_ASSERT_EQUAL(r.checked, sizeof expected / sizeof expected[0]);
}

int test_corpus_register(void)
{
    CU_pSuite s = CU_add_suite("corpus", NULL, NULL);
    if (!s || !CU_add_test(s, "real-world findings: 72 of 75, right fields", test_realworld_corpus))
        return -1;
    return 0;
}
