/*
 * Vehicles, trips and loading plans (配载, DOMAIN.md §4; docs/tracking.md
 * "Trips and loading plans"): /api/v1/vehicles and /api/v1/trips. A
 * dispatcher registers vehicles with their weight and volume capacity,
 * opens a trip of one vehicle from an origin through ordered stops, and
 * plans waybills and bags onto it, each with the stop where it comes off.
 * A plan is checked against the vehicle as a whole: a request whose items
 * would not all fit adds none of them (core/loadplan.c), and an item is on
 * at most one trip that has not arrived. The trip view sets the plan beside
 * what the load and unload scans carrying the trip number say happened —
 * planned, loaded, unloaded, and loads nobody planned (scans are facts and
 * are never refused for this). The loading order answers "what goes in
 * first". Writes need `dispatch` and are audited in their transaction;
 * reads need `tracking.read`. Network scope: a trip belongs to its origin's
 * staff, and is visible to the staff of the nodes it calls at; vehicles to
 * their node's. The items themselves are not scoped: a hub plans parcels
 * taken anywhere in the network (the view shows numbers and weights only).
 * Not here: scan ingestion (scans.c), which stores load and unload scans
 * with their trip number as it does any other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/loadplan.h"
#include "core/order_lifecycle.h"
#include "core/scan.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "http/ingest.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define PLAN_ITEMS_MAX   500          /* items in one plan request */
#define BAG_CONTENTS_MAX 100000       /* stays of a bag read to measure it */
#define TRIP_SCANS_MAX   200000       /* scans read for one trip view */
#define UNPLANNED_MAX    1000         /* unplanned items listed in a trip view */
#define CAP_WEIGHT_MAX   200000000LL  /* 200 t */
#define CAP_VOLUME_MAX   1000000000LL /* 1,000 m³ */
#define STATE_AT_SLACK_MS                                                                          \
    (5 * 60000) /* a state's time may run ahead of ours by a device's drift                        \
                 */

static const char *const kind_names[PD_TRIP_ITEM__COUNT] = {"waybill", "bag"};
static const char *const kind_fields[PD_TRIP_ITEM__COUNT] = {"waybill_no", "bag_no"};

/* A plate, trip or bag number: printable, no blanks, no '/', at most
 * @p max_bytes bytes (the store's columns); UTF-8 was checked by the spec. */
static bool label_ok(const char *s, size_t max_bytes)
{
    size_t n = strlen(s);
    if (n == 0 || n > max_bytes)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch <= 0x20 || ch == 0x7f || ch == '/')
            return false;
    }
    return true;
}

/* Readers see a trip from its origin or from a stop; customers' systems
 * hold tracking.read for their own waybills, never for the network's trips. */
static bool trip_visible(const struct pd_req *rq, const struct pd_trip *t)
{
    if (rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return false;
    if (pd_req_in_scope(rq, t->origin_path))
        return true;
    for (int i = 0; i < t->n_stops; i++)
        if (pd_req_in_scope(rq, t->stop_paths[i]))
            return true;
    return false;
}

/* Plans and state moves are the origin's; arrival may also be told by the
 * staff of a stop (where the vehicle arrives). */
static bool trip_writable(const struct pd_req *rq, const struct pd_trip *t, bool arrival)
{
    if (pd_req_in_scope(rq, t->origin_path))
        return true;
    for (int i = 0; arrival && i < t->n_stops; i++)
        if (pd_req_in_scope(rq, t->stop_paths[i]))
            return true;
    return false;
}

/* A ratio of two figures to three decimals, as JSON. */
static json_t *ratio(int64_t part, int64_t whole)
{
    if (whole <= 0)
        return json_real(0);
    return json_real((double)(part * 1000 / whole) / 1000.0);
}

static json_t *vehicle_json(const struct pd_vehicle *v)
{
    return json_pack("{s:s, s:s, s:I, s:I, s:s, s:o}", "plate", v->plate, "type", v->type,
                     "capacity_weight_g", (json_int_t)v->capacity_weight_g, "capacity_volume_cm3",
                     (json_int_t)v->capacity_volume_cm3, "node", v->node_code, "created_at",
                     pd__json_time(v->created_ms));
}

static json_t *stops_json(const struct pd_trip *t)
{
    json_t *a = json_array();
    for (int i = 0; i < t->n_stops; i++)
        json_array_append_new(a, json_string(t->stop_codes[i]));
    return a;
}

/* The trip's own fields (no plan). */
static json_t *trip_head_json(const struct pd_trip *t)
{
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:o, s:o, s:o, s:o}", "trip_no", t->trip_no,
                     "plate", t->plate, "origin", t->origin_code, "stops", stops_json(t), "state",
                     pd_trip_state_names[t->state], "state_zh",
                     pd_trip_state_zh((enum pd_trip_state)t->state), "planned_departure",
                     pd__json_time(t->planned_departure_ms), "departed_at",
                     pd__json_time(t->departed_ms), "arrived_at", pd__json_time(t->arrived_ms),
                     "created_at", pd__json_time(t->created_ms));
}

/* ---- growing arrays -------------------------------------------------------------- */

/* Make room for one more element in *@p v (of @p size bytes each). */
static bool grow(void **v, int *cap, int n, size_t size)
{
    if (n < *cap)
        return true;
    int ncap = *cap ? *cap * 2 : 16;
    void *p = realloc(*v, (size_t)ncap * size);
    if (!p)
        return false;
    *v = p;
    *cap = ncap;
    return true;
}

/* ---- what the scans say ------------------------------------------------------------ */

/* The load and unload scans of one item on this trip. */
struct track {
    int kind;
    char item_no[PD_TRIP_ITEM_NO_SIZE];
    int load_scans, unload_scans;
    int last_type; /* PD_SCAN_LOAD, PD_SCAN_UNLOAD, or -1: none */
    int64_t first_load_ms, last_load_ms, last_unload_ms;
    char last_load_node[PD_CODE_MAX], last_unload_node[PD_CODE_MAX];
};

static void track_scan(struct track *k, const struct pd_scan_row *s)
{
    k->last_type = s->type;
    if (s->type == PD_SCAN_LOAD) {
        if (!k->load_scans++)
            k->first_load_ms = s->at_ms;
        k->last_load_ms = s->at_ms;
        snprintf(k->last_load_node, sizeof k->last_load_node, "%s", s->node_code);
    } else {
        k->unload_scans++;
        k->last_unload_ms = s->at_ms;
        snprintf(k->last_unload_node, sizeof k->last_unload_node, "%s", s->node_code);
    }
}

static const char *track_status(const struct track *k)
{
    return k->last_type == PD_SCAN_LOAD     ? "loaded"
           : k->last_type == PD_SCAN_UNLOAD ? "unloaded"
                                            : "planned";
}

