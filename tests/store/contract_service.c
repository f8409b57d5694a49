/*
 * Contract tests of the service desk, part B (store_service.h; migrations
 * 013): a problem's resolution and root cause, its actions and contacts in
 * the order made with their authors' names, its evidence rows, one open
 * compensation case per problem; the exception scans the stale-parcel job
 * reads (its own device left out, other scan types left out, the node that
 * should act, keyset pages, the settle bound), one problem per scan and per
 * open type; a job cursor that never moves backwards; the monthly
 * statistics by type, node, root cause and state; knowledge-base articles
 * with an optimistic version, listed and searched in Chinese — three-
 * character terms through the index, one- and two-character terms by scan,
 * both mixed, LIKE wildcards taken literally, ranked by the documented
 * score, drafts only on request, the index following edits and deletes —
 * and shift handovers acknowledged once, listed by subtree, node and
 * acknowledgement.
 */
#include "contract.h"

#include <stdio.h>
#include <string.h>

#include "core/kb.h"
#include "core/order_lifecycle.h"
#include "core/scan.h"

static pd_store *st;

#define T0   1790000000000LL /* 2026-09-21 */
#define HOUR 3600000LL

static int sv_setup(void **state)
{
    (void)state;
    if (!st)
        st = ct_open_fresh_migrated();
    return 0;
}

static int sv_close(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

struct net {
    int64_t root, gd, sh;
    char gd_code[PD_CODE_MAX];
    char gd_path[PD_PATH_MAX], sh_path[PD_PATH_MAX];
    int64_t u1, u2; /* two users of gd */
};

static struct net net_make(void)
{
    struct net n;
    struct pd_node a, b;
    pd_db *db = ct_begin(st);
    n.root = ct_node(db, "SV-HQ-", PD_NODE_HEAD_OFFICE, 0, NULL);
    n.gd = ct_node(db, "SV-GD-", PD_NODE_BRANCH_L1, n.root, &a);
    n.sh = ct_node(db, "SV-SH-", PD_NODE_BRANCH_L1, n.root, &b);
    char name[32];
    snprintf(name, sizeof name, "sv-u1-%d", ct_seq());
    n.u1 = ct_user(db, name, "王一", PD_ROLE_AGENT, n.gd, NULL);
    snprintf(name, sizeof name, "sv-u2-%d", ct_seq());
    n.u2 = ct_user(db, name, "李二", PD_ROLE_SUPERVISOR, n.gd, NULL);
    ct_commit(db);
    snprintf(n.gd_code, sizeof n.gd_code, "%s", a.code);
    snprintf(n.gd_path, sizeof n.gd_path, "%s", a.path);
    snprintf(n.sh_path, sizeof n.sh_path, "%s", b.path);
    return n;
}

static void waybill(int64_t node, char no[PD_WB_NO_SIZE])
{
    struct pd_waybill w;
    memset(&w, 0, sizeof w);
    w.state = PD_ORDER_PICKED_UP;
    snprintf(w.channel, sizeof w.channel, "phone");
    snprintf(w.service, sizeof w.service, "standard");
    snprintf(w.payment, sizeof w.payment, "sender");
    w.node_id = node;
    w.parcels = 1;
    w.doc = "{}";
    w.quote = "{}";
    w.review = "[]";
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->waybill_insert(db, &w), PD_QS_ONE);
    ct_commit(db);
    memcpy(no, w.waybill_no, PD_WB_NO_SIZE);
}

static int64_t open_staff(const char *no, const char *type, int64_t node, int64_t at, int64_t by)
{
    struct pd_problem p;
    memset(&p, 0, sizeof p);
    snprintf(p.waybill_no, sizeof p.waybill_no, "%s", no);
    snprintf(p.type, sizeof p.type, "%s", type);
    p.source = PD_PROBLEM_SOURCE_STAFF;
    p.node_id = node;
    p.opened_ms = at;
    p.opened_by = by;
    snprintf(p.reason, sizeof p.reason, "外包装破损，内件受潮");
    bool opened = false;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->problem_open(db, &p, &opened), PD_QS_ONE);
    ct_commit(db);
    assert_true(opened);
    return p.id;
}

/* ---- problems: what 013 added ------------------------------------------------------ */

#define NAMES_SIZE 256

