/*
 * POST /api/v1/scans: scan events from handheld devices, in batches — a JSON
 * array, or NDJSON (one event per line) with Content-Type
 * application/x-ndjson. Each event is decoded through a field spec, its
 * number checked (a parcel number names its master), its type, node and
 * the rules of its type checked (core/scan.h), and the node held to the
 * caller's network: a device of node X scans only at X or below. A bad
 * event is reported by its index and field and never stops the others.
 * The good events are stored in one transaction with the tracking row of
 * every waybill a new event touched, and the answer
 * {"accepted","duplicates","rejected"} is sent only after the commit: an
 * acknowledged event is durable, and a device that re-sends an
 * unacknowledged batch gets its events back as duplicates, stored once
 * (idempotency key: device_id + device_seq).
 *
 * Bags (docs/tracking.md "Bags"): a bag scan naming a parcel puts it in
 * the bag and an unbag scan takes it out (store ops bag_add/bag_remove, run
 * only for those types). An event naming only a bag_no is a bag event:
 * stored once in bag_events under its own idempotency key and, when new,
 * expanded in the same transaction into one ordinary scan per parcel the
 * bag held at the event's time (device "bag/<bag_no>", sequence
 * bag event id x 10000 + index), whose tracking rows are rebuilt with the
 * others. It counts as one accepted event; the answer then adds
 * "expanded". An ordinary batch does none of this: no query is added per
 * ordinary event, only a type test.
 *
 * Limits (docs/tracking.md): at most PD_SCAN_BATCH_MAX events are taken
 * from one request; the events after them are each rejected with
 * scan.batch_too_large for the device to send again. A body of more than
 * PD_SCAN_BATCH_REFUSE events is refused whole (413), as is a body over the
 * route's size limit (request.too_large).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/scan.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tracking_build.h"
#include "http/app.h"
#include "http/ingest.h"
#include "http/json_spec.h"
#include "http/node_cache.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define PD_SCAN_BATCH_MAX    1000  /* events taken from one request */
#define PD_SCAN_BATCH_REFUSE 10000 /* more than this: the request is refused whole */
#define PD_SCAN_TEMP_MAX_C   100   /* |temperature_c| */
#define PD_BAG_CAPACITY      9999  /* parcels in one bag: the index part of an expanded sequence */
#define PD_BAG_EXPAND_MAX    20000 /* scans the bag events of one request may expand into */

/* One event of the batch as it goes through the checks. */
struct ev {
    const json_t *obj; /* NULL when the line was not an object (NDJSON) */
    pd_err err;        /* PD_OK while the event is good */
    char field[160];   /* with its index prefix: "[3].node" */
    char detail[256];
    bool node_missing; /* failed only on its node code: worth a second look */
    bool bag_event;    /* names only a bag_no (no waybill_no, no parcel_no) */
    /* decoded */
    const char *type_s, *node, *operator_, *device_id, *bag_no, *trip_no, *signer, *reason, *photo;
    struct pd_scan s;
    char waybill_no[PD_WB_NO_SIZE];
    char parcel_no[PD_PCL_NO_SIZE];
};

static void reject(struct ev *e, int index, pd_err err, const char *field, const char *detail)
{
    e->err = err;
    if (field)
        snprintf(e->field, sizeof e->field, "[%d].%s", index, field);
    else
        e->field[0] = '\0';
    snprintf(e->detail, sizeof e->detail, "%.200s", detail ? detail : "");
}

/* ---- decoding one event ----------------------------------------------------- */

/* Byte limits of the store's fixed-size fields (the spec counts characters). */
static bool fits(struct ev *e, int index, const char *s, size_t max, const char *field)
{
    if (!s || strlen(s) <= max)
        return true;
    char d[64];
    snprintf(d, sizeof d, "at most %zu bytes of UTF-8", max);
    reject(e, index, PD_E_JSON_TOO_LONG, field, d);
    return false;
}

/* A waybill or parcel number as sent, into the event's waybill and parcel.
 * A parcel number gives its master; a waybill number in parcel_no is the
 * single-parcel numbering (the whole waybill). */
static bool take_number(struct ev *e, int index, const char *in, const char *field)
{
    char canon[PD_PARCEL_NO_SIZE], master[PD_WAYBILL_NO_SIZE];
    if (!pd_waybill_no_normalize(in, canon)) {
        reject(e, index, PD_E_WAYBILL_NO_INVALID, field, NULL);
        return false;
    }
    const char *parcel = "";
    if (strlen(canon) == PD_PARCEL_NO_LEN) {
        if (!pd_parcel_no_parse(canon, master, NULL)) {
            reject(e, index, PD_E_WAYBILL_NO_INVALID, field, NULL);
            return false;
        }
        parcel = canon;
    } else {
        memcpy(master, canon, sizeof master);
    }
    if ((e->waybill_no[0] && strcmp(e->waybill_no, master) != 0) ||
        (e->parcel_no[0] && parcel[0] && strcmp(e->parcel_no, parcel) != 0)) {
        reject(e, index, PD_E_SCAN_PARCEL_MISMATCH, "parcel_no",
               "waybill_no and parcel_no name different waybills");
        return false;
    }
    snprintf(e->waybill_no, sizeof e->waybill_no, "%s", master);
    if (parcel[0])
        snprintf(e->parcel_no, sizeof e->parcel_no, "%s", parcel);
    return true;
}

