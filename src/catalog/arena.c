/*
 * arena.c - the catalogue's bump allocator: a loaded catalogue is many
 * small strings and arrays that live and die together, so they come from
 * chunks freed in one go (see catalog_int.h).
 */
#include "catalog/catalog_int.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)

struct hw_arena_chunk {
    hw_arena_chunk *next;
    size_t used, size;
    alignas(max_align_t) unsigned char data[];
};

static size_t align_up(size_t n)
{
    size_t a = alignof(max_align_t);
    return (n + a - 1) / a * a;
}

static hw_arena_chunk *new_chunk(hw_arena *a, size_t n)
{
    size_t size = n > CHUNK_SIZE ? n : CHUNK_SIZE;
    hw_arena_chunk *c = calloc(1, sizeof *c + size);
    if (!c)
        return NULL;
    c->size = size;
    c->next = a->head;
    a->head = c;
    return c;
}

void *hw_arena_alloc(hw_arena *a, size_t n)
{
    n = align_up(n ? n : 1);
    hw_arena_chunk *c = a->head;
    if (!c || c->size - c->used < n)
        c = new_chunk(a, n);
    if (!c)
        return NULL;
    void *p = c->data + c->used;
    c->used += n;
    return p; /* chunks come from calloc and are never reused: zeroed */
}

char *hw_arena_strdup(hw_arena *a, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *d = hw_arena_alloc(a, n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void hw_arena_free(hw_arena *a)
{
    if (!a)
        return;
    for (hw_arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    a->head = NULL;
}
