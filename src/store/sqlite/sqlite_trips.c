/*
 * SQLite queries of vehicles, trips, their stops and loading plans, and the
 * read of a trip's load and unload scans (migrations/sqlite/015_trips.sql
 * says why the tables look as they do). Nothing here is on the scan ingest
 * path: the scans are read through their partial index scans_trip, which
 * ordinary scans never enter. Writes run inside the caller's write
 * transaction (this connection is the only writer), so "check the capacity,
 * then add" in http/api/trips.c cannot interleave with another planner;
 * the partial unique index trip_plan_active still says the last word on an
 * item planned twice.
 */
#include <stdio.h>
#include <string.h>

#include "core/loadplan.h"
#include "core/scan.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

static const char *const kind_names[PD_TRIP_ITEM__COUNT] = {"waybill", "bag"};

static int kind_parse(const char *s)
{
    for (int i = 0; i < PD_TRIP_ITEM__COUNT; i++)
        if (s && !strcmp(s, kind_names[i]))
            return i;
    return -1;
}

static bool kind_ok(int kind)
{
    return kind >= 0 && kind < PD_TRIP_ITEM__COUNT;
}

static bool state_ok(int state)
{
    return state >= 0 && state < PD_TRIP__COUNT;
}

/* Step @p s through its rows, each handed to @p emit (which reads the row
 * and calls the caller's callback; a negative result stops). */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                      int (*emit)(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx), void *ctx)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cr = emit(c, s, ctx);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

/* ---- vehicles ------------------------------------------------------------------ */

#define VEHICLE_COLS                                                                               \
    "v.plate, v.type, v.capacity_weight_g, v.capacity_volume_cm3, v.node_id, n.code, n.path,"      \
    " v.created_ms, v.created_by"

static void vehicle_row(sqlite3_stmt *s, struct pd_vehicle *v)
{
    memset(v, 0, sizeof *v);
    pd__sq_col(s, 0, v->plate, sizeof v->plate);
    pd__sq_col(s, 1, v->type, sizeof v->type);
    v->capacity_weight_g = sqlite3_column_int64(s, 2);
    v->capacity_volume_cm3 = sqlite3_column_int64(s, 3);
    v->node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, v->node_code, sizeof v->node_code);
    pd__sq_col(s, 6, v->node_path, sizeof v->node_path);
    v->created_ms = sqlite3_column_int64(s, 7);
    v->created_by = sqlite3_column_int64(s, 8);
}

pd_qs pd__sq_vehicle_insert(pd_db *db, const struct pd_vehicle *v, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_VEHICLE_INSERT,
        "INSERT INTO vehicles (plate, type, capacity_weight_g, capacity_volume_cm3, node_id,"
        " created_ms, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (plate) DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, v->plate);
    pd__sq_text(s, 2, v->type);
    pd__sq_i64(s, 3, v->capacity_weight_g);
    pd__sq_i64(s, 4, v->capacity_volume_cm3);
    pd__sq_i64(s, 5, v->node_id);
    pd__sq_i64(s, 6, v->created_ms);
    pd__sq_i64(s, 7, v->created_by);
    pd_qs qs = pd__sq_exec(c, s, "vehicle_insert");
    if (qs < 0)
        return qs;
    *dup = qs == 0;
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__sq_vehicle_get(pd_db *db, const char *plate, struct pd_vehicle *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_VEHICLE_GET,
                                  "SELECT " VEHICLE_COLS " FROM vehicles v"
                                  " JOIN nodes n ON n.id = v.node_id WHERE v.plate = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, plate);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        vehicle_row(s, out);
        qs = PD_QS_ONE;
    } else {
        qs = rc == SQLITE_DONE ? PD_QS_NONE : pd__sq_fail(c, rc, "vehicle_get");
    }
    pd__sq_done(s);
    return qs;
}

struct vehicle_ctx {
    pd_vehicle_cb cb;
    void *cls;
};

static int vehicle_emit(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct vehicle_ctx *x = ctx;
    struct pd_vehicle v;
    vehicle_row(s, &v);
    return x->cb(x->cls, &v);
}

pd_qs pd__sq_vehicle_list(pd_db *db, const char *node_path, pd_vehicle_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_VEHICLE_LIST,
                                  "SELECT " VEHICLE_COLS " FROM vehicles v"
                                  " JOIN nodes n ON n.id = v.node_id"
                                  " WHERE n.path >= ?1 AND n.path < ?2 ORDER BY v.plate LIMIT ?3");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    sqlite3_bind_int(s, 3, PD_STORE_LIST_MAX);
    struct vehicle_ctx x = {cb, cls};
    return each_row(c, s, "vehicle_list", vehicle_emit, &x);
}

/* ---- trips --------------------------------------------------------------------- */

