/* SPDX-License-Identifier: Apache-2.0 */
/* Witness cosigning as stored (sql/0009_witness.sql): what GET /metrics shows of each witness. */
#ifndef PROVD_CORE_WITNESS_H
#define PROVD_CORE_WITNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/rows.h"

/* One active witness. Strings borrowed from the owner of the enclosing rows. */
struct witness_status {
    const char *name;
    uint32_t key_id;
    bool has_cosigned;
    uint64_t cosigned_size; /* the latest tree size it cosigned (has_cosigned) */
    const char *age_s;      /* seconds since that cosignature, decimal; NULL without one */
};

/* Failures of one active witness for one reason (registry/witness.h names the reasons). */
struct witness_failure {
    const char *name, *reason;
    uint32_t key_id;
    uint64_t count;
};

/* Everything /metrics reports about witnesses; strings borrowed from owner. */
struct witness_gauges {
    struct witness_status *w; /* owned */
    size_t n;
    struct witness_failure *f; /* owned */
    size_t n_f;
    unsigned quorum;        /* 0: no witnesses configured */
    bool quorum_met;        /* the latest checkpoint has quorum cosignatures */
    uint64_t cosigned_size; /* largest tree size with quorum cosignatures, 0: none */
    struct rows_owner owner, owner_f;
};

/* Releases g's rows (g may be zeroed). */
void witness_gauges_free(struct witness_gauges *g);

#endif
