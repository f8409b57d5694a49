/*
 * Notifications (notify.h): queuing the notices of a tracking status change
 * inside the caller's transaction, and the worker thread of `parceldesk
 * serve` that sends them — webhook deliveries POSTed concurrently through a
 * libcurl multi handle, SMS/e-mail messages handed to a sender (by default
 * JSON files in a spool directory) — recording every attempt, backing off
 * exponentially after failures and dead-lettering after the last one.
 * The queues themselves live in the store (store.h "notifications"); this
 * file decides what to queue and what became of each try.
 *
 * Invariants:
 *   1. A notice is queued in the transaction of the status change it
 *      reports, so it exists exactly when the change does.
 *   2. A webhook body is built once, when queued; every retry sends and
 *      signs the same bytes (so a receiver can deduplicate by event id).
 *   3. The worker records an outcome only under its claim (store.h): a
 *      delivery whose lease ran out may be sent twice, never recorded twice.
 *   4. Unless notify.allow_private is on, no connection is ever opened to
 *      a loopback, private, link-local or other non-public address: the
 *      check runs on each address libcurl is about to connect to, so a
 *      host name that resolves (or re-resolves) to one is refused too.
 *   5. Redirects are not followed and no proxy is used.
 *
 * A delivery's life, in the store:
 *
 *   pending --claim--> (leased) --2xx--> delivered
 *      ^                  |  \--failure, retries left: next_at = now + back-off --> pending
 *      |                  |   \-failure, none left --> dead --POST …/retry (revive)--> pending
 *      |                  \--subscription deleted --> cancelled
 *      \--lease ran out (worker gone) / released on shutdown
 */
#include "http/notify.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/phone.h"
#include "http/app.h"
#include "store/tx.h"
#include "util/buf.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/utf8.h"

#define LEASE_EXTRA_MS 60000   /* a claim lasts the HTTP timeout plus this */
#define PURGE_EVERY_MS 3600000 /* finished rows are purged hourly */
#define PURGE_BATCH    5000    /* rows per purge transaction */
#define RESPONSE_KEEP  200     /* bytes of a failed answer kept in the attempt log */
#define USER_AGENT     "ParcelDesk-Webhooks/" PD_VERSION

/* ---- event kinds ---------------------------------------------------------- */

const char *const pd_notify_kind_names[] = {
    [PD_NOTIFY_STATUS_CHANGED] = "status_changed",
    [PD_NOTIFY_DELIVERED] = "delivered",
    [PD_NOTIFY_FAILED_ATTEMPT] = "failed_attempt",
    [PD_NOTIFY_EXCEPTION] = "exception",
    [PD_NOTIFY_DELAYED] = "delayed",
    [PD_NOTIFY_RETURNED] = "returned",
    [PD_NOTIFY__COUNT] = NULL,
};

const char *pd_notify_kind_name(enum pd_notify_kind k)
{
    return (int)k >= 0 && k < PD_NOTIFY__COUNT ? pd_notify_kind_names[k] : NULL;
}

bool pd_notify_kind_parse(const char *s, enum pd_notify_kind *out)
{
    for (int i = 0; s && i < PD_NOTIFY__COUNT; i++)
        if (strcmp(s, pd_notify_kind_names[i]) == 0) {
            *out = (enum pd_notify_kind)i;
            return true;
        }
    return false;
}

enum pd_notify_kind pd_notify_kind_of(enum pd_status st)
{
    switch (st) {
    case PD_ST_DELIVERED:
    case PD_ST_DELIVERED_PROXY:
    case PD_ST_DELIVERED_LOCKER:
        return PD_NOTIFY_DELIVERED;
    case PD_ST_ATTEMPT_FAILED:
    case PD_ST_UNREACHABLE:
        return PD_NOTIFY_FAILED_ATTEMPT;
    case PD_ST_NO_UPDATE:
        return PD_NOTIFY_DELAYED;
    case PD_ST_REFUSED:
    case PD_ST_ADDRESS_ISSUE:
    case PD_ST_DAMAGED:
    case PD_ST_LOST:
    case PD_ST_EXCEPTION:
        return PD_NOTIFY_EXCEPTION;
    case PD_ST_RETURNING:
    case PD_ST_RETURNED:
        return PD_NOTIFY_RETURNED;
    default:
        return PD_NOTIFY_STATUS_CHANGED;
    }
}

bool pd_notify_kinds_match(uint32_t mask, enum pd_notify_kind k)
{
    return (mask & PD_NOTIFY_BIT(PD_NOTIFY_STATUS_CHANGED)) || (mask & PD_NOTIFY_BIT(k));
}

/* Kinds that also become an SMS/e-mail to the recipient (DOMAIN.md §5:
 * delay, failed delivery, exception — and delivery itself). */
static bool notice_kind(enum pd_notify_kind k)
{
    return k == PD_NOTIFY_DELIVERED || k == PD_NOTIFY_FAILED_ATTEMPT || k == PD_NOTIFY_EXCEPTION ||
           k == PD_NOTIFY_DELAYED;
}

int64_t pd_notify_backoff_ms(const struct pd_config *cfg, int failures, uint32_t rnd)
{
    int64_t d = cfg->notify_backoff_base_ms;
    for (int i = 1; i < failures && d < cfg->notify_backoff_max_ms; i++)
        d *= 2;
    if (d > cfg->notify_backoff_max_ms)
        d = cfg->notify_backoff_max_ms;
    /* ±20 %: d × (0.8 + 0.4 × rnd / 2^32) */
    int64_t spread = d * 2 / 5;
    return d - d / 5 + (int64_t)(((uint64_t)spread * rnd) >> 32);
}

static uint32_t rand32(void)
{
    char h[9];
    pd_random_hex(h, 4);
    return (uint32_t)strtoul(h, NULL, 16);
}

/* ---- the state ------------------------------------------------------------- */

/* A subscription as the matcher needs it. */
struct sub {
    int64_t id;
    uint32_t kinds;
    char customer_code[PD_CODE_MAX];
    char node_path[PD_PATH_MAX];
    char owner[PD_NOTIFY_OWNER_SIZE];
};

