/*
 * report.h - evidence bundles for auditors: the module's whole contract.
 *
 * `hubwarden report` writes one bundle per framework, DIR/<framework>-<run>/:
 *   report.xml       the evidence, namespace urn:hubwarden:report:1, checked
 *                    against reports/report.xsd, with an enveloped XML
 *                    Signature (RSA-SHA256 or ECDSA P-256, certificate chain
 *                    in KeyInfo) that `xmlsec1 --verify` checks
 *   report.html      rendered from report.xml by templates/report.xsl, so
 *                    that `xsltproc` reproduces it byte for byte
 *   findings.csv     every active finding of the framework's controls
 *   SHA256SUMS       sha256sum -c format, over every other file
 *   SHA256SUMS.p7s   detached CMS signature (DER) of SHA256SUMS
 *
 * The XML is streamed (xml.c): it is written in canonical form (exclusive
 * XML C14N) as it goes, so the digest of the signature is computed over
 * the bytes as they are written and no document is ever held in memory.
 * The schema check (schema.c) streams too.  The HTML (html.c) keeps only
 * the parts of the document its template reads.  A bundle is written in a
 * temporary folder beside DIR and renamed into place (bundle.c); a failure
 * at any step leaves nothing behind.
 *
 * Ownership: hw_signer_load() returns a signer freed by hw_signer_free().
 * Strings passed in are borrowed for the duration of the call.
 */
#ifndef HW_REPORT_H
#define HW_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/catalog.h"
#include "store/store.h"
#include "util/util.h"

#define HW_REPORT_NS "urn:hubwarden:report:1"

/* ------------------------------------------------------------- signing */

typedef struct hw_signer hw_signer;

/*
 * Loads a PEM private key (RSA of at least 2048 bits, or EC P-256), its
 * PEM certificate and optionally a PEM file of further chain certificates.
 * A key file that its group or others may read is refused (HW_EINVAL), as
 * is a certificate that does not match the key.  Errors name the file.
 */
int hw_signer_load(const char *key_file, const char *cert_file, const char *chain_file,
                   hw_signer **out, hw_err *e);
void hw_signer_free(hw_signer *s);

/* The XML Signature algorithm URI of the signer's key. */
const char *hw_signer_xmldsig_alg(const hw_signer *s);
/* Signs data (SHA-256, then RSA PKCS#1 v1.5 or ECDSA): for ECDSA the
 * XML Signature form r||s.  *sig is malloc'd (free()). */
int hw_signer_sign(const hw_signer *s, const void *data, size_t len, unsigned char **sig,
                   size_t *siglen, hw_err *e);
/* Appends the signer's certificate, then the chain, as base64 DER
 * <X509Certificate> elements (canonical XML) to out. */
int hw_signer_x509_xml(const hw_signer *s, hw_buf *out, hw_err *e);
/* Writes a detached CMS signature (DER) of the file at in_path to out_path. */
int hw_signer_cms(const hw_signer *s, const char *in_path, const char *out_path, hw_err *e);

/*
 * `hubwarden keygen`: a development key and self-signed certificate in dir
 * (created 0700 when missing): key.pem (mode 0600), cert.pem.  ec: P-256
 * instead of RSA 3072.  Existing files are not overwritten (HW_EINVAL).
 */
int hw_report_keygen(const char *dir, const char *subject_cn, int days, int ec, hw_err *e);

/* ---------------------------------------------------------- the report */

typedef struct hw_report_opts {
    const char *framework;              /* one framework id, or NULL / "all" */
    const char *from, *to;              /* period, ISO UTC text; NULL: open / now */
    const char *const *accounts;        /* only these accounts (none: all) */
    size_t naccounts;
    const char *const *ous;             /* only accounts under these OUs (id or name path) */
    size_t nous;
    const char *out_dir;                /* bundles go to out_dir/<framework>-<run>/ */
    const char *schema_file;            /* reports/report.xsd */
    const char *template_file;          /* templates/report.xsl */
    const char *version;                /* hubwarden's version */
    int max_age_hours;                  /* a scan older than this is refused ... */
    int allow_stale;                    /* ... unless this is set */
    int64_t now;                        /* epoch seconds (0: the clock) */
    const char *db_path;                /* the store's path, for worker processes */
    int jobs;                           /* bundles written at once (<= 1: one by one) */
} hw_report_opts;

