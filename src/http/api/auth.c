/*
 * Login, logout, password change and "who am I".
 *
 * Login verifies the argon2id hash outside any transaction (it takes tens
 * of milliseconds and must not hold a database lock), then records the
 * outcome — failure count, lock-out, new session, audit entry — in one
 * transaction that re-reads the user, so concurrent attempts count
 * correctly. Unknown user names and wrong passwords get the same answer
 * and take the same time (a dummy verification runs for unknown users).
 */
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/auth.h"
#include "http/json_spec.h"
#include "http/ratelimit.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/crypto.h"
#include "util/timeutil.h"
#include "util/utf8.h"

/* A valid argon2id hash of a random password, verified for unknown users so
 * that their answer takes as long as a real one. Computed once. */
static char dummy_hash[PD_PWHASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy(void)
{
    char pw[PD_TOKEN_BUF];
    pd_random_token(pw);
    if (!pd_password_hash(pw, dummy_hash))
        dummy_hash[0] = '\0';
}

static void set_cookie(struct pd_req *rq, const char *token, int max_age)
{
    char c[256];
    snprintf(c, sizeof c, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s",
             PD_SESSION_COOKIE, token, max_age, rq->app->cfg.cookie_secure ? "; Secure" : "");
    pd_reply_header(rq, "Set-Cookie", c);
}

/* ---- login -------------------------------------------------------------- */

struct login {
    const struct pd_req *rq;
    const char *username;
    bool password_ok;
    int64_t now;
    /* out */
    pd_err result;
    struct pd_user user;
    struct pd_node node;
    char token[PD_TOKEN_BUF];
    int64_t expires_ms;
};

static pd_qs read_user(pd_db *db, void *cls)
{
    struct login *l = cls;
    return db->ops->user_get_by_name(db, l->username, &l->user);
}

static pd_qs record_login(pd_db *db, void *cls)
{
    struct login *l = cls;
    const struct pd_config *cfg = &l->rq->app->cfg;
    struct pd_audit a;
    char id[24];
    pd_qs qs = db->ops->user_get_by_name(db, l->username, &l->user);
    if (qs < 0)
        return qs;
    if (qs == 0) {
        pd_audit_for(&a, l->rq, "auth.login_failed", "user", l->username, 0,
                     "{\"reason\":\"unknown_user\"}");
        l->result = PD_E_AUTH_BAD_CREDENTIALS;
        qs = db->ops->audit_insert(db, &a);
        return qs < 0 ? qs : PD_QS_NONE;
    }
    snprintf(id, sizeof id, "%lld", (long long)l->user.id);
    if (l->user.locked_until_ms > l->now) {
        l->result = PD_E_AUTH_LOCKED;
        pd_audit_for(&a, l->rq, "auth.login_failed", "user", id, l->user.node_id,
                     "{\"reason\":\"locked\"}");
        qs = db->ops->audit_insert(db, &a);
        return qs < 0 ? qs : PD_QS_NONE;
    }
    if (!l->password_ok) {
        int failed = l->user.failed_logins + 1;
        int64_t locked = 0;
        if (failed >= cfg->login_max_failures) {
            locked = l->now + (int64_t)cfg->lockout_s * 1000;
            failed = 0;
        }
        qs = db->ops->user_set_login_state(db, l->user.id, failed, locked);
        if (qs < 0)
            return qs;
        pd_audit_for(&a, l->rq, "auth.login_failed", "user", id, l->user.node_id,
                     locked ? "{\"reason\":\"bad_password\",\"locked\":true}"
                            : "{\"reason\":\"bad_password\"}");
        l->result = PD_E_AUTH_BAD_CREDENTIALS;
        qs = db->ops->audit_insert(db, &a);
        return qs < 0 ? qs : PD_QS_NONE;
    }
    if (!l->user.active) {
        l->result = PD_E_AUTH_DISABLED;
        pd_audit_for(&a, l->rq, "auth.login_failed", "user", id, l->user.node_id,
                     "{\"reason\":\"disabled\"}");
        qs = db->ops->audit_insert(db, &a);
        return qs < 0 ? qs : PD_QS_NONE;
    }
    if (l->user.failed_logins || l->user.locked_until_ms) {
        qs = db->ops->user_set_login_state(db, l->user.id, 0, 0);
        if (qs < 0)
            return qs;
    }
    struct pd_session s = {0};
    pd_random_token(l->token);
    pd_sha256_hex(l->token, strlen(l->token), s.token_hash);
    s.user_id = l->user.id;
    s.created_ms = l->now;
    s.last_seen_ms = l->now;
    s.expires_ms = l->now + (int64_t)cfg->session_ttl_s * 1000;
    snprintf(s.ip, sizeof s.ip, "%s", l->rq->ip);
    const char *ua = pd_req_header((struct pd_req *)l->rq, "User-Agent");
    pd_utf8_copy(s.user_agent, sizeof s.user_agent, ua);
    qs = db->ops->session_insert(db, &s);
    if (qs < 0)
        return qs;
    l->expires_ms = s.expires_ms;
    qs = db->ops->node_get(db, l->user.node_id, &l->node);
    if (qs < 0)
        return qs;
    /* The actor of a login is the user who logged in. */
    pd_audit_for(&a, l->rq, "auth.login", "user", id, l->user.node_id, NULL);
    a.actor_kind = PD_ACTOR_USER;
    a.actor_id = l->user.id;
    snprintf(a.actor_name, sizeof a.actor_name, "%s", l->user.username);
    qs = db->ops->audit_insert(db, &a);
    if (qs < 0)
        return qs;
    l->result = PD_OK;
    return PD_QS_ONE;
}

int pd_api_auth_login(struct pd_req *rq)
{
    const char *username = NULL, *password = NULL;
    struct pd_spec spec[] = {
        pd_spec_str("username", &username, PD_REQ, 1, 64),
        pd_spec_str("password", &password, PD_REQ, 1, 256),
        pd_spec_end(),
    };
    if (!pd_ratelimit_hit(rq->app->login_limit, rq->ip, pd_now_ms()))
        return pd_reply_err(rq, PD_E_RATE_LIMITED, NULL, NULL);
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;

    struct login l = {.rq = rq, .username = username, .now = pd_now_ms()};
    pd_qs qs = pd_tx_run(rq->app->store, "login: read user", true, read_user, &l);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (qs == 0) {
        pthread_once(&dummy_once, make_dummy);
        pd_password_verify(dummy_hash, password);
        l.password_ok = false;
    } else {
        l.password_ok = pd_password_verify(l.user.password_hash, password);
    }
    qs = pd_tx_run(rq->app->store, "login: record", false, record_login, &l);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (l.result != PD_OK)
        return pd_reply_err(rq, l.result, NULL, NULL);

    char exp[PD_RFC3339_MAX];
    json_t *body = json_pack("{s:s, s:s, s:o}", "token", l.token, "expires_at",
                             pd_time_format(l.expires_ms, PD_CST_OFFSET_MIN, exp), "user",
                             pd__user_json(&l.user, &l.node, true));
    int r = pd_reply_json_steal(rq, 200, body);
    set_cookie(rq, l.token, rq->app->cfg.session_ttl_s);
    return r;
}

/* ---- logout ------------------------------------------------------------- */

static pd_qs logout_tx(pd_db *db, void *cls)
{
    struct pd_req *rq = cls;
    pd_qs qs = db->ops->session_delete(db, rq->who.token_hash);
    if (qs < 0)
        return qs;
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)rq->who.id);
    struct pd_audit a;
    pd_audit_for(&a, rq, "auth.logout", "user", id, rq->who.node_id, NULL);
    return db->ops->audit_insert(db, &a);
}