/* temperature_c: a JSON number, at most three decimals, within ±100 °C. */
static bool take_temperature(struct ev *e, int index, const json_t *v)
{
    if (!json_is_number(v)) {
        reject(e, index, PD_E_JSON_TYPE, "temperature_c", "expected a number");
        return false;
    }
    double c = json_number_value(v);
    if (!(c >= -PD_SCAN_TEMP_MAX_C && c <= PD_SCAN_TEMP_MAX_C)) {
        reject(e, index, PD_E_JSON_RANGE, "temperature_c", "between -100 and 100");
        return false;
    }
    double mc = c * 1000.0;
    long long r = llround(mc);
    if (fabs(mc - (double)r) > 1e-6) {
        reject(e, index, PD_E_JSON_FORMAT, "temperature_c", "at most 3 decimals");
        return false;
    }
    e->s.has_temperature = true;
    e->s.temperature_mc = (int32_t)r;
    return true;
}

/* The types a scan naming only a bag may have: those a sealed bag goes
 * through as one piece. */
static bool bag_event_type(enum pd_scan_type t)
{
    switch (t) {
    case PD_SCAN_ARRIVAL:
    case PD_SCAN_SORT:
    case PD_SCAN_DEPARTURE:
    case PD_SCAN_LOAD:
    case PD_SCAN_UNLOAD:
    case PD_SCAN_UNBAG:
    case PD_SCAN_STATION_ARRIVAL:
    case PD_SCAN_EXCEPTION:
        return true;
    default:
        return false;
    }
}

/* Decode @p e->obj into the event; false with the rejection set. */
static bool decode_event(struct ev *e, int index, pd_arena *arena)
{
    const char *wb = NULL, *pcl = NULL;
    int64_t at = 0, seq = 0;
    int signer_type = -1;
    bool consent = false, consent_given = false, signer_type_given = false;
    const json_t *temp = NULL;
    struct pd_spec spec[] = {
        pd_spec_str("waybill_no", &wb, PD_OPT, 1, 32),
        pd_spec_str("parcel_no", &pcl, PD_OPT, 1, 32),
        pd_spec_str("type", &e->type_s, PD_REQ, 1, 32),
        pd_spec_time("at", &at, PD_REQ),
        pd_spec_str("node", &e->node, PD_OPT, 1, PD_CODE_MAX - 1),
        pd_spec_str("operator", &e->operator_, PD_OPT, 1, PD_SCAN_TEXT_MAX),
        pd_spec_str("device_id", &e->device_id, PD_REQ, 1, PD_SCAN_DEVICE_MAX),
        pd_spec_int("device_seq", &seq, PD_REQ, 0, INT64_MAX),
        pd_spec_str("bag_no", &e->bag_no, PD_OPT, 1, 32),
        pd_spec_str("trip_no", &e->trip_no, PD_OPT, 1, 32),
        pd_spec_json("temperature_c", &temp, PD_OPT),
        pd_spec_str("signer", &e->signer, PD_OPT, 1, PD_SCAN_TEXT_MAX),
        pd_spec_enum("signer_type", &signer_type, PD_OPT, pd_signer_type_names),
        pd_spec_bool("consent", &consent, PD_OPT),
        pd_spec_str("reason", &e->reason, PD_OPT, 1, PD_SCAN_TEXT_MAX),
        pd_spec_str("photo", &e->photo, PD_OPT, 1, PD_SCAN_TEXT_MAX),
        pd_spec_end(),
    };
    spec[12].present = &signer_type_given;
    spec[13].present = &consent_given;
    char prefix[16];
    snprintf(prefix, sizeof prefix, "[%d]", index);
    struct pd_json_error je;
    if (!pd_json_decode(e->obj, spec, arena, prefix, &je)) {
        e->err = je.code;
        memcpy(e->field, je.field, sizeof e->field);
        snprintf(e->detail, sizeof e->detail, "%s", je.detail);
        return false;
    }
    if (!fits(e, index, e->operator_, PD_SCAN_TEXT_MAX, "operator") ||
        !fits(e, index, e->device_id, PD_SCAN_DEVICE_MAX, "device_id") ||
        !fits(e, index, e->bag_no, 32, "bag_no") || !fits(e, index, e->trip_no, 32, "trip_no") ||
        !fits(e, index, e->signer, PD_SCAN_TEXT_MAX, "signer") ||
        !fits(e, index, e->reason, PD_SCAN_TEXT_MAX, "reason") ||
        !fits(e, index, e->photo, PD_SCAN_TEXT_MAX, "photo"))
        return false;
    if (!wb && !pcl && !e->bag_no) {
        reject(e, index, PD_E_JSON_MISSING, "waybill_no", "waybill_no or parcel_no (or bag_no)");
        return false;
    }
    if ((wb && !take_number(e, index, wb, "waybill_no")) ||
        (pcl && !take_number(e, index, pcl, "parcel_no")))
        return false;
    if (!pd_scan_type_parse(e->type_s, &e->s.type)) {
        reject(e, index, PD_E_SCAN_TYPE_UNKNOWN, "type", NULL);
        return false;
    }
    e->bag_event = !wb && !pcl;
    if (e->bag_event && !bag_event_type(e->s.type)) {
        reject(e, index, PD_E_SCAN_BAG_TYPE, "type",
               "arrival, sort, departure, load, unload, unbag, station_arrival or exception "
               "when only bag_no is given");
        return false;
    }
    if (temp && !take_temperature(e, index, temp))
        return false;
    e->s.waybill_no = e->waybill_no;
    e->s.parcel_no = e->parcel_no;
    e->s.at_ms = at;
    e->s.node = e->node ? e->node : "";
    e->s.operator_ = e->operator_ ? e->operator_ : "";
    e->s.device_id = e->device_id;
    e->s.device_seq = seq;
    e->s.bag_no = e->bag_no ? e->bag_no : "";
    e->s.trip_no = e->trip_no ? e->trip_no : "";
    e->s.signer = e->signer ? e->signer : "";
    e->s.signer_type = signer_type_given ? (enum pd_signer_type)(signer_type + PD_SIGNER_RECIPIENT)
                                         : PD_SIGNER_NONE;
    e->s.has_consent = consent_given;
    e->s.consent = consent;
    e->s.reason = e->reason ? e->reason : "";
    e->s.photo = e->photo ? e->photo : "";
    return true;
}

