/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on the log tables (sql/0003_log.sql). */
#ifndef PROVD_DB_TLOG_H
#define PROVD_DB_TLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "core/loghead.h"
#include "util/buf.h"
#include "core/dataset.h"
#include "core/item.h"
#include "core/model.h"
#include "db/pool.h"
#include "tlog/tiles.h"

/* Tries the sequencer lock for this session; *got tells whether we hold it. */
enum db_status db_log_try_lock(struct db_conn *conn, bool *got) __attribute__((warn_unused_result));
/* Whether this session still holds the sequencer lock. */
enum db_status db_log_holds_lock(struct db_conn *conn, bool *held)
    __attribute__((warn_unused_result));
/* Creates the log_state row if missing. */
enum db_status db_log_state_create(struct db_conn *conn, const char *origin, const char *vkey)
    __attribute__((warn_unused_result));
/* Locks log_state (in the caller's transaction) and reads its origin, vkey and tree_size into
 * head (no checkpoint members); the caller frees head with log_head_free. */
enum db_status db_log_state_lock(struct db_conn *conn, struct log_head *head)
    __attribute__((warn_unused_result));
/* log_state and the latest checkpoint for readers (see struct log_head); the caller frees head
 * with log_head_free. */
enum db_status db_log_head(struct db_conn *conn, struct log_head *head)
    __attribute__((warn_unused_result));
/* Up to limit queued registrations with an id above after, by id: their records only (the
 * log, signer and anchor members of the rows are unset); the caller frees out. */
enum db_status db_log_queue_batch(struct db_conn *conn, int64_t after, unsigned limit,
                                  struct item_rows *out) __attribute__((warn_unused_result));
/* Up to limit sealed datasets waiting for the log, by id; the caller frees out. */
enum db_status db_log_queue_datasets(struct db_conn *conn, unsigned limit, struct dataset_rows *out)
    __attribute__((warn_unused_result));

/* What a log entry records. */
enum log_record_kind { LOG_RECORD_ITEM, LOG_RECORD_DATASET, LOG_RECORD_MODEL };

/* Stores entries (first_index + i, ids[i]) of records of kind and removes them from their
 * queue. */
enum db_status db_log_entries_insert(struct db_conn *conn, enum log_record_kind kind,
                                     uint64_t first_index, const int64_t *ids, size_t n)
    __attribute__((warn_unused_result));
/* Inserts or replaces tiles. */
enum db_status db_log_tiles_put(struct db_conn *conn, const struct tile *const *tiles, size_t n)
    __attribute__((warn_unused_result));
/* Reads the tiles (levels[i], idxs[i]) that exist into out (capacity n); *found receives how
 * many. */
enum db_status db_log_tiles_get(struct db_conn *conn, const unsigned *levels, const uint64_t *idxs,
                                size_t n, struct tile *out, size_t *found)
    __attribute__((warn_unused_result));
/* Records a checkpoint and the new tree size. */
enum db_status db_log_checkpoint_insert(struct db_conn *conn, uint64_t size,
                                        const uint8_t root[MERKLE_HASH_LEN], const char *note)
    __attribute__((warn_unused_result));

/* tlog-tiles reads (registry/logread.c). */
/* Whether a checkpoint with a tree size in lo..hi (inclusive, both at most INT64_MAX) exists. */
enum db_status db_log_checkpoint_between(struct db_conn *conn, uint64_t lo, uint64_t hi,
                                         bool *exists) __attribute__((warn_unused_result));
/* The logged records with log indexes first .. first + n - 1, by kind, each set ordered by log
 * index (their log_index members set): three statements in one round trip. The caller frees
 * the rows. */
struct log_records {
    struct item_rows items;
    struct dataset_rows datasets;
    struct model_rows models;
};
enum db_status db_log_records_range(struct db_conn *conn, uint64_t first, unsigned n,
                                    struct log_records *out) __attribute__((warn_unused_result));
/* Frees the rows of db_log_records_range. */
void db_log_records_free(struct log_records *r);

#endif
