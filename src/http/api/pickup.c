/*
 * Dispatch and pickup (DOMAIN.md §4): assigning a pickup task to a courier
 * (named by the dispatcher, or chosen automatically by area and capacity),
 * taking it back, the dispatcher's list of tasks with the late ones marked,
 * and the pickup inspection (收寄验视) that moves an order to picked_up:
 * goods checked, prohibited goods refused on the spot (the order is
 * cancelled and the inspection kept), re-weighing that re-prices the order
 * with the fee before and after in the audit trail.
 *
 * Area: nodes list the divisions they serve (node_areas); the automatic
 * choice looks first among the couriers of the node serving the pickup
 * district, then at or below the order's node, then up the tree within the
 * dispatcher's scope. A named courier must work at or below the order's
 * node, or above it when the order was taken higher up. Capacity: at most
 * PD_COURIER_CAPACITY open tasks per courier; the automatic choice takes the
 * least loaded courier below it (ties: the lowest user id, so it is stable).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/screening.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tracking_build.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/goods_list.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define PD_COURIER_CAPACITY 40
#define MAX_CANDIDATES      1000 /* the store's longest page of users */
#define LATE_GRACE_MS       0

static bool prefix_of(const char *prefix, const char *path)
{
    return strncmp(prefix, path, strlen(prefix)) == 0;
}

/* ---- choosing a courier ------------------------------------------------------ */

struct candidates {
    int64_t id[MAX_CANDIDATES];
    int64_t load[MAX_CANDIDATES];
    int n;
};

static int cand_cb(void *cls, const struct pd_user *u)
{
    struct candidates *c = cls;
    if (u->active && c->n < MAX_CANDIDATES) {
        c->id[c->n] = u->id;
        c->load[c->n++] = 0;
    }
    return 0;
}

static int load_cb(void *cls, int64_t courier, int64_t open)
{
    struct candidates *c = cls;
    for (int i = 0; i < c->n; i++)
        if (c->id[i] == courier)
            c->load[i] = open;
    return 0;
}

/* The least loaded courier at or below @p path under capacity; 0 when none. */
static pd_qs pick_courier(pd_db *db, const char *path, int64_t *out)
{
    struct candidates c = {0};
    struct pd_user_filter f = {.node_path = path, .role = PD_ROLE_COURIER, .limit = 1000};
    pd_qs qs = db->ops->user_list(db, &f, cand_cb, &c);
    if (qs < 0)
        return qs;
    qs = db->ops->pickup_load(db, path, load_cb, &c);
    if (qs < 0)
        return qs;
    *out = 0;
    int64_t best = PD_COURIER_CAPACITY;
    for (int i = 0; i < c.n; i++)
        if (c.load[i] < best) {
            best = c.load[i];
            *out = c.id[i];
        }
    return PD_QS_ONE;
}

/* The chain of nodes from @p path up to the root, nearest first: an order
 * taken at a branch is served by that branch's couriers; when it has none,
 * by the parent's subtree, and so on up to the caller's own scope. */
static pd_qs pick_near(pd_db *db, struct pd_req *rq, const char *path, int64_t *out)
{
    char p[PD_PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        if (pd_req_in_scope(rq, p) || prefix_of(p, rq->who.node_path)) {
            const char *scope = pd_req_in_scope(rq, p) ? p : rq->who.node_path;
            pd_qs qs = pick_courier(db, scope, out);
            if (qs < 0 || *out)
                return qs;
        }
        size_t n = strlen(p);
        if (n <= 1)
            return PD_QS_ONE;
        /* drop the last "id/" */
        p[n - 1] = '\0';
        char *slash = strrchr(p, '/');
        if (!slash)
            return PD_QS_ONE;
        slash[1] = '\0';
        if (strlen(p) < 2)
            return PD_QS_ONE;
    }
}

/* ---- assign / unassign -------------------------------------------------------- */

struct assign_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    const char *courier; /* username or NULL = automatic */
    bool unassign;
    struct pd_waybill_copy c;
    bool found;
    pd_err err;
    const char *field;
    char detail[96];
};

