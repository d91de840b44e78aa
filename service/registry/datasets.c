/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/datasets.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "registry/prove.h"
#include "registry/signers.h"

bool registry_dataset_create(struct registry *reg, const struct dataset_create *c, int64_t key_id,
                             struct dataset_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = db_dataset_insert(conn, c, key_id, out);
    db_release(reg->pool, conn);
    if (st == DB_OK && out->n != 1)
        st = DB_ERROR;
    return registry_db_result(st, p);
}

/* The dataset id on conn, into out; PROBLEM_DATASET_NOT_FOUND (p set, DB_OK) when none. */
static enum db_status get_on(struct db_conn *conn, int64_t id, bool lock, struct dataset_rows *out,
                             struct problem *p)
{
    enum db_status st = db_dataset_get(conn, id, lock, out);
    if (st == DB_OK && out->n == 0)
        problem_set(p, PROBLEM_DATASET_NOT_FOUND, NULL, "no dataset with id %" PRId64, id);
    return st;
}

bool registry_dataset_get(struct registry *reg, int64_t id, struct dataset_rows *out,
                          struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = get_on(conn, id, false, out, p);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    return p->code == PROBLEM_NONE;
}

bool registry_datasets_list(struct registry *reg, const struct dataset_filter *f,
                            struct dataset_rows *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = db_dataset_list(conn, f, out);
    db_release(reg->pool, conn);
    return registry_db_result(st, p);
}

/* Locks dataset id for a change by key_id: it must exist, be the key's and be open. */
static enum db_status lock_open(struct db_conn *conn, int64_t id, int64_t key_id,
                                struct dataset_rows *out, struct problem *p)
{
    enum db_status st = get_on(conn, id, true, out, p);
    if (st != DB_OK || p->code != PROBLEM_NONE)
        return st;
    const struct dataset_row *d = &out->v[0];
    if (d->created_by != key_id)
        problem_set(p, PROBLEM_DATASET_FORBIDDEN, NULL,
                    "dataset %" PRId64 " was created with another API key", id);
    else if (d->sealed)
        problem_set(p, PROBLEM_DATASET_SEALED, NULL,
                    "dataset %" PRId64 " is sealed: its members are final", id);
    return DB_OK;
}

struct change {
    int64_t id, key_id;
    struct problem *p;
    const struct hash_list *hashes;       /* append */
    struct dataset_append_result *result; /* append */
    const struct dataset_seal *seal;      /* seal */
    bool require_known;                   /* seal */
    struct dataset_rows *rows;            /* seal: the sealed dataset */
};

static enum db_status delete_txn(struct db_conn *conn, void *arg)
{
    struct change *c = arg;
    struct dataset_rows d;
    c->p->code = PROBLEM_NONE;
    enum db_status st = lock_open(conn, c->id, c->key_id, &d, c->p);
    if (st == DB_OK && c->p->code == PROBLEM_NONE)
        st = db_dataset_delete(conn, c->id);
    dataset_rows_free(&d);
    return st;
}

bool registry_dataset_delete(struct registry *reg, int64_t id, int64_t key_id, struct problem *p)
{
    struct change c = {.id = id, .key_id = key_id, .p = p};
    return registry_in_transaction(reg, delete_txn, &c, p);
}

/* Rebuilds the members tree's edge at size from the stored tiles. */
static enum db_status load_edge(struct db_conn *conn, int64_t id, uint64_t size,
                                struct tile_edge *edge)
{
    tile_edge_init(edge, size);
    unsigned levels[TILE_MAX_LEVELS];
    uint64_t idxs[TILE_MAX_LEVELS];
    size_t n = tile_edge_partials(edge, levels, idxs), found = 0;
    struct tile *tiles = calloc(n ? n : 1, sizeof *tiles);
    if (!tiles)
        return DB_ERROR;
    enum db_status st = db_dataset_tiles_get(conn, id, levels, idxs, n, tiles, &found);
    if (st == DB_OK && !tile_edge_fill(edge, tiles, found))
        st = DB_ERROR;
    free(tiles);
    return st;
}

