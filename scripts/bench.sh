#!/usr/bin/env bash
# bench.sh — benchmarks (not tests). Nothing is benchmarked yet: the services have not landed.
set -euo pipefail
echo "[bench] no benchmarks yet; see docs/benchmarks.md"
