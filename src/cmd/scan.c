/*
 * scan.c - `hubwarden scan`: pull Security Hub findings for every account and region of the Organization.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_scan = {
    .name = "scan",
    .summary = "Pull Security Hub findings for every account and region of the Organization.",
    .synopsis = "",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 1,
};
