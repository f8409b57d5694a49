#!/usr/bin/env bash
# Benchmark: an authenticated `GET /api/v1/me` on parceldesk against nginx
# serving a static file of exactly the same body size, measured in the same
# run with the same wrk settings (keep-alive, 32 connections), one server at
# a time. It exists to keep the cost of the HTTP pipeline (routing, session
# authentication, permission check, JSON encoding, access log) honest: the
# target is parceldesk ≥ 0.8 × nginx in requests per second. Keep-alive is
# verified before and after every measurement because a server that closes
# connections (DESIGN.md: libmicrohttpd's first-call reply) produces numbers
# that look plausible but measure connection set-up instead. A missed target
# is reported, not fatal; a broken measurement (server not starting, non-2xx
# answers, socket errors, lost keep-alive) exits 1. Everything runs on
# 127.0.0.1 in a temporary directory that is removed at the end.
#
# Environment: PD_BIN (default build/parceldesk), BENCH_SECONDS (10),
# BENCH_WARMUP (3), BENCH_CONNECTIONS (32), BENCH_THREADS (2),
# BENCH_ROUNDS (1: with more, the servers take turns and the table shows
# the median of the rounds, which tames a noisy machine), BENCH_ACCESS_LOG_OFF
# (1: also measure parceldesk with its access log off; 0: skip), BENCH_JSON
# (write the figures as JSON to this path).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PD_BIN=${PD_BIN:-$ROOT/build/parceldesk}
DURATION=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-32}
THREADS=${BENCH_THREADS:-2}
ROUNDS=${BENCH_ROUNDS:-1}
ACCESS_LOG_OFF=${BENCH_ACCESS_LOG_OFF:-1}
JSON_OUT=${BENCH_JSON:-}
TARGET=0.80

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
need_int BENCH_SECONDS "$DURATION" 1 600
need_int BENCH_WARMUP "$WARMUP" 0 120
need_int BENCH_CONNECTIONS "$CONNS" 1 10000
need_int BENCH_THREADS "$THREADS" 1 64
need_int BENCH_ROUNDS "$ROUNDS" 1 20
[ "$THREADS" -le "$CONNS" ] || { say "BENCH_THREADS ($THREADS) must not exceed BENCH_CONNECTIONS ($CONNS)"; exit 2; }
[[ $ACCESS_LOG_OFF =~ ^[01]$ ]] || { say "BENCH_ACCESS_LOG_OFF must be 0 or 1 (got '$ACCESS_LOG_OFF')"; exit 2; }

PD_BIN=$(readlink -f "$PD_BIN" 2>/dev/null || true)
[ -n "$PD_BIN" ] && [ -x "$PD_BIN" ] ||
    { say "PD_BIN: ${PD_BIN:-build/parceldesk} is not an executable (run 'make build' or set PD_BIN)"; exit 2; }
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

# ---- parceldesk -----------------------------------------------------------

DB="sqlite:$TMP/parceldesk.db"
PASSWORD="bench-$RANDOM-$RANDOM-Pw1"
PD_PORT=""

start_pd() { # ACCESS_LOG (file path or "off")
    local log=$1 i line
    : >"$TMP/pd.out"
    (cd "$ROOT" && exec "$PD_BIN" serve --db "$DB" --listen 127.0.0.1:0 \
        --server-access-log "$log" >"$TMP/pd.out" 2>>"$TMP/pd.err") &
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

say "preparing a fresh SQLite database in $TMP"
timeout 60 "$PD_BIN" migrate --db "$DB" >"$TMP/migrate.log" 2>&1 ||
    { cat "$TMP/migrate.log" >&2; die "parceldesk migrate failed"; }
timeout 180 "$PD_BIN" seed-demo --db "$DB" --password "$PASSWORD" >"$TMP/seed.log" 2>&1 ||
    { cat "$TMP/seed.log" >&2; die "parceldesk seed-demo failed"; }

start_pd "$TMP/access.log"
BASE="http://127.0.0.1:$PD_PORT"
say "parceldesk listening on $BASE (access log: $TMP/access.log)"

login=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
    --data-binary "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" \
    -w '\n%{http_code}' "$BASE/api/v1/auth/login") || die "POST /api/v1/auth/login: curl failed"
