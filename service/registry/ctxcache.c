/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/ctxcache.h"

#include <stdlib.h>
#include <string.h>

struct ctx_entry {
    atomic_uint refs; /* the cache's while kept, and one per holder of a reference */
    struct log_context_span span;
    struct log_context ctx;
    struct rows_owner owner; /* of ctx's strings */
    uint64_t used;           /* the cache's clock at the last hit */
};

static void entry_unref(void *ptr)
{
    struct ctx_entry *e = ptr;
    if (atomic_fetch_sub(&e->refs, 1) != 1)
        return;
    rows_owner_release(&e->owner);
    free(e);
}

static struct rows_owner entry_ref(struct ctx_entry *e)
{
    atomic_fetch_add(&e->refs, 1);
    return (struct rows_owner){e, entry_unref};
}

bool ctx_cache_init(struct ctx_cache *c)
{
    memset(c, 0, sizeof *c);
    c->v = calloc(CTX_CACHE_SPANS, sizeof *c->v);
    pthread_mutex_init(&c->lock, NULL);
    return c->v != NULL;
}

/* Drops every entry; with c->lock held. */
static void drop_all(struct ctx_cache *c)
{
    for (size_t i = 0; i < c->n; i++)
        entry_unref(c->v[i]);
    c->n = 0;
}

void ctx_cache_destroy(struct ctx_cache *c)
{
    if (c->v)
        drop_all(c);
    free(c->v);
    c->v = NULL;
    pthread_mutex_destroy(&c->lock);
}

/* The position of the first entry whose span ends above e; with c->lock held. */
static size_t find(const struct ctx_cache *c, uint64_t e)
{
    size_t lo = 0, hi = c->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->v[mid]->span.hi <= e)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool ctx_cache_get(struct ctx_cache *c, int64_t tag, uint64_t e, struct log_context *ctx,
                   struct rows_owner *ref)
{
    struct ctx_entry *hit = NULL;
    pthread_mutex_lock(&c->lock);
    size_t i = c->tag == tag ? find(c, e) : c->n;
    if (i < c->n && c->v[i]->span.lo <= e) {
        hit = c->v[i];
        hit->used = ++c->clock;
        *ctx = hit->ctx;
        *ref = entry_ref(hit);
    }
    pthread_mutex_unlock(&c->lock);
    atomic_fetch_add(hit ? &c->hits : &c->misses, 1);
    return hit != NULL;
}

/* Removes entry i; with c->lock held. */
static void remove_at(struct ctx_cache *c, size_t i)
{
    entry_unref(c->v[i]);
    memmove(&c->v[i], &c->v[i + 1], (c->n - i - 1) * sizeof *c->v);
    c->n--;
}

/* Makes room for e and puts it in order: it replaces an entry of the same span (two receipts
 * that missed together), else the least recently used goes when the cache is full; with
 * c->lock held. */
static void insert(struct ctx_cache *c, struct ctx_entry *e)
{
    size_t i = find(c, e->span.lo);
    if (i < c->n && c->v[i]->span.lo < e->span.hi) {
        entry_unref(c->v[i]);
        c->v[i] = e;
        return;
    }
    if (c->n == CTX_CACHE_SPANS) {
        size_t lru = 0;
        for (size_t j = 1; j < c->n; j++)
            if (c->v[j]->used < c->v[lru]->used)
                lru = j;
        remove_at(c, lru);
        i = find(c, e->span.lo);
    }
    memmove(&c->v[i + 1], &c->v[i], (c->n - i) * sizeof *c->v);
    c->v[i] = e;
    c->n++;
}

bool ctx_cache_put(struct ctx_cache *c, const struct log_context_span *span,
                   const struct log_context *ctx, struct rows_owner *owner)
{
    struct ctx_entry *e = calloc(1, sizeof *e);
    if (!e)
        return false;
    atomic_init(&e->refs, 2); /* the cache's and the caller's */
    e->span = *span;
    e->ctx = *ctx;
    e->owner = *owner;
    *owner = (struct rows_owner){e, entry_unref};
    pthread_mutex_lock(&c->lock);
    if (c->tag != span->tag) {
        drop_all(c);
        c->tag = span->tag;
    }
    e->used = ++c->clock;
    insert(c, e);
    pthread_mutex_unlock(&c->lock);
    return true;
}
