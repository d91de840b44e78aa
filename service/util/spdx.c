/* SPDX-License-Identifier: Apache-2.0 */
/* DESIGN: one recursive-descent pass parses and evaluates at once. The tokenizer is
 * valid_spdx_expression's (util/validate.c), so both accept the same strings up to the depth
 * limit; the parser only adds precedence:
 *
 *   or      = and *("OR" and)
 *   and     = primary *("AND" primary)
 *   primary = "(" or ")" / leaf
 *   leaf    = id ["+"] ["WITH" word]
 *
 * Both sides of every operator are parsed even when the result is already known, so an invalid
 * tail is never accepted. Each leaf is checked against the policy by parsing every entry again:
 * the lists are short and this needs no allocation. */
#include "util/spdx.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

#include "util/validate.h"

/* One licence: an expression's leaf or a policy entry. Spans borrow from the parsed string. */
struct spdx_leaf {
    const char *id;
    size_t id_len;
    bool plus;
    const char *exc; /* exception after WITH, NULL if none */
    size_t exc_len;
};

struct spdx_eval {
    const char *p;
    const char *const *allowed;
    size_t n_allowed;
};

static void spdx_space(const char **p)
{
    while (**p == ' ')
        (*p)++;
}

static bool spdx_id_char(char c)
{
    return isalnum((unsigned char)c) || c == '.' || c == '-';
}

/* Skips spaces, then reads a run of identifier characters; returns its length (0: none). */
static size_t spdx_word(const char **p, const char **start)
{
    spdx_space(p);
    *start = *p;
    while (spdx_id_char(**p))
        (*p)++;
    return (size_t)(*p - *start);
}

static bool spdx_is(const char *w, size_t n, const char *op)
{
    return n == strlen(op) && !strncmp(w, op, n);
}

static bool spdx_is_operator(const char *w, size_t n)
{
    return spdx_is(w, n, "AND") || spdx_is(w, n, "OR") || spdx_is(w, n, "WITH");
}

/* A leaf at *p (leading spaces skipped); on success *p is just past it. */
static bool spdx_leaf_parse(const char **p, struct spdx_leaf *leaf)
{
    const char *q = *p;
    leaf->id_len = spdx_word(&q, &leaf->id);
    if (leaf->id_len == 0 || spdx_is_operator(leaf->id, leaf->id_len))
        return false;
    leaf->plus = *q == '+';
    if (leaf->plus)
        q++;
    leaf->exc = NULL;
    leaf->exc_len = 0;
    const char *after = q;
    const char *w;
    size_t n = spdx_word(&q, &w);
    if (n > 0 && spdx_is(w, n, "WITH")) {
        leaf->exc_len = spdx_word(&q, &leaf->exc);
        if (leaf->exc_len == 0)
            return false;
    } else {
        q = after;
    }
    *p = q;
    return true;
}

static bool spdx_same(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && !strncasecmp(a, b, a_len);
}

/* Whether policy entry e lets one comply with leaf: same id; an entry with "+" covers only
 * "+" leaves; an entry with an exception covers only leaves with that exception. */
static bool spdx_entry_permits(const struct spdx_leaf *e, const struct spdx_leaf *leaf)
{
    if (!spdx_same(e->id, e->id_len, leaf->id, leaf->id_len))
        return false;
    if (e->plus && !leaf->plus)
        return false;
    return !e->exc || (leaf->exc && spdx_same(e->exc, e->exc_len, leaf->exc, leaf->exc_len));
}

/* Parses a policy entry; false when s is not one. */
static bool spdx_entry_parse(const char *s, struct spdx_leaf *e)
{
    if (strnlen(s, LICENSE_MAX_LEN + 1) > LICENSE_MAX_LEN || *s == ' ')
        return false;
    const char *p = s;
    if (!spdx_leaf_parse(&p, e) || *p != '\0')
        return false;
    return !e->exc || !spdx_is_operator(e->exc, e->exc_len);
}

bool spdx_valid_policy_entry(const char *s)
{
    struct spdx_leaf e;
    return s && spdx_entry_parse(s, &e);
}

static bool spdx_leaf_allowed(const struct spdx_eval *x, const struct spdx_leaf *leaf)
{
    for (size_t i = 0; i < x->n_allowed; i++) {
        struct spdx_leaf e;
        if (x->allowed[i] && spdx_entry_parse(x->allowed[i], &e) && spdx_entry_permits(&e, leaf))
            return true;
    }
    return false;
}

static bool spdx_or(struct spdx_eval *x, int depth, bool *sat);

static bool spdx_primary(struct spdx_eval *x, int depth, bool *sat)
{
    spdx_space(&x->p);
    if (*x->p == '(') {
        if (depth >= SPDX_MAX_DEPTH)
            return false;
        x->p++;
        if (!spdx_or(x, depth + 1, sat))
            return false;
        spdx_space(&x->p);
        if (*x->p != ')')
            return false;
        x->p++;
        return true;
    }
    struct spdx_leaf leaf;
    if (!spdx_leaf_parse(&x->p, &leaf))
        return false;
    *sat = spdx_leaf_allowed(x, &leaf);
    return true;
}

/* Whether the next word is op; consumes it if so. */
static bool spdx_take(struct spdx_eval *x, const char *op)
{
    const char *q = x->p;
    const char *w;
    size_t n = spdx_word(&q, &w);
    if (!spdx_is(w, n, op))
        return false;
    x->p = q;
    return true;
}

static bool spdx_and(struct spdx_eval *x, int depth, bool *sat)
{
    if (!spdx_primary(x, depth, sat))
        return false;
    while (spdx_take(x, "AND")) {
        bool rhs;
        if (!spdx_primary(x, depth, &rhs))
            return false;
        *sat = *sat && rhs;
    }
    return true;
}

static bool spdx_or(struct spdx_eval *x, int depth, bool *sat)
{
    if (!spdx_and(x, depth, sat))
        return false;
    while (spdx_take(x, "OR")) {
        bool rhs;
        if (!spdx_and(x, depth, &rhs))
            return false;
        *sat = *sat || rhs;
    }
    return true;
}

bool spdx_satisfiable(const char *expr, const char *const *allowed, size_t n_allowed)
{
    if (!expr || strnlen(expr, LICENSE_MAX_LEN + 1) > LICENSE_MAX_LEN)
        return false;
    struct spdx_eval x = {expr, allowed, allowed ? n_allowed : 0};
    bool sat = false;
    if (!spdx_or(&x, 0, &sat))
        return false;
    spdx_space(&x.p);
    return *x.p == '\0' && sat;
}
