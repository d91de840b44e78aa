/* SPDX-License-Identifier: Apache-2.0 */
/* provd log check: an operator's fsck of the whole log, in the spirit of Tessera's fsck.
 *
 * DESIGN: one read-only REPEATABLE READ snapshot (a running worker raises no false alarm), read
 * by log index range, LOGCHECK_BATCH entries and everything about them per round trip
 * (db_logcheck_batch), which LOGCHECK_READERS more sessions importing the snapshot read ahead
 * (in turns, each holding one range ready) while this thread checks. Every leaf is re-derived from
 * the stored record with the record code the sequencer hashes (core/item.h item_record_write,
 * dataset_record_write, model_record_write) and compared with the stored level-0 tile at once; the
 * tree is rebuilt in bounded memory twice over: a compact range (tlog/compact.h) gives the root at
 * every checkpoint's and anchor's size, the sequencer's tile edge (tlog/tiles.h) the tiles of every
 * level, compared with the stored ones as they complete and at the end. Each checkpoint's root,
 * note (signature by log_state's vkey, origin, size, root) and consistency with the one before (a
 * proof from the stored tiles checked by tlog/merkle.h) are checked; so is each anchor's root. Then
 * what lies beyond the tree size: entries, checkpoints, anchors, tiles. The check stops at the
 * first difference, which the report names (a log index, a tile L/N, a checkpoint's size, an
 * anchor's id, a file).
 *
 * With a tiles directory (C2SP tlog-tiles, as provd worker --tiles-dir publishes), every file
 * in it is compared too: hash tiles and their partial versions with the rebuilt tiles, entry
 * bundles with the re-derived records, the checkpoint file with the log's checkpoints; a file
 * that is not a tile path, or lies past the tree, is a difference. */
#ifndef PROVD_REGISTRY_LOGCHECK_H
#define PROVD_REGISTRY_LOGCHECK_H

#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"

#define LOGCHECK_BATCH       32768 /* entries per round trip: a multiple of the tile width */
#define LOGCHECK_READERS     2     /* reading sessions, taking turns by range */
#define LOGCHECK_FAILURE_MAX 512

struct logcheck_options {
    /* More sessions read the next ranges while this one checks (same snapshot, exported);
     * NULL: this session does both, in turn. Borrowed. */
    const char *database_url;
    const struct db_limits *limits;
    const char *tiles_dir; /* borrowed; NULL: no static files to compare */
    /* Called after every batch with the entries checked so far and the tree size; NULL: none. */
    void (*progress)(void *ctx, uint64_t done, uint64_t total);
    void *ctx;
};

struct logcheck_report {
    bool ok;                            /* false: failure names the first difference */
    char failure[LOGCHECK_FAILURE_MAX]; /* e.g. "log index 1234: leaf hash differs from tile 0/4" */
    uint64_t tree_size, items, datasets, models;
    uint64_t tiles, checkpoints, proofs, anchors, files; /* compared */
};

/* Checks the whole log of conn's database into r. DB_OK when the check ran (r->ok tells its
 * verdict); another status when the database failed it (reason logged), r then undecided. */
enum db_status logcheck_run(struct db_conn *conn, const struct logcheck_options *o,
                            struct logcheck_report *r) __attribute__((warn_unused_result));

#endif
