/* SPDX-License-Identifier: Apache-2.0 */
/* Datasets (core/dataset.h): creation, appending members, sealing, reads, receipts and
 * membership proofs. Only the API key that created a dataset changes it.
 *
 * DESIGN: a dataset's members tree is stored as tiles like the log's (dataset_tiles), so an
 * append rebuilds only the tree's edge (a handful of tiles) and a membership proof reads a
 * handful of rows; the root is kept up to date by every append, so a seal never reads the
 * members. Appends and seals lock the dataset's row, so concurrent appends are serialised and
 * positions stay contiguous. */
#ifndef PROVD_REGISTRY_DATASETS_H
#define PROVD_REGISTRY_DATASETS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/dataset.h"
#include "db/datasets.h"
#include "registry/receipts.h"
#include "registry/registry.h"

#define DATASET_LIST_MAX    1000
#define DATASET_MEMBERS_MAX 10000 /* members per page */

bool registry_dataset_create(struct registry *reg, const struct dataset_create *c, int64_t key_id,
                             struct dataset_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* PROBLEM_DATASET_NOT_FOUND when there is none. */
bool registry_dataset_get(struct registry *reg, int64_t id, struct dataset_rows *out,
                          struct problem *p) __attribute__((warn_unused_result));
bool registry_datasets_list(struct registry *reg, const struct dataset_filter *f,
                            struct dataset_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* Deletes an open dataset (PROBLEM_DATASET_SEALED otherwise). */
bool registry_dataset_delete(struct registry *reg, int64_t id, int64_t key_id, struct problem *p)
    __attribute__((warn_unused_result));

struct dataset_append_result {
    uint64_t appended, duplicates; /* duplicates: already members, or repeated in the request */
    uint64_t member_count;
    char members_root_hex[2 * SHA256_LEN + 1]; /* "" while empty */
};

/* Appends the hashes not yet members, in order, all or none. */
bool registry_dataset_append(struct registry *reg, int64_t id, int64_t key_id,
                             const struct hash_list *hashes, struct dataset_append_result *out,
                             struct problem *p) __attribute__((warn_unused_result));
/* Compares the stated count and root with the dataset's (PROBLEM_DATASET_MISMATCH), verifies
 * the signature over the dataset statement, seals it and queues its record for the log. */
bool registry_dataset_seal(struct registry *reg, int64_t id, int64_t key_id,
                           const struct dataset_seal *seal, struct dataset_rows *out,
                           struct problem *p) __attribute__((warn_unused_result));

/* Members after position after (-1: from the first), at most limit (out holds limit). */
bool registry_dataset_members(struct registry *reg, int64_t id, int64_t after, unsigned limit,
                              struct dataset_member *out, size_t *n, struct problem *p)
    __attribute__((warn_unused_result));

/* The receipt of a sealed dataset's record (PROBLEM_DATASET_OPEN while open). */
bool registry_dataset_receipt(struct registry *reg, int64_t id, struct receipt *out,
                              struct problem *p) __attribute__((warn_unused_result));

struct membership_proof {
    uint64_t position, member_count;
    char members_root_hex[2 * SHA256_LEN + 1];
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    int n_proof;
    struct receipt dataset; /* the dataset record's receipt */
};

/* Proof that hash is a member of sealed dataset id (PROBLEM_NOT_A_MEMBER). The caller frees out
 * with membership_proof_free (also after a failure). */
bool registry_dataset_proof(struct registry *reg, int64_t id, const uint8_t hash[SHA256_LEN],
                            struct membership_proof *out, struct problem *p)
    __attribute__((warn_unused_result));
void membership_proof_free(struct membership_proof *m);
/* registry_dataset_proof on conn (out zeroed by the caller). */
bool registry_dataset_proof_on(struct registry *reg, struct db_conn *conn, int64_t id,
                               const uint8_t hash[SHA256_LEN], struct membership_proof *out,
                               struct problem *p) __attribute__((warn_unused_result));

#endif
