/*
 * PostgreSQL queries of the call centre's queue log (migrations/pg/
 * 010_callcenter.sql). cc_log_insert sends a whole batch as one statement:
 * eight arrays unnested WITH ORDINALITY and inserted in that order (so ids,
 * and with them the order of lines within a second, follow the input),
 * ON CONFLICT on the (at_ms, line_hash, occurrence) key DO NOTHING, and
 * RETURNING names the rows written; every other row is a duplicate.
 * cc_log_stream reads the period in pages of STREAM_PAGE lines by keyset on
 * (at_ms, id), so that a month is never one result held in memory.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/pg/pg_int.h"
#include "util/buf.h"
#include "util/log.h"

#define C(db)       ((struct pd__pg_conn *)(db))
#define STREAM_PAGE 20000

enum { A_AT, A_HASH, A_OCC, A_CALLID, A_QUEUE, A_AGENT, A_EVENT, A_DATA, A__COUNT };

/* An element of a text[] literal: always quoted, '"' and '\' escaped. */
static void arr_slice(pd_buf *b, struct pd_ql_str v)
{
    pd_buf_putc(b, b->len ? ',' : '{');
    pd_buf_putc(b, '"');
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] == '"' || v.p[i] == '\\')
            pd_buf_putc(b, '\\');
        pd_buf_putc(b, v.p[i]);
    }
    pd_buf_putc(b, '"');
}

static void arr_i64(pd_buf *b, int64_t v)
{
    pd_buf_putc(b, b->len ? ',' : '{');
    pd_buf_i64(b, v);
}

/* Index of the row with this key among rows[0..n), or -1. */
static int row_of(const struct pd_ql_row *rows, int n, int64_t at, int64_t h, int occ, int hint)
{
    for (int k = 0; k < n; k++) {
        int i = (hint + k) % n;
        if (rows[i].at_ms == at && (int64_t)rows[i].hash == h && rows[i].occurrence == occ)
            return i;
    }
    return -1;
}

pd_qs pd__pg_cc_log_insert(pd_db *db, const struct pd_ql_row *rows, int n, bool *dup)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(n >= 0 && (n == 0 || (rows && dup))))
        return PD_QS_HARD;
    if (n == 0)
        return PD_QS_NONE;
    pd_buf a[A__COUNT];
    for (int j = 0; j < A__COUNT; j++)
        pd_buf_init(&a[j]);
    for (int i = 0; i < n; i++) {
        const struct pd_ql_row *r = &rows[i];
        dup[i] = true; /* until RETURNING names it */
        arr_i64(&a[A_AT], r->at_ms);
        arr_i64(&a[A_HASH], (int64_t)r->hash);
        arr_i64(&a[A_OCC], r->occurrence);
        arr_slice(&a[A_CALLID], r->callid);
        arr_slice(&a[A_QUEUE], r->queue);
        arr_slice(&a[A_AGENT], r->agent);
        arr_slice(&a[A_EVENT], r->event);
        arr_slice(&a[A_DATA], r->data);
    }
    struct pd__pg_params p = {0};
    bool oom = false;
    for (int j = 0; j < A__COUNT; j++) {
        pd_buf_putc(&a[j], '}');
        oom |= a[j].oom;
        pd__pg_p_text(&p, a[j].data);
    }
    pd_qs qs = PD_QS_HARD;
    if (oom) {
        pd_error("postgresql: cc_log_insert of %d lines: out of memory", n);
        goto out;
    }
    PGresult *res = pd__pg_run(
        c, PD_PG_CC_LOG_INSERT,
        "INSERT INTO cc_queue_log (at_ms, line_hash, occurrence, callid, queue, agent, event,"
        " data) SELECT at_ms, line_hash, occurrence, callid, queue, agent, event, data"
        " FROM unnest($1::bigint[], $2::bigint[], $3::integer[], $4::text[], $5::text[],"
        " $6::text[], $7::text[], $8::text[]) WITH ORDINALITY"
        " AS t(at_ms, line_hash, occurrence, callid, queue, agent, event, data, ord)"
        " ORDER BY ord ON CONFLICT (at_ms, line_hash, occurrence) DO NOTHING"
        " RETURNING at_ms, line_hash, occurrence",
        &p, &qs);
    if (!res)
        goto out;
    int written = PQntuples(res);
    int hint = 0;
    for (int k = 0; k < written; k++) {
        int i = row_of(rows, n, pd__pg_i64(res, k, 0), pd__pg_i64(res, k, 1),
                       (int)pd__pg_i64(res, k, 2), hint);
        if (PD_BREAK(i >= 0)) {
            PQclear(res);
            qs = PD_QS_HARD;
            goto out;
        }
        dup[i] = false;
        hint = i + 1;
    }
    PQclear(res);
    qs = (pd_qs)written;
out:
    for (int j = 0; j < A__COUNT; j++)
        pd_buf_free(&a[j]);
    return qs;
}

static struct pd_ql_str col(const PGresult *r, int row, int i)
{
    return (struct pd_ql_str){PQgetvalue(r, row, i), (size_t)PQgetlength(r, row, i)};
}

pd_qs pd__pg_cc_log_stream(pd_db *db, int64_t from_ms, int64_t to_ms,
                           int (*cb)(void *cls, const struct pd_ql_line *l), void *cls)
{
    struct pd__pg_conn *c = C(db);
    int64_t after_at = from_ms - 1, after_id = INT64_MAX, count = 0;
    for (;;) {
        struct pd__pg_params p = {0};
        pd__pg_p_i64(&p, after_at);
        pd__pg_p_i64(&p, after_id);
        pd__pg_p_i64(&p, to_ms);
        pd__pg_p_i64(&p, STREAM_PAGE);
        pd_qs qs;
        PGresult *res =
            pd__pg_run(c, PD_PG_CC_LOG_STREAM,
                       "SELECT at_ms, callid, queue, agent, event, data, id FROM cc_queue_log"
                       " WHERE (at_ms, id) > ($1, $2) AND at_ms < $3 ORDER BY at_ms, id LIMIT $4",
                       &p, &qs);
        if (!res)
            return qs;
        int rows = PQntuples(res);
        for (int k = 0; k < rows; k++) {
            struct pd_ql_line l;
            pd_ql_line_set(&l, pd__pg_i64(res, k, 0), col(res, k, 1), col(res, k, 2),
                           col(res, k, 3), col(res, k, 4), col(res, k, 5));
            count++;
            if (cb(cls, &l)) {
                PQclear(res);
                return (pd_qs)count;
            }
        }
        if (rows > 0) {
            after_at = pd__pg_i64(res, rows - 1, 0);
            after_id = pd__pg_i64(res, rows - 1, 6);
        }
        PQclear(res);
        if (rows < STREAM_PAGE)
            return (pd_qs)count;
    }
}
