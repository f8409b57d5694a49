/*
 * Contract tests of the call centre's own records (issue 6 part B): agents
 * round trip with their queues and are unique by name, lists filter by
 * subtree, user, exact queue and name; QA forms get the next version of
 * their code and old versions stay readable; scores filter and page; shifts
 * of one agent never overlap (touching is fine), also when two
 * transactions insert at once; attendance is one record per shift,
 * replaced; cost entries filter by overlap and queue; the per-agent sums
 * clip shifts to the period and count only present records; waybill
 * accuracy counts corrections but not draft edits; the screen pop finds
 * customers and open waybills by phone within a subtree only.
 */
#include "contract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/order_lifecycle.h"
#include "core/status.h"
#include "util/timeutil.h"

#define HOUR (3600 * 1000LL)
#define DAY  (24 * HOUR)

/* ---- fixture ------------------------------------------------------------------ */

/* hq → br_a → out_a, hq → br_b; a supervisor at br_a; two agent users. */
struct cc_net {
    struct pd_node hq, br_a, out_a, br_b;
    struct pd_user sup, u1, u2;
};

static void cc_net_new(pd_db *db, const char *tag, struct cc_net *n)
{
    char code[32], name[64];
    snprintf(code, sizeof code, "%s-HQ-", tag);
    ct_node(db, code, PD_NODE_HEAD_OFFICE, 0, &n->hq);
    snprintf(code, sizeof code, "%s-BA-", tag);
    ct_node(db, code, PD_NODE_BRANCH_L1, n->hq.id, &n->br_a);
    snprintf(code, sizeof code, "%s-OA-", tag);
    ct_node(db, code, PD_NODE_OUTLET, n->br_a.id, &n->out_a);
    snprintf(code, sizeof code, "%s-BB-", tag);
    ct_node(db, code, PD_NODE_BRANCH_L1, n->hq.id, &n->br_b);
    int k = ct_seq();
    snprintf(name, sizeof name, "%s-sup-%d", tag, k);
    ct_user(db, name, "王主管", PD_ROLE_SUPERVISOR, n->br_a.id, &n->sup);
    snprintf(name, sizeof name, "%s-ag1-%d", tag, k);
    ct_user(db, name, "张座席", PD_ROLE_AGENT, n->out_a.id, &n->u1);
    snprintf(name, sizeof name, "%s-ag2-%d", tag, k);
    ct_user(db, name, "李座席", PD_ROLE_AGENT, n->br_b.id, &n->u2);
}

