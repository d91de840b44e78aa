/* Queuing responses: JSON bodies and RFC 9457 problem details. Each request gets exactly one. */
#ifndef PROVD_HTTP_REPLY_H
#define PROVD_HTTP_REPLY_H

#include <microhttpd.h>

#include "core/buf.h"
#include "core/problem.h"
#include "http/server.h"

/* Sends body (taken over and emptied) as application/json with status. */
enum MHD_Result reply_json(struct http_request *req, unsigned status, struct buf *body);
/* Sends body (taken over) with the given content type. */
enum MHD_Result reply_body(struct http_request *req, unsigned status, const char *content_type,
                           struct buf *body);
/* Sends an empty response. */
enum MHD_Result reply_empty(struct http_request *req, unsigned status);
/* Sends application/problem+json for code; field may be NULL or "". */
enum MHD_Result reply_problem(struct http_request *req, enum problem_code code, const char *field,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The problem for a failed auth_require(..., scope): 401, 403 or 503. */
enum MHD_Result reply_auth_problem(struct http_request *req, enum problem_code code,
                                   const char *scope);
/* The problem for a failed database call (503 with Retry-After, or 500). */
enum MHD_Result reply_db_error(struct http_request *req, enum db_status st);

#endif
