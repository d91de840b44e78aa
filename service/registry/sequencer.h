/* SPDX-License-Identifier: Apache-2.0 */
/* The sequencer: gives queued registrations contiguous log indexes, updates the tree's tiles
 * and publishes a signed checkpoint, one transaction per batch.
 *
 * DESIGN: exactly one sequencer runs at a time, elected with a PostgreSQL session advisory
 * lock on its own connection; a worker that cannot take it polls every second, so when the
 * leader dies (its session ends) another takes over within about a second. Every batch
 * re-checks, inside its transaction, that the lock is still held and that log_state's size
 * (locked FOR UPDATE) is the size the in-memory tree edge was built for, so a leader that lost
 * its session can never write. Any failure rolls the batch back and drops leadership; the edge
 * is rebuilt from the stored tiles on the next election. Queue rows leave only in the batch that
 * logs them, so no registration is skipped, duplicated or reassigned whatever crashes.
 *
 * The queue is read by keyset (item ids above the last one logged): reading from its start would
 * wade through the index entries of rows already deleted. A registration whose id was taken
 * before, but committed after, ids already logged sits below the cursor, so every
 * SEQUENCER_SWEEP_EVERY batches, and whenever the cursor finds nothing, a batch reads from the
 * start again.
 *
 * Sealed datasets wait in their own queue; their records are appended after the batch's
 * registrations, and only by a batch that read the registration queue from its start and
 * emptied it, so every registration committed before a seal gets a lower index than the
 * dataset record (the audit's "registered before the seal" rests on it). Registered models wait
 * in a third queue and are appended last, by a batch that logs every dataset then queued, so a
 * model record follows the records of the datasets it names. */
#ifndef PROVD_REGISTRY_SEQUENCER_H
#define PROVD_REGISTRY_SEQUENCER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "db/pool.h"
#include "tlog/note.h"
#include "tlog/tiles.h"

#define SEQUENCER_BATCH       10000
#define SEQUENCER_SWEEP_EVERY 16
#define SEQUENCER_DATASETS    100 /* dataset records per batch at most */
#define SEQUENCER_MODELS      100 /* model records per batch at most */

struct sequencer {
    char *database_url;   /* owned */
    struct note_key key;  /* the log's signing key; its name is the origin */
    struct db_conn *conn; /* owned, NULL until connected */
    struct tile_edge edge;
    struct db_limits limits;
    bool leader;
    bool fatal;           /* misconfigured (the database holds another log): stop for good */
    unsigned batch;       /* max registrations per batch */
    int64_t cursor;       /* highest item id logged by this leader, 0 after (re)election */
    unsigned since_sweep; /* batches read from the cursor since the last full read */
};

/* Sets up s (no I/O) to connect to database_url with the limits l. False if the key cannot
 * sign. */
bool sequencer_init(struct sequencer *s, const char *database_url, const struct db_limits *l,
                    const struct note_key *key) __attribute__((warn_unused_result));
void sequencer_free(struct sequencer *s);
/* One step: takes leadership if possible and sequences at most one batch. Returns how many
 * registrations it logged (0: idle or not leader), or -1 on an error (logged; leadership is
 * dropped and will be retaken). */
int sequencer_step(struct sequencer *s);
/* Steps until *stop is set or a fatal error: polls every 100 ms while idle, 1 s while another
 * worker leads, backs off up to 5 s after errors. */
void sequencer_run(struct sequencer *s, atomic_bool *stop);

#endif
