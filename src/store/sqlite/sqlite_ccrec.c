/*
 * SQLite queries of the call centre's own records (issue 6 part B): the
 * agent roster, versioned QA forms and their scores, shifts with their
 * attendance, cost entries, the per-agent sums the statistics merge reads
 * (http/api/cc_own.c), and the two indexed look-ups of the screen pop.
 *
 * Concurrency: writers hold SQLite's single write lock, so the next form
 * version and the overlap check before a shift insert see every committed
 * row and nobody can slip in between. Scoping is the byte range on a node
 * path, as in sqlite_orders.c; a NULL or empty path reads the whole network.
 * Not here: business rules (weights, maxima, dates), which the handler
 * checks before it calls.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

/* Bind the subtree of @p path as ?lo and ?hi, or NULLs for the whole network. */
static bool bind_scope(sqlite3_stmt *s, int lo_i, int hi_i, const char *path)
{
    if (!path || !path[0]) {
        sqlite3_bind_null(s, lo_i);
        sqlite3_bind_null(s, hi_i);
        return true;
    }
    char lo[PD_PATH_MAX], hi[PD_PATH_MAX];
    if (PD_BREAK(path[0] == '/') || PD_BREAK(pd__path_range(path, lo, hi)))
        return false;
    sqlite3_bind_text(s, lo_i, lo, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, hi_i, hi, -1, SQLITE_TRANSIENT);
    return true;
}

/* Run a statement returning rows, handing each to @p row; the row count or a failure. */
static pd_qs each_row(struct pd__sq_conn *c, sqlite3_stmt *s, const char *what,
                      int (*row)(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx), void *ctx)
{
    pd_qs qs = PD_QS_NONE;
    int rc, count = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        int cr = row(c, s, ctx);
        if (cr < 0) {
            qs = (pd_qs)cr;
            break;
        }
        count++;
    }
    if (qs >= 0)
        qs = rc == SQLITE_DONE ? (pd_qs)count : pd__sq_fail(c, rc, what);
    pd__sq_done(s);
    return qs;
}

/* A typed callback carried through each_row: stored as void (*)(void), the
 * one function type every other converts to and back from without loss. */
struct visit {
    void (*cb)(void);
    void *cls;
};

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

static void agent_row(sqlite3_stmt *s, struct pd_cc_agent *a)
{
    memset(a, 0, sizeof *a);
    a->id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, a->agent, sizeof a->agent);
    a->user_id = sqlite3_column_int64(s, 2);
    pd__sq_col(s, 3, a->username, sizeof a->username);
    pd__sq_col(s, 4, a->display_name, sizeof a->display_name);
    a->node_id = sqlite3_column_int64(s, 5);
    pd__sq_col(s, 6, a->node_code, sizeof a->node_code);
    pd__sq_col(s, 7, a->node_path, sizeof a->node_path);
    queues_split((const char *)sqlite3_column_text(s, 8), a);
    a->start_ms = sqlite3_column_int64(s, 9);
    a->leave_ms = sqlite3_column_int64(s, 10);
    a->created_ms = sqlite3_column_int64(s, 11);
    a->updated_ms = sqlite3_column_int64(s, 12);
}

