/*
 * Contract tests of the service desk's storage (migration 012): ticket
 * numbers are the day's serials; a ticket reads back whole with its names
 * joined, is updated column by column and listed by subtree, filters and
 * keyset pages; the history keeps the customer's part apart; a ticket has
 * one open waiting period; a clock is started once per rule, the clock
 * job's listing returns exactly the clocks with an escalation to make; an
 * escalation is written once per clock and level and lands in the right
 * inboxes; the supervising node is the deepest one with a holder of
 * tickets.supervise; corrective actions list per ticket and as overdue per
 * subtree; the four aggregates count what the statistics say they count.
 */
#include "contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pd_store *st;

#define T0   1780000000000LL /* 2026-05-28T20:26:40Z */
#define HOUR 3600000LL
#define DAY  (24 * HOUR)

static int tk_setup(void **state)
{
    if (!st)
        st = ct_open_fresh_migrated();
    return 0;
}

static int tk_close(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

struct net {
    int64_t root, gd, sz, sh;         /* HQ; Guangdong; Shenzhen under it; Shanghai */
    int64_t admin, sup, agent, clerk; /* admin at HQ, supervisor at GD, agent at SZ, one at SH */
    char root_path[PD_PATH_MAX], gd_path[PD_PATH_MAX], sz_path[PD_PATH_MAX], sh_path[PD_PATH_MAX];
};

static void net_make(struct net *n)
{
    struct pd_node node;
    char name[32];
    int k = ct_seq();
    pd_db *db = ct_begin(st);
    n->root = ct_node(db, "TK-HQ-", PD_NODE_HEAD_OFFICE, 0, &node);
    snprintf(n->root_path, sizeof n->root_path, "%s", node.path);
    n->gd = ct_node(db, "TK-GD-", PD_NODE_BRANCH_L1, n->root, &node);
    snprintf(n->gd_path, sizeof n->gd_path, "%s", node.path);
    n->sz = ct_node(db, "TK-SZ-", PD_NODE_BRANCH_L3, n->gd, &node);
    snprintf(n->sz_path, sizeof n->sz_path, "%s", node.path);
    n->sh = ct_node(db, "TK-SH-", PD_NODE_BRANCH_L1, n->root, &node);
    snprintf(n->sh_path, sizeof n->sh_path, "%s", node.path);
    snprintf(name, sizeof name, "tk_admin_%d", k);
    n->admin = ct_user(db, name, "管理员", PD_ROLE_ADMIN, n->root, NULL);
    snprintf(name, sizeof name, "tk_sup_%d", k);
    n->sup = ct_user(db, name, "王主管", PD_ROLE_SUPERVISOR, n->gd, NULL);
    snprintf(name, sizeof name, "tk_agent_%d", k);
    n->agent = ct_user(db, name, "张晓明", PD_ROLE_AGENT, n->sz, NULL);
    snprintf(name, sizeof name, "tk_clerk_%d", k);
    n->clerk = ct_user(db, name, "刘查询", PD_ROLE_INQUIRY, n->sh, NULL);
    ct_commit(db);
}

static void ticket_fill(struct pd_ticket *t, const char *kind, const char *category, int64_t node,
                        int64_t owner, int64_t at)
{
    memset(t, 0, sizeof *t);
    snprintf(t->kind, sizeof t->kind, "%s", kind);
    snprintf(t->channel, sizeof t->channel, "phone");
    snprintf(t->category, sizeof t->category, "%s", category);
    snprintf(t->priority, sizeof t->priority, "normal");
    snprintf(t->status, sizeof t->status, "new");
    t->node_id = node;
    t->owner_id = owner;
    t->responsible_id = owner;
    t->created_by = owner;
    snprintf(t->contact_name, sizeof t->contact_name, "李四");
    snprintf(t->contact_phone, sizeof t->contact_phone, "13900139000");
    snprintf(t->phone_last4, sizeof t->phone_last4, "9000");
    snprintf(t->subject, sizeof t->subject, "快件延误");
    snprintf(t->description, sizeof t->description, "三天没有更新");
    t->created_ms = t->updated_ms = at;
}

static int64_t insert(struct pd_ticket *t, const char *day)
{
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->ticket_insert(db, t, day), PD_QS_ONE);
    ct_commit(db);
    assert_true(t->id > 0);
    return t->id;
}

struct got {
    int n;
    int64_t id[16];
};

static int collect_ticket(void *cls, const struct pd_ticket *t)
{
    struct got *g = cls;
    if (g->n < 16)
        g->id[g->n++] = t->id;
    return 0;
}

