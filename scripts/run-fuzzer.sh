#!/usr/bin/env bash
# run-fuzzer.sh FUZZER SECONDS WORK_DIR [SEED_DIR]
# Runs a libFuzzer binary for SECONDS on a working corpus (seeded from SEED_DIR if given).
# Exits non-zero if the fuzzer finds a crash, a leak or a sanitizer report.
set -euo pipefail
fuzzer=$1 seconds=$2 work=$3 seeds=${4:-}
mkdir -p "$work"
args=("-max_total_time=$seconds" "-print_final_stats=1" "-timeout=10" "-rss_limit_mb=2048"
      "-artifact_prefix=$work/")
dirs=("$work")
[[ -n $seeds && -d $seeds ]] && dirs+=("$seeds")
exec "$fuzzer" "${args[@]}" "${dirs[@]}"
