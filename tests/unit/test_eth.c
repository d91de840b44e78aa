#include "testutil.h"

#include <jansson.h>

#include "core/codec.h"
#include "crypto/keccak.h"

static json_t *vectors(const char *section)
{
    static json_t *doc;
    if (!doc) {
        char *data = read_vector("ethereum-vectors.json", NULL);
        doc = json_loads(data, 0, NULL);
        free(data);
        assert_non_null(doc);
    }
    return json_object_get(doc, section);
}

/* Decodes "0x…" hex into out (capacity cap); returns the length. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
    assert_true(s[0] == '0' && s[1] == 'x');
    size_t n = (strlen(s) - 2) / 2;
    assert_true(n <= cap);
    assert_true(hex_decode(s + 2, 2 * n, out, n, false));
    return n;
}

static void test_keccak256_vectors(void **state)
{
    (void)state;
    size_t i;
    json_t *v;
    json_array_foreach(vectors("keccak256"), i, v)
    {
        static uint8_t in[4096];
        uint8_t want[32], got[32];
        const char *text = json_string_value(json_object_get(v, "input_utf8"));
        size_t n = text ? strlen(text)
                        : unhex(json_string_value(json_object_get(v, "input_hex")), in, sizeof in);
        if (text)
            memcpy(in, text, n);
        unhex(json_string_value(json_object_get(v, "digest")), want, sizeof want);
        keccak256(in, n, got);
        assert_memory_equal(got, want, 32);
    }
    assert_int_equal(i, 15);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keccak256_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