pd_qs pd__sq_cc_agent_insert(pd_db *db, struct pd_cc_agent *a, bool *dup)
{
    struct pd__sq_conn *c = C(db);
    *dup = false;
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CC_AGENT_INSERT,
                    "INSERT INTO cc_agents (agent, user_id, node_id, queues, start_ms,"
                    " leave_ms, created_ms, updated_ms)"
                    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
                    " ON CONFLICT (agent) DO NOTHING RETURNING id");
    if (!s)
        return PD_QS_HARD;
    char queues[PD_CC_QUEUES_MAX * PD_CC_NAME_SIZE];
    queues_join(a, queues, sizeof queues);
    int64_t now = pd_now_ms();
    pd__sq_text(s, 1, a->agent);
    bind_ref(s, 2, a->user_id);
    pd__sq_i64(s, 3, a->node_id);
    pd__sq_text(s, 4, queues);
    pd__sq_i64(s, 5, a->start_ms);
    pd__sq_i64(s, 6, a->leave_ms);
    pd__sq_i64(s, 7, now);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        a->id = sqlite3_column_int64(s, 0);
        a->created_ms = a->updated_ms = now;
        qs = PD_QS_ONE;
    } else if (rc == SQLITE_DONE) {
        *dup = true;
        qs = PD_QS_NONE;
    } else {
        qs = pd__sq_fail(c, rc, "cc_agent_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_cc_agent_update(pd_db *db, const struct pd_cc_agent *a)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CC_AGENT_UPDATE,
                                  "UPDATE cc_agents SET user_id = ?2, node_id = ?3, queues = ?4,"
                                  " start_ms = ?5, leave_ms = ?6, updated_ms = ?7 WHERE id = ?1");
    if (!s)
        return PD_QS_HARD;
    char queues[PD_CC_QUEUES_MAX * PD_CC_NAME_SIZE];
    queues_join(a, queues, sizeof queues);
    pd__sq_i64(s, 1, a->id);
    bind_ref(s, 2, a->user_id);
    pd__sq_i64(s, 3, a->node_id);
    pd__sq_text(s, 4, queues);
    pd__sq_i64(s, 5, a->start_ms);
    pd__sq_i64(s, 6, a->leave_ms);
    pd__sq_i64(s, 7, pd_now_ms());
    return pd__sq_exec(c, s, "cc_agent_update");
}

pd_qs pd__sq_cc_agent_get(pd_db *db, int64_t id, struct pd_cc_agent *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CC_AGENT_GET, "SELECT " AGENT_COLS AGENT_FROM " WHERE a.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_NONE;
    if (rc == SQLITE_ROW) {
        agent_row(s, out);
        qs = PD_QS_ONE;
    } else if (rc != SQLITE_DONE) {
        qs = pd__sq_fail(c, rc, "cc_agent_get");
    }
    pd__sq_done(s);
    return qs;
}

static int visit_agent(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_agent a;
    agent_row(s, &a);
    return ((pd_cc_agent_cb)v->cb)(v->cls, &a);
}

pd_qs pd__sq_cc_agent_list(pd_db *db, const struct pd_cc_agent_filter *f, pd_cc_agent_cb cb,
                           void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* The roster is small and read whole: one statement, optional filters. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_AGENT_LIST,
        "SELECT " AGENT_COLS AGENT_FROM " WHERE (?1 IS NULL OR (n.path >= ?1 AND n.path < ?2))"
        " AND (?3 IS NULL OR a.user_id = ?3)"
        " AND (?4 IS NULL OR instr(' ' || a.queues || ' ', ' ' || ?4 || ' ') > 0)"
        " AND (?5 IS NULL OR a.agent = ?5) ORDER BY a.agent");
    if (!s)
        return PD_QS_HARD;
    if (!bind_scope(s, 1, 2, f->node_path)) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    bind_ref(s, 3, f->user_id);
    pd__sq_opt(s, 4, f->queue);
    pd__sq_opt(s, 5, f->agent);
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_agent_list", visit_agent, &v);
}

/* ---- QA forms and scores ---------------------------------------------------- */

#define FORM_COLS                                                                                  \
    "f.id, f.code, f.version, f.name, COALESCE(f.created_by, 0), COALESCE(u.username, ''),"        \
    " f.created_ms, f.items"
#define FORM_FROM " FROM cc_qa_forms f LEFT JOIN users u ON u.id = f.created_by"

static int visit_form(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_qa_form f;
    memset(&f, 0, sizeof f);
    f.id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, f.code, sizeof f.code);
    f.version = sqlite3_column_int(s, 2);
    pd__sq_col(s, 3, f.name, sizeof f.name);
    f.created_by = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, f.created_by_name, sizeof f.created_by_name);
    f.created_ms = sqlite3_column_int64(s, 6);
    const char *items = (const char *)sqlite3_column_text(s, 7);
    f.items = items ? items : "[]";
    return ((pd_cc_form_cb)v->cb)(v->cls, &f);
}

