/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/cosig.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "crypto/hash.h"

#define ALG_COSIGNATURE_V1 0x04
#define SIG_PREFIX         "\xe2\x80\x94 " /* U+2014 EM DASH and a space */
#define SIG_PREFIX_LEN     4
#define COSIG_RAW_LEN      (4 + 8 + 64)     /* key id || timestamp || Ed25519 signature */
#define VKEY_TAIL_LEN      (1 + 8 + 1 + 44) /* "+<hex id>+<base64 of 33 bytes>" */
#define MSG_HEADER         "cosignature/v1\ntime "

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Parses "<name>+<8 hex>+<base64>" in text[0..len) (already trimmed) into k. */
static bool parse_vkey(const char *text, size_t len, struct cosig_key *k)
{
    const char *p1 = memchr(text, '+', len);
    const char *p2 = p1 ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - text)) : NULL;
    if (!p1 || !p2 || p1 == text || (size_t)(p1 - text) >= NOTE_NAME_MAX || p2 - p1 - 1 != 8)
        return false;
    memset(k, 0, sizeof *k);
    memcpy(k->name, text, (size_t)(p1 - text));
    uint8_t idb[4], raw[36];
    size_t n;
    if (!note_name_valid(k->name) || !hex_decode(p1 + 1, 8, idb, 4, false) ||
        !base64_decode(p2 + 1, len - (size_t)(p2 + 1 - text), raw, sizeof raw, &n) || n != 33 ||
        raw[0] != ALG_COSIGNATURE_V1)
        return false;
    memcpy(k->public_key, raw + 1, 32);
    k->id = be32(idb);
    return k->id == note_key_id(k->name, ALG_COSIGNATURE_V1, k->public_key);
}

bool cosig_key_parse(const char *vkey, struct cosig_key *k)
{
    while (isspace((unsigned char)*vkey))
        vkey++;
    size_t len = strlen(vkey);
    while (len && isspace((unsigned char)vkey[len - 1]))
        len--;
    return parse_vkey(vkey, len, k);
}

void cosig_key_format(const struct cosig_key *k, struct buf *out)
{
    uint8_t raw[33];
    char b64[48];
    raw[0] = ALG_COSIGNATURE_V1;
    memcpy(raw + 1, k->public_key, 32);
    base64_std_encode(raw, sizeof raw, b64);
    buf_printf(out, "%s+%08" PRIx32 "+%s", k->name, k->id, b64);
}

void cosig_key_label(const struct cosig_key *k, char *out, size_t out_len)
{
    snprintf(out, out_len, "%s+%08" PRIx32, k->name, k->id);
}

/* An http(s) URL with a host and no spaces or control characters. */
static bool url_valid(const char *url, size_t len)
{
    size_t scheme = 0;
    if (len > 7 && !strncmp(url, "http://", 7))
        scheme = 7;
    else if (len > 8 && !strncmp(url, "https://", 8))
        scheme = 8;
    if (!scheme || len == scheme || url[scheme] == '/')
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7f)
            return false;
    return true;
}

bool cosig_witness_parse(const char *spec, char **url, struct cosig_key *k)
{
    *url = NULL;
    size_t len = strlen(spec);
    /* base64 may hold '+', so count from the end: 44 base64 characters (33 bytes), '+', 8 hex
     * digits, '+', then the name back to the '+' that ends the URL (names hold no '+'). */
    if (len < VKEY_TAIL_LEN + 2 || spec[len - 45] != '+' || spec[len - VKEY_TAIL_LEN] != '+')
        return false;
    size_t i = len - VKEY_TAIL_LEN;
    while (i > 0 && spec[i - 1] != '+')
        i--;
    if (i < 2 || !url_valid(spec, i - 1) || !parse_vkey(spec + i, len - i, k))
        return false;
    *url = strndup(spec, i - 1);
    return *url != NULL;
}

/* The signed message: header, decimal timestamp line, body. Caller frees *msg. */
static bool signed_message(uint64_t ts, const char *body, size_t body_len, uint8_t **msg,
                           size_t *msg_len)
{
    char head[sizeof MSG_HEADER + 24];
    int h = snprintf(head, sizeof head, MSG_HEADER "%" PRIu64 "\n", ts);
    if (h < 0 || (size_t)h >= sizeof head || body_len > SIZE_MAX - (size_t)h)
        return false;
    *msg = malloc((size_t)h + body_len);
    if (!*msg)
        return false;
    memcpy(*msg, head, (size_t)h);
    memcpy(*msg + h, body, body_len);
    *msg_len = (size_t)h + body_len;
    return true;
}

/* Checks raw (key id || timestamp || signature) by k over body. */
static enum cosig_line_result check_raw(const struct cosig_key *k, const uint8_t *raw,
                                        const char *body, size_t body_len, uint64_t *timestamp)
{
    uint64_t ts = be64(raw + 4);
    if (ts > COSIG_TIMESTAMP_MAX || sodium_init() < 0)
        return COSIG_LINE_INVALID;
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    if (!signed_message(ts, body, body_len, &msg, &msg_len))
        return COSIG_LINE_INVALID;
    bool ok = crypto_sign_verify_detached(raw + 12, msg, msg_len, k->public_key) == 0;
    free(msg);
    if (!ok)
        return COSIG_LINE_INVALID;
    if (timestamp)
        *timestamp = ts;
    return COSIG_LINE_VALID;
}

