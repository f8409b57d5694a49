/*
 * Reading Asterisk's queue_log (queuelog.h): the verb table, the line
 * parsers of the pipe and CSV forms, the chunked record reader and the
 * importer that numbers identical lines and hands batches to the store. It
 * does no I/O and knows nothing of databases: the command line and the HTTP
 * feed give it bytes and a flush callback. Parsing is zero-copy — slices of
 * the caller's buffer — because the import of a month's log (a million
 * lines) is bound by how fast lines are cut and hashed, not by the verbs.
 */
#include "core/queuelog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

#define FIELD_MAX      255            /* bytes of callid, queue, agent and event */
#define LINE_MAX_BYTES PD_QL_LINE_MAX /* a longer line is refused, not cut */
#define TEXT_CAP       (4u << 20)     /* batch text buffer; flushed early when nearly full */

/* ---- the verb table -------------------------------------------------------- */

static const struct pd_ql_verb_info verbs[PD_QL__COUNT] = {
    [PD_QL_UNKNOWN] = {NULL, PD_QLC_NONE, 0, 0, 0, 0, 0, 0, 0, 0, ""},
#define PD_QL_VERB(sym, name, cls, hold, wait, talk, ring, ring_ms, pos, text, login, doc)         \
    [PD_QL_##sym] = {name, PD_QLC_##cls, hold, wait, talk, ring, ring_ms, pos, text, login, doc},
#include "core/queuelog.def"
#undef PD_QL_VERB
};

const struct pd_ql_verb_info *pd_ql_verb_info(enum pd_ql_verb v)
{
    if ((int)v < 0 || v >= PD_QL__COUNT)
        v = PD_QL_UNKNOWN;
    return &verbs[v];
}

enum pd_ql_verb pd_ql_verb_find(const char *p, size_t n)
{
    /* About thirty verbs: compare the length and first byte before memcmp. */
    for (int v = 1; v < PD_QL__COUNT; v++) {
        const char *name = verbs[v].name;
        if (name[0] == (n ? p[0] : 0) && strlen(name) == n && memcmp(name, p, n) == 0)
            return (enum pd_ql_verb)v;
    }
    return PD_QL_UNKNOWN;
}

const char *pd_ql_format_name(enum pd_ql_format f)
{
    return f == PD_QL_PIPE ? "pipe" : f == PD_QL_CSV ? "csv" : "auto";
}

bool pd_ql_format_parse(const char *s, enum pd_ql_format *out)
{
    if (!s)
        return false;
    if (!strcmp(s, "pipe"))
        *out = PD_QL_PIPE;
    else if (!strcmp(s, "csv"))
        *out = PD_QL_CSV;
    else if (!strcmp(s, "auto"))
        *out = PD_QL_AUTO;
    else
        return false;
    return true;
}

/* ---- small helpers ------------------------------------------------------------ */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static struct pd_ql_str trim(struct pd_ql_str s)
{
    while (s.n && (s.p[0] == ' ' || s.p[0] == '\t'))
        s.p++, s.n--;
    while (s.n && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
        s.n--;
    return s;
}

static bool str_ieq(struct pd_ql_str s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.n != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char a = s.p[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a - 'A' + 'a');
        if (a != lit[i])
            return false;
    }
    return true;
}

/* Digits then an optional fraction: epoch seconds into ms. */
static bool parse_epoch(struct pd_ql_str s, int64_t *ms)
{
    s = trim(s);
    size_t i = 0;
    int64_t sec = 0;
    while (i < s.n && is_digit(s.p[i])) {
        if (i >= 11) /* past year 5000: a broken line, not a timestamp */
            return false;
        sec = sec * 10 + (s.p[i] - '0');
        i++;
    }
    if (i == 0)
        return false;
    int64_t frac = 0;
    if (i < s.n && s.p[i] == '.') {
        i++;
        int k = 0;
        while (i < s.n && is_digit(s.p[i])) {
            if (k < 3)
                frac = frac * 10 + (s.p[i] - '0'), k++;
            i++;
        }
        while (k++ < 3)
            frac *= 10;
    }
    if (i != s.n)
        return false;
    *ms = sec * 1000 + frac;
    return true;
}

static int num2(const char *p)
{
    return is_digit(p[0]) && is_digit(p[1]) ? (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

/* "YYYY-MM-DD[ T]HH:MM:SS[.f…][Z|±HH[[:]MM]]"; no offset means @p tz. */
static bool parse_datetime(struct pd_ql_str s, int tz, int64_t *ms)
{
    s = trim(s);
    const char *p = s.p;
    if (s.n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T') || p[13] != ':' ||
        p[16] != ':')
        return false;
    for (int i = 0; i < 4; i++)
        if (!is_digit(p[i]))
            return false;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int mo = num2(p + 5), d = num2(p + 8), h = num2(p + 11), mi = num2(p + 14), se = num2(p + 17);
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h < 0 || h > 23 || mi < 0 || mi > 59 ||
        se < 0 || se > 60)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap)
        return false;
    size_t i = 19;
    int64_t frac = 0;
    if (i < s.n && s.p[i] == '.') {
        i++;
        int k = 0;
        size_t start = i;
        while (i < s.n && is_digit(p[i])) {
            if (k < 3)
                frac = frac * 10 + (p[i] - '0'), k++;
            i++;
        }
        if (i == start)
            return false;
        while (k++ < 3)
            frac *= 10;
    }
    int off = tz;
    if (i < s.n) {
        if ((p[i] == 'Z' || p[i] == 'z') && i + 1 == s.n) {
            off = 0;
        } else if (p[i] == '+' || p[i] == '-') {
            int sign = p[i] == '-' ? -1 : 1;
            size_t rest = s.n - i - 1;
            int oh = rest >= 2 ? num2(p + i + 1) : -1, om = 0;
            if (rest == 5 && p[i + 3] == ':')
                om = num2(p + i + 4);
            else if (rest == 4)
                om = num2(p + i + 3);
            else if (rest != 2)
                return false;
            if (oh < 0 || oh > 23 || om < 0 || om > 59)
                return false;
            off = sign * (oh * 60 + om);
        } else {
            return false;
        }
    }
    int64_t days = pd_days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t secs = days * 86400 + h * 3600 + mi * 60 + se - (int64_t)off * 60;
    *ms = secs * 1000 + frac;
    return true;
}

static bool check_field(struct pd_ql_str s, const char *name, bool required,
                        char err[PD_QL_ERR_MAX])
{
    if (required && s.n == 0) {
        snprintf(err, PD_QL_ERR_MAX, "%s: empty", name);
        return false;
    }
    if (s.n > FIELD_MAX) {
        snprintf(err, PD_QL_ERR_MAX, "%s: longer than %d bytes", name, FIELD_MAX);
        return false;
    }
    return true;
}

/* Checks shared by both forms once the fields are cut. */
static bool finish_line(struct pd_ql_line *l, char err[PD_QL_ERR_MAX])
{
    if (!check_field(l->callid, "callid", false, err) ||
        !check_field(l->queue, "queue", false, err) ||
        !check_field(l->agent, "agent", false, err) || !check_field(l->event, "event", true, err))
        return false;
    int n = PD_QL_NDATA;
    while (n > 0 && l->data[n - 1].n == 0)
        n--;
    l->ndata = n;
    l->verb = pd_ql_verb_find(l->event.p, l->event.n);
    return true;
}

static bool line_ok(const char *s, size_t n, char err[PD_QL_ERR_MAX])
{
    if (n > LINE_MAX_BYTES) {
        snprintf(err, PD_QL_ERR_MAX, "line: longer than %d bytes", LINE_MAX_BYTES);
        return false;
    }
    if (memchr(s, '\0', n)) {
        snprintf(err, PD_QL_ERR_MAX, "line: contains a NUL byte");
        return false;
    }
    /* ASCII lines (nearly all) skip the full check. */
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80) {
            if (!pd_utf8_valid(s, n)) {
                snprintf(err, PD_QL_ERR_MAX, "line: not valid UTF-8");
                return false;
            }
            break;
        }
    return true;
}

