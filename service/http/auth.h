/* Bearer API keys for write routes: reads the Authorization header and asks the registry. */
#ifndef PROVD_HTTP_AUTH_H
#define PROVD_HTTP_AUTH_H

#include "core/problem.h"

struct http_request;

/* Checks the request's bearer token for scope (see registry_authorize). Returns PROBLEM_NONE,
 * PROBLEM_UNAUTHORIZED, PROBLEM_FORBIDDEN or PROBLEM_DB_UNAVAILABLE. */
enum problem_code auth_require(struct http_request *req, const char *scope);

#endif
