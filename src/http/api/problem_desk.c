/*
 * The service desk's side of problem parcels (问题件, DOMAIN.md §6; docs/
 * service-desk-problems.md): staff open one at a node for any type of
 * core/problem.def they may open (POST /api/v1/problems), read the whole
 * record (GET /api/v1/problems/{id}: actions, contacts, evidence,
 * compensation cases), record resolution actions — re-deliver, redirect,
 * return, hold, destroy, compensate, the last opening a compensation case
 * for the claims module — and every contact with the sender or recipient,
 * and close it with a reason and a root cause. GET /api/v1/stats/problems
 * counts a month's problems by type, node and root cause (复盘).
 *
 * Invariants:
 *   1. A closed problem is read-only: actions, contacts, uploads and a
 *      second close are refused (409 problem.closed).
 *   2. Closing needs a reason that is not blank and a root cause.
 *   3. At most one open compensation case per problem (the table's rule).
 *   4. Every write is audited in the transaction that makes it, and moves
 *      the problem's updated_ms.
 * Reading follows problems.c (tracking.read, the caller's subtree, no
 * customer systems); writing needs tickets.write and is a person's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/problem.h"
#include "core/waybill_no.h"
#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/problem_desk.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

#define TEXT_CHARS     200               /* reason, note, address: PD_PROBLEM_TEXT_SIZE */
#define AMOUNT_MAX_FEN 1000000000LL      /* ¥10,000,000: far above any parcel's claim */
#define FUTURE_SLACK   (5 * 60 * 1000LL) /* a contact's time may run this far ahead (clocks) */

/* True when @p s holds something other than white space. */
static bool has_text(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return true;
    return false;
}

/* Audit @p action on problem @p p with @p detail (a JSON object, stolen). */
static pd_qs audit(struct pd_req *rq, pd_db *db, const char *action, const struct pd_problem *p,
                   json_t *detail)
{
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)p->id);
    char *ds = detail ? json_dumps(detail, JSON_COMPACT) : NULL;
    json_decref(detail);
    struct pd_audit a;
    pd_audit_for(&a, rq, action, "problem", id, p->node_id, ds);
    pd_qs qs = db->ops->audit_insert(db, &a);
    free(ds);
    return qs;
}

/* ---- the whole record -------------------------------------------------------------- */

static int action_cb(void *cls, const struct pd_problem_action_rec *a)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:o, s:s?, s:s}", "id", (json_int_t)a->id, "action", a->action,
        "action_zh",
        pd_problem_action_zh(pd_problem_name_index(pd_problem_action_names, a->action)), "at",
        pd__json_time(a->at_ms), "by", a->by_name[0] ? a->by_name : NULL, "note", a->note);
    if (a->address[0])
        json_object_set_new(j, "address", json_string(a->address));
    if (a->amount_fen)
        json_object_set_new(j, "amount_fen", json_integer(a->amount_fen));
    if (a->case_id)
        json_object_set_new(j, "compensation_case_id", json_integer(a->case_id));
    json_array_append_new(cls, j);
    return 0;
}

static json_t *contact_json(const struct pd_problem_contact *c)
{
    return json_pack(
        "{s:I, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s?, s:o}", "id", (json_int_t)c->id, "at",
        pd__json_time(c->at_ms), "party", c->party, "party_zh",
        pd_problem_party_zh(pd_problem_name_index(pd_problem_party_names, c->party)), "channel",
        c->channel, "channel_zh",
        pd_problem_channel_zh(pd_problem_name_index(pd_problem_channel_names, c->channel)),
        "outcome", c->outcome, "outcome_zh",
        pd_problem_outcome_zh(pd_problem_name_index(pd_problem_outcome_names, c->outcome)), "note",
        c->note, "by", c->by_name[0] ? c->by_name : NULL, "recorded_at",
        pd__json_time(c->recorded_ms));
}

static int contact_cb(void *cls, const struct pd_problem_contact *c)
{
    json_array_append_new(cls, contact_json(c));
    return 0;
}

