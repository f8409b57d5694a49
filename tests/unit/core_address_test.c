/* Unit tests of src/core/divisions.c and address.c: the generated GB/T 2260
 * tables and division names as people write them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/address.h"
#include "core/divisions.h"

/* Resolve and return the district code (0 on error), recording error and part. */
static pd_err last_err;
static const char *last_part;
static struct pd_division_ref last;

static uint32_t R(const char *p, const char *c, const char *d, const char *code)
{
    last_part = "unset";
    last_err = pd_address_resolve(p, c, d, code, &last, &last_part);
    if (last_err == PD_OK) {
        assert_null(last_part);
        return last.district_code;
    }
    assert_int_equal(last.district_code, 0);
    assert_null(last.province_name);
    return 0;
}

static void expect_err(pd_err e, const char *part)
{
    assert_int_equal(last_err, e);
    assert_string_equal(last_part, part);
}

static void tables(void **state)
{
    (void)state;
    size_t n;
    const struct pd_division *p = pd_division_table(PD_DIVISION_PROVINCE, &n);
    assert_int_equal(n, 31); /* mainland only: no HK/MO/TW codes in the package */
    for (size_t i = 1; i < n; i++)
        assert_true(p[i - 1].code < p[i].code);
    const struct pd_division *a = pd_division_table(PD_DIVISION_DISTRICT, &n);
    assert_true(n > 2800);
    for (size_t i = 1; i < n; i++) {
        assert_true(a[i - 1].code < a[i].code);
        assert_int_equal(a[i].parent, a[i].code / 100);
    }
    assert_string_equal(pd_division_find(440305)->name, "南山区");
    assert_string_equal(pd_division_find(4403)->name, "深圳市");
    assert_string_equal(pd_division_find(44)->name, "广东省");
    assert_null(pd_division_find(440399));
    assert_null(pd_division_find(7));
    assert_null(pd_division_find(1234567));
    const struct pd_division *c = pd_division_children(50, &n);
    assert_int_equal(n, 2); /* 重庆: 市辖区 and 县 */
    assert_string_equal(c[0].name, "市辖区");
    assert_string_equal(c[1].name, "县");
    c = pd_division_children(4403, &n);
    assert_true(n >= 9);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(c[i].parent, 4403);
    assert_null(pd_division_children(440305, &n));
    assert_int_equal(n, 0);
    assert_int_equal(pd_division_level_of(11), PD_DIVISION_PROVINCE);
    assert_int_equal(pd_division_level_of(123), 0);
}

