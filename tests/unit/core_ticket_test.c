/*
 * Unit tests of core/ticket.c: the vocabularies agree with ticket.def and
 * are found by name, the status machine (invariant 1: nothing returns to
 * new, closed is left only by reopen), which clocks opening a complaint
 * and each action start or meet (invariant 3, the letter chosen by the
 * investigation), the reopen window (invariant 2), ticket numbers, scores,
 * and the escalation plan (invariant 4).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/ticket.h"

static void vocabularies(void **state)
{
    (void)state;
    assert_int_equal(pd_ticket_name_find(pd_ticket_kind_names, "complaint"), PD_TKIND_COMPLAINT);
    assert_int_equal(pd_ticket_name_find(pd_ticket_kind_names, "Complaint"), -1);
    assert_int_equal(pd_ticket_name_find(pd_ticket_kind_names, NULL), -1);
    assert_int_equal(pd_ticket_name_find(pd_ticket_status_names, "waiting_customer"),
                     PD_TST_WAITING_CUSTOMER);
    assert_int_equal(pd_ticket_name_find(pd_ticket_category_names, "delay"), PD_TCAT_DELAY);
    assert_int_equal(pd_ticket_name_find(pd_ticket_category_names, "teleport"), -1);
    assert_int_equal(pd_ticket_name_find(pd_ticket_channel_names, "public_form"),
                     PD_TCH_PUBLIC_FORM);
    assert_int_equal(pd_ticket_name_find(pd_ticket_channel_names, "phone"), PD_TCH_PHONE);
    assert_int_equal(pd_ticket_name_find(pd_ticket_priority_names, "urgent"), PD_TPRI_URGENT);
    assert_int_equal(pd_ticket_name_find(pd_ticket_dept_names, "delivery"), PD_TDEPT_DELIVERY);
    assert_int_equal(pd_ticket_name_find(pd_ticket_evaluation_names, "partly"), PD_TEVAL_PARTLY);
    /* every term has both languages, every name list ends where the enum does */
    for (int i = 0; i < PD_TCAT__COUNT; i++) {
        assert_string_equal(pd_ticket_categories[i].name, pd_ticket_category_names[i]);
        assert_true(pd_ticket_categories[i].zh[0] && pd_ticket_categories[i].en[0]);
    }
    assert_null(pd_ticket_category_names[PD_TCAT__COUNT]);
    assert_null(pd_ticket_status_names[PD_TST__COUNT]);
    assert_null(pd_ticket_action_names[PD_TACT__COUNT]);
    /* the regulator's groups of DOMAIN.md §11 */
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_DELAY], "delay");
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_LOSS], "loss_shortage");
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_SHORTAGE], "loss_shortage");
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_DAMAGE], "damage");
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_FALSE_SIGNATURE], "delivery");
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_PICKUP], "pickup");
    assert_string_equal(pd_ticket_category_groups[PD_TCAT_OTHER], "other");
}

/* Invariant 1. */
static void status_machine(void **state)
{
    (void)state;
    assert_true(pd_ticket_move_allowed(PD_TST_NEW, PD_TST_INVESTIGATING));
    assert_true(pd_ticket_move_allowed(PD_TST_INVESTIGATING, PD_TST_WAITING_CUSTOMER));
    assert_true(pd_ticket_move_allowed(PD_TST_WAITING_CUSTOMER, PD_TST_INVESTIGATING));
    assert_true(pd_ticket_move_allowed(PD_TST_PROPOSED, PD_TST_RESOLVED));
    assert_true(pd_ticket_move_allowed(PD_TST_RESOLVED, PD_TST_CLOSED));
    assert_true(pd_ticket_move_allowed(PD_TST_RESOLVED, PD_TST_INVESTIGATING));
    assert_true(pd_ticket_move_allowed(PD_TST_NEW, PD_TST_CLOSED));
    for (int s = 0; s < PD_TST__COUNT; s++) {
        assert_false(pd_ticket_move_allowed((enum pd_ticket_status)s, PD_TST_NEW));
        assert_false(pd_ticket_move_allowed((enum pd_ticket_status)s, (enum pd_ticket_status)s));
        assert_false(pd_ticket_move_allowed(PD_TST_CLOSED, (enum pd_ticket_status)s));
    }
    assert_false(pd_ticket_move_allowed(PD_TST_RESOLVED, PD_TST_WAITING_CUSTOMER));
    assert_true(pd_ticket_status_open(PD_TST_RESOLVED));
    assert_false(pd_ticket_status_open(PD_TST_CLOSED));
    assert_false(pd_ticket_status_open(PD_TST__COUNT));
}

