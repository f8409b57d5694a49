/*
 * The service desk's statistics (docs/service-desk.md "Statistics"):
 * complaints per 10,000 waybills (万票投诉率) over a period and a network
 * subtree, by category (and the regulator's category groups), node and
 * responsible department, with the share of clocks met within their limit
 * per rule — as JSON, CSV or an Excel workbook; and satisfaction (CSAT)
 * from the callbacks, by period, category and node. The database counts
 * (four grouped queries, store.h); this file adds them up and says in the
 * answer's "parameters" exactly what was counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/tickets_int.h"
#include "http/app.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/buf.h"
#include "util/timeutil.h"

#define MAX_PERIOD_MS (366LL * 86400000LL)
#define MAX_KEYS      512 /* distinct nodes, categories … one answer adds up */

/* A count by key (a category, a node code …), with the waybills of that key where they apply. */
struct tally {
    char key[PD_TICKET_NAME_SIZE > PD_CODE_MAX ? PD_TICKET_NAME_SIZE : PD_CODE_MAX];
    char name[PD_NAME_MAX];
    int64_t count, waybills;
    int64_t a[6]; /* per use: clock outcomes, or scores 1–5 (a[1]…a[5]) */
};

struct tallies {
    int n;
    struct tally t[MAX_KEYS];
};

static struct tally *tally_of(struct tallies *s, const char *key, const char *name)
{
    for (int i = 0; i < s->n; i++)
        if (!strcmp(s->t[i].key, key))
            return &s->t[i];
    if (s->n == MAX_KEYS)
        return NULL; /* more distinct keys than any network has: drop, not crash */
    struct tally *t = &s->t[s->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->key, sizeof t->key, "%s", key);
    snprintf(t->name, sizeof t->name, "%s", name ? name : "");
    return t;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct tally *)a)->key, ((const struct tally *)b)->key);
}

/* Complaints per 10,000 waybills, 2 decimals; JSON null without waybills. */
static json_t *per_10k(int64_t complaints, int64_t waybills)
{
    if (waybills <= 0)
        return json_null();
    return json_real((double)((complaints * 1000000 + waybills / 2) / waybills) / 100.0);
}

static json_t *share(int64_t part, int64_t whole)
{
    return whole > 0 ? json_real((double)((part * 10000 + whole / 2) / whole) / 10000.0)
                     : json_null();
}

/* The period and scope every statistics call takes; false after replying. */
struct scope {
    int64_t from, to;
    const char *node;
    char path[PD_PATH_MAX];
    char node_code[PD_CODE_MAX];
};

static bool period(struct pd_req *rq, struct scope *s)
{
    if (!pd__query_time(rq, "from", &s->from) || !pd__query_time(rq, "to", &s->to))
        return false;
    if (!s->from) {
        pd_reply_err(rq, PD_E_QUERY_INVALID, "from", "required: RFC 3339 or YYYY-MM-DD");
        return false;
    }
    if (!s->to) {
        pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "required: RFC 3339 or YYYY-MM-DD");
        return false;
    }
    if (s->to <= s->from || s->to - s->from > MAX_PERIOD_MS) {
        pd_reply_err(rq, PD_E_STATS_PERIOD_INVALID, "to", NULL);
        return false;
    }
    s->node = pd_req_query(rq, "node");
    snprintf(s->path, sizeof s->path, "%s", rq->who.node_path);
    snprintf(s->node_code, sizeof s->node_code, "%s", rq->who.node_code);
    return true;
}

/* Inside the transaction: narrow to ?node=CODE (in the caller's network). */
static pd_qs narrow(pd_db *db, struct pd_req *rq, struct scope *s, bool *bad)
{
    *bad = false;
    if (!s->node)
        return PD_QS_ONE;
    struct pd_node n;
    pd_qs qs = db->ops->node_get_by_code(db, s->node, &n);
    if (qs < 0)
        return qs;
    *bad = qs == 0 || !pd_req_in_scope(rq, n.path);
    snprintf(s->path, sizeof s->path, "%s", n.path);
    snprintf(s->node_code, sizeof s->node_code, "%s", n.code);
    return PD_QS_ONE;
}

