#!/usr/bin/env bash
# Benchmark: orders created per second over HTTP (`POST /api/v1/waybills`,
# each request a different valid order built by bench/orders.lua) with p50
# and p99 latency, on SQLite and on PostgreSQL, each beside a baseline
# measured in the same run: `POST /api/v1/quotes` with the same bodies, which
# does the same parsing, address resolution and pricing but writes nothing.
# The ratio orders/s ÷ quotes/s shows what the transaction costs. The issue
# sets no figure; the target printed is a sanity floor of 1,000 orders/s per
# backend (an agent on the phone takes an order in about three minutes, so
# that is far beyond any call centre). A missed target is reported, not
# fatal. A broken measurement exits 1: a server that does not start, any
# answer other than 201 (200 for quotes), socket errors, lost keep-alive, or
# a waybill count that does not match what was answered (wrk's 201s against
# the rows the measured run added, and the access log's 201s against every
# row the server wrote). PostgreSQL runs in a throwaway cluster
# (scripts/pg-cluster.sh); without its server binaries its row is skipped,
# which is a failure only when CI=true. Everything runs on 127.0.0.1 in
# temporary directories that are removed at the end.
#
# Environment: PD_BIN (default build/parceldesk), BENCH_SECONDS (10),
# BENCH_WARMUP (3), BENCH_CONNECTIONS (16), BENCH_THREADS (2),
# BENCH_BACKENDS ("sqlite pg"), PD_PG_PORT (55460: the throwaway cluster's
# port, or the next free one), BENCH_JSON (write the figures as JSON to this
# path), CI (true: missing PostgreSQL binaries are a failure).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PD_BIN=${PD_BIN:-$ROOT/build/parceldesk}
DURATION=${BENCH_SECONDS:-10}
WARMUP=${BENCH_WARMUP:-3}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
BACKENDS=${BENCH_BACKENDS:-sqlite pg}
PG_PORT=${PD_PG_PORT:-55460}
JSON_OUT=${BENCH_JSON:-}
TARGET=1000
LUA=$ROOT/bench/orders.lua

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
[ -r "$LUA" ] || { say "$LUA is missing"; exit 2; }
for tool in wrk curl ss timeout awk sqlite3; do
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

DB=""          # the --db URL of the backend under test
PGBIN=""       # PostgreSQL client/server binaries, when measuring PostgreSQL
PASSWORD="bench-$RANDOM-$RANDOM-Pw1"
PD_PORT=""
BASE=""
AUTH=""

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

# Rows in the waybills table, read straight from the database (not through
# the API under test).
count_rows() {
    local n
    case $DB in
    sqlite:*) n=$(timeout 30 sqlite3 -batch -cmd '.timeout 10000' "${DB#sqlite:}" \
        'SELECT count(*) FROM waybills;' 2>&1) || die "sqlite3 could not count waybills: $n" ;;
    *) n=$(timeout 30 "$PGBIN/psql" "$DB" -XtAqc 'SELECT count(*) FROM waybills' 2>&1) ||
        die "psql could not count waybills: $n" ;;
    esac
    [[ $n =~ ^[0-9]+$ ]] || die "counting waybills gave '$n'"
    echo "$n"
}

# Requests still in flight when wrk stops are finished by the server after
# wrk has gone: wait until the count stops moving (bounded) before reading it.
settled_rows() {
    local a b i
    a=$(count_rows)
    for ((i = 0; i < 50; i++)); do
        sleep 0.3
        b=$(count_rows)
        [ "$a" = "$b" ] && { echo "$b"; return 0; }
        a=$b
    done
    die "the waybill count was still moving 15 s after wrk stopped"
}

# One order as the Lua script would build it, for the probes made with curl.
PROBE_BODY='{"channel":"phone","service":"standard","payment":"sender","customer_ref":"BENCH-probe",
"sender":{"name":"张三","phone":"13800138000","province":"广东省","city":"深圳市","district":"南山区","address":"科技园南路 1 号"},
"recipient":{"name":"李四","phone":"13900139000","province":"上海市","city":"上海市","district":"浦东新区","address":"世纪大道 100 号 probe 室"},
"goods":{"name":"衣服","quantity":1,"weight_g":1200},"declared_value_fen":0,"cod_fen":0,"parcels":1}'