/* Insert an agent named "<prefix>/<seq>" (asserting success). */
static void agent_new(pd_db *db, const char *prefix, int64_t user_id, int64_t node_id,
                      const char *q1, const char *q2, struct pd_cc_agent *a)
{
    memset(a, 0, sizeof *a);
    snprintf(a->agent, sizeof a->agent, "%s/%d", prefix, ct_seq());
    a->user_id = user_id;
    a->node_id = node_id;
    if (q1)
        snprintf(a->queues[a->n_queues++], PD_CC_NAME_SIZE, "%s", q1);
    if (q2)
        snprintf(a->queues[a->n_queues++], PD_CC_NAME_SIZE, "%s", q2);
    a->start_ms = 1767196800000; /* 2026-01-01T00:00:00+08:00 */
    bool dup = true;
    assert_int_equal(db->ops->cc_agent_insert(db, a, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(a->id > 0);
}

struct ids {
    int n;
    int64_t id[64];
    char name[64][PD_CC_NAME_SIZE];
};

static int agent_cb(void *cls, const struct pd_cc_agent *a)
{
    struct ids *g = cls;
    if (g->n < 64) {
        g->id[g->n] = a->id;
        snprintf(g->name[g->n], PD_CC_NAME_SIZE, "%s", a->agent);
    }
    g->n++;
    return 0;
}

static int agents(pd_db *db, const struct pd_cc_agent_filter *f, struct ids *g)
{
    memset(g, 0, sizeof *g);
    pd_qs qs = db->ops->cc_agent_list(db, f, agent_cb, g);
    assert_int_equal(qs, g->n);
    return g->n;
}

static bool has_id(const struct ids *g, int64_t id)
{
    for (int i = 0; i < g->n && i < 64; i++)
        if (g->id[i] == id)
            return true;
    return false;
}

/* ---- agents ------------------------------------------------------------------- */

static void test_cc_agent_round_trip(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCA", &n);
    struct pd_cc_agent a, b, back;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", "support-2", &a);
    assert_true(a.created_ms > 0);
    assert_int_equal(db->ops->cc_agent_get(db, a.id, &back), PD_QS_ONE);
    assert_string_equal(back.agent, a.agent);
    assert_int_equal(back.user_id, n.u1.id);
    assert_string_equal(back.username, n.u1.username);
    assert_string_equal(back.display_name, "张座席");
    assert_string_equal(back.node_code, n.out_a.code);
    assert_string_equal(back.node_path, n.out_a.path);
    assert_int_equal(back.n_queues, 2);
    assert_string_equal(back.queues[0], "sales");
    assert_string_equal(back.queues[1], "support-2");
    assert_int_equal(back.start_ms, 1767196800000);
    assert_int_equal(back.leave_ms, 0);

    /* The name is the key the indicators merge on: unique. */
    struct pd_cc_agent d = a;
    bool dup = false;
    assert_int_equal(db->ops->cc_agent_insert(db, &d, &dup), PD_QS_NONE);
    assert_true(dup);

    /* An unmapped agent reads back user 0 and empty names. */
    agent_new(db, "SIP", 0, n.br_b.id, NULL, NULL, &b);
    assert_int_equal(db->ops->cc_agent_get(db, b.id, &back), PD_QS_ONE);
    assert_int_equal(back.user_id, 0);
    assert_string_equal(back.username, "");
    assert_int_equal(back.n_queues, 0);

    /* Update: queues replaced, mapped, moved, left. */
    back.user_id = n.u2.id;
    back.n_queues = 1;
    snprintf(back.queues[0], PD_CC_NAME_SIZE, "vip");
    back.leave_ms = 1782835200000;
    assert_int_equal(db->ops->cc_agent_update(db, &back), PD_QS_ONE);
    assert_int_equal(db->ops->cc_agent_get(db, b.id, &back), PD_QS_ONE);
    assert_int_equal(back.user_id, n.u2.id);
    assert_int_equal(back.n_queues, 1);
    assert_string_equal(back.queues[0], "vip");
    assert_int_equal(back.leave_ms, 1782835200000);
    assert_true(back.updated_ms >= back.created_ms);
    assert_int_equal(db->ops->cc_agent_get(db, 999999999, &back), PD_QS_NONE);
    ct_commit(db);
}

static void test_cc_agent_list_filters(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCL", &n);
    struct pd_cc_agent a1, a2, a3;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", NULL, &a1);
    agent_new(db, "Agent", 0, n.br_a.id, "sales2", "vip", &a2);
    agent_new(db, "Agent", n.u2.id, n.br_b.id, "vip", NULL, &a3);
    struct ids g;
    struct pd_cc_agent_filter f = {.node_path = n.br_a.path};
    assert_int_equal(agents(db, &f, &g), 2); /* br_a and its outlet, not br_b */
    assert_true(has_id(&g, a1.id) && has_id(&g, a2.id));
    assert_true(strcmp(g.name[0], g.name[1]) < 0); /* by name */
    f = (struct pd_cc_agent_filter){.node_path = n.hq.path, .queue = "sales"};
    assert_int_equal(agents(db, &f, &g), 1); /* the exact queue, not "sales2" */
    assert_int_equal(g.id[0], a1.id);
    f = (struct pd_cc_agent_filter){.node_path = n.hq.path, .queue = "vip"};
    assert_int_equal(agents(db, &f, &g), 2);
    f = (struct pd_cc_agent_filter){.user_id = n.u2.id};
    assert_int_equal(agents(db, &f, &g), 1);
    assert_int_equal(g.id[0], a3.id);
    f = (struct pd_cc_agent_filter){.agent = a2.agent};
    assert_int_equal(agents(db, &f, &g), 1);
    assert_int_equal(g.id[0], a2.id);
    f = (struct pd_cc_agent_filter){0}; /* the whole network */
    agents(db, &f, &g);
    assert_true(g.n >= 3);
    ct_commit(db);
}

/* ---- QA forms and scores --------------------------------------------------------- */

struct forms {
    int n;
    int64_t id[16];
    int version[16];
    char code[16][PD_CC_CODE_SIZE];
    char items[16][256];
};

static int form_cb(void *cls, const struct pd_cc_qa_form *f)
{
    struct forms *g = cls;
    if (g->n < 16) {
        g->id[g->n] = f->id;
        g->version[g->n] = f->version;
        snprintf(g->code[g->n], PD_CC_CODE_SIZE, "%s", f->code);
        snprintf(g->items[g->n], 256, "%s", f->items);
    }
    g->n++;
    return 0;
}

static void form_insert(pd_db *db, const char *code, const char *items, int64_t by,
                        struct pd_cc_qa_form *f)
{
    memset(f, 0, sizeof *f);
    snprintf(f->code, sizeof f->code, "%s", code);
    snprintf(f->name, sizeof f->name, "通话质量评分表");
    f->items = items;
    f->created_by = by;
    assert_int_equal(db->ops->cc_qa_form_insert(db, f), PD_QS_ONE);
    assert_true(f->id > 0);
}

static const char ITEMS1[] = "[{\"key\":\"greeting\",\"label\":\"问候\",\"weight\":100,"
                             "\"max_score\":5}]";
static const char ITEMS2[] = "[{\"key\":\"greeting\",\"label\":\"问候\",\"weight\":40,"
                             "\"max_score\":5},{\"key\":\"accuracy\",\"label\":\"开单准确\","
                             "\"weight\":60,\"max_score\":10}]";

static void test_cc_qa_form_versions(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCF", &n);
    char code[32];
    snprintf(code, sizeof code, "QA%d", ct_seq());
    struct pd_cc_qa_form v1, v2;
    form_insert(db, code, ITEMS1, n.sup.id, &v1);
    assert_int_equal(v1.version, 1);
    form_insert(db, code, ITEMS2, n.sup.id, &v2);
    assert_int_equal(v2.version, 2);
    assert_true(v2.id != v1.id);

    struct forms g = {0};
    assert_int_equal(db->ops->cc_qa_form_get(db, 0, code, form_cb, &g), 1);
    assert_int_equal(g.id[0], v2.id); /* by code: the latest */
    assert_string_equal(g.items[0], ITEMS2);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->cc_qa_form_get(db, v1.id, NULL, form_cb, &g), 1);
    assert_int_equal(g.version[0], 1); /* by id: that version, unchanged */
    assert_string_equal(g.items[0], ITEMS1);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->cc_qa_form_get(db, 0, "NO-SUCH-FORM", form_cb, &g), 0);

    /* The latest of each code, or every version. */
    memset(&g, 0, sizeof g);
    db->ops->cc_qa_form_list(db, false, form_cb, &g);
    int seen = 0;
    for (int i = 0; i < g.n && i < 16; i++)
        if (!strcmp(g.code[i], code)) {
            seen++;
            assert_int_equal(g.version[i], 2);
        }
    assert_int_equal(seen, 1);
    memset(&g, 0, sizeof g);
    db->ops->cc_qa_form_list(db, true, form_cb, &g);
    seen = 0;
    for (int i = 0; i < g.n && i < 16; i++)
        if (!strcmp(g.code[i], code))
            assert_int_equal(g.version[i], ++seen); /* by version */
    assert_int_equal(seen, 2);
    ct_commit(db);
}