static int action_names(void *cls, const struct pd_problem_action_rec *a)
{
    char *out = cls; /* the caller's buffer: NAMES_SIZE bytes */
    size_t n = strlen(out);
    snprintf(out + n, NAMES_SIZE - n, "%s/%s;", a->action, a->by_name[0] ? "u" : "-");
    return 0;
}

static int contact_names(void *cls, const struct pd_problem_contact *c)
{
    char *out = cls; /* the caller's buffer: NAMES_SIZE bytes */
    size_t n = strlen(out);
    snprintf(out + n, NAMES_SIZE - n, "%s:%s;", c->party, c->outcome);
    return 0;
}

static int evidence_count(void *cls, const struct pd_problem_evidence *e)
{
    (void)e;
    ++*(int *)cls;
    return 0;
}

static int case_count(void *cls, const struct pd_compensation_case *c)
{
    assert_string_equal(c->state, "open");
    assert_int_equal(c->amount_fen, 12000);
    ++*(int *)cls;
    return 0;
}

static void problem_records(void **state)
{
    (void)state;
    struct net n = net_make();
    char no[PD_WB_NO_SIZE];
    waybill(n.gd, no);
    int64_t id = open_staff(no, "damage", n.gd, T0, n.u1);

    pd_db *db = ct_begin(st);
    struct pd_problem p;
    struct pd_problem_more m;
    assert_int_equal(db->ops->problem_more_get(db, id, &p, &m), PD_QS_ONE);
    assert_string_equal(p.type, "damage");
    assert_int_equal(p.source, PD_PROBLEM_SOURCE_STAFF);
    assert_string_equal(m.root_cause, "");
    assert_string_equal(m.resolution, "");
    assert_string_equal(m.source_scan, "");
    assert_int_equal(m.updated_ms, 0);
    assert_int_equal(db->ops->problem_more_get(db, id + 100000, &p, &m), PD_QS_NONE);

    /* actions in the order taken, with who took them */
    struct pd_problem_action_rec a = {.problem_id = id, .at_ms = T0 + 1, .by_user = n.u1};
    snprintf(a.action, sizeof a.action, "hold");
    assert_int_equal(db->ops->problem_action_insert(db, &a), PD_QS_ONE);
    assert_true(a.id > 0);
    struct pd_problem_action_rec r = {
        .problem_id = id, .at_ms = T0 + 2, .by_user = 0, .amount_fen = 0};
    snprintf(r.action, sizeof r.action, "redirect");
    snprintf(r.address, sizeof r.address, "上海市浦东新区世纪大道 100 号");
    assert_int_equal(db->ops->problem_action_insert(db, &r), PD_QS_ONE);
    char names[NAMES_SIZE] = "";
    assert_int_equal(db->ops->problem_action_list(db, id, action_names, names), 2);
    assert_string_equal(names, "hold/u;redirect/-;");
    assert_int_equal(db->ops->problem_touch(db, id, "redirect", NULL, T0 + 2), PD_QS_ONE);

    /* contacts */
    struct pd_problem_contact c = {
        .problem_id = id, .at_ms = T0 + 3, .by_user = n.u1, .recorded_ms = T0 + 4};
    snprintf(c.party, sizeof c.party, "recipient");
    snprintf(c.channel, sizeof c.channel, "phone");
    snprintf(c.outcome, sizeof c.outcome, "no_answer");
    assert_int_equal(db->ops->problem_contact_insert(db, &c), PD_QS_ONE);
    snprintf(c.party, sizeof c.party, "sender");
    snprintf(c.outcome, sizeof c.outcome, "agreed");
    snprintf(c.note, sizeof c.note, "寄件人同意改派");
    assert_int_equal(db->ops->problem_contact_insert(db, &c), PD_QS_ONE);
    names[0] = '\0';
    assert_int_equal(db->ops->problem_contact_list(db, id, contact_names, names), 2);
    assert_string_equal(names, "recipient:no_answer;sender:agreed;");

    /* evidence rows */
    struct pd_problem_evidence e = {
        .problem_id = id, .size_bytes = 1234, .uploaded_by = n.u1, .uploaded_ms = T0 + 5};
    snprintf(e.file_name, sizeof e.file_name, "%032d.jpg", ct_seq());
    snprintf(e.content_type, sizeof e.content_type, "image/jpeg");
    snprintf(e.sha256, sizeof e.sha256, "%064d", 7);
    assert_int_equal(db->ops->problem_evidence_insert(db, &e), PD_QS_ONE);
    struct pd_problem_evidence back;
    assert_int_equal(db->ops->problem_evidence_get(db, e.id, &back), PD_QS_ONE);
    assert_string_equal(back.file_name, e.file_name);
    assert_string_equal(back.content_type, "image/jpeg");
    assert_int_equal(back.size_bytes, 1234);
    assert_int_equal(back.problem_id, id);
    assert_true(back.uploaded_by_name[0] != '\0');
    assert_int_equal(db->ops->problem_evidence_get(db, e.id + 1000, &back), PD_QS_NONE);
    int ne = 0;
    assert_int_equal(db->ops->problem_evidence_list(db, id, evidence_count, &ne), 1);
    assert_int_equal(ne, 1);

    /* one open compensation case per problem */
    struct pd_compensation_case k = {
        .problem_id = id, .node_id = n.gd, .amount_fen = 12000, .created_ms = T0 + 6};
    snprintf(k.waybill_no, sizeof k.waybill_no, "%s", no);
    bool dup = true;
    assert_int_equal(db->ops->compensation_case_insert(db, &k, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(k.id > 0);
    struct pd_compensation_case k2 = k;
    assert_int_equal(db->ops->compensation_case_insert(db, &k2, &dup), PD_QS_ONE);
    assert_true(dup);
    int nc = 0;
    assert_int_equal(db->ops->compensation_case_list(db, id, case_count, &nc), 1);
    assert_int_equal(nc, 1);

    /* closing with a root cause */
    assert_int_equal(db->ops->problem_close(db, id, T0 + 7, n.u2, "已改派签收"), PD_QS_ONE);
    assert_int_equal(db->ops->problem_touch(db, id, NULL, "packaging", T0 + 7), PD_QS_ONE);
    assert_int_equal(db->ops->problem_more_get(db, id, &p, &m), PD_QS_ONE);
    assert_int_equal(p.state, PD_PROBLEM_CLOSED);
    assert_string_equal(p.note, "已改派签收");
    assert_string_equal(m.root_cause, "packaging");
    assert_string_equal(m.resolution, "redirect"); /* NULL kept it */
    assert_int_equal(m.updated_ms, T0 + 7);
    assert_int_equal(db->ops->problem_touch(db, id + 100000, "hold", NULL, T0), PD_QS_NONE);
    ct_commit(db);
}

struct more_list {
    int n;
    char types[128];
};

static int more_cb(void *cls, const struct pd_problem *p, const struct pd_problem_more *m)
{
    struct more_list *l = cls;
    (void)m;
    l->n++;
    size_t n = strlen(l->types);
    snprintf(l->types + n, sizeof l->types - n, "%s;", p->type);
    return 0;
}

static void problem_list_more(void **state)
{
    (void)state;
    struct net n = net_make();
    char no[PD_WB_NO_SIZE];
    waybill(n.gd, no);
    open_staff(no, "loss", n.gd, T0, n.u1);
    open_staff(no, "shortage", n.gd, T0, n.u1);
    char other[PD_WB_NO_SIZE];
    waybill(n.sh, other);
    open_staff(other, "refused", n.sh, T0, 0);
    pd_db *db = ct_begin(st);
    struct more_list l = {0};
    struct pd_problem_filter f = {.node_path = n.gd_path, .state = -1, .limit = 10};
    assert_int_equal(db->ops->problem_list_more(db, &f, more_cb, &l), 2);
    assert_string_equal(l.types, "shortage;loss;"); /* newest first, the subtree only */
    memset(&l, 0, sizeof l);
    f.type = "loss";
    assert_int_equal(db->ops->problem_list_more(db, &f, more_cb, &l), 1);
    ct_commit(db);
}

/* ---- the job's exception scans --------------------------------------------------- */

static void scan(const char *no, const char *node, const char *device, int64_t seq, int type,
                 const char *reason, int64_t received)
{
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    snprintf(r.waybill_no, sizeof r.waybill_no, "%s", no);
    r.type = type;
    r.at_ms = received - 1000;
    snprintf(r.node_code, sizeof r.node_code, "%s", node);
    snprintf(r.device_id, sizeof r.device_id, "%s", device);
    r.device_seq = seq;
    snprintf(r.reason, sizeof r.reason, "%s", reason);
    r.received_ms = received;
    bool dup = false;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->scan_insert(db, &r, 1, &dup), 1);
    ct_commit(db);
}

struct exc_list {
    int n;
    struct pd_exception_scan s[8];
};

static int exc_cb(void *cls, const struct pd_exception_scan *s)
{
    struct exc_list *l = cls;
    if (l->n < 8)
        l->s[l->n] = *s;
    l->n++;
    return 0;
}

static void exception_scans(void **state)
{
    (void)state;
    struct net n = net_make();
    char a[PD_WB_NO_SIZE], b[PD_WB_NO_SIZE];
    waybill(n.sh, a); /* order at Shanghai */
    waybill(n.sh, b);
    char dev[32];
    snprintf(dev, sizeof dev, "PDA-SV-%d", ct_seq());
    int64_t t = T0 + 10 * HOUR + ct_seq() * 1000;
    scan(a, n.gd_code, dev, 1, PD_SCAN_EXCEPTION, "damaged", t); /* node known: gd */
    scan(a, "", dev, 2, PD_SCAN_EXCEPTION, "外包装破损", t + 1); /* no node: the order's */
    scan(b, n.gd_code, dev, 3, PD_SCAN_ARRIVAL, "", t + 2);      /* not an exception */
    scan(b, "", "PD-MONITOR", 900000 + ct_seq(), PD_SCAN_EXCEPTION, "no_update", t + 3);
    scan("PD999999999990", "", dev, 4, PD_SCAN_EXCEPTION, "lost", t + 4); /* no order */

    struct exc_list l = {0};
    struct pd_exception_scan_filter f = {
        .skip_device = "PD-MONITOR", .before_ms = t + 100, .after_ms = t - 1, .limit = 10};
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->problem_exception_scans(db, &f, exc_cb, &l), 3);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.s[0].waybill_no, a);
    assert_int_equal(l.s[0].node_id, n.gd);
    assert_string_equal(l.s[0].reason, "damaged");
    assert_int_equal(l.s[0].received_ms, t);
    assert_int_equal(l.s[1].node_id, n.sh);
    assert_string_equal(l.s[1].reason, "外包装破损");
    assert_int_equal(l.s[2].node_id, 0);
    assert_int_equal(l.s[2].device_seq, 4);

    /* keyset: after the first one; and the settle bound */
    memset(&l, 0, sizeof l);
    f.after_ms = t;
    f.after_device = dev;
    f.after_seq = 1;
    f.limit = 1;
    assert_int_equal(db->ops->problem_exception_scans(db, &f, exc_cb, &l), 1);
    assert_int_equal(l.s[0].device_seq, 2);
    memset(&l, 0, sizeof l);
    f.after_ms = t - 1;
    f.after_device = NULL;
    f.after_seq = 0;
    f.before_ms = t + 1; /* received before t + 1 only */
    f.limit = 10;
    assert_int_equal(db->ops->problem_exception_scans(db, &f, exc_cb, &l), 1);

    /* one problem per scan; one open per waybill and type */
    struct pd_problem p;
    memset(&p, 0, sizeof p);
    snprintf(p.waybill_no, sizeof p.waybill_no, "%s", a);
    snprintf(p.type, sizeof p.type, "damage");
    p.node_id = n.gd;
    p.opened_ms = t;
    snprintf(p.reason, sizeof p.reason, "异常扫描：damaged");
    bool opened = false;
    assert_int_equal(db->ops->problem_open_scan(db, &p, dev, 1, &opened), PD_QS_ONE);
    assert_true(opened);
    int64_t first = p.id;
    struct pd_problem_more m;
    struct pd_problem back;
    assert_int_equal(db->ops->problem_more_get(db, first, &back, &m), PD_QS_ONE);
    char key[96];
    snprintf(key, sizeof key, "%s/1", dev);
    assert_string_equal(m.source_scan, key);
    assert_int_equal(back.source, PD_PROBLEM_SOURCE_AUTO);
    assert_int_equal(back.state, PD_PROBLEM_OPEN);
    assert_int_equal(db->ops->problem_open_scan(db, &p, dev, 1, &opened), PD_QS_ONE);
    assert_false(opened); /* the same scan again */
    assert_int_equal(db->ops->problem_open_scan(db, &p, dev, 2, &opened), PD_QS_ONE);
    assert_false(opened); /* another scan, but a damage problem is open */
    assert_int_equal(db->ops->problem_close(db, first, t + 5, 0, "已处理"), PD_QS_ONE);
    assert_int_equal(db->ops->problem_open_scan(db, &p, dev, 1, &opened), PD_QS_ONE);
    assert_false(opened); /* that scan opened one already, closed or not */
    assert_int_equal(db->ops->problem_open_scan(db, &p, dev, 2, &opened), PD_QS_ONE);
    assert_true(opened); /* closed: the next scan opens anew */
    assert_true(p.id != first);
    ct_commit(db);
}

