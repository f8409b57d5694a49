/* Unit tests of src/core/status.c: every row of DOMAIN.md §4's status table
 * (typed in here from the spec, not read back from status.def), the status
 * of every event type and qualifier, the waybill summary (rule 4 of
 * status.h; invariants I2–I4 of status.c) and the promise check (I5). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/status.h"

/* DOMAIN.md §4, one line per internal status: Kuaidi100 state/advanced and
 * AfterShip tag/subtag. Statuses the spec's table does not list (the generic
 * exception) follow AfterShip's "other exception" convention. */
static const struct {
    const char *name;
    int k100_state, k100_adv;
    const char *tag, *subtag;
} spec[] = {
    {"info_received", 1, 101, "InfoReceived", "InfoReceived_001"},
    {"picked_up", 1, 103, "InTransit", "InTransit_002"},
    {"in_transit", 0, 1002, "InTransit", "InTransit_003"},
    {"departed", 0, 1002, "InTransit", "InTransit_007"},
    {"arrived_dest_city", 0, 1001, "InTransit", "InTransit_001"},
    {"out_for_delivery", 5, 0, "OutForDelivery", "OutForDelivery_001"},
    {"available_for_pickup", 5, 501, "AvailableForPickup", "AvailableForPickup_001"},
    {"attempt_failed", 2, 204, "AttemptFail", "AttemptFail_002"},
    {"unreachable", 2, 206, "AttemptFail", "AttemptFail_002"},
    {"delivered", 3, 301, "Delivered", "Delivered_003"},
    {"delivered_proxy", 3, 303, "Delivered", "Delivered_001"},
    {"delivered_locker", 3, 304, "Delivered", "Delivered_002"},
    {"refused", 14, 0, "Exception", "Exception_003"},
    {"address_issue", 2, 207, "Exception", "Exception_007"},
    {"damaged", 2, 209, "Exception", "Exception_012"},
    {"lost", 2, 0, "Exception", "Exception_013"},
    {"no_update", 2, 202, "Exception", "Exception_005"},
    {"exception", 2, 0, "Exception", "Exception_001"},
    {"returning", 6, 0, "Exception", "Exception_010"},
    {"returned", 4, 0, "Exception", "Exception_011"},
    {"cancelled", 2, 210, "", ""},
};

static enum pd_status st(const char *name)
{
    enum pd_status s = PD_ST__COUNT;
    if (!pd_status_parse(name, &s)) {
        print_error("no status named %s\n", name);
        fail();
    }
    return s;
}

static void table_matches_domain(void **state)
{
    (void)state;
    assert_int_equal(PD_ST__COUNT, sizeof spec / sizeof *spec);
    for (size_t i = 0; i < sizeof spec / sizeof *spec; i++) {
        const struct pd_status_info *in = pd_status_info(st(spec[i].name));
        assert_string_equal(in->name, spec[i].name);
        assert_int_equal(in->k100_state, spec[i].k100_state);
        assert_int_equal(in->k100_advanced, spec[i].k100_adv);
        assert_string_equal(in->as_tag, spec[i].tag);
        assert_string_equal(in->as_subtag, spec[i].subtag);
        assert_true(strlen(in->zh) > 0);
        /* only exception-like rows have a severity, only they rank 35 */
        bool normal = !strncmp(spec[i].tag, "InfoReceived", 12) ||
                      !strncmp(spec[i].tag, "InTransit", 9) ||
                      !strncmp(spec[i].tag, "OutForDelivery", 14) ||
                      !strncmp(spec[i].tag, "AvailableForPickup", 18) ||
                      !strncmp(spec[i].tag, "Delivered", 9);
        assert_int_equal(in->severity == 0, normal);
    }
    enum pd_status s = PD_ST_LOST;
    assert_false(pd_status_parse("Delivered", &s));
    assert_false(pd_status_parse(NULL, &s));
    assert_int_equal(s, PD_ST_LOST);
    /* a corrupt stored value still reads as a row, never NULL */
    const struct pd_status_info *u = pd_status_info(PD_ST__COUNT);
    assert_non_null(u);
    assert_string_equal(u->name, "unknown");
    assert_string_equal(u->as_tag, "");
}

