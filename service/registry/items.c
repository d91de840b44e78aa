/* SPDX-License-Identifier: Apache-2.0 */
/* DESIGN (batches): every element is parsed by the caller (item_read_json). When the signer
 * must be known (keyless requests, --require-known-signer), one query over all the parsed
 * elements' signers refuses those not in the registry before any signature is checked, so that a
 * batch of self-made keys costs one round trip and no signature checks; the signatures of the
 * rest are checked here. The valid ones are stored by one statement over arrays
 * (db_item_insert_many), atomic on its own: a batch costs one round trip and one commit, with no
 * BEGIN or COMMIT of its own, instead of a request, a round trip and a commit each. An element
 * that comes back without a row (revoked signer, a registration that occurs twice, or a
 * concurrent insert of the same registration) is resolved on its own after the commit, as a
 * single registration would be. */
#include "registry/items.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db/datasets.h"
#include "db/items.h"
#include "db/signers.h"
#include "registry/signers.h"
#include "util/codec.h"

/* PROBLEM_PROVENANCE_NOT_FOUND for hash. */
static void not_registered(const uint8_t hash[SHA256_LEN], struct problem *p)
{
    char hex[2 * SHA256_LEN + 1];
    hex_encode(hash, SHA256_LEN, hex);
    problem_set(p, PROBLEM_PROVENANCE_NOT_FOUND, NULL, "nothing is registered for sha256:%s", hex);
}

/* Inserts one registration on conn, resolving a refusal: DB_OK with one row or err set. */
static enum db_status register_on(struct db_conn *conn, const struct item_request *item,
                                  bool require_known, bool keyless, struct item_rows *out,
                                  struct problem *err)
{
    enum db_status st = DB_RETRY;
    err->code = PROBLEM_NONE;
    for (int attempt = 0; attempt < 3 && st == DB_RETRY; attempt++) {
        st = db_item_insert(conn, item, require_known, out);
        if (st != DB_OK || out->n == 1)
            return st;
        item_rows_free(out);
        st = signer_refusal(conn, item->sig.signer, require_known, keyless, err);
        if (st == DB_OK && err->code == PROBLEM_NONE)
            st = DB_RETRY; /* a concurrent insert of the same registration: look again */
    }
    return st;
}

static bool require_known(const struct registry *reg, bool keyless)
{
    return reg->policy.require_known_signer || keyless;
}

/* With one query, refuses (err[i] set) the n requests whose signer is not in the registry, before
 * their signatures are checked; counts them in reg->signatures_skipped. */
static enum db_status refuse_unknown(struct registry *reg, struct db_conn *conn,
                                     const struct item_request *const *items, struct problem **err,
                                     size_t n, bool keyless)
{
    const char **ids = calloc(n ? n : 1, sizeof *ids);
    bool *known = calloc(n ? n : 1, sizeof *known);
    enum db_status st = DB_ERROR;
    if (ids && known) {
        for (size_t i = 0; i < n; i++)
            ids[i] = items[i]->sig.signer;
        st = db_signers_known(conn, ids, n, known);
    }
    for (size_t i = 0; st == DB_OK && i < n; i++) {
        if (known[i])
            continue;
        signer_unknown(err[i], items[i]->sig.signer, keyless);
        atomic_fetch_add_explicit(&reg->signatures_skipped, 1, memory_order_relaxed);
    }
    free(ids);
    free(known);
    return st;
}

/* True when item may be stored: the policy first (refuse_unknown, when the signer must be
 * known), then the signature; otherwise *st (a database failure) or p says why not. */
static bool admit_one(struct registry *reg, struct db_conn *conn, const struct item_request *item,
                      bool keyless, struct problem *p, enum db_status *st)
{
    *st = DB_OK;
    p->code = PROBLEM_NONE;
    if (require_known(reg, keyless)) {
        *st = refuse_unknown(reg, conn, &item, &p, 1, keyless);
        if (*st != DB_OK || p->code != PROBLEM_NONE)
            return false;
    }
    return item_verify(item, p);
}

struct batch_insert {
    struct register_entry *e;          /* a batch's elements (a group's are not in one array) */
    const struct item_request **valid; /* the elements to store, in order */
    struct register_entry **at;        /* their entries */
    struct item_rows *results;         /* db_item_insert_many's, one per valid element */
    size_t n_valid;
    bool require_known;
};

