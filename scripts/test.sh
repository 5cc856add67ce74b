#!/usr/bin/env bash
# test.sh — what `make test` runs: both builds, the local stack, then every test.
#   1. build/ (gcc) and build-asan/ (clang, ASan+UBSan, fuzzers)
#   2. scripts/local-stack.sh start (stopped again on exit)
#   3. ctest in build-asan: unit tests under sanitizers + 20 s of each fuzzer
#   4. ctest in build: every test (unit + integration); its summary is the last thing printed
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JOBS=${JOBS:-$(nproc)}

scripts/build.sh release || exit 1
scripts/build.sh asan || exit 1

# Quietly: ctest's summary must stay the last thing printed.
trap 'scripts/local-stack.sh stop >/dev/null 2>&1' EXIT
scripts/local-stack.sh start >/dev/null || exit 1
set -a; source .run/stack.env; set +a

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

echo "[test] sanitizer build: unit tests and fuzz smoke runs"
ctest --test-dir build-asan --output-on-failure -j "$JOBS" -L 'unit|fuzz'
asan_rc=$?

if ((asan_rc != 0)); then echo "[test] FAILED: sanitizer/fuzz tests (see above); running the rest"; fi
echo "[test] main build: every test"
ctest --test-dir build --output-on-failure -j "$JOBS"
main_rc=$?
exit $((asan_rc != 0 || main_rc != 0))
