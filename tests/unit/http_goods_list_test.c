/*
 * The server's goods list (src/http/goods_list.c) on a real SQLite store:
 * an empty list is seeded from the TSV file and a full one never reads it;
 * seed files the API would refuse stop the start with line and field; a
 * reload makes an edit visible at once while a snapshot in use stays intact
 * until released (ASan catches a premature free); another process's edit is
 * picked up by the lazy stamp check, also from inside a transaction; hits
 * copied into an arena outlive their snapshot; the shared rule validation;
 * and threads screening while the list is rebuilt under them.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/goods_list.h"
#include "store/migrate.h"
#include "store/tx.h"

static char dir[64];
static char seed_path[128];
static pd_store *st;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char seed_text[] = "# test seed\n"
                                "term\tcategory\tlevel\tcondition\tnote\n"
                                "烟花\t爆炸物品\tprohibited\t\t\n"
                                "酒精\t易燃易爆物品\tprohibited\t\t含医用酒精\n"
                                "锂电池\t锂电池\trestricted\t每块不超过 100Wh\t\n";

static int setup(void **state)
{
    snprintf(dir, sizeof dir, "/tmp/pd-goods-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(seed_path, sizeof seed_path, "%s/seed.tsv", dir);
    write_file(seed_path, seed_text);
    char url[128], err[256];
    snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
    st = pd_store_open(url, NULL, err);
    assert_non_null(st);
    if (!pd_store_migrate(st, NULL, NULL, err))
        fail_msg("migrate: %s", err);
    return 0;
}

static int teardown(void **state)
{
    pd_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* Another process editing the list: a transaction of its own. */
struct edit {
    const char *term, *category, *condition;
    int level;
    bool active;
};

static pd_qs edit_tx(pd_db *db, void *cls)
{
    const struct edit *e = cls;
    struct pd_goods_rule_rec r;
    memset(&r, 0, sizeof r);
    snprintf(r.term, sizeof r.term, "%s", e->term);
    snprintf(r.category, sizeof r.category, "%s", e->category);
    snprintf(r.condition, sizeof r.condition, "%s", e->condition ? e->condition : "");
    r.level = e->level;
    r.active = e->active;
    r.updated_ms = 1;
    bool created;
    return db->ops->goods_rule_upsert(db, &r, &created);
}

static void edit(const char *term, int level, bool active)
{
    struct edit e = {term, "测试", level == PD_GOODS_RESTRICTED ? "条件" : NULL, level, active};
    assert_int_equal(pd_tx_run(st, "edit", false, edit_tx, &e), PD_QS_ONE);
}

/* The verdict on @p name: 0 none, else the level of the first hit. */
static int verdict(struct pd_goods_list *gl, const char *name)
{
    void *ticket;
    const struct pd_screening *idx = pd_goods_list_acquire(gl, &ticket);
    struct pd_goods_match m[4];
    size_t n = pd_screening_check(idx, name, m, 4);
    pd_goods_list_release(gl, ticket);
    return n ? (int)m[0].level : 0;
}

static void seeds_an_empty_list_once(void **state)
{
    char err[256];
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 10000, err);
    if (!gl)
        fail_msg("open: %s", err);
    int64_t v;
    size_t terms;
    pd_goods_list_info(gl, &v, &terms);
    assert_int_equal(terms, 3);
    assert_true(v > 0);
    assert_int_equal(verdict(gl, "过年烟花一箱"), PD_GOODS_PROHIBITED);
    assert_int_equal(verdict(gl, "充电宝（锂电池）"), PD_GOODS_RESTRICTED);
    assert_int_equal(verdict(gl, "衣服"), 0);
    pd_goods_list_free(gl);

    /* The list has rules now: the file is not even read. */
    gl = pd_goods_list_open(st, "/nonexistent/prohibited_goods.tsv", 10000, err);
    if (!gl)
        fail_msg("open without the file: %s", err);
    pd_goods_list_info(gl, &v, &terms);
    assert_int_equal(terms, 3);
    pd_goods_list_free(gl);
}

