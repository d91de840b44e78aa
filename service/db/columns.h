/* SPDX-License-Identifier: Apache-2.0 */
/* The column lists of the rows several statements read, and their decoders: one definition of
 * each record, so that what the sequencer hashes into leaves and what receipts and the API
 * serve cannot drift apart. Private to db/. */
#ifndef PROVD_DB_COLUMNS_H
#define PROVD_DB_COLUMNS_H

#include "core/anchor.h"
#include "core/item.h"
#include "core/dataset.h"
#include "core/model.h"
#include "db/datasets.h"
#include "db/models.h"
#include "core/loghead.h"
#include "tlog/tiles.h"
#include "db/exec.h"

/* Bulk statements take their content hashes as one bytea of n * 32 bytes ($2), split in SQL:
 * no escaping and no array parsing. HASHES_SQL(h) is a subquery of (g, h): position, hash. */
#define HASHES_SQL(h)                                                                              \
    "(SELECT g, substring($2::bytea FROM g * 32 + 1 FOR 32) AS " h                                 \
    " FROM generate_series(0, length($2::bytea) / 32 - 1) g)"

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

/* A lower bound of a registration's bytes in a reply (http_write_item): its metadata (the SQL
 * expression given), and more than 256 bytes of id, content hash, signer, signature, time and
 * status. */
#define ITEM_BYTES(metadata) "(octet_length(" metadata ") + 256)"

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

/* A stored dataset: DATASET_COLUMNS over DATASET_FROM (datasets d, its log entry e, the
 * sealing signer sg). */
#define DATASET_COLUMNS                                                                            \
    "d.id, d.name, d.version, d.metadata, d.policy, d.created_by, d.status = 'sealed', "           \
    "d.member_count, encode(d.members_root, 'hex'), "                                              \
    "(extract(epoch FROM d.created_at) * 1000000)::bigint, "                                       \
    "(extract(epoch FROM d.sealed_at) * 1000000)::bigint, d.signer, d.sig_scheme, "                \
    "encode(d.signature, 'hex'), e.log_index, sg.name, sg.revoked_at IS NOT NULL"
#define DATASET_FROM                                                                               \
    " FROM datasets d LEFT JOIN log_entries e ON e.dataset_id = d.id "                             \
    "LEFT JOIN signers sg ON sg.identity = d.signer "

enum dataset_col {
    DATASET_COL_ID,
    DATASET_COL_NAME,
    DATASET_COL_VERSION,
    DATASET_COL_METADATA,
    DATASET_COL_POLICY,
    DATASET_COL_CREATED_BY,
    DATASET_COL_SEALED,
    DATASET_COL_MEMBER_COUNT,
    DATASET_COL_MEMBERS_ROOT, /* hex, NULL while empty */
    DATASET_COL_CREATED_US,
    DATASET_COL_SEALED_US,
    DATASET_COL_SIGNER,
    DATASET_COL_SCHEME,
    DATASET_COL_SIGNATURE, /* hex */
    DATASET_COL_LOG_INDEX,
    DATASET_COL_SIGNER_NAME,
    DATASET_COL_SIGNER_REVOKED,
    DATASET_COL_COUNT_,
};

void db_dataset_row_read(const PGresult *res, int row, struct dataset_row *out);
/* A db_row_reader of DATASET_COLUMNS (arg unused). */
void db_dataset_rows_read(const PGresult *res, int r, void *out, const void *arg);

/* A stored model: MODEL_COLUMNS over MODEL_FROM (models m, its log entry e, the signer sg). Its
 * datasets come as the statement's canonical JSON array. */
#define MODEL_COLUMNS                                                                              \
    "m.id, m.name, m.version, encode(m.digest, 'hex'), m.model, m.metadata, "                      \
    "(SELECT '[' || string_agg('{\"id\":' || md.dataset_id || ',\"members_root\":\"' || "          \
    "encode(dd.members_root, 'hex') || '\"}', ',' ORDER BY md.position) || ']' "                   \
    "FROM model_datasets md JOIN datasets dd ON dd.id = md.dataset_id WHERE md.model_id = m.id), " \
    "m.signer, m.sig_scheme, encode(m.signature, 'hex'), "                                         \
    "(extract(epoch FROM m.registered_at) * 1000000)::bigint, e.log_index, sg.name, "              \
    "sg.revoked_at IS NOT NULL, "                                                                  \
    "e.log_index < (SELECT max(tree_size) FROM anchors WHERE status = 'confirmed')"