/* Cut data text into data1..data5, the fifth taking the rest. */
static void split_data(const char *s, size_t n, struct pd_ql_str data[PD_QL_NDATA])
{
    for (int k = 0; k < PD_QL_NDATA; k++)
        data[k] = (struct pd_ql_str){s + n, 0};
    size_t i = 0;
    for (int k = 0; k < PD_QL_NDATA; k++) {
        if (k == PD_QL_NDATA - 1) {
            data[k] = (struct pd_ql_str){s + i, n - i};
            return;
        }
        const char *bar = memchr(s + i, '|', n - i);
        size_t end = bar ? (size_t)(bar - s) : n;
        data[k] = (struct pd_ql_str){s + i, end - i};
        if (!bar)
            return;
        i = end + 1;
    }
}

void pd_ql_split_data(const char *s, size_t n, struct pd_ql_line *out)
{
    split_data(s, n, out->data);
    int k = PD_QL_NDATA;
    while (k > 0 && out->data[k - 1].n == 0)
        k--;
    out->ndata = k;
}

void pd_ql_line_set(struct pd_ql_line *out, int64_t at_ms, struct pd_ql_str callid,
                    struct pd_ql_str queue, struct pd_ql_str agent, struct pd_ql_str event,
                    struct pd_ql_str data)
{
    out->at_ms = at_ms;
    out->callid = callid;
    out->queue = queue;
    out->agent = agent;
    out->event = event;
    pd_ql_split_data(data.p, data.n, out);
    out->verb = pd_ql_verb_find(event.p, event.n);
}

