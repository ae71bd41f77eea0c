#!/usr/bin/env bash
# Runs every libFuzzer target for longer than the test suite does (default 300 s each) and
# prints libFuzzer's final statistics (executions, coverage). Builds the `fuzz` preset first.
#   bench/fuzz/run_fuzzers.sh [SECONDS] [TARGET...]      (targets: csv_import sdf_import api_json)
# Crashes land in build/fuzz/fuzz/crash-<target>-*; copy each into fuzz/regressions/<target>/
# once fixed, so it replays in the normal test suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS_EACH=${1:-300}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(csv_import sdf_import api_json)
[ -f build/fuzz/CMakeCache.txt ] || cmake --preset fuzz >/dev/null
cmake --build --preset fuzz -j "${JOBS:-2}"
for t in "${TARGETS[@]}"; do
  work="build/fuzz/fuzz/corpus-$t"
  mkdir -p "$work"
  printf '\n== fuzz_%s for %ss ==\n' "$t" "$SECONDS_EACH"
  LSAN_OPTIONS=suppressions=$PWD/fuzz/lsan.supp "build/fuzz/fuzz/fuzz_$t" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 \
    -print_final_stats=1 -artifact_prefix="build/fuzz/fuzz/crash-$t-" \
    "$work" "fuzz/corpus/$t" "fuzz/regressions/$t" 2>&1 |
    grep -E '^(#[0-9]+ +(DONE|INITED)|stat::|==[0-9]+==|SUMMARY|artifact_prefix|Test unit written)' || true
done
