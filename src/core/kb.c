/* Knowledge-base vocabularies and the pure halves of search (kb.h): the
 * query's terms and the highlighted snippet. The snippet is built here, not
 * by the database, so that SQLite and PostgreSQL answer with the same text
 * (FTS5's snippet() works on trigram tokens and pg_trgm has none), and so
 * that the one place escaping HTML is this file. */
#include "core/kb.h"

#include <string.h>

#include "util/utf8.h"

const char *const pd_kb_category_names[] = {
#define PD_KB_CATEGORY(sym, name, zh, en) name,
#include "core/kb.def"
#undef PD_KB_CATEGORY
    NULL,
};

static const char *const category_zh[] = {
#define PD_KB_CATEGORY(sym, name, zh, en) zh,
#include "core/kb.def"
#undef PD_KB_CATEGORY
};

const char *const pd_kb_status_names[] = {
    [PD_KB_DRAFT] = "draft", [PD_KB_PUBLISHED] = "published", NULL};

const char *pd_kb_category_zh(int c)
{
    return c >= 0 && c < PD_KB_CAT__COUNT ? category_zh[c] : "";
}

/* Bytes of the white space at @p s (ASCII blank or U+3000), 0 when none. */
static size_t space_at(const char *s)
{
    if (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\f' || *s == '\v')
        return 1;
    if ((unsigned char)s[0] == 0xE3 && (unsigned char)s[1] == 0x80 && (unsigned char)s[2] == 0x80)
        return 3;
    return 0;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether @p s starts with @p term (n bytes), ASCII letters without case. */
static bool starts_with(const char *s, const char *term, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i] || lower(s[i]) != lower(term[i]))
            return false;
    return true;
}

