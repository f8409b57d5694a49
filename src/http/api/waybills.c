/*
 * /api/v1/waybills: taking orders (with Idempotency-Key), reading one by
 * waybill or parcel number, the list behind order search and the review
 * queue, edits under the lifecycle's rules, and the state moves submit,
 * approve, flag and cancel. The checks themselves live in order_intake.c;
 * this file is HTTP: numbers, scope, permissions, personal-data audit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/phone.h"
#include "core/privacy.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/order_intake.h"
#include "http/api/tracking_build.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/timeutil.h"

/* ---- shared by the waybill handlers (waybill_common.h) ----------------------- */

void pd__order_actor(struct pd_req *rq, struct pd_order_actor *a, char idem_actor[40])
{
    memset(a, 0, sizeof *a);
    pd_audit_for(&a->audit, rq, "", "waybill", NULL, 0, NULL);
    a->user_id = rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
    a->node_id = rq->who.node_id;
    if (rq->who.kind == PD_WHO_NONE) {
        a->idem_actor = NULL;
        return;
    }
    snprintf(idem_actor, 40, "%c:%lld", rq->who.kind == PD_WHO_USER ? 'u' : 'k',
             (long long)rq->who.id);
    a->idem_actor = idem_actor;
}

bool pd__waybill_no_parse(const char *arg, char out[PD_WB_NO_SIZE])
{
    char canon[PD_PARCEL_NO_SIZE];
    if (!pd_waybill_no_normalize(arg, canon))
        return false;
    if (strlen(canon) == PD_PARCEL_NO_LEN)
        return pd_parcel_no_parse(canon, out, NULL);
    memcpy(out, canon, PD_WB_NO_SIZE);
    return true;
}

bool pd__waybill_no_arg(struct pd_req *rq, const char *arg, char out[PD_WB_NO_SIZE])
{
    if (pd__waybill_no_parse(arg, out))
        return true;
    pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "no", NULL);
    return false;
}

static int copy_cb(void *cls, const struct pd_waybill *w)
{
    pd_waybill_copy_from(cls, w);
    return 0;
}

pd_qs pd__waybill_load(pd_db *db, struct pd_req *rq, const char *no, bool for_update,
                       struct pd_waybill_copy *out, bool *found)
{
    pd_waybill_copy_free(out);
    memset(out, 0, sizeof *out);
    *found = false;
    pd_qs qs = db->ops->waybill_get(db, no, for_update, copy_cb, out);
    if (qs <= 0)
        return qs;
    /* Outside the caller's network it does not exist (404, not 403), except
     * for the courier sent to collect it; a customer's system sees only the
     * orders it created itself. */
    *found = rq->who.kind == PD_WHO_NONE || pd_req_in_scope(rq, out->w.node_path) ||
             (rq->who.kind == PD_WHO_USER && out->w.courier_id == rq->who.id);
    if (*found && rq->who.kind == PD_WHO_APIKEY && rq->who.role == PD_ROLE_CUSTOMER_SYSTEM) {
        char mine[40];
        snprintf(mine, sizeof mine, "k:%lld", (long long)rq->who.id);
        *found = strcmp(out->w.idem_actor, mine) == 0;
    }
    return *found ? PD_QS_ONE : PD_QS_NONE;
}

int pd__reply_order_error(struct pd_req *rq, const struct pd_order_error *e)
{
    return pd_reply_err(rq, e->code, e->field[0] ? e->field : NULL,
                        e->detail[0] ? e->detail : NULL);
}

bool pd__personal_ok(struct pd_req *rq)
{
    return rq->who.kind == PD_WHO_APIKEY ||
           pd_app_role_has(rq->app, rq->who.role, PD_PERM_PERSONAL_DATA_READ);
}

/* ---- read one ------------------------------------------------------------------ */

struct read_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    bool personal, found;
    struct pd_waybill_copy c;
    json_t *out;
};

