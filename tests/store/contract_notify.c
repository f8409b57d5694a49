/*
 * Contract tests of notifications (store.h "notifications"): subscriptions
 * (insert, read without the secret, subtree and owner filters, soft delete
 * that cancels pending deliveries); the delivery queue (one delivery per
 * subscription and event, none for a deleted subscription, claims with a
 * lease and a token, outcomes recorded only by the claim's holder, the
 * attempt log, the dead-letter list and reviving from it, lists newest
 * first with every filter); the outbox (the same queue rules, the recipient
 * filled when sent); purging finished rows; and two workers claiming from
 * one queue at once, which must never take the same row twice.
 *
 * The file's tests share one fresh database (the first opens it, the last
 * closes it); each test starts by draining whatever is still due, so the
 * queues it looks at hold only its own rows.
 */
#include "contract.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

static pd_store *st;

/* Far enough ahead that every row the tests queue is due by then. */
#define LATER 4000000000000LL
#define T0    1800000000000LL
#define LEASE 60000

struct drained {
    int n;
    int64_t id[100];
};

static int drain_delivery(void *cls, const struct pd_webhook_delivery *d)
{
    struct drained *x = cls;
    x->id[x->n++] = d->id;
    return 0;
}

static int drain_message(void *cls, const struct pd_outbox_msg *m)
{
    struct drained *x = cls;
    x->id[x->n++] = m->id;
    return 0;
}

/* Cancel every due delivery and skip every due message, so that a test's
 * claims see only the rows it queues itself. */
static int notify_setup(void **state)
{
    if (!st)
        st = ct_open_fresh_migrated();
    pd_db *db = ct_begin(st);
    struct drained x;
    do {
        x.n = 0;
        assert_true(db->ops->delivery_claim(db, LATER, LEASE, 100, "drain", drain_delivery, &x) >=
                    0);
        for (int i = 0; i < x.n; i++) {
            struct pd_delivery_outcome o = {
                .id = x.id[i], .claim = "drain", .state = PD_DELIVERY_CANCELLED, .at_ms = T0};
            assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_ONE);
        }
    } while (x.n > 0);
    do {
        x.n = 0;
        assert_true(db->ops->outbox_claim(db, LATER, LEASE, 100, "drain", drain_message, &x) >= 0);
        for (int i = 0; i < x.n; i++) {
            struct pd_outbox_outcome o = {
                .id = x.id[i], .claim = "drain", .state = PD_OUTBOX_SKIPPED, .at_ms = T0};
            assert_int_equal(db->ops->outbox_finish(db, &o), PD_QS_ONE);
        }
    } while (x.n > 0);
    ct_commit(db);
    return 0;
}

static int notify_teardown(void **state)
{
    return ct_cleanup(state);
}