static void job_cursor(void **state)
{
    (void)state;
    char name[48];
    snprintf(name, sizeof name, "test.cursor.%d", ct_seq());
    pd_db *db = ct_begin(st);
    struct pd_job_cursor c;
    assert_int_equal(db->ops->job_cursor_get(db, name, &c), PD_QS_NONE);
    struct pd_job_cursor put = {.at_ms = 100, .key_seq = 5};
    snprintf(put.key_text, sizeof put.key_text, "PDA-2");
    assert_int_equal(db->ops->job_cursor_put(db, name, &put), PD_QS_ONE);
    assert_int_equal(db->ops->job_cursor_get(db, name, &c), PD_QS_ONE);
    assert_int_equal(c.at_ms, 100);
    assert_string_equal(c.key_text, "PDA-2");
    assert_int_equal(c.key_seq, 5);
    /* never backwards */
    struct pd_job_cursor older = {.at_ms = 100, .key_seq = 9};
    snprintf(older.key_text, sizeof older.key_text, "PDA-1");
    assert_int_equal(db->ops->job_cursor_put(db, name, &older), PD_QS_ONE);
    assert_int_equal(db->ops->job_cursor_get(db, name, &c), PD_QS_ONE);
    assert_string_equal(c.key_text, "PDA-2");
    struct pd_job_cursor later = {.at_ms = 100, .key_seq = 6};
    snprintf(later.key_text, sizeof later.key_text, "PDA-2");
    assert_int_equal(db->ops->job_cursor_put(db, name, &later), PD_QS_ONE);
    assert_int_equal(db->ops->job_cursor_get(db, name, &c), PD_QS_ONE);
    assert_int_equal(c.key_seq, 6);
    ct_commit(db);
}

