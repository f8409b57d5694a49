/*
 * PostgreSQL queries of the credentials aggregate: login sessions (stored by
 * the SHA-256 of their token) and API keys (stored by the SHA-256 of the
 * key). Look-ups by hash join the owner's node so that authentication needs
 * one query; whether a session is expired or a key revoked is for the caller.
 */
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

/* ---- sessions ---------------------------------------------------------- */

pd_qs pd__pg_session_insert(pd_db *db, struct pd_session *s)
{
    struct pd__pg_conn *c = C(db);
    if (s->created_ms == 0)
        s->created_ms = pd_now_ms();
    if (s->last_seen_ms == 0)
        s->last_seen_ms = s->created_ms;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, s->token_hash);
    pd__pg_p_i64(&p, s->user_id);
    pd__pg_p_i64(&p, s->created_ms);
    pd__pg_p_i64(&p, s->expires_ms);
    pd__pg_p_i64(&p, s->last_seen_ms);
    pd__pg_p_text(&p, s->ip);
    pd__pg_p_text(&p, s->user_agent);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SESSION_INSERT,
                             "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms,"
                             " last_seen_ms, ip, user_agent) VALUES ($1::text, $2::bigint,"
                             " $3::bigint, $4::bigint, $5::bigint, $6::text, $7::text)"
                             " RETURNING id",
                             &p, &qs);
    if (!r)
        return qs;
    if (PD_BREAK(qs == PD_QS_ONE)) { /* RETURNING yields exactly one row */
        PQclear(r);
        return PD_QS_HARD;
    }
    s->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_session_get(pd_db *db, const char *token_hash, struct pd_session *s, struct pd_user *u)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, token_hash);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_SESSION_GET,
        "SELECT s.id, s.token_hash, s.user_id, s.created_ms, s.expires_ms, s.last_seen_ms, s.ip,"
        " s.user_agent, " PD_PG_USER_COLS " FROM sessions s JOIN users u ON u.id = s.user_id"
        " JOIN nodes n ON n.id = u.node_id WHERE s.token_hash = $1::text",
        &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        memset(s, 0, sizeof *s);
        s->id = pd__pg_i64(r, 0, 0);
        pd__pg_col(r, 0, 1, s->token_hash, sizeof s->token_hash);
        s->user_id = pd__pg_i64(r, 0, 2);
        s->created_ms = pd__pg_i64(r, 0, 3);
        s->expires_ms = pd__pg_i64(r, 0, 4);
        s->last_seen_ms = pd__pg_i64(r, 0, 5);
        pd__pg_col(r, 0, 6, s->ip, sizeof s->ip);
        pd__pg_col(r, 0, 7, s->user_agent, sizeof s->user_agent);
        qs = pd__pg_user_row(c, r, 0, 8, u);
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_session_touch(pd_db *db, int64_t id, int64_t last_seen_ms, int64_t expires_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, last_seen_ms);
    pd__pg_p_i64(&p, expires_ms);
    return pd__pg_cmd(C(db), PD_PG_SESSION_TOUCH,
                      "UPDATE sessions SET last_seen_ms = $2::bigint, expires_ms = $3::bigint"
                      " WHERE id = $1::bigint",
                      &p);
}

pd_qs pd__pg_session_delete(pd_db *db, const char *token_hash)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, token_hash);
    return pd__pg_cmd(C(db), PD_PG_SESSION_DELETE,
                      "DELETE FROM sessions WHERE token_hash = $1::text", &p);
}

pd_qs pd__pg_session_delete_user(pd_db *db, int64_t user_id)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, user_id);
    return pd__pg_cmd(C(db), PD_PG_SESSION_DELETE_USER,
                      "DELETE FROM sessions WHERE user_id = $1::bigint", &p);
}

pd_qs pd__pg_session_purge_expired(pd_db *db, int64_t now_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, now_ms);
    /* <=: a session is over at its expiry instant, as the caller checks it. */
    return pd__pg_cmd(C(db), PD_PG_SESSION_PURGE,
                      "DELETE FROM sessions WHERE expires_ms <= $1::bigint", &p);
}

/* ---- API keys ----------------------------------------------------------- */

#define KEY_COLS                                                                                   \
    "k.id, k.prefix, k.key_hash, k.name, k.role, k.node_id, n.code, n.path, k.created_by,"         \
    " k.created_ms, k.revoked_ms, k.last_used_ms"

