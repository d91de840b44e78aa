/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include <jansson.h>

#include "core/item.h"

/* The first WebCrypto-signed registration, re-serialised (any JSON form must be accepted). */
static char *vector_body(size_t index, const char **statement)
{
    static json_t *vectors;
    if (!vectors) {
        char *data = read_vector("ed25519-webcrypto.json", NULL);
        vectors = json_loads(data, JSON_DECODE_INT_AS_REAL, NULL);
        free(data);
        assert_non_null(vectors);
    }
    json_t *v = json_array_get(vectors, index);
    assert_non_null(v);
    if (statement)
        *statement = json_string_value(json_object_get(v, "statement"));
    return json_dumps(json_object_get(v, "request"), JSON_INDENT(2));
}

static void test_webcrypto_vectors_verify(void **state)
{
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        const char *statement;
        char *body = vector_body(i, &statement);
        struct item_request req;
        struct problem err;
        if (!item_parse(body, strlen(body), &req, &err))
            fail_msg("vector %zu: %s: %s", i, err.field, err.detail);
        assert_int_equal(req.statement.len, strlen(statement));
        assert_memory_equal(req.statement.data, statement, req.statement.len);
        assert_int_equal(req.sig.scheme, SIG_ED25519);
        item_request_free(&req);
        free(body);
    }
}

/* Parses body (which must fail) and checks the problem code and field. */
static void expect_error(const char *body, enum problem_code code, const char *field)
{
    struct item_request req;
    struct problem err;
    if (item_parse(body, strlen(body), &req, &err))
        fail_msg("accepted: %s", body);
    if (err.code != code || strcmp(err.field, field) != 0)
        fail_msg("body %s: got code %d field '%s' (%s), want %d '%s'", body, err.code, err.field,
                 err.detail, code, field);
}

