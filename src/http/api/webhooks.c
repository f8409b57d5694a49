/*
 * /api/v1/webhooks: customers' webhook subscriptions and the delivery log
 * (docs/operations.md "Notifications", http/notify.h for what is sent).
 * Account managers and others holding `customers` set subscriptions up for
 * the waybills of their network subtree (optionally one customer's only);
 * a customer's system (an API key of role customer_system) manages its own,
 * which see only the waybills that key created. The secret is taken once
 * and never shown again. Deliveries are listed for the console's delivery
 * log, and a dead one (the dead-letter list) can be sent again.
 * This file neither queues nor sends: notify.c does.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/notify.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

/* Every active subscription is matched against every status change
 * (notify.c), so there is a ceiling; and one owner cannot take it all. */
#define MAX_SUBSCRIPTIONS 1000
#define MAX_PER_OWNER     50
#define MAX_LIST          500

static bool is_customer_system(const struct pd_req *rq)
{
    return rq->who.kind == PD_WHO_APIKEY && rq->who.role == PD_ROLE_CUSTOMER_SYSTEM;
}

/* Who may use these endpoints: holders of `customers`, and customer systems. */
static bool allowed(struct pd_req *rq)
{
    if (is_customer_system(rq) || pd_app_role_has(rq->app, rq->who.role, PD_PERM_CUSTOMERS))
        return true;
    pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, "needs the customers permission");
    return false;
}

static void owner_of(const struct pd_req *rq, char out[PD_NOTIFY_OWNER_SIZE])
{
    snprintf(out, PD_NOTIFY_OWNER_SIZE, "%c:%lld", rq->who.kind == PD_WHO_USER ? 'u' : 'k',
             (long long)rq->who.id);
}

/* A customer system sees its own subscriptions; staff, their subtree's. */
static bool visible(const struct pd_req *rq, const char *node_path, const char *owner)
{
    if (!pd_req_in_scope(rq, node_path))
        return false;
    if (!is_customer_system(rq))
        return true;
    char mine[PD_NOTIFY_OWNER_SIZE];
    owner_of(rq, mine);
    return strcmp(owner, mine) == 0;
}

static json_t *kinds_json(uint32_t mask)
{
    json_t *a = json_array();
    for (int k = 0; k < PD_NOTIFY__COUNT; k++)
        if (mask & PD_NOTIFY_BIT(k))
            json_array_append_new(a, json_string(pd_notify_kind_name((enum pd_notify_kind)k)));
    return a;
}

static json_t *webhook_json(const struct pd_webhook *w)
{
    return json_pack("{s:I, s:s, s:o, s:s?, s:s, s:s, s:o, s:b, s:o}", "id", (json_int_t)w->id,
                     "url", w->url, "kinds", kinds_json(w->kinds), "customer_code",
                     w->customer_code[0] ? w->customer_code : NULL, "node", w->node_code,
                     "created_by", w->owner, "created_at", pd__json_time(w->created_ms), "active",
                     w->deleted_ms == 0, "deleted_at", pd__json_time(w->deleted_ms));
}

static const char *const state_names[] = {"pending", "delivered", "dead", "cancelled", NULL};

static json_t *delivery_json(const struct pd_webhook_delivery *d)
{
    json_t *o = json_pack(
        "{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:o, s:o, s:o, s:o, s:o}", "id",
        (json_int_t)d->id, "webhook_id", (json_int_t)d->webhook_id, "url", d->url, "event_id",
        d->event_id, "kind", d->kind, "waybill_no", d->waybill_no, "state",
        d->state >= 0 && d->state <= PD_DELIVERY_CANCELLED ? state_names[d->state] : "unknown",
        "attempts", d->attempts, "next_try_at",
        d->state == PD_DELIVERY_PENDING ? pd__json_time(d->next_at_ms) : json_null(), "last_status",
        d->last_status ? json_integer(d->last_status) : json_null(), "last_error",
        d->last_error[0] ? json_string(d->last_error) : json_null(), "created_at",
        pd__json_time(d->created_ms), "done_at", pd__json_time(d->done_ms));
    return o;
}

