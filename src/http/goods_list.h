/*
 * The prohibited/restricted goods list (禁寄/限寄物品) as the server uses it:
 * an in-memory screening index (core/screening.h) built from the active
 * rules in the store, shared by every request thread as a reference-counted
 * snapshot, and rebuilt when the list changes — at once after an edit in
 * this process (pd_goods_list_reload), and within a check interval after an
 * edit by another process sharing the database (the store's list stamp is
 * compared lazily on acquire, by one thread at a time; the others go on with
 * the snapshot they have). A snapshot is freed when the last request using
 * it releases it, so a rebuild never pulls an index from under a check.
 *
 * The database is the list; <data_dir>/prohibited_goods.tsv is only its
 * seed, read when the list is empty (a fresh database).
 *
 * Ownership: pd_goods_list_open() returns the object, freed with
 * pd_goods_list_free() once no thread uses it. Every acquire is paired with
 * one release of the ticket it handed out.
 * Thread safety: every function but open and free may be called from any
 * number of threads at once.
 */
#ifndef PD_HTTP_GOODS_LIST_H
#define PD_HTTP_GOODS_LIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/errors.h"
#include "core/screening.h"
#include "store/store.h"
#include "util/arena.h"

struct pd_goods_list;

/** How often a server compares its index with the store's stamp (ms). */
#define PD_GOODS_CHECK_MS 10000

/**
 * Load the list from @p store, first seeding an empty list from the TSV file
 * @p seed_path (one transaction; terms another server inserted meanwhile are
 * left alone). The file is not read when the list has rules.
 * @param store borrowed; must outlive the list.
 * @param check_ms the stamp check interval (PD_GOODS_CHECK_MS; tests use less).
 * @param[out] err the reason on failure (256 bytes): the database, or the
 *             seed file's line and column at fault.
 * @return the list, or NULL.
 */
struct pd_goods_list *pd_goods_list_open(pd_store *store, const char *seed_path, int64_t check_ms,
                                         char err[256]);

/** Free the list and its snapshot. Every ticket must have been released. NULL is a no-op. */
void pd_goods_list_free(struct pd_goods_list *gl);

/**
 * The current index, valid until pd_goods_list_release(@p gl, *@p ticket).
 * May first compare the store's stamp (at most once per check interval,
 * one thread at a time) and rebuild; it is safe to call inside the caller's
 * transaction: the stamp is read without one, on the thread's SQLite
 * connection or a pooled PostgreSQL one. A failed check keeps the snapshot.
 * @param[out] ticket what to hand back to release.
 * @return the index; never NULL (an empty list is an empty index).
 */
const struct pd_screening *pd_goods_list_acquire(struct pd_goods_list *gl, void **ticket);

/** Hand back what pd_goods_list_acquire gave. */
void pd_goods_list_release(struct pd_goods_list *gl, void *ticket);

/**
 * Screen @p name against the current index (acquire, check, release): as
 * pd_screening_check, with the strings of the hits copied into @p arena so
 * they outlive the snapshot. A hit whose copy did not fit the arena has ""
 * for its strings (its level and offset stay right).
 */
size_t pd_goods_list_check(struct pd_goods_list *gl, const char *name,
                           struct pd_goods_match *matches, size_t max, pd_arena *arena);

/**
 * Rebuild from the store now, whatever the stamp says: call it after a
 * committed edit, outside any transaction, so that the next order sees the
 * change. @return false when the store could not be read or its rules do
 * not build (logged); the old snapshot then stays.
 */
bool pd_goods_list_reload(struct pd_goods_list *gl);

/** The stamp version the current snapshot was built from, and its number of active terms. */
void pd_goods_list_info(struct pd_goods_list *gl, int64_t *version, size_t *terms);

/**
 * Check one rule as the API and the seed accept it: term 1..50 characters
 * with no control characters, no surrounding spaces and not a single ASCII
 * character; category 1..32 characters; level known; condition up to 200
 * characters and required (not blank) for a restricted term; note up to 200
 * characters. Text must be valid UTF-8.
 * @param[out] field "term", "category", "level", "condition" or "note" on failure.
 * @param[out] detail static English text on failure.
 * @return PD_OK, or the error to report (json.too_long, json.missing, …).
 */
pd_err pd_goods_rule_validate(const char *term, const char *category, int level,
                              const char *condition, const char *note, const char **field,
                              const char **detail);

#endif
