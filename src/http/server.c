/*
 * The HTTP server (server.h) on libmicrohttpd: one epoll thread pool, one
 * request context per request, and the pipeline every request goes
 * through — route, authenticate, authorise, check and parse the body,
 * call the handler — with the common response headers, the access log and
 * the metrics around it. Handlers never see libmicrohttpd's calling
 * convention; this file owns it.
 *
 * The calling convention, and why it is used the way it is:
 *  1. URI log callback (request line parsed): the request context is
 *     created here, so that the clock starts early, the full URI (with its
 *     query string, still percent-encoded) can be checked against the URL
 *     limit, and the router later sees the raw path and decodes parameters
 *     itself.
 *  2. First access-handler call (headers parsed): set-up only — method,
 *     language, client address, request id, routing (so the body limit of
 *     the route is known before the body arrives). It returns without a
 *     response: libmicrohttpd 0.9.75 closes a keep-alive connection when
 *     the reply is queued on the first call (measured: 17–21k req/s instead
 *     of 100k+). The one exception is a declared Content-Length over the
 *     limit, answered at once with 413 because closing is then wanted.
 *  3. Calls with upload data: the body is buffered up to the limit, then
 *     dropped (and answered 413 at the end).
 *  4. Last call (*upload_data_size == 0): the pipeline runs and the reply
 *     is queued.
 *  5. Completion callback: handler cleanup, metrics, access-log line, and
 *     the context goes back to a per-thread free list (its arena keeps its
 *     first chunk) so that keep-alive traffic does not malloc per request.
 *
 * Streaming routes (PD_ROUTE_STREAM; the handler's side is in req.h) take
 * steps 2–4 differently, because their body may be longer than anything
 * worth holding (a day's queue_log as a live feed): at the first call the
 * caller is authenticated and authorised and the handler called to begin;
 * each call with upload data goes straight to the handler, nothing is
 * buffered and there is no body limit (not even a declared Content-Length
 * is refused); the last call asks the handler for the reply. A reply made
 * before the end (refused caller, handler error) is held until the body is
 * read, as other routes' replies are, and the rest of the body dropped.
 *
 * Threads: every callback for a connection runs in the pool thread that
 * owns it, so the per-thread free list and access-log buffer need no lock
 * on the hot path beyond an uncontended mutex the once-a-second flusher
 * thread shares. Thread-local state is tagged with the server's serial
 * number, never its address, so a later server in the same process (tests)
 * cannot pick up stale state.
 */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/auth.h"
#include "http/metrics.h"
#include "http/reply.h"
#include "http/static.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define ARENA_LIMIT   ((size_t)64 << 20) /* per request; past it handlers fail cleanly */
#define LOGBUF_SIZE   (64 * 1024)
#define FREELIST_MAX  64
#define BODY_KEEP_MAX (64 * 1024) /* body buffers larger than this are not kept for reuse */
#define REQ_ID_MAX    64 /* echo incoming ids of up to 64 characters (rq->request_id[72]) */

/* ---- types -------------------------------------------------------------- */

struct logbuf {
    pthread_mutex_t mu; /* taken by the owning thread and the flusher only */
    struct logbuf *next;
    int64_t ts_sec; /* second the cached timestamp text is for */
    char ts[24];    /* "YYYY-MM-DDTHH:MM:SS" in China time */
    size_t len;
    char data[LOGBUF_SIZE];
};

struct pd_server {
    struct pd_app *app;
    struct pd_router *router;
    struct MHD_Daemon *daemon;
    uint64_t serial;
    uint16_t port;
    size_t max_body;
    size_t max_url;
    atomic_int in_flight;
    atomic_uint_fast64_t next_id;
    char id_prefix[12];

    pthread_mutex_t logs_mu; /* guards the list, not the buffers */
    struct logbuf *logs;
    pthread_t flusher;
    bool flusher_running;
    pthread_mutex_t stop_mu;
    pthread_cond_t stop_cv;
    bool stopping;
};

/* The server's view of a request: the handlers' pd_req plus pipeline state. */
struct sreq {
    struct pd_req rq; /* first member: handlers get &sr->rq */
    struct pd_server *srv;
    struct sreq *next_free;
    enum pd_route_match match;
    pd_err early; /* decided at the first call, replied at the last */
    bool started; /* first access-handler call done */
    bool queued;  /* a response has been queued */
    bool url_too_long;
    bool is_static;
    bool close_conn;   /* send Connection: close */
    bool discard_body; /* nobody will read the body: do not buffer it */
    size_t body_limit;
    bool streaming;   /* a PD_ROUTE_STREAM route: the handler takes the body */
    bool stream_over; /* a reply is made (or the caller refused): drop the rest */
};