struct pd_notify {
    struct pd_app *app;
    const struct pd_notify_sender *sender;
    struct pd_notify_sender spool; /* the default sender; cls = this struct */

    pthread_rwlock_t lock; /* guards subs, nsubs, loaded */
    struct sub *subs;
    int nsubs;
    bool loaded; /* false: ask the store each time */

    pthread_mutex_t mu; /* with cv: the worker's sleep */
    pthread_cond_t cv;
    atomic_bool stopping;
    bool running;
    pthread_t thread;
    CURLM *multi;
    int64_t next_refresh_ms;
    int64_t next_purge_ms;
};

/* ---- the subscription snapshot --------------------------------------------- */

struct subs_ctx {
    struct sub *v;
    int n, cap;
    int64_t last;
    bool oom;
};

static int on_sub(void *cls, const struct pd_webhook *w)
{
    struct subs_ctx *x = cls;
    x->last = w->id;
    if (x->n == x->cap) {
        int cap = x->cap ? x->cap * 2 : 16;
        struct sub *v = realloc(x->v, (size_t)cap * sizeof *v);
        if (!v) {
            x->oom = true;
            return PD_QS_HARD;
        }
        x->v = v;
        x->cap = cap;
    }
    struct sub *s = &x->v[x->n++];
    s->id = w->id;
    s->kinds = w->kinds;
    memcpy(s->customer_code, w->customer_code, sizeof s->customer_code);
    memcpy(s->node_path, w->node_path, sizeof s->node_path);
    memcpy(s->owner, w->owner, sizeof s->owner);
    return 0;
}

/* Every active subscription, in pages of the store's largest list. */
static pd_qs read_subs(pd_db *db, struct subs_ctx *x)
{
    x->n = 0;
    x->last = 0;
    for (;;) {
        struct pd_webhook_filter f = {.node_path = "/", .after_id = x->last, .limit = 1000};
        pd_qs qs = db->ops->webhook_list(db, &f, on_sub, x);
        if (qs < 0 || qs < 1000)
            return qs < 0 ? qs : PD_QS_ONE;
    }
}

static pd_qs reload_tx(pd_db *db, void *cls)
{
    return read_subs(db, cls);
}

static bool reload(struct pd_notify *n)
{
    struct subs_ctx x = {0};
    pd_qs qs = pd_tx_run(n->app->store, "notify: read subscriptions", true, reload_tx, &x);
    if (qs < 0) {
        free(x.v);
        pd_warn("notify: cannot read the webhook subscriptions%s; asking the store per event "
                "until they can be read",
                x.oom ? " (out of memory)" : "");
        pthread_rwlock_wrlock(&n->lock);
        n->loaded = false;
        pthread_rwlock_unlock(&n->lock);
        return false;
    }
    pthread_rwlock_wrlock(&n->lock);
    struct sub *old = n->subs;
    n->subs = x.v;
    n->nsubs = x.n;
    n->loaded = true;
    pthread_rwlock_unlock(&n->lock);
    free(old);
    return true;
}

void pd_notify_subscriptions_changed(struct pd_app *app)
{
    struct pd_notify *n = app ? app->notify : NULL;
    if (n && n->running)
        reload(n);
}

/* ---- queuing ---------------------------------------------------------------- */

static bool sub_matches(const struct sub *s, const struct pd_notify_event *ev,
                        enum pd_notify_kind k)
{
    if (!pd_notify_kinds_match(s->kinds, k))
        return false;
    if (s->customer_code[0] &&
        strcmp(s->customer_code, ev->customer_code ? ev->customer_code : "") != 0)
        return false;
    if (strncmp(ev->node_path, s->node_path, strlen(s->node_path)) != 0)
        return false;
    /* An API key's subscription: the waybills that key created, as its
     * reads of single waybills are (api/waybills.c). */
    if (s->owner[0] == 'k' && strcmp(s->owner, ev->created_by ? ev->created_by : "") != 0)
        return false;
    return true;
}

/* The ids of the subscriptions taking @p ev, into a malloc'd *ids. */
static pd_qs matching(struct pd_app *app, pd_db *db, const struct pd_notify_event *ev,
                      enum pd_notify_kind k, int64_t **ids, int *nids)
{
    struct pd_notify *n = app->notify;
    *ids = NULL;
    *nids = 0;
    struct subs_ctx x = {0};
    const struct sub *v;
    int nv;
    bool snap = false;
    if (n && n->running) {
        pthread_rwlock_rdlock(&n->lock);
        snap = n->loaded;
        if (!snap)
            pthread_rwlock_unlock(&n->lock);
    }
    if (snap) {
        v = n->subs;
        nv = n->nsubs;
    } else {
        pd_qs qs = read_subs(db, &x);
        if (qs < 0) {
            free(x.v);
            return qs;
        }
        v = x.v;
        nv = x.n;
    }
    pd_qs qs = PD_QS_NONE;
    for (int i = 0; i < nv; i++) {
        if (!sub_matches(&v[i], ev, k))
            continue;
        if (!*ids && !(*ids = malloc((size_t)nv * sizeof **ids))) {
            qs = PD_QS_HARD;
            break;
        }
        (*ids)[(*nids)++] = v[i].id;
    }
    if (snap)
        pthread_rwlock_unlock(&n->lock);
    free(x.v);
    return qs;
}

/* The text of a notice for waybill @p no now in status @p zh (its Chinese
 * name). It names no person: it goes to the recipient. */
static void notice_text(enum pd_notify_kind k, const char *no, const char *zh, char *out,
                        size_t cap)
{
    switch (k) {
    case PD_NOTIFY_DELIVERED:
        snprintf(out, cap, "【ParcelDesk】您的快件%s已签收（%s）。感谢使用，如有疑问请联系客服。",
                 no, zh);
        break;
    case PD_NOTIFY_FAILED_ATTEMPT:
        snprintf(out, cap, "【ParcelDesk】您的快件%s派送未成功（%s），快递员将与您联系再次派送。",
                 no, zh);
        break;
    case PD_NOTIFY_EXCEPTION:
        snprintf(out, cap,
                 "【ParcelDesk】您的快件%s出现异常（%s），我们正在处理，如需帮助请联系客服。", no,
                 zh);
        break;
    default:
        snprintf(out, cap,
                 "【ParcelDesk】您的快件%s可能延误（%s），我们正在核查，给您带来不便敬请谅解。", no,
                 zh);
        break;
    }
}

