/* SPDX-License-Identifier: Apache-2.0 */
/* Grouping of concurrent requests; the design is in registry/grouper.h. */
#include "registry/grouper.h"

#include <stdlib.h>
#include <string.h>

/* Under the lock, with a job queued: unlinks into group the first job and those after it with
 * the same kind, up to group_max, leaving the others in order. */
static size_t take_group(struct grouper *g, struct group_job **group)
{
    unsigned kind = g->head->kind;
    size_t n = 0;
    struct group_job **link = &g->head;
    while (*link && n < g->group_max) {
        struct group_job *j = *link;
        if (j->kind != kind) {
            link = &j->next;
            continue;
        }
        *link = j->next;
        if (!j->next)
            g->tail = link; /* j was the last */
        j->next = NULL;
        group[n++] = j;
    }
    atomic_fetch_sub(&g->queued, (unsigned)n);
    return n;
}

static void serve_group(struct grouper *g, struct group_job **group, size_t n)
{
    g->serve(g->ctx, group, n);
    atomic_fetch_add(&g->groups, 1);
    atomic_fetch_add(&g->members, n);
    for (size_t i = 0; i < n; i++)
        group[i]->done(group[i]); /* the job may be gone after this */
}

/* A grouper thread: groups and serves what is queued until stopped and drained. */
static void *serve_loop(void *arg)
{
    struct grouper_thread *t = arg;
    struct grouper *g = t->g;
    pthread_mutex_lock(&g->lock);
    for (;;) {
        while (!g->head && !g->stop)
            pthread_cond_wait(&g->work, &g->lock);
        if (!g->head)
            break; /* stopping, and nothing left */
        size_t n = take_group(g, t->group);
        pthread_mutex_unlock(&g->lock);
        serve_group(g, t->group, n);
        pthread_mutex_lock(&g->lock);
    }
    pthread_mutex_unlock(&g->lock);
    return NULL;
}

/* Stops and joins the first n threads, and frees every thread's room. */
static void stop_threads(struct grouper *g, unsigned n)
{
    pthread_mutex_lock(&g->lock);
    g->stop = true;
    pthread_cond_broadcast(&g->work);
    pthread_mutex_unlock(&g->lock);
    for (unsigned i = 0; i < n; i++)
        pthread_join(g->threads[i].thread, NULL);
    for (unsigned i = 0; i < g->n_threads; i++)
        free(g->threads[i].group);
}

bool grouper_start(struct grouper *g, unsigned threads, size_t group_max, grouper_serve serve,
                   void *ctx)
{
    memset(g, 0, sizeof *g);
    if (threads < 1 || threads > GROUPER_THREADS_MAX || group_max < 1)
        return false;
    pthread_mutex_init(&g->lock, NULL);
    pthread_cond_init(&g->work, NULL);
    g->tail = &g->head;
    g->group_max = group_max;
    g->serve = serve;
    g->ctx = ctx;
    g->n_threads = threads;
    unsigned started = 0;
    for (unsigned i = 0; i < threads; i++) {
        struct grouper_thread *t = &g->threads[i];
        t->g = g;
        t->group = calloc(group_max, sizeof *t->group);
        if (!t->group || pthread_create(&t->thread, NULL, serve_loop, t) != 0)
            break;
        started++;
    }
    if (started == threads) {
        g->started = true;
        return true;
    }
    stop_threads(g, started);
    pthread_cond_destroy(&g->work);
    pthread_mutex_destroy(&g->lock);
    return false;
}

bool grouper_submit(struct grouper *g, struct group_job *job)
{
    if (!g->started)
        return false;
    job->next = NULL;
    pthread_mutex_lock(&g->lock);
    bool open = !g->stop;
    if (open) {
        *g->tail = job;
        g->tail = &job->next;
        atomic_fetch_add(&g->queued, 1);
        pthread_cond_signal(&g->work);
    }
    pthread_mutex_unlock(&g->lock);
    return open;
}

void grouper_stop(struct grouper *g)
{
    if (!g->started)
        return;
    stop_threads(g, g->n_threads);
    pthread_cond_destroy(&g->work);
    pthread_mutex_destroy(&g->lock);
    g->started = false;
}
