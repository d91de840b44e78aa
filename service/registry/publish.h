/* SPDX-License-Identifier: Apache-2.0 */
/* Static publishing (`provd worker --tiles-dir DIR`): the log as C2SP tlog-tiles files, for
 * nginx or object storage behind a CDN to serve without the database.
 *
 * DESIGN: a thread follows the log's latest checkpoint (it polls every PUBLISH_POLL_MS). For
 * each new one it writes, under exactly the tlog-tiles paths relative to DIR, every tile and
 * entry bundle that changed since the size DIR/checkpoint holds: the full ones completed since,
 * and the partial ones of the new size (tile/0/x001/234, tile/1/000.p/3, tile/entries/005).
 * The bytes are registry_log_tile's and registry_log_bundle's, so the files are exactly what
 * provd serves at the same paths. Each file is written to a temporary name next to it, fsync'd
 * and renamed over its path; then the file system is synced (syncfs), and only then the signed
 * checkpoint is written the same way and the directory fsync'd. A reader, and a publisher
 * restarted after kill -9, therefore never sees a checkpoint whose tiles are missing: at worst
 * tiles of a newer size than the checkpoint (rewritten with the same bytes on the next round).
 *
 * At start DIR must exist. A DIR/checkpoint already there must be one of this log's: signed by
 * its key and, once the database answers, a prefix of its tree (same root at that size, checked
 * with a consistency proof); anything else (another log's directory, a log whose database was
 * reset) stops the worker for good (`fatal`). Publishing resumes from its size. Memory is
 * bounded: one file's bytes at a time. One publisher per directory: two racing ones write the
 * same bytes, but may leave an older checkpoint last. */
#ifndef PROVD_REGISTRY_PUBLISH_H
#define PROVD_REGISTRY_PUBLISH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "db/pool.h"
#include "registry/registry.h"
#include "tlog/merkle.h"
#include "tlog/note.h"
#include "tlog/tilepath.h"
#include "util/buf.h"

#define PUBLISH_POLL_MS 200

struct publisher {
    char *dir;            /* owned: the directory's name, for messages */
    int dir_fd;           /* owned, -1 when closed */
    struct note_key key;  /* the log's key (its name is the origin); only verifies */
    struct db_pool *pool; /* owned, NULL until publisher_run connects */
    struct db_limits limits;
    char *database_url;  /* owned */
    struct registry reg; /* over pool, once reg_ready */
    bool reg_ready;
    bool published; /* DIR/checkpoint exists: size and root below are its */
    uint64_t size;
    uint8_t root[MERKLE_HASH_LEN];
    bool checked;           /* DIR/checkpoint was found to be a prefix of the log */
    bool fatal;             /* DIR holds another log's checkpoint: stop the worker */
    struct buf data;        /* one file's bytes */
    struct buf note;        /* the checkpoint note last written (witness cosignatures join it) */
    uint64_t files_written; /* since start */
    atomic_bool *stop;      /* borrowed from publisher_run's caller */
};

/* Calls emit for every tile and entry bundle of a tree of size `to` that a tree of size `from`
 * (<= to) does not have, in the order they are published: the entry bundles, then the hash
 * tiles level by level, each row's completed tiles before its partial one. False when from >
 * to, or at emit's first false. Pure. */
bool publish_changed(uint64_t from, uint64_t to, bool (*emit)(void *ctx, const struct tile_path *t),
                     void *ctx) __attribute__((warn_unused_result));

/* Opens dir and reads dir/checkpoint, if any (no database I/O). False, with the reason
 * logged, when dir is missing or not a directory, or its checkpoint is not signed by key or
 * not this origin's; p is then freed. */
bool publisher_init(struct publisher *p, const char *dir, const char *database_url,
                    const struct db_limits *l, const struct note_key *key)
    __attribute__((warn_unused_result));
void publisher_free(struct publisher *p);
/* One round: publishes the latest checkpoint if it is newer than DIR's. Returns 1 when it
 * wrote one, 0 when there was nothing new, -1 on an error (logged; the next round retries;
 * p->fatal set when it must not). */
int publisher_step(struct publisher *p);
/* Connects, then steps every PUBLISH_POLL_MS until *stop is set or p->fatal; backs off up to
 * 5 s after errors. */
void publisher_run(struct publisher *p, atomic_bool *stop);

#endif
