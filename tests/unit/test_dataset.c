/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <openssl/sha.h>

#include "util/buf.h"
#include "util/jcs.h"
#include "core/dataset.h"
#include "core/item.h" /* ITEM_METADATA_MAX, ITEM_METADATA_DEPTH: the limits datasets share */

#define N(a) (sizeof(a) / sizeof *(a))

/* A test that pins documented behaviour the code does not have yet: it reports the bug and is
 * skipped. Delete the KNOWN_BUG line when the bug is fixed. */
#define KNOWN_BUG(what)                                                                            \
    do {                                                                                           \
        print_message("KNOWN BUG: %s\n", what);                                                    \
        skip();                                                                                    \
    } while (0)

#define AB16    "abababababababab"
#define AB64    AB16 AB16 AB16 AB16
#define HASH_AB "sha256:" AB64
#define ED_SIG_HEX                                                                                 \
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"                             \
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
#define ED_SIG_B64URL                                                                              \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-Pw"
#define ED_SIG_B64STD                                                                              \
    "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
#define ED_PK_B64URL "ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXp7fH1-f4CBgoM" /* bytes 100..131 */
#define ETH_ADDR     "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  /* EIP-55's example */
#define ETH_SIG_HEX                                                                                \
    "1111111111111111111111111111111111111111111111111111111111111111"                             \
    "2222222222222222222222222222222222222222222222222222222222222222"                             \
    "1b"

static const char POLICY_MIT[] = "{\"licenses\":[\"MIT\"]}";

static struct dataset_fields corpus_fields(void)
{
    return (struct dataset_fields){
        .name = "corpus",
        .version = "1.0",
        .metadata = "{}",
        .metadata_len = 2,
        .policy = POLICY_MIT,
        .policy_len = strlen(POLICY_MIT),
        .member_count = 3,
        .members_root_hex = AB64,
    };
}

static void assert_buf(const struct buf *b, const char *want)
{
    assert_false(b->oom);
    assert_non_null(b->data);
    if (b->len != strlen(want) || memcmp(b->data, want, b->len) != 0)
        fail_msg("got  %.*s\nwant %s", (int)b->len, b->data, want);
}

/* 64 lowercase hex digits naming i (distinct hashes for lists). */
static void hash_hex_of(size_t i, char out[65])
{
    snprintf(out, 65, "%064zx", i);
}

/* ---- statement and record ---- */

static void test_statement_exact(void **state)
{
    (void)state;
    struct dataset_fields f = corpus_fields();
    struct buf b = BUF_INIT;
    dataset_statement_write(&b, &f);
    assert_buf(&b, "{\"member_count\":3,\"members_root\":\"" AB64 "\",\"metadata\":{},"
                   "\"name\":\"corpus\",\"policy\":{\"licenses\":[\"MIT\"]},"
                   "\"type\":\"provd.dataset.v1\",\"version\":\"1.0\"}");
    /* it appends */
    dataset_statement_write(&b, &f);
    assert_int_equal(b.len % 2, 0);
    assert_memory_equal(b.data, b.data + b.len / 2, b.len / 2);
    buf_free(&b);

    f.member_count = 9007199254740992u; /* 2^53: statements write any count exactly */
    f.metadata = "{\"a\":[1,true]}";
    f.metadata_len = strlen(f.metadata);
    f.policy = "{}";
    f.policy_len = 2;
    dataset_statement_write(&b, &f);
    assert_buf(&b, "{\"member_count\":9007199254740992,\"members_root\":\"" AB64 "\","
                   "\"metadata\":{\"a\":[1,true]},\"name\":\"corpus\",\"policy\":{},"
                   "\"type\":\"provd.dataset.v1\",\"version\":\"1.0\"}");
    buf_free(&b);
}