static int notify_teardown_last(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

static int64_t hook(pd_db *db, int64_t node_id, const char *owner, uint32_t kinds,
                    const char *customer, struct pd_webhook *out)
{
    struct pd_webhook w;
    memset(&w, 0, sizeof w);
    snprintf(w.url, sizeof w.url, "https://hooks.example.com/pd/%d", ct_seq());
    snprintf(w.secret, sizeof w.secret, "s3cret-s3cret-%d", ct_seq());
    w.kinds = kinds;
    snprintf(w.customer_code, sizeof w.customer_code, "%s", customer ? customer : "");
    w.node_id = node_id;
    snprintf(w.owner, sizeof w.owner, "%s", owner);
    assert_int_equal(db->ops->webhook_insert(db, &w), PD_QS_ONE);
    assert_true(w.id > 0);
    assert_true(w.created_ms > 0);
    if (out)
        *out = w;
    return w.id;
}

static int64_t delivery(pd_db *db, int64_t webhook_id, const char *event_id, int64_t due,
                        const char *body)
{
    struct pd_webhook_delivery d;
    memset(&d, 0, sizeof d);
    d.webhook_id = webhook_id;
    snprintf(d.event_id, sizeof d.event_id, "%s", event_id);
    snprintf(d.kind, sizeof d.kind, "delivered");
    snprintf(d.waybill_no, sizeof d.waybill_no, "PD000000000017");
    d.next_at_ms = due;
    d.body = body;
    assert_int_equal(db->ops->delivery_insert(db, &d), PD_QS_ONE);
    assert_true(d.id > 0);
    return d.id;
}

/* ---- collecting rows ----------------------------------------------------------- */

#define MAXROWS 64

struct hooks_seen {
    int n;
    int64_t id[MAXROWS];
    bool deleted[MAXROWS];
    char secret[MAXROWS][PD_WEBHOOK_SECRET_SIZE];
};

static int collect_hook(void *cls, const struct pd_webhook *w)
{
    struct hooks_seen *s = cls;
    if (s->n < MAXROWS) {
        s->id[s->n] = w->id;
        s->deleted[s->n] = w->deleted_ms != 0;
        snprintf(s->secret[s->n], sizeof s->secret[0], "%s", w->secret);
    }
    s->n++;
    return 0;
}

struct deliveries_seen {
    int n;
    struct pd_webhook_delivery d[MAXROWS];
    char body[MAXROWS][128];
    bool body_null[MAXROWS];
};

static int collect_delivery(void *cls, const struct pd_webhook_delivery *d)
{
    struct deliveries_seen *s = cls;
    if (s->n < MAXROWS) {
        s->d[s->n] = *d;
        s->body_null[s->n] = d->body == NULL;
        snprintf(s->body[s->n], sizeof s->body[0], "%s", d->body ? d->body : "");
        s->d[s->n].body = NULL;
    }
    s->n++;
    return 0;
}

struct attempts_seen {
    int n;
    struct pd_webhook_attempt a[MAXROWS];
};

static int collect_attempt(void *cls, const struct pd_webhook_attempt *a)
{
    struct attempts_seen *s = cls;
    if (s->n < MAXROWS)
        s->a[s->n] = *a;
    s->n++;
    return 0;
}

struct messages_seen {
    int n;
    struct pd_outbox_msg m[8];
};

static int collect_message(void *cls, const struct pd_outbox_msg *m)
{
    struct messages_seen *s = cls;
    if (s->n < 8)
        s->m[s->n] = *m;
    s->n++;
    return 0;
}

static struct pd_webhook_delivery get_delivery(pd_db *db, int64_t id)
{
    struct deliveries_seen s = {0};
    assert_int_equal(db->ops->delivery_get(db, id, collect_delivery, &s), PD_QS_ONE);
    assert_int_equal(s.n, 1);
    return s.d[0];
}

/* ---- subscriptions ------------------------------------------------------------- */

static void test_notify_webhooks_scoped_and_soft_deleted(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node hq, gd, sz, sh;
    ct_node(db, "NT-HQ-", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "NT-GD-", PD_NODE_BRANCH_L1, hq.id, &gd);
    ct_node(db, "NT-SZ-", PD_NODE_OUTLET, gd.id, &sz);
    ct_node(db, "NT-SH-", PD_NODE_BRANCH_L1, hq.id, &sh);

    struct pd_webhook a;
    int64_t ia = hook(db, gd.id, "u:7", 0x3, "C-NT1", &a);
    int64_t ib = hook(db, sz.id, "k:9", 0x1, NULL, NULL);
    int64_t ic = hook(db, sh.id, "u:7", 0x1, NULL, NULL);

    struct pd_webhook got;
    assert_int_equal(db->ops->webhook_get(db, ia, &got), PD_QS_ONE);
    assert_string_equal(got.url, a.url);
    assert_string_equal(got.secret, ""); /* never read back */
    assert_int_equal(got.kinds, 0x3);
    assert_string_equal(got.customer_code, "C-NT1");
    assert_int_equal(got.node_id, gd.id);
    assert_string_equal(got.node_code, gd.code);
    assert_string_equal(got.node_path, gd.path);
    assert_string_equal(got.owner, "u:7");
    assert_int_equal(got.created_ms, a.created_ms);
    assert_int_equal(got.deleted_ms, 0);
    assert_int_equal(db->ops->webhook_get(db, ic + 1000, &got), PD_QS_NONE);

    /* The GD subtree holds a and b, not SH's c; by id. */
    struct hooks_seen s = {0};
    struct pd_webhook_filter f = {.node_path = gd.path};
    assert_int_equal(db->ops->webhook_list(db, &f, collect_hook, &s), 2);
    assert_int_equal(s.id[0], ia);
    assert_int_equal(s.id[1], ib);
    assert_string_equal(s.secret[0], "");
    /* An owner's own only. */
    memset(&s, 0, sizeof s);
    f.owner = "k:9";
    assert_int_equal(db->ops->webhook_list(db, &f, collect_hook, &s), 1);
    assert_int_equal(s.id[0], ib);
    /* Keyset pagination. */
    memset(&s, 0, sizeof s);
    struct pd_webhook_filter all = {.node_path = hq.path, .limit = 2};
    assert_int_equal(db->ops->webhook_list(db, &all, collect_hook, &s), 2);
    all.after_id = s.id[1];
    memset(&s, 0, sizeof s);
    assert_int_equal(db->ops->webhook_list(db, &all, collect_hook, &s), 1);
    assert_int_equal(s.id[0], ic);

    /* Soft delete: gone from the list, still readable, only once. */
    assert_int_equal(db->ops->webhook_delete(db, ia, T0), PD_QS_ONE);
    assert_int_equal(db->ops->webhook_delete(db, ia, T0 + 1), PD_QS_NONE);
    assert_int_equal(db->ops->webhook_delete(db, ic + 1000, T0), PD_QS_NONE);
    assert_int_equal(db->ops->webhook_get(db, ia, &got), PD_QS_ONE);
    assert_int_equal(got.deleted_ms, T0);
    memset(&s, 0, sizeof s);
    f.owner = NULL;
    assert_int_equal(db->ops->webhook_list(db, &f, collect_hook, &s), 1);
    assert_int_equal(s.id[0], ib);
    memset(&s, 0, sizeof s);
    f.include_deleted = true;
    assert_int_equal(db->ops->webhook_list(db, &f, collect_hook, &s), 2);
    assert_true(s.deleted[0] && !s.deleted[1]);
    ct_commit(db);
}

static void test_notify_webhook_checks(void **state)
{
    /* The table refuses what the API must never store: no kinds, a short
     * secret, an unknown node. */
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-CK-", PD_NODE_HEAD_OFFICE, 0, &n);
    struct pd_webhook w;
    memset(&w, 0, sizeof w);
    snprintf(w.url, sizeof w.url, "https://example.com/h");
    snprintf(w.secret, sizeof w.secret, "0123456789abcdef");
    snprintf(w.owner, sizeof w.owner, "u:1");
    w.node_id = n.id;
    w.kinds = 0;
    assert_true(db->ops->webhook_insert(db, &w) < 0);
    ct_rollback(db);

    db = ct_begin(st);
    w.kinds = 1;
    snprintf(w.secret, sizeof w.secret, "short");
    assert_true(db->ops->webhook_insert(db, &w) < 0);
    ct_rollback(db);
}

/* ---- deliveries ---------------------------------------------------------------- */

static void test_notify_delivery_claim_retry_deliver(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-DL-", PD_NODE_HEAD_OFFICE, 0, &n);
    struct pd_webhook w;
    int64_t wid = hook(db, n.id, "u:1", 1, NULL, &w);
    int64_t id = delivery(db, wid, "evt_claim1", T0, "{\"id\":\"evt_claim1\"}");

    /* The same event for the same subscription is queued once. */
    struct pd_webhook_delivery again;
    memset(&again, 0, sizeof again);
    again.webhook_id = wid;
    snprintf(again.event_id, sizeof again.event_id, "evt_claim1");
    again.body = "{}";
    assert_int_equal(db->ops->delivery_insert(db, &again), PD_QS_NONE);

    /* Not due yet: nothing to claim. */
    struct deliveries_seen s = {0};
    assert_int_equal(db->ops->delivery_claim(db, T0 - 1, LEASE, 10, "tokA", collect_delivery, &s),
                     0);
    /* Due: claimed with the subscription's URL and secret and the body. */
    assert_int_equal(db->ops->delivery_claim(db, T0, LEASE, 10, "tokA", collect_delivery, &s), 1);
    assert_int_equal(s.d[0].id, id);
    assert_string_equal(s.d[0].url, w.url);
    assert_string_equal(s.d[0].secret, w.secret);
    assert_string_equal(s.body[0], "{\"id\":\"evt_claim1\"}");
    assert_int_equal(s.d[0].state, PD_DELIVERY_PENDING);
    assert_int_equal(s.d[0].attempts, 0);
    assert_false(s.d[0].webhook_deleted);
    /* Leased: a second claim within the lease gets nothing. */
    memset(&s, 0, sizeof s);
    assert_int_equal(
        db->ops->delivery_claim(db, T0 + LEASE - 1, LEASE, 10, "tokB", collect_delivery, &s), 0);

    /* Only the holder records: another token changes nothing. */
    struct pd_delivery_outcome o = {.id = id,
                                    .claim = "tokB",
                                    .attempted = true,
                                    .at_ms = T0 + 5,
                                    .duration_ms = 12,
                                    .status = 500,
                                    .error = "HTTP 500",
                                    .state = PD_DELIVERY_PENDING,
                                    .next_at_ms = T0 + 30000};
    assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_NONE);
    o.claim = "tokA";
    assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_ONE);
    /* The claim is spent. */
    assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_NONE);
    struct pd_webhook_delivery d = get_delivery(db, id);
    assert_int_equal(d.state, PD_DELIVERY_PENDING);
    assert_int_equal(d.attempts, 1);
    assert_int_equal(d.last_status, 500);
    assert_string_equal(d.last_error, "HTTP 500");
    assert_int_equal(d.next_at_ms, T0 + 30000);
    assert_int_equal(d.done_ms, 0);

    /* Retried when due again, then delivered. */
    memset(&s, 0, sizeof s);
    assert_int_equal(
        db->ops->delivery_claim(db, T0 + 29999, LEASE, 10, "tokC", collect_delivery, &s), 0);
    assert_int_equal(
        db->ops->delivery_claim(db, T0 + 30000, LEASE, 10, "tokC", collect_delivery, &s), 1);
    assert_int_equal(s.d[0].attempts, 1);
    struct pd_delivery_outcome ok = {.id = id,
                                     .claim = "tokC",
                                     .attempted = true,
                                     .at_ms = T0 + 30010,
                                     .duration_ms = 3,
                                     .status = 204,
                                     .state = PD_DELIVERY_DELIVERED};
    assert_int_equal(db->ops->delivery_finish(db, &ok), PD_QS_ONE);
    d = get_delivery(db, id);
    assert_int_equal(d.state, PD_DELIVERY_DELIVERED);
    assert_int_equal(d.attempts, 2);
    assert_int_equal(d.last_status, 204);
    assert_string_equal(d.last_error, "");
    assert_int_equal(d.done_ms, T0 + 30010);
    /* Delivered rows are never claimed again. */
    memset(&s, 0, sizeof s);
    assert_int_equal(db->ops->delivery_claim(db, LATER, LEASE, 10, "tokD", collect_delivery, &s),
                     0);

    /* The attempt log, in order. */
    struct attempts_seen a = {0};
    assert_int_equal(db->ops->delivery_attempts(db, id, collect_attempt, &a), 2);
    assert_int_equal(a.a[0].attempt, 1);
    assert_int_equal(a.a[0].status, 500);
    assert_string_equal(a.a[0].error, "HTTP 500");
    assert_int_equal(a.a[0].at_ms, T0 + 5);
    assert_int_equal(a.a[0].duration_ms, 12);
    assert_int_equal(a.a[1].attempt, 2);
    assert_int_equal(a.a[1].status, 204);
    assert_int_equal(a.a[1].delivery_id, id);
    ct_commit(db);
}

