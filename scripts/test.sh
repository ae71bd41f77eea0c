#!/usr/bin/env bash
# README test command (and .ci/run): installs what is needed, builds every tree and runs
# every test: core unit tests natively and as WASM under node, server tests, browser
# end-to-end tests in Chromium, formatting, the whole native suite under ASan + UBSan, and
# each libFuzzer target for a few seconds (the `fuzz` tree, built with clang).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/progress.sh
started=$(date +%s)
phase "Installing every package the tests and benchmarks need" "under a minute with this image's Debian package cache, longer when every package is downloaded; seconds when installed"
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

printf '\n== fuzz targets (clang + libFuzzer, a few seconds each) ==\n'
configure_tree fuzz
ninja_build build-fuzz fuzz
# One at a time: each fuzzer is busy for its whole time slice.
ctest --preset fuzz -j 1 --no-tests=error

printf '\nAll LabelLoop tests passed in %ss.\n' "$(( $(date +%s) - started ))"
