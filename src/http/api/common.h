/*
 * Helpers shared by the API handlers: JSON shapes of the organisation's
 * records, time and id formatting, query-string parsing that replies with a
 * field-naming error on bad input. Internal to src/http/api (pd__ prefix).
 *
 * Ownership: the json_t results are new references the caller owns (usually
 * handed straight to json_object_set_new or pd_reply_json_steal).
 */
#ifndef PD_HTTP_API_COMMON_H
#define PD_HTTP_API_COMMON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "http/req.h"
#include "store/store.h"

/** RFC 3339 string in China time, or JSON null when @p ms is 0. */
json_t *pd__json_time(int64_t ms);

/** USER shape (api.md). @p node may be NULL (then only id and code). */
json_t *pd__user_json(const struct pd_user *u, const struct pd_node *node, bool full_phone);

/** NODE shape. @p parent_code may be NULL (root). */
json_t *pd__node_json(const struct pd_node *n, const char *parent_code);

/** Depth of a node from its path ("/1/" → 0). */
int pd__node_depth(const char *path);

/** Parse a positive decimal id. */
bool pd__parse_id(const char *s, int64_t *out);

/**
 * Integer query parameter @p key in [lo, hi], default @p def when absent.
 * @return true, or false after replying 400 query.invalid naming the parameter.
 */
bool pd__query_int(struct pd_req *rq, const char *key, int64_t lo, int64_t hi, int64_t def,
                   int64_t *out);

/**
 * Time query parameter (RFC 3339 or YYYY-MM-DD in China time); 0 when absent.
 * @return true, or false after replying 400 query.invalid.
 */
bool pd__query_time(struct pd_req *rq, const char *key, int64_t *out);

/**
 * Refuse query parameters other than those in @p allowed (NULL-terminated),
 * plus "lang". @return true, or false after replying 400 query.unknown_parameter.
 */
bool pd__query_only(struct pd_req *rq, const char *const *allowed);

/** Reply for a failed transaction: 503 db.unavailable. */
int pd__reply_db_error(struct pd_req *rq);

#endif
