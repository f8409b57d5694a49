/*
 * Waybill and parcel numbers (DOMAIN.md §2, 运单号/母单/子单).
 *
 * A waybill number is "PD", 12 decimal digits of serial and one Damm check
 * digit: "PD0000000012343". A parcel of a multi-parcel waybill gets the master
 * number's 13 digits, a 3-digit sequence (001–999) and its own Damm check
 * digit over those 16 digits: "PD0000000012343" + "001" + "x", so every
 * label is verifiable on its own and names its master.
 *
 * The Damm check digit (a weakly totally anti-symmetric quasigroup of order
 * 10) detects every single-digit substitution and every transposition of two
 * adjacent digits, including ones involving the check digit itself; the
 * unit tests prove both exhaustively over many numbers. A mistyped number is
 * therefore rejected before any look-up.
 *
 * Uniqueness comes only from the serial: the store allocates serials from a
 * database sequence (1 … PD_WAYBILL_SERIAL_MAX) and never reuses one. These
 * functions are pure: no I/O, no allocation, no globals.
 */
#ifndef PD_CORE_WAYBILL_NO_H
#define PD_CORE_WAYBILL_NO_H

#include <stdbool.h>
#include <stdint.h>

/** Characters of a waybill number ("PD" + 12 + 1) and of a parcel number (+ 3 + 1). */
#define PD_WAYBILL_NO_LEN 15
#define PD_PARCEL_NO_LEN  19
/** Buffer sizes including the terminating NUL. */
#define PD_WAYBILL_NO_SIZE    (PD_WAYBILL_NO_LEN + 1)
#define PD_PARCEL_NO_SIZE     (PD_PARCEL_NO_LEN + 1)
#define PD_WAYBILL_SERIAL_MAX 999999999999ULL
#define PD_PARCEL_SEQ_MAX     999

/**
 * Damm check digit of the decimal digits in @p digits[0..n). Non-digits are a
 * caller error (the function returns -1 for them).
 */
int pd_damm_check_digit(const char *digits, int n);

/**
 * Format serial @p serial (1 … PD_WAYBILL_SERIAL_MAX) as a waybill number
 * into the caller's buffer @p out. @return false (out = "") when the serial
 * is out of range.
 */
bool pd_waybill_no_format(uint64_t serial, char out[PD_WAYBILL_NO_SIZE]);

/** True when @p s (may be NULL) is exactly a canonical waybill number with a correct check digit.
 */
bool pd_waybill_no_valid(const char *s);

/** Parse a canonical waybill number; on success store its serial in @p serial (may be NULL). */
bool pd_waybill_no_parse(const char *s, uint64_t *serial);

/**
 * Format parcel @p seq (1 … PD_PARCEL_SEQ_MAX) of waybill @p master (a valid
 * canonical waybill number) into @p out. @return false (out = "") otherwise.
 */
bool pd_parcel_no_format(const char *master, int seq, char out[PD_PARCEL_NO_SIZE]);

/**
 * Parse a canonical parcel number: both check digits must be right. On
 * success the master waybill number goes to @p master_out and the sequence to
 * @p seq (either may be NULL). @return false for anything else.
 */
bool pd_parcel_no_parse(const char *s, char master_out[PD_WAYBILL_NO_SIZE], int *seq);

/**
 * Normalise what a person typed or a scanner sent: surrounding ASCII spaces
 * and tabs are dropped and a lower-case "pd" prefix is upper-cased; nothing
 * else is forgiven (no inner spaces, dashes or lower-case anything else).
 * The result must then be a valid waybill or parcel number (check digits
 * included). @p out receives the canonical form. @return false otherwise
 * (out = "").
 */
bool pd_waybill_no_normalize(const char *in, char out[PD_PARCEL_NO_SIZE]);

#endif
