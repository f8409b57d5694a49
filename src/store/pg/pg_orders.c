/*
 * PostgreSQL queries of the orders aggregate: waybills with their parcels
 * and serial numbers, contract customers, pickup tasks and pickup
 * inspections. Waybill numbers come from the sequence waybill_serial_seq:
 * nextval() never hands a value out twice, whatever the concurrency, and
 * is not rolled back (a failed insert leaves a gap; numbers are unique, not
 * dense). Subtree scoping is the byte range on nodes.path (COLLATE "C"), as
 * in pg_org.c. The waybill list has one statement per "driving" filter, the
 * same set as the SQLite backend, so that each search reads its own index
 * (one statement with "$n IS NULL OR col = $n" terms would leave the choice
 * to per-execution planning). An unfiltered list is left to the planner,
 * which, unlike SQLite's, knows how many waybills a subtree holds.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/waybill_no.h"
#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

_Static_assert(PD_WB_NO_SIZE == PD_WAYBILL_NO_SIZE, "store and core waybill number sizes differ");
_Static_assert(PD_PCL_NO_SIZE == PD_PARCEL_NO_SIZE, "store and core parcel number sizes differ");

/* ---- shared helpers ------------------------------------------------------ */

/* Reads row @p row of a result into a record and hands it on; returns the
 * callback's value (negative stops the listing). */
typedef int (*visit_fn)(struct pd__pg_conn *c, const PGresult *r, int row, void *ctx);

/* Run a query and pass each row through @p visit; the pd_qs is the row count. */
static pd_qs each_row(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                      const struct pd__pg_params *p, visit_fn visit, void *ctx)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(c, id, sql, p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        int cr = visit(c, r, i, ctx);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

/* A JSON text column; @p dflt when NULL, so reads never hand out NULL. */
static const char *json_col(const PGresult *r, int row, int col, const char *dflt)
{
    return PQgetisnull(r, row, col) ? dflt : PQgetvalue(r, row, col);
}

/* Optional references are NULL in the database and 0 in the structs. */
static void p_ref(struct pd__pg_params *p, int64_t id)
{
    if (id > 0)
        pd__pg_p_i64(p, id);
    else
        pd__pg_p_text(p, NULL);
}

static pd_qs bad_value(struct pd__pg_conn *c, const char *what, int64_t id, const char *v)
{
    snprintf(c->err, sizeof c->err, "%s %lld has unknown state '%.32s'", what, (long long)id, v);
    pd_error("postgresql: %s", c->err);
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

static pd_qs waybill_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_waybill *w)
{
    enum pd_order_state st;
    memset(w, 0, sizeof *w);
    w->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, w->waybill_no, sizeof w->waybill_no);
    const char *state = PQgetvalue(r, i, 2);
    pd__pg_col(r, i, 3, w->channel, sizeof w->channel);
    pd__pg_col(r, i, 4, w->service, sizeof w->service);
    pd__pg_col(r, i, 5, w->payment, sizeof w->payment);
    w->node_id = pd__pg_i64(r, i, 6);
    pd__pg_col(r, i, 7, w->node_path, sizeof w->node_path);
    pd__pg_col(r, i, 8, w->node_code, sizeof w->node_code);
    w->customer_id = pd__pg_i64(r, i, 9);
    pd__pg_col(r, i, 10, w->customer_code, sizeof w->customer_code);
    pd__pg_col(r, i, 11, w->customer_ref, sizeof w->customer_ref);
    pd__pg_col(r, i, 12, w->sender_phone, sizeof w->sender_phone);
    pd__pg_col(r, i, 13, w->recipient_phone, sizeof w->recipient_phone);
    w->origin_division = (int32_t)pd__pg_i64(r, i, 14);
    w->dest_division = (int32_t)pd__pg_i64(r, i, 15);
    w->weight_g = pd__pg_i64(r, i, 16);
    w->chargeable_weight_g = pd__pg_i64(r, i, 17);
    w->total_fen = pd__pg_i64(r, i, 18);
    w->cod_fen = pd__pg_i64(r, i, 19);
    w->declared_value_fen = pd__pg_i64(r, i, 20);
    w->parcels = (int)pd__pg_i64(r, i, 21);
    w->pickup_from_ms = pd__pg_i64(r, i, 22);
    w->pickup_to_ms = pd__pg_i64(r, i, 23);
    w->promised_pickup_ms = pd__pg_i64(r, i, 24);
    w->promised_delivery_ms = pd__pg_i64(r, i, 25);
    pd__pg_col(r, i, 26, w->fingerprint, sizeof w->fingerprint);
    pd__pg_col(r, i, 27, w->idem_actor, sizeof w->idem_actor);
    pd__pg_col(r, i, 28, w->idem_key, sizeof w->idem_key);
    pd__pg_col(r, i, 29, w->idem_hash, sizeof w->idem_hash);
    w->courier_id = pd__pg_i64(r, i, 30);
    w->created_by = pd__pg_i64(r, i, 31);
    w->created_ms = pd__pg_i64(r, i, 32);
    w->updated_ms = pd__pg_i64(r, i, 33);
    w->version = (int)pd__pg_i64(r, i, 34);
    w->doc = json_col(r, i, 35, "{}");
    w->quote = json_col(r, i, 36, "{}");
    w->review = json_col(r, i, 37, "[]");
    if (!pd_order_state_parse(state, &st))
        return bad_value(c, "waybill", w->id, state);
    w->state = (int)st;
    return PD_QS_ONE;
}

