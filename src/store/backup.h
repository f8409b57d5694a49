/*
 * Online backup of the embedded database: SQLite's backup API copies a
 * consistent snapshot page by page while the server keeps running (a
 * plain file copy of a WAL database would not be consistent). PostgreSQL
 * databases are backed up with pg_dump instead (docs/operations.md).
 */
#ifndef PD_STORE_BACKUP_H
#define PD_STORE_BACKUP_H

#include <stdbool.h>

/**
 * Copy the SQLite database named by @p url ("sqlite:PATH") to the file
 * @p dest (replaced if it exists; written to a temporary name first and
 * renamed, so a failed backup never leaves a truncated file behind).
 * @param[out] err reason on failure (256 bytes).
 */
bool pd_store_backup(const char *url, const char *dest, char err[256]);

#endif