static pd_qs refuse(struct assign_tx *t, pd_err e, const char *field)
{
    t->err = e;
    t->field = field;
    return PD_QS_ABORT;
}

static pd_qs audit(pd_db *db, struct pd_req *rq, const char *action, const struct pd_waybill *w,
                   json_t *detail /* stolen */)
{
    char *d = json_dumps(detail, JSON_COMPACT);
    json_decref(detail);
    struct pd_audit a;
    pd_audit_for(&a, rq, action, "waybill", w->waybill_no, w->node_id, d);
    pd_qs qs = db->ops->audit_insert(db, &a);
    free(d);
    return qs;
}

static pd_qs assign_tx(pd_db *db, void *cls)
{
    struct assign_tx *t = cls;
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, true, &t->c, &t->found);
    if (qs <= 0)
        return qs;
    struct pd_waybill w = t->c.w;
    enum pd_order_state from = (enum pd_order_state)w.state, to;
    enum pd_order_event ev = t->unassign ? PD_ORDER_EV_UNASSIGN_PICKUP : PD_ORDER_EV_ASSIGN_PICKUP;
    if (pd_order_transition(from, ev, &to) != PD_OK) {
        snprintf(t->detail, sizeof t->detail, "%s → %s", pd_order_state_name(from),
                 pd_order_event_name(ev));
        return refuse(t, PD_E_ORDER_TRANSITION, NULL);
    }
    int64_t now = pd_now_ms();
    struct pd_user u = {0};
    if (t->unassign) {
        struct pd_pickup_task task;
        qs = db->ops->pickup_get_open(db, w.id, &task);
        if (qs < 0)
            return qs;
        if (qs > 0 && (qs = db->ops->pickup_set_state(db, task.id, PD_PICKUP_CANCELLED, now)) < 0)
            return qs;
        /* The audit entry names the courier called back. */
        if (w.courier_id && (qs = db->ops->user_get(db, w.courier_id, &u)) < 0)
            return qs;
        w.courier_id = 0;
    } else {
        int64_t courier = 0;
        if (t->courier) {
            qs = db->ops->user_get_by_name(db, t->courier, &u);
            if (qs < 0)
                return qs;
            bool near = qs > 0 && (prefix_of(w.node_path, u.node_path) ||
                                   prefix_of(u.node_path, w.node_path));
            if (qs == 0 || u.role != PD_ROLE_COURIER || !u.active || !near ||
                !pd_req_in_scope(t->rq, u.node_path))
                return refuse(t, PD_E_COURIER_INVALID, "courier");
            courier = u.id;
        } else {
            /* First the couriers of the node serving the pickup district,
             * then those nearest the order's own node. */
            struct pd_node area;
            qs = db->ops->node_for_division(db, w.origin_division, &area);
            if (qs < 0)
                return qs;
            if (qs > 0 && pd_req_in_scope(t->rq, area.path) &&
                (qs = pick_courier(db, area.path, &courier)) < 0)
                return qs;
            if (!courier && (qs = pick_near(db, t->rq, w.node_path, &courier)) < 0)
                return qs;
            if (!courier)
                return refuse(t, PD_E_COURIER_NONE, "courier");
            if ((qs = db->ops->user_get(db, courier, &u)) <= 0)
                return qs < 0 ? qs : PD_QS_HARD;
        }
        struct pd_pickup_task task = {
            .waybill_id = w.id,
            .courier_id = courier,
            .node_id = u.node_id,
            .area_division = w.origin_division,
            .state = PD_PICKUP_OPEN,
            .assigned_ms = now,
            .due_ms = w.pickup_to_ms ? w.pickup_to_ms : w.promised_pickup_ms,
            .assigned_by = t->rq->who.kind == PD_WHO_USER ? t->rq->who.id : 0,
        };
        if ((qs = db->ops->pickup_insert(db, &task)) < 0)
            return qs;
        w.courier_id = courier;
    }
    w.state = (int)to;
    w.updated_ms = now;
    qs = db->ops->waybill_update(db, &w, t->c.w.version);
    if (qs == PD_QS_NONE)
        return PD_QS_SOFT;
    if (qs < 0)
        return qs;
    return audit(db, t->rq, t->unassign ? "waybill.unassign_pickup" : "waybill.assign_pickup", &w,
                 json_pack("{s:s, s:s, s:s?, s:b}", "from", pd_order_state_name(from), "to",
                           pd_order_state_name(to), "courier", u.id ? u.username : NULL,
                           "automatic", !t->unassign && !t->courier));
}