/* The node (known, within the caller's network) and the rules of the type. */
static void check_event(struct pd_req *rq, struct ev *e, int index,
                        const struct pd_node_snapshot *nodes, int64_t now_ms)
{
    e->node_missing = false;
    if (e->node) {
        const struct pd_node_entry *n = pd_node_snapshot_find(nodes, e->node);
        if (!n) {
            e->node_missing = true;
            reject(e, index, PD_E_SCAN_NODE_UNKNOWN, "node", NULL);
            return;
        }
        /* A device scans at its own node or below; so does a person. */
        if (!pd_req_in_scope(rq, n->path)) {
            reject(e, index, PD_E_AUTH_FORBIDDEN, "node",
                   "the node is outside the caller's network");
            return;
        }
    }
    const char *field = NULL;
    pd_err err;
    if (e->bag_event) {
        /* The rules of the type hold for a bag event too; the number it
         * lacks is stood in for by a valid one (never stored). */
        struct pd_scan s = e->s;
        char stand_in[PD_WAYBILL_NO_SIZE];
        pd_waybill_no_format(1, stand_in);
        s.waybill_no = stand_in;
        s.parcel_no = "";
        err = pd_scan_check(&s, now_ms, &field);
    } else {
        err = pd_scan_check(&e->s, now_ms, &field);
    }
    if (err != PD_OK) {
        reject(e, index, err, field, NULL);
        return;
    }
    e->err = PD_OK;
}

/* ---- the batch -------------------------------------------------------------- */

struct batch {
    struct pd_req *rq;
    struct ev *ev;
    int n;          /* events taken (at most PD_SCAN_BATCH_MAX) */
    int overflow;   /* events after them, each rejected */
    json_t *array;  /* the parsed JSON array (owned), or NULL for NDJSON */
    json_t **lines; /* NDJSON: parsed lines (owned), NULL where malformed */
    struct pd_scan_row *rows;
    int *row_of; /* event index → row index, -1 when not stored */
    int n_rows;
    bool *dup;                        /* per row, from the store */
    const struct pd_scan_row **fresh; /* the new (not duplicate) rows, by waybill */
    int n_fresh;
    int accepted, duplicates;
    /* bags: only set when the batch has bag/unbag scans or bag events */
    int n_bagrows;   /* rows of type bag or unbag */
    struct bev *bev; /* the bag events, in index order */
    int n_bev;
    int expanded; /* scans the bag events expanded into (this try of the transaction) */
    int fresh_cap;
};

/* A bag event of the batch and what the transaction made of it. */
struct bev {
    int index; /* into ev */
    pd_err err;
    const char *field;
    char detail[160];
    bool dup;
    int expanded;
    struct pd_scan_row *rows; /* its expansion (owned), valid until the batch is freed */
    int n_rows;
    bool *rdup;
};

static bool blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return false;
    return true;
}

/* Split an NDJSON body: every non-blank line is one event. Lines past
 * PD_SCAN_BATCH_MAX are only counted. */
static pd_err split_ndjson(struct batch *b, const char *body, size_t len)
{
    int total = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - body) : len;
        if (!blank(body + i, end - i))
            total++;
        i = end + 1;
    }
    if (total > PD_SCAN_BATCH_REFUSE)
        return PD_E_SCAN_BATCH_TOO_LARGE;
    b->n = total < PD_SCAN_BATCH_MAX ? total : PD_SCAN_BATCH_MAX;
    b->overflow = total - b->n;
    b->ev = pd_arena_alloc(&b->rq->arena, (size_t)(b->n ? b->n : 1) * sizeof *b->ev);
    b->lines = calloc((size_t)(b->n ? b->n : 1), sizeof *b->lines);
    if (!b->ev || !b->lines)
        return PD_E_BODY_TOO_LARGE;
    int k = 0;
    for (size_t i = 0; i < len && k < b->n;) {
        const char *nl = memchr(body + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - body) : len;
        const char *line = body + i;
        size_t n = end - i;
        i = end + 1;
        if (blank(line, n))
            continue;
        struct ev *e = &b->ev[k];
        json_error_t je;
        json_t *j =
            pd_utf8_valid(line, n) ? json_loadb(line, n, JSON_REJECT_DUPLICATES, &je) : NULL;
        if (j && json_is_object(j)) {
            b->lines[k] = j;
            e->obj = j;
        } else {
            char d[200];
            if (!pd_utf8_valid(line, n))
                snprintf(d, sizeof d, "not valid UTF-8");
            else if (j)
                snprintf(d, sizeof d, "a JSON value that is not an object");
            else
                snprintf(d, sizeof d, "column %d: %.150s", je.column, je.text);
            json_decref(j);
            reject(e, k, PD_E_SCAN_LINE_MALFORMED, NULL, d);
        }
        k++;
    }
    return PD_OK;
}