int pd_api_auth_logout(struct pd_req *rq)
{
    if (pd_tx_run(rq->app->store, "logout", false, logout_tx, rq) < 0)
        return pd__reply_db_error(rq);
    pd_session_cache_evict_token(rq->app->sessions, rq->who.token_hash);
    int r = pd_reply_empty(rq, 204);
    set_cookie(rq, "", 0);
    return r;
}

/* ---- password change ---------------------------------------------------- */

struct pwchange {
    struct pd_req *rq;
    const char *hash;
    int64_t now;
    struct pd_user user;
};

static pd_qs pw_read(pd_db *db, void *cls)
{
    struct pwchange *p = cls;
    return db->ops->user_get(db, p->rq->who.id, &p->user);
}

static pd_qs pw_write(pd_db *db, void *cls)
{
    struct pwchange *p = cls;
    struct pd_req *rq = p->rq;
    pd_qs qs = db->ops->user_set_password(db, rq->who.id, p->hash, p->now);
    if (qs < 0)
        return qs;
    /* End every other session: delete all, then keep the current one. */
    struct pd_session cur;
    struct pd_user u;
    qs = db->ops->session_get(db, rq->who.token_hash, &cur, &u);
    if (qs < 0)
        return qs;
    bool had = qs > 0;
    qs = db->ops->session_delete_user(db, rq->who.id);
    if (qs < 0)
        return qs;
    if (had) {
        qs = db->ops->session_insert(db, &cur);
        if (qs < 0)
            return qs;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)rq->who.id);
    struct pd_audit a;
    pd_audit_for(&a, rq, "auth.password_change", "user", id, rq->who.node_id, NULL);
    return db->ops->audit_insert(db, &a);
}

