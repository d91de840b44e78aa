/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on the anchor tables (sql/0005_anchors.sql). */
#ifndef PROVD_DB_ANCHORS_H
#define PROVD_DB_ANCHORS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/anchor.h"
#include "db/pool.h"

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

/* Up to limit anchors with an id below before (0: from the newest), newest first; the caller
 * frees out with anchor_rows_free. */
enum db_status db_anchor_list(struct db_conn *conn, int64_t before, unsigned limit,
                              struct anchor_rows *out) __attribute__((warn_unused_result));
/* Zero or one anchor. */
enum db_status db_anchor_get(struct db_conn *conn, int64_t id, struct anchor_rows *out)
    __attribute__((warn_unused_result));
#endif
