#!/usr/bin/env bash
# run.sh — what `make run` does after the build: start the local stack and say what runs.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/local-stack.sh start >/dev/null
set -a; source .run/stack.env; set +a
echo
echo "Running:"
echo "  PostgreSQL  $NTF_DATABASE_URL   (pid $NTF_PG_PID)"
echo "  Redis       $NTF_REDIS_URL   (pid $NTF_REDIS_PID, AOF on)"
echo
echo "The services (ntf-intake, ntf-subscriber, ntf-pusher) are not built yet; see docs/status.md."
echo "Stop everything with: make stop"