static pd_qs key_row(struct pd__pg_conn *c, const PGresult *r, int row, struct pd_apikey *k)
{
    memset(k, 0, sizeof *k);
    k->id = pd__pg_i64(r, row, 0);
    pd__pg_col(r, row, 1, k->prefix, sizeof k->prefix);
    pd__pg_col(r, row, 2, k->key_hash, sizeof k->key_hash);
    pd__pg_col(r, row, 3, k->name, sizeof k->name);
    const char *role = PQgetvalue(r, row, 4);
    k->node_id = pd__pg_i64(r, row, 5);
    pd__pg_col(r, row, 6, k->node_code, sizeof k->node_code);
    pd__pg_col(r, row, 7, k->node_path, sizeof k->node_path);
    k->created_by = pd__pg_i64(r, row, 8);
    k->created_ms = pd__pg_i64(r, row, 9);
    k->revoked_ms = pd__pg_i64(r, row, 10);
    k->last_used_ms = pd__pg_i64(r, row, 11);
    if (!pd_role_parse(role, &k->role)) {
        snprintf(c->err, sizeof c->err, "API key %lld has unknown role '%.32s'", (long long)k->id,
                 role);
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

static pd_qs key_one(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                     const struct pd__pg_params *p, struct pd_apikey *out)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(c, id, sql, p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        qs = key_row(c, r, 0, out);
    PQclear(r);
    return qs;
}

pd_qs pd__pg_apikey_insert(pd_db *db, struct pd_apikey *k)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK((unsigned)k->role < PD_ROLE__COUNT))
        return PD_QS_HARD;
    if (k->created_ms == 0)
        k->created_ms = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, k->prefix);
    pd__pg_p_text(&p, k->key_hash);
    pd__pg_p_text(&p, k->name);
    pd__pg_p_text(&p, pd_role_name(k->role));
    pd__pg_p_i64(&p, k->node_id);
    pd__pg_p_i64(&p, k->created_by);
    pd__pg_p_i64(&p, k->created_ms);
    pd__pg_p_i64(&p, k->revoked_ms);
    pd__pg_p_i64(&p, k->last_used_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_APIKEY_INSERT,
        "INSERT INTO api_keys (prefix, key_hash, name, role, node_id, created_by, created_ms,"
        " revoked_ms, last_used_ms) VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint,"
        " $6::bigint, $7::bigint, $8::bigint, $9::bigint) RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    if (PD_BREAK(qs == PD_QS_ONE)) { /* RETURNING yields exactly one row */
        PQclear(r);
        return PD_QS_HARD;
    }
    k->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_apikey_get_by_hash(pd_db *db, const char *key_hash, struct pd_apikey *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, key_hash);
    return key_one(C(db), PD_PG_APIKEY_GET_BY_HASH,
                   "SELECT " KEY_COLS " FROM api_keys k JOIN nodes n ON n.id = k.node_id"
                   " WHERE k.key_hash = $1::text",
                   &p, out);
}

pd_qs pd__pg_apikey_get(pd_db *db, int64_t id, struct pd_apikey *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    return key_one(C(db), PD_PG_APIKEY_GET,
                   "SELECT " KEY_COLS " FROM api_keys k JOIN nodes n ON n.id = k.node_id"
                   " WHERE k.id = $1::bigint",
                   &p, out);
}

pd_qs pd__pg_apikey_list(pd_db *db, const char *node_path, pd_apikey_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_APIKEY_LIST,
                             "SELECT " KEY_COLS " FROM api_keys k JOIN nodes n ON n.id = k.node_id"
                             " WHERE n.path >= $1::text AND n.path < $2::text ORDER BY k.id",
                             &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_apikey k;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = key_row(c, r, i, &k);
        int cr = rq < 0 ? rq : cb(cls, &k);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_apikey_revoke(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, now_ms);
    /* Only the first revocation counts: the original instant is kept. */
    return pd__pg_cmd(C(db), PD_PG_APIKEY_REVOKE,
                      "UPDATE api_keys SET revoked_ms = $2::bigint"
                      " WHERE id = $1::bigint AND revoked_ms = 0",
                      &p);
}

pd_qs pd__pg_apikey_touch(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, now_ms);
    return pd__pg_cmd(C(db), PD_PG_APIKEY_TOUCH,
                      "UPDATE api_keys SET last_used_ms = $2::bigint WHERE id = $1::bigint", &p);
}
