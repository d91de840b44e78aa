/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: POST /v1/models bodies from the network (model_request_parse), and the
 * model signing tool's path order (model_path_cmp). The first byte picks the mode (modulo 4, so
 * the corpus can start with an ASCII digit) and the rest is the body:
 *   0  the body as it is (only a seed with a signature that verifies gets past the signature)
 *   1  the body re-signed: its "signature" replaced by an Ed25519 signature of the fuzzer's key
 *      over the statement built here from the body's own members (JCS of type, model,
 *      datasets and metadata), so that mutated bodies reach the success path; a parse that then
 *      fails with signature-invalid, or succeeds with other statement bytes, is a bug. Then once
 *      more with one structural edit (enum edit) that byte mutations rarely make
 *   2  the same with an eip712 signature (libsecp256k1) over the model's typed-data digest
 *   3  model_path_cmp on the lines of the body
 * On success the canonical "model" and "metadata" and the statement must be canonical JSON, the
 * statement exactly {type, model, datasets, metadata} with what the request holds, the datasets
 * 1..100 without a repeated id, and model.files (when present) valid paths in strictly increasing
 * model_path_cmp order whose digests give model.digest. model_path_cmp must agree with an
 * independent definition of pathlib order on every pair (and so be antisymmetric and
 * transitive) of the body's file paths or lines. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "util/buf.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "core/item.h" /* ITEM_METADATA_MAX, the limit models share */
#include "core/model.h"
#include "crypto/ethsig.h"
#include "crypto/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define PATHS_MAX  12 /* strings compared pairwise and in triples */
#define LOAD_FLAGS (JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL)

/* An invariant: the fuzzer stops here when it fails. */
#define CHECK(ok)                                                                                  \
    do {                                                                                           \
        if (!(ok))                                                                                 \
            abort();                                                                               \
    } while (0)

static int sign_of(int v)
{
    return (v > 0) - (v < 0);
}

/* pathlib order without splitting: the paths compare as byte strings in which '/' sorts below
 * every other byte and the end below '/' (a component that is a prefix of another sorts first,
 * and so does a list of components that is a prefix of another). */
static int ref_path_cmp(const char *a, const char *b)
{
    for (size_t i = 0;; i++) {
        int ca = (unsigned char)a[i], cb = (unsigned char)b[i];
        if (!ca || !cb)
            return (ca != 0) - (cb != 0);
        ca = ca == '/' ? 0 : ca;
        cb = cb == '/' ? 0 : cb;
        if (ca != cb)
            return ca < cb ? -1 : 1;
    }
}

/* model_path_cmp on every pair and triple of v: the reference's sign, antisymmetric, zero
 * exactly on equal strings, transitive. */
static void check_path_order(const char *const *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            int c = sign_of(model_path_cmp(v[i], v[j]));
            CHECK(c == ref_path_cmp(v[i], v[j]));
            CHECK(c == -sign_of(model_path_cmp(v[j], v[i])));
            CHECK((c == 0) == (strcmp(v[i], v[j]) == 0));
            for (size_t k = 0; k < n; k++)
                if (c <= 0 && model_path_cmp(v[j], v[k]) <= 0)
                    CHECK(model_path_cmp(v[i], v[k]) <= 0);
        }
}

/* b must be canonical JSON: JCS of its parse is b itself. Returns the parse (caller frees). */
static json_t *check_canonical(const struct buf *b)
{
    CHECK(!b->oom && b->data != NULL);
    json_t *v = json_loadb(b->data, b->len, LOAD_FLAGS, NULL);
    CHECK(v != NULL);
    struct buf again = BUF_INIT;
    CHECK(jcs_serialize(v, &again));
    CHECK(again.len == b->len && memcmp(again.data, b->data, b->len) == 0);
    buf_free(&again);
    return v;
}

static bool json_is_text(json_t *v, const char *s, size_t len)
{
    return json_is_string(v) && json_string_length(v) == len &&
           memcmp(json_string_value(v), s, len) == 0;
}

