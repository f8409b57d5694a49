/*
 * Audit entries for requests: who (the authenticated principal, or the
 * public), from where (client address, request id), did what to which
 * record. Handlers fill one with pd_audit_for() and insert it with
 * db->ops->audit_insert inside the same transaction as the write it
 * records, so an entry exists exactly when the change does.
 */
#ifndef PD_HTTP_AUDIT_H
#define PD_HTTP_AUDIT_H

#include <stdint.h>

#include "http/req.h"
#include "store/store.h"

/**
 * Fill @p a for request @p rq. @p object_id may be NULL; @p detail (JSON
 * text or NULL) is borrowed and must outlive the insert.
 */
void pd_audit_for(struct pd_audit *a, const struct pd_req *rq, const char *action,
                  const char *object_type, const char *object_id, int64_t node_id,
                  const char *detail);

/** Fill @p a for a command-line action (actor "system", name = @p who). */
void pd_audit_system(struct pd_audit *a, const char *who, const char *action,
                     const char *object_type, const char *object_id, int64_t node_id,
                     const char *detail);

#endif
