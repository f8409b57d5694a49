/*
 * PostgreSQL queries of vehicles, trips, their stops and loading plans, and
 * the read of a trip's load and unload scans; the same contract as
 * sqlite_trips.c. Under READ COMMITTED two planners may work on one trip
 * at once: trip_get with for_update locks the trip's row until commit, so
 * the second waits and then checks the capacity against the first one's
 * items. Two planners putting one item on two different trips are
 * serialised by the partial unique index trip_plan_active: the second
 * insert waits for the first transaction and then conflicts (nothing
 * written, *dup).
 */
#include <stdio.h>
#include <string.h>

#include "core/loadplan.h"
#include "core/scan.h"
#include "store/pg/pg_int.h"
#include "util/log.h"

#define C(db) ((struct pd__pg_conn *)(db))

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

/* ---- vehicles ------------------------------------------------------------------ */

#define VEHICLE_COLS                                                                               \
    "v.plate, v.type, v.capacity_weight_g, v.capacity_volume_cm3, v.node_id, n.code, n.path,"      \
    " v.created_ms, v.created_by"

static void vehicle_row(const PGresult *r, int i, struct pd_vehicle *v)
{
    memset(v, 0, sizeof *v);
    pd__pg_col(r, i, 0, v->plate, sizeof v->plate);
    pd__pg_col(r, i, 1, v->type, sizeof v->type);
    v->capacity_weight_g = pd__pg_i64(r, i, 2);
    v->capacity_volume_cm3 = pd__pg_i64(r, i, 3);
    v->node_id = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, v->node_code, sizeof v->node_code);
    pd__pg_col(r, i, 6, v->node_path, sizeof v->node_path);
    v->created_ms = pd__pg_i64(r, i, 7);
    v->created_by = pd__pg_i64(r, i, 8);
}

pd_qs pd__pg_vehicle_insert(pd_db *db, const struct pd_vehicle *v, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    *dup = false;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, v->plate);
    pd__pg_p_text(&p, v->type);
    pd__pg_p_i64(&p, v->capacity_weight_g);
    pd__pg_p_i64(&p, v->capacity_volume_cm3);
    pd__pg_p_i64(&p, v->node_id);
    pd__pg_p_i64(&p, v->created_ms);
    pd__pg_p_i64(&p, v->created_by);
    pd_qs qs = pd__pg_cmd(c, PD_PG_VEHICLE_INSERT,
                          "INSERT INTO vehicles (plate, type, capacity_weight_g,"
                          " capacity_volume_cm3, node_id, created_ms, created_by)"
                          " VALUES ($1::text, $2::text, $3::bigint, $4::bigint, $5::bigint,"
                          " $6::bigint, $7::bigint) ON CONFLICT (plate) DO NOTHING",
                          &p);
    if (qs < 0)
        return qs;
    *dup = qs == 0;
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_vehicle_get(pd_db *db, const char *plate, struct pd_vehicle *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, plate);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_VEHICLE_GET,
                             "SELECT " VEHICLE_COLS " FROM vehicles v"
                             " JOIN nodes n ON n.id = v.node_id WHERE v.plate = $1::text",
                             &p, &qs);
    if (!r)
        return qs;
    qs = PD_QS_NONE;
    if (PQntuples(r) > 0) {
        vehicle_row(r, 0, out);
        qs = PD_QS_ONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_vehicle_list(pd_db *db, const char *node_path, pd_vehicle_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_i64(&p, PD_STORE_LIST_MAX);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_VEHICLE_LIST,
                             "SELECT " VEHICLE_COLS " FROM vehicles v"
                             " JOIN nodes n ON n.id = v.node_id"
                             " WHERE n.path >= $1::text AND n.path < $2::text"
                             " ORDER BY v.plate LIMIT $3::bigint",
                             &p, &qs);
    if (!r)
        return qs;
    int n = PQntuples(r);
    qs = (pd_qs)n;
    for (int i = 0; i < n; i++) {
        struct pd_vehicle v;
        vehicle_row(r, i, &v);
        int cr = cb(cls, &v);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
    }
    PQclear(r);
    return qs;
}

