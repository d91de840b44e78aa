/* SPDX-License-Identifier: Apache-2.0 */
#include "testutil.h"

#include "util/spdx.h"
#include "util/validate.h"

#define N(a) (sizeof(a) / sizeof *(a))

struct sat_case {
    const char *expr;
    const char *allowed[4]; /* NULL-terminated */
    bool want;
};

static size_t count(const char *const *allowed)
{
    size_t n = 0;
    while (n < 4 && allowed[n])
        n++;
    return n;
}

static void check_cases(const struct sat_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (spdx_satisfiable(c[i].expr, c[i].allowed, count(c[i].allowed)) != c[i].want)
            fail_msg("case %zu: \"%s\" with [%s, %s, …] should be %s", i, c[i].expr,
                     c[i].allowed[0] ? c[i].allowed[0] : "", c[i].allowed[1] ? c[i].allowed[1] : "",
                     c[i].want ? "satisfiable" : "unsatisfiable");
}

static void test_operators(void **state)
{
    (void)state;
    static const struct sat_case cases[] = {
        {"MIT", {"MIT"}, true},
        {"MIT", {"Apache-2.0"}, false},
        {"MIT OR GPL-3.0-only", {"GPL-3.0-only"}, true},
        {"MIT OR GPL-3.0-only", {"MIT"}, true},
        {"MIT OR GPL-3.0-only", {"BSD-3-Clause"}, false},
        {"MIT AND Apache-2.0", {"MIT"}, false},
        {"MIT AND Apache-2.0", {"Apache-2.0"}, false},
        {"MIT AND Apache-2.0", {"MIT", "Apache-2.0"}, true},
        {"(MIT OR BSD-3-Clause) AND Apache-2.0", {"BSD-3-Clause", "Apache-2.0"}, true},
        {"(MIT OR BSD-3-Clause) AND Apache-2.0", {"MIT"}, false},
        {"(MIT OR BSD-3-Clause) AND Apache-2.0", {"Apache-2.0"}, false},
        {"MIT AND (Apache-2.0 OR GPL-2.0-only)", {"MIT", "GPL-2.0-only"}, true},
        {"((MIT))", {"MIT"}, true},
        {"(MIT)AND(ISC)", {"MIT", "ISC"}, true}, /* validate.c needs no space around ( ) */
        {"  MIT   OR   ISC  ", {"ISC"}, true},
        {"MIT OR ISC OR 0BSD OR Zlib", {"Zlib"}, true},
        {"MIT AND ISC AND 0BSD", {"MIT", "ISC", "0BSD"}, true},
        {"MIT AND ISC AND 0BSD", {"MIT", "0BSD"}, false},
    };
    check_cases(cases, N(cases));
}

static void test_precedence(void **state)
{
    (void)state;
    /* AND binds tighter: MIT OR (Apache-2.0 AND GPL-2.0-only) */
    static const struct sat_case cases[] = {
        {"MIT OR Apache-2.0 AND GPL-2.0-only", {"MIT"}, true},
        {"MIT OR Apache-2.0 AND GPL-2.0-only", {"Apache-2.0"}, false},
        {"MIT OR Apache-2.0 AND GPL-2.0-only", {"Apache-2.0", "GPL-2.0-only"}, true},
        /* (MIT AND Apache-2.0) OR GPL-2.0-only */
        {"MIT AND Apache-2.0 OR GPL-2.0-only", {"GPL-2.0-only"}, true},
        {"MIT AND Apache-2.0 OR GPL-2.0-only", {"MIT"}, false},
        /* parentheses override */
        {"(MIT OR Apache-2.0) AND GPL-2.0-only", {"MIT"}, false},
        {"(MIT OR Apache-2.0) AND GPL-2.0-only", {"MIT", "GPL-2.0-only"}, true},
        {"ISC AND MIT OR Apache-2.0 AND Zlib", {"Apache-2.0", "Zlib"}, true},
        {"ISC AND MIT OR Apache-2.0 AND Zlib", {"ISC", "Zlib"}, false},
    };
    check_cases(cases, N(cases));
}

