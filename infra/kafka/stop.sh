#!/usr/bin/env bash
# Stop the local Kafka broker started by infra/kafka/start.sh and delete its data directory.
# Idempotent: exits 0 when no broker is running.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN_DIR="$HERE/.run"
PID_FILE="$RUN_DIR/broker.pid"
DATA_DIR_FILE="$RUN_DIR/data-dir"

log() { echo "kafka: $*" >&2; }

# Only signal the pid if it still belongs to a Kafka broker (pids get reused).
pid_is_broker() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka'
}

stopped=false
if [[ -f "$PID_FILE" ]]; then
  pid="$(cat "$PID_FILE")"
  if pid_is_broker "$pid"; then
    log "stopping broker (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 40); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "broker did not stop within 20s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 20); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.25
      done
    fi
    stopped=true
  fi
  rm -f "$PID_FILE" "$RUN_DIR/port"
fi

if [[ -f "$DATA_DIR_FILE" ]]; then
  data_dir="$(cat "$DATA_DIR_FILE")"
  # Only ever delete a directory that start.sh created.
  if [[ -n "$data_dir" && "$(basename "$data_dir")" == xp-kafka.* && -d "$data_dir" ]]; then
    rm -rf "$data_dir"
  fi
  rm -f "$DATA_DIR_FILE"
fi

if [[ "$stopped" == true ]]; then
  log "broker stopped"
else
  log "no broker running"
fi
