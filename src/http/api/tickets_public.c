/*
 * The public complaint pages' API (/p/complaint; docs/service-desk.md
 * "Public pages"), without login: filing a complaint (a complaint ticket
 * from channel public_form, its clocks started like any complaint's) and
 * answering the ticket number it gets; the status of a ticket for whoever
 * knows its number and the last four digits of the complainant's phone —
 * the status and the replies to the customer, never internal notes or
 * staff names; and the customer's own reopen within the window (a linked
 * follow-up after it). Limits per client address (http/desk.h) stop
 * flooding and guessing: over a limit every answer is 429, so a blocked
 * client learns nothing about which numbers exist.
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
#include "http/desk.h"
#include "http/json_spec.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/timeutil.h"

void pd__tk_last4(const char *canon, char out[5])
{
    /* The main number's last four digits: a landline's extension ("-12") is not part of it. */
    char digits[40];
    size_t n = 0;
    int dashes = 0;
    for (const char *p = canon; *p && n < sizeof digits - 1; p++) {
        if (*p == '-' && ++dashes == 2)
            break;
        if (*p >= '0' && *p <= '9')
            digits[n++] = *p;
    }
    digits[n] = '\0';
    snprintf(out, 5, "%.4s", n >= 4 ? digits + n - 4 : digits);
}

/* ---- file a complaint -------------------------------------------------------------- */

struct root_hit {
    int64_t id;
};

static int root_cb(void *cls, const struct pd_node *n)
{
    struct root_hit *h = cls;
    if (!n->parent_id && !h->id)
        h->id = n->id;
    return 0;
}

static int waybill_node_cb(void *cls, const struct pd_waybill *w)
{
    *(int64_t *)cls = w->node_id;
    return 0;
}

struct file_tx {
    struct pd_req *rq;
    struct pd_ticket *t;
    struct pd__tk_fail f;
};

static pd_qs file_tx(pd_db *db, void *cls)
{
    struct file_tx *x = cls;
    struct pd_ticket *t = x->t;
    /* The waybill's own node handles it; without one, head office's queue. */
    t->node_id = 0;
    pd_qs qs;
    if (t->waybill_no[0] &&
        (qs = db->ops->waybill_get(db, t->waybill_no, false, waybill_node_cb, &t->node_id)) < 0)
        return qs;
    if (!t->node_id) {
        struct root_hit h = {0};
        if ((qs = db->ops->node_list(db, "/", root_cb, &h)) < 0)
            return qs;
        if (!h.id)
            return PD_QS_HARD; /* a network without a root: not migrated and seeded */
        t->node_id = h.id;
    }
    t->id = 0;
    return pd__tk_insert(db, x->rq->app, x->rq, t, "ticket.public_create", &x->f);
}

