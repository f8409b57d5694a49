/*
 * The network's nodes as the hot paths use them: an in-memory map from node
 * code to id, path, name, type and service areas, so that scan ingestion
 * checks hundreds of node codes per batch and the tracking builder names
 * every node of a timeline without a query each. It is a reference-counted
 * snapshot shared by every request thread, rebuilt from the store at once
 * after a change in this process (pd_node_cache_reload), lazily at most
 * every check interval otherwise (nodes have no change stamp, so the lazy
 * check reloads them all), and on demand when a code is missing
 * (pd_node_cache_refresh_missing, at most once a second), so that a node
 * created by another server is usable before the interval has passed.
 *
 * Ownership: pd_node_cache_open() returns the cache, freed with
 * pd_node_cache_free() once no thread holds a snapshot. Every acquire is
 * paired with one release of the snapshot it handed out; pointers into a
 * snapshot (pd_node_entry) are valid until that release.
 * Thread safety: every function but open and free may be called from any
 * number of threads at once.
 */
#ifndef PD_HTTP_NODE_CACHE_H
#define PD_HTTP_NODE_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/org.h"
#include "store/store.h"

struct pd_node_cache;
struct pd_node_snapshot;

/** How often a server reloads the nodes when nothing told it to (ms). */
#define PD_NODE_CHECK_MS 10000

/** One node of a snapshot. Strings are NUL-terminated and never NULL. */
struct pd_node_entry {
    int64_t id;
    char code[PD_CODE_MAX];
    char name[PD_NAME_MAX];
    char path[PD_PATH_MAX];
    enum pd_node_type type;
    bool active;
    int n_areas;
    const char (*areas)[8]; /* GB/T 2260 codes of 2, 4 or 6 digits, as stored */
};

/**
 * Load every node and its areas from @p store.
 * @param store borrowed; must outlive the cache.
 * @param check_ms the lazy reload interval (PD_NODE_CHECK_MS; tests use less).
 * @param[out] err the reason on failure (256 bytes).
 * @return the cache, or NULL.
 */
struct pd_node_cache *pd_node_cache_open(pd_store *store, int64_t check_ms, char err[256]);

/** Free the cache and its snapshot. Every snapshot must have been released. NULL is a no-op. */
void pd_node_cache_free(struct pd_node_cache *nc);

/**
 * The current snapshot, valid until pd_node_cache_release(@p nc, it). May
 * first reload (at most once per check interval, one thread at a time, the
 * others keep the snapshot they have); it is safe inside the caller's
 * transaction: it reads on the thread's SQLite connection or a pooled
 * PostgreSQL one, without a transaction of its own. A failed reload keeps
 * the snapshot. Never NULL, except for a NULL @p nc (then every look-up
 * in it finds nothing).
 */
const struct pd_node_snapshot *pd_node_cache_acquire(struct pd_node_cache *nc);

/** Hand back what pd_node_cache_acquire gave. NULL is a no-op. */
void pd_node_cache_release(struct pd_node_cache *nc, const struct pd_node_snapshot *s);

/** The node with @p code in @p s, or NULL (also for NULL or ""). Borrowed from @p s. */
const struct pd_node_entry *pd_node_snapshot_find(const struct pd_node_snapshot *s,
                                                  const char *code);

/** Number of nodes in @p s. */
size_t pd_node_snapshot_size(const struct pd_node_snapshot *s);

/**
 * Whether node @p n is in the city @p city (the first four digits of a
 * GB/T 2260 district code, e.g. 3101): one of its areas is that city or a
 * district of it, or — for the four municipalities (11, 12, 31, 50), where
 * the province is the city — the province itself. A province area of any
 * other province covers many cities and does not count.
 */
bool pd_node_serves_city(const struct pd_node_entry *n, int32_t city);

/**
 * Reload from the store now, whatever the interval says: call it after a
 * committed change of a node or its areas, outside any transaction.
 * @return false when the store could not be read (logged); the old
 *         snapshot then stays.
 */
bool pd_node_cache_reload(struct pd_node_cache *nc);

/**
 * A code was not found: reload unless the snapshot is younger than a
 * second or another thread is reloading now. Safe inside the caller's
 * transaction, like acquire. @return true when a newer snapshot is current
 * (acquire again to see it).
 */
bool pd_node_cache_refresh_missing(struct pd_node_cache *nc);

#endif
