/*
 * Contract tests of vehicles, trips and loading plans (配载), on both
 * backends: a vehicle stored once per plate and listed by its node's
 * subtree; a trip stored once per number with its stops in calling order,
 * listed when it leaves from or calls at a node of the subtree, by state
 * and planned departure; state moves only from the state the caller saw,
 * stamping departed and arrived; an item on at most one trip that has not
 * arrived (the same trip or another: dup, and trip_item_holder names the
 * holder), freed by the trip's arrival; removal; the plan in the order it
 * was made; a rolled-back plan leaves nothing; and the trip's load and
 * unload scans read by trip number, in event order, other types and other
 * trips left out.
 */
#include "contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loadplan.h"
#include "core/scan.h"
#include "core/waybill_no.h"

static pd_store *st;

#define T0  1790000000000LL
#define MIN 60000LL

/* The network: root ─┬─ east ── hub
 *                    └─ west ── outlet */
static struct pd_node root, east, hub, west, outlet;

static int trips_setup(void **state)
{
    (void)state;
    if (st)
        return 0;
    st = ct_open_fresh_migrated();
    pd_db *db = ct_begin(st);
    ct_node(db, "TR-ROOT-", PD_NODE_HEAD_OFFICE, 0, &root);
    ct_node(db, "TR-EAST-", PD_NODE_BRANCH_L1, root.id, &east);
    ct_node(db, "TR-HUB-", PD_NODE_SORTING_CENTRE, east.id, &hub);
    ct_node(db, "TR-WEST-", PD_NODE_BRANCH_L1, root.id, &west);
    ct_node(db, "TR-OUT-", PD_NODE_OUTLET, west.id, &outlet);
    ct_commit(db);
    return 0;
}

static int trips_close(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

static void new_plate(char out[PD_PLATE_SIZE])
{
    snprintf(out, PD_PLATE_SIZE, "粤B%05d", ct_seq());
}

static void new_trip_no(char out[PD_TRIP_NO_SIZE])
{
    snprintf(out, PD_TRIP_NO_SIZE, "T-%d-车次", ct_seq());
}

static void vehicle(const char *plate, int64_t node_id)
{
    struct pd_vehicle v;
    memset(&v, 0, sizeof v);
    snprintf(v.plate, sizeof v.plate, "%s", plate);
    snprintf(v.type, sizeof v.type, "9.6米厢式货车");
    v.capacity_weight_g = 18000000;
    v.capacity_volume_cm3 = 55000000;
    v.node_id = node_id;
    v.created_ms = T0;
    v.created_by = 7;
    bool dup = true;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->vehicle_insert(db, &v, &dup), PD_QS_ONE);
    assert_false(dup);
    ct_commit(db);
}

/* A planned trip of @p plate from @p origin calling at @p stops. */
static void trip(const char *no, const char *plate, int64_t origin, const int64_t *stops, int n,
                 int64_t departure)
{
    struct pd_trip t;
    memset(&t, 0, sizeof t);
    snprintf(t.trip_no, sizeof t.trip_no, "%s", no);
    snprintf(t.plate, sizeof t.plate, "%s", plate);
    t.origin_id = origin;
    t.n_stops = n;
    for (int i = 0; i < n; i++)
        t.stop_ids[i] = stops[i];
    t.state = PD_TRIP_PLANNED;
    t.planned_departure_ms = departure;
    t.created_ms = T0;
    t.created_by = 7;
    bool dup = true;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->trip_insert(db, &t, &dup), PD_QS_ONE);
    assert_false(dup);
    ct_commit(db);
}

static struct pd_trip get_trip(const char *no, pd_qs want)
{
    struct pd_trip t;
    memset(&t, 0, sizeof t);
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->trip_get(db, no, true, &t), want);
    ct_commit(db);
    return t;
}

