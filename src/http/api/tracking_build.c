/*
 * The tracking row builder (tracking_build.h): reads a waybill's order and
 * events, derives the status of each parcel and the waybill's summary with
 * core/status.h (the table decides, this file only picks which events
 * concern which parcel and whether an arrival is in the recipient's city),
 * and writes the three views of a tracking answer straight into a buffer —
 * no JSON tree, because the public view is rebuilt for every waybill a scan
 * batch touches. It stores the public view in the tracking row; it does not
 * answer requests (tracking.c) or take scans (scans.c).
 *
 * Which events concern which parcel: an event naming a parcel concerns that
 * parcel; an event naming only the waybill concerns every parcel (a bag or
 * a vehicle carries them all). A parcel number beyond the order's count is
 * kept in the timeline but moves no status. Without an order (scans for a
 * number not taken yet) the parcels are the numbers the events name, or
 * the waybill alone.
 */
#include "http/api/tracking_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/privacy.h"
#include "core/scan.h"
#include "core/waybill_no.h"
#include "http/app.h"
#include "http/node_cache.h"
#include "http/notify.h"
#include "util/log.h"
#include "util/timeutil.h"

/* Chinese names of the reasons with a standard code (status.h enum order). */
static const char *const reason_zh[PD_REASON__COUNT] = {
    [PD_REASON_OTHER] = "其他原因",     [PD_REASON_UNREACHABLE] = "联系不上收件人",
    [PD_REASON_REFUSED] = "收件人拒收", [PD_REASON_ADDRESS] = "地址错误或超区",
    [PD_REASON_DAMAGED] = "快件破损",   [PD_REASON_LOST] = "快件丢失",
    [PD_REASON_MISSORT] = "快件错分",   [PD_REASON_PROHIBITED] = "发现违禁物品",
    [PD_REASON_DELAYED] = "快件延误",   [PD_REASON_NO_UPDATE] = "长时间未更新",
};

static bool delivered(enum pd_status st)
{
    return st == PD_ST_DELIVERED || st == PD_ST_DELIVERED_PROXY || st == PD_ST_DELIVERED_LOCKER;
}

/* The last four digits of the subscriber number: a landline's extension
 * ("0755-86001234-801") is not what a customer knows by heart. */
static void last4(const char *phone, char out[5])
{
    out[0] = '\0';
    if (!phone || !*phone)
        return;
    const char *start = phone, *end = phone + strlen(phone);
    const char *d1 = strchr(phone, '-');
    if (d1) {
        start = d1 + 1;
        const char *d2 = strchr(start, '-');
        if (d2)
            end = d2;
    }
    if (end - start < 4)
        return;
    memcpy(out, end - 4, 4);
    out[4] = '\0';
}

/* ---- loading ---------------------------------------------------------------- */

struct load_ctx {
    struct pd_tracking_data *d;
    int cap;
    bool oom;
};

static int waybill_cb(void *cls, const struct pd_waybill *w)
{
    struct pd_tracking_data *d = ((struct load_ctx *)cls)->d;
    d->has_order = true;
    d->order_state = w->state;
    d->parcel_count = w->parcels > 0 ? w->parcels : 1;
    d->dest_division = w->dest_division;
    snprintf(d->service, sizeof d->service, "%s", w->service);
    d->node_id = w->node_id;
    snprintf(d->node_code, sizeof d->node_code, "%s", w->node_code);
    snprintf(d->node_path, sizeof d->node_path, "%s", w->node_path);
    snprintf(d->customer_code, sizeof d->customer_code, "%s", w->customer_code);
    snprintf(d->created_by, sizeof d->created_by, "%s", w->idem_actor);
    last4(w->sender_phone, d->last4_sender);
    last4(w->recipient_phone, d->last4_recipient);
    d->created_ms = w->created_ms;
    d->promised_ms = w->promised_delivery_ms;
    return 0;
}

static int scan_cb(void *cls, const struct pd_scan_row *s)
{
    struct load_ctx *l = cls;
    struct pd_tracking_data *d = l->d;
    if (d->n_ev == l->cap) {
        int cap = l->cap ? 2 * l->cap : 16;
        struct pd_scan_row *ev = realloc(d->ev, (size_t)cap * sizeof *ev);
        if (!ev) {
            l->oom = true;
            return PD_QS_HARD;
        }
        d->ev = ev;
        l->cap = cap;
    }
    d->ev[d->n_ev++] = *s;
    return 0;
}

/* Index of the parcel an event names, or -1 (every parcel: "" or the
 * waybill's own number; or no parcel of this waybill). */
static int parcel_index(const struct pd_tracking_data *d, const char *parcel_no)
{
    if (!parcel_no[0] || !strcmp(parcel_no, d->waybill_no))
        return -1;
    if (d->has_order) {
        char master[PD_WAYBILL_NO_SIZE];
        int seq = 0;
        if (!pd_parcel_no_parse(parcel_no, master, &seq) || strcmp(master, d->waybill_no) != 0 ||
            seq < 1 || seq > d->n_parcels)
            return -2;
        return seq - 1;
    }
    for (int i = 0; i < d->n_parcels; i++)
        if (!strcmp(d->parcels[i].parcel_no, parcel_no))
            return i;
    return -2;
}

static bool names_parcel(const struct pd_tracking_data *d, const struct pd_scan_row *e)
{
    return e->parcel_no[0] && strcmp(e->parcel_no, d->waybill_no) != 0;
}

/* The parcels: the order's, numbered as core/waybill_no numbers them; or,
 * without an order, the distinct numbers the events name (else the
 * waybill alone). */
static bool make_parcels(struct pd_tracking_data *d)
{
    int n = d->has_order ? d->parcel_count : 0;
    if (!d->has_order) {
        for (int i = 0; i < d->n_ev; i++)
            n += names_parcel(d, &d->ev[i]);
    }
    if (n < 1)
        n = 1;
    d->parcels = calloc((size_t)n, sizeof *d->parcels);
    if (!d->parcels)
        return false;
    if (d->has_order) {
        for (int i = 0; i < n; i++) {
            struct pd_tracking_parcel *p = &d->parcels[i];
            if (n == 1)
                snprintf(p->parcel_no, sizeof p->parcel_no, "%s", d->waybill_no);
            else if (!pd_parcel_no_format(d->waybill_no, i + 1, p->parcel_no))
                return false;
        }
        d->n_parcels = n;
        return true;
    }
    for (int i = 0; i < d->n_ev; i++) {
        const struct pd_scan_row *e = &d->ev[i];
        if (names_parcel(d, e) && parcel_index(d, e->parcel_no) < 0)
            snprintf(d->parcels[d->n_parcels++].parcel_no, sizeof d->parcels[0].parcel_no, "%s",
                     e->parcel_no);
    }
    if (d->n_parcels == 0)
        snprintf(d->parcels[d->n_parcels++].parcel_no, sizeof d->parcels[0].parcel_no, "%s",
                 d->waybill_no);
    return true;
}

static bool is_arrival(int type)
{
    return type == PD_SCAN_ARRIVAL || type == PD_SCAN_STATION_ARRIVAL;
}