static void test_statement_escaping(void **state)
{
    (void)state;
    struct dataset_fields f = corpus_fields();
    f.name = "a\"b\\c\x01"
             "d\x1f\b\f\n\r\t/é€😀\x7f";
    f.version = "v\"1";
    struct buf b = BUF_INIT;
    dataset_statement_write(&b, &f);
    assert_buf(&b, "{\"member_count\":3,\"members_root\":\"" AB64 "\",\"metadata\":{},"
                   "\"name\":\"a\\\"b\\\\c\\u0001d\\u001f\\b\\f\\n\\r\\t/é€😀\x7f\","
                   "\"policy\":{\"licenses\":[\"MIT\"]},"
                   "\"type\":\"provd.dataset.v1\",\"version\":\"v\\\"1\"}");
    /* what a verifier would compute: JCS of the parsed statement is the statement */
    json_t *v = json_loadb(b.data, b.len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(v);
    assert_string_equal(json_string_value(json_object_get(v, "name")), f.name);
    struct buf again = BUF_INIT;
    assert_true(jcs_serialize(v, &again));
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    json_decref(v);
    buf_free(&again);
    buf_free(&b);
}

static struct dataset_row sealed_row(void)
{
    return (struct dataset_row){
        .id = 7,
        .name = "corpus",
        .version = "1.0",
        .metadata = "{}",
        .metadata_len = 2,
        .policy = POLICY_MIT,
        .policy_len = strlen(POLICY_MIT),
        .sealed = true,
        .member_count = 3,
        .members_root_hex = AB64,
        .created_us = 1,
        .sealed_us = INT64_C(1764623132123456),
        .signer = ED_PK_B64URL,
        .scheme = "ed25519",
        .signature_hex = ED_SIG_HEX,
        .logged = true,
        .log_index = 42,
    };
}

static void test_record_ed25519(void **state)
{
    (void)state;
    struct dataset_row row = sealed_row();
    struct buf b = BUF_INIT;
    dataset_record_write(&b, &row);
    assert_buf(&b, "{\"member_count\":3,\"members_root\":\"" AB64 "\",\"metadata\":{},"
                   "\"name\":\"corpus\",\"policy\":{\"licenses\":[\"MIT\"]},"
                   "\"sealed_at\":\"2025-12-01T21:05:32.123456Z\","
                   "\"signature\":{\"public_key\":\"" ED_PK_B64URL "\",\"scheme\":\"ed25519\","
                   "\"value\":\"" ED_SIG_B64URL "\"},"
                   "\"type\":\"provd.dataset.v1\",\"version\":\"1.0\"}");
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
}

static void test_record_eip191(void **state)
{
    (void)state;
    struct dataset_row row = sealed_row();
    row.scheme = "eip191";
    row.signer = ETH_ADDR;
    row.signature_hex = ETH_SIG_HEX;
    row.sealed_us = INT64_C(1700000000000007);
    row.metadata = "{\"a\":\"x\"}";
    row.metadata_len = strlen(row.metadata);
    row.policy = "{}";
    row.policy_len = 2;
    row.name = "n\"1";
    struct buf b = BUF_INIT;
    dataset_record_write(&b, &row);
    assert_buf(&b, "{\"member_count\":3,\"members_root\":\"" AB64 "\",\"metadata\":{\"a\":\"x\"},"
                   "\"name\":\"n\\\"1\",\"policy\":{},"
                   "\"sealed_at\":\"2023-11-14T22:13:20.000007Z\","
                   "\"signature\":{\"address\":\"" ETH_ADDR "\",\"scheme\":\"eip191\","
                   "\"value\":\"0x" ETH_SIG_HEX "\"},"
                   "\"type\":\"provd.dataset.v1\",\"version\":\"1.0\"}");
    buf_free(&b);

    row.scheme = "eip712";
    row.sealed_us = 0;
    dataset_record_write(&b, &row);
    assert_buf(&b, "{\"member_count\":3,\"members_root\":\"" AB64 "\",\"metadata\":{\"a\":\"x\"},"
                   "\"name\":\"n\\\"1\",\"policy\":{},"
                   "\"sealed_at\":\"1970-01-01T00:00:00.000000Z\","
                   "\"signature\":{\"address\":\"" ETH_ADDR "\",\"scheme\":\"eip712\","
                   "\"value\":\"0x" ETH_SIG_HEX "\"},"
                   "\"type\":\"provd.dataset.v1\",\"version\":\"1.0\"}");
    buf_free(&b);
}

static void test_row_fields(void **state)
{
    (void)state;
    struct dataset_row row = sealed_row();
    struct dataset_fields f;
    dataset_row_fields(&row, &f);
    assert_ptr_equal(f.name, row.name);
    assert_ptr_equal(f.version, row.version);
    assert_ptr_equal(f.metadata, row.metadata);
    assert_int_equal(f.metadata_len, 2);
    assert_ptr_equal(f.policy, row.policy);
    assert_int_equal(f.policy_len, strlen(POLICY_MIT));
    assert_int_equal(f.member_count, 3);
    assert_string_equal(f.members_root_hex, AB64);
    row.members_root_hex = NULL; /* an empty dataset */
    dataset_row_fields(&row, &f);
    assert_string_equal(f.members_root_hex, "");
    /* the statement of the row is the record without sealed_at and signature */
    struct buf st = BUF_INIT;
    struct dataset_fields cf = corpus_fields();
    dataset_statement_write(&st, &cf);
    row = sealed_row();
    dataset_row_fields(&row, &f);
    struct buf st2 = BUF_INIT;
    dataset_statement_write(&st2, &f);
    assert_int_equal(st.len, st2.len);
    assert_memory_equal(st.data, st2.data, st.len);
    buf_free(&st);
    buf_free(&st2);
}

/* ---- member leaf ---- */

static void test_member_leaf(void **state)
{
    (void)state;
    uint8_t hash[SHA256_LEN], leaf[SHA256_LEN], want[SHA256_LEN];
    /* known answers: printf '\x00sha256:<hex>' | sha256sum */
    memset(hash, 0xab, sizeof hash);
    dataset_member_leaf(hash, leaf);
    assert_true(hex_decode("2aa4a2896a890f4ea7019f2e4fd026a4c9f3254839650decb95066e918892092", 64,
                           want, sizeof want, true));
    assert_memory_equal(leaf, want, SHA256_LEN);
    memset(hash, 0, sizeof hash);
    dataset_member_leaf(hash, leaf);
    assert_true(hex_decode("bef3be7ba684d64c44d6603f62ef6221f9c25f229f082c6b6f30b1464eeb4d98", 64,
                           want, sizeof want, true));
    assert_memory_equal(leaf, want, SHA256_LEN);
    /* against OpenSSL, over varied hashes */
    for (unsigned k = 0; k < 64; k++) {
        for (size_t i = 0; i < SHA256_LEN; i++)
            hash[i] = (uint8_t)(k * 37 + i * 11 + (i ^ k));
        char in[1 + 7 + 64 + 1];
        in[0] = 0;
        memcpy(in + 1, "sha256:", 7);
        hex_encode(hash, SHA256_LEN, in + 8);
        SHA256((const unsigned char *)in, 1 + 7 + 64, want);
        dataset_member_leaf(hash, leaf);
        assert_memory_equal(leaf, want, SHA256_LEN);
    }
}

/* ---- signed message ---- */

static void test_signed_message_statement(void **state)
{
    (void)state;
    struct dataset_fields f = corpus_fields();
    struct buf want = BUF_INIT;
    dataset_statement_write(&want, &f);
    const enum sig_scheme schemes[] = {SIG_ED25519, SIG_ECDSA_P256, SIG_EIP191};
    for (size_t i = 0; i < N(schemes); i++) {
        struct buf st = BUF_INIT;
        uint8_t digest[32] = {0};
        const uint8_t *msg = NULL;
        size_t len = 0;
        assert_true(dataset_signed_message(&f, schemes[i], &st, digest, &msg, &len));
        assert_ptr_equal(msg, (const uint8_t *)st.data);
        assert_int_equal(len, want.len);
        assert_memory_equal(msg, want.data, len);
        buf_free(&st);
    }
    buf_free(&want);
}

static void check_eip712(const struct dataset_fields *f, const char *want_hex)
{
    struct buf st = BUF_INIT, want_st = BUF_INIT;
    uint8_t digest[32], want[32];
    const uint8_t *msg = NULL;
    size_t len = 0;
    assert_true(dataset_signed_message(f, SIG_EIP712, &st, digest, &msg, &len));
    assert_ptr_equal(msg, digest);
    assert_int_equal(len, 32);
    assert_int_equal(unhex(want_hex, want, sizeof want), 32);
    assert_memory_equal(digest, want, 32);
    /* the statement is written too, and is not what is signed */
    dataset_statement_write(&want_st, f);
    assert_int_equal(st.len, want_st.len);
    assert_memory_equal(st.data, want_st.data, st.len);
    assert_true(st.len != 32 || memcmp(st.data, digest, 32) != 0);
    buf_free(&st);
    buf_free(&want_st);
}

static void test_signed_message_eip712(void **state)
{
    (void)state;
    /* computed with ethers 6 TypedDataEncoder.hash({name:'provd',version:'1'}, {ProvdDataset:
     * [...]}, {..., metadataHash: keccak256(toUtf8Bytes('{}')), policyHash: keccak256(...)}) */
    struct dataset_fields f = corpus_fields();
    check_eip712(&f, "0x886ebe8ab7ebca9d53874daf0ab896d6b9258c5151c00ffaf543e6e83e94a1e0");
    f.name = "café \"x\"";
    f.version = "2";
    f.member_count = 9007199254740992u;
    f.members_root_hex = "0101010101010101010101010101010101010101010101010101010101010101";
    f.metadata = "{\"a\":1,\"b\":[true,null]}";
    f.metadata_len = strlen(f.metadata);
    f.policy = "{}";
    f.policy_len = 2;
    check_eip712(&f, "0x915aca69b12b50e8e24c62d4d5097dec3218fc03a6742eb6b586a0c981bbc0cd");
}

static void expect_bad_root(const char *root)
{
    struct dataset_fields f = corpus_fields();
    f.members_root_hex = root;
    const enum sig_scheme schemes[] = {SIG_ED25519, SIG_EIP712};
    for (size_t i = 0; i < N(schemes); i++) {
        struct buf st = BUF_INIT;
        uint8_t digest[32];
        const uint8_t *msg = NULL;
        size_t len = 0;
        if (dataset_signed_message(&f, schemes[i], &st, digest, &msg, &len))
            fail_msg("scheme %d: accepted members_root \"%s\"", schemes[i], root);
        buf_free(&st);
    }
}

/* A members root that is not 64 lowercase hex digits has no message. */
static void test_signed_message_bad_root(void **state)
{
    (void)state;
    expect_bad_root("AB" AB16 AB16 AB16 "ababababababab");
    expect_bad_root(AB16 AB16 AB16 "abababababababaG");
    expect_bad_root("zz" AB16 AB16 AB16 "ababababababab");
    expect_bad_root("0x" AB16 AB16 AB16 "ababababababab");
}

/* The same for a root shorter than 64 digits: "" is what dataset_row_fields gives for an empty
 * dataset. dataset_signed_message hex-decodes 64 digits whatever the string's length, and
 * hex_decode reads both digits of a pair before checking either, so "" is read one byte past its
 * NUL (ASan: global-buffer-overflow in hex_decode, codec.c:36). The callers today pass only
 * 64-digit roots (check_seal compares with the seal's, verify_record checks the length). */
static void test_signed_message_short_root(void **state)
{
    (void)state;
    expect_bad_root("");
    expect_bad_root(AB16);
    expect_bad_root(AB16 AB16 AB16 "abababababababa");
}

/* ---- dataset_create_parse ---- */

static void expect_create_error(const char *body, enum problem_code code, const char *field)
{
    struct dataset_create c;
    struct problem err;
    if (dataset_create_parse(body, strlen(body), &c, &err)) {
        dataset_create_free(&c);
        fail_msg("accepted: %s", body);
    }
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("body %s: got code %d field '%s' (%s), want %d '%s'", body, err.code, err.field,
                 err.detail, code, field);
    assert_true(err.detail[0] != '\0');
    assert_null(c.metadata.data); /* freed on failure */
    assert_null(c.policy.data);
}

static void expect_create_ok(const char *body, struct dataset_create *c)
{
    struct problem err;
    if (!dataset_create_parse(body, strlen(body), c, &err))
        fail_msg("rejected %s: %s: %s", body, err.field, err.detail);
}

static void test_create_minimal(void **state)
{
    (void)state;
    struct dataset_create c;
    expect_create_ok("{\"name\":\"corpus\",\"version\":\"1.0\"}", &c);
    assert_string_equal(c.name, "corpus");
    assert_string_equal(c.version, "1.0");
    assert_buf(&c.metadata, "{}");
    assert_buf(&c.policy, "{}");
    assert_false(c.pol.has_licenses);
    assert_int_equal(c.pol.n_licenses, 0);
    assert_false(c.pol.require_known_signer);
    assert_false(c.pol.require_logged);
    assert_false(c.pol.require_anchored);
    assert_false(c.pol.respect_content_usage);
    assert_false(c.pol.generative);
    dataset_create_free(&c);
    /* explicit empty objects are the same */
    expect_create_ok(" {\"policy\":{},\"metadata\":{},\"version\":\"1.0\",\"name\":\"corpus\"}\n",
                     &c);
    assert_buf(&c.metadata, "{}");
    assert_buf(&c.policy, "{}");
    dataset_create_free(&c);
}

static void test_create_canonical(void **state)
{
    (void)state;
    struct dataset_create c;
    expect_create_ok(
        "{\"name\":\"caf\\u00e9\",\"version\":\"2026-12\","
        "\"metadata\":{\"z\":1,\"a\":{\"y\":2.50,\"b\":[1e2,\"\\u00e9\",\"\\u001f\"]}},"
        "\"policy\":{\"require_logged\":true,\"licenses\":[\"MIT\",\"Apache-2.0\"],"
        "\"generative\":false}}",
        &c);
    assert_string_equal(c.name, "café");
    assert_string_equal(c.version, "2026-12");
    assert_buf(&c.metadata, "{\"a\":{\"b\":[100,\"é\",\"\\u001f\"],\"y\":2.5},\"z\":1}");
    assert_buf(
        &c.policy,
        "{\"generative\":false,\"licenses\":[\"MIT\",\"Apache-2.0\"],\"require_logged\":true}");
    assert_true(c.pol.has_licenses);
    assert_int_equal(c.pol.n_licenses, 2);
    assert_string_equal(c.pol.licenses[0], "MIT");
    assert_string_equal(c.pol.licenses[1], "Apache-2.0");
    assert_true(c.pol.require_logged);
    assert_false(c.pol.require_anchored);
    assert_false(c.pol.generative);
    dataset_create_free(&c);
}

/* {"name":…,"version":"1", <extra>} */
static char *create_body(const char *name, const char *version, const char *extra)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"name\":\"");
    buf_puts(&b, name);
    buf_puts(&b, "\",\"version\":\"");
    buf_puts(&b, version);
    buf_puts(&b, "\"");
    if (extra) {
        buf_putc(&b, ',');
        buf_puts(&b, extra);
    }
    buf_putc(&b, '}');
    assert_false(b.oom);
    return buf_steal(&b, NULL);
}

