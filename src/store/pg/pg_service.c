/*
 * PostgreSQL queries of the service desk, part B (store_service.h;
 * migrations/pg/013_service.sql), as in sqlite_service.c: problem parcels in
 * full, the exception scans the stale-parcel job's round reads through the
 * partial index scans_exceptions and its cursor, the knowledge base, and
 * shift handovers.
 *
 * Knowledge-base search: every term is an ILIKE '%term%' over the
 * expression the GIN trigram index kb_articles_trgm is built on (pg_trgm
 * answers such patterns from the index when the term has three characters
 * or more; shorter ones read every row, like SQLite's LIKE fallback). The
 * score is the formula of store_service.h, written as in sqlite_service.c so
 * that both backends rank alike.
 *
 * Concurrency: the once-per-scan and open-once rules are unique indexes
 * named by ON CONFLICT, so two servers running the job's round at once
 * open one problem; a job cursor never moves backwards.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/kb.h"
#include "store/pg/pg_int.h"
#include "util/log.h"
#include "util/timeutil.h"

#define C(db) ((struct pd__pg_conn *)(db))

/* Optional references are NULL in the database and 0 in the struct. */
static void p_ref(struct pd__pg_params *p, int64_t id)
{
    if (id > 0)
        pd__pg_p_i64(p, id);
    else
        pd__pg_p_text(p, NULL);
}

/* Hand each row of @p res to @p row (which calls the callback); clears res. */
static pd_qs each_row(struct pd__pg_conn *c, PGresult *res, pd_qs qs,
                      int (*row)(struct pd__pg_conn *c, const PGresult *r, int i, void *cb,
                                 void *cls),
                      void *cb, void *cls)
{
    int rows = PQntuples(res);
    for (int i = 0; i < rows && qs >= 0; i++) {
        int r = row(c, res, i, cb, cls);
        if (r < 0)
            qs = (pd_qs)r;
    }
    PQclear(res);
    return qs;
}

/* Run an INSERT … RETURNING id: *id filled on a row; PD_QS_NONE when the
 * conflict clause wrote nothing. */
static pd_qs insert_returning(struct pd__pg_conn *c, enum pd_pg_stmt id_, const char *sql,
                              const struct pd__pg_params *p, int64_t *id)
{
    pd_qs qs;
    PGresult *r = pd__pg_run(c, id_, sql, p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? PD_QS_ONE : PD_QS_NONE;
    if (qs == PD_QS_ONE)
        *id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    return qs;
}

/* ---- problem parcels: the job's exception scans ----------------------------------- */

pd_qs pd__pg_problem_open_scan(pd_db *db, struct pd_problem *p, const char *device_id,
                               int64_t device_seq, bool *opened)
{
    if (PD_BREAK(p->type[0] && p->waybill_no[0] && p->node_id > 0 && device_id && device_id[0]))
        return PD_QS_HARD;
    *opened = false;
    char key[PD_PROBLEM_SCAN_SIZE];
    snprintf(key, sizeof key, "%s/%lld", device_id, (long long)device_seq);
    struct pd__pg_params q = {0};
    pd__pg_p_text(&q, p->waybill_no);
    pd__pg_p_text(&q, p->type);
    pd__pg_p_i64(&q, p->node_id);
    pd__pg_p_i64(&q, p->opened_ms);
    pd__pg_p_text(&q, p->reason);
    pd__pg_p_text(&q, key);
    /* No conflict target: the open-once and once-per-scan rules both apply. */
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_OPEN_SCAN,
        "INSERT INTO problem_parcels (waybill_no, type, source, node_id, state, opened_ms,"
        " reason, note, source_scan, updated_ms) VALUES ($1::text, $2::text, 'auto', $3::bigint,"
        " 'open', $4::bigint, $5::text, '', $6::text, $4::bigint) ON CONFLICT DO NOTHING"
        " RETURNING id",
        &q, &p->id);
    if (qs == PD_QS_ONE) {
        p->state = PD_PROBLEM_OPEN;
        p->source = PD_PROBLEM_SOURCE_AUTO;
        *opened = true;
    }
    return qs < 0 ? qs : PD_QS_ONE;
}

