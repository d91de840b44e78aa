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

/* Reads a record's row on conn (lean: without its log context) into r (owner, record, id,
 * pending_status, logged, log_index) and what it says of the log context into c (core/loghead.h).
 * False with *p set when there is no such record or the read failed. arg is the caller's. */
typedef bool (*receipt_read)(struct db_conn *conn, bool lean, const void *arg, struct receipt *r,
                             struct receipt_context *c, struct problem *p);
/* The receipt read reads, proved: from the lean read when a log context is kept for its entry
 * under the tag it read (registry/ctxcache.h), else from the full read, whose context is then
 * kept. */
bool receipt_load(struct registry *reg, struct db_conn *conn, receipt_read read, const void *arg,
                  struct receipt *r, struct problem *p) __attribute__((warn_unused_result));

/* Completes a receipt whose record, logged, log_index and ctx are set, on conn: the leaf hash
 * and, once logged, the proofs. */
bool receipt_prove(struct registry *reg, struct db_conn *conn, struct receipt *r, struct problem *p)
    __attribute__((warn_unused_result));

#endif
