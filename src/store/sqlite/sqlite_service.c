/*
 * SQLite queries of the service desk, part B (store_service.h; migrations/
 * sqlite/013_service.sql): problem parcels in full (actions, contacts,
 * evidence rows, compensation cases, the monthly statistics, the exception
 * scans the stale-parcel job's round reads through the partial index
 * scans_exceptions, and its cursor), the knowledge base, and shift
 * handovers.
 *
 * Knowledge-base search. Terms of three characters or more go to the FTS5
 * trigram index as one MATCH expression of quoted phrases (implicit AND);
 * shorter ones (core/kb.h) cannot be looked up there and are matched with
 * LIKE over the article's text — the whole search is a LIKE scan when every
 * term is short. The score is computed in SQL with the formula
 * store_service.h states, identically in pg_service.c, so both backends
 * rank alike; FTS5's bm25 is not used for that reason (it ranks trigram
 * tokens, which PostgreSQL has no counterpart of).
 *
 * Scoping is the byte range on the node path, as in sqlite_orders.c.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/kb.h"
#include "store/sqlite/sqlite_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__sq_conn *)(db))

/* Optional references are NULL in the database and 0 in the struct. */
static void bind_ref(sqlite3_stmt *s, int i, int64_t id)
{
    if (id > 0)
        sqlite3_bind_int64(s, i, id);
    else
        sqlite3_bind_null(s, i);
}

/* Step a listing, handing each row to @p row (which calls the callback). */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                      int (*row)(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls),
                      void *cb, void *cls)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int r = row(c, s, cb, cls);
        if (r < 0) {
            qs = (pd_qs)r;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

/* Step an INSERT … RETURNING id: *id filled on a row; PD_QS_NONE when the
 * conflict clause wrote nothing. */
static pd_qs insert_returning(struct pd__sq_conn *c, sqlite3_stmt *s, int64_t *id, const char *what)
{
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, what);
    if (qs == PD_QS_ONE)
        *id = sqlite3_column_int64(s, 0);
    pd__sq_done(s);
    return qs;
}

/* ---- problem parcels: the job's exception scans ----------------------------------- */

pd_qs pd__sq_problem_open_scan(pd_db *db, struct pd_problem *p, const char *device_id,
                               int64_t device_seq, bool *opened)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(p->type[0] && p->waybill_no[0] && p->node_id > 0 && device_id && device_id[0]))
        return PD_QS_HARD;
    *opened = false;
    char key[PD_PROBLEM_SCAN_SIZE];
    snprintf(key, sizeof key, "%s/%lld", device_id, (long long)device_seq);
    /* No conflict target: both the open-once rule (problem_parcels_open)
     * and the once-per-scan rule (problem_parcels_scan) make it a no-op. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_OPEN_SCAN,
        "INSERT INTO problem_parcels (waybill_no, type, source, node_id, state, opened_ms,"
        " reason, note, source_scan, updated_ms) VALUES (?1, ?2, 'auto', ?3, 'open', ?4, ?5, '',"
        " ?6, ?4) ON CONFLICT DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, p->waybill_no);
    pd__sq_text(s, 2, p->type);
    pd__sq_i64(s, 3, p->node_id);
    pd__sq_i64(s, 4, p->opened_ms);
    pd__sq_text(s, 5, p->reason);
    pd__sq_text(s, 6, key);
    pd_qs qs = insert_returning(c, s, &p->id, "problem_open_scan");
    if (qs == PD_QS_ONE) {
        p->state = PD_PROBLEM_OPEN;
        p->source = PD_PROBLEM_SOURCE_AUTO;
        *opened = true;
    }
    return qs < 0 ? qs : PD_QS_ONE;
}

static int exc_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)c;
    struct pd_exception_scan e;
    memset(&e, 0, sizeof e);
    pd__sq_col(s, 0, e.waybill_no, sizeof e.waybill_no);
    pd__sq_col(s, 1, e.device_id, sizeof e.device_id);
    e.device_seq = sqlite3_column_int64(s, 2);
    e.received_ms = sqlite3_column_int64(s, 3);
    e.at_ms = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, e.node_code, sizeof e.node_code);
    pd__sq_col(s, 6, e.reason, sizeof e.reason);
    e.node_id = sqlite3_column_int64(s, 7);
    int r = ((pd_exception_scan_cb)cb)(cls, &e);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_problem_exception_scans(pd_db *db, const struct pd_exception_scan_filter *f,
                                     pd_exception_scan_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* type = 'exception' as in the partial index scans_exceptions, whose
     * order (received_ms, device_id, device_seq) is the keyset's. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_EXC_SCANS,
        "SELECT s.waybill_no, s.device_id, s.device_seq, s.received_ms, s.at_ms, s.node_code,"
        " s.reason, COALESCE((SELECT n.id FROM nodes n WHERE n.code = s.node_code"
        " AND s.node_code <> ''), (SELECT w.node_id FROM waybills w"
        " WHERE w.waybill_no = s.waybill_no), 0)"
        " FROM scans s WHERE s.type = 'exception' AND s.received_ms < ?1"
        " AND (s.received_ms, s.device_id, s.device_seq) > (?2, ?3, ?4) AND s.device_id <> ?5"
        " ORDER BY s.received_ms, s.device_id, s.device_seq LIMIT ?6");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, f->before_ms);
    pd__sq_i64(s, 2, f->after_ms);
    pd__sq_text(s, 3, f->after_device ? f->after_device : "");
    pd__sq_i64(s, 4, f->after_seq);
    pd__sq_text(s, 5, f->skip_device ? f->skip_device : "");
    sqlite3_bind_int(s, 6, pd__list_limit(f->limit));
    return each_row(c, s, "problem_exception_scans", exc_row, (void *)cb, cls);
}

pd_qs pd__sq_job_cursor_get(pd_db *db, const char *name, struct pd_job_cursor *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SVC_CURSOR_GET,
                    "SELECT at_ms, key_text, key_seq FROM job_cursors WHERE name = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, name);
    memset(out, 0, sizeof *out);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "job_cursor_get");
    if (qs == PD_QS_ONE) {
        out->at_ms = sqlite3_column_int64(s, 0);
        pd__sq_col(s, 1, out->key_text, sizeof out->key_text);
        out->key_seq = sqlite3_column_int64(s, 2);
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_job_cursor_put(pd_db *db, const char *name, const struct pd_job_cursor *cur)
{
    struct pd__sq_conn *c = C(db);
    /* Never backwards: two servers finishing rounds out of order keep the later key. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_CURSOR_PUT,
        "INSERT INTO job_cursors (name, at_ms, key_text, key_seq, updated_ms)"
        " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (name) DO UPDATE SET at_ms = excluded.at_ms,"
        " key_text = excluded.key_text, key_seq = excluded.key_seq,"
        " updated_ms = excluded.updated_ms WHERE (excluded.at_ms, excluded.key_text,"
        " excluded.key_seq) > (job_cursors.at_ms, job_cursors.key_text, job_cursors.key_seq)");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, name);
    pd__sq_i64(s, 2, cur->at_ms);
    pd__sq_text(s, 3, cur->key_text);
    pd__sq_i64(s, 4, cur->key_seq);
    pd__sq_i64(s, 5, pd_now_ms());
    pd_qs qs = pd__sq_exec(c, s, "job_cursor_put");
    return qs < 0 ? qs : PD_QS_ONE;
}

/* ---- problem parcels: what 013 added ---------------------------------------------- */

