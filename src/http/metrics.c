/*
 * Request metrics (metrics.h) kept so that counting costs a few atomic
 * increments and no lock: series live in fixed open-addressing tables whose
 * slots are claimed once with a compare-and-swap and never freed or moved
 * while the server runs. A request looks its series up by hashing the
 * route pattern, method and status, finds it (almost always on the first
 * probe) and increments; only the first request of a new combination
 * allocates. Route patterns come from the route table, so the number of
 * series is bounded by routes × methods × statuses seen; should a table
 * ever fill up, further new series are counted in pd_http_series_dropped_total
 * instead of being created. Rendering (/metrics) reads the atomics without
 * stopping writers, sorts the series for a stable output and writes the
 * Prometheus text exposition format 0.0.4.
 */
#include "http/metrics.h"

#include <inttypes.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define CTR_SLOTS  1024 /* requests_total series (route × method × status) */
#define HIST_SLOTS 256  /* duration histograms (one per route) */
#define NBUCKETS   13

/* Upper bounds in microseconds; the last bucket is +Inf. */
static const int64_t bound_us[NBUCKETS - 1] = {500,   1000,   2500,   5000,   10000,   25000,
                                               50000, 100000, 250000, 500000, 1000000, 2500000};
static const char *const bound_txt[NBUCKETS] = {"0.0005", "0.001", "0.0025", "0.005", "0.01",
                                                "0.025",  "0.05",  "0.1",    "0.25",  "0.5",
                                                "1",      "2.5",   "+Inf"};

struct ctr {
    char *route;
    const char *method; /* one of the static method names */
    unsigned status;
    atomic_uint_fast64_t n;
};

struct hist {
    char *route;
    atomic_uint_fast64_t bucket[NBUCKETS]; /* non-cumulative; rendered cumulative */
    atomic_uint_fast64_t sum_us;
};

struct pd_metrics {
    atomic_int in_flight;
    atomic_uint_fast64_t dropped;
    _Atomic(struct ctr *) ctr[CTR_SLOTS];
    _Atomic(struct hist *) hist[HIST_SLOTS];
};

static const char *const methods[] = {"GET",    "POST", "PUT",     "PATCH",
                                      "DELETE", "HEAD", "OPTIONS", NULL};

/* Map the method to a static name so that a series never points into a request. */
static const char *method_name(const char *m)
{
    for (int i = 0; m && methods[i]; i++)
        if (strcmp(m, methods[i]) == 0)
            return methods[i];
    return "OTHER";
}

static uint64_t hash_str(uint64_t h, const char *s)
{
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ull;
    }
    return h;
}

struct pd_metrics *pd_metrics_new(void)
{
    struct pd_metrics *m = calloc(1, sizeof *m);
    return m;
}

void pd_metrics_free(struct pd_metrics *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < CTR_SLOTS; i++) {
        struct ctr *c = atomic_load(&m->ctr[i]);
        if (c) {
            free(c->route);
            free(c);
        }
    }
    for (size_t i = 0; i < HIST_SLOTS; i++) {
        struct hist *h = atomic_load(&m->hist[i]);
        if (h) {
            free(h->route);
            free(h);
        }
    }
    free(m);
}

void pd_metrics_begin(struct pd_metrics *m)
{
    atomic_fetch_add_explicit(&m->in_flight, 1, memory_order_relaxed);
}

static struct ctr *ctr_get(struct pd_metrics *m, const char *route, const char *method,
                           unsigned status)
{
    uint64_t h = hash_str(1469598103934665603ull, route);
    h = hash_str(h, method) ^ (status * 0x9E3779B97F4A7C15ull);
    struct ctr *mine = NULL;
    for (size_t probe = 0; probe < CTR_SLOTS; probe++) {
        _Atomic(struct ctr *) *slot = &m->ctr[(h + probe) & (CTR_SLOTS - 1)];
        struct ctr *c = atomic_load_explicit(slot, memory_order_acquire);
        if (!c) {
            if (!mine) {
                mine = calloc(1, sizeof *mine);
                if (!mine || !(mine->route = strdup(route))) {
                    free(mine);
                    return NULL;
                }
                mine->method = method;
                mine->status = status;
            }
            if (atomic_compare_exchange_strong_explicit(slot, &c, mine, memory_order_acq_rel,
                                                        memory_order_acquire))
                return mine;
            /* Lost the race: c is the winner; fall through and compare it. */
        }
        if (c->status == status && c->method == method && strcmp(c->route, route) == 0) {
            if (mine) {
                free(mine->route);
                free(mine);
            }
            return c;
        }
    }
    if (mine) {
        free(mine->route);
        free(mine);
    }
    return NULL;
}

static struct hist *hist_get(struct pd_metrics *m, const char *route)
{
    uint64_t h = hash_str(1469598103934665603ull, route);
    struct hist *mine = NULL;
    for (size_t probe = 0; probe < HIST_SLOTS; probe++) {
        _Atomic(struct hist *) *slot = &m->hist[(h + probe) & (HIST_SLOTS - 1)];
        struct hist *c = atomic_load_explicit(slot, memory_order_acquire);
        if (!c) {
            if (!mine) {
                mine = calloc(1, sizeof *mine);
                if (!mine || !(mine->route = strdup(route))) {
                    free(mine);
                    return NULL;
                }
            }
            if (atomic_compare_exchange_strong_explicit(slot, &c, mine, memory_order_acq_rel,
                                                        memory_order_acquire))
                return mine;
        }
        if (strcmp(c->route, route) == 0) {
            if (mine) {
                free(mine->route);
                free(mine);
            }
            return c;
        }
    }
    if (mine) {
        free(mine->route);
        free(mine);
    }
    return NULL;
}