static void full_and_short_names(void **state)
{
    (void)state;
    assert_int_equal(R("广东省", "深圳市", "南山区", NULL), 440305);
    assert_int_equal(last.province_code, 44);
    assert_int_equal(last.city_code, 4403);
    assert_string_equal(last.province_name, "广东省");
    assert_string_equal(last.city_name, "深圳市");
    assert_string_equal(last.city_display, "深圳市");
    assert_string_equal(last.district_name, "南山区");
    assert_int_equal(R("广东", "深圳", "南山", NULL), 440305);
    assert_int_equal(R("广东", "深圳市", "南山区", NULL), 440305);
    assert_int_equal(R("湖北", "武汉", "武昌", NULL), 420106);
    /* one character is not a short form */
    assert_int_equal(R("广东", "深", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "city");
}

static void municipalities(void **state)
{
    (void)state;
    assert_int_equal(R("上海市", "上海市", "浦东新区", NULL), 310115);
    assert_int_equal(last.city_code, 3101);
    assert_string_equal(last.city_name, "市辖区");
    assert_string_equal(last.city_display, "上海市");
    assert_int_equal(R("上海", "上海", "浦东", NULL), 310115);
    assert_int_equal(R("上海市", "市辖区", "浦东新区", NULL), 310115);
    assert_int_equal(R("上海市", NULL, "浦东新区", NULL), 310115); /* city may be left out */
    assert_int_equal(R("北京市", "北京", "东城区", NULL), 110101);
    assert_int_equal(R("天津", "天津市", "和平区", NULL), 120101);
    /* 重庆: districts under 市辖区, counties under 县, both written under 重庆市 */
    assert_int_equal(R("重庆市", "重庆市", "渝中区", NULL), 500103);
    assert_int_equal(last.city_code, 5001);
    assert_int_equal(R("重庆市", "重庆市", "城口县", NULL), 500229);
    assert_int_equal(last.city_code, 5002);
    assert_string_equal(last.city_display, "重庆市");
    assert_int_equal(R("重庆", "县", "城口县", NULL), 500229);
    assert_int_equal(R("重庆", "市辖区", "城口县", NULL), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "district");
    /* another municipality as the city */
    assert_int_equal(R("上海市", "北京市", "东城区", NULL), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "city");
}

static void autonomous_regions(void **state)
{
    (void)state;
    assert_int_equal(R("新疆", "乌鲁木齐", "天山区", NULL), 650102);
    assert_string_equal(last.province_name, "新疆维吾尔自治区");
    assert_int_equal(R("广西", "南宁市", "青秀区", NULL), 450103);
    assert_int_equal(R("内蒙古", "呼和浩特", "新城区", NULL), 150102);
    assert_int_equal(R("宁夏", "银川", "兴庆区", NULL), 640104);
    assert_int_equal(R("西藏", "拉萨市", "城关区", NULL), 540102);
    assert_int_equal(R("广西壮族自治区", "桂林", "秀峰区", NULL), 450302);
    /* autonomous prefecture by its short form */
    assert_int_equal(R("吉林省", "延边", "延吉市", NULL), 222401);
    /* county-level city directly under a province */
    assert_int_equal(R("湖北省", "仙桃市", NULL, NULL), 429004);
    assert_string_equal(last.city_display, "仙桃市");
    assert_int_equal(R("湖北", "仙桃", "仙桃市", NULL), 429004);
}

static void ambiguous_short_district(void **state)
{
    (void)state;
    /* 和田地区 has both 和田市 and 和田县 */
    assert_int_equal(R("新疆", "和田地区", "和田", NULL), 0);
    expect_err(PD_E_ADDRESS_AMBIGUOUS, "district");
    assert_int_equal(R("新疆", "和田地区", "和田县", NULL), 653221);
    assert_int_equal(R("新疆", "和田", "和田市", NULL), 653201);
    assert_int_equal(R("甘肃", "临夏", "临夏", NULL), 0);
    expect_err(PD_E_ADDRESS_AMBIGUOUS, "district");
}

static void district_code(void **state)
{
    (void)state;
    assert_int_equal(R(NULL, NULL, NULL, "440305"), 440305);
    assert_string_equal(last.province_name, "广东省");
    assert_string_equal(last.city_name, "深圳市");
    assert_int_equal(R("", "", "", " 310115 "), 310115);
    assert_string_equal(last.city_display, "上海市");
    /* names that agree with the code */
    assert_int_equal(R("广东", "深圳", "南山区", "440305"), 440305);
    assert_int_equal(R("上海市", "上海市", "浦东新区", "310115"), 310115);
    /* names that contradict it */
    assert_int_equal(R("湖南省", NULL, NULL, "440305"), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "province");
    assert_int_equal(R("广东省", "广州市", NULL, "440305"), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "city");
    assert_int_equal(R("广东省", "深圳市", "福田区", "440305"), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "district");
    /* malformed or unknown codes */
    assert_int_equal(R(NULL, NULL, NULL, "44030"), 0);
    expect_err(PD_E_ADDRESS_CODE_INVALID, "district_code");
    assert_int_equal(R(NULL, NULL, NULL, "44030a"), 0);
    expect_err(PD_E_ADDRESS_CODE_INVALID, "district_code");
    assert_int_equal(R(NULL, NULL, NULL, "440399"), 0);
    expect_err(PD_E_ADDRESS_CODE_INVALID, "district_code");
    assert_int_equal(R(NULL, NULL, NULL, "440300"), 0); /* a city, not a district */
    expect_err(PD_E_ADDRESS_CODE_INVALID, "district_code");
}

static void inconsistent_and_garbage(void **state)
{
    (void)state;
    assert_int_equal(R("湖南省", "深圳市", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "city");
    assert_int_equal(R("湖南", "深圳", "南山", NULL), 0);
    expect_err(PD_E_ADDRESS_MISMATCH, "city");
    assert_int_equal(R("广东省", "深圳市", "天河区", NULL), 0); /* 天河区 is in 广州 */
    expect_err(PD_E_ADDRESS_MISMATCH, "district");
    assert_int_equal(R("火星省", "深圳市", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "province");
    assert_int_equal(R("广东省", "xyz", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "city");
    assert_int_equal(R("广东省", "深圳市", "不存在区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "district");
    assert_int_equal(R("省", "深圳市", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "province");
    assert_int_equal(R("广东省\xff", "深圳市", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "province");
}

static void empty_and_missing(void **state)
{
    (void)state;
    assert_int_equal(R(NULL, NULL, NULL, NULL), 0);
    expect_err(PD_E_ADDRESS_INCOMPLETE, "province");
    assert_int_equal(R("", "深圳市", "南山区", ""), 0);
    expect_err(PD_E_ADDRESS_INCOMPLETE, "province");
    assert_int_equal(R("广东省", "  ", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_INCOMPLETE, "city");
    assert_int_equal(R("广东省", "深圳市", "", NULL), 0);
    expect_err(PD_E_ADDRESS_INCOMPLETE, "district");
    assert_int_equal(R("上海市", "上海市", NULL, NULL), 0);
    expect_err(PD_E_ADDRESS_INCOMPLETE, "district");
    /* bad_part may be NULL */
    struct pd_division_ref ref;
    assert_int_equal(pd_address_resolve(NULL, NULL, NULL, NULL, &ref, NULL),
                     PD_E_ADDRESS_INCOMPLETE);
}

static void spaces_trimmed(void **state)
{
    (void)state;
    assert_int_equal(R("  广东省 ", "\t深圳市\n", " 南山区", NULL), 440305);
    /* U+3000 ideographic (full-width) space and U+00A0 */
    assert_int_equal(R("\u3000广东省\u3000", "\u3000\u3000深圳", "南山区\u00a0", NULL), 440305);
    /* a space inside a name is not trimmed away */
    assert_int_equal(R("广东 省", "深圳市", "南山区", NULL), 0);
    expect_err(PD_E_ADDRESS_UNKNOWN, "province");
}

static void name_match(void **state)
{
    (void)state;
    assert_int_equal(pd_address_name_match("深圳市", "深圳市"), 2);
    assert_int_equal(pd_address_name_match("深圳", "深圳市"), 1);
    assert_int_equal(pd_address_name_match("广西", "广西壮族自治区"), 1);
    assert_int_equal(pd_address_name_match("新疆", "新疆维吾尔自治区"), 1);
    assert_int_equal(pd_address_name_match("黔西南", "黔西南布依族苗族自治州"), 1);
    /* not a suffix: 南布依族 is no ethnic name */
    assert_int_equal(pd_address_name_match("黔西", "黔西南布依族苗族自治州"), 0);
    assert_int_equal(pd_address_name_match("广", "广东省"), 0);
    assert_int_equal(pd_address_name_match("广东省份", "广东省"), 0);
    assert_int_equal(pd_address_name_match(NULL, "广东省"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables),
        cmocka_unit_test(full_and_short_names),
        cmocka_unit_test(municipalities),
        cmocka_unit_test(autonomous_regions),
        cmocka_unit_test(ambiguous_short_district),
        cmocka_unit_test(district_code),
        cmocka_unit_test(inconsistent_and_garbage),
        cmocka_unit_test(empty_and_missing),
        cmocka_unit_test(spaces_trimmed),
        cmocka_unit_test(name_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
