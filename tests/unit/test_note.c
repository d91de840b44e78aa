/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "tlog/note.h"

/* The reference vectors of golang.org/x/mod/sumdb/note (note_test.go). */
#define VKEY "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
#define SKEY "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
#define TEXT                                                                                       \
    "If you think cryptography is the answer to your problem,\n"                                   \
    "then you don't know what your problem is.\n"
#define SIG                                                                                        \
    "\xe2\x80\x94 PeterNeumann "                                                                   \
    "x08go/ZJkuBS9UG/"                                                                             \
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"

static void test_go_reference_vectors(void **state)
{
    (void)state;
    struct note_key key, vkey;
    assert_true(note_key_parse_private(SKEY "\n", &key));
    assert_string_equal(key.name, "PeterNeumann");
    assert_int_equal(key.id, 0xc74f20a3);
    struct buf out = BUF_INIT;
    note_key_format_vkey(&key, &out);
    assert_string_equal(out.data, VKEY);
    buf_reset(&out);
    note_key_format_private(&key, &out);
    assert_string_equal(out.data, SKEY "\n");
    buf_reset(&out);
    assert_true(note_sign(&key, TEXT, strlen(TEXT), &out));
    assert_string_equal(out.data, TEXT "\n" SIG);

    assert_true(note_key_parse_vkey(VKEY, &vkey));
    assert_false(vkey.has_secret);
    size_t text_len;
    char err[128];
    assert_true(note_verify(&vkey, out.data, out.len, &text_len, err, sizeof err));
    assert_int_equal(text_len, strlen(TEXT));
    buf_free(&out);
}

static void test_tampering_and_wrong_keys(void **state)
{
    (void)state;
    struct note_key vkey, other;
    assert_true(note_key_parse_vkey(VKEY, &vkey));
    assert_true(note_key_generate("PeterNeumann", &other));
    char note[] = TEXT "\n" SIG;
    size_t text_len;
    char err[128];
    assert_false(note_verify(&other, note, strlen(note), &text_len, err, sizeof err));
    assert_non_null(strstr(err, "no signature by key"));
    for (size_t i = 0; i < strlen(TEXT); i += 7) {
        note[i] ^= 1;
        assert_false(note_verify(&vkey, note, strlen(note), &text_len, err, sizeof err));
        note[i] ^= 1;
    }
    assert_true(note_verify(&vkey, note, strlen(note), &text_len, err, sizeof err));
    assert_false(note_verify(&vkey, TEXT, strlen(TEXT), &text_len, err, sizeof err));
    /* signature lines shorter than the 4-byte prefix are malformed; the prefix compare must not
     * read past them (fuzzing found a compare that could) */
    const char *shorts[] = {"t\n\n\xe2\n", "t\n\n\n", "t\n\nab\n"};
    for (size_t i = 0; i < 3; i++) {
        size_t n = strlen(shorts[i]);
        char *exact = malloc(n); /* no NUL after it: ASan sees any overread */
        memcpy(exact, shorts[i], n);
        assert_false(note_verify(&vkey, exact, n, &text_len, err, sizeof err));
        free(exact);
    }
    /* Manglings of the verifier key are refused. */
    const char *bad[] = {"PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                         "PeterNeumann+c74f20a3+AhpcQcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                         "PeterNeumann+c74f20a3",
                         "+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                         "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
                         ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        if (note_key_parse_vkey(bad[i], &other))
            fail_msg("accepted vkey %s", bad[i]);
    assert_false(note_key_parse_private(VKEY, &other));
}

static void test_checkpoint_roundtrip(void **state)
{
    (void)state;
    uint8_t root[32], got_root[32];
    for (int i = 0; i < 32; i++)
        root[i] = (uint8_t)(i * 7);
    struct buf b = BUF_INIT;
    checkpoint_format("example.org/log", 1234567, root, &b);
    assert_string_equal(b.data,
                        "example.org/log\n1234567\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n");
    char origin[NOTE_NAME_MAX];
    uint64_t size;
    assert_true(checkpoint_parse(b.data, b.len, origin, &size, got_root));
    assert_string_equal(origin, "example.org/log");
    assert_int_equal(size, 1234567);
    assert_memory_equal(got_root, root, 32);
    const char *bad[] = {"o\n01\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n", "o\n1\nAAAA\n",
                         "o\n-1\nAAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk=\n", "o\n1\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_false(checkpoint_parse(bad[i], strlen(bad[i]), origin, &size, got_root));
    buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_go_reference_vectors),
        cmocka_unit_test(test_tampering_and_wrong_keys),
        cmocka_unit_test(test_checkpoint_roundtrip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
