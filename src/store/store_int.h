/*
 * Internals shared by store.c, migrate.c and the two backends; nothing
 * outside src/store includes this header.
 *
 * List callbacks (pd_node_cb, pd_user_cb, …): a callback returns 0 (or any
 * positive value) to go on; a negative value stops the listing, and the list
 * operation then returns that value as its pd_qs (so a callback that runs
 * out of memory returns PD_QS_HARD and the transaction rolls back).
 */
#ifndef PD_STORE_STORE_INT_H
#define PD_STORE_STORE_INT_H

#include "store/store.h"

/* Batch limits for the list operations: a filter's limit <= 0 means the
 * default, anything above the maximum is clamped. */
#define PD_STORE_LIST_DEFAULT 100
#define PD_STORE_LIST_MAX     1000

/**
 * Open the SQLite backend on the file @p path (already stripped of "sqlite:").
 * @param opts validated options (never NULL).
 * @param[out] err reason on failure (256 bytes).
 * @return a store the caller frees through its ops->close, or NULL.
 */
pd_store *pd__sqlite_open(const char *path, const struct pd_store_options *opts, char err[256]);

/** Open the PostgreSQL backend on the libpq URL @p url; as pd__sqlite_open. */
pd_store *pd__pg_open(const char *url, const struct pd_store_options *opts, char err[256]);

/**
 * The database's message for the last failure on @p db ("" when none).
 * Owned by the connection; valid until the next operation on it.
 */
const char *pd__sqlite_last_error(pd_db *db);
const char *pd__pg_last_error(pd_db *db);
/** Dispatches on the backend of @p db. */
const char *pd__db_last_error(pd_db *db);

/**
 * Copy NUL-terminated @p src (NULL reads as "") into dst[cap], cutting at a
 * UTF-8 character boundary when it does not fit, so a truncated display name
 * is still valid UTF-8.
 */
void pd__copy_text(char *dst, size_t cap, const char *src);

/**
 * The exclusive upper bound of the byte range of strings starting with
 * @p prefix: the prefix with its last byte incremented ("/1/4/" → "/1/40",
 * '/' being 0x2F and '0' 0x30). Paths and their prefixes are ASCII, so the
 * last byte is never 0xFF. An empty or NULL prefix becomes "/" (everything).
 * @param[out] lo the lower bound (the prefix itself), PD_PATH_MAX bytes.
 * @param[out] hi the upper bound, PD_PATH_MAX bytes.
 * @return false when the prefix does not fit PD_PATH_MAX.
 */
bool pd__path_range(const char *prefix, char lo[PD_PATH_MAX], char hi[PD_PATH_MAX]);

/** Clamp a list limit to 1..PD_STORE_LIST_MAX (<= 0 → PD_STORE_LIST_DEFAULT). */
int pd__list_limit(int limit);

/** "system", "user", "apikey", "public"; NULL for a value out of range. */
const char *pd__actor_kind_name(enum pd_actor_kind k);
/** @return false when @p s names no actor kind. */
bool pd__actor_kind_parse(const char *s, enum pd_actor_kind *out);

#endif