#define MORE_COLS                                                                                  \
    PD_SQ_PROBLEM_COLS ", p.root_cause, p.resolution, COALESCE(p.source_scan, ''), p.updated_ms"
#define MORE_FROM " FROM problem_parcels p JOIN nodes n ON n.id = p.node_id"

static pd_qs more_row(struct pd__sq_conn *c, sqlite3_stmt *s, struct pd_problem *p,
                      struct pd_problem_more *m)
{
    pd_qs qs = pd__sq_problem_row(c, s, p);
    if (qs < 0)
        return qs;
    memset(m, 0, sizeof *m);
    int k = PD_SQ_PROBLEM_NCOLS;
    pd__sq_col(s, k, m->root_cause, sizeof m->root_cause);
    pd__sq_col(s, k + 1, m->resolution, sizeof m->resolution);
    pd__sq_col(s, k + 2, m->source_scan, sizeof m->source_scan);
    m->updated_ms = sqlite3_column_int64(s, k + 3);
    return PD_QS_ONE;
}

pd_qs pd__sq_problem_more_get(pd_db *db, int64_t id, struct pd_problem *p,
                              struct pd_problem_more *m)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SVC_MORE_GET, "SELECT " MORE_COLS MORE_FROM " WHERE p.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? more_row(c, s, p, m)
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "problem_more_get");
    pd__sq_done(s);
    return qs;
}

static int more_cb_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_problem p;
    struct pd_problem_more m;
    pd_qs qs = more_row(c, s, &p, &m);
    if (qs < 0)
        return (int)qs;
    int r = ((pd_problem_more_cb)cb)(cls, &p, &m);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_problem_list_more(pd_db *db, const struct pd_problem_filter *f, pd_problem_more_cb cb,
                               void *cls)
{
    struct pd__sq_conn *c = C(db);
    static const char *const states[] = {
        [PD_PROBLEM_OPEN] = "open", [PD_PROBLEM_CLOSED] = "closed"};
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state == -1 || f->state == PD_PROBLEM_OPEN || f->state == PD_PROBLEM_CLOSED))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_LIST_MORE,
        "SELECT " MORE_COLS MORE_FROM " WHERE n.path >= ?1 AND n.path < ?2"
        " AND (?3 IS NULL OR p.state = ?3) AND (?4 IS NULL OR p.type = ?4)"
        " AND (?5 IS NULL OR p.waybill_no = ?5) AND p.id < ?6 ORDER BY p.id DESC LIMIT ?7");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_text(s, 3, f->state >= 0 ? states[f->state] : NULL);
    pd__sq_opt(s, 4, f->type);
    pd__sq_opt(s, 5, f->waybill_no);
    pd__sq_i64(s, 6, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 7, pd__list_limit(f->limit));
    return each_row(c, s, "problem_list_more", more_cb_row, (void *)cb, cls);
}