/* ---- create ------------------------------------------------------------------ */

static bool secret_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7E)
            return false;
    return true;
}

struct create_tx {
    struct pd_req *rq;
    struct pd_webhook w;
    const char *node_code;
    char *detail;
    pd_err err;
    const char *field;
    const char *why;
};

struct count_ctx {
    const char *owner;
    int all, mine;
    int64_t last;
};

static int count_cb(void *cls, const struct pd_webhook *w)
{
    struct count_ctx *c = cls;
    c->all++;
    c->mine += strcmp(w->owner, c->owner) == 0;
    c->last = w->id;
    return 0;
}

struct cust_ctx {
    struct pd_req *rq;
    bool found;
};

static int cust_cb(void *cls, const struct pd_customer *c)
{
    struct cust_ctx *x = cls;
    x->found = pd_req_in_scope(x->rq, c->node_path);
    return 0;
}

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0 || !pd_req_in_scope(t->rq, n.path)) {
        t->err = PD_E_NODE_NOT_FOUND;
        t->field = "node";
        return PD_QS_ABORT;
    }
    t->w.node_id = n.id;
    snprintf(t->w.node_code, sizeof t->w.node_code, "%s", n.code);
    if (t->w.customer_code[0]) {
        struct cust_ctx x = {t->rq, false};
        if ((qs = db->ops->customer_get_by_code(db, t->w.customer_code, cust_cb, &x)) < 0)
            return qs;
        if (!x.found) {
            t->err = PD_E_CUSTOMER_UNKNOWN;
            t->field = "customer_code";
            return PD_QS_ABORT;
        }
    }
    struct count_ctx c = {.owner = t->w.owner};
    for (;;) {
        struct pd_webhook_filter f = {.node_path = "/", .after_id = c.last, .limit = 1000};
        if ((qs = db->ops->webhook_list(db, &f, count_cb, &c)) < 0)
            return qs;
        if (qs < 1000)
            break;
    }
    if (c.all >= MAX_SUBSCRIPTIONS || c.mine >= MAX_PER_OWNER) {
        t->err = PD_E_WEBHOOK_TOO_MANY;
        t->why = c.mine >= MAX_PER_OWNER ? "at most 50 per user or API key"
                                         : "at most 1000 in the whole network";
        return PD_QS_ABORT;
    }
    if ((qs = db->ops->webhook_insert(db, &t->w)) < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->w.id);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "webhook.create", "webhook", id, n.id, t->detail);
    return db->ops->audit_insert(db, &a);
}

/* kinds: a non-empty array of known kinds; into a bit mask. */
static bool parse_kinds(struct pd_req *rq, const json_t *kinds, uint32_t *mask)
{
    *mask = 0;
    if (!json_is_array(kinds)) {
        pd_reply_err(rq, PD_E_JSON_TYPE, "kinds", "an array of event kinds");
        return false;
    }
    if (json_array_size(kinds) == 0) {
        pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "kinds", "at least one event kind");
        return false;
    }
    size_t i;
    const json_t *v;
    json_array_foreach(kinds, i, v)
    {
        char field[32];
        snprintf(field, sizeof field, "kinds[%zu]", i);
        enum pd_notify_kind k;
        if (!json_is_string(v)) {
            pd_reply_err(rq, PD_E_JSON_TYPE, field, "a string");
            return false;
        }
        if (!pd_notify_kind_parse(json_string_value(v), &k)) {
            pd_reply_err(rq, PD_E_WEBHOOK_KIND_UNKNOWN, field,
                         "status_changed, delivered, failed_attempt, exception, delayed, returned");
            return false;
        }
        *mask |= PD_NOTIFY_BIT(k);
    }
    return true;
}

