/*
 * catalog_int.h - what the catalogue's source files share and nobody else
 * sees: the arena that owns every byte of a loaded catalogue, and the index
 * builder the loader calls once a framework file is read.
 */
#ifndef HW_CATALOG_INT_H
#define HW_CATALOG_INT_H

#include "catalog/catalog.h"

/* A bump allocator: zeroed blocks, all freed at once by hw_arena_free(). */
typedef struct hw_arena_chunk hw_arena_chunk;
typedef struct hw_arena {
    hw_arena_chunk *head;
} hw_arena;

/* Zeroed, aligned memory of n bytes (n may be 0); NULL when out of memory. */
void *hw_arena_alloc(hw_arena *a, size_t n);
/* A copy of s in the arena; NULL when s is NULL or memory ran out. */
char *hw_arena_strdup(hw_arena *a, const char *s);
void hw_arena_free(hw_arena *a);

/* Builds f's lookup indexes (requirements by id; requirements per control
 * for a catalogue of ncontrols).  Fails on a duplicate requirement id or a
 * control listed twice in one requirement, naming f->file and the line. */
int hw_catalog_index_framework(hw_framework *f, size_t ncontrols, hw_arena *a, hw_err *e);

struct _xmlNode;
/* Reads the <standard-controls> root of path (standard-control-ids.xml,
 * already schema-checked) into c->standards and checks what the schema
 * cannot: a known framework, known controls, no duplicates (standard_ids.c). */
int hw_catalog_read_standards(hw_catalog *c, hw_arena *a, const char *path,
                              struct _xmlNode *root, hw_err *e);

/* Orders hw_control by id (qsort/bsearch). */
int hw_catalog_cmp_control(const void *a, const void *b);

#endif
