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
    [PD_REASON_DELAYED] = "快件延误",
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
static bool derive(struct pd_app *app, struct pd_tracking_data *d)
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
    const struct pd_node_snapshot *nodes = city ? pd_node_cache_acquire(app->nodes) : NULL;
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

static void put_time(pd_buf *b, int64_t ms)
{
    if (!ms) {
        pd_buf_puts(b, "null");
        return;
    }
    char t[PD_RFC3339_MAX];
    pd_buf_json_cstr(b, pd_time_format(ms, PD_CST_OFFSET_MIN, t));
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
        pd_buf_puts(b, "null");
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
    pd_buf_puts(b, "\"status\":");
    pd_buf_json_cstr(b, si->name);
    pd_buf_puts(b, ",\"status_zh\":");
    pd_buf_json_cstr(b, si->zh);
    pd_buf_puts(b, ",\"kuaidi100\":{\"state\":");
    pd_buf_i64(b, si->k100_state);
    pd_buf_puts(b, ",\"advanced\":");
    if (si->k100_advanced)
        pd_buf_i64(b, si->k100_advanced);
    else
        pd_buf_puts(b, "null");
    pd_buf_puts(b, "},\"aftership\":{\"tag\":");
    put_opt(b, si->as_tag);
    pd_buf_puts(b, ",\"subtag\":");
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

/* The one line a timeline shows for an event, in Chinese (the public page
 * is Chinese first). Signers are masked in the public view. */
static void describe(const struct pd_scan_row *e, const char *node_name, enum pd_tracking_view view,
                     bool personal, char *out, size_t n)
{
    char at[PD_NAME_MAX + 8] = "";
    if (node_name && *node_name)
        snprintf(at, sizeof at, "【%s】", node_name);
    char signer[PD_SCAN_TEXT_SIZE] = "";
    if (e->signer[0]) {
        if (view == PD_TRACKING_PUBLIC || (view == PD_TRACKING_STAFF && !personal))
            pd_mask_name(e->signer, signer, sizeof signer);
        else
            snprintf(signer, sizeof signer, "%s", e->signer);
    }
    const char *type_zh = pd_scan_type_zh((enum pd_scan_type)e->type);
    switch (e->type) {
    case PD_SCAN_PICKUP:
        snprintf(out, n, "%s快递员已揽收", at);
        break;
    case PD_SCAN_ARRIVAL:
        snprintf(out, n, "快件已到达%s", at);
        break;
    case PD_SCAN_DEPARTURE:
        snprintf(out, n, "快件已从%s发出", at);
        break;
    case PD_SCAN_STATION_ARRIVAL:
        snprintf(out, n, "快件已到达派送站%s", at);
        break;
    case PD_SCAN_OUT_FOR_DELIVERY:
        snprintf(out, n, "%s快递员正在派送", at);
        break;
    case PD_SCAN_DELIVERED:
        switch (e->signer_type) {
        case PD_SIGNER_PROXY:
            snprintf(out, n, "已签收，他人代签%s%s", signer[0] ? "：" : "", signer);
            break;
        case PD_SIGNER_LOCKER:
            snprintf(out, n, "已签收，已放入快递柜%s", at);
            break;
        case PD_SIGNER_STATION:
            snprintf(out, n, "已签收，由驿站%s代收", at);
            break;
        default:
            snprintf(out, n, "已签收%s%s", signer[0] ? "，签收人：" : "", signer);
        }
        break;
    case PD_SCAN_FAILED_ATTEMPT:
        snprintf(out, n, "派送未成功：%s", reason_text(e, view));
        break;
    case PD_SCAN_LOCKER_IN:
        snprintf(out, n, "快件已放入%s快递柜或驿站，请及时取件", at);
        break;
    case PD_SCAN_EXCEPTION:
        snprintf(out, n, "快件异常：%s", reason_text(e, view));
        break;
    case PD_SCAN_RETURN_START:
        snprintf(out, n, "快件退回中%s", at);
        break;
    case PD_SCAN_RETURNED:
        snprintf(out, n, "快件已退回寄件人");
        break;
    default: /* sort, bag, unbag, load, unload and any type added later */
        snprintf(out, n, "%s%s", at, type_zh ? type_zh : "");
    }
}

static void put_event(pd_buf *b, const struct pd_tracking_data *d, int i,
                      const struct pd_node_snapshot *nodes, enum pd_tracking_view view,
                      bool personal)
{
    const struct pd_scan_row *e = &d->ev[i];
    const struct pd_node_entry *node = pd_node_snapshot_find(nodes, e->node_code);
    enum pd_scan_type type = (enum pd_scan_type)e->type;
    char desc[1024];
    describe(e, node ? node->name : NULL, view, personal, desc, sizeof desc);
    pd_buf_puts(b, "{\"at\":");
    put_time(b, e->at_ms);
    pd_buf_puts(b, ",\"type\":");
    pd_buf_json_cstr(b, pd_scan_type_name(type));
    pd_buf_puts(b, ",\"type_zh\":");
    pd_buf_json_cstr(b, pd_scan_type_zh(type));
    if (view != PD_TRACKING_PUBLIC) { /* the public view keeps to what a timeline shows */
        pd_buf_puts(b, ",\"status\":");
        pd_buf_json_cstr(b, pd_status_info(d->ev_status[i])->name);
    }
    pd_buf_puts(b, ",\"parcel_no\":");
    put_opt(b, names_parcel(d, e) ? e->parcel_no : NULL);
    pd_buf_puts(b, ",\"node\":");
    put_opt(b, e->node_code);
    pd_buf_puts(b, ",\"node_name\":");
    put_opt(b, node ? node->name : NULL);
    pd_buf_puts(b, ",\"description\":");
    pd_buf_json_cstr(b, desc);
    if (view != PD_TRACKING_PUBLIC) {
        bool show_signer = view == PD_TRACKING_FULL || personal;
        char masked[PD_SCAN_TEXT_SIZE];
        pd_buf_puts(b, ",\"signer\":");
        put_opt(b, show_signer ? e->signer : pd_mask_name(e->signer, masked, sizeof masked));
        pd_buf_puts(b, ",\"signer_type\":");
        put_opt(b,
                e->signer_type ? pd_signer_type_name((enum pd_signer_type)e->signer_type) : NULL);
        pd_buf_puts(b, ",\"reason\":");
        put_opt(b, e->reason[0] ? reason_text(e, view) : NULL);
        pd_buf_puts(b, ",\"photo\":");
        put_opt(b, e->photo);
        pd_buf_puts(b, ",\"temperature_c\":");
        put_temperature(b, e);
        pd_buf_puts(b, ",\"operator\":");
        put_opt(b, e->operator_);
    }
    if (view == PD_TRACKING_STAFF) {
        pd_buf_puts(b, ",\"reason_code\":");
        put_opt(b, e->reason[0] ? pd_scan_reason_names[pd_scan_reason_parse(e->reason)] : NULL);
        pd_buf_puts(b, ",\"consent\":");
        pd_buf_puts(b, !e->has_consent ? "null" : e->consent ? "true" : "false");
        pd_buf_puts(b, ",\"bag_no\":");
        put_opt(b, e->bag_no);
        pd_buf_puts(b, ",\"trip_no\":");
        put_opt(b, e->trip_no);
        pd_buf_puts(b, ",\"device_id\":");
        put_opt(b, e->device_id);
        pd_buf_puts(b, ",\"device_seq\":");
        pd_buf_i64(b, e->device_seq);
        pd_buf_puts(b, ",\"received_at\":");
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

void pd_tracking_write(struct pd_app *app, const struct pd_tracking_data *d,
                       enum pd_tracking_view view, bool personal, int64_t now_ms, pd_buf *b)
{
    static const char *const view_names[] = {"public", "full", "staff"};
    const struct pd_node_snapshot *nodes = pd_node_cache_acquire(app->nodes);
    pd_buf_puts(b, "{\"waybill_no\":");
    pd_buf_json_cstr(b, d->waybill_no);
    pd_buf_puts(b, ",\"view\":");
    pd_buf_json_cstr(b, view_names[view]);
    pd_buf_putc(b, ',');
    put_status(b, d->status);
    pd_buf_puts(b, ",\"promised_delivery_at\":");
    put_time(b, d->has_order ? d->promised_ms : 0);
    pd_buf_puts(b, ",\"delivered_at\":");
    put_time(b, d->delivered_ms);
    if (view == PD_TRACKING_STAFF)
        put_staff_order(b, d, now_ms);
    pd_buf_puts(b, ",\"parcels\":[");
    for (int p = 0; p < d->n_parcels; p++) {
        const struct pd_tracking_parcel *pc = &d->parcels[p];
        pd_buf_puts(b, p ? ",{\"parcel_no\":" : "{\"parcel_no\":");
        pd_buf_json_cstr(b, pc->parcel_no);
        const struct pd_status_info *si = pd_status_info(pc->status);
        pd_buf_puts(b, ",\"status\":");
        pd_buf_json_cstr(b, si->name);
        pd_buf_puts(b, ",\"status_zh\":");
        pd_buf_json_cstr(b, si->zh);
        if (view != PD_TRACKING_PUBLIC) {
            pd_buf_puts(b, ",\"last_event_at\":");
            put_time(b, pc->last_event_ms);
        }
        pd_buf_putc(b, '}');
    }
    pd_buf_puts(b, "],\"events\":[");
    for (int i = 0; i < d->n_ev; i++) {
        if (i)
            pd_buf_putc(b, ',');
        put_event(b, d, i, nodes, view, personal);
    }
    pd_buf_puts(b, "]}");
    pd_node_cache_release(app->nodes, nodes);
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
    struct pd_tracking t;
    memset(&t, 0, sizeof t);
    snprintf(t.waybill_no, sizeof t.waybill_no, "%s", waybill_no);
    t.parcels = 1;
    t.status = PD_ST_INFO_RECEIVED;
    t.updated_ms = pd_now_ms();
    t.public_json = "{}";
    return db->ops->tracking_put(db, &t);
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
    if (qs <= 0) {
        pd_tracking_data_free(&d);
        return qs;
    }
    pd_buf b = PD_BUF_INIT;
    pd_buf_reserve(&b, 512 + 320 * (size_t)d.n_ev + 160 * (size_t)d.n_parcels);
    pd_tracking_write(app, &d, PD_TRACKING_PUBLIC, false, 0, &b);
    if (b.oom) {
        pd_error("tracking %s: out of memory", waybill_no);
        pd_buf_free(&b);
        pd_tracking_data_free(&d);
        return PD_QS_HARD;
    }
    struct pd_tracking t;
    memset(&t, 0, sizeof t);
    memcpy(t.waybill_no, d.waybill_no, sizeof t.waybill_no);
    t.has_order = d.has_order;
    t.order_state = d.order_state;
    t.parcels = d.has_order ? d.n_parcels : 1; /* store.h: 1 when no order yet */
    t.dest_division = d.dest_division;
    memcpy(t.service, d.service, sizeof t.service);
    memcpy(t.last4_sender, d.last4_sender, sizeof t.last4_sender);
    memcpy(t.last4_recipient, d.last4_recipient, sizeof t.last4_recipient);
    t.created_ms = d.created_ms;
    t.promised_ms = d.has_order ? d.promised_ms : 0;
    t.status = (int)d.status;
    t.events = d.n_ev;
    t.last_event_ms = d.last_event_ms;
    t.delivered_ms = d.delivered_ms;
    t.updated_ms = pd_now_ms();
    t.public_json = b.data;
    qs = db->ops->tracking_put(db, &t);
    change->new_status = (enum pd_status)t.status;
    change->last_event_ms = t.last_event_ms;
    if (qs >= 0 && d.has_order && (!change->had_row || change->old_status != d.status)) {
        struct pd_notify_event ev = {
            .waybill_no = d.waybill_no,
            .customer_code = d.customer_code,
            .node_path = d.node_path,
            .created_by = d.created_by,
            .status = d.status,
            .previous = change->had_row ? change->old_status : PD_ST__COUNT,
            /* an order's own change (taken, cancelled) happens now; a
             * scan's when it was scanned */
            .at_ms =
                d.last_event_ms && d.status != PD_ST_CANCELLED ? d.last_event_ms : t.updated_ms,
            .tracking_json = b.data,
        };
        qs = pd_notify_enqueue(app, db, &ev);
    }
    pd_buf_free(&b);
    pd_tracking_data_free(&d);
    return qs < 0 ? qs : PD_QS_ONE;
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
