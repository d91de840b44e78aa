/* SPDX-License-Identifier: Apache-2.0 */
/* Witness cosignatures on checkpoints (C2SP tlog-cosignature, Ed25519 "cosignature/v1"), and
 * the add-checkpoint request of C2SP tlog-witness. Pure: no I/O, no allocation except where a
 * function says so.
 *
 *  key id     first 4 bytes of SHA-256(name || "\n" || 0x04 || 32-byte Ed25519 public key)
 *  vkey       <name>+<8 hex key id>+<base64(0x04 || public key)>
 *  line       "— <name> <base64(key id (4) || timestamp (8, big-endian) || signature (64))>\n"
 *  signed     "cosignature/v1\ntime <timestamp, decimal, no leading zeros>\n" || checkpoint body
 *             (the note text up to and including its last newline, no signature lines)
 *  timestamp  POSIX seconds, at most 2^63 - 1
 *  request    "old <size>\n" || one base64 hash per line (consistency proof, at most 63)
 *             || "\n" || the signed checkpoint note
 *
 * A note here is a C2SP signed note: body, an empty line, then signature lines each starting
 * with U+2014 EM DASH and a space and ending in '\n'. Lines whose name or key id match none of
 * the configured witnesses are ignored, as the spec requires. */
#ifndef PROVD_TLOG_COSIG_H
#define PROVD_TLOG_COSIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

/* Upper bound on the proof lines of an add-checkpoint request (tlog-witness). */
#define COSIG_PROOF_MAX 63
/* Largest accepted timestamp (tlog-cosignature: MUST NOT exceed 2^63 - 1). */
#define COSIG_TIMESTAMP_MAX ((uint64_t)INT64_MAX)

/* A witness's verifier key. Plain value, owns nothing. */
struct cosig_key {
    char name[NOTE_NAME_MAX];
    uint32_t id;
    uint8_t public_key[32];
};

/* Parses a cosignature/v1 vkey (surrounding whitespace allowed): a valid name (note_name_valid),
 * 8 hex digits, base64 of 33 bytes starting with the signature type 0x04; the id must equal the
 * key id computed from name and key. False (and *k unspecified) otherwise. */
bool cosig_key_parse(const char *vkey, struct cosig_key *k) __attribute__((warn_unused_result));
/* Appends the vkey of k (no newline) to out. */
void cosig_key_format(const struct cosig_key *k, struct buf *out);
/* The "<name>+<8 hex id>" label of k for messages (out holds NOTE_NAME_MAX + 10 bytes). */
void cosig_key_label(const struct cosig_key *k, char *out, size_t out_len);

/* Parses a worker's "--witness URL+VKEY": the vkey is the last three '+'-separated fields
 * (found from the end, since its base64 may hold '+'), URL everything before them (it must start
 * with http:// or https://, have a host, and hold no spaces or control characters). On success *url
 * is a new NUL-terminated string the caller frees; on failure *url is NULL. */
bool cosig_witness_parse(const char *spec, char **url, struct cosig_key *k)
    __attribute__((warn_unused_result));

/* How one signature line relates to a key. */
enum cosig_line_result {
    COSIG_LINE_VALID = 0, /* a cosignature/v1 by the key over the body */
    COSIG_LINE_OTHER,     /* well formed, but another name or key id: ignore it */
    COSIG_LINE_INVALID,   /* the key's name and id, but a bad encoding, timestamp or signature */
    COSIG_LINE_MALFORMED, /* not a signature line ("— <name> <base64>\n") */
};

/* Checks one signature line (line[0..line_len), the final '\n' included) as a cosignature of
 * the checkpoint body body[0..body_len) by k. On COSIG_LINE_VALID, *timestamp (may be NULL)
 * receives the cosignature's time. Timestamps in the future are not rejected here. */
enum cosig_line_result cosig_line_check(const struct cosig_key *k, const char *body,
                                        size_t body_len, const char *line, size_t line_len,
                                        uint64_t *timestamp) __attribute__((warn_unused_result));

/* Splits a signed note: *body_len receives the length of its body (up to and including the
 * newline before the empty line), *sigs_off the offset of its first signature line (body_len + 1).
 * False when note is not one: no empty line followed by a line, no final '\n', or a NUL byte.
 * No allocation; the result indexes into note. */
bool cosig_note_split(const char *note, size_t len, size_t *body_len, size_t *sigs_off)
    __attribute__((warn_unused_result));
/* Iterates over the lines of text[0..len) from *off: on true, *line and *line_len (the '\n'
 * included) give the next line and *off moves past it. False at the end, or when the rest has
 * no final '\n'. Use it on a note from sigs_off, or on a witness's 200 response body. */
bool cosig_line_next(const char *text, size_t len, size_t *off, const char **line, size_t *line_len)
    __attribute__((warn_unused_result));

/* Counts the distinct keys of keys[0..n) that have a valid cosignature line in note (a signed
 * note as above, e.g. a receipt's checkpoint with cosignature lines appended). Lines of unknown
 * keys, including the log's own signature, are ignored. When per_key is not NULL it receives n
 * entries: VALID, INVALID (a line with the key's name and id that does not verify, and no valid
 * one), or OTHER (no line of that key). A note that does not split yields 0 and all OTHER.
 * Listing the same key twice counts it once. */
size_t cosig_verify(const struct cosig_key *keys, size_t n, const char *note, size_t len,
                    enum cosig_line_result *per_key);

/* Appends the body of an add-checkpoint request to out: the old size line, the proof hashes
 * (proof_len <= COSIG_PROOF_MAX; empty when old_size is 0), an empty line, then note (the
 * log-signed checkpoint, copied as is). False, out unchanged in length, on bad arguments or
 * when out ran out of memory. */
bool cosig_request_format(uint64_t old_size, const uint8_t (*proof)[MERKLE_HASH_LEN],
                          size_t proof_len, const char *note, size_t note_len, struct buf *out)
    __attribute__((warn_unused_result));

#endif
