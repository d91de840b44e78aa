/* SPDX-License-Identifier: Apache-2.0 */
/* Grouping of concurrent requests: jobs handed over by the HTTP threads are served in groups
 * by a few threads, so that many share one database statement. Single registrations share one
 * commit (group commit), provenance lookups one query.
 *
 * DESIGN: a queue under a mutex and condvar, served by a few threads (Redis' bio.c). A thread
 * that finds the queue empty sleeps; one that finds jobs takes at once all those queued (up to
 * group_max, all of the kind of the first: registrations whose signer policies differ cannot
 * share a statement) and serves them as one group. There is no timed window: an idle thread
 * serves a lone job at once, so low load costs no latency, and the jobs that arrive while every
 * thread is busy gather for the next group, so groups grow with the load by themselves. The
 * serve callback (a callback, so that the queue's logic can be tested with a fake one) fills
 * each member's outcome; then each member's done callback runs, on the serving thread, exactly
 * once. Nothing here knows of HTTP or of the database. */
#ifndef PROVD_REGISTRY_GROUPER_H
#define PROVD_REGISTRY_GROUPER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#define GROUPER_THREADS_MAX 16

/* One job waiting for its group, the first member of the submitter's own struct. Owned by
 * whoever submitted it; the grouper only borrows it between grouper_submit and done. */
struct group_job {
    unsigned kind;                       /* a group's members share it */
    void (*done)(struct group_job *job); /* on a grouper thread; may free the job */
    void *arg;                           /* the submitter's */
    struct group_job *next;              /* in the queue, under the lock */
};

/* Serves the n members of a group (all of one kind), setting each one's outcome. */
typedef void (*grouper_serve)(void *ctx, struct group_job **group, size_t n);

struct grouper_thread {
    struct grouper *g;
    pthread_t thread;
    struct group_job **group; /* room for group_max members, owned */
};

struct grouper {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct group_job *head, **tail; /* the queue, under the lock */
    bool stop, started;
    size_t group_max;
    grouper_serve serve;
    void *ctx;
    unsigned n_threads;
    struct grouper_thread threads[GROUPER_THREADS_MAX];
    /* For /metrics: groups served, their members, and jobs waiting in the queue. */
    atomic_uint_fast64_t groups, members;
    atomic_uint queued;
};

/* Starts threads (1..GROUPER_THREADS_MAX) serving groups of at most group_max with
 * serve(ctx, ...); false (nothing to undo) on failure. */
bool grouper_start(struct grouper *g, unsigned threads, size_t group_max, grouper_serve serve,
                   void *ctx) __attribute__((warn_unused_result));
/* Queues job for the next group: false (job untouched, done never called) when the grouper is
 * not running. */
bool grouper_submit(struct grouper *g, struct group_job *job) __attribute__((warn_unused_result));
/* Serves what is queued, then stops the threads. Harmless when never started. */
void grouper_stop(struct grouper *g);

#endif