static void test_case_insensitive(void **state)
{
    (void)state;
    static const struct sat_case cases[] = {
        {"mit", {"MIT"}, true},
        {"MIT", {"mit"}, true},
        {"apache-2.0 OR gpl-3.0-ONLY", {"GPL-3.0-only"}, true},
        {"LicenseRef-Acme-1", {"licenseref-acme-1"}, true},
        {"LicenseRef-Acme-1", {"LicenseRef-Acme-2"}, false},
        {"GPL-2.0-only WITH classpath-exception-2.0",
         {"gpl-2.0-only WITH Classpath-exception-2.0"},
         true},
        /* operators are case-sensitive, as in valid_spdx_expression: "or" is not OR */
        {"MIT or ISC", {"MIT", "ISC", "or"}, false},
        {"MIT and ISC", {"MIT", "ISC"}, false},
    };
    check_cases(cases, N(cases));
}

static void test_plus_and_with(void **state)
{
    (void)state;
    static const struct sat_case cases[] = {
        {"GPL-2.0+", {"GPL-2.0"}, true},
        {"GPL-2.0+", {"GPL-2.0+"}, true},
        {"GPL-2.0+", {"GPL-3.0"}, false},
        {"GPL-2.0", {"GPL-2.0+"}, false}, /* an "ID+" entry covers only "ID+" leaves */
        {"GPL-2.0-only WITH Classpath-exception-2.0", {"GPL-2.0-only"}, true},
        {"GPL-2.0-only WITH Classpath-exception-2.0",
         {"GPL-2.0-only WITH Classpath-exception-2.0"},
         true},
        {"GPL-2.0-only WITH Classpath-exception-2.0", {"GPL-2.0-only WITH LLVM-exception"}, false},
        {"GPL-2.0-only WITH Classpath-exception-2.0", {"Classpath-exception-2.0"}, false},
        {"GPL-2.0-only", {"GPL-2.0-only WITH Classpath-exception-2.0"}, false},
        {"GPL-2.0+ WITH Classpath-exception-2.0", {"GPL-2.0"}, true},
        {"GPL-2.0+ WITH Classpath-exception-2.0", {"GPL-2.0+"}, true},
        {"GPL-2.0+ WITH Classpath-exception-2.0", {"GPL-2.0 WITH Classpath-exception-2.0"}, true},
        {"GPL-2.0 WITH Classpath-exception-2.0", {"GPL-2.0+ WITH Classpath-exception-2.0"}, false},
        {"GPL-2.0+WITH Classpath-exception-2.0", {"GPL-2.0"}, true}, /* as validate.c reads it */
        {"Apache-2.0 WITH LLVM-exception OR MIT", {"MIT"}, true},
        {"(GPL-2.0-only WITH Classpath-exception-2.0) AND MIT", {"GPL-2.0-only", "MIT"}, true},
    };
    check_cases(cases, N(cases));
}

static void test_invalid(void **state)
{
    (void)state;
    const char *all[] = {"MIT", "ISC", "Apache-2.0", "AND", "OR", "WITH", "Public", "Domain"};
    const char *bad[] = {"",
                         "   ",
                         "MIT OR",
                         "AND MIT",
                         "OR",
                         "MIT/Apache",
                         "(MIT",
                         "MIT)",
                         "()",
                         "MIT WITH",
                         "Public Domain",
                         "MIT OR OR ISC",
                         "MIT AND AND ISC",
                         "MIT ISC",
                         "MIT++",
                         "MIT +",
                         "+MIT",
                         "MIT,ISC",
                         "MIT\tOR ISC",
                         "DocumentRef-x:LicenseRef-y", /* validate.c has no ':' either */
                         "MIT OR (ISC",
                         "MIT OR ISC)"};
    for (size_t i = 0; i < N(bad); i++)
        if (spdx_satisfiable(bad[i], all, N(all)))
            fail_msg("accepted invalid %s", bad[i]);
    char long_expr[LICENSE_MAX_LEN + 8];
    memset(long_expr, 'a', sizeof long_expr - 1);
    long_expr[sizeof long_expr - 1] = '\0';
    assert_false(spdx_satisfiable(long_expr, all, N(all)));
    assert_false(spdx_satisfiable(NULL, all, N(all)));
}

static void test_empty_policy(void **state)
{
    (void)state;
    const char *none[1] = {NULL};
    assert_false(spdx_satisfiable("MIT", NULL, 0));
    assert_false(spdx_satisfiable("MIT", none, 0));
    assert_false(spdx_satisfiable("MIT OR ISC", NULL, 0));
    assert_false(spdx_satisfiable("MIT", none, 1)); /* a NULL entry matches nothing */
    /* invalid policy entries match nothing */
    const char *junk[] = {"MIT OR ISC", " MIT", "MIT ", "", "(MIT)"};
    assert_false(spdx_satisfiable("MIT", junk, N(junk)));
}

