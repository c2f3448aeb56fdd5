/*
 * report.c - `hubwarden report`: write the signed evidence bundle (XML and HTML) for auditors.
 *
 * Not built yet: a later issue fills it in.  Until then it says so and
 * exits 2, like every command that is not implemented.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_report = {
    .name = "report",
    .summary = "Write the signed evidence bundle (XML and HTML) for auditors.",
    .synopsis = "",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 0,
};
