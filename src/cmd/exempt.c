/*
 * exempt.c - `hubwarden exempt`: record a risk acceptance (exception) for a control.
 *
 * Not built yet: a later issue fills it in.  Until then it says so and
 * exits 2, like every command that is not implemented.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_exempt = {
    .name = "exempt",
    .summary = "Record a risk acceptance (exception) for a control.",
    .synopsis = "CONTROL",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 0,
};
