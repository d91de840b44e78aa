/* SPDX-License-Identifier: Apache-2.0 */
/* DESIGN: a tile read is two indexed queries on one pooled connection: does a checkpoint make
 * the tile exist (log_checkpoints' primary key, a tree_size BETWEEN range), then the stored tile
 * (through the proof tile cache). A bundle is the same existence check, then the records of its
 * 256 N .. 256 N + W - 1 log indexes in one round trip (three statements, one per record kind),
 * merged by log index and written with the record definitions the sequencer hashes.
 *
 * Entry length: tlog-tiles prefixes each entry with a uint16. Items stay far below 65,535 bytes
 * (metadata at most ITEM_METADATA_MAX, 16 KiB, plus under 1 KiB of hash, signer, signature and
 * time), datasets too (metadata and policy 16 KiB each, plus under 1 KiB), but a model record
 * embeds its statement's "model" object, whose "files" list may hold MODEL_FILES_MAX paths of up
 * to MODEL_PATH_MAX bytes: such a record can pass 65,535 bytes and then its bundle is a 500 that
 * says so (the entry is still in the tree and in receipts; only this encoding cannot carry it). */
#include "registry/logread.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "db/tlog.h"
#include "tlog/tiles.h"

#define ENTRY_MAX 65535 /* bytes of one entry of a bundle (its uint16 length prefix) */

/* The tree sizes lo..hi at which tile (level, index) has width (1..256; 256: any size from lo
 * up). False when no tree of at most INT64_MAX leaves has that tile. */
static bool sizes_of_tile(unsigned level, uint64_t index, unsigned width, uint64_t *lo,
                          uint64_t *hi)
{
    if (level >= TILE_MAX_LEVELS || width == 0 || width > TILE_WIDTH)
        return false;
    uint64_t unit = 1ull << (TILE_HEIGHT * level); /* leaves per level-L hash, at most 2^56 */
    uint64_t limit = (uint64_t)INT64_MAX / unit;   /* level-L hashes of the largest tree */
    if (limit < width || index > (limit - width) / TILE_WIDTH)
        return false;
    uint64_t count = index * TILE_WIDTH + width; /* level-L hashes up to the tile's end */
    *lo = count * unit;
    *hi = width == TILE_WIDTH ? (uint64_t)INT64_MAX
                              : (count + 1 > limit ? (uint64_t)INT64_MAX : (count + 1) * unit - 1);
    return true;
}

/* Whether a stored checkpoint makes tile (level, index, width) exist; false with the problem. */
static bool tile_exists(struct db_conn *conn, unsigned level, uint64_t index, unsigned width,
                        bool entries, struct problem *p)
{
    uint64_t lo, hi;
    bool exists = false;
    if (sizes_of_tile(level, index, width, &lo, &hi)) {
        enum db_status st = db_log_checkpoint_between(conn, lo, hi, &exists);
        if (st != DB_OK)
            return registry_db_problem(st, p);
    }
    if (exists)
        return true;
    if (entries)
        return problem_set(p, PROBLEM_TILE_NOT_FOUND, NULL,
                           "no checkpoint has entry bundle %" PRIu64 " of width %u", index, width);
    return problem_set(p, PROBLEM_TILE_NOT_FOUND, NULL,
                       "no checkpoint has tile %u/%" PRIu64 " of width %u", level, index, width);
}

/* The stored tile (level, index) with at least width hashes into t. */
static bool load_tile(struct registry *reg, struct db_conn *conn, unsigned level, uint64_t index,
                      unsigned width, struct tile *t, struct problem *p)
{
    if (tile_cache_get(&reg->tiles, 0, level, index, width, t, NULL))
        return true;
    size_t found = 0;
    enum db_status st = db_log_tiles_get(conn, &level, &index, 1, t, &found);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    if (found != 1 || t->width < width)
        return problem_set(p, PROBLEM_INTERNAL, NULL,
                           "tile %u/%" PRIu64 " is narrower than a checkpoint says", level, index);
    tile_cache_put(&reg->tiles, 0, t, NULL);
    return true;
}