static json_t *parameters(const struct scope *s)
{
    return json_pack("{s:o, s:o, s:s}", "from", pd__json_time(s->from), "to", pd__json_time(s->to),
                     "node", s->node_code);
}

/* ---- complaints ------------------------------------------------------------------------ */

enum { CK_MET, CK_MET_LATE, CK_STOPPED, CK_STOPPED_LATE, CK_RUNNING, CK_OVERDUE };

struct complaints {
    struct pd_req *rq;
    struct scope s;
    bool bad_node;
    int64_t now, complaints, waybills;
    struct tallies cat, node, dept, group, clocks;
};

static int on_complaints(void *cls, const struct pd_ticket_stat_row *r)
{
    struct complaints *x = cls;
    x->complaints += r->count;
    int c = pd_ticket_name_find(pd_ticket_category_names, r->key);
    struct tally *t = tally_of(&x->cat, r->key, c >= 0 ? pd_ticket_categories[c].zh : r->key);
    if (t)
        t->count += r->count;
    if ((t = tally_of(&x->group, c >= 0 ? pd_ticket_category_groups[c] : "other", NULL)))
        t->count += r->count;
    if ((t = tally_of(&x->node, r->node_code, r->node_name)))
        t->count += r->count;
    if ((t = tally_of(&x->dept, r->key2[0] ? r->key2 : "unassigned", NULL)))
        t->count += r->count;
    return 0;
}

static int on_waybills(void *cls, const struct pd_ticket_stat_row *r)
{
    struct complaints *x = cls;
    x->waybills += r->count;
    struct tally *t = tally_of(&x->node, r->node_code, r->node_name);
    if (t)
        t->waybills += r->count;
    return 0;
}

static int on_clocks(void *cls, const struct pd_ticket_stat_row *r)
{
    struct complaints *x = cls;
    const struct pd_timelimit *rule = pd_timelimit_find(r->key);
    struct tally *t = tally_of(&x->clocks, r->key, rule ? rule->zh : r->key);
    if (!t)
        return 0;
    t->count += r->count;
    int k = !strcmp(r->key2, "met")       ? (r->flag ? CK_MET_LATE : CK_MET)
            : !strcmp(r->key2, "stopped") ? (r->flag ? CK_STOPPED_LATE : CK_STOPPED)
                                          : (r->flag ? CK_OVERDUE : CK_RUNNING);
    t->a[k] += r->count;
    return 0;
}

static pd_qs complaints_tx(pd_db *db, void *cls)
{
    struct complaints *x = cls;
    x->complaints = x->waybills = 0;
    x->cat.n = x->node.n = x->dept.n = x->group.n = x->clocks.n = 0;
    pd_qs qs = narrow(db, x->rq, &x->s, &x->bad_node);
    if (qs < 0 || x->bad_node)
        return qs;
    if ((qs = db->ops->ticket_stats_complaints(db, x->s.path, x->s.from, x->s.to, on_complaints,
                                               x)) < 0 ||
        (qs = db->ops->ticket_stats_waybills(db, x->s.path, x->s.from, x->s.to, on_waybills, x)) <
            0 ||
        (qs = db->ops->ticket_stats_clocks(db, x->s.path, x->s.from, x->s.to, x->now, on_clocks,
                                           x)) < 0)
        return qs;
    qsort(x->cat.t, (size_t)x->cat.n, sizeof x->cat.t[0], cmp_key);
    qsort(x->node.t, (size_t)x->node.n, sizeof x->node.t[0], cmp_key);
    qsort(x->dept.t, (size_t)x->dept.n, sizeof x->dept.t[0], cmp_key);
    qsort(x->group.t, (size_t)x->group.n, sizeof x->group.t[0], cmp_key);
    qsort(x->clocks.t, (size_t)x->clocks.n, sizeof x->clocks.t[0], cmp_key);
    return PD_QS_ONE;
}