#define TRIP_COLS                                                                                  \
    "t.trip_no, t.plate, t.origin_id, n.code, n.path, t.state, t.planned_departure_ms,"            \
    " t.departed_ms, t.arrived_ms, t.created_ms, t.created_by, t.updated_ms"

static pd_qs trip_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_trip *t)
{
    memset(t, 0, sizeof *t);
    pd__sq_col(s, 0, t->trip_no, sizeof t->trip_no);
    pd__sq_col(s, 1, t->plate, sizeof t->plate);
    t->origin_id = sqlite3_column_int64(s, 2);
    pd__sq_col(s, 3, t->origin_code, sizeof t->origin_code);
    pd__sq_col(s, 4, t->origin_path, sizeof t->origin_path);
    enum pd_trip_state st;
    const char *name = (const char *)sqlite3_column_text(s, 5);
    if (!pd_trip_state_parse(name, &st)) {
        snprintf(c->err, sizeof c->err, "trip %s: unknown state '%s'", t->trip_no,
                 name ? name : "");
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    t->state = (int)st;
    t->planned_departure_ms = sqlite3_column_int64(s, 6);
    t->departed_ms = sqlite3_column_int64(s, 7);
    t->arrived_ms = sqlite3_column_int64(s, 8);
    t->created_ms = sqlite3_column_int64(s, 9);
    t->created_by = sqlite3_column_int64(s, 10);
    t->updated_ms = sqlite3_column_int64(s, 11);
    return PD_QS_ONE;
}

static int stop_emit(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct pd_trip *t = ctx;
    int i = t->n_stops;
    if (i >= PD_TRIP_STOPS_MAX) {
        snprintf(c->err, sizeof c->err, "trip %s: more than %d stops", t->trip_no,
                 PD_TRIP_STOPS_MAX);
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    t->stop_ids[i] = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, t->stop_codes[i], sizeof t->stop_codes[i]);
    pd__sq_col(s, 2, t->stop_paths[i], sizeof t->stop_paths[i]);
    t->n_stops++;
    return 0;
}

/* The stops of t->trip_no into @p t, in calling order. */
static pd_qs read_stops(struct pd__sq_conn *c, struct pd_trip *t)
{
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TRIP_STOPS,
                                  "SELECT s.node_id, n.code, n.path FROM trip_stops s"
                                  " JOIN nodes n ON n.id = s.node_id WHERE s.trip_no = ?1"
                                  " ORDER BY s.idx");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, t->trip_no);
    t->n_stops = 0;
    pd_qs qs = each_row(c, s, "trip_stops", stop_emit, t);
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_trip_insert(pd_db *db, const struct pd_trip *t, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    if (PD_BREAK(state_ok(t->state)) ||
        PD_BREAK(t->n_stops >= 1 && t->n_stops <= PD_TRIP_STOPS_MAX))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TRIP_INSERT,
        "INSERT INTO trips (trip_no, plate, origin_id, state, planned_departure_ms, created_ms,"
        " created_by, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?6)"
        " ON CONFLICT (trip_no) DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, t->trip_no);
    pd__sq_text(s, 2, t->plate);
    pd__sq_i64(s, 3, t->origin_id);
    pd__sq_text(s, 4, pd_trip_state_names[t->state]);
    pd__sq_i64(s, 5, t->planned_departure_ms);
    pd__sq_i64(s, 6, t->created_ms);
    pd__sq_i64(s, 7, t->created_by);
    pd_qs qs = pd__sq_exec(c, s, "trip_insert");
    if (qs <= 0) {
        *dup = qs == 0;
        return qs;
    }
    for (int i = 0; i < t->n_stops; i++) {
        s = pd__sq_prep(c, PD_SQ_TRIP_STOP_INSERT,
                        "INSERT INTO trip_stops (trip_no, idx, node_id) VALUES (?1, ?2, ?3)");
        if (!s)
            return PD_QS_HARD;
        pd__sq_text(s, 1, t->trip_no);
        sqlite3_bind_int(s, 2, i);
        pd__sq_i64(s, 3, t->stop_ids[i]);
        if ((qs = pd__sq_exec(c, s, "trip_insert")) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

pd_qs pd__sq_trip_get(pd_db *db, const char *trip_no, bool for_update, struct pd_trip *out)
{
    (void)for_update; /* the write transaction already keeps other writers out */
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TRIP_GET,
                                  "SELECT " TRIP_COLS " FROM trips t"
                                  " JOIN nodes n ON n.id = t.origin_id WHERE t.trip_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, trip_no);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW)
        qs = trip_row(c, s, out);
    else
        qs = rc == SQLITE_DONE ? PD_QS_NONE : pd__sq_fail(c, rc, "trip_get");
    pd__sq_done(s);
    if (qs <= 0)
        return qs;
    return read_stops(c, out);
}

struct trip_ctx {
    pd_trip_cb cb;
    void *cls;
};

static int trip_emit(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct trip_ctx *x = ctx;
    struct pd_trip t;
    pd_qs qs = trip_row(c, s, &t);
    if (qs < 0 || (qs = read_stops(c, &t)) < 0)
        return (int)qs;
    return x->cb(x->cls, &t);
}

pd_qs pd__sq_trip_list(pd_db *db, const struct pd_trip_filter *f, pd_trip_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state < 0 || state_ok(f->state)))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TRIP_LIST,
                    "SELECT " TRIP_COLS " FROM trips t JOIN nodes n ON n.id = t.origin_id"
                    " WHERE (n.path >= ?1 AND n.path < ?2 OR EXISTS (SELECT 1 FROM trip_stops s"
                    " JOIN nodes m ON m.id = s.node_id WHERE s.trip_no = t.trip_no"
                    " AND m.path >= ?1 AND m.path < ?2))"
                    " AND (?3 IS NULL OR t.state = ?3) AND t.planned_departure_ms >= ?4"
                    " AND t.planned_departure_ms < ?5"
                    " ORDER BY t.planned_departure_ms DESC, t.trip_no DESC LIMIT ?6");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->state >= 0 ? pd_trip_state_names[f->state] : NULL);
    pd__sq_i64(s, 4, f->from_ms > 0 ? f->from_ms : INT64_MIN);
    pd__sq_i64(s, 5, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    sqlite3_bind_int(s, 6, pd__list_limit(f->limit));
    struct trip_ctx x = {cb, cls};
    return each_row(c, s, "trip_list", trip_emit, &x);
}

