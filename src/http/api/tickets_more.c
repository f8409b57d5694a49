/*
 * The service desk around the ticket itself (docs/service-desk.md):
 * corrective actions (整改措施) with their owner, due date and effect
 * evaluation, listed per ticket in its view and as overdue per node; the
 * escalation inbox of the signed-in user (GET /api/v1/me/notifications);
 * and the vocabularies a console or the public form needs
 * (/api/v1/ticket-refdata). Changes are audited and written into the
 * ticket's history in the transaction that makes them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tickets_int.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/json_spec.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

/* ---- corrective actions ----------------------------------------------------------- */

struct ca_create {
    struct pd_req *rq;
    const char *owner;
    struct pd_ticket_corrective a;
    bool found;
    struct pd__tk_fail f;
    json_t *out;
};

static pd_qs ca_create_tx(pd_db *db, void *cls)
{
    struct ca_create *x = cls;
    struct pd_ticket *t = malloc(sizeof *t);
    if (!t)
        return PD_QS_HARD;
    pd_qs qs = pd__tk_load(db, x->rq, x->rq->args[0], true, t, &x->found);
    if (qs <= 0)
        goto out;
    struct pd_user u;
    if ((qs = db->ops->user_get_by_name(db, x->owner, &u)) < 0)
        goto out;
    if (qs == 0 || !u.active || !pd_req_in_scope(x->rq, u.node_path)) {
        qs = pd__tk_refuse(&x->f, PD_E_TICKET_USER_UNKNOWN, "owner", NULL);
        goto out;
    }
    x->a.ticket_id = t->id;
    x->a.owner_id = u.id;
    if ((qs = db->ops->ticket_corrective_insert(db, &x->a)) < 0)
        goto out;
    char text[PD_TICKET_SHORT_SIZE + 160], json[160], due[PD_RFC3339_MAX];
    snprintf(text, sizeof text, "整改措施：%s（责任人 %s）", x->a.measure, u.username);
    snprintf(json, sizeof json, "{\"corrective\":%lld,\"owner\":\"%s\",\"due\":\"%s\"}",
             (long long)x->a.id, u.username, pd_time_format(x->a.due_ms, PD_CST_OFFSET_MIN, due));
    if ((qs = pd__tk_event(db, x->rq, t, x->a.created_ms, "corrective", false, text, json)) < 0 ||
        (qs = pd__tk_audit(db, x->rq, "ticket.corrective", t, json)) < 0)
        goto out;
    if ((qs = db->ops->ticket_corrective_get(db, x->a.id, &x->a)) <= 0) {
        qs = qs < 0 ? qs : PD_QS_HARD;
        goto out;
    }
    json_decref(x->out);
    x->out = pd__tk_corrective_json(&x->a, x->a.created_ms);
    qs = PD_QS_ONE;
out:
    free(t);
    return qs;
}

int pd_api_tickets_corrective_create(struct pd_req *rq)
{
    struct ca_create x = {.rq = rq};
    const char *measure = NULL, *due = NULL;
    struct pd_spec spec[] = {
        pd_spec_str("measure", &measure, PD_REQ, 1, PD__TK_SHORT_MAX),
        pd_spec_str("owner", &x.owner, PD_REQ, 1, 64),
        pd_spec_str("due", &due, PD_REQ, 1, 40),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (!pd__tk_has_text(measure))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "measure", NULL);
    if (!pd__tk_due_parse(due, &x.a.due_ms))
        return pd_reply_err(rq, PD_E_JSON_FORMAT, "due",
                            "a date YYYY-MM-DD or an RFC 3339 time with offset");
    snprintf(x.a.measure, sizeof x.a.measure, "%s", measure);
    x.a.created_ms = pd_now_ms();
    x.a.created_by = rq->who.kind == PD_WHO_USER ? rq->who.id : 0;
    pd_qs qs = pd_tx_run(rq->app->store, "ticket.corrective", false, ca_create_tx, &x);
    if (qs < 0 || !x.found) {
        json_decref(x.out);
        if (qs >= 0)
            return pd_reply_err(rq, PD_E_TICKET_NOT_FOUND, NULL, NULL);
        return pd__tk_reply_fail(rq, qs, &x.f);
    }
    return pd_reply_json_steal(rq, 201, x.out);
}

struct ca_update {
    struct pd_req *rq;
    int64_t id;
    bool done, has_done;
    int evaluation;
    const char *note;
    struct pd_ticket_corrective a;
    bool found;
    struct pd__tk_fail f;
    json_t *out;
};

