/* SPDX-License-Identifier: Apache-2.0 */
/* provd verify of a model proof (cmd/verify_model.c) on a synthetic log signed here: item,
 * dataset and model records with real Ed25519 signatures, a signed checkpoint, and one-field
 * tampers, each of which must fail naming its link. Offline only (no anchors). */
#include "testutil.h"

#include <unistd.h>

#include "util/buf.h"
#include "util/jcs.h"
#include "cmd/verify.h"
#include "core/dataset.h"
#include "crypto/sig.h"
#include "tlog/merkle.h"
#include "tlog/note.h"

#define ORIGIN     "unit.provd.test/log"
#define DATASET_ID 7
#define MODEL_ID   3
#define EARLY_ID   2
#define N_LOG      7
#define N_MEMBERS  3

/* Content hashes: A registered twice before the dataset and once after, B once, U never. */
#define HASH(c)                                                                                    \
    "sha256:" c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c c  \
        c c c c c c c c c c c c c c c c c c c c c c
static const char *const A = HASH("a"), *const B = HASH("b"), *const U = HASH("c");

/* The log: 0 item A, 1 a model record logged before the dataset (EARLY_ID), 2 item A by
 * another signer, 3 item B, 4 the dataset record, 5 item A after the dataset, 6 the model. */
enum { L_A1, L_EARLY, L_A2, L_B, L_DATASET, L_LATE, L_MODEL };
static const int64_t log_ids[N_LOG] = {1, EARLY_ID, 2, 3, DATASET_ID, 4, MODEL_ID};
static const char *const members[N_MEMBERS] = {B, A, U};

struct mem_tree {
    uint8_t leaves[N_LOG][MERKLE_HASH_LEN];
    uint64_t n;
};

static bool mem_node(void *ctx, unsigned height, uint64_t index, uint8_t out[MERKLE_HASH_LEN])
{
    struct mem_tree *t = ctx;
    uint64_t first = index << height, count = 1ull << height;
    if (first + count > t->n)
        return false;
    merkle_perfect_root((const uint8_t(*)[MERKLE_HASH_LEN])t->leaves + first, count, out);
    return true;
}

static struct {
    struct note_key log_key, signer[2];
    json_t *records[N_LOG];
    char *checkpoint;
    struct mem_tree log, set;
    char members_root[2 * MERKLE_HASH_LEN + 1];
} w;

static json_t *hex_proof(const struct mem_tree *t, uint64_t index)
{
    uint8_t proof[MERKLE_MAX_PROOF][MERKLE_HASH_LEN];
    struct merkle_source src = {mem_node, (void *)t};
    int n = merkle_inclusion_proof(&src, index, t->n, proof);
    assert_true(n >= 0);
    json_t *arr = json_array();
    for (int i = 0; i < n; i++) {
        char hex[2 * MERKLE_HASH_LEN + 1];
        hex_encode(proof[i], MERKLE_HASH_LEN, hex);
        json_array_append_new(arr, json_string(hex));
    }
    return arr;
}

/* statement signed by signer, plus {time_key: "…"} and the signature: a logged record. An item
 * record leaves the statement's type out. */
static json_t *signed_record(json_t *statement, const struct note_key *signer, const char *time_key)
{
    struct buf msg = BUF_INIT;
    uint8_t sig[ED25519_SIGNATURE_LEN];
    char pub[64], value[128];
    assert_true(jcs_serialize(statement, &msg));
    assert_true(ed25519_sign(signer->secret_key, (const uint8_t *)msg.data, msg.len, sig));
    buf_free(&msg);
    base64url_encode(signer->public_key, 32, pub);
    base64url_encode(sig, sizeof sig, value);
    if (!strcmp(json_string_value(json_object_get(statement, "type")), "provd.item.v1"))
        json_object_del(statement, "type");
    json_object_set_new(statement, time_key, json_string("2026-12-01T10:00:00.000001Z"));
    json_object_set_new(
        statement, "signature",
        json_pack("{s:s, s:s, s:s}", "public_key", pub, "scheme", "ed25519", "value", value));
    return statement;
}

static json_t *item_record(const char *hash, int n, const struct note_key *signer)
{
    return signed_record(json_pack("{s:s, s:s, s:{s:s, s:i}}", "type", "provd.item.v1",
                                   "content_hash", hash, "metadata", "license", "MIT", "n", n),
                         signer, "registered_at");
}

static json_t *model_record(const char *name)
{
    return signed_record(json_pack("{s:s, s:{s:s, s:s, s:s}, s:[{s:i, s:s}], s:{}}", "type",
                                   "provd.model.v1", "model", "name", name, "version", "1",
                                   "digest", HASH("d"), "datasets", "id", DATASET_ID,
                                   "members_root", w.members_root, "metadata"),
                         &w.signer[1], "registered_at");
}

