/*
 * The call centre now (cclive.h): the queue entries still waiting and each
 * agent's state, folded from the last day's queue_log lines, with today's
 * figures taken from a statistics fold (ccstats.h) fed the same lines. It
 * reads no database and keeps no clock of its own — `now` is a parameter —
 * so the wallboard's answer is a pure function of the stored lines and the
 * time, and the tests pin both.
 *
 * Agents are tracked as small state records; after every line that
 * concerns an agent its state is derived again from them (precedence in
 * cclive.h) and, when it changed, "since" moves to the line's time — or to
 * the start of the ring for ringing, which the log writes only when an
 * attempt ends. A member interface that logs in as an agent (same callid
 * within two seconds, as ccstats.c pairs them) is merged into the agent.
 */
#include "core/cclive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ccstats.h"
#include "util/timeutil.h"

#define REASON_MAX 255 /* bytes of a pause reason kept */
#define RECENT     8
#define NO_TIME    (-1)

/* ---- a string → index map (open addressing, FNV-1a) ------------------------------- */

struct slot {
    uint64_t h;
    int idx; /* -1 empty */
};

struct map {
    struct slot *slots;
    size_t cap, used;
};

static uint64_t hash_bytes(const char *p, size_t n, uint64_t salt)
{
    uint64_t h = 1469598103934665603ULL ^ salt;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 1099511628211ULL;
    return h;
}

static bool map_put(struct map *m, uint64_t h, int idx)
{
    if ((m->used + 1) * 4 > m->cap * 3) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        struct slot *t = malloc(cap * sizeof *t);
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
    }
    size_t j = (size_t)(m->slots ? h & (m->cap - 1) : 0);
    while (m->slots[j].idx >= 0)
        j = (j + 1) & (m->cap - 1);
    m->slots[j] = (struct slot){h, idx};
    m->used++;
    return true;
}

/* ---- state ----------------------------------------------------------------------- */

struct queue {
    char *name;
    bool in_scope;
};

struct entry {
    char *callid;
    int q;
    int64_t enter_ms;
    bool waiting;
};

struct intset {
    int *v;
    int n, cap;
};

struct agent {
    char *name;
    int alias; /* the agent this member interface logs in as, or -1 */
    bool login, inferred;
    struct intset members, paused, seen; /* queue indices */
    bool pause_all, wrapup;
    char *reason; /* of the current pause, or NULL */
    bool reason_changed;
    int call_q; /* the call being talked: queue index, or -1 */
    char *call_id;
    int ring; /* the waiting entry the agent is rung for, or -1 */
    int64_t ring_start;
    enum pd_cc_agent_state st;
    int64_t since;
};

struct pd_cclive {
    struct pd_cclive_params p;
    int64_t from_ms; /* now − window */
    struct queue *queues;
    int nq, capq;
    struct map qmap;
    struct agent *agents;
    int na, capa;
    struct map amap;
    struct entry *entries;
    int ne, cape;
    struct map emap;
    pd_ccstats *today;
    int64_t day_from, day_to;
    int64_t lines, unknown;
    struct {
        char callid[64];
        int agent;
        bool login;
        int64_t at;
    } recent[RECENT];
    int nrecent;
    bool oom;
};

static const char *const state_names[PD_CCA__COUNT] = {
    [PD_CCA_LOGGED_OUT] = "logged_out", [PD_CCA_AVAILABLE] = "available",
    [PD_CCA_RINGING] = "ringing",       [PD_CCA_TALKING] = "talking",
    [PD_CCA_PAUSED] = "paused",         [PD_CCA_WRAP_UP] = "wrap_up",
};

const char *pd_cc_agent_state_name(enum pd_cc_agent_state st)
{
    return (int)st >= 0 && st < PD_CCA__COUNT ? state_names[st] : "logged_out";
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

static bool set_has(const struct intset *s, int v)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == v)
            return true;
    return false;
}

