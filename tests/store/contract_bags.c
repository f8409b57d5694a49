/*
 * Contract tests of bags (集包), on both backends: bag_add creates a bag,
 * puts parcels in once (a second add of a parcel inside is a no-op), takes a
 * parcel out of the bag it was in when it goes into another, and opens an
 * opened bag again where it is refilled; bag_contents "as of" a time (added
 * at or before, not removed by then) and every stay; bag_remove of one
 * parcel, of a whole waybill and of everything (the bag becomes opened, and
 * a parcel put in after that time stays); bag events stored once per
 * idempotency key (a second insert writes nothing), the bag sealed by its
 * first event and its last_ms moved; events listed by time; unknown bags.
 */
#include "contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"
#include "core/waybill_no.h"

static pd_store *st;

#define T0  1700000000000LL
#define MIN 60000LL

static int bags_setup(void **state)
{
    (void)state;
    if (!st)
        st = ct_open_fresh_migrated();
    return 0;
}

static int bags_close(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

static void new_no(char out[PD_WB_NO_SIZE])
{
    assert_true(pd_waybill_no_format(300000 + (uint64_t)ct_seq() * 1000, out));
}

static void new_bag(char out[PD_BAG_NO_SIZE])
{
    snprintf(out, PD_BAG_NO_SIZE, "B-%d-袋", ct_seq());
}

static struct pd_scan_row bag_scan(const char *bag, const char *wb, const char *parcel, int64_t at,
                                   const char *node)
{
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.bag_no, sizeof r.bag_no, "%s", bag);
    snprintf(r.waybill_no, sizeof r.waybill_no, "%s", wb);
    snprintf(r.parcel_no, sizeof r.parcel_no, "%s", parcel);
    r.type = PD_SCAN_BAG;
    r.at_ms = at;
    snprintf(r.node_code, sizeof r.node_code, "%s", node);
    return r;
}

static pd_qs add(const struct pd_scan_row *r)
{
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->bag_add(db, r);
    ct_commit(db);
    return qs;
}

static struct pd_bag get(const char *bag, pd_qs want)
{
    struct pd_bag b;
    memset(&b, 0, sizeof b);
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->bag_get(db, bag, &b), want);
    ct_commit(db);
    return b;
}

struct stays {
    int n;
    struct pd_bag_content k[16];
};

static int stay_cb(void *cls, const struct pd_bag_content *c)
{
    struct stays *s = cls;
    assert_true(s->n < 16);
    s->k[s->n++] = *c;
    return 0;
}

static struct stays contents(const char *bag, int64_t at, int limit)
{
    struct stays s = {0};
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->bag_contents(db, bag, at, limit, stay_cb, &s);
    assert_int_equal(qs, s.n);
    ct_commit(db);
    return s;
}

static pd_qs remove_(const char *bag, const char *wb, const char *parcel, int64_t at)
{
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->bag_remove(db, bag, wb, parcel, at);
    ct_commit(db);
    return qs;
}

static void test_bag_add_and_contents(void **state)
{
    (void)state;
    char bag[PD_BAG_NO_SIZE], other[PD_BAG_NO_SIZE], wa[PD_WB_NO_SIZE], wc[PD_WB_NO_SIZE];
    char p1[PD_PCL_NO_SIZE], p2[PD_PCL_NO_SIZE];
    new_bag(bag);
    new_bag(other);
    new_no(wa);
    new_no(wc);
    assert_true(pd_parcel_no_format(wa, 1, p1));
    assert_true(pd_parcel_no_format(wa, 2, p2));
    get(bag, PD_QS_NONE);

    struct pd_scan_row r1 = bag_scan(bag, wa, p1, T0 + 10 * MIN, "GZ-HUB");
    assert_int_equal(add(&r1), PD_QS_ONE);
    assert_int_equal(add(&r1), PD_QS_NONE); /* inside already */
    struct pd_scan_row r2 = bag_scan(bag, wa, p2, T0 + 12 * MIN, "GZ-HUB");
    struct pd_scan_row r3 = bag_scan(bag, wc, "", T0 + 5 * MIN, "GZ-HUB"); /* late, earlier time */
    assert_int_equal(add(&r2), PD_QS_ONE);
    assert_int_equal(add(&r3), PD_QS_ONE);

    struct pd_bag b = get(bag, PD_QS_ONE);
    assert_string_equal(b.bag_no, bag);
    assert_string_equal(b.node_code, "GZ-HUB");
    assert_int_equal(b.state, PD_BAG_OPEN);
    assert_int_equal(b.first_ms, T0 + 5 * MIN);
    assert_int_equal(b.last_ms, T0 + 12 * MIN);
    assert_int_equal(b.inside, 3);

    /* as of a time: only what had gone in by then, by added time */
    struct stays s = contents(bag, T0 + 11 * MIN, 100);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.k[0].waybill_no, wc);
    assert_string_equal(s.k[0].parcel_no, "");
    assert_string_equal(s.k[1].parcel_no, p1);
    assert_int_equal(s.k[1].added_ms, T0 + 10 * MIN);
    assert_int_equal(s.k[1].removed_ms, 0);
    assert_int_equal(contents(bag, T0 + 1 * MIN, 100).n, 0);
    assert_int_equal(contents(bag, T0 + 60 * MIN, 2).n, 2); /* the limit */

    /* into another bag: it leaves the first */
    struct pd_scan_row moved = bag_scan(other, wa, p2, T0 + 30 * MIN, "SZ-NS-01");
    assert_int_equal(add(&moved), PD_QS_ONE);
    assert_int_equal(get(bag, PD_QS_ONE).inside, 2);
    assert_int_equal(get(other, PD_QS_ONE).inside, 1);
    s = contents(bag, 0, 100);
    assert_int_equal(s.n, 3);
    assert_int_equal(s.k[2].removed_ms, T0 + 30 * MIN);
    assert_int_equal(contents(bag, T0 + 20 * MIN, 100).n, 3); /* it was inside then */
    assert_int_equal(contents(bag, T0 + 30 * MIN, 100).n, 2);
}

