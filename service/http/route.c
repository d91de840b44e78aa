/* SPDX-License-Identifier: Apache-2.0 */
#include "http/route.h"

#include <stdio.h>
#include <string.h>

#include "http/metrics.h"
#include "http/reply.h"

/* (fields in the order of the table's positional rows, tiles last, so that adding it changed no
 * row: hence the padding) */
struct route {          // NOLINT(clang-analyzer-optin.performance.Padding)
    const char *name;   /* the path template, as in openapi.yaml (metrics label) */
    const char *path;   /* exact path, or prefix ending in '/' when has_param */
    bool has_param;     /* one non-empty segment after the prefix ... */
    bool lines;         /* the POST takes a text/plain list of content hashes (route_takes_lines) */
    const char *suffix; /* ... followed by exactly this ("" for nothing) */
    http_handler get;   /* also serves HEAD */
    http_handler post;
    http_handler del;
    bool tiles; /* path is under --tiles-prefix (not served without one); with has_param, the
                   parameter is the rest of the path after the prefix, slashes included */
};

static const struct route routes[] = {
    {"/healthz", "/healthz", false, false, "", handle_healthz, NULL, NULL},
    {"/readyz", "/readyz", false, false, "", handle_readyz, NULL, NULL},
    {"/metrics", "/metrics", false, false, "", handle_metrics, NULL, NULL},
    {"/", "/", false, false, "", handle_explorer_index, NULL, NULL},
    {"/explorer/{asset}", "/explorer/", true, false, "", handle_explorer_asset, NULL, NULL},
    {"/v1/items", "/v1/items", false, false, "", handle_items_list, handle_items_post, NULL},
    {"/v1/items/batch", "/v1/items/batch", false, false, "", NULL, handle_items_batch_post, NULL},
    {"/v1/items/{id}", "/v1/items/", true, false, "", handle_item_get, NULL, NULL},
    {"/v1/items/{id}/receipt", "/v1/items/", true, false, "/receipt", handle_item_receipt, NULL,
     NULL},
    {"/v1/provenance/batch", "/v1/provenance/batch", false, false, "", NULL,
     handle_provenance_batch_post, NULL},
    {"/v1/provenance/{content_hash}", "/v1/provenance/", true, false, "", handle_provenance_get,
     NULL, NULL},
    {"/v1/signers", "/v1/signers", false, false, "", handle_signers_list, handle_signers_post,
     NULL},
    {"/v1/signers/{identity}", "/v1/signers/", true, false, "", handle_signer_get, NULL, NULL},
    {"/v1/signers/{identity}/revoke", "/v1/signers/", true, false, "/revoke", NULL,
     handle_signer_revoke, NULL},
    {"/v1/log/checkpoint", "/v1/log/checkpoint", false, false, "", handle_log_checkpoint, NULL,
     NULL},
    {"/v1/log/key", "/v1/log/key", false, false, "", handle_log_key, NULL, NULL},
    {"/v1/log/consistency", "/v1/log/consistency", false, false, "", handle_log_consistency, NULL,
     NULL},
    {"/v1/anchors", "/v1/anchors", false, false, "", handle_anchors_list, NULL, NULL},
    {"/v1/anchors/{id}", "/v1/anchors/", true, false, "", handle_anchor_get, NULL, NULL},
    {"/v1/events", "/v1/events", false, false, "", handle_events, NULL, NULL},
    {"/v1/stats", "/v1/stats", false, false, "", handle_stats, NULL, NULL},
    {"/v1/datasets", "/v1/datasets", false, false, "", handle_datasets_list, handle_datasets_post,
     NULL},
    {"/v1/datasets/{id}", "/v1/datasets/", true, false, "", handle_dataset_get, NULL,
     handle_dataset_delete},
    {"/v1/datasets/{id}/members", "/v1/datasets/", true, true, "/members",
     handle_dataset_members_list, handle_dataset_members_post, NULL},
    {"/v1/datasets/{id}/seal", "/v1/datasets/", true, false, "/seal", NULL, handle_dataset_seal,
     NULL},
    {"/v1/datasets/{id}/receipt", "/v1/datasets/", true, false, "/receipt", handle_dataset_receipt,
     NULL, NULL},
    {"/v1/datasets/{id}/proof", "/v1/datasets/", true, false, "/proof", handle_dataset_proof, NULL,
     NULL},
    {"/v1/datasets/{id}/audit", "/v1/datasets/", true, false, "/audit", handle_dataset_audit, NULL,
     NULL},
    {"/v1/models", "/v1/models", false, false, "", handle_models_list, handle_models_post, NULL},
    {"/v1/models/{id}", "/v1/models/", true, false, "", handle_model_get, NULL, NULL},
    {"/v1/models/{id}/receipt", "/v1/models/", true, false, "/receipt", handle_model_receipt, NULL,
     NULL},
    {"/v1/models/{id}/lineage", "/v1/models/", true, false, "/lineage", handle_model_lineage, NULL,
     NULL},
    {"/v1/models/{id}/proof", "/v1/models/", true, false, "/proof", handle_model_proof, NULL, NULL},
    {"/v1/models/{id}/attestation", "/v1/models/", true, false, "/attestation",
     handle_model_attestation, NULL, NULL},
    /* C2SP tlog-tiles, named with the default --tiles-prefix (/log/) */
    {"/log/checkpoint", "checkpoint", false, false, "", handle_tiles_checkpoint, NULL, NULL, true},
    {"/log/tile/{tile*}", "tile/", true, false, "", handle_tiles_tile, NULL, NULL, true},
};

