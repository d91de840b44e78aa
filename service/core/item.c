/* SPDX-License-Identifier: Apache-2.0 */
#include "core/item.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jcs.h"
#include "util/validate.h"
#include "core/jfield.h"
#include "core/usage.h"
#include "crypto/ethsig.h"

bool item_parse_content_hash(const char *s, uint8_t out[SHA256_LEN])
{
    return strlen(s) == CONTENT_HASH_STR_LEN && !strncmp(s, "sha256:", 7) &&
           hex_decode(s + 7, 64, out, SHA256_LEN, true);
}

static const char *const timestamp_fields[] = {"created_at", "modified_at", "published_at",
                                               "fetched_at", NULL};

static bool check_well_known(json_t *md, struct item_request *req, struct problem *err)
{
    bool missing;
    const char *s = jf_string(md, "source_url", "metadata.source_url", false, err, &missing);
    if (!missing) {
        if (!s)
            return false;
        if (!valid_http_url(s))
            return problem_set(
                err, PROBLEM_INVALID_FIELD, "metadata.source_url",
                "metadata.source_url must be an absolute http(s) URL of at most %d bytes",
                URL_MAX_LEN);
        req->source_url = strdup(s);
        if (!req->source_url)
            return problem_set(err, PROBLEM_INTERNAL, "", "out of memory");
    }
    s = jf_string(md, "author", "metadata.author", false, err, &missing);
    if (!missing && !s)
        return false;
    s = jf_string(md, "license", "metadata.license", false, err, &missing);
    if (!missing && (!s || !valid_spdx_expression(s)))
        return s ? problem_set(err, PROBLEM_INVALID_FIELD, "metadata.license",
                               "metadata.license must be an SPDX license identifier or expression")
                 : false;
    s = jf_string(md, "content_usage", "metadata.content_usage", false, err, &missing);
    struct content_usage usage;
    char why[160];
    if (!missing && (!s || !usage_parse(s, &usage, why, sizeof why)))
        return s ? problem_set(err, PROBLEM_INVALID_FIELD, "metadata.content_usage",
                               "metadata.%s (an AIPREF usage preference such as \"train-ai=n\")",
                               why)
                 : false;
    for (const char *const *f = timestamp_fields; *f; f++) {
        char field[64];
        snprintf(field, sizeof field, "metadata.%s", *f);
        s = jf_string(md, *f, field, false, err, &missing);
        if (!missing && (!s || !valid_rfc3339(s, NULL)))
            return s ? problem_set(err, PROBLEM_INVALID_FIELD, field,
                                   "%s must be an RFC 3339 date-time such as 2026-01-02T03:04:05Z",
                                   field)
                     : false;
    }
    return true;
}

static bool parse_metadata(json_t *root, struct item_request *req, struct problem *err)
{
    json_t *md = json_object_get(root, "metadata");
    if (!md)
        return problem_set(err, PROBLEM_INVALID_FIELD, "metadata", "metadata is required");
    if (!json_is_object(md))
        return problem_set(err, PROBLEM_INVALID_FIELD, "metadata",
                           "metadata must be a JSON object");
    if (jf_depth(md) > ITEM_METADATA_DEPTH)
        return problem_set(err, PROBLEM_INVALID_FIELD, "metadata",
                           "metadata nests deeper than %d levels", ITEM_METADATA_DEPTH);
    if (!check_well_known(md, req, err))
        return false;
    if (!jcs_serialize(md, &req->metadata))
        return problem_set(err, PROBLEM_INTERNAL, "", "out of memory");
    if (req->metadata.len > ITEM_METADATA_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "metadata",
                           "canonical metadata is %zu bytes, more than the limit of %d",
                           req->metadata.len, ITEM_METADATA_MAX);
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
        return problem_set(err, PROBLEM_INTERNAL, "", "out of memory");
    hash_sha256(st->data, st->len, req->statement_hash);
    return true;
}

static bool parse_root(json_t *root, struct item_request *req, struct problem *err)
{
    static const char *const keys[] = {"content_hash", "metadata", "signature", NULL};
    if (!json_is_object(root))
        return problem_set(err, PROBLEM_INVALID_FIELD, "",
                           "the request body must be a JSON object");
    if (!jf_only_keys(root, keys, "", err))
        return false;
    bool missing;
    const char *ch = jf_string(root, "content_hash", "content_hash", true, err, &missing);
    if (!ch)
        return false;
    if (!item_parse_content_hash(ch, req->content_hash))
        return problem_set(err, PROBLEM_INVALID_FIELD, "content_hash",
                           "content_hash must be \"sha256:\" followed by 64 lowercase hex digits");
    memcpy(req->content_hash_str, ch, CONTENT_HASH_STR_LEN + 1);
    return parse_metadata(root, req, err) && sig_claim_parse(root, &req->sig, err) &&
           build_statement(req, err);
}

bool item_verify(const struct item_request *req, struct problem *err)
{
    /* eip712 signs a typed message committing to the statement's parts, not its bytes. */
    uint8_t digest[32];
    const uint8_t *msg = (const uint8_t *)req->statement.data;
    size_t msg_len = req->statement.len;
    if (req->sig.scheme == SIG_EIP712) {
        eth_eip712_item_digest(ITEM_STATEMENT_TYPE, req->content_hash_str, req->metadata.data,
                               req->metadata.len, digest);
        msg = digest;
        msg_len = sizeof digest;
    }
    return sig_claim_verify(&req->sig, msg, msg_len, err);
}

bool item_read(const char *body, size_t len, struct item_request *req, struct problem *err)
{
    memset(req, 0, sizeof *req);
    memset(err, 0, sizeof *err);
    json_t *root = jf_load(body, len, err);
    if (!root)
        goto fail;
    if (!item_read_json(root, req, err))
        goto fail;
    json_decref(root);
    return true;
fail:
    json_decref(root);
    item_request_free(req);
    return false;
}

bool item_read_json(json_t *root, struct item_request *req, struct problem *err)
{
    memset(req, 0, sizeof *req);
    memset(err, 0, sizeof *err);
    if (parse_root(root, req, err))
        return true;
    item_request_free(req);
    return false;
}

/* Frees req when its signature does not verify. */
static bool verified(bool read, struct item_request *req, struct problem *err)
{
    if (!read)
        return false;
    if (item_verify(req, err))
        return true;
    item_request_free(req);
    return false;
}

bool item_parse(const char *body, size_t len, struct item_request *req, struct problem *err)
{
    return verified(item_read(body, len, req, err), req, err);
}

bool item_parse_json(json_t *root, struct item_request *req, struct problem *err)
{
    return verified(item_read_json(root, req, err), req, err);
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