static int assign(struct pd_req *rq, bool unassign)
{
    struct assign_tx t = {.rq = rq, .unassign = unassign};
    if (!pd__waybill_no_arg(rq, rq->args[0], t.no))
        return PD_HANDLED;
    if (!unassign && rq->json) {
        struct pd_spec spec[] = {
            pd_spec_str("courier", &t.courier, PD_OPT, 1, 64),
            pd_spec_end(),
        };
        if (pd_json_parse(rq, spec) != PD_JSON_OK)
            return PD_HANDLED;
    }
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.pickup", false, assign_tx, &t);
    pd_waybill_copy_free(&t.c);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, t.detail[0] ? t.detail : NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, NULL, NULL);
    return pd__reply_waybill(rq, t.no, 200);
}

int pd_api_pickup_assign(struct pd_req *rq)
{
    return assign(rq, false);
}

int pd_api_pickup_unassign(struct pd_req *rq)
{
    return assign(rq, true);
}

/* ---- the dispatcher's list ---------------------------------------------------- */

static const char *const task_states[] = {"open", "done", "cancelled", NULL};

struct tasks_tx {
    struct pd_pickup_filter f;
    const char *courier;
    bool courier_missing;
    int64_t now;
    json_t *items;
    int64_t last_id;
    int n;
};

static int task_cb(void *cls, const struct pd_pickup_task *k)
{
    struct tasks_tx *t = cls;
    bool late = k->state == PD_PICKUP_OPEN && k->due_ms && k->due_ms + LATE_GRACE_MS < t->now;
    json_t *item =
        json_pack("{s:I, s:s, s:{s:I, s:s}, s:s, s:o, s:o, s:o, s:b, s:i}", "id", (json_int_t)k->id,
                  "waybill_no", k->waybill_no, "courier", "id", (json_int_t)k->courier_id,
                  "display_name", k->courier_name, "state", task_states[k->state], "assigned_at",
                  pd__json_time(k->assigned_ms), "due_at", pd__json_time(k->due_ms), "done_at",
                  pd__json_time(k->done_ms), "late", late, "area_division", (int)k->area_division);
    if (!item)
        return PD_QS_HARD;
    json_array_append_new(t->items, item);
    t->last_id = k->id;
    t->n++;
    return 0;
}

static pd_qs tasks_tx(pd_db *db, void *cls)
{
    struct tasks_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    if (t->courier) {
        struct pd_user u;
        pd_qs qs = db->ops->user_get_by_name(db, t->courier, &u);
        if (qs < 0)
            return qs;
        if (qs == 0) {
            t->courier_missing = true;
            return PD_QS_NONE;
        }
        t->f.courier_id = u.id;
    }
    return db->ops->pickup_list(db, &t->f, task_cb, t);
}

int pd_api_pickup_tasks(struct pd_req *rq)
{
    static const char *const allowed[] = {"courier", "state", "late", "after", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct tasks_tx t = {.f = {.node_path = rq->who.node_path, .state = -1}, .now = pd_now_ms()};
    const char *st = pd_req_query(rq, "state");
    if (st) {
        int i = 0;
        while (task_states[i] && strcmp(task_states[i], st))
            i++;
        if (!task_states[i])
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state", "open, done or cancelled");
        t.f.state = i;
    }
    const char *late = pd_req_query(rq, "late");
    if (late) {
        if (strcmp(late, "true") && strcmp(late, "false"))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "late", "true or false");
        if (!strcmp(late, "true")) {
            t.f.state = PD_PICKUP_OPEN;
            t.f.due_before_ms = t.now - LATE_GRACE_MS;
        }
    }
    /* A courier sees their own tasks only. */
    if (rq->who.role == PD_ROLE_COURIER)
        t.courier = rq->who.name;
    else
        t.courier = pd_req_query(rq, "courier");
    int64_t after = 0, limit = 0;
    if (!pd__query_int(rq, "after", 1, INT64_MAX, 0, &after) ||
        !pd__query_int(rq, "limit", 1, 500, 100, &limit))
        return PD_HANDLED;
    t.f.after_id = after;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "pickup.list", true, tasks_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    if (t.courier_missing) {
        json_decref(t.items);
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "courier", "no such user");
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last_id) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_after", next));
}

