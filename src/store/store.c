/*
 * The backend-neutral front of the store: pd_store_open() reads the scheme of
 * the database URL and hands over to the SQLite or PostgreSQL backend, and the
 * small pd_store_* wrappers forward to the operations table. Also the helpers
 * both backends share (text copy, path ranges, list limits, actor kinds). No
 * SQL lives here; see sqlite/ and pg/ for that.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>

#include "store/store_int.h"

void pd_store_options_default(struct pd_store_options *o)
{
    o->pool_size = 8;
    o->acquire_timeout_ms = 5000;
    o->busy_timeout_ms = 5000;
    o->cache_kib = 16384;
    o->mmap_bytes = 256L * 1024 * 1024;
}

/* Option ranges: wide enough for any real deployment, narrow enough that a
 * typo (a pool of 80000, a negative timeout) is refused at start-up. */
static bool options_valid(const struct pd_store_options *o, char err[256])
{
    if (o->pool_size < 1 || o->pool_size > 1000) {
        snprintf(err, 256, "database option pool_size must be 1..1000 (got %d)", o->pool_size);
        return false;
    }
    if (o->acquire_timeout_ms < 0 || o->acquire_timeout_ms > 600000) {
        snprintf(err, 256, "database option acquire_timeout_ms must be 0..600000 (got %d)",
                 o->acquire_timeout_ms);
        return false;
    }
    if (o->busy_timeout_ms < 0 || o->busy_timeout_ms > 600000) {
        snprintf(err, 256, "database option busy_timeout_ms must be 0..600000 (got %d)",
                 o->busy_timeout_ms);
        return false;
    }
    if (o->cache_kib < 0 || o->cache_kib > 64L * 1024 * 1024) {
        snprintf(err, 256, "database option cache_kib must be 0..67108864 (got %ld)", o->cache_kib);
        return false;
    }
    if (o->mmap_bytes < 0) {
        snprintf(err, 256, "database option mmap_bytes must not be negative (got %ld)",
                 o->mmap_bytes);
        return false;
    }
    return true;
}

pd_store *pd_store_open(const char *url, const struct pd_store_options *opts, char err[256])
{
    struct pd_store_options o;
    if (opts)
        o = *opts;
    else
        pd_store_options_default(&o);
    err[0] = '\0';
    if (!url || !*url) {
        snprintf(err, 256, "database URL is empty (expected sqlite:PATH or postgresql://…)");
        return NULL;
    }
    if (strlen(url) >= sizeof(((pd_store *)0)->url)) {
        snprintf(err, 256, "database URL is longer than %zu bytes",
                 sizeof(((pd_store *)0)->url) - 1);
        return NULL;
    }
    if (!options_valid(&o, err))
        return NULL;

    pd_store *st = NULL;
    if (strncmp(url, "sqlite:", 7) == 0) {
        const char *path = url + 7;
        if (!*path) {
            snprintf(err, 256, "database URL \"sqlite:\" names no file (expected sqlite:PATH)");
            return NULL;
        }
        st = pd__sqlite_open(path, &o, err);
    } else if (strncmp(url, "postgresql://", 13) == 0 || strncmp(url, "postgres://", 11) == 0) {
        st = pd__pg_open(url, &o, err);
    } else {
        /* Quote only the scheme: the rest may hold a password. */
        size_t n = strcspn(url, ":");
        snprintf(err, 256,
                 "database URL has unknown scheme \"%.*s\" (expected sqlite:PATH or "
                 "postgresql://…)",
                 (int)(n > 32 ? 32 : n), url);
        return NULL;
    }
    if (st)
        snprintf(st->url, sizeof st->url, "%s", url);
    return st;
}

void pd_store_close(pd_store *st)
{
    if (st)
        st->ops->close(st);
}

pd_db *pd_store_acquire(pd_store *st)
{
    return st->ops->acquire(st);
}

void pd_store_release(pd_store *st, pd_db *db)
{
    if (db)
        st->ops->release(st, db);
}

const char *pd_store_backend(const pd_store *st)
{
    return st->ops->backend;
}

bool pd_store_ping(pd_store *st)
{
    pd_db *db = st->ops->acquire(st);
    if (!db)
        return false;
    pd_qs qs = st->ops->ping(db);
    st->ops->release(st, db);
    return qs > 0;
}

void pd_store_stats(pd_store *st, struct pd_store_stats *out)
{
    memset(out, 0, sizeof *out);
    st->ops->stats(st, out);
}

const char *pd__db_last_error(pd_db *db)
{
    if (!db)
        return "";
    return strcmp(db->ops->backend, "sqlite") == 0 ? pd__sqlite_last_error(db)
                                                   : pd__pg_last_error(db);
}

void pd__copy_text(char *dst, size_t cap, const char *src)
{
    if (cap == 0)
        return;
    if (!src)
        src = "";
    size_t n = strlen(src);
    if (n >= cap) {
        n = cap - 1;
        /* Back up over continuation bytes so no character is cut in half. */
        while (n > 0 && ((unsigned char)src[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(dst, src, n);
    dst[n] = '\0';
}

bool pd__path_range(const char *prefix, char lo[PD_PATH_MAX], char hi[PD_PATH_MAX])
{
    if (!prefix || !*prefix)
        prefix = "/";
    size_t n = strlen(prefix);
    if (n >= PD_PATH_MAX)
        return false;
    memcpy(lo, prefix, n + 1);
    memcpy(hi, prefix, n + 1);
    hi[n - 1] = (char)(hi[n - 1] + 1);
    return true;
}

int pd__list_limit(int limit)
{
    if (limit <= 0)
        return PD_STORE_LIST_DEFAULT;
    return limit > PD_STORE_LIST_MAX ? PD_STORE_LIST_MAX : limit;
}

static const char *const actor_kinds[] = {"system", "user", "apikey", "public"};

const char *pd__actor_kind_name(enum pd_actor_kind k)
{
    return (unsigned)k < sizeof actor_kinds / sizeof *actor_kinds ? actor_kinds[k] : NULL;
}

bool pd__actor_kind_parse(const char *s, enum pd_actor_kind *out)
{
    for (size_t i = 0; s && i < sizeof actor_kinds / sizeof *actor_kinds; i++) {
        if (strcmp(s, actor_kinds[i]) == 0) {
            *out = (enum pd_actor_kind)i;
            return true;
        }
    }
    return false;
}
