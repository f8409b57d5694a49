/*
 * The business calendar: parsing the REGION-YEAR.tsv files into one byte per
 * day, and the deadline arithmetic of DOMAIN.md §7 on top of them (rules in
 * calendar.h and docs/calendar.md). Every deadline is found by one walk:
 * from the start of the counted period, spend a budget of counted time
 * (working hours of working days, or all time), stepping over pauses; the
 * instant the budget runs out is the end of the limit. Without pauses that
 * walk lands exactly at the end of the Nth day, so the plain rule and the
 * paused rule cannot drift apart. This file does no I/O except in the two
 * loaders, keeps no global state and never reads the clock.
 */
#include "core/calendar.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

#define DAY_MS  86400000LL
#define HOUR_MS 3600000LL
#define MIN_MS  60000LL

#define FILE_MAX       (1L << 20) /* a year is a few kilobytes; anything near this is not a calendar */
#define NAME_MAX_BYTES 120

enum day_kind { K_ORDINARY = 0, K_HOLIDAY = 1, K_WORKDAY = 2 };

struct cal_year {
    char region[PD_CALENDAR_REGION_MAX];
    int year;
    int64_t first_day; /* days since 1970-01-01 of 1 January */
    int ndays;
    unsigned char kind[366];
    char *name[366]; /* owned; NULL on ordinary days */
};

struct pd_calendar {
    struct cal_year *years; /* owned, each element owns its names */
    size_t n, cap;
};

/* ---- small helpers ------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

static int64_t trunc_sec(int64_t ms)
{
    return floor_div(ms, 1000) * 1000;
}

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int y, unsigned m)
{
    static const unsigned char n[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : n[m - 1];
}

/* Monday = 0 … Sunday = 6; 1970-01-01 was a Thursday. */
static int weekday(int64_t z)
{
    return (int)(z + 3 - floor_div(z + 3, 7) * 7);
}

static bool region_ok(const char *s)
{
    size_t n = strlen(s);
    if (n < 2 || n >= PD_CALENDAR_REGION_MAX)
        return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

static const struct cal_year *find_year(const pd_calendar *cal, const char *region, int y)
{
    for (size_t i = 0; i < cal->n; i++)
        if (cal->years[i].year == y && !strcmp(cal->years[i].region, region))
            return &cal->years[i];
    return NULL;
}

/* ---- lifetime ----------------------------------------------------------- */

pd_calendar *pd_calendar_new(void)
{
    return calloc(1, sizeof(pd_calendar));
}

static void year_clear(struct cal_year *y)
{
    for (int i = 0; i < 366; i++)
        free(y->name[i]);
}

void pd_calendar_free(pd_calendar *cal)
{
    if (!cal)
        return;
    for (size_t i = 0; i < cal->n; i++)
        year_clear(&cal->years[i]);
    free(cal->years);
    free(cal);
}

bool pd_calendar_has_region(const pd_calendar *cal, const char *region)
{
    for (size_t i = 0; i < cal->n; i++)
        if (!strcmp(cal->years[i].region, region))
            return true;
    return false;
}

char *pd_calendar_years_text(const pd_calendar *cal, const char *region, char *out, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    /* Years in ascending order without sorting the table: pick the next larger each time. */
    int last = -1;
    for (;;) {
        int next = -1;
        for (size_t i = 0; i < cal->n; i++)
            if (!strcmp(cal->years[i].region, region) && cal->years[i].year > last &&
                (next < 0 || cal->years[i].year < next))
                next = cal->years[i].year;
        if (next < 0)
            break;
        int w = snprintf(out + used, n - used, "%s%d", used ? ", " : "", next);
        if (w < 0 || (size_t)w >= n - used)
            break;
        used += (size_t)w;
        last = next;
    }
    if (!used)
        snprintf(out, n, "none");
    return out;
}

/* ---- loading ------------------------------------------------------------ */

/* "CN-2026.tsv" (optionally with a directory in front) -> region, year. */
static bool parse_file_name(const char *name, char region[PD_CALENDAR_REGION_MAX], int *year)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    size_t n = strlen(base);
    if (n < 2 + 1 + 4 + 4 || strcmp(base + n - 4, ".tsv") != 0)
        return false;
    const char *y = base + n - 8; /* YYYY.tsv */
    if (y[-1] != '-')
        return false;
    int v = 0;
    for (int i = 0; i < 4; i++) {
        if (y[i] < '0' || y[i] > '9')
            return false;
        v = v * 10 + (y[i] - '0');
    }
    size_t rlen = (size_t)(y - 1 - base);
    if (rlen >= PD_CALENDAR_REGION_MAX || v < 1970 || v > 2999)
        return false;
    memcpy(region, base, rlen);
    region[rlen] = '\0';
    *year = v;
    return region_ok(region);
}

