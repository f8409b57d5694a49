/*
 * PostgreSQL queries of the audit log: append and list newest first. The log
 * is append-only; the schema's trigger refuses UPDATE, DELETE and TRUNCATE,
 * and this file offers none of them. Each entry carries a copy of its node's
 * path taken at insert time, so listing one network subtree needs no join.
 */
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

pd_qs pd__pg_audit_insert(pd_db *db, struct pd_audit *a)
{
    struct pd__pg_conn *c = C(db);
    const char *kind = pd__actor_kind_name(a->actor_kind);
    if (PD_BREAK(kind != NULL) || PD_BREAK(a->action[0] != '\0'))
        return PD_QS_HARD;
    if (a->at_ms == 0)
        a->at_ms = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->at_ms);
    pd__pg_p_text(&p, kind);
    pd__pg_p_i64(&p, a->actor_id);
    pd__pg_p_text(&p, a->actor_name);
    pd__pg_p_text(&p, a->action);
    pd__pg_p_text(&p, a->object_type);
    pd__pg_p_text(&p, a->object_id);
    pd__pg_p_i64(&p, a->node_id);
    pd__pg_p_text(&p, a->ip);
    pd__pg_p_text(&p, a->request_id);
    pd__pg_p_text(&p, a->detail);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_AUDIT_INSERT,
        "INSERT INTO audit_log (at_ms, actor_kind, actor_id, actor_name, action, object_type,"
        " object_id, node_id, node_path, ip, request_id, detail)"
        " VALUES ($1::bigint, $2::text, $3::bigint, $4::text, $5::text, $6::text, $7::text,"
        " $8::bigint, COALESCE((SELECT path FROM nodes WHERE id = $8::bigint), ''),"
        " $9::text, $10::text, $11::text) RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    if (PD_BREAK(qs == PD_QS_ONE)) { /* RETURNING yields exactly one row */
        PQclear(r);
        return PD_QS_HARD;
    }
    a->id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_audit_list(pd_db *db, const struct pd_audit_filter *f, pd_audit_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    bool scoped = f->node_path && f->node_path[0];
    if (scoped && PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, scoped ? lo : NULL);
    pd__pg_p_text(&p, scoped ? hi : NULL);
    pd__pg_p_i64(&p, f->actor_id);
    pd__pg_p_opt(&p, f->action);
    pd__pg_p_opt(&p, f->object_type);
    pd__pg_p_opt(&p, f->object_id);
    pd__pg_p_i64(&p, f->from_ms);
    pd__pg_p_i64(&p, f->to_ms);
    pd__pg_p_i64(&p, f->before_id);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    /* Entries of node 0 (system-wide events) are visible in every scope. */
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_AUDIT_LIST,
        "SELECT id, at_ms, actor_kind, actor_id, actor_name, action, object_type, object_id,"
        " node_id, ip, request_id, detail,"
        " COALESCE((SELECT n.code FROM nodes n WHERE n.id = audit_log.node_id), '') FROM audit_log"
        " WHERE ($1::text IS NULL OR (node_path >= $1::text AND node_path < $2::text)"
        "        OR node_id = 0)"
        " AND ($3::bigint = 0 OR actor_id = $3::bigint)"
        " AND ($4::text IS NULL OR action = $4::text)"
        " AND ($5::text IS NULL OR object_type = $5::text)"
        " AND ($6::text IS NULL OR object_id = $6::text)"
        " AND ($7::bigint = 0 OR at_ms >= $7::bigint)"
        " AND ($8::bigint = 0 OR at_ms < $8::bigint)"
        " AND ($9::bigint = 0 OR id < $9::bigint)"
        " ORDER BY id DESC LIMIT $10::integer",
        &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_audit a;
    for (int i = 0; i < rows && qs >= 0; i++) {
        memset(&a, 0, sizeof a);
        a.id = pd__pg_i64(r, i, 0);
        a.at_ms = pd__pg_i64(r, i, 1);
        const char *kind = PQgetvalue(r, i, 2);
        a.actor_id = pd__pg_i64(r, i, 3);
        pd__pg_col(r, i, 4, a.actor_name, sizeof a.actor_name);
        pd__pg_col(r, i, 5, a.action, sizeof a.action);
        pd__pg_col(r, i, 6, a.object_type, sizeof a.object_type);
        pd__pg_col(r, i, 7, a.object_id, sizeof a.object_id);
        a.node_id = pd__pg_i64(r, i, 8);
        pd__pg_col(r, i, 9, a.ip, sizeof a.ip);
        pd__pg_col(r, i, 10, a.request_id, sizeof a.request_id);
        a.detail = PQgetisnull(r, i, 11) ? NULL : PQgetvalue(r, i, 11);
        pd__pg_col(r, i, 12, a.node_code, sizeof a.node_code);
        if (!pd__actor_kind_parse(kind, &a.actor_kind)) {
            snprintf(c->err, sizeof c->err, "audit entry %lld has unknown actor kind '%.16s'",
                     (long long)a.id, kind);
            pd_error("postgresql: %s", c->err);
            qs = PD_QS_HARD;
            break;
        }
        int cr = cb(cls, &a);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}