/* JCS of v equals the bytes of b. */
static void check_jcs_equals(json_t *v, const struct buf *b)
{
    struct buf s = BUF_INIT;
    CHECK(v != NULL && jcs_serialize(v, &s));
    CHECK(s.len == b->len && memcmp(s.data, b->data, b->len) == 0);
    buf_free(&s);
}

/* A path as the API allows it, decided component by component with strchr. */
static bool path_allowed(const char *p, size_t len, bool only)
{
    if (only && strcmp(p, ".") == 0)
        return true;
    if (len == 0 || len > MODEL_PATH_MAX || strlen(p) != len)
        return false;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)p[i] < 0x20 || p[i] == 0x7f)
            return false;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && memcmp(p, ".", 1) == 0) || (n == 2 && memcmp(p, "..", 2) == 0))
            return false;
        if (!slash)
            return true;
        p = slash + 1;
    }
}

/* model.files of the canonical model: allowed paths in strictly increasing order, whose
 * digests are r's, and which give model.digest. */
static void check_files(json_t *files, const struct model_request *r)
{
    if (!files) {
        CHECK(r->files == NULL && r->n_files == 0);
        return;
    }
    size_t n = json_array_size(files);
    CHECK(json_is_array(files) && n >= 1 && n <= MODEL_FILES_MAX && n == r->n_files && r->files);
    const char *paths[PATHS_MAX];
    size_t np = 0;
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(files, i), *p = json_object_get(f, "path");
        json_t *d = json_object_get(f, "digest");
        CHECK(json_is_object(f) && json_object_size(f) == 2 && json_is_string(p));
        const char *path = json_string_value(p);
        CHECK(path_allowed(path, json_string_length(p), n == 1));
        if (i > 0) {
            const char *prev =
                json_string_value(json_object_get(json_array_get(files, i - 1), "path"));
            CHECK(model_path_cmp(prev, path) < 0 && ref_path_cmp(prev, path) < 0);
        }
        char want[7 + 2 * SHA256_LEN + 1] = "sha256:";
        hex_encode(r->files[i], SHA256_LEN, want + 7);
        CHECK(json_is_text(d, want, strlen(want)));
        crypto_hash_sha256_update(&h, r->files[i], SHA256_LEN);
        if (np < PATHS_MAX)
            paths[np++] = path;
    }
    uint8_t want[SHA256_LEN], got[SHA256_LEN];
    crypto_hash_sha256_final(&h, want);
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])r->files, r->n_files, got);
    CHECK(memcmp(got, want, SHA256_LEN) == 0 && memcmp(r->digest, want, SHA256_LEN) == 0);
    check_path_order(paths, np);
}

/* The statement's "model": r's name, version and digest, nothing but files besides. */
static void check_model(json_t *m, const struct model_request *r)
{
    size_t nl = strlen(r->name), vl = strlen(r->version);
    CHECK(nl >= 1 && nl <= MODEL_NAME_MAX && vl >= 1 && vl <= MODEL_VERSION_MAX);
    char digest[7 + 2 * SHA256_LEN + 1] = "sha256:";
    hex_encode(r->digest, SHA256_LEN, digest + 7);
    json_t *files = json_object_get(m, "files");
    CHECK(json_is_object(m) && json_object_size(m) == (files ? 4u : 3u) &&
          json_is_text(json_object_get(m, "name"), r->name, nl) &&
          json_is_text(json_object_get(m, "version"), r->version, vl) &&
          json_is_text(json_object_get(m, "digest"), digest, strlen(digest)));
    check_files(files, r);
}

static void check_datasets(json_t *arr, const struct model_request *r)
{
    CHECK(r->n_datasets >= 1 && r->n_datasets <= MODEL_DATASETS_MAX && json_is_array(arr) &&
          json_array_size(arr) == r->n_datasets);
    for (size_t i = 0; i < r->n_datasets; i++) {
        const struct model_dataset_ref *d = &r->datasets[i];
        json_t *e = json_array_get(arr, i), *id = json_object_get(e, "id");
        uint8_t root[SHA256_LEN];
        CHECK(d->id >= 1 && d->id <= INT64_C(9007199254740991) &&
              strlen(d->members_root_hex) == 2 * SHA256_LEN &&
              hex_decode(d->members_root_hex, 2 * SHA256_LEN, root, SHA256_LEN, true));
        CHECK(
            json_is_object(e) && json_object_size(e) == 2 && json_is_number(id) &&
            json_number_value(id) == (double)d->id &&
            json_is_text(json_object_get(e, "members_root"), d->members_root_hex, 2 * SHA256_LEN));
        for (size_t j = 0; j < i; j++)
            CHECK(r->datasets[j].id != d->id);
    }
}