static bool parse_date(const char *s, size_t n, int *y, unsigned *m, unsigned *d)
{
    if (n != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int v[3] = {0, 0, 0};
    static const int from[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int f = 0; f < 3; f++)
        for (int i = 0; i < len[f]; i++) {
            char c = s[from[f] + i];
            if (c < '0' || c > '9')
                return false;
            v[f] = v[f] * 10 + (c - '0');
        }
    if (v[1] < 1 || v[1] > 12 || v[2] < 1 || (unsigned)v[2] > month_days(v[0], (unsigned)v[1]))
        return false;
    *y = v[0];
    *m = (unsigned)v[1];
    *d = (unsigned)v[2];
    return true;
}

/* Parse one line's three fields into @p yr. @return false with detail set. */
static bool parse_row(struct cal_year *yr, const char *fname, int lineno, const char *line,
                      size_t n, char *detail)
{
    const char *f[3];
    size_t fl[3];
    int nf = 0;
    const char *p = line, *end = line + n;
    while (nf < 3) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        f[nf] = p;
        fl[nf] = (size_t)((tab ? tab : end) - p);
        nf++;
        if (!tab)
            break;
        p = tab + 1;
        if (nf == 3) {
            snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                     "%s:%d: more than three columns (date, kind, name)", fname, lineno);
            return false;
        }
    }
    if (nf != 3) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                 "%s:%d: expected three tab-separated columns (date, kind, name)", fname, lineno);
        return false;
    }
    int y;
    unsigned m, d;
    if (!parse_date(f[0], fl[0], &y, &m, &d)) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s:%d: date \"%.*s\" is not a valid YYYY-MM-DD",
                 fname, lineno, (int)(fl[0] > 20 ? 20 : fl[0]), f[0]);
        return false;
    }
    if (y != yr->year) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s:%d: date %.10s is not in %d", fname, lineno,
                 f[0], yr->year);
        return false;
    }
    int64_t z = pd_days_from_civil(y, m, d);
    int doy = (int)(z - yr->first_day);
    if (yr->kind[doy] != K_ORDINARY) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s:%d: date %.10s is listed twice", fname, lineno,
                 f[0]);
        return false;
    }
    unsigned char kind;
    if (fl[1] == 7 && !memcmp(f[1], "holiday", 7)) {
        kind = K_HOLIDAY;
    } else if (fl[1] == 7 && !memcmp(f[1], "workday", 7)) {
        /* A make-up working day on a weekday would change nothing: surely a typo. */
        if (weekday(z) < 5) {
            snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                     "%s:%d: %.10s is a weekday; a make-up working day (workday) is a Saturday "
                     "or Sunday",
                     fname, lineno, f[0]);
            return false;
        }
        kind = K_WORKDAY;
    } else {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                 "%s:%d: kind must be holiday or workday, not \"%.*s\"", fname, lineno,
                 (int)(fl[1] > 20 ? 20 : fl[1]), f[1]);
        return false;
    }
    if (fl[2] == 0 || fl[2] > NAME_MAX_BYTES || !pd_utf8_valid(f[2], fl[2]) ||
        memchr(f[2], '\0', fl[2])) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                 "%s:%d: name must be 1-%d bytes of UTF-8 (the holiday's Chinese name)", fname,
                 lineno, NAME_MAX_BYTES);
        return false;
    }
    char *nm = malloc(fl[2] + 1);
    if (!nm) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s: out of memory", fname);
        return false;
    }
    memcpy(nm, f[2], fl[2]);
    nm[fl[2]] = '\0';
    yr->kind[doy] = kind;
    yr->name[doy] = nm;
    return true;
}