static int list(struct pd_ticket_filter f, struct got *g)
{
    memset(g, 0, sizeof *g);
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->ticket_list(db, &f, collect_ticket, g);
    ct_commit(db);
    assert_int_equal(qs, g->n);
    return g->n;
}

static void test_tickets(void **state)
{
    struct net n;
    net_make(&n);
    struct pd_ticket a, b, c, got;
    ticket_fill(&a, "complaint", "delay", n.sz, n.agent, T0);
    snprintf(a.waybill_no, sizeof a.waybill_no, "PD0000000001X");
    snprintf(a.department, sizeof a.department, "delivery");
    insert(&a, "20260529");
    ticket_fill(&b, "inquiry", "tracking", n.sh, n.clerk, T0 + HOUR);
    insert(&b, "20260529");
    ticket_fill(&c, "callback", "delay", n.sz, 0, T0 + 2 * HOUR);
    c.parent_id = a.id;
    c.responsible_id = n.sup;
    insert(&c, "20260530");
    /* Numbers are the day's serials; another day starts again. */
    assert_true(strncmp(a.ticket_no, "TS20260529", 10) == 0);
    assert_int_equal(strlen(a.ticket_no), 14);
    long sa = strtol(a.ticket_no + 10, NULL, 10), sb = strtol(b.ticket_no + 10, NULL, 10);
    assert_int_equal(sb, sa + 1);
    assert_string_equal(c.ticket_no, "TS202605300001");

    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->ticket_get(db, 0, a.ticket_no, false, &got), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_get(db, 0, "TS209901010001", false, &got), PD_QS_NONE);
    assert_int_equal(db->ops->ticket_get(db, c.id, NULL, true, &got), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(got.parent_id, a.id);
    assert_string_equal(got.parent_no, a.ticket_no);
    assert_string_equal(got.kind, "callback");
    assert_int_equal(got.owner_id, 0);
    assert_string_equal(got.owner_name, "");
    assert_int_equal(got.responsible_id, n.sup);
    assert_string_equal(got.responsible_display, "王主管");
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_get(db, a.id, NULL, false, &got), PD_QS_ONE);
    ct_commit(db);
    assert_string_equal(got.ticket_no, a.ticket_no);
    assert_string_equal(got.status, "new");
    assert_string_equal(got.node_path, n.sz_path);
    assert_string_equal(got.node_region, "CN");
    assert_int_equal(got.node_utc_offset_min, 480);
    assert_string_equal(got.waybill_no, "PD0000000001X");
    assert_string_equal(got.department, "delivery");
    assert_string_equal(got.contact_phone, "13900139000");
    assert_string_equal(got.phone_last4, "9000");
    assert_string_equal(got.description, "三天没有更新");
    assert_int_equal(got.owner_id, n.agent);
    assert_true(strncmp(got.owner_name, "tk_agent_", 9) == 0);
    assert_int_equal(got.created_ms, T0);
    assert_false(got.major);

    /* Every mutable column is written. */
    snprintf(got.status, sizeof got.status, "closed");
    snprintf(got.category, sizeof got.category, "loss");
    got.major = got.investigated = true;
    got.incident_ms = T0 - DAY;
    got.satisfaction = 4;
    snprintf(got.satisfaction_comment, sizeof got.satisfaction_comment, "满意");
    got.satisfaction_ms = T0 + DAY;
    snprintf(got.close_reason, sizeof got.close_reason, "已赔付");
    got.resolved_ms = T0 + DAY;
    got.closed_ms = T0 + 2 * DAY;
    got.closed_by = n.sup;
    got.reopened = 1;
    got.node_id = n.gd;
    got.responsible_id = 0;
    got.updated_ms = T0 + 2 * DAY;
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_update(db, &got), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_get(db, a.id, NULL, false, &got), PD_QS_ONE);
    ct_commit(db);
    assert_string_equal(got.status, "closed");
    assert_string_equal(got.category, "loss");
    assert_true(got.major && got.investigated);
    assert_int_equal(got.incident_ms, T0 - DAY);
    assert_int_equal(got.satisfaction, 4);
    assert_string_equal(got.satisfaction_comment, "满意");
    assert_string_equal(got.close_reason, "已赔付");
    assert_int_equal(got.closed_by, n.sup);
    assert_int_equal(got.reopened, 1);
    assert_int_equal(got.node_id, n.gd);
    assert_int_equal(got.responsible_id, 0);
    assert_int_equal(got.owner_id, n.agent); /* kept */
    assert_int_equal(got.updated_ms, T0 + 2 * DAY);

    /* Lists: subtree, filters, newest first, keyset. */
    struct got g;
    assert_int_equal(list((struct pd_ticket_filter){.node_path = n.root_path}, &g), 3);
    assert_int_equal(g.id[0], c.id);
    assert_int_equal(g.id[2], a.id);
    assert_int_equal(list((struct pd_ticket_filter){.node_path = n.gd_path}, &g), 2);
    assert_int_equal(list((struct pd_ticket_filter){.node_path = n.sz_path}, &g), 1);
    assert_int_equal(g.id[0], c.id);
    assert_int_equal(list((struct pd_ticket_filter){.node_path = n.sh_path}, &g), 1);
    assert_int_equal(g.id[0], b.id);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .open_only = true}, &g), 2);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .status = "closed"}, &g), 1);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .kind = "inquiry"}, &g), 1);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .category = "loss"}, &g), 1);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .waybill_no = "PD0000000001X"},
             &g),
        1);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .mine_id = n.agent}, &g), 1);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .mine_id = n.sup}, &g), 1);
    assert_int_equal(g.id[0], c.id);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .responsible_id = n.clerk}, &g),
        1);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .parent_id = a.id}, &g), 1);
    assert_int_equal(list((struct pd_ticket_filter){.node_path = n.root_path, .limit = 2}, &g), 2);
    assert_int_equal(
        list((struct pd_ticket_filter){.node_path = n.root_path, .before_id = g.id[1]}, &g), 1);
    assert_int_equal(g.id[0], a.id);
}

