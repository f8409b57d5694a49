/*
 * /api/v1/handovers: shift handover (交接班, DOMAIN.md §1; docs/service-
 * desk-problems.md "Shift handover"). At the end of a shift a staff member
 * of a node writes what happened and the open items the next shift must
 * take on, each linked to a ticket, a problem parcel or a waybill; a user
 * of the same node who did not write it acknowledges it (core/handover.h
 * invariants 1–2); a supervisor lists what nobody has acknowledged yet
 * across the network below them (?unacknowledged=1).
 *
 * Links are checked when written: a problem must exist in the writer's
 * network, a waybill must exist; a ticket reference is checked for its
 * form only (the tickets of part A are numbered by their own module).
 * Entries are scoped by their node like every record (404 outside the
 * caller's subtree). Staff only (no API keys); writes are audited.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/handover.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define TEXT_CHARS 2000 /* the entry's text */
#define NOTE_CHARS 200  /* an item's note, the acknowledgement's note */
#define REF_CHARS  40
#define DAY_MS     86400000LL

static json_t *handover_json(const struct pd_handover *h)
{
    json_error_t je;
    json_t *items = json_loads(h->items, 0, &je);
    if (!json_is_array(items)) { /* written by this file as an array: cannot happen */
        json_decref(items);
        items = json_array();
    }
    int shift = -1;
    for (int i = 0; pd_handover_shift_names[i]; i++)
        if (!strcmp(pd_handover_shift_names[i], h->shift))
            shift = i;
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:o, s:s, s:o, s:i, s:b}", "id",
                          (json_int_t)h->id, "node", h->node_code, "shift", h->shift, "shift_zh",
                          pd_handover_shift_zh(shift), "shift_date", h->shift_date, "author",
                          "username", h->author_name, "display_name", h->author_display,
                          "created_at", pd__json_time(h->created_ms), "text", h->body, "items",
                          items, "open_items", h->open_items, "acknowledged", h->acked_ms > 0);
    if (h->acked_ms > 0)
        json_object_set_new(j, "acknowledgement",
                            json_pack("{s:s, s:o, s:s}", "by", h->acked_by_name, "at",
                                      pd__json_time(h->acked_ms), "note", h->ack_note));
    else
        json_object_set_new(j, "acknowledgement", json_null());
    return j;
}

/* ---- write ------------------------------------------------------------------------- */

/* A ticket reference: letters, digits and '-' (part A's numbers and ids). */
static bool ticket_ref_ok(const char *s)
{
    if (!s || !*s)
        return false;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
              *s == '-'))
            return false;
    return true;
}

struct item {
    int kind;
    const char *ref;
    int64_t problem_id; /* kind problem */
};

struct create_tx {
    struct pd_req *rq;
    const char *node_code;
    struct pd_handover h;
    struct item items[PD_HANDOVER_ITEMS_MAX];
    int nitems;
    pd_err err;
    char field[40];
    json_t *out;
};

static int waybill_seen(void *cls, const struct pd_waybill *w)
{
    (void)w;
    *(bool *)cls = true;
    return 0;
}

static int back_cb(void *cls, const struct pd_handover *h)
{
    json_t **out = cls;
    json_decref(*out);
    *out = handover_json(h);
    return 0;
}