static void build_members(void)
{
    uint8_t hash[SHA256_LEN], root[MERKLE_HASH_LEN];
    w.set.n = N_MEMBERS;
    for (int i = 0; i < N_MEMBERS; i++) {
        assert_true(hex_decode(members[i] + 7, 64, hash, SHA256_LEN, true));
        dataset_member_leaf(hash, w.set.leaves[i]);
    }
    struct merkle_source src = {mem_node, &w.set};
    assert_true(merkle_root(&src, N_MEMBERS, root));
    hex_encode(root, MERKLE_HASH_LEN, w.members_root);
}

static void build_records(void)
{
    w.records[L_A1] = item_record(A, 1, &w.signer[0]);
    w.records[L_EARLY] = model_record("early");
    w.records[L_A2] = item_record(A, 2, &w.signer[1]);
    w.records[L_B] = item_record(B, 3, &w.signer[0]);
    w.records[L_DATASET] = signed_record(
        json_pack("{s:s, s:s, s:s, s:{}, s:{}, s:i, s:s}", "type", DATASET_STATEMENT_TYPE, "name",
                  "corpus", "version", "1", "metadata", "policy", "member_count", N_MEMBERS,
                  "members_root", w.members_root),
        &w.signer[0], "sealed_at");
    w.records[L_LATE] = item_record(A, 4, &w.signer[0]);
    w.records[L_MODEL] = model_record("m");
}

/* The leaves of the records and a checkpoint over them, signed by the log key. */
static void build_log(void)
{
    struct buf canon = BUF_INIT, text = BUF_INIT, note = BUF_INIT;
    uint8_t root[MERKLE_HASH_LEN];
    w.log.n = N_LOG;
    for (int i = 0; i < N_LOG; i++) {
        buf_reset(&canon);
        assert_true(jcs_serialize(w.records[i], &canon));
        merkle_leaf_hash(canon.data, canon.len, w.log.leaves[i]);
    }
    struct merkle_source src = {mem_node, &w.log};
    assert_true(merkle_root(&src, N_LOG, root));
    checkpoint_format(ORIGIN, N_LOG, root, &text);
    assert_true(note_sign(&w.log_key, text.data, text.len, &note));
    buf_putc(&note, '\0');
    free(w.checkpoint);
    w.checkpoint = buf_steal(&note, NULL);
    buf_free(&canon);
    buf_free(&text);
}

static int setup(void **state)
{
    (void)state;
    memset(&w, 0, sizeof w);
    assert_true(note_key_generate(ORIGIN, &w.log_key));
    assert_true(note_key_generate("signer0", &w.signer[0]));
    assert_true(note_key_generate("signer1", &w.signer[1]));
    build_members();
    build_records();
    build_log();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < N_LOG; i++)
        json_decref(w.records[i]);
    free(w.checkpoint);
    return 0;
}

static json_t *receipt(int entry)
{
    return json_pack("{s:I, s:s, s:O, s:I, s:I, s:o, s:s, s:n}", "id", (json_int_t)log_ids[entry],
                     "status", "logged", "record", w.records[entry], "log_index", (json_int_t)entry,
                     "tree_size", (json_int_t)N_LOG, "inclusion_proof",
                     hex_proof(&w.log, (uint64_t)entry), "checkpoint", w.checkpoint, "anchor");
}

/* The proof GET /v1/models/{id}/proof would give for the member at position. */
static json_t *proof_of(int position)
{
    json_t *regs = json_array();
    for (int i = 0; i < L_DATASET; i++) {
        const char *h = json_string_value(json_object_get(w.records[i], "content_hash"));
        if (h && !strcmp(h, members[position]))
            json_array_append_new(regs, receipt(i));
    }
    json_t *p = json_pack("{s:i, s:s, s:o, s:i, s:{s:i, s:i, s:s, s:o}, s:o, s:o}", "model_id",
                          MODEL_ID, "content_hash", members[position], "model", receipt(L_MODEL),
                          "dataset_id", DATASET_ID, "membership", "position", position,
                          "member_count", N_MEMBERS, "members_root", w.members_root,
                          "inclusion_proof", hex_proof(&w.set, (uint64_t)position), "dataset",
                          receipt(L_DATASET), "registrations", regs);
    assert_non_null(p);
    /* Numbers as provd verify reads them (JSON_DECODE_INT_AS_REAL). */
    char *text = json_dumps(p, 0);
    json_decref(p);
    p = json_loads(text, JSON_DECODE_INT_AS_REAL, NULL);
    free(text);
    assert_non_null(p);
    return p;
}

