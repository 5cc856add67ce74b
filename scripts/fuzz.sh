#!/usr/bin/env bash
# fuzz.sh — run every libFuzzer target for FUZZ_SECONDS (default 300) each, one after another.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
scripts/build.sh asan
secs=${FUZZ_SECONDS:-300}
mapfile -t tests < <(ctest --test-dir build-asan -N -L fuzz | sed -n 's/^ *Test *#[0-9]*: //p')
for t in "${tests[@]}"; do
  bin=$(find build-asan -type f -name "$t" -perm -u+x | head -1)
  echo "[fuzz] $t for ${secs}s"
  scripts/run-fuzzer.sh "$bin" "$secs" "build-asan/fuzz-corpus/$t"
done
