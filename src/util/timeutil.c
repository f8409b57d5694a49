/*
 * Calendar arithmetic without the C library's time zone machinery (which is
 * process-global and locale-dependent): Howard Hinnant's days-from-civil
 * algorithm, written out here, and explicit offsets.
 */
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t fake_now = -1;
static bool fake_checked;

int64_t pd_now_ms(void)
{
    if (!fake_checked) {
        /* Benign race: every thread computes the same value. */
        const char *f = getenv("PD_FAKE_NOW");
        int64_t v;
        if (f && *f && pd_time_parse(f, &v))
            fake_now = v;
        fake_checked = true;
    }
    if (fake_now >= 0)
        return fake_now;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t pd_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t pd_days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void pd_civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

static char *put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
    return p + 2;
}

/* Written digit by digit: this formats every time of every tracking answer
 * on the public hot path, where snprintf was a tenth of the server's time. */
char *pd_time_format(int64_t ms, int offset_min, char *out)
{
    int64_t local = ms + (int64_t)offset_min * 60000;
    int64_t days = floor_div(local, 86400000);
    int64_t rem = local - days * 86400000;
    int y;
    unsigned m, d;
    pd_civil_from_days(days, &y, &m, &d);
    unsigned hh = (unsigned)(rem / 3600000), mi = (unsigned)(rem / 60000 % 60),
             ss = (unsigned)(rem / 1000 % 60), frac = (unsigned)(rem % 1000);
    if (y < 0 || y > 9999) { /* outside RFC 3339's four digits: never from a valid time */
        snprintf(out, PD_RFC3339_MAX, "%04d-%02u-%02uT%02u:%02u:%02u", y, m, d, hh, mi, ss);
        return out;
    }
    char *p = out;
    p = put2(p, (unsigned)y / 100);
    p = put2(p, (unsigned)y % 100);
    *p++ = '-';
    p = put2(p, m);
    *p++ = '-';
    p = put2(p, d);
    *p++ = 'T';
    p = put2(p, hh);
    *p++ = ':';
    p = put2(p, mi);
    *p++ = ':';
    p = put2(p, ss);
    if (frac) {
        *p++ = '.';
        *p++ = (char)('0' + frac / 100);
        p = put2(p, frac % 100);
    }
    if (offset_min == 0) {
        *p++ = 'Z';
    } else {
        unsigned a = (unsigned)(offset_min < 0 ? -offset_min : offset_min);
        *p++ = offset_min < 0 ? '-' : '+';
        p = put2(p, a / 60 % 100);
        *p++ = ':';
        p = put2(p, a % 60);
    }
    *p = '\0';
    return out;
}

static bool digits(const char *s, int n, int *v)
{
    int r = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        r = r * 10 + (s[i] - '0');
    }
    *v = r;
    return true;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dm[m - 1];
}

static bool parse_date(const char *s, int *y, int *m, int *d)
{
    if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
        !digits(s + 8, 2, d))
        return false;
    return *m >= 1 && *m <= 12 && *d >= 1 && *d <= days_in_month(*y, *m) && *y >= 1;
}

bool pd_date_parse(const char *s, int offset_min, int64_t *ms)
{
    int y, m, d;
    if (!s || strlen(s) != 10 || !parse_date(s, &y, &m, &d))
        return false;
    *ms = pd_days_from_civil(y, (unsigned)m, (unsigned)d) * 86400000 - (int64_t)offset_min * 60000;
    return true;
}

bool pd_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, hh, mi, ss, frac = 0;
    if (!s || strlen(s) < 20 || !parse_date(s, &y, &mo, &d))
        return false;
    if (s[10] != 'T' && s[10] != 't' && s[10] != ' ')
        return false;
    const char *p = s + 11;
    if (!digits(p, 2, &hh) || p[2] != ':' || !digits(p + 3, 2, &mi) || p[5] != ':' ||
        !digits(p + 6, 2, &ss))
        return false;
    if (hh > 23 || mi > 59 || ss > 59)
        return false;
    p += 8;
    if (*p == '.') {
        p++;
        int n = 0;
        while (*p >= '0' && *p <= '9') {
            if (n < 3)
                frac = frac * 10 + (*p - '0');
            n++;
            p++;
        }
        if (n == 0 || n > 9)
            return false;
        for (; n < 3; n++)
            frac *= 10;
    }
    int off = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (!digits(p + 1, 2, &oh) || p[3] != ':' || !digits(p + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        off = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return false;
    }
    if (*p)
        return false;
    int64_t days = pd_days_from_civil(y, (unsigned)mo, (unsigned)d);
    *ms = ((days * 86400 + hh * 3600 + mi * 60 + ss) - (int64_t)off * 60) * 1000 + frac;
    return true;
}