pd_qs pd__sq_cc_qa_form_insert(pd_db *db, struct pd_cc_qa_form *f)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_FORM_INSERT,
        "INSERT INTO cc_qa_forms (code, version, name, items, created_by, created_ms)"
        " SELECT ?1, COALESCE(MAX(version), 0) + 1, ?2, ?3, ?4, ?5 FROM cc_qa_forms WHERE code = ?1"
        " ON CONFLICT (code, version) DO NOTHING RETURNING id, version");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_text(s, 1, f->code);
    pd__sq_text(s, 2, f->name);
    pd__sq_text(s, 3, f->items ? f->items : "[]");
    bind_ref(s, 4, f->created_by);
    pd__sq_i64(s, 5, now);
    int rc = sqlite3_step(s);
    pd_qs qs;
    if (rc == SQLITE_ROW) {
        f->id = sqlite3_column_int64(s, 0);
        f->version = sqlite3_column_int(s, 1);
        f->created_ms = now;
        qs = PD_QS_ONE;
    } else if (rc == SQLITE_DONE) {
        qs = PD_QS_SOFT; /* another writer took this version: draw again */
    } else {
        qs = pd__sq_fail(c, rc, "cc_qa_form_insert");
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_cc_qa_form_get(pd_db *db, int64_t id, const char *code, pd_cc_form_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        id > 0 ? pd__sq_prep(c, PD_SQ_CC_FORM_GET, "SELECT " FORM_COLS FORM_FROM " WHERE f.id = ?1")
               : pd__sq_prep(c, PD_SQ_CC_FORM_LATEST,
                             "SELECT " FORM_COLS FORM_FROM
                             " WHERE f.code = ?1 ORDER BY f.version DESC LIMIT 1");
    if (!s)
        return PD_QS_HARD;
    if (id > 0)
        pd__sq_i64(s, 1, id);
    else
        pd__sq_text(s, 1, code ? code : "");
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_qa_form_get", visit_form, &v);
}

pd_qs pd__sq_cc_qa_form_list(pd_db *db, bool all_versions, pd_cc_form_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        all_versions ? pd__sq_prep(c, PD_SQ_CC_FORM_LIST_ALL,
                                   "SELECT " FORM_COLS FORM_FROM " ORDER BY f.code, f.version")
                     : pd__sq_prep(c, PD_SQ_CC_FORM_LIST,
                                   "SELECT " FORM_COLS FORM_FROM
                                   " WHERE f.version = (SELECT MAX(g.version) FROM cc_qa_forms g"
                                   " WHERE g.code = f.code) ORDER BY f.code");
    if (!s)
        return PD_QS_HARD;
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_qa_form_list", visit_form, &v);
}

pd_qs pd__sq_cc_qa_score_insert(pd_db *db, struct pd_cc_qa_score *sc)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_SCORE_INSERT,
        "INSERT INTO cc_qa_scores (form_id, agent_id, supervisor_id, call_id, waybill_no,"
        " score_x100, items, comment, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " RETURNING id");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_i64(s, 1, sc->form_id);
    pd__sq_i64(s, 2, sc->agent_id);
    bind_ref(s, 3, sc->supervisor_id);
    pd__sq_text(s, 4, sc->call_id);
    pd__sq_text(s, 5, sc->waybill_no);
    sqlite3_bind_int(s, 6, sc->score_x100);
    pd__sq_text(s, 7, sc->items ? sc->items : "[]");
    pd__sq_text(s, 8, sc->comment);
    pd__sq_i64(s, 9, now);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "cc_qa_score_insert");
    if (qs == PD_QS_ONE) {
        sc->id = sqlite3_column_int64(s, 0);
        sc->created_ms = now;
    }
    pd__sq_done(s);
    return qs;
}

static int visit_score(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_qa_score r;
    memset(&r, 0, sizeof r);
    r.id = sqlite3_column_int64(s, 0);
    r.form_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, r.form_code, sizeof r.form_code);
    r.form_version = sqlite3_column_int(s, 3);
    r.agent_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, r.agent, sizeof r.agent);
    r.agent_user_id = sqlite3_column_int64(s, 6);
    r.node_id = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, r.node_path, sizeof r.node_path);
    r.supervisor_id = sqlite3_column_int64(s, 9);
    pd__sq_col(s, 10, r.supervisor_name, sizeof r.supervisor_name);
    pd__sq_col(s, 11, r.call_id, sizeof r.call_id);
    pd__sq_col(s, 12, r.waybill_no, sizeof r.waybill_no);
    r.score_x100 = sqlite3_column_int(s, 13);
    pd__sq_col(s, 14, r.comment, sizeof r.comment);
    r.created_ms = sqlite3_column_int64(s, 15);
    const char *items = (const char *)sqlite3_column_text(s, 16);
    r.items = items ? items : "[]";
    return ((pd_cc_score_cb)v->cb)(v->cls, &r);
}

