#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite and the benchmarks.
#   scripts/postgres.sh start <dir> [port] [--durable]   initdb + start in <dir>; prints the admin URL
#   scripts/postgres.sh stop <dir>           stops it (the directory can then be removed)
# Installs Debian's postgresql when missing. PostgreSQL refuses to run as root, so as root the
# cluster belongs to the `postgres` user the package creates. Test settings: fsync off, unless
# --durable (the benchmarks: commits reach the disk, as SQLite's synchronous=FULL does).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cmd=${1:?usage: postgres.sh start|stop <dir> [port]}
dir=${2:?usage: postgres.sh start|stop <dir> [port]}

case "$cmd" in
  start)
    if [ -z "$(pg_bin)" ]; then
      echo "==> installing Debian's postgresql" >&2
      as_root apt-get update -qq >&2
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
      # The package starts a cluster of its own; the tests do not need it.
      as_root pg_ctlcluster --help >/dev/null 2>&1 && as_root bash -c 'pg_lsclusters -h | while read -r v n _; do pg_ctlcluster "$v" "$n" stop || true; done' >&2 || true
    fi
    bin=$(pg_bin)
    durable=false
    if [ "${3:-}" = "--durable" ]; then durable=true; set -- "$1" "$2"; fi
    if [ "${4:-}" = "--durable" ]; then durable=true; fi
    port=${3:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
    mkdir -p "$dir"
    # The postgres user must reach the directory (mktemp makes its parent private to root).
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; chmod 700 "$dir"; chmod o+x "$(dirname "$dir")"; fi
    as_owner "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 $(if $durable; then echo ''; else echo '-c fsync=off -c synchronous_commit=off -c full_page_writes=off'; fi)" >&2
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    bin=$(pg_bin)
    [ -d "$dir/data" ] && as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >&2 || true
    ;;
  *)
    echo "usage: postgres.sh start|stop <dir> [port]" >&2
    exit 2
    ;;
esac
