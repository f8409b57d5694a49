/*
 * The call centre's telephone log over HTTP (issue 6 part A):
 *   GET  /api/v1/callcenter/stats       the indicators of a period, queue and
 *                                       agent, optionally by hour or day
 *                                       buckets, as JSON, CSV or Excel
 *                                       (callcenter)
 *   GET  /api/v1/callcenter/live        the call centre now: calls waiting,
 *                                       agents' states, today's figures
 *                                       (callcenter; core/cclive.h)
 *   POST /api/v1/callcenter/queue-log   the live feed of queue_log lines,
 *                                       a streaming route: lines are
 *                                       imported as the body arrives
 *                                       (callcenter.import)
 * and the two engines `parceldesk import queue-log` and `report callcenter`
 * share with them (pd__cc_*, declared in api.h): streaming the stored lines
 * of a period into the fold (core/ccstats.h), and storing an importer's
 * batches (core/queuelog.h). The statistics object is written by the fold,
 * and the files by cc_export.c, so the API and the command line give the
 * same bytes.
 *
 * Own records. The figures from ParcelDesk's own records (part B,
 * cc_own.h) are merged when PD_CC_OWN_LINKED is 1; until part B's
 * pd__cc_own_load links into the build it is 0 and those figures are null
 * ("own_records": false in the parameters).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cclive.h"
#include "core/ccstats.h"
#include "core/queuelog.h"
#include "http/api/api.h"
#include "http/api/cc_own.h"
#include "http/api/common.h"
#include "http/app.h"
#include "http/audit.h"
#include "http/reply.h"
#include "store/tx.h"
#include "util/log.h"
#include "util/timeutil.h"

#ifndef PD_CC_OWN_LINKED
#define PD_CC_OWN_LINKED 1
#endif

#define MAX_PERIOD_MS  (400LL * 86400 * 1000) /* a year and a little */
#define NAME_MAX_BYTES 255
#define FEED_CHUNK     (64 * 1024)

/* ---- engines shared with the command line ---------------------------------------- */

struct fold_tx {
    const struct pd_ccstats_params *p;
    pd_ccstats *s;
    bool oom;
};

static int fold_line(void *cls, const struct pd_ql_line *l)
{
    struct fold_tx *t = cls;
    int rc = pd_ccstats_add(t->s, l);
    if (rc < 0)
        t->oom = true;
    return rc != 0;
}

static pd_qs fold_cb(pd_db *db, void *cls)
{
    struct fold_tx *t = cls;
    pd_ccstats_free(t->s); /* a retried transaction starts the fold again */
    t->s = pd_ccstats_new(t->p);
    if (!t->s) {
        t->oom = true;
        return PD_QS_HARD;
    }
    int64_t from, to;
    pd_ccstats_window(t->s, &from, &to);
    pd_qs qs = db->ops->cc_log_stream(db, from, to, fold_line, t);
    return t->oom ? PD_QS_HARD : qs;
}

pd_ccstats *pd__cc_stats_compute(pd_store *st, const struct pd_ccstats_params *p)
{
    struct fold_tx t = {.p = p};
    pd_qs qs = pd_tx_run(st, "callcenter stats", true, fold_cb, &t);
    if (qs < 0) {
        pd_ccstats_free(t.s);
        return NULL;
    }
    return t.s;
}

#if PD_CC_OWN_LINKED
struct own_tx {
    const struct pd_ccstats_params *p;
    struct pd_cc_own own;
};

static pd_qs own_cb(pd_db *db, void *cls)
{
    struct own_tx *t = cls;
    pd__cc_own_free(&t->own);
    return pd__cc_own_load(db, t->p->from_ms, t->p->to_ms, t->p->queue, t->p->agent, &t->own);
}
#endif

bool pd__cc_own_figures(pd_store *st, const struct pd_ccstats_params *p,
                        struct pd__cc_own_view *out)
{
    memset(out, 0, sizeof *out);
#if PD_CC_OWN_LINKED
    struct own_tx t = {.p = p};
    if (pd_tx_run(st, "callcenter own records", true, own_cb, &t) < 0) {
        pd__cc_own_free(&t.own);
        return false;
    }
    out->agents = calloc((size_t)(t.own.n_agents ? t.own.n_agents : 1), sizeof *out->agents);
    if (!out->agents) {
        pd__cc_own_free(&t.own);
        return false;
    }
    out->raw = malloc(sizeof t.own);
    if (!out->raw) {
        free(out->agents);
        out->agents = NULL;
        pd__cc_own_free(&t.own);
        return false;
    }
    *(struct pd_cc_own *)out->raw = t.own;
    for (int i = 0; i < t.own.n_agents; i++) {
        const struct pd_cc_own_agent *a = &t.own.agents[i];
        out->agents[i] = (struct pd_ccstats_own_agent){
            .agent = a->agent,
            .username = a->username,
            .qa_forms = a->qa_forms,
            .qa_score = a->qa_score,
            .shifts_scheduled = a->shifts_scheduled,
            .shifts_attended = a->shifts_attended,
            .scheduled_s = a->scheduled_s,
            .waybills_entered = a->waybills_entered,
            .waybills_corrected = a->waybills_corrected,
        };
    }
    out->own = (struct pd_ccstats_own){.agents = out->agents,
                                       .n_agents = t.own.n_agents,
                                       .headcount_start = t.own.headcount_start,
                                       .headcount_end = t.own.headcount_end,
                                       .leavers = t.own.leavers,
                                       .has_cost = t.own.has_cost,
                                       .cost_fen = t.own.cost_fen};
    out->merged = true;
#else
    (void)st;
    (void)p;
#endif
    return true;
}