static void put_time(pd_buf *b, int64_t ms)
{
    char t[PD_RFC3339_MAX];
    pd_buf_json_cstr(b, pd_time_format(ms, PD_CST_OFFSET_MIN, t));
}

static void build_body(pd_buf *b, const char *evt, enum pd_notify_kind k, int64_t now_ms,
                       const struct pd_notify_event *ev)
{
    pd_buf_puts(b, "{\"id\":");
    pd_buf_json_cstr(b, evt);
    pd_buf_puts(b, ",\"kind\":");
    pd_buf_json_cstr(b, pd_notify_kind_name(k));
    pd_buf_puts(b, ",\"created_at\":");
    put_time(b, now_ms);
    pd_buf_puts(b, ",\"data\":{\"waybill_no\":");
    pd_buf_json_cstr(b, ev->waybill_no);
    pd_buf_puts(b, ",\"status\":");
    pd_buf_json_cstr(b, pd_status_info(ev->status)->name);
    pd_buf_puts(b, ",\"previous_status\":");
    if ((int)ev->previous >= 0 && ev->previous < PD_ST__COUNT)
        pd_buf_json_cstr(b, pd_status_info(ev->previous)->name);
    else
        pd_buf_puts(b, "null");
    pd_buf_puts(b, ",\"occurred_at\":");
    put_time(b, ev->at_ms > 0 ? ev->at_ms : now_ms);
    pd_buf_puts(b, ",\"tracking\":");
    if (ev->write_tracking)
        ev->write_tracking(ev->write_cls, b);
    else
        pd_buf_puts(b, "null");
    pd_buf_puts(b, "}}");
}

static pd_qs queue_notice(pd_db *db, int channel, const char *evt, enum pd_notify_kind k,
                          int64_t now_ms, const struct pd_notify_event *ev)
{
    struct pd_outbox_msg m;
    memset(&m, 0, sizeof m);
    m.channel = channel;
    snprintf(m.event_id, sizeof m.event_id, "%s", evt);
    snprintf(m.waybill_no, sizeof m.waybill_no, "%s", ev->waybill_no);
    snprintf(m.kind, sizeof m.kind, "%s", pd_notify_kind_name(k));
    const char *zh = pd_status_info(ev->status)->zh;
    if (channel == PD_OUTBOX_EMAIL)
        snprintf(m.subject, sizeof m.subject, "快件 %s：%s", ev->waybill_no, zh);
    notice_text(k, ev->waybill_no, zh, m.text, sizeof m.text);
    m.next_at_ms = now_ms;
    return db->ops->outbox_insert(db, &m);
}

pd_qs pd_notify_enqueue(struct pd_app *app, pd_db *db, const struct pd_notify_event *ev)
{
    if (PD_BREAK(app && db && ev && ev->waybill_no))
        return PD_QS_HARD;
    /* No notification state: a process that never asked to notify (bench
     * data from `parceldesk generate` must not text anybody). */
    if (!app->notify || !ev->node_path || !ev->node_path[0] || ev->status == ev->previous)
        return PD_QS_NONE;
    enum pd_notify_kind k = pd_notify_kind_of(ev->status);
    bool sms = app->cfg.notify_sms && notice_kind(k);
    bool email = app->cfg.notify_email && notice_kind(k);
    int64_t *ids = NULL;
    int nids = 0;
    pd_qs qs = matching(app, db, ev, k, &ids, &nids);
    if (qs < 0 || (nids == 0 && !sms && !email)) {
        free(ids);
        return qs;
    }

    char evt[PD_NOTIFY_ID_SIZE] = "evt_";
    pd_random_hex(evt + 4, 16);
    int64_t now = pd_now_ms();
    int queued = 0;
    if (nids > 0) {
        pd_buf body = PD_BUF_INIT;
        build_body(&body, evt, k, now, ev);
        if (body.oom) {
            pd_buf_free(&body);
            free(ids);
            return PD_QS_HARD;
        }
        struct pd_webhook_delivery d;
        memset(&d, 0, sizeof d);
        snprintf(d.event_id, sizeof d.event_id, "%s", evt);
        snprintf(d.kind, sizeof d.kind, "%s", pd_notify_kind_name(k));
        snprintf(d.waybill_no, sizeof d.waybill_no, "%s", ev->waybill_no);
        d.next_at_ms = now;
        d.body = body.data;
        for (int i = 0; i < nids && qs >= 0; i++) {
            d.webhook_id = ids[i];
            qs = db->ops->delivery_insert(db, &d);
            if (qs > 0)
                queued++;
        }
        pd_buf_free(&body);
    }
    free(ids);
    if (qs >= 0 && sms && (qs = queue_notice(db, PD_OUTBOX_SMS, evt, k, now, ev)) > 0)
        queued++;
    if (qs >= 0 && email && (qs = queue_notice(db, PD_OUTBOX_EMAIL, evt, k, now, ev)) > 0)
        queued++;
    return qs < 0 ? qs : (pd_qs)queued;
}

/* ---- addresses ------------------------------------------------------------- */

static bool v4_private(uint32_t a) /* host byte order */
{
    return (a >> 24) == 0 ||                   /* 0.0.0.0/8 "this network" */
           (a >> 24) == 10 ||                  /* 10/8 */
           (a & 0xFFC00000u) == 0x64400000u || /* 100.64/10 carrier-grade NAT */
           (a >> 24) == 127 ||                 /* loopback */
           (a & 0xFFFF0000u) == 0xA9FE0000u || /* 169.254/16 link-local (cloud metadata) */
           (a & 0xFFF00000u) == 0xAC100000u || /* 172.16/12 */
           (a & 0xFFFFFF00u) == 0xC0000000u || /* 192.0.0/24 protocol assignments */
           (a & 0xFFFFFF00u) == 0xC0000200u || /* 192.0.2/24 documentation */
           (a & 0xFFFF0000u) == 0xC0A80000u || /* 192.168/16 */
           (a & 0xFFFE0000u) == 0xC6120000u || /* 198.18/15 benchmarking */
           (a & 0xFFFFFF00u) == 0xC6336400u || /* 198.51.100/24 documentation */
           (a & 0xFFFFFF00u) == 0xCB007100u || /* 203.0.113/24 documentation */
           a >= 0xE0000000u;                   /* multicast, reserved, broadcast */
}

