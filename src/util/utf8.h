/*
 * UTF-8 checks for input: every string the API accepts must be valid UTF-8
 * (no overlongs, no surrogates, nothing above U+10FFFF, no NUL), and length
 * limits count characters, not bytes, so that 50 Chinese characters fit a
 * 50-character field.
 */
#ifndef PD_UTIL_UTF8_H
#define PD_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/** @return true when s[0..n) is valid UTF-8 without NUL bytes. */
bool pd_utf8_valid(const char *s, size_t n);

/** Number of code points in valid UTF-8 s[0..n). */
size_t pd_utf8_chars(const char *s, size_t n);

/**
 * Copy @p src (NUL-terminated, may be NULL → "") into @p dst of @p n bytes
 * as valid UTF-8: bytes that are not part of a valid sequence become '?',
 * and a copy that does not fit is cut before the character that would not
 * fit, never inside one. For untrusted text bound for fixed-size fields
 * (audit entries, user agents): the database and JSON both refuse broken
 * UTF-8. @return dst.
 */
char *pd_utf8_copy(char *dst, size_t n, const char *src);

#endif
