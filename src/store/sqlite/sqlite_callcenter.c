/*
 * SQLite queries of the call centre's queue log (migrations/sqlite/
 * 010_callcenter.sql says why the table looks as it does). cc_log_insert is
 * the import's hot path, written like scan_insert: one cached INSERT … ON
 * CONFLICT DO NOTHING per line, text bound in place, and sqlite3_changes()
 * telling a stored line from a duplicate — safe because the caller's write
 * transaction makes this connection the only writer. cc_log_stream is one
 * ranged read in (at_ms, id) order, stepped row by row into the caller's
 * fold, so a month of lines is never held in memory.
 */
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/log.h"

#define C(db) ((struct pd__sq_conn *)(db))

static void bind_slice(sqlite3_stmt *s, int i, struct pd_ql_str v)
{
    sqlite3_bind_text(s, i, v.n ? v.p : "", (int)v.n, SQLITE_STATIC);
}

pd_qs pd__sq_cc_log_insert(pd_db *db, const struct pd_ql_row *rows, int n, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(n >= 0 && (n == 0 || (rows && dup))))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_LOG_INSERT,
        "INSERT INTO cc_queue_log (at_ms, line_hash, occurrence, callid, queue, agent, event,"
        " data) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING");
    if (!s)
        return PD_QS_HARD;
    int written = 0;
    for (int i = 0; i < n; i++) {
        const struct pd_ql_row *r = &rows[i];
        pd__sq_i64(s, 1, r->at_ms);
        pd__sq_i64(s, 2, (int64_t)r->hash);
        pd__sq_i64(s, 3, r->occurrence);
        bind_slice(s, 4, r->callid);
        bind_slice(s, 5, r->queue);
        bind_slice(s, 6, r->agent);
        bind_slice(s, 7, r->event);
        bind_slice(s, 8, r->data);
        int rc = sqlite3_step(s);
        sqlite3_reset(s);
        if (rc != SQLITE_DONE) {
            pd_qs qs = pd__sq_fail(c, rc, "cc_log_insert");
            pd__sq_done(s);
            return qs;
        }
        dup[i] = sqlite3_changes(c->h) == 0;
        written += !dup[i];
    }
    sqlite3_clear_bindings(s); /* no pointer into the caller's rows stays behind */
    return (pd_qs)written;
}

static struct pd_ql_str col(sqlite3_stmt *s, int i)
{
    const char *p = (const char *)sqlite3_column_text(s, i);
    return (struct pd_ql_str){p ? p : "", p ? (size_t)sqlite3_column_bytes(s, i) : 0};
}

pd_qs pd__sq_cc_log_stream(pd_db *db, int64_t from_ms, int64_t to_ms,
                           int (*cb)(void *cls, const struct pd_ql_line *l), void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CC_LOG_STREAM,
                    "SELECT at_ms, callid, queue, agent, event, data FROM cc_queue_log"
                    " WHERE at_ms >= ?1 AND at_ms < ?2 ORDER BY at_ms, id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, from_ms);
    pd__sq_i64(s, 2, to_ms);
    int64_t count = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct pd_ql_line l;
        pd_ql_line_set(&l, sqlite3_column_int64(s, 0), col(s, 1), col(s, 2), col(s, 3), col(s, 4),
                       col(s, 5));
        count++;
        if (cb(cls, &l))
            break;
    }
    pd_qs qs =
        rc == SQLITE_ROW || rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, "cc_log_stream");
    pd__sq_done(s);
    return qs;
}
