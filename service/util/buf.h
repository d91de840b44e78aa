/* SPDX-License-Identifier: Apache-2.0 */
/* Growable byte buffer. The buffer owns its data; buf_steal() hands it to the caller. */
#ifndef PROVD_UTIL_BUF_H
#define PROVD_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    bool oom; /* sticky: an allocation failed, contents are incomplete */
};

/* The largest len + 1 a buffer grows to (PTRDIFF_MAX, the size of the largest object); an
 * append past it fails as an allocation would (oom). */
#define BUF_MAX ((size_t)PTRDIFF_MAX)

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void buf_append(struct buf *b, const void *data, size_t len);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_reset(struct buf *b);
/* Drops what follows the first len bytes (len <= b->len). */
void buf_truncate(struct buf *b, size_t len);
/* Gives back the capacity beyond the contents (when realloc can). */
void buf_shrink(struct buf *b);
void buf_free(struct buf *b);
/* Returns the data (caller frees) and empties the buffer; NULL after an allocation failure. */
char *buf_steal(struct buf *b, size_t *len);

#endif
