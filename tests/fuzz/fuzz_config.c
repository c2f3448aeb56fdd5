/*
 * fuzz_config.c - libFuzzer target: the configuration loader
 * (hw_config_parse) on any bytes.  Besides no crash, leak or undefined
 * behaviour, what it accepts must hold the checks made at load: no
 * control character in a string value, a valid region and account id
 * where one is given, and the same text parsed twice gives the same
 * result.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static void no_controls(const char *what, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; s && *p; p++)
        if (*p < 0x20 || *p == 0x7f) {
            fprintf(stderr, "%s accepted with a control character\n", what);
            abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hw_log_init(-1, 0); /* quiet */
    hw_config *c = NULL, *again = NULL;
    hw_err e, e2;
    hw_err_clear(&e);
    hw_err_clear(&e2);
    int rc = hw_config_parse("fuzz.json", (const char *)data, size, &c, &e);
    int rc2 = hw_config_parse("fuzz.json", (const char *)data, size, &again, &e2);
    if (rc != rc2 || strcmp(e.msg, e2.msg) != 0) {
        fprintf(stderr, "two parses differ: %d/%d [%s] [%s]\n", rc, rc2, e.msg, e2.msg);
        abort();
    }
    if (rc == HW_OK) {
        if (!c) {
            fprintf(stderr, "HW_OK without a configuration\n");
            abort();
        }
        no_controls("db", c->db);
        no_controls("aws.region", c->aws.region);
        no_controls("aws.endpoint_url", c->aws.endpoint_url);
        no_controls("scan.aggregator_account", c->scan.aggregator_account);
        if (c->aws.region && !*c->aws.region) {
            fprintf(stderr, "an empty aws.region accepted\n");
            abort();
        }
        for (size_t i = 0; i < c->organization.ninclude_accounts; i++)
            if (strlen(c->organization.include_accounts[i]) != 12) {
                fprintf(stderr, "include_accounts[%zu] accepted: not 12 digits\n", i);
                abort();
            }
        (void)hw_config_remedy_mode(c, "S3.8");
    } else if (c || !e.msg[0]) {
        fprintf(stderr, "an error without a message, or with a configuration\n");
        abort();
    }
    hw_config_free(c);
    hw_config_free(again);
    return 0;
}