json_t *pd__evidence_json(const struct pd_problem_evidence *e)
{
    char url[96];
    snprintf(url, sizeof url, "/api/v1/problems/%lld/evidence/%lld", (long long)e->problem_id,
             (long long)e->id);
    return json_pack("{s:I, s:s, s:I, s:s, s:o, s:s?, s:s}", "id", (json_int_t)e->id,
                     "content_type", e->content_type, "size_bytes", (json_int_t)e->size_bytes,
                     "sha256", e->sha256, "uploaded_at", pd__json_time(e->uploaded_ms),
                     "uploaded_by", e->uploaded_by_name[0] ? e->uploaded_by_name : NULL, "url",
                     url);
}

static int evidence_cb(void *cls, const struct pd_problem_evidence *e)
{
    json_array_append_new(cls, pd__evidence_json(e));
    return 0;
}

static json_t *case_json(const struct pd_compensation_case *c)
{
    return json_pack("{s:I, s:s, s:I, s:s, s:s, s:o}", "id", (json_int_t)c->id, "waybill_no",
                     c->waybill_no, "amount_fen", (json_int_t)c->amount_fen, "state", c->state,
                     "note", c->note, "created_at", pd__json_time(c->created_ms));
}

static int case_cb(void *cls, const struct pd_compensation_case *c)
{
    json_array_append_new(cls, case_json(c));
    return 0;
}

/* The problem with its actions, contacts, evidence and compensation cases,
 * read in the caller's transaction. @return a failure, or PD_QS_ONE with *out set. */
static pd_qs record_json(pd_db *db, const struct pd_problem *p, const struct pd_problem_more *m,
                         json_t **out)
{
    json_t *j = pd__problem_json(p, m);
    json_t *actions = json_array(), *contacts = json_array(), *evidence = json_array(),
           *cases = json_array();
    json_object_set_new(j, "actions", actions);
    json_object_set_new(j, "contacts", contacts);
    json_object_set_new(j, "evidence", evidence);
    json_object_set_new(j, "compensation_cases", cases);
    pd_qs qs;
    if ((qs = db->ops->problem_action_list(db, p->id, action_cb, actions)) < 0 ||
        (qs = db->ops->problem_contact_list(db, p->id, contact_cb, contacts)) < 0 ||
        (qs = db->ops->problem_evidence_list(db, p->id, evidence_cb, evidence)) < 0 ||
        (qs = db->ops->compensation_case_list(db, p->id, case_cb, cases)) < 0) {
        json_decref(j);
        return qs;
    }
    json_decref(*out);
    *out = j;
    return PD_QS_ONE;
}

/* The {id} argument, or a 404 reply. */
static bool problem_id(struct pd_req *rq, int64_t *id)
{
    if (pd__parse_id(rq->args[0], id))
        return true;
    pd_reply_err(rq, PD_E_PROBLEM_NOT_FOUND, NULL, NULL);
    return false;
}

struct get_tx {
    struct pd_req *rq;
    int64_t id;
    bool found;
    json_t *out;
};

static pd_qs get_tx(pd_db *db, void *cls)
{
    struct get_tx *t = cls;
    struct pd_problem p;
    struct pd_problem_more m;
    pd_qs qs = pd__problem_get_scoped(t->rq, db, t->id, &p, &m);
    t->found = qs > 0;
    return qs > 0 ? record_json(db, &p, &m, &t->out) : qs;
}

int pd_api_problems_get(struct pd_req *rq)
{
    struct get_tx t = {.rq = rq};
    if (!pd__problem_may_read(rq) || !problem_id(rq, &t.id))
        return PD_HANDLED;
    if (pd_tx_run(rq->app->store, "problems.get", true, get_tx, &t) < 0) {
        json_decref(t.out);
        return pd__reply_db_error(rq);
    }
    if (!t.found)
        return pd_reply_err(rq, PD_E_PROBLEM_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, t.out);
}

/* ---- open ------------------------------------------------------------------------------ */

static int waybill_seen(void *cls, const struct pd_waybill *w)
{
    (void)w;
    *(bool *)cls = true;
    return 0;
}

struct open_tx {
    struct pd_req *rq;
    const char *node_code; /* NULL: the caller's node */
    struct pd_problem p;
    pd_err err;
    const char *field;
    char detail[64];
    json_t *out;
};

