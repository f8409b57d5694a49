/*
 * The one transaction runner. Application code hands it a callback; it
 * acquires a connection, begins, runs the callback, commits, and on a
 * transient failure (PD_QS_SOFT from the callback or the commit) rolls back
 * and runs the whole callback again, at most PD_TX_MAX_TRIES times with a
 * short randomised back-off. The callback must therefore keep its effects
 * outside the database idempotent (it may run more than once) and must not
 * send replies: it records its outcome in @p cls for the caller to act on.
 *
 * Callback results: >= 0 commit; PD_QS_ABORT roll back, no retry (a
 * business rule said no); PD_QS_HARD roll back, no retry; PD_QS_SOFT retry.
 */
#ifndef PD_STORE_TX_H
#define PD_STORE_TX_H

#include "store/store.h"

#define PD_TX_MAX_TRIES 5

typedef pd_qs (*pd_tx_fn)(pd_db *db, void *cls);

/**
 * Run @p fn in one transaction on a connection of @p st.
 * @param name for logs ("create user").
 * @param read_only true for queries that write nothing.
 * @return the callback's last result, or PD_QS_HARD when no connection could
 *         be had or commit failed hard, or PD_QS_SOFT when every try was soft.
 */
pd_qs pd_tx_run(pd_store *st, const char *name, bool read_only, pd_tx_fn fn, void *cls);

#endif