/* The normal path climbs in rank (so "least advanced" means what it says). */
static void ranks_follow_the_path(void **state)
{
    (void)state;
    static const char *const path[] = {
        "info_received",     "picked_up",        "in_transit",           "departed",
        "arrived_dest_city", "out_for_delivery", "available_for_pickup", "delivered"};
    for (size_t i = 1; i < sizeof path / sizeof *path; i++)
        assert_true(pd_status_info(st(path[i - 1]))->rank < pd_status_info(st(path[i]))->rank);
    assert_int_equal(pd_status_info(PD_ST_DELIVERED_PROXY)->rank,
                     pd_status_info(PD_ST_DELIVERED)->rank);
    assert_int_equal(pd_status_info(PD_ST_DELIVERED_LOCKER)->rank,
                     pd_status_info(PD_ST_DELIVERED)->rank);
}

static void reasons(void **state)
{
    (void)state;
    static const char *const names[] = {"other",   "unreachable", "refused", "address",
                                        "damaged", "lost",        "missort", "prohibited",
                                        "delayed", "no_update"};
    assert_int_equal(PD_REASON__COUNT, sizeof names / sizeof *names);
    for (int i = 0; i < PD_REASON__COUNT; i++) {
        assert_string_equal(pd_scan_reason_names[i], names[i]);
        assert_int_equal(pd_scan_reason_parse(names[i]), i);
    }
    assert_null(pd_scan_reason_names[PD_REASON__COUNT]);
    assert_int_equal(pd_scan_reason_parse("Refused"), PD_REASON_OTHER);
    assert_int_equal(pd_scan_reason_parse("收件人不在家"), PD_REASON_OTHER);
    assert_int_equal(pd_scan_reason_parse(""), PD_REASON_OTHER);
    assert_int_equal(pd_scan_reason_parse(NULL), PD_REASON_OTHER);
}

/* I1: every type has its status; qualifiers refine only their own types. */
static void event_without_qualifier(void **state)
{
    (void)state;
    static const struct {
        enum pd_scan_type t;
        const char *want;
    } cases[] = {
        {PD_SCAN_PICKUP, "picked_up"},
        {PD_SCAN_ARRIVAL, "in_transit"},
        {PD_SCAN_SORT, "in_transit"},
        {PD_SCAN_BAG, "in_transit"},
        {PD_SCAN_UNBAG, "in_transit"},
        {PD_SCAN_LOAD, "in_transit"},
        {PD_SCAN_DEPARTURE, "departed"},
        {PD_SCAN_UNLOAD, "in_transit"},
        {PD_SCAN_STATION_ARRIVAL, "arrived_dest_city"},
        {PD_SCAN_OUT_FOR_DELIVERY, "out_for_delivery"},
        {PD_SCAN_DELIVERED, "delivered"},
        {PD_SCAN_FAILED_ATTEMPT, "attempt_failed"},
        {PD_SCAN_LOCKER_IN, "available_for_pickup"},
        {PD_SCAN_EXCEPTION, "exception"},
        {PD_SCAN_RETURN_START, "returning"},
        {PD_SCAN_RETURNED, "returned"},
    };
    assert_int_equal(sizeof cases / sizeof *cases, PD_SCAN__COUNT);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        enum pd_status got = pd_status_of_event(cases[i].t, PD_SIGNER_NONE, PD_REASON_OTHER, false);
        assert_string_equal(pd_status_info(got)->name, cases[i].want);
        /* "destination city" refines arrivals only */
        enum pd_status dest = pd_status_of_event(cases[i].t, PD_SIGNER_NONE, PD_REASON_OTHER, true);
        if (cases[i].t == PD_SCAN_ARRIVAL)
            assert_int_equal(dest, PD_ST_ARRIVED_DEST_CITY);
        else
            assert_int_equal(dest, got);
    }
    /* qualifiers of other types are ignored */
    assert_int_equal(pd_status_of_event(PD_SCAN_SORT, PD_SIGNER_PROXY, PD_REASON_LOST, false),
                     PD_ST_IN_TRANSIT);
    /* out-of-range input is corruption: an exception, never a crash */
    assert_int_equal(pd_status_of_event(PD_SCAN__COUNT, PD_SIGNER_NONE, PD_REASON_OTHER, false),
                     PD_ST_EXCEPTION);
    assert_int_equal(
        pd_status_of_event(PD_SCAN_DELIVERED, PD_SIGNER__COUNT, PD_REASON__COUNT, false),
        PD_ST_DELIVERED);
    assert_int_equal(pd_status_of_event(PD_SCAN_EXCEPTION, PD_SIGNER_NONE, PD_REASON__COUNT, false),
                     PD_ST_EXCEPTION);
}