static pd_qs create_tx(pd_db *db, void *cls)
{
    struct create_tx *t = cls;
    pd_qs qs;
    t->h.node_id = t->rq->who.node_id;
    if (t->node_code) {
        struct pd_node n;
        if ((qs = db->ops->node_get_by_code(db, t->node_code, &n)) < 0)
            return qs;
        if (qs == PD_QS_NONE || !pd_req_in_scope(t->rq, n.path)) {
            t->err = PD_E_HANDOVER_NODE_UNKNOWN;
            snprintf(t->field, sizeof t->field, "node");
            return PD_QS_ABORT;
        }
        t->h.node_id = n.id;
    }
    for (int i = 0; i < t->nitems; i++) {
        bool ok = true;
        if (t->items[i].kind == PD_HANDOVER_PROBLEM) {
            struct pd_problem p;
            if ((qs = db->ops->problem_get(db, t->items[i].problem_id, &p)) < 0)
                return qs;
            ok = qs > 0 && pd_req_in_scope(t->rq, p.node_path);
        } else if (t->items[i].kind == PD_HANDOVER_WAYBILL) {
            bool seen = false;
            if ((qs = db->ops->waybill_get(db, t->items[i].ref, false, waybill_seen, &seen)) < 0)
                return qs;
            ok = seen;
        }
        if (!ok) {
            t->err = PD_E_HANDOVER_ITEM_UNKNOWN;
            snprintf(t->field, sizeof t->field, "items[%d].ref", i);
            return PD_QS_ABORT;
        }
    }
    t->h.id = 0;
    t->h.created_ms = 0;
    if ((qs = db->ops->handover_insert(db, &t->h)) < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->h.id);
    json_t *d = json_pack("{s:s, s:s, s:i}", "shift", t->h.shift, "shift_date", t->h.shift_date,
                          "open_items", t->h.open_items);
    char *ds = json_dumps(d, JSON_COMPACT);
    json_decref(d);
    struct pd_audit a;
    pd_audit_for(&a, t->rq, "handover.create", "handover", id, t->h.node_id, ds);
    qs = db->ops->audit_insert(db, &a);
    free(ds);
    if (qs < 0)
        return qs;
    return db->ops->handover_get(db, t->h.id, back_cb, &t->out);
}

/* Today's date in China time, "YYYY-MM-DD". */
static void today(char out[11], int64_t now)
{
    int y;
    unsigned m, d;
    pd_civil_from_days((now + PD_CST_OFFSET_MIN * 60000LL) / DAY_MS, &y, &m, &d);
    snprintf(out, 11, "%04d-%02u-%02u", y, m, d);
}

static bool date_ok(const char *s)
{
    int64_t ms;
    return strlen(s) == 10 && pd_date_parse(s, PD_CST_OFFSET_MIN, &ms);
}

