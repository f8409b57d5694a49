/* Unit tests of src/core/calendar: the shipped 2025 and 2026 calendars, the
 * deadline arithmetic of DOMAIN.md §7 with hand-worked cases (each case's
 * working-out is in its comment; weekdays checked against `date`), pauses,
 * node overrides, refusals outside the loaded years, and the file loader.
 * "Invariant N" refers to the list at the top of core/calendar.h. All wall
 * times are China time (UTC+8) unless written with Z. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/calendar.h"
#include "util/timeutil.h"

static pd_calendar *cal; /* the shipped calendars, loaded once */

/* UTC ms of a China-time wall clock "YYYY-MM-DDTHH:MM:SS[.mmm]". */
static int64_t cst(const char *local)
{
    char buf[48];
    snprintf(buf, sizeof buf, "%s+08:00", local);
    int64_t ms = 0;
    if (!pd_time_parse(buf, &ms))
        fail_msg("bad time in the test: %s", local);
    return ms;
}

static int64_t utc(const char *s)
{
    int64_t ms = 0;
    if (!pd_time_parse(s, &ms))
        fail_msg("bad time in the test: %s", s);
    return ms;
}

/* The deadline with the default node and no pauses; fails the test on an error. */
static int64_t due_of(enum pd_calendar_unit unit, int n, int64_t start)
{
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX] = "";
    pd_err e = pd_calendar_due(cal, NULL, (struct pd_calendar_limit){unit, n}, start, NULL, 0, 0,
                               &d, detail);
    if (e != PD_OK)
        fail_msg("%s: %s", pd_err_code(e), detail);
    assert_false(d.held);
    assert_int_equal(d.due_ms, d.base_due_ms);
    return d.due_ms;
}

/* Expect a refusal with @p code and @p needle in the detail. */
static void refused(enum pd_calendar_unit unit, int n, int64_t start, pd_err code,
                    const char *needle)
{
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX] = "";
    pd_err e = pd_calendar_due(cal, NULL, (struct pd_calendar_limit){unit, n}, start, NULL, 0, 0,
                               &d, detail);
    assert_int_equal(e, code);
    if (!strstr(detail, needle))
        fail_msg("detail \"%s\" does not mention \"%s\"", detail, needle);
}

static bool working(int y, unsigned m, unsigned d, const char **name)
{
    bool w = false;
    char detail[PD_CALENDAR_DETAIL_MAX];
    assert_int_equal(pd_calendar_is_working(cal, NULL, y, m, d, &w, name, detail), PD_OK);
    return w;
}

static int count_working_days(int y)
{
    int n = 0;
    for (unsigned m = 1; m <= 12; m++)
        for (unsigned d = 1; d <= 31; d++) {
            bool w;
            char detail[PD_CALENDAR_DETAIL_MAX];
            pd_err e = pd_calendar_is_working(cal, NULL, y, m, d, &w, NULL, detail);
            if (e == PD_E_CALENDAR_LIMIT_INVALID) /* 30 February and the like */
                continue;
            assert_int_equal(e, PD_OK);
            n += w;
        }
    return n;
}

/* ---- the shipped data --------------------------------------------------- */

static void shipped_2025_is_the_state_council_notice(void **state)
{
    (void)state;
    const char *name = NULL;
    /* 国办发明电〔2024〕12号: 1 Jan; 28 Jan (Tue) - 4 Feb (Tue), make-up 26 Jan (Sun)
     * and 8 Feb (Sat); 4-6 Apr; 1-5 May, make-up 27 Apr (Sun); 31 May - 2 Jun;
     * 1-8 Oct, make-up 28 Sep (Sun) and 11 Oct (Sat). */
    assert_false(working(2025, 1, 1, &name));
    assert_string_equal(name, "元旦");
    assert_true(working(2025, 1, 2, &name)); /* Thursday after New Year */
    assert_null(name);
    assert_true(working(2025, 1, 26, &name)); /* Sunday, make-up */
    assert_string_equal(name, "春节调休上班");
    assert_true(working(2025, 1, 27, NULL));
    for (unsigned d = 28; d <= 31; d++)
        assert_false(working(2025, 1, d, NULL));
    for (unsigned d = 1; d <= 4; d++)
        assert_false(working(2025, 2, d, NULL));
    assert_true(working(2025, 2, 5, NULL));
    assert_true(working(2025, 2, 8, NULL));  /* Saturday, make-up */
    assert_false(working(2025, 2, 9, NULL)); /* an ordinary Sunday */
    assert_false(working(2025, 4, 4, NULL));
    assert_true(working(2025, 4, 27, NULL)); /* Sunday, make-up */
    for (unsigned d = 1; d <= 5; d++)
        assert_false(working(2025, 5, d, NULL));
    assert_false(working(2025, 6, 2, NULL));   /* Monday, Dragon Boat */
    assert_true(working(2025, 9, 28, NULL));   /* Sunday, make-up */
    assert_false(working(2025, 10, 8, &name)); /* Wednesday, last day of the 8 */
    assert_string_equal(name, "国庆节、中秋节");
    assert_true(working(2025, 10, 9, NULL));
    assert_true(working(2025, 10, 11, NULL)); /* Saturday, make-up */
    /* 365 days - 104 weekend days - 18 holidays on weekdays + 5 make-up days = 248. */
    assert_int_equal(count_working_days(2025), 248);
}

