/*
 * PostgreSQL queries of the prohibited/restricted goods list (禁寄/限寄物品)
 * and its stamp; the same contract as sqlite_goods.c. Terms are compared
 * through TERM_KEY, the expression of the unique index goods_rules_term_key
 * (migrations/pg/005_goods_rules.sql): it folds exactly A-Z, whatever the
 * database locale, so the index answers look-ups and arbitrates upserts.
 */
#include <string.h>

#include "core/screening.h"
#include "store/pg/pg_int.h"
#include "util/log.h"

#define C(db) ((struct pd__pg_conn *)(db))

/* Must stay identical to the index expression, or ON CONFLICT finds no index. */
#define TERM_KEY(x) "translate(" x ", 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"

#define GOODS_COLS                                                                                 \
    "g.id, g.term, g.category, g.level, g.condition, g.note, g.active, g.updated_ms, "             \
    "COALESCE(g.updated_by, 0), COALESCE(u.username, '')"
#define GOODS_FROM " FROM goods_rules g LEFT JOIN users u ON u.id = g.updated_by"

static pd_qs rule_row(const PGresult *res, int row, struct pd_goods_rule_rec *r)
{
    memset(r, 0, sizeof *r);
    r->id = pd__pg_i64(res, row, 0);
    pd__pg_col(res, row, 1, r->term, sizeof r->term);
    pd__pg_col(res, row, 2, r->category, sizeof r->category);
    const char *level = PQgetvalue(res, row, 3);
    pd__pg_col(res, row, 4, r->condition, sizeof r->condition);
    pd__pg_col(res, row, 5, r->note, sizeof r->note);
    r->active = pd__pg_bool(res, row, 6);
    r->updated_ms = pd__pg_i64(res, row, 7);
    r->updated_by = pd__pg_i64(res, row, 8);
    pd__pg_col(res, row, 9, r->updated_by_name, sizeof r->updated_by_name);
    bool prohibited = !strcmp(level, "prohibited");
    bool restricted = !strcmp(level, "restricted");
    if (PD_BREAK(prohibited || restricted)) /* the table's CHECK allows nothing else */
        return PD_QS_HARD;
    r->level = prohibited ? PD_GOODS_PROHIBITED : PD_GOODS_RESTRICTED;
    return PD_QS_ONE;
}

pd_qs pd__pg_goods_rule_list(pd_db *db, pd_goods_rule_cb cb, void *cls)
{
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_GOODS_LIST,
                   "SELECT " GOODS_COLS GOODS_FROM " ORDER BY g.term COLLATE \"C\"", NULL, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    struct pd_goods_rule_rec rec;
    for (int i = 0; i < rows && qs >= 0; i++) {
        pd_qs rq = rule_row(r, i, &rec);
        int cr = rq < 0 ? (int)rq : cb(cls, &rec);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_goods_rule_get(pd_db *db, const char *term, struct pd_goods_rule_rec *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, term);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_GOODS_GET,
                             "SELECT " GOODS_COLS GOODS_FROM
                             " WHERE " TERM_KEY("g.term") " = " TERM_KEY("$1::text"),
                             &p, &qs);
    if (!r)
        return qs;
    if (qs > 0)
        qs = rule_row(r, 0, out);
    PQclear(r);
    return qs;
}

/* $1 term … $8 updated_by, the order both writing statements use. */
static void rule_params(struct pd__pg_params *p, const struct pd_goods_rule_rec *r)
{
    pd__pg_p_text(p, r->term);
    pd__pg_p_text(p, r->category);
    pd__pg_p_text(p, pd_goods_level_name((enum pd_goods_level)r->level));
    pd__pg_p_text(p, r->condition);
    pd__pg_p_text(p, r->note);
    pd__pg_p_bool(p, r->active);
    pd__pg_p_i64(p, r->updated_ms);
    if (r->updated_by > 0)
        pd__pg_p_i64(p, r->updated_by);
    else
        pd__pg_p_text(p, NULL); /* the system: NULL keeps the foreign key */
}

static bool level_ok(int level)
{
    return level == PD_GOODS_PROHIBITED || level == PD_GOODS_RESTRICTED;
}

#define GOODS_INSERT                                                                               \
    "INSERT INTO goods_rules (term, category, level, condition, note, active, updated_ms,"         \
    " updated_by) VALUES ($1::text, $2::text, $3::text, $4::text, $5::text, $6::boolean,"          \
    " $7::bigint, $8::bigint) ON CONFLICT (" TERM_KEY("term") ")"

pd_qs pd__pg_goods_rule_upsert(pd_db *db, struct pd_goods_rule_rec *r, bool *created)
{
    *created = false;
    if (PD_BREAK(level_ok(r->level)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    rule_params(&p, r);
    pd_qs qs;
    /* xmax is 0 on a row version this statement inserted, and the locking
     * transaction's id on one it updated: the usual way to tell the two
     * apart in one round trip. */
    PGresult *res = pd__pg_run(C(db), PD_PG_GOODS_UPSERT,
                               GOODS_INSERT " DO UPDATE SET term = EXCLUDED.term,"
                                            " category = EXCLUDED.category, level = EXCLUDED.level,"
                                            " condition = EXCLUDED.condition, note = EXCLUDED.note,"
                                            " active = EXCLUDED.active,"
                                            " updated_ms = EXCLUDED.updated_ms,"
                                            " updated_by = EXCLUDED.updated_by"
                                            " RETURNING id, xmax = 0",
                               &p, &qs);
    if (!res)
        return qs;
    if (PD_BREAK(qs == PD_QS_ONE)) {
        PQclear(res);
        return PD_QS_HARD;
    }
    r->id = pd__pg_i64(res, 0, 0);
    *created = pd__pg_bool(res, 0, 1);
    PQclear(res);
    return PD_QS_ONE;
}

pd_qs pd__pg_goods_rule_insert_new(pd_db *db, struct pd_goods_rule_rec *r)
{
    if (PD_BREAK(level_ok(r->level)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    rule_params(&p, r);
    pd_qs qs;
    PGresult *res =
        pd__pg_run(C(db), PD_PG_GOODS_INSERT_NEW, GOODS_INSERT " DO NOTHING RETURNING id", &p, &qs);
    if (!res)
        return qs;
    if (qs > 0)
        r->id = pd__pg_i64(res, 0, 0);
    PQclear(res);
    return qs > 0 ? PD_QS_ONE : PD_QS_NONE;
}

pd_qs pd__pg_goods_stamp(pd_db *db, struct pd_goods_stamp *out)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_GOODS_STAMP,
        "SELECT version, (SELECT count(*) FROM goods_rules) FROM goods_list_stamp WHERE id = 1",
        NULL, &qs);
    if (!r)
        return qs;
    memset(out, 0, sizeof *out);
    if (qs > 0) {
        out->version = pd__pg_i64(r, 0, 0);
        out->count = pd__pg_i64(r, 0, 1);
    } else {
        qs = PD_QS_HARD; /* the migration inserts the row: a broken schema */
    }
    PQclear(r);
    return qs;
}
