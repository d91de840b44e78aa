/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/logcheck.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/dataset.h"
#include "core/item.h"
#include "core/model.h"
#include "db/tlog.h"
#include "tlog/compact.h"
#include "tlog/note.h"
#include "tlog/tilepath.h"
#include "tlog/tiles.h"
#include "util/buf.h"
#include "util/codec.h"
#include "util/diag.h"

#define CACHE_TILES     32                /* stored tiles kept for consistency proofs */
#define MAX_FILE        (64u << 20)       /* bytes of one file of the tiles directory */
#define BUNDLE_MAX      (TILE_WIDTH + 1u) /* entry offsets of one bundle */
#define PATH_MAX_LEN    4096
#define LEVEL_ENTRIES   TILE_MAX_LEVELS /* the entries "level" of a tiles directory path */
#define CHECKPOINT_FILE "checkpoint"

/* Stored tiles fetched for consistency proofs, replaced round robin. */
struct tile_cache {
    struct db_conn *conn;
    struct tile tiles[CACHE_TILES];
    size_t n, next;
    bool failed; /* a fetch failed: the database, not the log */
};

/* The tiles directory's checkpoint, once read. */
struct dir_checkpoint {
    bool present, matched;
    uint64_t size;
    uint8_t root[MERKLE_HASH_LEN];
};

struct check {
    struct db_conn *conn;
    const struct logcheck_options *o;
    struct logcheck_report *r;
    struct log_head head;
    struct note_key key;
    struct compact_range range;
    struct tile_edge edge;
    uint64_t index; /* the next log index to check */
    bool have_prev; /* the last checkpoint checked */
    uint64_t prev_size;
    uint8_t prev_root[MERKLE_HASH_LEN];
    struct buf record;
    struct tile_cache cache;
    /* A consistency proof that failed: reported at the end unless a difference in the tiles it
     * was made from (checked only once complete) explains it first. */
    char proof_failure[LOGCHECK_FAILURE_MAX];
    /* tiles directory: the entry bundle of the current level-0 tile */
    struct buf bundle;
    size_t bundle_ends[BUNDLE_MAX]; /* bundle length after each entry */
    struct dir_checkpoint dir_cp;
};

static bool fail(struct check *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the first difference; always false (the check stops). */
static bool fail(struct check *c, const char *fmt, ...)
{
    if (c->r->ok) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->r->failure, sizeof c->r->failure, fmt, ap);
        va_end(ap);
        c->r->ok = false;
    }
    return false;
}

/* --- stored tiles as a merkle_source, for consistency proofs --- */

static const struct tile *cache_get(struct tile_cache *tc, unsigned level, uint64_t idx)
{
    for (size_t i = 0; i < tc->n; i++)
        if (tc->tiles[i].level == level && tc->tiles[i].idx == idx)
            return &tc->tiles[i];
    size_t slot = tc->n < CACHE_TILES ? tc->n++ : tc->next++ % CACHE_TILES;
    size_t found = 0;
    if (db_log_tiles_get(tc->conn, &level, &idx, 1, &tc->tiles[slot], &found) != DB_OK)
        tc->failed = true;
    if (found == 1)
        return &tc->tiles[slot];
    tc->tiles[slot].width = 0; /* no longer a valid entry */
    tc->tiles[slot].level = TILE_MAX_LEVELS;
    return NULL;
}

static bool cache_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    unsigned level;
    uint64_t idx;
    tile_locate(height, index, &level, &idx);
    const struct tile *t = cache_get(ctx, level, idx);
    if (!t)
        return false;
    struct tile_set set = {.tiles = t, .n = 1};
    struct merkle_source src = tile_set_source(&set);
    return src.node(src.ctx, height, index, out);
}

/* --- checkpoints and anchors --- */