static void test_bag_remove_and_reopen(void **state)
{
    (void)state;
    char bag[PD_BAG_NO_SIZE], wa[PD_WB_NO_SIZE], wc[PD_WB_NO_SIZE];
    char p1[PD_PCL_NO_SIZE], p2[PD_PCL_NO_SIZE];
    new_bag(bag);
    new_no(wa);
    new_no(wc);
    assert_true(pd_parcel_no_format(wa, 1, p1));
    assert_true(pd_parcel_no_format(wa, 2, p2));
    struct pd_scan_row r[] = {bag_scan(bag, wa, p1, T0, "GZ-HUB"),
                              bag_scan(bag, wa, p2, T0, "GZ-HUB"),
                              bag_scan(bag, wc, "", T0, "GZ-HUB")};
    for (int i = 0; i < 3; i++)
        assert_int_equal(add(&r[i]), PD_QS_ONE);

    assert_int_equal(remove_(bag, wa, p1, T0 + MIN), 1);
    assert_int_equal(remove_(bag, wa, p1, T0 + 2 * MIN), 0); /* out already */
    assert_int_equal(get(bag, PD_QS_ONE).inside, 2);
    assert_int_equal(get(bag, PD_QS_ONE).state, PD_BAG_OPEN);

    /* put in again after an unbag of everything at T0+10: stays inside */
    struct pd_scan_row back = bag_scan(bag, wa, p1, T0 + 20 * MIN, "SH-HUB");
    assert_int_equal(add(&back), PD_QS_ONE);
    assert_int_equal(remove_(bag, NULL, NULL, T0 + 10 * MIN), 2);
    struct pd_bag b = get(bag, PD_QS_ONE);
    assert_int_equal(b.state, PD_BAG_OPENED);
    assert_int_equal(b.inside, 1);
    assert_int_equal(b.last_ms, T0 + 20 * MIN);
    struct stays s = contents(bag, T0 + 25 * MIN, 100);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.k[0].parcel_no, p1);

    /* a bag scan into an opened bag opens it again, where it is refilled */
    struct pd_scan_row refill = bag_scan(bag, wc, "", T0 + 30 * MIN, "SH-HUB");
    assert_int_equal(add(&refill), PD_QS_ONE);
    b = get(bag, PD_QS_ONE);
    assert_int_equal(b.state, PD_BAG_OPEN);
    assert_string_equal(b.node_code, "SH-HUB");

    /* a waybill's every stay: parcel_no "" */
    assert_int_equal(remove_(bag, wc, "", T0 + 40 * MIN), 1);
    assert_int_equal(remove_(bag, wa, "", T0 + 40 * MIN), 1);
    assert_int_equal(get(bag, PD_QS_ONE).inside, 0);
    assert_int_equal(remove_("NO-SUCH-BAG", NULL, NULL, T0), 0);
}

