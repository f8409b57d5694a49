/*
 * Request metrics for /metrics (Prometheus text exposition 0.0.4):
 * pd_http_requests_total{route,method,status}, the latency histogram
 * pd_http_request_duration_seconds{route}, requests in flight, and the
 * database pool gauges. Counters are lock-free on the hot path.
 */
#ifndef PD_HTTP_METRICS_H
#define PD_HTTP_METRICS_H

#include <stdint.h>

#include "store/store.h"
#include "util/buf.h"

struct pd_metrics;

struct pd_metrics *pd_metrics_new(void);
void pd_metrics_free(struct pd_metrics *m);

/** A request started / finished (in-flight gauge). */
void pd_metrics_begin(struct pd_metrics *m);
/**
 * Count one finished request. @p route is the route pattern (static string)
 * or "static", "unmatched"; @p method e.g. "GET".
 */
void pd_metrics_observe(struct pd_metrics *m, const char *route, const char *method,
                        unsigned status, int64_t dur_us);

/** Render everything, with the pool state of @p st (may be NULL), into @p out. */
void pd_metrics_render(struct pd_metrics *m, pd_store *st, pd_buf *out);

#endif
