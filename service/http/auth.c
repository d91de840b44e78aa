/* SPDX-License-Identifier: Apache-2.0 */
#include "http/auth.h"

#include <string.h>
#include <strings.h>

#include "http/ratelimit.h"
#include "http/server.h"
#include "registry/auth.h"

enum problem_code auth_require(struct http_request *req, const char *scope)
{
    return auth_require_key(req, scope, NULL);
}

enum problem_code auth_require_key(struct http_request *req, const char *scope, int64_t *key_id)
{
    const char *h = http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return PROBLEM_UNAUTHORIZED;
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    int64_t id = 0;
    enum problem_code code = registry_authorize(req->srv->reg, token, scope, &id);
    if (code == PROBLEM_NONE && !ratelimit_key(req, id))
        return PROBLEM_RATE_LIMITED;
    if (key_id)
        *key_id = id;
    return code;
}
