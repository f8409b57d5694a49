/*
 * Contract tests of the orders aggregate: waybills (every field and the three
 * JSON texts round trip, numbering of waybills and parcels, serials under
 * sequential and concurrent inserts, a number clash and the end of the
 * serial range, idempotency keys, the optimistic lock, list filters with
 * subtree scoping and keyset pages, duplicate detection), parcels, contract
 * customers, pickup tasks (one open task per waybill, the late view, courier
 * load) and pickup inspections.
 */
#include "contract.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/order_lifecycle.h"
#include "core/waybill_no.h"
#include "util/timeutil.h"

/* ---- fixture ------------------------------------------------------------------ */

/* A small network of its own per test: hq → br_a → out_a, hq → br_b; a
 * courier at out_a, a second one at br_b, a clerk at hq. */
struct net {
    struct pd_node hq, br_a, out_a, br_b;
    struct pd_user courier, courier_b, clerk;
};

static void net_new(pd_db *db, const char *tag, struct net *n)
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
    snprintf(name, sizeof name, "%s-courier-%d", tag, k);
    ct_user(db, name, "快递员小李", PD_ROLE_COURIER, n->out_a.id, &n->courier);
    snprintf(name, sizeof name, "%s-courier-b-%d", tag, k);
    ct_user(db, name, "快递员小赵", PD_ROLE_COURIER, n->br_b.id, &n->courier_b);
    snprintf(name, sizeof name, "%s-clerk-%d", tag, k);
    ct_user(db, name, "客服小王", PD_ROLE_AGENT, n->hq.id, &n->clerk);
}

/* A phone number unique in this run. */
static void phone_new(char out[32])
{
    snprintf(out, 32, "139%08d", ct_seq());
}

/* A minimal valid waybill at @p node_id (state accepted, one parcel). */
static void wb_fill(struct pd_waybill *w, int64_t node_id)
{
    memset(w, 0, sizeof *w);
    w->state = PD_ORDER_ACCEPTED;
    snprintf(w->channel, sizeof w->channel, "phone");
    snprintf(w->service, sizeof w->service, "standard");
    snprintf(w->payment, sizeof w->payment, "sender");
    w->node_id = node_id;
    phone_new(w->sender_phone);
    phone_new(w->recipient_phone);
    w->origin_division = 440305;
    w->dest_division = 310115;
    w->weight_g = 1200;
    w->chargeable_weight_g = 2000;
    w->total_fen = 1800;
    w->parcels = 1;
    w->doc = "{}";
    w->quote = "{}";
    w->review = "[]";
}

static void wb_insert(pd_db *db, struct pd_waybill *w)
{
    assert_int_equal(db->ops->waybill_insert(db, w), PD_QS_ONE);
    assert_true(w->id > 0);
    assert_true(pd_waybill_no_valid(w->waybill_no));
}

/* What a waybill callback saw: the last row (JSON copied out of the
 * callback's lifetime) and the ids in order. */
struct wb_got {
    int n;
    struct pd_waybill w;
    char doc[512], quote[512], review[512];
    int64_t ids[64];
};

static int wb_capture(void *cls, const struct pd_waybill *w)
{
    struct wb_got *g = cls;
    if (g->n < 64)
        g->ids[g->n] = w->id;
    g->n++;
    g->w = *w;
    assert_non_null(w->doc);
    assert_non_null(w->quote);
    assert_non_null(w->review);
    snprintf(g->doc, sizeof g->doc, "%s", w->doc);
    snprintf(g->quote, sizeof g->quote, "%s", w->quote);
    snprintf(g->review, sizeof g->review, "%s", w->review);
    g->w.doc = g->doc;
    g->w.quote = g->quote;
    g->w.review = g->review;
    return 0;
}

static pd_qs wb_get(pd_db *db, const char *no, bool for_update, struct wb_got *g)
{
    memset(g, 0, sizeof *g);
    return db->ops->waybill_get(db, no, for_update, wb_capture, g);
}

/* List with @p f; asserts that the count returned matches the rows seen. */
static int wb_list(pd_db *db, const struct pd_waybill_filter *f, struct wb_got *g)
{
    memset(g, 0, sizeof *g);
    pd_qs qs = db->ops->waybill_list(db, f, wb_capture, g);
    assert_true(qs >= 0);
    assert_int_equal(qs, g->n);
    return g->n;
}

static void assert_ids(const struct wb_got *g, int n, const int64_t *want)
{
    assert_int_equal(g->n, n);
    for (int i = 0; i < n; i++)
        if (g->ids[i] != want[i])
            fail_msg("row %d: id %lld, want %lld", i, (long long)g->ids[i], (long long)want[i]);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- waybills: fields, numbers, serials ------------------------------------------- */

static void assert_waybill_equal(const struct pd_waybill *a, const struct pd_waybill *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->waybill_no, b->waybill_no);
    assert_int_equal(a->state, b->state);
    assert_string_equal(a->channel, b->channel);
    assert_string_equal(a->service, b->service);
    assert_string_equal(a->payment, b->payment);
    assert_int_equal(a->node_id, b->node_id);
    assert_int_equal(a->customer_id, b->customer_id);
    assert_string_equal(a->customer_ref, b->customer_ref);
    assert_string_equal(a->sender_phone, b->sender_phone);
    assert_string_equal(a->recipient_phone, b->recipient_phone);
    assert_int_equal(a->origin_division, b->origin_division);
    assert_int_equal(a->dest_division, b->dest_division);
    assert_int_equal(a->weight_g, b->weight_g);
    assert_int_equal(a->chargeable_weight_g, b->chargeable_weight_g);
    assert_int_equal(a->total_fen, b->total_fen);
    assert_int_equal(a->cod_fen, b->cod_fen);
    assert_int_equal(a->declared_value_fen, b->declared_value_fen);
    assert_int_equal(a->parcels, b->parcels);
    assert_int_equal(a->pickup_from_ms, b->pickup_from_ms);
    assert_int_equal(a->pickup_to_ms, b->pickup_to_ms);
    assert_int_equal(a->promised_pickup_ms, b->promised_pickup_ms);
    assert_int_equal(a->promised_delivery_ms, b->promised_delivery_ms);
    assert_string_equal(a->fingerprint, b->fingerprint);
    assert_string_equal(a->idem_actor, b->idem_actor);
    assert_string_equal(a->idem_key, b->idem_key);
    assert_string_equal(a->idem_hash, b->idem_hash);
    assert_int_equal(a->courier_id, b->courier_id);
    assert_int_equal(a->created_by, b->created_by);
    assert_int_equal(a->created_ms, b->created_ms);
    assert_int_equal(a->updated_ms, b->updated_ms);
    assert_int_equal(a->version, b->version);
    assert_string_equal(a->doc, b->doc);
    assert_string_equal(a->quote, b->quote);
    assert_string_equal(a->review, b->review);
}

