/*
 * The call-centre fold (ccstats.h): queue_log lines in time order become
 * queue entries with their outcomes and agents with their sessions, and
 * those become the handbook's indicators for one period, queue and agent.
 * It reads no database and prints nothing itself: the API and the command
 * line stream lines in and take the object, the CSV or the table rows out,
 * so both give the same figures. Definitions: docs/kpi-definitions.md.
 *
 * Invariants:
 *  1. An entry is counted (offered) only when its ENTERQUEUE lies in
 *     [from, to) and its queue is in scope; every later figure of that call
 *     lands in the same period, whenever the line that carries it.
 *  2. An entry has at most one outcome: the first of CONNECT, ABANDON, a
 *     timeout exit or WITHDRAW; a second ENTERQUEUE of the same (callid,
 *     queue) closes an entry still waiting (it stays unfinished).
 *  3. Talk is counted once, from the first COMPLETE* or transfer after a
 *     CONNECT.
 *  4. Agent time is counted only inside [from, min(to, now)): logged in while
 *     a login session or a membership in a queue in scope is open; paused
 *     time with a wrap-up reason stays logged-in time and is after-call
 *     work, other paused time is not logged-in time.

 *  5. With buckets (params.bucket), every figure of an entry also lands in
 *     the bucket of its ENTERQUEUE, so the buckets of a period add up to
 *     its queue figures.
 */
#include "core/ccstats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"

const char *const pd_ccstats_default_wrapup[] = {
    "wrapup",          "wrap-up", "wrap up",  "acw",  "aftercall", "after-call",
    "after call work", "后处理",  "话后处理", "整理", "跟进",      NULL};

/* ---- a string → index map (open addressing, FNV-1a) ----------------------------- */

struct smap {
    struct sslot {
        uint64_t h;
        int idx; /* -1 empty */
    } * slots;
    size_t cap, used;
};

/* @p fen ÷ @p n rounded half away from zero, in integers: money never goes
 * through a double (n > 0). */
static int64_t div_round(int64_t fen, int64_t n)
{
    return fen >= 0 ? (fen + n / 2) / n : -((-fen + n / 2) / n);
}