#define MODEL_FROM                                                                                 \
    " FROM models m LEFT JOIN log_entries e ON e.model_id = m.id "                                 \
    "LEFT JOIN signers sg ON sg.identity = m.signer "

enum model_col {
    MODEL_COL_ID,
    MODEL_COL_NAME,
    MODEL_COL_VERSION,
    MODEL_COL_DIGEST, /* hex */
    MODEL_COL_MODEL,
    MODEL_COL_METADATA,
    MODEL_COL_DATASETS,
    MODEL_COL_SIGNER,
    MODEL_COL_SCHEME,
    MODEL_COL_SIGNATURE, /* hex */
    MODEL_COL_REGISTERED_US,
    MODEL_COL_LOG_INDEX,
    MODEL_COL_SIGNER_NAME,
    MODEL_COL_SIGNER_REVOKED,
    MODEL_COL_ANCHORED, /* a confirmed anchor covers the record */
    MODEL_COL_COUNT_,
};

/* A db_row_reader of MODEL_COLUMNS (arg unused). */
void db_model_rows_read(const PGresult *res, int r, void *out, const void *arg);

/* Tiles, of the log (stmt takes levels $1 and idxs $2) or of a dataset (and its id $3, id_s). */
enum db_status db_tiles_get(struct db_conn *conn, const struct db_stmt *stmt, const char *id_s,
                            const unsigned *levels, const uint64_t *idxs, size_t n,
                            struct tile *out, size_t *found);
/* Upserts tiles: stmt takes levels $1, idxs $2, byte offsets $3 and lengths $4 into the bytea of
 * their hashes $5 (and id_s $6). */
enum db_status db_tiles_put(struct db_conn *conn, const struct db_stmt *stmt, const char *id_s,
                            const struct tile *const *tiles, size_t n);

/* The sealed datasets containing hash h, oldest first, up to lim: id, name, version, position,
 * sealed_at. */
#define DB_USES_OF(h, lim)                                                                         \
    "SELECT d.id, d.name, d.version, m.position, d.sealed_at FROM dataset_members m "              \
    "JOIN datasets d ON d.id = m.dataset_id AND d.status = 'sealed' WHERE m.content_hash = " h     \
    " ORDER BY d.sealed_at, d.id LIMIT " lim
/* DB_USES_OF for each hash of hs (a FROM item h(hash, ord)) in one pass, with no sort or limit
 * per hash: ord, id, name, version, position, sealed_at and rn, the use's place among its
 * hash's (keep rn <= lim). */
#define DB_USES_OF_EACH(hs)                                                                        \
    "SELECT h.ord, d.id, d.name, d.version, m.position, d.sealed_at, "                             \
    "row_number() OVER (PARTITION BY h.ord ORDER BY d.sealed_at, d.id) AS rn FROM " hs             \
    " JOIN dataset_members m ON m.content_hash = h.hash "                                          \
    "JOIN datasets d ON d.id = m.dataset_id AND d.status = 'sealed'"
/* Reads a use's id, name, version and position from column base on (lookup left 0). */
void db_dataset_use_read(const PGresult *res, int r, int base, struct dataset_use *out);

/* The models trained on a sealed dataset containing hash h, oldest first, up to lim: id, name,
 * version, digest (hex), the containing datasets' ids (a JSON array), registered_at. */
#define DB_USED_IN_OF(h, lim)                                                                      \
    "SELECT m.id, m.name, m.version, encode(m.digest, 'hex'), "                                    \
    "'[' || string_agg(md.dataset_id::text, ',' ORDER BY md.position) || ']', m.registered_at "    \
    "FROM dataset_members dm JOIN model_datasets md ON md.dataset_id = dm.dataset_id "             \
    "JOIN models m ON m.id = md.model_id WHERE dm.content_hash = " h " GROUP BY m.id "             \
    "ORDER BY m.registered_at, m.id LIMIT " lim
/* DB_USED_IN_OF for each hash of hs (a FROM item h(hash, ord)) in one pass: ord, id, name,
 * version, digest, dataset_ids, registered_at and rn, the use's place among its hash's (keep
 * rn <= lim). */