/* Invariant 3. */
static void clocks_of_actions(void **state)
{
    (void)state;
    const struct pd_timelimit *r[4];
    assert_int_equal(pd_ticket_opening_rules(PD_TKIND_COMPLAINT, r), 2);
    assert_string_equal(r[0]->id, "investigation");
    assert_string_equal(r[1]->id, "regulatory_reply");
    assert_int_equal(pd_ticket_opening_rules(PD_TKIND_INQUIRY, r), 0);
    assert_int_equal(pd_ticket_opening_rules(PD_TKIND_CALLBACK, r), 0);

    const struct pd_ticket_action_def *claim = pd_ticket_action_find("written_claim");
    assert_non_null(claim);
    assert_int_equal(claim->flag, PD_TAF_CLAIM);
    assert_string_equal(pd_ticket_action_starts(claim, false)->id, "apology_letter");
    assert_string_equal(pd_ticket_action_starts(claim, true)->id, "negotiation_letter");
    const struct pd_ticket_action_def *a = pd_ticket_action_find("apology_letter_sent");
    assert_null(pd_ticket_action_starts(a, false));
    assert_int_equal(a->meet, PD_TL_APOLOGY_LETTER);
    a = pd_ticket_action_find("investigation_done");
    assert_int_equal(a->meet, PD_TL_INVESTIGATION);
    assert_int_equal(a->flag, PD_TAF_INVESTIGATED);
    a = pd_ticket_action_find("major_incident");
    assert_string_equal(pd_ticket_action_starts(a, true)->id, "major_report");
    assert_int_equal(a->flag, PD_TAF_MAJOR);
    assert_int_equal(pd_ticket_action_find("head_office_reported")->meet, PD_TL_MAJOR_REPORT);
    assert_null(pd_ticket_action_find("apology_letter"));
    assert_null(pd_ticket_action_find(NULL));
    assert_null(pd_ticket_action_get(PD_TACT__COUNT));
    /* every rule an action starts is met by some action */
    for (int i = 0; i < PD_TACT__COUNT; i++) {
        const struct pd_ticket_action_def *s = pd_ticket_action_get((enum pd_ticket_action)i);
        assert_string_equal(s->name, pd_ticket_action_names[i]);
        for (int inv = 0; inv < 2; inv++) {
            const struct pd_timelimit *st = pd_ticket_action_starts(s, inv);
            if (!st)
                continue;
            bool met = false;
            for (int j = 0; j < PD_TACT__COUNT; j++)
                met |= pd_ticket_action_get((enum pd_ticket_action)j)->meet == (int)st->sym;
            assert_true(met);
        }
    }
    assert_string_equal(pd_ticket_move_meets(PD_TST_RESOLVED)->id, "regulatory_reply");
    assert_null(pd_ticket_move_meets(PD_TST_CLOSED));
}

/* Invariant 2. */
static void reopen_window(void **state)
{
    (void)state;
    const int64_t closed = 1780000000000LL, day = PD_TICKET_DAY_MS;
    assert_true(pd_ticket_reopen_allowed(closed, closed, 30));
    assert_true(pd_ticket_reopen_allowed(closed, closed + 30 * day - 1, 30));
    assert_false(pd_ticket_reopen_allowed(closed, closed + 30 * day, 30));
    assert_false(pd_ticket_reopen_allowed(closed, closed + 1, 0));
    assert_false(pd_ticket_reopen_allowed(0, closed, 30));
}

