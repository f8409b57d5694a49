#!/usr/bin/env bash
# Benchmark: scan ingestion over HTTP (`POST /api/v1/scans`, batches of 500
# events for waybills in random order, bench/ingest.lua) on SQLite and on
# PostgreSQL, each beside the raw insert rate of the same kind of rows into
# the same kind of database measured in the same run by bench/scan_raw.c
# (one prepared INSERT, one transaction per batch of 500, no HTTP, no
# checks, no tracking). The issue's targets: >= 100,000 events/s on SQLite,
# and HTTP >= 0.5 x raw on each database. Per backend it prints events/s
# end to end (acknowledged and projected into scans and the tracking rows:
# on SQLite batches are acknowledged when appended to the scan log, and the
# run's events are divided by its seconds plus the time the projector then
# needs to empty the log; docs/tracking.md "The scan log"), acknowledged
# events/s, p50/p99 per batch, the ratio, and the server's anonymous and
# file-backed memory at the end (RssAnon, RssFile from /proc; target
# RssAnon <= 256 MB).
#
# The waybills come from `parceldesk generate --events-per-waybill 0`
# (waybills awaiting their first scan); the database is copied before the
# HTTP run, and scan_raw inserts into the copy as many events as the server
# stored, so both start from the same rows and grow the table alike.
#
# A missed target is reported, not fatal. A broken measurement exits 1: a
# server that does not start, any answer but 200 with every event accepted
# (none duplicate, none rejected), socket errors, lost keep-alive, or a row
# count that does not match: every event the server acknowledged must be
# stored exactly once (the scans added over the server's life = 500 x the
# access log's 200 answers + the probes' events, and no idempotency key
# twice). PostgreSQL runs in a throwaway cluster (scripts/pg-cluster.sh);
# without its server binaries its row is skipped, a failure only when
# CI=true. Everything runs on 127.0.0.1 in temporary directories that are
# removed at the end.
#
# Environment: PD_BIN (default build/parceldesk), SCAN_RAW_BIN (default: the
# scan_raw next to PD_BIN), BENCH_WAYBILLS (200000), BENCH_BATCH (500),
# BENCH_SECONDS (10), BENCH_WARMUP (3), BENCH_CONNECTIONS (8),
# BENCH_THREADS (2), BENCH_BACKENDS ("sqlite pg"), PD_PG_PORT (55470),
# PD_PG_BINDIR, BENCH_JSON (write the figures as JSON to this path), CI.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PD_BIN=${PD_BIN:-$ROOT/build/parceldesk}
WAYBILLS=${BENCH_WAYBILLS:-200000}
BATCH=${BENCH_BATCH:-500}
DURATION=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-8}
THREADS=${BENCH_THREADS:-2}
BACKENDS=${BENCH_BACKENDS:-sqlite pg}
PG_PORT=${PD_PG_PORT:-55470}
JSON_OUT=${BENCH_JSON:-}
TARGET_RATIO=0.50
TARGET_SQLITE_EPS=100000
TARGET_ANON_MB=256
LUA=$ROOT/bench/ingest.lua

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
    say "FAILED: $*"
    exit 1
}

