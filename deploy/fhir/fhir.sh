#!/usr/bin/env bash
# Local HAPI FHIR R4 JPA server (embedded H2 + Jetty) for tests.
#
#   bash deploy/fhir/fhir.sh build    # mvn package + class-data-sharing archive (first time: downloads from Maven Central)
#   bash deploy/fhir/fhir.sh start    # builds if needed, starts, waits for GET /fhir/metadata == 200
#   bash deploy/fhir/fhir.sh status   # exit 0 if running and answering, 3 otherwise
#   bash deploy/fhir/fhir.sh stop     # SIGTERM (clean shutdown), SIGKILL after a grace period
#
# Environment:
#   FHIR_PORT            HTTP port (default 18080); base URL http://127.0.0.1:$FHIR_PORT/fhir
#   FHIR_HOST            bind address (default 127.0.0.1)
#   FHIR_HEAP            max heap (default 768m)
#   FHIR_START_TIMEOUT   seconds to wait for /fhir/metadata (default 180)
#   FHIR_PERSIST=1       keep data in an H2 file under deploy/fhir/data/<port> (default: in-memory, fresh each start)
#   FHIR_JDBC_URL        explicit H2 JDBC URL (overrides FHIR_PERSIST)
#   FHIR_LOG_LEVEL       root log level (default WARN; INFO shows HAPI/Hibernate startup)
#   FHIR_JAVA_OPTS       extra JVM options
#   JAVA                 java binary (default: java on PATH; needs Java 17+)
#
# One server per port: pid file and log are deploy/fhir/run/fhir-<port>.pid and deploy/fhir/logs/fhir-<port>.log.
set -euo pipefail

DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PORT="${FHIR_PORT:-18080}"
HOST="${FHIR_HOST:-127.0.0.1}"
HEAP="${FHIR_HEAP:-768m}"
TIMEOUT="${FHIR_START_TIMEOUT:-180}"
JAVA="${JAVA:-java}"
JAR="$DIR/target/fhir-launcher.jar"
JSA="$DIR/target/fhir-launcher.jsa"
RUN_DIR="$DIR/run"
LOG_DIR="$DIR/logs"
PID_FILE="$RUN_DIR/fhir-$PORT.pid"
LOG_FILE="$LOG_DIR/fhir-$PORT.log"
BASE_URL="http://$HOST:$PORT/fhir"

# Fast start on a small box: C1 only, serial GC (HAPI start is CPU bound; tests don't need peak JIT throughput).
JVM_OPTS=(-Xmx"$HEAP" -Xss1m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError
  -Djava.awt.headless=true -Dfile.encoding=UTF-8)

log() { echo "[fhir] $*" >&2; }

http_code() { curl -s -o /dev/null -m 5 -w '%{http_code}' "$1" 2>/dev/null || true; }

