/*
 * Contract tests of the goods list (禁寄/限寄物品): the migration's empty
 * list, zero stamp and goods.manage grants; upsert (insert, update through
 * another ASCII case, the updater's name, NULL for the system); the seed's
 * insert-unless-present; look-ups that fold ASCII and nothing else; the
 * list's byte order with inactive rules; the table refusing rows the matcher
 * would refuse; the stamp moving with every change, plain SQL included; and
 * two "processes" seeding the same list at once.
 */
#include "contract.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "core/screening.h"

static pd_store *st;

static int goods_setup(void **state)
{
    st = ct_open_fresh_migrated();
    return 0;
}

static int goods_teardown(void **state)
{
    ct_cleanup(state);
    pd_store_close(st);
    st = NULL;
    return 0;
}

static struct pd_goods_rule_rec rule(const char *term, const char *category, int level,
                                     const char *condition)
{
    struct pd_goods_rule_rec r;
    memset(&r, 0, sizeof r);
    snprintf(r.term, sizeof r.term, "%s", term);
    snprintf(r.category, sizeof r.category, "%s", category);
    r.level = level;
    snprintf(r.condition, sizeof r.condition, "%s", condition ? condition : "");
    r.active = true;
    r.updated_ms = 1700000000000;
    return r;
}

static struct pd_goods_stamp stamp_of(pd_db *db)
{
    struct pd_goods_stamp s = {-1, -1};
    assert_int_equal(db->ops->goods_stamp(db, &s), PD_QS_ONE);
    return s;
}

struct seen_rules {
    int n;
    char terms[16][PD_GOODS_TERM_SIZE];
    bool active[16];
    int stop_after;
};

