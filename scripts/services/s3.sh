#!/usr/bin/env bash
# An S3-compatible server on loopback for OFS's tests and CI (contract: scripts/services/README.md): moto's
# moto_server (PyPI moto[server], pinned in s3/requirements.txt), installed into a venv of its own.
#
#   s3.sh start    install once (pip), start the server, wait until it answers; the last line is the
#                  endpoint URL http://127.0.0.1:PORT (for --s3-endpoint / metadata.backup_s3_endpoint)
#   s3.sh stop     SIGTERM, then SIGKILL after OFS_S3_STOP_TIMEOUT s; exit 0 if stopped
#   s3.sh status   "running URL (pid N)", exit 0 | "stopped", exit 3
#   s3.sh wipe     stop, then delete the instance's directory (logs); moto keeps its buckets in memory,
#                  so a stop already forgets them
#
# Environment: OFS_SERVICES_DIR (default <repo>/build/services), OFS_S3_PORT (4568),
# OFS_S3_START_TIMEOUT (60 s, the first install not included), OFS_S3_STOP_TIMEOUT (15 s).
# moto accepts any credentials and checks no signature; clients still need AWS_ACCESS_KEY_ID and
# AWS_SECRET_ACCESS_KEY set (any values).
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SELF_DIR/../.." && pwd)"
readonly SELF_DIR REPO_DIR
readonly ASSETS_DIR="$SELF_DIR/s3"
SERVICES_DIR="${OFS_SERVICES_DIR:-$REPO_DIR/build/services}"
[[ "$SERVICES_DIR" == /* ]] || SERVICES_DIR="$PWD/$SERVICES_DIR"
readonly SERVICES_DIR
readonly INSTALL_DIR="$SERVICES_DIR/s3"
readonly VENV_DIR="$INSTALL_DIR/venv"
readonly SERVER_BIN="$VENV_DIR/bin/moto_server"
readonly PORT="${OFS_S3_PORT:-4568}"
readonly INSTANCE_DIR="$SERVICES_DIR/s3-$PORT"
readonly PID_FILE="$INSTANCE_DIR/moto.pid"
readonly LOG="$INSTANCE_DIR/moto.log"
readonly HOST="127.0.0.1"
readonly START_TIMEOUT="${OFS_S3_START_TIMEOUT:-60}"
readonly STOP_TIMEOUT="${OFS_S3_STOP_TIMEOUT:-15}"

die() {
  echo "s3.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

check_settings() {
  local p
  for p in "$PORT" "$START_TIMEOUT" "$STOP_TIMEOUT"; do
    [[ "$p" =~ ^[0-9]+$ ]] || die "not a number: '$p' (the port and timeouts are integers)"
  done
}

# Serializes starts and stops of this instance (descriptor 9, closed for the server); NAME=venv
# serializes installs, shared by every instance.
take_lock() {
  local dir="$INSTANCE_DIR"
  [ "${1:-}" = venv ] && dir="$INSTALL_DIR"
  mkdir -p "$dir"
  exec 9>"$dir/.lock"
  flock 9
}

url() { echo "http://$HOST:$PORT"; }

# Prints the server's PID if this instance runs; removes a stale PID file. Returns 1 when not running.
running_pid() {
  [ -f "$PID_FILE" ] || return 1
  local pid
  pid="$(cat "$PID_FILE")"
  if [[ "$pid" =~ ^[0-9]+$ ]] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$SERVER_BIN -H $HOST -p $PORT"; then
    echo "$pid"
    return 0
  fi
  rm -f "$PID_FILE"
  return 1
}

port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$PORT" 2>/dev/null
}

# Answers S3's ListBuckets (GET /) with 200.
answers() {
  [ "$(curl -s -o /dev/null -m 2 -w '%{http_code}' "$(url)/" 2>/dev/null)" = 200 ]
}

# Creates VENV_DIR with the pinned moto unless it was made from the current requirements.
ensure_venv() {
  local stamp
  stamp="$(sha256sum "$ASSETS_DIR/requirements.txt" | cut -d' ' -f1)"
  [ "$(cat "$VENV_DIR/.installed" 2>/dev/null)" = "$stamp" ] && return 0
  echo "s3.sh: installing moto into $VENV_DIR" >&2
  rm -rf "$VENV_DIR"
  python3 -m venv "$VENV_DIR"
  if ! "$VENV_DIR/bin/python" -m pip install -q --disable-pip-version-check \
    -r "$ASSETS_DIR/requirements.txt" >"$INSTALL_DIR/install.log" 2>&1; then
    tail -n 20 "$INSTALL_DIR/install.log" >&2
    rm -rf "$VENV_DIR"
    die "cannot install moto (log: $INSTALL_DIR/install.log)"
  fi
  echo "$stamp" >"$VENV_DIR/.installed"
}

# Fails (with the log's tail) unless PID answers on the port within START_TIMEOUT s; a server that is not
# ready in time is stopped.
wait_until_ready() {
  local pid="$1" deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$LOG" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      die "moto_server exited during start-up; log: $LOG"
    fi
    answers && return 0
    sleep 0.2
  done
  tail -n 30 "$LOG" >&2 2>/dev/null || true
  terminate "$pid"
  rm -f "$PID_FILE"
  die "moto_server did not answer on $HOST:$PORT within ${START_TIMEOUT}s: stopped it; log: $LOG"
}

terminate() {
  local pid="$1" deadline=$((SECONDS + STOP_TIMEOUT))
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    echo "s3.sh: pid $pid ignored SIGTERM for ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  fi
}

cmd_start() {
  (
    take_lock venv
    ensure_venv
  )
  take_lock
  local pid
  if pid="$(running_pid)"; then
    url
    return 0
  fi
  port_open && die "$HOST:$PORT is taken by another process (set OFS_S3_PORT)"
  [ -f "$LOG" ] && mv "$LOG" "$LOG.previous"
  # exec + setsid: $! is moto_server's own Python process, detached from the caller's session.
  (exec setsid "$SERVER_BIN" -H "$HOST" -p "$PORT") </dev/null >"$LOG" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$PID_FILE"
  echo "s3.sh: starting moto_server (pid $pid) on $HOST:$PORT, log $LOG" >&2
  wait_until_ready "$pid"
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

main() {
  [ $# -ge 1 ] || usage
  check_settings
  case "$1" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  *) usage ;;
  esac
}

main "$@"
