/*
 * PostgreSQL queries of scan events and tracking rows; the same contract as
 * sqlite_scans.c. scan_insert sends a whole batch as ONE statement: each
 * column travels as one array parameter (17 in all, whatever the batch
 * size, well under PD_PG_MAX_PARAMS), unnest() turns the arrays back into
 * rows, ON CONFLICT on the idempotency key skips events already stored, and
 * RETURNING names the ones written. One round trip and one plan per batch
 * instead of one per event is what makes the server's insert rate reachable.
 *
 * Duplicates inside one batch are settled here before sending, first
 * occurrence wins, as SQLite's row-by-row insert does: the statement then
 * sees distinct keys only, and each key RETURNING gives back names exactly
 * one row of the batch.
 *
 * Arrays go as text literals ({"a","b",NULL}): every text element is
 * double-quoted with '"' and '\' backslash-escaped, which is all the array
 * parser needs whatever the content (commas, braces, spaces, the word NULL,
 * any UTF-8); SQL NULL is the bare word NULL.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/scan.h"
#include "core/status.h"
#include "core/waybill_no.h"
#include "store/pg/pg_int.h"
#include "util/buf.h"
#include "util/log.h"

#define C(db) ((struct pd__pg_conn *)(db))

/* ---- array literals ----------------------------------------------------------- */

/* Open the literal before the first element, separate the others. */
static void arr_sep(pd_buf *b)
{
    pd_buf_putc(b, b->len ? ',' : '{');
}

/* Append one text element (NULL: SQL NULL) to the array literal in @p b. */
static void arr_text(pd_buf *b, const char *s)
{
    arr_sep(b);
    if (!s) {
        pd_buf_puts(b, "NULL");
        return;
    }
    pd_buf_putc(b, '"');
    const char *run = s;
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            pd_buf_append(b, run, (size_t)(p - run));
            pd_buf_putc(b, '\\');
            run = p; /* the character itself starts the next run */
        }
    }
    pd_buf_puts(b, run);
    pd_buf_putc(b, '"');
}

static void arr_i64(pd_buf *b, int64_t v)
{
    arr_sep(b);
    pd_buf_i64(b, v);
}

static void arr_null(pd_buf *b)
{
    arr_sep(b);
    pd_buf_puts(b, "NULL");
}

/* ---- the batch's own duplicates ------------------------------------------------- */

/* Open addressing over (device_id, device_seq); slots hold row index + 1. */
struct keyset {
    int *slot;
    size_t mask;
};

static uint64_t key_hash(const char *device_id, int64_t seq)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)device_id; *p; p++)
        h = (h ^ *p) * 1099511628211ULL;
    h ^= (uint64_t)seq * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

/* The row of @p rows whose key equals (device_id, seq), or -1; with
 * @p add_as >= 0 an absent key is added as that row. */
static int keyset_find(struct keyset *k, const struct pd_scan_row *rows, const char *device_id,
                       int64_t seq, int add_as)
{
    for (size_t i = key_hash(device_id, seq) & k->mask;; i = (i + 1) & k->mask) {
        int at = k->slot[i] - 1;
        if (at < 0) {
            if (add_as >= 0)
                k->slot[i] = add_as + 1;
            return -1;
        }
        if (rows[at].device_seq == seq && !strcmp(rows[at].device_id, device_id))
            return at;
    }
}

/* ---- scans ----------------------------------------------------------------------- */

enum {
    A_WAYBILL,
    A_PARCEL,
    A_TYPE,
    A_AT,
    A_NODE,
    A_OPERATOR,
    A_DEVICE,
    A_SEQ,
    A_BAG,
    A_TRIP,
    A_TEMP,
    A_SIGNER,
    A_SIGNER_TYPE,
    A_CONSENT,
    A_REASON,
    A_PHOTO,
    A_RECEIVED,
    A__COUNT
};