static void customer_new(pd_db *db, int64_t node_id, const char *name, struct pd_customer *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->code, sizeof c->code, "C%06d", ct_seq());
    snprintf(c->name, sizeof c->name, "%s", name);
    snprintf(c->phone, sizeof c->phone, "075512345678");
    c->node_id = node_id;
    c->active = true;
    bool dup = true;
    assert_int_equal(db->ops->customer_insert(db, c, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(c->id > 0);
}

static void test_waybill_round_trip(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "RT", &n);
    struct pd_customer cu;
    customer_new(db, n.br_a.id, "深圳某电商有限公司", &cu);

    struct pd_waybill w;
    wb_fill(&w, n.out_a.id);
    w.state = PD_ORDER_IN_REVIEW;
    snprintf(w.channel, sizeof w.channel, "ecommerce");
    snprintf(w.service, sizeof w.service, "express");
    snprintf(w.payment, sizeof w.payment, "monthly");
    w.customer_id = cu.id;
    snprintf(w.customer_ref, sizeof w.customer_ref, "PO-%d 'quoted' \"and\" 订单", ct_seq());
    w.cod_fen = 99900;
    w.declared_value_fen = 500000;
    w.pickup_from_ms = 1800000000000;
    w.pickup_to_ms = 1800007200000;
    w.promised_pickup_ms = 1800003600000;
    w.promised_delivery_ms = 1800172800000;
    snprintf(w.fingerprint, sizeof w.fingerprint, "%064d", ct_seq());
    snprintf(w.idem_actor, sizeof w.idem_actor, "u:%lld", (long long)n.clerk.id);
    snprintf(w.idem_key, sizeof w.idem_key, "rt-key-%d", ct_seq());
    snprintf(w.idem_hash, sizeof w.idem_hash, "%064x", 0xabcdef);
    w.courier_id = n.courier.id;
    w.created_by = n.clerk.id;
    w.doc = "{\"sender\":{\"name\":\"张三\",\"note\":\"引号\\\" 和 \\\\ 反斜杠\"},\"goods\":[1,2]}";
    w.quote = "{\"total_fen\":1800,\"lines\":[{\"code\":\"base\",\"fen\":1200}]}";
    w.review = "[\"address.unverified\",\"goods.restricted\"]";
    int64_t before = pd_now_ms();
    wb_insert(db, &w);
    assert_int_equal(w.version, 1);
    assert_true(w.created_ms >= before && w.created_ms <= pd_now_ms());
    assert_int_equal(w.updated_ms, w.created_ms);

    struct wb_got g;
    assert_int_equal(wb_get(db, w.waybill_no, false, &g), PD_QS_ONE);
    assert_int_equal(g.n, 1);
    assert_waybill_equal(&g.w, &w);
    /* The joined columns. */
    assert_string_equal(g.w.node_path, n.out_a.path);
    assert_string_equal(g.w.node_code, n.out_a.code);
    assert_string_equal(g.w.customer_code, cu.code);
    /* The same row locked for update, and by its idempotency key. */
    assert_int_equal(wb_get(db, w.waybill_no, true, &g), PD_QS_ONE);
    assert_waybill_equal(&g.w, &w);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->waybill_get_by_idem(db, w.idem_actor, w.idem_key, wb_capture, &g),
                     PD_QS_ONE);
    assert_waybill_equal(&g.w, &w);
    assert_int_equal(wb_get(db, "PD0000000000000", false, &g), PD_QS_NONE);
    assert_int_equal(g.n, 0);

    /* Walk-in, no courier, no creator, no JSON given: zeros and the
     * documented defaults come back. */
    struct pd_waybill bare;
    wb_fill(&bare, n.br_b.id);
    bare.doc = bare.quote = bare.review = NULL;
    wb_insert(db, &bare);
    assert_int_equal(wb_get(db, bare.waybill_no, false, &g), PD_QS_ONE);
    assert_int_equal(g.w.customer_id, 0);
    assert_string_equal(g.w.customer_code, "");
    assert_int_equal(g.w.courier_id, 0);
    assert_int_equal(g.w.created_by, 0);
    assert_string_equal(g.w.doc, "{}");
    assert_string_equal(g.w.quote, "{}");
    assert_string_equal(g.w.review, "[]");
    assert_string_equal(g.w.idem_key, "");
    ct_commit(db);
}

struct parcels_got {
    int n;
    struct pd_parcel v[8];
};

static int parcel_capture(void *cls, const struct pd_parcel *p)
{
    struct parcels_got *g = cls;
    if (g->n < 8)
        g->v[g->n] = *p;
    g->n++;
    return 0;
}

static pd_qs parcels_of(pd_db *db, int64_t waybill_id, struct parcels_got *g)
{
    memset(g, 0, sizeof *g);
    return db->ops->parcel_list(db, waybill_id, parcel_capture, g);
}

static void test_waybill_parcels(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "PC", &n);

    /* One parcel: its number is the waybill number. */
    struct pd_waybill one, three;
    wb_fill(&one, n.out_a.id);
    wb_insert(db, &one);
    struct parcels_got g;
    assert_int_equal(parcels_of(db, one.id, &g), 1);
    assert_string_equal(g.v[0].parcel_no, one.waybill_no);
    assert_int_equal(g.v[0].seq, 1);
    assert_int_equal(g.v[0].waybill_id, one.id);
    assert_int_equal(g.v[0].weight_g, 0);
    assert_int_equal(g.v[0].created_ms, one.created_ms);

    /* Three: each a valid parcel number naming the waybill as master. */
    wb_fill(&three, n.out_a.id);
    three.parcels = 3;
    wb_insert(db, &three);
    assert_int_equal(parcels_of(db, three.id, &g), 3);
    for (int i = 0; i < 3; i++) {
        char master[PD_WAYBILL_NO_SIZE];
        int seq = 0;
        assert_true(pd_parcel_no_parse(g.v[i].parcel_no, master, &seq));
        assert_string_equal(master, three.waybill_no);
        assert_int_equal(seq, i + 1);
        assert_int_equal(g.v[i].seq, i + 1);
        assert_int_equal(g.v[i].waybill_id, three.id);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(g.v[i].parcel_no, g.v[j].parcel_no);
    }

    /* Weighing one parcel changes that parcel only. */
    assert_int_equal(db->ops->parcel_set_weight(db, g.v[1].parcel_no, 730), PD_QS_ONE);
    assert_int_equal(parcels_of(db, three.id, &g), 3);
    assert_int_equal(g.v[0].weight_g, 0);
    assert_int_equal(g.v[1].weight_g, 730);
    assert_int_equal(g.v[2].weight_g, 0);
    assert_int_equal(db->ops->parcel_set_weight(db, "PD0000000000000001x", 1), PD_QS_NONE);
    assert_int_equal(parcels_of(db, 987654321, &g), 0);
    ct_commit(db);
}

static pd_qs serial_insert_cb(pd_db *db, void *cls)
{
    struct pd_waybill *w = cls;
    return db->ops->waybill_insert(db, w);
}