/* Runs verify_model_proof on p (consumed), its stdout and stderr into out and err. */
static int run(json_t *p, char *out, size_t out_len, char *err, size_t err_len)
{
    struct verify_ctx v = {.key = &w.log_key};
    FILE *fo = tmpfile(), *fe = tmpfile();
    assert_true(fo && fe);
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    assert_true(so >= 0 && se >= 0);
    assert_true(dup2(fileno(fo), 1) >= 0 && dup2(fileno(fe), 2) >= 0);
    int rc = verify_model_proof(&v, p);
    fflush(stdout);
    fflush(stderr);
    assert_true(dup2(so, 1) >= 0 && dup2(se, 2) >= 0);
    close(so);
    close(se);
    FILE *files[2] = {fo, fe};
    char *bufs[2] = {out, err};
    const size_t lens[2] = {out_len, err_len};
    for (int i = 0; i < 2; i++) {
        rewind(files[i]);
        size_t n = fread(bufs[i], 1, lens[i] - 1, files[i]);
        bufs[i][n] = '\0';
        fclose(files[i]);
    }
    json_decref(p);
    return rc;
}

static void test_valid(void **state)
{
    (void)state;
    char out[8192], err[1024];
    assert_int_equal(run(proof_of(1), out, sizeof out, err, sizeof err), 0);
    assert_string_equal(err, "");
    static const char *const want[] = {
        "OK: model proof: model: the model record is entry 6 of log " ORIGIN "\n",
        "OK: model proof: model: the ed25519 signature by ",
        " verifies over the statement of model m 1\n",
        "OK: model proof: model: the model record names dataset 7 with members root ",
        "OK: model proof: dataset: the dataset record is entry 4 of log ",
        " verifies over the statement of dataset corpus 1\n",
        "OK: model proof: dataset: the dataset record commits to the membership's 3 members and "
        "root, and precedes the model record (entry 6)\n",
        "OK: model proof: membership: " HASH("a") " is member 1 of 3 under members root ",
        "OK: model proof: registration 0: " HASH("a") " is entry 0 of log ",
        "OK: model proof: registration 0: entry 0 precedes the dataset record (entry 4)\n",
        "OK: model proof: registration 1: " HASH("a") " is entry 2 of log ",
        "OK: model proof: registration 1: entry 2 precedes the dataset record (entry 4)\n",
        "OK: model proof: model 3 names dataset 7, which holds " HASH("a") "; 2 registration(s)"};
    const char *at = out;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *hit = strstr(at, want[i]);
        if (!hit)
            fail_msg("missing, in order: %s\nin:\n%s", want[i], out);
        at = hit + strlen(want[i]);
    }
    assert_null(strstr(out, "WARN"));
}

static void test_no_registration_warns(void **state)
{
    (void)state;
    char out[8192], err[1024];
    assert_int_equal(run(proof_of(2), out, sizeof out, err, sizeof err), 0);
    assert_string_equal(err, "");
    assert_non_null(strstr(out, "\nWARN: model proof: registrations: no registration of the "
                                "content was logged before the dataset was sealed\n"));
    assert_non_null(strstr(out, "; 0 registration(s)"));
}

/* Tampers, each applied to a fresh valid proof of A. */
static void t_model_metadata(json_t *p)
{
    json_object_set_new(
        json_object_get(json_object_get(json_object_get(p, "model"), "record"), "metadata"), "x",
        json_true());
}
static void t_model_type(json_t *p)
{
    json_object_set_new(json_object_get(json_object_get(p, "model"), "record"), "type",
                        json_string("provd.dataset.v1"));
}
static void t_model_id(json_t *p)
{
    json_object_set_new(p, "model_id", json_real(MODEL_ID + 1));
}
static void t_checkpoint(json_t *p)
{
    char *cp = strdup(w.checkpoint);
    cp[strlen(ORIGIN) + 1] = '8'; /* the tree size */
    json_object_set_new(json_object_get(p, "model"), "checkpoint", json_string(cp));
    free(cp);
}
static void t_dataset_id(json_t *p)
{
    json_object_set_new(p, "dataset_id", json_real(DATASET_ID + 1));
}
static void t_members_root(json_t *p)
{
    char root[2 * MERKLE_HASH_LEN + 1];
    memcpy(root, w.members_root, sizeof root);
    root[0] = root[0] == '0' ? '1' : '0';
    json_object_set_new(json_object_get(p, "membership"), "members_root", json_string(root));
}
static void t_member_count(json_t *p)
{
    json_object_set_new(json_object_get(p, "membership"), "member_count", json_real(N_MEMBERS + 1));
}
static void t_dataset_is_model(json_t *p)
{
    json_object_set_new(p, "dataset", receipt(L_MODEL));
}
static void t_model_before_dataset(json_t *p)
{
    json_object_set_new(p, "model", receipt(L_EARLY));
    json_object_set_new(p, "model_id", json_real(EARLY_ID));
}
static void t_dataset_log_index(json_t *p)
{
    json_object_set_new(json_object_get(p, "dataset"), "log_index", json_real(L_DATASET + 1));
}
static void t_position(json_t *p)
{
    json_object_set_new(json_object_get(p, "membership"), "position", json_real(0));
}
static void t_content_hash(json_t *p)
{
    json_object_set_new(p, "content_hash", json_string(B));
}
static void t_member_proof(json_t *p)
{
    json_array_clear(json_object_get(json_object_get(p, "membership"), "inclusion_proof"));
}
static void t_registration_other(json_t *p)
{
    json_array_set_new(json_object_get(p, "registrations"), 1, receipt(L_B));
}
static void t_registration_late(json_t *p)
{
    json_array_append_new(json_object_get(p, "registrations"), receipt(L_LATE));
}
static void t_registration_signature(json_t *p)
{
    json_t *rec = json_object_get(json_array_get(json_object_get(p, "registrations"), 0), "record");
    json_object_set_new(rec, "metadata", json_pack("{s:s, s:i}", "license", "MIT", "n", 9));
}
static void t_registration_typed(json_t *p)
{
    json_array_set_new(json_object_get(p, "registrations"), 0, receipt(L_DATASET));
}
static void t_registrations_missing(json_t *p)
{
    json_object_del(p, "registrations");
}