pd_qs pd__sq_problem_touch(pd_db *db, int64_t id, const char *resolution, const char *root_cause,
                           int64_t at_ms)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SVC_TOUCH,
                    "UPDATE problem_parcels SET resolution = COALESCE(?2, resolution),"
                    " root_cause = COALESCE(?3, root_cause), updated_ms = ?4"
                    " WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_text(s, 2, resolution);
    pd__sq_text(s, 3, root_cause);
    pd__sq_i64(s, 4, at_ms);
    return pd__sq_exec(c, s, "problem_touch");
}

/* ---- actions, contacts, evidence, compensation cases ------------------------------ */

pd_qs pd__sq_problem_action_insert(pd_db *db, struct pd_problem_action_rec *a)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(a->problem_id > 0 && a->action[0]))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_ACTION_INSERT,
        "INSERT INTO problem_actions (problem_id, action, at_ms, by_user, note, address,"
        " amount_fen, case_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, a->problem_id);
    pd__sq_text(s, 2, a->action);
    pd__sq_i64(s, 3, a->at_ms);
    bind_ref(s, 4, a->by_user);
    pd__sq_text(s, 5, a->note);
    pd__sq_text(s, 6, a->address);
    pd__sq_i64(s, 7, a->amount_fen);
    bind_ref(s, 8, a->case_id);
    pd_qs qs = insert_returning(c, s, &a->id, "problem_action_insert");
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

static int action_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)c;
    struct pd_problem_action_rec a;
    memset(&a, 0, sizeof a);
    a.id = sqlite3_column_int64(s, 0);
    a.problem_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, a.action, sizeof a.action);
    a.at_ms = sqlite3_column_int64(s, 3);
    a.by_user = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, a.by_name, sizeof a.by_name);
    pd__sq_col(s, 6, a.note, sizeof a.note);
    pd__sq_col(s, 7, a.address, sizeof a.address);
    a.amount_fen = sqlite3_column_int64(s, 8);
    a.case_id = sqlite3_column_int64(s, 9);
    int r = ((pd_problem_action_cb)cb)(cls, &a);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_problem_action_list(pd_db *db, int64_t problem_id, pd_problem_action_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_ACTION_LIST,
        "SELECT a.id, a.problem_id, a.action, a.at_ms, COALESCE(a.by_user, 0),"
        " COALESCE(u.username, ''), a.note, a.address, a.amount_fen, COALESCE(a.case_id, 0)"
        " FROM problem_actions a LEFT JOIN users u ON u.id = a.by_user"
        " WHERE a.problem_id = ?1 ORDER BY a.id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, problem_id);
    return each_row(c, s, "problem_action_list", action_row, (void *)cb, cls);
}

pd_qs pd__sq_problem_contact_insert(pd_db *db, struct pd_problem_contact *ct)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(ct->problem_id > 0 && ct->party[0] && ct->channel[0] && ct->outcome[0]))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_CONTACT_INSERT,
        "INSERT INTO problem_contacts (problem_id, at_ms, party, channel, outcome, note, by_user,"
        " recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, ct->problem_id);
    pd__sq_i64(s, 2, ct->at_ms);
    pd__sq_text(s, 3, ct->party);
    pd__sq_text(s, 4, ct->channel);
    pd__sq_text(s, 5, ct->outcome);
    pd__sq_text(s, 6, ct->note);
    bind_ref(s, 7, ct->by_user);
    pd__sq_i64(s, 8, ct->recorded_ms);
    pd_qs qs = insert_returning(c, s, &ct->id, "problem_contact_insert");
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