/* Statuses per event, per parcel (rule 3: the last event that concerns
 * it), and the summary (rule 4). */
/* derive() with the node snapshot the caller holds (NULL: acquired here when
 * the destination city matters). */
static bool derive_with(struct pd_app *app, struct pd_tracking_data *d,
                        const struct pd_node_snapshot *held)
{
    if (!make_parcels(d))
        return false;
    d->ev_status = calloc((size_t)(d->n_ev ? d->n_ev : 1), sizeof *d->ev_status);
    int *last = malloc((size_t)d->n_parcels * sizeof *last);
    enum pd_status *sts = malloc((size_t)d->n_parcels * sizeof *sts);
    if (!d->ev_status || !last || !sts) {
        free(last);
        free(sts);
        return false;
    }
    for (int p = 0; p < d->n_parcels; p++)
        last[p] = -1;
    int last_all = -1;
    int32_t city = d->has_order && d->dest_division >= 100000 ? d->dest_division / 100 : 0;
    const struct pd_node_snapshot *nodes = held || !city ? held : pd_node_cache_acquire(app->nodes);
    for (int i = 0; i < d->n_ev; i++) {
        const struct pd_scan_row *e = &d->ev[i];
        bool at_dest = city && is_arrival(e->type) &&
                       pd_node_serves_city(pd_node_snapshot_find(nodes, e->node_code), city);
        d->ev_status[i] =
            pd_status_of_event((enum pd_scan_type)e->type, (enum pd_signer_type)e->signer_type,
                               pd_scan_reason_parse(e->reason), at_dest);
        int p = parcel_index(d, e->parcel_no);
        if (p == -1)
            last_all = i;
        else if (p >= 0)
            last[p] = i;
        if (e->at_ms > d->last_event_ms)
            d->last_event_ms = e->at_ms;
    }
    if (nodes != held)
        pd_node_cache_release(app->nodes, nodes);
    for (int p = 0; p < d->n_parcels; p++) {
        int li = last[p] > last_all ? last[p] : last_all;
        struct pd_tracking_parcel *pc = &d->parcels[p];
        if (li >= 0) {
            pc->status = d->ev_status[li];
            pc->last_event_ms = d->ev[li].at_ms;
        } else {
            pc->status = d->has_order && d->order_state == PD_ORDER_CANCELLED ? PD_ST_CANCELLED
                                                                              : PD_ST_INFO_RECEIVED;
        }
        sts[p] = pc->status;
    }
    d->status = pd_status_summary(sts, d->n_parcels);
    d->delivered_ms = 0;
    if (delivered(d->status))
        for (int p = 0; p < d->n_parcels; p++)
            if (d->parcels[p].last_event_ms > d->delivered_ms)
                d->delivered_ms = d->parcels[p].last_event_ms;
    free(last);
    free(sts);
    return true;
}

static bool derive(struct pd_app *app, struct pd_tracking_data *d)
{
    return derive_with(app, d, NULL);
}