static void bad_seeds_stop_the_start(void **state)
{
    char err[256], path[160];
    assert_null(pd_goods_list_open(st, "/nonexistent/prohibited_goods.tsv", 10000, err));
    assert_non_null(strstr(err, "/nonexistent/prohibited_goods.tsv"));

    snprintf(path, sizeof path, "%s/bad.tsv", dir);
    write_file(path, "term\tcategory\tlevel\tcondition\tnote\n"
                     "烟花\t爆炸物品\tforbidden\t\t\n");
    assert_null(pd_goods_list_open(st, path, 10000, err));
    assert_non_null(strstr(err, ":2:3:")); /* line 2, column 3 (level) */

    /* Parses, but breaks the API's limits: refused the same way. */
    write_file(path, "term\tcategory\tlevel\tcondition\tnote\n"
                     "烟花\t爆炸物品\tprohibited\t\t\n"
                     "x\t测试\tprohibited\t\t\n");
    assert_null(pd_goods_list_open(st, path, 10000, err));
    assert_non_null(strstr(err, ":3: term:"));
    write_file(path, "term\tcategory\tlevel\tcondition\tnote\n"
                     "烟花\t爆炸物品\tprohibited\t\t\n"
                     "锂电池\t锂电池\trestricted\t \t\n");
    assert_null(pd_goods_list_open(st, path, 10000, err));
    assert_non_null(strstr(err, ":3: condition:"));

    /* Nothing of a refused seed was stored. */
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 10000, err);
    assert_non_null(gl);
    int64_t v;
    size_t terms;
    pd_goods_list_info(gl, &v, &terms);
    assert_int_equal(terms, 3);
    pd_goods_list_free(gl);
}

static void reload_keeps_snapshots_in_use(void **state)
{
    char err[256];
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 10000, err);
    assert_non_null(gl);
    void *old_ticket;
    const struct pd_screening *old = pd_goods_list_acquire(gl, &old_ticket);
    struct pd_goods_match m[4];
    assert_int_equal(pd_screening_check(old, "测试违禁品X", m, 4), 0);

    edit("测试违禁品X", PD_GOODS_PROHIBITED, true);
    /* The interval has not passed: no lazy check, still the old list. */
    assert_int_equal(verdict(gl, "测试违禁品X"), 0);
    assert_true(pd_goods_list_reload(gl));
    assert_int_equal(verdict(gl, "一件测试违禁品X"), PD_GOODS_PROHIBITED);

    /* The snapshot taken before is untouched and still readable. */
    assert_int_equal(pd_screening_check(old, "测试违禁品X", m, 4), 0);
    assert_int_equal(pd_screening_check(old, "烟花", m, 4), 1);
    assert_string_equal(m[0].category, "爆炸物品");
    pd_goods_list_release(gl, old_ticket);

    /* Deactivated: gone from the index, kept in the store. */
    edit("测试违禁品X", PD_GOODS_PROHIBITED, false);
    assert_true(pd_goods_list_reload(gl));
    assert_int_equal(verdict(gl, "测试违禁品X"), 0);
    int64_t v;
    size_t terms;
    pd_goods_list_info(gl, &v, &terms);
    assert_int_equal(terms, 3);
    pd_goods_list_free(gl);
}

static void lazy_check_sees_other_processes(void **state)
{
    char err[256];
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 50, err);
    assert_non_null(gl);
    assert_int_equal(verdict(gl, "鞭炮"), 0);
    edit("鞭炮", PD_GOODS_PROHIBITED, true);
    usleep(80 * 1000);
    assert_int_equal(verdict(gl, "鞭炮"), PD_GOODS_PROHIBITED);
    pd_goods_list_free(gl);
}

struct in_tx {
    struct pd_goods_list *gl;
    int verdict;
};

static pd_qs screen_in_tx(pd_db *db, void *cls)
{
    struct in_tx *t = cls;
    t->verdict = verdict(t->gl, "一盒礼花");
    return PD_QS_NONE;
}

static void lazy_check_inside_a_transaction(void **state)
{
    /* Order intake screens inside its transaction: the check must not try
     * to open a second one on the thread's SQLite connection. */
    char err[256];
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 50, err);
    assert_non_null(gl);
    edit("礼花", PD_GOODS_PROHIBITED, true);
    usleep(80 * 1000);
    struct in_tx t = {gl, -1};
    assert_true(pd_tx_run(st, "order", false, screen_in_tx, &t) >= 0);
    assert_int_equal(t.verdict, PD_GOODS_PROHIBITED);
    pd_goods_list_free(gl);
}

static void hits_outlive_their_snapshot(void **state)
{
    char err[256];
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 10000, err);
    assert_non_null(gl);
    pd_arena a;
    pd_arena_init(&a, 1 << 16);
    struct pd_goods_match m[4];
    assert_int_equal(pd_goods_list_check(gl, "医用酒精", m, 4, &a), 1);
    /* Replace the snapshot: the old one is freed (nobody holds it). */
    edit("医用酒精", PD_GOODS_RESTRICTED, true);
    assert_true(pd_goods_list_reload(gl));
    assert_string_equal(m[0].term, "酒精");
    assert_string_equal(m[0].category, "易燃易爆物品");
    assert_string_equal(m[0].condition, "");
    assert_int_equal(pd_goods_list_check(gl, "医用酒精", m, 4, &a), 1);
    assert_string_equal(m[0].term, "医用酒精"); /* the longer term covers 酒精 */
    assert_string_equal(m[0].condition, "条件");
    pd_arena_free(&a);
    pd_goods_list_free(gl);
}