pd_err pd_calendar_add_tsv(pd_calendar *cal, const char *name, const char *text, size_t len,
                           char *detail)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    struct cal_year yr;
    memset(&yr, 0, sizeof yr);
    if (!parse_file_name(name, yr.region, &yr.year)) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                 "%s: a calendar file is named REGION-YEAR.tsv (e.g. CN-2026.tsv; region A-Z, "
                 "0-9 and '-')",
                 base);
        return PD_E_CALENDAR_DATA_INVALID;
    }
    if (find_year(cal, yr.region, yr.year)) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s: %s %d is already loaded", base, yr.region,
                 yr.year);
        return PD_E_CALENDAR_DATA_INVALID;
    }
    yr.first_day = pd_days_from_civil(yr.year, 1, 1);
    yr.ndays = leap(yr.year) ? 366 : 365;

    const char *p = text, *end = text + len;
    if (len >= 3 && !memcmp(p, "\xEF\xBB\xBF", 3)) /* a BOM from a spreadsheet export */
        p += 3;
    bool header = false;
    int lineno = 0;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        size_t n = (size_t)(le - p);
        if (n && p[n - 1] == '\r')
            n--;
        lineno++;
        if (n == 0 || p[0] == '#') {
            /* comment or blank */
        } else if (!header) {
            if (n != 14 || memcmp(p, "date\tkind\tname", 14) != 0) {
                snprintf(detail, PD_CALENDAR_DETAIL_MAX,
                         "%s:%d: the first line that is not a comment must be the header "
                         "\"date<TAB>kind<TAB>name\"",
                         base, lineno);
                year_clear(&yr);
                return PD_E_CALENDAR_DATA_INVALID;
            }
            header = true;
        } else if (!parse_row(&yr, base, lineno, p, n, detail)) {
            year_clear(&yr);
            return PD_E_CALENDAR_DATA_INVALID;
        }
        p = nl ? nl + 1 : end;
    }
    if (!header) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s: no header line \"date<TAB>kind<TAB>name\"",
                 base);
        return PD_E_CALENDAR_DATA_INVALID;
    }
    if (cal->n == cal->cap) {
        size_t cap = cal->cap ? cal->cap * 2 : 8;
        struct cal_year *ny = realloc(cal->years, cap * sizeof *ny);
        if (!ny) {
            year_clear(&yr);
            snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s: out of memory", base);
            return PD_E_INTERNAL;
        }
        cal->years = ny;
        cal->cap = cap;
    }
    cal->years[cal->n++] = yr;
    return PD_OK;
}

pd_err pd_calendar_load_file(pd_calendar *cal, const char *path, char *detail)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "cannot open %s: %s", path, strerror(errno));
        return PD_E_CALENDAR_DATA_INVALID;
    }
    char *buf = malloc(FILE_MAX + 1);
    size_t n = buf ? fread(buf, 1, FILE_MAX + 1, f) : 0;
    bool bad = !buf || ferror(f);
    fclose(f);
    if (bad || n > FILE_MAX) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "cannot read %s: %s", path,
                 !buf           ? "out of memory"
                 : n > FILE_MAX ? "larger than 1 MiB"
                                : "read error");
        free(buf);
        return PD_E_CALENDAR_DATA_INVALID;
    }
    pd_err e = pd_calendar_add_tsv(cal, path, buf, n, detail);
    free(buf);
    return e;
}

static int only_tsv(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 4 && !strcmp(d->d_name + n - 4, ".tsv");
}

