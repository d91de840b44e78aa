/* SPDX-License-Identifier: Apache-2.0 */
/* GET /metrics (Prometheus text format 0.0.4) and the per-request bookkeeping behind it. */
#include "http/metrics.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "crypto/hash.h"
#include "registry/grouper.h"
#include "registry/registry.h"

#include "http/reply.h"
#include "http/route.h"
#include "registry/status.h"
#include "registry/witness.h"

static const unsigned status_codes[METRICS_STATUSES - 1] = {200, 201, 202, 204, 400, 401, 403, 404,
                                                            405, 409, 413, 415, 422, 429, 500, 503};
static const uint64_t bucket_us[METRICS_BUCKETS - 1] = {
    500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000};

void metrics_observe(struct http_metrics *m, int route, unsigned status, uint64_t elapsed_us)
{
    size_t r = route >= 0 && (size_t)route < route_count() ? (size_t)route : route_count();
    size_t s = 0, b = 0;
    while (s < METRICS_STATUSES - 1 && status_codes[s] != status)
        s++;
    while (b < METRICS_BUCKETS - 1 && elapsed_us > bucket_us[b])
        b++;
    atomic_fetch_add_explicit(&m->requests[r][s], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->buckets[r][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us[r], elapsed_us, memory_order_relaxed);
}

static void help(struct buf *out, const char *name, const char *type, const char *text)
{
    buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void write_requests(struct buf *out, struct http_metrics *m)
{
    help(out, "provd_http_requests_total", "counter",
         "HTTP requests answered, by route template and status code (\"other\" for the rest).");
    for (size_t r = 0; r <= route_count(); r++)
        for (size_t s = 0; s < METRICS_STATUSES; s++) {
            uint64_t n = atomic_load_explicit(&m->requests[r][s], memory_order_relaxed);
            if (!n)
                continue;
            char code[8] = "other";
            if (s < METRICS_STATUSES - 1)
                snprintf(code, sizeof code, "%u", status_codes[s]);
            buf_printf(out, "provd_http_requests_total{route=\"%s\",status=\"%s\"} %" PRIu64 "\n",
                       route_name(r), code, n);
        }
}

static void write_histogram(struct buf *out, struct http_metrics *m, size_t r)
{
    const char *name = "provd_http_request_duration_seconds";
    uint64_t cumulative = 0;
    for (size_t b = 0; b < METRICS_BUCKETS; b++) {
        cumulative += atomic_load_explicit(&m->buckets[r][b], memory_order_relaxed);
        if (b < METRICS_BUCKETS - 1)
            buf_printf(out, "%s_bucket{route=\"%s\",le=\"%g\"} %" PRIu64 "\n", name, route_name(r),
                       (double)bucket_us[b] / 1e6, cumulative);
        else
            buf_printf(out, "%s_bucket{route=\"%s\",le=\"+Inf\"} %" PRIu64 "\n", name,
                       route_name(r), cumulative);
    }
    double sum = (double)atomic_load_explicit(&m->sum_us[r], memory_order_relaxed) / 1e6;
    buf_printf(out, "%s_sum{route=\"%s\"} %.6f\n%s_count{route=\"%s\"} %" PRIu64 "\n", name,
               route_name(r), sum, name, route_name(r), cumulative);
}

static void write_durations(struct buf *out, struct http_metrics *m)
{
    help(out, "provd_http_request_duration_seconds", "histogram",
         "Time from a request's arrival to its response being queued, by route template.");
    for (size_t r = 0; r <= route_count(); r++) {
        uint64_t any = 0;
        for (size_t b = 0; b < METRICS_BUCKETS && !any; b++)
            any = atomic_load_explicit(&m->buckets[r][b], memory_order_relaxed);
        if (any)
            write_histogram(out, m, r);
    }
}

/* A gauge from one column; a NULL column leaves the gauge out. */
static void gauge(struct buf *out, const struct gauges *g, enum gauge col, const char *name,
                  const char *labels, const char *text)
{
    if (text)
        help(out, name, "gauge", text);
    if (g->v[col])
        buf_printf(out, "%s%s %s\n", name, labels, g->v[col]);
}

static void write_gauges(struct buf *out, const struct gauges *res)
{
    gauge(out, res, GAUGE_QUEUE, "provd_log_queue_length", "",
          "Registrations waiting for the sequencer.");
    gauge(out, res, GAUGE_TREE_SIZE, "provd_log_tree_size", "", "Entries in the transparency log.");
    gauge(out, res, GAUGE_CHECKPOINT_AGE, "provd_log_checkpoint_age_seconds", "",
          "Seconds since the latest signed checkpoint.");
    gauge(out, res, GAUGE_ANCHORS_PENDING, "provd_anchors", "{status=\"pending\"}",
          "Ethereum anchors by status.");
    gauge(out, res, GAUGE_ANCHORS_SUBMITTED, "provd_anchors", "{status=\"submitted\"}", NULL);
    gauge(out, res, GAUGE_ANCHORS_MINED, "provd_anchors", "{status=\"mined\"}", NULL);
    gauge(out, res, GAUGE_ANCHORS_CONFIRMED, "provd_anchors", "{status=\"confirmed\"}", NULL);
    gauge(out, res, GAUGE_ANCHORED_SIZE, "provd_anchor_confirmed_tree_size", "",
          "Largest tree size covered by a confirmed anchor.");
    gauge(out, res, GAUGE_ANCHOR_AGE, "provd_anchor_confirmed_age_seconds", "",
          "Seconds since the latest anchor was confirmed.");
}

/* v as a Prometheus label value (backslash and double quote escaped; names have no newline). */
static void label_value(struct buf *out, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            buf_putc(out, '\\');
        buf_putc(out, *v);
    }
}

/* One sample labelled by witness (and reason when not NULL). */
static void witness_sample(struct buf *out, const char *metric, const char *name,
                           const char *reason, const char *value)
{
    buf_printf(out, "%s{witness=\"", metric);
    label_value(out, name);
    if (reason)
        buf_printf(out, "\",reason=\"%s", reason);
    buf_printf(out, "\"} %s\n", value);
}

/* Witness cosigning (registry/witness.h): per witness, and the quorum of the latest checkpoint. */
static void write_witnesses(struct buf *out, const struct witness_gauges *g)
{
    char v[24];
    help(out, "provd_witness_quorum", "gauge",
         "Cosignatures a checkpoint needs (--witness-quorum); 0 without witnesses.");
    buf_printf(out, "provd_witness_quorum %u\n", g->quorum);
    help(out, "provd_witness_quorum_met", "gauge",
         "1 when the latest checkpoint has a quorum of witness cosignatures.");
    buf_printf(out, "provd_witness_quorum_met %d\n", g->quorum_met);
    help(out, "provd_witness_cosigned_checkpoint_tree_size", "gauge",
         "Largest tree size whose checkpoint has a quorum of cosignatures (0: none).");
    buf_printf(out, "provd_witness_cosigned_checkpoint_tree_size %" PRIu64 "\n", g->cosigned_size);
    help(out, "provd_witness_cosigned_tree_size", "gauge",
         "Latest tree size each witness cosigned.");
    for (size_t i = 0; i < g->n; i++) {
        snprintf(v, sizeof v, "%" PRIu64, g->w[i].cosigned_size);
        if (g->w[i].has_cosigned)
            witness_sample(out, "provd_witness_cosigned_tree_size", g->w[i].name, NULL, v);
    }
    help(out, "provd_witness_cosignature_age_seconds", "gauge",
         "Seconds since each witness's latest cosignature.");
    for (size_t i = 0; i < g->n; i++)
        if (g->w[i].age_s)
            witness_sample(out, "provd_witness_cosignature_age_seconds", g->w[i].name, NULL,
                           g->w[i].age_s);
    help(out, "provd_witness_failures_total", "counter",
         "Failed add-checkpoint exchanges by witness and reason (reason fork: a possible split "
         "view).");
    for (size_t i = 0; i < g->n_f; i++) {
        snprintf(v, sizeof v, "%" PRIu64, g->f[i].count);
        witness_sample(out, "provd_witness_failures_total", g->f[i].name, g->f[i].reason, v);
    }
}

/* The counters of the rate limits and of the registrations refused before their signature
 * check. */
static void write_limits(struct buf *out, struct http_server *srv)
{
    const struct ratelimit *rl = &srv->limits;
    help(out, "provd_http_rate_limited_total", "counter",
         "Requests refused with 429, by the limit they passed (--rate-limit-ip, "
         "--rate-limit-key).");
    buf_printf(out, "provd_http_rate_limited_total{limit=\"address\"} %" PRIu64 "\n",
               (uint64_t)atomic_load(&rl->limited_address));
    buf_printf(out, "provd_http_rate_limited_total{limit=\"key\"} %" PRIu64 "\n",
               (uint64_t)atomic_load(&rl->limited_key));
    help(out, "provd_rate_limit_evictions_total", "counter",
         "Client addresses forgotten before their bucket refilled, for lack of room.");
    buf_printf(out, "provd_rate_limit_evictions_total %" PRIu64 "\n",
               (uint64_t)atomic_load(&rl->by_address.evicted));
    help(out, "provd_signature_checks_skipped_total", "counter",
         "Registrations refused for an unknown signer before their signature was checked.");
    buf_printf(out, "provd_signature_checks_skipped_total %" PRIu64 "\n",
               (uint64_t)atomic_load(&srv->reg->signatures_skipped));
    help(out, "provd_receipt_contexts_total", "counter",
         "Log contexts of receipts and proofs, kept from an earlier one or looked up.");
    buf_printf(out, "provd_receipt_contexts_total{source=\"kept\"} %" PRIu64 "\n",
               (uint64_t)atomic_load(&srv->reg->contexts.hits));
    buf_printf(out, "provd_receipt_contexts_total{source=\"looked_up\"} %" PRIu64 "\n",
               (uint64_t)atomic_load(&srv->reg->contexts.misses));
}

/* GET /v1/events (http/events.h). */
static void write_events(struct buf *out, struct http_server *srv)
{
    struct http_events *h = &srv->events;
    help(out, "provd_event_subscribers", "gauge", "Open GET /v1/events streams.");
    buf_printf(out, "provd_event_subscribers %u\n", http_events_subscribers(h));
    help(out, "provd_events_sent_total", "counter",
         "Events queued to GET /v1/events streams (one per event and stream).");
    buf_printf(out, "provd_events_sent_total %" PRIu64 "\n", (uint64_t)atomic_load(&h->sent));
    help(out, "provd_event_subscribers_cut_total", "counter",
         "GET /v1/events streams ended because the client fell too far behind.");
    buf_printf(out, "provd_event_subscribers_cut_total %" PRIu64 "\n",
               (uint64_t)atomic_load(&h->cut));
}

/* A grouper's figures (registry/grouper.h): groups, their members, the queue. */
static void write_grouper(struct buf *out, const struct grouper *g, const char *const names[3],
                          const char *const helps[3])
{
    if (!g)
        return;
    help(out, names[0], "counter", helps[0]);
    buf_printf(out, "%s %" PRIu64 "\n", names[0], (uint64_t)atomic_load(&g->groups));
    help(out, names[1], "counter", helps[1]);
    buf_printf(out, "%s %" PRIu64 "\n", names[1], (uint64_t)atomic_load(&g->members));
    help(out, names[2], "gauge", helps[2]);
    buf_printf(out, "%s %u\n", names[2], atomic_load(&g->queued));
}

/* Group commit of single registrations and grouped provenance lookups. */
static void write_groups(struct buf *out, struct http_server *srv)
{
    static const char *const commit_names[3] = {"provd_group_commits_total",
                                                "provd_group_commit_registrations_total",
                                                "provd_group_commit_queued"};
    static const char *const commit_helps[3] = {
        "Commits of single registrations (POST /v1/items), each shared by a group.",
        "Single registrations stored by those commits (divided by the commits: the mean group).",
        "Single registrations checked and waiting for a committer."};
    static const char *const lookup_names[3] = {"provd_group_lookups_total",
                                                "provd_group_lookup_hashes_total",
                                                "provd_group_lookup_queued"};
    static const char *const lookup_helps[3] = {
        "Queries answering GET /v1/provenance/{hash}, each shared by a group of lookups.",
        "Lookups answered by those queries (divided by the queries: the mean group).",
        "Lookups waiting for a lookup thread."};
    write_grouper(out, srv->reg->committer, commit_names, commit_helps);
    write_grouper(out, srv->reg->lookups, lookup_names, lookup_helps);
}

/* --metrics-token: the request carries Authorization: Bearer <it> (compared in constant time). */
static bool token_given(struct http_request *req)
{
    const char *want = req->srv->opt.metrics_token;
    const char *h = http_header(req, "Authorization");
    if (!want)
        return true;
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return false;
    uint8_t a[SHA256_LEN], b[SHA256_LEN], diff = 0;
    hash_sha256(h + 7, strlen(h + 7), a);
    hash_sha256(want, strlen(want), b);
    for (size_t i = 0; i < SHA256_LEN; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

enum MHD_Result handle_metrics(struct http_request *req, const char *param)
{
    (void)param;
    if (!token_given(req))
        return reply_problem(req, PROBLEM_UNAUTHORIZED, NULL,
                             "/metrics needs Authorization: Bearer <the --metrics-token>");
    struct buf out = BUF_INIT;
    struct gauges g;
    bool up = registry_gauges(req->srv->reg, &g);
    help(&out, "provd_build_info", "gauge", "The running provd's version.");
    buf_printf(&out, "provd_build_info{version=\"%s\"} 1\n", PROVD_VERSION);
    help(&out, "provd_database_up", "gauge", "1 when PostgreSQL answered this scrape.");
    buf_printf(&out, "provd_database_up %d\n", up);
    if (up)
        write_gauges(&out, &g);
    rows_owner_release(&g.owner);
    struct witness_gauges wg = {0};
    if (up && registry_witness_gauges(req->srv->reg, &wg))
        write_witnesses(&out, &wg);
    witness_gauges_free(&wg);
    write_requests(&out, &req->srv->metrics);
    write_durations(&out, &req->srv->metrics);
    write_limits(&out, req->srv);
    write_events(&out, req->srv);
    write_groups(&out, req->srv);
    if (out.oom) {
        buf_free(&out);
        return reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    }
    return reply_body(req, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", &out);
}