probe() { # PATH EXPECTED_STATUS
    local out code
    out=$(curl -sS --max-time 20 -H "$AUTH" -H 'Content-Type: application/json' \
        --data-binary "$PROBE_BODY" -w '\n%{http_code}' "$BASE$1") || die "POST $1: curl failed"
    code=${out##*$'\n'}
    [ "$code" = "$2" ] || die "POST $1 answered $code, expected $2: $(head -c 400 <<<"${out%$'\n'*}")"
}

# Three POSTs through one curl handle must share one connection: curl says
# "Re-using existing connection" for the second and third. Quotes, because
# they write nothing.
check_keepalive() {
    local out n ok u="$BASE/api/v1/quotes"
    out=$(curl -sv --max-time 10 -H "$AUTH" -H 'Content-Type: application/json' \
        --data-binary "$PROBE_BODY" -o /dev/null -o /dev/null -o /dev/null "$u" "$u" "$u" 2>&1) ||
        die "keep-alive probe failed: $(tail -n 5 <<<"$out")"
    n=$(grep -Eci 're-?using existing connection' <<<"$out" || true)
    ok=$(grep -Eci '^< HTTP/1\.[01] 200' <<<"$out" || true)
    [ "$ok" -eq 3 ] || die "keep-alive probe got $ok of 3 answers with status 200"
    grep -Eqi '^< connection:[[:space:]]*close' <<<"$out" &&
        die "POST /api/v1/quotes answers with 'Connection: close' (keep-alive broken)"
    [ "$n" -ge 2 ] || die "the server closed the connection between POSTs (keep-alive broken): curl reused it $n of 2 times"
}

server_time_wait() { # connections the server closed itself leave TIME_WAIT on its port
    ss -Htan state time-wait "( sport = :$PD_PORT )" 2>/dev/null | wc -l
}

# Run wrk with orders.lua and leave the figures in R_RPS, R_P50, R_P99,
# R_REQS, R_OK (answers with the expected status).
run_wrk() { # NAME MODE TAG SECONDS LATENCY(0|1)
    local name=$1 mode=$2 tag=$3 secs=$4 out="$TMP/wrk.$3.txt" line sock non
    local path=/api/v1/waybills
    [ "$mode" = quotes ] && path=/api/v1/quotes
    timeout $((secs + 60)) wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --timeout 5s \
        -H "$AUTH" -s "$LUA" "$BASE$path" -- "$mode" "$tag" >"$out" 2>&1 ||
        die "$name: wrk failed: $(cat "$out")"
    line=$(grep '^pd-result ' "$out" || true)
    [ -n "$line" ] || die "$name: orders.lua printed no result line: $(cat "$out")"
    # The figures come before first_error=, whose answer body may hold anything.
    local nums=${line%% first_error=*}
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$nums"; }
    R_REQS=$(field requests) R_OK=$(field expected) non=$(field other)
    R_P50=$(field p50_ms) R_P99=$(field p99_ms) R_RPS=$(field rps)
    [[ $R_REQS =~ ^[0-9]+$ && $R_OK =~ ^[0-9]+$ && $non =~ ^[0-9]+$ ]] && [ -n "$R_RPS" ] ||
        die "$name: cannot read orders.lua's result line: $line"
    [ "$non" -eq 0 ] ||
        die "$name: $non of $R_REQS answers had another status than expected; the first: ${line#*first_error=}"
    [ "$R_REQS" -gt 0 ] || die "$name: wrk completed no request in ${secs}s"
    sock=$(($(field connect) + $(field read) + $(field write) + $(field timeout)))
    # A handful of socket errors at the end of a run is noise; more is a fault.
    [ "$sock" -le $((R_REQS / 1000)) ] ||
        die "$name: $sock socket errors in $R_REQS requests ($line; read errors usually mean the server closed keep-alive connections)"
}

measure() { # NAME MODE TAG
    local tw0 tw1
    if [ "$WARMUP" -gt 0 ]; then
        run_wrk "$1 (warm-up)" "$2" "$3-w" "$WARMUP"
    fi
    tw0=$(server_time_wait)
    say "measuring $1 for ${DURATION}s ($CONNS connections, $THREADS wrk threads)"
    run_wrk "$1" "$2" "$3-m" "$DURATION"
    tw1=$(server_time_wait)
    [ $((tw1 - tw0)) -le $((2 * CONNS)) ] ||
        die "$1: the server closed $((tw1 - tw0)) connections itself during the run (keep-alive broken under load)"
    check_keepalive
    say "$1: $R_RPS req/s, p50 $R_P50 ms, p99 $R_P99 ms ($R_REQS requests)"
}

# Everything for one backend; leaves its figures in B_* for the report.
bench_backend() { # LABEL SHORT
    local label=$1 short=$2 login code token rows0 rows_a rows_b rows_end log201 tw0 tw1
    say "preparing a fresh $label database"
    timeout 120 "$PD_BIN" migrate --db "$DB" >"$TMP/migrate.log" 2>&1 ||
        { cat "$TMP/migrate.log" >&2; die "$label: parceldesk migrate failed"; }
    timeout 300 "$PD_BIN" seed-demo --db "$DB" --password "$PASSWORD" >"$TMP/seed.log" 2>&1 ||
        { cat "$TMP/seed.log" >&2; die "$label: parceldesk seed-demo failed"; }
    rows0=$(count_rows)

    start_pd
    say "parceldesk on $label listening on $BASE"
    login=$(curl -sS --max-time 20 -H 'Content-Type: application/json' \
        --data-binary "{\"username\":\"agent\",\"password\":\"$PASSWORD\"}" \
        -w '\n%{http_code}' "$BASE/api/v1/auth/login") || die "POST /api/v1/auth/login: curl failed"
    code=${login##*$'\n'}
    [ "$code" = 200 ] || die "POST /api/v1/auth/login as agent answered $code, expected 200: ${login%$'\n'*}"
    token=$(sed -n 's/.*"token"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' <<<"${login%$'\n'*}")
    [ -n "$token" ] || die "the login answer has no \"token\": ${login%$'\n'*}"
    AUTH="Authorization: Bearer $token"

    probe /api/v1/quotes 200
    probe /api/v1/waybills 201
    check_keepalive

    measure "$label quotes (baseline)" quotes "$short-q"
    B_Q_RPS=$R_RPS B_Q_P50=$R_P50 B_Q_P99=$R_P99

    if [ "$WARMUP" -gt 0 ]; then
        run_wrk "$label orders (warm-up)" orders "$short-o-w" "$WARMUP"
    fi
    rows_a=$(settled_rows)
    tw0=$(server_time_wait)
    say "measuring $label orders for ${DURATION}s ($CONNS connections, $THREADS wrk threads)"
    run_wrk "$label orders" orders "$short-o-m" "$DURATION"
    tw1=$(server_time_wait)
    [ $((tw1 - tw0)) -le $((2 * CONNS)) ] ||
        die "$label orders: the server closed $((tw1 - tw0)) connections itself during the run (keep-alive broken under load)"
    rows_b=$(settled_rows)
    B_RPS=$R_RPS B_P50=$R_P50 B_P99=$R_P99 B_SEEN=$R_OK B_ROWS=$((rows_b - rows_a))
    say "$label orders: $R_RPS req/s, p50 $R_P50 ms, p99 $R_P99 ms ($R_REQS requests)"
    # Every 201 wrk saw is a row; rows beyond that can only be the requests
    # in flight (at most one per connection) when wrk stopped reading.
    [ "$B_ROWS" -ge "$B_SEEN" ] && [ "$B_ROWS" -le $((B_SEEN + CONNS)) ] ||
        die "$label: wrk saw $B_SEEN answers 201 but the waybills table grew by $B_ROWS rows (allowed: $B_SEEN to $((B_SEEN + CONNS)))"
    check_keepalive

    stop_pd # flushes the access log
    rows_end=$(count_rows)
    log201=$(grep -c ' POST /api/v1/waybills 201 ' "$TMP/access.log" || true)
    B_ALL_ROWS=$((rows_end - rows0)) B_LOG201=$log201
    # Over the server's whole life the match must be exact.
    [ "$B_ALL_ROWS" -eq "$log201" ] ||
        die "$label: the server answered 201 to $log201 orders (access log) but wrote $B_ALL_ROWS waybills"
    B_RATIO=$(awk -v a="$B_RPS" -v b="$B_Q_RPS" 'BEGIN { printf "%.3f", a / b }')
    B_VERDICT=$(awk -v r="$B_RPS" -v t="$TARGET" 'BEGIN { print (r + 0 >= t + 0) ? "PASS" : "FAIL" }')
}

# ---- the backends, one after the other --------------------------------------

declare -A ROW JSON_ROW CHECK
for backend in "${BACKEND_LIST[@]}"; do
    case $backend in
    sqlite)
        DB="sqlite:$TMP/orders.db"
        bench_backend SQLite sq
        label=SQLite
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
    ROW[$backend]=$(printf '%-12s %10s %9s %9s %12s %7s   %s' "$label" "$B_RPS" "$B_P50" "$B_P99" \
        "$B_Q_RPS" "$B_RATIO" "$B_VERDICT")
    CHECK[$backend]="$label: wrk saw $B_SEEN answers 201, the waybills table grew by $B_ROWS during the run (up to $CONNS may be requests in flight when wrk stopped); the access log's $B_LOG201 answers 201 = $B_ALL_ROWS new rows over the server's life"
    JSON_ROW[$backend]="{\"orders_rps\":$B_RPS,\"p50_ms\":$B_P50,\"p99_ms\":$B_P99,\"quotes_rps\":$B_Q_RPS,\"quotes_p50_ms\":$B_Q_P50,\"quotes_p99_ms\":$B_Q_P99,\"ratio\":$B_RATIO,\"answers_201\":$B_SEEN,\"rows_created\":$B_ROWS,\"verdict\":\"$B_VERDICT\"}"
done

# ---- report -----------------------------------------------------------------

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)

