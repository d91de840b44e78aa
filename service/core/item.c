#include "core/item.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jcs.h"
#include "util/validate.h"
#include "crypto/ethsig.h"
#include "crypto/p256.h"

static bool fail(struct problem *err, enum problem_code code, const char *field, const char *fmt,
                 ...) __attribute__((format(printf, 4, 5)));

static bool fail(struct problem *err, enum problem_code code, const char *field, const char *fmt,
                 ...)
{
    err->code = code;
    snprintf(err->field, sizeof err->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->detail, sizeof err->detail, fmt, ap);
    va_end(ap);
    return false;
}

bool item_parse_content_hash(const char *s, uint8_t out[SHA256_LEN])
{
    return strlen(s) == CONTENT_HASH_STR_LEN && !strncmp(s, "sha256:", 7) &&
           hex_decode(s + 7, 64, out, SHA256_LEN, true);
}

/* A string member that must not contain NUL; NULL (with err set) otherwise. */
static const char *get_string(json_t *obj, const char *key, const char *field, bool required,
                              struct problem *err, bool *missing)
{
    json_t *v = json_object_get(obj, key);
    *missing = v == NULL;
    if (!v) {
        if (required)
            fail(err, PROBLEM_INVALID_FIELD, field, "%s is required", field);
        return NULL;
    }
    if (!json_is_string(v)) {
        fail(err, PROBLEM_INVALID_FIELD, field, "%s must be a string", field);
        return NULL;
    }
    const char *s = json_string_value(v);
    if (strlen(s) != json_string_length(v)) {
        fail(err, PROBLEM_INVALID_FIELD, field, "%s must not contain NUL characters", field);
        return NULL;
    }
    return s;
}

static bool only_keys(json_t *obj, const char *const *allowed, const char *prefix,
                      struct problem *err)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        bool ok = false;
        for (const char *const *a = allowed; *a; a++)
            ok = ok || !strcmp(key, *a);
        if (!ok) {
            char field[64];
            snprintf(field, sizeof field, "%s%.40s", prefix, key);
            return fail(err, PROBLEM_INVALID_FIELD, field, "unknown field %s", field);
        }
    }
    return true;
}

static int json_depth(const json_t *v)
{
    int max = 0;
    if (json_is_object(v)) {
        const char *k;
        json_t *c;
        json_object_foreach((json_t *)v, k, c)
        {
            int d = json_depth(c);
            max = d > max ? d : max;
        }
        return max + 1;
    }
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int d = json_depth(json_array_get(v, i));
            max = d > max ? d : max;
        }
        return max + 1;
    }
    return 0;
}

static const char *const timestamp_fields[] = {"created_at", "modified_at", "published_at",
                                               "fetched_at", NULL};

static bool check_well_known(json_t *md, struct item_request *req, struct problem *err)
{
    bool missing;
    const char *s = get_string(md, "source_url", "metadata.source_url", false, err, &missing);
    if (!missing) {
        if (!s)
            return false;
        if (!valid_http_url(s))
            return fail(err, PROBLEM_INVALID_FIELD, "metadata.source_url",
                        "metadata.source_url must be an absolute http(s) URL of at most %d bytes",
                        URL_MAX_LEN);
        req->source_url = strdup(s);
        if (!req->source_url)
            return fail(err, PROBLEM_INTERNAL, "", "out of memory");
    }
    s = get_string(md, "author", "metadata.author", false, err, &missing);
    if (!missing && !s)
        return false;
    s = get_string(md, "license", "metadata.license", false, err, &missing);
    if (!missing && (!s || !valid_spdx_expression(s)))
        return s ? fail(err, PROBLEM_INVALID_FIELD, "metadata.license",
                        "metadata.license must be an SPDX license identifier or expression")
                 : false;
    for (const char *const *f = timestamp_fields; *f; f++) {
        char field[64];
        snprintf(field, sizeof field, "metadata.%s", *f);
        s = get_string(md, *f, field, false, err, &missing);
        if (!missing && (!s || !valid_rfc3339(s, NULL)))
            return s ? fail(err, PROBLEM_INVALID_FIELD, field,
                            "%s must be an RFC 3339 date-time such as 2026-01-02T03:04:05Z", field)
                     : false;
    }
    return true;
}

