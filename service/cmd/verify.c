/* SPDX-License-Identifier: Apache-2.0 */
/* provd verify FILE.json --log-key VKEY [--rpc URL] [--witness VKEY…]: checks a receipt (of an
 * item, a dataset or a model), a dataset membership proof or a model proof, trusting nothing but
 * the log's verifier key (and, with --rpc, an Ethereum node of the anchor's chain; with --witness,
 * a quorum of witness cosignatures on the checkpoint). The steps are the ones the README documents
 * for third-party verifiers. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/verify.h"
#include "util/codec.h"
#include "util/jcs.h"
#include "core/dataset.h"
#include "core/model.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

/* The link named in every line (verify_link); the CLI checks one document, single-threaded. */
static char link_name[64];

void verify_link(const char *name)
{
    snprintf(link_name, sizeof link_name, "%s", name ? name : "");
}

static void vline(FILE *out, const char *tag, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void vline(FILE *out, const char *tag, const char *fmt, va_list ap)
{
    fputs(tag, out);
    if (link_name[0])
        fprintf(out, "%s: ", link_name);
    vfprintf(out, fmt, ap);
    fputc('\n', out);
}

int verify_reject(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(stderr, "FAIL: ", fmt, ap);
    va_end(ap);
    return 1;
}

void verify_ok(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(stdout, "OK: ", fmt, ap);
    va_end(ap);
}

void verify_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vline(stdout, "WARN: ", fmt, ap);
    va_end(ap);
}

bool verify_get_uint(json_t *obj, const char *key, uint64_t *out)
{
    json_t *v = json_object_get(obj, key);
    double d = json_is_number(v) ? json_number_value(v) : -1;
    if (d < 0 || d > 9007199254740992.0 || floor(d) != d)
        return false;
    *out = (uint64_t)d;
    return true;
}

struct receipt {
    uint64_t index, size;
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    size_t proof_len;
    const char *checkpoint;
    json_t *record;
};

static int parse_receipt(json_t *root, struct receipt *r)
{
    if (!json_is_object(root))
        return verify_reject("the receipt is not a JSON object");
    r->record = json_object_get(root, "record");
    if (!json_is_object(r->record))
        return verify_reject("the receipt has no record");
    if (json_is_null(json_object_get(root, "log_index")))
        return verify_reject("the registration is not in the log yet (status %s)",
                             json_string_value(json_object_get(root, "status")));
    if (!verify_get_uint(root, "log_index", &r->index) ||
        !verify_get_uint(root, "tree_size", &r->size))
        return verify_reject("log_index and tree_size must be non-negative integers");
    r->checkpoint = json_string_value(json_object_get(root, "checkpoint"));
    if (!r->checkpoint)
        return verify_reject("the receipt has no checkpoint");
    if (!verify_get_proof(json_object_get(root, "inclusion_proof"), r->proof, &r->proof_len))
        return verify_reject("inclusion_proof must be an array of 32-byte lowercase hex hashes");
    return 0;
}

bool verify_get_proof(json_t *arr, uint8_t (*proof)[MERKLE_HASH_LEN], size_t *n)
{
    if (!json_is_array(arr) || json_array_size(arr) > MERKLE_MAX_PROOF)
        return false;
    *n = json_array_size(arr);
    for (size_t i = 0; i < *n; i++) {
        const char *h = json_string_value(json_array_get(arr, i));
        if (!h || strlen(h) != 2 * MERKLE_HASH_LEN ||
            !hex_decode(h, strlen(h), proof[i], MERKLE_HASH_LEN, true))
            return false;
    }
    return true;
}

/* What the OK line calls a record: an item record by its content hash. */
static const char *record_name(json_t *record)
{
    const char *type = json_string_value(json_object_get(record, "type"));
    const char *hash = json_string_value(json_object_get(record, "content_hash"));
    if (!type)
        return hash ? hash : "the item record";
    if (!strcmp(type, DATASET_STATEMENT_TYPE))
        return "the dataset record";
    if (!strcmp(type, MODEL_STATEMENT_TYPE))
        return "the model record";
    return "the record";
}

