/* Building audit entries from a request's context; see audit.h. */
#include "http/audit.h"

#include <stdio.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/utf8.h"

static void fill(struct pd_audit *a, const char *action, const char *object_type,
                 const char *object_id, int64_t node_id, const char *detail)
{
    a->at_ms = pd_now_ms();
    snprintf(a->action, sizeof a->action, "%s", action);
    snprintf(a->object_type, sizeof a->object_type, "%s", object_type ? object_type : "");
    pd_utf8_copy(a->object_id, sizeof a->object_id, object_id);
    a->node_id = node_id;
    a->detail = detail;
}

void pd_audit_for(struct pd_audit *a, const struct pd_req *rq, const char *action,
                  const char *object_type, const char *object_id, int64_t node_id,
                  const char *detail)
{
    memset(a, 0, sizeof *a);
    switch (rq->who.kind) {
    case PD_WHO_USER:
        a->actor_kind = PD_ACTOR_USER;
        break;
    case PD_WHO_APIKEY:
        a->actor_kind = PD_ACTOR_APIKEY;
        break;
    default:
        a->actor_kind = PD_ACTOR_PUBLIC;
    }
    a->actor_id = rq->who.kind == PD_WHO_NONE ? 0 : rq->who.id;
    snprintf(a->actor_name, sizeof a->actor_name, "%s",
             rq->who.kind == PD_WHO_NONE ? "" : rq->who.name);
    snprintf(a->ip, sizeof a->ip, "%s", rq->ip);
    snprintf(a->request_id, sizeof a->request_id, "%s", rq->request_id);
    fill(a, action, object_type, object_id, node_id, detail);
}

void pd_audit_system(struct pd_audit *a, const char *who, const char *action,
                     const char *object_type, const char *object_id, int64_t node_id,
                     const char *detail)
{
    memset(a, 0, sizeof *a);
    a->actor_kind = PD_ACTOR_SYSTEM;
    snprintf(a->actor_name, sizeof a->actor_name, "%s", who ? who : "system");
    snprintf(a->ip, sizeof a->ip, "local");
    fill(a, action, object_type, object_id, node_id, detail);
}
