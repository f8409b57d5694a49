/*
 * PostgreSQL queries of the organisation aggregate: network nodes with their
 * materialised paths, user accounts, and the role → permission matrix.
 * Subtree queries use the byte range [prefix, prefix with its last byte + 1)
 * on the path column, declared COLLATE "C" so byte order holds and a plain
 * btree index answers them (no LIKE, so no escaping).
 */
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

/* ---- nodes ------------------------------------------------------------ */

#define NODE_COLS                                                                                  \
    "id, code, name, type, COALESCE(parent_id, 0), path, region, utc_offset_min, active, "         \
    "created_ms"

static pd_qs node_row(struct pd__pg_conn *c, const PGresult *r, int row, struct pd_node *n)
{
    memset(n, 0, sizeof *n);
    n->id = pd__pg_i64(r, row, 0);
    pd__pg_col(r, row, 1, n->code, sizeof n->code);
    pd__pg_col(r, row, 2, n->name, sizeof n->name);
    const char *type = PQgetvalue(r, row, 3);
    n->parent_id = pd__pg_i64(r, row, 4);
    pd__pg_col(r, row, 5, n->path, sizeof n->path);
    pd__pg_col(r, row, 6, n->region, sizeof n->region);
    n->utc_offset_min = (int)pd__pg_i64(r, row, 7);
    n->active = pd__pg_bool(r, row, 8);
    n->created_ms = pd__pg_i64(r, row, 9);
    if (!pd_node_type_parse(type, &n->type)) {
        snprintf(c->err, sizeof c->err, "node %lld has unknown type '%.32s'", (long long)n->id,
                 type);
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

static pd_qs node_one(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                      const struct pd__pg_params *p, struct pd_node *out)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(c, id, sql, p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        qs = node_row(c, r, 0, out);
    PQclear(r);
    return qs;
}

pd_qs pd__pg_node_insert(pd_db *db, struct pd_node *n, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    *dup = false;
    if (PD_BREAK((unsigned)n->type < PD_NODE__COUNT))
        return PD_QS_HARD;
    /* An empty region means the caller set no locale: China, UTC+8. */
    bool dflt = n->region[0] == '\0';
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, n->code);
    pd__pg_p_text(&p, n->name);
    pd__pg_p_text(&p, pd_node_type_name(n->type));
    pd__pg_p_i64(&p, n->parent_id);
    pd__pg_p_text(&p, dflt ? "CN" : n->region);
    pd__pg_p_i64(&p, dflt ? 480 : n->utc_offset_min);
    pd__pg_p_bool(&p, n->active);
    pd__pg_p_i64(&p, now);
    /* The id is drawn here so that the path can include it; a code that
     * exists makes no row (and wastes one sequence value, which is fine). */
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_NODE_INSERT,
        "INSERT INTO nodes (id, code, name, type, parent_id, path, region, utc_offset_min,"
        " active, created_ms)"
        " SELECT v.id, $1::text, $2::text, $3::text, NULLIF($4::bigint, 0),"
        "  COALESCE((SELECT p.path FROM nodes p WHERE p.id = $4::bigint), '/') || v.id || '/',"
        "  $5::text, $6::integer, $7::boolean, $8::bigint"
        " FROM (SELECT nextval('nodes_id_seq') AS id) v"
        " ON CONFLICT (code) DO NOTHING RETURNING id, path",
        &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        n->id = pd__pg_i64(r, 0, 0);
        pd__pg_col(r, 0, 1, n->path, sizeof n->path);
        n->created_ms = now;
        if (dflt) {
            memcpy(n->region, "CN", 3);
            n->utc_offset_min = 480;
        }
        qs = PD_QS_ONE;
    } else {
        *dup = true;
        qs = PD_QS_NONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_node_get(pd_db *db, int64_t id, struct pd_node *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    return node_one(C(db), PD_PG_NODE_GET, "SELECT " NODE_COLS " FROM nodes WHERE id = $1::bigint",
                    &p, out);
}

pd_qs pd__pg_node_get_by_code(pd_db *db, const char *code, struct pd_node *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, code);
    return node_one(C(db), PD_PG_NODE_GET_BY_CODE,
                    "SELECT " NODE_COLS " FROM nodes WHERE code = $1::text", &p, out);
}

pd_qs pd__pg_node_list(pd_db *db, const char *path_prefix, pd_node_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(path_prefix, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_NODE_LIST,
                             "SELECT " NODE_COLS " FROM nodes"
                             " WHERE path >= $1::text AND path < $2::text ORDER BY path",
                             &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_node n;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = node_row(c, r, i, &n);
        int cr = rq < 0 ? rq : cb(cls, &n);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_node_update(pd_db *db, const struct pd_node *n)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, n->id);
    pd__pg_p_text(&p, n->name);
    pd__pg_p_bool(&p, n->active);
    pd__pg_p_text(&p, n->region[0] ? n->region : "CN");
    pd__pg_p_i64(&p, n->utc_offset_min);
    return pd__pg_cmd(C(db), PD_PG_NODE_UPDATE,
                      "UPDATE nodes SET name = $2::text, active = $3::boolean, region = $4::text,"
                      " utc_offset_min = $5::integer WHERE id = $1::bigint",
                      &p);
}

pd_qs pd__pg_node_dependents(pd_db *db, int64_t id, int64_t *count)
{
    struct pd__pg_conn *c = C(db);
    *count = 0;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_NODE_DEPENDENTS,
                             "SELECT (SELECT count(*) FROM nodes WHERE parent_id = $1::bigint)"
                             " + (SELECT count(*) FROM users WHERE node_id = $1::bigint)",
                             &p, &qs);
    if (!r)
        return qs;
    *count = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

/* ---- users ------------------------------------------------------------ */

pd_qs pd__pg_user_row(struct pd__pg_conn *c, const PGresult *r, int row, int col, struct pd_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = pd__pg_i64(r, row, col + 0);
    pd__pg_col(r, row, col + 1, u->username, sizeof u->username);
    pd__pg_col(r, row, col + 2, u->display_name, sizeof u->display_name);
    pd__pg_col(r, row, col + 3, u->phone, sizeof u->phone);
    const char *role = PQgetvalue(r, row, col + 4);
    u->node_id = pd__pg_i64(r, row, col + 5);
    pd__pg_col(r, row, col + 6, u->node_code, sizeof u->node_code);
    pd__pg_col(r, row, col + 7, u->node_path, sizeof u->node_path);
    pd__pg_col(r, row, col + 8, u->password_hash, sizeof u->password_hash);
    u->active = pd__pg_bool(r, row, col + 9);
    u->failed_logins = (int)pd__pg_i64(r, row, col + 10);
    u->locked_until_ms = pd__pg_i64(r, row, col + 11);
    u->password_changed_ms = pd__pg_i64(r, row, col + 12);
    u->created_ms = pd__pg_i64(r, row, col + 13);
    pd__pg_col(r, row, col + 14, u->node_name, sizeof u->node_name);
    if (!pd_node_type_parse(PQgetvalue(r, row, col + 15), &u->node_type)) {
        snprintf(c->err, sizeof c->err, "node %lld has unknown type '%.32s'", (long long)u->node_id,
                 PQgetvalue(r, row, col + 15));
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    if (!pd_role_parse(role, &u->role)) {
        snprintf(c->err, sizeof c->err, "user %lld has unknown role '%.32s'", (long long)u->id,
                 role);
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

static pd_qs user_one(struct pd__pg_conn *c, enum pd_pg_stmt id, const char *sql,
                      const struct pd__pg_params *p, struct pd_user *out)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(c, id, sql, p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        qs = pd__pg_user_row(c, r, 0, 0, out);
    PQclear(r);
    return qs;
}

pd_qs pd__pg_user_insert(pd_db *db, struct pd_user *u, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    *dup = false;
    if (PD_BREAK((unsigned)u->role < PD_ROLE__COUNT))
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, u->username);
    pd__pg_p_text(&p, u->display_name);
    pd__pg_p_text(&p, u->phone);
    pd__pg_p_text(&p, pd_role_name(u->role));
    pd__pg_p_i64(&p, u->node_id);
    pd__pg_p_text(&p, u->password_hash);
    pd__pg_p_bool(&p, u->active);
    pd__pg_p_i64(&p, u->failed_logins);
    pd__pg_p_i64(&p, u->locked_until_ms);
    pd__pg_p_i64(&p, u->password_changed_ms);
    pd__pg_p_i64(&p, now);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_USER_INSERT,
        "INSERT INTO users (username, display_name, phone, role, node_id, password_hash, active,"
        " failed_logins, locked_until_ms, password_changed_ms, created_ms)"
        " VALUES ($1::text, $2::text, $3::text, $4::text, $5::bigint, $6::text, $7::boolean,"
        " $8::integer, $9::bigint, $10::bigint, $11::bigint)"
        " ON CONFLICT (username) DO NOTHING RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        u->id = pd__pg_i64(r, 0, 0);
        u->created_ms = now;
        qs = PD_QS_ONE;
    } else {
        *dup = true;
        qs = PD_QS_NONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_user_get(pd_db *db, int64_t id, struct pd_user *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    return user_one(C(db), PD_PG_USER_GET,
                    "SELECT " PD_PG_USER_COLS " FROM users u JOIN nodes n ON n.id = u.node_id"
                    " WHERE u.id = $1::bigint",
                    &p, out);
}

pd_qs pd__pg_user_get_by_name(pd_db *db, const char *username, struct pd_user *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, username);
    return user_one(C(db), PD_PG_USER_GET_BY_NAME,
                    "SELECT " PD_PG_USER_COLS " FROM users u JOIN nodes n ON n.id = u.node_id"
                    " WHERE u.username = $1::text",
                    &p, out);
}

pd_qs pd__pg_user_list(pd_db *db, const struct pd_user_filter *f, pd_user_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->role >= 0 ? pd_role_name((enum pd_role)f->role) : NULL);
    pd__pg_p_opt(&p, f->q);
    pd__pg_p_i64(&p, f->after_id);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    /* strpos() rather than LIKE: the search text is matched literally, so a
     * '%' or '_' typed by a user is just a character. lower() under
     * COLLATE "C" folds ASCII only, exactly like SQLite's lower(). */
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_USER_LIST,
        "SELECT " PD_PG_USER_COLS " FROM users u JOIN nodes n ON n.id = u.node_id"
        " WHERE n.path >= $1::text AND n.path < $2::text"
        " AND ($3::text IS NULL OR u.role = $3::text)"
        " AND ($4::text IS NULL"
        "      OR strpos(lower(u.username COLLATE \"C\"), lower($4::text COLLATE \"C\")) > 0"
        "      OR strpos(lower(u.display_name COLLATE \"C\"), lower($4::text COLLATE \"C\")) > 0)"
        " AND u.id > $5::bigint ORDER BY u.id LIMIT $6::integer",
        &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_user u;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = pd__pg_user_row(c, r, i, 0, &u);
        int cr = rq < 0 ? rq : cb(cls, &u);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_user_update(pd_db *db, const struct pd_user *u)
{
    if (PD_BREAK((unsigned)u->role < PD_ROLE__COUNT))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, u->id);
    pd__pg_p_text(&p, u->display_name);
    pd__pg_p_text(&p, u->phone);
    pd__pg_p_text(&p, pd_role_name(u->role));
    pd__pg_p_i64(&p, u->node_id);
    pd__pg_p_bool(&p, u->active);
    return pd__pg_cmd(C(db), PD_PG_USER_UPDATE,
                      "UPDATE users SET display_name = $2::text, phone = $3::text,"
                      " role = $4::text, node_id = $5::bigint, active = $6::boolean"
                      " WHERE id = $1::bigint",
                      &p);
}

pd_qs pd__pg_user_set_password(pd_db *db, int64_t id, const char *hash, int64_t now_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_text(&p, hash);
    pd__pg_p_i64(&p, now_ms);
    return pd__pg_cmd(C(db), PD_PG_USER_SET_PASSWORD,
                      "UPDATE users SET password_hash = $2::text, password_changed_ms = $3::bigint"
                      " WHERE id = $1::bigint",
                      &p);
}

pd_qs pd__pg_user_set_login_state(pd_db *db, int64_t id, int failed_logins, int64_t locked_until_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, failed_logins);
    pd__pg_p_i64(&p, locked_until_ms);
    return pd__pg_cmd(C(db), PD_PG_USER_SET_LOGIN_STATE,
                      "UPDATE users SET failed_logins = $2::integer, locked_until_ms = $3::bigint"
                      " WHERE id = $1::bigint",
                      &p);
}

/* ---- permission matrix ------------------------------------------------ */

pd_qs pd__pg_perm_list(pd_db *db, pd_perm_cb cb, void *cls)
{
    pd_qs qs;
    /* COLLATE "C": the same order as SQLite, whatever the database locale. */
    PGresult *r = pd__pg_run(C(db), PD_PG_PERM_LIST,
                             "SELECT role, perm FROM role_permissions"
                             " ORDER BY role COLLATE \"C\", perm COLLATE \"C\"",
                             NULL, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        int cr = cb(cls, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_perm_set(pd_db *db, const char *role, const char *perm, bool granted)
{
    enum pd_role r;
    enum pd_perm pm;
    /* The route table only knows the names of org.def; a row naming
     * anything else could never take effect. */
    if (PD_BREAK(pd_role_parse(role, &r)) || PD_BREAK(pd_perm_parse(perm, &pm)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, role);
    pd__pg_p_text(&p, perm);
    return granted ? pd__pg_cmd(C(db), PD_PG_PERM_GRANT,
                                "INSERT INTO role_permissions (role, perm)"
                                " VALUES ($1::text, $2::text) ON CONFLICT DO NOTHING",
                                &p)
                   : pd__pg_cmd(C(db), PD_PG_PERM_REVOKE,
                                "DELETE FROM role_permissions"
                                " WHERE role = $1::text AND perm = $2::text",
                                &p);
}