/* The model record of r (as a row would give it back) is canonical and is the statement with
 * "registered_at" and "signature" added. */
static void check_record(const struct model_request *r, const struct buf *datasets, size_t salt)
{
    char digest_hex[2 * SHA256_LEN + 1], sig_hex[2 * sizeof r->sig.signature + 1];
    hex_encode(r->digest, SHA256_LEN, digest_hex);
    hex_encode(r->sig.signature, r->sig.signature_len, sig_hex);
    const struct model_row row = {
        .id = 1,
        .f = {.name = r->name,
              .version = r->version,
              .digest_hex = digest_hex,
              .model = r->model.data,
              .model_len = r->model.len,
              .datasets = datasets->data,
              .datasets_len = datasets->len,
              .metadata = r->metadata.data,
              .metadata_len = r->metadata.len},
        .signer = r->sig.signer,
        .scheme = sig_scheme_name(r->sig.scheme),
        .signature_hex = sig_hex,
        .registered_us = (int64_t)(salt * 1000003u % 4102444800000000u),
    };
    struct buf st = BUF_INIT, rec = BUF_INIT;
    uint8_t eip712[32];
    const uint8_t *msg;
    size_t len;
    CHECK(model_signed_message(&row.f, r->sig.scheme, &st, eip712, &msg, &len));
    CHECK(st.len == r->statement.len && memcmp(st.data, r->statement.data, st.len) == 0);
    CHECK(r->sig.scheme == SIG_EIP712 ? msg == eip712 && len == 32
                                      : msg == (const uint8_t *)st.data && len == st.len);
    model_record_write(&rec, &row);
    json_t *v = check_canonical(&rec);
    json_t *sig = json_object_get(v, "signature");
    CHECK(json_is_string(json_object_get(v, "registered_at")) && json_is_object(sig) &&
          json_is_text(json_object_get(sig, "scheme"), row.scheme, strlen(row.scheme)));
    CHECK(json_object_del(v, "registered_at") == 0 && json_object_del(v, "signature") == 0);
    check_jcs_equals(v, &r->statement);
    json_decref(v);
    buf_free(&rec);
    buf_free(&st);
}

/* Everything a successful parse promises. body is what was parsed; want, when not NULL, the
 * statement the fuzzer signed. */
static void check_success(const struct model_request *r, const char *body, size_t len,
                          const struct buf *want)
{
    json_t *m = check_canonical(&r->model);
    json_t *md = check_canonical(&r->metadata);
    json_t *st = check_canonical(&r->statement);
    CHECK(json_is_object(md) && r->metadata.len <= ITEM_METADATA_MAX);
    CHECK(json_is_object(st) && json_object_size(st) == 4 &&
          json_is_text(json_object_get(st, "type"), MODEL_STATEMENT_TYPE,
                       strlen(MODEL_STATEMENT_TYPE)));
    check_jcs_equals(json_object_get(st, "model"), &r->model);
    check_jcs_equals(json_object_get(st, "metadata"), &r->metadata);
    check_model(m, r);
    json_t *datasets = json_object_get(st, "datasets");
    check_datasets(datasets, r);
    uint8_t h[SHA256_LEN];
    crypto_hash_sha256(h, (const unsigned char *)r->statement.data, r->statement.len);
    CHECK(memcmp(h, r->statement_hash, SHA256_LEN) == 0);
    if (want)
        CHECK(want->len == r->statement.len &&
              memcmp(want->data, r->statement.data, want->len) == 0);
    /* the statement's members are the body's (metadata {} when absent) */
    json_t *root = json_loadb(body, len, LOAD_FLAGS, NULL);
    CHECK(root != NULL);
    check_jcs_equals(json_object_get(root, "model"), &r->model);
    json_t *bmd = json_object_get(root, "metadata");
    if (bmd)
        check_jcs_equals(bmd, &r->metadata);
    else
        CHECK(r->metadata.len == 2 && memcmp(r->metadata.data, "{}", 2) == 0);
    struct buf ds = BUF_INIT;
    CHECK(jcs_serialize(json_object_get(root, "datasets"), &ds));
    check_jcs_equals(datasets, &ds);
    check_record(r, &ds, len);
    buf_free(&ds);
    json_decref(root);
    json_decref(st);
    json_decref(md);
    json_decref(m);
}

