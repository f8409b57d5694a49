/*
 * /api/v1/tickets: the service desk's tickets for staff (DOMAIN.md §7,
 * docs/service-desk.md): opening one from any channel, the queue with its
 * filters, the ticket view, edits and transfers, status moves, internal
 * notes and replies to the customer, the handling steps that start and meet
 * the handbook's clocks, reopening, and the callback's satisfaction score.
 * Every change is one transaction that also writes the ticket's history and
 * an audit entry; tickets are scoped by their node like waybills. The
 * shared steps (clocks, moves, the TICKET answer) are in tickets_common.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/phone.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tickets_int.h"
#include "http/api/waybill_common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

static bool personal_ok(struct pd_req *rq)
{
    return rq->who.kind == PD_WHO_APIKEY ||
           pd_app_role_has(rq->app, rq->who.role, PD_PERM_PERSONAL_DATA_READ);
}

/* ---- resolving names inside a transaction ----------------------------------------- */

static pd_qs resolve_node(pd_db *db, struct pd_req *rq, const char *code, int64_t *id,
                          struct pd__tk_fail *f, const char *field)
{
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, code, &n);
    if (qs < 0)
        return qs;
    if (qs == 0 || !n.active || !pd_req_in_scope(rq, n.path))
        return pd__tk_refuse(f, PD_E_TICKET_NODE_UNKNOWN, field, NULL);
    *id = n.id;
    return PD_QS_ONE;
}

static pd_qs resolve_user(pd_db *db, struct pd_req *rq, const char *username, int64_t *id,
                          struct pd__tk_fail *f, const char *field)
{
    struct pd_user u;
    pd_qs qs = db->ops->user_get_by_name(db, username, &u);
    if (qs < 0)
        return qs;
    if (qs == 0 || !u.active || !pd_req_in_scope(rq, u.node_path))
        return pd__tk_refuse(f, PD_E_TICKET_USER_UNKNOWN, field, NULL);
    *id = u.id;
    return PD_QS_ONE;
}

struct customer_hit {
    struct pd_req *rq;
    bool found;
    int64_t id;
};

static int customer_cb(void *cls, const struct pd_customer *c)
{
    struct customer_hit *h = cls;
    if (pd_req_in_scope(h->rq, c->node_path)) {
        h->found = true;
        h->id = c->id;
    }
    return 0;
}

static pd_qs resolve_customer(pd_db *db, struct pd_req *rq, const char *code, int64_t *id,
                              struct pd__tk_fail *f)
{
    struct customer_hit h = {.rq = rq};
    pd_qs qs = db->ops->customer_get_by_code(db, code, customer_cb, &h);
    if (qs < 0)
        return qs;
    if (!h.found)
        return pd__tk_refuse(f, PD_E_CUSTOMER_UNKNOWN, "customer_code", NULL);
    *id = h.id;
    return PD_QS_ONE;
}

static pd_qs check_waybill(pd_db *db, struct pd_req *rq, const char *no, struct pd__tk_fail *f)
{
    struct pd_waybill_copy c = {0};
    bool found = false;
    pd_qs qs = pd__waybill_load(db, rq, no, false, &c, &found);
    pd_waybill_copy_free(&c);
    if (qs < 0)
        return qs;
    return found ? PD_QS_ONE : pd__tk_refuse(f, PD_E_TICKET_WAYBILL_UNKNOWN, "waybill_no", NULL);
}

/* ---- open a ticket ------------------------------------------------------------------ */

struct create_tx {
    struct pd_req *rq;
    struct pd_ticket *t;
    const char *node, *waybill, *customer, *responsible, *parent;
    struct pd__tk_fail f;
    json_t *out;
};

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *x = cls;
    struct pd_ticket *t = x->t;
    pd_qs qs;
    t->node_id = x->rq->who.node_id;
    if (x->node && (qs = resolve_node(db, x->rq, x->node, &t->node_id, &x->f, "node")) < 0)
        return qs;
    if (x->waybill && (qs = check_waybill(db, x->rq, t->waybill_no, &x->f)) < 0)
        return qs;
    if (x->customer && (qs = resolve_customer(db, x->rq, x->customer, &t->customer_id, &x->f)) < 0)
        return qs;
    if (x->responsible && (qs = resolve_user(db, x->rq, x->responsible, &t->responsible_id, &x->f,
                                             "responsible")) < 0)
        return qs;
    if (x->parent) {
        struct pd_ticket *p = malloc(sizeof *p);
        bool found = false;
        if (!p)
            return PD_QS_HARD;
        qs = pd__tk_load(db, x->rq, x->parent, false, p, &found);
        if (found)
            t->parent_id = p->id;
        free(p);
        if (qs < 0)
            return qs;
        if (!found)
            return pd__tk_refuse(&x->f, PD_E_TICKET_NOT_FOUND, "parent_no", NULL);
    }
    if ((qs = pd__tk_insert(db, x->rq->app, x->rq, t, "ticket.create", &x->f)) < 0)
        return qs;
    json_decref(x->out);
    x->out = pd__tk_json(db, x->rq->app, t, t->created_ms, PD__TK_FULL, personal_ok(x->rq), &qs);
    return x->out ? PD_QS_ONE : qs;
}

