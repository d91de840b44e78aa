/* SPDX-License-Identifier: Apache-2.0 */
#include "registry/auth.h"

#include <stdio.h>
#include <string.h>

#include "registry/registry.h"
#include "util/codec.h"

#define TOKEN_RANDOM_BYTES 32

int64_t auth_clock_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void auth_cache_init(struct auth_cache *c)
{
    memset(c, 0, sizeof *c);
    pthread_mutex_init(&c->lock, NULL);
    c->now_ms = auth_clock_ms;
}

void auth_cache_destroy(struct auth_cache *c)
{
    pthread_mutex_destroy(&c->lock);
}

bool auth_cache_get(struct auth_cache *c, const uint8_t hash[SHA256_LEN],
                    char scope[APIKEY_SCOPE_MAX], int64_t *id)
{
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    unsigned slot = hash[0];
    if (c->slots[slot].expires_ms > c->now_ms() &&
        !memcmp(c->slots[slot].token_hash, hash, SHA256_LEN)) {
        memcpy(scope, c->slots[slot].scope, APIKEY_SCOPE_MAX);
        *id = c->slots[slot].id;
        hit = true;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void auth_cache_put(struct auth_cache *c, const uint8_t hash[SHA256_LEN], const char *scope,
                    int64_t id)
{
    pthread_mutex_lock(&c->lock);
    unsigned slot = hash[0];
    memcpy(c->slots[slot].token_hash, hash, SHA256_LEN);
    snprintf(c->slots[slot].scope, APIKEY_SCOPE_MAX, "%s", scope);
    c->slots[slot].id = id;
    c->slots[slot].expires_ms = c->now_ms() + AUTH_CACHE_TTL_S * 1000;
    pthread_mutex_unlock(&c->lock);
}

static unsigned unknown_slot(const uint8_t hash[SHA256_LEN])
{
    return ((unsigned)hash[1] << 8 | hash[2]) % AUTH_NEGATIVE_SLOTS;
}

/* The token was looked up less than AUTH_NEGATIVE_TTL_S ago and was unknown. */
static bool known_unknown(struct auth_cache *c, const uint8_t hash[SHA256_LEN])
{
    unsigned slot = unknown_slot(hash);
    pthread_mutex_lock(&c->lock);
    bool hit = c->unknown[slot].until_ms > c->now_ms() &&
               !memcmp(c->unknown[slot].token_hash, hash, SHA256_LEN);
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void remember_unknown(struct auth_cache *c, const uint8_t hash[SHA256_LEN])
{
    unsigned slot = unknown_slot(hash);
    pthread_mutex_lock(&c->lock);
    memcpy(c->unknown[slot].token_hash, hash, SHA256_LEN);
    c->unknown[slot].until_ms = c->now_ms() + AUTH_NEGATIVE_TTL_S * 1000;
    pthread_mutex_unlock(&c->lock);
}

/* "provd_" and 43 base64url characters, as registry_apikey_create makes them. */
static bool token_well_formed(const char *token)
{
    if (strlen(token) != APIKEY_TOKEN_LEN || strncmp(token, "provd_", 6) != 0)
        return false;
    for (const char *c = token + 6; *c; c++)
        if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
              *c == '-' || *c == '_'))
            return false;
    return true;
}

static enum problem_code lookup_scope(struct registry *reg, const uint8_t hash[SHA256_LEN],
                                      char scope[APIKEY_SCOPE_MAX], int64_t *id)
{
    if (auth_cache_get(&reg->auth, hash, scope, id))
        return PROBLEM_NONE;
    if (known_unknown(&reg->auth, hash)) {
        scope[0] = '\0';
        return PROBLEM_NONE;
    }
    struct db_conn *conn = db_acquire(reg->pool);
    if (!conn)
        return PROBLEM_DB_UNAVAILABLE;
    enum db_status st = db_apikey_scope(conn, hash, scope, id);
    db_release(reg->pool, conn);
    if (st != DB_OK)
        return PROBLEM_DB_UNAVAILABLE;
    if (scope[0])
        auth_cache_put(&reg->auth, hash, scope, *id);
    else
        remember_unknown(&reg->auth, hash);
    return PROBLEM_NONE;
}

enum problem_code registry_authorize(struct registry *reg, const char *token, const char *scope,
                                     int64_t *key_id)
{
    if (!token || !token_well_formed(token))
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

bool registry_apikey_list(struct db_conn *conn, int64_t after, unsigned limit,
                          struct apikey_rows *out, struct problem *p)
{
    return registry_db_result(db_apikey_list(conn, after, limit, out), p);
}

bool registry_apikey_revoke(struct db_conn *conn, int64_t id, struct apikey_rows *out, bool *newly,
                            struct problem *p)
{
    if (!registry_db_result(db_apikey_revoke(conn, id, out, newly), p))
        return false;
    if (out->n == 1)
        return true;
    apikey_rows_free(out);
    return problem_set(p, PROBLEM_NOT_FOUND, NULL, "there is no API key %lld", (long long)id);
}
