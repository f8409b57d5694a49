/* Unit tests of src/core/scan.c: the vocabulary tables and pd_scan_check —
 * the fields each type needs (from an expectation table written here, not
 * read back from scan.def), the consent rule, the future-time tolerance to
 * the millisecond, parcel numbers of another waybill, and text limits in
 * bytes of UTF-8. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/scan.h"
#include "core/waybill_no.h"

#define NOW_MS 1795392000000LL /* 2026-11-23T00:00:00Z */

static char wb[PD_WAYBILL_NO_SIZE], wb_other[PD_WAYBILL_NO_SIZE];
static char pcl[PD_PARCEL_NO_SIZE], pcl_other[PD_PARCEL_NO_SIZE];

static int setup(void **state)
{
    (void)state;
    if (!pd_waybill_no_format(12345, wb) || !pd_waybill_no_format(12346, wb_other) ||
        !pd_parcel_no_format(wb, 2, pcl) || !pd_parcel_no_format(wb_other, 2, pcl_other))
        return -1;
    return 0;
}

/* What each type needs, as the issue and CONTRACT.md describe it. */
struct need {
    const char *name;
    bool node, reason, signer, bag, trip, consent;
};
static const struct need needs[] = {
    {"pickup", true, false, false, false, false, false},
    {"arrival", true, false, false, false, false, false},
    {"sort", true, false, false, false, false, false},
    {"bag", true, false, false, true, false, false},
    {"unbag", true, false, false, true, false, false},
    {"load", true, false, false, false, true, false},
    {"departure", true, false, false, false, false, false},
    {"unload", true, false, false, false, true, false},
    {"station_arrival", true, false, false, false, false, false},
    {"out_for_delivery", true, false, false, false, false, false},
    {"delivered", true, false, true, false, false, true},
    {"failed_attempt", true, true, false, false, false, false},
    {"locker_in", true, false, false, false, false, true},
    {"exception", false, true, false, false, false, false},
    {"return_start", true, false, false, false, false, false},
    {"returned", true, false, false, false, false, false},
};

/* A complete, valid event of type @p t: every field a type may need. */
static struct pd_scan base(enum pd_scan_type t)
{
    struct pd_scan s = {
        .waybill_no = wb,
        .parcel_no = "",
        .type = t,
        .at_ms = NOW_MS - 3600 * 1000,
        .node = "SH-HUB-01",
        .operator_ = "张三",
        .device_id = "PDA-7",
        .device_seq = 1234,
        .bag_no = "BAG0001",
        .trip_no = "TRIP-20261123-01",
        .signer = "",
        .signer_type = t == PD_SCAN_DELIVERED ? PD_SIGNER_RECIPIENT : PD_SIGNER_NONE,
        .reason = "refused",
        .photo = "",
    };
    if (t == PD_SCAN_LOCKER_IN) {
        s.has_consent = true;
        s.consent = true;
    }
    return s;
}

static void expect(const struct pd_scan *s, pd_err want, const char *want_field)
{
    const char *field = "untouched";
    pd_err e = pd_scan_check(s, NOW_MS, &field);
    if (e != want || (want_field ? !field || strcmp(field, want_field) : field != NULL)) {
        print_error("type %s: got %s field %s, want %s field %s\n", pd_scan_type_name(s->type),
                    pd_err_code(e), field ? field : "(null)", pd_err_code(want),
                    want_field ? want_field : "(null)");
        fail();
    }
}

