/*
 * Building responses. Each function queues the request's one response
 * (stored in rq->resp; the server sends it with the request id and common
 * headers) and returns PD_HANDLED, or PD_FAIL when even that failed.
 *
 * Errors always have the contract's envelope
 *   {"error":{"code":"area.reason","message":"…","field":"path"}}
 * with the status and message taken from the registry (core/errors.def)
 * in the request's language.
 */
#ifndef PD_HTTP_REPLY_H
#define PD_HTTP_REPLY_H

#include <jansson.h>
#include <stddef.h>

#include "core/errors.h"
#include "http/req.h"
#include "util/buf.h"

/** Reply with @p json (reference stolen, even on failure). */
int pd_reply_json_steal(struct pd_req *rq, unsigned status, json_t *json);

/** Reply with a JSON text already written (copied). */
int pd_reply_raw(struct pd_req *rq, unsigned status, const char *content_type, const void *data,
                 size_t len);

/** Reply with the contents of @p b, taking its memory (b is emptied). */
int pd_reply_buf_steal(struct pd_req *rq, unsigned status, const char *content_type, pd_buf *b);

/**
 * Reply with an error from the registry.
 * @param field path of the offending field, or NULL.
 * @param detail extra human text appended to the message, or NULL.
 */
int pd_reply_err(struct pd_req *rq, pd_err e, const char *field, const char *detail);

/** Reply 204 No Content. */
int pd_reply_empty(struct pd_req *rq, unsigned status);

/** Add a header to the queued response (call after a reply function). */
void pd_reply_header(struct pd_req *rq, const char *name, const char *value);

#endif