static int contact_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)c;
    struct pd_problem_contact ct;
    memset(&ct, 0, sizeof ct);
    ct.id = sqlite3_column_int64(s, 0);
    ct.problem_id = sqlite3_column_int64(s, 1);
    ct.at_ms = sqlite3_column_int64(s, 2);
    pd__sq_col(s, 3, ct.party, sizeof ct.party);
    pd__sq_col(s, 4, ct.channel, sizeof ct.channel);
    pd__sq_col(s, 5, ct.outcome, sizeof ct.outcome);
    pd__sq_col(s, 6, ct.note, sizeof ct.note);
    ct.by_user = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, ct.by_name, sizeof ct.by_name);
    ct.recorded_ms = sqlite3_column_int64(s, 9);
    int r = ((pd_problem_contact_cb)cb)(cls, &ct);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_problem_contact_list(pd_db *db, int64_t problem_id, pd_problem_contact_cb cb,
                                  void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SVC_CONTACT_LIST,
                    "SELECT k.id, k.problem_id, k.at_ms, k.party, k.channel, k.outcome, k.note,"
                    " COALESCE(k.by_user, 0), COALESCE(u.username, ''), k.recorded_ms"
                    " FROM problem_contacts k LEFT JOIN users u ON u.id = k.by_user"
                    " WHERE k.problem_id = ?1 ORDER BY k.id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, problem_id);
    return each_row(c, s, "problem_contact_list", contact_row, (void *)cb, cls);
}

pd_qs pd__sq_problem_evidence_insert(pd_db *db, struct pd_problem_evidence *e)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(e->problem_id > 0 && e->file_name[0] && e->size_bytes > 0))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_EVIDENCE_INSERT,
        "INSERT INTO problem_evidence (problem_id, file_name, content_type, size_bytes, sha256,"
        " uploaded_by, uploaded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, e->problem_id);
    pd__sq_text(s, 2, e->file_name);
    pd__sq_text(s, 3, e->content_type);
    pd__sq_i64(s, 4, e->size_bytes);
    pd__sq_text(s, 5, e->sha256);
    bind_ref(s, 6, e->uploaded_by);
    pd__sq_i64(s, 7, e->uploaded_ms);
    pd_qs qs = insert_returning(c, s, &e->id, "problem_evidence_insert");
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

#define EVIDENCE_SELECT                                                                            \
    "SELECT e.id, e.problem_id, e.file_name, e.content_type, e.size_bytes, e.sha256,"              \
    " COALESCE(e.uploaded_by, 0), COALESCE(u.username, ''), e.uploaded_ms"                         \
    " FROM problem_evidence e LEFT JOIN users u ON u.id = e.uploaded_by"

static void evidence_read(sqlite3_stmt *s, struct pd_problem_evidence *e)
{
    memset(e, 0, sizeof *e);
    e->id = sqlite3_column_int64(s, 0);
    e->problem_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, e->file_name, sizeof e->file_name);
    pd__sq_col(s, 3, e->content_type, sizeof e->content_type);
    e->size_bytes = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, e->sha256, sizeof e->sha256);
    e->uploaded_by = sqlite3_column_int64(s, 6);
    pd__sq_col(s, 7, e->uploaded_by_name, sizeof e->uploaded_by_name);
    e->uploaded_ms = sqlite3_column_int64(s, 8);
}

pd_qs pd__sq_problem_evidence_get(pd_db *db, int64_t id, struct pd_problem_evidence *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SVC_EVIDENCE_GET, EVIDENCE_SELECT " WHERE e.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW    ? PD_QS_ONE
               : rc == SQLITE_DONE ? PD_QS_NONE
                                   : pd__sq_fail(c, rc, "problem_evidence_get");
    if (qs == PD_QS_ONE)
        evidence_read(s, out);
    pd__sq_done(s);
    return qs;
}

static int evidence_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)c;
    struct pd_problem_evidence e;
    evidence_read(s, &e);
    int r = ((pd_problem_evidence_cb)cb)(cls, &e);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_problem_evidence_list(pd_db *db, int64_t problem_id, pd_problem_evidence_cb cb,
                                   void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SVC_EVIDENCE_LIST,
                                  EVIDENCE_SELECT " WHERE e.problem_id = ?1 ORDER BY e.id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, problem_id);
    return each_row(c, s, "problem_evidence_list", evidence_row, (void *)cb, cls);
}

pd_qs pd__sq_compensation_case_insert(pd_db *db, struct pd_compensation_case *cc, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(cc->problem_id > 0 && cc->amount_fen > 0 && cc->node_id > 0))
        return PD_QS_HARD;
    *dup = false;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_CASE_INSERT,
        "INSERT INTO compensation_cases (problem_id, waybill_no, node_id, amount_fen, state, note,"
        " created_ms, created_by) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7)"
        " ON CONFLICT (problem_id) WHERE state = 'open' DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, cc->problem_id);
    pd__sq_text(s, 2, cc->waybill_no);
    pd__sq_i64(s, 3, cc->node_id);
    pd__sq_i64(s, 4, cc->amount_fen);
    pd__sq_text(s, 5, cc->note);
    pd__sq_i64(s, 6, cc->created_ms);
    bind_ref(s, 7, cc->created_by);
    pd_qs qs = insert_returning(c, s, &cc->id, "compensation_case_insert");
    if (qs == PD_QS_NONE) {
        *dup = true;
        return PD_QS_ONE;
    }
    if (qs == PD_QS_ONE)
        snprintf(cc->state, sizeof cc->state, "open");
    return qs;
}

