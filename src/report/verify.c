/*
 * verify.c - `hubwarden verify`: the checks an auditor would run with
 * xmlsec1, openssl and sha256sum, in one command.
 *
 * The XML signature is checked as `xmlsec1 --verify` checks it, allowing
 * only what hubwarden signs: one Reference to the whole document (URI=""),
 * the enveloped-signature and exclusive C14N transforms, so that a
 * signature over a part of the document does not pass; the document is
 * streamed, never loaded (below).  The CMS
 * signature over SHA256SUMS with OpenSSL; every file of the bundle must be
 * listed there with its hash, and no other file may be present.
 */
#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <openssl/cms.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

static void set(hw_verify_check *c, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set(hw_verify_check *c, int ok, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
    c->ok = ok;
}

static const char *ssl_error(char *buf, size_t n)
{
    unsigned long code = ERR_get_error();
    buf[0] = '\0';
    if (code)
        ERR_error_string_n(code, buf, n);
    ERR_clear_error();
    return buf[0] ? buf : "no detail";
}

/* ---------------------------------------------------------- SHA256SUMS */

static int listed(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return 1;
    return 0;
}

static void check_sums(const char *dir, hw_verify_check *c)
{
    char *path = hw_asprintf("%s/SHA256SUMS", dir);
    hw_buf b = HW_BUF_INIT(0);
    hw_err e;
    char **names = NULL;
    size_t n = 0;
    if (!path || hw_file_read(path, 16 << 20, &b, &e) != HW_OK) {
        set(c, 0, "SHA256SUMS: cannot read");
        goto out;
    }
    int lineno = 0;
    for (char *p = b.data; p && *p;) {
        char *eol = strchr(p, '\n');
        if (!eol) {
            set(c, 0, "SHA256SUMS line %d: no newline at the end", lineno + 1);
            goto out;
        }
        *eol = '\0';
        lineno++;
        size_t hl = strspn(p, "0123456789abcdef");
        const char *name = p + 66;
        if (hl != 64 || strncmp(p + 64, "  ", 2) != 0 || !*name || strchr(name, '/') ||
            name[0] == '.' || hw_starts_with(name, "SHA256SUMS")) {
            set(c, 0, "SHA256SUMS line %d: not '<sha256>  <file name>'", lineno);
            goto out;
        }
        char *fp = hw_asprintf("%s/%s", dir, name);
        char hex[65];
        FILE *f = fp ? fopen(fp, "rb") : NULL;
        if (!f) {
            set(c, 0, "%s: listed in SHA256SUMS but missing", name);
            free(fp);
            goto out;
        }
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_DigestInit_ex(md, EVP_sha256(), NULL);
        unsigned char buf[1 << 15];
        size_t got;
        while ((got = fread(buf, 1, sizeof buf, f)) > 0)
            EVP_DigestUpdate(md, buf, got);
        fclose(f);
        free(fp);
        unsigned char d[32];
        unsigned dl;
        EVP_DigestFinal_ex(md, d, &dl);
        EVP_MD_CTX_free(md);
        for (int i = 0; i < 32; i++)
            snprintf(hex + 2 * i, 3, "%02x", d[i]);
        if (strncmp(hex, p, 64) != 0) {
            set(c, 0, "%s: SHA-256 differs from SHA256SUMS (the file was changed)", name);
            goto out;
        }
        char **np = realloc(names, (n + 1) * sizeof *np);
        if (!np) {
            set(c, 0, "out of memory");
            goto out;
        }
        names = np;
        names[n++] = strdup(name);
        p = eol + 1;
    }
    DIR *d = opendir(dir);
    if (!d) {
        set(c, 0, "%s: %s", dir, strerror(errno));
        goto out;
    }
    struct dirent *de;
    const char *extra = NULL;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
            strcmp(de->d_name, "SHA256SUMS") == 0 || strcmp(de->d_name, "SHA256SUMS.p7s") == 0)
            continue;
        if (!listed(names, n, de->d_name)) {
            static char name[256];
            snprintf(name, sizeof name, "%s", de->d_name);
            extra = name;
            break;
        }
    }
    closedir(d);
    if (extra)
        set(c, 0, "%s: not listed in SHA256SUMS (a file was added)", extra);
    else if (!listed(names, n, "report.xml"))
        set(c, 0, "report.xml is not listed in SHA256SUMS");
    else
        set(c, 1, "%zu files, every hash matches, no file unlisted", n);
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    hw_buf_free(&b);
    free(path);
}

