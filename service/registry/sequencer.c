/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/sequencer.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/codec.h"
#include "util/diag.h"
#include "util/sleep.h"
#include "db/items.h"
#include "db/models.h"
#include "db/tlog.h"

bool sequencer_init(struct sequencer *s, const char *database_url, const struct db_limits *l,
                    const struct note_key *key)
{
    memset(s, 0, sizeof *s);
    if (!key->has_secret)
        return false;
    s->database_url = strdup(database_url);
    s->limits = *l;
    s->key = *key;
    s->batch = SEQUENCER_BATCH;
    tile_edge_init(&s->edge, 0);
    return s->database_url != NULL;
}

void sequencer_free(struct sequencer *s)
{
    db_disconnect(s->conn);
    tile_edge_free(&s->edge);
    free(s->database_url);
    sodium_memzero(s, sizeof *s); /* the log key */
}

/* Rebuilds the tree edge for size from the stored tiles and checks it against the stored
 * checkpoint root (root_hex NULL for an empty log). */
static enum db_status load_edge(struct sequencer *s, uint64_t size, const char *root_hex)
{
    tile_edge_free(&s->edge);
    tile_edge_init(&s->edge, size);
    unsigned levels[TILE_MAX_LEVELS];
    uint64_t idxs[TILE_MAX_LEVELS];
    size_t n = tile_edge_partials(&s->edge, levels, idxs), found = 0;
    struct tile *tiles = calloc(n ? n : 1, sizeof *tiles);
    if (!tiles)
        return DB_ERROR;
    enum db_status st = db_log_tiles_get(s->conn, levels, idxs, n, tiles, &found);
    if (st == DB_OK && !tile_edge_fill(&s->edge, tiles, found))
        st = DB_ERROR;
    free(tiles);
    uint8_t root[MERKLE_HASH_LEN], want[MERKLE_HASH_LEN];
    if (st == DB_OK && root_hex &&
        (!hex_decode(root_hex, strlen(root_hex), want, MERKLE_HASH_LEN, true) ||
         !tile_edge_root(&s->edge, root) || memcmp(root, want, MERKLE_HASH_LEN) != 0))
        st = DB_ERROR;
    if (st == DB_ERROR)
        diag_error("sequencer: the stored tree does not match the last checkpoint at size %" PRIu64,
                   size);
    return st;
}

static enum db_status publish_checkpoint(struct sequencer *s);

/* Checks the log's identity against our key and (re)builds the edge. A log without any
 * checkpoint gets the one of size 0 (root SHA-256 of the empty string), so that readers and
 * witnesses see the log, and its key, before the first registration. */
static enum db_status become_leader(struct db_conn *conn, void *arg)
{
    struct sequencer *s = arg;
    struct buf vkey = BUF_INIT;
    note_key_format_vkey(&s->key, &vkey);
    struct log_head state = {0}, head = {0};
    enum db_status st = db_log_state_create(conn, s->key.name, vkey.data);
    if (st == DB_OK)
        st = db_log_state_lock(conn, &state);
    if (st == DB_OK && (!state.origin || strcmp(state.origin, s->key.name) != 0 ||
                        strcmp(state.vkey, vkey.data) != 0)) {
        diag_error("sequencer: this database's log is %s with key %s; refusing to sign it with %s",
                   state.origin ? state.origin : "(none)", state.vkey ? state.vkey : "(none)",
                   vkey.data);
        s->fatal = true;
        st = DB_ERROR;
    }
    if (st == DB_OK)
        st = db_log_head(conn, &head);
    if (st == DB_OK) {
        st = load_edge(s, head.tree_size, head.root_hex);
        if (st == DB_OK && !head.note && head.tree_size == 0) {
            st = publish_checkpoint(s);
            if (st == DB_OK)
                diag_info("sequencer: published the empty log's checkpoint (size 0)");
        }
        if (st == DB_OK)
            diag_info("sequencer: leading log %s at tree size %" PRIu64, s->key.name,
                      head.tree_size);
    }
    log_head_free(&head);
    log_head_free(&state);
    buf_free(&vkey);
    return st;
}

/* Writes record i of a batch's rows into out and returns its id. */
typedef int64_t (*record_writer)(const void *rows, size_t i, struct buf *out);

static int64_t write_item(const void *rows, size_t i, struct buf *out)
{
    const struct item_row *row = &((const struct item_rows *)rows)->v[i];
    struct item_record rec;
    struct item_strings strs;
    item_row_record(row, &rec, &strs);
    item_record_write(out, &rec);
    return row->id;
}