struct stats {
    int n;
    struct pd_problem_stat_row r[8];
};

static int stats_cb(void *cls, const struct pd_problem_stat_row *r)
{
    struct stats *s = cls;
    if (s->n < 8)
        s->r[s->n] = *r;
    s->n++;
    return 0;
}

static void problem_stats(void **state)
{
    (void)state;
    struct net n = net_make();
    char w1[PD_WB_NO_SIZE], w2[PD_WB_NO_SIZE], w3[PD_WB_NO_SIZE];
    waybill(n.gd, w1);
    waybill(n.gd, w2);
    waybill(n.gd, w3);
    int64_t p1 = open_staff(w1, "damage", n.gd, T0, n.u1);
    open_staff(w2, "damage", n.gd, T0 + HOUR, n.u1);
    open_staff(w3, "loss", n.gd, T0 - 40 * 24 * HOUR, n.u1); /* another month */
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->problem_close(db, p1, T0 + 3 * HOUR, n.u2, "赔付"), PD_QS_ONE);
    assert_int_equal(db->ops->problem_touch(db, p1, NULL, "handling", T0 + 3 * HOUR), PD_QS_ONE);
    struct stats s = {0};
    assert_int_equal(
        db->ops->problem_stats(db, n.gd_path, T0 - 24 * HOUR, T0 + 24 * HOUR, stats_cb, &s), 2);
    /* by type, node, root cause, state: '' (open) sorts before 'handling' */
    assert_string_equal(s.r[0].type, "damage");
    assert_string_equal(s.r[0].root_cause, "");
    assert_int_equal(s.r[0].state, PD_PROBLEM_OPEN);
    assert_int_equal(s.r[0].count, 1);
    assert_string_equal(s.r[1].root_cause, "handling");
    assert_int_equal(s.r[1].state, PD_PROBLEM_CLOSED);
    assert_int_equal(s.r[1].closed_ms_sum, 3 * HOUR);
    assert_string_equal(s.r[1].node_code, n.gd_code);
    memset(&s, 0, sizeof s);
    assert_int_equal(
        db->ops->problem_stats(db, n.sh_path, T0 - 24 * HOUR, T0 + 24 * HOUR, stats_cb, &s), 0);
    ct_commit(db);
}