static pd_qs open_tx(pd_db *db, void *cls)
{
    struct open_tx *t = cls;
    bool known = false;
    pd_qs qs = db->ops->waybill_get(db, t->p.waybill_no, false, waybill_seen, &known);
    if (qs < 0)
        return qs;
    if (!known) {
        t->err = PD_E_PROBLEM_WAYBILL_UNKNOWN;
        t->field = "waybill_no";
        return PD_QS_ABORT;
    }
    t->p.node_id = t->rq->who.node_id;
    if (t->node_code) {
        struct pd_node n;
        if ((qs = db->ops->node_get_by_code(db, t->node_code, &n)) < 0)
            return qs;
        if (qs == PD_QS_NONE || !pd_req_in_scope(t->rq, n.path) || !n.active) {
            t->err = PD_E_PROBLEM_NODE_UNKNOWN;
            t->field = "node";
            return PD_QS_ABORT;
        }
        t->p.node_id = n.id;
    }
    bool opened = false;
    if ((qs = db->ops->problem_open(db, &t->p, &opened)) < 0)
        return qs;
    if (!opened) {
        t->err = PD_E_PROBLEM_EXISTS;
        t->field = "type";
        snprintf(t->detail, sizeof t->detail, "problem %lld", (long long)t->p.id);
        return PD_QS_ABORT;
    }
    if ((qs = db->ops->problem_touch(db, t->p.id, NULL, NULL, t->p.opened_ms)) < 0)
        return qs;
    struct pd_problem back;
    struct pd_problem_more m;
    if ((qs = db->ops->problem_more_get(db, t->p.id, &back, &m)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD; /* inserted a moment ago in this transaction */
    if ((qs = audit(t->rq, db, "problem.open", &back,
                    json_pack("{s:s, s:s, s:s}", "waybill_no", back.waybill_no, "type", back.type,
                              "reason", back.reason))) < 0)
        return qs;
    return record_json(db, &back, &m, &t->out);
}

int pd_api_problems_create(struct pd_req *rq)
{
    const char *no = NULL, *reason = NULL;
    int type = 0;
    struct open_tx t = {.rq = rq};
    struct pd_spec spec[] = {
        pd_spec_str_fmt("waybill_no", &no, PD_REQ, 1, 20, pd_waybill_no_valid),
        pd_spec_enum("type", &type, PD_REQ, pd_problem_type_names),
        pd_spec_str("node", &t.node_code, PD_OPT, 1, 32),
        pd_spec_str("reason", &reason, PD_REQ, 1, TEXT_CHARS),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!pd_problem_type_staff((enum pd_problem_type)type))
        return pd_reply_err(rq, PD_E_PROBLEM_TYPE_AUTO, "type",
                            "no_update and delayed are the stale-parcel job's");
    if (!has_text(reason))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "reason", "say what happened");
    snprintf(t.p.waybill_no, sizeof t.p.waybill_no, "%s", no);
    snprintf(t.p.type, sizeof t.p.type, "%s", pd_problem_type_names[type]);
    snprintf(t.p.reason, sizeof t.p.reason, "%s", reason);
    t.p.source = PD_PROBLEM_SOURCE_STAFF;
    t.p.opened_by = rq->who.id;
    t.p.opened_ms = pd_now_ms();
    pd_qs qs = pd_tx_run(rq->app->store, "problems.open", false, open_tx, &t);
    if (qs < 0)
        json_decref(t.out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t.err, t.field, t.detail[0] ? t.detail : NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, 201, t.out);
}

/* ---- actions, contacts, close: one transaction shape ------------------------------- */

struct write_tx {
    struct pd_req *rq;
    int64_t id;
    int64_t now;
    pd_err err;
    const char *field;
    /* the write, by kind */
    pd_qs (*write)(struct write_tx *t, pd_db *db, struct pd_problem *p);
    struct pd_problem_action_rec action;
    unsigned action_flags;
    struct pd_problem_contact contact;
    const char *close_reason;
    const char *root_cause;
    json_t *out;
};

static pd_qs write_tx(pd_db *db, void *cls)
{
    struct write_tx *t = cls;
    struct pd_problem p;
    struct pd_problem_more m;
    pd_qs qs = pd__problem_get_scoped(t->rq, db, t->id, &p, &m);
    if (qs < 0)
        return qs;
    if (qs == PD_QS_NONE) {
        t->err = PD_E_PROBLEM_NOT_FOUND;
        return PD_QS_ABORT;
    }
    if (p.state == PD_PROBLEM_CLOSED) { /* invariant 1 */
        t->err = PD_E_PROBLEM_CLOSED;
        return PD_QS_ABORT;
    }
    return t->write(t, db, &p);
}

/* Run one write and answer @p status with t->out. */
static int run_write(struct pd_req *rq, struct write_tx *t, const char *name, unsigned status)
{
    pd_qs qs = pd_tx_run(rq->app->store, name, false, write_tx, t);
    if (qs < 0)
        json_decref(t->out);
    if (qs == PD_QS_ABORT)
        return pd_reply_err(rq, t->err, t->field, NULL);
    if (qs < 0)
        return pd__reply_db_error(rq);
    return pd_reply_json_steal(rq, status, t->out);
}

static pd_qs write_action(struct write_tx *t, pd_db *db, struct pd_problem *p)
{
    pd_qs qs;
    json_t *kase = json_null();
    if (t->action_flags & PD_PROBLEM_ACT_CASE) { /* invariant 3 */
        struct pd_compensation_case c = {.problem_id = p->id,
                                         .node_id = p->node_id,
                                         .amount_fen = t->action.amount_fen,
                                         .created_ms = t->now,
                                         .created_by = t->rq->who.id};
        snprintf(c.waybill_no, sizeof c.waybill_no, "%s", p->waybill_no);
        snprintf(c.note, sizeof c.note, "%s", t->action.note);
        bool dup = false;
        if ((qs = db->ops->compensation_case_insert(db, &c, &dup)) < 0)
            return qs;
        if (dup) {
            t->err = PD_E_PROBLEM_CASE_EXISTS;
            t->field = "action";
            return PD_QS_ABORT;
        }
        t->action.case_id = c.id;
        json_decref(kase);
        kase = case_json(&c);
    }
    t->action.problem_id = p->id;
    if ((qs = db->ops->problem_action_insert(db, &t->action)) < 0 ||
        (qs = db->ops->problem_touch(db, p->id, t->action.action, NULL, t->now)) < 0 ||
        (qs = audit(t->rq, db, "problem.action", p,
                    json_pack("{s:s, s:I, s:I}", "action", t->action.action, "amount_fen",
                              (json_int_t)t->action.amount_fen, "case_id",
                              (json_int_t)t->action.case_id))) < 0) {
        json_decref(kase);
        return qs;
    }
    snprintf(t->action.by_name, sizeof t->action.by_name, "%s", t->rq->who.name);
    json_t *a = json_array();
    action_cb(a, &t->action);
    json_t *out = json_incref(json_array_get(a, 0));
    json_decref(a);
    json_object_set_new(out, "compensation_case", kase);
    json_decref(t->out);
    t->out = out;
    return PD_QS_ONE;
}

int pd_api_problems_action(struct pd_req *rq)
{
    struct write_tx t = {.rq = rq, .write = write_action, .now = pd_now_ms()};
    if (!problem_id(rq, &t.id))
        return PD_HANDLED;
    int action = 0;
    const char *note = NULL, *address = NULL;
    int64_t amount = 0;
    bool has_address = false, has_amount = false;
    struct pd_spec spec[] = {
        pd_spec_enum("action", &action, PD_REQ, pd_problem_action_names),
        pd_spec_str("note", &note, PD_OPT, 0, TEXT_CHARS),
        pd_spec_str("address", &address, PD_OPT, 1, TEXT_CHARS),
        pd_spec_int("amount_fen", &amount, PD_OPT, 1, AMOUNT_MAX_FEN),
        pd_spec_end(),
    };
    spec[2].present = &has_address;
    spec[3].present = &has_amount;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    /* What each action must carry, and nothing it does not take. */
    unsigned flags = pd_problem_action_flags(action);
    if ((flags & PD_PROBLEM_ACT_ADDRESS) && !has_text(address))
        return pd_reply_err(rq, PD_E_JSON_MISSING, "address", "redirect needs the new address");
    if (!(flags & PD_PROBLEM_ACT_ADDRESS) && has_address)
        return pd_reply_err(rq, PD_E_JSON_UNKNOWN_FIELD, "address", "only with action redirect");
    if ((flags & PD_PROBLEM_ACT_AMOUNT) && !has_amount)
        return pd_reply_err(rq, PD_E_JSON_MISSING, "amount_fen",
                            "compensate needs the amount claimed");
    if (!(flags & PD_PROBLEM_ACT_AMOUNT) && has_amount)
        return pd_reply_err(rq, PD_E_JSON_UNKNOWN_FIELD, "amount_fen",
                            "only with action compensate");
    if ((flags & PD_PROBLEM_ACT_NOTE) && !has_text(note))
        return pd_reply_err(rq, PD_E_JSON_MISSING, "note", "say why (destroy)");
    snprintf(t.action.action, sizeof t.action.action, "%s", pd_problem_action_names[action]);
    snprintf(t.action.note, sizeof t.action.note, "%s", note ? note : "");
    snprintf(t.action.address, sizeof t.action.address, "%s", address ? address : "");
    t.action.amount_fen = has_amount ? amount : 0;
    t.action.at_ms = t.now;
    t.action.by_user = rq->who.id;
    t.action_flags = flags;
    return run_write(rq, &t, "problems.action", 201);
}

static pd_qs write_contact(struct write_tx *t, pd_db *db, struct pd_problem *p)
{
    t->contact.problem_id = p->id;
    pd_qs qs;
    if ((qs = db->ops->problem_contact_insert(db, &t->contact)) < 0 ||
        (qs = db->ops->problem_touch(db, p->id, NULL, NULL, t->now)) < 0 ||
        (qs = audit(t->rq, db, "problem.contact", p,
                    json_pack("{s:s, s:s, s:s}", "party", t->contact.party, "channel",
                              t->contact.channel, "outcome", t->contact.outcome))) < 0)
        return qs;
    snprintf(t->contact.by_name, sizeof t->contact.by_name, "%s", t->rq->who.name);
    json_decref(t->out);
    t->out = contact_json(&t->contact);
    return PD_QS_ONE;
}

int pd_api_problems_contact(struct pd_req *rq)
{
    struct write_tx t = {.rq = rq, .write = write_contact, .now = pd_now_ms()};
    if (!problem_id(rq, &t.id))
        return PD_HANDLED;
    int party = 0, channel = 0, outcome = 0;
    int64_t at = 0;
    bool has_at = false;
    const char *note = NULL;
    struct pd_spec spec[] = {
        pd_spec_enum("party", &party, PD_REQ, pd_problem_party_names),
        pd_spec_enum("channel", &channel, PD_REQ, pd_problem_channel_names),
        pd_spec_enum("outcome", &outcome, PD_REQ, pd_problem_outcome_names),
        pd_spec_time("at", &at, PD_OPT),
        pd_spec_str("note", &note, PD_OPT, 0, TEXT_CHARS),
        pd_spec_end(),
    };
    spec[3].present = &has_at;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (has_at && at > t.now + FUTURE_SLACK)
        return pd_reply_err(rq, PD_E_JSON_RANGE, "at", "a contact cannot be in the future");
    t.contact.at_ms = has_at ? at : t.now;
    t.contact.recorded_ms = t.now;
    t.contact.by_user = rq->who.id;
    snprintf(t.contact.party, sizeof t.contact.party, "%s", pd_problem_party_names[party]);
    snprintf(t.contact.channel, sizeof t.contact.channel, "%s", pd_problem_channel_names[channel]);
    snprintf(t.contact.outcome, sizeof t.contact.outcome, "%s", pd_problem_outcome_names[outcome]);
    snprintf(t.contact.note, sizeof t.contact.note, "%s", note ? note : "");
    return run_write(rq, &t, "problems.contact", 201);
}

static pd_qs write_close(struct write_tx *t, pd_db *db, struct pd_problem *p)
{
    pd_qs qs = db->ops->problem_close(db, p->id, t->now, t->rq->who.id, t->close_reason);
    if (qs < 0)
        return qs;
    if (qs == PD_QS_NONE) { /* closed by someone else meanwhile */
        t->err = PD_E_PROBLEM_CLOSED;
        return PD_QS_ABORT;
    }
    if ((qs = db->ops->problem_touch(db, p->id, NULL, t->root_cause, t->now)) < 0 ||
        (qs = audit(
             t->rq, db, "problem.close", p,
             json_pack("{s:s, s:s}", "reason", t->close_reason, "root_cause", t->root_cause))) < 0)
        return qs;
    struct pd_problem back;
    struct pd_problem_more m;
    if ((qs = db->ops->problem_more_get(db, p->id, &back, &m)) <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    return record_json(db, &back, &m, &t->out);
}

int pd_api_problems_close(struct pd_req *rq)
{
    struct write_tx t = {.rq = rq, .write = write_close, .now = pd_now_ms()};
    if (!problem_id(rq, &t.id))
        return PD_HANDLED;
    int cause = 0;
    struct pd_spec spec[] = {
        pd_spec_str("reason", &t.close_reason, PD_REQ, 1, TEXT_CHARS),
        pd_spec_enum("root_cause", &cause, PD_REQ, pd_problem_cause_names),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!has_text(t.close_reason)) /* invariant 2 */
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "reason", "say why the problem is closed");
    t.root_cause = pd_problem_cause_names[cause];
    return run_write(rq, &t, "problems.close", 200);
}

/* ---- monthly statistics -------------------------------------------------------------- */

struct stats_tx {
    struct pd_req *rq;
    const char *node_code;
    char node_path[PD_PATH_MAX];
    bool node_ok;
    int64_t from, to;
    json_t *by_type, *by_node, *by_cause, *rows;
    int64_t total, open, closed, closed_ms;
};

/* Add @p r to the group @p key of @p groups ({key: {count, open, closed}}). */
static void add_group(json_t *groups, const char *key, const struct pd_problem_stat_row *r)
{
    json_t *g = json_object_get(groups, key);
    if (!g) {
        g = json_pack("{s:I, s:I, s:I}", "count", (json_int_t)0, "open", (json_int_t)0, "closed",
                      (json_int_t)0);
        json_object_set_new(groups, key, g);
    }
    const char *which = r->state == PD_PROBLEM_CLOSED ? "closed" : "open";
    json_object_set_new(g, "count",
                        json_integer(json_integer_value(json_object_get(g, "count")) + r->count));
    json_object_set_new(g, which,
                        json_integer(json_integer_value(json_object_get(g, which)) + r->count));
}

static int stats_cb(void *cls, const struct pd_problem_stat_row *r)
{
    struct stats_tx *t = cls;
    add_group(t->by_type, r->type, r);
    add_group(t->by_node, r->node_code, r);
    add_group(t->by_cause, r->root_cause, r);
    json_array_append_new(t->rows, json_pack("{s:s, s:s, s:s?, s:s, s:I}", "type", r->type, "node",
                                             r->node_code, "root_cause",
                                             r->root_cause[0] ? r->root_cause : NULL, "state",
                                             r->state == PD_PROBLEM_CLOSED ? "closed" : "open",
                                             "count", (json_int_t)r->count));
    t->total += r->count;
    if (r->state == PD_PROBLEM_CLOSED) {
        t->closed += r->count;
        t->closed_ms += r->closed_ms_sum;
    } else {
        t->open += r->count;
    }
    return 0;
}

static pd_qs stats_tx(pd_db *db, void *cls)
{
    struct stats_tx *t = cls;
    json_object_clear(t->by_type);
    json_object_clear(t->by_node);
    json_object_clear(t->by_cause);
    json_array_clear(t->rows);
    t->total = t->open = t->closed = t->closed_ms = 0;
    snprintf(t->node_path, sizeof t->node_path, "%s", t->rq->who.node_path);
    if (t->node_code) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, t->node_code, &n);
        if (qs < 0)
            return qs;
        t->node_ok = qs > 0 && pd_req_in_scope(t->rq, n.path);
        if (!t->node_ok)
            return PD_QS_NONE;
        snprintf(t->node_path, sizeof t->node_path, "%s", n.path);
    }
    return db->ops->problem_stats(db, t->node_path, t->from, t->to, stats_cb, t);
}

