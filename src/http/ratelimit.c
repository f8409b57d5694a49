/*
 * Rate limiter (ratelimit.h): a fixed table of keys, each with a sliding
 * window kept as 16 sub-window counters. Counting an event bumps the
 * counter of the sub-window "now" falls in; the count of a key is the sum
 * of the counters of the last 16 sub-windows. So an event stops counting
 * between window - window/16 and window after it happened: the limiter is
 * at most one sub-window lenient, and its memory per key is constant no
 * matter how hard a client hammers. All entries are allocated up front;
 * when every entry is in use the least recently hit key is recycled, so an
 * attacker cycling through addresses can only push out old keys, never
 * grow the process. One mutex guards the table: limits are checked on
 * login and public look-ups, a few thousand times a second at most.
 *
 * Invariants: every entry is either on the LRU list and in exactly one
 * hash chain (in use), or on the free list (unused); used <= max_keys.
 */
#include "http/ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS   16
#define KEY_MAX 128

struct entry {
    char key[KEY_MAX];
    uint64_t hash;
    int64_t slot_idx[SLOTS]; /* which sub-window each counter belongs to */
    uint32_t count[SLOTS];
    struct entry *hnext;
    struct entry *prev, *next; /* LRU list (most recent first) or free list */
};

struct pd_ratelimit {
    pthread_mutex_t mu;
    int max_events;
    int64_t slot_ms;
    size_t max_keys;
    size_t nbuckets; /* power of two */
    struct entry *entries;
    struct entry **buckets;
    struct entry *mru, *lru;
    struct entry *free_list;
    size_t n_fresh; /* entries[0 .. n_fresh) have been used at some time */
};