static pd_qs read_tx(pd_db *db, void *cls)
{
    struct read_tx *t = cls;
    json_decref(t->out);
    t->out = NULL;
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, false, &t->c, &t->found);
    if (qs <= 0)
        return qs;
    /* The courier sent to collect it must be able to call the sender. */
    bool courier = t->rq->who.kind == PD_WHO_USER && t->c.w.courier_id == t->rq->who.id;
    bool personal = t->personal || courier;
    t->out = pd_waybill_json(db, &t->c.w, personal);
    if (!t->out)
        return PD_QS_HARD;
    if (!personal || t->rq->who.kind != PD_WHO_USER)
        return PD_QS_ONE;
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "waybill.read_personal", "waybill", t->no, t->c.w.node_id,
                 "{\"fields\":[\"sender\",\"recipient\"]}");
    return db->ops->audit_insert(db, &a);
}

/* Answer the waybill @p no as the caller may see it (status @p status). */
int pd__reply_waybill(struct pd_req *rq, const char *no, unsigned status)
{
    struct read_tx t = {.rq = rq};
    memcpy(t.no, no, sizeof t.no);
    t.personal = pd__personal_ok(rq);
    /* Staff reads of personal data are written to the audit log; a courier
     * may be the assigned one, which only the row tells. */
    bool writes = rq->who.kind == PD_WHO_USER && (t.personal || rq->who.role == PD_ROLE_COURIER);
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.read", !writes, read_tx, &t);
    pd_waybill_copy_free(&t.c);
    if (qs < 0) {
        json_decref(t.out);
        return pd__reply_db_error(rq);
    }
    if (!t.found || !t.out) {
        json_decref(t.out);
        return pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, NULL, NULL);
    }
    return pd_reply_json_steal(rq, status, t.out);
}

int pd_api_waybills_get(struct pd_req *rq)
{
    char no[PD_WB_NO_SIZE];
    if (!pd__waybill_no_arg(rq, rq->args[0], no))
        return PD_HANDLED;
    return pd__reply_waybill(rq, no, 200);
}

/* ---- create -------------------------------------------------------------------- */

static bool idem_key_valid(const char *k)
{
    size_t n = strlen(k);
    if (n < 1 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++)
        if (k[i] < 0x21 || k[i] > 0x7e)
            return false;
    return true;
}

int pd_api_waybills_create(struct pd_req *rq)
{
    struct pd_order_actor who;
    char idem_actor[40];
    pd__order_actor(rq, &who, idem_actor);
    struct pd_order_opts opts = {0};
    char hash[PD_SHA256_HEX];
    const char *key = pd_req_header(rq, "Idempotency-Key");
    if (key) {
        if (!idem_key_valid(key))
            return pd_reply_err(rq, PD_E_IDEM_INVALID, "Idempotency-Key", NULL);
        pd_sha256_hex(rq->body.data ? rq->body.data : "", rq->body.len, hash);
        opts.idem_key = key;
        opts.idem_hash = hash;
    }
    if (!rq->json)
        return pd_reply_err(rq, PD_E_JSON_MALFORMED, NULL, NULL);
    /* The answer is built in the creating transaction: one commit per
     * order. The creator reading back what they just typed is no further
     * read of personal data (the waybill.create entry records it). */
    opts.want_answer = true;
    opts.personal_answer = pd__personal_ok(rq);
    struct pd_order_result res;
    pd_order_create(rq->app, rq->json, &who, &opts, &res);
    if (!res.ok)
        return res.qs < 0 && res.qs != PD_QS_ABORT ? pd__reply_db_error(rq)
                                                   : pd__reply_order_error(rq, &res.err);
    int r = pd_reply_json_steal(rq, 201, res.answer);
    if (res.replayed)
        pd_reply_header(rq, "Idempotent-Replayed", "true");
    return r;
}

/* The public "send a parcel" page: no login, limited per address; the order
 * belongs to the node serving the sender's district (node_areas), or to the
 * root of the network when no node lists it. */
