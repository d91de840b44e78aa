/* SPDX-License-Identifier: Apache-2.0 */
/* POST /v1/models bodies (core/model): model_request_parse's validation, field names and
 * statement bytes, with Ed25519 signatures made here (libsodium) over a statement built here, and
 * one eip712 signature made by ethers; model_record_write; model_path_cmp. The API is
 * docs-models-api.tmp.md. */
#include "testutil.h"

#include <inttypes.h>
#include <openssl/sha.h>
#include <sodium.h>

#include "util/buf.h"
#include "util/jcs.h"
#include "core/item.h" /* ITEM_METADATA_MAX, ITEM_METADATA_DEPTH: the limits models share */
#include "core/model.h"

#define N(a) (sizeof(a) / sizeof *(a))

#define AB16    "abababababababab"
#define AB64    AB16 AB16 AB16 AB16
#define CD16    "cdcdcdcdcdcdcdcd"
#define CD64    CD16 CD16 CD16 CD16
#define HASH_AB "sha256:" AB64
#define HASH_CD "sha256:" CD64
#define H11     "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define H22     "sha256:2222222222222222222222222222222222222222222222222222222222222222"
/* SHA-256 of the 32 bytes 0x11 then the 32 bytes 0x22 (python3 hashlib) */
#define H11_22 "sha256:5189c77d29fe5d546a045ec46986852785fea5c13ac7da9c115ff5fb6edf817c"

/* A model without files and one dataset: the members of the smallest valid body. */
#define MODEL_M   "\"model\":{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" HASH_CD "\"}"
#define DATASET_1 "\"datasets\":[{\"id\":1,\"members_root\":\"" AB64 "\"}]"
#define MINIMAL   MODEL_M "," DATASET_1

/* What sig_record_write shows (as in test_dataset.c) */
#define ED_SIG_HEX                                                                                 \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"                             \
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define ED_SIG_B64URL                                                                              \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
#define ED_PK_B64URL "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoM"
#define ETH_ADDR     "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
#define ETH_SIG_HEX                                                                                \
    "1111111111111111111111111111111111111111111111111111111111111111"                             \
    "2222222222222222222222222222222222222222222222222222222222222222"                             \
    "1b"

/* The trainer's Ed25519 key (a fixed seed) */
static uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
static char pk_b64[64];

static int setup(void **state)
{
    (void)state;
    static const uint8_t seed[32] = "test_model_request trainer seed";
    if (sodium_init() < 0)
        return -1;
    crypto_sign_seed_keypair(pk, sk, seed);
    base64url_encode(pk, sizeof pk, pk_b64);
    return 0;
}

/* The body {members,"signature":…} with an Ed25519 signature over msg. */
static char *body_signed_over(const char *members, const char *msg, size_t msg_len)
{
    uint8_t sig[crypto_sign_BYTES];
    char value[128];
    crypto_sign_detached(sig, NULL, (const unsigned char *)msg, msg_len, sk);
    base64url_encode(sig, sizeof sig, value);
    struct buf b = BUF_INIT;
    buf_printf(
        &b, "{%s%s\"signature\":{\"scheme\":\"ed25519\",\"public_key\":\"%s\",\"value\":\"%s\"}}",
        members, *members ? "," : "", pk_b64, value);
    assert_false(b.oom);
    return b.data;
}

/* The statement of the members, built here (JCS of type, model, datasets, metadata ({} when
 * absent)) or "" when they do not parse. */
static void statement_of(const char *members, struct buf *out)
{
    struct buf obj = BUF_INIT;
    buf_printf(&obj, "{%s}", members);
    json_t *root = json_loadb(
        obj.data, obj.len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, NULL);
    buf_free(&obj);
    if (!json_is_object(root)) {
        json_decref(root);
        return;
    }
    json_t *st = json_object(), *md = json_object_get(root, "metadata");
    json_object_set_new(st, "type", json_string(MODEL_STATEMENT_TYPE));
    json_object_set_new(st, "metadata", md ? json_incref(md) : json_object());
    const char *keep[] = {"model", "datasets"};
    for (size_t i = 0; i < N(keep); i++)
        if (json_object_get(root, keep[i]))
            json_object_set(st, keep[i], json_object_get(root, keep[i]));
    assert_true(jcs_serialize(st, out));
    json_decref(st);
    json_decref(root);
}

/* The body {members,"signature":…}, signed over its statement: only the fields can be wrong. */
static char *signed_body(const char *members)
{
    struct buf st = BUF_INIT;
    statement_of(members, &st);
    char *body = body_signed_over(members, st.data ? st.data : "", st.len);
    buf_free(&st);
    return body;
}

static void assert_buf(const struct buf *b, const char *want)
{
    assert_false(b->oom);
    assert_non_null(b->data);
    if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0)
        fail_msg("got  %.*s\nwant %s", (int)b->len, b->data, want);
}

/* Parses body, which must be accepted (r to be freed by the caller). */
static void expect_ok(const char *body, struct model_request *r)
{
    struct problem err;
    if (!model_request_parse(body, strlen(body), r, &err))
        fail_msg("refused (%d, field \"%s\": %s):\n%s", err.code, err.field, err.detail, body);
}

/* Parses body, which must be refused with code and field; what the parse built is freed. */
static void expect_problem(const char *body, enum problem_code code, const char *field)
{
    struct model_request r;
    struct problem err;
    if (model_request_parse(body, strlen(body), &r, &err)) {
        model_request_free(&r);
        fail_msg("accepted:\n%.400s", body);
    }
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("got code %d field \"%s\" (%s), want code %d field \"%s\", body:\n%.400s",
                 err.code, err.field, err.detail, code, field, body);
    assert_null(r.model.data);
    assert_null(r.metadata.data);
    assert_null(r.statement.data);
    assert_null(r.files);
}

/* The members, signed over their statement, must be refused as invalid-field at field. */
static void expect_invalid(const char *members, const char *field)
{
    char *body = signed_body(members);
    expect_problem(body, PROBLEM_INVALID_FIELD, field);
    free(body);
}

static void expect_valid(const char *members)
{
    char *body = signed_body(members);
    struct model_request r;
    expect_ok(body, &r);
    model_request_free(&r);
    free(body);
}

