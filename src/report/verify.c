/*
 * verify.c - `hubwarden verify`: the checks an auditor would run with
 * xmlsec1, openssl and sha256sum, in one command.
 *
 * The XML signature is checked with xmlsec (the library behind xmlsec1),
 * allowing only what hubwarden signs: one Reference to the whole document
 * (URI=""), the enveloped-signature and exclusive C14N transforms, so that
 * a signature over a part of the document does not pass.  The CMS
 * signature over SHA256SUMS with OpenSSL; every file of the bundle must be
 * listed there with its hash, and no other file may be present.
 */
#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <libxml/parser.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>
#include <xmlsec/crypto.h>
#include <xmlsec/errors.h>
#include <xmlsec/keysmngr.h>
#include <xmlsec/transforms.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

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

static int xmlsec_ready;

static int xmlsec_init(void)
{
    if (xmlsec_ready)
        return 0;
    if (xmlSecInit() < 0)
        return -1;
    if (xmlSecCryptoAppInit(NULL) < 0 || xmlSecCryptoInit() < 0) {
        xmlSecShutdown();
        return -1;
    }
    xmlsec_ready = 1;
    return 0;
}

static char xmlsec_msg[256];

static void xmlsec_error(const char *file, int line, const char *func, const char *obj,
                         const char *subj, int reason, const char *msg)
{
    (void)file;
    (void)line;
    (void)func;
    (void)obj;
    (void)reason;
    if (!xmlsec_msg[0])
        snprintf(xmlsec_msg, sizeof xmlsec_msg, "%s%s%s", subj ? subj : "",
                 subj && msg ? ": " : "", msg ? msg : "");
}

/* The first certificate of the signature's KeyInfo (the signer's). */
static X509 *keyinfo_cert(xmlNodePtr sig)
{
    xmlNodePtr n = xmlSecFindNode(sig, BAD_CAST "X509Certificate", xmlSecDSigNs);
    xmlChar *txt = n ? xmlNodeGetContent(n) : NULL;
    X509 *x = NULL;
    if (!txt)
        return NULL;
    size_t len = strlen((char *)txt), k = 0;
    for (size_t i = 0; i < len; i++)
        if (txt[i] != ' ' && txt[i] != '\n' && txt[i] != '\r' && txt[i] != '\t')
            txt[k++] = txt[i];
    unsigned char *der = malloc(k + 1);
    int n_der = der ? EVP_DecodeBlock(der, txt, (int)k) : -1;
    if (n_der > 0) {
        while (k && txt[k - 1] == '=' && n_der > 0) { /* padding decodes as zero bytes */
            n_der--;
            k--;
        }
        const unsigned char *p = der;
        x = d2i_X509(NULL, &p, n_der);
    }
    free(der);
    xmlFree(txt);
    ERR_clear_error();
    return x;
}

static void check_xml(const char *dir, const char *trust, X509 **signer, hw_verify_check *c)
{
    char *path = hw_asprintf("%s/report.xml", dir);
    xmlDocPtr doc = path ? xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_HUGE) : NULL;
    xmlSecKeysMngrPtr mngr = NULL;
    xmlSecDSigCtxPtr ctx = NULL;
    xmlsec_msg[0] = '\0';
    if (!doc) {
        set(c, 0, "report.xml: missing or not well-formed XML");
        goto out;
    }
    if (xmlsec_init() != 0) {
        set(c, 0, "xmlsec could not be initialised");
        goto out;
    }
    xmlSecErrorsSetCallback(xmlsec_error);
    xmlNodePtr root = xmlDocGetRootElement(doc);
    xmlNodePtr node = root ? xmlSecFindChild(root, xmlSecNodeSignature, xmlSecDSigNs) : NULL;
    if (!node) {
        set(c, 0, "report.xml: no enveloped Signature under the root element");
        goto out;
    }
    mngr = xmlSecKeysMngrCreate();
    if (!mngr || xmlSecCryptoAppDefaultKeysMngrInit(mngr) < 0) {
        set(c, 0, "xmlsec keys manager failed");
        goto out;
    }
    if (trust && xmlSecCryptoAppKeysMngrCertLoad(mngr, trust, xmlSecKeyDataFormatPem,
                                                 xmlSecKeyDataTypeTrusted) < 0) {
        set(c, 0, "%s: not a PEM certificate file", trust);
        goto out;
    }
    ctx = xmlSecDSigCtxCreate(mngr);
    if (!ctx) {
        set(c, 0, "xmlsec context failed");
        goto out;
    }
    if (!trust)
        ctx->keyInfoReadCtx.flags |= XMLSEC_KEYINFO_FLAGS_X509DATA_DONT_VERIFY_CERTS;
    if (xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformEnvelopedId) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformExclC14NId) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformRsaSha256Id) < 0 ||
        xmlSecDSigCtxEnableSignatureTransform(ctx, xmlSecTransformEcdsaSha256Id) < 0 ||
        xmlSecDSigCtxEnableReferenceTransform(ctx, xmlSecTransformSha256Id) < 0) {
        set(c, 0, "xmlsec transforms unavailable");
        goto out;
    }
    if (xmlSecDSigCtxVerify(ctx, node) < 0) {
        set(c, 0, "report.xml: the signature could not be checked: %s",
            xmlsec_msg[0] ? xmlsec_msg : "xmlsec failed");
        goto out;
    }
    if (ctx->status != xmlSecDSigStatusSucceeded) {
        set(c, 0, "report.xml: the XML signature does not verify (the document or the"
                  " signature was changed)");
        goto out;
    }
    xmlSecSize nref = xmlSecPtrListGetSize(&ctx->signedInfoReferences);
    xmlSecDSigReferenceCtxPtr ref =
        nref == 1 ? xmlSecPtrListGetItem(&ctx->signedInfoReferences, 0) : NULL;
    if (!ref || !ref->uri || ref->uri[0] != '\0') {
        set(c, 0, "report.xml: the signature does not cover the whole document");
        goto out;
    }
    *signer = keyinfo_cert(node);
    set(c, 1, "enveloped signature over the whole document verifies%s",
        trust ? " with a trusted certificate" : " with the certificate it carries");
out:
    if (ctx)
        xmlSecDSigCtxDestroy(ctx);
    if (mngr)
        xmlSecKeysMngrDestroy(mngr);
    xmlFreeDoc(doc);
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
