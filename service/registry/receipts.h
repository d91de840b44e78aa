/* SPDX-License-Identifier: Apache-2.0 */
/* The log's read side: its head (checkpoint, key), consistency proofs and item receipts. A
 * receipt is self-contained: the logged record, its leaf hash, an inclusion proof to the
 * latest checkpoint and, once anchored, the covering anchor with a consistency proof from its
 * tree to the checkpoint's. */
#ifndef PROVD_REGISTRY_RECEIPTS_H
#define PROVD_REGISTRY_RECEIPTS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/loghead.h"
#include "core/problem.h"
#include "db/items.h"
#include "registry/registry.h"
#include "tlog/merkle.h"
#include "util/buf.h"

/* The latest checkpoint; PROBLEM_LOG_EMPTY before the first. The caller frees out. */
bool registry_log_head(struct registry *reg, struct log_head *out, struct problem *p)
    __attribute__((warn_unused_result));

/* Consistency proof from tree size from to size to (0 < from <= to <= the log's size; a larger
 * to is PROBLEM_INVALID_PARAMETER), from the proof cache when it has it. */
bool registry_consistency(struct registry *reg, uint64_t from, uint64_t to,
                          uint8_t (*proof)[MERKLE_HASH_LEN], int *count, struct problem *p)
    __attribute__((warn_unused_result));

/* A log entry's receipt (items and datasets alike). */
struct receipt {
    int64_t id;                 /* the item's or dataset's */
    const char *pending_status; /* the status while waiting for the sequencer */
    struct buf record;          /* the logged record (canonical JSON) */
    uint8_t leaf[MERKLE_HASH_LEN];
    bool logged; /* false while the record waits for the sequencer: no proofs */
    uint64_t log_index;
    struct log_context ctx;      /* the checkpoint and the covering anchor */
    struct rows_owner owner;     /* of the record's and (unless ctx_owner) ctx's strings */
    struct rows_owner ctx_owner; /* of ctx's strings, when kept apart (registry/ctxcache.h) */
    uint8_t inclusion[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int n_inclusion;
    bool anchored_at; /* an on-chain anchor covers the entry (ctx.anchor) */
    uint8_t consistency[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int n_consistency;
};

/* The receipt of item id; PROBLEM_ITEM_NOT_FOUND when there is none. The caller frees out with
 * receipt_free (also after a failure). */
bool registry_receipt(struct registry *reg, int64_t id, struct receipt *out, struct problem *p)
    __attribute__((warn_unused_result));
void receipt_free(struct receipt *r);
/* registry_receipt on conn. */
bool registry_item_receipt_on(struct registry *reg, struct db_conn *conn, int64_t id,
                              struct receipt *out, struct problem *p)
    __attribute__((warn_unused_result));

/* Log contexts kept between receipts (registry/ctxcache.h). receipt_context_kept sets r->ctx
 * (held by r->ctx_owner) to the one kept for r->log_index under the log's context tag, when
 * there is one. receipt_context_keep keeps r->ctx, whose strings r->owner holds, for the span of
 * entries that share it (has_span false: there is none to keep). */
bool receipt_context_kept(struct registry *reg, bool has_tag, int64_t tag, struct receipt *r);
void receipt_context_keep(struct registry *reg, bool has_span, const struct log_context_span *span,
                          struct receipt *r);

/* Completes a receipt whose record, logged, log_index and ctx are set, on conn: the leaf hash
 * and, once logged, the proofs. */
bool receipt_prove(struct registry *reg, struct db_conn *conn, struct receipt *r, struct problem *p)
    __attribute__((warn_unused_result));

#endif
