/*
 * The route table turned into a segment trie, and the matching of a request
 * path against it. Patterns are split on '/' once, at start-up; a request is
 * matched by walking its raw (still percent-encoded) path segment by segment,
 * trying literal children first, then the {param} child, then a trailing
 * {*rest}, and backtracking when a branch ends without a route for the
 * method. That order is what makes "/users/me" win over "/users/{id}" while
 * "PATCH /users/me" still reaches "PATCH /users/{id}" when only the
 * parameter branch has a PATCH. Parameters are percent-decoded into the
 * request's arena only once the match is final; an invalid escape or %00 in
 * a parameter makes that branch not match. Literal segments are compared
 * byte for byte against the raw path, so they must be written unencoded.
 * A trailing {*rest} needs its slash: "/files/{*rest}" matches "/files/"
 * (rest "") and "/files/a/b" (rest "a/b") but not "/files".
 * This file knows nothing of libmicrohttpd.
 */
#include "http/router.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/url.h"

#define N_METHODS PD_METHOD_OTHER

struct rnode {
    char *lit; /* literal segment (NULL for the root and parameter nodes) */
    size_t lit_len;
    struct rnode **kids; /* literal children */
    size_t nkids;
    struct rnode *param; /* {name} child */
    struct rnode *rest;  /* {*name} child: always a leaf */
    const struct pd_route *by_method[N_METHODS];
    bool has_routes;
};

struct pd_router {
    struct rnode root;
};

struct slice {
    const char *p;
    size_t n;
};

/* ---- building ----------------------------------------------------------- */

static void node_free(struct rnode *n)
{
    for (size_t i = 0; i < n->nkids; i++) {
        node_free(n->kids[i]);
        free(n->kids[i]);
    }
    free(n->kids);
    if (n->param) {
        node_free(n->param);
        free(n->param);
    }
    if (n->rest) {
        node_free(n->rest);
        free(n->rest);
    }
    free(n->lit);
}

static struct rnode *child_lit(struct rnode *n, const char *s, size_t len)
{
    for (size_t i = 0; i < n->nkids; i++)
        if (n->kids[i]->lit_len == len && memcmp(n->kids[i]->lit, s, len) == 0)
            return n->kids[i];
    struct rnode **k = realloc(n->kids, (n->nkids + 1) * sizeof *k);
    if (!k)
        return NULL;
    n->kids = k;
    struct rnode *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->lit = malloc(len + 1);
    if (!c->lit) {
        free(c);
        return NULL;
    }
    memcpy(c->lit, s, len);
    c->lit[len] = '\0';
    c->lit_len = len;
    n->kids[n->nkids++] = c;
    return c;
}

static struct rnode *child_slot(struct rnode **slot)
{
    if (!*slot)
        *slot = calloc(1, sizeof **slot);
    return *slot;
}

enum add_result { ADD_OK, ADD_OOM, ADD_BAD };

static enum add_result add_route(struct pd_router *r, const struct pd_route *rt)
{
    const char *p = rt->pattern;
    if (!p || p[0] != '/' || rt->method >= N_METHODS || !rt->handler)
        return ADD_BAD;
    struct rnode *n = &r->root;
    int nparams = 0;
    p++;
    for (;;) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= 2 && p[0] == '{' && p[len - 1] == '}') {
            if (++nparams > PD_MAX_ARGS)
                return ADD_BAD;
            if (p[1] == '*') {
                if (end) /* {*rest} must be the last segment */
                    return ADD_BAD;
                n = child_slot(&n->rest);
            } else {
                n = child_slot(&n->param);
            }
        } else {
            if (memchr(p, '{', len) || memchr(p, '}', len))
                return ADD_BAD;
            n = child_lit(n, p, len);
        }
        if (!n)
            return ADD_OOM;
        if (!end)
            break;
        p = end + 1;
    }
    if (n->by_method[rt->method]) {
        pd_warn("route %s %s is defined twice; the first definition wins", rt->pattern,
                n->by_method[rt->method]->pattern);
        return ADD_OK;
    }
    n->by_method[rt->method] = rt;
    n->has_routes = true;
    return ADD_OK;
}

struct pd_router *pd_router_new(const struct pd_route *routes, size_t n)
{
    struct pd_router *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        enum add_result res = add_route(r, &routes[i]);
        if (res == ADD_BAD)
            pd_error("invalid route pattern \"%s\" (row %zu)",
                     routes[i].pattern ? routes[i].pattern : "(null)", i);
        if (res != ADD_OK) {
            pd_router_free(r);
            return NULL;
        }
    }
    return r;
}

void pd_router_free(struct pd_router *r)
{
    if (!r)
        return;
    node_free(&r->root);
    free(r);
}

/* ---- matching ----------------------------------------------------------- */

