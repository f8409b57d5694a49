/*
 * Contract tests of problem parcels, return receipts and the stale-parcel
 * job's listings (migrations 008): a problem opens once per waybill and
 * type while open (and again after it is closed), reads back whole, lists
 * by state, type, number and network subtree, newest first, with keyset
 * pages; a receipt is inserted once, moves only from the state the caller
 * read, keeps each step's columns, lists by state and as overdue (from its
 * waybill's tracking row) and is counted; the quiet listing applies each
 * service's own bound, skips the given statuses and pages by key; the
 * delayed listing applies the same-city and elsewhere bounds and leaves
 * out waybills that ever had a "delayed" problem.
 */
#include "contract.h"

#include <stdio.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/receipt.h"
#include "core/status.h"
#include "core/waybill_no.h"

static pd_store *st;

#define T0   1750000000000LL
#define HOUR 3600000LL

static int pp_setup(void **state)
{
    if (!st)
        st = ct_open_fresh_migrated();
    return 0;
}

static int pp_close(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

struct net {
    int64_t root, gd, sh; /* HQ, a Guangdong branch, a Shanghai branch */
};

static struct net net_make(void)
{
    struct net n;
    pd_db *db = ct_begin(st);
    n.root = ct_node(db, "PP-HQ-", PD_NODE_HEAD_OFFICE, 0, NULL);
    n.gd = ct_node(db, "PP-GD-", PD_NODE_BRANCH_L1, n.root, NULL);
    n.sh = ct_node(db, "PP-SH-", PD_NODE_BRANCH_L1, n.root, NULL);
    ct_commit(db);
    return n;
}

static const char *path_of(int64_t id, char out[PD_PATH_MAX])
{
    struct pd_node node;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->node_get(db, id, &node), PD_QS_ONE);
    ct_commit(db);
    snprintf(out, PD_PATH_MAX, "%s", node.path);
    return out;
}

/* A waybill of @p service from @p origin to @p dest, created at @p created
 * and promised at @p promised, with its tracking row (status, last event). */
static void waybill(int64_t node, const char *service, int32_t origin, int32_t dest,
                    int64_t created, int64_t promised, enum pd_status status, int64_t last_event,
                    char no[PD_WB_NO_SIZE])
{
    struct pd_waybill w;
    memset(&w, 0, sizeof w);
    w.state = PD_ORDER_PICKED_UP;
    snprintf(w.channel, sizeof w.channel, "phone");
    snprintf(w.service, sizeof w.service, "%s", service);
    snprintf(w.payment, sizeof w.payment, "sender");
    w.node_id = node;
    w.origin_division = origin;
    w.dest_division = dest;
    w.parcels = 1;
    w.promised_delivery_ms = promised;
    w.created_ms = created;
    w.doc = "{}";
    w.quote = "{}";
    w.review = "[]";
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->waybill_insert(db, &w), PD_QS_ONE);
    assert_int_equal(w.created_ms, created); /* the caller's time is kept */
    struct pd_tracking t;
    memset(&t, 0, sizeof t);
    snprintf(t.waybill_no, sizeof t.waybill_no, "%s", w.waybill_no);
    t.has_order = true;
    t.order_state = PD_ORDER_PICKED_UP;
    t.parcels = 1;
    t.dest_division = dest;
    snprintf(t.service, sizeof t.service, "%s", service);
    t.created_ms = created;
    t.promised_ms = promised;
    t.status = (int)status;
    t.events = last_event ? 3 : 0;
    t.last_event_ms = last_event;
    t.delivered_ms = status == PD_ST_DELIVERED ? last_event : 0;
    t.updated_ms = created;
    static const unsigned char empty_timeline[] = {1, 0, 0, 0, 0}; /* no events */
    t.timeline = empty_timeline;
    t.timeline_len = sizeof empty_timeline;
    assert_int_equal(db->ops->tracking_put(db, &t), PD_QS_ONE);
    ct_commit(db);
    memcpy(no, w.waybill_no, PD_WB_NO_SIZE);
}

