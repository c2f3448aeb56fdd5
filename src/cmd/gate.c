/*
 * gate.c - `hubwarden gate`: exit non-zero while a critical control stays failed and unremediated.
 *
 * Not built yet: a later issue fills it in.  Until then it says so and
 * exits 2, like every command that is not implemented.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_gate = {
    .name = "gate",
    .summary = "Exit non-zero while a critical control stays failed and unremediated.",
    .synopsis = "",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 0,
};
