/*
 * sts.c - STS requests with the credentials the caller names:
 * GetCallerIdentity, AssumeRole and the unsigned AssumeRoleWithWebIdentity.
 * Which credentials to use, the cache of assumed roles and the redaction
 * of what comes back are creds.c's.
 */
#include "aws/aws_int.h"

#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

int aws_sts_parse_creds(xmlDocPtr doc, hw_aws_creds *out, hw_err *e)
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
    return HW_OK;
}

int aws_sts_caller_identity(hw_aws_client *c, const hw_aws_ctx *ctx, const hw_aws_creds *cr,
                            hw_aws_identity *id, hw_err *e)
{
    xmlDocPtr doc;
    if (aws_query_exchange(c, ctx, &hw_svc_sts, "GetCallerIdentity", NULL, 0, cr, &doc, e) != HW_OK)
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

int aws_sts_assume_role(hw_aws_client *c, const hw_aws_creds *as, const char *role_arn,
                        const char *external_id, const char *session_name, int duration_s,
                        hw_aws_creds *out, hw_err *e)
{
    char dur[16];
    snprintf(dur, sizeof dur, "%d", duration_s > 0 ? duration_s : 3600);
    hw_aws_param p[4] = { { "RoleArn", role_arn },
                          { "RoleSessionName", session_name ? session_name : "hubwarden" },
                          { "DurationSeconds", dur },
                          { "ExternalId", external_id } };
    size_t n = external_id && *external_id ? 4 : 3;
    xmlDocPtr doc;
    if (aws_query_exchange(c, NULL, &hw_svc_sts, "AssumeRole", p, n, as, &doc, e) != HW_OK)
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