/* {key: {count, open, closed}} as an array, most problems first, then by key. */
static int by_count(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t cx = json_integer_value(json_object_get(x, "count"));
    json_int_t cy = json_integer_value(json_object_get(y, "count"));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "key")),
                  json_string_value(json_object_get(y, "key")));
}

static json_t *group_array(json_t *groups, const char *name, const char *(*zh)(const char *key))
{
    size_t n = json_object_size(groups), i = 0;
    json_t **items = calloc(n ? n : 1, sizeof *items);
    const char *key;
    json_t *g;
    json_object_foreach(groups, key, g)
    {
        json_t *item = json_deep_copy(g);
        json_object_set_new(item, "key", json_string(key));
        items[i++] = item;
    }
    qsort(items, n, sizeof *items, by_count);
    json_t *arr = json_array();
    for (i = 0; i < n; i++) {
        json_t *item = items[i];
        const char *k = json_string_value(json_object_get(item, "key"));
        json_object_set_new(item, name, k[0] ? json_string(k) : json_null());
        if (zh)
            json_object_set_new(item, "zh", json_string(zh(k)));
        json_object_del(item, "key");
        json_array_append_new(arr, item);
    }
    free(items);
    return arr;
}

static const char *type_zh(const char *key)
{
    enum pd_problem_type t;
    return pd_problem_type_parse(key, &t) ? pd_problem_type_zh(t) : "";
}

