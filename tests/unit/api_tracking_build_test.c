/* Unit tests of src/http/api/tracking_build.c: the public answer the look-up
 * writes from a stored row's compact timeline (pd_tracking_write_public_row)
 * is, byte for byte, the public answer written from the events themselves
 * (pd_tracking_load + pd_tracking_write), for numbers whose events name
 * parcels out of order, carry signers and reasons, and cover every event
 * type. The two paths derive the statuses separately (parcel sequences
 * against parcel numbers): this is what keeps them the same. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/scan.h"
#include "core/waybill_no.h"
#include "http/api/tracking_build.h"
#include "http/app.h"
#include "store/migrate.h"
#include "store/store.h"
#include "store/tx.h"

static char dir[64];
static pd_store *st;
static struct pd_app app; /* no node cache (names null), no notifications */
static int64_t device_seq;

#define T0 1795000000000LL /* 2026-11-18, China time */

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/pd-trkbuild-XXXXXX");
    assert_non_null(mkdtemp(dir));
    char url[128], err[256];
    snprintf(url, sizeof url, "sqlite:%s/t.db", dir);
    st = pd_store_open(url, NULL, err);
    assert_non_null(st);
    if (!pd_store_migrate(st, NULL, NULL, err))
        fail_msg("migrate: %s", err);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    pd_store_close(st);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

/* One event: parcel sequence (0: the whole waybill), minutes after T0. */
struct ev {
    int seq;
    enum pd_scan_type type;
    int minutes;
    const char *node;
    enum pd_signer_type signer_type;
    const char *signer, *reason;
};

struct put {
    const char *no;
    const struct ev *ev;
    int n;
};

static pd_qs put_tx(pd_db *db, void *cls)
{
    struct put *p = cls;
    for (int i = 0; i < p->n; i++) {
        const struct ev *e = &p->ev[i];
        struct pd_scan_row r;
        memset(&r, 0, sizeof r);
        snprintf(r.waybill_no, sizeof r.waybill_no, "%s", p->no);
        if (e->seq)
            assert_true(pd_parcel_no_format(p->no, e->seq, r.parcel_no));
        r.type = (int)e->type;
        r.at_ms = T0 + (int64_t)e->minutes * 60000;
        snprintf(r.node_code, sizeof r.node_code, "%s", e->node ? e->node : "");
        snprintf(r.device_id, sizeof r.device_id, "UNIT-1");
        r.device_seq = ++device_seq;
        r.signer_type = (int)e->signer_type;
        snprintf(r.signer, sizeof r.signer, "%s", e->signer ? e->signer : "");
        snprintf(r.reason, sizeof r.reason, "%s", e->reason ? e->reason : "");
        r.has_consent = r.consent = e->signer_type != PD_SIGNER_NONE;
        r.received_ms = T0 + 1000000 + i;
        bool dup = false;
        pd_qs qs = db->ops->scan_insert(db, &r, 1, &dup);
        if (qs < 0)
            return qs;
    }
    return pd_tracking_rebuild(&app, db, p->no);
}

struct both {
    const char *no;
    pd_buf row, full;
    bool row_ok;
};

static int row_cb(void *cls, const struct pd_tracking *t)
{
    struct both *b = cls;
    b->row_ok = pd_tracking_write_public_row(&app, t, &b->row);
    return 0;
}

static pd_qs both_tx(pd_db *db, void *cls)
{
    struct both *b = cls;
    pd_qs qs = db->ops->tracking_get(db, b->no, row_cb, b);
    if (qs <= 0)
        return qs;
    struct pd_tracking_data d = {0};
    qs = pd_tracking_load(&app, db, b->no, &d);
    if (qs > 0)
        pd_tracking_write(&app, &d, PD_TRACKING_PUBLIC, false, 0, &b->full);
    pd_tracking_data_free(&d);
    return qs;
}

/* Store the events of waybill @p serial, then check both answers agree;
 * @p out (may be NULL) gets the answer. */
static void check(uint64_t serial, const struct ev *ev, int n, char *no, pd_buf *out)
{
    assert_true(pd_waybill_no_format(serial, no));
    struct put p = {no, ev, n};
    assert_true(pd_tx_run(st, "test.put", false, put_tx, &p) > 0);
    struct both b = {.no = no, .row = PD_BUF_INIT, .full = PD_BUF_INIT};
    assert_true(pd_tx_run(st, "test.read", true, both_tx, &b) > 0);
    assert_true(b.row_ok);
    assert_false(b.full.oom);
    assert_string_equal(b.row.data, b.full.data);
    if (out)
        *out = b.row;
    else
        pd_buf_free(&b.row);
    pd_buf_free(&b.full);
}

