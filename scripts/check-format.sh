#!/usr/bin/env bash
# Fails (and lists the files) when any of our C++ sources is not clang-formatted, or when a
# test name holds a ";" (see below).
# Fix with: scripts/check-format.sh --fix
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- \
  'shared/*.cpp' 'shared/*.hpp' 'server/*.cpp' 'server/*.hpp' 'wasm/*.cpp' 'wasm/*.hpp' \
  'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'bench/*.hpp' 'fuzz/*.cpp' 'fuzz/*.hpp' | sort -u)
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "Not clang-formatted (run scripts/check-format.sh --fix):"
  printf '  %s\n' "${bad[@]}"
  exit 1
fi
# ctest's catch_discover_tests splits test names at ';' (a CMake list separator): a Catch2
# TEST_CASE named "a; b" is registered as two tests that match nothing and pass without
# running. Refuse such names (the first line of a TEST_CASE is enough: names start there).
semicolons=$(grep -rnE 'TEST_CASE\("[^"]*;' tests/ || true)
if [ -n "$semicolons" ]; then
  echo "Test names with ';' (ctest would split them and run nothing; use ',' instead):"
  echo "$semicolons"
  exit 1
fi
echo "clang-format: ${#files[@]} files OK"
