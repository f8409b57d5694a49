/*
 * /healthz and /metrics (system.h). Health is "can the database answer
 * now", nothing more: a load balancer should take a server out when its
 * database is gone and put it back when it returns, without any state kept
 * here. The metrics handler only renders what metrics.c has counted.
 */
#include "http/api/system.h"

#include "http/app.h"
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
    return pd_reply_buf_steal(rq, 200, "text/plain; version=0.0.4; charset=utf-8", &out);
}
