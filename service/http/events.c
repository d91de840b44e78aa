/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/events (Server-Sent Events); the design is in http/events.h. */
#include "http/events.h"

#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/jsonw.h"
#include "util/validate.h"
#include "core/sigclaim.h"
#include "crypto/sig.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/events.h"
#include "registry/registry.h"

#define READ_BLOCK   (16u << 10) /* bytes MHD asks the reader for at a time */
#define RETRY_MS     2000        /* the reconnection delay streams suggest (SSE retry:) */
#define KEEP_CAP_MAX (64u << 10) /* a drained queue keeps at most this much memory */

struct http_subscriber {
    struct http_subscriber *prev, *next; /* in the hub's list, under its lock */
    struct http_events *hub;
    struct MHD_Connection *conn;
    int fd;         /* the connection's socket, -1 until the stream starts */
    struct buf out; /* queued bytes: [off, out.len) are still to send */
    size_t off;
    struct event_pos pos;        /* the stream tells everything up to here */
    char last_id[EVENT_POS_MAX]; /* the id the stream last sent ("" none) */
    unsigned types;              /* 1 << enum event_type */
    char signer[SIGNER_MAX_LEN]; /* registrations of this identity only; "" any */
    bool suspended;              /* by the reader, waiting for bytes */
    bool cut;               /* fell behind or hung up: its queue was dropped, its stream ends */
    int64_t quiet_since_ms; /* when bytes were last queued */
};

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Under the lock: lets MHD call the reader again. */
static void wake(struct http_subscriber *s)
{
    if (!s->suspended)
        return;
    s->suspended = false;
    MHD_resume_connection(s->conn);
}

static void unlink_sub(struct http_events *h, struct http_subscriber *s)
{
    if (s->prev)
        s->prev->next = s->next;
    else if (h->head == s)
        h->head = s->next;
    if (s->next)
        s->next->prev = s->prev;
    s->prev = s->next = NULL;
}

/* Under the lock: queues bytes for s, or cuts it off when its queue would pass the bound. */
static void queue_bytes(struct http_subscriber *s, const struct buf *msg)
{
    if (s->cut)
        return;
    if (s->out.len - s->off + msg->len > HTTP_EVENTS_QUEUE_MAX) {
        s->cut = true;
        buf_free(&s->out);
        s->off = 0;
        atomic_fetch_add(&s->hub->cut, 1);
    } else {
        buf_append(&s->out, msg->data, msg->len);
        s->quiet_since_ms = now_ms();
    }
    wake(s);
}

/* Whether s wants ev (its position moves along either way). */
static bool wants(const struct http_subscriber *s, const struct feed_event *ev)
{
    if (!(s->types & (1u << ev->type)))
        return false;
    if (ev->type == EVENT_REGISTERED && s->signer[0] && strcmp(ev->item->signer, s->signer) != 0)
        return false;
    switch (ev->type) { /* a stream that resumed ahead of this instance skips what it had */
    case EVENT_REGISTERED:
        return ev->pos.item > s->pos.item;
    case EVENT_LOGGED:
        return ev->pos.tree_size > s->pos.tree_size;
    default:
        return ev->pos.anchor > s->pos.anchor;
    }
}

static void write_registered(struct jsonw *w, const struct item_row *row)
{
    struct item_record rec;
    struct item_strings strs;
    item_row_record(row, &rec, &strs);
    char ch[CONTENT_HASH_STR_LEN + 1];
    snprintf(ch, sizeof ch, "sha256:%s", rec.content_hash_hex);
    jw_key(w, "id");
    jw_int(w, row->id);
    jw_key(w, "content_hash");
    jw_string(w, ch);
    jw_key(w, "signer");
    jw_object_begin(w);
    jw_key(w, "scheme");
    jw_string(w, rec.scheme);
    jw_key(w, rec.key_field);
    jw_string(w, rec.public_key);
    jw_key(w, "known");
    jw_bool(w, row->signer_name != NULL);
    jw_key(w, "name");
    if (row->signer_name)
        jw_string(w, row->signer_name);
    else
        jw_null(w);
    jw_key(w, "revoked");
    jw_bool(w, row->signer_revoked);
    jw_object_end(w);
    jw_key(w, "registered_at");
    jw_string(w, rec.registered_at);
    jw_key(w, "status");
    jw_string(w, !row->logged ? "registered" : row->anchored ? "anchored" : "logged");
    jw_key(w, "log_index");
    if (row->logged)
        jw_int(w, (int64_t)row->log_index);
    else
        jw_null(w);
}

