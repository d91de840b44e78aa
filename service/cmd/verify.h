/* Shared by the parts of provd verify. */
#ifndef PROVD_CMD_VERIFY_H
#define PROVD_CMD_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "tlog/merkle.h"
#include "tlog/note.h"

/* What the log half established, for the anchor half. */
struct verify_ctx {
    const struct note_key *key;
    uint64_t index, size;          /* the entry and the checkpoint's tree size */
    uint8_t root[MERKLE_HASH_LEN]; /* the checkpoint's root */
    const char *rpc_url;           /* NULL: offline */
    unsigned rpc_timeout_ms;
    unsigned depth; /* required confirmations; 0: finalized */
};

/* Prints "FAIL: …" to stderr and returns 1. */
int verify_reject(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A non-negative integer member (the receipt's numbers are parsed as doubles). */
bool verify_get_uint(json_t *obj, const char *key, uint64_t *out);
/* An array of lowercase hex hashes. */
bool verify_get_proof(json_t *arr, uint8_t (*proof)[MERKLE_HASH_LEN], size_t *n);
/* Checks the signature inside a logged record: an item's registration, a dataset's seal. */
int verify_record_signature(json_t *record);
/* Checks a dataset membership proof's member -> members root link (the record's root). */
int verify_membership(json_t *proof);
/* Checks the receipt's anchor section (0 ok, 1 rejected). */
int verify_anchor(const struct verify_ctx *v, json_t *receipt);

#endif