static bool check_consistency(struct check *c, uint64_t n, const uint8_t root[MERKLE_HASH_LEN])
{
    if (!c->have_prev)
        return true;
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    struct merkle_source src = {cache_node, &c->cache};
    int count = merkle_consistency_proof(&src, c->prev_size, n, proof);
    if (count < 0 && c->cache.failed)
        return false;
    bool ok = count >= 0 &&
              merkle_verify_consistency(c->prev_size, n, c->prev_root, root,
                                        (const uint8_t(*)[MERKLE_HASH_LEN])proof, (size_t)count);
    if (!ok && !c->proof_failure[0] && count < 0)
        snprintf(c->proof_failure, sizeof c->proof_failure,
                 "checkpoint %" PRIu64 ": the stored tiles give no consistency proof from "
                 "checkpoint %" PRIu64,
                 n, c->prev_size);
    else if (!ok && !c->proof_failure[0])
        snprintf(c->proof_failure, sizeof c->proof_failure,
                 "checkpoint %" PRIu64 ": the consistency proof from checkpoint %" PRIu64
                 " (made from the stored tiles) does not verify",
                 n, c->prev_size);
    c->r->proofs += ok;
    return true;
}

/* The note's signature and body: signed by the log's key, for its origin, size and root. */
static bool check_note(struct check *c, const struct db_logcheck_checkpoint *cp, const char *what)
{
    char err[128], origin[NOTE_NAME_MAX];
    size_t text_len = 0;
    uint64_t size = 0;
    uint8_t root[MERKLE_HASH_LEN];
    if (!note_verify(&c->key, cp->note, cp->note_len, &text_len, err, sizeof err))
        return fail(c, "%s %" PRIu64 ": its note does not verify with log_state's vkey (%s)", what,
                    cp->tree_size, err);
    if (!checkpoint_parse(cp->note, text_len, origin, &size, root))
        return fail(c, "%s %" PRIu64 ": its note is not a checkpoint", what, cp->tree_size);
    if (strcmp(origin, c->head.origin) != 0)
        return fail(c, "%s %" PRIu64 ": its note's origin '%s' is not the log's '%s'", what,
                    cp->tree_size, origin, c->head.origin);
    if (size != cp->tree_size)
        return fail(c, "%s %" PRIu64 ": its note is for tree size %" PRIu64, what, cp->tree_size,
                    size);
    if (memcmp(root, cp->root, MERKLE_HASH_LEN) != 0)
        return fail(c, "%s %" PRIu64 ": its note's root differs from its root column", what,
                    cp->tree_size);
    return true;
}

static bool check_checkpoint(struct check *c, const struct db_logcheck_checkpoint *cp,
                             const uint8_t tree_root[MERKLE_HASH_LEN])
{
    if (memcmp(cp->root, tree_root, MERKLE_HASH_LEN) != 0)
        return fail(c, "checkpoint %" PRIu64 ": root differs from the tree at that size",
                    cp->tree_size);
    if (!check_note(c, cp, "checkpoint") || !check_consistency(c, cp->tree_size, cp->root))
        return false;
    if (c->dir_cp.present && c->dir_cp.size == cp->tree_size)
        c->dir_cp.matched = true;
    c->have_prev = true;
    c->prev_size = cp->tree_size;
    memcpy(c->prev_root, cp->root, MERKLE_HASH_LEN);
    c->r->checkpoints++;
    return true;
}

static bool check_anchor(struct check *c, const struct db_logcheck_anchor *a,
                         const uint8_t tree_root[MERKLE_HASH_LEN])
{
    if (memcmp(a->root, tree_root, MERKLE_HASH_LEN) != 0)
        return fail(c,
                    "anchor %" PRId64 " (chain %" PRIu64 ", tree size %" PRIu64
                    ", %s): root differs from the tree at that size",
                    a->id, a->chain_id, a->tree_size, a->status);
    c->r->anchors++;
    return true;
}

/* --- the tiles directory --- */

/* DIR/tile/L/N[.p/W] (L LEVEL_ENTRIES: entries), the C2SP path tlog/tilepath writes. */
static void dir_path(const struct check *c, unsigned level, uint64_t idx, unsigned width,
                     bool partial, char *out, size_t len)
{
    struct tile_path t = {.entries = level == LEVEL_ENTRIES,
                          .level = level == LEVEL_ENTRIES ? 0 : level,
                          .index = idx,
                          .width = partial ? width : TILE_WIDTH};
    char rel[TILE_PATH_MAX];
    if (tile_path_format(&t, rel) == 0)
        rel[0] = '\0';
    snprintf(out, len, "%s/%s", c->o->tiles_dir, rel);
}

