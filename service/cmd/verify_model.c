/* SPDX-License-Identifier: Apache-2.0 */
/* provd verify of a model proof (GET /v1/models/{id}/proof), link by link, each named in its
 * lines ("model proof: <link>: …"); the first link that fails ends the check:
 *   model           the model record's receipt, checked in full (a provd.model.v1 record, the
 *                   trainer's signature, inclusion under the signed checkpoint, the anchor), and
 *                   its datasets name dataset_id with the membership's members root;
 *   dataset         the dataset record's receipt, checked in full, committing to the
 *                   membership's members root and count, logged before the model record;
 *   membership      content_hash is the member at position under that members root;
 *   registration i  registrations[i], an item receipt of content_hash checked in full, logged
 *                   before the dataset record.
 * No registration at all is a warning, not a failure: the chain holds, but nobody registered the
 * content before the dataset was sealed. */
#include <stdio.h>
#include <string.h>

#include "cmd/verify.h"
#include "core/dataset.h"
#include "core/item.h"
#include "core/model.h"

#define LINK "model proof"

/* The proof's members, borrowed from the document. */
struct model_proof_doc {
    const char *content_hash;
    uint64_t model_id, dataset_id;
    json_t *model, *membership, *dataset, *registrations;
};

static int parse_doc(json_t *root, struct model_proof_doc *d)
{
    uint8_t hash[SHA256_LEN];
    verify_link(LINK);
    d->content_hash = json_string_value(json_object_get(root, "content_hash"));
    d->model = json_object_get(root, "model");
    d->membership = json_object_get(root, "membership");
    d->dataset = json_object_get(root, "dataset");
    d->registrations = json_object_get(root, "registrations");
    if (!d->content_hash || !item_parse_content_hash(d->content_hash, hash))
        return verify_reject("content_hash must be sha256: and 64 lowercase hex digits");
    if (!verify_get_uint(root, "model_id", &d->model_id) ||
        !verify_get_uint(root, "dataset_id", &d->dataset_id))
        return verify_reject("model_id and dataset_id must be non-negative integers");
    if (!json_is_object(d->membership))
        return verify_reject("membership must be an object");
    if (!json_is_array(d->registrations))
        return verify_reject("registrations must be an array of receipts");
    return 0;
}

/* receipt, of a record of type (NULL: an item record, which has none) and, when want_id is not
 * NULL, of that id, checked in full under link; *index receives its log index. */
static int check_link(struct verify_ctx *v, const char *link, json_t *receipt, const char *type,
                      const uint64_t *want_id, uint64_t *index)
{
    uint64_t id;
    verify_link(link);
    json_t *record = json_object_get(receipt, "record");
    json_t *t = json_object_get(record, "type");
    if (!json_is_object(receipt) || !json_is_object(record))
        return verify_reject("missing, or not a receipt with a record");
    if (!type && t)
        return verify_reject("the record is not an item record");
    if (type && (!json_is_string(t) || strcmp(json_string_value(t), type) != 0))
        return verify_reject("the record is not a %s record", type);
    if (want_id && (!verify_get_uint(receipt, "id", &id) || id != *want_id))
        return verify_reject("the receipt is not of id %llu", (unsigned long long)*want_id);
    if (verify_receipt(v, receipt))
        return 1;
    *index = v->index;
    return 0;
}

/* The model record names the proof's dataset with the membership's members root. */
static int check_names_dataset(const struct model_proof_doc *d)
{
    json_t *list = json_object_get(json_object_get(d->model, "record"), "datasets");
    const char *root = json_string_value(json_object_get(d->membership, "members_root"));
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        uint64_t id;
        if (!verify_get_uint(e, "id", &id) || id != d->dataset_id)
            continue;
        const char *named = json_string_value(json_object_get(e, "members_root"));
        if (!named || !root || strcmp(named, root) != 0)
            return verify_reject("the model record names dataset %llu with members root %.64s, "
                                 "not the membership's %.64s",
                                 (unsigned long long)d->dataset_id, named ? named : "(none)",
                                 root ? root : "(none)");
        verify_ok("the model record names dataset %llu with members root %s",
                  (unsigned long long)d->dataset_id, root);
        return 0;
    }
    return verify_reject("the model record does not name dataset %llu",
                         (unsigned long long)d->dataset_id);
}

static int check_dataset(struct verify_ctx *v, const struct model_proof_doc *d,
                         uint64_t model_index, uint64_t *index)
{
    uint64_t count = 0;
    if (check_link(v, LINK ": dataset", d->dataset, DATASET_STATEMENT_TYPE, &d->dataset_id, index))
        return 1;
    if (verify_dataset_commits(json_object_get(d->dataset, "record"), d->membership))
        return 1;
    if (*index >= model_index)
        return verify_reject("the dataset record is entry %llu, not before the model record "
                             "(entry %llu)",
                             (unsigned long long)*index, (unsigned long long)model_index);
    (void)verify_get_uint(d->membership, "member_count", &count);
    verify_ok("the dataset record commits to the membership's %llu members and root, and "
              "precedes the model record (entry %llu)",
              (unsigned long long)count, (unsigned long long)model_index);
    return 0;
}

static int check_registrations(struct verify_ctx *v, const struct model_proof_doc *d,
                               uint64_t dataset_index)
{
    size_t i;
    json_t *r;
    json_array_foreach(d->registrations, i, r)
    {
        char link[48];
        uint64_t index = 0;
        snprintf(link, sizeof link, LINK ": registration %zu", i);
        if (check_link(v, link, r, NULL, NULL, &index))
            return 1;
        const char *ch =
            json_string_value(json_object_get(json_object_get(r, "record"), "content_hash"));
        if (!ch || strcmp(ch, d->content_hash) != 0)
            return verify_reject("the record is of %.71s, not of %s", ch ? ch : "no content hash",
                                 d->content_hash);
        if (index >= dataset_index)
            return verify_reject("entry %llu is not before the dataset record (entry %llu)",
                                 (unsigned long long)index, (unsigned long long)dataset_index);
        verify_ok("entry %llu precedes the dataset record (entry %llu)", (unsigned long long)index,
                  (unsigned long long)dataset_index);
    }
    if (json_array_size(d->registrations) == 0) {
        verify_link(LINK ": registrations");
        verify_warn("no registration of the content was logged before the dataset was sealed");
    }
    return 0;
}

int verify_model_proof(struct verify_ctx *v, json_t *proof)
{
    struct model_proof_doc d = {0};
    uint64_t model_index = 0, dataset_index = 0;
    int rc = parse_doc(proof, &d);
    if (rc == 0)
        rc =
            check_link(v, LINK ": model", d.model, MODEL_STATEMENT_TYPE, &d.model_id, &model_index);
    if (rc == 0)
        rc = check_names_dataset(&d);
    if (rc == 0)
        rc = check_dataset(v, &d, model_index, &dataset_index);
    if (rc == 0) {
        verify_link(LINK ": membership");
        rc = verify_member(d.content_hash, d.membership);
    }
    if (rc == 0)
        rc = check_registrations(v, &d, dataset_index);
    if (rc == 0) {
        verify_link(LINK);
        verify_ok("model %llu names dataset %llu, which holds %s; %zu registration(s) of it "
                  "precede the dataset record",
                  (unsigned long long)d.model_id, (unsigned long long)d.dataset_id, d.content_hash,
                  json_array_size(d.registrations));
    }
    verify_link(NULL);
    return rc;
}
