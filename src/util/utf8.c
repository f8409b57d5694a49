/* UTF-8 validation after RFC 3629 §4 (the well-formed byte sequences table). */
#include "util/utf8.h"

#include <string.h>

bool pd_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned char lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) {
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF) {
            len = 3;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F; /* no surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            len = 4;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k < len; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += len;
    }
    return true;
}

/* Length of the valid sequence starting at s[0] (s has n > 0 bytes), or 0. */
static size_t seq_len(const unsigned char *s, size_t n)
{
    for (size_t len = 1; len <= 4 && len <= n; len++)
        if (pd_utf8_valid((const char *)s, len))
            return len;
    return 0;
}

char *pd_utf8_copy(char *dst, size_t n, const char *src)
{
    if (!n)
        return dst;
    const unsigned char *s = (const unsigned char *)(src ? src : "");
    size_t left = strlen((const char *)s), o = 0;
    while (left) {
        size_t len = seq_len(s, left);
        if (o + (len ? len : 1) > n - 1)
            break;
        if (len) {
            memcpy(dst + o, s, len);
            o += len;
        } else {
            dst[o++] = '?';
            len = 1;
        }
        s += len;
        left -= len;
    }
    dst[o] = '\0';
    return dst;
}

size_t pd_utf8_chars(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t count = 0;
    for (size_t i = 0; i < n; i++)
        if ((s[i] & 0xC0) != 0x80)
            count++;
    return count;
}