pd_qs pd__sq_trip_set_state(pd_db *db, const char *trip_no, int from, int to, int64_t at_ms)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(state_ok(from) && state_ok(to)))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_TRIP_SET_STATE,
                    "UPDATE trips SET state = ?3, updated_ms = ?4,"
                    " departed_ms = CASE WHEN ?3 = 'departed' THEN ?4 ELSE departed_ms END,"
                    " arrived_ms = CASE WHEN ?3 = 'arrived' THEN ?4 ELSE arrived_ms END"
                    " WHERE trip_no = ?1 AND state = ?2");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, trip_no);
    pd__sq_text(s, 2, pd_trip_state_names[from]);
    pd__sq_text(s, 3, pd_trip_state_names[to]);
    pd__sq_i64(s, 4, at_ms);
    pd_qs qs = pd__sq_exec(c, s, "trip_set_state");
    if (qs <= 0 || to != PD_TRIP_ARRIVED)
        return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
    /* An arrived trip holds its items no more: they may go on their next leg. */
    s = pd__sq_prep(c, PD_SQ_TRIP_PLAN_RELEASE,
                    "UPDATE trip_plan SET active = NULL WHERE trip_no = ?1 AND active = 1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, trip_no);
    qs = pd__sq_exec(c, s, "trip_set_state");
    return qs < 0 ? qs : PD_QS_ONE;
}

/* ---- the loading plan ---------------------------------------------------------- */

