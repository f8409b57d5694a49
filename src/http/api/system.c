/*
 * /healthz and /metrics (system.h). Health is "can the database answer
 * now", nothing more: a load balancer should take a server out when its
 * database is gone and put it back when it returns, without any state kept
 * here. The metrics handler only renders what metrics.c has counted.
 */
#include "http/api/system.h"

#include "http/app.h"
#include "http/ingest.h"
#include "http/metrics.h"
#include "http/reply.h"
#include "store/store.h"

#define OK_BODY      "{\"status\":\"ok\"}"
#define UNAVAIL_BODY "{\"status\":\"unavailable\"}"

int pd_api_healthz(struct pd_req *rq)
{
    pd_store *st = rq->app->store;
    if (st && pd_store_ping(st))
        return pd_reply_raw(rq, 200, NULL, OK_BODY, sizeof OK_BODY - 1);
    return pd_reply_raw(rq, 503, NULL, UNAVAIL_BODY, sizeof UNAVAIL_BODY - 1);
}

int pd_api_metrics(struct pd_req *rq)
{
    pd_buf out = PD_BUF_INIT;
    if (rq->app->metrics)
        pd_metrics_render(rq->app->metrics, rq->app->store, &out);
    if (pd_ingest_deferred(rq->app->ingest)) {
        struct pd_ingest_stats s;
        pd_ingest_stats(rq->app->ingest, &s);
        pd_buf_printf(
            &out,
            "# HELP pd_scan_log_events Scans acknowledged and waiting in the scan log"
            " to be projected.\n# TYPE pd_scan_log_events gauge\npd_scan_log_events %lld\n"
            "# HELP pd_scan_log_appended_total Scans appended to the scan log.\n"
            "# TYPE pd_scan_log_appended_total counter\npd_scan_log_appended_total %lld\n"
            "# HELP pd_scan_log_projected_total Scans projected into scans and tracking.\n"
            "# TYPE pd_scan_log_projected_total counter\npd_scan_log_projected_total %lld\n"
            "# HELP pd_scan_log_settle_timeouts_total Reads that stopped waiting for the"
            " projection after %d ms.\n# TYPE pd_scan_log_settle_timeouts_total counter\n"
            "pd_scan_log_settle_timeouts_total %lld\n",
            (long long)s.backlog, (long long)s.appended, (long long)s.projected,
            PD_INGEST_SETTLE_MS, (long long)s.settle_timeouts);
    }
    return pd_reply_buf_steal(rq, 200, "text/plain; version=0.0.4; charset=utf-8", &out);
}