static int case_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)c;
    struct pd_compensation_case k;
    memset(&k, 0, sizeof k);
    k.id = sqlite3_column_int64(s, 0);
    k.problem_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, k.waybill_no, sizeof k.waybill_no);
    k.node_id = sqlite3_column_int64(s, 3);
    k.amount_fen = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, k.state, sizeof k.state);
    pd__sq_col(s, 6, k.note, sizeof k.note);
    k.created_ms = sqlite3_column_int64(s, 7);
    k.created_by = sqlite3_column_int64(s, 8);
    int r = ((pd_compensation_cb)cb)(cls, &k);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_compensation_case_list(pd_db *db, int64_t problem_id, pd_compensation_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_CASE_LIST,
        "SELECT id, problem_id, waybill_no, node_id, amount_fen, state, note, created_ms,"
        " COALESCE(created_by, 0) FROM compensation_cases WHERE problem_id = ?1 ORDER BY id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, problem_id);
    return each_row(c, s, "compensation_case_list", case_row, (void *)cb, cls);
}

static int stat_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    struct pd_problem_stat_row r;
    memset(&r, 0, sizeof r);
    pd__sq_col(s, 0, r.type, sizeof r.type);
    pd__sq_col(s, 1, r.node_code, sizeof r.node_code);
    pd__sq_col(s, 2, r.root_cause, sizeof r.root_cause);
    const char *st = (const char *)sqlite3_column_text(s, 3);
    if (!st || (strcmp(st, "open") != 0 && strcmp(st, "closed") != 0)) {
        snprintf(c->err, sizeof c->err, "problem state '%.16s'", st ? st : "");
        return PD_QS_HARD;
    }
    r.state = strcmp(st, "closed") == 0 ? PD_PROBLEM_CLOSED : PD_PROBLEM_OPEN;
    r.count = sqlite3_column_int64(s, 4);
    r.closed_ms_sum = sqlite3_column_int64(s, 5);
    int x = ((pd_problem_stat_cb)cb)(cls, &r);
    return x < 0 ? x : 0;
}

pd_qs pd__sq_problem_stats(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                           pd_problem_stat_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SVC_STATS,
                    "SELECT p.type, n.code, p.root_cause, p.state, count(*),"
                    " sum(CASE WHEN p.state = 'closed' THEN p.closed_ms - p.opened_ms ELSE 0 END)"
                    " FROM problem_parcels p JOIN nodes n ON n.id = p.node_id"
                    " WHERE p.opened_ms >= ?3 AND p.opened_ms < ?4 AND n.path >= ?1 AND n.path < ?2"
                    " GROUP BY p.type, n.code, p.root_cause, p.state ORDER BY 1, 2, 3, 4");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_i64(s, 3, from_ms);
    pd__sq_i64(s, 4, to_ms);
    return each_row(c, s, "problem_stats", stat_row, (void *)cb, cls);
}

/* ---- the knowledge base ---------------------------------------------------------- */

#define KB_COLS                                                                                    \
    "a.id, a.title, a.category, a.tags, a.status, COALESCE(a.author_id, 0),"                       \
    " COALESCE(ua.username, ''), COALESCE(a.updated_by, 0), COALESCE(ub.username, ''),"            \
    " a.created_ms, a.updated_ms, a.version"
#define KB_USERS                                                                                   \
    " LEFT JOIN users ua ON ua.id = a.author_id LEFT JOIN users ub ON ub.id = a.updated_by"

/* Read KB_COLS, then the body at column 12 when @p with_body, the score at 13 when @p scored. */
static pd_qs kb_read(struct pd__sq_conn *c, sqlite3_stmt *s, bool with_body, bool scored,
                     struct pd_kb_article *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, a->title, sizeof a->title);
    pd__sq_col(s, 2, a->category, sizeof a->category);
    pd__sq_col(s, 3, a->tags, sizeof a->tags);
    const char *st = (const char *)sqlite3_column_text(s, 4);
    if (st && !strcmp(st, "published"))
        a->status = PD_KB_PUBLISHED;
    else if (st && !strcmp(st, "draft"))
        a->status = PD_KB_DRAFT;
    else {
        snprintf(c->err, sizeof c->err, "article %lld has status '%.16s'", (long long)a->id,
                 st ? st : "");
        pd_error("sqlite: %s", c->err);
        return PD_QS_HARD;
    }
    a->author_id = sqlite3_column_int64(s, 5);
    pd__sq_col(s, 6, a->author_name, sizeof a->author_name);
    a->updated_by = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, a->updated_by_name, sizeof a->updated_by_name);
    a->created_ms = sqlite3_column_int64(s, 9);
    a->updated_ms = sqlite3_column_int64(s, 10);
    a->version = sqlite3_column_int(s, 11);
    if (with_body) {
        const char *b = (const char *)sqlite3_column_text(s, 12);
        a->body = b ? b : "";
    }
    if (scored)
        a->score = sqlite3_column_int64(s, 13);
    return PD_QS_ONE;
}

