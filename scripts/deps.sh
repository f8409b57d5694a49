#!/usr/bin/env bash
# Installs everything ParcelDesk needs to build, run and test on Debian 12:
# Debian packages through apt-get and npm packages through `npm ci` from the
# committed package-lock.json. Safe to run any number of times: it installs
# only what is missing, so a second run costs a few dpkg queries.
set -euo pipefail
cd "$(dirname "$0")/.."

PKGS=(
    build-essential cmake pkg-config clang-format curl ca-certificates
    libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libpq-dev libsodium-dev
    libcmocka-dev libzint-dev libcairo2-dev libpango1.0-dev libcurl4-openssl-dev
    poppler-utils zbar-tools
    postgresql postgresql-contrib
    nginx-light wrk
    chromium fonts-noto-cjk nodejs npm
    libxlsxwriter-dev
)

missing=()
for p in "${PKGS[@]}"; do
    # npm may come from NodeSource's nodejs instead of Debian's package.
    if [ "$p" = npm ] && command -v npm >/dev/null 2>&1; then continue; fi
    if [ "$p" = nodejs ] && command -v node >/dev/null 2>&1; then continue; fi
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing+=("$p")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -q
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The Debian postgresql package starts a cluster on 5432; tests use their own
# throwaway cluster (scripts/pg-cluster.sh) and never touch it.

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "deps: npm ci"
    npm ci --no-audit --no-fund --loglevel=error
fi