pd_qs pd_tracking_load(struct pd_app *app, pd_db *db, const char *waybill_no,
                       struct pd_tracking_data *out)
{
    pd_tracking_data_free(out);
    snprintf(out->waybill_no, sizeof out->waybill_no, "%s", waybill_no);
    struct load_ctx l = {.d = out};
    pd_qs qs = db->ops->waybill_get(db, waybill_no, false, waybill_cb, &l);
    if (qs < 0)
        return qs;
    qs = db->ops->scan_list(db, waybill_no, scan_cb, &l);
    if (l.oom)
        return PD_QS_HARD;
    if (qs < 0)
        return qs;
    if (!out->has_order && out->n_ev == 0)
        return PD_QS_NONE;
    if (!derive(app, out)) {
        pd_error("tracking %s: out of memory", waybill_no);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

void pd_tracking_data_free(struct pd_tracking_data *d)
{
    free(d->ev);
    free(d->ev_status);
    free(d->parcels);
    memset(d, 0, sizeof *d);
}

/* ---- writing ---------------------------------------------------------------- */

/* Keys and other constant pieces are appended with pd_buf_lit (their length
 * known at compile time): strlen per piece, dozens per event, was a visible
 * share of the public look-up. */

static void put_time(pd_buf *b, int64_t ms)
{
    if (!ms) {
        pd_buf_lit(b, "null");
        return;
    }
    /* digits and punctuation only: nothing to escape */
    char t[PD_RFC3339_MAX];
    pd_time_format(ms, PD_CST_OFFSET_MIN, t);
    pd_buf_putc(b, '"');
    pd_buf_append(b, t, strlen(t));
    pd_buf_putc(b, '"');
}

/* A string member, or null when empty. */
static void put_opt(pd_buf *b, const char *s)
{
    pd_buf_json_cstr(b, s && *s ? s : NULL);
}

/* Milli-degrees as a JSON number with at most three decimals ("-18.2"). */
static void put_temperature(pd_buf *b, const struct pd_scan_row *e)
{
    if (!e->has_temperature) {
        pd_buf_lit(b, "null");
        return;
    }
    int64_t mc = e->temperature_mc;
    char t[32];
    int n = snprintf(t, sizeof t, "%s%lld.%03lld", mc < 0 ? "-" : "", (long long)(llabs(mc) / 1000),
                     (long long)(llabs(mc) % 1000));
    while (n > 0 && t[n - 1] == '0')
        t[--n] = '\0';
    if (n > 0 && t[n - 1] == '.')
        t[--n] = '\0';
    pd_buf_puts(b, t);
}

/* "status", "status_zh", "kuaidi100", "aftership" of @p st (no braces). */
static void put_status(pd_buf *b, enum pd_status st)
{
    const struct pd_status_info *si = pd_status_info(st);
    pd_buf_lit(b, "\"status\":");
    pd_buf_json_cstr(b, si->name);
    pd_buf_lit(b, ",\"status_zh\":");
    pd_buf_json_cstr(b, si->zh);
    pd_buf_lit(b, ",\"kuaidi100\":{\"state\":");
    pd_buf_i64(b, si->k100_state);
    pd_buf_lit(b, ",\"advanced\":");
    if (si->k100_advanced)
        pd_buf_i64(b, si->k100_advanced);
    else
        pd_buf_lit(b, "null");
    pd_buf_lit(b, "},\"aftership\":{\"tag\":");
    put_opt(b, si->as_tag);
    pd_buf_lit(b, ",\"subtag\":");
    put_opt(b, si->as_subtag);
    pd_buf_putc(b, '}');
}

/* The reason as a reader sees it: the standard reasons in Chinese; free
 * text only where it may be shown (it can name people). */
static const char *reason_text(const struct pd_scan_row *e, enum pd_tracking_view view)
{
    enum pd_scan_reason r = pd_scan_reason_parse(e->reason);
    if (r != PD_REASON_OTHER || view == PD_TRACKING_PUBLIC || !e->reason[0])
        return reason_zh[r] ? reason_zh[r] : "";
    return e->reason;
}

/* What an event's one-line description says, as the view shows it. */
struct desc {
    int type, signer_type;
    const char *node_name; /* NULL or "": no node */
    const char *signer;    /* masked or in full as the view shows it; "" none */
    const char *reason;    /* reason_text(): read for failed attempts and exceptions only */
};

/* Text from the data inside the description's JSON string. */
static void put_chars(pd_buf *b, const char *s)
{
    pd_buf_json_chars(b, s, strlen(s));
}

/* "【node name】", or nothing without a name. */
static void put_at(pd_buf *b, const char *node_name)
{
    if (!node_name || !*node_name)
        return;
    pd_buf_lit(b, "【");
    put_chars(b, node_name);
    pd_buf_lit(b, "】");
}

/* The "description" member: the one line a timeline shows for an event, in
 * Chinese (the public page is Chinese first), written straight into the
 * answer — the constant words need no escaping, the node name, signer and
 * reason are escaped where they stand. */
static void put_description(pd_buf *b, const struct desc *x)
{
    pd_buf_lit(b, ",\"description\":\"");
    switch (x->type) {
    case PD_SCAN_PICKUP:
        put_at(b, x->node_name);
        pd_buf_lit(b, "快递员已揽收");
        break;
    case PD_SCAN_ARRIVAL:
        pd_buf_lit(b, "快件已到达");
        put_at(b, x->node_name);
        break;
    case PD_SCAN_DEPARTURE:
        pd_buf_lit(b, "快件已从");
        put_at(b, x->node_name);
        pd_buf_lit(b, "发出");
        break;
    case PD_SCAN_STATION_ARRIVAL:
        pd_buf_lit(b, "快件已到达派送站");
        put_at(b, x->node_name);
        break;
    case PD_SCAN_OUT_FOR_DELIVERY:
        put_at(b, x->node_name);
        pd_buf_lit(b, "快递员正在派送");
        break;
    case PD_SCAN_DELIVERED:
        switch (x->signer_type) {
        case PD_SIGNER_PROXY:
            pd_buf_lit(b, "已签收，他人代签");
            if (x->signer[0]) {
                pd_buf_lit(b, "：");
                put_chars(b, x->signer);
            }
            break;
        case PD_SIGNER_LOCKER:
            pd_buf_lit(b, "已签收，已放入快递柜");
            put_at(b, x->node_name);
            break;
        case PD_SIGNER_STATION:
            pd_buf_lit(b, "已签收，由驿站");
            put_at(b, x->node_name);
            pd_buf_lit(b, "代收");
            break;
        default:
            pd_buf_lit(b, "已签收");
            if (x->signer[0]) {
                pd_buf_lit(b, "，签收人：");
                put_chars(b, x->signer);
            }
        }
        break;
    case PD_SCAN_FAILED_ATTEMPT:
        pd_buf_lit(b, "派送未成功：");
        put_chars(b, x->reason);
        break;
    case PD_SCAN_LOCKER_IN:
        pd_buf_lit(b, "快件已放入");
        put_at(b, x->node_name);
        pd_buf_lit(b, "快递柜或驿站，请及时取件");
        break;
    case PD_SCAN_EXCEPTION:
        pd_buf_lit(b, "快件异常：");
        put_chars(b, x->reason);
        break;
    case PD_SCAN_RETURN_START:
        pd_buf_lit(b, "快件退回中");
        put_at(b, x->node_name);
        break;
    case PD_SCAN_RETURNED:
        pd_buf_lit(b, "快件已退回寄件人");
        break;
    default: /* sort, bag, unbag, load, unload and any type added later */
        put_at(b, x->node_name);
        put_chars(b, pd_scan_type_zh((enum pd_scan_type)x->type));
    }
    pd_buf_putc(b, '"');
}

/* An event's first members: "{"at", "type", "type_zh" (the object stays open). */
static void put_event_open(pd_buf *b, int64_t at_ms, int type)
{
    pd_buf_lit(b, "{\"at\":");
    put_time(b, at_ms);
    pd_buf_lit(b, ",\"type\":");
    pd_buf_json_cstr(b, pd_scan_type_name((enum pd_scan_type)type));
    pd_buf_lit(b, ",\"type_zh\":");
    pd_buf_json_cstr(b, pd_scan_type_zh((enum pd_scan_type)type));
}

/* The members every view shows after the status: "parcel_no" (NULL: every
 * parcel), "node", "node_name", "description". */
static void put_event_where(pd_buf *b, const char *parcel_no, const char *node_code,
                            const struct desc *x)
{
    pd_buf_lit(b, ",\"parcel_no\":");
    put_opt(b, parcel_no);
    pd_buf_lit(b, ",\"node\":");
    put_opt(b, node_code);
    pd_buf_lit(b, ",\"node_name\":");
    put_opt(b, x->node_name);
    put_description(b, x);
}

static void put_event(pd_buf *b, const struct pd_tracking_data *d, int i,
                      const struct pd_node_snapshot *nodes, enum pd_tracking_view view,
                      bool personal)
{
    const struct pd_scan_row *e = &d->ev[i];
    const struct pd_node_entry *node = pd_node_snapshot_find(nodes, e->node_code);
    /* Signers are masked in the public view, and for staff without personal_data.read. */
    char masked[PD_SCAN_TEXT_SIZE] = "";
    const char *signer = e->signer;
    if (e->signer[0] && (view == PD_TRACKING_PUBLIC || (view == PD_TRACKING_STAFF && !personal)))
        signer = pd_mask_name(e->signer, masked, sizeof masked);
    struct desc x = {e->type, e->signer_type, node ? node->name : NULL, signer, ""};
    if (e->type == PD_SCAN_FAILED_ATTEMPT || e->type == PD_SCAN_EXCEPTION)
        x.reason = reason_text(e, view);
    put_event_open(b, e->at_ms, e->type);
    if (view != PD_TRACKING_PUBLIC) { /* the public view keeps to what a timeline shows */
        pd_buf_lit(b, ",\"status\":");
        pd_buf_json_cstr(b, pd_status_info(d->ev_status[i])->name);
    }
    put_event_where(b, names_parcel(d, e) ? e->parcel_no : NULL, e->node_code, &x);
    if (view != PD_TRACKING_PUBLIC) {
        bool show_signer = view == PD_TRACKING_FULL || personal;
        pd_buf_lit(b, ",\"signer\":");
        put_opt(b, show_signer ? e->signer : pd_mask_name(e->signer, masked, sizeof masked));
        pd_buf_lit(b, ",\"signer_type\":");
        put_opt(b,
                e->signer_type ? pd_signer_type_name((enum pd_signer_type)e->signer_type) : NULL);
        pd_buf_lit(b, ",\"reason\":");
        put_opt(b, e->reason[0] ? reason_text(e, view) : NULL);
        pd_buf_lit(b, ",\"photo\":");
        put_opt(b, e->photo);
        pd_buf_lit(b, ",\"temperature_c\":");
        put_temperature(b, e);
        pd_buf_lit(b, ",\"operator\":");
        put_opt(b, e->operator_);
    }
    if (view == PD_TRACKING_STAFF) {
        pd_buf_lit(b, ",\"reason_code\":");
        put_opt(b, e->reason[0] ? pd_scan_reason_names[pd_scan_reason_parse(e->reason)] : NULL);
        pd_buf_lit(b, ",\"consent\":");
        pd_buf_puts(b, !e->has_consent ? "null" : e->consent ? "true" : "false");
        pd_buf_lit(b, ",\"bag_no\":");
        put_opt(b, e->bag_no);
        pd_buf_lit(b, ",\"trip_no\":");
        put_opt(b, e->trip_no);
        pd_buf_lit(b, ",\"device_id\":");
        put_opt(b, e->device_id);
        pd_buf_lit(b, ",\"device_seq\":");
        pd_buf_i64(b, e->device_seq);
        pd_buf_lit(b, ",\"received_at\":");
        put_time(b, e->received_ms);
    }
    pd_buf_putc(b, '}');
}

static void put_staff_order(pd_buf *b, const struct pd_tracking_data *d, int64_t now_ms)
{
    pd_buf_puts(b, ",\"has_order\":");
    pd_buf_puts(b, d->has_order ? "true" : "false");
    pd_buf_puts(b, ",\"order\":");
    if (!d->has_order) {
        pd_buf_puts(b, "null");
    } else {
        enum pd_order_state st = (enum pd_order_state)d->order_state;
        pd_buf_puts(b, "{\"state\":");
        pd_buf_json_cstr(b, pd_order_state_name(st));
        pd_buf_puts(b, ",\"state_zh\":");
        pd_buf_json_cstr(b, pd_order_state_zh(st));
        pd_buf_puts(b, ",\"service\":");
        put_opt(b, d->service);
        pd_buf_puts(b, ",\"node\":");
        put_opt(b, d->node_code);
        pd_buf_puts(b, ",\"dest_district_code\":");
        char div[16];
        snprintf(div, sizeof div, "%06d", (int)d->dest_division);
        put_opt(b, d->dest_division ? div : NULL);
        pd_buf_puts(b, ",\"created_at\":");
        put_time(b, d->created_ms);
        pd_buf_putc(b, '}');
    }
    enum pd_risk risk = d->has_order ? pd_status_risk(d->status, d->promised_ms, d->delivered_ms,
                                                      now_ms, PD_TRACKING_RISK_MARGIN_MS)
                                     : PD_RISK_NONE;
    pd_buf_puts(b, ",\"risk\":");
    put_opt(b, risk == PD_RISK_NONE ? NULL : pd_risk_name(risk));
    /* ETA: the promise while it can still be kept; none once delivered
     * (delivered_at says when), none once late (no honest estimate). */
    pd_buf_puts(b, ",\"eta\":");
    put_time(b,
             d->delivered_ms || risk == PD_RISK_LATE || risk == PD_RISK_NONE ? 0 : d->promised_ms);
    pd_buf_puts(b, ",\"last_event_at\":");
    put_time(b, d->last_event_ms);
}

/* The answer's first members: "{"waybill_no", "view", the status members,
 * "promised_delivery_at", "delivered_at" (the object stays open). */
static void put_head(pd_buf *b, const char *waybill_no, enum pd_tracking_view view,
                     enum pd_status st, int64_t promised_ms, int64_t delivered_ms)
{
    static const char *const view_names[] = {"public", "full", "staff"};
    pd_buf_lit(b, "{\"waybill_no\":");
    pd_buf_json_cstr(b, waybill_no);
    pd_buf_lit(b, ",\"view\":");
    pd_buf_json_cstr(b, view_names[view]);
    pd_buf_putc(b, ',');
    put_status(b, st);
    pd_buf_lit(b, ",\"promised_delivery_at\":");
    put_time(b, promised_ms);
    pd_buf_lit(b, ",\"delivered_at\":");
    put_time(b, delivered_ms);
}

/* Parcel @p p of the "parcels" array. */
static void put_parcel(pd_buf *b, int p, const struct pd_tracking_parcel *pc,
                       enum pd_tracking_view view)
{
    if (p)
        pd_buf_putc(b, ',');
    pd_buf_lit(b, "{\"parcel_no\":");
    pd_buf_json_cstr(b, pc->parcel_no);
    const struct pd_status_info *si = pd_status_info(pc->status);
    pd_buf_lit(b, ",\"status\":");
    pd_buf_json_cstr(b, si->name);
    pd_buf_lit(b, ",\"status_zh\":");
    pd_buf_json_cstr(b, si->zh);
    if (view != PD_TRACKING_PUBLIC) {
        pd_buf_lit(b, ",\"last_event_at\":");
        put_time(b, pc->last_event_ms);
    }
    pd_buf_putc(b, '}');
}

/* pd_tracking_write with a node snapshot the caller holds. */
static void write_with(const struct pd_tracking_data *d, enum pd_tracking_view view, bool personal,
                       int64_t now_ms, pd_buf *b, const struct pd_node_snapshot *nodes)
{
    put_head(b, d->waybill_no, view, d->status, d->has_order ? d->promised_ms : 0, d->delivered_ms);
    if (view == PD_TRACKING_STAFF)
        put_staff_order(b, d, now_ms);
    pd_buf_lit(b, ",\"parcels\":[");
    for (int p = 0; p < d->n_parcels; p++)
        put_parcel(b, p, &d->parcels[p], view);
    pd_buf_lit(b, "],\"events\":[");
    for (int i = 0; i < d->n_ev; i++) {
        if (i)
            pd_buf_putc(b, ',');
        put_event(b, d, i, nodes, view, personal);
    }
    pd_buf_lit(b, "]}");
}

void pd_tracking_write(struct pd_app *app, const struct pd_tracking_data *d,
                       enum pd_tracking_view view, bool personal, int64_t now_ms, pd_buf *b)
{
    const struct pd_node_snapshot *nodes = pd_node_cache_acquire(app->nodes);
    write_with(d, view, personal, now_ms, b, nodes);
    pd_node_cache_release(app->nodes, nodes);
}

/* ---- the compact timeline -------------------------------------------------- */

/*
 * What the tracking row keeps of the events: exactly what the public view
 * writes and the derivation reads, so that the public answer is written
 * from the row alone and a new scan is merged into the row without reading
 * the order or the other events again (docs/tracking.md, "Ingestion").
 * Version 1, integers little-endian:
 *
 *   u8 version (1), u32 event count, then per event, oldest first:
 *   i64 at_ms, u8 type, u16 parcel (0 = the whole waybill, else the parcel
 *   number's sequence), u8 signer_type, u8 reason (0xFF = none, else enum
 *   pd_scan_reason), u8 length + node code, u8 length + signer (delivered
 *   events only; 0 otherwise)
 *
 * About 20 bytes plus the node code per event, where the public JSON took
 * 200. Free-text reasons are not kept: the public view shows only the
 * standard reasons ("其他原因" for the rest).
 */
#define TL_VERSION   1
#define TL_NO_REASON 0xFF

static void put_u8(pd_buf *b, unsigned v)
{
    unsigned char c = (unsigned char)v;
    pd_buf_append(b, &c, 1);
}

static void put_le(pd_buf *b, uint64_t v, int bytes)
{
    unsigned char t[8];
    for (int i = 0; i < bytes; i++)
        t[i] = (unsigned char)(v >> (8 * i));
    pd_buf_append(b, t, (size_t)bytes);
}

static void put_str8(pd_buf *b, const char *s)
{
    size_t n = strnlen(s, 255);
    put_u8(b, (unsigned)n);
    pd_buf_append(b, s, n);
}

/* The sequence of the parcel an event names: 0 for the whole waybill. */
static int parcel_seq(const struct pd_tracking_data *d, const struct pd_scan_row *e)
{
    if (!names_parcel(d, e))
        return 0;
    char master[PD_WAYBILL_NO_SIZE];
    int seq = 0;
    if (!pd_parcel_no_parse(e->parcel_no, master, &seq) || strcmp(master, d->waybill_no) != 0)
        return 0; /* scans.c stores only parcels of their waybill: not reached */
    return seq;
}

static void timeline_encode(const struct pd_tracking_data *d, pd_buf *b)
{
    pd_buf_reserve(b, 8 + (size_t)d->n_ev * 40);
    put_u8(b, TL_VERSION);
    put_le(b, (uint64_t)d->n_ev, 4);
    for (int i = 0; i < d->n_ev; i++) {
        const struct pd_scan_row *e = &d->ev[i];
        put_le(b, (uint64_t)e->at_ms, 8);
        put_u8(b, (unsigned)e->type);
        put_le(b, (uint64_t)parcel_seq(d, e), 2);
        put_u8(b, (unsigned)e->signer_type);
        put_u8(b, e->reason[0] ? (unsigned)pd_scan_reason_parse(e->reason) : TL_NO_REASON);
        put_str8(b, e->node_code);
        put_str8(b, e->type == PD_SCAN_DELIVERED ? e->signer : "");
    }
}

struct rd {
    const unsigned char *p, *end;
    bool bad;
};

static uint64_t get_le(struct rd *r, int bytes)
{
    if (r->end - r->p < bytes) {
        r->bad = true;
        return 0;
    }
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)r->p[i] << (8 * i);
    r->p += bytes;
    return v;
}

static void get_str8(struct rd *r, char *dst, size_t cap)
{
    size_t n = (size_t)get_le(r, 1);
    if (r->bad || (size_t)(r->end - r->p) < n || n >= cap) {
        r->bad = true;
        dst[0] = '\0';
        return;
    }
    memcpy(dst, r->p, n);
    dst[n] = '\0';
    r->p += n;
}

/* One event of a compact timeline, read in place. */
struct tl_event {
    int64_t at_ms;
    int type, signer_type;
    int seq;                        /* the parcel's sequence, 0 = the whole waybill */
    unsigned reason;                /* enum pd_scan_reason, or TL_NO_REASON */
    char parcel_no[PD_PCL_NO_SIZE]; /* formatted from seq; "" when 0 */
    char node_code[PD_CODE_MAX];
    char signer[PD_SCAN_TEXT_SIZE];
};

/* The version and the event count at the start of a stored timeline of
 * @p len bytes. false when unreadable (logged). */
static bool tl_header(struct rd *r, const char *waybill_no, size_t len, uint64_t *n)
{
    if (get_le(r, 1) != TL_VERSION) {
        pd_error("tracking %s: stored timeline of an unknown version", waybill_no);
        return false;
    }
    *n = get_le(r, 4);
    if (r->bad || *n > len) { /* every event takes more than a byte */
        pd_error("tracking %s: stored timeline is truncated", waybill_no);
        return false;
    }
    return true;
}

/* The next event of a timeline of @p waybill_no. false (r->bad) when it is
 * malformed: cut short, or a type, signer type, reason or parcel out of range. */
static bool tl_next(struct rd *r, const char *waybill_no, struct tl_event *e)
{
    e->at_ms = (int64_t)get_le(r, 8);
    e->type = (int)get_le(r, 1);
    e->seq = (int)get_le(r, 2);
    e->signer_type = (int)get_le(r, 1);
    e->reason = (unsigned)get_le(r, 1);
    get_str8(r, e->node_code, sizeof e->node_code);
    get_str8(r, e->signer, sizeof e->signer);
    e->parcel_no[0] = '\0';
    if (r->bad || e->type < 0 || e->type >= PD_SCAN__COUNT || e->signer_type < 0 ||
        e->signer_type >= PD_SIGNER__COUNT ||
        (e->reason != TL_NO_REASON && e->reason >= PD_REASON__COUNT) ||
        (e->seq && !pd_parcel_no_format(waybill_no, e->seq, e->parcel_no))) {
        r->bad = true;
        return false;
    }
    return true;
}

/* The reason code derivation reads: what pd_scan_reason_parse gives for the
 * reason a decoded row carries (its code's name, or "" for none). */
static enum pd_scan_reason tl_reason(unsigned reason)
{
    return reason == TL_NO_REASON ? PD_REASON_OTHER : (enum pd_scan_reason)reason;
}

/* Append the events of a stored timeline to d->ev (d->waybill_no set).
 * false on a malformed timeline (logged) or out of memory. */
static bool timeline_decode(struct pd_tracking_data *d, const unsigned char *p, size_t len,
                            int extra)
{
    struct rd r = {p, p + len, false};
    uint64_t n;
    if (!tl_header(&r, d->waybill_no, len, &n))
        return false;
    d->ev = malloc(((size_t)n + (size_t)extra + 1) * sizeof *d->ev);
    if (!d->ev)
        return false;
    struct tl_event t;
    for (uint64_t i = 0; i < n && tl_next(&r, d->waybill_no, &t); i++) {
        struct pd_scan_row *e = &d->ev[d->n_ev++];
        memset(e, 0, sizeof *e);
        memcpy(e->waybill_no, d->waybill_no, sizeof e->waybill_no);
        e->at_ms = t.at_ms;
        e->type = t.type;
        e->signer_type = t.signer_type;
        memcpy(e->parcel_no, t.parcel_no, sizeof e->parcel_no);
        memcpy(e->node_code, t.node_code, sizeof e->node_code);
        memcpy(e->signer, t.signer, sizeof e->signer);
        if (t.reason != TL_NO_REASON)
            snprintf(e->reason, sizeof e->reason, "%s", pd_scan_reason_names[t.reason]);
    }
    if (r.bad || r.p != r.end) {
        pd_error("tracking %s: stored timeline is malformed", d->waybill_no);
        return false;
    }
    return true;
}

/* The order's part of @p d from a stored row. */
static void data_from_row(struct pd_tracking_data *d, const struct pd_tracking *t)
{
    memcpy(d->waybill_no, t->waybill_no, sizeof d->waybill_no);
    d->has_order = t->has_order;
    d->order_state = t->order_state;
    d->parcel_count = t->parcels > 0 ? t->parcels : 1;
    d->dest_division = t->dest_division;
    memcpy(d->service, t->service, sizeof d->service);
    snprintf(d->customer_code, sizeof d->customer_code, "%s", t->customer_code);
    snprintf(d->node_path, sizeof d->node_path, "%s", t->node_path);
    snprintf(d->created_by, sizeof d->created_by, "%s", t->created_by);
    memcpy(d->last4_sender, t->last4_sender, sizeof d->last4_sender);
    memcpy(d->last4_recipient, t->last4_recipient, sizeof d->last4_recipient);
    d->created_ms = t->created_ms;
    d->promised_ms = t->promised_ms;
}

/*
 * The public answer straight from a stored row — the public look-up's path.
 * The compact timeline is read in place twice: a first pass checks every
 * event and derives the statuses, a second writes the events. Nothing is
 * decoded into scan rows (1.1 KB each, zeroed) or into a tracking_data
 * with four arrays of its own: the parcels' state is on the stack for up
 * to PUB_PARCELS parcels. The bytes are write_with's for the public view:
 * the members are written by the same functions, and the derivation is
 * derive_with's rule for rule, on the timeline's parcel sequences instead
 * of parcel numbers (tests/api/tracking_compact.test.mjs compares the
 * answer with one built from the order and the events).
 */

#define PUB_PARCELS 16

/* pd_node_snapshot_find remembering the last code asked: a timeline's
 * events come in runs at one node (arrival, sort, bag, load, departure). */
struct node_memo {
    char code[PD_CODE_MAX];
    const struct pd_node_entry *node;
};

static const struct pd_node_entry *memo_find(struct node_memo *m,
                                             const struct pd_node_snapshot *nodes, const char *code)
{
    if (strcmp(m->code, code) != 0) {
        memcpy(m->code, code, strlen(code) + 1); /* both PD_CODE_MAX */
        m->node = pd_node_snapshot_find(nodes, code);
    }
    return m->node;
}

/* A parcel while the public answer is derived. */
struct pub_parcel {
    int seq;           /* its number's sequence; 0 = the waybill's own number */
    int last;          /* index of the last event naming it, -1 none */
    enum pd_status st; /* that event's status */
    int64_t at_ms;     /* and its time */
};

bool pd_tracking_write_public_row(struct pd_app *app, const struct pd_tracking *t, pd_buf *b)
{
    if (!t->timeline)
        return false;
    const char *no = t->waybill_no;
    struct rd r = {t->timeline, t->timeline + t->timeline_len, false};
    uint64_t n;
    if (!tl_header(&r, no, t->timeline_len, &n))
        return false;
    const unsigned char *events = r.p;
    /* The order's parcels; without an order, the numbers the events name
     * (at most one per event) or else the waybill alone. */
    int cap = t->has_order ? (t->parcels > 0 ? t->parcels : 1) : (int)n + 1;
    struct pub_parcel small[PUB_PARCELS];
    enum pd_status small_st[PUB_PARCELS];
    struct pub_parcel *pp = small;
    enum pd_status *sts = small_st;
    if (cap > PUB_PARCELS) {
        pp = malloc((size_t)cap * sizeof *pp);
        sts = malloc((size_t)cap * sizeof *sts);
        if (!pp || !sts) {
            free(pp);
            free(sts);
            return false;
        }
    }
    int np = t->has_order ? cap : 0;
    for (int p = 0; p < np; p++)
        pp[p] = (struct pub_parcel){np == 1 ? 0 : p + 1, -1, PD_ST_INFO_RECEIVED, 0};
    struct pub_parcel all = {0, -1, PD_ST_INFO_RECEIVED, 0}; /* events for every parcel */

    /* One snapshot for both passes: taking it is the look-up's only lock. */
    const struct pd_node_snapshot *nodes = pd_node_cache_acquire(app->nodes);
    int32_t city = t->has_order && t->dest_division >= 100000 ? t->dest_division / 100 : 0;
    struct node_memo memo = {"", NULL}; /* "" is no node: find answers NULL */
    struct tl_event e;
    for (uint64_t i = 0; i < n && tl_next(&r, no, &e); i++) {
        bool at_dest = city && is_arrival(e.type) &&
                       pd_node_serves_city(memo_find(&memo, nodes, e.node_code), city);
        enum pd_status st =
            pd_status_of_event((enum pd_scan_type)e.type, (enum pd_signer_type)e.signer_type,
                               tl_reason(e.reason), at_dest);
        int p = -1; /* parcel_index(): -1 every parcel, -2 none of the order's */
        if (e.seq && t->has_order) {
            p = e.seq <= np ? e.seq - 1 : -2;
        } else if (e.seq) {
            for (p = 0; p < np && pp[p].seq != e.seq; p++)
                ;
            if (p == np) /* first named here: make_parcels lists them in this order */
                pp[np++] = (struct pub_parcel){e.seq, -1, PD_ST_INFO_RECEIVED, 0};
        }
        struct pub_parcel *to = p == -1 ? &all : p >= 0 ? &pp[p] : NULL;
        if (to) { /* the parcel keeps its sequence */
            to->last = (int)i;
            to->st = st;
            to->at_ms = e.at_ms;
        }
    }
    bool ok = !r.bad && r.p == r.end;
    if (!ok)
        pd_error("tracking %s: stored timeline is malformed", no);
    if (np == 0)
        pp[np++] = (struct pub_parcel){0, -1, PD_ST_INFO_RECEIVED, 0};

    /* Rules 3 and 4: each parcel's last event, the summary, delivered at. */
    enum pd_status none = t->has_order && t->order_state == PD_ORDER_CANCELLED
                              ? PD_ST_CANCELLED
                              : PD_ST_INFO_RECEIVED;
    for (int p = 0; p < np; p++) {
        const struct pub_parcel *src = pp[p].last > all.last ? &pp[p] : &all;
        pp[p].st = src->last >= 0 ? src->st : none;
        pp[p].at_ms = src->last >= 0 ? src->at_ms : 0;
        sts[p] = pp[p].st;
    }
    enum pd_status summary = pd_status_summary(sts, np);
    int64_t delivered_ms = 0;
    if (delivered(summary))
        for (int p = 0; p < np; p++)
            if (pp[p].at_ms > delivered_ms)
                delivered_ms = pp[p].at_ms;

    if (ok) {
        pd_buf_reserve(b, 512 + 320 * (size_t)n + 160 * (size_t)np);
        put_head(b, no, PD_TRACKING_PUBLIC, summary, t->has_order ? t->promised_ms : 0,
                 delivered_ms);
        pd_buf_lit(b, ",\"parcels\":[");
        for (int p = 0; p < np && ok; p++) {
            struct pd_tracking_parcel pc = {.status = pp[p].st, .last_event_ms = pp[p].at_ms};
            if (pp[p].seq == 0)
                memcpy(pc.parcel_no, no, sizeof t->waybill_no);
            else
                ok = pd_parcel_no_format(no, pp[p].seq, pc.parcel_no);
            put_parcel(b, p, &pc, PD_TRACKING_PUBLIC);
        }
        pd_buf_lit(b, "],\"events\":[");
        r.p = events;
        for (uint64_t i = 0; i < n && ok && tl_next(&r, no, &e); i++) {
            const struct pd_node_entry *node = memo_find(&memo, nodes, e.node_code);
            char masked[PD_SCAN_TEXT_SIZE] = "";
            if (e.signer[0])
                pd_mask_name(e.signer, masked, sizeof masked);
            enum pd_scan_reason rc = tl_reason(e.reason);
            struct desc x = {e.type, e.signer_type, node ? node->name : NULL, masked,
                             reason_zh[rc] ? reason_zh[rc] : ""};
            if (i)
                pd_buf_putc(b, ',');
            put_event_open(b, e.at_ms, e.type);
            put_event_where(b, e.parcel_no[0] ? e.parcel_no : NULL, e.node_code, &x);
            pd_buf_putc(b, '}');
        }
        pd_buf_lit(b, "]}");
        ok = ok && !r.bad && !b->oom;
    }
    pd_node_cache_release(app->nodes, nodes);
    if (pp != small) {
        free(pp);
        free(sts);
    }
    return ok;
}

/* ---- the row ---------------------------------------------------------------- */

/* PostgreSQL runs READ COMMITTED: two transactions rebuilding one number at
 * once would each read the events without the other's and the later write
 * would lose some. An upsert of the row first makes the second wait for the
 * first to commit; its later reads then see everything. SQLite writers are
 * serialised already (BEGIN IMMEDIATE). */
static pd_qs claim_row(pd_db *db, const char *waybill_no)
{
    if (strcmp(db->ops->backend, "postgresql") != 0)
        return PD_QS_ONE;
    static const unsigned char empty[] = {TL_VERSION, 0, 0, 0, 0};
    struct pd_tracking t;
    memset(&t, 0, sizeof t);
    snprintf(t.waybill_no, sizeof t.waybill_no, "%s", waybill_no);
    t.parcels = 1;
    t.status = PD_ST_INFO_RECEIVED;
    t.updated_ms = pd_now_ms();
    t.timeline = empty;
    t.timeline_len = sizeof empty;
    return db->ops->tracking_put(db, &t);
}

struct public_writer {
    struct pd_app *app;
    const struct pd_tracking_data *d;
};

static void write_public(void *cls, pd_buf *b)
{
    struct public_writer *pw = cls;
    pd_tracking_write(pw->app, pw->d, PD_TRACKING_PUBLIC, false, 0, b);
}

/* The row of @p d (derived), its timeline encoded into @p tl (which the
 * row borrows). false when out of memory. */
static bool fill_row(const struct pd_tracking_data *d, struct pd_tracking *t, pd_buf *tl)
{
    timeline_encode(d, tl);
    if (tl->oom)
        return false;
    memset(t, 0, sizeof *t);
    memcpy(t->waybill_no, d->waybill_no, sizeof t->waybill_no);
    t->has_order = d->has_order;
    t->order_state = d->order_state;
    t->parcels = d->has_order ? d->n_parcels : 1; /* store.h: 1 when no order yet */
    t->dest_division = d->dest_division;
    memcpy(t->service, d->service, sizeof t->service);
    memcpy(t->last4_sender, d->last4_sender, sizeof t->last4_sender);
    memcpy(t->last4_recipient, d->last4_recipient, sizeof t->last4_recipient);
    t->created_ms = d->created_ms;
    t->promised_ms = d->has_order ? d->promised_ms : 0;
    t->status = (int)d->status;
    t->events = d->n_ev;
    t->last_event_ms = d->last_event_ms;
    t->delivered_ms = d->delivered_ms;
    t->updated_ms = pd_now_ms();
    snprintf(t->customer_code, sizeof t->customer_code, "%s", d->customer_code);
    snprintf(t->node_path, sizeof t->node_path, "%s", d->node_path);
    snprintf(t->created_by, sizeof t->created_by, "%s", d->created_by);
    t->timeline = (const unsigned char *)tl->data;
    t->timeline_len = tl->len;
    return true;
}

/* Tell subscribers when the stored status changed from @p change->old_status.
 * The notice carries the public answer: written only when some subscriber
 * wants the event (pd_notify_enqueue decides). */
static pd_qs notify_change(struct pd_app *app, pd_db *db, const struct pd_tracking_data *d,
                           struct pd_tracking_change *change, int64_t updated_ms)
{
    change->new_status = d->status;
    change->last_event_ms = d->last_event_ms;
    if (!d->has_order || !app->notify || (change->had_row && change->old_status == d->status))
        return PD_QS_NONE;
    struct public_writer pw = {app, d};
    struct pd_notify_event ev = {
        .waybill_no = d->waybill_no,
        .customer_code = d->customer_code,
        .node_path = d->node_path,
        .created_by = d->created_by,
        .status = d->status,
        .previous = change->had_row ? change->old_status : PD_ST__COUNT,
        /* an order's own change (taken, cancelled) happens now; a scan's
         * when it was scanned */
        .at_ms = d->last_event_ms && d->status != PD_ST_CANCELLED ? d->last_event_ms : updated_ms,
        .write_tracking = write_public,
        .write_cls = &pw,
    };
    return pd_notify_enqueue(app, db, &ev);
}

/* Store @p d (derived) as the row, and tell subscribers of a change. */
static pd_qs store_row(struct pd_app *app, pd_db *db, const struct pd_tracking_data *d,
                       struct pd_tracking_change *change)
{
    pd_buf tl = PD_BUF_INIT;
    struct pd_tracking t;
    if (!fill_row(d, &t, &tl)) {
        pd_buf_free(&tl);
        return PD_QS_HARD;
    }
    pd_qs qs = db->ops->tracking_put(db, &t);
    pd_buf_free(&tl);
    if (qs >= 0)
        qs = notify_change(app, db, d, change, t.updated_ms);
    return qs < 0 ? qs : PD_QS_ONE;
}

static int old_row_cb(void *cls, const struct pd_tracking *t)
{
    struct pd_tracking_change *c = cls;
    c->had_row = true;
    c->old_status = (enum pd_status)t->status;
    return 0;
}

pd_qs pd_tracking_rebuild(struct pd_app *app, pd_db *db, const char *waybill_no)
{
    struct pd_tracking_change change;
    return pd_tracking_rebuild_ex(app, db, waybill_no, &change);
}

pd_qs pd_tracking_rebuild_ex(struct pd_app *app, pd_db *db, const char *waybill_no,
                             struct pd_tracking_change *change)
{
    memset(change, 0, sizeof *change);
    change->old_status = PD_ST_INFO_RECEIVED;
    /* Before the claim, which overwrites the row inside this transaction.
     * (On PostgreSQL a rebuild that then waits for another sees the status
     * from before that one: a notice may repeat a status, never lose one.) */
    pd_qs qs = db->ops->tracking_get(db, waybill_no, old_row_cb, change);
    if (qs < 0)
        return qs;
    if ((qs = claim_row(db, waybill_no)) < 0)
        return qs;
    struct pd_tracking_data d = {0};
    qs = pd_tracking_load(app, db, waybill_no, &d);
    if (qs > 0)
        qs = store_row(app, db, &d, change);
    pd_tracking_data_free(&d);
    return qs;
}

/* ---- new events, merged into the rows ----------------------------------------- */

#define MERGE_CHUNK 256 /* waybills per read and per write of their rows */

/* One waybill of a chunk: its new events, its row decoded, its new row. */
struct slot {
    const struct pd_scan_row **ev; /* its new events (a run of the caller's array) */
    int n;
    bool found, old_form;
    struct pd_tracking_change change;
    struct pd_tracking_data d;
    pd_buf tl;
};

struct chunk {
    struct slot *slot;
    const char **nos; /* ascending, as the caller's events are sorted */
    int n;
};

static int chunk_row_cb(void *cls, const struct pd_tracking *t)
{
    struct chunk *c = cls;
    int lo = 0, hi = c->n - 1, at = -1;
    while (lo <= hi) { /* the rows come in order; a search keeps this simple */
        int mid = (lo + hi) / 2, cmp = strcmp(c->nos[mid], t->waybill_no);
        if (!cmp) {
            at = mid;
            break;
        }
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    if (at < 0)
        return 0;
    struct slot *s = &c->slot[at];
    s->found = true;
    s->change.had_row = true;
    s->change.old_status = (enum pd_status)t->status;
    if (!t->timeline) {
        s->old_form = true;
        return 0;
    }
    data_from_row(&s->d, t);
    if (!timeline_decode(&s->d, t->timeline, t->timeline_len, s->n)) {
        /* Logged by the decoder. Built again from the order and the events,
         * the row mends itself rather than refusing every later scan. */
        pd_tracking_data_free(&s->d);
        snprintf(s->d.waybill_no, sizeof s->d.waybill_no, "%s", t->waybill_no);
        s->old_form = true;
    }
    return 0;
}

int pd_tracking_event_cmp(const void *a, const void *b)
{
    const struct pd_scan_row *x = *(const struct pd_scan_row *const *)a;
    const struct pd_scan_row *y = *(const struct pd_scan_row *const *)b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    if (x->received_ms != y->received_ms)
        return x->received_ms < y->received_ms ? -1 : 1;
    int c = strcmp(x->device_id, y->device_id);
    if (c)
        return c;
    return x->device_seq < y->device_seq ? -1 : x->device_seq > y->device_seq;
}

/* The stored events of @p s keep their order; each new one goes after every
 * stored event of the same time (it arrived later). */
static void merge_new(struct slot *s)
{
    struct pd_tracking_data *d = &s->d;
    qsort(s->ev, (size_t)s->n, sizeof *s->ev, pd_tracking_event_cmp);
    int i = d->n_ev - 1, k = s->n - 1, w = d->n_ev + s->n - 1;
    while (k >= 0) {
        if (i >= 0 && d->ev[i].at_ms > s->ev[k]->at_ms)
            d->ev[w--] = d->ev[i--];
        else
            d->ev[w--] = *s->ev[k--];
    }
    d->n_ev += s->n;
}

static void chunk_free(struct chunk *c)
{
    for (int k = 0; k < c->n; k++) {
        pd_tracking_data_free(&c->slot[k].d);
        pd_buf_free(&c->slot[k].tl);
    }
}

static pd_qs merge_chunk(struct pd_app *app, pd_db *db, struct chunk *c, struct pd_tracking *rows)
{
    pd_qs qs = db->ops->tracking_get_many(db, c->nos, c->n, true, chunk_row_cb, c);
    if (qs < 0)
        return qs;
    int m = 0;
    for (int k = 0; k < c->n; k++) {
        struct slot *s = &c->slot[k];
        /* No row yet (a number first seen now), one from before the compact
         * form or an unreadable one: built from the order and all the events. */
        if (!s->found || s->old_form) {
            if ((qs = pd_tracking_rebuild(app, db, c->nos[k])) < 0)
                return qs;
            continue;
        }
        merge_new(s);
        if (!derive(app, &s->d) || !fill_row(&s->d, &rows[m], &s->tl)) {
            pd_error("tracking %s: out of memory", c->nos[k]);
            return PD_QS_HARD;
        }
        m++;
    }
    if (m && (qs = db->ops->tracking_put_many(db, rows, m)) < 0)
        return qs;
    for (int k = 0, r = 0; k < c->n; k++) {
        struct slot *s = &c->slot[k];
        if (!s->found || s->old_form)
            continue;
        if ((qs = notify_change(app, db, &s->d, &s->change, rows[r++].updated_ms)) < 0)
            return qs;
    }
    return PD_QS_ONE;
}

pd_qs pd_tracking_add_events(struct pd_app *app, pd_db *db, const struct pd_scan_row **ev, int n)
{
    if (PD_BREAK(n >= 0 && (n == 0 || ev)))
        return PD_QS_HARD;
    struct slot *slot = calloc(MERGE_CHUNK, sizeof *slot);
    const char **nos = malloc(MERGE_CHUNK * sizeof *nos);
    struct pd_tracking *rows = malloc(MERGE_CHUNK * sizeof *rows);
    pd_qs qs = slot && nos && rows ? PD_QS_ONE : PD_QS_HARD;
    for (int i = 0; i < n && qs >= 0;) {
        struct chunk c = {slot, nos, 0};
        while (i < n && c.n < MERGE_CHUNK) {
            int end = i + 1;
            while (end < n && !strcmp(ev[end]->waybill_no, ev[i]->waybill_no))
                end++;
            struct slot *s = &slot[c.n];
            memset(s, 0, sizeof *s);
            s->ev = ev + i;
            s->n = end - i;
            s->change.old_status = PD_ST_INFO_RECEIVED;
            snprintf(s->d.waybill_no, sizeof s->d.waybill_no, "%s", ev[i]->waybill_no);
            nos[c.n++] = s->d.waybill_no;
            i = end;
        }
        qs = merge_chunk(app, db, &c, rows);
        chunk_free(&c);
    }
    free(slot);
    free(nos);
    free(rows);
    return qs;
}

pd_qs pd_tracking_record_pickup(struct pd_app *app, pd_db *db, const char *waybill_no,
                                const char *node_code, const char *operator_, int64_t inspection_id,
                                int64_t at_ms)
{
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.waybill_no, sizeof r.waybill_no, "%s", waybill_no);
    r.type = PD_SCAN_PICKUP;
    r.at_ms = at_ms;
    snprintf(r.node_code, sizeof r.node_code, "%s", node_code ? node_code : "");
    snprintf(r.operator_, sizeof r.operator_, "%s", operator_ ? operator_ : "");
    snprintf(r.device_id, sizeof r.device_id, "parceldesk-inspection");
    r.device_seq = inspection_id;
    r.received_ms = pd_now_ms();
    bool dup = false;
    pd_qs qs = db->ops->scan_insert(db, &r, 1, &dup);
    if (qs < 0)
        return qs;
    qs = pd_tracking_rebuild(app, db, waybill_no);
    return qs < 0 ? qs : PD_QS_ONE;
}
