/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "core/usage.h"

#define N(a) (sizeof(a) / sizeof *(a))

struct good_case {
    const char *s;
    enum usage_pref train_ai, train_genai;
};

static void test_valid(void **state)
{
    (void)state;
    const enum usage_pref U = USAGE_UNSET, Y = USAGE_ALLOW, D = USAGE_DENY;
    const struct good_case cases[] = {
        {"train-ai=n", D, U},
        {"train-ai=y", Y, U},
        {"train-ai=y, train-genai=n", Y, D},
        {"train-genai=n", U, D},
        {"search=y", U, U},
        {"search=y;foo=1, train-ai=n", D, U},
        {"train-ai=y, search=n", Y, U},
        /* whitespace: SP stripped around the whole value, OWS (SP, HTAB) around commas */
        {"  train-ai=n  ", D, U},
        {"train-ai=n,train-genai=y", D, Y},
        {"train-ai=n ,  train-genai=y", D, Y},
        {"train-ai=n\t,\ttrain-genai=y\t", D, Y},
        /* parameters on known keys, parsed and ignored; SP allowed after ';' */
        {"train-ai=n;reason=\"opt-out\";since=@1700000000", D, U},
        {"train-ai=n; a; b=?0; c=-1.5; d=:aGVsbG8=:", D, U},
        /* unknown keys with every kind of value */
        {"foo=1, train-ai=n", D, U},
        {"foo=-999999999999999, bar=123456789012.123, train-ai=y", Y, U},
        {"foo=\"a \\\"quoted\\\\ string\", train-ai=n", D, U},
        {"foo=tok/en:1.2*x, train-ai=n", D, U},
        {"foo=:YWJj:, bar=::, baz=:YQ:, train-ai=n", D, U},
        {"foo=?1, bar=?0, train-ai=n", D, U},
        {"foo=@-62135596800, train-ai=n", D, U},
        {"foo=%\"caf%c3%a9 %f0%9f%98%80\", train-ai=n", D, U},
        {"foo=%\"%e2%82%ac %ed%9f%bf %f4%8f%bf%bf %e0%a0%80\", train-ai=n", D, U},
        {"foo=(1 \"two\" three;p=4);q=5, bar=(), train-ai=n", D, U},
        {"foo=(  a  b  ), train-ai=n", D, U},
        {"foo, train-ai=n", D, U}, /* boolean member */
        {"foo;p=1, train-ai=n", D, U},
        {"*star=1, a.b_c-d*=2, x9=3, train-ai=n", D, U},
        {"foo=Y, train-ai=n", D, U}, /* tokens may be uppercase */
        /* duplicate keys: the last one wins */
        {"train-ai=y, train-ai=n", D, U},
        {"train-ai=n, train-ai=y", Y, U},
        {"train-ai=maybe, train-ai=n", D, U},
        {"train-ai, train-ai=y", Y, U},
        {"train-genai=n, train-ai=y, train-genai=y", Y, Y},
        /* other vocabulary keys must be y or n but are not reported */
        {"search=n, ai-use=n, ai-output=y, bots=y", U, U},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct content_usage u;
        char err[128] = "";
        if (!usage_parse(cases[i].s, &u, err, sizeof err))
            fail_msg("rejected \"%s\": %s", cases[i].s, err);
        if (u.train_ai != cases[i].train_ai || u.train_genai != cases[i].train_genai)
            fail_msg("\"%s\": train-ai %d train-genai %d", cases[i].s, u.train_ai, u.train_genai);
    }
}

struct bad_case {
    const char *s;
    const char *err; /* expected substring of the reason */
};