/* ---- trips --------------------------------------------------------------------- */

#define TRIP_COLS                                                                                  \
    "t.trip_no, t.plate, t.origin_id, n.code, n.path, t.state, t.planned_departure_ms,"            \
    " t.departed_ms, t.arrived_ms, t.created_ms, t.created_by, t.updated_ms"

static pd_qs trip_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_trip *t)
{
    memset(t, 0, sizeof *t);
    pd__pg_col(r, i, 0, t->trip_no, sizeof t->trip_no);
    pd__pg_col(r, i, 1, t->plate, sizeof t->plate);
    t->origin_id = pd__pg_i64(r, i, 2);
    pd__pg_col(r, i, 3, t->origin_code, sizeof t->origin_code);
    pd__pg_col(r, i, 4, t->origin_path, sizeof t->origin_path);
    enum pd_trip_state st;
    if (!pd_trip_state_parse(PQgetvalue(r, i, 5), &st)) {
        snprintf(c->err, sizeof c->err, "trip %s: unknown state '%s'", t->trip_no,
                 PQgetvalue(r, i, 5));
        pd_error("pg: %s", c->err);
        return PD_QS_HARD;
    }
    t->state = (int)st;
    t->planned_departure_ms = pd__pg_i64(r, i, 6);
    t->departed_ms = pd__pg_i64(r, i, 7);
    t->arrived_ms = pd__pg_i64(r, i, 8);
    t->created_ms = pd__pg_i64(r, i, 9);
    t->created_by = pd__pg_i64(r, i, 10);
    t->updated_ms = pd__pg_i64(r, i, 11);
    return PD_QS_ONE;
}

/* The stops of t->trip_no into @p t, in calling order. */
static pd_qs read_stops(struct pd__pg_conn *c, struct pd_trip *t)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, t->trip_no);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_TRIP_STOPS,
                             "SELECT s.node_id, n.code, n.path FROM trip_stops s"
                             " JOIN nodes n ON n.id = s.node_id WHERE s.trip_no = $1::text"
                             " ORDER BY s.idx",
                             &p, &qs);
    if (!r)
        return qs;
    int n = PQntuples(r);
    if (n > PD_TRIP_STOPS_MAX) {
        snprintf(c->err, sizeof c->err, "trip %s: more than %d stops", t->trip_no,
                 PD_TRIP_STOPS_MAX);
        pd_error("pg: %s", c->err);
        PQclear(r);
        return PD_QS_HARD;
    }
    for (int i = 0; i < n; i++) {
        t->stop_ids[i] = pd__pg_i64(r, i, 0);
        pd__pg_col(r, i, 1, t->stop_codes[i], sizeof t->stop_codes[i]);
        pd__pg_col(r, i, 2, t->stop_paths[i], sizeof t->stop_paths[i]);
    }
    t->n_stops = n;
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_trip_insert(pd_db *db, const struct pd_trip *t, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    *dup = false;
    if (PD_BREAK(state_ok(t->state)) ||
        PD_BREAK(t->n_stops >= 1 && t->n_stops <= PD_TRIP_STOPS_MAX))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, t->trip_no);
    pd__pg_p_text(&p, t->plate);
    pd__pg_p_i64(&p, t->origin_id);
    pd__pg_p_text(&p, pd_trip_state_names[t->state]);
    pd__pg_p_i64(&p, t->planned_departure_ms);
    pd__pg_p_i64(&p, t->created_ms);
    pd__pg_p_i64(&p, t->created_by);
    pd_qs qs = pd__pg_cmd(c, PD_PG_TRIP_INSERT,
                          "INSERT INTO trips (trip_no, plate, origin_id, state,"
                          " planned_departure_ms, created_ms, created_by, updated_ms)"
                          " VALUES ($1::text, $2::text, $3::bigint, $4::text, $5::bigint,"
                          " $6::bigint, $7::bigint, $6::bigint) ON CONFLICT (trip_no) DO NOTHING",
                          &p);
    if (qs <= 0) {
        *dup = qs == 0;
        return qs;
    }
    for (int i = 0; i < t->n_stops; i++) {
        p = (struct pd__pg_params){0};
        pd__pg_p_text(&p, t->trip_no);
        pd__pg_p_i64(&p, i);
        pd__pg_p_i64(&p, t->stop_ids[i]);
        qs = pd__pg_cmd(c, PD_PG_TRIP_STOP_INSERT,
                        "INSERT INTO trip_stops (trip_no, idx, node_id)"
                        " VALUES ($1::text, $2::integer, $3::bigint)",
                        &p);
        if (qs < 0)
            return qs;
    }
    return PD_QS_ONE;
}

