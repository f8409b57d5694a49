/*
 * Contract tests of special rates (特殊费率申请): every field round trips,
 * approval numbers are "SR" + day + a per-day serial that restarts each day,
 * is never drawn twice under concurrent applicants and rolls back with its
 * transaction, state moves are compare-and-set (a second decider loses) and
 * a revocation keeps the decision it undoes, and the list scopes by the
 * customer's current node and filters by state and customer with keyset pages.
 */
#include "contract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- fixture ------------------------------------------------------------------ */

/* hq → br_a → out_a, hq → br_b; customers at out_a and br_b; an applicant
 * and an approver at br_a. */
struct sr_net {
    struct pd_node hq, br_a, out_a, br_b;
    struct pd_customer cu_a, cu_b;
    struct pd_user applicant, approver;
};

static void customer_at(pd_db *db, int64_t node_id, struct pd_customer *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "SRC%06d", ct_seq());
    snprintf(c->name, sizeof c->name, "特价客户 %s", c->code);
    c->node_id = node_id;
    c->active = true;
    bool dup = true;
    assert_int_equal(db->ops->customer_insert(db, c, &dup), PD_QS_ONE);
    assert_false(dup);
}

static void sr_net_new(pd_db *db, const char *tag, struct sr_net *n)
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
    customer_at(db, n->out_a.id, &n->cu_a);
    customer_at(db, n->br_b.id, &n->cu_b);
    int k = ct_seq();
    snprintf(name, sizeof name, "%s-am-%d", tag, k);
    ct_user(db, name, "孙客户经理", PD_ROLE_ACCOUNT_MANAGER, n->br_a.id, &n->applicant);
    snprintf(name, sizeof name, "%s-sup-%d", tag, k);
    ct_user(db, name, "王主管", PD_ROLE_SUPERVISOR, n->br_a.id, &n->approver);
}

/* A day of its own for a test, so serials start at 1 in the shared store. */
static void day_new(char day[9])
{
    snprintf(day, 9, "21%06d", ct_seq());
}

static void sr_fill(struct pd_special_rate_rec *r, const struct pd_customer *cu, int64_t by)
{
    memset(r, 0, sizeof *r);
    r->state = PD_SR_PENDING;
    r->customer_id = cu->id;
    snprintf(r->service, sizeof r->service, "standard");
    snprintf(r->zone, sizeof r->zone, "national");
    r->first_weight_g = 1000;
    r->additional_step_g = 1000;
    r->first_fee_fen = 1000;
    r->additional_fee_fen = 300;
    r->valid_from_ms = 1767225600000; /* 2026-01-01T00:00:00Z */
    r->valid_to_ms = 1798761600000;   /* 2027-01-01T00:00:00Z */
    snprintf(r->reason, sizeof r->reason, "大客户年度协议，华东线路");
    r->applied_by = by;
}

static void sr_insert(pd_db *db, struct pd_special_rate_rec *r, const char *day)
{
    assert_int_equal(db->ops->special_rate_insert(db, r, day), PD_QS_ONE);
    assert_true(r->id > 0);
    assert_true(r->applied_ms > 0);
}

static void expect_no(const struct pd_special_rate_rec *r, const char *day, int serial)
{
    char want[PD_SR_NO_SIZE];
    snprintf(want, sizeof want, "SR%s%04d", day, serial);
    assert_string_equal(r->approval_no, want);
}

/* What a list callback saw: ids in order and the last row. */
struct sr_got {
    int n;
    int64_t ids[64];
    struct pd_special_rate_rec last;
    int stop_after; /* > 0: return -1 from that row on */
};

static int sr_capture(void *cls, const struct pd_special_rate_rec *r)
{
    struct sr_got *g = cls;
    if (g->stop_after > 0 && g->n >= g->stop_after)
        return PD_QS_HARD;
    if (g->n < 64)
        g->ids[g->n] = r->id;
    g->n++;
    g->last = *r;
    return 0;
}

static int sr_list(pd_db *db, const struct pd_special_rate_filter *f, struct sr_got *g)
{
    memset(g, 0, sizeof *g);
    pd_qs qs = db->ops->special_rate_list(db, f, sr_capture, g);
    assert_true(qs >= 0);
    assert_int_equal(qs, g->n);
    return g->n;
}

