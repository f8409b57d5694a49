/*
 * Unit tests of core/loadplan.c: the trip states and their forward-only
 * rule (invariant 1 of loadplan.h), volume and shares, the capacity check
 * (invariant 3: totals, which item tipped it over and by how much), and the
 * loading order (invariant 4: last stop first, heavy under light, big under
 * small) with the two-lane balance figures worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/loadplan.h"

static void states(void **state)
{
    (void)state;
    enum pd_trip_state s;
    assert_true(pd_trip_state_parse("departed", &s));
    assert_int_equal(s, PD_TRIP_DEPARTED);
    assert_false(pd_trip_state_parse("lost", &s));
    assert_false(pd_trip_state_parse(NULL, &s));
    assert_string_equal(pd_trip_state_names[PD_TRIP_ARRIVED], "arrived");
    assert_null(pd_trip_state_names[PD_TRIP__COUNT]);
    assert_string_equal(pd_trip_state_zh(PD_TRIP_LOADING), "装车中");
    assert_string_equal(pd_trip_state_zh(PD_TRIP__COUNT), "");

    /* forward, skipping allowed; never back, never to itself */
    assert_true(pd_trip_state_step_ok(PD_TRIP_PLANNED, PD_TRIP_LOADING));
    assert_true(pd_trip_state_step_ok(PD_TRIP_PLANNED, PD_TRIP_DEPARTED));
    assert_true(pd_trip_state_step_ok(PD_TRIP_DEPARTED, PD_TRIP_ARRIVED));
    assert_false(pd_trip_state_step_ok(PD_TRIP_LOADING, PD_TRIP_LOADING));
    assert_false(pd_trip_state_step_ok(PD_TRIP_DEPARTED, PD_TRIP_LOADING));
    assert_false(pd_trip_state_step_ok(PD_TRIP_ARRIVED, PD_TRIP__COUNT));

    /* invariant 1: the plan changes only before departure */
    assert_true(pd_trip_state_plan_open(PD_TRIP_PLANNED));
    assert_true(pd_trip_state_plan_open(PD_TRIP_LOADING));
    assert_false(pd_trip_state_plan_open(PD_TRIP_DEPARTED));
    assert_false(pd_trip_state_plan_open(PD_TRIP_ARRIVED));
}

static void volume_and_share(void **state)
{
    (void)state;
    assert_int_equal(pd_loadplan_volume_cm3(300, 200, 100), 6000);
    assert_int_equal(pd_loadplan_volume_cm3(11, 11, 11), 2); /* 1.331 cm³ rounds up */
    assert_int_equal(pd_loadplan_volume_cm3(20000, 20000, 20000), 8000000000LL);
    assert_int_equal(pd_loadplan_volume_cm3(300, 0, 100), 0);
    assert_int_equal(pd_loadplan_volume_cm3(-1, 10, 10), 0);
    assert_int_equal(pd_loadplan_share(1000, 3), 334);
    assert_int_equal(pd_loadplan_share(900, 3), 300);
    assert_int_equal(pd_loadplan_share(700, 1), 700);
    assert_int_equal(pd_loadplan_share(700, 0), 700);
}

static void capacity_check(void **state)
{
    (void)state;
    const struct pd_lp_item add[] = {
        {"A", 0, 4000, 100},
        {"B", 0, 3000, 900},
        {"C", 1, 2000, 50},
    };
    struct pd_lp_check c;
    /* 5,000 g planned already; capacity 12,000 g and 2,000 cm³: all fits */
    assert_true(pd_loadplan_check(5000, 500, add, 3, 14000, 2000, &c));
    assert_int_equal(c.weight_g, 14000);
    assert_int_equal(c.volume_cm3, 1550);
    assert_int_equal(c.over_weight_g, 0);
    assert_int_equal(c.over_volume_cm3, 0);
    assert_int_equal(c.weight_item, -1);
    assert_int_equal(c.volume_item, -1);

    /* capacity 10,000 g: B takes it to 12,000 (item 1), C to 14,000, 4,000 over */
    assert_true(pd_loadplan_check(5000, 500, add, 3, 10000, 2000, &c));
    assert_int_equal(c.weight_item, 1);
    assert_int_equal(c.over_weight_g, 4000);
    assert_int_equal(c.volume_item, -1);

    /* volume 1,400 cm³: B takes it to 1,500 (item 1), 150 over at the end */
    assert_true(pd_loadplan_check(5000, 500, add, 3, 100000, 1400, &c));
    assert_int_equal(c.volume_item, 1);
    assert_int_equal(c.over_volume_cm3, 150);
    assert_int_equal(c.weight_item, -1);

    /* the base alone is over: the first item is the one named */
    assert_true(pd_loadplan_check(20000, 0, add, 1, 10000, 2000, &c));
    assert_int_equal(c.weight_item, 0);
    assert_int_equal(c.over_weight_g, 14000);

    /* exactly full is not over */
    assert_true(pd_loadplan_check(0, 0, add, 1, 4000, 100, &c));
    assert_int_equal(c.weight_item, -1);
    assert_int_equal(c.volume_item, -1);

    const struct pd_lp_item neg[] = {{"X", 0, -1, 0}};
    assert_false(pd_loadplan_check(0, 0, neg, 1, 10, 10, &c));
    assert_false(pd_loadplan_check(0, 0, NULL, 1, 10, 10, &c));
    assert_false(pd_loadplan_check(-5, 0, add, 1, 10, 10, &c));
    assert_true(pd_loadplan_check(0, 0, NULL, 0, 10, 10, &c));
}

/* Invariant 4: later stops first; heavy before light; big before small;
 * equal items by id. */
