/* Bearer API keys for write routes. Valid keys are cached for AUTH_CACHE_TTL_S seconds, so a
 * revoked key stops working within that time. */
#ifndef PROVD_HTTP_AUTH_H
#define PROVD_HTTP_AUTH_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "core/problem.h"
#include "crypto/hash.h"
#include "db/apikeys.h"

#define AUTH_CACHE_SLOTS 256
#define AUTH_CACHE_TTL_S 10

struct auth_cache {
    pthread_mutex_t lock;
    struct {
        uint8_t token_hash[SHA256_LEN];
        char scope[APIKEY_SCOPE_MAX];
        time_t expires;
    } slots[AUTH_CACHE_SLOTS];
};

struct http_request;

void auth_cache_init(struct auth_cache *c);
void auth_cache_destroy(struct auth_cache *c);
/* Checks the request's bearer token for scope. Scopes are disjoint: a "register" key registers
 * items, an "admin" key manages the service (and cannot register items).
 * Returns PROBLEM_NONE, PROBLEM_UNAUTHORIZED, PROBLEM_FORBIDDEN or PROBLEM_DB_UNAVAILABLE. */
enum problem_code auth_require(struct http_request *req, const char *scope);

#endif