static void test_waybill_serials_increase(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "SR", &n);
    ct_commit(db);
    uint64_t last = 0;
    for (int i = 0; i < 200; i++) {
        struct pd_waybill w;
        wb_fill(&w, n.out_a.id);
        assert_int_equal(pd_tx_run(ct_store, "serial", false, serial_insert_cb, &w), PD_QS_ONE);
        uint64_t serial = 0;
        assert_true(pd_waybill_no_parse(w.waybill_no, &serial));
        if (serial <= last)
            fail_msg("insert %d: serial %llu after %llu", i, (unsigned long long)serial,
                     (unsigned long long)last);
        last = serial;
    }
}

#define SC_THREADS 2
#define SC_EACH    100

struct sc_thread {
    int64_t node_id;
    int i;
    int failures;
    pd_qs last_failure;
    char no[SC_EACH][PD_WB_NO_SIZE];
};

static pd_qs sc_insert(pd_db *db, void *cls)
{
    struct sc_thread *t = cls;
    struct pd_waybill w;
    wb_fill(&w, t->node_id);
    pd_qs qs = db->ops->waybill_insert(db, &w);
    if (qs >= 0) /* a retried try overwrites: the committed one is last */
        memcpy(t->no[t->i], w.waybill_no, PD_WB_NO_SIZE);
    return qs;
}

static void *sc_main(void *p)
{
    struct sc_thread *t = p;
    for (t->i = 0; t->i < SC_EACH; t->i++) {
        pd_qs qs = pd_tx_run(ct_store, "concurrent waybill", false, sc_insert, t);
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

static void test_waybill_serials_concurrent(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "SC", &n);
    ct_commit(db);
    static struct sc_thread t[SC_THREADS];
    pthread_t th[SC_THREADS];
    for (int i = 0; i < SC_THREADS; i++) {
        memset(&t[i], 0, sizeof t[i]);
        t[i].node_id = n.out_a.id;
        assert_int_equal(pthread_create(&th[i], NULL, sc_main, &t[i]), 0);
    }
    for (int i = 0; i < SC_THREADS; i++)
        pthread_join(th[i], NULL);
    static char all[SC_THREADS * SC_EACH][PD_WB_NO_SIZE];
    for (int i = 0; i < SC_THREADS; i++) {
        if (t[i].failures)
            fail_msg("thread %d: %d failed inserts (last %d)", i, t[i].failures,
                     (int)t[i].last_failure);
        memcpy(all[i * SC_EACH], t[i].no, sizeof t[i].no);
    }
    qsort(all, SC_THREADS * SC_EACH, PD_WB_NO_SIZE, cmp_no);
    for (int i = 0; i < SC_THREADS * SC_EACH; i++) {
        assert_true(pd_waybill_no_valid(all[i]));
        if (i > 0 && strcmp(all[i - 1], all[i]) == 0)
            fail_msg("waybill number %s drawn twice", all[i]);
    }
    /* And every one of them is stored. */
    db = ct_begin(ct_store);
    struct wb_got g;
    for (int i = 0; i < SC_THREADS * SC_EACH; i++)
        assert_int_equal(wb_get(db, all[i], false, &g), PD_QS_ONE);
    ct_commit(db);
}

/* A database of its own: the serial is rewound and run to its end, which
 * would disturb every other test sharing ct_store. */
static void test_waybill_number_clash_and_end(void **state)
{
    pd_store *st = ct_open_fresh_migrated();
    pd_db *db = ct_begin(st);
    struct net n;
    net_new(db, "NC", &n);
    struct pd_waybill w;
    wb_fill(&w, n.out_a.id);
    wb_insert(db, &w);
    uint64_t serial = 0;
    assert_true(pd_waybill_no_parse(w.waybill_no, &serial));
    assert_int_equal(serial, 1);
    ct_commit(db);

    /* Rewound counter: the number drawn again is a clash with the first
     * waybill, which is HARD (not SOFT: retrying could not help). */
    assert_true(ct_exec(st, ct_is_pg() ? "SELECT setval('waybill_serial_seq', 1, false)"
                                       : "UPDATE waybill_serial SET next = 1") >= 0);
    db = ct_begin(st);
    struct pd_waybill again;
    wb_fill(&again, n.out_a.id);
    assert_int_equal(db->ops->waybill_insert(db, &again), PD_QS_HARD);
    ct_rollback(db);

    /* The last 12-digit serial is the last one handed out. */
    assert_true(ct_exec(st, ct_is_pg() ? "SELECT setval('waybill_serial_seq', 999999999998)"
                                       : "UPDATE waybill_serial SET next = 999999999999") >= 0);
    db = ct_begin(st);
    struct pd_waybill last;
    wb_fill(&last, n.out_a.id);
    wb_insert(db, &last);
    assert_true(pd_waybill_no_parse(last.waybill_no, &serial));
    assert_int_equal(serial, 999999999999ULL);
    ct_commit(db);
    db = ct_begin(st);
    struct pd_waybill past;
    wb_fill(&past, n.out_a.id);
    assert_int_equal(db->ops->waybill_insert(db, &past), PD_QS_HARD);
    ct_rollback(db);
    pd_store_close(st);
}

/* ---- idempotency ---------------------------------------------------------------- */

/* What a handler does: look the key up first, insert only when absent. */
struct idem_flow {
    struct pd_waybill w;
    struct wb_got found;
    bool inserted;
};

static pd_qs idem_flow_cb(pd_db *db, void *cls)
{
    struct idem_flow *f = cls;
    memset(&f->found, 0, sizeof f->found);
    f->inserted = false;
    pd_qs qs =
        db->ops->waybill_get_by_idem(db, f->w.idem_actor, f->w.idem_key, wb_capture, &f->found);
    if (qs != PD_QS_NONE)
        return qs;
    struct pd_waybill w = f->w;
    if ((qs = db->ops->waybill_insert(db, &w)) < 0)
        return qs;
    f->inserted = true;
    f->w = w;
    return qs;
}

static void test_waybill_idempotency(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "ID", &n);
    struct pd_waybill first, twin, other_actor, nokey1, nokey2;
    wb_fill(&first, n.out_a.id);
    snprintf(first.idem_actor, sizeof first.idem_actor, "u:%lld", (long long)n.clerk.id);
    snprintf(first.idem_key, sizeof first.idem_key, "key-%d", ct_seq());
    wb_insert(db, &first);
    ct_commit(db);

    /* The same (actor, key) again: SOFT, and nothing of it is written. */
    db = ct_begin(ct_store);
    wb_fill(&twin, n.br_b.id);
    memcpy(twin.idem_actor, first.idem_actor, sizeof twin.idem_actor);
    memcpy(twin.idem_key, first.idem_key, sizeof twin.idem_key);
    assert_int_equal(db->ops->waybill_insert(db, &twin), PD_QS_SOFT);
    assert_int_equal(twin.id, 0);
    assert_string_equal(twin.waybill_no, "");
    struct wb_got g;
    struct pd_waybill_filter f = {.node_path = n.hq.path, .state = -1, .phone = twin.sender_phone};
    assert_int_equal(wb_list(db, &f, &g), 0);
    f = (struct pd_waybill_filter){.node_path = n.br_b.path, .state = -1};
    assert_int_equal(wb_list(db, &f, &g), 0);
    /* The look-up finds the first. */
    memset(&g, 0, sizeof g);
    assert_int_equal(
        db->ops->waybill_get_by_idem(db, first.idem_actor, first.idem_key, wb_capture, &g),
        PD_QS_ONE);
    assert_int_equal(g.w.id, first.id);
    assert_string_equal(g.w.waybill_no, first.waybill_no);
    ct_rollback(db);

    /* Another actor may use the same key; requests without a key never
     * collide; an empty key finds nothing. */
    db = ct_begin(ct_store);
    wb_fill(&other_actor, n.out_a.id);
    snprintf(other_actor.idem_actor, sizeof other_actor.idem_actor, "k:%lld",
             (long long)n.clerk.id);
    memcpy(other_actor.idem_key, first.idem_key, sizeof other_actor.idem_key);
    wb_insert(db, &other_actor);
    assert_true(other_actor.id != first.id);
    wb_fill(&nokey1, n.out_a.id);
    memcpy(nokey1.idem_actor, first.idem_actor, sizeof nokey1.idem_actor);
    wb_insert(db, &nokey1);
    wb_fill(&nokey2, n.out_a.id);
    memcpy(nokey2.idem_actor, first.idem_actor, sizeof nokey2.idem_actor);
    wb_insert(db, &nokey2);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->waybill_get_by_idem(db, first.idem_actor, "", wb_capture, &g),
                     PD_QS_NONE);
    assert_int_equal(g.n, 0);
    ct_commit(db);

    /* Through the runner, as a handler: the first run inserts, the repeat
     * finds it. */
    struct idem_flow fl;
    wb_fill(&fl.w, n.out_a.id);
    snprintf(fl.w.idem_actor, sizeof fl.w.idem_actor, "k:7");
    snprintf(fl.w.idem_key, sizeof fl.w.idem_key, "flow-%d", ct_seq());
    assert_int_equal(pd_tx_run(ct_store, "idem", false, idem_flow_cb, &fl), PD_QS_ONE);
    assert_true(fl.inserted);
    int64_t id = fl.w.id;
    fl.w.id = 0;
    assert_int_equal(pd_tx_run(ct_store, "idem again", false, idem_flow_cb, &fl), PD_QS_ONE);
    assert_false(fl.inserted);
    assert_int_equal(fl.found.w.id, id);
}