# Bad settings get an error naming the variable, before anything starts.
need_int() { # NAME VALUE MIN MAX
    [[ $2 =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ] && [ "$2" -le "$4" ] ||
        { say "$1 must be an integer from $3 to $4 (got '$2')"; exit 2; }
}
need_int BENCH_WAYBILLS "$WAYBILLS" 1 100000000
need_int BENCH_BATCH "$BATCH" 1 1000
need_int BENCH_SECONDS "$DURATION" 1 600
need_int BENCH_WARMUP "$WARMUP" 0 120
need_int BENCH_CONNECTIONS "$CONNS" 1 1000
need_int BENCH_THREADS "$THREADS" 1 64
need_int PD_PG_PORT "$PG_PORT" 1024 65535
[ "$THREADS" -le "$CONNS" ] || { say "BENCH_THREADS ($THREADS) must not exceed BENCH_CONNECTIONS ($CONNS)"; exit 2; }
read -r -a BACKEND_LIST <<<"$BACKENDS"
[ ${#BACKEND_LIST[@]} -gt 0 ] || { say "BENCH_BACKENDS must name sqlite, pg or both (got '$BACKENDS')"; exit 2; }
for b in "${BACKEND_LIST[@]}"; do
    [[ $b =~ ^(sqlite|pg)$ ]] || { say "BENCH_BACKENDS must name sqlite, pg or both (got '$BACKENDS')"; exit 2; }
done

PD_BIN=$(readlink -f "$PD_BIN" 2>/dev/null || true)
[ -n "$PD_BIN" ] && [ -x "$PD_BIN" ] ||
    { say "PD_BIN: ${PD_BIN:-build/parceldesk} is not an executable (run 'make build' or set PD_BIN)"; exit 2; }
RAW_BIN=$(readlink -f "${SCAN_RAW_BIN:-$(dirname "$PD_BIN")/scan_raw}" 2>/dev/null || true)
[ -n "$RAW_BIN" ] && [ -x "$RAW_BIN" ] ||
    { say "SCAN_RAW_BIN: $RAW_BIN is not an executable (build the scan_raw target, or set SCAN_RAW_BIN)"; exit 2; }
[ -r "$LUA" ] || { say "$LUA is missing"; exit 2; }
for tool in wrk curl ss timeout awk sqlite3 node; do
    command -v "$tool" >/dev/null || { say "$tool is not installed (bash scripts/deps.sh installs it)"; exit 2; }
done

# The figures must come from a normal server: no test-only shortcuts.
unset PD_FAST_PWHASH PD_FAKE_NOW

# Other work on the machine skews the figures: note it up front.
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pd-bench.XXXXXX")
PD_PID=""
PG_DIR=""

stop_pid() { # PID NAME — stop one child, bounded: TERM, then KILL after 10 s
    local pid=$1 name=$2 i rc=0
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "$name did not stop within 10 s of SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}
stop_pd() {
    local rc=0
    stop_pid "$PD_PID" parceldesk || rc=$?
    PD_PID=""
    # The contract says SIGTERM is a graceful stop with exit status 0.
    [ "$rc" -eq 0 ] || say "warning: parceldesk exited with status $rc after SIGTERM (expected 0)"
}
stop_pg() {
    [ -n "$PG_DIR" ] || return 0
    PD_PG_DIR=$PG_DIR timeout 90 bash "$ROOT/scripts/pg-cluster.sh" stop >/dev/null 2>&1 ||
        say "warning: scripts/pg-cluster.sh stop failed for $PG_DIR"
    rm -rf "$PG_DIR"
    PG_DIR=""
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pd
    stop_pg
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- PostgreSQL binaries ---------------------------------------------------

# The same search as scripts/pg-cluster.sh, so that "missing" means the
# cluster could not have started.
pg_bindir() {
    local d
    if [ -n "${PD_PG_BINDIR:-}" ]; then
        [ -x "$PD_PG_BINDIR/initdb" ] && echo "$PD_PG_BINDIR"
        return 0
    fi
    d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
        return 0
    fi
    if command -v pg_config >/dev/null 2>&1; then
        d=$(pg_config --bindir)
        [ -x "$d/initdb" ] && echo "$d"
    fi
    return 0
}

# ---- parceldesk -------------------------------------------------------------

DB=""      # the --db URL the server measures
RAW_DB=""  # the copy scan_raw inserts into
PGBIN=""   # PostgreSQL binaries, when measuring PostgreSQL
PASSWORD="bench-$RANDOM-$RANDOM-Pw1"
PD_PORT=""
BASE=""
AUTH=""
LIST=""
OUTLETS=""
HUBS=""

start_pd() {
    local i line
    : >"$TMP/pd.out"
    : >"$TMP/access.log"
    (cd "$ROOT" && exec "$PD_BIN" serve --db "$DB" --listen 127.0.0.1:0 \
        --server-access-log "$TMP/access.log" >"$TMP/pd.out" 2>>"$TMP/pd.err") &
    PD_PID=$!
    # The server prints exactly one line when it is ready: "listening on URL".
    for ((i = 0; i < 200; i++)); do
        line=$(head -n 1 "$TMP/pd.out")
        if [[ $line =~ ^listening\ on\ http://127\.0\.0\.1:([0-9]+)$ ]]; then
            PD_PORT=${BASH_REMATCH[1]}
            BASE="http://127.0.0.1:$PD_PORT"
            return 0
        fi
        kill -0 "$PD_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$TMP/pd.err" >&2 || true
    die "parceldesk serve did not print 'listening on http://127.0.0.1:PORT' within 20 s (stdout: '$(head -c 200 "$TMP/pd.out")')"
}

# One SQL query answered by the database itself (not through the API under
# test): sqlite3 or psql.
sql() { # URL QUERY
    local out
    case $1 in
    sqlite:*) out=$(timeout 120 sqlite3 -batch -cmd '.timeout 10000' "${1#sqlite:}" "$2" 2>&1) ||
        die "sqlite3: $2: $out" ;;
    *) out=$(timeout 120 "$PGBIN/psql" "$1" -XtAqc "$2" 2>&1) || die "psql: $2: $out" ;;
    esac
    echo "$out"
}

# Stored events: in scans, or (SQLite) acknowledged and still in the scan
# log waiting for the projector (docs/tracking.md, "The scan log").
count_scans() { # URL
    local n
    n=$(sql "$1" 'SELECT (SELECT count(*) FROM scans) + (SELECT count(*) FROM scan_log)')
    [[ $n =~ ^[0-9]+$ ]] || die "counting scans gave '$n'"
    echo "$n"
}

count_log() { # URL -> events in the scan log
    local n
    n=$(sql "$1" 'SELECT count(*) FROM scan_log')
    [[ $n =~ ^[0-9]+$ ]] || die "counting the scan log gave '$n'"
    echo "$n"
}

# Wait until the projector has emptied the scan log (bounded); prints the
# seconds since T0 (date +%s%N; default now), with millisecond resolution.
drain_log() { # NAME [T0]
    local t0=${2:-$(date +%s%N)} t1 i
    for ((i = 0; i < 6000; i++)); do
        [ "$(count_log "$DB")" -eq 0 ] && break
        sleep 0.1
    done
    [ "$(count_log "$DB")" -eq 0 ] || die "$1: the scan log still held $(count_log "$DB") events 600 s after wrk stopped"
    t1=$(date +%s%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# Batches still in flight when wrk stops are finished by the server after
# wrk has gone: wait until the count stops moving (bounded) before reading it.
settled_scans() {
    local a b i
    a=$(count_scans "$DB")
    for ((i = 0; i < 50; i++)); do
        sleep 0.3
        b=$(count_scans "$DB")
        [ "$a" = "$b" ] && { echo "$b"; return 0; }
        a=$b
    done
    die "the scan count was still moving 15 s after wrk stopped"
}

# A single event as the Lua script builds them, for the curl probes.
probe_body() { # SEQ
    local at no
    at=$(date -u -d '-5 min' +%Y-%m-%dT%H:%M:%SZ)
    no=$(head -n 1 "$LIST")
    printf '[{"waybill_no":"%s","type":"arrival","at":"%s","node":"%s","operator":"probe",' \
        "$no" "$at" "${HUBS%%,*}"
    printf '"device_id":"BPROBE-%s","device_seq":%d}]' "$SHORT" "$1"
}
PROBE_SEQ=0
PROBE_EVENTS=0 # new events the probes stored
PROBE_200=0    # answers 200 the probes got (access log lines)

probe() { # one POST of one new event: must answer 200 with accepted 1
    local out code
    PROBE_SEQ=$((PROBE_SEQ + 1))
    out=$(curl -sS --max-time 20 -H "$AUTH" -H 'Content-Type: application/json' \
        --data-binary "$(probe_body "$PROBE_SEQ")" -w '\n%{http_code}' "$BASE/api/v1/scans") ||
        die "POST /api/v1/scans: curl failed"
    code=${out##*$'\n'}
    [ "$code" = 200 ] || die "POST /api/v1/scans answered $code, expected 200: $(head -c 400 <<<"${out%$'\n'*}")"
    grep -Eq '"accepted"[[:space:]]*:[[:space:]]*1[,}]' <<<"${out%$'\n'*}" ||
        die "POST /api/v1/scans did not accept the probe event: $(head -c 400 <<<"${out%$'\n'*}")"
    PROBE_EVENTS=$((PROBE_EVENTS + 1))
    PROBE_200=$((PROBE_200 + 1))
}

# Three POSTs through one curl handle must share one connection: curl says
# "Re-using existing connection" for the second and third. The same event
# three times: one new, then two duplicates.
check_keepalive() {
    local out n ok u="$BASE/api/v1/scans" body
    PROBE_SEQ=$((PROBE_SEQ + 1))
    body=$(probe_body "$PROBE_SEQ")
    out=$(curl -sv --max-time 10 -H "$AUTH" -H 'Content-Type: application/json' \
        --data-binary "$body" -o /dev/null -o /dev/null -o /dev/null "$u" "$u" "$u" 2>&1) ||
        die "keep-alive probe failed: $(tail -n 5 <<<"$out")"
    PROBE_EVENTS=$((PROBE_EVENTS + 1))
    n=$(grep -Eci 're-?using existing connection' <<<"$out" || true)
    ok=$(grep -Eci '^< HTTP/1\.[01] 200' <<<"$out" || true)
    [ "$ok" -eq 3 ] || die "keep-alive probe got $ok of 3 answers with status 200"
    PROBE_200=$((PROBE_200 + 3))
    grep -Eqi '^< connection:[[:space:]]*close' <<<"$out" &&
        die "POST /api/v1/scans answers with 'Connection: close' (keep-alive broken)"
    [ "$n" -ge 2 ] || die "the server closed the connection between POSTs (keep-alive broken): curl reused it $n of 2 times"
}

server_time_wait() { # connections the server closed itself leave TIME_WAIT on its port
    ss -Htan state time-wait "( sport = :$PD_PORT )" 2>/dev/null | wc -l
}

# Run wrk with ingest.lua and leave the figures in R_*.
run_wrk() { # NAME TAG SECONDS
    local name=$1 tag=$2 secs=$3 out="$TMP/wrk.$2.txt" line sock
    timeout $((secs + 120)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 10s --latency \
        -H "$AUTH" -s "$LUA" "$BASE/api/v1/scans" -- "$LIST" "$tag" "$OUTLETS" "$HUBS" "$BATCH" \
        >"$out" 2>&1 || die "$name: wrk failed: $(cat "$out")"
    line=$(grep '^pd-result ' "$out" || true)
    [ -n "$line" ] || die "$name: ingest.lua printed no result line: $(cat "$out")"
    local nums=${line%% first_error=*}
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$nums"; }
    R_REQS=$(field requests) R_OK=$(field ok) R_OTHER=$(field other)
    R_ACC=$(field accepted) R_DUP=$(field duplicates)
    R_P50=$(field p50_ms) R_P99=$(field p99_ms) R_RPS=$(field rps)
    [[ $R_REQS =~ ^[0-9]+$ && $R_OK =~ ^[0-9]+$ && $R_OTHER =~ ^[0-9]+$ && $R_ACC =~ ^[0-9]+$ ]] &&
        [ -n "$R_RPS" ] || die "$name: cannot read ingest.lua's result line: $line"
    [ "$R_REQS" -gt 0 ] || die "$name: wrk completed no batch in ${secs}s"
    [ "$R_OTHER" -eq 0 ] ||
        die "$name: $R_OTHER of $R_REQS answers were not 200 with every event accepted; the first: ${line#*first_error=}"
    [ "$R_DUP" -eq 0 ] || die "$name: the server called $R_DUP new events duplicates"
    [ "$R_ACC" -eq $((R_OK * BATCH)) ] ||
        die "$name: $R_OK answers accepted $R_ACC events, expected $BATCH each"
    sock=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    [ "$sock" -le $((R_REQS / 1000)) ] ||
        die "$name: $sock socket errors in $R_REQS requests ($line; read errors usually mean the server closed keep-alive connections)"
    R_EPS=$(awk -v a="$R_ACC" -v r="$R_RPS" -v n="$R_REQS" 'BEGIN { printf "%.0f", r * a / n }')
}

node_codes() { # TYPE -> the active nodes of that type in $TMP/nodes.json, comma-separated
    node -e 'const j = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        console.log(j.items.filter((n) => n.type === process.argv[2] && n.active !== false)
            .map((n) => n.code).join(","))' "$TMP/nodes.json" "$1" ||
        die "GET /api/v1/nodes did not answer a node list: $(head -c 300 "$TMP/nodes.json")"
}

kib() { # FIELD FILE -> the value in kB of a /proc/PID/status line, 0 when absent
    local v
    v=$(sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "$2" 2>/dev/null || true)
    echo "${v:-0}"
}

# Everything for one backend; leaves its figures in B_* for the report.
bench_backend() { # LABEL SHORT
    local label=$1 login code token out rows0 rows_a rows_b rows_end log200 tw0 tw1 twins
    SHORT=$2
    PROBE_SEQ=0 PROBE_EVENTS=0 PROBE_200=0
    say "preparing a fresh $label database with $WAYBILLS waybills awaiting their first scan"
    timeout 120 "$PD_BIN" migrate --db "$DB" >"$TMP/migrate.log" 2>&1 ||
        { cat "$TMP/migrate.log" >&2; die "$label: parceldesk migrate failed"; }
    timeout 300 "$PD_BIN" seed-demo --db "$DB" --password "$PASSWORD" >"$TMP/seed.log" 2>&1 ||
        { cat "$TMP/seed.log" >&2; die "$label: parceldesk seed-demo failed"; }
    LIST=$TMP/waybills-$SHORT.txt
    local t0 t1
    t0=$(date +%s%N)
    (cd "$ROOT" && exec timeout 7200 "$PD_BIN" generate --db "$DB" --waybills "$WAYBILLS" \
        --events-per-waybill 0 --seed 2 --list "$LIST") >"$TMP/generate.log" 2>&1 ||
        { tail -n 20 "$TMP/generate.log" >&2; die "$label: parceldesk generate failed"; }
    t1=$(date +%s%N)
    B_GEN=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
    say "$label: generated in $B_GEN s: $(tail -n 1 "$TMP/generate.log")"
    # The raw baseline's copy, taken now: the same waybills, no scans.
    case $DB in
    sqlite:*)
        RAW_DB="sqlite:$TMP/raw-$SHORT.db"
        cp "${DB#sqlite:}" "${RAW_DB#sqlite:}"
        [ ! -s "${DB#sqlite:}-wal" ] || cp "${DB#sqlite:}-wal" "${RAW_DB#sqlite:}-wal"
        ;;
    *)
        sql "${DB%/*}/postgres" "CREATE DATABASE raw_$SHORT TEMPLATE ${DB##*/}" >/dev/null
        RAW_DB="${DB%/*}/raw_$SHORT"
        ;;
    esac
    rows0=$(count_scans "$DB")

    start_pd
    say "parceldesk on $label listening on $BASE"
    login=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
        --data-binary "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" \
        -w '\n%{http_code}' "$BASE/api/v1/auth/login") || die "POST /api/v1/auth/login: curl failed"
    code=${login##*$'\n'}
    [ "$code" = 200 ] || die "POST /api/v1/auth/login as admin answered $code, expected 200: ${login%$'\n'*}"
    token=$(sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${login%$'\n'*}")
    [ -n "$token" ] || die "the login answer has no \"token\": ${login%$'\n'*}"
    # The nodes the events name: outlets and sorting centres (GET /api/v1/nodes).
    curl -sS --max-time 20 -H "Authorization: Bearer $token" -o "$TMP/nodes.json" "$BASE/api/v1/nodes" ||
        die "GET /api/v1/nodes: curl failed"
    OUTLETS=$(node_codes outlet) HUBS=$(node_codes sorting_centre)
    [ -n "$OUTLETS" ] && [ -n "$HUBS" ] || die "$label: the network has no active outlet or no sorting centre: $(head -c 300 "$TMP/nodes.json")"
    # Devices send with an API key of role scanner at the network's root.
    out=$(curl -sS --max-time 20 -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        --data-binary '{"name":"bench scanners","role":"scanner","node_code":"HQ"}' \
        -w '\n%{http_code}' "$BASE/api/v1/apikeys") || die "POST /api/v1/apikeys: curl failed"
    code=${out##*$'\n'}
    [ "$code" = 201 ] || die "POST /api/v1/apikeys answered $code, expected 201: ${out%$'\n'*}"
    token=$(sed -n 's/.*"key"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${out%$'\n'*}")
    [ -n "$token" ] || die "the API key answer has no \"key\": ${out%$'\n'*}"
    AUTH="Authorization: Bearer $token"

    probe
    check_keepalive

    if [ "$WARMUP" -gt 0 ]; then
        run_wrk "$label ingest (warm-up)" "$SHORT-w" "$WARMUP"
    fi
    # The measurement starts with an empty scan log: what the warm-up left
    # is projected first, so that the log's room for a burst is not counted.
    # Then the count is read (batches that waited behind a projection are in).
    drain_log "$label warm-up" >/dev/null
    rows_a=$(settled_scans)
    tw0=$(server_time_wait)
    say "measuring $label ingestion for ${DURATION}s ($CONNS connections, $THREADS wrk threads, $BATCH events per batch)"
    run_wrk "$label ingest" "$SHORT-m" "$DURATION"
    local t_end
    t_end=$(date +%s%N)
    tw1=$(server_time_wait)
    [ $((tw1 - tw0)) -le $((2 * CONNS)) ] ||
        die "$label: the server closed $((tw1 - tw0)) connections itself during the run (keep-alive broken under load)"
    B_BACKLOG=$(count_log "$DB")
    B_DRAIN=$(drain_log "$label" "$t_end")
    rows_b=$(settled_scans)
    B_ACK=$R_EPS B_BPS=$R_RPS B_P50=$R_P50 B_P99=$R_P99 B_SEEN=$R_ACC B_ROWS=$((rows_b - rows_a))
    # The figure that counts: events acknowledged and projected into scans
    # and the tracking rows, per second of the run plus the time the
    # projector needed afterwards. Inline (PostgreSQL) the two are the same.
    B_EPS=$(awk -v a="$R_ACC" -v d="$DURATION" -v w="$B_DRAIN" -v e="$R_EPS" \
        'BEGIN { printf "%.0f", (w + 0 > 0.05) ? a / (d + w) : e }')
    say "$label: acknowledged $B_ACK events/s ($R_RPS batches/s, p50 $R_P50 ms, p99 $R_P99 ms per batch); $B_BACKLOG left in the scan log, projected in $B_DRAIN s: $B_EPS events/s end to end"
    # Every acknowledged event is a row; rows beyond that can only be the
    # batches in flight (at most one per connection) when wrk stopped reading.
    [ "$B_ROWS" -ge "$B_SEEN" ] && [ "$B_ROWS" -le $((B_SEEN + CONNS * BATCH)) ] ||
        die "$label: wrk saw $B_SEEN events accepted but the scans table grew by $B_ROWS rows (allowed: $B_SEEN to $((B_SEEN + CONNS * BATCH)))"
    check_keepalive

    cp "/proc/$PD_PID/status" "$TMP/pd.status" 2>/dev/null || die "$label: parceldesk is gone before its memory could be read"
    B_ANON=$(awk -v k="$(kib RssAnon "$TMP/pd.status")" 'BEGIN { printf "%.1f", k / 1024 }')
    B_FILE=$(awk -v k="$(kib RssFile "$TMP/pd.status")" 'BEGIN { printf "%.1f", k / 1024 }')
    stop_pd # flushes the access log
    rows_end=$(count_scans "$DB")
    log200=$(grep -c ' POST /api/v1/scans 200 ' "$TMP/access.log" || true)
    # Over the server's whole life the match must be exact: each wrk batch
    # that was answered 200 holds BATCH new events, each probe one (the
    # keep-alive probes send one event three times: one new, two duplicates).
    B_ALL=$((rows_end - rows0))
    B_EXPECT=$(((log200 - PROBE_200) * BATCH + PROBE_EVENTS))
    [ "$B_ALL" -eq "$B_EXPECT" ] ||
        die "$label: the server acknowledged $B_EXPECT events ($((log200 - PROBE_200)) batches of $BATCH and $PROBE_EVENTS probe events) but stored $B_ALL"
    twins=$(sql "$DB" 'SELECT count(*) FROM (SELECT device_id, device_seq FROM scans GROUP BY device_id, device_seq HAVING count(*) > 1) t')
    [ "$twins" = 0 ] || die "$label: $twins idempotency keys are stored more than once"

    # The raw baseline: as many events as the server stored, into the copy.
    say "measuring the raw insert rate on $label ($B_ALL events into the copy, batches of $BATCH)"
    out=$(cd "$ROOT" && timeout 1800 "$RAW_BIN" --db "$RAW_DB" --list "$LIST" --events "$B_ALL" \
        --batch "$BATCH" --outlets "$OUTLETS" --hubs "$HUBS" 2>&1) || die "$label: scan_raw failed: $out"
    line=$(grep '^pd-raw ' <<<"$out" || true)
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<" $line"; }
    B_RAW=$(field eps) B_RAW_P99=$(field p99_ms) B_RAW_N=$(field events)
    [[ $B_RAW_N =~ ^[0-9]+$ ]] && [ -n "$B_RAW" ] || die "$label: cannot read scan_raw's result: $out"
    [ "$(count_scans "$RAW_DB")" -eq "$B_RAW_N" ] || die "$label: scan_raw reported $B_RAW_N rows but the copy holds $(count_scans "$RAW_DB")"
    B_RATIO=$(awk -v a="$B_EPS" -v b="$B_RAW" 'BEGIN { printf "%.2f", a / b }')
    B_VERDICT=$(awk -v r="$B_RATIO" -v t="$TARGET_RATIO" 'BEGIN { print (r + 0 >= t + 0) ? "PASS" : "FAIL" }')
    B_ANON_V=$(awk -v m="$B_ANON" -v t="$TARGET_ANON_MB" 'BEGIN { print (m + 0 <= t + 0) ? "PASS" : "FAIL" }')
    B_ABS_V=""
    if [ "$SHORT" = sq ]; then
        B_ABS_V=$(awk -v e="$B_EPS" -v t="$TARGET_SQLITE_EPS" 'BEGIN { print (e + 0 >= t + 0) ? "PASS" : "FAIL" }')
    fi
}

# ---- the backends, one after the other --------------------------------------

declare -A ROW JSON_ROW CHECK MEM
for backend in "${BACKEND_LIST[@]}"; do
    case $backend in
    sqlite)
        label=SQLite
        DB="sqlite:$TMP/ingest.db"
        bench_backend SQLite sq
        ;;
    pg)
        label=PostgreSQL
        PGBIN=$(pg_bindir)
        if [ -z "$PGBIN" ]; then
            [ "${CI:-}" != true ] ||
                die "PostgreSQL server binaries are missing (install postgresql, or set PD_PG_BINDIR); CI=true requires them"
            say "PostgreSQL server binaries are missing: the PostgreSQL row is skipped"
            ROW[$backend]=$(printf '%-12s %s' "$label" "skipped: no PostgreSQL server binaries (install postgresql or set PD_PG_BINDIR)")
            JSON_ROW[$backend]='{"skipped":"no PostgreSQL server binaries"}'
            continue
        fi
        # Not under $TMP: as root the cluster belongs to another user, who
        # must reach its directory (scripts/pg-cluster.sh).
        PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pd-bench-pg.XXXXXX")
        say "starting a throwaway PostgreSQL cluster in $PG_DIR"
        DB=$(PD_PG_DIR=$PG_DIR PD_PG_PORT=$PG_PORT PD_PG_BINDIR=$PGBIN timeout 180 \
            bash "$ROOT/scripts/pg-cluster.sh" start 2>"$TMP/pg.err") ||
            { cat "$TMP/pg.err" >&2; die "scripts/pg-cluster.sh start failed"; }
        [[ $DB =~ ^postgresql:// ]] || die "scripts/pg-cluster.sh start printed '$DB', not a URL"
        bench_backend PostgreSQL pg
        stop_pg
        ;;
    esac
    ROW[$backend]=$(printf '%-12s %10s %10s %9s %9s %12s %9s %7s   %s%s' "$label" "$B_EPS" "$B_ACK" "$B_P50" "$B_P99" \
        "$B_RAW" "$B_RAW_P99" "$B_RATIO" "$B_VERDICT" "${B_ABS_V:+, >= $TARGET_SQLITE_EPS/s: $B_ABS_V}")
    MEM[$backend]="$label server at the end: RssAnon $B_ANON MB (target <= $TARGET_ANON_MB MB: $B_ANON_V), RssFile $B_FILE MB"
    CHECK[$backend]="$label: the scan log held $B_BACKLOG events just after wrk stopped, projected in $B_DRAIN s; wrk saw $B_SEEN events accepted, the scans table grew by $B_ROWS during the run (up to $((CONNS * BATCH)) may be batches in flight when wrk stopped); over the server's life $B_EXPECT events acknowledged = $B_ALL stored, no idempotency key twice; generate took $B_GEN s"
    JSON_ROW[$backend]="{\"events_per_s\":$B_EPS,\"acknowledged_per_s\":$B_ACK,\"log_backlog\":$B_BACKLOG,\"drain_seconds\":$B_DRAIN,\"batches_per_s\":$B_BPS,\"p50_ms\":$B_P50,\"p99_ms\":$B_P99,\"raw_events_per_s\":$B_RAW,\"raw_p99_ms\":$B_RAW_P99,\"ratio\":$B_RATIO,\"verdict\":\"$B_VERDICT\",\"rss_anon_mb\":$B_ANON,\"rss_file_mb\":$B_FILE,\"events_stored\":$B_ALL,\"generate_seconds\":$B_GEN}"
done

# ---- report -----------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

echo
echo "Scan ingestion over HTTP (POST /api/v1/scans) vs raw inserts (bench/scan_raw.c) — $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}, kernel $(uname -r); revision $rev"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, keep-alive verified, warm-up ${WARMUP}s; batches of $BATCH events (JSON arrays, bench/ingest.lua) for random waybills of $WAYBILLS (parceldesk generate --events-per-waybill 0)"
busy=$(awk -v l="$LOAD_BEFORE" -v c="$(nproc)" 'BEGIN { print (l + 0 > c * 0.5) ? 1 : 0 }')
if [ "$busy" = 1 ]; then
    echo "WARNING: load average $LOAD_BEFORE on $(nproc) cores before the run: other work was running, figures are unreliable"
else
    echo "load average before the run: $LOAD_BEFORE"
fi
echo "parceldesk: $PD_BIN, access log on (written to a file); raw: $RAW_BIN, one connection, one transaction per batch"
echo
printf '%-12s %10s %10s %9s %9s %12s %9s %7s   %s\n' backend 'events/s' 'acked/s' 'p50 ms' 'p99 ms' 'raw ev/s' 'raw p99' ratio 'target >= 0.5'
for backend in "${BACKEND_LIST[@]}"; do echo "${ROW[$backend]}"; done
echo
echo "events/s: acknowledged and projected into scans and tracking rows, end to end (the run's events over its"
echo "seconds plus the time the projector took to empty the scan log after it; the ratio and the targets use it);"
echo "acked/s: acknowledged (durable) over the run alone. p50/p99 are per batch of $BATCH events (wrk's latency"
echo "per request; raw: per transaction)"
for backend in "${BACKEND_LIST[@]}"; do [ -z "${MEM[$backend]:-}" ] || echo "${MEM[$backend]}"; done
for backend in "${BACKEND_LIST[@]}"; do [ -z "${CHECK[$backend]:-}" ] || echo "checked: ${CHECK[$backend]}"; done

if [ -n "$JSON_OUT" ]; then
    {
        echo "{\"benchmark\":\"ingest\",\"date\":\"$(date -Iseconds)\",\"revision\":\"$rev\","
        echo " \"wrk\":{\"threads\":$THREADS,\"connections\":$CONNS,\"seconds\":$DURATION,\"warmup\":$WARMUP},\"batch\":$BATCH,\"waybills\":$WAYBILLS,\"load_before\":$LOAD_BEFORE,"
        echo " \"targets\":{\"ratio\":$TARGET_RATIO,\"sqlite_events_per_s\":$TARGET_SQLITE_EPS,\"rss_anon_mb\":$TARGET_ANON_MB},"
        sep=""
        printf ' "backends":{'
        for backend in "${BACKEND_LIST[@]}"; do
            name=$([ "$backend" = pg ] && echo postgresql || echo sqlite)
            printf '%s"%s":%s' "$sep" "$name" "${JSON_ROW[$backend]}"
            sep=","
        done
        echo '}}'
    } >"$JSON_OUT"
fi
exit 0