static int exc_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)c;
    struct pd_exception_scan e;
    memset(&e, 0, sizeof e);
    pd__pg_col(r, i, 0, e.waybill_no, sizeof e.waybill_no);
    pd__pg_col(r, i, 1, e.device_id, sizeof e.device_id);
    e.device_seq = pd__pg_i64(r, i, 2);
    e.received_ms = pd__pg_i64(r, i, 3);
    e.at_ms = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, e.node_code, sizeof e.node_code);
    pd__pg_col(r, i, 6, e.reason, sizeof e.reason);
    e.node_id = pd__pg_i64(r, i, 7);
    int x = ((pd_exception_scan_cb)cb)(cls, &e);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_exception_scans(pd_db *db, const struct pd_exception_scan_filter *f,
                                     pd_exception_scan_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, f->before_ms);
    pd__pg_p_i64(&p, f->after_ms);
    pd__pg_p_text(&p, f->after_device ? f->after_device : "");
    pd__pg_p_i64(&p, f->after_seq);
    pd__pg_p_text(&p, f->skip_device ? f->skip_device : "");
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_SVC_EXC_SCANS,
        "SELECT s.waybill_no, s.device_id, s.device_seq, s.received_ms, s.at_ms, s.node_code,"
        " s.reason, COALESCE((SELECT n.id FROM nodes n WHERE n.code = s.node_code"
        " AND s.node_code <> ''), (SELECT w.node_id FROM waybills w"
        " WHERE w.waybill_no = s.waybill_no), 0)"
        " FROM scans s WHERE s.type = 'exception' AND s.received_ms < $1::bigint"
        " AND (s.received_ms, s.device_id, s.device_seq) > ($2::bigint, $3::text, $4::bigint)"
        " AND s.device_id <> $5::text"
        " ORDER BY s.received_ms, s.device_id, s.device_seq LIMIT $6::integer",
        &p, &qs);
    return r ? each_row(c, r, qs, exc_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_job_cursor_get(pd_db *db, const char *name, struct pd_job_cursor *out)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, name);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SVC_CURSOR_GET,
                             "SELECT at_ms, key_text, key_seq FROM job_cursors"
                             " WHERE name = $1::text",
                             &p, &qs);
    if (!r)
        return qs;
    memset(out, 0, sizeof *out);
    qs = PQntuples(r) > 0 ? PD_QS_ONE : PD_QS_NONE;
    if (qs == PD_QS_ONE) {
        out->at_ms = pd__pg_i64(r, 0, 0);
        pd__pg_col(r, 0, 1, out->key_text, sizeof out->key_text);
        out->key_seq = pd__pg_i64(r, 0, 2);
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_job_cursor_put(pd_db *db, const char *name, const struct pd_job_cursor *cur)
{
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, name);
    pd__pg_p_i64(&p, cur->at_ms);
    pd__pg_p_text(&p, cur->key_text);
    pd__pg_p_i64(&p, cur->key_seq);
    pd__pg_p_i64(&p, pd_now_ms());
    pd_qs qs = pd__pg_cmd(
        C(db), PD_PG_SVC_CURSOR_PUT,
        "INSERT INTO job_cursors (name, at_ms, key_text, key_seq, updated_ms)"
        " VALUES ($1::text, $2::bigint, $3::text, $4::bigint, $5::bigint)"
        " ON CONFLICT (name) DO UPDATE SET at_ms = EXCLUDED.at_ms, key_text = EXCLUDED.key_text,"
        " key_seq = EXCLUDED.key_seq, updated_ms = EXCLUDED.updated_ms"
        " WHERE (EXCLUDED.at_ms, EXCLUDED.key_text, EXCLUDED.key_seq)"
        " > (job_cursors.at_ms, job_cursors.key_text, job_cursors.key_seq)",
        &p);
    return qs < 0 ? qs : PD_QS_ONE;
}

/* ---- problem parcels: what 013 added ---------------------------------------------- */

#define MORE_COLS                                                                                  \
    PD_PG_PROBLEM_COLS ", p.root_cause, p.resolution, COALESCE(p.source_scan, ''), p.updated_ms"
#define MORE_FROM " FROM problem_parcels p JOIN nodes n ON n.id = p.node_id"

static pd_qs more_row(struct pd__pg_conn *c, const PGresult *r, int i, struct pd_problem *p,
                      struct pd_problem_more *m)
{
    pd_qs qs = pd__pg_problem_row(c, r, i, p);
    if (qs < 0)
        return qs;
    memset(m, 0, sizeof *m);
    int k = PD_PG_PROBLEM_NCOLS;
    pd__pg_col(r, i, k, m->root_cause, sizeof m->root_cause);
    pd__pg_col(r, i, k + 1, m->resolution, sizeof m->resolution);
    pd__pg_col(r, i, k + 2, m->source_scan, sizeof m->source_scan);
    m->updated_ms = pd__pg_i64(r, i, k + 3);
    return PD_QS_ONE;
}

pd_qs pd__pg_problem_more_get(pd_db *db, int64_t id, struct pd_problem *p,
                              struct pd_problem_more *m)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params q = {0};
    pd__pg_p_i64(&q, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SVC_MORE_GET,
                             "SELECT " MORE_COLS MORE_FROM " WHERE p.id = $1::bigint", &q, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? more_row(c, r, 0, p, m) : PD_QS_NONE;
    PQclear(r);
    return qs;
}