static pd_err split_array(struct batch *b, const char *body, size_t len, char detail[200])
{
    if (!pd_utf8_valid(body, len))
        return PD_E_JSON_UTF8;
    json_error_t je;
    b->array = json_loadb(body, len, JSON_REJECT_DUPLICATES, &je);
    if (!b->array) {
        snprintf(detail, 200, "line %d, column %d: %.150s", je.line, je.column, je.text);
        return PD_E_JSON_MALFORMED;
    }
    if (!json_is_array(b->array)) {
        snprintf(detail, 200,
                 "expected a JSON array of events (or NDJSON with "
                 "Content-Type: application/x-ndjson)");
        return PD_E_JSON_TYPE;
    }
    size_t total = json_array_size(b->array);
    if (total > PD_SCAN_BATCH_REFUSE)
        return PD_E_SCAN_BATCH_TOO_LARGE;
    b->n = total < PD_SCAN_BATCH_MAX ? (int)total : PD_SCAN_BATCH_MAX;
    b->overflow = (int)total - b->n;
    b->ev = pd_arena_alloc(&b->rq->arena, (size_t)(b->n ? b->n : 1) * sizeof *b->ev);
    if (!b->ev)
        return PD_E_BODY_TOO_LARGE;
    for (int i = 0; i < b->n; i++) {
        const json_t *v = json_array_get(b->array, (size_t)i);
        b->ev[i].obj = v;
        if (!json_is_object(v))
            reject(&b->ev[i], i, PD_E_JSON_NOT_OBJECT, NULL, "each event is a JSON object");
    }
    return PD_OK;
}

static void batch_free(struct batch *b)
{
    json_decref(b->array);
    for (int i = 0; b->lines && i < b->n; i++)
        json_decref(b->lines[i]);
    free(b->lines);
    free(b->rows);
    free(b->row_of);
    free(b->dup);
    free(b->fresh);
    for (int k = 0; k < b->n_bev; k++) {
        free(b->bev[k].rows);
        free(b->bev[k].rdup);
    }
    free(b->bev);
}

/* ---- storing ---------------------------------------------------------------- */

/* Copy @p src into the fixed-size field @p dst; lengths were checked on decoding, so
 * the cut is only a guard. (snprintf per field was a visible share of a batch.) */
static void copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void fill_row(struct pd_scan_row *r, const struct pd_scan *s, int64_t now_ms)
{
    memset(r, 0, sizeof *r);
    copy(r->waybill_no, sizeof r->waybill_no, s->waybill_no);
    copy(r->parcel_no, sizeof r->parcel_no, s->parcel_no);
    r->type = (int)s->type;
    r->at_ms = s->at_ms;
    copy(r->node_code, sizeof r->node_code, s->node);
    copy(r->operator_, sizeof r->operator_, s->operator_);
    copy(r->device_id, sizeof r->device_id, s->device_id);
    r->device_seq = s->device_seq;
    copy(r->bag_no, sizeof r->bag_no, s->bag_no);
    copy(r->trip_no, sizeof r->trip_no, s->trip_no);
    r->has_temperature = s->has_temperature;
    r->temperature_mc = s->temperature_mc;
    copy(r->signer, sizeof r->signer, s->signer);
    r->signer_type = (int)s->signer_type;
    r->has_consent = s->has_consent;
    r->consent = s->consent;
    copy(r->reason, sizeof r->reason, s->reason);
    copy(r->photo, sizeof r->photo, s->photo);
    r->received_ms = now_ms;
}

static uint64_t key_hash(const char *device, int64_t seq)
{
    uint64_t h = 1469598103934665603ull;
    for (const unsigned char *p = (const unsigned char *)device; *p; p++)
        h = (h ^ *p) * 1099511628211ull;
    return (h ^ (uint64_t)seq) * 1099511628211ull;
}

/* Take event @p i as a bag event; false when an earlier bag event of the
 * batch has its key (a repeat: a duplicate at once). bev has room for
 * every event (make_rows allocated it). */
static bool add_bag_event(struct batch *b, int i)
{
    const struct pd_scan *s = &b->ev[i].s;
    for (int k = 0; k < b->n_bev; k++) {
        const struct pd_scan *o = &b->ev[b->bev[k].index].s;
        if (o->device_seq == s->device_seq && !strcmp(o->device_id, s->device_id))
            return false;
    }
    memset(&b->bev[b->n_bev], 0, sizeof b->bev[b->n_bev]);
    b->bev[b->n_bev++].index = i;
    return true;
}

/* The rows to store: the good events, a repeat of an earlier event of the
 * same batch (same device and sequence) counted as a duplicate at once. */
