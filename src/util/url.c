/* Percent-decoding; see url.h. */
#include "util/url.h"

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* The byte an escape at s[i] stands for, or -1 when it is malformed or %00. */
static int escape_at(const char *s, size_t n, size_t i)
{
    if (i + 2 >= n)
        return -1;
    int hi = hexval(s[i + 1]), lo = hexval(s[i + 2]);
    if (hi < 0 || lo < 0 || (hi | lo) == 0)
        return -1;
    return hi * 16 + lo;
}

bool pd_url_escapes_ok(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%')
            continue;
        if (escape_at(s, n, i) < 0)
            return false;
        i += 2;
    }
    return true;
}

char *pd_url_decode(pd_arena *a, const char *s, size_t n)
{
    char *d = pd_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '%') {
            d[o++] = s[i];
            continue;
        }
        int c = escape_at(s, n, i);
        if (c < 0)
            return NULL;
        d[o++] = (char)c;
        i += 2;
    }
    d[o] = '\0';
    return d;
}
