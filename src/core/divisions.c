/*
 * Look-ups in the generated GB/T 2260 tables: by code (binary search) and by
 * parent (children are a contiguous run because codes nest). This file holds
 * no data of its own and does no name matching; how people write names is
 * address.c's business.
 */
#include "core/divisions.h"

int pd_division_level_of(uint32_t code)
{
    if (code >= 10u && code <= 99u)
        return PD_DIVISION_PROVINCE;
    if (code >= 1000u && code <= 9999u)
        return PD_DIVISION_CITY;
    if (code >= 100000u && code <= 999999u)
        return PD_DIVISION_DISTRICT;
    return 0;
}

const struct pd_division *pd_division_table(enum pd_division_level level, size_t *n)
{
    switch (level) {
    case PD_DIVISION_PROVINCE:
        *n = pd__division_provinces_n;
        return pd__division_provinces;
    case PD_DIVISION_CITY:
        *n = pd__division_cities_n;
        return pd__division_cities;
    case PD_DIVISION_DISTRICT:
        *n = pd__division_areas_n;
        return pd__division_areas;
    }
    *n = 0;
    return NULL;
}

/* Index of the first entry whose code is >= code. */
static size_t lower_bound(const struct pd_division *t, size_t n, uint32_t code)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t[mid].code < code)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const struct pd_division *pd_division_find(uint32_t code)
{
    size_t n;
    const struct pd_division *t = pd_division_table(pd_division_level_of(code), &n);
    if (!t)
        return NULL;
    size_t i = lower_bound(t, n, code);
    return i < n && t[i].code == code ? &t[i] : NULL;
}

const struct pd_division *pd_division_children(uint32_t parent, size_t *n)
{
    *n = 0;
    int level = pd_division_level_of(parent);
    if (level != PD_DIVISION_PROVINCE && level != PD_DIVISION_CITY)
        return NULL;
    size_t tn;
    const struct pd_division *t = pd_division_table(level + 1, &tn);
    size_t i = lower_bound(t, tn, parent * 100u);
    size_t j = i;
    while (j < tn && t[j].parent == parent)
        j++;
    *n = j - i;
    return j > i ? &t[i] : NULL;
}