static char *repeat(char c, size_t n)
{
    char *s = malloc(n + 1);
    assert_non_null(s);
    memset(s, c, n);
    s[n] = '\0';
    return s;
}

static void test_create_name_version_limits(void **state)
{
    (void)state;
    char *n200 = repeat('n', DATASET_NAME_MAX), *n201 = repeat('n', DATASET_NAME_MAX + 1);
    char *v100 = repeat('v', DATASET_VERSION_MAX), *v101 = repeat('v', DATASET_VERSION_MAX + 1);
    struct dataset_create c;
    char *body = create_body(n200, v100, NULL);
    expect_create_ok(body, &c);
    assert_string_equal(c.name, n200);
    assert_string_equal(c.version, v100);
    dataset_create_free(&c);
    free(body);
    body = create_body(n201, "1", NULL);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "name");
    free(body);
    body = create_body("n", v101, NULL);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "version");
    free(body);
    /* multibyte UTF-8: the limit is in bytes (100 two-byte characters are 200 bytes) */
    struct buf nb = BUF_INIT;
    for (int i = 0; i < 100; i++)
        buf_puts(&nb, "é");
    body = create_body(nb.data, "1", NULL);
    expect_create_ok(body, &c);
    assert_int_equal(strlen(c.name), 200);
    dataset_create_free(&c);
    free(body);
    buf_puts(&nb, "x");
    body = create_body(nb.data, "1", NULL);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "name");
    free(body);
    buf_free(&nb);
    free(n200);
    free(n201);
    free(v100);
    free(v101);
}

struct err_case {
    const char *body;
    enum problem_code code;
    const char *field;
};

static void test_create_errors(void **state)
{
    (void)state;
    const enum problem_code F = PROBLEM_INVALID_FIELD, M = PROBLEM_MALFORMED_JSON;
    const struct err_case cases[] = {
        /* name and version */
        {"{\"version\":\"1\"}", F, "name"},
        {"{\"name\":\"\",\"version\":\"1\"}", F, "name"},
        {"{\"name\":null,\"version\":\"1\"}", F, "name"},
        {"{\"name\":1,\"version\":\"1\"}", F, "name"},
        {"{\"name\":[\"a\"],\"version\":\"1\"}", F, "name"},
        {"{\"name\":\"a\\u0000b\",\"version\":\"1\"}", F, "name"},
        {"{\"name\":\"n\"}", F, "version"},
        {"{\"name\":\"n\",\"version\":\"\"}", F, "version"},
        {"{\"name\":\"n\",\"version\":1}", F, "version"},
        {"{\"name\":\"n\",\"version\":\"1\\u0000\"}", F, "version"},
        {"{}", F, "name"},
        /* the body */
        {"[]", F, ""},
        {"[{\"name\":\"n\",\"version\":\"1\"}]", F, ""},
        /* a scalar body is not JSON text jansson reads (no JSON_DECODE_ANY) */
        {"\"x\"", M, ""},
        {"null", M, ""},
        {"{\"name\":\"n\",\"version\":\"1\",\"extra\":1}", F, "extra"},
        {"{\"Name\":\"n\",\"version\":\"1\"}", F, "Name"},
        {"{\"name\":\"n\",\"version\":\"1\",\"signature\":{}}", F, "signature"},
        /* metadata */
        {"{\"name\":\"n\",\"version\":\"1\",\"metadata\":[]}", F, "metadata"},
        {"{\"name\":\"n\",\"version\":\"1\",\"metadata\":\"{}\"}", F, "metadata"},
        {"{\"name\":\"n\",\"version\":\"1\",\"metadata\":null}", F, "metadata"},
        {"{\"name\":\"n\",\"version\":\"1\",\"metadata\":1}", F, "metadata"},
        /* policy */
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":[]}", F, "policy"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":null}", F, "policy"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":\"MIT\"}", F, "policy"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"license\":[\"MIT\"]}}", F,
         "policy.license"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"require_logged\":true,\"x\":1}}", F,
         "policy.x"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[]}}", F, "policy.licenses"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":\"MIT\"}}", F,
         "policy.licenses"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":{}}}", F, "policy.licenses"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":null}}", F, "policy.licenses"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"not a licence\"]}}", F,
         "policy.licenses[0]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"MIT\",3]}}", F,
         "policy.licenses[1]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"MIT\",\"Apache-2.0\",null]}"
         "}",
         F, "policy.licenses[2]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"MIT OR Apache-2.0\"]}}", F,
         "policy.licenses[0]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\" MIT\"]}}", F,
         "policy.licenses[0]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"MIT \"]}}", F,
         "policy.licenses[0]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"\"]}}", F,
         "policy.licenses[0]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[[\"MIT\"]]}}", F,
         "policy.licenses[0]"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"require_logged\":1}}", F,
         "policy.require_logged"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"require_anchored\":\"true\"}}", F,
         "policy.require_anchored"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"require_known_signer\":null}}", F,
         "policy.require_known_signer"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"respect_content_usage\":0}}", F,
         "policy.respect_content_usage"},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"generative\":[true]}}", F,
         "policy.generative"},
        /* malformed JSON, duplicates */
        {"", M, ""},
        {"{", M, ""},
        {"{\"name\":\"n\",\"version\":\"1\"} x", M, ""},
        {"{\"name\":\"n\",\"version\":\"1\",}", M, ""},
        {"{'name':'n'}", M, ""},
        {"{\"name\":\"a\",\"name\":\"b\",\"version\":\"1\"}", M, ""},
        {"{\"name\":\"n\",\"version\":\"1\",\"metadata\":{\"a\":1,\"a\":2}}", M, ""},
        {"{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"generative\":true,\"generative\":true}}",
         M, ""},
        {"{\"name\":\"n\",\"version\":\"1\",\"metadata\":{\"x\":{\"a\":1,\"a\":1}}}", M, ""},
        {"{\"name\":\"\xff\",\"version\":\"1\"}", M, ""}, /* invalid UTF-8 */
    };
    for (size_t i = 0; i < N(cases); i++)
        expect_create_error(cases[i].body, cases[i].code, cases[i].field);
}