static void delivered_by_signer(void **state)
{
    (void)state;
    static const char *const want[PD_SIGNER__COUNT] = {
        [PD_SIGNER_NONE] = "delivered",           [PD_SIGNER_RECIPIENT] = "delivered",
        [PD_SIGNER_PROXY] = "delivered_proxy",    [PD_SIGNER_LOCKER] = "delivered_locker",
        [PD_SIGNER_STATION] = "delivered_locker",
    };
    for (int s = 0; s < PD_SIGNER__COUNT; s++) {
        enum pd_status got =
            pd_status_of_event(PD_SCAN_DELIVERED, (enum pd_signer_type)s, PD_REASON_OTHER, false);
        assert_string_equal(pd_status_info(got)->name, want[s]);
    }
}

static void failures_and_exceptions_by_reason(void **state)
{
    (void)state;
    static const struct {
        enum pd_scan_reason r;
        const char *attempt, *exception;
    } cases[] = {
        {PD_REASON_OTHER, "attempt_failed", "exception"},
        {PD_REASON_UNREACHABLE, "unreachable", "unreachable"},
        {PD_REASON_REFUSED, "refused", "refused"},
        {PD_REASON_ADDRESS, "address_issue", "address_issue"},
        {PD_REASON_DAMAGED, "attempt_failed", "damaged"},
        {PD_REASON_LOST, "attempt_failed", "lost"},
        {PD_REASON_MISSORT, "attempt_failed", "exception"},
        {PD_REASON_PROHIBITED, "attempt_failed", "exception"},
        {PD_REASON_DELAYED, "attempt_failed", "exception"},
        /* the stale-parcel job's exception scan (http/monitor.c) */
        {PD_REASON_NO_UPDATE, "attempt_failed", "no_update"},
    };
    assert_int_equal(sizeof cases / sizeof *cases, PD_REASON__COUNT);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        enum pd_status a =
            pd_status_of_event(PD_SCAN_FAILED_ATTEMPT, PD_SIGNER_NONE, cases[i].r, false);
        enum pd_status e = pd_status_of_event(PD_SCAN_EXCEPTION, PD_SIGNER_NONE, cases[i].r, true);
        assert_string_equal(pd_status_info(a)->name, cases[i].attempt);
        assert_string_equal(pd_status_info(e)->name, cases[i].exception);
    }
    /* the path a device takes: free text is "other" */
    assert_int_equal(pd_status_of_event(PD_SCAN_FAILED_ATTEMPT, PD_SIGNER_NONE,
                                        pd_scan_reason_parse("电话无人接听"), false),
                     PD_ST_ATTEMPT_FAILED);
}

static enum pd_status sum(int n, ...)
{
    enum pd_status v[16];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        v[i] = st(va_arg(ap, const char *));
    va_end(ap);
    enum pd_status got = pd_status_summary(v, n);
    /* I2: the same answer whatever the order of the parcels */
    for (int rot = 1; rot < n; rot++) {
        enum pd_status w[16];
        for (int i = 0; i < n; i++)
            w[i] = v[(i + rot) % n];
        assert_int_equal(pd_status_summary(w, n), got);
    }
    return got;
}