#define N_ROUTES (sizeof routes / sizeof routes[0])
_Static_assert(N_ROUTES < METRICS_ROUTES, "one metrics slot per route and one for no route");

size_t route_count(void)
{
    return N_ROUTES;
}

const char *route_name(size_t i)
{
    return i < N_ROUTES ? routes[i].name : "none";
}

/* The rest of url after the tiles prefix, NULL when url is not under it (or none is set). */
static const char *under_tiles(const char *url, const char *prefix)
{
    size_t n = prefix ? strlen(prefix) : 0;
    return prefix && !strncmp(url, prefix, n) ? url + n : NULL;
}

/* Matches url (tiles_prefix: --tiles-prefix or NULL); a parameter is copied into param_buf (the
 * router's only allocation-free way to end it before a suffix). */
static const struct route *match(const char *full_url, const char *tiles_prefix, const char **param,
                                 char *param_buf, size_t param_cap)
{
    for (size_t i = 0; i < N_ROUTES; i++) {
        const struct route *r = &routes[i];
        size_t n = strlen(r->path);
        const char *url = r->tiles ? under_tiles(full_url, tiles_prefix) : full_url;
        if (r->tiles && !url)
            continue;
        if (r->tiles && r->has_param) {
            if (strncmp(url, r->path, n) != 0)
                continue;
            *param = url;
            return r;
        }
        if (!r->has_param) {
            if (!strcmp(url, r->path)) {
                *param = NULL;
                return r;
            }
            continue;
        }
        if (strncmp(url, r->path, n) != 0)
            continue;
        size_t seg = strcspn(url + n, "/");
        if (seg == 0 || seg >= param_cap || strcmp(url + n + seg, r->suffix) != 0)
            continue;
        memcpy(param_buf, url + n, seg);
        param_buf[seg] = '\0';
        *param = param_buf;
        return r;
    }
    return NULL;
}

static const char *allow_header(const struct route *r)
{
    if (r->del)
        return r->post ? "GET, HEAD, POST, DELETE, OPTIONS" : "GET, HEAD, DELETE, OPTIONS";
    if (r->get && r->post)
        return "GET, HEAD, POST, OPTIONS";
    return r->get ? "GET, HEAD, OPTIONS" : "POST, OPTIONS";
}

bool route_takes_lines(const struct http_request *req)
{
    const char *param;
    char param_buf[256];
    const struct route *r =
        match(req->url, req->srv->opt.tiles_prefix, &param, param_buf, sizeof param_buf);
    return r && r->lines && !strcmp(req->method, "POST");
}

int route_find(const struct http_request *req)
{
    const char *param;
    char param_buf[256];
    const struct route *r =
        match(req->url, req->srv->opt.tiles_prefix, &param, param_buf, sizeof param_buf);
    return r ? (int)(r - routes) : -1;
}

/* With --metrics-listen, the metrics listener serves /metrics, /healthz and /readyz only, and the
 * public one everything but /metrics. */
static bool served_here(const struct http_request *req, const struct route *r)
{
    bool probe = r->get == handle_metrics || r->get == handle_healthz || r->get == handle_readyz;
    if (req->internal)
        return probe;
    return !req->srv->opt.metrics_listen || r->get != handle_metrics;
}

static enum MHD_Result preflight(struct http_request *req, const struct route *r)
{
    const char *origin = http_header(req, "Origin");
    const char *want = http_header(req, "Access-Control-Request-Method");
    http_add_header(req, "Allow", allow_header(r));
    if (!origin || !want)
        return reply_empty(req, MHD_HTTP_NO_CONTENT);
    if (!cors_origin_allowed(&req->srv->cors, origin))
        return reply_problem(req, PROBLEM_CORS_REJECTED, NULL,
                             "origin %.200s is not allowed to call this API", origin);
    http_add_header(req, "Access-Control-Allow-Methods", allow_header(r));
    http_add_header(req, "Access-Control-Allow-Headers",
                    "Authorization, Content-Type, X-Request-Id");
    http_add_header(req, "Access-Control-Max-Age", "600");
    return reply_empty(req, MHD_HTTP_NO_CONTENT);
}

/* The name of the route's path parameter, from its template ("/v1/items/{id}" -> "id",
 * "/log/tile/{tile*}" -> "tile"). */
static const char *param_name(const struct route *r, char out[32])
{
    const char *open = strchr(r->name, '{');
    size_t n = open ? strcspn(open + 1, "*}") : 0;
    snprintf(out, 32, "%.*s", (int)n, open ? open + 1 : "");
    return out;
}

enum MHD_Result route_dispatch(struct http_request *req)
{
    const char *param;
    char param_buf[256], name[32];
    const struct route *r =
        match(req->url, req->srv->opt.tiles_prefix, &param, param_buf, sizeof param_buf);
    if (!r || !served_here(req, r))
        return reply_problem(req, PROBLEM_NOT_FOUND, NULL, "no route for %.200s", req->url);
    req->route = (int)(r - routes);
    enum MHD_Result res;
    if (!reply_check_params(req, param_name(r, name), param, &res))
        return res;
    const char *m = req->method;
    if ((!strcmp(m, "GET") || !strcmp(m, "HEAD")) && r->get)
        return r->get(req, param);
    if (!strcmp(m, "POST") && r->post)
        return r->post(req, param);
    if (!strcmp(m, "DELETE") && r->del)
        return r->del(req, param);
    if (!strcmp(m, "OPTIONS"))
        return preflight(req, r);
    http_add_header(req, "Allow", allow_header(r));
    return reply_problem(req, PROBLEM_METHOD_NOT_ALLOWED, NULL, "%.20s is not allowed on %.200s", m,
                         req->url);
}
