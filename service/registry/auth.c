#include "registry/auth.h"

#include <stdio.h>
#include <string.h>

#include "registry/registry.h"
#include "util/codec.h"

#define TOKEN_RANDOM_BYTES 32

void auth_cache_init(struct auth_cache *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
}

void auth_cache_destroy(struct auth_cache *c)
{
    pthread_mutex_destroy(&c->lock);
}

static bool cache_get(struct auth_cache *c, const uint8_t hash[SHA256_LEN],
                      char scope[APIKEY_SCOPE_MAX], int64_t *id)
{
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    unsigned slot = hash[0];
    if (c->slots[slot].expires > time(NULL) &&
        !memcmp(c->slots[slot].token_hash, hash, SHA256_LEN)) {
        memcpy(scope, c->slots[slot].scope, APIKEY_SCOPE_MAX);
        *id = c->slots[slot].id;
        hit = true;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void cache_put(struct auth_cache *c, const uint8_t hash[SHA256_LEN], const char *scope,
                      int64_t id)
{
    pthread_mutex_lock(&c->lock);
    unsigned slot = hash[0];
    memcpy(c->slots[slot].token_hash, hash, SHA256_LEN);
    snprintf(c->slots[slot].scope, APIKEY_SCOPE_MAX, "%s", scope);
    c->slots[slot].id = id;
    c->slots[slot].expires = time(NULL) + AUTH_CACHE_TTL_S;
    pthread_mutex_unlock(&c->lock);
}

static enum problem_code lookup_scope(struct registry *reg, const uint8_t hash[SHA256_LEN],
                                      char scope[APIKEY_SCOPE_MAX], int64_t *id)
{
    if (cache_get(&reg->auth, hash, scope, id))
        return PROBLEM_NONE;
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return PROBLEM_DB_UNAVAILABLE;
    enum db_status st = db_apikey_scope(conn, hash, scope, id);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return PROBLEM_DB_UNAVAILABLE;
    if (scope[0])
        cache_put(&reg->auth, hash, scope, *id);
    return PROBLEM_NONE;
}

enum problem_code registry_authorize(struct registry *reg, const char *token, const char *scope,
                                     int64_t *key_id)
{
    if (!token || !*token || strlen(token) > APIKEY_TOKEN_MAX)
        return PROBLEM_UNAUTHORIZED;
    uint8_t hash[SHA256_LEN];
    hash_sha256(token, strlen(token), hash);
    char have[APIKEY_SCOPE_MAX];
    int64_t id = 0;
    enum problem_code code = lookup_scope(reg, hash, have, &id);
    if (code != PROBLEM_NONE)
        return code;
    if (!have[0])
        return PROBLEM_UNAUTHORIZED;
    if (strcmp(have, scope) != 0)
        return PROBLEM_FORBIDDEN;
    if (key_id)
        *key_id = id;
    return PROBLEM_NONE;
}

bool registry_apikey_create(struct db_conn *conn, const char *name, const char *scope,
                            char token[APIKEY_TOKEN_LEN + 1], struct problem *p)
{
    uint8_t rnd[TOKEN_RANDOM_BYTES], hash[SHA256_LEN];
    if (!hash_random(rnd, sizeof rnd))
        return problem_set(p, PROBLEM_INTERNAL, NULL, "the random number generator failed");
    memcpy(token, "provd_", 6);
    base64url_encode(rnd, sizeof rnd, token + 6);
    hash_sha256(token, strlen(token), hash);
    enum db_status st = db_apikey_insert(conn, name, scope, hash);
    return registry_db_result(st, p);
}
