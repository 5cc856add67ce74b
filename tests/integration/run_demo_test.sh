#!/usr/bin/env bash
# run_demo_test.sh BUILD_DIR — `make run` and `make stop` as an operator runs them, with the demo
# in between: scripts/run.sh in a private run directory on free ports (its own PostgreSQL and
# Redis, ntfctl init, ntf-intake, ntf-pusher, fake APNs and FCM), then ntf-demo registers an
# APNs and an FCM device through the real services (TNEW, the verification push read from the
# fake's inbox, TVFY, SNEW, SCHK, TCRN, SDEL, TDEL), then scripts/stop.sh must leave nothing
# running.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
BUILD=$(cd "${1:?usage: $0 BUILD_DIR}" && pwd)
export NTF_BUILD_DIR=$BUILD
export NTF_RUN_DIR
NTF_RUN_DIR=$(mktemp -d /tmp/ntf-run-demo.XXXXXX)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
export NTF_PORT NTF_ADMIN_PORT NTF_PUSHER_ADMIN_PORT
NTF_PORT=$(free_port) NTF_ADMIN_PORT=$(free_port) NTF_PUSHER_ADMIN_PORT=$(free_port)

cleanup() {
  scripts/stop.sh >/dev/null 2>&1 || true
  rm -rf "$NTF_RUN_DIR"
}
trap cleanup EXIT

out=$(scripts/run.sh) || { echo "$out"; cat "$NTF_RUN_DIR"/*.log 2>/dev/null; exit 1; }
echo "$out"
addr=$(grep -o 'ntf://[^ ]*' <<<"$out" | head -1)
[[ -n $addr ]] || { echo "FAIL: run.sh printed no ntf:// address"; exit 1; }
grep -q "ntf-demo --server $addr --inbox $NTF_RUN_DIR/fake/inbox" <<<"$out" ||
  { echo "FAIL: run.sh did not print the demo command"; exit 1; }

for provider in apns fcm; do
  if ! "$BUILD/libs/ntf_client/ntf-demo" --server "$addr" --inbox "$NTF_RUN_DIR/fake/inbox" \
      --provider "$provider" --timeout 30s; then
    echo "FAIL: ntf-demo --provider $provider"
    tail -20 "$NTF_RUN_DIR/intake.log" "$NTF_RUN_DIR/pusher.log"
    exit 1
  fi
done

pids=$(cat "$NTF_RUN_DIR"/{intake,pusher,fake-apns,fake-fcm}.pid)
scripts/stop.sh >/dev/null
for pid in $pids; do
  if kill -0 "$pid" 2>/dev/null; then echo "FAIL: pid $pid still runs after stop.sh"; exit 1; fi
done
echo "PASS: make run, ntf-demo (apns, fcm), make stop"