static uint32_t v4_at(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static bool v6_private(const unsigned char *b)
{
    static const unsigned char zero[10] = {0};
    if (memcmp(b, zero, 10) == 0) {
        if (b[10] == 0xFF && b[11] == 0xFF) /* ::ffff:a.b.c.d, IPv4-mapped */
            return v4_private(v4_at(b + 12));
        return true; /* ::, ::1 and the deprecated IPv4-compatible block */
    }
    if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B) /* 64:ff9b::/96 NAT64 */
        return v4_private(v4_at(b + 12));
    if (b[0] == 0x20 && b[1] == 0x02) /* 2002::/16 6to4 */
        return v4_private(v4_at(b + 2));
    if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) /* 2001:db8::/32 */
        return true;
    return (b[0] & 0xFE) == 0xFC ||                   /* fc00::/7 unique local */
           (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) || /* fe80::/10 link-local */
           (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) || /* fec0::/10 site-local */
           b[0] == 0xFF;                              /* multicast */
}

static bool sockaddr_private(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return v4_private(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
    if (sa->sa_family == AF_INET6)
        return v6_private(((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr);
    return true; /* anything else is not a public internet address */
}

enum pd_notify_url pd_notify_url_check(const char *url, bool allow_private, char why[128])
{
    why[0] = '\0';
    size_t len = url ? strlen(url) : 0;
    if (len == 0 || len > 500) {
        snprintf(why, 128, "1 to 500 characters");
        return PD_NOTIFY_URL_INVALID;
    }
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= 0x20 || (unsigned char)url[i] >= 0x7F) {
            snprintf(why, 128, "printable ASCII only (percent-encode the rest)");
            return PD_NOTIFY_URL_INVALID;
        }
    CURLU *u = curl_url();
    if (!u) {
        snprintf(why, 128, "out of memory");
        return PD_NOTIFY_URL_INVALID;
    }
    enum pd_notify_url r = PD_NOTIFY_URL_INVALID;
    char *scheme = NULL, *host = NULL, *user = NULL, *frag = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        snprintf(why, 128, "not an absolute URL with a host");
    } else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        snprintf(why, 128, "http or https only");
    } else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user) {
        snprintf(why, 128, "no user name or password in the URL");
    } else if (curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK && frag) {
        snprintf(why, 128, "no #fragment");
    } else {
        r = PD_NOTIFY_URL_OK;
        if (!allow_private) {
            char h[128];
            snprintf(h, sizeof h, "%s", host);
            size_t hl = strlen(h);
            if (hl > 2 && h[0] == '[' && h[hl - 1] == ']') {
                memmove(h, h + 1, hl - 2);
                h[hl - 2] = '\0';
            }
            char *pct = strchr(h, '%'); /* an IPv6 zone id: link-local anyway */
            if (pct)
                *pct = '\0';
            struct in_addr a4;
            struct in6_addr a6;
            hl = strlen(h);
            bool local = strcasecmp(h, "localhost") == 0 ||
                         (hl > 10 && strcasecmp(h + hl - 10, ".localhost") == 0);
            if (local || (inet_pton(AF_INET, h, &a4) == 1 && v4_private(ntohl(a4.s_addr))) ||
                (inet_pton(AF_INET6, h, &a6) == 1 && v6_private(a6.s6_addr)) || pct) {
                snprintf(why, 128, "loopback, private and link-local addresses are not allowed");
                r = PD_NOTIFY_URL_PRIVATE;
            }
        }
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    curl_free(frag);
    curl_url_cleanup(u);
    return r;
}

/* ---- one webhook transfer ------------------------------------------------- */

struct xfer {
    struct pd_webhook_delivery d; /* as claimed; d.body points at body */
    char *body;
    bool allow_private;
    CURL *easy;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    char refused[INET6_ADDRSTRLEN]; /* an address the check refused */
    char resp[RESPONSE_KEEP + 1];
    size_t resp_len;
    int64_t at_ms, t0_us;
    bool done; /* the transfer ended (successfully or not) */
    CURLcode rc;
    long status;
    int duration_ms;
};

static size_t on_response(char *p, size_t size, size_t nmemb, void *ud)
{
    struct xfer *x = ud;
    size_t n = size * nmemb;
    size_t room = RESPONSE_KEEP - x->resp_len;
    size_t take = n < room ? n : room;
    memcpy(x->resp + x->resp_len, p, take);
    x->resp_len += take;
    x->resp[x->resp_len] = '\0';
    return n; /* the rest is read and dropped */
}

