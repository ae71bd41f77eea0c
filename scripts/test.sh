#!/usr/bin/env bash
# README test command (and .ci/run): installs what is needed, builds every tree and runs
# every test: core unit tests natively and as WASM under node, server tests, browser
# end-to-end tests in Chromium, formatting, and the whole native suite under ASan + UBSan.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
scripts/install-deps.sh
scripts/build.sh --asan

run_ctest() {
  local preset=$1
  printf '\n== ctest --preset %s ==\n' "$preset"
  ctest --preset "$preset" -j "$(nproc)" --no-tests=error
}
run_ctest wasm
run_ctest native
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 run_ctest asan

printf '\nAll LabelLoop tests passed in %ss.\n' "$(( $(date +%s) - started ))"