static bool make_rows(struct batch *b, int64_t now_ms)
{
    int good = 0;
    for (int i = 0; i < b->n; i++)
        good += b->ev[i].err == PD_OK;
    size_t slots = 16;
    while (slots < (size_t)good * 2)
        slots <<= 1;
    b->rows = malloc((size_t)(good ? good : 1) * sizeof *b->rows);
    b->row_of = malloc((size_t)(b->n > 0 ? b->n : 1) * sizeof *b->row_of);
    b->dup = calloc((size_t)(good ? good : 1), sizeof *b->dup);
    int *table = malloc(slots * sizeof *table);
    int bag_events = 0;
    for (int i = 0; i < b->n; i++)
        bag_events += b->ev[i].err == PD_OK && b->ev[i].bag_event;
    if (bag_events && !(b->bev = calloc((size_t)bag_events, sizeof *b->bev))) {
        free(table);
        return false;
    }
    if (!b->rows || !b->row_of || !b->dup || !table) {
        free(table);
        return false;
    }
    for (size_t k = 0; k < slots; k++)
        table[k] = -1;
    for (int i = 0; i < b->n; i++) {
        b->row_of[i] = -1;
        struct ev *e = &b->ev[i];
        if (e->err != PD_OK)
            continue;
        if (e->bag_event) {
            if (!add_bag_event(b, i))
                b->duplicates++;
            continue;
        }
        size_t k = key_hash(e->s.device_id, e->s.device_seq) & (slots - 1);
        bool repeat = false;
        for (; table[k] >= 0; k = (k + 1) & (slots - 1)) {
            const struct pd_scan_row *r = &b->rows[table[k]];
            if (r->device_seq == e->s.device_seq && !strcmp(r->device_id, e->s.device_id)) {
                repeat = true;
                break;
            }
        }
        if (repeat) {
            b->duplicates++;
            continue;
        }
        table[k] = b->n_rows;
        b->row_of[i] = b->n_rows;
        b->n_bagrows += e->s.type == PD_SCAN_BAG || e->s.type == PD_SCAN_UNBAG;
        fill_row(&b->rows[b->n_rows++], &e->s, now_ms);
    }
    free(table);
    return true;
}

static int cmp_waybill(const void *a, const void *b)
{
    return strcmp((*(const struct pd_scan_row *const *)a)->waybill_no,
                  (*(const struct pd_scan_row *const *)b)->waybill_no);
}

/* ---- bags ------------------------------------------------------------------- */

static void bev_reject(struct bev *v, pd_err err, const char *field, const char *detail)
{
    v->err = err;
    v->field = field;
    snprintf(v->detail, sizeof v->detail, "%s", detail ? detail : "");
}

struct collect {
    struct pd_bag_content *k;
    int n, cap;
};

static int collect_cb(void *cls, const struct pd_bag_content *c)
{
    struct collect *x = cls;
    if (x->n == x->cap) {
        int cap = x->cap ? x->cap * 2 : 16;
        struct pd_bag_content *k = realloc(x->k, (size_t)cap * sizeof *k);
        if (!k)
            return PD_QS_HARD;
        x->k = k;
        x->cap = cap;
    }
    x->k[x->n++] = *c;
    return 0;
}

/* Bag event @p v inside the ingest transaction: a duplicate, a rejection
 * (unknown, empty or overfull bag; too much expansion for one request), or
 * stored and expanded into one scan per content. */
static pd_qs bag_event_tx(pd_db *db, struct batch *b, struct bev *v, int64_t now_ms)
{
    const struct pd_scan *s = &b->ev[v->index].s;
    struct pd_bag_event e;
    pd_qs qs = db->ops->bag_event_find(db, s->device_id, s->device_seq, &e);
    if (qs != PD_QS_NONE) {
        v->dup = qs > 0;
        return qs < 0 ? qs : PD_QS_NONE;
    }
    struct pd_bag bag;
    if ((qs = db->ops->bag_get(db, s->bag_no, &bag)) <= 0) {
        if (qs == PD_QS_NONE)
            bev_reject(v, PD_E_SCAN_BAG_UNKNOWN, "bag_no", NULL);
        return qs;
    }
    struct collect x = {0};
    qs = db->ops->bag_contents(db, s->bag_no, s->at_ms, PD_BAG_CAPACITY + 1, collect_cb, &x);
    if (qs < 0) {
        free(x.k);
        return qs;
    }
    char d[160];
    if (x.n == 0) {
        bev_reject(v, PD_E_SCAN_BAG_EMPTY, "bag_no", NULL);
    } else if (x.n > PD_BAG_CAPACITY) {
        snprintf(d, sizeof d, "the bag holds more than %d parcels", PD_BAG_CAPACITY);
        bev_reject(v, PD_E_SCAN_BAG_FULL, "bag_no", d);
    } else if (b->expanded + x.n > PD_BAG_EXPAND_MAX) {
        snprintf(d, sizeof d,
                 "the bag events of one batch expand into at most %d scans; send this one again",
                 PD_BAG_EXPAND_MAX);
        bev_reject(v, PD_E_SCAN_BATCH_TOO_LARGE, NULL, d);
    }
    if (v->err != PD_OK) {
        free(x.k);
        return PD_QS_NONE;
    }
    memset(&e, 0, sizeof e);
    snprintf(e.bag_no, sizeof e.bag_no, "%s", s->bag_no);
    e.type = (int)s->type;
    e.at_ms = s->at_ms;
    snprintf(e.node_code, sizeof e.node_code, "%s", s->node);
    snprintf(e.operator_, sizeof e.operator_, "%s", s->operator_);
    snprintf(e.device_id, sizeof e.device_id, "%s", s->device_id);
    e.device_seq = s->device_seq;
    snprintf(e.trip_no, sizeof e.trip_no, "%s", s->trip_no);
    snprintf(e.reason, sizeof e.reason, "%s", s->reason);
    e.expanded = x.n;
    e.received_ms = now_ms;
    if ((qs = db->ops->bag_event_insert(db, &e)) <= 0) {
        v->dup = qs == PD_QS_NONE; /* a concurrent re-send stored it first */
        free(x.k);
        return qs < 0 ? qs : PD_QS_NONE;
    }
    v->rows = malloc((size_t)x.n * sizeof *v->rows);
    v->rdup = calloc((size_t)x.n, sizeof *v->rdup);
    if (!v->rows || !v->rdup) {
        free(x.k);
        return PD_QS_HARD;
    }
    v->n_rows = x.n;
    char device[PD_SCAN_DEVICE_MAX + 1];
    snprintf(device, sizeof device, "bag/%s", s->bag_no);
    for (int i = 0; i < x.n; i++) {
        struct pd_scan one = *s;
        one.waybill_no = x.k[i].waybill_no;
        one.parcel_no = x.k[i].parcel_no;
        one.device_id = device;
        one.device_seq = e.id * 10000 + i;
        fill_row(&v->rows[i], &one, now_ms);
    }
    free(x.k);
    if ((qs = db->ops->scan_insert(db, v->rows, x.n, v->rdup)) < 0)
        return qs;
    v->expanded = (int)qs;
    b->expanded += v->expanded;
    if (s->type == PD_SCAN_UNBAG &&
        (qs = db->ops->bag_remove(db, s->bag_no, NULL, NULL, s->at_ms)) < 0)
        return qs;
    return PD_QS_ONE;
}