static int collect_rule(void *cls, const struct pd_goods_rule_rec *r)
{
    struct seen_rules *s = cls;
    if (s->n < 16) {
        snprintf(s->terms[s->n], sizeof s->terms[0], "%s", r->term);
        s->active[s->n] = r->active;
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after ? PD_QS_HARD : 0;
}

struct grants {
    int goods_manage;
    bool admin, manager, supervisor;
};

static int collect_grant(void *cls, const char *role, const char *perm)
{
    struct grants *g = cls;
    if (strcmp(perm, "goods.manage") != 0)
        return 0;
    g->goods_manage++;
    g->admin |= !strcmp(role, "admin");
    g->manager |= !strcmp(role, "manager");
    g->supervisor |= !strcmp(role, "supervisor");
    return 0;
}

static void test_goods_migration_starts_empty(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_goods_stamp s = stamp_of(db);
    assert_int_equal(s.version, 0);
    assert_int_equal(s.count, 0);
    struct seen_rules seen = {0};
    assert_int_equal(db->ops->goods_rule_list(db, collect_rule, &seen), 0);
    assert_int_equal(seen.n, 0);
    struct grants g = {0};
    assert_true(db->ops->perm_list(db, collect_grant, &g) > 0);
    assert_int_equal(g.goods_manage, 3);
    assert_true(g.admin && g.manager && g.supervisor);
    ct_rollback(db);
}

static void test_goods_upsert_insert_then_update(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_user u;
    struct pd_node n;
    ct_node(db, "GD-HQ-", PD_NODE_HEAD_OFFICE, 0, &n);
    ct_user(db, "goods.editor", "清单维护员", PD_ROLE_SUPERVISOR, n.id, &u);
    struct pd_goods_stamp s0 = stamp_of(db);

    struct pd_goods_rule_rec r = rule("Lithium Battery", "锂电池", PD_GOODS_RESTRICTED, "≤100Wh");
    snprintf(r.note, sizeof r.note, "%s", "含充电宝");
    r.updated_by = u.id;
    bool created = false;
    assert_int_equal(db->ops->goods_rule_upsert(db, &r, &created), PD_QS_ONE);
    assert_true(created);
    assert_true(r.id > 0);
    struct pd_goods_stamp s1 = stamp_of(db);
    assert_true(s1.version > s0.version);
    assert_int_equal(s1.count, 1);

    struct pd_goods_rule_rec got;
    assert_int_equal(db->ops->goods_rule_get(db, "lithium battery", &got), PD_QS_ONE);
    assert_int_equal(got.id, r.id);
    assert_string_equal(got.term, "Lithium Battery");
    assert_string_equal(got.category, "锂电池");
    assert_int_equal(got.level, PD_GOODS_RESTRICTED);
    assert_string_equal(got.condition, "≤100Wh");
    assert_string_equal(got.note, "含充电宝");
    assert_true(got.active);
    assert_int_equal(got.updated_ms, 1700000000000);
    assert_int_equal(got.updated_by, u.id);
    assert_string_equal(got.updated_by_name, "goods.editor");

    /* The same term in another ASCII case is the same rule: every field,
     * the spelling included, becomes the new one. */
    struct pd_goods_rule_rec up = rule("LITHIUM battery", "危险品", PD_GOODS_PROHIBITED, NULL);
    up.active = false;
    up.updated_ms = 1700000001000;
    assert_int_equal(db->ops->goods_rule_upsert(db, &up, &created), PD_QS_ONE);
    assert_false(created);
    assert_int_equal(up.id, r.id);
    struct pd_goods_stamp s2 = stamp_of(db);
    assert_true(s2.version > s1.version);
    assert_int_equal(s2.count, 1);
    assert_int_equal(db->ops->goods_rule_get(db, "Lithium Battery", &got), PD_QS_ONE);
    assert_string_equal(got.term, "LITHIUM battery");
    assert_string_equal(got.category, "危险品");
    assert_int_equal(got.level, PD_GOODS_PROHIBITED);
    assert_string_equal(got.condition, "");
    assert_string_equal(got.note, "");
    assert_false(got.active);
    assert_int_equal(got.updated_ms, 1700000001000);
    /* The system (the seed) is stored as no user. */
    assert_int_equal(got.updated_by, 0);
    assert_string_equal(got.updated_by_name, "");
    ct_rollback(db);
}

static void test_goods_insert_new_keeps_existing(void **state)
{
    pd_db *db = ct_begin(st);
    struct pd_goods_rule_rec a = rule("烟花", "爆炸物品", PD_GOODS_PROHIBITED, NULL);
    assert_int_equal(db->ops->goods_rule_insert_new(db, &a), PD_QS_ONE);
    assert_true(a.id > 0);
    struct pd_goods_rule_rec again = rule("烟花", "别的类别", PD_GOODS_RESTRICTED, "条件");
    again.id = -7;
    assert_int_equal(db->ops->goods_rule_insert_new(db, &again), PD_QS_NONE);
    assert_int_equal(again.id, -7); /* untouched when nothing was inserted */
    struct pd_goods_rule_rec b = rule("Gasoline", "易燃易爆物品", PD_GOODS_PROHIBITED, NULL);
    assert_int_equal(db->ops->goods_rule_insert_new(db, &b), PD_QS_ONE);
    struct pd_goods_rule_rec b2 = rule("gASOLINE", "x", PD_GOODS_PROHIBITED, NULL);
    assert_int_equal(db->ops->goods_rule_insert_new(db, &b2), PD_QS_NONE);

    struct pd_goods_rule_rec got;
    assert_int_equal(db->ops->goods_rule_get(db, "烟花", &got), PD_QS_ONE);
    assert_string_equal(got.category, "爆炸物品");
    assert_int_equal(got.level, PD_GOODS_PROHIBITED);
    assert_int_equal(db->ops->goods_rule_get(db, "GASOLINE", &got), PD_QS_ONE);
    assert_string_equal(got.term, "Gasoline");
    assert_int_equal(stamp_of(db).count, 2);
    ct_rollback(db);
}

static void test_goods_case_folds_ascii_only(void **state)
{
    /* The matcher folds A-Z and nothing else; so do uniqueness and look-ups,
     * whatever the database's locale would do with lower(). */
    pd_db *db = ct_begin(st);
    const char *terms[] = {"Äpfel", "äpfel", "ＡＢ", "ａｂ", "Ωmega", "ωmega"};
    for (size_t i = 0; i < sizeof terms / sizeof *terms; i++) {
        struct pd_goods_rule_rec r = rule(terms[i], "测试", PD_GOODS_PROHIBITED, NULL);
        bool created = false;
        assert_int_equal(db->ops->goods_rule_upsert(db, &r, &created), PD_QS_ONE);
        assert_true(created);
    }
    assert_int_equal(stamp_of(db).count, 6);
    struct pd_goods_rule_rec got;
    assert_int_equal(db->ops->goods_rule_get(db, "äPFEL", &got), PD_QS_ONE);
    assert_string_equal(got.term, "äpfel");
    assert_int_equal(db->ops->goods_rule_get(db, "ÄPFEL", &got), PD_QS_ONE);
    assert_string_equal(got.term, "Äpfel");
    assert_int_equal(db->ops->goods_rule_get(db, "ａＢ", &got), PD_QS_NONE);
    assert_int_equal(db->ops->goods_rule_get(db, "no such term", &got), PD_QS_NONE);
    ct_rollback(db);
}

static void test_goods_list_order_and_stop(void **state)
{
    pd_db *db = ct_begin(st);
    const char *terms[] = {"酒精", "b-term", "A-term", "汽油", "a-term2"};
    for (size_t i = 0; i < 5; i++) {
        struct pd_goods_rule_rec r = rule(terms[i], "测试", PD_GOODS_PROHIBITED, NULL);
        r.active = i != 1;
        bool created;
        assert_int_equal(db->ops->goods_rule_upsert(db, &r, &created), PD_QS_ONE);
    }
    struct seen_rules seen = {0};
    assert_int_equal(db->ops->goods_rule_list(db, collect_rule, &seen), 5);
    /* Byte order: ASCII upper case, then lower case, then UTF-8 (汽 E6 B1,
     * 酒 E9 85). Inactive rules are listed too. */
    const char *want[] = {"A-term", "a-term2", "b-term", "汽油", "酒精"};
    for (int i = 0; i < 5; i++)
        assert_string_equal(seen.terms[i], want[i]);
    assert_false(seen.active[2]);
    assert_true(seen.active[0]);

    struct seen_rules stop = {.stop_after = 2};
    assert_int_equal(db->ops->goods_rule_list(db, collect_rule, &stop), PD_QS_HARD);
    assert_int_equal(stop.n, 2);
    ct_rollback(db);
}

struct bad_row {
    struct pd_goods_rule_rec r;
    pd_qs qs;
};

static pd_qs upsert_cb(pd_db *db, void *cls)
{
    struct bad_row *b = cls;
    bool created;
    b->qs = db->ops->goods_rule_upsert(db, &b->r, &created);
    return b->qs;
}

static void test_goods_table_refuses_what_the_matcher_refuses(void **state)
{
    struct bad_row bad[] = {
        {rule("", "类别", PD_GOODS_PROHIBITED, NULL), 0},
        {rule(" padded", "类别", PD_GOODS_PROHIBITED, NULL), 0},
        {rule("padded ", "类别", PD_GOODS_PROHIBITED, NULL), 0},
        {rule("no category", "", PD_GOODS_PROHIBITED, NULL), 0},
        {rule("no condition", "类别", PD_GOODS_RESTRICTED, ""), 0},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        pd_qs qs = pd_tx_run(st, "bad goods row", false, upsert_cb, &bad[i]);
        if (qs != PD_QS_HARD)
            fail_msg("row %zu (\"%s\"): %d, want PD_QS_HARD", i, bad[i].r.term, (int)qs);
    }
    pd_db *db = ct_begin(st);
    assert_int_equal(stamp_of(db).count, 0);
    ct_rollback(db);
}

static pd_qs stamp_cb(pd_db *db, void *cls)
{
    return db->ops->goods_stamp(db, cls);
}

static void test_goods_stamp_moves_with_plain_sql(void **state)
{
    struct pd_goods_stamp s0, s1, s2;
    struct bad_row b = {rule("雷管", "爆炸物品", PD_GOODS_PROHIBITED, NULL), 0};
    assert_int_equal(pd_tx_run(st, "upsert", false, upsert_cb, &b), PD_QS_ONE);
    assert_int_equal(pd_tx_run(st, "stamp", true, stamp_cb, &s0), PD_QS_ONE);
    assert_int_equal(s0.count, 1);
    /* An operator's UPDATE by hand is a change the servers must notice. */
    assert_true(ct_exec(st, "UPDATE goods_rules SET note = 'edited by hand'") >= 0);
    assert_int_equal(pd_tx_run(st, "stamp", true, stamp_cb, &s1), PD_QS_ONE);
    assert_true(s1.version > s0.version);
    assert_true(ct_exec(st, "DELETE FROM goods_rules") >= 0);
    assert_int_equal(pd_tx_run(st, "stamp", true, stamp_cb, &s2), PD_QS_ONE);
    assert_true(s2.version > s1.version);
    assert_int_equal(s2.count, 0);
}

/* Two stores stand for two servers starting on an empty list at once. */
struct seeder {
    pd_store *st;
    int inserted;
    pd_qs qs;
};

#define SEED_N 60

static pd_qs seed_cb(pd_db *db, void *cls)
{
    struct seeder *s = cls;
    s->inserted = 0;
    for (int i = 0; i < SEED_N; i++) {
        char term[32];
        snprintf(term, sizeof term, "seed-term-%02d", i);
        struct pd_goods_rule_rec r = rule(term, "种子", PD_GOODS_PROHIBITED, NULL);
        pd_qs qs = db->ops->goods_rule_insert_new(db, &r);
        if (qs < 0)
            return qs;
        s->inserted += qs == PD_QS_ONE;
    }
    return PD_QS_ONE;
}

static void *seed_main(void *p)
{
    struct seeder *s = p;
    s->qs = pd_tx_run(s->st, "seed goods", false, seed_cb, s);
    return NULL;
}

static void test_goods_concurrent_seed(void **state)
{
    char url[512], err[256];
    ct_fresh_url(url);
    pd_store *a = ct_open(url, NULL);
    if (!pd_store_migrate(a, NULL, NULL, err))
        fail_msg("migrate: %s", err);
    struct seeder s[2] = {{.st = a}, {.st = ct_open(url, NULL)}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, seed_main, &s[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++)
        assert_int_equal(s[i].qs, PD_QS_ONE);
    /* Every term once, each inserted by exactly one of them. */
    assert_int_equal(s[0].inserted + s[1].inserted, SEED_N);
    struct pd_goods_stamp stamp;
    assert_int_equal(pd_tx_run(a, "stamp", true, stamp_cb, &stamp), PD_QS_ONE);
    assert_int_equal(stamp.count, SEED_N);
    pd_store_close(a);
    pd_store_close(s[1].st);
}

const struct CMUnitTest ct_tests_goods[] = {
    cmocka_unit_test_setup_teardown(test_goods_migration_starts_empty, goods_setup, goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_upsert_insert_then_update, goods_setup,
                                    goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_insert_new_keeps_existing, goods_setup,
                                    goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_case_folds_ascii_only, goods_setup, goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_list_order_and_stop, goods_setup, goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_table_refuses_what_the_matcher_refuses, goods_setup,
                                    goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_stamp_moves_with_plain_sql, goods_setup,
                                    goods_teardown),
    cmocka_unit_test_setup_teardown(test_goods_concurrent_seed, goods_setup, goods_teardown),
};
const size_t ct_tests_goods_n = sizeof ct_tests_goods / sizeof *ct_tests_goods;
