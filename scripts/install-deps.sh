#!/usr/bin/env bash
# Installs what LabelLoop needs on a fresh Debian 12 machine. Idempotent: a second run only
# checks. Fetched sources go to .deps/ (ignored by git), npm packages to node_modules/.
#   scripts/install-deps.sh --serve   what building and serving needs (the run command)
#   scripts/install-deps.sh           everything, tests and benchmarks too (the test command)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
source scripts/progress.sh

PROFILE=all
case "${1:-}" in
  --serve) PROFILE=serve ;;
  "" | --all) PROFILE=all ;;
  *) fail "unknown option '$1' (use --serve or --all)" ;;
esac

# Building and serving: compilers, Emscripten (with Debian's node for emcc), RDKit C++, the
# header libraries, SQLite. catch2 is a header package the build configuration looks for.
SERVE_PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates xz-utils dpkg-dev
  libcpp-httplib-dev libsqlite3-dev nlohmann-json3-dev libeigen3-dev
  librdkit-dev libboost-dev libinchi-dev catch2
  emscripten nodejs
)
# Tests and benchmarks only: the fuzz tree's clang, formatting, the browser, the Python peer,
# and the PostgreSQL server (initdb, pg_ctl) and libpq the store tests start and reach.
TEST_PACKAGES=(
  clang clang-format libclang-rt-14-dev sqlite3 postgresql libpq-dev
  chromium fonts-dejavu-core
  python3-sklearn python3-rdkit python3-pandas python3-numpy
)
PACKAGES=("${SERVE_PACKAGES[@]}")
if [ "$PROFILE" = all ]; then PACKAGES+=("${TEST_PACKAGES[@]}"); fi

SUDO=""
need_root() {
  if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO="sudo"
  elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then
    SUDO="sudo" # asks for the password
  else
    fail "installing $1 needs root: run this command as root, or as a user with sudo"
  fi
}

apt_update() {
  if ! $SUDO apt-get update -qq >"$LOG_DIR/apt-update.log" 2>&1 ||
     grep -qE '^(W|E): (Failed to fetch|Some index files failed)' "$LOG_DIR/apt-update.log"; then
    fail "cannot reach Debian's package repositories (apt-get update failed, see $LOG_DIR/apt-update.log): check the network or the apt proxy, then run the same command again"
  fi
}

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "   Debian packages to install (${#missing[@]}): ${missing[*]}"
  need_root "Debian packages"
  apt_update
  echo "   downloading and unpacking (apt-get install; log: $LOG_DIR/apt-install.log)"
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends \
       "${missing[@]}" >"$LOG_DIR/apt-install.log" 2>&1; then
    if grep -qE 'Failed to fetch|Temporary failure resolving|Could not connect' "$LOG_DIR/apt-install.log"; then
      fail "cannot download Debian packages (see $LOG_DIR/apt-install.log): check the network or the apt proxy, then run the same command again"
    fi
    command_failed "$LOG_DIR/apt-install.log" apt-get install "${missing[@]}"
  fi
else
  echo "   Debian packages: all ${#PACKAGES[@]} present"
fi

# Dear ImGui 1.86 source comes from Debian's source package (the binary package has headers only).
IMGUI_DIR="$ROOT/.deps/imgui"
if [ ! -f "$IMGUI_DIR/imgui.cpp" ]; then
  echo "   Dear ImGui 1.86 source (Debian source package)"
  if [ -f /etc/apt/sources.list.d/debian.sources ] && [ ! -f /etc/apt/sources.list.d/debian-src.sources ]; then
    need_root "the Debian source list"
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    apt_update
  elif [ -f /etc/apt/sources.list ] && ! grep -q '^deb-src' /etc/apt/sources.list 2>/dev/null &&
       [ ! -f /etc/apt/sources.list.d/debian-src.list ]; then
    need_root "the Debian source list"
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      $SUDO tee /etc/apt/sources.list.d/debian-src.list >/dev/null
    apt_update
  fi
  rm -rf "$ROOT/.deps/src" && mkdir -p "$ROOT/.deps/src"
  if ! (cd "$ROOT/.deps/src" && apt-get source --download-only imgui >"$LOG_DIR/imgui-source.log" 2>&1); then
    fail "cannot download the Dear ImGui source package (see $LOG_DIR/imgui-source.log): check the network, then run the same command again"
  fi
  tarball=$(ls "$ROOT"/.deps/src/imgui_1.86*.orig.tar.* | head -n 1)
  # Unpacked beside the final folder and moved in one step: an interrupted run leaves no
  # half-unpacked source that a later run would take as complete.
  rm -rf "$IMGUI_DIR" "$IMGUI_DIR.partial" && mkdir -p "$IMGUI_DIR.partial"
  tar -xf "$tarball" -C "$IMGUI_DIR.partial" --strip-components=1
  mv "$IMGUI_DIR.partial" "$IMGUI_DIR"
fi

# npm packages pinned by package-lock.json: RDKit MinimalLib (served to the app) for both
# profiles, playwright-core (browser tests) for the full one.
npm_ok=1
[ -f "$ROOT/node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" ] || npm_ok=0
[ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ] && npm_ok=0
if [ "$PROFILE" = all ] && [ ! -d "$ROOT/node_modules/playwright-core" ]; then npm_ok=0; fi
if [ $npm_ok -eq 0 ]; then
  npm_args=(ci --no-audit --no-fund --loglevel=error)
  if [ "$PROFILE" = serve ]; then npm_args+=(--omit=dev); fi
  echo "   npm packages (npm ${npm_args[*]})"
  # npm retries an unreachable registry for minutes: ask it once, briefly, first.
  if ! timeout 30 npm ping --fetch-retries=0 --loglevel=silent >"$LOG_DIR/npm.log" 2>&1; then
    fail "cannot reach the npm registry (npm ping failed, see $LOG_DIR/npm.log): check the network or npm's proxy setting, then run the same command again"
  fi
  if ! (cd "$ROOT" && npm "${npm_args[@]}" >"$LOG_DIR/npm.log" 2>&1); then
    if grep -qE 'ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|network' "$LOG_DIR/npm.log"; then
      fail "cannot reach the npm registry (see $LOG_DIR/npm.log): check the network or npm's proxy setting, then run the same command again"
    fi
    command_failed "$LOG_DIR/npm.log" npm "${npm_args[@]}"
  fi
else
  echo "   npm packages: present"
fi