/* An item's key and its index in the plan. */
struct item_key {
    int kind;
    const char *no; /* borrowed from the plan's item */
    int idx;
};

/* Everything a trip view reads, in one transaction. */
struct view {
    struct pd_trip trip;
    struct pd_vehicle vehicle;
    struct pd_trip_item *items;
    int n_items, cap_items;
    struct track *tracks;    /* one per item, the same index */
    struct item_key *by_key; /* the items sorted by (kind, item_no), for the scans' look-ups */
    struct track *unplanned;
    int n_unplanned, cap_unplanned, more_unplanned;
    int scans;
    bool has_vehicle, truncated, oom;
};

static void view_reset(struct view *v)
{
    free(v->items);
    free(v->tracks);
    free(v->by_key);
    free(v->unplanned);
    memset(v, 0, sizeof *v);
}

static int key_cmp(int kind_a, const char *no_a, int kind_b, const char *no_b)
{
    if (kind_a != kind_b)
        return kind_a < kind_b ? -1 : 1;
    return strcmp(no_a, no_b);
}

static int by_key_order(const void *a, const void *b)
{
    const struct item_key *x = a, *y = b;
    return key_cmp(x->kind, x->no, y->kind, y->no);
}

/* The planned item (kind, no), or NULL. */
static struct track *find_planned(struct view *v, int kind, const char *no)
{
    int lo = 0, hi = v->n_items;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        int c = key_cmp(v->by_key[mid].kind, v->by_key[mid].no, kind, no);
        if (c == 0)
            return &v->tracks[v->by_key[mid].idx];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int item_collect(void *cls, const struct pd_trip_item *it)
{
    struct view *v = cls;
    if (!grow((void **)&v->items, &v->cap_items, v->n_items, sizeof *v->items)) {
        v->oom = true;
        return PD_QS_HARD;
    }
    v->items[v->n_items++] = *it;
    return 0;
}

static int scan_collect(void *cls, const struct pd_scan_row *s)
{
    struct view *v = cls;
    v->scans++;
    struct track *w = find_planned(v, PD_TRIP_ITEM_WAYBILL, s->waybill_no);
    struct track *b = s->bag_no[0] ? find_planned(v, PD_TRIP_ITEM_BAG, s->bag_no) : NULL;
    if (w)
        track_scan(w, s);
    if (b)
        track_scan(b, s);
    if (w || b)
        return 0;
    /* Nobody planned it: a bag event's expansion (device "bag/…") is listed
     * as its bag, anything else as its waybill. */
    bool from_bag = s->bag_no[0] && !strncmp(s->device_id, "bag/", 4);
    int kind = from_bag ? PD_TRIP_ITEM_BAG : PD_TRIP_ITEM_WAYBILL;
    const char *no = from_bag ? s->bag_no : s->waybill_no;
    for (int i = 0; i < v->n_unplanned; i++)
        if (!key_cmp(v->unplanned[i].kind, v->unplanned[i].item_no, kind, no)) {
            track_scan(&v->unplanned[i], s);
            return 0;
        }
    if (v->n_unplanned >= UNPLANNED_MAX) {
        v->more_unplanned++;
        return 0;
    }
    if (!grow((void **)&v->unplanned, &v->cap_unplanned, v->n_unplanned, sizeof *v->unplanned)) {
        v->oom = true;
        return PD_QS_HARD;
    }
    struct track *k = &v->unplanned[v->n_unplanned++];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    snprintf(k->item_no, sizeof k->item_no, "%s", no);
    k->last_type = -1;
    track_scan(k, s);
    return 0;
}

/* Read trip @p no into @p v (emptied first: a transaction may run twice).
 * @return PD_QS_ONE, PD_QS_NONE when there is no such trip, or a failure. */
static pd_qs view_read(pd_db *db, const char *no, bool for_update, struct view *v)
{
    view_reset(v);
    pd_qs qs = db->ops->trip_get(db, no, for_update, &v->trip);
    if (qs <= 0)
        return qs;
    if ((qs = db->ops->vehicle_get(db, v->trip.plate, &v->vehicle)) < 0)
        return qs;
    v->has_vehicle = qs > 0; /* the foreign key keeps it; no vehicle is a bug, not a crash */
    if ((qs = db->ops->trip_item_list(db, no, item_collect, v)) < 0)
        return qs;
    int n = v->n_items;
    v->tracks = calloc((size_t)(n ? n : 1), sizeof *v->tracks);
    v->by_key = calloc((size_t)(n ? n : 1), sizeof *v->by_key);
    if (!v->tracks || !v->by_key) {
        v->oom = true;
        return PD_QS_HARD;
    }
    for (int i = 0; i < n; i++) {
        v->by_key[i] = (struct item_key){v->items[i].kind, v->items[i].item_no, i};
        v->tracks[i].kind = v->items[i].kind;
        snprintf(v->tracks[i].item_no, sizeof v->tracks[i].item_no, "%s", v->items[i].item_no);
        v->tracks[i].last_type = -1;
    }
    qsort(v->by_key, (size_t)n, sizeof *v->by_key, by_key_order);
    if ((qs = db->ops->trip_scans(db, no, TRIP_SCANS_MAX, scan_collect, v)) < 0)
        return qs;
    v->truncated = qs >= TRIP_SCANS_MAX;
    return PD_QS_ONE;
}

static json_t *track_json(const struct track *k)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:i, s:i}", "kind", kind_names[k->kind],
                  kind_fields[k->kind], k->item_no, "status", track_status(k), "loaded_at",
                  k->load_scans ? pd__json_time(k->first_load_ms) : json_null(), "unloaded_at",
                  k->unload_scans ? pd__json_time(k->last_unload_ms) : json_null(), "unloaded_node",
                  k->unload_scans ? json_string(k->last_unload_node) : json_null(), "load_scans",
                  k->load_scans, "unload_scans", k->unload_scans);
    return o;
}

/* The trip view: the trip, its vehicle, the plan with what the scans say of
 * each item, the loads nobody planned, and the totals. */