/* Reads path into out; *exists false when there is no such file. False on a read error. */
static bool read_file(const char *path, struct buf *out, bool *exists)
{
    buf_reset(out);
    *exists = false;
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT || errno == ENOTDIR;
    *exists = true;
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && out->len <= MAX_FILE)
        buf_append(out, chunk, n);
    bool ok = !ferror(f) && !out->oom;
    fclose(f);
    return ok;
}

/* Compares the file at path, if any, with want (len bytes). */
static bool dir_compare(struct check *c, const char *path, const void *want, size_t len,
                        struct buf *scratch)
{
    bool exists;
    if (!read_file(path, scratch, &exists))
        return fail(c, "%s: cannot be read", path);
    if (!exists)
        return true;
    c->r->files++;
    if (scratch->len != len || memcmp(scratch->data, want, len) != 0)
        return fail(c, "%s: differs from the log", path);
    return true;
}

/* Compares a tile (or bundle) of the tree, width items long (ends[i]: bytes of the first i + 1
 * items), and the partial files of it that the directory has, with the directory's. full: the
 * tile is complete. (dir_walk names the partial files wider than the tree has.) */
static bool dir_check(struct check *c, unsigned level, uint64_t idx, const uint8_t *data,
                      const size_t *ends, unsigned width, bool full)
{
    char path[PATH_MAX_LEN], part[PATH_MAX_LEN + 16];
    struct buf scratch = BUF_INIT;
    bool ok = true;
    if (full) {
        dir_path(c, level, idx, 0, false, path, sizeof path);
        ok = dir_compare(c, path, data, ends[width - 1], &scratch);
    }
    dir_path(c, level, idx, 1, true, path, sizeof path);
    *strrchr(path, '/') = '\0'; /* DIR/tile/L/N.p */
    DIR *d = ok ? opendir(path) : NULL;
    struct dirent *de;
    while (ok && d && (de = readdir(d)) != NULL) {
        char *end;
        unsigned long w = strtoul(de->d_name, &end, 10);
        if (*end || w == 0 || w > width || w >= TILE_WIDTH)
            continue;
        snprintf(part, sizeof part, "%s/%lu", path, w);
        ok = dir_compare(c, part, data, ends[w - 1], &scratch);
    }
    if (d)
        closedir(d);
    buf_free(&scratch);
    return ok;
}

static bool dir_check_tile(struct check *c, const struct tile *t, bool full)
{
    size_t ends[TILE_WIDTH];
    for (unsigned i = 0; i < t->width; i++)
        ends[i] = (size_t)(i + 1) * MERKLE_HASH_LEN;
    return t->width == 0 ||
           dir_check(c, t->level, t->idx, (const uint8_t *)t->hashes, ends, t->width, full);
}

/* The entry bundle of level-0 tile idx, entries of them collected so far. */
static bool dir_check_bundle(struct check *c, uint64_t idx, unsigned entries)
{
    bool ok = entries == 0 || dir_check(c, LEVEL_ENTRIES, idx, (const uint8_t *)c->bundle.data,
                                        c->bundle_ends, entries, entries == TILE_WIDTH);
    buf_reset(&c->bundle);
    return ok;
}

/* Adds a record to the bundle: big-endian uint16 length, then the bytes. */
static bool bundle_add(struct check *c, const struct buf *record, uint64_t index)
{
    if (record->len > 0xffff)
        return fail(c, "log index %" PRIu64 ": its record (%zu bytes) cannot be in an entry bundle",
                    index, record->len);
    uint8_t len[2] = {(uint8_t)(record->len >> 8), (uint8_t)record->len};
    buf_append(&c->bundle, len, 2);
    buf_append(&c->bundle, record->data, record->len);
    c->bundle_ends[index % TILE_WIDTH] = c->bundle.len;
    return !c->bundle.oom || fail(c, "out of memory");
}