struct scores {
    int n;
    int64_t id[32];
    struct pd_cc_qa_score last;
    char items[256];
};

static int score_cb(void *cls, const struct pd_cc_qa_score *s)
{
    struct scores *g = cls;
    if (g->n < 32)
        g->id[g->n] = s->id;
    g->n++;
    g->last = *s;
    snprintf(g->items, sizeof g->items, "%s", s->items);
    g->last.items = g->items;
    return 0;
}

static void score_insert(pd_db *db, int64_t form, int64_t agent, int64_t sup, int x100,
                         struct pd_cc_qa_score *s)
{
    memset(s, 0, sizeof *s);
    s->form_id = form;
    s->agent_id = agent;
    s->supervisor_id = sup;
    snprintf(s->call_id, sizeof s->call_id, "1520932412.%d", ct_seq());
    s->score_x100 = x100;
    s->items = "[{\"key\":\"greeting\",\"score\":4}]";
    snprintf(s->comment, sizeof s->comment, "语速偏快");
    assert_int_equal(db->ops->cc_qa_score_insert(db, s), PD_QS_ONE);
    assert_true(s->id > 0);
    assert_true(s->created_ms > 0);
}

static void test_cc_qa_scores(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCS", &n);
    char code[32];
    snprintf(code, sizeof code, "QS%d", ct_seq());
    struct pd_cc_qa_form f;
    form_insert(db, code, ITEMS1, n.sup.id, &f);
    struct pd_cc_agent a1, a2;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", NULL, &a1);
    agent_new(db, "Agent", n.u2.id, n.br_b.id, "sales", NULL, &a2);
    struct pd_cc_qa_score s1, s2, s3;
    score_insert(db, f.id, a1.id, n.sup.id, 8000, &s1);
    score_insert(db, f.id, a1.id, n.sup.id, 9550, &s2);
    score_insert(db, f.id, a2.id, 0, 10000, &s3);

    struct scores g = {0};
    struct pd_cc_score_filter sf = {.agent_id = a1.id, .limit = 10};
    assert_int_equal(db->ops->cc_qa_score_list(db, &sf, score_cb, &g), 2);
    assert_int_equal(g.id[0], s2.id); /* newest first */
    assert_int_equal(g.last.id, s1.id);
    assert_int_equal(g.last.score_x100, 8000);
    assert_string_equal(g.last.form_code, code);
    assert_int_equal(g.last.form_version, 1);
    assert_string_equal(g.last.agent, a1.agent);
    assert_int_equal(g.last.agent_user_id, n.u1.id);
    assert_string_equal(g.last.node_path, n.out_a.path);
    assert_string_equal(g.last.supervisor_name, n.sup.username);
    assert_string_equal(g.last.call_id, s1.call_id);
    assert_string_equal(g.last.waybill_no, "");
    assert_string_equal(g.last.comment, "语速偏快");
    assert_string_equal(g.items, "[{\"key\":\"greeting\",\"score\":4}]");

    /* Keyset pages, scope by the agent's node, the mapped user, the period. */
    memset(&g, 0, sizeof g);
    sf = (struct pd_cc_score_filter){.agent_id = a1.id, .before_id = s2.id, .limit = 10};
    assert_int_equal(db->ops->cc_qa_score_list(db, &sf, score_cb, &g), 1);
    assert_int_equal(g.id[0], s1.id);
    memset(&g, 0, sizeof g);
    sf = (struct pd_cc_score_filter){.node_path = n.br_a.path, .limit = 10};
    assert_int_equal(db->ops->cc_qa_score_list(db, &sf, score_cb, &g), 2);
    memset(&g, 0, sizeof g);
    sf = (struct pd_cc_score_filter){.user_id = n.u2.id, .limit = 10};
    assert_int_equal(db->ops->cc_qa_score_list(db, &sf, score_cb, &g), 1);
    assert_int_equal(g.id[0], s3.id);
    assert_string_equal(g.last.supervisor_name, "");
    memset(&g, 0, sizeof g);
    sf = (struct pd_cc_score_filter){.agent_id = a1.id, .to_ms = s1.created_ms - 1, .limit = 10};
    assert_int_equal(db->ops->cc_qa_score_list(db, &sf, score_cb, &g), 0);
    ct_commit(db);
}

/* ---- shifts and attendance -------------------------------------------------------- */