static pd_qs open_problem(const char *no, const char *type, int64_t node, int64_t at, bool *opened,
                          int64_t *id)
{
    struct pd_problem p;
    memset(&p, 0, sizeof p);
    snprintf(p.waybill_no, sizeof p.waybill_no, "%s", no);
    snprintf(p.type, sizeof p.type, "%s", type);
    p.source = PD_PROBLEM_SOURCE_AUTO;
    p.node_id = node;
    p.opened_ms = at;
    snprintf(p.reason, sizeof p.reason, "48 小时无更新 (standard)");
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->problem_open(db, &p, opened);
    ct_commit(db);
    *id = p.id;
    return qs;
}

struct got_problems {
    int n;
    struct pd_problem p[16];
};

static int collect_problem(void *cls, const struct pd_problem *p)
{
    struct got_problems *g = cls;
    if (g->n < 16)
        g->p[g->n++] = *p;
    return 0;
}

static int list_problems(struct pd_problem_filter f, struct got_problems *g)
{
    memset(g, 0, sizeof *g);
    pd_db *db = ct_begin(st);
    pd_qs qs = db->ops->problem_list(db, &f, collect_problem, g);
    ct_commit(db);
    assert_true(qs >= 0);
    assert_int_equal(qs, g->n);
    return g->n;
}

static void test_problem_open_once(void **state)
{
    struct net n = net_make();
    char gd[PD_PATH_MAX], sh[PD_PATH_MAX], root[PD_PATH_MAX];
    path_of(n.gd, gd);
    path_of(n.sh, sh);
    path_of(n.root, root);
    char a[PD_WB_NO_SIZE], b[PD_WB_NO_SIZE];
    waybill(n.gd, "standard", 440305, 310115, T0, T0 + 48 * HOUR, PD_ST_IN_TRANSIT, T0 + HOUR, a);
    waybill(n.sh, "express", 310115, 310104, T0, T0 + 24 * HOUR, PD_ST_IN_TRANSIT, T0 + HOUR, b);

    bool opened;
    int64_t id1, id2, id3, id4;
    assert_int_equal(open_problem(a, "no_update", n.gd, T0 + 50 * HOUR, &opened, &id1), PD_QS_ONE);
    assert_true(opened);
    assert_true(id1 > 0);
    /* Open already: nothing written, the open one named. */
    assert_int_equal(open_problem(a, "no_update", n.gd, T0 + 51 * HOUR, &opened, &id2), PD_QS_ONE);
    assert_false(opened);
    assert_int_equal(id2, id1);
    /* Another type is another problem; another waybill too. */
    assert_int_equal(open_problem(a, "delayed", n.gd, T0 + 52 * HOUR, &opened, &id3), PD_QS_ONE);
    assert_true(opened);
    assert_int_equal(open_problem(b, "no_update", n.sh, T0 + 53 * HOUR, &opened, &id4), PD_QS_ONE);
    assert_true(opened);

    struct pd_problem p;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->problem_get(db, id1, &p), PD_QS_ONE);
    assert_int_equal(db->ops->problem_get(db, id4 + 1000, &p), PD_QS_NONE);
    assert_int_equal(db->ops->problem_get(db, id1, &p), PD_QS_ONE);
    ct_commit(db);
    assert_string_equal(p.waybill_no, a);
    assert_string_equal(p.type, "no_update");
    assert_int_equal(p.source, PD_PROBLEM_SOURCE_AUTO);
    assert_int_equal(p.state, PD_PROBLEM_OPEN);
    assert_int_equal(p.node_id, n.gd);
    assert_string_equal(p.node_path, gd);
    assert_int_equal(p.opened_ms, T0 + 50 * HOUR);
    assert_int_equal(p.closed_ms, 0);
    assert_string_equal(p.reason, "48 小时无更新 (standard)");

    /* Closed: no longer open, so the same type opens anew. */
    db = ct_begin(st);
    assert_int_equal(db->ops->problem_close(db, id1, T0 + 60 * HOUR, 0, "已联系，恢复运输"),
                     PD_QS_ONE);
    assert_int_equal(db->ops->problem_close(db, id1, T0 + 61 * HOUR, 0, "again"), PD_QS_NONE);
    assert_int_equal(db->ops->problem_get(db, id1, &p), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(p.state, PD_PROBLEM_CLOSED);
    assert_int_equal(p.closed_ms, T0 + 60 * HOUR);
    assert_string_equal(p.note, "已联系，恢复运输");
    int64_t id5;
    assert_int_equal(open_problem(a, "no_update", n.gd, T0 + 70 * HOUR, &opened, &id5), PD_QS_ONE);
    assert_true(opened);
    assert_true(id5 > id4);

    /* Lists: newest first, by subtree, state, type, number; keyset pages. */
    struct got_problems g;
    assert_int_equal(list_problems((struct pd_problem_filter){.node_path = root, .state = -1}, &g),
                     4);
    assert_int_equal(g.p[0].id, id5);
    assert_int_equal(g.p[3].id, id1);
    assert_int_equal(list_problems((struct pd_problem_filter){.node_path = gd, .state = -1}, &g),
                     3);
    assert_int_equal(list_problems((struct pd_problem_filter){.node_path = sh, .state = -1}, &g),
                     1);
    assert_int_equal(g.p[0].id, id4);
    assert_int_equal(
        list_problems((struct pd_problem_filter){.node_path = root, .state = PD_PROBLEM_CLOSED},
                      &g),
        1);
    assert_int_equal(g.p[0].id, id1);
    assert_int_equal(list_problems((struct pd_problem_filter){.node_path = root,
                                                              .state = PD_PROBLEM_OPEN,
                                                              .type = "no_update"},
                                   &g),
                     2);
    assert_int_equal(
        list_problems((struct pd_problem_filter){.node_path = root, .state = -1, .waybill_no = b},
                      &g),
        1);
    assert_int_equal(
        list_problems((struct pd_problem_filter){.node_path = root, .state = -1, .limit = 2}, &g),
        2);
    assert_int_equal(
        list_problems(
            (struct pd_problem_filter){.node_path = root, .state = -1, .before_id = g.p[1].id}, &g),
        2);
    assert_int_equal(g.p[0].id, id3);
}