static json_t *view_json(const struct view *v)
{
    const struct pd_trip *t = &v->trip;
    json_t *o = trip_head_json(t);
    json_object_set_new(o, "vehicle", v->has_vehicle ? vehicle_json(&v->vehicle) : json_null());
    int64_t w = 0, vol = 0;
    int contents = 0, unmeasured = 0, counts[3] = {0, 0, 0}; /* planned, loaded, unloaded */
    json_t *items = json_array();
    for (int i = 0; i < v->n_items; i++) {
        const struct pd_trip_item *it = &v->items[i];
        const struct track *k = &v->tracks[i];
        w += it->weight_g;
        vol += it->volume_cm3;
        contents += it->contents;
        unmeasured += it->unmeasured;
        counts[k->last_type == PD_SCAN_LOAD ? 1 : k->last_type == PD_SCAN_UNLOAD ? 2 : 0]++;
        const char *stop_node = it->stop < t->n_stops ? t->stop_codes[it->stop] : "";
        json_t *j = track_json(k);
        json_object_set_new(j, "stop", json_integer(it->stop));
        json_object_set_new(j, "stop_node", json_string(stop_node));
        json_object_set_new(j, "weight_g", json_integer(it->weight_g));
        json_object_set_new(j, "volume_cm3", json_integer(it->volume_cm3));
        json_object_set_new(j, "contents", json_integer(it->contents));
        json_object_set_new(j, "unmeasured", json_integer(it->unmeasured));
        json_object_set_new(j, "added_at", pd__json_time(it->added_ms));
        json_object_set_new(
            j, "unloaded_elsewhere",
            json_boolean(k->unload_scans && strcmp(k->last_unload_node, stop_node)));
        json_array_append_new(items, j);
    }
    json_t *unplanned = json_array();
    for (int i = 0; i < v->n_unplanned; i++) {
        json_t *j = track_json(&v->unplanned[i]);
        json_object_set_new(j, "loaded_node",
                            v->unplanned[i].load_scans ? json_string(v->unplanned[i].last_load_node)
                                                       : json_null());
        json_array_append_new(unplanned, j);
    }
    int64_t cap_w = v->has_vehicle ? v->vehicle.capacity_weight_g : 0;
    int64_t cap_v = v->has_vehicle ? v->vehicle.capacity_volume_cm3 : 0;
    json_object_set_new(o, "plan",
                        json_pack("{s:i, s:I, s:I, s:i, s:i, s:{s:o, s:o}, s:{s:I, s:I}}", "items",
                                  v->n_items, "weight_g", (json_int_t)w, "volume_cm3",
                                  (json_int_t)vol, "contents", contents, "unmeasured", unmeasured,
                                  "fill", "weight", ratio(w, cap_w), "volume", ratio(vol, cap_v),
                                  "remaining", "weight_g", (json_int_t)(cap_w - w), "volume_cm3",
                                  (json_int_t)(cap_v - vol)));
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "unplanned", unplanned);
    json_object_set_new(o, "counts",
                        json_pack("{s:i, s:i, s:i, s:i}", "planned", counts[0], "loaded", counts[1],
                                  "unloaded", counts[2], "unplanned",
                                  v->n_unplanned + v->more_unplanned));
    json_object_set_new(o, "scans", json_integer(v->scans));
    json_object_set_new(o, "scans_truncated", json_boolean(v->truncated));
    return o;
}

/* ---- vehicles -------------------------------------------------------------------- */

struct vehicle_tx {
    struct pd_req *rq;
    struct pd_vehicle v;
    const char *node_code;
    bool dup, node_bad;
    char *detail; /* audit detail (JSON text, owned) */
};

static pd_qs vehicle_create_tx(pd_db *db, void *cls)
{
    struct vehicle_tx *t = cls;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0 || !n.active || !pd_req_in_scope(t->rq, n.path)) {
        t->node_bad = true;
        return PD_QS_ABORT;
    }
    t->v.node_id = n.id;
    if ((qs = db->ops->vehicle_insert(db, &t->v, &t->dup)) < 0)
        return qs;
    if (t->dup)
        return PD_QS_ABORT;
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "vehicle.create", "vehicle", t->v.plate, n.id, t->detail);
    if ((qs = db->ops->audit_insert(db, &a)) < 0)
        return qs;
    qs = db->ops->vehicle_get(db, t->v.plate, &t->v);
    return qs == 0 ? PD_QS_HARD : qs; /* inserted a moment ago in this transaction */
}

int pd_api_vehicles_create(struct pd_req *rq)
{
    struct vehicle_tx t = {.rq = rq, .node_code = rq->who.node_code};
    const char *plate = NULL, *type = NULL;
    int64_t cap_w = 0, cap_v = 0;
    struct pd_spec spec[] = {
        pd_spec_str("plate", &plate, PD_REQ, 2, 16),
        pd_spec_str("type", &type, PD_REQ, 1, 32),
        pd_spec_int("capacity_weight_g", &cap_w, PD_REQ, 1, CAP_WEIGHT_MAX),
        pd_spec_int("capacity_volume_cm3", &cap_v, PD_REQ, 1, CAP_VOLUME_MAX),
        pd_spec_str("node", &t.node_code, PD_OPT, 2, 32),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!label_ok(plate, PD_PLATE_SIZE - 1))
        return pd_reply_err(rq, PD_E_JSON_FORMAT, "plate", "no blanks, no '/'");
    /* 粤b12345 and 粤B12345 are one vehicle: plates are written in capitals. */
    snprintf(t.v.plate, sizeof t.v.plate, "%s", plate);
    for (char *p = t.v.plate; *p; p++)
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    snprintf(t.v.type, sizeof t.v.type, "%s", type);
    t.v.capacity_weight_g = cap_w;
    t.v.capacity_volume_cm3 = cap_v;
    t.v.created_ms = pd_now_ms();
    t.v.created_by = rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
    json_t *d = json_pack("{s:s, s:s, s:I, s:I, s:s}", "plate", t.v.plate, "type", t.v.type,
                          "capacity_weight_g", (json_int_t)cap_w, "capacity_volume_cm3",
                          (json_int_t)cap_v, "node", t.node_code);
    t.detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    pd_qs qs = pd_tx_run(rq->app->store, "vehicle.create", false, vehicle_create_tx, &t);
    free(t.detail);
    if (qs == PD_QS_ABORT)
        return t.node_bad ? pd_reply_err(rq, PD_E_VEHICLE_NODE_UNKNOWN, "node", t.node_code)
                          : pd_reply_err(rq, PD_E_VEHICLE_EXISTS, "plate", t.v.plate);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, vehicle_json(&t.v));
}

struct vehicle_list_tx {
    struct pd_req *rq;
    const char *node_code;
    char path[PD_PATH_MAX];
    bool node_bad;
    json_t *items;
};

static int vehicle_list_cb(void *cls, const struct pd_vehicle *v)
{
    return json_array_append_new(cls, vehicle_json(v)) == 0 ? 0 : PD_QS_HARD;
}

