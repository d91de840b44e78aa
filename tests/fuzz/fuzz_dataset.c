/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: the dataset request bodies from the network. The first byte picks the parser
 * (modulo 4, so the corpus can start with an ASCII digit) and the rest is the body:
 *   0  dataset_create_parse; the canonical metadata and policy, and the statement and record
 *      built from them, must be canonical JSON, and the policy must re-parse to the same
 *   1  dataset_seal_parse
 *   2  hash_list_parse_json, then hash_list_fresh on what it accepted
 *   3  hash_lines_feed/finish, fed in chunks whose sizes the rest of the first byte seeds; the
 *      result must be the same as one chunk's */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/buf.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "core/dataset.h"
#include "core/item.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* b must be canonical JSON: JCS of its parse is b itself. */
static void check_canonical(const struct buf *b)
{
    if (b->oom)
        return;
    json_t *v = json_loadb(b->data, b->len,
                           JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    if (!v)
        abort();
    struct buf again = BUF_INIT;
    if (jcs_serialize(v, &again) &&
        (again.len != b->len || memcmp(again.data, b->data, b->len) != 0))
        abort();
    buf_free(&again);
    json_decref(v);
}

static bool policy_equal(const struct dataset_policy *a, const struct dataset_policy *b)
{
    if (a->has_licenses != b->has_licenses || a->n_licenses != b->n_licenses ||
        a->require_known_signer != b->require_known_signer ||
        a->require_logged != b->require_logged || a->require_anchored != b->require_anchored ||
        a->respect_content_usage != b->respect_content_usage || a->generative != b->generative)
        return false;
    for (size_t i = 0; i < a->n_licenses; i++)
        if (strcmp(a->licenses[i], b->licenses[i]) != 0)
            return false;
    return true;
}

static bool is_object_text(const struct buf *b)
{
    return b->data && b->len >= 2 && b->data[0] == '{' && b->data[b->len - 1] == '}';
}

static void fuzz_create(const char *body, size_t len)
{
    struct dataset_create c;
    struct problem err;
    if (!dataset_create_parse(body, len, &c, &err)) {
        if ((err.code != PROBLEM_INVALID_FIELD && err.code != PROBLEM_MALFORMED_JSON &&
             err.code != PROBLEM_INTERNAL) ||
            c.metadata.data || c.policy.data)
            abort(); /* a failure is a client error and frees what it built */
        return;
    }
    size_t nl = strlen(c.name), vl = strlen(c.version);
    if (nl == 0 || nl > DATASET_NAME_MAX || vl == 0 || vl > DATASET_VERSION_MAX ||
        !is_object_text(&c.metadata) || !is_object_text(&c.policy) ||
        c.metadata.len > ITEM_METADATA_MAX || c.policy.len > ITEM_METADATA_MAX ||
        c.pol.n_licenses > DATASET_LICENSES_MAX || c.pol.has_licenses != (c.pol.n_licenses > 0))
        abort();
    check_canonical(&c.metadata);
    check_canonical(&c.policy);
    /* the stored canonical policy parses to the same policy (the audit reads it back) */
    json_t *pv =
        json_loadb(c.policy.data, c.policy.len, JSON_DECODE_INT_AS_REAL | JSON_ALLOW_NUL, NULL);
    struct dataset_policy again;
    struct problem perr;
    if (!pv || !dataset_policy_parse(pv, &again, &perr) || !policy_equal(&again, &c.pol))
        abort();
    json_decref(pv);

    struct dataset_fields f = {
        .name = c.name,
        .version = c.version,
        .metadata = c.metadata.data,
        .metadata_len = c.metadata.len,
        .policy = c.policy.data,
        .policy_len = c.policy.len,
        .member_count = (uint64_t)len << 40 | len, /* up to 2^53 for bodies below 8 KiB */
        .members_root_hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
    };
    if (f.member_count > 9007199254740992u)
        f.member_count = 9007199254740992u;
    struct buf st = BUF_INIT;
    uint8_t digest[32];
    const uint8_t *msg;
    size_t msg_len;
    if (!dataset_signed_message(&f, SIG_EIP712, &st, digest, &msg, &msg_len) || msg != digest ||
        msg_len != 32)
        abort();
    check_canonical(&st);
    buf_free(&st);
    if (!dataset_signed_message(&f, SIG_ED25519, &st, digest, &msg, &msg_len) ||
        msg != (const uint8_t *)st.data || msg_len != st.len)
        abort();
    check_canonical(&st);

    const struct dataset_row row = {
        .name = c.name,
        .version = c.version,
        .metadata = c.metadata.data,
        .metadata_len = c.metadata.len,
        .policy = c.policy.data,
        .policy_len = c.policy.len,
        .sealed = true,
        .member_count = f.member_count,
        .members_root_hex = f.members_root_hex,
        .sealed_us = (int64_t)len * 1000003,
        .signer = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        .scheme = (len & 1) ? "eip191" : "ed25519",
        .signature_hex = "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff"
                         "00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff00ff",
    };
    struct buf rec = BUF_INIT;
    dataset_record_write(&rec, &row);
    check_canonical(&rec);
    /* the record is the statement with two more members */
    if (!rec.oom && !st.oom && rec.len <= st.len)
        abort();
    buf_free(&rec);
    buf_free(&st);
    dataset_create_free(&c);
}

static void fuzz_seal(const char *body, size_t len)
{
    struct dataset_seal s;
    struct problem err;
    if (!dataset_seal_parse(body, len, &s, &err)) {
        if (err.code != PROBLEM_INVALID_FIELD && err.code != PROBLEM_MALFORMED_JSON)
            abort();
        return;
    }
    uint8_t root[SHA256_LEN];
    if (s.member_count > 9007199254740992u || strlen(s.members_root_hex) != 2 * SHA256_LEN ||
        !hex_decode(s.members_root_hex, 2 * SHA256_LEN, root, SHA256_LEN, true) ||
        memcmp(root, s.members_root, SHA256_LEN) != 0 || s.sig.scheme == SIG_UNKNOWN ||
        !s.sig.signer[0] || s.sig.signature_len == 0 ||
        s.sig.signature_len > sizeof s.sig.signature)
        abort();
}

/* hash_list_fresh against the quadratic definition: the first sight of each hash, in order. */
static void check_fresh(const struct hash_list *l)
{
    bool *exists = calloc(l->n, sizeof *exists);
    uint8_t(*out)[SHA256_LEN] = calloc(l->n, SHA256_LEN);
    if (exists && out) {
        size_t n = hash_list_fresh(l, exists, out), k = 0;
        for (size_t i = 0; i < l->n && n != SIZE_MAX; i++) {
            bool repeat = false;
            for (size_t j = 0; j < i && !repeat; j++)
                repeat = memcmp(l->v[j], l->v[i], SHA256_LEN) == 0;
            if (repeat != exists[i] ||
                (!repeat && (k >= n || memcmp(out[k++], l->v[i], SHA256_LEN) != 0)))
                abort();
        }
        if (n != SIZE_MAX && k != n)
            abort();
    }
    free(out);
    free(exists);
}

static void fuzz_hashes_json(const char *body, size_t len)
{
    struct hash_list l;
    struct problem err;
    if (!hash_list_parse_json(body, len, &l, &err)) {
        if (l.v || l.n ||
            (err.code != PROBLEM_INVALID_FIELD && err.code != PROBLEM_MALFORMED_JSON &&
             err.code != PROBLEM_INTERNAL))
            abort();
        return;
    }
    if (l.n == 0 || l.n > DATASET_APPEND_JSON_MAX || l.n > l.cap)
        abort();
    check_fresh(&l);
    hash_list_free(&l);
}

/* Feeds body in chunks (sizes from seed; 0: in one) and finishes. */
static bool lines_run(const char *body, size_t len, uint32_t seed, struct hash_lines *h,
                      struct problem *err)
{
    hash_lines_init(h);
    memset(err, 0, sizeof *err);
    size_t off = 0;
    while (off < len) {
        size_t n = len - off;
        if (seed) {
            seed ^= seed << 13; /* xorshift32 */
            seed ^= seed >> 17;
            seed ^= seed << 5;
            size_t want = seed % 4 == 0 ? seed % 200 : seed % 8; /* mostly small, some empty */
            n = want < n ? want : n;
        }
        if (!hash_lines_feed(h, body + off, n))
            abort(); /* out of memory: not expected at these sizes */
        off += n;
    }
    return hash_lines_finish(h, err);
}

static void fuzz_hash_lines(const char *body, size_t len, unsigned seed_bits)
{
    struct hash_lines whole, chunked;
    struct problem e1, e2;
    bool ok1 = lines_run(body, len, 0, &whole, &e1);
    bool ok2 = lines_run(body, len, 0x9e3779b9u ^ (seed_bits << 24) ^ (uint32_t)len, &chunked, &e2);
    if (ok1 != ok2 || whole.list.n != chunked.list.n ||
        (whole.list.n && memcmp(whole.list.v, chunked.list.v, whole.list.n * SHA256_LEN) != 0) ||
        whole.bad_line != chunked.bad_line || strcmp(e1.field, e2.field) != 0 || e1.code != e2.code)
        abort(); /* chunking must not matter */
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += body[i] == '\n';
    if (ok1) {
        if (whole.list.n == 0 || whole.list.n > lines || whole.bad_line)
            abort();
    } else if (e1.code != PROBLEM_INVALID_FIELD ||
               (e1.field[0] && (strncmp(e1.field, "line ", 5) != 0 || whole.bad_line == 0 ||
                                whole.bad_line > lines)) ||
               (!e1.field[0] && (whole.bad_line || whole.list.n))) {
        abort(); /* a bad line names itself; an empty body names nothing */
    }
    hash_list_free(&whole.list);
    hash_list_free(&chunked.list);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    /* a copy of exactly the body, so that reading past it is caught */
    size_t len = size - 1;
    char *body = malloc(len ? len : 1);
    if (!body)
        return 0;
    memcpy(body, data + 1, len);
    switch (data[0] % 4) {
    case 0:
        fuzz_create(body, len);
        break;
    case 1:
        fuzz_seal(body, len);
        break;
    case 2:
        fuzz_hashes_json(body, len);
        break;
    default:
        fuzz_hash_lines(body, len, data[0] >> 2);
        break;
    }
    free(body);
    return 0;
}