static void test_invalid(void **state)
{
    (void)state;
    const struct bad_case cases[] = {
        {"", "content_usage: must not be empty"},
        {"   ", "content_usage: must not be empty"},
        {"train-ai=maybe", "content_usage: train-ai must be the token y or n"},
        {"train-ai=\"n\"", "content_usage: train-ai must be the token y or n"},
        {"train-ai=N", "content_usage: train-ai must be the token y or n"},
        {"train-ai=yes", "content_usage: train-ai must be the token y or n"},
        {"train-ai=?0", "content_usage: train-ai must be the token y or n"},
        {"train-ai=0", "content_usage: train-ai must be the token y or n"},
        {"train-ai", "content_usage: train-ai must be the token y or n"},
        {"train-ai=(n)", "content_usage: train-ai must be the token y or n"},
        {"train-ai=n, train-ai=maybe", "content_usage: train-ai must be the token y or n"},
        {"train-genai=no", "content_usage: train-genai must be the token y or n"},
        {"search=1", "content_usage: search must be the token y or n"},
        {"ai-use=x", "content_usage: ai-use must be the token y or n"},
        {"ai-output", "content_usage: ai-output must be the token y or n"},
        {"bots=%\"n\"", "content_usage: bots must be the token y or n"},
        {"train-ai=n,", "trailing comma"},
        {"train-ai=n, ", "trailing comma"},
        {"train-ai=n,,search=y", "a key must start with"},
        {",train-ai=n", "a key must start with"},
        {"Train-ai=n", "a key must start with"},
        {"train-AI=n", "expected ','"},
        {"1abc=1", "a key must start with"},
        {"_a=1", "a key must start with"},
        {"\ttrain-ai=n", "a key must start with"}, /* only SP is stripped at the ends */
        {"train ai=n", "expected ','"},
        {"train-ai =n", "expected ','"},
        {"train-ai= n", "expected a value"},
        {"train-ai=n search=y", "expected ','"},
        {"train-ai=n;", "a key must start with"},
        {"train-ai=n;p =1", "expected ','"},
        {"train-ai=n ;p=1", "expected ','"},
        {"train-ai=n;P=1", "a key must start with"},
        {"foo=\"open", "a string is not closed"},
        {"foo=\"bad\\escape\"", "a string may only escape"},
        {"foo=\"tab\there\"", "a string has a control character"},
        {"foo=1234567890123456", "too many digits"},
        {"foo=1234567890123.5", "more than 12 integer digits"},
        {"foo=1.2345", "more than 3 fractional digits"},
        {"foo=1.", "must not end with '.'"},
        {"foo=-", "a number needs a digit"},
        {"foo=-a", "a number needs a digit"},
        {"foo=?2", "a boolean must be"},
        {"foo=?", "a boolean must be"},
        {"foo=:YWJj", "a byte sequence is not closed"},
        {"foo=:YW!j:", "not base64"},
        {"foo=:Y:", "not base64"},
        {"foo=:YQ=:", "not base64"},
        {"foo=:YQ==a:", "not base64"},
        {"foo=:Y===:", "not base64"},
        {"foo=@1.5", "a date must be an integer"},
        {"foo=@", "a number needs a digit"},
        {"foo=%\"abc", "a display string is not closed"},
        {"foo=%abc", "'%' must start a display string"},
        {"foo=%\"%C3%A9\"", "two lowercase hex digits"},
        {"foo=%\"%c3\"", "not UTF-8"},
        {"foo=%\"%c3a\"", "not UTF-8"},
        {"foo=%\"%ed%a0%80\"", "not UTF-8"}, /* a surrogate */
        {"foo=%\"%c0%af\"", "not UTF-8"},    /* overlong */
        {"foo=%\"%e0%80%af\"", "not UTF-8"}, /* overlong */
        {"foo=%\"%f0%80%80%af\"", "not UTF-8"},
        {"foo=%\"%80\"", "not UTF-8"}, /* a lone continuation byte */
        {"foo=%\"%f5%80%80%80\"", "not UTF-8"},
        {"foo=%\"%f4%90%80%80\"", "not UTF-8"},
        {"foo=%\"%\"", "two lowercase hex digits"},
        {"foo=(1 2", "an inner list is not closed"},
        {"foo=(1,2)", "inner list items are separated by spaces"},
        {"foo=((1))", "expected a value"},
        {"foo=#", "expected a value"},
        {"train-ai=n\n", "control or non-ASCII character at byte 10"},
        {"train-ai=n\r\nsearch=y", "control or non-ASCII character"},
        {"foo=\"caf\xc3\xa9\"", "control or non-ASCII character at byte 8"},
        {"train-ai=n\x7f", "control or non-ASCII character"},
    };
    for (size_t i = 0; i < N(cases); i++) {
        struct content_usage u = {USAGE_DENY, USAGE_DENY};
        char err[160] = "";
        if (usage_parse(cases[i].s, &u, err, sizeof err))
            fail_msg("accepted \"%s\"", cases[i].s);
        if (!strstr(err, cases[i].err))
            fail_msg("\"%s\": got \"%s\", want \"%s\"", cases[i].s, err, cases[i].err);
        if (strncmp(err, "content_usage: ", 15) != 0 || strchr(err, '\n'))
            fail_msg("\"%s\": reason \"%s\" is not one content_usage line", cases[i].s, err);
        assert_int_equal(u.train_ai, USAGE_UNSET);
        assert_int_equal(u.train_genai, USAGE_UNSET);
    }
}