static void write_time(struct jsonw *w, const char *key, int64_t us)
{
    char t[RFC3339_US_LEN + 1];
    format_rfc3339_us(us, t);
    jw_key(w, key);
    jw_string(w, t);
}

static void write_logged(struct jsonw *w, const struct event_checkpoint *c)
{
    jw_key(w, "tree_size");
    jw_int(w, c->tree_size);
    jw_key(w, "first_log_index");
    jw_int(w, c->from);
    jw_key(w, "last_log_index");
    jw_int(w, c->tree_size - 1);
    jw_key(w, "checkpoint");
    jw_string(w, c->note);
    write_time(w, "created_at", c->created_us);
}

static void write_anchored(struct jsonw *w, const struct event_anchor *a)
{
    char hex[80];
    jw_key(w, "id");
    jw_int(w, a->id);
    jw_key(w, "status");
    jw_string(w, a->status);
    jw_key(w, "chain_id");
    jw_int(w, (int64_t)a->chain_id);
    jw_key(w, "tree_size");
    jw_int(w, a->tree_size);
    snprintf(hex, sizeof hex, "0x%s", a->root_hex);
    jw_key(w, "root");
    jw_string(w, hex);
    jw_key(w, "tx_hash");
    if (a->tx_hash_hex) {
        snprintf(hex, sizeof hex, "0x%s", a->tx_hash_hex);
        jw_string(w, hex);
    } else {
        jw_null(w);
    }
    jw_key(w, "block_number");
    if (a->has_block)
        jw_int(w, (int64_t)a->block_number);
    else
        jw_null(w);
    jw_key(w, "confirmations");
    jw_int(w, (int64_t)a->confirmations);
    write_time(w, "at", a->at_us);
}

/* The event's data line, JSON on one line. */
static void write_data(struct buf *out, const struct feed_event *ev)
{
    struct jsonw w;
    jw_init(&w, out);
    jw_object_begin(&w);
    if (ev->type == EVENT_REGISTERED)
        write_registered(&w, ev->item);
    else if (ev->type == EVENT_LOGGED)
        write_logged(&w, ev->checkpoint);
    else
        write_anchored(&w, ev->anchor);
    jw_object_end(&w);
}

/* Under the lock: tells s the event whose data is data (its id is where s then stands). */
static void tell_one(struct http_subscriber *s, const struct feed_event *ev, const struct buf *data,
                     struct buf *scratch)
{
    bool want = wants(s, ev);
    event_pos_max(&s->pos, &ev->pos);
    if (!want || s->cut)
        return;
    event_pos_format(&s->pos, s->last_id);
    buf_reset(scratch);
    event_sse_append(scratch, s->last_id, event_type_name(ev->type), data->data, data->len);
    if (scratch->oom)
        return;
    queue_bytes(s, scratch);
    atomic_fetch_add(&s->hub->sent, 1);
}

void http_events_deliver(void *arg, const struct feed_event *ev)
{
    struct http_events *h = arg;
    struct buf data = BUF_INIT, scratch = BUF_INIT;
    if (ev->type != EVENT_TYPES_)
        write_data(&data, ev);
    pthread_mutex_lock(&h->lock);
    if (ev->type == EVENT_TYPES_) {
        h->ready = true;
        for (struct http_subscriber *s = h->head; s; s = s->next)
            event_pos_max(&s->pos, &ev->pos);
    } else if (!data.oom) {
        for (struct http_subscriber *s = h->head; s; s = s->next)
            tell_one(s, ev, &data, &scratch);
    }
    event_pos_max(&h->pos, &ev->pos);
    pthread_mutex_unlock(&h->lock);
    buf_free(&data);
    buf_free(&scratch);
}

bool http_events_wanted(void *arg)
{
    struct http_events *h = arg;
    pthread_mutex_lock(&h->lock);
    bool any = h->head != NULL;
    pthread_mutex_unlock(&h->lock);
    return any;
}