pd_qs pd__sq_kb_insert(pd_db *db, struct pd_kb_article *a)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(a->title[0] && a->body && a->body[0] && a->category[0]) ||
        PD_BREAK(a->status == PD_KB_DRAFT || a->status == PD_KB_PUBLISHED))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_KB_INSERT,
        "INSERT INTO kb_articles (title, body, category, tags, status, author_id, updated_by,"
        " created_ms, updated_ms, version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, ?7, 1)"
        " RETURNING id");
    if (!s)
        return PD_QS_HARD;
    a->created_ms = a->updated_ms = pd_now_ms();
    pd__sq_text(s, 1, a->title);
    pd__sq_text(s, 2, a->body);
    pd__sq_text(s, 3, a->category);
    pd__sq_text(s, 4, a->tags);
    pd__sq_text(s, 5, pd_kb_status_names[a->status]);
    bind_ref(s, 6, a->author_id);
    pd__sq_i64(s, 7, a->created_ms);
    pd_qs qs = insert_returning(c, s, &a->id, "kb_insert");
    if (qs == PD_QS_ONE) {
        a->version = 1;
        a->updated_by = a->author_id;
    }
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

pd_qs pd__sq_kb_get(pd_db *db, int64_t id, pd_kb_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_SVC_KB_GET,
                    "SELECT " KB_COLS ", a.body FROM kb_articles a" KB_USERS " WHERE a.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_NONE;
    if (rc == SQLITE_ROW) {
        struct pd_kb_article a;
        qs = kb_read(c, s, true, false, &a);
        if (qs > 0) {
            int r = cb(cls, &a);
            qs = r < 0 ? (pd_qs)r : PD_QS_ONE;
        }
    } else if (rc != SQLITE_DONE) {
        qs = pd__sq_fail(c, rc, "kb_get");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_kb_update(pd_db *db, const struct pd_kb_article *a, int expected_version)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(a->title[0] && a->body && a->body[0] && a->category[0]) ||
        PD_BREAK(a->status == PD_KB_DRAFT || a->status == PD_KB_PUBLISHED))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_KB_UPDATE,
        "UPDATE kb_articles SET title = ?2, body = ?3, category = ?4, tags = ?5, status = ?6,"
        " updated_by = ?7, updated_ms = ?8, version = version + 1 WHERE id = ?1 AND version = ?9");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, a->id);
    pd__sq_text(s, 2, a->title);
    pd__sq_text(s, 3, a->body);
    pd__sq_text(s, 4, a->category);
    pd__sq_text(s, 5, a->tags);
    pd__sq_text(s, 6, pd_kb_status_names[a->status]);
    bind_ref(s, 7, a->updated_by);
    pd__sq_i64(s, 8, pd_now_ms());
    sqlite3_bind_int(s, 9, expected_version);
    return pd__sq_exec(c, s, "kb_update");
}

pd_qs pd__sq_kb_delete(pd_db *db, int64_t id)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SVC_KB_DELETE, "DELETE FROM kb_articles WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return pd__sq_exec(c, s, "kb_delete");
}

struct kb_list_ctx {
    pd_kb_cb cb;
    void *cls;
    bool with_body, scored;
};

static int kb_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)cb;
    struct kb_list_ctx *k = cls;
    struct pd_kb_article a;
    pd_qs qs = kb_read(c, s, k->with_body, k->scored, &a);
    if (qs < 0)
        return (int)qs;
    int r = k->cb(k->cls, &a);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_kb_list(pd_db *db, const struct pd_kb_filter *f, pd_kb_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(f->status == -1 || f->status == PD_KB_DRAFT || f->status == PD_KB_PUBLISHED))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_KB_LIST,
        "SELECT " KB_COLS " FROM kb_articles a" KB_USERS
        " WHERE (?1 IS NULL OR a.status = ?1) AND (?2 IS NULL OR a.category = ?2) AND a.id < ?3"
        " ORDER BY a.id DESC LIMIT ?4");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, f->status >= 0 ? pd_kb_status_names[f->status] : NULL);
    pd__sq_opt(s, 2, f->category);
    pd__sq_i64(s, 3, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 4, pd__list_limit(f->limit));
    struct kb_list_ctx k = {.cb = cb, .cls = cls};
    return each_row(c, s, "kb_list", kb_row, NULL, &k);
}

/* clang-format off */
/* (its layout of these string-pasting macros does not settle from run to run) */
/* The score of one term slot ?N (store_service.h): 10 in the title, 5 in
 * the tags, its occurrences in the body up to 10. lower() folds ASCII only,
 * as the trigram tokenizer and LIKE do. */