int pd_api_handovers_create(struct pd_req *rq)
{
    struct create_tx t = {.rq = rq};
    int shift = 0;
    const char *date = NULL, *text = NULL;
    const json_t *items = NULL;
    struct pd_spec spec[] = {
        pd_spec_enum("shift", &shift, PD_REQ, pd_handover_shift_names),
        pd_spec_str_fmt("shift_date", &date, PD_OPT, 10, 10, date_ok),
        pd_spec_str("node", &t.node_code, PD_OPT, 1, 32),
        pd_spec_str("text", &text, PD_REQ, 1, TEXT_CHARS),
        pd_spec_json("items", &items, PD_OPT),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    bool blank = true;
    for (const char *p = text; *p && blank; p++)
        blank = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
    if (blank)
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "text", "say what happened on the shift");
    int64_t now = pd_now_ms();
    char day[11];
    today(day, now);
    if (date) {
        int64_t d, t0;
        pd_date_parse(date, PD_CST_OFFSET_MIN, &d);
        pd_date_parse(day, PD_CST_OFFSET_MIN, &t0);
        if (d > t0 + DAY_MS)
            return pd_reply_err(rq, PD_E_JSON_RANGE, "shift_date", "not after tomorrow");
        snprintf(day, sizeof day, "%s", date);
    }
    /* The open items, decoded one by one and kept in a canonical form. */
    json_t *canon = json_array();
    if (items && !json_is_array(items)) {
        json_decref(canon);
        return pd_reply_err(rq, PD_E_JSON_TYPE, "items", "an array of open items");
    }
    if (items && json_array_size(items) > PD_HANDOVER_ITEMS_MAX) {
        json_decref(canon);
        return pd_reply_err(rq, PD_E_JSON_TOO_LONG, "items", "at most 50 open items");
    }
    size_t i;
    const json_t *it;
    json_array_foreach(items, i, it)
    {
        char prefix[32], field[48];
        snprintf(prefix, sizeof prefix, "items[%zu]", i);
        snprintf(field, sizeof field, "%s.ref", prefix);
        int kind = 0;
        const char *ref = NULL, *note = NULL;
        struct pd_spec is[] = {
            pd_spec_enum("kind", &kind, PD_REQ, pd_handover_item_kinds),
            pd_spec_str("ref", &ref, PD_REQ, 1, REF_CHARS),
            pd_spec_str("note", &note, PD_OPT, 0, NOTE_CHARS),
            pd_spec_end(),
        };
        struct pd_json_error je;
        if (!json_is_object(it)) {
            json_decref(canon);
            return pd_reply_err(rq, PD_E_JSON_TYPE, prefix, "an object {kind, ref, note}");
        }
        if (!pd_json_decode(it, is, &rq->arena, prefix, &je)) {
            json_decref(canon);
            return pd_reply_err(rq, je.code, je.field, je.detail[0] ? je.detail : NULL);
        }
        struct item *x = &t.items[t.nitems++];
        x->kind = kind;
        x->ref = ref;
        bool form = kind == PD_HANDOVER_PROBLEM   ? pd__parse_id(ref, &x->problem_id)
                    : kind == PD_HANDOVER_WAYBILL ? pd_waybill_no_valid(ref)
                                                  : ticket_ref_ok(ref);
        if (!form) {
            json_decref(canon);
            return pd_reply_err(rq, PD_E_JSON_FORMAT, field,
                                kind == PD_HANDOVER_PROBLEM   ? "a problem id"
                                : kind == PD_HANDOVER_WAYBILL ? "a waybill number"
                                                              : "a ticket number");
        }
        json_array_append_new(canon,
                              json_pack("{s:s, s:s, s:s}", "kind", pd_handover_item_kinds[kind],
                                        "ref", ref, "note", note ? note : ""));
    }
    char *items_text = json_dumps(canon, JSON_COMPACT);
    json_decref(canon);
    if (!items_text)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    snprintf(t.h.shift, sizeof t.h.shift, "%s", pd_handover_shift_names[shift]);
    snprintf(t.h.shift_date, sizeof t.h.shift_date, "%s", day);
    t.h.author_id = rq->who.id;
    t.h.body = text;
    t.h.items = items_text;
    t.h.open_items = t.nitems;
    pd_qs qs = pd_tx_run(rq->app->store, "handovers.create", false, create_tx, &t);
    free(items_text);
    if (qs < 0)
        json_decref(t.out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, t.out);
}

/* ---- read -------------------------------------------------------------------------- */

struct get_tx {
    struct pd_req *rq;
    int64_t id;
    struct pd_handover h; /* scalar fields only: texts are gone after the callback */
    bool found;
    json_t *out;
};

static int get_cb(void *cls, const struct pd_handover *h)
{
    struct get_tx *t = cls;
    if (!pd_req_in_scope(t->rq, h->node_path))
        return 0; /* another network's entry is as good as unknown */
    t->found = true;
    t->h = *h;
    t->h.body = t->h.items = NULL;
    json_decref(t->out);
    t->out = handover_json(h);
    return 0;
}

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    t->found = false;
    return db->ops->handover_get(db, t->id, get_cb, t);
}

int pd_api_handovers_get(struct pd_req *rq)
{
    struct get_tx t = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &t.id))
        return pd_reply_err(rq, PD_E_HANDOVER_NOT_FOUND, NULL, NULL);
    if (pd_tx_run(rq->app->store, "handovers.get", true, get_tx, &t) < 0) {
        json_decref(t.out);
        return pd__reply_db_error(rq);
    }
    if (!t.found) {
        json_decref(t.out);
        return pd_reply_err(rq, PD_E_HANDOVER_NOT_FOUND, NULL, NULL);
    }
    return pd_reply_json_steal(rq, 200, t.out);
}

struct list_tx {
    struct pd_req *rq;
    struct pd_handover_filter f;
    const char *node_code;
    char node_path[PD_PATH_MAX];
    bool node_ok;
    json_t *items;
    int64_t last;
    int n;
};

static int list_cb(void *cls, const struct pd_handover *h)
{
    struct list_tx *t = cls;
    json_array_append_new(t->items, handover_json(h));
    t->last = h->id;
    t->n++;
    return 0;
}