static int more_cb_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_problem p;
    struct pd_problem_more m;
    pd_qs qs = more_row(c, r, i, &p, &m);
    if (qs < 0)
        return (int)qs;
    int x = ((pd_problem_more_cb)cb)(cls, &p, &m);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_list_more(pd_db *db, const struct pd_problem_filter *f, pd_problem_more_cb cb,
                               void *cls)
{
    struct pd__pg_conn *c = C(db);
    static const char *const states[] = {
        [PD_PROBLEM_OPEN] = "open", [PD_PROBLEM_CLOSED] = "closed"};
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)) ||
        PD_BREAK(f->state == -1 || f->state == PD_PROBLEM_OPEN || f->state == PD_PROBLEM_CLOSED))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_text(&p, f->state >= 0 ? states[f->state] : NULL);
    pd__pg_p_opt(&p, f->type);
    pd__pg_p_opt(&p, f->waybill_no);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SVC_LIST_MORE,
                             "SELECT " MORE_COLS MORE_FROM " WHERE n.path >= $1::text"
                             " AND n.path < $2::text AND ($3::text IS NULL OR p.state = $3::text)"
                             " AND ($4::text IS NULL OR p.type = $4::text)"
                             " AND ($5::text IS NULL OR p.waybill_no = $5::text)"
                             " AND p.id < $6::bigint ORDER BY p.id DESC LIMIT $7::integer",
                             &p, &qs);
    return r ? each_row(c, r, qs, more_cb_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_problem_touch(pd_db *db, int64_t id, const char *resolution, const char *root_cause,
                           int64_t at_ms)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_text(&p, resolution);
    pd__pg_p_text(&p, root_cause);
    pd__pg_p_i64(&p, at_ms);
    return pd__pg_cmd(C(db), PD_PG_SVC_TOUCH,
                      "UPDATE problem_parcels SET resolution = COALESCE($2::text, resolution),"
                      " root_cause = COALESCE($3::text, root_cause), updated_ms = $4::bigint"
                      " WHERE id = $1::bigint",
                      &p);
}

/* ---- actions, contacts, evidence, compensation cases ------------------------------ */

pd_qs pd__pg_problem_action_insert(pd_db *db, struct pd_problem_action_rec *a)
{
    if (PD_BREAK(a->problem_id > 0 && a->action[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->problem_id);
    pd__pg_p_text(&p, a->action);
    pd__pg_p_i64(&p, a->at_ms);
    p_ref(&p, a->by_user);
    pd__pg_p_text(&p, a->note);
    pd__pg_p_text(&p, a->address);
    pd__pg_p_i64(&p, a->amount_fen);
    p_ref(&p, a->case_id);
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_ACTION_INSERT,
        "INSERT INTO problem_actions (problem_id, action, at_ms, by_user, note, address,"
        " amount_fen, case_id) VALUES ($1::bigint, $2::text, $3::bigint, $4::bigint, $5::text,"
        " $6::text, $7::bigint, $8::bigint) RETURNING id",
        &p, &a->id);
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

static int action_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)c;
    struct pd_problem_action_rec a;
    memset(&a, 0, sizeof a);
    a.id = pd__pg_i64(r, i, 0);
    a.problem_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, a.action, sizeof a.action);
    a.at_ms = pd__pg_i64(r, i, 3);
    a.by_user = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, a.by_name, sizeof a.by_name);
    pd__pg_col(r, i, 6, a.note, sizeof a.note);
    pd__pg_col(r, i, 7, a.address, sizeof a.address);
    a.amount_fen = pd__pg_i64(r, i, 8);
    a.case_id = pd__pg_i64(r, i, 9);
    int x = ((pd_problem_action_cb)cb)(cls, &a);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_action_list(pd_db *db, int64_t problem_id, pd_problem_action_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, problem_id);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_SVC_ACTION_LIST,
        "SELECT a.id, a.problem_id, a.action, a.at_ms, COALESCE(a.by_user, 0),"
        " COALESCE(u.username, ''), a.note, a.address, a.amount_fen, COALESCE(a.case_id, 0)"
        " FROM problem_actions a LEFT JOIN users u ON u.id = a.by_user"
        " WHERE a.problem_id = $1::bigint ORDER BY a.id",
        &p, &qs);
    return r ? each_row(c, r, qs, action_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_problem_contact_insert(pd_db *db, struct pd_problem_contact *ct)
{
    if (PD_BREAK(ct->problem_id > 0 && ct->party[0] && ct->channel[0] && ct->outcome[0]))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, ct->problem_id);
    pd__pg_p_i64(&p, ct->at_ms);
    pd__pg_p_text(&p, ct->party);
    pd__pg_p_text(&p, ct->channel);
    pd__pg_p_text(&p, ct->outcome);
    pd__pg_p_text(&p, ct->note);
    p_ref(&p, ct->by_user);
    pd__pg_p_i64(&p, ct->recorded_ms);
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_CONTACT_INSERT,
        "INSERT INTO problem_contacts (problem_id, at_ms, party, channel, outcome, note, by_user,"
        " recorded_ms) VALUES ($1::bigint, $2::bigint, $3::text, $4::text, $5::text, $6::text,"
        " $7::bigint, $8::bigint) RETURNING id",
        &p, &ct->id);
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

