#include "http/auth.h"

#include <string.h>
#include <strings.h>

#include "http/server.h"

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
                      char scope[APIKEY_SCOPE_MAX])
{
    bool hit = false;
    pthread_mutex_lock(&c->lock);
    unsigned slot = hash[0];
    if (c->slots[slot].expires > time(NULL) &&
        !memcmp(c->slots[slot].token_hash, hash, SHA256_LEN)) {
        memcpy(scope, c->slots[slot].scope, APIKEY_SCOPE_MAX);
        hit = true;
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

static void cache_put(struct auth_cache *c, const uint8_t hash[SHA256_LEN], const char *scope)
{
    pthread_mutex_lock(&c->lock);
    unsigned slot = hash[0];
    memcpy(c->slots[slot].token_hash, hash, SHA256_LEN);
    snprintf(c->slots[slot].scope, APIKEY_SCOPE_MAX, "%s", scope);
    c->slots[slot].expires = time(NULL) + AUTH_CACHE_TTL_S;
    pthread_mutex_unlock(&c->lock);
}

static enum problem_code lookup_scope(struct http_request *req, const uint8_t hash[SHA256_LEN],
                                      char scope[APIKEY_SCOPE_MAX])
{
    if (cache_get(&req->app->auth, hash, scope))
        return PROBLEM_NONE;
    struct db_conn *conn = db_acquire(req->app->pool);
    if (!conn)
        return PROBLEM_DB_UNAVAILABLE;
    enum db_status st = db_apikey_scope(conn, hash, scope);
    db_release(req->app->pool, conn);
    if (st != DB_OK)
        return PROBLEM_DB_UNAVAILABLE;
    if (scope[0])
        cache_put(&req->app->auth, hash, scope);
    return PROBLEM_NONE;
}

enum problem_code auth_require(struct http_request *req, const char *scope)
{
    const char *h = http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return PROBLEM_UNAUTHORIZED;
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    if (!*token || strlen(token) > 200)
        return PROBLEM_UNAUTHORIZED;
    uint8_t hash[SHA256_LEN];
    hash_sha256(token, strlen(token), hash);
    char have[APIKEY_SCOPE_MAX];
    enum problem_code code = lookup_scope(req, hash, have);
    if (code != PROBLEM_NONE)
        return code;
    if (!have[0])
        return PROBLEM_UNAUTHORIZED;
    if (strcmp(have, scope) != 0)
        return PROBLEM_FORBIDDEN;
    return PROBLEM_NONE;
}