void pd__cc_own_view_free(struct pd__cc_own_view *v)
{
#if PD_CC_OWN_LINKED
    if (v->raw) {
        pd__cc_own_free((struct pd_cc_own *)v->raw);
        free(v->raw);
    }
#endif
    free(v->agents);
    memset(v, 0, sizeof *v);
}

struct flush_tx {
    const struct pd_ql_row *rows;
    int n;
    bool *dup;
};

static pd_qs flush_cb(pd_db *db, void *cls)
{
    struct flush_tx *t = cls;
    return db->ops->cc_log_insert(db, t->rows, t->n, t->dup);
}

int pd__cc_import_flush(void *cls, const struct pd_ql_row *rows, int n, bool *dup)
{
    pd_store *st = cls;
    struct flush_tx t = {rows, n, dup};
    return pd_tx_run(st, "queue-log import", false, flush_cb, &t) < 0;
}

void pd__cc_import_report_json(const struct pd_ql_report *r, pd_buf *b)
{
    pd_buf_printf(b,
                  "{\"format\":\"%s\",\"lines\":%lld,\"imported\":%lld,\"duplicates\":%lld,"
                  "\"unknown_verbs\":%lld,\"malformed_count\":%lld,\"malformed\":[",
                  pd_ql_format_name(r->format), (long long)r->lines, (long long)r->imported,
                  (long long)r->duplicates, (long long)r->unknown_verbs, (long long)r->malformed);
    for (int i = 0; i < r->nbad; i++) {
        pd_buf_printf(b, "%s{\"line\":%lld,\"error\":", i ? "," : "", (long long)r->bad[i].line);
        pd_buf_json_cstr(b, r->bad[i].error);
        pd_buf_putc(b, '}');
    }
    pd_buf_puts(b, "]}");
}

/* ---- GET /api/v1/callcenter/stats -------------------------------------------------- */

static bool query_name(struct pd_req *rq, const char *key, const char **out)
{
    *out = pd_req_query(rq, key);
    if (*out && (!(*out)[0] || strlen(*out) > NAME_MAX_BYTES)) {
        pd_reply_err(rq, PD_E_QUERY_INVALID, key, "1 to 255 bytes, as the queue log names it");
        return false;
    }
    return true;
}

/**
 * Read the stats parameters of @p rq into @p p and @p fmt.
 * @return true, or false after replying 400 naming the parameter.
 */
static bool stats_params(struct pd_req *rq, struct pd_ccstats_params *p, enum pd__cc_format *fmt)
{
    static const char *const allowed[] = {"from",   "to",     "queue", "agent", "service_level_s",
                                          "bucket", "format", NULL};
    if (!pd__query_only(rq, allowed))
        return false;
    memset(p, 0, sizeof *p);
    if (!pd__query_time(rq, "from", &p->from_ms) || !pd__query_time(rq, "to", &p->to_ms))
        return false;
    if (!pd_req_query(rq, "from"))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "from", "required"), false;
    if (!pd_req_query(rq, "to"))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "required"), false;
    if (p->to_ms <= p->from_ms)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "must be after from"), false;
    if (p->to_ms - p->from_ms > MAX_PERIOD_MS)
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "to", "a period of at most 400 days"), false;
    int64_t sl;
    if (!pd__query_int(rq, "service_level_s", 1, PD_CC_SERVICE_LEVEL_MAX, PD_CC_SERVICE_LEVEL_S,
                       &sl))
        return false;
    p->service_level_s = (int)sl;
    if (!query_name(rq, "queue", &p->queue) || !query_name(rq, "agent", &p->agent))
        return false;
    p->now_ms = pd_now_ms();
    p->offset_min = PD_CST_OFFSET_MIN;
    const char *b = pd_req_query(rq, "bucket");
    if (b) {
        if (!pd_cc_bucket_parse(b, &p->bucket))
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "bucket", "hour or day"), false;
        const char *why = pd_ccstats_bucket_check(p->from_ms, p->to_ms, p->bucket, p->offset_min);
        if (why)
            return pd_reply_err(rq, PD_E_QUERY_INVALID, "bucket", why), false;
    }
    *fmt = PD__CC_JSON;
    const char *f = pd_req_query(rq, "format");
    if (f && !pd__cc_format_parse(f, fmt))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "format", "json, csv or xlsx"), false;
    return true;
}