static struct pd_trip_item item(const char *trip_no, int kind, const char *no, int stop,
                                int64_t weight, int64_t volume, int64_t at)
{
    struct pd_trip_item it;
    memset(&it, 0, sizeof it);
    snprintf(it.trip_no, sizeof it.trip_no, "%s", trip_no);
    it.kind = kind;
    snprintf(it.item_no, sizeof it.item_no, "%s", no);
    it.stop = stop;
    it.weight_g = weight;
    it.volume_cm3 = volume;
    it.contents = kind == PD_TRIP_ITEM_BAG ? 12 : 1;
    it.unmeasured = kind == PD_TRIP_ITEM_BAG ? 2 : 0;
    it.added_ms = at;
    it.added_by = 7;
    return it;
}

/* Add @p it in a transaction of its own; its *dup. */
static bool add(const struct pd_trip_item *it)
{
    bool dup = true;
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->trip_item_add(db, it, &dup);
    assert_int_equal(qs, dup ? PD_QS_NONE : PD_QS_ONE);
    ct_commit(db);
    return dup;
}

static pd_qs holder(int kind, const char *no, char out[PD_TRIP_NO_SIZE])
{
    out[0] = '\0';
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->trip_item_holder(db, kind, no, out);
    ct_commit(db);
    return qs;
}

static pd_qs set_state(const char *no, int from, int to, int64_t at)
{
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->trip_set_state(db, no, from, to, at);
    ct_commit(db);
    return qs;
}

struct items {
    int n;
    struct pd_trip_item it[8];
};

static int item_cb(void *cls, const struct pd_trip_item *it)
{
    struct items *x = cls;
    assert_true(x->n < 8);
    x->it[x->n++] = *it;
    return 0;
}

static struct items plan(const char *no)
{
    struct items x = {0};
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->trip_item_list(db, no, item_cb, &x);
    assert_int_equal(qs, x.n);
    ct_commit(db);
    return x;
}

struct names {
    int n;
    char v[8][PD_TRIP_NO_SIZE];
};

static int vehicle_cb(void *cls, const struct pd_vehicle *v)
{
    struct names *x = cls;
    assert_true(x->n < 8);
    snprintf(x->v[x->n++], PD_TRIP_NO_SIZE, "%s", v->plate);
    return 0;
}

static int trip_cb(void *cls, const struct pd_trip *t)
{
    struct names *x = cls;
    assert_true(x->n < 8);
    assert_true(t->n_stops >= 1); /* listed with their stops */
    snprintf(x->v[x->n++], PD_TRIP_NO_SIZE, "%s", t->trip_no);
    return 0;
}

static struct names trips(const char *path, int state, int64_t from, int64_t to)
{
    struct names x = {0};
    struct pd_trip_filter f = {
        .node_path = path, .state = state, .from_ms = from, .to_ms = to, .limit = 50};
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->trip_list(db, &f, trip_cb, &x);
    assert_int_equal(qs, x.n);
    ct_commit(db);
    return x;
}