struct waybill_visit {
    pd_waybill_cb cb;
    void *cls;
};

static int visit_waybill(struct pd__pg_conn *c, const PGresult *r, int row, void *ctx)
{
    struct waybill_visit *v = ctx;
    struct pd_waybill w;
    pd_qs qs = waybill_row(c, r, row, &w);
    return qs < 0 ? (int)qs : v->cb(v->cls, &w);
}

/* Append the columns waybill_update may change as $1 … $23, in the order
 * of the insert's column list (the insert passes them the same way). */
static void p_mutable(struct pd__pg_params *p, const struct pd_waybill *w)
{
    pd__pg_p_text(p, pd_order_state_name((enum pd_order_state)w->state));
    pd__pg_p_text(p, w->service);
    pd__pg_p_text(p, w->payment);
    p_ref(p, w->customer_id);
    pd__pg_p_text(p, w->customer_ref);
    pd__pg_p_text(p, w->sender_phone);
    pd__pg_p_text(p, w->recipient_phone);
    pd__pg_p_i64(p, w->origin_division);
    pd__pg_p_i64(p, w->dest_division);
    pd__pg_p_i64(p, w->weight_g);
    pd__pg_p_i64(p, w->chargeable_weight_g);
    pd__pg_p_i64(p, w->total_fen);
    pd__pg_p_i64(p, w->cod_fen);
    pd__pg_p_i64(p, w->declared_value_fen);
    pd__pg_p_i64(p, w->pickup_from_ms);
    pd__pg_p_i64(p, w->pickup_to_ms);
    pd__pg_p_i64(p, w->promised_pickup_ms);
    pd__pg_p_i64(p, w->promised_delivery_ms);
    pd__pg_p_text(p, w->fingerprint);
    p_ref(p, w->courier_id);
    pd__pg_p_text(p, w->doc ? w->doc : "{}");
    pd__pg_p_text(p, w->quote ? w->quote : "{}");
    pd__pg_p_text(p, w->review ? w->review : "[]");
}

/* Draw the next serial and format it as a waybill number. */
static pd_qs next_waybill_no(struct pd__pg_conn *c, char out[PD_WB_NO_SIZE])
{
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_WAYBILL_SERIAL, "SELECT nextval('waybill_serial_seq')", NULL, &qs);
    if (!r)
        return qs;
    int64_t serial = pd__pg_i64(r, 0, 0);
    PQclear(r);
    if (PD_BREAK(serial > 0 && pd_waybill_no_format((uint64_t)serial, out)))
        return PD_QS_HARD;
    return PD_QS_ONE;
}

/* All parcels in one statement: their numbers go as one text[] (digits and
 * letters only, so the array literal needs no quoting), which saves up to
 * 998 round trips on a large multi-parcel waybill. */
