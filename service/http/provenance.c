/* Provenance by content hash: GET /v1/provenance/{content_hash} for one, and
 * POST /v1/provenance/batch for up to LOOKUP_MAX hashes in one query (dataset audits). */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/codec.h"
#include "core/item.h"
#include "util/jsonw.h"
#include "http/items.h"
#include "http/reply.h"
#include "http/route.h"
#include "registry/items.h"

/* The datasets of lookup position at (1-based) from *row on, at most max: "datasets" and
 * "datasets_truncated". */
static void write_uses(struct jsonw *w, const struct dataset_uses *u, size_t at, size_t *row,
                       size_t max)
{
    size_t count = 0;
    jw_key(w, "datasets");
    jw_array_begin(w);
    for (; *row < u->n && u->v[*row].lookup == at; (*row)++) {
        if (count++ >= max)
            continue;
        const struct dataset_use *d = &u->v[*row];
        jw_object_begin(w);
        jw_key(w, "id");
        jw_int(w, d->id);
        jw_key(w, "name");
        jw_string(w, d->name);
        jw_key(w, "version");
        jw_string(w, d->version);
        jw_key(w, "position");
        jw_int(w, (int64_t)d->position);
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "datasets_truncated");
    jw_bool(w, count > max);
}

/* The models of lookup position at from *row on, at most max: "used_in" and
 * "used_in_truncated". */
static void write_used_in(struct jsonw *w, const struct model_uses *u, size_t at, size_t *row,
                          size_t max)
{
    size_t count = 0;
    jw_key(w, "used_in");
    jw_array_begin(w);
    for (; *row < u->n && u->v[*row].lookup == at; (*row)++) {
        if (count++ >= max)
            continue;
        const struct model_use *m = &u->v[*row];
        char digest[CONTENT_HASH_STR_LEN + 1];
        snprintf(digest, sizeof digest, "sha256:%s", m->digest_hex);
        jw_object_begin(w);
        jw_key(w, "model_id");
        jw_int(w, m->id);
        jw_key(w, "name");
        jw_string(w, m->name);
        jw_key(w, "version");
        jw_string(w, m->version);
        jw_key(w, "digest");
        jw_string(w, digest);
        jw_key(w, "dataset_ids");
        jw_raw(w, m->dataset_ids, strlen(m->dataset_ids));
        jw_object_end(w);
    }
    jw_array_end(w);
    jw_key(w, "used_in_truncated");
    jw_bool(w, count > max);
}

enum MHD_Result handle_provenance_get(struct http_request *req, const char *param)
{
    uint8_t hash[SHA256_LEN];
    if (!item_parse_content_hash(param, hash))
        return reply_problem(req, PROBLEM_INVALID_PARAMETER, "content_hash",
                             "content_hash must be sha256: followed by 64 lowercase hex digits");
    struct provenance prov;
    struct problem p;
    if (!registry_provenance(req->srv->reg, hash, PROVENANCE_MAX_ROWS + 1, &prov, &p))
        return reply_failure(req, &p);
    int n = (int)prov.items.n;
    struct buf body = BUF_INIT;
    struct jsonw w;
    jw_init(&w, &body);
    jw_object_begin(&w);
    jw_key(&w, "content_hash");
    jw_string(&w, param);
    jw_key(&w, "registrations");
    jw_array_begin(&w);
    for (int i = 0; i < n && i < PROVENANCE_MAX_ROWS; i++)
        http_write_item(&w, &prov.items.v[i]);
    jw_array_end(&w);
    jw_key(&w, "truncated");
    jw_bool(&w, n > PROVENANCE_MAX_ROWS);
    size_t row = 0, model = 0;
    write_uses(&w, &prov.datasets, 1, &row, PROVENANCE_MAX_DATASETS);
    write_used_in(&w, &prov.models, 1, &model, PROVENANCE_MAX_DATASETS);
    jw_object_end(&w);
    provenance_free(&prov);
    return reply_json(req, MHD_HTTP_OK, &body);
}