static bool set_add(struct intset *s, int v)
{
    if (set_has(s, v))
        return true;
    if (!grow((void **)&s->v, &s->cap, s->n + 1, sizeof *s->v))
        return false;
    s->v[s->n++] = v;
    return true;
}

static void set_del(struct intset *s, int v)
{
    for (int i = 0; i < s->n; i++)
        if (s->v[i] == v) {
            s->v[i] = s->v[--s->n];
            return;
        }
}

static bool is_none(struct pd_ql_str x)
{
    return x.n == 0 || (x.n == 4 && memcmp(x.p, "NONE", 4) == 0);
}

static bool same(const char *a, struct pd_ql_str b)
{
    return a && strlen(a) == b.n && memcmp(a, b.p, b.n) == 0;
}

/* Index of @p name in a map whose entries are named by name_at(i), or -1. */
static int map_find(const struct map *m, uint64_t h, struct pd_ql_str name,
                    const char *(*name_at)(const pd_cclive *, int), const pd_cclive *l)
{
    if (!m->cap)
        return -1;
    size_t j = (size_t)(h & (m->cap - 1));
    while (m->slots[j].idx >= 0) {
        if (m->slots[j].h == h && same(name_at(l, m->slots[j].idx), name))
            return m->slots[j].idx;
        j = (j + 1) & (m->cap - 1);
    }
    return -1;
}

static const char *queue_name_at(const pd_cclive *l, int i)
{
    return l->queues[i].name;
}

static const char *agent_name_at(const pd_cclive *l, int i)
{
    return l->agents[i].name;
}

static int queue_get(pd_cclive *l, struct pd_ql_str name)
{
    uint64_t h = hash_bytes(name.p, name.n, 0);
    int i = map_find(&l->qmap, h, name, queue_name_at, l);
    if (i >= 0)
        return i;
    if (!grow((void **)&l->queues, &l->capq, l->nq + 1, sizeof *l->queues))
        return -1;
    struct queue *q = &l->queues[l->nq];
    q->name = dup_n(name.p, name.n);
    if (!q->name || !map_put(&l->qmap, h, l->nq)) {
        free(q->name);
        return -1;
    }
    q->in_scope = !l->p.queue || strcmp(q->name, l->p.queue) == 0;
    return l->nq++;
}

static int agent_get(pd_cclive *l, struct pd_ql_str name)
{
    uint64_t h = hash_bytes(name.p, name.n, 1);
    int i = map_find(&l->amap, h, name, agent_name_at, l);
    if (i >= 0)
        return i;
    if (!grow((void **)&l->agents, &l->capa, l->na + 1, sizeof *l->agents))
        return -1;
    struct agent *a = &l->agents[l->na];
    memset(a, 0, sizeof *a);
    a->alias = -1;
    a->call_q = -1;
    a->ring = -1;
    a->st = PD_CCA_LOGGED_OUT;
    a->since = NO_TIME;
    a->name = dup_n(name.p, name.n);
    if (!a->name || !map_put(&l->amap, h, l->na)) {
        free(a->name);
        return -1;
    }
    return l->na++;
}

static int resolve(const pd_cclive *l, int i)
{
    for (int k = 0; i >= 0 && l->agents[i].alias >= 0 && k < 8; k++)
        i = l->agents[i].alias;
    return i;
}

static uint64_t entry_hash(struct pd_ql_str callid, int q)
{
    return hash_bytes(callid.p, callid.n, (uint64_t)q * 0x9E3779B97F4A7C15ULL + 7);
}

/* The entry of (callid, q) most recently entered, or -1. */
static int entry_find(const pd_cclive *l, struct pd_ql_str callid, int q, uint64_t h, size_t *slot)
{
    if (!l->emap.cap)
        return -1;
    size_t j = (size_t)(h & (l->emap.cap - 1));
    while (l->emap.slots[j].idx >= 0) {
        const struct entry *e = &l->entries[l->emap.slots[j].idx];
        if (l->emap.slots[j].h == h && e->q == q && same(e->callid, callid)) {
            if (slot)
                *slot = j;
            return l->emap.slots[j].idx;
        }
        j = (j + 1) & (l->emap.cap - 1);
    }
    return -1;
}

