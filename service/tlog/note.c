/* SPDX-License-Identifier: Apache-2.0 */
#include "tlog/note.h"

#include <ctype.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "crypto/hash.h"

#define ALG_ED25519 0x01
#define SIG_PREFIX  "\xe2\x80\x94 " /* U+2014 EM DASH and a space */

bool note_name_valid(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= NOTE_NAME_MAX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (name[i] <= 0x20 || name[i] >= 0x7f || name[i] == '+')
            return false;
    return true;
}

uint32_t note_key_id(const char *name, uint8_t alg, const uint8_t pub[32])
{
    size_t n = strlen(name);
    uint8_t buf[NOTE_NAME_MAX + 2 + 32], h[SHA256_LEN];
    memcpy(buf, name, n);
    buf[n] = '\n';
    buf[n + 1] = alg;
    memcpy(buf + n + 2, pub, 32);
    hash_sha256(buf, n + 2 + 32, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

static bool key_from_seed(const char *name, const uint8_t seed[32], struct note_key *key)
{
    if (!note_name_valid(name) || sodium_init() < 0)
        return false;
    memset(key, 0, sizeof *key);
    snprintf(key->name, sizeof key->name, "%s", name);
    crypto_sign_seed_keypair(key->public_key, key->secret_key, seed);
    key->id = note_key_id(name, ALG_ED25519, key->public_key);
    key->has_secret = true;
    return true;
}

bool note_key_generate(const char *name, struct note_key *key)
{
    uint8_t seed[32];
    bool ok = hash_random(seed, sizeof seed) && key_from_seed(name, seed, key);
    sodium_memzero(seed, sizeof seed);
    return ok;
}

static void format_key(const char *prefix, const char *name, uint32_t id, const uint8_t k[32],
                       struct buf *out)
{
    uint8_t raw[33];
    char b64[64];
    raw[0] = ALG_ED25519;
    memcpy(raw + 1, k, 32);
    base64_std_encode(raw, sizeof raw, b64);
    buf_printf(out, "%s%s+%08" PRIx32 "+%s", prefix, name, id, b64);
    sodium_memzero(raw, sizeof raw);
}

void note_key_format_private(const struct note_key *key, struct buf *out)
{
    format_key("PRIVATE+KEY+", key->name, key->id, key->secret_key, out); /* the seed */
    buf_putc(out, '\n');
}

void note_key_format_vkey(const struct note_key *key, struct buf *out)
{
    format_key("", key->name, key->id, key->public_key, out);
}

/* Splits "<name>+<hex id>+<base64 alg||key>" (trimmed) into its parts. */
static bool parse_key_parts(const char *text, char name[NOTE_NAME_MAX], uint32_t *id, uint8_t k[32])
{
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    const char *p1 = memchr(text, '+', len);
    const char *p2 = p1 ? memchr(p1 + 1, '+', len - (size_t)(p1 + 1 - text)) : NULL;
    if (!p1 || !p2 || p1 == text || (size_t)(p1 - text) >= NOTE_NAME_MAX || p2 - p1 - 1 != 8)
        return false;
    memcpy(name, text, (size_t)(p1 - text));
    name[p1 - text] = '\0';
    uint8_t idb[4], raw[34];
    size_t n;
    if (!note_name_valid(name) || !hex_decode(p1 + 1, 8, idb, 4, false) ||
        !base64_decode(p2 + 1, len - (size_t)(p2 + 1 - text), raw, sizeof raw, &n) || n != 33 ||
        raw[0] != ALG_ED25519)
        return false;
    *id = (uint32_t)idb[0] << 24 | (uint32_t)idb[1] << 16 | (uint32_t)idb[2] << 8 | idb[3];
    memcpy(k, raw + 1, 32);
    sodium_memzero(raw, sizeof raw);
    return true;
}

bool note_key_parse_private(const char *text, struct note_key *key)
{
    while (isspace((unsigned char)*text))
        text++;
    if (strncmp(text, "PRIVATE+KEY+", 12) != 0)
        return false;
    char name[NOTE_NAME_MAX];
    uint32_t id;
    uint8_t seed[32];
    bool ok = parse_key_parts(text + 12, name, &id, seed) && key_from_seed(name, seed, key) &&
              key->id == id;
    sodium_memzero(seed, sizeof seed);
    return ok;
}

bool note_key_parse_vkey(const char *text, struct note_key *key)
{
    memset(key, 0, sizeof *key);
    return parse_key_parts(text, key->name, &key->id, key->public_key) &&
           key->id == note_key_id(key->name, ALG_ED25519, key->public_key);
}

bool note_sign(const struct note_key *key, const char *text, size_t len, struct buf *out)
{
    if (!key->has_secret || len == 0 || text[len - 1] != '\n')
        return false;
    uint8_t sig[4 + 64];
    sig[0] = (uint8_t)(key->id >> 24);
    sig[1] = (uint8_t)(key->id >> 16);
    sig[2] = (uint8_t)(key->id >> 8);
    sig[3] = (uint8_t)key->id;
    crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, len, key->secret_key);
    char b64[100];
    base64_std_encode(sig, sizeof sig, b64);
    buf_append(out, text, len);
    buf_printf(out, "\n" SIG_PREFIX "%s %s\n", key->name, b64);
    return !out->oom;
}

/* Looks for this key's line among the signature lines and checks it. */
static bool check_sig_lines(const struct note_key *key, const char *note, size_t text_len,
                            const char *lines, const char *end, char *err, size_t err_len)
{
    size_t name_len = strlen(key->name);
    for (const char *l = lines; l < end;) {
        const char *nl = memchr(l, '\n', (size_t)(end - l));
        if (!nl || nl - l < 4 || memcmp(l, SIG_PREFIX, 4) != 0) {
            snprintf(err, err_len, "malformed signature line");
            return false;
        }
        const char *name = l + 4;
        if ((size_t)(nl - name) > name_len + 1 && !strncmp(name, key->name, name_len) &&
            name[name_len] == ' ') {
            const char *b64 = name + name_len + 1;
            uint8_t sig[70];
            size_t n;
            if (base64_decode(b64, (size_t)(nl - b64), sig, sizeof sig, &n) && n == 68 &&
                ((uint32_t)sig[0] << 24 | (uint32_t)sig[1] << 16 | (uint32_t)sig[2] << 8 |
                 sig[3]) == key->id) {
                if (crypto_sign_verify_detached(sig + 4, (const uint8_t *)note, text_len,
                                                key->public_key) == 0)
                    return true;
                snprintf(err, err_len, "the signature by %s does not verify", key->name);
                return false;
            }
        }
        l = nl + 1;
    }
    snprintf(err, err_len, "no signature by key %s+%08" PRIx32, key->name, key->id);
    return false;
}

bool note_verify(const struct note_key *key, const char *note, size_t len, size_t *text_len,
                 char *err, size_t err_len)
{
    /* The text ends at the last "\n\n" before the signature lines. */
    const char *sep = NULL;
    for (size_t i = 0; i + 1 < len; i++)
        if (note[i] == '\n' && note[i + 1] == '\n')
            sep = note + i;
    if (!sep || len == 0 || note[len - 1] != '\n' || memchr(note, '\0', len)) {
        snprintf(err, err_len, "not a signed note");
        return false;
    }
    *text_len = (size_t)(sep + 1 - note);
    if (sodium_init() < 0) {
        snprintf(err, err_len, "libsodium failed to initialise");
        return false;
    }
    return check_sig_lines(key, note, *text_len, sep + 2, note + len, err, err_len);
}

void checkpoint_format(const char *origin, uint64_t size, const uint8_t root[MERKLE_HASH_LEN],
                       struct buf *out)
{
    char b64[48];
    base64_std_encode(root, MERKLE_HASH_LEN, b64);
    buf_printf(out, "%s\n%" PRIu64 "\n%s\n", origin, size, b64);
}

bool checkpoint_parse(const char *text, size_t len, char origin[NOTE_NAME_MAX], uint64_t *size,
                      uint8_t root[MERKLE_HASH_LEN])
{
    const char *end = text + len;
    const char *l1 = memchr(text, '\n', len);
    const char *l2 = l1 ? memchr(l1 + 1, '\n', (size_t)(end - l1 - 1)) : NULL;
    const char *l3 = l2 ? memchr(l2 + 1, '\n', (size_t)(end - l2 - 1)) : NULL;
    if (!l3 || l1 == text || (size_t)(l1 - text) >= NOTE_NAME_MAX)
        return false;
    memcpy(origin, text, (size_t)(l1 - text));
    origin[l1 - text] = '\0';
    char num[24];
    size_t nlen = (size_t)(l2 - l1 - 1);
    if (nlen == 0 || nlen >= sizeof num || (nlen > 1 && l1[1] == '0'))
        return false;
    memcpy(num, l1 + 1, nlen);
    num[nlen] = '\0';
    for (size_t i = 0; i < nlen; i++)
        if (!isdigit((unsigned char)num[i]))
            return false;
    *size = strtoull(num, NULL, 10);
    size_t n;
    uint8_t raw[40];
    return base64_decode(l2 + 1, (size_t)(l3 - l2 - 1), raw, sizeof raw, &n) &&
           n == MERKLE_HASH_LEN && memcpy(root, raw, MERKLE_HASH_LEN);
}