static int contact_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)c;
    struct pd_problem_contact ct;
    memset(&ct, 0, sizeof ct);
    ct.id = pd__pg_i64(r, i, 0);
    ct.problem_id = pd__pg_i64(r, i, 1);
    ct.at_ms = pd__pg_i64(r, i, 2);
    pd__pg_col(r, i, 3, ct.party, sizeof ct.party);
    pd__pg_col(r, i, 4, ct.channel, sizeof ct.channel);
    pd__pg_col(r, i, 5, ct.outcome, sizeof ct.outcome);
    pd__pg_col(r, i, 6, ct.note, sizeof ct.note);
    ct.by_user = pd__pg_i64(r, i, 7);
    pd__pg_col(r, i, 8, ct.by_name, sizeof ct.by_name);
    ct.recorded_ms = pd__pg_i64(r, i, 9);
    int x = ((pd_problem_contact_cb)cb)(cls, &ct);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_contact_list(pd_db *db, int64_t problem_id, pd_problem_contact_cb cb,
                                  void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, problem_id);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_SVC_CONTACT_LIST,
                   "SELECT k.id, k.problem_id, k.at_ms, k.party, k.channel, k.outcome, k.note,"
                   " COALESCE(k.by_user, 0), COALESCE(u.username, ''), k.recorded_ms"
                   " FROM problem_contacts k LEFT JOIN users u ON u.id = k.by_user"
                   " WHERE k.problem_id = $1::bigint ORDER BY k.id",
                   &p, &qs);
    return r ? each_row(c, r, qs, contact_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_problem_evidence_insert(pd_db *db, struct pd_problem_evidence *e)
{
    if (PD_BREAK(e->problem_id > 0 && e->file_name[0] && e->size_bytes > 0))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, e->problem_id);
    pd__pg_p_text(&p, e->file_name);
    pd__pg_p_text(&p, e->content_type);
    pd__pg_p_i64(&p, e->size_bytes);
    pd__pg_p_text(&p, e->sha256);
    p_ref(&p, e->uploaded_by);
    pd__pg_p_i64(&p, e->uploaded_ms);
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_EVIDENCE_INSERT,
        "INSERT INTO problem_evidence (problem_id, file_name, content_type, size_bytes, sha256,"
        " uploaded_by, uploaded_ms) VALUES ($1::bigint, $2::text, $3::text, $4::bigint,"
        " $5::text, $6::bigint, $7::bigint) RETURNING id",
        &p, &e->id);
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

#define EVIDENCE_SELECT                                                                            \
    "SELECT e.id, e.problem_id, e.file_name, e.content_type, e.size_bytes, e.sha256,"              \
    " COALESCE(e.uploaded_by, 0), COALESCE(u.username, ''), e.uploaded_ms"                         \
    " FROM problem_evidence e LEFT JOIN users u ON u.id = e.uploaded_by"

static void evidence_read(const PGresult *r, int i, struct pd_problem_evidence *e)
{
    memset(e, 0, sizeof *e);
    e->id = pd__pg_i64(r, i, 0);
    e->problem_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, e->file_name, sizeof e->file_name);
    pd__pg_col(r, i, 3, e->content_type, sizeof e->content_type);
    e->size_bytes = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, e->sha256, sizeof e->sha256);
    e->uploaded_by = pd__pg_i64(r, i, 6);
    pd__pg_col(r, i, 7, e->uploaded_by_name, sizeof e->uploaded_by_name);
    e->uploaded_ms = pd__pg_i64(r, i, 8);
}

pd_qs pd__pg_problem_evidence_get(pd_db *db, int64_t id, struct pd_problem_evidence *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_SVC_EVIDENCE_GET,
                             EVIDENCE_SELECT " WHERE e.id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    qs = PQntuples(r) > 0 ? PD_QS_ONE : PD_QS_NONE;
    if (qs == PD_QS_ONE)
        evidence_read(r, 0, out);
    PQclear(r);
    return qs;
}

static int evidence_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)c;
    struct pd_problem_evidence e;
    evidence_read(r, i, &e);
    int x = ((pd_problem_evidence_cb)cb)(cls, &e);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_evidence_list(pd_db *db, int64_t problem_id, pd_problem_evidence_cb cb,
                                   void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, problem_id);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_SVC_EVIDENCE_LIST,
                   EVIDENCE_SELECT " WHERE e.problem_id = $1::bigint ORDER BY e.id", &p, &qs);
    return r ? each_row(c, r, qs, evidence_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_compensation_case_insert(pd_db *db, struct pd_compensation_case *cc, bool *dup)
{
    if (PD_BREAK(cc->problem_id > 0 && cc->amount_fen > 0 && cc->node_id > 0))
        return PD_QS_HARD;
    *dup = false;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, cc->problem_id);
    pd__pg_p_text(&p, cc->waybill_no);
    pd__pg_p_i64(&p, cc->node_id);
    pd__pg_p_i64(&p, cc->amount_fen);
    pd__pg_p_text(&p, cc->note);
    pd__pg_p_i64(&p, cc->created_ms);
    p_ref(&p, cc->created_by);
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_CASE_INSERT,
        "INSERT INTO compensation_cases (problem_id, waybill_no, node_id, amount_fen, state, note,"
        " created_ms, created_by) VALUES ($1::bigint, $2::text, $3::bigint, $4::bigint, 'open',"
        " $5::text, $6::bigint, $7::bigint)"
        " ON CONFLICT (problem_id) WHERE state = 'open' DO NOTHING RETURNING id",
        &p, &cc->id);
    if (qs == PD_QS_NONE) {
        *dup = true;
        return PD_QS_ONE;
    }
    if (qs == PD_QS_ONE)
        snprintf(cc->state, sizeof cc->state, "open");
    return qs;
}