static void test_vehicles(void **state)
{
    (void)state;
    char a[PD_PLATE_SIZE], b[PD_PLATE_SIZE];
    new_plate(a);
    new_plate(b);
    vehicle(a, hub.id);
    vehicle(b, outlet.id);

    struct pd_vehicle v = {0}, again = {0};
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->vehicle_get(db, a, &v), PD_QS_ONE);
    assert_string_equal(v.plate, a);
    assert_string_equal(v.type, "9.6米厢式货车");
    assert_int_equal(v.capacity_weight_g, 18000000);
    assert_int_equal(v.capacity_volume_cm3, 55000000);
    assert_int_equal(v.node_id, hub.id);
    assert_string_equal(v.node_code, hub.code);
    assert_string_equal(v.node_path, hub.path);
    assert_int_equal(v.created_ms, T0);
    assert_int_equal(v.created_by, 7);
    assert_int_equal(db->ops->vehicle_get(db, "粤Z00000", &v), PD_QS_NONE);
    /* the same plate again: nothing written, the first one kept */
    again = v;
    snprintf(again.plate, sizeof again.plate, "%s", a);
    again.capacity_weight_g = 1;
    bool dup = false;
    assert_int_equal(db->ops->vehicle_insert(db, &again, &dup), PD_QS_NONE);
    assert_true(dup);
    assert_int_equal(db->ops->vehicle_get(db, a, &v), PD_QS_ONE);
    assert_int_equal(v.capacity_weight_g, 18000000);

    /* listed by the subtree of the vehicle's node */
    struct names x = {0};
    assert_int_equal(db->ops->vehicle_list(db, east.path, vehicle_cb, &x), 1);
    assert_string_equal(x.v[0], a);
    x.n = 0;
    assert_int_equal(db->ops->vehicle_list(db, west.path, vehicle_cb, &x), 1);
    assert_string_equal(x.v[0], b);
    x.n = 0;
    assert_int_equal(db->ops->vehicle_list(db, root.path, vehicle_cb, &x), 2);
    ct_commit(db);
}

static void test_trips_and_states(void **state)
{
    (void)state;
    char plate[PD_PLATE_SIZE], t1[PD_TRIP_NO_SIZE], t2[PD_TRIP_NO_SIZE];
    new_plate(plate);
    new_trip_no(t1);
    new_trip_no(t2);
    vehicle(plate, hub.id);
    const int64_t stops1[] = {outlet.id, west.id, root.id};
    trip(t1, plate, hub.id, stops1, 3, T0 + 60 * MIN);
    const int64_t stops2[] = {hub.id};
    trip(t2, plate, west.id, stops2, 1, T0 + 120 * MIN);

    struct pd_trip t = get_trip(t1, PD_QS_ONE);
    assert_string_equal(t.trip_no, t1);
    assert_string_equal(t.plate, plate);
    assert_int_equal(t.origin_id, hub.id);
    assert_string_equal(t.origin_code, hub.code);
    assert_string_equal(t.origin_path, hub.path);
    assert_int_equal(t.n_stops, 3);
    const struct pd_node *want[] = {&outlet, &west, &root};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(t.stop_ids[i], want[i]->id);
        assert_string_equal(t.stop_codes[i], want[i]->code);
        assert_string_equal(t.stop_paths[i], want[i]->path);
    }
    assert_int_equal(t.state, PD_TRIP_PLANNED);
    assert_int_equal(t.planned_departure_ms, T0 + 60 * MIN);
    assert_int_equal(t.departed_ms, 0);
    assert_int_equal(t.arrived_ms, 0);
    assert_int_equal(t.created_ms, T0);
    assert_int_equal(t.updated_ms, T0);
    assert_int_equal(t.created_by, 7);
    get_trip("T-none", PD_QS_NONE);

    /* the same number again: nothing written */
    bool dup = false;
    pd_db *db = ct_begin(st);
    t.origin_id = west.id;
    assert_int_equal(db->ops->trip_insert(db, &t, &dup), PD_QS_NONE);
    assert_true(dup);
    ct_commit(db);
    assert_int_equal(get_trip(t1, PD_QS_ONE).origin_id, hub.id);

    /* listed when leaving from the subtree or calling at it, newest departure first */
    struct names x = trips(east.path, -1, 0, 0); /* t1 leaves the hub, t2 calls at it */
    assert_int_equal(x.n, 2);
    assert_string_equal(x.v[0], t2);
    assert_string_equal(x.v[1], t1);
    x = trips(outlet.path, -1, 0, 0); /* t1 calls at the outlet */
    assert_int_equal(x.n, 1);
    assert_string_equal(x.v[0], t1);
    x = trips(root.path, -1, T0 + 61 * MIN, T0 + 121 * MIN);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.v[0], t2);

    /* states: only from the state the caller saw; stamps */
    assert_int_equal(set_state(t1, PD_TRIP_LOADING, PD_TRIP_DEPARTED, T0 + 61 * MIN), PD_QS_NONE);
    assert_int_equal(set_state(t1, PD_TRIP_PLANNED, PD_TRIP_LOADING, T0 + 50 * MIN), PD_QS_ONE);
    x = trips(root.path, PD_TRIP_LOADING, 0, 0);
    assert_int_equal(x.n, 1);
    assert_string_equal(x.v[0], t1);
    assert_int_equal(set_state(t1, PD_TRIP_LOADING, PD_TRIP_DEPARTED, T0 + 65 * MIN), PD_QS_ONE);
    t = get_trip(t1, PD_QS_ONE);
    assert_int_equal(t.state, PD_TRIP_DEPARTED);
    assert_int_equal(t.departed_ms, T0 + 65 * MIN);
    assert_int_equal(t.arrived_ms, 0);
    assert_int_equal(t.updated_ms, T0 + 65 * MIN);
    assert_int_equal(set_state(t1, PD_TRIP_DEPARTED, PD_TRIP_ARRIVED, T0 + 300 * MIN), PD_QS_ONE);
    t = get_trip(t1, PD_QS_ONE);
    assert_int_equal(t.state, PD_TRIP_ARRIVED);
    assert_int_equal(t.departed_ms, T0 + 65 * MIN);
    assert_int_equal(t.arrived_ms, T0 + 300 * MIN);
    assert_int_equal(set_state("T-none", PD_TRIP_PLANNED, PD_TRIP_LOADING, T0), PD_QS_NONE);
}

