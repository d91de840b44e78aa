/* SPDX-License-Identifier: Apache-2.0 */
/* Prints how many Ed25519 verifications per second provd's sig_verify() does on one core, so
 * that tests/bench/run can set it beside `openssl speed ed25519`. */
#include <stdio.h>
#include <time.h>

#include "util/codec.h"
#include "crypto/sig.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(void)
{
    /* RFC 8032 test 2 (one-byte message 0x72). */
    uint8_t pub[32], sig[64];
    const uint8_t msg[] = {0x72};
    if (!hex_decode("3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", 64, pub, 32,
                    true) ||
        !hex_decode("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
                    128, sig, 64, true))
        return 1;
    long n = 0;
    double start = now(), elapsed;
    do {
        for (int i = 0; i < 1000; i++, n++)
            if (!sig_verify(SIG_ED25519, pub, 32, sig, 64, msg, 1))
                return 1;
        elapsed = now() - start;
    } while (elapsed < 5.0);
    printf("provd sig_verify ed25519 (libsodium, 1 core): %.0f/s\n", (double)n / elapsed);
    return 0;
}
