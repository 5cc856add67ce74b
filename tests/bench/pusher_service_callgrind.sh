#!/usr/bin/env bash
# pusher_service_callgrind.sh — instructions per push of the whole ntf-pusher process, per
# thread, on the benchmark's real stack (PostgreSQL, Redis with AOF, ntf-fake-apns): the
# backlog run of scripts/bench.sh with the pusher under callgrind, once with N1 and once with
# N2 queued verification jobs; per thread, (Ir(N2) - Ir(N1)) / (N2 - N1) leaves out start-up,
# the token cache's loads (both runs load all TOKENS tokens) and shut-down. Instruction counts
# do not depend on what else the machine runs, unlike the rates of bench.sh (±15 % here).
# Threads are named by the function that started them, numbered in order of creation
# (JobWorker::Start#1 and #2 are the APNs lane's sender and completer).
# Knobs: N1 (default 5000), N2 (default 15000), TOKENS (default 1000), BENCH_BUILD_DIR, KEEP (a
# directory to keep the callgrind files in, for callgrind_annotate).
# Takes ~2 minutes (the pusher runs ~50x slower under callgrind).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
N1=${N1:-5000}
N2=${N2:-15000}
if [[ -n ${KEEP:-} ]]; then
  OUT=$KEEP
  mkdir -p "$OUT"
else
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
fi

for n in "$N1" "$N2"; do
  BACKLOG_WRAPPER="valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file=$OUT/$n.%p" \
    BENCH_ONLY=pusher H2LOAD_RUNS=0 BACKLOG_RUNS=1 PUSHER_BENCH_RATE_JOBS=10 \
    PUSHER_BENCH_TOKENS="${TOKENS:-1000}" PUSHER_BENCH_JOBS="$n" \
    "$ROOT/scripts/bench.sh" > "$OUT/bench-$n.log" 2>&1 || { tail -20 "$OUT/bench-$n.log"; exit 1; }
  grep '^drain:' "$OUT/bench-$n.log" | sed 's/^/[callgrind] /'
  # "label total" per thread file: the label is the function whose std::thread ran it.
  for f in "$OUT/$n".*-*; do
    label=$(grep -m1 -oE '_State_impl<std::thread::_Invoker<std::tuple<[^(<]*' "$f" |
      sed 's/.*tuple<//; s/^ntf:://' || true)
    echo "${label:-main} $(awk '/^totals:/ { print $2 }' "$f")"
  done | awk '{ k = $1 "#" (++seen[$1]); print k, $2 }' | sort > "$OUT/threads-$n"
done

join -a 2 -e 0 -o 0,1.2,2.2 "$OUT/threads-$N1" "$OUT/threads-$N2" |
  awk -v n="$((N2 - N1))" '
    { d = ($3 - $2) / n; total += d; if (d >= 100 || d <= -100) printf "%-45s %8.0f Ir/push\n", $1, d }
    END { printf "%-45s %8.0f Ir/push\n", "total", total }'
