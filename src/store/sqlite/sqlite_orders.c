/*
 * SQLite queries of the orders aggregate: waybills with their parcels and
 * serial numbers, contract customers, pickup tasks and pickup inspections.
 * Waybill numbers come from the one-row counter waybill_serial, bumped inside
 * the inserting transaction: writers hold SQLite's single write lock (BEGIN
 * IMMEDIATE), so no two transactions can draw the same serial, and a rolled
 * back insert rolls its bump back too. Subtree scoping is the byte range on
 * nodes.path, as in sqlite_org.c. The waybill list has one statement per
 * "driving" filter, so each search reads its own index instead of the
 * whole table (a single statement with "? IS NULL OR col = ?" terms could
 * use no index at all).
 */
#include <stdint.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/waybill_no.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

_Static_assert(PD_WB_NO_SIZE == PD_WAYBILL_NO_SIZE, "store and core waybill number sizes differ");
_Static_assert(PD_PCL_NO_SIZE == PD_PARCEL_NO_SIZE, "store and core parcel number sizes differ");

/* ---- shared helpers ------------------------------------------------------ */

/* Reads the current row of a statement into a record and hands it on;
 * returns the callback's value (negative stops the listing). */
typedef int (*visit_fn)(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx);

/* Step @p s to its end through @p visit; the pd_qs is the row count. */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, visit_fn visit, void *ctx,
                      const char *what)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r = visit(c, s, ctx);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

/* A JSON text column; @p dflt when NULL, so reads never hand out NULL. */
static const char *json_col(sqlite3_stmt *s, int i, const char *dflt)
{
    const char *v = (const char *)sqlite3_column_text(s, i);
    return v ? v : dflt;
}

/* Optional references are NULL in the database and 0 in the structs. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

static pd_qs bad_value(struct pd__sq_conn *c, const char *what, int64_t id, const char *v)
{
    snprintf(c->err, sizeof c->err, "%s %lld has unknown state '%.32s'", what, (long long)id, v);
    pd_error("sqlite: %s", c->err);
    return PD_QS_HARD;
}

/* ---- waybills -------------------------------------------------------------- */

#define WB_COLS                                                                                    \
    "w.id, w.waybill_no, w.state, w.channel, w.service, w.payment, w.node_id, n.path, n.code,"     \
    " COALESCE(w.customer_id, 0), COALESCE(cu.code, ''), w.customer_ref, w.sender_phone,"          \
    " w.recipient_phone, w.origin_division, w.dest_division, w.weight_g, w.chargeable_weight_g,"   \
    " w.total_fen, w.cod_fen, w.declared_value_fen, w.parcels, w.pickup_from_ms, w.pickup_to_ms,"  \
    " w.promised_pickup_ms, w.promised_delivery_ms, w.fingerprint, w.idem_actor, w.idem_key,"      \
    " w.idem_hash, COALESCE(w.courier_id, 0), COALESCE(w.created_by, 0), w.created_ms,"            \
    " w.updated_ms, w.version, w.doc, w.quote, w.review"
#define WB_FROM                                                                                    \
    " FROM waybills w JOIN nodes n ON n.id = w.node_id"                                            \
    " LEFT JOIN customers cu ON cu.id = w.customer_id"
/* The same, with the waybills as the outer loop whatever the planner
 * thinks: SQLite never reorders the tables of a CROSS JOIN. */
#define WB_FROM_WIDE                                                                               \
    " FROM waybills w CROSS JOIN nodes n ON n.id = w.node_id"                                      \
    " LEFT JOIN customers cu ON cu.id = w.customer_id"

