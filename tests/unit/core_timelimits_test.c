/* Unit tests of src/core/timelimits: the handbook's time-limit table and the
 * regulatory reply as data (DOMAIN.md §7), deadlines of rules, and the clock
 * states of timelimits.h (running, due_soon, overdue, paused, met) under a
 * fixed "now". Each case's working-out is in its comment; times are China
 * time (UTC+8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/timelimits.h"
#include "util/timeutil.h"

static pd_calendar *cal;

static int64_t cst(const char *local)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%s+08:00", local);
    int64_t ms = 0;
    if (!pd_time_parse(buf, &ms))
        fail_msg("bad time in the test: %s", local);
    return ms;
}

static const struct pd_timelimit *rule(const char *id)
{
    const struct pd_timelimit *r = pd_timelimit_find(id);
    if (!r)
        fail_msg("no rule %s", id);
    return r;
}

static struct pd_clock_view view(const char *id, int64_t start, const struct pd_calendar_pause *p,
                                 size_t np, int64_t met, int64_t now)
{
    struct pd_clock_view v;
    char detail[PD_CALENDAR_DETAIL_MAX] = "";
    pd_err e = pd_timelimit_classify(rule(id), start, p, np, met, now, cal, NULL, &v, detail);
    if (e != PD_OK)
        fail_msg("%s: %s", pd_err_code(e), detail);
    return v;
}

static void the_handbook_table(void **state)
{
    (void)state;
    /* DOMAIN.md §7, row by row. */
    static const struct {
        const char *id;
        enum pd_calendar_unit unit;
        int amount;
        enum pd_timelimit_from from;
    } want[] = {
        {"investigation", PD_CAL_WORKING_DAYS, 1, PD_TL_FROM_TICKET_OPENED},
        {"apology_letter", PD_CAL_WORKING_DAYS, 1, PD_TL_FROM_WRITTEN_CLAIM},
        {"negotiation_letter", PD_CAL_WORKING_DAYS, 2, PD_TL_FROM_WRITTEN_CLAIM},
        {"confirmation_letter", PD_CAL_WORKING_DAYS, 10, PD_TL_FROM_INCIDENT},
        {"arbitration", PD_CAL_WORKING_DAYS, 40, PD_TL_FROM_INCIDENT},
        {"account_adjustment", PD_CAL_WORKING_DAYS, 60, PD_TL_FROM_INCIDENT},
        {"approval", PD_CAL_WORKING_DAYS, 10, PD_TL_FROM_INCIDENT},
        {"compensation", PD_CAL_WORKING_DAYS, 60, PD_TL_FROM_INCIDENT},
        {"major_report", PD_CAL_HOURS, 24, PD_TL_FROM_INCIDENT},
        {"monthly_summary", PD_CAL_MONTHLY_BY_DAY, 3, PD_TL_FROM_PERIOD},
        {"regulatory_reply", PD_CAL_CALENDAR_DAYS, 7, PD_TL_FROM_TICKET_OPENED},
        {"appeal_reply", PD_CAL_CALENDAR_DAYS, 10, PD_TL_FROM_APPEAL},
    };
    assert_int_equal(pd_timelimit_count(), sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const struct pd_timelimit *r = rule(want[i].id);
        assert_int_equal(r->limit.unit, want[i].unit);
        assert_int_equal(r->limit.amount, want[i].amount);
        assert_int_equal(r->from, want[i].from);
    }
    /* The regulation's 7 days run whatever the customer does. */
    assert_false(rule("regulatory_reply")->pausable);
    assert_true(rule("investigation")->pausable);
    assert_string_equal(rule("regulatory_reply")->basis, "快递暂行条例第二十八条");
    assert_null(pd_timelimit_find("apology"));
    assert_null(pd_timelimit_find(NULL));
    assert_null(pd_timelimit_get(PD_TL__COUNT));
}