/* ---- pipe form -------------------------------------------------------------- */

bool pd_ql_parse_pipe(const char *s, size_t n, struct pd_ql_line *out, char err[PD_QL_ERR_MAX])
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    if (!line_ok(s, n, err))
        return false;
    struct pd_ql_str f[5];
    size_t i = 0;
    for (int k = 0; k < 5; k++) {
        const char *bar = i <= n ? memchr(s + i, '|', n - i) : NULL;
        if (!bar && k < 4) {
            snprintf(err, PD_QL_ERR_MAX,
                     "line: %d field%s, at least 5 needed (time|callid|queue|agent|event)", k + 1,
                     k ? "s" : "");
            return false;
        }
        size_t end = bar ? (size_t)(bar - s) : n;
        f[k] = (struct pd_ql_str){s + i, end - i};
        i = bar ? end + 1 : n + 1;
    }
    if (!parse_epoch(f[0], &out->at_ms)) {
        snprintf(err, PD_QL_ERR_MAX, "time: \"%.*s\" is not epoch seconds",
                 (int)(f[0].n > 32 ? 32 : f[0].n), f[0].p);
        return false;
    }
    out->callid = f[1];
    out->queue = f[2];
    out->agent = f[3];
    out->event = f[4];
    if (i <= n)
        split_data(s + i, n - i, out->data);
    else
        for (int k = 0; k < PD_QL_NDATA; k++)
            out->data[k] = (struct pd_ql_str){s + n, 0};
    return finish_line(out, err);
}

/* ---- CSV form --------------------------------------------------------------- */

void pd_ql_csv_cols_default(struct pd_ql_csv_cols *c)
{
    c->time = 0;
    c->callid = 1;
    c->queue = 2;
    c->agent = 3;
    c->event = 4;
    for (int k = 0; k < PD_QL_NDATA; k++)
        c->data[k] = 5 + k;
    c->data_joined = -1;
    c->ncols = 10;
}

#define MAX_CELLS 32

/* Cut a record into cells, unquoting in place. @return cells, or -1 (err set). */
static int csv_cells(char *s, size_t n, struct pd_ql_str cells[MAX_CELLS], char err[PD_QL_ERR_MAX])
{
    int nc = 0;
    size_t i = 0;
    for (;;) {
        if (nc == MAX_CELLS) {
            snprintf(err, PD_QL_ERR_MAX, "line: more than %d cells", MAX_CELLS);
            return -1;
        }
        if (i < n && s[i] == '"') {
            size_t w = i + 1, r = i + 1;
            char *start = s + w;
            for (;;) {
                if (r >= n) {
                    snprintf(err, PD_QL_ERR_MAX, "column %d: quote not closed", nc + 1);
                    return -1;
                }
                if (s[r] == '"') {
                    if (r + 1 < n && s[r + 1] == '"') {
                        s[w++] = '"';
                        r += 2;
                        continue;
                    }
                    break;
                }
                s[w++] = s[r++];
            }
            cells[nc++] = (struct pd_ql_str){start, (size_t)(s + w - start)};
            r++; /* past the closing quote */
            if (r == n)
                return nc;
            if (s[r] != ',') {
                snprintf(err, PD_QL_ERR_MAX, "column %d: text after the closing quote", nc);
                return -1;
            }
            i = r + 1;
            if (i == n) { /* a final empty cell */
                if (nc == MAX_CELLS)
                    return nc;
                cells[nc++] = (struct pd_ql_str){s + n, 0};
                return nc;
            }
            continue;
        }
        const char *comma = memchr(s + i, ',', n - i);
        size_t end = comma ? (size_t)(comma - s) : n;
        cells[nc++] = (struct pd_ql_str){s + i, end - i};
        if (!comma)
            return nc;
        i = end + 1;
        if (i == n) {
            if (nc == MAX_CELLS)
                return nc;
            cells[nc++] = (struct pd_ql_str){s + n, 0};
            return nc;
        }
    }
}

