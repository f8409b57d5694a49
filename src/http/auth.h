/*
 * Authentication of requests and the session cache.
 *
 * Credentials: `Authorization: Bearer TOKEN` where TOKEN is a session token
 * (from login) or an API key ("pdk_…"), or the console's `pd_session`
 * cookie. Tokens and keys are stored only as SHA-256 hashes. Sessions expire
 * after cfg.session_ttl_s without use (sliding, refreshed at most once a
 * minute to spare the database).
 *
 * The session cache keeps recently verified sessions for a few seconds so
 * that a busy console or API client does not cost a database read per
 * request; logout, password change and account changes evict the user's
 * entries on this server at once (other servers within the cache TTL).
 */
#ifndef PD_HTTP_AUTH_H
#define PD_HTTP_AUTH_H

#include <stdint.h>

#include "core/errors.h"
#include "http/req.h"

#define PD_SESSION_COOKIE "pd_session"
#define PD_APIKEY_PREFIX  "pdk_"

/**
 * Fill rq->who from the request's credentials.
 * @return PD_OK; PD_E_AUTH_REQUIRED when none were given;
 *         PD_E_AUTH_INVALID_TOKEN when they are unknown, expired, revoked or
 *         the account is disabled; PD_E_DB_UNAVAILABLE when the store fails.
 */
pd_err pd_auth_authenticate(struct pd_req *rq);

struct pd_session_cache;

struct pd_session_cache *pd_session_cache_new(int ttl_ms);
void pd_session_cache_free(struct pd_session_cache *c);
/** Forget every cached session of @p user_id (0: forget everything). */
void pd_session_cache_evict_user(struct pd_session_cache *c, int64_t user_id);
/** Forget every cached use of API key @p key_id. */
void pd_session_cache_evict_key(struct pd_session_cache *c, int64_t key_id);
/** Forget one cached token by its hash. */
void pd_session_cache_evict_token(struct pd_session_cache *c, const char *token_hash);

#endif
