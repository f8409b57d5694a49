/*
 * Waybill and parcel numbers with Damm check digits: formatting, validation,
 * parsing and normalisation of typed input, so that handlers, the label
 * printer and the scan ingester all agree on one pure definition of a valid
 * number and reject typos before touching the database.
 */
#include "core/waybill_no.h"

#include <stdio.h>
#include <string.h>

/* The quasigroup from Damm's 2004 thesis; its zero diagonal is what makes
 * "running the check over number + check digit gives 0" the validity test. */
static const unsigned char damm[10][10] = {
    {0, 3, 1, 7, 5, 9, 8, 6, 4, 2}, {7, 0, 9, 2, 1, 5, 4, 8, 6, 3}, {4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
    {1, 7, 5, 0, 9, 8, 3, 4, 2, 6}, {6, 1, 2, 3, 0, 4, 5, 9, 7, 8}, {3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
    {5, 8, 6, 9, 7, 2, 0, 1, 3, 4}, {8, 9, 4, 5, 3, 6, 2, 0, 1, 7}, {9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
    {2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
};

int pd_damm_check_digit(const char *digits, int n)
{
    int interim = 0;
    for (int i = 0; i < n; i++) {
        if (digits[i] < '0' || digits[i] > '9')
            return -1;
        interim = damm[interim][digits[i] - '0'];
    }
    return interim;
}

static bool all_digits(const char *s, int n)
{
    for (int i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool pd_waybill_no_format(uint64_t serial, char out[PD_WAYBILL_NO_SIZE])
{
    out[0] = '\0';
    if (serial < 1 || serial > PD_WAYBILL_SERIAL_MAX)
        return false;
    char digits[16];
    snprintf(digits, sizeof digits, "%012llu", (unsigned long long)serial);
    memcpy(out, "PD", 2);
    memcpy(out + 2, digits, 12);
    out[14] = (char)('0' + pd_damm_check_digit(digits, 12));
    out[15] = '\0';
    return true;
}

bool pd_waybill_no_parse(const char *s, uint64_t *serial)
{
    if (!s || strlen(s) != PD_WAYBILL_NO_LEN || s[0] != 'P' || s[1] != 'D' ||
        !all_digits(s + 2, 13) || pd_damm_check_digit(s + 2, 13) != 0)
        return false;
    uint64_t v = 0;
    for (int i = 2; i < 14; i++)
        v = v * 10 + (uint64_t)(s[i] - '0');
    if (v < 1)
        return false;
    if (serial)
        *serial = v;
    return true;
}

bool pd_waybill_no_valid(const char *s)
{
    return pd_waybill_no_parse(s, NULL);
}

bool pd_parcel_no_format(const char *master, int seq, char out[PD_PARCEL_NO_SIZE])
{
    out[0] = '\0';
    if (!pd_waybill_no_valid(master) || seq < 1 || seq > PD_PARCEL_SEQ_MAX)
        return false;
    memcpy(out, master, PD_WAYBILL_NO_LEN);
    out[15] = (char)('0' + seq / 100);
    out[16] = (char)('0' + seq / 10 % 10);
    out[17] = (char)('0' + seq % 10);
    out[18] = (char)('0' + pd_damm_check_digit(out + 2, 16));
    out[19] = '\0';
    return true;
}

bool pd_parcel_no_parse(const char *s, char master_out[PD_WAYBILL_NO_SIZE], int *seq)
{
    if (!s || strlen(s) != PD_PARCEL_NO_LEN || s[0] != 'P' || s[1] != 'D' ||
        !all_digits(s + 2, 17) || pd_damm_check_digit(s + 2, 17) != 0)
        return false;
    char master[PD_WAYBILL_NO_SIZE];
    memcpy(master, s, PD_WAYBILL_NO_LEN);
    master[PD_WAYBILL_NO_LEN] = '\0';
    int n = (s[15] - '0') * 100 + (s[16] - '0') * 10 + (s[17] - '0');
    if (n < 1 || !pd_waybill_no_valid(master))
        return false;
    if (master_out)
        memcpy(master_out, master, PD_WAYBILL_NO_SIZE);
    if (seq)
        *seq = n;
    return true;
}

bool pd_waybill_no_normalize(const char *in, char out[PD_PARCEL_NO_SIZE])
{
    out[0] = '\0';
    if (!in)
        return false;
    while (*in == ' ' || *in == '\t')
        in++;
    size_t n = strlen(in);
    while (n > 0 && (in[n - 1] == ' ' || in[n - 1] == '\t'))
        n--;
    if (n != PD_WAYBILL_NO_LEN && n != PD_PARCEL_NO_LEN)
        return false;
    char buf[PD_PARCEL_NO_SIZE];
    memcpy(buf, in, n);
    buf[n] = '\0';
    /* Only the prefix may arrive in lower case ("pd", "Pd", "pD"); the rest is digits. */
    if (buf[0] == 'p')
        buf[0] = 'P';
    if (buf[1] == 'd')
        buf[1] = 'D';
    bool ok =
        n == PD_WAYBILL_NO_LEN ? pd_waybill_no_valid(buf) : pd_parcel_no_parse(buf, NULL, NULL);
    if (!ok)
        return false;
    memcpy(out, buf, n + 1);
    return true;
}
