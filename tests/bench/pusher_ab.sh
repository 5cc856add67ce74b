#!/usr/bin/env bash
# pusher_ab.sh OTHER_BUILD_DIR|env:NAME=VALUE [PAIRS] [JOBS] — compares the pusher of two
# builds, or of two settings, on this machine: PAIRS (default 5) pairs of long backlog runs of
# scripts/bench.sh (JOBS jobs queued before the pusher starts, default 400,000: ~4 s each), the
# other build first, then this tree's `build/`, alternating, so both sample the same moments of
# a machine whose speed wanders.
# Prints one line per run (pushes/s; the share (pusher + Redis + PostgreSQL CPU) / fake CPU per
# push; the four CPU microseconds per push; busy cores) and the mean of each build and of the
# per-pair differences. The share is what the ratio to h2load is made of and moves less with
# the machine's phase than pushes/s do (docs/benchmarks.md, round 7).
#
# Why: the best-of-3 rates of bench.sh move by ±8 % between runs a minute apart; pairs of
# 4-second runs differ by 1-3 %, which is what a change of a few percent needs
# (docs/benchmarks.md, round 5). Keep the other build in a second work tree:
#   git worktree add /work/wt-base <rev>
#   cmake -S /work/wt-base -B /work/wt-base/build -G Ninja -DCMAKE_BUILD_TYPE=Release
#   ninja -C /work/wt-base/build ntf-pusher ntf-fake-apns ntf-pusher-bench ntfctl
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
OTHER=${1:?usage: pusher_ab.sh OTHER_BUILD_DIR|env:NAME=VALUE [PAIRS] [JOBS]}
PAIRS=${2:-5}
JOBS=${3:-400000}
LOG=$(mktemp)
RESULTS=$(mktemp)
trap 'rm -f "$LOG" "$RESULTS"' EXIT

# OTHER may also be env:NAME=VALUE: then "other" is this build with that setting, e.g.
# env:NTF_PUSHER_APNS_MAX_HELD=20000 (a configuration A/B; docs/benchmarks.md, round 8). Both
# sides inherit the caller's environment and env:NAME=VALUE overrides it for "other" only, so
# `NAME=A pusher_ab.sh env:NAME=B` compares two settings (round 9's MALLOC_CONF comparisons).
OTHER_ENV=
if [[ $OTHER == env:* ]]; then
  OTHER_ENV=${OTHER#env:}
  OTHER=$ROOT/build
fi

run() {  # run LABEL BUILD_DIR [NAME=VALUE]: one backlog run, one result line
  env ${3:+"$3"} BENCH_BUILD_DIR=$2 BENCH_ONLY=pusher H2LOAD_RUNS=0 BACKLOG_RUNS=1 \
    PUSHER_BENCH_RATE_JOBS=10 PUSHER_BENCH_JOBS=$JOBS "$ROOT/scripts/bench.sh" > "$LOG" 2>&1 ||
    { tail -20 "$LOG"; exit 1; }
  local rate cpu busy share
  rate=$(sed -n 's/^drain: .*-> \([0-9]*\) pushes\/s.*/\1/p' "$LOG")
  cpu=$(sed -n 's/^\[cpu-us\] .*ntf-pusher \([0-9.]*\) .*ntf-fake-apns \([0-9.]*\), redis \([0-9.]*\), postgres \([0-9.]*\)/\1 \2 \3 \4/p' "$LOG")
  busy=$(sed -n 's/^\[cpu\] machine, backlog: \([0-9.]*\) of.*/\1/p' "$LOG")
  # (pusher + Redis + PostgreSQL) / fake: what the ratio to h2load is made of (the fake's one
  # thread is h2load's ceiling), and steadier between runs than pushes/s (docs/benchmarks.md,
  # round 7).
  share=$(echo "$cpu" | awk '{ printf "%.3f", ($1 + $3 + $4) / $2 }')
  echo "$1 ${rate:-0} pushes/s share $share (CPU us per push: pusher, fake, redis, pg: $cpu; $busy cores busy)"
}

for i in $(seq "$PAIRS"); do
  run other "$OTHER" "$OTHER_ENV" | tee -a "$RESULTS"
  run this "$ROOT/build" | tee -a "$RESULTS"
done
awk '
  { rate[$1] += $2; share[$1] += $5; n[$1]++
    if ($1 == "other") { last = $2; last_share = $5 }
    else if (last > 0) { d += ($2 - last) / last; ds += ($5 - last_share) / last_share; pairs++ } }
  END {
    printf "[ab] other build: %.0f pushes/s, share %.3f; this build: %.0f pushes/s, share %.3f (means of %d runs each)\n",
      rate["other"] / n["other"], share["other"] / n["other"], rate["this"] / n["this"],
      share["this"] / n["this"], n["this"]
    printf "[ab] this build vs other, mean of per-pair differences: pushes/s %+.1f %%, share %+.1f %% (lower is better)\n",
      100 * d / pairs, 100 * ds / pairs
  }' "$RESULTS"