static void assert_ids(const struct sr_got *g, int n, const int64_t *want)
{
    assert_int_equal(g->n, n);
    for (int i = 0; i < n; i++)
        if (g->ids[i] != want[i])
            fail_msg("row %d: id %lld, want %lld", i, (long long)g->ids[i], (long long)want[i]);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_special_rate_round_trip(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct sr_net n;
    sr_net_new(db, "SR", &n);
    char day[9];
    day_new(day);
    struct pd_special_rate_rec r, got;
    sr_fill(&r, &n.cu_a, n.applicant.id);
    /* 200 characters of three-byte UTF-8: the longest reason fits whole. */
    char *p = r.reason;
    for (int i = 0; i < 200; i++, p += 3)
        memcpy(p, "价", 3);
    *p = '\0';
    sr_insert(db, &r, day);
    expect_no(&r, day, 1);

    memset(&got, 0xA5, sizeof got);
    assert_int_equal(db->ops->special_rate_get(db, r.approval_no, &got), PD_QS_ONE);
    assert_int_equal(got.id, r.id);
    assert_string_equal(got.approval_no, r.approval_no);
    assert_int_equal(got.state, PD_SR_PENDING);
    assert_int_equal(got.customer_id, n.cu_a.id);
    assert_string_equal(got.customer_code, n.cu_a.code);
    assert_int_equal(got.node_id, n.out_a.id);
    assert_string_equal(got.node_path, n.out_a.path);
    assert_string_equal(got.node_code, n.out_a.code);
    assert_string_equal(got.service, "standard");
    assert_string_equal(got.zone, "national");
    assert_int_equal(got.first_weight_g, 1000);
    assert_int_equal(got.additional_step_g, 1000);
    assert_int_equal(got.first_fee_fen, 1000);
    assert_int_equal(got.additional_fee_fen, 300);
    assert_int_equal(got.valid_from_ms, 1767225600000);
    assert_int_equal(got.valid_to_ms, 1798761600000);
    assert_string_equal(got.reason, r.reason);
    assert_int_equal(strlen(got.reason), 600);
    assert_int_equal(got.applied_by, n.applicant.id);
    assert_string_equal(got.applied_by_name, n.applicant.username);
    assert_int_equal(got.applied_ms, r.applied_ms);
    assert_int_equal(got.decided_by, 0);
    assert_string_equal(got.decided_by_name, "");
    assert_int_equal(got.decided_ms, 0);
    assert_string_equal(got.decision_note, "");
    assert_int_equal(got.revoked_by, 0);
    assert_string_equal(got.revoked_by_name, "");
    assert_int_equal(got.revoked_ms, 0);
    assert_string_equal(got.revoke_note, "");

    /* Open-ended validity, other cell, no applicant: numbered next that day. */
    struct pd_special_rate_rec r2;
    sr_fill(&r2, &n.cu_b, 0);
    snprintf(r2.service, sizeof r2.service, "express");
    snprintf(r2.zone, sizeof r2.zone, "remote");
    r2.first_weight_g = 500;
    r2.additional_step_g = 500;
    r2.first_fee_fen = 0;
    r2.additional_fee_fen = 1000000;
    r2.valid_to_ms = 0;
    sr_insert(db, &r2, day);
    expect_no(&r2, day, 2);
    assert_int_equal(db->ops->special_rate_get(db, r2.approval_no, &got), PD_QS_ONE);
    assert_string_equal(got.service, "express");
    assert_string_equal(got.zone, "remote");
    assert_int_equal(got.first_weight_g, 500);
    assert_int_equal(got.first_fee_fen, 0);
    assert_int_equal(got.additional_fee_fen, 1000000);
    assert_int_equal(got.valid_to_ms, 0);
    assert_int_equal(got.applied_by, 0);
    assert_string_equal(got.applied_by_name, "");
    assert_string_equal(got.node_path, n.br_b.path);

    /* A new day starts again at 1; the first day goes on at 3. */
    char day2[9];
    day_new(day2);
    struct pd_special_rate_rec r3, r4;
    sr_fill(&r3, &n.cu_a, n.applicant.id);
    sr_insert(db, &r3, day2);
    expect_no(&r3, day2, 1);
    sr_fill(&r4, &n.cu_a, n.applicant.id);
    sr_insert(db, &r4, day);
    expect_no(&r4, day, 3);

    assert_int_equal(db->ops->special_rate_get(db, "SR000000000000", &got), PD_QS_NONE);
    ct_commit(db);

    /* The customer moves: its rates follow it (the node is joined, not copied). */
    db = ct_begin(ct_store);
    struct pd_customer moved = n.cu_a;
    moved.node_id = n.br_b.id;
    assert_int_equal(db->ops->customer_update(db, &moved), PD_QS_ONE);
    assert_int_equal(db->ops->special_rate_get(db, r.approval_no, &got), PD_QS_ONE);
    assert_int_equal(got.node_id, n.br_b.id);
    assert_string_equal(got.node_path, n.br_b.path);
    assert_string_equal(got.node_code, n.br_b.code);
    ct_commit(db);
}

static void test_special_rate_states(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct sr_net n;
    sr_net_new(db, "SS", &n);
    char day[9];
    day_new(day);
    struct pd_special_rate_rec a, b, got;
    sr_fill(&a, &n.cu_a, n.applicant.id);
    sr_insert(db, &a, day);
    sr_fill(&b, &n.cu_a, n.applicant.id);
    sr_insert(db, &b, day);

    /* pending → approved, with who, when and the note. */
    assert_int_equal(db->ops->special_rate_set_state(db, a.id, PD_SR_PENDING, PD_SR_APPROVED,
                                                     n.approver.id, 1767300000000,
                                                     "同意，按季复核"),
                     PD_QS_ONE);
    assert_int_equal(db->ops->special_rate_get(db, a.approval_no, &got), PD_QS_ONE);
    assert_int_equal(got.state, PD_SR_APPROVED);
    assert_int_equal(got.decided_by, n.approver.id);
    assert_string_equal(got.decided_by_name, n.approver.username);
    assert_int_equal(got.decided_ms, 1767300000000);
    assert_string_equal(got.decision_note, "同意，按季复核");
    assert_int_equal(got.revoked_by, 0);

    /* A second decider read "pending" too: it finds the state moved. */
    assert_int_equal(db->ops->special_rate_set_state(db, a.id, PD_SR_PENDING, PD_SR_REJECTED,
                                                     n.applicant.id, 1767300000001, "不同意"),
                     PD_QS_NONE);
    assert_int_equal(db->ops->special_rate_get(db, a.approval_no, &got), PD_QS_ONE);
    assert_int_equal(got.state, PD_SR_APPROVED);
    assert_int_equal(got.decided_by, n.approver.id);
    assert_string_equal(got.decision_note, "同意，按季复核");

    /* approved → revoked keeps the approval and records the revocation. */
    assert_int_equal(db->ops->special_rate_set_state(db, a.id, PD_SR_APPROVED, PD_SR_REVOKED,
                                                     n.approver.id, 1767400000000, "客户解约"),
                     PD_QS_ONE);
    assert_int_equal(db->ops->special_rate_get(db, a.approval_no, &got), PD_QS_ONE);
    assert_int_equal(got.state, PD_SR_REVOKED);
    assert_int_equal(got.decided_by, n.approver.id);
    assert_int_equal(got.decided_ms, 1767300000000);
    assert_string_equal(got.decision_note, "同意，按季复核");
    assert_int_equal(got.revoked_by, n.approver.id);
    assert_string_equal(got.revoked_by_name, n.approver.username);
    assert_int_equal(got.revoked_ms, 1767400000000);
    assert_string_equal(got.revoke_note, "客户解约");
    assert_int_equal(db->ops->special_rate_set_state(db, a.id, PD_SR_APPROVED, PD_SR_REVOKED,
                                                     n.approver.id, 1767400000001, NULL),
                     PD_QS_NONE);

    /* pending → rejected; a NULL note is stored as "". */
    assert_int_equal(db->ops->special_rate_set_state(db, b.id, PD_SR_PENDING, PD_SR_REJECTED,
                                                     n.approver.id, 1767500000000, NULL),
                     PD_QS_ONE);
    assert_int_equal(db->ops->special_rate_get(db, b.approval_no, &got), PD_QS_ONE);
    assert_int_equal(got.state, PD_SR_REJECTED);
    assert_int_equal(got.decided_ms, 1767500000000);
    assert_string_equal(got.decision_note, "");
    /* No such rate. */
    assert_int_equal(db->ops->special_rate_set_state(db, 987654321, PD_SR_PENDING, PD_SR_APPROVED,
                                                     n.approver.id, 1, NULL),
                     PD_QS_NONE);
    ct_commit(db);
}

static void test_special_rate_list(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct sr_net n;
    sr_net_new(db, "SL", &n);
    char day[9];
    day_new(day);
    /* a0 a1 a2 for the out_a customer, b0 for the br_b one; a1 approved. */
    struct pd_special_rate_rec a[3], b0;
    for (int i = 0; i < 3; i++) {
        sr_fill(&a[i], &n.cu_a, n.applicant.id);
        sr_insert(db, &a[i], day);
    }
    sr_fill(&b0, &n.cu_b, n.applicant.id);
    sr_insert(db, &b0, day);
    assert_int_equal(db->ops->special_rate_set_state(db, a[1].id, PD_SR_PENDING, PD_SR_APPROVED,
                                                     n.approver.id, 1767300000000, NULL),
                     PD_QS_ONE);

    struct sr_got g;
    struct pd_special_rate_filter f = {.node_path = n.hq.path, .state = -1};
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){b0.id, a[2].id, a[1].id, a[0].id});
    assert_string_equal(g.last.approval_no, a[0].approval_no);
    f.node_path = n.br_a.path;
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){a[2].id, a[1].id, a[0].id});
    f.node_path = n.out_a.path;
    assert_int_equal(sr_list(db, &f, &g), 3);
    f.node_path = n.br_b.path;
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){b0.id});
    assert_string_equal(g.last.customer_code, n.cu_b.code);

    /* State and customer filters. */
    f = (struct pd_special_rate_filter){.node_path = n.hq.path, .state = PD_SR_PENDING};
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){b0.id, a[2].id, a[0].id});
    f.state = PD_SR_APPROVED;
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){a[1].id});
    assert_int_equal(g.last.state, PD_SR_APPROVED);
    assert_int_equal(g.last.decided_by, n.approver.id);
    f.state = PD_SR_REVOKED;
    assert_int_equal(sr_list(db, &f, &g), 0);
    f = (struct pd_special_rate_filter){
        .node_path = n.hq.path, .state = -1, .customer_id = n.cu_b.id};
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){b0.id});
    /* A customer outside the subtree gives nothing. */
    f.node_path = n.br_a.path;
    assert_int_equal(sr_list(db, &f, &g), 0);

    /* Keyset pages of two. */
    f = (struct pd_special_rate_filter){.node_path = n.hq.path, .state = -1, .limit = 2};
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){b0.id, a[2].id});
    f.before_id = g.ids[1];
    assert_ids(&g, sr_list(db, &f, &g), (int64_t[]){a[1].id, a[0].id});
    f.before_id = g.ids[1];
    assert_int_equal(sr_list(db, &f, &g), 0);

    /* A callback's negative answer stops the listing and is returned. */
    memset(&g, 0, sizeof g);
    g.stop_after = 1;
    f = (struct pd_special_rate_filter){.node_path = n.hq.path, .state = -1};
    assert_int_equal(db->ops->special_rate_list(db, &f, sr_capture, &g), PD_QS_HARD);
    assert_int_equal(g.n, 1);
    ct_commit(db);
}