/*
 * Writes the bundles.  Calls done(arg, path) for each bundle written.  A
 * stale scan (run older than max_age_hours) is HW_EINVAL naming its age.
 */
/* Removes the hidden temporary folders that reports whose process is gone
 * left in dir (bundle.c); how many. */
size_t hw_report_clean_dead(const char *dir);

int hw_report_write(hw_store *st, const hw_catalog *cat, const hw_signer *signer,
                    const hw_report_opts *o, void (*done)(void *arg, const char *path),
                    void *arg, hw_err *e);

/* ----------------------------------------------------- the module's parts */

/*
 * Canonical XML text (exclusive C14N, as XML Signature digests it): s made
 * valid (invalid UTF-8 and characters XML 1.0 forbids, control characters
 * but tab and newline, become U+FFFD) and escaped for text content (attr 0)
 * or an attribute value (attr 1), appended to out.  -1 on out of memory.
 */
int hw_xml_escape(hw_buf *out, const char *s, int attr);

/*
 * Streams the report XML for one framework to path (its finding lists
 * from c->pass; findings.csv, every active finding of the framework's
 * controls in the selected accounts, is written by that pass).  The document is
 * written in canonical form; *digest gets SHA-256 of its canonical form
 * (what an enveloped signature's Reference digests) and *body_len the
 * length of the file before the closing "</report>" tag, where the
 * signature is inserted (hw_report_xml_sign).
 */
/* Active findings per account and region. */
struct hw_report_region {
    char *account, *region;
    int64_t findings;
};

/*
 * The one pass over the findings that the bundles of a report share
 * (pass.c): findings.csv of each framework (csv_paths[i]; NULL: none),
 * and in files of a temporary folder beside them (created in tmp_parent,
 * removed by hw_report_pass_free) the canonical <finding> elements of
 * each framework's suppressed findings and of every untrusted finding,
 * and the findings per account and region, all of the accounts the
 * options select.  At most 64 frameworks.
 */
typedef struct hw_report_pass {
    const hw_report_opts *o;
    char *dir;
    struct hw_report_pass_fw {
        const hw_framework *fw;
        char *suppressed_part;
        int64_t nsuppressed;
    } *fws;
    size_t nfw;
    char **csv_paths;
    char *untrusted_part;
    int64_t nuntrusted;
    struct hw_report_region *regions; /* by account, then region */
    size_t nregions;
    char *summary; /* the counts and regions, for other processes */
} hw_report_pass;
int hw_report_pass_run(hw_store *st, const hw_report_opts *o, const hw_framework *const *fws,
                       const char *const *csv_paths, size_t nfw, const char *tmp_parent,
                       hw_report_pass **out, hw_err *e);
/* hw_report_pass_run in two steps, so that another process can make the
 * pass while bundles are written: prepare names the files, fill reads the
 * findings and writes them (the summary last), and a process that did not
 * fill loads the counts and regions from the summary once the filling
 * process has ended (HW_EINTERNAL when it failed). */
int hw_report_pass_prepare(const hw_report_opts *o, const hw_framework *const *fws,
                           const char *const *csv_paths, size_t nfw, const char *tmp_parent,
                           hw_report_pass **out, hw_err *e);
int hw_report_pass_fill(hw_report_pass *p, hw_store *st, hw_err *e);
int hw_report_pass_load(hw_report_pass *p, hw_err *e);
/* The part of fw, or NULL when the pass did not cover it. */
const struct hw_report_pass_fw *hw_report_pass_framework(const hw_report_pass *p,
                                                         const hw_framework *fw);
void hw_report_pass_free(hw_report_pass *p);

/* hw_time_iso_ms (util.h), the same text, faster (the pass formats three
 * times a finding). */
void hw_report_iso_ms(int64_t ms, char out[32]);

/* Whether the options select the account (--account, --ou: an OU id on
 * its path or a prefix of its name path). */
