/* Statements on the signer registry (sql/0004_signers.sql). Rows come back as struct
 * signer_rows (core/signer.h), which the caller frees with signer_rows_free. */
#ifndef PROVD_DB_SIGNERS_H
#define PROVD_DB_SIGNERS_H

#include "core/signer.h"
#include "db/pool.h"

/* One row, or DB_CONFLICT when the identity is already known. */
enum db_status db_signer_insert(struct db_conn *conn, const struct signer_fields *f,
                                struct signer_rows *out) __attribute__((warn_unused_result));
/* Zero or one row. */
enum db_status db_signer_get(struct db_conn *conn, const char *identity, struct signer_rows *out)
    __attribute__((warn_unused_result));
/* Up to limit signers with identity above after ("" for the start), by identity. */
enum db_status db_signer_list(struct db_conn *conn, const char *after, unsigned limit,
                              struct signer_rows *out) __attribute__((warn_unused_result));
/* Sets revoked_at (once; revoking again keeps the first time). Zero or one row. */
enum db_status db_signer_revoke(struct db_conn *conn, const char *identity, struct signer_rows *out)
    __attribute__((warn_unused_result));

#endif
