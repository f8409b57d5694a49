/*
 * The HTTP server end to end (src/http/server.c with router, reply,
 * json_spec, static and metrics): a real pd_server on 127.0.0.1 port 0
 * with a small route table, talked to over plain POSIX sockets so that
 * what is checked is what goes over the wire — keep-alive, status codes
 * and error codes, headers, limits, body checks, static files, the access
 * log, shutting down and graceful stop.
 *
 * Authentication and the permission matrix belong to other files
 * (auth.c, app.c); this file defines test doubles for
 * pd_auth_authenticate() and pd_app_role_has() so that the pipeline's
 * use of them can be checked without a seeded database:
 *   "Bearer admin" → user admin (role admin, every permission),
 *   "Bearer agent" → user agent (role agent, no permission),
 *   "Bearer key"   → API key (role scanner, every permission),
 *   no header → auth.required, anything else → auth.invalid_token.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/app.h"
#include "http/auth.h"
#include "http/json_spec.h"
#include "http/metrics.h"
#include "http/reply.h"
#include "http/server.h"

/* ---- test doubles for auth.c and app.c ---------------------------------- */

pd_err pd_auth_authenticate(struct pd_req *rq)
{
    const char *h = pd_req_header(rq, "Authorization");
    if (!h)
        return PD_E_AUTH_REQUIRED;
    if (strcmp(h, "Bearer admin") == 0 || strcmp(h, "Bearer agent") == 0) {
        bool admin = h[7] == 'a' && h[8] == 'd';
        rq->who.kind = PD_WHO_USER;
        rq->who.role = admin ? PD_ROLE_ADMIN : PD_ROLE_AGENT;
        snprintf(rq->who.name, sizeof rq->who.name, "%s", admin ? "admin" : "agent");
        return PD_OK;
    }
    if (strcmp(h, "Bearer key") == 0) {
        rq->who.kind = PD_WHO_APIKEY;
        rq->who.role = PD_ROLE_SCANNER;
        snprintf(rq->who.name, sizeof rq->who.name, "pdk_ab12cd34");
        return PD_OK;
    }
    return PD_E_AUTH_INVALID_TOKEN;
}

bool pd_app_role_has(struct pd_app *app, enum pd_role role, enum pd_perm perm)
{
    return role == PD_ROLE_ADMIN || role == PD_ROLE_SCANNER;
}

/* ---- the route table under test ----------------------------------------- */

static int h_hello(struct pd_req *rq)
{
    static const char body[] = "{\"hello\":\"world\"}";
    return pd_reply_raw(rq, 200, NULL, body, sizeof body - 1);
}

static int h_echo(struct pd_req *rq)
{
    const char *name;
    struct pd_spec spec[] = {pd_spec_str("name", &name, PD_REQ, 1, 4), pd_spec_end()};
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    return pd_reply_json_steal(rq, 200, json_pack("{ss}", "name", name));
}

static int h_len(struct pd_req *rq)
{
    char b[64];
    int n = snprintf(b, sizeof b, "{\"len\":%zu}", rq->body.len);
    return pd_reply_raw(rq, 200, NULL, b, (size_t)n);
}

static int h_slow(struct pd_req *rq)
{
    struct timespec ts = {0, 400 * 1000 * 1000};
    nanosleep(&ts, NULL);
    return pd_reply_raw(rq, 200, "text/plain", "slow done", 9);
}

static int h_ok(struct pd_req *rq)
{
    return pd_reply_raw(rq, 200, "text/plain", "ok", 2);
}

static int h_nothing(struct pd_req *rq)
{
    return PD_HANDLED; /* a bug: no response queued */
}

static int h_fail(struct pd_req *rq)
{
    return PD_FAIL;
}

static int h_item(struct pd_req *rq)
{
    return pd_reply_json_steal(rq, 200, json_pack("{ss}", "id", rq->args[0]));
}

static int h_whoami(struct pd_req *rq)
{
    return pd_reply_json_steal(rq, 200, json_pack("{ssss}", "lang", rq->lang, "ip", rq->ip));
}