/* {"a":{"a":…{}…}} with depth levels, the outer object included. */
static char *nested(int depth)
{
    struct buf b = BUF_INIT;
    for (int i = 0; i < depth - 1; i++)
        buf_puts(&b, "{\"a\":");
    buf_puts(&b, "{}");
    for (int i = 0; i < depth - 1; i++)
        buf_putc(&b, '}');
    return buf_steal(&b, NULL);
}

static void test_create_depth_and_size(void **state)
{
    (void)state;
    struct dataset_create c;
    /* ITEM_METADATA_DEPTH levels pass, one more does not (arrays count as levels too) */
    char *ok = nested(ITEM_METADATA_DEPTH), *deep = nested(ITEM_METADATA_DEPTH + 1);
    char extra[512];
    snprintf(extra, sizeof extra, "\"metadata\":%s", ok);
    char *body = create_body("n", "1", extra);
    expect_create_ok(body, &c);
    assert_buf(&c.metadata, ok);
    dataset_create_free(&c);
    free(body);
    snprintf(extra, sizeof extra, "\"metadata\":%s", deep);
    body = create_body("n", "1", extra);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "metadata");
    free(body);
    body = create_body("n", "1", "\"metadata\":{\"a\":[[[[[[[[1]]]]]]]]}"); /* 9 levels */
    expect_create_error(body, PROBLEM_INVALID_FIELD, "metadata");
    free(body);
    body = create_body("n", "1", "\"metadata\":{\"a\":[[[[[[[1]]]]]]]}"); /* 8 levels */
    expect_create_ok(body, &c);
    dataset_create_free(&c);
    free(body);
    snprintf(extra, sizeof extra, "\"policy\":%s", deep);
    body = create_body("n", "1", extra);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "policy");
    free(body);
    free(ok);
    free(deep);

    /* canonical metadata of exactly ITEM_METADATA_MAX bytes passes: {"a":"<x>"} is 8 + x */
    char *s = repeat('x', ITEM_METADATA_MAX - 8);
    struct buf eb = BUF_INIT;
    buf_printf(&eb, "\"metadata\":{\"a\":\"%s\"}", s);
    body = create_body("n", "1", eb.data);
    expect_create_ok(body, &c);
    assert_int_equal(c.metadata.len, ITEM_METADATA_MAX);
    dataset_create_free(&c);
    free(body);
    buf_reset(&eb);
    buf_printf(&eb, "\"metadata\":{\"a\":\"%sx\"}", s);
    body = create_body("n", "1", eb.data);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "metadata");
    free(body);
    /* the limit is on the canonical form: whitespace does not count, escapes do */
    buf_reset(&eb);
    buf_printf(&eb, "\"metadata\":{   \"a\"  :  \"%s\"   }", s);
    body = create_body("n", "1", eb.data);
    expect_create_ok(body, &c);
    assert_int_equal(c.metadata.len, ITEM_METADATA_MAX);
    dataset_create_free(&c);
    free(body);
    buf_free(&eb);
    free(s);
}

static void test_create_licenses_limits(void **state)
{
    (void)state;
    struct dataset_create c;
    struct buf eb = BUF_INIT;
    /* 64 entries pass, 65 do not */
    buf_puts(&eb, "\"policy\":{\"licenses\":[");
    for (int i = 0; i < DATASET_LICENSES_MAX; i++)
        buf_printf(&eb, "%s\"LicenseRef-%d\"", i ? "," : "", i);
    buf_puts(&eb, "]}");
    char *body = create_body("n", "1", eb.data);
    expect_create_ok(body, &c);
    assert_int_equal(c.pol.n_licenses, DATASET_LICENSES_MAX);
    assert_string_equal(c.pol.licenses[0], "LicenseRef-0");
    assert_string_equal(c.pol.licenses[63], "LicenseRef-63");
    dataset_create_free(&c);
    free(body);
    eb.len -= 2;
    eb.data[eb.len] = '\0';
    buf_puts(&eb, ",\"MIT\"]}");
    body = create_body("n", "1", eb.data);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "policy.licenses");
    free(body);
    /* an entry of DATASET_LICENSE_MAX bytes passes, one more does not */
    char *x = repeat('x', DATASET_LICENSE_MAX - strlen("LicenseRef-"));
    buf_reset(&eb);
    buf_printf(&eb, "\"policy\":{\"licenses\":[\"MIT\",\"LicenseRef-%s\"]}", x);
    body = create_body("n", "1", eb.data);
    expect_create_ok(body, &c);
    assert_int_equal(strlen(c.pol.licenses[1]), DATASET_LICENSE_MAX);
    dataset_create_free(&c);
    free(body);
    buf_reset(&eb);
    buf_printf(&eb, "\"policy\":{\"licenses\":[\"MIT\",\"LicenseRef-%sx\"]}", x);
    body = create_body("n", "1", eb.data);
    expect_create_error(body, PROBLEM_INVALID_FIELD, "policy.licenses[1]");
    free(body);
    free(x);
    buf_free(&eb);
}

/* Documented: a policy licence entry is an SPDX identifier. An entry with an embedded NUL is
 * accepted, and the parsed policy (what the audit enforces) differs from the canonical policy
 * (what the curator signs and the log shows). */
static void test_create_license_nul(void **state)
{
    (void)state;
    expect_create_error(
        "{\"name\":\"n\",\"version\":\"1\",\"policy\":{\"licenses\":[\"MIT\\u0000GPL\"]}}",
        PROBLEM_INVALID_FIELD, "policy.licenses[0]");
}

/* ---- dataset_policy_parse ---- */

static json_t *load(const char *s)
{
    json_t *v = json_loads(s, JSON_DECODE_INT_AS_REAL, NULL);
    assert_non_null(v);
    return v;
}

static void test_policy_all_fields(void **state)
{
    (void)state;
    json_t *v = load("{\"licenses\":[\"MIT\",\"GPL-3.0+\","
                     "\"GPL-2.0-only WITH Classpath-exception-2.0\",\"LicenseRef-provd\"],"
                     "\"require_known_signer\":true,\"require_logged\":true,"
                     "\"require_anchored\":true,\"respect_content_usage\":true,"
                     "\"generative\":true}");
    struct dataset_policy p;
    struct problem err = {0};
    memset(&p, 0x55, sizeof p);
    assert_true(dataset_policy_parse(v, &p, &err));
    assert_true(p.has_licenses);
    assert_int_equal(p.n_licenses, 4);
    assert_string_equal(p.licenses[0], "MIT");
    assert_string_equal(p.licenses[1], "GPL-3.0+");
    assert_string_equal(p.licenses[2], "GPL-2.0-only WITH Classpath-exception-2.0");
    assert_string_equal(p.licenses[3], "LicenseRef-provd");
    assert_true(p.require_known_signer);
    assert_true(p.require_logged);
    assert_true(p.require_anchored);
    assert_true(p.respect_content_usage);
    assert_true(p.generative);
    json_decref(v);

    /* false and absent are the same; the struct is reset first */
    v = load("{\"require_logged\":false}");
    memset(&p, 0x55, sizeof p);
    assert_true(dataset_policy_parse(v, &p, &err));
    assert_false(p.has_licenses);
    assert_int_equal(p.n_licenses, 0);
    assert_false(p.require_known_signer);
    assert_false(p.require_logged);
    assert_false(p.require_anchored);
    assert_false(p.respect_content_usage);
    assert_false(p.generative);
    json_decref(v);

    /* one flag at a time */
    const char *flags[] = {"require_known_signer", "require_logged", "require_anchored",
                           "respect_content_usage", "generative"};
    for (size_t i = 0; i < N(flags); i++) {
        char s[64];
        snprintf(s, sizeof s, "{\"%s\":true}", flags[i]);
        v = load(s);
        assert_true(dataset_policy_parse(v, &p, &err));
        const bool got[] = {p.require_known_signer, p.require_logged, p.require_anchored,
                            p.respect_content_usage, p.generative};
        for (size_t j = 0; j < N(got); j++)
            if (got[j] != (i == j))
                fail_msg("%s: flag %zu is %d", flags[i], j, got[j]);
        json_decref(v);
    }

    /* errors name the field with the policy. prefix */
    v = load("{\"generative\":\"yes\"}");
    assert_false(dataset_policy_parse(v, &p, &err));
    assert_int_equal(err.code, PROBLEM_INVALID_FIELD);
    assert_string_equal(err.field, "policy.generative");
    json_decref(v);
    v = load("{\"nope\":true}");
    assert_false(dataset_policy_parse(v, &p, &err));
    assert_string_equal(err.field, "policy.nope");
    json_decref(v);
}