bool pd_ql_csv_header(char *s, size_t n, struct pd_ql_csv_cols *c, char err[PD_QL_ERR_MAX])
{
    err[0] = '\0';
    /* Look at the first cell without touching the record: cutting cells
     * unquotes in place, which a data line must not undergo twice. */
    size_t i0 = 0;
    while (i0 < n && (s[i0] == ' ' || s[i0] == '"'))
        i0++;
    size_t e0 = i0;
    while (e0 < n && s[e0] != ',' && s[e0] != '"' && s[e0] != ' ')
        e0++;
    struct pd_ql_str first = {s + i0, e0 - i0};
    if (!str_ieq(first, "time") && !str_ieq(first, "id"))
        return false;
    struct pd_ql_str cells[MAX_CELLS];
    int nc = csv_cells(s, n, cells, err);
    if (nc < 1)
        return false;
    struct pd_ql_csv_cols h;
    h.time = h.callid = h.queue = h.agent = h.event = h.data_joined = -1;
    for (int k = 0; k < PD_QL_NDATA; k++)
        h.data[k] = -1;
    h.ncols = nc;
    for (int i = 0; i < nc; i++) {
        struct pd_ql_str name = trim(cells[i]);
        int *slot = NULL;
        if (str_ieq(name, "time"))
            slot = &h.time;
        else if (str_ieq(name, "callid"))
            slot = &h.callid;
        else if (str_ieq(name, "queuename") || str_ieq(name, "queue"))
            slot = &h.queue;
        else if (str_ieq(name, "agent"))
            slot = &h.agent;
        else if (str_ieq(name, "event"))
            slot = &h.event;
        else if (str_ieq(name, "data"))
            slot = &h.data_joined;
        else {
            static const char *const dn[] = {"data1", "data2", "data3", "data4", "data5"};
            for (int k = 0; k < PD_QL_NDATA && !slot; k++)
                if (str_ieq(name, dn[k]))
                    slot = &h.data[k];
        }
        if (!slot)
            continue; /* id, created, … */
        if (*slot >= 0) {
            snprintf(err, PD_QL_ERR_MAX, "header: column \"%.*s\" named twice",
                     (int)(name.n > 32 ? 32 : name.n), name.p);
            return false;
        }
        *slot = i;
    }
    const char *missing = h.time < 0     ? "time"
                          : h.callid < 0 ? "callid"
                          : h.queue < 0  ? "queuename"
                          : h.agent < 0  ? "agent"
                          : h.event < 0  ? "event"
                                         : NULL;
    if (missing) {
        snprintf(err, PD_QL_ERR_MAX, "header: no column \"%s\"", missing);
        return false;
    }
    *c = h;
    return true;
}

static struct pd_ql_str cell_at(const struct pd_ql_str *cells, int nc, int idx, const char *end)
{
    if (idx < 0 || idx >= nc)
        return (struct pd_ql_str){end, 0};
    struct pd_ql_str s = cells[idx];
    if (s.n == 2 && s.p[0] == '\\' && s.p[1] == 'N') /* MySQL's NULL in exports */
        s.n = 0;
    return s;
}

bool pd_ql_parse_csv(char *s, size_t n, const struct pd_ql_csv_cols *c, int tz_offset_min,
                     struct pd_ql_line *out, char err[PD_QL_ERR_MAX])
{
    memset(out, 0, sizeof *out);
    err[0] = '\0';
    if (!line_ok(s, n, err))
        return false;
    struct pd_ql_str cells[MAX_CELLS];
    int nc = csv_cells(s, n, cells, err);
    if (nc < 0)
        return false;
    if (nc > c->ncols) {
        snprintf(err, PD_QL_ERR_MAX, "line: %d cells, the layout has %d", nc, c->ncols);
        return false;
    }
    int need = c->event;
    if (c->time > need)
        need = c->time;
    if (nc <= need) {
        snprintf(err, PD_QL_ERR_MAX,
                 "line: %d cell%s, at least time, callid, queuename, agent and event needed", nc,
                 nc == 1 ? "" : "s");
        return false;
    }
    const char *end = s + n;
    struct pd_ql_str t = trim(cell_at(cells, nc, c->time, end));
    bool digits = t.n > 0;
    for (size_t i = 0; i < t.n && digits; i++)
        digits = is_digit(t.p[i]) || t.p[i] == '.';
    if (!(digits ? parse_epoch(t, &out->at_ms) : parse_datetime(t, tz_offset_min, &out->at_ms))) {
        snprintf(err, PD_QL_ERR_MAX,
                 "time: \"%.*s\" is not a date-time (YYYY-MM-DD HH:MM:SS[.ffffff][+08:00]) or "
                 "epoch seconds",
                 (int)(t.n > 40 ? 40 : t.n), t.p);
        return false;
    }
    out->callid = cell_at(cells, nc, c->callid, end);
    out->queue = cell_at(cells, nc, c->queue, end);
    out->agent = cell_at(cells, nc, c->agent, end);
    out->event = cell_at(cells, nc, c->event, end);
    if (c->data_joined >= 0) {
        struct pd_ql_str d = cell_at(cells, nc, c->data_joined, end);
        split_data(d.p, d.n, out->data);
    } else {
        for (int k = 0; k < PD_QL_NDATA; k++)
            out->data[k] = cell_at(cells, nc, c->data[k], end);
    }
    return finish_line(out, err);
}