/* ---- the knowledge base ------------------------------------------------------------- */

static int64_t kb_new(const char *title, const char *body, const char *category, const char *tags,
                      int status, int64_t author)
{
    struct pd_kb_article a;
    memset(&a, 0, sizeof a);
    snprintf(a.title, sizeof a.title, "%s", title);
    snprintf(a.category, sizeof a.category, "%s", category);
    snprintf(a.tags, sizeof a.tags, "%s", tags);
    a.status = status;
    a.author_id = author;
    a.body = body;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->kb_insert(db, &a), PD_QS_ONE);
    ct_commit(db);
    assert_int_equal(a.version, 1);
    return a.id;
}

struct hits {
    int n;
    int64_t id[16];
    int64_t score[16];
    char title[16][PD_KB_TITLE_SIZE];
};

static int hits_cb(void *cls, const struct pd_kb_article *a)
{
    struct hits *h = cls;
    if (h->n < 16) {
        h->id[h->n] = a->id;
        h->score[h->n] = a->score;
        snprintf(h->title[h->n], sizeof h->title[0], "%s", a->title);
        assert_non_null(a->body);
    }
    h->n++;
    return 0;
}

/* Search @p q (terms split at blanks, short ones flagged as the API does). */
static struct hits search(const char *q, bool drafts, const char *category)
{
    struct pd_kb_terms t;
    assert_int_equal(pd_kb_terms_parse(q, &t), PD_KB_QUERY_OK);
    struct pd_kb_query kq = {.n = t.n, .include_drafts = drafts, .category = category, .limit = 20};
    for (int i = 0; i < t.n; i++) {
        kq.terms[i] = t.term[i];
        kq.short_term[i] = pd_kb_term_short(&t, i);
    }
    struct hits h = {0};
    pd_db *db = ct_begin(st);
    assert_true(db->ops->kb_search(db, &kq, hits_cb, &h) >= 0);
    ct_commit(db);
    return h;
}