static void test_tampers(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        void (*tamper)(json_t *);
        const char *fail; /* the start of the FAIL line */
    } cases[] = {
        {"model metadata", t_model_metadata,
         "FAIL: model proof: model: the inclusion proof does not lead"},
        {"model type", t_model_type,
         "FAIL: model proof: model: the record is not a provd.model.v1 record"},
        {"model id", t_model_id, "FAIL: model proof: model: the receipt is not of id 4"},
        {"checkpoint", t_checkpoint, "FAIL: model proof: model: checkpoint: "},
        {"dataset id", t_dataset_id,
         "FAIL: model proof: model: the model record does not name dataset 8"},
        {"members root", t_members_root,
         "FAIL: model proof: model: the model record names dataset 7 with members root "},
        {"member count", t_member_count,
         "FAIL: model proof: dataset: the dataset record commits to another members root or "
         "count"},
        {"dataset receipt of the model", t_dataset_is_model,
         "FAIL: model proof: dataset: the record is not a provd.dataset.v1 record"},
        {"model before the dataset", t_model_before_dataset,
         "FAIL: model proof: dataset: the dataset record is entry 4, not before the model "
         "record (entry 1)"},
        {"dataset log index", t_dataset_log_index,
         "FAIL: model proof: dataset: the inclusion proof does not lead"},
        {"position", t_position,
         "FAIL: model proof: membership: the member's inclusion proof does not lead"},
        {"content hash", t_content_hash,
         "FAIL: model proof: membership: the member's inclusion proof does not lead"},
        {"member proof", t_member_proof,
         "FAIL: model proof: membership: the member's inclusion proof does not lead"},
        {"registration of other content", t_registration_other,
         "FAIL: model proof: registration 1: the record is of " HASH("b") ", not of " HASH("a")},
        {"registration after the dataset", t_registration_late,
         "FAIL: model proof: registration 2: entry 5 is not before the dataset record (entry "
         "4)"},
        {"registration record", t_registration_signature,
         "FAIL: model proof: registration 0: the inclusion proof does not lead"},
        {"registration of a dataset record", t_registration_typed,
         "FAIL: model proof: registration 0: the record is not an item record"},
        {"no registrations member", t_registrations_missing,
         "FAIL: model proof: registrations must be an array of receipts"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char out[8192], err[1024];
        json_t *p = proof_of(1);
        cases[i].tamper(p);
        if (run(p, out, sizeof out, err, sizeof err) != 1)
            fail_msg("%s: accepted\n%s", cases[i].name, out);
        if (strncmp(err, cases[i].fail, strlen(cases[i].fail)) != 0)
            fail_msg("%s: want %s…\ngot %s", cases[i].name, cases[i].fail, err);
    }
}

/* A model record naming a key other than the one that signed it, logged as it is: the model
 * link fails on the signature alone. */
static void test_bad_signature(void **state)
{
    (void)state;
    char out[8192], err[1024], pub[64];
    base64url_encode(w.signer[0].public_key, 32, pub);
    json_object_set_new(json_object_get(w.records[L_MODEL], "signature"), "public_key",
                        json_string(pub));
    build_log();
    assert_int_equal(run(proof_of(1), out, sizeof out, err, sizeof err), 1);
    assert_non_null(strstr(out, "OK: model proof: model: the model record is entry 6"));
    if (strncmp(err, "FAIL: model proof: model: the model record: ", 44) != 0)
        fail_msg("got %s", err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_valid, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_registration_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
