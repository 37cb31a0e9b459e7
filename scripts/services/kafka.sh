#!/usr/bin/env bash
# A real Apache Kafka 4.x broker (KRaft: broker and controller in one process) on loopback for OFS's tests
# and CI (contract: scripts/services/README.md).
#
#   kafka.sh start    install once (Maven), format the storage once, start the broker, wait until it answers
#                     a client (metadata + ApiVersions); the last line is the bootstrap address 127.0.0.1:PORT
#   kafka.sh stop     SIGTERM, then SIGKILL after OFS_KAFKA_STOP_TIMEOUT s; data stays; exit 0 if stopped
#   kafka.sh status   "running 127.0.0.1:PORT (pid N)", exit 0 | "stopped", exit 3
#   kafka.sh wipe     stop, then delete the instance's directory (data, logs, config)
#   kafka.sh topics ARGS...       Kafka's TopicCommand against the broker (--bootstrap-server is added)
#   kafka.sh tool CLASS ARGS...   any class of the install (e.g. org.apache.kafka.tools.ConsoleProducer)
#
# Environment: OFS_SERVICES_DIR (default <repo>/build/services), OFS_KAFKA_PORT (9092: the PLAINTEXT
# listener on 127.0.0.1; also names the instance's directory kafka-PORT/), OFS_KAFKA_CONTROLLER_PORT
# (PORT+1: the KRaft controller listener), OFS_KAFKA_AUTO_CREATE (false: auto.create.topics.enable; tests
# and OFS create their topics), OFS_KAFKA_PARTITIONS (4: num.partitions, for topics created without a
# count), OFS_KAFKA_HEAP (the heap's maximum, 512m), OFS_KAFKA_LOG_LEVEL (WARN: the broker log's level;
# start-up and shutdown are always at INFO), OFS_KAFKA_JVM_OPTS (more JVM options, split on spaces, last),
# OFS_KAFKA_START_TIMEOUT (90 s, the first install not included), OFS_KAFKA_STOP_TIMEOUT (30 s),
# JAVA_HOME (a JDK 17 or newer).
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SELF_DIR/../.." && pwd)"
readonly SELF_DIR REPO_DIR
readonly ASSETS_DIR="$SELF_DIR/kafka"
SERVICES_DIR="${OFS_SERVICES_DIR:-$REPO_DIR/build/services}"
[[ "$SERVICES_DIR" == /* ]] || SERVICES_DIR="$PWD/$SERVICES_DIR" # server.properties needs absolute paths
readonly SERVICES_DIR
readonly INSTALL_DIR="$SERVICES_DIR/kafka"
readonly LIB_DIR="$INSTALL_DIR/lib"
readonly HOST="127.0.0.1"
readonly PORT="${OFS_KAFKA_PORT:-9092}"
readonly INSTANCE_DIR="$SERVICES_DIR/kafka-$PORT"
readonly CONF_DIR="$INSTANCE_DIR/conf"
readonly DATA_DIR="$INSTANCE_DIR/data"
readonly LOG_DIR="$INSTANCE_DIR/logs"
readonly SERVER_LOG="$LOG_DIR/server.log"
readonly CONSOLE_LOG="$LOG_DIR/console.log"
readonly PID_FILE="$INSTANCE_DIR/kafka.pid"
readonly AUTO_CREATE="${OFS_KAFKA_AUTO_CREATE:-false}"
readonly PARTITIONS="${OFS_KAFKA_PARTITIONS:-4}"
readonly HEAP="${OFS_KAFKA_HEAP:-512m}"
readonly LOG_LEVEL="${OFS_KAFKA_LOG_LEVEL:-WARN}"
readonly START_TIMEOUT="${OFS_KAFKA_START_TIMEOUT:-90}"
readonly STOP_TIMEOUT="${OFS_KAFKA_STOP_TIMEOUT:-30}"
readonly MAIN_CLASS="kafka.Kafka"
# What the broker logs once it is registered, unfenced and its listeners accept (kafka.server.Server's
# STARTED_MESSAGE, logged by KafkaRaftServer).
readonly STARTED_MESSAGE="Kafka Server started"

die() {
  echo "kafka.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# The controller port defaults to PORT+1 (9093 beside 9092, Kafka's own convention).
controller_port() {
  echo "${OFS_KAFKA_CONTROLLER_PORT:-$((PORT + 1))}"
}

check_settings() {
  local p
  for p in "$PORT" "${OFS_KAFKA_CONTROLLER_PORT:-0}" "$PARTITIONS" "$START_TIMEOUT" "$STOP_TIMEOUT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (ports, partitions and timeouts are integers)"
  done
  ((PORT >= 1 && PORT <= 65534)) || die "OFS_KAFKA_PORT must be 1..65534, not $PORT"
  [ "$(controller_port)" != "$PORT" ] || die "OFS_KAFKA_CONTROLLER_PORT must differ from OFS_KAFKA_PORT"
  [[ "$AUTO_CREATE" =~ ^(true|false)$ ]] || die "OFS_KAFKA_AUTO_CREATE must be true or false, not '$AUTO_CREATE'"
  ((PARTITIONS >= 1)) || die "OFS_KAFKA_PARTITIONS must be at least 1"
  [[ "$LOG_LEVEL" =~ ^(TRACE|DEBUG|INFO|WARN|ERROR)$ ]] ||
    die "OFS_KAFKA_LOG_LEVEL must be TRACE, DEBUG, INFO, WARN or ERROR, not '$LOG_LEVEL'"
}

# Takes an exclusive lock named NAME (under the install directory) for the rest of this script; its
# descriptor (9) is closed for the broker, so that a running broker holds no lock.
take_lock() {
  mkdir -p "$INSTALL_DIR"
  exec 9>"$INSTALL_DIR/$1.lock"
  flock 9
}

# Sets JAVA to the java to use (once): $JAVA_HOME/bin/java, else java on PATH; Kafka 4's broker needs
# Java 17 or newer.
JAVA=""
resolve_java() {
  [ -n "$JAVA" ] && return 0
  local java="java"
  [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null || die "no java (install a JDK 17 or set JAVA_HOME)"
  local version
  version="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  if ! [[ "$version" =~ ^[0-9]+$ ]] || ((version < 17)); then
    die "Kafka 4's broker needs Java 17 or newer; $java is Java '$version' (set JAVA_HOME)"
  fi
  JAVA="$java"
}

# Copies Kafka's jars and their runtime dependencies into LIB_DIR unless the copy made from the current
# pom.xml is there. Maven's local repository (~/.m2, or -Dmaven.repo.local in MAVEN_OPTS) is the cache.
install_jars() {
  local stamp
  stamp="$(sha256sum "$ASSETS_DIR/pom.xml" | cut -d' ' -f1)"
  [ "$(cat "$LIB_DIR/.installed" 2>/dev/null)" = "$stamp" ] && return 0
  command -v mvn >/dev/null || die "no mvn (Maven installs Kafka's jars)"
  echo "kafka.sh: installing Kafka into $LIB_DIR" >&2
  local tmp="$INSTALL_DIR/lib.tmp"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$ASSETS_DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$INSTALL_DIR/install.log" 2>&1; then
    tail -n 30 "$INSTALL_DIR/install.log" >&2
    die "mvn could not fetch Kafka's jars (log: $INSTALL_DIR/install.log)"
  fi
  echo "$stamp" >"$tmp/.installed"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
}

# Prints the broker's PID if this instance runs; removes a stale PID file (a dead process, or a recycled
# PID that is no longer this instance's kafka.Kafka). Returns 1 when it is not running.
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
    grep -qF -- "$MAIN_CLASS $CONF_DIR/server.properties"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

address() { echo "$HOST:$PORT"; }

# True when something accepts TCP connections on HOST PORT.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

# A cluster ID as Kafka's Uuid.randomUuid() makes them (what `StorageTool random-uuid` prints, without a
# JVM's start): 16 random bytes in URL-safe base64 without padding, never starting with '-'.
random_cluster_id() {
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" == -* ]] || break
  done
  echo "$id"
}

write_server_properties() {
  local cport
  cport="$(controller_port)"
  cat >"$CONF_DIR/server.properties" <<EOF
# Written by scripts/services/kafka.sh at every start: edits here are lost.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$cport
listeners=PLAINTEXT://$HOST:$PORT,CONTROLLER://$HOST:$cport
advertised.listeners=PLAINTEXT://$HOST:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
log.dirs=$DATA_DIR

# One broker: every internal topic has one replica.
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# Fewer partitions of the internal topics than the 50 of a production cluster: the first consumer group
# or transaction creates them, and a test waits for that.
offsets.topic.num.partitions=4
transaction.state.log.num.partitions=4
share.coordinator.state.topic.num.partitions=4

num.partitions=$PARTITIONS
auto.create.topics.enable=$AUTO_CREATE
delete.topic.enable=true
# A consumer group's first member is assigned at once, not after 3 s.
group.initial.rebalance.delay.ms=0

# Small: a test broker holds little and shares the machine.
num.network.threads=2
num.io.threads=4
background.threads=4
num.recovery.threads.per.data.dir=1
log.cleaner.threads=1
log.cleaner.dedupe.buffer.size=8388608
EOF
}

# log4j2.xml for the broker: LOG_LEVEL (default WARN) into logs/server.log, start-up and shutdown at INFO.
# tools-log4j2.xml for the tools that this script runs: WARN to standard error.
write_log4j2_xml() {
  cat >"$CONF_DIR/log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/services/kafka.sh at every start: edits here are lost. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <File name="FILE" fileName="$SERVER_LOG">
      <PatternLayout pattern="[%d{ISO8601}] %-5p %m (%c)%n"/>
    </File>
  </Appenders>
  <Loggers>
    <Root level="$LOG_LEVEL"><AppenderRef ref="FILE"/></Root>
    <Logger name="kafka.server.KafkaRaftServer" level="INFO"/>
    <Logger name="kafka.server.BrokerServer" level="INFO"/>
    <Logger name="kafka.server.ControllerServer" level="INFO"/>
    <Logger name="kafka.server.SharedServer" level="INFO"/>
    <Logger name="kafka.Kafka\$" level="INFO"/>
  </Loggers>
</Configuration>
EOF
  cat >"$CONF_DIR/tools-log4j2.xml" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by scripts/services/kafka.sh at every start: edits here are lost. -->
<Configuration status="WARN" shutdownHook="disable">
  <Appenders>
    <Console name="STDERR" target="SYSTEM_ERR"><PatternLayout pattern="[%d{ISO8601}] %-5p %m (%c)%n"/></Console>
  </Appenders>
  <Loggers>
    <Root level="WARN"><AppenderRef ref="STDERR"/></Root>
  </Loggers>
</Configuration>
EOF
}

# The broker's JVM: Kafka's own launcher (kafka-run-class.sh) less what costs memory or CPU on a shared
# test machine, as for Cassandra (scripts/services/README.md): the heap starts at 64 MiB and grows to HEAP
# (Kafka's launcher: -Xms1G -Xmx1G with G1), the serial collector, C1 only.
jvm_options() {
  printf '%s\n' \
    -Xms64m "-Xmx$HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+PerfDisableSharedMem \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    "-Dkafka.logs.dir=$LOG_DIR" "-Dlog4j2.configurationFile=$CONF_DIR/log4j2.xml"
  local extra
  read -r -a extra <<<"${OFS_KAFKA_JVM_OPTS:-}"
  ((${#extra[@]} == 0)) || printf '%s\n' "${extra[@]}"
}

# Runs CLASS ARGS... of the install in a small JVM of its own (for tools: quick to start, little
# memory); with TOOL_TIMEOUT set, under timeout(1).
run_class() {
  resolve_java
  ${TOOL_TIMEOUT:+timeout "$TOOL_TIMEOUT"} "$JAVA" -Xms16m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -XX:+PerfDisableSharedMem -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true \
    "-Dlog4j2.configurationFile=$CONF_DIR/tools-log4j2.xml" -cp "$LIB_DIR/*" "$@" 9>&-
}

# Formats DATA_DIR (a new cluster ID, meta.properties, the bootstrap metadata) unless it was formatted:
# once per instance, so that a restart keeps its topics and offsets.
format_storage() {
  [ -f "$DATA_DIR/meta.properties" ] && return 0
  local id
  id="$(random_cluster_id)"
  echo "kafka.sh: formatting $DATA_DIR (cluster $id)" >&2
  rm -rf "$DATA_DIR"
  if ! run_class kafka.tools.StorageTool format -t "$id" -c "$CONF_DIR/server.properties" \
    >"$LOG_DIR/format.log" 2>&1; then
    tail -n 30 "$LOG_DIR/format.log" >&2
    rm -rf "$DATA_DIR"
    die "formatting the storage failed (log: $LOG_DIR/format.log)"
  fi
}

# True when the broker answers a client: a metadata request lists broker 1 at HOST:PORT (so it is
# registered and unfenced) and that broker answers ApiVersions (Kafka's BrokerApiVersionsCommand, the
# tool behind kafka-broker-api-versions.sh).
broker_answers() {
  local out
  out="$(TOOL_TIMEOUT=15 run_class org.apache.kafka.tools.BrokerApiVersionsCommand \
    --bootstrap-server "$HOST:$PORT" 2>/dev/null)" || return 1
  [[ "$out" == *"$HOST:$PORT (id: 1 "* ]]
}

# Fails (with the log's tail) unless PID answers clients within START_TIMEOUT s: the log says that the
# server started, the port accepts a connection, and broker_answers. A broker that is not ready in time
# is stopped, so that a failed start leaves nothing running.
wait_until_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$CONSOLE_LOG" "$SERVER_LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "Kafka exited during start-up; logs in $LOG_DIR"
    fi
    if grep -qF "$STARTED_MESSAGE" "$SERVER_LOG" 2>/dev/null && port_open "$HOST" "$PORT" &&
      broker_answers; then
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$SERVER_LOG" >&2 2>/dev/null || true
  terminate "$pid"
  rm -f "$PID_FILE"
  die "Kafka did not answer on $HOST:$PORT within ${START_TIMEOUT}s: stopped it; logs in $LOG_DIR"
}

# Ends PID: SIGTERM (a controlled shutdown: logs are flushed and closed cleanly), SIGKILL after
# STOP_TIMEOUT s.
terminate() {
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "kafka.sh: pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

cmd_start() {
  take_lock "kafka-$PORT"
  local pid
  if pid="$(running_pid)"; then
    address
    return 0
  fi
  local cport
  resolve_java
  cport="$(controller_port)"
  port_open "$HOST" "$PORT" && die "$HOST:$PORT is taken by another process (set OFS_KAFKA_PORT)"
  port_open "$HOST" "$cport" && die "$HOST:$cport is taken by another process (set OFS_KAFKA_CONTROLLER_PORT)"
  (
    take_lock install
    install_jars
  )
  mkdir -p "$CONF_DIR" "$LOG_DIR"
  write_server_properties
  write_log4j2_xml
  format_storage
  [ -f "$SERVER_LOG" ] && mv "$SERVER_LOG" "$SERVER_LOG.previous"
  [ -f "$CONSOLE_LOG" ] && mv "$CONSOLE_LOG" "$CONSOLE_LOG.previous"
  local options
  mapfile -t options < <(jvm_options)
  # exec: no wrapper shell, so $! is the java process itself (setsid execs too: detached from the
  # caller's session so that a terminal's or test runner's signals do not reach the broker).
  (cd "$INSTANCE_DIR" && exec setsid "$JAVA" "${options[@]}" -cp "$LIB_DIR/*" "$MAIN_CLASS" \
    "$CONF_DIR/server.properties") </dev/null >"$CONSOLE_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "kafka.sh: starting Kafka (pid $pid) on $HOST:$PORT (controller $HOST:$cport), logs in $LOG_DIR" >&2
  wait_until_ready "$pid"
  address
}

cmd_stop() {
  take_lock "kafka-$PORT"
  local pid
  pid="$(running_pid)" || return 0
  terminate "$pid"
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running $(address) (pid $pid)"
    return 0
  fi
  echo "stopped"
  return 3
}

cmd_wipe() {
  cmd_stop
  rm -rf "$INSTANCE_DIR"
}

cmd_tool() {
  [ $# -ge 1 ] || die "usage: kafka.sh tool CLASS ARGS..."
  [ -f "$LIB_DIR/.installed" ] || die "Kafka is not installed yet (kafka.sh start)"
  mkdir -p "$CONF_DIR"
  [ -f "$CONF_DIR/tools-log4j2.xml" ] || write_log4j2_xml
  run_class "$@"
}

cmd_topics() {
  running_pid >/dev/null || die "Kafka on port $PORT is not running (kafka.sh start)"
  cmd_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$(address)" "$@"
}

main() {
  [ $# -ge 1 ] || usage
  check_settings
  local command="$1"
  shift
  case "$command" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  tool) cmd_tool "$@" ;;
  topics) cmd_topics "$@" ;;
  *) usage ;;
  esac
}

main "$@"
