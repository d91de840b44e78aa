/* SPDX-License-Identifier: Apache-2.0 */
/* Group commit; the design is in registry/committer.h. */
#include "registry/committer.h"

#include <stdlib.h>
#include <string.h>

/* Under the lock, with a job queued: unlinks into group the first job and those after it with
 * the same keyless flag, up to group_max, leaving the others in order. */
static size_t take_group(struct committer *c, struct register_job **group)
{
    bool keyless = c->head->keyless;
    size_t n = 0;
    struct register_job **link = &c->head;
    while (*link && n < c->group_max) {
        struct register_job *j = *link;
        if (j->keyless != keyless) {
            link = &j->next;
            continue;
        }
        *link = j->next;
        if (!j->next)
            c->tail = link; /* j was the last */
        j->next = NULL;
        group[n++] = j;
    }
    atomic_fetch_sub(&c->queued, (unsigned)n);
    return n;
}

static void commit_group(struct committer *c, struct register_job **group, size_t n)
{
    c->store(c->ctx, group, n);
    atomic_fetch_add(&c->commits, 1);
    atomic_fetch_add(&c->members, n);
    for (size_t i = 0; i < n; i++)
        group[i]->done(group[i]); /* the job may be gone after this */
}

/* A committer thread: groups and stores what is queued until stopped and drained. */
static void *commit_loop(void *arg)
{
    struct committer_thread *t = arg;
    struct committer *c = t->c;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->head && !c->stop)
            pthread_cond_wait(&c->work, &c->lock);
        if (!c->head)
            break; /* stopping, and nothing left */
        size_t n = take_group(c, t->group);
        pthread_mutex_unlock(&c->lock);
        commit_group(c, t->group, n);
        pthread_mutex_lock(&c->lock);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Stops and joins the first n threads, and frees every thread's room. */
static void stop_threads(struct committer *c, unsigned n)
{
    pthread_mutex_lock(&c->lock);
    c->stop = true;
    pthread_cond_broadcast(&c->work);
    pthread_mutex_unlock(&c->lock);
    for (unsigned i = 0; i < n; i++)
        pthread_join(c->threads[i].thread, NULL);
    for (unsigned i = 0; i < c->n_threads; i++)
        free(c->threads[i].group);
}

bool committer_start(struct committer *c, unsigned threads, size_t group_max, committer_store store,
                     void *ctx)
{
    memset(c, 0, sizeof *c);
    if (threads < 1 || threads > COMMITTER_THREADS_MAX || group_max < 1)
        return false;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->work, NULL);
    c->tail = &c->head;
    c->group_max = group_max;
    c->store = store;
    c->ctx = ctx;
    c->n_threads = threads;
    unsigned started = 0;
    for (unsigned i = 0; i < threads; i++) {
        struct committer_thread *t = &c->threads[i];
        t->c = c;
        t->group = calloc(group_max, sizeof *t->group);
        if (!t->group || pthread_create(&t->thread, NULL, commit_loop, t) != 0)
            break;
        started++;
    }
    if (started == threads) {
        c->started = true;
        return true;
    }
    stop_threads(c, started);
    pthread_cond_destroy(&c->work);
    pthread_mutex_destroy(&c->lock);
    return false;
}

bool committer_submit(struct committer *c, struct register_job *job)
{
    if (!c->started)
        return false;
    job->next = NULL;
    pthread_mutex_lock(&c->lock);
    bool open = !c->stop;
    if (open) {
        *c->tail = job;
        c->tail = &job->next;
        atomic_fetch_add(&c->queued, 1);
        pthread_cond_signal(&c->work);
    }
    pthread_mutex_unlock(&c->lock);
    return open;
}

void committer_stop(struct committer *c)
{
    if (!c->started)
        return;
    stop_threads(c, c->n_threads);
    pthread_cond_destroy(&c->work);
    pthread_mutex_destroy(&c->lock);
    c->started = false;
}