pd_qs pd__pg_trip_get(pd_db *db, const char *trip_no, bool for_update, struct pd_trip *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, trip_no);
    pd_qs qs;
    PGresult *r =
        for_update ? pd__pg_run(c, PD_PG_TRIP_GET_FOR_UPDATE,
                                "SELECT " TRIP_COLS " FROM trips t JOIN nodes n"
                                " ON n.id = t.origin_id WHERE t.trip_no = $1::text FOR UPDATE OF t",
                                &p, &qs)
                   : pd__pg_run(c, PD_PG_TRIP_GET,
                                "SELECT " TRIP_COLS " FROM trips t JOIN nodes n"
                                " ON n.id = t.origin_id WHERE t.trip_no = $1::text",
                                &p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? trip_row(c, r, 0, out) : PD_QS_NONE;
    PQclear(r);
    if (qs <= 0)
        return qs;
    return read_stops(c, out);
}

pd_qs pd__pg_trip_list(pd_db *db, const struct pd_trip_filter *f, pd_trip_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state < 0 || state_ok(f->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->state >= 0 ? pd_trip_state_names[f->state] : NULL);
    pd__pg_p_i64(&p, f->from_ms > 0 ? f->from_ms : INT64_MIN);
    pd__pg_p_i64(&p, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_TRIP_LIST,
        "SELECT " TRIP_COLS " FROM trips t JOIN nodes n ON n.id = t.origin_id"
        " WHERE (n.path >= $1::text AND n.path < $2::text OR EXISTS (SELECT 1 FROM trip_stops s"
        " JOIN nodes m ON m.id = s.node_id WHERE s.trip_no = t.trip_no"
        " AND m.path >= $1::text AND m.path < $2::text))"
        " AND ($3::text IS NULL OR t.state = $3::text)"
        " AND t.planned_departure_ms >= $4::bigint AND t.planned_departure_ms < $5::bigint"
        " ORDER BY t.planned_departure_ms DESC, t.trip_no DESC LIMIT $6::bigint",
        &p, &qs);
    if (!r)
        return qs;
    int n = PQntuples(r);
    qs = (pd_qs)n;
    for (int i = 0; i < n; i++) {
        struct pd_trip t;
        pd_qs rq = trip_row(c, r, i, &t);
        if (rq >= 0)
            rq = read_stops(c, &t);
        int cr = rq < 0 ? (int)rq : cb(cls, &t);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_trip_set_state(pd_db *db, const char *trip_no, int from, int to, int64_t at_ms)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(state_ok(from) && state_ok(to)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, trip_no);
    pd__pg_p_text(&p, pd_trip_state_names[from]);
    pd__pg_p_text(&p, pd_trip_state_names[to]);
    pd__pg_p_i64(&p, at_ms);
    pd_qs qs = pd__pg_cmd(
        c, PD_PG_TRIP_SET_STATE,
        "UPDATE trips SET state = $3::text, updated_ms = $4::bigint,"
        " departed_ms = CASE WHEN $3::text = 'departed' THEN $4::bigint ELSE departed_ms END,"
        " arrived_ms = CASE WHEN $3::text = 'arrived' THEN $4::bigint ELSE arrived_ms END"
        " WHERE trip_no = $1::text AND state = $2::text",
        &p);
    if (qs <= 0 || to != PD_TRIP_ARRIVED)
        return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
    p = (struct pd__pg_params){0};
    pd__pg_p_text(&p, trip_no);
    qs = pd__pg_cmd(c, PD_PG_TRIP_PLAN_RELEASE,
                    "UPDATE trip_plan SET active = NULL WHERE trip_no = $1::text AND active = 1",
                    &p);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* ---- the loading plan ---------------------------------------------------------- */

pd_qs pd__pg_trip_item_add(pd_db *db, const struct pd_trip_item *it, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    *dup = false;
    if (PD_BREAK(kind_ok(it->kind)) || PD_BREAK(it->contents >= 1))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, it->trip_no);
    pd__pg_p_text(&p, kind_names[it->kind]);
    pd__pg_p_text(&p, it->item_no);
    pd__pg_p_i64(&p, it->stop);
    pd__pg_p_i64(&p, it->weight_g);
    pd__pg_p_i64(&p, it->volume_cm3);
    pd__pg_p_i64(&p, it->contents);
    pd__pg_p_i64(&p, it->unmeasured);
    pd__pg_p_i64(&p, it->added_ms);
    pd__pg_p_i64(&p, it->added_by);
    /* No conflict target: the primary key and trip_plan_active both mean
     * "planned already" (as sqlite_trips.c). */
    pd_qs qs = pd__pg_cmd(c, PD_PG_TRIP_ITEM_ADD,
                          "INSERT INTO trip_plan (trip_no, kind, item_no, stop_idx, weight_g,"
                          " volume_cm3, contents, unmeasured, added_ms, added_by, active)"
                          " VALUES ($1::text, $2::text, $3::text, $4::integer, $5::bigint,"
                          " $6::bigint, $7::integer, $8::integer, $9::bigint, $10::bigint, 1)"
                          " ON CONFLICT DO NOTHING",
                          &p);
    if (qs < 0)
        return qs;
    *dup = qs == 0;
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_trip_item_holder(pd_db *db, int kind, const char *item_no,
                              char trip_no[PD_TRIP_NO_SIZE])
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(kind_ok(kind)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, kind_names[kind]);
    pd__pg_p_text(&p, item_no);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_TRIP_ITEM_HOLDER,
                             "SELECT trip_no FROM trip_plan"
                             " WHERE kind = $1::text AND item_no = $2::text AND active = 1",
                             &p, &qs);
    if (!r)
        return qs;
    qs = PD_QS_NONE;
    if (PQntuples(r) > 0) {
        pd__pg_col(r, 0, 0, trip_no, PD_TRIP_NO_SIZE);
        qs = PD_QS_ONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_trip_item_remove(pd_db *db, const char *trip_no, int kind, const char *item_no)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(kind_ok(kind)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, trip_no);
    pd__pg_p_text(&p, kind_names[kind]);
    pd__pg_p_text(&p, item_no);
    pd_qs qs = pd__pg_cmd(c, PD_PG_TRIP_ITEM_REMOVE,
                          "DELETE FROM trip_plan WHERE trip_no = $1::text AND kind = $2::text"
                          " AND item_no = $3::text",
                          &p);
    return qs < 0 ? qs : qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_trip_item_list(pd_db *db, const char *trip_no, pd_trip_item_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, trip_no);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_TRIP_ITEM_LIST,
                             "SELECT trip_no, kind, item_no, stop_idx, weight_g, volume_cm3,"
                             " contents, unmeasured, added_ms, added_by FROM trip_plan"
                             " WHERE trip_no = $1::text ORDER BY added_ms, kind, item_no",
                             &p, &qs);
    if (!r)
        return qs;
    int n = PQntuples(r);
    qs = (pd_qs)n;
    for (int i = 0; i < n; i++) {
        struct pd_trip_item it;
        memset(&it, 0, sizeof it);
        pd__pg_col(r, i, 0, it.trip_no, sizeof it.trip_no);
        it.kind = kind_parse(PQgetvalue(r, i, 1));
        pd__pg_col(r, i, 2, it.item_no, sizeof it.item_no);
        if (it.kind < 0) {
            snprintf(c->err, sizeof c->err, "trip %s: unknown item kind '%s'", it.trip_no,
                     PQgetvalue(r, i, 1));
            pd_error("pg: %s", c->err);
            qs = PD_QS_HARD;
            break;
        }
        it.stop = (int)pd__pg_i64(r, i, 3);
        it.weight_g = pd__pg_i64(r, i, 4);
        it.volume_cm3 = pd__pg_i64(r, i, 5);
        it.contents = (int)pd__pg_i64(r, i, 6);
        it.unmeasured = (int)pd__pg_i64(r, i, 7);
        it.added_ms = pd__pg_i64(r, i, 8);
        it.added_by = pd__pg_i64(r, i, 9);
        int cr = cb(cls, &it);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
    }
    PQclear(r);
    return qs;
}

