/*
 * test_compliance.c - the compliance view's store queries
 * (store/compliance_queries.c): counts per framework, rows in the
 * catalogue's order, "failing since" from hubwarden's own history of
 * intervals (a change of evidence while FAILED does not restart it; a
 * pass or a gap does; other frameworks and accounts never join in), and a
 * requirement's evidence as lines with the findings' current times.
 */
#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/evaluate.h"
#include "store/store.h"

static char dir[64];
static char dbpath[128];
static const char *const A = "333333333333";
static const char *const B = "444444444444";

static hw_store *fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/hwcomplXXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
    snprintf(dbpath, sizeof dbpath, "%s/hw.db", dir);
    hw_store *s = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_open(dbpath, HW_STORE_WRITE, 1000, &s, &e), HW_OK);
    return s;
}

static void done(hw_store *s)
{
    hw_store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static const hw_control_row ctls[] = {
    { "IAM.3", "t", "MEDIUM", "AWS::IAM::User", "" },
    { "S3.8", "t", "HIGH", "AWS::S3::Bucket", "" },
};
static const char *const c_iam[] = { "IAM.3" };
static const char *const c_both[] = { "S3.8", "IAM.3" };
/* "1.10" before "1.2": the catalogue's order, not the text's */
static const hw_requirement_row reqs[] = {
    { "fw-1", "1.10", "Keys rotated", 0, c_iam, 1 },
    { "fw-1", "1.2", "Buckets & keys", 0, c_both, 2 },
    { "fw-1", "1.3", "A written policy", 1, NULL, 0 },
    { "fw-2", "1.10", "Another framework, same id", 0, c_iam, 1 },
};

/* Intervals built by hand, run by run, as evaluate.c writes them. */
struct hist {
    hw_store *s;
    char run[8][64];
    int64_t seq[8];
    int64_t open[16]; /* interval id per key */
};

struct find_open {
    const char *fw, *req;
    int64_t id;
};

static int find_open_cb(void *arg, const hw_open_eval *o)
{
    struct find_open *f = arg;
    if (strcmp(o->framework, f->fw) == 0 && strcmp(o->requirement, f->req) == 0)
        f->id = o->id;
    return 0;
}

/* Sets (fw, req, account) to status in evaluation seq (NULL: closes it). */
static void set(hw_store *s, int64_t seq, const char *run, const char *fw, const char *req,
                const char *account, const char *status, int64_t digest)
{
    hw_err e;
    struct find_open f = { fw, req, 0 };
    CU_ASSERT_EQUAL(hw_store_account_open_evals(s, account, find_open_cb, &f, &e), HW_OK);
    hw_evaluation_row r = { run, fw, req, account, status, "{\"controls\":[]}" };
    CU_ASSERT_EQUAL(hw_store_eval_change(s, seq, f.id, status ? &r : NULL, NULL, digest, &e), HW_OK);
}

static void begin_eval(hw_store *s, struct hist *h, int i)
{
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", h->run[i], &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_store_eval_run_begin(s, h->run[i], &h->seq[i], &e), HW_OK);
}

struct rows {
    char key[16][80];
    char status[16][16];
    char since_run[16][64];
    char failing_run[16][64];
    int64_t failing[16];
    char controls[16][32];
    char name[16][32];
    int manual[16];
    int has_evidence[16];
    int n;
};

static int rows_cb(void *arg, const hw_compliance_row *r)
{
    struct rows *x = arg;
    if (x->n == 16)
        return 1;
    int i = x->n++;
    snprintf(x->key[i], sizeof x->key[i], "%s/%s/%s", r->framework, r->requirement, r->account);
    snprintf(x->status[i], sizeof x->status[i], "%s", r->status);
    snprintf(x->since_run[i], sizeof x->since_run[i], "%s", r->since_run);
    snprintf(x->failing_run[i], sizeof x->failing_run[i], "%s",
             r->failing_since_run ? r->failing_since_run : "-");
    x->failing[i] = r->failing_since;
    snprintf(x->controls[i], sizeof x->controls[i], "%s", r->controls);
    snprintf(x->name[i], sizeof x->name[i], "%s", r->account_name);
    x->manual[i] = r->manual;
    x->has_evidence[i] = r->evidence != NULL;
    return 0;
}

static int find(const struct rows *x, const char *key)
{
    for (int i = 0; i < x->n; i++)
        if (strcmp(x->key[i], key) == 0)
            return i;
    return -1;
}

static void history(hw_store *s, struct hist *h)
{
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_catalog_sync(s, ctls, 2, reqs, 4, &e), HW_OK);
    hw_account_row acct = { A, "prod-app", "", "ACTIVE", "r-1/ou-1", "Root/Prod", 1 };
    CU_ASSERT_EQUAL_FATAL(hw_store_begin(s, &e), HW_OK);
    for (int i = 0; i < 4; i++) {
        begin_eval(s, h, i);
        int64_t q = h->seq[i];
        const char *run = h->run[i];
        if (i == 0) {
            CU_ASSERT_EQUAL(hw_store_account_upsert(s, &acct, run, &e), HW_OK);
            /* A 1.10: FAILED from the first evaluation */
            set(s, q, run, "fw-1", "1.10", A, "FAILED", 1);
            set(s, q, run, "fw-1", "1.2", A, "FAILED", 1);
            set(s, q, run, "fw-1", "1.3", A, "MANUAL", 1);
            set(s, q, run, "fw-1", "1.10", B, "FAILED", 1);
            set(s, q, run, "fw-1", "1.2", B, "FAILED", 1);
            set(s, q, run, "fw-1", "1.3", B, "MANUAL", 1);
            set(s, q, run, "fw-2", "1.10", B, "PASSED", 1);
        } else if (i == 1) {
            /* A 1.10: still FAILED, other evidence: a new interval */
            set(s, q, run, "fw-1", "1.10", A, "FAILED", 2);
            /* B 1.10 passes; B 1.2 is not evaluated (a gap) */
            set(s, q, run, "fw-1", "1.10", B, "PASSED", 2);
            set(s, q, run, "fw-1", "1.2", B, NULL, 0);
            /* another framework's interval of B fails from here */
            set(s, q, run, "fw-2", "1.10", B, "FAILED", 2);
        } else if (i == 2) {
            /* B 1.10 fails again; B 1.2 is back, FAILED; fw-2 passes: its
             * FAILED interval ends where B 1.10's begins; so does A's
             * FAILED 1.2, which passes now */
            set(s, q, run, "fw-1", "1.10", B, "FAILED", 3);
            set(s, q, run, "fw-1", "1.2", B, "FAILED", 3);
            set(s, q, run, "fw-2", "1.10", B, "PASSED", 3);
            set(s, q, run, "fw-1", "1.2", A, "PASSED", 3);
        }
        /* i == 3: nothing changes */
    }
    CU_ASSERT_EQUAL_FATAL(hw_store_commit(s, &e), HW_OK);
}