static pd_qs ca_update_tx(pd_db *db, void *cls)
{
    struct ca_update *x = cls;
    pd_qs qs = db->ops->ticket_corrective_get(db, x->id, &x->a);
    x->found = qs > 0 && pd_req_in_scope(x->rq, x->a.node_path);
    if (qs < 0 || !x->found)
        return qs < 0 ? qs : PD_QS_NONE;
    int64_t now = pd_now_ms();
    json_t *d = json_object();
    if (x->has_done && x->done != (x->a.done_ms != 0)) {
        x->a.done_ms = x->done ? now : 0;
        json_object_set_new(d, "done", json_boolean(x->done));
    }
    if (x->evaluation >= 0) {
        if (x->a.evaluation[0]) {
            json_decref(d);
            return pd__tk_refuse(&x->f, PD_E_CORRECTIVE_EVALUATED, "evaluation", x->a.evaluation);
        }
        snprintf(x->a.evaluation, sizeof x->a.evaluation, "%s",
                 pd_ticket_evaluation_names[x->evaluation]);
        snprintf(x->a.evaluation_note, sizeof x->a.evaluation_note, "%s", x->note);
        x->a.evaluated_ms = now;
        x->a.evaluated_by = x->rq->who.kind == PD_WHO_USER ? x->rq->who.id : 0;
        if (!x->a.done_ms)
            x->a.done_ms = now; /* what is evaluated has been done */
        json_object_set_new(d, "evaluation", json_string(x->a.evaluation));
    }
    if (json_object_size(d) == 0) {
        json_decref(d);
    } else {
        if ((qs = db->ops->ticket_corrective_update(db, &x->a)) <= 0) {
            json_decref(d);
            return qs < 0 ? qs : PD_QS_HARD;
        }
        json_object_set_new(d, "corrective", json_integer(x->a.id));
        char *ds = json_dumps(d, JSON_COMPACT);
        json_decref(d);
        struct pd_ticket *t = malloc(sizeof *t);
        if (!t || (qs = db->ops->ticket_get(db, x->a.ticket_id, NULL, false, t)) <= 0) {
            free(t);
            free(ds);
            return qs < 0 ? qs : PD_QS_HARD;
        }
        char text[PD__TK_SHORT_MAX * 4 + 96];
        if (x->evaluation >= 0)
            snprintf(text, sizeof text, "整改效果评估：%s（%s）",
                     pd_ticket_evaluations[x->evaluation].zh, x->a.evaluation_note);
        else
            snprintf(text, sizeof text, "整改措施%s：%s", x->a.done_ms ? "已完成" : "重新打开",
                     x->a.measure);
        qs = pd__tk_event(db, x->rq, t, now, "corrective", false, text, ds);
        if (qs >= 0)
            qs = pd__tk_audit(db, x->rq, "ticket.corrective_update", t, ds);
        free(t);
        free(ds);
        if (qs < 0)
            return qs;
    }
    json_decref(x->out);
    x->out = pd__tk_corrective_json(&x->a, now);
    return PD_QS_ONE;
}

int pd_api_corrective_patch(struct pd_req *rq)
{
    struct ca_update x = {.rq = rq, .evaluation = -1};
    if (!pd__parse_id(rq->args[0], &x.id))
        return pd_reply_err(rq, PD_E_CORRECTIVE_NOT_FOUND, NULL, NULL);
    struct pd_spec spec[] = {
        pd_spec_bool("done", &x.done, PD_OPT),
        pd_spec_enum("evaluation", &x.evaluation, PD_OPT, pd_ticket_evaluation_names),
        pd_spec_str("evaluation_note", &x.note, PD_OPT, 0, PD__TK_SHORT_MAX),
        pd_spec_end(),
    };
    spec[0].present = &x.has_done;
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    if (x.evaluation >= 0) {
        /* Judging whether a measure worked is a supervisor's call, with a reason. */
        if (!pd_app_role_has(rq->app, rq->who.role, PD_PERM_TICKETS_SUPERVISE))
            return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, "evaluation", "tickets.supervise");
        if (!pd__tk_has_text(x.note))
            return pd_reply_err(rq, PD_E_JSON_MISSING, "evaluation_note",
                                "say what the evaluation found");
    }
    pd_qs qs = pd_tx_run(rq->app->store, "ticket.corrective_update", false, ca_update_tx, &x);
    if (qs < 0 || !x.found) {
        json_decref(x.out);
        if (qs >= 0)
            return pd_reply_err(rq, PD_E_CORRECTIVE_NOT_FOUND, NULL, NULL);
        return pd__tk_reply_fail(rq, qs, &x.f);
    }
    return pd_reply_json_steal(rq, 200, x.out);
}

struct ca_list {
    struct pd_req *rq;
    struct pd_corrective_filter f;
    const char *node;
    char path[PD_PATH_MAX]; /* of ?node=CODE */
    bool bad_node;
    int64_t now, last;
    int n;
    json_t *items;
};