int pd_api_public_complaints_create(struct pd_req *rq)
{
    struct pd_desk *desk = rq->app->desk;
    if (!pd_ratelimit_hit(desk->complaint_limit, rq->ip, pd_now_ms()))
        return pd_reply_err(rq, PD_E_RATE_LIMITED, NULL, NULL);
    const char *name = NULL, *phone = NULL, *waybill = NULL, *category = NULL, *text = NULL;
    struct pd_spec spec[] = {
        pd_spec_str("name", &name, PD_REQ, 1, 64),
        pd_spec_str("phone", &phone, PD_REQ, 1, 32),
        pd_spec_str("waybill_no", &waybill, PD_OPT, 1, 32),
        pd_spec_str("category", &category, PD_REQ, 1, 32),
        pd_spec_str("text", &text, PD_REQ, 1, PD__TK_TEXT_MAX),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    int cat = pd_ticket_name_find(pd_ticket_category_names, category);
    if (cat < 0)
        return pd_reply_err(rq, PD_E_TICKET_CATEGORY_UNKNOWN, "category",
                            "see GET /api/v1/public/ticket-refdata");
    if (!pd__tk_has_text(name))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "name", NULL);
    if (!pd__tk_has_text(text))
        return pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "text", "say what happened");
    struct file_tx x = {.rq = rq};
    struct pd_ticket *t = x.t = calloc(1, sizeof *t);
    if (!t)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    enum pd_phone_kind pk;
    if (pd_phone_normalise(phone, t->contact_phone, sizeof t->contact_phone, &pk) != PD_OK) {
        free(t);
        return pd_reply_err(rq, PD_E_PHONE_INVALID, "phone", NULL);
    }
    if (waybill && !pd__waybill_no_parse(waybill, t->waybill_no)) {
        free(t);
        return pd_reply_err(rq, PD_E_WAYBILL_NO_INVALID, "waybill_no", NULL);
    }
    pd__tk_last4(t->contact_phone, t->phone_last4);
    snprintf(t->kind, sizeof t->kind, "complaint");
    snprintf(t->channel, sizeof t->channel, "public_form");
    snprintf(t->category, sizeof t->category, "%s", category);
    snprintf(t->priority, sizeof t->priority, "normal");
    snprintf(t->status, sizeof t->status, "new");
    snprintf(t->contact_name, sizeof t->contact_name, "%s", name);
    snprintf(t->subject, sizeof t->subject, "网上投诉：%s", pd_ticket_categories[cat].zh);
    snprintf(t->description, sizeof t->description, "%s", text);
    t->created_ms = t->updated_ms = pd_now_ms();
    pd_qs qs = pd_tx_run(rq->app->store, "ticket.public_create", false, file_tx, &x);
    if (qs < 0) {
        free(t);
        return pd__tk_reply_fail(rq, qs, &x.f);
    }
    json_t *j =
        json_pack("{s:s, s:s, s:s, s:o}", "ticket_no", t->ticket_no, "status", "new", "status_zh",
                  pd_ticket_statuses[PD_TST_NEW].zh, "created_at", pd__json_time(t->created_ms));
    free(t);
    return pd_reply_json_steal(rq, 201, j);
}

/* ---- look one up ------------------------------------------------------------------------ */

static bool four_digits(const char *s)
{
    if (!s || strlen(s) != 4)
        return false;
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/*
 * The checks before any look-up: the digits' format and the limits.
 * @return true to go on; false after replying.
 */
static bool gate(struct pd_req *rq, const char *no, const char *digits, int64_t now)
{
    struct pd_desk *desk = rq->app->desk;
    if (!four_digits(digits)) {
        pd_reply_err(rq, PD_E_QUERY_INVALID, "phone_last4",
                     "the last four digits of the complainant's phone");
        return false;
    }
    char key[128];
    snprintf(key, sizeof key, "%s|%.40s", rq->ip, no);
    if (pd_ratelimit_count(desk->miss_limit, rq->ip, now) >= PD_COMPLAINT_MISSES_PER_HR ||
        pd_ratelimit_count(desk->guess_limit, key, now) >= PD_COMPLAINT_GUESSES_PER_HR) {
        pd_reply_err(rq, PD_E_RATE_LIMITED, NULL, NULL);
        return false;
    }
    return true;
}

/* Count a miss (and a guess at @p no when the number exists); reply @p e. */
static int miss(struct pd_req *rq, const char *no, bool exists, int64_t now, pd_err e)
{
    struct pd_desk *desk = rq->app->desk;
    pd_ratelimit_hit(desk->miss_limit, rq->ip, now);
    if (exists) {
        char key[128];
        snprintf(key, sizeof key, "%s|%.40s", rq->ip, no);
        pd_ratelimit_hit(desk->guess_limit, key, now);
    }
    return pd_reply_err(rq, e, exists ? "phone_last4" : NULL, NULL);
}

struct public_view {
    struct pd_req *rq;
    const char *digits;
    struct pd_ticket t;
    bool found, match;
    json_t *out;
};

static int reply_cb(void *cls, const struct pd_ticket_event *e)
{
    json_array_append_new((json_t *)cls,
                          json_pack("{s:o, s:s}", "at", pd__json_time(e->at_ms), "text", e->text));
    return 0;
}

/* The customer's view of x->t: status and replies, nothing internal. */
static pd_qs public_json(pd_db *db, struct public_view *x, int64_t now)
{
    const struct pd_ticket *t = &x->t;
    json_t *replies = json_array();
    pd_qs qs = db->ops->ticket_event_list(db, t->id, true, reply_cb, replies);
    if (qs < 0) {
        json_decref(replies);
        return qs;
    }
    int st = pd_ticket_name_find(pd_ticket_status_names, t->status);
    int cat = pd_ticket_name_find(pd_ticket_category_names, t->category);
    bool closed = st == PD_TST_CLOSED;
    json_decref(x->out);
    x->out = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:s?, s:o, s:o, s:o, s:o, s:o, s:b, s:b}", "ticket_no",
        t->ticket_no, "kind", t->kind, "category", t->category, "category_zh",
        cat >= 0 ? pd_ticket_categories[cat].zh : NULL, "status", t->status, "status_zh",
        st >= 0 ? pd_ticket_statuses[st].zh : NULL, "created_at", pd__json_time(t->created_ms),
        "updated_at", pd__json_time(t->updated_ms), "resolved_at", pd__json_time(t->resolved_ms),
        "closed_at", pd__json_time(t->closed_ms), "replies", replies, "closed", closed,
        "can_reopen",
        closed && pd_ticket_reopen_allowed(t->closed_ms, now, x->rq->app->cfg.tickets_reopen_days));
    return x->out ? PD_QS_ONE : PD_QS_HARD;
}

