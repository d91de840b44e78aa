/* SPDX-License-Identifier: Apache-2.0 */
/* AI usage preferences: a registration's metadata.content_usage, the value an HTTP
 * Content-Usage field carries (IETF AIPREF: draft-ietf-aipref-vocab, draft-ietf-aipref-attach).
 *
 * The value is an RFC 9651 Dictionary such as "train-ai=n, search=y", parsed as RFC 9651 §4.2
 * says: every bare item type, parameters and inner lists are read and then ignored, and a
 * repeated key keeps its last value. A key of the AIPREF vocabulary (train-ai, search, and the
 * earlier drafts' train-genai, ai-use, ai-output, bots) must end up with the token y or n: the
 * drafts would read anything else as "unknown", provd refuses it so that a registration says what
 * it means. Other keys are ignored. Pure: no allocation, no I/O. */
#ifndef PROVD_CORE_USAGE_H
#define PROVD_CORE_USAGE_H

#include <stdbool.h>
#include <stddef.h>

#define USAGE_MAX_LEN 1024 /* bytes of a content_usage value */

enum usage_pref { USAGE_UNSET = 0, USAGE_ALLOW, USAGE_DENY };

/* The preferences provd acts on (y: USAGE_ALLOW, n: USAGE_DENY, absent: USAGE_UNSET). */
struct content_usage {
    enum usage_pref train_ai, train_genai;
};

/* Parses an AIPREF Content-Usage value (NUL-terminated, at most USAGE_MAX_LEN bytes of printable
 * ASCII, HTAB allowed where RFC 9651 allows it). False with a one-line reason in err (e.g.
 * "content_usage: train-ai must be the token y or n") when it is not one; an empty value is not
 * one. *out is all USAGE_UNSET on failure. */
bool usage_parse(const char *s, struct content_usage *out, char *err, size_t err_len)
    __attribute__((warn_unused_result));
/* True when u refuses the training: train-ai is n; and, for a generative model, also when
 * train-genai is n (train-genai unset inherits train-ai, the vocabulary's subset rule, which the
 * first case already covers). train-genai=y does not lift train-ai=n: the current draft's
 * train-ai itself names generative training. */
bool usage_refuses(const struct content_usage *u, bool generative);

#endif
