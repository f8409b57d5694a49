/*
 * One HTTP request in flight: its context, from the first call of the
 * libmicrohttpd access handler until the completion callback.
 *
 * A request is: route → authenticate → authorise (role + network node) →
 * decode JSON through a field spec → core decides → store commits in one
 * transaction → encode the response → access (and audit) log line.
 *
 * Ownership: the server allocates and frees the pd_req. Handlers allocate
 * only from rq->arena, which is released after the response is queued; a
 * handler that needs more cleanup sets h_ctx and h_cleanup.
 * A handler queues exactly one response through the reply functions
 * (reply.h) and returns PD_HANDLED, or returns PD_FAIL to drop the
 * connection after a hard failure.
 */
#ifndef PD_HTTP_REQ_H
#define PD_HTTP_REQ_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"
#include "core/org.h"
#include "util/arena.h"
#include "util/buf.h"

struct MHD_Connection;
struct MHD_Response;
struct pd_app;
struct pd_route;

#define PD_HANDLED  1
#define PD_FAIL     0
#define PD_MAX_ARGS 6

enum pd_who { PD_WHO_NONE, PD_WHO_USER, PD_WHO_APIKEY };

/** The authenticated caller. */
struct pd_principal {
    enum pd_who kind;
    int64_t id;                 /* user id or API key id */
    int64_t session_id;         /* users logged in by session; 0 otherwise */
    char name[PD_USERNAME_MAX]; /* user name, or the key's prefix */
    char display_name[PD_NAME_MAX];
    enum pd_role role;
    int64_t node_id;
    char node_code[PD_CODE_MAX];
    char node_path[PD_PATH_MAX];
    char node_name[PD_NAME_MAX];
    enum pd_node_type node_type;
    char phone[32]; /* users only */
    int64_t created_ms;
    char token_hash[65]; /* SHA-256 hex of the credential used */
    bool via_cookie;     /* authenticated by the console cookie */
};

/*
 * How the handler gets the body. Most routes: once, PD_BODY_WHOLE, with the
 * whole body in rq->body. Streaming routes (PD_ROUTE_STREAM, router.h) have
 * no body buffer and no size limit: the handler is called with
 *   PD_BODY_BEGIN  once the headers are in and the caller is authenticated
 *                  and authorised (no body yet);
 *   PD_BODY_CHUNK  per piece of body as it arrives (rq->chunk, chunk_len:
 *                  libmicrohttpd's buffer, read-only, valid during the call);
 *   PD_BODY_END    once the body is complete: it must reply.
 * A reply queued at BEGIN or CHUNK (an error) ends the stream: no further
 * calls, the rest of the body is read and dropped, and that reply is sent
 * when the body is in. State between the calls lives in h_ctx; h_cleanup
 * runs when the request ends, also when the client goes away mid-body.
 * The calls of one request come from one thread, one after the other.
 */
enum pd_body_phase { PD_BODY_WHOLE = 0, PD_BODY_BEGIN, PD_BODY_CHUNK, PD_BODY_END };

enum pd_method {
    PD_GET,
    PD_POST,
    PD_PUT,
    PD_PATCH,
    PD_DELETE,
    PD_HEAD,
    PD_OPTIONS,
    PD_METHOD_OTHER
};

struct pd_req {
    struct MHD_Connection *conn;
    struct pd_app *app;
    const struct pd_route *route; /* NULL until routed */
    enum pd_method method;
    const char *method_str;
    const char *url; /* path without the query string */
    char ip[64];     /* client address (X-Forwarded-For if trusted) */
    char request_id[72];
    const char *lang; /* "zh" or "en" from Accept-Language / ?lang= */
    int64_t t_start_us;

    const char *args[PD_MAX_ARGS]; /* path parameters in route order, in the arena */
    int nargs;

    pd_buf body; /* raw request body (not used by streaming routes) */
    bool body_too_large;
    enum pd_body_phase phase; /* see above */
    const char *chunk;        /* PD_BODY_CHUNK: the piece (not NUL-terminated) */
    size_t chunk_len;
    uint64_t body_bytes; /* streaming: bytes of body received so far */
    json_t *json;        /* parsed body (owned), NULL if none */

    struct pd_principal who;

    pd_arena arena;
    void *h_ctx;
    void (*h_cleanup)(struct pd_req *rq);

    /* response (set by reply.h functions) */
    struct MHD_Response *resp;
    unsigned status;
    const char *err_code; /* for the access log */
};

/** Query-string argument or NULL. The string belongs to libmicrohttpd. */
const char *pd_req_query(struct pd_req *rq, const char *key);

/** Request header or NULL. */
const char *pd_req_header(struct pd_req *rq, const char *name);

/**
 * Whether the caller may see a record at node path @p record_path (network
 * scoping): the record's node is the caller's node or below it.
 */
bool pd_req_in_scope(const struct pd_req *rq, const char *record_path);

#endif