struct got_events {
    int n;
    char kinds[8][PD_TICKET_NAME_SIZE];
    char text[8][64];
    bool pub[8];
};

static int collect_event(void *cls, const struct pd_ticket_event *e)
{
    struct got_events *g = cls;
    if (g->n < 8) {
        snprintf(g->kinds[g->n], sizeof g->kinds[0], "%s", e->kind);
        snprintf(g->text[g->n], sizeof g->text[0], "%s", e->text);
        g->pub[g->n++] = e->public_;
    }
    return 0;
}

static int collect_pause(void *cls, const struct pd_ticket_pause *p)
{
    struct pd_ticket_pause *out = cls;
    int i = 0;
    while (out[i].id)
        i++;
    if (i < 3)
        out[i] = *p;
    return 0;
}

static void test_history_and_pauses(void **state)
{
    struct net n;
    net_make(&n);
    struct pd_ticket t;
    ticket_fill(&t, "complaint", "damage", n.sz, n.agent, T0);
    insert(&t, "20260601");
    pd_db *db = ct_begin(st);
    struct pd_ticket_event e = {.ticket_id = t.id, .at_ms = T0, .actor_id = n.agent};
    snprintf(e.actor_name, sizeof e.actor_name, "张晓明");
    snprintf(e.kind, sizeof e.kind, "note");
    e.text = "内部：已联系网点";
    assert_int_equal(db->ops->ticket_event_insert(db, &e), PD_QS_ONE);
    snprintf(e.kind, sizeof e.kind, "reply");
    e.public_ = true;
    e.text = "您好，已在处理";
    e.detail = "{\"x\":1}";
    assert_int_equal(db->ops->ticket_event_insert(db, &e), PD_QS_ONE);
    struct pd_ticket_event sys = {.ticket_id = t.id, .at_ms = T0 + 1};
    snprintf(sys.kind, sizeof sys.kind, "escalation");
    assert_int_equal(db->ops->ticket_event_insert(db, &sys), PD_QS_ONE);
    ct_commit(db);
    struct got_events g = {0};
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_event_list(db, t.id, false, collect_event, &g), 3);
    ct_commit(db);
    assert_string_equal(g.kinds[0], "note");
    assert_false(g.pub[0]);
    assert_string_equal(g.text[1], "您好，已在处理");
    assert_string_equal(g.text[2], "");
    memset(&g, 0, sizeof g);
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_event_list(db, t.id, true, collect_event, &g), 1);
    ct_commit(db);
    assert_string_equal(g.kinds[0], "reply");

    /* One open waiting period at a time; closing twice finds none. */
    bool opened;
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_pause_open(db, t.id, T0 + HOUR, &opened), PD_QS_ONE);
    assert_true(opened);
    assert_int_equal(db->ops->ticket_pause_open(db, t.id, T0 + 2 * HOUR, &opened), PD_QS_ONE);
    assert_false(opened);
    assert_int_equal(db->ops->ticket_pause_close(db, t.id, T0 + 3 * HOUR), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_pause_close(db, t.id, T0 + 4 * HOUR), PD_QS_NONE);
    assert_int_equal(db->ops->ticket_pause_open(db, t.id, T0 + 5 * HOUR, &opened), PD_QS_ONE);
    assert_true(opened);
    /* closed within the millisecond it opened: it still lasts 1 ms */
    assert_int_equal(db->ops->ticket_pause_close(db, t.id, T0 + 5 * HOUR), PD_QS_ONE);
    ct_commit(db);
    struct pd_ticket_pause p[4];
    memset(p, 0, sizeof p);
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_pause_list(db, t.id, collect_pause, p), 2);
    ct_commit(db);
    assert_int_equal(p[0].from_ms, T0 + HOUR);
    assert_int_equal(p[0].to_ms, T0 + 3 * HOUR);
    assert_int_equal(p[1].to_ms, T0 + 5 * HOUR + 1);
}