/* ---- update with the optimistic lock ------------------------------------------------- */

static void test_waybill_update(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "UP", &n);
    struct pd_customer cu;
    customer_new(db, n.out_a.id, "上海某贸易公司", &cu);
    struct pd_waybill w;
    wb_fill(&w, n.out_a.id);
    snprintf(w.idem_actor, sizeof w.idem_actor, "u:1");
    snprintf(w.idem_key, sizeof w.idem_key, "up-%d", ct_seq());
    snprintf(w.idem_hash, sizeof w.idem_hash, "%064d", 7);
    w.parcels = 2;
    w.created_by = n.clerk.id;
    wb_insert(db, &w);

    struct pd_waybill u = w;
    u.state = PD_ORDER_PICKUP_ASSIGNED;
    snprintf(u.service, sizeof u.service, "express");
    snprintf(u.payment, sizeof u.payment, "receiver");
    u.customer_id = cu.id;
    snprintf(u.customer_ref, sizeof u.customer_ref, "NEW-REF");
    phone_new(u.sender_phone);
    phone_new(u.recipient_phone);
    u.origin_division = 110101;
    u.dest_division = 120101;
    u.weight_g = 5000;
    u.chargeable_weight_g = 6000;
    u.total_fen = 4200;
    u.cod_fen = 100;
    u.declared_value_fen = 200;
    u.pickup_from_ms = 1;
    u.pickup_to_ms = 2;
    u.promised_pickup_ms = 3;
    u.promised_delivery_ms = 4;
    snprintf(u.fingerprint, sizeof u.fingerprint, "fp-updated");
    u.courier_id = n.courier.id;
    u.updated_ms = w.created_ms + 5000;
    u.doc = "{\"v\":2}";
    u.quote = "{\"total_fen\":4200}";
    u.review = "[]";
    /* Not mutable: these must not change even when the struct says so. */
    snprintf(u.channel, sizeof u.channel, "fax");
    u.node_id = n.br_b.id;
    u.parcels = 9;
    snprintf(u.idem_key, sizeof u.idem_key, "changed");
    u.created_by = 0;
    u.created_ms = 1;
    assert_int_equal(db->ops->waybill_update(db, &u, 1), PD_QS_ONE);

    struct wb_got g;
    assert_int_equal(wb_get(db, w.waybill_no, false, &g), PD_QS_ONE);
    struct pd_waybill want = u;
    want.version = 2;
    memcpy(want.channel, w.channel, sizeof want.channel);
    want.node_id = w.node_id;
    want.parcels = w.parcels;
    memcpy(want.idem_key, w.idem_key, sizeof want.idem_key);
    want.created_by = w.created_by;
    want.created_ms = w.created_ms;
    assert_waybill_equal(&g.w, &want);
    assert_string_equal(g.w.customer_code, cu.code);

    /* A stale version changes nothing; back to walk-in with the right one. */
    u.state = PD_ORDER_CANCELLED;
    assert_int_equal(db->ops->waybill_update(db, &u, 1), PD_QS_NONE);
    assert_int_equal(wb_get(db, w.waybill_no, false, &g), PD_QS_ONE);
    assert_int_equal(g.w.state, PD_ORDER_PICKUP_ASSIGNED);
    assert_int_equal(g.w.version, 2);
    u.customer_id = 0;
    u.courier_id = 0;
    assert_int_equal(db->ops->waybill_update(db, &u, 2), PD_QS_ONE);
    assert_int_equal(wb_get(db, w.waybill_no, false, &g), PD_QS_ONE);
    assert_int_equal(g.w.state, PD_ORDER_CANCELLED);
    assert_int_equal(g.w.version, 3);
    assert_int_equal(g.w.customer_id, 0);
    assert_string_equal(g.w.customer_code, "");
    assert_int_equal(g.w.courier_id, 0);
    u.id = 987654321;
    assert_int_equal(db->ops->waybill_update(db, &u, 3), PD_QS_NONE);
    ct_commit(db);
}

/* ---- listing ------------------------------------------------------------------------- */

struct list_fx {
    struct net n;
    struct pd_customer cu;
    char p1[32], p2[32], p3[32], ref[65];
    struct pd_waybill w[5];
};

/* Five waybills, at least 2 ms apart so that created_ms orders them:
 *   w0 out_a  sender p1 → p2   accepted   ref
 *   w1 br_a   sender p3 → p1   in_review
 *   w2 br_b   sender p1        accepted   (another branch)
 *   w3 out_a                   cancelled  customer, courier
 *   w4 out_a                   accepted                       */