static pd_qs waybill_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_waybill *w)
{
    char state[32];
    enum pd_order_state st;
    memset(w, 0, sizeof *w);
    w->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, w->waybill_no, sizeof w->waybill_no);
    pd__sq_col(s, 2, state, sizeof state);
    pd__sq_col(s, 3, w->channel, sizeof w->channel);
    pd__sq_col(s, 4, w->service, sizeof w->service);
    pd__sq_col(s, 5, w->payment, sizeof w->payment);
    w->node_id = sqlite3_column_int64(s, 6);
    pd__sq_col(s, 7, w->node_path, sizeof w->node_path);
    pd__sq_col(s, 8, w->node_code, sizeof w->node_code);
    w->customer_id = sqlite3_column_int64(s, 9);
    pd__sq_col(s, 10, w->customer_code, sizeof w->customer_code);
    pd__sq_col(s, 11, w->customer_ref, sizeof w->customer_ref);
    pd__sq_col(s, 12, w->sender_phone, sizeof w->sender_phone);
    pd__sq_col(s, 13, w->recipient_phone, sizeof w->recipient_phone);
    w->origin_division = sqlite3_column_int(s, 14);
    w->dest_division = sqlite3_column_int(s, 15);
    w->weight_g = sqlite3_column_int64(s, 16);
    w->chargeable_weight_g = sqlite3_column_int64(s, 17);
    w->total_fen = sqlite3_column_int64(s, 18);
    w->cod_fen = sqlite3_column_int64(s, 19);
    w->declared_value_fen = sqlite3_column_int64(s, 20);
    w->parcels = sqlite3_column_int(s, 21);
    w->pickup_from_ms = sqlite3_column_int64(s, 22);
    w->pickup_to_ms = sqlite3_column_int64(s, 23);
    w->promised_pickup_ms = sqlite3_column_int64(s, 24);
    w->promised_delivery_ms = sqlite3_column_int64(s, 25);
    pd__sq_col(s, 26, w->fingerprint, sizeof w->fingerprint);
    pd__sq_col(s, 27, w->idem_actor, sizeof w->idem_actor);
    pd__sq_col(s, 28, w->idem_key, sizeof w->idem_key);
    pd__sq_col(s, 29, w->idem_hash, sizeof w->idem_hash);
    w->courier_id = sqlite3_column_int64(s, 30);
    w->created_by = sqlite3_column_int64(s, 31);
    w->created_ms = sqlite3_column_int64(s, 32);
    w->updated_ms = sqlite3_column_int64(s, 33);
    w->version = sqlite3_column_int(s, 34);
    w->doc = json_col(s, 35, "{}");
    w->quote = json_col(s, 36, "{}");
    w->review = json_col(s, 37, "[]");
    if (!pd_order_state_parse(state, &st))
        return bad_value(c, "waybill", w->id, state);
    w->state = (int)st;
    return PD_QS_ONE;
}

struct waybill_visit {
    pd_waybill_cb cb;
    void *cls;
};

static int visit_waybill(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct waybill_visit *v = ctx;
    struct pd_waybill w;
    pd_qs qs = waybill_row(c, s, &w);
    return qs < 0 ? (int)qs : v->cb(v->cls, &w);
}

/* Bind the columns waybill_update may change as ?1 … ?23, in the order of
 * the insert's column list (the insert binds them the same way). */
static void bind_mutable(sqlite3_stmt *s, const struct pd_waybill *w)
{
    pd__sq_text(s, 1, pd_order_state_name((enum pd_order_state)w->state));
    pd__sq_text(s, 2, w->service);
    pd__sq_text(s, 3, w->payment);
    bind_ref(s, 4, w->customer_id);
    pd__sq_text(s, 5, w->customer_ref);
    pd__sq_text(s, 6, w->sender_phone);
    pd__sq_text(s, 7, w->recipient_phone);
    sqlite3_bind_int(s, 8, w->origin_division);
    sqlite3_bind_int(s, 9, w->dest_division);
    pd__sq_i64(s, 10, w->weight_g);
    pd__sq_i64(s, 11, w->chargeable_weight_g);
    pd__sq_i64(s, 12, w->total_fen);
    pd__sq_i64(s, 13, w->cod_fen);
    pd__sq_i64(s, 14, w->declared_value_fen);
    pd__sq_i64(s, 15, w->pickup_from_ms);
    pd__sq_i64(s, 16, w->pickup_to_ms);
    pd__sq_i64(s, 17, w->promised_pickup_ms);
    pd__sq_i64(s, 18, w->promised_delivery_ms);
    pd__sq_text(s, 19, w->fingerprint);
    bind_ref(s, 20, w->courier_id);
    pd__sq_text(s, 21, w->doc ? w->doc : "{}");
    pd__sq_text(s, 22, w->quote ? w->quote : "{}");
    pd__sq_text(s, 23, w->review ? w->review : "[]");
}

/* Draw the next serial and format it as a waybill number. */
static pd_qs next_waybill_no(struct pd__sq_conn *c, char out[PD_WB_NO_SIZE])
{
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_WAYBILL_SERIAL,
                    "UPDATE waybill_serial SET next = next + 1 WHERE id = 1 RETURNING next - 1");
    if (!s)
        return PD_QS_HARD;
    int rc = sqlite3_step(s);
    int64_t serial = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "waybill serial");
    pd__sq_done(s);
    if (rc == SQLITE_DONE) { /* migration 002 inserts the row; nothing deletes it */
        snprintf(c->err, sizeof c->err, "waybill serial: the waybill_serial row is missing");
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    if (qs == PD_QS_ONE && PD_BREAK(serial > 0 && pd_waybill_no_format((uint64_t)serial, out)))
        qs = PD_QS_HARD;
    return qs;
}