static pd_qs vehicle_list_tx(pd_db *db, void *cls)
{
    struct vehicle_list_tx *t = cls;
    json_array_clear(t->items);
    snprintf(t->path, sizeof t->path, "%s", t->rq->who.node_path);
    if (t->node_code) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
        if (qs < 0)
            return qs;
        if (qs == 0 || !pd_req_in_scope(t->rq, n.path)) {
            t->node_bad = true;
            return PD_QS_NONE;
        }
        snprintf(t->path, sizeof t->path, "%s", n.path);
    }
    return db->ops->vehicle_list(db, t->path, vehicle_list_cb, t->items);
}

int pd_api_vehicles_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"node", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    if (rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
    struct vehicle_list_tx t = {
        .rq = rq, .node_code = pd_req_query(rq, "node"), .items = json_array()};
    if (pd_tx_run(rq->app->store, "vehicle.list", true, vehicle_list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    if (t.node_bad) {
        json_decref(t.items);
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "node", "no such node in your network");
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.items));
}

/* ---- trips ------------------------------------------------------------------------- */

/* A business refusal decided inside a transaction, replied after it. */
struct refusal {
    pd_err err;
    char field[48];
    char detail[192];
};

static pd_qs refuse(struct refusal *r, pd_err e, const char *field, const char *detail)
{
    r->err = e;
    snprintf(r->field, sizeof r->field, "%s", field ? field : "");
    snprintf(r->detail, sizeof r->detail, "%s", detail ? detail : "");
    return PD_QS_ABORT;
}

static int reply_refusal(struct pd_req *rq, const struct refusal *r)
{
    return pd_reply_err(rq, r->err, r->field[0] ? r->field : NULL, r->detail[0] ? r->detail : NULL);
}

struct trip_create_tx {
    struct pd_req *rq;
    struct pd_trip t;
    const char *origin;
    const char *stops[PD_TRIP_STOPS_MAX];
    char *detail;
    struct refusal no;
    struct view view;
};

static pd_qs trip_create_tx(pd_db *db, void *cls)
{
    struct trip_create_tx *x = cls;
    struct pd_vehicle v;
    pd_qs qs = db->ops->vehicle_get(db, x->t.plate, &v);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(x->rq, v.node_path))
        return refuse(&x->no, PD_E_TRIP_VEHICLE_UNKNOWN, "plate", x->t.plate);
    struct pd_node n;
    if ((qs = db->ops->node_get_by_code(db, x->origin, &n)) < 0)
        return qs;
    if (qs == 0 || !n.active || !pd_req_in_scope(x->rq, n.path))
        return refuse(&x->no, PD_E_TRIP_NODE_UNKNOWN, "origin", x->origin);
    x->t.origin_id = n.id;
    int64_t prev = n.id;
    for (int i = 0; i < x->t.n_stops; i++) {
        char field[24];
        snprintf(field, sizeof field, "stops[%d]", i);
        /* Stops may lie anywhere in the network: a trip leaves one
         * branch for another's hub. */
        if ((qs = db->ops->node_get_by_code(db, x->stops[i], &n)) < 0)
            return qs;
        if (qs == 0 || !n.active)
            return refuse(&x->no, PD_E_TRIP_NODE_UNKNOWN, field, x->stops[i]);
        if (n.id == prev)
            return refuse(&x->no, PD_E_TRIP_STOP_INVALID, field,
                          i ? "the same node as the stop before" : "the origin itself");
        x->t.stop_ids[i] = prev = n.id;
    }
    bool dup = false;
    if ((qs = db->ops->trip_insert(db, &x->t, &dup)) < 0)
        return qs;
    if (dup)
        return refuse(&x->no, PD_E_TRIP_EXISTS, "trip_no", x->t.trip_no);
    struct pd_audit a;
    pd_audit_for(&a, x->rq, "trip.create", "trip", x->t.trip_no, x->t.origin_id, x->detail);
    if ((qs = db->ops->audit_insert(db, &a)) < 0)
        return qs;
    qs = view_read(db, x->t.trip_no, false, &x->view);
    return qs == 0 ? PD_QS_HARD : qs;
}

int pd_api_trips_create(struct pd_req *rq)
{
    struct trip_create_tx x = {.rq = rq, .t = {.state = PD_TRIP_PLANNED}};
    const char *no = NULL, *plate = NULL;
    const json_t *stops = NULL;
    int64_t departure = 0;
    struct pd_spec spec[] = {
        pd_spec_str("trip_no", &no, PD_REQ, 1, 32),
        pd_spec_str("plate", &plate, PD_REQ, 2, 16),
        pd_spec_str("origin", &x.origin, PD_REQ, 2, 32),
        pd_spec_json("stops", &stops, PD_REQ),
        pd_spec_time("planned_departure", &departure, PD_REQ),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!label_ok(no, PD_TRIP_NO_SIZE - 1))
        return pd_reply_err(rq, PD_E_JSON_FORMAT, "trip_no", "at most 32 bytes, no blanks, no '/'");
    if (!json_is_array(stops))
        return pd_reply_err(rq, PD_E_JSON_TYPE, "stops", "an array of node codes");
    size_t n_stops = json_array_size(stops);
    if (n_stops < 1)
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "stops", "at least one stop");
    if (n_stops > PD_TRIP_STOPS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "stops", "at most 16 stops");
    for (size_t i = 0; i < n_stops; i++) {
        const char *s = json_string_value(json_array_get(stops, i));
        char field[24];
        snprintf(field, sizeof field, "stops[%zu]", i);
        if (!s)
            return pd_reply_err(rq, PD_E_JSON_TYPE, field, "a node code");
        if (!*s || strlen(s) >= PD_CODE_MAX)
            return pd_reply_err(rq, PD_E_JSON_FORMAT, field, "a node code of 2 to 32 characters");
        x.stops[i] = s;
    }
    snprintf(x.t.trip_no, sizeof x.t.trip_no, "%s", no);
    snprintf(x.t.plate, sizeof x.t.plate, "%s", plate);
    for (char *p = x.t.plate; *p; p++) /* as stored: capitals */
        if (*p >= 'a' && *p <= 'z')
            *p = (char)(*p - 'a' + 'A');
    x.t.n_stops = (int)n_stops;
    x.t.planned_departure_ms = departure;
    x.t.created_ms = pd_now_ms();
    x.t.created_by = rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
    json_t *d =
        json_pack("{s:s, s:s, s:s, s:O, s:I}", "trip_no", x.t.trip_no, "plate", x.t.plate, "origin",
                  x.origin, "stops", stops, "planned_departure_ms", (json_int_t)departure);
    x.detail = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    pd_qs qs = pd_tx_run(rq->app->store, "trip.create", false, trip_create_tx, &x);
    free(x.detail);
    int r;
    if (qs == PD_QS_ABORT)
        r = reply_refusal(rq, &x.no);
    else if (qs < 0)
        r = x.view.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                       : pd__reply_db_error(rq);
    else
        r = pd_reply_json_steal(rq, 201, view_json(&x.view));
    view_reset(&x.view);
    return r;
}

