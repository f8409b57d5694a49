/* libsodium wrappers; nothing here is home-made cryptography. */
#include "util/crypto.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static bool fast_hash;

bool pd_crypto_init(void)
{
    if (sodium_init() < 0)
        return false;
    const char *f = getenv("PD_FAST_PWHASH");
    fast_hash = f && strcmp(f, "1") == 0;
    return true;
}

bool pd_password_hash(const char *password, char out[PD_PWHASH_MAX])
{
    unsigned long long ops =
        fast_hash ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE;
    size_t mem = fast_hash ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE;
    /* crypto_pwhash_str uses the default algorithm, argon2id since libsodium 1.0.15;
     * name it explicitly so the choice does not drift with the library. */
    return crypto_pwhash_str_alg(out, password, strlen(password), ops, mem,
                                 crypto_pwhash_ALG_ARGON2ID13) == 0;
}

bool pd_password_verify(const char *encoded, const char *password)
{
    if (!encoded || !*encoded)
        return false;
    return crypto_pwhash_str_verify(encoded, password, strlen(password)) == 0;
}

void pd_random_token(char out[PD_TOKEN_BUF])
{
    unsigned char raw[32];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(out, PD_TOKEN_BUF, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof raw);
}

void pd_random_hex(char *out, size_t nbytes)
{
    unsigned char raw[64];
    if (nbytes > sizeof raw)
        nbytes = sizeof raw;
    randombytes_buf(raw, nbytes);
    sodium_bin2hex(out, nbytes * 2 + 1, raw, nbytes);
}

void pd_sha256_hex(const void *s, size_t n, char out[PD_SHA256_HEX])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, s, n);
    sodium_bin2hex(out, PD_SHA256_HEX, h, sizeof h);
}

void pd_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t n,
                        char out[PD_SHA256_HEX])
{
    crypto_auth_hmacsha256_state st;
    unsigned char h[crypto_auth_hmacsha256_BYTES];
    crypto_auth_hmacsha256_init(&st, key, key_len);
    crypto_auth_hmacsha256_update(&st, msg, n);
    crypto_auth_hmacsha256_final(&st, h);
    sodium_bin2hex(out, PD_SHA256_HEX, h, sizeof h);
}

bool pd_str_equal_ct(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la != lb)
        return false;
    return sodium_memcmp(a, b, la) == 0;
}
