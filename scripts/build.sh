#!/usr/bin/env bash
# Builds LabelLoop: the WebAssembly app first (the server embeds it), then the native tree.
#   scripts/build.sh --serve   only the browser app and the `labelloop` binary (the run command)
#   scripts/build.sh           every target: tests and benchmarks too
#   scripts/build.sh --asan    every target, and the sanitizer tree (the test command)
# Progress is a count of build steps; each tree's compiler output is in build/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/progress.sh
export NODE_PATH=/usr/share/nodejs   # emcc needs Debian's node modules (acorn)

MODE=all
case "${1:-}" in
  --serve) MODE=serve ;;
  --asan) MODE=asan ;;
  "") MODE=all ;;
  *) fail "unknown option '$1' (use --serve or --asan)" ;;
esac

if [ "$MODE" = serve ]; then
  phase "Building the browser app (Emscripten: core + Dear ImGui app)" "about 1 min on 2 cores; seconds when built"
  configure_tree wasm
  ninja_build build-wasm wasm labelloop_app
  phase "Building the server binary (core, RDKit import, HTTP, SQLite; the app embedded)" "about 2 min on 2 cores; seconds when built"
  configure_tree native
  ninja_build build-native native labelloop
else
  phase "Building the WebAssembly tree (app, core tests, benchmarks)" "about 2 min on 2 cores; seconds when built"
  configure_tree wasm
  ninja_build build-wasm wasm
  phase "Building the native tree (server, tests, benchmarks, headless UI)" "about 5 min on 2 cores; seconds when built"
  configure_tree native
  ninja_build build-native native
  if [ "$MODE" = asan ]; then
    phase "Building the sanitizer tree (ASan + UBSan)" "about 10 min on 2 cores; seconds when built"
    configure_tree asan
    ninja_build build-asan asan
  fi
fi
phase_done
