/*
 * Internal to src/http/api (pd__ prefix): what the problem-parcel files
 * share — problems.c (the queue), problem_desk.c (opening, the record,
 * actions, contacts, closing, statistics) and problem_evidence.c (evidence
 * files): the problem's JSON shape, who may read problems, and reading one
 * problem within the caller's network.
 *
 * Ownership: json_t results are new references the caller owns.
 */
#ifndef PD_HTTP_API_PROBLEM_DESK_H
#define PD_HTTP_API_PROBLEM_DESK_H

#include <jansson.h>
#include <stdbool.h>

#include "http/req.h"
#include "store/store.h"

/**
 * The PROBLEM shape (docs/openapi.yaml): id, waybill_no, type and its
 * Chinese name, source (auto, scan or staff), node, state, times, reason,
 * note (the closing reason), root cause, resolution. @p m may be NULL (the
 * fields of migration 013 then read as empty).
 */
json_t *pd__problem_json(const struct pd_problem *p, const struct pd_problem_more *m);

/** The EVIDENCE shape: id, content_type, size_bytes, sha256, uploaded_at, uploaded_by, url. */
json_t *pd__evidence_json(const struct pd_problem_evidence *e);

/**
 * Whether the caller may read the network's problems: staff with
 * tracking.read (the routes check it); never a customer system, which
 * holds tracking.read for its own waybills only. Replies 403 when not.
 * @return true to go on.
 */
bool pd__problem_may_read(struct pd_req *rq);

/**
 * Problem @p id with what 013 added, inside the caller's transaction,
 * when it exists and its node is in the caller's subtree.
 * @return PD_QS_ONE, PD_QS_NONE (absent or out of scope: answer 404), or a failure.
 */
pd_qs pd__problem_get_scoped(struct pd_req *rq, pd_db *db, int64_t id, struct pd_problem *p,
                             struct pd_problem_more *m);

#endif
