/* SPDX-License-Identifier: Apache-2.0 */
/* Rows whose strings borrow from storage that their producer owns (e.g. a database result):
 * the producer sets the owner, the consumer calls rows_owner_release once it is done. */
#ifndef PROVD_UTIL_ROWS_H
#define PROVD_UTIL_ROWS_H

#include <stddef.h>

struct rows_owner {
    void *ptr;
    void (*release)(void *ptr); /* NULL: nothing to release */
};

static inline void rows_owner_release(struct rows_owner *o)
{
    if (o->release)
        o->release(o->ptr);
    o->ptr = NULL;
    o->release = NULL;
}

#endif