struct trip_list_tx {
    struct pd_trip_filter f;
    json_t *items;
};

static int trip_list_cb(void *cls, const struct pd_trip *t)
{
    return json_array_append_new(cls, trip_head_json(t)) == 0 ? 0 : PD_QS_HARD;
}

static pd_qs trip_list_tx(pd_db *db, void *cls)
{
    struct trip_list_tx *t = cls;
    json_array_clear(t->items);
    return db->ops->trip_list(db, &t->f, trip_list_cb, t->items);
}

int pd_api_trips_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"state", "from", "to", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    if (rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL);
    struct trip_list_tx t = {.f = {.node_path = rq->who.node_path, .state = -1}};
    const char *state = pd_req_query(rq, "state");
    enum pd_trip_state st;
    if (state) {
        if (!pd_trip_state_parse(state, &st))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state",
                                "one of planned, loading, departed, arrived");
        t.f.state = (int)st;
    }
    int64_t limit = 0;
    if (!pd__query_time(rq, "from", &t.f.from_ms) || !pd__query_time(rq, "to", &t.f.to_ms) ||
        !pd__query_int(rq, "limit", 1, 500, 100, &limit))
        return PD_HANDLED;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "trip.list", true, trip_list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.items));
}

struct trip_get_tx {
    const char *no;
    struct view view;
};

static pd_qs trip_get_tx(pd_db *db, void *cls)
{
    struct trip_get_tx *t = cls;
    return view_read(db, t->no, false, &t->view);
}

int pd_api_trips_get(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct trip_get_tx t = {.no = rq->args[0]};
    pd_ingest_settle_all(rq->app->ingest); /* its load and unload scans */
    pd_qs qs = pd_tx_run(rq->app->store, "trip.read", true, trip_get_tx, &t);
    int r;
    if (qs < 0)
        r = t.view.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                       : pd__reply_db_error(rq);
    else if (qs == 0 || !trip_visible(rq, &t.view.trip))
        r = pd_reply_err(rq, PD_E_TRIP_NOT_FOUND, NULL, NULL);
    else
        r = pd_reply_json_steal(rq, 200, view_json(&t.view));
    view_reset(&t.view);
    return r;
}

/* ---- the plan ---------------------------------------------------------------------- */

/* One requested item, measured. */
struct want {
    int kind;
    const char *no;
    int stop;
    struct pd_lp_item lp; /* weight and volume as measured */
    int contents, unmeasured;
};

/* One waybill as the plan needs it. */
struct wb_measure {
    bool found, cancelled;
    int parcels;
    int64_t weight_g, volume_cm3;
};

static int wb_measure_cb(void *cls, const struct pd_waybill *w)
{
    struct wb_measure *m = cls;
    m->found = true;
    m->cancelled = w->state == PD_ORDER_CANCELLED;
    m->parcels = w->parcels > 0 ? w->parcels : 1;
    m->weight_g = w->weight_g;
    /* The order's dimensions (goods.*_mm, docs/orders.md) are of the
     * shipment as priced: its volume. */
    json_t *doc = json_loads(w->doc ? w->doc : "{}", 0, NULL);
    json_t *g = json_object_get(doc, "goods");
    m->volume_cm3 = pd_loadplan_volume_cm3(json_integer_value(json_object_get(g, "length_mm")),
                                           json_integer_value(json_object_get(g, "width_mm")),
                                           json_integer_value(json_object_get(g, "height_mm")));
    json_decref(doc);
    return 0;
}

static pd_qs measure_waybill(pd_db *db, const char *no, struct wb_measure *m)
{
    memset(m, 0, sizeof *m);
    pd_qs qs = db->ops->waybill_get(db, no, false, wb_measure_cb, m);
    return qs < 0 ? qs : m->found ? PD_QS_ONE : PD_QS_NONE;
}

/* What is inside a bag now: per waybill, the whole of it or some parcels. */
struct bag_inside {
    int n, cap;
    struct {
        char waybill_no[PD_WB_NO_SIZE];
        bool whole;
        int parcels; /* parcels inside, when not whole */
    } * w;
    bool oom;
};

static int bag_inside_cb(void *cls, const struct pd_bag_content *c)
{
    struct bag_inside *b = cls;
    if (c->removed_ms)
        return 0; /* a past stay */
    int i = 0;
    while (i < b->n && strcmp(b->w[i].waybill_no, c->waybill_no))
        i++;
    if (i == b->n) {
        if (!grow((void **)&b->w, &b->cap, b->n, sizeof *b->w)) {
            b->oom = true;
            return PD_QS_HARD;
        }
        memset(&b->w[i], 0, sizeof b->w[i]);
        snprintf(b->w[i].waybill_no, sizeof b->w[i].waybill_no, "%s", c->waybill_no);
        b->n++;
    }
    if (c->parcel_no[0])
        b->w[i].parcels++;
    else
        b->w[i].whole = true;
    return 0;
}

/* A bag as one item: the sum of what is inside, each waybill inside whole
 * at its order's figures, each parcel at its share of them. */
static pd_qs measure_bag(pd_db *db, const char *bag_no, struct want *it, bool *found)
{
    struct pd_bag bag;
    pd_qs qs = db->ops->bag_get(db, bag_no, &bag);
    *found = qs > 0;
    if (qs <= 0)
        return qs;
    struct bag_inside in = {0};
    qs = db->ops->bag_contents(db, bag_no, 0, BAG_CONTENTS_MAX, bag_inside_cb, &in);
    it->contents = it->unmeasured = 0;
    it->lp.weight_g = it->lp.volume_cm3 = 0;
    for (int i = 0; qs >= 0 && i < in.n; i++) {
        struct wb_measure m;
        if ((qs = measure_waybill(db, in.w[i].waybill_no, &m)) < 0)
            break;
        int count = in.w[i].whole ? (m.found ? m.parcels : 1) : in.w[i].parcels;
        it->contents += count;
        if (!m.found) { /* scanned before its order: kept, but weightless to us */
            it->unmeasured += count;
            continue;
        }
        int share = in.w[i].whole ? 1 : m.parcels;
        int64_t k = in.w[i].whole ? 1 : in.w[i].parcels;
        it->lp.weight_g += in.w[i].whole ? m.weight_g : k * pd_loadplan_share(m.weight_g, share);
        it->lp.volume_cm3 +=
            in.w[i].whole ? m.volume_cm3 : k * pd_loadplan_share(m.volume_cm3, share);
        if (!m.volume_cm3)
            it->unmeasured += count;
    }
    free(in.w);
    if (in.oom)
        return PD_QS_HARD;
    return qs < 0 ? qs : PD_QS_ONE;
}

