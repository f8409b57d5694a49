/*
 * The scan writer: one thread that runs the scan batches of every request
 * in shared transactions (group commit) on one connection of its own, and
 * on SQLite also the projector of the scan log.
 *
 * Why (docs/tracking.md, "Ingestion"): SQLite has one writer at a time, and
 * a connection's page cache is discarded whenever another connection has
 * written, so request threads taking turns as the writer each began with a
 * cold cache and read back through the WAL the very pages the previous
 * batch had just written. One writer connection keeps its cache warm; one
 * commit for the batches that arrived while the last one was committing
 * writes each shared page once. On PostgreSQL it saves a commit (a WAL
 * flush) per batch.
 *
 * Two ways to store a batch:
 *  - pd_ingest_run: a function run inside the shared transaction (the batch
 *    goes straight into scans and the tracking rows);
 *  - pd_ingest_append (only when started with a projector, "deferred"): the
 *    batch is appended to the scan log (migration 016_scan_log), which
 *    touches only the log's last pages; acknowledged at that commit. The
 *    same thread then projects the log into scans and the tracking rows in
 *    transactions of thousands of events, whenever no batch is waiting (or
 *    a reader waits for a number, or the log holds more than
 *    PD_INGEST_BACKLOG_MAX events), so that a page many events share is
 *    written once. docs/tracking.md, "The scan log", has the figures.
 * Before a pd_ingest_run group the writer projects the whole log, so such
 * functions see every acknowledged event in scans.
 *
 * Reading your writes: a request that reads one number's scans or tracking
 * row calls pd_ingest_settle first; when events of that number are still in
 * the log it waits (bounded) until the projector has moved them. Readers of
 * many numbers call pd_ingest_settle_all. Both return at once when the log
 * is empty, which is the common case.
 *
 * Acknowledged always means durable: a batch's caller is answered after
 * the commit that stored it (in the log or in scans). Functions must be
 * safe to run again (pd_tx_run retries a transaction on a transient
 * failure). When a shared transaction fails hard, each of its batches is
 * run again alone, so one bad batch cannot fail the others.
 *
 * Ownership: pd_ingest_start returns a writer the caller stops with
 * pd_ingest_stop (which finishes what was queued and projects the log, for
 * a bounded time). pd_ingest_run and pd_ingest_append borrow their
 * arguments until they return. All functions accept a NULL writer where
 * noted, so callers need not know whether the server has one.
 */
#ifndef PD_HTTP_INGEST_H
#define PD_HTTP_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "store/tx.h"

struct pd_ingest;
struct pd_scan_row;

/* The log may hold this many events before the projector keeps pace with
 * the batches (back-pressure): a burst is absorbed up to here, and a number
 * scanned during it is at most this far behind (about 10 s of projection at
 * the rate docs/tracking.md measures). */
#define PD_INGEST_BACKLOG_MAX 250000

/**
 * Move @p rows[0..n) (events of the scan log, in arrival order) into scans
 * and the tracking rows, in the caller's transaction on @p db. Safe to run
 * again. @p cls as given to pd_ingest_start.
 */
typedef pd_qs (*pd_ingest_project_fn)(void *cls, pd_db *db, const struct pd_scan_row *rows, int n);

/**
 * Start the writer on @p store. @p cache_kib > 0 sets the page cache of its
 * connection (SQLite), which only it uses. With @p project the writer is
 * deferred: it keeps the scan log and projects it with @p project(@p cls,…);
 * events the log holds already (a previous run's) are projected first.
 * @return NULL with @p err (256 bytes) set when the thread cannot start.
 */
struct pd_ingest *pd_ingest_start(pd_store *store, long cache_kib, pd_ingest_project_fn project,
                                  void *cls, char err[256]);

/** Finish the queued batches, project the log (at most about 10 s; the rest
 *  waits for the next start), stop the thread, free. NULL is a no-op. */
void pd_ingest_stop(struct pd_ingest *ing);

/** Whether @p ing keeps a scan log (started with a projector). NULL: false. */
bool pd_ingest_deferred(const struct pd_ingest *ing);

/**
 * Run @p fn(db, @p cls) in the writer's next transaction, with @p events
 * (its size, which bounds how many batches share one transaction), and wait
 * for the commit. @return as pd_tx_run would for this function alone.
 */
pd_qs pd_ingest_run(struct pd_ingest *ing, pd_tx_fn fn, void *cls, int events);

/**
 * Append @p rows[0..n) to the scan log in the writer's next transaction
 * and wait for the commit (deferred writers only). dup[i] is set for an
 * event whose key is stored already. @return the number appended, or a
 * failure as pd_tx_run's.
 */
pd_qs pd_ingest_append(struct pd_ingest *ing, const struct pd_scan_row *rows, int n, bool *dup);

/**
 * Wait until the events of @p waybill_no acknowledged so far are projected
 * (at most PD_INGEST_SETTLE_MS). NULL writer or an empty log: at once.
 * @return false when the wait timed out (the caller reads what is there).
 */
bool pd_ingest_settle(struct pd_ingest *ing, const char *waybill_no);

/** As pd_ingest_settle, for every event acknowledged so far. */
bool pd_ingest_settle_all(struct pd_ingest *ing);

#define PD_INGEST_SETTLE_MS 3000

/** Figures for /metrics and the bench. */
struct pd_ingest_stats {
    int64_t appended;  /* events appended to the log since start */
    int64_t projected; /* events projected since start */
    int64_t backlog;   /* events in the log now (acknowledged, not yet projected) */
    int64_t settle_timeouts;
};

/** Fill @p out (zeros for a NULL or inline writer). */
void pd_ingest_stats(struct pd_ingest *ing, struct pd_ingest_stats *out);

#endif