static int case_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)c;
    struct pd_compensation_case k;
    memset(&k, 0, sizeof k);
    k.id = pd__pg_i64(r, i, 0);
    k.problem_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, k.waybill_no, sizeof k.waybill_no);
    k.node_id = pd__pg_i64(r, i, 3);
    k.amount_fen = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, k.state, sizeof k.state);
    pd__pg_col(r, i, 6, k.note, sizeof k.note);
    k.created_ms = pd__pg_i64(r, i, 7);
    k.created_by = pd__pg_i64(r, i, 8);
    int x = ((pd_compensation_cb)cb)(cls, &k);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_compensation_case_list(pd_db *db, int64_t problem_id, pd_compensation_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, problem_id);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        c, PD_PG_SVC_CASE_LIST,
        "SELECT id, problem_id, waybill_no, node_id, amount_fen, state, note, created_ms,"
        " COALESCE(created_by, 0) FROM compensation_cases WHERE problem_id = $1::bigint"
        " ORDER BY id",
        &p, &qs);
    return r ? each_row(c, r, qs, case_row, (void *)cb, cls) : qs;
}

static int stat_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    struct pd_problem_stat_row s;
    memset(&s, 0, sizeof s);
    pd__pg_col(r, i, 0, s.type, sizeof s.type);
    pd__pg_col(r, i, 1, s.node_code, sizeof s.node_code);
    pd__pg_col(r, i, 2, s.root_cause, sizeof s.root_cause);
    const char *st = PQgetvalue(r, i, 3);
    if (strcmp(st, "open") != 0 && strcmp(st, "closed") != 0) {
        snprintf(c->err, sizeof c->err, "problem state '%.16s'", st);
        return PD_QS_HARD;
    }
    s.state = strcmp(st, "closed") == 0 ? PD_PROBLEM_CLOSED : PD_PROBLEM_OPEN;
    s.count = pd__pg_i64(r, i, 4);
    s.closed_ms_sum = pd__pg_i64(r, i, 5);
    int x = ((pd_problem_stat_cb)cb)(cls, &s);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_problem_stats(pd_db *db, const char *node_path, int64_t from_ms, int64_t to_ms,
                           pd_problem_stat_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(node_path && node_path[0] == '/') || PD_BREAK(pd__path_range(node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_i64(&p, from_ms);
    pd__pg_p_i64(&p, to_ms);
    pd_qs qs;
    /* COLLATE "C": the groups come out in byte order, as SQLite sorts them. */
    PGresult *r = pd__pg_run(
        c, PD_PG_SVC_STATS,
        "SELECT p.type, n.code, p.root_cause, p.state, count(*),"
        " COALESCE(sum(CASE WHEN p.state = 'closed' THEN p.closed_ms - p.opened_ms ELSE 0 END),"
        " 0) FROM problem_parcels p JOIN nodes n ON n.id = p.node_id"
        " WHERE p.opened_ms >= $3::bigint AND p.opened_ms < $4::bigint"
        " AND n.path >= $1::text AND n.path < $2::text"
        " GROUP BY p.type, n.code, p.root_cause, p.state"
        " ORDER BY p.type COLLATE \"C\", n.code COLLATE \"C\", p.root_cause COLLATE \"C\","
        " p.state COLLATE \"C\"",
        &p, &qs);
    return r ? each_row(c, r, qs, stat_row, (void *)cb, cls) : qs;
}

/* ---- the knowledge base ---------------------------------------------------------- */

#define KB_COLS                                                                                    \
    "a.id, a.title, a.category, a.tags, a.status, COALESCE(a.author_id, 0),"                       \
    " COALESCE(ua.username, ''), COALESCE(a.updated_by, 0), COALESCE(ub.username, ''),"            \
    " a.created_ms, a.updated_ms, a.version"
#define KB_USERS                                                                                   \
    " LEFT JOIN users ua ON ua.id = a.author_id LEFT JOIN users ub ON ub.id = a.updated_by"

/* Read KB_COLS of row @p i, the body at column 12 when @p with_body, the score at 13 when @p
 * scored. */
static pd_qs kb_read(struct pd__pg_conn *c, const PGresult *r, int i, bool with_body, bool scored,
                     struct pd_kb_article *a)
{
    memset(a, 0, sizeof *a);
    a->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, a->title, sizeof a->title);
    pd__pg_col(r, i, 2, a->category, sizeof a->category);
    pd__pg_col(r, i, 3, a->tags, sizeof a->tags);
    const char *st = PQgetvalue(r, i, 4);
    if (!strcmp(st, "published"))
        a->status = PD_KB_PUBLISHED;
    else if (!strcmp(st, "draft"))
        a->status = PD_KB_DRAFT;
    else {
        snprintf(c->err, sizeof c->err, "article %lld has status '%.16s'", (long long)a->id, st);
        pd_error("postgresql: %s", c->err);
        return PD_QS_HARD;
    }
    a->author_id = pd__pg_i64(r, i, 5);
    pd__pg_col(r, i, 6, a->author_name, sizeof a->author_name);
    a->updated_by = pd__pg_i64(r, i, 7);
    pd__pg_col(r, i, 8, a->updated_by_name, sizeof a->updated_by_name);
    a->created_ms = pd__pg_i64(r, i, 9);
    a->updated_ms = pd__pg_i64(r, i, 10);
    a->version = (int)pd__pg_i64(r, i, 11);
    if (with_body)
        a->body = PQgetvalue(r, i, 12);
    if (scored)
        a->score = pd__pg_i64(r, i, 13);
    return PD_QS_ONE;
}

pd_qs pd__pg_kb_insert(pd_db *db, struct pd_kb_article *a)
{
    if (PD_BREAK(a->title[0] && a->body && a->body[0] && a->category[0]) ||
        PD_BREAK(a->status == PD_KB_DRAFT || a->status == PD_KB_PUBLISHED))
        return PD_QS_HARD;
    a->created_ms = a->updated_ms = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, a->title);
    pd__pg_p_text(&p, a->body);
    pd__pg_p_text(&p, a->category);
    pd__pg_p_text(&p, a->tags);
    pd__pg_p_text(&p, pd_kb_status_names[a->status]);
    p_ref(&p, a->author_id);
    pd__pg_p_i64(&p, a->created_ms);
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_KB_INSERT,
        "INSERT INTO kb_articles (title, body, category, tags, status, author_id, updated_by,"
        " created_ms, updated_ms, version) VALUES ($1::text, $2::text, $3::text, $4::text,"
        " $5::text, $6::bigint, $6::bigint, $7::bigint, $7::bigint, 1) RETURNING id",
        &p, &a->id);
    if (qs == PD_QS_ONE) {
        a->version = 1;
        a->updated_by = a->author_id;
    }
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