static void list_fixture(pd_db *db, struct list_fx *x)
{
    net_new(db, "LS", &x->n);
    customer_new(db, x->n.out_a.id, "列表客户", &x->cu);
    phone_new(x->p1);
    phone_new(x->p2);
    phone_new(x->p3);
    snprintf(x->ref, sizeof x->ref, "REF-%d", ct_seq());
    const int64_t nodes[5] = {x->n.out_a.id, x->n.br_a.id, x->n.br_b.id, x->n.out_a.id,
                              x->n.out_a.id};
    for (int i = 0; i < 5; i++)
        wb_fill(&x->w[i], nodes[i]);
    memcpy(x->w[0].sender_phone, x->p1, 32);
    memcpy(x->w[0].recipient_phone, x->p2, 32);
    snprintf(x->w[0].customer_ref, sizeof x->w[0].customer_ref, "%s", x->ref);
    memcpy(x->w[1].sender_phone, x->p3, 32);
    memcpy(x->w[1].recipient_phone, x->p1, 32);
    x->w[1].state = PD_ORDER_IN_REVIEW;
    memcpy(x->w[2].sender_phone, x->p1, 32);
    x->w[3].state = PD_ORDER_CANCELLED;
    x->w[3].customer_id = x->cu.id;
    x->w[3].courier_id = x->n.courier.id;
    for (int i = 0; i < 5; i++) {
        if (i)
            sleep_ms(3);
        wb_insert(db, &x->w[i]);
    }
}

static void test_waybill_list_filters(void **state)
{
    pd_db *db = ct_begin(ct_store);
    static struct list_fx x;
    list_fixture(db, &x);
    const struct pd_waybill *w = x.w;
    struct wb_got g;
    struct pd_waybill_filter f = {.node_path = x.n.hq.path, .state = -1};

    assert_int_equal(wb_list(db, &f, &g), 5);
    assert_ids(&g, 5, (int64_t[]){w[4].id, w[3].id, w[2].id, w[1].id, w[0].id});
    assert_string_equal(g.w.node_path, x.n.out_a.path); /* the last row is w0 */
    /* Subtree: br_b's waybill is not in br_a's list, and the other way. */
    f.node_path = x.n.br_a.path;
    assert_int_equal(wb_list(db, &f, &g), 4);
    assert_ids(&g, 4, (int64_t[]){w[4].id, w[3].id, w[1].id, w[0].id});
    f.node_path = x.n.br_b.path;
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[2].id});
    /* A deep subtree (a backend may plan it differently from a wide one). */
    f.node_path = x.n.out_a.path;
    assert_int_equal(wb_list(db, &f, &g), 3);
    assert_ids(&g, 3, (int64_t[]){w[4].id, w[3].id, w[0].id});
    f.before_id = w[3].id;
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[0].id});

    /* Phone on either side, scoped. */
    f = (struct pd_waybill_filter){.node_path = x.n.hq.path, .state = -1, .phone = x.p1};
    assert_int_equal(wb_list(db, &f, &g), 3);
    assert_ids(&g, 3, (int64_t[]){w[2].id, w[1].id, w[0].id});
    f.node_path = x.n.br_a.path;
    assert_int_equal(wb_list(db, &f, &g), 2);
    assert_ids(&g, 2, (int64_t[]){w[1].id, w[0].id});
    f.phone = x.p2; /* recipient only */
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[0].id});
    /* Phone with a second filter and with a page cursor. */
    f = (struct pd_waybill_filter){
        .node_path = x.n.hq.path, .state = PD_ORDER_IN_REVIEW, .phone = x.p1};
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[1].id});
    f = (struct pd_waybill_filter){
        .node_path = x.n.hq.path, .state = -1, .phone = x.p1, .before_id = w[2].id, .limit = 1};
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[1].id});

    /* State, customer reference (exact only), customer, courier. */
    f = (struct pd_waybill_filter){.node_path = x.n.hq.path, .state = PD_ORDER_ACCEPTED};
    assert_int_equal(wb_list(db, &f, &g), 3);
    assert_ids(&g, 3, (int64_t[]){w[4].id, w[2].id, w[0].id});
    f.state = PD_ORDER_PICKED_UP;
    assert_int_equal(wb_list(db, &f, &g), 0);
    f = (struct pd_waybill_filter){.node_path = x.n.hq.path, .state = -1, .customer_ref = x.ref};
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[0].id});
    f.customer_ref = "REF-";
    assert_int_equal(wb_list(db, &f, &g), 0);
    f = (struct pd_waybill_filter){.node_path = x.n.hq.path, .state = -1, .customer_id = x.cu.id};
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[3].id});
    assert_string_equal(g.w.customer_code, x.cu.code);
    f = (struct pd_waybill_filter){
        .node_path = x.n.hq.path, .state = -1, .courier_id = x.n.courier.id};
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[3].id});
    f.state = PD_ORDER_ACCEPTED; /* courier and state together */
    assert_int_equal(wb_list(db, &f, &g), 0);

    /* Created in [from, to). */
    f = (struct pd_waybill_filter){.node_path = x.n.hq.path,
                                   .state = -1,
                                   .from_ms = w[1].created_ms,
                                   .to_ms = w[3].created_ms};
    assert_int_equal(wb_list(db, &f, &g), 2);
    assert_ids(&g, 2, (int64_t[]){w[2].id, w[1].id});
    f.to_ms = 0; /* open end */
    assert_int_equal(wb_list(db, &f, &g), 4);
    f = (struct pd_waybill_filter){.node_path = x.n.hq.path, .state = -1, .to_ms = w[1].created_ms};
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[0].id});
    ct_commit(db);
}

static void test_waybill_list_pages(void **state)
{
    pd_db *db = ct_begin(ct_store);
    static struct list_fx x;
    list_fixture(db, &x);
    const struct pd_waybill *w = x.w;
    struct wb_got g;
    struct pd_waybill_filter f = {.node_path = x.n.hq.path, .state = -1, .limit = 2};
    assert_int_equal(wb_list(db, &f, &g), 2);
    assert_ids(&g, 2, (int64_t[]){w[4].id, w[3].id});
    f.before_id = g.ids[1];
    assert_int_equal(wb_list(db, &f, &g), 2);
    assert_ids(&g, 2, (int64_t[]){w[2].id, w[1].id});
    f.before_id = g.ids[1];
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[0].id});
    f.before_id = g.ids[0];
    assert_int_equal(wb_list(db, &f, &g), 0);
    /* Pages of a filtered list. */
    f = (struct pd_waybill_filter){
        .node_path = x.n.hq.path, .state = PD_ORDER_ACCEPTED, .limit = 2};
    assert_int_equal(wb_list(db, &f, &g), 2);
    assert_ids(&g, 2, (int64_t[]){w[4].id, w[2].id});
    f.before_id = w[2].id;
    assert_int_equal(wb_list(db, &f, &g), 1);
    assert_ids(&g, 1, (int64_t[]){w[0].id});
    ct_commit(db);
}

static int wb_stop(void *cls, const struct pd_waybill *w)
{
    (*(int *)cls)++;
    return PD_QS_ABORT;
}