static uint64_t hash_bytes(const char *p, size_t n, uint64_t salt)
{
    uint64_t h = 1469598103934665603ULL ^ salt;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static bool smap_grow(struct smap *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    struct sslot *t = malloc(cap * sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < cap; i++)
        t[i].idx = -1;
    for (size_t i = 0; i < m->cap; i++)
        if (m->slots[i].idx >= 0) {
            size_t j = (size_t)(m->slots[i].h & (cap - 1));
            while (t[j].idx >= 0)
                j = (j + 1) & (cap - 1);
            t[j] = m->slots[i];
        }
    free(m->slots);
    m->slots = t;
    m->cap = cap;
    return true;
}

/* ---- state ----------------------------------------------------------------------- */

struct figs {
    int64_t offered, answered, abandoned, timed_out, withdrawn;
    int64_t sl_met;            /* answered with hold ≤ threshold */
    int64_t hold_sum;          /* answered: seconds on hold */
    int64_t wait_sum, longest; /* finished: hold or wait */
    int64_t aband_sum;         /* abandoned: wait */
    int64_t talked, talk_sum;  /* calls with a talk time */
};

struct queue {
    char *name;
    bool in_scope;
    struct figs f;
};

struct agent {
    char *name;
    int alias; /* the agent this member interface logs in as, or -1 */
    bool login;
    int *members; /* queue indices this agent is a member of */
    int nmembers, capmembers;
    bool pause_all;
    int *paused; /* queues paused in */
    int npaused, cappaused;
    bool wrapup; /* the current pause is after-call work */
    int64_t last_ms;
    double logged_ms, acw_ms, paused_ms;
    bool member_of_filter; /* ever a member of the queue filter */
    int64_t answered, hold_sum, sl_met, talked, talk_sum, rna;
};

enum { E_WAITING, E_ANSWERED, E_DONE };

struct entry {
    char *callid;
    int q, agent;
    int bucket; /* index into bfigs, or -1 */
    int64_t enter_ms, connect_ms;
    unsigned char state;
};

#define RECENT 8

struct pd_ccstats {
    struct pd_ccstats_params p;
    int64_t until_ms;
    struct queue *queues;
    int nq, capq;
    struct smap qmap;
    struct agent *agents;
    int na, capa;
    struct smap amap;
    struct entry *entries;
    size_t ne, cape;
    struct smap emap;
    int64_t open;                 /* in-period entries still waiting or talking */
    struct figs *bfigs;           /* per bucket (params.bucket), nb of them */
    int64_t nb, b_step, b_origin; /* bucket i is [b_origin + i × b_step, …) ∩ [from, to) */
    int64_t lines, unknown;
    struct {
        char callid[64];
        int agent;
        bool login;
        int64_t at;
    } recent[RECENT];
    int nrecent;
    bool finished;
    bool oom;
};

/* Find @p name in @p m over @p names(i); insert with @p make when absent. */
static int name_find(const struct smap *m, const char *p, size_t n, uint64_t h,
                     const char *(*name_of)(const pd_ccstats *, int), const pd_ccstats *s)
{
    if (!m->cap)
        return -1;
    size_t j = (size_t)(h & (m->cap - 1));
    while (m->slots[j].idx >= 0) {
        if (m->slots[j].h == h) {
            const char *nm = name_of(s, m->slots[j].idx);
            if (strlen(nm) == n && memcmp(nm, p, n) == 0)
                return m->slots[j].idx;
        }
        j = (j + 1) & (m->cap - 1);
    }
    return -1;
}

static bool smap_put(struct smap *m, uint64_t h, int idx)
{
    if ((m->used + 1) * 4 > m->cap * 3 && !smap_grow(m))
        return false;
    size_t j = (size_t)(h & (m->cap - 1));
    while (m->slots[j].idx >= 0)
        j = (j + 1) & (m->cap - 1);
    m->slots[j].h = h;
    m->slots[j].idx = idx;
    m->used++;
    return true;
}

static const char *queue_name_of(const pd_ccstats *s, int i)
{
    return s->queues[i].name;
}

static const char *agent_name_of(const pd_ccstats *s, int i)
{
    return s->agents[i].name;
}

static char *dup_n(const char *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

static bool grow(void **arr, int *cap, int need, size_t size)
{
    if (need <= *cap)
        return true;
    int c = *cap ? *cap * 2 : 16;
    while (c < need)
        c *= 2;
    void *t = realloc(*arr, (size_t)c * size);
    if (!t)
        return false;
    *arr = t;
    *cap = c;
    return true;
}

static int queue_get(pd_ccstats *s, const char *p, size_t n)
{
    uint64_t h = hash_bytes(p, n, 0);
    int i = name_find(&s->qmap, p, n, h, queue_name_of, s);
    if (i >= 0)
        return i;
    if (!grow((void **)&s->queues, &s->capq, s->nq + 1, sizeof *s->queues))
        return -1;
    struct queue *q = &s->queues[s->nq];
    memset(q, 0, sizeof *q);
    q->name = dup_n(p, n);
    if (!q->name || !smap_put(&s->qmap, h, s->nq)) {
        free(q->name);
        return -1;
    }
    q->in_scope = !s->p.queue || strcmp(q->name, s->p.queue) == 0;
    return s->nq++;
}

static int agent_get(pd_ccstats *s, const char *p, size_t n, int64_t at)
{
    uint64_t h = hash_bytes(p, n, 1);
    int i = name_find(&s->amap, p, n, h, agent_name_of, s);
    if (i >= 0)
        return i;
    if (!grow((void **)&s->agents, &s->capa, s->na + 1, sizeof *s->agents))
        return -1;
    struct agent *a = &s->agents[s->na];
    memset(a, 0, sizeof *a);
    a->alias = -1;
    a->last_ms = at;
    a->name = dup_n(p, n);
    if (!a->name || !smap_put(&s->amap, h, s->na)) {
        free(a->name);
        return -1;
    }
    return s->na++;
}

static int resolve(const pd_ccstats *s, int i)
{
    for (int k = 0; i >= 0 && s->agents[i].alias >= 0 && k < 8; k++)
        i = s->agents[i].alias;
    return i;
}

static bool is_none(struct pd_ql_str x)
{
    return x.n == 0 || (x.n == 4 && memcmp(x.p, "NONE", 4) == 0);
}

/* ---- entries --------------------------------------------------------------------- */

static uint64_t entry_hash(struct pd_ql_str callid, int q)
{
    return hash_bytes(callid.p, callid.n, (uint64_t)q * 0x9E3779B97F4A7C15ULL + 7);
}

static struct entry *entry_find(pd_ccstats *s, struct pd_ql_str callid, int q, uint64_t h,
                                size_t **slot_idx)
{
    if (!s->emap.cap)
        return NULL;
    size_t j = (size_t)(h & (s->emap.cap - 1));
    while (s->emap.slots[j].idx >= 0) {
        if (s->emap.slots[j].h == h) {
            struct entry *e = &s->entries[s->emap.slots[j].idx];
            if (e->q == q && strlen(e->callid) == callid.n &&
                memcmp(e->callid, callid.p, callid.n) == 0) {
                if (slot_idx)
                    *slot_idx = (size_t *)&s->emap.slots[j].idx;
                return e;
            }
        }
        j = (j + 1) & (s->emap.cap - 1);
    }
    return NULL;
}

static struct entry *entry_new(pd_ccstats *s, struct pd_ql_str callid, int q, uint64_t h,
                               int64_t at)
{
    if (s->ne == s->cape) {
        size_t c = s->cape ? s->cape * 2 : 1024;
        struct entry *t = realloc(s->entries, c * sizeof *t);
        if (!t)
            return NULL;
        s->entries = t;
        s->cape = c;
    }
    struct entry *e = &s->entries[s->ne];
    memset(e, 0, sizeof *e);
    e->callid = dup_n(callid.p, callid.n);
    if (!e->callid)
        return NULL;
    e->q = q;
    e->agent = -1;
    e->enter_ms = at;
    e->state = E_WAITING;
    e->bucket = s->nb > 0 ? (int)((at - s->b_origin) / s->b_step) : -1;
    size_t *slot = NULL;
    if (entry_find(s, callid, q, h, &slot)) {
        *(int *)slot = (int)s->ne; /* the newer entry shadows the older (invariant 2) */
    } else if (!smap_put(&s->emap, h, (int)s->ne)) {
        free(e->callid);
        return NULL;
    }
    s->ne++;
    return &s->entries[s->ne - 1];
}

/* A duration field, or the time since @p since when the line lacks it. */
static int64_t secs_field(const struct pd_ql_line *l, int idx, int64_t since_ms)
{
    int64_t v;
    if (idx && pd_ql_field_int(l, idx, &v))
        return v;
    int64_t d = (l->at_ms - since_ms) / 1000;
    return d > 0 ? d : 0;
}

static void finish_wait(struct figs *f, int64_t w)
{
    f->wait_sum += w;
    if (w > f->longest)
        f->longest = w;
}

/* ---- agent time -------------------------------------------------------------------- */

static int members_in_scope(const pd_ccstats *s, const struct agent *a)
{
    int n = 0;
    for (int i = 0; i < a->nmembers; i++)
        n += s->queues[a->members[i]].in_scope;
    return n;
}

/* Count the agent's state from its last change up to @p t (invariant 4). */
static void advance(pd_ccstats *s, struct agent *a, int64_t t)
{
    int64_t lo = a->last_ms > s->p.from_ms ? a->last_ms : s->p.from_ms;
    int64_t hi = t < s->until_ms ? t : s->until_ms;
    if (hi > lo && (a->login || members_in_scope(s, a) > 0)) {
        double d = (double)(hi - lo);
        bool paused = a->pause_all || a->npaused > 0;
        if (paused && !a->wrapup) {
            a->paused_ms += d;
        } else {
            a->logged_ms += d;
            if (paused)
                a->acw_ms += d;
        }
    }
    if (t > a->last_ms)
        a->last_ms = t;
}

static bool set_add(int **arr, int *n, int *cap, int v)
{
    for (int i = 0; i < *n; i++)
        if ((*arr)[i] == v)
            return true;
    if (!grow((void **)arr, cap, *n + 1, sizeof **arr))
        return false;
    (*arr)[(*n)++] = v;
    return true;
}

static void set_del(int *arr, int *n, int v)
{
    for (int i = 0; i < *n; i++)
        if (arr[i] == v) {
            arr[i] = arr[--*n];
            return;
        }
}

static bool reason_is_wrapup(const pd_ccstats *s, struct pd_ql_str r)
{
    const char *const *list = s->p.wrapup_reasons ? s->p.wrapup_reasons : pd_ccstats_default_wrapup;
    for (; *list; list++) {
        size_t n = strlen(*list);
        if (n != r.n)
            continue;
        size_t i = 0;
        for (; i < n; i++) {
            char a = r.p[i], b = (*list)[i];
            if (a >= 'A' && a <= 'Z')
                a = (char)(a - 'A' + 'a');
            if (b >= 'A' && b <= 'Z')
                b = (char)(b - 'A' + 'a');
            if (a != b)
                break;
        }
        if (i == n)
            return true;
    }
    return false;
}

/* The member interface @p m logs in as agent @p g (they share a callid). */
static bool make_alias(pd_ccstats *s, int m, int g, int64_t at)
{
    m = resolve(s, m);
    g = resolve(s, g);
    if (m == g || m < 0 || g < 0)
        return true;
    struct agent *am = &s->agents[m], *ag = &s->agents[g];
    advance(s, am, at);
    advance(s, ag, at);
    for (int i = 0; i < am->nmembers; i++)
        if (!set_add(&ag->members, &ag->nmembers, &ag->capmembers, am->members[i]))
            return false;
    am->nmembers = 0;
    ag->member_of_filter |= am->member_of_filter;
    ag->logged_ms += am->logged_ms;
    ag->acw_ms += am->acw_ms;
    ag->paused_ms += am->paused_ms;
    am->logged_ms = am->acw_ms = am->paused_ms = 0;
    am->alias = g;
    return true;
}

/* Pair a member line and a login line written for the same call (the
 * callback-agent dialplans write both with one uniqueid). */
static bool pair_lines(pd_ccstats *s, struct pd_ql_str callid, int agent, bool login, int64_t at)
{
    if (callid.n == 0 || callid.n >= 64 || is_none(callid) ||
        (callid.n == 7 && memcmp(callid.p, "MANAGER", 7) == 0))
        return true;
    for (int i = 0; i < s->nrecent; i++) {
        if (s->recent[i].login != login && strlen(s->recent[i].callid) == callid.n &&
            memcmp(s->recent[i].callid, callid.p, callid.n) == 0 &&
            llabs(s->recent[i].at - at) <= 2000) {
            int member = login ? s->recent[i].agent : agent;
            int logger = login ? agent : s->recent[i].agent;
            return make_alias(s, member, logger, at);
        }
    }
    int k = s->nrecent < RECENT ? s->nrecent++ : (int)((unsigned)at % RECENT);
    memcpy(s->recent[k].callid, callid.p, callid.n);
    s->recent[k].callid[callid.n] = '\0';
    s->recent[k].agent = agent;
    s->recent[k].login = login;
    s->recent[k].at = at;
    return true;
}

static bool agent_event(pd_ccstats *s, const struct pd_ql_line *l, enum pd_ql_class cls, int ai,
                        int q)
{
    const struct pd_ql_verb_info *vi = pd_ql_verb_info(l->verb);
    struct agent *a = &s->agents[ai];
    int64_t secs;
    /* A session opened before the lines we read: the logoff says how long.
     * Nothing was counted for a logged-out agent, so the session can start
     * before the agent's last line without counting anything twice. */
    if (cls == PD_QLC_LOGOFF && !a->login && members_in_scope(s, a) == 0 && vi->login &&
        pd_ql_field_int(l, vi->login, &secs)) {
        a->last_ms = l->at_ms - secs * 1000;
        a->login = true;
    }
    advance(s, a, l->at_ms);
    switch (cls) {
    case PD_QLC_MEMBER_ADD:
        if (q < 0)
            return true;
        if (s->queues[q].in_scope && s->p.queue)
            a->member_of_filter = true;
        if (!set_add(&a->members, &a->nmembers, &a->capmembers, q))
            return false;
        return pair_lines(s, l->callid, ai, false, l->at_ms);
    case PD_QLC_MEMBER_REMOVE:
        if (q >= 0)
            set_del(a->members, &a->nmembers, q);
        return pair_lines(s, l->callid, ai, false, l->at_ms);
    case PD_QLC_LOGIN:
        a->login = true;
        return pair_lines(s, l->callid, ai, true, l->at_ms);
    case PD_QLC_LOGOFF: {
        a->login = false;
        a->pause_all = false;
        a->npaused = 0;
        return pair_lines(s, l->callid, ai, true, l->at_ms);
    }
    case PD_QLC_PAUSE:
    case PD_QLC_PAUSE_ALL:
        if (cls == PD_QLC_PAUSE_ALL || q < 0)
            a->pause_all = true;
        else if (!set_add(&a->paused, &a->npaused, &a->cappaused, q))
            return false;
        a->wrapup = reason_is_wrapup(s, pd_ql_field(l, vi->text));
        return true;
    case PD_QLC_UNPAUSE:
        if (q >= 0)
            set_del(a->paused, &a->npaused, q);
        a->pause_all = false; /* available again in that queue at least */
        if (q < 0)
            a->npaused = 0;
        return true;
    case PD_QLC_UNPAUSE_ALL:
        a->pause_all = false;
        a->npaused = 0;
        return true;
    default:
        return true;
    }
}

/* ---- buckets ------------------------------------------------------------------------- */

#define HOUR_MS (3600LL * 1000)
#define DAY_MS  (24 * HOUR_MS)

const char *pd_cc_bucket_name(enum pd_cc_bucket b)
{
    return b == PD_CCB_HOUR ? "hour" : b == PD_CCB_DAY ? "day" : NULL;
}

bool pd_cc_bucket_parse(const char *s, enum pd_cc_bucket *out)
{
    if (s && !strcmp(s, "hour"))
        *out = PD_CCB_HOUR;
    else if (s && !strcmp(s, "day"))
        *out = PD_CCB_DAY;
    else
        return false;
    return true;
}

static int64_t bucket_step(enum pd_cc_bucket b)
{
    return b == PD_CCB_HOUR ? HOUR_MS : b == PD_CCB_DAY ? DAY_MS : 0;
}

/* The start of the local hour or day holding @p t (local: UTC + offset). */
static int64_t bucket_floor(int64_t t, int64_t step, int offset_min)
{
    int64_t off = (int64_t)offset_min * 60000;
    int64_t x = t + off;
    int64_t k = x >= 0 ? x / step : -((-x + step - 1) / step);
    return k * step - off;
}

int64_t pd_ccstats_bucket_count(int64_t from_ms, int64_t to_ms, enum pd_cc_bucket b, int offset_min)
{
    int64_t step = bucket_step(b);
    if (!step || to_ms <= from_ms)
        return 0;
    return (bucket_floor(to_ms - 1, step, offset_min) - bucket_floor(from_ms, step, offset_min)) /
               step +
           1;
}

const char *pd_ccstats_bucket_check(int64_t from_ms, int64_t to_ms, enum pd_cc_bucket b,
                                    int offset_min)
{
    if (b == PD_CCB_HOUR && to_ms - from_ms > PD_CC_HOUR_PERIOD_MAX)
        return "hour buckets for a period of at most 7 days; use day";
    if (b == PD_CCB_DAY &&
        pd_ccstats_bucket_count(from_ms, to_ms, b, offset_min) > PD_CC_DAY_BUCKETS_MAX)
        return "day buckets for a period of at most 62 days";
    return NULL;
}

/* ---- the fold ---------------------------------------------------------------------- */

pd_ccstats *pd_ccstats_new(const struct pd_ccstats_params *p)
{
    pd_ccstats *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->p = *p;
    if (s->p.service_level_s <= 0)
        s->p.service_level_s = PD_CC_SERVICE_LEVEL_S;
    if (s->p.handling_standard_s <= 0)
        s->p.handling_standard_s = PD_CC_HANDLING_STD_S;
    if (s->p.queue && !s->p.queue[0])
        s->p.queue = NULL;
    if (s->p.agent && !s->p.agent[0])
        s->p.agent = NULL;
    s->until_ms = s->p.now_ms < s->p.to_ms ? s->p.now_ms : s->p.to_ms;
    if (s->until_ms < s->p.from_ms)
        s->until_ms = s->p.from_ms;
    s->nb = pd_ccstats_bucket_count(s->p.from_ms, s->p.to_ms, s->p.bucket, s->p.offset_min);
    if (s->nb > 0) {
        s->b_step = bucket_step(s->p.bucket);
        s->b_origin = bucket_floor(s->p.from_ms, s->b_step, s->p.offset_min);
        s->bfigs = calloc((size_t)s->nb, sizeof *s->bfigs);
        if (!s->bfigs) {
            pd_ccstats_free(s);
            return NULL;
        }
    }
    /* The filtered queue is answered even when the period has no call in it. */
    if (s->p.queue && queue_get(s, s->p.queue, strlen(s->p.queue)) < 0) {
        pd_ccstats_free(s);
        return NULL;
    }
    return s;
}

void pd_ccstats_free(pd_ccstats *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->nq; i++)
        free(s->queues[i].name);
    for (int i = 0; i < s->na; i++) {
        free(s->agents[i].name);
        free(s->agents[i].members);
        free(s->agents[i].paused);
    }
    for (size_t i = 0; i < s->ne; i++)
        free(s->entries[i].callid);
    free(s->queues);
    free(s->agents);
    free(s->entries);
    free(s->bfigs);
    free(s->qmap.slots);
    free(s->amap.slots);
    free(s->emap.slots);
    free(s);
}

void pd_ccstats_window(const pd_ccstats *s, int64_t *from_ms, int64_t *to_ms)
{
    *from_ms = s->p.from_ms - PD_CC_LOOKBACK_MS;
    *to_ms = s->p.to_ms + PD_CC_TAIL_MS;
}

void pd_ccstats_counts(const pd_ccstats *s, int64_t *lines, int64_t *unknown)
{
    *lines = s->lines;
    *unknown = s->unknown;
}

static int call_event(pd_ccstats *s, const struct pd_ql_line *l, enum pd_ql_class cls, int q,
                      int ai)
{
    const struct pd_ql_verb_info *vi = pd_ql_verb_info(l->verb);
    uint64_t h = entry_hash(l->callid, q);
    struct entry *e = entry_find(s, l->callid, q, h, NULL);
    if (cls == PD_QLC_ENTER) {
        bool in_period = l->at_ms >= s->p.from_ms && l->at_ms < s->p.to_ms;
        if (e && e->state != E_DONE) {
            if (e->state == E_WAITING || e->state == E_ANSWERED)
                s->open--;
            e->state = E_DONE;
        }
        if (!in_period || !s->queues[q].in_scope) {
            if (e) /* later lines of this call must not reach the older entry */
                e->q = -1 - e->q;
            return 0;
        }
        struct entry *ne = entry_new(s, l->callid, q, h, l->at_ms);
        if (!ne)
            return -1;
        s->queues[q].f.offered++;
        if (ne->bucket >= 0)
            s->bfigs[ne->bucket].offered++;
        s->open++;
        return 0;
    }
    if (!e)
        return 0;
    /* The queue's figures and, when bucketed, the entry's bucket's. */
    struct figs *fs[2] = {&s->queues[q].f, e->bucket >= 0 ? &s->bfigs[e->bucket] : NULL};
    struct agent *a = ai >= 0 ? &s->agents[ai] : NULL;
    switch (cls) {
    case PD_QLC_CONNECT: {
        if (e->state != E_WAITING)
            return 0;
        int64_t hold = secs_field(l, vi->hold, e->enter_ms);
        bool met = hold <= s->p.service_level_s;
        e->state = E_ANSWERED;
        e->connect_ms = l->at_ms;
        e->agent = ai;
        for (int k = 0; k < 2 && fs[k]; k++) {
            fs[k]->answered++;
            fs[k]->hold_sum += hold;
            fs[k]->sl_met += met;
            finish_wait(fs[k], hold);
        }
        if (a) {
            a->answered++;
            a->hold_sum += hold;
            a->sl_met += met;
        }
        return 0;
    }
    case PD_QLC_COMPLETE:
    case PD_QLC_TRANSFER: {
        if (e->state != E_ANSWERED)
            return 0;
        int64_t talk = secs_field(l, vi->talk, e->connect_ms);
        e->state = E_DONE;
        s->open--;
        for (int k = 0; k < 2 && fs[k]; k++) {
            fs[k]->talked++;
            fs[k]->talk_sum += talk;
        }
        int who = e->agent >= 0 ? resolve(s, e->agent) : ai;
        if (who >= 0) {
            s->agents[who].talked++;
            s->agents[who].talk_sum += talk;
        }
        return 0;
    }
    case PD_QLC_ABANDON:
    case PD_QLC_TIMEOUT:
    case PD_QLC_WITHDRAW: {
        if (e->state != E_WAITING)
            return 0;
        int64_t wait = secs_field(l, vi->wait, e->enter_ms);
        e->state = E_DONE;
        s->open--;
        for (int k = 0; k < 2 && fs[k]; k++) {
            struct figs *f = fs[k];
            if (cls == PD_QLC_WITHDRAW) {
                f->withdrawn++;
                continue;
            }
            finish_wait(f, wait);
            if (cls == PD_QLC_ABANDON) {
                f->abandoned++;
                f->aband_sum += wait;
            } else {
                f->timed_out++;
            }
        }
        return 0;
    }
    case PD_QLC_RING:
        if (l->verb == PD_QL_RINGNOANSWER && e->state == E_WAITING && a)
            a->rna++;
        return 0;
    default:
        return 0;
    }
}

int pd_ccstats_add(pd_ccstats *s, const struct pd_ql_line *l)
{
    if (s->oom)
        return -1;
    if (s->finished)
        return 1;
    s->lines++;
    const struct pd_ql_verb_info *vi = pd_ql_verb_info(l->verb);
    if (l->verb == PD_QL_UNKNOWN) {
        s->unknown++;
        return l->at_ms >= s->p.to_ms && s->open == 0;
    }
    enum pd_ql_class cls = vi->cls;
    int q = -1;
    if (!is_none(l->queue) && (q = queue_get(s, l->queue.p, l->queue.n)) < 0)
        goto oom;
    int ai = -1;
    if (!is_none(l->agent)) {
        if ((ai = agent_get(s, l->agent.p, l->agent.n, l->at_ms)) < 0)
            goto oom;
        ai = resolve(s, ai);
    }
    switch (cls) {
    case PD_QLC_ENTER:
    case PD_QLC_CONNECT:
    case PD_QLC_COMPLETE:
    case PD_QLC_TRANSFER:
    case PD_QLC_ABANDON:
    case PD_QLC_TIMEOUT:
    case PD_QLC_WITHDRAW:
    case PD_QLC_RING:
        if (q >= 0 && call_event(s, l, cls, q, ai) < 0)
            goto oom;
        break;
    case PD_QLC_MEMBER_ADD:
    case PD_QLC_MEMBER_REMOVE:
    case PD_QLC_LOGIN:
    case PD_QLC_LOGOFF:
    case PD_QLC_PAUSE:
    case PD_QLC_UNPAUSE:
    case PD_QLC_PAUSE_ALL:
    case PD_QLC_UNPAUSE_ALL:
        if (ai >= 0 && !agent_event(s, l, cls, ai, q))
            goto oom;
        break;
    default:
        break;
    }
    return l->at_ms >= s->p.to_ms && s->open == 0;
oom:
    s->oom = true;
    return -1;
}

/* ---- figures ------------------------------------------------------------------------- */

static void close_agents(pd_ccstats *s)
{
    if (s->finished)
        return;
    s->finished = true;
    for (int i = 0; i < s->na; i++)
        if (s->agents[i].alias < 0)
            advance(s, &s->agents[i], s->until_ms);
}

static const struct pd_ccstats_column queue_cols[] = {
    {"offered", PD_CCV_INT},        {"answered", PD_CCV_INT},
    {"abandoned", PD_CCV_INT},      {"timed_out", PD_CCV_INT},
    {"unfinished", PD_CCV_INT},     {"withdrawn", PD_CCV_INT},
    {"finished", PD_CCV_INT},       {"asa_s", PD_CCV_SECS},
    {"avg_wait_s", PD_CCV_SECS},    {"longest_wait_s", PD_CCV_SECS},
    {"avg_abandon_s", PD_CCV_SECS}, {"abandon_rate", PD_CCV_RATE},
    {"service_level", PD_CCV_RATE}, {"service_level_answered", PD_CCV_RATE},
    {"avg_talk_s", PD_CCV_SECS},    {"talk_s", PD_CCV_SECS},
};
#define NQCOLS ((int)(sizeof queue_cols / sizeof queue_cols[0]))

static const struct pd_ccstats_column centre_cols[] = {
    {"offered", PD_CCV_INT},
    {"answered", PD_CCV_INT},
    {"abandoned", PD_CCV_INT},
    {"timed_out", PD_CCV_INT},
    {"unfinished", PD_CCV_INT},
    {"withdrawn", PD_CCV_INT},
    {"finished", PD_CCV_INT},
    {"asa_s", PD_CCV_SECS},
    {"avg_wait_s", PD_CCV_SECS},
    {"longest_wait_s", PD_CCV_SECS},
    {"avg_abandon_s", PD_CCV_SECS},
    {"abandon_rate", PD_CCV_RATE},
    {"service_level", PD_CCV_RATE},
    {"service_level_answered", PD_CCV_RATE},
    {"avg_talk_s", PD_CCV_SECS},
    {"talk_s", PD_CCV_SECS},
    {"agents", PD_CCV_INT},
    {"turnover_rate", PD_CCV_RATE},
    {"headcount_start", PD_CCV_INT},
    {"headcount_end", PD_CCV_INT},
    {"leavers", PD_CCV_INT},
    {"cost_fen", PD_CCV_INT},
    {"cost_per_call_fen", PD_CCV_INT},
};
#define NCCOLS ((int)(sizeof centre_cols / sizeof centre_cols[0]))

static const struct pd_ccstats_column agent_cols[] = {
    {"answered", PD_CCV_INT},
    {"asa_s", PD_CCV_SECS},
    {"service_level_answered", PD_CCV_RATE},
    {"talk_s", PD_CCV_SECS},
    {"avg_talk_s", PD_CCV_SECS},
    {"acw_s", PD_CCV_SECS},
    {"avg_handle_s", PD_CCV_SECS},
    {"handling_time_pass", PD_CCV_BOOL},
    {"logged_in_s", PD_CCV_SECS},
    {"paused_s", PD_CCV_SECS},
    {"occupancy", PD_CCV_RATE},
    {"calls_per_hour", PD_CCV_NUM},
    {"ring_no_answer", PD_CCV_INT},
    {"user", PD_CCV_STR},
    {"scheduled_s", PD_CCV_INT},
    {"actual_work_rate", PD_CCV_RATE},
    {"qa_forms", PD_CCV_INT},
    {"qa_score", PD_CCV_NUM},
    {"shifts_scheduled", PD_CCV_INT},
    {"shifts_attended", PD_CCV_INT},
    {"attendance", PD_CCV_RATE},
    {"waybills_entered", PD_CCV_INT},
    {"waybills_corrected", PD_CCV_INT},
    {"waybill_accuracy", PD_CCV_RATE},
    {"waybill_accuracy_pass", PD_CCV_BOOL},
};
#define NACOLS ((int)(sizeof agent_cols / sizeof agent_cols[0]))

const struct pd_ccstats_column *pd_ccstats_columns(enum pd_ccstats_table t, int *n)
{
    switch (t) {
    case PD_CCT_CENTRE:
        *n = NCCOLS;
        return centre_cols;
    case PD_CCT_QUEUES:
        *n = NQCOLS;
        return queue_cols;
    default:
        *n = NACOLS;
        return agent_cols;
    }
}

static struct pd_ccv v_int(int64_t i)
{
    return (struct pd_ccv){.kind = PD_CCV_INT, .i = i};
}

static struct pd_ccv v_null(void)
{
    return (struct pd_ccv){.kind = PD_CCV_NULL};
}

/* num ÷ den as @p kind, null when den is 0 (never NaN). */
static struct pd_ccv v_div(double num, double den, enum pd_ccv_kind kind)
{
    if (den <= 0)
        return v_null();
    return (struct pd_ccv){.kind = kind, .d = num / den};
}

static struct pd_ccv v_bool(bool b)
{
    return (struct pd_ccv){.kind = PD_CCV_BOOL, .b = b};
}

static struct pd_ccv v_secs(double d)
{
    return (struct pd_ccv){.kind = PD_CCV_SECS, .d = d};
}

static void queue_cells(const struct figs *f, struct pd_ccv *c)
{
    int64_t finished = f->answered + f->abandoned + f->timed_out;
    c[0] = v_int(f->offered);
    c[1] = v_int(f->answered);
    c[2] = v_int(f->abandoned);
    c[3] = v_int(f->timed_out);
    c[4] = v_int(f->offered - finished);
    c[5] = v_int(f->withdrawn);
    c[6] = v_int(finished);
    c[7] = v_div((double)f->hold_sum, (double)f->answered, PD_CCV_SECS);
    c[8] = v_div((double)f->wait_sum, (double)finished, PD_CCV_SECS);
    c[9] = finished ? v_secs((double)f->longest) : v_null();
    c[10] = v_div((double)f->aband_sum, (double)f->abandoned, PD_CCV_SECS);
    c[11] = v_div((double)f->abandoned, (double)finished, PD_CCV_RATE);
    c[12] = v_div((double)f->sl_met, (double)finished, PD_CCV_RATE);
    c[13] = v_div((double)f->sl_met, (double)f->answered, PD_CCV_RATE);
    c[14] = v_div((double)f->talk_sum, (double)f->talked, PD_CCV_SECS);
    c[15] = v_secs((double)f->talk_sum);
}

static void add_figs(struct figs *t, const struct figs *f)
{
    t->offered += f->offered;
    t->answered += f->answered;
    t->abandoned += f->abandoned;
    t->timed_out += f->timed_out;
    t->withdrawn += f->withdrawn;
    t->sl_met += f->sl_met;
    t->hold_sum += f->hold_sum;
    t->wait_sum += f->wait_sum;
    if (f->longest > t->longest)
        t->longest = f->longest;
    t->aband_sum += f->aband_sum;
    t->talked += f->talked;
    t->talk_sum += f->talk_sum;
}

static const struct pd_ccstats_own_agent *own_find(const pd_ccstats *s,
                                                   const struct pd_ccstats_own *own, int ai)
{
    if (!own)
        return NULL;
    for (int i = 0; i < own->n_agents; i++) {
        const char *nm = own->agents[i].agent;
        if (!nm)
            continue;
        uint64_t h = hash_bytes(nm, strlen(nm), 1);
        int j = name_find(&s->amap, nm, strlen(nm), h, agent_name_of, s);
        if (j >= 0 && resolve(s, j) == ai)
            return &own->agents[i];
    }
    return NULL;
}

static void agent_cells(const pd_ccstats *s, const struct agent *a,
                        const struct pd_ccstats_own_agent *o, struct pd_ccv *c)
{
    double logged = a->logged_ms / 1000.0, acw = a->acw_ms / 1000.0;
    c[0] = v_int(a->answered);
    c[1] = v_div((double)a->hold_sum, (double)a->answered, PD_CCV_SECS);
    c[2] = v_div((double)a->sl_met, (double)a->answered, PD_CCV_RATE);
    c[3] = v_secs((double)a->talk_sum);
    c[4] = v_div((double)a->talk_sum, (double)a->talked, PD_CCV_SECS);
    c[5] = v_secs(acw);
    c[6] = v_div((double)a->talk_sum + acw, (double)a->answered, PD_CCV_SECS);
    c[7] = c[6].kind == PD_CCV_NULL ? v_null() : v_bool(c[6].d <= (double)s->p.handling_standard_s);
    c[8] = v_secs(logged);
    c[9] = v_secs(a->paused_ms / 1000.0);
    c[10] = v_div((double)a->talk_sum + acw, logged, PD_CCV_RATE);
    if (c[10].kind == PD_CCV_RATE &&
        c[10].d > 1) /* talk of a call is counted whole in its period */
        c[10].d = 1;
    c[11] = v_div((double)a->answered, logged / 3600.0, PD_CCV_NUM);
    c[12] = v_int(a->rna);
    for (int k = 13; k < NACOLS; k++)
        c[k] = v_null();
    if (!o)
        return;
    if (o->username && o->username[0])
        c[13] = (struct pd_ccv){.kind = PD_CCV_STR, .s = o->username};
    c[14] = v_int(o->scheduled_s);
    c[15] = v_div(logged, (double)o->scheduled_s, PD_CCV_RATE);
    c[16] = v_int(o->qa_forms);
    c[17] = o->qa_forms > 0 ? (struct pd_ccv){.kind = PD_CCV_NUM, .d = o->qa_score} : v_null();
    c[18] = v_int(o->shifts_scheduled);
    c[19] = v_int(o->shifts_attended);
    c[20] = v_div(o->shifts_attended, o->shifts_scheduled, PD_CCV_RATE);
    c[21] = v_int(o->waybills_entered);
    c[22] = v_int(o->waybills_corrected);
    c[23] = v_div(o->waybills_entered - o->waybills_corrected, o->waybills_entered, PD_CCV_RATE);
    c[24] = o->waybills_entered > 0 ? v_bool(o->waybills_corrected == 0) : v_null();
}

static bool agent_reported(const pd_ccstats *s, int i, const struct pd_ccstats_own *own)
{
    const struct agent *a = &s->agents[i];
    if (a->alias >= 0)
        return false;
    if (s->p.agent) {
        uint64_t h = hash_bytes(s->p.agent, strlen(s->p.agent), 1);
        int j = name_find(&s->amap, s->p.agent, strlen(s->p.agent), h, agent_name_of, s);
        if (j < 0 || resolve(s, j) != i)
            return false;
    }
    if (own_find(s, own, i))
        return true;
    bool calls = a->answered || a->talked || a->rna;
    if (s->p.queue)
        return calls || (a->member_of_filter && a->logged_ms + a->paused_ms > 0);
    return calls || a->logged_ms + a->paused_ms > 0;
}

struct name_pair {
    const char *name;
    int i;
};

static int cmp_pairs(const void *x, const void *y)
{
    return strcmp(((const struct name_pair *)x)->name, ((const struct name_pair *)y)->name);
}

/* Indices 0..n-1 in the byte order of name_at(i). */
static int *sorted(const pd_ccstats *s, int n, const char *(*name_at)(const pd_ccstats *, int))
{
    struct name_pair *pairs = malloc(sizeof *pairs * (size_t)(n ? n : 1));
    int *idx = malloc(sizeof *idx * (size_t)(n ? n : 1));
    if (!pairs || !idx) {
        free(pairs);
        free(idx);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        pairs[i] = (struct name_pair){name_at(s, i), i};
    qsort(pairs, (size_t)n, sizeof *pairs, cmp_pairs);
    for (int i = 0; i < n; i++)
        idx[i] = pairs[i].i;
    free(pairs);
    return idx;
}

/* Roster agents with no line in the log get a row of their own. */
static bool add_roster(pd_ccstats *s, const struct pd_ccstats_own *own)
{
    if (!own)
        return true;
    for (int i = 0; i < own->n_agents; i++) {
        const char *nm = own->agents[i].agent;
        if (nm && nm[0] && agent_get(s, nm, strlen(nm), s->until_ms) < 0)
            return false;
    }
    return true;
}

int pd_ccstats_rows(pd_ccstats *s, const struct pd_ccstats_own *own, enum pd_ccstats_table t,
                    int (*cb)(void *cls, const char *name, const struct pd_ccv *cells), void *cls)
{
    if (!add_roster(s, own)) {
        s->oom = true;
        return -1;
    }
    close_agents(s);
    struct pd_ccv c[NCCOLS > NACOLS ? NCCOLS : NACOLS];
    if (t == PD_CCT_QUEUES) {
        int *idx = sorted(s, s->nq, queue_name_of);
        if (!idx)
            return -1;
        int rc = 0;
        for (int k = 0; k < s->nq && !rc; k++) {
            const struct queue *q = &s->queues[idx[k]];
            if (!q->in_scope || (q->f.offered == 0 && !s->p.queue))
                continue;
            queue_cells(&q->f, c);
            rc = cb(cls, q->name, c);
        }
        free(idx);
        return rc;
    }
    if (t == PD_CCT_AGENTS) {
        int *idx = sorted(s, s->na, agent_name_of);
        if (!idx)
            return -1;
        int rc = 0;
        for (int k = 0; k < s->na && !rc; k++) {
            if (!agent_reported(s, idx[k], own))
                continue;
            agent_cells(s, &s->agents[idx[k]], own_find(s, own, idx[k]), c);
            rc = cb(cls, s->agents[idx[k]].name, c);
        }
        free(idx);
        return rc;
    }
    struct figs tot = {0};
    for (int i = 0; i < s->nq; i++)
        if (s->queues[i].in_scope)
            add_figs(&tot, &s->queues[i].f);
    queue_cells(&tot, c);
    int nag = 0;
    for (int i = 0; i < s->na; i++)
        nag += agent_reported(s, i, own);
    c[NQCOLS] = v_int(nag);
    for (int k = NQCOLS + 1; k < NCCOLS; k++)
        c[k] = v_null();
    if (own) {
        c[NQCOLS + 1] =
            v_div(own->leavers, (own->headcount_start + own->headcount_end) / 2.0, PD_CCV_RATE);
        c[NQCOLS + 2] = v_int(own->headcount_start);
        c[NQCOLS + 3] = v_int(own->headcount_end);
        c[NQCOLS + 4] = v_int(own->leavers);
        if (own->has_cost) {
            c[NQCOLS + 5] = v_int(own->cost_fen);
            if (tot.answered > 0)
                c[NQCOLS + 6] = v_int(div_round(own->cost_fen, tot.answered));
        }
    }
    return cb(cls, "", c);
}

/* ---- writing ------------------------------------------------------------------------- */

/* A number with at most @p dec decimals, trailing zeros dropped, never "-0". */
static void put_num(pd_buf *b, double v, int dec)
{
    char t[64];
    snprintf(t, sizeof t, "%.*f", dec, v);
    char *dot = strchr(t, '.');
    if (dot) {
        char *e = t + strlen(t) - 1;
        while (e > dot && *e == '0')
            *e-- = '\0';
        if (e == dot)
            *e = '\0';
    }
    pd_buf_puts(b, strcmp(t, "-0") == 0 ? "0" : t);
}

static void put_value(pd_buf *b, const struct pd_ccv *v, bool json)
{
    switch (v->kind) {
    case PD_CCV_NULL:
        if (json)
            pd_buf_puts(b, "null");
        break;
    case PD_CCV_INT:
        pd_buf_i64(b, v->i);
        break;
    case PD_CCV_SECS:
    case PD_CCV_NUM:
        put_num(b, v->d, 2);
        break;
    case PD_CCV_RATE:
        put_num(b, v->d, 4);
        break;
    case PD_CCV_BOOL:
        pd_buf_puts(b, v->b ? "true" : "false");
        break;
    case PD_CCV_STR:
        if (json) {
            pd_buf_json_cstr(b, v->s);
        } else {
            pd_buf_putc(b, '"');
            for (const char *p = v->s; *p; p++) {
                if (*p == '"')
                    pd_buf_putc(b, '"');
                pd_buf_putc(b, *p);
            }
            pd_buf_putc(b, '"');
        }
        break;
    }
}

struct json_ctx {
    pd_buf *b;
    const struct pd_ccstats_column *cols;
    int ncols;
    int rows;
    bool keyed; /* an object of rows by name */
};

static int json_row(void *cls, const char *name, const struct pd_ccv *cells)
{
    struct json_ctx *x = cls;
    if (x->keyed) {
        if (x->rows++)
            pd_buf_putc(x->b, ',');
        pd_buf_json_cstr(x->b, name);
        pd_buf_putc(x->b, ':');
    }
    pd_buf_putc(x->b, '{');
    for (int k = 0; k < x->ncols; k++) {
        if (k)
            pd_buf_putc(x->b, ',');
        pd_buf_json_cstr(x->b, x->cols[k].name);
        pd_buf_putc(x->b, ':');
        put_value(x->b, &cells[k], true);
    }
    pd_buf_putc(x->b, '}');
    return 0;
}

static void time_text(const pd_ccstats *s, int64_t ms, char out[PD_RFC3339_MAX])
{
    pd_time_format(ms, s->p.offset_min, out);
}

void pd_ccstats_cells_json(pd_buf *out, enum pd_ccstats_table t, const struct pd_ccv *cells)
{
    struct json_ctx x = {.b = out};
    x.cols = pd_ccstats_columns(t, &x.ncols);
    json_row(&x, "", cells);
}

void pd_ccstats_queue_cells(const pd_ccstats *s, const char *name, struct pd_ccv *cells)
{
    struct figs f = {0};
    if (name) {
        int i = name_find(&s->qmap, name, strlen(name), hash_bytes(name, strlen(name), 0),
                          queue_name_of, s);
        if (i >= 0 && s->queues[i].in_scope)
            f = s->queues[i].f;
    } else {
        for (int i = 0; i < s->nq; i++)
            if (s->queues[i].in_scope)
                add_figs(&f, &s->queues[i].f);
    }
    queue_cells(&f, cells);
}

int64_t pd_ccstats_nbuckets(const pd_ccstats *s)
{
    return s->nb;
}

int pd_ccstats_buckets(pd_ccstats *s,
                       int (*cb)(void *cls, int64_t from_ms, int64_t to_ms,
                                 const struct pd_ccv *cells),
                       void *cls)
{
    struct pd_ccv c[NQCOLS];
    for (int64_t i = 0; i < s->nb; i++) {
        int64_t a = s->b_origin + i * s->b_step, b = a + s->b_step;
        queue_cells(&s->bfigs[i], c);
        int rc = cb(cls, a > s->p.from_ms ? a : s->p.from_ms, b < s->p.to_ms ? b : s->p.to_ms, c);
        if (rc)
            return rc;
    }
    return 0;
}

struct bucket_ctx {
    const pd_ccstats *s;
    pd_buf *b;
    int n;
};

/* {"from":…,"to":…,<queue columns>} */
static int json_bucket_row(void *cls, int64_t from_ms, int64_t to_ms, const struct pd_ccv *cells)
{
    struct bucket_ctx *x = cls;
    char t1[PD_RFC3339_MAX], t2[PD_RFC3339_MAX];
    time_text(x->s, from_ms, t1);
    time_text(x->s, to_ms, t2);
    if (x->n++)
        pd_buf_putc(x->b, ',');
    pd_buf_puts(x->b, "{\"from\":");
    pd_buf_json_cstr(x->b, t1);
    pd_buf_puts(x->b, ",\"to\":");
    pd_buf_json_cstr(x->b, t2);
    size_t at = x->b->len;
    pd_ccstats_cells_json(x->b, PD_CCT_QUEUES, cells);
    if (!x->b->oom && x->b->len > at)
        x->b->data[at] = ','; /* the cells' '{' continues this object */
    return 0;
}

bool pd_ccstats_json(pd_ccstats *s, const struct pd_ccstats_own *own, pd_buf *out)
{
    struct json_ctx x = {.b = out, .keyed = true};
    pd_buf_puts(out, "{\"queues\":{");
    x.cols = pd_ccstats_columns(PD_CCT_QUEUES, &x.ncols);
    if (pd_ccstats_rows(s, own, PD_CCT_QUEUES, json_row, &x) < 0)
        return false;
    pd_buf_puts(out, "},\"agents\":{");
    x.rows = 0;
    x.cols = pd_ccstats_columns(PD_CCT_AGENTS, &x.ncols);
    if (pd_ccstats_rows(s, own, PD_CCT_AGENTS, json_row, &x) < 0)
        return false;
    pd_buf_puts(out, "},\"centre\":");
    x.keyed = false;
    x.cols = pd_ccstats_columns(PD_CCT_CENTRE, &x.ncols);
    if (pd_ccstats_rows(s, own, PD_CCT_CENTRE, json_row, &x) < 0)
        return false;
    char t1[PD_RFC3339_MAX], t2[PD_RFC3339_MAX], t3[PD_RFC3339_MAX];
    time_text(s, s->p.from_ms, t1);
    time_text(s, s->p.to_ms, t2);
    time_text(s, s->until_ms, t3);
    pd_buf_puts(out, ",\"parameters\":{\"from\":");
    pd_buf_json_cstr(out, t1);
    pd_buf_puts(out, ",\"to\":");
    pd_buf_json_cstr(out, t2);
    pd_buf_puts(out, ",\"queue\":");
    pd_buf_json_cstr(out, s->p.queue);
    pd_buf_puts(out, ",\"agent\":");
    pd_buf_json_cstr(out, s->p.agent);
    pd_buf_printf(out, ",\"service_level_s\":%d,\"handling_standard_s\":%d,\"wrapup_reasons\":[",
                  s->p.service_level_s, s->p.handling_standard_s);
    const char *const *list = s->p.wrapup_reasons ? s->p.wrapup_reasons : pd_ccstats_default_wrapup;
    for (int i = 0; list[i]; i++) {
        if (i)
            pd_buf_putc(out, ',');
        pd_buf_json_cstr(out, list[i]);
    }
    pd_buf_printf(out, "],\"lookback_s\":%lld,\"tail_s\":%lld,\"agent_time_until\":",
                  (long long)(PD_CC_LOOKBACK_MS / 1000), (long long)(PD_CC_TAIL_MS / 1000));
    pd_buf_json_cstr(out, t3);
    pd_buf_printf(out, ",\"own_records\":%s,\"bucket\":", own ? "true" : "false");
    pd_buf_json_cstr(out, pd_cc_bucket_name(s->p.bucket));
    pd_buf_printf(out, "},\"source\":{\"lines\":%lld,\"unknown_verbs\":%lld}", (long long)s->lines,
                  (long long)s->unknown);
    if (s->nb > 0) {
        struct bucket_ctx bx = {.s = s, .b = out};
        pd_buf_puts(out, ",\"buckets\":[");
        pd_ccstats_buckets(s, json_bucket_row, &bx);
        pd_buf_putc(out, ']');
    }
    pd_buf_putc(out, '}');
    return !out->oom && !s->oom;
}

void pd_ccstats_parameters(pd_ccstats *s, bool own_merged,
                           void (*cb)(void *cls, const char *key, const char *value), void *cls)
{
    char t[PD_RFC3339_MAX], n[64];
    time_text(s, s->p.from_ms, t);
    cb(cls, "from", t);
    time_text(s, s->p.to_ms, t);
    cb(cls, "to", t);
    cb(cls, "queue", s->p.queue ? s->p.queue : "");
    cb(cls, "agent", s->p.agent ? s->p.agent : "");
    snprintf(n, sizeof n, "%d", s->p.service_level_s);
    cb(cls, "service_level_s", n);
    snprintf(n, sizeof n, "%d", s->p.handling_standard_s);
    cb(cls, "handling_standard_s", n);
    pd_buf w = PD_BUF_INIT;
    const char *const *list = s->p.wrapup_reasons ? s->p.wrapup_reasons : pd_ccstats_default_wrapup;
    for (int i = 0; list[i]; i++) {
        if (i)
            pd_buf_puts(&w, ", ");
        pd_buf_puts(&w, list[i]);
    }
    cb(cls, "wrapup_reasons", w.data ? w.data : "");
    pd_buf_free(&w);
    snprintf(n, sizeof n, "%lld", (long long)(PD_CC_LOOKBACK_MS / 1000));
    cb(cls, "lookback_s", n);
    snprintf(n, sizeof n, "%lld", (long long)(PD_CC_TAIL_MS / 1000));
    cb(cls, "tail_s", n);
    time_text(s, s->until_ms, t);
    cb(cls, "agent_time_until", t);
    cb(cls, "own_records", own_merged ? "true" : "false");
    const char *bn = pd_cc_bucket_name(s->p.bucket);
    cb(cls, "bucket", bn ? bn : "");
}

struct csv_ctx {
    pd_buf *b;
    const char *table;
    const struct pd_ccstats_column *cols;
    int ncols;
    const char *const *header;
    int nheader;
};

static void csv_text(pd_buf *b, const char *s)
{
    bool quote = strpbrk(s, ",\"\r\n") != NULL;
    if (!quote) {
        pd_buf_puts(b, s);
        return;
    }
    struct pd_ccv v = {.kind = PD_CCV_STR, .s = s};
    put_value(b, &v, false);
}

static int csv_row(void *cls, const char *name, const struct pd_ccv *cells)
{
    struct csv_ctx *x = cls;
    pd_buf_puts(x->b, x->table);
    pd_buf_putc(x->b, ',');
    csv_text(x->b, name);
    for (int h = 0; h < x->nheader; h++) {
        pd_buf_putc(x->b, ',');
        for (int k = 0; k < x->ncols; k++)
            if (!strcmp(x->cols[k].name, x->header[h])) {
                if (cells[k].kind == PD_CCV_STR)
                    csv_text(x->b, cells[k].s);
                else
                    put_value(x->b, &cells[k], false);
                break;
            }
    }
    pd_buf_puts(x->b, "\r\n");
    return 0;
}

bool pd_ccstats_csv(pd_ccstats *s, const struct pd_ccstats_own *own, pd_buf *out)
{
    const char *header[NCCOLS + NACOLS];
    int nh = 0;
    for (int k = 0; k < NCCOLS; k++)
        header[nh++] = centre_cols[k].name;
    for (int k = 0; k < NACOLS; k++) {
        bool seen = false;
        for (int h = 0; h < nh && !seen; h++)
            seen = !strcmp(header[h], agent_cols[k].name);
        if (!seen)
            header[nh++] = agent_cols[k].name;
    }
    pd_buf_puts(out, "table,name");
    for (int h = 0; h < nh; h++) {
        pd_buf_putc(out, ',');
        pd_buf_puts(out, header[h]);
    }
    pd_buf_puts(out, "\r\n");
    struct csv_ctx x = {.b = out, .header = header, .nheader = nh};
    static const struct {
        enum pd_ccstats_table t;
        const char *name;
    } tables[] = {{PD_CCT_CENTRE, "centre"}, {PD_CCT_QUEUES, "queue"}, {PD_CCT_AGENTS, "agent"}};
    for (int i = 0; i < 3; i++) {
        x.table = tables[i].name;
        x.cols = pd_ccstats_columns(tables[i].t, &x.ncols);
        if (pd_ccstats_rows(s, own, tables[i].t, csv_row, &x) < 0)
            return false;
    }
    return !out->oom && !s->oom;
}

static int csv_bucket_row(void *cls, int64_t from_ms, int64_t to_ms, const struct pd_ccv *cells)
{
    struct bucket_ctx *x = cls;
    char t[PD_RFC3339_MAX];
    time_text(x->s, from_ms, t);
    pd_buf_puts(x->b, t);
    pd_buf_putc(x->b, ',');
    time_text(x->s, to_ms, t);
    pd_buf_puts(x->b, t);
    for (int k = 0; k < NQCOLS; k++) {
        pd_buf_putc(x->b, ',');
        put_value(x->b, &cells[k], false);
    }
    pd_buf_puts(x->b, "\r\n");
    return 0;
}

bool pd_ccstats_buckets_csv(pd_ccstats *s, pd_buf *out)
{
    pd_buf_puts(out, "from,to");
    for (int k = 0; k < NQCOLS; k++) {
        pd_buf_putc(out, ',');
        pd_buf_puts(out, queue_cols[k].name);
    }
    pd_buf_puts(out, "\r\n");
    struct bucket_ctx bx = {.s = s, .b = out};
    pd_ccstats_buckets(s, csv_bucket_row, &bx);
    return !out->oom && !s->oom;
}