static bool parse_metadata(json_t *root, struct item_request *req, struct problem *err)
{
    json_t *md = json_object_get(root, "metadata");
    if (!md)
        return fail(err, PROBLEM_INVALID_FIELD, "metadata", "metadata is required");
    if (!json_is_object(md))
        return fail(err, PROBLEM_INVALID_FIELD, "metadata", "metadata must be a JSON object");
    if (json_depth(md) > ITEM_METADATA_DEPTH)
        return fail(err, PROBLEM_INVALID_FIELD, "metadata", "metadata nests deeper than %d levels",
                    ITEM_METADATA_DEPTH);
    if (!check_well_known(md, req, err))
        return false;
    if (!jcs_serialize(md, &req->metadata))
        return fail(err, PROBLEM_INTERNAL, "", "out of memory");
    if (req->metadata.len > ITEM_METADATA_MAX)
        return fail(err, PROBLEM_INVALID_FIELD, "metadata",
                    "canonical metadata is %zu bytes, more than the limit of %d", req->metadata.len,
                    ITEM_METADATA_MAX);
    return true;
}

static bool decode_b64_field(json_t *sig, const char *key, const char *field, uint8_t *out,
                             size_t want, size_t *out_len, struct problem *err)
{
    bool missing;
    const char *s = get_string(sig, key, field, true, err, &missing);
    if (!s)
        return false;
    if (!base64_decode(s, strlen(s), out, want, out_len) || *out_len != want)
        return fail(err, PROBLEM_INVALID_FIELD, field,
                    "%s must be %zu bytes in base64 or base64url", field, want);
    return true;
}

static bool parse_eth_fields(json_t *sig, struct item_request *req, struct problem *err)
{
    bool missing;
    const char *addr = get_string(sig, "address", "signature.address", true, err, &missing);
    if (!addr)
        return false;
    if (!eth_address_parse(addr, req->public_key))
        return fail(err, PROBLEM_INVALID_FIELD, "signature.address",
                    "signature.address must be 0x and 40 hex digits, with a valid EIP-55 "
                    "checksum when mixed-case");
    req->public_key_len = ETH_ADDRESS_LEN;
    const char *v = get_string(sig, "value", "signature.value", true, err, &missing);
    if (!v)
        return false;
    if (strlen(v) != 2 + 2 * ETH_SIGNATURE_LEN || v[0] != '0' || (v[1] != 'x' && v[1] != 'X') ||
        !hex_decode(v + 2, 2 * ETH_SIGNATURE_LEN, req->signature, ETH_SIGNATURE_LEN, false))
        return fail(err, PROBLEM_INVALID_FIELD, "signature.value",
                    "signature.value must be 0x and 130 hex digits (65 bytes: r, s, v)");
    req->signature_len = ETH_SIGNATURE_LEN;
    return true;
}

static bool parse_ed25519_fields(json_t *sig, struct item_request *req, struct problem *err)
{
    return decode_b64_field(sig, "public_key", "signature.public_key", req->public_key,
                            ED25519_PUBLIC_KEY_LEN, &req->public_key_len, err) &&
           decode_b64_field(sig, "value", "signature.value", req->signature, ED25519_SIGNATURE_LEN,
                            &req->signature_len, err);
}

/* Base64 of any length up to cap into out; *len receives it. */
static bool decode_b64_any(json_t *sig, const char *key, const char *field, uint8_t *out,
                           size_t cap, size_t *len, struct problem *err)
{
    bool missing;
    const char *s = get_string(sig, key, field, true, err, &missing);
    if (!s)
        return false;
    if (!base64_decode(s, strlen(s), out, cap, len))
        return fail(err, PROBLEM_INVALID_FIELD, field, "%s must be base64 or base64url", field);
    return true;
}