static void test_notify_lease_expires_and_release(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-LS-", PD_NODE_HEAD_OFFICE, 0, &n);
    int64_t wid = hook(db, n.id, "u:1", 1, NULL, NULL);
    int64_t id = delivery(db, wid, "evt_lease", T0, "{}");
    struct deliveries_seen s = {0};
    assert_int_equal(db->ops->delivery_claim(db, T0, LEASE, 10, "old", collect_delivery, &s), 1);
    /* The holder died: when the lease ends the row is due again. */
    assert_int_equal(
        db->ops->delivery_claim(db, T0 + LEASE, LEASE, 10, "new", collect_delivery, &s), 1);
    assert_int_equal(s.d[1].id, id);
    struct pd_delivery_outcome late = {.id = id,
                                       .claim = "old",
                                       .attempted = true,
                                       .at_ms = T0 + LEASE + 1,
                                       .status = 200,
                                       .state = PD_DELIVERY_DELIVERED};
    assert_int_equal(db->ops->delivery_finish(db, &late), PD_QS_NONE);
    /* Released unsent (shutdown): due at once, no attempt counted. */
    struct pd_delivery_outcome rel = {.id = id,
                                      .claim = "new",
                                      .attempted = false,
                                      .state = PD_DELIVERY_PENDING,
                                      .next_at_ms = T0 + LEASE + 2};
    assert_int_equal(db->ops->delivery_finish(db, &rel), PD_QS_ONE);
    struct pd_webhook_delivery d = get_delivery(db, id);
    assert_int_equal(d.state, PD_DELIVERY_PENDING);
    assert_int_equal(d.attempts, 0);
    assert_int_equal(d.next_at_ms, T0 + LEASE + 2);
    struct attempts_seen a = {0};
    assert_int_equal(db->ops->delivery_attempts(db, id, collect_attempt, &a), 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(
        db->ops->delivery_claim(db, T0 + LEASE + 2, LEASE, 10, "third", collect_delivery, &s), 1);
    ct_commit(db);
}

static void test_notify_dead_letter_and_revive(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-DD-", PD_NODE_HEAD_OFFICE, 0, &n);
    int64_t wid = hook(db, n.id, "u:1", 1, NULL, NULL);
    int64_t id = delivery(db, wid, "evt_dead", T0, "{}");
    int64_t other = delivery(db, wid, "evt_alive", T0 + 1, "{}");
    struct deliveries_seen s = {0};
    assert_int_equal(db->ops->delivery_claim(db, T0, LEASE, 1, "t1", collect_delivery, &s), 1);
    assert_int_equal(s.d[0].id, id); /* earliest first */
    struct pd_delivery_outcome o = {.id = id,
                                    .claim = "t1",
                                    .attempted = true,
                                    .at_ms = T0 + 7,
                                    .status = 0,
                                    .error = "connection refused",
                                    .state = PD_DELIVERY_DEAD};
    assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_ONE);
    struct pd_webhook_delivery d = get_delivery(db, id);
    assert_int_equal(d.state, PD_DELIVERY_DEAD);
    assert_int_equal(d.done_ms, T0 + 7);
    assert_string_equal(d.last_error, "connection refused");

    /* The dead-letter list. */
    memset(&s, 0, sizeof s);
    struct pd_delivery_filter f = {.node_path = n.path, .state = PD_DELIVERY_DEAD};
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 1);
    assert_int_equal(s.d[0].id, id);
    assert_true(s.body_null[0]); /* lists carry no bodies */

    /* Only a dead one revives; it is due at once with a fresh budget. */
    assert_int_equal(db->ops->delivery_revive(db, other, T0 + 100), PD_QS_NONE);
    assert_int_equal(db->ops->delivery_revive(db, id, T0 + 100), PD_QS_ONE);
    assert_int_equal(db->ops->delivery_revive(db, id, T0 + 100), PD_QS_NONE);
    d = get_delivery(db, id);
    assert_int_equal(d.state, PD_DELIVERY_PENDING);
    assert_int_equal(d.next_at_ms, T0 + 100);
    assert_int_equal(d.attempts, 1);
    assert_int_equal(d.attempt_base, 1);
    assert_int_equal(d.done_ms, 0);
    memset(&s, 0, sizeof s);
    assert_int_equal(db->ops->delivery_claim(db, T0 + 100, LEASE, 10, "t2", collect_delivery, &s),
                     2);
    ct_commit(db);
}