static void summary(void **state)
{
    (void)state;
    assert_int_equal(pd_status_summary(NULL, 0), PD_ST_INFO_RECEIVED);
    enum pd_status one = PD_ST_DEPARTED;
    assert_int_equal(pd_status_summary(&one, 0), PD_ST_INFO_RECEIVED);
    assert_int_equal(pd_status_summary(&one, 1), PD_ST_DEPARTED);

    /* least advanced, so delivered only when every parcel is (I3) */
    assert_int_equal(sum(2, "delivered", "out_for_delivery"), PD_ST_OUT_FOR_DELIVERY);
    assert_int_equal(sum(3, "delivered", "delivered", "delivered"), PD_ST_DELIVERED);
    assert_int_equal(sum(3, "picked_up", "arrived_dest_city", "delivered"), PD_ST_PICKED_UP);
    assert_int_equal(sum(2, "info_received", "picked_up"), PD_ST_INFO_RECEIVED);
    assert_int_equal(sum(2, "available_for_pickup", "delivered_locker"),
                     PD_ST_AVAILABLE_FOR_PICKUP);
    /* mixed delivered kinds: plain delivered; one kind throughout: that kind */
    assert_int_equal(sum(2, "delivered_proxy", "delivered"), PD_ST_DELIVERED);
    assert_int_equal(sum(2, "delivered_locker", "delivered_proxy"), PD_ST_DELIVERED);
    assert_int_equal(sum(2, "delivered_proxy", "delivered_proxy"), PD_ST_DELIVERED_PROXY);
    assert_int_equal(sum(2, "delivered_locker", "delivered_locker"), PD_ST_DELIVERED_LOCKER);

    /* an exception on any parcel wins, the more severe first (I4) */
    assert_int_equal(sum(3, "delivered", "damaged", "out_for_delivery"), PD_ST_DAMAGED);
    assert_int_equal(sum(2, "info_received", "damaged"), PD_ST_DAMAGED);
    assert_int_equal(sum(2, "damaged", "lost"), PD_ST_LOST);
    assert_int_equal(sum(2, "attempt_failed", "refused"), PD_ST_REFUSED);
    assert_int_equal(sum(2, "delivered", "attempt_failed"), PD_ST_ATTEMPT_FAILED);
    assert_int_equal(sum(2, "unreachable", "attempt_failed"), PD_ST_ATTEMPT_FAILED);
    assert_int_equal(sum(2, "unreachable", "unreachable"), PD_ST_UNREACHABLE);
    assert_int_equal(sum(3, "unreachable", "delivered", "unreachable"), PD_ST_UNREACHABLE);
    assert_int_equal(sum(2, "address_issue", "refused"), PD_ST_REFUSED);
    assert_int_equal(sum(2, "no_update", "in_transit"), PD_ST_NO_UPDATE);
    /* returns: returned only once every parcel is back */
    assert_int_equal(sum(2, "returned", "delivered"), PD_ST_RETURNED);
    assert_int_equal(sum(2, "returned", "returning"), PD_ST_RETURNING);
    assert_int_equal(sum(2, "returned", "returned"), PD_ST_RETURNED);
    assert_int_equal(sum(2, "lost", "returning"), PD_ST_RETURNING);

    /* corrupt input surfaces as an exception */
    enum pd_status bad[2] = {PD_ST_DELIVERED, PD_ST__COUNT};
    assert_int_equal(pd_status_summary(bad, 2), PD_ST_EXCEPTION);
}

#define H (3600LL * 1000)

