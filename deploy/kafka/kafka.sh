#!/usr/bin/env bash
# Single-node Apache Kafka 3.9 (KRaft, combined broker+controller) for tests
# and local runs. No Docker needed: Java 17 + the jars fetched by fetch.sh.
#
#   deploy/kafka/kafka.sh start|stop|status|logs
#
# Environment:
#   KAFKA_PORT             client (PLAINTEXT) port                 [19092]
#   KAFKA_CONTROLLER_PORT  KRaft controller port                    [19093]
#   KAFKA_DATA_DIR         broker data dir; if unset a fresh temporary dir
#                          is created under $TMPDIR (or /tmp) and removed
#                          again by `stop`. If set, it is kept (and reused:
#                          an already formatted dir is not reformatted).
#   KAFKA_RUN_DIR          where pid/state files live  [deploy/kafka/data/run]
#   KAFKA_HEAP_OPTS        JVM heap                   [-Xms1g -Xmx1g]
#   KAFKA_JVM_OPTS         extra broker JVM flags
#                          [-XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:G1HeapRegionSize=8m]
#   KAFKA_EXTRA_PROPS      extra server.properties lines (they override the ones above)
#   KAFKA_START_TIMEOUT    seconds to wait for readiness                [60]
#   KAFKA_READY_CHECK      admin (default): port open + a real metadata/
#                          ApiVersions round-trip via a Kafka CLI JVM (~1.5 s);
#                          log: port open + "Kafka Server started" in the log
#                          (for callers that do their own client-side check,
#                          e.g. test/support/kafka-broker.ts with kafkajs).
#   KAFKA_OWNER_PID        optional: stop the broker automatically when this
#                          process exits (used by the jest global setup so a
#                          crashed test run does not leak a broker).
#   JAVA_HOME              optional, otherwise `java` from PATH.
#
# An authenticated, encrypted listener beside the plaintext one (docs/operations.md,
# "Kafka security"); the plaintext port stays for the broker's own traffic and readiness:
#   KAFKA_SASL_SSL_PORT    SASL_SSL client port; unset = no such listener
#   KAFKA_SASL_USERS       SCRAM users created when the storage is formatted,
#                          "name:password,name:password" (SCRAM-SHA-256 and -512)
#   KAFKA_SSL_KEYSTORE     the broker's PKCS12 keystore (its key and certificate chain)
#   KAFKA_SSL_KEYSTORE_PASSWORD  its password (also the key's)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB_DIR="$HERE/lib"
KAFKA_PORT="${KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-19093}"
KAFKA_RUN_DIR="${KAFKA_RUN_DIR:-$HERE/data/run}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms1g -Xmx1g}"
# 8 MB regions: G1 treats an allocation of half a region or more as "humongous" and starts a
# concurrent mark cycle for it. With the 1 MB regions of a small heap, every produce request of
# ~1 MB did so: 356 mark cycles while the hub drained 1 M messages, 2.4x the broker's CPU
# (docs/operations.md, "The broker").
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:G1HeapRegionSize=8m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-60}"
KAFKA_SASL_SSL_PORT="${KAFKA_SASL_SSL_PORT:-}"
KAFKA_READY_CHECK="${KAFKA_READY_CHECK:-admin}"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

# One state file per client port so several brokers (parallel test runs) can coexist.
PID_FILE="$KAFKA_RUN_DIR/kafka-$KAFKA_PORT.pid"
STATE_FILE="$KAFKA_RUN_DIR/kafka-$KAFKA_PORT.state"