pd_qs pd__sq_cc_qa_score_list(pd_db *db, const struct pd_cc_score_filter *f, pd_cc_score_cb cb,
                              void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_SCORE_LIST,
        "SELECT s.id, s.form_id, f.code, f.version, s.agent_id, a.agent, COALESCE(a.user_id, 0),"
        " a.node_id, n.path, COALESCE(s.supervisor_id, 0), COALESCE(u.username, ''), s.call_id,"
        " s.waybill_no, s.score_x100, s.comment, s.created_ms, s.items"
        " FROM cc_qa_scores s JOIN cc_qa_forms f ON f.id = s.form_id"
        " JOIN cc_agents a ON a.id = s.agent_id JOIN nodes n ON n.id = a.node_id"
        " LEFT JOIN users u ON u.id = s.supervisor_id"
        " WHERE (?1 IS NULL OR (n.path >= ?1 AND n.path < ?2))"
        " AND (?3 IS NULL OR s.agent_id = ?3) AND (?4 IS NULL OR a.user_id = ?4)"
        " AND s.created_ms >= ?5 AND s.created_ms < ?6 AND s.id < ?7"
        " ORDER BY s.id DESC LIMIT ?8");
    if (!s)
        return PD_QS_HARD;
    if (!bind_scope(s, 1, 2, f->node_path)) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    bind_ref(s, 3, f->agent_id);
    bind_ref(s, 4, f->user_id);
    pd__sq_i64(s, 5, f->from_ms);
    pd__sq_i64(s, 6, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__sq_i64(s, 7, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 8, pd__list_limit(f->limit));
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_qa_score_list", visit_score, &v);
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

static void shift_row(sqlite3_stmt *s, struct pd_cc_shift *r)
{
    memset(r, 0, sizeof *r);
    r->id = sqlite3_column_int64(s, 0);
    r->agent_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, r->agent, sizeof r->agent);
    r->agent_user_id = sqlite3_column_int64(s, 3);
    r->node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, r->node_code, sizeof r->node_code);
    pd__sq_col(s, 6, r->node_path, sizeof r->node_path);
    r->start_ms = sqlite3_column_int64(s, 7);
    r->end_ms = sqlite3_column_int64(s, 8);
    r->created_by = sqlite3_column_int64(s, 9);
    r->created_ms = sqlite3_column_int64(s, 10);
    const char *st = (const char *)sqlite3_column_text(s, 11);
    r->att.shift_id = r->id;
    r->att.status = st && !strcmp(st, "present")  ? PD_CC_PRESENT
                    : st && !strcmp(st, "absent") ? PD_CC_ABSENT
                                                  : PD_CC_NOT_RECORDED;
    r->att.clock_in_ms = sqlite3_column_int64(s, 12);
    r->att.clock_out_ms = sqlite3_column_int64(s, 13);
    r->att.late_min = sqlite3_column_int(s, 14);
    pd__sq_col(s, 15, r->att.reason, sizeof r->att.reason);
    r->att.recorded_by = sqlite3_column_int64(s, 16);
    r->att.recorded_ms = sqlite3_column_int64(s, 17);
}

