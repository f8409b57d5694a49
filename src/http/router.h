/*
 * The route table. Every endpoint is one row: method, path pattern with
 * {parameters}, the permission it needs, flags, handler. The server checks
 * everything a row states (authentication, role permission, body shape)
 * before the handler runs; handlers check only network scope and their own
 * business rules.
 *
 * Patterns: literal segments and {name} segments; a final {*name} takes the
 * rest of the path. Parameters are passed to the handler in rq->args in
 * pattern order, percent-decoded, in the request's arena.
 */
#ifndef PD_HTTP_ROUTER_H
#define PD_HTTP_ROUTER_H

#include <stddef.h>

#include "http/req.h"

typedef int (*pd_handler_fn)(struct pd_req *rq);

#define PD_ROUTE_PUBLIC (-1) /* no authentication */
#define PD_ROUTE_AUTH   (-2) /* any authenticated caller */

/* flags */
#define PD_ROUTE_JSON      0x1u  /* body must be a JSON object (parsed into rq->json) */
#define PD_ROUTE_RAW       0x2u  /* body kept raw in rq->body (NDJSON, CSV, uploads) */
#define PD_ROUTE_USER_ONLY 0x4u  /* staff sessions only, API keys refused (403) */
#define PD_ROUTE_BIG_BODY  0x8u  /* bodies up to 16× the normal limit (imports, scans) */
#define PD_ROUTE_JSON_OPT  0x10u /* a body, when there is one, must be a JSON object */
#define PD_ROUTE_STREAM    0x20u /* body to the handler in pieces, no size limit (req.h) */

struct pd_route {
    enum pd_method method;
    const char *pattern;
    int perm; /* enum pd_perm, PD_ROUTE_PUBLIC or PD_ROUTE_AUTH */
    unsigned flags;
    pd_handler_fn handler;
};

struct pd_router;

enum pd_route_match { PD_MATCH_OK, PD_MATCH_NO_PATH, PD_MATCH_NO_METHOD };

/** Build a router over @p routes (borrowed; must outlive the router). NULL on OOM. */
struct pd_router *pd_router_new(const struct pd_route *routes, size_t n);
void pd_router_free(struct pd_router *r);

/**
 * Find the route for @p method and @p path.
 * @param[out] route the matched row (PD_MATCH_OK)
 * @param[out] args, nargs path parameters, decoded into @p arena
 * @return PD_MATCH_NO_METHOD when the path exists under other methods (405),
 *         PD_MATCH_NO_PATH when nothing matches (404).
 */
enum pd_route_match pd_router_match(const struct pd_router *r, enum pd_method method,
                                    const char *path, const struct pd_route **route,
                                    const char *args[PD_MAX_ARGS], int *nargs, pd_arena *arena);

/** "GET, POST" — the methods a path allows (for the Allow header); into out. */
void pd_router_allowed(const struct pd_router *r, const char *path, char *out, size_t n);

#endif