/* Grows a members tree by the leaves of fresh members (on a helper thread, or inline). */
struct growth {
    struct tile_edge *edge;
    const uint8_t (*fresh)[SHA256_LEN];
    size_t n;
    bool ok;
};

static void *grow_edge(void *arg)
{
    struct growth *g = arg;
    g->ok = true;
    for (size_t i = 0; g->ok && i < g->n; i++) {
        uint8_t leaf[SHA256_LEN];
        dataset_member_leaf(g->fresh[i], leaf);
        g->ok = tile_edge_append(g->edge, leaf);
    }
    return NULL;
}

/* Stores the hashes of in that are not members yet (none repeated) at size, size + 1, …, and
 * grows edge (the members tree at size) by them: they are tried as all new first, while a helper
 * thread hashes them into the tree (the database's COPY and the hashing overlap); only when one
 * is a member already are they looked up, and the tree grown again by those left. fresh
 * receives them and *n their number. */
static enum db_status store_members(struct db_conn *conn, int64_t id, uint64_t size,
                                    const struct hash_list *in, bool *exists,
                                    uint8_t (*fresh)[SHA256_LEN], size_t *n, struct tile_edge *edge)
{
    bool inserted = false;
    const uint8_t(*list)[SHA256_LEN] = (const uint8_t(*)[SHA256_LEN])fresh;
    if ((*n = hash_list_fresh(in, exists, fresh)) == SIZE_MAX)
        return DB_ERROR;
    enum db_status st = load_edge(conn, id, size, edge);
    if (st != DB_OK)
        return st;
    struct growth g = {.edge = edge, .fresh = list, .n = *n};
    pthread_t helper;
    bool threaded = pthread_create(&helper, NULL, grow_edge, &g) == 0;
    st = db_dataset_members_insert_new(conn, id, size, list, *n, &inserted);
    if (threaded)
        pthread_join(helper, NULL);
    else if (st == DB_OK && inserted)
        grow_edge(&g);
    if (st != DB_OK || inserted)
        return st == DB_OK && !g.ok ? DB_ERROR : st;
    memset(exists, 0, in->n * sizeof *exists);
    st = db_dataset_members_existing(conn, id, (const uint8_t(*)[SHA256_LEN])in->v, in->n, exists);
    if (st == DB_OK && (*n = hash_list_fresh(in, exists, fresh)) == SIZE_MAX)
        st = DB_ERROR;
    tile_edge_free(edge); /* grown by members that were there already: start again */
    if (st == DB_OK)
        st = load_edge(conn, id, size, edge);
    if (st == DB_OK)
        st = db_dataset_members_insert(conn, id, size, list, *n);
    g = (struct growth){.edge = edge, .fresh = list, .n = *n};
    if (st == DB_OK)
        grow_edge(&g);
    return st == DB_OK && !g.ok ? DB_ERROR : st;
}

/* Stores the changed tiles of edge (the members tree grown to count) and the dataset's new
 * count and root. */
static enum db_status store_tree(struct db_conn *conn, int64_t id, uint64_t count,
                                 struct tile_edge *edge, uint8_t root[SHA256_LEN])
{
    const struct tile **list = malloc((edge->n_full + TILE_MAX_LEVELS) * sizeof *list);
    enum db_status st =
        list ? db_dataset_tiles_put(conn, id, list, tile_edge_changed(edge, list)) : DB_ERROR;
    if (st == DB_OK && !tile_edge_root(edge, root))
        st = DB_ERROR;
    if (st == DB_OK)
        st = db_dataset_members_update(conn, id, count, root);
    free(list);
    return st;
}

static void result_set(struct dataset_append_result *r, const struct dataset_row *d)
{
    r->member_count = d->member_count;
    snprintf(r->members_root_hex, sizeof r->members_root_hex, "%s",
             d->members_root_hex ? d->members_root_hex : "");
}