/* "sha256:" and the 64 hex digits of the byte b repeated: file i's digest. */
static void file_digest(unsigned b, char out[72], uint8_t raw[SHA256_LEN])
{
    memset(raw, (int)b, SHA256_LEN);
    memcpy(out, "sha256:", 7);
    hex_encode(raw, SHA256_LEN, out + 7);
}

/* Members with model.files = paths (n; digests 0x01…, 0x02…) and model.digest their SHA-256
 * (OpenSSL over the concatenation), or digest when not NULL. */
static char *files_members(const char *const *paths, size_t n, const char *digest)
{
    struct buf b = BUF_INIT;
    uint8_t *concat = calloc(n ? n : 1, SHA256_LEN), total[SHA256_LEN];
    assert_non_null(concat);
    buf_puts(&b, "\"model\":{\"name\":\"m\",\"version\":\"v1\",\"files\":[");
    for (size_t i = 0; i < n; i++) {
        char d[72];
        file_digest((unsigned)(i + 1), d, concat + i * SHA256_LEN);
        buf_printf(&b, "%s{\"path\":\"%s\",\"digest\":\"%s\"}", i ? "," : "", paths[i], d);
    }
    SHA256(concat, n * SHA256_LEN, total);
    char hex[2 * SHA256_LEN + 1];
    hex_encode(total, SHA256_LEN, hex);
    if (digest)
        buf_printf(&b, "],\"digest\":\"%s\"}," DATASET_1, digest);
    else
        buf_printf(&b, "],\"digest\":\"sha256:%s\"}," DATASET_1, hex);
    free(concat);
    assert_false(b.oom);
    return b.data;
}

static void expect_files_valid(const char *const *paths, size_t n)
{
    char *m = files_members(paths, n, NULL);
    char *body = signed_body(m);
    struct model_request r;
    expect_ok(body, &r);
    assert_int_equal(r.n_files, n);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < SHA256_LEN; k++)
            assert_int_equal(r.files[i][k], i + 1);
    model_request_free(&r);
    free(body);
    free(m);
}

static void expect_files_invalid(const char *const *paths, size_t n, const char *field)
{
    char *m = files_members(paths, n, NULL);
    expect_invalid(m, field);
    free(m);
}

/* ---- successes and the statement ---- */

static void test_parse_minimal(void **state)
{
    (void)state;
    char *body = signed_body(MINIMAL);
    struct model_request r;
    expect_ok(body, &r);
    assert_string_equal(r.name, "m");
    assert_string_equal(r.version, "v1");
    for (size_t i = 0; i < SHA256_LEN; i++)
        assert_int_equal(r.digest[i], 0xcd);
    assert_int_equal(r.n_datasets, 1);
    assert_int_equal(r.datasets[0].id, 1);
    assert_string_equal(r.datasets[0].members_root_hex, AB64);
    assert_null(r.files);
    assert_int_equal(r.n_files, 0);
    assert_buf(&r.model, "{\"digest\":\"" HASH_CD "\",\"name\":\"m\",\"version\":\"v1\"}");
    assert_buf(&r.metadata, "{}"); /* absent: {} */
    /* the statement always has metadata and never model.files when the request has none */
    assert_buf(&r.statement,
               "{\"datasets\":[{\"id\":1,\"members_root\":\"" AB64 "\"}],"
               "\"metadata\":{},"
               "\"model\":{\"digest\":\"" HASH_CD "\",\"name\":\"m\",\"version\":\"v1\"},"
               "\"type\":\"provd.model.v1\"}");
    uint8_t h[SHA256_LEN];
    SHA256((const unsigned char *)r.statement.data, r.statement.len, h);
    assert_memory_equal(h, r.statement_hash, SHA256_LEN);
    assert_int_equal(r.sig.scheme, SIG_ED25519);
    assert_string_equal(r.sig.signer, pk_b64);
    model_request_free(&r);
    free(body);

    /* "metadata":{} is the same statement as none */
    char *again = signed_body(MINIMAL ",\"metadata\":{}");
    expect_ok(again, &r);
    assert_buf(&r.metadata, "{}");
    assert_int_equal(r.statement.len, 262);
    model_request_free(&r);
    free(again);
}

/* A body written out of order, with whitespace, escapes and numbers in non-canonical form; the
 * statement written by hand from RFC 8785: members sorted, arrays in order, numbers as
 * ECMAScript prints them (1.5e3 -> 1500, -0.0 -> 0, 1e21 -> 1e+21, 7.0 -> 7), strings with only
 * '"', '\\' and control characters escaped (\n short, the rest raw UTF-8). The signature is over
 * the literal, so the parse verifies only if it built exactly these bytes. */
static void test_statement_exact(void **state)
{
    (void)state;
    static const char members[] =
        " \"metadata\" : {\"z\": 1.5e3, \"a\": [true, null, \"x\\u00e9\\n\\/\"],"
        " \"b\": {\"y\": -0.0, \"x\": 1E21}},\n"
        " \"datasets\": [{\"members_root\": \"" CD64 "\", \"id\": 7.0},"
        " {\"id\": 2, \"members_root\": \"" AB64 "\"}],\n"
        " \"model\": {\"version\": \"1.0\", \"files\": [{\"digest\": \"" H11
        "\", \"path\": \"a/b\"},"
        " {\"path\": \"a-c\", \"digest\": \"" H22 "\"}], \"name\": \"m\\u00e9\","
        " \"digest\": \"" H11_22 "\"}";
    static const char want[] =
        "{\"datasets\":[{\"id\":7,\"members_root\":\"" CD64 "\"},"
        "{\"id\":2,\"members_root\":\"" AB64 "\"}],"
        "\"metadata\":{\"a\":[true,null,\"x\xc3\xa9\\n/\"],\"b\":{\"x\":1e+21,\"y\":0},\"z\":1500},"
        "\"model\":{\"digest\":\"" H11_22 "\",\"files\":[{\"digest\":\"" H11 "\",\"path\":\"a/b\"},"
        "{\"digest\":\"" H22 "\",\"path\":\"a-c\"}],\"name\":\"m\xc3\xa9\",\"version\":\"1.0\"},"
        "\"type\":\"provd.model.v1\"}";
    char *body = body_signed_over(members, want, strlen(want));
    struct model_request r;
    expect_ok(body, &r);
    assert_buf(&r.statement, want);
    assert_buf(&r.model, "{\"digest\":\"" H11_22 "\",\"files\":[{\"digest\":\"" H11
                         "\",\"path\":\"a/b\"},{\"digest\":\"" H22 "\",\"path\":\"a-c\"}],"
                         "\"name\":\"m\xc3\xa9\",\"version\":\"1.0\"}");
    assert_buf(&r.metadata, "{\"a\":[true,null,\"x\xc3\xa9\\n/\"],\"b\":{\"x\":1e+21,\"y\":0},"
                            "\"z\":1500}");
    assert_string_equal(r.name, "m\xc3\xa9");
    assert_int_equal(r.n_datasets, 2);
    assert_int_equal(r.datasets[0].id, 7);
    assert_string_equal(r.datasets[0].members_root_hex, CD64);
    assert_int_equal(r.datasets[1].id, 2);
    assert_int_equal(r.n_files, 2);
    assert_int_equal(r.files[0][0], 0x11);
    assert_int_equal(r.files[1][31], 0x22);
    model_request_free(&r);
    free(body);

    /* the statement helper the tests sign with agrees with the hand-written bytes */
    struct buf st = BUF_INIT;
    statement_of(members, &st);
    assert_buf(&st, want);
    buf_free(&st);
}