void pd_metrics_observe(struct pd_metrics *m, const char *route, const char *method,
                        unsigned status, int64_t dur_us)
{
    atomic_fetch_sub_explicit(&m->in_flight, 1, memory_order_relaxed);
    if (!route)
        route = "unmatched";
    struct ctr *c = ctr_get(m, route, method_name(method), status);
    struct hist *h = hist_get(m, route);
    if (!c || !h)
        atomic_fetch_add_explicit(&m->dropped, 1, memory_order_relaxed);
    if (c)
        atomic_fetch_add_explicit(&c->n, 1, memory_order_relaxed);
    if (h) {
        if (dur_us < 0)
            dur_us = 0;
        int b = 0;
        while (b < NBUCKETS - 1 && dur_us > bound_us[b])
            b++;
        atomic_fetch_add_explicit(&h->bucket[b], 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&h->sum_us, (uint_fast64_t)dur_us, memory_order_relaxed);
    }
}

/* ---- rendering ---------------------------------------------------------- */

static void label_value(pd_buf *out, const char *s)
{
    pd_buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            pd_buf_putc(out, '\\');
        if (*s == '\n') {
            pd_buf_puts(out, "\\n");
            continue;
        }
        pd_buf_putc(out, *s);
    }
    pd_buf_putc(out, '"');
}

static int cmp_ctr(const void *a, const void *b)
{
    const struct ctr *x = *(const struct ctr *const *)a, *y = *(const struct ctr *const *)b;
    int r = strcmp(x->route, y->route);
    if (!r)
        r = strcmp(x->method, y->method);
    if (!r)
        r = (x->status > y->status) - (x->status < y->status);
    return r;
}

static int cmp_hist(const void *a, const void *b)
{
    const struct hist *x = *(const struct hist *const *)a, *y = *(const struct hist *const *)b;
    return strcmp(x->route, y->route);
}

static void gauge(pd_buf *out, const char *name, const char *type, const char *help, long long v)
{
    pd_buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name, type, name, v);
}

void pd_metrics_render(struct pd_metrics *m, pd_store *st, pd_buf *out)
{
    struct ctr *cs[CTR_SLOTS];
    struct hist *hs[HIST_SLOTS];
    size_t nc = 0, nh = 0;
    for (size_t i = 0; i < CTR_SLOTS; i++)
        if ((cs[nc] = atomic_load_explicit(&m->ctr[i], memory_order_acquire)))
            nc++;
    for (size_t i = 0; i < HIST_SLOTS; i++)
        if ((hs[nh] = atomic_load_explicit(&m->hist[i], memory_order_acquire)))
            nh++;
    qsort(cs, nc, sizeof cs[0], cmp_ctr);
    qsort(hs, nh, sizeof hs[0], cmp_hist);

    pd_buf_puts(out, "# HELP pd_http_requests_total HTTP requests answered, by route pattern, "
                     "method and status.\n# TYPE pd_http_requests_total counter\n");
    for (size_t i = 0; i < nc; i++) {
        pd_buf_puts(out, "pd_http_requests_total{route=");
        label_value(out, cs[i]->route);
        pd_buf_printf(out, ",method=\"%s\",status=\"%u\"} %" PRIuFAST64 "\n", cs[i]->method,
                      cs[i]->status, atomic_load_explicit(&cs[i]->n, memory_order_relaxed));
    }

    pd_buf_puts(out, "# HELP pd_http_request_duration_seconds Time from the request line to the "
                     "last byte of the response, by route pattern.\n"
                     "# TYPE pd_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i < nh; i++) {
        /* Sum a snapshot so that _count always equals the +Inf bucket. */
        uint_fast64_t cum = 0;
        for (int b = 0; b < NBUCKETS; b++) {
            cum += atomic_load_explicit(&hs[i]->bucket[b], memory_order_relaxed);
            pd_buf_puts(out, "pd_http_request_duration_seconds_bucket{route=");
            label_value(out, hs[i]->route);
            pd_buf_printf(out, ",le=\"%s\"} %" PRIuFAST64 "\n", bound_txt[b], cum);
        }
        uint_fast64_t sum = atomic_load_explicit(&hs[i]->sum_us, memory_order_relaxed);
        pd_buf_puts(out, "pd_http_request_duration_seconds_sum{route=");
        label_value(out, hs[i]->route);
        pd_buf_printf(out, "} %" PRIuFAST64 ".%06" PRIuFAST64 "\n", sum / 1000000, sum % 1000000);
        pd_buf_puts(out, "pd_http_request_duration_seconds_count{route=");
        label_value(out, hs[i]->route);
        pd_buf_printf(out, "} %" PRIuFAST64 "\n", cum);
    }

    gauge(out, "pd_http_requests_in_flight", "gauge", "Requests being processed now.",
          atomic_load_explicit(&m->in_flight, memory_order_relaxed));
    gauge(out, "pd_http_series_dropped_total", "counter",
          "Requests not counted per route because the series table was full.",
          (long long)atomic_load_explicit(&m->dropped, memory_order_relaxed));

    if (st) {
        struct pd_store_stats s;
        memset(&s, 0, sizeof s);
        pd_store_stats(st, &s);
        gauge(out, "pd_db_pool_size", "gauge", "Database connections allowed.", s.pool_size);
        gauge(out, "pd_db_pool_in_use", "gauge", "Database connections handed out now.", s.in_use);
        gauge(out, "pd_db_pool_waiting", "gauge", "Threads waiting for a database connection.",
              s.waiting);
        gauge(out, "pd_db_pool_acquired_total", "counter", "Database connections handed out.",
              s.acquired_total);
        gauge(out, "pd_db_pool_timeouts_total", "counter",
              "Waits for a database connection that timed out.", s.timeouts_total);
    }
}
