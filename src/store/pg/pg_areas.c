/*
 * PostgreSQL queries of node service areas and of the kept first answers of
 * idempotent order requests; the same contract as sqlite_areas.c.
 */
#include <stdio.h>
#include <string.h>

#include "store/pg/pg_int.h"

#define C(db) ((struct pd__pg_conn *)(db))

pd_qs pd__pg_node_areas_set(pd_db *db, int64_t node_id, const char *const *divs, int n)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, node_id);
    pd_qs qs =
        pd__pg_cmd(c, PD_PG_AREAS_DELETE, "DELETE FROM node_areas WHERE node_id = $1::bigint", &p);
    for (int i = 0; i < n && qs >= 0; i++) {
        struct pd__pg_params q = {0};
        pd__pg_p_i64(&q, node_id);
        pd__pg_p_text(&q, divs[i]);
        qs = pd__pg_cmd(c, PD_PG_AREAS_INSERT,
                        "INSERT INTO node_areas (node_id, division) VALUES ($1::bigint, $2::text)"
                        " ON CONFLICT DO NOTHING",
                        &q);
    }
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__pg_node_areas_list(pd_db *db, int64_t node_id, int (*cb)(void *, const char *), void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, node_id);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_AREAS_LIST,
                             "SELECT division FROM node_areas WHERE node_id = $1::bigint"
                             " ORDER BY division COLLATE \"C\"",
                             &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        int cr = cb(cls, PQgetvalue(r, i, 0));
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_node_for_division(pd_db *db, int32_t district, struct pd_node *out)
{
    struct pd__pg_conn *c = C(db);
    char d6[8], d4[8], d2[8];
    snprintf(d6, sizeof d6, "%06d", (int)district);
    snprintf(d4, sizeof d4, "%.4s", d6);
    snprintf(d2, sizeof d2, "%.2s", d6);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, d6);
    pd__pg_p_text(&p, d4);
    pd__pg_p_text(&p, d2);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_AREAS_SERVING,
                             "SELECT n.id, n.code, n.name, n.type, n.path FROM node_areas a"
                             " JOIN nodes n ON n.id = a.node_id"
                             " WHERE a.division IN ($1::text, $2::text, $3::text) AND n.active"
                             " ORDER BY length(a.division) DESC, length(n.path) DESC, n.id LIMIT 1",
                             &p, &qs);
    if (!r)
        return qs;
    memset(out, 0, sizeof *out);
    if (qs > 0) {
        char type[32];
        out->id = pd__pg_i64(r, 0, 0);
        pd__pg_col(r, 0, 1, out->code, sizeof out->code);
        pd__pg_col(r, 0, 2, out->name, sizeof out->name);
        pd__pg_col(r, 0, 3, type, sizeof type);
        pd__pg_col(r, 0, 4, out->path, sizeof out->path);
        out->active = true;
        qs = pd_node_type_parse(type, &out->type) ? PD_QS_ONE : PD_QS_HARD;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_idem_answer_put(pd_db *db, int64_t waybill_id, const char *answer)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, waybill_id);
    pd__pg_p_text(&p, answer);
    return pd__pg_cmd(C(db), PD_PG_IDEM_ANSWER_PUT,
                      "INSERT INTO idem_answers (waybill_id, answer) VALUES ($1::bigint, $2::text)"
                      " ON CONFLICT (waybill_id) DO NOTHING",
                      &p);
}

pd_qs pd__pg_idem_answer_get(pd_db *db, int64_t waybill_id, int (*cb)(void *, const char *),
                             void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, waybill_id);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_IDEM_ANSWER_GET,
                   "SELECT answer FROM idem_answers WHERE waybill_id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    if (qs > 0) {
        int cr = cb(cls, PQgetvalue(r, 0, 0));
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}
