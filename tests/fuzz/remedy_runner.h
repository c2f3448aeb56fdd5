/*
 * remedy_runner.h - shared by fuzz_xml_ec2.c, fuzz_xml_iam.c and
 * fuzz_xml_s3.c: each remediation family of one service reads its
 * resource (and, when the read says FAILING, fixes it) with every AWS
 * answer taken from the fuzzer's input (xml_answers.h), from the start of
 * the input for each family.  What a read returns must be sane: a known
 * verdict, a terminated reason, a JSON object as state.
 */
#ifndef HW_FUZZ_REMEDY_RUNNER_H
#define HW_FUZZ_REMEDY_RUNNER_H

#include <cJSON.h>

#include "remedy/remedy.h"
#include "xml_answers.h"

struct fz_case {
    const hw_remedy_family *family;
    const char *control, *resource;
};

static void fz_run_families(const struct fz_case *cases, size_t n, int protocol,
                            const uint8_t *data, size_t size)
{
    static hw_config *cfg;
    if (!cfg && !(cfg = hw_config_defaults()))
        abort();
    hw_aws_client *c = fz_client(1);
    for (size_t i = 0; i < n; i++) {
        hw_remedy_target t = { "333333333333", "us-east-1", cases[i].control, cases[i].resource,
                               "hubwarden:exempt", NULL, cfg };
        fz_answers(data, size);
        cJSON *state = NULL;
        int verdict = HW_RV_FAILING; /* as apply.c calls it */
        char why[256];
        memset(why, 'x', sizeof why);
        why[0] = '\0';
        hw_err e;
        hw_err_clear(&e);
        int rc = cases[i].family->read(c, &t, &state, &verdict, why, &e);
        if (memchr(why, '\0', sizeof why) == NULL) {
            fprintf(stderr, "%s: why is not terminated\n", cases[i].control);
            abort();
        }
        if (rc == HW_OK) {
            if (verdict < HW_RV_FAILING || verdict > HW_RV_REFUSED) {
                fprintf(stderr, "%s: verdict %d\n", cases[i].control, verdict);
                abort();
            }
            if (state && !cJSON_IsObject(state)) {
                fprintf(stderr, "%s: state is not an object\n", cases[i].control);
                abort();
            }
            if (verdict == HW_RV_FAILING && state) {
                hw_err_clear(&e);
                (void)cases[i].family->fix(c, &t, state, &e);
            }
        } else if (!e.msg[0]) {
            fprintf(stderr, "%s: a failed read without a message\n", cases[i].control);
            abort();
        }
        cJSON_Delete(state);
    }
    hw_aws_client_free(c);
    /* the error parser of this protocol on the whole input */
    hw_aws_error err;
    memset(&err, 0, sizeof err);
    hw_aws_parse_error(protocol, (const char *)data, size, NULL, &err);
    if (!memchr(err.code, '\0', sizeof err.code) || !memchr(err.message, '\0', sizeof err.message))
        abort();
}

#endif
