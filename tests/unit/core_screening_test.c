/* Unit tests of src/core/screening.c: the goods list index, its TSV parser,
 * and checks against the seed list data/prohibited_goods.tsv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/screening.h"

/* The seed file, found relative to this source file. */
static char *read_seed(size_t *len)
{
    char path[1024];
    const char *slash = strrchr(__FILE__, '/');
    int dir = slash ? (int)(slash - __FILE__) : 0;
    snprintf(path, sizeof path, "%.*s%s../../data/prohibited_goods.tsv", dir, __FILE__,
             slash ? "/" : "");
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 20);
    assert_non_null(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[*len] = 0;
    return buf;
}

static int setup(void **state)
{
    size_t len;
    char *text = read_seed(&len);
    struct pd_screening *idx = NULL;
    struct pd_screening_error err = {0};
    pd_err e = pd_screening_parse_tsv(text, len, &idx, &err);
    free(text);
    if (e != PD_OK) {
        fprintf(stderr, "seed list: line %zu column %zu: %s\n", err.line, err.column, err.reason);
        return -1;
    }
    *state = idx;
    return 0;
}

static int teardown(void **state)
{
    pd_screening_free(*state);
    return 0;
}

static void seed_list(void **state)
{
    struct pd_screening *idx = *state;
    struct pd_goods_match m[8];

    assert_true(pd_screening_size(idx) > 100);
    assert_int_equal(pd_screening_check(idx, "春节鞭炮礼盒", m, 8), 1);
    assert_string_equal(m[0].term, "鞭炮");
    assert_int_equal(m[0].level, PD_GOODS_PROHIBITED);
    assert_string_equal(m[0].category, "爆炸物品");
    assert_int_equal(m[0].offset, strlen("春节"));
    assert_string_equal(m[0].condition, "");

    assert_int_equal(pd_screening_check(idx, "笔记本电脑锂电池", m, 8), 1);
    assert_string_equal(m[0].term, "锂电池"); /* 电池 inside it is not reported again */
    assert_int_equal(m[0].level, PD_GOODS_RESTRICTED);
    assert_non_null(strstr(m[0].condition, "100Wh"));

    assert_int_equal(pd_screening_check(idx, "手机", m, 8), 0);
    assert_int_equal(pd_screening_check(idx, "衣服", m, 8), 0);
    assert_int_equal(pd_screening_check(idx, "猫粮", m, 8), 0);
    assert_int_equal(pd_screening_check(idx, "", m, 8), 0);
    assert_int_equal(pd_screening_check(idx, NULL, m, 8), 0);

    assert_int_equal(pd_screening_check(idx, "Zippo Lighter", m, 8), 1);
    assert_string_equal(m[0].term, "lighter");
    assert_int_equal(m[0].level, PD_GOODS_PROHIBITED);
    assert_int_equal(pd_screening_check(idx, "LIGHTER", m, 8), 1);

    /* overlapping terms: the longest wins, shorter ones inside it are dropped */
    assert_int_equal(pd_screening_check(idx, "烟花爆竹套装", m, 8), 1);
    assert_string_equal(m[0].term, "烟花爆竹");
    assert_int_equal(pd_screening_check(idx, "防狼喷雾", m, 8), 1);
    assert_string_equal(m[0].term, "防狼喷雾");
    assert_int_equal(m[0].level, PD_GOODS_PROHIBITED);
    /* ... but a shorter term elsewhere in the name is still reported, after it */
    assert_int_equal(pd_screening_check(idx, "打火机和香水", m, 8), 2);
    assert_string_equal(m[0].term, "打火机");
    assert_string_equal(m[1].term, "香水");
    assert_int_equal(m[1].level, PD_GOODS_RESTRICTED);
    /* a longer term swallows the shorter one it contains (固体酒精 > 酒精) */
    assert_int_equal(pd_screening_check(idx, "固体酒精灯", m, 8), 1);
    assert_string_equal(m[0].term, "固体酒精");

    /* a term repeated is reported once; max limits what is written */
    assert_int_equal(pd_screening_check(idx, "鞭炮鞭炮", m, 8), 1);
    assert_int_equal(pd_screening_check(idx, "汽油柴油煤油", m, 1), 3);
    assert_string_equal(m[0].term, "汽油");
    assert_int_equal(pd_screening_check(idx, "汽油柴油煤油", NULL, 0), 3);
}