pd_err pd_calendar_load_dir(pd_calendar *cal, const char *dir, char *detail)
{
    struct dirent **list = NULL;
    int n = scandir(dir, &list, only_tsv, alphasort);
    if (n < 0) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "cannot read the directory %s: %s", dir,
                 strerror(errno));
        return PD_E_CALENDAR_DATA_INVALID;
    }
    pd_err e = PD_OK;
    for (int i = 0; i < n; i++) {
        if (e == PD_OK) {
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, list[i]->d_name);
            e = pd_calendar_load_file(cal, path, detail);
        }
        free(list[i]);
    }
    free(list);
    if (e == PD_OK && n == 0) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s holds no REGION-YEAR.tsv calendar", dir);
        return PD_E_CALENDAR_DATA_INVALID;
    }
    return e;
}

pd_err pd_calendar_load_shipped(pd_calendar *cal, char *detail)
{
    for (const struct pd_calendar_file *f = pd__calendar_shipped; f->name; f++) {
        pd_err e = pd_calendar_add_tsv(cal, f->name, f->text, f->len, detail);
        if (e != PD_OK)
            return e;
    }
    return PD_OK;
}

/* ---- nodes and days ----------------------------------------------------- */

void pd_calendar_node_default(struct pd_calendar_node *node)
{
    memset(node, 0, sizeof *node);
    strcpy(node->region, "CN");
    node->workdays = PD_CAL_MON_FRI;
    node->day_start_min = 0;
    node->day_end_min = 1440;
    node->utc_offset_min = PD_CST_OFFSET_MIN;
}

pd_err pd_calendar_node_check(const struct pd_calendar_node *node, char *detail)
{
    const char *field = NULL, *why = NULL;
    if (!memchr(node->region, '\0', sizeof node->region) || !region_ok(node->region)) {
        field = "region";
        why = "2-15 characters A-Z, 0-9 or '-'";
    } else if (node->workdays == 0 || node->workdays > 0x7f) {
        field = "workdays";
        why = "at least one of Monday..Sunday";
    } else if (node->day_start_min < 0 || node->day_start_min > 1439) {
        field = "day_start_min";
        why = "0..1439 minutes after midnight";
    } else if (node->day_end_min <= node->day_start_min || node->day_end_min > 1440) {
        field = "day_end_min";
        why = "after the day's start and at most 1440 (24:00)";
    } else if (node->utc_offset_min < -720 || node->utc_offset_min > 840) {
        field = "utc_offset_min";
        why = "-720..840 minutes";
    }
    if (!field)
        return PD_OK;
    snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s: must be %s", field, why);
    return PD_E_CALENDAR_NODE_INVALID;
}

/* What the arithmetic needs for one call. */
struct ctx {
    const pd_calendar *cal;
    const struct pd_calendar_node *node;
    int64_t off_ms;
    char *detail;
};

static int64_t local_day(const struct ctx *c, int64_t ms)
{
    return floor_div(ms + c->off_ms, DAY_MS);
}

static int64_t day_start(const struct ctx *c, int64_t z)
{
    return z * DAY_MS - c->off_ms;
}

static pd_err year_unknown(const struct ctx *c, int y)
{
    char years[96];
    snprintf(c->detail, PD_CALENDAR_DETAIL_MAX,
             "%d is not in the business calendar of region %s (loaded: %s); no deadline is "
             "computed without it",
             y, c->node->region,
             pd_calendar_years_text(c->cal, c->node->region, years, sizeof years));
    return PD_E_CALENDAR_YEAR_UNKNOWN;
}

static pd_err day_info(const struct ctx *c, int64_t z, bool *working, const char **name)
{
    int y;
    unsigned m, d;
    pd_civil_from_days(z, &y, &m, &d);
    const struct cal_year *yr = find_year(c->cal, c->node->region, y);
    if (!yr)
        return year_unknown(c, y);
    int doy = (int)(z - yr->first_day);
    if (name)
        *name = yr->name[doy];
    switch (yr->kind[doy]) {
    case K_HOLIDAY:
        *working = false;
        break;
    case K_WORKDAY:
        *working = true;
        break;
    default:
        *working = (c->node->workdays >> weekday(z)) & 1u;
    }
    return PD_OK;
}

