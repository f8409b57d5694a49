/*
 * The prohibited/restricted goods index (see screening.h). Terms are bucketed
 * by a hash of their first character, so a check looks at each character of
 * the name once and compares only against the few terms that start with it:
 * no automaton, and fast enough for every keystroke. The TSV parser is here
 * too because its errors must name a line and column of the seed file; it
 * builds the same rows a store would supply.
 */
#include "core/screening.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/utf8.h"

#define NBUCKETS   256
#define MAX_CANDS  64
#define NAME_STACK 1024

struct term {
    char *key; /* lowercased term, what is matched */
    size_t len;
    char *term;
    char *category;
    char *condition;
    enum pd_goods_level level;
};

struct pd_screening {
    struct term *terms; /* sorted by bucket, then longest first */
    size_t n;
    size_t bucket_start[NBUCKETS + 1];
};

static size_t char_len(unsigned char c)
{
    if (c < 0x80)
        return 1;
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    return 2;
}

static unsigned bucket_of(const unsigned char *s, size_t avail)
{
    size_t n = char_len(s[0]);
    if (n > avail)
        n = avail;
    unsigned h = 0;
    for (size_t i = 0; i < n; i++)
        h = h * 31u + s[i];
    return h % NBUCKETS;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static char *dup_str(const char *s, bool to_lower)
{
    size_t n = strlen(s);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    for (size_t i = 0; i <= n; i++)
        d[i] = to_lower ? lower(s[i]) : s[i];
    return d;
}

const char *pd_goods_level_name(enum pd_goods_level level)
{
    return level == PD_GOODS_RESTRICTED ? "restricted" : "prohibited";
}

void pd_screening_free(struct pd_screening *idx)
{
    if (!idx)
        return;
    for (size_t i = 0; i < idx->n; i++) {
        free(idx->terms[i].key);
        free(idx->terms[i].term);
        free(idx->terms[i].category);
        free(idx->terms[i].condition);
    }
    free(idx->terms);
    free(idx);
}

size_t pd_screening_size(const struct pd_screening *idx)
{
    return idx ? idx->n : 0;
}

static pd_err row_error(struct pd_screening_error *err, size_t line, size_t col, const char *reason)
{
    if (err) {
        err->line = line;
        err->column = col;
        err->reason = reason;
    }
    return PD_E_GOODS_LIST_INVALID;
}

static bool text_ok(const char *s)
{
    return s && *s && pd_utf8_valid(s, strlen(s));
}

static int term_order(const void *a, const void *b)
{
    const struct term *x = a, *y = b;
    unsigned bx = bucket_of((const unsigned char *)x->key, x->len);
    unsigned by = bucket_of((const unsigned char *)y->key, y->len);
    if (bx != by)
        return bx < by ? -1 : 1;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    return strcmp(x->key, y->key);
}

pd_err pd_screening_new(const struct pd_goods_rule *rows, size_t n, struct pd_screening **out,
                        struct pd_screening_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct pd_goods_rule *r = &rows[i];
        if (!text_ok(r->term))
            return row_error(err, i + 1, 1, "empty term or invalid UTF-8");
        size_t tl = strlen(r->term);
        if (r->term[0] == ' ' || r->term[tl - 1] == ' ')
            return row_error(err, i + 1, 1, "term has surrounding spaces");
        if (!text_ok(r->category))
            return row_error(err, i + 1, 2, "empty category or invalid UTF-8");
        if (r->level != PD_GOODS_PROHIBITED && r->level != PD_GOODS_RESTRICTED)
            return row_error(err, i + 1, 3, "level must be prohibited or restricted");
        if (r->condition && *r->condition && !pd_utf8_valid(r->condition, strlen(r->condition)))
            return row_error(err, i + 1, 4, "condition is not valid UTF-8");
        if (r->level == PD_GOODS_RESTRICTED && !(r->condition && *r->condition))
            return row_error(err, i + 1, 4, "a restricted term needs a condition");
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(rows[j].term, r->term) == 0)
                return row_error(err, i + 1, 1, "duplicate term");
    }

    struct pd_screening *idx = calloc(1, sizeof *idx);
    if (!idx || (n && !(idx->terms = calloc(n, sizeof *idx->terms)))) {
        free(idx);
        return PD_E_INTERNAL;
    }
    for (size_t i = 0; i < n; i++) {
        struct term *t = &idx->terms[idx->n++];
        t->key = dup_str(rows[i].term, true);
        t->term = dup_str(rows[i].term, false);
        t->category = dup_str(rows[i].category, false);
        t->condition = dup_str(rows[i].condition ? rows[i].condition : "", false);
        t->level = rows[i].level;
        if (!t->key || !t->term || !t->category || !t->condition) {
            pd_screening_free(idx);
            return PD_E_INTERNAL;
        }
        t->len = strlen(t->key);
    }
    if (n)
        qsort(idx->terms, n, sizeof *idx->terms, term_order);
    size_t k = 0;
    for (unsigned b = 0; b <= NBUCKETS; b++) {
        while (k < n && bucket_of((const unsigned char *)idx->terms[k].key, idx->terms[k].len) < b)
            k++;
        idx->bucket_start[b] = k;
    }
    *out = idx;
    return PD_OK;
}

struct cand {
    const struct term *t;
    size_t pos;
};

static int cand_order(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->t->len != y->t->len)
        return x->t->len > y->t->len ? -1 : 1;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return 0;
}

