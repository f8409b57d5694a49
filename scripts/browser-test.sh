#!/usr/bin/env bash
# Runs the staff console's browser tests (tests/browser/*.test.mjs: Debian's
# Chromium driven by playwright-core against a real `parceldesk serve` on a
# fresh demo database). The binary is $PD_BIN (default build/parceldesk);
# PD_TEST_BACKEND=pg with PD_TEST_PG_URL runs them on PostgreSQL instead of
# SQLite. Exits non-zero when a test fails or the prerequisites are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export PD_BIN="${PD_BIN:-build/parceldesk}"
if [ ! -x "$PD_BIN" ]; then
    echo "browser-test: $PD_BIN is not built (run make build)" >&2
    exit 1
fi
if [ ! -x /usr/bin/chromium ] || [ ! -d node_modules/playwright-core ]; then
    echo "browser-test: chromium or playwright-core missing (run bash scripts/deps.sh)" >&2
    exit 1
fi
# Without a CJK font the console still works but the screenshots show boxes.
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh 2>/dev/null)" ]; then
    echo "browser-test: warning: no Chinese font installed (fonts-noto-cjk)" >&2
fi

# One file at a time: each test starts its own Chromium, and the machine may
# have only two cores. The per-test timeouts live in the test files; this one
# bounds the whole run.
exec node --test --test-concurrency=1 --test-timeout=600000 tests/browser/
