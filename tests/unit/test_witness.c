/* SPDX-License-Identifier: Apache-2.0 */
/* registry/witness: the add-checkpoint state machine against a fake witness (canned replies,
 * real cosignatures made here with libsodium), and the back-off schedule. */
#include "testutil.h"

#include <sodium.h>

#include "crypto/hash.h"
#include "registry/witness.h"
#include "tlog/note.h"

#define WNAME "witness.test/w1"

/* What the fake witness does with the next request. */
enum fake_mode { FAKE_COSIGN, FAKE_BAD_SIG, FAKE_CANNED, FAKE_NO_REPLY };
struct fake_step {
    enum fake_mode mode;
    long status;
    const char *content_type, *body;
};

struct fake {
    uint8_t pk[32], sk[64];
    struct fake_step steps[4];
    int n_steps, calls;
    char requests[4][2048]; /* the bodies received */
    uint64_t proof_m[4], proof_n[4];
    int proofs;
};

/* A cosignature line by the fake's key over body (the checkpoint text). */
static void cosign(const struct fake *f, const char *body, size_t body_len, bool corrupt,
                   struct buf *out)
{
    uint64_t ts = 1700000000;
    struct buf msg = BUF_INIT;
    buf_printf(&msg, "cosignature/v1\ntime %llu\n", (unsigned long long)ts);
    buf_append(&msg, body, body_len);
    uint8_t sig[76], id_hash[SHA256_LEN];
    uint8_t idin[sizeof WNAME + 33];
    memcpy(idin, WNAME "\n", sizeof WNAME);
    idin[sizeof WNAME] = 0x04;
    memcpy(idin + sizeof WNAME + 1, f->pk, 32);
    hash_sha256(idin, sizeof idin, id_hash);
    memcpy(sig, id_hash, 4);
    for (int i = 0; i < 8; i++)
        sig[4 + i] = (uint8_t)(ts >> (56 - 8 * i));
    crypto_sign_detached(sig + 12, NULL, (const uint8_t *)msg.data, msg.len, f->sk);
    if (corrupt)
        sig[20] ^= 1;
    char b64[128];
    base64_std_encode(sig, sizeof sig, b64);
    buf_printf(out, "\xe2\x80\x94 %s %s\n", WNAME, b64);
    buf_free(&msg);
}

static bool fake_post(void *ctx, const char *url, const char *body, size_t len, unsigned timeout_ms,
                      long *status, char *content_type, size_t ct_len, struct buf *reply, char *err,
                      size_t err_len)
{
    struct fake *f = ctx;
    (void)timeout_ms;
    assert_string_equal(url, "http://w.test/sub/add-checkpoint");
    assert_true(f->calls < f->n_steps);
    snprintf(f->requests[f->calls], sizeof f->requests[0], "%.*s", (int)len, body);
    const struct fake_step *s = &f->steps[f->calls++];
    if (s->mode == FAKE_NO_REPLY) {
        snprintf(err, err_len, "timed out");
        return false;
    }
    if (s->mode == FAKE_CANNED) {
        *status = s->status;
        snprintf(content_type, ct_len, "%s", s->content_type ? s->content_type : "");
        buf_puts(reply, s->body);
        return true;
    }
    const char *note = strstr(body, "\n\n") + 2; /* after the proof lines */
    const char *end = strstr(note, "\n\n");
    assert_non_null(end);
    *status = 200;
    snprintf(content_type, ct_len, "text/plain");
    /* a line by another key first: ignored */
    buf_puts(reply, "\xe2\x80\x94 other.test/w "
                    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                    "AAAAAAAAAAAAAAAAAA\n");
    cosign(f, note, (size_t)(end + 1 - note), s->mode == FAKE_BAD_SIG, reply);
    return true;
}

static bool fake_proof(void *ctx, uint64_t m, uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN],
                       int *count)
{
    struct fake *f = ctx;
    f->proof_m[f->proofs] = m;
    f->proof_n[f->proofs++] = n;
    memset(proof[0], 0xaa, MERKLE_HASH_LEN);
    memset(proof[1], 0xbb, MERKLE_HASH_LEN);
    *count = 2;
    return true;
}