code=${login##*$'\n'}
[ "$code" = 200 ] || die "POST /api/v1/auth/login answered $code, expected 200: ${login%$'\n'*}"
TOKEN=$(sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${login%$'\n'*}")
[ -n "$TOKEN" ] || die "the login answer has no \"token\": ${login%$'\n'*}"
AUTH="Authorization: Bearer $TOKEN"

mkdir -p "$TMP/www"
code=$(curl -sS --max-time 10 -H "$AUTH" -o "$TMP/www/me.json" -w '%{http_code}' "$BASE/api/v1/me") ||
    die "GET /api/v1/me: curl failed"
[ "$code" = 200 ] || die "GET /api/v1/me answered $code, expected 200: $(head -c 300 "$TMP/www/me.json")"
grep -q '"username"[[:space:]]*:[[:space:]]*"admin"' "$TMP/www/me.json" ||
    die "GET /api/v1/me did not return the admin user: $(head -c 300 "$TMP/www/me.json")"
BODY_BYTES=$(wc -c <"$TMP/www/me.json")
# nginx serves the very bytes parceldesk answered, so body sizes are equal.
say "GET /api/v1/me body: $BODY_BYTES bytes"

# ---- measurement helpers --------------------------------------------------

# Three requests through one curl handle must share one connection: curl
# says "Re-using existing connection" for the second and third.
check_keepalive() { # NAME URL
    local out n ok
    out=$(curl -sv --max-time 10 -H "$AUTH" -o /dev/null -o /dev/null -o /dev/null "$2" "$2" "$2" 2>&1) ||
        die "$1: keep-alive probe failed: $(tail -n 5 <<<"$out")"
    n=$(grep -Eci 're-?using existing connection' <<<"$out" || true)
    ok=$(grep -Eci '^< HTTP/1\.[01] 200' <<<"$out" || true)
    [ "$ok" -eq 3 ] || die "$1: keep-alive probe got $ok of 3 answers with status 200"
    grep -Eqi '^< connection:[[:space:]]*close' <<<"$out" &&
        die "$1 answers with 'Connection: close' (keep-alive broken)"
    [ "$n" -ge 2 ] || die "$1 closed the connection between requests (keep-alive broken): curl reused it $n of 2 times"
}

# Connections closed by the server leave TIME_WAIT sockets on the server's
# port; with keep-alive only wrk closes (its side holds the TIME_WAIT).
server_time_wait() { # PORT
    ss -Htan state time-wait "( sport = :$1 )" 2>/dev/null | wc -l
}

to_ms() { # wrk duration (e.g. 812.00us, 1.23ms, 2.00s) -> milliseconds
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000;
        else if (u != "ms") { exit 1 }
        printf "%.3f", n }'
}

# Run wrk once against URL and leave the figures in R_RPS, R_P50, R_P99, R_REQS.
measure() { # NAME URL PORT
    local name=$1 url=$2 port=$3 out="$TMP/wrk.$RANDOM.txt" tw0 tw1 non2xx sock total
    check_keepalive "$name" "$url"
    if [ "$WARMUP" -gt 0 ]; then
        timeout $((WARMUP + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" --timeout 2s \
            -H "$AUTH" "$url" >"$TMP/warmup.txt" 2>&1 || die "$name: wrk warm-up failed: $(cat "$TMP/warmup.txt")"
    fi
    tw0=$(server_time_wait "$port")
    say "measuring $name for ${DURATION}s ($CONNS connections, $THREADS wrk threads)"
    timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --timeout 2s --latency \
        -H "$AUTH" "$url" >"$out" 2>&1 || die "$name: wrk failed: $(cat "$out")"
    tw1=$(server_time_wait "$port")
    R_RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
    R_REQS=$(awk '/ requests in / { print $1 }' "$out")
    R_P50=$(awk '$1 == "50%" { print $2 }' "$out")
    R_P99=$(awk '$1 == "99%" { print $2 }' "$out")
    [ -n "$R_RPS" ] && [ -n "$R_REQS" ] && [ -n "$R_P50" ] && [ -n "$R_P99" ] ||
        die "$name: could not read Requests/sec and the 50%/99% latency from wrk: $(cat "$out")"
    R_P50=$(to_ms "$R_P50") || die "$name: unknown latency unit in wrk output"
    R_P99=$(to_ms "$R_P99") || die "$name: unknown latency unit in wrk output"
    non2xx=$(awk -F: '/Non-2xx or 3xx responses/ { gsub(/ /, "", $2); print $2 }' "$out")
    [ -z "$non2xx" ] || die "$name: $non2xx of $R_REQS answers were not 2xx (an error flood is not a benchmark)"
    sock=$(awk '/Socket errors:/ { s = 0; for (i = 3; i <= NF; i++) s += $i + 0; print s }' "$out")
    total=${sock:-0}
    # A handful of socket errors at the end of a run is noise; more is a fault.
    [ "$total" -le $((R_REQS / 1000)) ] ||
        die "$name: $total socket errors in $R_REQS requests ($(grep -o 'connect.*' "$out"); read errors usually mean the server closed keep-alive connections)"
    [ $((tw1 - tw0)) -le $((2 * CONNS)) ] ||
        die "$name closed $((tw1 - tw0)) connections itself during the run (keep-alive broken under load)"
    check_keepalive "$name" "$url"
    say "$name: $R_RPS req/s, p50 $R_P50 ms, p99 $R_P99 ms ($R_REQS requests)"
}

# ---- 2. nginx, static file of the same size -------------------------------

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
        chmod 644 "$TMP/www/me.json"
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
            if curl -s --max-time 1 -o /dev/null "http://127.0.0.1:$port/me.json"; then
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

# ---- the rounds: each server alone, in turn ---------------------------------

PD_RPS_L=() PD_P50_L=() PD_P99_L=()
NGX_RPS_L=() NGX_P50_L=() NGX_P99_L=()
OFF_RPS_L=() OFF_P50_L=() OFF_P99_L=()
PD_REQS_SUM=0
NGX_PORT=""
for ((round = 1; round <= ROUNDS; round++)); do
    [ "$ROUNDS" -eq 1 ] || say "round $round of $ROUNDS"

    # 1. parceldesk, access log on, as in production (already running in round 1).
    [ -n "$PD_PID" ] || start_pd "$TMP/access.log"
    measure "parceldesk" "http://127.0.0.1:$PD_PORT/api/v1/me" "$PD_PORT"
    PD_RPS_L+=("$R_RPS") PD_P50_L+=("$R_P50") PD_P99_L+=("$R_P99")
    PD_REQS_SUM=$((PD_REQS_SUM + R_REQS))
    stop_pd # flushes the access log
    log_lines=$(wc -l <"$TMP/access.log")
    [ "$log_lines" -ge "$PD_REQS_SUM" ] ||
        die "the access log has $log_lines lines for $PD_REQS_SUM requests: it was not on during the runs"

    # 2. nginx serving the same bytes.
    start_nginx
    size=$(curl -s --max-time 5 -o /dev/null -w '%{size_download}' "http://127.0.0.1:$NGX_PORT/me.json")
    [ "$size" = "$BODY_BYTES" ] || die "nginx served $size bytes, expected $BODY_BYTES"
    measure "nginx" "http://127.0.0.1:$NGX_PORT/me.json" "$NGX_PORT"
    NGX_RPS_L+=("$R_RPS") NGX_P50_L+=("$R_P50") NGX_P99_L+=("$R_P99")
    stop_nginx

    # 3. parceldesk without its access log, for comparison only.
    if [ "$ACCESS_LOG_OFF" = 1 ]; then
        start_pd off
        measure "parceldesk (access log off)" "http://127.0.0.1:$PD_PORT/api/v1/me" "$PD_PORT"
        OFF_RPS_L+=("$R_RPS") OFF_P50_L+=("$R_P50") OFF_P99_L+=("$R_P99")
        stop_pd
    fi
done

PD_RPS=$(median "${PD_RPS_L[@]}") PD_P50=$(median "${PD_P50_L[@]}") PD_P99=$(median "${PD_P99_L[@]}")
NGX_RPS=$(median "${NGX_RPS_L[@]}") NGX_P50=$(median "${NGX_P50_L[@]}") NGX_P99=$(median "${NGX_P99_L[@]}")
OFF_RPS="" OFF_P50="" OFF_P99=""
if [ "$ACCESS_LOG_OFF" = 1 ]; then
    OFF_RPS=$(median "${OFF_RPS_L[@]}") OFF_P50=$(median "${OFF_P50_L[@]}") OFF_P99=$(median "${OFF_P99_L[@]}")
fi

# ---- report ---------------------------------------------------------------

RATIO=$(awk -v a="$PD_RPS" -v b="$NGX_RPS" 'BEGIN { printf "%.2f", a / b }')
VERDICT=$(awk -v r="$RATIO" -v t="$TARGET" 'BEGIN { print (r + 0 >= t + 0) ? "PASS" : "FAIL" }')
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
envs=$(env | grep -E '^PD_(SERVER|DATABASE|AUTH|LOG)_' | sort | tr '\n' ' ' || true)

echo
echo "GET /api/v1/me (authenticated) vs nginx static file — $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}, kernel $(uname -r); revision $rev"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s --latency (keep-alive verified; warm-up ${WARMUP}s); body $BODY_BYTES bytes"
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
printf '%-30s %12s %10s %10s\n' server 'req/s' 'p50 ms' 'p99 ms'
printf '%-30s %12s %10s %10s\n' "parceldesk /api/v1/me" "$PD_RPS" "$PD_P50" "$PD_P99"
printf '%-30s %12s %10s %10s\n' "nginx static file" "$NGX_RPS" "$NGX_P50" "$NGX_P99"
[ -z "$OFF_RPS" ] ||
    printf '%-30s %12s %10s %10s\n' "parceldesk, access log off" "$OFF_RPS" "$OFF_P50" "$OFF_P99"
echo
echo "ratio parceldesk/nginx (req/s, access log on): $RATIO   target >= $TARGET: $VERDICT"
[ -z "$OFF_RPS" ] ||
    echo "ratio with the access log off (for comparison): $(awk -v a="$OFF_RPS" -v b="$NGX_RPS" 'BEGIN { printf "%.2f", a / b }')"

if [ -n "$JSON_OUT" ]; then
    cat >"$JSON_OUT" <<EOF
{"benchmark":"me_vs_nginx","date":"$(date -Iseconds)","revision":"$rev","body_bytes":$BODY_BYTES,
 "wrk":{"threads":$THREADS,"connections":$CONNS,"seconds":$DURATION},"rounds":$ROUNDS,"load_before":$LOAD_BEFORE,
 "parceldesk":{"rps":$PD_RPS,"p50_ms":$PD_P50,"p99_ms":$PD_P99,"access_log":"file"},
 "nginx":{"rps":$NGX_RPS,"p50_ms":$NGX_P50,"p99_ms":$NGX_P99},
 "parceldesk_access_log_off":$([ -n "$OFF_RPS" ] && echo "{\"rps\":$OFF_RPS,\"p50_ms\":$OFF_P50,\"p99_ms\":$OFF_P99}" || echo null),
 "ratio":$RATIO,"target":$TARGET,"verdict":"$VERDICT"}
EOF
fi
exit 0
