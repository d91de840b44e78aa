/* SPDX-License-Identifier: Apache-2.0 */
/* Registrations: storing signed items, one or a batch, and reading them back (by id, by content
 * hash, filtered lists). Requests arrive parsed (core/item.h item_read); their signatures are
 * checked here, after the signer policy, so that refusing an unknown signer costs no signature
 * check. */
#ifndef PROVD_REGISTRY_ITEMS_H
#define PROVD_REGISTRY_ITEMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/item.h"
#include "db/datasets.h"
#include "db/models.h"
#include "core/problem.h"
#include "registry/grouper.h"
#include "registry/registry.h"

#define REGISTER_BATCH_MAX      1000 /* registrations in one batch */
#define PROVENANCE_MAX_ROWS     1000 /* registrations in one provenance reply */
#define LOOKUP_MAX              1000 /* content hashes in one provenance lookup */
#define LOOKUP_PER_HASH         10   /* registrations per hash in a lookup reply */
#define PROVENANCE_MAX_DATASETS 100  /* sealed datasets listed in one provenance reply */
#define LOOKUP_DATASETS         10   /* ... per hash in a lookup reply */

/* What is known of a content hash: its registrations, and the sealed datasets containing it
 * and the models trained on them (one row more than the limit tells that a list was cut). */
struct provenance {
    struct item_rows items;
    struct dataset_uses datasets; /* ordered by lookup position, then by seal */
    struct model_uses models;     /* trained on those datasets: by lookup, then registration */
    size_t *first; /* lookups of many: per requested hash, where it first appears (owned) */
};

void provenance_free(struct provenance *p);

/* One element of a batch: the caller parses it into req (or sets err when it is invalid); the
 * registry fills rows (one row) or err. */
struct register_entry {
    struct item_request req; /* owned; all zero unless parsed (freeing is safe either way) */
    struct problem err;      /* code != PROBLEM_NONE: this element failed */
    struct item_rows rows;   /* its stored registration */
};

/* Refuses the parsed entries (err.code == PROBLEM_NONE) whose signer must be known and is not,
 * in one query for them all and before any signature check; checks the other signatures; stores
 * the valid entries in one transaction whose inserts are pipelined, then resolves on its own each
 * that got no row (revoked or unknown signer, or a concurrent insert) as registry_register would; a
 * failure after the commit concerns that element alone. False (p set, nothing stored) when the
 * batch as a whole failed. */
bool registry_register_batch(struct registry *reg, struct register_entry *e, size_t n, bool keyless,
                             struct problem *p) __attribute__((warn_unused_result));
void register_entries_free(struct register_entry *e, size_t n);

#define COMMIT_GROUP_MAX 256 /* registrations in one group commit */
#define LOOKUP_GROUP_MAX 64  /* single provenance lookups in one query */

/* A single registration waiting for its commit (registry/grouper.h). */
struct register_job {
    struct group_job g;      /* g.done and g.arg are the submitter's */
    bool keyless;            /* registry_register_admit */
    struct register_entry e; /* e.req: the checked request; then e.rows (one row) or e.err */
};

/* A single provenance lookup waiting for its query (registry/grouper.h). */
struct provenance_job {
    struct group_job g;       /* g.done and g.arg are the submitter's */
    uint8_t hash[SHA256_LEN]; /* set by the submitter, with */
    unsigned limit;           /* registrations at most */
    size_t max_bytes;         /* no more than a reply of this many bytes shows */
    struct provenance prov;   /* then this, or */
    struct problem err;       /* err.code != PROBLEM_NONE: why not */
};

/* Starts the group committer with threads committers and the provenance lookups' grouper with
 * lookups threads (registry/grouper.h); false when that fails. Until they run,
 * registry_register_queue and registry_provenance_queue refuse every job (503). */
bool registry_start_groups(struct registry *reg, unsigned threads, unsigned lookups)
    __attribute__((warn_unused_result));

/* Single registrations, in two steps.
 * registry_register_admit: on the calling thread, the signer policy first (when the signer must
 * be known, because of --require-known-signer or keyless, i.e. the request came without an API
 * key under --open-registration: one query) and then the signature of job->e.req (read by
 * item_read): false with job->e.err set when it is refused (signer unknown, signature,
 * database).
 * registry_register_queue: hands an admitted job to the committer; job->done runs on a
 * committer thread once the job's group is committed, job->e.rows holding its one row (created
 * tells whether it is new or was stored before), or once it failed, job->e.err saying why (signer
 * revoked or unknown, database: nothing is acknowledged that is not committed). When the
 * committer is not running, job->done runs at once, on the calling thread, with a 503. */
bool registry_register_admit(struct registry *reg, struct register_job *job)
    __attribute__((warn_unused_result));
void registry_register_queue(struct registry *reg, struct register_job *job);

/* The registration with id: PROBLEM_ITEM_NOT_FOUND when there is none. */
bool registry_item_get(struct registry *reg, int64_t id, struct item_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* A page of f (f->limit rows at most). */
bool registry_items_list(struct registry *reg, const struct item_filter *f, struct item_rows *out,
                         struct problem *p) __attribute__((warn_unused_result));
/* What is known of job->hash: its registrations, oldest first, at most job->limit and no more
 * than a reply of job->max_bytes can show, the sealed datasets containing it and the models
 * trained on them (PROVENANCE_MAX_DATASETS + 1 of each at most). Lookups queued meanwhile share one
 * query. job->g.done runs on a lookup thread with job->prov filled, or with job->err set:
 * PROBLEM_PROVENANCE_NOT_FOUND when nothing is registered, or a database problem. When the
 * lookups' grouper is not running, job->g.done runs at once, on the calling thread, with a 503.
 * The caller frees job->prov (provenance_free) either way. */
void registry_provenance_queue(struct registry *reg, struct provenance_job *job);
/* The oldest registrations (at most limit each, with their metadata as far as a reply of
 * max_bytes can show them: db_item_by_content_hashes) of n content hashes, each distinct hash
 * looked up once: out->first[i] is the position where hashes[i] first appears, and rows are
 * ordered by their hash's 1-based rank among the distinct hashes in order of first appearance
 * (item_row.lookup, dataset_use.lookup, model_use.lookup), then by registration. */
bool registry_provenance_many(struct registry *reg, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                              unsigned limit, size_t max_bytes, struct provenance *out,
                              struct problem *p) __attribute__((warn_unused_result));

#endif
