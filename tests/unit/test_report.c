/*
 * test_report.c - the report module: canonical XML text, the streamed
 * report against libxml2's own exclusive C14N (the claim the signature
 * rests on), statuses the module has never heard of, signing keys and
 * their permissions, a whole bundle signed with RSA and with ECDSA and
 * verified, the staleness rule, and CSV cells defused.
 */
#include <CUnit/CUnit.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "catalog/catalog.h"
#include "report/report.h"
#include "store/store.h"

static char dir[64];

static void fresh(void)
{
    snprintf(dir, sizeof dir, "/tmp/hwreportXXXXXX");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mkdtemp(dir));
}

static void cleanup(void)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "cleanup failed\n");
}

static const char *esc(const char *s, int attr)
{
    static hw_buf b;
    hw_buf_free(&b);
    hw_buf_init(&b, 0);
    CU_ASSERT_EQUAL(hw_xml_escape(&b, s, attr), 0);
    return hw_buf_str(&b);
}

static void test_escape(void)
{
    CU_ASSERT_STRING_EQUAL(esc("<script>a & \"b\" ]]> </style>", 0),
                           "&lt;script&gt;a &amp; \"b\" ]]&gt; &lt;/style&gt;");
    CU_ASSERT_STRING_EQUAL(esc("\"><img src=x onerror=alert(1)>", 1),
                           "&quot;>&lt;img src=x onerror=alert(1)>");
    /* tab and newline kept in text, escaped in attributes (C14N) */
    CU_ASSERT_STRING_EQUAL(esc("a\tb\nc", 0), "a\tb\nc");
    CU_ASSERT_STRING_EQUAL(esc("a\tb\nc", 1), "a&#x9;b&#xA;c");
    /* control characters, CR, DEL, C1, invalid UTF-8, overlongs, surrogates,
     * U+FFFE: each becomes U+FFFD */
    CU_ASSERT_STRING_EQUAL(esc("a\x01\x1b\r\x7f" "b", 0),
                           "a\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD" "b");
    CU_ASSERT_STRING_EQUAL(esc("\xC2\x85|\xFF|\xC0\xAF|\xED\xA0\x80|\xEF\xBF\xBE", 0),
                           "\xEF\xBF\xBD|\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD|"
                           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD|"
                           "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    /* valid multi-byte text passes unchanged */
    CU_ASSERT_STRING_EQUAL(esc("Zürich € \xF0\x9F\x94\x92", 0), "Zürich € \xF0\x9F\x94\x92");
    CU_ASSERT_STRING_EQUAL(esc(NULL, 0), "");
}

static void test_csv_cell(void)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_csv_cell(&b, "=HYPERLINK(\"http://x\")");
    hw_buf_putc(&b, ',');
    hw_csv_cell(&b, "+1");
    hw_buf_putc(&b, ',');
    hw_csv_cell(&b, "plain \"quoted\"\r\nline");
    CU_ASSERT_STRING_EQUAL(hw_buf_str(&b),
                           "\"'=HYPERLINK(\"\"http://x\"\")\",\"'+1\","
                           "\"plain \"\"quoted\"\"\r\nline\"");
    hw_buf_free(&b);
}

/* A store with an Organization, one run and evaluations of cis-aws-3.0.0,
 * hostile text in account names and evidence, and the statuses PARTIAL
 * and SUPPRESSED written behind the table's CHECK constraint, as a newer
 * store would hold them. */