pd_qs pd__sq_cc_shift_insert(pd_db *db, struct pd_cc_shift *sh, int64_t *overlap_id)
{
    struct pd__sq_conn *c = C(db);
    *overlap_id = 0;
    /* Shifts last at most a day (011's CHECK), so the agent's index range
     * from a day before the new start holds every shift that can overlap. */
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CC_SHIFT_OVERLAP,
                                  "SELECT id FROM cc_shifts WHERE agent_id = ?1"
                                  " AND start_ms > ?2 - 86400000 AND start_ms < ?3 AND end_ms > ?2"
                                  " ORDER BY start_ms LIMIT 1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, sh->agent_id);
    pd__sq_i64(s, 2, sh->start_ms);
    pd__sq_i64(s, 3, sh->end_ms);
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_NONE;
    if (rc == SQLITE_ROW)
        *overlap_id = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_DONE)
        qs = pd__sq_fail(c, rc, "cc_shift_overlap");
    pd__sq_done(s);
    if (qs < 0 || *overlap_id)
        return qs;
    s = pd__sq_prep(c, PD_SQ_CC_SHIFT_INSERT,
                    "INSERT INTO cc_shifts (agent_id, node_id, start_ms, end_ms, created_by,"
                    " created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_i64(s, 1, sh->agent_id);
    pd__sq_i64(s, 2, sh->node_id);
    pd__sq_i64(s, 3, sh->start_ms);
    pd__sq_i64(s, 4, sh->end_ms);
    bind_ref(s, 5, sh->created_by);
    pd__sq_i64(s, 6, now);
    rc = sqlite3_step(s);
    qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "cc_shift_insert");
    if (qs == PD_QS_ONE) {
        sh->id = sqlite3_column_int64(s, 0);
        sh->created_ms = now;
    }
    pd__sq_done(s);
    return qs;
}

pd_qs pd__sq_cc_shift_get(pd_db *db, int64_t id, struct pd_cc_shift *out)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CC_SHIFT_GET, "SELECT " SHIFT_COLS SHIFT_FROM " WHERE s.id = ?1");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, id);
    int rc = sqlite3_step(s);
    pd_qs qs = PD_QS_NONE;
    if (rc == SQLITE_ROW) {
        shift_row(s, out);
        qs = PD_QS_ONE;
    } else if (rc != SQLITE_DONE) {
        qs = pd__sq_fail(c, rc, "cc_shift_get");
    }
    pd__sq_done(s);
    return qs;
}

static int visit_shift(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_shift r;
    shift_row(s, &r);
    return ((pd_cc_shift_cb)v->cb)(v->cls, &r);
}

pd_qs pd__sq_cc_shift_list(pd_db *db, const struct pd_cc_shift_filter *f, pd_cc_shift_cb cb,
                           void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CC_SHIFT_LIST,
                                  "SELECT " SHIFT_COLS SHIFT_FROM
                                  " WHERE (?1 IS NULL OR (n.path >= ?1 AND n.path < ?2))"
                                  " AND (?3 IS NULL OR s.agent_id = ?3)"
                                  " AND (?4 IS NULL OR a.user_id = ?4)"
                                  " AND s.start_ms >= ?5 AND s.start_ms < ?6"
                                  " ORDER BY s.start_ms, s.id LIMIT ?7");
    if (!s)
        return PD_QS_HARD;
    if (!bind_scope(s, 1, 2, f->node_path)) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    bind_ref(s, 3, f->agent_id);
    bind_ref(s, 4, f->user_id);
    pd__sq_i64(s, 5, f->from_ms);
    pd__sq_i64(s, 6, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    sqlite3_bind_int(s, 7, pd__list_limit(f->limit));
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_shift_list", visit_shift, &v);
}

pd_qs pd__sq_cc_attendance_put(pd_db *db, const struct pd_cc_attendance *a)
{
    struct pd__sq_conn *c = C(db);
    if (PD_BREAK(a->status == PD_CC_PRESENT || a->status == PD_CC_ABSENT))
        return PD_QS_HARD;
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_ATT_PUT,
        "INSERT INTO cc_attendance (shift_id, status, clock_in_ms, clock_out_ms, late_min, reason,"
        " recorded_by, recorded_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
        " ON CONFLICT (shift_id) DO UPDATE SET status = excluded.status,"
        " clock_in_ms = excluded.clock_in_ms, clock_out_ms = excluded.clock_out_ms,"
        " late_min = excluded.late_min, reason = excluded.reason,"
        " recorded_by = excluded.recorded_by, recorded_ms = excluded.recorded_ms");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, a->shift_id);
    pd__sq_text(s, 2, att_names[a->status]);
    pd__sq_i64(s, 3, a->clock_in_ms);
    pd__sq_i64(s, 4, a->clock_out_ms);
    sqlite3_bind_int(s, 5, a->late_min);
    pd__sq_text(s, 6, a->reason);
    bind_ref(s, 7, a->recorded_by);
    pd__sq_i64(s, 8, a->recorded_ms);
    return pd__sq_exec(c, s, "cc_attendance_put");
}

