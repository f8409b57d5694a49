/*
 * SQLite queries of the organisation aggregate: network nodes with their
 * materialised paths, user accounts, and the role → permission matrix.
 * Subtree queries use the byte range [prefix, prefix with its last byte + 1)
 * on the path column, which a plain index answers (no LIKE, so no escaping).
 */
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

/* ---- nodes ------------------------------------------------------------ */

#define NODE_COLS                                                                                  \
    "id, code, name, type, COALESCE(parent_id, 0), path, region, utc_offset_min, active, "         \
    "created_ms"

static pd_qs node_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_node *n)
{
    char type[32];
    memset(n, 0, sizeof *n);
    n->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, n->code, sizeof n->code);
    pd__sq_col(s, 2, n->name, sizeof n->name);
    pd__sq_col(s, 3, type, sizeof type);
    n->parent_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, n->path, sizeof n->path);
    pd__sq_col(s, 6, n->region, sizeof n->region);
    n->utc_offset_min = sqlite3_column_int(s, 7);
    n->active = sqlite3_column_int(s, 8) != 0;
    n->created_ms = sqlite3_column_int64(s, 9);
    if (!pd_node_type_parse(type, &n->type)) {
        snprintf(c->err, sizeof c->err, "node %lld has unknown type '%s'", (long long)n->id, type);
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

/* Step a statement expected to return at most one node. */
static pd_qs node_one(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_node *out, const char *what)
{
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? node_row(c, s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_node_insert(pd_db *db, struct pd_node *n, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    if (PD_BREAK((unsigned)n->type < PD_NODE__COUNT))
        return PD_QS_HARD;
    /* The id is chosen in the statement so the path can include it. MAX+1 is
     * safe because writers hold SQLite's single write lock (BEGIN
     * IMMEDIATE), and nodes are never deleted, so no id is ever reused. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_NODE_INSERT,
        "INSERT INTO nodes (id, code, name, type, parent_id, path, region, utc_offset_min,"
        " active, created_ms)"
        " SELECT v.id, ?1, ?2, ?3, NULLIF(?4, 0),"
        "  COALESCE((SELECT p.path FROM nodes p WHERE p.id = ?4), '/') || v.id || '/',"
        "  ?5, ?6, ?7, ?8"
        " FROM (SELECT COALESCE(MAX(id), 0) + 1 AS id FROM nodes) v WHERE true"
        " ON CONFLICT (code) DO NOTHING RETURNING id, path");
    if (!s)
        return PD_QS_HARD;
    /* An empty region means the caller set no locale: China, UTC+8. */
    bool dflt = n->region[0] == '\0';
    int64_t now = pd_now_ms();
    pd__sq_text(s, 1, n->code);
    pd__sq_text(s, 2, n->name);
    pd__sq_text(s, 3, pd_node_type_name(n->type));
    pd__sq_i64(s, 4, n->parent_id);
    pd__sq_text(s, 5, dflt ? "CN" : n->region);
    sqlite3_bind_int(s, 6, dflt ? 480 : n->utc_offset_min);
    sqlite3_bind_int(s, 7, n->active ? 1 : 0);
    pd__sq_i64(s, 8, now);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        n->id = sqlite3_column_int64(s, 0);
        pd__sq_col(s, 1, n->path, sizeof n->path);
        n->created_ms = now;
        if (dflt) {
            memcpy(n->region, "CN", 3);
            n->utc_offset_min = 480;
        }
        qs = PD_QS_ONE;
    } else if (rc == SQLITE_DONE) {
        *dup = true;
        qs = PD_QS_NONE;
    } else {
        qs = pd__sq_fail(c, rc, "node_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_node_get(pd_db *db, int64_t id, struct pd_node *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_NODE_GET, "SELECT " NODE_COLS " FROM nodes WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return node_one(c, s, out, "node_get");
}

pd_qs pd__sq_node_get_by_code(pd_db *db, const char *code, struct pd_node *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_NODE_GET_BY_CODE, "SELECT " NODE_COLS " FROM nodes WHERE code = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, code);
    return node_one(c, s, out, "node_get_by_code");
}

pd_qs pd__sq_node_list(pd_db *db, const char *path_prefix, pd_node_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(pd__path_range(path_prefix, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_NODE_LIST,
                    "SELECT " NODE_COLS " FROM nodes WHERE path >= ?1 AND path < ?2 ORDER BY path");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_node n;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((qs = node_row(c, s, &n)) < 0)
            break;
        int r = cb(cls, &n);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "node_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_node_update(pd_db *db, const struct pd_node *n)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_NODE_UPDATE,
                                  "UPDATE nodes SET name = ?2, active = ?3, region = ?4,"
                                  " utc_offset_min = ?5 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, n->id);
    pd__sq_text(s, 2, n->name);
    sqlite3_bind_int(s, 3, n->active ? 1 : 0);
    pd__sq_text(s, 4, n->region[0] ? n->region : "CN");
    sqlite3_bind_int(s, 5, n->utc_offset_min);
    return pd__sq_exec(c, s, "node_update");
}

pd_qs pd__sq_node_dependents(pd_db *db, int64_t id, int64_t *count)
{
    struct pd__sq_conn *c = C(db);
    *count = 0;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_NODE_DEPENDENTS,
                                  "SELECT (SELECT count(*) FROM nodes WHERE parent_id = ?1)"
                                  " + (SELECT count(*) FROM users WHERE node_id = ?1)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        *count = sqlite3_column_int64(s, 0);
        qs = PD_QS_ONE;
    } else {
        qs = pd__sq_fail(c, rc, "node_dependents");
    }
    pd__sq_done(s);
    return qs;
}

/* ---- users ------------------------------------------------------------ */

pd_qs pd__sq_user_row(struct pd__sq_conn *c, sqlite3_stmt *s, int col, struct pd_user *u)
{
    char role[32];
    memset(u, 0, sizeof *u);
    u->id = sqlite3_column_int64(s, col + 0);
    pd__sq_col(s, col + 1, u->username, sizeof u->username);
    pd__sq_col(s, col + 2, u->display_name, sizeof u->display_name);
    pd__sq_col(s, col + 3, u->phone, sizeof u->phone);
    pd__sq_col(s, col + 4, role, sizeof role);
    u->node_id = sqlite3_column_int64(s, col + 5);
    pd__sq_col(s, col + 6, u->node_code, sizeof u->node_code);
    pd__sq_col(s, col + 7, u->node_path, sizeof u->node_path);
    pd__sq_col(s, col + 8, u->password_hash, sizeof u->password_hash);
    u->active = sqlite3_column_int(s, col + 9) != 0;
    u->failed_logins = sqlite3_column_int(s, col + 10);
    u->locked_until_ms = sqlite3_column_int64(s, col + 11);
    u->password_changed_ms = sqlite3_column_int64(s, col + 12);
    u->created_ms = sqlite3_column_int64(s, col + 13);
    pd__sq_col(s, col + 14, u->node_name, sizeof u->node_name);
    char ntype[32];
    pd__sq_col(s, col + 15, ntype, sizeof ntype);
    if (!pd_node_type_parse(ntype, &u->node_type)) {
        snprintf(c->err, sizeof c->err, "node %lld has unknown type '%s'", (long long)u->node_id,
                 ntype);
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    if (!pd_role_parse(role, &u->role)) {
        snprintf(c->err, sizeof c->err, "user %lld has unknown role '%s'", (long long)u->id, role);
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    return PD_QS_ONE;
}

static pd_qs user_one(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_user *out, const char *what)
{
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? pd__sq_user_row(c, s, 0, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_user_insert(pd_db *db, struct pd_user *u, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    if (PD_BREAK((unsigned)u->role < PD_ROLE__COUNT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_USER_INSERT,
        "INSERT INTO users (username, display_name, phone, role, node_id, password_hash, active,"
        " failed_logins, locked_until_ms, password_changed_ms, created_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
        " ON CONFLICT (username) DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_text(s, 1, u->username);
    pd__sq_text(s, 2, u->display_name);
    pd__sq_text(s, 3, u->phone);
    pd__sq_text(s, 4, pd_role_name(u->role));
    pd__sq_i64(s, 5, u->node_id);
    pd__sq_text(s, 6, u->password_hash);
    sqlite3_bind_int(s, 7, u->active ? 1 : 0);
    sqlite3_bind_int(s, 8, u->failed_logins);
    pd__sq_i64(s, 9, u->locked_until_ms);
    pd__sq_i64(s, 10, u->password_changed_ms);
    pd__sq_i64(s, 11, now);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        u->id = sqlite3_column_int64(s, 0);
        u->created_ms = now;
        qs = PD_QS_ONE;
    } else if (rc == SQLITE_DONE) {
        *dup = true;
        qs = PD_QS_NONE;
    } else {
        qs = pd__sq_fail(c, rc, "user_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_user_get(pd_db *db, int64_t id, struct pd_user *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_USER_GET,
                                  "SELECT " PD_SQ_USER_COLS " FROM users u"
                                  " JOIN nodes n ON n.id = u.node_id WHERE u.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return user_one(c, s, out, "user_get");
}

pd_qs pd__sq_user_get_by_name(pd_db *db, const char *username, struct pd_user *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_USER_GET_BY_NAME,
                                  "SELECT " PD_SQ_USER_COLS " FROM users u"
                                  " JOIN nodes n ON n.id = u.node_id WHERE u.username = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, username);
    return user_one(c, s, out, "user_get_by_name");
}

pd_qs pd__sq_user_list(pd_db *db, const struct pd_user_filter *f, pd_user_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    /* instr() rather than LIKE: the search text is matched literally, so a
     * '%' or '_' typed by a user is just a character. lower() folds ASCII
     * only, as PostgreSQL's lower() under COLLATE "C" does. */
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_USER_LIST,
                    "SELECT " PD_SQ_USER_COLS " FROM users u JOIN nodes n ON n.id = u.node_id"
                    " WHERE n.path >= ?1 AND n.path < ?2"
                    " AND (?3 IS NULL OR u.role = ?3)"
                    " AND (?4 IS NULL OR instr(lower(u.username), lower(?4)) > 0"
                    "      OR instr(lower(u.display_name), lower(?4)) > 0)"
                    " AND u.id > ?5 ORDER BY u.id LIMIT ?6");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->role >= 0 ? pd_role_name((enum pd_role)f->role) : NULL);
    pd__sq_opt(s, 4, f->q);
    pd__sq_i64(s, 5, f->after_id);
    sqlite3_bind_int(s, 6, pd__list_limit(f->limit));
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_user u;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if ((qs = pd__sq_user_row(c, s, 0, &u)) < 0)
            break;
        int r = cb(cls, &u);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "user_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_user_update(pd_db *db, const struct pd_user *u)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK((unsigned)u->role < PD_ROLE__COUNT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_USER_UPDATE,
                                  "UPDATE users SET display_name = ?2, phone = ?3, role = ?4,"
                                  " node_id = ?5, active = ?6 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, u->id);
    pd__sq_text(s, 2, u->display_name);
    pd__sq_text(s, 3, u->phone);
    pd__sq_text(s, 4, pd_role_name(u->role));
    pd__sq_i64(s, 5, u->node_id);
    sqlite3_bind_int(s, 6, u->active ? 1 : 0);
    return pd__sq_exec(c, s, "user_update");
}

pd_qs pd__sq_user_set_password(pd_db *db, int64_t id, const char *hash, int64_t now_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_USER_SET_PASSWORD,
                    "UPDATE users SET password_hash = ?2, password_changed_ms = ?3 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_text(s, 2, hash);
    pd__sq_i64(s, 3, now_ms);
    return pd__sq_exec(c, s, "user_set_password");
}

pd_qs pd__sq_user_set_login_state(pd_db *db, int64_t id, int failed_logins, int64_t locked_until_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_USER_SET_LOGIN_STATE,
                    "UPDATE users SET failed_logins = ?2, locked_until_ms = ?3 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    sqlite3_bind_int(s, 2, failed_logins);
    pd__sq_i64(s, 3, locked_until_ms);
    return pd__sq_exec(c, s, "user_set_login_state");
}

/* ---- permission matrix ------------------------------------------------ */

pd_qs pd__sq_perm_list(pd_db *db, pd_perm_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_PERM_LIST,
                                  "SELECT role, perm FROM role_permissions ORDER BY role, perm");
    if (!s)
        return PD_QS_HARD;
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r = cb(cls, (const char *)sqlite3_column_text(s, 0),
                   (const char *)sqlite3_column_text(s, 1));
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "perm_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_perm_set(pd_db *db, const char *role, const char *perm, bool granted)
{
    struct pd__sq_conn *c = C(db);
    enum pd_role r;
    enum pd_perm p;
    /* The route table only knows the names of org.def; a row naming
     * anything else could never take effect. */
    if (PD_BREAK(pd_role_parse(role, &r)) || PD_BREAK(pd_perm_parse(perm, &p)))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        granted ? pd__sq_prep(c, PD_SQ_PERM_GRANT,
                              "INSERT INTO role_permissions (role, perm) VALUES (?1, ?2)"
                              " ON CONFLICT DO NOTHING")
                : pd__sq_prep(c, PD_SQ_PERM_REVOKE,
                              "DELETE FROM role_permissions WHERE role = ?1 AND perm = ?2");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, role);
    pd__sq_text(s, 2, perm);
    return pd__sq_exec(c, s, "perm_set");
}
