/* SPDX-License-Identifier: Apache-2.0 */
/* The anchorer: the worker thread that commits the log's checkpoints to Ethereum.
 *
 * DESIGN: like the sequencer, exactly one anchorer runs per database, elected with a session
 * advisory lock; each of its writes re-checks the lock in the same statement. Every
 * --anchor-interval, if the log grew past the last anchored size, it records a pending anchor
 * of the latest checkpoint, then drives it to confirmed with the tracker (anchor/tracker.h),
 * one step per --anchor-poll. Only one anchor is in flight; the next is created once it is
 * confirmed. The database is the source of truth: after any storage failure the in-memory
 * anchor is dropped and reloaded. Node outages back off exponentially up to 30 s. */
#ifndef PROVD_ANCHOR_ANCHORER_H
#define PROVD_ANCHOR_ANCHORER_H

#include <stdatomic.h>
#include <stdbool.h>

#include "anchor/tracker.h"
#include "db/pool.h"
#include "eth/rpc.h"
#include "tlog/note.h"

struct anchorer {
    char *database_url; /* owned */
    struct db_limits db_limits;
    struct db_conn *conn;
    struct eth_rpc rpc;
    struct tracker_config tc;
    char origin[NOTE_NAME_MAX];
    uint32_t key_id;
    uint64_t want_chain_id; /* 0: any */
    unsigned interval_s, poll_ms;
    bool leader, chain_known, has_active;
    bool fatal; /* misconfigured (wrong chain): stop the worker */
    struct anchor active;
};

/* What the anchorer is told (strings borrowed for anchorer_init's call). */
struct anchorer_options {
    const char *database_url;
    struct db_limits db_limits; /* of its database session */
    const char *eth_rpc_url;
    unsigned eth_rpc_timeout; /* milliseconds */
    const char *eth_key_file; /* hex secp256k1 private key */
    uint64_t eth_chain_id;    /* 0: whatever the node reports */
    const char *anchor_to;    /* NULL: the sender's own address */
    unsigned anchor_interval; /* seconds */
    unsigned anchor_depth;    /* confirmations; 0 means the "finalized" block */
    unsigned anchor_replace_blocks;
    uint64_t eth_max_fee, eth_max_priority_fee; /* wei per gas */
    unsigned anchor_poll;                       /* milliseconds */
};

/* Reads the key file and sets up a (no network or database I/O). False (reason logged) on a
 * bad key or configuration. */
bool anchorer_init(struct anchorer *a, const struct anchorer_options *cfg,
                   const struct note_key *log_key) __attribute__((warn_unused_result));
void anchorer_free(struct anchorer *a);
/* Reads a hex secp256k1 private key (optional 0x, surrounding whitespace) from path. */
bool anchorer_read_key(const char *path, uint8_t key[32]) __attribute__((warn_unused_result));
/* Runs until *stop is set or a fatal error. */
void anchorer_run(struct anchorer *a, atomic_bool *stop);

#endif