static pd_qs insert_parcels(struct pd__sq_conn *c, const struct pd_waybill *w)
{
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PARCEL_INSERT,
                                  "INSERT INTO parcels (waybill_id, parcel_no, seq, weight_g,"
                                  " created_ms) VALUES (?1, ?2, ?3, 0, ?4)");
    if (!s)
        return PD_QS_HARD;
    for (int seq = 1; seq <= w->parcels; seq++) {
        char no[PD_PCL_NO_SIZE];
        if (w->parcels == 1)
            memcpy(no, w->waybill_no, PD_WB_NO_SIZE);
        else if (PD_BREAK(pd_parcel_no_format(w->waybill_no, seq, no)))
            return PD_QS_HARD;
        pd__sq_i64(s, 1, w->id);
        pd__sq_text(s, 2, no);
        sqlite3_bind_int(s, 3, seq);
        pd__sq_i64(s, 4, w->created_ms);
        pd_qs qs = pd__sq_exec(c, s, "parcel_insert");
        if (qs < 0)
            return qs;
    }
    return PD_QS_ONE;
}

pd_qs pd__sq_waybill_insert(pd_db *db, struct pd_waybill *w)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK((unsigned)w->state < PD_ORDER__COUNT) ||
        PD_BREAK(w->parcels >= 1 && w->parcels <= PD_PARCEL_SEQ_MAX))
        return PD_QS_HARD;
    char no[PD_WB_NO_SIZE];
    pd_qs qs = next_waybill_no(c, no);
    if (qs < 0)
        return qs;
    /* The idempotency index is named as the conflict target, so only a
     * concurrent twin request is absorbed here; any other unique violation
     * (a waybill number drawn twice) is still an error, and HARD. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_WAYBILL_INSERT,
        "INSERT INTO waybills (state, service, payment, customer_id, customer_ref, sender_phone,"
        " recipient_phone, origin_division, dest_division, weight_g, chargeable_weight_g,"
        " total_fen, cod_fen, declared_value_fen, pickup_from_ms, pickup_to_ms,"
        " promised_pickup_ms, promised_delivery_ms, fingerprint, courier_id, doc, quote, review,"
        " waybill_no, channel, node_id, parcels, idem_actor, idem_key, idem_hash, created_by,"
        " created_ms, updated_ms, version)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,"
        " ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?32, 1)"
        " ON CONFLICT (idem_actor, idem_key) WHERE idem_key <> '' DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    /* generate passes its simulated order time; everyone else leaves 0. */
    int64_t now = w->created_ms > 0 ? w->created_ms : pd_now_ms();
    bind_mutable(s, w);
    pd__sq_text(s, 24, no);
    pd__sq_text(s, 25, w->channel);
    pd__sq_i64(s, 26, w->node_id);
    sqlite3_bind_int(s, 27, w->parcels);
    pd__sq_text(s, 28, w->idem_actor);
    pd__sq_text(s, 29, w->idem_key);
    pd__sq_text(s, 30, w->idem_hash);
    bind_ref(s, 31, w->created_by);
    pd__sq_i64(s, 32, now);
    int rc = sqlite3_step(s);
    int64_t id = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    qs = rc == SQLITE_ROW    ? PD_QS_ONE
         : rc == SQLITE_DONE ? PD_QS_SOFT /* the key's holder is found on the retry */
                             : pd__sq_fail(c, rc, "waybill_insert");
    pd__sq_done(s);
    if (qs < 0)
        return qs;
    w->id = id;
    memcpy(w->waybill_no, no, sizeof no);
    w->created_ms = w->updated_ms = now;
    w->version = 1;
    return insert_parcels(c, w);
}

pd_qs pd__sq_waybill_get(pd_db *db, const char *no, bool for_update, pd_waybill_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* for_update needs nothing here: a write transaction already holds the
     * database's only write lock. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_WAYBILL_GET, "SELECT " WB_COLS WB_FROM " WHERE w.waybill_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, no);
    struct waybill_visit v = {cb, cls};
    return each_row(c, s, visit_waybill, &v, "waybill_get");
}

pd_qs pd__sq_waybill_get_by_idem(pd_db *db, const char *actor, const char *key, pd_waybill_cb cb,
                                 void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (!key || !*key) /* requests without a key are not idempotent */
        return PD_QS_NONE;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_WAYBILL_GET_BY_IDEM,
                                  "SELECT " WB_COLS WB_FROM " WHERE w.idem_actor = ?1"
                                  " AND w.idem_key = ?2 AND w.idem_key <> ''");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, actor);
    pd__sq_text(s, 2, key);
    struct waybill_visit v = {cb, cls};
    return each_row(c, s, visit_waybill, &v, "waybill_get_by_idem");
}

