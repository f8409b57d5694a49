/*
 * The scan writer (ingest.h): a queue of batch jobs, one thread that takes
 * everything queued (up to PD_INGEST_GROUP_EVENTS events) into one
 * transaction, and a condition variable the waiting requests watch for
 * their job's result.
 */
#include "http/ingest.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define PD_INGEST_GROUP_EVENTS 8000 /* events in one shared transaction, at most */

struct job {
    pd_tx_fn fn;
    void *cls;
    int events;
    pd_qs result;
    bool done;
    struct job *next;
};

struct pd_ingest {
    pd_store *store;
    long cache_kib;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t work;    /* a job was queued, or stop */
    pthread_cond_t settled; /* some jobs are done */
    struct job *head, *tail;
    bool stop;
    bool tuned;
};

struct group {
    struct job *first;
    int n;
};

/* One transaction for the whole group: a job's failure fails the group. */
static pd_qs group_tx(pd_db *db, void *cls)
{
    struct group *g = cls;
    struct job *j = g->first;
    for (int i = 0; i < g->n; i++, j = j->next) {
        pd_qs qs = j->fn(db, j->cls);
        if (qs < 0)
            return qs;
        j->result = qs;
    }
    return PD_QS_ONE;
}

static void run_group(struct pd_ingest *ing, struct job *first, int n)
{
    if (!ing->tuned && ing->cache_kib > 0) {
        /* The writer's connection is this thread's: size its cache once. */
        pd_db *db = pd_store_acquire(ing->store);
        if (db) {
            if (db->ops->set_cache_kib(db, ing->cache_kib) < 0)
                pd_warn("ingest: could not size the writer's page cache");
            pd_store_release(ing->store, db);
            ing->tuned = true;
        }
    }
    struct group g = {first, n};
    pd_qs qs = pd_tx_run(ing->store, "scans.ingest", false, group_tx, &g);
    if (qs >= 0 || n == 1 || qs == PD_QS_SOFT) {
        struct job *j = first;
        for (int i = 0; i < n; i++, j = j->next)
            if (qs < 0)
                j->result = qs;
        return;
    }
    /* A hard failure of a shared transaction: which batch? Each alone. */
    struct job *j = first;
    for (int i = 0; i < n; i++, j = j->next)
        j->result = pd_tx_run(ing->store, "scans.ingest", false, j->fn, j->cls);
}

static void *writer_main(void *arg)
{
    struct pd_ingest *ing = arg;
    pthread_mutex_lock(&ing->mu);
    for (;;) {
        while (!ing->head && !ing->stop)
            pthread_cond_wait(&ing->work, &ing->mu);
        if (!ing->head && ing->stop)
            break;
        /* Take a prefix of the queue: at least one job, at most the cap. */
        struct job *first = ing->head, *last = first;
        int n = 1, events = first->events;
        while (last->next && events + last->next->events <= PD_INGEST_GROUP_EVENTS) {
            last = last->next;
            events += last->events;
            n++;
        }
        ing->head = last->next;
        if (!ing->head)
            ing->tail = NULL;
        pthread_mutex_unlock(&ing->mu);
        run_group(ing, first, n);
        pthread_mutex_lock(&ing->mu);
        struct job *j = first;
        for (int i = 0; i < n; i++) {
            struct job *next = j->next;
            j->done = true;
            j = next;
        }
        pthread_cond_broadcast(&ing->settled);
    }
    pthread_mutex_unlock(&ing->mu);
    return NULL;
}

struct pd_ingest *pd_ingest_start(pd_store *store, long cache_kib, char err[256])
{
    struct pd_ingest *ing = calloc(1, sizeof *ing);
    if (!ing) {
        snprintf(err, 256, "out of memory");
        return NULL;
    }
    ing->store = store;
    ing->cache_kib = cache_kib;
    pthread_mutex_init(&ing->mu, NULL);
    pthread_cond_init(&ing->work, NULL);
    pthread_cond_init(&ing->settled, NULL);
    int e = pthread_create(&ing->thread, NULL, writer_main, ing);
    if (e != 0) {
        snprintf(err, 256, "cannot start the scan writer: %s", strerror(e));
        pthread_mutex_destroy(&ing->mu);
        pthread_cond_destroy(&ing->work);
        pthread_cond_destroy(&ing->settled);
        free(ing);
        return NULL;
    }
    return ing;
}

void pd_ingest_stop(struct pd_ingest *ing)
{
    if (!ing)
        return;
    pthread_mutex_lock(&ing->mu);
    ing->stop = true;
    pthread_cond_signal(&ing->work);
    pthread_mutex_unlock(&ing->mu);
    pthread_join(ing->thread, NULL);
    pthread_mutex_destroy(&ing->mu);
    pthread_cond_destroy(&ing->work);
    pthread_cond_destroy(&ing->settled);
    free(ing);
}

pd_qs pd_ingest_run(struct pd_ingest *ing, pd_tx_fn fn, void *cls, int events)
{
    struct job j = {.fn = fn, .cls = cls, .events = events > 0 ? events : 1};
    pthread_mutex_lock(&ing->mu);
    if (ing->stop) { /* shutting down: run it here rather than lose it */
        pthread_mutex_unlock(&ing->mu);
        return pd_tx_run(ing->store, "scans.ingest", false, fn, cls);
    }
    if (ing->tail)
        ing->tail->next = &j;
    else
        ing->head = &j;
    ing->tail = &j;
    pthread_cond_signal(&ing->work);
    while (!j.done)
        pthread_cond_wait(&ing->settled, &ing->mu);
    pthread_mutex_unlock(&ing->mu);
    return j.result;
}