struct fixture {
    struct fake fake;
    struct witness_peer peer;
    struct buf note;
    struct witness_checkpoint cp;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    assert_int_equal(sodium_init() >= 0, 1);
    crypto_sign_keypair(fx->fake.pk, fx->fake.sk);
    /* the witness's vkey: name+id+base64(0x04 || key) */
    uint8_t idin[sizeof WNAME + 33], h[SHA256_LEN], typed[33];
    memcpy(idin, WNAME "\n", sizeof WNAME);
    idin[sizeof WNAME] = 0x04;
    memcpy(idin + sizeof WNAME + 1, fx->fake.pk, 32);
    hash_sha256(idin, sizeof idin, h);
    typed[0] = 0x04;
    memcpy(typed + 1, fx->fake.pk, 32);
    char b64[64], spec[256];
    base64_std_encode(typed, sizeof typed, b64);
    snprintf(spec, sizeof spec, "http://w.test/sub/+%s+%02x%02x%02x%02x+%s", WNAME, h[0], h[1],
             h[2], h[3], b64);
    assert_true(witness_peer_init(&fx->peer, spec));
    /* a log-signed checkpoint of size 10 */
    struct note_key log;
    assert_true(note_key_generate("log.test/provd", &log));
    uint8_t root[MERKLE_HASH_LEN] = {1, 2, 3};
    struct buf text = BUF_INIT;
    checkpoint_format("log.test/provd", 10, root, &text);
    fx->note = (struct buf)BUF_INIT;
    assert_true(note_sign(&log, text.data, text.len, &fx->note));
    buf_free(&text);
    fx->cp = (struct witness_checkpoint){fx->note.data, fx->note.len, 10};
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    witness_peer_free(&fx->peer);
    buf_free(&fx->note);
    free(fx);
    return 0;
}

static void run(struct fixture *fx, struct witness_result *r)
{
    witness_submit(&fx->peer, &fx->cp, fake_proof, &fx->fake, fake_post, &fx->fake, 1000, r);
}

static void test_cosigned(void **state)
{
    struct fixture *fx = *state;
    fx->fake.steps[0] = (struct fake_step){FAKE_COSIGN, 0, NULL, NULL};
    fx->fake.n_steps = 1;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, WITNESS_COSIGNED);
    assert_int_equal(r.n_lines, 1);
    assert_int_equal(r.bad_lines, 0);
    assert_int_equal(r.signed_at[0], 1700000000);
    assert_memory_equal(r.line[0].data, "\xe2\x80\x94 " WNAME " ", sizeof WNAME + 4);
    /* a first request: old 0, no proof, an empty line, then the note as it is */
    assert_memory_equal(fx->fake.requests[0], "old 0\n\n", 7);
    assert_string_equal(fx->fake.requests[0] + 7, fx->note.data);
    assert_int_equal(fx->fake.proofs, 0);
    assert_true(fx->peer.known);
    assert_int_equal(fx->peer.size, 10);
    witness_result_free(&r);
}

static void test_bad_signature(void **state)
{
    struct fixture *fx = *state;
    fx->fake.steps[0] = (struct fake_step){FAKE_BAD_SIG, 0, NULL, NULL};
    fx->fake.n_steps = 1;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, WITNESS_BAD_COSIGNATURE);
    assert_int_equal(r.n_lines, 0);
    assert_int_equal(r.bad_lines, 1);
    witness_result_free(&r);
}

static void test_resync_409(void **state)
{
    struct fixture *fx = *state;
    fx->fake.steps[0] = (struct fake_step){FAKE_CANNED, 409, "text/x.tlog.size", "5\n"};
    fx->fake.steps[1] = (struct fake_step){FAKE_COSIGN, 0, NULL, NULL};
    fx->fake.n_steps = 2;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, WITNESS_COSIGNED);
    assert_int_equal(fx->fake.calls, 2);
    assert_int_equal(fx->fake.proofs, 1);
    assert_int_equal(fx->fake.proof_m[0], 5);
    assert_int_equal(fx->fake.proof_n[0], 10);
    char b64[48];
    uint8_t h[MERKLE_HASH_LEN];
    memset(h, 0xaa, sizeof h);
    base64_std_encode(h, sizeof h, b64);
    char want[128];
    snprintf(want, sizeof want, "old 5\n%s\n", b64);
    assert_memory_equal(fx->fake.requests[1], want, strlen(want));
    assert_int_equal(fx->peer.size, 10);
    witness_result_free(&r);
}

static void test_fork_same_size(void **state)
{
    struct fixture *fx = *state;
    /* it claims size 10 twice: another tree at our size */
    fx->fake.steps[0] = (struct fake_step){FAKE_CANNED, 409, "text/x.tlog.size", "10\n"};
    fx->fake.steps[1] = (struct fake_step){FAKE_CANNED, 409, "text/x.tlog.size", "10\n"};
    fx->fake.n_steps = 2;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, WITNESS_FORK);
    assert_int_equal(r.witness_size, 10);
    assert_memory_equal(fx->fake.requests[1], "old 10\n\n", 8); /* same size: no proof */
    witness_result_free(&r);
}

