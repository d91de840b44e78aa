/* SPDX-License-Identifier: Apache-2.0 */
/* Models: "these weights were trained on these sealed datasets". A trainer signs the model
 * statement
 *   JCS({"type":"provd.model.v1","model":{"name","version","digest"[,"files"]},
 *        "datasets":[{"id","members_root"},…],"metadata":{…}})
 * and provd appends the model record (the statement's members plus "registered_at" and
 * "signature") to the transparency log.
 *
 * model.digest is the OpenSSF model signing digest (sigstore/model-transparency, serialization
 * "files", SHA-256): SHA-256 over the concatenated 32-byte SHA-256 digests of the model's files
 * in the tool's order (model_path_cmp). model.files, when given, is that whole manifest, so
 * model.digest is checked against it. Paths are relative POSIX paths; the tool names the only
 * file of a one-file model ".". */
#ifndef PROVD_CORE_MODEL_H
#define PROVD_CORE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/rows.h"
#include "core/problem.h"
#include "core/sigclaim.h"
#include "crypto/hash.h"

#define MODEL_STATEMENT_TYPE "provd.model.v1"
#define MODEL_NAME_MAX       200
#define MODEL_VERSION_MAX    100
#define MODEL_DATASETS_MAX   100
#define MODEL_FILES_MAX      10000
#define MODEL_PATH_MAX       4096

/* A dataset a model names, as the statement states it. */
struct model_dataset_ref {
    int64_t id;
    char members_root_hex[2 * SHA256_LEN + 1];
};

/* POST /v1/models, parsed and verified. Owned buffers: free with model_request_free. */
struct model_request {
    char name[MODEL_NAME_MAX + 1];
    char version[MODEL_VERSION_MAX + 1];
    uint8_t digest[SHA256_LEN];
    struct buf model;    /* canonical JSON of the statement's "model" */
    struct buf metadata; /* canonical JSON object ({} when absent) */
    struct model_dataset_ref datasets[MODEL_DATASETS_MAX];
    size_t n_datasets;
    uint8_t (*files)[SHA256_LEN]; /* model.files' digests in order (owned), NULL when none */
    size_t n_files;
    struct sig_claim sig;
    struct buf statement; /* canonical statement bytes */
    uint8_t statement_hash[SHA256_LEN];
};

/* Parses and validates body, builds the statement and verifies the signature over it. On
 * failure err names the field at fault and req is already freed. */
bool model_request_parse(const char *body, size_t len, struct model_request *req,
                         struct problem *err) __attribute__((warn_unused_result));
void model_request_free(struct model_request *req);

/* The order of the model signing tool's manifest: paths compared component by component
 * (pathlib order), each component bytewise. */
int model_path_cmp(const char *a, const char *b);
/* SHA-256 over the concatenated digests of files (n), in the order given. */
void model_digest_of_files(const uint8_t (*files)[SHA256_LEN], size_t n, uint8_t out[SHA256_LEN]);

/* The fields a statement commits to (strings borrowed, all canonical JSON but the name). */
struct model_fields {
    const char *name, *version;
    const char *digest_hex;
    const char *model, *datasets, *metadata; /* "model", "datasets" and "metadata" values */
    size_t model_len, datasets_len, metadata_len;
};

/* Appends the model statement. */
void model_statement_write(struct buf *out, const struct model_fields *f);
/* The message sig_claim_verify checks for scheme: the statement, or for eip712 the digest of
 * eth_eip712_model_digest (written to digest). */
bool model_signed_message(const struct model_fields *f, enum sig_scheme scheme,
                          struct buf *statement, uint8_t digest[32], const uint8_t **msg,
                          size_t *len) __attribute__((warn_unused_result));

/* A stored model as the API shows it; strings borrowed from the rows' owner. */
struct model_row {
    int64_t id;
    struct model_fields f;
    const char *signer, *scheme, *signature_hex;
    int64_t registered_us;
    bool logged;
    uint64_t log_index;
    const char *signer_name; /* NULL unless the signer is known */
    bool signer_revoked;
    bool anchored; /* a confirmed anchor covers the record */
    bool created;  /* inserted by this request (registration only) */
};

struct model_rows {
    struct model_row *v;
    size_t n;
    struct rows_owner owner;
};

void model_rows_free(struct model_rows *r);

/* Appends the log record of row: the statement's members, "registered_at" and
 * "signature": {<key_field>, "scheme", "value"}, as canonical JSON. */
void model_record_write(struct buf *out, const struct model_row *row);

#endif