static struct pd_ticket_clock clock_make(int64_t ticket, const char *rule, int64_t warn,
                                         int64_t due)
{
    struct pd_ticket_clock k;
    memset(&k, 0, sizeof k);
    k.ticket_id = ticket;
    snprintf(k.rule, sizeof k.rule, "%s", rule);
    k.started_ms = T0;
    k.warn_ms = warn;
    k.due_ms = k.base_due_ms = due;
    k.pausable = true;
    snprintf(k.state, sizeof k.state, "running");
    return k;
}

struct got_due {
    int n;
    int64_t id[8];
    struct pd_ticket_clock_due last;
};

static int collect_due(void *cls, const struct pd_ticket_clock_due *d)
{
    struct got_due *g = cls;
    if (g->n < 8)
        g->id[g->n++] = d->c.id;
    g->last = *d;
    return 0;
}

static int due_list(int64_t now, int64_t after_warn, int64_t after_id, int limit, struct got_due *g)
{
    memset(g, 0, sizeof *g);
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->ticket_clock_due(db, now, after_warn, after_id, limit, collect_due, g);
    ct_commit(db);
    assert_int_equal(qs, g->n);
    return g->n;
}

static int collect_clock(void *cls, const struct pd_ticket_clock *k)
{
    struct pd_ticket_clock *out = cls;
    int i = 0;
    while (out[i].id)
        i++;
    if (i < 4)
        out[i] = *k;
    return 0;
}

static void test_clocks(void **state)
{
    /* A fresh database: the job's listing sees every running clock. */
    pd_store_close(st);
    st = ct_open_fresh_migrated();
    struct net n;
    net_make(&n);
    struct pd_ticket t, u;
    ticket_fill(&t, "complaint", "delay", n.sz, n.agent, T0);
    t.major = true;
    insert(&t, "20260602");
    ticket_fill(&u, "complaint", "loss", n.sh, n.clerk, T0);
    insert(&u, "20260602");

    struct pd_ticket_clock a = clock_make(t.id, "investigation", T0 + 10 * HOUR, T0 + 20 * HOUR);
    struct pd_ticket_clock b = clock_make(t.id, "regulatory_reply", T0 + 30 * HOUR, T0 + 40 * HOUR);
    struct pd_ticket_clock held = clock_make(u.id, "investigation", T0 + HOUR, T0 + 2 * HOUR);
    held.held = true;
    struct pd_ticket_clock met = clock_make(u.id, "regulatory_reply", T0 + HOUR, T0 + 2 * HOUR);
    snprintf(met.state, sizeof met.state, "met");
    met.met_ms = T0 + HOUR;
    bool dup;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->ticket_clock_insert(db, &a, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_int_equal(db->ops->ticket_clock_insert(db, &b, &dup), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_clock_insert(db, &held, &dup), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_clock_insert(db, &met, &dup), PD_QS_ONE);
    struct pd_ticket_clock again = clock_make(t.id, "investigation", 1, 2);
    assert_int_equal(db->ops->ticket_clock_insert(db, &again, &dup), PD_QS_ONE);
    assert_true(dup); /* once per ticket and rule */
    ct_commit(db);

    struct got_due g;
    assert_int_equal(due_list(T0 + 9 * HOUR, 0, 0, 100, &g), 0);
    assert_int_equal(due_list(T0 + 10 * HOUR, 0, 0, 100, &g), 1); /* at the warning point */
    assert_int_equal(g.id[0], a.id);
    assert_string_equal(g.last.ticket_no, t.ticket_no);
    assert_string_equal(g.last.node_path, n.sz_path);
    assert_int_equal(g.last.owner_id, n.agent);
    assert_true(g.last.major);
    assert_int_equal(due_list(T0 + 31 * HOUR, 0, 0, 100, &g), 2); /* by warning point */
    assert_int_equal(g.id[0], a.id);
    assert_int_equal(g.id[1], b.id);
    assert_int_equal(due_list(T0 + 31 * HOUR, 0, 0, 1, &g), 1);
    assert_int_equal(due_list(T0 + 31 * HOUR, a.warn_ms, a.id, 100, &g), 1); /* keyset */
    assert_int_equal(g.id[0], b.id);

    /* Warned: listed again only once the deadline has passed (due + 1 s). */
    a.escalated = 1;
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_clock_update(db, &a), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(due_list(T0 + 20 * HOUR + 999, 0, 0, 100, &g), 0);
    assert_int_equal(due_list(T0 + 20 * HOUR + 1000, 0, 0, 100, &g), 1);
    a.escalated = 2;
    snprintf(b.state, sizeof b.state, "met");
    b.met_ms = T0 + 35 * HOUR;
    b.late = false;
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_clock_update(db, &a), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_clock_update(db, &b), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(due_list(T0 + 100 * HOUR, 0, 0, 100, &g), 0);

    struct pd_ticket_clock k[5];
    memset(k, 0, sizeof k);
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_clock_list(db, t.id, collect_clock, k), 2);
    ct_commit(db);
    assert_string_equal(k[0].rule, "investigation");
    assert_int_equal(k[0].escalated, 2);
    assert_string_equal(k[1].state, "met");
    assert_int_equal(k[1].met_ms, T0 + 35 * HOUR);
    assert_true(k[1].pausable);
}