/* A failure is a client error (or out of memory) and frees what the parse built. */
static void check_failure(const struct model_request *r, const struct problem *err)
{
    CHECK(err->code == PROBLEM_INVALID_FIELD || err->code == PROBLEM_MALFORMED_JSON ||
          err->code == PROBLEM_SIGNATURE_INVALID || err->code == PROBLEM_INTERNAL);
    CHECK(memchr(err->field, 0, sizeof err->field) != NULL);
    CHECK(!r->model.data && !r->metadata.data && !r->statement.data && !r->files);
}

/* Parses an exact-size copy of body (so that reading past it is caught) and checks the result;
 * want: as in check_success. */
static void parse_and_check(const char *text, size_t len, const struct buf *want)
{
    char *body = malloc(len ? len : 1);
    if (!body)
        return;
    memcpy(body, text, len);
    struct model_request r;
    struct problem err;
    if (model_request_parse(body, len, &r, &err)) {
        check_success(&r, body, len, want);
        model_request_free(&r);
    } else {
        check_failure(&r, &err);
        /* the fuzzer signed the statement built from the body's own members */
        CHECK(!want || err.code != PROBLEM_SIGNATURE_INVALID);
    }
    /* the body's file paths, in whatever order they came */
    json_t *root = json_loadb(body, len, LOAD_FLAGS, NULL);
    json_t *files = json_object_get(json_object_get(root, "model"), "files");
    const char *paths[PATHS_MAX];
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(files) && n < PATHS_MAX; i++) {
        const char *p = json_string_value(json_object_get(json_array_get(files, i), "path"));
        if (p)
            paths[n++] = p;
    }
    check_path_order(paths, n);
    json_decref(root);
    free(body);
}

/* The fuzzer's keys: a fixed Ed25519 seed and secp256k1 secret key. */
static const uint8_t KEY_SEED[32] = "provd fuzz_model fixed key seed";

static secp256k1_context *secp(void)
{
    static secp256k1_context *ctx;
    if (!ctx)
        ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
    return ctx;
}

/* r || s || v over digest with the fixed key. */
static bool eth_sign(const uint8_t digest[32], uint8_t out[ETH_SIGNATURE_LEN])
{
    secp256k1_ecdsa_recoverable_signature sig;
    int recid;
    if (!secp256k1_ecdsa_sign_recoverable(secp(), &sig, digest, KEY_SEED, NULL, NULL) ||
        !secp256k1_ecdsa_recoverable_signature_serialize_compact(secp(), out, &recid, &sig))
        return false;
    out[64] = (uint8_t)(27 + recid);
    return true;
}

/* The "signature" member for the statement of root (in st), in scheme; NULL when the members
 * are not what an EIP-712 message can be made of (the parse fails before the signature then). */
