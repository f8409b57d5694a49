/*
 * PostgreSQL queries of the call centre's own records (issue 6 part B): the
 * agent roster, versioned QA forms and their scores, shifts with their
 * attendance, cost entries, the per-agent sums the statistics merge reads
 * (http/api/cc_own.c), and the two indexed look-ups of the screen pop.
 *
 * Concurrency under READ COMMITTED: the next form version is drawn by an
 * INSERT … SELECT MAX + 1 that does nothing on a (code, version) conflict,
 * and the loser answers PD_QS_SOFT so the transaction runner draws again; a
 * shift insert first locks its agent's row (FOR UPDATE), so two schedulers
 * of one agent take turns and the second sees the first's shift in its
 * overlap check. Scoping is the byte range on a node path (COLLATE "C"), as
 * in pg_orders.c; a NULL or empty path reads the whole network. Not here:
 * business rules (weights, maxima, dates), which the handler checks.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* The subtree of @p path as two parameters, or two NULLs for the whole
 * network; lo and hi back the parameters until the run. */
static bool p_scope(struct pd__pg_params *p, const char *path, char lo[PD_PATH_MAX],
                    char hi[PD_PATH_MAX])
{
    if (!path || !path[0]) {
        pd__pg_p_text(p, NULL);
        pd__pg_p_text(p, NULL);
        return true;
    }
    if (PD_BREAK(path[0] == '/') || PD_BREAK(pd__path_range(path, lo, hi)))
        return false;
    pd__pg_p_text(p, lo);
    pd__pg_p_text(p, hi);
    return true;
}

#define SCOPE "($1::text IS NULL OR (n.path >= $1::text AND n.path < $2::text))"

/* ---- agents ------------------------------------------------------------------ */

/* Queues are one text column, names separated by single spaces (011). */
static void queues_join(const struct pd_cc_agent *a, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    for (int i = 0; i < a->n_queues && i < PD_CC_QUEUES_MAX; i++) {
        int w = snprintf(out + len, cap - len, "%s%s", i ? " " : "", a->queues[i]);
        if (w < 0 || (size_t)w >= cap - len)
            break;
        len += (size_t)w;
    }
}

static void queues_split(const char *text, struct pd_cc_agent *a)
{
    a->n_queues = 0;
    const char *p = text ? text : "";
    while (*p && a->n_queues < PD_CC_QUEUES_MAX) {
        while (*p == ' ')
            p++;
        size_t n = strcspn(p, " ");
        if (n == 0)
            break;
        if (n >= PD_CC_NAME_SIZE)
            n = PD_CC_NAME_SIZE - 1;
        memcpy(a->queues[a->n_queues], p, n);
        a->queues[a->n_queues][n] = '\0';
        a->n_queues++;
        p += strcspn(p, " ");
    }
}

#define AGENT_COLS                                                                                 \
    "a.id, a.agent, COALESCE(a.user_id, 0), COALESCE(u.username, ''),"                             \
    " COALESCE(u.display_name, ''), a.node_id, n.code, n.path, a.queues, a.start_ms, a.leave_ms,"  \
    " a.created_ms, a.updated_ms"
#define AGENT_FROM                                                                                 \
    " FROM cc_agents a JOIN nodes n ON n.id = a.node_id LEFT JOIN users u ON u.id = a.user_id"

static void agent_row(const PGresult *r, int i, struct pd_cc_agent *a)
{
    memset(a, 0, sizeof *a);
    a->id = pd__pg_i64(r, i, 0);
    pd__pg_col(r, i, 1, a->agent, sizeof a->agent);
    a->user_id = pd__pg_i64(r, i, 2);
    pd__pg_col(r, i, 3, a->username, sizeof a->username);
    pd__pg_col(r, i, 4, a->display_name, sizeof a->display_name);
    a->node_id = pd__pg_i64(r, i, 5);
    pd__pg_col(r, i, 6, a->node_code, sizeof a->node_code);
    pd__pg_col(r, i, 7, a->node_path, sizeof a->node_path);
    queues_split(PQgetvalue(r, i, 8), a);
    a->start_ms = pd__pg_i64(r, i, 9);
    a->leave_ms = pd__pg_i64(r, i, 10);
    a->created_ms = pd__pg_i64(r, i, 11);
    a->updated_ms = pd__pg_i64(r, i, 12);
}

