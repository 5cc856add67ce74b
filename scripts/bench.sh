#!/usr/bin/env bash
# bench.sh — benchmarks (not tests): a private PostgreSQL + Redis (.run/bench), a real
# ntf-intake on them, then ntf-intake-bench for TNEW/SNEW throughput and latency and the memory
# of idle client connections. Figures and how to read them: docs/benchmarks.md.
#   BENCH_CLIENTS (default 32), BENCH_SECONDS (default 10), BENCH_IDLE (default 1000)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
BIN=${BENCH_BUILD_DIR:-build}
RUN=$ROOT/.run/bench
export NTF_RUN_DIR=$RUN/stack
mkdir -p "$RUN"

cleanup() {
  [[ -n ${INTAKE_PID:-} ]] && kill -TERM "$INTAKE_PID" 2>/dev/null && wait "$INTAKE_PID" 2>/dev/null
  scripts/local-stack.sh stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

scripts/local-stack.sh start >/dev/null
set -a; source "$NTF_RUN_DIR/stack.env"; set +a
rm -rf "$RUN/etc"
"$BIN/services/ntfctl/ntfctl" init --dir "$RUN/etc" --host 127.0.0.1 --port 5443 \
  --database-url "$NTF_DATABASE_URL" --redis-url "$NTF_REDIS_URL" > "$RUN/init.log"
ADDRESS=$(sed -n 's/^Server address: //p' "$RUN/init.log")

NTF_INTAKE_LISTEN_HOST=127.0.0.1 NTF_INTAKE_ADMIN_PORT=0 NTF_INTAKE_DATABASE_POOL_SIZE=8 \
  "$BIN/services/intake/ntf-intake" --config "$RUN/etc/intake.yaml" > "$RUN/intake.out" 2> "$RUN/intake.err" &
INTAKE_PID=$!
for _ in $(seq 100); do grep -q "ntf-intake ready" "$RUN/intake.out" && break; sleep 0.1; done
grep -q "ntf-intake ready" "$RUN/intake.out" || { cat "$RUN/intake.err"; exit 1; }

echo "[bench] ntf-intake on $ADDRESS ($(nproc) cores, everything on this machine)"
"$BIN/tests/bench/ntf-intake-bench" --address "$ADDRESS" --database-url "$NTF_DATABASE_URL" \
  --clients "${BENCH_CLIENTS:-32}" --seconds "${BENCH_SECONDS:-10}"
"$BIN/tests/bench/ntf-intake-bench" --address "$ADDRESS" --database-url "$NTF_DATABASE_URL" \
  --intake-pid "$INTAKE_PID" --idle "${BENCH_IDLE:-1000}"