/* Every year from local day z0 to z1 must be loaded (invariant 1). */
static pd_err check_years(const struct ctx *c, int64_t z0, int64_t z1)
{
    int y0, y1;
    unsigned m, d;
    pd_civil_from_days(z0, &y0, &m, &d);
    pd_civil_from_days(z1, &y1, &m, &d);
    for (int y = y0; y <= y1; y++)
        if (!find_year(c->cal, c->node->region, y))
            return year_unknown(c, y);
    return PD_OK;
}

static pd_err prepare(const pd_calendar *cal, const struct pd_calendar_node *node,
                      struct pd_calendar_node *def, struct ctx *c, char *detail)
{
    if (!node) {
        pd_calendar_node_default(def);
        node = def;
    }
    pd_err e = pd_calendar_node_check(node, detail);
    if (e != PD_OK)
        return e;
    if (!pd_calendar_has_region(cal, node->region)) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "no business calendar is loaded for region %s",
                 node->region);
        return PD_E_CALENDAR_REGION_UNKNOWN;
    }
    c->cal = cal;
    c->node = node;
    c->off_ms = node->utc_offset_min * MIN_MS;
    c->detail = detail;
    return PD_OK;
}

pd_err pd_calendar_is_working(const pd_calendar *cal, const struct pd_calendar_node *node, int y,
                              unsigned m, unsigned d, bool *working, const char **name,
                              char *detail)
{
    struct pd_calendar_node def;
    struct ctx c;
    pd_err e = prepare(cal, node, &def, &c, detail);
    if (e != PD_OK)
        return e;
    if (m < 1 || m > 12 || d < 1 || d > month_days(y, m)) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%d-%02u-%02u is not a date", y, m, d);
        return PD_E_CALENDAR_LIMIT_INVALID;
    }
    return day_info(&c, pd_days_from_civil(y, m, d), working, name);
}

/* ---- the walk ----------------------------------------------------------- */

/*
 * Where @p budget ms of counted time after @p s run out, all time counting,
 * skipping the sorted, merged pauses @p p. PD_CALENDAR_NEVER when an open
 * pause begins before the budget is spent.
 */
static int64_t walk_all(int64_t s, int64_t budget, const struct pd_calendar_pause *p, size_t n)
{
    int64_t cur = s;
    if (budget <= 0)
        return s;
    for (size_t i = 0; i < n; i++) {
        if (p[i].to_ms <= cur)
            continue;
        if (p[i].from_ms > cur) {
            int64_t gap = p[i].from_ms - cur;
            if (gap >= budget)
                return cur + budget;
            budget -= gap;
        }
        if (p[i].to_ms == PD_CALENDAR_OPEN)
            return PD_CALENDAR_NEVER;
        cur = p[i].to_ms;
    }
    return cur + budget;
}

/*
 * The same over working time only: [day_start_min, day_end_min) of each
 * working day from the local day of @p s on. Checks each day's year as it
 * goes (invariant 1).
 */
static pd_err walk_work(const struct ctx *c, int64_t s, int64_t budget,
                        const struct pd_calendar_pause *p, size_t n, int64_t *end)
{
    if (budget <= 0) {
        *end = s;
        return PD_OK;
    }
    size_t i = 0;
    for (int64_t z = local_day(c, s);; z++) {
        bool working;
        pd_err e = day_info(c, z, &working, NULL);
        if (e != PD_OK)
            return e;
        if (!working)
            continue;
        int64_t a = day_start(c, z) + c->node->day_start_min * MIN_MS;
        int64_t b = day_start(c, z) + c->node->day_end_min * MIN_MS;
        int64_t cur = a > s ? a : s;
        while (cur < b) {
            while (i < n && p[i].to_ms <= cur)
                i++;
            if (i < n && p[i].from_ms <= cur) {
                if (p[i].to_ms == PD_CALENDAR_OPEN) {
                    *end = PD_CALENDAR_NEVER;
                    return PD_OK;
                }
                cur = p[i].to_ms;
                continue;
            }
            int64_t stop = i < n && p[i].from_ms < b ? p[i].from_ms : b;
            if (stop - cur >= budget) {
                *end = cur + budget;
                return PD_OK;
            }
            budget -= stop - cur;
            cur = stop;
        }
    }
}