static pd_qs list_tx(pd_db *db, void *cls)
{
    struct list_tx *t = cls;
    json_array_clear(t->items);
    t->n = 0;
    if (t->node_code) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
        if (qs < 0)
            return qs;
        t->node_ok = qs > 0 && pd_req_in_scope(t->rq, n.path);
        if (!t->node_ok)
            return PD_QS_NONE;
        t->f.node_id = n.id;
    }
    return db->ops->handover_list(db, &t->f, list_cb, t);
}

int pd_api_handovers_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"unacknowledged", "node", "before", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct list_tx t = {.rq = rq, .f = {.node_path = rq->who.node_path}};
    int64_t unacked = 0, before = 0, limit = 0;
    if (!pd__query_int(rq, "unacknowledged", 0, 1, 0, &unacked) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    t.f.unacknowledged = unacked;
    t.f.before_id = before;
    t.f.limit = (int)limit;
    t.node_code = pd_req_query(rq, "node");
    t.items = json_array();
    if (pd_tx_run(rq->app->store, "handovers.list", true, list_tx, &t) < 0) {
        json_decref(t.items);
        return pd__reply_db_error(rq);
    }
    if (t.node_code && !t.node_ok) {
        json_decref(t.items);
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "node",
                            "no node with this code in your network");
    }
    json_t *next = t.n == t.f.limit ? json_integer(t.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", t.items, "next_before", next));
}

/* ---- acknowledge -------------------------------------------------------------------- */

struct ack_tx {
    struct get_tx g;
    const char *note;
    pd_err err;
};

static pd_qs ack_tx(pd_db *db, void *cls)
{
    struct ack_tx *t = cls;
    struct pd_req *rq = t->g.rq;
    pd_qs qs = get_tx(db, &t->g);
    if (qs < 0)
        return qs;
    if (!t->g.found) {
        t->err = PD_E_HANDOVER_NOT_FOUND;
        return PD_QS_ABORT;
    }
    static const pd_err refusal[] = {
        [PD_HANDOVER_ACK_DONE] = PD_E_HANDOVER_ACKED,
        [PD_HANDOVER_ACK_AUTHOR] = PD_E_HANDOVER_OWN,
        [PD_HANDOVER_ACK_OTHER_NODE] = PD_E_HANDOVER_OTHER_NODE,
    };
    enum pd_handover_ack_status s = pd_handover_may_ack(
        t->g.h.node_id, t->g.h.author_id, t->g.h.acked_ms, rq->who.id, rq->who.node_id);
    if (s != PD_HANDOVER_ACK_OK) {
        t->err = refusal[s];
        return PD_QS_ABORT;
    }
    if ((qs = db->ops->handover_ack(db, t->g.id, rq->who.id, pd_now_ms(), t->note)) < 0)
        return qs;
    if (qs == PD_QS_NONE) { /* acknowledged by someone else meanwhile */
        t->err = PD_E_HANDOVER_ACKED;
        return PD_QS_ABORT;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)t->g.id);
    struct pd_audit a;
    pd_audit_for(&a, rq, "handover.ack", "handover", id, t->g.h.node_id, NULL);
    if ((qs = db->ops->audit_insert(db, &a)) < 0)
        return qs;
    return get_tx(db, &t->g);
}

int pd_api_handovers_ack(struct pd_req *rq)
{
    struct ack_tx t = {.g = {.rq = rq}, .note = ""};
    if (!pd__parse_id(rq->args[0], &t.g.id))
        return pd_reply_err(rq, PD_E_HANDOVER_NOT_FOUND, NULL, NULL);
    if (rq->json) {
        struct pd_spec spec[] = {
            pd_spec_str("note", &t.note, PD_OPT, 0, NOTE_CHARS),
            pd_spec_end(),
        };
        if (pd_json_parse(rq, spec) != PD_JSON_OK)
            return PD_HANDLED;
    }
    pd_qs qs = pd_tx_run(rq->app->store, "handovers.ack", false, ack_tx, &t);
    if (qs < 0)
        json_decref(t.g.out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, NULL, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 200, t.g.out);
}
