/* SPDX-License-Identifier: Apache-2.0 */
/* The event feed (GET /v1/events): one thread per `provd serve` that LISTENs for every writer's
 * NOTIFY (db/events.h), reads what followed its position once per wake-up, and hands each event
 * to a sink (the HTTP adapter fans it out to the subscribers). Also the replay of what followed
 * a client's position, for a client that reconnects.
 *
 * DESIGN. Events are not stored: each is read back from the table its write changed, so
 * registrations cost nothing extra but a NOTIFY now and then (db/items.c). The position
 * (core/event.h) has one component per source, each totally ordered in commit order, so any
 * instance replays exactly what followed a position another instance handed out. The thread
 * wakes on a notification, stays awake for HOT_MS after one (a process announces registrations
 * at most every 20 ms) polling every HOT_POLL_MS, and otherwise looks every IDLE_POLL_MS anyway,
 * so a lost wake-up costs at most that. When PostgreSQL goes away it reconnects with backoff,
 * LISTENs again and reads everything past its position: no event is lost for the subscribers
 * that stayed. */
#ifndef PROVD_REGISTRY_EVENTS_H
#define PROVD_REGISTRY_EVENTS_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/event.h"
#include "core/item.h"
#include "core/problem.h"
#include "db/pool.h"

struct registry;

/* One event as the sink gets it; the rows are borrowed for the call. type EVENT_TYPES_ means
 * only the position moved (no event). */
struct feed_event {
    enum event_type type;
    struct event_pos pos; /* the feed's position once this event is told */
    const struct item_row *item;
    const struct event_checkpoint *checkpoint;
    const struct event_anchor *anchor;
};

struct event_sink {
    void (*deliver)(void *arg, const struct feed_event *ev);
    /* Whether anyone subscribes: without, registrations are not read, only passed. */
    bool (*wanted)(void *arg);
    void *arg;
};

struct event_feed {
    char *url;
    struct db_limits limits;
    struct event_sink sink;
    pthread_t thread;
    bool running;
    atomic_bool stop;
};

/* Starts the feed's thread on a PostgreSQL session of its own (url and l copied). Until it has
 * its first position it delivers nothing; it then delivers a position-only event. False when
 * the thread cannot start. */
bool event_feed_start(struct event_feed *f, const char *url, const struct db_limits *l,
                      const struct event_sink *sink) __attribute__((warn_unused_result));
/* Stops the thread (within about IDLE_POLL_MS) and frees what start took. Harmless when never
 * started. */
void event_feed_stop(struct event_feed *f);

/* Delivers to sink, in order, every event after from up to upto (each component), on a pooled
 * connection: registrations, then checkpoints, then anchors. When there are more than max,
 * delivers nothing and sets *too_many. */
bool registry_events_replay(struct registry *reg, const struct event_pos *from,
                            const struct event_pos *upto, size_t max, const struct event_sink *sink,
                            bool *too_many, struct problem *p) __attribute__((warn_unused_result));

#endif