static int cmp_pause(const void *a, const void *b)
{
    const struct pd_calendar_pause *x = a, *y = b;
    return x->from_ms < y->from_ms ? -1 : x->from_ms > y->from_ms;
}

/* Check, clip to the counted period (from @p s), sort and merge into @p out. */
static pd_err normalise_pauses(const struct pd_calendar_pause *in, size_t n, int64_t s,
                               struct pd_calendar_pause *out, size_t *nout, char *detail)
{
    if (n > PD_CALENDAR_PAUSES_MAX) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "pauses: at most %d, not %zu",
                 PD_CALENDAR_PAUSES_MAX, n);
        return PD_E_CALENDAR_PAUSE_INVALID;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i].to_ms <= in[i].from_ms) {
            snprintf(detail, PD_CALENDAR_DETAIL_MAX, "pauses[%zu]: ends before it starts", i);
            return PD_E_CALENDAR_PAUSE_INVALID;
        }
        if (in[i].to_ms <= s) /* before the counted period (day 0): costs nothing */
            continue;
        out[k] = in[i];
        if (out[k].from_ms < s)
            out[k].from_ms = s;
        k++;
    }
    qsort(out, k, sizeof *out, cmp_pause);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m && out[i].from_ms <= out[m - 1].to_ms) {
            if (out[i].to_ms > out[m - 1].to_ms)
                out[m - 1].to_ms = out[i].to_ms;
        } else {
            out[m++] = out[i];
        }
    }
    *nout = m;
    return PD_OK;
}

int pd_calendar_unit_max(enum pd_calendar_unit unit)
{
    switch (unit) {
    case PD_CAL_WORKING_DAYS:
        return 1000;
    case PD_CAL_CALENDAR_DAYS:
        return 3660;
    case PD_CAL_HOURS:
        return 3660 * 24;
    case PD_CAL_MONTHS:
        return 120;
    case PD_CAL_MONTHLY_BY_DAY:
        return 31;
    default:
        return 0;
    }
}