pd_qs pd__pg_scan_insert(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(n >= 0 && (n == 0 || (rows && dup))))
        return PD_QS_HARD;
    if (n == 0)
        return PD_QS_NONE;
    for (int i = 0; i < n; i++) {
        int st = rows[i].signer_type;
        if (PD_BREAK(rows[i].type >= 0 && rows[i].type < PD_SCAN__COUNT && st >= 0 &&
                     st < PD_SIGNER__COUNT))
            return PD_QS_HARD;
    }
    size_t cap = 16;
    while (cap < 2 * (size_t)n)
        cap *= 2;
    struct keyset keys = {calloc(cap, sizeof *keys.slot), cap - 1};
    pd_buf a[A__COUNT];
    for (int j = 0; j < A__COUNT; j++) {
        pd_buf_init(&a[j]);
        pd_buf_reserve(&a[j], (size_t)n * 24 + 2);
    }
    for (int i = 0; i < n; i++) {
        const struct pd_scan_row *r = &rows[i];
        dup[i] = true; /* until RETURNING names it */
        if (!keys.slot || keyset_find(&keys, rows, r->device_id, r->device_seq, i) >= 0)
            continue; /* repeats an earlier row of this batch: not sent */
        arr_text(&a[A_WAYBILL], r->waybill_no);
        arr_text(&a[A_PARCEL], r->parcel_no);
        arr_text(&a[A_TYPE], pd_scan_type_name((enum pd_scan_type)r->type));
        arr_i64(&a[A_AT], r->at_ms);
        arr_text(&a[A_NODE], r->node_code);
        arr_text(&a[A_OPERATOR], r->operator_);
        arr_text(&a[A_DEVICE], r->device_id);
        arr_i64(&a[A_SEQ], r->device_seq);
        arr_text(&a[A_BAG], r->bag_no);
        arr_text(&a[A_TRIP], r->trip_no);
        if (r->has_temperature)
            arr_i64(&a[A_TEMP], r->temperature_mc);
        else
            arr_null(&a[A_TEMP]);
        arr_text(&a[A_SIGNER], r->signer);
        arr_text(&a[A_SIGNER_TYPE],
                 r->signer_type ? pd_signer_type_name((enum pd_signer_type)r->signer_type) : NULL);
        if (r->has_consent)
            arr_text(&a[A_CONSENT], r->consent ? "t" : "f");
        else
            arr_null(&a[A_CONSENT]);
        arr_text(&a[A_REASON], r->reason);
        arr_text(&a[A_PHOTO], r->photo);
        arr_i64(&a[A_RECEIVED], r->received_ms);
    }
    struct pd__pg_params p = {0};
    bool oom = !keys.slot;
    for (int j = 0; j < A__COUNT; j++) {
        if (!a[j].len)
            pd_buf_putc(&a[j], '{');
        pd_buf_putc(&a[j], '}');
        oom |= a[j].oom;
        pd__pg_p_text(&p, a[j].data);
    }
    pd_qs qs = PD_QS_HARD;
    if (oom) {
        pd_error("postgresql: scan_insert of %d events: out of memory", n);
        goto out;
    }
    PGresult *res = pd__pg_run(
        c, PD_PG_SCAN_INSERT,
        "INSERT INTO scans (waybill_no, parcel_no, type, at_ms, node_code, operator, device_id,"
        " device_seq, bag_no, trip_no, temperature_mc, signer, signer_type, consent, reason,"
        " photo, received_ms)"
        " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::text[],"
        " $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[], $11::integer[],"
        " $12::text[], $13::text[], $14::boolean[], $15::text[], $16::text[], $17::bigint[])"
        " ON CONFLICT (device_id, device_seq) DO NOTHING RETURNING device_id, device_seq",
        &p, &qs);
    if (!res)
        goto out;
    int written = PQntuples(res);
    for (int k = 0; k < written; k++) {
        int at = keyset_find(&keys, rows, PQgetvalue(res, k, 0), pd__pg_i64(res, k, 1), -1);
        if (PD_BREAK(at >= 0 && dup[at])) { /* a key we did not send, or twice */
            written = PD_QS_HARD;
            break;
        }
        dup[at] = false;
    }
    PQclear(res);
    qs = (pd_qs)written;
out:
    for (int j = 0; j < A__COUNT; j++)
        pd_buf_free(&a[j]);
    free(keys.slot);
    return qs;
}

#define SCAN_COLS                                                                                  \
    "waybill_no, parcel_no, type, at_ms, node_code, operator, device_id, device_seq, bag_no,"      \
    " trip_no, temperature_mc, signer, signer_type, consent, reason, photo, received_ms"

