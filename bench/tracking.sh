#!/usr/bin/env bash
# Benchmark: public tracking look-ups (`GET /api/v1/public/tracking/{no}`,
# no login, masked answer) for random numbers of a database of 1,000,000
# waybills with 10 scans each, against nginx serving one of those answers as
# a static file (the very bytes parceldesk sent), measured in the same run
# with the same wrk settings (keep-alive, 32 connections, 2 threads) and the
# same Lua client (bench/tracking.lua: random numbers from the list
# `parceldesk generate --list` wrote for parceldesk, the one file's path for
# nginx). The issue's targets: parceldesk >= 1.0 x nginx in requests per
# second and p99 <= 5 ms. At the end it prints the server's anonymous and
# file-backed memory (RssAnon, RssFile from /proc; target RssAnon <= 256 MB).
# The data comes from `parceldesk generate` into a fresh SQLite database;
# its time is printed too. A missed target is reported, not fatal; a broken
# measurement (server not starting, any answer but 200, socket errors, lost
# keep-alive) exits 1. Everything runs on 127.0.0.1 in a temporary directory
# that is removed at the end.
#
# Environment: PD_BIN (default build/parceldesk), BENCH_WAYBILLS (1000000),
# BENCH_EVENTS (10: scans per waybill), BENCH_SECONDS (10), BENCH_WARMUP (3),
# BENCH_CONNECTIONS (32), BENCH_THREADS (2), BENCH_ROUNDS (1: with more, the
# servers take turns and the table shows the median of the rounds),
# BENCH_JSON (write the figures as JSON to this path).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PD_BIN=${PD_BIN:-$ROOT/build/parceldesk}
WAYBILLS=${BENCH_WAYBILLS:-1000000}
EVENTS=${BENCH_EVENTS:-10}
DURATION=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-1}
JSON_OUT=${BENCH_JSON:-}
TARGET=1.00
TARGET_P99_MS=5
TARGET_ANON_MB=256
LUA=$ROOT/bench/tracking.lua

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
need_int BENCH_EVENTS "$EVENTS" 1 100
need_int BENCH_SECONDS "$DURATION" 1 600
need_int BENCH_WARMUP "$WARMUP" 0 120
need_int BENCH_CONNECTIONS "$CONNS" 1 10000
need_int BENCH_THREADS "$THREADS" 1 64
need_int BENCH_ROUNDS "$ROUNDS" 1 20
[ "$THREADS" -le "$CONNS" ] || { say "BENCH_THREADS ($THREADS) must not exceed BENCH_CONNECTIONS ($CONNS)"; exit 2; }

PD_BIN=$(readlink -f "$PD_BIN" 2>/dev/null || true)
[ -n "$PD_BIN" ] && [ -x "$PD_BIN" ] ||
    { say "PD_BIN: ${PD_BIN:-build/parceldesk} is not an executable (run 'make build' or set PD_BIN)"; exit 2; }
[ -r "$LUA" ] || { say "$LUA is missing"; exit 2; }
for tool in wrk nginx curl ss timeout awk; do
    command -v "$tool" >/dev/null || { say "$tool is not installed (bash scripts/deps.sh installs it)"; exit 2; }
done
NGINX=$(command -v nginx)

# The figures must come from a normal server: no test-only shortcuts.
unset PD_FAST_PWHASH PD_FAKE_NOW

# Other work on the machine skews both servers unevenly: note it up front.
LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pd-bench.XXXXXX")
PD_PID=""
NGX_PID=""

