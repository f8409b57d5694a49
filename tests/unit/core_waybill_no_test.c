/* Unit tests of src/core/waybill_no: the number scheme, its check digits and
 * the proof that every single-digit error and adjacent transposition is caught. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "core/waybill_no.h"

/* Deterministic spread of serials over the whole range, plus the edges. */
static uint64_t serial_at(int i)
{
    if (i == 0)
        return 1;
    if (i == 1)
        return PD_WAYBILL_SERIAL_MAX;
    uint64_t x = (uint64_t)i * 0x9E3779B97F4A7C15ULL;
    x ^= x >> 29;
    return x % PD_WAYBILL_SERIAL_MAX + 1;
}

static void damm_reference(void **state)
{
    (void)state;
    /* The worked example of Damm's algorithm: 572 -> check digit 4. */
    assert_int_equal(pd_damm_check_digit("572", 3), 4);
    assert_int_equal(pd_damm_check_digit("5724", 4), 0);
    assert_int_equal(pd_damm_check_digit("57a", 3), -1);
}

static void format_and_parse(void **state)
{
    (void)state;
    char no[PD_WAYBILL_NO_SIZE];
    assert_true(pd_waybill_no_format(1, no));
    assert_int_equal(strlen(no), PD_WAYBILL_NO_LEN);
    assert_memory_equal(no, "PD000000000001", 14);
    assert_int_equal(no[14] - '0', pd_damm_check_digit("000000000001", 12));
    uint64_t s = 0;
    assert_true(pd_waybill_no_parse(no, &s));
    assert_int_equal(s, 1);

    assert_false(pd_waybill_no_format(0, no));
    assert_string_equal(no, "");
    assert_false(pd_waybill_no_format(PD_WAYBILL_SERIAL_MAX + 1, no));
    assert_true(pd_waybill_no_format(PD_WAYBILL_SERIAL_MAX, no));
    assert_memory_equal(no, "PD999999999999", 14);

    for (int i = 0; i < 5000; i++) {
        assert_true(pd_waybill_no_format(serial_at(i), no));
        assert_true(pd_waybill_no_parse(no, &s));
        assert_int_equal(s, serial_at(i));
    }
    /* Serial 0 with its right check digit is still not a number we issue. */
    assert_false(pd_waybill_no_valid("PD0000000000000"));
    assert_false(pd_waybill_no_valid(NULL));
    assert_false(pd_waybill_no_valid(""));
    assert_false(pd_waybill_no_valid("pd0000000000018")); /* canonical form only */
}

/* Every single-digit substitution and every adjacent transposition of the
 * digit part (check digit included) must make the number invalid. */
static void catches_all_typos(const char *good, int ndigits, int (*valid)(const char *))
{
    char s[PD_PARCEL_NO_SIZE];
    for (int p = 2; p < 2 + ndigits; p++)
        for (char d = '0'; d <= '9'; d++) {
            if (d == good[p])
                continue;
            strcpy(s, good);
            s[p] = d;
            if (valid(s))
                fail_msg("single-digit error not caught: %s -> %s", good, s);
        }
    for (int p = 2; p + 1 < 2 + ndigits; p++) {
        if (good[p] == good[p + 1])
            continue;
        strcpy(s, good);
        s[p] = good[p + 1];
        s[p + 1] = good[p];
        if (valid(s))
            fail_msg("transposition not caught: %s -> %s", good, s);
    }
}

static int waybill_valid(const char *s)
{
    return pd_waybill_no_valid(s);
}

static int parcel_valid(const char *s)
{
    return pd_parcel_no_parse(s, NULL, NULL);
}

static void detects_single_errors_and_transpositions(void **state)
{
    (void)state;
    char no[PD_WAYBILL_NO_SIZE], parcel[PD_PARCEL_NO_SIZE];
    for (int i = 0; i < 3000; i++) {
        assert_true(pd_waybill_no_format(serial_at(i), no));
        catches_all_typos(no, 13, waybill_valid);
        assert_true(pd_parcel_no_format(no, i % PD_PARCEL_SEQ_MAX + 1, parcel));
        catches_all_typos(parcel, 17, parcel_valid);
    }
}