static pd_qs shift_insert(pd_db *db, int64_t agent, int64_t node, int64_t start, int64_t end,
                          int64_t *overlap, struct pd_cc_shift *s)
{
    memset(s, 0, sizeof *s);
    s->agent_id = agent;
    s->node_id = node;
    s->start_ms = start;
    s->end_ms = end;
    return db->ops->cc_shift_insert(db, s, overlap);
}

/* A base time of its own per test, far from the others, so period sums see only it. */
static int64_t base_time(void)
{
    return 1893456000000LL + (int64_t)ct_seq() * 30 * DAY; /* 2030-01-01 onwards */
}

static void test_cc_shift_overlap(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCH", &n);
    struct pd_cc_agent a, b;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", NULL, &a);
    agent_new(db, "Agent", n.u2.id, n.br_b.id, "sales", NULL, &b);
    int64_t t = base_time(), ov = -1;
    struct pd_cc_shift s1, s2, x;
    assert_int_equal(shift_insert(db, a.id, n.out_a.id, t + 9 * HOUR, t + 17 * HOUR, &ov, &s1),
                     PD_QS_ONE);
    assert_int_equal(ov, 0);
    assert_true(s1.id > 0);
    /* Touching is not overlapping: 17:00–21:00 follows 09:00–17:00. */
    assert_int_equal(shift_insert(db, a.id, n.out_a.id, t + 17 * HOUR, t + 21 * HOUR, &ov, &s2),
                     PD_QS_ONE);
    /* Inside, across the start, across the end, covering: refused, naming the shift. */
    const int64_t bad[][2] = {{10, 11}, {8, 10}, {16, 18}, {7, 22}, {20, 30}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        assert_int_equal(
            shift_insert(db, a.id, n.out_a.id, t + bad[i][0] * HOUR, t + bad[i][1] * HOUR, &ov, &x),
            PD_QS_NONE);
        assert_true(ov == s1.id || ov == s2.id);
        assert_int_equal(x.id, 0);
    }
    /* A night shift from 21:00 to 05:00 overlaps the next day's shift from 04:00. */
    struct pd_cc_shift night, early;
    assert_int_equal(shift_insert(db, a.id, n.out_a.id, t + 21 * HOUR, t + 29 * HOUR, &ov, &night),
                     PD_QS_ONE);
    assert_int_equal(shift_insert(db, a.id, n.out_a.id, t + 28 * HOUR, t + 33 * HOUR, &ov, &early),
                     PD_QS_NONE);
    assert_int_equal(ov, night.id);
    /* Another agent at the same time is fine. */
    assert_int_equal(shift_insert(db, b.id, n.br_b.id, t + 10 * HOUR, t + 11 * HOUR, &ov, &x),
                     PD_QS_ONE);
    ct_commit(db);

    /* Longer than a day breaks the table's check: the handler refuses it first. */
    db = ct_begin(ct_store);
    assert_true(shift_insert(db, b.id, n.br_b.id, t + 40 * HOUR, t + 65 * HOUR, &ov, &x) < 0);
    ct_rollback(db);
}

struct race {
    int64_t agent, node, start, end;
    int64_t overlap;
    pd_qs qs;
    pthread_barrier_t *go;
};

static pd_qs race_tx(pd_db *db, void *cls)
{
    struct race *r = cls;
    struct pd_cc_agent a;
    pd_qs qs = db->ops->cc_agent_get(db, r->agent, &a);
    if (qs <= 0)
        return qs < 0 ? qs : PD_QS_HARD;
    struct pd_cc_shift s;
    return shift_insert(db, r->agent, r->node, r->start, r->end, &r->overlap, &s);
}

static void *race_main(void *p)
{
    struct race *r = p;
    pthread_barrier_wait(r->go);
    r->qs = pd_tx_run(ct_store, "cc shift race", false, race_tx, r);
    return NULL;
}

static void test_cc_shift_overlap_concurrent(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCR", &n);
    struct pd_cc_agent a;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", NULL, &a);
    ct_commit(db);
    int64_t t = base_time();
    for (int round = 0; round < 5; round++) {
        pthread_barrier_t go;
        pthread_barrier_init(&go, NULL, 2);
        int64_t day = t + round * DAY;
        struct race r[2] = {
            {a.id, n.out_a.id, day + 9 * HOUR, day + 17 * HOUR, 0, 0, &go},
            {a.id, n.out_a.id, day + 12 * HOUR, day + 20 * HOUR, 0, 0, &go},
        };
        pthread_t th[2];
        for (int i = 0; i < 2; i++)
            assert_int_equal(pthread_create(&th[i], NULL, race_main, &r[i]), 0);
        for (int i = 0; i < 2; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&go);
        assert_int_equal(r[0].qs >= 0 && r[1].qs >= 0, 1);
        /* Exactly one got in; the other saw it. */
        assert_int_equal((r[0].qs == PD_QS_ONE) + (r[1].qs == PD_QS_ONE), 1);
        assert_int_equal((r[0].overlap != 0) + (r[1].overlap != 0), 1);
    }
}

struct shifts {
    int n;
    int64_t id[32];
    struct pd_cc_shift last;
};

static int shift_cb(void *cls, const struct pd_cc_shift *s)
{
    struct shifts *g = cls;
    if (g->n < 32)
        g->id[g->n] = s->id;
    g->n++;
    g->last = *s;
    return 0;
}

