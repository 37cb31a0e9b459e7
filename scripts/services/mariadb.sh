#!/usr/bin/env bash
# A real MariaDB server on loopback for OFS's metadata store in tests and CI (contract:
# scripts/services/README.md). Debian's mariadb-server, run as its own instance, never the system service.
#
#   mariadb.sh start    create the data directory once, start the server, wait until it answers; the last
#                       line is the URL for --metadata: mysql://ofs:PASSWORD@127.0.0.1:PORT/ofs
#   mariadb.sh stop     SIGTERM, then SIGKILL after OFS_MARIADB_STOP_TIMEOUT s; data stays; exit 0 if stopped
#   mariadb.sh status   "running URL (pid N)", exit 0 | "stopped", exit 3
#   mariadb.sh wipe     stop, then delete the instance's directory (data, logs)
#   mariadb.sh sql STATEMENT...   run SQL as root on the instance (the mariadb client, batch mode)
#
# Environment: OFS_SERVICES_DIR (default <repo>/build/services), OFS_MARIADB_PORT (3306),
# OFS_MARIADB_DATABASE (ofs: created at the first start with a user ofs that owns it and may create other
# databases, for tests that want one each), OFS_MARIADB_PASSWORD (the user's password, ofs-test),
# OFS_MARIADB_START_TIMEOUT (60 s), OFS_MARIADB_STOP_TIMEOUT (30 s).
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SELF_DIR/../.." && pwd)"
readonly SELF_DIR REPO_DIR
SERVICES_DIR="${OFS_SERVICES_DIR:-$REPO_DIR/build/services}"
[[ "$SERVICES_DIR" == /* ]] || SERVICES_DIR="$PWD/$SERVICES_DIR"
readonly SERVICES_DIR
readonly PORT="${OFS_MARIADB_PORT:-3306}"
readonly INSTANCE_DIR="$SERVICES_DIR/mariadb-$PORT"
readonly DATA_DIR="$INSTANCE_DIR/data"
readonly SOCKET="$INSTANCE_DIR/mysqld.sock"
readonly PID_FILE="$INSTANCE_DIR/mariadbd.pid"
readonly LOG="$INSTANCE_DIR/error.log"
readonly HOST="127.0.0.1"
readonly DATABASE="${OFS_MARIADB_DATABASE:-ofs}"
readonly USER_NAME="ofs"
readonly PASSWORD="${OFS_MARIADB_PASSWORD:-ofs-test}"
readonly START_TIMEOUT="${OFS_MARIADB_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${OFS_MARIADB_STOP_TIMEOUT:-30}"

die() {
  echo "mariadb.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

check_settings() {
  local p
  for p in "$PORT" "$START_TIMEOUT" "$STOP_TIMEOUT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (the port and timeouts are integers)"
  done
  [[ "$DATABASE" =~ ^[A-Za-z0-9_]+$ ]] || die "OFS_MARIADB_DATABASE must be letters, digits and _, not '$DATABASE'"
  [[ "$PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]] ||
    die "OFS_MARIADB_PASSWORD: letters, digits and ._~- only (it goes into a URL unescaped)"
}

# Serializes starts and stops of this instance (descriptor 9, closed for the server).
take_lock() {
  mkdir -p "$INSTANCE_DIR"
  exec 9>"$INSTANCE_DIR/.lock"
  flock 9
}

server_bin() {
  local bin
  for bin in mariadbd mysqld /usr/sbin/mariadbd /usr/sbin/mysqld; do
    command -v "$bin" >/dev/null 2>&1 && {
      command -v "$bin"
      return 0
    }
  done
  die "no mariadbd (install Debian's mariadb-server: scripts/bootstrap does)"
}

url() { echo "mysql://$USER_NAME:$PASSWORD@$HOST:$PORT/$DATABASE"; }

# Prints the server's PID if this instance runs; removes a stale PID file. Returns 1 when not running.
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--datadir=$DATA_DIR"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null
}

root_sql() {
  mariadb --no-defaults --protocol=socket --socket="$SOCKET" -uroot --batch --skip-column-names "$@"
}

# Creates the data directory (system tables; root by socket only) unless it exists.
initialize() {
  [ -d "$DATA_DIR/mysql" ] && return 0
  echo "mariadb.sh: creating the data directory $DATA_DIR" >&2
  rm -rf "$DATA_DIR"
  mkdir -p "$DATA_DIR"
  if ! mariadb-install-db --no-defaults --user="$(id -un)" --datadir="$DATA_DIR" \
    --auth-root-authentication-method=normal --skip-test-db >"$INSTANCE_DIR/install.log" 2>&1; then
    tail -n 20 "$INSTANCE_DIR/install.log" >&2
    rm -rf "$DATA_DIR"
    die "mariadb-install-db failed (log: $INSTANCE_DIR/install.log)"
  fi
}

# Fails (with the log's tail) unless PID answers a query on its socket and listens on the TCP port within
# START_TIMEOUT s; a server that is not ready in time is stopped.
wait_until_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "MariaDB exited during start-up; log: $LOG"
    fi
    if root_sql -e "SELECT 1" >/dev/null 2>&1 && port_open; then return 0; fi
    sleep 0.2
  done
  tail -n 30 "$LOG" >&2 2>/dev/null || true
  terminate "$pid"
  rm -f "$PID_FILE"
  die "MariaDB did not answer on $HOST:$PORT within ${START_TIMEOUT}s: stopped it; log: $LOG"
}

terminate() {
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "mariadb.sh: pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

# The database and its user (idempotent; the password is reset to this environment's).
provision() {
  root_sql <<EOF
CREATE DATABASE IF NOT EXISTS \`$DATABASE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
CREATE USER IF NOT EXISTS '$USER_NAME'@'localhost' IDENTIFIED BY '$PASSWORD';
ALTER USER '$USER_NAME'@'127.0.0.1' IDENTIFIED BY '$PASSWORD';
ALTER USER '$USER_NAME'@'localhost' IDENTIFIED BY '$PASSWORD';
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO '$USER_NAME'@'localhost';
EOF
}

cmd_start() {
  take_lock
  local pid
  if pid="$(running_pid)"; then
    url
    return 0
  fi
  local server
  server="$(server_bin)"
  port_open && die "$HOST:$PORT is taken by another process (set OFS_MARIADB_PORT)"
  initialize
  [ -f "$LOG" ] && mv "$LOG" "$LOG.previous"
  # Small buffers: a test instance holds little and shares the machine. exec + setsid: $! is the server
  # itself, detached from the caller's session.
  (exec setsid "$server" --no-defaults --user="$(id -un)" --datadir="$DATA_DIR" --socket="$SOCKET" \
    --pid-file="$INSTANCE_DIR/server.pid" --bind-address="$HOST" --port="$PORT" --log-error="$LOG" \
    --skip-name-resolve --innodb-buffer-pool-size=64M --innodb-log-file-size=32M \
    --max-connections=500 --character-set-server=utf8mb4 --collation-server=utf8mb4_bin) \
    </dev/null >/dev/null 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "mariadb.sh: starting MariaDB (pid $pid) on $HOST:$PORT, log $LOG" >&2
  wait_until_ready "$pid"
  provision
  url
}

cmd_stop() {
  take_lock
  local pid
  pid="$(running_pid)" || return 0
  terminate "$pid"
  rm -f "$PID_FILE"
}

cmd_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "running $(url) (pid $pid)"
    return 0
  fi
  echo "stopped"
  return 3
}

cmd_wipe() {
  cmd_stop
  rm -rf "$INSTANCE_DIR"
}

cmd_sql() {
  running_pid >/dev/null || die "MariaDB on port $PORT is not running (mariadb.sh start)"
  local statement
  for statement in "$@"; do root_sql -e "$statement"; done
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
  sql) cmd_sql "$@" ;;
  *) usage ;;
  esac
}

main "$@"