static void every_row_is_well_formed(void **state)
{
    (void)state;
    for (size_t i = 0; i < pd_timelimit_count(); i++) {
        const struct pd_timelimit *r = pd_timelimit_get((enum pd_timelimit_id)i);
        assert_non_null(r);
        assert_int_equal(r->sym, i);
        assert_ptr_equal(pd_timelimit_find(r->id), r); /* ids are unique */
        assert_true(r->zh[0] && r->en[0] && r->basis[0]);
        assert_in_range(r->warn_pct, 1, 99);
        assert_in_range(r->limit.amount, 1, pd_calendar_unit_max(r->limit.unit));
        assert_string_not_equal(pd_timelimit_from_name(r->from), "?");
        assert_true(r->warn_to != PD_TL_NOTIFY_NONE && r->due_to != PD_TL_NOTIFY_NONE);
        assert_string_not_equal(pd_timelimit_notify_name(r->due_to), "?");
        /* Every rule has an answer on the shipped calendars for a start in 2026. */
        struct pd_calendar_due d;
        char detail[PD_CALENDAR_DETAIL_MAX];
        assert_int_equal(
            pd_timelimit_due(r, cst("2026-03-02T10:00:00"), NULL, 0, cal, NULL, &d, detail), PD_OK);
        assert_true(d.warn_ms < d.due_ms);
    }
}