static void test_cc_attendance(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCT", &n);
    struct pd_cc_agent a, b;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", NULL, &a);
    agent_new(db, "Agent", n.u2.id, n.br_b.id, "sales", NULL, &b);
    int64_t t = base_time(), ov;
    struct pd_cc_shift s1, s2, s3, back;
    shift_insert(db, a.id, n.out_a.id, t + 9 * HOUR, t + 17 * HOUR, &ov, &s1);
    shift_insert(db, a.id, n.out_a.id, t + DAY + 9 * HOUR, t + DAY + 17 * HOUR, &ov, &s2);
    shift_insert(db, b.id, n.br_b.id, t + 9 * HOUR, t + 17 * HOUR, &ov, &s3);
    assert_int_equal(db->ops->cc_shift_get(db, s1.id, &back), PD_QS_ONE);
    assert_int_equal(back.att.status, PD_CC_NOT_RECORDED);
    assert_string_equal(back.agent, a.agent);
    assert_int_equal(back.agent_user_id, n.u1.id);
    assert_string_equal(back.node_code, n.out_a.code);
    assert_int_equal(back.start_ms, t + 9 * HOUR);
    assert_int_equal(back.end_ms, t + 17 * HOUR);

    struct pd_cc_attendance at = {.shift_id = s1.id,
                                  .status = PD_CC_PRESENT,
                                  .clock_in_ms = t + 9 * HOUR + 7 * 60000,
                                  .late_min = 7,
                                  .recorded_by = n.sup.id,
                                  .recorded_ms = t + 10 * HOUR};
    assert_int_equal(db->ops->cc_attendance_put(db, &at), PD_QS_ONE);
    assert_int_equal(db->ops->cc_shift_get(db, s1.id, &back), PD_QS_ONE);
    assert_int_equal(back.att.status, PD_CC_PRESENT);
    assert_int_equal(back.att.clock_in_ms, t + 9 * HOUR + 7 * 60000);
    assert_int_equal(back.att.clock_out_ms, 0);
    assert_int_equal(back.att.late_min, 7);
    assert_int_equal(back.att.recorded_by, n.sup.id);
    /* Replaced, not added: the clock-out arrives. */
    at.clock_out_ms = t + 17 * HOUR + 60000;
    assert_int_equal(db->ops->cc_attendance_put(db, &at), PD_QS_ONE);
    assert_int_equal(db->ops->cc_shift_get(db, s1.id, &back), PD_QS_ONE);
    assert_int_equal(back.att.clock_out_ms, t + 17 * HOUR + 60000);
    struct pd_cc_attendance ab = {
        .shift_id = s2.id, .status = PD_CC_ABSENT, .recorded_by = n.sup.id, .recorded_ms = t + DAY};
    snprintf(ab.reason, sizeof ab.reason, "病假");
    assert_int_equal(db->ops->cc_attendance_put(db, &ab), PD_QS_ONE);

    /* Lists: by start then id, filtered by agent, user, subtree, period. */
    struct shifts g = {0};
    struct pd_cc_shift_filter f = {.agent_id = a.id, .limit = 10};
    assert_int_equal(db->ops->cc_shift_list(db, &f, shift_cb, &g), 2);
    assert_int_equal(g.id[0], s1.id);
    assert_int_equal(g.last.id, s2.id);
    assert_int_equal(g.last.att.status, PD_CC_ABSENT);
    assert_string_equal(g.last.att.reason, "病假");
    memset(&g, 0, sizeof g);
    f = (struct pd_cc_shift_filter){.node_path = n.hq.path, .from_ms = t, .to_ms = t + DAY};
    assert_int_equal(db->ops->cc_shift_list(db, &f, shift_cb, &g), 2); /* s1 and s3 */
    memset(&g, 0, sizeof g);
    f = (struct pd_cc_shift_filter){.node_path = n.br_b.path};
    assert_int_equal(db->ops->cc_shift_list(db, &f, shift_cb, &g), 1);
    assert_int_equal(g.id[0], s3.id);
    memset(&g, 0, sizeof g);
    f = (struct pd_cc_shift_filter){.user_id = n.u1.id, .from_ms = t + DAY};
    assert_int_equal(db->ops->cc_shift_list(db, &f, shift_cb, &g), 1);
    assert_int_equal(g.id[0], s2.id);
    ct_commit(db);

    /* The table refuses what the handler must never send. */
    db = ct_begin(ct_store);
    struct pd_cc_attendance bad = {.shift_id = s3.id, .status = PD_CC_ABSENT, .recorded_ms = t};
    assert_true(db->ops->cc_attendance_put(db, &bad) < 0); /* absent without a reason */
    ct_rollback(db);
}

/* ---- costs ------------------------------------------------------------------------ */

struct costs {
    int n;
    int64_t id[32];
    struct pd_cc_cost last;
};

static int cost_cb(void *cls, const struct pd_cc_cost *c)
{
    struct costs *g = cls;
    if (g->n < 32)
        g->id[g->n] = c->id;
    g->n++;
    g->last = *c;
    return 0;
}

