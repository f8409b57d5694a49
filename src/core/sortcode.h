/*
 * Sort codes (大头笔/三段码) printed big on a label so that sorters read the
 * destination at a glance: the province's one-character abbreviation (简称),
 * the city and the district as people say them, and the 6-digit GB/T 2260
 * code of the district that sorting machines key on, e.g. "粤-深圳-南山 440305".
 * Pure; no allocation.
 */
#ifndef PD_CORE_SORTCODE_H
#define PD_CORE_SORTCODE_H

#include <stddef.h>
#include <stdint.h>

/** The one-character abbreviation of province @p code (11 … 82), "" when unknown. Static. */
const char *pd_province_abbr(int code);

/**
 * Write the sort code of district @p district_code named (@p city,
 * @p district) into @p out (n >= 64 is always enough). Trailing 市, 区, 县
 * and 新区 are dropped from the names ("浦东新区" → "浦东"). @return out.
 */
char *pd_sort_code(int32_t district_code, const char *city, const char *district, char *out,
                   size_t n);

#endif
