/* Contract tests of node service areas and kept idempotent answers
 * (store.h "service areas of nodes", "idempotent answers"), run on both
 * backends. */
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "core/order_lifecycle.h"

struct areas_got {
    int n;
    char div[8][8];
};

static int area_cb(void *cls, const char *d)
{
    struct areas_got *g = cls;
    if (g->n < 8)
        snprintf(g->div[g->n], sizeof g->div[0], "%s", d);
    g->n++;
    return 0;
}

static void test_areas_serving_node(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct pd_node prov, city, outlet, other;
    ct_node(db, "AR-P-", PD_NODE_BRANCH_L1, 0, &prov);
    ct_node(db, "AR-C-", PD_NODE_BRANCH_L3, prov.id, &city);
    ct_node(db, "AR-O-", PD_NODE_OUTLET, city.id, &outlet);
    ct_node(db, "AR-X-", PD_NODE_OUTLET, city.id, &other);
    /* Codes far from any real province keep this test clear of others' data. */
    const char *p[] = {"91"}, *c[] = {"9101"}, *o[] = {"910105", "910106"};
    assert_int_equal(db->ops->node_areas_set(db, prov.id, p, 1), PD_QS_ONE);
    assert_int_equal(db->ops->node_areas_set(db, city.id, c, 1), PD_QS_ONE);
    assert_int_equal(db->ops->node_areas_set(db, outlet.id, o, 2), PD_QS_ONE);

    struct pd_node got;
    /* The district's own node wins over its city and province. */
    assert_int_equal(db->ops->node_for_division(db, 910105, &got), PD_QS_ONE);
    assert_int_equal(got.id, outlet.id);
    assert_string_equal(got.code, outlet.code);
    assert_string_equal(got.path, outlet.path);
    assert_int_equal(got.type, PD_NODE_OUTLET);
    /* Another district of the city: the city's node. */
    assert_int_equal(db->ops->node_for_division(db, 910107, &got), PD_QS_ONE);
    assert_int_equal(got.id, city.id);
    /* Another city of the province: the province's node. */
    assert_int_equal(db->ops->node_for_division(db, 910201, &got), PD_QS_ONE);
    assert_int_equal(got.id, prov.id);
    /* Nobody serves it. */
    assert_int_equal(db->ops->node_for_division(db, 920101, &got), PD_QS_NONE);

    /* The same district listed by two nodes: the deeper one. */
    const char *x[] = {"910106"};
    assert_int_equal(db->ops->node_areas_set(db, other.id, x, 1), PD_QS_ONE);
    assert_int_equal(db->ops->node_for_division(db, 910106, &got), PD_QS_ONE);
    assert_true(got.id == outlet.id || got.id == other.id);

    /* Replace, list in order; an inactive node serves nothing. */
    const char *o2[] = {"910106", "910105", "910105"};
    assert_int_equal(db->ops->node_areas_set(db, outlet.id, o2, 3), PD_QS_ONE);
    struct areas_got g = {0};
    assert_int_equal(db->ops->node_areas_list(db, outlet.id, area_cb, &g), 2);
    assert_string_equal(g.div[0], "910105");
    assert_string_equal(g.div[1], "910106");
    assert_int_equal(db->ops->node_areas_set(db, outlet.id, NULL, 0), PD_QS_ONE);
    memset(&g, 0, sizeof g);
    assert_int_equal(db->ops->node_areas_list(db, outlet.id, area_cb, &g), 0);
    assert_int_equal(db->ops->node_for_division(db, 910105, &got), PD_QS_ONE);
    assert_int_equal(got.id, city.id);
    city.active = false;
    assert_true(db->ops->node_update(db, &city) >= 0);
    assert_int_equal(db->ops->node_for_division(db, 910105, &got), PD_QS_ONE);
    assert_int_equal(got.id, prov.id);
    ct_commit(db);
}

static void test_areas_refuse_bad_codes(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct pd_node n;
    ct_node(db, "AR-B-", PD_NODE_OUTLET, 0, &n);
    const char *bad[] = {"9101a"};
    assert_true(db->ops->node_areas_set(db, n.id, bad, 1) < 0);
    ct_rollback(db);
    db = ct_begin(ct_store);
    const char *bad2[] = {"910"};
    assert_true(db->ops->node_areas_set(db, n.id, bad2, 1) < 0);
    ct_rollback(db);
}

struct answer_got {
    int n;
    char text[128];
};

static int answer_cb(void *cls, const char *a)
{
    struct answer_got *g = cls;
    g->n++;
    snprintf(g->text, sizeof g->text, "%s", a);
    return 0;
}

static void test_idem_answers(void **state)
{
    (void)state;
    pd_db *db = ct_begin(ct_store);
    struct pd_node n;
    ct_node(db, "AR-W-", PD_NODE_OUTLET, 0, &n);
    struct pd_waybill w = {.state = PD_ORDER_ACCEPTED,
                           .node_id = n.id,
                           .parcels = 1,
                           .origin_division = 440305,
                           .dest_division = 310115,
                           .weight_g = 1,
                           .doc = "{}",
                           .quote = "{}",
                           .review = "[]"};
    snprintf(w.channel, sizeof w.channel, "api");
    snprintf(w.service, sizeof w.service, "standard");
    snprintf(w.payment, sizeof w.payment, "sender");
    assert_int_equal(db->ops->waybill_insert(db, &w), PD_QS_ONE);
    struct answer_got g = {0};
    assert_int_equal(db->ops->idem_answer_get(db, w.id, answer_cb, &g), PD_QS_NONE);
    assert_int_equal(g.n, 0);
    assert_int_equal(db->ops->idem_answer_put(db, w.id, "{\"first\":\"答\"}"), PD_QS_ONE);
    /* The first answer stays: a second put changes nothing. */
    assert_int_equal(db->ops->idem_answer_put(db, w.id, "{\"second\":1}"), PD_QS_NONE);
    assert_int_equal(db->ops->idem_answer_get(db, w.id, answer_cb, &g), PD_QS_ONE);
    assert_string_equal(g.text, "{\"first\":\"答\"}");
    ct_commit(db);
}

const struct CMUnitTest ct_tests_areas[] = {
    cmocka_unit_test_teardown(test_areas_serving_node, ct_cleanup),
    cmocka_unit_test_teardown(test_areas_refuse_bad_codes, ct_cleanup),
    cmocka_unit_test_teardown(test_idem_answers, ct_cleanup),
};
const size_t ct_tests_areas_n = sizeof ct_tests_areas / sizeof *ct_tests_areas;