static uint64_t fnv1a(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* Keys longer than an entry holds keep a prefix plus the hash of the whole key. */
static void normalise(const char *key, char out[KEY_MAX], uint64_t *hash)
{
    size_t n = strlen(key);
    if (n < KEY_MAX) {
        memcpy(out, key, n + 1);
    } else {
        snprintf(out, KEY_MAX, "%.100s#%016llx", key, (unsigned long long)fnv1a(key, n));
        n = strlen(out);
    }
    *hash = fnv1a(out, n);
}

struct pd_ratelimit *pd_ratelimit_new(int max_events, int64_t window_ms, size_t max_keys)
{
    if (max_events < 0 || window_ms <= 0)
        return NULL;
    if (max_keys == 0)
        max_keys = 1;
    struct pd_ratelimit *rl = calloc(1, sizeof *rl);
    if (!rl)
        return NULL;
    rl->max_events = max_events;
    rl->slot_ms = (window_ms + SLOTS - 1) / SLOTS;
    rl->max_keys = max_keys;
    rl->nbuckets = 16;
    while (rl->nbuckets < max_keys * 2)
        rl->nbuckets <<= 1;
    rl->entries = calloc(max_keys, sizeof *rl->entries);
    rl->buckets = calloc(rl->nbuckets, sizeof *rl->buckets);
    if (!rl->entries || !rl->buckets || pthread_mutex_init(&rl->mu, NULL) != 0) {
        free(rl->entries);
        free(rl->buckets);
        free(rl);
        return NULL;
    }
    /* Entries are handed out in order as keys arrive (take_entry), never
     * linked up front: calloc's pages stay untouched, and a limiter sized for
     * 65,536 addresses costs memory only for the addresses it has seen
     * (linking them all made eight limiters 184 MB of an idle server). */
    return rl;
}

void pd_ratelimit_free(struct pd_ratelimit *rl)
{
    if (!rl)
        return;
    pthread_mutex_destroy(&rl->mu);
    free(rl->entries);
    free(rl->buckets);
    free(rl);
}

static struct entry **chain_of(struct pd_ratelimit *rl, uint64_t hash)
{
    return &rl->buckets[hash & (rl->nbuckets - 1)];
}

static struct entry *find(struct pd_ratelimit *rl, const char *key, uint64_t hash)
{
    for (struct entry *e = *chain_of(rl, hash); e; e = e->hnext)
        if (e->hash == hash && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void lru_unlink(struct pd_ratelimit *rl, struct entry *e)
{
    if (e->prev)
        e->prev->next = e->next;
    else
        rl->mru = e->next;
    if (e->next)
        e->next->prev = e->prev;
    else
        rl->lru = e->prev;
    e->prev = e->next = NULL;
}

static void lru_push_front(struct pd_ratelimit *rl, struct entry *e)
{
    e->prev = NULL;
    e->next = rl->mru;
    if (rl->mru)
        rl->mru->prev = e;
    rl->mru = e;
    if (!rl->lru)
        rl->lru = e;
}

static void chain_unlink(struct pd_ratelimit *rl, struct entry *e)
{
    for (struct entry **p = chain_of(rl, e->hash); *p; p = &(*p)->hnext) {
        if (*p == e) {
            *p = e->hnext;
            break;
        }
    }
    e->hnext = NULL;
}

/* Take an entry for a new key: a free one, or the least recently used. */
static struct entry *take_entry(struct pd_ratelimit *rl)
{
    struct entry *e = rl->free_list;
    if (e) {
        rl->free_list = e->next;
        e->next = NULL;
    } else if (rl->n_fresh < rl->max_keys) {
        e = &rl->entries[rl->n_fresh++];
    } else {
        e = rl->lru;
        lru_unlink(rl, e);
        chain_unlink(rl, e);
    }
    memset(e, 0, sizeof *e);
    return e;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static size_t ring_pos(int64_t idx)
{
    int64_t m = idx % SLOTS;
    return (size_t)(m < 0 ? m + SLOTS : m);
}

static int count_at(const struct entry *e, int64_t idx)
{
    uint64_t sum = 0;
    for (int i = 0; i < SLOTS; i++)
        if (e->slot_idx[i] > idx - SLOTS && e->slot_idx[i] <= idx)
            sum += e->count[i];
    return sum > (uint64_t)INT32_MAX ? INT32_MAX : (int)sum;
}

bool pd_ratelimit_hit(struct pd_ratelimit *rl, const char *key, int64_t now_ms)
{
    char k[KEY_MAX];
    uint64_t hash;
    normalise(key, k, &hash);
    int64_t idx = floor_div(now_ms, rl->slot_ms);

    pthread_mutex_lock(&rl->mu);
    struct entry *e = find(rl, k, hash);
    if (e) {
        lru_unlink(rl, e);
    } else {
        e = take_entry(rl);
        memcpy(e->key, k, sizeof k);
        e->hash = hash;
        struct entry **c = chain_of(rl, hash);
        e->hnext = *c;
        *c = e;
        /* Mark every counter as belonging to no sub-window in range. */
        for (int i = 0; i < SLOTS; i++)
            e->slot_idx[i] = INT64_MIN;
    }
    lru_push_front(rl, e);
    size_t pos = ring_pos(idx);
    if (e->slot_idx[pos] != idx) {
        e->slot_idx[pos] = idx;
        e->count[pos] = 0;
    }
    if (e->count[pos] < UINT32_MAX)
        e->count[pos]++;
    bool allowed = count_at(e, idx) <= rl->max_events;
    pthread_mutex_unlock(&rl->mu);
    return allowed;
}

int pd_ratelimit_count(struct pd_ratelimit *rl, const char *key, int64_t now_ms)
{
    char k[KEY_MAX];
    uint64_t hash;
    normalise(key, k, &hash);
    pthread_mutex_lock(&rl->mu);
    struct entry *e = find(rl, k, hash);
    int n = e ? count_at(e, floor_div(now_ms, rl->slot_ms)) : 0;
    pthread_mutex_unlock(&rl->mu);
    return n;
}

void pd_ratelimit_reset(struct pd_ratelimit *rl, const char *key)
{
    char k[KEY_MAX];
    uint64_t hash;
    normalise(key, k, &hash);
    pthread_mutex_lock(&rl->mu);
    struct entry *e = find(rl, k, hash);
    if (e) {
        lru_unlink(rl, e);
        chain_unlink(rl, e);
        e->next = rl->free_list;
        rl->free_list = e;
    }
    pthread_mutex_unlock(&rl->mu);
}
