/*
 * The HTTP server on libmicrohttpd: epoll with a thread pool, limits on
 * connections, URL, headers and body, idle timeouts, a request id on every
 * response, one access-log line per request, the static console and public
 * pages from cfg.web_root, /healthz and /metrics, and graceful shutdown that
 * lets in-flight requests finish.
 */
#ifndef PD_HTTP_SERVER_H
#define PD_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "http/app.h"
#include "http/router.h"

struct pd_server;

/**
 * Start serving @p routes on app->cfg.listen.
 * @param[out] err reason on failure (256 bytes).
 * @return the server, or NULL.
 */
struct pd_server *pd_server_start(struct pd_app *app, const struct pd_route *routes, size_t n,
                                  char err[256]);

/** The port actually bound (useful with port 0). */
uint16_t pd_server_port(const struct pd_server *s);

/**
 * Stop accepting connections, wait up to @p grace_ms for requests in
 * flight to finish, then stop and free the server.
 */
void pd_server_stop(struct pd_server *s, int grace_ms);

#endif
