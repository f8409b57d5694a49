/*
 * Declarative JSON decoding. A handler lists the fields it accepts — path,
 * type, required or not, length, range, enum, extra format check — and one
 * call either fills its C struct or says which field is wrong and why:
 *
 *   const char *name; int64_t qty; int role;
 *   struct pd_spec spec[] = {
 *       pd_spec_str("recipient.name", &name, PD_REQ, 1, 64),
 *       pd_spec_int("goods.quantity", &qty, PD_OPT, 1, 9999),
 *       pd_spec_enum("role", &role, PD_REQ, pd_role_names),
 *       pd_spec_end(),
 *   };
 *   if (pd_json_parse(rq, spec) != PD_JSON_OK) return PD_HANDLED;  // error already queued
 *
 * Rules: a dotted path names a nested object member; every key of the
 * document must be covered by a spec (or lie under a pd_spec_json field),
 * otherwise it is refused as json.unknown_field; strings must be valid
 * UTF-8 (json.utf8_invalid) and their limits count characters; JSON null
 * counts as absent for optional fields. Optional fields keep the value the
 * caller put in dst when absent; `present` (may be NULL) tells them apart.
 *
 * Ownership: strings are copied into the arena; pd_spec_json gives a
 * borrowed pointer into the document (valid while the document lives).
 */
#ifndef PD_HTTP_JSON_SPEC_H
#define PD_HTTP_JSON_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/errors.h"
#include "util/arena.h"

struct pd_req;

enum pd_spec_kind {
    PD_SPEC_END = 0,
    PD_SPEC_STR,  /* dst: const char ** */
    PD_SPEC_INT,  /* dst: int64_t *; JSON integer only (1.0 refused) */
    PD_SPEC_BOOL, /* dst: bool * */
    PD_SPEC_ENUM, /* dst: int * (index into values) */
    PD_SPEC_TIME, /* dst: int64_t * (UTC ms); RFC 3339 string with offset */
    PD_SPEC_JSON, /* dst: const json_t ** (borrowed; any JSON value, contents not checked) */
};

#define PD_OPT 0u
#define PD_REQ 1u

struct pd_spec {
    const char *path;
    enum pd_spec_kind kind;
    unsigned flags;
    void *dst;
    bool *present;
    int64_t min, max;          /* INT: value range; STR: length in characters (max 0 = unlimited) */
    const char *const *values; /* ENUM: NULL-terminated */
    bool (*check)(const char *s); /* STR: format check; false → json.format */
};

#define pd_spec_str(p, d, f, minc, maxc)                                                           \
    {                                                                                              \
        (p), PD_SPEC_STR, (f), (d), NULL, (minc), (maxc), NULL, NULL                               \
    }
#define pd_spec_str_fmt(p, d, f, minc, maxc, chk)                                                  \
    {                                                                                              \
        (p), PD_SPEC_STR, (f), (d), NULL, (minc), (maxc), NULL, (chk)                              \
    }
#define pd_spec_int(p, d, f, lo, hi)                                                               \
    {                                                                                              \
        (p), PD_SPEC_INT, (f), (d), NULL, (lo), (hi), NULL, NULL                                   \
    }
#define pd_spec_bool(p, d, f)                                                                      \
    {                                                                                              \
        (p), PD_SPEC_BOOL, (f), (d), NULL, 0, 0, NULL, NULL                                        \
    }
#define pd_spec_enum(p, d, f, vals)                                                                \
    {                                                                                              \
        (p), PD_SPEC_ENUM, (f), (d), NULL, 0, 0, (vals), NULL                                      \
    }
#define pd_spec_time(p, d, f)                                                                      \
    {                                                                                              \
        (p), PD_SPEC_TIME, (f), (d), NULL, 0, 0, NULL, NULL                                        \
    }
#define pd_spec_json(p, d, f)                                                                      \
    {                                                                                              \
        (p), PD_SPEC_JSON, (f), (d), NULL, 0, 0, NULL, NULL                                        \
    }
#define pd_spec_end()                                                                              \
    {                                                                                              \
        NULL, PD_SPEC_END, 0, NULL, NULL, 0, 0, NULL, NULL                                         \
    }

struct pd_json_error {
    pd_err code;      /* PD_E_JSON_* */
    char field[160];  /* full path, e.g. "sender.phone" or "items[2].name" */
    char detail[160]; /* e.g. "at most 64 characters" */
};

/**
 * Decode @p root (must be an object) against @p spec.
 * @param prefix path prepended to field names in errors ("items[2]"), or NULL.
 * @param arena where strings are copied.
 * @param[out] err the first failure, in spec order (unknown fields last).
 * @return true when every field is valid (dst filled), false otherwise.
 */
bool pd_json_decode(const json_t *root, const struct pd_spec *spec, pd_arena *arena,
                    const char *prefix, struct pd_json_error *err);

#define PD_JSON_OK      1
#define PD_JSON_REPLIED 0 /* an error response has been queued */

/**
 * Decode the request body (rq->json) against @p spec; on failure queue the
 * error (status from the registry, field named) and return PD_JSON_REPLIED.
 */
int pd_json_parse(struct pd_req *rq, const struct pd_spec *spec);

#endif
