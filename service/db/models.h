/* SPDX-License-Identifier: Apache-2.0 */
/* Statements on models, the datasets they name and their files. Rows come back as core/model.h
 * types; strings borrow the result through their owner. */
#ifndef PROVD_DB_MODELS_H
#define PROVD_DB_MODELS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/loghead.h"
#include "core/model.h"
#include "db/datasets.h"
#include "db/pool.h"

/* The state of a dataset a model names. */
struct model_dataset_state {
    bool found, sealed;
    char members_root_hex[2 * SHA256_LEN + 1]; /* "" while empty */
};

/* The states of the n datasets req names, in order. */
enum db_status db_model_datasets_state(struct db_conn *conn, const struct model_request *req,
                                       struct model_dataset_state *out)
    __attribute__((warn_unused_result));
/* Inserts the model, its datasets and files and queues it for the log; *id receives its id, or
 * 0 when the same signer registered the same statement before. */
enum db_status db_model_insert(struct db_conn *conn, const struct model_request *req,
                               int64_t created_by, int64_t *id) __attribute__((warn_unused_result));
/* Zero or one row. */
enum db_status db_model_get(struct db_conn *conn, int64_t id, struct model_rows *out)
    __attribute__((warn_unused_result));
enum db_status db_model_find(struct db_conn *conn, const char *signer,
                             const uint8_t statement_hash[SHA256_LEN], struct model_rows *out)
    __attribute__((warn_unused_result));

/* Which models a listing shows (GET /v1/models), in (registered_at, id) order. */
struct model_filter {
    bool has_digest;
    uint8_t digest[SHA256_LEN]; /* the model's digest or one of its files' */
    const char *name, *signer;  /* NULL: any */
    int64_t dataset;            /* 0: any */
    bool has_cursor;
    int64_t cursor_us, cursor_id; /* strictly after (registered_at, id) */
    unsigned limit;
    size_t max_bytes; /* the reply budget: rows past it are not fetched (db/exec.h DB_PAGE) */
};

enum db_status db_model_list(struct db_conn *conn, const struct model_filter *f,
                             struct model_rows *out) __attribute__((warn_unused_result));

/* Queued models (for the sequencer), oldest first. */
enum db_status db_log_queue_models(struct db_conn *conn, unsigned limit, struct model_rows *out)
    __attribute__((warn_unused_result));

/* A model with what its receipt needs (as struct dataset_receipt_row, db/datasets.h). */
struct model_receipt_row {
    bool found;
    struct model_row model;
    struct receipt_context context;
    struct rows_owner owner;
};

/* lean: the log's context tag instead of the context (as db_dataset_get_for_receipt). */
enum db_status db_model_get_for_receipt(struct db_conn *conn, int64_t id, bool lean,
                                        struct model_receipt_row *out)
    __attribute__((warn_unused_result));

/* The datasets model id names, in its order. */
enum db_status db_model_datasets(struct db_conn *conn, int64_t id, struct dataset_rows *out)
    __attribute__((warn_unused_result));
/* The first of model id's datasets (in its order) that contains hash; *dataset 0 when none. */
enum db_status db_model_dataset_containing(struct db_conn *conn, int64_t id,
                                           const uint8_t hash[SHA256_LEN], int64_t *dataset)
    __attribute__((warn_unused_result));
/* Up to limit registrations of hash logged below log index below (ids in log order). */
enum db_status db_items_logged_before(struct db_conn *conn, const uint8_t hash[SHA256_LEN],
                                      uint64_t below, unsigned limit, int64_t *ids, size_t *n)
    __attribute__((warn_unused_result));

/* A model trained on a sealed dataset containing a looked-up content hash. */
struct model_use {
    size_t lookup; /* 1-based position of the content hash in the lookup */
    int64_t id;
    const char *name, *version, *digest_hex;
    const char *dataset_ids; /* JSON array of the containing datasets' ids */
};

struct model_uses {
    struct model_use *v;
    size_t n;
    struct rows_owner owner;
};

/* For each of n hashes, up to limit + 1 models (oldest first), ordered by lookup. */
enum db_status db_models_using(struct db_conn *conn, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                               unsigned limit, struct model_uses *out)
    __attribute__((warn_unused_result));
void model_uses_free(struct model_uses *u);

#endif
