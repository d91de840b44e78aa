/* SPDX-License-Identifier: Apache-2.0 */
/* DESIGN: a single pass over the string, RFC 9651 §4.2.2 (Parsing a Dictionary) step by step,
 * each §4.2.x algorithm one function. Nothing is stored but the last value of each vocabulary
 * key, which is all the AIPREF processing (draft-ietf-aipref-vocab, "Processing Algorithm")
 * reads; so a repeated key's last value wins as RFC 9651 says, and the y/n check runs on that
 * value after the whole dictionary has parsed. */
#include "core/usage.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* The vocabulary's labels: draft-ietf-aipref-vocab-06 has train-ai and search; -03 had
 * train-genai (a subset of train-ai) and bots, -04 ai-output, the editor's copy ai-use. */
enum { KEY_TRAIN_AI, KEY_TRAIN_GENAI, KEY_SEARCH, KEY_AI_USE, KEY_AI_OUTPUT, KEY_BOTS, KEY_COUNT };
static const char *const usage_keys[KEY_COUNT] = {"train-ai", "train-genai", "search",
                                                  "ai-use",   "ai-output",   "bots"};

struct sf {
    const char *start, *p;
    const char *why; /* first failure, a static string */
};

/* A member's value: a token's span, or NULL for every other kind (Boolean, number, string,
 * inner list, …). */
struct sf_item {
    const char *token;
    size_t token_len;
};

struct usage_seen {
    enum usage_pref pref[KEY_COUNT];
    bool bad[KEY_COUNT]; /* last value is not the token y or n */
};

static bool sf_fail(struct sf *x, const char *why)
{
    if (!x->why)
        x->why = why;
    return false;
}

