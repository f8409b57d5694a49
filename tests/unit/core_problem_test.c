/*
 * Unit tests of core/problem.c and core/receipt.c: the per-service shares of
 * the quiet limit, the totally-delayed rule of DOMAIN.md §8 (same city 3
 * days, elsewhere 7, strictly after), the job's device sequence, and the
 * receipt's one-step-at-a-time rule; the vocabularies of problem.def
 * (every DOMAIN.md §6 type, scan reasons, actions and what they carry).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/problem.h"
#include "core/receipt.h"

#define HOUR 3600000LL

static void quiet_limits(void **state)
{
    (void)state;
    const int64_t base = 48 * HOUR;
    assert_int_equal(pd_problem_quiet_limit_ms("standard", base), 48 * HOUR);
    assert_int_equal(pd_problem_quiet_limit_ms("express", base), 24 * HOUR);
    assert_int_equal(pd_problem_quiet_limit_ms("cold_chain", base), 12 * HOUR);
    assert_int_equal(pd_problem_quiet_limit_ms("freight", base), 72 * HOUR);
    assert_int_equal(pd_problem_quiet_limit_ms("", base), base);
    assert_int_equal(pd_problem_quiet_limit_ms(NULL, base), base);
    assert_int_equal(pd_problem_quiet_limit_ms("teleport", base), base);
    assert_int_equal(pd_problem_quiet_min_ms(base), 12 * HOUR);
}

static void totally_delayed(void **state)
{
    (void)state;
    const int64_t p = 1800000000000LL, d3 = 72 * HOUR, d7 = 168 * HOUR;
    assert_true(pd_problem_same_city(440305, 440306));
    assert_false(pd_problem_same_city(440305, 310115));
    assert_false(pd_problem_same_city(0, 0));
    /* same city: 3 days, strictly after */
    assert_false(pd_problem_totally_delayed(p, 440305, 440306, d3, d7, p + d3));
    assert_true(pd_problem_totally_delayed(p, 440305, 440306, d3, d7, p + d3 + 1));
    /* elsewhere: 7 days */
    assert_false(pd_problem_totally_delayed(p, 440305, 310115, d3, d7, p + d3 + 1));
    assert_false(pd_problem_totally_delayed(p, 440305, 310115, d3, d7, p + d7));
    assert_true(pd_problem_totally_delayed(p, 440305, 310115, d3, d7, p + d7 + 1));
    /* no promise: never */
    assert_false(pd_problem_totally_delayed(0, 440305, 440306, d3, d7, p));
}

static void device_seq(void **state)
{
    (void)state;
    assert_int_equal(pd_problem_device_seq(1, 0), 1000000);
    assert_int_equal(pd_problem_device_seq(1, 7), 1000007);
    assert_int_equal(pd_problem_device_seq(999999999999ULL, 999999), 999999999999999999LL);
    assert_true(pd_problem_device_seq(1, 1) != pd_problem_device_seq(2, 1));
    assert_int_equal(pd_problem_device_seq(0, 1), -1);
    assert_int_equal(pd_problem_device_seq(1000000000000ULL, 1), -1);
    assert_int_equal(pd_problem_device_seq(1, 1000000), -1);
    assert_int_equal(pd_problem_device_seq(1, -1), -1);
}

static void types(void **state)
{
    (void)state;
    enum pd_problem_type t;
    assert_true(pd_problem_type_parse("no_update", &t));
    assert_int_equal(t, PD_PROBLEM_NO_UPDATE);
    assert_string_equal(pd_problem_type_zh(t), "长时间未更新");
    assert_true(pd_problem_type_parse("delayed", &t));
    assert_string_equal(pd_problem_type_zh(t), "彻底延误");
    assert_false(pd_problem_type_parse("No_update", &t));
    assert_false(pd_problem_type_parse(NULL, &t));
    assert_null(pd_problem_type_names[PD_PROBLEM__COUNT]);
}

/* Every DOMAIN.md §6 type exists; the job's two are not for staff. */
static void staff_types(void **state)
{
    (void)state;
    static const char *const domain[] = {"damage",   "loss",    "shortage", "missort",
                                         "delay",    "address", "refused",  "prohibited",
                                         "disaster", "other",   NULL};
    enum pd_problem_type t;
    for (int i = 0; domain[i]; i++) {
        assert_true(pd_problem_type_parse(domain[i], &t));
        assert_true(pd_problem_type_staff(t));
        assert_true(pd_problem_type_zh(t)[0] != '\0');
    }
    assert_false(pd_problem_type_staff(PD_PROBLEM_NO_UPDATE));
    assert_false(pd_problem_type_staff(PD_PROBLEM_DELAYED));
    assert_false(pd_problem_type_staff(PD_PROBLEM__COUNT));
    assert_string_equal(pd_problem_type_zh(PD_PROBLEM_DAMAGE), "破损");
    assert_string_equal(pd_problem_type_zh(PD_PROBLEM__COUNT), "");
}

/* Exception-scan reasons (core/status.h codes) open the matching type;
 * anything else, free text included, opens "other". */