/* ---- agents ------------------------------------------------------------------------ */

static enum pd_cc_agent_state derive(const struct agent *a)
{
    if (!a->login && a->members.n == 0 && !a->inferred)
        return PD_CCA_LOGGED_OUT;
    if (a->call_q >= 0)
        return PD_CCA_TALKING;
    if (a->pause_all || a->paused.n > 0)
        return a->wrapup ? PD_CCA_WRAP_UP : PD_CCA_PAUSED;
    if (a->ring >= 0)
        return PD_CCA_RINGING;
    return PD_CCA_AVAILABLE;
}

/* Derive the agent's state after a line at @p at; move "since" when it changed. */
static void settle(struct agent *a, int64_t at)
{
    enum pd_cc_agent_state st = derive(a);
    bool paused = st == PD_CCA_PAUSED || st == PD_CCA_WRAP_UP;
    if (st == a->st && !(paused && a->reason_changed)) {
        a->reason_changed = false;
        return;
    }
    a->reason_changed = false;
    int64_t since = at;
    /* The ring began before the line that says it went unanswered, but not
     * before the state the agent was in until then. */
    if (st == PD_CCA_RINGING && a->ring_start < at && a->ring_start > a->since)
        since = a->ring_start;
    a->st = st;
    a->since = since;
}

static void end_call(struct agent *a)
{
    a->call_q = -1;
    free(a->call_id);
    a->call_id = NULL;
}

static void end_pauses(struct agent *a)
{
    a->pause_all = false;
    a->paused.n = 0;
    a->wrapup = false;
    free(a->reason);
    a->reason = NULL;
}

static bool reason_is_wrapup(const pd_cclive *l, struct pd_ql_str r)
{
    const char *const *list = l->p.wrapup_reasons ? l->p.wrapup_reasons : pd_ccstats_default_wrapup;
    for (; *list; list++) {
        size_t n = strlen(*list);
        if (n != r.n)
            continue;
        size_t i = 0;
        for (; i < n; i++) {
            char x = r.p[i], y = (*list)[i];
            if (x >= 'A' && x <= 'Z')
                x = (char)(x - 'A' + 'a');
            if (y >= 'A' && y <= 'Z')
                y = (char)(y - 'A' + 'a');
            if (x != y)
                break;
        }
        if (i == n)
            return true;
    }
    return false;
}

/* Keep at most REASON_MAX bytes, cut on a UTF-8 character boundary. */
static bool set_reason(struct agent *a, struct pd_ql_str r)
{
    size_t n = r.n;
    if (n > REASON_MAX) {
        n = REASON_MAX;
        while (n > 0 && ((unsigned char)r.p[n] & 0xC0) == 0x80)
            n--;
    }
    char *d = dup_n(r.p, n);
    if (!d)
        return false;
    a->reason_changed = !a->reason || strcmp(a->reason, d) != 0;
    free(a->reason);
    a->reason = d;
    return true;
}

/* The member interface @p m logs in as agent @p g: merge what is known of it. */
static bool make_alias(pd_cclive *l, int m, int g, int64_t at)
{
    m = resolve(l, m);
    g = resolve(l, g);
    if (m == g || m < 0 || g < 0)
        return true;
    struct agent *am = &l->agents[m], *ag = &l->agents[g];
    for (int i = 0; i < am->members.n; i++)
        if (!set_add(&ag->members, am->members.v[i]))
            return false;
    for (int i = 0; i < am->seen.n; i++)
        if (!set_add(&ag->seen, am->seen.v[i]))
            return false;
    am->members.n = 0;
    am->alias = g;
    settle(ag, at);
    return true;
}