/* An eip712 signature made by ethers (Wallet 0x11…11, signTypedData over ProvdModel with the
 * keccak256 of the statement that tests/blackbox/lib/jcs.mjs computes). */
static void test_eip712_ethers(void **state)
{
    (void)state;
    static const char body[] =
        "{" MINIMAL ",\"metadata\":{\"license\":\"MIT\"},\"signature\":{\"scheme\":\"eip712\","
        "\"address\":\"0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A\",\"value\":"
        "\"0x2100ce4f7fdbde00aacd"
        "24fb9580ee57ef50a425d4d1d0e0de5ccc54125c29f70630bdb0782c8050865ba05127528d722aa93ae3d2329c"
        "c5b86df3c7ed1dc2501c\"}}";
    struct model_request r;
    expect_ok(body, &r);
    assert_int_equal(r.sig.scheme, SIG_EIP712);
    assert_string_equal(r.sig.signer, "0x19E7E376E7C213B7E7e7e46cc70A5dD086DAff2A");
    assert_buf(&r.statement,
               "{\"datasets\":[{\"id\":1,\"members_root\":\"" AB64 "\"}],"
               "\"metadata\":{\"license\":\"MIT\"},"
               "\"model\":{\"digest\":\"" HASH_CD "\",\"name\":\"m\",\"version\":\"v1\"},"
               "\"type\":\"provd.model.v1\"}");
    model_request_free(&r);
    /* any other statement: another signer is recovered */
    char other[sizeof body];
    memcpy(other, body, sizeof body);
    char *mit = strstr(other, "MIT");
    mit[0] = 'B';
    expect_problem(other, PROBLEM_SIGNATURE_INVALID, "signature.value");
}

/* ---- model.files ---- */

static void test_files_digest(void **state)
{
    (void)state;
    static const char *const two[] = {"config.json", "weights/model.bin"};
    expect_files_valid(two, N(two));
    /* a model.digest that is not the SHA-256 of the listed digests in order */
    char *m = files_members(two, N(two), HASH_CD);
    expect_invalid(m, "model.digest");
    free(m);
    /* the digest of the same file digests concatenated in the other order */
    uint8_t concat[2 * SHA256_LEN], h[SHA256_LEN];
    memset(concat, 0x02, SHA256_LEN);
    memset(concat + SHA256_LEN, 0x01, SHA256_LEN);
    SHA256(concat, sizeof concat, h);
    char other[7 + 2 * SHA256_LEN + 1] = "sha256:";
    hex_encode(h, SHA256_LEN, other + 7);
    m = files_members(two, N(two), other);
    expect_invalid(m, "model.digest");
    free(m);
    /* paths out of order with a matching digest: the order is at fault */
    static const char *const swapped[] = {"weights/model.bin", "config.json"};
    m = files_members(swapped, N(swapped), NULL);
    expect_invalid(m, "model.files[1].path");
    free(m);
    /* the one-file model: model.digest is SHA-256 of the file's digest */
    m = files_members((const char *const[]){"."}, 1, NULL);
    expect_valid(m);
    free(m);
    m = files_members((const char *const[]){"."}, 1,
                      "sha256:0101010101010101010101010101010101010101010101010101010101010101");
    expect_invalid(m, "model.digest"); /* the file's own digest is not the model digest */
    free(m);
}

