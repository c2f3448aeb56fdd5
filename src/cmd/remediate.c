/*
 * remediate.c - `hubwarden remediate`: fix the failed controls that the remediation policy approves.
 *
 * Not built yet: a later issue fills it in.  Until then it says so and
 * exits 2, like every command that is not implemented.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_remediate = {
    .name = "remediate",
    .summary = "Fix the failed controls that the remediation policy approves.",
    .synopsis = "",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 0,
};
