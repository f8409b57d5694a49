/* Growable buffer; see buf.h for the ownership and out-of-memory rules. */
#include "util/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void pd_buf_init(pd_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->oom = false;
}

bool pd_buf_reserve(pd_buf *b, size_t extra)
{
    if (b->oom)
        return false;
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) {
        if (cap > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        cap *= 2;
    }
    char *d = realloc(b->data, cap);
    if (!d) {
        b->oom = true;
        return false;
    }
    b->data = d;
    b->cap = cap;
    return true;
}

void pd__buf_append_grow(pd_buf *b, const void *p, size_t n)
{
    if (!pd_buf_reserve(b, n))
        return;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void pd_buf_puts(pd_buf *b, const char *s)
{
    pd_buf_append(b, s, strlen(s));
}

void pd_buf_putc(pd_buf *b, char c)
{
    pd_buf_append(b, &c, 1);
}

void pd_buf_printf(pd_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !pd_buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void pd_buf_i64(pd_buf *b, int64_t v)
{
    char tmp[24];
    char *p = tmp + sizeof(tmp);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    pd_buf_append(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* Bytes a JSON string cannot hold as they are: the quote, the backslash and
 * the controls. One test per byte and one copy per clean run: this writes
 * every string of every tracking answer on the public hot path. */
static inline bool json_special(unsigned char c)
{
    return c < 0x20 || c == '"' || c == '\\';
}

#define ONES  0x0101010101010101ull
#define HIGHS 0x8080808080808080ull

/* Eight bytes at once: non-zero when one of them may be special. The
 * "has a byte below k" test ((v - k) & ~v & HIGHS) is exact for the lowest
 * such byte and can only err on bytes above a true one, so a zero answer
 * is exact and a non-zero one is settled byte by byte. Bytes of 0x80 and
 * above (UTF-8) never count. */
static inline uint64_t json_special8(const char *s)
{
    uint64_t v;
    memcpy(&v, s, 8);
    uint64_t q = v ^ (ONES * '"'), bs = v ^ (ONES * '\\');
    return ((v - ONES * 0x20) | (q - ONES) | (bs - ONES)) & ~v & HIGHS;
}

void pd_buf_json_chars(pd_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = 0, i = 0;
    for (;;) {
        while (i + 8 <= n && !json_special8(s + i))
            i += 8;
        if (i >= n)
            break;
        unsigned char c = (unsigned char)s[i++];
        if (!json_special(c))
            continue;
        pd_buf_append(b, s + start, i - 1 - start);
        start = i;
        switch (c) {
        case '"':
            pd_buf_append(b, "\\\"", 2);
            break;
        case '\\':
            pd_buf_append(b, "\\\\", 2);
            break;
        case '\n':
            pd_buf_append(b, "\\n", 2);
            break;
        case '\r':
            pd_buf_append(b, "\\r", 2);
            break;
        case '\t':
            pd_buf_append(b, "\\t", 2);
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            pd_buf_append(b, u, 6);
        }
        }
    }
    pd_buf_append(b, s + start, n - start);
}

void pd_buf_json_str(pd_buf *b, const char *s, size_t n)
{
    if (!pd_buf_reserve(b, n + 2))
        return;
    b->data[b->len++] = '"';
    pd_buf_json_chars(b, s, n);
    pd_buf_putc(b, '"');
}

void pd_buf_json_cstr(pd_buf *b, const char *s)
{
    if (!s)
        pd_buf_puts(b, "null");
    else
        pd_buf_json_str(b, s, strlen(s));
}

void pd_buf_reset(pd_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
    b->oom = false;
}

void pd_buf_free(pd_buf *b)
{
    free(b->data);
    pd_buf_init(b);
}

char *pd_buf_steal(pd_buf *b, size_t *len)
{
    char *d = b->data;
    if (len)
        *len = b->len;
    pd_buf_init(b);
    return d;
}