int pd_api_tickets_create(struct pd_req *rq)
{
    const char *category = NULL, *subject = NULL, *description = NULL, *waybill = NULL,
               *customer = NULL, *cname = NULL, *cphone = NULL, *responsible = NULL, *node = NULL,
               *parent = NULL;
    int kind = 0, channel = 0, priority = PD_TPRI_NORMAL, dept = -1;
    int64_t incident = 0;
    struct pd_spec spec[] = {
        pd_spec_enum("kind", &kind, PD_REQ, pd_ticket_kind_names),
        pd_spec_enum("channel", &channel, PD_REQ, pd_ticket_channel_names),
        pd_spec_str("category", &category, PD_REQ, 1, 32),
        pd_spec_enum("priority", &priority, PD_OPT, pd_ticket_priority_names),
        pd_spec_str("subject", &subject, PD_OPT, 0, PD__TK_SHORT_MAX),
        pd_spec_str("description", &description, PD_REQ, 1, PD__TK_TEXT_MAX),
        pd_spec_str("waybill_no", &waybill, PD_OPT, 1, 32),
        pd_spec_str("customer_code", &customer, PD_OPT, 1, 32),
        pd_spec_str("contact.name", &cname, PD_OPT, 0, 64),
        pd_spec_str("contact.phone", &cphone, PD_OPT, 1, 32),
        pd_spec_enum("department", &dept, PD_OPT, pd_ticket_dept_names),
        pd_spec_str("responsible", &responsible, PD_OPT, 1, 64),
        pd_spec_str("node", &node, PD_OPT, 1, 32),
        pd_spec_time("incident_at", &incident, PD_OPT),
        pd_spec_str("parent_no", &parent, PD_OPT, 1, PD_TICKET_NO_SIZE - 1),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (pd_ticket_name_find(pd_ticket_category_names, category) < 0)
        return pd_reply_err(rq, PD_E_TICKET_CATEGORY_UNKNOWN, "category",
                            "see GET /api/v1/ticket-refdata");
    if (!pd__tk_has_text(description))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "description", "say what the customer said");
    int64_t now = pd_now_ms();
    if (incident > now + PD__TK_FUTURE_MS)
        return pd_reply_err(rq, PD_E_TICKET_TIME_INVALID, "incident_at", "in the future");
    struct create_tx x = {.rq = rq,
                          .node = node,
                          .waybill = waybill,
                          .customer = customer,
                          .responsible = responsible,
                          .parent = parent};
    struct pd_ticket *t = x.t = calloc(1, sizeof *t);
    if (!t)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    if (waybill && !pd__waybill_no_parse(waybill, t->waybill_no)) {
        free(t);
        return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "waybill_no", NULL);
    }
    if (cphone) {
        enum pd_phone_kind pk;
        if (pd_phone_normalise(cphone, t->contact_phone, sizeof t->contact_phone, &pk) != PD_OK) {
            free(t);
            return pd_reply_err(rq, PD_E_PHONE_INVALID, "contact.phone", NULL);
        }
        pd__tk_last4(t->contact_phone, t->phone_last4);
    }
    snprintf(t->kind, sizeof t->kind, "%s", pd_ticket_kind_names[kind]);
    snprintf(t->channel, sizeof t->channel, "%s", pd_ticket_channel_names[channel]);
    snprintf(t->category, sizeof t->category, "%s", category);
    snprintf(t->priority, sizeof t->priority, "%s", pd_ticket_priority_names[priority]);
    snprintf(t->status, sizeof t->status, "new");
    snprintf(t->subject, sizeof t->subject, "%s", subject ? subject : "");
    snprintf(t->description, sizeof t->description, "%s", description);
    snprintf(t->contact_name, sizeof t->contact_name, "%s", cname ? cname : "");
    if (dept >= 0)
        snprintf(t->department, sizeof t->department, "%s", pd_ticket_dept_names[dept]);
    t->incident_ms = incident;
    /* 首问责任制: whoever takes the contact owns the customer relationship. */
    t->owner_id = rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
    t->created_by = t->owner_id;
    t->created_ms = t->updated_ms = now;
    pd_qs qs = pd_tx_run(rq->app->store, "ticket.create", false, create_tx, &x);
    free(t);
    if (qs < 0) {
        json_decref(x.out);
        return pd__tk_reply_fail(rq, qs, &x.f);
    }
    return pd_reply_json_steal(rq, 201, x.out);
}

/* ---- the queue ------------------------------------------------------------------------- */

struct list_tx {
    struct pd_req *rq;
    struct pd_ticket_filter f;
    const char *node, *customer, *responsible, *parent;
    char path[PD_PATH_MAX]; /* of ?node=CODE */
    struct pd_ticket *rows;
    int n;
    bool empty;     /* a filter named nothing that exists: an empty page */
    bool none_mine; /* mine=1 asked by an API key */
    struct pd__tk_fail fail;
    json_t *items;
};