pd_qs pd__pg_kb_get(pd_db *db, int64_t id, pd_kb_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SVC_KB_GET,
                             "SELECT " KB_COLS ", a.body FROM kb_articles a" KB_USERS
                             " WHERE a.id = $1::bigint",
                             &p, &qs);
    if (!r)
        return qs;
    qs = PD_QS_NONE;
    if (PQntuples(r) > 0) {
        struct pd_kb_article a;
        qs = kb_read(c, r, 0, true, false, &a);
        if (qs > 0) {
            int x = cb(cls, &a);
            qs = x < 0 ? (pd_qs)x : PD_QS_ONE;
        }
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_kb_update(pd_db *db, const struct pd_kb_article *a, int expected_version)
{
    if (PD_BREAK(a->title[0] && a->body && a->body[0] && a->category[0]) ||
        PD_BREAK(a->status == PD_KB_DRAFT || a->status == PD_KB_PUBLISHED))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->id);
    pd__pg_p_text(&p, a->title);
    pd__pg_p_text(&p, a->body);
    pd__pg_p_text(&p, a->category);
    pd__pg_p_text(&p, a->tags);
    pd__pg_p_text(&p, pd_kb_status_names[a->status]);
    p_ref(&p, a->updated_by);
    pd__pg_p_i64(&p, pd_now_ms());
    pd__pg_p_i64(&p, expected_version);
    return pd__pg_cmd(C(db), PD_PG_SVC_KB_UPDATE,
                      "UPDATE kb_articles SET title = $2::text, body = $3::text,"
                      " category = $4::text, tags = $5::text, status = $6::text,"
                      " updated_by = $7::bigint, updated_ms = $8::bigint, version = version + 1"
                      " WHERE id = $1::bigint AND version = $9::integer",
                      &p);
}

pd_qs pd__pg_kb_delete(pd_db *db, int64_t id)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    return pd__pg_cmd(C(db), PD_PG_SVC_KB_DELETE, "DELETE FROM kb_articles WHERE id = $1::bigint",
                      &p);
}

struct kb_list_ctx {
    pd_kb_cb cb;
    void *cls;
    bool with_body, scored;
};