struct tls_state {
    uint64_t serial; /* server this thread's state belongs to (0: none) */
    struct sreq *free_list;
    int nfree;
    struct logbuf *log;
};

static _Thread_local struct tls_state tls;
static pthread_key_t tls_key;
static pthread_once_t tls_once = PTHREAD_ONCE_INIT;
static atomic_uint_fast64_t server_serial;

/* ---- request contexts --------------------------------------------------- */

static void sreq_destroy(struct sreq *sr)
{
    pd_arena_free(&sr->rq.arena);
    pd_buf_free(&sr->rq.body);
    free(sr);
}

static void tls_drop_free_list(struct tls_state *t)
{
    while (t->free_list) {
        struct sreq *sr = t->free_list;
        t->free_list = sr->next_free;
        sreq_destroy(sr);
    }
    t->nfree = 0;
}

/* Thread exit: the pool threads end inside MHD_stop_daemon(). */
static void tls_on_exit(void *p)
{
    tls_drop_free_list(p);
}

static void tls_key_create(void)
{
    if (pthread_key_create(&tls_key, tls_on_exit) != 0)
        pd_error("pthread_key_create failed; request contexts will not be recycled");
}

/* Bind the calling thread's state to @p srv, discarding what belonged to an earlier server. */
static void tls_bind(struct pd_server *srv)
{
    if (tls.serial == srv->serial)
        return;
    tls_drop_free_list(&tls);
    tls.log = NULL; /* owned (and freed) by its server */
    tls.serial = srv->serial;
    pthread_once(&tls_once, tls_key_create);
    pthread_setspecific(tls_key, &tls);
}

static struct sreq *sreq_get(struct pd_server *srv)
{
    tls_bind(srv);
    struct sreq *sr = tls.free_list;
    pd_arena arena;
    pd_buf body;
    if (sr) {
        tls.free_list = sr->next_free;
        tls.nfree--;
        arena = sr->rq.arena;
        body = sr->rq.body;
    } else {
        sr = malloc(sizeof *sr);
        if (!sr)
            return NULL;
        pd_arena_init(&arena, ARENA_LIMIT);
        pd_buf_init(&body);
    }
    memset(sr, 0, sizeof *sr);
    sr->rq.arena = arena;
    sr->rq.body = body;
    sr->srv = srv;
    return sr;
}

static void sreq_put(struct sreq *sr)
{
    pd_arena_reset(&sr->rq.arena);
    if (sr->rq.body.cap > BODY_KEEP_MAX)
        pd_buf_free(&sr->rq.body);
    else
        pd_buf_reset(&sr->rq.body);
    if (tls.serial == sr->srv->serial && tls.nfree < FREELIST_MAX) {
        sr->next_free = tls.free_list;
        tls.free_list = sr;
        tls.nfree++;
    } else {
        sreq_destroy(sr);
    }
}

/* ---- small helpers ------------------------------------------------------ */

static enum pd_method parse_method(const char *m)
{
    static const struct {
        const char *name;
        enum pd_method m;
    } tab[] = {{"GET", PD_GET},        {"POST", PD_POST},     {"PUT", PD_PUT},
               {"PATCH", PD_PATCH},    {"DELETE", PD_DELETE}, {"HEAD", PD_HEAD},
               {"OPTIONS", PD_OPTIONS}};
    for (size_t i = 0; m && i < sizeof tab / sizeof tab[0]; i++)
        if (strcmp(m, tab[i].name) == 0)
            return tab[i].m;
    return PD_METHOD_OTHER;
}

static bool request_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char c = s[n];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
        if (n >= REQ_ID_MAX)
            return false;
    }
    return n > 0;
}

/* Echo a sane incoming id; otherwise process prefix + counter (no syscall, no lock). */
static void set_request_id(struct pd_server *srv, struct pd_req *rq)
{
    const char *in = pd_req_header(rq, "X-Request-Id");
    if (in && request_id_ok(in)) {
        snprintf(rq->request_id, sizeof rq->request_id, "%s", in);
        return;
    }
    uint64_t n = atomic_fetch_add_explicit(&srv->next_id, 1, memory_order_relaxed);
    static const char digits[] = "0123456789abcdefghijklmnopqrstuv";
    char tmp[16];
    int k = 0;
    do {
        tmp[k++] = digits[n & 31];
        n >>= 5;
    } while (n);
    size_t p = strlen(srv->id_prefix);
    memcpy(rq->request_id, srv->id_prefix, p);
    rq->request_id[p++] = '-';
    while (k)
        rq->request_id[p++] = tmp[--k];
    rq->request_id[p] = '\0';
}

