/* API keys: tokens are "provd_" + base64url(32 random bytes); only SHA-256(token) is stored. */
#ifndef PROVD_DB_APIKEYS_H
#define PROVD_DB_APIKEYS_H

#include <stdint.h>

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

#endif
