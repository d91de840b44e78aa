/* SPDX-License-Identifier: Apache-2.0 */
/* C2SP signed notes with Ed25519 keys, and tlog checkpoints.
 *
 *  key id     first 4 bytes of SHA-256(name || "\n" || 0x01 || public key), big-endian
 *  vkey       <name>+<8 hex key id>+<base64(0x01 || public key)>
 *  key file   PRIVATE+KEY+<name>+<8 hex key id>+<base64(0x01 || 32-byte seed)>
 *  note       <text, ending in \n>\n— <name> <base64(key id || signature over text)>\n
 *  checkpoint text  <origin>\n<tree size>\n<base64 root hash>\n
 * (base64 is standard with padding, as in the Go reference implementation.) */
#ifndef PROVD_TLOG_NOTE_H
#define PROVD_TLOG_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "tlog/merkle.h"

#define NOTE_NAME_MAX 256

struct note_key {
    char name[NOTE_NAME_MAX];
    uint32_t id;
    uint8_t public_key[32];
    uint8_t secret_key[64]; /* libsodium form (seed || public key); zero when verify-only */
    bool has_secret;
};

/* The key id of a key of signature type alg (0x01 Ed25519, 0x04 cosignature/v1): the first 4
 * bytes, big-endian, of SHA-256(name || "\n" || alg || public key). name is valid and at most
 * NOTE_NAME_MAX - 1 bytes. */
uint32_t note_key_id(const char *name, uint8_t alg, const uint8_t pub[32]);
/* A valid key name: non-empty, printable ASCII without '+' or spaces. */
bool note_name_valid(const char *name);
/* Fresh key named name. */
bool note_key_generate(const char *name, struct note_key *key) __attribute__((warn_unused_result));
/* Key file text (with trailing newline) / verifier key (no newline) into out. */
void note_key_format_private(const struct note_key *key, struct buf *out);
void note_key_format_vkey(const struct note_key *key, struct buf *out);
/* Parses a key file (surrounding whitespace allowed) or a vkey. */
bool note_key_parse_private(const char *text, struct note_key *key)
    __attribute__((warn_unused_result));
bool note_key_parse_vkey(const char *text, struct note_key *key)
    __attribute__((warn_unused_result));

/* Appends the signed note for text (which must end in '\n') to out. */
bool note_sign(const struct note_key *key, const char *text, size_t len, struct buf *out)
    __attribute__((warn_unused_result));
/* Checks that note carries a valid signature by key; *text_len receives the length of the
 * signed text (which starts the note). False with a reason in err otherwise. */
bool note_verify(const struct note_key *key, const char *note, size_t len, size_t *text_len,
                 char *err, size_t err_len) __attribute__((warn_unused_result));

/* Checkpoint body for origin, size and root. */
void checkpoint_format(const char *origin, uint64_t size, const uint8_t root[MERKLE_HASH_LEN],
                       struct buf *out);
/* Parses a checkpoint body (the first three lines; further extension lines are allowed). */
bool checkpoint_parse(const char *text, size_t len, char origin[NOTE_NAME_MAX], uint64_t *size,
                      uint8_t root[MERKLE_HASH_LEN]) __attribute__((warn_unused_result));

#endif
