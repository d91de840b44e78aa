/* API keys: tokens are "provd_" + base64url(32 random bytes); only SHA-256(token) is stored.
 * Valid keys are cached for AUTH_CACHE_TTL_S seconds, so a revoked key stops working within that
 * time. Scopes are disjoint: a "register" key registers items, an "admin" key manages the
 * service (and cannot register items). */
#ifndef PROVD_REGISTRY_AUTH_H
#define PROVD_REGISTRY_AUTH_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "core/problem.h"
#include "crypto/hash.h"
#include "db/apikeys.h"

#define AUTH_CACHE_SLOTS 256
#define AUTH_CACHE_TTL_S 10
#define APIKEY_TOKEN_MAX 200 /* longer bearer tokens are refused unread */

struct auth_cache {
    pthread_mutex_t lock;
    struct {
        uint8_t token_hash[SHA256_LEN];
        char scope[APIKEY_SCOPE_MAX];
        int64_t id;
        time_t expires;
    } slots[AUTH_CACHE_SLOTS];
};

struct registry;

void auth_cache_init(struct auth_cache *c);
void auth_cache_destroy(struct auth_cache *c);

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

#endif