static const struct pd_route routes[] = {
    {PD_GET, "/t/hello", PD_ROUTE_PUBLIC, 0, h_hello},
    {PD_DELETE, "/t/hello", PD_ROUTE_PUBLIC, 0, h_ok},
    {PD_POST, "/t/echo", PD_ROUTE_PUBLIC, PD_ROUTE_JSON, h_echo},
    {PD_POST, "/t/raw", PD_ROUTE_PUBLIC, PD_ROUTE_RAW, h_len},
    {PD_POST, "/t/big", PD_ROUTE_PUBLIC, PD_ROUTE_RAW | PD_ROUTE_BIG_BODY, h_len},
    {PD_GET, "/t/slow", PD_ROUTE_PUBLIC, 0, h_slow},
    {PD_GET, "/t/secure", PD_PERM_USERS_READ, 0, h_ok},
    {PD_GET, "/t/useronly", PD_ROUTE_AUTH, PD_ROUTE_USER_ONLY, h_ok},
    {PD_GET, "/t/nothing", PD_ROUTE_PUBLIC, 0, h_nothing},
    {PD_GET, "/t/fail", PD_ROUTE_PUBLIC, 0, h_fail},
    {PD_GET, "/t/items/{id}", PD_ROUTE_PUBLIC, 0, h_item},
    {PD_GET, "/t/whoami", PD_ROUTE_PUBLIC, 0, h_whoami},
    {PD_GET, "/api/v1/ping", PD_ROUTE_PUBLIC, 0, h_ok},
};
#define NROUTES (sizeof routes / sizeof routes[0])

/* ---- fixture ------------------------------------------------------------- */

struct fx {
    char dir[64];
    pd_store *store;
    struct pd_app app;
    struct pd_server *srv;
    uint16_t port;
    FILE *log;
};

static struct fx F;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void make_tree(const char *dir)
{
    char p[256];
    const char *dirs[] = {"web", "web/console", "web/public", "nm", "nm/preact", "nm/evil"};
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, dirs[i]);
        assert_int_equal(mkdir(p, 0755), 0);
    }
    snprintf(p, sizeof p, "%s/web/console/index.html", dir);
    write_file(p, "<!doctype html><title>console</title>");
    snprintf(p, sizeof p, "%s/web/console/app.js", dir);
    write_file(p, "export const x = 1;\n");
    snprintf(p, sizeof p, "%s/web/public/track.html", dir);
    write_file(p, "<p>track</p>");
    snprintf(p, sizeof p, "%s/web/secret.txt", dir);
    write_file(p, "secret");
    snprintf(p, sizeof p, "%s/nm/preact/x.js", dir);
    write_file(p, "export default 1;\n");
    snprintf(p, sizeof p, "%s/nm/evil/x.js", dir);
    write_file(p, "evil");
    /* A symlink inside the console tree pointing out of it. */
    char target[256];
    snprintf(target, sizeof target, "%s/web/secret.txt", dir);
    snprintf(p, sizeof p, "%s/web/console/leak.txt", dir);
    assert_int_equal(symlink(target, p), 0);
}

static void config(struct pd_config *c, const char *dir)
{
    memset(c, 0, sizeof *c);
    snprintf(c->listen, sizeof c->listen, "127.0.0.1:0");
    c->threads = 2;
    c->max_connections = 64;
    c->connection_timeout_s = 10;
    c->max_body_bytes = 1024;
    c->max_url_bytes = 256;
    c->max_header_bytes = 16 * 1024;
    snprintf(c->web_root, sizeof c->web_root, "%s/web", dir);
    snprintf(c->vendor_root, sizeof c->vendor_root, "%s/nm", dir);
}

static void start(struct fx *f)
{
    char err[256] = "";
    f->srv = pd_server_start(&f->app, routes, NROUTES, err);
    if (!f->srv)
        fail_msg("pd_server_start: %s", err);
    f->port = pd_server_port(f->srv);
    assert_true(f->port > 0);
}

static int setup(void **state)
{
    snprintf(F.dir, sizeof F.dir, "/tmp/pd-server-XXXXXX");
    if (!mkdtemp(F.dir))
        return -1;
    make_tree(F.dir);
    char url[128], err[256] = "";
    snprintf(url, sizeof url, "sqlite:%s/test.db", F.dir);
    F.store = pd_store_open(url, NULL, err);
    if (!F.store) {
        fprintf(stderr, "pd_store_open: %s\n", err);
        return -1;
    }
    memset(&F.app, 0, sizeof F.app);
    config(&F.app.cfg, F.dir);
    F.app.store = F.store;
    F.app.metrics = pd_metrics_new();
    F.log = tmpfile();
    F.app.access_log = F.log;
    start(&F);
    *state = &F;
    return 0;
}

