/*
 * sts.c - STS: GetCallerIdentity, AssumeRole (with a per-account cache of
 * credentials until five minutes before they expire) and the unsigned
 * AssumeRoleWithWebIdentity.
 */
#include "aws/aws_int.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

/* Parses STS credentials (<Credentials>) out of a response document. */
static int aws_sts_parse_creds(xmlDocPtr doc, hw_aws_creds *out, hw_err *e)
{
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const char *a = aws_xml_text(root, "AccessKeyId");
    const char *s = aws_xml_text(root, "SecretAccessKey");
    const char *t = aws_xml_text(root, "SessionToken");
    const char *x = aws_xml_text(root, "Expiration");
    if (!a || !s || !t || !x)
        return hw_err_set(e, HW_EAWS, "sts: the response has no Credentials");
    memset(out, 0, sizeof *out);
    snprintf(out->access_key_id, sizeof out->access_key_id, "%s", a);
    snprintf(out->secret_access_key, sizeof out->secret_access_key, "%s", s);
    snprintf(out->session_token, sizeof out->session_token, "%s", t);
    if (hw_time_parse(x, &out->expiration) < 0)
        return hw_err_set(e, HW_EAWS, "sts: Expiration is not a timestamp");
    snprintf(out->source, sizeof out->source, "assume-role");
    aws_protect(out);
    return HW_OK;
}

int hw_aws_get_caller_identity(hw_aws_client *c, const hw_aws_ctx *ctx, hw_aws_identity *id,
                               hw_err *e)
{
    xmlDocPtr doc;
    if (hw_aws_query_call(c, ctx, &hw_svc_sts, "GetCallerIdentity", NULL, 0, &doc, e) != HW_OK)
        return e->kind;
    xmlNodePtr root = xmlDocGetRootElement(doc);
    const char *a = aws_xml_text(root, "Account");
    const char *arn = aws_xml_text(root, "Arn");
    const char *uid = aws_xml_text(root, "UserId");
    int rc = HW_OK;
    if (!a || strlen(a) != 12)
        rc = hw_err_set(e, HW_EAWS, "sts GetCallerIdentity: no Account in the response");
    else {
        snprintf(id->account, sizeof id->account, "%s", a);
        snprintf(id->arn, sizeof id->arn, "%s", arn ? arn : "");
        snprintf(id->user_id, sizeof id->user_id, "%s", uid ? uid : "");
    }
    xmlFreeDoc(doc);
    return rc;
}

int hw_aws_assume_role(hw_aws_client *c, const char *role_arn, const char *external_id,
                       const char *session_name, int duration_s, hw_aws_creds *out, hw_err *e)
{
    char dur[16];
    snprintf(dur, sizeof dur, "%d", duration_s > 0 ? duration_s : 3600);
    hw_aws_param p[4] = { { "RoleArn", role_arn },
                          { "RoleSessionName", session_name ? session_name : "hubwarden" },
                          { "DurationSeconds", dur },
                          { "ExternalId", external_id } };
    size_t n = external_id && *external_id ? 4 : 3;
    xmlDocPtr doc;
    if (hw_aws_query_call(c, NULL, &hw_svc_sts, "AssumeRole", p, n, &doc, e) != HW_OK)
        return e->kind;
    int rc = aws_sts_parse_creds(doc, out, e);
    xmlFreeDoc(doc);
    return rc;
}

int aws_assume_role_web_identity(hw_aws_client *c, const char *role_arn, const char *token,
                                 const char *session, hw_aws_creds *out, hw_err *e)
{
    hw_aws_param p[3] = { { "RoleArn", role_arn },
                          { "RoleSessionName", session ? session : "hubwarden" },
                          { "WebIdentityToken", token } };
    xmlDocPtr doc;
    if (aws_query_unsigned(c, &hw_svc_sts, "AssumeRoleWithWebIdentity", p, 3, &doc, e) != HW_OK)
        return hw_err_prefix(e, "web identity");
    int rc = aws_sts_parse_creds(doc, out, e);
    if (rc == HW_OK)
        snprintf(out->source, sizeof out->source, "web identity");
    xmlFreeDoc(doc);
    return rc;
}

int hw_aws_assume(hw_aws_client *c, const char *account_in, const char *role_in,
                  const char *external_in, hw_err *e)
{
    /* Copies first: a refresh (aws_ctx_creds) passes pointers into the
     * very cache slot that is rewritten below. */
    char account[sizeof c->assumed->account], role_name[sizeof c->assumed->role_name];
    char ext[sizeof c->assumed->external_id];
    snprintf(account, sizeof account, "%s", account_in);
    snprintf(role_name, sizeof role_name, "%s", role_in);
    snprintf(ext, sizeof ext, "%s", external_in ? external_in : "");
    const char *external_id = ext[0] ? ext : NULL;
    struct assumed *slot = NULL;
    for (size_t i = 0; i < c->nassumed; i++)
        if (strcmp(c->assumed[i].account, account) == 0)
            slot = &c->assumed[i];
    if (slot && strcmp(slot->role_name, role_name) == 0 && slot->creds.expiration &&
        hw_now() < slot->creds.expiration - 300)
        return HW_OK;
    char arn[256];
    snprintf(arn, sizeof arn, "arn:%s:iam::%s:role/%s", hw_aws_client_partition(c), account,
             role_name);
    hw_aws_creds cr;
    if (hw_aws_assume_role(c, arn, external_id, c->opt.session_name, 3600, &cr, e) != HW_OK)
        return e->kind;
    if (!slot) {
        struct assumed *p = realloc(c->assumed, (c->nassumed + 1) * sizeof *p);
        if (!p)
            return hw_err_set(e, HW_ENOMEM, "out of memory");
        c->assumed = p;
        slot = &c->assumed[c->nassumed++];
    }
    memset(slot, 0, sizeof *slot);
    snprintf(slot->account, sizeof slot->account, "%s", account);
    snprintf(slot->role_name, sizeof slot->role_name, "%s", role_name);
    snprintf(slot->external_id, sizeof slot->external_id, "%s", ext);
    slot->creds = cr;
    return HW_OK;
}
