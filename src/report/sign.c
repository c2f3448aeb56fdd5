/*
 * sign.c - the report's signatures and keys, on OpenSSL.
 *
 * The XML Signature is enveloped (Reference URI="", transforms
 * enveloped-signature then exclusive C14N) over the digest xml.c computed
 * while streaming; SignedInfo is built here directly in its canonical
 * form, so the bytes signed are the bytes written.  xmlsec (verify.c) and
 * `xmlsec1 --verify` check it.  The CMS signature over SHA256SUMS is a
 * detached SignedData in DER that `openssl cms -verify` checks.
 */
#include "report/report.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define ALG_RSA "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_ECDSA "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"

struct hw_signer {
    EVP_PKEY *key;
    X509 *cert;
    STACK_OF(X509) *chain;
    int ec;
};

static int ssl_fail(hw_err *e, int kind, const char *what, const char *file)
{
    char buf[256] = "";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, buf, sizeof buf);
    ERR_clear_error();
    return hw_err_set(e, kind, "%s%s%s%s%s", file ? file : "", file ? ": " : "", what,
                      buf[0] ? ": " : "", buf);
}

void hw_signer_free(hw_signer *s)
{
    if (!s)
        return;
    EVP_PKEY_free(s->key);
    X509_free(s->cert);
    sk_X509_pop_free(s->chain, X509_free);
    free(s);
}

static int read_certs(const char *path, STACK_OF(X509) *into, hw_err *e)
{
    BIO *b = BIO_new_file(path, "r");
    if (!b)
        return hw_err_set(e, HW_EIO, "%s: cannot open: %s", path, strerror(errno));
    X509 *x;
    int n = 0;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
        sk_X509_push(into, x);
        n++;
    }
    ERR_clear_error();
    BIO_free(b);
    if (!n)
        return hw_err_set(e, HW_EINVAL, "%s: no PEM certificate in the file", path);
    return HW_OK;
}