int pd_api_webhooks_create(struct pd_req *rq)
{
    if (!allowed(rq))
        return PD_HANDLED;
    const char *url = NULL, *secret = NULL, *customer = "", *node = rq->who.node_code;
    const json_t *kinds = NULL;
    struct pd_spec spec[] = {
        pd_spec_str("url", &url, PD_REQ, 1, 500),
        pd_spec_str_fmt("secret", &secret, PD_REQ, 16, 128, secret_ok),
        pd_spec_json("kinds", &kinds, PD_REQ),
        pd_spec_str_fmt("customer_code", &customer, PD_OPT, 2, 32, pd_node_code_valid),
        pd_spec_str_fmt("node", &node, PD_OPT, 2, 32, pd_node_code_valid),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    uint32_t mask;
    if (!parse_kinds(rq, kinds, &mask))
        return PD_HANDLED;
    char why[128];
    switch (pd_notify_url_check(url, rq->app->cfg.notify_allow_private, why)) {
    case PD_NOTIFY_URL_OK:
        break;
    case PD_NOTIFY_URL_PRIVATE:
        return pd_reply_err(rq, PD_E_WEBHOOK_URL_PRIVATE, "url", why);
    default:
        return pd_reply_err(rq, PD_E_WEBHOOK_URL_INVALID, "url", why);
    }
    struct create_tx t = {.rq = rq, .node_code = node};
    snprintf(t.w.url, sizeof t.w.url, "%s", url);
    snprintf(t.w.secret, sizeof t.w.secret, "%s", secret);
    snprintf(t.w.customer_code, sizeof t.w.customer_code, "%s", customer);
    t.w.kinds = mask;
    owner_of(rq, t.w.owner);
    /* The audit entry names the URL and kinds, never the secret. */
    json_t *d = json_pack("{s:s, s:o, s:s?}", "url", url, "kinds", kinds_json(mask),
                          "customer_code", customer[0] ? customer : NULL);
    t.detail = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    pd_qs qs = pd_tx_run(rq->app->store, "webhook.create", false, create_tx, &t);
    free(t.detail);
    memset(t.w.secret, 0, sizeof t.w.secret);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, t.why);
    if (qs < 0)
        return pd__reply_db_error(rq);
    pd_notify_subscriptions_changed(rq->app);
    return pd_reply_json_steal(rq, 201, webhook_json(&t.w));
}

/* ---- list and delete ----------------------------------------------------------- */

struct list_tx {
    struct pd_req *rq;
    struct pd_webhook_filter f;
    char owner[PD_NOTIFY_OWNER_SIZE];
    json_t *items;
    int64_t last;
    int n;
};

static int list_cb(void *cls, const struct pd_webhook *w)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, webhook_json(w));
    t->last = w->id;
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->webhook_list(db, &t->f, list_cb, t);
}

/* "true" or "false"; anything else is a 400 naming the parameter. */
static bool query_bool(struct pd_req *rq, const char *key, bool *out)
{
    const char *v = pd_req_query(rq, key);
    *out = false;
    if (!v || !strcmp(v, "false"))
        return true;
    if (!strcmp(v, "true")) {
        *out = true;
        return true;
    }
    pd_reply_err(rq, PD_E_QUERY_INVALID, key, "true or false");
    return false;
}

int pd_api_webhooks_list(struct pd_req *rq)
{
    static const char *const params[] = {"include_deleted", "after", "limit", NULL};
    if (!allowed(rq) || !pd__query_only(rq, params))
        return PD_HANDLED;
    struct list_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path}};
    int64_t after = 0, limit = 0;
    if (!query_bool(rq, "include_deleted", &t.f.include_deleted) ||
        !pd__query_int(rq, "after", 1, INT64_MAX, 0, &after) ||
        !pd__query_int(rq, "limit", 1, MAX_LIST, 100, &limit))
        return PD_HANDLED;
    if (is_customer_system(rq)) {
        owner_of(rq, t.owner);
        t.f.owner = t.owner;
    }
    t.f.after_id = after;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "webhook.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_after", next));
}