/* ---- dataset_seal_parse ---- */

#define SIG_ED                                                                                     \
    "\"signature\":{\"scheme\":\"ed25519\",\"public_key\":\"" ED_PK_B64URL                         \
    "\",\"value\":\"" ED_SIG_B64STD "\"}"
#define SIG_ETH                                                                                    \
    "\"signature\":{\"scheme\":\"eip191\",\"address\":\"" ETH_ADDR "\",\"value\":\"0x" ETH_SIG_HEX \
    "\"}"

static void expect_seal_error(const char *body, enum problem_code code, const char *field)
{
    struct dataset_seal s;
    struct problem err;
    if (dataset_seal_parse(body, strlen(body), &s, &err))
        fail_msg("accepted: %s", body);
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("body %s: got code %d field '%s' (%s), want %d '%s'", body, err.code, err.field,
                 err.detail, code, field);
    assert_true(err.detail[0] != '\0');
}

static void test_seal_valid(void **state)
{
    (void)state;
    struct dataset_seal s;
    struct problem err;
    const char body[] = "{\"member_count\":3,\"members_root\":\"" AB64 "\"," SIG_ED "}";
    if (!dataset_seal_parse(body, strlen(body), &s, &err))
        fail_msg("%s: %s", err.field, err.detail);
    assert_int_equal(s.member_count, 3);
    assert_string_equal(s.members_root_hex, AB64);
    for (size_t i = 0; i < SHA256_LEN; i++)
        assert_int_equal(s.members_root[i], 0xab);
    assert_int_equal(s.sig.scheme, SIG_ED25519);
    assert_int_equal(s.sig.public_key_len, 32);
    for (size_t i = 0; i < 32; i++)
        assert_int_equal(s.sig.public_key[i], 100 + i);
    assert_int_equal(s.sig.signature_len, 64);
    for (size_t i = 0; i < 64; i++)
        assert_int_equal(s.sig.signature[i], i);
    assert_string_equal(s.sig.signer, ED_PK_B64URL); /* base64url identity */

    const char eth[] = "{\"signature\":{\"value\":\"0x" ETH_SIG_HEX "\",\"address\":"
                       "\"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed\",\"scheme\":\"eip712\"},"
                       "\"members_root\":\"" AB64 "\",\"member_count\":9007199254740991}";
    if (!dataset_seal_parse(eth, strlen(eth), &s, &err))
        fail_msg("%s: %s", err.field, err.detail);
    assert_int_equal(s.member_count, 9007199254740991u);
    assert_int_equal(s.sig.scheme, SIG_EIP712);
    assert_int_equal(s.sig.public_key_len, 20);
    assert_int_equal(s.sig.signature_len, 65);
    assert_int_equal(s.sig.signature[64], 0x1b);
    assert_string_equal(s.sig.signer, ETH_ADDR); /* EIP-55 checksummed */

    /* 0 is a non-negative integer (an empty dataset is refused by the registry, not here), and
     * so are 3.0 and 3e0 */
    const char *counts[] = {"0", "3.0", "3e0", "0.3e1"};
    const uint64_t want[] = {0, 3, 3, 3};
    for (size_t i = 0; i < N(counts); i++) {
        char b[512];
        snprintf(b, sizeof b, "{\"member_count\":%s,\"members_root\":\"" AB64 "\"," SIG_ETH "}",
                 counts[i]);
        if (!dataset_seal_parse(b, strlen(b), &s, &err))
            fail_msg("%s: %s: %s", counts[i], err.field, err.detail);
        assert_int_equal(s.member_count, want[i]);
    }
}

static void test_seal_errors(void **state)
{
    (void)state;
    const enum problem_code F = PROBLEM_INVALID_FIELD, M = PROBLEM_MALFORMED_JSON;
#define ROOT "\"members_root\":\"" AB64 "\""
    const struct err_case cases[] = {
        /* member_count */
        {"{" ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":-1," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":1.5," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":\"3\"," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":null," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":true," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":9007199254740994," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":18446744073709551616," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":1e300," ROOT "," SIG_ED "}", F, "member_count"},
        {"{\"member_count\":-0.5," ROOT "," SIG_ED "}", F, "member_count"},
        /* members_root */
        {"{\"member_count\":3," SIG_ED "}", F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"" AB16 AB16 AB16 "ABABABABABABABAB\"," SIG_ED "}",
         F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"" AB16 AB16 AB16 "abababababababa\"," SIG_ED "}",
         F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"" AB64 "ab\"," SIG_ED "}", F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"" AB16 AB16 AB16 "abababababababag\"," SIG_ED "}",
         F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"0x" AB16 AB16 AB16 "ababababababab\"," SIG_ED "}",
         F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"sha256:" AB64 "\"," SIG_ED "}", F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"\"," SIG_ED "}", F, "members_root"},
        {"{\"member_count\":3,\"members_root\":1," SIG_ED "}", F, "members_root"},
        {"{\"member_count\":3,\"members_root\":\"" AB64 "\\u0000\"," SIG_ED "}", F, "members_root"},
        /* the signature, checked by sig_claim_parse */
        {"{\"member_count\":3," ROOT "}", F, "signature"},
        {"{\"member_count\":3," ROOT ",\"signature\":\"x\"}", F, "signature"},
        {"{\"member_count\":3," ROOT ",\"signature\":{}}", F, "signature.scheme"},
        {"{\"member_count\":3," ROOT ",\"signature\":{\"scheme\":\"rsa\"}}", F, "signature.scheme"},
        {"{\"member_count\":3," ROOT ",\"signature\":{\"scheme\":1}}", F, "signature.scheme"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"ed25519\",\"value\":\"" ED_SIG_B64STD "\"}}",
         F, "signature.public_key"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"ed25519\",\"public_key\":\"AAAA\",\"value\":\"" ED_SIG_B64STD
         "\"}}",
         F, "signature.public_key"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"ed25519\",\"public_key\":\"" ED_PK_B64URL "\"}}",
         F, "signature.value"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"ed25519\",\"public_key\":\"" ED_PK_B64URL
         "\",\"value\":\"AAAA\"}}",
         F, "signature.value"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"ed25519\",\"address\":\"" ETH_ADDR
         "\",\"value\":\"" ED_SIG_B64STD "\"}}",
         F, "signature.address"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"ed25519\",\"public_key\":\"" ED_PK_B64URL
         "\",\"value\":\"" ED_SIG_B64STD "\",\"extra\":1}}",
         F, "signature.extra"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"eip191\",\"value\":\"0x" ETH_SIG_HEX "\"}}",
         F, "signature.address"},
        {"{\"member_count\":3," ROOT ",\"signature\":{\"scheme\":\"eip191\",\"address\":"
         "\"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD\",\"value\":\"0x" ETH_SIG_HEX "\"}}",
         F, "signature.address"},
        {"{\"member_count\":3," ROOT ",\"signature\":{\"scheme\":\"eip191\",\"address\":\"" ETH_ADDR
         "\",\"value\":\"" ETH_SIG_HEX "\"}}",
         F, "signature.value"},
        {"{\"member_count\":3," ROOT
         ",\"signature\":{\"scheme\":\"eip191\",\"public_key\":\"" ED_PK_B64URL
         "\",\"value\":\"0x" ETH_SIG_HEX "\"}}",
         F, "signature.public_key"},
        /* the body */
        {"{\"member_count\":3," ROOT "," SIG_ED ",\"name\":\"x\"}", F, "name"},
        {"[]", F, ""},
        {"3", M, ""},
        {"", M, ""},
        {"{\"member_count\":3," ROOT "," SIG_ED "", M, ""},
        {"{\"member_count\":3,\"member_count\":3," ROOT "," SIG_ED "}", M, ""},
    };
#undef ROOT
    for (size_t i = 0; i < N(cases); i++)
        expect_seal_error(cases[i].body, cases[i].code, cases[i].field);
}

