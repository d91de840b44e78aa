/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on the items table. Rows come back as struct item_rows (core/item.h), which the
 * caller frees with item_rows_free. */
#ifndef PROVD_DB_ITEMS_H
#define PROVD_DB_ITEMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/anchor.h"
#include "core/item.h"
#include "core/loghead.h"
#include "db/datasets.h"
#include "db/models.h"
#include "db/pool.h"
#include "util/rows.h"

/* An item with what its receipt needs. Strings borrowed from owner. */
struct item_receipt_row {
    bool found;           /* false: no such item (nothing else is set) */
    struct item_row item; /* lean: ITEM_FIELDS, logged and log_index only */
    struct receipt_context context;
    struct rows_owner owner;
};

/* Inserts the registration (and queues it for the log) or, when the same signer already
 * registered the same statement, returns the stored one (created tells which). Nothing is
 * inserted for a revoked signer, nor for an unknown one when require_known: then no row comes
 * back unless the registration existed before. No row can also mean a concurrent insert: try
 * again. */
enum db_status db_item_insert(struct db_conn *conn, const struct item_request *req,
                              bool require_known, struct item_rows *out)
    __attribute__((warn_unused_result));
/* db_item_insert for n registrations in one statement, so all or none are stored (also outside
 * a transaction: on its own it commits before it answers); out[i] (n of them) is item i's
 * result as db_item_insert would give it, except that a registration that occurs twice gets no
 * row the second time (resolve it after the commit, as one whose signer was refused). */
enum db_status db_item_insert_many(struct db_conn *conn, const struct item_request *const *reqs,
                                   size_t n, bool require_known, struct item_rows *out)
    __attribute__((warn_unused_result));
/* Zero or one row. */
enum db_status db_item_get(struct db_conn *conn, int64_t id, struct item_rows *out)
    __attribute__((warn_unused_result));
/* The item and its receipt's context; out->found false when there is no such item. lean: the
 * item's fields and the log's context tag instead, in a statement a fraction of the cost. */
enum db_status db_item_get_for_receipt(struct db_conn *conn, int64_t id, bool lean,
                                       struct item_receipt_row *out)
    __attribute__((warn_unused_result));
/* One content hash of db_item_provenance_many: what is asked, then what is known. */
struct db_lookup {
    const uint8_t *hash; /* SHA256_LEN bytes, borrowed */
    unsigned limit;      /* registrations at most */
    size_t max_bytes;    /* no more than a reply of this many bytes can show (db/exec.h DB_PAGE) */
    struct item_rows items;   /* oldest first; the uses' strings live as long as these do */
    struct dataset_uses uses; /* sealed datasets containing the hash (lookup 1) */
    struct model_uses models; /* the models trained on them (lookup 1) */
};
/* The registrations of each of n content hashes, the sealed datasets containing it and the
 * models trained on them (up to uses_limit + 1 each), in one statement. On failure every list is
 * empty. */
enum db_status db_item_provenance_many(struct db_conn *conn, struct db_lookup *q, size_t n,
                                       unsigned uses_limit) __attribute__((warn_unused_result));
/* The oldest registrations (up to limit each) of n content hashes in one query, ordered by the
 * hash's position in hashes (item_row.lookup, 1-based) and then by registration. Only those
 * that a reply of max_bytes can show come with their metadata; the others withheld (rows past the
 * budget or the limit: item_row.withheld) come only as far as they tell that a hash is
 * registered or has more. */
enum db_status db_item_by_content_hashes(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN],
                                         size_t n, unsigned limit, size_t max_bytes,
                                         struct item_rows *out) __attribute__((warn_unused_result));
/* Filtered keyset page in (registered_at, id) order, at most f->limit rows, and no more than a
 * reply of f->max_bytes can show (db/exec.h DB_PAGE). */
enum db_status db_item_list(struct db_conn *conn, const struct item_filter *f,
                            struct item_rows *out) __attribute__((warn_unused_result));

#endif