/* ---- costs -------------------------------------------------------------------- */

pd_qs pd__sq_cc_cost_insert(pd_db *db, struct pd_cc_cost *k)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CC_COST_INSERT,
                    "INSERT INTO cc_costs (node_id, queue, from_ms, to_ms, amount_fen, category,"
                    " note, created_by, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
                    " RETURNING id");
    if (!s)
        return PD_QS_HARD;
    int64_t now = pd_now_ms();
    pd__sq_i64(s, 1, k->node_id);
    pd__sq_text(s, 2, k->queue);
    pd__sq_i64(s, 3, k->from_ms);
    pd__sq_i64(s, 4, k->to_ms);
    pd__sq_i64(s, 5, k->amount_fen);
    pd__sq_text(s, 6, k->category);
    pd__sq_text(s, 7, k->note);
    bind_ref(s, 8, k->created_by);
    pd__sq_i64(s, 9, now);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "cc_cost_insert");
    if (qs == PD_QS_ONE) {
        k->id = sqlite3_column_int64(s, 0);
        k->created_ms = now;
    }
    pd__sq_done(s);
    return qs;
}

static int visit_cost(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_cost k;
    memset(&k, 0, sizeof k);
    k.id = sqlite3_column_int64(s, 0);
    k.node_id = sqlite3_column_int64(s, 1);
    pd__sq_col(s, 2, k.node_code, sizeof k.node_code);
    pd__sq_col(s, 3, k.node_path, sizeof k.node_path);
    pd__sq_col(s, 4, k.queue, sizeof k.queue);
    k.from_ms = sqlite3_column_int64(s, 5);
    k.to_ms = sqlite3_column_int64(s, 6);
    k.amount_fen = sqlite3_column_int64(s, 7);
    pd__sq_col(s, 8, k.category, sizeof k.category);
    pd__sq_col(s, 9, k.note, sizeof k.note);
    k.created_by = sqlite3_column_int64(s, 10);
    pd__sq_col(s, 11, k.created_by_name, sizeof k.created_by_name);
    k.created_ms = sqlite3_column_int64(s, 12);
    return ((pd_cc_cost_cb)v->cb)(v->cls, &k);
}

pd_qs pd__sq_cc_cost_list(pd_db *db, const struct pd_cc_cost_filter *f, pd_cc_cost_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_COST_LIST,
        "SELECT k.id, k.node_id, n.code, n.path, k.queue, k.from_ms, k.to_ms, k.amount_fen,"
        " k.category, k.note, COALESCE(k.created_by, 0), COALESCE(u.username, ''), k.created_ms"
        " FROM cc_costs k JOIN nodes n ON n.id = k.node_id LEFT JOIN users u ON u.id = k.created_by"
        " WHERE (?1 IS NULL OR (n.path >= ?1 AND n.path < ?2))"
        " AND k.to_ms > ?3 AND k.from_ms < ?4 AND (?5 IS NULL OR k.queue = ?5) AND k.id < ?6"
        " ORDER BY k.id DESC LIMIT ?7");
    if (!s)
        return PD_QS_HARD;
    if (!bind_scope(s, 1, 2, f->node_path)) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    pd__sq_i64(s, 3, f->from_ms > 0 ? f->from_ms : INT64_MIN);
    pd__sq_i64(s, 4, f->to_ms > 0 ? f->to_ms : INT64_MAX);
    pd__sq_text(s, 5, f->queue); /* NULL: any; "": whole-centre entries */
    pd__sq_i64(s, 6, f->before_id > 0 ? f->before_id : INT64_MAX);
    sqlite3_bind_int(s, 7, pd__list_limit(f->limit));
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_cost_list", visit_cost, &v);
}

/* ---- the figures the statistics merge reads (cc_own.c) ----------------------- */

