/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on the witness tables (sql/0009_witness.sql), for registry/witness.c (the worker's
 * cosigning thread) and GET /metrics. */
#ifndef PROVD_DB_WITNESS_H
#define PROVD_DB_WITNESS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/witness.h"
#include "db/pool.h"

/* Tries the witness-cosigning lock for this session; *got tells whether we hold it. */
enum db_status db_witness_try_lock(struct db_conn *conn, bool *got)
    __attribute__((warn_unused_result));
/* Marks every witness inactive and sets log_state's quorum (the start of a configuration, in
 * the caller's transaction, followed by db_witness_upsert for each configured witness). */
enum db_status db_witness_reset(struct db_conn *conn, unsigned quorum)
    __attribute__((warn_unused_result));
/* Adds or reactivates witness (name, key_id) at url; *has_size and *size receive the tree size
 * it last cosigned, if any. */
enum db_status db_witness_upsert(struct db_conn *conn, const char *name, uint32_t key_id,
                                 const char *url, const char *vkey, bool *has_size, uint64_t *size)
    __attribute__((warn_unused_result));
/* Stores a verified cosignature line (ignored if one of that key is stored for that size) and
 * advances the witness's cosigned size. */
enum db_status db_witness_cosignature_insert(struct db_conn *conn, uint64_t tree_size,
                                             const char *name, uint32_t key_id, uint64_t signed_at,
                                             const char *line) __attribute__((warn_unused_result));
/* Raises log_state.cosigned_size to tree_size when that checkpoint now has quorum cosignatures
 * from active witnesses; *met tells whether it has. */
enum db_status db_witness_quorum_update(struct db_conn *conn, uint64_t tree_size, bool *met)
    __attribute__((warn_unused_result));
/* Counts one failure of witness (name, key_id) for reason. */
enum db_status db_witness_failure_add(struct db_conn *conn, const char *name, uint32_t key_id,
                                      const char *reason) __attribute__((warn_unused_result));
/* The active witnesses, their failures and the quorum state; the caller frees out with
 * witness_gauges_free (also after a failure). */
enum db_status db_witness_gauges(struct db_conn *conn, struct witness_gauges *out)
    __attribute__((warn_unused_result));

#endif
