/*
 * findings.c - `hubwarden findings`: query the findings in the evidence store.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_findings = {
    .name = "findings",
    .summary = "Query the findings in the evidence store.",
    .synopsis = "",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 1,
};