static pd_qs insert_parcels(struct pd__pg_conn *c, const struct pd_waybill *w)
{
    char *arr = malloc((size_t)w->parcels * PD_PCL_NO_SIZE + 3);
    if (!arr) {
        snprintf(c->err, sizeof c->err, "parcel_insert: out of memory");
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    size_t len = 0;
    arr[len++] = '{';
    for (int seq = 1; seq <= w->parcels; seq++) {
        char no[PD_PCL_NO_SIZE];
        if (w->parcels == 1)
            memcpy(no, w->waybill_no, PD_WB_NO_SIZE);
        else if (PD_BREAK(pd_parcel_no_format(w->waybill_no, seq, no))) {
            free(arr);
            return PD_QS_HARD;
        }
        if (seq > 1)
            arr[len++] = ',';
        size_t n = strlen(no);
        memcpy(arr + len, no, n);
        len += n;
    }
    arr[len++] = '}';
    arr[len] = '\0';
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, w->id);
    pd__pg_p_text(&p, arr);
    pd__pg_p_i64(&p, w->created_ms);
    pd_qs qs = pd__pg_cmd(c, PD_PG_PARCEL_INSERT,
                          "INSERT INTO parcels (waybill_id, parcel_no, seq, weight_g, created_ms)"
                          " SELECT $1::bigint, t.no, t.seq, 0, $3::bigint"
                          " FROM unnest($2::text[]) WITH ORDINALITY AS t(no, seq)",
                          &p);
    free(arr);
    if (qs >= 0 && PD_BREAK(qs == (pd_qs)w->parcels))
        return PD_QS_HARD;
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__pg_waybill_insert(pd_db *db, struct pd_waybill *w)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK((unsigned)w->state < PD_ORDER__COUNT) ||
        PD_BREAK(w->parcels >= 1 && w->parcels <= PD_PARCEL_SEQ_MAX))
        return PD_QS_HARD;
    char no[PD_WB_NO_SIZE];
    pd_qs qs = next_waybill_no(c, no);
    if (qs < 0)
        return qs;
    /* generate passes its simulated order time; everyone else leaves 0. */
    int64_t now = w->created_ms > 0 ? w->created_ms : pd_now_ms();
    struct pd__pg_params p = {0};
    p_mutable(&p, w);
    pd__pg_p_text(&p, no);
    pd__pg_p_text(&p, w->channel);
    pd__pg_p_i64(&p, w->node_id);
    pd__pg_p_i64(&p, w->parcels);
    pd__pg_p_text(&p, w->idem_actor);
    pd__pg_p_text(&p, w->idem_key);
    pd__pg_p_text(&p, w->idem_hash);
    p_ref(&p, w->created_by);
    pd__pg_p_i64(&p, now);
    /* The idempotency index is named as the conflict target, so only a
     * twin request is absorbed (after waiting for the twin's transaction,
     * READ COMMITTED); any other unique violation (a waybill number drawn
     * twice) is still an error, and HARD. No error also means no aborted
     * transaction and no log line for an expected event. */
    PGresult *r = pd__pg_run(
        c, PD_PG_WAYBILL_INSERT,
        "INSERT INTO waybills (state, service, payment, customer_id, customer_ref, sender_phone,"
        " recipient_phone, origin_division, dest_division, weight_g, chargeable_weight_g,"
        " total_fen, cod_fen, declared_value_fen, pickup_from_ms, pickup_to_ms,"
        " promised_pickup_ms, promised_delivery_ms, fingerprint, courier_id, doc, quote, review,"
        " waybill_no, channel, node_id, parcels, idem_actor, idem_key, idem_hash, created_by,"
        " created_ms, updated_ms, version)"
        " VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::text, $6::text, $7::text,"
        " $8::integer, $9::integer, $10::bigint, $11::bigint, $12::bigint, $13::bigint,"
        " $14::bigint, $15::bigint, $16::bigint, $17::bigint, $18::bigint, $19::text,"
        " $20::bigint, $21::text, $22::text, $23::text, $24::text, $25::text, $26::bigint,"
        " $27::integer, $28::text, $29::text, $30::text, $31::bigint, $32::bigint, $32::bigint, 1)"
        " ON CONFLICT (idem_actor, idem_key) WHERE idem_key <> '' DO NOTHING RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    int64_t id = qs > 0 ? pd__pg_i64(r, 0, 0) : 0;
    PQclear(r);
    if (qs == PD_QS_NONE) /* the key's holder is found on the retry */
        return PD_QS_SOFT;
    w->id = id;
    memcpy(w->waybill_no, no, sizeof no);
    w->created_ms = w->updated_ms = now;
    w->version = 1;
    return insert_parcels(c, w);
}

pd_qs pd__pg_waybill_get(pd_db *db, const char *no, bool for_update, pd_waybill_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, no);
    struct waybill_visit v = {cb, cls};
    /* OF w: the customer side of the outer join cannot be locked, and need
     * not be. */
    if (for_update)
        return each_row(C(db), PD_PG_WAYBILL_GET_FOR_UPDATE,
                        "SELECT " WB_COLS WB_FROM " WHERE w.waybill_no = $1::text FOR UPDATE OF w",
                        &p, visit_waybill, &v);
    return each_row(C(db), PD_PG_WAYBILL_GET,
                    "SELECT " WB_COLS WB_FROM " WHERE w.waybill_no = $1::text", &p, visit_waybill,
                    &v);
}