static struct pd_bag_event bag_ev(const char *bag, enum pd_scan_type type, int64_t at,
                                  const char *device, int64_t seq)
{
    struct pd_bag_event e;
    memset(&e, 0, sizeof e);
    snprintf(e.bag_no, sizeof e.bag_no, "%s", bag);
    e.type = (int)type;
    e.at_ms = at;
    snprintf(e.node_code, sizeof e.node_code, "GZ-HUB");
    snprintf(e.operator_, sizeof e.operator_, "王\"分拣\\");
    snprintf(e.device_id, sizeof e.device_id, "%s", device);
    e.device_seq = seq;
    snprintf(e.trip_no, sizeof e.trip_no, "T-1");
    e.expanded = 3;
    e.received_ms = at + 1000;
    return e;
}

struct evlist {
    int n;
    struct pd_bag_event e[8];
};

static int ev_cb(void *cls, const struct pd_bag_event *e)
{
    struct evlist *l = cls;
    assert_true(l->n < 8);
    l->e[l->n++] = *e;
    return 0;
}

static void test_bag_events(void **state)
{
    (void)state;
    char bag[PD_BAG_NO_SIZE], wa[PD_WB_NO_SIZE], device[40];
    new_bag(bag);
    new_no(wa);
    snprintf(device, sizeof device, "PDA-%d", ct_seq());
    struct pd_scan_row r = bag_scan(bag, wa, "", T0, "GZ-HUB");
    assert_int_equal(add(&r), PD_QS_ONE);

    struct pd_bag_event dep = bag_ev(bag, PD_SCAN_DEPARTURE, T0 + 60 * MIN, device, 7);
    struct pd_bag_event arr = bag_ev(bag, PD_SCAN_ARRIVAL, T0 + 30 * MIN, device, 8);
    pd_db *db = ct_begin(st);
    struct pd_bag_event found;
    assert_int_equal(db->ops->bag_event_find(db, device, 7, &found), PD_QS_NONE);
    assert_int_equal(db->ops->bag_event_insert(db, &dep), PD_QS_ONE);
    assert_true(dep.id > 0);
    struct pd_bag_event again = dep;
    again.id = 0;
    assert_int_equal(db->ops->bag_event_insert(db, &again), PD_QS_NONE);
    assert_int_equal(db->ops->bag_event_insert(db, &arr), PD_QS_ONE);
    ct_commit(db);

    struct pd_bag b = get(bag, PD_QS_ONE);
    assert_int_equal(b.state, PD_BAG_SEALED);
    assert_int_equal(b.last_ms, T0 + 60 * MIN);

    db = ct_begin(st);
    assert_int_equal(db->ops->bag_event_find(db, device, 7, &found), PD_QS_ONE);
    assert_int_equal(found.id, dep.id);
    assert_string_equal(found.bag_no, bag);
    assert_int_equal(found.type, PD_SCAN_DEPARTURE);
    assert_int_equal(found.at_ms, T0 + 60 * MIN);
    assert_string_equal(found.node_code, "GZ-HUB");
    assert_string_equal(found.operator_, "王\"分拣\\");
    assert_string_equal(found.device_id, device);
    assert_int_equal(found.device_seq, 7);
    assert_string_equal(found.trip_no, "T-1");
    assert_int_equal(found.expanded, 3);
    assert_int_equal(found.received_ms, T0 + 60 * MIN + 1000);
    struct evlist l = {0};
    assert_int_equal(db->ops->bag_event_list(db, bag, ev_cb, &l), 2);
    ct_commit(db);
    assert_int_equal(l.e[0].type, PD_SCAN_ARRIVAL); /* by event time */
    assert_int_equal(l.e[1].type, PD_SCAN_DEPARTURE);

    /* an unbag event opens it */
    struct pd_bag_event unbag = bag_ev(bag, PD_SCAN_UNBAG, T0 + 90 * MIN, device, 9);
    db = ct_begin(st);
    assert_int_equal(db->ops->bag_event_insert(db, &unbag), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(get(bag, PD_QS_ONE).state, PD_BAG_OPENED);
}

static void test_bag_rolled_back(void **state)
{
    (void)state;
    char bag[PD_BAG_NO_SIZE], wa[PD_WB_NO_SIZE];
    new_bag(bag);
    new_no(wa);
    struct pd_scan_row r = bag_scan(bag, wa, "", T0, "GZ-HUB");
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->bag_add(db, &r), PD_QS_ONE);
    ct_rollback(db);
    get(bag, PD_QS_NONE);
    assert_int_equal(contents(bag, 0, 100).n, 0);
}

const struct CMUnitTest ct_tests_bags[] = {
    cmocka_unit_test_setup_teardown(test_bag_add_and_contents, bags_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_bag_remove_and_reopen, bags_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_bag_events, bags_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_bag_rolled_back, bags_setup, bags_close),
};
const size_t ct_tests_bags_n = sizeof ct_tests_bags / sizeof *ct_tests_bags;
