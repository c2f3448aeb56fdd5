/*
 * import.c - `hubwarden import`: ingest findings from files (GetFindings responses, JSON arrays, JSON lines, .gz).
 */
#include "cmd/cmd.h"

static const struct hw_option options[] = {
    { 0 },
};

const struct hw_command hw_cmd_import = {
    .name = "import",
    .summary = "Ingest findings from files (GetFindings responses, JSON arrays, JSON lines, .gz).",
    .synopsis = "FILE...",
    .description = "Not implemented yet.",
    .options = options,
    .run = hw_cmd_not_implemented,
    .needs_config = 1,
};