static int teardown(void **state)
{
    if (F.srv)
        pd_server_stop(F.srv, 1000);
    pd_metrics_free(F.app.metrics);
    pd_store_close(F.store);
    if (F.log)
        fclose(F.log);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", F.dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* ---- a minimal HTTP/1.1 client ------------------------------------------ */

struct resp {
    int status;
    char head[8192]; /* status line and headers */
    char *body;
    size_t body_len;
};

static int conn_open(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static void send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return; /* the server may close early (413); the reply tells */
        c += w;
        n -= (size_t)w;
    }
}

static void send_str(int fd, const char *s)
{
    send_all(fd, s, strlen(s));
}

/* Read one response. @return false when the connection closed before a full response. */
static bool read_resp(int fd, struct resp *r, bool head_request)
{
    memset(r, 0, sizeof *r);
    size_t got = 0;
    char *end = NULL;
    while (!end) {
        if (got + 1 >= sizeof r->head)
            return false;
        ssize_t n = recv(fd, r->head + got, 1, 0); /* byte-wise: never read past the headers */
        if (n <= 0)
            return false;
        got += (size_t)n;
        r->head[got] = '\0';
        end = strstr(r->head, "\r\n\r\n");
    }
    end[2] = '\0';
    if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
        return false;
    size_t len = 0;
    const char *cl = strcasestr(r->head, "\r\nContent-Length:");
    if (cl)
        len = strtoul(cl + 17, NULL, 10);
    if (head_request || r->status == 304 || r->status == 204)
        len = 0;
    r->body = calloc(1, len + 1);
    while (r->body_len < len) {
        ssize_t n = recv(fd, r->body + r->body_len, len - r->body_len, 0);
        if (n <= 0)
            return false;
        r->body_len += (size_t)n;
    }
    return true;
}

/* The value of header @p name (case-insensitive), or NULL; copied into a static buffer. */
static const char *header(const struct resp *r, const char *name)
{
    static char val[1024];
    char key[128];
    snprintf(key, sizeof key, "\r\n%s:", name);
    const char *p = strcasestr(r->head, key);
    if (!p)
        return NULL;
    p += strlen(key);
    while (*p == ' ')
        p++;
    size_t n = strcspn(p, "\r");
    snprintf(val, sizeof val, "%.*s", (int)n, p);
    return val;
}

/* Whether the server closed the connection (waits up to @p ms for it). */
static bool peer_closed(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0)
        return false;
    char c;
    return recv(fd, &c, 1, MSG_DONTWAIT) == 0;
}

/* One request on a fresh connection. */
static void roundtrip(const char *req, struct resp *r, bool head_request)
{
    int fd = conn_open(F.port);
    assert_true(fd >= 0);
    send_str(fd, req);
    if (!read_resp(fd, r, head_request))
        fail_msg("no response to: %.60s", req);
    close(fd);
}

static void expect_error(const struct resp *r, int status, const char *code)
{
    assert_int_equal(r->status, status);
    char want[96];
    snprintf(want, sizeof want, "{\"error\":{\"code\":\"%s\"", code);
    if (!r->body || strncmp(r->body, want, strlen(want)) != 0)
        fail_msg("expected %s, got body %s", code, r->body ? r->body : "(none)");
    assert_string_equal(header(r, "Content-Type"), "application/json; charset=utf-8");
    assert_non_null(header(r, "X-Request-Id"));
}

static void free_resp(struct resp *r)
{
    free(r->body);
    r->body = NULL;
}

/* ---- tests --------------------------------------------------------------- */