struct got_receipts {
    int n;
    struct pd_receipt r[8];
};

static int collect_receipt(void *cls, const struct pd_receipt *r)
{
    struct got_receipts *g = cls;
    if (g->n < 8)
        g->r[g->n++] = *r;
    return 0;
}

static void test_receipts(void **state)
{
    struct net n = net_make();
    char gd[PD_PATH_MAX], sh[PD_PATH_MAX];
    path_of(n.gd, gd);
    path_of(n.sh, sh);
    char a[PD_WB_NO_SIZE], b[PD_WB_NO_SIZE], c[PD_WB_NO_SIZE];
    /* delivered 10 days before T0 + 20 d, 1 day before it, and not yet */
    int64_t now = T0 + 20 * 24 * HOUR;
    waybill(n.gd, "standard", 440305, 310115, T0, T0 + 48 * HOUR, PD_ST_DELIVERED,
            now - 10 * 24 * HOUR, a);
    waybill(n.gd, "standard", 440305, 310115, T0, T0 + 48 * HOUR, PD_ST_DELIVERED, now - 24 * HOUR,
            b);
    waybill(n.sh, "standard", 310115, 310104, T0, T0 + 48 * HOUR, PD_ST_IN_TRANSIT, T0 + HOUR, c);
    pd_db *db = ct_begin(st);
    const char *nos[] = {a, b, c};
    const int64_t nodes[] = {n.gd, n.gd, n.sh};
    for (int i = 0; i < 3; i++) {
        struct pd_receipt r = {.node_id = nodes[i], .required_ms = T0};
        snprintf(r.waybill_no, sizeof r.waybill_no, "%s", nos[i]);
        assert_int_equal(db->ops->receipt_insert(db, &r), PD_QS_ONE);
        r.required_ms = T0 + 5; /* a second insert changes nothing */
        assert_int_equal(db->ops->receipt_insert(db, &r), PD_QS_NONE);
    }
    struct pd_receipt r;
    assert_int_equal(db->ops->receipt_get(db, a, &r), PD_QS_ONE);
    assert_int_equal(db->ops->receipt_get(db, "PD0000000000001", &r), PD_QS_NONE);
    ct_commit(db);

    /* A step moves only from the state the caller read. */
    struct pd_receipt s = {
        .state = PD_RECEIPT_COLLECTED, .collected_ms = now - 9 * 24 * HOUR, .updated_ms = now};
    snprintf(s.waybill_no, sizeof s.waybill_no, "%s", a);
    snprintf(s.collected_node, sizeof s.collected_node, "SZ-NS01");
    snprintf(s.collected_by, sizeof s.collected_by, "林快递");
    db = ct_begin(st);
    assert_int_equal(db->ops->receipt_step(db, &s, PD_RECEIPT_COLLECTED), PD_QS_NONE);
    assert_int_equal(db->ops->receipt_step(db, &s, PD_RECEIPT_REQUIRED), PD_QS_ONE);
    s.state = PD_RECEIPT_SENT_BACK;
    s.sent_back_ms = now - 8 * 24 * HOUR;
    snprintf(s.sent_back_node, sizeof s.sent_back_node, "GZ-HUB");
    snprintf(s.sent_back_by, sizeof s.sent_back_by, "王回单");
    assert_true(pd_waybill_no_format(777, s.return_waybill_no));
    assert_int_equal(db->ops->receipt_step(db, &s, PD_RECEIPT_COLLECTED), PD_QS_ONE);
    assert_int_equal(db->ops->receipt_get(db, a, &r), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(r.state, PD_RECEIPT_SENT_BACK);
    assert_int_equal(r.node_id, n.gd);
    assert_string_equal(r.node_path, gd);
    assert_int_equal(r.required_ms, T0);
    assert_int_equal(r.collected_ms, now - 9 * 24 * HOUR);
    assert_string_equal(r.collected_node, "SZ-NS01");
    assert_string_equal(r.collected_by, "林快递");
    assert_int_equal(r.sent_back_ms, now - 8 * 24 * HOUR);
    assert_string_equal(r.sent_back_node, "GZ-HUB");
    assert_string_equal(r.sent_back_by, "王回单");
    assert_string_equal(r.return_waybill_no, s.return_waybill_no);
    assert_int_equal(r.returned_ms, 0);
    assert_int_equal(r.delivered_ms, now - 10 * 24 * HOUR);
    assert_int_equal(r.updated_ms, now);

    /* Overdue: delivered before now - 7 d and not returned: a only (b was
     * delivered a day ago, c not at all). */
    int64_t cut = now - 7 * 24 * HOUR, count = -1;
    db = ct_begin(st);
    assert_int_equal(db->ops->receipt_overdue_count(db, cut, &count), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(count, 1);
    struct {
        struct pd_receipt_filter f;
        int want;
    } cases[] = {
        {{.node_path = gd, .state = -1}, 2},
        {{.node_path = sh, .state = -1}, 1},
        {{.node_path = gd, .state = PD_RECEIPT_REQUIRED}, 1},
        {{.node_path = gd, .state = -1, .delivered_before_ms = cut}, 1},
        {{.node_path = gd, .state = -1, .delivered_before_ms = now}, 2},
        {{.node_path = sh, .state = -1, .delivered_before_ms = now}, 0},
        {{.node_path = gd, .state = -1, .limit = 1}, 1},
        {{.node_path = gd, .state = -1, .after_no = strcmp(a, b) < 0 ? a : b}, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct got_receipts g = {0};
        db = ct_begin(st);
        assert_int_equal(db->ops->receipt_list(db, &cases[i].f, collect_receipt, &g),
                         cases[i].want);
        ct_commit(db);
        if (g.n && cases[i].f.delivered_before_ms == cut)
            assert_string_equal(g.r[0].waybill_no, a);
        for (int k = 1; k < g.n; k++) /* by waybill number */
            assert_true(strcmp(g.r[k - 1].waybill_no, g.r[k].waybill_no) < 0);
    }
    /* The last step; then nothing is overdue. */
    s.state = PD_RECEIPT_RETURNED;
    s.returned_ms = now - 7 * 24 * HOUR;
    snprintf(s.returned_node, sizeof s.returned_node, "PP-GD");
    db = ct_begin(st);
    assert_int_equal(db->ops->receipt_step(db, &s, PD_RECEIPT_SENT_BACK), PD_QS_ONE);
    assert_int_equal(db->ops->receipt_overdue_count(db, cut, &count), PD_QS_ONE);
    assert_int_equal(db->ops->receipt_get(db, a, &r), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(count, 0);
    assert_int_equal(r.state, PD_RECEIPT_RETURNED);
    assert_string_equal(r.collected_node, "SZ-NS01"); /* earlier steps kept */
    assert_string_equal(r.returned_node, "PP-GD");
}

struct got_cand {
    int n;
    struct pd_monitor_candidate c[32];
};

static int collect_cand(void *cls, const struct pd_monitor_candidate *m)
{
    struct got_cand *g = cls;
    if (g->n < 32)
        g->c[g->n++] = *m;
    return 0;
}

static bool listed(const struct got_cand *g, const char *no)
{
    for (int i = 0; i < g->n; i++)
        if (!strcmp(g->c[i].waybill_no, no))
            return true;
    return false;
}

static void test_monitor_listings(void **state)
{
    struct net n = net_make();
    /* A fresh year, so that only these rows fall in the windows below. */
    const int64_t Y = T0 + 400LL * 24 * HOUR, now = Y + 30 * 24 * HOUR;
    char cold[PD_WB_NO_SIZE], std[PD_WB_NO_SIZE], fresh[PD_WB_NO_SIZE], flagged[PD_WB_NO_SIZE],
        done[PD_WB_NO_SIZE], lost[PD_WB_NO_SIZE];
    /* quiet for 20 h: over cold chain's 12 h, under standard's 48 h */
    waybill(n.gd, "cold_chain", 440305, 440306, Y, now + 24 * HOUR, PD_ST_IN_TRANSIT,
            now - 20 * HOUR, cold);
    waybill(n.gd, "standard", 440305, 310115, Y, now + 24 * HOUR, PD_ST_IN_TRANSIT, now - 20 * HOUR,
            fresh);
    /* quiet for 60 h: over standard's 48 h */
    waybill(n.gd, "standard", 440305, 310115, Y, now + 24 * HOUR, PD_ST_DEPARTED, now - 60 * HOUR,
            std);
    waybill(n.gd, "standard", 440305, 310115, Y, now + 24 * HOUR, PD_ST_NO_UPDATE, now - 60 * HOUR,
            flagged);
    waybill(n.gd, "standard", 440305, 310115, Y, now + 24 * HOUR, PD_ST_LOST, now - 60 * HOUR,
            lost);
    waybill(n.gd, "standard", 440305, 310115, Y, now + 24 * HOUR, PD_ST_DELIVERED, now - 60 * HOUR,
            done);

    struct pd_quiet_filter q = {
        .service = {"cold_chain", "express", "standard", "freight"},
        .since_ms = {now - 12 * HOUR, now - 24 * HOUR, now - 48 * HOUR, now - 72 * HOUR},
        .default_since_ms = now - 48 * HOUR,
        .after_created_ms = Y - 1,
        .skip_status = {PD_ST_NO_UPDATE, PD_ST_LOST},
        .limit = 100,
    };
    struct got_cand g = {0};
    pd_db *db = ct_begin(st);
    assert_true(db->ops->monitor_quiet(db, &q, collect_cand, &g) >= 0);
    ct_commit(db);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.c[0].waybill_no, std); /* oldest quiet first */
    assert_string_equal(g.c[1].waybill_no, cold);
    assert_false(listed(&g, fresh) || listed(&g, flagged) || listed(&g, lost) || listed(&g, done));
    assert_int_equal(g.c[0].quiet_since_ms, now - 60 * HOUR);
    assert_int_equal(g.c[0].status, PD_ST_DEPARTED);
    assert_int_equal(g.c[0].events, 3);
    assert_int_equal(g.c[0].node_id, n.gd); /* no scan: the order's node */
    assert_int_equal(g.c[1].origin_division, 440305);
    assert_string_equal(g.c[1].service, "cold_chain");
    /* Keyset: after the first, only the second. */
    q.after_quiet_ms = g.c[0].quiet_since_ms;
    q.after_serial = g.c[0].key_id;
    memset(&g, 0, sizeof g);
    db = ct_begin(st);
    assert_int_equal(db->ops->monitor_quiet(db, &q, collect_cand, &g), 1);
    ct_commit(db);
    assert_string_equal(g.c[0].waybill_no, cold);

    /* Totally delayed: same city 3 days, elsewhere 7 days after the promise. */
    char city4[PD_WB_NO_SIZE], other4[PD_WB_NO_SIZE], other8[PD_WB_NO_SIZE], had[PD_WB_NO_SIZE],
        dlv[PD_WB_NO_SIZE];
    waybill(n.gd, "standard", 440305, 440306, Y, now - 4 * 24 * HOUR, PD_ST_IN_TRANSIT, now - HOUR,
            city4);
    waybill(n.gd, "standard", 440305, 310115, Y, now - 4 * 24 * HOUR, PD_ST_IN_TRANSIT, now - HOUR,
            other4);
    waybill(n.gd, "standard", 440305, 310115, Y, now - 8 * 24 * HOUR, PD_ST_IN_TRANSIT, now - HOUR,
            other8);
    waybill(n.gd, "standard", 440305, 310115, Y, now - 8 * 24 * HOUR, PD_ST_IN_TRANSIT, now - HOUR,
            had);
    waybill(n.gd, "standard", 440305, 310115, Y, now - 8 * 24 * HOUR, PD_ST_DELIVERED, now - HOUR,
            dlv);
    bool opened;
    int64_t pid;
    assert_int_equal(open_problem(had, "delayed", n.gd, now - HOUR, &opened, &pid), PD_QS_ONE);
    db = ct_begin(st);
    assert_int_equal(db->ops->problem_close(db, pid, now - 1, 0, "closed: still remembered"),
                     PD_QS_ONE);
    ct_commit(db);
    struct pd_delayed_filter d = {
        .promised_after_ms = Y,
        .same_city_before_ms = now - 3 * 24 * HOUR,
        .other_before_ms = now - 7 * 24 * HOUR,
        .type = "delayed",
        .limit = 100,
    };
    memset(&g, 0, sizeof g);
    db = ct_begin(st);
    assert_int_equal(db->ops->monitor_delayed(db, &d, collect_cand, &g), 2);
    ct_commit(db);
    assert_string_equal(g.c[0].waybill_no, other8); /* earliest promise first */
    assert_string_equal(g.c[1].waybill_no, city4);
    assert_int_equal(g.c[1].promised_ms, now - 4 * 24 * HOUR);
    d.after_promised_ms = g.c[0].promised_ms;
    d.after_id = g.c[0].key_id;
    memset(&g, 0, sizeof g);
    db = ct_begin(st);
    assert_int_equal(db->ops->monitor_delayed(db, &d, collect_cand, &g), 1);
    ct_commit(db);
    assert_string_equal(g.c[0].waybill_no, city4);
}

const struct CMUnitTest ct_tests_problems[] = {
    cmocka_unit_test_setup_teardown(test_problem_open_once, pp_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_receipts, pp_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(test_monitor_listings, pp_setup, pp_close),
};
const size_t ct_tests_problems_n = sizeof ct_tests_problems / sizeof *ct_tests_problems;
