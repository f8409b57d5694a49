/*
 * Forward-only schema migrations. Each backend has numbered scripts
 * (src/store/migrations/<backend>/NNN_name.sql), compiled into the binary;
 * the table schema_version records which have run. pd_store_migrate() runs
 * the missing ones in order, each in its own transaction with its version
 * record, so a failed script leaves the database at the previous version.
 */
#ifndef PD_STORE_MIGRATE_H
#define PD_STORE_MIGRATE_H

#include "store/store.h"

struct pd_migration {
    int version;      /* NNN from the file name; 0 ends a table */
    const char *name; /* file name */
    const char *sql;  /* the script */
};

extern const struct pd_migration pd_migrations_sqlite[];
extern const struct pd_migration pd_migrations_pg[];

/**
 * Bring the schema up to date.
 * @param[out] from version before (may be NULL)
 * @param[out] to   version after (may be NULL)
 * @param[out] err  reason on failure (256 bytes)
 * @return true on success.
 */
bool pd_store_migrate(pd_store *st, int *from, int *to, char err[256]);

/** Highest version shipped for the store's backend. */
int pd_store_latest_version(const pd_store *st);

#endif
