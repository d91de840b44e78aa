/* SPDX-License-Identifier: Apache-2.0 */
/* The route table: maps method and path to a handler, answers 404, 405 (with Allow) and
 * OPTIONS (CORS preflight) itself. */
#ifndef PROVD_HTTP_ROUTE_H
#define PROVD_HTTP_ROUTE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#include "http/server.h"

/* A handler queues exactly one response. param is the path's {…} segment or NULL (for a route
 * under --tiles-prefix with a parameter: the rest of the path after the prefix). */
typedef enum MHD_Result (*http_handler)(struct http_request *req, const char *param);

enum MHD_Result route_dispatch(struct http_request *req);
/* True when the route of req's method and url reads a text/plain body as a list of content
 * hashes while it arrives (struct http_request's lines) rather than buffering it. */
bool route_takes_lines(const struct http_request *req);
/* The index in the route table of the route req's url matches (for metrics), -1 for none. */
int route_find(const struct http_request *req);
/* The routes, for metrics: their number and each one's path template ("none" past the end). */
size_t route_count(void);
const char *route_name(size_t i);

/* Handlers, one file per endpoint family. */
enum MHD_Result handle_items_post(struct http_request *req, const char *param);
enum MHD_Result handle_metrics(struct http_request *req, const char *param);
enum MHD_Result handle_provenance_batch_post(struct http_request *req, const char *param);
enum MHD_Result handle_items_batch_post(struct http_request *req, const char *param);
enum MHD_Result handle_items_list(struct http_request *req, const char *param);
enum MHD_Result handle_item_get(struct http_request *req, const char *param);
enum MHD_Result handle_provenance_get(struct http_request *req, const char *param);
enum MHD_Result handle_item_receipt(struct http_request *req, const char *param);
enum MHD_Result handle_log_checkpoint(struct http_request *req, const char *param);
enum MHD_Result handle_log_key(struct http_request *req, const char *param);
enum MHD_Result handle_log_consistency(struct http_request *req, const char *param);
enum MHD_Result handle_signers_post(struct http_request *req, const char *param);
enum MHD_Result handle_signers_list(struct http_request *req, const char *param);
enum MHD_Result handle_signer_get(struct http_request *req, const char *param);
enum MHD_Result handle_signer_revoke(struct http_request *req, const char *param);
enum MHD_Result handle_anchors_list(struct http_request *req, const char *param);
enum MHD_Result handle_anchor_get(struct http_request *req, const char *param);
enum MHD_Result handle_events(struct http_request *req, const char *param);
enum MHD_Result handle_stats(struct http_request *req, const char *param);
enum MHD_Result handle_datasets_post(struct http_request *req, const char *param);
enum MHD_Result handle_datasets_list(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_get(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_delete(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_members_post(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_members_list(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_seal(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_receipt(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_proof(struct http_request *req, const char *param);
enum MHD_Result handle_dataset_audit(struct http_request *req, const char *param);
enum MHD_Result handle_models_post(struct http_request *req, const char *param);
enum MHD_Result handle_models_list(struct http_request *req, const char *param);
enum MHD_Result handle_model_get(struct http_request *req, const char *param);
enum MHD_Result handle_model_receipt(struct http_request *req, const char *param);
enum MHD_Result handle_model_lineage(struct http_request *req, const char *param);
enum MHD_Result handle_model_proof(struct http_request *req, const char *param);
enum MHD_Result handle_model_attestation(struct http_request *req, const char *param);
enum MHD_Result handle_healthz(struct http_request *req, const char *param);
enum MHD_Result handle_explorer_index(struct http_request *req, const char *param);
enum MHD_Result handle_explorer_asset(struct http_request *req, const char *param);
enum MHD_Result handle_readyz(struct http_request *req, const char *param);
enum MHD_Result handle_tiles_checkpoint(struct http_request *req, const char *param);
enum MHD_Result handle_tiles_tile(struct http_request *req, const char *param);

#endif
