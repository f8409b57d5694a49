/*
 * Unit tests of http/desk.c: a clock row started, held by an open waiting
 * period (stored as zeros), recomputed when the period ends (the deadline
 * moves by the working time it covered), finished in time and late, and
 * read back as a state; a non-pausable clock ignores waiting.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/desk.h"
#include "util/config.h"
#include "util/timeutil.h"

static struct pd_desk *desk;
static struct pd_calendar_node node;

static int64_t t(const char *s)
{
    int64_t ms = 0;
    assert_true(pd_time_parse(s, &ms));
    return ms;
}

static int setup(void **state)
{
    struct pd_config cfg;
    pd_config_defaults(&cfg);
    /* the compiled-in calendars, whatever the working directory holds */
    snprintf(cfg.data_dir, sizeof cfg.data_dir, "/nonexistent-pd-test");
    char err[256];
    desk = pd_desk_new(&cfg, err);
    assert_non_null(desk);
    assert_string_equal(desk->calendar_source, "shipped");
    pd_desk_cal_node("CN", 480, &node);
    return 0;
}

static int teardown(void **state)
{
    pd_desk_free(desk);
    desk = NULL;
    return 0;
}

static void start_hold_resume(void **state)
{
    const struct pd_timelimit *inv = pd_timelimit_find("investigation");
    char detail[PD_CALENDAR_DETAIL_MAX];
    struct pd_ticket_clock c;
    /* Mon 9 Mar 2026 10:00 + 1 working day: Tue 23:59:59, warned Tue 18:00 */
    assert_int_equal(pd_desk_clock_start(desk, &node, inv, 7, t("2026-03-09T10:00:00+08:00"), NULL,
                                         0, &c, detail),
                     PD_OK);
    assert_int_equal(c.ticket_id, 7);
    assert_string_equal(c.rule, "investigation");
    assert_string_equal(c.state, "running");
    assert_true(c.pausable);
    assert_false(c.held);
    assert_int_equal(c.due_ms, t("2026-03-10T23:59:59+08:00"));
    assert_int_equal(c.warn_ms, t("2026-03-10T18:00:00+08:00"));

    /* Waiting from Mon 12:00, still open: held, stored as zeros. */
    struct pd_calendar_pause p = {t("2026-03-09T12:00:00+08:00"), PD_CALENDAR_OPEN};
    assert_int_equal(pd_desk_clock_recompute(desk, &node, &c, &p, 1, detail), PD_OK);
    assert_true(c.held);
    assert_int_equal(c.due_ms, 0);
    assert_int_equal(c.warn_ms, 0);
    assert_int_equal(c.base_due_ms, t("2026-03-10T23:59:59+08:00"));
    struct pd_clock_view v;
    assert_int_equal(
        pd_desk_clock_view(desk, &node, &c, &p, 1, t("2026-03-10T09:00:00+08:00"), &v, detail),
        PD_OK);
    assert_int_equal(v.state, PD_CLOCK_PAUSED);

    /* The customer answers Tue 09:00: 9 h of Tuesday covered, the deadline moves 9 h. */
    p.to_ms = t("2026-03-10T09:00:00+08:00");
    assert_int_equal(pd_desk_clock_recompute(desk, &node, &c, &p, 1, detail), PD_OK);
    assert_false(c.held);
    assert_int_equal(c.due_ms, t("2026-03-11T08:59:59+08:00"));

    /* Done Wed 08:00: in time; read back as met. */
    struct pd_ticket_clock done = c;
    assert_int_equal(pd_desk_clock_finish(desk, &node, &done, "met", t("2026-03-11T08:00:00+08:00"),
                                          &p, 1, detail),
                     PD_OK);
    assert_string_equal(done.state, "met");
    assert_false(done.late);
    assert_int_equal(done.met_ms, t("2026-03-11T08:00:00+08:00"));
    /* Stopped Wed 10:00 instead: late; a stopped clock reads as ended then. */
    assert_int_equal(pd_desk_clock_finish(desk, &node, &c, "stopped",
                                          t("2026-03-11T10:00:00+08:00"), &p, 1, detail),
                     PD_OK);
    assert_true(c.late);
    assert_int_equal(
        pd_desk_clock_view(desk, &node, &c, &p, 1, t("2026-03-20T10:00:00+08:00"), &v, detail),
        PD_OK);
    assert_int_equal(v.state, PD_CLOCK_MET);
    assert_true(v.late);
}

static void not_pausable_and_unknown(void **state)
{
    const struct pd_timelimit *reg = pd_timelimit_find("regulatory_reply");
    char detail[PD_CALENDAR_DETAIL_MAX];
    struct pd_ticket_clock c;
    struct pd_calendar_pause p = {t("2026-03-09T12:00:00+08:00"), PD_CALENDAR_OPEN};
    assert_int_equal(
        pd_desk_clock_start(desk, &node, reg, 1, t("2026-03-09T10:00:00+08:00"), &p, 1, &c, detail),
        PD_OK);
    assert_false(c.pausable);
    assert_false(c.held); /* the regulation's 7 days run whatever the customer does */
    assert_int_equal(c.due_ms, t("2026-03-16T23:59:59+08:00"));
    /* A row whose rule left the table is refused, not guessed. */
    snprintf(c.rule, sizeof c.rule, "coffee_break");
    assert_int_equal(pd_desk_clock_recompute(desk, &node, &c, NULL, 0, detail),
                     PD_E_TIMELIMIT_UNKNOWN);
    /* A deadline in a year the calendar does not hold cannot be started. */
    const struct pd_timelimit *comp = pd_timelimit_find("compensation");
    assert_int_equal(pd_desk_clock_start(desk, &node, comp, 1, t("2027-12-01T10:00:00+08:00"), NULL,
                                         0, &c, detail),
                     PD_E_CALENDAR_YEAR_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_hold_resume),
        cmocka_unit_test(not_pausable_and_unknown),
    };
    return cmocka_run_group_tests_name("http/desk", tests, setup, teardown);
}