/* --------------------------------------------------------------- CMS */

static X509_STORE *load_trust(const char *file, char *err, size_t errn)
{
    X509_STORE *st = X509_STORE_new();
    if (!st || X509_STORE_load_file(st, file) != 1) {
        snprintf(err, errn, "%s: no usable CA certificates", file);
        X509_STORE_free(st);
        ERR_clear_error();
        return NULL;
    }
    return st;
}

/* with_store: verify the signer's chain too (the "chain" check). */
static void check_cms(const char *dir, const char *trust, int with_store, X509 *xml_signer,
                      hw_verify_check *c)
{
    char *sp = hw_asprintf("%s/SHA256SUMS.p7s", dir), *cp = hw_asprintf("%s/SHA256SUMS", dir);
    BIO *sig = sp ? BIO_new_file(sp, "rb") : NULL, *content = cp ? BIO_new_file(cp, "rb") : NULL;
    CMS_ContentInfo *cms = sig ? d2i_CMS_bio(sig, NULL) : NULL;
    X509_STORE *st = NULL;
    char err[256];
    if (!sig || !content) {
        set(c, 0, "%s missing", !sig ? "SHA256SUMS.p7s" : "SHA256SUMS");
        goto out;
    }
    if (!cms) {
        set(c, 0, "SHA256SUMS.p7s: not a DER CMS signature: %s", ssl_error(err, sizeof err));
        goto out;
    }
    if (with_store && !(st = load_trust(trust, err, sizeof err))) {
        set(c, 0, "%s", err);
        goto out;
    }
    unsigned flags = CMS_BINARY | CMS_DETACHED | (with_store ? 0 : CMS_NO_SIGNER_CERT_VERIFY);
    if (CMS_verify(cms, NULL, st, content, NULL, flags) != 1) {
        set(c, 0, "SHA256SUMS.p7s does not verify%s: %s",
            with_store ? " against the trusted certificates" : "", ssl_error(err, sizeof err));
        goto out;
    }
    STACK_OF(X509) *signers = CMS_get0_signers(cms);
    int same = xml_signer && sk_X509_num(signers) == 1 &&
               X509_cmp(sk_X509_value(signers, 0), xml_signer) == 0;
    sk_X509_free(signers);
    if (!same)
        set(c, 0, "SHA256SUMS.p7s is not signed by the certificate that signs report.xml");
    else if (with_store)
        set(c, 1, "the signer's certificate chains to %s", trust);
    else
        set(c, 1, "SHA256SUMS.p7s signs SHA256SUMS");
out:
    X509_STORE_free(st);
    CMS_ContentInfo_free(cms);
    BIO_free(sig);
    BIO_free(content);
    free(sp);
    free(cp);
}

/* ------------------------------------------------------- XML signature */

/*
 * The enveloped signature is checked without loading the document, which
 * for a large report would take gigabytes: hubwarden writes report.xml in
 * canonical form with the Signature inserted just before the closing tag,
 * so the Reference's digest (enveloped-signature, then exclusive C14N) is
 * SHA-256 of the bytes between the XML declaration and the Signature, and
 * "</report>".  The check streams those bytes; the Signature element alone
 * (a few KB) is parsed, held to exactly the form hubwarden signs (one
 * Reference to the whole document, those two transforms, SHA-256), its
 * SignedInfo canonicalised by libxml2 and its SignatureValue checked
 * against the certificate in KeyInfo.  Where the file's bytes are not the
 * canonical bytes signed, the digest differs and the check fails, so it
 * never accepts a document that `xmlsec1 --verify` would reject; the
 * prolog and what follows the Signature must be exactly as written, so
 * nothing outside the digest (a DOCTYPE, say) can change what the
 * document means.
 */
#define DSIG_NS "http://www.w3.org/2000/09/xmldsig#"
#define ALG_EXC_C14N "http://www.w3.org/2001/10/xml-exc-c14n#"
#define ALG_RSA "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
#define ALG_ECDSA "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
#define XML_DECL "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
#define SIG_OPEN "<Signature xmlns=\"" DSIG_NS "\">"
#define DOC_END "</report>\n"
#define SIG_TAIL_MAX (1 << 20) /* the Signature with its certificates, at most */

