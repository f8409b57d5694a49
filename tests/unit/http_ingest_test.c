/*
 * The scan writer with a scan log (http/ingest.h), on a real SQLite store in
 * a temporary directory, with a projector the test controls: it copies the
 * log's events into scans (as the server's does, so that keys stay
 * refused) and records what it saw, and it fails while the test keeps its
 * gate shut (the writer then tries again after a pause, and appends go on).
 *
 * What is checked: an append answers after its commit with duplicates named
 * (inside the batch, against the log, against scans); a reader of a number
 * without events in the log does not wait; a reader of a number with events
 * in the log waits until the projector has moved them, and sees them moved;
 * the projector receives events in arrival order and the log is emptied;
 * a reader gives up after PD_INGEST_SETTLE_MS when the projection keeps
 * failing (counted); events left in the log by a stopped writer are
 * projected by the next one; batches that run on scans directly
 * (pd_ingest_run) find every acknowledged event there first.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/scan.h"
#include "core/waybill_no.h"
#include "http/ingest.h"
#include "store/migrate.h"
#include "store/store.h"

/* ---- the controlled projector ------------------------------------------------------ */

struct proj {
    pthread_mutex_t mu;
    bool open;                         /* the gate: projections fail while it is shut */
    int calls;                         /* projections that got through the gate */
    int seen;                          /* events projected */
    char order[64][PD_WB_NO_SIZE + 8]; /* "no/seq" of the first 64 events, as received */
};

static struct proj P = {.mu = PTHREAD_MUTEX_INITIALIZER};

static pd_qs test_project(void *cls, pd_db *db, const struct pd_scan_row *rows, int n)
{
    struct proj *p = cls;
    pthread_mutex_lock(&p->mu);
    bool open = p->open;
    pthread_mutex_unlock(&p->mu);
    if (!open)
        return PD_QS_HARD;
    bool *dup = calloc((size_t)n, sizeof *dup);
    assert_non_null(dup);
    pd_qs qs = db->ops->scan_insert(db, rows, n, dup);
    free(dup);
    if (qs < 0)
        return qs;
    pthread_mutex_lock(&p->mu);
    p->calls++;
    for (int i = 0; i < n; i++, p->seen++)
        if (p->seen < 64)
            snprintf(p->order[p->seen], sizeof p->order[0], "%s/%lld", rows[i].waybill_no,
                     (long long)rows[i].device_seq);
    pthread_mutex_unlock(&p->mu);
    return PD_QS_ONE;
}

static void gate(bool open)
{
    pthread_mutex_lock(&P.mu);
    P.open = open;
    pthread_mutex_unlock(&P.mu);
}

static int seen(void)
{
    pthread_mutex_lock(&P.mu);
    int n = P.seen;
    pthread_mutex_unlock(&P.mu);
    return n;
}

/* ---- the store ---------------------------------------------------------------------- */

static char dir[] = "/tmp/pd-ingest-test-XXXXXX";
static pd_store *st;