pd_qs pd__sq_waybill_update(pd_db *db, const struct pd_waybill *w, int expected_version)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK((unsigned)w->state < PD_ORDER__COUNT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_WAYBILL_UPDATE,
        "UPDATE waybills SET state = ?1, service = ?2, payment = ?3, customer_id = ?4,"
        " customer_ref = ?5, sender_phone = ?6, recipient_phone = ?7, origin_division = ?8,"
        " dest_division = ?9, weight_g = ?10, chargeable_weight_g = ?11, total_fen = ?12,"
        " cod_fen = ?13, declared_value_fen = ?14, pickup_from_ms = ?15, pickup_to_ms = ?16,"
        " promised_pickup_ms = ?17, promised_delivery_ms = ?18, fingerprint = ?19,"
        " courier_id = ?20, doc = ?21, quote = ?22, review = ?23, updated_ms = ?26,"
        " version = version + 1"
        " WHERE id = ?24 AND version = ?25");
    if (!s)
        return PD_QS_HARD;
    bind_mutable(s, w);
    pd__sq_i64(s, 24, w->id);
    sqlite3_bind_int(s, 25, expected_version);
    pd__sq_i64(s, 26, w->updated_ms);
    return pd__sq_exec(c, s, "waybill_update");
}

/* The list's filters, bound the same way for every driving statement:
 * ?1 ?2 path range, ?3 state, ?4 phone, ?5 customer_ref, ?6 customer,
 * ?7 courier, ?8 ?9 created range, ?10 before_id, ?11 limit. The residual
 * created_ms terms carry a unary '+' so that SQLite does not pick the
 * created index for them (they are always bound); only the date-range
 * statement leaves that index usable. */
#define WB_LIST(from, drive)                                                                       \
    "SELECT " WB_COLS from " WHERE " drive " AND n.path >= ?1 AND n.path < ?2"                     \
    " AND (?3 IS NULL OR w.state = ?3)"                                                            \
    " AND (?4 IS NULL OR w.sender_phone = ?4 OR w.recipient_phone = ?4)"                           \
    " AND (?5 IS NULL OR w.customer_ref = ?5) AND (?6 IS NULL OR w.customer_id = ?6)"              \
    " AND (?7 IS NULL OR w.courier_id = ?7)"                                                       \
    " AND +w.created_ms >= ?8 AND +w.created_ms < ?9 AND w.id < ?10"                               \
    " ORDER BY w.id DESC LIMIT ?11"

/* One statement per driving filter, most selective first. The phone search
 * reads both phone indexes (an IN over a UNION ALL: SQLite then walks the
 * matching ids newest first and stops at the limit). Without a filter the
 * subtree decides: SQLite keeps no statistics, and left alone it always
 * starts from the subtree's nodes and sorts all their waybills, which is
 * right for an outlet and takes seconds for the head office. Reading the
 * newest waybills first and keeping the subtree's costs limit / (share of
 * the subtree) rows instead, so wide subtrees (the root and the level
 * below) take that statement and deeper ones the planner's. */
enum waybill_list_variant {
    WL_PHONE,
    WL_REF,
    WL_CUSTOMER,
    WL_COURIER,
    WL_STATE,
    WL_CREATED,
    WL_WIDE,
    WL_NARROW
};

static const struct {
    enum pd_sq_stmt id;
    const char *sql;
} waybill_lists[] = {
    [WL_PHONE] = {PD_SQ_WAYBILL_LIST_PHONE,
                  WB_LIST(WB_FROM, "w.id IN (SELECT id FROM waybills WHERE sender_phone = ?4"
                                   " AND id < ?10 UNION ALL SELECT id FROM waybills"
                                   " WHERE recipient_phone = ?4 AND id < ?10)")},
    [WL_REF] = {PD_SQ_WAYBILL_LIST_REF, WB_LIST(WB_FROM, "w.customer_ref = ?5")},
    [WL_CUSTOMER] = {PD_SQ_WAYBILL_LIST_CUSTOMER, WB_LIST(WB_FROM, "w.customer_id = ?6")},
    [WL_COURIER] = {PD_SQ_WAYBILL_LIST_COURIER, WB_LIST(WB_FROM, "w.courier_id = ?7")},
    [WL_STATE] = {PD_SQ_WAYBILL_LIST_STATE, WB_LIST(WB_FROM, "w.state = ?3")},
    [WL_CREATED] = {PD_SQ_WAYBILL_LIST_CREATED,
                    WB_LIST(WB_FROM, "w.created_ms >= ?8 AND w.created_ms < ?9")},
    [WL_WIDE] = {PD_SQ_WAYBILL_LIST_WIDE, WB_LIST(WB_FROM_WIDE, "1")},
    [WL_NARROW] = {PD_SQ_WAYBILL_LIST_ALL, WB_LIST(WB_FROM, "1")},
};