static void test_notify_delete_cancels_pending(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-DC-", PD_NODE_HEAD_OFFICE, 0, &n);
    int64_t wid = hook(db, n.id, "u:1", 1, NULL, NULL);
    int64_t keep = hook(db, n.id, "u:1", 1, NULL, NULL);
    int64_t queued = delivery(db, wid, "evt_q", T0, "{}");
    int64_t claimed = delivery(db, wid, "evt_c", T0 - 10, "{}");
    int64_t sent = delivery(db, wid, "evt_s", T0 - 20, "{}");
    int64_t other = delivery(db, keep, "evt_q", T0, "{}");
    struct deliveries_seen s = {0};
    assert_int_equal(db->ops->delivery_claim(db, T0 - 10, LEASE, 10, "h", collect_delivery, &s), 2);
    struct pd_delivery_outcome ok = {.id = sent,
                                     .claim = "h",
                                     .attempted = true,
                                     .at_ms = T0 - 5,
                                     .status = 200,
                                     .state = PD_DELIVERY_DELIVERED};
    assert_int_equal(db->ops->delivery_finish(db, &ok), PD_QS_ONE);

    assert_int_equal(db->ops->webhook_delete(db, wid, T0 + 1), PD_QS_ONE);
    assert_int_equal(get_delivery(db, queued).state, PD_DELIVERY_CANCELLED);
    assert_int_equal(get_delivery(db, queued).done_ms, T0 + 1);
    assert_int_equal(get_delivery(db, claimed).state, PD_DELIVERY_CANCELLED);
    assert_int_equal(get_delivery(db, sent).state, PD_DELIVERY_DELIVERED);
    assert_int_equal(get_delivery(db, other).state, PD_DELIVERY_PENDING);
    assert_true(get_delivery(db, queued).webhook_deleted);
    /* The holder of the cancelled one records nothing. */
    struct pd_delivery_outcome late = {.id = claimed,
                                       .claim = "h",
                                       .attempted = true,
                                       .at_ms = T0 + 2,
                                       .status = 200,
                                       .state = PD_DELIVERY_DELIVERED};
    assert_int_equal(db->ops->delivery_finish(db, &late), PD_QS_NONE);
    /* Nothing is queued for a deleted subscription. */
    struct pd_webhook_delivery d;
    memset(&d, 0, sizeof d);
    d.webhook_id = wid;
    snprintf(d.event_id, sizeof d.event_id, "evt_after");
    d.body = "{}";
    d.next_at_ms = T0;
    assert_int_equal(db->ops->delivery_insert(db, &d), PD_QS_NONE);
    ct_commit(db);
}

