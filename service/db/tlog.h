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

/* provd log check (registry/logcheck.h): reads by log index range, all in the caller's
 * transaction, which db_logcheck_snapshot makes one read-only snapshot. */

#define DB_SNAPSHOT_ID_MAX 64
/* Makes the caller's transaction a REPEATABLE READ, READ ONLY snapshot (its first statement)
 * and exports it: id receives what db_logcheck_snapshot_import takes in another session. */
enum db_status db_logcheck_snapshot(struct db_conn *conn, char id[DB_SNAPSHOT_ID_MAX])
    __attribute__((warn_unused_result));
/* Makes the caller's transaction (its first statement) read the snapshot id, which the
 * exporting transaction must still hold open. */
enum db_status db_logcheck_snapshot_import(struct db_conn *conn, const char *id)
    __attribute__((warn_unused_result));

struct db_logcheck_entry {
    uint64_t log_index;
    enum log_record_kind kind;
    int64_t record_id; /* the entry's item_id, dataset_id or model_id (0: none) */
    const void *row;   /* its record among the batch's rows of kind (struct item_row, dataset_row
                          or model_row); NULL when the record is missing */
};
struct db_logcheck_checkpoint {
    uint64_t tree_size;
    uint8_t root[MERKLE_HASH_LEN];
    const char *note; /* borrowed from the batch */
    size_t note_len;
};
struct db_logcheck_anchor {
    int64_t id;
    uint64_t chain_id, tree_size;
    uint8_t root[MERKLE_HASH_LEN];
    const char *status; /* borrowed from the batch */
};

/* One range of the log, everything owned (db_logcheck_batch_free). */
struct db_logcheck_batch {
    struct db_logcheck_entry *entries; /* by log index */
    size_t n_entries;
    struct item_rows items;
    struct dataset_rows datasets;
    struct model_rows models;
    struct tile *tiles; /* the stored level-0 tiles over the range, by idx */
    size_t n_tiles;
    struct db_logcheck_checkpoint *checkpoints; /* by tree size */
    size_t n_checkpoints;
    struct db_logcheck_anchor *anchors; /* by tree size, then id */
    size_t n_anchors;
    struct rows_owner checkpoints_owner, anchors_owner;
};

/* Reads the entries with log indexes in [from, to) and their records, the stored level-0 tiles
 * over them, and the checkpoints (also the empty log's, size 0, when from is 0) and anchors of tree
 * sizes in (from, to]: one round trip. On DB_OK the caller frees out with db_logcheck_batch_free
 * (also safe after a failure). */
enum db_status db_logcheck_batch(struct db_conn *conn, uint64_t from, uint64_t to,
                                 struct db_logcheck_batch *out) __attribute__((warn_unused_result));
void db_logcheck_batch_free(struct db_logcheck_batch *b);

/* What the database holds past a tree of size leaves: the first entry at an index >= size, the
 * first checkpoint and anchor of a larger size, the first tile (by level, idx) at or past
 * limits[level] (level 8 and above: any). */
struct db_logcheck_beyond {
    bool has_entry, has_checkpoint, has_anchor, has_tile;
    uint64_t entry, checkpoint;
    int64_t anchor_id;
    uint64_t anchor_size;
    unsigned tile_level;
    uint64_t tile_idx;
};
enum db_status db_logcheck_beyond(struct db_conn *conn, uint64_t size,
                                  const uint64_t limits[TILE_MAX_LEVELS],
                                  struct db_logcheck_beyond *out)
    __attribute__((warn_unused_result));

#endif
