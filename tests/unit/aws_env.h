/*
 * aws_env.h - a private HOME and a clean AWS_* environment for the unit
 * suites that resolve credentials and regions (test_aws.c,
 * test_aws_creds.c, test_aws_http.c): nothing from the machine running
 * the tests may leak into what they see.
 */
#ifndef HW_TEST_AWS_ENV_H
#define HW_TEST_AWS_ENV_H

#include <CUnit/CUnit.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Every variable the credential chain, the region or the endpoints read. */
static const char *const hw_test_aws_vars[] = {
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_AUTHORIZATION_TOKEN",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "AWS_REGION", "AWS_DEFAULT_REGION",
    "AWS_EC2_METADATA_SERVICE_ENDPOINT", "AWS_EC2_METADATA_DISABLED", "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_SECURITYHUB", "AWS_ENDPOINT_URL_ORGANIZATIONS",
    "AWS_CA_BUNDLE",
};

/* Creates home (a mkdtemp template such as "/tmp/hwXXXXXX", at most 63
 * bytes) with an empty .aws folder, and keeps the current HOME in saved. */
static inline int hw_test_home_make(char home[64], const char *template, char saved[512])
{
    snprintf(home, 64, "%s", template);
    if (!mkdtemp(home))
        return -1;
    char dir[128];
    snprintf(dir, sizeof dir, "%s/.aws", home);
    if (mkdir(dir, 0700) < 0)
        return -1;
    snprintf(saved, 512, "%s", getenv("HOME") ? getenv("HOME") : "/");
    return 0;
}

/* Unsets every AWS_* variable above and points HOME at home. */
static inline void hw_test_env_clear(const char *home)
{
    for (size_t i = 0; i < sizeof hw_test_aws_vars / sizeof hw_test_aws_vars[0]; i++)
        unsetenv(hw_test_aws_vars[i]);
    setenv("HOME", home, 1);
}

/* Writes text to home/name. */
static inline void hw_test_home_write(const char *home, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", home, name);
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
}

/* Clears the environment again, restores HOME and removes home. */
static inline int hw_test_home_remove(const char *home, const char *saved)
{
    hw_test_env_clear(saved);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", home);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