static void test_files_order(void **state)
{
    (void)state;
    static const struct {
        const char *paths[5];
        size_t n;
        const char *field; /* NULL: valid */
    } cases[] = {
        {{"a/b", "a-c", "a.b", "a0"}, 4, NULL}, /* pathlib order, not strcmp's */
        {{"a", "a/b", "a/b/c", "ab"}, 4, NULL},
        {{".hidden", "A", "Z", "a", "\xc3\xa9"}, 5, NULL},
        {{"d0/d1/f", "d0/f", "d0/f/g"}, 3, NULL},
        {{"b", "a"}, 2, "model.files[1].path"},
        {{"a", "a"}, 2, "model.files[1].path"},     /* a duplicate */
        {{"a-c", "a/b"}, 2, "model.files[1].path"}, /* strcmp order: '-' < '/' */
        {{"a.b", "a/b"}, 2, "model.files[1].path"},
        {{"a/b", "a"}, 2, "model.files[1].path"},
        {{"x", "y", "x"}, 3, "model.files[2].path"},
        {{"a", "b", "c", "c"}, 4, "model.files[3].path"},
        {{"a", "b/c", "b/c"}, 3, "model.files[2].path"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        if (cases[i].field)
            expect_files_invalid(cases[i].paths, cases[i].n, cases[i].field);
        else
            expect_files_valid(cases[i].paths, cases[i].n);
    }
}

static void test_files_single_dot(void **state)
{
    (void)state;
    expect_files_valid((const char *const[]){"."}, 1);
    expect_files_invalid((const char *const[]){".", "a"}, 2, "model.files[0].path");
    expect_files_invalid((const char *const[]){"a", "."}, 2, "model.files[1].path");
    expect_files_invalid((const char *const[]){"./"}, 1, "model.files[0].path");
    expect_files_invalid((const char *const[]){"./a"}, 1, "model.files[0].path");
    expect_files_invalid((const char *const[]){"/."}, 1, "model.files[0].path");
}

static void test_files_bad_paths(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "/abs",      "a//b",    "a/./b",   "../x",      "a/../b",   "a/..",  "..",    "a/",
        "/",         "",        ".//a",    "a\\u0001b", "\\u001f",  "a\\tb", "a\\nb", "a\\u007fb",
        "a\\u0000b", "\\u0000", "\\u0085", "a\\u009fb", "\xc2\x80", /* C1 controls */
    };
    for (size_t i = 0; i < N(bad); i++) {
        expect_files_invalid(&bad[i], 1, "model.files[0].path");
        /* in second place too */
        const char *two[] = {"0", bad[i]};
        expect_files_invalid(two, 2, "model.files[1].path");
    }
    static const char *const good[] = {"a b",        ".hidden", "...",    "a/.b",
                                       "..a",        "a..",     "a\\\\b", "\xc3\xa9/\xc3\xbc",
                                       "a/b/c/d/e/f"};
    for (size_t i = 0; i < N(good); i++)
        expect_files_valid(&good[i], 1);

    /* 1 to 4096 bytes */
    char *longest = malloc(MODEL_PATH_MAX + 2);
    assert_non_null(longest);
    memset(longest, 'a', MODEL_PATH_MAX + 1);
    longest[MODEL_PATH_MAX] = '\0';
    expect_files_valid((const char *const *)&longest, 1);
    longest[MODEL_PATH_MAX] = 'a';
    longest[MODEL_PATH_MAX + 1] = '\0';
    expect_files_invalid((const char *const *)&longest, 1, "model.files[0].path");
    free(longest);
}