/* One statement, so no transaction of its own: a deadlock or serialization failure runs it
 * again (twice at most); a lost connection is healed and the statement run once more by db_exec
 * (it is idempotent: a commit that succeeded unseen shows as "existing"). */
static enum db_status insert_valid(struct db_conn *conn, struct batch_insert *b)
{
    enum db_status st = DB_RETRY;
    for (int attempt = 0; attempt < 3 && st == DB_RETRY; attempt++) {
        for (size_t k = 0; k < b->n_valid; k++) /* a retried statement starts afresh */
            item_rows_free(&b->results[k]);
        st = db_item_insert_many(conn, b->valid, b->n_valid, b->require_known, b->results);
    }
    return st;
}

static void element_db_error(struct problem *err, enum db_status st)
{
    bool down = st == DB_UNAVAILABLE || st == DB_RETRY || st == DB_TIMEOUT;
    problem_set(err, down ? PROBLEM_DB_UNAVAILABLE : PROBLEM_INTERNAL, NULL, "%s",
                down ? "the database became unavailable before this registration was resolved; "
                       "send it again (the others committed with it are stored)"
                     : "internal error while resolving this registration (the others committed "
                       "with it are stored)");
}

/* Stores the valid elements in one statement on conn, then resolves those that got no row. */
static enum db_status store_batch(struct db_conn *conn, struct batch_insert *b, bool keyless)
{
    enum db_status st = insert_valid(conn, b);
    for (size_t k = 0; k < b->n_valid && st == DB_OK; k++) {
        struct register_entry *e = b->at[k];
        if (b->results[k].n == 1) {
            e->rows = b->results[k];
            memset(&b->results[k], 0, sizeof b->results[k]);
            continue;
        }
        /* The batch is committed: a failure now concerns this element alone. */
        enum db_status one =
            register_on(conn, &e->req, b->require_known, keyless, &e->rows, &e->err);
        if (one != DB_OK)
            element_db_error(&e->err, one);
    }
    return st;
}

/* Lists the elements of b->e not failed yet in b->valid and b->at. */
static void collect_valid(struct batch_insert *b, size_t n)
{
    b->n_valid = 0;
    for (size_t i = 0; i < n; i++)
        if (b->e[i].err.code == PROBLEM_NONE) {
            b->valid[b->n_valid] = &b->e[i].req;
            b->at[b->n_valid++] = &b->e[i];
        }
}

/* Refuses unknown signers when they must be known (one query), then checks the signatures of the
 * elements left; b->valid lists those that passed. */
static enum db_status admit_batch(struct registry *reg, struct db_conn *conn,
                                  struct batch_insert *b, size_t n, bool keyless)
{
    collect_valid(b, n);
    if (b->require_known && b->n_valid) {
        struct problem **err = calloc(b->n_valid, sizeof *err);
        if (!err)
            return DB_ERROR;
        for (size_t k = 0; k < b->n_valid; k++)
            err[k] = &b->at[k]->err;
        enum db_status st = refuse_unknown(reg, conn, b->valid, err, b->n_valid, keyless);
        free(err);
        if (st != DB_OK)
            return st;
        collect_valid(b, n);
    }
    size_t failed = 0;
    for (size_t k = 0; k < b->n_valid; k++) {
        struct register_entry *e = b->at[k];
        failed += !item_verify(&e->req, &e->err); /* e->err says why */
    }
    if (failed)
        collect_valid(b, n);
    return DB_OK;
}

bool registry_register_batch(struct registry *reg, struct register_entry *e, size_t n, bool keyless,
                             struct problem *p)
{
    struct batch_insert b = {.e = e, .require_known = require_known(reg, keyless)};
    enum db_status st = DB_ERROR;
    struct db_conn *conn = NULL;
    b.valid = calloc(n ? n : 1, sizeof *b.valid);
    b.at = calloc(n ? n : 1, sizeof *b.at);
    b.results = calloc(n ? n : 1, sizeof *b.results);
    if (!b.valid || !b.at || !b.results)
        goto out;
    collect_valid(&b, n);
    st = DB_OK;
    if (b.n_valid == 0)
        goto out; /* nothing to check or store: no need for the database */
    conn = db_acquire(reg->pool);
    st = conn ? admit_batch(reg, conn, &b, n, keyless) : DB_UNAVAILABLE;
    if (st == DB_OK && b.n_valid)
        st = store_batch(conn, &b, keyless);
    db_release(reg->pool, conn);
out:
    for (size_t k = 0; b.results && k < b.n_valid; k++)
        item_rows_free(&b.results[k]);
    free(b.valid);
    free(b.at);
    free(b.results);
    return registry_db_result(st, p);
}