static void set_lang(struct pd_req *rq)
{
    const char *l = pd_req_query(rq, "lang");
    if (!l)
        l = pd_req_header(rq, "Accept-Language");
    rq->lang = (l && strncasecmp(l, "en", 2) == 0) ? "en" : "zh";
}

static bool ip_char_ok(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
           c == '.';
}

/* The peer address of @p conn as text into @p out (n bytes): "" when unknown. */
static void peer_text(struct MHD_Connection *conn, char *out, size_t n)
{
    out[0] = '\0';
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = ci ? ci->client_addr : NULL;
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)n);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)n);
}

/* Each connection's peer address is put into text once, when it opens
 * (on_connection): inet_ntop per request was a visible share of the public
 * look-up over keep-alive connections. The text is the connection's socket
 * context, freed when it closes. */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    (void)cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        char *ip = malloc(sizeof((struct pd_req *)NULL)->ip);
        if (ip)
            peer_text(conn, ip, sizeof((struct pd_req *)NULL)->ip);
        *socket_context = ip; /* NULL: set_ip asks each time */
    } else {
        free(*socket_context);
        *socket_context = NULL;
    }
}

static void set_ip(struct pd_server *srv, struct pd_req *rq)
{
    rq->ip[0] = '\0';
    if (srv->app->cfg.trust_proxy) {
        const char *xff = pd_req_header(rq, "X-Forwarded-For");
        if (xff) {
            while (*xff == ' ' || *xff == '\t')
                xff++;
            size_t n = 0;
            while (xff[n] && ip_char_ok(xff[n]) && n < sizeof rq->ip - 1)
                n++;
            /* Only a plain address, nothing a log reader could be fooled by. */
            if (n && (!xff[n] || xff[n] == ',' || xff[n] == ' ')) {
                memcpy(rq->ip, xff, n);
                rq->ip[n] = '\0';
                return;
            }
        }
    }
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    const char *known = ci ? ci->socket_context : NULL;
    if (known)
        memcpy(rq->ip, known, sizeof rq->ip); /* on_connection's text, NUL-terminated */
    else
        peer_text(rq->conn, rq->ip, sizeof rq->ip);
    if (!rq->ip[0])
        strcpy(rq->ip, "-");
}

static bool content_type_is_json(const char *ct)
{
    while (*ct == ' ')
        ct++;
    if (strncasecmp(ct, "application/json", 16) != 0)
        return false;
    char c = ct[16];
    return c == '\0' || c == ';' || c == ' ' || c == '\t';
}

/* ---- access log --------------------------------------------------------- */

static void logbuf_flush_locked(struct logbuf *lb, FILE *f)
{
    if (lb->len && fwrite(lb->data, 1, lb->len, f) != lb->len)
        pd_warn("access log write failed: %s", strerror(errno));
    lb->len = 0;
}

static void logs_flush_all(struct pd_server *srv)
{
    FILE *f = srv->app->access_log;
    if (!f)
        return;
    pthread_mutex_lock(&srv->logs_mu);
    for (struct logbuf *lb = srv->logs; lb; lb = lb->next) {
        pthread_mutex_lock(&lb->mu);
        logbuf_flush_locked(lb, f);
        pthread_mutex_unlock(&lb->mu);
    }
    pthread_mutex_unlock(&srv->logs_mu);
    fflush(f);
}

static struct logbuf *logbuf_for_thread(struct pd_server *srv)
{
    tls_bind(srv);
    if (tls.log)
        return tls.log;
    struct logbuf *lb = malloc(sizeof *lb);
    if (!lb)
        return NULL;
    pthread_mutex_init(&lb->mu, NULL);
    lb->len = 0;
    lb->ts_sec = -1;
    pthread_mutex_lock(&srv->logs_mu);
    lb->next = srv->logs;
    srv->logs = lb;
    pthread_mutex_unlock(&srv->logs_mu);
    tls.log = lb;
    return lb;
}

/* Copy @p s into @p out (size n) with anything that would break a log line replaced. */
static void log_token(char *out, size_t n, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 1 < n; s++)
        out[o++] = ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '"') ? '?' : *s;
    if (o == 0 && n > 1)
        out[o++] = '-';
    out[o] = '\0';
}

/* A bounded line being put together (access_log). */
struct logline {
    char *p, *end; /* end: the last byte text may use */
};

static void ll_putc(struct logline *l, char c)
{
    if (l->p < l->end)
        *l->p++ = c;
}

static void ll_puts(struct logline *l, const char *s)
{
    size_t n = strlen(s), room = (size_t)(l->end - l->p);
    if (n > room)
        n = room;
    memcpy(l->p, s, n);
    l->p += n;
}

/* @p v in decimal, zero-padded to at least @p width digits. */
static void ll_digits(struct logline *l, uint64_t v, int width)
{
    char t[24];
    int n = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v || n < width);
    while (n > 0)
        ll_putc(l, t[--n]);
}