static void cost_insert(pd_db *db, int64_t node, const char *queue, int64_t from, int64_t to,
                        int64_t fen, int64_t by, struct pd_cc_cost *c)
{
    memset(c, 0, sizeof *c);
    c->node_id = node;
    snprintf(c->queue, sizeof c->queue, "%s", queue);
    c->from_ms = from;
    c->to_ms = to;
    c->amount_fen = fen;
    snprintf(c->category, sizeof c->category, "telecom");
    snprintf(c->note, sizeof c->note, "中继线月租");
    c->created_by = by;
    assert_int_equal(db->ops->cc_cost_insert(db, c), PD_QS_ONE);
    assert_true(c->id > 0);
}

static void test_cc_costs(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCC", &n);
    int64_t t = base_time();
    struct pd_cc_cost c1, c2, c3;
    cost_insert(db, n.br_a.id, "", t, t + 30 * DAY, 3000000, n.sup.id, &c1);
    cost_insert(db, n.br_a.id, "sales", t + 10 * DAY, t + 20 * DAY, 50000, n.sup.id, &c2);
    cost_insert(db, n.br_b.id, "", t, t + 30 * DAY, 7000, 0, &c3);
    struct costs g = {0};
    struct pd_cc_cost_filter f = {.node_path = n.br_a.path, .limit = 10};
    assert_int_equal(db->ops->cc_cost_list(db, &f, cost_cb, &g), 2);
    assert_int_equal(g.id[0], c2.id); /* newest first */
    assert_int_equal(g.last.id, c1.id);
    assert_int_equal(g.last.amount_fen, 3000000);
    assert_string_equal(g.last.queue, "");
    assert_string_equal(g.last.category, "telecom");
    assert_string_equal(g.last.note, "中继线月租");
    assert_string_equal(g.last.node_code, n.br_a.code);
    assert_string_equal(g.last.created_by_name, n.sup.username);
    assert_int_equal(g.last.from_ms, t);
    assert_int_equal(g.last.to_ms, t + 30 * DAY);
    /* Overlap with the period: [from, to) touching an end is outside. */
    memset(&g, 0, sizeof g);
    f = (struct pd_cc_cost_filter){
        .node_path = n.hq.path, .from_ms = t + 20 * DAY, .to_ms = t + 25 * DAY, .limit = 10};
    assert_int_equal(db->ops->cc_cost_list(db, &f, cost_cb, &g), 2); /* c1 and c3, not c2 */
    assert_false(g.id[0] == c2.id || g.id[1] == c2.id);
    memset(&g, 0, sizeof g);
    f = (struct pd_cc_cost_filter){.node_path = n.hq.path, .queue = "sales", .limit = 10};
    assert_int_equal(db->ops->cc_cost_list(db, &f, cost_cb, &g), 1);
    assert_int_equal(g.id[0], c2.id);
    memset(&g, 0, sizeof g);
    f = (struct pd_cc_cost_filter){.node_path = n.hq.path, .queue = "", .limit = 10};
    assert_int_equal(db->ops->cc_cost_list(db, &f, cost_cb, &g), 2); /* whole-centre entries */
    ct_commit(db);
}

/* ---- the figures the statistics merge reads ----------------------------------------- */

struct own {
    int64_t agent;
    bool seen;
    struct pd_cc_own_row row;
};

static int own_cb(void *cls, const struct pd_cc_own_row *r)
{
    struct own *o = cls;
    if (r->agent_id == o->agent) {
        assert_false(o->seen); /* one row per agent */
        o->seen = true;
        o->row = *r;
    }
    return 0;
}

static void test_cc_own_sums(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCO", &n);
    struct pd_cc_agent a;
    agent_new(db, "Agent", n.u1.id, n.out_a.id, "sales", NULL, &a);
    int64_t t = base_time(), ov;
    struct pd_cc_shift s1, s2, s3, s4;
    shift_insert(db, a.id, n.out_a.id, t + 9 * HOUR, t + 17 * HOUR, &ov, &s1);
    shift_insert(db, a.id, n.out_a.id, t + DAY + 9 * HOUR, t + DAY + 17 * HOUR, &ov, &s2);
    /* Starts 2 hours before the period ends: only those 2 hours count. */
    shift_insert(db, a.id, n.out_a.id, t + 2 * DAY - 2 * HOUR, t + 2 * DAY + 6 * HOUR, &ov, &s3);
    /* Starts after the period: not counted at all. */
    shift_insert(db, a.id, n.out_a.id, t + 2 * DAY + 9 * HOUR, t + 2 * DAY + 17 * HOUR, &ov, &s4);
    struct pd_cc_attendance p = {
        .shift_id = s1.id, .status = PD_CC_PRESENT, .clock_in_ms = t + 9 * HOUR, .recorded_ms = t};
    db->ops->cc_attendance_put(db, &p);
    p.shift_id = s4.id;
    db->ops->cc_attendance_put(db, &p);
    struct pd_cc_attendance ab = {.shift_id = s2.id, .status = PD_CC_ABSENT, .recorded_ms = t};
    snprintf(ab.reason, sizeof ab.reason, "事假");
    db->ops->cc_attendance_put(db, &ab);

    struct own o = {.agent = a.id};
    assert_true(db->ops->cc_own_shifts(db, t, t + 2 * DAY, own_cb, &o) >= 1);
    assert_true(o.seen);
    assert_int_equal(o.row.n, 3);   /* s1, s2, s3 */
    assert_int_equal(o.row.sum, 1); /* s1 present; s2 absent; s3 not recorded */
    assert_int_equal(o.row.seconds, (8 + 8 + 2) * 3600);

    /* QA: count and sum of the forms filled in the period. */
    char code[32];
    snprintf(code, sizeof code, "QO%d", ct_seq());
    struct pd_cc_qa_form f;
    form_insert(db, code, ITEMS1, n.sup.id, &f);
    struct pd_cc_qa_score q1, q2;
    score_insert(db, f.id, a.id, n.sup.id, 8000, &q1);
    score_insert(db, f.id, a.id, n.sup.id, 9050, &q2);
    o = (struct own){.agent = a.id};
    assert_true(db->ops->cc_own_qa(db, q1.created_ms, q2.created_ms + 1, own_cb, &o) >= 1);
    assert_true(o.seen);
    assert_int_equal(o.row.n, 2);
    assert_int_equal(o.row.sum, 17050);
    o = (struct own){.agent = a.id};
    db->ops->cc_own_qa(db, 0, q1.created_ms, own_cb, &o);
    assert_false(o.seen);
    ct_commit(db);
}

