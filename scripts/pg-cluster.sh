#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests and benchmarks, on a loopback port,
# in a directory of its own; it never touches the system's cluster.
#
#   scripts/pg-cluster.sh start    init if needed, start, wait until ready, create
#                                  database parceldesk; print its URL on stdout
#   scripts/pg-cluster.sh url      print the URL of the running cluster
#   scripts/pg-cluster.sh status   exit 0 when running (details on stderr), 3 when not
#   scripts/pg-cluster.sh stop     stop it and delete its directory
#
# Environment: PD_PG_DIR (default var/pg under the repository), PD_PG_PORT
# (default 55432; if busy, the next free port is taken), PD_PG_BINDIR (the
# server binaries; default: the newest /usr/lib/postgresql/*/bin, else
# `pg_config --bindir`).
#
# Layout of PD_PG_DIR: data/ (the cluster, also holding the unix socket),
# log (server log), url (what `start` printed), .pd-pg-cluster (marks the
# directory as ours, so that `stop` never deletes anything else).
#
# PostgreSQL refuses to run as root: as root the cluster belongs to a system
# user `pdtest` (created if missing); otherwise to the current user. Either
# way the database superuser is called pdtest and authentication is `trust`
# on 127.0.0.1 only, which is why this is for tests and nothing else.
#
# Only the URL goes to stdout, so `URL=$(scripts/pg-cluster.sh start)` works
# under `set -euo pipefail`; everything else goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(realpath -m "${PD_PG_DIR:-$ROOT/var/pg}")"
PORT_WANTED="${PD_PG_PORT:-55432}"
DB=parceldesk
SUPERUSER=pdtest
OS_USER=pdtest

say() { echo "pg-cluster: $*" >&2; }
die() { say "$*"; exit 1; }

find_bindir() {
    if [ -n "${PD_PG_BINDIR:-}" ]; then
        echo "$PD_PG_BINDIR"
        return
    fi
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -n "$d" ] && [ -x "$d/initdb" ]; then
        echo "$d"
        return
    fi
    if command -v pg_config >/dev/null 2>&1; then
        d="$(pg_config --bindir)"
        if [ -x "$d/initdb" ]; then
            echo "$d"
            return
        fi
    fi
    die "no PostgreSQL server binaries found (install postgresql, or set PD_PG_BINDIR)"
}
BIN="$(find_bindir)"

# Run a server command as the cluster's owner.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u "$OS_USER" -- "$@"
    else
        "$@"
    fi
}

ensure_os_user() {
    [ "$(id -u)" -eq 0 ] || return 0
    id -u "$OS_USER" >/dev/null 2>&1 && return 0
    say "creating system user $OS_USER"
    # Another process may be creating it at the same moment; what matters is
    # that it exists afterwards.
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        "$OS_USER" >/dev/null 2>&1 || true
    id -u "$OS_USER" >/dev/null 2>&1 || die "cannot create system user $OS_USER"
}

port_busy() {
    local p="$1"
    if command -v ss >/dev/null 2>&1; then
        ss -Htln "sport = :$p" 2>/dev/null | grep -q . && return 0
    fi
    # Fallback, and a second opinion: can we connect?
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && return 0
    return 1
}

is_running() {
    [ -f "$DIR/data/PG_VERSION" ] && as_owner "$BIN/pg_ctl" -D "$DIR/data" status >/dev/null 2>&1
}

conf_port() {
    [ -f "$DIR/data/pd_port.conf" ] || return 0
    sed -n "s/^port = \([0-9]*\).*/\1/p" "$DIR/data/pd_port.conf" | tail -n 1
}

url_for() {
    echo "postgresql://$SUPERUSER@127.0.0.1:$1/$DB"
}

