/*
 * version.c - `hubwarden version`: prints the version, the versions of the
 * libraries hubwarden was built with and runs with, and which control
 * catalogue it uses (folder and SHA-256), so that a run's mappings can be
 * traced to the exact files.
 */
#include <curl/curl.h>
#include <libxml/parser.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "catalog/catalog.h"
#include "cmd/cmd.h"

static const char *output;
static int as_json;

static const struct hw_option options[] = {
    HW_OUTPUT_OPTIONS(output, as_json),
    { 0 },
};

static const hw_out_col cols[] = {
    { "version", HW_COL_TEXT, 8, 0, 0 },          { "libcurl", HW_COL_TEXT, 8, 0, 0 },
    { "openssl", HW_COL_TEXT, 8, 0, 0 },          { "libxml2", HW_COL_TEXT, 8, 0, 0 },
    { "sqlite", HW_COL_TEXT, 8, 0, 0 },           { "catalogue", HW_COL_TEXT, 8, 0, 0 },
    { "catalogue_sha256", HW_COL_NULLABLE, 8, 0, 0 },
};

static int run(hw_ctx *ctx, int argc, char **argv)
{
    char **args = NULL;
    int nargs = 0;
    int r = hw_parse_options(&hw_cmd_version, argc, argv, &args, &nargs);
    if (r)
        return r == 1 ? HW_EXIT_OK : HW_EXIT_USAGE;
    free(args);
    if (nargs)
        return hw_usage_error(&hw_cmd_version, "takes no arguments");
    int format;
    if (hw_out_format_parse(&hw_cmd_version, output, as_json, HW_OUT_ANY, &format))
        return HW_EXIT_USAGE;
    /* the configuration only for controls_dir: version works without one */
    hw_config *cfg = NULL;
    hw_err e;
    hw_err_clear(&e);
    hw_ctx local = { 0 };
    if (ctx && hw_config_load(ctx->config_path, &cfg, &e) == HW_OK)
        local.config = cfg;
    const char *dir = hw_cmd_controls_dir(&local);
    char hash[65];
    hw_err_clear(&e);
    if (hw_catalog_hash(dir, hash, &e) != HW_OK)
        hash[0] = '\0';
    curl_version_info_data *cv = curl_version_info(CURLVERSION_NOW);
    const char *cells[] = { HW_VERSION,  cv->version, OpenSSL_version(OPENSSL_VERSION),
                            xmlParserVersion, sqlite3_libversion(), dir, hash };
    int rc;
    if (format == HW_OUT_TABLE) {
        printf("hubwarden %s\n", HW_VERSION);
        printf("libcurl %s, %s, libxml2 %s, sqlite %s\n", cv->version,
               OpenSSL_version(OPENSSL_VERSION), xmlParserVersion, sqlite3_libversion());
        if (hash[0])
            printf("catalogue %s (sha256 %s)\n", dir, hash);
        else
            printf("catalogue %s (unreadable: %s)\n", dir, e.msg);
        rc = fflush(stdout) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
    } else if (format == HW_OUT_CSV) {
        hw_out o;
        hw_out_init(&o, stdout, format, cols, HW_ARRAY_LEN(cols), 0);
        hw_out_header(&o);
        hw_out_row(&o, cells);
        rc = hw_out_finish(&o) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
    } else {
        cJSON *j = cJSON_CreateObject();
        for (size_t i = 0; i < HW_ARRAY_LEN(cols); i++) {
            if (*cells[i])
                cJSON_AddStringToObject(j, cols[i].name, cells[i]);
            else
                cJSON_AddNullToObject(j, cols[i].name);
        }
        rc = hw_out_document(stdout, format, j) == 0 ? HW_EXIT_OK : HW_EXIT_INTERNAL;
    }
    hw_config_free(cfg);
    return rc;
}

const struct hw_command hw_cmd_version = {
    .name = "version",
    .summary = "Print hubwarden's version, its libraries' and the control catalogue used.",
    .synopsis = "",
    .description = "The catalogue is the folder hubwarden reads its controls and framework\n"
                   "mappings from (controls_dir, else $HUBWARDEN_CONTROLS, else controls/ beside\n"
                   "the binary in a build tree, else the installed copy; never the current\n"
                   "folder), with the SHA-256 of its files.",
    .options = options,
    .run = run,
    .needs_config = 0,
};
