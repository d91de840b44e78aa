/* provd verify RECEIPT.json --log-key VKEY: checks a receipt offline, trusting nothing but the
 * log's verifier key. The steps are the ones the README documents for third-party verifiers. */
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/codec.h"
#include "core/jcs.h"
#include "log/merkle.h"
#include "log/note.h"

static int reject(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int reject(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("FAIL: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

/* A non-negative integer member (numbers were parsed as doubles). */
static bool get_uint(json_t *obj, const char *key, uint64_t *out)
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
        return reject("the receipt is not a JSON object");
    r->record = json_object_get(root, "record");
    if (!json_is_object(r->record))
        return reject("the receipt has no record");
    if (json_is_null(json_object_get(root, "log_index")))
        return reject("the registration is not in the log yet (status %s)",
                      json_string_value(json_object_get(root, "status")));
    if (!get_uint(root, "log_index", &r->index) || !get_uint(root, "tree_size", &r->size))
        return reject("log_index and tree_size must be non-negative integers");
    r->checkpoint = json_string_value(json_object_get(root, "checkpoint"));
    if (!r->checkpoint)
        return reject("the receipt has no checkpoint");
    json_t *proof = json_object_get(root, "inclusion_proof");
    if (!json_is_array(proof) || json_array_size(proof) > MERKLE_MAX_PROOF)
        return reject("inclusion_proof must be an array of hashes");
    r->proof_len = json_array_size(proof);
    for (size_t i = 0; i < r->proof_len; i++) {
        const char *h = json_string_value(json_array_get(proof, i));
        if (!h || !hex_decode(h, strlen(h), r->proof[i], MERKLE_HASH_LEN, true))
            return reject("inclusion_proof[%zu] is not a 32-byte lowercase hex hash", i);
    }
    return 0;
}

static int check_receipt(const struct note_key *key, struct receipt *r)
{
    char err[200], origin[NOTE_NAME_MAX], root_hex[65], leaf_hex[65];
    size_t text_len;
    uint64_t size;
    uint8_t root[MERKLE_HASH_LEN], leaf[MERKLE_HASH_LEN];
    const char *cp = r->checkpoint;
    if (!note_verify(key, cp, strlen(cp), &text_len, err, sizeof err))
        return reject("checkpoint: %s", err);
    if (!checkpoint_parse(cp, text_len, origin, &size, root))
        return reject("checkpoint: not a tlog checkpoint");
    if (size != r->size)
        return reject("tree_size %llu differs from the checkpoint's %llu",
                      (unsigned long long)r->size, (unsigned long long)size);
    struct buf canon = BUF_INIT;
    if (!jcs_serialize(r->record, &canon)) {
        buf_free(&canon);
        return reject("the record cannot be canonicalised");
    }
    merkle_leaf_hash(canon.data, canon.len, leaf);
    buf_free(&canon);
    if (!merkle_verify_inclusion(leaf, r->index, size, (const uint8_t(*)[MERKLE_HASH_LEN])r->proof,
                                 r->proof_len, root))
        return reject("the inclusion proof does not lead from the record to the checkpoint root");
    hex_encode(root, MERKLE_HASH_LEN, root_hex);
    hex_encode(leaf, MERKLE_HASH_LEN, leaf_hex);
    printf("OK: %s is entry %llu of log %s\n  leaf %s\n  tree size %llu, root %s\n",
           json_string_value(json_object_get(r->record, "content_hash")),
           (unsigned long long)r->index, origin, leaf_hex, (unsigned long long)size, root_hex);
    return 0;
}

int cmd_verify(int argc, char **argv)
{
    struct config cfg;
    int rc =
        cmd_load_config(&cfg, CMD_VERIFY, "provd verify RECEIPT.json --log-key VKEY", argc, argv);
    if (rc >= 0)
        return rc;
    struct note_key key;
    json_error_t jerr;
    json_t *root = NULL;
    struct receipt r;
    if (!note_key_parse_vkey(cfg.log_key, &key)) {
        rc = reject("--log-key is not a verifier key (<name>+<hex id>+<base64 key>)");
        goto out;
    }
    root = json_load_file(cfg.receipt_path,
                          JSON_DECODE_INT_AS_REAL | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        rc = reject("%s: %s (line %d)", cfg.receipt_path, jerr.text, jerr.line);
        goto out;
    }
    rc = parse_receipt(root, &r);
    if (rc == 0)
        rc = check_receipt(&key, &r);
out:
    json_decref(root);
    config_free(&cfg);
    return rc;
}
