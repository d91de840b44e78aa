/* SPDX-License-Identifier: Apache-2.0 */
#include "core/dataset.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "util/jcs.h"
#include "util/spdx.h"
#include "util/validate.h"
#include "core/item.h"
#include "core/jfield.h"
#include "crypto/ethsig.h"

static bool parse_licenses(json_t *arr, struct dataset_policy *p, struct problem *err)
{
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > DATASET_LICENSES_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "policy.licenses",
                           "policy.licenses must be an array of 1 to %d SPDX identifiers",
                           DATASET_LICENSES_MAX);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        const char *s = json_string_value(v);
        if (!s || strlen(s) != json_string_length(v) || strlen(s) > DATASET_LICENSE_MAX ||
            !spdx_valid_policy_entry(s)) {
            char field[64];
            snprintf(field, sizeof field, "policy.licenses[%zu]", i);
            return problem_set(err, PROBLEM_INVALID_FIELD, field,
                               "%s must be an SPDX licence identifier (e.g. \"CC-BY-4.0\")", field);
        }
        snprintf(p->licenses[i], sizeof p->licenses[i], "%s", s);
    }
    p->has_licenses = true;
    p->n_licenses = json_array_size(arr);
    return true;
}

bool dataset_policy_parse(json_t *obj, struct dataset_policy *p, struct problem *err)
{
    static const char *const keys[] = {"licenses",
                                       "require_known_signer",
                                       "require_logged",
                                       "require_anchored",
                                       "generative",
                                       "respect_content_usage",
                                       NULL};
    memset(p, 0, sizeof *p);
    if (!jf_only_keys(obj, keys, "policy.", err))
        return false;
    json_t *lic = json_object_get(obj, "licenses");
    if (lic && !parse_licenses(lic, p, err))
        return false;
    return jf_bool(obj, "require_known_signer", "policy.require_known_signer",
                   &p->require_known_signer, err) &&
           jf_bool(obj, "require_logged", "policy.require_logged", &p->require_logged, err) &&
           jf_bool(obj, "require_anchored", "policy.require_anchored", &p->require_anchored, err) &&
           jf_bool(obj, "respect_content_usage", "policy.respect_content_usage",
                   &p->respect_content_usage, err) &&
           jf_bool(obj, "generative", "policy.generative", &p->generative, err);
}

static bool create_from_json(json_t *root, struct dataset_create *c, struct problem *err)
{
    static const char *const keys[] = {"name", "version", "metadata", "policy", NULL};
    if (!json_is_object(root))
        return problem_set(err, PROBLEM_INVALID_FIELD, "",
                           "the request body must be a JSON object");
    if (!jf_only_keys(root, keys, "", err))
        return false;
    const char *name = jf_text(root, "name", DATASET_NAME_MAX, err);
    const char *version = name ? jf_text(root, "version", DATASET_VERSION_MAX, err) : NULL;
    if (!version)
        return false;
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->version, sizeof c->version, "%s", version);
    json_t *policy = json_object_get(root, "policy");
    if (!jf_canonical_object(root, "metadata", "metadata", ITEM_METADATA_DEPTH, ITEM_METADATA_MAX,
                             &c->metadata, err) ||
        !jf_canonical_object(root, "policy", "policy", ITEM_METADATA_DEPTH, ITEM_METADATA_MAX,
                             &c->policy, err))
        return false;
    json_t *empty = json_object();
    bool ok = empty && dataset_policy_parse(policy ? policy : empty, &c->pol, err);
    json_decref(empty);
    return ok;
}

bool dataset_create_parse(const char *body, size_t len, struct dataset_create *c,
                          struct problem *err)
{
    memset(c, 0, sizeof *c);
    memset(err, 0, sizeof *err);
    json_t *root = jf_load(body, len, err);
    bool ok = root && create_from_json(root, c, err);
    json_decref(root);
    if (!ok)
        dataset_create_free(c);
    return ok;
}

void dataset_create_free(struct dataset_create *c)
{
    buf_free(&c->metadata);
    buf_free(&c->policy);
}

static bool seal_from_json(json_t *root, struct dataset_seal *s, struct problem *err)
{
    static const char *const keys[] = {"member_count", "members_root", "signature", NULL};
    if (!json_is_object(root))
        return problem_set(err, PROBLEM_INVALID_FIELD, "",
                           "the request body must be a JSON object");
    if (!jf_only_keys(root, keys, "", err) || !jf_uint(root, "member_count", &s->member_count, err))
        return false;
    bool missing;
    const char *r = jf_string(root, "members_root", "members_root", true, err, &missing);
    if (!r)
        return false;
    if (strlen(r) != 2 * SHA256_LEN || !hex_decode(r, strlen(r), s->members_root, SHA256_LEN, true))
        return problem_set(err, PROBLEM_INVALID_FIELD, "members_root",
                           "members_root must be 64 lowercase hex digits");
    memcpy(s->members_root_hex, r, sizeof s->members_root_hex);
    return sig_claim_parse(root, &s->sig, err);
}