/* ---- inspection ----------------------------------------------------------------- */

static const char *const packagings[] = {"ok", "repacked", "insufficient", NULL};

struct inspect_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    bool goods_ok, prohibited_found;
    const char *goods_name, *condition;
    int packaging;
    bool packaging_given;
    int64_t quantity, weight, len, wid, hei;
    struct pd_waybill_copy c;
    bool found, refused_goods;
    struct pd_order_error err;
};

static json_t *inspection_detail(const struct inspect_tx *t)
{
    return json_pack("{s:s?, s:s?, s:I, s:s?}", "goods_name", t->goods_name, "packaging",
                     t->packaging_given ? packagings[t->packaging] : NULL, "quantity",
                     (json_int_t)t->quantity, "condition", t->condition);
}

static pd_qs record_inspection(pd_db *db, const struct inspect_tx *t, const struct pd_waybill *w,
                               int64_t fee_after, int64_t weight_after, int64_t *id)
{
    json_t *d = inspection_detail(t);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_inspection in = {
        .waybill_id = w->id,
        .inspector_id = t->rq->who.kind == PD_WHO_USER ? t->rq->who.id : 0,
        .at_ms = pd_now_ms(),
        .goods_ok = t->goods_ok,
        .prohibited_found = t->prohibited_found || t->refused_goods,
        .weight_before_g = t->c.w.weight_g,
        .weight_after_g = weight_after,
        .fee_before_fen = t->c.w.total_fen,
        .fee_after_fen = fee_after,
        .detail = ds,
    };
    pd_qs qs = db->ops->inspection_insert(db, &in);
    free(ds);
    if (id)
        *id = in.id;
    return qs;
}

/* Prohibited goods found at the door: the order is cancelled, the inspection
 * and the task's end are kept, and the caller answers 422 after commit. */
static pd_qs refuse_at_door(pd_db *db, struct inspect_tx *t, struct pd_waybill *w)
{
    enum pd_order_state from = (enum pd_order_state)w->state, to;
    if (pd_order_transition(from, PD_ORDER_EV_CANCEL, &to) != PD_OK)
        return PD_QS_HARD;
    pd_qs qs = record_inspection(db, t, w, w->total_fen, w->weight_g, NULL);
    struct pd_pickup_task task;
    if (qs >= 0 && (qs = db->ops->pickup_get_open(db, w->id, &task)) > 0)
        qs = db->ops->pickup_set_state(db, task.id, PD_PICKUP_CANCELLED, pd_now_ms());
    if (qs < 0)
        return qs;
    w->state = (int)to;
    w->updated_ms = pd_now_ms();
    if ((qs = db->ops->waybill_update(db, w, t->c.w.version)) <= 0)
        return qs < 0 ? qs : PD_QS_SOFT;
    t->refused_goods = true;
    qs = audit(db, t->rq, "waybill.inspection_refused", w,
               json_pack("{s:s, s:s, s:s, s:o}", "from", pd_order_state_name(from), "to",
                         pd_order_state_name(to), "reason", "goods.prohibited", "inspection",
                         inspection_detail(t)));
    if (qs > 0) { /* tracking shows the cancellation */
        pd_qs tq = pd_tracking_rebuild(t->rq->app, db, w->waybill_no);
        if (tq < 0)
            qs = tq;
    }
    return qs;
}