/* A grouper_serve of the committer: the group (its members share the keyless flag, their kind)
 * is stored as a batch would be, in one transaction and one commit; when that fails every
 * member fails alike. */
static void store_group(void *ctx, struct group_job **group, size_t n)
{
    struct registry *reg = ctx;
    bool keyless = group[0]->kind;
    struct batch_insert b = {.require_known = require_known(reg, keyless), .n_valid = n};
    enum db_status st = DB_ERROR;
    b.valid = calloc(n, sizeof *b.valid);
    b.at = calloc(n, sizeof *b.at);
    b.results = calloc(n, sizeof *b.results);
    if (b.valid && b.at && b.results) {
        for (size_t k = 0; k < n; k++) {
            struct register_job *job = (struct register_job *)group[k];
            b.valid[k] = &job->e.req;
            b.at[k] = &job->e;
        }
        struct db_conn *conn = db_acquire(reg->pool);
        st = conn ? store_batch(conn, &b, keyless) : DB_UNAVAILABLE;
        db_release(reg->pool, conn);
    }
    for (size_t k = 0; k < n; k++) {
        if (b.results)
            item_rows_free(&b.results[k]);
        if (st != DB_OK)
            registry_db_problem(st, &((struct register_job *)group[k])->e.err);
    }
    free(b.valid);
    free(b.at);
    free(b.results);
}

/* A grouper_serve of the lookups: the group's hashes in one query. */
static void lookup_group(void *ctx, struct group_job **group, size_t n)
{
    struct registry *reg = ctx;
    struct provenance_job *jobs[LOOKUP_GROUP_MAX];
    struct db_lookup q[LOOKUP_GROUP_MAX];
    for (size_t k = 0; k < n; k++) {
        jobs[k] = (struct provenance_job *)group[k];
        q[k] = (struct db_lookup){jobs[k]->hash, jobs[k]->limit, jobs[k]->max_bytes};
    }
    struct db_conn *conn = db_acquire(reg->pool);
    enum db_status st =
        conn ? db_item_provenance_many(conn, q, n, PROVENANCE_MAX_DATASETS + 1) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    for (size_t k = 0; k < n; k++) {
        struct provenance *prov = &jobs[k]->prov; /* zero since registry_provenance_queue */
        prov->items = q[k].items;
        prov->datasets = q[k].uses;
        prov->models = q[k].models;
        if (st != DB_OK)
            registry_db_problem(st, &jobs[k]->err);
        else if (prov->items.n == 0)
            not_registered(jobs[k]->hash, &jobs[k]->err);
        else
            jobs[k]->err.code = PROBLEM_NONE;
    }
}

/* Starts *g with threads threads serving groups of at most max with serve. */
static bool start_grouper(struct registry *reg, struct grouper **g, unsigned threads, size_t max,
                          grouper_serve serve)
{
    *g = malloc(sizeof **g);
    if (*g && grouper_start(*g, threads, max, serve, reg))
        return true;
    free(*g);
    *g = NULL;
    return false;
}

bool registry_start_groups(struct registry *reg, unsigned threads, unsigned lookups)
{
    return start_grouper(reg, &reg->committer, threads, COMMIT_GROUP_MAX, store_group) &&
           start_grouper(reg, &reg->lookups, lookups, LOOKUP_GROUP_MAX, lookup_group);
}

bool registry_register_admit(struct registry *reg, struct register_job *job)
{
    struct register_entry *e = &job->e;
    memset(&e->rows, 0, sizeof e->rows);
    e->err.code = PROBLEM_NONE;
    struct db_conn *conn = NULL;
    enum db_status st = DB_OK;
    if (require_known(reg, job->keyless) && !(conn = db_acquire(reg->pool)))
        st = DB_UNAVAILABLE;
    bool admitted = st == DB_OK && admit_one(reg, conn, &e->req, job->keyless, &e->err, &st);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, &e->err);
    return admitted;
}

void registry_register_queue(struct registry *reg, struct register_job *job)
{
    job->g.kind = job->keyless;
    if (reg->committer && grouper_submit(reg->committer, &job->g))
        return;
    problem_set(&job->e.err, PROBLEM_DB_UNAVAILABLE, NULL,
                "the server is shutting down; send the registration again");
    job->g.done(&job->g);
}