size_t pd_screening_check(const struct pd_screening *idx, const char *name,
                          struct pd_goods_match *matches, size_t max)
{
    if (!idx || !name || !*name || idx->n == 0)
        return 0;
    size_t len = strlen(name);
    char stackbuf[NAME_STACK];
    char *buf = len < sizeof stackbuf ? stackbuf : malloc(len + 1);
    if (!buf)
        return 0;
    for (size_t i = 0; i <= len; i++)
        buf[i] = lower(name[i]);

    struct cand cands[MAX_CANDS];
    size_t nc = 0;
    const unsigned char *u = (const unsigned char *)buf;
    for (size_t i = 0; i < len && nc < MAX_CANDS; i++) {
        if ((u[i] & 0xC0) == 0x80) /* terms start on a character */
            continue;
        unsigned b = bucket_of(u + i, len - i);
        for (size_t k = idx->bucket_start[b]; k < idx->bucket_start[b + 1] && nc < MAX_CANDS; k++) {
            const struct term *t = &idx->terms[k];
            if (t->len <= len - i && memcmp(buf + i, t->key, t->len) == 0)
                cands[nc++] = (struct cand){t, i};
        }
    }
    if (buf != stackbuf)
        free(buf);
    qsort(cands, nc, sizeof *cands, cand_order);

    /* Longest first: keep an occurrence unless a kept longer one covers it. */
    size_t span_a[MAX_CANDS], span_b[MAX_CANDS], nspan = 0;
    const struct term *seen[MAX_CANDS];
    size_t found = 0;
    for (size_t c = 0; c < nc; c++) {
        size_t a = cands[c].pos, e = a + cands[c].t->len;
        bool covered = false;
        for (size_t s = 0; s < nspan && !covered; s++)
            covered = span_a[s] <= a && e <= span_b[s];
        if (covered)
            continue;
        span_a[nspan] = a;
        span_b[nspan++] = e;
        bool dup = false;
        for (size_t s = 0; s < found && !dup; s++)
            dup = seen[s] == cands[c].t;
        if (dup)
            continue;
        seen[found] = cands[c].t;
        if (found < max)
            matches[found] = (struct pd_goods_match){cands[c].t->term, cands[c].t->category,
                                                     cands[c].t->level, cands[c].t->condition, a};
        found++;
    }
    return found;
}

/* ---- TSV ---------------------------------------------------------------- */

static const char tsv_header[] = "term\tcategory\tlevel\tcondition\tnote";

pd_err pd_screening_parse_tsv(const char *text, size_t len, struct pd_screening **out,
                              struct pd_screening_error *err)
{
    *out = NULL;
    if (!pd_utf8_valid(text ? text : "", text ? len : 0))
        return row_error(err, 1, 0, "not valid UTF-8 (or contains NUL)");
    char *copy = malloc(len + 1);
    size_t cap = len / 8 + 4;
    struct pd_goods_rule *rows = malloc(cap * sizeof *rows);
    size_t *lines = malloc(cap * sizeof *lines);
    pd_err rc = PD_OK;
    if (!copy || !rows || !lines) {
        rc = PD_E_INTERNAL;
        goto done;
    }
    if (len)
        memcpy(copy, text, len);
    copy[len] = 0;

    size_t n = 0, lineno = 0;
    bool header_seen = false;
    char *p = copy, *end = copy + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        lineno++;
        *le = 0;
        if (le > p && le[-1] == '\r')
            le[-1] = 0;
        char *line = p;
        p = nl ? nl + 1 : end;
        if (line[0] == 0 || line[0] == '#')
            continue;
        if (!header_seen) {
            if (strcmp(line, tsv_header) != 0) {
                rc = row_error(err, lineno, 0,
                               "first line must be the header term/category/level/condition/note");
                goto done;
            }
            header_seen = true;
            continue;
        }
        char *f[5];
        size_t nf = 0;
        for (char *q = line;;) {
            if (nf == 5) {
                rc = row_error(err, lineno, 6, "too many columns (expected 5)");
                goto done;
            }
            f[nf++] = q;
            char *tab = strchr(q, '\t');
            if (!tab)
                break;
            *tab = 0;
            q = tab + 1;
        }
        if (nf != 5) {
            rc = row_error(err, lineno, nf + 1, "missing column (expected 5)");
            goto done;
        }
        enum pd_goods_level level;
        if (strcmp(f[2], "prohibited") == 0)
            level = PD_GOODS_PROHIBITED;
        else if (strcmp(f[2], "restricted") == 0)
            level = PD_GOODS_RESTRICTED;
        else {
            rc = row_error(err, lineno, 3, "level must be prohibited or restricted");
            goto done;
        }
        if (n == cap) {
            rc = PD_E_INTERNAL; /* cannot happen: a row takes at least 8 bytes */
            goto done;
        }
        rows[n] = (struct pd_goods_rule){f[0], f[1], level, f[3]};
        lines[n++] = lineno;
    }
    if (!header_seen) {
        rc = row_error(err, 1, 0, "missing header line");
        goto done;
    }
    rc = pd_screening_new(rows, n, out, err);
    if (rc == PD_E_GOODS_LIST_INVALID && err && err->line >= 1 && err->line <= n)
        err->line = lines[err->line - 1];
done:
    free(copy);
    free(rows);
    free(lines);
    return rc;
}
