/*
 * Accessors on a request that hide libmicrohttpd from handlers: query
 * arguments, headers and the network-scope check. The strings returned
 * belong to libmicrohttpd and live as long as the request.
 */
#include "http/req.h"

#include <microhttpd.h>

const char *pd_req_query(struct pd_req *rq, const char *key)
{
    if (!rq->conn)
        return NULL;
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *pd_req_header(struct pd_req *rq, const char *name)
{
    if (!rq->conn)
        return NULL;
    return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

bool pd_req_in_scope(const struct pd_req *rq, const char *record_path)
{
    /* An anonymous caller has no scope: nothing is "below" it. */
    if (rq->who.kind == PD_WHO_NONE || !record_path)
        return false;
    return pd_scope_contains(rq->who.node_path, record_path);
}