static pd_qs scan_row(const PGresult *res, int row, struct pd_scan_row *r)
{
    memset(r, 0, sizeof *r);
    pd__pg_col(res, row, 0, r->waybill_no, sizeof r->waybill_no);
    pd__pg_col(res, row, 1, r->parcel_no, sizeof r->parcel_no);
    enum pd_scan_type type;
    const char *tname = PQgetvalue(res, row, 2);
    if (!pd_scan_type_parse(tname, &type)) {
        pd_error("postgresql: scans of %s: unknown type '%s'", r->waybill_no, tname);
        return PD_QS_HARD;
    }
    r->type = (int)type;
    r->at_ms = pd__pg_i64(res, row, 3);
    pd__pg_col(res, row, 4, r->node_code, sizeof r->node_code);
    pd__pg_col(res, row, 5, r->operator_, sizeof r->operator_);
    pd__pg_col(res, row, 6, r->device_id, sizeof r->device_id);
    r->device_seq = pd__pg_i64(res, row, 7);
    pd__pg_col(res, row, 8, r->bag_no, sizeof r->bag_no);
    pd__pg_col(res, row, 9, r->trip_no, sizeof r->trip_no);
    r->has_temperature = !PQgetisnull(res, row, 10);
    r->temperature_mc = (int32_t)pd__pg_i64(res, row, 10);
    pd__pg_col(res, row, 11, r->signer, sizeof r->signer);
    if (!PQgetisnull(res, row, 12)) {
        enum pd_signer_type st;
        const char *sname = PQgetvalue(res, row, 12);
        if (!pd_signer_type_parse(sname, &st)) {
            pd_error("postgresql: scans of %s: unknown signer_type '%s'", r->waybill_no, sname);
            return PD_QS_HARD;
        }
        r->signer_type = (int)st;
    }
    r->has_consent = !PQgetisnull(res, row, 13);
    r->consent = pd__pg_bool(res, row, 13);
    pd__pg_col(res, row, 14, r->reason, sizeof r->reason);
    pd__pg_col(res, row, 15, r->photo, sizeof r->photo);
    r->received_ms = pd__pg_i64(res, row, 16);
    return PD_QS_ONE;
}

pd_qs pd__pg_scan_list(pd_db *db, const char *waybill_no, pd_scan_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, waybill_no);
    pd_qs qs;
    PGresult *res = pd__pg_run(C(db), PD_PG_SCAN_LIST,
                               "SELECT " SCAN_COLS " FROM scans WHERE waybill_no = $1::text"
                               " ORDER BY at_ms, received_ms, device_id, device_seq",
                               &p, &qs);
    if (!res)
        return qs;
    int rows = PQntuples(res);
    struct pd_scan_row r;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = scan_row(res, i, &r);
        int cr = rq < 0 ? (int)rq : cb(cls, &r);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(res);
    return qs;
}

/* ---- the scan log (016_scan_log) ------------------------------------------------- */

/* Appends and projections of the log take this lock for the rest of the
 * transaction (store.h: they must not interleave). Any constant no other
 * part of ParcelDesk uses. */
#define SCAN_LOG_LOCK "7316001"

static pd_qs scan_log_lock(struct pd__pg_conn *c)
{
    struct pd__pg_params p = {0};
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_SCAN_LOG_LOCK,
                               "SELECT pg_advisory_xact_lock(" SCAN_LOG_LOCK ")", &p, &qs);
    if (!res)
        return qs;
    PQclear(res);
    return PD_QS_ONE;
}

/* PostgreSQL applies scans inline by default (the server's choice, see
 * http/ingest.h), so the log is written a row at a time here: correct, and
 * simple, rather than fast. */