/* ---- fields ------------------------------------------------------------------ */

struct pd_ql_str pd_ql_field(const struct pd_ql_line *l, int idx)
{
    if (idx < 1 || idx > l->ndata)
        return (struct pd_ql_str){"", 0};
    return l->data[idx - 1];
}

bool pd_ql_field_int(const struct pd_ql_line *l, int idx, int64_t *out)
{
    struct pd_ql_str s = trim(pd_ql_field(l, idx));
    if (s.n == 0 || s.n > 15)
        return false;
    int64_t v = 0;
    size_t i = 0;
    while (i < s.n && is_digit(s.p[i]))
        v = v * 10 + (s.p[i++] - '0');
    if (i == 0)
        return false;
    if (i < s.n) { /* "12.0": a fraction is dropped, anything else refused */
        if (s.p[i] != '.')
            return false;
        for (i++; i < s.n; i++)
            if (!is_digit(s.p[i]))
                return false;
    }
    *out = v;
    return true;
}

size_t pd_ql_data_len(const struct pd_ql_line *l)
{
    size_t n = 0;
    for (int k = 0; k < l->ndata; k++)
        n += l->data[k].n + (k > 0);
    return n;
}

void pd_ql_data_join(const struct pd_ql_line *l, char *out)
{
    char *w = out;
    for (int k = 0; k < l->ndata; k++) {
        if (k)
            *w++ = '|';
        memcpy(w, l->data[k].p, l->data[k].n);
        w += l->data[k].n;
    }
    *w = '\0';
}

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME  1099511628211ULL

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV_PRIME;
    return h;
}

/* A field and a separator byte that no field contains (the unit separator). */
static uint64_t fnv_field(uint64_t h, struct pd_ql_str s)
{
    h = fnv(h, s.p, s.n);
    return (h ^ 0x1f) * FNV_PRIME;
}

uint64_t pd_ql_line_hash(const struct pd_ql_line *l)
{
    uint64_t h = FNV_OFFSET;
    unsigned char t[8];
    for (int i = 0; i < 8; i++)
        t[i] = (unsigned char)((uint64_t)l->at_ms >> (8 * i));
    h = fnv(h, t, sizeof t);
    h = fnv_field(h, l->callid);
    h = fnv_field(h, l->queue);
    h = fnv_field(h, l->agent);
    h = fnv_field(h, l->event);
    for (int k = 0; k < l->ndata; k++) {
        if (k)
            h = (h ^ '|') * FNV_PRIME;
        h = fnv(h, l->data[k].p, l->data[k].n);
    }
    return h;
}

/* ---- reader --------------------------------------------------------------------- */

void pd_ql_reader_init(struct pd_ql_reader *r, bool csv)
{
    memset(r, 0, sizeof *r);
    r->csv = csv;
}

void pd_ql_reader_free(struct pd_ql_reader *r)
{
    free(r->buf);
    memset(r, 0, sizeof *r);
}

static bool reader_append(struct pd_ql_reader *r, const char *p, size_t n)
{
    if (r->len + n + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + n + 1)
            cap *= 2;
        char *b = realloc(r->buf, cap);
        if (!b) {
            r->oom = true;
            return false;
        }
        r->buf = b;
        r->cap = cap;
    }
    memcpy(r->buf + r->len, p, n);
    r->len += n;
    return true;
}

/* Cut complete records out of buf; @p last: the end of input ends a record. */
static int reader_cut(struct pd_ql_reader *r, bool last, pd_ql_record_fn fn, void *cls)
{
    size_t start = 0, i = 0;
    int stop = 0;
    while (!stop) {
        size_t end;    /* record end (exclusive) */
        size_t next;   /* where the next record starts */
        int64_t lines; /* physical lines the record and its terminator take */
        if (!r->csv) {
            const char *nl = memchr(r->buf + i, '\n', r->len - i);
            if (!nl)
                break;
            end = (size_t)(nl - r->buf);
            next = end + 1;
            if (end > start && r->buf[end - 1] == '\r')
                end--;
            lines = 1;
        } else {
            bool inq = false, found = false;
            lines = 1;
            size_t k;
            for (k = i; k < r->len; k++) {
                char ch = r->buf[k];
                if (ch == '"') {
                    inq = !inq;
                } else if (ch == '\n' || ch == '\r') {
                    if (!inq) {
                        found = true;
                        break;
                    }
                    if (ch == '\n' || k + 1 >= r->len || r->buf[k + 1] != '\n')
                        lines++;
                }
            }
            if (!found)
                break;
            end = k;
            if (r->buf[k] == '\r') {
                if (k + 1 >= r->len && !last)
                    break; /* the LF of a CR LF may be in the next chunk */
                next = k + 1 < r->len && r->buf[k + 1] == '\n' ? k + 2 : k + 1;
            } else {
                next = k + 1;
            }
        }
        int64_t line_no = r->line + 1;
        r->line += lines;
        stop = fn(cls, line_no, r->buf + start, end - start);
        start = i = next;
    }
    if (!stop && last && start < r->len) {
        size_t end = r->len;
        if (!r->csv && r->buf[end - 1] == '\r')
            end--;
        int64_t line_no = r->line + 1;
        r->line++;
        stop = fn(cls, line_no, r->buf + start, end - start);
        start = r->len;
    }
    if (start > 0) {
        memmove(r->buf, r->buf + start, r->len - start);
        r->len -= start;
    }
    return stop;
}

