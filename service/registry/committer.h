/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit: single registrations handed over by the threads that checked them share one
 * transaction and one commit.
 *
 * DESIGN: a queue under a mutex and condvar, served by a few committer threads (Redis' bio.c).
 * A committer that finds the queue empty sleeps; one that finds jobs takes at once all those
 * queued (up to group_max, all with the keyless flag of the first, which decides the signer
 * policy of the group) and stores them as one group. There is no timed window: an idle committer
 * commits a lone registration at once, so low load costs no latency, and the registrations that
 * arrive while every committer is busy with a commit gather for the next one, so groups grow
 * with the load by themselves. The store (a callback, so that the queue's logic can be tested
 * with a fake one) fills each member's outcome; then each member's done callback runs, on the
 * committer thread, exactly once. Nothing here knows of HTTP or of the database. */
#ifndef PROVD_REGISTRY_COMMITTER_H
#define PROVD_REGISTRY_COMMITTER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "registry/items.h"

#define COMMITTER_THREADS_MAX 16
#define COMMITTER_GROUP_MAX   256 /* registrations in one commit */

/* One registration waiting for its commit. Owned by whoever submitted it; the committer only
 * borrows it between committer_submit and done. */
struct register_job {
    struct register_entry e; /* e.req: the checked request; after the store: e.rows or e.err */
    bool keyless;            /* registry/items.h registry_register_submit */
    void (*done)(struct register_job *job); /* on a committer thread; may free job */
    void *arg;                              /* the submitter's */
    struct register_job *next;              /* in the queue, under the lock */
};

/* Stores the n members of a group (all with the same keyless flag), setting each one's e.rows
 * (one row) or e.err. */
typedef void (*committer_store)(void *ctx, struct register_job **group, size_t n);

struct committer_thread {
    struct committer *c;
    pthread_t thread;
    struct register_job **group; /* room for group_max members, owned */
};

struct committer {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct register_job *head, **tail; /* the queue, under the lock */
    bool stop, started;
    size_t group_max;
    committer_store store;
    void *ctx;
    unsigned n_threads;
    struct committer_thread threads[COMMITTER_THREADS_MAX];
    /* For /metrics: commits (groups stored), their members, and jobs waiting in the queue. */
    atomic_uint_fast64_t commits, members;
    atomic_uint queued;
};

/* Starts threads committers (1..COMMITTER_THREADS_MAX) storing groups of at most group_max with
 * store(ctx, ...); false (nothing to undo) on failure. */
bool committer_start(struct committer *c, unsigned threads, size_t group_max, committer_store store,
                     void *ctx) __attribute__((warn_unused_result));
/* Queues job for the next group: false (job untouched, done never called) when the committer
 * is not running. */
bool committer_submit(struct committer *c, struct register_job *job)
    __attribute__((warn_unused_result));
/* Stores what is queued, then stops the threads. Harmless when never started. */
void committer_stop(struct committer *c);

#endif
