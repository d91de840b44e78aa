/* The column lists of the rows several statements read, and their decoders: one definition of
 * each record, so that what the sequencer hashes into leaves and what receipts and the API
 * serve cannot drift apart. Private to db/. */
#ifndef PROVD_DB_COLUMNS_H
#define PROVD_DB_COLUMNS_H

#include "core/anchor.h"
#include "core/item.h"
#include "db/exec.h"

/* The stored registration: ITEM_FIELDS(p) are the record's columns (p is the items table's
 * alias with its dot, or ""), ITEM_COLUMNS add the log index, the signer's registry entry and
 * whether a confirmed anchor covers it, over ITEM_FROM. */
#define ITEM_FIELDS(p)                                                                             \
    p "id, encode(" p "content_hash, 'hex'), " p "metadata, " p "signer, " p "sig_scheme, "        \
      "encode(" p "signature, 'hex'), "                                                            \
      "(extract(epoch FROM " p "registered_at) * 1000000)::bigint"
#define ITEM_COLUMNS                                                                               \
    ITEM_FIELDS("i.")                                                                              \
    ", e.log_index, sg.name, sg.revoked_at IS NOT NULL, "                                          \
    "e.log_index < (SELECT max(tree_size) FROM anchors WHERE status = 'confirmed')"
#define ITEM_FROM                                                                                  \
    " FROM items i LEFT JOIN log_entries e ON e.item_id = i.id "                                   \
    "LEFT JOIN signers sg ON sg.identity = i.signer "

enum item_col {
    ITEM_COL_ID,
    ITEM_COL_CONTENT_HASH, /* hex */
    ITEM_COL_METADATA,     /* canonical JSON */
    ITEM_COL_SIGNER,
    ITEM_COL_SCHEME,
    ITEM_COL_SIGNATURE,                    /* hex */
    ITEM_COL_REGISTERED_US,                /* registered_at in microseconds since the epoch */
    ITEM_COL_FIELDS_,                      /* end of ITEM_FIELDS */
    ITEM_COL_LOG_INDEX = ITEM_COL_FIELDS_, /* NULL until sequenced */
    ITEM_COL_SIGNER_NAME,                  /* NULL unless the signer is in the registry */
    ITEM_COL_SIGNER_REVOKED,
    ITEM_COL_ANCHORED,
    ITEM_COL_COUNT_, /* end of ITEM_COLUMNS; statements add their own columns after it */
};

/* Reads ITEM_FIELDS (and, when full, the rest of ITEM_COLUMNS) of row into out; strings point
 * into res. */
void db_item_row_read(const PGresult *res, int row, bool full, struct item_row *out);
/* A db_row_reader of ITEM_FIELDS only (arg unused). */
void db_item_fields_read(const PGresult *res, int r, void *out, const void *arg);

/* The anchor as the API shows it (db_anchor_list, db_anchor_get, receipts). */
enum anchor_col {
    ANCHOR_COL_ID,
    ANCHOR_COL_CHAIN_ID,
    ANCHOR_COL_SENDER,    /* hex, no 0x */
    ANCHOR_COL_RECIPIENT, /* hex, no 0x */
    ANCHOR_COL_TREE_SIZE,
    ANCHOR_COL_ROOT, /* hex */
    ANCHOR_COL_CALLDATA,
    ANCHOR_COL_STATUS,
    ANCHOR_COL_NONCE,
    ANCHOR_COL_TX_HASH, /* hex, no 0x */
    ANCHOR_COL_BLOCK_NUMBER,
    ANCHOR_COL_BLOCK_HASH,
    ANCHOR_COL_CONFIRMATIONS,
    ANCHOR_COL_ATTEMPTS,
    ANCHOR_COL_LAST_ERROR,
    ANCHOR_COL_CREATED_US, /* timestamps in microseconds since the epoch */
    ANCHOR_COL_SUBMITTED_US,
    ANCHOR_COL_MINED_US,
    ANCHOR_COL_CONFIRMED_US,
    ANCHOR_COL_UPDATED_US,
    ANCHOR_COL_COUNT_
};

/* The ANCHOR_COL_* select list over anchors aliased a (no FROM: other modules join it). */
// clang-format off
#define DB_ANCHOR_COLUMNS                                                                          \
    "a.id, a.chain_id, encode(a.sender, 'hex'), encode(a.recipient, 'hex'), a.tree_size, "         \
    "encode(a.root, 'hex'), encode(a.calldata, 'hex'), a.status, a.nonce, "                        \
    "encode(a.tx_hash, 'hex'), a.block_number, encode(a.block_hash, 'hex'), a.confirmations, "     \
    "(SELECT count(*) FROM anchor_attempts t WHERE t.anchor_id = a.id), a.last_error, "           \
    "(extract(epoch FROM a.created_at) * 1000000)::bigint, "                                       \
    "(extract(epoch FROM a.submitted_at) * 1000000)::bigint, "                                     \
    "(extract(epoch FROM a.mined_at) * 1000000)::bigint, "                                         \
    "(extract(epoch FROM a.confirmed_at) * 1000000)::bigint, "                                     \
    "(extract(epoch FROM a.updated_at) * 1000000)::bigint"
// clang-format on

/* Reads the ANCHOR_COL_* columns starting at column base of row into out; strings point into
 * res. False when they are NULL (no anchor, in an outer join). */
bool db_anchor_row_read(const PGresult *res, int row, int base, struct anchor_row *out);

#endif