bool dataset_seal_parse(const char *body, size_t len, struct dataset_seal *s, struct problem *err)
{
    memset(s, 0, sizeof *s);
    memset(err, 0, sizeof *err);
    json_t *root = jf_load(body, len, err);
    bool ok = root && seal_from_json(root, s, err);
    json_decref(root);
    return ok;
}

void dataset_rows_free(struct dataset_rows *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}

/* The statement's members up to (not including) "policy"; JCS order: member_count,
 * members_root, metadata, name, policy, [sealed_at, signature,] type, version. */
static void write_head(struct buf *out, const struct dataset_fields *f)
{
    buf_printf(out, "{\"member_count\":%" PRIu64 ",\"members_root\":\"%s\",\"metadata\":",
               f->member_count, f->members_root_hex);
    buf_append(out, f->metadata, f->metadata_len);
    buf_puts(out, ",\"name\":");
    jcs_write_string(out, f->name, strlen(f->name));
    buf_puts(out, ",\"policy\":");
    buf_append(out, f->policy, f->policy_len);
}

static void write_tail(struct buf *out, const struct dataset_fields *f)
{
    buf_puts(out, ",\"type\":\"" DATASET_STATEMENT_TYPE "\",\"version\":");
    jcs_write_string(out, f->version, strlen(f->version));
    buf_putc(out, '}');
}

void dataset_statement_write(struct buf *out, const struct dataset_fields *f)
{
    write_head(out, f);
    write_tail(out, f);
}

bool dataset_signed_message(const struct dataset_fields *f, enum sig_scheme scheme,
                            struct buf *statement, uint8_t digest[32], const uint8_t **msg,
                            size_t *len)
{
    uint8_t root[SHA256_LEN];
    if (strlen(f->members_root_hex) != 2 * SHA256_LEN ||
        !hex_decode(f->members_root_hex, 2 * SHA256_LEN, root, SHA256_LEN, true))
        return false;
    dataset_statement_write(statement, f);
    if (statement->oom)
        return false;
    *msg = (const uint8_t *)statement->data;
    *len = statement->len;
    if (scheme == SIG_EIP712) {
        eth_eip712_dataset_digest(DATASET_STATEMENT_TYPE, f->name, f->version, f->member_count,
                                  root, f->metadata, f->metadata_len, f->policy, f->policy_len,
                                  digest);
        *msg = digest;
        *len = 32;
    }
    return true;
}

void dataset_row_fields(const struct dataset_row *row, struct dataset_fields *f)
{
    *f = (struct dataset_fields){
        .name = row->name,
        .version = row->version,
        .metadata = row->metadata,
        .metadata_len = row->metadata_len,
        .policy = row->policy,
        .policy_len = row->policy_len,
        .member_count = row->member_count,
        .members_root_hex = row->members_root_hex ? row->members_root_hex : "",
    };
}

void dataset_record_write(struct buf *out, const struct dataset_row *row)
{
    struct dataset_fields f;
    dataset_row_fields(row, &f);
    char sealed_at[RFC3339_US_LEN + 1];
    format_rfc3339_us(row->sealed_us, sealed_at);
    write_head(out, &f);
    buf_puts(out, ",\"sealed_at\":");
    jcs_write_string(out, sealed_at, strlen(sealed_at));
    buf_putc(out, ',');
    sig_record_write(out, row->scheme, row->signer, row->signature_hex);
    write_tail(out, &f);
}

void dataset_member_leaf(const uint8_t hash[SHA256_LEN], uint8_t out[SHA256_LEN])
{
    uint8_t in[1 + CONTENT_HASH_STR_LEN + 1];
    in[0] = 0x00;
    memcpy(in + 1, "sha256:", 7);
    hex_encode(hash, SHA256_LEN, (char *)in + 8);
    hash_sha256(in, 1 + CONTENT_HASH_STR_LEN, out);
}

void hash_list_free(struct hash_list *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

#define HASH_LIST_FIRST_CAP 256 /* entries; then doubled (hash_lines_cap_after mirrors this) */

static bool hash_list_push(struct hash_list *l, const uint8_t h[SHA256_LEN])
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : HASH_LIST_FIRST_CAP;
        void *v = realloc(l->v, cap * sizeof *l->v);
        if (!v)
            return false;
        l->v = v;
        l->cap = cap;
    }
    memcpy(l->v[l->n++], h, SHA256_LEN);
    return true;
}

static bool hashes_from_json(json_t *root, struct hash_list *out, struct problem *err)
{
    static const char *const keys[] = {"content_hashes", NULL};
    if (!json_is_object(root))
        return problem_set(err, PROBLEM_INVALID_FIELD, "",
                           "the request body must be a JSON object");
    json_t *arr = json_object_get(root, "content_hashes");
    if (!jf_only_keys(root, keys, "", err))
        return false;
    if (!json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > DATASET_APPEND_JSON_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "content_hashes",
                           "content_hashes must be an array of 1 to %d content hashes",
                           DATASET_APPEND_JSON_MAX);
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *v = json_array_get(arr, i);
        const char *s = json_string_value(v);
        uint8_t h[SHA256_LEN];
        if (!s || strlen(s) != json_string_length(v) || !item_parse_content_hash(s, h)) {
            char field[64];
            snprintf(field, sizeof field, "content_hashes[%zu]", i);
            return problem_set(err, PROBLEM_INVALID_FIELD, field,
                               "%s must be \"sha256:\" followed by 64 lowercase hex digits", field);
        }
        if (!hash_list_push(out, h))
            return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    }
    return true;
}

