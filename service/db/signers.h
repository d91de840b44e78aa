/* Statements on the signer registry (sql/0004_signers.sql). Rows have the SIGNER_COL_*
 * columns; PGresults belong to the caller. */
#ifndef PROVD_DB_SIGNERS_H
#define PROVD_DB_SIGNERS_H

#include "db/exec.h"

enum signer_col {
    SIGNER_COL_IDENTITY,
    SIGNER_COL_KIND,
    SIGNER_COL_NAME,
    SIGNER_COL_ORGANIZATION, /* NULL when not given, as url and notes */
    SIGNER_COL_URL,
    SIGNER_COL_NOTES,
    SIGNER_COL_CREATED_AT, /* RFC 3339 UTC */
    SIGNER_COL_REVOKED_AT, /* NULL unless revoked */
};

struct signer_fields {
    const char *identity, *kind, *name, *organization, *url, *notes; /* NULL: absent */
};

/* One row, or DB_CONFLICT when the identity is already known. */
enum db_status db_signer_insert(struct db_conn *conn, const struct signer_fields *f, PGresult **res)
    __attribute__((warn_unused_result));
/* Zero or one row. */
enum db_status db_signer_get(struct db_conn *conn, const char *identity, PGresult **res)
    __attribute__((warn_unused_result));
/* Up to limit signers with identity above after ("" for the start), by identity. */
enum db_status db_signer_list(struct db_conn *conn, const char *after, unsigned limit,
                              PGresult **res) __attribute__((warn_unused_result));
/* Sets revoked_at (once; revoking again keeps the first time). Zero or one row. */
enum db_status db_signer_revoke(struct db_conn *conn, const char *identity, PGresult **res)
    __attribute__((warn_unused_result));

#endif