static void vocabulary(void **state)
{
    (void)state;
    assert_int_equal(PD_SCAN__COUNT, sizeof needs / sizeof *needs);
    for (int i = 0; i < PD_SCAN__COUNT; i++) {
        enum pd_scan_type t = PD_SCAN__COUNT;
        assert_string_equal(pd_scan_type_name((enum pd_scan_type)i), needs[i].name);
        assert_true(pd_scan_type_parse(needs[i].name, &t));
        assert_int_equal(t, i);
        assert_true(strlen(pd_scan_type_zh((enum pd_scan_type)i)) > 0);
    }
    assert_null(pd_scan_type_names[PD_SCAN__COUNT]);
    assert_string_equal(pd_scan_type_zh(PD_SCAN_LOCKER_IN), "入柜/入站");
    assert_string_equal(pd_scan_type_name(PD_SCAN__COUNT), "unknown");
    assert_string_equal(pd_scan_type_zh(PD_SCAN__COUNT), "未知");
    assert_int_equal(pd_scan_type_flags(PD_SCAN__COUNT), 0);
    enum pd_scan_type t = PD_SCAN_PICKUP;
    assert_false(pd_scan_type_parse("Arrival", &t));
    assert_false(pd_scan_type_parse("", &t));
    assert_false(pd_scan_type_parse(NULL, &t));
    assert_int_equal(t, PD_SCAN_PICKUP);

    static const char *const signers[] = {"recipient", "proxy", "locker", "station"};
    for (int i = 0; i < 4; i++) {
        enum pd_signer_type st = PD_SIGNER_NONE;
        assert_true(pd_signer_type_parse(signers[i], &st));
        assert_int_equal(st, PD_SIGNER_RECIPIENT + i);
        assert_string_equal(pd_signer_type_name(st), signers[i]);
        assert_string_equal(pd_signer_type_names[i], signers[i]);
    }
    assert_null(pd_signer_type_names[4]);
    enum pd_signer_type st = PD_SIGNER_NONE;
    assert_false(pd_signer_type_parse("none", &st));
    assert_false(pd_signer_type_parse("", &st));
    assert_false(pd_signer_type_parse(NULL, &st));
    assert_string_equal(pd_signer_type_name(PD_SIGNER_NONE), "");
    assert_string_equal(pd_signer_type_name(PD_SIGNER__COUNT), "unknown");
}

static void flags_match_needs(void **state)
{
    (void)state;
    for (int i = 0; i < PD_SCAN__COUNT; i++) {
        unsigned f = pd_scan_type_flags((enum pd_scan_type)i);
        assert_int_equal(!!(f & PD_SCAN_NEEDS_NODE), needs[i].node);
        assert_int_equal(!!(f & PD_SCAN_NEEDS_REASON), needs[i].reason);
        assert_int_equal(!!(f & PD_SCAN_NEEDS_SIGNER), needs[i].signer);
        assert_int_equal(!!(f & PD_SCAN_NEEDS_BAG), needs[i].bag);
        assert_int_equal(!!(f & PD_SCAN_NEEDS_TRIP), needs[i].trip);
        assert_int_equal(!!(f & PD_SCAN_CONSENT_RULE), needs[i].consent);
    }
}

/* Every type: the complete event passes; each optional-by-type field, taken
 * away (NULL and ""), is refused by exactly the types that need it. */
static void required_fields_per_type(void **state)
{
    (void)state;
    for (int i = 0; i < PD_SCAN__COUNT; i++) {
        enum pd_scan_type t = (enum pd_scan_type)i;
        struct pd_scan s = base(t);
        expect(&s, PD_OK, NULL);

        for (int empty = 0; empty < 2; empty++) {
            const char *gone = empty ? "" : NULL;
            s = base(t);
            s.node = gone;
            expect(&s, needs[i].node ? PD_E_JSON_MISSING : PD_OK, needs[i].node ? "node" : NULL);
            s = base(t);
            s.reason = gone;
            expect(&s, needs[i].reason ? PD_E_JSON_MISSING : PD_OK,
                   needs[i].reason ? "reason" : NULL);
            s = base(t);
            s.bag_no = gone;
            expect(&s, needs[i].bag ? PD_E_JSON_MISSING : PD_OK, needs[i].bag ? "bag_no" : NULL);
            s = base(t);
            s.trip_no = gone;
            expect(&s, needs[i].trip ? PD_E_JSON_MISSING : PD_OK, needs[i].trip ? "trip_no" : NULL);
        }
        s = base(t);
        s.signer_type = PD_SIGNER_NONE;
        expect(&s, needs[i].signer ? PD_E_JSON_MISSING : PD_OK,
               needs[i].signer ? "signer_type" : NULL);

        /* The keys every event needs, whatever its type. */
        s = base(t);
        s.device_id = "";
        expect(&s, PD_E_JSON_MISSING, "device_id");
        s = base(t);
        s.waybill_no = NULL;
        expect(&s, PD_E_JSON_MISSING, "waybill_no");
    }
}

