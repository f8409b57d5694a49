/*
 * Phone number normalisation (see phone.h). The input is first reduced to a
 * token string of digits, '+', '-' (a group break: dash or bracket) and 'x'
 * (the extension mark 转); the rules then work on that string. Area codes
 * follow the national plan: 010 and 020-029 are three digits with the 0,
 * every other area code four. Local numbers start with 2-9.
 */
#include "core/phone.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define TOK_MAX 48

/* Reduce in to tokens. @return false on any character that has no place in
 * a phone number, or when it is too long to be one. */
static bool tokenise(const char *in, char *tok, size_t *len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = 0;
    while (*s) {
        char c = 0;
        size_t adv = 1;
        if (*s >= '0' && *s <= '9')
            c = (char)*s;
        else if (*s == ' ' || *s == '\t')
            c = 0;
        else if (*s == '-' || *s == '(' || *s == ')')
            c = '-';
        else if (*s == '+')
            c = '+';
        else if (s[0] == 0xE3 && s[1] == 0x80 && s[2] == 0x80) /* U+3000 */
            adv = 3;
        else if (s[0] == 0xEF && s[1] == 0xBC && s[2] >= 0x90 && s[2] <= 0x99) { /* ０-９ */
            c = (char)('0' + (s[2] - 0x90));
            adv = 3;
        } else if (s[0] == 0xEF && s[1] == 0xBC &&
                   (s[2] == 0x8D || s[2] == 0x88 || s[2] == 0x89)) { /* －（） */
            c = '-';
            adv = 3;
        } else if (s[0] == 0xE8 && s[1] == 0xBD && s[2] == 0xAC) { /* 转 */
            c = 'x';
            adv = 3;
        } else
            return false;
        if (c) {
            if (n + 1 >= TOK_MAX)
                return false;
            tok[n++] = c;
        }
        s += adv;
    }
    tok[n] = 0;
    *len = n;
    return true;
}

static size_t digits_only(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            out[k++] = s[i];
    out[k] = 0;
    return k;
}

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static bool is_mobile(const char *d, size_t n)
{
    return n == 11 && d[0] == '1' && d[1] >= '3' && d[1] <= '9';
}

/* Landline digits d (with the leading 0) split into area code length.
 * @return the area code length (3 or 4), or 0 when d is not a landline. */
static size_t landline_area(const char *d, size_t n)
{
    if (n < 2 || d[0] != '0' || d[1] == '0')
        return 0;
    size_t area = (d[1] == '1' || d[1] == '2') ? 3 : 4;
    size_t local = n > area ? n - area : 0;
    if (local < 7 || local > 8 || d[area] < '2')
        return 0;
    return area;
}

static pd_err bad(char *out, size_t n, enum pd_phone_kind *kind)
{
    if (out && n)
        out[0] = 0;
    if (kind)
        *kind = PD_PHONE_NONE;
    return PD_E_PHONE_INVALID;
}

pd_err pd_phone_normalise(const char *in, char *out, size_t n, enum pd_phone_kind *kind)
{
    char tok[TOK_MAX], d[TOK_MAX];
    size_t tn;
    if (!out || n < PD_PHONE_MAX || !in || !tokenise(in, tok, &tn) || tn == 0)
        return bad(out, n, kind);

    /* Split off an extension: "转123", or a third dash group on a landline. */
    const char *ext = NULL;
    size_t extn = 0, mainn = tn;
    char *x = memchr(tok, 'x', tn);
    if (x) {
        ext = x + 1;
        extn = tn - (size_t)(ext - tok);
        mainn = (size_t)(x - tok);
        while (extn && ext[0] == '-') /* "转-123" is still 123 */
            ext++, extn--;
        if (extn == 0 || !all_digits(ext, extn))
            return bad(out, n, kind);
    }

    /* Country prefix: +86, 0086 or 86 (the last only before a mobile). */
    const char *m = tok;
    while (mainn && m[0] == '-') /* "(+86) ..." */
        m++, mainn--;
    const char *start = m;
    if (mainn && m[0] == '+') {
        if (mainn < 3 || m[1] != '8' || m[2] != '6')
            return bad(out, n, kind);
        m += 3, mainn -= 3;
    }
    if (memchr(m, '+', mainn))
        return bad(out, n, kind);
    size_t dn = digits_only(m, mainn, d);
    bool intl = m != start;
    if (!intl && dn > 4 && memcmp(d, "0086", 4) == 0) {
        memmove(d, d + 4, dn - 3);
        dn -= 4;
        intl = true;
    } else if (!intl && dn == 13 && memcmp(d, "86", 2) == 0 && is_mobile(d + 2, 11)) {
        memmove(d, d + 2, 12);
        dn = 11;
    }

    if (is_mobile(d, dn)) {
        if (ext)
            return bad(out, n, kind);
        memcpy(out, d, 12);
        if (kind)
            *kind = PD_PHONE_MOBILE;
        return PD_OK;
    }

    /* Landline. From abroad it is written without the trunk 0: put it back. */
    if (intl) {
        if (dn + 2 > sizeof d || d[0] == '0')
            return bad(out, n, kind);
        memmove(d + 1, d, dn + 1);
        d[0] = '0';
        dn++;
    }
    size_t area = landline_area(d, dn);
    if (!area && !ext && !intl) {
        /* "0755-86001234-123": the last dash group may be the extension. */
        const char *last = memrchr(m, '-', mainn);
        size_t groups = 0; /* runs of digits */
        for (size_t i = 0; i < mainn; i++)
            groups += m[i] != '-' && (i == 0 || m[i - 1] == '-');
        if (last && groups >= 3) {
            size_t lastn = mainn - (size_t)(last + 1 - m);
            size_t dn2 = digits_only(m, (size_t)(last - m), d);
            area = landline_area(d, dn2);
            if (area && lastn > 0) {
                ext = last + 1;
                extn = lastn;
                dn = dn2;
            } else {
                area = 0;
            }
        }
    }
    if (!area || extn > 6)
        return bad(out, n, kind);
    int w = ext ? snprintf(out, n, "%.*s-%.*s-%.*s", (int)area, d, (int)(dn - area), d + area,
                           (int)extn, ext)
                : snprintf(out, n, "%.*s-%.*s", (int)area, d, (int)(dn - area), d + area);
    if (w < 0 || (size_t)w >= n)
        return bad(out, n, kind);
    if (kind)
        *kind = PD_PHONE_LANDLINE;
    return PD_OK;
}
