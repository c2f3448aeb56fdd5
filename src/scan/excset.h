/*
 * excset.h - the risk acceptances (exceptions) of one account, as
 * evaluation needs them: which finding or resource exception covers a
 * failing finding, and the list a control's evidence shows.
 *
 * Control exceptions make a control EXCEPTED through the store's
 * hw_store_account_exceptions(); this set adds the finding and resource
 * scopes (a control is EXCEPTED when an active one covers every failing
 * resource of it) and names every exception that bears on a control,
 * expired ones included, so that the evidence shows an acceptance that
 * stopped counting.  Reused from one account to the next; an account
 * without exceptions costs one indexed query.
 */
#ifndef HW_SCAN_EXCSET_H
#define HW_SCAN_EXCSET_H

#include <stddef.h>
#include <stdint.h>

#include "util/util.h"

struct hw_store;

typedef struct hw_excset_item {
    int64_t id;
    char *control;    /* "*": resource scope */
    char *finding_id; /* finding scope, else NULL */
    char *resource;   /* resource scope, else NULL */
    char *quoted;     /* the resource as a JSON string, else NULL */
    char *by;
    int64_t until;    /* epoch seconds */
    int active;       /* unexpired at load */
    int mark;         /* bears on the control being looked at */
} hw_excset_item;

typedef struct hw_excset {
    hw_excset_item *v;
    size_t n, cap;
} hw_excset;

/* Loads the account's exceptions that are not revoked (expired included)
 * into x, replacing what it held. */
int hw_excset_load(hw_excset *x, struct hw_store *s, const char *account, int64_t now,
                   hw_err *e);
void hw_excset_free(hw_excset *x);
/* Clears every mark. */
void hw_excset_unmark(hw_excset *x);
/* Marks the finding and resource exceptions that cover one finding (its
 * Id and its resources, the JSON array the store wrote); 1 when an active
 * one does. */
int hw_excset_cover(hw_excset *x, const char *finding_id, const char *resources);
/* Marks the control exceptions of control. */
void hw_excset_mark_control(hw_excset *x, const char *control);
/* A digest of the marked exceptions (ids and whether active). */
uint64_t hw_excset_digest(const hw_excset *x, uint64_t h);
/* Appends ,"exceptions":[...] naming the marked ones (with expired ones
 * only when with_expired); nothing when none. */
void hw_excset_json(const hw_excset *x, hw_buf *b, int with_expired);

#endif