log() { echo "kafka.sh: $*" >&2; }
die() { log "$*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }

read_pid() { [[ -f "$PID_FILE" ]] && cat "$PID_FILE" || true; }

# State file holds: HOME_DIR (config+logs), DATA_DIR, TEMP (1 = remove on stop)
load_state() {
  HOME_DIR=""; DATA_DIR=""; TEMP=0
  [[ -f "$STATE_FILE" ]] || return 0
  # shellcheck disable=SC1090
  source "$STATE_FILE"
}

java_cmd() {
  # Short-lived CLI tools (StorageTool, readiness probe): C1 only + serial GC
  # start noticeably faster on a small box. They log to logs/tools.log.
  "$JAVA" -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HOME_DIR/log4j.properties" \
    -Dkafka.logs.dir="$HOME_DIR/logs" -Dkafka.log.name=tools -cp "$LIB_DIR/*" "$@"
}

# The SASL_SSL listener's lines of server.properties, when one is asked for.
sasl_ssl_props() {
  [[ -n "$KAFKA_SASL_SSL_PORT" ]] || return 0
  cat <<PROPS
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
ssl.keystore.type=PKCS12
ssl.keystore.location=$KAFKA_SSL_KEYSTORE
ssl.keystore.password=$KAFKA_SSL_KEYSTORE_PASSWORD
ssl.key.password=$KAFKA_SSL_KEYSTORE_PASSWORD
PROPS
}

# --add-scram arguments for the storage format: SCRAM credentials live in the cluster metadata.
scram_args() {
  local user name password
  IFS=',' read -ra users <<<"${KAFKA_SASL_USERS:-}"
  for user in "${users[@]}"; do
    [[ -n "$user" ]] || continue
    name="${user%%:*}"; password="${user#*:}"
    echo "--add-scram"; echo "SCRAM-SHA-256=[name=$name,password=$password]"
    echo "--add-scram"; echo "SCRAM-SHA-512=[name=$name,password=$password]"
  done
}

write_configs() {
  mkdir -p "$HOME_DIR/logs" "$DATA_DIR"
  local listeners="PLAINTEXT://127.0.0.1:$KAFKA_PORT" protocols="CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT"
  if [[ -n "$KAFKA_SASL_SSL_PORT" ]]; then
    listeners="$listeners,SASL_SSL://127.0.0.1:$KAFKA_SASL_SSL_PORT"
    protocols="$protocols,SASL_SSL:SASL_SSL"
  fi
  cat >"$HOME_DIR/server.properties" <<PROPS
# Generated by deploy/kafka/kafka.sh - single node, KRaft combined mode.
process.roles=broker,controller
node.id=1
# Kafka 3.9 dynamic quorum (KIP-853): formatted with --standalone.
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=$listeners,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=$protocols
$(sasl_ssl_props)

log.dirs=$DATA_DIR/kraft-combined-logs
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=false
delete.topic.enable=true

offsets.topic.replication.factor=1
# 50 partitions by default; a handful is plenty for tests and makes the first
# consumer-group join much faster.
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=3
group.initial.rebalance.delay.ms=0

# Small box friendly.
num.network.threads=2
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=67108864
# Offset and time indexes are preallocated as sparse files of this size and memory-mapped. A
# fault in one maps a read-ahead window of it, and the holes in that window are zero-filled:
# with the default 10 MB and an 8 MB read-ahead (read_ahead_kb 8192 on these VMs), zeroing
# under those faults took 15 % of the machine's CPU while the hub delivered to ~380 one-partition
# inbox topics, and the broker's CPU halved with 1 MB (docs/operations.md, "The broker"). A 64 MB
# segment with an index entry per 4 KB needs 128 KB of offset index and 192 KB of time index.
log.index.size.max.bytes=1048576
${KAFKA_EXTRA_PROPS:-}
PROPS

  cat >"$HOME_DIR/log4j.properties" <<'PROPS'
# Everything goes to files under ${kafka.logs.dir}; nothing on stdout.
log4j.rootLogger=INFO, server
log4j.appender.server=org.apache.log4j.RollingFileAppender
log4j.appender.server.File=${kafka.logs.dir}/${kafka.log.name}.log
log4j.appender.server.MaxFileSize=20MB
log4j.appender.server.MaxBackupIndex=2
log4j.appender.server.layout=org.apache.log4j.PatternLayout
log4j.appender.server.layout.ConversionPattern=[%d] %p %m (%c)%n

log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.kafka.network.RequestChannel$=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
PROPS
}

tail_log() {
  local f="$HOME_DIR/logs/server.log"
  log "---- last lines of $f ----"
  [[ -f "$f" ]] && tail -n "${1:-40}" "$f" >&2 || true
  [[ -s "$HOME_DIR/logs/kafka.out" ]] && { log "---- $HOME_DIR/logs/kafka.out ----"; tail -n 20 "$HOME_DIR/logs/kafka.out" >&2; } || true
}

# Real readiness check: BrokerApiVersionsCommand bootstraps an admin client,
# fetches cluster metadata (MetadataRequest) and then queries ApiVersions on
# every broker it lists, so it only succeeds once the broker serves metadata.
broker_ready() {
  local out
  out="$(java_cmd kafka.admin.BrokerApiVersionsCommand \
          --bootstrap-server "127.0.0.1:$KAFKA_PORT" 2>/dev/null)" || return 1
  [[ "$out" == *"127.0.0.1:$KAFKA_PORT (id: 1"* ]]
}

cleanup_files() {
  if [[ "${TEMP:-0}" == "1" && -n "${HOME_DIR:-}" && -d "$HOME_DIR" ]]; then
    rm -rf "$HOME_DIR"
  fi
  rm -f "$PID_FILE" "$STATE_FILE"
}

do_stop() {
  load_state
  local pid; pid="$(read_pid)"
  if pid_alive "$pid"; then
    local t0=$SECONDS
    kill -TERM "$pid" 2>/dev/null || true
    # Controlled shutdown of a single node normally takes 1-5 s.
    for _ in $(seq 1 "${KAFKA_STOP_TIMEOUT:-30}"0); do
      pid_alive "$pid" || break
      sleep 0.1
    done
    if pid_alive "$pid"; then
      log "broker (pid $pid) still alive after SIGTERM, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
    log "stopped broker on 127.0.0.1:$KAFKA_PORT (pid $pid, $((SECONDS - t0))s)"
  else
    [[ -n "$pid" ]] && log "broker on port $KAFKA_PORT not running (stale pid $pid)" || log "broker on port $KAFKA_PORT not running"
  fi
  cleanup_files
}

do_status() {
  local pid; pid="$(read_pid)"
  load_state
  if pid_alive "$pid"; then
    if broker_ready; then
      echo "running pid=$pid brokers=127.0.0.1:$KAFKA_PORT data=$DATA_DIR"
      return 0
    fi
    echo "starting-or-unhealthy pid=$pid brokers=127.0.0.1:$KAFKA_PORT data=$DATA_DIR"
    return 1
  fi
  echo "stopped (port $KAFKA_PORT)"
  return 3
}

do_start() {
  [[ -f "$LIB_DIR/kafka_2.13-3.9.2.jar" ]] || die "Kafka jars missing: run deploy/kafka/fetch.sh first"
  command -v "$JAVA" >/dev/null 2>&1 || die "java not found (set JAVA_HOME or PATH)"
  mkdir -p "$KAFKA_RUN_DIR"

  local pid; pid="$(read_pid)"
  if pid_alive "$pid"; then
    log "already running on 127.0.0.1:$KAFKA_PORT (pid $pid)"
    echo "127.0.0.1:$KAFKA_PORT"
    return 0
  fi
  [[ -n "$pid" ]] && { load_state; cleanup_files; }   # stale state from a crashed run

  port_open "$KAFKA_PORT" && die "port $KAFKA_PORT is already in use"
  port_open "$KAFKA_CONTROLLER_PORT" && die "controller port $KAFKA_CONTROLLER_PORT is already in use"
  if [[ -n "$KAFKA_SASL_SSL_PORT" ]]; then
    [[ -n "${KAFKA_SSL_KEYSTORE:-}" && -n "${KAFKA_SSL_KEYSTORE_PASSWORD:-}" ]] \
      || die "KAFKA_SASL_SSL_PORT needs KAFKA_SSL_KEYSTORE and KAFKA_SSL_KEYSTORE_PASSWORD"
    port_open "$KAFKA_SASL_SSL_PORT" && die "port $KAFKA_SASL_SSL_PORT is already in use"
  fi

  local t0; t0=$(date +%s.%N)
  if [[ -n "${KAFKA_DATA_DIR:-}" ]]; then
    DATA_DIR="$KAFKA_DATA_DIR"; TEMP=0
    mkdir -p "$DATA_DIR"
    DATA_DIR="$(cd "$DATA_DIR" && pwd)"
    HOME_DIR="$DATA_DIR"
  else
    HOME_DIR="$(mktemp -d "${TMPDIR:-/tmp}/pdp-hub-kafka-$KAFKA_PORT.XXXXXX")"
    DATA_DIR="$HOME_DIR"; TEMP=1
  fi
  printf 'HOME_DIR=%q\nDATA_DIR=%q\nTEMP=%q\n' "$HOME_DIR" "$DATA_DIR" "$TEMP" >"$STATE_FILE"
  write_configs

  if [[ ! -f "$DATA_DIR/kraft-combined-logs/meta.properties" ]]; then
    local cluster_id
    cluster_id="${KAFKA_CLUSTER_ID:-$(java_cmd kafka.tools.StorageTool random-uuid)}"
    local scram=(); mapfile -t scram < <(scram_args)
    java_cmd kafka.tools.StorageTool format --standalone -t "$cluster_id" \
      -c "$HOME_DIR/server.properties" "${scram[@]}" >"$HOME_DIR/logs/format.out" 2>&1 \
      || { cat "$HOME_DIR/logs/format.out" >&2; cleanup_files; die "storage format failed"; }
  fi

  # Detached from our stdio (so callers capturing our output do not hang),
  # in its own session so a terminal ^C on the caller does not half-kill it.
  # shellcheck disable=SC2086
  setsid "$JAVA" -server $KAFKA_HEAP_OPTS $KAFKA_JVM_OPTS -XX:+ExitOnOutOfMemoryError \
    -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$HOME_DIR/log4j.properties" \
    -Dkafka.logs.dir="$HOME_DIR/logs" -Dkafka.log.name=server \
    -cp "$LIB_DIR/*" kafka.Kafka "$HOME_DIR/server.properties" \
    </dev/null >"$HOME_DIR/logs/kafka.out" 2>&1 &
  pid=$!
  echo "$pid" >"$PID_FILE"

  local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) ready=0
  # 1) wait for the listener, 2) wait for a real admin round-trip.
  while (( SECONDS < deadline )); do
    pid_alive "$pid" || break
    if port_open "$KAFKA_PORT"; then
      if [[ "$KAFKA_READY_CHECK" == "log" ]]; then
        grep -q 'Kafka Server started' "$HOME_DIR/logs/server.log" 2>/dev/null && { ready=1; break; }
      elif broker_ready; then
        ready=1; break
      fi
    fi
    sleep 0.3
  done

  if (( ready == 0 )); then
    if pid_alive "$pid"; then log "broker did not become ready within ${KAFKA_START_TIMEOUT}s"; else log "broker process exited during startup"; fi
    tail_log 60
    do_stop >/dev/null 2>&1 || true
    exit 1
  fi

  if [[ -n "${KAFKA_OWNER_PID:-}" ]]; then
    # Watchdog: stop this broker when the owning process goes away.
    KAFKA_PORT="$KAFKA_PORT" KAFKA_RUN_DIR="$KAFKA_RUN_DIR" setsid bash -c '
      owner=$1; broker=$2; script=$3
      while kill -0 "$owner" 2>/dev/null && kill -0 "$broker" 2>/dev/null; do sleep 2; done
      kill -0 "$broker" 2>/dev/null && exec bash "$script" stop
    ' _ "$KAFKA_OWNER_PID" "$pid" "$HERE/kafka.sh" </dev/null >/dev/null 2>&1 &
  fi

  local t1; t1=$(date +%s.%N)
  log "broker ready on 127.0.0.1:$KAFKA_PORT (pid $pid, data $DATA_DIR, $(awk "BEGIN{printf \"%.1f\", $t1-$t0}")s)"
  echo "127.0.0.1:$KAFKA_PORT"
}

case "${1:-}" in
  start)  do_start ;;
  stop)   do_stop ;;
  status) do_status ;;
  logs)   load_state; tail_log "${2:-100}" ;;
  *) echo "usage: $0 start|stop|status|logs [n]" >&2; exit 2 ;;
esac