static int visit_own(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_own_row r = {
        .agent_id = sqlite3_column_int64(s, 0),
        .n = sqlite3_column_int64(s, 1),
        .sum = sqlite3_column_int64(s, 2),
        .seconds = sqlite3_column_int64(s, 3),
    };
    return ((pd_cc_own_cb)v->cb)(v->cls, &r);
}

pd_qs pd__sq_cc_own_qa(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(c, PD_SQ_CC_OWN_QA,
                                  "SELECT agent_id, COUNT(*), SUM(score_x100), 0 FROM cc_qa_scores"
                                  " WHERE created_ms >= ?1 AND created_ms < ?2"
                                  " GROUP BY agent_id ORDER BY agent_id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, from_ms);
    pd__sq_i64(s, 2, to_ms);
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_own_qa", visit_own, &v);
}

pd_qs pd__sq_cc_own_shifts(pd_db *db, int64_t from_ms, int64_t to_ms, pd_cc_own_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_OWN_SHIFTS,
        "SELECT s.agent_id, COUNT(*), SUM(CASE WHEN t.status = 'present' THEN 1 ELSE 0 END),"
        " SUM(min(s.end_ms, ?2) - s.start_ms) / 1000"
        " FROM cc_shifts s LEFT JOIN cc_attendance t ON t.shift_id = s.id"
        " WHERE s.start_ms >= ?1 AND s.start_ms < ?2 GROUP BY s.agent_id ORDER BY s.agent_id");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, from_ms);
    pd__sq_i64(s, 2, to_ms);
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_own_shifts", visit_own, &v);
}

pd_qs pd__sq_cc_own_waybills(pd_db *db, int64_t user_id, int64_t from_ms, int64_t to_ms,
                             int64_t *entered, int64_t *corrected)
{
    struct pd__sq_conn *c = C(db);
    /* Corrections are found through the audit log's (object_type,
     * object_id) index; an edit of a draft is the agent still typing. */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_OWN_WAYBILLS,
        "SELECT COUNT(*), COALESCE(SUM(EXISTS (SELECT 1 FROM audit_log l"
        " WHERE l.object_type = 'waybill' AND l.object_id = w.waybill_no"
        " AND (l.action = 'waybill.flag' OR (l.action = 'waybill.update'"
        " AND COALESCE(json_extract(l.detail, '$.from'), '') <> 'draft')))), 0)"
        " FROM waybills w WHERE w.created_by = ?1 AND w.created_ms >= ?2 AND w.created_ms < ?3");
    if (!s)
        return PD_QS_HARD;
    pd__sq_i64(s, 1, user_id);
    pd__sq_i64(s, 2, from_ms);
    pd__sq_i64(s, 3, to_ms);
    int rc = sqlite3_step(s);
    pd_qs qs = rc == SQLITE_ROW ? PD_QS_ONE : pd__sq_fail(c, rc, "cc_own_waybills");
    if (qs == PD_QS_ONE) {
        *entered = sqlite3_column_int64(s, 0);
        *corrected = sqlite3_column_int64(s, 1);
    }
    pd__sq_done(s);
    return qs;
}

/* ---- the screen pop ------------------------------------------------------------ */

static int visit_customer(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_customer cu;
    memset(&cu, 0, sizeof cu);
    cu.id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, cu.code, sizeof cu.code);
    pd__sq_col(s, 2, cu.name, sizeof cu.name);
    pd__sq_col(s, 3, cu.phone, sizeof cu.phone);
    cu.node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, cu.node_path, sizeof cu.node_path);
    cu.monthly = sqlite3_column_int(s, 6) != 0;
    cu.active = sqlite3_column_int(s, 7) != 0;
    cu.created_ms = sqlite3_column_int64(s, 8);
    cu.contract = NULL; /* the screen pop does not show contracts */
    pd__sq_col(s, 9, cu.node_code, sizeof cu.node_code);
    return ((pd_customer_cb)v->cb)(v->cls, &cu);
}

