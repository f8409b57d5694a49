/*
 * SQLite queries of the credentials aggregate: login sessions (stored by the
 * SHA-256 of their token) and API keys (stored by the SHA-256 of the key).
 * Look-ups by hash join the owner's node so that authentication needs one
 * query; whether a session is expired or a key revoked is for the caller.
 */
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

/* ---- sessions ---------------------------------------------------------- */

pd_qs pd__sq_session_insert(pd_db *db, struct pd_session *ss)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SESSION_INSERT,
        "INSERT INTO sessions (token_hash, user_id, created_ms, expires_ms, last_seen_ms, ip,"
        " user_agent) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    if (ss->created_ms == 0)
        ss->created_ms = pd_now_ms();
    if (ss->last_seen_ms == 0)
        ss->last_seen_ms = ss->created_ms;
    pd__sq_text(s, 1, ss->token_hash);
    pd__sq_i64(s, 2, ss->user_id);
    pd__sq_i64(s, 3, ss->created_ms);
    pd__sq_i64(s, 4, ss->expires_ms);
    pd__sq_i64(s, 5, ss->last_seen_ms);
    pd__sq_text(s, 6, ss->ip);
    pd__sq_text(s, 7, ss->user_agent);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        ss->id = sqlite3_column_int64(s, 0);
        qs = PD_QS_ONE;
    } else {
        qs = pd__sq_fail(c, rc, "session_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_session_get(pd_db *db, const char *token_hash, struct pd_session *ss,
                         struct pd_user *u)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SESSION_GET,
        "SELECT s.id, s.token_hash, s.user_id, s.created_ms, s.expires_ms, s.last_seen_ms, s.ip,"
        " s.user_agent, " PD_SQ_USER_COLS " FROM sessions s JOIN users u ON u.id = s.user_id"
        " JOIN nodes n ON n.id = u.node_id WHERE s.token_hash = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, token_hash);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        memset(ss, 0, sizeof *ss);
        ss->id = sqlite3_column_int64(s, 0);
        pd__sq_col(s, 1, ss->token_hash, sizeof ss->token_hash);
        ss->user_id = sqlite3_column_int64(s, 2);
        ss->created_ms = sqlite3_column_int64(s, 3);
        ss->expires_ms = sqlite3_column_int64(s, 4);
        ss->last_seen_ms = sqlite3_column_int64(s, 5);
        pd__sq_col(s, 6, ss->ip, sizeof ss->ip);
        pd__sq_col(s, 7, ss->user_agent, sizeof ss->user_agent);
        qs = pd__sq_user_row(c, s, 8, u);
    } else if (rc == SQLITE_DONE) {
        qs = PD_QS_NONE;
    } else {
        qs = pd__sq_fail(c, rc, "session_get");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_session_touch(pd_db *db, int64_t id, int64_t last_seen_ms, int64_t expires_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SESSION_TOUCH,
                    "UPDATE sessions SET last_seen_ms = ?2, expires_ms = ?3 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, last_seen_ms);
    pd__sq_i64(s, 3, expires_ms);
    return pd__sq_exec(c, s, "session_touch");
}

pd_qs pd__sq_session_delete(pd_db *db, const char *token_hash)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SESSION_DELETE, "DELETE FROM sessions WHERE token_hash = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, token_hash);
    return pd__sq_exec(c, s, "session_delete");
}

pd_qs pd__sq_session_delete_user(pd_db *db, int64_t user_id)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SESSION_DELETE_USER, "DELETE FROM sessions WHERE user_id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, user_id);
    return pd__sq_exec(c, s, "session_delete_user");
}