struct plan_tx {
    struct pd_req *rq;
    const char *no;
    struct want *items;
    int n;
    char *detail;
    struct refusal no_;
    struct view view;
};

static void item_field(char out[48], int i, const char *sub)
{
    snprintf(out, 48, "items[%d]%s%s", i, sub ? "." : "", sub ? sub : "");
}

static pd_qs plan_tx(pd_db *db, void *cls)
{
    struct plan_tx *x = cls;
    struct pd_trip t;
    pd_qs qs = db->ops->trip_get(db, x->no, true, &t);
    if (qs < 0)
        return qs;
    if (qs == 0 || !trip_visible(x->rq, &t))
        return refuse(&x->no_, PD_E_TRIP_NOT_FOUND, NULL, NULL);
    if (!trip_writable(x->rq, &t, false))
        return refuse(&x->no_, PD_E_AUTH_FORBIDDEN, NULL, "plans are made at the trip's origin");
    if (!pd_trip_state_plan_open((enum pd_trip_state)t.state)) {
        char d[64];
        snprintf(d, sizeof d, "the trip is %s", pd_trip_state_names[t.state]);
        return refuse(&x->no_, PD_E_TRIP_STATE, NULL, d);
    }
    char field[48], d[192];
    for (int i = 0; i < x->n; i++)
        if (x->items[i].stop >= t.n_stops) {
            item_field(field, i, "stop");
            snprintf(d, sizeof d, "the trip has %d stop%s (0 to %d)", t.n_stops,
                     t.n_stops == 1 ? "" : "s", t.n_stops - 1);
            return refuse(&x->no_, PD_E_TRIP_STOP_INVALID, field, d);
        }
    struct pd_vehicle v;
    if ((qs = db->ops->vehicle_get(db, t.plate, &v)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD; /* the foreign key keeps it */

    /* Measure every item before anything is written: all or nothing. */
    for (int i = 0; i < x->n; i++) {
        struct want *it = &x->items[i];
        item_field(field, i, kind_fields[it->kind]);
        if (it->kind == PD_TRIP_ITEM_WAYBILL) {
            struct wb_measure m;
            if ((qs = measure_waybill(db, it->no, &m)) < 0)
                return qs;
            if (!m.found)
                return refuse(&x->no_, PD_E_TRIP_ITEM_UNKNOWN, field, it->no);
            if (m.cancelled)
                return refuse(&x->no_, PD_E_TRIP_ITEM_UNAVAILABLE, field, "cancelled");
            it->lp.weight_g = m.weight_g;
            it->lp.volume_cm3 = m.volume_cm3;
            it->contents = m.parcels;
            it->unmeasured = m.volume_cm3 ? 0 : m.parcels;
        } else {
            bool found = false;
            if ((qs = measure_bag(db, it->no, it, &found)) < 0)
                return qs;
            if (!found)
                return refuse(&x->no_, PD_E_TRIP_ITEM_UNKNOWN, field, it->no);
            if (it->contents == 0)
                return refuse(&x->no_, PD_E_TRIP_ITEM_UNAVAILABLE, field, "the bag is empty");
        }
    }

    /* What the plan holds already, then the capacity with everything added. */
    x->view.n_items = 0;
    if ((qs = db->ops->trip_item_list(db, x->no, item_collect, &x->view)) < 0)
        return qs;
    int64_t base_w = 0, base_v = 0;
    for (int i = 0; i < x->view.n_items; i++) {
        base_w += x->view.items[i].weight_g;
        base_v += x->view.items[i].volume_cm3;
    }
    struct pd_lp_item *lp = calloc((size_t)x->n, sizeof *lp);
    if (!lp)
        return PD_QS_HARD;
    for (int i = 0; i < x->n; i++)
        lp[i] = x->items[i].lp;
    struct pd_lp_check c;
    bool ok =
        pd_loadplan_check(base_w, base_v, lp, x->n, v.capacity_weight_g, v.capacity_volume_cm3, &c);
    free(lp);
    if (!ok)
        return PD_QS_HARD;
    if (c.over_weight_g > 0) {
        item_field(field, c.weight_item, NULL);
        snprintf(d, sizeof d,
                 "over by %lld g: the plan would weigh %lld g, the vehicle carries %lld g",
                 (long long)c.over_weight_g, (long long)c.weight_g, (long long)v.capacity_weight_g);
        return refuse(&x->no_, PD_E_TRIP_OVER_WEIGHT, field, d);
    }
    if (c.over_volume_cm3 > 0) {
        item_field(field, c.volume_item, NULL);
        snprintf(d, sizeof d,
                 "over by %lld cm3: the plan would take %lld cm3, the vehicle holds %lld cm3",
                 (long long)c.over_volume_cm3, (long long)c.volume_cm3,
                 (long long)v.capacity_volume_cm3);
        return refuse(&x->no_, PD_E_TRIP_OVER_VOLUME, field, d);
    }

    int64_t now = pd_now_ms();
    for (int i = 0; i < x->n; i++) {
        const struct want *it = &x->items[i];
        struct pd_trip_item row = {.kind = it->kind,
                                   .stop = it->stop,
                                   .weight_g = it->lp.weight_g,
                                   .volume_cm3 = it->lp.volume_cm3,
                                   .contents = it->contents > 0 ? it->contents : 1,
                                   .unmeasured = it->unmeasured,
                                   .added_ms = now,
                                   .added_by = x->rq->who.kind == PD_WHO_USER ? x->rq->who.id : 0};
        snprintf(row.trip_no, sizeof row.trip_no, "%s", t.trip_no);
        snprintf(row.item_no, sizeof row.item_no, "%s", it->no);
        bool dup = false;
        if ((qs = db->ops->trip_item_add(db, &row, &dup)) < 0)
            return qs;
        if (dup) {
            char holder[PD_TRIP_NO_SIZE];
            if ((qs = db->ops->trip_item_holder(db, it->kind, it->no, holder)) < 0)
                return qs;
            if (qs == 0) /* its trip arrived meanwhile: look again */
                return PD_QS_SOFT;
            item_field(field, i, kind_fields[it->kind]);
            snprintf(d, sizeof d, "on trip %s", holder);
            return refuse(&x->no_, PD_E_TRIP_ITEM_PLANNED, field, d);
        }
    }
    struct pd_audit a;
    pd_audit_for(&a, x->rq, "trip.plan", "trip", t.trip_no, t.origin_id, x->detail);
    if ((qs = db->ops->audit_insert(db, &a)) < 0)
        return qs;
    qs = view_read(db, t.trip_no, false, &x->view);
    return qs == 0 ? PD_QS_HARD : qs;
}

int pd_api_trips_plan(struct pd_req *rq)
{
    const json_t *items = NULL;
    struct pd_spec spec[] = {
        pd_spec_json("items", &items, PD_REQ),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!json_is_array(items))
        return pd_reply_err(rq, PD_E_JSON_TYPE, "items", "an array of items");
    size_t n = json_array_size(items);
    if (n < 1)
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "items", "at least one item");
    if (n > PLAN_ITEMS_MAX)
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "items", "at most 500 items a request");
    struct want *want = pd_arena_alloc(&rq->arena, n * sizeof *want);
    if (!want)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    json_t *audit_items = json_array();
    for (size_t i = 0; i < n; i++) {
        const json_t *it = json_array_get(items, i);
        char prefix[24], field[48];
        snprintf(prefix, sizeof prefix, "items[%zu]", i);
        if (!json_is_object(it)) {
            json_decref(audit_items);
            return pd_reply_err(rq, PD_E_JSON_TYPE, prefix, "an object");
        }
        const char *wb = NULL, *bag = NULL;
        int64_t stop = 0;
        struct pd_spec is[] = {
            pd_spec_str("waybill_no", &wb, PD_OPT, 1, 32),
            pd_spec_str("bag_no", &bag, PD_OPT, 1, 32),
            pd_spec_int("stop", &stop, PD_REQ, 0, PD_TRIP_STOPS_MAX - 1),
            pd_spec_end(),
        };
        struct pd_json_error je;
        if (!pd_json_decode(it, is, &rq->arena, prefix, &je)) {
            json_decref(audit_items);
            return pd_reply_err(rq, je.code, je.field, je.detail[0] ? je.detail : NULL);
        }
        if (!wb == !bag) {
            item_field(field, (int)i, "waybill_no");
            json_decref(audit_items);
            return pd_reply_err(rq, wb ? PD_E_JSON_FORMAT : PD_E_JSON_MISSING, field,
                                "a waybill_no or a bag_no, not both");
        }
        struct want *w = &want[i];
        w->kind = wb ? PD_TRIP_ITEM_WAYBILL : PD_TRIP_ITEM_BAG;
        w->no = wb ? wb : bag;
        w->stop = (int)stop;
        w->lp.id = w->no;
        w->lp.stop = w->stop;
        item_field(field, (int)i, kind_fields[w->kind]);
        if (wb && !pd_waybill_no_valid(wb)) {
            json_decref(audit_items);
            return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, field, NULL);
        }
        if (bag && !label_ok(bag, PD_TRIP_ITEM_NO_SIZE - 1)) {
            json_decref(audit_items);
            return pd_reply_err(rq, PD_E_JSON_FORMAT, field, "at most 32 bytes, no blanks");
        }
        for (size_t k = 0; k < i; k++)
            if (want[k].kind == w->kind && !strcmp(want[k].no, w->no)) {
                char d[48];
                snprintf(d, sizeof d, "the same as items[%zu]", k);
                json_decref(audit_items);
                return pd_reply_err(rq, PD_E_JSON_FORMAT, field, d);
            }
        json_array_append_new(audit_items, json_pack("{s:s, s:s, s:i}", "kind", kind_names[w->kind],
                                                     "no", w->no, "stop", w->stop));
    }
    json_t *d = json_pack("{s:o}", "items", audit_items);
    struct plan_tx x = {.rq = rq,
                        .no = rq->args[0],
                        .items = want,
                        .n = (int)n,
                        .detail = json_dumps(d, JSON_COMPACT)};
    json_decref(d);
    pd_qs qs = pd_tx_run(rq->app->store, "trip.plan", false, plan_tx, &x);
    free(x.detail);
    int r;
    if (qs == PD_QS_ABORT)
        r = reply_refusal(rq, &x.no_);
    else if (qs < 0)
        r = x.view.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                       : pd__reply_db_error(rq);
    else
        r = pd_reply_json_steal(rq, 200, view_json(&x.view));
    view_reset(&x.view);
    return r;
}

