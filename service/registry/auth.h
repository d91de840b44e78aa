/* SPDX-License-Identifier: Apache-2.0 */
/* API keys: tokens are "provd_" + base64url(32 random bytes); only SHA-256(token) is stored.
 * Valid keys are cached for AUTH_CACHE_TTL_S seconds, so a revoked key stops working within that
 * time. A token of another form is refused unread, and one the database does not know is
 * remembered as unknown for AUTH_NEGATIVE_TTL_S seconds (AUTH_NEGATIVE_SLOTS of them), so that
 * a flood of bad tokens does not reach PostgreSQL. Scopes are disjoint: a "register" key
 * registers items, an "admin" key manages the service (and cannot register items). */
#ifndef PROVD_REGISTRY_AUTH_H
#define PROVD_REGISTRY_AUTH_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "core/problem.h"
#include "crypto/hash.h"
#include "db/apikeys.h"

#define AUTH_CACHE_SLOTS    256
#define AUTH_CACHE_TTL_S    10
#define AUTH_NEGATIVE_SLOTS 1024
#define AUTH_NEGATIVE_TTL_S 5 /* a key created meanwhile works after at most this long */

struct auth_cache {
    pthread_mutex_t lock;
    int64_t (*now_ms)(void); /* the clock of expires_ms: auth_clock_ms (tests set their own) */
    struct {
        uint8_t token_hash[SHA256_LEN];
        char scope[APIKEY_SCOPE_MAX];
        int64_t id;
        int64_t expires_ms; /* 0: empty */
    } slots[AUTH_CACHE_SLOTS];
    struct {
        uint8_t token_hash[SHA256_LEN];
        int64_t until_ms;           /* on now_ms; 0: empty */
    } unknown[AUTH_NEGATIVE_SLOTS]; /* direct-mapped by the hash */
};

struct registry;

/* CLOCK_MONOTONIC in milliseconds: a wall-clock step (NTP, an operator) never lengthens or
 * shortens how long a key stays cached. */
int64_t auth_clock_ms(void);
void auth_cache_init(struct auth_cache *c);
void auth_cache_destroy(struct auth_cache *c);
/* A valid key's scope and id from the cache, if it was put less than AUTH_CACHE_TTL_S ago. */
bool auth_cache_get(struct auth_cache *c, const uint8_t hash[SHA256_LEN],
                    char scope[APIKEY_SCOPE_MAX], int64_t *id);
void auth_cache_put(struct auth_cache *c, const uint8_t hash[SHA256_LEN], const char *scope,
                    int64_t id);

/* Checks a bearer token (NULL or "" when none was given) for scope; on success *key_id (may be
 * NULL) is the key's id. Returns PROBLEM_NONE, PROBLEM_UNAUTHORIZED, PROBLEM_FORBIDDEN or
 * PROBLEM_DB_UNAVAILABLE. */
enum problem_code registry_authorize(struct registry *reg, const char *token, const char *scope,
                                     int64_t *key_id);

/* Creates an API key named name with scope and writes its token (NUL-terminated,
 * APIKEY_TOKEN_LEN + 1 bytes) to token; the database keeps only its hash. */
#define APIKEY_TOKEN_LEN 49 /* "provd_" + 43 base64url characters */
bool registry_apikey_create(struct db_conn *conn, const char *name, const char *scope,
                            char token[APIKEY_TOKEN_LEN + 1], struct problem *p)
    __attribute__((warn_unused_result));
/* Up to limit keys with ids above after, oldest first, revoked ones too (never a token). */
bool registry_apikey_list(struct db_conn *conn, int64_t after, unsigned limit,
                          struct apikey_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* Revokes key id at once in the database; every instance refuses it at the latest when its cache
 * entry expires (AUTH_CACHE_TTL_S). out gets the key's row; *newly is false when it was revoked
 * before (its revocation time is kept). PROBLEM_NOT_FOUND when there is no such key. */
bool registry_apikey_revoke(struct db_conn *conn, int64_t id, struct apikey_rows *out, bool *newly,
                            struct problem *p) __attribute__((warn_unused_result));

#endif