/* A rolled-back application gives its serial back: the counter is a table
 * on both backends, so the next one that day is numbered the same. */
static void test_special_rate_serial_rollback(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct sr_net n;
    sr_net_new(db, "SB", &n);
    ct_commit(db);
    char day[9];
    day_new(day);
    struct pd_special_rate_rec r;
    db = ct_begin(ct_store);
    sr_fill(&r, &n.cu_a, n.applicant.id);
    sr_insert(db, &r, day);
    expect_no(&r, day, 1);
    ct_rollback(db);
    db = ct_begin(ct_store);
    struct pd_special_rate_rec got;
    assert_int_equal(db->ops->special_rate_get(db, r.approval_no, &got), PD_QS_NONE);
    sr_fill(&r, &n.cu_a, n.applicant.id);
    sr_insert(db, &r, day);
    expect_no(&r, day, 1);
    ct_commit(db);
}

#define SRC_THREADS 4
#define SRC_EACH    15

struct src_thread {
    int64_t customer_id;
    const char *day;
    int i, failures;
    pd_qs last_failure;
    char no[SRC_EACH][PD_SR_NO_SIZE];
};

static pd_qs src_insert(pd_db *db, void *cls)
{
    struct src_thread *t = cls;
    struct pd_special_rate_rec r;
    struct pd_customer cu = {.id = t->customer_id};
    sr_fill(&r, &cu, 0);
    pd_qs qs = db->ops->special_rate_insert(db, &r, t->day);
    if (qs >= 0) /* a retried try overwrites: the committed one is last */
        memcpy(t->no[t->i], r.approval_no, PD_SR_NO_SIZE);
    return qs;
}