/* Reads DIR/checkpoint, if present: signed by the log, for its origin, within its size. */
static bool dir_checkpoint_load(struct check *c)
{
    char path[PATH_MAX_LEN];
    struct buf note = BUF_INIT;
    bool exists, ok = true;
    snprintf(path, sizeof path, "%s/" CHECKPOINT_FILE, c->o->tiles_dir);
    if (!read_file(path, &note, &exists))
        ok = fail(c, "%s: cannot be read", path);
    else if (exists) {
        c->r->files++;
        char err[128], origin[NOTE_NAME_MAX];
        size_t text_len;
        if (!note_verify(&c->key, note.data, note.len, &text_len, err, sizeof err))
            ok = fail(c, "%s: does not verify with log_state's vkey (%s)", path, err);
        else if (!checkpoint_parse(note.data, text_len, origin, &c->dir_cp.size, c->dir_cp.root) ||
                 strcmp(origin, c->head.origin) != 0)
            ok = fail(c, "%s: not a checkpoint of log %s", path, c->head.origin);
        else if (c->dir_cp.size > c->head.tree_size)
            ok = fail(c, "%s: tree size %" PRIu64 " is beyond the log's %" PRIu64, path,
                      c->dir_cp.size, c->head.tree_size);
        c->dir_cp.present = true;
    }
    buf_free(&note);
    return ok;
}

/* A path below DIR/tile: "L/N" or "L/N.p/W" (L a level or "entries"). */
struct dir_name {
    unsigned level; /* LEVEL_ENTRIES for entries */
    uint64_t idx;
    unsigned width; /* 0: a full tile */
};

/* rel, a path below DIR/tile, as a tile of this log's height (tlog/tilepath's canonical form). */
static bool parse_tile_name(const char *rel, struct dir_name *out)
{
    char path[PATH_MAX_LEN];
    struct tile_path t;
    int len = snprintf(path, sizeof path, "tile/%s", rel);
    if (len < 0 || (size_t)len >= sizeof path || !tile_path_parse(path, (size_t)len, &t) ||
        (!t.entries && t.level >= TILE_MAX_LEVELS))
        return false;
    out->level = t.entries ? LEVEL_ENTRIES : t.level;
    out->idx = t.index;
    out->width = t.width == TILE_WIDTH ? 0 : t.width;
    return true;
}

/* Whether the tree (the edge at its final size) has the file n names. */
static bool tree_has(const struct check *c, const struct dir_name *n)
{
    const struct tile *t = &c->edge.edge[n->level == LEVEL_ENTRIES ? 0 : n->level];
    if (n->idx < t->idx)
        return true;
    return n->idx == t->idx && n->width && n->width <= t->width;
}

/* Walks DIR/tile/rel: every file must name a tile or bundle of the tree. */
static bool dir_walk(struct check *c, const char *rel)
{
    char path[PATH_MAX_LEN];
    snprintf(path, sizeof path, "%s/tile%s%s", c->o->tiles_dir, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d)
        return errno == ENOENT && !*rel ? true : fail(c, "%s: cannot be read", path);
    bool ok = true;
    struct dirent *de;
    while (ok && (de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        char sub[PATH_MAX_LEN], full[PATH_MAX_LEN + 8];
        snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name);
        snprintf(full, sizeof full, "%s/tile/%s", c->o->tiles_dir, sub);
        struct stat st;
        if (lstat(full, &st) != 0)
            ok = fail(c, "%s: cannot be read", full);
        else if (S_ISDIR(st.st_mode))
            ok = dir_walk(c, sub);
        else {
            struct dir_name n;
            if (!parse_tile_name(sub, &n))
                ok = fail(c, "%s: not a tile path (tile/L/N[.p/W])", full);
            else if (!tree_has(c, &n))
                ok = fail(c, "%s: beyond the log's tree size %" PRIu64, full, c->head.tree_size);
        }
    }
    closedir(d);
    return ok;
}

/* --- the stored tiles and what lies beyond the tree --- */

/* Compares the tiles the edge completed with the stored ones (level 0 was checked leaf by
 * leaf), and with the tiles directory's. */
