/* SPDX-License-Identifier: Apache-2.0 */
/* API keys: tokens are "provd_" + base64url(32 random bytes); only SHA-256(token) is stored. */
#ifndef PROVD_DB_APIKEYS_H
#define PROVD_DB_APIKEYS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/apikey.h"
#include "crypto/hash.h"
#include "db/pool.h"

#define APIKEY_SCOPE_MAX 16

/* Stores a new key. */
enum db_status db_apikey_insert(struct db_conn *conn, const char *name, const char *scope,
                                const uint8_t token_hash[SHA256_LEN])
    __attribute__((warn_unused_result));
/* Scope (APIKEY_SCOPE_MAX bytes) and id of an unrevoked key; scope "" when there is none. */
enum db_status db_apikey_scope(struct db_conn *conn, const uint8_t token_hash[SHA256_LEN],
                               char scope[APIKEY_SCOPE_MAX], int64_t *id)
    __attribute__((warn_unused_result));
/* Up to limit keys with ids above after, by id (revoked ones too). */
enum db_status db_apikey_list(struct db_conn *conn, int64_t after, unsigned limit,
                              struct apikey_rows *out) __attribute__((warn_unused_result));
/* Revokes key id (keeping the time of an earlier revocation): out has its row, or none when
 * there is no such key; *newly says whether this call revoked it. */
enum db_status db_apikey_revoke(struct db_conn *conn, int64_t id, struct apikey_rows *out,
                                bool *newly) __attribute__((warn_unused_result));

#endif