static void apology_letter_around_spring_festival(void **state)
{
    (void)state;
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX];
    /* Written claim received Fri 13 Feb 2026 10:00: 1 working day = Sat 14 Feb
     * (make-up) 23:59:59; warned at 75 % of its 24 h = Sat 14 Feb 18:00. */
    assert_int_equal(pd_timelimit_due(rule("apology_letter"), cst("2026-02-13T10:00:00"), NULL, 0,
                                      cal, NULL, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-02-14T23:59:59"));
    assert_int_equal(d.warn_ms, cst("2026-02-14T18:00:00"));
    /* Negotiation letter: 2 working days -> Tue 24 Feb 23:59:59. */
    assert_int_equal(pd_timelimit_due(rule("negotiation_letter"), cst("2026-02-13T10:00:00"), NULL,
                                      0, cal, NULL, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-02-24T23:59:59"));
    /* Compensation within 60 working days of an incident on Mon 2 Mar 2026 (day 0).
     * March after the 2nd: 3-6 (4), 9-13 (5), 16-20 (5), 23-27 (5), 30-31 (2) = 21.
     * April: 1-3 (3), Mon 6 is Qingming, 7-10 (4), 13-17 (5), 20-24 (5), 27-30 (4)
     * = 21, total 42. May: 1-5 Labour Day, 6-8 (3) = 45, Sat 9 make-up = 46,
     * 11-15 (5) = 51, 18-22 (5) = 56, then 25, 26, 27, 28: the 60th is Thu 28 May. */
    assert_int_equal(pd_timelimit_due(rule("compensation"), cst("2026-03-02T10:00:00"), NULL, 0,
                                      cal, NULL, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-05-28T23:59:59"));
}

static void states_of_a_running_clock(void **state)
{
    (void)state;
    int64_t opened = cst("2026-02-13T10:00:00"); /* investigation: Sat 14 Feb 23:59:59 */
    struct pd_clock_view v = view("investigation", opened, NULL, 0, 0, cst("2026-02-14T12:00:00"));
    assert_int_equal(v.state, PD_CLOCK_RUNNING);
    assert_int_equal(v.due_ms, cst("2026-02-14T23:59:59"));
    assert_int_equal(v.notify, PD_TL_NOTIFY_NONE);
    /* 75 % of Sat 14 Feb's 24 h: due_soon from 18:00, telling the responsible person. */
    v = view("investigation", opened, NULL, 0, 0, cst("2026-02-14T17:59:59"));
    assert_int_equal(v.state, PD_CLOCK_RUNNING);
    v = view("investigation", opened, NULL, 0, 0, cst("2026-02-14T18:00:00"));
    assert_int_equal(v.state, PD_CLOCK_DUE_SOON);
    assert_int_equal(v.notify, PD_TL_NOTIFY_RESPONSIBLE);
    /* The deadline second itself is still in time. */
    v = view("investigation", opened, NULL, 0, 0, cst("2026-02-14T23:59:59.999"));
    assert_int_equal(v.state, PD_CLOCK_DUE_SOON);
    assert_false(v.late);
    /* Midnight: overdue, the supervisor is told. */
    v = view("investigation", opened, NULL, 0, 0, cst("2026-02-15T00:00:00"));
    assert_int_equal(v.state, PD_CLOCK_OVERDUE);
    assert_true(v.late);
    assert_int_equal(v.notify, PD_TL_NOTIFY_SUPERVISOR);
    assert_string_equal(pd_clock_state_name(v.state), "overdue");
    /* Done in time, and done late. */
    v = view("investigation", opened, NULL, 0, cst("2026-02-14T20:00:00"),
             cst("2026-02-20T00:00:00"));
    assert_int_equal(v.state, PD_CLOCK_MET);
    assert_false(v.late);
    assert_int_equal(v.notify, PD_TL_NOTIFY_NONE);
    v = view("investigation", opened, NULL, 0, cst("2026-02-24T09:00:00"),
             cst("2026-02-24T09:00:00"));
    assert_int_equal(v.state, PD_CLOCK_MET);
    assert_true(v.late);
}

static void paused_while_waiting_for_the_customer(void **state)
{
    (void)state;
    /* Investigation opened Mon 9 Mar 2026 09:00: due Tue 10 Mar 23:59:59. The
     * ticket waits for the customer from Tue 10 Mar 10:00, still waiting. */
    int64_t opened = cst("2026-03-09T09:00:00");
    struct pd_calendar_pause open = {cst("2026-03-10T10:00:00"), PD_CALENDAR_OPEN};
    /* Now Tue 10 Mar 16:00: paused; resumed now, 6 h of working time were held,
     * so it would be due Wed 11 Mar 06:00 (last second 05:59:59). */
    struct pd_clock_view v = view("investigation", opened, &open, 1, 0, cst("2026-03-10T16:00:00"));
    assert_int_equal(v.state, PD_CLOCK_PAUSED);
    assert_int_equal(v.due_ms, cst("2026-03-11T05:59:59"));
    assert_int_equal(v.base_due_ms, cst("2026-03-10T23:59:59"));
    assert_int_equal(v.notify, PD_TL_NOTIFY_NONE);
    /* Still waiting on Thu 12 Mar 10:00 — past the original deadline, but the clock
     * stood still from Tue 10:00: not overdue. Resumed now: 10 h of Tue were spent,
     * 14 h remain -> Fri 13 Mar 00:00, last second Thu 12 Mar 23:59:59. */
    v = view("investigation", opened, &open, 1, 0, cst("2026-03-12T10:00:00"));
    assert_int_equal(v.state, PD_CLOCK_PAUSED);
    assert_int_equal(v.due_ms, cst("2026-03-12T23:59:59"));
    /* The customer answered Wed 11 Mar 10:00. The pause covered Tue 10:00-24:00
     * and Wed 00:00-10:00, 24 h of working time, so the deadline moves from Tue 10
     * Mar 23:59:59 to Wed 11 Mar 23:59:59. 75 % of the 24 h budget (18 h) is spent
     * by Tue 00:00-10:00 (10 h) plus Wed 10:00-18:00 (8 h): due soon from Wed 18:00. */
    struct pd_calendar_pause closed = {cst("2026-03-10T10:00:00"), cst("2026-03-11T10:00:00")};
    v = view("investigation", opened, &closed, 1, 0, cst("2026-03-11T18:00:00"));
    assert_int_equal(v.state, PD_CLOCK_DUE_SOON);
    assert_int_equal(v.due_ms, cst("2026-03-11T23:59:59"));
    assert_int_equal(v.warn_ms, cst("2026-03-11T18:00:00"));
    /* Overdue beats paused: a pause begun after the deadline does not save the clock. */
    struct pd_calendar_pause after = {cst("2026-03-11T09:00:00"), PD_CALENDAR_OPEN};
    v = view("investigation", opened, &after, 1, 0, cst("2026-03-11T10:00:00"));
    assert_int_equal(v.state, PD_CLOCK_OVERDUE);
    /* A pause that has not begun yet is ignored. */
    struct pd_calendar_pause future = {cst("2026-03-10T20:00:00"), cst("2026-03-10T22:00:00")};
    v = view("investigation", opened, &future, 1, 0, cst("2026-03-10T19:00:00"));
    assert_int_equal(v.state, PD_CLOCK_DUE_SOON);
    assert_int_equal(v.due_ms, cst("2026-03-10T23:59:59"));
    /* Met while paused: pauses count up to the moment it was met only. */
    v = view("investigation", opened, &open, 1, cst("2026-03-12T09:00:00"),
             cst("2026-03-13T00:00:00"));
    assert_int_equal(v.state, PD_CLOCK_MET);
    assert_false(v.late);
}

static void the_regulatory_clock_does_not_pause(void **state)
{
    (void)state;
    /* Complaint received Fri 13 Feb 2026 10:00: 7 calendar days -> Fri 20 Feb
     * 23:59:59, holidays included; waiting for the customer changes nothing. */
    int64_t opened = cst("2026-02-13T10:00:00");
    struct pd_calendar_pause open = {cst("2026-02-14T10:00:00"), PD_CALENDAR_OPEN};
    struct pd_clock_view v =
        view("regulatory_reply", opened, &open, 1, 0, cst("2026-02-16T10:00:00"));
    assert_int_equal(v.state, PD_CLOCK_RUNNING);
    assert_int_equal(v.due_ms, cst("2026-02-20T23:59:59"));
    /* 75 % of 7 days (168 h) = 126 h from Sat 14 Feb 00:00 = Thu 19 Feb 06:00. */
    assert_int_equal(v.warn_ms, cst("2026-02-19T06:00:00"));
    v = view("regulatory_reply", opened, &open, 1, 0, cst("2026-02-21T00:00:00"));
    assert_int_equal(v.state, PD_CLOCK_OVERDUE);
    assert_int_equal(v.notify, PD_TL_NOTIFY_HEAD_OFFICE);
}

static void major_report_and_monthly_summary(void **state)
{
    (void)state;
    /* Major incident Sat 14 Feb 2026 22:00: 24 clock hours, the night and the
     * holiday included: Sun 15 Feb 22:00; warned at 50 % = Sun 15 Feb 10:00. */
    struct pd_clock_view v =
        view("major_report", cst("2026-02-14T22:00:00"), NULL, 0, 0, cst("2026-02-15T10:00:00"));
    assert_int_equal(v.state, PD_CLOCK_DUE_SOON);
    assert_int_equal(v.due_ms, cst("2026-02-15T22:00:00"));
    assert_int_equal(v.notify, PD_TL_NOTIFY_SUPERVISOR);
    v = view("major_report", cst("2026-02-14T22:00:00"), NULL, 0, 0, cst("2026-02-15T22:00:01"));
    assert_int_equal(v.state, PD_CLOCK_OVERDUE);
    assert_int_equal(v.notify, PD_TL_NOTIFY_HEAD_OFFICE);
    /* The December 2025 summary: by the end of 3 Jan 2026; counted from 1 Jan
     * 00:00, 75 % of 72 h = 54 h -> 3 Jan 06:00. */
    v = view("monthly_summary", cst("2025-12-31T12:00:00"), NULL, 0, 0, cst("2026-01-02T12:00:00"));
    assert_int_equal(v.state, PD_CLOCK_RUNNING);
    assert_int_equal(v.due_ms, cst("2026-01-03T23:59:59"));
    assert_int_equal(v.warn_ms, cst("2026-01-03T06:00:00"));
}

static void errors_come_through(void **state)
{
    (void)state;
    struct pd_clock_view v;
    char detail[PD_CALENDAR_DETAIL_MAX];
    /* A clock in a year the calendar does not hold is refused, naming the year. */
    assert_int_equal(pd_timelimit_classify(rule("compensation"), cst("2027-11-02T10:00:00"), NULL,
                                           0, 0, cst("2027-11-03T10:00:00"), cal, NULL, &v, detail),
                     PD_E_CALENDAR_YEAR_UNKNOWN);
    assert_non_null(strstr(detail, "2028"));
    struct pd_calendar_pause bad = {cst("2026-03-10T10:00:00"), cst("2026-03-10T09:00:00")};
    assert_int_equal(pd_timelimit_classify(rule("investigation"), cst("2026-03-09T10:00:00"), &bad,
                                           1, 0, cst("2026-03-10T12:00:00"), cal, NULL, &v, detail),
                     PD_E_CALENDAR_PAUSE_INVALID);
    assert_string_equal(pd_clock_state_name(PD_CLOCK__COUNT), "?");
    assert_string_equal(pd_clock_state_name(PD_CLOCK_DUE_SOON), "due_soon");
}

static int setup(void **state)
{
    (void)state;
    char detail[PD_CALENDAR_DETAIL_MAX];
    cal = pd_calendar_new();
    if (!cal || pd_calendar_load_shipped(cal, detail) != PD_OK) {
        print_error("cannot load the shipped calendars: %s\n", detail);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pd_calendar_free(cal);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_handbook_table),
        cmocka_unit_test(every_row_is_well_formed),
        cmocka_unit_test(apology_letter_around_spring_festival),
        cmocka_unit_test(states_of_a_running_clock),
        cmocka_unit_test(paused_while_waiting_for_the_customer),
        cmocka_unit_test(the_regulatory_clock_does_not_pause),
        cmocka_unit_test(major_report_and_monthly_summary),
        cmocka_unit_test(errors_come_through),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