static void access_log(struct pd_server *srv, struct sreq *sr, unsigned status, int64_t dur_us)
{
    FILE *f = srv->app->access_log;
    if (!f)
        return;
    struct logbuf *lb = logbuf_for_thread(srv);
    if (!lb)
        return;
    const struct pd_req *rq = &sr->rq;

    char route[256], user[80];
    if (rq->route)
        log_token(route, sizeof route, rq->route->pattern);
    else if (sr->is_static)
        log_token(route, sizeof route, rq->url);
    else
        strcpy(route, "-");
    if (rq->who.kind == PD_WHO_USER)
        log_token(user, sizeof user, rq->who.name);
    else if (rq->who.kind == PD_WHO_APIKEY)
        snprintf(user, sizeof user, "key:%s", rq->who.name);
    else
        strcpy(user, "-");

    int64_t now = pd_now_ms();
    int64_t local = now + (int64_t)PD_CST_OFFSET_MIN * 60000;
    int64_t sec = local >= 0 ? local / 1000 : (local - 999) / 1000;
    int ms = (int)(local - sec * 1000);

    pthread_mutex_lock(&lb->mu);
    if (lb->ts_sec != sec) {
        int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
        int64_t rem = sec - days * 86400;
        int y;
        unsigned mo, d;
        pd_civil_from_days(days, &y, &mo, &d);
        snprintf(lb->ts, sizeof lb->ts, "%04d-%02u-%02uT%02d:%02d:%02d", y, mo, d,
                 (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
        lb->ts_sec = sec;
    }
    /* "TS.mmm+08:00 METHOD ROUTE STATUS MS.uuu USER REQUEST-ID IP\n", put
     * together by hand: one snprintf with a %f per request was a visible
     * share of the public look-up's time. The same bytes as that format. */
    char line[700];
    struct logline l = {line, line + sizeof line - 2}; /* room for '\n' and NUL */
    ll_puts(&l, lb->ts);
    ll_putc(&l, '.');
    ll_digits(&l, (uint64_t)ms, 3);
    ll_puts(&l, "+08:00 ");
    ll_puts(&l, rq->method_str ? rq->method_str : "-");
    ll_putc(&l, ' ');
    ll_puts(&l, route);
    ll_putc(&l, ' ');
    ll_digits(&l, status, 1);
    ll_putc(&l, ' ');
    uint64_t us = dur_us > 0 ? (uint64_t)dur_us : 0;
    ll_digits(&l, us / 1000, 1);
    ll_putc(&l, '.');
    ll_digits(&l, us % 1000, 3);
    ll_putc(&l, ' ');
    ll_puts(&l, user);
    ll_putc(&l, ' ');
    ll_puts(&l, rq->request_id[0] ? rq->request_id : "-");
    ll_putc(&l, ' ');
    ll_puts(&l, rq->ip[0] ? rq->ip : "-");
    *l.p++ = '\n';
    *l.p = '\0';
    int n = (int)(l.p - line);
    if (n > 0) {
        size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
        if (lb->len + len > LOGBUF_SIZE)
            logbuf_flush_locked(lb, f);
        memcpy(lb->data + lb->len, line, len);
        lb->len += len;
    }
    pthread_mutex_unlock(&lb->mu);
}

static void *flusher_main(void *arg)
{
    struct pd_server *srv = arg;
    pthread_mutex_lock(&srv->stop_mu);
    while (!srv->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += 1;
        pthread_cond_timedwait(&srv->stop_cv, &srv->stop_mu, &ts);
        pthread_mutex_unlock(&srv->stop_mu);
        logs_flush_all(srv);
        pthread_mutex_lock(&srv->stop_mu);
    }
    pthread_mutex_unlock(&srv->stop_mu);
    return NULL;
}

/* ---- replies ------------------------------------------------------------ */

/* Stamp the common headers on rq->resp and queue it. */
static enum MHD_Result respond(struct sreq *sr)
{
    struct pd_req *rq = &sr->rq;
    struct MHD_Response *r = rq->resp;
    if (rq->status < 100 || rq->status > 599) {
        PD_BREAK(rq->status >= 100 && rq->status <= 599);
        rq->status = 500;
    }
    MHD_add_response_header(r, "X-Request-Id", rq->request_id);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    if (!MHD_get_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
        MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (rq->status == 401 && !MHD_get_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE))
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"parceldesk\"");
    if (sr->close_conn)
        MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(rq->conn, rq->status, r);
    MHD_destroy_response(r);
    rq->resp = NULL;
    sr->queued = true;
    if (ret != MHD_YES)
        pd_error("cannot queue the response to %s %s (request %s)", rq->method_str, rq->url,
                 rq->request_id);
    return ret;
}

/* ---- the pipeline ------------------------------------------------------- */

/* Check and parse a JSON body into rq->json. @return true to go on; false when a reply is queued.
 */
static bool parse_json_body(struct pd_req *rq)
{
    bool en = strcmp(rq->lang, "en") == 0;
    const char *ct = pd_req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (ct && !content_type_is_json(ct)) {
        pd_reply_err(rq, PD_E_CONTENT_TYPE, NULL,
                     en ? "expected application/json" : "应为 application/json");
        return false;
    }
    if (rq->body.len == 0) {
        pd_reply_err(rq, PD_E_JSON_MALFORMED, NULL, en ? "request body is empty" : "请求体为空");
        return false;
    }
    /* Before jansson, which would refuse it too but only as a syntax error. */
    if (!pd_utf8_valid(rq->body.data, rq->body.len)) {
        pd_reply_err(rq, PD_E_JSON_UTF8, NULL, NULL);
        return false;
    }
    json_error_t je;
    json_t *j =
        json_loadb(rq->body.data, rq->body.len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
    if (!j) {
        char detail[sizeof je.text + 64];
        snprintf(detail, sizeof detail, en ? "line %d, column %d: %s" : "第 %d 行第 %d 列：%s",
                 je.line, je.column, je.text);
        pd_reply_err(rq, PD_E_JSON_MALFORMED, NULL, detail);
        return false;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        pd_reply_err(rq, PD_E_JSON_NOT_OBJECT, NULL, NULL);
        return false;
    }
    rq->json = j;
    return true;
}

/*
 * Authenticate and authorise the caller for rq->route.
 * @return true when the handler may run; false when an error reply is made
 *         (or even that failed: rq->resp is NULL).
 */
static bool admit(struct pd_req *rq)
{
    const struct pd_route *route = rq->route;
    if (route->perm == PD_ROUTE_PUBLIC)
        return true;
    pd_err e = pd_auth_authenticate(rq);
    if (e != PD_OK)
        return pd_reply_err(rq, e, NULL, NULL), false;
    if ((route->flags & PD_ROUTE_USER_ONLY) && rq->who.kind != PD_WHO_USER)
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL), false;
    if (route->perm >= 0 && !pd_app_role_has(rq->app, rq->who.role, (enum pd_perm)route->perm))
        return pd_reply_err(rq, PD_E_AUTH_FORBIDDEN, NULL, NULL), false;
    return true;
}

static int pipeline(struct pd_server *srv, struct sreq *sr)
{
    struct pd_req *rq = &sr->rq;
    if (sr->early != PD_OK)
        return pd_reply_err(rq, sr->early, NULL, NULL);
    if (rq->body_too_large)
        return pd_reply_err(rq, PD_E_BODY_TOO_LARGE, NULL, NULL);

    if (sr->match == PD_MATCH_NO_PATH) {
        if ((rq->method == PD_GET || rq->method == PD_HEAD) && strncmp(rq->url, "/api/", 5) != 0) {
            sr->is_static = true;
            return pd_static_serve(rq);
        }
        return pd_reply_err(rq, PD_E_ROUTE_NOT_FOUND, NULL, NULL);
    }
    if (sr->match == PD_MATCH_NO_METHOD) {
        char allow[96];
        pd_router_allowed(srv->router, rq->url, allow, sizeof allow);
        int r = pd_reply_err(rq, PD_E_METHOD_NOT_ALLOWED, NULL, NULL);
        if (rq->resp)
            pd_reply_header(rq, MHD_HTTP_HEADER_ALLOW, allow);
        return r;
    }

    const struct pd_route *route = rq->route;
    if (!admit(rq))
        return rq->resp ? PD_HANDLED : PD_FAIL;
    bool want_json =
        (route->flags & PD_ROUTE_JSON) || ((route->flags & PD_ROUTE_JSON_OPT) && rq->body.len > 0);
    if (want_json && !parse_json_body(rq))
        return rq->resp ? PD_HANDLED : PD_FAIL;
    return route->handler(rq);
}

/* ---- streaming routes ----------------------------------------------------- */

/* Call the streaming handler for one step (req.h). */
static enum MHD_Result stream_step(struct sreq *sr, enum pd_body_phase phase, const char *p,
                                   size_t n)
{
    struct pd_req *rq = &sr->rq;
    rq->phase = phase;
    rq->chunk = p;
    rq->chunk_len = n;
    int r = rq->route->handler(rq);
    rq->chunk = NULL;
    rq->chunk_len = 0;
    if (r == PD_FAIL) {
        pd_error("%s %s failed hard while reading the body (request %s); dropping the connection",
                 rq->method_str, rq->url, rq->request_id);
        if (rq->resp) {
            MHD_destroy_response(rq->resp);
            rq->resp = NULL;
        }
        sr->stream_over = true;
        return MHD_NO;
    }
    if (rq->resp)
        sr->stream_over = true;
    return MHD_YES;
}

/* First call of a streaming route: admit the caller, then let the handler begin. */
static enum MHD_Result stream_begin(struct sreq *sr)
{
    struct pd_req *rq = &sr->rq;
    sr->streaming = true;
    if (!admit(rq)) {
        sr->stream_over = true;
        return rq->resp ? MHD_YES : MHD_NO;
    }
    return stream_step(sr, PD_BODY_BEGIN, NULL, 0);
}

/* Last call of a streaming route: the reply made early, or the handler's at the end. */
static int stream_end(struct sreq *sr)
{
    struct pd_req *rq = &sr->rq;
    if (sr->stream_over)
        return rq->resp ? PD_HANDLED : PD_FAIL;
    rq->phase = PD_BODY_END;
    return rq->route->handler(rq);
}

static enum MHD_Result first_call(struct pd_server *srv, struct sreq *sr, const char *method)
{
    struct pd_req *rq = &sr->rq;
    sr->started = true;
    rq->method_str = method;
    rq->method = parse_method(method);
    set_lang(rq);
    set_ip(srv, rq);
    set_request_id(srv, rq);

    if (sr->url_too_long) {
        sr->early = PD_E_URL_TOO_LONG;
        sr->discard_body = true;
        return MHD_YES;
    }
    if (atomic_load(&srv->app->shutting_down)) {
        sr->early = PD_E_SHUTTING_DOWN;
        sr->close_conn = true;
        sr->discard_body = true;
        return MHD_YES;
    }
    sr->match = pd_router_match(srv->router, rq->method, rq->url, &rq->route, rq->args, &rq->nargs,
                                &rq->arena);
    if (sr->match != PD_MATCH_OK) {
        rq->route = NULL;
        sr->discard_body = true;
        return MHD_YES;
    }
    if ((rq->route->flags & PD_ROUTE_STREAM) && sr->early == PD_OK)
        return stream_begin(sr);
    sr->body_limit = srv->max_body * ((rq->route->flags & PD_ROUTE_BIG_BODY) ? 16 : 1);
    const char *cl = pd_req_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(cl, &end, 10);
        if (errno == ERANGE || v > sr->body_limit) {
            /* Refuse before reading; libmicrohttpd then closes the connection,
             * which is what we want rather than swallowing the body. */
            sr->discard_body = true;
            if (pd_reply_err(rq, PD_E_BODY_TOO_LARGE, NULL, NULL) == PD_HANDLED && rq->resp)
                return respond(sr);
            return MHD_NO;
        }
    }
    return MHD_YES;
}

