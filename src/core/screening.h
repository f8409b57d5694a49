/*
 * Screening of goods names against the prohibited and restricted goods list
 * (禁寄/限寄物品). The list is data: the store holds the maintained copy and
 * data/prohibited_goods.tsv is its seed. An index is built once from rows
 * (or from TSV text) and then checked on every order and on every keystroke
 * of the console, so a check allocates nothing for names up to 1 KiB and does
 * no I/O. A built index is read-only: any number of threads may check it.
 */
#ifndef PD_CORE_SCREENING_H
#define PD_CORE_SCREENING_H

#include <stddef.h>

#include "core/errors.h"

enum pd_goods_level {
    PD_GOODS_PROHIBITED = 1, /* 禁寄: refuse */
    PD_GOODS_RESTRICTED = 2, /* 限寄: accept only under the condition */
};

/** One list entry. All strings are borrowed: the index copies what it keeps. */
struct pd_goods_rule {
    const char *term;     /* matched as a substring of the goods name; not NULL/empty */
    const char *category; /* e.g. "爆炸物品"; not NULL/empty */
    enum pd_goods_level level;
    const char *condition; /* for restricted: e.g. "每件不超过 100Wh"; may be NULL */
};

/** One hit. Strings point into the index and live as long as it does. */
struct pd_goods_match {
    const char *term;
    const char *category;
    enum pd_goods_level level;
    const char *condition; /* "" when there is none, never NULL */
    size_t offset;         /* byte offset of the first occurrence in the goods name */
};

struct pd_screening;

/** Error position from pd_screening_new / pd_screening_parse_tsv. */
struct pd_screening_error {
    size_t line;        /* 1-based TSV line, or 1-based row index for pd_screening_new */
    size_t column;      /* 1-based column: 1 term, 2 category, 3 level, 4 condition, 5 note;
                           0 when the whole line is at fault */
    const char *reason; /* static English text, e.g. "empty term" */
};

/**
 * Build an index from rows.
 * @param rows   @p n rules, borrowed; may be NULL when n == 0.
 * @param[out] out the new index, owned by the caller (pd_screening_free);
 *             NULL on failure.
 * @param[out] err where the first bad row is; may be NULL.
 * @return PD_OK; PD_E_GOODS_LIST_INVALID for an empty term or category, an
 *         unknown level, invalid UTF-8, a restricted row without condition, or
 *         a duplicate term (ASCII case-insensitive); PD_E_INTERNAL when out of
 *         memory.
 */
pd_err pd_screening_new(const struct pd_goods_rule *rows, size_t n, struct pd_screening **out,
                        struct pd_screening_error *err);

/**
 * Parse the TSV form (data/prohibited_goods.tsv) and build an index.
 * Format: UTF-8; lines starting with '#' and blank lines are ignored; the
 * first other line is the header "term\tcategory\tlevel\tcondition\tnote";
 * each row has exactly those five tab-separated columns; level is
 * "prohibited" or "restricted".
 * @param text @p len bytes, borrowed (need not be NUL-terminated).
 * @param[out] out as for pd_screening_new.
 * @param[out] err line and column of the first error; may be NULL.
 * @return PD_OK or PD_E_GOODS_LIST_INVALID.
 */
pd_err pd_screening_parse_tsv(const char *text, size_t len, struct pd_screening **out,
                              struct pd_screening_error *err);

/** Free an index. NULL is a no-op. */
void pd_screening_free(struct pd_screening *idx);

/** Number of terms in the index. */
size_t pd_screening_size(const struct pd_screening *idx);

/**
 * Find the list's terms in a goods name (substring match, ASCII letters
 * case-insensitive). Each term is reported once, longest terms first (then by
 * position); an occurrence lying wholly inside an occurrence of a longer
 * matched term is not reported ("酒" inside "酒精").
 * @param name the goods name (NUL-terminated); NULL or "" matches nothing.
 * @param[out] matches room for @p max hits; may be NULL when max == 0.
 * @return the number of hits found; at most @p max of them are written.
 */
size_t pd_screening_check(const struct pd_screening *idx, const char *name,
                          struct pd_goods_match *matches, size_t max);

/** "prohibited" / "restricted" (static). */
const char *pd_goods_level_name(enum pd_goods_level level);

#endif