static void test_limits(void **state)
{
    (void)state;
    char s[USAGE_MAX_LEN + 2];
    struct content_usage u;
    char err[128];
    /* exactly USAGE_MAX_LEN bytes: "train-ai=n, x=aaaa…" */
    memset(s, 'a', USAGE_MAX_LEN);
    memcpy(s, "train-ai=n, x=", 14);
    s[USAGE_MAX_LEN] = '\0';
    assert_true(usage_parse(s, &u, err, sizeof err));
    assert_int_equal(u.train_ai, USAGE_DENY);
    s[USAGE_MAX_LEN] = 'a';
    s[USAGE_MAX_LEN + 1] = '\0';
    assert_false(usage_parse(s, &u, err, sizeof err));
    assert_string_equal(err, "content_usage: longer than 1024 bytes");
    /* err may be absent or tiny */
    assert_false(usage_parse("train-ai=maybe", &u, NULL, 0));
    char tiny[8];
    assert_false(usage_parse("train-ai=maybe", &u, tiny, sizeof tiny));
    assert_string_equal(tiny, "content");
}

static void test_refuses(void **state)
{
    (void)state;
    const enum usage_pref U = USAGE_UNSET, Y = USAGE_ALLOW, D = USAGE_DENY;
    /* train-ai, train-genai, refuses non-generative, refuses generative */
    const struct {
        enum usage_pref ai, genai;
        bool plain, generative;
    } table[] = {
        {U, U, false, false}, {U, Y, false, false}, {U, D, false, true}, {Y, U, false, false},
        {Y, Y, false, false}, {Y, D, false, true},  {D, U, true, true}, /* train-genai unset
                                                                           inherits train-ai=n */
        {D, Y, true, true}, /* train-genai=y does not lift train-ai=n */
        {D, D, true, true},
    };
    for (size_t i = 0; i < N(table); i++) {
        struct content_usage u = {table[i].ai, table[i].genai};
        if (usage_refuses(&u, false) != table[i].plain ||
            usage_refuses(&u, true) != table[i].generative)
            fail_msg("train-ai %d train-genai %d", table[i].ai, table[i].genai);
    }
    struct content_usage u;
    char err[128];
    assert_true(usage_parse("train-ai=y, train-genai=n", &u, err, sizeof err));
    assert_false(usage_refuses(&u, false));
    assert_true(usage_refuses(&u, true));
    assert_true(usage_parse("train-ai=n", &u, err, sizeof err));
    assert_true(usage_refuses(&u, false));
    assert_true(usage_refuses(&u, true));
    assert_true(usage_parse("search=n", &u, err, sizeof err));
    assert_false(usage_refuses(&u, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