static void keep_alive_and_common_headers(void **state)
{
    int fd = conn_open(F.port);
    struct resp r1, r2, r3;
    send_str(fd, "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r1, false));
    assert_int_equal(r1.status, 200);
    assert_string_equal(r1.body, "{\"hello\":\"world\"}");
    assert_string_equal(header(&r1, "Content-Type"), "application/json; charset=utf-8");
    assert_string_equal(header(&r1, "X-Content-Type-Options"), "nosniff");
    assert_string_equal(header(&r1, "Referrer-Policy"), "no-referrer");
    assert_string_equal(header(&r1, "Cache-Control"), "no-store");
    assert_null(header(&r1, "Connection"));
    char id1[64];
    snprintf(id1, sizeof id1, "%s", header(&r1, "X-Request-Id"));
    assert_true(strlen(id1) > 8);

    /* An error reply must not cost the connection either. */
    send_str(fd, "GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r2, false));
    assert_int_equal(r2.status, 404);
    send_str(fd, "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r3, false));
    assert_int_equal(r3.status, 200);
    assert_string_not_equal(header(&r3, "X-Request-Id"), id1);
    assert_false(peer_closed(fd, 200));
    free_resp(&r1);
    free_resp(&r2);
    free_resp(&r3);
    close(fd);
}

static void pipelined_requests(void **state)
{
    int fd = conn_open(F.port);
    struct resp r;
    send_str(fd,
             "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\nGET /t/items/7 HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r, false));
    assert_int_equal(r.status, 200);
    free_resp(&r);
    assert_true(read_resp(fd, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":\"7\"}");
    free_resp(&r);
    close(fd);
}

static void not_found(void **state)
{
    struct resp r;
    roundtrip("GET /api/v1/nope HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    expect_error(&r, 404, "route.not_found");
    free_resp(&r);
    /* Outside /api/ an unknown GET goes to the static files, which do not have it either. */
    roundtrip("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    expect_error(&r, 404, "route.not_found");
    free_resp(&r);
    roundtrip("POST /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false);
    expect_error(&r, 404, "route.not_found");
    free_resp(&r);
}

static void method_not_allowed_with_allow(void **state)
{
    struct resp r;
    roundtrip("POST /t/hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &r, false);
    expect_error(&r, 405, "route.method_not_allowed");
    assert_string_equal(header(&r, "Allow"), "GET, DELETE, HEAD");
    free_resp(&r);
}

static void body_limits(void **state)
{
    struct resp r;
    char big[3000];
    memset(big, 'a', sizeof big);

    /* Declared too large: refused before the body is read. */
    int fd = conn_open(F.port);
    send_str(fd, "POST /t/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 2000\r\n\r\n");
    assert_true(read_resp(fd, &r, false));
    expect_error(&r, 413, "request.too_large");
    assert_null(strstr(r.body, "\"field\""));
    free_resp(&r);
    close(fd);

    /* Chunked, no length declared: buffered up to the limit, then refused. */
    fd = conn_open(F.port);
    send_str(fd, "POST /t/raw HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 3; i++) {
        send_str(fd, "3e8\r\n"); /* 1000 bytes */
        send_all(fd, big, 1000);
        send_str(fd, "\r\n");
    }
    send_str(fd, "0\r\n\r\n");
    assert_true(read_resp(fd, &r, false));
    expect_error(&r, 413, "request.too_large");
    free_resp(&r);
    /* The rest of that body was swallowed; the connection still serves. */
    send_str(fd, "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r, false));
    assert_int_equal(r.status, 200);
    free_resp(&r);
    close(fd);

    /* At the limit: accepted. */
    fd = conn_open(F.port);
    send_str(fd, "POST /t/raw HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n");
    send_all(fd, big, 1024);
    assert_true(read_resp(fd, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"len\":1024}");
    free_resp(&r);

    /* A PD_ROUTE_BIG_BODY route takes 16 times as much. */
    send_str(fd, "POST /t/big HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n");
    send_all(fd, big, 3000);
    assert_true(read_resp(fd, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"len\":3000}");
    free_resp(&r);
    close(fd);
}

static void long_urls(void **state)
{
    struct resp r;
    char req[2048];
    char q[400];
    memset(q, 'q', sizeof q - 1);
    q[sizeof q - 1] = '\0';
    /* Over max_url_bytes (256) counting the query string: our 414 with a request id. */
    snprintf(req, sizeof req, "GET /t/hello?x=%s HTTP/1.1\r\nHost: x\r\n\r\n", q);
    roundtrip(req, &r, false);
    expect_error(&r, 414, "request.url_too_long");
    free_resp(&r);

    /* Far beyond what fits in the connection's memory: libmicrohttpd refuses it itself. */
    size_t n = 64 * 1024;
    char *huge = malloc(n + 64);
    memcpy(huge, "GET /", 5);
    memset(huge + 5, 'a', n);
    strcpy(huge + 5 + n, " HTTP/1.1\r\nHost: x\r\n\r\n");
    int fd = conn_open(F.port);
    send_str(fd, huge);
    free(huge);
    bool got = read_resp(fd, &r, false);
    if (got)
        assert_true(r.status == 414 || r.status == 400 || r.status == 431);
    free_resp(&r);
    close(fd);
    /* And the server is still there. */
    roundtrip("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    free_resp(&r);
}

static void oversized_headers_refused(void **state)
{
    /* max_header_bytes is 16 KiB: a 20 KiB header does not fit the connection's memory. */
    size_t n = 20 * 1024;
    char *req = malloc(n + 128);
    int k = sprintf(req, "GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Big: ");
    memset(req + k, 'b', n);
    strcpy(req + k + n, "\r\n\r\n");
    struct resp r;
    int fd = conn_open(F.port);
    send_str(fd, req);
    free(req);
    assert_true(read_resp(fd, &r, false));
    assert_true(r.status == 431 || r.status == 413);
    free_resp(&r);
    close(fd);
    roundtrip("GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    free_resp(&r);
}

static void listen_addresses(void **state)
{
    struct pd_app app = F.app;
    app.access_log = NULL;
    char err[256] = "";
    snprintf(app.cfg.listen, sizeof app.cfg.listen, "nonsense");
    assert_null(pd_server_start(&app, routes, NROUTES, err));
    assert_non_null(strstr(err, "nonsense"));
    snprintf(app.cfg.listen, sizeof app.cfg.listen, "127.0.0.1:99999");
    assert_null(pd_server_start(&app, routes, NROUTES, err));
    /* The fixture's port is taken. */
    snprintf(app.cfg.listen, sizeof app.cfg.listen, "127.0.0.1:%u", F.port);
    assert_null(pd_server_start(&app, routes, NROUTES, err));
    assert_non_null(strstr(err, "cannot listen"));
    /* IPv6 loopback, where the machine has it. */
    snprintf(app.cfg.listen, sizeof app.cfg.listen, "[::1]:0");
    struct pd_server *s6 = pd_server_start(&app, routes, NROUTES, err);
    if (s6) {
        assert_true(pd_server_port(s6) > 0);
        pd_server_stop(s6, 100);
    }
    /* A route table with a broken pattern is refused up front. */
    static const struct pd_route bad[] = {{PD_GET, "/x/{*rest}/y", PD_ROUTE_PUBLIC, 0, h_ok}};
    snprintf(app.cfg.listen, sizeof app.cfg.listen, "127.0.0.1:0");
    assert_null(pd_server_start(&app, bad, 1, err));
    assert_non_null(strstr(err, "route table"));
}

static void request_id_echo_or_generated(void **state)
{
    struct resp r;
    roundtrip("GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc.DEF_123-x\r\n\r\n", &r, false);
    assert_string_equal(header(&r, "X-Request-Id"), "abc.DEF_123-x");
    free_resp(&r);
    /* Error replies carry it too. */
    roundtrip("GET /api/v1/nope HTTP/1.1\r\nHost: x\r\nX-Request-Id: trace-42\r\n\r\n", &r, false);
    assert_string_equal(header(&r, "X-Request-Id"), "trace-42");
    free_resp(&r);
    /* Unsafe or too long ids are replaced. */
    roundtrip("GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: a b\"<x>\r\n\r\n", &r, false);
    assert_string_not_equal(header(&r, "X-Request-Id"), "a b\"<x>");
    assert_true(strspn(header(&r, "X-Request-Id"), "0123456789abcdefghijklmnopqrstuv-") ==
                strlen(header(&r, "X-Request-Id")));
    free_resp(&r);
    char req[256];
    char id[66];
    memset(id, 'z', 64); /* 64 characters: the longest echoed */
    id[64] = '\0';
    snprintf(req, sizeof req, "GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\n\r\n", id);
    roundtrip(req, &r, false);
    assert_string_equal(header(&r, "X-Request-Id"), id);
    free_resp(&r);
    id[64] = 'z'; /* 65: replaced */
    id[65] = '\0';
    snprintf(req, sizeof req, "GET /t/hello HTTP/1.1\r\nHost: x\r\nX-Request-Id: %s\r\n\r\n", id);
    roundtrip(req, &r, false);
    assert_string_not_equal(header(&r, "X-Request-Id"), id);
    free_resp(&r);
}

static void post_json(const char *extra_headers, const char *body, size_t len, struct resp *r)
{
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "POST /t/echo HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu\r\n\r\n",
                     extra_headers, len);
    int fd = conn_open(F.port);
    send_all(fd, req, (size_t)n);
    send_all(fd, body, len);
    assert_true(read_resp(fd, r, false));
    close(fd);
}

static void json_body_checks(void **state)
{
    struct resp r;
    const char *ct = "Content-Type: application/json; charset=utf-8\r\n";

    post_json(ct, "{\"name\":\"张三\"}", strlen("{\"name\":\"张三\"}"), &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"name\":\"张三\"}");
    free_resp(&r);

    post_json(ct, "{\"name\":", 8, &r);
    expect_error(&r, 400, "json.malformed");
    assert_non_null(strstr(r.body, "第 1 行"));
    free_resp(&r);

    post_json("Accept-Language: en-GB,en;q=0.8\r\n", "{\"name\":", 8, &r);
    expect_error(&r, 400, "json.malformed");
    assert_non_null(strstr(r.body, "\"message\":\"malformed JSON: line 1, column"));
    free_resp(&r);

    post_json(ct, "{\"name\":\"\xff\xfe\"}", 13, &r);
    expect_error(&r, 400, "json.utf8_invalid");
    free_resp(&r);

    post_json(ct, "[1,2]", 5, &r);
    expect_error(&r, 400, "json.not_object");
    free_resp(&r);

    post_json(ct, "", 0, &r);
    expect_error(&r, 400, "json.malformed");
    assert_non_null(strstr(r.body, "请求体为空"));
    free_resp(&r);

    post_json(ct, "{\"name\":\"a\",\"name\":\"b\"}", 23, &r);
    expect_error(&r, 400, "json.malformed");
    free_resp(&r);

    post_json("Content-Type: text/plain\r\n", "{\"name\":\"a\"}", 12, &r);
    expect_error(&r, 415, "request.content_type");
    free_resp(&r);

    /* Field errors from the handler's spec name the field. */
    post_json(ct, "{\"name\":\"张三李四王\"}", strlen("{\"name\":\"张三李四王\"}"), &r);
    expect_error(&r, 400, "json.too_long");
    assert_non_null(strstr(r.body, "\"field\":\"name\""));
    assert_non_null(strstr(r.body, "最多 4 个字符"));
    free_resp(&r);
    post_json(ct, "{\"name\":\"a\",\"nick\":1}", 21, &r);
    expect_error(&r, 400, "json.unknown_field");
    assert_non_null(strstr(r.body, "\"field\":\"nick\""));
    free_resp(&r);
}

static void authentication_and_permissions(void **state)
{
    struct resp r;
    roundtrip("GET /t/secure HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    expect_error(&r, 401, "auth.required");
    assert_non_null(header(&r, "WWW-Authenticate"));
    free_resp(&r);
    roundtrip("GET /t/secure HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer nope\r\n\r\n", &r, false);
    expect_error(&r, 401, "auth.invalid_token");
    free_resp(&r);
    roundtrip("GET /t/secure HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer agent\r\n\r\n", &r,
              false);
    expect_error(&r, 403, "auth.forbidden");
    free_resp(&r);
    roundtrip("GET /t/secure HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer admin\r\n\r\n", &r,
              false);
    assert_int_equal(r.status, 200);
    free_resp(&r);
    roundtrip("GET /t/useronly HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer key\r\n\r\n", &r,
              false);
    expect_error(&r, 403, "auth.forbidden");
    free_resp(&r);
    roundtrip("GET /t/useronly HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer agent\r\n\r\n", &r,
              false);
    assert_int_equal(r.status, 200);
    free_resp(&r);
}

static void handler_bugs(void **state)
{
    struct resp r;
    roundtrip("GET /t/nothing HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    expect_error(&r, 500, "internal.error");
    free_resp(&r);
    /* PD_FAIL drops the connection without an answer. */
    int fd = conn_open(F.port);
    send_str(fd, "GET /t/fail HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_false(read_resp(fd, &r, false));
    free_resp(&r);
    close(fd);
}

static void params_lang_and_ip(void **state)
{
    struct resp r;
    roundtrip("GET /t/items/%E5%BC%A0%2F1 HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"id\":\"张/1\"}");
    free_resp(&r);
    roundtrip("GET /t/whoami HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 9.9.9.9\r\n\r\n", &r, false);
    /* trust_proxy is off: the socket's address, not the header's. */
    assert_string_equal(r.body, "{\"lang\":\"zh\",\"ip\":\"127.0.0.1\"}");
    free_resp(&r);
    roundtrip("GET /t/whoami HTTP/1.1\r\nHost: x\r\nAccept-Language: en-US,en\r\n\r\n", &r, false);
    assert_non_null(strstr(r.body, "\"lang\":\"en\""));
    free_resp(&r);
    roundtrip("GET /t/whoami?lang=en HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_non_null(strstr(r.body, "\"lang\":\"en\""));
    free_resp(&r);
    roundtrip("GET /api/v1/nope?lang=en HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_non_null(strstr(r.body, "\"message\":\"no such endpoint\""));
    free_resp(&r);
}

static void static_files(void **state)
{
    struct resp r;
    roundtrip("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<!doctype html><title>console</title>");
    assert_string_equal(header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_string_equal(header(&r, "Cache-Control"), "no-cache");
    assert_string_equal(header(&r, "X-Frame-Options"), "DENY");
    assert_non_null(strstr(header(&r, "Content-Security-Policy"), "script-src 'self'"));
    assert_string_equal(header(&r, "X-Content-Type-Options"), "nosniff");
    assert_non_null(header(&r, "X-Request-Id"));
    char etag[64];
    snprintf(etag, sizeof etag, "%s", header(&r, "ETag"));
    assert_true(etag[0] == '"');
    free_resp(&r);

    char req[256];
    snprintf(req, sizeof req, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"x\", %s\r\n\r\n",
             etag);
    roundtrip(req, &r, false);
    assert_int_equal(r.status, 304);
    assert_string_equal(header(&r, "ETag"), etag);
    free_resp(&r);

    roundtrip("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", &r, true);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Length"), "37");
    free_resp(&r);

    roundtrip("GET /console/app.js HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(header(&r, "Content-Type"), "text/javascript; charset=utf-8");
    assert_string_equal(header(&r, "Cache-Control"), "public, max-age=3600");
    assert_null(header(&r, "X-Frame-Options"));
    free_resp(&r);

    roundtrip("GET /p/track HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<p>track</p>");
    free_resp(&r);

    roundtrip("GET /vendor/preact/x.js HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    free_resp(&r);

    static const char *const refused[] = {
        "/vendor/evil/x.js",          /* package not on the list */
        "/console/../secret.txt",     /* climbing out */
        "/console/%2e%2e/secret.txt", /* the same, encoded */
        "/console/..%2fsecret.txt",   "/console//app.js",  "/console/a\\..\\secret.txt",
        "/console/app.js%00.html",    "/console/leak.txt", /* symlink out of the root */
        "/console/.hidden",           "/console/", /* fine: index.html — checked below instead */
    };
    for (size_t i = 0; i + 1 < sizeof refused / sizeof refused[0]; i++) {
        snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", refused[i]);
        roundtrip(req, &r, false);
        if (r.status != 404)
            fail_msg("%s: expected 404, got %d", refused[i], r.status);
        expect_error(&r, 404, "route.not_found");
        assert_null(strstr(r.body, "secret"));
        free_resp(&r);
    }
    roundtrip("GET /console/ HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 200);
    free_resp(&r);
    /* Under /api/ a GET is never a file. */
    roundtrip("GET /api/v1/../../console/app.js HTTP/1.1\r\nHost: x\r\n\r\n", &r, false);
    assert_int_equal(r.status, 404);
    free_resp(&r);
}

static void shutting_down_refuses_new_requests(void **state)
{
    struct resp r;
    int fd = conn_open(F.port);
    send_str(fd, "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r, false));
    free_resp(&r);
    atomic_store(&F.app.shutting_down, true);
    send_str(fd, "GET /t/hello HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_true(read_resp(fd, &r, false));
    atomic_store(&F.app.shutting_down, false);
    expect_error(&r, 503, "server.shutting_down");
    assert_string_equal(header(&r, "Connection"), "close");
    assert_true(peer_closed(fd, 2000));
    free_resp(&r);
    close(fd);
}

static void metrics_recorded(void **state)
{
    pd_buf b = PD_BUF_INIT;
    pd_metrics_render(F.app.metrics, F.store, &b);
    assert_non_null(
        strstr(b.data, "pd_http_requests_total{route=\"/t/hello\",method=\"GET\",status=\"200\"}"));
    assert_non_null(strstr(
        b.data, "pd_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"}"));
    assert_non_null(
        strstr(b.data, "pd_http_requests_total{route=\"static\",method=\"GET\",status=\"200\"}"));
    assert_non_null(
        strstr(b.data, "pd_http_request_duration_seconds_bucket{route=\"/t/hello\",le=\"+Inf\"}"));
    assert_non_null(strstr(b.data, "pd_db_pool_size"));
    pd_buf_free(&b);
}

struct slow_call {
    uint16_t port;
    struct resp r;
    bool ok;
};

static void *slow_client(void *p)
{
    struct slow_call *c = p;
    int fd = conn_open(c->port);
    send_str(fd, "GET /t/slow HTTP/1.1\r\nHost: x\r\nX-Request-Id: slow-1\r\n\r\n");
    c->ok = read_resp(fd, &c->r, false);
    close(fd);
    return NULL;
}

/* Runs last: stops the fixture's server while a slow request is in flight. */
static void graceful_stop_finishes_in_flight(void **state)
{
    struct slow_call c = {.port = F.port};
    pthread_t th;
    pthread_create(&th, NULL, slow_client, &c);
    struct timespec ts = {0, 150 * 1000 * 1000};
    nanosleep(&ts, NULL); /* the request is now inside the handler */
    pd_server_stop(F.srv, 5000);
    F.srv = NULL;
    pthread_join(th, NULL);
    assert_true(c.ok);
    assert_int_equal(c.r.status, 200);
    assert_string_equal(c.r.body, "slow done");
    free_resp(&c.r);
    /* Stopped: nobody listens any more. */
    assert_int_equal(conn_open(F.port), -1);

    /* The access log was flushed at stop: one line per request, route pattern or "-". */
    fflush(F.log);
    rewind(F.log);
    char line[1024];
    bool saw_slow = false, saw_unmatched = false, saw_static = false;
    int lines = 0;
    while (fgets(line, sizeof line, F.log)) {
        lines++;
        char ts_[64], method[16], route[256], user[80], id[64], ip[64];
        unsigned status;
        double ms;
        if (sscanf(line, "%63s %15s %255s %u %lf %79s %63s %63s", ts_, method, route, &status, &ms,
                   user, id, ip) != 8)
            fail_msg("bad access log line: %s", line);
        assert_int_equal(strlen(ts_), strlen("2026-11-23T10:00:00.000+08:00"));
        if (strcmp(id, "slow-1") == 0) {
            saw_slow = true;
            assert_string_equal(route, "/t/slow");
            assert_int_equal(status, 200);
            assert_true(ms >= 400.0);
            assert_string_equal(ip, "127.0.0.1");
        }
        if (strcmp(route, "-") == 0 && status == 404)
            saw_unmatched = true;
        if (strcmp(route, "/console/app.js") == 0)
            saw_static = true;
        if (strcmp(route, "/t/secure") == 0 && status == 200)
            assert_string_equal(user, "admin");
        if (strcmp(route, "/t/useronly") == 0 && status == 403)
            assert_string_equal(user, "key:pdk_ab12cd34");
    }
    assert_true(lines > 30);
    assert_true(saw_slow);
    assert_true(saw_unmatched);
    assert_true(saw_static);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keep_alive_and_common_headers),
        cmocka_unit_test(pipelined_requests),
        cmocka_unit_test(not_found),
        cmocka_unit_test(method_not_allowed_with_allow),
        cmocka_unit_test(body_limits),
        cmocka_unit_test(long_urls),
        cmocka_unit_test(oversized_headers_refused),
        cmocka_unit_test(listen_addresses),
        cmocka_unit_test(request_id_echo_or_generated),
        cmocka_unit_test(json_body_checks),
        cmocka_unit_test(authentication_and_permissions),
        cmocka_unit_test(handler_bugs),
        cmocka_unit_test(params_lang_and_ip),
        cmocka_unit_test(static_files),
        cmocka_unit_test(shutting_down_refuses_new_requests),
        cmocka_unit_test(metrics_recorded),
        cmocka_unit_test(graceful_stop_finishes_in_flight),
    };
    return cmocka_run_group_tests_name("http_server", tests, setup, teardown);
}