static int setup(void **state)
{
    (void)state;
    assert_non_null(mkdtemp(dir));
    char url[128], err[256];
    snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
    struct pd_store_options o;
    pd_store_options_default(&o);
    st = pd_store_open(url, &o, err);
    if (!st)
        fail_msg("open: %s", err);
    if (!pd_store_migrate(st, NULL, NULL, err))
        fail_msg("migrate: %s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pd_store_close(st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct pd_scan_row ev(uint64_t serial, int64_t seq)
{
    struct pd_scan_row r;
    memset(&r, 0, sizeof r);
    assert_true(pd_waybill_no_format(serial, r.waybill_no));
    r.type = PD_SCAN_SORT;
    r.at_ms = 1700000000000LL + seq * 1000;
    snprintf(r.node_code, sizeof r.node_code, "SZ-01");
    snprintf(r.device_id, sizeof r.device_id, "PDA-ingest");
    r.device_seq = seq;
    r.received_ms = r.at_ms + 10;
    return r;
}

/* Events in the scan log now. */
static int64_t log_events(void)
{
    pd_db *db = pd_store_acquire(st);
    assert_non_null(db);
    int64_t n = -1, last = 0;
    assert_int_equal(db->ops->scan_log_state(db, &n, &last), 1);
    pd_store_release(st, db);
    return n;
}

struct reader {
    struct pd_ingest *ing;
    const char *no; /* NULL: all */
    bool done, ok;
    pthread_mutex_t mu;
};

static void *read_main(void *arg)
{
    struct reader *r = arg;
    bool ok = r->no ? pd_ingest_settle(r->ing, r->no) : pd_ingest_settle_all(r->ing);
    pthread_mutex_lock(&r->mu);
    r->ok = ok;
    r->done = true;
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

static bool reader_done(struct reader *r)
{
    pthread_mutex_lock(&r->mu);
    bool d = r->done;
    pthread_mutex_unlock(&r->mu);
    return d;
}

/* Wait (bounded: this is a correctness check, not a timing one) for @p f. */
static bool eventually(bool (*f)(void *), void *cls)
{
    for (int i = 0; i < 2000; i++) {
        if (f(cls))
            return true;
        usleep(5000);
    }
    return false;
}

static bool log_empty(void *cls)
{
    (void)cls;
    return log_events() == 0;
}

static bool is_done(void *cls)
{
    return reader_done(cls);
}

/* ---- tests ---------------------------------------------------------------------------- */

static void test_append_settle_project(void **state)
{
    (void)state;
    gate(false);
    char err[256];
    struct pd_ingest *ing = pd_ingest_start(st, 0, test_project, &P, err);
    assert_non_null(ing);
    assert_true(pd_ingest_deferred(ing));

    /* Two numbers; a key repeated inside the batch. */
    struct pd_scan_row rows[4] = {ev(7001, 1), ev(7002, 2), ev(7001, 3), ev(7001, 1)};
    bool dup[4];
    assert_int_equal(pd_ingest_append(ing, rows, 4, dup), 3);
    assert_false(dup[0] || dup[1] || dup[2]);
    assert_true(dup[3]);
    assert_int_equal(log_events(), 3); /* durable, and not projected: the gate is shut */
    /* Sent again while still in the log: duplicates. */
    assert_int_equal(pd_ingest_append(ing, rows, 2, dup), 0);
    assert_true(dup[0] && dup[1]);

    struct pd_ingest_stats s;
    pd_ingest_stats(ing, &s);
    assert_int_equal(s.appended, 3);
    assert_int_equal(s.backlog, 3);

    /* A number with nothing in the log: no wait, whatever the backlog. */
    char other[PD_WB_NO_SIZE];
    assert_true(pd_waybill_no_format(7999, other));
    assert_true(pd_ingest_settle(ing, other));

    /* A number with events in the log waits for the projector. */
    struct reader r = {.ing = ing, .mu = PTHREAD_MUTEX_INITIALIZER};
    r.no = rows[0].waybill_no;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_main, &r), 0);
    usleep(100 * 1000);
    assert_false(reader_done(&r)); /* the gate is shut: it cannot have been projected */
    assert_int_equal(seen(), 0);
    gate(true);
    assert_true(eventually(is_done, &r));
    pthread_join(t, NULL);
    assert_true(r.ok);
    assert_int_equal(seen(), 3); /* what it waited for is moved */
    /* In arrival order. */
    char want[PD_WB_NO_SIZE + 8];
    snprintf(want, sizeof want, "%s/1", rows[0].waybill_no);
    assert_string_equal(P.order[0], want);
    snprintf(want, sizeof want, "%s/2", rows[1].waybill_no);
    assert_string_equal(P.order[1], want);
    snprintf(want, sizeof want, "%s/3", rows[2].waybill_no);
    assert_string_equal(P.order[2], want);
    assert_true(eventually(log_empty, NULL));
    pd_ingest_stats(ing, &s);
    assert_int_equal(s.projected, 3);
    assert_int_equal(s.backlog, 0);

    /* Projected into scans: still duplicates. */
    assert_int_equal(pd_ingest_append(ing, rows, 3, dup), 0);
    assert_true(dup[0] && dup[1] && dup[2]);
    pd_ingest_stop(ing);
}

static void test_settle_gives_up(void **state)
{
    (void)state;
    gate(false); /* every projection fails */
    char err[256];
    struct pd_ingest *ing = pd_ingest_start(st, 0, test_project, &P, err);
    assert_non_null(ing);
    struct pd_scan_row r = ev(7101, 11);
    bool dup;
    assert_int_equal(pd_ingest_append(ing, &r, 1, &dup), 1);
    assert_false(pd_ingest_settle(ing, r.waybill_no)); /* after PD_INGEST_SETTLE_MS */
    assert_false(pd_ingest_settle_all(ing));
    struct pd_ingest_stats s;
    pd_ingest_stats(ing, &s);
    assert_int_equal(s.settle_timeouts, 2);
    assert_int_equal(s.backlog, 1);
    assert_int_equal(log_events(), 1); /* nothing lost */

    /* Stopped with the event still in the log (the projection fails). */
    pd_ingest_stop(ing);
    assert_int_equal(log_events(), 1);

    /* The next writer projects what the last one left, before anything else. */
    gate(false);
    int before = seen();
    ing = pd_ingest_start(st, 0, test_project, &P, err);
    assert_non_null(ing);
    pd_ingest_stats(ing, &s);
    assert_int_equal(s.backlog, 1);
    struct reader rd = {.ing = ing, .no = NULL, .mu = PTHREAD_MUTEX_INITIALIZER};
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, read_main, &rd), 0);
    usleep(50 * 1000);
    assert_false(reader_done(&rd)); /* a reader of any number waits for them */
    gate(true);
    assert_true(eventually(is_done, &rd));
    pthread_join(t, NULL);
    assert_true(rd.ok);
    assert_int_equal(seen(), before + 1);
    assert_true(eventually(log_empty, NULL));
    pd_ingest_stop(ing);
}