static enum waybill_list_variant waybill_list_variant(const struct pd_waybill_filter *f)
{
    if (f->phone && *f->phone)
        return WL_PHONE;
    if (f->customer_ref && *f->customer_ref)
        return WL_REF;
    if (f->customer_id > 0)
        return WL_CUSTOMER;
    if (f->courier_id > 0)
        return WL_COURIER;
    if (f->state >= 0)
        return WL_STATE;
    if (f->from_ms > 0 || f->to_ms > 0)
        return WL_CREATED;
    int depth = 0; /* "/1/" is 1, "/1/4/" 2 */
    for (const char *p = f->node_path ? f->node_path : "/"; *p; p++)
        depth += *p == '/';
    return depth - 1 <= 2 ? WL_WIDE : WL_NARROW;
}

pd_qs pd__sq_waybill_list(pd_db *db, const struct pd_waybill_filter *f, pd_waybill_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) || PD_BREAK(f->state < PD_ORDER__COUNT))
        return PD_QS_HARD;
    enum waybill_list_variant v = waybill_list_variant(f);
    sqlite3_stmt *s = pd__sq_prep(c, waybill_lists[v].id, waybill_lists[v].sql);
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->state >= 0 ? pd_order_state_name((enum pd_order_state)f->state) : NULL);
    pd__sq_opt(s, 4, f->phone);
    pd__sq_opt(s, 5, f->customer_ref);
    bind_ref(s, 6, f->customer_id);
    bind_ref(s, 7, f->courier_id);
    pd__sq_i64(s, 8, f->from_ms);
    pd__sq_i64(s, 9, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__sq_i64(s, 10, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 11, pd__list_limit(f->limit));
    struct waybill_visit wv = {cb, cls};
    return each_row(c, s, visit_waybill, &wv, "waybill_list");
}

pd_qs pd__sq_waybill_find_duplicate(pd_db *db, const char *fp, int64_t since_ms,
                                    char out_no[PD_WB_NO_SIZE])
{
    struct pd__sq_conn *c = C(db);
    out_no[0] = '\0';
    if (!fp || !*fp) /* no fingerprint: nothing to compare */
        return PD_QS_NONE;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_WAYBILL_FIND_DUPLICATE,
                                  "SELECT waybill_no FROM waybills WHERE fingerprint = ?1"
                                  " AND created_ms >= ?2 AND state <> 'cancelled'"
                                  " ORDER BY created_ms DESC, id DESC LIMIT 1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, fp);
    pd__sq_i64(s, 2, since_ms);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "waybill_find_duplicate");
    if (qs == PD_QS_ONE)
        pd__sq_col(s, 0, out_no, PD_WB_NO_SIZE);
    pd__sq_done(s);
    return qs;
}

/* ---- parcels ----------------------------------------------------------- */

struct parcel_visit {
    pd_parcel_cb cb;
    void *cls;
};

static int visit_parcel(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct parcel_visit *v = ctx;
    struct pd_parcel p;
    memset(&p, 0, sizeof p);
    p.id = sqlite3_column_int64(s, 0);
    p.waybill_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, p.parcel_no, sizeof p.parcel_no);
    p.seq = sqlite3_column_int(s, 3);
    p.weight_g = sqlite3_column_int64(s, 4);
    p.created_ms = sqlite3_column_int64(s, 5);
    return v->cb(v->cls, &p);
}

pd_qs pd__sq_parcel_list(pd_db *db, int64_t waybill_id, pd_parcel_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PARCEL_LIST,
                                  "SELECT id, waybill_id, parcel_no, seq, weight_g, created_ms"
                                  " FROM parcels WHERE waybill_id = ?1 ORDER BY seq");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, waybill_id);
    struct parcel_visit v = {cb, cls};
    return each_row(c, s, visit_parcel, &v, "parcel_list");
}

pd_qs pd__sq_parcel_set_weight(pd_db *db, const char *parcel_no, int64_t weight_g)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PARCEL_SET_WEIGHT,
                                  "UPDATE parcels SET weight_g = ?2 WHERE parcel_no = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, parcel_no);
    pd__sq_i64(s, 2, weight_g);
    return pd__sq_exec(c, s, "parcel_set_weight");
}

/* ---- customers --------------------------------------------------------- */

#define CUSTOMER_COLS                                                                              \
    "c.id, c.code, c.name, c.phone, c.node_id, n.path, c.monthly, c.active, c.created_ms,"         \
    " c.contract, n.code"
#define CUSTOMER_FROM " FROM customers c JOIN nodes n ON n.id = c.node_id"