static bool parse_p256_fields(json_t *sig, struct item_request *req, struct problem *err)
{
    uint8_t buf[160];
    size_t n;
    if (!decode_b64_any(sig, "public_key", "signature.public_key", buf, sizeof buf, &n, err))
        return false;
    if (!p256_parse_public_key(buf, n, req->public_key))
        return fail(err, PROBLEM_INVALID_FIELD, "signature.public_key",
                    "signature.public_key must be a P-256 public key on the curve: WebCrypto "
                    "raw (65 bytes) or spki");
    req->public_key_len = P256_PUBLIC_KEY_LEN;
    if (!decode_b64_any(sig, "value", "signature.value", buf, sizeof buf, &n, err))
        return false;
    if (!p256_parse_signature(buf, n, req->signature))
        return fail(err, PROBLEM_INVALID_FIELD, "signature.value",
                    "signature.value must be an ECDSA signature: r || s (64 bytes) or DER");
    req->signature_len = P256_SIGNATURE_LEN;
    return true;
}

static bool parse_signature(json_t *root, struct item_request *req, struct problem *err)
{
    json_t *sig = json_object_get(root, "signature");
    if (!sig)
        return fail(err, PROBLEM_INVALID_FIELD, "signature", "signature is required");
    if (!json_is_object(sig))
        return fail(err, PROBLEM_INVALID_FIELD, "signature", "signature must be a JSON object");
    bool missing;
    const char *scheme = get_string(sig, "scheme", "signature.scheme", true, err, &missing);
    if (!scheme)
        return false;
    req->scheme = sig_scheme_parse(scheme);
    if (req->scheme == SIG_UNKNOWN)
        return fail(err, PROBLEM_INVALID_FIELD, "signature.scheme",
                    "signature.scheme must be one of: ed25519, ecdsa-p256, eip191, eip712");
    const char *const keys[] = {"scheme", sig_key_field(req->scheme), "value", NULL};
    if (!only_keys(sig, keys, "signature.", err))
        return false;
    bool ok = sig_is_ethereum(req->scheme)    ? parse_eth_fields(sig, req, err)
              : req->scheme == SIG_ECDSA_P256 ? parse_p256_fields(sig, req, err)
                                              : parse_ed25519_fields(sig, req, err);
    if (!ok)
        return false;
    sig_format_identity(req->scheme, req->public_key, req->public_key_len, req->signer);
    return true;
}

static bool build_statement(struct item_request *req, struct problem *err)
{
    /* Members in JCS order: content_hash < metadata < type. */
    struct buf *st = &req->statement;
    buf_puts(st, "{\"content_hash\":");
    jcs_write_string(st, req->content_hash_str, CONTENT_HASH_STR_LEN);
    buf_puts(st, ",\"metadata\":");
    buf_append(st, req->metadata.data, req->metadata.len);
    buf_puts(st, ",\"type\":\"" ITEM_STATEMENT_TYPE "\"}");
    if (st->oom)
        return fail(err, PROBLEM_INTERNAL, "", "out of memory");
    hash_sha256(st->data, st->len, req->statement_hash);
    return true;
}