enum cosig_line_result cosig_line_check(const struct cosig_key *k, const char *body,
                                        size_t body_len, const char *line, size_t line_len,
                                        uint64_t *timestamp)
{
    if (line_len < SIG_PREFIX_LEN + 1 || line[line_len - 1] != '\n' ||
        memcmp(line, SIG_PREFIX, SIG_PREFIX_LEN) != 0)
        return COSIG_LINE_MALFORMED;
    const char *name = line + SIG_PREFIX_LEN, *end = line + line_len - 1;
    const char *sp = memchr(name, ' ', (size_t)(end - name));
    if (!sp || sp == name || sp + 1 == end || memchr(sp + 1, ' ', (size_t)(end - sp - 1)) ||
        memchr(name, '\n', (size_t)(end - name)))
        return COSIG_LINE_MALFORMED;
    size_t name_len = (size_t)(sp - name);
    if (name_len != strlen(k->name) || memcmp(name, k->name, name_len) != 0)
        return COSIG_LINE_OTHER;
    /* Signature lines of other types (e.g. the log's own, 68 bytes) may share the name: only
     * the key id tells them apart, so decode before deciding. */
    uint8_t raw[COSIG_RAW_LEN + 4];
    size_t n;
    if (!base64_decode(sp + 1, (size_t)(end - sp - 1), raw, sizeof raw, &n) || n < 4)
        return COSIG_LINE_MALFORMED;
    if (be32(raw) != k->id)
        return COSIG_LINE_OTHER;
    if (n != COSIG_RAW_LEN)
        return COSIG_LINE_INVALID;
    return check_raw(k, raw, body, body_len, timestamp);
}

bool cosig_note_split(const char *note, size_t len, size_t *body_len, size_t *sigs_off)
{
    if (len < 2 || note[len - 1] != '\n' || memchr(note, '\0', len))
        return false;
    /* The body ends at the last "\n\n" (signature lines never hold an empty line). */
    const char *sep = NULL;
    for (size_t i = 0; i + 2 < len; i++)
        if (note[i] == '\n' && note[i + 1] == '\n')
            sep = note + i;
    if (!sep || sep == note)
        return false;
    *body_len = (size_t)(sep + 1 - note);
    *sigs_off = *body_len + 1;
    return true;
}

bool cosig_line_next(const char *text, size_t len, size_t *off, const char **line, size_t *line_len)
{
    if (*off >= len)
        return false;
    const char *nl = memchr(text + *off, '\n', len - *off);
    if (!nl)
        return false;
    *line = text + *off;
    *line_len = (size_t)(nl + 1 - *line);
    *off += *line_len;
    return true;
}

/* The result of key k over every signature line of note. */
static enum cosig_line_result verify_key(const struct cosig_key *k, const char *note, size_t len,
                                         size_t body_len, size_t sigs_off)
{
    enum cosig_line_result best = COSIG_LINE_OTHER;
    const char *line;
    size_t line_len, off = sigs_off;
    while (cosig_line_next(note, len, &off, &line, &line_len)) {
        enum cosig_line_result r = cosig_line_check(k, note, body_len, line, line_len, NULL);
        if (r == COSIG_LINE_VALID)
            return r;
        if (r == COSIG_LINE_INVALID)
            best = r;
    }
    return best;
}

static bool same_key(const struct cosig_key *a, const struct cosig_key *b)
{
    return a->id == b->id && !strcmp(a->name, b->name) &&
           !memcmp(a->public_key, b->public_key, sizeof a->public_key);
}

size_t cosig_verify(const struct cosig_key *keys, size_t n, const char *note, size_t len,
                    enum cosig_line_result *per_key)
{
    size_t body_len, sigs_off, count = 0;
    bool split = cosig_note_split(note, len, &body_len, &sigs_off);
    for (size_t i = 0; i < n; i++) {
        enum cosig_line_result r =
            split ? verify_key(&keys[i], note, len, body_len, sigs_off) : COSIG_LINE_OTHER;
        if (per_key)
            per_key[i] = r;
        bool dup = false;
        for (size_t j = 0; j < i && !dup; j++)
            dup = same_key(&keys[i], &keys[j]);
        if (r == COSIG_LINE_VALID && !dup)
            count++;
    }
    return count;
}

bool cosig_request_format(uint64_t old_size, const uint8_t (*proof)[MERKLE_HASH_LEN],
                          size_t proof_len, const char *note, size_t note_len, struct buf *out)
{
    if (proof_len > COSIG_PROOF_MAX || (old_size == 0 && proof_len > 0) || note_len == 0 ||
        note[note_len - 1] != '\n' || out->oom)
        return false;
    size_t start = out->len;
    char b64[48];
    buf_printf(out, "old %" PRIu64 "\n", old_size);
    for (size_t i = 0; i < proof_len; i++) {
        base64_std_encode(proof[i], MERKLE_HASH_LEN, b64);
        buf_printf(out, "%s\n", b64);
    }
    buf_putc(out, '\n');
    buf_append(out, note, note_len);
    if (out->oom) {
        buf_truncate(out, start);
        return false;
    }
    return true;
}
