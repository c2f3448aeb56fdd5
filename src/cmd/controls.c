/*
 * controls.c - `hubwarden controls`: list and show controls and framework coverage.
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_controls = {
    .name = "controls",
    .summary = "List and show controls and framework coverage.",
    .synopsis = "list|show ID|coverage",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 1,
};
