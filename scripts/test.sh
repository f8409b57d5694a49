#!/usr/bin/env bash
# Every test suite, in the order a failure is cheapest to find: formatting,
# the two builds (RelWithDebInfo in build/, ASan+UBSan in build-asan/), the
# unit and store contract tests (ctest, sanitized, SQLite and PostgreSQL),
# the API suite against the sanitized server on SQLite and on PostgreSQL, and
# the browser suite against the plain build. `make test` runs it after
# scripts/deps.sh; CI runs `make test` through .ci/run. A throwaway
# PostgreSQL cluster (scripts/pg-cluster.sh) lives for the duration of the
# run. A failing build stops the run; a failing suite does not, so one run
# shows every failure. Prints a summary; exits 1 when anything failed.
#
# Environment: JOBS (parallel build jobs, default 2), BUILD and ASAN_BUILD
# (build directories, default build and build-asan), PD_PG_DIR/PD_PG_PORT
# (passed through to scripts/pg-cluster.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

JOBS=${JOBS:-2}
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build-asan}
SUMMARY=()
FAILED=0
PG_STARTED=0
T0=$SECONDS

# Sanitizer settings for everything the sanitized binaries run. LeakSanitizer
# works in this environment (checked: a leaking test program is reported and
# exits non-zero), so leaks fail the run. halt_on_error makes UBSan findings
# fatal too (the build already uses -fno-sanitize-recover=undefined).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# Label rendering goes through fontconfig (caches kept for the process) and
# Debian 12's cairo 1.16, whose PDF font subsetter loses ~768 bytes per font
# per document (docs/labels.md); tests/lsan.supp names exactly those. The
# cairo frames have no frame pointers, hence the slow full unwind, and GLib's
# slice allocator would hide leaked Pango objects from LeakSanitizer.
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/lsan.supp:fast_unwind_on_malloc=0}
export G_SLICE=${G_SLICE:-always-malloc}

summary() {
    echo
    echo "==================== test summary ($((SECONDS - T0)) s) ===================="
    local line
    for line in "${SUMMARY[@]}"; do echo "  $line"; done
    if [ "$FAILED" -eq 0 ]; then echo "  ALL PASSED"; else echo "  FAILED"; fi
}

cleanup() {
    local rc=$?
    if [ "$PG_STARTED" -eq 1 ]; then
        bash scripts/pg-cluster.sh stop >/dev/null 2>&1 || echo "test.sh: could not stop the PostgreSQL cluster" >&2
    fi
    summary
    # A failed step (not only a failed command) makes the run fail.
    if [ "$rc" -eq 0 ] && [ "$FAILED" -ne 0 ]; then rc=1; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# step NAME CMD...: run one suite, record PASS/FAIL, keep going.
step() {
    local name=$1 start=$SECONDS rc=0
    shift
    echo
    echo "==> $name"
    "$@" || rc=$?
    if [ "$rc" -eq 0 ]; then
        SUMMARY+=("PASS  $name ($((SECONDS - start)) s)")
    else
        SUMMARY+=("FAIL  $name (exit $rc, $((SECONDS - start)) s)")
        FAILED=1
    fi
    return 0
}

# must NAME CMD...: like step, but nothing after it can run without it.
must() {
    step "$@"
    if [ "$FAILED" -ne 0 ] && [[ "${SUMMARY[-1]}" == FAIL* ]]; then
        echo "test.sh: '$1' failed; stopping here" >&2
        exit 1
    fi
}

build() { # DIR BUILD_TYPE [cmake args...]
    local dir=$1 type=$2
    shift 2
    cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null &&
        cmake --build "$dir" -j "$JOBS"
}

step "format (tests/format.sh)" bash tests/format.sh
step "OpenAPI agrees with the code (tests/docs/check-openapi.sh)" bash tests/docs/check-openapi.sh
step "OpenAPI checker catches broken files (--self-test)" bash tests/docs/check-openapi.sh --self-test
must "build $BUILD/ (RelWithDebInfo)" build "$BUILD" RelWithDebInfo -DPD_SANITIZE=OFF
must "build $ASAN_BUILD/ (Debug, ASan+UBSan)" build "$ASAN_BUILD" Debug -DPD_SANITIZE=ON

echo
echo "==> PostgreSQL: start the throwaway cluster"
if PG_URL=$(bash scripts/pg-cluster.sh start); then
    PG_STARTED=1
    export PD_TEST_PG_URL=$PG_URL
    SUMMARY+=("PASS  PostgreSQL cluster ($PG_URL)")
else
    # make test covers both databases: without PostgreSQL the run fails
    # (the store suite's own CI=true rule is then moot but kept).
    PG_STARTED=1 # stop whatever half-started
    SUMMARY+=("FAIL  PostgreSQL cluster did not start (scripts/pg-cluster.sh start)")
    FAILED=1
fi

step "unit + store contract (ctest, $ASAN_BUILD)" ctest --test-dir "$ASAN_BUILD" --output-on-failure -j "$JOBS" --timeout 900

api_suite() { # BACKEND
    PD_BIN=$ASAN_BUILD/parceldesk PD_TEST_BACKEND=$1 \
        node --test --test-concurrency=2 --test-timeout=300000 tests/api/
}
step "API suite, SQLite (sanitized server)" api_suite sqlite
if [ -n "${PD_TEST_PG_URL:-}" ]; then
    step "API suite, PostgreSQL (sanitized server)" api_suite pg
else
    SUMMARY+=("FAIL  API suite, PostgreSQL: not run (no cluster)")
    FAILED=1
fi

if compgen -G 'tests/browser/*.test.mjs' >/dev/null; then
    step "browser suite ($BUILD/parceldesk)" env PD_BIN="$BUILD/parceldesk" \
        node --test --test-concurrency=1 --test-timeout=300000 tests/browser/
else
    SUMMARY+=("SKIP  browser suite (no tests/browser/*.test.mjs yet)")
fi