static void risk(void **state)
{
    (void)state;
    const int64_t now = 1795392000000LL, margin = 12 * H;

    /* no promise (I5) */
    assert_int_equal(pd_status_risk(PD_ST_IN_TRANSIT, 0, 0, now, margin), PD_RISK_NONE);
    /* on time: plenty left */
    assert_int_equal(pd_status_risk(PD_ST_IN_TRANSIT, now + 48 * H, 0, now, margin),
                     PD_RISK_ON_TIME);
    /* the margin edge: exactly the margin left is on time, 1 ms less is at risk */
    assert_int_equal(pd_status_risk(PD_ST_IN_TRANSIT, now + margin, 0, now, margin),
                     PD_RISK_ON_TIME);
    assert_int_equal(pd_status_risk(PD_ST_IN_TRANSIT, now + margin - 1, 0, now, margin),
                     PD_RISK_AT_RISK);
    assert_int_equal(pd_status_risk(PD_ST_DAMAGED, now + H, 0, now, margin), PD_RISK_AT_RISK);
    /* out for delivery or in a locker: the last step is under way */
    assert_int_equal(pd_status_risk(PD_ST_OUT_FOR_DELIVERY, now + H, 0, now, margin),
                     PD_RISK_ON_TIME);
    assert_int_equal(pd_status_risk(PD_ST_AVAILABLE_FOR_PICKUP, now + H, 0, now, margin),
                     PD_RISK_ON_TIME);
    /* late: the promise passed and not delivered; at the promise itself not yet */
    assert_int_equal(pd_status_risk(PD_ST_ARRIVED_DEST_CITY, now, 0, now, margin), PD_RISK_AT_RISK);
    assert_int_equal(pd_status_risk(PD_ST_ARRIVED_DEST_CITY, now - 1, 0, now, margin),
                     PD_RISK_LATE);
    assert_int_equal(pd_status_risk(PD_ST_OUT_FOR_DELIVERY, now - 1, 0, now, margin), PD_RISK_LATE);
    /* delivered: judged by the delivery time, not by now */
    assert_int_equal(pd_status_risk(PD_ST_DELIVERED, now - H, now - H + 1, now, margin),
                     PD_RISK_LATE);
    assert_int_equal(pd_status_risk(PD_ST_DELIVERED_PROXY, now - H, now - H, now, margin),
                     PD_RISK_ON_TIME);
    assert_int_equal(
        pd_status_risk(PD_ST_DELIVERED_LOCKER, now - 48 * H, now - 50 * H, now, margin),
        PD_RISK_ON_TIME);
    /* returns and cancellations owe no delivery (I5) */
    assert_int_equal(pd_status_risk(PD_ST_RETURNING, now - H, 0, now, margin), PD_RISK_NONE);
    assert_int_equal(pd_status_risk(PD_ST_RETURNED, now - H, 0, now, margin), PD_RISK_NONE);
    assert_int_equal(pd_status_risk(PD_ST_CANCELLED, now - H, 0, now, margin), PD_RISK_NONE);
    /* no margin: never at risk, still late */
    assert_int_equal(pd_status_risk(PD_ST_PICKED_UP, now + 1, 0, now, 0), PD_RISK_ON_TIME);
    assert_int_equal(pd_status_risk(PD_ST_PICKED_UP, now - 1, 0, now, 0), PD_RISK_LATE);

    assert_string_equal(pd_risk_name(PD_RISK_ON_TIME), "on_time");
    assert_string_equal(pd_risk_name(PD_RISK_AT_RISK), "at_risk");
    assert_string_equal(pd_risk_name(PD_RISK_LATE), "late");
    assert_string_equal(pd_risk_name(PD_RISK_NONE), "none");
    assert_string_equal(pd_risk_name((enum pd_risk)9), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_matches_domain),
        cmocka_unit_test(ranks_follow_the_path),
        cmocka_unit_test(reasons),
        cmocka_unit_test(event_without_qualifier),
        cmocka_unit_test(delivered_by_signer),
        cmocka_unit_test(failures_and_exceptions_by_reason),
        cmocka_unit_test(summary),
        cmocka_unit_test(risk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
