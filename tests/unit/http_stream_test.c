/*
 * Streaming routes of the HTTP server (PD_ROUTE_STREAM, src/http/server.c,
 * req.h): a real pd_server on 127.0.0.1 port 0 talked to over sockets.
 * Checked: the handler gets BEGIN, every byte in CHUNK calls and END, in
 * that order, with bodies far over the server's body limit (chunked and
 * with a Content-Length) while other routes keep their limit; a refused
 * caller gets 401/403 without the handler ever being called and the
 * connection stays usable; a reply made at BEGIN or in the middle of the
 * body ends the calls and is sent once the body is read; a client that goes
 * away mid-body still has the handler's state cleaned up (libmicrohttpd
 * notices it by its inactivity timeout at the latest); an empty body.
 *
 * Test doubles for pd_auth_authenticate() and pd_app_role_has(), as in
 * http_server_test.c: "Bearer admin" may do anything, "Bearer agent"
 * nothing, no header is auth.required.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http/app.h"
#include "http/auth.h"
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
    return PD_E_AUTH_INVALID_TOKEN;
}

bool pd_app_role_has(struct pd_app *app, enum pd_role role, enum pd_perm perm)
{
    return role == PD_ROLE_ADMIN;
}

/* ---- the streaming handler under test ------------------------------------ */

static atomic_int begins, chunk_calls, cleanups;

struct count {
    uint64_t bytes, sum;
    int chunks;
    bool order_ok; /* BEGIN came first, no CHUNK after END */
    bool ended;
    bool whole;
    size_t fail_after; /* reply an error once this many bytes came (0: never) */
};

static void count_cleanup(struct pd_req *rq)
{
    free(rq->h_ctx);
    rq->h_ctx = NULL;
    atomic_fetch_add(&cleanups, 1);
}

static int h_count(struct pd_req *rq)
{
    struct count *c = rq->h_ctx;
    switch (rq->phase) {
    case PD_BODY_BEGIN: {
        atomic_fetch_add(&begins, 1);
        if (c || rq->body.len)
            return PD_FAIL;
        const char *want = pd_req_header(rq, "X-Refuse");
        if (want)
            return pd_reply_err(rq, PD_E_CONTENT_TYPE, "X-Refuse", "refused at the start");
        c = calloc(1, sizeof *c);
        if (!c)
            return PD_FAIL;
        c->order_ok = true;
        const char *fa = pd_req_header(rq, "X-Fail-After");
        c->fail_after = fa ? strtoul(fa, NULL, 10) : 0;
        rq->h_ctx = c;
        rq->h_cleanup = count_cleanup;
        return PD_HANDLED;
    }
    case PD_BODY_CHUNK:
        atomic_fetch_add(&chunk_calls, 1);
        if (!c || c->ended || !rq->chunk || !rq->chunk_len) {
            if (c)
                c->order_ok = false;
            return PD_HANDLED;
        }
        for (size_t i = 0; i < rq->chunk_len; i++)
            c->sum += (unsigned char)rq->chunk[i];
        c->bytes += rq->chunk_len;
        c->chunks++;
        if (c->fail_after && c->bytes >= c->fail_after)
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "body", "enough");
        return PD_HANDLED;
    case PD_BODY_END: {
        if (!c)
            return PD_FAIL;
        c->ended = true;
        char b[200];
        int n =
            snprintf(b, sizeof b,
                     "{\"bytes\":%llu,\"sum\":%llu,\"chunks\":%d,\"order_ok\":%s,\"seen\":%llu}",
                     (unsigned long long)c->bytes, (unsigned long long)c->sum, c->chunks,
                     c->order_ok ? "true" : "false", (unsigned long long)rq->body_bytes);
        return pd_reply_raw(rq, 200, NULL, b, (size_t)n);
    }
    default: /* PD_BODY_WHOLE: never for a streaming route */
        return pd_reply_raw(rq, 200, NULL, "{\"whole\":true}", 14);
    }
}

static int h_len(struct pd_req *rq)
{
    char b[64];
    int n = snprintf(b, sizeof b, "{\"len\":%zu,\"whole\":%s}", rq->body.len,
                     rq->phase == PD_BODY_WHOLE ? "true" : "false");
    return pd_reply_raw(rq, 200, NULL, b, (size_t)n);
}

static const struct pd_route routes[] = {
    {PD_POST, "/s/count", PD_ROUTE_PUBLIC, PD_ROUTE_STREAM, h_count},
    {PD_POST, "/s/secure", PD_PERM_USERS_READ, PD_ROUTE_STREAM, h_count},
    {PD_POST, "/t/big", PD_ROUTE_PUBLIC, PD_ROUTE_RAW | PD_ROUTE_BIG_BODY, h_len},
};

/* ---- fixture ------------------------------------------------------------- */