struct root_ctx {
    int64_t id;
};

static int root_cb(void *cls, const struct pd_node *n)
{
    ((struct root_ctx *)cls)->id = n->id;
    return -100; /* the first node by path is the root: stop */
}

static pd_qs root_tx(pd_db *db, void *cls)
{
    pd_qs qs = db->ops->node_list(db, "/", root_cb, cls);
    return qs == -100 || qs >= 0 ? PD_QS_ONE : qs;
}

int pd_api_public_waybills_create(struct pd_req *rq)
{
    if (!pd_ratelimit_hit(rq->app->public_order_limit, rq->ip, pd_now_ms()))
        return pd_reply_err(rq, PD_E_RATE_LIMITED, NULL, NULL);
    struct root_ctx root = {0};
    if (pd_tx_run(rq->app->store, "root node", true, root_tx, &root) < 0 || !root.id)
        return pd__reply_db_error(rq);
    struct pd_order_actor who;
    char idem_actor[40];
    pd__order_actor(rq, &who, idem_actor);
    who.node_id = root.id;
    struct pd_order_opts opts = {.public_form = true, .node_by_area = true};
    if (!rq->json)
        return pd_reply_err(rq, PD_E_JSON_MALFORMED, NULL, NULL);
    opts.want_answer = true; /* masked: personal_answer stays false */
    struct pd_order_result res;
    pd_order_create(rq->app, rq->json, &who, &opts, &res);
    if (!res.ok)
        return res.qs < 0 && res.qs != PD_QS_ABORT ? pd__reply_db_error(rq)
                                                   : pd__reply_order_error(rq, &res.err);
    /* The public sees its number, price and promise, never the stored record. */
    json_t *body = json_pack("{s:s, s:O, s:O, s:O, s:O}", "waybill_no", res.waybill_no, "state",
                             json_object_get(res.answer, "state"), "total_fen",
                             json_object_get(res.answer, "total_fen"), "promise",
                             json_object_get(res.answer, "promise"), "parcels",
                             json_object_get(res.answer, "parcels"));
    json_decref(res.answer);
    return pd_reply_json_steal(rq, 201, body);
}

/* ---- list ---------------------------------------------------------------------- */

struct list_tx {
    struct pd_req *rq;
    struct pd_waybill_filter f;
    const char *no; /* exact number search: one get instead of a list */
    bool personal, audit;
    json_t *items;
    int64_t last_id;
    int n;
};