/* ---- the trip's scans ---------------------------------------------------------- */

pd_qs pd__pg_trip_scans(pd_db *db, const char *trip_no, int limit, pd_scan_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, trip_no);
    pd__pg_p_i64(&p, limit > 0 ? limit : 1);
    pd_qs qs;
    /* "trip_no <> ''" repeats the index's condition so that a generic plan
     * of this prepared statement can still use the partial index scans_trip. */
    PGresult *r = pd__pg_run(
        c, PD_PG_TRIP_SCANS,
        "SELECT waybill_no, parcel_no, type, at_ms, node_code, operator, device_id, device_seq,"
        " bag_no, trip_no, received_ms FROM scans"
        " WHERE trip_no = $1::text AND trip_no <> '' AND type IN ('load', 'unload')"
        " ORDER BY at_ms, received_ms, device_id, device_seq LIMIT $2::bigint",
        &p, &qs);
    if (!r)
        return qs;
    int n = PQntuples(r);
    qs = (pd_qs)n;
    for (int i = 0; i < n; i++) {
        struct pd_scan_row s;
        memset(&s, 0, sizeof s);
        pd__pg_col(r, i, 0, s.waybill_no, sizeof s.waybill_no);
        pd__pg_col(r, i, 1, s.parcel_no, sizeof s.parcel_no);
        enum pd_scan_type t;
        if (!pd_scan_type_parse(PQgetvalue(r, i, 2), &t)) {
            snprintf(c->err, sizeof c->err, "scan of %s: unknown type '%s'", s.waybill_no,
                     PQgetvalue(r, i, 2));
            pd_error("pg: %s", c->err);
            qs = PD_QS_HARD;
            break;
        }
        s.type = (int)t;
        s.at_ms = pd__pg_i64(r, i, 3);
        pd__pg_col(r, i, 4, s.node_code, sizeof s.node_code);
        pd__pg_col(r, i, 5, s.operator_, sizeof s.operator_);
        pd__pg_col(r, i, 6, s.device_id, sizeof s.device_id);
        s.device_seq = pd__pg_i64(r, i, 7);
        pd__pg_col(r, i, 8, s.bag_no, sizeof s.bag_no);
        pd__pg_col(r, i, 9, s.trip_no, sizeof s.trip_no);
        s.received_ms = pd__pg_i64(r, i, 10);
        int cr = cb(cls, &s);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
    }
    PQclear(r);
    return qs;
}
