/* Statements on the items table. Every function returns rows with the ITEM_COL_* columns;
 * the PGresult belongs to the caller (PQclear). */
#ifndef PROVD_DB_ITEMS_H
#define PROVD_DB_ITEMS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/item.h"
#include "util/validate.h"
#include "db/exec.h"

enum item_col {
    ITEM_COL_ID,
    ITEM_COL_CONTENT_HASH, /* hex */
    ITEM_COL_METADATA,     /* canonical JSON */
    ITEM_COL_SIGNER,
    ITEM_COL_SCHEME,
    ITEM_COL_SIGNATURE,      /* hex */
    ITEM_COL_REGISTERED_US,  /* registered_at in microseconds since the epoch */
    ITEM_COL_LOG_INDEX,      /* NULL until sequenced */
    ITEM_COL_SIGNER_NAME,    /* NULL unless the signer is in the registry */
    ITEM_COL_SIGNER_REVOKED, /* "t" when the signer is revoked */
    ITEM_COL_ANCHORED,       /* "t" when a confirmed anchor covers the log index */
    ITEM_COL_CREATED,        /* db_item_insert only: "t" when this call inserted the row */
    ITEM_COL_RECEIPT_TREE_SIZE = ITEM_COL_CREATED, /* db_item_get_for_receipt only */
    ITEM_COL_LOOKUP_ORD = ITEM_COL_CREATED, /* db_item_by_content_hashes only: 1-based index */
    ITEM_COL_RECEIPT_NOTE,
    ITEM_COL_RECEIPT_ANCHOR, /* first of the ANCHOR_COL_* columns, all NULL without an anchor */
};

/* The log record of row (ITEM_COL_* columns); strings point into res and buf. */
void db_item_record(PGresult *res, int row, struct item_record *rec, struct item_strings *buf);

struct item_filter {
    bool has_content_hash;
    uint8_t content_hash[SHA256_LEN];
    const char *signer;     /* NULL: any */
    const char *source_url; /* NULL: any */
    bool has_since, has_until, has_cursor;
    int64_t since_us, until_us;   /* registered_at in [since, until) */
    int64_t cursor_us, cursor_id; /* keyset: strictly after (registered_at, id) */
    unsigned limit;
};

/* Inserts the registration (and queues it for the log) or, when the same signer already
 * registered the same statement, returns the stored one. Nothing is inserted for a revoked
 * signer, nor for an unknown one when require_known: then no row comes back unless the
 * registration existed before. No row can also mean a concurrent insert: try again. */
enum db_status db_item_insert(struct db_conn *conn, const struct item_request *req,
                              bool require_known, PGresult **res)
    __attribute__((warn_unused_result));
/* db_item_insert for n registrations, pipelined (run it inside db_transaction so that all or
 * none are stored); res[i] is item i's result as db_item_insert would give it. */
enum db_status db_item_insert_many(struct db_conn *conn, const struct item_request *const *reqs,
                                   size_t n, bool require_known, PGresult **res)
    __attribute__((warn_unused_result));
/* Zero or one row. */
enum db_status db_item_get(struct db_conn *conn, int64_t id, PGresult **res)
    __attribute__((warn_unused_result));
/* Like db_item_get, plus the log's tree size and latest checkpoint note in columns
 * ITEM_COL_RECEIPT_TREE_SIZE and ITEM_COL_RECEIPT_NOTE (NULL while the log is empty), then from
 * ITEM_COL_RECEIPT_ANCHOR the smallest mined or confirmed anchor covering the entry. */
enum db_status db_item_get_for_receipt(struct db_conn *conn, int64_t id, PGresult **res)
    __attribute__((warn_unused_result));
/* Registrations of a content hash, oldest first, at most limit rows. */
enum db_status db_item_by_content_hash(struct db_conn *conn, const uint8_t hash[SHA256_LEN],
                                       unsigned limit, PGresult **res)
    __attribute__((warn_unused_result));
/* The oldest registrations (up to limit each) of n content hashes in one query, ordered by the
 * hash's position in hashes (ITEM_COL_LOOKUP_ORD, 1-based) and then by registration. */
enum db_status db_item_by_content_hashes(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN],
                                         size_t n, unsigned limit, PGresult **res)
    __attribute__((warn_unused_result));
/* Filtered keyset page in (registered_at, id) order, at most f->limit rows. */
enum db_status db_item_list(struct db_conn *conn, const struct item_filter *f, PGresult **res)
    __attribute__((warn_unused_result));

#endif
