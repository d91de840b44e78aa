/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the parts of provd verify. */
#ifndef PROVD_CMD_VERIFY_H
#define PROVD_CMD_VERIFY_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "cmd/config.h"
#include "tlog/cosig.h"
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
    /* --witness: cosigner keys (distinct; borrowed), and how many must have cosigned */
    const struct cosig_key *witnesses;
    size_t n_witnesses, quorum;
};

/* Names the link of a chain being checked ("model proof: registration 2"): every OK, WARN and
 * FAIL line printed until the next call says "<link>: " after its tag. NULL or "": none. */
void verify_link(const char *name);
/* Prints "FAIL: [link: ]…" to stderr and returns 1. */
int verify_reject(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "OK: [link: ]…" and a newline to stdout. */
void verify_ok(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints "WARN: [link: ]…" and a newline to stdout: worth knowing, not a failure. */
void verify_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A non-negative integer member (the receipt's numbers are parsed as doubles). */
bool verify_get_uint(json_t *obj, const char *key, uint64_t *out);
/* An array of lowercase hex hashes. */
bool verify_get_proof(json_t *arr, uint8_t (*proof)[MERKLE_HASH_LEN], size_t *n);
/* Checks a receipt (of an item, dataset or model record) in full: the leaf's inclusion under the
 * checkpoint signed by v->key, the record's signature, the anchor; v receives the entry, size
 * and root. 0 ok, 1 rejected. */
int verify_receipt(struct verify_ctx *v, json_t *receipt);
/* Checks the signature inside a logged record: an item's registration, a dataset's seal, a
 * model's registration. */
int verify_record_signature(json_t *record);
/* Checks that content_hash is the member at membership.position of membership.member_count
 * under membership.members_root (RFC 6962, leaf dataset_member_leaf). */
int verify_member(const char *content_hash, json_t *membership);
/* Checks that a dataset record commits to membership's members_root and member_count. */
int verify_dataset_commits(json_t *record, json_t *membership);
/* Checks a dataset membership proof's member -> members root link (the record's root). */
int verify_membership(json_t *proof);
/* Checks a model proof (GET /v1/models/{id}/proof) link by link, naming the first that fails. */
int verify_model_proof(struct verify_ctx *v, json_t *proof);
/* Parses verify's --witness keys into *keys (new array, caller frees; NULL when none), dropping
 * repeats; *required receives quorum, or their number when quorum is 0. 0 ok, 1 rejected. */
int verify_witness_keys(const struct config_list *vkeys, size_t quorum, struct cosig_key **keys,
                        size_t *n, size_t *required);
/* With witnesses configured, checks that checkpoint (a signed note) carries valid cosignatures
 * by v->quorum of them, and names those that did not (0 ok, 1 rejected); without, 0. */
int verify_witness_quorum(const struct verify_ctx *v, const char *checkpoint);
/* Checks the receipt's anchor section (0 ok, 1 rejected). */
int verify_anchor(const struct verify_ctx *v, json_t *receipt);

#endif
