/*
 * Bump allocator in chunks of at least 8 KiB. Large requests get a chunk of
 * their own. Reset keeps one chunk so a keep-alive connection's next request
 * usually allocates nothing from malloc.
 */
#include "util/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_MIN 8192
#define ALIGN     16

struct pd_arena_chunk {
    struct pd_arena_chunk *next;
    size_t size; /* usable bytes in data[] */
    size_t used;
    _Alignas(ALIGN) unsigned char data[];
};

void pd_arena_init(pd_arena *a, size_t limit)
{
    a->head = NULL;
    a->total = 0;
    a->limit = limit;
    a->overflowed = false;
}

void *pd_arena_alloc(pd_arena *a, size_t n)
{
    if (n == 0)
        n = 1;
    size_t need = (n + (ALIGN - 1)) & ~(size_t)(ALIGN - 1);
    if (need < n || (a->limit && a->total + need > a->limit)) {
        a->overflowed = true;
        return NULL;
    }
    struct pd_arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > CHUNK_MIN ? need : CHUNK_MIN;
        c = malloc(sizeof(*c) + size);
        if (!c) {
            a->overflowed = true;
            return NULL;
        }
        c->size = size;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += need;
    a->total += need;
    memset(p, 0, n);
    return p;
}

char *pd_arena_strndup(pd_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = pd_arena_alloc(a, n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *pd_arena_strdup(pd_arena *a, const char *s)
{
    return s ? pd_arena_strndup(a, s, strlen(s)) : NULL;
}

char *pd_arena_printf(pd_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *d = pd_arena_alloc(a, (size_t)n + 1);
    if (!d)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(d, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return d;
}

void pd_arena_reset(pd_arena *a)
{
    struct pd_arena_chunk *keep = NULL;
    struct pd_arena_chunk *c = a->head;
    while (c) {
        struct pd_arena_chunk *next = c->next;
        /* Keep the oldest standard-size chunk; free the rest. */
        if (!next && c->size == CHUNK_MIN) {
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep)
        keep->used = 0;
    a->head = keep;
    a->total = 0;
    a->overflowed = false;
}

void pd_arena_free(pd_arena *a)
{
    struct pd_arena_chunk *c = a->head;
    while (c) {
        struct pd_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
    a->overflowed = false;
}
