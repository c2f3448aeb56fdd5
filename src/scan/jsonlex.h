/*
 * jsonlex.h - a strict, allocation-free JSON lexer for the ingest hot path
 * (internal to the scan module).
 *
 * Why not cJSON here: cJSON builds a whole tree (about a hundred nodes for
 * a 2.5 KB finding) when ingest needs two dozen fields of it, and the tree
 * alone cost more than every other step of an import together.  This lexer
 * validates every byte of a finding (RFC 8259 grammar, UTF-8 without
 * overlong forms or surrogates, nesting depth) in one pass and decodes only
 * the strings its caller keeps.  cJSON stays the parser for everything else
 * (AWS responses, configuration), and the unit tests check this lexer
 * against cJSON on the same inputs.
 */
#ifndef HW_SCAN_JSONLEX_H
#define HW_SCAN_JSONLEX_H

#include <stddef.h>

/* Deeper nesting is refused (findings nest about ten levels). */
#define HW_JSON_MAX_DEPTH 128

typedef struct hw_jlex {
    const unsigned char *p, *end, *base;
    int depth;
    char err[128]; /* why the last call failed, with the byte offset */
} hw_jlex;

/* hw_jlex_string() flags */
#define HW_JSTR_NUL 1   /* the decoded string holds a NUL (from \u0000) */
#define HW_JSTR_LONG 2  /* it did not fit in cap: out holds a prefix */
#define HW_JSTR_ESC 4   /* it had escapes (its raw bytes are not its value) */

void hw_jlex_init(hw_jlex *L, const char *bytes, size_t len);

/* Skips JSON whitespace. */
static inline void hw_jlex_ws(hw_jlex *L)
{
    while (L->p < L->end && (*L->p == ' ' || *L->p == '\n' || *L->p == '\r' || *L->p == '\t'))
        L->p++;
}

/* L->p at '"': validates the string and, when out is not NULL, decodes it
 * into out (at most cap bytes, then NUL-terminated: cap + 1 must fit).
 * Returns 0 with *n the decoded length, or -1 with L->err. */
int hw_jlex_string(hw_jlex *L, char *out, size_t cap, size_t *n, int *flags);
/*
 * L->p at '{' or '[': walks the object or array, validating its syntax,
 * and calls cb for each member or element with L->p at its value, which
 * cb must consume.  For a member, key/keylen is its name (not
 * NUL-terminated; borrowed from the input, or decoded when it had
 * escapes); for an element, key is NULL.  Returns 0, or -1 with L->err
 * (cb's failure included).
 */
typedef int (*hw_jlex_item_cb)(hw_jlex *L, void *arg, const char *key, size_t keylen);
int hw_jlex_container(hw_jlex *L, hw_jlex_item_cb cb, void *arg);
/* Validates and skips any value. */
int hw_jlex_skip(hw_jlex *L);
/* L->p at a number: validates it; tok and toklen get its bytes. */
int hw_jlex_number(hw_jlex *L, const char **tok, size_t *toklen);
/* Sets L->err to "what at byte N" and returns -1. */
int hw_jlex_fail(hw_jlex *L, const char *what);

#endif