pd_qs pd__pg_cc_agent_insert(pd_db *db, struct pd_cc_agent *a, bool *dup)
{
    *dup = false;
    char queues[PD_CC_QUEUES_MAX * PD_CC_NAME_SIZE];
    queues_join(a, queues, sizeof queues);
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, a->agent);
    p_ref(&p, a->user_id);
    pd__pg_p_i64(&p, a->node_id);
    pd__pg_p_text(&p, queues);
    pd__pg_p_i64(&p, a->start_ms);
    pd__pg_p_i64(&p, a->leave_ms);
    pd__pg_p_i64(&p, now);
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_CC_AGENT_INSERT,
                   "INSERT INTO cc_agents (agent, user_id, node_id, queues, start_ms,"
                   " leave_ms, created_ms, updated_ms) VALUES ($1::text, $2::bigint,"
                   " $3::bigint, $4::text, $5::bigint, $6::bigint, $7::bigint, $7::bigint)"
                   " ON CONFLICT (agent) DO NOTHING RETURNING id",
                   &p, &qs);
    if (!r)
        return qs;
    if (PQntuples(r) == 0) {
        *dup = true;
        qs = PD_QS_NONE;
    } else {
        a->id = pd__pg_i64(r, 0, 0);
        a->created_ms = a->updated_ms = now;
        qs = PD_QS_ONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_agent_update(pd_db *db, const struct pd_cc_agent *a)
{
    char queues[PD_CC_QUEUES_MAX * PD_CC_NAME_SIZE];
    queues_join(a, queues, sizeof queues);
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->id);
    p_ref(&p, a->user_id);
    pd__pg_p_i64(&p, a->node_id);
    pd__pg_p_text(&p, queues);
    pd__pg_p_i64(&p, a->start_ms);
    pd__pg_p_i64(&p, a->leave_ms);
    pd__pg_p_i64(&p, pd_now_ms());
    return pd__pg_cmd(C(db), PD_PG_CC_AGENT_UPDATE,
                      "UPDATE cc_agents SET user_id = $2::bigint, node_id = $3::bigint,"
                      " queues = $4::text, start_ms = $5::bigint, leave_ms = $6::bigint,"
                      " updated_ms = $7::bigint WHERE id = $1::bigint",
                      &p);
}

