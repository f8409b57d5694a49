/*
 * Operational endpoints: liveness/readiness for load balancers and
 * orchestrators, and the Prometheus scrape target. Both are public
 * (PD_ROUTE_PUBLIC) and cheap; neither touches the arena beyond the reply.
 */
#ifndef PD_HTTP_API_SYSTEM_H
#define PD_HTTP_API_SYSTEM_H

#include "http/req.h"

/**
 * GET /healthz: 200 {"status":"ok"} when the database answers a trivial
 * query now (pd_store_ping), 503 {"status":"unavailable"} otherwise
 * (including when rq->app->store is NULL).
 * @return PD_HANDLED, or PD_FAIL when no response could be built.
 */
int pd_api_healthz(struct pd_req *rq);

/**
 * GET /metrics: the Prometheus text exposition (version 0.0.4) of
 * rq->app->metrics, with the database pool gauges of rq->app->store.
 * The text is built in a heap buffer whose ownership passes to the response.
 * @return PD_HANDLED, or PD_FAIL when no response could be built.
 */
int pd_api_metrics(struct pd_req *rq);

#endif
