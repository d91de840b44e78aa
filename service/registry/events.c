/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/events.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/diag.h"
#include "util/sleep.h"
#include "db/events.h"
#include "registry/registry.h"

#define HOT_MS       250  /* awake after a notification of registrations */
#define HOT_POLL_MS  20   /* how often while awake, or while registrations are settling */
#define IDLE_POLL_MS 1000 /* how often otherwise */
#define PAGE         1000 /* rows a statement reads */
#define BACKOFF_MAX  5000 /* ms between attempts to reconnect */

/* The thread's own state. */
struct feed_state {
    struct db_conn *conn;
    int pid;    /* the LISTENing session; 0: not listening */
    bool ready; /* pos was read */
    struct event_pos pos;
    bool pending; /* registrations up to horizon.last wait for its transactions */
    struct db_events_horizon horizon;
    int64_t hot_until; /* CLOCK_MONOTONIC ms */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void tell(const struct event_sink *sink, const struct feed_event *ev)
{
    sink->deliver(sink->arg, ev);
}

static void tell_position(const struct event_sink *sink, const struct event_pos *pos)
{
    const struct feed_event ev = {.type = EVENT_TYPES_, .pos = *pos};
    tell(sink, &ev);
}

/* Tells the registrations in (pos->item, upto], moving pos->item along. */
static enum db_status tell_items(struct db_conn *conn, const struct event_sink *sink,
                                 struct event_pos *pos, int64_t upto)
{
    for (;;) {
        struct item_rows rows;
        enum db_status st = db_events_items(conn, pos->item, upto, PAGE, &rows);
        if (st != DB_OK)
            return st;
        for (size_t i = 0; i < rows.n; i++) {
            pos->item = rows.v[i].id;
            const struct feed_event ev = {
                .type = EVENT_REGISTERED, .pos = *pos, .item = &rows.v[i]};
            tell(sink, &ev);
        }
        size_t n = rows.n;
        item_rows_free(&rows);
        if (n < PAGE)
            return DB_OK;
    }
}

static enum db_status tell_checkpoints(struct db_conn *conn, const struct event_sink *sink,
                                       struct event_pos *pos, int64_t upto)
{
    for (;;) {
        struct event_checkpoints rows;
        enum db_status st =
            db_events_checkpoints(conn, pos->tree_size, upto, pos->item, PAGE, &rows);
        if (st != DB_OK)
            return st;
        for (size_t i = 0; i < rows.n; i++) {
            pos->tree_size = rows.v[i].tree_size;
            const struct feed_event ev = {
                .type = EVENT_LOGGED, .pos = *pos, .checkpoint = &rows.v[i]};
            tell(sink, &ev);
        }
        size_t n = rows.n;
        event_checkpoints_free(&rows);
        if (n < PAGE)
            return DB_OK;
    }
}

static enum db_status tell_anchors(struct db_conn *conn, const struct event_sink *sink,
                                   struct event_pos *pos, int64_t upto)
{
    for (;;) {
        struct event_anchors rows;
        enum db_status st = db_events_anchors(conn, pos->anchor, upto, PAGE, &rows);
        if (st != DB_OK)
            return st;
        size_t n = rows.n;
        for (size_t i = 0; i < rows.n; i++) {
            if (rows.v[i].tree_size > pos->tree_size) {
                n = 0; /* after the checkpoint it anchors, which waits for its registrations */
                break;
            }
            pos->anchor = rows.v[i].pos;
            const struct feed_event ev = {
                .type = EVENT_ANCHORED, .pos = *pos, .anchor = &rows.v[i]};
            tell(sink, &ev);
        }
        event_anchors_free(&rows);
        if (n < PAGE)
            return DB_OK;
    }
}

/* Registrations: takes a horizon when there is none, and once it settled tells (or, without
 * subscribers, passes) everything up to it. */
static enum db_status items_round(const struct event_feed *f, struct feed_state *s)
{
    enum db_status st = DB_OK;
    if (!s->pending) {
        st = db_events_item_horizon(s->conn, &s->horizon);
        if (st != DB_OK || s->horizon.last <= s->pos.item)
            return st;
        s->pending = true;
    }
    bool settled = false;
    st = db_events_settled(s->conn, &s->horizon, &settled);
    if (st != DB_OK || !settled)
        return st;
    if (f->sink.wanted(f->sink.arg))
        st = tell_items(s->conn, &f->sink, &s->pos, s->horizon.last);
    if (st != DB_OK)
        return st;
    s->pos.item = s->horizon.last;
    s->pending = false;
    tell_position(&f->sink, &s->pos);
    return DB_OK;
}

/* The first position: the heads, and a settled registration horizon. */
static enum db_status first_position(struct event_feed *f, struct feed_state *s)
{
    enum db_status st = db_events_heads(s->conn, &s->pos.tree_size, &s->pos.anchor);
    if (st == DB_OK)
        st = db_events_item_horizon(s->conn, &s->horizon);
    bool settled = false;
    while (st == DB_OK && !settled && !atomic_load(&f->stop)) {
        st = db_events_settled(s->conn, &s->horizon, &settled);
        if (st == DB_OK && !settled)
            sleep_ms_unless(HOT_POLL_MS, &f->stop);
    }
    if (st != DB_OK || !settled)
        return st;
    s->pos.item = s->horizon.last;
    s->ready = true;
    tell_position(&f->sink, &s->pos);
    return DB_OK;
}

/* (Re)connects and LISTENs; true when listening. */
static bool feed_connect(struct event_feed *f, struct feed_state *s)
{
    if (!s->conn)
        s->conn = db_connect(f->url, 0, &f->limits);
    else if (!db_reconnect(s->conn))
        return false;
    return s->conn && db_events_listen(s->conn, &s->pid) == DB_OK;
}

/* One wake-up: what the notifications in kinds announced, or everything when look. */
static enum db_status feed_round(struct event_feed *f, struct feed_state *s, unsigned kinds,
                                 bool look)
{
    int64_t now = now_ms();
    if (kinds & DB_EVENTS_ITEMS)
        s->hot_until = now + HOT_MS;
    /* In causal order: a checkpoint after the registrations it logs, an anchor after its
     * checkpoint; while registrations settle (awake), what waits for them is looked at again. */
    bool hot = s->pending || now < s->hot_until;
    enum db_status st = DB_OK;
    if (look || kinds || hot)
        st = items_round(f, s);
    if (st == DB_OK && (look || hot || (kinds & DB_EVENTS_LOG)))
        st = tell_checkpoints(s->conn, &f->sink, &s->pos, INT64_MAX);
    if (st == DB_OK && (look || hot || (kinds & (DB_EVENTS_ANCHORS | DB_EVENTS_LOG))))
        st = tell_anchors(s->conn, &f->sink, &s->pos, INT64_MAX);
    return st;
}

static bool awake(const struct feed_state *s)
{
    return s->pending || now_ms() < s->hot_until;
}

static void *feed_main(void *arg)
{
    struct event_feed *f = arg;
    struct feed_state *s = calloc(1, sizeof *s);
    unsigned backoff = 100, kinds = 0;
    bool lost = false, look = true;
    while (s && !atomic_load(&f->stop)) {
        if (!s->pid && !feed_connect(f, s)) {
            sleep_ms_unless(backoff, &f->stop);
            backoff = backoff * 2 < BACKOFF_MAX ? backoff * 2 : BACKOFF_MAX;
            continue;
        }
        if (lost)
            diag_info("event feed: listening again; reading what it missed");
        lost = false;
        backoff = 100;
        enum db_status st = s->ready ? feed_round(f, s, kinds, look) : first_position(f, s);
        kinds = 0;
        bool was_awake = awake(s);
        if (st == DB_OK)
            st = db_events_wait(s->conn, s->pid, was_awake ? HOT_POLL_MS : IDLE_POLL_MS, &kinds);
        look = !kinds && !was_awake; /* idle and nothing came: look anyway */
        if (st == DB_OK)
            continue;
        diag_warn("event feed: lost its PostgreSQL session; reconnecting");
        lost = true;
        s->pid = 0;
        look = true;
    }
    if (s)
        db_disconnect(s->conn);
    else
        diag_error("event feed: out of memory");
    free(s);
    return NULL;
}

bool event_feed_start(struct event_feed *f, const char *url, const struct db_limits *l,
                      const struct event_sink *sink)
{
    memset(f, 0, sizeof *f);
    f->url = strdup(url);
    f->limits = *l;
    f->limits.application_name = "provd-events"; /* its own name in pg_stat_activity */
    f->sink = *sink;
    atomic_init(&f->stop, false);
    if (!f->url)
        return false;
    f->running = pthread_create(&f->thread, NULL, feed_main, f) == 0;
    if (!f->running) {
        free(f->url);
        f->url = NULL;
    }
    return f->running;
}

void event_feed_stop(struct event_feed *f)
{
    if (f->running) {
        atomic_store(&f->stop, true);
        pthread_join(f->thread, NULL);
    }
    f->running = false;
    free(f->url);
    f->url = NULL;
}

/* What a replay reads, before it tells any of it. */
struct replay_rows {
    struct item_rows items;
    struct event_checkpoints checkpoints;
    struct event_anchors anchors;
};

static enum db_status replay_read(struct db_conn *conn, const struct event_pos *from,
                                  const struct event_pos *upto, size_t max, struct replay_rows *r)
{
    unsigned limit = (unsigned)max + 1;
    enum db_status st = db_events_items(conn, from->item, upto->item, limit, &r->items);
    if (st == DB_OK)
        st = db_events_checkpoints(conn, from->tree_size, upto->tree_size, upto->item, limit,
                                   &r->checkpoints);
    if (st == DB_OK)
        st = db_events_anchors(conn, from->anchor, upto->anchor, limit, &r->anchors);
    return st;
}

static void replay_tell(const struct replay_rows *r, const struct event_pos *from,
                        const struct event_pos *upto, const struct event_sink *sink)
{
    struct event_pos pos = *from;
    for (size_t i = 0; i < r->items.n; i++) {
        pos.item = r->items.v[i].id;
        const struct feed_event ev = {.type = EVENT_REGISTERED, .pos = pos, .item = &r->items.v[i]};
        tell(sink, &ev);
    }
    pos.item = upto->item > from->item ? upto->item : from->item;
    for (size_t i = 0; i < r->checkpoints.n; i++) {
        pos.tree_size = r->checkpoints.v[i].tree_size;
        const struct feed_event ev = {
            .type = EVENT_LOGGED, .pos = pos, .checkpoint = &r->checkpoints.v[i]};
        tell(sink, &ev);
    }
    pos.tree_size = upto->tree_size > from->tree_size ? upto->tree_size : from->tree_size;
    for (size_t i = 0; i < r->anchors.n; i++) {
        pos.anchor = r->anchors.v[i].pos;
        const struct feed_event ev = {
            .type = EVENT_ANCHORED, .pos = pos, .anchor = &r->anchors.v[i]};
        tell(sink, &ev);
    }
}

bool registry_events_replay(struct registry *reg, const struct event_pos *from,
                            const struct event_pos *upto, size_t max, const struct event_sink *sink,
                            bool *too_many, struct problem *p)
{
    struct replay_rows r;
    memset(&r, 0, sizeof r);
    *too_many = false;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = replay_read(conn, from, upto, max, &r);
    db_release(reg->pool, conn);
    if (st == DB_OK) {
        *too_many = r.items.n + r.checkpoints.n + r.anchors.n > max;
        if (!*too_many)
            replay_tell(&r, from, upto, sink);
    }
    item_rows_free(&r.items);
    event_checkpoints_free(&r.checkpoints);
    event_anchors_free(&r.anchors);
    return registry_db_result(st, p);
}