static void wb_new(pd_db *db, int64_t node, int64_t by, int state, const char *sender,
                   const char *recipient, struct pd_waybill *w)
{
    memset(w, 0, sizeof *w);
    w->state = state;
    snprintf(w->channel, sizeof w->channel, "phone");
    snprintf(w->service, sizeof w->service, "standard");
    snprintf(w->payment, sizeof w->payment, "sender");
    w->node_id = node;
    snprintf(w->sender_phone, sizeof w->sender_phone, "%s", sender);
    snprintf(w->recipient_phone, sizeof w->recipient_phone, "%s", recipient);
    w->weight_g = 1000;
    w->parcels = 1;
    w->created_by = by;
    w->doc = "{\"sender\":{\"name\":\"张三\"}}";
    w->quote = "{}";
    w->review = "[]";
    assert_int_equal(db->ops->waybill_insert(db, w), PD_QS_ONE);
}

static void audit_wb(pd_db *db, const char *action, const char *no, const char *detail)
{
    struct pd_audit a;
    memset(&a, 0, sizeof a);
    a.at_ms = pd_now_ms();
    a.actor_kind = PD_ACTOR_USER;
    snprintf(a.action, sizeof a.action, "%s", action);
    snprintf(a.object_type, sizeof a.object_type, "waybill");
    snprintf(a.object_id, sizeof a.object_id, "%s", no);
    a.detail = detail;
    assert_true(db->ops->audit_insert(db, &a) > 0);
}

/* A phone number no other test uses: 139 + 8 digits of the run's sequence. */
static void phone_new(char out[32])
{
    snprintf(out, 32, "139%08d", (ct_seq() * 7919 + (int)(pd_now_ms() % 100000)) % 100000000);
}

static void test_cc_own_waybills(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCW", &n);
    char p1[32], p2[32];
    phone_new(p1);
    phone_new(p2);
    int64_t from = pd_now_ms() - 1000;
    struct pd_waybill w1, w2, w3, w4, other;
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_ACCEPTED, p1, p2, &w1);  /* edited after acceptance */
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_ACCEPTED, p1, p2, &w2);  /* edited while a draft */
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_IN_REVIEW, p1, p2, &w3); /* sent back in review */
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_ACCEPTED, p1, p2, &w4);  /* untouched */
    wb_new(db, n.out_a.id, n.u2.id, PD_ORDER_ACCEPTED, p1, p2, &other);
    audit_wb(db, "waybill.update", w1.waybill_no,
             "{\"changed\":[\"recipient\"],\"from\":"
             "\"accepted\",\"to\":\"accepted\"}");
    audit_wb(db, "waybill.update", w1.waybill_no,
             "{\"changed\":[\"goods\"],\"from\":"
             "\"accepted\",\"to\":\"accepted\"}");
    audit_wb(db, "waybill.update", w2.waybill_no,
             "{\"changed\":[\"goods\"],\"from\":\"draft\","
             "\"to\":\"draft\"}");
    audit_wb(db, "waybill.flag", w3.waybill_no, "{\"from\":\"accepted\",\"to\":\"in_review\"}");
    audit_wb(db, "waybill.print_label", w4.waybill_no, NULL);
    audit_wb(db, "waybill.update", other.waybill_no, "{\"from\":\"accepted\"}");
    int64_t entered = -1, corrected = -1;
    assert_int_equal(
        db->ops->cc_own_waybills(db, n.u1.id, from, pd_now_ms() + 1000, &entered, &corrected),
        PD_QS_ONE);
    assert_int_equal(entered, 4);
    assert_int_equal(corrected, 2); /* w1 (once, however many edits) and w3 */
    assert_int_equal(db->ops->cc_own_waybills(db, n.u1.id, 0, from, &entered, &corrected),
                     PD_QS_ONE);
    assert_int_equal(entered, 0);
    assert_int_equal(corrected, 0);
    ct_commit(db);
}

/* ---- the screen pop ----------------------------------------------------------------- */

struct pops {
    int n;
    char no[32][PD_WB_NO_SIZE];
    char state[32][24], status[32][24], doc[256];
};

static int pop_cb(void *cls, const struct pd_cc_lookup_waybill *w)
{
    struct pops *g = cls;
    if (g->n < 32) {
        snprintf(g->no[g->n], PD_WB_NO_SIZE, "%s", w->waybill_no);
        snprintf(g->state[g->n], 24, "%s", w->state);
        snprintf(g->status[g->n], 24, "%s", w->status);
        snprintf(g->doc, sizeof g->doc, "%s", w->doc);
    }
    g->n++;
    return 0;
}