struct inbox {
    int n;
    struct pd_ticket_escalation e[4];
};

static int collect_esc(void *cls, const struct pd_ticket_escalation *e)
{
    struct inbox *b = cls;
    if (b->n < 4)
        b->e[b->n++] = *e;
    return 0;
}

static int inbox(struct pd_escalation_filter f, struct inbox *b)
{
    memset(b, 0, sizeof *b);
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->ticket_escalation_list(db, &f, collect_esc, b);
    ct_commit(db);
    assert_int_equal(qs, b->n);
    return b->n;
}

static void test_escalations(void **state)
{
    struct net n;
    net_make(&n);
    struct pd_ticket t;
    ticket_fill(&t, "complaint", "delay", n.sz, n.agent, T0);
    insert(&t, "20260603");
    struct pd_ticket_clock a = clock_make(t.id, "investigation", T0 + 10 * HOUR, T0 + 20 * HOUR);
    bool dup, inserted;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->ticket_clock_insert(db, &a, &dup), PD_QS_ONE);
    struct pd_ticket_escalation w = {.clock_id = a.id, .ticket_id = t.id, .user_id = n.agent};
    snprintf(w.level, sizeof w.level, "warn");
    snprintf(w.audience, sizeof w.audience, "responsible");
    w.at_ms = T0 + 10 * HOUR;
    w.due_ms = a.due_ms;
    assert_int_equal(db->ops->ticket_escalation_insert(db, &w, &inserted), PD_QS_ONE);
    assert_true(inserted);
    assert_int_equal(db->ops->ticket_escalation_insert(db, &w, &inserted), PD_QS_ONE);
    assert_false(inserted); /* once per clock and level */
    struct pd_ticket_escalation d = {.clock_id = a.id, .ticket_id = t.id, .node_id = n.gd};
    snprintf(d.level, sizeof d.level, "due");
    snprintf(d.audience, sizeof d.audience, "supervisor");
    d.at_ms = T0 + 21 * HOUR;
    d.due_ms = a.due_ms;
    assert_int_equal(db->ops->ticket_escalation_insert(db, &d, &inserted), PD_QS_ONE);
    assert_true(inserted);
    struct pd_ticket_escalation h = {.clock_id = a.id, .ticket_id = t.id, .node_id = n.root};
    snprintf(h.level, sizeof h.level, "head_office");
    snprintf(h.audience, sizeof h.audience, "head_office");
    h.at_ms = T0 + 21 * HOUR;
    h.due_ms = a.due_ms;
    assert_int_equal(db->ops->ticket_escalation_insert(db, &h, &inserted), PD_QS_ONE);
    ct_commit(db);

    struct inbox b;
    assert_int_equal(inbox((struct pd_escalation_filter){.user_id = n.agent, .limit = 10}, &b), 1);
    assert_int_equal(b.e[0].id, w.id);
    assert_string_equal(b.e[0].ticket_no, t.ticket_no);
    assert_string_equal(b.e[0].rule, "investigation");
    assert_string_equal(b.e[0].ticket_path, n.sz_path);
    /* the supervisor: its own rows and its node's */
    assert_int_equal(
        inbox((struct pd_escalation_filter){.user_id = n.sup, .node_id = n.gd, .limit = 10}, &b),
        1);
    assert_int_equal(b.e[0].id, d.id);
    assert_true(strncmp(b.e[0].node_code, "TK-GD-", 6) == 0);
    assert_int_equal(
        inbox((struct pd_escalation_filter){.user_id = n.admin, .node_id = n.root, .limit = 10},
              &b),
        1);
    assert_string_equal(b.e[0].level, "head_office");
    /* without its node, the supervisor sees only rows addressed to it */
    assert_int_equal(inbox((struct pd_escalation_filter){.user_id = n.sup, .limit = 10}, &b), 0);

    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_escalation_read(db, w.id, n.agent, T0 + 11 * HOUR), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_escalation_read(db, w.id, n.sup, T0 + 12 * HOUR), PD_QS_NONE);
    struct pd_ticket_escalation one;
    assert_int_equal(db->ops->ticket_escalation_get(db, w.id, &one), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_escalation_get(db, h.id + 100, &one), PD_QS_NONE);
    assert_int_equal(db->ops->ticket_escalation_get(db, w.id, &one), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(one.read_ms, T0 + 11 * HOUR);
    assert_int_equal(one.read_by, n.agent); /* the first reader stays */
    assert_int_equal(
        inbox((struct pd_escalation_filter){.user_id = n.agent, .unread_only = true, .limit = 10},
              &b),
        0);

    /* The supervising node: the deepest on the path with a holder of tickets.supervise. */
    int64_t node = -1;
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_supervisor_node(db, n.sz_path, &node), PD_QS_ONE);
    assert_int_equal(node, n.gd);
    assert_int_equal(db->ops->ticket_supervisor_node(db, n.gd_path, &node), PD_QS_ONE);
    assert_int_equal(node, n.gd);
    assert_int_equal(db->ops->ticket_supervisor_node(db, n.sh_path, &node), PD_QS_ONE);
    assert_int_equal(node, n.root); /* the admin at head office */
    assert_int_equal(db->ops->ticket_supervisor_node(db, "/999999/", &node), PD_QS_NONE);
    ct_commit(db);
}