static void test_plan(void **state)
{
    (void)state;
    char plate[PD_PLATE_SIZE], t1[PD_TRIP_NO_SIZE], t2[PD_TRIP_NO_SIZE], wb[PD_WB_NO_SIZE];
    char bag[PD_TRIP_ITEM_NO_SIZE], h[PD_TRIP_NO_SIZE];
    new_plate(plate);
    new_trip_no(t1);
    new_trip_no(t2);
    assert_true(pd_waybill_no_format(700000 + (uint64_t)ct_seq() * 1000, wb));
    snprintf(bag, sizeof bag, "B-%d-袋", ct_seq());
    vehicle(plate, hub.id);
    const int64_t stops[] = {outlet.id, west.id};
    trip(t1, plate, hub.id, stops, 2, T0);
    trip(t2, plate, hub.id, stops, 2, T0 + 600 * MIN);

    struct pd_trip_item w = item(t1, PD_TRIP_ITEM_WAYBILL, wb, 1, 1200, 6000, T0 + 2 * MIN);
    struct pd_trip_item b = item(t1, PD_TRIP_ITEM_BAG, bag, 0, 35000, 120000, T0 + 1 * MIN);
    assert_false(add(&w));
    assert_false(add(&b));
    assert_int_equal(holder(PD_TRIP_ITEM_WAYBILL, wb, h), PD_QS_ONE);
    assert_string_equal(h, t1);
    assert_int_equal(holder(PD_TRIP_ITEM_BAG, wb, h), PD_QS_NONE); /* kinds apart */

    /* the plan in the order it was made, every field back */
    struct items x = plan(t1);
    assert_int_equal(x.n, 2);
    assert_int_equal(x.it[0].kind, PD_TRIP_ITEM_BAG);
    assert_string_equal(x.it[0].item_no, bag);
    assert_string_equal(x.it[0].trip_no, t1);
    assert_int_equal(x.it[0].stop, 0);
    assert_int_equal(x.it[0].weight_g, 35000);
    assert_int_equal(x.it[0].volume_cm3, 120000);
    assert_int_equal(x.it[0].contents, 12);
    assert_int_equal(x.it[0].unmeasured, 2);
    assert_int_equal(x.it[0].added_ms, T0 + 1 * MIN);
    assert_int_equal(x.it[0].added_by, 7);
    assert_int_equal(x.it[1].kind, PD_TRIP_ITEM_WAYBILL);
    assert_string_equal(x.it[1].item_no, wb);
    assert_int_equal(x.it[1].stop, 1);

    /* again on this trip, or on another trip not arrived: nothing written */
    struct pd_trip_item w_again = item(t1, PD_TRIP_ITEM_WAYBILL, wb, 0, 1, 1, T0 + 3 * MIN);
    assert_true(add(&w_again));
    struct pd_trip_item w_other = item(t2, PD_TRIP_ITEM_WAYBILL, wb, 0, 1200, 6000, T0);
    assert_true(add(&w_other));
    assert_int_equal(plan(t2).n, 0);
    assert_int_equal(plan(t1).it[1].stop, 1);

    /* off the plan, and on another trip */
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->trip_item_remove(db, t1, PD_TRIP_ITEM_WAYBILL, wb), PD_QS_ONE);
    assert_int_equal(db->ops->trip_item_remove(db, t1, PD_TRIP_ITEM_WAYBILL, wb), PD_QS_NONE);
    ct_commit(db);
    assert_int_equal(holder(PD_TRIP_ITEM_WAYBILL, wb, h), PD_QS_NONE);
    assert_false(add(&w_other));
    assert_int_equal(holder(PD_TRIP_ITEM_WAYBILL, wb, h), PD_QS_ONE);
    assert_string_equal(h, t2);

    /* the bag is held by t1 until t1 arrives; then it may go on t2 */
    struct pd_trip_item b2 = item(t2, PD_TRIP_ITEM_BAG, bag, 1, 35000, 120000, T0 + 5 * MIN);
    assert_true(add(&b2));
    assert_int_equal(set_state(t1, PD_TRIP_PLANNED, PD_TRIP_DEPARTED, T0 + 10 * MIN), PD_QS_ONE);
    assert_true(add(&b2)); /* departed is not arrived */
    assert_int_equal(set_state(t1, PD_TRIP_DEPARTED, PD_TRIP_ARRIVED, T0 + 90 * MIN), PD_QS_ONE);
    assert_int_equal(holder(PD_TRIP_ITEM_BAG, bag, h), PD_QS_NONE);
    assert_false(add(&b2));
    assert_int_equal(holder(PD_TRIP_ITEM_BAG, bag, h), PD_QS_ONE);
    assert_string_equal(h, t2);
    assert_int_equal(plan(t1).n, 1); /* the arrived trip keeps its plan as it was */
    assert_int_equal(plan(t2).n, 2);
}