pd_qs pd__pg_waybill_get_by_idem(pd_db *db, const char *actor, const char *key, pd_waybill_cb cb,
                                 void *cls)
{
    if (!key || !*key) /* requests without a key are not idempotent */
        return PD_QS_NONE;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, actor);
    pd__pg_p_text(&p, key);
    struct waybill_visit v = {cb, cls};
    return each_row(C(db), PD_PG_WAYBILL_GET_BY_IDEM,
                    "SELECT " WB_COLS WB_FROM " WHERE w.idem_actor = $1::text"
                    " AND w.idem_key = $2::text AND w.idem_key <> ''",
                    &p, visit_waybill, &v);
}

pd_qs pd__pg_waybill_update(pd_db *db, const struct pd_waybill *w, int expected_version)
{
    if (PD_BREAK((unsigned)w->state < PD_ORDER__COUNT))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    p_mutable(&p, w);
    pd__pg_p_i64(&p, w->id);
    pd__pg_p_i64(&p, expected_version);
    pd__pg_p_i64(&p, w->updated_ms);
    return pd__pg_cmd(
        C(db), PD_PG_WAYBILL_UPDATE,
        "UPDATE waybills SET state = $1::text, service = $2::text, payment = $3::text,"
        " customer_id = $4::bigint, customer_ref = $5::text, sender_phone = $6::text,"
        " recipient_phone = $7::text, origin_division = $8::integer, dest_division = $9::integer,"
        " weight_g = $10::bigint, chargeable_weight_g = $11::bigint, total_fen = $12::bigint,"
        " cod_fen = $13::bigint, declared_value_fen = $14::bigint, pickup_from_ms = $15::bigint,"
        " pickup_to_ms = $16::bigint, promised_pickup_ms = $17::bigint,"
        " promised_delivery_ms = $18::bigint, fingerprint = $19::text, courier_id = $20::bigint,"
        " doc = $21::text, quote = $22::text, review = $23::text, updated_ms = $26::bigint,"
        " version = version + 1"
        " WHERE id = $24::bigint AND version = $25::integer",
        &p);
}

/* The list's filters, passed the same way for every driving statement:
 * $1 $2 path range, $3 state, $4 phone, $5 customer_ref, $6 customer,
 * $7 courier, $8 $9 created range, $10 before_id, $11 limit. The residual
 * created_ms terms carry a unary '+' so that no plan uses the created index
 * for them: they are always bound (0 … INT64_MAX when not filtering), and a
 * generic plan would take "created_ms BETWEEN $8 AND $9" for a narrow range.
 * Only the date-range statement leaves that index usable. */
#define WB_LIST(drive)                                                                             \
    "SELECT " WB_COLS WB_FROM " WHERE " drive " AND n.path >= $1::text AND n.path < $2::text"      \
    " AND ($3::text IS NULL OR w.state = $3::text)"                                                \
    " AND ($4::text IS NULL OR w.sender_phone = $4::text OR w.recipient_phone = $4::text)"         \
    " AND ($5::text IS NULL OR w.customer_ref = $5::text)"                                         \
    " AND ($6::bigint IS NULL OR w.customer_id = $6::bigint)"                                      \
    " AND ($7::bigint IS NULL OR w.courier_id = $7::bigint)"                                       \
    " AND +w.created_ms >= $8::bigint AND +w.created_ms < $9::bigint AND w.id < $10::bigint"       \
    " ORDER BY w.id DESC LIMIT $11::integer"

/* One statement per driving filter, most selective first (the same
 * choice as sqlite_orders.c). */
static const struct {
    enum pd_pg_stmt id;
    const char *sql;
} waybill_lists[] = {
    {PD_PG_WAYBILL_LIST_PHONE,
     WB_LIST("w.id IN (SELECT id FROM waybills WHERE sender_phone = $4::text AND id < $10::bigint"
             " UNION ALL SELECT id FROM waybills WHERE recipient_phone = $4::text"
             " AND id < $10::bigint)")},
    {PD_PG_WAYBILL_LIST_REF, WB_LIST("w.customer_ref = $5::text")},
    {PD_PG_WAYBILL_LIST_CUSTOMER, WB_LIST("w.customer_id = $6::bigint")},
    {PD_PG_WAYBILL_LIST_COURIER, WB_LIST("w.courier_id = $7::bigint")},
    {PD_PG_WAYBILL_LIST_STATE, WB_LIST("w.state = $3::text")},
    {PD_PG_WAYBILL_LIST_CREATED,
     WB_LIST("w.created_ms >= $8::bigint AND w.created_ms < $9::bigint")},
    {PD_PG_WAYBILL_LIST_ALL, WB_LIST("true")},
};

