/*
 * version.c - `hubwarden version`: prints the version and the versions of
 * the libraries hubwarden was built with and runs with.
 */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

static int run(hw_ctx *ctx, int argc, char **argv)
{
    (void)ctx;
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_version, argc, argv, &args, &nargs);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    free(args);
    if (nargs)
        return hw_usage_error(&hw_cmd_version, "takes no arguments");
    printf("hubwarden %s\n", HW_VERSION);
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    printf("libcurl %s, %s, libxml2 %s, sqlite %s\n", cv->version,
           OpenSSL_version(OPENSSL_VERSION), xmlParserVersion, sqlite3_libversion());
    return HW_EXIT_OK;
}

const struct hw_command hw_cmd_version = {
    .name = "version",
    .summary = "Print hubwarden's version and its libraries'.",
    .synopsis = "",
    .description = "",
    .options = options,
    .run = run,
    .needs_config = 0,
};