stop_pid() { # PID NAME SIGNAL — stop one child, bounded: TERM/QUIT, then KILL after 10 s
    local pid=$1 name=$2 sig=$3 i rc=0
    [ -n "$pid" ] || return 0
    if kill -0 "$pid" 2>/dev/null; then
        kill "-$sig" "$pid" 2>/dev/null || true
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            say "$name did not stop within 10 s of SIG$sig; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    fi
    wait "$pid" 2>/dev/null || rc=$?
    return "$rc"
}
stop_pd() {
    local rc=0
    stop_pid "$PD_PID" parceldesk TERM || rc=$?
    PD_PID=""
    # The contract says SIGTERM is a graceful stop with exit status 0.
    [ "$rc" -eq 0 ] || say "warning: parceldesk exited with status $rc after SIGTERM (expected 0)"
}
stop_nginx() {
    stop_pid "$NGX_PID" nginx QUIT || true
    NGX_PID=""
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    stop_pd
    stop_nginx
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- data: a fresh SQLite database of WAYBILLS x EVENTS ---------------------

DB="sqlite:$TMP/parceldesk.db"
PASSWORD="bench-$RANDOM-$RANDOM-Pw1"
PD_PORT=""
LIST=$TMP/waybills.txt

say "preparing a fresh SQLite database in $TMP"
timeout 60 "$PD_BIN" migrate --db "$DB" >"$TMP/migrate.log" 2>&1 ||
    { cat "$TMP/migrate.log" >&2; die "parceldesk migrate failed"; }
timeout 180 "$PD_BIN" seed-demo --db "$DB" --password "$PASSWORD" >"$TMP/seed.log" 2>&1 ||
    { cat "$TMP/seed.log" >&2; die "parceldesk seed-demo failed"; }
say "generating $WAYBILLS waybills x $EVENTS scans (parceldesk generate)"
gen_t0=$(date +%s%N)
# cd: the rate cards and the goods list are read from ./data
(cd "$ROOT" && exec timeout 7200 "$PD_BIN" generate --db "$DB" --waybills "$WAYBILLS" \
    --events-per-waybill "$EVENTS" --seed 1 --list "$LIST") >"$TMP/generate.log" 2>&1 ||
    { tail -n 20 "$TMP/generate.log" >&2; die "parceldesk generate failed"; }
gen_t1=$(date +%s%N)
GEN_SECONDS=$(awk -v a="$gen_t0" -v b="$gen_t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
listed=$(wc -l <"$LIST")
[ "$listed" -eq "$WAYBILLS" ] || die "generate listed $listed waybill numbers, expected $WAYBILLS"
DB_MB=$(du -cm "$TMP"/parceldesk.db* | awk 'END { print $1 }')
say "generated in $GEN_SECONDS s: $(tail -n 1 "$TMP/generate.log"); database $DB_MB MB"

start_pd() {
    local i line
    : >"$TMP/pd.out"
    (cd "$ROOT" && exec "$PD_BIN" serve --db "$DB" --listen 127.0.0.1:0 \
        --server-access-log "$TMP/access.log" >"$TMP/pd.out" 2>>"$TMP/pd.err") &
    PD_PID=$!
    # The server prints exactly one line when it is ready: "listening on URL".
    for ((i = 0; i < 200; i++)); do
        line=$(head -n 1 "$TMP/pd.out")
        if [[ $line =~ ^listening\ on\ http://127\.0\.0\.1:([0-9]+)$ ]]; then
            PD_PORT=${BASH_REMATCH[1]}
            return 0
        fi
        kill -0 "$PD_PID" 2>/dev/null || break
        sleep 0.1
    done
    tail -n 20 "$TMP/pd.err" >&2 || true
    die "parceldesk serve did not print 'listening on http://127.0.0.1:PORT' within 20 s (stdout: '$(head -c 200 "$TMP/pd.out")')"
}

start_pd
BASE="http://127.0.0.1:$PD_PORT"
say "parceldesk listening on $BASE (access log: $TMP/access.log)"

# One answer, taken as nginx's file: a waybill from the middle of the list.
SAMPLE_NO=$(sed -n "$(((WAYBILLS + 1) / 2))p" "$LIST")
mkdir -p "$TMP/www"
code=$(curl -sS --max-time 10 -o "$TMP/www/track.json" -w '%{http_code}' \
    "$BASE/api/v1/public/tracking/$SAMPLE_NO") || die "GET /api/v1/public/tracking/$SAMPLE_NO: curl failed"
[ "$code" = 200 ] || die "GET /api/v1/public/tracking/$SAMPLE_NO answered $code, expected 200: $(head -c 300 "$TMP/www/track.json")"
grep -q "\"waybill_no\"[[:space:]]*:[[:space:]]*\"$SAMPLE_NO\"" "$TMP/www/track.json" ||
    die "the tracking answer does not name $SAMPLE_NO: $(head -c 300 "$TMP/www/track.json")"
n_events=$(grep -o '"at"' "$TMP/www/track.json" | wc -l)
[ "$n_events" -ge "$EVENTS" ] ||
    die "the tracking answer of $SAMPLE_NO holds $n_events events, generate stored $EVENTS: $(head -c 300 "$TMP/www/track.json")"
BODY_BYTES=$(wc -c <"$TMP/www/track.json")
# nginx serves the very bytes parceldesk answered.
say "public tracking answer of $SAMPLE_NO: $BODY_BYTES bytes"

# ---- measurement helpers --------------------------------------------------

# Three requests through one curl handle must share one connection: curl
# says "Re-using existing connection" for the second and third.
check_keepalive() { # NAME URL
    local out n ok
    out=$(curl -sv --max-time 10 -o /dev/null -o /dev/null -o /dev/null "$2" "$2" "$2" 2>&1) ||
        die "$1: keep-alive probe failed: $(tail -n 5 <<<"$out")"
    n=$(grep -Eci 're-?using existing connection' <<<"$out" || true)
    ok=$(grep -Eci '^< HTTP/1\.[01] 200' <<<"$out" || true)
    [ "$ok" -eq 3 ] || die "$1: keep-alive probe got $ok of 3 answers with status 200"
    grep -Eqi '^< connection:[[:space:]]*close' <<<"$out" &&
        die "$1 answers with 'Connection: close' (keep-alive broken)"
    [ "$n" -ge 2 ] || die "$1 closed the connection between requests (keep-alive broken): curl reused it $n of 2 times"
}

# Twenty numbers drawn from the list, each asked with curl: 200, the
# tracking object of that very number, with its events.
check_answers() { # NAME BASE
    local no code i
    for ((i = 0; i < 20; i++)); do
        no=$(sed -n "$(((RANDOM * 32768 + RANDOM) % WAYBILLS + 1))p" "$LIST")
        code=$(curl -sS --max-time 10 -o "$TMP/answer.json" -w '%{http_code}' "$2/api/v1/public/tracking/$no") ||
            die "$1: GET /api/v1/public/tracking/$no: curl failed"
        [ "$code" = 200 ] || die "$1: GET /api/v1/public/tracking/$no answered $code: $(head -c 300 "$TMP/answer.json")"
        grep -q "\"waybill_no\"[[:space:]]*:[[:space:]]*\"$no\"" "$TMP/answer.json" && grep -q '"events"' "$TMP/answer.json" ||
            die "$1: the answer for $no is not its tracking object: $(head -c 300 "$TMP/answer.json")"
    done
}

# Connections closed by the server leave TIME_WAIT sockets on the server's
# port; with keep-alive only wrk closes (its side holds the TIME_WAIT).
server_time_wait() { # PORT
    ss -Htan state time-wait "( sport = :$1 )" 2>/dev/null | wc -l
}

# Run wrk with tracking.lua once and leave the figures in R_RPS, R_P50,
# R_P99, R_REQS.
run_wrk() { # NAME URL SECONDS LUA-ARGS...
    local name=$1 url=$2 secs=$3 out="$TMP/wrk.$RANDOM.txt" line non sock
    shift 3
    timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 2s \
        -s "$LUA" "$url" -- "$@" >"$out" 2>&1 || die "$name: wrk failed: $(cat "$out")"
    line=$(grep '^pd-result ' "$out" || true)
    [ -n "$line" ] || die "$name: tracking.lua printed no result line: $(cat "$out")"
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line "; }
    R_REQS=$(field requests) non=$(field other)
    R_P50=$(field p50_ms) R_P99=$(field p99_ms) R_RPS=$(field rps)
    [[ $R_REQS =~ ^[0-9]+$ && $non =~ ^[0-9]+$ ]] && [ -n "$R_RPS" ] ||
        die "$name: cannot read tracking.lua's result line: $line"
    [ "$R_REQS" -gt 0 ] || die "$name: wrk completed no request in ${secs}s"
    [ "$non" -eq 0 ] ||
        die "$name: $non of $R_REQS answers had an error status (an error flood is not a benchmark)"
    sock=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    # A handful of socket errors at the end of a run is noise; more is a fault.
    [ "$sock" -le $((R_REQS / 1000)) ] ||
        die "$name: $sock socket errors in $R_REQS requests ($line; read errors usually mean the server closed keep-alive connections)"
}

measure() { # NAME URL PORT LUA-ARGS...
    local name=$1 url=$2 port=$3 tw0 tw1 probe
    shift 3
    probe=$url
    [ "$1" != static ] || probe="$url$2"
    [ "$1" != random ] || probe="$url/api/v1/public/tracking/$SAMPLE_NO"
    check_keepalive "$name" "$probe"
    [ "$WARMUP" -eq 0 ] || run_wrk "$name (warm-up)" "$url" "$WARMUP" "$@"
    tw0=$(server_time_wait "$port")
    say "measuring $name for ${DURATION}s ($CONNS connections, $THREADS wrk threads)"
    run_wrk "$name" "$url" "$DURATION" "$@"
    tw1=$(server_time_wait "$port")
    [ $((tw1 - tw0)) -le $((2 * CONNS)) ] ||
        die "$name closed $((tw1 - tw0)) connections itself during the run (keep-alive broken under load)"
    check_keepalive "$name" "$probe"
    [ "$1" != random ] || check_answers "$name" "$url"
    say "$name: $R_RPS req/s, p50 $R_P50 ms, p99 $R_P99 ms ($R_REQS requests)"
}

# ---- nginx, the same bytes as a static file -----------------------------------

pick_port() { # a loopback port nobody listens on
    local p i
    for ((i = 0; i < 50; i++)); do
        p=$((20000 + RANDOM % 30000))
        if ! ss -Htln "( sport = :$p )" 2>/dev/null | grep -q .; then
            echo "$p"
            return 0
        fi
    done
    die "no free loopback port found"
}

start_nginx() {
    local port i nginx_user="" temps="" m
    mkdir -p "$TMP/nginx"
    # Workers drop privileges when the master runs as root: they must be able
    # to read the document root, and nothing else in $TMP.
    if [ "$(id -u)" -eq 0 ]; then
        if id www-data >/dev/null 2>&1; then nginx_user="user www-data;"; else nginx_user="user nobody nogroup;"; fi
        chmod 711 "$TMP"
        chmod 755 "$TMP/www"
        chmod 644 "$TMP/www/track.json"
    fi
    # Temp directories default to /var/lib/nginx, which a non-root user
    # cannot write; point those of the modules built in at $TMP.
    temps="client_body_temp_path $TMP/nginx/body;"
    for m in proxy fastcgi uwsgi scgi; do
        "$NGINX" -V 2>&1 | grep -q -- "--without-http_${m}_module" ||
            temps="$temps ${m}_temp_path $TMP/nginx/$m;"
    done
    for ((i = 0; i < 5; i++)); do
        port=$(pick_port) || die "no free loopback port found for nginx"
        cat >"$TMP/nginx/nginx.conf" <<EOF
$nginx_user
daemon off;
master_process on;
worker_processes auto;
error_log stderr;
pid $TMP/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    keepalive_requests 1000000;
    sendfile on;
    types { application/json json; }
    default_type application/octet-stream;
    $temps
    server {
        listen 127.0.0.1:$port;
        location / { root $TMP/www; }
    }
}
EOF
        "$NGINX" -e stderr -p "$TMP/nginx" -c "$TMP/nginx/nginx.conf" 2>>"$TMP/nginx.err" &
        NGX_PID=$!
        local j
        for ((j = 0; j < 50; j++)); do
            if curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$port/track.json"; then
                NGX_PORT=$port
                return 0
            fi
            kill -0 "$NGX_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop_nginx # the port was taken between the check and the bind: try another
    done
    tail -n 20 "$TMP/nginx.err" >&2 || true
    die "nginx did not start"
}

median() { # numbers... -> the median (the upper one of an even count)
    printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int(NR / 2) + 1] }'
}

kib() { # FIELD FILE -> the value in kB of a /proc/PID/status line, 0 when absent
    local v
    v=$(sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "$2" 2>/dev/null || true)
    echo "${v:-0}"
}

# ---- the rounds: each server alone, in turn ---------------------------------

PD_RPS_L=() PD_P50_L=() PD_P99_L=()
NGX_RPS_L=() NGX_P50_L=() NGX_P99_L=()
NGX_PORT=""
for ((round = 1; round <= ROUNDS; round++)); do
    [ "$ROUNDS" -eq 1 ] || say "round $round of $ROUNDS"

    # 1. parceldesk: random numbers of the whole list (the server stays up
    # between rounds; it is idle while nginx is measured).
    measure "parceldesk" "$BASE" "$PD_PORT" random "$LIST"
    PD_RPS_L+=("$R_RPS") PD_P50_L+=("$R_P50") PD_P99_L+=("$R_P99")

    # 2. nginx serving the same bytes.
    start_nginx
    size=$(curl -s --max-time 5 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$NGX_PORT/track.json")
    [ "$size" = "$BODY_BYTES" ] || die "nginx served $size bytes, expected $BODY_BYTES"
    measure "nginx" "http://127.0.0.1:$NGX_PORT" "$NGX_PORT" static /track.json
    NGX_RPS_L+=("$R_RPS") NGX_P50_L+=("$R_P50") NGX_P99_L+=("$R_P99")
    stop_nginx
done

# The server's memory after every round: anonymous (heap, caches, SQLite's
# page cache) and file-backed (the database pages it maps).
cp "/proc/$PD_PID/status" "$TMP/pd.status" 2>/dev/null || die "parceldesk is gone before its memory could be read"
ANON_MB=$(awk -v k="$(kib RssAnon "$TMP/pd.status")" 'BEGIN { printf "%.1f", k / 1024 }')
FILE_MB=$(awk -v k="$(kib RssFile "$TMP/pd.status")" 'BEGIN { printf "%.1f", k / 1024 }')
HWM_MB=$(awk -v k="$(kib VmHWM "$TMP/pd.status")" 'BEGIN { printf "%.1f", k / 1024 }')
stop_pd

PD_RPS=$(median "${PD_RPS_L[@]}") PD_P50=$(median "${PD_P50_L[@]}") PD_P99=$(median "${PD_P99_L[@]}")
NGX_RPS=$(median "${NGX_RPS_L[@]}") NGX_P50=$(median "${NGX_P50_L[@]}") NGX_P99=$(median "${NGX_P99_L[@]}")

# ---- report ---------------------------------------------------------------

RATIO=$(awk -v a="$PD_RPS" -v b="$NGX_RPS" 'BEGIN { printf "%.2f", a / b }')
V_RATIO=$(awk -v r="$RATIO" -v t="$TARGET" 'BEGIN { print (r + 0 >= t + 0) ? "PASS" : "FAIL" }')
V_P99=$(awk -v p="$PD_P99" -v t="$TARGET_P99_MS" 'BEGIN { print (p + 0 <= t + 0) ? "PASS" : "FAIL" }')
V_ANON=$(awk -v m="$ANON_MB" -v t="$TARGET_ANON_MB" 'BEGIN { print (m + 0 <= t + 0) ? "PASS" : "FAIL" }')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
envs=$(env | grep -E '^PD_(SERVER|DATABASE|AUTH|LOG)_' | sort | tr '\n' ' ' || true)

echo
echo "GET /api/v1/public/tracking/{random no} vs nginx static file — $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}, kernel $(uname -r); revision $rev"
echo "data: $WAYBILLS waybills x $EVENTS scans (parceldesk generate --seed 1: $GEN_SECONDS s), SQLite $DB_MB MB"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, bench/tracking.lua for both (keep-alive verified; warm-up ${WARMUP}s); nginx's file: the answer of $SAMPLE_NO, $BODY_BYTES bytes"
[ "$ROUNDS" -eq 1 ] || echo "each figure is the median of $ROUNDS rounds in which the servers took turns"
busy=$(awk -v l="$LOAD_BEFORE" -v c="$(nproc)" 'BEGIN { print (l + 0 > c * 0.5) ? 1 : 0 }')
if [ "$busy" = 1 ]; then
    echo "WARNING: load average $LOAD_BEFORE on $(nproc) cores before the run: other work was running, figures are unreliable"
else
    echo "load average before the run: $LOAD_BEFORE"
fi
echo "parceldesk: $PD_BIN, SQLite, access log on (written to a file)${envs:+; environment: $envs}"
echo "nginx: $("$NGINX" -v 2>&1 | sed 's/^nginx version: //'), worker_processes auto, sendfile on, access_log off"
echo
printf '%-34s %12s %10s %10s\n' server 'req/s' 'p50 ms' 'p99 ms'
printf '%-34s %12s %10s %10s\n' "parceldesk public tracking" "$PD_RPS" "$PD_P50" "$PD_P99"
printf '%-34s %12s %10s %10s\n' "nginx static file" "$NGX_RPS" "$NGX_P50" "$NGX_P99"
echo
echo "ratio parceldesk/nginx (req/s): $RATIO   target >= $TARGET: $V_RATIO"
echo "parceldesk p99: $PD_P99 ms   target <= $TARGET_P99_MS ms: $V_P99"
echo "parceldesk memory at the end: RssAnon $ANON_MB MB (target <= $TARGET_ANON_MB MB: $V_ANON), RssFile $FILE_MB MB (database pages mapped), VmHWM $HWM_MB MB"

if [ -n "$JSON_OUT" ]; then
    cat >"$JSON_OUT" <<EOF
{"benchmark":"tracking","date":"$(date -Iseconds)","revision":"$rev","body_bytes":$BODY_BYTES,
 "data":{"waybills":$WAYBILLS,"events_per_waybill":$EVENTS,"generate_seconds":$GEN_SECONDS,"database_mb":$DB_MB},
 "wrk":{"threads":$THREADS,"connections":$CONNS,"seconds":$DURATION},"rounds":$ROUNDS,"load_before":$LOAD_BEFORE,
 "parceldesk":{"rps":$PD_RPS,"p50_ms":$PD_P50,"p99_ms":$PD_P99,"rss_anon_mb":$ANON_MB,"rss_file_mb":$FILE_MB},
 "nginx":{"rps":$NGX_RPS,"p50_ms":$NGX_P50,"p99_ms":$NGX_P99},
 "ratio":$RATIO,"target":$TARGET,"verdict":"$V_RATIO","p99_verdict":"$V_P99","memory_verdict":"$V_ANON"}
EOF
fi
exit 0
