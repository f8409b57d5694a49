/*
 * Growable byte buffer on the heap, for responses written straight into
 * memory (JSON on hot paths, Prometheus text, CSV) and for request bodies.
 *
 * Ownership: the buffer owns data; pd_buf_free() releases it, pd_buf_steal()
 * hands it to the caller (who then free()s it). A failed allocation sets
 * `oom` and turns every later append into a no-op, so callers check once at
 * the end instead of after every append.
 * Thread safety: none.
 */
#ifndef PD_UTIL_BUF_H
#define PD_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct pd_buf {
    char *data; /* always NUL-terminated when non-NULL */
    size_t len;
    size_t cap;
    bool oom;
} pd_buf;

#define PD_BUF_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0, false                                                                          \
    }

void pd_buf_init(pd_buf *b);
/** Make room for @p extra more bytes. @return false (and oom) on failure. */
bool pd_buf_reserve(pd_buf *b, size_t extra);
/** pd_buf_append when the room is not there yet (grows, or notes oom). */
void pd__buf_append_grow(pd_buf *b, const void *p, size_t n);

/** Append @p n bytes of @p p. Inline: the hot writers append short pieces
 *  to a buffer reserved up front, where a call and a reserve check per
 *  piece were a visible share of the public look-up. */
static inline void pd_buf_append(pd_buf *b, const void *p, size_t n)
{
    if (b->len + n < b->cap && !b->oom) { /* < : room for the NUL too */
        if (n)                            /* p may be NULL when n is 0 */
            __builtin_memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
    } else {
        pd__buf_append_grow(b, p, n);
    }
}

/** Append a string literal, its length known at compile time (no strlen). */
#define pd_buf_lit(b, lit) pd_buf_append((b), "" lit, sizeof(lit) - 1)

void pd_buf_puts(pd_buf *b, const char *s);
void pd_buf_putc(pd_buf *b, char c);
void pd_buf_printf(pd_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Append a signed integer in decimal. */
void pd_buf_i64(pd_buf *b, int64_t v);
/** Append @p s (n bytes, assumed valid UTF-8) as a quoted JSON string. */
void pd_buf_json_str(pd_buf *b, const char *s, size_t n);
/** The inside of pd_buf_json_str, without the quotes: for a JSON string
 *  put together from pieces (escaping is byte by byte, so escaped pieces
 *  make the escaped whole). */
void pd_buf_json_chars(pd_buf *b, const char *s, size_t n);
/** Append @p s (NUL-terminated; NULL writes `null`) as a quoted JSON string. */
void pd_buf_json_cstr(pd_buf *b, const char *s);
/** Empty the buffer, keeping its memory. */
void pd_buf_reset(pd_buf *b);
/** Release the memory. Safe on a zeroed buffer. */
void pd_buf_free(pd_buf *b);
/** Take the data (caller free()s it); the buffer becomes empty. May return NULL. */
char *pd_buf_steal(pd_buf *b, size_t *len);

#endif