/* Pair a member line and a login line written for the same call. */
static bool pair_lines(pd_cclive *l, struct pd_ql_str callid, int agent, bool login, int64_t at)
{
    if (callid.n == 0 || callid.n >= 64 || is_none(callid) ||
        (callid.n == 7 && memcmp(callid.p, "MANAGER", 7) == 0))
        return true;
    for (int i = 0; i < l->nrecent; i++) {
        int64_t d = l->recent[i].at - at;
        if (l->recent[i].login != login && same(l->recent[i].callid, callid) && d <= 2000 &&
            d >= -2000) {
            int member = login ? l->recent[i].agent : agent;
            int logger = login ? agent : l->recent[i].agent;
            return make_alias(l, member, logger, at);
        }
    }
    int k = l->nrecent < RECENT ? l->nrecent++ : (int)((unsigned)at % RECENT);
    memcpy(l->recent[k].callid, callid.p, callid.n);
    l->recent[k].callid[callid.n] = '\0';
    l->recent[k].agent = agent;
    l->recent[k].login = login;
    l->recent[k].at = at;
    return true;
}

static bool agent_line(pd_cclive *l, const struct pd_ql_line *line, enum pd_ql_class cls, int ai,
                       int q)
{
    const struct pd_ql_verb_info *vi = pd_ql_verb_info(line->verb);
    struct agent *a = &l->agents[ai];
    if (q >= 0 && !set_add(&a->seen, q))
        return false;
    switch (cls) {
    case PD_QLC_MEMBER_ADD:
        if (q >= 0 && !set_add(&a->members, q))
            return false;
        if (!pair_lines(l, line->callid, ai, false, line->at_ms))
            return false;
        break;
    case PD_QLC_MEMBER_REMOVE:
        if (q >= 0)
            set_del(&a->members, q);
        if (a->members.n == 0 && !a->login)
            a->inferred = false;
        if (!pair_lines(l, line->callid, ai, false, line->at_ms))
            return false;
        break;
    case PD_QLC_LOGIN:
        a->login = true;
        if (!pair_lines(l, line->callid, ai, true, line->at_ms))
            return false;
        break;
    case PD_QLC_LOGOFF:
        a->login = false;
        a->inferred = false;
        end_pauses(a);
        end_call(a);
        a->ring = -1;
        if (!pair_lines(l, line->callid, ai, true, line->at_ms))
            return false;
        break;
    case PD_QLC_PAUSE:
    case PD_QLC_PAUSE_ALL:
        a->inferred = true;
        if (cls == PD_QLC_PAUSE_ALL || q < 0)
            a->pause_all = true;
        else if (!set_add(&a->paused, q))
            return false;
        a->wrapup = reason_is_wrapup(l, pd_ql_field(line, vi->text));
        if (!set_reason(a, pd_ql_field(line, vi->text)))
            return false;
        break;
    case PD_QLC_UNPAUSE:
        a->inferred = true;
        if (q >= 0)
            set_del(&a->paused, q);
        a->pause_all = false; /* available again in that queue at least */
        if (q < 0 || a->paused.n == 0)
            end_pauses(a);
        break;
    case PD_QLC_UNPAUSE_ALL:
        a->inferred = true;
        end_pauses(a);
        break;
    default:
        return true;
    }
    /* A member line is written for the interface before the pairing merges
     * it: settle the agent it resolves to now. */
    settle(&l->agents[resolve(l, ai)], line->at_ms);
    if (resolve(l, ai) != ai)
        settle(a, line->at_ms);
    return true;
}

/* The entry @p ei got its outcome at @p at: agents rung for it stop ringing. */
static void entry_done(pd_cclive *l, int ei, int64_t at)
{
    if (!l->entries[ei].waiting)
        return;
    l->entries[ei].waiting = false;
    for (int i = 0; i < l->na; i++)
        if (l->agents[i].ring == ei) {
            l->agents[i].ring = -1;
            settle(&l->agents[i], at);
        }
}

