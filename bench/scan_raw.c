/*
 * scan_raw: the baseline of bench/ingest.sh. It inserts scan events into the
 * `scans` table of a migrated ParcelDesk database (SQLite or PostgreSQL) the
 * plainest way a C program can: one prepared INSERT … ON CONFLICT DO
 * NOTHING per event, one transaction per batch, one connection, no HTTP, no
 * JSON, no checks, no tracking rows. The events are the kind
 * bench/ingest.lua sends over HTTP — random waybills of the --list file in
 * random order, the same types, nodes, times in the last hour and a
 * (device_id, device_seq) of their own — so the two rates are comparable.
 *
 * SQLite gets the connection settings the server's store uses (WAL,
 * synchronous=NORMAL, the same page cache and mmap size by default), so
 * the baseline is the database as ParcelDesk configures it, without
 * ParcelDesk. PostgreSQL gets its inserts pipelined (libpq pipeline mode):
 * one round trip per batch, as a bulk loader would do it.
 *
 *   scan_raw --db URL --list FILE --events N --outlets A,B --hubs C,D
 *            [--batch 500] [--cache-kib 16384] [--mmap-mib 256] [--seed S]
 *
 * Prints one line: pd-raw events=N seconds=S eps=X p50_ms=X p99_ms=X
 * (latencies per batch, i.e. per transaction). Exit 0, 1 on a database
 * failure, 2 on bad arguments. It is a benchmark tool: the SQL lives here
 * on purpose, outside src/store, to measure the database without the store.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <libpq-fe.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define COLS 17

static const char insert_sql_sqlite[] =
    "INSERT INTO scans (waybill_no, parcel_no, type, at_ms, node_code, operator, device_id,"
    " device_seq, bag_no, trip_no, temperature_mc, signer, signer_type, consent, reason, photo,"
    " received_ms) VALUES (?1, '', ?2, ?3, ?4, ?5, ?6, ?7, '', '', NULL, ?8, ?9, NULL, '', '',"
    " ?10) ON CONFLICT DO NOTHING";
static const char insert_sql_pg[] =
    "INSERT INTO scans (waybill_no, parcel_no, type, at_ms, node_code, operator, device_id,"
    " device_seq, bag_no, trip_no, temperature_mc, signer, signer_type, consent, reason, photo,"
    " received_ms) VALUES ($1, '', $2, $3, $4, $5, $6, $7, '', '', NULL, $8, $9, NULL, '', '',"
    " $10) ON CONFLICT DO NOTHING";

/* The mix bench/ingest.lua sends: type, and whether it happens at a sorting centre. */
static const struct {
    const char *type;
    bool hub;
} kinds[] = {
    {"arrival", true},
    {"arrival", true},
    {"departure", true},
    {"departure", true},
    {"sort", true},
    {"sort", true},
    {"pickup", false},
    {"station_arrival", false},
    {"out_for_delivery", false},
    {"delivered", false},
};

struct event {
    const char *waybill_no, *type, *node;
    char operator_[48];
    char device_id[48];
    int64_t seq, at_ms, received_ms;
    const char *signer, *signer_type;
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
    /* xorshift64*: enough for picking numbers, repeatable by --seed */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

__attribute__((format(printf, 2, 3), noreturn)) static void die(int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "scan_raw: ");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(code);
}

/* Comma-separated codes into a NULL-terminated array (the string is split in place). */
static char **split(char *s, int *n)
{
    char **v = calloc(strlen(s) + 2, sizeof *v);
    if (!v)
        die(1, "out of memory");
    *n = 0;
    for (char *tok = strtok(s, ","); tok; tok = strtok(NULL, ","))
        v[(*n)++] = tok;
    return v;
}