static int ca_list_cb(void *cls, const struct pd_ticket_corrective *a)
{
    struct ca_list *x = cls;
    json_array_append_new(x->items, pd__tk_corrective_json(a, x->now));
    x->last = a->id;
    x->n++;
    return 0;
}

static pd_qs ca_list_tx(pd_db *db, void *cls)
{
    struct ca_list *x = cls;
    json_array_clear(x->items);
    x->n = 0;
    if (x->node) {
        struct pd_node n;
        pd_qs qs = db->ops->node_get_by_code(db, x->node, &n);
        if (qs < 0)
            return qs;
        x->bad_node = qs == 0 || !pd_req_in_scope(x->rq, n.path);
        if (x->bad_node)
            return PD_QS_NONE;
        snprintf(x->path, sizeof x->path, "%s", n.path);
        x->f.node_path = x->path;
    }
    return db->ops->ticket_corrective_list(db, &x->f, ca_list_cb, x);
}

int pd_api_corrective_list(struct pd_req *rq)
{
    static const char *const allowed[] = {"overdue", "node", "before", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct ca_list x = {.rq = rq, .f = {.node_path = rq->who.node_path}, .now = pd_now_ms()};
    int64_t overdue = 0, before = 0, limit = 0;
    if (!pd__query_int(rq, "overdue", 0, 1, 0, &overdue) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    x.f.overdue_at_ms = overdue ? x.now : 0;
    x.f.before_id = before;
    x.f.limit = (int)limit;
    x.node = pd_req_query(rq, "node");
    x.items = json_array();
    if (pd_tx_run(rq->app->store, "ticket.corrective_list", true, ca_list_tx, &x) < 0) {
        json_decref(x.items);
        return pd__reply_db_error(rq);
    }
    if (x.bad_node) {
        json_decref(x.items);
        return pd_reply_err(rq, PD_E_TICKET_NODE_UNKNOWN, "node", NULL);
    }
    json_t *next = x.n == x.f.limit ? json_integer(x.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", x.items, "next_before", next));
}

/* ---- the escalation inbox -------------------------------------------------------------- */

/* Whether the caller is among those escalation @p e addresses. */
static bool addressed_to(struct pd_req *rq, const struct pd_ticket_escalation *e)
{
    if (e->user_id && e->user_id == rq->who.id)
        return true;
    return e->node_id && e->node_id == rq->who.node_id &&
           pd_app_role_has(rq->app, rq->who.role, PD_PERM_TICKETS_SUPERVISE);
}

static json_t *escalation_json(const struct pd_ticket_escalation *e)
{
    const struct pd_timelimit *rule = pd_timelimit_find(e->rule);
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:s?, s:o, s:o, s:o, s:o, s:b}", "id",
                     (json_int_t)e->id, "level", e->level, "audience", e->audience, "ticket_no",
                     e->ticket_no, "ticket_status", e->ticket_status, "rule", e->rule, "rule_zh",
                     rule ? rule->zh : NULL, "rule_en", rule ? rule->en : NULL, "node",
                     e->node_code[0] ? json_string(e->node_code) : json_null(), "due_at",
                     pd__json_time(e->due_ms), "at", pd__json_time(e->at_ms), "read_at",
                     pd__json_time(e->read_ms), "read", e->read_ms != 0);
}

struct inbox {
    struct pd_req *rq;
    struct pd_escalation_filter f;
    json_t *items;
    int n;
    int64_t last;
};

static int inbox_cb(void *cls, const struct pd_ticket_escalation *e)
{
    struct inbox *x = cls;
    json_array_append_new(x->items, escalation_json(e));
    x->last = e->id;
    x->n++;
    return 0;
}

static pd_qs inbox_tx(pd_db *db, void *cls)
{
    struct inbox *x = cls;
    json_array_clear(x->items);
    x->n = 0;
    return db->ops->ticket_escalation_list(db, &x->f, inbox_cb, x);
}

int pd_api_me_notifications(struct pd_req *rq)
{
    static const char *const allowed[] = {"unread", "before", "limit", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    int64_t unread = 0, before = 0, limit = 0;
    if (!pd__query_int(rq, "unread", 0, 1, 0, &unread) ||
        !pd__query_int(rq, "before", 1, INT64_MAX, 0, &before) ||
        !pd__query_int(rq, "limit", 1, 200, 50, &limit))
        return PD_HANDLED;
    struct inbox x = {.rq = rq,
                      .f = {.user_id = rq->who.id,
                            .unread_only = unread,
                            .before_id = before,
                            .limit = (int)limit}};
    /* Supervisors also receive what is addressed to their node's supervisors. */
    if (pd_app_role_has(rq->app, rq->who.role, PD_PERM_TICKETS_SUPERVISE))
        x.f.node_id = rq->who.node_id;
    x.items = json_array();
    if (pd_tx_run(rq->app->store, "notifications", true, inbox_tx, &x) < 0) {
        json_decref(x.items);
        return pd__reply_db_error(rq);
    }
    json_t *next = x.n == x.f.limit ? json_integer(x.last) : json_null();
    return pd_reply_json_steal(rq, 200,
                               json_pack("{s:o, s:o}", "items", x.items, "next_before", next));
}

struct read_tx {
    struct pd_req *rq;
    int64_t id;
    bool found;
    struct pd_ticket_escalation e;
};

static pd_qs read_tx(pd_db *db, void *cls)
{
    struct read_tx *x = cls;
    pd_qs qs = db->ops->ticket_escalation_get(db, x->id, &x->e);
    x->found = qs > 0 && addressed_to(x->rq, &x->e);
    if (qs < 0 || !x->found)
        return qs < 0 ? qs : PD_QS_NONE;
    if ((qs = db->ops->ticket_escalation_read(db, x->id, x->rq->who.id, pd_now_ms())) < 0)
        return qs;
    return db->ops->ticket_escalation_get(db, x->id, &x->e);
}

int pd_api_me_notification_read(struct pd_req *rq)
{
    struct read_tx x = {.rq = rq};
    if (!pd__parse_id(rq->args[0], &x.id))
        return pd_reply_err(rq, PD_E_NOTIFICATION_NOT_FOUND, NULL, NULL);
    if (pd_tx_run(rq->app->store, "notification.read", false, read_tx, &x) < 0)
        return pd__reply_db_error(rq);
    if (!x.found)
        return pd_reply_err(rq, PD_E_NOTIFICATION_NOT_FOUND, NULL, NULL);
    return pd_reply_json_steal(rq, 200, escalation_json(&x.e));
}

/* ---- vocabularies ------------------------------------------------------------------------ */

static json_t *terms_json(const struct pd_ticket_term *t, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(
            a, json_pack("{s:s, s:s, s:s}", "name", t[i].name, "zh", t[i].zh, "en", t[i].en));
    return a;
}

int pd_api_ticket_refdata(struct pd_req *rq)
{
    json_t *cats = terms_json(pd_ticket_categories, PD_TCAT__COUNT);
    for (int i = 0; i < PD_TCAT__COUNT; i++)
        json_object_set_new(json_array_get(cats, (size_t)i), "regulator_group",
                            json_string(pd_ticket_category_groups[i]));
    json_t *actions = json_array();
    for (int i = 0; i < PD_TACT__COUNT; i++) {
        const struct pd_ticket_action_def *a = pd_ticket_action_get((enum pd_ticket_action)i);
        const struct pd_timelimit *meet =
            a->meet >= 0 ? pd_timelimit_get((enum pd_timelimit_id)a->meet) : NULL;
        const struct pd_timelimit *start = pd_ticket_action_starts(a, false);
        const struct pd_timelimit *start2 = pd_ticket_action_starts(a, true);
        json_t *starts = json_array();
        if (start)
            json_array_append_new(starts, json_string(start->id));
        if (start2 && start2 != start)
            json_array_append_new(starts, json_string(start2->id));
        json_array_append_new(actions, json_pack("{s:s, s:s, s:s, s:o, s:s?}", "name", a->name,
                                                 "zh", a->zh, "en", a->en, "starts", starts,
                                                 "meets", meet ? meet->id : NULL));
    }
    json_t *rules = json_array();
    for (size_t i = 0; i < pd_timelimit_count(); i++) {
        const struct pd_timelimit *r = pd_timelimit_get((enum pd_timelimit_id)i);
        json_array_append_new(
            rules, json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:b, s:i}", "id", r->id, "zh", r->zh,
                             "en", r->en, "unit", pd_calendar_unit_name(r->limit.unit), "amount",
                             r->limit.amount, "from", pd_timelimit_from_name(r->from), "pausable",
                             r->pausable, "warn_pct", r->warn_pct));
    }
    json_t *j =
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i}", "kinds",
                  terms_json(pd_ticket_kinds, PD_TKIND__COUNT), "statuses",
                  terms_json(pd_ticket_statuses, PD_TST__COUNT), "categories", cats, "priorities",
                  terms_json(pd_ticket_priorities, PD_TPRI__COUNT), "departments",
                  terms_json(pd_ticket_depts, PD_TDEPT__COUNT), "channels",
                  terms_json(pd_ticket_channels, PD_TCH__COUNT), "actions", actions, "clock_rules",
                  rules, "evaluations", terms_json(pd_ticket_evaluations, PD_TEVAL__COUNT),
                  "reopen_days", rq->app->cfg.tickets_reopen_days);
    return pd_reply_json_steal(rq, 200, j);
}