static int call_line(pd_cclive *l, const struct pd_ql_line *line, enum pd_ql_class cls, int q,
                     int ai)
{
    uint64_t h = entry_hash(line->callid, q);
    size_t slot = 0;
    int ei = entry_find(l, line->callid, q, h, &slot);
    struct agent *a = ai >= 0 ? &l->agents[ai] : NULL;
    if (a && !set_add(&a->seen, q))
        return -1;
    switch (cls) {
    case PD_QLC_ENTER: {
        if (ei >= 0)
            entry_done(l, ei, line->at_ms);
        if (!grow((void **)&l->entries, &l->cape, l->ne + 1, sizeof *l->entries))
            return -1;
        struct entry *e = &l->entries[l->ne];
        e->callid = dup_n(line->callid.p, line->callid.n);
        if (!e->callid)
            return -1;
        e->q = q;
        e->enter_ms = line->at_ms;
        e->waiting = true;
        if (ei >= 0) {
            l->emap.slots[slot].idx = l->ne; /* the newer entry shadows the older */
        } else if (!map_put(&l->emap, h, l->ne)) {
            free(e->callid);
            return -1;
        }
        l->ne++;
        return 0;
    }
    case PD_QLC_CONNECT:
        if (ei >= 0)
            entry_done(l, ei, line->at_ms);
        if (a) {
            /* Talking now, whether or not its ENTERQUEUE is among the lines. */
            char *id = dup_n(line->callid.p, line->callid.n);
            if (!id)
                return -1;
            end_call(a);
            a->call_q = q;
            a->call_id = id;
            a->inferred = true;
            if (a->ring == ei)
                a->ring = -1;
            settle(a, line->at_ms);
        }
        return 0;
    case PD_QLC_COMPLETE:
    case PD_QLC_TRANSFER:
        if (ei >= 0)
            entry_done(l, ei, line->at_ms);
        if (a) {
            if (a->call_q == q && same(a->call_id, line->callid))
                end_call(a);
            a->inferred = true;
            settle(a, line->at_ms);
        }
        return 0;
    case PD_QLC_ABANDON:
    case PD_QLC_TIMEOUT:
    case PD_QLC_WITHDRAW:
        if (ei >= 0)
            entry_done(l, ei, line->at_ms);
        return 0;
    case PD_QLC_RING:
        if (!a)
            return 0;
        a->inferred = true;
        if (line->verb == PD_QL_RINGCANCELED) {
            if (a->ring == ei || ei < 0)
                a->ring = -1;
        } else if (ei >= 0 && l->entries[ei].waiting && a->ring != ei) {
            const struct pd_ql_verb_info *vi = pd_ql_verb_info(line->verb);
            int64_t ms = 0;
            if (!vi->ring || !pd_ql_field_int(line, vi->ring, &ms))
                ms = 0;
            if (!vi->ring_ms)
                ms *= 1000;
            a->ring = ei;
            a->ring_start = line->at_ms - ms;
        }
        settle(a, line->at_ms);
        return 0;
    default:
        return 0;
    }
}

/* ---- the fold ---------------------------------------------------------------------- */

pd_cclive *pd_cclive_new(const struct pd_cclive_params *p)
{
    pd_cclive *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->p = *p;
    if (l->p.queue && !l->p.queue[0])
        l->p.queue = NULL;
    if (l->p.service_level_s <= 0)
        l->p.service_level_s = PD_CC_SERVICE_LEVEL_S;
    l->from_ms = l->p.now_ms - PD_CCLIVE_WINDOW_MS;
    /* Today: the local day holding now. */
    int64_t off = (int64_t)l->p.offset_min * 60000, day = 24LL * 3600 * 1000;
    int64_t x = l->p.now_ms + off;
    l->day_from = (x >= 0 ? x / day : -((-x + day - 1) / day)) * day - off;
    l->day_to = l->day_from + day;
    struct pd_ccstats_params sp = {
        .from_ms = l->day_from,
        .to_ms = l->day_to,
        .now_ms = l->p.now_ms,
        .queue = l->p.queue,
        .service_level_s = l->p.service_level_s,
        .wrapup_reasons = l->p.wrapup_reasons,
        .offset_min = l->p.offset_min,
    };
    l->today = pd_ccstats_new(&sp);
    if (!l->today) {
        free(l);
        return NULL;
    }
    return l;
}