/* Parcels named out of order, events for one parcel and for all, signers
 * (masked; one with a quote to escape), standard and free-text reasons. */
static void parcels_signers_reasons(void **state)
{
    (void)state;
    const struct ev ev[] = {
        {0, PD_SCAN_PICKUP, 0, "SZ-NS01", 0, NULL, NULL},
        {2, PD_SCAN_ARRIVAL, 60, "GZ-HUB", 0, NULL, NULL},
        {1, PD_SCAN_SORT, 61, "GZ-HUB", 0, NULL, NULL},
        {0, PD_SCAN_DEPARTURE, 90, "GZ-HUB", 0, NULL, NULL},
        {2, PD_SCAN_DELIVERED, 200, "GZ-TH01", PD_SIGNER_PROXY, "张三丰", NULL},
        {1, PD_SCAN_FAILED_ATTEMPT, 210, "GZ-TH01", 0, NULL, "门卫不让进"},
        {3, PD_SCAN_EXCEPTION, 220, NULL, 0, NULL, "damaged"},
        {1, PD_SCAN_FAILED_ATTEMPT, 230, "GZ-TH01", 0, NULL, "unreachable"},
        {1, PD_SCAN_DELIVERED, 300, "GZ-TH01", PD_SIGNER_RECIPIENT, "\"引号\"", NULL},
    };
    char no[PD_WAYBILL_NO_SIZE], p1[PD_PARCEL_NO_SIZE], p2[PD_PARCEL_NO_SIZE];
    pd_buf a;
    check(7001, ev, (int)(sizeof ev / sizeof ev[0]), no, &a);
    assert_true(pd_parcel_no_format(no, 1, p1) && pd_parcel_no_format(no, 2, p2));
    /* the parcels in the order the events first name them */
    const char *at2 = strstr(a.data, p2), *at1 = strstr(a.data, p1);
    assert_non_null(at2);
    assert_non_null(at1);
    assert_true(at2 < at1);
    assert_non_null(strstr(a.data, "\"status\":\"damaged\"")); /* parcel 3's exception wins */
    assert_non_null(strstr(a.data, "派送未成功：其他原因"));   /* free text is not shown */
    assert_non_null(strstr(a.data, "签收人：\\\"**"));         /* masked, escaped */
    pd_buf_free(&a);
}

/* Every other type, events for the whole waybill only, delivered kinds. */
static void every_type_whole_waybill(void **state)
{
    (void)state;
    const struct ev ev[] = {
        {0, PD_SCAN_PICKUP, 0, "SZ-NS01", 0, NULL, NULL},
        {0, PD_SCAN_BAG, 10, "SZ-HUB", 0, NULL, NULL},
        {0, PD_SCAN_LOAD, 20, "SZ-HUB", 0, NULL, NULL},
        {0, PD_SCAN_UNLOAD, 200, "BJ-HUB", 0, NULL, NULL},
        {0, PD_SCAN_UNBAG, 210, "BJ-HUB", 0, NULL, NULL},
        {0, PD_SCAN_STATION_ARRIVAL, 300, "BJ-CY01", 0, NULL, NULL},
        {0, PD_SCAN_OUT_FOR_DELIVERY, 310, "BJ-CY01", 0, NULL, NULL},
        {0, PD_SCAN_LOCKER_IN, 320, "BJ-CY01", PD_SIGNER_NONE, NULL, NULL},
        {0, PD_SCAN_DELIVERED, 400, "BJ-CY01", PD_SIGNER_LOCKER, "王五", NULL},
        {0, PD_SCAN_DELIVERED, 400, "BJ-CY01", PD_SIGNER_STATION, NULL, NULL},
        {0, PD_SCAN_EXCEPTION, 500, NULL, 0, NULL, "lost"},
        {0, PD_SCAN_RETURN_START, 600, "BJ-CY01", 0, NULL, NULL},
        {0, PD_SCAN_RETURNED, 900, "SZ-NS01", 0, NULL, NULL},
    };
    char no[PD_WAYBILL_NO_SIZE];
    pd_buf a;
    check(7002, ev, (int)(sizeof ev / sizeof ev[0]), no, &a);
    assert_non_null(strstr(a.data, "\"status\":\"returned\""));
    assert_non_null(strstr(a.data, "\"parcel_no\":\"")); /* the waybill alone */
    pd_buf_free(&a);
    /* a single event */
    check(7003, ev, 1, no, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parcels_signers_reasons),
        cmocka_unit_test(every_type_whole_waybill),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
