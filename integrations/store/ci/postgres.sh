#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the bankkit-store tests, on 127.0.0.1 and a free port.
#
#   eval "$(bash integrations/store/ci/postgres.sh start)"   # exports BANKKIT_TEST_POSTGRES_URL
#   bash integrations/store/ci/postgres.sh stop "$BANKKIT_TEST_POSTGRES_DIR"
#
# Uses Debian's server binaries (/usr/lib/postgresql/<version>/bin). As root, the cluster
# runs as the `postgres` user (initdb refuses root); otherwise as the calling user. Durability
# is switched off: the cluster lives for one test run.
set -euo pipefail

bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  [ -n "$dir" ] || { echo "no PostgreSQL server under /usr/lib/postgresql" >&2; exit 1; }
  printf '%s' "$dir"
}

as_owner=()
[ "$(id -u)" -ne 0 ] || as_owner=(runuser -u postgres --)

case "${1:-}" in
  start)
    bin="$(bindir)"
    dir="$(mktemp -d "${TMPDIR:-/tmp}/bankkit-pg.XXXXXX")"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    port=""
    for candidate in $(seq 54320 54420); do
      if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port="$candidate"; break; fi
    done
    [ -n "$port" ] || { echo "no free port in 54320-54420" >&2; exit 1; }
    password="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    ${as_owner[@]+"${as_owner[@]}"} "$bin/initdb" -D "$dir/data" -U postgres -E UTF8 \
      --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    ${as_owner[@]+"${as_owner[@]}"} "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    ${as_owner[@]+"${as_owner[@]}"} "$bin/psql" -h "$dir" -p "$port" -U postgres -d postgres -qAt \
      -v ON_ERROR_STOP=1 -c "CREATE ROLE bankkit LOGIN PASSWORD '$password'" \
      -c "CREATE DATABASE bankkit OWNER bankkit" >/dev/null
    echo "export BANKKIT_TEST_POSTGRES_URL='postgres://bankkit:$password@127.0.0.1:$port/bankkit'"
    echo "export BANKKIT_TEST_POSTGRES_DIR='$dir'"
    ;;
  stop)
    dir="${2:?the directory printed by start}"
    ${as_owner[@]+"${as_owner[@]}"} "$(bindir)/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start | stop DIR" >&2
    exit 2
    ;;
esac