init_cluster() {
    ensure_os_user
    mkdir -p "$DIR"
    touch "$DIR/.pd-pg-cluster"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R "$OS_USER:" "$DIR"
        # The owner must be able to reach the directory through its parents.
        as_owner test -w "$DIR" || die "$DIR is not reachable by user $OS_USER (pick a PD_PG_DIR under /tmp)"
    fi
    say "initdb in $DIR/data"
    as_owner "$BIN/initdb" -D "$DIR/data" -U "$SUPERUSER" --auth=trust -E UTF8 \
        --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
        as_owner "$BIN/initdb" -D "$DIR/data" -U "$SUPERUSER" --auth=trust -E UTF8 \
            --locale=C >"$DIR/initdb.log" 2>&1 ||
        { cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    cat >>"$DIR/data/postgresql.conf" <<EOF

# scripts/pg-cluster.sh: a throwaway cluster for tests and benchmarks
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR/data'
fsync = on
shared_buffers = 128MB
max_connections = 200
log_min_messages = warning
include_if_exists = 'pd_port.conf'
EOF
}

start_server() {
    local port="$1"
    echo "port = $port" | as_owner tee "$DIR/data/pd_port.conf" >/dev/null
    as_owner "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/log" -w -t 60 start >/dev/null 2>&1
}

cmd_start() {
    if [ -f "$DIR/data/PG_VERSION" ] && [ ! -f "$DIR/.pd-pg-cluster" ]; then
        die "$DIR holds a cluster this script did not create; refusing to use it"
    fi
    [ -f "$DIR/data/PG_VERSION" ] || init_cluster
    local port
    if is_running; then
        port="$(conf_port)"
    else
        # Keep the port of an earlier start when it is still free, so a URL
        # handed out before stays valid after a restart.
        port="$(conf_port)"
        [ -n "$port" ] || port="$PORT_WANTED"
        local tries=0
        while :; do
            tries=$((tries + 1))
            [ "$tries" -le 50 ] || die "no free port found from $PORT_WANTED upwards"
            if port_busy "$port"; then
                port=$((port + 1))
                continue
            fi
            if start_server "$port"; then
                break
            fi
            # Lost a race for the port, or a real failure: the log says which.
            if grep -q "could not bind\|Address already in use" "$DIR/log" 2>/dev/null; then
                port=$((port + 1))
                continue
            fi
            tail -n 20 "$DIR/log" >&2 || true
            die "the server did not start (log: $DIR/log)"
        done
    fi
    local i=0
    until "$BIN/pg_isready" -q -h 127.0.0.1 -p "$port" -d postgres -U "$SUPERUSER"; do
        i=$((i + 1))
        [ "$i" -le 120 ] || die "the server on port $port is not ready after 60 s"
        sleep 0.5
    done
    if [ -z "$("$BIN/psql" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -d postgres -XtAq \
        -c "SELECT 1 FROM pg_database WHERE datname = '$DB'")" ]; then
        "$BIN/createdb" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" "$DB" 2>/dev/null ||
            "$BIN/psql" -h 127.0.0.1 -p "$port" -U "$SUPERUSER" -d postgres -XtAq \
                -c "SELECT 1 FROM pg_database WHERE datname = '$DB'" | grep -q 1 ||
            die "cannot create database $DB"
    fi
    local url
    url="$(url_for "$port")"
    # The url file is written by the caller's user, readable by all.
    echo "$url" >"$DIR/url.tmp" && mv -f "$DIR/url.tmp" "$DIR/url"
    say "running on 127.0.0.1:$port (data $DIR/data, log $DIR/log)"
    echo "$url"
}

cmd_stop() {
    if [ ! -e "$DIR" ]; then
        say "nothing at $DIR"
        return 0
    fi
    [ -f "$DIR/.pd-pg-cluster" ] || die "$DIR was not created by this script; not touching it"
    if is_running; then
        as_owner "$BIN/pg_ctl" -D "$DIR/data" -m fast -w -t 60 stop >/dev/null 2>&1 ||
            die "pg_ctl stop failed (log: $DIR/log)"
        say "stopped"
    fi
    rm -rf -- "$DIR"
    say "removed $DIR"
}

cmd_url() {
    [ -f "$DIR/url" ] || die "no cluster at $DIR (run: scripts/pg-cluster.sh start)"
    is_running || die "the cluster at $DIR is not running (run: scripts/pg-cluster.sh start)"
    cat "$DIR/url"
}

cmd_status() {
    if is_running; then
        say "running on 127.0.0.1:$(conf_port) (data $DIR/data)"
        return 0
    fi
    if [ -f "$DIR/data/PG_VERSION" ]; then
        say "stopped (data $DIR/data)"
    else
        say "no cluster at $DIR"
    fi
    return 3
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
url) cmd_url ;;
status) cmd_status ;;
*)
    echo "usage: $0 start|stop|url|status" >&2
    exit 2
    ;;
esac
