/*
 * Contract tests of the call centre's queue log (issue 6 part A): a batch is
 * stored with its duplicates named — the same (time, hash, occurrence)
 * again is a duplicate, the same line with the next occurrence is not —;
 * text survives byte for byte (quotes, backslashes, '|', Chinese); lines
 * come back by time and, within a time, in the order stored, only those of
 * [from, to), across the backend's page size, and a callback can stop the
 * stream.
 */
#include "contract.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A time range of its own for each test in the shared store. */
static int64_t base_ms(void)
{
    return 4000000000000LL + (int64_t)ct_seq() * 100000000LL;
}

static struct pd_ql_str sl(const char *s)
{
    return (struct pd_ql_str){s, strlen(s)};
}

static struct pd_ql_row row(int64_t at, uint64_t h, int occ, const char *callid, const char *event,
                            const char *data)
{
    return (struct pd_ql_row){.at_ms = at,
                              .hash = h,
                              .occurrence = occ,
                              .callid = sl(callid),
                              .queue = sl("Q"),
                              .agent = sl("Agent/1"),
                              .event = sl(event),
                              .data = sl(data)};
}

struct got {
    int n, stop_after;
    int64_t at[32];
    char text[32][160];
};

static int got_cb(void *cls, const struct pd_ql_line *l)
{
    struct got *g = cls;
    assert_true(g->n < 32);
    char data[128];
    pd_ql_data_join(l, data);
    g->at[g->n] = l->at_ms;
    snprintf(g->text[g->n], sizeof g->text[0], "%.*s|%.*s|%.*s|%.*s|%s", (int)l->callid.n,
             l->callid.p, (int)l->queue.n, l->queue.p, (int)l->agent.n, l->agent.p, (int)l->event.n,
             l->event.p, data);
    g->n++;
    return g->stop_after && g->n >= g->stop_after;
}

static struct got *stream(int64_t from, int64_t to, int stop_after, pd_qs *qs)
{
    static struct got g;
    memset(&g, 0, sizeof g);
    g.stop_after = stop_after;
    pd_db *db = ct_begin(ct_store);
    *qs = db->ops->cc_log_stream(db, from, to, got_cb, &g);
    ct_commit(db);
    return &g;
}

static void test_cc_log_duplicates(void **state)
{
    (void)state;
    int64_t t = base_ms();
    struct pd_ql_row rows[] = {
        row(t, 0x8000000000000001ULL, 1, "c1", "ENTERQUEUE", "|138|1"), /* hash above 2^63 */
        row(t + 1000, 42, 1, "c1", "RINGNOANSWER", "10000"),
        row(t + 1000, 42, 2, "c1", "RINGNOANSWER", "10000"), /* a repeated line: kept */
    };
    bool dup[3] = {true, true, true};
    pd_db *db = ct_begin(ct_store);
    assert_int_equal(db->ops->cc_log_insert(db, rows, 3, dup), 3);
    ct_commit(db);
    assert_false(dup[0] || dup[1] || dup[2]);

    /* The same rows again: nothing written; a third occurrence is new. */
    struct pd_ql_row again[] = {rows[1], row(t + 1000, 42, 3, "c1", "RINGNOANSWER", "10000"),
                                rows[0], rows[2]};
    bool dup2[4] = {false, false, false, false};
    db = ct_begin(ct_store);
    assert_int_equal(db->ops->cc_log_insert(db, again, 4, dup2), 1);
    ct_commit(db);
    assert_true(dup2[0]);
    assert_false(dup2[1]);
    assert_true(dup2[2]);
    assert_true(dup2[3]);

    pd_qs qs;
    struct got *g = stream(t, t + 2000, 0, &qs);
    assert_int_equal(qs, 4);
    assert_int_equal(g->n, 4);
    assert_string_equal(g->text[0], "c1|Q|Agent/1|ENTERQUEUE||138|1");
    assert_int_equal(g->at[3], t + 1000);
}

