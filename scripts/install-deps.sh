#!/usr/bin/env bash
# install-deps.sh — install every Debian 12 package that the build, the tests, the fuzzers and the
# local stack need. Idempotent: does nothing (not even `apt-get update`) when all are present.
# Needs root (or sudo) only when something is missing.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config ccache git clang libclang-rt-14-dev clang-format
  # libraries
  libabsl-dev libsodium-dev libssl-dev libasio-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libpq-dev libhiredis-dev prometheus-cpp-dev libnghttp2-dev
  nlohmann-json3-dev libspdlog-dev libfmt-dev libyaml-cpp-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev nghttp2-client
  # local stack (scripts/local-stack.sh)
  postgresql redis-server redis-tools util-linux procps
)

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
