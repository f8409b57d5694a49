/*
 * SQLite queries of node service areas (which GB/T 2260 divisions a node
 * serves) and of the kept first answers of idempotent order requests. The
 * serving node of a district is found with three equality look-ups on the
 * division index (district, city, province prefix), most specific first.
 */
#include <stdio.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"

#define C(db) ((struct pd__sq_conn *)(db))

pd_qs pd__sq_node_areas_set(pd_db *db, int64_t node_id, const char *const *divs, int n)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *del =
        pd__sq_prep(c, PD_SQ_AREAS_DELETE, "DELETE FROM node_areas WHERE node_id = ?1");
    if (!del)
        return PD_QS_HARD;
    pd__sq_i64(del, 1, node_id);
    pd_qs qs = pd__sq_exec(c, del, "node_areas_set");
    for (int i = 0; i < n && qs >= 0; i++) {
        sqlite3_stmt *ins = pd__sq_prep(c, PD_SQ_AREAS_INSERT,
                                        "INSERT INTO node_areas (node_id, division) VALUES (?1, ?2)"
                                        " ON CONFLICT DO NOTHING");
        if (!ins)
            return PD_QS_HARD;
        pd__sq_i64(ins, 1, node_id);
        pd__sq_text(ins, 2, divs[i]);
        qs = pd__sq_exec(c, ins, "node_areas_set");
    }
    return qs < 0 ? qs : PD_QS_ONE;
}

pd_qs pd__sq_node_areas_list(pd_db *db, int64_t node_id, int (*cb)(void *, const char *), void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_AREAS_LIST,
                    "SELECT division FROM node_areas WHERE node_id = ?1 ORDER BY division");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, node_id);
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r = cb(cls, (const char *)sqlite3_column_text(s, 0));
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "node_areas_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_node_for_division(pd_db *db, int32_t district, struct pd_node *out)
{
    struct pd__sq_conn *c = C(db);
    char d6[8], d4[8], d2[8];
    snprintf(d6, sizeof d6, "%06d", (int)district);
    snprintf(d4, sizeof d4, "%.4s", d6);
    snprintf(d2, sizeof d2, "%.2s", d6);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_AREAS_SERVING,
                    "SELECT n.id, n.code, n.name, n.type, n.path FROM node_areas a"
                    " JOIN nodes n ON n.id = a.node_id"
                    " WHERE a.division IN (?1, ?2, ?3) AND n.active = 1"
                    " ORDER BY length(a.division) DESC, length(n.path) DESC, n.id LIMIT 1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, d6);
    pd__sq_text(s, 2, d4);
    pd__sq_text(s, 3, d2);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_NONE;
    if (rc == SQLITE_ROW) {
        char type[32];
        out->id = sqlite3_column_int64(s, 0);
        pd__sq_col(s, 1, out->code, sizeof out->code);
        pd__sq_col(s, 2, out->name, sizeof out->name);
        pd__sq_col(s, 3, type, sizeof type);
        pd__sq_col(s, 4, out->path, sizeof out->path);
        out->active = true;
        qs = pd_node_type_parse(type, &out->type) ? PD_QS_ONE : PD_QS_HARD;
    } else if (rc != SQLITE_DONE) {
        qs = pd__sq_fail(c, rc, "node_for_division");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_idem_answer_put(pd_db *db, int64_t waybill_id, const char *answer)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_IDEM_ANSWER_PUT,
                                  "INSERT INTO idem_answers (waybill_id, answer) VALUES (?1, ?2)"
                                  " ON CONFLICT (waybill_id) DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, waybill_id);
    pd__sq_text(s, 2, answer);
    return pd__sq_exec(c, s, "idem_answer_put");
}

pd_qs pd__sq_idem_answer_get(pd_db *db, int64_t waybill_id, int (*cb)(void *, const char *),
                             void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_IDEM_ANSWER_GET,
                                  "SELECT answer FROM idem_answers WHERE waybill_id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, waybill_id);
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_NONE;
    if (rc == SQLITE_ROW) {
        int r = cb(cls, (const char *)sqlite3_column_text(s, 0));
        qs = r < 0 ? (pd_qs)r : PD_QS_ONE;
    } else if (rc != SQLITE_DONE) {
        qs = pd__sq_fail(c, rc, "idem_answer_get");
    }
    pd__sq_done(s);
    return qs;
}