struct direct {
    int64_t log_events; /* what the log held when the function ran */
    int runs;
};

static pd_qs direct_fn(pd_db *db, void *cls)
{
    struct direct *d = cls;
    int64_t last;
    pd_qs qs = db->ops->scan_log_state(db, &d->log_events, &last);
    d->runs++;
    return qs < 0 ? qs : PD_QS_ONE;
}

static void test_run_sees_projected(void **state)
{
    (void)state;
    gate(true);
    char err[256];
    struct pd_ingest *ing = pd_ingest_start(st, 0, test_project, &P, err);
    assert_non_null(ing);
    struct pd_scan_row rows[3] = {ev(7201, 21), ev(7202, 22), ev(7203, 23)};
    bool dup[3];
    /* The gate shut: the events stay in the log... */
    gate(false);
    assert_int_equal(pd_ingest_append(ing, rows, 3, dup), 3);
    assert_int_equal(log_events(), 3);
    /* ...until a function that works on scans directly needs them there. */
    struct direct d = {.log_events = -1};
    gate(true);
    assert_true(pd_ingest_run(ing, direct_fn, &d, 1) >= 0);
    assert_int_equal(d.log_events, 0);
    assert_true(d.runs >= 1);
    pd_ingest_stop(ing);

    /* Without a projector (PostgreSQL's way) nothing is deferred. */
    ing = pd_ingest_start(st, 0, NULL, NULL, err);
    assert_non_null(ing);
    assert_false(pd_ingest_deferred(ing));
    assert_true(pd_ingest_settle(ing, rows[0].waybill_no));
    assert_true(pd_ingest_settle_all(ing));
    struct pd_ingest_stats s;
    pd_ingest_stats(ing, &s);
    assert_int_equal(s.appended + s.backlog + s.projected, 0);
    pd_ingest_stop(ing);
    assert_true(pd_ingest_settle(NULL, "x") && pd_ingest_settle_all(NULL));
    assert_false(pd_ingest_deferred(NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_settle_project),
        cmocka_unit_test(test_settle_gives_up),
        cmocka_unit_test(test_run_sees_projected),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
