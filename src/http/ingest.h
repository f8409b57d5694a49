/*
 * The scan writer: one thread that runs the scan batches of every request
 * in shared transactions (group commit) on one connection of its own.
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
 * A request hands its batch over as a function run inside the shared
 * transaction and blocks until that transaction committed (or failed):
 * acknowledged still means durable. Functions must be safe to run again
 * (pd_tx_run retries a transaction on a transient failure). When a shared
 * transaction fails hard, each of its batches is run again alone, so one bad
 * batch cannot fail the others.
 *
 * Ownership: pd_ingest_start returns a writer the caller stops with
 * pd_ingest_stop (which finishes what was queued). pd_ingest_run borrows
 * @p cls until it returns.
 */
#ifndef PD_HTTP_INGEST_H
#define PD_HTTP_INGEST_H

#include "store/tx.h"

struct pd_ingest;

/**
 * Start the writer on @p store. @p cache_kib > 0 sets the page cache of its
 * connection (SQLite), which only it uses.
 * @return NULL with @p err (256 bytes) set when the thread cannot start.
 */
struct pd_ingest *pd_ingest_start(pd_store *store, long cache_kib, char err[256]);

/** Finish the queued batches, stop the thread, free. NULL is a no-op. */
void pd_ingest_stop(struct pd_ingest *ing);

/**
 * Run @p fn(db, @p cls) in the writer's next transaction, with @p events
 * (its size, which bounds how many batches share one transaction), and wait
 * for the commit. @return as pd_tx_run would for this function alone.
 */
pd_qs pd_ingest_run(struct pd_ingest *ing, pd_tx_fn fn, void *cls, int events);

#endif
