/* SPDX-License-Identifier: Apache-2.0 */
/* GET / (the explorer's page) and GET /explorer/{asset} (its modules and style sheet, and
 * config.json, the page's settings from the command line, revalidated every time). The page
 * is revalidated on every visit (its ETag is the build hash); assets carry the build hash in
 * their names and are cached for a year. Every reply has a Content-Security-Policy that allows
 * scripts, styles and images from this origin only (no inline script or style), fetches from
 * this origin, any https:// origin and loopback http:// (the Ethereum JSON-RPC URL a user gives
 * the page), and no framing. */
#include "http/explorer.h"

#include <stdio.h>
#include <string.h>

#include "util/jsonw.h"
#include "http/reply.h"
#include "http/route.h"

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self' https: http://127.0.0.1:* http://localhost:*; "                            \
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const struct explorer_asset *explorer_find(const char *name)
{
    for (size_t i = 0; i < explorer_assets_count; i++)
        if (strcmp(explorer_assets[i].name, name) == 0)
            return &explorer_assets[i];
    return NULL;
}

static void add_security_headers(struct http_request *req)
{
    http_add_header(req, "Content-Security-Policy", CSP);
    http_add_header(req, "X-Content-Type-Options", "nosniff");
    http_add_header(req, "Referrer-Policy", "no-referrer");
    http_add_header(req, "Cross-Origin-Opener-Policy", "same-origin");
}

enum MHD_Result handle_explorer_index(struct http_request *req, const char *param)
{
    (void)param;
    const struct explorer_asset *a = explorer_find("index.html");
    if (!a)
        return reply_problem(req, PROBLEM_NOT_FOUND, NULL, "this build has no explorer");
    char etag[32];
    snprintf(etag, sizeof etag, "\"%s\"", explorer_build);
    add_security_headers(req);
    http_add_header(req, "Cache-Control", "no-cache");
    http_add_header(req, "ETag", etag);
    const char *inm = http_header(req, "If-None-Match");
    if (inm && strstr(inm, etag))
        return reply_static(req, MHD_HTTP_NOT_MODIFIED, NULL, NULL, 0);
    return reply_static(req, MHD_HTTP_OK, a->content_type, a->data, a->len);
}

/* GET /explorer/config.json: the page's settings from the command line, revalidated on every
 * visit ({"explorer_tx_url": "…" | null}, --explorer-tx-url). */
static enum MHD_Result config_reply(struct http_request *req)
{
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "explorer_tx_url");
    if (req->srv->opt.explorer_tx_url)
        jw_string(&w, req->srv->opt.explorer_tx_url);
    else
        jw_null(&w);
    jw_object_end(&w);
    add_security_headers(req);
    http_add_header(req, "Cache-Control", "no-cache");
    return reply_json(req, MHD_HTTP_OK, &body);
}

enum MHD_Result handle_explorer_asset(struct http_request *req, const char *param)
{
    if (!strcmp(param, "config.json"))
        return config_reply(req);
    const struct explorer_asset *a = strcmp(param, "index.html") ? explorer_find(param) : NULL;
    if (!a)
        return reply_problem(req, PROBLEM_NOT_FOUND, NULL,
                             "no explorer asset %.100s in this build (%s)", param, explorer_build);
    add_security_headers(req);
    http_add_header(req, "Cache-Control", "public, max-age=31536000, immutable");
    return reply_static(req, MHD_HTTP_OK, a->content_type, a->data, a->len);
}