static int is_dsig(xmlNodePtr n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, DSIG_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* The next element child after n (NULL: first), skipping whitespace text;
 * anything else (text, comments, PIs) makes *bad. */
static xmlNodePtr next_elem(xmlNodePtr parent, xmlNodePtr n, int *bad)
{
    for (xmlNodePtr c = n ? n->next : parent->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE)
            return c;
        if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c))
            continue;
        *bad = 1;
    }
    return NULL;
}

static int has_alg(xmlNodePtr n, const char *alg)
{
    xmlChar *a = xmlGetNoNsProp(n, BAD_CAST "Algorithm");
    int ok = a && strcmp((const char *)a, alg) == 0;
    xmlFree(a);
    return ok;
}

static int no_children(xmlNodePtr n)
{
    int bad = 0;
    return next_elem(n, NULL, &bad) == NULL && !bad;
}

/* The text of n without whitespace, base64-decoded into out (at most n). */
static int b64_decode(xmlNodePtr node, unsigned char *out, size_t max, size_t *len)
{
    xmlChar *txt = xmlNodeGetContent(node);
    if (!txt)
        return -1;
    size_t k = 0, n = strlen((char *)txt);
    for (size_t i = 0; i < n; i++)
        if (!strchr(" \t\r\n", txt[i]))
            txt[k++] = txt[i];
    txt[k] = '\0';
    int rc = -1;
    if (k % 4 == 0 && k / 4 * 3 <= max + 2) {
        unsigned char *buf = malloc(k / 4 * 3 + 1);
        int got = buf ? EVP_DecodeBlock(buf, txt, (int)k) : -1;
        if (got >= 0) {
            size_t pad = (k && txt[k - 1] == '=') + (k > 1 && txt[k - 2] == '=');
            if ((size_t)got >= pad && (size_t)got - pad <= max) {
                *len = (size_t)got - pad;
                memcpy(out, buf, *len);
                rc = 0;
            }
        }
        free(buf);
    }
    xmlFree(txt);
    return rc;
}

/* What the Signature must say: *method the SignatureMethod (1 RSA, 2
 * ECDSA), digest the DigestValue; NULL when it is as hubwarden signs,
 * else what differs. */
static const char *signature_form(xmlNodePtr sig, xmlNodePtr *signed_info, xmlNodePtr *value,
                                  int *method, unsigned char digest[32])
{
    int bad = 0;
    xmlNodePtr si = next_elem(sig, NULL, &bad);
    xmlNodePtr sv = si ? next_elem(sig, si, &bad) : NULL;
    xmlNodePtr ki = sv ? next_elem(sig, sv, &bad) : NULL;
    if (!is_dsig(si, "SignedInfo") || !is_dsig(sv, "SignatureValue") ||
        (ki && (!is_dsig(ki, "KeyInfo") || next_elem(sig, ki, &bad))) || bad)
        return "the Signature is not SignedInfo, SignatureValue and KeyInfo";
    xmlNodePtr cm = next_elem(si, NULL, &bad), sm = cm ? next_elem(si, cm, &bad) : NULL;
    xmlNodePtr ref = sm ? next_elem(si, sm, &bad) : NULL;
    if (!is_dsig(cm, "CanonicalizationMethod") || !has_alg(cm, ALG_EXC_C14N) ||
        !no_children(cm))
        return "SignedInfo is not canonicalised with exclusive C14N";
    if (!is_dsig(sm, "SignatureMethod") || !no_children(sm) ||
        !(*method = has_alg(sm, ALG_RSA) ? 1 : has_alg(sm, ALG_ECDSA) ? 2 : 0))
        return "the SignatureMethod is not RSA-SHA256 or ECDSA-SHA256";
    if (!is_dsig(ref, "Reference") || next_elem(si, ref, &bad) || bad)
        return "the signature does not have exactly one Reference";
    xmlChar *uri = xmlGetNoNsProp(ref, BAD_CAST "URI");
    int whole = uri && uri[0] == '\0';
    xmlFree(uri);
    if (!whole || ref->properties->next)
        return "the signature does not cover the whole document";
    xmlNodePtr tr = next_elem(ref, NULL, &bad), dm = tr ? next_elem(ref, tr, &bad) : NULL;
    xmlNodePtr dv = dm ? next_elem(ref, dm, &bad) : NULL;
    xmlNodePtr t1 = is_dsig(tr, "Transforms") ? next_elem(tr, NULL, &bad) : NULL;
    xmlNodePtr t2 = t1 ? next_elem(tr, t1, &bad) : NULL;
    if (!is_dsig(t1, "Transform") || !has_alg(t1, DSIG_NS "enveloped-signature") ||
        !no_children(t1) || !is_dsig(t2, "Transform") || !has_alg(t2, ALG_EXC_C14N) ||
        !no_children(t2) || next_elem(tr, t2, &bad) || bad)
        return "the Reference's transforms are not enveloped-signature and exclusive C14N";
    size_t dl = 0;
    if (!is_dsig(dm, "DigestMethod") || !has_alg(dm, "http://www.w3.org/2001/04/xmlenc#sha256") ||
        !no_children(dm) || !is_dsig(dv, "DigestValue") || next_elem(ref, dv, &bad) || bad ||
        b64_decode(dv, digest, 32, &dl) != 0 || dl != 32)
        return "the Reference's digest is not one SHA-256 value";
    *signed_info = si;
    *value = sv;
    return NULL;
}