static hw_store *make_store(char run_id[64], const char *extra_status)
{
    char db[128];
    snprintf(db, sizeof db, "%s/hw.db", dir);
    hw_store *s = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_store_open(db, HW_STORE_WRITE, 1000, &s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_begin(s, "scan", run_id, &e), HW_OK);
    hw_account_row a1 = { "111111111111", "mgmt <script>x</script>\x01", "m@example.com", "ACTIVE",
                          "r-ab12", "Root", 1 };
    hw_account_row a2 = { "333333333333", "prod \"&\" ]]>", "p@example.com", "ACTIVE",
                          "r-ab12/ou-ab12-prod0001", "Root/Prod", 1 };
    CU_ASSERT_EQUAL(hw_store_account_upsert(s, &a1, run_id, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_account_upsert(s, &a2, run_id, &e), HW_OK);
    const char *ev =
        "[{\"control\":\"IAM.4\",\"passed\":0,\"failed\":2,\"not_available\":0,"
        "\"disabled_in\":[\"eu-west-1\"],\"findings\":[{\"id\":\"f-1 <b>\\u0002\","
        "\"status\":\"FAILED\",\"workflow\":\"NEW\",\"resources\":[\"arn:x:\\\"'<>&\\t\\n\"],"
        "\"first_observed\":\"2026-10-01T08:15:42.118Z\","
        "\"last_observed\":\"2026-11-28T08:15:42.118Z\"}]}]";
    hw_evaluation_row r1 = { run_id, "cis-aws-3.0.0", "1.4", "111111111111", "FAILED", ev };
    hw_evaluation_row r2 = { run_id, "cis-aws-3.0.0", "1.4", "333333333333", "PASSED", "[]" };
    /* the same control under a later requirement: its findings are not repeated */
    hw_evaluation_row r3 = { run_id, "cis-aws-3.0.0", "1.5", "111111111111", "NO_DATA", ev };
    int64_t seq = 0;
    CU_ASSERT_EQUAL(hw_store_begin(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_eval_run_begin(s, run_id, &seq, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_eval_change(s, seq, 0, &r1, NULL, 1, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_eval_change(s, seq, 0, &r2, NULL, 2, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_eval_change(s, seq, 0, &r3, NULL, 3, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_commit(s, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_run_finish(s, run_id, "ok", "{}", &e), HW_OK);
    CU_ASSERT_EQUAL(hw_store_audit_append(s, run_id, "hubwarden", "scan.finished", "{}", &e),
                    HW_OK);
    if (extra_status) {
        sqlite3 *raw;
        CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &raw), SQLITE_OK);
        /* the evaluation's own format: an object with the controls */
        char *sql = sqlite3_mprintf(
            "INSERT INTO eval_interval_rows(framework, requirement, account_id, status, digest,"
            " evidence, from_seq) VALUES ('cis-aws-3.0.0', '1.5', '333333333333', %Q, 4,"
            " '{\"status\":\"PARTIAL\",\"controls\":[{\"control\":\"IAM.9\",\"class\":"
            "\"PARTIAL\",\"passed\":1,\"failed\":1,\"suppressed\":0,\"not_available\":0,"
            "\"reason\":\"passed where enabled\"}]}', %lld);"
            "INSERT INTO eval_interval_rows(framework, requirement, account_id, status, digest,"
            " evidence, from_seq) VALUES ('cis-aws-3.0.0', '1.6', '333333333333', 'SUPPRESSED', 5,"
            " '{\"status\":\"SUPPRESSED\",\"controls\":[]}', %lld);",
            extra_status, (long long)seq, (long long)seq);
        CU_ASSERT_EQUAL(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
        sqlite3_free(sql);
        sqlite3_close(raw);
    }
    return s;
}

static char *slurp(const char *path, size_t *len)
{
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    if (hw_file_read(path, 0, &b, &e) != HW_OK)
        return NULL;
    return hw_buf_detach(&b, len);
}

/* The streamed report is byte for byte libxml2's exclusive C14N of
 * itself, and the digest is SHA-256 of that. */
/* The pass's time text is util's, byte for byte, over the years a
 * finding can carry (and what lies outside them, where it defers). */
static void test_iso_ms(void)
{
    static const int64_t at[] = { 0, 1, 999, 1000, -1, -999, -1000, -1001, 86399999, 86400000,
                                  951782400000LL /* 2000-02-29 */, 4107542399999LL,
                                  253402300799999LL /* 9999-12-31 */, 253402300800000LL,
                                  -62135596800000LL /* year 1 */, -30610224000001LL };
    char a[32], b[32];
    for (size_t i = 0; i < HW_ARRAY_LEN(at); i++) {
        hw_report_iso_ms(at[i], a);
        hw_time_iso_ms(at[i], b);
        CU_ASSERT_STRING_EQUAL(a, b);
    }
    /* every day from 1970 to 2100, at an odd time of day */
    int bad = 0;
    for (int64_t ms = 12345678; ms < 4102444800000LL && bad < 3; ms += 86400000LL + 1) {
        hw_report_iso_ms(ms, a);
        hw_time_iso_ms(ms, b);
        if (strcmp(a, b) != 0) {
            fprintf(stderr, "\n%lld: %s vs %s", (long long)ms, a, b);
            bad++;
        }
    }
    CU_ASSERT_EQUAL(bad, 0);
}

static void test_canonical(void)
{
    fresh();
    char run[64];
    hw_store *s = make_store(run, "PARTIAL");
    hw_catalog *cat = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_catalog_load("controls", &cat, &e), HW_OK);
    hw_report_run rr;
    CU_ASSERT_EQUAL_FATAL(hw_store_report_run(s, NULL, &rr, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(rr.id, run);
    hw_report_opts o = { 0 };
    o.version = "test";
    hw_report_ctx c = { 0 };
    c.st = s;
    c.cat = cat;
    c.fw = hw_catalog_framework(cat, "cis-aws-3.0.0");
    c.o = &o;
    c.run = &rr;
    c.now = hw_now();
    hw_time_iso(c.now, c.generated);
    snprintf(c.period_to, sizeof c.period_to, "%s", c.generated);
    memset(c.catalogue_sha256, 'a', 64);
    memset(c.framework_sha256, 'b', 64);
    char path[128];
    snprintf(path, sizeof path, "%s/report.xml", dir);
    unsigned char digest[32];
    long body = 0;
    CU_ASSERT_EQUAL_FATAL(hw_report_xml(&c, path, digest, &body, &e), HW_OK);
    size_t len = 0;
    char *file = slurp(path, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(file);
    const char *decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    CU_ASSERT_TRUE_FATAL(hw_starts_with(file, decl));
    CU_ASSERT_TRUE(len > 0 && file[len - 1] == '\n');
    CU_ASSERT_EQUAL((size_t)body, len - strlen("</report>\n"));
    xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
    CU_ASSERT_PTR_NOT_NULL_FATAL(doc);
    xmlChar *c14n = NULL;
    int n = xmlC14NDocDumpMemory(doc, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0, &c14n);
    size_t dl = strlen(decl);
    CU_ASSERT_EQUAL((size_t)n, len - dl - 1);
    CU_ASSERT_TRUE(n > 0 && memcmp(c14n, file + dl, (size_t)n) == 0);
    if (n > 0 && memcmp(c14n, file + dl, (size_t)n) != 0) {
        size_t i = 0;
        while (i < (size_t)n && c14n[i] == (xmlChar)file[dl + i])
            i++;
        fprintf(stderr, "\nC14N differs at %zu: '%.60s' vs '%.60s'\n", i, c14n + i,
                file + dl + i);
    }
    unsigned char want[32];
    unsigned wl = 0;
    EVP_Digest(c14n, (size_t)n, want, &wl, EVP_sha256(), NULL);
    CU_ASSERT_EQUAL(memcmp(want, digest, 32), 0);
    xmlFree(c14n);
    xmlFreeDoc(doc);
    /* statuses beyond today's list appear as data, and the schema takes them */
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "<count n=\"1\" status=\"PARTIAL\"></count>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "<count n=\"1\" status=\"SUPPRESSED\"></count>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "requirement=\"1.5\" severity=\"CRITICAL\" status=\"PARTIAL\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "<disabled-in>eu-west-1</disabled-in>"));
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "<resource>arn:x:\"'&lt;&gt;&amp;\t\n</resource>"));
    CU_ASSERT_PTR_NULL(strstr(file, "<script>"));
    const char *once = strstr(file, "id=\"f-1 &lt;b>\xEF\xBF\xBD\"");
    CU_ASSERT_PTR_NOT_NULL(once);
    CU_ASSERT_PTR_NULL(once ? strstr(once + 1, "id=\"f-1 &lt;b>") : NULL);
    CU_ASSERT_PTR_NOT_NULL(strstr(file, "failed=\"2\" findings-in=\"1.4\" id=\"IAM.4\""));
    CU_ASSERT_EQUAL(hw_report_validate("reports/report.xsd", path, &e), HW_OK);
    free(file);
    hw_report_ctx_release(&c);
    hw_catalog_free(cat);
    hw_store_close(s);
    cleanup();
}

static void test_schema_error(void)
{
    fresh();
    char path[128];
    snprintf(path, sizeof path, "%s/bad.xml", dir);
    FILE *f = fopen(path, "w");
    fputs("<?xml version=\"1.0\"?>\n<report xmlns=\"urn:hubwarden:report:1\"\n"
          " framework=\"x\" generated=\"yesterday\" run=\"r\" version=\"1\"/>\n", f);
    fclose(f);
    hw_err e;
    CU_ASSERT_EQUAL(hw_report_validate("reports/report.xsd", path, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "bad.xml:"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "generated"));
    cleanup();
}

static void test_keys(void)
{
    fresh();
    hw_err e;
    char kdir[128], key[160], cert[160];
    snprintf(kdir, sizeof kdir, "%s/keys", dir);
    snprintf(key, sizeof key, "%s/key.pem", kdir);
    snprintf(cert, sizeof cert, "%s/cert.pem", kdir);
    CU_ASSERT_EQUAL_FATAL(hw_report_keygen(kdir, "unit", 1, 1, &e), HW_OK);
    struct stat sb;
    CU_ASSERT_EQUAL(stat(key, &sb), 0);
    CU_ASSERT_EQUAL(sb.st_mode & 0777, 0600);
    /* never overwritten */
    CU_ASSERT_EQUAL(hw_report_keygen(kdir, "unit", 1, 1, &e), HW_EINVAL);
    hw_signer *s = NULL;
    CU_ASSERT_EQUAL(hw_signer_load(key, cert, NULL, &s, &e), HW_OK);
    CU_ASSERT_STRING_EQUAL(hw_signer_xmldsig_alg(s),
                           "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256");
    unsigned char *sig = NULL;
    size_t sl = 0;
    CU_ASSERT_EQUAL(hw_signer_sign(s, "abc", 3, &sig, &sl, &e), HW_OK);
    CU_ASSERT_EQUAL(sl, 64); /* r||s, not DER */
    free(sig);
    hw_signer_free(s);
    /* a key others may read is refused */
    chmod(key, 0640);
    CU_ASSERT_EQUAL(hw_signer_load(key, cert, NULL, &s, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "readable by others"));
    chmod(key, 0600);
    /* a certificate of another key is refused */
    char other[128], ocert[160];
    snprintf(other, sizeof other, "%s/other", dir);
    snprintf(ocert, sizeof ocert, "%s/cert.pem", other);
    CU_ASSERT_EQUAL_FATAL(hw_report_keygen(other, "other", 1, 1, &e), HW_OK);
    CU_ASSERT_EQUAL(hw_signer_load(key, ocert, NULL, &s, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "does not match"));
    CU_ASSERT_EQUAL(hw_signer_load(NULL, cert, NULL, &s, &e), HW_EINVAL);
    cleanup();
}

struct done_list {
    char paths[4][256];
    int n;
};

static void done(void *arg, const char *path)
{
    struct done_list *d = arg;
    if (d->n < 4)
        snprintf(d->paths[d->n++], 256, "%s", path);
}

/* A whole bundle, RSA and ECDSA, verified; staleness; tampering caught. */
static void bundle_with(int ec)
{
    fresh();
    char run[64];
    hw_store *s = make_store(run, NULL);
    hw_catalog *cat = NULL;
    hw_err e;
    CU_ASSERT_EQUAL_FATAL(hw_catalog_load("controls", &cat, &e), HW_OK);
    char kdir[128], key[160], cert[160], out[128];
    snprintf(kdir, sizeof kdir, "%s/keys", dir);
    snprintf(key, sizeof key, "%s/key.pem", kdir);
    snprintf(cert, sizeof cert, "%s/cert.pem", kdir);
    snprintf(out, sizeof out, "%s/out", dir);
    CU_ASSERT_EQUAL_FATAL(hw_report_keygen(kdir, "unit", 1, ec, &e), HW_OK);
    hw_signer *sg = NULL;
    CU_ASSERT_EQUAL_FATAL(hw_signer_load(key, cert, NULL, &sg, &e), HW_OK);
    hw_report_opts o = { 0 };
    o.framework = "cis-aws-3.0.0";
    o.out_dir = out;
    o.schema_file = "reports/report.xsd";
    o.template_file = "templates/report.xsl";
    o.version = "test";
    o.max_age_hours = 36;
    o.now = hw_now() + 37 * 3600; /* the scan is 37 hours old */
    struct done_list d = { 0 };
    CU_ASSERT_EQUAL(hw_report_write(s, cat, sg, &o, done, &d, &e), HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "--allow-stale"));
    CU_ASSERT_EQUAL(d.n, 0);
    o.allow_stale = 1;
    CU_ASSERT_EQUAL_FATAL(hw_report_write(s, cat, sg, &o, done, &d, &e), HW_OK);
    CU_ASSERT_EQUAL_FATAL(d.n, 1);
    hw_err_clear(&e);
    CU_ASSERT_EQUAL(hw_report_verify(d.paths[0], "reports/report.xsd", cert, NULL, NULL, &e),
                    HW_OK);
    if (e.kind)
        fprintf(stderr, "\nverify: %s\n", e.msg);
    /* one changed byte in the signed XML fails the signature */
    char xml[320];
    snprintf(xml, sizeof xml, "%s/report.xml", d.paths[0]);
    size_t len;
    char *txt = slurp(xml, &len);
    CU_ASSERT_PTR_NOT_NULL_FATAL(txt);
    char *p = strstr(txt, "status=\"FAILED\"");
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    p[8] = 'G';
    CU_ASSERT_EQUAL(hw_file_write_atomic(xml, txt, len, 0644, &e), HW_OK);
    free(txt);
    CU_ASSERT_EQUAL(hw_report_verify(d.paths[0], "reports/report.xsd", NULL, NULL, NULL, &e),
                    HW_EINVAL);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "xml-signature"));
    hw_signer_free(sg);
    hw_catalog_free(cat);
    hw_store_close(s);
    cleanup();
}

static void test_bundle_rsa(void)
{
    bundle_with(0);
}

static void test_bundle_ecdsa(void)
{
    bundle_with(1);
}

int test_report_register(void)
{
    CU_pSuite s = CU_add_suite("report", NULL, NULL);
    if (!s)
        return -1;
    if (!CU_add_test(s, "canonical text escaping", test_escape) ||
        !CU_add_test(s, "CSV cells quoted and defused", test_csv_cell) ||
        !CU_add_test(s, "time text of the findings pass", test_iso_ms) ||
        !CU_add_test(s, "streamed XML is its own exclusive C14N; new statuses", test_canonical) ||
        !CU_add_test(s, "schema errors name file and line", test_schema_error) ||
        !CU_add_test(s, "keys: keygen, permissions, mismatch, ECDSA r||s", test_keys) ||
        !CU_add_test(s, "bundle (RSA): stale refused, verified, tamper caught", test_bundle_rsa) ||
        !CU_add_test(s, "bundle (ECDSA): verified, tamper caught", test_bundle_ecdsa))
        return -1;
    return 0;
}