static int waybill_list_variant(const struct pd_waybill_filter *f)
{
    if (f->phone && *f->phone)
        return 0;
    if (f->customer_ref && *f->customer_ref)
        return 1;
    if (f->customer_id > 0)
        return 2;
    if (f->courier_id > 0)
        return 3;
    if (f->state >= 0)
        return 4;
    if (f->from_ms > 0 || f->to_ms > 0)
        return 5;
    return 6;
}

pd_qs pd__pg_waybill_list(pd_db *db, const struct pd_waybill_filter *f, pd_waybill_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) || PD_BREAK(f->state < PD_ORDER__COUNT))
        return PD_QS_HARD;
    int v = waybill_list_variant(f);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->state >= 0 ? pd_order_state_name((enum pd_order_state)f->state) : NULL);
    pd__pg_p_opt(&p, f->phone);
    pd__pg_p_opt(&p, f->customer_ref);
    p_ref(&p, f->customer_id);
    p_ref(&p, f->courier_id);
    pd__pg_p_i64(&p, f->from_ms);
    pd__pg_p_i64(&p, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    struct waybill_visit wv = {cb, cls};
    return each_row(C(db), waybill_lists[v].id, waybill_lists[v].sql, &p, visit_waybill, &wv);
}

pd_qs pd__pg_waybill_find_duplicate(pd_db *db, const char *fp, int64_t since_ms,
                                    char out_no[PD_WB_NO_SIZE])
{
    out_no[0] = '\0';
    if (!fp || !*fp) /* no fingerprint: nothing to compare */
        return PD_QS_NONE;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, fp);
    pd__pg_p_i64(&p, since_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_WAYBILL_FIND_DUPLICATE,
                             "SELECT waybill_no FROM waybills WHERE fingerprint = $1::text"
                             " AND created_ms >= $2::bigint AND state <> 'cancelled'"
                             " ORDER BY created_ms DESC, id DESC LIMIT 1",
                             &p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        pd__pg_col(r, 0, 0, out_no, PD_WB_NO_SIZE);
    PQclear(r);
    return qs;
}

/* ---- parcels ----------------------------------------------------------- */

struct parcel_visit {
    pd_parcel_cb cb;
    void *cls;
};

static int visit_parcel(struct pd__pg_conn *c, const PGresult *r, int i, void *ctx)
{
    struct parcel_visit *v = ctx;
    struct pd_parcel p;
    memset(&p, 0, sizeof p);
    p.id = pd__pg_i64(r, i, 0);
    p.waybill_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, p.parcel_no, sizeof p.parcel_no);
    p.seq = (int)pd__pg_i64(r, i, 3);
    p.weight_g = pd__pg_i64(r, i, 4);
    p.created_ms = pd__pg_i64(r, i, 5);
    return v->cb(v->cls, &p);
}

pd_qs pd__pg_parcel_list(pd_db *db, int64_t waybill_id, pd_parcel_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, waybill_id);
    struct parcel_visit v = {cb, cls};
    return each_row(C(db), PD_PG_PARCEL_LIST,
                    "SELECT id, waybill_id, parcel_no, seq, weight_g, created_ms"
                    " FROM parcels WHERE waybill_id = $1::bigint ORDER BY seq",
                    &p, visit_parcel, &v);
}

pd_qs pd__pg_parcel_set_weight(pd_db *db, const char *parcel_no, int64_t weight_g)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, parcel_no);
    pd__pg_p_i64(&p, weight_g);
    return pd__pg_cmd(C(db), PD_PG_PARCEL_SET_WEIGHT,
                      "UPDATE parcels SET weight_g = $2::bigint WHERE parcel_no = $1::text", &p);
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

