/* SPDX-License-Identifier: Apache-2.0 */
#include "crypto/hash.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <sodium.h>

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static pthread_key_t ctx_key;
static EVP_MD *sha256_md; /* fetched once, kept for the process's life */
static bool ready;

static void free_ctx(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void setup(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    ready = sha256_md && pthread_key_create(&ctx_key, free_ctx) == 0;
}

/* This thread's context, or NULL when OpenSSL could not provide one. */
static EVP_MD_CTX *thread_ctx(void)
{
    pthread_once(&setup_once, setup);
    if (!ready)
        return NULL;
    EVP_MD_CTX *ctx = pthread_getspecific(ctx_key);
    if (!ctx && (ctx = EVP_MD_CTX_new()) && pthread_setspecific(ctx_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

void hash_sha256_3(const void *a, size_t a_len, const void *b, size_t b_len, const void *c,
                   size_t c_len, uint8_t out[SHA256_LEN])
{
    EVP_MD_CTX *ctx = thread_ctx();
    unsigned int n;
    if (ctx && EVP_DigestInit_ex(ctx, sha256_md, NULL) == 1 &&
        EVP_DigestUpdate(ctx, a, a_len) == 1 && EVP_DigestUpdate(ctx, b, b_len) == 1 &&
        EVP_DigestUpdate(ctx, c, c_len) == 1 && EVP_DigestFinal_ex(ctx, out, &n) == 1)
        return;
    /* OpenSSL could not allocate: libsodium's SHA-256 needs no memory and cannot fail. */
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, a, a_len);
    crypto_hash_sha256_update(&st, b, b_len);
    crypto_hash_sha256_update(&st, c, c_len);
    crypto_hash_sha256_final(&st, out);
}

void hash_sha256_2(const void *a, size_t a_len, const void *b, size_t b_len,
                   uint8_t out[SHA256_LEN])
{
    hash_sha256_3(a, a_len, b, b_len, "", 0, out);
}

void hash_sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
    hash_sha256_3(data, len, "", 0, "", 0, out);
}

bool hash_random(uint8_t *out, size_t len)
{
    return RAND_bytes(out, (int)len) == 1;
}

bool sha256_stream_init(struct sha256_stream *s)
{
    pthread_once(&setup_once, setup);
    s->ctx = ready ? EVP_MD_CTX_new() : NULL;
    if (s->ctx && EVP_DigestInit_ex(s->ctx, sha256_md, NULL) == 1)
        return true;
    sha256_stream_free(s);
    return false;
}

bool sha256_stream_update(struct sha256_stream *s, const void *data, size_t len)
{
    return s->ctx && EVP_DigestUpdate(s->ctx, data, len) == 1;
}

bool sha256_stream_final(struct sha256_stream *s, uint8_t out[SHA256_LEN])
{
    unsigned int n;
    bool ok = s->ctx && EVP_DigestFinal_ex(s->ctx, out, &n) == 1 && n == SHA256_LEN;
    sha256_stream_free(s);
    return ok;
}

void sha256_stream_free(struct sha256_stream *s)
{
    EVP_MD_CTX_free(s->ctx);
    s->ctx = NULL;
}