#define TERM_SCORE(n)                                                                              \
    "(CASE WHEN ?" n " IS NULL THEN 0 ELSE (instr(lower(a.title), lower(?" n ")) > 0) * 10"        \
    " + (instr(lower(a.tags), lower(?" n ")) > 0) * 5 + min(10, (length(lower(a.body))"            \
    " - length(replace(lower(a.body), lower(?" n "), ''))) / length(?" n ")) END)"
#define SCORE                                                                                      \
    TERM_SCORE("1") " + " TERM_SCORE("2") " + " TERM_SCORE("3") " + " TERM_SCORE("4") " + "        \
    TERM_SCORE("5") " + " TERM_SCORE("6") " + " TERM_SCORE("7") " + " TERM_SCORE("8")
/* A short term's LIKE (pattern in slot ?N, NULL when the slot needs none). */
#define TERM_LIKE(n)                                                                               \
    " AND (?" n " IS NULL OR (a.title || ' ' || a.tags || ' ' || a.body) LIKE ?" n " ESCAPE '\\')"
#define LIKES                                                                                      \
    TERM_LIKE("9") TERM_LIKE("10") TERM_LIKE("11") TERM_LIKE("12")                                 \
    TERM_LIKE("13") TERM_LIKE("14") TERM_LIKE("15") TERM_LIKE("16")
/* clang-format on */
#define SEARCH_TAIL                                                                                \
    " AND (?17 IS NULL OR a.status = ?17) AND (?18 IS NULL OR a.category = ?18)"                   \
    " ORDER BY 14 DESC, a.updated_ms DESC, a.id DESC LIMIT ?19"

/* "%term%" with LIKE's wildcards and the escape character escaped. */
static void like_pattern(const char *term, char *out, size_t cap)
{
    size_t n = 0;
    out[n++] = '%';
    for (const char *p = term; *p && n + 3 < cap; p++) {
        if (*p == '%' || *p == '_' || *p == '\\')
            out[n++] = '\\';
        out[n++] = *p;
    }
    out[n++] = '%';
    out[n] = '\0';
}

pd_qs pd__sq_kb_search(pd_db *db, const struct pd_kb_query *q, pd_kb_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(q->n >= 1 && q->n <= PD_KB_SEARCH_TERMS))
        return PD_QS_HARD;
    /* The FTS5 expression: every long term as a quoted phrase ("" doubles a
     * quote inside), joined by blanks (AND). */
    char match[PD_KB_SEARCH_TERMS * (2 * 4 * 32 + 4) + 1];
    size_t m = 0;
    for (int i = 0; i < q->n; i++) {
        if (q->short_term[i])
            continue;
        if (m)
            match[m++] = ' ';
        match[m++] = '"';
        for (const char *p = q->terms[i]; *p && m + 3 < sizeof match; p++) {
            if (*p == '"')
                match[m++] = '"';
            match[m++] = *p;
        }
        match[m++] = '"';
    }
    match[m] = '\0';
    sqlite3_stmt *s =
        m ? pd__sq_prep(c, PD_SQ_SVC_KB_SEARCH_FTS,
                        "SELECT " KB_COLS ", a.body, " SCORE " FROM kb_fts JOIN kb_articles a"
                        " ON a.id = kb_fts.rowid" KB_USERS
                        " WHERE kb_fts MATCH ?20" LIKES SEARCH_TAIL)
          : pd__sq_prep(c, PD_SQ_SVC_KB_SEARCH_SCAN,
                        "SELECT " KB_COLS ", a.body, " SCORE " FROM kb_articles a" KB_USERS
                        " WHERE 1" LIKES SEARCH_TAIL);
    if (!s)
        return PD_QS_HARD;
    char pat[PD_KB_SEARCH_TERMS][2 * 4 * 32 + 3];
    for (int i = 0; i < q->n; i++) {
        pd__sq_text(s, 1 + i, q->terms[i]);
        if (q->short_term[i]) {
            like_pattern(q->terms[i], pat[i], sizeof pat[i]);
            pd__sq_text(s, 9 + i, pat[i]);
        }
    }
    pd__sq_text(s, 17, q->include_drafts ? NULL : "published");
    pd__sq_opt(s, 18, q->category);
    sqlite3_bind_int(s, 19, q->limit > 0 && q->limit <= 100 ? q->limit : 20);
    if (m)
        pd__sq_text(s, 20, match);
    struct kb_list_ctx k = {.cb = cb, .cls = cls, .with_body = true, .scored = true};
    return each_row(c, s, "kb_search", kb_row, NULL, &k);
}

/* ---- shift handover ---------------------------------------------------------------- */