pd_qs pd__pg_cc_agent_get(pd_db *db, int64_t id, struct pd_cc_agent *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_CC_AGENT_GET,
                             "SELECT " AGENT_COLS AGENT_FROM " WHERE a.id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    qs = PD_QS_NONE;
    if (PQntuples(r) > 0) {
        agent_row(r, 0, out);
        qs = PD_QS_ONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_agent_list(pd_db *db, const struct pd_cc_agent_filter *f, pd_cc_agent_cb cb,
                           void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    struct pd__pg_params p = {0};
    if (!p_scope(&p, f->node_path, lo, hi))
        return PD_QS_HARD;
    p_ref(&p, f->user_id);
    pd__pg_p_opt(&p, f->queue);
    pd__pg_p_opt(&p, f->agent);
    pd_qs qs;
    /* The roster is small and read whole: one statement, optional filters. */
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_AGENT_LIST,
        "SELECT " AGENT_COLS AGENT_FROM " WHERE " SCOPE
        " AND ($3::bigint IS NULL OR a.user_id = $3::bigint)"
        " AND ($4::text IS NULL OR strpos(' ' || a.queues || ' ', ' ' || $4::text || ' ') > 0)"
        " AND ($5::text IS NULL OR a.agent = $5::text) ORDER BY a.agent COLLATE \"C\"",
        &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_agent a;
        agent_row(r, i, &a);
        int cr = cb(cls, &a);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

/* ---- QA forms and scores ---------------------------------------------------- */

#define FORM_COLS                                                                                  \
    "f.id, f.code, f.version, f.name, COALESCE(f.created_by, 0), COALESCE(u.username, ''),"        \
    " f.created_ms, f.items"
#define FORM_FROM " FROM cc_qa_forms f LEFT JOIN users u ON u.id = f.created_by"

static pd_qs each_form(PGresult *r, pd_qs qs, pd_cc_form_cb cb, void *cls)
{
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_qa_form f;
        memset(&f, 0, sizeof f);
        f.id = pd__pg_i64(r, i, 0);
        pd__pg_col(r, i, 1, f.code, sizeof f.code);
        f.version = (int)pd__pg_i64(r, i, 2);
        pd__pg_col(r, i, 3, f.name, sizeof f.name);
        f.created_by = pd__pg_i64(r, i, 4);
        pd__pg_col(r, i, 5, f.created_by_name, sizeof f.created_by_name);
        f.created_ms = pd__pg_i64(r, i, 6);
        f.items = PQgetvalue(r, i, 7);
        int cr = cb(cls, &f);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_qa_form_insert(pd_db *db, struct pd_cc_qa_form *f)
{
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_text(&p, f->code);
    pd__pg_p_text(&p, f->name);
    pd__pg_p_text(&p, f->items ? f->items : "[]");
    p_ref(&p, f->created_by);
    pd__pg_p_i64(&p, now);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_FORM_INSERT,
        "INSERT INTO cc_qa_forms (code, version, name, items, created_by, created_ms)"
        " SELECT $1::text, COALESCE(MAX(version), 0) + 1, $2::text, $3::text, $4::bigint,"
        " $5::bigint FROM cc_qa_forms WHERE code = $1::text"
        " ON CONFLICT (code, version) DO NOTHING RETURNING id, version",
        &p, &qs);
    if (!r)
        return qs;
    if (PQntuples(r) == 0) {
        qs = PD_QS_SOFT; /* a concurrent writer took this version: draw again */
    } else {
        f->id = pd__pg_i64(r, 0, 0);
        f->version = (int)pd__pg_i64(r, 0, 1);
        f->created_ms = now;
        qs = PD_QS_ONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_qa_form_get(pd_db *db, int64_t id, const char *code, pd_cc_form_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd_qs qs;
    PGresult *r;
    if (id > 0) {
        pd__pg_p_i64(&p, id);
        r = pd__pg_run(C(db), PD_PG_CC_FORM_GET,
                       "SELECT " FORM_COLS FORM_FROM " WHERE f.id = $1::bigint", &p, &qs);
    } else {
        pd__pg_p_text(&p, code ? code : "");
        r = pd__pg_run(C(db), PD_PG_CC_FORM_LATEST,
                       "SELECT " FORM_COLS FORM_FROM
                       " WHERE f.code = $1::text ORDER BY f.version DESC LIMIT 1",
                       &p, &qs);
    }
    return r ? each_form(r, qs, cb, cls) : qs;
}

pd_qs pd__pg_cc_qa_form_list(pd_db *db, bool all_versions, pd_cc_form_cb cb, void *cls)
{
    pd_qs qs;
    PGresult *r =
        all_versions
            ? pd__pg_run(C(db), PD_PG_CC_FORM_LIST_ALL,
                         "SELECT " FORM_COLS FORM_FROM " ORDER BY f.code COLLATE \"C\", f.version",
                         NULL, &qs)
            : pd__pg_run(C(db), PD_PG_CC_FORM_LIST,
                         "SELECT " FORM_COLS FORM_FROM
                         " WHERE f.version = (SELECT MAX(g.version) FROM cc_qa_forms g"
                         " WHERE g.code = f.code) ORDER BY f.code COLLATE \"C\"",
                         NULL, &qs);
    return r ? each_form(r, qs, cb, cls) : qs;
}

pd_qs pd__pg_cc_qa_score_insert(pd_db *db, struct pd_cc_qa_score *s)
{
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, s->form_id);
    pd__pg_p_i64(&p, s->agent_id);
    p_ref(&p, s->supervisor_id);
    pd__pg_p_text(&p, s->call_id);
    pd__pg_p_text(&p, s->waybill_no);
    pd__pg_p_i64(&p, s->score_x100);
    pd__pg_p_text(&p, s->items ? s->items : "[]");
    pd__pg_p_text(&p, s->comment);
    pd__pg_p_i64(&p, now);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_SCORE_INSERT,
        "INSERT INTO cc_qa_scores (form_id, agent_id, supervisor_id, call_id, waybill_no,"
        " score_x100, items, comment, created_ms) VALUES ($1::bigint, $2::bigint, $3::bigint,"
        " $4::text, $5::text, $6::integer, $7::text, $8::text, $9::bigint) RETURNING id",
        &p, &qs);
    if (!r)
        return qs;
    s->id = pd__pg_i64(r, 0, 0);
    s->created_ms = now;
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_cc_qa_score_list(pd_db *db, const struct pd_cc_score_filter *f, pd_cc_score_cb cb,
                              void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    struct pd__pg_params p = {0};
    if (!p_scope(&p, f->node_path, lo, hi))
        return PD_QS_HARD;
    p_ref(&p, f->agent_id);
    p_ref(&p, f->user_id);
    pd__pg_p_i64(&p, f->from_ms);
    pd__pg_p_i64(&p, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_SCORE_LIST,
        "SELECT s.id, s.form_id, f.code, f.version, s.agent_id, a.agent, COALESCE(a.user_id, 0),"
        " a.node_id, n.path, COALESCE(s.supervisor_id, 0), COALESCE(u.username, ''), s.call_id,"
        " s.waybill_no, s.score_x100, s.comment, s.created_ms, s.items"
        " FROM cc_qa_scores s JOIN cc_qa_forms f ON f.id = s.form_id"
        " JOIN cc_agents a ON a.id = s.agent_id JOIN nodes n ON n.id = a.node_id"
        " LEFT JOIN users u ON u.id = s.supervisor_id WHERE " SCOPE
        " AND ($3::bigint IS NULL OR s.agent_id = $3::bigint)"
        " AND ($4::bigint IS NULL OR a.user_id = $4::bigint)"
        " AND s.created_ms >= $5::bigint AND s.created_ms < $6::bigint AND s.id < $7::bigint"
        " ORDER BY s.id DESC LIMIT $8::integer",
        &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_qa_score s;
        memset(&s, 0, sizeof s);
        s.id = pd__pg_i64(r, i, 0);
        s.form_id = pd__pg_i64(r, i, 1);
        pd__pg_col(r, i, 2, s.form_code, sizeof s.form_code);
        s.form_version = (int)pd__pg_i64(r, i, 3);
        s.agent_id = pd__pg_i64(r, i, 4);
        pd__pg_col(r, i, 5, s.agent, sizeof s.agent);
        s.agent_user_id = pd__pg_i64(r, i, 6);
        s.node_id = pd__pg_i64(r, i, 7);
        pd__pg_col(r, i, 8, s.node_path, sizeof s.node_path);
        s.supervisor_id = pd__pg_i64(r, i, 9);
        pd__pg_col(r, i, 10, s.supervisor_name, sizeof s.supervisor_name);
        pd__pg_col(r, i, 11, s.call_id, sizeof s.call_id);
        pd__pg_col(r, i, 12, s.waybill_no, sizeof s.waybill_no);
        s.score_x100 = (int)pd__pg_i64(r, i, 13);
        pd__pg_col(r, i, 14, s.comment, sizeof s.comment);
        s.created_ms = pd__pg_i64(r, i, 15);
        s.items = PQgetvalue(r, i, 16);
        int cr = cb(cls, &s);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

/* ---- shifts and attendance ---------------------------------------------------- */

static const char *const att_names[] = {
    [PD_CC_NOT_RECORDED] = "", [PD_CC_PRESENT] = "present", [PD_CC_ABSENT] = "absent"};

#define SHIFT_COLS                                                                                 \
    "s.id, s.agent_id, a.agent, COALESCE(a.user_id, 0), s.node_id, n.code, n.path, s.start_ms,"    \
    " s.end_ms, COALESCE(s.created_by, 0), s.created_ms, COALESCE(t.status, ''),"                  \
    " COALESCE(t.clock_in_ms, 0), COALESCE(t.clock_out_ms, 0), COALESCE(t.late_min, 0),"           \
    " COALESCE(t.reason, ''), COALESCE(t.recorded_by, 0), COALESCE(t.recorded_ms, 0)"
#define SHIFT_FROM                                                                                 \
    " FROM cc_shifts s JOIN cc_agents a ON a.id = s.agent_id JOIN nodes n ON n.id = s.node_id"     \
    " LEFT JOIN cc_attendance t ON t.shift_id = s.id"

static void shift_row(const PGresult *r, int i, struct pd_cc_shift *s)
{
    memset(s, 0, sizeof *s);
    s->id = pd__pg_i64(r, i, 0);
    s->agent_id = pd__pg_i64(r, i, 1);
    pd__pg_col(r, i, 2, s->agent, sizeof s->agent);
    s->agent_user_id = pd__pg_i64(r, i, 3);
    s->node_id = pd__pg_i64(r, i, 4);
    pd__pg_col(r, i, 5, s->node_code, sizeof s->node_code);
    pd__pg_col(r, i, 6, s->node_path, sizeof s->node_path);
    s->start_ms = pd__pg_i64(r, i, 7);
    s->end_ms = pd__pg_i64(r, i, 8);
    s->created_by = pd__pg_i64(r, i, 9);
    s->created_ms = pd__pg_i64(r, i, 10);
    const char *st = PQgetvalue(r, i, 11);
    s->att.shift_id = s->id;
    s->att.status = !strcmp(st, "present")  ? PD_CC_PRESENT
                    : !strcmp(st, "absent") ? PD_CC_ABSENT
                                            : PD_CC_NOT_RECORDED;
    s->att.clock_in_ms = pd__pg_i64(r, i, 12);
    s->att.clock_out_ms = pd__pg_i64(r, i, 13);
    s->att.late_min = (int)pd__pg_i64(r, i, 14);
    pd__pg_col(r, i, 15, s->att.reason, sizeof s->att.reason);
    s->att.recorded_by = pd__pg_i64(r, i, 16);
    s->att.recorded_ms = pd__pg_i64(r, i, 17);
}

pd_qs pd__pg_cc_shift_insert(pd_db *db, struct pd_cc_shift *sh, int64_t *overlap_id)
{
    struct pd__pg_conn *c = C(db);
    *overlap_id = 0;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, sh->agent_id);
    pd_qs qs = pd__pg_cmd(c, PD_PG_CC_AGENT_LOCK,
                          "SELECT id FROM cc_agents WHERE id = $1::bigint FOR UPDATE", &p);
    if (qs <= 0)
        return qs < 0 ? qs : PD_QS_HARD; /* the handler read the agent in this transaction */
    /* Shifts last at most a day (011's CHECK), so the agent's index range
     * from a day before the new start holds every shift that can overlap. */
    struct pd__pg_params q = {0};
    pd__pg_p_i64(&q, sh->agent_id);
    pd__pg_p_i64(&q, sh->start_ms);
    pd__pg_p_i64(&q, sh->end_ms);
    PGresult *r = pd__pg_run(c, PD_PG_CC_SHIFT_OVERLAP,
                             "SELECT id FROM cc_shifts WHERE agent_id = $1::bigint"
                             " AND start_ms > $2::bigint - 86400000 AND start_ms < $3::bigint"
                             " AND end_ms > $2::bigint ORDER BY start_ms LIMIT 1",
                             &q, &qs);
    if (!r)
        return qs;
    if (PQntuples(r) > 0)
        *overlap_id = pd__pg_i64(r, 0, 0);
    PQclear(r);
    if (*overlap_id)
        return PD_QS_NONE;
    int64_t now = pd_now_ms();
    struct pd__pg_params w = {0};
    pd__pg_p_i64(&w, sh->agent_id);
    pd__pg_p_i64(&w, sh->node_id);
    pd__pg_p_i64(&w, sh->start_ms);
    pd__pg_p_i64(&w, sh->end_ms);
    p_ref(&w, sh->created_by);
    pd__pg_p_i64(&w, now);
    r = pd__pg_run(c, PD_PG_CC_SHIFT_INSERT,
                   "INSERT INTO cc_shifts (agent_id, node_id, start_ms, end_ms, created_by,"
                   " created_ms) VALUES ($1::bigint, $2::bigint, $3::bigint, $4::bigint,"
                   " $5::bigint, $6::bigint) RETURNING id",
                   &w, &qs);
    if (!r)
        return qs;
    sh->id = pd__pg_i64(r, 0, 0);
    sh->created_ms = now;
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_cc_shift_get(pd_db *db, int64_t id, struct pd_cc_shift *out)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, id);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_CC_SHIFT_GET,
                             "SELECT " SHIFT_COLS SHIFT_FROM " WHERE s.id = $1::bigint", &p, &qs);
    if (!r)
        return qs;
    qs = PD_QS_NONE;
    if (PQntuples(r) > 0) {
        shift_row(r, 0, out);
        qs = PD_QS_ONE;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_shift_list(pd_db *db, const struct pd_cc_shift_filter *f, pd_cc_shift_cb cb,
                           void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    struct pd__pg_params p = {0};
    if (!p_scope(&p, f->node_path, lo, hi))
        return PD_QS_HARD;
    p_ref(&p, f->agent_id);
    p_ref(&p, f->user_id);
    pd__pg_p_i64(&p, f->from_ms);
    pd__pg_p_i64(&p, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_CC_SHIFT_LIST,
                             "SELECT " SHIFT_COLS SHIFT_FROM " WHERE " SCOPE
                             " AND ($3::bigint IS NULL OR s.agent_id = $3::bigint)"
                             " AND ($4::bigint IS NULL OR a.user_id = $4::bigint)"
                             " AND s.start_ms >= $5::bigint AND s.start_ms < $6::bigint"
                             " ORDER BY s.start_ms, s.id LIMIT $7::integer",
                             &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_shift s;
        shift_row(r, i, &s);
        int cr = cb(cls, &s);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_attendance_put(pd_db *db, const struct pd_cc_attendance *a)
{
    if (PD_BREAK(a->status == PD_CC_PRESENT || a->status == PD_CC_ABSENT))
        return PD_QS_HARD;
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, a->shift_id);
    pd__pg_p_text(&p, att_names[a->status]);
    pd__pg_p_i64(&p, a->clock_in_ms);
    pd__pg_p_i64(&p, a->clock_out_ms);
    pd__pg_p_i64(&p, a->late_min);
    pd__pg_p_text(&p, a->reason);
    p_ref(&p, a->recorded_by);
    pd__pg_p_i64(&p, a->recorded_ms);
    return pd__pg_cmd(C(db), PD_PG_CC_ATT_PUT,
                      "INSERT INTO cc_attendance (shift_id, status, clock_in_ms, clock_out_ms,"
                      " late_min, reason, recorded_by, recorded_ms) VALUES ($1::bigint, $2::text,"
                      " $3::bigint, $4::bigint, $5::integer, $6::text, $7::bigint, $8::bigint)"
                      " ON CONFLICT (shift_id) DO UPDATE SET status = excluded.status,"
                      " clock_in_ms = excluded.clock_in_ms, clock_out_ms = excluded.clock_out_ms,"
                      " late_min = excluded.late_min, reason = excluded.reason,"
                      " recorded_by = excluded.recorded_by, recorded_ms = excluded.recorded_ms",
                      &p);
}

/* ---- costs -------------------------------------------------------------------- */

pd_qs pd__pg_cc_cost_insert(pd_db *db, struct pd_cc_cost *k)
{
    int64_t now = pd_now_ms();
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, k->node_id);
    pd__pg_p_text(&p, k->queue);
    pd__pg_p_i64(&p, k->from_ms);
    pd__pg_p_i64(&p, k->to_ms);
    pd__pg_p_i64(&p, k->amount_fen);
    pd__pg_p_text(&p, k->category);
    pd__pg_p_text(&p, k->note);
    p_ref(&p, k->created_by);
    pd__pg_p_i64(&p, now);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_CC_COST_INSERT,
                             "INSERT INTO cc_costs (node_id, queue, from_ms, to_ms, amount_fen,"
                             " category, note, created_by, created_ms) VALUES ($1::bigint,"
                             " $2::text, $3::bigint, $4::bigint, $5::bigint, $6::text, $7::text,"
                             " $8::bigint, $9::bigint) RETURNING id",
                             &p, &qs);
    if (!r)
        return qs;
    k->id = pd__pg_i64(r, 0, 0);
    k->created_ms = now;
    PQclear(r);
    return PD_QS_ONE;
}

pd_qs pd__pg_cc_cost_list(pd_db *db, const struct pd_cc_cost_filter *f, pd_cc_cost_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    struct pd__pg_params p = {0};
    if (!p_scope(&p, f->node_path, lo, hi))
        return PD_QS_HARD;
    pd__pg_p_i64(&p, f->from_ms > 0 ? f->from_ms : INT64_MIN);
    pd__pg_p_i64(&p, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__pg_p_text(&p, f->queue); /* NULL: any; "": whole-centre entries */
    pd__pg_p_i64(&p, f->before_id > 0 ? f->before_id : INT64_MAX);
    pd__pg_p_i64(&p, pd__list_limit(f->limit));
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_COST_LIST,
        "SELECT k.id, k.node_id, n.code, n.path, k.queue, k.from_ms, k.to_ms, k.amount_fen,"
        " k.category, k.note, COALESCE(k.created_by, 0), COALESCE(u.username, ''), k.created_ms"
        " FROM cc_costs k JOIN nodes n ON n.id = k.node_id LEFT JOIN users u ON u.id = k.created_by"
        " WHERE " SCOPE " AND k.to_ms > $3::bigint AND k.from_ms < $4::bigint"
        " AND ($5::text IS NULL OR k.queue = $5::text) AND k.id < $6::bigint"
        " ORDER BY k.id DESC LIMIT $7::integer",
        &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_cost k;
        memset(&k, 0, sizeof k);
        k.id = pd__pg_i64(r, i, 0);
        k.node_id = pd__pg_i64(r, i, 1);
        pd__pg_col(r, i, 2, k.node_code, sizeof k.node_code);
        pd__pg_col(r, i, 3, k.node_path, sizeof k.node_path);
        pd__pg_col(r, i, 4, k.queue, sizeof k.queue);
        k.from_ms = pd__pg_i64(r, i, 5);
        k.to_ms = pd__pg_i64(r, i, 6);
        k.amount_fen = pd__pg_i64(r, i, 7);
        pd__pg_col(r, i, 8, k.category, sizeof k.category);
        pd__pg_col(r, i, 9, k.note, sizeof k.note);
        k.created_by = pd__pg_i64(r, i, 10);
        pd__pg_col(r, i, 11, k.created_by_name, sizeof k.created_by_name);
        k.created_ms = pd__pg_i64(r, i, 12);
        int cr = cb(cls, &k);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

/* ---- the figures the statistics merge reads (cc_own.c) ----------------------- */

static pd_qs each_own(PGresult *r, pd_qs qs, pd_cc_own_cb cb, void *cls)
{
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_own_row o = {
            .agent_id = pd__pg_i64(r, i, 0),
            .n = pd__pg_i64(r, i, 1),
            .sum = pd__pg_i64(r, i, 2),
            .seconds = pd__pg_i64(r, i, 3),
        };
        int cr = cb(cls, &o);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_own_qa(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, from_ms);
    pd__pg_p_i64(&p, to_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(C(db), PD_PG_CC_OWN_QA,
                             "SELECT agent_id, COUNT(*), SUM(score_x100), 0 FROM cc_qa_scores"
                             " WHERE created_ms >= $1::bigint AND created_ms < $2::bigint"
                             " GROUP BY agent_id ORDER BY agent_id",
                             &p, &qs);
    return r ? each_own(r, qs, cb, cls) : qs;
}

pd_qs pd__pg_cc_own_shifts(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, from_ms);
    pd__pg_p_i64(&p, to_ms);
    pd_qs qs;
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_OWN_SHIFTS,
        "SELECT s.agent_id, COUNT(*), SUM(CASE WHEN t.status = 'present' THEN 1 ELSE 0 END),"
        " (SUM(LEAST(s.end_ms, $2::bigint) - s.start_ms) / 1000)::bigint"
        " FROM cc_shifts s LEFT JOIN cc_attendance t ON t.shift_id = s.id"
        " WHERE s.start_ms >= $1::bigint AND s.start_ms < $2::bigint"
        " GROUP BY s.agent_id ORDER BY s.agent_id",
        &p, &qs);
    return r ? each_own(r, qs, cb, cls) : qs;
}

pd_qs pd__pg_cc_own_waybills(pd_db *db, int64_t user_id, int64_t from_ms, int64_t to_ms,
                             int64_t *entered, int64_t *corrected)
{
    struct pd__pg_params p = {0};
    pd__pg_p_i64(&p, user_id);
    pd__pg_p_i64(&p, from_ms);
    pd__pg_p_i64(&p, to_ms);
    pd_qs qs;
    /* Corrections are found through the audit log's (object_type,
     * object_id) index; an edit of a draft is the agent still typing. The
     * CASE keeps the JSON cast to waybill.update rows, whose detail the
     * order handler writes. */
    PGresult *r =
        pd__pg_run(C(db), PD_PG_CC_OWN_WAYBILLS,
                   "SELECT COUNT(*), COUNT(*) FILTER (WHERE EXISTS (SELECT 1 FROM audit_log l"
                   " WHERE l.object_type = 'waybill' AND l.object_id = w.waybill_no"
                   " AND CASE WHEN l.action = 'waybill.update'"
                   " THEN COALESCE(l.detail::jsonb ->> 'from', '') <> 'draft'"
                   " ELSE l.action = 'waybill.flag' END))"
                   " FROM waybills w WHERE w.created_by = $1::bigint AND w.created_ms >= $2::bigint"
                   " AND w.created_ms < $3::bigint",
                   &p, &qs);
    if (!r)
        return qs;
    *entered = pd__pg_i64(r, 0, 0);
    *corrected = pd__pg_i64(r, 0, 1);
    PQclear(r);
    return PD_QS_ONE;
}

/* ---- the screen pop ------------------------------------------------------------ */

pd_qs pd__pg_cc_lookup_customers(pd_db *db, const char *phone, const char *node_path, int limit,
                                 pd_customer_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    struct pd__pg_params p = {0};
    if (!p_scope(&p, node_path, lo, hi))
        return PD_QS_HARD;
    pd__pg_p_text(&p, phone);
    pd__pg_p_i64(&p, pd__list_limit(limit));
    pd_qs qs;
    PGresult *r =
        pd__pg_run(C(db), PD_PG_CC_LOOKUP_CUSTOMERS,
                   "SELECT c.id, c.code, c.name, c.phone, c.node_id, n.path, c.monthly, c.active,"
                   " c.created_ms, n.code FROM customers c JOIN nodes n ON n.id = c.node_id"
                   " WHERE c.phone = $3::text AND " SCOPE " ORDER BY c.code LIMIT $4::integer",
                   &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_customer cu;
        memset(&cu, 0, sizeof cu);
        cu.id = pd__pg_i64(r, i, 0);
        pd__pg_col(r, i, 1, cu.code, sizeof cu.code);
        pd__pg_col(r, i, 2, cu.name, sizeof cu.name);
        pd__pg_col(r, i, 3, cu.phone, sizeof cu.phone);
        cu.node_id = pd__pg_i64(r, i, 4);
        pd__pg_col(r, i, 5, cu.node_path, sizeof cu.node_path);
        cu.monthly = pd__pg_bool(r, i, 6);
        cu.active = pd__pg_bool(r, i, 7);
        cu.created_ms = pd__pg_i64(r, i, 8);
        pd__pg_col(r, i, 9, cu.node_code, sizeof cu.node_code);
        int cr = cb(cls, &cu);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}

pd_qs pd__pg_cc_lookup_waybills(pd_db *db, const char *phone, const char *node_path, int scan_max,
                                int limit, pd_cc_lookup_cb cb, void *cls)
{
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    struct pd__pg_params p = {0};
    if (!p_scope(&p, node_path, lo, hi))
        return PD_QS_HARD;
    pd__pg_p_text(&p, phone);
    pd__pg_p_i64(&p, scan_max > 0 ? scan_max : 200);
    pd__pg_p_i64(&p, pd__list_limit(limit));
    pd_qs qs;
    /* Two bounded reads backwards on the phone indexes of 002, then the
     * tracking row of each by its serial (the primary key): no scan grows
     * with the number's history. The serial is the 12 digits after "PD". */
    PGresult *r = pd__pg_run(
        C(db), PD_PG_CC_LOOKUP_WAYBILLS,
        "SELECT w.id, w.waybill_no, w.state, COALESCE(t.status, ''), w.node_id, n.code, n.path,"
        " w.sender_phone, w.recipient_phone, w.created_ms, w.doc"
        " FROM ((SELECT id FROM waybills WHERE sender_phone = $3::text ORDER BY id DESC"
        " LIMIT $4::integer) UNION (SELECT id FROM waybills WHERE recipient_phone = $3::text"
        " ORDER BY id DESC LIMIT $4::integer)) k"
        " JOIN waybills w ON w.id = k.id JOIN nodes n ON n.id = w.node_id"
        " LEFT JOIN tracking t ON t.serial = substr(w.waybill_no, 3, 12)::bigint"
        " WHERE w.state <> 'cancelled' AND (t.status IS NULL OR t.status NOT IN ('delivered',"
        " 'delivered_proxy', 'delivered_locker', 'returned', 'cancelled')) AND " SCOPE
        " ORDER BY w.id DESC LIMIT $5::integer",
        &p, &qs);
    if (!r)
        return qs;
    int rows = PQntuples(r);
    for (int i = 0; i < rows && qs >= 0; i++) {
        struct pd_cc_lookup_waybill w;
        memset(&w, 0, sizeof w);
        w.id = pd__pg_i64(r, i, 0);
        pd__pg_col(r, i, 1, w.waybill_no, sizeof w.waybill_no);
        pd__pg_col(r, i, 2, w.state, sizeof w.state);
        pd__pg_col(r, i, 3, w.status, sizeof w.status);
        w.node_id = pd__pg_i64(r, i, 4);
        pd__pg_col(r, i, 5, w.node_code, sizeof w.node_code);
        pd__pg_col(r, i, 6, w.node_path, sizeof w.node_path);
        pd__pg_col(r, i, 7, w.sender_phone, sizeof w.sender_phone);
        pd__pg_col(r, i, 8, w.recipient_phone, sizeof w.recipient_phone);
        w.created_ms = pd__pg_i64(r, i, 9);
        w.doc = PQgetvalue(r, i, 10);
        int cr = cb(cls, &w);
        if (cr < 0)
            qs = (pd_qs)cr;
    }
    PQclear(r);
    return qs;
}
