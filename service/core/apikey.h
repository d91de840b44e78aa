/* SPDX-License-Identifier: Apache-2.0 */
/* API keys as operators see them (sql/0002_api_keys.sql): never the token, which is not stored. */
#ifndef PROVD_CORE_APIKEY_H
#define PROVD_CORE_APIKEY_H

#include <stddef.h>
#include <stdint.h>

#include "util/rows.h"

/* One key; strings borrowed from the rows' owner. created_at and revoked_at are RFC 3339 UTC,
 * revoked_at NULL while the key is valid. */
struct apikey_row {
    int64_t id;
    const char *name, *scope, *created_at, *revoked_at;
};

struct apikey_rows {
    struct apikey_row *v;
    size_t n;
    struct rows_owner owner;
};

/* Releases the rows and their strings; r is empty afterwards. */
void apikey_rows_free(struct apikey_rows *r);

#endif