static void shipped_2026_is_domain_section_7(void **state)
{
    (void)state;
    /* Holidays Jan 1-3, Feb 15-23, Apr 4-6, May 1-5, Jun 19-21, Sep 25-27, Oct 1-7;
     * make-up Jan 4 (Sun), Feb 14 (Sat), Feb 28 (Sat), May 9 (Sat), Sep 20 (Sun),
     * Oct 10 (Sat). */
    assert_false(working(2026, 1, 2, NULL));
    assert_true(working(2026, 1, 4, NULL));
    assert_true(working(2026, 2, 14, NULL));
    assert_false(working(2026, 2, 15, NULL));
    assert_false(working(2026, 2, 23, NULL));
    assert_true(working(2026, 2, 24, NULL));
    assert_true(working(2026, 2, 28, NULL));
    assert_true(working(2026, 5, 9, NULL));
    assert_false(working(2026, 6, 19, NULL));
    assert_true(working(2026, 9, 20, NULL));
    assert_false(working(2026, 9, 25, NULL));
    assert_false(working(2026, 10, 7, NULL));
    assert_true(working(2026, 10, 8, NULL));
    assert_true(working(2026, 10, 10, NULL));
    /* 365 - 104 - 19 holidays on weekdays + 6 make-up days = 248. */
    assert_int_equal(count_working_days(2026), 248);
}

/* ---- working days ------------------------------------------------------- */

static void spring_festival_2026(void **state)
{
    (void)state;
    int64_t fri = cst("2026-02-13T10:00:00");
    /* Day 0 = Fri 13 Feb. Day 1 = Sat 14 Feb, a make-up working day. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, fri), cst("2026-02-14T23:59:59"));
    /* Sun 15 - Mon 23 are the holiday; the second working day is Tue 24 Feb. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 2, fri), cst("2026-02-24T23:59:59"));
    /* Wed 25, Thu 26, Fri 27, Sat 28 (make-up) -> the 6th is Sat 28 Feb. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 6, fri), cst("2026-02-28T23:59:59"));
    /* Day 0 inside the holiday (Wed 18 Feb, not working) is still day 0:
     * the first working day after it is Tue 24 Feb. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2026-02-18T09:00:00")),
                     cst("2026-02-24T23:59:59"));
    /* Day 0 on the make-up Saturday itself: day 1 is Tue 24 Feb. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2026-02-14T08:00:00")),
                     cst("2026-02-24T23:59:59"));
}

static void spring_festival_2025(void **state)
{
    (void)state;
    int64_t fri = cst("2025-01-24T16:00:00");
    /* Day 0 = Fri 24 Jan; Sat 25 is off; Sun 26 is a make-up day: the 1st. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, fri), cst("2025-01-26T23:59:59"));
    /* Mon 27 Jan is the 2nd; 28 Jan - 4 Feb is the holiday; Wed 5 Feb the 3rd. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 2, fri), cst("2025-01-27T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 3, fri), cst("2025-02-05T23:59:59"));
    /* From Fri 7 Feb: Sat 8 Feb is a make-up day. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2025-02-07T11:00:00")),
                     cst("2025-02-08T23:59:59"));
    /* From Sat 8 Feb (make-up, day 0, not counted): Sun 9 off, Mon 10 Feb. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2025-02-08T11:00:00")),
                     cst("2025-02-10T23:59:59"));
}

static void october_holidays(void **state)
{
    (void)state;
    /* 2025: day 0 = Fri 26 Sep. Sat 27 off; Sun 28 make-up = 1st; Mon 29 = 2nd;
     * Tue 30 = 3rd; 1-8 Oct holiday; Thu 9 = 4th; Fri 10 = 5th; Sat 11 (make-up)
     * = 6th; Sun 12 off; Mon 13 = 7th. */
    int64_t fri = cst("2025-09-26T10:00:00");
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, fri), cst("2025-09-28T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 4, fri), cst("2025-10-09T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 6, fri), cst("2025-10-11T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 7, fri), cst("2025-10-13T23:59:59"));
    /* 2026: day 0 = Wed 30 Sep; 1-7 Oct holiday; Thu 8 = 1st; Fri 9 = 2nd; Sat 10
     * (make-up) = 3rd; Mon 12 = 4th. */
    int64_t wed = cst("2026-09-30T10:00:00");
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, wed), cst("2026-10-08T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 3, wed), cst("2026-10-10T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 4, wed), cst("2026-10-12T23:59:59"));
    /* 2026-09-18 (Fri): Sat 19 off, Sun 20 make-up = 1st. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2026-09-18T10:00:00")),
                     cst("2026-09-20T23:59:59"));
    /* 2026-01-03 (Sat, holiday): Sun 4 Jan make-up = 1st. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2026-01-03T10:00:00")),
                     cst("2026-01-04T23:59:59"));
}

static void year_end_working_days_run_across(void **state)
{
    (void)state;
    /* 2025-12-31 (Wed): 1 Jan 2026 is a holiday, 2 and 3 Jan too, Sun 4 Jan a
     * make-up day: the 1st working day is 4 Jan 2026. Both years are loaded. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2025-12-31T10:00:00")),
                     cst("2026-01-04T23:59:59"));
}

/* ---- UTC date differs from the China date ------------------------------ */