static int list_cb(void *cls, const struct pd_ticket *t)
{
    struct list_tx *x = cls;
    if (x->n < x->f.limit)
        x->rows[x->n++] = *t;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *x = cls;
    x->n = 0;
    x->empty = false;
    json_array_clear(x->items);
    pd_qs qs;
    if (x->node) {
        struct pd_node n;
        if ((qs = db->ops->node_get_by_code(db, x->node, &n)) < 0)
            return qs;
        if (qs == 0 || !pd_req_in_scope(x->rq, n.path))
            return pd__tk_refuse(&x->fail, PD_E_TICKET_NODE_UNKNOWN, "node", NULL);
        snprintf(x->path, sizeof x->path, "%s", n.path);
        x->f.node_path = x->path;
    }
    if (x->customer) {
        struct customer_hit h = {.rq = x->rq};
        if ((qs = db->ops->customer_get_by_code(db, x->customer, customer_cb, &h)) < 0)
            return qs;
        x->f.customer_id = h.id;
        x->empty |= !h.found;
    }
    if (x->responsible) {
        struct pd_user u;
        if ((qs = db->ops->user_get_by_name(db, x->responsible, &u)) < 0)
            return qs;
        x->f.responsible_id = qs ? u.id : 0;
        x->empty |= qs == 0;
    }
    if (x->parent) {
        struct pd_ticket *p = malloc(sizeof *p);
        bool found = false;
        if (!p)
            return PD_QS_HARD;
        qs = pd__tk_load(db, x->rq, x->parent, false, p, &found);
        x->f.parent_id = found ? p->id : 0;
        free(p);
        if (qs < 0)
            return qs;
        x->empty |= !found;
    }
    if (x->empty || x->none_mine)
        return PD_QS_NONE;
    if ((qs = db->ops->ticket_list(db, &x->f, list_cb, x)) < 0)
        return qs;
    int64_t now = pd_now_ms();
    bool personal = personal_ok(x->rq);
    for (int i = 0; i < x->n; i++) {
        json_t *j = pd__tk_json(db, x->rq->app, &x->rows[i], now, PD__TK_SUMMARY, personal, &qs);
        if (!j)
            return qs;
        json_array_append_new(x->items, j);
    }
    return PD_QS_ONE;
}

int pd_api_tickets_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"status",     "kind",     "category", "priority",
                                          "waybill_no", "customer", "mine",     "responsible",
                                          "parent",     "clock",    "overdue",  "due_before",
                                          "node",       "before",   "limit",    NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx x = {.rq = rq, .f = {.node_path = rq->who.node_path}};
    const char *status = pd_req_query(rq, "status");
    if (status && !strcmp(status, "open"))
        x.f.open_only = true;
    else if (status && pd_ticket_name_find(pd_ticket_status_names, status) < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "status", "a status, or open");
    else
        x.f.status = status;
    const char *kind = pd_req_query(rq, "kind"), *cat = pd_req_query(rq, "category"),
               *pri = pd_req_query(rq, "priority"), *clock = pd_req_query(rq, "clock");
    if (kind && pd_ticket_name_find(pd_ticket_kind_names, kind) < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "kind", NULL);
    if (cat && pd_ticket_name_find(pd_ticket_category_names, cat) < 0)
        return pd_reply_err(rq, PD_E_TICKET_CATEGORY_UNKNOWN, "category", NULL);
    if (pri && pd_ticket_name_find(pd_ticket_priority_names, pri) < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "priority", NULL);
    if (clock && !pd_timelimit_find(clock))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "clock", "a rule id of docs/calendar.md");
    x.f.kind = kind;
    x.f.category = cat;
    x.f.priority = pri;
    x.f.clock_rule = clock;
    const char *wb = pd_req_query(rq, "waybill_no");
    char no[PD_WB_NO_SIZE];
    if (wb) {
        if (!pd__waybill_no_parse(wb, no))
            return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "waybill_no", NULL);
        x.f.waybill_no = no;
    }
    int64_t mine = 0, overdue = 0, due_before = 0, before = 0, limit = 0;
    if (!pd__query_int(rq, "mine", 0, 1, 0, &mine) ||
        !pd__query_int(rq, "overdue", 0, 1, 0, &overdue) ||
        !pd__query_time(rq, "due_before", &due_before) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    /* An API key owns no tickets: "mine" is empty for it, not everything. */
    bool none_mine = mine && rq->who.kind != PD_WHO_USER;
    if (mine)
        x.f.mine_id = rq->who.id;
    /* overdue: a deadline whose last second has passed (calendar.h invariant 4) */
    int64_t bound = overdue ? pd_now_ms() - 999 : 0;
    if (due_before && (!bound || due_before < bound))
        bound = due_before;
    x.f.clock_due_before_ms = bound;
    x.none_mine = none_mine;
    x.f.before_id = before;
    x.f.limit = (int)limit;
    x.node = pd_req_query(rq, "node");
    x.customer = pd_req_query(rq, "customer");
    x.responsible = pd_req_query(rq, "responsible");
    x.parent = pd_req_query(rq, "parent");
    x.rows = malloc((size_t)limit * sizeof *x.rows);
    x.items = json_array();
    if (!x.rows || !x.items) {
        free(x.rows);
        json_decref(x.items);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    }
    pd_qs qs = pd_tx_run(rq->app->store, "ticket.list", true, list_tx, &x);
    int64_t last = x.n ? x.rows[x.n - 1].id : 0;
    free(x.rows);
    if (qs < 0) {
        json_decref(x.items);
        return pd__tk_reply_fail(rq, qs, &x.fail);
    }
    json_t *next = x.n == x.f.limit ? json_integer(last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", x.items, "next_before", next));
}

/* ---- one ticket ---------------------------------------------------------------------------- */

struct one_tx {
    struct pd_req *rq;
    struct pd_ticket t;
    bool found;
    json_t *out;
};

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct one_tx *x = cls;
    pd_qs qs = pd__tk_load(db, x->rq, x->rq->args[0], false, &x->t, &x->found);
    if (qs <= 0)
        return qs;
    bool personal = personal_ok(x->rq);
    json_decref(x->out);
    x->out = pd__tk_json(db, x->rq->app, &x->t, pd_now_ms(), PD__TK_FULL, personal, &qs);
    if (!x->out)
        return qs;
    /* A staff member reading a customer's name and phone in full leaves a trace. */
    if (!personal || x->rq->who.kind != PD_WHO_USER || !x->t.contact_phone[0])
        return PD_QS_ONE;
    struct pd_audit a;
    pd_audit_for(&a, x->rq, "ticket.read_personal", "ticket", x->t.ticket_no, x->t.node_id,
                 "{\"fields\":[\"contact\"]}");
    return db->ops->audit_insert(db, &a);
}