pd_err pd_calendar_due(const pd_calendar *cal, const struct pd_calendar_node *node,
                       struct pd_calendar_limit limit, int64_t start_ms,
                       const struct pd_calendar_pause *pauses, size_t npauses, int warn_permille,
                       struct pd_calendar_due *out, char *detail)
{
    if ((unsigned)limit.unit >= PD_CAL__UNIT_COUNT) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "unit: unknown time-limit unit");
        return PD_E_CALENDAR_LIMIT_INVALID;
    }
    int max = pd_calendar_unit_max(limit.unit);
    if (limit.amount < 1 || limit.amount > max) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "%s: must be 1..%d, not %d",
                 pd_calendar_unit_name(limit.unit), max, limit.amount);
        return PD_E_CALENDAR_LIMIT_INVALID;
    }
    if (warn_permille < 0 || warn_permille > 999) {
        snprintf(detail, PD_CALENDAR_DETAIL_MAX, "warn_permille: must be 0..999, not %d",
                 warn_permille);
        return PD_E_CALENDAR_LIMIT_INVALID;
    }
    struct pd_calendar_node def;
    struct ctx c;
    pd_err e = prepare(cal, node, &def, &c, detail);
    if (e != PD_OK)
        return e;

    int64_t z0 = local_day(&c, start_ms); /* day 0 (invariant 2) */
    e = check_years(&c, z0, z0);
    if (e != PD_OK)
        return e;
    int y;
    unsigned m, d;
    pd_civil_from_days(z0, &y, &m, &d);

    /* The counted period starts at s and holds `budget` ms of counted time. */
    int64_t s, budget;
    bool work = false;
    switch (limit.unit) {
    case PD_CAL_WORKING_DAYS:
        work = true;
        s = day_start(&c, z0 + 1);
        budget = (int64_t)limit.amount * (c.node->day_end_min - c.node->day_start_min) * MIN_MS;
        break;
    case PD_CAL_CALENDAR_DAYS:
        s = day_start(&c, z0 + 1);
        budget = (int64_t)limit.amount * DAY_MS;
        break;
    case PD_CAL_HOURS:
        s = start_ms;
        budget = (int64_t)limit.amount * HOUR_MS;
        break;
    case PD_CAL_MONTHS: {
        int ty = y + (int)((m - 1 + (unsigned)limit.amount) / 12);
        unsigned tm = (m - 1 + (unsigned)limit.amount) % 12 + 1;
        unsigned td = d < month_days(ty, tm) ? d : month_days(ty, tm);
        s = day_start(&c, z0 + 1);
        budget = day_start(&c, pd_days_from_civil(ty, tm, td) + 1) - s;
        break;
    }
    default: { /* PD_CAL_MONTHLY_BY_DAY: a fixed date; the period is the event's month */
        int ty = m == 12 ? y + 1 : y;
        unsigned tm = m == 12 ? 1 : m + 1;
        unsigned td = (unsigned)limit.amount < month_days(ty, tm) ? (unsigned)limit.amount
                                                                  : month_days(ty, tm);
        s = day_start(&c, pd_days_from_civil(ty, tm, 1));
        budget = day_start(&c, pd_days_from_civil(ty, tm, td) + 1) - s;
        npauses = 0;
        break;
    }
    }

    struct pd_calendar_pause merged[PD_CALENDAR_PAUSES_MAX];
    size_t nm = 0;
    e = normalise_pauses(pauses, npauses, s, merged, &nm, detail);
    if (e != PD_OK)
        return e;

    int64_t base_end, end, warn_end = 0;
    if (work) {
        if ((e = walk_work(&c, s, budget, NULL, 0, &base_end)) != PD_OK ||
            (e = walk_work(&c, s, budget, merged, nm, &end)) != PD_OK)
            return e;
        if (warn_permille &&
            (e = walk_work(&c, s, budget * warn_permille / 1000, merged, nm, &warn_end)) != PD_OK)
            return e;
    } else {
        base_end = walk_all(s, budget, NULL, 0);
        end = walk_all(s, budget, merged, nm);
        if (warn_permille)
            warn_end = walk_all(s, budget * warn_permille / 1000, merged, nm);
    }

    /* Days end at 24:00 (or the node's end), the last second in time being 23:59:59;
     * hours end on the hour itself ("within 24 hours" includes the 24th). */
    bool hours = limit.unit == PD_CAL_HOURS;
    memset(out, 0, sizeof *out);
    out->counted_from_ms = s;
    out->base_due_ms = hours ? trunc_sec(base_end) : trunc_sec(base_end - 1);
    out->held = end == PD_CALENDAR_NEVER;
    out->due_ms = out->held ? PD_CALENDAR_NEVER : hours ? trunc_sec(end) : trunc_sec(end - 1);
    if (warn_permille)
        out->warn_ms = warn_end == PD_CALENDAR_NEVER ? PD_CALENDAR_NEVER : trunc_sec(warn_end);
    int64_t last = out->held ? out->base_due_ms : out->due_ms;
    return check_years(&c, z0, local_day(&c, last));
}

bool pd_calendar_in_time(int64_t due_ms, int64_t t_ms)
{
    return due_ms == PD_CALENDAR_NEVER || t_ms < due_ms + 1000;
}

/* ---- unit names --------------------------------------------------------- */

static const char *const unit_names[PD_CAL__UNIT_COUNT] = {
    [PD_CAL_WORKING_DAYS] = "working_days",
    [PD_CAL_CALENDAR_DAYS] = "calendar_days",
    [PD_CAL_HOURS] = "hours",
    [PD_CAL_MONTHS] = "months",
    [PD_CAL_MONTHLY_BY_DAY] = "monthly_by_day",
};

const char *pd_calendar_unit_name(enum pd_calendar_unit unit)
{
    return (unsigned)unit < PD_CAL__UNIT_COUNT ? unit_names[unit] : "?";
}

bool pd_calendar_unit_parse(const char *s, enum pd_calendar_unit *unit)
{
    for (int i = 0; i < PD_CAL__UNIT_COUNT; i++)
        if (!strcmp(s, unit_names[i])) {
            *unit = (enum pd_calendar_unit)i;
            return true;
        }
    return false;
}
