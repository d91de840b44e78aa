/* SPDX-License-Identifier: Apache-2.0 */
/* Datasets: what a curator commits to before training. A dataset is an ordered, duplicate-free
 * list of content hashes (its members); sealing signs the dataset statement
 *   JCS({"type":"provd.dataset.v1","name","version","metadata","policy","member_count",
 *        "members_root"})
 * and appends the dataset record (the statement's members plus "sealed_at" and "signature") to
 * the transparency log. members_root is the RFC 6962 root over the members in order, with
 * leaf = SHA-256(0x00 || ASCII("sha256:<hex>")) (dataset_member_leaf). */
#ifndef PROVD_CORE_DATASET_H
#define PROVD_CORE_DATASET_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/rows.h"
#include "core/problem.h"
#include "core/sigclaim.h"
#include "crypto/hash.h"

#define DATASET_STATEMENT_TYPE   "provd.dataset.v1"
#define DATASET_NAME_MAX         200
#define DATASET_VERSION_MAX      100
#define DATASET_LICENSES_MAX     64
#define DATASET_LICENSE_MAX      100     /* bytes of one policy licence entry */
#define DATASET_APPEND_JSON_MAX  10000   /* content hashes per JSON append */
#define DATASET_APPEND_LINES_MAX 1000000 /* lines per text/plain append */

/* The ingestion policy (every field optional; absent booleans are false). */
struct dataset_policy {
    bool has_licenses; /* false: any licence, or none, passes */
    size_t n_licenses;
    char licenses[DATASET_LICENSES_MAX][DATASET_LICENSE_MAX + 1]; /* SPDX identifiers */
    bool require_known_signer, require_logged, require_anchored;
    bool respect_content_usage, generative;
};

/* POST /v1/datasets. Owned buffers: free with dataset_create_free. */
struct dataset_create {
    char name[DATASET_NAME_MAX + 1];
    char version[DATASET_VERSION_MAX + 1];
    struct buf metadata; /* canonical JSON object ({} when absent) */
    struct buf policy;   /* canonical JSON object ({} when absent) */
    struct dataset_policy pol;
};

bool dataset_create_parse(const char *body, size_t len, struct dataset_create *out,
                          struct problem *err) __attribute__((warn_unused_result));
void dataset_create_free(struct dataset_create *c);
/* Parses a policy object (a request's, or a stored canonical one); field names it "policy.…". */
bool dataset_policy_parse(json_t *obj, struct dataset_policy *out, struct problem *err)
    __attribute__((warn_unused_result));

/* POST /v1/datasets/{id}/seal: what the curator computed, and their signature. */
struct dataset_seal {
    uint64_t member_count;
    uint8_t members_root[SHA256_LEN];
    char members_root_hex[2 * SHA256_LEN + 1];
    struct sig_claim sig;
};

bool dataset_seal_parse(const char *body, size_t len, struct dataset_seal *out, struct problem *err)
    __attribute__((warn_unused_result));

/* A stored dataset as the API shows it; strings borrowed from the rows' owner. */
struct dataset_row {
    int64_t id;
    const char *name, *version;
    const char *metadata; /* canonical JSON */
    size_t metadata_len;
    const char *policy; /* canonical JSON */
    size_t policy_len;
    int64_t created_by; /* API key id */
    bool sealed;
    uint64_t member_count;
    const char *members_root_hex; /* NULL while empty */
    int64_t created_us, sealed_us;
    const char *signer, *scheme, *signature_hex; /* NULL until sealed */
    bool logged;
    uint64_t log_index;
    const char *signer_name; /* NULL unless the sealing signer is known */
    bool signer_revoked;
};

struct dataset_rows {
    struct dataset_row *v;
    size_t n;
    struct rows_owner owner;
};

void dataset_rows_free(struct dataset_rows *r);

/* The fields a statement and a record commit to (strings borrowed). */
struct dataset_fields {
    const char *name, *version;
    const char *metadata, *policy; /* canonical JSON */
    size_t metadata_len, policy_len;
    uint64_t member_count;
    const char *members_root_hex;
};

/* Appends the dataset statement (the bytes a curator signs). */
void dataset_statement_write(struct buf *out, const struct dataset_fields *f);
/* The message sig_claim_verify checks for scheme: the statement, or for eip712 the digest of
 * eth_eip712_dataset_digest (written to digest). */
bool dataset_signed_message(const struct dataset_fields *f, enum sig_scheme scheme,
                            struct buf *statement, uint8_t digest[32], const uint8_t **msg,
                            size_t *len) __attribute__((warn_unused_result));

/* Appends the log record of a sealed row: the statement's members, "sealed_at" and
 * "signature": {<key_field>, "scheme", "value"}, as canonical JSON (the bytes its leaf hashes). */
void dataset_record_write(struct buf *out, const struct dataset_row *row);
void dataset_row_fields(const struct dataset_row *row, struct dataset_fields *f);

/* SHA-256(0x00 || "sha256:" || lowercase hex of hash): a member's leaf in the members tree. */
void dataset_member_leaf(const uint8_t hash[SHA256_LEN], uint8_t out[SHA256_LEN]);

/* The content hashes of an append, decoded; owned (free with hash_list_free). */
struct hash_list {
    uint8_t (*v)[SHA256_LEN];
    size_t n, cap;
};

void hash_list_free(struct hash_list *l);
/* {"content_hashes": ["sha256:<hex>", …]} (1..DATASET_APPEND_JSON_MAX); err names the element. */
bool hash_list_parse_json(const char *body, size_t len, struct hash_list *out, struct problem *err)
    __attribute__((warn_unused_result));

/* Copies into out (room for in->n) the hashes of in that are neither marked in exists nor
 * repeats of an earlier one, in order, and marks the repeats in exists; returns how many, or
 * SIZE_MAX when out of memory. */
size_t hash_list_fresh(const struct hash_list *in, bool *exists, uint8_t (*out)[SHA256_LEN]);

/* A text/plain append, fed as it arrives: one "sha256:<hex>" per line (LF or CRLF; blank lines
 * are skipped). The first bad line stops it and is reported by hash_lines_finish. */
struct hash_lines {
    struct hash_list list;
    char line[80];
    size_t len;        /* bytes of the current line so far */
    bool overlong;     /* the current line exceeds any valid one */
    uint64_t lineno;   /* 1-based number of the current line */
    uint64_t bad_line; /* 0: no error */
    const char *bad_reason;
};

void hash_lines_init(struct hash_lines *h);
/* False when out of memory; a bad line only records itself. */
bool hash_lines_feed(struct hash_lines *h, const char *data, size_t len)
    __attribute__((warn_unused_result));
/* Ends the stream: true with h->list filled (at least one hash), false with err set. */
bool hash_lines_finish(struct hash_lines *h, struct problem *err)
    __attribute__((warn_unused_result));
/* The most entries h->list can hold (its capacity, as it grows) once `more` further bytes are fed
 * and the stream ends: what a server must budget for before feeding them. */
size_t hash_lines_cap_after(const struct hash_lines *h, uint64_t more);

#endif
