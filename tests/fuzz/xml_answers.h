/*
 * xml_answers.h - shared by the XML response fuzz targets (fuzz_xml_*.c):
 * the AWS client's HTTP exchange (aws_http_exchange) answers from the
 * fuzzer's input instead of the network, so that the real calls, with
 * their XML parsing, error parsing and reading of what came back, run on
 * hostile bytes.
 *
 * The input is a sequence of answers separated by lines "@@"; each answer
 * is an optional first line "HTTP nnn" (the status; else 200), then the
 * body.  An answer "RESET" is a transport failure.  Once the answers are
 * used up, every further request fails as a transport error that is not
 * retried, so every call sequence ends.  The client makes one attempt per
 * call (max_attempts 1): no backoff sleeps.
 */
#ifndef HW_FUZZ_XML_ANSWERS_H
#define HW_FUZZ_XML_ANSWERS_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/aws_int.h"

struct answers {
    const char *p, *end; /* what is left of the input */
    size_t served;
    const char *fixed;   /* served once before the input (NULL: none) */
};

static struct answers fz_ans;

static int fz_exchange(hw_aws_client *c, const struct http_request *rq, struct http_result *res)
{
    (void)c;
    (void)rq;
    hw_buf_reset(&res->body);
    res->status = 0;
    res->request_id[0] = res->error_type[0] = '\0';
    res->retry_after = -1;
    res->transport = 0;
    res->too_big = 0;
    res->transport_msg[0] = '\0';
    if (fz_ans.fixed) {
        const char *f = fz_ans.fixed;
        fz_ans.fixed = NULL;
        res->status = 200;
        hw_buf_append(&res->body, f, strlen(f));
        return HW_OK;
    }
    if (fz_ans.p >= fz_ans.end || fz_ans.served >= 64) {
        res->transport = 2;
        snprintf(res->transport_msg, sizeof res->transport_msg, "no more answers");
        return HW_ENET;
    }
    const char *a = fz_ans.p;
    const char *sep = NULL;
    for (const char *q = a; q + 3 < fz_ans.end; q++)
        if (q[0] == '\n' && q[1] == '@' && q[2] == '@' && q[3] == '\n') {
            sep = q;
            break;
        }
    const char *aend = sep ? sep : fz_ans.end;
    fz_ans.p = sep ? sep + 4 : fz_ans.end;
    fz_ans.served++;
    if ((size_t)(aend - a) == 5 && memcmp(a, "RESET", 5) == 0) {
        res->transport = 1;
        snprintf(res->transport_msg, sizeof res->transport_msg, "connection reset");
        return HW_ENET;
    }
    res->status = 200;
    if (aend - a >= 9 && memcmp(a, "HTTP ", 5) == 0 && a[5] >= '1' && a[5] <= '5' &&
        a[6] >= '0' && a[6] <= '9' && a[7] >= '0' && a[7] <= '9' && a[8] == '\n') {
        res->status = (a[5] - '0') * 100 + (a[6] - '0') * 10 + (a[7] - '0');
        a += 9;
    }
    if (hw_buf_append(&res->body, a, (size_t)(aend - a)) < 0)
        abort();
    return HW_OK;
}

/* A client with static keys in us-east-1 whose exchanges answer from
 * the input; account 333333333333 assumed (from a fixed, valid answer)
 * when `assume`. */
static hw_aws_client *fz_client(int assume)
{
    static int once;
    if (!once) {
        once = 1;
        setenv("AWS_ACCESS_KEY_ID", "AKIAFUZZFUZZFUZZFUZZ", 1);
        setenv("AWS_SECRET_ACCESS_KEY", "fuzzsecretfuzzsecretfuzzsecretfuzzsecret", 1);
        unsetenv("AWS_SESSION_TOKEN");
        unsetenv("AWS_PROFILE");
        setenv("AWS_CONFIG_FILE", "/nonexistent/hubwarden-fuzz", 1);
        setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/hubwarden-fuzz", 1);
        setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
        hw_log_init(-1, 0);
        aws_http_exchange = fz_exchange;
    }
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    o.region = "us-east-1";
    o.endpoint_url = "http://127.0.0.1:9";
    o.max_attempts = 1;
    hw_aws_client *c = NULL;
    hw_err e;
    hw_err_clear(&e);
    if (hw_aws_client_new(&o, &c, &e) != HW_OK)
        abort();
    if (assume) {
        fz_ans.fixed = "<AssumeRoleResponse><AssumeRoleResult><Credentials>"
                       "<AccessKeyId>ASIAFUZZFUZZFUZZFUZZ</AccessKeyId>"
                       "<SecretAccessKey>assumedsecretassumedsecretassumedsecret0</SecretAccessKey>"
                       "<SessionToken>fuzzsessiontoken</SessionToken>"
                       "<Expiration>2099-01-01T00:00:00Z</Expiration>"
                       "</Credentials></AssumeRoleResult></AssumeRoleResponse>";
        if (hw_aws_assume(c, "333333333333", "HubwardenRemediation", NULL, &e) != HW_OK) {
            fprintf(stderr, "fuzz: the fixed AssumeRole answer failed: %s\n", e.msg);
            abort();
        }
    }
    return c;
}

static void fz_answers(const uint8_t *data, size_t size)
{
    fz_ans.p = (const char *)data;
    fz_ans.end = (const char *)data + size;
    fz_ans.served = 0;
}

#endif