static void type_and_enum_out_of_range(void **state)
{
    (void)state;
    struct pd_scan s = base(PD_SCAN_ARRIVAL);
    s.type = PD_SCAN__COUNT;
    expect(&s, PD_E_SCAN_TYPE_UNKNOWN, "type");
    s.type = (enum pd_scan_type) - 1;
    expect(&s, PD_E_SCAN_TYPE_UNKNOWN, "type");
    s = base(PD_SCAN_DELIVERED);
    s.signer_type = PD_SIGNER__COUNT;
    expect(&s, PD_E_JSON_ENUM, "signer_type");
    /* field may be NULL when the caller does not want it */
    assert_int_equal(pd_scan_check(&s, NOW_MS, NULL), PD_E_JSON_ENUM);
}

static void consent_rule(void **state)
{
    (void)state;
    static const struct {
        enum pd_signer_type signer;
        bool needs_consent;
    } cases[] = {
        {PD_SIGNER_RECIPIENT, false},
        {PD_SIGNER_PROXY, true},
        {PD_SIGNER_LOCKER, true},
        {PD_SIGNER_STATION, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct pd_scan s = base(PD_SCAN_DELIVERED);
        s.signer_type = cases[i].signer;
        /* consent not recorded, recorded as refused, recorded as given */
        s.has_consent = false;
        expect(&s, cases[i].needs_consent ? PD_E_SCAN_CONSENT : PD_OK,
               cases[i].needs_consent ? "consent" : NULL);
        s.has_consent = true;
        s.consent = false;
        expect(&s, cases[i].needs_consent ? PD_E_SCAN_CONSENT : PD_OK,
               cases[i].needs_consent ? "consent" : NULL);
        s.consent = true;
        expect(&s, PD_OK, NULL);
        /* consent=true without has_consent is not a recorded consent */
        s.has_consent = false;
        expect(&s, cases[i].needs_consent ? PD_E_SCAN_CONSENT : PD_OK,
               cases[i].needs_consent ? "consent" : NULL);
    }

    struct pd_scan s = base(PD_SCAN_LOCKER_IN);
    expect(&s, PD_OK, NULL);
    s.has_consent = false;
    expect(&s, PD_E_SCAN_CONSENT, "consent");
    s.has_consent = true;
    s.consent = false;
    expect(&s, PD_E_SCAN_CONSENT, "consent");

    /* A signer type on a type without the rule does not trigger it. */
    s = base(PD_SCAN_OUT_FOR_DELIVERY);
    s.signer_type = PD_SIGNER_LOCKER;
    expect(&s, PD_OK, NULL);
}

static void event_time(void **state)
{
    (void)state;
    struct pd_scan s = base(PD_SCAN_ARRIVAL);
    s.at_ms = NOW_MS;
    expect(&s, PD_OK, NULL);
    s.at_ms = NOW_MS + PD_SCAN_FUTURE_TOLERANCE_MS; /* exactly at the tolerance */
    expect(&s, PD_OK, NULL);
    s.at_ms = NOW_MS + PD_SCAN_FUTURE_TOLERANCE_MS + 1;
    expect(&s, PD_E_SCAN_TIME_FUTURE, "at");
    s.at_ms = INT64_MAX; /* no overflow on the way */
    expect(&s, PD_E_SCAN_TIME_FUTURE, "at");

    s.at_ms = 946684800000LL; /* 2000-01-01T00:00:00Z */
    expect(&s, PD_OK, NULL);
    s.at_ms = 946684800000LL - 1;
    expect(&s, PD_E_JSON_RANGE, "at");
    s.at_ms = 0;
    expect(&s, PD_E_JSON_RANGE, "at");
    s.at_ms = INT64_MIN;
    expect(&s, PD_E_JSON_RANGE, "at");
}

static void numbers(void **state)
{
    (void)state;
    struct pd_scan s = base(PD_SCAN_SORT);
    s.parcel_no = pcl;
    expect(&s, PD_OK, NULL);
    s.parcel_no = pcl_other; /* a valid parcel number, of another waybill */
    expect(&s, PD_E_SCAN_PARCEL_MISMATCH, "parcel_no");
    s.parcel_no = NULL;
    expect(&s, PD_OK, NULL);

    char bad[PD_PARCEL_NO_SIZE];
    memcpy(bad, pcl, sizeof bad);
    bad[PD_PARCEL_NO_LEN - 1] = bad[PD_PARCEL_NO_LEN - 1] == '0' ? '1' : '0';
    s.parcel_no = bad;
    expect(&s, PD_E_WAYBILL_NO_INVALID, "parcel_no");
    s.parcel_no = wb; /* a waybill number is not a parcel number */
    expect(&s, PD_E_WAYBILL_NO_INVALID, "parcel_no");

    char badwb[PD_WAYBILL_NO_SIZE];
    memcpy(badwb, wb, sizeof badwb);
    badwb[PD_WAYBILL_NO_LEN - 1] = badwb[PD_WAYBILL_NO_LEN - 1] == '0' ? '1' : '0';
    s = base(PD_SCAN_SORT);
    s.waybill_no = badwb;
    expect(&s, PD_E_WAYBILL_NO_INVALID, "waybill_no");
    s.waybill_no = "";
    expect(&s, PD_E_JSON_MISSING, "waybill_no");
}

static void device_key(void **state)
{
    (void)state;
    char id[PD_SCAN_DEVICE_MAX + 2];
    memset(id, 'D', sizeof id);
    id[PD_SCAN_DEVICE_MAX] = '\0';
    struct pd_scan s = base(PD_SCAN_PICKUP);
    s.device_id = id;
    expect(&s, PD_OK, NULL);
    id[PD_SCAN_DEVICE_MAX] = 'D';
    id[PD_SCAN_DEVICE_MAX + 1] = '\0';
    expect(&s, PD_E_JSON_TOO_LONG, "device_id");
    s.device_id = NULL;
    expect(&s, PD_E_JSON_MISSING, "device_id");
    s.device_id = "PDA-\xff";
    expect(&s, PD_E_JSON_UTF8, "device_id");

    s = base(PD_SCAN_PICKUP);
    s.device_seq = 0;
    expect(&s, PD_OK, NULL);
    s.device_seq = INT64_MAX;
    expect(&s, PD_OK, NULL);
    s.device_seq = -1;
    expect(&s, PD_E_JSON_RANGE, "device_seq");
}

static void node_format(void **state)
{
    (void)state;
    struct pd_scan s = base(PD_SCAN_ARRIVAL);
    s.node = "sh hub"; /* lower case and a space: not a node code */
    expect(&s, PD_E_JSON_FORMAT, "node");
    s = base(PD_SCAN_EXCEPTION); /* node optional, but checked when given */
    s.node = "X";
    expect(&s, PD_E_JSON_FORMAT, "node");
    s.node = "";
    expect(&s, PD_OK, NULL);
}

static void temperature(void **state)
{
    (void)state;
    struct pd_scan s = base(PD_SCAN_ARRIVAL);
    s.has_temperature = true;
    static const int32_t ok[] = {-80000, -18000, 0, 4500, 80000};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        s.temperature_mc = ok[i];
        expect(&s, PD_OK, NULL);
    }
    static const int32_t bad[] = {-80001, 80001, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s.temperature_mc = bad[i];
        expect(&s, PD_E_JSON_RANGE, "temperature_c");
    }
    s.has_temperature = false; /* no reading: the value is not looked at */
    expect(&s, PD_OK, NULL);
}

