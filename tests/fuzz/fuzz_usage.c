/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: AIPREF content_usage values (usage_parse) and SPDX licence expressions
 * against a policy (spdx_satisfiable, spdx_valid_policy_entry). The whole input goes to
 * usage_parse; split at its first NUL or newline, the head goes to usage_parse too and the tail
 * is the licence expression. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/usage.h"
#include "util/spdx.h"
#include "util/validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_usage(const char *s)
{
    struct content_usage u;
    char err[160] = "";
    if (usage_parse(s, &u, err, sizeof err)) {
        if (u.train_ai > USAGE_DENY || u.train_genai > USAGE_DENY)
            abort();
        (void)usage_refuses(&u, false);
        (void)usage_refuses(&u, true);
    } else if (strncmp(err, "content_usage: ", 15) != 0 || strchr(err, '\n') ||
               u.train_ai != USAGE_UNSET || u.train_genai != USAGE_UNSET) {
        abort(); /* a failure is one "content_usage: …" line and leaves *out unset */
    }
}

/* Deepest parenthesis nesting, whether or not s is an expression. */
static int paren_depth(const char *s)
{
    int d = 0, max = 0;
    for (; *s; s++)
        if (*s == '(' && ++d > max)
            max = d;
        else if (*s == ')')
            d--;
    return max;
}

static void check_spdx(const char *expr)
{
    static const char *const policy[] = {"MIT", "Apache-2.0",
                                         "GPL-2.0-only WITH Classpath-exception-2.0", "GPL-3.0+",
                                         "LicenseRef-provd"};
    bool valid = valid_spdx_expression(expr);
    bool sat = spdx_satisfiable(expr, policy, sizeof policy / sizeof *policy);
    /* spdx_satisfiable parses what valid_spdx_expression accepts, nested up to 8 deep */
    if (sat && !valid && paren_depth(expr) <= 8)
        abort();
    if (spdx_valid_policy_entry(expr) && !spdx_satisfiable(expr, &expr, 1))
        abort(); /* a policy entry allows itself */
    if (!valid)
        return;
    /* with every word of a valid expression allowed, it is satisfiable */
    char copy[LICENSE_MAX_LEN + 1];
    const char *words[LICENSE_MAX_LEN];
    size_t n = 0;
    memcpy(copy, expr, strlen(expr) + 1); /* valid: at most LICENSE_MAX_LEN bytes */
    for (char *p = copy; *p;) {
        size_t len = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-");
        if (len == 0) {
            *p++ = '\0';
            continue;
        }
        words[n++] = p;
        p += len;
    }
    if (!spdx_satisfiable(expr, words, n))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    check_usage(s);
    size_t head = strcspn(s, "\n"); /* stops at the first NUL as well */
    const char *tail = head < size ? s + head + 1 : "";
    s[head] = '\0';
    check_usage(s);
    check_spdx(tail);
    free(s);
    return 0;
}