struct unplan_tx {
    struct pd_req *rq;
    const char *no, *item_no;
    int kind;
    struct refusal no_;
    struct view view;
};

static pd_qs unplan_tx(pd_db *db, void *cls)
{
    struct unplan_tx *x = cls;
    struct pd_trip t;
    pd_qs qs = db->ops->trip_get(db, x->no, true, &t);
    if (qs < 0)
        return qs;
    if (qs == 0 || !trip_visible(x->rq, &t))
        return refuse(&x->no_, PD_E_TRIP_NOT_FOUND, NULL, NULL);
    if (!trip_writable(x->rq, &t, false))
        return refuse(&x->no_, PD_E_AUTH_FORBIDDEN, NULL, "plans are made at the trip's origin");
    if (!pd_trip_state_plan_open((enum pd_trip_state)t.state)) {
        char d[64];
        snprintf(d, sizeof d, "the trip is %s", pd_trip_state_names[t.state]);
        return refuse(&x->no_, PD_E_TRIP_STATE, NULL, d);
    }
    if ((qs = db->ops->trip_item_remove(db, x->no, x->kind, x->item_no)) < 0)
        return qs;
    if (qs == 0)
        return refuse(&x->no_, PD_E_TRIP_ITEM_NOT_FOUND, kind_fields[x->kind], x->item_no);
    json_t *d = json_pack("{s:s, s:s}", "kind", kind_names[x->kind], "no", x->item_no);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, x->rq, "trip.unplan", "trip", t.trip_no, t.origin_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    qs = view_read(db, t.trip_no, false, &x->view);
    return qs == 0 ? PD_QS_HARD : qs;
}

int pd_api_trips_unplan(struct pd_req *rq)
{
    struct unplan_tx x = {.rq = rq, .no = rq->args[0], .item_no = rq->args[2], .kind = -1};
    for (int k = 0; k < PD_TRIP_ITEM__COUNT; k++)
        if (!strcmp(rq->args[1], kind_names[k]))
            x.kind = k;
    if (x.kind < 0)
        return pd_reply_err(rq, PD_E_JSON_ENUM, "kind", "waybill or bag");
    pd_qs qs = pd_tx_run(rq->app->store, "trip.unplan", false, unplan_tx, &x);
    int r;
    if (qs == PD_QS_ABORT)
        r = reply_refusal(rq, &x.no_);
    else if (qs < 0)
        r = x.view.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                       : pd__reply_db_error(rq);
    else
        r = pd_reply_json_steal(rq, 200, view_json(&x.view));
    view_reset(&x.view);
    return r;
}

/* ---- the trip's state ---------------------------------------------------------------- */

