/*
 * Time in ParcelDesk: storage and arithmetic use UTC epoch milliseconds
 * (int64_t); JSON uses RFC 3339 with an explicit offset. China Standard Time
 * (UTC+8, no daylight saving) is the default display offset.
 *
 * pd_now_ms() is the one clock the program reads. Tests may pin it with the
 * environment variable PD_FAKE_NOW (RFC 3339), read once at start-up, so that
 * clocks and deadlines can be checked against hand-worked values.
 */
#ifndef PD_UTIL_TIMEUTIL_H
#define PD_UTIL_TIMEUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PD_CST_OFFSET_MIN 480 /* UTC+8 */
#define PD_RFC3339_MAX    40  /* buffer size for pd_time_format() */

/** Wall clock in UTC epoch milliseconds (or the pinned PD_FAKE_NOW). */
int64_t pd_now_ms(void);

/** Monotonic clock in microseconds, for durations. */
int64_t pd_mono_us(void);

/**
 * Format @p ms as RFC 3339 with milliseconds only when non-zero,
 * e.g. "2026-11-23T10:00:00+08:00", at the given offset from UTC in minutes.
 * @param out at least PD_RFC3339_MAX bytes.
 * @return out.
 */
char *pd_time_format(int64_t ms, int offset_min, char *out);

/**
 * Parse RFC 3339 ("2026-11-23T10:00:00+08:00", "…T02:00:00.123Z"; 'T' or ' '
 * between date and time; the offset is required).
 * @param[out] ms UTC epoch milliseconds.
 * @return true when @p s is a valid timestamp (calendar-checked).
 */
bool pd_time_parse(const char *s, int64_t *ms);

/** Parse a date "YYYY-MM-DD" as the start of that day at @p offset_min. */
bool pd_date_parse(const char *s, int offset_min, int64_t *ms);

/** Days since 1970-01-01 of a proleptic Gregorian date (negative before). */
int64_t pd_days_from_civil(int y, unsigned m, unsigned d);

/** Inverse of pd_days_from_civil. */
void pd_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d);

#endif