/* Clocks whose outcome is known: met or stopped, or already past their deadline. */
static int64_t decided(const struct tally *t)
{
    return t->a[CK_MET] + t->a[CK_MET_LATE] + t->a[CK_STOPPED] + t->a[CK_STOPPED_LATE] +
           t->a[CK_OVERDUE];
}

static json_t *complaints_json(const struct complaints *x)
{
    json_t *params = parameters(&x->s);
    json_object_set_new(params, "numerator",
                        json_string("complaints opened in the period: tickets of kind complaint "
                                    "created in [from, to) whose node is in the scope"));
    json_object_set_new(params, "denominator",
                        json_string("waybills created in [from, to) whose node is in the scope"));
    json_object_set_new(params, "rate", json_string("complaints per 10,000 waybills (万票投诉率)"));
    json_object_set_new(params, "share_in_time",
                        json_string("clocks started in the period met within their limit, of "
                                    "those whose outcome is known (met, stopped, or overdue)"));
    json_t *cats = json_array(), *nodes = json_array(), *depts = json_array(),
           *groups = json_array(), *clocks = json_array();
    for (int i = 0; i < x->cat.n; i++) {
        const struct tally *t = &x->cat.t[i];
        int c = pd_ticket_name_find(pd_ticket_category_names, t->key);
        json_array_append_new(cats, json_pack("{s:s, s:s, s:s, s:I, s:o}", "category", t->key,
                                              "name_zh", t->name, "regulator_group",
                                              c >= 0 ? pd_ticket_category_groups[c] : "other",
                                              "complaints", (json_int_t)t->count, "per_10k",
                                              per_10k(t->count, x->waybills)));
    }
    for (int i = 0; i < x->group.n; i++)
        json_array_append_new(groups,
                              json_pack("{s:s, s:I, s:o}", "group", x->group.t[i].key, "complaints",
                                        (json_int_t)x->group.t[i].count, "per_10k",
                                        per_10k(x->group.t[i].count, x->waybills)));
    for (int i = 0; i < x->node.n; i++) {
        const struct tally *t = &x->node.t[i];
        json_array_append_new(nodes, json_pack("{s:s, s:s, s:I, s:I, s:o}", "node", t->key, "name",
                                               t->name, "complaints", (json_int_t)t->count,
                                               "waybills", (json_int_t)t->waybills, "per_10k",
                                               per_10k(t->count, t->waybills)));
    }
    for (int i = 0; i < x->dept.n; i++) {
        int d = pd_ticket_name_find(pd_ticket_dept_names, x->dept.t[i].key);
        json_array_append_new(depts, json_pack("{s:s, s:s?, s:I}", "department", x->dept.t[i].key,
                                               "name_zh", d >= 0 ? pd_ticket_depts[d].zh : NULL,
                                               "complaints", (json_int_t)x->dept.t[i].count));
    }
    for (int i = 0; i < x->clocks.n; i++) {
        const struct tally *t = &x->clocks.t[i];
        json_array_append_new(
            clocks,
            json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "rule", t->key, "name_zh",
                      t->name, "started", (json_int_t)t->count, "met_in_time",
                      (json_int_t)t->a[CK_MET], "met_late", (json_int_t)t->a[CK_MET_LATE],
                      "stopped", (json_int_t)(t->a[CK_STOPPED] + t->a[CK_STOPPED_LATE]), "running",
                      (json_int_t)t->a[CK_RUNNING], "overdue", (json_int_t)t->a[CK_OVERDUE],
                      "share_in_time", share(t->a[CK_MET], decided(t))));
    }
    return json_pack("{s:o, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:o}", "parameters", params,
                     "complaints", (json_int_t)x->complaints, "waybills", (json_int_t)x->waybills,
                     "per_10k", per_10k(x->complaints, x->waybills), "by_category", cats,
                     "by_regulator_group", groups, "by_node", nodes, "by_department", depts,
                     "clocks", clocks);
}