/* Invariant 4: every address is checked just before libcurl connects. */
static curl_socket_t on_open_socket(void *ud, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct xfer *x = ud;
    if (!x->allow_private && sockaddr_private(&a->addr)) {
        const void *bytes = a->family == AF_INET6
                                ? (const void *)&((struct sockaddr_in6 *)&a->addr)->sin6_addr
                                : (const void *)&((struct sockaddr_in *)&a->addr)->sin_addr;
        if (!inet_ntop(a->family, bytes, x->refused, sizeof x->refused))
            snprintf(x->refused, sizeof x->refused, "?");
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
}

static bool xfer_setup(struct pd_notify *n, struct xfer *x)
{
    const struct pd_config *cfg = &n->app->cfg;
    x->easy = curl_easy_init();
    if (!x->easy)
        return false;
    char sig[PD_SHA256_HEX];
    pd_hmac_sha256_hex(x->d.secret, strlen(x->d.secret), x->body, strlen(x->body), sig);
    char h[160];
    struct curl_slist *l = NULL, *t;
#define ADD(...)                                                                                   \
    do {                                                                                           \
        snprintf(h, sizeof h, __VA_ARGS__);                                                        \
        if (!(t = curl_slist_append(l, h)))                                                        \
            goto oom;                                                                              \
        l = t;                                                                                     \
    } while (0)
    ADD("Content-Type: application/json");
    ADD("X-ParcelDesk-Event: %s", x->d.kind);
    ADD("X-ParcelDesk-Event-Id: %s", x->d.event_id);
    ADD("X-ParcelDesk-Delivery: %lld", (long long)x->d.id);
    ADD("X-ParcelDesk-Attempt: %d", x->d.attempts + 1);
    ADD("X-ParcelDesk-Signature: sha256=%s", sig);
    ADD("Expect:"); /* no "100-continue" round trip before larger bodies */
#undef ADD
    x->headers = l;
    CURL *e = x->easy;
    curl_easy_setopt(e, CURLOPT_URL, x->d.url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(e, CURLOPT_PROXY, "");
    curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->notify_timeout_ms);
    curl_easy_setopt(e, CURLOPT_USERAGENT, USER_AGENT);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->headers);
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(x->body));
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_response);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_PRIVATE, x);
    x->at_ms = pd_now_ms();
    x->t0_us = pd_mono_us();
    return true;
oom:
    curl_slist_free_all(l);
    return false;
}

static void xfer_free(struct xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(x->body);
    x->easy = NULL;
    x->headers = NULL;
    x->body = NULL;
}

/* Make @p s printable, valid UTF-8 for the attempt log (and the JSON that
 * shows it): answers are untrusted bytes. */
static void log_text(char *dst, size_t cap, const char *s)
{
    char tmp[PD_NOTIFY_ERROR_SIZE];
    size_t j = 0;
    for (size_t i = 0; s[i] && j + 1 < sizeof tmp; i++) {
        unsigned char ch = (unsigned char)s[i];
        tmp[j++] = ch < 0x20 || ch == 0x7F ? ' ' : (char)ch;
    }
    tmp[j] = '\0';
    pd_utf8_copy(dst, cap, tmp);
}

/* The attempt's error text: "" when it succeeded. */
static void xfer_error(const struct xfer *x, char *out, size_t cap)
{
    char raw[PD_NOTIFY_ERROR_SIZE];
    if (x->rc == CURLE_OK) {
        if (x->status >= 200 && x->status < 300) {
            out[0] = '\0';
            return;
        }
        snprintf(raw, sizeof raw, "HTTP %ld%s%s", x->status, x->resp_len ? ": " : "", x->resp);
    } else if (x->refused[0]) {
        snprintf(raw, sizeof raw, "address %s not allowed (notify.allow_private is off)",
                 x->refused);
    } else {
        snprintf(raw, sizeof raw, "%s%s%s", curl_easy_strerror(x->rc), x->errbuf[0] ? ": " : "",
                 x->errbuf);
    }
    log_text(out, cap, raw);
}

/* ---- a round of deliveries -------------------------------------------------- */

struct claimed {
    struct xfer *v;
    int n, cap;
    bool oom;
};

static void claimed_clear(struct claimed *c)
{
    for (int i = 0; i < c->n; i++)
        xfer_free(&c->v[i]);
    c->n = 0;
}

static int on_claimed(void *cls, const struct pd_webhook_delivery *d)
{
    struct claimed *c = cls;
    if (c->n == c->cap) {
        int cap = c->cap ? c->cap * 2 : 8;
        struct xfer *v = realloc(c->v, (size_t)cap * sizeof *v);
        if (!v) {
            c->oom = true;
            return PD_QS_HARD;
        }
        c->v = v;
        c->cap = cap;
    }
    struct xfer *x = &c->v[c->n];
    memset(x, 0, sizeof *x);
    x->d = *d;
    if (!(x->body = strdup(d->body ? d->body : ""))) {
        c->oom = true;
        return PD_QS_HARD;
    }
    x->d.body = x->body;
    c->n++;
    return 0;
}

struct claim_tx {
    struct claimed *c;
    int64_t now_ms, lease_ms;
    int limit;
    const char *token;
};

static pd_qs delivery_claim_tx(pd_db *db, void *cls)
{
    struct claim_tx *t = cls;
    claimed_clear(t->c); /* a retried transaction claims afresh */
    return db->ops->delivery_claim(db, t->now_ms, t->lease_ms, t->limit, t->token, on_claimed,
                                   t->c);
}

struct finish_tx {
    struct pd_notify *n;
    struct claimed *c;
    const char *token;
};

/* The outcome of transfer @p x under the retry rules. */
static void outcome_of(const struct pd_config *cfg, const struct xfer *x, const char *token,
                       char *err, size_t cap, struct pd_delivery_outcome *o)
{
    memset(o, 0, sizeof *o);
    o->id = x->d.id;
    o->claim = token;
    o->at_ms = x->at_ms ? x->at_ms : pd_now_ms();
    if (x->d.webhook_deleted) {
        o->state = PD_DELIVERY_CANCELLED;
        return;
    }
    if (!x->done) { /* abandoned at shutdown: due again at once */
        o->state = PD_DELIVERY_PENDING;
        o->next_at_ms = o->at_ms;
        return;
    }
    o->attempted = true;
    o->duration_ms = x->duration_ms;
    o->status = (int)x->status;
    xfer_error(x, err, cap);
    o->error = err;
    if (x->rc == CURLE_OK && x->status >= 200 && x->status < 300) {
        o->state = PD_DELIVERY_DELIVERED;
        return;
    }
    int failures = x->d.attempts + 1 - x->d.attempt_base;
    if (failures >= cfg->notify_max_attempts) {
        o->state = PD_DELIVERY_DEAD;
        return;
    }
    o->state = PD_DELIVERY_PENDING;
    o->next_at_ms = o->at_ms + pd_notify_backoff_ms(cfg, failures, rand32());
}