/* Content-Disposition of a download: callcenter_<from>_<to>.<ext> in China dates. */
static void attachment(struct pd_req *rq, const struct pd_ccstats_params *p, enum pd__cc_format fmt)
{
    char from[PD_RFC3339_MAX], to[PD_RFC3339_MAX], disp[128];
    pd_time_format(p->from_ms, PD_CST_OFFSET_MIN, from);
    pd_time_format(p->to_ms, PD_CST_OFFSET_MIN, to);
    snprintf(disp, sizeof disp, "attachment; filename=\"callcenter_%.10s_%.10s.%s\"", from, to,
             fmt == PD__CC_CSV ? "csv" : "xlsx");
    pd_reply_header(rq, "Content-Disposition", disp);
}

int pd_api_callcenter_stats(struct pd_req *rq)
{
    struct pd_ccstats_params p;
    enum pd__cc_format fmt;
    if (!stats_params(rq, &p, &fmt))
        return PD_HANDLED;
    struct pd__cc_own_view own;
    if (!pd__cc_own_figures(rq->app->store, &p, &own))
        return pd__reply_db_error(rq);
    pd_ccstats *s = pd__cc_stats_compute(rq->app->store, &p);
    if (!s) {
        pd__cc_own_view_free(&own);
        return pd__reply_db_error(rq);
    }
    pd_buf b = PD_BUF_INIT;
    bool ok = pd__cc_export(s, &own, fmt, &b);
    pd_ccstats_free(s);
    pd__cc_own_view_free(&own);
    if (!ok) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    int r = pd_reply_buf_steal(rq, 200, pd__cc_format_media(fmt), &b);
    if (r == PD_HANDLED && fmt != PD__CC_JSON)
        attachment(rq, &p, fmt);
    return r;
}

/* ---- GET /api/v1/callcenter/live ------------------------------------------------------ */

struct live_tx {
    const struct pd_cclive_params *p;
    pd_cclive *l;
    bool oom;
};

static int live_line(void *cls, const struct pd_ql_line *line)
{
    struct live_tx *t = cls;
    if (pd_cclive_add(t->l, line) < 0) {
        t->oom = true;
        return 1;
    }
    return 0;
}

static pd_qs live_cb(pd_db *db, void *cls)
{
    struct live_tx *t = cls;
    pd_cclive_free(t->l); /* a retried transaction starts again */
    t->l = pd_cclive_new(t->p);
    if (!t->l) {
        t->oom = true;
        return PD_QS_HARD;
    }
    int64_t from, to;
    pd_cclive_window(t->l, &from, &to);
    pd_qs qs = db->ops->cc_log_stream(db, from, to, live_line, t);
    return t->oom ? PD_QS_HARD : qs;
}

int pd_api_callcenter_live(struct pd_req *rq)
{
    static const char *const allowed[] = {"queue", "service_level_s", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    struct pd_cclive_params p = {.now_ms = pd_now_ms(), .offset_min = PD_CST_OFFSET_MIN};
    int64_t sl;
    if (!query_name(rq, "queue", &p.queue) ||
        !pd__query_int(rq, "service_level_s", 1, PD_CC_SERVICE_LEVEL_MAX, PD_CC_SERVICE_LEVEL_S,
                       &sl))
        return PD_HANDLED;
    p.service_level_s = (int)sl;
    struct live_tx t = {.p = &p};
    pd_qs qs = pd_tx_run(rq->app->store, "callcenter live", true, live_cb, &t);
    if (qs < 0) {
        pd_cclive_free(t.l);
        return t.oom ? pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL) : pd__reply_db_error(rq);
    }
    pd_buf b = PD_BUF_INIT;
    bool ok = pd_cclive_json(t.l, &b);
    pd_cclive_free(t.l);
    if (!ok) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    return pd_reply_buf_steal(rq, 200, "application/json", &b);
}

/* ---- POST /api/v1/callcenter/queue-log ----------------------------------------------- */

