/* SPDX-License-Identifier: Apache-2.0 */
/* GET /v1/stats: the explorer dashboard's numbers (registry/stats.h). */
#include <stdio.h>

#include "util/codec.h"
#include "util/jsonw.h"
#include "util/validate.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/stats.h"

static void write_time(struct jsonw *w, int64_t us)
{
    char t[RFC3339_US_LEN + 1];
    format_rfc3339_us(us, t);
    jw_string(w, t);
}

static void write_registrations(struct jsonw *w, const struct stats *s)
{
    const struct stats_window *win = &s->window;
    jw_object_begin(w);
    jw_key(w, "bucket");
    jw_string(w, stats_bucket_name(win->bucket));
    jw_key(w, "since");
    write_time(w, win->since_us);
    jw_key(w, "counts");
    jw_array_begin(w);
    for (unsigned i = 0; i < win->n; i++) {
        jw_object_begin(w);
        jw_key(w, "at");
        write_time(w, win->since_us + (int64_t)i * win->width_us);
        jw_key(w, "count");
        jw_int(w, (int64_t)s->counts[i]);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_object_end(w);
}

static enum MHD_Result stats_reply(struct http_request *req, const struct stats *s)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "tree_size");
    jw_int(&w, (int64_t)s->tree_size);
    jw_key(&w, "checkpoint_at");
    if (s->has_checkpoint)
        write_time(&w, s->checkpoint_us);
    else
        jw_null(&w);
    jw_key(&w, "backlog");
    jw_int(&w, (int64_t)s->backlog);
    jw_key(&w, "registrations");
    write_registrations(&w, s);
    jw_object_end(&w);
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_stats(struct http_request *req, const char *param)
{
    (void)param;
    static const char *const allowed[] = {"bucket", "buckets", NULL};
    enum MHD_Result r = MHD_NO;
    if (!reply_check_query(req, allowed, &r))
        return r;
    const char *b = http_query(req, "bucket"), *n_s = http_query(req, "buckets");
    enum stats_bucket bucket = STATS_HOUR;
    if (b && !stats_bucket_parse(b, &bucket))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "bucket",
                             "bucket must be hour or day");
    uint64_t n = stats_buckets_default(bucket);
    if (n_s && (!parse_u64(n_s, &n) || n < 1 || n > stats_buckets_max(bucket)))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "buckets",
                             "buckets must be a number from 1 to %u for bucket=%s",
                             stats_buckets_max(bucket), stats_bucket_name(bucket));
    struct stats s;
    struct problem p;
    if (!registry_stats(req->srv->reg, bucket, (unsigned)n, &s, &p))
        return reply_failure(req, &p);
    return stats_reply(req, &s);
}