pd_qs pd__sq_trip_item_add(pd_db *db, const struct pd_trip_item *it, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    if (PD_BREAK(kind_ok(it->kind)) || PD_BREAK(it->contents >= 1))
        return PD_QS_HARD;
    /* No conflict target: the primary key (this trip) and trip_plan_active
     * (another trip not arrived) both mean "planned already". */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TRIP_ITEM_ADD,
        "INSERT INTO trip_plan (trip_no, kind, item_no, stop_idx, weight_g, volume_cm3, contents,"
        " unmeasured, added_ms, added_by, active)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 1) ON CONFLICT DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, it->trip_no);
    pd__sq_text(s, 2, kind_names[it->kind]);
    pd__sq_text(s, 3, it->item_no);
    sqlite3_bind_int(s, 4, it->stop);
    pd__sq_i64(s, 5, it->weight_g);
    pd__sq_i64(s, 6, it->volume_cm3);
    sqlite3_bind_int(s, 7, it->contents);
    sqlite3_bind_int(s, 8, it->unmeasured);
    pd__sq_i64(s, 9, it->added_ms);
    pd__sq_i64(s, 10, it->added_by);
    pd_qs qs = pd__sq_exec(c, s, "trip_item_add");
    if (qs < 0)
        return qs;
    *dup = qs == 0;
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__sq_trip_item_holder(pd_db *db, int kind, const char *item_no,
                              char trip_no[PD_TRIP_NO_SIZE])
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(kind_ok(kind)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TRIP_ITEM_HOLDER,
                                  "SELECT trip_no FROM trip_plan"
                                  " WHERE kind = ?1 AND item_no = ?2 AND active = 1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, kind_names[kind]);
    pd__sq_text(s, 2, item_no);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        pd__sq_col(s, 0, trip_no, PD_TRIP_NO_SIZE);
        qs = PD_QS_ONE;
    } else {
        qs = rc == SQLITE_DONE ? PD_QS_NONE : pd__sq_fail(c, rc, "trip_item_holder");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_trip_item_remove(pd_db *db, const char *trip_no, int kind, const char *item_no)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(kind_ok(kind)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TRIP_ITEM_REMOVE,
                                  "DELETE FROM trip_plan WHERE trip_no = ?1 AND kind = ?2"
                                  " AND item_no = ?3");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, trip_no);
    pd__sq_text(s, 2, kind_names[kind]);
    pd__sq_text(s, 3, item_no);
    pd_qs qs = pd__sq_exec(c, s, "trip_item_remove");
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

struct item_ctx {
    pd_trip_item_cb cb;
    void *cls;
};

static int item_emit(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct item_ctx *x = ctx;
    struct pd_trip_item it;
    memset(&it, 0, sizeof it);
    pd__sq_col(s, 0, it.trip_no, sizeof it.trip_no);
    const char *kind = (const char *)sqlite3_column_text(s, 1);
    it.kind = kind_parse(kind);
    pd__sq_col(s, 2, it.item_no, sizeof it.item_no);
    if (it.kind < 0) {
        snprintf(c->err, sizeof c->err, "trip %s: unknown item kind '%s'", it.trip_no,
                 kind ? kind : "");
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    it.stop = sqlite3_column_int(s, 3);
    it.weight_g = sqlite3_column_int64(s, 4);
    it.volume_cm3 = sqlite3_column_int64(s, 5);
    it.contents = sqlite3_column_int(s, 6);
    it.unmeasured = sqlite3_column_int(s, 7);
    it.added_ms = sqlite3_column_int64(s, 8);
    it.added_by = sqlite3_column_int64(s, 9);
    return x->cb(x->cls, &it);
}

pd_qs pd__sq_trip_item_list(pd_db *db, const char *trip_no, pd_trip_item_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_TRIP_ITEM_LIST,
                                  "SELECT trip_no, kind, item_no, stop_idx, weight_g, volume_cm3,"
                                  " contents, unmeasured, added_ms, added_by FROM trip_plan"
                                  " WHERE trip_no = ?1 ORDER BY added_ms, kind, item_no");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, trip_no);
    struct item_ctx x = {cb, cls};
    return each_row(c, s, "trip_item_list", item_emit, &x);
}

/* ---- the trip's scans ---------------------------------------------------------- */

struct scan_ctx {
    pd_scan_cb cb;
    void *cls;
};

static int scan_emit(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct scan_ctx *x = ctx;
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    pd__sq_col(s, 0, r.waybill_no, sizeof r.waybill_no);
    pd__sq_col(s, 1, r.parcel_no, sizeof r.parcel_no);
    enum pd_scan_type t;
    const char *name = (const char *)sqlite3_column_text(s, 2);
    if (!pd_scan_type_parse(name ? name : "", &t)) {
        snprintf(c->err, sizeof c->err, "scan of %s: unknown type '%s'", r.waybill_no,
                 name ? name : "");
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    r.type = (int)t;
    r.at_ms = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, r.node_code, sizeof r.node_code);
    pd__sq_col(s, 5, r.operator_, sizeof r.operator_);
    pd__sq_col(s, 6, r.device_id, sizeof r.device_id);
    r.device_seq = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, r.bag_no, sizeof r.bag_no);
    pd__sq_col(s, 9, r.trip_no, sizeof r.trip_no);
    r.received_ms = sqlite3_column_int64(s, 10);
    return x->cb(x->cls, &r);
}

pd_qs pd__sq_trip_scans(pd_db *db, const char *trip_no, int limit, pd_scan_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* "trip_no <> ''" repeats the index's condition so that the planner
     * may use the partial index scans_trip for a bound parameter. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_TRIP_SCANS,
        "SELECT waybill_no, parcel_no, type, at_ms, node_code, operator, device_id, device_seq,"
        " bag_no, trip_no, received_ms FROM scans INDEXED BY scans_trip"
        " WHERE trip_no = ?1 AND trip_no <> '' AND type IN ('load', 'unload')"
        " ORDER BY at_ms, received_ms, device_id, device_seq LIMIT ?2");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, trip_no);
    sqlite3_bind_int(s, 2, limit > 0 ? limit : 1);
    struct scan_ctx x = {cb, cls};
    return each_row(c, s, "trip_scans", scan_emit, &x);
}
