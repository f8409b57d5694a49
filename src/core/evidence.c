/* Evidence file types (evidence.h): the accepted media types and the magic
 * numbers that decide what an upload really is. The list is short on
 * purpose — photos from a phone and scanned documents — so that nothing a
 * browser would run (HTML, SVG, scripts) can be stored and served back. */
#include "core/evidence.h"

#include <ctype.h>
#include <string.h>

const char *const pd_evidence_content_types[] = {
    [PD_EVIDENCE_JPEG] = "image/jpeg",
    [PD_EVIDENCE_PNG] = "image/png",
    [PD_EVIDENCE_PDF] = "application/pdf",
    [PD_EVIDENCE__COUNT] = NULL,
};

static const char *const exts[] = {
    [PD_EVIDENCE_JPEG] = "jpg", [PD_EVIDENCE_PNG] = "png", [PD_EVIDENCE_PDF] = "pdf"};

const char *pd_evidence_ext(int k)
{
    return k >= 0 && k < PD_EVIDENCE__COUNT ? exts[k] : "";
}

/* Whether the media type in ct[0..n) equals @p want ignoring ASCII case. */
static bool media_is(const char *ct, size_t n, const char *want)
{
    if (strlen(want) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (tolower((unsigned char)ct[i]) != want[i])
            return false;
    return true;
}

int pd_evidence_type_parse(const char *ct)
{
    if (!ct)
        return -1;
    while (*ct == ' ' || *ct == '\t')
        ct++;
    size_t n = strcspn(ct, ";");
    while (n > 0 && (ct[n - 1] == ' ' || ct[n - 1] == '\t'))
        n--;
    for (int k = 0; k < PD_EVIDENCE__COUNT; k++)
        if (media_is(ct, n, pd_evidence_content_types[k]))
            return k;
    return media_is(ct, n, "image/jpg") ? PD_EVIDENCE_JPEG : -1;
}

int pd_evidence_sniff(const void *data, size_t len)
{
    static const unsigned char jpeg[] = {0xFF, 0xD8, 0xFF};
    static const unsigned char png[] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
    static const unsigned char pdf[] = {'%', 'P', 'D', 'F', '-'};
    if (!data)
        return -1;
    if (len >= sizeof jpeg && !memcmp(data, jpeg, sizeof jpeg))
        return PD_EVIDENCE_JPEG;
    if (len >= sizeof png && !memcmp(data, png, sizeof png))
        return PD_EVIDENCE_PNG;
    if (len >= sizeof pdf && !memcmp(data, pdf, sizeof pdf))
        return PD_EVIDENCE_PDF;
    return -1;
}