static pd_qs inspect_tx(pd_db *db, void *cls)
{
    struct inspect_tx *t = cls;
    t->refused_goods = false;
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, true, &t->c, &t->found);
    if (qs <= 0)
        return qs;
    struct pd_waybill w = t->c.w;
    enum pd_order_state from = (enum pd_order_state)w.state, to;
    if (pd_order_transition(from, PD_ORDER_EV_PICK_UP, &to) != PD_OK) {
        t->err.code = PD_E_ORDER_TRANSITION;
        snprintf(t->err.detail, sizeof t->err.detail, "%s → pick_up", pd_order_state_name(from));
        return PD_QS_ABORT;
    }
    bool prohibited = t->prohibited_found;
    if (!prohibited && t->goods_name) {
        struct pd_goods_match m[4];
        void *ticket;
        const struct pd_screening *idx = pd_goods_list_acquire(t->rq->app->goods, &ticket);
        size_t n = pd_screening_check(idx, t->goods_name, m, 4);
        for (size_t i = 0; i < n && i < 4; i++)
            prohibited |= m[i].level == PD_GOODS_PROHIBITED;
        pd_goods_list_release(t->rq->app->goods, ticket);
    }
    if (!prohibited && !pd_order_recheck_goods(t->rq->app, &w, &t->err))
        prohibited = t->err.code == PD_E_GOODS_PROHIBITED;
    if (prohibited)
        return refuse_at_door(db, t, &w);

    char *quote = NULL, *doc = NULL;
    int64_t weight_after = w.weight_g;
    if (t->weight && (t->weight != w.weight_g || t->len)) {
        int64_t total = 0, charge = 0;
        if (!pd_order_requote(t->rq->app, db, &w, t->weight, t->len, t->wid, t->hei, &quote, &total,
                              &charge, &doc, &t->err))
            return PD_QS_ABORT;
        w.quote = quote;
        w.doc = doc;
        w.total_fen = total;
        w.chargeable_weight_g = charge;
        w.weight_g = weight_after = t->weight;
    }
    int64_t inspection_id = 0;
    qs = record_inspection(db, t, &w, w.total_fen, weight_after, &inspection_id);
    struct pd_pickup_task task;
    if (qs >= 0 && (qs = db->ops->pickup_get_open(db, w.id, &task)) > 0)
        qs = db->ops->pickup_set_state(db, task.id, PD_PICKUP_DONE, pd_now_ms());
    if (qs >= 0) {
        w.state = (int)to;
        w.updated_ms = pd_now_ms();
        qs = db->ops->waybill_update(db, &w, t->c.w.version);
        if (qs == PD_QS_NONE)
            qs = PD_QS_SOFT;
    }
    if (qs > 0 && quote)
        qs = audit(db, t->rq, "waybill.reweigh", &w,
                   json_pack("{s:I, s:I, s:I, s:I}", "weight_before_g", (json_int_t)t->c.w.weight_g,
                             "weight_after_g", (json_int_t)weight_after, "fee_before_fen",
                             (json_int_t)t->c.w.total_fen, "fee_after_fen",
                             (json_int_t)w.total_fen));
    if (qs > 0)
        qs = audit(db, t->rq, "waybill.pick_up", &w,
                   json_pack("{s:s, s:s, s:o}", "from", pd_order_state_name(from), "to",
                             pd_order_state_name(to), "inspection", inspection_detail(t)));
    /* Picked up at the door is the parcel's first scan: tracking shows it. */
    if (qs > 0) {
        pd_qs tq = pd_tracking_record_pickup(t->rq->app, db, w.waybill_no, t->rq->who.node_code,
                                             t->rq->who.name, inspection_id, pd_now_ms());
        if (tq < 0)
            qs = tq;
    }
    free(quote);
    free(doc);
    return qs;
}