static int list_cb(void *cls, const struct pd_waybill *w)
{
    struct list_tx *t = cls;
    json_t *doc = json_loads(w->doc, 0, NULL);
    json_t *s = json_object_get(doc, "sender"), *r = json_object_get(doc, "recipient");
    json_t *all = json_loads(w->review, 0, NULL), *review;
    pd_review_split(all, &review, NULL); /* lists show the open doubts only */
    json_decref(all);
    char sn[PD_NAME_MAX] = "", rn[PD_NAME_MAX] = "", sp[32] = "", rp[32] = "";
    const char *sname = json_string_value(json_object_get(s, "name"));
    const char *rname = json_string_value(json_object_get(r, "name"));
    if (t->personal) {
        snprintf(sn, sizeof sn, "%s", sname ? sname : "");
        snprintf(rn, sizeof rn, "%s", rname ? rname : "");
        snprintf(sp, sizeof sp, "%s", w->sender_phone);
        snprintf(rp, sizeof rp, "%s", w->recipient_phone);
    } else {
        pd_mask_name(sname ? sname : "", sn, sizeof sn);
        pd_mask_name(rname ? rname : "", rn, sizeof rn);
        pd_mask_phone(w->sender_phone, sp, sizeof sp);
        pd_mask_phone(w->recipient_phone, rp, sizeof rp);
    }
    enum pd_order_state st = (enum pd_order_state)w->state;
    json_t *item = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:s, s:{s:s, s:s, s:O?}, s:{s:s, s:s, s:O?, s:O?}, "
        "s:I, s:I, s:o, s:o, s:o, s:o, s:i}",
        "waybill_no", w->waybill_no, "state", pd_order_state_name(st), "state_zh",
        pd_order_state_zh(st), "service", w->service, "channel", w->channel, "customer_ref",
        w->customer_ref, "customer_code", w->customer_code[0] ? w->customer_code : NULL, "node",
        w->node_code, "sender", "name", sn, "phone", sp, "city", json_object_get(s, "city"),
        "recipient", "name", rn, "phone", rp, "city", json_object_get(r, "city"), "district",
        json_object_get(r, "district"), "total_fen", (json_int_t)w->total_fen, "weight_g",
        (json_int_t)w->weight_g, "review", review ? review : json_array(), "created_at",
        pd__json_time(w->created_ms), "planned_pickup_at", pd__json_time(w->promised_pickup_ms),
        "promised_delivery_at", pd__json_time(w->promised_delivery_ms), "parcel_count", w->parcels);
    if (!item) {
        json_decref(doc);
        return PD_QS_HARD;
    }
    /* What a dispatcher needs to plan a pickup: the sender's district, the
     * street address (personal: in full only for those who may see it) and
     * the window the customer asked for. */
    json_t *si = json_object_get(item, "sender");
    json_object_set(si, "district", json_object_get(s, "district"));
    json_object_set_new(si, "address",
                        t->personal ? json_incref(json_object_get(s, "address")) : json_null());
    json_t *win = json_object_get(doc, "pickup_window");
    json_object_set(item, "pickup_window", win ? win : json_null());
    json_decref(doc);
    json_array_append_new(t->items, item);
    t->last_id = w->id;
    t->n++;
    return 0;
}

/* A list showing names and phones in full is a read of personal data: one
 * audit entry per request names the search and the numbers shown. */
static pd_qs audit_list_read(pd_db *db, struct list_tx *t)
{
    json_t *nos = json_array();
    size_t i;
    json_t *it;
    json_array_foreach(t->items, i, it) json_array_append(nos, json_object_get(it, "waybill_no"));
    json_t *d = json_pack("{s:s?, s:s?, s:s?, s:o}", "phone", t->f.phone, "customer_ref",
                          t->f.customer_ref, "no", t->no, "waybills", nos);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "waybill.list_personal", "waybill", NULL, t->rq->who.node_id, ds);
    pd_qs qs = db->ops->audit_insert(db, &a);
    free(ds);
    return qs;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    t->last_id = 0;
    pd_qs qs;
    if (!t->no) {
        qs = db->ops->waybill_list(db, &t->f, list_cb, t);
    } else {
        struct pd_waybill_copy c = {0};
        bool found = false;
        qs = pd__waybill_load(db, t->rq, t->no, false, &c, &found);
        if (qs > 0 && found)
            qs = list_cb(t, &c.w) < 0 ? PD_QS_HARD : PD_QS_ONE;
        pd_waybill_copy_free(&c);
    }
    if (qs < 0 || !t->audit || t->n == 0)
        return qs;
    return audit_list_read(db, t);
}

