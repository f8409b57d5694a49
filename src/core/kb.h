/*
 * The knowledge base (知识库, DOMAIN.md §7): article categories (kb.def),
 * statuses, and the two pure halves of Chinese search that both stores
 * share — splitting a query into terms, and cutting a highlighted snippet
 * out of an article's text. Matching and ranking are the store's (SQLite
 * FTS5 with the trigram tokenizer, PostgreSQL pg_trgm; docs/service-desk-
 * problems.md "Knowledge base").
 *
 * Terms. A query is split at white space (ASCII blanks and the ideographic
 * space U+3000); every term must occur in the article (title, tags or
 * body), ASCII letters compared without case. A trigram index needs three
 * characters to look a term up, so a term of one or two characters
 * (PD_KB_SHORT_CHARS) is matched by a LIKE scan instead: "运费" works, it
 * is only not indexed.
 *
 * Pure: no I/O, no allocation; strings returned are static, output goes to
 * caller-provided buffers.
 */
#ifndef PD_CORE_KB_H
#define PD_CORE_KB_H

#include <stdbool.h>
#include <stddef.h>

enum pd_kb_category {
#define PD_KB_CATEGORY(sym, name, zh, en) PD_KB_CAT_##sym,
#include "core/kb.def"
#undef PD_KB_CATEGORY
    PD_KB_CAT__COUNT
};

enum pd_kb_status { PD_KB_DRAFT, PD_KB_PUBLISHED };

/** Category names, index = enum, NULL-terminated (field-spec enums). */
extern const char *const pd_kb_category_names[];
/** "draft", "published", NULL. */
extern const char *const pd_kb_status_names[];
/** Chinese name of category @p c; "" when out of range. */
const char *pd_kb_category_zh(int c);

#define PD_KB_QUERY_CHARS 100 /* a whole query */
#define PD_KB_TERMS_MAX   8
#define PD_KB_TERM_CHARS  32
#define PD_KB_TERM_SIZE   (4 * PD_KB_TERM_CHARS + 1)
#define PD_KB_SHORT_CHARS 3 /* terms shorter than this are not looked up in the trigram index */

struct pd_kb_terms {
    int n;
    char term[PD_KB_TERMS_MAX][PD_KB_TERM_SIZE]; /* UTF-8, as typed (case kept) */
    int chars[PD_KB_TERMS_MAX];                  /* characters of each term */
};

enum pd_kb_query_status {
    PD_KB_QUERY_OK,
    PD_KB_QUERY_EMPTY,     /* nothing but white space */
    PD_KB_QUERY_TOO_LONG,  /* more than PD_KB_QUERY_CHARS characters */
    PD_KB_QUERY_TOO_MANY,  /* more than PD_KB_TERMS_MAX terms */
    PD_KB_QUERY_TERM_LONG, /* a term of more than PD_KB_TERM_CHARS characters */
    PD_KB_QUERY_UTF8,      /* not valid UTF-8 */
};

/**
 * Split @p q into terms (duplicates, compared ignoring ASCII case, kept
 * once, in the order typed).
 * @param[out] out filled on PD_KB_QUERY_OK (n >= 1).
 * @return PD_KB_QUERY_OK or the reason the query is refused.
 */
enum pd_kb_query_status pd_kb_terms_parse(const char *q, struct pd_kb_terms *out);

/** Whether term @p i is shorter than PD_KB_SHORT_CHARS (matched without the index). */
bool pd_kb_term_short(const struct pd_kb_terms *t, int i);

/**
 * A snippet of @p text around the first occurrence of any term: about
 * @p width characters, white space runs shown as one blank, "…" where text
 * was cut, HTML-escaped (&, <, >, ", ') with every occurrence of a term
 * inside wrapped in <mark>…</mark>. Text without any occurrence gives its
 * beginning. The result is safe to insert as HTML.
 * @param[out] out NUL-terminated; cut at a character boundary when @p cap is short.
 * @return the length written.
 */
size_t pd_kb_snippet(const char *text, const struct pd_kb_terms *t, int width, char *out,
                     size_t cap);

#endif
