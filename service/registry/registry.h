/* SPDX-License-Identifier: Apache-2.0 */
/* The domain layer: what provd does, independent of how it is asked. Registration (one or many),
 * provenance, the signer registry, API keys, receipts and proofs, and the log's and anchors'
 * read side; the sequencer service lives here too. HTTP handlers and CLI commands are thin
 * adapters over these functions: they parse, call one of them, and present the result.
 *
 * Every function reports a failure as a struct problem (core/problem.h): PROBLEM_NONE on
 * success, PROBLEM_DB_UNAVAILABLE when the database cannot be reached (retry), PROBLEM_INTERNAL
 * for a bug or a broken schema, or the domain's own codes. Rows returned in core/ types belong to
 * the caller, who frees them with the type's _free function. */
#ifndef PROVD_REGISTRY_REGISTRY_H
#define PROVD_REGISTRY_REGISTRY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/problem.h"
#include "db/pool.h"
#include "registry/auth.h"
#include "registry/ctxcache.h"
#include "registry/stats.h"
#include "tlog/proofcache.h"
#include "tlog/tilecache.h"

struct grouper;

struct registry_policy {
    bool require_known_signer; /* refuse registrations by signers not in the signer registry */
    bool open_registration;    /* known signers may register without an API key */
};

/* Totals of settled audits (final, as of the logged seal), which depend on nothing but the
 * dataset and the highest confirmed anchor below its record: keyed by both. */
#define AUDIT_CACHE_SLOTS 256
struct audit_totals {
    int64_t dataset_id; /* 0: empty slot */
    uint64_t anchored_below;
    uint64_t members, passing, failing, by_reason[AUDIT_REASONS];
};
struct audit_cache {
    pthread_mutex_t lock;
    struct audit_totals slot[AUDIT_CACHE_SLOTS]; /* direct-mapped by dataset id */
};

/* The state the domain functions share: the pool and the caches. Thread-safe. */
struct registry {
    struct db_pool *pool; /* borrowed: whoever created the registry owns it */
    struct registry_policy policy;
    struct auth_cache auth;    /* API keys */
    struct tile_cache tiles;   /* full tiles for proofs */
    struct proof_cache proofs; /* consistency proofs */
    struct ctx_cache contexts; /* receipts' log contexts */
    struct audit_cache audits; /* settled audits' totals */
    struct stats_cache stats;  /* GET /v1/stats replies (registry/stats.h) */
    /* registrations refused for an unknown signer before their signature was checked */
    atomic_uint_fast64_t signatures_skipped;
    /* owned; NULL until registry_start_groups (registry/items.h) */
    struct grouper *committer; /* group commit of single registrations */
    struct grouper *lookups;   /* single provenance lookups in groups */
};

/* Sets up reg over pool; false when out of memory (reg is then destroyed). */
bool registry_init(struct registry *reg, struct db_pool *pool, const struct registry_policy *policy)
    __attribute__((warn_unused_result));
/* Stops the groupers (once what they hold is served) and frees what reg owns. */
void registry_destroy(struct registry *reg);

/* The problem for a failed database call; returns false (see problem_set). */
bool registry_db_problem(enum db_status st, struct problem *p);
/* The outcome of a database call: true (p->code PROBLEM_NONE) on DB_OK, else as
 * registry_db_problem. */
bool registry_db_result(enum db_status st, struct problem *p);
/* Runs fn(conn, arg) in a transaction on a pooled connection; *p says what went wrong (a
 * domain refusal set by fn, which then returns DB_OK and changes nothing). */
bool registry_in_transaction(struct registry *reg, enum db_status (*fn)(struct db_conn *, void *),
                             void *arg, struct problem *p) __attribute__((warn_unused_result));

#endif
