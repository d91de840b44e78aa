/* SPDX-License-Identifier: Apache-2.0 */
/* The model signing digest's pure parts (core/model): the tool's path order and the digest over
 * file digests, on goldens of sigstore/model-transparency (tests/_signing/testdata/signing/
 * TestPayload/sample_model_folder and tests/_serialization/testdata/serialize_by_file/
 * TestSerializer/sample_model_file). */
#include "testutil.h"

#include <openssl/sha.h>

#include "core/model.h"

#define N(a) (sizeof(a) / sizeof *(a))

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

static int by_model_path(const void *a, const void *b)
{
    return model_path_cmp(*(const char *const *)a, *(const char *const *)b);
}

static void assert_hex(const uint8_t d[SHA256_LEN], const char *want)
{
    char hex[2 * SHA256_LEN + 1];
    hex_encode(d, SHA256_LEN, hex);
    assert_string_equal(hex, want);
}

/* Each pair in pathlib order (PurePosixPath(a) < PurePosixPath(b)). */
static void test_path_order_pairs(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"a/b", "a-c"},               /* [a, b] < [a-c]: "a" is a proper prefix of "a-c" */
        {"a/b", "a.b"},               /* likewise, though strcmp puts '.' (0x2e) before '/' */
        {"a-c", "a.b"},               /* '-' 0x2d < '.' 0x2e */
        {"a", "a/b"},                 /* a proper prefix of the components sorts first */
        {"a/b", "ab"},                /* [a, b] < [ab] */
        {"d0/d1/f", "d0/f"},          /* "d1" < "f" in the second component */
        {"d0/f", "d0/f/g"},           /* prefix again */
        {".hidden", "A"},             /* bytewise: '.' 0x2e < 'A' 0x41 */
        {"Z", "a"},                   /* case matters: 'Z' 0x5a < 'a' 0x61 */
        {"z", "\xc3\xa9"},            /* UTF-8 bytes unsigned: U+00E9 after 'z' */
        {"\xc3\xa9", "\xe2\x82\xac"}, /* code point order equals UTF-8 byte order */
        {"sub/.gitignore", "sub/a"},
    };
    for (size_t i = 0; i < N(pairs); i++) {
        if (model_path_cmp(pairs[i][0], pairs[i][1]) >= 0)
            fail_msg("want %s < %s", pairs[i][0], pairs[i][1]);
        if (model_path_cmp(pairs[i][1], pairs[i][0]) <= 0)
            fail_msg("want %s > %s", pairs[i][1], pairs[i][0]);
        assert_int_equal(model_path_cmp(pairs[i][0], pairs[i][0]), 0);
    }
}

/* A whole list: sorted, it is pathlib's order, and every pair agrees with it (a total order). */
static void test_path_order_sort(void **state)
{
    (void)state;
    const char *v[] = {"a.b", "sub/x",          "a-c", ".hidden", "a/b", "a/b/c", "empty",
                       "a",   "sub/.gitignore", "a/a", "big.bin", "sub"};
    static const char *const want[] = {
        ".hidden", "a",       "a/a",   "a/b", "a/b/c",          "a-c",
        "a.b",     "big.bin", "empty", "sub", "sub/.gitignore", "sub/x"};
    qsort(v, N(v), sizeof *v, by_model_path);
    for (size_t i = 0; i < N(v); i++) {
        assert_string_equal(v[i], want[i]);
        for (size_t j = 0; j < N(v); j++)
            assert_int_equal(sign(model_path_cmp(v[i], v[j])), i < j ? -1 : i > j ? 1 : 0);
    }
}

/* sample_model_folder: d0/f00..f02, d1/f10..f12, f0..f3, contents "This is file f{i}{j} in
 * d{i}." and "This is file f{i} in root."; subject digest 143cc682…8df7. */
static void test_digest_sample_model_folder(void **state)
{
    (void)state;
    const char *names[] = {"f3", "d1/f12", "f0",     "d0/f01", "d1/f10",
                           "f2", "d0/f00", "d1/f11", "f1",     "d0/f02"};
    static const char *const order[] = {"d0/f00", "d0/f01", "d0/f02", "d1/f10", "d1/f11",
                                        "d1/f12", "f0",     "f1",     "f2",     "f3"};
    qsort(names, N(names), sizeof *names, by_model_path);
    uint8_t files[N(names)][SHA256_LEN];
    for (size_t i = 0; i < N(names); i++) {
        assert_string_equal(names[i], order[i]);
        char text[64];
        if (names[i][0] == 'd')
            snprintf(text, sizeof text, "This is file f%c%c in d%c.", names[i][4], names[i][5],
                     names[i][1]);
        else
            snprintf(text, sizeof text, "This is file f%c in root.", names[i][1]);
        SHA256((const unsigned char *)text, strlen(text), files[i]);
    }
    uint8_t digest[SHA256_LEN];
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])files, N(names), digest);
    assert_hex(digest, "143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7");
}

/* A single-file model: one resource "." whose digest is the file's, so the subject digest is
 * SHA-256(SHA-256(file)). */
static void test_digest_single_file(void **state)
{
    (void)state;
    static const char text[] = "This is a simple model";
    uint8_t file[1][SHA256_LEN], digest[SHA256_LEN];
    SHA256((const unsigned char *)text, strlen(text), file[0]);
    assert_hex(file[0], "3aab065c7181a173b5dd9e9d32a9f79923440b413be1e1ffcdba26a7365f719b");
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])file, 1, digest);
    assert_hex(digest, "002d162f867c5eee944e5080d25829b6625be0e3f081f6fbafc7dd655ca2e178");
}

/* The digest is over the raw 32-byte digests in the order given: no names, lengths or
 * separators, and the order matters. */
static void test_digest_concatenation(void **state)
{
    (void)state;
    uint8_t files[2][SHA256_LEN], swapped[2][SHA256_LEN], concat[2 * SHA256_LEN];
    uint8_t got[SHA256_LEN], want[SHA256_LEN];
    memset(files[0], 0x11, SHA256_LEN);
    memset(files[1], 0x22, SHA256_LEN);
    memcpy(concat, files, sizeof concat);
    SHA256(concat, sizeof concat, want);
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])files, 2, got);
    assert_memory_equal(got, want, SHA256_LEN);
    memcpy(swapped[0], files[1], SHA256_LEN);
    memcpy(swapped[1], files[0], SHA256_LEN);
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])swapped, 2, got);
    assert_memory_not_equal(got, want, SHA256_LEN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_path_order_pairs),
        cmocka_unit_test(test_path_order_sort),
        cmocka_unit_test(test_digest_sample_model_folder),
        cmocka_unit_test(test_digest_single_file),
        cmocka_unit_test(test_digest_concatenation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