int pd_api_pickup_inspection(struct pd_req *rq)
{
    struct inspect_tx t = {.rq = rq};
    if (!pd__waybill_no_arg(rq, rq->args[0], t.no))
        return PD_HANDLED;
    struct pd_spec spec[] = {
        pd_spec_bool("goods_ok", &t.goods_ok, PD_REQ),
        pd_spec_bool("prohibited_found", &t.prohibited_found, PD_REQ),
        pd_spec_str("goods_name", &t.goods_name, PD_OPT, 1, 100),
        pd_spec_enum("packaging", &t.packaging, PD_OPT, packagings),
        pd_spec_int("quantity", &t.quantity, PD_OPT, 1, 100000),
        pd_spec_str("condition", &t.condition, PD_OPT, 0, 500),
        pd_spec_int("weight_g", &t.weight, PD_OPT, 1, 1000000000),
        pd_spec_int("length_mm", &t.len, PD_OPT, 1, 20000),
        pd_spec_int("width_mm", &t.wid, PD_OPT, 1, 20000),
        pd_spec_int("height_mm", &t.hei, PD_OPT, 1, 20000),
        pd_spec_end(),
    };
    spec[3].present = &t.packaging_given;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if ((t.len || t.wid || t.hei) && !(t.len && t.wid && t.hei))
        return pd_reply_err(rq, PD_E_JSON_MISSING,
                            !t.len   ? "length_mm"
                            : !t.wid ? "width_mm"
                                     : "height_mm",
                            "give length, width and height together, or none");
    if (t.len && !t.weight)
        return pd_reply_err(rq, PD_E_JSON_MISSING, "weight_g", "re-measuring needs the weight");
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.inspection", false, inspect_tx, &t);
    pd_waybill_copy_free(&t.c);
    if (qs == PD_QS_ABORT)
        return pd__reply_order_error(rq, &t.err);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, NULL, NULL);
    if (t.refused_goods)
        return pd_reply_err(rq, PD_E_GOODS_PROHIBITED, "goods_name",
                            "refused at the pickup inspection; the order is cancelled");
    return pd__reply_waybill(rq, t.no, 200);
}

/* ---- couriers and their load ----------------------------------------------------- */

struct couriers_tx {
    struct pd_req *rq;
    json_t *items;
    struct candidates load;
};

static int courier_row_cb(void *cls, const struct pd_user *u)
{
    struct couriers_tx *t = cls;
    json_array_append_new(t->items, json_pack("{s:I, s:s, s:s, s:s, s:b, s:I}", "id",
                                              (json_int_t)u->id, "username", u->username,
                                              "display_name", u->display_name, "node", u->node_code,
                                              "active", u->active, "open_tasks", (json_int_t)0));
    if (t->load.n < MAX_CANDIDATES) {
        t->load.id[t->load.n] = u->id;
        t->load.load[t->load.n++] = 0;
    }
    return 0;
}

static pd_qs couriers_tx(pd_db *db, void *cls)
{
    struct couriers_tx *t = cls;
    json_array_clear(t->items);
    t->load.n = 0;
    struct pd_user_filter f = {
        .node_path = t->rq->who.node_path, .role = PD_ROLE_COURIER, .limit = 1000};
    pd_qs qs = db->ops->user_list(db, &f, courier_row_cb, t);
    if (qs < 0)
        return qs;
    if ((qs = db->ops->pickup_load(db, t->rq->who.node_path, load_cb, &t->load)) < 0)
        return qs;
    for (int i = 0; i < t->load.n; i++)
        json_object_set_new(json_array_get(t->items, (size_t)i), "open_tasks",
                            json_integer(t->load.load[i]));
    return PD_QS_ONE;
}

/* GET /api/v1/couriers: the couriers a dispatcher may send, with their open
 * pickups against the capacity, so the choice by area and load is visible. */
int pd_api_pickup_couriers(struct pd_req *rq)
{
    static const char *const allowed[] = {NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct couriers_tx t = {.rq = rq, .items = json_array()};
    if (pd_tx_run(rq->app->store, "couriers", true, couriers_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    return pd_reply_json_steal(
        rq, 200, json_pack("{s:o, s:i}", "items", t.items, "capacity", PD_COURIER_CAPACITY));
}
