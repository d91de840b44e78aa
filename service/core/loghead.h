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

/* The log entries that share a log context while the log's context tag (sql/0011) stays tag:
 * those with lo <= log index < hi (hi UINT64_MAX: no end). */
struct log_context_span {
    int64_t tag;
    uint64_t lo, hi;
};

/* What a receipt's row says of its entry's log context (db_*_get_for_receipt): a full read the
 * context and the span of entries that share it (has_span: once logged and the log has a state),
 * a lean read only the log's context tag (has_tag: once the log has a state), which says whether
 * a context kept from an earlier receipt applies (registry/ctxcache.h). */
struct receipt_context {
    struct log_context ctx; /* full */
    bool has_span;          /* full */
    struct log_context_span span;
    bool has_tag; /* lean */
    int64_t tag;
};

/* The span of entry e's context (db/columns.h LOG_CONTEXT_FROM): the entries below the same
 * covering anchor (the smallest on-chain anchor above e, of anchor_size when has_anchor; the
 * largest at or below e is of size lo_anchor, 0 when none) that get the same checkpoint (the
 * cosigned one of size cosigned_size when it is above the entry and reaches the anchor, else
 * the latest). */
struct log_context_span log_context_span_of(int64_t tag, uint64_t e, uint64_t lo_anchor,
                                            bool has_anchor, uint64_t anchor_size,
                                            uint64_t cosigned_size);

/* Releases the head's strings. */
void log_head_free(struct log_head *h);

#endif
