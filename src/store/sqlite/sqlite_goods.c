/*
 * SQLite queries of the prohibited/restricted goods list (禁寄/限寄物品) and
 * its stamp. Terms are compared through the column's NOCASE collation,
 * which folds exactly the ASCII letters, as the matcher does; lists are
 * ordered by the term's bytes (COLLATE BINARY) so both backends agree.
 * Upserts run inside the caller's write transaction, where BEGIN IMMEDIATE
 * makes this connection the only writer: "update, else insert" cannot race.
 */
#include <string.h>

#include "core/screening.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

#define GOODS_COLS                                                                                 \
    "g.id, g.term, g.category, g.level, g.condition, g.note, g.active, g.updated_ms, "             \
    "COALESCE(g.updated_by, 0), COALESCE(u.username, '')"
#define GOODS_FROM " FROM goods_rules g LEFT JOIN users u ON u.id = g.updated_by"

static pd_qs rule_row(sqlite3_stmt *s, struct pd_goods_rule_rec *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, r->term, sizeof r->term);
    pd__sq_col(s, 2, r->category, sizeof r->category);
    const char *level = (const char *)sqlite3_column_text(s, 3);
    pd__sq_col(s, 4, r->condition, sizeof r->condition);
    pd__sq_col(s, 5, r->note, sizeof r->note);
    r->active = sqlite3_column_int(s, 6) != 0;
    r->updated_ms = sqlite3_column_int64(s, 7);
    r->updated_by = sqlite3_column_int64(s, 8);
    pd__sq_col(s, 9, r->updated_by_name, sizeof r->updated_by_name);
    bool prohibited = level && !strcmp(level, "prohibited");
    bool restricted = level && !strcmp(level, "restricted");
    if (PD_BREAK(prohibited || restricted)) /* the table's CHECK allows nothing else */
        return PD_QS_HARD;
    r->level = prohibited ? PD_GOODS_PROHIBITED : PD_GOODS_RESTRICTED;
    return PD_QS_ONE;
}

pd_qs pd__sq_goods_rule_list(pd_db *db, pd_goods_rule_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_GOODS_LIST, "SELECT " GOODS_COLS GOODS_FROM " ORDER BY g.term COLLATE BINARY");
    if (!s)
        return PD_QS_HARD;
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    struct pd_goods_rule_rec r;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        qs = rule_row(s, &r);
        if (qs < 0)
            break;
        int cr = cb(cls, &r);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "goods_rule_list");
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_goods_rule_get(pd_db *db, const char *term, struct pd_goods_rule_rec *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_GOODS_GET, "SELECT " GOODS_COLS GOODS_FROM " WHERE g.term = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, term);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? rule_row(s, out)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "goods_rule_get");
    pd__sq_done(s);
    return qs;
}

/* Binds ?1 term … ?8 updated_by, the order both writing statements use. */
static void bind_rule(sqlite3_stmt *s, const struct pd_goods_rule_rec *r)
{
    pd__sq_text(s, 1, r->term);
    pd__sq_text(s, 2, r->category);
    pd__sq_text(s, 3, pd_goods_level_name((enum pd_goods_level)r->level));
    pd__sq_text(s, 4, r->condition);
    pd__sq_text(s, 5, r->note);
    sqlite3_bind_int(s, 6, r->active ? 1 : 0);
    pd__sq_i64(s, 7, r->updated_ms);
    if (r->updated_by > 0)
        pd__sq_i64(s, 8, r->updated_by);
    else
        sqlite3_bind_null(s, 8); /* the system: NULL keeps the foreign key */
}

/* Step a writing statement with RETURNING id: PD_QS_ONE with *id, or
 * PD_QS_NONE when it wrote nothing. */
static pd_qs step_returning(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what, int64_t *id)
{
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        *id = sqlite3_column_int64(s, 0);
        rc = sqlite3_step(s);
        qs = rc == SQLITE_DONE ? PD_QS_ONE : pd__sq_fail(c, rc, what);
    } else {
        qs = rc == SQLITE_DONE ? PD_QS_NONE : pd__sq_fail(c, rc, what);
    }
    pd__sq_done(s);
    return qs;
}

static bool level_ok(int level)
{
    return level == PD_GOODS_PROHIBITED || level == PD_GOODS_RESTRICTED;
}

pd_qs pd__sq_goods_rule_upsert(pd_db *db, struct pd_goods_rule_rec *r, bool *created)
{
    struct pd__sq_conn *c = C(db);
    *created = false;
    if (PD_BREAK(level_ok(r->level)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_GOODS_UPSERT,
                                  "UPDATE goods_rules SET term = ?1, category = ?2, level = ?3,"
                                  " condition = ?4, note = ?5, active = ?6, updated_ms = ?7,"
                                  " updated_by = ?8 WHERE term = ?1 RETURNING id");
    if (!s)
        return PD_QS_HARD;
    bind_rule(s, r);
    pd_qs qs = step_returning(c, s, "goods_rule_upsert", &r->id);
    if (qs != PD_QS_NONE)
        return qs;
    qs = pd__sq_goods_rule_insert_new(db, r);
    if (qs == PD_QS_NONE) /* cannot happen: the update above found no such term */
        return PD_QS_HARD;
    *created = qs == PD_QS_ONE;
    return qs;
}

pd_qs pd__sq_goods_rule_insert_new(pd_db *db, struct pd_goods_rule_rec *r)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(level_ok(r->level)))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_GOODS_INSERT_NEW,
        "INSERT INTO goods_rules (term, category, level, condition, note, active, updated_ms,"
        " updated_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (term) DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    bind_rule(s, r);
    return step_returning(c, s, "goods_rule_insert_new", &r->id);
}

pd_qs pd__sq_goods_stamp(pd_db *db, struct pd_goods_stamp *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_GOODS_STAMP,
        "SELECT version, (SELECT count(*) FROM goods_rules) FROM goods_list_stamp WHERE id = 1");
    if (!s)
        return PD_QS_HARD;
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        out->version = sqlite3_column_int64(s, 0);
        out->count = sqlite3_column_int64(s, 1);
        qs = PD_QS_ONE;
    } else {
        /* The migration inserts the row: its absence is a broken schema. */
        qs = rc == SQLITE_DONE ? PD_QS_HARD : pd__sq_fail(c, rc, "goods_stamp");
    }
    pd__sq_done(s);
    return qs;
}
