#!/usr/bin/env bash
# install-deps.sh [--build] — install every Debian 12 package that the build, the tests, the
# fuzzers, the local stack and the deployment checks need. Idempotent: does nothing (not even
# `apt-get update`) when all are present. Needs root (or sudo) only when something is missing.
#   --build  only what configuring and building the Release tree needs (docker/Dockerfile's
#            build stage)
set -euo pipefail

BUILD_PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git
  # libraries
  libabsl-dev libsodium-dev libssl-dev libasio-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libpq-dev libhiredis-dev prometheus-cpp-dev libnghttp2-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  # ntf-pusher's allocator (services/pusher/service.cmake); the runtime library is enough
  libjemalloc2
  # cmake/NtfDeps.cmake requires GoogleTest at configure time
  libgtest-dev libgmock-dev
)
PACKAGES=(
  "${BUILD_PACKAGES[@]}"
  # sanitizer/fuzz build and formatting
  clang libclang-rt-14-dev clang-format
  # tests and benchmarks (h2load; perf for bench.sh's PUSHER_PERF, valgrind for
  # tests/bench/pusher_callgrind.sh)
  libbenchmark-dev nghttp2-client linux-perf valgrind
  # TLS interoperability with a stack other than OpenSSL (libs/tls gnutls_interop_test)
  gnutls-bin
  # local stack (scripts/local-stack.sh)
  postgresql redis-server redis-tools util-linux procps
  # deployment checks (scripts/check-deploy.sh): compose, YAML lint, promtool, PyYAML
  docker-compose yamllint prometheus python3 python3-yaml
)
case ${1:-} in
  "") ;;
  --build) PACKAGES=("${BUILD_PACKAGES[@]}") ;;
  *) echo "usage: $0 [--build]" >&2; exit 2 ;;
esac

missing=()
for p in "${PACKAGES[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [[ $status == "install ok installed" ]] || missing+=("$p")
done

if ((${#missing[@]} == 0)); then
  echo "[install-deps] all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "[install-deps] installing: ${missing[*]}"
SUDO=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || { echo "[install-deps] need root to install: ${missing[*]}" >&2; exit 1; }
  SUDO=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "[install-deps] done"
