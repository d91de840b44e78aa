/* SPDX-License-Identifier: Apache-2.0 */
/* Receipts' log contexts kept between receipts. A context (the checkpoint, its cosignatures,
 * the covering anchor) is the same for every entry of a span (core/loghead.h) and only changes
 * when log_state's context tag does (sql/0011), so a receipt reads its item and the tag, and
 * builds the context only when none is kept for its entry under that tag. Entries of one tag
 * only (another tag drops them all), in the order of their spans (which do not overlap under one
 * tag), at most CTX_CACHE_SPANS of them (a span per on-chain anchor: 1,024 cover a year of
 * anchors every 9 hours, or the latest ones), least recently used out first; one mutex. An
 * entry is shared: it lives while the cache or a receipt holds it. */
#ifndef PROVD_REGISTRY_CTXCACHE_H
#define PROVD_REGISTRY_CTXCACHE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/loghead.h"
#include "util/rows.h"

#define CTX_CACHE_SPANS 1024

struct ctx_cache {
    pthread_mutex_t lock;
    int64_t tag;          /* of every kept entry */
    struct ctx_entry **v; /* owned, CTX_CACHE_SPANS of them, ordered by span */
    size_t n;
    uint64_t clock;                    /* ticks at every hit, for least-recently-used */
    atomic_uint_fast64_t hits, misses; /* of ctx_cache_get */
};

bool ctx_cache_init(struct ctx_cache *c) __attribute__((warn_unused_result));
/* Drops the cache's hold on its entries (receipts still holding one keep it). */
void ctx_cache_destroy(struct ctx_cache *c);
/* The context kept for entry e under tag: true with *ctx set, its strings borrowed from *ref,
 * which the caller releases (rows_owner_release) once done with them. */
bool ctx_cache_get(struct ctx_cache *c, int64_t tag, uint64_t e, struct log_context *ctx,
                   struct rows_owner *ref);
/* Keeps ctx for span. It takes over *owner (where ctx's strings live, and whatever else its
 * caller read from there) and puts in its place a reference to the same storage, which the
 * caller releases as it would have released *owner. False, with *owner untouched, when out of
 * memory. */
bool ctx_cache_put(struct ctx_cache *c, const struct log_context_span *span,
                   const struct log_context *ctx, struct rows_owner *owner);

#endif