int hw_signer_load(const char *key_file, const char *cert_file, const char *chain_file,
                   hw_signer **out, hw_err *e)
{
    *out = NULL;
    if (!key_file || !*key_file || !cert_file || !*cert_file)
        return hw_err_set(e, HW_EINVAL,
                          "report.key_file and report.cert_file must name the signing key and"
                          " certificate (hubwarden keygen --out DIR makes a development pair)");
    struct stat sb;
    if (stat(key_file, &sb) != 0)
        return hw_err_set(e, HW_EIO, "%s: %s", key_file, strerror(errno));
    if (sb.st_mode & (S_IRWXG | S_IRWXO))
        return hw_err_set(e, HW_EINVAL,
                          "%s: the signing key is readable by others (mode %03o); chmod 600 it",
                          key_file, (unsigned)(sb.st_mode & 0777));
    hw_signer *s = calloc(1, sizeof *s);
    if (!s)
        return hw_err_set(e, HW_ENOMEM, "out of memory");
    int rc = HW_OK;
    BIO *b = BIO_new_file(key_file, "r");
    s->key = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (!s->key) {
        rc = ssl_fail(e, HW_EINVAL, "not a PEM private key (or encrypted)", key_file);
        goto out;
    }
    if (EVP_PKEY_is_a(s->key, "RSA")) {
        if (EVP_PKEY_get_bits(s->key) < 2048) {
            rc = hw_err_set(e, HW_EINVAL, "%s: an RSA key of %d bits; at least 2048 needed",
                            key_file, EVP_PKEY_get_bits(s->key));
            goto out;
        }
    } else if (EVP_PKEY_is_a(s->key, "EC")) {
        char group[64] = "";
        size_t gl = 0;
        EVP_PKEY_get_utf8_string_param(s->key, "group", group, sizeof group, &gl);
        if (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0) {
            rc = hw_err_set(e, HW_EINVAL, "%s: EC key on %s; only P-256 is supported", key_file,
                            group[0] ? group : "an unknown curve");
            goto out;
        }
        s->ec = 1;
    } else {
        rc = hw_err_set(e, HW_EINVAL, "%s: only RSA and EC P-256 keys are supported", key_file);
        goto out;
    }
    s->chain = sk_X509_new_null();
    STACK_OF(X509) *leaf = sk_X509_new_null();
    if (!s->chain || !leaf) {
        sk_X509_free(leaf);
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    rc = read_certs(cert_file, leaf, e);
    if (rc == HW_OK) {
        s->cert = sk_X509_shift(leaf);
        /* further certificates in the cert file are chain certificates */
        X509 *x;
        while ((x = sk_X509_shift(leaf)) != NULL)
            sk_X509_push(s->chain, x);
    }
    sk_X509_pop_free(leaf, X509_free);
    if (rc == HW_OK && chain_file && *chain_file)
        rc = read_certs(chain_file, s->chain, e);
    if (rc == HW_OK && X509_check_private_key(s->cert, s->key) != 1)
        rc = hw_err_set(e, HW_EINVAL, "%s: the certificate does not match the key %s", cert_file,
                        key_file);
    ERR_clear_error();
out:
    if (rc != HW_OK)
        hw_signer_free(s);
    else
        *out = s;
    return rc;
}

const char *hw_signer_xmldsig_alg(const hw_signer *s)
{
    return s->ec ? ALG_ECDSA : ALG_RSA;
}

int hw_signer_sign(const hw_signer *s, const void *data, size_t len, unsigned char **sig,
                   size_t *siglen, hw_err *e)
{
    *sig = NULL;
    *siglen = 0;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t n = 0;
    unsigned char *der = NULL;
    int rc = HW_OK;
    if (!md || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, s->key) != 1 ||
        EVP_DigestSign(md, NULL, &n, data, len) != 1 || !(der = malloc(n)) ||
        EVP_DigestSign(md, der, &n, data, len) != 1) {
        rc = ssl_fail(e, HW_EINTERNAL, "signing failed", NULL);
        goto out;
    }
    if (!s->ec) {
        *sig = der;
        *siglen = n;
        der = NULL;
        goto out;
    }
    /* XML Signature wants ECDSA as r||s, each 32 bytes for P-256 */
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)n);
    unsigned char *rs = malloc(64);
    if (!es || !rs || BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32) != 32 ||
        BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32) != 32) {
        free(rs);
        rc = ssl_fail(e, HW_EINTERNAL, "ECDSA signature conversion failed", NULL);
    } else {
        *sig = rs;
        *siglen = 64;
    }
    ECDSA_SIG_free(es);
out:
    free(der);
    EVP_MD_CTX_free(md);
    return rc;
}

static int b64(hw_buf *out, const unsigned char *d, size_t n)
{
    size_t need = 4 * ((n + 2) / 3) + 1;
    if (hw_buf_reserve(out, need) != 0)
        return -1;
    int w = EVP_EncodeBlock((unsigned char *)out->data + out->len, d, (int)n);
    out->len += (size_t)w;
    out->data[out->len] = '\0';
    return 0;
}

static int cert_xml(hw_buf *out, X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    if (n <= 0)
        return -1;
    int r = hw_buf_puts(out, "<X509Certificate>") || b64(out, der, (size_t)n) ||
            hw_buf_puts(out, "</X509Certificate>");
    OPENSSL_free(der);
    return r ? -1 : 0;
}

int hw_signer_x509_xml(const hw_signer *s, hw_buf *out, hw_err *e)
{
    if (cert_xml(out, s->cert) != 0)
        return hw_err_set(e, HW_ENOMEM, "encoding the certificate failed");
    for (int i = 0; i < sk_X509_num(s->chain); i++)
        if (cert_xml(out, sk_X509_value(s->chain, i)) != 0)
            return hw_err_set(e, HW_ENOMEM, "encoding a chain certificate failed");
    return HW_OK;
}