int pd_api_waybills_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"state", "phone",  "customer_ref", "no",   "from",
                                          "to",    "before", "limit",        "mine", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    /* Lists span every customer of a node: not for one customer's system. */
    if (rq->who.kind == PD_WHO_APIKEY && rq->who.role == PD_ROLE_CUSTOMER_SYSTEM)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL,
                            "a customer system reads its waybills by number");
    struct list_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path, .state = -1}};
    const char *state = pd_req_query(rq, "state");
    if (state) {
        enum pd_order_state st;
        if (!pd_order_state_parse(state, &st))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state", "unknown state");
        t.f.state = (int)st;
    }
    char phone[PD_PHONE_MAX];
    const char *ph = pd_req_query(rq, "phone");
    if (ph) {
        if (pd_phone_normalise(ph, phone, sizeof phone, NULL) != PD_OK)
            return pd_reply_err(rq, PD_E_PHONE_INVALID, "phone", NULL);
        t.f.phone = phone;
    }
    t.f.customer_ref = pd_req_query(rq, "customer_ref");
    char no[PD_WB_NO_SIZE];
    const char *qno = pd_req_query(rq, "no");
    if (qno) {
        if (!pd__waybill_no_arg(rq, qno, no))
            return PD_HANDLED;
        t.no = no;
    }
    int64_t limit = 0, before = 0;
    if (!pd__query_time(rq, "from", &t.f.from_ms) || !pd__query_time(rq, "to", &t.f.to_ms) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    /* mine=courier: the caller's own pickups, wherever the orders belong
     * (usually the parent branch of the courier's outlet). */
    const char *mine = pd_req_query(rq, "mine");
    if (mine) {
        if (strcmp(mine, "courier") != 0)
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "mine", "only mine=courier");
        if (rq->who.kind != PD_WHO_USER)
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "mine", "staff accounts only");
        t.f.courier_id = rq->who.id;
        t.f.node_path = "/";
    }
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.personal = pd__personal_ok(rq);
    t.audit = t.personal && rq->who.kind == PD_WHO_USER;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "waybill.list", !t.audit, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit && !t.no ? json_integer(t.last_id) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}

/* ---- edit ---------------------------------------------------------------------- */

struct patch_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    json_t *patch;
    int64_t version; /* 0 = not given */
    struct pd_order_actor who;
    struct pd_order_error err;
    struct pd_waybill_copy c;
    bool found, conflict;
};

static pd_qs patch_tx(pd_db *db, void *cls)
{
    struct patch_tx *t = cls;
    t->conflict = false;
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, true, &t->c, &t->found);
    if (qs <= 0)
        return qs;
    if (t->version && t->version != t->c.w.version) {
        t->conflict = true;
        return PD_QS_ABORT;
    }
    qs = pd_order_apply_patch(t->rq->app, db, &t->c.w, t->patch, &t->who, &t->err);
    if (qs == PD_QS_NONE) {
        t->conflict = true;
        return PD_QS_ABORT;
    }
    return qs;
}

int pd_api_waybills_patch(struct pd_req *rq)
{
    struct patch_tx t = {.rq = rq};
    if (!pd__waybill_no_arg(rq, rq->args[0], t.no))
        return PD_HANDLED;
    if (!json_is_object(rq->json))
        return pd_reply_err(rq, PD_E_JSON_NOT_OBJECT, NULL, NULL);
    t.patch = json_deep_copy(rq->json);
    json_t *v = json_object_get(t.patch, "version");
    if (v) {
        if (!json_is_integer(v) || json_integer_value(v) < 1) {
            json_decref(t.patch);
            return pd_reply_err(rq, PD_E_JSON_TYPE, "version", "a positive integer");
        }
        t.version = json_integer_value(v);
        json_object_del(t.patch, "version");
    }
    if (json_object_get(t.patch, "submit")) {
        json_decref(t.patch);
        return pd_reply_err(rq, PD_E_JSON_UNKNOWN_FIELD, "submit",
                            "use POST /api/v1/waybills/{no}/submit");
    }
    char idem_actor[40];
    pd__order_actor(rq, &t.who, idem_actor);
    t.who.reviewer = pd_app_role_has(rq->app, rq->who.role, PD_PERM_ORDERS_REVIEW);
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.update", false, patch_tx, &t);
    pd_waybill_copy_free(&t.c);
    json_decref(t.patch);
    if (qs == PD_QS_ABORT)
        return t.conflict ? pd_reply_err(rq, PD_E_WAYBILL_VERSION, "version", NULL)
                          : pd__reply_order_error(rq, &t.err);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, NULL, NULL);
    return pd__reply_waybill(rq, t.no, 200);
}