struct got_ca {
    int n;
    struct pd_ticket_corrective a[4];
};

static int collect_ca(void *cls, const struct pd_ticket_corrective *a)
{
    struct got_ca *g = cls;
    if (g->n < 4)
        g->a[g->n++] = *a;
    return 0;
}

static int ca_list(struct pd_corrective_filter f, struct got_ca *g)
{
    memset(g, 0, sizeof *g);
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->ticket_corrective_list(db, &f, collect_ca, g);
    ct_commit(db);
    assert_int_equal(qs, g->n);
    return g->n;
}

static void test_corrective(void **state)
{
    struct net n;
    net_make(&n);
    struct pd_ticket t, u;
    ticket_fill(&t, "complaint", "attitude", n.sz, n.agent, T0);
    insert(&t, "20260604");
    ticket_fill(&u, "complaint", "attitude", n.sh, n.clerk, T0);
    insert(&u, "20260604");
    struct pd_ticket_corrective a = {.ticket_id = t.id, .owner_id = n.agent, .due_ms = T0 + DAY};
    snprintf(a.measure, sizeof a.measure, "派件员服务规范培训");
    a.created_ms = T0;
    a.created_by = n.sup;
    struct pd_ticket_corrective b = a, c = a;
    b.due_ms = T0 + 10 * DAY;
    c.ticket_id = u.id;
    c.owner_id = n.clerk;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->ticket_corrective_insert(db, &a), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_corrective_insert(db, &b), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_corrective_insert(db, &c), PD_QS_ONE);
    ct_commit(db);
    struct got_ca g;
    assert_int_equal(ca_list((struct pd_corrective_filter){.ticket_id = t.id}, &g), 2);
    assert_int_equal(g.a[0].id, a.id); /* a ticket's: oldest first */
    assert_string_equal(g.a[0].measure, "派件员服务规范培训");
    assert_string_equal(g.a[0].ticket_no, t.ticket_no);
    assert_string_equal(g.a[0].node_path, n.sz_path);
    assert_true(strncmp(g.a[0].owner_name, "tk_agent_", 9) == 0);
    assert_string_equal(g.a[0].evaluation, "");
    /* overdue per subtree: not done and past due */
    assert_int_equal(ca_list((struct pd_corrective_filter){.node_path = n.root_path,
                                                           .overdue_at_ms = T0 + 2 * DAY},
                             &g),
                     2);
    assert_int_equal(g.a[0].id, c.id);
    assert_int_equal(ca_list((struct pd_corrective_filter){.node_path = n.gd_path,
                                                           .overdue_at_ms = T0 + 2 * DAY},
                             &g),
                     1);
    a.done_ms = T0 + HOUR;
    snprintf(a.evaluation, sizeof a.evaluation, "partly");
    snprintf(a.evaluation_note, sizeof a.evaluation_note, "投诉减少一半");
    a.evaluated_ms = T0 + 5 * DAY;
    a.evaluated_by = n.sup;
    db = ct_begin(st);
    assert_int_equal(db->ops->ticket_corrective_update(db, &a), PD_QS_ONE);
    struct pd_ticket_corrective back;
    assert_int_equal(db->ops->ticket_corrective_get(db, a.id, &back), PD_QS_ONE);
    assert_int_equal(db->ops->ticket_corrective_get(db, c.id + 100, &back), PD_QS_NONE);
    assert_int_equal(db->ops->ticket_corrective_get(db, a.id, &back), PD_QS_ONE);
    ct_commit(db);
    assert_string_equal(back.evaluation, "partly");
    assert_string_equal(back.evaluation_note, "投诉减少一半");
    assert_int_equal(back.evaluated_by, n.sup);
    assert_int_equal(back.done_ms, T0 + HOUR);
    assert_int_equal(ca_list((struct pd_corrective_filter){.node_path = n.gd_path,
                                                           .overdue_at_ms = T0 + 2 * DAY},
                             &g),
                     0);
    assert_int_equal(ca_list((struct pd_corrective_filter){.node_path = n.gd_path}, &g), 2);
}

