/*
 * multipart/form-data (RFC 7578), just enough for one file upload from a
 * browser form or `curl -F file=@photo.jpg`: find the boundary in the
 * Content-Type header and the part that carries the file. Parts are not
 * copied: the result points into the body it was found in.
 *
 * Ownership: nothing is allocated; out->data points into @p body and lives
 * as long as it does; out->content_type and out->name are copies.
 */
#ifndef PD_HTTP_MULTIPART_H
#define PD_HTTP_MULTIPART_H

#include <stdbool.h>
#include <stddef.h>

struct pd_multipart_file {
    const char *data; /* into the body */
    size_t len;
    char content_type[128]; /* the part's Content-Type, "" when it gave none */
    char name[64];          /* the form field's name */
};

/** Whether the Content-Type header @p ct is multipart/form-data. */
bool pd_multipart_is(const char *ct);

/**
 * The file part of @p body: the part whose form field is named @p field,
 * else the only part with a filename.
 * @param ct the request's Content-Type header (with its boundary parameter).
 * @param[out] err a reason on failure (128 bytes).
 * @return false when the boundary is missing or malformed, the body is not
 *         well-formed multipart, or no such part exists.
 */
bool pd_multipart_find(const char *ct, const char *body, size_t len, const char *field,
                       struct pd_multipart_file *out, char err[128]);

#endif