static void *src_main(void *p)
{
    struct src_thread *t = p;
    for (t->i = 0; t->i < SRC_EACH; t->i++) {
        pd_qs qs = pd_tx_run(ct_store, "concurrent special rate", false, src_insert, t);
        if (qs != PD_QS_ONE) {
            t->failures++;
            t->last_failure = qs;
        }
    }
    return NULL;
}

static int cmp_no(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Applicants at the same moment on the same day: every number once, and
 * together exactly the serials 1 … N of that day. */
static void test_special_rate_serial_concurrent(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct sr_net n;
    sr_net_new(db, "SC", &n);
    ct_commit(db);
    char day[9];
    day_new(day);
    static struct src_thread t[SRC_THREADS];
    pthread_t th[SRC_THREADS];
    for (int i = 0; i < SRC_THREADS; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].customer_id = n.cu_a.id;
        t[i].day = day;
        assert_int_equal(pthread_create(&th[i], NULL, src_main, &t[i]), 0);
    }
    for (int i = 0; i < SRC_THREADS; i++)
        pthread_join(th[i], NULL);
    static char all[SRC_THREADS * SRC_EACH][PD_SR_NO_SIZE];
    for (int i = 0; i < SRC_THREADS; i++) {
        if (t[i].failures)
            fail_msg("thread %d: %d failed inserts (last %d)", i, t[i].failures,
                     (int)t[i].last_failure);
        memcpy(all[i * SRC_EACH], t[i].no, sizeof t[i].no);
    }
    qsort(all, SRC_THREADS * SRC_EACH, PD_SR_NO_SIZE, cmp_no);
    db = ct_begin(ct_store);
    for (int i = 0; i < SRC_THREADS * SRC_EACH; i++) {
        char want[PD_SR_NO_SIZE];
        snprintf(want, sizeof want, "SR%s%04d", day, i + 1);
        assert_string_equal(all[i], want);
        struct pd_special_rate_rec got;
        assert_int_equal(db->ops->special_rate_get(db, all[i], &got), PD_QS_ONE);
    }
    ct_commit(db);
}

const struct CMUnitTest ct_tests_rates[] = {
    cmocka_unit_test_teardown(test_special_rate_round_trip, ct_cleanup),
    cmocka_unit_test_teardown(test_special_rate_states, ct_cleanup),
    cmocka_unit_test_teardown(test_special_rate_list, ct_cleanup),
    cmocka_unit_test_teardown(test_special_rate_serial_rollback, ct_cleanup),
    cmocka_unit_test_teardown(test_special_rate_serial_concurrent, ct_cleanup),
};
const size_t ct_tests_rates_n = sizeof ct_tests_rates / sizeof *ct_tests_rates;
