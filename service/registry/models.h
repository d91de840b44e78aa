/* SPDX-License-Identifier: Apache-2.0 */
/* Models (core/model.h): registration, reads, receipts, lineage, proofs that a content item was
 * in a model's training data, and in-toto attestations of a model's lineage.
 *
 * DESIGN: a model names sealed datasets only, by id and members root, checked against the
 * stored datasets in the registration's transaction; sealed datasets never change, so the check
 * holds for ever. The sequencer logs a model record after the records of its datasets
 * (registry/sequencer.h), so a proof chains receipts in log order: registrations, then the
 * dataset, then the model. */
#ifndef PROVD_REGISTRY_MODELS_H
#define PROVD_REGISTRY_MODELS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/model.h"
#include "db/models.h"
#include "registry/audit.h"
#include "registry/datasets.h"
#include "registry/receipts.h"
#include "registry/registry.h"
#include "tlog/note.h"
#include "util/jsonw.h"

#define MODEL_LIST_MAX            1000
#define MODEL_PROOF_REGISTRATIONS 10 /* registration receipts in a proof */
#define MODEL_PREDICATE_TYPE      "https://provd.dev/attestation/model-lineage/v1"

/* Stores req (or finds it stored before: out->v[0].created tells). PROBLEM_MODEL_DATASET names
 * the first dataset that is unknown, open or has another root. */
bool registry_model_register(struct registry *reg, const struct model_request *req, int64_t key_id,
                             struct model_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* PROBLEM_MODEL_NOT_FOUND when there is none. */
bool registry_model_get(struct registry *reg, int64_t id, struct model_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
bool registry_models_list(struct registry *reg, const struct model_filter *f,
                          struct model_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
bool registry_model_receipt(struct registry *reg, int64_t id, struct receipt *out,
                            struct problem *p) __attribute__((warn_unused_result));

/* A model, its datasets in its order and each one's audit. */
struct model_lineage {
    struct model_rows model;
    struct dataset_rows datasets;
    struct audit_report *audits; /* one per dataset */
    uint64_t members, passing, failing;
};

bool registry_model_lineage(struct registry *reg, int64_t id, struct model_lineage *out,
                            struct problem *p) __attribute__((warn_unused_result));
void model_lineage_free(struct model_lineage *l);
/* Writes the lineage's "datasets" and "totals" members (inside an open object). */
void model_lineage_write(struct jsonw *w, const struct model_lineage *l);

/* The chain from a content item to a model: the model's receipt, the membership proof (with the
 * dataset's receipt) in the first of the model's datasets that contains it, and the receipts of
 * its registrations logged before that dataset's record. */
struct model_proof {
    struct receipt model;
    int64_t dataset_id;
    struct membership_proof membership;
    struct receipt registrations[MODEL_PROOF_REGISTRATIONS];
    size_t n_registrations;
    bool logged; /* every receipt is logged */
};

/* PROBLEM_NOT_A_MEMBER when no dataset of the model contains hash. The caller frees out with
 * model_proof_free (also after a failure). */
bool registry_model_proof(struct registry *reg, int64_t id, const uint8_t hash[SHA256_LEN],
                          struct model_proof *out, struct problem *p)
    __attribute__((warn_unused_result));
void model_proof_free(struct model_proof *m);

/* The DSSE envelope of the model's in-toto attestation, signed with key (the log's), into out.
 * *pending is set (nothing written) while the model record is not yet covered by a
 * checkpoint; PROBLEM_ATTESTATION_UNAVAILABLE when key is NULL or not the log's. */
bool registry_model_attestation(struct registry *reg, int64_t id, const struct note_key *key,
                                struct buf *out, bool *pending, struct problem *p)
    __attribute__((warn_unused_result));

#endif