static bool media_is(const char *ct, const char *type)
{
    size_t n = strlen(type);
    return strncasecmp(ct, type, n) == 0 && (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static pd_qs audit_cb(pd_db *db, void *cls)
{
    return db->ops->audit_insert(db, cls);
}

/*
 * The feed is a streaming route (router.h PD_ROUTE_STREAM, req.h): the
 * importer takes each piece of body as it arrives and stores full batches
 * as they fill, so a feed of any length is imported in the importer's
 * bounded memory (queuelog.h, "Memory"), a line being at most
 * PD_QL_LINE_MAX bytes. Batches are committed as they fill: a feed cut off
 * part-way keeps what was stored, and sending it again adds only the rest.
 */
struct feed {
    struct pd_ql_import *im;
    enum pd_ql_format fmt;
};

static void feed_cleanup(struct pd_req *rq)
{
    struct feed *f = rq->h_ctx;
    if (f) {
        pd_ql_import_free(f->im);
        free(f);
    }
    rq->h_ctx = NULL;
}

/* Headers in: check the media type, start the importer. */
static int feed_begin(struct pd_req *rq)
{
    const char *ct = pd_req_header(rq, "Content-Type");
    enum pd_ql_format fmt;
    if (ct && media_is(ct, "text/plain"))
        fmt = PD_QL_PIPE;
    else if (ct && media_is(ct, "text/csv"))
        fmt = PD_QL_CSV;
    else
        return pd_reply_err(rq, PD_E_CONTENT_TYPE, "Content-Type",
                            "text/plain (the pipe form) or text/csv (the database export)");
    struct feed *f = calloc(1, sizeof *f);
    if (!f)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    f->fmt = fmt;
    f->im = pd_ql_import_new(fmt, PD_CST_OFFSET_MIN, pd__cc_import_flush, rq->app->store);
    if (!f->im) {
        free(f);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    rq->h_ctx = f;
    rq->h_cleanup = feed_cleanup;
    return PD_HANDLED;
}

/* An importer return other than 0: out of memory (-1) or a batch not stored (1). */
static int feed_failed(struct pd_req *rq, int rc)
{
    struct feed *f = rq->h_ctx;
    const struct pd_ql_report *r = pd_ql_import_report(f->im);
    pd_warn("queue-log feed stopped after %lld lines (%lld imported): %s", (long long)r->lines,
            (long long)r->imported, rc < 0 ? "out of memory" : "the database failed");
    return rc < 0 ? pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL) : pd__reply_db_error(rq);
}

static int feed_chunk(struct pd_req *rq, const char *p, size_t n)
{
    struct feed *f = rq->h_ctx;
    int rc = pd_ql_import_feed(f->im, p, n);
    return rc ? feed_failed(rq, rc) : PD_HANDLED;
}

/* Body complete: the last line and batch, the audit entry, the report. */
static int feed_end(struct pd_req *rq)
{
    struct feed *f = rq->h_ctx;
    int rc = pd_ql_import_finish(f->im);
    if (rc)
        return feed_failed(rq, rc);
    const struct pd_ql_report *r = pd_ql_import_report(f->im);
    char detail[200];
    snprintf(detail, sizeof detail,
             "{\"lines\":%lld,\"imported\":%lld,\"duplicates\":%lld,\"malformed\":%lld}",
             (long long)r->lines, (long long)r->imported, (long long)r->duplicates,
             (long long)r->malformed);
    if (r->imported > 0) {
        struct pd_audit a;
        pd_audit_for(&a, rq, "callcenter.import", "queue_log", pd_ql_format_name(f->fmt),
                     rq->who.node_id, detail);
        if (pd_tx_run(rq->app->store, "queue-log audit", false, audit_cb, &a) < 0)
            pd_warn("queue-log feed: the audit entry could not be written (%s)", detail);
    }
    pd_buf b = PD_BUF_INIT;
    pd__cc_import_report_json(r, &b);
    if (b.oom) {
        pd_buf_free(&b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    return pd_reply_buf_steal(rq, 200, "application/json", &b);
}

int pd_api_callcenter_feed(struct pd_req *rq)
{
    switch (rq->phase) {
    case PD_BODY_BEGIN:
        return feed_begin(rq);
    case PD_BODY_CHUNK:
        return feed_chunk(rq, rq->chunk, rq->chunk_len);
    case PD_BODY_END:
        return feed_end(rq);
    case PD_BODY_WHOLE:
    default: {
        /* Routed without PD_ROUTE_STREAM: the same steps over the buffered body. */
        int r = feed_begin(rq);
        if (r != PD_HANDLED || rq->resp)
            return r;
        for (size_t off = 0; off < rq->body.len; off += FEED_CHUNK) {
            size_t n = rq->body.len - off < FEED_CHUNK ? rq->body.len - off : FEED_CHUNK;
            r = feed_chunk(rq, rq->body.data + off, n);
            if (r != PD_HANDLED || rq->resp)
                return r;
        }
        return feed_end(rq);
    }
    }
}