/* Exclusive C14N of SignedInfo alone (its subtree, in its context). */
static xmlNodePtr c14n_root;

static int in_signed_info(void *arg, xmlNodePtr node, xmlNodePtr parent)
{
    (void)arg;
    xmlNodePtr n = node && node->type == XML_NAMESPACE_DECL ? parent : node;
    for (; n; n = n->parent)
        if (n == c14n_root)
            return 1;
    return 0;
}

static int signed_info_c14n(xmlDocPtr doc, xmlNodePtr si, hw_buf *out)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlOutputBufferPtr ob = buf ? xmlOutputBufferCreateBuffer(buf, NULL) : NULL;
    c14n_root = si;
    int rc = ob && xmlC14NExecute(doc, in_signed_info, NULL, XML_C14N_EXCLUSIVE_1_0, NULL, 0,
                                  ob) >= 0
                 ? 0
                 : -1;
    if (ob)
        xmlOutputBufferClose(ob);
    if (rc == 0 && hw_buf_append(out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf)) != 0)
        rc = -1;
    xmlBufferFree(buf);
    return rc;
}

/* SignatureValue over the canonical SignedInfo with the key of cert. */
static int signature_ok(X509 *cert, int method, const hw_buf *si, const unsigned char *sv,
                        size_t svlen)
{
    EVP_PKEY *key = X509_get0_pubkey(cert);
    if (!key || (method == 1) != (EVP_PKEY_base_id(key) == EVP_PKEY_RSA) ||
        (method == 2) != (EVP_PKEY_base_id(key) == EVP_PKEY_EC))
        return 0;
    unsigned char *der = NULL;
    int derlen = 0;
    if (method == 2) { /* XML Signature's r||s to DER */
        if (svlen != 64)
            return 0;
        ECDSA_SIG *es = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sv, 32, NULL), *s = BN_bin2bn(sv + 32, 32, NULL);
        if (!es || !r || !s || ECDSA_SIG_set0(es, r, s) != 1) {
            BN_free(r);
            BN_free(s);
            ECDSA_SIG_free(es);
            return 0;
        }
        derlen = i2d_ECDSA_SIG(es, &der);
        ECDSA_SIG_free(es);
        if (derlen <= 0)
            return 0;
        sv = der;
        svlen = (size_t)derlen;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = md && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, sv, svlen, (const unsigned char *)si->data, si->len) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    ERR_clear_error();
    return ok;
}

