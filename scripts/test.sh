#!/usr/bin/env bash
# Sets up the machine and runs the whole test suite:
#   1. clang-format check;
#   2. ASan+UBSan build (clang): unit tests, then each libFuzzer target for
#      FUZZ_SECONDS (default 60) seeded from tests/corpus and fuzz/corpus;
#   3. Release build (g++, -Werror): every test (unit, RFC 4475, SIPp interop),
#      ending with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== clang-format check"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run --Werror

echo "== ASan+UBSan build"
scripts/build.sh asan
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
(cd build/asan && ctest --output-on-failure -j 2 -E '^interop\.' --timeout 600)

echo "== fuzzing (${FUZZ_SECONDS:-60} s each, in parallel)"
pids=()
for f in build/asan/fuzz/fuzz_*; do
  [ -x "$f" ] || continue
  name=$(basename "$f")
  work=build/asan/fuzz-work/$name
  mkdir -p "$work/corpus" "$work/artifacts"
  seeds=(fuzz/corpus/$name)
  [ -d "fuzz/corpus/$name" ] || seeds=()
  "$f" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" "$work/corpus" "${seeds[@]}" tests/corpus/rfc4475 tests/corpus/anchor \
    >"$work/log" 2>&1 &
  pids+=("$!:$name")
done
fuzz_failed=0
for entry in "${pids[@]}"; do
  pid=${entry%%:*}; name=${entry#*:}
  if wait "$pid"; then
    echo "fuzz $name: $(grep -E '^Done|#[0-9]+.*DONE' build/asan/fuzz-work/$name/log | tail -n 1)"
  else
    echo "fuzz $name: FAILED"; tail -n 40 "build/asan/fuzz-work/$name/log"; fuzz_failed=1
  fi
done
[ "$fuzz_failed" = 0 ]

echo "== Release build and full suite"
scripts/build.sh release
cd build/release
ctest --output-on-failure -j 2 --timeout 600
