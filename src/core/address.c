/*
 * Matching division names as people write them against the generated GB/T
 * 2260 tables (see address.h for what is accepted). The rules live here and
 * not in the data: a short form is the full name less a generic suffix (省,
 * 市, 区, 县, 自治州 with its ethnic names, ...), at least two characters, and
 * it counts only when exactly one division in scope fits; a full-name match
 * always wins over short forms. Nothing is allocated: inputs are handled as
 * trimmed (pointer, length) slices.
 */
#include "core/address.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/divisions.h"
#include "util/utf8.h"

struct slice {
    const char *p;
    size_t n;
};

/* Byte length of a space character at s (ASCII blank, U+3000, U+00A0), else 0. */
static size_t space_at(const char *s, size_t n)
{
    if (n >= 1 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n'))
        return 1;
    if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0)
        return 3;
    if (n >= 2 && memcmp(s, "\xC2\xA0", 2) == 0)
        return 2;
    return 0;
}

static size_t space_before(const char *s, size_t n)
{
    if (n >= 1 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        return 1;
    if (n >= 3 && memcmp(s + n - 3, "\xE3\x80\x80", 3) == 0)
        return 3;
    if (n >= 2 && memcmp(s + n - 2, "\xC2\xA0", 2) == 0)
        return 2;
    return 0;
}

static struct slice trim(const char *s)
{
    struct slice r = {s, s ? strlen(s) : 0};
    size_t k;
    while ((k = space_at(r.p, r.n)) > 0) {
        r.p += k;
        r.n -= k;
    }
    while ((k = space_before(r.p, r.n)) > 0)
        r.n -= k;
    return r;
}

static bool starts_with(const char *s, const char *prefix, size_t *len)
{
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0)
        return false;
    *len = n;
    return true;
}

/* Ethnic names that appear in autonomous regions', prefectures' and
 * counties' names; a short form drops them together with 自治区/州/县/旗. */
static const char *const ethnic[] = {
    "壮族",       "回族",     "维吾尔", "朝鲜族", "土家族", "苗族",     "藏族",
    "羌族",       "彝族",     "布依族", "侗族",   "哈尼族", "傣族",     "景颇族",
    "白族",       "傈僳族",   "蒙古族", "蒙古",   "哈萨克", "哈萨克族", "柯尔克孜",
    "柯尔克孜族", "满族",     "瑶族",   "黎族",   "土族",   "撒拉族",   "东乡族",
    "保安族",     "裕固族",   "纳西族", "普米族", "独龙族", "怒族",     "拉祜族",
    "佤族",       "布朗族",   "仡佬族", "水族",   "畲族",   "毛南族",   "仫佬族",
    "达斡尔族",   "鄂温克族", "鄂伦春", "锡伯",   "塔吉克", "京族",     "各族",
};

static const char *const autonomy[] = {"自治区", "自治州", "自治县", "自治旗"};

static const char *const plain_suffix[] = {"省", "市",   "区",   "县",   "地区", "盟",
                                           "旗", "新区", "林区", "特区", "矿区"};

/* Whether rest (what a short form leaves out) is a generic suffix. */
static bool is_suffix(const char *rest)
{
    for (size_t i = 0; i < sizeof plain_suffix / sizeof *plain_suffix; i++)
        if (strcmp(rest, plain_suffix[i]) == 0)
            return true;
    /* (ethnic name)* 自治X: parse greedily, longest ethnic name first. */
    for (;;) {
        for (size_t i = 0; i < sizeof autonomy / sizeof *autonomy; i++)
            if (strcmp(rest, autonomy[i]) == 0)
                return true;
        size_t best = 0, len;
        for (size_t i = 0; i < sizeof ethnic / sizeof *ethnic; i++)
            if (starts_with(rest, ethnic[i], &len) && len > best)
                best = len;
        if (best == 0)
            return false;
        rest += best;
    }
}

static int match_slice(struct slice in, const char *name)
{
    size_t nl = strlen(name);
    if (in.n == 0 || in.n > nl || memcmp(in.p, name, in.n) != 0)
        return 0;
    if (in.n == nl)
        return 2;
    if (pd_utf8_chars(in.p, in.n) < 2)
        return 0;
    return is_suffix(name + in.n) ? 1 : 0;
}

int pd_address_name_match(const char *input, const char *division_name)
{
    if (!input || !division_name)
        return 0;
    struct slice in = {input, strlen(input)};
    return match_slice(in, division_name);
}

