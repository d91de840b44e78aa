/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/registry.h"

#include <stdlib.h>
#include <string.h>

#include "registry/grouper.h"

bool registry_init(struct registry *reg, struct db_pool *pool, const struct registry_policy *policy)
{
    memset(reg, 0, sizeof *reg);
    reg->pool = pool;
    reg->policy = *policy;
    auth_cache_init(&reg->auth);
    pthread_mutex_init(&reg->audits.lock, NULL);
    if (!tile_cache_init(&reg->tiles) || !proof_cache_init(&reg->proofs) ||
        !ctx_cache_init(&reg->contexts) || !stats_cache_init(&reg->stats)) {
        registry_destroy(reg);
        return false;
    }
    return true;
}

/* Serves what *g holds, stops it and frees it. */
static void stop_grouper(struct grouper **g)
{
    if (*g)
        grouper_stop(*g);
    free(*g);
    *g = NULL;
}

void registry_destroy(struct registry *reg)
{
    stop_grouper(&reg->committer);
    stop_grouper(&reg->lookups);
    auth_cache_destroy(&reg->auth);
    tile_cache_destroy(&reg->tiles);
    proof_cache_destroy(&reg->proofs);
    ctx_cache_destroy(&reg->contexts);
    stats_cache_destroy(&reg->stats);
    pthread_mutex_destroy(&reg->audits.lock);
    reg->pool = NULL;
}

bool registry_db_problem(enum db_status st, struct problem *p)
{
    if (st == DB_UNAVAILABLE || st == DB_RETRY || st == DB_TIMEOUT)
        return problem_set(p, PROBLEM_DB_UNAVAILABLE, NULL,
                           "the database is unavailable; retry shortly");
    return problem_set(p, PROBLEM_INTERNAL, NULL, "%s", ""); /* the adapter names the request */
}

bool registry_db_result(enum db_status st, struct problem *p)
{
    if (st != DB_OK)
        return registry_db_problem(st, p);
    p->code = PROBLEM_NONE;
    return true;
}

bool registry_in_transaction(struct registry *reg, enum db_status (*fn)(struct db_conn *, void *),
                             void *arg, struct problem *p)
{
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = db_transaction(conn, fn, arg);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    return p->code == PROBLEM_NONE;
}