static int kb_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)cb;
    struct kb_list_ctx *k = cls;
    struct pd_kb_article a;
    pd_qs qs = kb_read(c, r, i, k->with_body, k->scored, &a);
    if (qs < 0)
        return (int)qs;
    int x = k->cb(k->cls, &a);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_kb_list(pd_db *db, const struct pd_kb_filter *f, pd_kb_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(f->status == -1 || f->status == PD_KB_DRAFT || f->status == PD_KB_PUBLISHED))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, f->status >= 0 ? pd_kb_status_names[f->status] : NULL);
    pd__pg_p_opt(&p, f->category);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r =
        pd__pg_run(c, PD_PG_SVC_KB_LIST,
                   "SELECT " KB_COLS " FROM kb_articles a" KB_USERS
                   " WHERE ($1::text IS NULL OR a.status = $1::text)"
                   " AND ($2::text IS NULL OR a.category = $2::text) AND a.id < $3::bigint"
                   " ORDER BY a.id DESC LIMIT $4::integer",
                   &p, &qs);
    struct kb_list_ctx k = {.cb = cb, .cls = cls};
    return r ? each_row(c, r, qs, kb_row, NULL, &k) : qs;
}

/* clang-format off */
/* (its layout of these string-pasting macros does not settle from run to run) */
/* The score of one term slot $N (store_service.h), as in sqlite_service.c. */
#define TERM_SCORE(n)                                                                              \
    "(CASE WHEN $" n "::text IS NULL THEN 0 ELSE"                                                  \
    " (CASE WHEN strpos(lower(a.title), lower($" n "::text)) > 0 THEN 10 ELSE 0 END)"              \
    " + (CASE WHEN strpos(lower(a.tags), lower($" n "::text)) > 0 THEN 5 ELSE 0 END)"              \
    " + LEAST(10, (length(lower(a.body)) - length(replace(lower(a.body), lower($" n "::text),"     \
    " ''))) / length($" n "::text)) END)"
#define SCORE                                                                                      \
    TERM_SCORE("1") " + " TERM_SCORE("2") " + " TERM_SCORE("3") " + " TERM_SCORE("4") " + "        \
    TERM_SCORE("5") " + " TERM_SCORE("6") " + " TERM_SCORE("7") " + " TERM_SCORE("8")
/* Every term's ILIKE, over the expression kb_articles_trgm indexes. */
#define TERM_LIKE(n)                                                                               \
    " AND ($" n "::text IS NULL OR (a.title || ' ' || a.tags || ' ' || a.body)"                    \
    " ILIKE $" n "::text)"
#define LIKES                                                                                      \
    TERM_LIKE("9") TERM_LIKE("10") TERM_LIKE("11") TERM_LIKE("12")                                 \
    TERM_LIKE("13") TERM_LIKE("14") TERM_LIKE("15") TERM_LIKE("16")
/* clang-format on */

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

pd_qs pd__pg_kb_search(pd_db *db, const struct pd_kb_query *q, pd_kb_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    if (PD_BREAK(q->n >= 1 && q->n <= PD_KB_SEARCH_TERMS))
        return PD_QS_HARD;
    char pat[PD_KB_SEARCH_TERMS][2 * 4 * 32 + 3];
    struct pd__pg_params p = {0};
    for (int i = 0; i < PD_KB_SEARCH_TERMS; i++)
        pd__pg_p_text(&p, i < q->n ? q->terms[i] : NULL);
    for (int i = 0; i < PD_KB_SEARCH_TERMS; i++) {
        if (i < q->n)
            like_pattern(q->terms[i], pat[i], sizeof pat[i]);
        pd__pg_p_text(&p, i < q->n ? pat[i] : NULL);
    }
    pd__pg_p_text(&p, q->include_drafts ? NULL : "published");
    pd__pg_p_opt(&p, q->category);
    pd__pg_p_i64(&p, q->limit > 0 && q->limit <= 100 ? q->limit : 20);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SVC_KB_SEARCH,
                             "SELECT " KB_COLS ", a.body, " SCORE " FROM kb_articles a" KB_USERS
                             " WHERE true" LIKES " AND ($17::text IS NULL OR a.status = $17::text)"
                             " AND ($18::text IS NULL OR a.category = $18::text)"
                             " ORDER BY 14 DESC, a.updated_ms DESC, a.id DESC LIMIT $19::integer",
                             &p, &qs);
    struct kb_list_ctx k = {.cb = cb, .cls = cls, .with_body = true, .scored = true};
    return r ? each_row(c, r, qs, kb_row, NULL, &k) : qs;
}

/* ---- shift handover ---------------------------------------------------------------- */

pd_qs pd__pg_handover_insert(pd_db *db, struct pd_handover *h)
{
    if (PD_BREAK(h->node_id > 0 && h->author_id > 0 && h->shift[0] && h->body && h->body[0]))
        return PD_QS_HARD;
    if (h->created_ms <= 0)
        h->created_ms = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, h->node_id);
    pd__pg_p_text(&p, h->shift);
    pd__pg_p_text(&p, h->shift_date);
    pd__pg_p_i64(&p, h->author_id);
    pd__pg_p_i64(&p, h->created_ms);
    pd__pg_p_text(&p, h->body);
    pd__pg_p_text(&p, h->items ? h->items : "[]");
    pd__pg_p_i64(&p, h->open_items);
    pd_qs qs = insert_returning(
        C(db), PD_PG_SVC_HO_INSERT,
        "INSERT INTO handovers (node_id, shift, shift_date, author_id, created_ms, body, items,"
        " open_items) VALUES ($1::bigint, $2::text, $3::text, $4::bigint, $5::bigint, $6::text,"
        " $7::text, $8::integer) RETURNING id",
        &p, &h->id);
    return qs == PD_QS_NONE ? PD_QS_HARD : qs;
}

