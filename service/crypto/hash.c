#include "crypto/hash.h"

#include <openssl/rand.h>
#include <openssl/sha.h>

void hash_sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
    SHA256(data, len, out);
}

bool hash_random(uint8_t *out, size_t len)
{
    return RAND_bytes(out, (int)len) == 1;
}