int pd_api_tickets_get(struct pd_req *rq)
{
    struct one_tx *x = calloc(1, sizeof *x);
    if (!x)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    x->rq = rq;
    pd_qs qs = pd_tx_run(rq->app->store, "ticket.get", false, get_tx, x);
    json_t *out = x->out;
    bool found = x->found;
    free(x);
    if (qs < 0) {
        json_decref(out);
        return pd__reply_db_error(rq);
    }
    if (!found) {
        json_decref(out);
        return pd_reply_err(rq, PD_E_TICKET_NOT_FOUND, NULL, NULL);
    }
    return pd_reply_json_steal(rq, 200, out);
}

/*
 * The change handlers share one shape: a transaction that loads the ticket
 * for update within the caller's network, refuses a closed one unless the
 * change allows it, lets @c apply change it, and answers the full view.
 */
struct change;
typedef pd_qs (*apply_fn)(pd_db *db, struct change *c);

struct change {
    struct pd_req *rq;
    const char *name; /* the transaction's name, for logs */
    bool closed_ok;   /* the change is allowed on a closed ticket */
    apply_fn apply;
    void *args;
    struct pd_ticket t;
    int64_t now;
    bool found;
    unsigned status; /* of the answer: 200, 201 */
    struct pd__tk_fail f;
    json_t *out;   /* the answer, built by the last try */
    json_t *extra; /* members the apply step adds to the answer */
};

static pd_qs change_tx(pd_db *db, void *cls)
{
    struct change *c = cls;
    json_decref(c->extra);
    c->extra = NULL;
    c->status = 200;
    pd_qs qs = pd__tk_load(db, c->rq, c->rq->args[0], true, &c->t, &c->found);
    if (qs <= 0)
        return qs;
    if (!c->closed_ok && !strcmp(c->t.status, "closed"))
        return pd__tk_refuse(&c->f, PD_E_TICKET_CLOSED, NULL, c->t.ticket_no);
    if ((qs = c->apply(db, c)) < 0)
        return qs;
    json_decref(c->out);
    if (!(c->out =
              pd__tk_json(db, c->rq->app, &c->t, c->now, PD__TK_FULL, personal_ok(c->rq), &qs)))
        return qs;
    return PD_QS_ONE;
}

static int run_change(struct pd_req *rq, const char *name, bool closed_ok, apply_fn apply,
                      void *args)
{
    struct change *c = calloc(1, sizeof *c);
    if (!c)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    c->rq = rq;
    c->name = name;
    c->closed_ok = closed_ok;
    c->apply = apply;
    c->args = args;
    c->now = pd_now_ms();
    c->status = 200;
    pd_qs qs = pd_tx_run(rq->app->store, name, false, change_tx, c);
    int r;
    if (qs < 0) {
        r = pd__tk_reply_fail(rq, qs, &c->f);
        json_decref(c->out);
    } else if (!c->found) {
        r = pd_reply_err(rq, PD_E_TICKET_NOT_FOUND, NULL, NULL);
        json_decref(c->out);
    } else {
        if (c->extra) {
            json_t *wrapped = json_pack("{s:o}", "ticket", c->out);
            json_object_update(wrapped, c->extra);
            c->out = wrapped;
        }
        r = pd_reply_json_steal(rq, c->status, c->out);
    }
    json_decref(c->extra);
    free(c);
    return r;
}

/* A history line and an audit entry for a change described by @p d (JSON, stolen). */
static pd_qs record(pd_db *db, struct change *c, const char *kind, bool public_, const char *text,
                    const char *action, json_t *d)
{
    char *ds = d ? json_dumps(d, JSON_COMPACT) : NULL;
    json_decref(d);
    pd_qs qs = pd__tk_event(db, c->rq, &c->t, c->now, kind, public_, text, ds);
    if (qs >= 0)
        qs = pd__tk_audit(db, c->rq, action, &c->t, ds);
    free(ds);
    return qs;
}

/* ---- edits and transfers ------------------------------------------------------------ */

struct patch_args {
    const char *category, *subject, *description, *waybill, *customer, *cname, *cphone,
        *responsible, *node;
    int priority, dept;
    int64_t incident;
    bool has_incident;
    char waybill_no[PD_WB_NO_SIZE], phone[32], last4[5];
};

/* Note field @p name changed from @p from to @p to in @p d (both strings). */
static void changed(json_t *d, const char *name, const char *from, const char *to)
{
    json_object_set_new(d, name, json_pack("{s:s, s:s}", "from", from, "to", to));
}