static bool pop_has(const struct pops *g, const char *no)
{
    for (int i = 0; i < g->n && i < 32; i++)
        if (!strcmp(g->no[i], no))
            return true;
    return false;
}

static void tracking_of(pd_db *db, const struct pd_waybill *w, enum pd_status st)
{
    struct pd_tracking t;
    memset(&t, 0, sizeof t);
    snprintf(t.waybill_no, sizeof t.waybill_no, "%s", w->waybill_no);
    t.has_order = true;
    t.order_state = PD_ORDER_PICKED_UP;
    t.parcels = 1;
    t.status = (int)st;
    t.created_ms = w->created_ms;
    t.updated_ms = w->created_ms;
    static const unsigned char empty_timeline[] = {1, 0, 0, 0, 0}; /* no events */
    t.timeline = empty_timeline;
    t.timeline_len = sizeof empty_timeline;
    assert_int_equal(db->ops->tracking_put(db, &t), PD_QS_ONE);
}

struct custs {
    int n;
    char code[8][PD_CODE_MAX];
};

static int cust_cb(void *cls, const struct pd_customer *c)
{
    struct custs *g = cls;
    if (g->n < 8)
        snprintf(g->code[g->n], PD_CODE_MAX, "%s", c->code);
    g->n++;
    return 0;
}

static void test_cc_lookup(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct cc_net n;
    cc_net_new(db, "CCP", &n);
    char me[32], x[32];
    phone_new(me);
    phone_new(x);
    struct pd_waybill sent, got, cancelled, delivered, moving, far;
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_ACCEPTED, me, x, &sent);
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_ACCEPTED, x, me, &got);
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_CANCELLED, me, x, &cancelled);
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_PICKED_UP, me, x, &delivered);
    tracking_of(db, &delivered, PD_ST_DELIVERED);
    wb_new(db, n.out_a.id, n.u1.id, PD_ORDER_PICKED_UP, me, x, &moving);
    tracking_of(db, &moving, PD_ST_IN_TRANSIT);
    wb_new(db, n.br_b.id, n.u2.id, PD_ORDER_ACCEPTED, me, x, &far);

    struct pops g = {0};
    assert_int_equal(db->ops->cc_lookup_waybills(db, me, n.br_a.path, 200, 20, pop_cb, &g), 3);
    assert_string_equal(g.no[0], moving.waybill_no); /* newest first */
    assert_string_equal(g.status[0], "in_transit");
    assert_string_equal(g.state[0], "picked_up");
    assert_string_equal(g.no[1], got.waybill_no);
    assert_string_equal(g.status[1], ""); /* no tracking row yet */
    assert_string_equal(g.no[2], sent.waybill_no);
    assert_string_equal(g.doc, "{\"sender\":{\"name\":\"张三\"}}");
    assert_false(pop_has(&g, cancelled.waybill_no) || pop_has(&g, delivered.waybill_no));
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->cc_lookup_waybills(db, me, NULL, 200, 20, pop_cb, &g), 4);
    assert_true(pop_has(&g, far.waybill_no));
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->cc_lookup_waybills(db, me, n.hq.path, 200, 2, pop_cb, &g), 2);
    /* Only the newest scan_max of each phone column are looked at. */
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->cc_lookup_waybills(db, me, n.hq.path, 1, 20, pop_cb, &g), 2);
    assert_true(pop_has(&g, far.waybill_no) && pop_has(&g, got.waybill_no));

    struct pd_customer c1, c2;
    memset(&c1, 0, sizeof c1);
    snprintf(c1.code, sizeof c1.code, "CCP%06d", ct_seq());
    snprintf(c1.name, sizeof c1.name, "深圳某电商");
    snprintf(c1.phone, sizeof c1.phone, "%s", me);
    c1.node_id = n.out_a.id;
    c1.active = true;
    bool dup;
    assert_int_equal(db->ops->customer_insert(db, &c1, &dup), PD_QS_ONE);
    c2 = c1;
    snprintf(c2.code, sizeof c2.code, "CCP%06d", ct_seq());
    c2.node_id = n.br_b.id;
    assert_int_equal(db->ops->customer_insert(db, &c2, &dup), PD_QS_ONE);
    struct custs cg = {0};
    assert_int_equal(db->ops->cc_lookup_customers(db, me, n.br_a.path, 10, cust_cb, &cg), 1);
    assert_string_equal(cg.code[0], c1.code);
    memset(&cg, 0, sizeof cg);
    assert_int_equal(db->ops->cc_lookup_customers(db, me, n.hq.path, 10, cust_cb, &cg), 2);
    memset(&cg, 0, sizeof cg);
    assert_int_equal(db->ops->cc_lookup_customers(db, x, n.hq.path, 10, cust_cb, &cg), 0);
    ct_commit(db);
}

const struct CMUnitTest ct_tests_ccrec[] = {
    cmocka_unit_test_teardown(test_cc_agent_round_trip, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_agent_list_filters, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_qa_form_versions, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_qa_scores, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_shift_overlap, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_shift_overlap_concurrent, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_attendance, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_costs, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_own_sums, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_own_waybills, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_lookup, ct_cleanup),
};
const size_t ct_tests_ccrec_n = sizeof ct_tests_ccrec / sizeof *ct_tests_ccrec;