static void test_fork_beyond(void **state)
{
    struct fixture *fx = *state;
    fx->fake.steps[0] = (struct fake_step){FAKE_CANNED, 409, "text/x.tlog.size", "12\n"};
    fx->fake.n_steps = 1;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, WITNESS_FORK);
    assert_int_equal(fx->fake.calls, 1);
    witness_result_free(&r);
}

static void test_fork_bad_proof_after_resync(void **state)
{
    struct fixture *fx = *state;
    fx->fake.steps[0] = (struct fake_step){FAKE_CANNED, 409, "text/x.tlog.size", "4\n"};
    fx->fake.steps[1] = (struct fake_step){FAKE_CANNED, 422, "text/plain", "bad proof\n"};
    fx->fake.n_steps = 2;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, WITNESS_FORK);
    witness_result_free(&r);
}

/* One canned reply and the outcome it must give. */
static void expect(struct fixture *fx, struct fake_step step, enum witness_outcome want)
{
    fx->fake.calls = 0;
    fx->fake.steps[0] = step;
    fx->fake.n_steps = 1;
    struct witness_result r;
    run(fx, &r);
    assert_int_equal(r.outcome, want);
    assert_int_equal(fx->fake.calls, 1);
    assert_int_equal(r.n_lines, 0);
    witness_result_free(&r);
}

static void test_refusals(void **state)
{
    struct fixture *fx = *state;
    expect(fx, (struct fake_step){FAKE_CANNED, 403, "text/plain", "no\n"}, WITNESS_REFUSED);
    expect(fx, (struct fake_step){FAKE_CANNED, 404, "text/plain", "who\n"}, WITNESS_UNKNOWN_LOG);
    expect(fx, (struct fake_step){FAKE_NO_REPLY, 0, NULL, NULL}, WITNESS_UNREACHABLE);
    expect(fx, (struct fake_step){FAKE_CANNED, 500, "text/plain", "oops\n"}, WITNESS_BAD_REPLY);
    /* a 409 must say the size as text/x.tlog.size */
    expect(fx, (struct fake_step){FAKE_CANNED, 409, "text/plain", "5\n"}, WITNESS_BAD_REPLY);
    expect(fx, (struct fake_step){FAKE_CANNED, 409, "text/x.tlog.size", "05\n"}, WITNESS_BAD_REPLY);
    /* a 200 without any line of its key */
    expect(fx, (struct fake_step){FAKE_CANNED, 200, "text/plain", "hello\n"}, WITNESS_BAD_REPLY);
    assert_int_equal(fx->fake.proofs, 0);
}

static void test_bad_proof_forgets_size(void **state)
{
    struct fixture *fx = *state;
    fx->peer.known = true;
    fx->peer.size = 7;
    expect(fx, (struct fake_step){FAKE_CANNED, 422, "text/plain", "bad\n"}, WITNESS_BAD_PROOF);
    assert_memory_equal(fx->fake.requests[0], "old 7\n", 6);
    assert_int_equal(fx->fake.proofs, 1);
    assert_false(fx->peer.known); /* next time: old 0, and the witness says its size */
}

static void test_schedule(void **state)
{
    (void)state;
    struct witness_peer p = {0};
    witness_schedule(&p, WITNESS_UNREACHABLE, 2, 1000);
    assert_int_equal(p.backoff_s, 2);
    assert_int_equal(p.next_ms, 3000);
    witness_schedule(&p, WITNESS_REFUSED, 2, 3000);
    assert_int_equal(p.backoff_s, 4);
    for (int i = 0; i < 20; i++)
        witness_schedule(&p, WITNESS_FORK, 2, 0);
    assert_int_equal(p.backoff_s, 2 * WITNESS_BACKOFF_INTERVALS);
    for (int i = 0; i < 20; i++)
        witness_schedule(&p, WITNESS_FORK, 60, 0);
    assert_int_equal(p.backoff_s, WITNESS_BACKOFF_MAX_S);
    witness_schedule(&p, WITNESS_COSIGNED, 2, 5000);
    assert_int_equal(p.backoff_s, 0);
    assert_int_equal(p.next_ms, 7000);
    assert_string_equal(witness_outcome_name(WITNESS_BAD_COSIGNATURE), "bad_cosignature");
    assert_string_equal(witness_outcome_name(WITNESS_FORK), "fork");
}

static void test_peer_spec(void **state)
{
    (void)state;
    struct witness_peer p;
    assert_false(witness_peer_init(&p, "http://w.test/+not-a-key"));
    witness_peer_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_cosigned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_signature, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resync_409, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork_same_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork_beyond, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fork_bad_proof_after_resync, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_proof_forgets_size, setup, teardown),
        cmocka_unit_test(test_schedule),
        cmocka_unit_test(test_peer_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