static void rows_and_overlap(void **state)
{
    (void)state;
    const struct pd_goods_rule rows[] = {
        {"AB", "x", PD_GOODS_PROHIBITED, NULL},
        {"bcd", "y", PD_GOODS_RESTRICTED, "only on Mondays"},
        {"电池", "z", PD_GOODS_RESTRICTED, "c"},
    };
    struct pd_screening *idx;
    assert_int_equal(pd_screening_new(rows, 3, &idx, NULL), PD_OK);
    struct pd_goods_match m[4];
    /* "abcd": AB and bcd overlap without one containing the other */
    assert_int_equal(pd_screening_check(idx, "xabcdx", m, 4), 2);
    assert_string_equal(m[0].term, "bcd");
    assert_int_equal(m[0].offset, 2);
    assert_string_equal(m[0].condition, "only on Mondays");
    assert_string_equal(m[1].term, "AB");
    assert_int_equal(m[1].offset, 1);
    assert_int_equal(pd_screening_check(idx, "5号电池", m, 4), 1);
    pd_screening_free(idx);

    struct pd_screening_error err;
    const struct pd_goods_rule dup[] = {{"Ab", "x", PD_GOODS_PROHIBITED, NULL},
                                        {"aB", "x", PD_GOODS_PROHIBITED, NULL}};
    assert_int_equal(pd_screening_new(dup, 2, &idx, &err), PD_E_GOODS_LIST_INVALID);
    assert_null(idx);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 1);
    const struct pd_goods_rule nocond[] = {{"x", "x", PD_GOODS_RESTRICTED, ""}};
    assert_int_equal(pd_screening_new(nocond, 1, &idx, &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.column, 4);
    const struct pd_goods_rule empty[] = {{"", "x", PD_GOODS_PROHIBITED, NULL}};
    assert_int_equal(pd_screening_new(empty, 1, &idx, &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.column, 1);
    assert_int_equal(pd_screening_new(NULL, 0, &idx, &err), PD_OK);
    assert_int_equal(pd_screening_check(idx, "鞭炮", m, 4), 0);
    pd_screening_free(idx);
    pd_screening_free(NULL);
}

static pd_err parse(const char *text, struct pd_screening_error *err)
{
    struct pd_screening *idx = NULL;
    pd_err e = pd_screening_parse_tsv(text, strlen(text), &idx, err);
    if (e == PD_OK)
        assert_non_null(idx);
    else
        assert_null(idx);
    pd_screening_free(idx);
    return e;
}

#define HDR "term\tcategory\tlevel\tcondition\tnote\n"

static void tsv_errors(void **state)
{
    (void)state;
    struct pd_screening_error err;
    assert_int_equal(parse("# c\n\n" HDR "a\tb\tprohibited\t\t\r\nc\td\trestricted\tx\tn", &err),
                     PD_OK);
    assert_int_equal(parse("a\tb\tprohibited\t\t\n", &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.column, 0);
    assert_int_equal(parse("# only a comment\n", &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(parse(HDR "a\tb\tforbidden\t\t\n", &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.column, 3);
    assert_int_equal(parse("#x\n" HDR "a\tb\tprohibited\t\t\nc\td\n", &err),
                     PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.line, 4);
    assert_int_equal(err.column, 3);
    assert_int_equal(parse(HDR "a\tb\tprohibited\t\t\t\n", &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.column, 6);
    assert_int_equal(parse(HDR "a\tb\tprohibited\t\t\n\nc\tb\trestricted\t\t\n", &err),
                     PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.line, 4); /* blank line counted */
    assert_int_equal(err.column, 4);
    assert_int_equal(parse(HDR "\tb\tprohibited\t\t\n", &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.column, 1);
    assert_int_equal(parse(HDR "a\t\tprohibited\t\t\n", &err), PD_E_GOODS_LIST_INVALID);
    assert_int_equal(err.column, 2);
    assert_int_equal(parse(HDR "a\xff\tb\tprohibited\t\t\n", &err), PD_E_GOODS_LIST_INVALID);
}

static void speed(void **state)
{
    struct pd_screening *idx = *state;
    static const char *const names[] = {
        "春节鞭炮礼盒", "男士纯棉T恤衫",    "iPhone 15 Pro 手机壳", "笔记本电脑锂电池",
        "进口红酒两瓶", "儿童益智拼图玩具", "Zippo Lighter",        "有机绿茶 500g 礼盒装",
    };
    struct pd_goods_match m[8];
    size_t hits = 0, runs = 200000;
    clock_t t0 = clock();
    for (size_t i = 0; i < runs; i++)
        hits += pd_screening_check(idx, names[i % 8], m, 8);
    double s = (double)(clock() - t0) / CLOCKS_PER_SEC;
    assert_int_equal(hits, runs / 8 * 4); /* 鞭炮, 锂电池, 红酒, lighter */
    printf("screening: %zu checks in %.3f s (%.0f checks/s)\n", runs, s, s > 0 ? runs / s : 0.0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_list),
        cmocka_unit_test(rows_and_overlap),
        cmocka_unit_test(tsv_errors),
        cmocka_unit_test(speed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