/* ---- state moves --------------------------------------------------------------- */

struct move_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    enum pd_order_event ev;
    const char *reason; /* flag, cancel; note for approve */
    struct pd_waybill_copy c;
    struct pd_order_error err;
    bool found;
};

static pd_qs move_tx(pd_db *db, void *cls)
{
    struct move_tx *t = cls;
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, true, &t->c, &t->found);
    if (qs <= 0)
        return qs;
    struct pd_waybill w = t->c.w;
    enum pd_order_state from = (enum pd_order_state)w.state, to;
    if (pd_order_transition(from, t->ev, &to) != PD_OK) {
        snprintf(t->err.detail, sizeof t->err.detail, "%s → %s", pd_order_state_name(from),
                 pd_order_event_name(t->ev));
        t->err.code = PD_E_ORDER_TRANSITION;
        return PD_QS_ABORT;
    }
    json_t *review = json_loads(w.review, 0, NULL);
    if (!review)
        review = json_array();
    if (t->ev == PD_ORDER_EV_APPROVE || t->ev == PD_ORDER_EV_SUBMIT) {
        /* The goods list may have changed since intake: prohibited goods are
         * refused at review too. */
        if (!pd_order_recheck_goods(t->rq->app, &w, &t->err)) {
            json_decref(review);
            return PD_QS_ABORT;
        }
    }
    if (t->ev == PD_ORDER_EV_SUBMIT && pd_review_open_count(review) > 0)
        pd_order_transition(from, PD_ORDER_EV_FLAG, &to); /* doubts found at intake */
    if (t->ev == PD_ORDER_EV_APPROVE) {
        /* The reviewer accepts every open doubt; they stay on record so an
         * edit does not raise them again (order_intake.h). */
        char at[PD_RFC3339_MAX];
        pd_time_format(pd_now_ms(), PD_CST_OFFSET_MIN, at);
        size_t i;
        json_t *r;
        json_array_foreach(review, i, r) if (!json_is_true(json_object_get(r, "accepted")))
        {
            json_object_set_new(r, "accepted", json_true());
            json_object_set_new(r, "accepted_by", json_string(t->rq->who.name));
            json_object_set_new(r, "accepted_at", json_string(at));
        }
    }
    if (t->ev == PD_ORDER_EV_FLAG)
        json_array_append_new(review,
                              json_pack("{s:s, s:n, s:s, s:s}", "code", "review.flagged", "field",
                                        "message", t->reason, "message_en", t->reason));
    if (t->ev == PD_ORDER_EV_CANCEL) {
        /* A courier on the way is called back: the task ends with the order. */
        struct pd_pickup_task task;
        qs = db->ops->pickup_get_open(db, w.id, &task);
        if (qs > 0)
            qs = db->ops->pickup_set_state(db, task.id, PD_PICKUP_CANCELLED, pd_now_ms());
        if (qs < 0) {
            json_decref(review);
            return qs;
        }
    }
    char *review_s = json_dumps(review, JSON_COMPACT);
    json_t *old_review = json_loads(t->c.w.review, 0, NULL);
    w.state = (int)to;
    w.review = review_s;
    w.updated_ms = pd_now_ms();
    qs = db->ops->waybill_update(db, &w, t->c.w.version);
    if (qs > 0) {
        json_t *d = json_pack("{s:s, s:s, s:s?, s:o}", "from", pd_order_state_name(from), "to",
                              pd_order_state_name(to), "reason", t->reason, "review_before",
                              old_review ? old_review : json_array());
        old_review = NULL;
        char action[48];
        snprintf(action, sizeof action, "waybill.%s", pd_order_event_name(t->ev));
        char *ds = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        struct pd_audit a;
        pd_audit_for(&a, t->rq, action, "waybill", w.waybill_no, w.node_id, ds);
        qs = db->ops->audit_insert(db, &a);
        free(ds);
        if (qs > 0) { /* a cancelled order shows "cancelled" in tracking */
            pd_qs tq = pd_tracking_rebuild(t->rq->app, db, w.waybill_no);
            if (tq < 0)
                qs = tq;
        }
    } else if (qs == PD_QS_NONE) {
        qs = PD_QS_SOFT; /* someone moved it meanwhile: run again on the new state */
    }
    json_decref(old_review);
    json_decref(review);
    free(review_s);
    return qs;
}