pd_qs pd__sq_cc_lookup_customers(pd_db *db, const char *phone, const char *node_path, int limit,
                                 pd_customer_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    sqlite3_stmt *s =
        pd__sq_prep(c, PD_SQ_CC_LOOKUP_CUSTOMERS,
                    "SELECT c.id, c.code, c.name, c.phone, c.node_id, n.path, c.monthly, c.active,"
                    " c.created_ms, n.code FROM customers c JOIN nodes n ON n.id = c.node_id"
                    " WHERE c.phone = ?3 AND (?1 IS NULL OR (n.path >= ?1 AND n.path < ?2))"
                    " ORDER BY c.code LIMIT ?4");
    if (!s)
        return PD_QS_HARD;
    if (!bind_scope(s, 1, 2, node_path)) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    pd__sq_text(s, 3, phone);
    sqlite3_bind_int(s, 4, pd__list_limit(limit));
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_lookup_customers", visit_customer, &v);
}

static int visit_lookup(struct pd__sq_conn *c, sqlite3_stmt *s, void *ctx)
{
    (void)c;
    struct visit *v = ctx;
    struct pd_cc_lookup_waybill w;
    memset(&w, 0, sizeof w);
    w.id = sqlite3_column_int64(s, 0);
    pd__sq_col(s, 1, w.waybill_no, sizeof w.waybill_no);
    pd__sq_col(s, 2, w.state, sizeof w.state);
    pd__sq_col(s, 3, w.status, sizeof w.status);
    w.node_id = sqlite3_column_int64(s, 4);
    pd__sq_col(s, 5, w.node_code, sizeof w.node_code);
    pd__sq_col(s, 6, w.node_path, sizeof w.node_path);
    pd__sq_col(s, 7, w.sender_phone, sizeof w.sender_phone);
    pd__sq_col(s, 8, w.recipient_phone, sizeof w.recipient_phone);
    w.created_ms = sqlite3_column_int64(s, 9);
    const char *doc = (const char *)sqlite3_column_text(s, 10);
    w.doc = doc ? doc : "{}";
    return ((pd_cc_lookup_cb)v->cb)(v->cls, &w);
}

pd_qs pd__sq_cc_lookup_waybills(pd_db *db, const char *phone, const char *node_path, int scan_max,
                                int limit, pd_cc_lookup_cb cb, void *cls)
{
    struct pd__sq_conn *c = C(db);
    /* Two bounded reads backwards on the phone indexes of 002, then the
     * tracking row of each by its serial (the rowid): no scan grows with
     * the number's history. The serial is the 12 digits after "PD". */
    sqlite3_stmt *s = pd__sq_prep(
        c, PD_SQ_CC_LOOKUP_WAYBILLS,
        "SELECT w.id, w.waybill_no, w.state, COALESCE(t.status, ''), w.node_id, n.code, n.path,"
        " w.sender_phone, w.recipient_phone, w.created_ms, w.doc"
        " FROM (SELECT id FROM (SELECT id FROM waybills WHERE sender_phone = ?3"
        " ORDER BY id DESC LIMIT ?4) UNION SELECT id FROM (SELECT id FROM waybills"
        " WHERE recipient_phone = ?3 ORDER BY id DESC LIMIT ?4)) k"
        " JOIN waybills w ON w.id = k.id JOIN nodes n ON n.id = w.node_id"
        " LEFT JOIN tracking t ON t.serial = CAST(substr(w.waybill_no, 3, 12) AS INTEGER)"
        " WHERE w.state <> 'cancelled' AND (t.status IS NULL OR t.status NOT IN ('delivered',"
        " 'delivered_proxy', 'delivered_locker', 'returned', 'cancelled'))"
        " AND (?1 IS NULL OR (n.path >= ?1 AND n.path < ?2)) ORDER BY w.id DESC LIMIT ?5");
    if (!s)
        return PD_QS_HARD;
    if (!bind_scope(s, 1, 2, node_path)) {
        pd__sq_done(s);
        return PD_QS_HARD;
    }
    pd__sq_text(s, 3, phone);
    sqlite3_bind_int(s, 4, scan_max > 0 ? scan_max : 200);
    sqlite3_bind_int(s, 5, pd__list_limit(limit));
    struct visit v = {(void (*)(void))cb, cls};
    return each_row(c, s, "cc_lookup_waybills", visit_lookup, &v);
}