static enum db_status append_txn(struct db_conn *conn, void *arg)
{
    struct change *c = arg;
    const struct hash_list *in = c->hashes;
    struct dataset_rows d = {0};
    bool *exists = calloc(in->n, sizeof *exists);
    uint8_t(*fresh)[SHA256_LEN] = malloc(in->n * sizeof *fresh);
    struct tile_edge *edge = calloc(1, sizeof *edge); /* zeroed: tile_edge_free is safe */
    size_t n = 0;
    uint8_t root[SHA256_LEN];
    c->p->code = PROBLEM_NONE;
    enum db_status st =
        exists && fresh && edge ? lock_open(conn, c->id, c->key_id, &d, c->p) : DB_ERROR;
    bool go = st == DB_OK && c->p->code == PROBLEM_NONE;
    uint64_t size = go ? d.v[0].member_count : 0;
    if (go)
        st = store_members(conn, c->id, size, in, exists, fresh, &n, edge);
    if (go && st == DB_OK && n)
        st = store_tree(conn, c->id, size + n, edge, root);
    if (go && st == DB_OK) {
        struct dataset_append_result *r = c->result;
        result_set(r, &d.v[0]);
        r->appended = n;
        r->duplicates = in->n - n;
        if (n) {
            r->member_count = size + n;
            hex_encode(root, SHA256_LEN, r->members_root_hex);
        }
    }
    dataset_rows_free(&d);
    if (edge)
        tile_edge_free(edge);
    free(edge);
    free(exists);
    free(fresh);
    return st;
}

bool registry_dataset_append(struct registry *reg, int64_t id, int64_t key_id,
                             const struct hash_list *hashes, struct dataset_append_result *out,
                             struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct change c = {.id = id, .key_id = key_id, .p = p, .hashes = hashes, .result = out};
    return registry_in_transaction(reg, append_txn, &c, p);
}

/* The seal's checks against the locked dataset d: counts, root, signature, signer. */
static enum db_status check_seal(struct db_conn *conn, const struct change *c,
                                 const struct dataset_row *d)
{
    const struct dataset_seal *s = c->seal;
    if (d->member_count == 0) {
        problem_set(c->p, PROBLEM_DATASET_EMPTY, NULL, "dataset %" PRId64 " has no members to seal",
                    d->id);
        return DB_OK;
    }
    if (s->member_count != d->member_count ||
        strcmp(s->members_root_hex, d->members_root_hex) != 0) {
        problem_set(c->p, PROBLEM_DATASET_MISMATCH,
                    s->member_count != d->member_count ? "member_count" : "members_root",
                    "the dataset holds %" PRIu64 " members with root %s; the seal states %" PRIu64
                    " with root %s",
                    d->member_count, d->members_root_hex, s->member_count, s->members_root_hex);
        return DB_OK;
    }
    struct dataset_fields f;
    dataset_row_fields(d, &f);
    struct buf statement = BUF_INIT;
    uint8_t digest[32];
    const uint8_t *msg;
    size_t len;
    bool built = dataset_signed_message(&f, s->sig.scheme, &statement, digest, &msg, &len);
    bool ok = built && sig_claim_verify(&s->sig, msg, len, c->p);
    buf_free(&statement);
    if (!built)
        return DB_ERROR;
    return ok ? signer_refusal(conn, s->sig.signer, c->require_known, false, c->p) : DB_OK;
}

static enum db_status seal_txn(struct db_conn *conn, void *arg)
{
    struct change *c = arg;
    struct dataset_rows d = {0};
    c->p->code = PROBLEM_NONE;
    dataset_rows_free(c->rows);
    enum db_status st = lock_open(conn, c->id, c->key_id, &d, c->p);
    if (st == DB_OK && c->p->code == PROBLEM_NONE)
        st = check_seal(conn, c, &d.v[0]);
    if (st == DB_OK && c->p->code == PROBLEM_NONE)
        st = db_dataset_seal(conn, c->id, &c->seal->sig);
    if (st == DB_OK && c->p->code == PROBLEM_NONE)
        st = db_dataset_get(conn, c->id, false, c->rows);
    dataset_rows_free(&d);
    return st;
}

bool registry_dataset_seal(struct registry *reg, int64_t id, int64_t key_id,
                           const struct dataset_seal *seal, struct dataset_rows *out,
                           struct problem *p)
{
    memset(out, 0, sizeof *out);
    struct change c = {.id = id,
                       .key_id = key_id,
                       .p = p,
                       .seal = seal,
                       .require_known = reg->policy.require_known_signer,
                       .rows = out};
    return registry_in_transaction(reg, seal_txn, &c, p);
}