static pd_qs apply_patch(pd_db *db, struct change *c)
{
    struct patch_args *a = c->args;
    struct pd_ticket *t = &c->t;
    json_t *d = json_object();
    pd_qs qs;
    if (a->category && strcmp(a->category, t->category) != 0) {
        changed(d, "category", t->category, a->category);
        snprintf(t->category, sizeof t->category, "%s", a->category);
    }
    if (a->priority >= 0 && strcmp(pd_ticket_priority_names[a->priority], t->priority) != 0) {
        changed(d, "priority", t->priority, pd_ticket_priority_names[a->priority]);
        snprintf(t->priority, sizeof t->priority, "%s", pd_ticket_priority_names[a->priority]);
    }
    if (a->subject && strcmp(a->subject, t->subject) != 0) {
        changed(d, "subject", t->subject, a->subject);
        snprintf(t->subject, sizeof t->subject, "%s", a->subject);
    }
    if (a->description && strcmp(a->description, t->description) != 0) {
        changed(d, "description", "…", "…");
        snprintf(t->description, sizeof t->description, "%s", a->description);
    }
    if (a->dept >= 0 && strcmp(pd_ticket_dept_names[a->dept], t->department) != 0) {
        changed(d, "department", t->department, pd_ticket_dept_names[a->dept]);
        snprintf(t->department, sizeof t->department, "%s", pd_ticket_dept_names[a->dept]);
    }
    if (a->waybill && strcmp(a->waybill_no, t->waybill_no) != 0) {
        if ((qs = check_waybill(db, c->rq, a->waybill_no, &c->f)) < 0)
            goto fail;
        changed(d, "waybill_no", t->waybill_no, a->waybill_no);
        snprintf(t->waybill_no, sizeof t->waybill_no, "%s", a->waybill_no);
    }
    if (a->customer && strcmp(a->customer, t->customer_code) != 0) {
        if ((qs = resolve_customer(db, c->rq, a->customer, &t->customer_id, &c->f)) < 0)
            goto fail;
        changed(d, "customer_code", t->customer_code, a->customer);
    }
    if (a->cname && strcmp(a->cname, t->contact_name) != 0) {
        changed(d, "contact.name", "…", "…"); /* personal data stays out of the history */
        snprintf(t->contact_name, sizeof t->contact_name, "%s", a->cname);
    }
    if (a->cphone && strcmp(a->phone, t->contact_phone) != 0) {
        changed(d, "contact.phone", "…", "…");
        snprintf(t->contact_phone, sizeof t->contact_phone, "%s", a->phone);
        snprintf(t->phone_last4, sizeof t->phone_last4, "%s", a->last4);
    }
    if (a->has_incident && a->incident != t->incident_ms) {
        char from[PD_RFC3339_MAX], to[PD_RFC3339_MAX];
        changed(d, "incident_at", t->incident_ms ? pd_time_format(t->incident_ms, 480, from) : "",
                pd_time_format(a->incident, 480, to));
        t->incident_ms = a->incident;
    }
    /* Transfers move the work, never the first-contact owner (core/ticket.h invariant 5). */
    if (a->responsible && strcmp(a->responsible, t->responsible_name) != 0) {
        if ((qs = resolve_user(db, c->rq, a->responsible, &t->responsible_id, &c->f,
                               "responsible")) < 0)
            goto fail;
        changed(d, "responsible", t->responsible_name, a->responsible);
    }
    if (a->node && strcmp(a->node, t->node_code) != 0) {
        if ((qs = resolve_node(db, c->rq, a->node, &t->node_id, &c->f, "node")) < 0)
            goto fail;
        changed(d, "node", t->node_code, a->node);
    }
    if (json_object_size(d) == 0) {
        json_decref(d);
        return PD_QS_ONE; /* nothing changed: nothing to record */
    }
    pd__tk_take(c->rq, t);
    t->updated_ms = c->now;
    if ((qs = db->ops->ticket_update(db, t)) <= 0) {
        json_decref(d);
        return qs < 0 ? qs : PD_QS_HARD;
    }
    char text[256] = "修改：";
    const char *key;
    json_t *v;
    json_object_foreach(d, key, v)
    {
        (void)v;
        size_t len = strlen(text);
        snprintf(text + len, sizeof text - len, "%s%s", len > strlen("修改：") ? "、" : "", key);
    }
    if ((qs = record(db, c, "update", false, text, "ticket.update", d)) < 0)
        return qs;
    /* Joined names (node, responsible, customer) are read back for the answer. */
    return db->ops->ticket_get(db, t->id, NULL, false, t) > 0 ? PD_QS_ONE : PD_QS_HARD;
fail:
    json_decref(d);
    return qs;
}

