/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target: a witness's replies to add-checkpoint (registry/witness.c witness_submit):
 * the first byte picks the status, the second the Content-Type, the rest is the body, given to
 * both the first request and a 409 retry. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "registry/witness.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct input {
    const uint8_t *data;
    size_t size;
};

static bool fuzz_post(void *ctx, const char *url, const char *body, size_t len, unsigned timeout_ms,
                      long *status, char *content_type, size_t ct_len, struct buf *reply, char *err,
                      size_t err_len)
{
    static const long statuses[] = {200, 409, 403, 404, 422, 500, 0};
    static const char *const types[] = {"text/x.tlog.size", "text/plain", ""};
    const struct input *in = ctx;
    (void)url, (void)body, (void)len, (void)timeout_ms, (void)err, (void)err_len;
    if (in->size < 2)
        return false;
    *status = statuses[in->data[0] % (sizeof statuses / sizeof *statuses)];
    snprintf(content_type, ct_len, "%s", types[in->data[1] % 3]);
    buf_append(reply, in->data + 2, in->size - 2);
    return true;
}

static bool fuzz_proof(void *ctx, uint64_t m, uint64_t n, uint8_t (*proof)[MERKLE_HASH_LEN],
                       int *count)
{
    (void)ctx;
    if (m == 0 || m > n)
        abort(); /* witness_submit asks only for proofs from a size it may send */
    memset(proof[0], 0x11, MERKLE_HASH_LEN);
    *count = 1;
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct witness_peer peer;
    static int ready;
    static const char note[] =
        "log.example/provd\n10\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
        "\n\xe2\x80\x94 log.example/provd AAAAAAAA\n";
    if (!ready)
        ready = witness_peer_init(&peer, "http://w.example/+witness.example/w1+c9f46989+"
                                         "BDYDMT1PMrU5oHf9YwCYXxuXkBQqFGpqxa7PaEaG+6QV");
    if (!ready)
        abort(); /* the key is tests/vectors/cosignature.json's */
    struct input in = {data, size};
    struct witness_checkpoint cp = {note, sizeof note - 1, 10};
    peer.known = size > 2 && (data[1] & 0x80);
    peer.size = size > 2 ? data[2] % 11 : 0;
    struct witness_result r;
    witness_submit(&peer, &cp, fuzz_proof, NULL, fuzz_post, &in, 100, &r);
    if (r.outcome >= WITNESS_OUTCOME_COUNT_ || r.n_lines > WITNESS_LINES_MAX ||
        (r.n_lines > 0) != (r.outcome == WITNESS_COSIGNED) || (peer.known && peer.size > cp.size))
        abort();
    for (size_t i = 0; i < r.n_lines; i++)
        if (!r.line[i].data || r.line[i].data[r.line[i].len - 1] != '\n')
            abort();
    witness_result_free(&r);
    return 0;
}
