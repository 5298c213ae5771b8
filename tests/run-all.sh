#!/bin/bash
# The whole test suite: unit and integration tests on a normal build, the
# same again under AddressSanitizer and UndefinedBehaviorSanitizer, and each
# libFuzzer target for a bounded time.  Run it as root: the integration tests
# build network namespaces, TUN devices and test users of their own.
#
# FUZZ_SECONDS sets how long each fuzz target runs (default 60).
set -euo pipefail

cd "$(dirname "$0")/.."
top=$PWD
fuzz_seconds=${FUZZ_SECONDS:-60}
passed=0
failed=0

run_suite ()
{
  local label=$1 build=$2
  shift 2

  echo "=== $label"
  meson test -C "$build" --print-errorlogs --no-rebuild "$@" \
    | tee "$build/run-all.log" || true

  # Count tests, not suites, from meson's own summary lines.
  passed=$((passed + $(count_of Ok "$build/run-all.log")))
  failed=$((failed + $(count_of Fail "$build/run-all.log")
                   + $(count_of Timeout "$build/run-all.log")))
  if [ "$(count_of Ok "$build/run-all.log")" = 0 ]; then
    echo "run-all.sh: no test ran in $build" >&2
    failed=$((failed + 1))
  fi
}

count_of ()
{
  awk -v word="$1:" '$1 == word { n = $2 } END { print n + 0 }' "$2"
}

if [ "$(id -u)" != 0 ]; then
  echo "run-all.sh: the integration tests need root (namespaces, TUN, users)" >&2
  exit 1
fi

echo "=== build"
meson setup --reconfigure "$top/_build" >/dev/null 2>&1 \
  || meson setup "$top/_build" >/dev/null
ninja -C "$top/_build"
run_suite "tests" "$top/_build"

# The 'system' tests build and install an ordinary Hopscope of their own
# (the install test, the pkexec route end to end): under the sanitizer
# build they would run that same program again, so they are left out.
echo "=== build with AddressSanitizer and UndefinedBehaviorSanitizer"
meson setup --reconfigure "$top/_build-sanitize" \
  -Db_sanitize=address,undefined -Db_lundef=false >/dev/null 2>&1 \
  || meson setup "$top/_build-sanitize" \
       -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
ninja -C "$top/_build-sanitize"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
LSAN_OPTIONS=suppressions=$top/tests/lsan.supp:print_suppressions=0 \
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  run_suite "tests under sanitizers" "$top/_build-sanitize" --no-suite system

echo "=== fuzz targets, ${fuzz_seconds} s each"
CC=clang meson setup --reconfigure "$top/_build-fuzz" -Dfuzzing=true \
  >/dev/null 2>&1 \
  || CC=clang meson setup "$top/_build-fuzz" -Dfuzzing=true >/dev/null
ninja -C "$top/_build-fuzz"
if tests/fuzz/run-fuzzers.sh "$fuzz_seconds" "$top/_build-fuzz"; then
  passed=$((passed + 1))
else
  failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