int pd_ql_reader_feed(struct pd_ql_reader *r, const char *p, size_t n, pd_ql_record_fn fn,
                      void *cls)
{
    if (r->oom)
        return -1;
    if (r->skipping) {
        /* The rest of a record too long to keep: drop up to its line feed. */
        const char *nl = memchr(p, '\n', n);
        if (!nl)
            return 0;
        r->skipping = false;
        r->line++;
        n -= (size_t)(nl + 1 - p);
        p = nl + 1;
    }
    if (!reader_append(r, p, n))
        return -1;
    int rc = reader_cut(r, false, fn, cls);
    if (rc == 0 && r->max_record && r->len > r->max_record) {
        /* What is left is one unterminated record already over the limit. */
        int64_t line_no = r->line + 1, inner = 0;
        for (size_t k = 0; k < r->len; k++)
            inner += r->buf[k] == '\n';
        size_t seen = r->len;
        r->line += inner;
        r->len = 0;
        r->skipping = true;
        rc = fn(cls, line_no, NULL, seen);
    }
    return rc;
}

int pd_ql_reader_finish(struct pd_ql_reader *r, pd_ql_record_fn fn, void *cls)
{
    if (r->oom)
        return -1;
    if (r->skipping) {
        r->skipping = false;
        r->line++;
        return 0;
    }
    if (r->len == 0)
        return 0;
    return reader_cut(r, true, fn, cls);
}

enum pd_ql_format pd_ql_sniff(const char *rec, size_t n)
{
    size_t i = 0;
    while (i < n && (rec[i] == ' ' || rec[i] == '\t'))
        i++;
    size_t d = i;
    while (i < n && (is_digit(rec[i]) || rec[i] == '.'))
        i++;
    return i > d && i < n && rec[i] == '|' ? PD_QL_PIPE : PD_QL_CSV;
}

/* ---- importer -------------------------------------------------------------------- */

struct occ_slot {
    uint64_t hash;
    int64_t at_ms;  /* the time of the line (identical lines share it) */
    uint32_t count; /* 0 = empty slot */
};

struct pd_ql_import {
    enum pd_ql_format format;
    int tz;
    pd_ql_flush_fn flush;
    void *cls;
    struct pd_ql_reader rd;
    bool started;  /* the reader is set up (format known) */
    char *pending; /* AUTO: bytes held until the first line shows the form */
    size_t npending;
    bool header_done; /* CSV: the first non-blank record was looked at */
    struct pd_ql_csv_cols cols;
    struct pd_ql_report rep;
    struct pd_ql_row rows[PD_QL_BATCH];
    size_t off[PD_QL_BATCH][5]; /* offsets of callid, queue, agent, event, data in text */
    bool dup[PD_QL_BATCH];
    int nrows;
    char *text;
    size_t ntext;
    struct occ_slot *occ;
    size_t occ_cap, occ_used;
    int64_t max_at; /* the latest line time seen */
    bool stopped, oom;
};

struct pd_ql_import *pd_ql_import_new(enum pd_ql_format format, int tz_offset_min,
                                      pd_ql_flush_fn flush, void *cls)
{
    struct pd_ql_import *im = calloc(1, sizeof *im);
    if (!im)
        return NULL;
    im->format = format;
    im->tz = tz_offset_min;
    im->flush = flush;
    im->cls = cls;
    im->text = malloc(TEXT_CAP);
    im->occ_cap = 1u << 16;
    im->occ = calloc(im->occ_cap, sizeof *im->occ);
    if (!im->text || !im->occ) {
        pd_ql_import_free(im);
        return NULL;
    }
    pd_ql_csv_cols_default(&im->cols);
    im->rep.format = format;
    return im;
}