pd_qs pd__sq_handover_insert(pd_db *db, struct pd_handover *h)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(h->node_id > 0 && h->author_id > 0 && h->shift[0] && h->body && h->body[0]))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_SVC_HO_INSERT,
        "INSERT INTO handovers (node_id, shift, shift_date, author_id, created_ms, body, items,"
        " open_items) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    if (h->created_ms <= 0)
        h->created_ms = pd_now_ms();
    pd__sq_i64(s, 1, h->node_id);
    pd__sq_text(s, 2, h->shift);
    pd__sq_text(s, 3, h->shift_date);
    pd__sq_i64(s, 4, h->author_id);
    pd__sq_i64(s, 5, h->created_ms);
    pd__sq_text(s, 6, h->body);
    pd__sq_text(s, 7, h->items ? h->items : "[]");
    sqlite3_bind_int(s, 8, h->open_items);
    pd_qs qs = insert_returning(c, s, &h->id, "handover_insert");
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

#define HO_SELECT                                                                                  \
    "SELECT h.id, h.node_id, n.code, n.path, h.shift, h.shift_date, h.author_id, u.username,"      \
    " u.display_name, h.created_ms, h.open_items, COALESCE(h.acked_by, 0),"                        \
    " COALESCE(k.username, ''), h.acked_ms, h.ack_note, h.body, h.items"                           \
    " FROM handovers h JOIN nodes n ON n.id = h.node_id JOIN users u ON u.id = h.author_id"        \
    " LEFT JOIN users k ON k.id = h.acked_by"

static int ho_row(struct pd__sq_conn *c, sqlite3_stmt *s, void *cb, void *cls)
{
    (void)c;
    struct pd_handover h;
    memset(&h, 0, sizeof h);
    h.id = sqlite3_column_int64(s, 0);
    h.node_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, h.node_code, sizeof h.node_code);
    pd__sq_col(s, 3, h.node_path, sizeof h.node_path);
    pd__sq_col(s, 4, h.shift, sizeof h.shift);
    pd__sq_col(s, 5, h.shift_date, sizeof h.shift_date);
    h.author_id = sqlite3_column_int64(s, 6);
    pd__sq_col(s, 7, h.author_name, sizeof h.author_name);
    pd__sq_col(s, 8, h.author_display, sizeof h.author_display);
    h.created_ms = sqlite3_column_int64(s, 9);
    h.open_items = sqlite3_column_int(s, 10);
    h.acked_by = sqlite3_column_int64(s, 11);
    pd__sq_col(s, 12, h.acked_by_name, sizeof h.acked_by_name);
    h.acked_ms = sqlite3_column_int64(s, 13);
    pd__sq_col(s, 14, h.ack_note, sizeof h.ack_note);
    const char *body = (const char *)sqlite3_column_text(s, 15);
    const char *items = (const char *)sqlite3_column_text(s, 16);
    h.body = body ? body : "";
    h.items = items ? items : "[]";
    int r = ((pd_handover_cb)cb)(cls, &h);
    return r < 0 ? r : 0;
}

pd_qs pd__sq_handover_get(pd_db *db, int64_t id, pd_handover_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SVC_HO_GET, HO_SELECT " WHERE h.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    return each_row(c, s, "handover_get", ho_row, (void *)cb, cls);
}

pd_qs pd__sq_handover_ack(pd_db *db, int64_t id, int64_t by, int64_t at_ms, const char *note)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(by > 0 && at_ms > 0))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_SVC_HO_ACK,
                                  "UPDATE handovers SET acked_by = ?2, acked_ms = ?3, ack_note = ?4"
                                  " WHERE id = ?1 AND acked_ms = 0");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    pd__sq_i64(s, 2, by);
    pd__sq_i64(s, 3, at_ms);
    pd__sq_text(s, 4, note ? note : "");
    return pd__sq_exec(c, s, "handover_ack");
}

pd_qs pd__sq_handover_list(pd_db *db, const struct pd_handover_filter *f, pd_handover_cb cb,
                           void *cls)
{
    struct pd__sq_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    /* Two statements so that the unacknowledged one names acked_ms = 0 as
     * the partial index handovers_unacked does. */
    sqlite3_stmt *s =
        f->unacknowledged
            ? pd__sq_prep(c, PD_SQ_SVC_HO_LIST_OPEN,
                          HO_SELECT " WHERE h.acked_ms = 0 AND n.path >= ?1 AND n.path < ?2"
                                    " AND (?3 = 0 OR h.node_id = ?3) AND h.id < ?4"
                                    " ORDER BY h.id DESC LIMIT ?5")
            : pd__sq_prep(c, PD_SQ_SVC_HO_LIST,
                          HO_SELECT " WHERE n.path >= ?1 AND n.path < ?2"
                                    " AND (?3 = 0 OR h.node_id = ?3) AND h.id < ?4"
                                    " ORDER BY h.id DESC LIMIT ?5");
    if (!s)
        return PD_QS_HARD;
    pd__sq_text(s, 1, lo);
    pd__sq_text(s, 2, hi);
    pd__sq_i64(s, 3, f->node_id);
    pd__sq_i64(s, 4, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 5, pd__list_limit(f->limit));
    return each_row(c, s, "handover_list", ho_row, (void *)cb, cls);
}
