/*
 * Request metrics (src/http/metrics.c): counters per route pattern, method
 * and status; the latency histogram with cumulative buckets, sum and
 * count; the in-flight gauge; label escaping; exact totals under
 * concurrent updates; and the database pool gauges from a real (SQLite)
 * store.
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

#include "http/metrics.h"

static char *render(struct pd_metrics *m, pd_store *st)
{
    pd_buf b = PD_BUF_INIT;
    pd_metrics_render(m, st, &b);
    assert_false(b.oom);
    return pd_buf_steal(&b, NULL);
}

static void assert_line(const char *text, const char *line)
{
    char *want = malloc(strlen(line) + 3);
    sprintf(want, "\n%s\n", line);
    if (!strstr(text, want))
        fail_msg("line not found: %s\n--- output ---\n%s", line, text);
    free(want);
}

static void observe(struct pd_metrics *m, const char *route, const char *method, unsigned status,
                    int64_t us)
{
    pd_metrics_begin(m);
    pd_metrics_observe(m, route, method, status, us);
}

static void counters_and_histogram(void **state)
{
    struct pd_metrics *m = pd_metrics_new();
    assert_non_null(m);
    observe(m, "/api/v1/me", "GET", 200, 100);
    observe(m, "/api/v1/me", "GET", 200, 3000);
    observe(m, "/api/v1/me", "GET", 200, 2000000);
    observe(m, "/api/v1/me", "POST", 405, 600);
    observe(m, "unmatched", "BREW", 404, 50);
    pd_metrics_begin(m); /* one still in flight */

    char *t = render(m, NULL);
    assert_non_null(strstr(t, "# TYPE pd_http_requests_total counter\n"));
    assert_line(t, "pd_http_requests_total{route=\"/api/v1/me\",method=\"GET\",status=\"200\"} 3");
    assert_line(t, "pd_http_requests_total{route=\"/api/v1/me\",method=\"POST\",status=\"405\"} 1");
    /* Unknown methods are folded so that a client cannot create series at will. */
    assert_line(t, "pd_http_requests_total{route=\"unmatched\",method=\"OTHER\",status=\"404\"} 1");

    assert_non_null(strstr(t, "# TYPE pd_http_request_duration_seconds histogram\n"));
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"0.0005\"} 1");
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"0.001\"} 2");
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"0.0025\"} 2");
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"0.005\"} 3");
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"1\"} 3");
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"2.5\"} 4");
    assert_line(t, "pd_http_request_duration_seconds_bucket{route=\"/api/v1/me\",le=\"+Inf\"} 4");
    assert_line(t, "pd_http_request_duration_seconds_sum{route=\"/api/v1/me\"} 2.003700");
    assert_line(t, "pd_http_request_duration_seconds_count{route=\"/api/v1/me\"} 4");
    assert_line(t, "pd_http_requests_in_flight 1");
    /* No store: no pool gauges. */
    assert_null(strstr(t, "pd_db_pool_size"));
    free(t);
    pd_metrics_free(m);
}

static void label_values_escaped(void **state)
{
    struct pd_metrics *m = pd_metrics_new();
    observe(m, "/odd/\"quoted\"\\path\n", "GET", 200, 1);
    char *t = render(m, NULL);
    assert_non_null(strstr(t, "{route=\"/odd/\\\"quoted\\\"\\\\path\\n\",method=\"GET\""));
    free(t);
    pd_metrics_free(m);
}

struct thr {
    struct pd_metrics *m;
    int id;
};

static void *worker(void *p)
{
    struct thr *t = p;
    static const char *const routes[] = {"/a", "/b", "/c", "/d"};
    for (int i = 0; i < 20000; i++) {
        /* Each thread creates series the others also race to create. */
        pd_metrics_begin(t->m);
        pd_metrics_observe(t->m, routes[i % 4], "GET", 200 + (unsigned)(i % 3), i % 7);
    }
    return NULL;
}

static void concurrent_updates_are_exact(void **state)
{
    struct pd_metrics *m = pd_metrics_new();
    pthread_t th[4];
    struct thr t[4];
    for (int i = 0; i < 4; i++) {
        t[i] = (struct thr){m, i};
        pthread_create(&th[i], NULL, worker, &t[i]);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    char *txt = render(m, NULL);
    /* 80000 requests over 4 routes × 3 statuses; i%4 and i%3 cycle together every 12. */
    long total = 0;
    for (const char *p = txt; (p = strstr(p, "pd_http_requests_total{")); p++) {
        const char *sp = strchr(p, '}');
        total += strtol(sp + 2, NULL, 10);
    }
    assert_int_equal(total, 80000);
    assert_line(txt, "pd_http_request_duration_seconds_count{route=\"/a\"} 20000");
    assert_line(txt, "pd_http_requests_in_flight 0");
    /* Each (route, status) pair appears once: no duplicate series from the races. */
    assert_non_null(strstr(txt, "{route=\"/a\",method=\"GET\",status=\"200\"}"));
    const char *first = strstr(txt, "{route=\"/a\",method=\"GET\",status=\"200\"}");
    assert_null(strstr(first + 1, "{route=\"/a\",method=\"GET\",status=\"200\"}"));
    free(txt);
    pd_metrics_free(m);
}

static void pool_gauges_from_store(void **state)
{
    char dir[] = "/tmp/pd-metrics-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char url[128];
    snprintf(url, sizeof url, "sqlite:%s/m.db", dir);
    char err[256] = "";
    pd_store *st = pd_store_open(url, NULL, err);
    if (!st)
        fail_msg("pd_store_open(%s): %s", url, err);
    /* Use a connection once so that the store has something to report. */
    pd_db *db = pd_store_acquire(st);
    assert_non_null(db);
    pd_store_release(st, db);

    struct pd_metrics *m = pd_metrics_new();
    char *t = render(m, st);
    struct pd_store_stats s;
    pd_store_stats(st, &s);
    char line[128];
    snprintf(line, sizeof line, "pd_db_pool_size %d", s.pool_size);
    assert_line(t, line);
    assert_line(t, "pd_db_pool_in_use 0");
    assert_line(t, "pd_db_pool_waiting 0");
    snprintf(line, sizeof line, "pd_db_pool_acquired_total %lld", s.acquired_total);
    assert_line(t, line);
    assert_true(s.acquired_total >= 1);
    assert_line(t, "pd_db_pool_timeouts_total 0");
    assert_non_null(strstr(t, "# TYPE pd_db_pool_acquired_total counter\n"));
    free(t);
    pd_metrics_free(m);
    pd_store_close(st);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counters_and_histogram),
        cmocka_unit_test(label_values_escaped),
        cmocka_unit_test(concurrent_updates_are_exact),
        cmocka_unit_test(pool_gauges_from_store),
    };
    return cmocka_run_group_tests_name("http_metrics", tests, NULL, NULL);
}
