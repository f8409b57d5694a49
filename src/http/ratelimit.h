/*
 * Per-client rate limiting (login attempts, public tracking guesses): a
 * fixed-size table of sliding-window counters keyed by a string (client
 * address, address+number…). Memory is bounded: when the table is full the
 * least recently used key is recycled. Thread-safe.
 */
#ifndef PD_HTTP_RATELIMIT_H
#define PD_HTTP_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pd_ratelimit;

/** At most @p max_events per @p window_ms per key; at most @p max_keys keys tracked. */
struct pd_ratelimit *pd_ratelimit_new(int max_events, int64_t window_ms, size_t max_keys);
void pd_ratelimit_free(struct pd_ratelimit *rl);

/**
 * Count one event for @p key at @p now_ms.
 * @return true when allowed, false when the key is over its limit (the
 *         event is still counted, so hammering keeps the key blocked).
 */
bool pd_ratelimit_hit(struct pd_ratelimit *rl, const char *key, int64_t now_ms);

/** Events counted for @p key within the window ending at @p now_ms. */
int pd_ratelimit_count(struct pd_ratelimit *rl, const char *key, int64_t now_ms);

/** Forget @p key (e.g. after a successful login). */
void pd_ratelimit_reset(struct pd_ratelimit *rl, const char *key);

#endif