bool registry_dataset_members(struct registry *reg, int64_t id, int64_t after, unsigned limit,
                              struct dataset_member *out, size_t *n, struct problem *p)
{
    struct dataset_rows d = {0};
    p->code = PROBLEM_NONE;
    *n = 0;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    enum db_status st = get_on(conn, id, false, &d, p);
    if (st == DB_OK && p->code == PROBLEM_NONE)
        st = db_dataset_members_list(conn, id, after, limit, out, n);
    db_release(reg->pool, conn);
    dataset_rows_free(&d);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    return p->code == PROBLEM_NONE;
}

/* What a dataset's receipt is read for: the dataset, and a member whose position goes into m
 * (both may be NULL). */
struct dataset_receipt_ask {
    int64_t id;
    const uint8_t *member;
    struct membership_proof *m;
};

/* A receipt_read of a struct dataset_receipt_ask: the sealed dataset and its member. */
static bool dataset_read(struct db_conn *conn, bool lean, const void *arg, struct receipt *r,
                         struct receipt_context *c, struct problem *p)
{
    const struct dataset_receipt_ask *a = arg;
    struct dataset_receipt_row row;
    enum db_status st = db_dataset_get_for_receipt(conn, a->id, a->member, lean, &row);
    r->owner = row.owner;
    if (st != DB_OK)
        return registry_db_problem(st, p);
    const struct dataset_row *d = &row.dataset;
    if (!row.found)
        return problem_set(p, PROBLEM_DATASET_NOT_FOUND, NULL, "no dataset with id %" PRId64,
                           a->id);
    if (!d->sealed)
        return problem_set(p, PROBLEM_DATASET_OPEN, NULL,
                           "dataset %" PRId64 " is open: it has a receipt once sealed", a->id);
    if (a->member && !row.is_member)
        return problem_set(p, PROBLEM_NOT_A_MEMBER, "content_hash",
                           "the content hash is not a member of dataset %" PRId64, a->id);
    dataset_record_write(&r->record, d);
    r->id = a->id;
    r->pending_status = "sealed";
    r->logged = d->logged;
    r->log_index = d->log_index;
    *c = row.context;
    if (a->m) {
        a->m->position = row.position;
        a->m->member_count = d->member_count;
        snprintf(a->m->members_root_hex, sizeof a->m->members_root_hex, "%s", d->members_root_hex);
    }
    return true;
}

/* Loads the receipt of sealed dataset id on conn, and member's position (may be NULL) into m. */
static bool receipt_on(struct registry *reg, struct db_conn *conn, int64_t id,
                       const uint8_t *member, struct receipt *r, struct membership_proof *m,
                       struct problem *p)
{
    const struct dataset_receipt_ask a = {id, member, m};
    return receipt_load(reg, conn, dataset_read, &a, r, p);
}

bool registry_dataset_receipt(struct registry *reg, int64_t id, struct receipt *out,
                              struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = receipt_on(reg, conn, id, NULL, out, NULL, p);
    db_release(reg->pool, conn);
    return ok;
}

bool registry_dataset_proof_on(struct registry *reg, struct db_conn *conn, int64_t id,
                               const uint8_t hash[SHA256_LEN], struct membership_proof *out,
                               struct problem *p)
{
    if (!receipt_on(reg, conn, id, hash, &out->dataset, out, p))
        return false;
    enum db_status st = prove_dataset_inclusion(conn, &reg->tiles, id, out->position,
                                                out->member_count, out->proof, &out->n_proof);
    return st == DB_OK || registry_db_problem(st, p);
}

bool registry_dataset_proof(struct registry *reg, int64_t id, const uint8_t hash[SHA256_LEN],
                            struct membership_proof *out, struct problem *p)
{
    memset(out, 0, sizeof *out);
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = registry_dataset_proof_on(reg, conn, id, hash, out, p);
    db_release(reg->pool, conn);
    return ok;
}

void membership_proof_free(struct membership_proof *m)
{
    receipt_free(&m->dataset);
}