struct delete_tx {
    struct pd_req *rq;
    int64_t id;
    bool found;
};

static pd_qs delete_tx(pd_db *db, void *cls)
{
    struct delete_tx *t = cls;
    struct pd_webhook w;
    pd_qs qs = db->ops->webhook_get(db, t->id, &w);
    t->found = qs > 0 && w.deleted_ms == 0 && visible(t->rq, w.node_path, w.owner);
    if (qs < 0 || !t->found)
        return qs < 0 ? qs : PD_QS_NONE;
    if ((qs = db->ops->webhook_delete(db, t->id, pd_now_ms())) <= 0) {
        t->found = false; /* deleted by someone else meanwhile */
        return qs;
    }
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "webhook.delete", "webhook", t->rq->args[0], w.node_id, NULL);
    return db->ops->audit_insert(db, &a);
}

int pd_api_webhooks_delete(struct pd_req *rq)
{
    if (!allowed(rq))
        return PD_HANDLED;
    struct delete_tx t = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_WEBHOOK_NOT_FOUND, NULL, NULL);
    if (pd_tx_run(rq->app->store, "webhook.delete", false, delete_tx, &t) < 0)
        return pd__reply_db_error(rq);
    if (!t.found)
        return pd_reply_err(rq, PD_E_WEBHOOK_NOT_FOUND, NULL, NULL);
    pd_notify_subscriptions_changed(rq->app);
    return pd_reply_empty(rq, 204);
}

/* ---- deliveries ------------------------------------------------------------------- */

struct dlist_tx {
    struct pd_req *rq;
    struct pd_delivery_filter f;
    char owner[PD_NOTIFY_OWNER_SIZE];
    json_t *items;
    int64_t last;
    int n;
};

static int dlist_cb(void *cls, const struct pd_webhook_delivery *d)
{
    struct dlist_tx *t = cls;
    json_array_append_new(t->items, delivery_json(d));
    t->last = d->id;
    t->n++;
    return 0;
}

static pd_qs dlist_tx(pd_db *db, void *cls)
{
    struct dlist_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    return db->ops->delivery_list(db, &t->f, dlist_cb, t);
}

int pd_api_webhook_deliveries_list(struct pd_req *rq)
{
    static const char *const params[] = {"state", "webhook", "waybill_no", "before", "limit", NULL};
    if (!allowed(rq) || !pd__query_only(rq, params))
        return PD_HANDLED;
    struct dlist_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path, .state = -1}};
    const char *state = pd_req_query(rq, "state");
    if (state) {
        int i = 0;
        while (state_names[i] && strcmp(state_names[i], state) != 0)
            i++;
        if (!state_names[i])
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "state",
                                "pending, delivered, dead or cancelled");
        t.f.state = i;
    }
    int64_t hook = 0, before = 0, limit = 0;
    if (!pd__query_int(rq, "webhook", 1, INT64_MAX, 0, &hook) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, MAX_LIST, 100, &limit))
        return PD_HANDLED;
    const char *no = pd_req_query(rq, "waybill_no");
    if (no && (strlen(no) < 1 || strlen(no) >= PD_WB_NO_SIZE))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "waybill_no", "a waybill number");
    if (is_customer_system(rq)) {
        owner_of(rq, t.owner);
        t.f.owner = t.owner;
    }
    t.f.webhook_id = hook;
    t.f.waybill_no = no;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "webhook.deliveries", true, dlist_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}

struct one_tx {
    struct pd_req *rq;
    int64_t id;
    bool found, deleted;
    int state;
    int64_t node_id;
    json_t *out;
    json_t *log;
};

static int one_cb(void *cls, const struct pd_webhook_delivery *d)
{
    struct one_tx *t = cls;
    if (!visible(t->rq, d->node_path, d->owner))
        return 0;
    t->found = true;
    t->deleted = d->webhook_deleted;
    t->state = d->state;
    json_decref(t->out);
    t->out = delivery_json(d);
    /* The body exactly as signed and sent, as JSON for reading. */
    json_t *payload = d->body ? json_loads(d->body, 0, NULL) : NULL;
    json_object_set_new(t->out, "payload", payload ? payload : json_null());
    return 0;
}

