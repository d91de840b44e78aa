#include "http/auth.h"

#include <string.h>
#include <strings.h>

#include "http/server.h"
#include "registry/auth.h"

enum problem_code auth_require(struct http_request *req, const char *scope)
{
    const char *h = http_header(req, "Authorization");
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return PROBLEM_UNAUTHORIZED;
    const char *token = h + 7;
    while (*token == ' ')
        token++;
    return registry_authorize(req->srv->reg, token, scope);
}
