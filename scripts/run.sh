#!/usr/bin/env bash
# run.sh — what `make run` does after the build: start the local stack, create a server identity
# and config under .run/etc on first use (ntfctl init), start the services in the background and
# print the ntf:// address and the demo command. `make stop` (scripts/stop.sh) stops everything.
# NTF_RUN_DIR (default .run) holds everything of this stack; NTF_PORT, NTF_ADMIN_PORT and
# NTF_PUSHER_ADMIN_PORT move the services' ports (tests/integration/run_demo_test.sh uses them).
# Locally, ntf-pusher delivers to fake APNs and FCM servers (tests/support), since the real
# providers need the app vendor's credentials.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${NTF_BUILD_DIR:-build}
RUN=${NTF_RUN_DIR:-$ROOT/.run}
export NTF_RUN_DIR=$RUN
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

# start NAME READY_TEXT COMMAND... : runs COMMAND in the background unless NAME already runs.
start() {
  local name=$1 ready=$2; shift 2
  if [[ -f $RUN/$name.pid ]] && kill -0 "$(cat "$RUN/$name.pid")" 2>/dev/null; then return; fi
  nohup "$@" > "$RUN/$name.out" 2> "$RUN/$name.log" &
  echo $! > "$RUN/$name.pid"
  for _ in $(seq 150); do grep -q "$ready" "$RUN/$name.out" && return; sleep 0.1; done
  cat "$RUN/$name.log" >&2; echo "$name did not start" >&2; exit 1
}

# The fakes append every push they deliver to $RUN/fake/inbox/<device token>.jsonl: the device's
# side of the channel, which ntf-demo reads.
mkdir -p "$RUN/fake/inbox"
start fake-apns "fake-apns ready" "$BIN/tests/support/ntf-fake-apns" --dir "$RUN/fake" \
  --inbox "$RUN/fake/inbox"
start fake-fcm "fake-fcm ready" "$BIN/tests/support/ntf-fake-fcm" --dir "$RUN/fake" \
  --inbox "$RUN/fake/inbox"
APNS=$(sed -n 's/.* origin=\([^ ]*\).*/\1/p' "$RUN/fake-apns.out")
FCM=$(sed -n 's/.* origin=\([^ ]*\).*/\1/p' "$RUN/fake-fcm.out")
PUSHER_ADMIN_PORT=${NTF_PUSHER_ADMIN_PORT:-9442}
NTF_PUSHER_DATABASE_URL=$NTF_DATABASE_URL NTF_PUSHER_REDIS_URL=$NTF_REDIS_URL \
NTF_PUSHER_DATABASE_SECRET_KEY_FILE=$RUN/etc/server_secret.key \
NTF_PUSHER_ADMIN_PORT=$PUSHER_ADMIN_PORT \
NTF_PUSHER_APNS_KEY_FILE=$RUN/fake/apns_key.p8 NTF_PUSHER_APNS_KEY_ID=FAKEKEY123 \
NTF_PUSHER_APNS_TEAM_ID=FAKETEAM12 NTF_PUSHER_APNS_PRODUCTION_URL=$APNS \
NTF_PUSHER_APNS_SANDBOX_URL=$APNS NTF_PUSHER_APNS_TEST_URL=$APNS \
NTF_PUSHER_APNS_CA_FILE=$RUN/fake/apns_ca.pem \
NTF_PUSHER_FCM_SERVICE_ACCOUNT_FILE=$RUN/fake/fcm_service_account.json NTF_PUSHER_FCM_URL=$FCM \
NTF_PUSHER_FCM_CA_FILE=$RUN/fake/fcm_ca.pem \
  start pusher "ntf-pusher ready" "$BIN/services/pusher/ntf-pusher"

FP=$(cat "$RUN/etc/fingerprint")
echo
echo "Running:"
echo "  PostgreSQL  $NTF_DATABASE_URL   (pid $NTF_PG_PID)"
echo "  Redis       $NTF_REDIS_URL   (pid $NTF_REDIS_PID, AOF on)"
echo "  ntf-intake  127.0.0.1:$NTF_PORT   (pid $(cat "$RUN/intake.pid"), logs $RUN/intake.log)"
echo "              /metrics /healthz /readyz on http://127.0.0.1:$ADMIN_PORT"
echo "  ntf-pusher  pid $(cat "$RUN/pusher.pid"), admin http://127.0.0.1:$PUSHER_ADMIN_PORT (logs $RUN/pusher.log)"
echo "  fake APNs   $APNS   fake FCM   $FCM   (pushes delivered: $RUN/fake/inbox)"
echo
echo "Server address: ntf://$FP@127.0.0.1:$NTF_PORT"
echo
echo "Try it as an app would (TNEW, verification push, TVFY, SNEW, TCRN, then SDEL/TDEL):"
echo "  $BIN/libs/ntf_client/ntf-demo --server ntf://$FP@127.0.0.1:$NTF_PORT --inbox $RUN/fake/inbox"
echo
echo "ntf-subscriber is not built yet (docs/status.md). Stop with: make stop"