void pd_cclive_free(pd_cclive *l)
{
    if (!l)
        return;
    for (int i = 0; i < l->nq; i++)
        free(l->queues[i].name);
    for (int i = 0; i < l->na; i++) {
        struct agent *a = &l->agents[i];
        free(a->name);
        free(a->members.v);
        free(a->paused.v);
        free(a->seen.v);
        free(a->reason);
        free(a->call_id);
    }
    for (int i = 0; i < l->ne; i++)
        free(l->entries[i].callid);
    free(l->queues);
    free(l->agents);
    free(l->entries);
    free(l->qmap.slots);
    free(l->amap.slots);
    free(l->emap.slots);
    pd_ccstats_free(l->today);
    free(l);
}

void pd_cclive_window(const pd_cclive *l, int64_t *from_ms, int64_t *to_ms)
{
    *from_ms = l->from_ms;
    *to_ms = l->p.now_ms + 1;
}

int pd_cclive_add(pd_cclive *l, const struct pd_ql_line *line)
{
    if (l->oom)
        return -1;
    if (line->at_ms < l->from_ms || line->at_ms > l->p.now_ms)
        return 0;
    if (pd_ccstats_add(l->today, line) < 0)
        goto oom;
    l->lines++;
    if (line->verb == PD_QL_UNKNOWN) {
        l->unknown++;
        return 0;
    }
    enum pd_ql_class cls = pd_ql_verb_info(line->verb)->cls;
    int q = -1, ai = -1;
    if (!is_none(line->queue) && (q = queue_get(l, line->queue)) < 0)
        goto oom;
    if (!is_none(line->agent)) {
        if ((ai = agent_get(l, line->agent)) < 0)
            goto oom;
        ai = resolve(l, ai);
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
        if (q >= 0 && call_line(l, line, cls, q, ai) < 0)
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
        if (ai >= 0 && !agent_line(l, line, cls, ai, q))
            goto oom;
        break;
    default:
        break;
    }
    return 0;
oom:
    l->oom = true;
    return -1;
}

/* ---- answers ----------------------------------------------------------------------- */

static bool agent_in_scope(const pd_cclive *l, int i)
{
    const struct agent *a = &l->agents[i];
    if (a->alias >= 0)
        return false;
    if (!l->p.queue)
        return true;
    for (int k = 0; k < a->seen.n; k++)
        if (l->queues[a->seen.v[k]].in_scope)
            return true;
    return false;
}

static int cmp_agent_names(const void *x, const void *y, void *ctx)
{
    const pd_cclive *l = ctx;
    return strcmp(l->agents[*(const int *)x].name, l->agents[*(const int *)y].name);
}

int pd_cclive_agents(pd_cclive *l, int (*cb)(void *cls, const struct pd_cclive_agent *a), void *cls)
{
    int *idx = malloc(sizeof *idx * (size_t)(l->na ? l->na : 1));
    if (!idx)
        return -1;
    int n = 0;
    for (int i = 0; i < l->na; i++)
        if (agent_in_scope(l, i))
            idx[n++] = i;
    qsort_r(idx, (size_t)n, sizeof *idx, cmp_agent_names, l);
    int rc = 0;
    for (int k = 0; k < n && !rc; k++) {
        const struct agent *a = &l->agents[idx[k]];
        struct pd_cclive_agent v = {.name = a->name, .state = a->st, .since_ms = a->since};
        if (a->st == PD_CCA_PAUSED || a->st == PD_CCA_WRAP_UP)
            v.reason = a->reason ? a->reason : "";
        if (a->st == PD_CCA_TALKING) {
            v.queue = l->queues[a->call_q].name;
            v.callid = a->call_id;
        } else if (a->st == PD_CCA_RINGING) {
            v.queue = l->queues[l->entries[a->ring].q].name;
            v.callid = l->entries[a->ring].callid;
        }
        rc = cb(cls, &v);
    }
    free(idx);
    return rc;
}