static void test_cc_log_order_and_range(void **state)
{
    (void)state;
    int64_t t = base_ms();
    /* Stored out of time order, three lines in one second in file order. */
    struct pd_ql_row rows[] = {
        row(t + 5000, 1, 1, "late", "ABANDON", "1|1|5"),
        row(t + 2000, 2, 1, "b", "ENTERQUEUE", "|x"),
        row(t + 2000, 3, 1, "b", "ABANDON", "1|1|0"),
        row(t + 2000, 4, 1, "a", "ENTERQUEUE", "|y"),
        row(t, 5, 1, "from", "QUEUESTART", ""),
        row(t + 9000, 6, 1, "at-to", "QUEUESTART", ""),
        row(t + 3000, 7, 1, "\"quoted\" \\back\\", "MY CUSTOM", "a|b\\c|\"d\"|张三"),
    };
    bool dup[7];
    pd_db *db = ct_begin(ct_store);
    assert_int_equal(db->ops->cc_log_insert(db, rows, 7, dup), 7);
    ct_commit(db);
    pd_qs qs;
    struct got *g = stream(t, t + 9000, 0, &qs);
    assert_int_equal(qs, 6);
    assert_int_equal(g->n, 6);
    assert_string_equal(g->text[0], "from|Q|Agent/1|QUEUESTART|");
    assert_string_equal(g->text[1], "b|Q|Agent/1|ENTERQUEUE||x");
    assert_string_equal(g->text[2], "b|Q|Agent/1|ABANDON|1|1|0");
    assert_string_equal(g->text[3], "a|Q|Agent/1|ENTERQUEUE||y");
    assert_string_equal(g->text[4], "\"quoted\" \\back\\|Q|Agent/1|MY CUSTOM|a|b\\c|\"d\"|张三");
    assert_string_equal(g->text[5], "late|Q|Agent/1|ABANDON|1|1|5");
    /* [from, to): the line at `to` is out, one at `from` in */
    g = stream(t + 2000, t + 5000, 0, &qs);
    assert_int_equal(g->n, 4);
    /* the callback stops the stream */
    g = stream(t, t + 10000, 2, &qs);
    assert_int_equal(qs, 2);
    assert_int_equal(g->n, 2);
}

struct counter {
    int64_t n, last_at;
    bool ordered;
};

static int count_cb(void *cls, const struct pd_ql_line *l)
{
    struct counter *c = cls;
    if (l->at_ms < c->last_at)
        c->ordered = false;
    c->last_at = l->at_ms;
    c->n++;
    return 0;
}

/* More lines than one page of the PostgreSQL stream (20000). */
static void test_cc_log_many(void **state)
{
    (void)state;
    int64_t t = base_ms();
    enum { N = 4096, BATCHES = 6 };
    static struct pd_ql_row rows[N];
    static bool dup[N];
    for (int b = 0; b < BATCHES; b++) {
        for (int i = 0; i < N; i++)
            rows[i] = row(t + (int64_t)(b * N + i) / 3, (uint64_t)(b * N + i), 1, "c", "X", "1");
        pd_db *db = ct_begin(ct_store);
        assert_int_equal(db->ops->cc_log_insert(db, rows, N, dup), N);
        ct_commit(db);
    }
    struct counter c = {0, 0, true};
    pd_db *db = ct_begin(ct_store);
    pd_qs qs = db->ops->cc_log_stream(db, t, t + 100000, count_cb, &c);
    ct_commit(db);
    assert_int_equal(qs, N * BATCHES);
    assert_int_equal(c.n, N * BATCHES);
    assert_true(c.ordered);
}

const struct CMUnitTest ct_tests_callcenter[] = {
    cmocka_unit_test_teardown(test_cc_log_duplicates, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_log_order_and_range, ct_cleanup),
    cmocka_unit_test_teardown(test_cc_log_many, ct_cleanup),
};
const size_t ct_tests_callcenter_n = sizeof ct_tests_callcenter / sizeof ct_tests_callcenter[0];
