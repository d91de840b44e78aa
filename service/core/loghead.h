/* SPDX-License-Identifier: Apache-2.0 */
/* The transparency log's state as stored: its identity and its latest checkpoint. */
#ifndef PROVD_CORE_LOGHEAD_H
#define PROVD_CORE_LOGHEAD_H

#include <stdbool.h>
#include <stdint.h>

#include "util/rows.h"
#include "core/anchor.h"

/* Strings borrowed from owner. */
struct log_head {
    const char *origin, *vkey; /* NULL when no sequencer ever set the log up */
    uint64_t tree_size;
    const char *root_hex; /* the latest checkpoint's root, NULL while the log is empty */
    const char *note;     /* the latest signed checkpoint, NULL while the log is empty */
    struct rows_owner owner;
};

/* What a receipt needs besides its record: the log's current size and checkpoint, and the
 * smallest mined or confirmed anchor covering the entry. Strings borrowed. */
struct log_context {
    bool has_checkpoint; /* false while the log is empty */
    uint64_t tree_size;
    const char *note;
    bool has_anchor;
    struct anchor_row anchor;
};

/* Releases the head's strings. */
void log_head_free(struct log_head *h);

#endif
