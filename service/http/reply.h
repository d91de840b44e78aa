/* SPDX-License-Identifier: Apache-2.0 */
/* Queuing responses: JSON bodies and RFC 9457 problem details. Each request gets exactly one. */
#ifndef PROVD_HTTP_REPLY_H
#define PROVD_HTTP_REPLY_H

#include <jansson.h>
#include <microhttpd.h>

#include "util/buf.h"
#include "core/problem.h"
#include "http/server.h"

/* Sends body (taken over and emptied) as application/json with status. */
enum MHD_Result reply_json(struct http_request *req, unsigned status, struct buf *body);
/* Sends body (taken over) with the given content type. */
enum MHD_Result reply_body(struct http_request *req, unsigned status, const char *content_type,
                           struct buf *body);
/* Sends resp (taken over) with the given content type and the headers every reply gets. */
enum MHD_Result reply_response(struct http_request *req, unsigned status, const char *content_type,
                               struct MHD_Response *resp);
/* Sends len bytes of data, static (never freed nor copied), with the given content type. */
enum MHD_Result reply_static(struct http_request *req, unsigned status, const char *content_type,
                             const char *data, size_t len);
/* Sends an empty response. */
enum MHD_Result reply_empty(struct http_request *req, unsigned status);
/* Sends application/problem+json for code; field may be NULL or "". */
enum MHD_Result reply_problem(struct http_request *req, enum problem_code code, const char *field,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The problem for a failed auth_require(..., scope): 401, 403, 429 or 503. */
enum MHD_Result reply_auth_problem(struct http_request *req, enum problem_code code,
                                   const char *scope);
/* The request body parsed as JSON with jansson flags (caller json_decrefs it), or NULL with 400
 * malformed-json queued in *r. */
json_t *reply_parse_body(struct http_request *req, size_t flags, enum MHD_Result *r)
    __attribute__((warn_unused_result));
/* Checks the query string against allowed (see http_query_check): on an unknown or repeated
 * parameter queues 400 invalid-parameter in *r and returns false. */
bool reply_check_query(struct http_request *req, const char *const *allowed, enum MHD_Result *r)
    __attribute__((warn_unused_result));
/* Checks the path parameter param (NULL: none), shown as name, and every query parameter with
 * http_params_valid: when one is bad queues 400 invalid-parameter naming it in *r and returns
 * false. */
bool reply_check_params(struct http_request *req, const char *name, const char *param,
                        enum MHD_Result *r) __attribute__((warn_unused_result));
/* Reads the "limit" parameter (see http_query_limit): when it is malformed queues 400
 * invalid-parameter in *r and returns false. */
bool reply_check_limit(struct http_request *req, unsigned def, unsigned max, unsigned *limit,
                       enum MHD_Result *r) __attribute__((warn_unused_result));
/* The reply for a failure the domain reported (p->code != PROBLEM_NONE); an empty detail of a
 * 500 names the request id. */
enum MHD_Result reply_failure(struct http_request *req, const struct problem *p);

#endif