static void test_notify_delivery_list_filters(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node hq, a, b;
    ct_node(db, "NT-LF-", PD_NODE_HEAD_OFFICE, 0, &hq);
    ct_node(db, "NT-LFA-", PD_NODE_BRANCH_L1, hq.id, &a);
    ct_node(db, "NT-LFB-", PD_NODE_BRANCH_L1, hq.id, &b);
    int64_t wa = hook(db, a.id, "k:5", 1, NULL, NULL);
    int64_t wb = hook(db, b.id, "u:2", 1, NULL, NULL);
    int64_t d1 = delivery(db, wa, "evt_l1", T0, "{}");
    int64_t d2 = delivery(db, wb, "evt_l2", T0, "{}");
    int64_t d3 = delivery(db, wa, "evt_l3", T0, "{}");

    struct deliveries_seen s = {0};
    struct pd_delivery_filter f = {.node_path = hq.path, .state = -1};
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 3);
    assert_int_equal(s.d[0].id, d3); /* newest first */
    assert_int_equal(s.d[1].id, d2);
    assert_int_equal(s.d[2].id, d1);
    assert_string_equal(s.d[0].node_path, a.path);
    assert_string_equal(s.d[0].owner, "k:5");
    assert_string_equal(s.d[0].kind, "delivered");
    assert_string_equal(s.d[0].waybill_no, "PD000000000017");
    assert_string_equal(s.d[0].event_id, "evt_l3");
    assert_string_equal(s.d[0].secret, "");
    /* Subtree. */
    memset(&s, 0, sizeof s);
    f.node_path = b.path;
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 1);
    assert_int_equal(s.d[0].id, d2);
    /* Owner, subscription, number, state, pagination. */
    memset(&s, 0, sizeof s);
    f.node_path = hq.path;
    f.owner = "k:5";
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 2);
    memset(&s, 0, sizeof s);
    f.owner = NULL;
    f.webhook_id = wb;
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 1);
    memset(&s, 0, sizeof s);
    f.webhook_id = 0;
    f.waybill_no = "PD000000000025";
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 0);
    f.waybill_no = NULL;
    f.state = PD_DELIVERY_DELIVERED;
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 0);
    f.state = PD_DELIVERY_PENDING;
    f.before_id = d3;
    f.limit = 1;
    assert_int_equal(db->ops->delivery_list(db, &f, collect_delivery, &s), 1);
    assert_int_equal(s.d[0].id, d2);
    ct_commit(db);
}