int hw_report_xml_sign(const hw_signer *s, const char *path, long body_len,
                       const unsigned char digest[32], hw_err *e)
{
    hw_buf si = HW_BUF_INIT(0), sig = HW_BUF_INIT(0);
    unsigned char *sv = NULL;
    size_t svlen = 0;
    int rc = HW_OK;
    /* SignedInfo exactly as exclusive C14N renders it */
    hw_buf_printf(&si,
                  "<SignedInfo xmlns=\"" DSIG_NS "\">"
                  "<CanonicalizationMethod Algorithm=\"" ALG_EXC_C14N "\"></CanonicalizationMethod>"
                  "<SignatureMethod Algorithm=\"%s\"></SignatureMethod>"
                  "<Reference URI=\"\"><Transforms>"
                  "<Transform Algorithm=\"" DSIG_NS "enveloped-signature\"></Transform>"
                  "<Transform Algorithm=\"" ALG_EXC_C14N "\"></Transform>"
                  "</Transforms>"
                  "<DigestMethod Algorithm=\"http://www.w3.org/2001/04/xmlenc#sha256\"></DigestMethod>"
                  "<DigestValue>",
                  hw_signer_xmldsig_alg(s));
    if (b64(&si, digest, 32) != 0 || hw_buf_puts(&si, "</DigestValue></Reference></SignedInfo>")) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hw_signer_sign(s, si.data, si.len, &sv, &svlen, e)) != HW_OK)
        goto out;
    if (hw_buf_puts(&sig, "<Signature xmlns=\"" DSIG_NS "\">") ||
        hw_buf_append(&sig, si.data, si.len) || hw_buf_puts(&sig, "<SignatureValue>") ||
        b64(&sig, sv, svlen) || hw_buf_puts(&sig, "</SignatureValue><KeyInfo><X509Data>")) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = hw_signer_x509_xml(s, &sig, e)) != HW_OK)
        goto out;
    if (hw_buf_puts(&sig, "</X509Data></KeyInfo></Signature></report>\n")) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    int fd = open(path, O_WRONLY);
    if (fd < 0 || ftruncate(fd, body_len) != 0 || lseek(fd, body_len, SEEK_SET) != body_len ||
        write(fd, sig.data, sig.len) != (ssize_t)sig.len || fsync(fd) != 0) {
        rc = hw_err_set(e, HW_EIO, "%s: writing the signature failed: %s", path, strerror(errno));
    }
    if (fd >= 0)
        close(fd);
out:
    free(sv);
    hw_buf_free(&si);
    hw_buf_free(&sig);
    return rc;
}

int hw_signer_cms(const hw_signer *s, const char *in_path, const char *out_path, hw_err *e)
{
    BIO *in = BIO_new_file(in_path, "rb");
    if (!in)
        return hw_err_set(e, HW_EIO, "%s: cannot open: %s", in_path, strerror(errno));
    int rc = HW_OK;
    CMS_ContentInfo *cms = CMS_sign(s->cert, s->key, s->chain, in, CMS_DETACHED | CMS_BINARY);
    BIO *out = NULL;
    if (!cms) {
        rc = ssl_fail(e, HW_EINTERNAL, "CMS signing failed", in_path);
        goto done;
    }
    out = BIO_new_file(out_path, "wb");
    if (!out || i2d_CMS_bio(out, cms) != 1 || BIO_flush(out) != 1)
        rc = ssl_fail(e, HW_EIO, "writing the CMS signature failed", out_path);
done:
    BIO_free(out);
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    return rc;
}

/* --------------------------------------------------------------- keygen */

static int add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int r = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return r == 1 ? 0 : -1;
}