void registry_provenance_queue(struct registry *reg, struct provenance_job *job)
{
    memset(&job->prov, 0, sizeof job->prov);
    job->g.kind = 0;
    if (reg->lookups && grouper_submit(reg->lookups, &job->g))
        return;
    problem_set(&job->err, PROBLEM_DB_UNAVAILABLE, NULL, "the server is shutting down; ask again");
    job->g.done(&job->g);
}

void register_entries_free(struct register_entry *e, size_t n)
{
    for (size_t i = 0; e && i < n; i++) {
        item_request_free(&e[i].req);
        item_rows_free(&e[i].rows);
    }
}

bool registry_item_get(struct registry *reg, int64_t id, struct item_rows *out, struct problem *p)
{
    enum db_status st;
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    st = conn ? db_item_get(conn, id, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (out->n == 0) {
        item_rows_free(out);
        return problem_set(p, PROBLEM_ITEM_NOT_FOUND, NULL, "no item with id %" PRId64, id);
    }
    p->code = PROBLEM_NONE;
    return true;
}

bool registry_items_list(struct registry *reg, const struct item_filter *f, struct item_rows *out,
                         struct problem *p)
{
    enum db_status st;
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    st = conn ? db_item_list(conn, f, out) : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
    return registry_db_result(st, p);
}

void provenance_free(struct provenance *p)
{
    item_rows_free(&p->items);
    dataset_uses_free(&p->datasets);
    model_uses_free(&p->models);
    free(p->first);
    p->first = NULL;
}

/* A requested hash and where it was asked for, to sort them by hash. */
struct hash_at {
    const uint8_t *hash;
    size_t at;
};

static int hash_at_cmp(const void *a, const void *b)
{
    const struct hash_at *x = a, *y = b;
    int c = memcmp(x->hash, y->hash, SHA256_LEN);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Sets first[i] to where hashes[i] first appears and copies each distinct hash, in order of
 * first appearance, to distinct (n of room), counting them in *n_distinct. */
static bool dedupe(const uint8_t (*hashes)[SHA256_LEN], size_t n, size_t *first,
                   uint8_t (*distinct)[SHA256_LEN], size_t *n_distinct)
{
    struct hash_at *by = malloc((n ? n : 1) * sizeof *by);
    if (!by)
        return false;
    for (size_t i = 0; i < n; i++)
        by[i] = (struct hash_at){hashes[i], i};
    qsort(by, n, sizeof *by, hash_at_cmp); /* equal hashes in a run, first appearance first */
    for (size_t i = 0; i < n; i++) {
        bool repeat = i > 0 && memcmp(by[i].hash, by[i - 1].hash, SHA256_LEN) == 0;
        first[by[i].at] = repeat ? first[by[i - 1].at] : by[i].at;
    }
    *n_distinct = 0;
    for (size_t i = 0; i < n; i++)
        if (first[i] == i)
            memcpy(distinct[(*n_distinct)++], hashes[i], SHA256_LEN);
    free(by);
    return true;
}

static enum db_status lookup_on(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                                unsigned limit, size_t max_bytes, struct provenance *out)
{
    enum db_status st = db_item_by_content_hashes(conn, hashes, n, limit, max_bytes, &out->items);
    if (st == DB_OK)
        st = db_datasets_containing(conn, hashes, n, LOOKUP_DATASETS, &out->datasets);
    if (st == DB_OK)
        st = db_models_using(conn, hashes, n, LOOKUP_DATASETS, &out->models);
    return st;
}

bool registry_provenance_many(struct registry *reg, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                              unsigned limit, size_t max_bytes, struct provenance *out,
                              struct problem *p)
{
    enum db_status st = DB_ERROR;
    struct db_conn *conn = NULL;
    size_t n_distinct = 0;
    uint8_t(*distinct)[SHA256_LEN] = malloc((n ? n : 1) * sizeof *distinct);
    memset(out, 0, sizeof *out);
    out->first = malloc((n ? n : 1) * sizeof *out->first);
    if (!distinct || !out->first || !dedupe(hashes, n, out->first, distinct, &n_distinct))
        goto out;
    conn = db_acquire(reg->pool);
    st = conn ? lookup_on(conn, (const uint8_t(*)[SHA256_LEN])distinct, n_distinct, limit,
                          max_bytes, out)
              : DB_UNAVAILABLE;
    db_release(reg->pool, conn);
out:
    free(distinct);
    if (st != DB_OK)
        provenance_free(out);
    return registry_db_result(st, p);
}