/* ---- the outbox ----------------------------------------------------------------- */

static void test_notify_outbox_queue(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_outbox_msg m;
    memset(&m, 0, sizeof m);
    m.channel = PD_OUTBOX_SMS;
    snprintf(m.event_id, sizeof m.event_id, "evt_sms1");
    snprintf(m.waybill_no, sizeof m.waybill_no, "PD000000000017");
    snprintf(m.kind, sizeof m.kind, "delivered");
    snprintf(m.text, sizeof m.text, "【ParcelDesk】您的快件 PD000000000017 已签收。");
    m.next_at_ms = T0;
    assert_int_equal(db->ops->outbox_insert(db, &m), PD_QS_ONE);
    int64_t id = m.id;
    assert_true(id > 0);
    /* One message per event and channel. */
    assert_int_equal(db->ops->outbox_insert(db, &m), PD_QS_NONE);
    struct pd_outbox_msg e = m;
    e.channel = PD_OUTBOX_EMAIL;
    snprintf(e.subject, sizeof e.subject, "快件已签收");
    assert_int_equal(db->ops->outbox_insert(db, &e), PD_QS_ONE);

    struct messages_seen s = {0};
    assert_int_equal(db->ops->outbox_claim(db, T0, LEASE, 10, "ob1", collect_message, &s), 2);
    assert_int_equal(s.m[0].id, id);
    assert_int_equal(s.m[0].channel, PD_OUTBOX_SMS);
    assert_string_equal(s.m[0].text, m.text);
    assert_string_equal(s.m[0].recipient, "");
    assert_int_equal(s.m[1].channel, PD_OUTBOX_EMAIL);
    assert_string_equal(s.m[1].subject, "快件已签收");
    memset(&s, 0, sizeof s);
    assert_int_equal(db->ops->outbox_claim(db, T0 + 1, LEASE, 10, "ob2", collect_message, &s), 0);

    struct pd_outbox_outcome wrong = {
        .id = id, .claim = "ob2", .attempted = true, .state = PD_OUTBOX_SENT, .at_ms = T0 + 2};
    assert_int_equal(db->ops->outbox_finish(db, &wrong), PD_QS_NONE);
    struct pd_outbox_outcome sent = {.id = id,
                                     .claim = "ob1",
                                     .attempted = true,
                                     .state = PD_OUTBOX_SENT,
                                     .recipient = "13900139000",
                                     .at_ms = T0 + 2};
    assert_int_equal(db->ops->outbox_finish(db, &sent), PD_QS_ONE);
    struct pd_outbox_outcome skip = {.id = e.id,
                                     .claim = "ob1",
                                     .attempted = false,
                                     .state = PD_OUTBOX_SKIPPED,
                                     .error = "no e-mail address",
                                     .at_ms = T0 + 3};
    assert_int_equal(db->ops->outbox_finish(db, &skip), PD_QS_ONE);

    memset(&s, 0, sizeof s);
    struct pd_outbox_filter f = {.state = -1, .waybill_no = "PD000000000017"};
    assert_true(db->ops->outbox_list(db, &f, collect_message, &s) >= 2);
    assert_int_equal(s.m[0].id, e.id); /* newest first */
    assert_int_equal(s.m[0].state, PD_OUTBOX_SKIPPED);
    assert_int_equal(s.m[0].attempts, 0);
    assert_string_equal(s.m[0].last_error, "no e-mail address");
    assert_string_equal(s.m[0].recipient, "");
    assert_int_equal(s.m[1].id, id);
    assert_int_equal(s.m[1].state, PD_OUTBOX_SENT);
    assert_int_equal(s.m[1].attempts, 1);
    assert_string_equal(s.m[1].recipient, "13900139000");
    assert_int_equal(s.m[1].done_ms, T0 + 2);
    memset(&s, 0, sizeof s);
    f.state = PD_OUTBOX_PENDING;
    assert_int_equal(db->ops->outbox_list(db, &f, collect_message, &s), 0);

    /* A failed send retries later; the recipient stays unless given. */
    struct pd_outbox_msg r = m;
    snprintf(r.event_id, sizeof r.event_id, "evt_sms2");
    assert_int_equal(db->ops->outbox_insert(db, &r), PD_QS_ONE);
    memset(&s, 0, sizeof s);
    assert_int_equal(db->ops->outbox_claim(db, T0, LEASE, 10, "ob3", collect_message, &s), 1);
    struct pd_outbox_outcome fail = {.id = r.id,
                                     .claim = "ob3",
                                     .attempted = true,
                                     .state = PD_OUTBOX_PENDING,
                                     .error = "spool: disk full",
                                     .at_ms = T0 + 4,
                                     .next_at_ms = T0 + 1000};
    assert_int_equal(db->ops->outbox_finish(db, &fail), PD_QS_ONE);
    memset(&s, 0, sizeof s);
    assert_int_equal(db->ops->outbox_claim(db, T0 + 999, LEASE, 10, "ob4", collect_message, &s), 0);
    assert_int_equal(db->ops->outbox_claim(db, T0 + 1000, LEASE, 10, "ob4", collect_message, &s),
                     1);
    assert_int_equal(s.m[0].attempts, 1);
    assert_string_equal(s.m[0].last_error, "spool: disk full");
    ct_commit(db);
}