static void numbers_and_scores(void **state)
{
    (void)state;
    char no[PD_TICKET_NO_MAX];
    pd_ticket_no_format(no, "20261123", 7);
    assert_string_equal(no, "TS202611230007");
    assert_true(pd_ticket_no_valid(no));
    pd_ticket_no_format(no, "20261123", 123456);
    assert_string_equal(no, "TS20261123123456");
    assert_true(pd_ticket_no_valid(no));
    assert_false(pd_ticket_no_valid("TS2026112300"));
    assert_false(pd_ticket_no_valid("TX202611230007"));
    assert_false(pd_ticket_no_valid("TS20261123000a"));
    assert_false(pd_ticket_no_valid("TS2026112312345678901"));
    assert_false(pd_ticket_no_valid(NULL));
    assert_false(pd_ticket_score_valid(0));
    assert_true(pd_ticket_score_valid(1));
    assert_true(pd_ticket_score_valid(5));
    assert_false(pd_ticket_score_valid(6));
}

/* Invariant 4. */
static void escalation_plan(void **state)
{
    (void)state;
    const struct pd_timelimit *inv = pd_timelimit_find("investigation");
    const struct pd_timelimit *reg = pd_timelimit_find("regulatory_reply");
    struct pd_escalation_plan p;
    pd_ticket_escalation_plan(inv, PD_CLOCK_RUNNING, PD_ESC_NONE, false, &p);
    assert_int_equal(p.n, 0);
    pd_ticket_escalation_plan(inv, PD_CLOCK_DUE_SOON, PD_ESC_NONE, false, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.s[0].level, "warn");
    assert_int_equal(p.s[0].audience, PD_TL_NOTIFY_RESPONSIBLE);
    assert_int_equal(p.reached, PD_ESC_WARNED);
    pd_ticket_escalation_plan(inv, PD_CLOCK_DUE_SOON, PD_ESC_WARNED, false, &p);
    assert_int_equal(p.n, 0); /* once per level */
    pd_ticket_escalation_plan(inv, PD_CLOCK_OVERDUE, PD_ESC_WARNED, false, &p);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.s[0].level, "due");
    assert_int_equal(p.s[0].audience, PD_TL_NOTIFY_SUPERVISOR);
    assert_int_equal(p.reached, PD_ESC_DUE);
    /* first seen overdue: no warning, just due; a major ticket adds head office */
    pd_ticket_escalation_plan(inv, PD_CLOCK_OVERDUE, PD_ESC_NONE, true, &p);
    assert_int_equal(p.n, 2);
    assert_string_equal(p.s[0].level, "due");
    assert_string_equal(p.s[1].level, "head_office");
    assert_int_equal(p.s[1].audience, PD_TL_NOTIFY_HEAD_OFFICE);
    /* a rule that already tells head office when due does not tell it twice */
    pd_ticket_escalation_plan(reg, PD_CLOCK_OVERDUE, PD_ESC_WARNED, true, &p);
    assert_int_equal(p.n, 1);
    assert_int_equal(p.s[0].audience, PD_TL_NOTIFY_HEAD_OFFICE);
    pd_ticket_escalation_plan(inv, PD_CLOCK_OVERDUE, PD_ESC_DUE, true, &p);
    assert_int_equal(p.n, 0);
    pd_ticket_escalation_plan(inv, PD_CLOCK_PAUSED, PD_ESC_NONE, true, &p);
    assert_int_equal(p.n, 0);
    pd_ticket_escalation_plan(inv, PD_CLOCK_MET, PD_ESC_NONE, true, &p);
    assert_int_equal(p.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vocabularies),       cmocka_unit_test(status_machine),
        cmocka_unit_test(clocks_of_actions),  cmocka_unit_test(reopen_window),
        cmocka_unit_test(numbers_and_scores), cmocka_unit_test(escalation_plan),
    };
    return cmocka_run_group_tests_name("core/ticket", tests, NULL, NULL);
}
