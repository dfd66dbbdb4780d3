#!/usr/bin/env bash
# A dedicated local PostgreSQL cluster configured with deploy/postgres/hub.conf, for the
# benchmark (and for anyone who wants the production settings locally). Tests use the
# machine's server (ensure.sh); the bench uses this one so its figures do not depend on the
# machine's defaults.
#
#   deploy/postgres/cluster.sh start|stop|status|url
#
# Environment:
#   PDP_PG_PORT  port on 127.0.0.1                        [5433]
#   PDP_PG_DIR   cluster directory (created on first start) [/tmp/pdp-hub-pg-$PDP_PG_PORT]
#   PDP_PG_BINDIR  another PostgreSQL build's bin directory (initdb, pg_ctl, postgres), to
#                compare versions on the same settings      [the machine's newest]
#   PDP_PG_CONF  the settings file                            [deploy/postgres/hub.conf]
#                (a build without lz4 needs a copy with another wal_compression)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${PDP_PG_PORT:-5433}"
DIR="${PDP_PG_DIR:-/tmp/pdp-hub-pg-$PORT}"
DATA="$DIR/data"

log() { echo "cluster.sh: $*" >&2; }

bindir() {
  if [[ -n "${PDP_PG_BINDIR:-}" ]]; then echo "$PDP_PG_BINDIR"; return; fi
  if command -v pg_config >/dev/null && [[ -x "$(pg_config --bindir)/initdb" ]]; then pg_config --bindir; return; fi
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
  [[ -n "$d" && -x "$d/initdb" ]] || { log "no initdb found (run deploy/postgres/ensure.sh first)"; exit 1; }
  echo "$d"
}

# PostgreSQL refuses to run as root: run its tools as the postgres user then.
as_owner() {
  if [[ "$(id -u)" == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

PG_MALLOC_TUNABLES="glibc.malloc.trim_threshold=268435456:glibc.malloc.mmap_threshold=33554432:glibc.malloc.top_pad=67108864"

ready() { pg_isready -q -h 127.0.0.1 -p "$PORT" 2>/dev/null; }

start() {
  if ready; then return 0; fi
  local bin; bin="$(bindir)"
  mkdir -p "$DIR"
  [[ "$(id -u)" == 0 ]] && chown postgres "$DIR"
  if [[ ! -f "$DATA/PG_VERSION" ]]; then
    log "initdb $DATA"
    as_owner "$bin/initdb" -D "$DATA" -A trust -U postgres >/dev/null
    {
      echo "port = $PORT"
      echo "listen_addresses = '127.0.0.1'"
      echo "unix_socket_directories = '$DIR'"
      echo "include '$DIR/hub.conf'"
    } >> "$DATA/postgresql.conf"
  fi
  # The settings are re-read at every start, so a changed hub.conf takes effect.
  cp "${PDP_PG_CONF:-$HERE/hub.conf}" "$DIR/hub.conf"
  [[ "$(id -u)" == 0 ]] && chown postgres "$DIR/hub.conf"
  # glibc's malloc keeps what a backend frees: the hub's batch statements receive and parse
  # multi-MB parameters, and glibc returned those buffers to the kernel after each statement, so
  # the next one page-faulted them back in; on a VM where a fault costs ~20 µs that tripled the
  # cost of receiving a 2 MB batch (10 vs 30 ms). Production: the same variable in the unit file.
  export GLIBC_TUNABLES="${GLIBC_TUNABLES:-$PG_MALLOC_TUNABLES}"
  as_owner "$bin/pg_ctl" -D "$DATA" -l "$DIR/server.log" -w -t 60 start >/dev/null
  for _ in $(seq 1 30); do ready && return 0; sleep 1; done
  log "the cluster did not answer on 127.0.0.1:$PORT (see $DIR/server.log)"
  exit 1
}

stop() {
  [[ -f "$DATA/postmaster.pid" ]] || return 0
  as_owner "$(bindir)/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null
}

case "${1:-}" in
  start) start; echo "postgres://postgres@127.0.0.1:$PORT/postgres" ;;
  stop) stop ;;
  status) ready && echo "running on 127.0.0.1:$PORT" || { echo "not running"; exit 1; } ;;
  url) echo "postgres://postgres@127.0.0.1:$PORT/postgres" ;;
  *) echo "usage: $0 start|stop|status|url" >&2; exit 2 ;;
esac