static bool sf_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool sf_lcalpha(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool sf_alpha(char c)
{
    return sf_lcalpha(c) || (c >= 'A' && c <= 'Z');
}

static void sf_ows(struct sf *x)
{
    while (*x->p == ' ' || *x->p == '\t')
        x->p++;
}

static bool sf_keychar(char c)
{
    return sf_lcalpha(c) || sf_digit(c) || c == '_' || c == '-' || c == '.' || c == '*';
}

/* §4.2.3.3 */
static bool sf_key(struct sf *x, const char **key, size_t *len)
{
    if (!sf_lcalpha(*x->p) && *x->p != '*')
        return sf_fail(x, "a key must start with a lowercase letter or '*'");
    *key = x->p;
    while (sf_keychar(*x->p))
        x->p++;
    *len = (size_t)(x->p - *key);
    return true;
}

/* §4.2.4; *decimal tells which it was. */
static bool sf_number(struct sf *x, bool *decimal)
{
    if (*x->p == '-')
        x->p++;
    if (!sf_digit(*x->p))
        return sf_fail(x, "a number needs a digit");
    size_t len = 0, frac = 0; /* characters of input_number, digits after '.' */
    *decimal = false;
    for (;; x->p++) {
        if (sf_digit(*x->p)) {
            frac += *decimal;
        } else if (!*decimal && *x->p == '.') {
            if (len > 12)
                return sf_fail(x, "a decimal has more than 12 integer digits");
            *decimal = true;
        } else {
            break;
        }
        len++;
        if ((!*decimal && len > 15) || (*decimal && len > 16))
            return sf_fail(x, "a number has too many digits");
    }
    if (*decimal && frac == 0)
        return sf_fail(x, "a decimal must not end with '.'");
    if (frac > 3)
        return sf_fail(x, "a decimal has more than 3 fractional digits");
    return true;
}

/* §4.2.5 */
static bool sf_string(struct sf *x)
{
    for (x->p++;; x->p++) {
        char c = *x->p;
        if (c == '\0')
            return sf_fail(x, "a string is not closed");
        if (c == '"') {
            x->p++;
            return true;
        }
        if (c == '\\') {
            if (x->p[1] != '"' && x->p[1] != '\\')
                return sf_fail(x, "a string may only escape '\"' and '\\'");
            x->p++;
        } else if ((unsigned char)c < 0x20 || (unsigned char)c > 0x7e) {
            return sf_fail(x, "a string has a control character");
        }
    }
}

static bool sf_tchar(char c)
{
    return sf_alpha(c) || sf_digit(c) || (c != '\0' && strchr("!#$%&'*+-.^_`|~:/", c) != NULL);
}

/* §4.2.6 (tchar, ':' and '/' after the first character) */
static bool sf_token(struct sf *x, struct sf_item *it)
{
    it->token = x->p++;
    while (sf_tchar(*x->p))
        x->p++;
    it->token_len = (size_t)(x->p - it->token);
    return true;
}

/* §4.2.7: base64 between colons; '=' only as trailing padding. Missing padding is accepted, as
 * the RFC asks of parsers. */
static bool sf_bytes(struct sf *x)
{
    size_t data = 0, pad = 0;
    for (x->p++; *x->p != ':'; x->p++) {
        char c = *x->p;
        if (c == '\0')
            return sf_fail(x, "a byte sequence is not closed");
        if (c == '=')
            pad++;
        else if ((sf_alpha(c) || sf_digit(c) || c == '+' || c == '/') && pad == 0)
            data++;
        else
            return sf_fail(x, "a byte sequence is not base64");
    }
    x->p++;
    if (data % 4 == 1 || pad > 2 || (pad > 0 && (data + pad) % 4 != 0))
        return sf_fail(x, "a byte sequence is not base64");
    return true;
}

/* §4.2.8 */
static bool sf_boolean(struct sf *x)
{
    if (x->p[1] != '0' && x->p[1] != '1')
        return sf_fail(x, "a boolean must be ?0 or ?1");
    x->p += 2;
    return true;
}

/* §4.2.9 */
static bool sf_date(struct sf *x)
{
    bool decimal;
    x->p++;
    if (!sf_number(x, &decimal))
        return false;
    return !decimal || sf_fail(x, "a date must be an integer");
}

/* UTF-8 (RFC 3629) one byte at a time: need continuation bytes are due, the next within
 * [lo, hi] (which rules out overlong forms, surrogates and code points above U+10FFFF). */
struct utf8 {
    int need;
    unsigned char lo, hi;
};

static bool utf8_step(struct utf8 *u, unsigned char b)
{
    if (u->need > 0) {
        if (b < u->lo || b > u->hi)
            return false;
        u->need--;
        u->lo = 0x80;
        u->hi = 0xbf;
        return true;
    }
    u->lo = 0x80;
    u->hi = 0xbf;
    if (b < 0x80)
        return true;
    if (b >= 0xc2 && b <= 0xdf) {
        u->need = 1;
    } else if (b >= 0xe0 && b <= 0xef) {
        u->need = 2;
        u->lo = b == 0xe0 ? 0xa0 : 0x80;
        u->hi = b == 0xed ? 0x9f : 0xbf;
    } else if (b >= 0xf0 && b <= 0xf4) {
        u->need = 3;
        u->lo = b == 0xf0 ? 0x90 : 0x80;
        u->hi = b == 0xf4 ? 0x8f : 0xbf;
    } else {
        return false;
    }
    return true;
}

static int sf_lchex(char c)
{
    if (sf_digit(c))
        return c - '0';
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* §4.2.10 */
static bool sf_display_string(struct sf *x)
{
    if (x->p[1] != '"')
        return sf_fail(x, "'%' must start a display string %\"…\"");
    struct utf8 u = {0};
    for (x->p += 2;; x->p++) {
        unsigned char c = (unsigned char)*x->p;
        if (c == '\0')
            return sf_fail(x, "a display string is not closed");
        if (c < 0x20 || c > 0x7e)
            return sf_fail(x, "a display string has a control character");
        if (c == '"') {
            x->p++;
            return u.need == 0 || sf_fail(x, "a display string is not UTF-8");
        }
        if (c == '%') {
            int hi = sf_lchex(x->p[1]), lo = hi < 0 ? -1 : sf_lchex(x->p[2]);
            if (lo < 0)
                return sf_fail(x, "'%' in a display string needs two lowercase hex digits");
            c = (unsigned char)(hi * 16 + lo);
            x->p += 2;
        }
        if (!utf8_step(&u, c))
            return sf_fail(x, "a display string is not UTF-8");
    }
}

/* §4.2.3.1; it is set for a token only. */
static bool sf_bare_item(struct sf *x, struct sf_item *it)
{
    bool decimal;
    char c = *x->p;
    it->token = NULL;
    it->token_len = 0;
    if (c == '-' || sf_digit(c))
        return sf_number(x, &decimal);
    if (c == '"')
        return sf_string(x);
    if (c == '*' || sf_alpha(c))
        return sf_token(x, it);
    if (c == ':')
        return sf_bytes(x);
    if (c == '?')
        return sf_boolean(x);
    if (c == '@')
        return sf_date(x);
    if (c == '%')
        return sf_display_string(x);
    return sf_fail(x, "expected a value");
}

/* §4.2.3.2, values ignored. */
static bool sf_params(struct sf *x)
{
    while (*x->p == ';') {
        const char *key;
        size_t len;
        struct sf_item ignored;
        x->p++;
        while (*x->p == ' ')
            x->p++;
        if (!sf_key(x, &key, &len))
            return false;
        if (*x->p != '=')
            continue; /* Boolean true */
        x->p++;
        if (!sf_bare_item(x, &ignored))
            return false;
    }
    return true;
}

/* §4.2.1.2, items ignored. */
static bool sf_inner_list(struct sf *x)
{
    struct sf_item ignored;
    for (x->p++; *x->p != '\0';) {
        while (*x->p == ' ')
            x->p++;
        if (*x->p == ')') {
            x->p++;
            return sf_params(x);
        }
        if (!sf_bare_item(x, &ignored) || !sf_params(x))
            return false;
        if (*x->p != ' ' && *x->p != ')')
            return sf_fail(x, *x->p ? "inner list items are separated by spaces"
                                    : "an inner list is not closed");
    }
    return sf_fail(x, "an inner list is not closed");
}

/* §4.2.2 steps 2.2 and 2.3: what follows a key. */
static bool sf_member(struct sf *x, struct sf_item *it)
{
    it->token = NULL;
    it->token_len = 0;
    if (*x->p != '=')
        return sf_params(x); /* Boolean true */
    x->p++;
    if (*x->p == '(')
        return sf_inner_list(x);
    return sf_bare_item(x, it) && sf_params(x);
}

static void usage_record(struct usage_seen *seen, const char *key, size_t len,
                         const struct sf_item *it)
{
    for (size_t i = 0; i < KEY_COUNT; i++) {
        if (strlen(usage_keys[i]) != len || memcmp(usage_keys[i], key, len) != 0)
            continue;
        bool y = it->token_len == 1 && it->token[0] == 'y';
        bool n = it->token_len == 1 && it->token[0] == 'n';
        seen->pref[i] = y ? USAGE_ALLOW : n ? USAGE_DENY : USAGE_UNSET;
        seen->bad[i] = !y && !n;
    }
}

/* §4.2.2, after §4.2 has dropped leading spaces. */
static bool sf_dictionary(struct sf *x, struct usage_seen *seen)
{
    for (;;) {
        const char *key;
        size_t len;
        struct sf_item it;
        if (!sf_key(x, &key, &len) || !sf_member(x, &it))
            return false;
        usage_record(seen, key, len, &it);
        sf_ows(x);
        if (*x->p == '\0')
            return true;
        if (*x->p != ',')
            return sf_fail(x, "expected ',' after a member");
        x->p++;
        sf_ows(x);
        if (*x->p == '\0')
            return sf_fail(x, "trailing comma");
    }
}

static bool usage_fail(char *err, size_t err_len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool usage_fail(char *err, size_t err_len, const char *fmt, ...)
{
    if (err && err_len > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, err_len, fmt, ap);
        va_end(ap);
    }
    return false;
}

/* Length and byte checks before parsing, so the parser only ever sees printable ASCII. */
static bool usage_bytes_ok(const char *s, char *err, size_t err_len)
{
    size_t len = strnlen(s, USAGE_MAX_LEN + 1);
    if (len > USAGE_MAX_LEN)
        return usage_fail(err, err_len, "content_usage: longer than %d bytes", USAGE_MAX_LEN);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c > 0x7e)
            return usage_fail(err, err_len,
                              "content_usage: control or non-ASCII character at byte %zu", i);
    }
    return true;
}

bool usage_parse(const char *s, struct content_usage *out, char *err, size_t err_len)
{
    *out = (struct content_usage){USAGE_UNSET, USAGE_UNSET};
    if (!usage_bytes_ok(s, err, err_len))
        return false;
    struct sf x = {s, s, NULL};
    while (*x.p == ' ')
        x.p++;
    if (*x.p == '\0')
        return usage_fail(err, err_len, "content_usage: must not be empty");
    struct usage_seen seen = {0};
    if (!sf_dictionary(&x, &seen))
        return usage_fail(err, err_len, "content_usage: %s at byte %zu",
                          x.why ? x.why : "syntax error", (size_t)(x.p - x.start));
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (seen.bad[i])
            return usage_fail(err, err_len, "content_usage: %s must be the token y or n",
                              usage_keys[i]);
    out->train_ai = seen.pref[KEY_TRAIN_AI];
    out->train_genai = seen.pref[KEY_TRAIN_GENAI];
    return true;
}

bool usage_refuses(const struct content_usage *u, bool generative)
{
    if (u->train_ai == USAGE_DENY)
        return true;
    return generative && u->train_genai == USAGE_DENY;
}
