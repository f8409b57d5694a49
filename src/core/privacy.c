/* Masking rules; see privacy.h. */
#include "core/privacy.h"

#include <string.h>

char *pd_mask_phone(const char *phone, char *out, size_t n)
{
    if (!n)
        return out;
    size_t len = phone ? strlen(phone) : 0;
    if (len + 1 > n)
        len = n - 1;
    size_t keep_head = len > 7 ? 3 : 0;
    size_t keep_tail = len > 7 ? 4 : (len > 2 ? 2 : len);
    for (size_t i = 0; i < len; i++) {
        char c = phone[i];
        bool digit = c >= '0' && c <= '9';
        out[i] = (i < keep_head || i >= len - keep_tail || !digit) ? c : '*';
    }
    out[len] = '\0';
    return out;
}

char *pd_mask_name(const char *name, char *out, size_t n)
{
    if (!n)
        return out;
    out[0] = '\0';
    if (!name || !*name)
        return out;
    const unsigned char *s = (const unsigned char *)name;
    size_t first = 1;
    while (s[first] && (s[first] & 0xC0) == 0x80)
        first++;
    size_t rest = 0;
    for (size_t i = first; s[i]; i++)
        if ((s[i] & 0xC0) != 0x80)
            rest++;
    if (rest > 3)
        rest = 3;
    if (first + rest + 1 > n)
        return out;
    memcpy(out, name, first);
    memset(out + first, '*', rest);
    out[first + rest] = '\0';
    return out;
}
