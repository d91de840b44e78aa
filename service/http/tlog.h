/* SPDX-License-Identifier: Apache-2.0 */
/* The log's endpoints and the receipt shared by items and datasets. */
#ifndef PROVD_HTTP_TLOG_H
#define PROVD_HTTP_TLOG_H

#include "http/server.h"
#include "registry/receipts.h"
#include "util/jsonw.h"

/* Writes a receipt: id, status, record, leaf_hash, log_index, tree_size, inclusion_proof,
 * checkpoint and anchor (proofs null while the record waits for the sequencer). */
void http_write_receipt(struct jsonw *w, const struct receipt *rc);
/* 200 with the receipt, or 202 with Retry-After while it waits for the sequencer. */
enum MHD_Result http_reply_receipt(struct http_request *req, const struct receipt *rc);
/* Loads the receipt of record id with load (registry_receipt, registry_dataset_receipt, …) and
 * replies with it, or with the problem. */
enum MHD_Result http_reply_receipt_of(struct http_request *req, int64_t id,
                                      bool (*load)(struct registry *, int64_t, struct receipt *,
                                                   struct problem *));

#endif
