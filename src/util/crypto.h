/*
 * The few cryptographic operations ParcelDesk needs, all from libsodium:
 * argon2id password hashes, random tokens, SHA-256 for storing tokens and
 * API keys hashed, HMAC-SHA256 for webhook signatures, constant-time compare.
 * pd_crypto_init() must be called once before any of them (main() does).
 */
#ifndef PD_UTIL_CRYPTO_H
#define PD_UTIL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>

#define PD_PWHASH_MAX  128 /* crypto_pwhash_STRBYTES */
#define PD_SHA256_HEX  65  /* 64 hex digits + NUL */
#define PD_TOKEN_CHARS 43  /* 32 random bytes, base64url without padding */
#define PD_TOKEN_BUF   (PD_TOKEN_CHARS + 1)

/** @return false when libsodium cannot initialise (no entropy source). */
bool pd_crypto_init(void);

/**
 * Hash @p password with argon2id (libsodium's interactive limits, or the
 * cheaper "min" limits when PD_FAST_PWHASH=1 for test suites).
 * @param[out] out PD_PWHASH_MAX bytes, NUL-terminated encoded hash.
 * @return false on out-of-memory.
 */
bool pd_password_hash(const char *password, char out[PD_PWHASH_MAX]);

/** @return true when @p password matches the encoded hash (constant time). */
bool pd_password_verify(const char *encoded, const char *password);

/** Fill @p out with a random base64url token of 32 bytes of entropy. */
void pd_random_token(char out[PD_TOKEN_BUF]);

/** Random hex string of @p nbytes random bytes into out (2*nbytes+1 bytes). */
void pd_random_hex(char *out, size_t nbytes);

/** SHA-256 of @p s (n bytes) as lowercase hex. */
void pd_sha256_hex(const void *s, size_t n, char out[PD_SHA256_HEX]);

/** HMAC-SHA256 of @p msg with @p key, lowercase hex. */
void pd_hmac_sha256_hex(const void *key, size_t key_len, const void *msg, size_t n,
                        char out[PD_SHA256_HEX]);

/** Constant-time equality of two NUL-terminated strings of equal length. */
bool pd_str_equal_ct(const char *a, const char *b);

#endif