pd_qs pd__sq_session_purge_expired(pd_db *db, int64_t now_ms)
{
    struct pd__sq_conn *c = C(db);
    /* <=: a session is over at its expiry instant, as the caller checks it. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SESSION_PURGE, "DELETE FROM sessions WHERE expires_ms <= ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, now_ms);
    return pd__sq_exec(c, s, "session_purge_expired");
}

/* ---- API keys ----------------------------------------------------------- */

#define KEY_COLS                                                                                   \
    "k.id, k.prefix, k.key_hash, k.name, k.role, k.node_id, n.code, n.path, k.created_by,"         \
    " k.created_ms, k.revoked_ms, k.last_used_ms"

static pd_qs key_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_apikey *k)
{
    char role[32];
    memset(k, 0, sizeof *k);
    k->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, k->prefix, sizeof k->prefix);
    pd__sq_col(s, 2, k->key_hash, sizeof k->key_hash);
    pd__sq_col(s, 3, k->name, sizeof k->name);
    pd__sq_col(s, 4, role, sizeof role);
    k->node_id = sqlite3_column_int64(s, 5);
    pd__sq_col(s, 6, k->node_code, sizeof k->node_code);
    pd__sq_col(s, 7, k->node_path, sizeof k->node_path);
    k->created_by = sqlite3_column_int64(s, 8);
    k->created_ms = sqlite3_column_int64(s, 9);
    k->revoked_ms = sqlite3_column_int64(s, 10);
    k->last_used_ms = sqlite3_column_int64(s, 11);
    if (!pd_role_parse(role, &k->role)) {
        snprintf(c->err, sizeof c->err, "API key %lld has unknown role '%s'", (long long)k->id,
                 role);
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

static pd_qs key_one(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_apikey *out,
                     const char *what)
{
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? key_row(c, s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_apikey_insert(pd_db *db, struct pd_apikey *k)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK((unsigned)k->role < PD_ROLE__COUNT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_APIKEY_INSERT,
        "INSERT INTO api_keys (prefix, key_hash, name, role, node_id, created_by, created_ms,"
        " revoked_ms, last_used_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    if (k->created_ms == 0)
        k->created_ms = pd_now_ms();
    pd__sq_text(s, 1, k->prefix);
    pd__sq_text(s, 2, k->key_hash);
    pd__sq_text(s, 3, k->name);
    pd__sq_text(s, 4, pd_role_name(k->role));
    pd__sq_i64(s, 5, k->node_id);
    pd__sq_i64(s, 6, k->created_by);
    pd__sq_i64(s, 7, k->created_ms);
    pd__sq_i64(s, 8, k->revoked_ms);
    pd__sq_i64(s, 9, k->last_used_ms);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        k->id = sqlite3_column_int64(s, 0);
        qs = PD_QS_ONE;
    } else {
        qs = pd__sq_fail(c, rc, "apikey_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_apikey_get_by_hash(pd_db *db, const char *key_hash, struct pd_apikey *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_APIKEY_GET_BY_HASH,
                                  "SELECT " KEY_COLS " FROM api_keys k"
                                  " JOIN nodes n ON n.id = k.node_id WHERE k.key_hash = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, key_hash);
    return key_one(c, s, out, "apikey_get_by_hash");
}

pd_qs pd__sq_apikey_get(pd_db *db, int64_t id, struct pd_apikey *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_APIKEY_GET,
                                  "SELECT " KEY_COLS " FROM api_keys k"
                                  " JOIN nodes n ON n.id = k.node_id WHERE k.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return key_one(c, s, out, "apikey_get");
}

pd_qs pd__sq_apikey_list(pd_db *db, const char *node_path, pd_apikey_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_APIKEY_LIST,
                                  "SELECT " KEY_COLS " FROM api_keys k"
                                  " JOIN nodes n ON n.id = k.node_id"
                                  " WHERE n.path >= ?1 AND n.path < ?2 ORDER BY k.id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_apikey k;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((qs = key_row(c, s, &k)) < 0)
            break;
        int r = cb(cls, &k);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "apikey_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_apikey_revoke(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__sq_conn *c = C(db);
    /* Only the first revocation counts: the original instant is kept. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_APIKEY_REVOKE,
                    "UPDATE api_keys SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms = 0");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, now_ms);
    return pd__sq_exec(c, s, "apikey_revoke");
}

pd_qs pd__sq_apikey_touch(pd_db *db, int64_t id, int64_t now_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_APIKEY_TOUCH, "UPDATE api_keys SET last_used_ms = ?2 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, now_ms);
    return pd__sq_exec(c, s, "apikey_touch");
}