struct customer_visit {
    pd_customer_cb cb;
    void *cls;
};

static int visit_customer(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct customer_visit *v = ctx;
    struct pd_customer cu;
    memset(&cu, 0, sizeof cu);
    cu.id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, cu.code, sizeof cu.code);
    pd__sq_col(s, 2, cu.name, sizeof cu.name);
    pd__sq_col(s, 3, cu.phone, sizeof cu.phone);
    cu.node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, cu.node_path, sizeof cu.node_path);
    cu.monthly = sqlite3_column_int(s, 6) != 0;
    cu.active = sqlite3_column_int(s, 7) != 0;
    cu.created_ms = sqlite3_column_int64(s, 8);
    cu.contract = (const char *)sqlite3_column_text(s, 9); /* NULL stays NULL */
    pd__sq_col(s, 10, cu.node_code, sizeof cu.node_code);
    return v->cb(v->cls, &cu);
}

pd_qs pd__sq_customer_insert(pd_db *db, struct pd_customer *cu, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CUSTOMER_INSERT,
        "INSERT INTO customers (code, name, phone, node_id, monthly, active, contract, created_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (code) DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_text(s, 1, cu->code);
    pd__sq_text(s, 2, cu->name);
    pd__sq_text(s, 3, cu->phone);
    pd__sq_i64(s, 4, cu->node_id);
    sqlite3_bind_int(s, 5, cu->monthly ? 1 : 0);
    sqlite3_bind_int(s, 6, cu->active ? 1 : 0);
    pd__sq_text(s, 7, cu->contract);
    pd__sq_i64(s, 8, now);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        cu->id = sqlite3_column_int64(s, 0);
        cu->created_ms = now;
        qs = PD_QS_ONE;
    } else if (rc == SQLITE_DONE) {
        *dup = true;
        qs = PD_QS_NONE;
    } else {
        qs = pd__sq_fail(c, rc, "customer_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_customer_get(pd_db *db, int64_t id, pd_customer_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CUSTOMER_GET,
                                  "SELECT " CUSTOMER_COLS CUSTOMER_FROM " WHERE c.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    struct customer_visit v = {cb, cls};
    return each_row(c, s, visit_customer, &v, "customer_get");
}

pd_qs pd__sq_customer_get_by_code(pd_db *db, const char *code, pd_customer_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CUSTOMER_GET_BY_CODE,
                                  "SELECT " CUSTOMER_COLS CUSTOMER_FROM " WHERE c.code = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, code);
    struct customer_visit v = {cb, cls};
    return each_row(c, s, visit_customer, &v, "customer_get_by_code");
}

pd_qs pd__sq_customer_list(pd_db *db, const char *node_path, const char *q, int64_t after_id,
                           int limit, pd_customer_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    /* Ordered by code, so the page cursor is the code of the row with id
     * after_id (codes are unique). instr(), not LIKE: the search text is
     * literal, as in user_list. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CUSTOMER_LIST,
                    "SELECT " CUSTOMER_COLS CUSTOMER_FROM " WHERE n.path >= ?1 AND n.path < ?2"
                    " AND (?3 IS NULL OR instr(lower(c.code), lower(?3)) > 0"
                    "      OR instr(lower(c.name), lower(?3)) > 0)"
                    " AND (?4 = 0 OR c.code > (SELECT a.code FROM customers a WHERE a.id = ?4))"
                    " ORDER BY c.code LIMIT ?5");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_opt(s, 3, q);
    pd__sq_i64(s, 4, after_id);
    sqlite3_bind_int(s, 5, pd__list_limit(limit));
    struct customer_visit v = {cb, cls};
    return each_row(c, s, visit_customer, &v, "customer_list");
}

pd_qs pd__sq_customer_update(pd_db *db, const struct pd_customer *cu)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CUSTOMER_UPDATE,
                                  "UPDATE customers SET name = ?2, phone = ?3, node_id = ?4,"
                                  " monthly = ?5, active = ?6, contract = ?7 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, cu->id);
    pd__sq_text(s, 2, cu->name);
    pd__sq_text(s, 3, cu->phone);
    pd__sq_i64(s, 4, cu->node_id);
    sqlite3_bind_int(s, 5, cu->monthly ? 1 : 0);
    sqlite3_bind_int(s, 6, cu->active ? 1 : 0);
    pd__sq_text(s, 7, cu->contract);
    return pd__sq_exec(c, s, "customer_update");
}

/* ---- pickup tasks ------------------------------------------------------ */

static const char *const pickup_states[] = {
    [PD_PICKUP_OPEN] = "open", [PD_PICKUP_DONE] = "done", [PD_PICKUP_CANCELLED] = "cancelled"};

static bool pickup_state_parse(const char *s, int *out)
{
    for (int i = 0; i < (int)(sizeof pickup_states / sizeof *pickup_states); i++)
        if (strcmp(s, pickup_states[i]) == 0) {
            *out = i;
            return true;
        }
    return false;
}

static bool pickup_state_ok(int state)
{
    return state >= PD_PICKUP_OPEN && state <= PD_PICKUP_CANCELLED;
}

#define PICKUP_COLS                                                                                \
    "t.id, t.waybill_id, w.waybill_no, t.courier_id, u.display_name, t.node_id, n.path,"           \
    " t.area_division, t.state, t.assigned_ms, t.due_ms, t.done_ms, COALESCE(t.assigned_by, 0)"
#define PICKUP_FROM                                                                                \
    " FROM pickup_tasks t JOIN waybills w ON w.id = t.waybill_id"                                  \
    " JOIN users u ON u.id = t.courier_id JOIN nodes n ON n.id = t.node_id"

static pd_qs pickup_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_pickup_task *t)
{
    char state[16];
    memset(t, 0, sizeof *t);
    t->id = sqlite3_column_int64(s, 0);
    t->waybill_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, t->waybill_no, sizeof t->waybill_no);
    t->courier_id = sqlite3_column_int64(s, 3);
    pd__sq_col(s, 4, t->courier_name, sizeof t->courier_name);
    t->node_id = sqlite3_column_int64(s, 5);
    pd__sq_col(s, 6, t->node_path, sizeof t->node_path);
    t->area_division = sqlite3_column_int(s, 7);
    pd__sq_col(s, 8, state, sizeof state);
    t->assigned_ms = sqlite3_column_int64(s, 9);
    t->due_ms = sqlite3_column_int64(s, 10);
    t->done_ms = sqlite3_column_int64(s, 11);
    t->assigned_by = sqlite3_column_int64(s, 12);
    return pickup_state_parse(state, &t->state) ? PD_QS_ONE
                                                : bad_value(c, "pickup task", t->id, state);
}