/* ---- hash_list_parse_json ---- */

static char *hashes_body(size_t n, size_t first)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "{\"content_hashes\":[");
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        hash_hex_of(first + i, hex);
        buf_printf(&b, "%s\"sha256:%s\"", i ? "," : "", hex);
    }
    buf_puts(&b, "]}");
    assert_false(b.oom);
    return buf_steal(&b, NULL);
}

static void check_list(const struct hash_list *l, size_t n, size_t first)
{
    assert_int_equal(l->n, n);
    for (size_t i = 0; i < n; i++) {
        char hex[65], got[65];
        hash_hex_of(first + i, hex);
        hex_encode(l->v[i], SHA256_LEN, got);
        if (strcmp(hex, got) != 0)
            fail_msg("element %zu: %s, want %s", i, got, hex);
    }
}

static void expect_hashes_error(const char *body, enum problem_code code, const char *field)
{
    struct hash_list l;
    struct problem err;
    if (hash_list_parse_json(body, strlen(body), &l, &err)) {
        hash_list_free(&l);
        fail_msg("accepted: %.200s", body);
    }
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("body %.200s: got code %d field '%s' (%s), want %d '%s'", body, err.code,
                 err.field, err.detail, code, field);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
}

static void test_hashes_json(void **state)
{
    (void)state;
    struct hash_list l;
    struct problem err;
    char *body = hashes_body(1, 5);
    assert_true(hash_list_parse_json(body, strlen(body), &l, &err));
    check_list(&l, 1, 5);
    hash_list_free(&l);
    assert_null(l.v);
    assert_int_equal(l.n, 0);
    free(body);

    body = hashes_body(DATASET_APPEND_JSON_MAX, 1);
    assert_true(hash_list_parse_json(body, strlen(body), &l, &err));
    check_list(&l, DATASET_APPEND_JSON_MAX, 1);
    hash_list_free(&l);
    free(body);

    body = hashes_body(DATASET_APPEND_JSON_MAX + 1, 1);
    expect_hashes_error(body, PROBLEM_INVALID_FIELD, "content_hashes");
    free(body);
    body = hashes_body(0, 0);
    expect_hashes_error(body, PROBLEM_INVALID_FIELD, "content_hashes");
    free(body);

    /* duplicates are kept, in order (the registry deduplicates) */
    const char dup[] =
        "{\"content_hashes\":[\"" HASH_AB "\",\"sha256:"
        "0000000000000000000000000000000000000000000000000000000000000000\",\"" HASH_AB "\"]}";
    assert_true(hash_list_parse_json(dup, strlen(dup), &l, &err));
    assert_int_equal(l.n, 3);
    assert_memory_equal(l.v[0], l.v[2], SHA256_LEN);
    assert_int_equal(l.v[0][0], 0xab);
    assert_int_equal(l.v[1][31], 0);
    hash_list_free(&l);
}

static void test_hashes_json_errors(void **state)
{
    (void)state;
    const enum problem_code F = PROBLEM_INVALID_FIELD, M = PROBLEM_MALFORMED_JSON;
    const struct err_case cases[] = {
        {"{}", F, "content_hashes"},
        {"{\"content_hashes\":null}", F, "content_hashes"},
        {"{\"content_hashes\":\"" HASH_AB "\"}", F, "content_hashes"},
        {"{\"content_hashes\":{}}", F, "content_hashes"},
        {"{\"content_hashes\":[\"" HASH_AB "\"],\"x\":1}", F, "x"},
        {"[\"" HASH_AB "\"]", F, ""},
        {"{\"content_hashes\":[\"" AB64 "\"]}", F, "content_hashes[0]"},
        {"{\"content_hashes\":[\"" HASH_AB "\",\"sha256:" AB16 AB16 AB16 "ABABABABABABABAB\"]}", F,
         "content_hashes[1]"},
        {"{\"content_hashes\":[\"" HASH_AB "\",\"" HASH_AB "\",1]}", F, "content_hashes[2]"},
        {"{\"content_hashes\":[\"" HASH_AB "\",null]}", F, "content_hashes[1]"},
        {"{\"content_hashes\":[\"SHA256:" AB64 "\"]}", F, "content_hashes[0]"},
        {"{\"content_hashes\":[\"sha256:" AB64 "a\"]}", F, "content_hashes[0]"},
        {"{\"content_hashes\":[\"sha256:" AB16 AB16 AB16 "abababababababa\"]}", F,
         "content_hashes[0]"},
        {"{\"content_hashes\":[\" " HASH_AB "\"]}", F, "content_hashes[0]"},
        {"{\"content_hashes\":[[\"" HASH_AB "\"]]}", F, "content_hashes[0]"},
        {"{\"content_hashes\":[\"" HASH_AB "\"]", M, ""},
        {"", M, ""},
        {"{\"content_hashes\":[],\"content_hashes\":[\"" HASH_AB "\"]}", M, ""},
    };
    for (size_t i = 0; i < N(cases); i++)
        expect_hashes_error(cases[i].body, cases[i].code, cases[i].field);
    /* the index of a bad element deep in a long list */
    char *body = hashes_body(500, 0);
    char *p =
        strstr(body, "\"sha256:00000000000000000000000000000000000000000000000000000000000001c8\"");
    assert_non_null(p);
    p[8] = 'G'; /* element 456 */
    expect_hashes_error(body, PROBLEM_INVALID_FIELD, "content_hashes[456]");
    free(body);
}

/* Documented: each element is "sha256:" and 64 lowercase hex digits. */
static void test_hashes_json_nul(void **state)
{
    (void)state;
    expect_hashes_error("{\"content_hashes\":[\"" HASH_AB "\\u0000junk\"]}", PROBLEM_INVALID_FIELD,
                        "content_hashes[0]");
}

/* ---- hash_list_fresh ---- */

static void test_hash_list_fresh(void **state)
{
    (void)state;
    /* A B A C B D, B already in the dataset (marked at both its positions, as a lookup would) */
    uint8_t v[6][SHA256_LEN];
    const uint8_t names[6] = {'A', 'B', 'A', 'C', 'B', 'D'};
    for (size_t i = 0; i < 6; i++)
        memset(v[i], names[i], SHA256_LEN);
    struct hash_list in = {.v = v, .n = 6, .cap = 6};
    bool exists[6] = {false, true, false, false, true, false};
    uint8_t out[6][SHA256_LEN];
    assert_int_equal(hash_list_fresh(&in, exists, out), 3);
    assert_int_equal(out[0][0], 'A');
    assert_int_equal(out[1][0], 'C');
    assert_int_equal(out[2][0], 'D');
    const bool want[6] = {false, true, true, false, true, false}; /* the repeat of A is marked */
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(exists[i], want[i]);

    /* hashes equal in the bytes the table hashes, different after: all kept */
    for (size_t i = 0; i < 6; i++) {
        memset(v[i], 0x5a, SHA256_LEN);
        v[i][31] = (uint8_t)i;
    }
    memset(exists, 0, sizeof exists);
    assert_int_equal(hash_list_fresh(&in, exists, out), 6);
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(out[i][31], i);

    /* nothing in, nothing out */
    in.n = 0;
    assert_int_equal(hash_list_fresh(&in, exists, out), 0);

    /* many: every hash twice (the second copies in reverse order), order of first sight kept */
    enum { DISTINCT = 5000 };
    struct hash_list big = {0};
    big.v = calloc(2 * DISTINCT, SHA256_LEN);
    assert_non_null(big.v);
    big.n = big.cap = 2 * DISTINCT;
    for (size_t i = 0; i < DISTINCT; i++) {
        char hex[65];
        hash_hex_of(i, hex);
        assert_true(hex_decode(hex, 64, big.v[i], SHA256_LEN, true));
        memcpy(big.v[2 * DISTINCT - 1 - i], big.v[i], SHA256_LEN);
    }
    bool *seen = calloc(2 * DISTINCT, sizeof *seen);
    uint8_t(*uniq)[SHA256_LEN] = calloc(2 * DISTINCT, SHA256_LEN);
    assert_non_null(seen);
    assert_non_null(uniq);
    assert_int_equal(hash_list_fresh(&big, seen, uniq), DISTINCT);
    struct hash_list got = {.v = uniq, .n = DISTINCT};
    check_list(&got, DISTINCT, 0);
    for (size_t i = 0; i < 2 * DISTINCT; i++)
        assert_int_equal(seen[i], i >= DISTINCT);
    free(uniq);
    free(seen);
    hash_list_free(&big);
}