static int visit_customer(struct pd__pg_conn *c, const PGresult *r, int i, void *ctx)
{
    struct customer_visit *v = ctx;
    struct pd_customer cu;
    memset(&cu, 0, sizeof cu);
    cu.id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, cu.code, sizeof cu.code);
    pd__pg_col(r, i, 2, cu.name, sizeof cu.name);
    pd__pg_col(r, i, 3, cu.phone, sizeof cu.phone);
    cu.node_id = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, cu.node_path, sizeof cu.node_path);
    cu.monthly = pd__pg_bool(r, i, 6);
    cu.active = pd__pg_bool(r, i, 7);
    cu.created_ms = pd__pg_i64(r, i, 8);
    cu.contract = json_col(r, i, 9, NULL); /* NULL stays NULL */
    pd__pg_col(r, i, 10, cu.node_code, sizeof cu.node_code);
    return v->cb(v->cls, &cu);
}

pd_qs pd__pg_customer_insert(pd_db *db, struct pd_customer *cu, bool *dup)
{
    *dup = false;
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, cu->code);
    pd__pg_p_text(&p, cu->name);
    pd__pg_p_text(&p, cu->phone);
    pd__pg_p_i64(&p, cu->node_id);
    pd__pg_p_bool(&p, cu->monthly);
    pd__pg_p_bool(&p, cu->active);
    pd__pg_p_text(&p, cu->contract);
    pd__pg_p_i64(&p, now);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CUSTOMER_INSERT,
        "INSERT INTO customers (code, name, phone, node_id, monthly, active, contract, created_ms)"
        " VALUES ($1::text, $2::text, $3::text, $4::bigint, $5::boolean, $6::boolean, $7::text,"
        " $8::bigint) ON CONFLICT (code) DO NOTHING RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        cu->id = pd__pg_i64(r, 0, 0);
        cu->created_ms = now;
        qs = PD_QS_ONE;
    } else {
        *dup = true;
        qs = PD_QS_NONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_customer_get(pd_db *db, int64_t id, pd_customer_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    struct customer_visit v = {cb, cls};
    return each_row(C(db), PD_PG_CUSTOMER_GET,
                    "SELECT " CUSTOMER_COLS CUSTOMER_FROM " WHERE c.id = $1::bigint", &p,
                    visit_customer, &v);
}

pd_qs pd__pg_customer_get_by_code(pd_db *db, const char *code, pd_customer_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, code);
    struct customer_visit v = {cb, cls};
    return each_row(C(db), PD_PG_CUSTOMER_GET_BY_CODE,
                    "SELECT " CUSTOMER_COLS CUSTOMER_FROM " WHERE c.code = $1::text", &p,
                    visit_customer, &v);
}

pd_qs pd__pg_customer_list(pd_db *db, const char *node_path, const char *q, int64_t after_id,
                           int limit, pd_customer_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_opt(&p, q);
    pd__pg_p_i64(&p, after_id);
    pd__pg_p_i64(&p, pd__list_limit(limit));
    struct customer_visit v = {cb, cls};
    /* Ordered by code (COLLATE "C" in the schema), so the page cursor is
     * the code of the row with id after_id. strpos(), not LIKE: the search
     * text is literal, as in user_list. */
    return each_row(
        C(db), PD_PG_CUSTOMER_LIST,
        "SELECT " CUSTOMER_COLS CUSTOMER_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
        " AND ($3::text IS NULL"
        "      OR strpos(lower(c.code COLLATE \"C\"), lower($3::text COLLATE \"C\")) > 0"
        "      OR strpos(lower(c.name COLLATE \"C\"), lower($3::text COLLATE \"C\")) > 0)"
        " AND ($4::bigint = 0"
        "      OR c.code > (SELECT a.code FROM customers a WHERE a.id = $4::bigint))"
        " ORDER BY c.code LIMIT $5::integer",
        &p, visit_customer, &v);
}

pd_qs pd__pg_customer_update(pd_db *db, const struct pd_customer *cu)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, cu->id);
    pd__pg_p_text(&p, cu->name);
    pd__pg_p_text(&p, cu->phone);
    pd__pg_p_i64(&p, cu->node_id);
    pd__pg_p_bool(&p, cu->monthly);
    pd__pg_p_bool(&p, cu->active);
    pd__pg_p_text(&p, cu->contract);
    return pd__pg_cmd(
        C(db), PD_PG_CUSTOMER_UPDATE,
        "UPDATE customers SET name = $2::text, phone = $3::text, node_id = $4::bigint,"
        " monthly = $5::boolean, active = $6::boolean, contract = $7::text"
        " WHERE id = $1::bigint",
        &p);
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

