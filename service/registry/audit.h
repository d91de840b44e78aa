/* SPDX-License-Identifier: Apache-2.0 */
/* The ingestion audit of a dataset (core/audit.h), evaluated over all its members in one
 * snapshot with set-based queries of AUDIT_CHUNK members each, never a query per member.
 *
 * As of the seal: once the dataset record is logged, only registrations with a lower log
 * index count, anchors only when they cover the registration but not the dataset record, and
 * the signer registry as it was when the dataset was sealed, so the answer never changes (but
 * for anchors of those trees that get confirmed later). Before that, the current state.
 *
 * A settled audit is a function of the dataset and of the highest confirmed anchor below its
 * record, so its totals are cached (struct audit_cache) under both: lineage and attestations of
 * models trained on large datasets, and audits with no failure to list, read no members. */
#ifndef PROVD_REGISTRY_AUDIT_H
#define PROVD_REGISTRY_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/audit.h"
#include "db/datasets.h"
#include "registry/registry.h"
#include "util/jsonw.h"

#define AUDIT_CHUNK        25000
#define AUDIT_PAGE_DEFAULT 100
#define AUDIT_PAGE_MAX     1000

struct audit_report {
    struct dataset_rows dataset; /* the dataset, one row */
    bool final;                  /* as of the logged seal: the answer is settled */
    struct audit_as_of as_of;
    uint64_t members, passing, failing;
    uint64_t by_reason[AUDIT_REASONS]; /* failing members with each reason */
    struct audit_member *failures;     /* failing members after the cursor, in order */
    size_t n_failures, cap_failures;
    bool more; /* failing members follow the last one listed */
    bool oom;
};

/* Audits dataset id, listing up to limit failing members with a position above after (-1: from
 * the first). The caller frees out with audit_report_free (also after a failure). */
bool registry_dataset_audit(struct registry *reg, int64_t id, int64_t after, unsigned limit,
                            struct audit_report *out, struct problem *p)
    __attribute__((warn_unused_result));
void audit_report_free(struct audit_report *r);
/* Writes r's "members", "passing", "failing" and "by_reason" members (inside an open object). */
void audit_totals_write(struct jsonw *w, const struct audit_report *r);

#endif
