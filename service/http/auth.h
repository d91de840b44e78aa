/* SPDX-License-Identifier: Apache-2.0 */
/* Bearer API keys for write routes: reads the Authorization header and asks the registry. */
#ifndef PROVD_HTTP_AUTH_H
#define PROVD_HTTP_AUTH_H

#include <stdint.h>

#include "core/problem.h"

struct http_request;

/* Checks the request's bearer token for scope (see registry_authorize) and takes a token from
 * the key's rate limit (http/ratelimit.h). Returns PROBLEM_NONE, PROBLEM_UNAUTHORIZED,
 * PROBLEM_FORBIDDEN, PROBLEM_RATE_LIMITED (req->retry_after set) or PROBLEM_DB_UNAVAILABLE. */
enum problem_code auth_require(struct http_request *req, const char *scope);
/* The same, also giving the key's id. */
enum problem_code auth_require_key(struct http_request *req, const char *scope, int64_t *key_id);

#endif
