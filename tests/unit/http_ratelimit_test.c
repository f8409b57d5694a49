/*
 * The sliding-window rate limiter (src/http/ratelimit.c): the limit holds
 * within a window, events leave the window as time passes (with the
 * documented resolution of 1/16 window), hammering keeps a key blocked,
 * keys are independent, reset forgets, the table recycles the least
 * recently used key when full, long keys stay distinct, and concurrent
 * hits are all counted.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/ratelimit.h"

/* Window 1600 ms: 16 sub-windows of 100 ms. */
#define WIN 1600

static void limit_within_window(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(3, WIN, 16);
    assert_non_null(rl);
    int64_t t = 1000000;
    assert_true(pd_ratelimit_hit(rl, "1.2.3.4", t));
    assert_true(pd_ratelimit_hit(rl, "1.2.3.4", t + 10));
    assert_true(pd_ratelimit_hit(rl, "1.2.3.4", t + 20));
    assert_false(pd_ratelimit_hit(rl, "1.2.3.4", t + 30));
    assert_int_equal(pd_ratelimit_count(rl, "1.2.3.4", t + 30), 4);
    /* Another key is not affected. */
    assert_true(pd_ratelimit_hit(rl, "5.6.7.8", t + 30));
    assert_int_equal(pd_ratelimit_count(rl, "unknown", t), 0);
    pd_ratelimit_free(rl);
}

static void events_leave_the_window(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(2, WIN, 16);
    int64_t t = 1000000; /* start of a sub-window */
    assert_true(pd_ratelimit_hit(rl, "k", t));
    assert_true(pd_ratelimit_hit(rl, "k", t + 500));
    assert_false(pd_ratelimit_hit(rl, "k", t + 600)); /* 3 within 1600 ms */
    /* Just before a full window after the first event everything still counts. */
    assert_int_equal(pd_ratelimit_count(rl, "k", t + WIN - 101), 3);
    /* One window after the first sub-window began, its event has left. */
    assert_int_equal(pd_ratelimit_count(rl, "k", t + WIN), 2);
    assert_int_equal(pd_ratelimit_count(rl, "k", t + 500 + WIN), 1);
    assert_int_equal(pd_ratelimit_count(rl, "k", t + 600 + WIN), 0);
    assert_true(pd_ratelimit_hit(rl, "k", t + 600 + WIN));
    pd_ratelimit_free(rl);
}

static void hammering_stays_blocked(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(5, WIN, 16);
    int64_t t = 2000000;
    int allowed = 0;
    /* One attempt every 50 ms for 10 s: only the first 5 may pass. */
    for (int i = 0; i < 200; i++)
        allowed += pd_ratelimit_hit(rl, "attacker", t + i * 50);
    assert_int_equal(allowed, 5);
    pd_ratelimit_free(rl);
}

static void reset_forgets(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(1, WIN, 16);
    assert_true(pd_ratelimit_hit(rl, "u", 100));
    assert_false(pd_ratelimit_hit(rl, "u", 110));
    pd_ratelimit_reset(rl, "u");
    assert_int_equal(pd_ratelimit_count(rl, "u", 120), 0);
    assert_true(pd_ratelimit_hit(rl, "u", 120));
    pd_ratelimit_reset(rl, "never-seen"); /* harmless */
    pd_ratelimit_free(rl);
}

static void full_table_recycles_least_recent(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(1, WIN, 3);
    int64_t t = 5000;
    assert_true(pd_ratelimit_hit(rl, "a", t));
    assert_true(pd_ratelimit_hit(rl, "b", t));
    assert_true(pd_ratelimit_hit(rl, "c", t));
    assert_false(pd_ratelimit_hit(rl, "a", t + 1)); /* a is now the most recent */
    assert_true(pd_ratelimit_hit(rl, "d", t + 2));  /* evicts b, the least recent */
    assert_int_equal(pd_ratelimit_count(rl, "b", t + 3), 0);
    assert_int_equal(pd_ratelimit_count(rl, "a", t + 3), 2);
    assert_int_equal(pd_ratelimit_count(rl, "c", t + 3), 1);
    assert_int_equal(pd_ratelimit_count(rl, "d", t + 3), 1);
    pd_ratelimit_free(rl);
}

static void long_keys_stay_distinct(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(1, WIN, 8);
    char k1[300], k2[300];
    memset(k1, 'x', sizeof k1 - 1);
    k1[sizeof k1 - 1] = '\0';
    memcpy(k2, k1, sizeof k1);
    k2[250] = 'y'; /* differs only beyond what an entry stores verbatim */
    assert_true(pd_ratelimit_hit(rl, k1, 10));
    assert_true(pd_ratelimit_hit(rl, k2, 10));
    assert_false(pd_ratelimit_hit(rl, k1, 11));
    pd_ratelimit_free(rl);
}

struct thr {
    struct pd_ratelimit *rl;
    int allowed;
};

static void *hammer(void *p)
{
    struct thr *t = p;
    for (int i = 0; i < 1000; i++)
        t->allowed += pd_ratelimit_hit(t->rl, "shared", 42);
    return NULL;
}

static void concurrent_hits_all_counted(void **state)
{
    struct pd_ratelimit *rl = pd_ratelimit_new(100, WIN, 8);
    pthread_t th[4];
    struct thr t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thr){rl, 0};
        pthread_create(&th[i], NULL, hammer, &t[i]);
    }
    int allowed = 0;
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        allowed += t[i].allowed;
    }
    assert_int_equal(allowed, 100);
    assert_int_equal(pd_ratelimit_count(rl, "shared", 42), 4000);
    pd_ratelimit_free(rl);
}

static void bad_arguments(void **state)
{
    assert_null(pd_ratelimit_new(1, 0, 8));
    assert_null(pd_ratelimit_new(-1, 1000, 8));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(limit_within_window),
        cmocka_unit_test(events_leave_the_window),
        cmocka_unit_test(hammering_stays_blocked),
        cmocka_unit_test(reset_forgets),
        cmocka_unit_test(full_table_recycles_least_recent),
        cmocka_unit_test(long_keys_stay_distinct),
        cmocka_unit_test(concurrent_hits_all_counted),
        cmocka_unit_test(bad_arguments),
    };
    return cmocka_run_group_tests_name("http_ratelimit", tests, NULL, NULL);
}