static pd_qs view_tx(pd_db *db, void *cls)
{
    struct public_view *x = cls;
    pd_qs qs = pd__tk_load(db, NULL, x->rq->args[0], false, &x->t, &x->found);
    if (qs <= 0)
        return qs;
    x->match = x->t.phone_last4[0] && !strcmp(x->t.phone_last4, x->digits);
    if (!x->match)
        return PD_QS_NONE;
    return public_json(db, x, pd_now_ms());
}

int pd_api_public_complaints_get(struct pd_req *rq)
{
    static const char *const allowed[] = {"phone_last4", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    int64_t now = pd_now_ms();
    const char *no = rq->args[0];
    struct public_view *x = calloc(1, sizeof *x);
    if (!x)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    x->rq = rq;
    x->digits = pd_req_query(rq, "phone_last4");
    int r;
    if (!gate(rq, no, x->digits, now)) {
        r = PD_HANDLED;
    } else if (pd_tx_run(rq->app->store, "ticket.public_get", true, view_tx, x) < 0) {
        r = pd__reply_db_error(rq);
    } else if (!x->found) {
        r = miss(rq, no, false, now, PD_E_TICKET_NOT_FOUND);
    } else if (!x->match) {
        r = miss(rq, no, true, now, PD_E_TICKET_PHONE_WRONG);
    } else {
        r = pd_reply_json_steal(rq, 200, x->out);
        x->out = NULL;
    }
    json_decref(x->out);
    free(x);
    return r;
}

/* ---- the customer's own reopen ---------------------------------------------------------- */

struct reopen_tx {
    struct public_view v;
    const char *text;
    bool not_closed;
    struct pd__tk_fail f;
};

static pd_qs public_reopen_tx(pd_db *db, void *cls)
{
    struct reopen_tx *x = cls;
    struct public_view *v = &x->v;
    struct pd_ticket *t = &v->t;
    x->not_closed = false;
    pd_qs qs = pd__tk_load(db, NULL, v->rq->args[0], true, t, &v->found);
    if (qs <= 0)
        return qs;
    v->match = t->phone_last4[0] && !strcmp(t->phone_last4, v->digits);
    if (!v->match)
        return PD_QS_NONE;
    if (strcmp(t->status, "closed") != 0) {
        x->not_closed = true;
        return PD_QS_NONE;
    }
    int64_t now = pd_now_ms();
    char detail[160];
    if (pd_ticket_reopen_allowed(t->closed_ms, now, v->rq->app->cfg.tickets_reopen_days)) {
        snprintf(t->status, sizeof t->status, "investigating");
        t->closed_ms = t->resolved_ms = t->closed_by = 0;
        t->close_reason[0] = '\0';
        t->reopened++;
        t->updated_ms = now;
        if ((qs = db->ops->ticket_update(db, t)) <= 0)
            return qs < 0 ? qs : PD_QS_HARD;
        snprintf(detail, sizeof detail, "{\"by\":\"customer\",\"channel\":\"public_form\"}");
        if ((qs = pd__tk_event(db, v->rq, t, now, "reopen", false, x->text, detail)) < 0 ||
            (qs = pd__tk_audit(db, v->rq, "ticket.reopen", t, detail)) < 0)
            return qs;
        return public_json(db, v, now);
    }
    /* After the window: a new complaint, linked, the customer's text its description. */
    struct pd_ticket *n = calloc(1, sizeof *n);
    if (!n)
        return PD_QS_HARD;
    memcpy(n, t, sizeof *n);
    snprintf(n->channel, sizeof n->channel, "public_form");
    snprintf(n->status, sizeof n->status, "new");
    snprintf(n->subject, sizeof n->subject, "再次反映：%s", t->ticket_no);
    snprintf(n->description, sizeof n->description, "%s", x->text);
    n->parent_id = t->id;
    n->major = n->investigated = false;
    n->incident_ms = n->satisfaction_ms = n->resolved_ms = n->closed_ms = n->closed_by = 0;
    n->satisfaction = n->reopened = 0;
    n->close_reason[0] = n->satisfaction_comment[0] = '\0';
    n->created_ms = n->updated_ms = now;
    n->created_by = 0;
    if ((qs = pd__tk_insert(db, v->rq->app, v->rq, n, "ticket.follow_up", &x->f)) >= 0) {
        snprintf(detail, sizeof detail, "{\"follow_up\":\"%s\"}", n->ticket_no);
        qs = pd__tk_event(db, v->rq, t, now, "linked", false, "客户再次反映，已另开关联工单",
                          detail);
    }
    if (qs >= 0) {
        *t = *n;
        qs = public_json(db, v, now);
    }
    free(n);
    return qs;
}

int pd_api_public_complaints_reopen(struct pd_req *rq)
{
    int64_t now = pd_now_ms();
    const char *no = rq->args[0];
    struct reopen_tx *x = calloc(1, sizeof *x);
    if (!x)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    x->v.rq = rq;
    struct pd_spec spec[] = {
        pd_spec_str("phone_last4", &x->v.digits, PD_REQ, 4, 4),
        pd_spec_str("text", &x->text, PD_REQ, 1, PD__TK_TEXT_MAX),
        pd_spec_end(),
    };
    int r;
    if (pd_json_parse(rq, spec) != PD_JSON_OK) {
        r = PD_HANDLED;
    } else if (!pd__tk_has_text(x->text)) {
        r = pd_reply_err(rq, PD_E_JSON_TOO_SHORT, "text", "say what is still wrong");
    } else if (!gate(rq, no, x->v.digits, now)) {
        r = PD_HANDLED;
    } else {
        pd_qs qs = pd_tx_run(rq->app->store, "ticket.public_reopen", false, public_reopen_tx, x);
        if (qs < 0)
            r = pd__tk_reply_fail(rq, qs, &x->f);
        else if (!x->v.found)
            r = miss(rq, no, false, now, PD_E_TICKET_NOT_FOUND);
        else if (!x->v.match)
            r = miss(rq, no, true, now, PD_E_TICKET_PHONE_WRONG);
        else if (x->not_closed)
            r = pd_reply_err(rq, PD_E_TICKET_NOT_CLOSED, NULL, NULL);
        else {
            r = pd_reply_json_steal(rq, 200, x->v.out);
            x->v.out = NULL;
        }
    }
    json_decref(x->v.out);
    free(x);
    return r;
}