static void test_waybill_list_callback_stops(void **state)
{
    pd_db *db = ct_begin(ct_store);
    static struct list_fx x;
    list_fixture(db, &x);
    struct pd_waybill_filter f = {.node_path = x.n.hq.path, .state = -1};
    int calls = 0;
    assert_int_equal(db->ops->waybill_list(db, &f, wb_stop, &calls), PD_QS_ABORT);
    assert_int_equal(calls, 1);
    ct_commit(db);
}

/* ---- duplicates ------------------------------------------------------------------------ */

static void test_waybill_find_duplicate(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "DP", &n);
    char fp[65], fp_cancelled[65], no[PD_WB_NO_SIZE];
    snprintf(fp, sizeof fp, "%064d", ct_seq());
    snprintf(fp_cancelled, sizeof fp_cancelled, "%064d", ct_seq());
    struct pd_waybill a, b, c;
    wb_fill(&a, n.out_a.id);
    memcpy(a.fingerprint, fp, sizeof fp);
    wb_insert(db, &a);
    assert_int_equal(db->ops->waybill_find_duplicate(db, fp, a.created_ms - 60000, no), PD_QS_ONE);
    assert_string_equal(no, a.waybill_no);
    assert_int_equal(db->ops->waybill_find_duplicate(db, fp, a.created_ms, no), PD_QS_ONE);
    /* Older than the window: not a duplicate. */
    assert_int_equal(db->ops->waybill_find_duplicate(db, fp, a.created_ms + 1, no), PD_QS_NONE);
    assert_string_equal(no, "");
    /* The newest of two open ones is named. */
    sleep_ms(3);
    wb_fill(&b, n.out_a.id);
    memcpy(b.fingerprint, fp, sizeof fp);
    wb_insert(db, &b);
    assert_int_equal(db->ops->waybill_find_duplicate(db, fp, a.created_ms, no), PD_QS_ONE);
    assert_string_equal(no, b.waybill_no);
    /* A cancelled order is not a duplicate. */
    wb_fill(&c, n.out_a.id);
    c.state = PD_ORDER_CANCELLED;
    memcpy(c.fingerprint, fp_cancelled, sizeof fp_cancelled);
    wb_insert(db, &c);
    assert_int_equal(db->ops->waybill_find_duplicate(db, fp_cancelled, 0, no), PD_QS_NONE);
    /* No fingerprint matches nothing, not every order without one. */
    assert_int_equal(db->ops->waybill_find_duplicate(db, "", 0, no), PD_QS_NONE);
    ct_commit(db);
}

/* ---- customers ------------------------------------------------------------------------- */

struct cu_got {
    int n;
    struct pd_customer c;
    bool contract_null;
    char contract[256];
    int64_t ids[16];
};

static int cu_capture(void *cls, const struct pd_customer *c)
{
    struct cu_got *g = cls;
    if (g->n < 16)
        g->ids[g->n] = c->id;
    g->n++;
    g->c = *c;
    g->contract_null = c->contract == NULL;
    snprintf(g->contract, sizeof g->contract, "%s", c->contract ? c->contract : "");
    g->c.contract = g->contract_null ? NULL : g->contract;
    return 0;
}

static pd_qs cu_get(pd_db *db, int64_t id, struct cu_got *g)
{
    memset(g, 0, sizeof *g);
    return db->ops->customer_get(db, id, cu_capture, g);
}

static int cu_list(pd_db *db, const char *path, const char *q, int64_t after, int limit,
                   struct cu_got *g)
{
    memset(g, 0, sizeof *g);
    pd_qs qs = db->ops->customer_list(db, path, q, after, limit, cu_capture, g);
    assert_true(qs >= 0);
    assert_int_equal(qs, g->n);
    return g->n;
}

static void test_customers(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "CU", &n);
    int k = ct_seq();
    struct pd_customer a = {0}, b = {0}, c = {0}, twin;
    /* Codes chosen so that code order differs from insertion order. */
    snprintf(a.code, sizeof a.code, "CU%06d-B", k);
    snprintf(a.name, sizeof a.name, "Alpha 电商");
    snprintf(a.phone, sizeof a.phone, "075588886666");
    a.node_id = n.out_a.id;
    a.monthly = true;
    a.active = true;
    bool dup = true;
    assert_int_equal(db->ops->customer_insert(db, &a, &dup), PD_QS_ONE);
    assert_false(dup);
    assert_true(a.created_ms > 0);
    snprintf(b.code, sizeof b.code, "CU%06d-A", k);
    snprintf(b.name, sizeof b.name, "Beta 贸易");
    b.node_id = n.br_a.id;
    b.contract = "{\"discount_pct\":12,\"note\":\"协议价\"}";
    assert_int_equal(db->ops->customer_insert(db, &b, &dup), PD_QS_ONE);
    snprintf(c.code, sizeof c.code, "CU%06d-C", k);
    snprintf(c.name, sizeof c.name, "Gamma");
    c.node_id = n.br_b.id;
    c.active = true;
    assert_int_equal(db->ops->customer_insert(db, &c, &dup), PD_QS_ONE);
    twin = a;
    snprintf(twin.name, sizeof twin.name, "冒名");
    assert_int_equal(db->ops->customer_insert(db, &twin, &dup), PD_QS_NONE);
    assert_true(dup);

    struct cu_got g;
    assert_int_equal(cu_get(db, a.id, &g), PD_QS_ONE);
    assert_int_equal(g.c.id, a.id);
    assert_string_equal(g.c.code, a.code);
    assert_string_equal(g.c.name, "Alpha 电商");
    assert_string_equal(g.c.phone, a.phone);
    assert_int_equal(g.c.node_id, n.out_a.id);
    assert_string_equal(g.c.node_path, n.out_a.path);
    assert_true(g.c.monthly);
    assert_true(g.c.active);
    assert_int_equal(g.c.created_ms, a.created_ms);
    assert_true(g.contract_null);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->customer_get_by_code(db, b.code, cu_capture, &g), PD_QS_ONE);
    assert_int_equal(g.c.id, b.id);
    assert_false(g.c.monthly);
    assert_false(g.c.active);
    assert_false(g.contract_null);
    assert_string_equal(g.c.contract, b.contract);
    assert_int_equal(cu_get(db, 987654321, &g), PD_QS_NONE);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->customer_get_by_code(db, "NO-SUCH", cu_capture, &g), PD_QS_NONE);

    /* Lists: by code, scoped, searched (ASCII case folded, literal). */
    assert_int_equal(cu_list(db, n.hq.path, NULL, 0, 0, &g), 3);
    assert_int_equal(g.ids[0], b.id);
    assert_int_equal(g.ids[1], a.id);
    assert_int_equal(g.ids[2], c.id);
    assert_int_equal(cu_list(db, n.br_a.path, NULL, 0, 0, &g), 2);
    assert_int_equal(cu_list(db, n.hq.path, "alpha", 0, 0, &g), 1);
    assert_int_equal(g.ids[0], a.id);
    assert_int_equal(cu_list(db, n.hq.path, "贸易", 0, 0, &g), 1);
    assert_int_equal(g.ids[0], b.id);
    assert_int_equal(cu_list(db, n.hq.path, "-c", 0, 0, &g), 1);
    assert_int_equal(g.ids[0], c.id);
    assert_int_equal(cu_list(db, n.hq.path, "%", 0, 0, &g), 0);
    assert_int_equal(cu_list(db, n.hq.path, NULL, 0, 2, &g), 2);
    assert_int_equal(cu_list(db, n.hq.path, NULL, g.ids[1], 2, &g), 1);
    assert_int_equal(g.ids[0], c.id);

    /* Update: every mutable field, contract NULL → text → NULL. */
    struct pd_customer u = a;
    snprintf(u.name, sizeof u.name, "Alpha 电商（华南）");
    snprintf(u.phone, sizeof u.phone, "02088886666");
    u.node_id = n.br_b.id;
    u.monthly = false;
    u.active = false;
    u.contract = "{\"discount_pct\":5}";
    snprintf(u.code, sizeof u.code, "IGNORED");
    assert_int_equal(db->ops->customer_update(db, &u), PD_QS_ONE);
    assert_int_equal(cu_get(db, a.id, &g), PD_QS_ONE);
    assert_string_equal(g.c.code, a.code);
    assert_string_equal(g.c.name, "Alpha 电商（华南）");
    assert_string_equal(g.c.phone, "02088886666");
    assert_int_equal(g.c.node_id, n.br_b.id);
    assert_string_equal(g.c.node_path, n.br_b.path);
    assert_false(g.c.monthly);
    assert_false(g.c.active);
    assert_string_equal(g.c.contract, "{\"discount_pct\":5}");
    u.contract = NULL;
    assert_int_equal(db->ops->customer_update(db, &u), PD_QS_ONE);
    assert_int_equal(cu_get(db, a.id, &g), PD_QS_ONE);
    assert_true(g.contract_null);
    u.id = 987654321;
    assert_int_equal(db->ops->customer_update(db, &u), PD_QS_NONE);
    ct_commit(db);
}