static bool check_full_tiles(struct check *c)
{
    const struct tile *full = c->edge.full;
    size_t n = c->edge.n_full, found = 0;
    unsigned *levels = calloc(n ? n : 1, sizeof *levels);
    uint64_t *idxs = calloc(n ? n : 1, sizeof *idxs);
    struct tile *stored = calloc(n ? n : 1, sizeof *stored);
    bool ok = levels && idxs && stored;
    size_t m = 0;
    for (size_t i = 0; ok && i < n; i++)
        if (full[i].level > 0) {
            levels[m] = full[i].level;
            idxs[m++] = full[i].idx;
        }
    if (!ok)
        fail(c, "out of memory");
    else if (m && db_log_tiles_get(c->conn, levels, idxs, m, stored, &found) != DB_OK)
        ok = false;
    for (size_t i = 0; ok && i < n; i++) {
        const struct tile *t = &full[i], *s = NULL;
        for (size_t j = 0; t->level > 0 && j < found && !s; j++)
            if (stored[j].level == t->level && stored[j].idx == t->idx)
                s = &stored[j];
        if (t->level > 0 && !s)
            ok = fail(c, "tile %u/%" PRIu64 ": missing", t->level, t->idx);
        else if (s && s->width != TILE_WIDTH)
            ok = fail(c, "tile %u/%" PRIu64 ": holds %u hashes, the tree has it full", t->level,
                      t->idx, s->width);
        else if (s && memcmp(s->hashes, t->hashes, sizeof t->hashes) != 0)
            ok = fail(c, "tile %u/%" PRIu64 ": differs from the rebuilt tree", t->level, t->idx);
        else if (c->o->tiles_dir)
            ok = dir_check_tile(c, t, true);
        c->r->tiles += ok;
    }
    free(stored);
    free(idxs);
    free(levels);
    tile_edge_clear_full(&c->edge);
    return ok;
}

/* The partial tiles of the final tree: stored with exactly its width and hashes. */
static bool check_edge_tiles(struct check *c)
{
    bool ok = true;
    for (unsigned l = 0; ok && l < TILE_MAX_LEVELS; l++) {
        const struct tile *t = &c->edge.edge[l];
        if (!t->width)
            continue;
        struct tile *s = malloc(sizeof *s);
        size_t found = 0;
        if (!s)
            return fail(c, "out of memory");
        if (db_log_tiles_get(c->conn, &t->level, &t->idx, 1, s, &found) != DB_OK)
            ok = false;
        else if (!found)
            ok = fail(c, "tile %u/%" PRIu64 ": missing", l, t->idx);
        else if (s->width != t->width)
            ok = fail(c, "tile %u/%" PRIu64 ": holds %u hashes, the tree at size %" PRIu64 " %u", l,
                      t->idx, s->width, c->head.tree_size, t->width);
        else if (memcmp(s->hashes, t->hashes, (size_t)t->width * MERKLE_HASH_LEN) != 0)
            ok = fail(c, "tile %u/%" PRIu64 ": differs from the rebuilt tree", l, t->idx);
        else if (c->o->tiles_dir)
            ok = dir_check_tile(c, t, false);
        c->r->tiles += ok;
        free(s);
    }
    return ok;
}

static bool check_beyond(struct check *c)
{
    uint64_t limits[TILE_MAX_LEVELS];
    for (unsigned l = 0; l < TILE_MAX_LEVELS; l++)
        limits[l] = c->edge.edge[l].idx + (c->edge.edge[l].width > 0);
    struct db_logcheck_beyond b;
    if (db_logcheck_beyond(c->conn, c->head.tree_size, limits, &b) != DB_OK)
        return false;
    uint64_t size = c->head.tree_size;
    if (b.has_entry)
        return fail(c, "log index %" PRIu64 ": an entry beyond log_state's tree size %" PRIu64,
                    b.entry, size);
    if (b.has_checkpoint)
        return fail(c, "checkpoint %" PRIu64 ": beyond log_state's tree size %" PRIu64,
                    b.checkpoint, size);
    if (b.has_anchor)
        return fail(
            c, "anchor %" PRId64 " (tree size %" PRIu64 "): beyond log_state's tree size %" PRIu64,
            b.anchor_id, b.anchor_size, size);
    if (b.has_tile)
        return fail(c, "tile %u/%" PRIu64 ": beyond the tree of size %" PRIu64, b.tile_level,
                    b.tile_idx, size);
    if (size && !c->head.root_hex)
        return fail(c, "checkpoint %" PRIu64 ": log_state's tree size has no checkpoint", size);
    return true;
}

/* --- entries --- */

static const char *kind_name(enum log_record_kind k)
{
    return k == LOG_RECORD_ITEM ? "item" : k == LOG_RECORD_DATASET ? "dataset" : "model";
}

/* The record bytes of e, as the sequencer hashed them (registry/sequencer.c). */
static void write_record(const struct db_logcheck_entry *e, struct buf *out, struct check *c)
{
    buf_reset(out);
    if (e->kind == LOG_RECORD_ITEM) {
        struct item_record rec;
        struct item_strings strs;
        item_row_record(e->row, &rec, &strs);
        item_record_write(out, &rec);
        c->r->items++;
    } else if (e->kind == LOG_RECORD_DATASET) {
        dataset_record_write(out, e->row);
        c->r->datasets++;
    } else {
        model_record_write(out, e->row);
        c->r->models++;
    }
}