unsigned http_events_subscribers(struct http_events *h)
{
    pthread_mutex_lock(&h->lock);
    unsigned n = h->n;
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* Under the lock: a comment, and the stream's position when it moved since its last id (an
 * id without data moves a client's Last-Event-ID without an event, by the SSE rules). */
static void keep_alive(struct http_subscriber *s, struct buf *scratch)
{
    char id[EVENT_POS_MAX];
    event_pos_format(&s->pos, id);
    buf_reset(scratch);
    event_sse_comment(scratch, "keep-alive");
    if (strcmp(id, s->last_id) != 0) {
        memcpy(s->last_id, id, sizeof id);
        buf_printf(scratch, "id: %s\n", id);
    }
    buf_putc(scratch, '\n');
    if (!scratch->oom)
        queue_bytes(s, scratch);
}

/* Under the lock: whether the client hung up. MHD does not watch a suspended connection, and
 * an SSE client sends nothing after its request, so a hang-up shows as POLLRDHUP. (The socket
 * is MHD's until the response is freed, which unlinks s under the same lock.) */
static bool hung_up(const struct http_subscriber *s)
{
    struct pollfd p = {.fd = s->fd, .events = POLLRDHUP};
    return s->fd >= 0 && poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

#define TICK_MAX_MS 500 /* how soon a hang-up is noticed */

static void *ticker_main(void *arg)
{
    struct http_events *h = arg;
    struct buf scratch = BUF_INIT;
    unsigned tick_ms = h->keepalive_ms / 2 < TICK_MAX_MS ? h->keepalive_ms / 2 : TICK_MAX_MS;
    pthread_mutex_lock(&h->lock);
    while (!h->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = until.tv_nsec + (int64_t)tick_ms * 1000000;
        until.tv_sec += ns / 1000000000;
        until.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&h->tick, &h->lock, &until);
        int64_t quiet = now_ms() - h->keepalive_ms / 2;
        for (struct http_subscriber *s = h->head; s; s = s->next) {
            if (!s->cut && hung_up(s)) {
                s->cut = true;
                buf_free(&s->out);
                s->off = 0;
            }
            if (h->closing || s->cut)
                wake(s);
            else if (s->quiet_since_ms <= quiet)
                keep_alive(s, &scratch);
        }
    }
    pthread_mutex_unlock(&h->lock);
    buf_free(&scratch);
    return NULL;
}

bool http_events_init(struct http_events *h, unsigned max, unsigned keepalive_ms)
{
    memset(h, 0, sizeof *h);
    h->max = max;
    h->keepalive_ms = keepalive_ms < 100 ? 100 : keepalive_ms;
    atomic_init(&h->sent, 0);
    atomic_init(&h->cut, 0);
    pthread_condattr_t ca;
    if (pthread_mutex_init(&h->lock, NULL) != 0)
        return false;
    if (pthread_condattr_init(&ca) != 0)
        goto no_cond;
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&h->tick, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        goto no_cond;
    h->ticking = pthread_create(&h->ticker, NULL, ticker_main, h) == 0;
    if (h->ticking)
        return true;
    pthread_cond_destroy(&h->tick);
no_cond:
    pthread_mutex_destroy(&h->lock);
    return false;
}

void http_events_close(struct http_events *h)
{
    if (!h->ticking)
        return;
    pthread_mutex_lock(&h->lock);
    h->closing = true;
    for (struct http_subscriber *s = h->head; s; s = s->next)
        wake(s);
    pthread_mutex_unlock(&h->lock);
}

bool http_events_drained(struct http_events *h, unsigned ms)
{
    if (!h->ticking)
        return true;
    int64_t until = now_ms() + ms;
    unsigned n;
    while ((n = http_events_subscribers(h)) > 0 && now_ms() < until) {
        http_events_close(h); /* again: one may have suspended before it saw closing */
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return n == 0;
}

void http_events_destroy(struct http_events *h)
{
    if (!h->ticking)
        return;
    pthread_mutex_lock(&h->lock);
    h->stopping = true;
    pthread_cond_signal(&h->tick);
    pthread_mutex_unlock(&h->lock);
    pthread_join(h->ticker, NULL);
    h->ticking = false;
    pthread_cond_destroy(&h->tick);
    pthread_mutex_destroy(&h->lock);
}

/* MHD's content reader: what is queued, the end of the stream, or a suspension until more. */
static ssize_t read_stream(void *cls, uint64_t at, char *out, size_t max)
{
    (void)at;
    struct http_subscriber *s = cls;
    struct http_events *h = s->hub;
    ssize_t r;
    pthread_mutex_lock(&h->lock);
    size_t pending = s->out.len - s->off;
    if (s->cut) {
        r = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (pending) {
        size_t n = pending < max ? pending : max;
        memcpy(out, s->out.data + s->off, n);
        s->off += n;
        if (s->off == s->out.len) {
            if (s->out.cap > KEEP_CAP_MAX)
                buf_free(&s->out);
            buf_reset(&s->out);
            s->off = 0;
        }
        r = (ssize_t)n;
    } else if (h->closing) {
        r = MHD_CONTENT_READER_END_OF_STREAM;
    } else {
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        r = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return r;
}

/* MHD is done with the response: the subscriber goes. */
static void free_stream(void *cls)
{
    struct http_subscriber *s = cls;
    struct http_events *h = s->hub;
    pthread_mutex_lock(&h->lock);
    unlink_sub(h, s);
    h->n--;
    pthread_mutex_unlock(&h->lock);
    buf_free(&s->out);
    free(s);
}

/* The replay's sink: formats into the subscriber's prefix as the live path would. */
struct replay {
    struct http_subscriber *sub; /* its filters and position (not yet shared: no lock) */
    struct buf *out;
};

static void replay_deliver(void *arg, const struct feed_event *ev)
{
    struct replay *r = arg;
    struct http_subscriber *s = r->sub;
    bool want = wants(s, ev);
    event_pos_max(&s->pos, &ev->pos);
    if (!want)
        return;
    struct buf data = BUF_INIT;
    write_data(&data, ev);
    event_pos_format(&s->pos, s->last_id);
    event_sse_append(r->out, s->last_id, event_type_name(ev->type), data.data, data.len);
    buf_free(&data);
    atomic_fetch_add(&s->hub->sent, 1);
}

static bool replay_wanted(void *arg)
{
    (void)arg;
    return true;
}

/* The stream's first bytes: the retry delay, what the client missed since from (or a resync
 * event when that is too much), and the position start it then stands at (its text into
 * start_id). Only s's filters are read. */
static bool stream_prefix(struct http_request *req, const struct http_subscriber *s,
                          const struct event_pos *start, const struct event_pos *from,
                          const struct event_pos *upto, struct buf *out,
                          char start_id[EVENT_POS_MAX], struct problem *p)
{
    event_pos_format(start, start_id);
    buf_printf(out, "retry: %d\n\n", RETRY_MS);
    if (from) {
        struct http_subscriber probe = {.hub = s->hub, .types = s->types, .pos = *from};
        memcpy(probe.signer, s->signer, sizeof probe.signer);
        struct replay r = {&probe, out};
        const struct event_sink sink = {replay_deliver, replay_wanted, &r};
        bool too_many = false;
        if (!registry_events_replay(req->srv->reg, from, upto, HTTP_EVENTS_REPLAY_MAX, &sink,
                                    &too_many, p))
            return false;
        if (too_many) {
            char data[256];
            int n = snprintf(data, sizeof data,
                             "{\"reason\":\"more than %d events were missed\","
                             "\"last_event_id\":\"%s\"}",
                             HTTP_EVENTS_REPLAY_MAX, start_id);
            event_sse_append(out, NULL, "resync", data, (size_t)n);
        }
    }
    buf_printf(out, "id: %s\n\n", start_id);
    return !out->oom || problem_set(p, PROBLEM_INTERNAL, NULL, "%s", "out of memory");
}

/* The request's filters and resume position; false with the 400 queued in *r. */
static bool parse_request(struct http_request *req, struct http_subscriber *s, bool *resume,
                          struct event_pos *from, enum MHD_Result *r)
{
    static const char *const params[] = {"signer", "types", "last_event_id", NULL};
    if (!reply_check_query(req, params, r))
        return false;
    const char *v = http_query(req, "types");
    s->types = EVENT_TYPES_ALL;
    if (v && !event_types_parse(v, &s->types)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "types",
                           "types must be a comma-separated list of registered, logged and "
                           "anchored, each at most once");
        return false;
    }
    if ((v = http_query(req, "signer"))) {
        if (!*v || strlen(v) >= SIGNER_MAX_LEN) {
            *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, "signer",
                               "signer must be a signer identity");
            return false;
        }
        char norm[SIGNER_MAX_LEN];
        snprintf(s->signer, sizeof s->signer, "%s", sig_normalize_identity(v, norm));
    }
    /* A browser's EventSource sends the header on reconnecting, with the latest id: it wins over
     * the URL's parameter, which a client without headers gives on its first connection. */
    const char *field = "Last-Event-ID";
    if (!(v = http_header(req, field)) && (v = http_query(req, "last_event_id")))
        field = "last_event_id";
    *resume = v != NULL;
    if (v && !event_pos_parse(v, from)) {
        *r = reply_problem(req, PROBLEM_INVALID_PARAMETER, field,
                           "%s must be an event id from this feed (ITEM-TREESIZE-ANCHOR)", field);
        return false;
    }
    return true;
}

/* Takes a place for s and shares it with the feed (live events then queue behind its
 * prefix); false with the 503 queued in *r. *upto is the feed's position then. */
static bool join(struct http_request *req, struct http_subscriber *s, struct event_pos *upto,
                 struct event_pos *start, enum MHD_Result *r)
{
    struct http_events *h = &req->srv->events;
    pthread_mutex_lock(&h->lock);
    bool ready = h->ready && !h->closing, full = h->n >= h->max;
    if (ready && !full) {
        h->n++;
        *upto = h->pos;
        event_pos_max(&s->pos, upto);
        *start = s->pos;
        s->next = h->head;
        if (h->head)
            h->head->prev = s;
        h->head = s;
        s->quiet_since_ms = now_ms();
    }
    pthread_mutex_unlock(&h->lock);
    if (!ready)
        *r = reply_problem(req, h->closing ? PROBLEM_SERVER_BUSY : PROBLEM_DB_UNAVAILABLE, NULL,
                           "%s",
                           h->closing ? "the server is shutting down"
                                      : "the event feed is not connected to the database "
                                        "yet; retry shortly");
    else if (full)
        *r = reply_problem(req, PROBLEM_SERVER_BUSY, NULL,
                           "the server has its %u event subscribers (--max-event-subscribers); "
                           "retry shortly",
                           h->max);
    return ready && !full;
}

static void leave(struct http_events *h, struct http_subscriber *s)
{
    pthread_mutex_lock(&h->lock);
    unlink_sub(h, s);
    h->n--;
    pthread_mutex_unlock(&h->lock);
    buf_free(&s->out);
    free(s);
}

/* Puts the prefix before what the feed queued meanwhile. */
static bool splice_prefix(struct http_events *h, struct http_subscriber *s, struct buf *prefix,
                          const char *prefix_id)
{
    pthread_mutex_lock(&h->lock);
    bool live = s->out.len > s->off;
    if (live)
        buf_append(prefix, s->out.data + s->off, s->out.len - s->off);
    else
        snprintf(s->last_id, sizeof s->last_id, "%s", prefix_id);
    bool ok = !prefix->oom && !s->cut;
    if (ok) {
        buf_free(&s->out);
        s->out = *prefix;
        *prefix = (struct buf)BUF_INIT;
        s->off = 0;
    }
    pthread_mutex_unlock(&h->lock);
    return ok;
}

static enum MHD_Result start_stream(struct http_request *req, struct http_subscriber *s)
{
    struct MHD_Response *resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, READ_BLOCK,
                                                                  read_stream, s, free_stream);
    if (!resp) {
        leave(&req->srv->events, s);
        return MHD_NO;
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(req->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    pthread_mutex_lock(&req->srv->events.lock);
    s->conn = req->conn;
    s->fd = ci ? ci->connect_fd : -1;
    pthread_mutex_unlock(&req->srv->events.lock);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no"); /* nginx: do not buffer it */
    return reply_response(req, MHD_HTTP_OK, "text/event-stream", resp);
}

enum MHD_Result handle_events(struct http_request *req, const char *param)
{
    (void)param;
    enum MHD_Result r = MHD_NO;
    struct http_subscriber *s = calloc(1, sizeof *s);
    struct event_pos from, upto, start;
    bool resume = false;
    struct buf prefix = BUF_INIT;
    char start_id[EVENT_POS_MAX];
    struct problem p;
    if (!s)
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    s->hub = &req->srv->events;
    s->fd = -1;
    if (!parse_request(req, s, &resume, &from, &r)) {
        free(s);
        return r;
    }
    if (!strcmp(req->method, "HEAD")) {
        free(s);
        http_add_header(req, "Cache-Control", "no-store");
        return reply_body(req, MHD_HTTP_OK, "text/event-stream", NULL);
    }
    if (resume)
        s->pos = from;
    if (!join(req, s, &upto, &start, &r)) {
        free(s);
        return r;
    }
    if (!stream_prefix(req, s, &start, resume ? &from : NULL, &upto, &prefix, start_id, &p)) {
        leave(s->hub, s);
        buf_free(&prefix);
        return reply_failure(req, &p);
    }
    if (!splice_prefix(s->hub, s, &prefix, start_id)) {
        leave(s->hub, s);
        buf_free(&prefix);
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    }
    return start_stream(req, s);
}