/* What the bag and unbag scans of the batch (the new ones) do to the bags,
 * then the bag events, in the batch's order. */
static pd_qs bags_tx(pd_db *db, struct batch *b)
{
    pd_qs qs;
    for (int r = 0; b->n_bagrows && r < b->n_rows; r++) {
        const struct pd_scan_row *row = &b->rows[r];
        if (b->dup[r])
            continue;
        if (row->type == PD_SCAN_BAG)
            qs = db->ops->bag_add(db, row);
        else if (row->type == PD_SCAN_UNBAG)
            qs = db->ops->bag_remove(db, row->bag_no, row->waybill_no, row->parcel_no, row->at_ms);
        else
            continue;
        if (qs < 0)
            return qs;
    }
    int64_t now = b->rows && b->n_rows ? b->rows[0].received_ms : pd_now_ms();
    for (int k = 0; k < b->n_bev; k++)
        if ((qs = bag_event_tx(db, b, &b->bev[k], now)) < 0)
            return qs;
    return PD_QS_ONE;
}

/* Room in fresh for @p n rows. */
static bool fresh_room(struct batch *b, int n)
{
    if (n <= b->fresh_cap)
        return true;
    const struct pd_scan_row **f = realloc(b->fresh, (size_t)n * sizeof *f);
    if (!f)
        return false;
    b->fresh = f;
    b->fresh_cap = n;
    return true;
}

static pd_qs ingest_tx(pd_db *db, void *cls)
{
    struct batch *b = cls;
    memset(b->dup, 0, (size_t)b->n_rows * sizeof *b->dup);
    /* A retried transaction starts the bag events afresh. */
    b->expanded = 0;
    for (int k = 0; k < b->n_bev; k++) {
        struct bev *v = &b->bev[k];
        free(v->rows);
        free(v->rdup);
        int index = v->index;
        memset(v, 0, sizeof *v);
        v->index = index;
    }
    /* Key look-ups and whole-batch arrays only: planned once, not per run. */
    pd_qs qs = db->ops->plan_generic(db);
    if (qs >= 0 && b->n_rows)
        qs = db->ops->scan_insert(db, b->rows, b->n_rows, b->dup);
    if (qs < 0)
        return qs;
    if ((b->n_bagrows || b->n_bev) && (qs = bags_tx(db, b)) < 0)
        return qs;
    /* Each waybill once with all its new events (the batch's and those its
     * bag events expanded into), in one order for every transaction, so
     * that two batches changing the same rows on PostgreSQL cannot deadlock. */
    if (!fresh_room(b, b->n_rows + b->expanded))
        return PD_QS_HARD;
    b->n_fresh = 0;
    for (int r = 0; r < b->n_rows; r++)
        if (!b->dup[r])
            b->fresh[b->n_fresh++] = &b->rows[r];
    for (int k = 0; k < b->n_bev; k++) {
        const struct bev *v = &b->bev[k];
        for (int i = 0; i < v->n_rows; i++)
            if (!v->rdup[i])
                b->fresh[b->n_fresh++] = &v->rows[i];
    }
    qsort(b->fresh, (size_t)b->n_fresh, sizeof *b->fresh, cmp_waybill);
    if (b->n_fresh && (qs = pd_tracking_add_events(b->rq->app, db, b->fresh, b->n_fresh)) < 0)
        return qs;
    return PD_QS_ONE;
}

/* Projection order: by waybill, then as the timeline orders events. */
static int cmp_projection(const void *a, const void *b)
{
    int c = cmp_waybill(a, b);
    return c ? c : pd_tracking_event_cmp(a, b);
}