/* One CSV field, quoted when it must be. */
static void csv_field(pd_buf *b, const char *s, bool last)
{
    if (strpbrk(s, ",\"\r\n")) {
        pd_buf_putc(b, '"');
        for (; *s; s++) {
            if (*s == '"')
                pd_buf_putc(b, '"');
            pd_buf_putc(b, *s);
        }
        pd_buf_putc(b, '"');
    } else {
        pd_buf_puts(b, s);
    }
    pd_buf_putc(b, last ? '\n' : ',');
}

static void csv_row(pd_buf *b, const char *section, const char *key, const char *name,
                    int64_t count, int64_t waybills, json_t *rate)
{
    char n[32], w[32], r[32];
    snprintf(n, sizeof n, "%lld", (long long)count);
    snprintf(w, sizeof w, "%lld", (long long)waybills);
    if (json_is_real(rate))
        snprintf(r, sizeof r, "%.2f", json_real_value(rate));
    else
        r[0] = '\0';
    json_decref(rate);
    csv_field(b, section, false);
    csv_field(b, key, false);
    csv_field(b, name, false);
    csv_field(b, n, false);
    csv_field(b, waybills >= 0 ? w : "", false);
    csv_field(b, r, true);
}

static void complaints_csv(const struct complaints *x, pd_buf *b)
{
    /* The UTF-8 byte order mark: what makes Excel in China read the Chinese names. */
    pd_buf_puts(b, "\xEF\xBB\xBF");
    pd_buf_puts(b, "section,key,name,complaints,waybills,per_10k\n");
    csv_row(b, "total", x->s.node_code, "", x->complaints, x->waybills,
            per_10k(x->complaints, x->waybills));
    for (int i = 0; i < x->cat.n; i++)
        csv_row(b, "category", x->cat.t[i].key, x->cat.t[i].name, x->cat.t[i].count, -1,
                per_10k(x->cat.t[i].count, x->waybills));
    for (int i = 0; i < x->group.n; i++)
        csv_row(b, "regulator_group", x->group.t[i].key, "", x->group.t[i].count, -1,
                per_10k(x->group.t[i].count, x->waybills));
    for (int i = 0; i < x->node.n; i++)
        csv_row(b, "node", x->node.t[i].key, x->node.t[i].name, x->node.t[i].count,
                x->node.t[i].waybills, per_10k(x->node.t[i].count, x->node.t[i].waybills));
    for (int i = 0; i < x->dept.n; i++)
        csv_row(b, "department", x->dept.t[i].key, "", x->dept.t[i].count, -1, json_null());
    pd_buf_puts(b, "\nclock,name,started,met_in_time,met_late,stopped,running,overdue,"
                   "share_in_time\n");
    for (int i = 0; i < x->clocks.n; i++) {
        const struct tally *t = &x->clocks.t[i];
        json_t *sh = share(t->a[CK_MET], decided(t));
        char sv[32] = "";
        if (json_is_real(sh))
            snprintf(sv, sizeof sv, "%.4f", json_real_value(sh));
        json_decref(sh);
        csv_field(b, t->key, false);
        csv_field(b, t->name, false);
        pd_buf_printf(b, "%lld,%lld,%lld,%lld,%lld,%lld,%s\n", (long long)t->count,
                      (long long)t->a[CK_MET], (long long)t->a[CK_MET_LATE],
                      (long long)(t->a[CK_STOPPED] + t->a[CK_STOPPED_LATE]),
                      (long long)t->a[CK_RUNNING], (long long)t->a[CK_OVERDUE], sv);
    }
}

