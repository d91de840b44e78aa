/* SPDX-License-Identifier: Apache-2.0 */
/* The ingestion audit of a dataset: which members meet its policy. Pure: the caller streams the
 * rows (each member with the registrations that count for it, in log order) and gets each
 * member's verdict.
 *
 * A registration qualifies when it meets every requirement of the policy: logged
 * (require_logged), covered by a confirmed anchor (require_anchored), signed by a known
 * (require_known_signer) and unrevoked signer, and with a metadata.license expression that the
 * policy's licences satisfy (licenses). A member passes when one of its registrations
 * qualifies and, with respect_content_usage, no signer's governing preference refuses the
 * training: a signer's governing preference is the content_usage of its latest registration that
 * has one. A failing member's reasons are unregistered (nothing counts), usage_refused, and the
 * union of its registrations' reasons. */
#ifndef PROVD_CORE_AUDIT_H
#define PROVD_CORE_AUDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/dataset.h"
#include "core/sigclaim.h"
#include "crypto/hash.h"

enum audit_reason {
    AUDIT_UNREGISTERED = 1u << 0,
    AUDIT_UNLOGGED = 1u << 1,
    AUDIT_UNANCHORED = 1u << 2,
    AUDIT_LICENSE = 1u << 3,
    AUDIT_UNKNOWN_SIGNER = 1u << 4,
    AUDIT_REVOKED = 1u << 5,
    AUDIT_USAGE_REFUSED = 1u << 6,
};
#define AUDIT_REASONS 7

/* "unregistered", "unlogged", … for reason bit i (0 ≤ i < AUDIT_REASONS). */
const char *audit_reason_name(unsigned i);

/* One row of the scan: a member with one registration that counts, or with none. Strings
 * borrowed for the call. */
struct audit_row {
    uint64_t position;
    int64_t item_id;
    uint64_t log_index;
    const char *signer;
    const char *license;       /* metadata.license, NULL when absent */
    const char *content_usage; /* metadata.content_usage, NULL when absent */
    uint8_t content_hash[SHA256_LEN];
    bool registered; /* false: no registration counts (then this is the member's only row) */
    bool logged;
    bool known, revoked, anchored;
};

/* The reasons one registration does not qualify (0: it does). */
unsigned audit_registration(const struct dataset_policy *p, const struct audit_row *r);

#define AUDIT_REGS_SHOWN 10 /* registrations kept per failing member */

struct audit_reg {
    int64_t item_id;
    char signer[SIGNER_MAX_LEN];
    bool logged;
    uint64_t log_index;
    char *license, *content_usage; /* owned, NULL when absent */
    unsigned reasons;
};

/* A member's verdict; owned strings (audit_member_free). */
struct audit_member {
    uint64_t position;
    uint8_t content_hash[SHA256_LEN];
    unsigned reasons; /* 0: passes */
    size_t n_regs;    /* registrations considered */
    size_t n_shown;
    struct audit_reg *regs; /* owned, room for AUDIT_REGS_SHOWN; NULL without registrations */
};

void audit_member_free(struct audit_member *m);

/* Folds the rows of consecutive members. */
struct audit_fold {
    const struct dataset_policy *policy;
    bool open; /* a member is being folded */
    struct audit_member m;
    bool qualified; /* one of its registrations qualifies */
    unsigned regs_reasons;
    struct usage_signer {
        char signer[SIGNER_MAX_LEN];
        bool refuses;
    } * signers;
    size_t n_signers, cap_signers;
    bool oom;
};

void audit_fold_init(struct audit_fold *f, const struct dataset_policy *policy);
void audit_fold_free(struct audit_fold *f);
/* Adds a row. When it begins another member, the previous one is complete: true with it moved
 * into *done (which the caller then owns). */
bool audit_fold_add(struct audit_fold *f, const struct audit_row *r, struct audit_member *done);
/* Ends the scan: true with the last member in *done, false when there was none. */
bool audit_fold_finish(struct audit_fold *f, struct audit_member *done);

#endif