static json_t *sign_statement(json_t *root, const struct buf *st, enum sig_scheme scheme)
{
    char value[256];
    if (scheme == SIG_ED25519) {
        char key[128];
        uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
        uint8_t sig[crypto_sign_BYTES];
        crypto_sign_seed_keypair(pk, sk, KEY_SEED);
        crypto_sign_detached(sig, NULL, (const unsigned char *)st->data, st->len, sk);
        base64url_encode(pk, sizeof pk, key);
        base64url_encode(sig, sizeof sig, value);
        return json_pack("{ssssss}", "scheme", "ed25519", "public_key", key, "value", value);
    }
    json_t *m = json_object_get(root, "model");
    const char *name = json_string_value(json_object_get(m, "name"));
    const char *version = json_string_value(json_object_get(m, "version"));
    const char *digest = json_string_value(json_object_get(m, "digest"));
    uint8_t weights[32], d[32], sig[ETH_SIGNATURE_LEN], addr[ETH_ADDRESS_LEN];
    if (!name || !version || !digest || strlen(digest) != 7 + 64 ||
        !hex_decode(digest + 7, 64, weights, 32, false))
        return NULL;
    eth_eip712_model_digest(MODEL_STATEMENT_TYPE, name, version, weights, st->data, st->len, d);
    if (!eth_sign(d, sig) || !eth_recover_address(d, sig, addr))
        return NULL;
    char addr_str[ETH_ADDRESS_STR_LEN + 1];
    eth_address_format(addr, addr_str);
    value[0] = '0';
    value[1] = 'x';
    hex_encode(sig, sizeof sig, value + 2);
    return json_pack("{ssssss}", "scheme", "eip712", "address", addr_str, "value", value);
}

/* Re-signs root (its "signature" replaced by one over the statement of its members) and parses
 * it; false when root is not a body that can be signed. */
static bool resign_and_check(json_t *root, enum sig_scheme scheme)
{
    json_t *model = json_object_get(root, "model"), *datasets = json_object_get(root, "datasets");
    json_t *md = json_object_get(root, "metadata");
    if (!json_is_object(root) || !model || !datasets)
        return false;
    json_t *stmt =
        json_pack("{s:s, s:O, s:O, s:o}", "type", MODEL_STATEMENT_TYPE, "model", model, "datasets",
                  datasets, "metadata", md ? json_incref(md) : json_object());
    struct buf st = BUF_INIT;
    json_t *sig = NULL;
    char *text = NULL;
    if (stmt && jcs_serialize(stmt, &st) && (sig = sign_statement(root, &st, scheme)) &&
        json_object_set_new(root, "signature", sig) == 0 && (text = json_dumps(root, JSON_COMPACT)))
        parse_and_check(text, strlen(text), &st);
    free(text);
    buf_free(&st);
    json_decref(stmt);
    return true;
}

/* Structural edits that byte mutations rarely make, applied before re-signing: each puts the
 * body on a boundary of the rules (the parse must then refuse it or keep every promise). */
enum edit {
    EDIT_FIX_DIGEST, /* model.digest := the digest of the listed files (as far as they parse) */
    EDIT_DUP_PATH,   /* files[k].path := files[k-1].path */
    EDIT_DOT_PATH,   /* files[k].path := "." */
    EDIT_DOTDOT,     /* files[k].path += "/.." */
    EDIT_CONTROL,    /* files[k].path += "\x01" */
    EDIT_SWAP,       /* files[k-1] <-> files[k] */
    EDIT_HALF_ID,    /* datasets[k].id += 0.5 */
    EDIT_DUP_ID,     /* datasets[k].id := datasets[k-1].id */
    EDIT_COUNT_
};

static void fix_digest(json_t *model)
{
    json_t *files = json_object_get(model, "files");
    crypto_hash_sha256_state h;
    crypto_hash_sha256_init(&h);
    for (size_t i = 0; i < json_array_size(files); i++) {
        const char *d = json_string_value(json_object_get(json_array_get(files, i), "digest"));
        uint8_t raw[SHA256_LEN];
        if (d && strlen(d) == 7 + 64 && hex_decode(d + 7, 64, raw, SHA256_LEN, true))
            crypto_hash_sha256_update(&h, raw, SHA256_LEN);
    }
    uint8_t out[SHA256_LEN];
    crypto_hash_sha256_final(&h, out);
    char hex[7 + 2 * SHA256_LEN + 1] = "sha256:";
    hex_encode(out, SHA256_LEN, hex + 7);
    json_object_set_new(model, "digest", json_string(hex));
}

