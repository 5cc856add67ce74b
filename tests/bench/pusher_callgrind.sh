#!/usr/bin/env bash
# pusher_callgrind.sh [BUILD_DIR] — instructions per push of ntf-pusher-microbench under
# callgrind (docs/benchmarks.md, "Sender path, instruction counts"). Each mode runs twice, with
# N1 and N2 pushes; per thread, (Ir(N2) - Ir(N1)) / (N2 - N1) leaves out set-up, warm-up and
# shut-down. Threads in order of creation: `build` has only the sender; `send` has the sender,
# the in-process server's I/O thread, the client's I/O thread and Asio's resolver thread.
# Knobs: N1 (default 1000), N2 (default 3000), MODES (default "build send").
set -euo pipefail
BUILD=${1:-build}
BIN=$BUILD/tests/bench/ntf-pusher-microbench
N1=${N1:-1000}
N2=${N2:-3000}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# Total Ir of each thread's profile, in thread order, for `$1` pushes of mode `$2`.
thread_totals() {
  valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT/$2-$1.out" \
    "$BIN" "$2" --pushes "$1" >/dev/null 2>"$OUT/$2-$1.log"
  for f in "$OUT/$2-$1.out"-*; do awk '/^totals:/ {print $2}' "$f"; done
}

for mode in ${MODES:-build send}; do
  mapfile -t a < <(thread_totals "$N1" "$mode")
  mapfile -t b < <(thread_totals "$N2" "$mode")
  names=(sender)
  [[ $mode == send ]] && names=(sender server-io client-io resolver)
  for i in "${!b[@]}"; do
    awk -v m="$mode" -v t="${names[$i]:-thread$((i + 1))}" -v x="${a[$i]:-0}" -v y="${b[$i]}" \
      -v n="$((N2 - N1))" 'BEGIN { printf "%-5s %-10s %10.0f Ir/push\n", m, t, (y - x) / n }'
  done
done