int pd_api_auth_password(struct pd_req *rq)
{
    const char *current = NULL, *next = NULL;
    struct pd_spec spec[] = {
        pd_spec_str("current_password", &current, PD_REQ, 1, 256),
        pd_spec_str("new_password", &next, PD_REQ, 1, 256),
        pd_spec_end(),
    };
    if (pd_json_parse(rq, spec) != PD_JSON_OK)
        return PD_HANDLED;
    struct pwchange p = {.rq = rq, .now = pd_now_ms()};
    pd_qs qs = pd_tx_run(rq->app->store, "password: read", true, pw_read, &p);
    if (qs < 0)
        return pd__reply_db_error(rq);
    if (qs == 0)
        return pd_reply_err(rq, PD_E_AUTH_INVALID_TOKEN, NULL, NULL);
    if (!pd_password_verify(p.user.password_hash, current))
        return pd_reply_err(rq, PD_E_AUTH_PASSWORD_WRONG, "current_password", NULL);
    if (!pd_password_acceptable(next))
        return pd_reply_err(rq, PD_E_AUTH_PASSWORD_WEAK, "new_password", NULL);
    char hash[PD_PWHASH_MAX];
    if (!pd_password_hash(next, hash))
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    p.hash = hash;
    if (pd_tx_run(rq->app->store, "password: write", false, pw_write, &p) < 0)
        return pd__reply_db_error(rq);
    pd_session_cache_evict_user(rq->app->sessions, rq->who.id);
    return pd_reply_empty(rq, 204);
}

/* ---- me ----------------------------------------------------------------- */

/* Written straight into a buffer: this is the most frequent call of the
 * console and the benchmark's subject, and everything it needs is already
 * in the authenticated principal. */
int pd_api_me(struct pd_req *rq)
{
    const struct pd_principal *w = &rq->who;
    pd_buf b = PD_BUF_INIT;
    char ts[PD_RFC3339_MAX];
    pd_buf_puts(&b, "{\"id\":");
    pd_buf_i64(&b, w->id);
    pd_buf_puts(&b, ",\"username\":");
    pd_buf_json_cstr(&b, w->name);
    pd_buf_puts(&b, ",\"display_name\":");
    pd_buf_json_cstr(&b, w->display_name);
    pd_buf_puts(&b, ",\"phone\":");
    pd_buf_json_cstr(&b, *w->phone ? w->phone : NULL);
    pd_buf_puts(&b, ",\"role\":");
    pd_buf_json_cstr(&b, pd_role_name(w->role));
    pd_buf_puts(&b, ",\"role_name\":");
    pd_buf_json_cstr(&b, pd_role_zh(w->role));
    pd_buf_puts(&b, ",\"node\":{\"id\":");
    pd_buf_i64(&b, w->node_id);
    pd_buf_puts(&b, ",\"code\":");
    pd_buf_json_cstr(&b, w->node_code);
    pd_buf_puts(&b, ",\"name\":");
    pd_buf_json_cstr(&b, w->node_name);
    pd_buf_puts(&b, ",\"type\":");
    pd_buf_json_cstr(&b, pd_node_type_name(w->node_type));
    pd_buf_puts(&b, "},\"active\":true,\"created_at\":");
    pd_buf_json_cstr(&b,
                     w->created_ms ? pd_time_format(w->created_ms, PD_CST_OFFSET_MIN, ts) : NULL);
    pd_buf_puts(&b, ",\"auth\":");
    pd_buf_json_cstr(&b, w->kind == PD_WHO_APIKEY ? "apikey" : "session");
    pd_buf_puts(&b, ",\"permissions\":[");
    bool first = true;
    uint64_t bits = pd_app_role_bits(rq->app, w->role);
    for (int p = 0; p < PD_PERM__COUNT; p++) {
        if (!((bits >> p) & 1u))
            continue;
        if (!first)
            pd_buf_putc(&b, ',');
        first = false;
        pd_buf_json_cstr(&b, pd_perm_name((enum pd_perm)p));
    }
    pd_buf_puts(&b, "]}");
    if (b.oom) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    return pd_reply_buf_steal(rq, 200, "application/json; charset=utf-8", &b);
}