#define DB_USED_IN_OF_EACH(hs)                                                                     \
    "SELECT g.*, row_number() OVER (PARTITION BY g.ord ORDER BY g.registered_at, g.id) AS rn "     \
    "FROM (SELECT h.ord, m.id, m.name, m.version, encode(m.digest, 'hex') AS digest, "             \
    "'[' || string_agg(md.dataset_id::text, ',' ORDER BY md.position) || ']' AS dataset_ids, "     \
    "m.registered_at FROM " hs " JOIN dataset_members dm ON dm.content_hash = h.hash "             \
    "JOIN model_datasets md ON md.dataset_id = dm.dataset_id JOIN models m ON m.id = md.model_id " \
    "GROUP BY h.ord, m.id) g"
/* Reads a use's id, name, version, digest and dataset ids from column base on (lookup left 0). */
void db_model_use_read(const PGresult *res, int r, int base, struct model_use *out);

/* The signed note of checkpoint c (an alias of log_checkpoints) with the witnesses' stored
 * cosignature lines appended (sql/0009_witness.sql), in a stable order. */
#define DB_COSIGNED_NOTE(c)                                                                        \
    "(" c ".note || coalesce((SELECT string_agg(w.line, '' ORDER BY w.name, w.key_id) "            \
    "FROM witness_cosignatures w WHERE w.tree_size = " c ".tree_size), ''))"
/* A receipt's log context (struct log_context): LOG_CONTEXT_COLUMNS over LOG_CONTEXT_FROM(e),
 * where e is the SQL expression of the entry's log index. The checkpoint is the newest one
 * with a quorum of witness cosignatures (log_state.cosigned_size) when it covers the entry and
 * the anchor, else the latest (README "Witnesses"). */
#define LOG_CONTEXT_COLUMNS "c.tree_size, " DB_COSIGNED_NOTE("c") ", an.*"
#define LOG_CONTEXT_FROM(e)                                                                        \
    "LEFT JOIN log_state s ON true "                                                               \
    "LEFT JOIN LATERAL (SELECT " DB_ANCHOR_COLUMNS " FROM anchors a WHERE a.tree_size > " e        \
    " AND a.status IN ('mined', 'confirmed') ORDER BY a.tree_size LIMIT 1) an ON true "            \
    "LEFT JOIN log_checkpoints c ON c.tree_size = CASE WHEN s.cosigned_size > " e                  \
    " AND s.cosigned_size >= coalesce(an.tree_size, 0) THEN s.cosigned_size ELSE s.tree_size END "
/* After LOG_CONTEXT_COLUMNS, over LOG_CONTEXT_FROM(e): what the context's span is made of (the
 * log's context tag, the cosigned size and the largest on-chain anchor at or below e). */
#define LOG_CONTEXT_SPAN_COLUMNS(e)                                                                \
    "s.context_tag, s.cosigned_size, (SELECT max(a.tree_size) FROM anchors a WHERE a.tree_size "   \
    "<= " e " AND a.status IN ('mined', 'confirmed'))"
/* Reads a receipt's context of entry e (when logged) from column first on: lean, the log's
 * context tag ("s.context_tag" over "LEFT JOIN log_state s ON true"); else LOG_CONTEXT_COLUMNS
 * then LOG_CONTEXT_SPAN_COLUMNS. */
void db_receipt_context_read(const PGresult *res, int row, int first, bool lean, bool logged,
                             uint64_t e, struct receipt_context *out);

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
/* The columns of LOG_CONTEXT_COLUMNS. */
enum { LOG_CONTEXT_COL_COUNT_ = 2 + ANCHOR_COL_COUNT_ };

/* The ANCHOR_COL_* select list over anchors aliased a (no FROM: other modules join it). */
// clang-format off
#define DB_ANCHOR_COLUMNS                                                                          \
    "a.id, a.chain_id, encode(a.sender, 'hex'), encode(a.recipient, 'hex'), a.tree_size, "         \
    "encode(a.root, 'hex'), encode(a.calldata, 'hex'), a.status, a.nonce, "                        \
    "encode(a.tx_hash, 'hex'), a.block_number, encode(a.block_hash, 'hex'), a.confirmations, "     \
    "a.attempts, a.last_error, "                                                                  \
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