static void test_plan_rolled_back(void **state)
{
    (void)state;
    char plate[PD_PLATE_SIZE], t1[PD_TRIP_NO_SIZE], h[PD_TRIP_NO_SIZE];
    new_plate(plate);
    new_trip_no(t1);
    vehicle(plate, hub.id);
    const int64_t stops[] = {outlet.id};
    trip(t1, plate, hub.id, stops, 1, T0);
    struct pd_trip_item w = item(t1, PD_TRIP_ITEM_WAYBILL, "PD-ROLLBACK", 0, 5, 5, T0);
    bool dup = true;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->trip_item_add(db, &w, &dup), PD_QS_ONE);
    ct_rollback(db);
    assert_int_equal(plan(t1).n, 0);
    assert_int_equal(holder(PD_TRIP_ITEM_WAYBILL, "PD-ROLLBACK", h), PD_QS_NONE);
}

struct scans {
    int n;
    struct pd_scan_row r[8];
};

static int scan_cb(void *cls, const struct pd_scan_row *r)
{
    struct scans *x = cls;
    assert_true(x->n < 8);
    x->r[x->n++] = *r;
    return 0;
}

static struct pd_scan_row ev(const char *no, enum pd_scan_type type, int64_t at, const char *trip,
                             const char *bag, int64_t seq)
{
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.waybill_no, sizeof r.waybill_no, "%s", no);
    r.type = (int)type;
    r.at_ms = at;
    snprintf(r.node_code, sizeof r.node_code, "%s", hub.code);
    snprintf(r.operator_, sizeof r.operator_, "装车员");
    snprintf(r.device_id, sizeof r.device_id, "PDA-TRIP");
    r.device_seq = seq;
    snprintf(r.trip_no, sizeof r.trip_no, "%s", trip);
    snprintf(r.bag_no, sizeof r.bag_no, "%s", bag);
    r.received_ms = at + 1000;
    return r;
}