pd_qs pd__pg_scan_log_append(pd_db *db, const struct pd_scan_row *rows, int n, bool *dup,
                             int64_t *last_id)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(n >= 0 && (n == 0 || (rows && dup)) && last_id))
        return PD_QS_HARD;
    if (n == 0)
        return PD_QS_NONE;
    pd_qs qs = scan_log_lock(c);
    if (qs < 0)
        return qs;
    int written = 0;
    for (int i = 0; i < n; i++) {
        const struct pd_scan_row *r = &rows[i];
        int st = r->signer_type;
        if (PD_BREAK(r->type >= 0 && r->type < PD_SCAN__COUNT && st >= 0 && st < PD_SIGNER__COUNT))
            return PD_QS_HARD;
        struct pd__pg_params p = {0};
        pd__pg_p_text(&p, r->waybill_no);
        pd__pg_p_text(&p, r->parcel_no);
        pd__pg_p_text(&p, pd_scan_type_name((enum pd_scan_type)r->type));
        pd__pg_p_i64(&p, r->at_ms);
        pd__pg_p_text(&p, r->node_code);
        pd__pg_p_text(&p, r->operator_);
        pd__pg_p_text(&p, r->device_id);
        pd__pg_p_i64(&p, r->device_seq);
        pd__pg_p_text(&p, r->bag_no);
        pd__pg_p_text(&p, r->trip_no);
        if (r->has_temperature)
            pd__pg_p_i64(&p, r->temperature_mc);
        else
            pd__pg_p_text(&p, NULL);
        pd__pg_p_text(&p, r->signer);
        pd__pg_p_text(&p, st ? pd_signer_type_name((enum pd_signer_type)st) : NULL);
        if (r->has_consent)
            pd__pg_p_bool(&p, r->consent);
        else
            pd__pg_p_text(&p, NULL);
        pd__pg_p_text(&p, r->reason);
        pd__pg_p_text(&p, r->photo);
        pd__pg_p_i64(&p, r->received_ms);
        PGresult *res = pd__pg_run(
            c, PD_PG_SCAN_LOG_APPEND,
            "INSERT INTO scan_log (waybill_no, parcel_no, type, at_ms, node_code, operator,"
            " device_id, device_seq, bag_no, trip_no, temperature_mc, signer, signer_type,"
            " consent, reason, photo, received_ms) SELECT $1::text, $2::text, $3::text,"
            " $4::bigint, $5::text, $6::text, $7::text, $8::bigint, $9::text, $10::text,"
            " $11::integer, $12::text, $13::text, $14::boolean, $15::text, $16::text,"
            " $17::bigint WHERE NOT EXISTS (SELECT 1 FROM scans WHERE device_id = $7::text"
            " AND device_seq = $8::bigint) ON CONFLICT (device_id, device_seq) DO NOTHING"
            " RETURNING id",
            &p, &qs);
        if (!res)
            return qs;
        dup[i] = PQntuples(res) == 0;
        if (!dup[i]) {
            *last_id = pd__pg_i64(res, 0, 0);
            written++;
        }
        PQclear(res);
    }
    return (pd_qs)written;
}

pd_qs pd__pg_scan_log_take(pd_db *db, int64_t after, int limit, pd_scan_log_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(limit > 0 && cb))
        return PD_QS_HARD;
    pd_qs qs = scan_log_lock(c);
    if (qs < 0)
        return qs;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, after);
    pd__pg_p_i64(&p, limit);
    PGresult *res = pd__pg_run(c, PD_PG_SCAN_LOG_TAKE,
                               "SELECT " SCAN_COLS ", id FROM scan_log WHERE id > $1::bigint"
                               " ORDER BY id LIMIT $2::bigint",
                               &p, &qs);
    if (!res)
        return qs;
    int rows = PQntuples(res);
    struct pd_scan_row r;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = scan_row(res, i, &r);
        int cr = rq < 0 ? (int)rq : cb(cls, pd__pg_i64(res, i, 17), &r);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(res);
    return qs;
}

pd_qs pd__pg_scan_log_trim(pd_db *db, int64_t upto)
{
    struct pd__pg_conn *c = C(db);
    pd_qs qs = scan_log_lock(c);
    if (qs < 0)
        return qs;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, upto);
    return pd__pg_cmd(c, PD_PG_SCAN_LOG_TRIM, "DELETE FROM scan_log WHERE id <= $1::bigint", &p);
}

pd_qs pd__pg_scan_log_state(pd_db *db, int64_t *count, int64_t *last_id)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(count && last_id))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd_qs qs;
    PGresult *res = pd__pg_run(c, PD_PG_SCAN_LOG_STATE,
                               "SELECT count(*), coalesce(max(id), 0) FROM scan_log", &p, &qs);
    if (!res)
        return qs;
    *count = pd__pg_i64(res, 0, 0);
    *last_id = pd__pg_i64(res, 0, 1);
    PQclear(res);
    return PD_QS_ONE;
}