void pd_ql_import_free(struct pd_ql_import *im)
{
    if (!im)
        return;
    pd_ql_reader_free(&im->rd);
    free(im->pending);
    free(im->text);
    free(im->occ);
    free(im->rep.bad);
    free(im);
}

const struct pd_ql_report *pd_ql_import_report(const struct pd_ql_import *im)
{
    return &im->rep;
}

/*
 * The occurrence number of the line hashed @p h at @p at: 1 the first time,
 * then 2, … When the table fills, counts older than the horizon before the
 * latest line are dropped (queuelog.h, "Memory"); it grows only when fewer
 * than half would be left.
 */
static int occ_bump(struct pd_ql_import *im, uint64_t h, int64_t at)
{
    if (at > im->max_at)
        im->max_at = at;
    if ((im->occ_used + 1) * 10 > im->occ_cap * 7) {
        int64_t keep_from = im->max_at - PD_QL_OCC_HORIZON_MS;
        size_t live = 0;
        for (size_t i = 0; i < im->occ_cap; i++)
            live += im->occ[i].count && im->occ[i].at_ms >= keep_from;
        size_t cap = live * 2 > im->occ_cap ? im->occ_cap * 2 : im->occ_cap;
        struct occ_slot *t = calloc(cap, sizeof *t);
        if (!t) {
            im->oom = true;
            return 0;
        }
        for (size_t i = 0; i < im->occ_cap; i++)
            if (im->occ[i].count && im->occ[i].at_ms >= keep_from) {
                size_t j = (size_t)(im->occ[i].hash & (cap - 1));
                while (t[j].count)
                    j = (j + 1) & (cap - 1);
                t[j] = im->occ[i];
            }
        free(im->occ);
        im->occ = t;
        im->occ_cap = cap;
        im->occ_used = live;
    }
    size_t j = (size_t)(h & (im->occ_cap - 1));
    while (im->occ[j].count && im->occ[j].hash != h)
        j = (j + 1) & (im->occ_cap - 1);
    if (!im->occ[j].count) {
        im->occ[j].hash = h;
        im->occ[j].at_ms = at;
        im->occ_used++;
    }
    return (int)++im->occ[j].count;
}

static int do_flush(struct pd_ql_import *im)
{
    if (im->nrows == 0)
        return 0;
    for (int i = 0; i < im->nrows; i++) {
        struct pd_ql_row *r = &im->rows[i];
        struct pd_ql_str *f[5] = {&r->callid, &r->queue, &r->agent, &r->event, &r->data};
        for (int k = 0; k < 5; k++)
            f[k]->p = im->text + im->off[i][k];
        im->dup[i] = false;
    }
    int rc = im->flush(im->cls, im->rows, im->nrows, im->dup);
    if (rc == 0)
        for (int i = 0; i < im->nrows; i++) {
            if (im->dup[i])
                im->rep.duplicates++;
            else
                im->rep.imported++;
        }
    im->nrows = 0;
    im->ntext = 0;
    if (rc) {
        im->stopped = true;
        return 1;
    }
    return 0;
}

static void add_bad(struct pd_ql_import *im, int64_t line, const char *err)
{
    im->rep.malformed++;
    if (im->rep.nbad >= PD_QL_MALFORMED_MAX)
        return;
    if (!im->rep.bad) {
        im->rep.bad = calloc(PD_QL_MALFORMED_MAX, sizeof *im->rep.bad);
        if (!im->rep.bad) {
            im->oom = true;
            return;
        }
    }
    struct pd_ql_bad *b = &im->rep.bad[im->rep.nbad++];
    b->line = line;
    snprintf(b->error, sizeof b->error, "%s", err);
}

static size_t put_text(struct pd_ql_import *im, const char *p, size_t n)
{
    size_t at = im->ntext;
    memcpy(im->text + at, p, n);
    im->text[at + n] = '\0';
    im->ntext += n + 1;
    return at;
}

