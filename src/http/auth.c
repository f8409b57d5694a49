/*
 * Authenticating requests (see auth.h) and the short-lived cache of
 * verified credentials.
 *
 * The cache is direct-mapped: the token hash picks one slot of a fixed
 * table, guarded by one of a set of striped mutexes, so memory is bounded
 * and a hit costs one hash, one lock and one copy. An entry is trusted for
 * at most ttl_ms and never past the session's own expiry; evictions on
 * logout, password change and account edits make changes on this server
 * take effect at once.
 */
#include "http/auth.h"

#include <microhttpd.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http/app.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/log.h"
#include "util/timeutil.h"

#define CACHE_SLOTS    4096 /* power of two */
#define CACHE_STRIPES  64
#define TOUCH_EVERY_MS 60000

struct slot {
    bool used;
    char token_hash[PD_SHA256_HEX];
    int64_t cached_until_ms;
    int64_t expires_ms; /* the session's expiry; 0 for API keys */
    int64_t last_seen_ms;
    struct pd_principal who;
};

struct pd_session_cache {
    int ttl_ms;
    pthread_mutex_t locks[CACHE_STRIPES];
    struct slot slots[CACHE_SLOTS];
};

struct pd_session_cache *pd_session_cache_new(int ttl_ms)
{
    struct pd_session_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->ttl_ms = ttl_ms;
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_init(&c->locks[i], NULL);
    return c;
}

void pd_session_cache_free(struct pd_session_cache *c)
{
    if (!c)
        return;
    for (int i = 0; i < CACHE_STRIPES; i++)
        pthread_mutex_destroy(&c->locks[i]);
    free(c);
}

static unsigned slot_of(const char *hash)
{
    /* The token hash is uniformly random: its first hex digits are a good index. */
    unsigned v = 0;
    for (int i = 0; i < 6; i++) {
        char ch = hash[i];
        v = v * 16 + (unsigned)(ch <= '9' ? ch - '0' : ch - 'a' + 10);
    }
    return v & (CACHE_SLOTS - 1);
}

static void evict_where(struct pd_session_cache *c, enum pd_who kind, int64_t id)
{
    if (!c)
        return;
    for (unsigned i = 0; i < CACHE_SLOTS; i++) {
        pthread_mutex_t *m = &c->locks[i % CACHE_STRIPES];
        pthread_mutex_lock(m);
        struct slot *s = &c->slots[i];
        if (s->used && (id == 0 || (s->who.kind == kind && s->who.id == id)))
            s->used = false;
        pthread_mutex_unlock(m);
    }
}

void pd_session_cache_evict_user(struct pd_session_cache *c, int64_t user_id)
{
    evict_where(c, PD_WHO_USER, user_id);
}

void pd_session_cache_evict_key(struct pd_session_cache *c, int64_t key_id)
{
    evict_where(c, PD_WHO_APIKEY, key_id);
}

void pd_session_cache_evict_token(struct pd_session_cache *c, const char *token_hash)
{
    if (!c)
        return;
    unsigned i = slot_of(token_hash);
    pthread_mutex_t *m = &c->locks[i % CACHE_STRIPES];
    pthread_mutex_lock(m);
    if (c->slots[i].used && !strcmp(c->slots[i].token_hash, token_hash))
        c->slots[i].used = false;
    pthread_mutex_unlock(m);
}

static bool cache_get(struct pd_session_cache *c, const char *hash, int64_t now,
                      struct pd_principal *who, int64_t *last_seen)
{
    unsigned i = slot_of(hash);
    pthread_mutex_t *m = &c->locks[i % CACHE_STRIPES];
    bool hit = false;
    pthread_mutex_lock(m);
    struct slot *s = &c->slots[i];
    if (s->used && !strcmp(s->token_hash, hash) && now < s->cached_until_ms &&
        (s->expires_ms == 0 || now < s->expires_ms)) {
        *who = s->who;
        *last_seen = s->last_seen_ms;
        hit = true;
    }
    pthread_mutex_unlock(m);
    return hit;
}

static void cache_put(struct pd_session_cache *c, const char *hash, int64_t now, int64_t expires_ms,
                      int64_t last_seen_ms, const struct pd_principal *who)
{
    unsigned i = slot_of(hash);
    pthread_mutex_t *m = &c->locks[i % CACHE_STRIPES];
    pthread_mutex_lock(m);
    struct slot *s = &c->slots[i];
    s->used = true;
    memcpy(s->token_hash, hash, PD_SHA256_HEX);
    s->cached_until_ms = now + c->ttl_ms;
    s->expires_ms = expires_ms;
    s->last_seen_ms = last_seen_ms;
    s->who = *who;
    pthread_mutex_unlock(m);
}

/* ---- database look-up on a cache miss ---------------------------------- */

struct lookup {
    const char *hash;
    bool is_key;
    int64_t now;
    int64_t ttl_ms;
    /* out */
    bool found;
    int64_t expires_ms, last_seen_ms;
    struct pd_principal who;
};

