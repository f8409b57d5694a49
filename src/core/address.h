/*
 * Resolution of a postal address's division parts, written the way people
 * write them, to GB/T 2260 codes: full names ("广东省"/"深圳市"/"南山区"),
 * short forms ("广东"/"深圳"/"南山", a short district name only when it is
 * unambiguous within its city), municipalities written as themselves
 * ("上海市"/"上海市"/"浦东新区" while the data lists 市辖区; 重庆's 市辖区 and
 * 县 both sit under "重庆市"), autonomous regions' short forms ("新疆",
 * "广西", "内蒙古", "宁夏", "西藏"), county-level cities administered
 * directly by a province ("湖北省"/"仙桃市"), or a six-digit district code.
 * Pure: no allocation, no I/O, thread-safe.
 */
#ifndef PD_CORE_ADDRESS_H
#define PD_CORE_ADDRESS_H

#include <stdint.h>

#include "core/errors.h"

/**
 * A resolved address. Codes are GB/T 2260 numbers (province 2 digits, city 4,
 * district 6). Name pointers point into the static division tables (never
 * freed, never NULL after a successful resolve).
 */
struct pd_division_ref {
    uint32_t province_code;
    uint32_t city_code;
    uint32_t district_code;
    const char *province_name; /* GB/T 2260 name, e.g. "上海市" */
    const char *city_name;     /* GB/T 2260 name, e.g. "市辖区" */
    const char *district_name; /* GB/T 2260 name, e.g. "浦东新区" */
    /* The city as people write it on a label: the municipality for 市辖区/县,
     * the county-level city itself for 省直辖县级行政区划, else city_name. */
    const char *city_display;
};

/**
 * Resolve province/city/district names and/or a district code.
 *
 * Each input may be NULL; surrounding spaces (ASCII, U+3000 full-width,
 * U+00A0) are ignored and a part that is empty after trimming counts as
 * absent. Either district_code or the names (province, city, district) must be
 * given; the city may be left out for a municipality, and the district for a
 * county-level city directly under its province. When both a code and names
 * are given, every name must agree with the code.
 *
 * @param[out] out      filled on success, zeroed on failure; not NULL.
 * @param[out] bad_part on failure the part at fault: "province", "city",
 *                      "district" or "district_code" (static string); NULL on
 *                      success. May be NULL if the caller does not care.
 * @return PD_OK;
 *         PD_E_ADDRESS_INCOMPLETE (a required part is missing);
 *         PD_E_ADDRESS_CODE_INVALID (district_code is not six digits or not a
 *         GB/T 2260 district);
 *         PD_E_ADDRESS_UNKNOWN (no division has that name);
 *         PD_E_ADDRESS_AMBIGUOUS (a short form fits several divisions);
 *         PD_E_ADDRESS_MISMATCH (the name exists, but not under the given
 *         province/city, or it contradicts district_code).
 */
pd_err pd_address_resolve(const char *province, const char *city, const char *district,
                          const char *district_code, struct pd_division_ref *out,
                          const char **bad_part);

/**
 * Whether @p input (NUL-terminated, not trimmed) names @p division_name in
 * full or by an accepted short form ("深圳" for "深圳市", "广西" for
 * "广西壮族自治区", at least two characters).
 * @return 2 for the full name, 1 for a short form, 0 otherwise.
 */
int pd_address_name_match(const char *input, const char *division_name);

#endif
