/*
 * `parceldesk import orders`: bulk order intake from a CSV file for
 * operators and cron. The file is streamed (constant memory), every row goes
 * through the same intake as the API under the system actor "import", and
 * the report is printed as JSON on standard output with a one-line summary
 * on standard error. The engine is http/api/order_import.c; this file is
 * arguments, the node the orders belong to, and exit statuses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "http/api/order_import.h"
#include "http/app.h"
#include "http/audit.h"
#include "store/tx.h"

#define EXIT_REJECTED 3 /* rows were refused, or nothing committed (all or nothing) */

static const char help[] =
    "usage: parceldesk import orders --db URL FILE [--encoding auto|utf-8|gb18030]\n"
    "                                [--all-or-nothing] [--node CODE] [--lang zh|en]\n"
    "\n"
    "Import orders from a CSV file with a header row (English field paths such as\n"
    "sender.phone and goods.weight_g, or Chinese headers such as 寄件人电话 and\n"
    "重量(kg); docs/import.md lists them). Every row is checked like an order taken\n"
    "through the API and gets its waybill number and audit entry.\n"
    "\n"
    "  --encoding        auto (default: UTF-8 when the first 64 KiB are valid UTF-8,\n"
    "                    else GB18030), utf-8, or gb18030 (also gbk)\n"
    "  --all-or-nothing  store the rows only if every row is accepted (one\n"
    "                    transaction); default: store the good rows, report the rest\n"
    "  --node CODE       network node the orders belong to (default: the root node)\n"
    "  --lang zh|en      language of the messages in the report (default en)\n"
    "\n"
    "The report is JSON on standard output: encoding, mode, rows, imported,\n"
    "rejected_count, rejected [{row, field, code, message}] (row numbers as in the\n"
    "spreadsheet: the header is row 1), rejected_truncated, waybills, committed.\n"
    "\n"
    "Exit status: 0 every row imported; 3 some rows rejected (good rows mode) or\n"
    "nothing stored because rows were rejected (--all-or-nothing); 1 failure (file\n"
    "unreadable or not CSV in its encoding, unknown or repeated column, database\n"
    "down); 2 bad arguments.\n";

struct node_ctx {
    const char *code;
    struct pd_node node;
    bool found;
};

static int root_cb(void *cls, const struct pd_node *n)
{
    struct node_ctx *x = cls;
    if (!x->found && n->parent_id == 0) {
        x->node = *n;
        x->found = true;
    }
    return 0;
}

static pd_qs node_tx(pd_db *db, void *cls)
{
    struct node_ctx *x = cls;
    x->found = false;
    if (!x->code)
        return db->ops->node_list(db, "/", root_cb, x);
    pd_qs qs = db->ops->node_get_by_code(db, x->code, &x->node);
    x->found = qs > 0;
    return qs < 0 ? qs : PD_QS_ONE;
}

