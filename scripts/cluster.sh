#!/usr/bin/env bash
# A local OFS fleet on loopback: MariaDB (metadata), Cassandra (feature values), one `ofs admin` and two
# `ofs serve` (README.md, "Running as a cluster").
#
#   cluster.sh up       start whatever is not running (builds ofs first if needed); prints one line per
#                       process, NAME URL: mariadb mysql://..., cassandra HOST:PORT, admin http://...,
#                       serve http://... (twice)
#   cluster.sh down     stop the ofs processes, then Cassandra and MariaDB (their data stays; with
#                       OFS_CLUSTER_KEEP_SERVICES=1 they keep running)
#   cluster.sh status   the same lines with running/stopped; exit 0 when everything runs, 3 otherwise
#   cluster.sh wipe     down, then delete the fleet's data (ofs data directories, MariaDB, Cassandra)
#
# Environment: OFS_CLUSTER_DIR (default <repo>/build/cluster: ofs data directories, logs, PID files),
# OFS_CLUSTER_ADMIN_PORT (18181), OFS_CLUSTER_SERVE_PORTS ("18180 18182"), OFS_CLUSTER_KEYSPACE (ofs),
# OFS_BINARY (default <repo>/build/release/apps/ofs/ofs), OFS_CLUSTER_ARGS (more flags for every ofs
# process), and the service scripts' own variables (OFS_MARIADB_PORT, OFS_CASSANDRA_PORT, ...;
# scripts/services/README.md). Every process listens on 127.0.0.1 only.
set -euo pipefail

SELF_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SELF_DIR/.." && pwd)"
readonly SELF_DIR REPO_DIR
CLUSTER_DIR="${OFS_CLUSTER_DIR:-$REPO_DIR/build/cluster}"
[[ "$CLUSTER_DIR" == /* ]] || CLUSTER_DIR="$PWD/$CLUSTER_DIR"
readonly CLUSTER_DIR
readonly ADMIN_PORT="${OFS_CLUSTER_ADMIN_PORT:-18181}"
read -r -a SERVE_PORTS <<<"${OFS_CLUSTER_SERVE_PORTS:-18180 18182}"
readonly SERVE_PORTS
readonly KEYSPACE="${OFS_CLUSTER_KEYSPACE:-ofs}"
readonly OFS="${OFS_BINARY:-$REPO_DIR/build/release/apps/ofs/ofs}"
readonly MARIADB="$REPO_DIR/scripts/services/mariadb.sh"
readonly CASSANDRA="$REPO_DIR/scripts/services/cassandra.sh"
readonly START_TIMEOUT=60

die() {
  echo "cluster.sh: $*" >&2
  exit 1
}

usage() {
  sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# Names of the ofs processes: admin, serve-PORT...
ofs_names() {
  echo admin
  local port
  for port in "${SERVE_PORTS[@]}"; do echo "serve-$port"; done
}

port_of() { if [ "$1" = admin ]; then echo "$ADMIN_PORT"; else echo "${1#serve-}"; fi; }
role_of() { if [ "$1" = admin ]; then echo admin; else echo serve; fi; }

# The PID of ofs process NAME if it runs (a stale PID file is removed); returns 1 otherwise.
ofs_pid() {
  local file="$CLUSTER_DIR/$1.pid" pid
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--data-dir $CLUSTER_DIR/$1 "; then
    echo "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

healthy() { curl -fsS -m 2 "http://127.0.0.1:$1/healthcheck" >/dev/null 2>&1; }

start_ofs() {
  local name="$1" metadata="$2" store="$3" port role pid
  port="$(port_of "$name")"
  role="$(role_of "$name")"
  if ofs_pid "$name" >/dev/null; then return 0; fi
  mkdir -p "$CLUSTER_DIR/$name"
  local extra
  read -r -a extra <<<"${OFS_CLUSTER_ARGS:-}"
  # The trailing space in "--data-dir DIR " is what ofs_pid matches; setsid: detached from the caller.
  (exec setsid "$OFS" "$role" --data-dir "$CLUSTER_DIR/$name" --port "$port" --metadata "$metadata" \
    --store "$store" "${extra[@]}") </dev/null >"$CLUSTER_DIR/$name.log" 2>&1 &
  pid=$!
  echo "$pid" >"$CLUSTER_DIR/$name.pid"
  local deadline=$((SECONDS + START_TIMEOUT))
  until healthy "$port"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 20 "$CLUSTER_DIR/$name.log" >&2
      rm -f "$CLUSTER_DIR/$name.pid"
      die "ofs $role on port $port exited during start-up (log: $CLUSTER_DIR/$name.log)"
    fi
    ((SECONDS < deadline)) || die "ofs $role on port $port is not healthy after ${START_TIMEOUT}s (log: $CLUSTER_DIR/$name.log)"
    sleep 0.2
  done
}

stop_ofs() {
  local pid
  pid="$(ofs_pid "$1")" || return 0
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  rm -f "$CLUSTER_DIR/$1.pid"
}

cmd_up() {
  mkdir -p "$CLUSTER_DIR"
  exec 9>"$CLUSTER_DIR/.lock"
  flock 9
  if [ ! -x "$OFS" ]; then
    echo "cluster.sh: building ofs" >&2
    make -C "$REPO_DIR" build >&2
  fi
  local metadata_url cassandra_addr
  metadata_url="$("$MARIADB" start 9>&- | tail -n1)" || die "MariaDB did not start"
  cassandra_addr="$("$CASSANDRA" start 9>&- | tail -n1)" || die "Cassandra did not start"
  local store="cassandra://$cassandra_addr/$KEYSPACE"
  # The admin first: it creates and migrates the metadata schema the serve nodes read.
  local name
  for name in $(ofs_names); do start_ofs "$name" "$metadata_url" "$store" 9>&-; done
  echo "mariadb $metadata_url"
  echo "cassandra $cassandra_addr"
  for name in $(ofs_names); do echo "$(role_of "$name") http://127.0.0.1:$(port_of "$name")"; done
}

cmd_down() {
  local name
  for name in $(ofs_names | tac); do stop_ofs "$name"; done
  [ "${OFS_CLUSTER_KEEP_SERVICES:-0}" = "1" ] && return 0
  "$CASSANDRA" stop >/dev/null || true
  "$MARIADB" stop >/dev/null || true
}

cmd_status() {
  local all=0 name line
  if line="$("$MARIADB" status)"; then echo "mariadb $line"; else echo "mariadb stopped"; all=3; fi
  if line="$("$CASSANDRA" status)"; then echo "cassandra $line"; else echo "cassandra stopped"; all=3; fi
  for name in $(ofs_names); do
    if ofs_pid "$name" >/dev/null && healthy "$(port_of "$name")"; then
      echo "$(role_of "$name") http://127.0.0.1:$(port_of "$name") running"
    else
      echo "$(role_of "$name") http://127.0.0.1:$(port_of "$name") stopped"
      all=3
    fi
  done
  return "$all"
}

cmd_wipe() {
  cmd_down
  if [ "${OFS_CLUSTER_KEEP_SERVICES:-0}" != "1" ]; then
    "$CASSANDRA" wipe >/dev/null || true
    "$MARIADB" wipe >/dev/null || true
  fi
  rm -rf "$CLUSTER_DIR"
}

main() {
  [ $# -eq 1 ] || usage
  case "$1" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  wipe) cmd_wipe ;;
  *) usage ;;
  esac
}

main "$@"
