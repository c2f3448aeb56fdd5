/*
 * reader.h - the findings of a file or a response body, streamed one by
 * one whatever the format (reader.c lists them), in flat memory.
 */
#ifndef HW_SCAN_READER_H
#define HW_SCAN_READER_H

#include <stddef.h>

#include "util/util.h"

/*
 * Streams the findings of one file (see reader.c for the formats).  The
 * callback receives, with the line it starts on:
 *   HW_READ_FINDING  one object where a finding belongs, checked to be
 *                    JSON (bytes, len);
 *   HW_READ_SKIPPED  a finding that cannot be read (why: not JSON, too
 *                    large), bytes NULL;
 *   HW_READ_DAMAGE   text that is no finding where JSON belongs (why: a
 *                    line that is not JSON, a stray bracket), bytes NULL.
 * It may set *stop to end early.  Returns HW_OK, or an error for a file
 * that cannot be read, is not UTF-8 JSON text at all (nothing in it is
 * JSON, binary data, UTF-16 or UTF-32), or is truncated (after delivering
 * every complete finding before the damage).
 */
enum hw_read_event { HW_READ_FINDING = 0, HW_READ_SKIPPED, HW_READ_DAMAGE };
typedef void (*hw_reader_cb)(void *arg, int event, const char *bytes, size_t len, long line,
                             const char *why, int *stop);
/*
 * The fast path: called at the start of each finding with the bytes at
 * hand (avail, more may follow); it parses and takes the finding in one
 * pass and returns an enum hw_take, with *used the finding's length when
 * it took it.  Findings it leaves (HW_TAKE_FRAME) are framed the slow way
 * and handed to the hw_reader_cb.  NULL: everything goes the slow way.
 */
typedef int (*hw_reader_take)(void *arg, const char *bytes, size_t avail, long line,
                              size_t *used, int *stop);
int hw_reader_run(const char *path, hw_reader_take take, hw_reader_cb cb, void *arg, hw_err *e);
/* The same over bytes in memory (a GetFindings response body); `name`
 * is used in messages.  No size limit applies: the caller bounded it. */
int hw_reader_mem(const char *name, const char *data, size_t len, hw_reader_take take,
                  hw_reader_cb cb, void *arg, hw_err *e);
/* hw_reader_run()'s chunked reading, over bytes in memory, for tests and
 * make fuzz: the first read is `first` bytes, then `chunk` at a time;
 * limit is the size limit of a finding (0: HW_FINDING_MAX_BYTES). */
int hw_reader_mem_chunked(const char *name, const char *data, size_t len, size_t first,
                          size_t chunk, size_t limit, hw_reader_take take, hw_reader_cb cb,
                          void *arg, hw_err *e);

#endif