static void who_from_user(struct pd_principal *w, const struct pd_user *u)
{
    w->kind = PD_WHO_USER;
    w->id = u->id;
    snprintf(w->name, sizeof w->name, "%s", u->username);
    snprintf(w->display_name, sizeof w->display_name, "%s", u->display_name);
    w->role = u->role;
    w->node_id = u->node_id;
    snprintf(w->node_code, sizeof w->node_code, "%s", u->node_code);
    snprintf(w->node_path, sizeof w->node_path, "%s", u->node_path);
    snprintf(w->phone, sizeof w->phone, "%s", u->phone);
    w->created_ms = u->created_ms;
}

static pd_qs lookup_tx(pd_db *db, void *cls)
{
    struct lookup *l = cls;
    pd_qs qs;
    l->found = false;
    memset(&l->who, 0, sizeof l->who);
    if (l->is_key) {
        struct pd_apikey k;
        qs = db->ops->apikey_get_by_hash(db, l->hash, &k);
        if (qs <= 0)
            return qs;
        if (k.revoked_ms)
            return PD_QS_NONE;
        l->who.kind = PD_WHO_APIKEY;
        l->who.id = k.id;
        snprintf(l->who.name, sizeof l->who.name, "%s", k.prefix);
        snprintf(l->who.display_name, sizeof l->who.display_name, "%s", k.name);
        l->who.role = k.role;
        l->who.node_id = k.node_id;
        snprintf(l->who.node_code, sizeof l->who.node_code, "%s", k.node_code);
        snprintf(l->who.node_path, sizeof l->who.node_path, "%s", k.node_path);
        l->who.created_ms = k.created_ms;
        l->expires_ms = 0;
        l->last_seen_ms = k.last_used_ms;
    } else {
        struct pd_session s;
        struct pd_user u;
        qs = db->ops->session_get(db, l->hash, &s, &u);
        if (qs <= 0)
            return qs;
        if (s.expires_ms <= l->now || !u.active)
            return PD_QS_NONE;
        who_from_user(&l->who, &u);
        l->who.session_id = s.id;
        l->expires_ms = s.expires_ms;
        l->last_seen_ms = s.last_seen_ms;
    }
    struct pd_node n;
    qs = db->ops->node_get(db, l->who.node_id, &n);
    if (qs < 0)
        return qs;
    if (qs > 0) {
        snprintf(l->who.node_name, sizeof l->who.node_name, "%s", n.name);
        l->who.node_type = n.type;
    }
    l->found = true;
    return PD_QS_ONE;
}

struct touch {
    bool is_key;
    int64_t id, now, expires_ms;
};

static pd_qs touch_tx(pd_db *db, void *cls)
{
    struct touch *t = cls;
    if (t->is_key)
        return db->ops->apikey_touch(db, t->id, t->now);
    return db->ops->session_touch(db, t->id, t->now, t->expires_ms);
}

static const char *bearer_token(struct pd_req *rq, bool *via_cookie)
{
    *via_cookie = false;
    const char *h = MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, "Authorization");
    if (h) {
        if (strncasecmp(h, "Bearer ", 7) != 0)
            return "";
        h += 7;
        while (*h == ' ')
            h++;
        return h;
    }
    const char *c = MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, PD_SESSION_COOKIE);
    if (c) {
        *via_cookie = true;
        return c;
    }
    return NULL;
}

static bool token_shape_ok(const char *t)
{
    size_t n = strlen(t);
    if (n < 20 || n > 128)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = t[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_'))
            return false;
    }
    return true;
}

pd_err pd_auth_authenticate(struct pd_req *rq)
{
    bool via_cookie;
    const char *token = bearer_token(rq, &via_cookie);
    if (!token)
        return PD_E_AUTH_REQUIRED;
    if (!token_shape_ok(token))
        return PD_E_AUTH_INVALID_TOKEN;

    char hash[PD_SHA256_HEX];
    pd_sha256_hex(token, strlen(token), hash);
    struct pd_app *app = rq->app;
    int64_t now = pd_now_ms();
    bool is_key = strncmp(token, PD_APIKEY_PREFIX, strlen(PD_APIKEY_PREFIX)) == 0;
    int64_t last_seen = 0;

    if (!cache_get(app->sessions, hash, now, &rq->who, &last_seen)) {
        struct lookup l = {.hash = hash, .is_key = is_key, .now = now};
        pd_qs qs = pd_tx_run(app->store, "authenticate", true, lookup_tx, &l);
        if (qs < 0)
            return PD_E_DB_UNAVAILABLE;
        if (!l.found)
            return PD_E_AUTH_INVALID_TOKEN;
        rq->who = l.who;
        last_seen = l.last_seen_ms;
        memcpy(rq->who.token_hash, hash, PD_SHA256_HEX);
        /* Sliding expiry and key last-use, written at most once a minute. */
        if (now - last_seen >= TOUCH_EVERY_MS) {
            struct touch t = {is_key, is_key ? l.who.id : l.who.session_id, now,
                              now + (int64_t)app->cfg.session_ttl_s * 1000};
            if (pd_tx_run(app->store, "touch session", false, touch_tx, &t) >= 0) {
                last_seen = now;
                if (!is_key)
                    l.expires_ms = t.expires_ms;
            }
        }
        cache_put(app->sessions, hash, now, l.expires_ms, last_seen, &rq->who);
    }
    rq->who.via_cookie = via_cookie;
    return PD_OK;
}