static pd_qs pickup_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_pickup_task *t)
{
    memset(t, 0, sizeof *t);
    t->id = pd__pg_i64(r, i, 0);
    t->waybill_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, t->waybill_no, sizeof t->waybill_no);
    t->courier_id = pd__pg_i64(r, i, 3);
    pd__pg_col(r, i, 4, t->courier_name, sizeof t->courier_name);
    t->node_id = pd__pg_i64(r, i, 5);
    pd__pg_col(r, i, 6, t->node_path, sizeof t->node_path);
    t->area_division = (int32_t)pd__pg_i64(r, i, 7);
    const char *state = PQgetvalue(r, i, 8);
    t->assigned_ms = pd__pg_i64(r, i, 9);
    t->due_ms = pd__pg_i64(r, i, 10);
    t->done_ms = pd__pg_i64(r, i, 11);
    t->assigned_by = pd__pg_i64(r, i, 12);
    return pickup_state_parse(state, &t->state) ? PD_QS_ONE
                                                : bad_value(c, "pickup task", t->id, state);
}

struct pickup_visit {
    pd_pickup_cb cb;
    void *cls;
    struct pd_pickup_task *out; /* pickup_get_open: copy here instead of calling cb */
};

static int visit_pickup(struct pd__pg_conn *c, const PGresult *r, int row, void *ctx)
{
    struct pickup_visit *v = ctx;
    struct pd_pickup_task t;
    pd_qs qs = pickup_row(c, r, row, v->out ? v->out : &t);
    if (qs < 0 || v->out)
        return (int)qs;
    return v->cb(v->cls, &t);
}

