#!/usr/bin/env bash
# stop.sh — what `make stop` does: stop the services started by `make run`, then the stack.
# NTF_RUN_DIR: the run directory run.sh used (default .run).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
RUN=${NTF_RUN_DIR:-$ROOT/.run}
export NTF_RUN_DIR=$RUN
for svc in intake pusher fake-apns fake-fcm; do
  pidfile=$RUN/$svc.pid
  [[ -f $pidfile ]] || continue
  pid=$(cat "$pidfile")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -f "$pidfile"
done
scripts/local-stack.sh stop