static bool tile_on(struct registry *reg, struct db_conn *conn, unsigned level, uint64_t index,
                    unsigned width, struct buf *out, struct problem *p)
{
    struct tile *t = malloc(sizeof *t); /* 8 KiB: off a worker thread's stack */
    if (!t)
        return problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
    bool ok = tile_exists(conn, level, index, width, false, p) &&
              load_tile(reg, conn, level, index, width, t, p);
    if (ok) {
        buf_append(out, t->hashes, (size_t)width * MERKLE_HASH_LEN);
        ok = !out->oom || problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
    }
    free(t);
    return ok;
}

bool registry_log_tile(struct registry *reg, unsigned level, uint64_t index, unsigned width,
                       struct buf *out, struct problem *p)
{
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = tile_on(reg, conn, level, index, width, out, p);
    db_release(reg->pool, conn);
    return ok;
}

/* Appends one entry (the record in rec) to the bundle. */
static bool put_entry(struct buf *out, const struct buf *rec, uint64_t log_index, struct problem *p)
{
    if (rec->oom)
        return problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
    if (rec->len > ENTRY_MAX)
        return problem_set(p, PROBLEM_INTERNAL, NULL,
                           "log entry %" PRIu64 " is %zu bytes: a tlog-tiles entry bundle holds "
                           "entries of at most 65535",
                           log_index, rec->len);
    buf_putc(out, (char)(rec->len >> 8));
    buf_putc(out, (char)(rec->len & 0xff));
    buf_append(out, rec->data, rec->len);
    return !out->oom || problem_set(p, PROBLEM_INTERNAL, NULL, "out of memory");
}

/* Writes the record at log index i (the next one of one of the three sets) into rec. */
static bool write_record(const struct log_records *r, size_t at[3], uint64_t i, struct buf *rec)
{
    if (at[0] < r->items.n && r->items.v[at[0]].log_index == i) {
        struct item_record ir;
        struct item_strings strs;
        item_row_record(&r->items.v[at[0]++], &ir, &strs);
        item_record_write(rec, &ir);
        return true;
    }
    if (at[1] < r->datasets.n && r->datasets.v[at[1]].log_index == i) {
        dataset_record_write(rec, &r->datasets.v[at[1]++]);
        return true;
    }
    if (at[2] < r->models.n && r->models.v[at[2]].log_index == i) {
        model_record_write(rec, &r->models.v[at[2]++]);
        return true;
    }
    return false;
}

static bool bundle_write(const struct log_records *r, uint64_t first, unsigned width,
                         struct buf *out, struct problem *p)
{
    size_t at[3] = {0, 0, 0};
    struct buf rec = BUF_INIT;
    bool ok = true;
    for (unsigned k = 0; ok && k < width; k++) {
        buf_reset(&rec);
        if (!write_record(r, at, first + k, &rec))
            ok = problem_set(p, PROBLEM_INTERNAL, NULL, "log entry %" PRIu64 " has no record",
                             first + k);
        else
            ok = put_entry(out, &rec, first + k, p);
    }
    buf_free(&rec);
    return ok;
}

static bool bundle_on(struct db_conn *conn, uint64_t index, unsigned width, struct buf *out,
                      struct problem *p)
{
    if (!tile_exists(conn, 0, index, width, true, p))
        return false;
    uint64_t first = index * TILE_WIDTH; /* no overflow: tile_exists bounds index */
    struct log_records r;
    enum db_status st = db_log_records_range(conn, first, width, &r);
    if (st != DB_OK)
        return registry_db_problem(st, p);
    bool ok = bundle_write(&r, first, width, out, p);
    db_log_records_free(&r);
    return ok;
}

bool registry_log_bundle(struct registry *reg, uint64_t index, unsigned width, struct buf *out,
                         struct problem *p)
{
    p->code = PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return registry_db_problem(DB_UNAVAILABLE, p);
    bool ok = bundle_on(conn, index, width, out, p);
    db_release(reg->pool, conn);
    return ok;
}