static void test_depth(void **state)
{
    (void)state;
    const char *mit[] = {"MIT"};
    char buf[2 * (SPDX_MAX_DEPTH + 1) + 4];
    for (int d = 0; d <= SPDX_MAX_DEPTH + 1; d++) {
        size_t n = 0;
        for (int i = 0; i < d; i++)
            buf[n++] = '(';
        memcpy(buf + n, "MIT", 3);
        n += 3;
        for (int i = 0; i < d; i++)
            buf[n++] = ')';
        buf[n] = '\0';
        if (spdx_satisfiable(buf, mit, 1) != (d <= SPDX_MAX_DEPTH))
            fail_msg("depth %d", d);
    }
    /* far deeper than the limit, within the length bound: refused, no crash */
    char deep[LICENSE_MAX_LEN + 1];
    memset(deep, '(', LICENSE_MAX_LEN);
    deep[LICENSE_MAX_LEN] = '\0';
    assert_false(spdx_satisfiable(deep, mit, 1));
}

/* Whatever valid_spdx_expression accepts is parsed: with every word of the expression allowed,
 * each of them is satisfiable. */
static void test_agrees_with_validate(void **state)
{
    (void)state;
    const char *exprs[] = {"MIT",
                           "CC-BY-4.0",
                           "Apache-2.0 OR MIT",
                           "GPL-2.0+",
                           "GPL-2.0-or-later WITH Classpath-exception-2.0",
                           "(MIT AND BSD-3-Clause) OR LicenseRef-custom.1",
                           "CC0-1.0",
                           "((((((((MIT))))))))",
                           "(MIT)AND(ISC)",
                           "MIT+WITH X",
                           "MIT WITH AND",
                           "a OR b AND c OR (d AND e) AND f+ WITH g"};
    for (size_t i = 0; i < N(exprs); i++) {
        assert_true(valid_spdx_expression(exprs[i]));
        char copy[LICENSE_MAX_LEN + 1];
        const char *words[LICENSE_MAX_LEN];
        size_t n = 0;
        snprintf(copy, sizeof copy, "%s", exprs[i]);
        for (char *p = copy; *p;) {
            size_t len =
                strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-");
            if (len == 0) {
                *p++ = '\0';
                continue;
            }
            words[n++] = p;
            p += len;
        }
        if (!spdx_satisfiable(exprs[i], words, n))
            fail_msg("valid %s not satisfiable with its own words", exprs[i]);
    }
}

static void test_policy_entries(void **state)
{
    (void)state;
    const char *good[] = {"MIT",
                          "mit",
                          "GPL-2.0+",
                          "GPL-2.0-only WITH Classpath-exception-2.0",
                          "GPL-2.0+ WITH Classpath-exception-2.0",
                          "LicenseRef-Acme.1",
                          "0BSD",
                          "CC-BY-SA-4.0"};
    const char *bad[] = {
        "",      " MIT",     "MIT ",          "MIT OR ISC", "MIT AND ISC",
        "(MIT)", "MIT WITH", "MIT WITH AND",  "AND",        "WITH",
        "MIT++", "MIT/ISC",  "Public Domain", "MIT\t",      "DocumentRef-x:LicenseRef-y"};
    for (size_t i = 0; i < N(good); i++) {
        if (!spdx_valid_policy_entry(good[i]))
            fail_msg("rejected entry %s", good[i]);
        const char *self[] = {good[i]};
        if (!spdx_satisfiable(good[i], self, 1)) /* an entry allows itself */
            fail_msg("entry %s does not allow itself", good[i]);
    }
    for (size_t i = 0; i < N(bad); i++)
        if (spdx_valid_policy_entry(bad[i]))
            fail_msg("accepted entry %s", bad[i]);
    assert_false(spdx_valid_policy_entry(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_case_insensitive),
        cmocka_unit_test(test_plus_and_with),
        cmocka_unit_test(test_invalid),
        cmocka_unit_test(test_empty_policy),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_agrees_with_validate),
        cmocka_unit_test(test_policy_entries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
