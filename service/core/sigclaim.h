/* SPDX-License-Identifier: Apache-2.0 */
/* The "signature" object of a signed request: {"scheme", "public_key" or "address", "value"},
 * in any scheme provd accepts (crypto/sig.h), decoded and checked for form. */
#ifndef PROVD_CORE_SIGCLAIM_H
#define PROVD_CORE_SIGCLAIM_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "core/problem.h"
#include "crypto/sig.h"

#define SIGNER_MAX_LEN 128

struct sig_claim {
    enum sig_scheme scheme;
    uint8_t public_key[72]; /* the key, or the 20-byte address for Ethereum schemes */
    size_t public_key_len;
    char signer[SIGNER_MAX_LEN]; /* signer identity (sig_format_identity) */
    uint8_t signature[128];
    size_t signature_len;
};

/* Parses root's "signature" member into out; err names the field at fault. */
bool sig_claim_parse(json_t *root, struct sig_claim *out, struct problem *err)
    __attribute__((warn_unused_result));
/* Verifies the claim over msg (the statement, or its EIP-712 digest for eip712);
 * PROBLEM_SIGNATURE_INVALID otherwise. */
bool sig_claim_verify(const struct sig_claim *c, const uint8_t *msg, size_t len,
                      struct problem *err) __attribute__((warn_unused_result));

/* Appends a stored signature as a record shows it: "signature":{<key_field>:signer,"scheme",
 * "value"}, canonical (JCS) JSON. signature_hex is the raw signature in hex. */
void sig_record_write(struct buf *out, const char *scheme, const char *signer,
                      const char *signature_hex);

#endif