/* The best match for a name among several runs of a table: a unique full
 * name, else a unique short form. */
struct pick {
    const struct pd_division *hit;
    int exact, shortn;
    const struct pd_division *first_exact, *first_short;
};

static void pick_scan(struct pick *pk, struct slice in, const struct pd_division *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int m = match_slice(in, t[i].name);
        if (m == 2 && pk->exact++ == 0)
            pk->first_exact = &t[i];
        else if (m == 1 && pk->shortn++ == 0)
            pk->first_short = &t[i];
    }
}

/* @return PD_OK with pk->hit set, PD_E_ADDRESS_AMBIGUOUS, or PD_OK with hit NULL. */
static pd_err pick_done(struct pick *pk)
{
    pk->hit = NULL;
    if (pk->exact == 1)
        pk->hit = pk->first_exact;
    else if (pk->exact > 1)
        return PD_E_ADDRESS_AMBIGUOUS;
    else if (pk->shortn == 1)
        pk->hit = pk->first_short;
    else if (pk->shortn > 1)
        return PD_E_ADDRESS_AMBIGUOUS;
    return PD_OK;
}

/* Whether a name fits any division of a level anywhere: tells a name in the
 * wrong place (mismatch) from a name that does not exist (unknown). */
static bool known_anywhere(struct slice in, enum pd_division_level level)
{
    size_t n;
    const struct pd_division *t = pd_division_table(level, &n);
    for (size_t i = 0; i < n; i++)
        if (match_slice(in, t[i].name))
            return true;
    return false;
}

static bool is_municipality(uint32_t province)
{
    return province == 11 || province == 12 || province == 31 || province == 50;
}

/* 省直辖县级行政区划 and 自治区直辖县级行政区划 use city codes ending in 90. */
static bool is_direct_counties(uint32_t city)
{
    return city % 100u == 90u;
}

static pd_err fail(pd_err e, const char *part, struct pd_division_ref *out, const char **bad)
{
    memset(out, 0, sizeof *out);
    if (bad)
        *bad = part;
    return e;
}

static void fill(struct pd_division_ref *out, const struct pd_division *area)
{
    const struct pd_division *c = pd_division_find(area->parent);
    const struct pd_division *p = pd_division_find(c->parent);
    out->province_code = p->code;
    out->city_code = c->code;
    out->district_code = area->code;
    out->province_name = p->name;
    out->city_name = c->name;
    out->district_name = area->name;
    if (is_municipality(p->code))
        out->city_display = p->name;
    else if (is_direct_counties(c->code))
        out->city_display = area->name;
    else
        out->city_display = c->name;
}

/* A city as written fits the city of an already-known district. */
static bool city_fits(struct slice in, const struct pd_division *p, const struct pd_division *c,
                      const struct pd_division *area)
{
    if (is_municipality(p->code))
        return match_slice(in, p->name) || match_slice(in, c->name) == 2;
    if (is_direct_counties(c->code))
        return match_slice(in, c->name) == 2 || match_slice(in, area->name);
    return match_slice(in, c->name) != 0;
}

static pd_err resolve_code(struct slice code, struct slice prov, struct slice city,
                           struct slice dist, struct pd_division_ref *out, const char **bad)
{
    uint32_t v = 0;
    if (code.n != 6)
        return fail(PD_E_ADDRESS_CODE_INVALID, "district_code", out, bad);
    for (size_t i = 0; i < 6; i++) {
        if (code.p[i] < '0' || code.p[i] > '9')
            return fail(PD_E_ADDRESS_CODE_INVALID, "district_code", out, bad);
        v = v * 10u + (uint32_t)(code.p[i] - '0');
    }
    const struct pd_division *area = pd_division_find(v);
    if (!area)
        return fail(PD_E_ADDRESS_CODE_INVALID, "district_code", out, bad);
    const struct pd_division *c = pd_division_find(area->parent);
    const struct pd_division *p = pd_division_find(c->parent);
    if (prov.n && !match_slice(prov, p->name))
        return fail(PD_E_ADDRESS_MISMATCH, "province", out, bad);
    if (city.n && !city_fits(city, p, c, area))
        return fail(PD_E_ADDRESS_MISMATCH, "city", out, bad);
    if (dist.n && !match_slice(dist, area->name))
        return fail(PD_E_ADDRESS_MISMATCH, "district", out, bad);
    fill(out, area);
    if (bad)
        *bad = NULL;
    return PD_OK;
}

