#!/usr/bin/env bash
# run.sh — what `make run` does after the build: start the local stack, create a server identity
# and config under .run/etc on first use (ntfctl init), start the services in the background and
# print the ntf:// address. `make stop` (scripts/stop.sh) stops everything.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${NTF_BUILD_DIR:-build}
RUN=$ROOT/.run
NTF_PORT=${NTF_PORT:-5443}
ADMIN_PORT=${NTF_ADMIN_PORT:-9441}

scripts/local-stack.sh start >/dev/null
set -a; source "$RUN/stack.env"; set +a

if [[ ! -f $RUN/etc/intake.yaml ]]; then
  "$BIN/services/ntfctl/ntfctl" init --dir "$RUN/etc" --host 127.0.0.1 --port "$NTF_PORT" \
    --database-url "$NTF_DATABASE_URL" --redis-url "$NTF_REDIS_URL" > "$RUN/etc.init.log"
fi

if [[ -f $RUN/intake.pid ]] && kill -0 "$(cat "$RUN/intake.pid")" 2>/dev/null; then
  echo "ntf-intake already running (pid $(cat "$RUN/intake.pid"))"
else
  # The stack's ports can change between runs: the environment overrides the file.
  NTF_INTAKE_DATABASE_URL=$NTF_DATABASE_URL NTF_INTAKE_REDIS_URL=$NTF_REDIS_URL \
  NTF_INTAKE_LISTEN_PORT=$NTF_PORT NTF_INTAKE_ADMIN_PORT=$ADMIN_PORT \
    nohup "$BIN/services/intake/ntf-intake" --config "$RUN/etc/intake.yaml" \
    > "$RUN/intake.out" 2> "$RUN/intake.log" &
  echo $! > "$RUN/intake.pid"
  for _ in $(seq 100); do grep -q "ntf-intake ready" "$RUN/intake.out" && break; sleep 0.1; done
  grep -q "ntf-intake ready" "$RUN/intake.out" || { cat "$RUN/intake.log"; exit 1; }
fi

FP=$(cat "$RUN/etc/fingerprint")
echo
echo "Running:"
echo "  PostgreSQL  $NTF_DATABASE_URL   (pid $NTF_PG_PID)"
echo "  Redis       $NTF_REDIS_URL   (pid $NTF_REDIS_PID, AOF on)"
echo "  ntf-intake  127.0.0.1:$NTF_PORT   (pid $(cat "$RUN/intake.pid"), logs .run/intake.log)"
echo "              /metrics /healthz /readyz on http://127.0.0.1:$ADMIN_PORT"
echo
echo "Server address: ntf://$FP@127.0.0.1:$NTF_PORT"
echo
echo "ntf-pusher and ntf-subscriber are not built yet (docs/status.md). Stop with: make stop"