/* The certificates of KeyInfo, the signer's first. */
static STACK_OF(X509) *keyinfo_certs(xmlNodePtr sig)
{
    STACK_OF(X509) *certs = sk_X509_new_null();
    for (xmlNodePtr ki = sig->children; certs && ki; ki = ki->next) {
        if (!is_dsig(ki, "KeyInfo"))
            continue;
        for (xmlNodePtr xd = ki->children; xd; xd = xd->next) {
            if (!is_dsig(xd, "X509Data"))
                continue;
            for (xmlNodePtr c = xd->children; c; c = c->next) {
                if (!is_dsig(c, "X509Certificate"))
                    continue;
                static unsigned char der[1 << 16];
                size_t n = 0;
                const unsigned char *p = der;
                X509 *x = b64_decode(c, der, sizeof der, &n) == 0
                              ? d2i_X509(NULL, &p, (long)n)
                              : NULL;
                if (x && !sk_X509_push(certs, x))
                    X509_free(x);
            }
        }
    }
    ERR_clear_error();
    return certs;
}

static int chain_ok(STACK_OF(X509) *certs, const char *trust, char *err, size_t errn)
{
    X509_STORE *st = load_trust(trust, err, errn);
    X509_STORE_CTX *ctx = st ? X509_STORE_CTX_new() : NULL;
    int ok = ctx && X509_STORE_CTX_init(ctx, st, sk_X509_value(certs, 0), certs) == 1 &&
             X509_verify_cert(ctx) == 1;
    if (ctx && !ok)
        snprintf(err, errn, "the signer's certificate does not chain to %s: %s", trust,
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(st);
    ERR_clear_error();
    return ok;
}

/* SHA-256 of report.xml's bytes [from, to) and "</report>". */
static int body_digest(FILE *f, long from, long to, unsigned char d[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 && fseek(f, from, SEEK_SET) == 0
                 ? 0
                 : -1;
    static unsigned char buf[1 << 16];
    for (long left = to - from; rc == 0 && left > 0;) {
        size_t want = left < (long)sizeof buf ? (size_t)left : sizeof buf;
        size_t got = fread(buf, 1, want, f);
        if (got != want)
            rc = -1;
        else
            EVP_DigestUpdate(md, buf, got);
        left -= (long)got;
    }
    unsigned dl = 0;
    if (rc == 0 && (EVP_DigestUpdate(md, "</report>", 9) != 1 ||
                    EVP_DigestFinal_ex(md, d, &dl) != 1 || dl != 32))
        rc = -1;
    EVP_MD_CTX_free(md);
    return rc;
}

/* The Signature element's bytes at the end of report.xml (*sig, malloc'd)
 * and where it starts; NULL when the file is not as hubwarden writes it. */
static const char *find_signature(FILE *f, char **sig, size_t *siglen, long *start)
{
    char decl[sizeof XML_DECL - 1];
    if (fread(decl, 1, sizeof decl, f) != sizeof decl ||
        memcmp(decl, XML_DECL, sizeof decl) != 0)
        return "report.xml does not start with the XML declaration hubwarden writes";
    if (fseek(f, 0, SEEK_END) != 0)
        return "report.xml cannot be read";
    long size = ftell(f);
    long tail = size < SIG_TAIL_MAX ? size : SIG_TAIL_MAX;
    char *buf = malloc((size_t)tail + 1);
    if (!buf || fseek(f, size - tail, SEEK_SET) != 0 || fread(buf, 1, (size_t)tail, f) != (size_t)tail) {
        free(buf);
        return "report.xml cannot be read";
    }
    buf[tail] = '\0';
    static const char end[] = "</Signature>" DOC_END;
    char *open = memmem(buf, (size_t)tail, SIG_OPEN, strlen(SIG_OPEN));
    if (!open || (size_t)tail < strlen(end) ||
        memcmp(buf + tail - strlen(end), end, strlen(end)) != 0 ||
        (size_t)(size - tail + (open - buf)) < sizeof XML_DECL - 1) {
        free(buf);
        return "report.xml: no enveloped Signature just before the closing </report>";
    }
    *start = size - tail + (long)(open - buf);
    *siglen = (size_t)(buf + tail - strlen(DOC_END) - open);
    memmove(buf, open, *siglen);
    buf[*siglen] = '\0';
    *sig = buf;
    return NULL;
}

static void check_xml(const char *dir, const char *trust, X509 **signer, hw_verify_check *c)
{
    char *path = hw_asprintf("%s/report.xml", dir);
    FILE *f = path ? fopen(path, "rb") : NULL;
    char *sigtext = NULL;
    size_t siglen = 0;
    long start = 0;
    xmlDocPtr sdoc = NULL;
    STACK_OF(X509) *certs = NULL;
    hw_buf si = HW_BUF_INIT(0);
    const char *why;
    if (!f) {
        set(c, 0, "report.xml: missing or unreadable");
        goto out;
    }
    if ((why = find_signature(f, &sigtext, &siglen, &start)) != NULL) {
        set(c, 0, "%s", why);
        goto out;
    }
    sdoc = xmlReadMemory(sigtext, (int)siglen, "Signature", NULL, XML_PARSE_NONET);
    xmlNodePtr sig = sdoc ? xmlDocGetRootElement(sdoc) : NULL;
    if (!sig || !is_dsig(sig, "Signature") || sdoc->intSubset) {
        set(c, 0, "report.xml: the Signature is not well-formed XML");
        goto out;
    }
    xmlNodePtr signed_info = NULL, value = NULL;
    int method = 0;
    unsigned char want[32], got[32], sv[1024];
    size_t svlen = 0;
    if ((why = signature_form(sig, &signed_info, &value, &method, want)) != NULL) {
        set(c, 0, "report.xml: %s", why);
        goto out;
    }
    certs = keyinfo_certs(sig);
    if (!certs || sk_X509_num(certs) < 1) {
        set(c, 0, "report.xml: no X509Certificate in the signature's KeyInfo");
        goto out;
    }
    if (b64_decode(value, sv, sizeof sv, &svlen) != 0 || signed_info_c14n(sdoc, signed_info, &si) != 0 ||
        !signature_ok(sk_X509_value(certs, 0), method, &si, sv, svlen)) {
        set(c, 0, "report.xml: the XML signature does not verify (the signature was changed)");
        goto out;
    }
    if (body_digest(f, (long)sizeof XML_DECL - 1, start, got) != 0) {
        set(c, 0, "report.xml: cannot be read");
        goto out;
    }
    if (memcmp(got, want, 32) != 0) {
        set(c, 0, "report.xml: the XML signature does not verify (the document was changed)");
        goto out;
    }
    char err[512];
    if (trust && !chain_ok(certs, trust, err, sizeof err)) {
        set(c, 0, "report.xml: %s", err);
        goto out;
    }
    *signer = X509_dup(sk_X509_value(certs, 0));
    set(c, 1, "enveloped signature over the whole document verifies%s",
        trust ? " with a trusted certificate" : " with the certificate it carries");
out:
    sk_X509_pop_free(certs, X509_free);
    hw_buf_free(&si);
    xmlFreeDoc(sdoc);
    free(sigtext);
    if (f)
        fclose(f);
    free(path);
}

/* -------------------------------------------------------------- all */

int hw_report_verify(const char *dir, const char *schema_file, const char *trust_file,
                     void (*cb)(void *arg, const hw_verify_check *c), void *arg, hw_err *e)
{
    hw_verify_check checks[5];
    size_t n = 0;
    memset(checks, 0, sizeof checks);
    X509 *signer = NULL;
    checks[n].name = "xml-signature";
    check_xml(dir, trust_file, &signer, &checks[n++]);
    checks[n].name = "cms-signature";
    check_cms(dir, NULL, 0, signer, &checks[n++]);
    checks[n].name = "sha256sums";
    check_sums(dir, &checks[n++]);
    checks[n].name = "schema";
    char *xml = hw_asprintf("%s/report.xml", dir);
    hw_err ve;
    hw_err_clear(&ve);
    if (xml && hw_report_validate(schema_file, xml, &ve) == HW_OK)
        set(&checks[n], 1, "report.xml matches %s", schema_file);
    else
        set(&checks[n], 0, "%s", ve.msg);
    free(xml);
    n++;
    if (trust_file) {
        checks[n].name = "chain";
        check_cms(dir, trust_file, 1, signer, &checks[n++]);
    }
    X509_free(signer);
    const hw_verify_check *first = NULL;
    for (size_t i = 0; i < n; i++) {
        if (cb)
            cb(arg, &checks[i]);
        if (!checks[i].ok && !first)
            first = &checks[i];
    }
    if (first)
        return hw_err_set(e, HW_EINVAL, "%s: %s: %s", dir, first->name, first->detail);
    return HW_OK;
}
