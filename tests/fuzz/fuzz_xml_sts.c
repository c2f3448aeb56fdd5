/*
 * fuzz_xml_sts.c - libFuzzer target: STS's XML responses (Query
 * protocol): GetCallerIdentity, AssumeRole (with the base credentials and
 * into an account through the client's cache), then GetCallerIdentity in
 * that account; and the Query error parser.  Whatever is accepted must be
 * what the client's fields can hold: a 12-character account, credentials
 * that expire.  Answers come from the input (xml_answers.h).
 */
#include "xml_answers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hw_aws_client *c = fz_client(0);
    fz_answers(data, size);
    hw_err e;
    hw_err_clear(&e);
    hw_aws_identity id;
    memset(&id, 0, sizeof id);
    if (hw_aws_get_caller_identity(c, NULL, &id, &e) == HW_OK && strlen(id.account) != 12)
        abort();
    hw_aws_creds cr;
    memset(&cr, 0, sizeof cr);
    hw_err_clear(&e);
    if (hw_aws_assume_role(c, "arn:aws:iam::333333333333:role/HubwardenAudit", "ext", NULL, 900,
                           &cr, &e) == HW_OK) {
        if (!cr.access_key_id[0] && !cr.secret_access_key[0] && !cr.session_token[0] &&
            cr.expiration == 0)
            abort();
    } else if (!e.msg[0])
        abort();
    hw_err_clear(&e);
    if (hw_aws_assume(c, "444444444444", "HubwardenAudit", NULL, &e) == HW_OK) {
        hw_aws_ctx ctx = { "eu-west-1", "444444444444" };
        hw_err_clear(&e);
        if (hw_aws_get_caller_identity(c, &ctx, &id, &e) == HW_OK && strlen(id.account) != 12)
            abort();
    }
    hw_aws_client_free(c);
    hw_aws_error err;
    memset(&err, 0, sizeof err);
    hw_aws_parse_error(HW_AWS_QUERY, (const char *)data, size, NULL, &err);
    hw_log_clear_secrets(); /* each input's keys were registered: no growth */
    return 0;
}