/* ---- tracking ---------------------------------------------------------------------- */

pd_qs pd__pg_tracking_put(pd_db *db, const struct pd_tracking *t)
{
    uint64_t serial;
    bool state_ok = !t->has_order || (t->order_state >= 0 && t->order_state < PD_ORDER__COUNT);
    if (PD_BREAK(pd_waybill_no_parse(t->waybill_no, &serial)) ||
        PD_BREAK(t->status >= 0 && t->status < PD_ST__COUNT && state_ok && t->timeline &&
                 t->timeline_len > 0))
        return PD_QS_HARD;
    /* bytea goes as text in hex form ("\\x0a1b…"): parameters are text here. */
    char *hex = malloc(2 * t->timeline_len + 3);
    if (!hex)
        return PD_QS_HARD;
    static const char digits[] = "0123456789abcdef";
    hex[0] = '\\';
    hex[1] = 'x';
    for (size_t i = 0; i < t->timeline_len; i++) {
        hex[2 + 2 * i] = digits[t->timeline[i] >> 4];
        hex[3 + 2 * i] = digits[t->timeline[i] & 15];
    }
    hex[2 + 2 * t->timeline_len] = '\0';
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, (int64_t)serial);
    pd__pg_p_text(&p, t->waybill_no);
    pd__pg_p_bool(&p, t->has_order);
    pd__pg_p_text(&p,
                  t->has_order ? pd_order_state_name((enum pd_order_state)t->order_state) : NULL);
    pd__pg_p_i64(&p, t->parcels);
    pd__pg_p_i64(&p, t->dest_division);
    pd__pg_p_text(&p, t->service);
    pd__pg_p_text(&p, t->last4_sender);
    pd__pg_p_text(&p, t->last4_recipient);
    pd__pg_p_i64(&p, t->created_ms);
    pd__pg_p_i64(&p, t->promised_ms);
    pd__pg_p_text(&p, pd_status_info((enum pd_status)t->status)->name);
    pd__pg_p_i64(&p, t->events);
    pd__pg_p_i64(&p, t->last_event_ms);
    pd__pg_p_i64(&p, t->delivered_ms);
    pd__pg_p_i64(&p, t->updated_ms);
    pd__pg_p_text(&p, t->customer_code);
    pd__pg_p_text(&p, t->node_path);
    pd__pg_p_text(&p, t->created_by);
    pd__pg_p_text(&p, hex);
    pd_qs qs = pd__pg_cmd(
        C(db), PD_PG_TRACKING_PUT,
        "INSERT INTO tracking (serial, waybill_no, has_order, order_state, parcels,"
        " dest_division, service, last4_sender, last4_recipient, created_ms, promised_ms,"
        " status, events, last_event_ms, delivered_ms, updated_ms, customer_code, node_path,"
        " created_by, timeline)"
        " VALUES ($1::bigint, $2::text, $3::boolean, $4::text, $5::integer, $6::integer,"
        " $7::text, $8::text, $9::text, $10::bigint, $11::bigint, $12::text, $13::integer,"
        " $14::bigint, $15::bigint, $16::bigint, $17::text, $18::text, $19::text, $20::bytea)"
        " ON CONFLICT (serial) DO UPDATE SET waybill_no = EXCLUDED.waybill_no,"
        " has_order = EXCLUDED.has_order, order_state = EXCLUDED.order_state,"
        " parcels = EXCLUDED.parcels, dest_division = EXCLUDED.dest_division,"
        " service = EXCLUDED.service, last4_sender = EXCLUDED.last4_sender,"
        " last4_recipient = EXCLUDED.last4_recipient, created_ms = EXCLUDED.created_ms,"
        " promised_ms = EXCLUDED.promised_ms, status = EXCLUDED.status,"
        " events = EXCLUDED.events, last_event_ms = EXCLUDED.last_event_ms,"
        " delivered_ms = EXCLUDED.delivered_ms, updated_ms = EXCLUDED.updated_ms,"
        " customer_code = EXCLUDED.customer_code, node_path = EXCLUDED.node_path,"
        " created_by = EXCLUDED.created_by, timeline = EXCLUDED.timeline",
        &p);
    free(hex);
    return qs < 0 ? qs : PD_QS_ONE;
}