static int on_record(void *cls, int64_t line_no, char *rec, size_t n)
{
    struct pd_ql_import *im = cls;
    if (!rec) { /* over the reader's limit: neither kept nor parsed */
        char err[PD_QL_ERR_MAX];
        snprintf(err, sizeof err, "line: longer than %d bytes", LINE_MAX_BYTES);
        im->header_done = true;
        im->rep.lines++;
        add_bad(im, line_no, err);
        return im->oom ? -1 : 0;
    }
    size_t k = 0;
    while (k < n && (rec[k] == ' ' || rec[k] == '\t'))
        k++;
    if (k == n)
        return 0; /* blank line */
    char err[PD_QL_ERR_MAX];
    struct pd_ql_line l;
    if (im->format == PD_QL_CSV && !im->header_done) {
        im->header_done = true;
        if (pd_ql_csv_header(rec, n, &im->cols, err))
            return 0;
        if (err[0]) {
            im->rep.lines++;
            add_bad(im, line_no, err);
            return 0;
        }
    }
    im->rep.lines++;
    bool ok = im->format == PD_QL_PIPE ? pd_ql_parse_pipe(rec, n, &l, err)
                                       : pd_ql_parse_csv(rec, n, &im->cols, im->tz, &l, err);
    if (!ok) {
        add_bad(im, line_no, err);
        return im->oom ? -1 : 0;
    }
    if (l.verb == PD_QL_UNKNOWN)
        im->rep.unknown_verbs++;
    size_t dlen = pd_ql_data_len(&l);
    size_t need = l.callid.n + l.queue.n + l.agent.n + l.event.n + dlen + 5;
    if (im->ntext + need > TEXT_CAP && do_flush(im))
        return 1;
    struct pd_ql_row *r = &im->rows[im->nrows];
    r->line_no = line_no;
    r->at_ms = l.at_ms;
    r->hash = pd_ql_line_hash(&l);
    r->occurrence = occ_bump(im, r->hash, l.at_ms);
    if (im->oom)
        return -1;
    r->verb = l.verb;
    r->callid.n = l.callid.n;
    r->queue.n = l.queue.n;
    r->agent.n = l.agent.n;
    r->event.n = l.event.n;
    r->data.n = dlen;
    im->off[im->nrows][0] = put_text(im, l.callid.p, l.callid.n);
    im->off[im->nrows][1] = put_text(im, l.queue.p, l.queue.n);
    im->off[im->nrows][2] = put_text(im, l.agent.p, l.agent.n);
    im->off[im->nrows][3] = put_text(im, l.event.p, l.event.n);
    im->off[im->nrows][4] = im->ntext;
    pd_ql_data_join(&l, im->text + im->ntext);
    im->ntext += dlen + 1;
    if (++im->nrows == PD_QL_BATCH && do_flush(im))
        return 1;
    return 0;
}

static int start_reader(struct pd_ql_import *im)
{
    im->started = true;
    im->rep.format = im->format;
    pd_ql_reader_init(&im->rd, im->format == PD_QL_CSV);
    im->rd.max_record = LINE_MAX_BYTES;
    if (!im->npending)
        return 0;
    int rc = pd_ql_reader_feed(&im->rd, im->pending, im->npending, on_record, im);
    free(im->pending);
    im->pending = NULL;
    im->npending = 0;
    return rc;
}

/* AUTO: hold bytes until the first non-blank line is complete, then sniff. */
static int sniff_pending(struct pd_ql_import *im, bool last)
{
    size_t i = 0;
    for (;;) {
        while (i < im->npending && (im->pending[i] == '\n' || im->pending[i] == '\r' ||
                                    im->pending[i] == ' ' || im->pending[i] == '\t'))
            i++;
        if (i == im->npending) {
            if (!last)
                return 0;
            im->format = PD_QL_PIPE; /* nothing but blanks: either form reads it */
            return start_reader(im);
        }
        const char *nl = memchr(im->pending + i, '\n', im->npending - i);
        if (!nl && !last && im->npending - i < 4096)
            return 0;
        size_t end = nl ? (size_t)(nl - im->pending) : im->npending;
        im->format = pd_ql_sniff(im->pending + i, end - i);
        return start_reader(im);
    }
}

static int result(struct pd_ql_import *im, int rc)
{
    if (rc < 0 || im->oom || im->rd.oom)
        return -1;
    return im->stopped || rc > 0 ? 1 : 0;
}

int pd_ql_import_feed(struct pd_ql_import *im, const char *p, size_t n)
{
    if (im->stopped)
        return 1;
    if (!im->started && im->format != PD_QL_AUTO) {
        int rc = start_reader(im);
        if (rc)
            return result(im, rc);
    }
    if (!im->started) {
        char *b = realloc(im->pending, im->npending + n + 1);
        if (!b)
            return -1;
        im->pending = b;
        memcpy(b + im->npending, p, n);
        im->npending += n;
        return result(im, sniff_pending(im, false));
    }
    return result(im, pd_ql_reader_feed(&im->rd, p, n, on_record, im));
}

int pd_ql_import_finish(struct pd_ql_import *im)
{
    if (im->stopped)
        return 1;
    int rc = 0;
    if (!im->started)
        rc = im->format == PD_QL_AUTO ? sniff_pending(im, true) : start_reader(im);
    if (rc == 0)
        rc = pd_ql_reader_finish(&im->rd, on_record, im);
    if (rc == 0 && !im->oom)
        rc = do_flush(im);
    return result(im, rc);
}
