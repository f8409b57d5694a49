/*
 * Normalisation of mainland China phone numbers as people type them on order
 * forms: mobiles (1[3-9] + 9 digits, with or without +86 / 0086 / 86) and
 * landlines (0 + 2-3-digit area code + 7-8-digit number, optional extension
 * "-123" or "转123"). Pure: no allocation, thread-safe.
 */
#ifndef PD_CORE_PHONE_H
#define PD_CORE_PHONE_H

#include <stddef.h>

#include "core/errors.h"

/** Room for any canonical number with its NUL ("0755-86001234-123456"). */
#define PD_PHONE_MAX 24

enum pd_phone_kind {
    PD_PHONE_NONE = 0,
    PD_PHONE_MOBILE = 1,
    PD_PHONE_LANDLINE = 2,
};

/**
 * Check and normalise a phone number.
 *
 * Spaces (ASCII, U+3000), dashes ("-", "－") and brackets around the area code
 * are ignored; full-width digits count as digits. Canonical forms: a mobile
 * is its 11 digits ("13800138000"); a landline is "0755-86001234", with
 * "-ext" appended when an extension was given. Refused: letters and any
 * other character, numbers too short or too long, mobile prefixes 10-12,
 * landlines without an area code, service numbers (95xxx, 400...).
 *
 * @param in   the number as typed (NUL-terminated); NULL counts as empty.
 * @param[out] out  caller's buffer of @p n bytes, n >= PD_PHONE_MAX; set to the
 *             canonical text on success, to "" on failure.
 * @param[out] kind the kind of number (PD_PHONE_NONE on failure); may be NULL.
 * @return PD_OK, or PD_E_PHONE_INVALID (also when @p n is too small).
 */
pd_err pd_phone_normalise(const char *in, char *out, size_t n, enum pd_phone_kind *kind);

#endif