pd_qs pd_api_scans_project(void *app, pd_db *db, const struct pd_scan_row *rows, int n)
{
    bool *dup = malloc((size_t)n * sizeof *dup);
    const struct pd_scan_row **fresh = malloc((size_t)n * sizeof *fresh);
    const struct pd_scan_row **round = malloc((size_t)n * sizeof *round);
    int *first = malloc(((size_t)n + 1) * sizeof *first); /* where each waybill's events begin */
    pd_qs qs = PD_QS_HARD;
    if (!dup || !fresh || !round || !first)
        goto out;
    if ((qs = db->ops->scan_insert(db, rows, n, dup)) < 0)
        goto out;
    /* The append refused keys stored already, so each event is new here;
     * dup only guards against a second copy of the log's rows. */
    int k = 0;
    for (int i = 0; i < n; i++)
        if (!dup[i])
            fresh[k++] = &rows[i];
    qsort(fresh, (size_t)k, sizeof *fresh, cmp_projection);
    int groups = 0, most = 0;
    for (int i = 0; i < k; i++)
        if (i == 0 || strcmp(fresh[i]->waybill_no, fresh[i - 1]->waybill_no) != 0)
            first[groups++] = i;
    first[groups] = k;
    for (int g = 0; g < groups; g++)
        if (first[g + 1] - first[g] > most)
            most = first[g + 1] - first[g];
    /* Merged one event per waybill at a time, in the timeline's order, so
     * that subscribers hear of every status a waybill passed through, as
     * they would had each event come alone (a pickup and a delivery
     * projected together still make two notices). */
    qs = PD_QS_NONE;
    for (int r = 0; r < most && qs >= 0; r++) {
        int m = 0;
        for (int g = 0; g < groups; g++)
            if (first[g] + r < first[g + 1])
                round[m++] = fresh[first[g] + r];
        qs = pd_tracking_add_events(app, db, round, m);
    }
out:
    free(dup);
    free(fresh);
    free(round);
    free(first);
    return qs < 0 ? qs : PD_QS_ONE;
}

struct capacity {
    struct batch *b;
    const char **bag; /* distinct bag numbers of the batch's bag scans */
    int *inside;      /* contents inside each now */
    int n;
};

static pd_qs capacity_tx(pd_db *db, void *cls)
{
    struct capacity *c = cls;
    for (int k = 0; k < c->n; k++) {
        struct pd_bag bag;
        pd_qs qs = db->ops->bag_get(db, c->bag[k], &bag);
        if (qs < 0)
            return qs;
        c->inside[k] = qs > 0 ? bag.inside : 0;
    }
    return PD_QS_ONE;
}

/* A bag holds at most PD_BAG_CAPACITY parcels: the bag scans of the batch
 * that would go past it are rejected before anything is stored. Counted
 * before the transaction, and conservatively (a scan of a parcel already
 * inside counts too); the expansion checks the bound again. Only batches
 * with bag scans read anything. */
static pd_qs bag_capacity_check(struct batch *b)
{
    int n = 0;
    for (int i = 0; i < b->n; i++)
        n += b->ev[i].err == PD_OK && !b->ev[i].bag_event && b->ev[i].s.type == PD_SCAN_BAG;
    if (!n)
        return PD_QS_NONE;
    struct capacity c = {.b = b};
    c.bag = malloc((size_t)n * sizeof *c.bag);
    c.inside = calloc((size_t)n, sizeof *c.inside);
    int *adds = calloc((size_t)n, sizeof *adds);
    pd_qs qs = PD_QS_HARD;
    if (!c.bag || !c.inside || !adds)
        goto out;
    for (int i = 0; i < b->n; i++) {
        const struct ev *e = &b->ev[i];
        if (e->err != PD_OK || e->bag_event || e->s.type != PD_SCAN_BAG)
            continue;
        int k = 0;
        while (k < c.n && strcmp(c.bag[k], e->s.bag_no) != 0)
            k++;
        if (k == c.n)
            c.bag[c.n++] = e->s.bag_no;
    }
    if ((qs = pd_tx_run(b->rq->app->store, "scans.bag_capacity", true, capacity_tx, &c)) < 0)
        goto out;
    for (int i = 0; i < b->n; i++) {
        struct ev *e = &b->ev[i];
        if (e->err != PD_OK || e->bag_event || e->s.type != PD_SCAN_BAG)
            continue;
        int k = 0;
        while (strcmp(c.bag[k], e->s.bag_no) != 0)
            k++;
        if (c.inside[k] + ++adds[k] > PD_BAG_CAPACITY) {
            char d[96];
            snprintf(d, sizeof d, "the bag holds %d parcels already; at most %d", c.inside[k],
                     PD_BAG_CAPACITY);
            reject(e, i, PD_E_SCAN_BAG_FULL, "bag_no", d);
        }
    }
out:
    free(c.bag);
    free(c.inside);
    free(adds);
    return qs;
}

/* ---- the answer ------------------------------------------------------------- */

static void put_rejected(pd_buf *out, bool *first, int index, pd_err err, const char *field,
                         const char *detail, bool en)
{
    pd_buf_puts(out, *first ? "{\"index\":" : ",{\"index\":");
    *first = false;
    pd_buf_i64(out, index);
    pd_buf_puts(out, ",\"error\":{\"code\":");
    pd_buf_json_cstr(out, pd_err_code(err));
    pd_buf_puts(out, ",\"message\":");
    const char *msg = pd_err_message(err, en ? "en" : "zh");
    if (detail && *detail) {
        char m[512];
        snprintf(m, sizeof m, "%s%s%s", msg, en ? ": " : "：", detail);
        pd_buf_json_cstr(out, m);
    } else {
        pd_buf_json_cstr(out, msg);
    }
    if (field && *field) {
        pd_buf_puts(out, ",\"field\":");
        pd_buf_json_cstr(out, field);
    }
    pd_buf_puts(out, "}}");
}