static bool parse_root(json_t *root, struct item_request *req, struct problem *err)
{
    static const char *const keys[] = {"content_hash", "metadata", "signature", NULL};
    if (!json_is_object(root))
        return fail(err, PROBLEM_INVALID_FIELD, "", "the request body must be a JSON object");
    if (!only_keys(root, keys, "", err))
        return false;
    bool missing;
    const char *ch = get_string(root, "content_hash", "content_hash", true, err, &missing);
    if (!ch)
        return false;
    if (!item_parse_content_hash(ch, req->content_hash))
        return fail(err, PROBLEM_INVALID_FIELD, "content_hash",
                    "content_hash must be \"sha256:\" followed by 64 lowercase hex digits");
    memcpy(req->content_hash_str, ch, CONTENT_HASH_STR_LEN + 1);
    if (!parse_metadata(root, req, err) || !parse_signature(root, req, err) ||
        !build_statement(req, err))
        return false;
    /* eip712 signs a typed message committing to the statement's parts, not its bytes. */
    uint8_t digest[32];
    const uint8_t *msg = (const uint8_t *)req->statement.data;
    size_t msg_len = req->statement.len;
    if (req->scheme == SIG_EIP712) {
        eth_eip712_item_digest(ITEM_STATEMENT_TYPE, req->content_hash_str, req->metadata.data,
                               req->metadata.len, digest);
        msg = digest;
        msg_len = sizeof digest;
    }
    if (!sig_verify(req->scheme, req->public_key, req->public_key_len, req->signature,
                    req->signature_len, msg, msg_len))
        return fail(err, PROBLEM_SIGNATURE_INVALID, "signature.value",
                    "the signature does not verify over the canonical statement with this key");
    return true;
}

bool item_parse(const char *body, size_t len, struct item_request *req, struct problem *err)
{
    memset(req, 0, sizeof *req);
    memset(err, 0, sizeof *err);
    json_error_t jerr;
    json_t *root = json_loadb(
        body, len, JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        fail(err, PROBLEM_MALFORMED_JSON, "", "%s at line %d column %d", jerr.text, jerr.line,
             jerr.column);
        goto fail;
    }
    if (!item_parse_json(root, req, err))
        goto fail;
    json_decref(root);
    return true;
fail:
    json_decref(root);
    item_request_free(req);
    return false;
}

bool item_parse_json(json_t *root, struct item_request *req, struct problem *err)
{
    memset(req, 0, sizeof *req);
    memset(err, 0, sizeof *err);
    if (parse_root(root, req, err))
        return true;
    item_request_free(req);
    return false;
}

void item_request_free(struct item_request *req)
{
    buf_free(&req->metadata);
    buf_free(&req->statement);
    free(req->source_url);
    req->source_url = NULL;
}

void item_record_write(struct buf *out, const struct item_record *r)
{
    /* Members in JCS order; every string goes through the JCS escaper. */
    buf_puts(out, "{\"content_hash\":\"sha256:");
    buf_puts(out, r->content_hash_hex);
    buf_puts(out, "\",\"metadata\":");
    buf_append(out, r->metadata, r->metadata_len);
    buf_puts(out, ",\"registered_at\":");
    jcs_write_string(out, r->registered_at, strlen(r->registered_at));
    buf_puts(out, ",\"signature\":{");
    jcs_write_string(out, r->key_field, strlen(r->key_field));
    buf_putc(out, ':');
    jcs_write_string(out, r->public_key, strlen(r->public_key));
    buf_puts(out, ",\"scheme\":");
    jcs_write_string(out, r->scheme, strlen(r->scheme));
    buf_puts(out, ",\"value\":");
    jcs_write_string(out, r->signature, strlen(r->signature));
    buf_puts(out, "}}");
}

void item_rows_free(struct item_rows *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}

void item_row_record(const struct item_row *row, struct item_record *rec, struct item_strings *buf)
{
    enum sig_scheme s = sig_scheme_parse(row->scheme);
    uint8_t sig[128];
    size_t sig_len = strlen(row->signature_hex) / 2;
    if (sig_len > sizeof sig || !hex_decode(row->signature_hex, sig_len * 2, sig, sig_len, true))
        sig_len = 0;
    sig_format_value(s, sig, sig_len, buf->signature);
    format_rfc3339_us(row->registered_us, buf->registered_at);
    *rec = (struct item_record){
        .content_hash_hex = row->content_hash_hex,
        .metadata = row->metadata,
        .metadata_len = row->metadata_len,
        .registered_at = buf->registered_at,
        .scheme = row->scheme,
        .key_field = sig_key_field(s),
        .public_key = row->signer,
        .signature = buf->signature,
    };
}
