/* SQLite online backup; see backup.h. */
#include "store/backup.h"

#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define PAGES_PER_STEP 256

bool pd_store_backup(const char *url, const char *dest, char err[256])
{
    if (strncmp(url, "sqlite:", 7) != 0) {
        snprintf(err, 256, "backup works on sqlite: databases; use pg_dump for PostgreSQL");
        return false;
    }
    const char *path = url + 7;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.partial", dest);
    sqlite3 *src = NULL, *dst = NULL;
    bool ok = false;
    if (sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, 256, "cannot open %.200s: %s", path, sqlite3_errmsg(src));
        goto out;
    }
    unlink(tmp);
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, 256, "cannot create %.200s: %s", tmp, sqlite3_errmsg(dst));
        goto out;
    }
    sqlite3_busy_timeout(src, 5000);
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b) {
        snprintf(err, 256, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    int rc;
    do {
        rc = sqlite3_backup_step(b, PAGES_PER_STEP);
        if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
            sqlite3_sleep(20);
    } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) {
        snprintf(err, 256, "backup: %s", sqlite3_errstr(rc));
        goto out;
    }
    /* The copy keeps the source's WAL mode; make it one self-contained file. */
    if (sqlite3_exec(dst, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        snprintf(err, 256, "backup: %s", sqlite3_errmsg(dst));
        goto out;
    }
    ok = true;
out:
    sqlite3_close(src);
    sqlite3_close(dst);
    if (ok && rename(tmp, dest) != 0) {
        snprintf(err, 256, "cannot rename the backup to %.200s", dest);
        ok = false;
    }
    if (!ok)
        unlink(tmp);
    return ok;
}