/* Finds the stored level-0 hash of index among the batch's tiles (by idx, from *at on). */
static const uint8_t *stored_leaf(const struct db_logcheck_batch *b, size_t *at, uint64_t index)
{
    uint64_t idx = index / TILE_WIDTH;
    while (*at < b->n_tiles && b->tiles[*at].idx < idx)
        (*at)++;
    if (*at == b->n_tiles || b->tiles[*at].idx != idx || b->tiles[*at].width <= index % TILE_WIDTH)
        return NULL;
    return b->tiles[*at].hashes[index % TILE_WIDTH];
}

static bool check_entry(struct check *c, const struct db_logcheck_batch *b, size_t *entry,
                        size_t *tile)
{
    uint64_t i = c->index;
    if (*entry == b->n_entries || b->entries[*entry].log_index != i)
        return fail(c, "log index %" PRIu64 ": no entry (a gap in log_entries)", i);
    const struct db_logcheck_entry *e = &b->entries[(*entry)++];
    if (!e->row)
        return fail(c, "log index %" PRIu64 ": its %s %" PRId64 " is missing", i,
                    kind_name(e->kind), e->record_id);
    write_record(e, &c->record, c);
    if (c->record.oom)
        return fail(c, "out of memory");
    uint8_t leaf[MERKLE_HASH_LEN];
    merkle_leaf_hash(c->record.data, c->record.len, leaf);
    const uint8_t *stored = stored_leaf(b, tile, i);
    if (!stored)
        return fail(c, "log index %" PRIu64 ": tile 0/%" PRIu64 " has no hash for it", i,
                    i / TILE_WIDTH);
    if (memcmp(stored, leaf, MERKLE_HASH_LEN) != 0)
        return fail(c,
                    "log index %" PRIu64 ": leaf hash differs from tile 0/%" PRIu64
                    " (its %s %" PRId64 " or the tile was changed)",
                    i, i / TILE_WIDTH, kind_name(e->kind), e->record_id);
    compact_range_append(&c->range, leaf);
    if (!tile_edge_append(&c->edge, leaf))
        return fail(c, "out of memory");
    if (c->o->tiles_dir &&
        (!bundle_add(c, &c->record, i) ||
         ((i + 1) % TILE_WIDTH == 0 && !dir_check_bundle(c, i / TILE_WIDTH, TILE_WIDTH))))
        return false;
    c->index++;
    return true;
}

/* What is due at the tree size just reached: checkpoints, anchors, the directory's checkpoint. */
static bool check_size(struct check *c, const struct db_logcheck_batch *b, size_t *cp, size_t *an)
{
    uint64_t size = c->index;
    bool due = (*cp < b->n_checkpoints && b->checkpoints[*cp].tree_size == size) ||
               (*an < b->n_anchors && b->anchors[*an].tree_size == size) ||
               (c->dir_cp.present && c->dir_cp.size == size);
    if (!due)
        return true;
    uint8_t root[MERKLE_HASH_LEN];
    compact_range_root(&c->range, root);
    for (; *cp < b->n_checkpoints && b->checkpoints[*cp].tree_size == size; (*cp)++)
        if (!check_checkpoint(c, &b->checkpoints[*cp], root))
            return false;
    for (; *an < b->n_anchors && b->anchors[*an].tree_size == size; (*an)++)
        if (!check_anchor(c, &b->anchors[*an], root))
            return false;
    if (c->dir_cp.present && c->dir_cp.size == size &&
        memcmp(c->dir_cp.root, root, MERKLE_HASH_LEN) != 0)
        return fail(c, "%s/" CHECKPOINT_FILE ": root differs from the tree at size %" PRIu64,
                    c->o->tiles_dir, size);
    return true;
}

/* --- reading ahead --- */

