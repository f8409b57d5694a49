/* Unit tests of src/core/order_lifecycle.c; numbers cite the invariants in
 * order_lifecycle.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "core/order_lifecycle.h"

static void the_happy_path(void **state)
{
    (void)state;
    enum pd_order_state s = PD_ORDER_DRAFT;
    const enum pd_order_event path[] = {PD_ORDER_EV_SUBMIT, PD_ORDER_EV_ASSIGN_PICKUP,
                                        PD_ORDER_EV_PICK_UP};
    const enum pd_order_state want[] = {PD_ORDER_ACCEPTED, PD_ORDER_PICKUP_ASSIGNED,
                                        PD_ORDER_PICKED_UP};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(pd_order_transition(s, path[i], &s), PD_OK);
        assert_int_equal(s, want[i]);
    }
}

static void review_and_cancel(void **state)
{
    (void)state;
    enum pd_order_state s = PD_ORDER_DRAFT;
    assert_int_equal(pd_order_transition(s, PD_ORDER_EV_FLAG, &s), PD_OK);
    assert_int_equal(s, PD_ORDER_IN_REVIEW);
    /* in review: cannot be assigned before approval (1) */
    assert_int_equal(pd_order_transition(s, PD_ORDER_EV_ASSIGN_PICKUP, &s), PD_E_ORDER_TRANSITION);
    assert_int_equal(s, PD_ORDER_IN_REVIEW); /* unchanged on refusal */
    assert_int_equal(pd_order_transition(s, PD_ORDER_EV_APPROVE, &s), PD_OK);
    assert_int_equal(s, PD_ORDER_ACCEPTED);
    assert_int_equal(pd_order_transition(s, PD_ORDER_EV_ASSIGN_PICKUP, &s), PD_OK);
    assert_int_equal(pd_order_transition(s, PD_ORDER_EV_UNASSIGN_PICKUP, &s), PD_OK);
    assert_int_equal(s, PD_ORDER_ACCEPTED);
    assert_int_equal(pd_order_transition(s, PD_ORDER_EV_CANCEL, &s), PD_OK);
    assert_int_equal(s, PD_ORDER_CANCELLED);
}

/* 2: terminal states take no event; 3: everything is reachable from draft. */
static void terminal_and_reachable(void **state)
{
    (void)state;
    for (int e = 0; e < PD_ORDER_EV__COUNT; e++) {
        enum pd_order_state to;
        assert_int_equal(pd_order_transition(PD_ORDER_CANCELLED, (enum pd_order_event)e, &to),
                         PD_E_ORDER_TRANSITION);
        assert_int_equal(pd_order_transition(PD_ORDER_PICKED_UP, (enum pd_order_event)e, &to),
                         PD_E_ORDER_TRANSITION);
    }
    bool seen[PD_ORDER__COUNT] = {[PD_ORDER_DRAFT] = true};
    for (int round = 0; round < PD_ORDER__COUNT; round++)
        for (int s = 0; s < PD_ORDER__COUNT; s++)
            for (int e = 0; seen[s] && e < PD_ORDER_EV__COUNT; e++) {
                enum pd_order_state to;
                if (pd_order_transition((enum pd_order_state)s, (enum pd_order_event)e, &to) ==
                    PD_OK)
                    seen[to] = true;
            }
    for (int s = 0; s < PD_ORDER__COUNT; s++)
        assert_true(seen[s]);
    /* a cancel exists from every state before pickup */
    for (int s = 0; s < PD_ORDER__COUNT; s++) {
        enum pd_order_state to;
        bool before_pickup = s != PD_ORDER_PICKED_UP && s != PD_ORDER_CANCELLED;
        assert_int_equal(pd_order_transition((enum pd_order_state)s, PD_ORDER_EV_CANCEL, &to) ==
                             PD_OK,
                         before_pickup);
    }
}

/* 4 and 5: what may change in each state. */
static void edits(void **state)
{
    (void)state;
    unsigned refused;
    assert_int_equal(pd_order_edit_check(PD_ORDER_DRAFT, PD_EDIT_ALL, &refused), PD_OK);
    assert_int_equal(refused, 0);
    assert_int_equal(pd_order_edit_check(PD_ORDER_CANCELLED, PD_EDIT_REMARKS, &refused),
                     PD_E_ORDER_LOCKED);
    assert_int_equal(refused, PD_EDIT_REMARKS);
    assert_int_equal(
        pd_order_edit_check(PD_ORDER_PICKED_UP, PD_EDIT_CONTACT | PD_EDIT_REMARKS, &refused),
        PD_OK);
    assert_int_equal(pd_order_edit_check(PD_ORDER_PICKED_UP, PD_EDIT_RECIPIENT_ADDRESS, &refused),
                     PD_E_ORDER_LOCKED); /* redirect request needed */
    assert_int_equal(
        pd_order_edit_check(PD_ORDER_PICKED_UP, PD_EDIT_GOODS | PD_EDIT_CONTACT, &refused),
        PD_E_ORDER_LOCKED);
    assert_int_equal(refused, PD_EDIT_GOODS);
    assert_int_equal(
        pd_order_edit_check(PD_ORDER_PICKUP_ASSIGNED, PD_EDIT_SENDER_ADDRESS, &refused),
        PD_E_ORDER_LOCKED);
    assert_int_equal(
        pd_order_edit_check(PD_ORDER_PICKUP_ASSIGNED, PD_EDIT_RECIPIENT_ADDRESS, &refused), PD_OK);
}

static void names(void **state)
{
    (void)state;
    enum pd_order_state s;
    enum pd_order_event e;
    for (int i = 0; i < PD_ORDER__COUNT; i++) {
        assert_true(pd_order_state_parse(pd_order_state_name((enum pd_order_state)i), &s));
        assert_int_equal(s, i);
        assert_true(strlen(pd_order_state_zh((enum pd_order_state)i)) > 0);
    }
    for (int i = 0; i < PD_ORDER_EV__COUNT; i++) {
        assert_true(pd_order_event_parse(pd_order_event_name((enum pd_order_event)i), &e));
        assert_int_equal(e, i);
    }
    assert_false(pd_order_state_parse("shipped", &s));
    assert_false(pd_order_event_parse(NULL, &e));
    assert_string_equal(pd_order_state_name(PD_ORDER_IN_REVIEW), "in_review");
    assert_string_equal(pd_order_state_zh(PD_ORDER_CANCELLED), "已取消");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_happy_path),
        cmocka_unit_test(review_and_cancel),
        cmocka_unit_test(terminal_and_reachable),
        cmocka_unit_test(edits),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