static int write_new(const char *path, int mode, const char *data, size_t len, hw_err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd < 0)
        return hw_err_set(e, errno == EEXIST ? HW_EINVAL : HW_EIO, "%s: %s", path,
                          errno == EEXIST ? "exists; not overwritten" : strerror(errno));
    int ok = fchmod(fd, (mode_t)mode) == 0 && write(fd, data, len) == (ssize_t)len &&
             fsync(fd) == 0;
    close(fd);
    if (!ok) {
        unlink(path);
        return hw_err_set(e, HW_EIO, "%s: writing failed", path);
    }
    return HW_OK;
}

static char *bio_text(BIO *b, size_t *len)
{
    char *p = NULL;
    long n = BIO_get_mem_data(b, &p);
    *len = n > 0 ? (size_t)n : 0;
    return p;
}

int hw_report_keygen(const char *dir, const char *subject_cn, int days, int ec, hw_err *e)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return hw_err_set(e, HW_EIO, "%s: %s", dir, strerror(errno));
    char *kpath = hw_asprintf("%s/key.pem", dir), *cpath = hw_asprintf("%s/cert.pem", dir);
    EVP_PKEY *key = NULL;
    X509 *x = NULL;
    BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
    int rc = HW_OK;
    if (!kpath || !cpath || !kb || !cb) {
        rc = hw_err_set(e, HW_ENOMEM, "out of memory");
        goto out;
    }
    if (hw_file_exists(kpath) || hw_file_exists(cpath)) {
        rc = hw_err_set(e, HW_EINVAL, "%s: key.pem or cert.pem exists; not overwritten", dir);
        goto out;
    }
    key = ec ? EVP_EC_gen("P-256") : EVP_RSA_gen(3072);
    x = X509_new();
    if (!key || !x) {
        rc = ssl_fail(e, HW_EINTERNAL, "key generation failed", NULL);
        goto out;
    }
    unsigned char serial[16];
    FILE *ur = fopen("/dev/urandom", "rb");
    size_t got = ur ? fread(serial, 1, sizeof serial, ur) : 0;
    if (ur)
        fclose(ur);
    serial[0] &= 0x7F;
    BIGNUM *bn = got == sizeof serial ? BN_bin2bn(serial, sizeof serial, NULL) : NULL;
    X509_NAME *name = X509_get_subject_name(x);
    if (!bn || X509_set_version(x, 2) != 1 ||
        !BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) ||
        !X509_gmtime_adj(X509_getm_notBefore(x), -300) ||
        !X509_gmtime_adj(X509_getm_notAfter(x), (long)days * 86400) ||
        X509_set_pubkey(x, key) != 1 ||
        X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)"hubwarden",
                                   -1, -1, 0) != 1 ||
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)subject_cn,
                                   -1, -1, 0) != 1 ||
        X509_set_issuer_name(x, name) != 1 ||
        add_ext(x, NID_basic_constraints, "critical,CA:TRUE") != 0 ||
        add_ext(x, NID_key_usage, "critical,digitalSignature,nonRepudiation,keyCertSign") != 0 ||
        add_ext(x, NID_subject_key_identifier, "hash") != 0 ||
        X509_sign(x, key, EVP_sha256()) <= 0) {
        BN_free(bn);
        rc = ssl_fail(e, HW_EINTERNAL, "making the certificate failed", NULL);
        goto out;
    }
    BN_free(bn);
    if (PEM_write_bio_PrivateKey(kb, key, NULL, NULL, 0, NULL, NULL) != 1 ||
        PEM_write_bio_X509(cb, x) != 1) {
        rc = ssl_fail(e, HW_EINTERNAL, "encoding the key failed", NULL);
        goto out;
    }
    size_t klen, clen;
    char *kt = bio_text(kb, &klen), *ct = bio_text(cb, &clen);
    rc = write_new(kpath, 0600, kt, klen, e);
    if (rc == HW_OK && (rc = write_new(cpath, 0644, ct, clen, e)) != HW_OK)
        unlink(kpath);
out:
    BIO_free(kb);
    BIO_free(cb);
    X509_free(x);
    EVP_PKEY_free(key);
    free(kpath);
    free(cpath);
    return rc;
}