bool hash_list_parse_json(const char *body, size_t len, struct hash_list *out, struct problem *err)
{
    memset(out, 0, sizeof *out);
    memset(err, 0, sizeof *err);
    json_t *root = jf_load(body, len, err);
    bool ok = root && hashes_from_json(root, out, err);
    json_decref(root);
    if (!ok)
        hash_list_free(out);
    return ok;
}

size_t hash_list_fresh(const struct hash_list *in, bool *exists, uint8_t (*out)[SHA256_LEN])
{
    size_t cap = 16;
    while (cap < 2 * in->n)
        cap *= 2;
    size_t *slots = calloc(cap, sizeof *slots); /* index + 1 of a hash kept, 0 = empty */
    if (!slots)
        return SIZE_MAX;
    size_t n = 0;
    for (size_t i = 0; i < in->n; i++) {
        if (exists[i])
            continue;
        uint64_t h;
        memcpy(&h, in->v[i], sizeof h);
        size_t s = (size_t)h & (cap - 1);
        while (slots[s] && memcmp(in->v[slots[s] - 1], in->v[i], SHA256_LEN) != 0)
            s = (s + 1) & (cap - 1);
        if (slots[s]) {
            exists[i] = true;
            continue;
        }
        slots[s] = i + 1;
        memcpy(out[n++], in->v[i], SHA256_LEN);
    }
    free(slots);
    return n;
}

void hash_lines_init(struct hash_lines *h)
{
    memset(h, 0, sizeof *h);
    h->lineno = 1;
}

static void line_bad(struct hash_lines *h, const char *reason)
{
    if (!h->bad_line) {
        h->bad_line = h->lineno;
        h->bad_reason = reason;
    }
}

/* Ends the current line; false when out of memory. */
static bool line_end(struct hash_lines *h)
{
    size_t n = h->len;
    if (n && h->line[n - 1] == '\r')
        n--;
    h->line[n] = '\0';
    uint8_t hash[SHA256_LEN];
    bool ok = true;
    if (h->overlong || memchr(h->line, '\0', n) || (n && !item_parse_content_hash(h->line, hash)))
        line_bad(h, "is not \"sha256:\" followed by 64 lowercase hex digits");
    else if (n && h->list.n == DATASET_APPEND_LINES_MAX)
        line_bad(h, "is beyond the limit of 1000000 lines per request");
    else if (n)
        ok = hash_list_push(&h->list, hash);
    h->len = 0;
    h->overlong = false;
    h->lineno++;
    return ok;
}

bool hash_lines_feed(struct hash_lines *h, const char *data, size_t len)
{
    while (len && !h->bad_line) {
        const char *nl = memchr(data, '\n', len);
        size_t seg = nl ? (size_t)(nl - data) : len;
        size_t room = sizeof h->line - 1 - h->len;
        memcpy(h->line + h->len, data, seg < room ? seg : room);
        h->len += seg < room ? seg : room;
        h->overlong = h->overlong || seg > room;
        if (nl && !line_end(h))
            return false;
        data += seg + (nl != NULL);
        len -= seg + (nl != NULL);
    }
    return true;
}

size_t hash_lines_cap_after(const struct hash_lines *h, uint64_t more)
{
    /* Each hash takes a line of CONTENT_HASH_STR_LEN bytes and a newline (the last one may end
     * the stream instead); the list grows as hash_list_push grows it. */
    uint64_t room = (uint64_t)DATASET_APPEND_LINES_MAX * (CONTENT_HASH_STR_LEN + 1);
    uint64_t bytes = h->bad_line ? 0 : h->len + 1 + (more < room ? more : room);
    uint64_t n = h->list.n + bytes / (CONTENT_HASH_STR_LEN + 1);
    if (n > DATASET_APPEND_LINES_MAX)
        n = DATASET_APPEND_LINES_MAX;
    size_t cap = h->list.cap;
    while (cap < n)
        cap = cap ? 2 * cap : HASH_LIST_FIRST_CAP;
    return cap;
}

bool hash_lines_finish(struct hash_lines *h, struct problem *err)
{
    if (!h->bad_line && h->len && !line_end(h))
        return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    if (h->bad_line) {
        char field[40];
        snprintf(field, sizeof field, "line %" PRIu64, h->bad_line);
        return problem_set(err, PROBLEM_INVALID_FIELD, field, "%s %s; nothing was appended", field,
                           h->bad_reason);
    }
    if (h->list.n == 0)
        return problem_set(err, PROBLEM_INVALID_FIELD, "",
                           "the body holds no content hash (one \"sha256:<hex>\" per line)");
    return true;
}