static void test_trip_scans(void **state)
{
    (void)state;
    char t1[PD_TRIP_NO_SIZE], t2[PD_TRIP_NO_SIZE], a[PD_WB_NO_SIZE], b[PD_WB_NO_SIZE];
    new_trip_no(t1);
    new_trip_no(t2);
    assert_true(pd_waybill_no_format(800000 + (uint64_t)ct_seq() * 1000, a));
    assert_true(pd_waybill_no_format(800000 + (uint64_t)ct_seq() * 1000, b));
    int64_t seq = ct_seq() * 100;
    struct pd_scan_row rows[] = {
        ev(a, PD_SCAN_UNLOAD, T0 + 90 * MIN, t1, "", seq + 1),
        ev(a, PD_SCAN_LOAD, T0 + 10 * MIN, t1, "", seq + 2),
        ev(b, PD_SCAN_LOAD, T0 + 20 * MIN, t1, "BAG-9", seq + 3),
        ev(a, PD_SCAN_DEPARTURE, T0 + 30 * MIN, t1, "", seq + 4), /* not a load or unload */
        ev(b, PD_SCAN_LOAD, T0 + 15 * MIN, t2, "", seq + 5),      /* another trip */
        ev(b, PD_SCAN_ARRIVAL, T0 + 5 * MIN, "", "", seq + 6),    /* no trip */
    };
    bool dup[6];
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->scan_insert(db, rows, 6, dup), 6);
    ct_commit(db);

    struct scans x = {0};
    db = ct_begin(st);
    assert_int_equal(db->ops->trip_scans(db, t1, 100, scan_cb, &x), 3);
    ct_commit(db);
    assert_int_equal(x.n, 3);
    assert_string_equal(x.r[0].waybill_no, a);
    assert_int_equal(x.r[0].type, PD_SCAN_LOAD);
    assert_int_equal(x.r[0].at_ms, T0 + 10 * MIN);
    assert_string_equal(x.r[0].trip_no, t1);
    assert_string_equal(x.r[0].node_code, hub.code);
    assert_string_equal(x.r[0].operator_, "装车员");
    assert_string_equal(x.r[0].device_id, "PDA-TRIP");
    assert_int_equal(x.r[0].device_seq, seq + 2);
    assert_int_equal(x.r[0].received_ms, T0 + 10 * MIN + 1000);
    assert_string_equal(x.r[1].waybill_no, b);
    assert_string_equal(x.r[1].bag_no, "BAG-9");
    assert_int_equal(x.r[2].type, PD_SCAN_UNLOAD);

    /* the limit holds; an unknown trip has none */
    x.n = 0;
    db = ct_begin(st);
    assert_int_equal(db->ops->trip_scans(db, t1, 2, scan_cb, &x), 2);
    x.n = 0;
    assert_int_equal(db->ops->trip_scans(db, "T-none", 100, scan_cb, &x), 0);
    assert_int_equal(db->ops->trip_scans(db, "", 100, scan_cb, &x), 0);
    ct_commit(db);
}

const struct CMUnitTest ct_tests_trips[] = {
    cmocka_unit_test_setup_teardown(test_vehicles, trips_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_trips_and_states, trips_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_plan, trips_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_plan_rolled_back, trips_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_trip_scans, trips_setup, trips_close),
};
const size_t ct_tests_trips_n = sizeof ct_tests_trips / sizeof *ct_tests_trips;
