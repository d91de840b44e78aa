/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on the signer registry (sql/0004_signers.sql). Rows come back as struct
 * signer_rows (core/signer.h), which the caller frees with signer_rows_free. */
#ifndef PROVD_DB_SIGNERS_H
#define PROVD_DB_SIGNERS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/signer.h"
#include "db/pool.h"

/* One row, or DB_CONFLICT when the identity is already known. */
enum db_status db_signer_insert(struct db_conn *conn, const struct signer_fields *f,
                                struct signer_rows *out) __attribute__((warn_unused_result));
/* Zero or one row. */
enum db_status db_signer_get(struct db_conn *conn, const char *identity, struct signer_rows *out)
    __attribute__((warn_unused_result));
/* Which of the n identities are in the registry (revoked or not), in one query: known[i] for
 * identities[i]. */
enum db_status db_signers_known(struct db_conn *conn, const char *const *identities, size_t n,
                                bool *known) __attribute__((warn_unused_result));
/* Up to limit signers with identity above after ("" for the start), by identity, and no more
 * than a reply of max_bytes can show (db/exec.h DB_PAGE). */
enum db_status db_signer_list(struct db_conn *conn, const char *after, unsigned limit,
                              size_t max_bytes, struct signer_rows *out)
    __attribute__((warn_unused_result));
/* Sets revoked_at (once; revoking again keeps the first time). Zero or one row. */
enum db_status db_signer_revoke(struct db_conn *conn, const char *identity, struct signer_rows *out)
    __attribute__((warn_unused_result));

#endif