int hw_report_account_wanted(const hw_report_opts *o, const char *id, const char *ou_path,
                             const char *ou_names);

typedef struct hw_report_ctx {
    hw_store *st;
    const hw_catalog *cat;
    const hw_framework *fw;
    const hw_report_opts *o;
    const hw_report_run *run;
    int64_t now;              /* epoch seconds */
    char generated[32];       /* now, ISO UTC */
    char period_from[32];     /* "" when open */
    char period_to[32];
    char catalogue_sha256[65];        /* securityhub-controls.xml */
    char catalogue_folder_sha256[65]; /* hw_catalog_hash of the folder, "" when not known */
    char framework_sha256[65];
    char organization[64];    /* the Organization's id, "" when not known */
    /* the shared pass over the findings; when NULL, hw_report_xml makes
     * one for fw alone (own_pass, freed by hw_report_ctx_release) */
    hw_report_pass *pass;
    /* pass_pending: the pass is being made by another process, which
     * holds the write end of the pipe pass_gate: its end of file says it
     * ended, and the pass is loaded (hw_report_pass_load) before its data
     * is used */
    int pass_pending, pass_gate;
    hw_report_pass *own_pass;
    const char *csv_path; /* findings.csv, written by that own pass, or NULL */
} hw_report_ctx;
void hw_report_ctx_release(hw_report_ctx *c);
int hw_report_xml(hw_report_ctx *c, const char *path, unsigned char digest[32],
                  long *body_len, hw_err *e);
/* hw_report_xml, checking the document against schema_file as it is
 * written: a report that does not match is HW_EINVAL naming the line. */
int hw_report_xml_checked(hw_report_ctx *c, const char *path, const char *schema_file,
                          unsigned char digest[32], long *body_len, hw_err *e);
/* Inserts the enveloped signature over digest at body_len of path. */
int hw_report_xml_sign(const hw_signer *s, const char *path, long body_len,
                       const unsigned char digest[32], hw_err *e);

/* Validates the XML file at path against the schema file, streaming.  The
 * error names the file, line and what is wrong. */
int hw_report_validate(const char *schema_file, const char *path, hw_err *e);
/* The same on a document as it is written: start (name is used in
 * messages), feed every byte in order, finish (HW_EINVAL naming the line
 * when the document does not match; e may be NULL to just clean up).
 * feed is -1 when the checker cannot take more. */
typedef struct hw_validator hw_validator;
int hw_validator_start(const char *schema_file, const char *name, hw_validator **out, hw_err *e);
int hw_validator_feed(hw_validator *v, const void *buf, size_t len);
int hw_validator_finish(hw_validator *v, hw_err *e);

/* Renders xml_path to html_path with the XSLT template (only the parts of
 * the document the template reads are kept in memory). */
int hw_report_html(const char *template_file, const char *xml_path, const char *html_path,
                   hw_err *e);

/* findings.csv (RFC 4180, formula cells defused) is written by pass.c. */
/* One CSV cell, quoted, a leading = + - @ tab or CR defused with "'". */
void hw_csv_cell(hw_buf *out, const char *s);

/* SHA256SUMS over every regular file of dir but SHA256SUMS*, sorted. */
int hw_bundle_sums(const char *dir, hw_err *e);

/* --------------------------------------------------------------- verify */

/* One check's outcome, for `hubwarden verify` to print. */
typedef struct hw_verify_check {
    const char *name; /* "xml-signature", "cms-signature", "sha256sums", "schema", "chain" */
    int ok;
    char detail[512];
} hw_verify_check;

/*
 * Checks a bundle: every file listed in SHA256SUMS and its hash, no file
 * unlisted, the CMS signature over SHA256SUMS, the XML signature of
 * report.xml, report.xml against schema_file, and with trust_file the
 * signer's certificate chain against those CA certificates (without it, the
 * signatures are checked with the certificate the bundle carries).  Calls
 * cb for each check in order; returns HW_OK when all hold, else HW_EINVAL
 * with the first failure in e.
 */
int hw_report_verify(const char *dir, const char *schema_file, const char *trust_file,
                     void (*cb)(void *arg, const hw_verify_check *c), void *arg, hw_err *e);

#endif