static void kb_search(void **state)
{
    (void)state;
    struct net n = net_make();
    /* Invented words, so that the seed articles never match. */
    int64_t title_hit = kb_new("寄递镭钛晶须的包装要求", "本文说明如何包装。", "operations", "包装",
                               PD_KB_PUBLISHED, n.u2);
    int64_t body_many = kb_new("其他说明", "镭钛晶须一；镭钛晶须二；镭钛晶须三。", "other", "",
                               PD_KB_PUBLISHED, n.u2);
    int64_t body_once = kb_new("普通文章", "偶尔提到镭钛晶须。", "other", "", PD_KB_PUBLISHED, 0);
    int64_t draft =
        kb_new("镭钛晶须草稿", "未发布的镭钛晶须内容。", "other", "", PD_KB_DRAFT, n.u2);

    /* a three-character term through the index, ranked: in the title (10),
     * then three body occurrences (3), then one (1) */
    struct hits h = search("镭钛晶", false, NULL);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.id[0], title_hit);
    assert_int_equal(h.score[0], 10);
    assert_int_equal(h.id[1], body_many);
    assert_int_equal(h.score[1], 3);
    assert_int_equal(h.id[2], body_once);
    assert_int_equal(h.score[2], 1);
    /* drafts only on request */
    h = search("镭钛晶", true, NULL);
    assert_int_equal(h.n, 4);
    assert_int_equal(h.id[0], draft); /* title 10 + body 1 */
    assert_int_equal(h.score[0], 11);
    /* a two-character term: matched by scan, ranked the same way */
    h = search("晶须", false, NULL);
    assert_int_equal(h.n, 3);
    assert_int_equal(h.id[0], title_hit);
    /* long and short terms together: every term must occur */
    h = search("镭钛晶 包装", false, NULL);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.id[0], title_hit);
    assert_int_equal(h.score[0], 10 + 10 + 5 + 1); /* 包装: title, tags, body once */
    h = search("镭钛晶 不存在的词", false, NULL);
    assert_int_equal(h.n, 0);
    /* category filter */
    h = search("镭钛晶", false, "operations");
    assert_int_equal(h.n, 1);
    /* ASCII without case; LIKE's wildcards are literal */
    int64_t pct = kb_new("Fee table QZX", "Rates rise 19% in zone QZX-FEE.", "rates", "qzx",
                         PD_KB_PUBLISHED, n.u2);
    h = search("qzx", false, NULL);
    assert_int_equal(h.n, 1);
    assert_int_equal(h.id[0], pct);
    assert_int_equal(h.score[0], 10 + 5 + 1);
    h = search("9%", false, NULL); /* short: LIKE, '%' literal (as a wildcard: every "9") */
    assert_int_equal(h.n, 1);
    assert_int_equal(h.id[0], pct);
    h = search("x-f", false, NULL);
    assert_int_equal(h.n, 1);
    h = search("x_f", false, NULL); /* '_' literal (as a wildcard it would match "X-F") */
    assert_int_equal(h.n, 0);
    /* the seed is there, and searchable in Chinese */
    h = search("锂电池", false, NULL);
    assert_true(h.n >= 1);
    assert_non_null(strstr(h.title[0], "限寄"));
    h = search("鼓包", false, "prohibited_goods");
    assert_int_equal(h.n, 1);
}

