/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on datasets, their members and their members' tree tiles. Rows come back as
 * core/dataset.h types; strings borrow the result through their owner. */
#ifndef PROVD_DB_DATASETS_H
#define PROVD_DB_DATASETS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "core/dataset.h"
#include "core/loghead.h"
#include "db/pool.h"
#include "tlog/tiles.h"

/* Which datasets a listing shows (GET /v1/datasets), in (created_at, id) order. */
struct dataset_filter {
    const char *name;   /* NULL: any */
    const char *signer; /* NULL: any (a signer filter shows sealed datasets only) */
    bool has_cursor;
    int64_t cursor_us, cursor_id; /* strictly after (created_at, id) */
    unsigned limit;
    size_t max_bytes; /* the reply budget: rows past it are not fetched (db/exec.h DB_PAGE) */
};

enum db_status db_dataset_insert(struct db_conn *conn, const struct dataset_create *c,
                                 int64_t created_by, struct dataset_rows *out)
    __attribute__((warn_unused_result));
/* Zero or one row; lock takes the row's lock for the transaction (FOR UPDATE). */
enum db_status db_dataset_get(struct db_conn *conn, int64_t id, bool lock, struct dataset_rows *out)
    __attribute__((warn_unused_result));
enum db_status db_dataset_list(struct db_conn *conn, const struct dataset_filter *f,
                               struct dataset_rows *out) __attribute__((warn_unused_result));
/* Deletes the dataset with its members and tiles. */
enum db_status db_dataset_delete(struct db_conn *conn, int64_t id)
    __attribute__((warn_unused_result));

/* exists[i] = hashes[i] is already a member of dataset id. */
enum db_status db_dataset_members_existing(struct db_conn *conn, int64_t id,
                                           const uint8_t (*hashes)[SHA256_LEN], size_t n,
                                           bool *exists) __attribute__((warn_unused_result));
/* Appends hashes as members first, first + 1, … */
enum db_status db_dataset_members_insert(struct db_conn *conn, int64_t id, uint64_t first,
                                         const uint8_t (*hashes)[SHA256_LEN], size_t n)
    __attribute__((warn_unused_result));
/* The same when none of the hashes may be a member yet: when one is, nothing is inserted and
 * *inserted is false (a savepoint undoes the rest). It skips the lookup of
 * db_dataset_members_existing: the unique index checks as it inserts. */
enum db_status db_dataset_members_insert_new(struct db_conn *conn, int64_t id, uint64_t first,
                                             const uint8_t (*hashes)[SHA256_LEN], size_t n,
                                             bool *inserted) __attribute__((warn_unused_result));
/* Sets the member count and root after an append. */
enum db_status db_dataset_members_update(struct db_conn *conn, int64_t id, uint64_t count,
                                         const uint8_t root[SHA256_LEN])
    __attribute__((warn_unused_result));

struct dataset_member {
    uint64_t position;
    uint8_t content_hash[SHA256_LEN];
};

/* Members with position > after (after < 0: from the first), in order, at most limit; *n set. */
enum db_status db_dataset_members_list(struct db_conn *conn, int64_t id, int64_t after,
                                       unsigned limit, struct dataset_member *out, size_t *n)
    __attribute__((warn_unused_result));
/* Tiles of dataset id's members tree, as db_log_tiles_get. */
enum db_status db_dataset_tiles_get(struct db_conn *conn, int64_t id, const unsigned *levels,
                                    const uint64_t *idxs, size_t n, struct tile *out, size_t *found)
    __attribute__((warn_unused_result));
enum db_status db_dataset_tiles_put(struct db_conn *conn, int64_t id,
                                    const struct tile *const *tiles, size_t n)
    __attribute__((warn_unused_result));

/* Seals dataset id with the claim's signature, now, and queues its record for the log. */
enum db_status db_dataset_seal(struct db_conn *conn, int64_t id, const struct sig_claim *sig)
    __attribute__((warn_unused_result));

/* A dataset with what its receipt needs, and a member's position. */
struct dataset_receipt_row {
    bool found;
    struct dataset_row dataset;
    struct receipt_context context;
    bool is_member; /* the member asked about is one, at position */
    uint64_t position;
    struct rows_owner owner;
};

/* member: a content hash whose position to look up too, or NULL. lean: the log's context tag
 * instead of the context, in a statement a fraction of the cost. */
enum db_status db_dataset_get_for_receipt(struct db_conn *conn, int64_t id, const uint8_t *member,
                                          bool lean, struct dataset_receipt_row *out)
    __attribute__((warn_unused_result));

/* A sealed dataset containing a looked-up content hash. */
struct dataset_use {
    size_t lookup; /* 1-based position of the content hash in the lookup */
    int64_t id;
    const char *name, *version;
    uint64_t position;
};

struct dataset_uses {
    struct dataset_use *v;
    size_t n;
    struct rows_owner owner;
};

/* For each of n hashes, up to limit + 1 sealed datasets containing it (oldest first), ordered
 * by lookup: the extra row tells that the list was cut. */
enum db_status db_datasets_containing(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN],
                                      size_t n, unsigned limit, struct dataset_uses *out)
    __attribute__((warn_unused_result));
void dataset_uses_free(struct dataset_uses *u);

/* As of when an audit reads: registrations below log index (has_index), the signer registry
 * as it was at time_us (has_time). */
struct audit_as_of {
    bool has_index, has_time;
    uint64_t index;
    int64_t time_us;
};

/* Makes the transaction read one snapshot (REPEATABLE READ, no JIT); its first statement. */
enum db_status db_snapshot(struct db_conn *conn) __attribute__((warn_unused_result));
/* The largest tree size of a confirmed anchor, at most limit when has_limit; *found false when
 * there is none. */
enum db_status db_anchor_max_confirmed(struct db_conn *conn, bool has_limit, uint64_t limit,
                                       bool *found, uint64_t *max)
    __attribute__((warn_unused_result));
/* Which members an audit query reads, and what it needs of their registrations. */
struct audit_range {
    uint64_t lo, hi;         /* positions [lo, hi) */
    uint64_t anchored_below; /* a lower log index is covered by a confirmed anchor (0: none) */
    bool licenses, usage;    /* read metadata.license, metadata.content_usage */
};

/* The audit rows of the members in range of dataset id, by position and then log order, each
 * passed to row(arg, r). */
enum db_status db_dataset_audit_rows(struct db_conn *conn, int64_t id, const struct audit_as_of *a,
                                     const struct audit_range *range,
                                     void (*row)(void *arg, const struct audit_row *r), void *arg)
    __attribute__((warn_unused_result));

#endif
