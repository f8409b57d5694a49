/*
 * Percent-decoding of URL paths (RFC 3986 §2.1), shared by the router (path
 * parameters) and the static file handler. An escape must be '%' and two hex
 * digits; an encoded NUL (%00) is refused, because C strings could not carry it
 * and it is never legitimate in a path.
 */
#ifndef PD_UTIL_URL_H
#define PD_UTIL_URL_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

/** Whether s[0..n) decodes cleanly. */
bool pd_url_escapes_ok(const char *s, size_t n);

/**
 * Decode s[0..n) into a NUL-terminated copy in @p a.
 * @return the copy, or NULL on a bad escape, %00, or arena overflow.
 */
char *pd_url_decode(pd_arena *a, const char *s, size_t n);

#endif