static pd_qs delivery_finish_tx(pd_db *db, void *cls)
{
    struct finish_tx *t = cls;
    for (int i = 0; i < t->c->n; i++) {
        struct xfer *x = &t->c->v[i];
        char err[PD_NOTIFY_ERROR_SIZE];
        struct pd_delivery_outcome o;
        outcome_of(&t->n->app->cfg, x, t->token, err, sizeof err, &o);
        pd_qs qs = db->ops->delivery_finish(db, &o);
        if (qs < 0)
            return qs;
        if (qs == 0)
            pd_info("notify: delivery %lld: claim lost (lease ran out or cancelled); "
                    "outcome not recorded",
                    (long long)x->d.id);
    }
    return PD_QS_ONE;
}

static void log_attempt(const struct xfer *x)
{
    char err[PD_NOTIFY_ERROR_SIZE];
    xfer_error(x, err, sizeof err);
    int attempt = x->d.attempts + 1;
    if (err[0])
        pd_info("notify: webhook %lld delivery %lld (%s %s) attempt %d: %s in %d ms",
                (long long)x->d.webhook_id, (long long)x->d.id, x->d.kind, x->d.waybill_no, attempt,
                err, x->duration_ms);
    else
        pd_info("notify: webhook %lld delivery %lld (%s %s) attempt %d: HTTP %ld in %d ms",
                (long long)x->d.webhook_id, (long long)x->d.id, x->d.kind, x->d.waybill_no, attempt,
                x->status, x->duration_ms);
}

/* Run the batch's transfers concurrently until all end or the worker
 * stops; transfers still running then are abandoned (x->done false). */
static void perform(struct pd_notify *n, struct claimed *c)
{
    int added = 0;
    for (int i = 0; i < c->n; i++) {
        struct xfer *x = &c->v[i];
        if (x->d.webhook_deleted)
            continue;
        x->allow_private = n->app->cfg.notify_allow_private;
        if (!xfer_setup(n, x) || curl_multi_add_handle(n->multi, x->easy) != CURLM_OK) {
            /* Counted as a failed attempt: the next round tries again. */
            x->done = true;
            x->rc = CURLE_OUT_OF_MEMORY;
            x->at_ms = pd_now_ms();
            if (x->easy) {
                curl_easy_cleanup(x->easy);
                x->easy = NULL;
            }
            continue;
        }
        added++;
    }
    int running = added;
    while (running > 0) {
        if (curl_multi_perform(n->multi, &running) != CURLM_OK)
            break;
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(n->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            struct xfer *x = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&x);
            x->done = true;
            x->rc = m->data.result;
            x->duration_ms = (int)((pd_mono_us() - x->t0_us) / 1000);
            curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
            curl_multi_remove_handle(n->multi, x->easy);
            log_attempt(x);
        }
        if (running == 0 || atomic_load(&n->stopping))
            break;
        curl_multi_poll(n->multi, NULL, 0, 200, NULL);
    }
    for (int i = 0; i < c->n; i++) { /* abandoned: detach before the handles go */
        struct xfer *x = &c->v[i];
        if (x->easy && !x->done)
            curl_multi_remove_handle(n->multi, x->easy);
    }
}

/* One claim-send-record round. @return how many deliveries it claimed. */
static int deliveries_round(struct pd_notify *n)
{
    const struct pd_config *cfg = &n->app->cfg;
    char token[PD_NOTIFY_ID_SIZE];
    pd_random_hex(token, 16);
    struct claimed c = {0};
    struct claim_tx ct = {.c = &c,
                          .now_ms = pd_now_ms(),
                          .lease_ms = cfg->notify_timeout_ms + LEASE_EXTRA_MS,
                          .limit = cfg->notify_batch,
                          .token = token};
    pd_qs qs = pd_tx_run(n->app->store, "notify: claim deliveries", false, delivery_claim_tx, &ct);
    if (qs < 0) {
        if (c.oom)
            pd_error("notify: out of memory claiming deliveries");
        claimed_clear(&c);
        free(c.v);
        return 0;
    }
    int got = c.n;
    if (got > 0) {
        perform(n, &c);
        struct finish_tx ft = {.n = n, .c = &c, .token = token};
        if (pd_tx_run(n->app->store, "notify: record deliveries", false, delivery_finish_tx, &ft) <
            0)
            pd_error("notify: could not record %d delivery outcomes; they are retried when "
                     "their lease ends",
                     got);
    }
    claimed_clear(&c);
    free(c.v);
    return got;
}

/* ---- a round of outbox messages -------------------------------------------- */

struct msg {
    struct pd_outbox_msg m;
    char to[PD_OUTBOX_TO_SIZE];
    const char *skip; /* why nobody can receive it, or NULL */
};

struct msgs {
    struct msg *v;
    int n, cap;
    bool oom;
    const char *token;
    int64_t now_ms, lease_ms;
    int limit;
};

static int on_msg(void *cls, const struct pd_outbox_msg *m)
{
    struct msgs *x = cls;
    if (x->n == x->cap) {
        int cap = x->cap ? x->cap * 2 : 8;
        struct msg *v = realloc(x->v, (size_t)cap * sizeof *v);
        if (!v) {
            x->oom = true;
            return PD_QS_HARD;
        }
        x->v = v;
        x->cap = cap;
    }
    memset(&x->v[x->n], 0, sizeof x->v[x->n]);
    x->v[x->n++].m = *m;
    return 0;
}

static pd_qs msg_claim_tx(pd_db *db, void *cls)
{
    struct msgs *x = cls;
    x->n = 0;
    return db->ops->outbox_claim(db, x->now_ms, x->lease_ms, x->limit, x->token, on_msg, x);
}

/* The recipient of a message, read from its waybill when it is sent. */
static int on_waybill(void *cls, const struct pd_waybill *w)
{
    struct msg *g = cls;
    if (g->m.channel == PD_OUTBOX_SMS) {
        char canon[PD_PHONE_MAX];
        enum pd_phone_kind kind;
        if (pd_phone_normalise(w->recipient_phone, canon, sizeof canon, &kind) != PD_OK ||
            kind != PD_PHONE_MOBILE)
            g->skip = "the recipient's phone is not a mobile number";
        else
            snprintf(g->to, sizeof g->to, "%s", canon);
        return 0;
    }
    /* E-mail: orders carry no address today; one given as recipient.email
     * in the order document is used. */
    json_t *doc = w->doc ? json_loads(w->doc, 0, NULL) : NULL;
    const char *e = json_string_value(json_object_get(json_object_get(doc, "recipient"), "email"));
    if (e && strchr(e, '@') && strlen(e) < sizeof g->to)
        snprintf(g->to, sizeof g->to, "%s", e);
    else
        g->skip = "the order has no recipient e-mail address";
    json_decref(doc);
    return 0;
}