/* Ranges read by a second session (or, without one, by the checking session in turn). */
struct prefetch {
    struct check *c;
    struct db_conn *conn; /* the reader's own; NULL: c->conn reads, synchronously */
    char snapshot[DB_SNAPSHOT_ID_MAX];
    pthread_t thread;
    bool started;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct db_logcheck_batch ready; /* the range read, when full */
    enum db_status status;          /* how reading it went */
    bool full;
    uint64_t start, step; /* the ranges this reader reads: [start + k * step, ...) */
    bool stop;            /* the checker needs no more */
    bool done;            /* the reader has ended (after its last range, or failing) */
};

static void range_of(uint64_t from, uint64_t size, uint64_t *to)
{
    *to = size - from > LOGCHECK_BATCH ? from + LOGCHECK_BATCH : size;
}

static enum db_status prefetch_loop(struct db_conn *conn, void *arg)
{
    struct prefetch *p = arg;
    enum db_status st = db_logcheck_snapshot_import(conn, p->snapshot);
    uint64_t size = p->c->head.tree_size;
    for (uint64_t from = p->start, to; from < size; from += p->step) {
        pthread_mutex_lock(&p->mu);
        while (p->full && !p->stop)
            pthread_cond_wait(&p->cv, &p->mu);
        bool stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        range_of(from, size, &to);
        struct db_logcheck_batch b = {0};
        if (st == DB_OK)
            st = db_logcheck_batch(conn, from, to, &b);
        pthread_mutex_lock(&p->mu);
        p->ready = b;
        p->status = st;
        p->full = true;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (st != DB_OK)
            break;
    }
    return DB_OK; /* read only: nothing to commit; a failure went to the checker */
}