struct walk {
    enum pd_method method;
    struct slice caps[PD_MAX_ARGS];
    int ncaps;
    struct slice best_caps[PD_MAX_ARGS];
    int best_ncaps;
    const struct pd_route *best;
    bool path_seen; /* some route's pattern matched the path */
    char allowed[N_METHODS];
};

static const struct pd_route *route_for(const struct rnode *n, enum pd_method m)
{
    if (m < N_METHODS && n->by_method[m])
        return n->by_method[m];
    /* HEAD is answered by the GET handler (libmicrohttpd drops the body). */
    if (m == PD_HEAD)
        return n->by_method[PD_GET];
    return NULL;
}

/* Record a node whose pattern matched the whole path; true when the search may stop. */
static bool arrive(struct walk *w, const struct rnode *n)
{
    if (!n->has_routes)
        return false;
    w->path_seen = true;
    for (int m = 0; m < N_METHODS; m++)
        if (n->by_method[m])
            w->allowed[m] = 1;
    const struct pd_route *rt = route_for(n, w->method);
    if (rt && !w->best) {
        w->best = rt;
        memcpy(w->best_caps, w->caps, sizeof w->caps);
        w->best_ncaps = w->ncaps;
    }
    /* When only the allowed list is wanted (method OTHER), keep exploring. */
    return w->best != NULL;
}

/* Depth-first over the trie; path points just after a '/'. */
static bool walk(struct walk *w, const struct rnode *n, const char *path)
{
    const char *end = strchr(path, '/');
    size_t len = end ? (size_t)(end - path) : strlen(path);

    for (size_t i = 0; i < n->nkids; i++) {
        const struct rnode *k = n->kids[i];
        if (k->lit_len != len || memcmp(k->lit, path, len) != 0)
            continue;
        if (end ? walk(w, k, end + 1) : arrive(w, k))
            return true;
    }
    if (n->param && len > 0 && pd_url_escapes_ok(path, len)) {
        w->caps[w->ncaps++] = (struct slice){path, len};
        bool done = end ? walk(w, n->param, end + 1) : arrive(w, n->param);
        w->ncaps--;
        if (done)
            return true;
    }
    if (n->rest) {
        size_t all = strlen(path);
        if (pd_url_escapes_ok(path, all)) {
            w->caps[w->ncaps++] = (struct slice){path, all};
            bool done = arrive(w, n->rest);
            w->ncaps--;
            if (done)
                return true;
        }
    }
    return false;
}

static void run_walk(const struct pd_router *r, struct walk *w, const char *path)
{
    if (path && path[0] == '/')
        walk(w, &r->root, path + 1);
}

enum pd_route_match pd_router_match(const struct pd_router *r, enum pd_method method,
                                    const char *path, const struct pd_route **route,
                                    const char *args[PD_MAX_ARGS], int *nargs, pd_arena *arena)
{
    struct walk w;
    memset(&w, 0, sizeof w);
    w.method = method;
    *route = NULL;
    *nargs = 0;
    run_walk(r, &w, path);
    if (!w.best)
        return w.path_seen ? PD_MATCH_NO_METHOD : PD_MATCH_NO_PATH;
    for (int i = 0; i < w.best_ncaps; i++) {
        args[i] = pd_url_decode(arena, w.best_caps[i].p, w.best_caps[i].n);
        if (!args[i])
            return PD_MATCH_NO_PATH; /* arena exhausted: nothing sensible to route to */
    }
    *nargs = w.best_ncaps;
    *route = w.best;
    return PD_MATCH_OK;
}

static const char *const method_names[N_METHODS] = {
    [PD_GET] = "GET",       [PD_POST] = "POST", [PD_PUT] = "PUT",         [PD_PATCH] = "PATCH",
    [PD_DELETE] = "DELETE", [PD_HEAD] = "HEAD", [PD_OPTIONS] = "OPTIONS",
};

void pd_router_allowed(const struct pd_router *r, const char *path, char *out, size_t n)
{
    struct walk w;
    memset(&w, 0, sizeof w);
    w.method = PD_METHOD_OTHER; /* never matches: visits every pattern that fits the path */
    run_walk(r, &w, path);
    if (w.allowed[PD_GET])
        w.allowed[PD_HEAD] = 1;
    size_t o = 0;
    if (n == 0)
        return;
    out[0] = '\0';
    for (int m = 0; m < N_METHODS; m++) {
        if (!w.allowed[m])
            continue;
        size_t need = strlen(method_names[m]) + (o ? 2 : 0);
        if (o + need + 1 > n)
            break;
        if (o) {
            memcpy(out + o, ", ", 2);
            o += 2;
        }
        memcpy(out + o, method_names[m], strlen(method_names[m]));
        o += strlen(method_names[m]);
        out[o] = '\0';
    }
}