/* The first vector with one member replaced by a JSON fragment. */
static void expect_mutation(const char *path, const char *fragment, enum problem_code code,
                            const char *field)
{
    char *body = vector_body(0, NULL);
    json_t *root = json_loads(body, JSON_DECODE_INT_AS_REAL, NULL);
    json_t *target = root;
    char key[64];
    snprintf(key, sizeof key, "%s", path);
    char *dot = strchr(key, '.');
    if (dot) {
        *dot = '\0';
        target = json_object_get(root, key);
        memmove(key, dot + 1, strlen(dot + 1) + 1);
    }
    if (fragment) {
        json_t *value = json_loads(fragment, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(value);
        assert_int_equal(json_object_set_new(target, key, value), 0);
    } else
        json_object_del(target, key);
    char *mutated = json_dumps(root, 0);
    expect_error(mutated, code, field);
    free(mutated);
    json_decref(root);
    free(body);
}

static void test_bad_bodies(void **state)
{
    (void)state;
    expect_error("", PROBLEM_MALFORMED_JSON, "");
    expect_error("{\"a\":", PROBLEM_MALFORMED_JSON, "");
    expect_error("{\"a\":1,\"a\":2}", PROBLEM_MALFORMED_JSON, ""); /* duplicate member */
    expect_error("[1]", PROBLEM_INVALID_FIELD, "");
    expect_error("{\"extra\":1}", PROBLEM_INVALID_FIELD, "extra");
    expect_error("{}", PROBLEM_INVALID_FIELD, "content_hash");
}

static void test_bad_fields(void **state)
{
    (void)state;
    const char *upper =
        "\"sha256:2D6FDCF3F2AE3161B82FB9331691BCD16ED28618AECEAA5D4B5366C313AFE76F\"";
    expect_mutation("content_hash", upper, PROBLEM_INVALID_FIELD, "content_hash");
    expect_mutation("content_hash", "\"sha256:abc\"", PROBLEM_INVALID_FIELD, "content_hash");
    expect_mutation("content_hash", "\"md5:00\"", PROBLEM_INVALID_FIELD, "content_hash");
    expect_mutation("content_hash", "7", PROBLEM_INVALID_FIELD, "content_hash");
    expect_mutation("metadata", "[]", PROBLEM_INVALID_FIELD, "metadata");
    expect_mutation("metadata", NULL, PROBLEM_INVALID_FIELD, "metadata");
    expect_mutation("metadata", "{\"a\":[[[[[[[[1]]]]]]]]}", PROBLEM_INVALID_FIELD, "metadata");
    expect_mutation("metadata.source_url", "\"ftp://x\"", PROBLEM_INVALID_FIELD,
                    "metadata.source_url");
    expect_mutation("metadata.source_url", "\"http://a\\u0000b\"", PROBLEM_INVALID_FIELD,
                    "metadata.source_url");
    expect_mutation("metadata.license", "\"not a license\"", PROBLEM_INVALID_FIELD,
                    "metadata.license");
    expect_mutation("metadata.author", "42", PROBLEM_INVALID_FIELD, "metadata.author");
    expect_mutation("metadata.created_at", "\"yesterday\"", PROBLEM_INVALID_FIELD,
                    "metadata.created_at");
    expect_mutation("metadata.fetched_at", "\"2026-02-30T00:00:00Z\"", PROBLEM_INVALID_FIELD,
                    "metadata.fetched_at");
    expect_mutation("signature", "\"x\"", PROBLEM_INVALID_FIELD, "signature");
    expect_mutation("signature.scheme", "\"rsa\"", PROBLEM_INVALID_FIELD, "signature.scheme");
    expect_mutation("signature.public_key", "\"AAAA\"", PROBLEM_INVALID_FIELD,
                    "signature.public_key");
    expect_mutation("signature.value", "\"!!\"", PROBLEM_INVALID_FIELD, "signature.value");
    expect_mutation("signature.value", NULL, PROBLEM_INVALID_FIELD, "signature.value");
    expect_mutation("signature.extra", "1", PROBLEM_INVALID_FIELD, "signature.extra");
}

static void test_metadata_size_limit(void **state)
{
    (void)state;
    char *big = malloc(ITEM_METADATA_MAX + 16);
    big[0] = '"';
    memset(big + 1, 'x', ITEM_METADATA_MAX);
    strcpy(big + 1 + ITEM_METADATA_MAX, "\"");
    expect_mutation("metadata.blob", big, PROBLEM_INVALID_FIELD, "metadata");
    free(big);
}

static void test_tampering_breaks_signature(void **state)
{
    (void)state;
    /* Same shape, one changed byte: the signature no longer verifies. */
    expect_mutation("content_hash",
                    "\"sha256:2d6fdcf3f2ae3161b82fb9331691bcd16ed28618aeceaa5d4b5366c313afe76e\"",
                    PROBLEM_SIGNATURE_INVALID, "signature.value");
    expect_mutation("metadata.author", "\"Adb\"", PROBLEM_SIGNATURE_INVALID, "signature.value");
    expect_mutation("metadata.extra", "1", PROBLEM_SIGNATURE_INVALID, "signature.value");
    expect_mutation("signature.public_key", "\"JirbzkiEDsbX_alJIn8XKinaATyoacuwwgGziKlKmvM\"",
                    PROBLEM_SIGNATURE_INVALID, "signature.value");
}

static void test_equivalent_json_same_statement(void **state)
{
    (void)state;
    /* Vector 0 with other member order, whitespace, escapes and number spellings: the
     * canonical statement, and so the signature, is the same. */
    const char *statement;
    char *orig = vector_body(0, &statement);
    json_t *root = json_loads(orig, 0, NULL);
    json_t *sig = json_object_get(root, "signature");
    char body[2048];
    snprintf(body, sizeof body,
             "{ \"signature\" : {\"value\":\"%s\",\"public_key\":\"%s\",\"scheme\":\"ed25519\"},\n"
             "  \"metadata\": {\"created_at\":\"2026-01-02T03:04:05Z\",\"license\":\"CC-BY-4.0\","
             "\"author\":\"\\u0041da\",\"source_url\":\"https:\\/\\/example.org\\/cat.jpg\"},"
             "\"content_hash\":\"%s\"}",
             json_string_value(json_object_get(sig, "value")),
             json_string_value(json_object_get(sig, "public_key")),
             json_string_value(json_object_get(root, "content_hash")));
    struct item_request req;
    struct problem err;
    if (!item_parse(body, strlen(body), &req, &err))
        fail_msg("%s: %s", err.field, err.detail);
    assert_int_equal(req.statement.len, strlen(statement));
    assert_memory_equal(req.statement.data, statement, req.statement.len);
    item_request_free(&req);
    json_decref(root);
    free(orig);
}

/* The logged record of a stored row: the exact bytes its leaf hashes (canonical key order,
 * signature value re-encoded per scheme, registered_at with microseconds). */
static void test_row_record(void **state)
{
    (void)state;
    struct item_row row = {
        .id = 1,
        .content_hash_hex = "00000000000000000000000000000000000000000000000000000000000000ff",
        .metadata = "{\"a\":1}",
        .metadata_len = 7,
        .signer = "0x00000000000000000000000000000000000000aa",
        .scheme = "eip191",
        .signature_hex = "01ff",
        .registered_us = 1767225600000001, /* 2026-01-01T00:00:00.000001Z */
    };
    struct item_record rec;
    struct item_strings strs;
    struct buf out = BUF_INIT;
    item_row_record(&row, &rec, &strs);
    item_record_write(&out, &rec);
    buf_putc(&out, '\0');
    assert_string_equal(out.data,
                        "{\"content_hash\":\"sha256:"
                        "00000000000000000000000000000000000000000000000000000000000000ff\","
                        "\"metadata\":{\"a\":1},\"registered_at\":\"2026-01-01T00:00:00.000001Z\","
                        "\"signature\":{\"address\":\"0x00000000000000000000000000000000000000aa\","
                        "\"scheme\":\"eip191\",\"value\":\"0x01ff\"}}");
    row.scheme = "ed25519";
    item_row_record(&row, &rec, &strs);
    assert_string_equal(rec.key_field, "public_key");
    assert_string_equal(rec.signature, "Af8"); /* base64url of 01 ff */
    buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_webcrypto_vectors_verify),
        cmocka_unit_test(test_bad_bodies),
        cmocka_unit_test(test_bad_fields),
        cmocka_unit_test(test_metadata_size_limit),
        cmocka_unit_test(test_tampering_breaks_signature),
        cmocka_unit_test(test_equivalent_json_same_statement),
        cmocka_unit_test(test_row_record),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