#define HO_SELECT                                                                                  \
    "SELECT h.id, h.node_id, n.code, n.path, h.shift, h.shift_date, h.author_id, u.username,"      \
    " u.display_name, h.created_ms, h.open_items, COALESCE(h.acked_by, 0),"                        \
    " COALESCE(k.username, ''), h.acked_ms, h.ack_note, h.body, h.items"                           \
    " FROM handovers h JOIN nodes n ON n.id = h.node_id JOIN users u ON u.id = h.author_id"        \
    " LEFT JOIN users k ON k.id = h.acked_by"

static int ho_row(struct pd__pg_conn *c, const PGresult *r, int i, void *cb, void *cls)
{
    (void)c;
    struct pd_handover h;
    memset(&h, 0, sizeof h);
    h.id = pd__pg_i64(r, i, 0);
    h.node_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, h.node_code, sizeof h.node_code);
    pd__pg_col(r, i, 3, h.node_path, sizeof h.node_path);
    pd__pg_col(r, i, 4, h.shift, sizeof h.shift);
    pd__pg_col(r, i, 5, h.shift_date, sizeof h.shift_date);
    h.author_id = pd__pg_i64(r, i, 6);
    pd__pg_col(r, i, 7, h.author_name, sizeof h.author_name);
    pd__pg_col(r, i, 8, h.author_display, sizeof h.author_display);
    h.created_ms = pd__pg_i64(r, i, 9);
    h.open_items = (int)pd__pg_i64(r, i, 10);
    h.acked_by = pd__pg_i64(r, i, 11);
    pd__pg_col(r, i, 12, h.acked_by_name, sizeof h.acked_by_name);
    h.acked_ms = pd__pg_i64(r, i, 13);
    pd__pg_col(r, i, 14, h.ack_note, sizeof h.ack_note);
    h.body = PQgetvalue(r, i, 15);
    h.items = PQgetvalue(r, i, 16);
    int x = ((pd_handover_cb)cb)(cls, &h);
    return x < 0 ? x : 0;
}

pd_qs pd__pg_handover_get(pd_db *db, int64_t id, pd_handover_cb cb, void *cls)
{
    struct pd__pg_conn *c = C(db);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(c, PD_PG_SVC_HO_GET, HO_SELECT " WHERE h.id = $1::bigint", &p, &qs);
    return r ? each_row(c, r, qs, ho_row, (void *)cb, cls) : qs;
}

pd_qs pd__pg_handover_ack(pd_db *db, int64_t id, int64_t by, int64_t at_ms, const char *note)
{
    if (PD_BREAK(by > 0 && at_ms > 0))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd__pg_p_i64(&p, by);
    pd__pg_p_i64(&p, at_ms);
    pd__pg_p_text(&p, note ? note : "");
    return pd__pg_cmd(C(db), PD_PG_SVC_HO_ACK,
                      "UPDATE handovers SET acked_by = $2::bigint, acked_ms = $3::bigint,"
                      " ack_note = $4::text WHERE id = $1::bigint AND acked_ms = 0",
                      &p);
}

pd_qs pd__pg_handover_list(pd_db *db, const struct pd_handover_filter *f, pd_handover_cb cb,
                           void *cls)
{
    struct pd__pg_conn *c = C(db);
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(f->node_path && f->node_path[0] == '/') ||
        PD_BREAK(pd__path_range(f->node_path, lo, hi)))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, lo);
    pd__pg_p_text(&p, hi);
    pd__pg_p_i64(&p, f->node_id);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    /* Two statements so that the unacknowledged one names acked_ms = 0 as
     * the partial index handovers_unacked does. */
    PGresult *r =
        f->unacknowledged
            ? pd__pg_run(c, PD_PG_SVC_HO_LIST_OPEN,
                         HO_SELECT " WHERE h.acked_ms = 0 AND n.path >= $1::text"
                                   " AND n.path < $2::text"
                                   " AND ($3::bigint = 0 OR h.node_id = $3::bigint)"
                                   " AND h.id < $4::bigint ORDER BY h.id DESC LIMIT $5::integer",
                         &p, &qs)
            : pd__pg_run(c, PD_PG_SVC_HO_LIST,
                         HO_SELECT " WHERE n.path >= $1::text AND n.path < $2::text"
                                   " AND ($3::bigint = 0 OR h.node_id = $3::bigint)"
                                   " AND h.id < $4::bigint ORDER BY h.id DESC LIMIT $5::integer",
                         &p, &qs);
    return r ? each_row(c, r, qs, ho_row, (void *)cb, cls) : qs;
}