struct pickup_visit {
    pd_pickup_cb cb;
    void *cls;
    struct pd_pickup_task *out; /* pickup_get_open: copy here instead of calling cb */
};

static int visit_pickup(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct pickup_visit *v = ctx;
    struct pd_pickup_task t;
    pd_qs qs = pickup_row(c, s, v->out ? v->out : &t);
    if (qs < 0 || v->out)
        return (int)qs;
    return v->cb(v->cls, &t);
}

pd_qs pd__sq_pickup_insert(pd_db *db, struct pd_pickup_task *t)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(pickup_state_ok(t->state)))
        return PD_QS_HARD;
    /* A second open task for the waybill violates pickup_tasks_open and
     * fails HARD: callers look for the open task first under the waybill's
     * lock, so reaching the index means a bug, not a race to report. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_PICKUP_INSERT,
        "INSERT INTO pickup_tasks (waybill_id, courier_id, node_id, area_division, state,"
        " assigned_ms, due_ms, done_ms, assigned_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, t->waybill_id);
    pd__sq_i64(s, 2, t->courier_id);
    pd__sq_i64(s, 3, t->node_id);
    sqlite3_bind_int(s, 4, t->area_division);
    pd__sq_text(s, 5, pickup_states[t->state]);
    pd__sq_i64(s, 6, t->assigned_ms);
    pd__sq_i64(s, 7, t->due_ms);
    pd__sq_i64(s, 8, t->done_ms);
    bind_ref(s, 9, t->assigned_by);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "pickup_insert");
    if (qs == PD_QS_ONE)
        t->id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_pickup_get_open(pd_db *db, int64_t waybill_id, struct pd_pickup_task *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PICKUP_GET_OPEN,
                                  "SELECT " PICKUP_COLS PICKUP_FROM
                                  " WHERE t.waybill_id = ?1 AND t.state = 'open'");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, waybill_id);
    struct pickup_visit v = {.out = out};
    return each_row(c, s, visit_pickup, &v, "pickup_get_open");
}

pd_qs pd__sq_pickup_set_state(pd_db *db, int64_t id, int state, int64_t done_ms)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(pickup_state_ok(state)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PICKUP_SET_STATE,
                                  "UPDATE pickup_tasks SET state = ?2, done_ms = ?3 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_text(s, 2, pickup_states[state]);
    pd__sq_i64(s, 3, done_ms);
    return pd__sq_exec(c, s, "pickup_set_state");
}

pd_qs pd__sq_pickup_list(pd_db *db, const struct pd_pickup_filter *f, pd_pickup_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state < 0 || pickup_state_ok(f->state)))
        return PD_QS_HARD;
    /* Ordered by (due_ms, id); the page cursor is that pair of the row
     * with id after_id. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_PICKUP_LIST,
                    "SELECT " PICKUP_COLS PICKUP_FROM " WHERE n.path >= ?1 AND n.path < ?2"
                    " AND (?3 IS NULL OR t.courier_id = ?3) AND (?4 IS NULL OR t.state = ?4)"
                    " AND t.due_ms < ?5"
                    " AND (?6 = 0 OR (t.due_ms, t.id) > (SELECT a.due_ms, a.id FROM pickup_tasks a"
                    "                                    WHERE a.id = ?6))"
                    " ORDER BY t.due_ms, t.id LIMIT ?7");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    bind_ref(s, 3, f->courier_id);
    pd__sq_text(s, 4, f->state >= 0 ? pickup_states[f->state] : NULL);
    pd__sq_i64(s, 5, f->due_before_ms > 0 ? f->due_before_ms : INT64_MAX);
    pd__sq_i64(s, 6, f->after_id);
    sqlite3_bind_int(s, 7, pd__list_limit(f->limit));
    struct pickup_visit v = {cb, cls, NULL};
    return each_row(c, s, visit_pickup, &v, "pickup_list");
}

struct load_visit {
    int (*cb)(void *cls, int64_t courier_id, int64_t open);
    void *cls;
};

static int visit_load(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct load_visit *v = ctx;
    return v->cb(v->cls, sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1));
}

pd_qs pd__sq_pickup_load(pd_db *db, const char *node_path,
                         int (*cb)(void *cls, int64_t courier_id, int64_t open), void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PICKUP_LOAD,
                                  "SELECT t.courier_id, count(*) FROM pickup_tasks t"
                                  " JOIN nodes n ON n.id = t.node_id"
                                  " WHERE t.state = 'open' AND n.path >= ?1 AND n.path < ?2"
                                  " GROUP BY t.courier_id ORDER BY t.courier_id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    struct load_visit v = {cb, cls};
    return each_row(c, s, visit_load, &v, "pickup_load");
}

/* ---- inspections ------------------------------------------------------- */

