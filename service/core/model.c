/* SPDX-License-Identifier: Apache-2.0 */
#include "core/model.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/codec.h"
#include "util/jcs.h"
#include "util/validate.h"
#include "core/item.h"
#include "core/jfield.h"
#include "crypto/ethsig.h"

int model_path_cmp(const char *a, const char *b)
{
    for (;;) {
        size_t la = strcspn(a, "/"), lb = strcspn(b, "/");
        size_t n = la < lb ? la : lb;
        int c = memcmp(a, b, n);
        if (c != 0)
            return c;
        if (la != lb)
            return la < lb ? -1 : 1;
        a += la;
        b += lb;
        if (!*a || !*b)
            return (*a != 0) - (*b != 0);
        a++; /* past the slashes */
        b++;
    }
}

void model_digest_of_files(const uint8_t (*files)[SHA256_LEN], size_t n, uint8_t out[SHA256_LEN])
{
    hash_sha256(n ? files[0] : (const uint8_t *)"", n * SHA256_LEN, out);
}

/* A relative POSIX path of non-empty components other than "." and "..", without control
 * characters. */
static bool valid_path(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > MODEL_PATH_MAX)
        return false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            return false; /* C0, DEL and C1 (U+0080..U+009F, UTF-8 C2 80..C2 9F) controls */
    for (const char *p = s;;) {
        size_t n = strcspn(p, "/");
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return false;
        if (!p[n])
            return true;
        p += n + 1;
    }
}

/* Names element i of array in its field (array[i]suffix). */
static bool field_problem(struct problem *err, const char *array, size_t i, const char *suffix,
                          const char *msg)
{
    char field[64];
    snprintf(field, sizeof field, "%s[%zu]%s", array, i, suffix);
    return problem_set(err, PROBLEM_INVALID_FIELD, field, "%s %s", field, msg);
}

static bool parse_files(json_t *arr, struct model_request *r, struct problem *err)
{
    static const char *const keys[] = {"path", "digest", NULL};
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > MODEL_FILES_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "model.files",
                           "model.files must be an array of 1 to %d files", MODEL_FILES_MAX);
    if (!(r->files = malloc(n * sizeof *r->files)))
        return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    const char *prev = NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(arr, i);
        char prefix[48];
        snprintf(prefix, sizeof prefix, "model.files[%zu].", i);
        if (!json_is_object(f))
            return field_problem(err, "model.files", i, "", "must be an object");
        if (!jf_only_keys(f, keys, prefix, err))
            return false;
        json_t *p = json_object_get(f, "path"), *d = json_object_get(f, "digest");
        const char *path = json_string_value(p), *dig = json_string_value(d);
        bool single = n == 1 && path && strcmp(path, ".") == 0; /* a one-file model */
        if (!path || strlen(path) != json_string_length(p) || (!single && !valid_path(path)))
            return field_problem(err, "model.files", i, ".path",
                                 "must be a relative POSIX path of 1 to 4096 bytes without "
                                 "empty, \".\" or \"..\" components or control characters (or "
                                 "\".\", the only file of a one-file model)");
        if (prev && model_path_cmp(prev, path) >= 0)
            return field_problem(err, "model.files", i, ".path",
                                 "must follow the previous path in the model signing tool's "
                                 "order (component by component), once");
        if (!dig || strlen(dig) != json_string_length(d) ||
            !item_parse_content_hash(dig, r->files[i]))
            return field_problem(err, "model.files", i, ".digest",
                                 "must be \"sha256:\" followed by 64 lowercase hex digits");
        prev = path;
    }
    r->n_files = n;
    return true;
}