struct stats {
    int n;
    struct pd_ticket_stat_row r[16];
};

static int collect_stat(void *cls, const struct pd_ticket_stat_row *r)
{
    struct stats *s = cls;
    if (s->n < 16)
        s->r[s->n++] = *r;
    return 0;
}

static int64_t sum_where(const struct stats *s, const char *key, const char *key2, int flag)
{
    int64_t n = 0;
    for (int i = 0; i < s->n; i++)
        if ((!key || !strcmp(s->r[i].key, key)) && (!key2 || !strcmp(s->r[i].key2, key2)) &&
            (flag < 0 || s->r[i].flag == (flag == 1)))
            n += s->r[i].count;
    return n;
}

static void test_stats(void **state)
{
    pd_store_close(st);
    st = ct_open_fresh_migrated();
    struct net n;
    net_make(&n);
    /* complaints: two delays at SZ (one to delivery), a loss at SH; one
     * complaint before the period; an inquiry that does not count */
    struct pd_ticket t[6];
    ticket_fill(&t[0], "complaint", "delay", n.sz, n.agent, T0);
    snprintf(t[0].department, sizeof t[0].department, "delivery");
    ticket_fill(&t[1], "complaint", "delay", n.sz, n.agent, T0 + HOUR);
    ticket_fill(&t[2], "complaint", "loss", n.sh, n.clerk, T0 + 2 * HOUR);
    ticket_fill(&t[3], "complaint", "loss", n.sh, n.clerk, T0 - 10 * DAY);
    ticket_fill(&t[4], "inquiry", "tracking", n.sz, n.agent, T0);
    for (int i = 0; i < 5; i++)
        insert(&t[i], "20260605");
    /* a callback of t[0] (category given by the complaint), scored 4 */
    ticket_fill(&t[5], "callback", "other", n.sz, n.agent, T0 + DAY);
    t[5].parent_id = t[0].id;
    t[5].satisfaction = 4;
    t[5].satisfaction_ms = T0 + DAY;
    insert(&t[5], "20260606");

    struct stats s = {0};
    pd_db *db = ct_begin(st);
    assert_true(db->ops->ticket_stats_complaints(db, n.root_path, T0 - DAY, T0 + DAY, collect_stat,
                                                 &s) >= 0);
    ct_commit(db);
    assert_int_equal(sum_where(&s, NULL, NULL, -1), 3);
    assert_int_equal(sum_where(&s, "delay", NULL, -1), 2);
    assert_int_equal(sum_where(&s, "delay", "delivery", -1), 1);
    assert_int_equal(sum_where(&s, "loss", NULL, -1), 1);
    memset(&s, 0, sizeof s);
    db = ct_begin(st);
    assert_true(
        db->ops->ticket_stats_complaints(db, n.gd_path, T0 - DAY, T0 + DAY, collect_stat, &s) >= 0);
    ct_commit(db);
    assert_int_equal(sum_where(&s, NULL, NULL, -1), 2);
    assert_int_equal(s.r[0].node_id, n.sz);
    assert_true(strncmp(s.r[0].node_code, "TK-SZ-", 6) == 0);

    /* waybills created in the period, per node */
    for (int i = 0; i < 3; i++) {
        struct pd_waybill w;
        memset(&w, 0, sizeof w);
        w.state = 1;
        snprintf(w.channel, sizeof w.channel, "phone");
        snprintf(w.service, sizeof w.service, "standard");
        snprintf(w.payment, sizeof w.payment, "sender");
        w.node_id = i < 2 ? n.sz : n.sh;
        w.parcels = 1;
        w.created_ms = i == 0 ? T0 - 10 * DAY : T0;
        w.doc = "{}";
        w.quote = "{}";
        w.review = "[]";
        db = ct_begin(st);
        assert_int_equal(db->ops->waybill_insert(db, &w), PD_QS_ONE);
        ct_commit(db);
    }
    memset(&s, 0, sizeof s);
    db = ct_begin(st);
    assert_true(
        db->ops->ticket_stats_waybills(db, n.root_path, T0 - DAY, T0 + DAY, collect_stat, &s) >= 0);
    ct_commit(db);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[0].count + s.r[1].count, 2);

    /* clocks: met in time, met late, running past due, running in time, held past due */
    struct pd_ticket_clock k[5] = {
        clock_make(t[0].id, "investigation", T0 + HOUR, T0 + 2 * HOUR),
        clock_make(t[1].id, "investigation", T0 + HOUR, T0 + 2 * HOUR),
        clock_make(t[2].id, "investigation", T0 + HOUR, T0 + 2 * HOUR),
        clock_make(t[0].id, "regulatory_reply", T0 + HOUR, T0 + 100 * HOUR),
        clock_make(t[1].id, "regulatory_reply", T0 + HOUR, T0 + 2 * HOUR),
    };
    snprintf(k[0].state, sizeof k[0].state, "met");
    snprintf(k[1].state, sizeof k[1].state, "met");
    k[1].late = true;
    k[4].held = true;
    bool dup;
    db = ct_begin(st);
    for (int i = 0; i < 5; i++)
        assert_int_equal(db->ops->ticket_clock_insert(db, &k[i], &dup), PD_QS_ONE);
    ct_commit(db);
    memset(&s, 0, sizeof s);
    db = ct_begin(st);
    assert_true(db->ops->ticket_stats_clocks(db, n.root_path, T0 - DAY, T0 + DAY, T0 + 10 * HOUR,
                                             collect_stat, &s) >= 0);
    ct_commit(db);
    assert_int_equal(sum_where(&s, "investigation", "met", 0), 1);
    assert_int_equal(sum_where(&s, "investigation", "met", 1), 1);
    assert_int_equal(sum_where(&s, "investigation", "running", 1), 1);
    assert_int_equal(sum_where(&s, "regulatory_reply", "running", 0), 2); /* in time, and held */

    /* satisfaction: the complaint's category, the China day, the score */
    memset(&s, 0, sizeof s);
    db = ct_begin(st);
    assert_true(db->ops->ticket_stats_csat(db, n.root_path, T0, T0 + 2 * DAY, collect_stat, &s) >=
                0);
    ct_commit(db);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.r[0].key, "delay");
    assert_int_equal(s.r[0].score, 4);
    assert_int_equal(s.r[0].count, 1);
    assert_int_equal(s.r[0].day, (T0 + DAY + 8 * HOUR) / DAY);
    assert_int_equal(s.r[0].node_id, n.sz);
}

const struct CMUnitTest ct_tests_tickets[] = {
    cmocka_unit_test_setup_teardown(test_tickets, tk_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_history_and_pauses, tk_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_clocks, tk_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_escalations, tk_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_corrective, tk_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_stats, tk_setup, tk_close),
};
const size_t ct_tests_tickets_n = sizeof ct_tests_tickets / sizeof *ct_tests_tickets;
