/* SPDX-License-Identifier: Apache-2.0 */
/* The event feed's vocabulary (GET /v1/events): event types, positions and the Server-Sent
 * Events framing. Pure: no I/O.
 *
 * A position is where a subscriber's stream stands in each of the three streams the feed
 * merges: the registrations (item ids, which the feed only ever hands out settled: once every
 * id below has committed or never will), the log's checkpoints (tree sizes) and the anchors'
 * status changes (EVENT_ANCHOR_POS of anchor id and status; one anchor is in flight at a time,
 * so these grow in commit order). Each component is totally ordered and read back from
 * PostgreSQL, so a position names exactly which events follow it, on any instance. Its text
 * form, the SSE id, is "ITEM-TREESIZE-ANCHOR" in decimal (e.g. "1043-1000-13"). */
#ifndef PROVD_CORE_EVENT_H
#define PROVD_CORE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/rows.h"
#include "core/anchor.h"

enum event_type { EVENT_REGISTERED, EVENT_LOGGED, EVENT_ANCHORED, EVENT_TYPES_ };
#define EVENT_TYPES_ALL ((1u << EVENT_TYPES_) - 1)

struct event_pos {
    int64_t item;      /* every registration with an id up to this one was considered */
    int64_t tree_size; /* every checkpoint up to this size */
    int64_t anchor;    /* every anchor status change up to this EVENT_ANCHOR_POS */
};

/* Anchor a reaching status s (submitted or confirmed; others are not told). */
#define EVENT_ANCHOR_POS(id, s) ((id)*4 + ((s) == ANCHOR_CONFIRMED ? 3 : 1))

/* A "logged" event: a signed checkpoint and the log indexes it added, [from, tree_size). */
struct event_checkpoint {
    int64_t tree_size, from;
    const char *note; /* the C2SP signed note */
    int64_t created_us;
};
/* An "anchored" event: anchor id reached status (submitted or confirmed). */
struct event_anchor {
    int64_t pos; /* EVENT_ANCHOR_POS */
    int64_t id;
    uint64_t chain_id;
    int64_t tree_size;
    const char *root_hex;
    const char *status;      /* the status reached: "submitted" or "confirmed" */
    const char *tx_hash_hex; /* the mined transaction, else the latest one sent; NULL: none */
    bool has_block;
    uint64_t block_number;
    uint64_t confirmations;
    int64_t at_us; /* when it reached status */
};
/* Rows whose strings borrow from owner; free with event_rows_free. */
struct event_checkpoints {
    struct event_checkpoint *v;
    size_t n;
    struct rows_owner owner;
};
struct event_anchors {
    struct event_anchor *v;
    size_t n;
    struct rows_owner owner;
};
void event_checkpoints_free(struct event_checkpoints *r);
void event_anchors_free(struct event_anchors *r);

#define EVENT_POS_MAX 64 /* its text with the NUL: three int64 and two dashes */

const char *event_type_name(enum event_type t);
/* Its text form into out. */
void event_pos_format(const struct event_pos *p, char out[EVENT_POS_MAX]);
/* Parses what event_pos_format writes (three decimal non-negative int64 without sign or
 * leading zeros, dash-separated, at most EVENT_POS_MAX - 1 bytes); false on anything else. */
bool event_pos_parse(const char *s, struct event_pos *out) __attribute__((warn_unused_result));
/* a becomes the component-wise maximum of a and b. */
void event_pos_max(struct event_pos *a, const struct event_pos *b);
bool event_pos_equal(const struct event_pos *a, const struct event_pos *b);
/* A comma-separated list of event type names (each at most once) into a bit mask of
 * 1 << enum event_type; false when empty, unknown or repeated. */
bool event_types_parse(const char *s, unsigned *mask) __attribute__((warn_unused_result));

/* Appends one SSE message: "id: ID\nevent: TYPE\ndata: DATA\n\n" (a NULL id, type or data
 * leaves its line out). data must be one line (JSON from util/jsonw is). */
void event_sse_append(struct buf *out, const char *id, const char *type, const char *data,
                      size_t data_len);
/* Appends a comment line ": TEXT\n" (text one line) without ending the message. */
void event_sse_comment(struct buf *out, const char *text);

#endif