echo
echo "Orders created over HTTP (POST /api/v1/waybills) vs quotes (POST /api/v1/quotes) — $(date '+%Y-%m-%d %H:%M:%S %z')"
echo "machine: $(nproc) cores, ${cpu:-unknown CPU}, kernel $(uname -r); revision $rev"
echo "wrk -t$THREADS -c$CONNS -d${DURATION}s, keep-alive verified, warm-up ${WARMUP}s; a different order per request (bench/orders.lua); logged in as agent"
busy=$(awk -v l="$LOAD_BEFORE" -v c="$(nproc)" 'BEGIN { print (l + 0 > c * 0.5) ? 1 : 0 }')
if [ "$busy" = 1 ]; then
    echo "WARNING: load average $LOAD_BEFORE on $(nproc) cores before the run: other work was running, figures are unreliable"
else
    echo "load average before the run: $LOAD_BEFORE"
fi
echo "parceldesk: $PD_BIN, access log on (written to a file)"
echo
printf '%-12s %10s %9s %9s %12s %7s   %s\n' backend 'orders/s' 'p50 ms' 'p99 ms' 'quotes/s' ratio 'target'
for backend in "${BACKEND_LIST[@]}"; do echo "${ROW[$backend]}"; done
echo
echo "ratio = orders/s ÷ quotes/s (the same bodies priced without a write): what the transaction costs"
echo "target: >= 1,000 orders/s per backend (a sanity floor: an agent takes an order in ~3 minutes)"
for backend in "${BACKEND_LIST[@]}"; do [ -z "${CHECK[$backend]:-}" ] || echo "checked: ${CHECK[$backend]}"; done

if [ -n "$JSON_OUT" ]; then
    {
        echo "{\"benchmark\":\"orders\",\"date\":\"$(date -Iseconds)\",\"revision\":\"$rev\","
        echo " \"wrk\":{\"threads\":$THREADS,\"connections\":$CONNS,\"seconds\":$DURATION,\"warmup\":$WARMUP},\"load_before\":$LOAD_BEFORE,\"target_orders_rps\":$TARGET,"
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