pd_qs pd__pg_pickup_insert(pd_db *db, struct pd_pickup_task *t)
{
    if (PD_BREAK(pickup_state_ok(t->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, t->waybill_id);
    pd__pg_p_i64(&p, t->courier_id);
    pd__pg_p_i64(&p, t->node_id);
    pd__pg_p_i64(&p, t->area_division);
    pd__pg_p_text(&p, pickup_states[t->state]);
    pd__pg_p_i64(&p, t->assigned_ms);
    pd__pg_p_i64(&p, t->due_ms);
    pd__pg_p_i64(&p, t->done_ms);
    p_ref(&p, t->assigned_by);
    /* A second open task for the waybill violates pickup_tasks_open and
     * fails HARD: callers look for the open task first under the waybill's
     * row lock (waybill_get for_update), so reaching the index means a bug,
     * not a race to report. */
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_PICKUP_INSERT,
        "INSERT INTO pickup_tasks (waybill_id, courier_id, node_id, area_division, state,"
        " assigned_ms, due_ms, done_ms, assigned_by) VALUES ($1::bigint, $2::bigint, $3::bigint,"
        " $4::integer, $5::text, $6::bigint, $7::bigint, $8::bigint, $9::bigint) RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    t->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_pickup_get_open(pd_db *db, int64_t waybill_id, struct pd_pickup_task *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, waybill_id);
    struct pickup_visit v = {.out = out};
    return each_row(C(db), PD_PG_PICKUP_GET_OPEN,
                    "SELECT " PICKUP_COLS PICKUP_FROM
                    " WHERE t.waybill_id = $1::bigint AND t.state = 'open'",
                    &p, visit_pickup, &v);
}

pd_qs pd__pg_pickup_set_state(pd_db *db, int64_t id, int state, int64_t done_ms)
{
    if (PD_BREAK(pickup_state_ok(state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_text(&p, pickup_states[state]);
    pd__pg_p_i64(&p, done_ms);
    return pd__pg_cmd(C(db), PD_PG_PICKUP_SET_STATE,
                      "UPDATE pickup_tasks SET state = $2::text, done_ms = $3::bigint"
                      " WHERE id = $1::bigint",
                      &p);
}

pd_qs pd__pg_pickup_list(pd_db *db, const struct pd_pickup_filter *f, pd_pickup_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state < 0 || pickup_state_ok(f->state)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    p_ref(&p, f->courier_id);
    pd__pg_p_text(&p, f->state >= 0 ? pickup_states[f->state] : NULL);
    pd__pg_p_i64(&p, f->due_before_ms > 0 ? f->due_before_ms : INT64_MAX);
    pd__pg_p_i64(&p, f->after_id);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    struct pickup_visit v = {cb, cls, NULL};
    /* Ordered by (due_ms, id); the page cursor is that pair of the row
     * with id after_id. */
    return each_row(
        C(db), PD_PG_PICKUP_LIST,
        "SELECT " PICKUP_COLS PICKUP_FROM " WHERE n.path >= $1::text AND n.path < $2::text"
        " AND ($3::bigint IS NULL OR t.courier_id = $3::bigint)"
        " AND ($4::text IS NULL OR t.state = $4::text) AND t.due_ms < $5::bigint"
        " AND ($6::bigint = 0 OR (t.due_ms, t.id) > (SELECT a.due_ms, a.id FROM pickup_tasks a"
        "                                            WHERE a.id = $6::bigint))"
        " ORDER BY t.due_ms, t.id LIMIT $7::integer",
        &p, visit_pickup, &v);
}

struct load_visit {
    int (*cb)(void *cls, int64_t courier_id, int64_t open);
    void *cls;
};

static int visit_load(struct pd__pg_conn *c, const PGresult *r, int i, void *ctx)
{
    struct load_visit *v = ctx;
    return v->cb(v->cls, pd__pg_i64(r, i, 0), pd__pg_i64(r, i, 1));
}

pd_qs pd__pg_pickup_load(pd_db *db, const char *node_path,
                         int (*cb)(void *cls, int64_t courier_id, int64_t open), void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    struct load_visit v = {cb, cls};
    return each_row(C(db), PD_PG_PICKUP_LOAD,
                    "SELECT t.courier_id, count(*) FROM pickup_tasks t"
                    " JOIN nodes n ON n.id = t.node_id"
                    " WHERE t.state = 'open' AND n.path >= $1::text AND n.path < $2::text"
                    " GROUP BY t.courier_id ORDER BY t.courier_id",
                    &p, visit_load, &v);
}

/* ---- inspections ------------------------------------------------------- */

pd_qs pd__pg_inspection_insert(pd_db *db, struct pd_inspection *i)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, i->waybill_id);
    p_ref(&p, i->inspector_id);
    pd__pg_p_i64(&p, i->at_ms);
    pd__pg_p_bool(&p, i->goods_ok);
    pd__pg_p_bool(&p, i->prohibited_found);
    pd__pg_p_i64(&p, i->weight_before_g);
    pd__pg_p_i64(&p, i->weight_after_g);
    pd__pg_p_i64(&p, i->fee_before_fen);
    pd__pg_p_i64(&p, i->fee_after_fen);
    pd__pg_p_text(&p, i->detail ? i->detail : "{}");
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_INSPECTION_INSERT,
        "INSERT INTO inspections (waybill_id, inspector_id, at_ms, goods_ok, prohibited_found,"
        " weight_before_g, weight_after_g, fee_before_fen, fee_after_fen, detail)"
        " VALUES ($1::bigint, $2::bigint, $3::bigint, $4::boolean, $5::boolean, $6::bigint,"
        " $7::bigint, $8::bigint, $9::bigint, $10::text) RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    i->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

struct inspection_visit {
    pd_inspection_cb cb;
    void *cls;
};

static int visit_inspection(struct pd__pg_conn *c, const PGresult *r, int row, void *ctx)
{
    struct inspection_visit *v = ctx;
    struct pd_inspection i;
    memset(&i, 0, sizeof i);
    i.id = pd__pg_i64(r, row, 0);
    i.waybill_id = pd__pg_i64(r, row, 1);
    i.inspector_id = pd__pg_i64(r, row, 2);
    i.at_ms = pd__pg_i64(r, row, 3);
    i.goods_ok = pd__pg_bool(r, row, 4);
    i.prohibited_found = pd__pg_bool(r, row, 5);
    i.weight_before_g = pd__pg_i64(r, row, 6);
    i.weight_after_g = pd__pg_i64(r, row, 7);
    i.fee_before_fen = pd__pg_i64(r, row, 8);
    i.fee_after_fen = pd__pg_i64(r, row, 9);
    i.detail = json_col(r, row, 10, "{}");
    return v->cb(v->cls, &i);
}

pd_qs pd__pg_inspection_list(pd_db *db, int64_t waybill_id, pd_inspection_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, waybill_id);
    struct inspection_visit v = {cb, cls};
    return each_row(C(db), PD_PG_INSPECTION_LIST,
                    "SELECT id, waybill_id, COALESCE(inspector_id, 0), at_ms, goods_ok,"
                    " prohibited_found, weight_before_g, weight_after_g, fee_before_fen,"
                    " fee_after_fen, detail FROM inspections WHERE waybill_id = $1::bigint"
                    " ORDER BY at_ms, id",
                    &p, visit_inspection, &v);
}
