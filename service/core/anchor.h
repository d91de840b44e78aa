/* SPDX-License-Identifier: Apache-2.0 */
/* An anchor: one checkpoint committed to Ethereum, as the worker tracks it (struct anchor, with
 * every signed attempt) and as the API shows it (struct anchor_row). The state machine that
 * drives it lives in anchor/tracker.h; db/anchors.h stores it. */
#ifndef PROVD_CORE_ANCHOR_H
#define PROVD_CORE_ANCHOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/rows.h"

enum anchor_status { ANCHOR_PENDING, ANCHOR_SUBMITTED, ANCHOR_MINED, ANCHOR_CONFIRMED };

struct anchor_attempt {
    int number; /* 1, 2, … in signing order */
    uint64_t nonce;
    uint64_t max_fee, tip; /* wei per gas */
    uint8_t hash[32];
    struct buf raw;      /* the signed transaction: owned */
    bool sent;           /* a node accepted it (or already had it) */
    uint64_t sent_block; /* chain head when it was first accepted */
    bool underpriced;    /* the node refused it as underpriced (not persisted) */
};

struct anchor {
    int64_t id;
    uint64_t chain_id;
    uint64_t tree_size;
    uint8_t root[32];
    struct buf calldata; /* owned */
    enum anchor_status status;
    bool has_nonce;
    uint64_t nonce;
    uint64_t gas_limit; /* 0 until estimated */
    struct anchor_attempt *attempts;
    size_t n_attempts;
    uint8_t tx_hash[32]; /* the mined attempt (mined, confirmed) */
    uint64_t block_number;
    uint8_t block_hash[32];
    uint64_t confirmations; /* head - block_number + 1 when last checked */
    char last_error[256];   /* "" when none */
};

const char *anchor_status_name(enum anchor_status s);
bool anchor_status_parse(const char *s, enum anchor_status *out)
    __attribute__((warn_unused_result));
/* Adds an attempt (raw moved in). False when out of memory. */
bool anchor_add_attempt(struct anchor *a, struct anchor_attempt *at)
    __attribute__((warn_unused_result));
void anchor_free(struct anchor *a);

/* An anchor as the API shows it (GET /v1/anchors, receipts); strings borrowed from the rows'
 * owner. Hex strings have no 0x; absent values are NULL or have their has_ flag false. */
struct anchor_row {
    int64_t id;
    uint64_t chain_id;
    const char *sender_hex, *recipient_hex; /* 40 hex digits */
    uint64_t tree_size;
    const char *root_hex;
    const char *calldata_hex;
    const char *status; /* anchor_status_name */
    bool has_nonce;
    uint64_t nonce;
    uint64_t attempts;
    const char *tx_hash_hex; /* NULL until mined */
    bool has_block;
    uint64_t block_number;
    const char *block_hash_hex; /* NULL until mined */
    bool has_confirmations;
    uint64_t confirmations;
    const char *last_error;         /* NULL when none */
    int64_t created_us, updated_us; /* microseconds since the epoch */
    bool has_submitted, has_mined, has_confirmed;
    int64_t submitted_us, mined_us, confirmed_us;
};

struct anchor_rows {
    struct anchor_row *v;
    size_t n;
    struct rows_owner owner;
};

/* Releases the rows and their strings; r is empty afterwards. */
void anchor_rows_free(struct anchor_rows *r);

#endif