static void take_body(struct sreq *sr, const char *data, size_t n)
{
    struct pd_req *rq = &sr->rq;
    if (sr->discard_body || rq->body_too_large)
        return;
    if (rq->body.len + n > sr->body_limit) {
        rq->body_too_large = true;
        pd_buf_free(&rq->body);
        return;
    }
    pd_buf_append(&rq->body, data, n);
    if (rq->body.oom) {
        rq->body_too_large = true;
        pd_buf_free(&rq->body);
    }
}

static enum MHD_Result last_call(struct pd_server *srv, struct sreq *sr)
{
    struct pd_req *rq = &sr->rq;
    int r = sr->streaming ? stream_end(sr) : pipeline(srv, sr);
    if (r == PD_FAIL) {
        pd_error("%s %s failed hard (request %s); dropping the connection", rq->method_str, rq->url,
                 rq->request_id);
        if (rq->resp) {
            MHD_destroy_response(rq->resp);
            rq->resp = NULL;
        }
        return MHD_NO;
    }
    if (!rq->resp) {
        pd_error("bug: %s %s returned without a response (request %s)", rq->method_str,
                 rq->route ? rq->route->pattern : rq->url, rq->request_id);
        if (pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL) != PD_HANDLED || !rq->resp)
            return MHD_NO;
    }
    if (atomic_load(&srv->app->shutting_down))
        sr->close_conn = true;
    return respond(sr);
}

