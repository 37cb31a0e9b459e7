#!/usr/bin/env bash
# A real Apache Cassandra 5.0 node on loopback for OFS's tests and CI (contract: scripts/services/README.md).
#
#   cassandra.sh start    install once (Maven), start the node, wait until CQL answers; last line HOST:PORT
#   cassandra.sh stop     SIGTERM, then SIGKILL after OFS_CASSANDRA_STOP_TIMEOUT s; data stays; exit 0 if stopped
#   cassandra.sh status   "running HOST:PORT (pid N)", exit 0 | "stopped", exit 3
#   cassandra.sh wipe     stop, then delete the node's directory (data, logs, config)
#   cassandra.sh cql STATEMENT...   run CQL on the node with the Python driver (cassandra/cql.py)
#
# Environment: OFS_SERVICES_DIR (default <repo>/build/services), OFS_CASSANDRA_NODE (1..254: node N listens
# on 127.0.0.N, directory cassandra-N/; node 1 is the seed), OFS_CASSANDRA_CLUSTER (a name: a cluster of
# its own, directories cassandra-NAME-N/, beside the default one on other ports), OFS_CASSANDRA_PORT (CQL, 9042),
# OFS_CASSANDRA_STORAGE_PORT (7000, the same for every node of a cluster), OFS_CASSANDRA_AUTH=1
# (PasswordAuthenticator, superuser cassandra/cassandra), OFS_CASSANDRA_HEAP (the heap's maximum, 512m),
# OFS_CASSANDRA_JVM_OPTS (more JVM options, split on spaces, last), OFS_CASSANDRA_START_TIMEOUT (120 s),
# OFS_CASSANDRA_STOP_TIMEOUT (60 s), JAVA_HOME (a JDK 17), OFS_CASSANDRA_FLUSH_SCHEMA (false: a schema change
# is not flushed to SSTables at once, only logged in the commit log, as Cassandra's own tests run it; a test
# node makes a thousand tables, and this took a quarter off each CREATE/ALTER TABLE here: 455 -> 340 ms;
# true restores the default).
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SELF_DIR/../.." && pwd)"
readonly SELF_DIR REPO_DIR
readonly ASSETS_DIR="$SELF_DIR/cassandra"
SERVICES_DIR="${OFS_SERVICES_DIR:-$REPO_DIR/build/services}"
[[ "$SERVICES_DIR" == /* ]] || SERVICES_DIR="$PWD/$SERVICES_DIR" # cassandra.yaml needs absolute paths
readonly SERVICES_DIR
readonly INSTALL_DIR="$SERVICES_DIR/cassandra"
readonly LIB_DIR="$INSTALL_DIR/lib"
readonly VENV_DIR="$INSTALL_DIR/venv"
readonly NODE="${OFS_CASSANDRA_NODE:-1}"
readonly CLUSTER="${OFS_CASSANDRA_CLUSTER:-}"
readonly NODE_DIR="$SERVICES_DIR/cassandra-${CLUSTER:+$CLUSTER-}$NODE"
readonly PID_FILE="$NODE_DIR/cassandra.pid"
readonly ADDRESS_FILE="$NODE_DIR/address"
readonly AUTH_FILE="$NODE_DIR/password-auth"
readonly CONF_DIR="$NODE_DIR/conf"
readonly LOG_DIR="$NODE_DIR/logs"
readonly SYSTEM_LOG="$LOG_DIR/system.log"
readonly CONSOLE_LOG="$LOG_DIR/console.log"
readonly HOST="127.0.0.$NODE"
readonly SEED_HOST="127.0.0.1"
readonly PORT="${OFS_CASSANDRA_PORT:-9042}"
readonly STORAGE_PORT="${OFS_CASSANDRA_STORAGE_PORT:-7000}"
readonly HEAP="${OFS_CASSANDRA_HEAP:-512m}"
readonly START_TIMEOUT="${OFS_CASSANDRA_START_TIMEOUT:-120}"
readonly STOP_TIMEOUT="${OFS_CASSANDRA_STOP_TIMEOUT:-60}"
readonly MAIN_CLASS="org.apache.cassandra.service.CassandraDaemon"

# Java 17 module access that Cassandra 5.0 needs: the JPMS block of its conf/jvm17-server.options.
readonly JPMS_OPTIONS=(
  -Djdk.attach.allowAttachSelf=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  --add-opens java.base/java.nio=ALL-UNNAMED
)

die() {
  echo "cassandra.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

check_settings() {
  [[ "$CLUSTER" =~ ^[a-z0-9]*$ ]] || die "OFS_CASSANDRA_CLUSTER must be lower-case letters and digits, not '$CLUSTER'"
  if ! [[ "$NODE" =~ ^[1-9][0-9]*$ ]] || ((NODE > 254)); then
    die "OFS_CASSANDRA_NODE must be 1..254, not '$NODE'"
  fi
  local p
  for p in "$PORT" "$STORAGE_PORT" "$START_TIMEOUT" "$STOP_TIMEOUT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (ports and timeouts are integers)"
  done
}

# Takes an exclusive lock named NAME for the rest of this script (released when it exits). The lock's
# descriptor (9) is closed for the Cassandra process so that a running node holds no lock.
take_lock() {
  mkdir -p "$INSTALL_DIR"
  exec 9>"$INSTALL_DIR/$1.lock"
  flock 9
}

# Prints the java to use: $JAVA_HOME/bin/java, else java on PATH; it must be Java 17.
java_bin() {
  local java="java"
  [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
  command -v "$java" >/dev/null || die "no java (install a JDK 17 or set JAVA_HOME)"
  local version
  version="$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [ "$version" = "17" ] || die "Cassandra 5.0 runs here on Java 17; $java is Java '$version' (set JAVA_HOME)"
  echo "$java"
}

# Copies cassandra-all and its runtime dependencies into LIB_DIR unless the copy made from the current
# pom.xml is there. Maven's local repository (~/.m2, or -Dmaven.repo.local in MAVEN_OPTS) is the cache.
install_jars() {
  local stamp
  stamp="$(sha256sum "$ASSETS_DIR/pom.xml" | cut -d' ' -f1)"
  [ "$(cat "$LIB_DIR/.installed" 2>/dev/null)" = "$stamp" ] && return 0
  command -v mvn >/dev/null || die "no mvn (Maven installs Cassandra's jars)"
  echo "cassandra.sh: installing Cassandra into $LIB_DIR" >&2
  local tmp="$INSTALL_DIR/lib.tmp"
  rm -rf "$tmp"
  if ! mvn -q -B -f "$ASSETS_DIR/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$tmp" >"$INSTALL_DIR/install.log" 2>&1; then
    tail -n 30 "$INSTALL_DIR/install.log" >&2
    die "mvn could not fetch Cassandra's jars (log: $INSTALL_DIR/install.log)"
  fi
  echo "$stamp" >"$tmp/.installed"
  rm -rf "$LIB_DIR"
  mv "$tmp" "$LIB_DIR"
}

# Prints the PID of this node's Cassandra if it runs; removes a stale PID file (a dead process, or a
# recycled PID that is no longer this node's CassandraDaemon). Returns 1 when it is not running.
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null |
    grep -qF -- "-Dcassandra.config=file://$CONF_DIR/cassandra.yaml"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

# The address clients use: the one recorded by the start of the running node, else this environment's.
address() {
  if [ -f "$ADDRESS_FILE" ]; then cat "$ADDRESS_FILE"; else echo "$HOST:$PORT"; fi
}

# True when something accepts TCP connections on HOST PORT.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null
}

write_cassandra_yaml() {
  local authenticator=AllowAllAuthenticator authorizer=AllowAllAuthorizer
  if [ "${OFS_CASSANDRA_AUTH:-0}" = "1" ]; then
    authenticator=PasswordAuthenticator
    authorizer=CassandraAuthorizer
  fi
  cat >"$CONF_DIR/cassandra.yaml" <<EOF
# Written by scripts/services/cassandra.sh at every start: edits here are lost.
cluster_name: ofs-test${CLUSTER:+-$CLUSTER}
num_tokens: 4
allocate_tokens_for_local_replication_factor: 2
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$SEED_HOST:$STORAGE_PORT"
listen_address: $HOST
broadcast_address: $HOST
rpc_address: $HOST
broadcast_rpc_address: $HOST
storage_port: $STORAGE_PORT
native_transport_port: $PORT
start_native_transport: true
auto_bootstrap: true
storage_compatibility_mode: NONE

authenticator: $authenticator
authorizer: $authorizer
role_manager: CassandraRoleManager
network_authorizer: AllowAllNetworkAuthorizer

data_file_directories:
  - $NODE_DIR/data
commitlog_directory: $NODE_DIR/commitlog
saved_caches_directory: $NODE_DIR/saved_caches
hints_directory: $NODE_DIR/hints
cdc_raw_directory: $NODE_DIR/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 16MiB
commitlog_total_space: 256MiB

# Small: a test node holds little data and shares the machine.
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
# No 1 MiB slab per memtable: test suites make a thousand small tables, and slabs of every table written
# filled a 2 GiB heap (OutOfMemoryError) two thirds of the way through the whole e2e suite.
memtable_allocation_type: unslabbed_heap_buffers
key_cache_size: 8MiB
counter_cache_size: 4MiB
row_cache_size: 0MiB
file_cache_size: 32MiB
networking_cache_size: 16MiB
# Three ofs processes of a fleet prepare their statements on every one of a thousand tables: at 8 MiB the
# cache discarded ~100 statements a minute and writes failed with "not prepared" (the driver's re-prepare
# lost the race against the next eviction).
prepared_statements_cache_size: 64MiB
concurrent_reads: 8
concurrent_writes: 8
concurrent_counter_writes: 8
concurrent_compactors: 1
auto_snapshot: false
EOF
}

# logback.xml: everything from INFO to logs/system.log (start's readiness check reads it), WARN and
# above also on the console (logs/console.log).
write_logback_xml() {
  cat >"$CONF_DIR/logback.xml" <<EOF
<configuration>
  <appender name="FILE" class="ch.qos.logback.core.FileAppender">
    <file>$SYSTEM_LOG</file>
    <encoder><pattern>%-5level [%thread] %date{ISO8601} %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <appender name="CONSOLE" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter"><level>WARN</level></filter>
    <encoder><pattern>%-5level %date{ISO8601} %logger{0} - %msg%n</pattern></encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="FILE"/>
    <appender-ref ref="CONSOLE"/>
  </root>
</configuration>
EOF
}

# Cassandra's own launcher options (conf/jvm-server.options, jvm17-server.options, cassandra-env.sh), less
# what costs memory or CPU on a shared test machine, measured (scripts/services/README.md): the heap starts
# at 64 MiB and grows to HEAP (not -Xms=-Xmx, which G1 touches whole: 930 -> 400 MB RSS), the serial
# collector (G1's own structures: 50 MB), C1 only (40% less CPU to start), no AlwaysPreTouch.
jvm_options() {
  local jamm
  jamm="$(find "$LIB_DIR" -maxdepth 1 -name 'jamm-*.jar' | head -n1)"
  printf '%s\n' \
    -Xms64m "-Xmx$HEAP" -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss256k -XX:+PerfDisableSharedMem \
    -XX:+ExitOnOutOfMemoryError -XX:+HeapDumpOnOutOfMemoryError "-XX:HeapDumpPath=$NODE_DIR" \
    -ea -da:net.openhft... -Djava.net.preferIPv4Stack=true \
    -Dio.netty.tryReflectionSetAccessible=true -Dio.netty.allocator.useCacheForAllThreads=true \
    -Dio.netty.allocator.maxOrder=11 \
    "${JPMS_OPTIONS[@]}" \
    -Dcassandra-foreground=yes \
    "-Dcassandra.config=file://$CONF_DIR/cassandra.yaml" \
    "-Dlogback.configurationFile=file://$CONF_DIR/logback.xml" \
    "-Dcassandra.logdir=$LOG_DIR" "-Dcassandra.storagedir=$NODE_DIR" "-Dcassandra.triggers_dir=$NODE_DIR/triggers" \
    -Dcassandra.ring_delay_ms=1000 -Dcassandra.skip_wait_for_gossip_to_settle=0 \
    -Dcassandra.superuser_setup_delay_ms=0 -Dcassandra.shutdown_announce_in_ms=200 \
    "-Dcassandra.test.flush_local_schema_changes=${OFS_CASSANDRA_FLUSH_SCHEMA:-false}"
  [ -n "$jamm" ] && echo "-javaagent:$jamm"
  local extra
  read -r -a extra <<<"${OFS_CASSANDRA_JVM_OPTS:-}"
  ((${#extra[@]} == 0)) || printf '%s\n' "${extra[@]}"
}

# Fails (with the log's tail) unless PID serves CQL within START_TIMEOUT s: the log says that it
# listens for CQL clients on HOST:PORT and the port accepts a connection. A node that is not ready in
# time is stopped, so that a failed start leaves nothing running.
wait_until_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$CONSOLE_LOG" "$SYSTEM_LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE" "$ADDRESS_FILE"
      die "Cassandra (node $NODE) exited during start-up; logs in $LOG_DIR"
    fi
    if grep -qF "listening for CQL clients on /$HOST:$PORT" "$SYSTEM_LOG" 2>/dev/null &&
      port_open "$HOST" "$PORT"; then
      return 0
    fi
    sleep 0.5
  done
  tail -n 30 "$SYSTEM_LOG" >&2 2>/dev/null || true
  terminate "$pid"
  rm -f "$PID_FILE" "$ADDRESS_FILE"
  die "Cassandra (node $NODE) did not answer on $HOST:$PORT within ${START_TIMEOUT}s: stopped it; logs in $LOG_DIR"
}

# Ends PID: SIGTERM (Cassandra drains: memtables are flushed), SIGKILL after STOP_TIMEOUT s.
terminate() {
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "cassandra.sh: node $NODE (pid $pid) ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

# A joining node (N > 1) serves CQL once it considers itself NORMAL, but the seed learns that by gossip a
# moment later; until then the seed still counts the node's ranges as pending, and a LOCAL_QUORUM write it
# coordinates needs one more replica (required 3, alive 2 with RF 2). So start waits until node 1's own
# view of this node (system_views.gossip_info, through the Python driver) says NORMAL.
wait_until_seed_sees_normal() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT)) status=""
  (
    take_lock venv
    ensure_venv
  )
  while ((SECONDS < deadline)); do
    status="$(OFS_CASSANDRA_ADDRESS="$SEED_HOST:$PORT" OFS_CASSANDRA_AUTH="${OFS_CASSANDRA_AUTH:-0}" \
      "$VENV_DIR/bin/python" "$ASSETS_DIR/cql.py" --timeout 5 \
      "SELECT status_with_port FROM system_views.gossip_info WHERE address = '$HOST' AND port = $STORAGE_PORT" \
      2>/dev/null || true)"
    [[ "$status" == *'"NORMAL,'* ]] && return 0
    sleep 0.5
  done
  terminate "$pid"
  rm -f "$PID_FILE" "$ADDRESS_FILE"
  die "node 1 did not see node $NODE as NORMAL within ${START_TIMEOUT}s (last: ${status:-no answer}): stopped it"
}

cmd_start() {
  take_lock "node-${CLUSTER:+$CLUSTER-}$NODE"
  local pid
  if pid="$(running_pid)"; then
    address
    return 0
  fi
  local java
  java="$(java_bin)"
  port_open "$HOST" "$PORT" && die "$HOST:$PORT is taken by another process (set OFS_CASSANDRA_PORT)"
  port_open "$HOST" "$STORAGE_PORT" &&
    die "$HOST:$STORAGE_PORT is taken by another process (set OFS_CASSANDRA_STORAGE_PORT)"
  if ((NODE != 1)) && ! port_open "$SEED_HOST" "$STORAGE_PORT"; then
    die "node $NODE joins node 1's cluster: start node 1 first (nothing on $SEED_HOST:$STORAGE_PORT)"
  fi
  (
    take_lock install
    install_jars
  )
  mkdir -p "$CONF_DIR" "$LOG_DIR" "$NODE_DIR/triggers"
  write_cassandra_yaml
  write_logback_xml
  [ -f "$SYSTEM_LOG" ] && mv "$SYSTEM_LOG" "$SYSTEM_LOG.previous"
  [ -f "$CONSOLE_LOG" ] && mv "$CONSOLE_LOG" "$CONSOLE_LOG.previous"
  local options
  mapfile -t options < <(jvm_options)
  # exec: no wrapper shell, so $! is the java process itself (setsid execs too: detached from the
  # caller's session so that a terminal's or test runner's signals do not reach the node).
  (cd "$NODE_DIR" && exec setsid "$java" "${options[@]}" -cp "$LIB_DIR/*" "$MAIN_CLASS") \
    </dev/null >"$CONSOLE_LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "$HOST:$PORT" >"$ADDRESS_FILE"
  rm -f "$AUTH_FILE"
  [ "${OFS_CASSANDRA_AUTH:-0}" != "1" ] || touch "$AUTH_FILE"
  echo "cassandra.sh: starting node $NODE (pid $pid), logs in $LOG_DIR" >&2
  wait_until_ready "$pid"
  ((NODE == 1)) || wait_until_seed_sees_normal "$pid"
  address
}

cmd_stop() {
  take_lock "node-${CLUSTER:+$CLUSTER-}$NODE"
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$ADDRESS_FILE"
    return 0
  fi
  terminate "$pid"
  rm -f "$PID_FILE" "$ADDRESS_FILE"
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
  rm -rf "$NODE_DIR"
}

# Runs each argument as one CQL statement on this node (the driver's venv is made on first use).
cmd_cql() {
  local pid
  pid="$(running_pid)" || die "node $NODE is not running (cassandra.sh start)"
  (
    take_lock venv
    ensure_venv
  )
  local auth="${OFS_CASSANDRA_AUTH:-0}"
  [ -f "$AUTH_FILE" ] && auth=1
  OFS_CASSANDRA_ADDRESS="$(address)" OFS_CASSANDRA_AUTH="$auth" "$VENV_DIR/bin/python" "$ASSETS_DIR/cql.py" "$@"
}

# Creates VENV_DIR with the pinned Python driver unless it was made from the current requirements.
ensure_venv() {
  local stamp
  stamp="$(sha256sum "$ASSETS_DIR/requirements.txt" | cut -d' ' -f1)"
  [ "$(cat "$VENV_DIR/.installed" 2>/dev/null)" = "$stamp" ] && return 0
  echo "cassandra.sh: installing the Python driver into $VENV_DIR" >&2
  rm -rf "$VENV_DIR"
  python3 -m venv "$VENV_DIR"
  # Without Cython a source build (no wheel for this Python) stays pure Python and needs no compiler.
  CASS_DRIVER_NO_CYTHON=1 "$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$ASSETS_DIR/requirements.txt" >&2
  echo "$stamp" >"$VENV_DIR/.installed"
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
  cql) cmd_cql "$@" ;;
  *) usage ;;
  esac
}

main "$@"