static int check_receipt(const struct note_key *key, struct receipt *r, struct verify_ctx *v)
{
    char err[200], origin[NOTE_NAME_MAX], root_hex[65], leaf_hex[65];
    size_t text_len;
    uint64_t size;
    uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
    const char *cp = r->checkpoint;
    if (!cp)
        return verify_reject("the receipt has no checkpoint");
    if (!note_verify(key, cp, strlen(cp), &text_len, err, sizeof err))
        return verify_reject("checkpoint: %s", err);
    if (!checkpoint_parse(cp, text_len, origin, &size, root))
        return verify_reject("checkpoint: not a tlog checkpoint");
    if (size != r->size)
        return verify_reject("tree_size %llu differs from the checkpoint's %llu",
                             (unsigned long long)r->size, (unsigned long long)size);
    struct buf canon = BUF_INIT;
    if (!jcs_serialize(r->record, &canon)) {
        buf_free(&canon);
        return verify_reject("the record cannot be canonicalised");
    }
    merkle_leaf_hash(canon.data, canon.len, leaf);
    buf_free(&canon);
    if (!merkle_verify_inclusion(leaf, r->index, size, (const uint8_t(*)[MERKLE_HASH_LEN])r->proof,
                                 r->proof_len, root))
        return verify_reject(
            "the inclusion proof does not lead from the record to the checkpoint root");
    if (verify_witness_quorum(v, cp))
        return 1;
    v->index = r->index;
    v->size = size;
    memcpy(v->root, root, MERKLE_HASH_LEN);
    hex_encode(root, MERKLE_HASH_LEN, root_hex);
    hex_encode(leaf, MERKLE_HASH_LEN, leaf_hex);
    verify_ok("%s is entry %llu of log %s", record_name(r->record), (unsigned long long)r->index,
              origin);
    printf("  leaf %s\n  tree size %llu, root %s\n", leaf_hex, (unsigned long long)size, root_hex);
    return 0;
}

int verify_receipt(struct verify_ctx *v, json_t *receipt)
{
    struct receipt r = {0};
    int rc = parse_receipt(receipt, &r);
    if (rc == 0)
        rc = check_receipt(v->key, &r, v);
    if (rc == 0)
        rc = verify_record_signature(r.record);
    if (rc == 0)
        rc = verify_anchor(v, receipt);
    return rc;
}

int cmd_verify(int argc, char **argv)
{
    struct config cfg;
    int rc = cmd_load_config(&cfg, CMD_VERIFY,
                             "provd verify RECEIPT_OR_PROOF.json|- --log-key VKEY [--rpc URL] "
                             "[--witness VKEY]... [--witness-quorum N]",
                             argc, argv);
    if (rc >= 0)
        return rc;
    struct note_key key;
    json_error_t jerr;
    json_t *root = NULL;
    struct cosig_key *witnesses = NULL;
    size_t n_witnesses = 0, quorum = 0;
    if (!note_key_parse_vkey(cfg.log_key, &key)) {
        rc = verify_reject("--log-key is not a verifier key (<name>+<hex id>+<base64 key>)");
        goto out;
    }
    rc = verify_witness_keys(&cfg.verify_witnesses, cfg.verify_witness_quorum, &witnesses,
                             &n_witnesses, &quorum);
    if (rc)
        goto out;
    /* "-" reads standard input, e.g. curl -s .../receipt | provd verify - --log-key ... */
    const size_t flags = JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    const bool from_stdin = !strcmp(cfg.receipt_path, "-");
    root = from_stdin ? json_loadf(stdin, flags, &jerr)
                      : json_load_file(cfg.receipt_path, flags, &jerr);
    if (!root) {
        const char *name = from_stdin ? "standard input" : cfg.receipt_path;
        if (jerr.line < 1 && !from_stdin) /* not opened: "unable to open PATH: reason" */
            rc = verify_reject("%s", jerr.text);
        else if (jerr.line < 1)
            rc = verify_reject("%s: %s", name, jerr.text);
        else
            rc = verify_reject("%s: %s (line %d, column %d)", name, jerr.text, jerr.line,
                               jerr.column);
        goto out;
    }
    struct verify_ctx v = {.key = &key,
                           .rpc_url = cfg.eth_rpc_url,
                           .rpc_timeout_ms = cfg.eth_rpc_timeout,
                           .depth = cfg.anchor_depth,
                           .witnesses = witnesses,
                           .n_witnesses = n_witnesses,
                           .quorum = quorum};
    if (json_object_get(root, "membership") && json_object_get(root, "model")) {
        rc = verify_model_proof(&v, root);
    } else if (json_object_get(root, "members_root") && json_object_get(root, "dataset")) {
        rc = verify_membership(root);
        if (rc == 0)
            rc = verify_receipt(&v, json_object_get(root, "dataset"));
    } else {
        rc = verify_receipt(&v, root);
    }
out:
    free(witnesses);
    json_decref(root);
    config_free(&cfg);
    return rc;
}