struct one_article {
    struct pd_kb_article a;
    char body[256];
};

static int one_cb(void *cls, const struct pd_kb_article *a)
{
    struct one_article *o = cls;
    o->a = *a;
    snprintf(o->body, sizeof o->body, "%s", a->body);
    o->a.body = o->body;
    return 0;
}

static int list_cb(void *cls, const struct pd_kb_article *a)
{
    assert_null(a->body);
    ++*(int *)cls;
    return 0;
}

static void kb_edit(void **state)
{
    (void)state;
    struct net n = net_make();
    int64_t id =
        kb_new("铱锆砂运输须知", "铱锆砂须防潮。", "operations", "铱锆砂", PD_KB_DRAFT, n.u1);
    pd_db *db = ct_begin(st);
    struct one_article o;
    assert_int_equal(db->ops->kb_get(db, id, one_cb, &o), PD_QS_ONE);
    assert_string_equal(o.a.title, "铱锆砂运输须知");
    assert_string_equal(o.body, "铱锆砂须防潮。");
    assert_int_equal(o.a.status, PD_KB_DRAFT);
    assert_int_equal(o.a.author_id, n.u1);
    assert_true(o.a.author_name[0] != '\0');
    assert_int_equal(o.a.version, 1);
    assert_int_equal(db->ops->kb_get(db, id + 100000, one_cb, &o), PD_QS_NONE);
    /* an edit names the version it read */
    struct pd_kb_article u = o.a;
    snprintf(u.title, sizeof u.title, "钯钌粉运输须知");
    u.body = "钯钌粉须防潮。";
    snprintf(u.tags, sizeof u.tags, "钯钌粉 防潮");
    u.status = PD_KB_PUBLISHED;
    u.updated_by = n.u2;
    assert_int_equal(db->ops->kb_update(db, &u, 1), PD_QS_ONE);
    assert_int_equal(db->ops->kb_update(db, &u, 1), PD_QS_NONE); /* version moved */
    assert_int_equal(db->ops->kb_get(db, id, one_cb, &o), PD_QS_ONE);
    assert_int_equal(o.a.version, 2);
    assert_int_equal(o.a.updated_by, n.u2);
    assert_int_equal(o.a.status, PD_KB_PUBLISHED);
    int count = 0;
    struct pd_kb_filter f = {.status = PD_KB_PUBLISHED, .category = "operations", .limit = 1000};
    assert_true(db->ops->kb_list(db, &f, list_cb, &count) >= 1);
    ct_commit(db);
    /* the index follows the edit */
    assert_int_equal(search("铱锆砂", false, NULL).n, 0);
    assert_int_equal(search("钯钌粉", false, NULL).n, 1);
    /* and the delete */
    db = ct_begin(st);
    assert_int_equal(db->ops->kb_delete(db, id), PD_QS_ONE);
    assert_int_equal(db->ops->kb_delete(db, id), PD_QS_NONE);
    ct_commit(db);
    assert_int_equal(search("钯钌粉", false, NULL).n, 0);
}

/* ---- shift handover ----------------------------------------------------------------- */

struct ho_list {
    int n;
    int64_t id[8];
    struct pd_handover h;
    char items[256];
};

static int ho_cb(void *cls, const struct pd_handover *h)
{
    struct ho_list *l = cls;
    if (l->n < 8)
        l->id[l->n] = h->id;
    l->h = *h;
    snprintf(l->items, sizeof l->items, "%s", h->items);
    l->n++;
    return 0;
}