/* n copies of "中" (3 bytes each) followed by @p tail. */
static const char *zh_text(char *buf, size_t size, int n, const char *tail)
{
    buf[0] = '\0';
    for (int i = 0; i < n; i++)
        strncat(buf, "中", size - strlen(buf) - 1);
    strncat(buf, tail, size - strlen(buf) - 1);
    return buf;
}

static void text_limits_utf8(void **state)
{
    (void)state;
    static const char *const fields[] = {"operator", "signer", "reason", "photo"};
    char buf[512];
    for (int f = 0; f < 4; f++) {
        struct pd_scan s = base(PD_SCAN_FAILED_ATTEMPT);
        const char **slot = f == 0   ? &s.operator_
                            : f == 1 ? &s.signer
                            : f == 2 ? &s.reason
                                     : &s.photo;
        *slot = zh_text(buf, sizeof buf, 66, ""); /* 198 bytes */
        expect(&s, PD_OK, NULL);
        *slot = zh_text(buf, sizeof buf, 66, "ab"); /* exactly PD_SCAN_TEXT_MAX */
        assert_int_equal(strlen(*slot), PD_SCAN_TEXT_MAX);
        expect(&s, PD_OK, NULL);
        *slot = zh_text(buf, sizeof buf, 67, ""); /* 201 bytes: 67 characters is too long */
        expect(&s, PD_E_JSON_TOO_LONG, fields[f]);
        *slot = zh_text(buf, sizeof buf, 66, "abc");
        expect(&s, PD_E_JSON_TOO_LONG, fields[f]);
        *slot = "\xe4\xb8"; /* a cut-off "中" */
        expect(&s, PD_E_JSON_UTF8, fields[f]);
        *slot = "\xc0\xaf"; /* overlong "/" */
        expect(&s, PD_E_JSON_UTF8, fields[f]);
    }

    struct pd_scan s = base(PD_SCAN_BAG);
    char label[40];
    memset(label, 'B', sizeof label);
    label[32] = '\0';
    s.bag_no = label;
    expect(&s, PD_OK, NULL);
    label[32] = 'B';
    label[33] = '\0';
    expect(&s, PD_E_JSON_TOO_LONG, "bag_no");
    s = base(PD_SCAN_LOAD);
    s.trip_no = label;
    expect(&s, PD_E_JSON_TOO_LONG, "trip_no");
}