running_pid() {
  [[ -f "$PID_FILE" ]] || return 1
  local pid
  pid="$(cat "$PID_FILE" 2>/dev/null || true)"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
  # guard against pid reuse: must be our launcher
  grep -q "fhir-launcher" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

needs_build() {
  [[ -f "$JAR" && -d "$DIR/target/lib" ]] || return 0
  [[ -n "$(find "$DIR/pom.xml" "$DIR/src" -newer "$JAR" -type f 2>/dev/null | head -1)" ]]
}

# Record a class-data-sharing archive of everything loaded during a start + a few requests.
# Cuts start CPU time by ~20-25%. Optional: if it fails we just start without it.
train_cds() {
  command -v curl >/dev/null || return 0
  local port log pid
  port="$(( 20000 + RANDOM % 20000 ))"
  log="$LOG_DIR/cds-training.log"
  rm -f "$JSA"
  log "recording class-data-sharing archive (one throw-away start on port $port)..."
  FHIR_PORT="$port" FHIR_HOST=127.0.0.1 FHIR_JDBC_URL="jdbc:h2:mem:cds;DB_CLOSE_DELAY=-1" \
    "$JAVA" "${JVM_OPTS[@]}" -XX:ArchiveClassesAtExit="$JSA" -Xlog:cds=off -Xlog:cds+dynamic=off \
    -jar "$JAR" >"$log" 2>&1 &
  pid=$!
  local deadline=$(( SECONDS + TIMEOUT ))
  until [[ "$(http_code "http://127.0.0.1:$port/fhir/metadata")" == 200 ]]; do
    if ! kill -0 "$pid" 2>/dev/null || (( SECONDS > deadline )); then
      log "CDS training start failed (see $log); continuing without archive"
      kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$JSA"; return 0
    fi
    sleep 0.5
  done
  # exercise the write/search paths so their classes are archived too
  curl -s -o /dev/null -X POST -H 'Content-Type: application/fhir+json' \
    -d '{"resourceType":"Organization","identifier":[{"system":"urn:x","value":"1"}],"name":"cds"}' \
    "http://127.0.0.1:$port/fhir/Organization" || true
  curl -s -o /dev/null "http://127.0.0.1:$port/fhir/Organization?identifier=urn:x|1" || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if [[ -s "$JSA" ]]; then log "CDS archive written: $JSA"; else log "no CDS archive produced; continuing without"; fi
}

do_build() {
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  # serialise concurrent builds (parallel test workers)
  exec 9>"$DIR/.build.lock"
  flock 9
  if [[ "${1:-}" != "--force" ]] && ! needs_build && [[ -f "$JSA" || -n "${FHIR_NO_CDS:-}" ]]; then
    flock -u 9; return 0
  fi
  local t0=$SECONDS
  log "building launcher with Maven (first run downloads HAPI FHIR from Maven Central)..."
  (cd "$DIR" && mvn -B -q -Dstyle.color=never -DskipTests package) || { log "maven build failed"; flock -u 9; exit 1; }
  log "maven build done in $(( SECONDS - t0 ))s"
  [[ -n "${FHIR_NO_CDS:-}" ]] || train_cds
  log "build done in $(( SECONDS - t0 ))s"
  flock -u 9
}

# Tests start servers on random ports: drop day-old logs and pid files of dead servers.
prune() {
  find "$LOG_DIR" -maxdepth 1 -name 'fhir-*.log' -mmin +1440 -delete 2>/dev/null || true
  local f p
  for f in "$RUN_DIR"/fhir-*.pid; do
    [[ -f "$f" ]] || continue
    p="$(cat "$f" 2>/dev/null || true)"
    if [[ -z "$p" ]] || ! kill -0 "$p" 2>/dev/null; then rm -f "$f"; fi
  done
}

do_start() {
  local pid
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  prune
  if pid="$(running_pid)"; then
    if [[ "$(http_code "$BASE_URL/metadata")" == 200 ]]; then
      log "already running (pid $pid) at $BASE_URL"; echo "$BASE_URL"; return 0
    fi
  fi
  if [[ "$(http_code "$BASE_URL/metadata")" != "000" ]]; then
    log "port $PORT already answers HTTP but not with our pid file; refusing to start"; exit 1
  fi
  needs_build && do_build || true
  [[ -f "$JAR" ]] || { log "launcher jar missing: run '$0 build'"; exit 1; }

  mkdir -p "$LOG_DIR" "$RUN_DIR"
  local jdbc="${FHIR_JDBC_URL:-}"
  if [[ -z "$jdbc" && "${FHIR_PERSIST:-}" == 1 ]]; then
    mkdir -p "$DIR/data/$PORT"; jdbc="jdbc:h2:file:$DIR/data/$PORT/hapi"
  fi
  local cds=()
  [[ -s "$JSA" ]] && cds=(-XX:SharedArchiveFile="$JSA" -Xlog:cds=off -Xlog:cds+dynamic=off)
  # shellcheck disable=SC2206
  local extra=(${FHIR_JAVA_OPTS:-})

  local t0=$SECONDS
  FHIR_PORT="$PORT" FHIR_HOST="$HOST" FHIR_JDBC_URL="$jdbc" \
    nohup "$JAVA" "${JVM_OPTS[@]}" "${cds[@]}" "${extra[@]}" -jar "$JAR" >"$LOG_FILE" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$PID_FILE"
  log "starting pid $pid on $BASE_URL (log: $LOG_FILE)"

  local deadline=$(( SECONDS + TIMEOUT ))
  while :; do
    if [[ "$(http_code "$BASE_URL/metadata")" == 200 ]]; then
      log "up in $(( SECONDS - t0 ))s at $BASE_URL"
      echo "$BASE_URL"; return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "server exited during start-up; last log lines:"; tail -n 60 "$LOG_FILE" >&2 || true
      rm -f "$PID_FILE"; exit 1
    fi
    if (( SECONDS > deadline )); then
      log "timed out after ${TIMEOUT}s waiting for $BASE_URL/metadata; last log lines:"
      tail -n 60 "$LOG_FILE" >&2 || true
      kill -KILL "$pid" 2>/dev/null || true; rm -f "$PID_FILE"; exit 1
    fi
    sleep 0.5
  done
}

do_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"; log "not running (port $PORT)"; return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 60); do           # 30 s grace for the shutdown hook (Jetty, Spring, H2)
    kill -0 "$pid" 2>/dev/null || { rm -f "$PID_FILE"; log "stopped (pid $pid)"; return 0; }
    sleep 0.5
  done
  log "pid $pid did not stop in 30s; killing"
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PID_FILE"
}

do_status() {
  local pid
  if pid="$(running_pid)"; then
    local code; code="$(http_code "$BASE_URL/metadata")"
    echo "running pid=$pid url=$BASE_URL metadata=$code"
    [[ "$code" == 200 ]] && return 0 || return 3
  fi
  echo "stopped (port $PORT)"; return 3
}

case "${1:-}" in
  build) shift; do_build --force ;;
  start) do_start ;;
  stop) do_stop ;;
  restart) do_stop; do_start ;;
  status) do_status ;;
  *) echo "usage: $0 build|start|stop|restart|status" >&2; exit 2 ;;
esac
