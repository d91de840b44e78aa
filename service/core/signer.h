/* SPDX-License-Identifier: Apache-2.0 */
/* The signer registry's records: who a signer identity is (sql/0004_signers.sql). */
#ifndef PROVD_CORE_SIGNER_H
#define PROVD_CORE_SIGNER_H

#include <stddef.h>

#include "util/rows.h"

/* A signer to register; strings borrowed, NULL when absent. */
struct signer_fields {
    const char *identity, *kind, *name, *organization, *url, *notes;
};

/* A registered signer; strings borrowed from the rows' owner. created_at and revoked_at are
 * RFC 3339 UTC; organization, url, notes and revoked_at are NULL when absent. */
struct signer_row {
    const char *identity, *kind, *name, *organization, *url, *notes, *created_at, *revoked_at;
};

struct signer_rows {
    struct signer_row *v;
    size_t n;
    struct rows_owner owner;
};

/* Releases the rows and their strings; r is empty afterwards. */
void signer_rows_free(struct signer_rows *r);

#endif
