/*
 * fuzz_aws_ini.c - libFuzzer target: the AWS shared config and
 * credentials files (~/.aws/config, ~/.aws/credentials) on any bytes.
 *
 * The input is written to one file that serves as both; then the INI
 * reader (hw_aws_ini_get) is asked for the keys the credential chain
 * reads, and a client is made for a profile whose region comes from the
 * file.  Credentials are not resolved: a fuzzed credential_process or
 * role would run commands or reach the network.  Any value returned must
 * be a string the reader found after "key =" in the input's bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"

static char path[64];

static void cleanup(void)
{
    unlink(path);
}

static void setup(void)
{
    if (path[0])
        return;
    snprintf(path, sizeof path, "/tmp/hwfuzzini.XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        abort();
    close(fd);
    atexit(cleanup);
    setenv("AWS_CONFIG_FILE", path, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    unsetenv("AWS_PROFILE");
    hw_log_init(-1, 0);
}

static const char *const sections[] = { "default", "profile default", "profile a", "a",
                                        "profile b", "sso-session s" };
static const char *const keys[] = { "region", "aws_access_key_id", "aws_secret_access_key",
                                    "aws_session_token", "role_arn", "source_profile",
                                    "credential_source", "external_id", "credential_process",
                                    "web_identity_token_file" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup();
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    for (size_t i = 0; i < sizeof sections / sizeof *sections; i++)
        for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
            char *v = hw_aws_ini_get(path, sections[i], keys[k]);
            if (v && strlen(v) > size) {
                fprintf(stderr, "[%s] %s: a value longer than the file\n", sections[i], keys[k]);
                abort();
            }
            free(v);
        }
    static const char *const profiles[] = { "default", "a", "b" };
    for (size_t p = 0; p < 3; p++) {
        hw_aws_options o;
        memset(&o, 0, sizeof o);
        o.profile = profiles[p];
        o.max_attempts = 1;
        hw_aws_client *c = NULL;
        hw_err e;
        hw_err_clear(&e);
        if (hw_aws_client_new(&o, &c, &e) == HW_OK) {
            const char *r = hw_aws_client_region(c);
            if (r)
                (void)strlen(r);
        }
        hw_aws_client_free(c);
    }
    unlink(path); /* written again for the next input: nothing left behind */
    return 0;
}
