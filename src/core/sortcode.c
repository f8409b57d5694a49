/*
 * Sort codes for labels (see sortcode.h). The abbreviations are those of
 * the State Council's list of provincial-level divisions (简称).
 */
#include "core/sortcode.h"

#include <stdio.h>
#include <string.h>

static const struct {
    int code;
    const char *abbr;
} abbrs[] = {
    {11, "京"}, {12, "津"}, {13, "冀"}, {14, "晋"}, {15, "蒙"}, {21, "辽"}, {22, "吉"},
    {23, "黑"}, {31, "沪"}, {32, "苏"}, {33, "浙"}, {34, "皖"}, {35, "闽"}, {36, "赣"},
    {37, "鲁"}, {41, "豫"}, {42, "鄂"}, {43, "湘"}, {44, "粤"}, {45, "桂"}, {46, "琼"},
    {50, "渝"}, {51, "川"}, {52, "黔"}, {53, "滇"}, {54, "藏"}, {61, "陕"}, {62, "甘"},
    {63, "青"}, {64, "宁"}, {65, "新"}, {71, "台"}, {81, "港"}, {82, "澳"},
};

const char *pd_province_abbr(int code)
{
    for (size_t i = 0; i < sizeof abbrs / sizeof abbrs[0]; i++)
        if (abbrs[i].code == code)
            return abbrs[i].abbr;
    return "";
}

/* Length of @p s without one of the suffixes people leave out, keeping at
 * least two characters (a one-character name keeps its suffix: "和县"). */
static size_t short_len(const char *s)
{
    static const char *const suffixes[] = {"新区", "市", "区", "县", NULL};
    size_t n = strlen(s);
    for (int i = 0; suffixes[i]; i++) {
        size_t k = strlen(suffixes[i]);
        if (n > k + 3 && !strcmp(s + n - k, suffixes[i]))
            return n - k;
    }
    return n;
}

char *pd_sort_code(int32_t district_code, const char *city, const char *district, char *out,
                   size_t n)
{
    city = city ? city : "";
    district = district ? district : "";
    int cl = (int)short_len(city), dl = (int)short_len(district);
    const char *abbr = pd_province_abbr(district_code / 10000);
    if (dl > 0 && strcmp(city, district) != 0)
        snprintf(out, n, "%s-%.*s-%.*s %06d", abbr, cl, city, dl, district, (int)district_code);
    else
        snprintf(out, n, "%s-%.*s %06d", abbr, cl, city, (int)district_code);
    return out;
}