#define TRACKING_COLS                                                                              \
    "waybill_no, has_order, order_state, parcels, dest_division, service, last4_sender,"           \
    " last4_recipient, created_ms, promised_ms, status, events, last_event_ms, delivered_ms,"      \
    " updated_ms, customer_code, node_path, created_by, timeline"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Fill @p t from row @p row; its timeline is decoded into @p *buf (the
 * caller frees it after the callback). */
static pd_qs tracking_row(const PGresult *res, int row, struct pd_tracking *t, unsigned char **buf)
{
    memset(t, 0, sizeof *t);
    pd__pg_col(res, row, 0, t->waybill_no, sizeof t->waybill_no);
    t->has_order = pd__pg_bool(res, row, 1);
    if (t->has_order) {
        enum pd_order_state st;
        const char *name = PQgetvalue(res, row, 2);
        if (!pd_order_state_parse(name, &st)) {
            pd_error("postgresql: tracking of %s: unknown order state '%s'", t->waybill_no, name);
            return PD_QS_HARD;
        }
        t->order_state = (int)st;
    }
    t->parcels = (int)pd__pg_i64(res, row, 3);
    t->dest_division = (int32_t)pd__pg_i64(res, row, 4);
    pd__pg_col(res, row, 5, t->service, sizeof t->service);
    pd__pg_col(res, row, 6, t->last4_sender, sizeof t->last4_sender);
    pd__pg_col(res, row, 7, t->last4_recipient, sizeof t->last4_recipient);
    t->created_ms = pd__pg_i64(res, row, 8);
    t->promised_ms = pd__pg_i64(res, row, 9);
    enum pd_status st;
    const char *status = PQgetvalue(res, row, 10);
    if (!pd_status_parse(status, &st)) {
        pd_error("postgresql: tracking of %s: unknown status '%s'", t->waybill_no, status);
        return PD_QS_HARD;
    }
    t->status = (int)st;
    t->events = (int)pd__pg_i64(res, row, 11);
    t->last_event_ms = pd__pg_i64(res, row, 12);
    t->delivered_ms = pd__pg_i64(res, row, 13);
    t->updated_ms = pd__pg_i64(res, row, 14);
    pd__pg_col(res, row, 15, t->customer_code, sizeof t->customer_code);
    pd__pg_col(res, row, 16, t->node_path, sizeof t->node_path);
    pd__pg_col(res, row, 17, t->created_by, sizeof t->created_by);
    if (!PQgetisnull(res, row, 18)) {
        /* bytea_output = hex, the default since PostgreSQL 9.0 */
        const char *h = PQgetvalue(res, row, 18);
        size_t n = strlen(h);
        if (n < 2 || h[0] != '\\' || h[1] != 'x' || n % 2) {
            pd_error("postgresql: tracking of %s: timeline not in hex form", t->waybill_no);
            return PD_QS_HARD;
        }
        size_t len = (n - 2) / 2;
        unsigned char *b = realloc(*buf, len ? len : 1);
        if (!b)
            return PD_QS_HARD;
        *buf = b;
        for (size_t i = 0; i < len; i++) {
            int hi = hexval(h[2 + 2 * i]), lo = hexval(h[3 + 2 * i]);
            if (hi < 0 || lo < 0) {
                pd_error("postgresql: tracking of %s: bad hex in timeline", t->waybill_no);
                return PD_QS_HARD;
            }
            b[i] = (unsigned char)(hi << 4 | lo);
        }
        t->timeline = len ? b : NULL;
        t->timeline_len = len;
    }
    return PD_QS_ONE;
}

static pd_qs tracking_rows(PGresult *res, pd_qs qs, pd_tracking_cb cb, void *cls)
{
    int rows = PQntuples(res);
    struct pd_tracking t;
    unsigned char *buf = NULL;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = tracking_row(res, i, &t, &buf);
        int cr = rq < 0 ? (int)rq : cb(cls, &t);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    free(buf);
    PQclear(res);
    return qs;
}

/* The serials of @p nos as an array literal "{1,2,…}"; false when one does not parse. */
static bool serial_array(const char *const *nos, int n, pd_buf *out)
{
    for (int i = 0; i < n; i++) {
        uint64_t serial;
        if (!pd_waybill_no_parse(nos[i], &serial))
            return false;
        arr_i64(out, (int64_t)serial);
    }
    if (!out->len)
        pd_buf_putc(out, '{');
    pd_buf_putc(out, '}');
    return !out->oom;
}

