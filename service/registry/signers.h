/* SPDX-License-Identifier: Apache-2.0 */
/* The signer registry: who stands behind a signer identity, and its revocation. Registration
 * consults it (signer policy in registry/items.c). */
#ifndef PROVD_REGISTRY_SIGNERS_H
#define PROVD_REGISTRY_SIGNERS_H

#include <stdbool.h>

#include "core/problem.h"
#include "core/signer.h"
#include "registry/registry.h"

/* Registers f (validated by the caller); PROBLEM_SIGNER_EXISTS when the identity is known. On
 * success out holds the one stored signer (caller frees). */
bool registry_signer_create(struct registry *reg, const struct signer_fields *f,
                            struct signer_rows *out, struct problem *p)
    __attribute__((warn_unused_result));
/* The signer with identity (normalized); PROBLEM_SIGNER_NOT_FOUND when there is none. */
bool registry_signer_get(struct registry *reg, const char *identity, struct signer_rows *out,
                         struct problem *p) __attribute__((warn_unused_result));
/* Revokes the signer (once: revoking again keeps the first time) and returns it. */
bool registry_signer_revoke(struct registry *reg, const char *identity, struct signer_rows *out,
                            struct problem *p) __attribute__((warn_unused_result));
/* Up to limit signers with an identity above after ("" for the start), by identity, and no more
 * than a reply of max_bytes can show. */
bool registry_signers_list(struct registry *reg, const char *after, unsigned limit,
                           size_t max_bytes, struct signer_rows *out, struct problem *p)
    __attribute__((warn_unused_result));

/* Whether signer may sign now: err->code PROBLEM_SIGNER_REVOKED, PROBLEM_SIGNER_UNKNOWN (only
 * when require_known; keyless says why in the detail), or PROBLEM_NONE. */
/* Sets err to PROBLEM_SIGNER_UNKNOWN for signer (keyless: the request had no API key); false. */
bool signer_unknown(struct problem *err, const char *signer, bool keyless);
enum db_status signer_refusal(struct db_conn *conn, const char *signer, bool require_known,
                              bool keyless, struct problem *err)
    __attribute__((warn_unused_result));

#endif