/* ---- pickup tasks ----------------------------------------------------------------------- */

static void task_new(pd_db *db, const struct pd_waybill *w, const struct pd_user *courier,
                     int64_t due_ms, int64_t assigned_by, struct pd_pickup_task *t)
{
    memset(t, 0, sizeof *t);
    t->waybill_id = w->id;
    t->courier_id = courier->id;
    t->node_id = courier->node_id;
    t->area_division = 440305;
    t->state = PD_PICKUP_OPEN;
    t->assigned_ms = 1800000000000;
    t->due_ms = due_ms;
    t->assigned_by = assigned_by;
    assert_int_equal(db->ops->pickup_insert(db, t), PD_QS_ONE);
    assert_true(t->id > 0);
}

struct tasks_got {
    int n;
    struct pd_pickup_task v[16];
};

static int task_capture(void *cls, const struct pd_pickup_task *t)
{
    struct tasks_got *g = cls;
    if (g->n < 16)
        g->v[g->n] = *t;
    g->n++;
    return 0;
}

static int task_list(pd_db *db, const struct pd_pickup_filter *f, struct tasks_got *g)
{
    memset(g, 0, sizeof *g);
    pd_qs qs = db->ops->pickup_list(db, f, task_capture, g);
    assert_true(qs >= 0);
    assert_int_equal(qs, g->n);
    return g->n;
}

struct load_got {
    int n;
    int64_t courier[8], open[8];
};

static int load_capture(void *cls, int64_t courier_id, int64_t open)
{
    struct load_got *g = cls;
    if (g->n < 8) {
        g->courier[g->n] = courier_id;
        g->open[g->n] = open;
    }
    g->n++;
    return 0;
}

static void test_pickup_open_task(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "PK", &n);
    struct pd_waybill w;
    wb_fill(&w, n.out_a.id);
    wb_insert(db, &w);
    struct pd_pickup_task t, got;
    assert_int_equal(db->ops->pickup_get_open(db, w.id, &got), PD_QS_NONE);
    task_new(db, &w, &n.courier, 1800003600000, n.clerk.id, &t);
    assert_int_equal(db->ops->pickup_get_open(db, w.id, &got), PD_QS_ONE);
    assert_int_equal(got.id, t.id);
    assert_int_equal(got.waybill_id, w.id);
    assert_string_equal(got.waybill_no, w.waybill_no);
    assert_int_equal(got.courier_id, n.courier.id);
    assert_string_equal(got.courier_name, "快递员小李");
    assert_int_equal(got.node_id, n.out_a.id);
    assert_string_equal(got.node_path, n.out_a.path);
    assert_int_equal(got.area_division, 440305);
    assert_int_equal(got.state, PD_PICKUP_OPEN);
    assert_int_equal(got.assigned_ms, 1800000000000);
    assert_int_equal(got.due_ms, 1800003600000);
    assert_int_equal(got.done_ms, 0);
    assert_int_equal(got.assigned_by, n.clerk.id);
    ct_commit(db);

    /* A second open task for the same waybill is refused HARD: callers
     * check pickup_get_open under the waybill's lock first, so reaching
     * the unique index is a bug, and the transaction is rolled back. */
    db = ct_begin(ct_store);
    struct pd_pickup_task second = t;
    second.id = 0;
    second.courier_id = n.courier_b.id;
    assert_int_equal(db->ops->pickup_insert(db, &second), PD_QS_HARD);
    ct_rollback(db);

    /* Closing it frees the waybill for a new task; closed tasks stay. */
    db = ct_begin(ct_store);
    assert_int_equal(db->ops->pickup_set_state(db, t.id, PD_PICKUP_CANCELLED, 1800000100000),
                     PD_QS_ONE);
    assert_int_equal(db->ops->pickup_get_open(db, w.id, &got), PD_QS_NONE);
    struct pd_pickup_task again;
    task_new(db, &w, &n.courier_b, 1800007200000, 0, &again);
    assert_int_equal(db->ops->pickup_get_open(db, w.id, &got), PD_QS_ONE);
    assert_int_equal(got.id, again.id);
    assert_int_equal(got.assigned_by, 0);
    assert_string_equal(got.courier_name, "快递员小赵");
    struct tasks_got g;
    struct pd_pickup_filter f = {.node_path = n.hq.path, .state = PD_PICKUP_CANCELLED};
    assert_int_equal(task_list(db, &f, &g), 1);
    assert_int_equal(g.v[0].id, t.id);
    assert_int_equal(g.v[0].done_ms, 1800000100000);
    assert_int_equal(db->ops->pickup_set_state(db, 987654321, PD_PICKUP_DONE, 1), PD_QS_NONE);
    ct_commit(db);
}

