/* multipart/form-data parsing for single-file uploads (multipart.h). The
 * body is scanned for "\r\n--BOUNDARY" delimiters with memmem; each part's
 * headers are read up to the blank line, and only Content-Disposition (for
 * the field name and whether it is a file) and Content-Type are looked at.
 * Anything not well-formed is refused rather than guessed at. */
#include "http/multipart.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define BOUNDARY_MAX 70 /* RFC 2046 */

bool pd_multipart_is(const char *ct)
{
    if (!ct)
        return false;
    while (*ct == ' ')
        ct++;
    return strncasecmp(ct, "multipart/form-data", 19) == 0 &&
           (ct[19] == '\0' || ct[19] == ';' || ct[19] == ' ');
}

/* The value of parameter @p key (e.g. "boundary") in a header value, quoted
 * or not, into out; false when absent or too long. */
static bool param(const char *h, const char *hend, const char *key, char *out, size_t cap)
{
    size_t kn = strlen(key);
    for (const char *p = h; p < hend; p++) {
        if (*p != ';')
            continue;
        const char *q = p + 1;
        while (q < hend && (*q == ' ' || *q == '\t'))
            q++;
        if ((size_t)(hend - q) <= kn || strncasecmp(q, key, kn) != 0 || q[kn] != '=')
            continue;
        q += kn + 1;
        size_t n = 0;
        if (q < hend && *q == '"') {
            q++;
            while (q + n < hend && q[n] != '"')
                n++;
            if (q + n >= hend)
                return false; /* unterminated quote */
        } else {
            while (q + n < hend && q[n] != ';' && q[n] != ' ' && q[n] != '\t')
                n++;
        }
        if (n == 0 || n >= cap)
            return false;
        memcpy(out, q, n);
        out[n] = '\0';
        return true;
    }
    return false;
}

/* One part's headers [h, hend): its field name, whether it has a filename,
 * and its Content-Type. */
static bool part_headers(const char *h, const char *hend, struct pd_multipart_file *f,
                         bool *is_file)
{
    bool disposition = false;
    *is_file = false;
    f->content_type[0] = f->name[0] = '\0';
    while (h < hend) {
        const char *eol = memmem(h, (size_t)(hend - h), "\r\n", 2);
        const char *lend = eol ? eol : hend;
        const char *colon = memchr(h, ':', (size_t)(lend - h));
        if (!colon)
            return false;
        const char *v = colon + 1;
        while (v < lend && (*v == ' ' || *v == '\t'))
            v++;
        size_t kn = (size_t)(colon - h);
        if (kn == 19 && strncasecmp(h, "Content-Disposition", 19) == 0) {
            if ((size_t)(lend - v) < 9 || strncasecmp(v, "form-data", 9) != 0)
                return false;
            disposition = true;
            char fname[256];
            if (!param(v, lend, "name", f->name, sizeof f->name))
                return false;
            /* An empty filename="" is a file input with no file chosen. */
            *is_file = param(v, lend, "filename", fname, sizeof fname);
        } else if (kn == 12 && strncasecmp(h, "Content-Type", 12) == 0) {
            size_t n = (size_t)(lend - v);
            if (n >= sizeof f->content_type)
                return false;
            memcpy(f->content_type, v, n);
            f->content_type[n] = '\0';
        }
        h = eol ? eol + 2 : hend;
    }
    return disposition;
}

bool pd_multipart_find(const char *ct, const char *body, size_t len, const char *field,
                       struct pd_multipart_file *out, char err[128])
{
    memset(out, 0, sizeof *out);
    char b[BOUNDARY_MAX + 1];
    if (!pd_multipart_is(ct) || !param(ct, ct + strlen(ct), "boundary", b, sizeof b)) {
        snprintf(err, 128, "multipart/form-data without a valid boundary");
        return false;
    }
    char delim[BOUNDARY_MAX + 5];
    int dn = snprintf(delim, sizeof delim, "\r\n--%s", b);
    /* The first delimiter may open the body without the CRLF before it. */
    const char *p;
    const char *end = body + len;
    if (len >= (size_t)dn - 2 && memcmp(body, delim + 2, (size_t)dn - 2) == 0)
        p = body + dn - 2;
    else if ((p = memmem(body, len, delim, (size_t)dn)) != NULL)
        p += dn;
    else {
        snprintf(err, 128, "no part starts with the boundary");
        return false;
    }
    struct pd_multipart_file only = {0};
    int files = 0;
    for (;;) {
        /* After a delimiter: "--" closes the body, CRLF opens a part. */
        if (end - p >= 2 && p[0] == '-' && p[1] == '-')
            break;
        while (p < end && (*p == ' ' || *p == '\t'))
            p++;
        if (end - p < 2 || p[0] != '\r' || p[1] != '\n') {
            snprintf(err, 128, "malformed part delimiter");
            return false;
        }
        p += 2;
        const char *hend = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
        if (!hend) {
            snprintf(err, 128, "a part's headers do not end");
            return false;
        }
        const char *data = hend + 4;
        const char *next = memmem(data, (size_t)(end - data), delim, (size_t)dn);
        if (!next) {
            snprintf(err, 128, "the last part does not end with the boundary");
            return false;
        }
        struct pd_multipart_file f = {.data = data, .len = (size_t)(next - data)};
        bool is_file;
        if (!part_headers(p, hend, &f, &is_file)) {
            snprintf(err, 128, "a part without a valid Content-Disposition");
            return false;
        }
        if (field && !strcmp(f.name, field)) {
            *out = f;
            return true;
        }
        if (is_file && files++ == 0)
            only = f;
        p = next + dn;
    }
    if (files == 1) {
        *out = only;
        return true;
    }
    snprintf(err, 128, files ? "several files and none in the field \"%s\"" : "no file part",
             field ? field : "");
    return false;
}