pd_qs pd__pg_tracking_get_many(pd_db *db, const char *const *nos, int n, bool lock,
                               pd_tracking_cb cb, void *cls)
{
    if (n <= 0)
        return PD_QS_NONE;
    pd_buf ids = PD_BUF_INIT;
    if (!serial_array(nos, n, &ids)) {
        pd_buf_free(&ids);
        return PD_QS_HARD;
    }
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, ids.data);
    pd_qs qs;
    PGresult *res =
        lock ? pd__pg_run(C(db), PD_PG_TRACKING_GET_MANY,
                          "SELECT " TRACKING_COLS " FROM tracking WHERE serial = ANY($1::bigint[])"
                          " ORDER BY serial FOR UPDATE",
                          &p, &qs)
             : pd__pg_run(C(db), PD_PG_TRACKING_GET_MANY_RO,
                          "SELECT " TRACKING_COLS " FROM tracking WHERE serial = ANY($1::bigint[])"
                          " ORDER BY serial",
                          &p, &qs);
    pd_buf_free(&ids);
    if (!res)
        return qs;
    return tracking_rows(res, qs, cb, cls);
}

pd_qs pd__pg_tracking_put_many(pd_db *db, const struct pd_tracking *rows, int n)
{
    enum {
        T_SERIAL,
        T_NO,
        T_HAS,
        T_STATE,
        T_PARCELS,
        T_DIV,
        T_SERVICE,
        T_L4S,
        T_L4R,
        T_CREATED,
        T_PROMISED,
        T_STATUS,
        T_EVENTS,
        T_LAST,
        T_DELIVERED,
        T_UPDATED,
        T_CUST,
        T_PATH,
        T_BY,
        T_TIMELINE,
        T__COUNT
    };
    if (n <= 0)
        return PD_QS_NONE;
    pd_buf a[T__COUNT];
    for (int j = 0; j < T__COUNT; j++)
        pd_buf_init(&a[j]);
    char *hex = NULL;
    size_t hex_cap = 0;
    pd_qs qs = PD_QS_HARD;
    for (int i = 0; i < n; i++) {
        const struct pd_tracking *t = &rows[i];
        uint64_t serial;
        bool state_ok = !t->has_order || (t->order_state >= 0 && t->order_state < PD_ORDER__COUNT);
        if (PD_BREAK(pd_waybill_no_parse(t->waybill_no, &serial)) ||
            PD_BREAK(t->status >= 0 && t->status < PD_ST__COUNT && state_ok && t->timeline &&
                     t->timeline_len > 0))
            goto out;
        if (hex_cap < 2 * t->timeline_len + 3) {
            hex_cap = 2 * t->timeline_len + 3;
            char *h = realloc(hex, hex_cap);
            if (!h)
                goto out;
            hex = h;
        }
        static const char digits[] = "0123456789abcdef";
        hex[0] = '\\';
        hex[1] = 'x';
        for (size_t k = 0; k < t->timeline_len; k++) {
            hex[2 + 2 * k] = digits[t->timeline[k] >> 4];
            hex[3 + 2 * k] = digits[t->timeline[k] & 15];
        }
        hex[2 + 2 * t->timeline_len] = '\0';
        arr_i64(&a[T_SERIAL], (int64_t)serial);
        arr_text(&a[T_NO], t->waybill_no);
        arr_text(&a[T_HAS], t->has_order ? "t" : "f");
        arr_text(&a[T_STATE],
                 t->has_order ? pd_order_state_name((enum pd_order_state)t->order_state) : NULL);
        arr_i64(&a[T_PARCELS], t->parcels);
        arr_i64(&a[T_DIV], t->dest_division);
        arr_text(&a[T_SERVICE], t->service);
        arr_text(&a[T_L4S], t->last4_sender);
        arr_text(&a[T_L4R], t->last4_recipient);
        arr_i64(&a[T_CREATED], t->created_ms);
        arr_i64(&a[T_PROMISED], t->promised_ms);
        arr_text(&a[T_STATUS], pd_status_info((enum pd_status)t->status)->name);
        arr_i64(&a[T_EVENTS], t->events);
        arr_i64(&a[T_LAST], t->last_event_ms);
        arr_i64(&a[T_DELIVERED], t->delivered_ms);
        arr_i64(&a[T_UPDATED], t->updated_ms);
        arr_text(&a[T_CUST], t->customer_code);
        arr_text(&a[T_PATH], t->node_path);
        arr_text(&a[T_BY], t->created_by);
        arr_text(&a[T_TIMELINE], hex); /* bytea input in hex form, from text */
    }
    struct pd__pg_params p = {0};
    bool oom = false;
    for (int j = 0; j < T__COUNT; j++) {
        pd_buf_putc(&a[j], '}');
        oom |= a[j].oom;
        pd__pg_p_text(&p, a[j].data);
    }
    if (oom) {
        pd_error("postgresql: tracking_put_many of %d rows: out of memory", n);
        goto out;
    }
    qs = pd__pg_cmd(
        C(db), PD_PG_TRACKING_PUT_MANY,
        "INSERT INTO tracking (serial, waybill_no, has_order, order_state, parcels,"
        " dest_division, service, last4_sender, last4_recipient, created_ms, promised_ms,"
        " status, events, last_event_ms, delivered_ms, updated_ms, customer_code, node_path,"
        " created_by, timeline)"
        " SELECT * FROM unnest($1::bigint[], $2::text[], $3::boolean[], $4::text[],"
        " $5::integer[], $6::integer[], $7::text[], $8::text[], $9::text[], $10::bigint[],"
        " $11::bigint[], $12::text[], $13::integer[], $14::bigint[], $15::bigint[],"
        " $16::bigint[], $17::text[], $18::text[], $19::text[], $20::bytea[])"
        " ON CONFLICT (serial) DO UPDATE SET waybill_no = EXCLUDED.waybill_no,"
        " has_order = EXCLUDED.has_order, order_state = EXCLUDED.order_state,"
        " parcels = EXCLUDED.parcels, dest_division = EXCLUDED.dest_division,"
        " service = EXCLUDED.service, last4_sender = EXCLUDED.last4_sender,"
        " last4_recipient = EXCLUDED.last4_recipient, created_ms = EXCLUDED.created_ms,"
        " promised_ms = EXCLUDED.promised_ms, status = EXCLUDED.status,"
        " events = EXCLUDED.events, last_event_ms = EXCLUDED.last_event_ms,"
        " delivered_ms = EXCLUDED.delivered_ms, updated_ms = EXCLUDED.updated_ms,"
        " customer_code = EXCLUDED.customer_code, node_path = EXCLUDED.node_path,"
        " created_by = EXCLUDED.created_by, timeline = EXCLUDED.timeline",
        &p);
    if (qs >= 0)
        qs = (pd_qs)n;
out:
    for (int j = 0; j < T__COUNT; j++)
        pd_buf_free(&a[j]);
    free(hex);
    return qs;
}

