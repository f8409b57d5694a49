/*
 * Per-request bump allocator. Everything a request handler allocates while it
 * decodes, decides and encodes comes from one arena, released in one call when
 * the response has been queued; nothing is freed object by object.
 *
 * Ownership: the arena owns every block it returns. Blocks stay valid until
 * pd_arena_reset() or pd_arena_free(). An arena has a byte limit: past it,
 * allocation returns NULL and the arena is marked overflowed, so the request
 * fails cleanly (413/500) instead of exhausting the server.
 * Thread safety: none; one arena belongs to one request at a time.
 */
#ifndef PD_UTIL_ARENA_H
#define PD_UTIL_ARENA_H

#include <stdbool.h>
#include <stddef.h>

struct pd_arena_chunk;

typedef struct pd_arena {
    struct pd_arena_chunk *head; /* newest chunk first; NULL when empty */
    size_t total;                /* bytes handed out since the last reset */
    size_t limit;                /* 0 = no limit */
    bool overflowed;             /* an allocation failed since the last reset */
} pd_arena;

/** Initialise an empty arena that will hand out at most @p limit bytes (0: no limit). */
void pd_arena_init(pd_arena *a, size_t limit);

/**
 * Allocate @p n bytes aligned for any type, zero-filled.
 * @return the block, or NULL when the limit is reached or memory is exhausted
 *         (then a->overflowed is set).
 */
void *pd_arena_alloc(pd_arena *a, size_t n);

/** Copy @p s (may be NULL → returns NULL) into the arena, NUL-terminated. */
char *pd_arena_strdup(pd_arena *a, const char *s);

/** Copy @p n bytes of @p s into the arena and NUL-terminate. */
char *pd_arena_strndup(pd_arena *a, const char *s, size_t n);

/** printf into the arena. @return the string or NULL on overflow. */
char *pd_arena_printf(pd_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/** Release every block but keep the first chunk for reuse. */
void pd_arena_reset(pd_arena *a);

/** Release everything. Safe on a zeroed or already freed arena. */
void pd_arena_free(pd_arena *a);

#endif