pd_err pd_address_resolve(const char *province, const char *city, const char *district,
                          const char *district_code, struct pd_division_ref *out,
                          const char **bad_part)
{
    struct slice prov = trim(province), cty = trim(city), dist = trim(district);
    struct slice code = trim(district_code);
    if (code.n)
        return resolve_code(code, prov, cty, dist, out, bad_part);
    if (!prov.n)
        return fail(PD_E_ADDRESS_INCOMPLETE, "province", out, bad_part);

    size_t n;
    const struct pd_division *t = pd_division_table(PD_DIVISION_PROVINCE, &n);
    struct pick pk = {0};
    pick_scan(&pk, prov, t, n);
    if (pick_done(&pk) != PD_OK)
        return fail(PD_E_ADDRESS_AMBIGUOUS, "province", out, bad_part);
    if (!pk.hit)
        return fail(PD_E_ADDRESS_UNKNOWN, "province", out, bad_part);
    const struct pd_division *p = pk.hit;

    /* The cities (runs of districts) the district is looked for in. */
    size_t ncities;
    const struct pd_division *cities = pd_division_children(p->code, &ncities);
    const struct pd_division *scope = cities;
    size_t nscope = ncities;
    const struct pd_division *direct = NULL; /* a county-level city given as the city */

    if (is_municipality(p->code)) {
        if (cty.n && !match_slice(cty, p->name)) {
            /* "市辖区" or "县" as in the data narrows to that part. */
            struct pick cp = {0};
            pick_scan(&cp, cty, cities, ncities);
            if (cp.exact != 1)
                return fail(known_anywhere(cty, PD_DIVISION_CITY) ||
                                    known_anywhere(cty, PD_DIVISION_PROVINCE)
                                ? PD_E_ADDRESS_MISMATCH
                                : PD_E_ADDRESS_UNKNOWN,
                            "city", out, bad_part);
            scope = cp.first_exact;
            nscope = 1;
        }
    } else {
        if (!cty.n)
            return fail(PD_E_ADDRESS_INCOMPLETE, "city", out, bad_part);
        struct pick cp = {0};
        pick_scan(&cp, cty, cities, ncities);
        if (pick_done(&cp) != PD_OK)
            return fail(PD_E_ADDRESS_AMBIGUOUS, "city", out, bad_part);
        if (cp.hit) {
            scope = cp.hit;
            nscope = 1;
        } else {
            /* 仙桃市 under 湖北省: a district of the province's 90 pseudo-city. */
            struct pick dp = {0};
            for (size_t i = 0; i < ncities; i++) {
                if (!is_direct_counties(cities[i].code))
                    continue;
                size_t na;
                const struct pd_division *a = pd_division_children(cities[i].code, &na);
                pick_scan(&dp, cty, a, na);
            }
            if (pick_done(&dp) != PD_OK)
                return fail(PD_E_ADDRESS_AMBIGUOUS, "city", out, bad_part);
            if (!dp.hit)
                return fail(known_anywhere(cty, PD_DIVISION_CITY) ||
                                    known_anywhere(cty, PD_DIVISION_DISTRICT)
                                ? PD_E_ADDRESS_MISMATCH
                                : PD_E_ADDRESS_UNKNOWN,
                            "city", out, bad_part);
            direct = dp.hit;
        }
    }

    if (direct) {
        if (dist.n && !match_slice(dist, direct->name))
            return fail(PD_E_ADDRESS_MISMATCH, "district", out, bad_part);
        fill(out, direct);
        if (bad_part)
            *bad_part = NULL;
        return PD_OK;
    }
    if (!dist.n)
        return fail(PD_E_ADDRESS_INCOMPLETE, "district", out, bad_part);
    struct pick dp = {0};
    for (size_t i = 0; i < nscope; i++) {
        size_t na;
        const struct pd_division *a = pd_division_children(scope[i].code, &na);
        pick_scan(&dp, dist, a, na);
    }
    if (pick_done(&dp) != PD_OK)
        return fail(PD_E_ADDRESS_AMBIGUOUS, "district", out, bad_part);
    if (!dp.hit)
        return fail(known_anywhere(dist, PD_DIVISION_DISTRICT) ? PD_E_ADDRESS_MISMATCH
                                                               : PD_E_ADDRESS_UNKNOWN,
                    "district", out, bad_part);
    fill(out, dp.hit);
    if (bad_part)
        *bad_part = NULL;
    return PD_OK;
}
