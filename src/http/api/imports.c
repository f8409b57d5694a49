/*
 * POST /api/v1/imports/orders: the console's bulk upload. The body is the
 * raw CSV file (not JSON, not multipart: the console sends the file's bytes
 * with fetch), read in place from the request buffer by the same engine as
 * `parceldesk import orders`. Orders belong to the caller's node and are
 * audited as the caller's. A file refused as a whole (encoding, CSV,
 * columns) answers 400 naming the column or line; otherwise 200 with the
 * report, also when rows were rejected — the report says which and why.
 */
#include <string.h>

#include "http/api/api.h"
#include "http/api/common.h"
#include "http/api/order_import.h"
#include "http/api/waybill_common.h"
#include "http/reply.h"
#include "util/csv.h"

int pd_api_imports_orders(struct pd_req *rq)
{
    static const char *const allowed[] = {"mode", "encoding", NULL};
    if (!pd__query_only(rq, allowed))
        return PD_HANDLED;
    bool en = rq->lang && !strcmp(rq->lang, "en");
    struct pd_import_opts opts = {.mode = PD_IMPORT_GOOD_ROWS, .lang = en ? "en" : "zh"};
    const char *mode = pd_req_query(rq, "mode");
    if (mode && !pd_import_mode_parse(mode, &opts.mode))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "mode",
                            en ? "good_rows or all_or_nothing"
                               : "应为 good_rows 或 all_or_nothing");
    struct pd_csv_opts copts = {.encoding = PD_CSV_AUTO};
    const char *enc = pd_req_query(rq, "encoding");
    if (enc && !pd_csv_encoding_parse(enc, &copts.encoding))
        return pd_reply_err(rq, PD_E_QUERY_INVALID, "encoding",
                            en ? "auto, utf-8 or gb18030" : "应为 auto、utf-8 或 gb18030");
    if (rq->body.len == 0)
        return pd_reply_err(rq, PD_E_IMPORT_NO_HEADER, NULL, NULL);

    struct pd_csv_error cerr = {0};
    pd_csv *csv = pd_csv_open_mem(rq->body.data, rq->body.len, &copts, &cerr);
    if (!csv)
        return pd_reply_err(rq,
                            cerr.kind == PD_CSV_E_ENCODING ? PD_E_IMPORT_ENCODING : PD_E_INTERNAL,
                            NULL, cerr.msg);
    struct pd_order_actor who;
    char idem_actor[40];
    pd__order_actor(rq, &who, idem_actor);
    json_t *report = NULL;
    struct pd_import_refusal why;
    enum pd_import_outcome out = pd_order_import(rq->app, csv, &who, &opts, &report, &why);
    pd_csv_free(csv);
    if (out == PD_IMPORT_REFUSED)
        return pd_reply_err(rq, why.code, why.field[0] ? why.field : NULL,
                            why.detail[0] ? why.detail : NULL);
    if (out == PD_IMPORT_DB_FAILED) {
        /* The error envelope, with what earlier transactions did store. */
        json_t *body =
            json_pack("{s:{s:s, s:s}, s:o}", "error", "code", pd_err_code(PD_E_DB_UNAVAILABLE),
                      "message", pd_err_message(PD_E_DB_UNAVAILABLE, opts.lang), "report", report);
        return pd_reply_json_steal(rq, 503, body);
    }
    return pd_reply_json_steal(rq, 200, report);
}
