/*
 * SQLite queries of the audit log: append and list newest first. The log is
 * append-only; the schema's triggers refuse UPDATE and DELETE, and this file
 * offers neither. Each entry carries a copy of its node's path taken at
 * insert time, so listing one network subtree needs no join.
 */
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

pd_qs pd__sq_audit_insert(pd_db *db, struct pd_audit *a)
{
    struct pd__sq_conn *c = C(db);
    const char *kind = pd__actor_kind_name(a->actor_kind);
    if (PD_BREAK(kind != NULL) || PD_BREAK(a->action[0] != '\0'))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_AUDIT_INSERT,
        "INSERT INTO audit_log (at_ms, actor_kind, actor_id, actor_name, action, object_type,"
        " object_id, node_id, node_path, ip, request_id, detail)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,"
        "  COALESCE((SELECT path FROM nodes WHERE id = ?8), ''), ?9, ?10, ?11) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    if (a->at_ms == 0)
        a->at_ms = pd_now_ms();
    pd__sq_i64(s, 1, a->at_ms);
    pd__sq_text(s, 2, kind);
    pd__sq_i64(s, 3, a->actor_id);
    pd__sq_text(s, 4, a->actor_name);
    pd__sq_text(s, 5, a->action);
    pd__sq_text(s, 6, a->object_type);
    pd__sq_text(s, 7, a->object_id);
    pd__sq_i64(s, 8, a->node_id);
    pd__sq_text(s, 9, a->ip);
    pd__sq_text(s, 10, a->request_id);
    pd__sq_text(s, 11, a->detail);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        a->id = sqlite3_column_int64(s, 0);
        qs = PD_QS_ONE;
    } else {
        qs = pd__sq_fail(c, rc, "audit_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_audit_list(pd_db *db, const struct pd_audit_filter *f, pd_audit_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    bool scoped = f->node_path && f->node_path[0];
    if (scoped && PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    /* Entries of node 0 (system-wide events) are visible in every scope. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_AUDIT_LIST,
        "SELECT id, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id,"
        " node_id, ip, request_id, detail,"
        " COALESCE((SELECT n.code FROM nodes n WHERE n.id = audit_log.node_id), '') FROM audit_log"
        " WHERE (?1 IS NULL OR (node_path >= ?1 AND node_path < ?2) OR node_id = 0)"
        " AND (?3 = 0 OR actor_id = ?3)"
        " AND (?4 IS NULL OR action = ?4)"
        " AND (?5 IS NULL OR object_type = ?5)"
        " AND (?6 IS NULL OR object_id = ?6)"
        " AND (?7 = 0 OR at_ms >= ?7)"
        " AND (?8 = 0 OR at_ms < ?8)"
        " AND (?9 = 0 OR id < ?9)"
        " ORDER BY id DESC LIMIT ?10");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, scoped ? lo : NULL);
    pd__sq_text(s, 2, scoped ? hi : NULL);
    pd__sq_i64(s, 3, f->actor_id);
    pd__sq_opt(s, 4, f->action);
    pd__sq_opt(s, 5, f->object_type);
    pd__sq_opt(s, 6, f->object_id);
    pd__sq_i64(s, 7, f->from_ms);
    pd__sq_i64(s, 8, f->to_ms);
    pd__sq_i64(s, 9, f->before_id);
    sqlite3_bind_int(s, 10, pd__list_limit(f->limit));
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_audit a;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        char kind[16];
        memset(&a, 0, sizeof a);
        a.id = sqlite3_column_int64(s, 0);
        a.at_ms = sqlite3_column_int64(s, 1);
        pd__sq_col(s, 2, kind, sizeof kind);
        a.actor_id = sqlite3_column_int64(s, 3);
        pd__sq_col(s, 4, a.actor_name, sizeof a.actor_name);
        pd__sq_col(s, 5, a.action, sizeof a.action);
        pd__sq_col(s, 6, a.object_type, sizeof a.object_type);
        pd__sq_col(s, 7, a.object_id, sizeof a.object_id);
        a.node_id = sqlite3_column_int64(s, 8);
        pd__sq_col(s, 9, a.ip, sizeof a.ip);
        pd__sq_col(s, 10, a.request_id, sizeof a.request_id);
        a.detail = (const char *)sqlite3_column_text(s, 11); /* NULL stays NULL */
        pd__sq_col(s, 12, a.node_code, sizeof a.node_code);
        if (!pd__actor_kind_parse(kind, &a.actor_kind)) {
            snprintf(c->err, sizeof c->err, "audit entry %lld has unknown actor kind '%s'",
                     (long long)a.id, kind);
            pd_error("sqlite: %s", c->err);
            qs = PD_QS_HARD;
            break;
        }
        int r = cb(cls, &a);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "audit_list");
    pd__sq_done(s);
    return qs;
}