static bool parse_model(json_t *root, struct model_request *r, struct problem *err)
{
    static const char *const keys[] = {"name", "version", "digest", "files", NULL};
    json_t *m = json_object_get(root, "model");
    bool missing;
    if (!m)
        return problem_set(err, PROBLEM_INVALID_FIELD, "model", "model is required");
    if (!json_is_object(m))
        return problem_set(err, PROBLEM_INVALID_FIELD, "model", "model must be an object");
    if (!jf_only_keys(m, keys, "model.", err))
        return false;
    const char *name = jf_string(m, "name", "model.name", true, err, &missing);
    if (!name)
        return false;
    if (!*name || strlen(name) > MODEL_NAME_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "model.name",
                           "model.name must be 1 to %d bytes", MODEL_NAME_MAX);
    const char *version = jf_string(m, "version", "model.version", true, err, &missing);
    if (!version)
        return false;
    if (!*version || strlen(version) > MODEL_VERSION_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "model.version",
                           "model.version must be 1 to %d bytes", MODEL_VERSION_MAX);
    const char *digest = jf_string(m, "digest", "model.digest", true, err, &missing);
    if (!digest)
        return false;
    if (!item_parse_content_hash(digest, r->digest))
        return problem_set(err, PROBLEM_INVALID_FIELD, "model.digest",
                           "model.digest must be \"sha256:\" followed by 64 lowercase hex digits");
    snprintf(r->name, sizeof r->name, "%s", name);
    snprintf(r->version, sizeof r->version, "%s", version);
    json_t *files = json_object_get(m, "files");
    if (files && !parse_files(files, r, err))
        return false;
    uint8_t of_files[SHA256_LEN];
    model_digest_of_files((const uint8_t(*)[SHA256_LEN])r->files, r->n_files, of_files);
    if (files && memcmp(of_files, r->digest, SHA256_LEN) != 0)
        return problem_set(err, PROBLEM_INVALID_FIELD, "model.digest",
                           "model.digest must be the SHA-256 of the listed files' digests "
                           "concatenated in order (the model signing digest)");
    if (!jcs_serialize(m, &r->model))
        return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    return true;
}

static bool parse_dataset_ref(json_t *d, size_t i, struct model_request *r, struct problem *err)
{
    static const char *const keys[] = {"id", "members_root", NULL};
    char prefix[40];
    snprintf(prefix, sizeof prefix, "datasets[%zu].", i);
    if (!json_is_object(d))
        return field_problem(err, "datasets", i, "", "must be an object");
    if (!jf_only_keys(d, keys, prefix, err))
        return false;
    json_t *id = json_object_get(d, "id"), *root = json_object_get(d, "members_root");
    double v = json_is_number(id) ? json_number_value(id) : 0;
    if (v < 1 || v > 9007199254740991.0 || (double)(int64_t)v != v)
        return field_problem(err, "datasets", i, ".id", "must be a dataset id (an integer >= 1)");
    const char *hex = json_string_value(root);
    uint8_t bin[SHA256_LEN];
    if (!hex || strlen(hex) != 2 * SHA256_LEN || json_string_length(root) != 2 * SHA256_LEN ||
        !hex_decode(hex, 2 * SHA256_LEN, bin, SHA256_LEN, true))
        return field_problem(err, "datasets", i, ".members_root",
                             "must be 64 lowercase hex digits");
    struct model_dataset_ref *ref = &r->datasets[i];
    ref->id = (int64_t)v;
    memcpy(ref->members_root_hex, hex, sizeof ref->members_root_hex);
    for (size_t j = 0; j < i; j++)
        if (r->datasets[j].id == ref->id)
            return field_problem(err, "datasets", i, ".id", "names a dataset listed before");
    return true;
}

static bool parse_datasets(json_t *root, struct model_request *r, struct buf *canon,
                           struct problem *err)
{
    json_t *arr = json_object_get(root, "datasets");
    size_t n = json_array_size(arr);
    if (!json_is_array(arr) || n == 0 || n > MODEL_DATASETS_MAX)
        return problem_set(err, PROBLEM_INVALID_FIELD, "datasets",
                           "datasets must be an array of 1 to %d sealed datasets",
                           MODEL_DATASETS_MAX);
    for (size_t i = 0; i < n; i++)
        if (!parse_dataset_ref(json_array_get(arr, i), i, r, err))
            return false;
    r->n_datasets = n;
    if (!jcs_serialize(arr, canon))
        return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    return true;
}

static bool request_from_json(json_t *root, struct model_request *r, struct buf *datasets,
                              struct problem *err)
{
    static const char *const keys[] = {"model", "datasets", "metadata", "signature", NULL};
    if (!json_is_object(root))
        return problem_set(err, PROBLEM_INVALID_FIELD, "",
                           "the request body must be a JSON object");
    return jf_only_keys(root, keys, "", err) && parse_model(root, r, err) &&
           parse_datasets(root, r, datasets, err) &&
           jf_canonical_object(root, "metadata", "metadata", ITEM_METADATA_DEPTH, ITEM_METADATA_MAX,
                               &r->metadata, err) &&
           sig_claim_parse(root, &r->sig, err);
}