static void loading_order(void **state)
{
    (void)state;
    const struct pd_lp_item items[] = {
        {"W-light-stop0", 0, 1000, 10}, /* 0 */
        {"W-heavy-stop0", 0, 9000, 10}, /* 1 */
        {"W-stop2", 2, 500, 10},        /* 2 */
        {"W-small-stop1", 1, 3000, 10}, /* 3 */
        {"W-big-stop1", 1, 3000, 400},  /* 4 */
        {"B-same-b", 1, 100, 10},       /* 5 */
        {"B-same-a", 1, 100, 10},       /* 6 */
    };
    struct pd_lp_slot out[7];
    struct pd_lp_balance bal;
    assert_true(pd_loadplan_order(items, 7, 100000, 10000, out, &bal));
    const int want[] = {2, 4, 3, 6, 5, 1, 0};
    for (int i = 0; i < 7; i++) {
        assert_int_equal(out[i].item, want[i]);
        assert_int_equal(out[i].seq, i + 1);
        assert_ptr_equal(out[i].id, items[want[i]].id);
        assert_int_equal(out[i].stop, items[want[i]].stop);
        assert_int_equal(out[i].weight_g, items[want[i]].weight_g);
    }
    /* the first stop's items are loaded last: nearest the doors */
    for (int i = 1; i < 7; i++)
        assert_true(out[i - 1].stop >= out[i].stop);
}

/* The two-lane model by hand: capacity 1,000 cm³, so each lane is 500 cm³ long. */
static void balance(void **state)
{
    (void)state;
    const struct pd_lp_item items[] = {
        {"A", 0, 600, 200}, /* first: left, centre 100/500 → 200 ‰ */
        {"B", 0, 500, 200}, /* right (lighter lane), centre 200 ‰ */
        {"C", 0, 100, 300}, /* right (500 < 600), centre (200 + 150)/500 → 700 ‰ */
        {"D", 0, 50, 0},    /* left and right both 600: left by volume (200 < 500), at 400 ‰ */
    };
    struct pd_lp_slot out[4];
    struct pd_lp_balance bal;
    assert_true(pd_loadplan_order(items, 4, 2500, 1000, out, &bal));
    const struct {
        int item;
        enum pd_lp_side side;
        int pos;
    } want[] = {
        {0, PD_LP_LEFT, 200}, {1, PD_LP_RIGHT, 200}, {2, PD_LP_RIGHT, 700}, {3, PD_LP_LEFT, 400}};
    for (int i = 0; i < 4; i++) {
        assert_int_equal(out[i].item, want[i].item);
        assert_int_equal(out[i].side, want[i].side);
        assert_int_equal(out[i].position_pm, want[i].pos);
    }
    assert_int_equal(bal.weight_g, 1250);
    assert_int_equal(bal.volume_cm3, 700);
    assert_int_equal(bal.left_g, 650);
    assert_int_equal(bal.right_g, 600);
    assert_int_equal(bal.lateral_pm, 40); /* 50 / 1250 */
    assert_int_equal(bal.front_g, 1150);  /* A, B, D */
    assert_int_equal(bal.rear_g, 100);    /* C */
    /* (600·200 + 500·200 + 100·700 + 50·400) / 1250 = 248 */
    assert_int_equal(bal.centre_pm, 248);
    assert_int_equal(bal.fill_weight_pm, 500);
    assert_int_equal(bal.fill_volume_pm, 700);

    /* two equal items balance exactly */
    const struct pd_lp_item two[] = {{"X", 0, 800, 100}, {"Y", 0, 800, 100}};
    assert_true(pd_loadplan_order(two, 2, 2000, 1000, out, &bal));
    assert_int_equal(out[0].side, PD_LP_LEFT);
    assert_int_equal(out[1].side, PD_LP_RIGHT);
    assert_int_equal(bal.lateral_pm, 0);

    /* one bulky item longer than its lane stops at the doors */
    const struct pd_lp_item bulky[] = {{"Z", 0, 10, 900}};
    assert_true(pd_loadplan_order(bulky, 1, 2000, 1000, out, &bal));
    assert_int_equal(out[0].position_pm, 900);
    const struct pd_lp_item huge[] = {{"Z", 0, 10, 5000}};
    assert_true(pd_loadplan_order(huge, 1, 2000, 1000, out, &bal));
    assert_int_equal(out[0].position_pm, 1000);
    assert_int_equal(bal.fill_volume_pm, 5000);
}

static void empty_and_bad(void **state)
{
    (void)state;
    struct pd_lp_balance bal;
    struct pd_lp_slot out[1];
    assert_true(pd_loadplan_order(NULL, 0, 100, 100, NULL, &bal));
    assert_int_equal(bal.weight_g, 0);
    assert_int_equal(bal.lateral_pm, 0);
    assert_int_equal(bal.centre_pm, 0);
    const struct pd_lp_item one[] = {{"A", 0, 1, 1}};
    assert_false(pd_loadplan_order(one, 1, 0, 100, out, &bal));
    assert_false(pd_loadplan_order(one, 1, 100, 0, out, &bal));
    assert_false(pd_loadplan_order(one, 1, 100, 100, NULL, &bal));
    assert_false(pd_loadplan_order(one, -1, 100, 100, out, &bal));
    const struct pd_lp_item bad_stop[] = {{"A", -1, 1, 1}};
    assert_false(pd_loadplan_order(bad_stop, 1, 100, 100, out, &bal));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(states),         cmocka_unit_test(volume_and_share),
        cmocka_unit_test(capacity_check), cmocka_unit_test(loading_order),
        cmocka_unit_test(balance),        cmocka_unit_test(empty_and_bad),
    };
    return cmocka_run_group_tests_name("core/loadplan.c", tests, NULL, NULL);
}