static void test_files_shape(void **state)
{
    (void)state;
    static const struct {
        const char *files, *field;
    } cases[] = {
        {"[]", "model.files"},
        {"{}", "model.files"},
        {"null", "model.files"},
        {"\"a\"", "model.files"},
        {"[1]", "model.files[0]"},
        {"[[]]", "model.files[0]"},
        {"[{\"path\":\"a\",\"digest\":\"" H11 "\",\"size\":1}]", "model.files[0].size"},
        {"[{\"path\":\"a\"}]", "model.files[0].digest"},
        {"[{\"digest\":\"" H11 "\"}]", "model.files[0].path"},
        {"[{\"path\":1,\"digest\":\"" H11 "\"}]", "model.files[0].path"},
        {"[{\"path\":\"a\",\"digest\":\"SHA256:1111111111111111111111111111111111111111111111111111"
         "111111111111\"}]",
         "model.files[0].digest"},
        {"[{\"path\":\"a\",\"digest\":\"sha256:1111111111111111111111111111111111111111111111111111"
         "11111111111A\"}]",
         "model.files[0].digest"},
        {"[{\"path\":\"a\",\"digest\":\"sha256:11\"}]", "model.files[0].digest"},
        {"[{\"path\":\"a\",\"digest\":\"" H11 "\\u0000\"}]", "model.files[0].digest"},
        {"[{\"path\":\"a\",\"digest\":\"" H11 "\"},{\"path\":\"b\",\"digest\":null}]",
         "model.files[1].digest"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct buf m = BUF_INIT;
        buf_printf(&m,
                   "\"model\":{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" H11_22
                   "\",\"files\":%s}," DATASET_1,
                   cases[i].files);
        expect_invalid(m.data, cases[i].field);
        buf_free(&m);
    }
    /* at most 10000 files */
    struct buf m = BUF_INIT;
    buf_puts(&m,
             "\"model\":{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" H11_22 "\",\"files\":[");
    for (size_t i = 0; i <= MODEL_FILES_MAX; i++)
        buf_printf(&m, "%s{\"path\":\"f%05zu\",\"digest\":\"" H11 "\"}", i ? "," : "", i);
    buf_puts(&m, "]}," DATASET_1);
    assert_false(m.oom);
    expect_invalid(m.data, "model.files");
    buf_free(&m);
}

static void test_files_max(void **state)
{
    (void)state;
    const char **paths = calloc(MODEL_FILES_MAX, sizeof *paths);
    char(*names)[8] = calloc(MODEL_FILES_MAX, sizeof *names);
    assert_non_null(paths);
    assert_non_null(names);
    for (size_t i = 0; i < MODEL_FILES_MAX; i++) {
        snprintf(names[i], sizeof names[i], "f%05zu", i);
        paths[i] = names[i];
    }
    char *m = files_members(paths, MODEL_FILES_MAX, NULL); /* digests 0x01… wrap at 256 */
    char *body = signed_body(m);
    struct model_request r;
    expect_ok(body, &r);
    assert_int_equal(r.n_files, MODEL_FILES_MAX);
    assert_int_equal(r.files[MODEL_FILES_MAX - 1][0], MODEL_FILES_MAX % 256);
    model_request_free(&r);
    free(body);
    free(m);
    free(names);
    free(paths);
}

/* ---- datasets ---- */

/* Members with n datasets whose ids are id(i). */
static char *datasets_members(size_t n, int64_t (*id)(size_t))
{
    struct buf b = BUF_INIT;
    buf_puts(&b, MODEL_M ",\"datasets\":[");
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s{\"id\":%" PRId64 ",\"members_root\":\"" AB64 "\"}", i ? "," : "", id(i));
    buf_puts(&b, "]");
    assert_false(b.oom);
    return b.data;
}

static int64_t id_plus_one(size_t i)
{
    return (int64_t)i + 1;
}

static int64_t id_repeats_last(size_t i)
{
    return i == 99 ? 50 : (int64_t)i + 1;
}

static void test_datasets_count(void **state)
{
    (void)state;
    expect_invalid(MODEL_M, "datasets");
    expect_invalid(MODEL_M ",\"datasets\":[]", "datasets");
    expect_invalid(MODEL_M ",\"datasets\":{}", "datasets");
    expect_invalid(MODEL_M ",\"datasets\":null", "datasets");
    expect_invalid(MODEL_M ",\"datasets\":{\"id\":1,\"members_root\":\"" AB64 "\"}", "datasets");
    char *m = datasets_members(MODEL_DATASETS_MAX, id_plus_one);
    char *body = signed_body(m);
    struct model_request r;
    expect_ok(body, &r);
    assert_int_equal(r.n_datasets, MODEL_DATASETS_MAX);
    assert_int_equal(r.datasets[99].id, 100);
    model_request_free(&r);
    free(body);
    free(m);
    m = datasets_members(MODEL_DATASETS_MAX + 1, id_plus_one);
    expect_invalid(m, "datasets");
    free(m);
    m = datasets_members(MODEL_DATASETS_MAX, id_repeats_last);
    expect_invalid(m, "datasets[99].id");
    free(m);
}

static void test_datasets_ids(void **state)
{
    (void)state;
    static const struct {
        const char *datasets, *field;
    } cases[] = {
        {"[{\"id\":1,\"members_root\":\"" AB64 "\"},{\"id\":1,\"members_root\":\"" CD64 "\"}]",
         "datasets[1].id"},
        {"[{\"id\":1,\"members_root\":\"" AB64 "\"},{\"id\":1.0,\"members_root\":\"" AB64 "\"}]",
         "datasets[1].id"},
        {"[{\"id\":3,\"members_root\":\"" AB64 "\"},{\"id\":4,\"members_root\":\"" AB64
         "\"},{\"id\":3e0,\"members_root\":\"" AB64 "\"}]",
         "datasets[2].id"},
        {"[{\"id\":0,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":-1,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":1.5,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":0.5,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":\"1\",\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":true,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":null,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":[1],\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":9007199254740992,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":1e300,\"members_root\":\"" AB64 "\"}]", "datasets[0].id"},
        {"[{\"id\":1,\"members_root\":\"" AB64 "\"},{\"id\":2.5,\"members_root\":\"" AB64 "\"}]",
         "datasets[1].id"},
        {"[1]", "datasets[0]"},
        {"[{\"id\":1,\"members_root\":\"" AB64 "\"},null]", "datasets[1]"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct buf m = BUF_INIT;
        buf_printf(&m, MODEL_M ",\"datasets\":%s", cases[i].datasets);
        expect_invalid(m.data, cases[i].field);
        buf_free(&m);
    }
    /* the largest id, and an integer written as a real (the statement writes it as JCS does) */
    expect_valid(MODEL_M ",\"datasets\":[{\"id\":9007199254740991,\"members_root\":\"" AB64 "\"}]");
    char *body = signed_body(MODEL_M ",\"datasets\":[{\"id\":2.0,\"members_root\":\"" AB64
                                     "\"},{\"id\":1e1,\"members_root\":\"" AB64 "\"}]");
    struct model_request r;
    expect_ok(body, &r);
    assert_int_equal(r.datasets[0].id, 2);
    assert_int_equal(r.datasets[1].id, 10);
    assert_non_null(strstr(r.statement.data, "[{\"id\":2,\"members_root\":\"" AB64
                                             "\"},{\"id\":10,\"members_root\":\"" AB64 "\"}]"));
    model_request_free(&r);
    free(body);
}

static void test_datasets_roots(void **state)
{
    (void)state;
    static const char *const roots[] = {
        "\"" AB16 AB16 AB16 "ABABABABABABABAB\"",        /* uppercase */
        "\"" AB16 AB16 AB16 "abababababababa\"",         /* 63 digits */
        "\"" AB64 "a\"",                                 /* 65 */
        "\"0x" AB16 AB16 AB16 "ababababababab\"",        /* 0x and 62 */
        "\"" AB16 AB16 AB16 "abababababababag\"",        /* not hex */
        "\"sha256:" AB64 "\"",                           /* a content hash */
        "\"" AB16 AB16 AB16 "abababababababa\\u0000\"",  /* NUL as the 64th */
        "\"" AB16 AB16 AB16 "abababababababab\\u0000\"", /* 64 then NUL */
        "1",
        "null",
        "[\"" AB64 "\"]",
    };
    for (size_t i = 0; i < N(roots); i++) {
        struct buf m = BUF_INIT;
        buf_printf(&m, MODEL_M ",\"datasets\":[{\"id\":1,\"members_root\":%s}]", roots[i]);
        expect_invalid(m.data, "datasets[0].members_root");
        buf_free(&m);
    }
    expect_invalid(MODEL_M ",\"datasets\":[{\"id\":1}]", "datasets[0].members_root");
    expect_invalid(MODEL_M ",\"datasets\":[{\"id\":1,\"members_root\":\"" AB64
                           "\"},{\"id\":2,\"members_root\":\"" AB16 "\"}]",
                   "datasets[1].members_root");
}

/* ---- the rest of the body ---- */

static void test_unknown_keys(void **state)
{
    (void)state;
    expect_invalid(MINIMAL ",\"extra\":1", "extra");
    expect_invalid(MINIMAL ",\"type\":\"provd.model.v1\"", "type");
    expect_invalid("\"model\":{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" HASH_CD
                   "\",\"extra\":1}," DATASET_1,
                   "model.extra");
    expect_invalid(MODEL_M ",\"datasets\":[{\"id\":1,\"members_root\":\"" AB64
                           "\",\"name\":\"x\"}]",
                   "datasets[0].name");
    expect_invalid(MODEL_M ",\"datasets\":[{\"id\":1,\"members_root\":\"" AB64
                           "\"},{\"id\":2,\"members_root\":\"" AB64 "\",\"sealed\":true}]",
                   "datasets[1].sealed");
    expect_invalid("\"model\":{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" H11_22
                   "\",\"files\":[{\"path\":\"a\",\"digest\":\"" H11
                   "\",\"mode\":\"0644\"}]}," DATASET_1,
                   "model.files[0].mode");
    /* signature members are sig_claim_parse's */
    char *body = signed_body(MINIMAL);
    struct buf b = BUF_INIT;
    buf_append(&b, body, strlen(body) - 2);
    buf_puts(&b, ",\"extra\":1}}");
    expect_problem(b.data, PROBLEM_INVALID_FIELD, "signature.extra");
    buf_free(&b);
    free(body);
}

static void test_metadata(void **state)
{
    (void)state;
    static const char *const not_objects[] = {"[]", "\"x\"", "1", "null", "true", "[{}]"};
    for (size_t i = 0; i < N(not_objects); i++) {
        struct buf m = BUF_INIT;
        buf_printf(&m, MINIMAL ",\"metadata\":%s", not_objects[i]);
        expect_invalid(m.data, "metadata");
        buf_free(&m);
    }
    /* any object, within the item limits: 8 levels, 16384 canonical bytes */
    struct buf m = BUF_INIT;
    buf_puts(&m, MINIMAL ",\"metadata\":");
    for (int i = 0; i < ITEM_METADATA_DEPTH; i++)
        buf_puts(&m, "{\"a\":");
    buf_puts(&m, "1");
    for (int i = 0; i < ITEM_METADATA_DEPTH; i++)
        buf_putc(&m, '}');
    expect_valid(m.data);
    buf_free(&m);
    buf_puts(&m, MINIMAL ",\"metadata\":");
    for (int i = 0; i <= ITEM_METADATA_DEPTH; i++)
        buf_puts(&m, "{\"a\":");
    buf_puts(&m, "1");
    for (int i = 0; i <= ITEM_METADATA_DEPTH; i++)
        buf_putc(&m, '}');
    expect_invalid(m.data, "metadata");
    buf_free(&m);
    /* {"s":"…"} is 8 bytes besides the string */
    char *big = malloc(ITEM_METADATA_MAX);
    assert_non_null(big);
    memset(big, 'x', ITEM_METADATA_MAX - 8);
    big[ITEM_METADATA_MAX - 8] = '\0';
    buf_printf(&m, MINIMAL ",\"metadata\":{\"s\":\"%s\"}", big);
    expect_valid(m.data);
    buf_free(&m);
    buf_printf(&m, MINIMAL ",\"metadata\":{\"s\":\"%sx\"}", big);
    expect_invalid(m.data, "metadata");
    buf_free(&m);
    free(big);
}

static void test_model_fields(void **state)
{
    (void)state;
    static const struct {
        const char *model, *field;
    } cases[] = {
        {"[]", "model"},
        {"null", "model"},
        {"\"m\"", "model"},
        {"{\"version\":\"v1\",\"digest\":\"" HASH_CD "\"}", "model.name"},
        {"{\"name\":\"\",\"version\":\"v1\",\"digest\":\"" HASH_CD "\"}", "model.name"},
        {"{\"name\":1,\"version\":\"v1\",\"digest\":\"" HASH_CD "\"}", "model.name"},
        {"{\"name\":\"a\\u0000b\",\"version\":\"v1\",\"digest\":\"" HASH_CD "\"}", "model.name"},
        {"{\"name\":\"m\",\"digest\":\"" HASH_CD "\"}", "model.version"},
        {"{\"name\":\"m\",\"version\":\"\",\"digest\":\"" HASH_CD "\"}", "model.version"},
        {"{\"name\":\"m\",\"version\":null,\"digest\":\"" HASH_CD "\"}", "model.version"},
        {"{\"name\":\"m\",\"version\":\"v1\"}", "model.digest"},
        {"{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" CD64 "\"}", "model.digest"},
        {"{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"sha256:" CD16 CD16 CD16
         "CDCDCDCDCDCDCDCD\"}",
         "model.digest"},
        {"{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"sha512:" CD64 "\"}", "model.digest"},
        {"{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" HASH_CD "0\"}", "model.digest"},
        {"{\"name\":\"m\",\"version\":\"v1\",\"digest\":\"" HASH_CD "\\u0000\"}", "model.digest"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct buf m = BUF_INIT;
        buf_printf(&m, "\"model\":%s," DATASET_1, cases[i].model);
        expect_invalid(m.data, cases[i].field);
        buf_free(&m);
    }
    expect_invalid(DATASET_1, "model");

    /* name 1..200 bytes, version 1..100 */
    char name[MODEL_NAME_MAX + 2], version[MODEL_VERSION_MAX + 2];
    memset(name, 'n', sizeof name - 1);
    memset(version, 'v', sizeof version - 1);
    name[MODEL_NAME_MAX] = version[MODEL_VERSION_MAX] = '\0';
    struct buf m = BUF_INIT;
    buf_printf(
        &m, "\"model\":{\"name\":\"%s\",\"version\":\"%s\",\"digest\":\"" HASH_CD "\"}," DATASET_1,
        name, version);
    char *body = signed_body(m.data);
    struct model_request r;
    expect_ok(body, &r);
    assert_string_equal(r.name, name);
    assert_string_equal(r.version, version);
    model_request_free(&r);
    free(body);
    buf_free(&m);
    name[MODEL_NAME_MAX] = 'n';
    name[MODEL_NAME_MAX + 1] = '\0';
    buf_printf(
        &m, "\"model\":{\"name\":\"%s\",\"version\":\"v\",\"digest\":\"" HASH_CD "\"}," DATASET_1,
        name);
    expect_invalid(m.data, "model.name");
    buf_free(&m);
    version[MODEL_VERSION_MAX] = 'v';
    version[MODEL_VERSION_MAX + 1] = '\0';
    buf_printf(
        &m, "\"model\":{\"name\":\"n\",\"version\":\"%s\",\"digest\":\"" HASH_CD "\"}," DATASET_1,
        version);
    expect_invalid(m.data, "model.version");
    buf_free(&m);
}

static void test_body_shape(void **state)
{
    (void)state;
    expect_problem("[]", PROBLEM_INVALID_FIELD, "");
    expect_problem("\"x\"", PROBLEM_MALFORMED_JSON, ""); /* jansson: an array or object */
    expect_problem("", PROBLEM_MALFORMED_JSON, "");
    expect_problem("{", PROBLEM_MALFORMED_JSON, "");
    expect_problem("{\"model\":{},\"model\":{}}", PROBLEM_MALFORMED_JSON, "");
    expect_problem("{" MINIMAL "} x", PROBLEM_MALFORMED_JSON, "");
    /* no signature */
    expect_problem("{" MINIMAL "}", PROBLEM_INVALID_FIELD, "signature");
    /* a body of exactly len bytes: what follows is not read */
    char *body = signed_body(MINIMAL);
    size_t len = strlen(body);
    char *exact = malloc(len);
    assert_non_null(exact);
    memcpy(exact, body, len);
    struct model_request r;
    struct problem err;
    assert_true(model_request_parse(exact, len, &r, &err));
    model_request_free(&r);
    assert_false(model_request_parse(exact, len - 1, &r, &err));
    assert_int_equal(err.code, PROBLEM_MALFORMED_JSON);
    free(exact);
    free(body);
}

static void test_bad_signature(void **state)
{
    (void)state;
    /* one bit of the signature */
    char *body = signed_body(MINIMAL);
    char *value = strstr(body, "\"value\":\"") + 9;
    value[10] = value[10] == 'A' ? 'B' : 'A';
    expect_problem(body, PROBLEM_SIGNATURE_INVALID, "signature.value");
    free(body);

    /* signatures over other bytes than the statement */
    struct buf st = BUF_INIT;
    statement_of(MINIMAL, &st);
    const char *want = st.data;
    char *other[5];
    size_t n = 0;
    other[n++] = body_signed_over(MINIMAL, want, st.len - 1);         /* truncated */
    other[n++] = body_signed_over(MINIMAL, MINIMAL, strlen(MINIMAL)); /* the members */
    /* the statement without type, or with metadata omitted rather than {} */
    static const char no_type[] =
        "{\"datasets\":[{\"id\":1,\"members_root\":\"" AB64 "\"}],"
        "\"metadata\":{},\"model\":{\"digest\":\"" HASH_CD "\",\"name\":\"m\",\"version\":\"v1\"}}";
    static const char no_md[] = "{\"datasets\":[{\"id\":1,\"members_root\":\"" AB64 "\"}],"
                                "\"model\":{\"digest\":\"" HASH_CD "\",\"name\":\"m\","
                                "\"version\":\"v1\"},\"type\":\"provd.model.v1\"}";
    other[n++] = body_signed_over(MINIMAL, no_type, strlen(no_type));
    other[n++] = body_signed_over(MINIMAL, no_md, strlen(no_md));
    /* another version's statement */
    struct buf v2 = BUF_INIT;
    statement_of(
        "\"model\":{\"name\":\"m\",\"version\":\"v2\",\"digest\":\"" HASH_CD "\"}," DATASET_1, &v2);
    other[n++] = body_signed_over(MINIMAL, v2.data, v2.len);
    for (size_t i = 0; i < n; i++) {
        expect_problem(other[i], PROBLEM_SIGNATURE_INVALID, "signature.value");
        free(other[i]);
    }
    buf_free(&v2);
    buf_free(&st);

    /* another key than the one that signed */
    body = signed_body(MINIMAL);
    char *key = strstr(body, pk_b64);
    key[0] = key[0] == 'A' ? 'B' : 'A';
    struct model_request r;
    struct problem err;
    assert_false(model_request_parse(body, strlen(body), &r, &err));
    assert_true(err.code == PROBLEM_SIGNATURE_INVALID || err.code == PROBLEM_INVALID_FIELD);
    free(body);
}

/* ---- statement, signed message and record writers ---- */

static struct model_fields sample_fields(void)
{
    static const char model[] = "{\"digest\":\"" HASH_AB "\",\"name\":\"m\",\"version\":\"1.0\"}";
    static const char datasets[] = "[{\"id\":7,\"members_root\":\"" CD64 "\"}]";
    return (struct model_fields){
        .name = "m",
        .version = "1.0",
        .digest_hex = AB64,
        .model = model,
        .model_len = strlen(model),
        .datasets = datasets,
        .datasets_len = strlen(datasets),
        .metadata = "{}",
        .metadata_len = 2,
    };
}

static void test_statement_write(void **state)
{
    (void)state;
    struct model_fields f = sample_fields();
    struct buf b = BUF_INIT;
    model_statement_write(&b, &f);
    static const char want[] = "{\"datasets\":[{\"id\":7,\"members_root\":\"" CD64 "\"}],"
                               "\"metadata\":{},"
                               "\"model\":{\"digest\":\"" HASH_AB "\",\"name\":\"m\","
                               "\"version\":\"1.0\"},"
                               "\"type\":\"provd.model.v1\"}";
    assert_buf(&b, want);
    buf_free(&b);

    /* the signed message: the statement, or for eip712 a digest of it */
    uint8_t digest[32];
    const uint8_t *msg;
    size_t len;
    assert_true(model_signed_message(&f, SIG_ED25519, &b, digest, &msg, &len));
    assert_buf(&b, want);
    assert_ptr_equal(msg, b.data);
    assert_int_equal(len, b.len);
    buf_free(&b);
    assert_true(model_signed_message(&f, SIG_EIP712, &b, digest, &msg, &len));
    assert_buf(&b, want);
    assert_ptr_equal(msg, digest);
    assert_int_equal(len, 32);
    buf_free(&b);
    /* the digest must be 64 lowercase hex digits */
    static const char *const bad[] = {AB16, AB64 "ab", AB16 AB16 AB16 "ABABABABABABABAB", ""};
    for (size_t i = 0; i < N(bad); i++) {
        f.digest_hex = bad[i];
        assert_false(model_signed_message(&f, SIG_EIP712, &b, digest, &msg, &len));
        buf_free(&b);
    }
}

static struct model_row sample_row(void)
{
    return (struct model_row){
        .id = 7,
        .f = sample_fields(),
        .signer = ED_PK_B64URL,
        .scheme = "ed25519",
        .signature_hex = ED_SIG_HEX,
        .registered_us = INT64_C(1764623132123456),
        .logged = true,
        .log_index = 42,
    };
}

static void test_record_write(void **state)
{
    (void)state;
    struct model_row row = sample_row();
    struct buf b = BUF_INIT;
    model_record_write(&b, &row);
    assert_buf(&b, "{\"datasets\":[{\"id\":7,\"members_root\":\"" CD64 "\"}],"
                   "\"metadata\":{},"
                   "\"model\":{\"digest\":\"" HASH_AB "\",\"name\":\"m\",\"version\":\"1.0\"},"
                   "\"registered_at\":\"2025-12-01T21:05:32.123456Z\","
                   "\"signature\":{\"public_key\":\"" ED_PK_B64URL "\",\"scheme\":\"ed25519\","
                   "\"value\":\"" ED_SIG_B64URL "\"},"
                   "\"type\":\"provd.model.v1\"}");
    /* canonical: JCS of the parsed record is the record */
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(v);
    struct buf again = BUF_INIT;
    assert_true(jcs_serialize(v, &again));
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    json_decref(v);
    buf_free(&again);
    buf_free(&b);

    row.scheme = "eip191";
    row.signer = ETH_ADDR;
    row.signature_hex = ETH_SIG_HEX;
    row.registered_us = 0;
    static const char md[] = "{\"k\":[1,\"\\u0001\"]}";
    row.f.metadata = md;
    row.f.metadata_len = strlen(md);
    model_record_write(&b, &row);
    assert_buf(&b, "{\"datasets\":[{\"id\":7,\"members_root\":\"" CD64 "\"}],"
                   "\"metadata\":{\"k\":[1,\"\\u0001\"]},"
                   "\"model\":{\"digest\":\"" HASH_AB "\",\"name\":\"m\",\"version\":\"1.0\"},"
                   "\"registered_at\":\"1970-01-01T00:00:00.000000Z\","
                   "\"signature\":{\"address\":\"" ETH_ADDR "\",\"scheme\":\"eip191\","
                   "\"value\":\"0x" ETH_SIG_HEX "\"},"
                   "\"type\":\"provd.model.v1\"}");
    buf_free(&b);
}

/* The record of a parsed request is its statement with registered_at and signature added. */
static void test_record_of_request(void **state)
{
    (void)state;
    char *body = signed_body(MINIMAL ",\"metadata\":{\"a\":1}");
    struct model_request r;
    expect_ok(body, &r);
    static const char datasets[] = "[{\"id\":1,\"members_root\":\"" AB64 "\"}]";
    char digest_hex[2 * SHA256_LEN + 1], sig_hex[2 * ED25519_SIGNATURE_LEN + 1];
    hex_encode(r.digest, SHA256_LEN, digest_hex);
    hex_encode(r.sig.signature, r.sig.signature_len, sig_hex);
    struct model_row row = {
        .f = {.name = r.name,
              .version = r.version,
              .digest_hex = digest_hex,
              .model = r.model.data,
              .model_len = r.model.len,
              .datasets = datasets,
              .datasets_len = strlen(datasets),
              .metadata = r.metadata.data,
              .metadata_len = r.metadata.len},
        .signer = r.sig.signer,
        .scheme = "ed25519",
        .signature_hex = sig_hex,
        .registered_us = 1,
    };
    struct buf rec = BUF_INIT, st = BUF_INIT;
    model_record_write(&rec, &row);
    json_t *v = json_loadb(rec.data, rec.len, JSON_DECODE_INT_AS_REAL, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "registered_at")),
                        "1970-01-01T00:00:00.000001Z");
    assert_int_equal(json_object_del(v, "registered_at"), 0);
    assert_int_equal(json_object_del(v, "signature"), 0);
    assert_true(jcs_serialize(v, &st));
    assert_int_equal(st.len, r.statement.len);
    assert_memory_equal(st.data, r.statement.data, st.len);
    json_decref(v);
    buf_free(&st);
    buf_free(&rec);
    model_request_free(&r);
    free(body);
}

/* ---- model_path_cmp ---- */

static int sign_of(int v)
{
    return (v > 0) - (v < 0);
}

static void test_path_cmp(void **state)
{
    (void)state;
    /* a chain in increasing order: every earlier one sorts before every later one */
    static const char *const chain[] = {
        "",    ".hidden", "A",  "Z",  "a", "a/b", "a/b/c",
        "a-c", "a.b",     "a0", "ab", "b", "z",   "\xc3\xa9",
    };
    for (size_t i = 0; i < N(chain); i++)
        for (size_t j = 0; j < N(chain); j++) {
            int want = i < j ? -1 : i > j ? 1 : 0;
            if (sign_of(model_path_cmp(chain[i], chain[j])) != want)
                fail_msg("model_path_cmp(\"%s\", \"%s\") should be %d", chain[i], chain[j], want);
        }
    /* equal paths (distinct pointers) */
    char a[] = "d0/d1/f", b[] = "d0/d1/f";
    assert_int_equal(model_path_cmp(a, b), 0);
    assert_int_equal(model_path_cmp(".", "."), 0);
    /* component by component, not bytewise (strcmp puts "a/z" after "a-": '/' > '-') */
    assert_true(model_path_cmp("a/z", "a-") < 0);
    assert_true(model_path_cmp("d0/f", "d0/d1/f") > 0);
    assert_true(model_path_cmp("x/y", "x/y/z") < 0);
    assert_true(model_path_cmp("x/y/z", "x/y") > 0);
    assert_true(model_path_cmp("a", "a/") < 0); /* never valid paths, but an order still */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_minimal),   cmocka_unit_test(test_statement_exact),
        cmocka_unit_test(test_eip712_ethers),   cmocka_unit_test(test_files_digest),
        cmocka_unit_test(test_files_order),     cmocka_unit_test(test_files_single_dot),
        cmocka_unit_test(test_files_bad_paths), cmocka_unit_test(test_files_shape),
        cmocka_unit_test(test_files_max),       cmocka_unit_test(test_datasets_count),
        cmocka_unit_test(test_datasets_ids),    cmocka_unit_test(test_datasets_roots),
        cmocka_unit_test(test_unknown_keys),    cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_model_fields),    cmocka_unit_test(test_body_shape),
        cmocka_unit_test(test_bad_signature),   cmocka_unit_test(test_statement_write),
        cmocka_unit_test(test_record_write),    cmocka_unit_test(test_record_of_request),
        cmocka_unit_test(test_path_cmp),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