static pd_qs resolve_tx(pd_db *db, void *cls)
{
    struct msgs *x = cls;
    for (int i = 0; i < x->n; i++) {
        struct msg *g = &x->v[i];
        g->to[0] = '\0';
        g->skip = NULL;
        pd_qs qs = db->ops->waybill_get(db, g->m.waybill_no, false, on_waybill, g);
        if (qs < 0)
            return qs;
        if (qs == 0)
            g->skip = "no order with this number";
    }
    return PD_QS_ONE;
}

struct msg_outcome {
    struct msgs *x;
    struct pd_outbox_outcome *o;
};

static pd_qs msg_finish_tx(pd_db *db, void *cls)
{
    struct msg_outcome *t = cls;
    for (int i = 0; i < t->x->n; i++) {
        pd_qs qs = db->ops->outbox_finish(db, &t->o[i]);
        if (qs < 0)
            return qs;
    }
    return PD_QS_ONE;
}

static int outbox_round(struct pd_notify *n)
{
    const struct pd_config *cfg = &n->app->cfg;
    char token[PD_NOTIFY_ID_SIZE];
    pd_random_hex(token, 16);
    struct msgs x = {.token = token,
                     .now_ms = pd_now_ms(),
                     .lease_ms = cfg->notify_timeout_ms + LEASE_EXTRA_MS,
                     .limit = cfg->notify_batch};
    if (pd_tx_run(n->app->store, "notify: claim messages", false, msg_claim_tx, &x) < 0 ||
        x.n == 0) {
        free(x.v);
        return 0;
    }
    int got = x.n;
    bool resolved = pd_tx_run(n->app->store, "notify: recipients", true, resolve_tx, &x) >= 0;
    struct pd_outbox_outcome *o = calloc((size_t)x.n, sizeof *o);
    char(*errs)[PD_NOTIFY_ERROR_SIZE] = calloc((size_t)x.n, sizeof *errs);
    if (!o || !errs) {
        pd_error("notify: out of memory sending messages; retried when their lease ends");
        free(o);
        free(errs);
        free(x.v);
        return got;
    }
    for (int i = 0; i < x.n && !atomic_load(&n->stopping); i++) {
        struct msg *g = &x.v[i];
        struct pd_outbox_outcome *oc = &o[i];
        oc->id = g->m.id;
        oc->claim = token;
        oc->at_ms = pd_now_ms();
        oc->error = errs[i];
        if (!resolved) { /* the database went away: due again shortly */
            oc->state = PD_OUTBOX_PENDING;
            oc->next_at_ms = oc->at_ms + cfg->notify_backoff_base_ms;
            snprintf(errs[i], sizeof errs[i], "could not read the waybill");
            continue;
        }
        if (g->skip) {
            oc->state = PD_OUTBOX_SKIPPED;
            snprintf(errs[i], sizeof errs[i], "%s", g->skip);
            continue;
        }
        oc->attempted = true;
        oc->recipient = g->to;
        int rc = n->sender->send(n->sender->cls, &g->m, g->to, errs[i]);
        if (rc == 0) {
            oc->state = PD_OUTBOX_SENT;
            errs[i][0] = '\0';
            pd_info("notify: %s %lld (%s %s) sent by %s",
                    g->m.channel == PD_OUTBOX_SMS ? "sms" : "e-mail", (long long)g->m.id, g->m.kind,
                    g->m.waybill_no, n->sender->name);
            continue;
        }
        int failures = g->m.attempts + 1;
        pd_warn("notify: %s %lld (%s) attempt %d failed: %s",
                g->m.channel == PD_OUTBOX_SMS ? "sms" : "e-mail", (long long)g->m.id,
                g->m.waybill_no, failures, errs[i]);
        if (rc > 0 || failures >= cfg->notify_max_attempts) {
            oc->state = PD_OUTBOX_DEAD;
        } else {
            oc->state = PD_OUTBOX_PENDING;
            oc->next_at_ms = oc->at_ms + pd_notify_backoff_ms(cfg, failures, rand32());
        }
    }
    for (int i = 0; i < x.n; i++) /* not reached before a stop: released unsent */
        if (!o[i].claim) {
            o[i].id = x.v[i].m.id;
            o[i].claim = token;
            o[i].state = PD_OUTBOX_PENDING;
            o[i].at_ms = o[i].next_at_ms = pd_now_ms();
        }
    struct msg_outcome t = {&x, o};
    if (pd_tx_run(n->app->store, "notify: record messages", false, msg_finish_tx, &t) < 0)
        pd_error("notify: could not record %d message outcomes; they are retried when their "
                 "lease ends",
                 x.n);
    free(o);
    free(errs);
    free(x.v);
    return got;
}

/* ---- the spool sender -------------------------------------------------------- */

static bool make_dir(const char *path, char *err)
{
    char p[600];
    snprintf(p, sizeof p, "%s", path);
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, 0750) != 0 && errno != EEXIST)
            goto fail;
        *s = '/';
    }
    if (mkdir(p, 0750) == 0 || errno == EEXIST)
        return true;
fail:
    snprintf(err, PD_NOTIFY_ERROR_SIZE, "spool: cannot create %.200s: %s", p, strerror(errno));
    return false;
}