/* ---- hash_lines ---- */

/* Feeds data in chunks of chunk bytes (0: all at once) and finishes; h is left for the caller
 * to inspect and free. */
static bool lines_run(struct hash_lines *h, const char *data, size_t len, size_t chunk,
                      struct problem *err)
{
    hash_lines_init(h);
    memset(err, 0, sizeof *err);
    if (chunk == 0)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk)
        assert_true(hash_lines_feed(h, data + off, len - off < chunk ? len - off : chunk));
    return hash_lines_finish(h, err);
}

/* The body parses the same whatever the chunking: n hashes, the i-th naming first + i. */
static void expect_lines_ok(const char *data, size_t n, size_t first)
{
    const size_t chunks[] = {0, 1, 2, 3, 7, 71, 72, 73, 100};
    for (size_t c = 0; c < N(chunks); c++) {
        struct hash_lines h;
        struct problem err;
        if (!lines_run(&h, data, strlen(data), chunks[c], &err))
            fail_msg("chunk %zu: rejected: %s: %s", chunks[c], err.field, err.detail);
        check_list(&h.list, n, first);
        hash_list_free(&h.list);
    }
}

/* The body fails whatever the chunking, with field and, kept, the hashes before the bad line. */
static void expect_lines_error(const char *data, size_t len, const char *field, size_t kept)
{
    const size_t chunks[] = {0, 1, 2, 3, 5, 71, 72, 73, 80, 81, 200};
    for (size_t c = 0; c < N(chunks); c++) {
        struct hash_lines h;
        struct problem err;
        if (lines_run(&h, data, len, chunks[c], &err)) {
            hash_list_free(&h.list);
            fail_msg("chunk %zu: accepted %.100s", chunks[c], data);
        }
        if (err.code != PROBLEM_INVALID_FIELD || strcmp(err.field, field) != 0)
            fail_msg("chunk %zu: %.100s: got code %d field '%s' (%s), want '%s'", chunks[c], data,
                     err.code, err.field, err.detail, field);
        assert_true(err.detail[0] != '\0');
        if (h.list.n != kept)
            fail_msg("chunk %zu: kept %zu hashes, want %zu", chunks[c], h.list.n, kept);
        hash_list_free(&h.list);
    }
}

/* Lines "sha256:<hex of first + i>" for i < n, each ending with eol, into b. */
static void put_lines(struct buf *b, size_t n, size_t first, const char *eol)
{
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        hash_hex_of(first + i, hex);
        buf_printf(b, "sha256:%s%s", hex, eol);
    }
}

static void test_lines_ok(void **state)
{
    (void)state;
    const char *eols[] = {"\n", "\r\n"};
    for (size_t e = 0; e < N(eols); e++) {
        struct buf b = BUF_INIT;
        put_lines(&b, 5, 10, eols[e]);
        expect_lines_ok(b.data, 5, 10); /* trailing newline */
        b.len -= strlen(eols[e]);
        b.data[b.len] = '\0';
        expect_lines_ok(b.data, 5, 10); /* none */
        buf_free(&b);
    }
    /* one line: alone, with LF, CRLF, or a final bare CR */
    struct hash_lines h;
    struct problem err;
    const char *one[] = {HASH_AB, HASH_AB "\n", HASH_AB "\r\n", HASH_AB "\r"};
    for (size_t i = 0; i < N(one); i++) {
        assert_true(lines_run(&h, one[i], strlen(one[i]), 0, &err));
        assert_int_equal(h.list.n, 1);
        for (size_t j = 0; j < SHA256_LEN; j++)
            assert_int_equal(h.list.v[0][j], 0xab);
        hash_list_free(&h.list);
    }
    /* blank lines (LF or CRLF) anywhere are skipped; mixed line ends */
    struct buf b = BUF_INIT;
    buf_puts(&b, "\n\r\n\n");
    put_lines(&b, 2, 0, "\n");
    buf_puts(&b, "\r\n\n");
    put_lines(&b, 2, 2, "\r\n");
    buf_puts(&b, "\n\n\r\n");
    put_lines(&b, 1, 4, "");
    expect_lines_ok(b.data, 5, 0);
    buf_free(&b);
    /* duplicates are kept */
    assert_true(lines_run(&h, HASH_AB "\n" HASH_AB "\n", 2 * strlen(HASH_AB) + 2, 0, &err));
    assert_int_equal(h.list.n, 2);
    hash_list_free(&h.list);
}

/* Byte by byte gives what one chunk gives. */
static void test_lines_byte_by_byte(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    buf_puts(&b, "\r\n");
    put_lines(&b, 300, 1000, "\r\n");
    put_lines(&b, 300, 1300, "\n");
    struct hash_lines one, bytes;
    struct problem err;
    assert_true(lines_run(&one, b.data, b.len, 0, &err));
    assert_true(lines_run(&bytes, b.data, b.len, 1, &err));
    assert_int_equal(one.list.n, 600);
    assert_int_equal(bytes.list.n, 600);
    assert_memory_equal(one.list.v, bytes.list.v, 600 * SHA256_LEN);
    check_list(&one.list, 600, 1000);
    hash_list_free(&one.list);
    hash_list_free(&bytes.list);
    buf_free(&b);
}

static void test_lines_errors(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    /* line 3 is bad; lines 4.. are not kept even when valid */
    put_lines(&b, 2, 0, "\n");
    buf_puts(&b, "sha256:" AB16 AB16 AB16 "ABABABABABABABAB\n");
    put_lines(&b, 3, 2, "\n");
    expect_lines_error(b.data, b.len, "line 3", 2);
    /* blank lines count as lines, with either line end */
    buf_reset(&b);
    buf_puts(&b, "\n\r\n");
    put_lines(&b, 1, 0, "\r\n");
    buf_puts(&b, "\r\nnot a hash\r\n");
    put_lines(&b, 1, 1, "\r\n");
    expect_lines_error(b.data, b.len, "line 5", 1);
    /* the bad line is the last one, without a newline */
    buf_reset(&b);
    put_lines(&b, 2, 0, "\n");
    buf_puts(&b, HASH_AB "x");
    expect_lines_error(b.data, b.len, "line 3", 2);
    /* a trailing or leading space, a tab */
    expect_lines_error(HASH_AB " \n", strlen(HASH_AB) + 2, "line 1", 0);
    expect_lines_error(" " HASH_AB "\n", strlen(HASH_AB) + 2, "line 1", 0);
    expect_lines_error(HASH_AB "\t", strlen(HASH_AB) + 1, "line 1", 0);
    /* only a space: not blank */
    expect_lines_error(HASH_AB "\n \n", strlen(HASH_AB) + 3, "line 2", 1);
    /* two CRs, a lone CR inside the line, a JSON-quoted hash */
    expect_lines_error(HASH_AB "\r\r\n", strlen(HASH_AB) + 3, "line 1", 0);
    expect_lines_error("sha256:\r" AB64 "\n", strlen(HASH_AB) + 2, "line 1", 0);
    expect_lines_error("\"" HASH_AB "\"\n", strlen(HASH_AB) + 3, "line 1", 0);
    expect_lines_error("sha256:" AB16 AB16 AB16 "abababababababa\n", strlen(HASH_AB), "line 1", 0);
    /* an over-long line: a valid hash followed by more, and a very long line */
    buf_reset(&b);
    put_lines(&b, 1, 0, "\n");
    buf_puts(&b, HASH_AB "0123456789abcdef\n");
    put_lines(&b, 1, 1, "\n");
    expect_lines_error(b.data, b.len, "line 2", 1);
    char *longline = repeat('a', 100000);
    buf_reset(&b);
    put_lines(&b, 3, 0, "\n");
    buf_puts(&b, longline);
    buf_puts(&b, "\n");
    put_lines(&b, 1, 3, "\n");
    expect_lines_error(b.data, b.len, "line 4", 3);
    /* over-long without a newline at the end */
    buf_reset(&b);
    put_lines(&b, 1, 0, "\n");
    buf_puts(&b, longline);
    expect_lines_error(b.data, b.len, "line 2", 1);
    free(longline);
    /* over-long because of CRs: a hash and ten CRs (81 bytes) before the LF */
    buf_reset(&b);
    buf_puts(&b, HASH_AB "\r\r\r\r\r\r\r\r\r\r\n");
    expect_lines_error(b.data, b.len, "line 1", 0);
    /* empty bodies */
    expect_lines_error("", 0, "", 0);
    expect_lines_error("\n", 1, "", 0);
    expect_lines_error("\r\n\n\r\n", 5, "", 0);
    expect_lines_error("\r", 1, "", 0);
    buf_free(&b);
}

