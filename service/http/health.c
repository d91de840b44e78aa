/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "util/jsonw.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/status.h"

enum MHD_Result handle_healthz(struct http_request *req, const char *param)
{
    (void)param;
    struct buf body = BUF_INIT;
    buf_puts(&body, "{\"status\":\"ok\"}");
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_readyz(struct http_request *req, const char *param)
{
    (void)param;
    int version = 0;
    struct problem p;
    if (atomic_load(&req->srv->draining)) /* SIGTERM: balancers take this instance out */
        return reply_problem(req, PROBLEM_SERVER_BUSY, NULL, "this instance is shutting down");
    if (!registry_ready(req->srv->reg, &version, &p))
        return reply_failure(req, &p);
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "status");
    jw_string(&w, "ready");
    jw_key(&w, "schema_version");
    jw_int(&w, version);
    jw_object_end(&w);
    return reply_json(req, MHD_HTTP_OK, &body);
}
