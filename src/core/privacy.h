/*
 * Masking personal data for people who may not see it in full (DOMAIN.md
 * §2, §5): phone numbers keep their first three and last four digits
 * (138****8000), names keep their first character (张**). Pure functions.
 */
#ifndef PD_CORE_PRIVACY_H
#define PD_CORE_PRIVACY_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Mask a phone number: digits between the first 3 and the last 4 become
 * '*'. Numbers of 7 digits or fewer keep only their last 2 digits.
 * @param out buffer of @p n bytes (32 is enough for any accepted phone).
 * @return out.
 */
char *pd_mask_phone(const char *phone, char *out, size_t n);

/**
 * Mask a name: the first character (UTF-8 aware) followed by one '*' per
 * further character, at most 3 stars.
 */
char *pd_mask_name(const char *name, char *out, size_t n);

#endif
