/*
 * Unit tests of core/evidence.c (upload types told by magic bytes, the
 * accepted Content-Type spellings) and core/handover.c (who may
 * acknowledge a shift handover: invariants 1 and 2 of handover.h).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/evidence.h"
#include "core/handover.h"

static void sniff(void **state)
{
    (void)state;
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, 'J', 'F', 'I', 'F'};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0};
    assert_int_equal(pd_evidence_sniff(jpeg, sizeof jpeg), PD_EVIDENCE_JPEG);
    assert_int_equal(pd_evidence_sniff(png, sizeof png), PD_EVIDENCE_PNG);
    assert_int_equal(pd_evidence_sniff("%PDF-1.7\n", 9), PD_EVIDENCE_PDF);
    /* too short, or something else with an image's name */
    assert_int_equal(pd_evidence_sniff(jpeg, 2), -1);
    assert_int_equal(pd_evidence_sniff(png, 7), -1);
    assert_int_equal(pd_evidence_sniff("<svg onload=alert(1)>", 21), -1);
    assert_int_equal(pd_evidence_sniff("GIF89a", 6), -1);
    assert_int_equal(pd_evidence_sniff(NULL, 10), -1);
    assert_string_equal(pd_evidence_ext(PD_EVIDENCE_PNG), "png");
    assert_string_equal(pd_evidence_ext(PD_EVIDENCE__COUNT), "");
}

static void content_types(void **state)
{
    (void)state;
    assert_int_equal(pd_evidence_type_parse("image/jpeg"), PD_EVIDENCE_JPEG);
    assert_int_equal(pd_evidence_type_parse(" Image/JPEG ; q=1"), PD_EVIDENCE_JPEG);
    assert_int_equal(pd_evidence_type_parse("image/jpg"), PD_EVIDENCE_JPEG);
    assert_int_equal(pd_evidence_type_parse("image/png"), PD_EVIDENCE_PNG);
    assert_int_equal(pd_evidence_type_parse("application/pdf"), PD_EVIDENCE_PDF);
    assert_int_equal(pd_evidence_type_parse("image/svg+xml"), -1);
    assert_int_equal(pd_evidence_type_parse("text/html"), -1);
    assert_int_equal(pd_evidence_type_parse("image/pngx"), -1);
    assert_int_equal(pd_evidence_type_parse(""), -1);
    assert_int_equal(pd_evidence_type_parse(NULL), -1);
}

static void handover_ack(void **state)
{
    (void)state;
    /* node 7, written by user 1 */
    assert_int_equal(pd_handover_may_ack(7, 1, 0, 2, 7), PD_HANDOVER_ACK_OK);
    assert_int_equal(pd_handover_may_ack(7, 1, 0, 1, 7), PD_HANDOVER_ACK_AUTHOR);
    assert_int_equal(pd_handover_may_ack(7, 1, 0, 2, 8), PD_HANDOVER_ACK_OTHER_NODE);
    assert_int_equal(pd_handover_may_ack(7, 1, 123, 2, 7), PD_HANDOVER_ACK_DONE);
    assert_string_equal(pd_handover_shift_zh(PD_SHIFT_NIGHT), "夜班");
    assert_string_equal(pd_handover_shift_zh(PD_SHIFT__COUNT), "");
    assert_null(pd_handover_shift_names[PD_SHIFT__COUNT]);
    assert_string_equal(pd_handover_item_kinds[PD_HANDOVER_PROBLEM], "problem");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sniff),
        cmocka_unit_test(content_types),
        cmocka_unit_test(handover_ack),
    };
    return cmocka_run_group_tests_name("core/evidence.c, core/handover.c", tests, NULL, NULL);
}