static int attempt_cb(void *cls, const struct pd_webhook_attempt *a)
{
    struct one_tx *t = cls;
    json_array_append_new(t->log,
                          json_pack("{s:i, s:o, s:i, s:o, s:o}", "attempt", a->attempt, "at",
                                    pd__json_time(a->at_ms), "duration_ms", a->duration_ms,
                                    "status", a->status ? json_integer(a->status) : json_null(),
                                    "error", a->error[0] ? json_string(a->error) : json_null()));
    return 0;
}

static pd_qs one_tx(pd_db *db, void *cls)
{
    struct one_tx *t = cls;
    t->found = false;
    json_array_clear(t->log);
    pd_qs qs = db->ops->delivery_get(db, t->id, one_cb, t);
    if (qs < 0 || !t->found)
        return qs < 0 ? qs : PD_QS_NONE;
    return db->ops->delivery_attempts(db, t->id, attempt_cb, t);
}

int pd_api_webhook_deliveries_get(struct pd_req *rq)
{
    if (!allowed(rq))
        return PD_HANDLED;
    struct one_tx t = {.rq = rq, .log = json_array()};
    if (!pd__parse_id(rq->args[0], &t.id)) {
        json_decref(t.log);
        return pd_reply_err(rq, PD_E_DELIVERY_NOT_FOUND, NULL, NULL);
    }
    pd_qs qs = pd_tx_run(rq->app->store, "webhook.delivery", true, one_tx, &t);
    if (qs < 0 || !t.found) {
        json_decref(t.out);
        json_decref(t.log);
        return qs < 0 ? pd__reply_db_error(rq)
                      : pd_reply_err(rq, PD_E_DELIVERY_NOT_FOUND, NULL, NULL);
    }
    json_object_set_new(t.out, "attempt_log", t.log);
    return pd_reply_json_steal(rq, 200, t.out);
}

static pd_qs retry_tx(pd_db *db, void *cls)
{
    struct one_tx *t = cls;
    t->found = false;
    pd_qs qs = db->ops->delivery_get(db, t->id, one_cb, t);
    if (qs < 0 || !t->found || t->deleted || t->state != PD_DELIVERY_DEAD)
        return qs < 0 ? qs : PD_QS_NONE;
    if ((qs = db->ops->delivery_revive(db, t->id, pd_now_ms())) <= 0) {
        t->state = -1; /* revived by someone else meanwhile */
        return qs;
    }
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "webhook.delivery_retry", "webhook_delivery", t->rq->args[0], 0, NULL);
    if ((qs = db->ops->audit_insert(db, &a)) < 0)
        return qs;
    t->found = false;
    return db->ops->delivery_get(db, t->id, one_cb, t); /* the answer: as it is now */
}

int pd_api_webhook_deliveries_retry(struct pd_req *rq)
{
    if (!allowed(rq))
        return PD_HANDLED;
    struct one_tx t = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_DELIVERY_NOT_FOUND, NULL, NULL);
    pd_qs qs = pd_tx_run(rq->app->store, "webhook.delivery_retry", false, retry_tx, &t);
    if (qs < 0) {
        json_decref(t.out);
        return pd__reply_db_error(rq);
    }
    if (!t.found) {
        json_decref(t.out);
        return pd_reply_err(rq, PD_E_DELIVERY_NOT_FOUND, NULL, NULL);
    }
    if (t.deleted || t.state != PD_DELIVERY_PENDING) {
        json_decref(t.out);
        return pd_reply_err(rq, PD_E_DELIVERY_NOT_DEAD, NULL,
                            t.deleted ? "its subscription was deleted" : NULL);
    }
    return pd_reply_json_steal(rq, 200, t.out);
}
