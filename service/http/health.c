#include <string.h>

#include "util/jsonw.h"
#include "db/migrate.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/registry.h"

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
    struct db_conn *conn = db_acquire(req->srv->reg->pool);
    if (!conn)
        return reply_problem(req, PROBLEM_NOT_READY, NULL, "the database is unreachable");
    int version = 0;
    enum db_status st = migrate_current_version(conn, &version);
    db_release(req->srv->reg->pool, conn);
    if (st != DB_OK)
        return reply_problem(req, PROBLEM_NOT_READY, NULL, "the database is unreachable");
    if (version != migrate_latest_version())
        return reply_problem(req, PROBLEM_NOT_READY, NULL,
                             "the schema is at version %d, this provd expects %d", version,
                             migrate_latest_version());
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