static void utc_date_is_not_the_local_date(void **state)
{
    (void)state;
    /* 2026-09-30T17:00:00Z is 1 Oct 01:00 in China: day 0 = 1 Oct, so "1 calendar
     * day" ends 2 Oct 23:59:59 China time (the UTC date would have given 1 Oct). */
    int64_t t = utc("2026-09-30T17:00:00Z");
    assert_int_equal(due_of(PD_CAL_CALENDAR_DAYS, 1, t), cst("2026-10-02T23:59:59"));
    /* 1 working day: 1-7 Oct holiday, Thu 8 Oct. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, t), cst("2026-10-08T23:59:59"));
    /* 2026-02-13T17:00:00Z is Sat 14 Feb 01:00 in China: day 0 is the make-up
     * Saturday, not counted, so 1 working day runs to Tue 24 Feb. Counting from
     * the UTC date (Fri 13) would wrongly give Sat 14 Feb. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, utc("2026-02-13T17:00:00Z")),
                     cst("2026-02-24T23:59:59"));
    /* One second earlier in China (23:59:59 on Fri 13) it is still day 0 = Fri 13. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, utc("2026-02-13T15:59:59Z")),
                     cst("2026-02-14T23:59:59"));
}

/* ---- calendar days, hours, months, monthly ----------------------------- */

static void calendar_days_and_hours(void **state)
{
    (void)state;
    /* 7 calendar days from Fri 13 Feb 2026 (holidays count): Fri 20 Feb. */
    assert_int_equal(due_of(PD_CAL_CALENDAR_DAYS, 7, cst("2026-02-13T10:00:00")),
                     cst("2026-02-20T23:59:59"));
    /* 24 clock hours: the same time the next day, the hour included. */
    assert_int_equal(due_of(PD_CAL_HOURS, 24, cst("2026-02-13T10:00:00")),
                     cst("2026-02-14T10:00:00"));
    /* Milliseconds are dropped: the deadline is a whole second (invariant 4). */
    assert_int_equal(due_of(PD_CAL_HOURS, 1, cst("2026-02-13T10:00:00.750")),
                     cst("2026-02-13T11:00:00"));
    /* Hours cross a year end freely when both years are loaded. */
    assert_int_equal(due_of(PD_CAL_HOURS, 6, cst("2025-12-31T22:00:00")),
                     cst("2026-01-01T04:00:00"));
}

static void months_clamp_to_month_end(void **state)
{
    (void)state;
    /* 31 Jan + 1 month: 31 Feb does not exist, clamp to 28 Feb; end of that day. */
    assert_int_equal(due_of(PD_CAL_MONTHS, 1, cst("2025-01-31T10:00:00")),
                     cst("2025-02-28T23:59:59"));
    assert_int_equal(due_of(PD_CAL_MONTHS, 1, cst("2026-01-31T10:00:00")),
                     cst("2026-02-28T23:59:59"));
    /* 31 Mar + 1 month = 30 Apr. */
    assert_int_equal(due_of(PD_CAL_MONTHS, 1, cst("2025-03-31T08:00:00")),
                     cst("2025-04-30T23:59:59"));
    /* 15 Dec 2025 + 1 month crosses the year: 15 Jan 2026 (not 10:00: the end of the day). */
    assert_int_equal(due_of(PD_CAL_MONTHS, 1, cst("2025-12-15T10:00:00")),
                     cst("2026-01-15T23:59:59"));
    /* 31 Aug 2025 + 6 months = 28 Feb 2026. */
    assert_int_equal(due_of(PD_CAL_MONTHS, 6, cst("2025-08-31T10:00:00")),
                     cst("2026-02-28T23:59:59"));
    /* 2024 is not loaded: refused, not guessed (invariant 1). */
    refused(PD_CAL_MONTHS, 1, cst("2024-01-31T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN, "2024");
}

static void monthly_by_the_3rd(void **state)
{
    (void)state;
    /* The December 2025 summary is due by the end of 3 Jan 2026 — a holiday, but a
     * fixed date is a fixed date. */
    assert_int_equal(due_of(PD_CAL_MONTHLY_BY_DAY, 3, cst("2025-12-15T10:00:00")),
                     cst("2026-01-03T23:59:59"));
    assert_int_equal(due_of(PD_CAL_MONTHLY_BY_DAY, 3, cst("2025-12-31T23:59:59")),
                     cst("2026-01-03T23:59:59"));
    /* 31 Jan 2026 16:30Z is 1 Feb 00:30 in China: the period is February. */
    assert_int_equal(due_of(PD_CAL_MONTHLY_BY_DAY, 3, utc("2026-01-31T16:30:00Z")),
                     cst("2026-03-03T23:59:59"));
    /* "By the 31st" in a 28-day month is its last day. */
    assert_int_equal(due_of(PD_CAL_MONTHLY_BY_DAY, 31, cst("2026-01-10T10:00:00")),
                     cst("2026-02-28T23:59:59"));
    /* The December 2027 summary falls in 2028, which is not loaded. */
    refused(PD_CAL_MONTHLY_BY_DAY, 3, cst("2027-12-01T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN,
            "2028");
}

static void refused_outside_the_loaded_years(void **state)
{
    (void)state;
    /* Invariant 1: the event's year, every day counted and the deadline's year. */
    refused(PD_CAL_WORKING_DAYS, 1, cst("2024-12-31T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN, "2024");
    refused(PD_CAL_HOURS, 1, cst("2024-12-31T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN, "2024");
    /* Across the shipped years: Fri 25 Dec 2026 + 5 working days is Mon 4 Jan 2027
     * (Mon 28 - Thu 31 Dec are 4; Fri 1 Jan 2027 is New Year's Day). */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 5, cst("2026-12-25T10:00:00")),
                     cst("2027-01-04T23:59:59"));
    /* Fri 24 Dec 2027: Mon 27 - Fri 31 Dec are 5 working days; the 6th would be in
     * 2028. 5 is fine; 6 is refused instead of being counted on weekends only. */
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 5, cst("2027-12-24T10:00:00")),
                     cst("2027-12-31T23:59:59"));
    refused(PD_CAL_WORKING_DAYS, 6, cst("2027-12-24T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN, "2028");
    assert_int_equal(due_of(PD_CAL_CALENDAR_DAYS, 1, cst("2027-12-30T10:00:00")),
                     cst("2027-12-31T23:59:59"));
    refused(PD_CAL_CALENDAR_DAYS, 2, cst("2027-12-30T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN,
            "2028");
    refused(PD_CAL_HOURS, 24, cst("2027-12-31T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN, "2028");
    /* The message says what is loaded. */
    refused(PD_CAL_HOURS, 24, cst("2027-12-31T10:00:00"), PD_E_CALENDAR_YEAR_UNKNOWN,
            "2025, 2026, 2027");
}

static void bad_limits_and_regions(void **state)
{
    (void)state;
    int64_t t = cst("2026-03-02T10:00:00");
    refused(PD_CAL_WORKING_DAYS, 0, t, PD_E_CALENDAR_LIMIT_INVALID, "working_days");
    refused(PD_CAL_MONTHLY_BY_DAY, 32, t, PD_E_CALENDAR_LIMIT_INVALID, "monthly_by_day");
    refused(PD_CAL_HOURS, -1, t, PD_E_CALENDAR_LIMIT_INVALID, "hours");
    struct pd_calendar_node n;
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX];
    pd_calendar_node_default(&n);
    strcpy(n.region, "HK");
    assert_int_equal(pd_calendar_due(cal, &n, (struct pd_calendar_limit){PD_CAL_HOURS, 1}, t, NULL,
                                     0, 0, &d, detail),
                     PD_E_CALENDAR_REGION_UNKNOWN);
    assert_non_null(strstr(detail, "HK"));
    pd_calendar_node_default(&n);
    n.workdays = 0; /* would never reach a working day */
    assert_int_equal(pd_calendar_due(cal, &n, (struct pd_calendar_limit){PD_CAL_HOURS, 1}, t, NULL,
                                     0, 0, &d, detail),
                     PD_E_CALENDAR_NODE_INVALID);
    assert_non_null(strstr(detail, "workdays"));
    pd_calendar_node_default(&n);
    n.day_end_min = 0;
    assert_int_equal(pd_calendar_node_check(&n, detail), PD_E_CALENDAR_NODE_INVALID);
    assert_non_null(strstr(detail, "day_end_min"));
    pd_calendar_node_default(&n);
    n.utc_offset_min = 900;
    assert_int_equal(pd_calendar_node_check(&n, detail), PD_E_CALENDAR_NODE_INVALID);
    assert_non_null(strstr(detail, "utc_offset_min"));
    strcpy(n.region, "cn");
    assert_int_equal(pd_calendar_node_check(&n, detail), PD_E_CALENDAR_NODE_INVALID);
    assert_non_null(strstr(detail, "region"));
}

/* ---- the exact second --------------------------------------------------- */

static void the_deadline_second_is_in_time(void **state)
{
    (void)state;
    /* Invariant 4: the deadline is 23:59:59 and that whole second is in time;
     * 24:00:00.000 is late. */
    int64_t due = due_of(PD_CAL_WORKING_DAYS, 2, cst("2026-02-13T10:00:00"));
    assert_int_equal(due, cst("2026-02-24T23:59:59"));
    assert_true(pd_calendar_in_time(due, cst("2026-02-24T23:59:59")));
    assert_true(pd_calendar_in_time(due, cst("2026-02-24T23:59:59.999")));
    assert_false(pd_calendar_in_time(due, cst("2026-02-25T00:00:00")));
    char out[PD_RFC3339_MAX];
    assert_string_equal(pd_time_format(due, 480, out), "2026-02-24T23:59:59+08:00");
    /* An open pause's deadline is never late. */
    assert_true(pd_calendar_in_time(PD_CALENDAR_NEVER, cst("2026-12-31T00:00:00")));
}

/* ---- node overrides ----------------------------------------------------- */

static void node_that_works_saturdays(void **state)
{
    (void)state;
    struct pd_calendar_node n;
    pd_calendar_node_default(&n);
    n.workdays = PD_CAL_MON_FRI | PD_CAL_SAT;
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX];
    struct pd_calendar_limit one = {PD_CAL_WORKING_DAYS, 1};
    /* Fri 6 Mar 2026: the station works Saturdays, so Sat 7 Mar is the 1st
     * (Monday 9 Mar for an office). */
    assert_int_equal(
        pd_calendar_due(cal, &n, one, cst("2026-03-06T10:00:00"), NULL, 0, 0, &d, detail), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-07T23:59:59"));
    assert_int_equal(due_of(PD_CAL_WORKING_DAYS, 1, cst("2026-03-06T10:00:00")),
                     cst("2026-03-09T23:59:59"));
    /* Invariant 3: a holiday on a Saturday is still off. Fri 3 Apr 2026: Sat 4
     * (Qingming), Sun 5, Mon 6 (Qingming) -> Tue 7 Apr. */
    assert_int_equal(
        pd_calendar_due(cal, &n, one, cst("2026-04-03T10:00:00"), NULL, 0, 0, &d, detail), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-04-07T23:59:59"));
    /* And a make-up Sunday is a working day even for a node closed on Sundays
     * (a Tue-Sat week): Fri 2 Jan 2026 is a holiday, day 0; Sat 3 holiday;
     * Sun 4 make-up -> the 1st. */
    n.workdays = PD_CAL_TUE | PD_CAL_WED | PD_CAL_THU | PD_CAL_FRI | PD_CAL_SAT;
    assert_int_equal(
        pd_calendar_due(cal, &n, one, cst("2026-01-02T10:00:00"), NULL, 0, 0, &d, detail), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-01-04T23:59:59"));
}

static void working_day_ending_at_18(void **state)
{
    (void)state;
    struct pd_calendar_node n;
    pd_calendar_node_default(&n);
    n.day_end_min = 18 * 60;
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX];
    /* Mon 9 Mar 2026 19:00 (after closing, still day 0): Tue 10 Mar, ending 18:00,
     * so the last second in time is 17:59:59. */
    assert_int_equal(pd_calendar_due(cal, &n, (struct pd_calendar_limit){PD_CAL_WORKING_DAYS, 1},
                                     cst("2026-03-09T19:00:00"), NULL, 0, 0, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-10T17:59:59"));
    /* Fri 13 Feb + 2: Tue 24 Feb at 18:00. */
    assert_int_equal(pd_calendar_due(cal, &n, (struct pd_calendar_limit){PD_CAL_WORKING_DAYS, 2},
                                     cst("2026-02-13T10:00:00"), NULL, 0, 0, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-02-24T17:59:59"));
    /* Calendar days are not working days: they still end at 24:00. */
    assert_int_equal(pd_calendar_due(cal, &n, (struct pd_calendar_limit){PD_CAL_CALENDAR_DAYS, 1},
                                     cst("2026-03-09T19:00:00"), NULL, 0, 0, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-10T23:59:59"));
}

static void node_in_another_utc_offset(void **state)
{
    (void)state;
    struct pd_calendar_node n;
    pd_calendar_node_default(&n);
    n.utc_offset_min = 6 * 60; /* Ürümqi time, UTC+6 */
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX];
    /* 2026-02-13T17:00:00Z is Fri 13 Feb 23:00 at UTC+6 (but Sat 14 in Beijing):
     * day 0 = Fri 13, the 1st working day Sat 14 Feb, ending 24:00 UTC+6 =
     * 2026-02-14T17:59:59Z. */
    assert_int_equal(pd_calendar_due(cal, &n, (struct pd_calendar_limit){PD_CAL_WORKING_DAYS, 1},
                                     utc("2026-02-13T17:00:00Z"), NULL, 0, 0, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, utc("2026-02-14T17:59:59Z"));
}

/* ---- pauses ------------------------------------------------------------- */

static pd_err due_paused(const struct pd_calendar_node *n, enum pd_calendar_unit unit, int amount,
                         int64_t start, const struct pd_calendar_pause *p, size_t np, int permille,
                         struct pd_calendar_due *d)
{
    char detail[PD_CALENDAR_DETAIL_MAX] = "";
    pd_err e = pd_calendar_due(cal, n, (struct pd_calendar_limit){unit, amount}, start, p, np,
                               permille, d, detail);
    if (e != PD_OK)
        print_message("detail: %s\n", detail);
    return e;
}

static void pause_over_the_spring_festival(void **state)
{
    (void)state;
    struct pd_calendar_due d;
    /* Thu 12 Feb 2026 09:00, 2 working days: Fri 13 and Sat 14 (make-up) ->
     * base deadline Sat 14 Feb 23:59:59. The ticket waits for the customer from
     * Fri 13 Feb 12:00 to Tue 24 Feb 12:00. Working time the pause covered:
     * Fri 13 12:00-24:00 (12 h) + Sat 14 (24 h) + 15-23 Feb holiday (0) + Tue 24
     * 00:00-12:00 (12 h) = 48 h = two working days, so the deadline moves two
     * working days: Tue 24 and Wed 25 -> Wed 25 Feb 23:59:59. Walked: Fri 13
     * 00:00-12:00 spends 12 h of 48, the pause, Tue 24 12:00-24:00 spends 12 more,
     * Wed 25 the last 24. */
    struct pd_calendar_pause p = {cst("2026-02-13T12:00:00"), cst("2026-02-24T12:00:00")};
    assert_int_equal(
        due_paused(NULL, PD_CAL_WORKING_DAYS, 2, cst("2026-02-12T09:00:00"), &p, 1, 0, &d), PD_OK);
    assert_int_equal(d.base_due_ms, cst("2026-02-14T23:59:59"));
    assert_int_equal(d.due_ms, cst("2026-02-25T23:59:59"));
    assert_int_equal(d.counted_from_ms, cst("2026-02-13T00:00:00"));
    /* The same pause on a 24-hour clock shifts by its full length (264 h):
     * Fri 13 10:00-12:00 spends 2 h, then 22 h from Tue 24 12:00 = Wed 25 10:00. */
    assert_int_equal(due_paused(NULL, PD_CAL_HOURS, 24, cst("2026-02-13T10:00:00"), &p, 1, 0, &d),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2026-02-25T10:00:00"));
}

static void pause_shifts_by_counted_time_only(void **state)
{
    (void)state;
    struct pd_calendar_due d;
    int64_t mon = cst("2026-03-09T09:00:00"); /* 1 working day: Tue 10 Mar 23:59:59 */
    /* Invariant 5: a pause on day 0 (not counted) changes nothing. */
    struct pd_calendar_pause p0 = {cst("2026-03-09T10:00:00"), cst("2026-03-09T20:00:00")};
    assert_int_equal(due_paused(NULL, PD_CAL_WORKING_DAYS, 1, mon, &p0, 1, 0, &d), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-10T23:59:59"));
    /* A pause from day 0 into day 1 counts from midnight: Mon 20:00 - Tue 02:00
     * covers 2 h of Tue -> Wed 11 Mar 02:00, last second 01:59:59. */
    struct pd_calendar_pause p1 = {cst("2026-03-09T20:00:00"), cst("2026-03-10T02:00:00")};
    assert_int_equal(due_paused(NULL, PD_CAL_WORKING_DAYS, 1, mon, &p1, 1, 0, &d), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-11T01:59:59"));
    /* A pause after the deadline changes nothing. */
    struct pd_calendar_pause p2 = {cst("2026-03-12T10:00:00"), cst("2026-03-13T10:00:00")};
    assert_int_equal(due_paused(NULL, PD_CAL_WORKING_DAYS, 1, mon, &p2, 1, 0, &d), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-10T23:59:59"));
    /* With an 08:30-18:00 working day, a pause over the night covers no working
     * time: Tue 10 Mar 17:00 - Wed 11 Mar 08:30 covers Tue 17:00-18:00 only (1 h),
     * so the deadline (Tue 18:00) moves one working hour: Wed 09:30. */
    struct pd_calendar_node n;
    pd_calendar_node_default(&n);
    n.day_start_min = 8 * 60 + 30;
    n.day_end_min = 18 * 60;
    struct pd_calendar_pause p3 = {cst("2026-03-10T17:00:00"), cst("2026-03-11T08:30:00")};
    assert_int_equal(due_paused(&n, PD_CAL_WORKING_DAYS, 1, mon, &p3, 1, 0, &d), PD_OK);
    assert_int_equal(d.base_due_ms, cst("2026-03-10T17:59:59"));
    assert_int_equal(d.due_ms, cst("2026-03-11T09:29:59"));
    /* Overlapping and unsorted pauses are merged: [12:00,14:00) and [10:00,13:00)
     * on Tue 10 Mar = 4 h -> Wed 11 Mar 04:00. */
    struct pd_calendar_pause two[2] = {{cst("2026-03-10T12:00:00"), cst("2026-03-10T14:00:00")},
                                       {cst("2026-03-10T10:00:00"), cst("2026-03-10T13:00:00")}};
    assert_int_equal(due_paused(NULL, PD_CAL_WORKING_DAYS, 1, mon, two, 2, 0, &d), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-11T03:59:59"));
    /* 7 calendar days with a 2-day pause inside them end 2 days later. */
    struct pd_calendar_pause p4 = {cst("2026-03-11T00:00:00"), cst("2026-03-13T00:00:00")};
    assert_int_equal(due_paused(NULL, PD_CAL_CALENDAR_DAYS, 7, mon, &p4, 1, 0, &d), PD_OK);
    assert_int_equal(d.due_ms, cst("2026-03-18T23:59:59"));
    /* The monthly deadline is a fixed date: pauses are ignored. */
    assert_int_equal(
        due_paused(NULL, PD_CAL_MONTHLY_BY_DAY, 3, cst("2026-03-09T09:00:00"), &p4, 1, 0, &d),
        PD_OK);
    assert_int_equal(d.due_ms, cst("2026-04-03T23:59:59"));
}

static void open_pause_holds_the_clock(void **state)
{
    (void)state;
    struct pd_calendar_due d;
    int64_t mon = cst("2026-03-09T09:00:00");
    struct pd_calendar_pause open = {cst("2026-03-10T10:00:00"), PD_CALENDAR_OPEN};
    assert_int_equal(due_paused(NULL, PD_CAL_WORKING_DAYS, 1, mon, &open, 1, 750, &d), PD_OK);
    assert_true(d.held);
    assert_int_equal(d.due_ms, PD_CALENDAR_NEVER);
    assert_int_equal(d.base_due_ms, cst("2026-03-10T23:59:59"));
    /* 75 % of 24 h = 18 h, not reached by 10:00 -> held too. */
    assert_int_equal(d.warn_ms, PD_CALENDAR_NEVER);
    /* An open pause that begins after the deadline does not hold it. */
    struct pd_calendar_pause late = {cst("2026-03-11T10:00:00"), PD_CALENDAR_OPEN};
    assert_int_equal(due_paused(NULL, PD_CAL_WORKING_DAYS, 1, mon, &late, 1, 0, &d), PD_OK);
    assert_false(d.held);
    assert_int_equal(d.due_ms, cst("2026-03-10T23:59:59"));
}

static void bad_pauses(void **state)
{
    (void)state;
    struct pd_calendar_due d;
    char detail[PD_CALENDAR_DETAIL_MAX];
    struct pd_calendar_pause p[2] = {{cst("2026-03-10T10:00:00"), cst("2026-03-10T11:00:00")},
                                     {cst("2026-03-10T12:00:00"), cst("2026-03-10T11:00:00")}};
    assert_int_equal(pd_calendar_due(cal, NULL, (struct pd_calendar_limit){PD_CAL_HOURS, 5},
                                     cst("2026-03-10T09:00:00"), p, 2, 0, &d, detail),
                     PD_E_CALENDAR_PAUSE_INVALID);
    assert_non_null(strstr(detail, "pauses[1]"));
}

static void warn_point(void **state)
{
    (void)state;
    struct pd_calendar_due d;
    /* 75 % of 2 working days (48 h) = 36 h: Fri 13 Feb spends 24, Sat 14 (make-up)
     * 12 more -> Sat 14 Feb 12:00. */
    assert_int_equal(
        due_paused(NULL, PD_CAL_WORKING_DAYS, 2, cst("2026-02-12T09:00:00"), NULL, 0, 750, &d),
        PD_OK);
    assert_int_equal(d.warn_ms, cst("2026-02-14T12:00:00"));
    /* 50 % of 24 h from 10:00 = 22:00. */
    assert_int_equal(
        due_paused(NULL, PD_CAL_HOURS, 24, cst("2026-02-13T10:00:00"), NULL, 0, 500, &d), PD_OK);
    assert_int_equal(d.warn_ms, cst("2026-02-13T22:00:00"));
    struct pd_calendar_due bad;
    char detail[PD_CALENDAR_DETAIL_MAX];
    assert_int_equal(pd_calendar_due(cal, NULL, (struct pd_calendar_limit){PD_CAL_HOURS, 24},
                                     cst("2026-02-13T10:00:00"), NULL, 0, 1000, &bad, detail),
                     PD_E_CALENDAR_LIMIT_INVALID);
}

/* ---- the loader --------------------------------------------------------- */

static const char good_2028[] = "# a test year\n"
                                "date\tkind\tname\r\n" /* CRLF from a Windows editor */
                                "\n"
                                "2028-01-01\tholiday\t元旦\n"
                                "2028-01-02\tholiday\t元旦\n"
                                "2028-01-03\tholiday\t元旦\n"
                                "2028-01-09\tworkday\t调休上班\n";

static pd_err load_text(pd_calendar *c, const char *name, const char *text, char *detail)
{
    return pd_calendar_add_tsv(c, name, text, strlen(text), detail);
}

static void loader_accepts_a_year_and_uses_it(void **state)
{
    (void)state;
    pd_calendar *c = pd_calendar_new();
    assert_non_null(c);
    char detail[PD_CALENDAR_DETAIL_MAX];
    assert_int_equal(pd_calendar_load_shipped(c, detail), PD_OK);
    assert_int_equal(load_text(c, "CN-2028.tsv", good_2028, detail), PD_OK);
    char years[64];
    assert_string_equal(pd_calendar_years_text(c, "CN", years, sizeof years),
                        "2025, 2026, 2027, 2028");
    assert_string_equal(pd_calendar_years_text(c, "HK", years, sizeof years), "none");
    /* Now Fri 24 Dec 2027 + 6 working days can be answered: Mon 27 - Fri 31 Dec,
     * 1-3 Jan off, Tue 4 Jan 2028 the 6th. */
    struct pd_calendar_due d;
    assert_int_equal(pd_calendar_due(c, NULL, (struct pd_calendar_limit){PD_CAL_WORKING_DAYS, 6},
                                     cst("2027-12-24T10:00:00"), NULL, 0, 0, &d, detail),
                     PD_OK);
    assert_int_equal(d.due_ms, cst("2028-01-04T23:59:59"));
    /* The same year twice is refused and changes nothing. */
    assert_int_equal(load_text(c, "CN-2028.tsv", good_2028, detail), PD_E_CALENDAR_DATA_INVALID);
    assert_non_null(strstr(detail, "already loaded"));
    /* A regional file: its region is everything before the year. */
    assert_int_equal(load_text(c, "data/CN-XJ-2026.tsv", "date\tkind\tname\n", detail), PD_OK);
    assert_true(pd_calendar_has_region(c, "CN-XJ"));
    pd_calendar_free(c);
    pd_calendar_free(NULL);
}

static void loader_refuses_bad_files(void **state)
{
    (void)state;
    static const struct {
        const char *name, *text, *needle;
    } cases[] = {
        {"CN2026.tsv", "date\tkind\tname\n", "REGION-YEAR.tsv"},
        {"cn-2026.tsv", "date\tkind\tname\n", "REGION-YEAR.tsv"},
        {"CN-2026.txt", "date\tkind\tname\n", "REGION-YEAR.tsv"},
        {"CN-2026.tsv", "", "no header"},
        {"CN-2026.tsv", "# only comments\n", "no header"},
        {"CN-2026.tsv", "2026-01-01\tholiday\t元旦\n", "CN-2026.tsv:1: the first line"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-01\tholliday\t元旦\n",
         "CN-2026.tsv:2: kind must be holiday or workday, not \"holliday\""},
        {"CN-2026.tsv", "date\tkind\tname\n2025-12-31\tholiday\t元旦\n",
         "CN-2026.tsv:2: date 2025-12-31 is not in 2026"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-02-30\tholiday\tx\n", "2026-02-30"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-1-1\tholiday\tx\n", "YYYY-MM-DD"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-01\tholiday\t元旦\n2026-01-01\tholiday\tx\n",
         "CN-2026.tsv:3: date 2026-01-01 is listed twice"},
        /* Mon 5 Jan 2026 is a weekday: a make-up working day there is a typo. */
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-05\tworkday\tx\n", "is a weekday"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-01\tholiday\n", "three tab-separated"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-01\tholiday\t元旦\textra\n",
         "more than three columns"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-01\tholiday\t\n", "name must be"},
        {"CN-2026.tsv", "date\tkind\tname\n2026-01-01\tholiday\t\xff\xfe\n", "UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pd_calendar *c = pd_calendar_new();
        char detail[PD_CALENDAR_DETAIL_MAX] = "";
        pd_err e = load_text(c, cases[i].name, cases[i].text, detail);
        if (e != PD_E_CALENDAR_DATA_INVALID || !strstr(detail, cases[i].needle))
            fail_msg("case %zu: got %s \"%s\", wanted \"%s\"", i, pd_err_code(e), detail,
                     cases[i].needle);
        /* Nothing of a refused file is loaded. */
        assert_false(pd_calendar_has_region(c, "CN"));
        pd_calendar_free(c);
    }
}

static void loader_reads_a_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/pd-cal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/CN-2028.tsv", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(good_2028, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/README", dir); /* not a .tsv: ignored */
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("notes\n", f);
    fclose(f);

    pd_calendar *c = pd_calendar_new();
    char detail[PD_CALENDAR_DETAIL_MAX] = "";
    assert_int_equal(pd_calendar_load_dir(c, dir, detail), PD_OK);
    bool w = true;
    assert_int_equal(pd_calendar_is_working(c, NULL, 2028, 1, 1, &w, NULL, detail), PD_OK);
    assert_false(w);
    assert_int_equal(pd_calendar_is_working(c, NULL, 2028, 1, 9, &w, NULL, detail), PD_OK);
    assert_true(w); /* Sunday, make-up */
    /* Only 2028 was loaded from there. */
    assert_int_equal(pd_calendar_is_working(c, NULL, 2026, 1, 5, &w, NULL, detail),
                     PD_E_CALENDAR_YEAR_UNKNOWN);
    pd_calendar_free(c);

    /* A .tsv that is not named REGION-YEAR.tsv is an error naming it. */
    snprintf(path, sizeof path, "%s/holidays.tsv", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("date\tkind\tname\n", f);
    fclose(f);
    c = pd_calendar_new();
    assert_int_equal(pd_calendar_load_dir(c, dir, detail), PD_E_CALENDAR_DATA_INVALID);
    assert_non_null(strstr(detail, "holidays.tsv"));
    pd_calendar_free(c);
    unlink(path);
    snprintf(path, sizeof path, "%s/README", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/CN-2028.tsv", dir);
    unlink(path);
    /* An empty directory and a missing one are errors too. */
    c = pd_calendar_new();
    assert_int_equal(pd_calendar_load_dir(c, dir, detail), PD_E_CALENDAR_DATA_INVALID);
    assert_non_null(strstr(detail, "no REGION-YEAR.tsv"));
    rmdir(dir);
    assert_int_equal(pd_calendar_load_dir(c, dir, detail), PD_E_CALENDAR_DATA_INVALID);
    assert_non_null(strstr(detail, "cannot read"));
    assert_int_equal(pd_calendar_load_file(c, "/nonexistent/CN-2026.tsv", detail),
                     PD_E_CALENDAR_DATA_INVALID);
    pd_calendar_free(c);
}

static void unit_names(void **state)
{
    (void)state;
    for (int i = 0; i < PD_CAL__UNIT_COUNT; i++) {
        enum pd_calendar_unit u;
        assert_true(pd_calendar_unit_parse(pd_calendar_unit_name((enum pd_calendar_unit)i), &u));
        assert_int_equal(u, i);
        assert_true(pd_calendar_unit_max(u) >= 1);
    }
    enum pd_calendar_unit u;
    assert_false(pd_calendar_unit_parse("weeks", &u));
    assert_string_equal(pd_calendar_unit_name(PD_CAL__UNIT_COUNT), "?");
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
        cmocka_unit_test(shipped_2025_is_the_state_council_notice),
        cmocka_unit_test(shipped_2026_is_domain_section_7),
        cmocka_unit_test(spring_festival_2026),
        cmocka_unit_test(spring_festival_2025),
        cmocka_unit_test(october_holidays),
        cmocka_unit_test(year_end_working_days_run_across),
        cmocka_unit_test(utc_date_is_not_the_local_date),
        cmocka_unit_test(calendar_days_and_hours),
        cmocka_unit_test(months_clamp_to_month_end),
        cmocka_unit_test(monthly_by_the_3rd),
        cmocka_unit_test(refused_outside_the_loaded_years),
        cmocka_unit_test(bad_limits_and_regions),
        cmocka_unit_test(the_deadline_second_is_in_time),
        cmocka_unit_test(node_that_works_saturdays),
        cmocka_unit_test(working_day_ending_at_18),
        cmocka_unit_test(node_in_another_utc_offset),
        cmocka_unit_test(pause_over_the_spring_festival),
        cmocka_unit_test(pause_shifts_by_counted_time_only),
        cmocka_unit_test(open_pause_holds_the_clock),
        cmocka_unit_test(bad_pauses),
        cmocka_unit_test(warn_point),
        cmocka_unit_test(loader_accepts_a_year_and_uses_it),
        cmocka_unit_test(loader_refuses_bad_files),
        cmocka_unit_test(loader_reads_a_directory),
        cmocka_unit_test(unit_names),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