static struct pd_app app;
static struct pd_server *srv;
static uint16_t port;

static int setup(void **state)
{
    memset(&app, 0, sizeof app);
    struct pd_config *c = &app.cfg;
    snprintf(c->listen, sizeof c->listen, "127.0.0.1:0");
    c->threads = 2;
    c->max_connections = 16;
    c->connection_timeout_s = 2; /* a client gone mid-body is noticed by then at the latest */
    c->max_body_bytes = 1024;    /* 16 KiB for BIG_BODY routes */
    c->max_url_bytes = 256;
    c->max_header_bytes = 16 * 1024;
    char err[256] = "";
    srv = pd_server_start(&app, routes, sizeof routes / sizeof routes[0], err);
    if (!srv) {
        fprintf(stderr, "pd_server_start: %s\n", err);
        return -1;
    }
    port = pd_server_port(srv);
    return 0;
}

static int teardown(void **state)
{
    pd_server_stop(srv, 1000);
    return 0;
}

/* ---- a minimal HTTP/1.1 client ------------------------------------------ */

struct resp {
    int status;
    char head[4096];
    char body[1024];
};

static int conn_open(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct timeval tv = {10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static bool send_all(int fd, const void *p, size_t n)
{
    const char *c = p;
    while (n) {
        ssize_t w = send(fd, c, n, MSG_NOSIGNAL);
        if (w <= 0)
            return false;
        c += w;
        n -= (size_t)w;
    }
    return true;
}

static bool read_resp(int fd, struct resp *r)
{
    memset(r, 0, sizeof *r);
    size_t got = 0;
    char *end = NULL;
    while (!end) {
        if (got + 1 >= sizeof r->head)
            return false;
        ssize_t n = recv(fd, r->head + got, 1, 0);
        if (n <= 0)
            return false;
        got += (size_t)n;
        r->head[got] = '\0';
        end = strstr(r->head, "\r\n\r\n");
    }
    if (sscanf(r->head, "HTTP/1.%*d %d", &r->status) != 1)
        return false;
    const char *cl = strcasestr(r->head, "\r\nContent-Length:");
    size_t len = cl ? strtoul(cl + 17, NULL, 10) : 0, have = 0;
    if (len >= sizeof r->body)
        return false;
    while (have < len) {
        ssize_t n = recv(fd, r->body + have, len - have, 0);
        if (n <= 0)
            return false;
        have += (size_t)n;
    }
    return true;
}

/* The body: @p total bytes of a repeating pattern, as chunks of @p piece. */
static uint64_t pattern_sum(size_t total)
{
    uint64_t s = 0;
    for (size_t i = 0; i < total; i++)
        s += (unsigned char)('a' + i % 26);
    return s;
}

static bool send_body(int fd, size_t total, size_t piece, bool chunked)
{
    char *buf = malloc(piece);
    assert_non_null(buf);
    bool ok = true;
    for (size_t off = 0; off < total && ok; off += piece) {
        size_t n = total - off < piece ? total - off : piece;
        for (size_t i = 0; i < n; i++)
            buf[i] = (char)('a' + (off + i) % 26);
        if (chunked) {
            char h[32];
            snprintf(h, sizeof h, "%zx\r\n", n);
            ok = send_all(fd, h, strlen(h)) && send_all(fd, buf, n) && send_all(fd, "\r\n", 2);
        } else {
            ok = send_all(fd, buf, n);
        }
    }
    if (chunked && ok)
        ok = send_all(fd, "0\r\n\r\n", 5);
    free(buf);
    return ok;
}

/* POST @p path with @p total bytes; @p extra headers (each ending in CRLF). */
static void post(int fd, const char *path, const char *extra, size_t total, bool chunked,
                 struct resp *r)
{
    char head[512];
    if (chunked)
        snprintf(head, sizeof head,
                 "POST %s HTTP/1.1\r\nHost: x\r\n%sTransfer-Encoding: chunked\r\n\r\n", path,
                 extra);
    else
        snprintf(head, sizeof head, "POST %s HTTP/1.1\r\nHost: x\r\n%sContent-Length: %zu\r\n\r\n",
                 path, extra, total);
    assert_true(send_all(fd, head, strlen(head)));
    send_body(fd, total, 65536, chunked);
    assert_true(read_resp(fd, r));
}

static unsigned long long field(const struct resp *r, const char *key)
{
    char k[64];
    snprintf(k, sizeof k, "\"%s\":", key);
    const char *p = strstr(r->body, k);
    if (!p)
        fail_msg("no %s in %s", key, r->body);
    return strtoull(p + strlen(k), NULL, 10);
}

static void reset_counters(void)
{
    atomic_store(&begins, 0);
    atomic_store(&chunk_calls, 0);
    atomic_store(&cleanups, 0);
}

/* Wait up to 5 s for @p counter to reach @p want: cleanup runs once the reply is sent, so
 * each test waits for its own before the next resets the counters. */
static void wait_for(atomic_int *counter, int want)
{
    for (int i = 0; i < 500 && atomic_load(counter) < want; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    assert_int_equal(atomic_load(counter), want);
}

/* ---- tests --------------------------------------------------------------- */

static void body_in_pieces_without_limit(void **state)
{
    reset_counters();
    const size_t total = 40u << 20; /* 40 MiB against a 1 KiB (16 KiB) limit */
    int fd = conn_open();
    struct resp r;
    post(fd, "/s/count", "", total, true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(field(&r, "bytes"), total);
    assert_int_equal(field(&r, "seen"), total);
    assert_int_equal(field(&r, "sum"), pattern_sum(total));
    assert_true(field(&r, "chunks") > 1);
    assert_non_null(strstr(r.body, "\"order_ok\":true"));
    /* Keep-alive: a declared Content-Length over the limit is not refused either. */
    post(fd, "/s/count", "", 3u << 20, false, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(field(&r, "bytes"), 3u << 20);
    close(fd);
    assert_int_equal(atomic_load(&begins), 2);
    wait_for(&cleanups, 2);

    /* Other routes keep their limit and get the whole body. */
    fd = conn_open();
    post(fd, "/t/big", "", 16 * 1024, false, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "{\"len\":16384,\"whole\":true}");
    close(fd);
    fd = conn_open();
    post(fd, "/t/big", "", 16 * 1024 + 1, true, &r);
    assert_int_equal(r.status, 413);
    close(fd);
}

static void empty_body(void **state)
{
    reset_counters();
    int fd = conn_open();
    struct resp r;
    post(fd, "/s/count", "", 0, false, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(field(&r, "bytes"), 0);
    assert_int_equal(field(&r, "chunks"), 0);
    close(fd);
    assert_int_equal(atomic_load(&begins), 1);
    assert_int_equal(atomic_load(&chunk_calls), 0);
    wait_for(&cleanups, 1);
}

static void refused_caller_never_reaches_the_handler(void **state)
{
    reset_counters();
    int fd = conn_open();
    struct resp r;
    post(fd, "/s/secure", "", 200000, true, &r);
    assert_int_equal(r.status, 401);
    assert_non_null(strstr(r.body, "\"auth.required\""));
    post(fd, "/s/secure", "Authorization: Bearer agent\r\n", 200000, false, &r);
    assert_int_equal(r.status, 403);
    assert_non_null(strstr(r.body, "\"auth.forbidden\""));
    assert_int_equal(atomic_load(&begins), 0);
    assert_int_equal(atomic_load(&chunk_calls), 0);
    /* The same connection carries on. */
    post(fd, "/s/secure", "Authorization: Bearer admin\r\n", 100000, true, &r);
    assert_int_equal(r.status, 200);
    assert_int_equal(field(&r, "bytes"), 100000);
    close(fd);
    wait_for(&cleanups, 1); /* only the admitted request had state to clean up */
}

static void early_reply_ends_the_calls(void **state)
{
    reset_counters();
    int fd = conn_open();
    struct resp r;
    /* Refused at BEGIN: no chunk call, the reply after the body. */
    post(fd, "/s/count", "X-Refuse: 1\r\n", 500000, true, &r);
    assert_int_equal(r.status, 415);
    assert_non_null(strstr(r.body, "\"field\":\"X-Refuse\""));
    assert_int_equal(atomic_load(&chunk_calls), 0);
    /* An error after 100 kB: later pieces are not passed on. */
    post(fd, "/s/count", "X-Fail-After: 100000\r\n", 4u << 20, true, &r);
    assert_int_equal(r.status, 400);
    assert_non_null(strstr(r.body, "\"field\":\"body\""));
    int calls = atomic_load(&chunk_calls);
    assert_true(calls > 0 && calls < 200); /* 4 MiB would take far more pieces */
    /* And the connection is still good. */
    post(fd, "/s/count", "", 10, false, &r);
    assert_int_equal(r.status, 200);
    close(fd);
    wait_for(&cleanups, 2);
}

static void client_gone_mid_body(void **state)
{
    reset_counters();
    int fd = conn_open();
    const char *head = "POST /s/count HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n";
    assert_true(send_all(fd, head, strlen(head)));
    assert_true(send_body(fd, 300000, 65536, false));
    for (int i = 0; i < 200 && atomic_load(&chunk_calls) == 0; i++) {
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    close(fd);
    wait_for(&cleanups, 1);
    assert_int_equal(atomic_load(&begins), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(body_in_pieces_without_limit),
        cmocka_unit_test(empty_body),
        cmocka_unit_test(refused_caller_never_reaches_the_handler),
        cmocka_unit_test(early_reply_ends_the_calls),
        cmocka_unit_test(client_gone_mid_body),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
