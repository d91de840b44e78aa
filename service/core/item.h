/* SPDX-License-Identifier: Apache-2.0 */
/* A registration request: parsing, validation, the canonical statement and its signature check.
 *
 * The statement is the UTF-8 of JCS({"type":"provd.item.v1","content_hash":…,"metadata":…}). */
#ifndef PROVD_CORE_ITEM_H
#define PROVD_CORE_ITEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/rows.h"
#include "util/validate.h"
#include "core/problem.h"
#include "core/sigclaim.h"
#include "crypto/hash.h"
#include "crypto/sig.h"

#define ITEM_STATEMENT_TYPE  "provd.item.v1"
#define ITEM_METADATA_MAX    16384 /* bytes of canonical metadata */
#define ITEM_METADATA_DEPTH  8     /* nesting levels, the metadata object included */
#define CONTENT_HASH_STR_LEN 71    /* "sha256:" + 64 hex */

struct item_request {
    uint8_t content_hash[SHA256_LEN];
    char content_hash_str[CONTENT_HASH_STR_LEN + 1];
    struct buf metadata; /* canonical (JCS) metadata object */
    char *source_url;    /* owned copy of metadata.source_url, NULL if absent */
    struct sig_claim sig;
    struct buf statement; /* canonical statement bytes */
    uint8_t statement_hash[SHA256_LEN];
};

/* Parses and validates body, builds the statement and verifies the signature. On success req
 * holds owned buffers (free with item_request_free); on failure err says why and req is
 * already freed. */
bool item_parse(const char *body, size_t len, struct item_request *req, struct problem *err)
    __attribute__((warn_unused_result));
/* The same for an already parsed JSON value (borrowed), e.g. one element of a batch. */
bool item_parse_json(json_t *root, struct item_request *req, struct problem *err)
    __attribute__((warn_unused_result));
/* item_parse and item_parse_json without the signature check, which item_verify then makes:
 * for a caller that may refuse the request for its signer first, more cheaply. */
bool item_read(const char *body, size_t len, struct item_request *req, struct problem *err)
    __attribute__((warn_unused_result));
bool item_read_json(json_t *root, struct item_request *req, struct problem *err)
    __attribute__((warn_unused_result));
/* Checks req's signature over its statement; PROBLEM_SIGNATURE_INVALID otherwise. */
bool item_verify(const struct item_request *req, struct problem *err)
    __attribute__((warn_unused_result));
void item_request_free(struct item_request *req);

/* The fields of a stored registration that its log record commits to (strings borrowed). */
struct item_record {
    const char *content_hash_hex; /* 64 lowercase hex digits */
    const char *metadata;         /* canonical JSON object */
    size_t metadata_len;
    const char *registered_at; /* RFC 3339 UTC with microseconds */
    const char *scheme;
    const char *key_field;  /* "public_key" or "address" (sig_key_field) */
    const char *public_key; /* signer identity */
    const char *signature;  /* as shown in JSON (sig_format_value) */
};

/* A stored registration as the API shows it; strings borrowed from the rows' owner. */
struct item_row {
    int64_t id;
    const char *content_hash_hex; /* 64 lowercase hex digits */
    const char *metadata;         /* canonical JSON object */
    size_t metadata_len;
    const char *signer;        /* identity */
    const char *scheme;        /* sig_scheme_name */
    const char *signature_hex; /* raw signature bytes in hex */
    int64_t registered_us;     /* registered_at, microseconds since the epoch */
    bool logged;               /* sequenced: log_index is set */
    uint64_t log_index;
    const char *signer_name; /* NULL unless the signer is in the registry */
    bool signer_revoked;
    bool anchored; /* a confirmed anchor covers log_index */
    bool created;  /* registrations only: this request stored it */
    size_t lookup; /* provenance lookups only: 1-based position of its content hash */
    bool withheld; /* batch lookups only: fetched without its metadata (past the reply budget or
                      the per-hash limit), to tell that there is more */
};

struct item_rows {
    struct item_row *v;
    size_t n;
    struct rows_owner owner;
};

/* Releases the rows and their strings; r is empty afterwards. */
void item_rows_free(struct item_rows *r);

/* Which registrations a listing shows (GET /v1/items). */
struct item_filter {
    bool has_content_hash;
    uint8_t content_hash[SHA256_LEN];
    const char *signer;     /* NULL: any */
    const char *source_url; /* NULL: any */
    bool has_since, has_until, has_cursor;
    int64_t since_us, until_us;   /* registered_at in [since, until) */
    int64_t cursor_us, cursor_id; /* keyset: strictly after (registered_at, id) */
    unsigned limit;
    size_t max_bytes; /* the reply budget: rows past it are not fetched (db/exec.h DB_PAGE) */
};

/* Strings item_row_record formats for a row. */
struct item_strings {
    char signature[SIG_VALUE_MAX];
    char registered_at[RFC3339_US_LEN + 1];
};

/* The log record of a stored registration, the one definition that the sequencer hashes into
 * leaves and receipts serve; strings point into row and buf. */
void item_row_record(const struct item_row *row, struct item_record *rec, struct item_strings *buf);

/* Appends the record as canonical JSON (RFC 8785), the exact bytes its log leaf hashes:
 * {"content_hash","metadata","registered_at","signature":{<key_field>,"scheme","value"}}. */
void item_record_write(struct buf *out, const struct item_record *r);

/* Parses "sha256:<64 lowercase hex>" into out. */
bool item_parse_content_hash(const char *s, uint8_t out[SHA256_LEN])
    __attribute__((warn_unused_result));

#endif