static void parcel_numbers(void **state)
{
    (void)state;
    char master[PD_WAYBILL_NO_SIZE], parcel[PD_PARCEL_NO_SIZE], back[PD_WAYBILL_NO_SIZE];
    int seq = 0;
    assert_true(pd_waybill_no_format(123456789, master));
    assert_true(pd_parcel_no_format(master, 7, parcel));
    assert_int_equal(strlen(parcel), PD_PARCEL_NO_LEN);
    assert_memory_equal(parcel, master, PD_WAYBILL_NO_LEN);
    assert_memory_equal(parcel + 15, "007", 3);
    assert_true(pd_parcel_no_parse(parcel, back, &seq));
    assert_string_equal(back, master);
    assert_int_equal(seq, 7);
    /* A parcel number is not a waybill number and vice versa. */
    assert_false(pd_waybill_no_valid(parcel));
    assert_false(pd_parcel_no_parse(master, NULL, NULL));

    assert_false(pd_parcel_no_format(master, 0, parcel));
    assert_string_equal(parcel, "");
    assert_false(pd_parcel_no_format(master, PD_PARCEL_SEQ_MAX + 1, parcel));
    assert_true(pd_parcel_no_format(master, PD_PARCEL_SEQ_MAX, parcel));
    assert_false(pd_parcel_no_format("PD0000000000000", 1, parcel));
    assert_false(pd_parcel_no_format(NULL, 1, parcel));

    /* A parcel whose own check digit is right but whose master part is not a
     * valid waybill number (master check digit wrong) is refused. */
    char forged[PD_PARCEL_NO_SIZE];
    strcpy(forged, "PD000123456789");
    forged[14] = (char)('0' + (master[14] - '0' + 1) % 10);
    memcpy(forged + 15, "001", 3);
    forged[18] = (char)('0' + pd_damm_check_digit(forged + 2, 16));
    forged[19] = '\0';
    assert_int_equal(pd_damm_check_digit(forged + 2, 17), 0);
    assert_false(pd_parcel_no_parse(forged, NULL, NULL));
    /* Sequence 000 with a right check digit is refused too. */
    memcpy(forged, master, PD_WAYBILL_NO_LEN);
    memcpy(forged + 15, "000", 3);
    forged[18] = (char)('0' + pd_damm_check_digit(forged + 2, 16));
    assert_false(pd_parcel_no_parse(forged, NULL, NULL));
}

static void normalize(void **state)
{
    (void)state;
    char no[PD_WAYBILL_NO_SIZE], parcel[PD_PARCEL_NO_SIZE], out[PD_PARCEL_NO_SIZE], in[64];
    assert_true(pd_waybill_no_format(42, no));
    assert_true(pd_parcel_no_format(no, 2, parcel));

    snprintf(in, sizeof in, "  pd%s\t ", no + 2);
    assert_true(pd_waybill_no_normalize(in, out));
    assert_string_equal(out, no);
    snprintf(in, sizeof in, "pd%s", parcel + 2);
    assert_true(pd_waybill_no_normalize(in, out));
    assert_string_equal(out, parcel);
    assert_true(pd_waybill_no_normalize(no, out));
    assert_string_equal(out, no);

    /* Nothing else is forgiven. */
    snprintf(in, sizeof in, "PD %s", no + 2);
    assert_false(pd_waybill_no_normalize(in, out));
    assert_string_equal(out, "");
    snprintf(in, sizeof in, "PD-%s", no + 2);
    assert_false(pd_waybill_no_normalize(in, out));
    snprintf(in, sizeof in, "%s\n", no);
    assert_false(pd_waybill_no_normalize(in, out));
    snprintf(in, sizeof in, "%s", no + 2); /* digits without the prefix */
    assert_false(pd_waybill_no_normalize(in, out));
    snprintf(in, sizeof in, "PD%.7s %s", no + 2, no + 9);
    assert_false(pd_waybill_no_normalize(in, out));
    strcpy(in, no);
    in[5] = in[5] == '9' ? '0' : (char)(in[5] + 1); /* a typo */
    assert_false(pd_waybill_no_normalize(in, out));
    assert_false(pd_waybill_no_normalize(NULL, out));
    assert_false(pd_waybill_no_normalize("   ", out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(damm_reference),
        cmocka_unit_test(format_and_parse),
        cmocka_unit_test(detects_single_errors_and_transpositions),
        cmocka_unit_test(parcel_numbers),
        cmocka_unit_test(normalize),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