/* ---- libmicrohttpd callbacks -------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    struct pd_server *srv = cls;
    struct sreq *sr = sreq_get(srv);
    if (!sr)
        return NULL;
    struct pd_req *rq = &sr->rq;
    rq->conn = conn;
    rq->app = srv->app;
    rq->lang = "zh";
    rq->t_start_us = pd_mono_us();
    atomic_fetch_add_explicit(&srv->in_flight, 1, memory_order_relaxed);
    if (srv->app->metrics)
        pd_metrics_begin(srv->app->metrics);
    size_t n = strlen(uri);
    if (n > srv->max_url) {
        sr->url_too_long = true;
        rq->url = "-";
    } else {
        const char *q = memchr(uri, '?', n);
        rq->url = pd_arena_strndup(&rq->arena, uri, q ? (size_t)(q - uri) : n);
        if (!rq->url) {
            sr->early = PD_E_INTERNAL;
            rq->url = "-";
        }
    }
    return sr;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
                                 const char *method, const char *version, const char *upload_data,
                                 size_t *upload_data_size, void **con_cls)
{
    struct pd_server *srv = cls;
    struct sreq *sr = *con_cls;
    if (!sr)
        return MHD_NO; /* the URI callback ran out of memory */
    if (!sr->started)
        return first_call(srv, sr, method);
    if (*upload_data_size) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (sr->streaming) {
            sr->rq.body_bytes += n;
            return sr->stream_over ? MHD_YES : stream_step(sr, PD_BODY_CHUNK, upload_data, n);
        }
        take_body(sr, upload_data, n);
        return MHD_YES;
    }
    if (sr->queued)
        return MHD_YES;
    return last_call(srv, sr);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct pd_server *srv = cls;
    struct sreq *sr = *con_cls;
    if (!sr)
        return;
    *con_cls = NULL;
    struct pd_req *rq = &sr->rq;
    if (rq->h_cleanup)
        rq->h_cleanup(rq);
    if (rq->json) {
        json_decref(rq->json);
        rq->json = NULL;
    }
    if (rq->resp) {
        MHD_destroy_response(rq->resp);
        rq->resp = NULL;
    }
    unsigned status = rq->status;
    if (!sr->queued) {
        /* libmicrohttpd answered by itself (431, 400…) or the client went away. */
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_HTTP_STATUS);
        status = ci ? ci->http_status : 0;
    }
    int64_t dur = pd_mono_us() - rq->t_start_us;
    if (srv->app->metrics)
        pd_metrics_observe(srv->app->metrics,
                           rq->route       ? rq->route->pattern
                           : sr->is_static ? "static"
                                           : "unmatched",
                           rq->method_str, status, dur);
    access_log(srv, sr, status, dur);
    if (toe != MHD_REQUEST_TERMINATED_COMPLETED_OK && pd_log_enabled(PD_LOG_DEBUG))
        pd_debug("request %s ended early (code %d)", rq->request_id, (int)toe);
    atomic_fetch_sub_explicit(&srv->in_flight, 1, memory_order_release);
    sreq_put(sr);
}

