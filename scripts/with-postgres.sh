#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server, stopped and removed whatever happens.
# Usage: scripts/with-postgres.sh COMMAND [ARGS...]   (the command sees DATABASE_URL)
set -euo pipefail

for tool in initdb pg_ctl; do
  command -v "$tool" >/dev/null || { echo "with-postgres: $tool not found (install PostgreSQL 15)" >&2; exit 2; }
done

workdir=$(mktemp -d /tmp/pg-test.XXXXXX)
datadir="$workdir/data"
sockdir="$workdir/sock"
mkdir -p "$sockdir"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')

# initdb refuses to run as root: run the server as the postgres user then.
as_pg=()
if [ "$(id -u)" = "0" ]; then
  chown -R postgres "$workdir"
  as_pg=(runuser -u postgres --)
fi

stop() {
  "${as_pg[@]}" pg_ctl -D "$datadir" -m immediate -w stop >/dev/null 2>&1 || true
  rm -rf "$workdir"
}
trap stop EXIT INT TERM

"${as_pg[@]}" initdb -D "$datadir" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
  || { cat "$workdir/initdb.log" >&2; exit 2; }
pg_options="-c listen_addresses=127.0.0.1 -p $port -k $sockdir -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
"${as_pg[@]}" pg_ctl -D "$datadir" -w -l "$workdir/server.log" -o "$pg_options" \
  start >/dev/null || { cat "$workdir/server.log" >&2; exit 2; }

echo "with-postgres: PostgreSQL on 127.0.0.1:$port (throwaway)"
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"
# For a bench that stops and starts the server (bench/faults.py):
#   $PG_AS_USER pg_ctl -D "$PGDATA_DIR" -m fast -w stop
#   $PG_AS_USER pg_ctl -D "$PGDATA_DIR" -w -l "$PG_LOG" -o "$PG_OPTIONS" start
export PGDATA_DIR="$datadir" PG_LOG="$workdir/server.log" PG_OPTIONS="$pg_options" PG_AS_USER="${as_pg[*]}"
"$@"
