/*
 * Evidence files of problem parcels (问题件的证据照片): which file types are
 * accepted and how a file's type is told from its first bytes (magic
 * numbers), never from the name or the declared Content-Type alone, so that
 * a script renamed photo.jpg is refused. The upload handler
 * (http/api/problem_evidence.c) stores what passes under a random name.
 *
 * Pure: no I/O, no allocation; strings returned are static.
 */
#ifndef PD_CORE_EVIDENCE_H
#define PD_CORE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>

enum pd_evidence_kind { PD_EVIDENCE_JPEG, PD_EVIDENCE_PNG, PD_EVIDENCE_PDF, PD_EVIDENCE__COUNT };

/** "image/jpeg", "image/png", "application/pdf"; index = enum, NULL-terminated. */
extern const char *const pd_evidence_content_types[];

/** The file extension of @p k without the dot ("jpg", "png", "pdf"); "" when out of range. */
const char *pd_evidence_ext(int k);

/**
 * The kind a Content-Type header names: the media type before any ';'
 * parameters, compared ignoring ASCII case and surrounding blanks
 * ("image/JPEG; q=1" is JPEG; "image/jpg" is accepted as JPEG, as some
 * phones send it). @return the kind, or -1 when @p ct is NULL or another type.
 */
int pd_evidence_type_parse(const char *ct);

/**
 * The kind @p data (of @p len bytes) is by its magic number: JPEG FF D8 FF,
 * PNG 89 50 4E 47 0D 0A 1A 0A, PDF "%PDF-". @return the kind, or -1 when
 * the bytes are none of them (too short included).
 */
int pd_evidence_sniff(const void *data, size_t len);

#endif