/* ---- purging --------------------------------------------------------------------- */

static void test_notify_purge_finished(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-PG-", PD_NODE_HEAD_OFFICE, 0, &n);
    int64_t wid = hook(db, n.id, "u:1", 1, NULL, NULL);
    int64_t old = delivery(db, wid, "evt_old", T0, "{}");
    int64_t recent = delivery(db, wid, "evt_recent", T0 + 1, "{}");
    int64_t waiting = delivery(db, wid, "evt_waiting", LATER - 1, "{}");
    struct deliveries_seen s = {0};
    assert_int_equal(db->ops->delivery_claim(db, T0 + 1, LEASE, 10, "p", collect_delivery, &s), 2);
    struct pd_delivery_outcome o = {.id = old,
                                    .claim = "p",
                                    .attempted = true,
                                    .at_ms = T0 + 10,
                                    .status = 200,
                                    .state = PD_DELIVERY_DELIVERED};
    assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_ONE);
    o.id = recent;
    o.at_ms = T0 + 5000;
    assert_int_equal(db->ops->delivery_finish(db, &o), PD_QS_ONE);

    assert_true(db->ops->notify_purge(db, T0 + 1000, 100) >= 1);
    struct deliveries_seen g = {0};
    assert_int_equal(db->ops->delivery_get(db, old, collect_delivery, &g), PD_QS_NONE);
    struct attempts_seen a = {0};
    assert_int_equal(db->ops->delivery_attempts(db, old, collect_attempt, &a), 0);
    assert_int_equal(get_delivery(db, recent).state, PD_DELIVERY_DELIVERED);
    assert_int_equal(get_delivery(db, waiting).state, PD_DELIVERY_PENDING);
    ct_commit(db);
}