/* The bad line's number is right when that line, or the ones before it, are split across
 * chunks at every possible point. */
static void test_lines_error_split(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    put_lines(&b, 2, 0, "\r\n");
    buf_puts(&b, "\n");
    buf_puts(&b, "sha256:" AB16 AB16 AB16 "abababababababaX\r\n");
    put_lines(&b, 2, 2, "\n");
    for (size_t cut = 0; cut <= b.len; cut++) {
        struct hash_lines h;
        struct problem err;
        hash_lines_init(&h);
        assert_true(hash_lines_feed(&h, b.data, cut));
        assert_true(hash_lines_feed(&h, b.data + cut, b.len - cut));
        assert_false(hash_lines_finish(&h, &err));
        if (strcmp(err.field, "line 4") != 0)
            fail_msg("cut %zu: field '%s'", cut, err.field);
        assert_int_equal(h.list.n, 2);
        hash_list_free(&h.list);
    }
    buf_free(&b);
}

/* After a bad line, more data changes nothing. */
static void test_lines_stop(void **state)
{
    (void)state;
    struct hash_lines h;
    struct problem err;
    hash_lines_init(&h);
    assert_true(hash_lines_feed(&h, HASH_AB "\nbad\n", strlen(HASH_AB) + 5));
    assert_int_equal(h.list.n, 1);
    assert_int_equal(h.bad_line, 2);
    for (int i = 0; i < 10; i++)
        assert_true(hash_lines_feed(&h, HASH_AB "\n", strlen(HASH_AB) + 1));
    assert_true(hash_lines_feed(&h, "also bad\n", 9));
    assert_int_equal(h.list.n, 1);
    assert_int_equal(h.bad_line, 2);
    assert_false(hash_lines_finish(&h, &err));
    assert_int_equal(err.code, PROBLEM_INVALID_FIELD);
    assert_string_equal(err.field, "line 2");
    assert_non_null(strstr(err.detail, "line 2"));
    assert_int_equal(h.list.n, 1);
    hash_list_free(&h.list);
}

/* hash_lines_cap_after bounds the capacity the list reaches, whatever the bytes are. */
static void test_lines_cap_after(void **state)
{
    (void)state;
    struct hash_lines h;
    struct problem err;
    hash_lines_init(&h);
    assert_int_equal(hash_lines_cap_after(&h, 0), 0);
    assert_int_equal(hash_lines_cap_after(&h, 70), 0);   /* not a whole hash */
    assert_int_equal(hash_lines_cap_after(&h, 71), 256); /* one, without a newline */
    assert_int_equal(hash_lines_cap_after(&h, 256 * 72), 256);
    assert_int_equal(hash_lines_cap_after(&h, 257 * 72), 512);
    assert_int_equal(hash_lines_cap_after(&h, UINT64_MAX), 1u << 20); /* 1M lines at most */
    size_t bound = hash_lines_cap_after(&h, 300 * 73 + 10);
    for (int i = 0; i < 300; i++) /* CRLF lines, fed in odd pieces */
        assert_true(hash_lines_feed(&h, HASH_AB "\r\n", strlen(HASH_AB) + 2));
    assert_true(hash_lines_feed(&h, "\n\n\n\n\n\n\n\n\n\n", 10));
    assert_true(hash_lines_finish(&h, &err));
    assert_int_equal(h.list.n, 300);
    assert_true(h.list.cap <= bound);
    assert_int_equal(hash_lines_cap_after(&h, 0), h.list.cap);
    assert_int_equal(hash_lines_cap_after(&h, 212 * 72), 512);
    assert_int_equal(hash_lines_cap_after(&h, 213 * 72), 1024);
    hash_list_free(&h.list);
    hash_lines_init(&h);
    assert_true(hash_lines_feed(&h, "bad\n", 4));
    assert_int_equal(hash_lines_cap_after(&h, 1u << 20), 0); /* a bad line stops it */
    hash_list_free(&h.list);
}

/* DATASET_APPEND_LINES_MAX hashes pass; the next non-blank line is refused. */
static void test_lines_limit(void **state)
{
    (void)state;
    struct hash_lines h;
    struct problem err;
    char line[80];
    hash_lines_init(&h);
    for (size_t i = 0; i < DATASET_APPEND_LINES_MAX; i++) {
        char hex[65];
        hash_hex_of(i, hex);
        int n = snprintf(line, sizeof line, "sha256:%s\n", hex);
        assert_true(hash_lines_feed(&h, line, (size_t)n));
    }
    assert_int_equal(h.list.n, DATASET_APPEND_LINES_MAX);
    assert_int_equal(h.bad_line, 0);
    assert_true(hash_lines_feed(&h, "\r\n\n", 3)); /* blank lines still pass */
    assert_int_equal(h.bad_line, 0);
    assert_true(hash_lines_feed(&h, HASH_AB, strlen(HASH_AB)));
    assert_false(hash_lines_finish(&h, &err));
    assert_string_equal(err.field, "line 1000003");
    assert_int_equal(h.list.n, DATASET_APPEND_LINES_MAX);
    hash_list_free(&h.list);

    /* exactly the limit, then the end */
    hash_lines_init(&h);
    for (size_t i = 0; i < DATASET_APPEND_LINES_MAX; i++)
        assert_true(hash_lines_feed(&h, HASH_AB "\n", strlen(HASH_AB) + 1));
    assert_true(hash_lines_finish(&h, &err));
    assert_int_equal(h.list.n, DATASET_APPEND_LINES_MAX);
    hash_list_free(&h.list);
}

/* Documented: one "sha256:<hex>" per line. A NUL byte ends the line early for the parser. */
static void test_lines_nul(void **state)
{
    (void)state;
    static const char body[] = HASH_AB "\0junk\n";
    expect_lines_error(body, sizeof body - 1, "line 1", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_statement_exact),
        cmocka_unit_test(test_statement_escaping),
        cmocka_unit_test(test_record_ed25519),
        cmocka_unit_test(test_record_eip191),
        cmocka_unit_test(test_row_fields),
        cmocka_unit_test(test_member_leaf),
        cmocka_unit_test(test_signed_message_statement),
        cmocka_unit_test(test_signed_message_eip712),
        cmocka_unit_test(test_signed_message_bad_root),
        cmocka_unit_test(test_signed_message_short_root),
        cmocka_unit_test(test_create_minimal),
        cmocka_unit_test(test_create_canonical),
        cmocka_unit_test(test_create_name_version_limits),
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_create_depth_and_size),
        cmocka_unit_test(test_create_licenses_limits),
        cmocka_unit_test(test_create_license_nul),
        cmocka_unit_test(test_policy_all_fields),
        cmocka_unit_test(test_seal_valid),
        cmocka_unit_test(test_seal_errors),
        cmocka_unit_test(test_hashes_json),
        cmocka_unit_test(test_hashes_json_errors),
        cmocka_unit_test(test_hashes_json_nul),
        cmocka_unit_test(test_hash_list_fresh),
        cmocka_unit_test(test_lines_ok),
        cmocka_unit_test(test_lines_byte_by_byte),
        cmocka_unit_test(test_lines_errors),
        cmocka_unit_test(test_lines_error_split),
        cmocka_unit_test(test_lines_stop),
        cmocka_unit_test(test_lines_cap_after),
        cmocka_unit_test(test_lines_limit),
        cmocka_unit_test(test_lines_nul),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
