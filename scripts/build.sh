#!/usr/bin/env bash
# Builds one configuration: scripts/build.sh release|asan
set -euo pipefail
cd "$(dirname "$0")/.."
config=${1:-release}
jobs=${JOBS:-$(nproc)}
case "$config" in
  release)
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER=g++ >/dev/null
    cmake --build build/release -j "$jobs"
    ;;
  asan)
    # clang with ASan+UBSan, and the libFuzzer targets.
    cmake -S . -B build/asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
      -DSIPPET_SANITIZE=ON -DSIPPET_FUZZ=ON -DSIPPET_BENCH=OFF >/dev/null
    cmake --build build/asan -j "$jobs"
    ;;
  *) echo "usage: scripts/build.sh release|asan" >&2; exit 2 ;;
esac