static int move(struct pd_req *rq, enum pd_order_event ev, bool reason_required)
{
    struct move_tx t = {.rq = rq, .ev = ev};
    if (!pd__waybill_no_arg(rq, rq->args[0], t.no))
        return PD_HANDLED;
    const char *reason = NULL;
    struct pd_spec spec[] = {
        pd_spec_str(ev == PD_ORDER_EV_APPROVE ? "note" : "reason", &reason,
                    reason_required ? PD_REQ : PD_OPT, 1, 500),
        pd_spec_end(),
    };
    if (rq->json || reason_required) { /* the body is optional unless a reason is needed */
        if (pd_json_parse(rq, spec) != PD_JSON_OK)
            return PD_HANDLED;
    }
    t.reason = reason;
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.move", false, move_tx, &t);
    pd_waybill_copy_free(&t.c);
    if (qs == PD_QS_ABORT)
        return pd__reply_order_error(rq, &t.err);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, NULL, NULL);
    return pd__reply_waybill(rq, t.no, 200);
}

int pd_api_waybills_submit(struct pd_req *rq)
{
    return move(rq, PD_ORDER_EV_SUBMIT, false);
}

int pd_api_waybills_approve(struct pd_req *rq)
{
    return move(rq, PD_ORDER_EV_APPROVE, false);
}

int pd_api_waybills_flag(struct pd_req *rq)
{
    return move(rq, PD_ORDER_EV_FLAG, true);
}

int pd_api_waybills_cancel(struct pd_req *rq)
{
    return move(rq, PD_ORDER_EV_CANCEL, true);
}

/* ---- history ------------------------------------------------------------------- */

struct history_tx {
    struct pd_req *rq;
    char no[PD_WB_NO_SIZE];
    struct pd_waybill_copy c;
    bool found;
    json_t *items;
};

static int history_cb(void *cls, const struct pd_audit *a)
{
    if (!strcmp(a->action, "waybill.read_personal"))
        return 0; /* who looked is in the audit log; the history is what changed */
    json_t *d = a->detail ? json_loads(a->detail, 0, NULL) : NULL;
    json_array_insert_new(cls, 0,
                          json_pack("{s:o, s:s, s:s, s:o}", "at", pd__json_time(a->at_ms), "actor",
                                    a->actor_name, "action", a->action, "detail",
                                    d ? d : json_null()));
    return 0;
}

static pd_qs history_tx(pd_db *db, void *cls)
{
    struct history_tx *t = cls;
    json_array_clear(t->items);
    pd_qs qs = pd__waybill_load(db, t->rq, t->no, false, &t->c, &t->found);
    if (qs <= 0)
        return qs;
    struct pd_audit_filter f = {.object_type = "waybill", .object_id = t->no, .limit = 1000};
    return db->ops->audit_list(db, &f, history_cb, t->items);
}

int pd_api_waybills_history(struct pd_req *rq)
{
    struct history_tx t = {.rq = rq};
    if (!pd__waybill_no_arg(rq, rq->args[0], t.no))
        return PD_HANDLED;
    t.items = json_array();
    pd_qs qs = pd_tx_run(rq->app->store, "waybill.history", true, history_tx, &t);
    pd_waybill_copy_free(&t.c);
    if (qs < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    if (!t.found) {
        json_decref(t.items);
        return pd_reply_err(rq, PD_E_WAYBILL_NOT_FOUND, NULL, NULL);
    }
    return pd_reply_json_steal(rq, 200, json_pack("{s:o}", "items", t.items));
}
