#!/usr/bin/env bash
# Builds LabelLoop: the WebAssembly app first (the server embeds it), then the native server
# and tests. Usage: scripts/build.sh [--asan]   (--asan also builds the sanitizer tree)
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs   # emcc needs Debian's node modules (acorn)
JOBS=${JOBS:-$(nproc)}

step() { printf '\n== %s ==\n' "$*"; }

step "WebAssembly build (Emscripten): core, browser app, core tests"
[ -f build/wasm/CMakeCache.txt ] || cmake --preset wasm >/dev/null
cmake --build --preset wasm -j "$JOBS"

step "Native build: core, server, tests"
[ -f build/native/CMakeCache.txt ] || cmake --preset native >/dev/null
cmake --build --preset native -j "$JOBS"

if [ "${1:-}" = "--asan" ]; then
  step "Sanitizer build (ASan + UBSan)"
  [ -f build/asan/CMakeCache.txt ] || cmake --preset asan >/dev/null
  cmake --build --preset asan -j "$JOBS"
fi