/* One sheet of key, name, complaints, waybills (when > -1), rate. */
static void sheet_tallies(lxw_workbook *wb, lxw_format *bold, const char *title,
                          const struct tallies *s, int64_t all_waybills, bool own_waybills)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, title);
    static const char *const head[] = {"代码", "名称", "投诉数", "运单数", "万票投诉率"};
    for (int c = 0; c < 5; c++)
        worksheet_write_string(ws, 0, (lxw_col_t)c, head[c], bold);
    for (int i = 0; i < s->n; i++) {
        const struct tally *t = &s->t[i];
        lxw_row_t r = (lxw_row_t)(i + 1);
        int64_t w = own_waybills ? t->waybills : all_waybills;
        worksheet_write_string(ws, r, 0, t->key, NULL);
        worksheet_write_string(ws, r, 1, t->name, NULL);
        worksheet_write_number(ws, r, 2, (double)t->count, NULL);
        worksheet_write_number(ws, r, 3, (double)w, NULL);
        json_t *rate = per_10k(t->count, w);
        if (json_is_real(rate))
            worksheet_write_number(ws, r, 4, json_real_value(rate), NULL);
        json_decref(rate);
    }
    worksheet_set_column(ws, 0, 1, 18, NULL);
}

static bool complaints_xlsx(const struct complaints *x, const char *path)
{
    lxw_workbook *wb = workbook_new(path);
    if (!wb)
        return false;
    lxw_format *bold = workbook_add_format(wb);
    format_set_bold(bold);
    lxw_worksheet *ws = workbook_add_worksheet(wb, "汇总");
    char from[PD_RFC3339_MAX], to[PD_RFC3339_MAX];
    worksheet_write_string(ws, 0, 0, "期间", bold);
    worksheet_write_string(ws, 0, 1, pd_time_format(x->s.from, PD_CST_OFFSET_MIN, from), NULL);
    worksheet_write_string(ws, 0, 2, pd_time_format(x->s.to, PD_CST_OFFSET_MIN, to), NULL);
    worksheet_write_string(ws, 1, 0, "网点", bold);
    worksheet_write_string(ws, 1, 1, x->s.node_code, NULL);
    worksheet_write_string(ws, 2, 0, "投诉数（期间内新建的投诉工单）", bold);
    worksheet_write_number(ws, 2, 1, (double)x->complaints, NULL);
    worksheet_write_string(ws, 3, 0, "运单数（期间内新建的运单）", bold);
    worksheet_write_number(ws, 3, 1, (double)x->waybills, NULL);
    worksheet_write_string(ws, 4, 0, "万票投诉率", bold);
    json_t *rate = per_10k(x->complaints, x->waybills);
    if (json_is_real(rate))
        worksheet_write_number(ws, 4, 1, json_real_value(rate), NULL);
    json_decref(rate);
    worksheet_set_column(ws, 0, 0, 34, NULL);
    worksheet_set_column(ws, 1, 2, 28, NULL);
    sheet_tallies(wb, bold, "按类别", &x->cat, x->waybills, false);
    sheet_tallies(wb, bold, "按网点", &x->node, 0, true);
    sheet_tallies(wb, bold, "按责任部门", &x->dept, x->waybills, false);
    lxw_worksheet *cs = workbook_add_worksheet(wb, "时限达成");
    static const char *const head[] = {"时限", "名称",   "开始计时", "按时完成", "超时完成",
                                       "停止", "计时中", "已超时",   "按时率"};
    for (int c = 0; c < 9; c++)
        worksheet_write_string(cs, 0, (lxw_col_t)c, head[c], bold);
    for (int i = 0; i < x->clocks.n; i++) {
        const struct tally *t = &x->clocks.t[i];
        lxw_row_t r = (lxw_row_t)(i + 1);
        worksheet_write_string(cs, r, 0, t->key, NULL);
        worksheet_write_string(cs, r, 1, t->name, NULL);
        double v[] = {(double)t->count,          (double)t->a[CK_MET],
                      (double)t->a[CK_MET_LATE], (double)(t->a[CK_STOPPED] + t->a[CK_STOPPED_LATE]),
                      (double)t->a[CK_RUNNING],  (double)t->a[CK_OVERDUE]};
        for (int c = 0; c < 6; c++)
            worksheet_write_number(cs, r, (lxw_col_t)(c + 2), v[c], NULL);
        json_t *sh = share(t->a[CK_MET], decided(t));
        if (json_is_real(sh))
            worksheet_write_number(cs, r, 8, json_real_value(sh), NULL);
        json_decref(sh);
    }
    return workbook_close(wb) == LXW_NO_ERROR;
}