static void handovers(void **state)
{
    (void)state;
    struct net n = net_make();
    struct pd_handover h;
    memset(&h, 0, sizeof h);
    h.node_id = n.gd;
    snprintf(h.shift, sizeof h.shift, "night");
    snprintf(h.shift_date, sizeof h.shift_date, "2026-11-22");
    h.author_id = n.u1;
    h.body = "夜班共处理查询 35 件，2 件问题件待跟进。";
    h.items = "[{\"kind\":\"problem\",\"ref\":\"1\",\"note\":\"待联系收件人\"}]";
    h.open_items = 1;
    pd_db *db = ct_begin(st);
    assert_int_equal(db->ops->handover_insert(db, &h), PD_QS_ONE);
    int64_t first = h.id;
    assert_true(h.created_ms > 0);
    h.id = 0;
    h.created_ms = 0;
    snprintf(h.shift, sizeof h.shift, "early");
    h.items = NULL; /* none: [] */
    h.open_items = 0;
    assert_int_equal(db->ops->handover_insert(db, &h), PD_QS_ONE);
    int64_t second = h.id;
    struct pd_handover o;
    memset(&o, 0, sizeof o);
    o.node_id = n.sh;
    snprintf(o.shift, sizeof o.shift, "day");
    snprintf(o.shift_date, sizeof o.shift_date, "2026-11-22");
    o.author_id = n.u1;
    o.body = "上海白班";
    assert_int_equal(db->ops->handover_insert(db, &o), PD_QS_ONE);

    struct ho_list l = {0};
    assert_int_equal(db->ops->handover_get(db, first, ho_cb, &l), 1);
    assert_string_equal(l.h.shift, "night");
    assert_string_equal(l.h.shift_date, "2026-11-22");
    assert_string_equal(l.h.node_code, n.gd_code);
    assert_string_equal(l.h.author_display, "王一");
    assert_int_equal(l.h.open_items, 1);
    assert_int_equal(l.h.acked_ms, 0);
    assert_non_null(strstr(l.items, "待联系收件人"));
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_get(db, second, ho_cb, &l), 1);
    assert_string_equal(l.items, "[]");
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_get(db, second + 1000, ho_cb, &l), 0);

    /* acknowledged once */
    assert_int_equal(db->ops->handover_ack(db, first, n.u2, T0, "收到"), PD_QS_ONE);
    assert_int_equal(db->ops->handover_ack(db, first, n.u2, T0 + 1, "again"), PD_QS_NONE);
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_get(db, first, ho_cb, &l), 1);
    assert_int_equal(l.h.acked_by, n.u2);
    assert_int_equal(l.h.acked_ms, T0);
    assert_string_equal(l.h.ack_note, "收到");
    assert_true(l.h.acked_by_name[0] != '\0');

    /* lists: the subtree, newest first; unacknowledged only; one node */
    struct pd_handover_filter f = {.node_path = n.gd_path, .limit = 10};
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_list(db, &f, ho_cb, &l), 2);
    assert_int_equal(l.id[0], second);
    assert_int_equal(l.id[1], first);
    f.unacknowledged = true;
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_list(db, &f, ho_cb, &l), 1);
    assert_int_equal(l.id[0], second);
    char root_path[PD_PATH_MAX];
    snprintf(root_path, sizeof root_path, "/%lld/", (long long)n.root);
    struct pd_handover_filter all = {.node_path = root_path, .unacknowledged = true, .limit = 10};
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_list(db, &all, ho_cb, &l), 2);
    all.node_id = n.sh;
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_list(db, &all, ho_cb, &l), 1);
    all.node_id = 0;
    all.before_id = second;
    all.unacknowledged = false;
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->handover_list(db, &all, ho_cb, &l), 1);
    assert_int_equal(l.id[0], first);
    ct_commit(db);
}

const struct CMUnitTest ct_tests_service[] = {
    cmocka_unit_test_setup_teardown(problem_records, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(problem_list_more, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(exception_scans, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(job_cursor, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(problem_stats, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(kb_search, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(kb_edit, sv_setup, ct_cleanup),
    cmocka_unit_test_setup_teardown(handovers, sv_setup, sv_close),
};
const size_t ct_tests_service_n = sizeof ct_tests_service / sizeof *ct_tests_service;
