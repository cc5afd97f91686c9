#!/usr/bin/env bash
# Starts (or stops) a throwaway PostgreSQL server on loopback for the test suite's second pass.
# Usage: scripts/pg-test-server.sh start   -> prints the URL on stdout
#        scripts/pg-test-server.sh stop
set -euo pipefail

PGROOT="${ATELIER_PG_ROOT:-/tmp/atelier-pgtest}"
PORT="${ATELIER_PG_PORT:-55432}"

find_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if [[ -x "$dir/pg_ctl" ]]; then echo "$dir"; return 0; fi
  done
  return 1
}

ensure_installed() {
  if find_bin >/dev/null; then return 0; fi
  echo "installing Debian's postgresql for the PostgreSQL test pass" >&2
  if [[ $(id -u) -ne 0 ]]; then
    echo "PostgreSQL is missing and this user cannot apt-get install it" >&2
    exit 1
  fi
  apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

# PostgreSQL refuses to run as root: run it as the unprivileged `postgres` user when root.
as_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

start() {
  ensure_installed
  local bin; bin="$(find_bin)"
  stop >/dev/null 2>&1 || true
  rm -rf "$PGROOT"
  mkdir -p "$PGROOT"
  if [[ $(id -u) -eq 0 ]]; then chown postgres:postgres "$PGROOT"; fi
  as_owner "$bin/initdb" -D "$PGROOT/data" -U atelier --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  as_owner "$bin/pg_ctl" -D "$PGROOT/data" -l "$PGROOT/server.log" -w \
    -o "-p $PORT -k $PGROOT -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  echo "postgresql://atelier@127.0.0.1:$PORT/postgres"
}

stop() {
  local bin; bin="$(find_bin)" || return 0
  if [[ -d "$PGROOT/data" ]]; then
    as_owner "$bin/pg_ctl" -D "$PGROOT/data" -m immediate stop >/dev/null 2>&1 || true
  fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
