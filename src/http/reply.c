/*
 * Response builders (reply.h). Each turns what a handler has — a jansson
 * tree, bytes, a buffer, a registry error — into the request's one
 * libmicrohttpd response object, left in rq->resp for the server to stamp
 * with the common headers and queue. Bodies that are small or copied are
 * placed in the request's arena and handed to libmicrohttpd without a copy:
 * the arena outlives the response (the server resets it only in the
 * completion callback, after the last byte has been sent). Error envelopes
 * are written by hand, not through jansson, because they are the most
 * frequent reply on hostile or buggy traffic and need no tree.
 */
#include "http/reply.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define JSON_TYPE "application/json; charset=utf-8"

static int install(struct pd_req *rq, unsigned status, struct MHD_Response *r, const char *ctype)
{
    if (!r) {
        pd_error("cannot create a response (out of memory?)");
        return PD_FAIL;
    }
    if (PD_BREAK(rq->resp == NULL)) {
        /* A handler replied twice; the first answer stands. */
        MHD_destroy_response(r);
        return PD_HANDLED;
    }
    if (ctype && MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype) != MHD_YES) {
        MHD_destroy_response(r);
        return PD_FAIL;
    }
    rq->resp = r;
    rq->status = status;
    return PD_HANDLED;
}

int pd_reply_json_steal(struct pd_req *rq, unsigned status, json_t *json)
{
    if (PD_BREAK(json != NULL))
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    char *text = json_dumps(json, JSON_COMPACT);
    json_decref(json);
    if (!text)
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback(strlen(text), text, free);
    if (!r)
        free(text);
    return install(rq, status, r, JSON_TYPE);
}

int pd_reply_raw(struct pd_req *rq, unsigned status, const char *content_type, const void *data,
                 size_t len)
{
    struct MHD_Response *r;
    void *copy = len ? pd_arena_alloc(&rq->arena, len) : NULL;
    if (len == 0) {
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    } else if (copy) {
        memcpy(copy, data, len);
        r = MHD_create_response_from_buffer(len, copy, MHD_RESPMEM_PERSISTENT);
    } else {
        /* Too big for the arena: let libmicrohttpd keep its own copy. */
        r = MHD_create_response_from_buffer(len, (void *)data, MHD_RESPMEM_MUST_COPY);
    }
    return install(rq, status, r, content_type ? content_type : JSON_TYPE);
}

int pd_reply_buf_steal(struct pd_req *rq, unsigned status, const char *content_type, pd_buf *b)
{
    if (PD_BREAK(!b->oom)) {
        pd_buf_free(b);
        return pd_reply_err(rq, PD_E_INTERNAL, NULL, NULL);
    }
    size_t len = 0;
    char *data = pd_buf_steal(b, &len);
    struct MHD_Response *r =
        data ? MHD_create_response_from_buffer_with_free_callback(len, data, free)
             : MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    if (!r)
        free(data);
    return install(rq, status, r, content_type ? content_type : JSON_TYPE);
}

/* Append s as the inside of a JSON string; dst has room for 6 bytes per input byte. */
static char *esc(char *o, const char *s)
{
    static const char hex[] = "0123456789abcdef";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        unsigned char ch = *p;
        if (ch == '"' || ch == '\\') {
            *o++ = '\\';
            *o++ = (char)ch;
        } else if (ch < 0x20) {
            *o++ = '\\';
            *o++ = 'u';
            *o++ = '0';
            *o++ = '0';
            *o++ = hex[ch >> 4];
            *o++ = hex[ch & 15];
        } else {
            *o++ = (char)ch;
        }
    }
    return o;
}

static char *put(char *o, const char *lit)
{
    size_t n = strlen(lit);
    memcpy(o, lit, n);
    return o + n;
}

int pd_reply_err(struct pd_req *rq, pd_err e, const char *field, const char *detail)
{
    if (PD_BREAK(e != PD_OK))
        e = PD_E_INTERNAL;
    bool en = rq->lang && strcmp(rq->lang, "en") == 0;
    const char *code = pd_err_code(e);
    const char *msg = pd_err_message(e, en ? "en" : "zh");
    if (detail && !*detail)
        detail = NULL;
    size_t cap =
        64 + strlen(code) +
        6 * (strlen(msg) + (detail ? strlen(detail) + 4 : 0) + (field ? strlen(field) : 0));
    char *body = pd_arena_alloc(&rq->arena, cap);
    char *heap = NULL;
    if (!body)
        body = heap = malloc(cap);
    if (!body)
        return PD_FAIL;
    char *o = put(body, "{\"error\":{\"code\":\"");
    o = esc(o, code);
    o = put(o, "\",\"message\":\"");
    o = esc(o, msg);
    if (detail) {
        o = put(o, en ? ": " : "：");
        o = esc(o, detail);
    }
    o = put(o, "\"");
    if (field) {
        o = put(o, ",\"field\":\"");
        o = esc(o, field);
        o = put(o, "\"");
    }
    o = put(o, "}}");
    struct MHD_Response *r =
        heap ? MHD_create_response_from_buffer_with_free_callback((size_t)(o - body), heap, free)
             : MHD_create_response_from_buffer((size_t)(o - body), body, MHD_RESPMEM_PERSISTENT);
    if (!r)
        free(heap);
    int ret = install(rq, (unsigned)pd_err_status(e), r, JSON_TYPE);
    if (ret == PD_HANDLED && rq->resp == r)
        rq->err_code = code;
    return ret;
}

int pd_reply_empty(struct pd_req *rq, unsigned status)
{
    return install(rq, status, MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT),
                   NULL);
}

void pd_reply_header(struct pd_req *rq, const char *name, const char *value)
{
    if (PD_BREAK(rq->resp != NULL))
        return;
    if (MHD_add_response_header(rq->resp, name, value) != MHD_YES)
        pd_warn("cannot add response header %s", name);
}