int pd_api_tickets_patch(struct pd_req *rq)
{
    struct patch_args a = {.priority = -1, .dept = -1};
    struct pd_spec spec[] = {
        pd_spec_str("category", &a.category, PD_OPT, 1, 32),
        pd_spec_enum("priority", &a.priority, PD_OPT, pd_ticket_priority_names),
        pd_spec_str("subject", &a.subject, PD_OPT, 0, PD__TK_SHORT_MAX),
        pd_spec_str("description", &a.description, PD_OPT, 1, PD__TK_TEXT_MAX),
        pd_spec_str("waybill_no", &a.waybill, PD_OPT, 1, 32),
        pd_spec_str("customer_code", &a.customer, PD_OPT, 1, 32),
        pd_spec_str("contact.name", &a.cname, PD_OPT, 0, 64),
        pd_spec_str("contact.phone", &a.cphone, PD_OPT, 1, 32),
        pd_spec_enum("department", &a.dept, PD_OPT, pd_ticket_dept_names),
        pd_spec_str("responsible", &a.responsible, PD_OPT, 1, 64),
        pd_spec_str("node", &a.node, PD_OPT, 1, 32),
        pd_spec_time("incident_at", &a.incident, PD_OPT),
        pd_spec_end(),
    };
    spec[11].present = &a.has_incident;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (a.category && pd_ticket_name_find(pd_ticket_category_names, a.category) < 0)
        return pd_reply_err(rq, PD_E_TICKET_CATEGORY_UNKNOWN, "category",
                            "see GET /api/v1/ticket-refdata");
    if (a.description && !pd__tk_has_text(a.description))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "description", NULL);
    if (a.waybill && !pd__waybill_no_parse(a.waybill, a.waybill_no))
        return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "waybill_no", NULL);
    if (a.cphone) {
        enum pd_phone_kind pk;
        if (pd_phone_normalise(a.cphone, a.phone, sizeof a.phone, &pk) != PD_OK)
            return pd_reply_err(rq, PD_E_PHONE_INVALID, "contact.phone", NULL);
        pd__tk_last4(a.phone, a.last4);
    }
    if (a.has_incident && a.incident > pd_now_ms() + PD__TK_FUTURE_MS)
        return pd_reply_err(rq, PD_E_TICKET_TIME_INVALID, "incident_at", "in the future");
    return run_change(rq, "ticket.update", false, apply_patch, &a);
}

/* ---- status moves ----------------------------------------------------------------------- */

struct status_args {
    int to;
    const char *reason, *resolution;
};

static pd_qs apply_status(pd_db *db, struct change *c)
{
    struct status_args *a = c->args;
    int from = pd_ticket_name_find(pd_ticket_status_names, c->t.status);
    if (from < 0 ||
        !pd_ticket_move_allowed((enum pd_ticket_status)from, (enum pd_ticket_status)a->to)) {
        char d[128];
        snprintf(d, sizeof d, "from %s to %s", c->t.status, pd_ticket_status_names[a->to]);
        return pd__tk_refuse(&c->f, PD_E_TICKET_MOVE_INVALID, "status", d);
    }
    char callback[PD_TICKET_NO_SIZE];
    pd_qs qs = pd__tk_move(db, c->rq->app, c->rq, &c->t, (enum pd_ticket_status)a->to, c->now,
                           a->reason, a->resolution, callback, &c->f);
    if (qs < 0)
        return qs;
    if (callback[0])
        c->extra = json_pack("{s:s}", "callback_no", callback);
    return PD_QS_ONE;
}