/* With several faults the first in the documented order is reported. */
static void order_of_checks(void **state)
{
    (void)state;
    struct pd_scan s = base(PD_SCAN_DELIVERED);
    s.signer_type = PD_SIGNER_LOCKER; /* and no consent */
    s.node = NULL;
    s.operator_ = "\xff";
    expect(&s, PD_E_JSON_MISSING, "node");
    s.node = "SH-HUB-01";
    expect(&s, PD_E_SCAN_CONSENT, "consent");
    s.has_consent = s.consent = true;
    expect(&s, PD_E_JSON_UTF8, "operator");
    s.at_ms = NOW_MS + PD_SCAN_FUTURE_TOLERANCE_MS + 1;
    s.parcel_no = pcl_other;
    expect(&s, PD_E_SCAN_PARCEL_MISMATCH, "parcel_no");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vocabulary),
        cmocka_unit_test(flags_match_needs),
        cmocka_unit_test(required_fields_per_type),
        cmocka_unit_test(type_and_enum_out_of_range),
        cmocka_unit_test(consent_rule),
        cmocka_unit_test(event_time),
        cmocka_unit_test(numbers),
        cmocka_unit_test(device_key),
        cmocka_unit_test(node_format),
        cmocka_unit_test(temperature),
        cmocka_unit_test(text_limits_utf8),
        cmocka_unit_test(order_of_checks),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