/* Bytes of the UTF-8 character starting at @p s (1 for a stray byte). */
static size_t char_len(const char *s)
{
    unsigned char c = (unsigned char)*s;
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    for (size_t i = 1; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            return 1;
    return n;
}

enum pd_kb_query_status pd_kb_terms_parse(const char *q, struct pd_kb_terms *out)
{
    memset(out, 0, sizeof *out);
    if (!q)
        return PD_KB_QUERY_EMPTY;
    size_t len = strlen(q);
    if (!pd_utf8_valid(q, len))
        return PD_KB_QUERY_UTF8;
    if (pd_utf8_chars(q, len) > PD_KB_QUERY_CHARS)
        return PD_KB_QUERY_TOO_LONG;
    const char *p = q;
    while (*p) {
        size_t sp;
        while ((sp = space_at(p)) > 0)
            p += sp;
        if (!*p)
            break;
        const char *start = p;
        while (*p && !space_at(p))
            p += char_len(p);
        size_t n = (size_t)(p - start);
        int chars = (int)pd_utf8_chars(start, n);
        if (chars > PD_KB_TERM_CHARS)
            return PD_KB_QUERY_TERM_LONG;
        bool dup = false;
        for (int i = 0; i < out->n && !dup; i++)
            dup = strlen(out->term[i]) == n && starts_with(out->term[i], start, n);
        if (dup)
            continue;
        if (out->n == PD_KB_TERMS_MAX)
            return PD_KB_QUERY_TOO_MANY;
        memcpy(out->term[out->n], start, n);
        out->term[out->n][n] = '\0';
        out->chars[out->n] = chars;
        out->n++;
    }
    return out->n ? PD_KB_QUERY_OK : PD_KB_QUERY_EMPTY;
}

bool pd_kb_term_short(const struct pd_kb_terms *t, int i)
{
    return i >= 0 && i < t->n && t->chars[i] < PD_KB_SHORT_CHARS;
}

/* The longest term matching at @p s: its length in bytes, 0 when none. */
static size_t term_at(const char *s, const struct pd_kb_terms *t)
{
    size_t best = 0;
    for (int i = 0; i < t->n; i++) {
        size_t n = strlen(t->term[i]);
        if (n > best && starts_with(s, t->term[i], n))
            best = n;
    }
    return best;
}

struct out {
    char *p;
    size_t cap, len;
    bool full;
};

/* Append @p n bytes, or mark the output full (and append nothing). */
static bool put(struct out *o, const char *s, size_t n)
{
    if (o->full || o->len + n + 1 > o->cap) {
        o->full = true;
        return false;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
    o->p[o->len] = '\0';
    return true;
}

/* The escaped form of one character (1..4 bytes at @p s). */
static const char *escaped(const char *s, size_t n, size_t *out_n)
{
    if (n == 1) {
        switch (*s) {
        case '&':
            *out_n = 5;
            return "&amp;";
        case '<':
            *out_n = 4;
            return "&lt;";
        case '>':
            *out_n = 4;
            return "&gt;";
        case '"':
            *out_n = 6;
            return "&quot;";
        case '\'':
            *out_n = 5;
            return "&#39;";
        default:
            break;
        }
    }
    *out_n = n;
    return s;
}

/* Bytes of the escaped text s[0..n) (white space as one blank). */
static size_t escaped_len(const char *s, size_t n)
{
    size_t total = 0;
    for (size_t i = 0; i < n;) {
        size_t c = char_len(s + i), e;
        escaped(s + i, c, &e);
        total += space_at(s + i) ? 1 : e;
        i += c;
    }
    return total;
}

/* Append s[0..n) escaped, white space runs as one blank. */
static bool put_text(struct out *o, const char *s, size_t n, bool *last_space)
{
    for (size_t i = 0; i < n;) {
        size_t sp = space_at(s + i);
        if (sp) {
            if (!*last_space && !put(o, " ", 1))
                return false;
            *last_space = true;
            i += sp;
            continue;
        }
        size_t c = char_len(s + i), e;
        const char *x = escaped(s + i, c, &e);
        if (!put(o, x, e))
            return false;
        *last_space = false;
        i += c;
    }
    return true;
}

size_t pd_kb_snippet(const char *text, const struct pd_kb_terms *t, int width, char *out,
                     size_t cap)
{
    if (!cap)
        return 0;
    out[0] = '\0';
    if (!text)
        return 0;
    struct out o = {.p = out, .cap = cap};
    /* Where the first term occurs (byte offset), or the start. */
    const char *first = NULL;
    for (const char *s = text; *s && !first; s += char_len(s))
        if (term_at(s, t))
            first = s;
    /* Start a quarter of the width before it, at a character boundary. */
    const char *start = text;
    if (first) {
        int back = width / 4;
        const char *s = first;
        while (s > text && back > 0) {
            s--;
            while (s > text && ((unsigned char)*s & 0xC0) == 0x80)
                s--;
            back--;
        }
        start = s;
    }
    while (space_at(start))
        start += space_at(start);
    if (start > text)
        put(&o, "…", strlen("…"));
    bool last_space = false;
    int chars = 0;
    const char *s = start;
    while (*s && chars < width && !o.full) {
        size_t m = term_at(s, t);
        if (m) {
            /* A mark goes out whole or not at all, so the HTML stays balanced. */
            size_t need = 6 + escaped_len(s, m) + 7;
            if (o.len + need + 1 > o.cap) {
                o.full = true;
                break;
            }
            put(&o, "<mark>", 6);
            put_text(&o, s, m, &last_space);
            put(&o, "</mark>", 7);
            last_space = false;
            chars += (int)pd_utf8_chars(s, m);
            s += m;
            continue;
        }
        size_t c = space_at(s) ? space_at(s) : char_len(s);
        if (!put_text(&o, s, c, &last_space))
            break;
        chars++;
        s += c;
    }
    while (*s && space_at(s))
        s += space_at(s);
    if (*s && !o.full)
        put(&o, "…", strlen("…"));
    return o.len;
}
