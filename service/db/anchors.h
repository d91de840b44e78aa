/* Statements on the anchor tables (sql/0005_anchors.sql). PGresults belong to the caller. */
#ifndef PROVD_DB_ANCHORS_H
#define PROVD_DB_ANCHORS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/anchor.h"
#include "db/exec.h"

/* Columns of the rows the API reads (db_anchor_list, db_anchor_get, receipts). */
enum anchor_col {
    ANCHOR_COL_ID,
    ANCHOR_COL_CHAIN_ID,
    ANCHOR_COL_SENDER,    /* hex, no 0x */
    ANCHOR_COL_RECIPIENT, /* hex, no 0x */
    ANCHOR_COL_TREE_SIZE,
    ANCHOR_COL_ROOT, /* hex */
    ANCHOR_COL_CALLDATA,
    ANCHOR_COL_STATUS,
    ANCHOR_COL_NONCE,
    ANCHOR_COL_TX_HASH, /* hex, no 0x */
    ANCHOR_COL_BLOCK_NUMBER,
    ANCHOR_COL_BLOCK_HASH,
    ANCHOR_COL_CONFIRMATIONS,
    ANCHOR_COL_ATTEMPTS,
    ANCHOR_COL_LAST_ERROR,
    ANCHOR_COL_CREATED_US, /* timestamps in microseconds since the epoch */
    ANCHOR_COL_SUBMITTED_US,
    ANCHOR_COL_MINED_US,
    ANCHOR_COL_CONFIRMED_US,
    ANCHOR_COL_UPDATED_US,
    ANCHOR_COL_COUNT_
};

/* The ANCHOR_COL_* select list over anchors aliased a (no FROM: other modules join it). */
// clang-format off
#define DB_ANCHOR_COLUMNS                                                                          \
    "a.id, a.chain_id, encode(a.sender, 'hex'), encode(a.recipient, 'hex'), a.tree_size, "         \
    "encode(a.root, 'hex'), encode(a.calldata, 'hex'), a.status, a.nonce, "                        \
    "encode(a.tx_hash, 'hex'), a.block_number, encode(a.block_hash, 'hex'), a.confirmations, "     \
    "(SELECT count(*) FROM anchor_attempts t WHERE t.anchor_id = a.id), a.last_error, "           \
    "(extract(epoch FROM a.created_at) * 1000000)::bigint, "                                       \
    "(extract(epoch FROM a.submitted_at) * 1000000)::bigint, "                                     \
    "(extract(epoch FROM a.mined_at) * 1000000)::bigint, "                                         \
    "(extract(epoch FROM a.confirmed_at) * 1000000)::bigint, "                                     \
    "(extract(epoch FROM a.updated_at) * 1000000)::bigint"
// clang-format on

/* The anchoring lock: one anchorer per database. */
enum db_status db_anchor_try_lock(struct db_conn *conn, bool *got)
    __attribute__((warn_unused_result));
/* Loads the unconfirmed anchor of (chain_id, sender) and its attempts into a; *found false when
 * there is none. */
enum db_status db_anchor_load_active(struct db_conn *conn, uint64_t chain_id,
                                     const uint8_t sender[20], struct anchor *a, bool *found)
    __attribute__((warn_unused_result));
/* The chain's newest anchor: its tree size and age in seconds; *found false if none. */
enum db_status db_anchor_last(struct db_conn *conn, uint64_t chain_id, uint64_t *tree_size,
                              double *age_s, bool *found) __attribute__((warn_unused_result));
/* Inserts a pending anchor (a->id receives its id) when this session holds the lock. */
enum db_status db_anchor_create(struct db_conn *conn, const uint8_t sender[20],
                                const uint8_t recipient[20], struct anchor *a)
    __attribute__((warn_unused_result));
/* Stores a new attempt with the anchor's nonce and gas limit (tracker_store.add_attempt). */
enum db_status db_anchor_add_attempt(struct db_conn *conn, const struct anchor *a,
                                     const struct anchor_attempt *at)
    __attribute__((warn_unused_result));
/* Stores the anchor's state and its attempts' sent marks (tracker_store.save). */
enum db_status db_anchor_save(struct db_conn *conn, const struct anchor *a)
    __attribute__((warn_unused_result));

/* Up to limit anchors with an id below before (0: from the newest), newest first. */
enum db_status db_anchor_list(struct db_conn *conn, int64_t before, unsigned limit, PGresult **res)
    __attribute__((warn_unused_result));
enum db_status db_anchor_get(struct db_conn *conn, int64_t id, PGresult **res)
    __attribute__((warn_unused_result));
#endif