static char **load_list(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f)
        die(1, "--list: cannot read %s: %s", path, strerror(errno));
    size_t cap = 1 << 16;
    char **v = malloc(cap * sizeof *v);
    char line[64];
    *n = 0;
    while (v && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!line[0])
            continue;
        if (*n == cap) {
            cap *= 2;
            char **p = realloc(v, cap * sizeof *v);
            if (!p)
                break;
            v = p;
        }
        v[(*n)++] = strdup(line);
    }
    fclose(f);
    if (!v || *n == 0)
        die(1, "--list: %s holds no waybill number", path);
    return v;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    const char *db = NULL, *list = NULL;
    char *outlets_s = NULL, *hubs_s = NULL;
    long long events = 0, batch = 500, cache_kib = 16384, mmap_mib = 256;
    unsigned long long seed = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        long long *num = !strcmp(a, "--events")      ? &events
                         : !strcmp(a, "--batch")     ? &batch
                         : !strcmp(a, "--cache-kib") ? &cache_kib
                         : !strcmp(a, "--mmap-mib")  ? &mmap_mib
                                                     : NULL;
        if (!v)
            die(2, "%s needs a value", a);
        i++;
        if (num) {
            char *end;
            errno = 0;
            *num = strtoll(v, &end, 10);
            if (*end || errno || *num < 0)
                die(2, "%s must be a non-negative integer (got '%s')", a, v);
        } else if (!strcmp(a, "--seed")) {
            seed = strtoull(v, NULL, 10);
        } else if (!strcmp(a, "--db")) {
            db = v;
        } else if (!strcmp(a, "--list")) {
            list = v;
        } else if (!strcmp(a, "--outlets")) {
            outlets_s = strdup(v);
        } else if (!strcmp(a, "--hubs")) {
            hubs_s = strdup(v);
        } else {
            die(2, "unknown option %s", a);
        }
    }
    if (!db || !list || !outlets_s || !hubs_s || events < 1 || batch < 1)
        die(2, "usage: scan_raw --db URL --list FILE --events N --outlets A,B --hubs C,D "
               "[--batch 500] [--cache-kib K] [--mmap-mib M] [--seed S]");
    int n_out, n_hub;
    char **outlets = split(outlets_s, &n_out), **hubs = split(hubs_s, &n_hub);
    if (!n_out || !n_hub)
        die(2, "--outlets and --hubs must each name at least one node");
    size_t n_no;
    char **numbers = load_list(list, &n_no);
    rng_state = (seed ? seed : (uint64_t)getpid()) * 0x9e3779b97f4a7c15ULL | 1;
    char device[40];
    snprintf(device, sizeof device, "RAW-%d-%lld", (int)getpid(), (long long)now_ms());

    bool pg = !strncmp(db, "postgres", 8);
    if (!pg && strncmp(db, "sqlite:", 7))
        die(2, "--db must be sqlite:PATH or postgresql://… (got '%s')", db);

    sqlite3 *h = NULL;
    sqlite3_stmt *st = NULL;
    PGconn *pc = NULL;
    if (pg) {
        pc = PQconnectdb(db);
        if (PQstatus(pc) != CONNECTION_OK)
            die(1, "cannot connect to %s: %s", db, PQerrorMessage(pc));
        PGresult *r = PQprepare(pc, "ins", insert_sql_pg, 10, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK)
            die(1, "prepare: %s", PQerrorMessage(pc));
        PQclear(r);
        if (!PQenterPipelineMode(pc))
            die(1, "cannot enter pipeline mode: %s", PQerrorMessage(pc));
    } else {
        if (sqlite3_open_v2(db + 7, &h, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
            die(1, "cannot open %s: %s", db + 7, h ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_busy_timeout(h, 5000);
        char pragmas[256];
        snprintf(pragmas, sizeof pragmas,
                 "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-%lld;"
                 " PRAGMA mmap_size=%lld; PRAGMA temp_store=MEMORY;",
                 cache_kib, mmap_mib * 1024 * 1024);
        if (sqlite3_exec(h, pragmas, NULL, NULL, NULL) != SQLITE_OK ||
            sqlite3_prepare_v3(h, insert_sql_sqlite, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
                SQLITE_OK)
            die(1, "cannot prepare the insert: %s", sqlite3_errmsg(h));
    }

    struct event *ev = calloc((size_t)batch, sizeof *ev);
    int64_t *lat = calloc((size_t)(events / batch + 2), sizeof *lat);
    if (!ev || !lat)
        die(1, "out of memory");
    long long done = 0, nb = 0, stored = 0, seq = 0;
    int64_t t0 = mono_us();
    while (done < events) {
        int n = (int)(events - done < batch ? events - done : batch);
        /* the rows are made before the clock of the batch starts: only the
         * database is measured */
        int64_t now = now_ms();
        for (int i = 0; i < n; i++) {
            struct event *e = &ev[i];
            int k = (int)(rnd() % (sizeof kinds / sizeof kinds[0]));
            e->waybill_no = numbers[rnd() % n_no];
            e->type = kinds[k].type;
            e->node =
                kinds[k].hub ? hubs[rnd() % (unsigned)n_hub] : outlets[rnd() % (unsigned)n_out];
            snprintf(e->operator_, sizeof e->operator_, "%.30s-07", e->node);
            snprintf(e->device_id, sizeof e->device_id, "%s", device);
            e->seq = ++seq;
            e->at_ms = now - 1000 - (int64_t)(rnd() % 3600) * 1000;
            e->received_ms = now;
            bool delivered = !strcmp(e->type, "delivered");
            e->signer = delivered ? "本人" : "";
            e->signer_type = delivered ? "recipient" : NULL;
        }
        int64_t b0 = mono_us();
        if (pg) {
            char seq_s[24], at_s[24], rcv_s[24];
            PQsendQueryParams(pc, "BEGIN", 0, NULL, NULL, NULL, NULL, 0);
            for (int i = 0; i < n; i++) {
                struct event *e = &ev[i];
                snprintf(seq_s, sizeof seq_s, "%" PRId64, e->seq);
                snprintf(at_s, sizeof at_s, "%" PRId64, e->at_ms);
                snprintf(rcv_s, sizeof rcv_s, "%" PRId64, e->received_ms);
                const char *p[10] = {e->waybill_no,  e->type,      at_s,  e->node,
                                     e->operator_,   e->device_id, seq_s, e->signer,
                                     e->signer_type, rcv_s};
                if (!PQsendQueryPrepared(pc, "ins", 10, p, NULL, NULL, 0))
                    die(1, "send: %s", PQerrorMessage(pc));
            }
            PQsendQueryParams(pc, "COMMIT", 0, NULL, NULL, NULL, NULL, 0);
            if (!PQpipelineSync(pc))
                die(1, "sync: %s", PQerrorMessage(pc));
            /* n + 2 results, each followed by NULL, then the sync */
            for (int i = 0; i < n + 2; i++) {
                PGresult *r = PQgetResult(pc);
                ExecStatusType s = PQresultStatus(r);
                if (s != PGRES_COMMAND_OK)
                    die(1, "insert: %s", PQresultErrorMessage(r));
                if (i > 0 && i <= n)
                    stored += atoll(PQcmdTuples(r));
                PQclear(r);
                PQclear(PQgetResult(pc)); /* the NULL ending this query's results */
            }
            PGresult *r = PQgetResult(pc);
            if (PQresultStatus(r) != PGRES_PIPELINE_SYNC)
                die(1, "expected the pipeline sync: %s", PQerrorMessage(pc));
            PQclear(r);
        } else {
            if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
                die(1, "begin: %s", sqlite3_errmsg(h));
            for (int i = 0; i < n; i++) {
                struct event *e = &ev[i];
                sqlite3_bind_text(st, 1, e->waybill_no, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, e->type, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 3, e->at_ms);
                sqlite3_bind_text(st, 4, e->node, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 5, e->operator_, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 6, e->device_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 7, e->seq);
                sqlite3_bind_text(st, 8, e->signer, -1, SQLITE_STATIC);
                if (e->signer_type)
                    sqlite3_bind_text(st, 9, e->signer_type, -1, SQLITE_STATIC);
                else
                    sqlite3_bind_null(st, 9);
                sqlite3_bind_int64(st, 10, e->received_ms);
                if (sqlite3_step(st) != SQLITE_DONE)
                    die(1, "insert: %s", sqlite3_errmsg(h));
                stored += sqlite3_changes(h);
                sqlite3_reset(st);
            }
            if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
                die(1, "commit: %s", sqlite3_errmsg(h));
        }
        lat[nb++] = mono_us() - b0;
        done += n;
    }
    double secs = (double)(mono_us() - t0) / 1e6;
    int64_t busy = 0;
    for (long long i = 0; i < nb; i++)
        busy += lat[i];
    qsort(lat, (size_t)nb, sizeof *lat, cmp_i64);
    if (stored != done)
        die(1, "stored %lld of %lld events (idempotency keys collided)", stored, done);
    /* The rate counts the database's time only (the batches), not the
     * making of the rows in between. */
    printf("pd-raw events=%lld seconds=%.3f eps=%.0f p50_ms=%.3f p99_ms=%.3f wall_seconds=%.3f\n",
           done, (double)busy / 1e6, (double)done / ((double)busy / 1e6),
           (double)lat[nb / 2] / 1000.0,
           (double)lat[(nb * 99) / 100 < nb ? (nb * 99) / 100 : nb - 1] / 1000.0, secs);
    if (pg) {
        PQexitPipelineMode(pc);
        PQfinish(pc);
    } else {
        sqlite3_finalize(st);
        sqlite3_close(h);
    }
    for (size_t i = 0; i < n_no; i++)
        free(numbers[i]);
    free(numbers);
    free(outlets);
    free(hubs);
    free(outlets_s);
    free(hubs_s);
    free(ev);
    free(lat);
    return 0;
}