static int64_t write_dataset(const void *rows, size_t i, struct buf *out)
{
    const struct dataset_row *row = &((const struct dataset_rows *)rows)->v[i];
    dataset_record_write(out, row);
    return row->id;
}

static int64_t write_model(const void *rows, size_t i, struct buf *out)
{
    const struct model_row *row = &((const struct model_rows *)rows)->v[i];
    model_record_write(out, row);
    return row->id;
}

/* Appends the leaves of n records to the edge; ids receives their ids. */
static bool append_records(struct sequencer *s, const void *rows, size_t n, record_writer write,
                           int64_t *ids)
{
    struct buf record = BUF_INIT;
    bool ok = true;
    for (size_t r = 0; ok && r < n; r++) {
        buf_reset(&record);
        ids[r] = write(rows, r, &record);
        uint8_t leaf[MERKLE_HASH_LEN];
        merkle_leaf_hash(record.data, record.len, leaf);
        ok = !record.oom && tile_edge_append(&s->edge, leaf);
    }
    buf_free(&record);
    return ok;
}

/* Stores the tiles the batch changed: the completed ones and the non-empty edge tiles. */
static enum db_status store_tiles(struct sequencer *s)
{
    const struct tile **list = malloc((s->edge.n_full + TILE_MAX_LEVELS) * sizeof *list);
    if (!list)
        return DB_ERROR;
    enum db_status st = db_log_tiles_put(s->conn, list, tile_edge_changed(&s->edge, list));
    free(list);
    return st;
}

static enum db_status publish_checkpoint(struct sequencer *s)
{
    uint8_t root[MERKLE_HASH_LEN];
    struct buf text = BUF_INIT, note = BUF_INIT;
    enum db_status st = DB_ERROR;
    if (tile_edge_root(&s->edge, root)) {
        checkpoint_format(s->key.name, s->edge.size, root, &text);
        if (!text.oom && note_sign(&s->key, text.data, text.len, &note))
            st = db_log_checkpoint_insert(s->conn, s->edge.size, root, note.data);
    }
    buf_free(&text);
    buf_free(&note);
    return st;
}

struct seq_batch {
    struct sequencer *s;
    uint64_t start_size; /* the edge's size before the batch's first attempt */
    int logged;
    int64_t from;    /* the cursor the batch read from (0: from the start) */
    int64_t last_id; /* highest item id in the batch */
    struct item_rows items;
    struct dataset_rows datasets;
    struct model_rows models;
};

/* Reads the batch: queued models and datasets, and registrations from the cursor. A dataset
 * record goes after every registration committed before its seal, so with datasets waiting the
 * queue is read from the start, and they wait for a batch that empties it. A model record goes
 * after the records of its datasets: the models are read first, so a batch that logs all the
 * datasets then queued logs every dataset they name; otherwise they wait. */
static enum db_status read_batch(struct db_conn *conn, struct seq_batch *b)
{
    struct sequencer *s = b->s;
    enum db_status st = db_log_queue_models(conn, SEQUENCER_MODELS, &b->models);
    if (st == DB_OK)
        st = db_log_queue_datasets(conn, SEQUENCER_DATASETS, &b->datasets);
    int64_t from = s->since_sweep >= SEQUENCER_SWEEP_EVERY || b->datasets.n ? 0 : s->cursor;
    if (st == DB_OK)
        st = db_log_queue_batch(conn, from, s->batch, &b->items);
    if (st == DB_OK && b->items.n == 0 && from > 0) {
        item_rows_free(&b->items);
        st = db_log_queue_batch(conn, from = 0, s->batch, &b->items);
    }
    bool all_datasets = b->datasets.n < SEQUENCER_DATASETS;
    if (st == DB_OK && b->items.n == s->batch && b->datasets.n) {
        dataset_rows_free(&b->datasets);
        all_datasets = false;
    }
    if (!all_datasets)
        model_rows_free(&b->models);
    b->from = from;
    return st;
}

/* Appends the batch to the tree and stores entries, tiles and the checkpoint. */
static enum db_status log_batch(struct db_conn *conn, struct seq_batch *b)
{
    struct sequencer *s = b->s;
    const void *rows[] = {&b->items, &b->datasets, &b->models};
    const size_t counts[] = {b->items.n, b->datasets.n, b->models.n};
    const record_writer writers[] = {write_item, write_dataset, write_model};
    size_t total = counts[0] + counts[1] + counts[2], at = 0;
    uint64_t first = s->edge.size;
    int64_t *ids = malloc(total * sizeof *ids);
    enum db_status st = ids ? DB_OK : DB_ERROR;
    for (int k = 0; k < 3 && st == DB_OK; at += counts[k], k++) {
        if (!append_records(s, rows[k], counts[k], writers[k], ids + at))
            st = DB_ERROR;
        else if (counts[k])
            st = db_log_entries_insert(conn, (enum log_record_kind)k, first + at, ids + at,
                                       counts[k]);
    }
    if (st == DB_OK)
        st = store_tiles(s);
    if (st == DB_OK)
        st = publish_checkpoint(s);
    b->logged = (int)total;
    b->last_id = ids && counts[0] ? ids[counts[0] - 1] : 0;
    free(ids);
    return st;
}