/* Applies edit e to element k (modulo the array's size) of root; false when it does not apply. */
static bool apply_edit(json_t *root, enum edit e, size_t k)
{
    json_t *model = json_object_get(root, "model"), *files = json_object_get(model, "files");
    json_t *datasets = json_object_get(root, "datasets");
    bool on_files = e >= EDIT_DUP_PATH && e <= EDIT_SWAP;
    json_t *arr = on_files ? files : datasets;
    size_t n = json_array_size(arr);
    if (e == EDIT_FIX_DIGEST) {
        if (!json_is_object(model))
            return false;
        fix_digest(model);
        return true;
    }
    if (n == 0 || ((e == EDIT_DUP_PATH || e == EDIT_SWAP || e == EDIT_DUP_ID) && n < 2))
        return false;
    k %= n;
    k += (k == 0 && (e == EDIT_DUP_PATH || e == EDIT_SWAP || e == EDIT_DUP_ID)); /* k - 1 too */
    json_t *el = json_array_get(arr, k), *prev = k ? json_array_get(arr, k - 1) : NULL;
    const char *path = json_string_value(json_object_get(el, "path"));
    struct buf p = BUF_INIT;
    switch (e) {
    case EDIT_DUP_PATH:
        return json_object_set(el, "path", json_object_get(prev, "path")) == 0;
    case EDIT_DOT_PATH:
        return json_object_set_new(el, "path", json_string(".")) == 0;
    case EDIT_DOTDOT:
    case EDIT_CONTROL:
        if (!path)
            return false;
        buf_puts(&p, path);
        buf_puts(&p, e == EDIT_DOTDOT ? "/.." : "\x01");
        if (!p.oom)
            json_object_set_new(el, "path", json_string(p.data));
        buf_free(&p);
        return true;
    case EDIT_SWAP:
        json_incref(prev);
        json_array_set(arr, k - 1, el);
        json_array_set_new(arr, k, prev);
        fix_digest(model); /* so that the order, not the digest, is at fault */
        return true;
    case EDIT_HALF_ID: {
        json_t *id = json_object_get(el, "id");
        return json_is_number(id) &&
               json_object_set_new(el, "id", json_real(json_number_value(id) + 0.5)) == 0;
    }
    case EDIT_DUP_ID:
        return json_object_set(el, "id", json_object_get(prev, "id")) == 0;
    default:
        return false;
    }
}

/* Mode 1 and 2: the body with its signature replaced by one over its statement, as it is and
 * with one edit (which, and where, picked by a hash of the body). */
static void fuzz_resigned(const char *body, size_t len, enum sig_scheme scheme)
{
    json_t *root = json_loadb(body, len, LOAD_FLAGS, NULL);
    if (!resign_and_check(root, scheme)) {
        json_decref(root);
        parse_and_check(body, len, NULL);
        return;
    }
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (uint8_t)body[i]) * 16777619u;
    json_t *edited = json_deep_copy(root);
    if (edited && apply_edit(edited, (enum edit)(h % EDIT_COUNT_), h / EDIT_COUNT_))
        resign_and_check(edited, scheme);
    json_decref(edited);
    json_decref(root);
}

/* Mode 3: model_path_cmp on the body's lines. */
static void fuzz_paths(const char *body, size_t len)
{
    char *copy = malloc(len + 1);
    if (!copy)
        return;
    memcpy(copy, body, len);
    copy[len] = '\0';
    const char *v[PATHS_MAX];
    size_t n = 0;
    for (char *p = copy; n < PATHS_MAX;) {
        v[n++] = p;
        char *nl = memchr(p, '\n', (size_t)(copy + len - p));
        if (!nl)
            break;
        *nl = '\0';
        p = nl + 1;
    }
    check_path_order(v, n);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    switch (data[0] % 4) {
    case 0:
        parse_and_check(body, len, NULL);
        break;
    case 1:
        fuzz_resigned(body, len, SIG_ED25519);
        break;
    case 2:
        fuzz_resigned(body, len, SIG_EIP712);
        break;
    default:
        fuzz_paths(body, len);
        break;
    }
    return 0;
}
