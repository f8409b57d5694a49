/*
 * Bulk import of orders from a CSV file (docs/import.md): the engine behind
 * `parceldesk import orders` and POST /api/v1/imports/orders. The header row
 * names the columns — the order body's English dotted paths or the Chinese
 * headers Excel users write (寄件人, 重量(kg), 保价金额(元) …) — each data
 * row becomes an order document (kilograms, centimetres and yuan turned into
 * grams, millimetres and fen by exact decimal arithmetic, Chinese enum
 * values into codes) and goes through pd_order_create_in, the same intake as
 * POST /api/v1/waybills, with its waybill.create audit entry.
 *
 * The file is read twice, one record at a time: a first pass refuses a file
 * that is not CSV in its encoding before any row is stored, the second
 * imports. Good-rows mode stores rows in transactions of
 * PD_IMPORT_BATCH_ROWS and reports the refused ones; all-or-nothing checks
 * and inserts every row in one transaction and rolls it back when any row is
 * refused, still reporting every refused row.
 *
 * Ownership: the reader, app and actor are borrowed; *report is a new JSON
 * object the caller releases with json_decref.
 * Thread/transaction context: runs its own transactions through pd_tx_run on
 * app->store; call it outside any transaction.
 */
#ifndef PD_HTTP_API_ORDER_IMPORT_H
#define PD_HTTP_API_ORDER_IMPORT_H

#include <jansson.h>
#include <stdbool.h>

#include "core/errors.h"
#include "http/api/order_intake.h"
#include "util/csv.h"

#define PD_IMPORT_BATCH_ROWS   500   /* good rows: rows per transaction */
#define PD_IMPORT_MAX_REJECTED 10000 /* rejected rows listed in the report */
#define PD_IMPORT_MAX_WAYBILLS 1000  /* waybill numbers listed in the report */

enum pd_import_mode { PD_IMPORT_GOOD_ROWS, PD_IMPORT_ALL_OR_NOTHING };

struct pd_import_opts {
    enum pd_import_mode mode;
    const char *lang; /* "zh" or "en": language of the report's messages (NULL = zh) */
    int batch_rows;   /* good rows per transaction; 0 = PD_IMPORT_BATCH_ROWS */
};

enum pd_import_outcome {
    PD_IMPORT_DONE,      /* every row was read; the report says what was stored */
    PD_IMPORT_REFUSED,   /* the file was refused before any row: see @p why */
    PD_IMPORT_DB_FAILED, /* the database failed; the report says what was stored before */
};

/** Why a whole file was refused (header, encoding, CSV structure). */
struct pd_import_refusal {
    pd_err code;      /* PD_E_IMPORT_* (PD_E_INTERNAL for read failures) */
    char field[160];  /* the column as written in the header, or "" */
    char detail[300]; /* in the requested language, names the column or line */
};

/**
 * Import every row of @p csv (opened, positioned at its start) as orders
 * taken by @p who (audit template, node, created_by).
 * @param[out] report on DONE and DB_FAILED: the import report
 *             {"encoding","mode","rows","imported","rejected_count",
 *             "rejected":[{"row","field","code","message"}],
 *             "rejected_truncated","waybills":[…],"committed"} (plus "error"
 *             on DB_FAILED); NULL on REFUSED.
 * @param[out] why filled on REFUSED.
 */
enum pd_import_outcome pd_order_import(struct pd_app *app, pd_csv *csv,
                                       const struct pd_order_actor *who,
                                       const struct pd_import_opts *opts, json_t **report,
                                       struct pd_import_refusal *why);

/** "good_rows" or "all_or_nothing". */
const char *pd_import_mode_name(enum pd_import_mode m);

/** Parse a mode name (good_rows, all_or_nothing). @return false when unknown. */
bool pd_import_mode_parse(const char *s, enum pd_import_mode *out);

#endif