struct state_tx {
    struct pd_req *rq;
    const char *no;
    int to;
    int64_t at;
    struct refusal no_;
    struct view view;
};

static pd_qs state_tx(pd_db *db, void *cls)
{
    struct state_tx *x = cls;
    struct pd_trip t;
    pd_qs qs = db->ops->trip_get(db, x->no, true, &t);
    if (qs < 0)
        return qs;
    if (qs == 0 || !trip_visible(x->rq, &t))
        return refuse(&x->no_, PD_E_TRIP_NOT_FOUND, NULL, NULL);
    if (!trip_writable(x->rq, &t, x->to == PD_TRIP_ARRIVED))
        return refuse(&x->no_, PD_E_AUTH_FORBIDDEN, NULL,
                      "the origin moves a trip; a stop may also tell its arrival");
    if (!pd_trip_state_step_ok((enum pd_trip_state)t.state, (enum pd_trip_state)x->to)) {
        char d[64];
        snprintf(d, sizeof d, "the trip is %s", pd_trip_state_names[t.state]);
        return refuse(&x->no_, PD_E_TRIP_STATE, "state", d);
    }
    if ((qs = db->ops->trip_set_state(db, x->no, t.state, x->to, x->at)) < 0)
        return qs;
    if (qs == 0)
        return PD_QS_SOFT; /* moved by someone else meanwhile: look again */
    json_t *d = json_pack("{s:s, s:s, s:I}", "from", pd_trip_state_names[t.state], "to",
                          pd_trip_state_names[x->to], "at_ms", (json_int_t)x->at);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, x->rq, "trip.state", "trip", t.trip_no, t.origin_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    qs = view_read(db, t.trip_no, false, &x->view);
    return qs == 0 ? PD_QS_HARD : qs;
}

int pd_api_trips_state(struct pd_req *rq)
{
    static const char *const targets[] = {"loading", "departed", "arrived", NULL};
    int target = 0;
    bool has_at = false;
    struct state_tx x = {.rq = rq, .no = rq->args[0]};
    struct pd_spec spec[] = {
        pd_spec_enum("state", &target, PD_REQ, targets),
        pd_spec_time("at", &x.at, PD_OPT),
        pd_spec_end(),
    };
    spec[1].present = &has_at;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    int64_t now = pd_now_ms();
    if (!has_at)
        x.at = now;
    else if (x.at > now + STATE_AT_SLACK_MS)
        return pd_reply_err(rq, PD_E_JSON_RANGE, "at", "not in the future");
    x.to = PD_TRIP_LOADING + target;
    pd_qs qs = pd_tx_run(rq->app->store, "trip.state", false, state_tx, &x);
    int r;
    if (qs == PD_QS_ABORT)
        r = reply_refusal(rq, &x.no_);
    else if (qs < 0)
        r = x.view.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                       : pd__reply_db_error(rq);
    else
        r = pd_reply_json_steal(rq, 200, view_json(&x.view));
    view_reset(&x.view);
    return r;
}

/* ---- the loading order ------------------------------------------------------------- */

int pd_api_trips_loading_order(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct trip_get_tx t = {.no = rq->args[0]};
    pd_qs qs = pd_tx_run(rq->app->store, "trip.loading_order", true, trip_get_tx, &t);
    int err = -1;
    if (qs < 0)
        err = t.view.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                         : pd__reply_db_error(rq);
    else if (qs == 0 || !trip_visible(rq, &t.view.trip))
        err = pd_reply_err(rq, PD_E_TRIP_NOT_FOUND, NULL, NULL);
    else if (!t.view.has_vehicle) /* the foreign key keeps it */
        err = pd_reply_err(rq, PD_E_INTERNAL, NULL, "the trip's vehicle is missing");
    if (err >= 0) {
        view_reset(&t.view);
        return err;
    }
    const struct view *v = &t.view;
    const struct pd_trip *tr = &v->trip;
    int n = v->n_items;
    struct pd_lp_item *lp = calloc((size_t)(n ? n : 1), sizeof *lp);
    struct pd_lp_slot *slots = calloc((size_t)(n ? n : 1), sizeof *slots);
    struct pd_lp_balance bal;
    bool ok = lp && slots;
    for (int i = 0; ok && i < n; i++)
        lp[i] = (struct pd_lp_item){.id = v->items[i].item_no,
                                    .stop = v->items[i].stop,
                                    .weight_g = v->items[i].weight_g,
                                    .volume_cm3 = v->items[i].volume_cm3};
    ok = ok && pd_loadplan_order(lp, n, v->vehicle.capacity_weight_g,
                                 v->vehicle.capacity_volume_cm3, slots, &bal);
    if (!ok) {
        free(lp);
        free(slots);
        view_reset(&t.view);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    json_t *seq = json_array();
    for (int i = 0; i < n; i++) {
        const struct pd_lp_slot *s = &slots[i];
        const struct pd_trip_item *it = &v->items[s->item];
        json_array_append_new(
            seq,
            json_pack("{s:i, s:s, s:s, s:i, s:s, s:I, s:I, s:s, s:o}", "seq", s->seq, "kind",
                      kind_names[it->kind], kind_fields[it->kind], it->item_no, "stop", it->stop,
                      "stop_node", it->stop < tr->n_stops ? tr->stop_codes[it->stop] : "",
                      "weight_g", (json_int_t)it->weight_g, "volume_cm3",
                      (json_int_t)it->volume_cm3, "side", s->side == PD_LP_LEFT ? "left" : "right",
                      "position", json_real(s->position_pm / 1000.0)));
    }
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:o, s:{s:I, s:I}, s:o, s:{s:I, s:I, s:o, s:I, s:I, s:o}, s:{s:o, s:o}}",
        "trip_no", tr->trip_no, "plate", tr->plate, "origin", tr->origin_code, "stops",
        stops_json(tr), "capacity", "weight_g", (json_int_t)v->vehicle.capacity_weight_g,
        "volume_cm3", (json_int_t)v->vehicle.capacity_volume_cm3, "sequence", seq, "balance",
        "left_g", (json_int_t)bal.left_g, "right_g", (json_int_t)bal.right_g, "lateral_imbalance",
        json_real(bal.lateral_pm / 1000.0), "front_g", (json_int_t)bal.front_g, "rear_g",
        (json_int_t)bal.rear_g, "centre_of_gravity", json_real(bal.centre_pm / 1000.0), "fill",
        "weight", json_real(bal.fill_weight_pm / 1000.0), "volume",
        json_real(bal.fill_volume_pm / 1000.0));
    free(lp);
    free(slots);
    view_reset(&t.view);
    if (!o)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    return pd_reply_json_steal(rq, 200, o);
}