/* Write the workbook to a temporary file and answer its bytes. */
static int reply_xlsx(struct pd_req *rq, const struct complaints *x)
{
    const char *dir = getenv("TMPDIR");
    char path[512];
    snprintf(path, sizeof path, "%s/pd-stats-XXXXXX", dir && dir[0] ? dir : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "cannot create a temporary file");
    close(fd);
    pd_buf b = PD_BUF_INIT;
    bool ok = complaints_xlsx(x, path);
    FILE *f = ok ? fopen(path, "rb") : NULL;
    if (f) {
        char chunk[16384];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
            pd_buf_append(&b, chunk, n);
        ok = !ferror(f) && !b.oom;
        fclose(f);
    } else {
        ok = false;
    }
    unlink(path);
    if (!ok) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "the workbook could not be written");
    }
    int r = pd_reply_buf_steal(
        rq, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", &b);
    pd_reply_header(rq, "Content-Disposition", "attachment; filename=\"complaints.xlsx\"");
    return r;
}

int pd_api_stats_complaints(struct pd_req *rq)
{
    static const char *const allowed[] = {"from", "to", "node", "format", NULL};
    static const char *const formats[] = {"json", "csv", "xlsx", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *format = pd_req_query(rq, "format");
    int fmt = format ? pd_ticket_name_find(formats, format) : 0;
    if (fmt < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "format", "json, csv or xlsx");
    struct complaints *x = calloc(1, sizeof *x);
    if (!x)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    x->rq = rq;
    x->now = pd_now_ms();
    int r;
    if (!period(rq, &x->s)) {
        r = PD_HANDLED;
    } else if (pd_tx_run(rq->app->store, "stats.complaints", true, complaints_tx, x) < 0) {
        r = pd__reply_db_error(rq);
    } else if (x->bad_node) {
        r = pd_reply_err(rq, PD_E_TICKET_NODE_UNKNOWN, "node", NULL);
    } else if (fmt == 1) {
        pd_buf b = PD_BUF_INIT;
        complaints_csv(x, &b);
        r = b.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory")
                  : pd_reply_buf_steal(rq, 200, "text/csv; charset=utf-8", &b);
        pd_buf_free(&b);
        if (r == PD_HANDLED && rq->resp)
            pd_reply_header(rq, "Content-Disposition", "attachment; filename=\"complaints.csv\"");
    } else if (fmt == 2) {
        r = reply_xlsx(rq, x);
    } else {
        r = pd_reply_json_steal(rq, 200, complaints_json(x));
    }
    free(x);
    return r;
}

/* ---- satisfaction (CSAT) --------------------------------------------------------------- */

struct csat {
    struct pd_req *rq;
    struct scope s;
    bool bad_node, by_month;
    struct tallies period, cat, node;
    int64_t dist[6];
};

static void add_scores(struct tally *t, int score, int64_t n)
{
    if (t && score >= 1 && score <= 5) {
        t->a[score] += n;
        t->count += n;
    }
}

static int on_csat(void *cls, const struct pd_ticket_stat_row *r)
{
    struct csat *x = cls;
    if (r->score < 1 || r->score > 5)
        return 0;
    x->dist[r->score] += r->count;
    int y;
    unsigned m, d;
    pd_civil_from_days(r->day, &y, &m, &d);
    char key[16];
    if (x->by_month)
        snprintf(key, sizeof key, "%04d-%02u", y % 10000, m % 100);
    else
        snprintf(key, sizeof key, "%04d-%02u-%02u", y % 10000, m % 100, d % 100);
    add_scores(tally_of(&x->period, key, NULL), r->score, r->count);
    int c = pd_ticket_name_find(pd_ticket_category_names, r->key);
    add_scores(tally_of(&x->cat, r->key, c >= 0 ? pd_ticket_categories[c].zh : r->key), r->score,
               r->count);
    add_scores(tally_of(&x->node, r->node_code, r->node_name), r->score, r->count);
    return 0;
}

static pd_qs csat_tx(pd_db *db, void *cls)
{
    struct csat *x = cls;
    x->period.n = x->cat.n = x->node.n = 0;
    memset(x->dist, 0, sizeof x->dist);
    pd_qs qs = narrow(db, x->rq, &x->s, &x->bad_node);
    if (qs < 0 || x->bad_node)
        return qs;
    if ((qs = db->ops->ticket_stats_csat(db, x->s.path, x->s.from, x->s.to, on_csat, x)) < 0)
        return qs;
    qsort(x->period.t, (size_t)x->period.n, sizeof x->period.t[0], cmp_key);
    qsort(x->cat.t, (size_t)x->cat.n, sizeof x->cat.t[0], cmp_key);
    qsort(x->node.t, (size_t)x->node.n, sizeof x->node.t[0], cmp_key);
    return PD_QS_ONE;
}

/* responses, average (2 decimals), csat (share of 4 and 5), distribution. */
static json_t *scores_json(const int64_t a[6], int64_t n)
{
    int64_t sum = 0;
    for (int s = 1; s <= 5; s++)
        sum += s * a[s];
    json_t *avg = n ? json_real((double)((sum * 100 + n / 2) / n) / 100.0) : json_null();
    return json_pack("{s:I, s:o, s:o, s:{s:I, s:I, s:I, s:I, s:I}}", "responses", (json_int_t)n,
                     "average", avg, "csat", share(a[4] + a[5], n), "distribution", "1",
                     (json_int_t)a[1], "2", (json_int_t)a[2], "3", (json_int_t)a[3], "4",
                     (json_int_t)a[4], "5", (json_int_t)a[5]);
}

static json_t *tallies_json(const struct tallies *s, const char *key_name, bool names)
{
    json_t *arr = json_array();
    for (int i = 0; i < s->n; i++) {
        json_t *j = scores_json(s->t[i].a, s->t[i].count);
        json_object_set_new(j, key_name, json_string(s->t[i].key));
        if (names)
            json_object_set_new(j, "name", json_string(s->t[i].name));
        json_array_append_new(arr, j);
    }
    return arr;
}

int pd_api_stats_csat(struct pd_req *rq)
{
    static const char *const allowed[] = {"from", "to", "node", "period", NULL};
    static const char *const periods[] = {"day", "month", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    const char *per = pd_req_query(rq, "period");
    int p = per ? pd_ticket_name_find(periods, per) : 0;
    if (p < 0)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "period", "day or month");
    struct csat *x = calloc(1, sizeof *x);
    if (!x)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, "out of memory");
    x->rq = rq;
    x->by_month = p == 1;
    int r;
    if (!period(rq, &x->s)) {
        r = PD_HANDLED;
    } else if (pd_tx_run(rq->app->store, "stats.csat", true, csat_tx, x) < 0) {
        r = pd__reply_db_error(rq);
    } else if (x->bad_node) {
        r = pd_reply_err(rq, PD_E_TICKET_NODE_UNKNOWN, "node", NULL);
    } else {
        int64_t n = 0;
        for (int s = 1; s <= 5; s++)
            n += x->dist[s];
        json_t *params = parameters(&x->s);
        json_object_set_new(params, "period", json_string(periods[p]));
        json_object_set_new(params, "counted",
                            json_string("callback tickets whose satisfaction (1-5) was recorded "
                                        "in [from, to) and whose node is in the scope; category: "
                                        "the complaint the callback follows; days in China time"));
        json_object_set_new(params, "csat", json_string("share of scores 4 and 5"));
        json_t *j = json_pack("{s:o, s:o, s:o, s:o, s:o}", "parameters", params, "overall",
                              scores_json(x->dist, n), "by_period",
                              tallies_json(&x->period, "period", false), "by_category",
                              tallies_json(&x->cat, "category", true), "by_node",
                              tallies_json(&x->node, "node", true));
        r = pd_reply_json_steal(rq, 200, j);
    }
    free(x);
    return r;
}