/* The request's hashes (n of them, caller frees), or NULL with the problem queued in *r. */
static uint8_t (*lookup_hashes(struct http_request *req, size_t *n, enum MHD_Result *r))[SHA256_LEN]
{
    json_t *root = reply_parse_body(req, JSON_REJECT_DUPLICATES, r);
    if (!root)
        return NULL;
    json_t *list = json_object_get(root, "content_hashes");
    uint8_t(*hashes)[SHA256_LEN] = NULL;
    *n = json_array_size(list);
    if (json_object_size(root) != 1 || !json_is_array(list) || *n == 0 || *n > LOOKUP_MAX)
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, "content_hashes",
                           "the body must be {\"content_hashes\": [1 to %d content hashes]}",
                           LOOKUP_MAX);
    else if (!(hashes = malloc(*n * sizeof *hashes)))
        *r = reply_problem(req, PROBLEM_INTERNAL, NULL, "out of memory");
    for (size_t i = 0; hashes && i < *n; i++) {
        const char *s = json_string_value(json_array_get(list, i));
        if (s && item_parse_content_hash(s, hashes[i]))
            continue;
        char field[40];
        snprintf(field, sizeof field, "content_hashes[%zu]", i);
        *r = reply_problem(req, PROBLEM_INVALID_FIELD, field,
                           "%s must be sha256: followed by 64 lowercase hex digits", field);
        free(hashes);
        hashes = NULL;
    }
    json_decref(root);
    return hashes;
}

/* One result per requested hash, from rows ordered by their hash's position. */
static void write_lookup(struct jsonw *w, const uint8_t (*hashes)[SHA256_LEN], size_t n,
                         const struct provenance *prov)
{
    const struct item_rows *res = &prov->items;
    size_t rows = res->n, row = 0, use = 0, model = 0;
    size_t found = 0;
    jw_object_begin(w);
    jw_key(w, "results");
    jw_array_begin(w);
    for (size_t i = 0; i < n; i++) {
        char hash[CONTENT_HASH_STR_LEN + 1] = "sha256:";
        hex_encode(hashes[i], SHA256_LEN, hash + 7);
        jw_object_begin(w);
        jw_key(w, "content_hash");
        jw_string(w, hash);
        jw_key(w, "registrations");
        jw_array_begin(w);
        int count = 0;
        for (; row < rows && res->v[row].lookup == i + 1; row++)
            if (count++ < LOOKUP_PER_HASH)
                http_write_item(w, &res->v[row]);
        jw_array_end(w);
        jw_key(w, "truncated");
        jw_bool(w, count > LOOKUP_PER_HASH);
        write_uses(w, &prov->datasets, i + 1, &use, LOOKUP_DATASETS);
        write_used_in(w, &prov->models, i + 1, &model, LOOKUP_DATASETS);
        jw_object_end(w);
        found += count > 0;
    }
    jw_array_end(w);
    jw_key(w, "found");
    jw_int(w, (int64_t)found);
    jw_key(w, "missing");
    jw_int(w, (int64_t)(n - found));
    jw_object_end(w);
}

enum MHD_Result handle_provenance_batch_post(struct http_request *req, const char *param)
{
    (void)param;
    if (!http_is_json(req))
        return reply_problem(req, PROBLEM_UNSUPPORTED_MEDIA_TYPE, NULL,
                             "send the content hashes as Content-Type: application/json");
    size_t n;
    enum MHD_Result r = MHD_NO;
    uint8_t(*hashes)[SHA256_LEN] = lookup_hashes(req, &n, &r);
    if (!hashes)
        return r;
    struct provenance prov;
    struct problem p;
    if (registry_provenance_many(req->srv->reg, (const uint8_t(*)[SHA256_LEN])hashes, n,
                                 LOOKUP_PER_HASH + 1, &prov, &p)) {
        struct buf body = BUF_INIT;
        struct jsonw w;
        jw_init(&w, &body);
        write_lookup(&w, (const uint8_t(*)[SHA256_LEN])hashes, n, &prov);
        r = reply_json(req, MHD_HTTP_OK, &body);
    } else {
        r = reply_failure(req, &p);
    }
    provenance_free(&prov);
    free(hashes);
    return r;
}