static int spool_send(void *cls, const struct pd_outbox_msg *m, const char *recipient, char *err)
{
    struct pd_notify *n = cls;
    const char *channel = m->channel == PD_OUTBOX_EMAIL ? "email" : "sms";
    char dir[600], tmp[700], path[700];
    snprintf(dir, sizeof dir, "%s/%s", n->app->cfg.notify_spool_dir, channel);
    if (!make_dir(dir, err))
        return -1;
    char created[PD_RFC3339_MAX];
    json_t *j = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", (json_int_t)m->id,
                          "channel", channel, "to", recipient, "waybill_no", m->waybill_no, "kind",
                          m->kind, "event_id", m->event_id, "subject", m->subject, "text", m->text,
                          "created_at", pd_time_format(m->created_ms, PD_CST_OFFSET_MIN, created));
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!text) {
        snprintf(err, PD_NOTIFY_ERROR_SIZE, "spool: cannot encode message %lld", (long long)m->id);
        return -1;
    }
    /* Hidden while written; the rename makes it appear whole. */
    snprintf(tmp, sizeof tmp, "%s/.%lld.json.tmp", dir, (long long)m->id);
    snprintf(path, sizeof path, "%s/%lld.json", dir, (long long)m->id);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    size_t len = strlen(text), off = 0;
    bool ok = fd >= 0;
    while (ok && off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        off += w > 0 ? (size_t)w : 0;
    }
    if (ok && write(fd, "\n", 1) != 1)
        ok = false;
    ok = ok && fsync(fd) == 0;
    int saved = errno;
    if (fd >= 0 && close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    free(text);
    if (!ok) {
        unlink(tmp);
        snprintf(err, PD_NOTIFY_ERROR_SIZE, "spool: cannot write %.200s: %s", path,
                 strerror(saved));
        return -1;
    }
    /* The rename is durable once the directory is. */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* ---- the worker thread ------------------------------------------------------ */

static pd_qs purge_tx(pd_db *db, void *cls)
{
    int64_t before = *(int64_t *)cls;
    return db->ops->notify_purge(db, before, PURGE_BATCH);
}

static void purge(struct pd_notify *n)
{
    int64_t before = pd_now_ms() - (int64_t)n->app->cfg.notify_retention_days * 86400000LL;
    long total = 0;
    for (int i = 0; i < 100 && !atomic_load(&n->stopping); i++) {
        pd_qs qs = pd_tx_run(n->app->store, "notify: purge", false, purge_tx, &before);
        if (qs <= 0)
            break;
        total += qs;
        if (qs < PURGE_BATCH)
            break;
    }
    if (total)
        pd_info("notify: purged %ld finished deliveries and messages older than %d days", total,
                n->app->cfg.notify_retention_days);
}

static void nap(struct pd_notify *n, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    long ns = until.tv_nsec + (long)(ms % 1000) * 1000000L;
    until.tv_sec += ms / 1000 + ns / 1000000000L;
    until.tv_nsec = ns % 1000000000L;
    pthread_mutex_lock(&n->mu);
    while (!atomic_load(&n->stopping))
        if (pthread_cond_timedwait(&n->cv, &n->mu, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&n->mu);
}

static void *worker_main(void *p)
{
    struct pd_notify *n = p;
    const struct pd_config *cfg = &n->app->cfg;
    pd_info("notify: worker started (batch %d, poll %d ms, %d attempts, sender %s)",
            cfg->notify_batch, cfg->notify_poll_ms, cfg->notify_max_attempts, n->sender->name);
    while (!atomic_load(&n->stopping)) {
        int64_t now = pd_now_ms();
        if (now >= n->next_refresh_ms) {
            reload(n);
            n->next_refresh_ms = now + cfg->notify_refresh_ms;
        }
        int a = deliveries_round(n);
        int b = atomic_load(&n->stopping) ? 0 : outbox_round(n);
        if (now >= n->next_purge_ms && !atomic_load(&n->stopping)) {
            purge(n);
            n->next_purge_ms = now + PURGE_EVERY_MS;
        }
        /* A full batch means more may be due: go on without sleeping. */
        if (a < cfg->notify_batch && b < cfg->notify_batch)
            nap(n, cfg->notify_poll_ms);
    }
    pd_info("notify: worker stopped");
    return NULL;
}

struct pd_notify *pd_notify_start(struct pd_app *app, const struct pd_notify_sender *sender,
                                  char err[256])
{
    struct pd_notify *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, 256, "notify: libcurl does not initialise");
        free(n);
        return NULL;
    }
    n->app = app;
    n->spool = (struct pd_notify_sender){.name = "spool", .send = spool_send, .cls = n};
    n->sender = sender ? sender : &n->spool;
    pthread_rwlock_init(&n->lock, NULL);
    pthread_mutex_init(&n->mu, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&n->cv, &ca);
    pthread_condattr_destroy(&ca);
    atomic_init(&n->stopping, false);
    if (!app->cfg.notify_worker) {
        /* No worker, no refresh: a snapshot would go stale, so events ask
         * the store (n->running stays false). */
        pd_info("notify: worker off (notify.worker = false); notices are queued, not sent");
        return n;
    }
    if (!(n->multi = curl_multi_init())) {
        snprintf(err, 256, "notify: out of memory");
        pd_notify_stop(n);
        return NULL;
    }
    n->running = true;
    reload(n);
    int64_t now = pd_now_ms();
    n->next_refresh_ms = now + app->cfg.notify_refresh_ms;
    n->next_purge_ms = now + 60000; /* not in the way of start-up */
    int e = pthread_create(&n->thread, NULL, worker_main, n);
    if (e != 0) {
        snprintf(err, 256, "notify: cannot start the worker thread: %s", strerror(e));
        n->running = false;
        pd_notify_stop(n);
        return NULL;
    }
    return n;
}

void pd_notify_stop(struct pd_notify *n)
{
    if (!n)
        return;
    if (n->running) {
        pthread_mutex_lock(&n->mu);
        atomic_store(&n->stopping, true);
        pthread_cond_broadcast(&n->cv);
        pthread_mutex_unlock(&n->mu);
        curl_multi_wakeup(n->multi);
        pthread_join(n->thread, NULL);
        n->running = false;
    }
    if (n->multi)
        curl_multi_cleanup(n->multi);
    pthread_rwlock_destroy(&n->lock);
    pthread_mutex_destroy(&n->mu);
    pthread_cond_destroy(&n->cv);
    free(n->subs);
    free(n);
    curl_global_cleanup();
}