static const char *cause_zh(const char *key)
{
    return key[0] ? pd_problem_cause_zh(pd_problem_name_index(pd_problem_cause_names, key))
                  : "未结案（未复盘）";
}

/* "YYYY-MM" into the start of that month and of the next, China time. */
static bool month_range(const char *s, int64_t *from, int64_t *to)
{
    if (!s || strlen(s) != 7 || s[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && (s[i] < '0' || s[i] > '9'))
            return false;
    int y = atoi(s);
    int m = atoi(s + 5);
    if (y < 2000 || y > 2999 || m < 1 || m > 12)
        return false;
    char a[32], b[32]; /* room for any int, though y and m are checked above */
    snprintf(a, sizeof a, "%04d-%02d-01", y, m);
    snprintf(b, sizeof b, "%04d-%02d-01", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    return pd_date_parse(a, PD_CST_OFFSET_MIN, from) && pd_date_parse(b, PD_CST_OFFSET_MIN, to);
}

int pd_api_problems_stats(struct pd_req *rq)
{
    static const char *const allowed[] = {"month", "node", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *month = pd_req_query(rq, "month");
    struct stats_tx t = {.rq = rq, .node_code = pd_req_query(rq, "node")};
    if (!month)
        return pd_reply_err(rq, PD_E_PROBLEM_MONTH_INVALID, "month", "required, YYYY-MM");
    if (!month_range(month, &t.from, &t.to))
        return pd_reply_err(rq, PD_E_PROBLEM_MONTH_INVALID, "month", NULL);
    t.by_type = json_object();
    t.by_node = json_object();
    t.by_cause = json_object();
    t.rows = json_array();
    pd_qs qs = pd_tx_run(rq->app->store, "problems.stats", true, stats_tx, &t);
    json_t *all = json_pack("{s:o, s:o, s:o, s:o}", "t", t.by_type, "n", t.by_node, "c", t.by_cause,
                            "r", t.rows); /* owns the four, whatever happens */
    if (qs < 0) {
        json_decref(all);
        return pd__reply_db_error(rq);
    }
    if (t.node_code && !t.node_ok) {
        json_decref(all);
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "node",
                            "no node with this code in your network");
    }
    json_t *avg =
        t.closed ? json_real((double)t.closed_ms / (double)t.closed / 3600000.0) : json_null();
    json_t *out = json_pack(
        "{s:s, s:s, s:o, s:o, s:I, s:I, s:I, s:o, s:o, s:o, s:o, s:O}", "month", month, "node",
        t.node_code ? t.node_code : rq->who.node_code, "from", pd__json_time(t.from), "to",
        pd__json_time(t.to), "total", (json_int_t)t.total, "open", (json_int_t)t.open, "closed",
        (json_int_t)t.closed, "avg_close_hours", avg, "by_type",
        group_array(t.by_type, "type", type_zh), "by_node", group_array(t.by_node, "node", NULL),
        "by_root_cause", group_array(t.by_cause, "root_cause", cause_zh), "rows", t.rows);
    json_decref(all);
    return pd_reply_json_steal(rq, 200, out);
}