/* ---- two workers --------------------------------------------------------------- */

#define RACE_N 120

struct racer {
    pd_store *st;
    char token[16];
    int claimed;
    int round_start; /* claimed before this transaction, which may run more than once */
    int64_t ids[RACE_N];
    pd_qs qs;
};

static int race_take(void *cls, const struct pd_webhook_delivery *d)
{
    struct racer *r = cls;
    if (r->claimed < RACE_N)
        r->ids[r->claimed] = d->id;
    r->claimed++;
    return 0;
}

static pd_qs race_round(pd_db *db, void *cls)
{
    struct racer *r = cls;
    r->claimed = r->round_start;
    return db->ops->delivery_claim(db, T0, LEASE, 7, r->token, race_take, r);
}

static void *race_main(void *p)
{
    struct racer *r = p;
    /* Bounded: a claim that kept handing out the same rows would otherwise
     * loop for ever instead of failing the count below. */
    for (int round = 0; round < RACE_N; round++) {
        r->round_start = r->claimed;
        r->qs = pd_tx_run(r->st, "claim", false, race_round, r);
        if (r->qs <= 0)
            break;
    }
    return NULL;
}

static void test_notify_two_workers_never_share(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_node n;
    ct_node(db, "NT-RC-", PD_NODE_HEAD_OFFICE, 0, &n);
    int64_t wid = hook(db, n.id, "u:1", 1, NULL, NULL);
    for (int i = 0; i < RACE_N; i++) {
        char ev[32];
        snprintf(ev, sizeof ev, "evt_race%d", i);
        delivery(db, wid, ev, T0 - i, "{}");
    }
    ct_commit(db);

    /* Two stores: two connections, as two servers would have. */
    char url[512];
    snprintf(url, sizeof url, "%s", st->url);
    struct racer r[2] = {{.st = st}, {.st = ct_open(url, NULL)}};
    snprintf(r[0].token, sizeof r[0].token, "w1");
    snprintf(r[1].token, sizeof r[1].token, "w2");
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_main, &r[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        assert_int_equal(r[i].qs, 0);
    assert_int_equal(r[0].claimed + r[1].claimed, RACE_N);
    for (int i = 0; i < r[0].claimed; i++)
        for (int j = 0; j < r[1].claimed; j++)
            assert_true(r[0].ids[i] != r[1].ids[j]);
    pd_store_close(r[1].st);
}

const struct CMUnitTest ct_tests_notify[] = {
    cmocka_unit_test_setup_teardown(test_notify_webhooks_scoped_and_soft_deleted, notify_setup,
                                    notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_webhook_checks, notify_setup, notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_delivery_claim_retry_deliver, notify_setup,
                                    notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_lease_expires_and_release, notify_setup,
                                    notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_dead_letter_and_revive, notify_setup,
                                    notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_delete_cancels_pending, notify_setup,
                                    notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_delivery_list_filters, notify_setup,
                                    notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_outbox_queue, notify_setup, notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_purge_finished, notify_setup, notify_teardown),
    cmocka_unit_test_setup_teardown(test_notify_two_workers_never_share, notify_setup,
                                    notify_teardown_last),
};
const size_t ct_tests_notify_n = sizeof ct_tests_notify / sizeof *ct_tests_notify;
