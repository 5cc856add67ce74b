#!/usr/bin/env bash
# build.sh release|asan — configure (once) and build with Ninja and ccache.
#   release: build/       gcc, Release (-O3), everything
#   asan:    build-asan/  clang, ASan+UBSan, libraries + unit tests + libFuzzer targets
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
JOBS=${JOBS:-$(nproc)}
case ${1:-release} in
  release)
    dir=build
    [[ -f $dir/build.ninja ]] || cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
    ;;
  asan)
    dir=build-asan
    [[ -f $dir/build.ninja ]] || CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja \
      -DCMAKE_BUILD_TYPE=Debug -DNTF_SANITIZE=ON -DNTF_FUZZ=ON -DNTF_UNIT_ONLY=ON >/dev/null
    ;;
  *) echo "usage: $0 release|asan" >&2; exit 2 ;;
esac
echo "[build] $dir"
ninja -C "$dir" -j "$JOBS"
