/* SPDX-License-Identifier: Apache-2.0 */
/* The service's own state, for operators: anchors on chain (read side), readiness and gauges. */
#ifndef PROVD_REGISTRY_STATUS_H
#define PROVD_REGISTRY_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/anchor.h"
#include "core/gauges.h"
#include "core/problem.h"
#include "registry/registry.h"

/* Up to limit anchors with an id below before (0: from the newest), newest first. */
bool registry_anchors_list(struct registry *reg, int64_t before, unsigned limit,
                           struct anchor_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* The anchor with id; PROBLEM_ANCHOR_NOT_FOUND when there is none. */
bool registry_anchor_get(struct registry *reg, int64_t id, struct anchor_rows *out,
                         struct problem *p) __attribute__((warn_unused_result));

/* Ready when the database answers with the schema this binary expects; otherwise
 * PROBLEM_NOT_READY saying why. *version receives the schema version. */
bool registry_ready(struct registry *reg, int *version, struct problem *p)
    __attribute__((warn_unused_result));

/* The log and anchor gauges; false when the database did not answer (out empty). */
bool registry_gauges(struct registry *reg, struct gauges *out) __attribute__((warn_unused_result));

#endif