__attribute__((format(printf, 2, 0))) static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    /* Client errors are answered by libmicrohttpd and counted in the access log;
     * failures the pipeline reported are logged there already. */
    if (strncmp(msg, "Error processing request", 24) == 0 ||
        strncmp(msg, "Application reported internal error", 35) == 0)
        pd_debug("libmicrohttpd: %s", msg);
    else
        pd_warn("libmicrohttpd: %s", msg);
}

/* ---- start and stop ----------------------------------------------------- */

/* "HOST:PORT" or "[V6]:PORT"; an empty host or "*" means every IPv4 address. */
static bool parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6, char err[256])
{
    char host[128];
    const char *port;
    memset(ss, 0, sizeof *ss);
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close || close[1] != ':' || (size_t)(close - s - 1) >= sizeof host)
            goto bad;
        memcpy(host, s + 1, (size_t)(close - s - 1));
        host[close - s - 1] = '\0';
        port = close + 2;
    } else {
        const char *colon = strrchr(s, ':');
        if (!colon || (size_t)(colon - s) >= sizeof host)
            goto bad;
        memcpy(host, s, (size_t)(colon - s));
        host[colon - s] = '\0';
        port = colon + 1;
    }
    char *end;
    errno = 0;
    long p = strtol(port, &end, 10);
    if (!*port || *end || errno || p < 0 || p > 65535)
        goto bad;

    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (!host[0] || strcmp(host, "*") == 0) {
        a4->sin_family = AF_INET;
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        a4->sin_port = htons((uint16_t)p);
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        *v6 = false;
        return true;
    }
    if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        *v6 = true;
        return true;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    struct addrinfo *res = NULL;
    int rc = getaddrinfo(host, NULL, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, 256, "cannot resolve listen host \"%s\": %s", host, gai_strerror(rc));
        return false;
    }
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *v6 = res->ai_family == AF_INET6;
    if (*v6)
        a6->sin6_port = htons((uint16_t)p);
    else
        a4->sin_port = htons((uint16_t)p);
    freeaddrinfo(res);
    return true;
