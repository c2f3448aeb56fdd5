/*
 * test_aws_process_stderr.c - a credential_process helper's stderr is
 * captured, never passed through: at most its first line is shown, with
 * what looks like a key or a token redacted and terminal controls
 * neutralised.
 */
#include <CUnit/CUnit.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/aws.h"
#include "aws_env.h"

static char home[64];
static char saved_home[512];

static int suite_init(void)
{
    return hw_test_home_make(home, "/tmp/hwawsprocXXXXXX", saved_home);
}

static int suite_clean(void)
{
    hw_log_clear_secrets();
    return hw_test_home_remove(home, saved_home);
}

/* Resolves profile's credentials with fd 2 sent to a file; *said gets
 * what reached that stderr (malloc'd). */
static int resolve_quiet(const char *profile, hw_aws_creds *cr, hw_err *e, char **said)
{
    char path[128];
    snprintf(path, sizeof path, "%s/stderr.txt", home);
    fflush(stderr);
    int saved = dup(2);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    hw_aws_options o;
    memset(&o, 0, sizeof o);
    o.profile = profile;
    o.region = "us-east-1";
    o.max_attempts = 1;
    hw_aws_client *c = NULL;
    int rc = hw_aws_client_new(&o, &c, e);
    if (rc == HW_OK)
        rc = hw_aws_resolve_creds(c, cr, e);
    hw_aws_client_free(c);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    hw_buf b = HW_BUF_INIT(0);
    hw_err fe;
    hw_file_read(path, 0, &b, &fe);
    *said = hw_buf_detach(&b, NULL);
    if (!*said)
        *said = strdup("");
    return rc;
}

static void test_stderr_captured(void)
{
    hw_test_env_clear(home);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    hw_test_home_write(home, ".aws/credentials", "");
    /* the helpers as scripts (inih reads lines of at most 200 bytes) */
    hw_test_home_write(home, "leaky.sh",
                       "echo 'login failed for AKIAIOSFODNN7EXAMPLE secret=hunter2 "
                       "\"SessionToken\": \"tok\" wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY "
                       "\033[31mred' >&2\n"
                       "echo second line with aws_secret_access_key=zzz >&2\n"
                       "exit 3\n");
    hw_test_home_write(home, "chatty.sh",
                       "echo 'using cache AKIAIOSFODNN7EXAMPLE' >&2\n"
                       "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIACHATTY0000000001\", "
                       "\"SecretAccessKey\": \"chattysecretchattysecret\"}'\n");
    char cfg[512];
    snprintf(cfg, sizeof cfg,
             "[profile leaky]\ncredential_process = sh %s/leaky.sh\n"
             "[profile chatty]\ncredential_process = sh %s/chatty.sh\n", home, home);
    hw_test_home_write(home, ".aws/config", cfg);
    hw_aws_creds cr;
    hw_err e;
    char *said = NULL;
    CU_ASSERT_EQUAL(resolve_quiet("leaky", &cr, &e, &said), HW_EINVAL);
    CU_ASSERT_STRING_EQUAL(said, ""); /* nothing passed straight through */
    free(said);
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "profile leaky: credential_process exited with status 3"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, ": it said \"login failed for [REDACTED] secret=[REDACTED]"));
    CU_ASSERT_PTR_NOT_NULL(strstr(e.msg, "?[31mred\" (more lines not shown)"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "AKIAIOSFODNN7EXAMPLE"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "hunter2"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "tok\""));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "wJalrXUtnFEMI"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "second line"));
    CU_ASSERT_PTR_NULL(strstr(e.msg, "\033"));
    /* a helper that succeeds: its stderr stays out of stderr too */
    hw_log_init(HW_LOG_INFO, 0);
    CU_ASSERT_EQUAL(resolve_quiet("chatty", &cr, &e, &said), HW_OK);
    CU_ASSERT_STRING_EQUAL(cr.access_key_id, "AKIACHATTY0000000001");
    CU_ASSERT_STRING_EQUAL(said, "");
    free(said);
    /* at debug level its first line is logged, redacted */
    hw_log_init(HW_LOG_DEBUG, 0);
    CU_ASSERT_EQUAL(resolve_quiet("chatty", &cr, &e, &said), HW_OK);
    hw_log_init(HW_LOG_INFO, 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(said, "it said \"using cache [REDACTED]\""));
    CU_ASSERT_PTR_NULL(strstr(said, "AKIAIOSFODNN7EXAMPLE"));
    free(said);
}

int test_aws_process_stderr_register(void)
{
    CU_pSuite s = CU_add_suite("aws credential_process stderr", suite_init, suite_clean);
    if (!s)
        return -1;
    if (!CU_add_test(s, "a helper's stderr is captured and redacted", test_stderr_captured))
        return -1;
    return 0;
}