int pd_cmd_import(int argc, char **argv)
{
    static const char *const flags[] = {"encoding", "node", "lang", NULL};
    static const char *const switches[] = {"all-or-nothing", NULL};
    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return PD_EXIT_OK;
        }
    if (argc < 1 || strcmp(argv[0], "orders") != 0) {
        fprintf(stderr, "parceldesk import: expected `import orders` (%s)\n\n%s",
                argc < 1 ? "nothing to import given" : "unknown kind of import", help);
        return PD_EXIT_USAGE;
    }
    struct pd_cli c;
    int rc = pd_cli_parse(&c, "import orders", argc - 1, argv + 1, flags, switches);
    if (rc)
        return rc;
    if (c.npos != 1) {
        fprintf(stderr, "parceldesk import orders: %s\n",
                c.npos ? "give exactly one FILE" : "FILE is required");
        return PD_EXIT_USAGE;
    }
    const char *path = c.pos[0];
    struct pd_csv_opts copts = {.encoding = PD_CSV_AUTO};
    const char *enc = pd_cli_flag(&c, "encoding");
    if (enc && !pd_csv_encoding_parse(enc, &copts.encoding)) {
        fprintf(stderr, "parceldesk import orders: --encoding must be auto, utf-8 or gb18030\n");
        return PD_EXIT_USAGE;
    }
    const char *lang = pd_cli_flag(&c, "lang");
    if (lang && strcmp(lang, "zh") != 0 && strcmp(lang, "en") != 0) {
        fprintf(stderr, "parceldesk import orders: --lang must be zh or en\n");
        return PD_EXIT_USAGE;
    }
    struct pd_import_opts iopts = {
        .mode = pd_cli_flag(&c, "all-or-nothing") ? PD_IMPORT_ALL_OR_NOTHING : PD_IMPORT_GOOD_ROWS,
        .lang = lang ? lang : "en",
    };

    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "parceldesk import orders: cannot open %s: %s\n", path, strerror(errno));
        return PD_EXIT_FAIL;
    }
    struct pd_csv_error cerr = {0};
    pd_csv *csv = pd_csv_open_file(f, &copts, &cerr);
    if (!csv) {
        fprintf(stderr, "parceldesk import orders: %s: %s\n", path, cerr.msg);
        fclose(f);
        return PD_EXIT_FAIL;
    }
    pd_store *st = pd_cli_open_migrated(&c);
    if (!st) {
        pd_csv_free(csv);
        fclose(f);
        return PD_EXIT_FAIL;
    }
    static struct pd_app app; /* large (caches) */
    snprintf(c.cfg.access_log, sizeof c.cfg.access_log, "off");
    char err[256];
    int status = PD_EXIT_FAIL;
    struct node_ctx nx = {.code = pd_cli_flag(&c, "node")};
    if (!pd_app_init(&app, &c.cfg, st, err)) {
        fprintf(stderr, "parceldesk import orders: %s\n", err);
        goto out_store;
    }
    if (pd_tx_run(st, "import: node", true, node_tx, &nx) < 0) {
        fprintf(stderr, "parceldesk import orders: database error while reading the node\n");
        goto out_app;
    }
    if (!nx.found) {
        if (nx.code)
            fprintf(stderr, "parceldesk import orders: --node: no node %s\n", nx.code);
        else
            fprintf(stderr, "parceldesk import orders: the network has no root node\n");
        status = nx.code ? PD_EXIT_USAGE : PD_EXIT_FAIL;
        goto out_app;
    }

    struct pd_order_actor who;
    memset(&who, 0, sizeof who);
    pd_audit_system(&who.audit, "import", "", "waybill", NULL, nx.node.id, NULL);
    who.node_id = nx.node.id;

    json_t *report = NULL;
    struct pd_import_refusal why;
    enum pd_import_outcome out = pd_order_import(&app, csv, &who, &iopts, &report, &why);
    if (out == PD_IMPORT_REFUSED) {
        /* the detail names the column or the line */
        fprintf(stderr, "parceldesk import orders: %s: %s%s%s\n", path,
                pd_err_message(why.code, iopts.lang), why.detail[0] ? ": " : "", why.detail);
        goto out_app;
    }
    json_dumpf(report, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', stdout);
    fflush(stdout);
    long rows = (long)json_integer_value(json_object_get(report, "rows"));
    long imported = (long)json_integer_value(json_object_get(report, "imported"));
    long rejected = (long)json_integer_value(json_object_get(report, "rejected_count"));
    bool committed = json_is_true(json_object_get(report, "committed"));
    fprintf(stderr,
            "parceldesk import orders: %s (%s, %s): %ld rows, %ld imported, %ld rejected%s\n", path,
            pd_csv_encoding_name(pd_csv_encoding(csv)), pd_import_mode_name(iopts.mode), rows,
            imported, rejected,
            out == PD_IMPORT_DB_FAILED ? "; stopped: the database failed"
            : !committed               ? "; nothing stored"
                                       : "");
    json_decref(report);
    if (out == PD_IMPORT_DB_FAILED)
        status = PD_EXIT_FAIL;
    else
        status = rejected > 0 || !committed ? EXIT_REJECTED : PD_EXIT_OK;
out_app:
    pd_app_free(&app);
out_store:
    pd_store_close(st);
    pd_csv_free(csv);
    fclose(f);
    return status;
}