/* db_transaction retries a batch whose commit failed (a serialization failure, a deadlock), but
 * the failed attempt had already appended the batch to the in-memory edge: rebuild it from what
 * the rollback left stored, if that is still the size the batch began at (else another writer
 * did move the log, which the caller reports). */
static enum db_status rewind_edge(struct seq_batch *b, uint64_t stored_size)
{
    struct sequencer *s = b->s;
    if (s->edge.size == b->start_size || stored_size != b->start_size)
        return DB_OK;
    struct log_head head = {0};
    enum db_status st = db_log_head(s->conn, &head);
    if (st == DB_OK && head.tree_size != stored_size)
        st = DB_ERROR;
    if (st == DB_OK)
        st = load_edge(s, head.tree_size, head.root_hex);
    if (st == DB_OK)
        diag_info("sequencer: retrying a batch at tree size %" PRIu64, stored_size);
    log_head_free(&head);
    return st;
}

static enum db_status sequence_batch(struct db_conn *conn, void *arg)
{
    struct seq_batch *b = arg;
    struct sequencer *s = b->s;
    bool held = false;
    struct log_head state = {0};
    b->logged = 0;
    b->last_id = 0;
    enum db_status st = db_log_holds_lock(conn, &held);
    if (st == DB_OK && !held) {
        diag_warn("sequencer: lost the leader lock");
        st = DB_UNAVAILABLE;
    }
    if (st == DB_OK)
        st = db_log_state_lock(conn, &state);
    if (st == DB_OK)
        st = rewind_edge(b, state.tree_size);
    if (st == DB_OK && state.tree_size != s->edge.size) {
        diag_error("sequencer: log_state moved under us (another writer?)");
        st = DB_ERROR;
    }
    if (st == DB_OK)
        st = read_batch(conn, b);
    if (st == DB_OK && b->items.n + b->datasets.n + b->models.n > 0)
        st = log_batch(conn, b);
    item_rows_free(&b->items);
    dataset_rows_free(&b->datasets);
    model_rows_free(&b->models);
    log_head_free(&state);
    return st;
}

static void drop_leadership(struct sequencer *s)
{
    s->leader = false;
    s->cursor = 0;
    s->since_sweep = 0;
    /* The session (and the advisory lock with it) may be gone; start from a clean one. */
    db_disconnect(s->conn);
    s->conn = NULL;
}

int sequencer_step(struct sequencer *s)
{
    if (!s->conn && !(s->conn = db_connect(s->database_url, 0, &s->limits)))
        return -1;
    if (!s->leader) {
        bool got = false;
        if (db_log_try_lock(s->conn, &got) != DB_OK) {
            drop_leadership(s);
            return -1;
        }
        if (!got)
            return 0;
        if (db_transaction(s->conn, become_leader, s) != DB_OK) {
            drop_leadership(s);
            return -1;
        }
        s->leader = true;
    }
    struct seq_batch b = {.s = s, .start_size = s->edge.size};
    if (db_transaction(s->conn, sequence_batch, &b) != DB_OK) {
        drop_leadership(s);
        return -1;
    }
    tile_edge_clear_full(&s->edge);
    if (b.logged) {
        s->since_sweep = b.from == 0 ? 0 : s->since_sweep + 1;
        if (b.last_id > s->cursor)
            s->cursor = b.last_id;
    }
    return b.logged;
}

void sequencer_run(struct sequencer *s, atomic_bool *stop)
{
    unsigned backoff = 250;
    while (!atomic_load(stop) && !s->fatal) {
        int n = sequencer_step(s);
        if (n < 0) {
            sleep_ms_unless(backoff, stop);
            backoff = backoff < 5000 ? backoff * 2 : 5000;
            continue;
        }
        backoff = 250;
        if (n == 0)
            sleep_ms_unless(s->leader ? 100 : 1000, stop);
    }
    if (s->leader)
        diag_info("sequencer: stopping at tree size %" PRIu64, s->edge.size);
}
