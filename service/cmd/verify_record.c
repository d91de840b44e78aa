/* SPDX-License-Identifier: Apache-2.0 */
/* provd verify, the record half: the signature inside a logged record (item, dataset or model),
 * and a dataset membership proof's first link, content hash -> members root. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/verify.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "core/dataset.h"
#include "core/item.h"
#include "core/jfield.h"
#include "core/model.h"

/* An item record: {content_hash, metadata, registered_at, signature}. The registration it
 * came from (without registered_at) must parse and verify as a new one would. */
static int check_item(json_t *record)
{
    json_t *copy = json_deep_copy(record);
    if (!copy)
        return verify_reject("out of memory");
    json_object_del(copy, "registered_at");
    struct item_request req;
    struct problem p;
    bool ok = item_parse_json(copy, &req, &p);
    json_decref(copy);
    if (!ok)
        return verify_reject("the record's signature: %s", p.detail);
    verify_ok("the %s signature by %s verifies over the item statement",
              sig_scheme_name(req.sig.scheme), req.sig.signer);
    item_request_free(&req);
    return 0;
}

/* The statement fields of a dataset record, borrowed from it (canonical parts into bufs). */
static bool dataset_fields_of(json_t *rec, struct dataset_fields *f, struct buf *metadata,
                              struct buf *policy, struct problem *p)
{
    memset(f, 0, sizeof *f);
    json_t *md = json_object_get(rec, "metadata"), *pol = json_object_get(rec, "policy");
    if (!json_is_object(md) || !json_is_object(pol) || !jcs_serialize(md, metadata) ||
        !jcs_serialize(pol, policy))
        return problem_set(p, PROBLEM_INVALID_FIELD, "metadata",
                           "metadata and policy must be objects");
    bool missing;
    f->name = jf_string(rec, "name", "name", true, p, &missing);
    f->version = jf_string(rec, "version", "version", true, p, &missing);
    f->members_root_hex = jf_string(rec, "members_root", "members_root", true, p, &missing);
    if (!f->name || !f->version || !f->members_root_hex ||
        !jf_uint(rec, "member_count", &f->member_count, p))
        return false;
    f->metadata = metadata->data;
    f->metadata_len = metadata->len;
    f->policy = policy->data;
    f->policy_len = policy->len;
    return strlen(f->members_root_hex) == 2 * SHA256_LEN ||
           problem_set(p, PROBLEM_INVALID_FIELD, "members_root", "members_root is not a hash");
}

static int check_dataset(json_t *record)
{
    struct dataset_fields f;
    struct buf md = BUF_INIT, pol = BUF_INIT, statement = BUF_INIT;
    struct sig_claim sig;
    struct problem p = {0};
    uint8_t digest[32];
    const uint8_t *msg;
    size_t len;
    bool ok = dataset_fields_of(record, &f, &md, &pol, &p) && sig_claim_parse(record, &sig, &p);
    if (ok && !dataset_signed_message(&f, sig.scheme, &statement, digest, &msg, &len))
        ok = problem_set(&p, PROBLEM_INVALID_FIELD, "members_root", "members_root is not a hash");
    ok = ok && sig_claim_verify(&sig, msg, len, &p);
    int rc = ok ? 0 : verify_reject("the dataset record: %s", p.detail);
    if (ok)
        verify_ok("the %s signature by %s verifies over the statement of dataset %s %s",
                  sig_scheme_name(sig.scheme), sig.signer, f.name, f.version);
    buf_free(&md);
    buf_free(&pol);
    buf_free(&statement);
    return rc;
}

/* A model record: the statement's members plus registered_at and signature. Without type and
 * registered_at it is a POST /v1/models body, which must parse and verify as a new one would
 * (model_request_parse: every field, the file manifest against the digest, and the signature over
 * the statement or its EIP-712 digest, model_signed_message). */
static int check_model(json_t *record)
{
    struct model_request *req = malloc(sizeof *req);
    json_t *copy = json_deep_copy(record);
    struct buf body = BUF_INIT;
    struct problem p;
    int rc = 1;
    if (!req || !copy) {
        rc = verify_reject("out of memory");
        goto out;
    }
    json_object_del(copy, "type");
    json_object_del(copy, "registered_at");
    if (!jcs_serialize(copy, &body)) {
        rc = verify_reject("the model record cannot be canonicalised");
        goto out;
    }
    if (!model_request_parse(body.data, body.len, req, &p)) {
        rc = verify_reject("the model record: %s", p.detail);
        goto out;
    }
    verify_ok("the %s signature by %s verifies over the statement of model %s %s",
              sig_scheme_name(req->sig.scheme), req->sig.signer, req->name, req->version);
    model_request_free(req);
    rc = 0;
out:
    buf_free(&body);
    json_decref(copy);
    free(req);
    return rc;
}

int verify_record_signature(json_t *record)
{
    const char *type = json_string_value(json_object_get(record, "type"));
    if (!type)
        return check_item(record);
    if (!strcmp(type, DATASET_STATEMENT_TYPE))
        return check_dataset(record);
    if (!strcmp(type, MODEL_STATEMENT_TYPE))
        return check_model(record);
    return verify_reject("the record has an unknown type %.60s", type);
}

int verify_member(const char *ch, json_t *m)
{
    uint64_t position, count;
    uint8_t hash[SHA256_LEN], leaf[SHA256_LEN], root[SHA256_LEN];
    uint8_t path[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t n;
    const char *root_hex = json_string_value(json_object_get(m, "members_root"));
    if (!ch || !item_parse_content_hash(ch, hash))
        return verify_reject("content_hash must be sha256: and 64 lowercase hex digits");
    if (!verify_get_uint(m, "position", &position) || !verify_get_uint(m, "member_count", &count) ||
        position >= count)
        return verify_reject("position and member_count must be integers, position below count");
    if (!root_hex || strlen(root_hex) != 64 || !hex_decode(root_hex, 64, root, SHA256_LEN, true))
        return verify_reject("members_root must be 64 lowercase hex digits");
    if (!verify_get_proof(json_object_get(m, "inclusion_proof"), path, &n))
        return verify_reject("inclusion_proof must be an array of 32-byte lowercase hex hashes");
    dataset_member_leaf(hash, leaf);
    if (!merkle_verify_inclusion(leaf, position, count, (const uint8_t(*)[MERKLE_HASH_LEN])path, n,
                                 root))
        return verify_reject("the member's inclusion proof does not lead to members_root");
    verify_ok("%s is member %" PRIu64 " of %" PRIu64 " under members root %s", ch, position, count,
              root_hex);
    return 0;
}

int verify_dataset_commits(json_t *record, json_t *m)
{
    uint64_t count, rec_count;
    const char *root_hex = json_string_value(json_object_get(m, "members_root"));
    const char *rec_root = json_string_value(json_object_get(record, "members_root"));
    if (!json_is_object(record) || !root_hex || !rec_root || strcmp(rec_root, root_hex) != 0 ||
        !verify_get_uint(m, "member_count", &count) ||
        !verify_get_uint(record, "member_count", &rec_count) || rec_count != count)
        return verify_reject("the dataset record commits to another members root or count");
    return 0;
}

int verify_membership(json_t *proof)
{
    const char *ch = json_string_value(json_object_get(proof, "content_hash"));
    int rc = verify_member(ch, proof);
    return rc ? rc
              : verify_dataset_commits(json_object_get(json_object_get(proof, "dataset"), "record"),
                                       proof);
}
