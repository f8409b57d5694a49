/*
 * The transaction runner (tx.h): the only place that begins and commits.
 * It keeps one connection for all tries of a transaction, rolls back on every
 * negative result, and retries the whole callback on PD_QS_SOFT — from begin,
 * from the callback or from commit — after a short randomised sleep, so that
 * two writers that collided do not collide again in lock step.
 */
#include "store/tx.h"

#include <stdint.h>
#include <time.h>

#include "store/store_int.h"
#include "util/log.h"
#include "util/timeutil.h"

/* xorshift64*, one state per thread: jitter needs no quality, only that
 * threads which failed together pick different delays. */
static _Thread_local uint64_t jitter_state;

static uint64_t jitter_next(void)
{
    if (jitter_state == 0)
        jitter_state = ((uint64_t)pd_mono_us() << 16) ^ (uint64_t)(uintptr_t)&jitter_state ^ 1;
    jitter_state ^= jitter_state >> 12;
    jitter_state ^= jitter_state << 25;
    jitter_state ^= jitter_state >> 27;
    return jitter_state * 0x2545F4914F6CDD1DULL;
}

/* Sleep a random 0.5..(2^try) ms: long enough for the other writer to commit
 * (SQLite writers hold the lock for well under a millisecond), short enough
 * that five tries stay far below an HTTP timeout. */
static void backoff(int try)
{
    long max_us = 1000L << (try < 6 ? try : 6);
    long us = 500 + (long)(jitter_next() % (uint64_t)max_us);
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

pd_qs pd_tx_run(pd_store *st, const char *name, bool read_only, pd_tx_fn fn, void *cls)
{
    const struct pd_store_ops *ops = st->ops;
    pd_db *db = ops->acquire(st);
    if (!db) {
        pd_warn("tx %s: no database connection", name);
        return PD_QS_HARD;
    }
    pd_qs qs = PD_QS_HARD;
    for (int try = 1; try <= PD_TX_MAX_TRIES; try++) {
        qs = ops->begin(db, read_only);
        if (qs >= 0) {
            qs = fn(db, cls);
            if (qs >= 0) {
                pd_qs c = ops->commit(db);
                if (c >= 0)
                    break;
                qs = c;
            }
            /* Anything below the defined range is a callback bug; treat it as hard. */
            if (qs < PD_QS_ABORT)
                qs = PD_QS_HARD;
            ops->rollback(db);
        }
        if (qs != PD_QS_SOFT)
            break;
        if (try < PD_TX_MAX_TRIES) {
            pd_debug("tx %s: transient failure, try %d of %d", name, try, PD_TX_MAX_TRIES);
            backoff(try);
        } else {
            pd_warn("tx %s: giving up after %d transient failures", name, PD_TX_MAX_TRIES);
        }
    }
    if (qs == PD_QS_HARD) {
        const char *why = pd__db_last_error(db);
        pd_warn("tx %s: failed: %s", name, *why ? why : "the callback reported a hard failure");
    }
    ops->release(st, db);
    return qs;
}