pd_qs pd__sq_inspection_insert(pd_db *db, struct pd_inspection *i)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_INSPECTION_INSERT,
        "INSERT INTO inspections (waybill_id, inspector_id, at_ms, goods_ok, prohibited_found,"
        " weight_before_g, weight_after_g, fee_before_fen, fee_after_fen, detail)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, i->waybill_id);
    bind_ref(s, 2, i->inspector_id);
    pd__sq_i64(s, 3, i->at_ms);
    sqlite3_bind_int(s, 4, i->goods_ok ? 1 : 0);
    sqlite3_bind_int(s, 5, i->prohibited_found ? 1 : 0);
    pd__sq_i64(s, 6, i->weight_before_g);
    pd__sq_i64(s, 7, i->weight_after_g);
    pd__sq_i64(s, 8, i->fee_before_fen);
    pd__sq_i64(s, 9, i->fee_after_fen);
    pd__sq_text(s, 10, i->detail ? i->detail : "{}");
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "inspection_insert");
    if (qs == PD_QS_ONE)
        i->id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

struct inspection_visit {
    pd_inspection_cb cb;
    void *cls;
};

static int visit_inspection(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    struct inspection_visit *v = ctx;
    struct pd_inspection i;
    memset(&i, 0, sizeof i);
    i.id = sqlite3_column_int64(s, 0);
    i.waybill_id = sqlite3_column_int64(s, 1);
    i.inspector_id = sqlite3_column_int64(s, 2);
    i.at_ms = sqlite3_column_int64(s, 3);
    i.goods_ok = sqlite3_column_int(s, 4) != 0;
    i.prohibited_found = sqlite3_column_int(s, 5) != 0;
    i.weight_before_g = sqlite3_column_int64(s, 6);
    i.weight_after_g = sqlite3_column_int64(s, 7);
    i.fee_before_fen = sqlite3_column_int64(s, 8);
    i.fee_after_fen = sqlite3_column_int64(s, 9);
    i.detail = json_col(s, 10, "{}");
    return v->cb(v->cls, &i);
}

pd_qs pd__sq_inspection_list(pd_db *db, int64_t waybill_id, pd_inspection_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_INSPECTION_LIST,
        "SELECT id, waybill_id, COALESCE(inspector_id, 0), at_ms, goods_ok, prohibited_found,"
        " weight_before_g, weight_after_g, fee_before_fen, fee_after_fen, detail"
        " FROM inspections WHERE waybill_id = ?1 ORDER BY at_ms, id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, waybill_id);
    struct inspection_visit v = {cb, cls};
    return each_row(c, s, visit_inspection, &v, "inspection_list");
}