static int answer(struct batch *b)
{
    bool en = b->rq->lang && !strcmp(b->rq->lang, "en");
    pd_buf out = PD_BUF_INIT;
    pd_buf_puts(&out, "{\"accepted\":");
    pd_buf_i64(&out, b->accepted);
    pd_buf_puts(&out, ",\"duplicates\":");
    pd_buf_i64(&out, b->duplicates);
    if (b->n_bev) {
        pd_buf_puts(&out, ",\"expanded\":");
        pd_buf_i64(&out, b->expanded);
    }
    pd_buf_puts(&out, ",\"rejected\":[");
    bool first = true;
    for (int i = 0; i < b->n; i++)
        if (b->ev[i].err != PD_OK)
            put_rejected(&out, &first, i, b->ev[i].err, b->ev[i].field, b->ev[i].detail, en);
    char detail[96];
    snprintf(detail, sizeof detail, "at most %d events per batch; send this one again",
             PD_SCAN_BATCH_MAX);
    for (int i = 0; i < b->overflow; i++)
        put_rejected(&out, &first, b->n + i, PD_E_SCAN_BATCH_TOO_LARGE, NULL, detail, en);
    pd_buf_puts(&out, "]}");
    return pd_reply_buf_steal(b->rq, 200, NULL, &out);
}

static bool is_ndjson(const char *ct)
{
    while (*ct == ' ')
        ct++;
    static const char *const types[] = {"application/x-ndjson", "application/ndjson", NULL};
    for (int i = 0; types[i]; i++) {
        size_t n = strlen(types[i]);
        if (!strncasecmp(ct, types[i], n) && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' '))
            return true;
    }
    return false;
}

static bool is_json(const char *ct)
{
    while (*ct == ' ')
        ct++;
    return !strncasecmp(ct, "application/json", 16) &&
           (ct[16] == '\0' || ct[16] == ';' || ct[16] == ' ');
}

int pd_api_scans_create(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *ct = pd_req_header(rq, "Content-Type");
    bool ndjson = ct && is_ndjson(ct);
    if (ct && !ndjson && !is_json(ct))
        return pd_reply_err(rq, PD_E_CONTENT_TYPE, NULL,
                            "application/json (an array of events) or application/x-ndjson");
    if (rq->body.len == 0 || blank(rq->body.data, rq->body.len) ||
        !rq->body.data[strspn(rq->body.data, " \t\r\n")])
        return pd_reply_err(rq, PD_E_JSON_MALFORMED, NULL, "the body holds no events");

    struct batch b = {.rq = rq};
    char detail[200] = "";
    pd_err err = ndjson ? split_ndjson(&b, rq->body.data, rq->body.len)
                        : split_array(&b, rq->body.data, rq->body.len, detail);
    if (err != PD_OK) {
        batch_free(&b);
        if (err == PD_E_SCAN_BATCH_TOO_LARGE)
            snprintf(detail, sizeof detail, "more than %d events; send at most %d per batch",
                     PD_SCAN_BATCH_REFUSE, PD_SCAN_BATCH_MAX);
        return pd_reply_err(rq, err, NULL, detail[0] ? detail : NULL);
    }

    int64_t now = pd_now_ms();
    for (int i = 0; i < b.n; i++)
        if (b.ev[i].err == PD_OK && !decode_event(&b.ev[i], i, &rq->arena) &&
            rq->arena.overflowed) {
            batch_free(&b);
            return pd_reply_err(rq, PD_E_BODY_TOO_LARGE, NULL, NULL);
        }
    const struct pd_node_snapshot *nodes = pd_node_cache_acquire(rq->app->nodes);
    bool missing = false;
    for (int i = 0; i < b.n; i++)
        if (b.ev[i].err == PD_OK && b.ev[i].obj) {
            check_event(rq, &b.ev[i], i, nodes, now);
            missing |= b.ev[i].node_missing;
        }
    /* A node created moments ago (here or by another server) is not in the
     * snapshot yet: look once more before calling its code unknown. */
    if (missing && pd_node_cache_refresh_missing(rq->app->nodes)) {
        pd_node_cache_release(rq->app->nodes, nodes);
        nodes = pd_node_cache_acquire(rq->app->nodes);
        for (int i = 0; i < b.n; i++)
            if (b.ev[i].node_missing)
                check_event(rq, &b.ev[i], i, nodes, now);
    }
    pd_node_cache_release(rq->app->nodes, nodes);

    if (bag_capacity_check(&b) < 0) {
        batch_free(&b);
        return pd__reply_db_error(rq);
    }
    if (!make_rows(&b, now) || !fresh_room(&b, b.n_rows ? b.n_rows : 1)) {
        batch_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    }
    if (b.n_rows > 0 || b.n_bev > 0) {
        /* A deferred writer appends plain batches to the scan log; batches
         * with bag scans or bag events read and write bags, and run on scans
         * directly (the writer projects the log first). */
        struct pd_ingest *ing = rq->app->ingest;
        pd_qs qs = pd_ingest_deferred(ing) && !b.n_bagrows && !b.n_bev
                       ? pd_ingest_append(ing, b.rows, b.n_rows, b.dup)
                   : ing ? pd_ingest_run(ing, ingest_tx, &b, b.n_rows + b.n_bev)
                         : pd_tx_run(rq->app->store, "scans.ingest", false, ingest_tx, &b);
        if (qs < 0) {
            batch_free(&b);
            return pd__reply_db_error(rq);
        }
        for (int r = 0; r < b.n_rows; r++) {
            b.accepted += !b.dup[r];
            b.duplicates += b.dup[r];
        }
        for (int k = 0; k < b.n_bev; k++) {
            const struct bev *v = &b.bev[k];
            if (v->err != PD_OK)
                reject(&b.ev[v->index], v->index, v->err, v->field, v->detail);
            b.accepted += v->err == PD_OK && !v->dup;
            b.duplicates += v->err == PD_OK && v->dup;
        }
    }
    int ret = answer(&b);
    batch_free(&b);
    return ret;
}
