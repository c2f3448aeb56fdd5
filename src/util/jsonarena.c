/*
 * jsonarena.c - a bump allocator for cJSON on the ingest hot path.
 *
 * Parsing a 2.5 KB finding with cJSON makes about a hundred small
 * allocations; at 100,000 findings a second malloc/free dominate.  While
 * an arena is active on a thread, cJSON's nodes and strings come from one
 * block that is reset between findings (free() of an arena pointer does
 * nothing).  cJSON's hooks are process-wide, so they are installed once;
 * threads without an active arena, and allocations that do not fit, fall
 * through to malloc().
 */
#include "util/util.h"

#include <cJSON.h>
#include <stdlib.h>

#define ARENA_SIZE (4u << 20)

static _Thread_local char *arena;
static _Thread_local size_t arena_used;
static _Thread_local int arena_active;

static void *arena_malloc(size_t n)
{
    if (arena_active) {
        size_t need = (n + 15) & ~(size_t)15;
        if (need <= ARENA_SIZE - arena_used) {
            void *p = arena + arena_used;
            arena_used += need;
            return p;
        }
    }
    return malloc(n);
}

static void arena_free(void *p)
{
    if (arena && (char *)p >= arena && (char *)p < arena + ARENA_SIZE)
        return;
    free(p);
}

int hw_json_arena_begin(void)
{
    static int hooks_installed;
    if (!hooks_installed) {
        cJSON_Hooks h = { arena_malloc, arena_free };
        cJSON_InitHooks(&h);
        hooks_installed = 1;
    }
    if (!arena) {
        arena = malloc(ARENA_SIZE);
        if (!arena)
            return -1;
    }
    arena_used = 0;
    arena_active = 1;
    return 0;
}

void hw_json_arena_reset(void)
{
    arena_used = 0;
}

void hw_json_arena_end(void)
{
    arena_active = 0;
    arena_used = 0;
    free(arena);
    arena = NULL;
}
