/* Unit tests of src/core/promise (planned pickup, promised delivery) and
 * src/core/sortcode (the label's 大头笔), with hand-worked times in China
 * time (UTC+8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/promise.h"
#include "core/sortcode.h"
#include "util/timeutil.h"

/* UTC ms of a China-time wall clock. */
static int64_t cst(const char *rfc3339_local)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%s+08:00", rfc3339_local);
    int64_t ms = 0;
    assert_true(pd_time_parse(buf, &ms));
    return ms;
}

static void table_days(void **state)
{
    (void)state;
    assert_int_equal(pd_promise_days(PD_SVC_STANDARD, PD_ZONE_NATIONAL), 3);
    assert_int_equal(pd_promise_days(PD_SVC_EXPRESS, PD_ZONE_SAME_CITY), 1);
    assert_int_equal(pd_promise_days(PD_SVC_FREIGHT, PD_ZONE_REMOTE), 7);
    assert_int_equal(pd_promise_days(PD_SVC_COLD_CHAIN, PD_ZONE_REMOTE), 0);
    assert_int_equal(pd_promise_days(PD_SVC__COUNT, PD_ZONE_REMOTE), 0);
    assert_int_equal(pd_promise_days(PD_SVC_STANDARD, PD_ZONE__COUNT), 0);
}

static void morning_order(void **state)
{
    (void)state;
    struct pd_promise p;
    /* 10:07 + 2 h = 12:07, up to the quarter: 12:15; national standard: 3 days. */
    pd_promise_compute(PD_SVC_STANDARD, PD_ZONE_NATIONAL, cst("2026-11-23T10:07:00"), 0, &p);
    assert_int_equal(p.days, 3);
    assert_int_equal(p.planned_pickup_ms, cst("2026-11-23T12:15:00"));
    assert_int_equal(p.promised_delivery_ms, cst("2026-11-26T18:00:00"));
}

static void evening_order_next_morning(void **state)
{
    (void)state;
    struct pd_promise p;
    /* 17:30 + 2 h = 19:30 > 18:00: 09:00 next day; express same city 1 day. */
    pd_promise_compute(PD_SVC_EXPRESS, PD_ZONE_SAME_CITY, cst("2026-11-23T17:30:00"), 0, &p);
    assert_int_equal(p.planned_pickup_ms, cst("2026-11-24T09:00:00"));
    assert_int_equal(p.promised_delivery_ms, cst("2026-11-25T18:00:00"));
}

static void night_order_this_morning(void **state)
{
    (void)state;
    struct pd_promise p;
    /* 02:00 China time is 18:00 UTC of the previous day: the China date counts. */
    pd_promise_compute(PD_SVC_STANDARD, PD_ZONE_SAME_PROVINCE, cst("2026-11-24T02:00:00"), 0, &p);
    assert_int_equal(p.planned_pickup_ms, cst("2026-11-24T09:00:00"));
    assert_int_equal(p.promised_delivery_ms, cst("2026-11-26T18:00:00"));
}

static void window_wins_when_later(void **state)
{
    (void)state;
    struct pd_promise p;
    int64_t now = cst("2026-12-30T09:00:00");
    pd_promise_compute(PD_SVC_FREIGHT, PD_ZONE_REMOTE, now, cst("2026-12-31T14:00:00"), &p);
    assert_int_equal(p.planned_pickup_ms, cst("2026-12-31T14:00:00"));
    /* Across the year end: 7 days after 31 December. */
    assert_int_equal(p.promised_delivery_ms, cst("2027-01-07T18:00:00"));
    /* A window already begun: the usual two hours. */
    pd_promise_compute(PD_SVC_FREIGHT, PD_ZONE_REMOTE, now, now - 60000, &p);
    assert_int_equal(p.planned_pickup_ms, cst("2026-12-30T11:00:00"));
}

static void not_offered(void **state)
{
    (void)state;
    struct pd_promise p;
    pd_promise_compute(PD_SVC_COLD_CHAIN, PD_ZONE_REMOTE, cst("2026-11-23T10:00:00"), 0, &p);
    assert_int_equal(p.days, 0);
    assert_int_equal(p.promised_delivery_ms, 0);
    assert_true(p.planned_pickup_ms > 0);
}

static void sort_codes(void **state)
{
    (void)state;
    char b[96];
    assert_string_equal(pd_sort_code(440305, "深圳市", "南山区", b, sizeof b),
                        "粤-深圳-南山 440305");
    assert_string_equal(pd_sort_code(310115, "上海市", "浦东新区", b, sizeof b),
                        "沪-上海-浦东 310115");
    /* One-character names keep their suffix. */
    assert_string_equal(pd_sort_code(340523, "马鞍山市", "和县", b, sizeof b),
                        "皖-马鞍山-和县 340523");
    /* Cities without districts (东莞): the city once. */
    assert_string_equal(pd_sort_code(441900, "东莞市", "", b, sizeof b), "粤-东莞 441900");
    assert_string_equal(pd_province_abbr(65), "新");
    assert_string_equal(pd_province_abbr(99), "");
    /* A short buffer truncates, never overflows. */
    char small[8];
    pd_sort_code(440305, "深圳市", "南山区", small, sizeof small);
    assert_true(strlen(small) < sizeof small);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_days),
        cmocka_unit_test(morning_order),
        cmocka_unit_test(evening_order_next_morning),
        cmocka_unit_test(night_order_this_morning),
        cmocka_unit_test(window_wins_when_later),
        cmocka_unit_test(not_offered),
        cmocka_unit_test(sort_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
