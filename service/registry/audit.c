/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/audit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

struct audit_run {
    struct audit_cache *cache;
    struct audit_report *r;
    struct problem *p;
    int64_t id, after;
    unsigned limit;
    struct dataset_policy policy;
    struct audit_fold fold;
};

void audit_report_free(struct audit_report *r)
{
    for (size_t i = 0; i < r->n_failures; i++)
        audit_member_free(&r->failures[i]);
    free(r->failures);
    dataset_rows_free(&r->dataset);
    memset(r, 0, sizeof *r);
}

void audit_totals_write(struct jsonw *w, const struct audit_report *r)
{
    const uint64_t counts[] = {r->members, r->passing, r->failing};
    static const char *const names[] = {"members", "passing", "failing"};
    for (int i = 0; i < 3; i++) {
        jw_key(w, names[i]);
        jw_int(w, (int64_t)counts[i]);
    }
    jw_key(w, "by_reason");
    jw_object_begin(w);
    for (unsigned i = 0; i < AUDIT_REASONS; i++) {
        jw_key(w, audit_reason_name(i));
        jw_int(w, (int64_t)r->by_reason[i]);
    }
    jw_object_end(w);
}

/* Counts a member's verdict and keeps it when it is a failure on the requested page. */
static void tally(struct audit_run *a, struct audit_member *m)
{
    struct audit_report *r = a->r;
    r->members++;
    if (!m->reasons) {
        r->passing++;
        audit_member_free(m);
        return;
    }
    r->failing++;
    for (unsigned i = 0; i < AUDIT_REASONS; i++)
        r->by_reason[i] += (m->reasons >> i) & 1;
    bool keep = (int64_t)m->position > a->after && r->n_failures < a->limit;
    r->more = r->more || ((int64_t)m->position > a->after && !keep);
    if (keep && r->n_failures == r->cap_failures) {
        size_t cap = r->cap_failures ? 2 * r->cap_failures : 16;
        void *v = realloc(r->failures, cap * sizeof *r->failures);
        if (!v) {
            r->oom = true;
            keep = false;
        } else {
            r->failures = v;
            r->cap_failures = cap;
        }
    }
    if (keep)
        r->failures[r->n_failures++] = *m;
    else
        audit_member_free(m);
}

static void on_row(void *arg, const struct audit_row *row)
{
    struct audit_run *a = arg;
    struct audit_member done;
    if (audit_fold_add(&a->fold, row, &done))
        tally(a, &done);
}

/* The dataset's policy and as-of, from its row. */
static bool prepare(struct audit_run *a, const struct dataset_row *d)
{
    json_error_t jerr;
    json_t *pol = json_loadb(d->policy, d->policy_len, 0, &jerr);
    bool ok = pol && dataset_policy_parse(pol, &a->policy, a->p);
    json_decref(pol);
    if (!ok)
        return problem_set(a->p, PROBLEM_INTERNAL, NULL, "dataset %" PRId64 " has a bad policy",
                           d->id);
    struct audit_report *r = a->r;
    r->as_of = (struct audit_as_of){.has_index = d->sealed && d->logged,
                                    .has_time = d->sealed,
                                    .index = d->log_index,
                                    .time_us = d->sealed_us};
    r->final = r->as_of.has_index;
    return true;
}

/* Fills r's totals from the cache: true when it holds them and no failure is to be listed. */
static bool cached(struct audit_cache *c, int64_t id, uint64_t anchored_below, unsigned limit,
                   struct audit_report *r)
{
    pthread_mutex_lock(&c->lock);
    const struct audit_totals *t = &c->slot[(uint64_t)id % AUDIT_CACHE_SLOTS];
    bool hit = t->dataset_id == id && t->anchored_below == anchored_below &&
               (limit == 0 || t->failing == 0);
    if (hit) {
        r->members = t->members;
        r->passing = t->passing;
        r->failing = t->failing;
        memcpy(r->by_reason, t->by_reason, sizeof r->by_reason);
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void remember(struct audit_cache *c, int64_t id, uint64_t anchored_below,
                     const struct audit_report *r)
{
    struct audit_totals t = {.dataset_id = id,
                             .anchored_below = anchored_below,
                             .members = r->members,
                             .passing = r->passing,
                             .failing = r->failing};
    memcpy(t.by_reason, r->by_reason, sizeof t.by_reason);
    pthread_mutex_lock(&c->lock);
    c->slot[(uint64_t)id % AUDIT_CACHE_SLOTS] = t;
    pthread_mutex_unlock(&c->lock);
}

static enum db_status scan(struct db_conn *conn, struct audit_run *a, uint64_t count)
{
    struct audit_report *r = a->r;
    bool found;
    uint64_t max = 0;
    enum db_status st = db_anchor_max_confirmed(conn, r->final, r->as_of.index, &found, &max);
    struct audit_range range = {.anchored_below = found ? max : 0,
                                .licenses = a->policy.has_licenses,
                                .usage = a->policy.respect_content_usage};
    if (st != DB_OK || (r->final && cached(a->cache, a->id, range.anchored_below, a->limit, r)))
        return st;
    audit_fold_init(&a->fold, &a->policy);
    for (range.lo = 0; st == DB_OK && range.lo < count; range.lo += AUDIT_CHUNK) {
        range.hi = range.lo + AUDIT_CHUNK;
        st = db_dataset_audit_rows(conn, a->id, &r->as_of, &range, on_row, a);
    }
    struct audit_member last;
    if (st == DB_OK && audit_fold_finish(&a->fold, &last))
        tally(a, &last);
    if (a->fold.oom || r->oom)
        st = DB_ERROR;
    audit_fold_free(&a->fold);
    if (st == DB_OK && r->final)
        remember(a->cache, a->id, range.anchored_below, r);
    return st;
}

static enum db_status audit_txn(struct db_conn *conn, void *arg)
{
    struct audit_run *a = arg;
    audit_report_free(a->r); /* a retried transaction starts afresh */
    a->p->code = PROBLEM_NONE;
    enum db_status st = db_snapshot(conn);
    if (st == DB_OK)
        st = db_dataset_get(conn, a->id, false, &a->r->dataset);
    if (st != DB_OK)
        return st;
    if (a->r->dataset.n == 0) {
        problem_set(a->p, PROBLEM_DATASET_NOT_FOUND, NULL, "no dataset with id %" PRId64, a->id);
        return DB_OK;
    }
    const struct dataset_row *d = &a->r->dataset.v[0];
    if (!prepare(a, d))
        return DB_OK;
    return scan(conn, a, d->member_count);
}

bool registry_dataset_audit(struct registry *reg, int64_t id, int64_t after, unsigned limit,
                            struct audit_report *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct audit_run a = {
        .cache = &reg->audits, .r = out, .p = p, .id = id, .after = after, .limit = limit};
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = db_transaction(conn, audit_txn, &a);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    return p->code == PROBLEM_NONE;
}