static void test_pickup_list_and_load(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "PL", &n);
    struct pd_waybill w[5];
    struct pd_pickup_task t[5];
    /* Due times out of insertion order; t1 and t3 due at the same time. */
    const int64_t due[5] = {5000, 2000, 9000, 2000, 7000};
    for (int i = 0; i < 5; i++) {
        wb_fill(&w[i], n.out_a.id);
        wb_insert(db, &w[i]);
        task_new(db, &w[i], i == 4 ? &n.courier_b : &n.courier, 1800000000000 + due[i], 0, &t[i]);
    }
    assert_int_equal(db->ops->pickup_set_state(db, t[2].id, PD_PICKUP_DONE, 1800000009500),
                     PD_QS_ONE);

    struct tasks_got g;
    struct pd_pickup_filter f = {.node_path = n.hq.path, .state = -1};
    assert_int_equal(task_list(db, &f, &g), 5);
    const int order[5] = {1, 3, 0, 4, 2}; /* by due time, then id */
    for (int i = 0; i < 5; i++)
        assert_int_equal(g.v[i].id, t[order[i]].id);
    /* Pages over (due_ms, id), including across the tie. */
    f.limit = 1;
    assert_int_equal(task_list(db, &f, &g), 1);
    assert_int_equal(g.v[0].id, t[1].id);
    f.after_id = t[1].id;
    f.limit = 2;
    assert_int_equal(task_list(db, &f, &g), 2);
    assert_int_equal(g.v[0].id, t[3].id);
    assert_int_equal(g.v[1].id, t[0].id);
    f.after_id = t[2].id;
    assert_int_equal(task_list(db, &f, &g), 0);
    /* The late view: open tasks due before a time. */
    f = (struct pd_pickup_filter){
        .node_path = n.hq.path, .state = PD_PICKUP_OPEN, .due_before_ms = 1800000000000 + 6000};
    assert_int_equal(task_list(db, &f, &g), 3);
    assert_int_equal(g.v[2].id, t[0].id);
    /* By courier, and scoped to the courier's node. */
    f = (struct pd_pickup_filter){
        .node_path = n.hq.path, .state = -1, .courier_id = n.courier_b.id};
    assert_int_equal(task_list(db, &f, &g), 1);
    assert_int_equal(g.v[0].id, t[4].id);
    f = (struct pd_pickup_filter){.node_path = n.br_a.path, .state = -1};
    assert_int_equal(task_list(db, &f, &g), 4);
    f.node_path = n.br_b.path;
    assert_int_equal(task_list(db, &f, &g), 1);

    /* Load: open tasks per courier of a subtree (t2 is done). */
    struct load_got l = {0};
    assert_int_equal(db->ops->pickup_load(db, n.hq.path, load_capture, &l), 2);
    assert_int_equal(l.n, 2);
    int a = l.courier[0] == n.courier.id ? 0 : 1;
    assert_int_equal(l.courier[a], n.courier.id);
    assert_int_equal(l.open[a], 3);
    assert_int_equal(l.courier[1 - a], n.courier_b.id);
    assert_int_equal(l.open[1 - a], 1);
    memset(&l, 0, sizeof l);
    assert_int_equal(db->ops->pickup_load(db, n.br_b.path, load_capture, &l), 1);
    assert_int_equal(l.courier[0], n.courier_b.id);
    assert_int_equal(l.open[0], 1);
    memset(&l, 0, sizeof l);
    struct pd_node empty;
    ct_node(db, "PL-EMPTY-", PD_NODE_OUTLET, n.hq.id, &empty);
    assert_int_equal(db->ops->pickup_load(db, empty.path, load_capture, &l), 0);
    assert_int_equal(l.n, 0);
    ct_commit(db);
}

/* ---- inspections ---------------------------------------------------------------------- */

struct insp_got {
    int n;
    struct pd_inspection v[4];
    char detail[4][256];
};

static int insp_capture(void *cls, const struct pd_inspection *i)
{
    struct insp_got *g = cls;
    if (g->n < 4) {
        g->v[g->n] = *i;
        snprintf(g->detail[g->n], sizeof g->detail[0], "%s", i->detail);
        g->v[g->n].detail = g->detail[g->n];
    }
    g->n++;
    return 0;
}

static void test_inspections(void **state)
{
    pd_db *db = ct_begin(ct_store);
    struct net n;
    net_new(db, "IN", &n);
    struct pd_waybill w, other;
    wb_fill(&w, n.out_a.id);
    wb_insert(db, &w);
    wb_fill(&other, n.out_a.id);
    wb_insert(db, &other);
    struct pd_inspection later = {
        .waybill_id = w.id,
        .inspector_id = n.courier.id,
        .at_ms = 1800000600000,
        .goods_ok = true,
        .prohibited_found = false,
        .weight_before_g = 1200,
        .weight_after_g = 1350,
        .fee_before_fen = 1800,
        .fee_after_fen = 2100,
        .detail = "{\"packaging\":\"纸箱\",\"quantity\":2}",
    };
    struct pd_inspection earlier = {
        .waybill_id = w.id,
        .at_ms = 1800000000000,
        .goods_ok = false,
        .prohibited_found = true,
        .detail = NULL,
    };
    assert_int_equal(db->ops->inspection_insert(db, &later), PD_QS_ONE);
    assert_int_equal(db->ops->inspection_insert(db, &earlier), PD_QS_ONE);
    assert_true(later.id > 0 && earlier.id > later.id);

    struct insp_got g = {0};
    assert_int_equal(db->ops->inspection_list(db, w.id, insp_capture, &g), 2);
    assert_int_equal(g.n, 2);
    /* Oldest first by the time of inspection, not by insertion. */
    assert_int_equal(g.v[0].id, earlier.id);
    assert_int_equal(g.v[0].inspector_id, 0);
    assert_false(g.v[0].goods_ok);
    assert_true(g.v[0].prohibited_found);
    assert_string_equal(g.v[0].detail, "{}");
    const struct pd_inspection *i = &g.v[1];
    assert_int_equal(i->id, later.id);
    assert_int_equal(i->waybill_id, w.id);
    assert_int_equal(i->inspector_id, n.courier.id);
    assert_int_equal(i->at_ms, 1800000600000);
    assert_true(i->goods_ok);
    assert_false(i->prohibited_found);
    assert_int_equal(i->weight_before_g, 1200);
    assert_int_equal(i->weight_after_g, 1350);
    assert_int_equal(i->fee_before_fen, 1800);
    assert_int_equal(i->fee_after_fen, 2100);
    assert_string_equal(i->detail, later.detail);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->inspection_list(db, other.id, insp_capture, &g), 0);
    ct_commit(db);
}

const struct CMUnitTest ct_tests_orders[] = {
    cmocka_unit_test_teardown(test_waybill_round_trip, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_parcels, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_serials_increase, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_serials_concurrent, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_number_clash_and_end, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_idempotency, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_update, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_list_filters, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_list_pages, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_list_callback_stops, ct_cleanup),
    cmocka_unit_test_teardown(test_waybill_find_duplicate, ct_cleanup),
    cmocka_unit_test_teardown(test_customers, ct_cleanup),
    cmocka_unit_test_teardown(test_pickup_open_task, ct_cleanup),
    cmocka_unit_test_teardown(test_pickup_list_and_load, ct_cleanup),
    cmocka_unit_test_teardown(test_inspections, ct_cleanup),
};
const size_t ct_tests_orders_n = sizeof ct_tests_orders / sizeof *ct_tests_orders;
