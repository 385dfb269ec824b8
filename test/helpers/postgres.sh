#!/usr/bin/env bash
# Start a throwaway PostgreSQL for the :db step tests and print its URL on stdout.
#
#   export BREYTA_TEST_PG_URL="$(test/helpers/postgres.sh)"     # start; URL on stdout
#   test/helpers/postgres.sh stop [DIR]                          # stop (default: the last one started)
#
# Installs Debian's postgresql when no server binaries are present (needs root + network),
# initdb's a cluster under /tmp, listens on 127.0.0.1 only, on a free port, with a random
# password (scram-sha-256), and creates database breyta_test. Root cannot run postgres, so as
# root the server runs as the `postgres` user. Everything else goes to stderr. max_connections is
# 300: team-mode tests run several daemons, each with a pool per worker thread.
set -euo pipefail

LAST=/tmp/breyta-pg.last

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -z "$d" ] || [ ! -x "$d/postgres" ]; then
    echo "postgres.sh: installing Debian's postgresql" >&2
    if [ "$(id -u)" != 0 ]; then echo "postgres.sh: not root; cannot apt-get install postgresql" >&2; exit 1; fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    d=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  fi
  echo "$d"
}

if [ "${1:-}" = stop ]; then
  dir=${2:-$(cat "$LAST" 2>/dev/null || true)}
  [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "postgres.sh: nothing to stop" >&2; exit 0; }
  as_pg "$(pg_bin)/pg_ctl" -D "$dir/data" -m fast -w stop >&2 || true
  rm -rf "$dir"
  [ "$(cat "$LAST" 2>/dev/null)" = "$dir" ] && rm -f "$LAST"
  exit 0
fi

BIN=$(pg_bin)
dir=$(mktemp -d /tmp/breyta-pg.XXXXXX)
chmod 755 "$dir"
password=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
printf '%s\n' "$password" > "$dir/pwfile"
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$dir"; fi

# A free port: bind 0 and release it (a tiny race, fine for a CI helper).
port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})")

as_pg "$BIN/initdb" -D "$dir/data" -U postgres --auth=scram-sha-256 --pwfile="$dir/pwfile" --no-sync -E UTF8 --locale=C >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_pg "$BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
  -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c full_page_writes=off -c max_connections=300" start >&2 \
  || { cat "$dir/server.log" >&2; exit 1; }
PGPASSWORD=$password "$BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres breyta_test >&2
echo "$dir" > "$LAST"
echo "postgres.sh: PostgreSQL $("$BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (dir $dir; stop with: $0 stop $dir)" >&2
echo "postgresql://postgres:$password@127.0.0.1:$port/breyta_test"