static void scan_reasons(void **state)
{
    (void)state;
    assert_int_equal(pd_problem_type_for_scan_reason("damaged"), PD_PROBLEM_DAMAGE);
    assert_int_equal(pd_problem_type_for_scan_reason("lost"), PD_PROBLEM_LOSS);
    assert_int_equal(pd_problem_type_for_scan_reason("missort"), PD_PROBLEM_MISSORT);
    assert_int_equal(pd_problem_type_for_scan_reason("delayed"), PD_PROBLEM_DELAY);
    assert_int_equal(pd_problem_type_for_scan_reason("address"), PD_PROBLEM_ADDRESS);
    assert_int_equal(pd_problem_type_for_scan_reason("refused"), PD_PROBLEM_REFUSED);
    assert_int_equal(pd_problem_type_for_scan_reason("prohibited"), PD_PROBLEM_PROHIBITED);
    assert_int_equal(pd_problem_type_for_scan_reason("unreachable"), PD_PROBLEM_OTHER);
    assert_int_equal(pd_problem_type_for_scan_reason("外包装破损"), PD_PROBLEM_OTHER);
    assert_int_equal(pd_problem_type_for_scan_reason(""), PD_PROBLEM_OTHER);
    assert_int_equal(pd_problem_type_for_scan_reason(NULL), PD_PROBLEM_OTHER);
}

/* What each resolution action must carry. */
static void actions(void **state)
{
    (void)state;
    int a = pd_problem_name_index(pd_problem_action_names, "redirect");
    assert_int_equal(a, PD_PROBLEM_ACT_REDIRECT);
    assert_int_equal(pd_problem_action_flags(a), PD_PROBLEM_ACT_ADDRESS);
    a = pd_problem_name_index(pd_problem_action_names, "compensate");
    assert_int_equal(pd_problem_action_flags(a), PD_PROBLEM_ACT_AMOUNT | PD_PROBLEM_ACT_CASE);
    a = pd_problem_name_index(pd_problem_action_names, "destroy");
    assert_int_equal(pd_problem_action_flags(a), PD_PROBLEM_ACT_NOTE);
    assert_int_equal(pd_problem_action_flags(PD_PROBLEM_ACT_REDELIVER), 0);
    assert_int_equal(pd_problem_action_flags(PD_PROBLEM_ACT_RETURN), 0);
    assert_int_equal(pd_problem_action_flags(PD_PROBLEM_ACT_HOLD), 0);
    assert_int_equal(pd_problem_action_flags(PD_PROBLEM_ACT__COUNT), 0);
    assert_string_equal(pd_problem_action_zh(PD_PROBLEM_ACT_REDIRECT), "改派");
    assert_int_equal(pd_problem_name_index(pd_problem_action_names, "teleport"), -1);
    assert_int_equal(pd_problem_name_index(pd_problem_action_names, NULL), -1);
    assert_null(pd_problem_action_names[PD_PROBLEM_ACT__COUNT]);
    assert_int_equal(pd_problem_name_index(pd_problem_cause_names, "packaging"),
                     PD_PROBLEM_CAUSE_PACKAGING);
    assert_string_equal(pd_problem_cause_zh(PD_PROBLEM_CAUSE_UNKNOWN), "原因不明");
    assert_string_equal(pd_problem_cause_zh(-1), "");
    assert_string_equal(pd_problem_channel_zh(PD_PROBLEM_CHANNEL_PHONE), "电话");
    assert_string_equal(pd_problem_outcome_zh(PD_PROBLEM_OUTCOME_NO_ANSWER), "无人接听");
    assert_string_equal(pd_problem_party_zh(PD_PROBLEM_PARTY_RECIPIENT), "收件人");
    assert_int_equal(pd_problem_name_index(pd_problem_party_names, "sender"),
                     PD_PROBLEM_PARTY_SENDER);
}

static void receipt_steps(void **state)
{
    (void)state;
    for (int from = 0; from < PD_RECEIPT__COUNT; from++)
        for (int to = 0; to < PD_RECEIPT__COUNT; to++)
            assert_int_equal(pd_receipt_step(from, to) == PD_OK, to == from + 1);
    assert_int_equal(pd_receipt_step(PD_RECEIPT_RETURNED, PD_RECEIPT__COUNT),
                     PD_E_RECEIPT_STATE_ORDER);
    enum pd_receipt_state s;
    assert_true(pd_receipt_state_parse("sent_back", &s));
    assert_int_equal(s, PD_RECEIPT_SENT_BACK);
    assert_false(pd_receipt_state_parse("lost", &s));
    assert_string_equal(pd_receipt_state_zh(PD_RECEIPT_REQUIRED), "待取回单");
    assert_string_equal(pd_receipt_state_zh(PD_RECEIPT__COUNT), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(quiet_limits),  cmocka_unit_test(totally_delayed),
        cmocka_unit_test(device_seq),    cmocka_unit_test(types),
        cmocka_unit_test(receipt_steps), cmocka_unit_test(staff_types),
        cmocka_unit_test(scan_reasons),  cmocka_unit_test(actions),
    };
    return cmocka_run_group_tests_name("core/problem.c, core/receipt.c", tests, NULL, NULL);
}