static void test_failing_since(void)
{
    hw_store *s = fresh();
    struct hist h;
    memset(&h, 0, sizeof h);
    history(s, &h);
    hw_err e;
    struct rows x;
    memset(&x, 0, sizeof x);
    hw_compliance_query q = { .framework = "fw-1" };
    CU_ASSERT_EQUAL_FATAL(hw_store_compliance_rows(s, &q, rows_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL(x.n, 6);
    /* the catalogue's order, then accounts */
    CU_ASSERT_STRING_EQUAL(x.key[0], "fw-1/1.10/333333333333");
    CU_ASSERT_STRING_EQUAL(x.key[1], "fw-1/1.10/444444444444");
    CU_ASSERT_STRING_EQUAL(x.key[2], "fw-1/1.2/333333333333");
    CU_ASSERT_STRING_EQUAL(x.key[5], "fw-1/1.3/444444444444");
    CU_ASSERT_STRING_EQUAL(x.controls[2], "S3.8 IAM.3");
    CU_ASSERT_STRING_EQUAL(x.name[0], "prod-app");
    CU_ASSERT_STRING_EQUAL(x.name[1], "");
    CU_ASSERT(x.manual[4] && !x.manual[0]);
    CU_ASSERT(!x.has_evidence[0]);
    /* FAILED since the first evaluation, through a change of evidence;
     * the current interval began later */
    int i = find(&x, "fw-1/1.10/333333333333");
    CU_ASSERT_STRING_EQUAL(x.failing_run[i], h.run[0]);
    CU_ASSERT_STRING_EQUAL(x.since_run[i], h.run[1]);
    CU_ASSERT(x.failing[i] > 0);
    /* a pass in between: since it failed again (not since fw-2's failure,
     * which ended where it began) */
    i = find(&x, "fw-1/1.10/444444444444");
    CU_ASSERT_STRING_EQUAL(x.failing_run[i], h.run[2]);
    /* a gap (not evaluated) breaks the run (and A's failure of 1.2,
     * which ended where B's began, is not B's) */
    i = find(&x, "fw-1/1.2/444444444444");
    CU_ASSERT_STRING_EQUAL(x.status[i], "FAILED");
    CU_ASSERT_STRING_EQUAL(x.failing_run[i], h.run[2]);
    /* not failing: no failing since */
    i = find(&x, "fw-1/1.2/333333333333");
    CU_ASSERT_STRING_EQUAL(x.failing_run[i], "-");
    CU_ASSERT_EQUAL(x.failing[i], -1);
    CU_ASSERT_STRING_EQUAL(x.since_run[i], h.run[2]);

    /* filters: statuses, accounts and requirements combine */
    static const char *const failed[] = { "FAILED" };
    static const char *const acct_b[] = { "444444444444" };
    static const char *const req[] = { "1.2" };
    hw_compliance_query q2 = { .framework = "fw-1", .statuses = failed, .nstatuses = 1,
                               .accounts = acct_b, .naccounts = 1, .with_evidence = 1 };
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_compliance_rows(s, &q2, rows_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL(x.n, 2);
    CU_ASSERT(x.has_evidence[0]);
    q2.requirements = req;
    q2.nrequirements = 1;
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_compliance_rows(s, &q2, rows_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL(x.n, 1);
    CU_ASSERT_STRING_EQUAL(x.key[0], "fw-1/1.2/444444444444");
    /* an OU of thousands of accounts is one list of filter values */
    static char ids[3000][13];
    const char *many[3000];
    for (int k = 0; k < 3000; k++) {
        snprintf(ids[k], sizeof ids[k], "%012d", 100000000 + k);
        many[k] = k == 1234 ? B : ids[k];
    }
    hw_compliance_query qm = { .framework = "fw-1", .accounts = many, .naccounts = 3000 };
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_compliance_rows(s, &qm, rows_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL(x.n, 3);
    /* no framework: refused */
    hw_compliance_query none = { 0 };
    CU_ASSERT_EQUAL(hw_store_compliance_rows(s, &none, rows_cb, &x, &e), HW_EINVAL);
    done(s);
}

struct sums {
    hw_compliance_summary c[4];
    char fw[4][16], run[4][64];
    int n;
};

static int sums_cb(void *arg, const hw_compliance_summary *c)
{
    struct sums *x = arg;
    if (x->n == 4)
        return 1;
    x->c[x->n] = *c;
    snprintf(x->fw[x->n], sizeof x->fw[0], "%s", c->framework);
    snprintf(x->run[x->n], sizeof x->run[0], "%s", c->run_id);
    x->n++;
    return 0;
}

static void test_summary(void)
{
    hw_store *s = fresh();
    struct hist h;
    memset(&h, 0, sizeof h);
    history(s, &h);
    hw_err e;
    struct sums x;
    memset(&x, 0, sizeof x);
    hw_compliance_query q = { 0 };
    CU_ASSERT_EQUAL_FATAL(hw_store_compliance_summary(s, &q, sums_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 2);
    CU_ASSERT_STRING_EQUAL(x.fw[0], "fw-1");
    /* pairs: A 1.10 F, A 1.2 P, A 1.3 M, B 1.10 F, B 1.2 F, B 1.3 M */
    CU_ASSERT_EQUAL(x.c[0].failed, 3);
    CU_ASSERT_EQUAL(x.c[0].passed, 1);
    CU_ASSERT_EQUAL(x.c[0].manual, 2);
    CU_ASSERT_EQUAL(x.c[0].partial + x.c[0].suppressed + x.c[0].no_data, 0);
    CU_ASSERT_EQUAL(x.c[0].requirements, 3);
    CU_ASSERT_EQUAL(x.c[0].accounts, 2);
    /* the data's date: the newest evaluation, even one that changed nothing */
    CU_ASSERT_STRING_EQUAL(x.run[0], h.run[3]);
    CU_ASSERT(x.c[0].evaluated_at > 0);
    CU_ASSERT_STRING_EQUAL(x.fw[1], "fw-2");
    CU_ASSERT_EQUAL(x.c[1].passed, 1);
    static const char *const acct_a[] = { "333333333333" };
    hw_compliance_query qa = { .accounts = acct_a, .naccounts = 1 };
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL(hw_store_compliance_summary(s, &qa, sums_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 1); /* fw-2 has no pair in A */
    CU_ASSERT_EQUAL(x.c[0].failed, 1);
    CU_ASSERT_EQUAL(x.c[0].accounts, 1);
    done(s);
}

struct lines {
    char text[16][200];
    int64_t now[16];
    int n;
};

static int lines_cb(void *arg, const hw_evidence_line *l)
{
    struct lines *x = arg;
    if (x->n == 16)
        return 1;
    snprintf(x->text[x->n], sizeof x->text[0], "%s %s %s|%s|%ld/%ld|%s %s %s %s %s|%s|%s",
             l->control, l->control_status, l->reason ? l->reason : "-",
             l->disabled_in ? l->disabled_in : "-", l->passed, l->failed,
             l->finding ? l->finding : "-", l->region ? l->region : "-",
             l->compliance_status ? l->compliance_status : "-",
             l->workflow_status ? l->workflow_status : "-", l->resources ? l->resources : "-",
             l->first_observed ? l->first_observed : "-",
             l->last_observed ? l->last_observed : "-");
    x->now[x->n++] = l->last_observed_now;
    return 0;
}

static void put(hw_store *s, const char *run, const char *id, const char *control,
                const char *status, const char *resource, int64_t last)
{
    hw_finding_row f = { 0 };
    char res[96];
    snprintf(res, sizeof res, "[\"%s\"]", resource);
    f.id = id;
    f.product_arn = "arn:aws:securityhub:us-east-1::product/aws/securityhub";
    f.product = "securityhub";
    f.account_id = A;
    f.region = "us-east-1";
    f.control_id = control;
    f.severity = "HIGH";
    f.compliance_status = status;
    f.workflow_status = "NEW";
    f.record_state = "ACTIVE";
    f.resource_type = "AwsS3Bucket";
    f.resources = res;
    f.first_observed = f.created_at = 1700000000000LL;
    f.last_observed = f.updated_at = last;
    f.trusted = 1;
    f.raw = "{}";
    f.rawlen = 2;
    hw_err e;
    int r;
    CU_ASSERT_EQUAL(hw_store_finding_upsert(s, &f, run, &r, &e), HW_OK);
}

struct one {
    char *evidence;
    char status[16];
};

static int one_cb(void *arg, const hw_compliance_row *r)
{
    struct one *x = arg;
    free(x->evidence);
    x->evidence = r->evidence ? strdup(r->evidence) : NULL;
    snprintf(x->status, sizeof x->status, "%s", r->status);
    return 0;
}

static void test_evidence_lines(void)
{
    hw_store *s = fresh();
    hw_err e;
    char run0[64], run[64];
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "import", run0, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_store_begin(s, &e), HW_OK);
    put(s, run0, "bad-1", "S3.8", "FAILED", "arn:aws:s3:::b", 1700000100000LL);
    put(s, run0, "good-1", "S3.8", "PASSED", "arn:aws:s3:::a", 1700000100000LL);
    CU_ASSERT_EQUAL_FATAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_store_catalog_sync(s, ctls, 2, reqs, 3, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(hw_store_run_begin(s, "scan", run, &e), HW_OK);
    hw_eval_opts o = { reqs, 3, ctls, 2, 0 };
    hw_eval_summary *sums = NULL;
    size_t n = 0;
    CU_ASSERT_EQUAL_FATAL(hw_scan_evaluate(s, run, &o, &sums, &n, &e), HW_OK);
    free(sums);
    /* Security Hub observes the failure again later: the evidence keeps
     * the time it was evaluated, the line gives the current one too */
    CU_ASSERT_EQUAL_FATAL(hw_store_begin(s, &e), HW_OK);
    put(s, run0, "bad-1", "S3.8", "FAILED", "arn:aws:s3:::b", 1700000900000LL);
    CU_ASSERT_EQUAL_FATAL(hw_store_commit(s, &e), HW_OK);

    static const char *const req[] = { "1.2" };
    hw_compliance_query q = { .framework = "fw-1", .requirements = req, .nrequirements = 1,
                              .with_evidence = 1 };
    struct one got = { NULL, "" };
    CU_ASSERT_EQUAL_FATAL(hw_store_compliance_rows(s, &q, one_cb, &got, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(got.status, "FAILED");
    CU_ASSERT_PTR_NOT_NULL_FATAL(got.evidence);
    struct lines x;
    memset(&x, 0, sizeof x);
    CU_ASSERT_EQUAL_FATAL(hw_store_evidence_lines(s, A, got.evidence, lines_cb, &x, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(x.n, 3);
    /* S3.8: the failing resource first, then the passing one */
    CU_ASSERT_STRING_EQUAL(x.text[0], "S3.8 FAILED -|-|1/1|bad-1 us-east-1 FAILED NEW "
                                      "[\"arn:aws:s3:::b\"]|2023-11-14T22:13:20.000Z|"
                                      "2023-11-14T22:15:00.000Z");
    CU_ASSERT_EQUAL(x.now[0], 1700000900000LL);
    CU_ASSERT_PTR_NOT_NULL(strstr(x.text[1], "|good-1 us-east-1 PASSED "));
    /* IAM.3: no findings, one line with the reason and no finding */
    CU_ASSERT_PTR_NOT_NULL(strstr(x.text[2], "IAM.3 NO_DATA "));
    CU_ASSERT_PTR_NOT_NULL(strstr(x.text[2], "|- - - - -|-|-"));
    CU_ASSERT_EQUAL(x.now[2], -1);
    free(got.evidence);
    /* evidence that is not JSON is an error, not an empty answer */
    memset(&x, 0, sizeof x);
    CU_ASSERT_NOT_EQUAL(hw_store_evidence_lines(s, A, "{not json", lines_cb, &x, &e), HW_OK);
    done(s);
}

int test_compliance_register(void)
{
    CU_pSuite s = CU_add_suite("compliance", NULL, NULL);
    if (!s || !CU_add_test(s, "failing since, from the history", test_failing_since) ||
        !CU_add_test(s, "counts per framework", test_summary) ||
        !CU_add_test(s, "a requirement's evidence as lines", test_evidence_lines))
        return -1;
    return 0;
}