static void rule_validation(void **state)
{
    static const struct {
        const char *term, *category;
        int level;
        const char *condition, *note;
        pd_err want;
        const char *field;
    } cases[] = {
        {"烟花", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_OK, NULL},
        {"锂电池", "锂电池", PD_GOODS_RESTRICTED, "≤100Wh", "多行\n备注", PD_OK, NULL},
        {"ab", "x", PD_GOODS_PROHIBITED, NULL, NULL, PD_OK, NULL},
        {"", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_TOO_SHORT, "term"},
        {"a", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_TOO_SHORT, "term"},
        {"一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三四"
         "五六"
         "七八九十一",
         "类", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_TOO_LONG, "term"},
        {" 烟花", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_FORMAT, "term"},
        {"烟花\xE3\x80\x80", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_FORMAT, "term"},
        {"烟\t花", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_FORMAT, "term"},
        {"\xFF\xFE", "爆炸物品", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_UTF8, "term"},
        {"烟花", "", PD_GOODS_PROHIBITED, "", "", PD_E_JSON_TOO_SHORT, "category"},
        {"烟花", "一二三四五六七八九十一二三四五六七八九十一二三四五六七八九十一二三",
         PD_GOODS_PROHIBITED, "", "", PD_E_JSON_TOO_LONG, "category"},
        {"烟花", "爆炸物品", 0, "", "", PD_E_JSON_ENUM, "level"},
        {"锂电池", "锂电池", PD_GOODS_RESTRICTED, "", "", PD_E_JSON_MISSING, "condition"},
        {"锂电池", "锂电池", PD_GOODS_RESTRICTED, "  ", "", PD_E_JSON_MISSING, "condition"},
        {"锂电池", "锂电池", PD_GOODS_RESTRICTED, "a\nb", "", PD_E_JSON_FORMAT, "condition"},
        {"烟花", "爆炸物品", PD_GOODS_PROHIBITED, "", "\x01", PD_E_JSON_FORMAT, "note"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *field = "unset", *detail = "unset";
        pd_err e = pd_goods_rule_validate(cases[i].term, cases[i].category, cases[i].level,
                                          cases[i].condition, cases[i].note, &field, &detail);
        if (e != cases[i].want)
            fail_msg("case %zu: error %d, want %d", i, (int)e, (int)cases[i].want);
        if (cases[i].field)
            assert_string_equal(field, cases[i].field);
        else
            assert_null(field);
        if (e != PD_OK)
            assert_true(detail && *detail);
    }
}

struct hammer {
    struct pd_goods_list *gl;
    int rounds;
    int bad;
};

static void *screen_main(void *p)
{
    struct hammer *h = p;
    for (int i = 0; i < h->rounds; i++) {
        void *ticket;
        const struct pd_screening *idx = pd_goods_list_acquire(h->gl, &ticket);
        struct pd_goods_match m[4];
        size_t n = pd_screening_check(idx, "烟花和酒精", m, 4);
        /* Whatever the version, the seed's two terms are in it. */
        if (n != 2 || strcmp(m[0].category, "爆炸物品") || strcmp(m[1].category, "易燃易爆物品"))
            h->bad++;
        pd_goods_list_release(h->gl, ticket);
    }
    return NULL;
}

static void screening_while_rebuilding(void **state)
{
    char err[256];
    struct pd_goods_list *gl = pd_goods_list_open(st, seed_path, 1, err);
    assert_non_null(gl);
    struct hammer h[3] = {{gl, 3000, 0}, {gl, 3000, 0}, {gl, 3000, 0}};
    pthread_t th[3];
    for (int i = 0; i < 3; i++)
        assert_int_equal(pthread_create(&th[i], NULL, screen_main, &h[i]), 0);
    for (int i = 0; i < 40; i++) {
        char term[32];
        snprintf(term, sizeof term, "变更%02d", i);
        edit(term, PD_GOODS_PROHIBITED, true);
        assert_true(pd_goods_list_reload(gl));
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(h[i].bad, 0);
    }
    int64_t v;
    size_t terms;
    pd_goods_list_info(gl, &v, &terms);
    assert_int_equal(terms, 43);
    pd_goods_list_free(gl);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(seeds_an_empty_list_once, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_seeds_stop_the_start, setup, teardown),
        cmocka_unit_test_setup_teardown(reload_keeps_snapshots_in_use, setup, teardown),
        cmocka_unit_test_setup_teardown(lazy_check_sees_other_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(lazy_check_inside_a_transaction, setup, teardown),
        cmocka_unit_test_setup_teardown(hits_outlive_their_snapshot, setup, teardown),
        cmocka_unit_test(rule_validation),
        cmocka_unit_test_setup_teardown(screening_while_rebuilding, setup, teardown),
    };
    return cmocka_run_group_tests_name("http_goods_list", tests, NULL, NULL);
}