static void *prefetch_thread(void *arg)
{
    struct prefetch *p = arg;
    if (db_transaction(p->conn, prefetch_loop, p) != DB_OK)
        diag_warn("log check: the reading session failed");
    pthread_mutex_lock(&p->mu);
    p->done = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Starts the reader when the options name a database; otherwise ranges are read on demand. */
static enum db_status prefetch_start(struct prefetch *p, struct check *c, const char *snapshot,
                                     unsigned reader)
{
    memset(p, 0, sizeof *p);
    p->c = c;
    p->start = (uint64_t)reader * LOGCHECK_BATCH;
    p->step = (uint64_t)LOGCHECK_READERS * LOGCHECK_BATCH;
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    if (!c->o->database_url || c->head.tree_size <= LOGCHECK_BATCH || p->start >= c->head.tree_size)
        return DB_OK;
    snprintf(p->snapshot, sizeof p->snapshot, "%s", snapshot);
    p->conn = db_connect(c->o->database_url, 0, c->o->limits);
    if (!p->conn)
        return DB_UNAVAILABLE;
    if (pthread_create(&p->thread, NULL, prefetch_thread, p) != 0)
        return DB_ERROR;
    p->started = true;
    return DB_OK;
}

/* The range [from, to) into b (the caller frees it): the reader's next, or read now. */
static enum db_status prefetch_next(struct prefetch *p, uint64_t from, uint64_t to,
                                    struct db_logcheck_batch *b)
{
    if (!p->started)
        return db_logcheck_batch(p->c->conn, from, to, b);
    pthread_mutex_lock(&p->mu);
    while (!p->full && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    if (!p->full) { /* the reader ended without it: its session failed */
        pthread_mutex_unlock(&p->mu);
        memset(b, 0, sizeof *b);
        return DB_UNAVAILABLE;
    }
    *b = p->ready;
    enum db_status st = p->status;
    p->full = false;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return st;
}

static void prefetch_stop(struct prefetch *p)
{
    pthread_mutex_lock(&p->mu);
    p->stop = true;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    if (p->started)
        pthread_join(p->thread, NULL);
    if (p->full)
        db_logcheck_batch_free(&p->ready);
    p->full = false;
    db_disconnect(p->conn);
    p->conn = NULL;
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
}

/* Checks [from, to): true to go on; false with r->ok false on a difference, or a DB error. */
static bool check_batch(struct check *c, struct prefetch *p, uint64_t from, uint64_t to,
                        enum db_status *st)
{
    struct db_logcheck_batch b;
    *st = prefetch_next(p, from, to, &b);
    bool ok = *st == DB_OK;
    size_t entry = 0, tile = 0, cp = 0, an = 0;
    if (ok && from == 0)
        ok = check_size(c, &b, &cp, &an); /* the empty log's checkpoint */
    while (ok && c->index < to)
        ok = check_entry(c, &b, &entry, &tile) && check_size(c, &b, &cp, &an);
    db_logcheck_batch_free(&b);
    if (ok && (ok = check_full_tiles(c)) && c->o->progress)
        c->o->progress(c->o->ctx, c->index, c->head.tree_size);
    if (!ok && c->r->ok && *st == DB_OK)
        *st = DB_ERROR; /* a statement of the check itself failed */
    return ok;
}

/* The log's identity: log_state's vkey names the origin. */
static bool check_state(struct check *c)
{
    if (!c->head.origin)
        return true; /* no sequencer ever ran: check_beyond finds anything stored */
    if (!note_key_parse_vkey(c->head.vkey, &c->key))
        return fail(c, "log_state: its vkey is not a verifier key");
    if (strcmp(c->key.name, c->head.origin) != 0)
        return fail(c, "log_state: its vkey is for '%s', not the origin '%s'", c->key.name,
                    c->head.origin);
    return true;
}

static enum db_status run(struct db_conn *conn, void *arg)
{
    struct check *c = arg;
    struct logcheck_report *r = c->r;
    memset(r, 0, sizeof *r);
    r->ok = true;
    c->index = 0;
    c->have_prev = false;
    compact_range_init(&c->range);
    tile_edge_free(&c->edge);
    tile_edge_init(&c->edge, 0);
    log_head_free(&c->head);
    c->dir_cp = (struct dir_checkpoint){0};
    c->proof_failure[0] = '\0';
    char snapshot[DB_SNAPSHOT_ID_MAX];
    enum db_status st = db_logcheck_snapshot(conn, snapshot);
    if (st == DB_OK)
        st = db_log_head(conn, &c->head);
    if (st != DB_OK)
        return st;
    r->tree_size = c->head.tree_size;
    if (!check_state(c) || (c->o->tiles_dir && c->head.origin && !dir_checkpoint_load(c)))
        return DB_OK;
    struct prefetch *p = calloc(LOGCHECK_READERS, sizeof *p);
    if (!p)
        return DB_ERROR;
    bool ok = true;
    for (unsigned i = 0; i < LOGCHECK_READERS; i++)
        if ((st = prefetch_start(&p[i], c, snapshot, i)) != DB_OK)
            ok = false;
    uint64_t k = 0;
    /* At least one range: an empty log's has its size-0 checkpoint. */
    for (uint64_t from = 0, to; ok && (from < c->head.tree_size || k == 0); from = to, k++) {
        range_of(from, c->head.tree_size, &to);
        ok = check_batch(c, &p[k % LOGCHECK_READERS], from, to, &st);
    }
    for (unsigned i = 0; i < LOGCHECK_READERS; i++)
        prefetch_stop(&p[i]);
    free(p);
    if (!ok)
        return c->r->ok ? st : DB_OK;
    if (c->cache.failed)
        return DB_ERROR;
    ok = check_beyond(c) && check_edge_tiles(c);
    if (ok && c->o->tiles_dir) {
        ok = dir_check_bundle(c, c->index / TILE_WIDTH, (unsigned)(c->index % TILE_WIDTH));
        if (ok && c->dir_cp.present && !c->dir_cp.matched)
            ok = fail(c,
                      "%s/" CHECKPOINT_FILE ": tree size %" PRIu64 " has no checkpoint in the log",
                      c->o->tiles_dir, c->dir_cp.size);
        ok = ok && dir_walk(c, "");
    }
    if (ok && c->proof_failure[0])
        ok = fail(c, "%s", c->proof_failure);
    return ok || !c->r->ok ? DB_OK : DB_ERROR;
}

enum db_status logcheck_run(struct db_conn *conn, const struct logcheck_options *o,
                            struct logcheck_report *r)
{
    struct check *c = calloc(1, sizeof *c);
    if (!c)
        return DB_ERROR;
    c->conn = conn;
    c->o = o;
    c->r = r;
    c->cache.conn = conn;
    tile_edge_init(&c->edge, 0);
    enum db_status st = db_transaction(conn, run, c);
    if (st != DB_OK)
        diag_error("log check: the database failed the check (status %d)", (int)st);
    log_head_free(&c->head);
    tile_edge_free(&c->edge);
    buf_free(&c->record);
    buf_free(&c->bundle);
    free(c);
    return st;
}
