#!/usr/bin/env bash
# Starts a throw-away PostgreSQL server for the tests: a fresh cluster in a
# temp dir, listening on a free loopback port. Prints the DSN on stdout.
#   build/pg-test-server.sh start DIR   -> prints postgres://…
#   build/pg-test-server.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}; dir=${2:?data dir}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found: run build/install-deps.sh" >&2; exit 1; }

as_pg() {  # initdb and postgres refuse to run as root
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case $cmd in
start)
  mkdir -p "$dir"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
  as_pg "$bin/initdb" -D "$dir/data" -U tessera --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  for _ in $(seq 1 20); do
    port=$(( 20000 + RANDOM % 30000 ))
    if as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" start >/dev/null 2>&1; then
      as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U tessera tessera_test
      echo "postgres://tessera@127.0.0.1:$port/tessera_test?sslmode=disable"
      exit 0
    fi
  done
  cat "$dir/server.log" >&2; exit 1 ;;
stop)
  [ -d "$dir/data" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$dir" ;;
esac