/* Builds the statement of r (its datasets canonical in datasets) and verifies the signature. */
static bool sign_check(struct model_request *r, const struct buf *datasets, struct problem *err)
{
    char digest_hex[2 * SHA256_LEN + 1];
    hex_encode(r->digest, SHA256_LEN, digest_hex);
    struct model_fields f = {
        .name = r->name,
        .version = r->version,
        .digest_hex = digest_hex,
        .model = r->model.data,
        .model_len = r->model.len,
        .datasets = datasets->data,
        .datasets_len = datasets->len,
        .metadata = r->metadata.data,
        .metadata_len = r->metadata.len,
    };
    uint8_t eip712[32];
    const uint8_t *msg;
    size_t len;
    if (!model_signed_message(&f, r->sig.scheme, &r->statement, eip712, &msg, &len))
        return problem_set(err, PROBLEM_INTERNAL, NULL, "out of memory");
    hash_sha256(r->statement.data, r->statement.len, r->statement_hash);
    return sig_claim_verify(&r->sig, msg, len, err);
}

bool model_request_parse(const char *body, size_t len, struct model_request *r, struct problem *err)
{
    memset(r, 0, sizeof *r);
    memset(err, 0, sizeof *err);
    struct buf datasets = BUF_INIT;
    json_t *root = jf_load(body, len, err);
    bool ok = root && request_from_json(root, r, &datasets, err) && sign_check(r, &datasets, err);
    json_decref(root);
    buf_free(&datasets);
    if (!ok)
        model_request_free(r);
    return ok;
}

void model_request_free(struct model_request *r)
{
    buf_free(&r->model);
    buf_free(&r->metadata);
    buf_free(&r->statement);
    free(r->files);
    r->files = NULL;
}

/* The members before "type" (JCS order: datasets, metadata, model, [registered_at,
 * signature,] type). */
static void write_head(struct buf *out, const struct model_fields *f)
{
    buf_puts(out, "{\"datasets\":");
    buf_append(out, f->datasets, f->datasets_len);
    buf_puts(out, ",\"metadata\":");
    buf_append(out, f->metadata, f->metadata_len);
    buf_puts(out, ",\"model\":");
    buf_append(out, f->model, f->model_len);
}

static void write_tail(struct buf *out)
{
    buf_puts(out, ",\"type\":\"" MODEL_STATEMENT_TYPE "\"}");
}

void model_statement_write(struct buf *out, const struct model_fields *f)
{
    write_head(out, f);
    write_tail(out);
}

bool model_signed_message(const struct model_fields *f, enum sig_scheme scheme,
                          struct buf *statement, uint8_t digest[32], const uint8_t **msg,
                          size_t *len)
{
    uint8_t weights[SHA256_LEN];
    if (!f->digest_hex || strlen(f->digest_hex) != 2 * SHA256_LEN ||
        !hex_decode(f->digest_hex, 2 * SHA256_LEN, weights, SHA256_LEN, true))
        return false;
    model_statement_write(statement, f);
    if (statement->oom)
        return false;
    *msg = (const uint8_t *)statement->data;
    *len = statement->len;
    if (scheme == SIG_EIP712) {
        eth_eip712_model_digest(MODEL_STATEMENT_TYPE, f->name, f->version, weights, statement->data,
                                statement->len, digest);
        *msg = digest;
        *len = 32;
    }
    return true;
}

void model_rows_free(struct model_rows *r)
{
    free(r->v);
    rows_owner_release(&r->owner);
    r->v = NULL;
    r->n = 0;
}

void model_record_write(struct buf *out, const struct model_row *row)
{
    char at[RFC3339_US_LEN + 1];
    format_rfc3339_us(row->registered_us, at);
    write_head(out, &row->f);
    buf_puts(out, ",\"registered_at\":");
    jcs_write_string(out, at, strlen(at));
    buf_putc(out, ',');
    sig_record_write(out, row->scheme, row->signer, row->signature_hex);
    write_tail(out);
}
