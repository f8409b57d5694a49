#!/usr/bin/env bash
# Bulk order import (`parceldesk import orders`, good-rows mode) of 10,000
# and 100,000 generated rows (bench/import_gen.mjs: Chinese headers, quoted
# multi-line remarks, CRLF) into a fresh SQLite database: rows per second and
# peak memory of each, and the ratio of the two peaks. The reader holds one
# record at a time and the report is capped, so memory must not grow with
# the file: target peak(100k) / peak(10k) <= 1.25 on the process's own
# (anonymous) memory. VmHWM is printed too; it also counts the database pages
# SQLite maps into the process (mmap_size), which grow with the database and
# are file cache, not the importer's memory.
#
# Environment: PD_BIN (default build/parceldesk), BENCH_IMPORT_ROWS (default
# "10000 100000"; the ratio compares the first and the last).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${PD_BIN:-$ROOT/build/parceldesk}
read -r -a SIZES <<<"${BENCH_IMPORT_ROWS:-10000 100000}"
[ -x "$BIN" ] || { echo "bench import: $BIN is not an executable (make build)" >&2; exit 2; }
command -v node >/dev/null || { echo "bench import: node is missing (scripts/deps.sh)" >&2; exit 2; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pd-bench-import.XXXXXX")
PID=
cleanup() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then kill "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

kib() { # FIELD FILE -> the value in kB of a /proc/PID/status line, 0 when absent
    local v
    v=$(sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "$2" 2>/dev/null || true)
    echo "${v:-0}"
}

printf '%-9s %9s %9s %10s %14s %16s\n' rows "file MiB" seconds "rows/s" "peak RSS MiB" "peak anon MiB"
declare -A ANON
for n in "${SIZES[@]}"; do
    csv=$TMP/orders-$n.csv
    db=sqlite:$TMP/import-$n.db
    node "$ROOT/bench/import_gen.mjs" "$n" "$csv" --prefix "B$n"
    "$BIN" migrate --db "$db" >/dev/null 2>&1
    PD_FAST_PWHASH=1 "$BIN" seed-demo --db "$db" >/dev/null 2>&1 # passwords unused here
    t0=$(date +%s%N)
    # cd: the rate cards and goods list are read from ./data
    (cd "$ROOT" && exec "$BIN" import orders --db "$db" "$csv") >"$TMP/report.json" 2>"$TMP/stderr" &
    PID=$!
    hwm=0 anon=0
    while kill -0 "$PID" 2>/dev/null; do
        cp "/proc/$PID/status" "$TMP/status" 2>/dev/null || break
        h=$(kib VmHWM "$TMP/status") a=$(kib RssAnon "$TMP/status")
        [ "$h" -gt "$hwm" ] && hwm=$h
        [ "$a" -gt "$anon" ] && anon=$a
        sleep 0.05
    done
    rc=0
    wait "$PID" || rc=$?
    PID=
    t1=$(date +%s%N)
    if [ "$rc" -ne 0 ]; then
        echo "bench import: the import of $n rows exited $rc:" >&2
        cat "$TMP/stderr" >&2
        exit 1
    fi
    imported=$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).imported)' "$TMP/report.json")
    if [ "$imported" != "$n" ]; then
        echo "bench import: $imported of $n rows imported" >&2
        exit 1
    fi
    ms=$(((t1 - t0) / 1000000))
    size=$(stat -c %s "$csv")
    ANON[$n]=$anon
    awk -v n="$n" -v ms="$ms" -v size="$size" -v hwm="$hwm" -v anon="$anon" 'BEGIN {
        printf "%-9d %9.1f %9.2f %10.0f %14.1f %16.1f\n", n, size / 1048576, ms / 1000,
               n / (ms / 1000), hwm / 1024, anon / 1024 }'
    rm -f "$csv"
done

if [ "${#SIZES[@]}" -ge 2 ]; then
    first=${SIZES[0]} last=${SIZES[-1]}
    awk -v a="${ANON[$first]}" -v b="${ANON[$last]}" -v f="$first" -v l="$last" 'BEGIN {
        r = b / a
        printf "peak anonymous memory, %d rows / %d rows: %.2f (target <= 1.25) %s\n", l, f, r,
               r <= 1.25 ? "PASS" : "FAIL" }'
fi