int pd_api_tickets_status(struct pd_req *rq)
{
    struct status_args a = {0};
    struct pd_spec spec[] = {
        pd_spec_enum("status", &a.to, PD_REQ, pd_ticket_status_names),
        pd_spec_str("reason", &a.reason, PD_OPT, 0, PD__TK_SHORT_MAX),
        pd_spec_str("resolution", &a.resolution, PD_OPT, 0, PD__TK_TEXT_MAX),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (a.to == PD_TST_CLOSED && !pd__tk_has_text(a.reason))
        return pd_reply_err(rq, PD_E_TICKET_REASON_REQUIRED, "reason", "why is it closed");
    if (a.to == PD_TST_RESOLVED && !pd__tk_has_text(a.resolution))
        return pd_reply_err(rq, PD_E_TICKET_RESOLUTION_REQUIRED, "resolution", NULL);
    return run_change(rq, "ticket.status", false, apply_status, &a);
}

/* ---- notes and replies ------------------------------------------------------------------- */

struct text_args {
    const char *text;
    bool public_;
};

static pd_qs apply_text(pd_db *db, struct change *c)
{
    struct text_args *a = c->args;
    pd__tk_take(c->rq, &c->t);
    c->t.updated_ms = c->now;
    pd_qs qs = db->ops->ticket_update(db, &c->t);
    if (qs <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    c->status = 201;
    /* The text itself is in the history; the audit says only that it was written. */
    return record(db, c, a->public_ ? "reply" : "note", a->public_, a->text,
                  a->public_ ? "ticket.reply" : "ticket.note",
                  json_pack("{s:i}", "characters", (int)strlen(a->text)));
}

static int post_text(struct pd_req *rq, bool public_)
{
    struct text_args a = {.public_ = public_};
    struct pd_spec spec[] = {
        pd_spec_str("text", &a.text, PD_REQ, 1, PD__TK_TEXT_MAX),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!pd__tk_has_text(a.text))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "text", NULL);
    /* An internal note may still be added to a closed ticket; the customer hears nothing more. */
    return run_change(rq, public_ ? "ticket.reply" : "ticket.note", !public_, apply_text, &a);
}

int pd_api_tickets_note(struct pd_req *rq)
{
    return post_text(rq, false);
}

int pd_api_tickets_reply(struct pd_req *rq)
{
    return post_text(rq, true);
}

/* ---- handling steps and their clocks ----------------------------------------------------- */

struct action_args {
    const struct pd_ticket_action_def *a;
    int64_t at;
    bool has_at;
    const char *note;
};

static pd_qs apply_action(pd_db *db, struct change *c)
{
    struct action_args *a = c->args;
    struct pd_ticket *t = &c->t;
    if (strcmp(t->kind, "complaint") != 0)
        return pd__tk_refuse(&c->f, PD_E_TICKET_NOT_COMPLAINT, "kind", t->kind);
    pd_qs qs;
    const struct pd_timelimit *start = pd_ticket_action_starts(a->a, t->investigated);
    const struct pd_timelimit *meet =
        a->a->meet >= 0 ? pd_timelimit_get((enum pd_timelimit_id)a->a->meet) : NULL;
    int64_t at = a->has_at ? a->at : c->now;
    if (start) {
        int64_t from = at;
        if (start->from == PD_TL_FROM_INCIDENT && !a->has_at)
            from = t->incident_ms ? t->incident_ms : t->created_ms;
        else if (start->from == PD_TL_FROM_TICKET_OPENED)
            from = t->created_ms;
        if (start->from == PD_TL_FROM_INCIDENT && !t->incident_ms)
            t->incident_ms = from;
        bool dup;
        if ((qs = pd__tk_clock_start(db, c->rq->app, t, start, from, &dup, &c->f)) < 0)
            return qs;
        if (dup)
            return pd__tk_refuse(&c->f, PD_E_TICKET_CLOCK_STARTED, "kind", start->id);
    }
    if (meet) {
        bool found;
        if ((qs = pd__tk_clock_meet(db, c->rq->app, t, meet->id, at, &found, &c->f)) < 0)
            return qs;
        if (!found)
            return pd__tk_refuse(&c->f, PD_E_TICKET_CLOCK_NOT_RUNNING, "kind", meet->id);
    }
    if (a->a->flag == PD_TAF_INVESTIGATED)
        t->investigated = true;
    if (a->a->flag == PD_TAF_MAJOR)
        t->major = true;
    pd__tk_take(c->rq, t);
    t->updated_ms = c->now;
    if ((qs = db->ops->ticket_update(db, t)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    char text[PD__TK_SHORT_MAX * 4 + 128], when[PD_RFC3339_MAX];
    snprintf(text, sizeof text, "%s%s%s", a->a->zh, a->note && a->note[0] ? "：" : "",
             a->note ? a->note : "");
    json_t *d = json_pack("{s:s, s:s?, s:s?, s:s}", "action", a->a->name, "starts",
                          start ? start->id : NULL, "meets", meet ? meet->id : NULL, "at",
                          pd_time_format(at, t->node_utc_offset_min, when));
    return record(db, c, "action", false, text, "ticket.action", d);
}

int pd_api_tickets_action(struct pd_req *rq)
{
    const char *kind = NULL;
    struct action_args a = {0};
    struct pd_spec spec[] = {
        pd_spec_str("kind", &kind, PD_REQ, 1, 40),
        pd_spec_time("at", &a.at, PD_OPT),
        pd_spec_str("note", &a.note, PD_OPT, 0, PD__TK_SHORT_MAX),
        pd_spec_end(),
    };
    spec[1].present = &a.has_at;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!(a.a = pd_ticket_action_find(kind)))
        return pd_reply_err(rq, PD_E_TICKET_ACTION_UNKNOWN, "kind",
                            "see GET /api/v1/ticket-refdata (actions)");
    if (a.has_at && a.at > pd_now_ms() + PD__TK_FUTURE_MS)
        return pd_reply_err(rq, PD_E_TICKET_TIME_INVALID, "at", "in the future");
    return run_change(rq, "ticket.action", false, apply_action, &a);
}

/* ---- reopen ---------------------------------------------------------------------------------- */

struct reopen_args {
    int by; /* 0 customer, 1 supervisor */
    const char *reason;
    int channel;
};

static const char *const reopen_by[] = {"customer", "supervisor", NULL};

static pd_qs apply_reopen(pd_db *db, struct change *c)
{
    struct reopen_args *a = c->args;
    struct pd_ticket *t = &c->t;
    if (strcmp(t->status, "closed") != 0)
        return pd__tk_refuse(&c->f, PD_E_TICKET_NOT_CLOSED, NULL, t->status);
    pd_qs qs;
    json_t *d = json_pack("{s:s, s:s}", "by", reopen_by[a->by], "reason", a->reason);
    if (pd_ticket_reopen_allowed(t->closed_ms, c->now, c->rq->app->cfg.tickets_reopen_days)) {
        /* core/ticket.h invariant 2: inside the window the same ticket goes on. */
        snprintf(t->status, sizeof t->status, "investigating");
        t->closed_ms = t->resolved_ms = 0;
        t->closed_by = 0;
        t->close_reason[0] = '\0';
        t->reopened++;
        pd__tk_take(c->rq, t);
        t->updated_ms = c->now;
        if ((qs = db->ops->ticket_update(db, t)) <= 0) {
            json_decref(d);
            return qs < 0 ? qs : PD_QS_HARD;
        }
        char text[PD__TK_SHORT_MAX * 4 + 64];
        snprintf(text, sizeof text, "重开（%s）：%s", a->by ? "主管" : "客户要求", a->reason);
        c->extra = json_pack("{s:b}", "reopened", 1);
        return record(db, c, "reopen", false, text, "ticket.reopen", d);
    }
    /* After the window: the customer's return is a new ticket linked to this one. */
    struct pd_ticket *n = calloc(1, sizeof *n);
    if (!n) {
        json_decref(d);
        return PD_QS_HARD;
    }
    snprintf(n->kind, sizeof n->kind, "%s", t->kind);
    snprintf(n->channel, sizeof n->channel, "%s",
             a->channel >= 0 ? pd_ticket_channel_names[a->channel] : t->channel);
    snprintf(n->category, sizeof n->category, "%s", t->category);
    snprintf(n->priority, sizeof n->priority, "%s", t->priority);
    snprintf(n->status, sizeof n->status, "new");
    n->node_id = t->node_id;
    snprintf(n->waybill_no, sizeof n->waybill_no, "%s", t->waybill_no);
    n->customer_id = t->customer_id;
    snprintf(n->contact_name, sizeof n->contact_name, "%s", t->contact_name);
    snprintf(n->contact_phone, sizeof n->contact_phone, "%s", t->contact_phone);
    snprintf(n->phone_last4, sizeof n->phone_last4, "%s", t->phone_last4);
    snprintf(n->subject, sizeof n->subject, "再次反映：%s", t->ticket_no);
    snprintf(n->description, sizeof n->description, "%s", a->reason);
    snprintf(n->department, sizeof n->department, "%s", t->department);
    n->responsible_id = t->responsible_id;
    n->owner_id = t->owner_id ? t->owner_id : (c->rq->who.kind == PD_WHO_USER ? c->rq->who.id : 0);
    n->parent_id = t->id;
    n->created_ms = n->updated_ms = c->now;
    n->created_by = c->rq->who.kind == PD_WHO_USER ? c->rq->who.id : 0;
    if ((qs = pd__tk_insert(db, c->rq->app, c->rq, n, "ticket.follow_up", &c->f)) < 0) {
        free(n);
        json_decref(d);
        return qs;
    }
    json_object_set_new(d, "follow_up", json_string(n->ticket_no));
    char text[128];
    snprintf(text, sizeof text, "已关闭超过 %d 天，另开关联工单 %s",
             c->rq->app->cfg.tickets_reopen_days, n->ticket_no);
    /* The answer is the new ticket; the old one's history says where it went. */
    if ((qs = record(db, c, "linked", false, text, "ticket.reopen", d)) >= 0) {
        c->extra = json_pack("{s:b, s:s}", "reopened", 0, "follow_up_of", t->ticket_no);
        c->t = *n;
        c->status = 201;
    }
    free(n);
    return qs;
}

int pd_api_tickets_reopen(struct pd_req *rq)
{
    struct reopen_args a = {.channel = -1};
    struct pd_spec spec[] = {
        pd_spec_enum("by", &a.by, PD_REQ, reopen_by),
        pd_spec_str("reason", &a.reason, PD_REQ, 0, PD__TK_SHORT_MAX),
        pd_spec_enum("channel", &a.channel, PD_OPT, pd_ticket_channel_names),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!pd__tk_has_text(a.reason))
        return pd_reply_err(rq, PD_E_TICKET_REASON_REQUIRED, "reason", "why is it reopened");
    /* Staff record the customer's request; reopening on their own authority is a supervisor's. */
    if (a.by == 1 && !pd_app_role_has(rq->app, rq->who.role, PD_PERM_TICKETS_SUPERVISE))
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, "by", "tickets.supervise");
    return run_change(rq, "ticket.reopen", true, apply_reopen, &a);
}

/* ---- the callback's satisfaction -------------------------------------------------------- */

struct score_args {
    int64_t score;
    const char *comment;
};

static pd_qs apply_score(pd_db *db, struct change *c)
{
    struct score_args *a = c->args;
    struct pd_ticket *t = &c->t;
    if (strcmp(t->kind, "callback") != 0)
        return pd__tk_refuse(&c->f, PD_E_TICKET_NOT_CALLBACK, NULL, t->kind);
    t->satisfaction = (int)a->score;
    snprintf(t->satisfaction_comment, sizeof t->satisfaction_comment, "%s",
             a->comment ? a->comment : "");
    t->satisfaction_ms = c->now;
    char reason[64], text[PD__TK_SHORT_MAX * 4 + 64], callback[PD_TICKET_NO_SIZE];
    snprintf(reason, sizeof reason, "回访完成：满意度 %d 分", t->satisfaction);
    pd_qs qs =
        pd__tk_move(db, c->rq->app, c->rq, t, PD_TST_CLOSED, c->now, reason, NULL, callback, &c->f);
    if (qs < 0)
        return qs;
    snprintf(text, sizeof text, "满意度 %d 分%s%s", t->satisfaction,
             t->satisfaction_comment[0] ? "：" : "", t->satisfaction_comment);
    return record(db, c, "satisfaction", false, text, "ticket.satisfaction",
                  json_pack("{s:i}", "score", t->satisfaction));
}

int pd_api_tickets_satisfaction(struct pd_req *rq)
{
    struct score_args a = {0};
    struct pd_spec spec[] = {
        pd_spec_int("score", &a.score, PD_REQ, 1, 5),
        pd_spec_str("comment", &a.comment, PD_OPT, 0, PD__TK_SHORT_MAX),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    return run_change(rq, "ticket.satisfaction", false, apply_score, &a);
}