pd_qs pd__pg_tracking_get(pd_db *db, const char *waybill_no, pd_tracking_cb cb, void *cls)
{
    uint64_t serial;
    if (!pd_waybill_no_parse(waybill_no, &serial))
        return PD_QS_NONE; /* no row is ever stored under such a number */
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, (int64_t)serial);
    pd_qs qs;
    PGresult *res =
        pd__pg_run(C(db), PD_PG_TRACKING_GET,
                   "SELECT " TRACKING_COLS " FROM tracking WHERE serial = $1::bigint", &p, &qs);
    return res ? tracking_rows(res, qs, cb, cls) : qs;
}

pd_qs pd__pg_tracking_list_stale(pd_db *db, const struct pd_stale_filter *f, pd_tracking_cb cb,
                                 void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, f->no_event_since_ms);
    pd__pg_p_i64(&p, f->after_created_ms);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    /* open and the key expression as in the partial index tracking_stale. */
    PGresult *res =
        pd__pg_run(C(db), PD_PG_TRACKING_STALE,
                   "SELECT " TRACKING_COLS " FROM tracking"
                   " WHERE open AND GREATEST(last_event_ms, created_ms) < $1::bigint"
                   " AND created_ms > $2::bigint"
                   " ORDER BY GREATEST(last_event_ms, created_ms), serial LIMIT $3::integer",
                   &p, &qs);
    return res ? tracking_rows(res, qs, cb, cls) : qs;
}