bad:
    snprintf(err, 256, "invalid listen address \"%s\" (expected HOST:PORT or [IPv6]:PORT)", s);
    return false;
}

static void random_prefix(char out[12])
{
    uint32_t r;
    if (getrandom(&r, sizeof r, GRND_NONBLOCK) != (ssize_t)sizeof r)
        r = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
    snprintf(out, 12, "%08" PRIx32, r);
}

struct pd_server *pd_server_start(struct pd_app *app, const struct pd_route *routes, size_t n,
                                  char err[256])
{
    const struct pd_config *cfg = &app->cfg;
    struct sockaddr_storage addr;
    bool v6 = false;
    if (!parse_listen(cfg->listen, &addr, &v6, err))
        return NULL;

    struct pd_server *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    srv->app = app;
    srv->serial = atomic_fetch_add(&server_serial, 1) + 1;
    srv->max_body = cfg->max_body_bytes > 0 ? (size_t)cfg->max_body_bytes : 1u << 20;
    srv->max_url = cfg->max_url_bytes > 0 ? (size_t)cfg->max_url_bytes : 2048;
    random_prefix(srv->id_prefix);
    pthread_mutex_init(&srv->logs_mu, NULL);
    pthread_mutex_init(&srv->stop_mu, NULL);
    pthread_cond_init(&srv->stop_cv, NULL);
    atomic_store(&app->shutting_down, false);

    srv->router = pd_router_new(routes, n);
    if (!srv->router) {
        snprintf(err, 256, "cannot build the route table (invalid pattern or out of memory)");
        goto fail;
    }

    size_t mem = cfg->max_header_bytes > 4096 ? (size_t)cfg->max_header_bytes : 4096;
    unsigned threads = cfg->threads > 1 ? (unsigned)cfg->threads : 0;
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (v6)
        flags |= MHD_USE_IPv6;
    srv->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, on_access, srv,
        /* first, or libmicrohttpd complains through its own logger */
        MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&addr, MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)(cfg->max_connections > 0 ? cfg->max_connections : 1024),
        MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned)(cfg->connection_timeout_s > 0 ? cfg->connection_timeout_s : 30),
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, mem, MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        srv, MHD_OPTION_END);
    if (!srv->daemon) {
        snprintf(err, 256, "cannot listen on %s (address in use or not available?)", cfg->listen);
        goto fail;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di ? di->port : 0;

    if (app->access_log) {
        if (pthread_create(&srv->flusher, NULL, flusher_main, srv) != 0) {
            snprintf(err, 256, "cannot start the access-log thread");
            MHD_stop_daemon(srv->daemon);
            goto fail;
        }
        srv->flusher_running = true;
    }
    return srv;
fail:
    pd_router_free(srv->router);
    pthread_mutex_destroy(&srv->logs_mu);
    pthread_mutex_destroy(&srv->stop_mu);
    pthread_cond_destroy(&srv->stop_cv);
    free(srv);
    return NULL;
}

uint16_t pd_server_port(const struct pd_server *s)
{
    return s->port;
}

void pd_server_stop(struct pd_server *s, int grace_ms)
{
    if (!s)
        return;
    atomic_store(&s->app->shutting_down, true);
    MHD_socket ls = MHD_quiesce_daemon(s->daemon);
    int64_t deadline = pd_mono_us() + (int64_t)(grace_ms > 0 ? grace_ms : 0) * 1000;
    while (atomic_load(&s->in_flight) > 0 && pd_mono_us() < deadline) {
        struct timespec ts = {0, 2 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&s->in_flight);
    if (left > 0)
        pd_warn("stopping with %d request(s) still in flight after %d ms", left, grace_ms);
    MHD_stop_daemon(s->daemon);
    if (ls != MHD_INVALID_SOCKET)
        close(ls);

    if (s->flusher_running) {
        pthread_mutex_lock(&s->stop_mu);
        s->stopping = true;
        pthread_cond_signal(&s->stop_cv);
        pthread_mutex_unlock(&s->stop_mu);
        pthread_join(s->flusher, NULL);
    }
    logs_flush_all(s);
    while (s->logs) {
        struct logbuf *lb = s->logs;
        s->logs = lb->next;
        pthread_mutex_destroy(&lb->mu);
        free(lb);
    }
    /* The calling thread may hold contexts from completions it ran itself. */
    if (tls.serial == s->serial) {
        tls_drop_free_list(&tls);
        tls.log = NULL;
        tls.serial = 0;
    }
    pd_router_free(s->router);
    pthread_mutex_destroy(&s->logs_mu);
    pthread_mutex_destroy(&s->stop_mu);
    pthread_cond_destroy(&s->stop_cv);
    free(s);
}