struct json_ctx {
    pd_cclive *l;
    pd_buf *b;
    int n;
    int count[PD_CCA__COUNT];
};

static void put_time(pd_cclive *l, pd_buf *b, int64_t ms)
{
    if (ms == NO_TIME) {
        pd_buf_puts(b, "null");
        return;
    }
    char t[PD_RFC3339_MAX];
    pd_time_format(ms, l->p.offset_min, t);
    pd_buf_json_cstr(b, t);
}

/* "waiting":n,"longest_wait_s":s,"oldest_enter":t of the waiting entries of queue @p q (-1: all).
 */
static void put_waiting(pd_cclive *l, pd_buf *b, int q)
{
    int64_t n = 0, oldest = NO_TIME;
    for (int i = 0; i < l->ne; i++) {
        const struct entry *e = &l->entries[i];
        if (!e->waiting || !l->queues[e->q].in_scope || (q >= 0 && e->q != q))
            continue;
        n++;
        if (oldest == NO_TIME || e->enter_ms < oldest)
            oldest = e->enter_ms;
    }
    pd_buf_printf(b, "\"waiting\":%lld,\"longest_wait_s\":", (long long)n);
    if (oldest == NO_TIME)
        pd_buf_puts(b, "null");
    else
        pd_buf_i64(b, (l->p.now_ms - oldest) / 1000);
    pd_buf_puts(b, ",\"oldest_enter\":");
    put_time(l, b, oldest);
}

static int json_agent(void *cls, const struct pd_cclive_agent *a)
{
    struct json_ctx *x = cls;
    pd_buf *b = x->b;
    x->count[a->state]++;
    if (x->n++)
        pd_buf_putc(b, ',');
    pd_buf_json_cstr(b, a->name);
    pd_buf_puts(b, ":{\"state\":");
    pd_buf_json_cstr(b, pd_cc_agent_state_name(a->state));
    pd_buf_puts(b, ",\"since\":");
    put_time(x->l, b, a->since_ms);
    pd_buf_puts(b, ",\"for_s\":");
    if (a->since_ms == NO_TIME)
        pd_buf_puts(b, "null");
    else
        pd_buf_i64(b, (x->l->p.now_ms - a->since_ms) / 1000);
    pd_buf_puts(b, ",\"reason\":");
    pd_buf_json_cstr(b, a->reason);
    pd_buf_puts(b, ",\"queue\":");
    pd_buf_json_cstr(b, a->queue);
    pd_buf_puts(b, ",\"callid\":");
    pd_buf_json_cstr(b, a->callid);
    pd_buf_putc(b, '}');
    return 0;
}

struct names {
    char **v;
    int n, cap;
    bool oom;
};

static int collect_queue(void *cls, const char *name, const struct pd_ccv *cells)
{
    struct names *ns = cls;
    for (int i = 0; i < ns->n; i++)
        if (!strcmp(ns->v[i], name))
            return 0;
    char *d = strdup(name);
    if (!d || !grow((void **)&ns->v, &ns->cap, ns->n + 1, sizeof *ns->v)) {
        free(d);
        ns->oom = true;
        return 1;
    }
    ns->v[ns->n++] = d;
    return 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The queues to show: today's (as the statistics list them) and those with a waiting entry. */
static bool queue_names(pd_cclive *l, struct names *ns)
{
    pd_ccstats_rows(l->today, NULL, PD_CCT_QUEUES, collect_queue, ns);
    for (int i = 0; i < l->ne && !ns->oom; i++) {
        const struct entry *e = &l->entries[i];
        if (e->waiting && l->queues[e->q].in_scope)
            collect_queue(ns, l->queues[e->q].name, NULL);
    }
    if (ns->oom)
        return false;
    if (ns->n > 1)
        qsort(ns->v, (size_t)ns->n, sizeof *ns->v, cmp_str);
    return true;
}

bool pd_cclive_json(pd_cclive *l, pd_buf *out)
{
    int nqc;
    pd_ccstats_columns(PD_CCT_QUEUES, &nqc);
    struct pd_ccv cells[64];
    if (nqc > 64)
        return false;
    pd_buf_puts(out, "{\"now\":");
    put_time(l, out, l->p.now_ms);
    pd_buf_putc(out, ',');
    put_waiting(l, out, -1);

    struct names ns = {0};
    bool ok = queue_names(l, &ns);
    pd_buf_puts(out, ",\"queues\":{");
    for (int i = 0; ok && i < ns.n; i++) {
        uint64_t h = hash_bytes(ns.v[i], strlen(ns.v[i]), 0);
        struct pd_ql_str nm = {ns.v[i], strlen(ns.v[i])};
        int q = map_find(&l->qmap, h, nm, queue_name_at, l);
        if (i)
            pd_buf_putc(out, ',');
        pd_buf_json_cstr(out, ns.v[i]);
        pd_buf_puts(out, ":{");
        if (q >= 0) {
            put_waiting(l, out, q);
        } else {
            pd_buf_puts(out, "\"waiting\":0,\"longest_wait_s\":null,\"oldest_enter\":null");
        }
        pd_buf_puts(out, ",\"today\":");
        pd_ccstats_queue_cells(l->today, ns.v[i], cells);
        pd_ccstats_cells_json(out, PD_CCT_QUEUES, cells);
        pd_buf_putc(out, '}');
    }
    for (int i = 0; i < ns.n; i++)
        free(ns.v[i]);
    free(ns.v);

    pd_buf_puts(out, "},\"today\":{\"from\":");
    put_time(l, out, l->day_from);
    pd_buf_puts(out, ",\"to\":");
    put_time(l, out, l->day_to);
    size_t at = out->len;
    pd_ccstats_queue_cells(l->today, NULL, cells);
    pd_ccstats_cells_json(out, PD_CCT_QUEUES, cells);
    if (!out->oom && out->len > at)
        out->data[at] = ','; /* the cells' '{' continues "today" */

    struct json_ctx x = {.l = l, .b = out};
    pd_buf_puts(out, ",\"agents\":{");
    if (pd_cclive_agents(l, json_agent, &x) < 0)
        ok = false;
    pd_buf_puts(out, "},\"states\":{");
    for (int s = 0; s < PD_CCA__COUNT; s++)
        pd_buf_printf(out, "%s\"%s\":%d", s ? "," : "", state_names[s], x.count[s]);
    pd_buf_puts(out, "},\"parameters\":{\"queue\":");
    pd_buf_json_cstr(out, l->p.queue);
    pd_buf_printf(out, ",\"service_level_s\":%d,\"wrapup_reasons\":[", l->p.service_level_s);
    const char *const *list = l->p.wrapup_reasons ? l->p.wrapup_reasons : pd_ccstats_default_wrapup;
    for (int i = 0; list[i]; i++) {
        if (i)
            pd_buf_putc(out, ',');
        pd_buf_json_cstr(out, list[i]);
    }
    pd_buf_printf(out,
                  "],\"window_s\":%lld,\"window_from\":", (long long)(PD_CCLIVE_WINDOW_MS / 1000));
    put_time(l, out, l->from_ms);
    pd_buf_printf(out, "},\"source\":{\"lines\":%lld,\"unknown_verbs\":%lld}}", (long long)l->lines,
                  (long long)l->unknown);
    return ok && !out->oom && !l->oom;
}
