#!/usr/bin/env bash
# Installs everything LabelLoop needs on a fresh Debian 12 machine. Idempotent: a second run
# only checks. Fetched sources go to .deps/ (ignored by git), npm packages to node_modules/.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config git ca-certificates xz-utils dpkg-dev
  clang clang-format libclang-rt-14-dev
  libcpp-httplib-dev libsqlite3-dev sqlite3 nlohmann-json3-dev libeigen3-dev
  librdkit-dev libboost-dev libinchi-dev catch2
  emscripten nodejs
  chromium fonts-dejavu-core
  python3-sklearn python3-rdkit python3-pandas python3-numpy
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "[install] Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "[install] Debian packages: all present"
fi

# Dear ImGui 1.86 source comes from Debian's source package (the binary package has headers only).
IMGUI_DIR="$ROOT/.deps/imgui"
if [ ! -f "$IMGUI_DIR/imgui.cpp" ]; then
  echo "[install] Dear ImGui 1.86 source (Debian source package)"
  if [ -f /etc/apt/sources.list.d/debian.sources ] && [ ! -f /etc/apt/sources.list.d/debian-src.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
      $SUDO tee /etc/apt/sources.list.d/debian-src.sources >/dev/null
    $SUDO apt-get update -qq
  elif [ -f /etc/apt/sources.list ] && ! grep -q '^deb-src' /etc/apt/sources.list 2>/dev/null &&
       [ ! -f /etc/apt/sources.list.d/debian-src.list ]; then
    grep '^deb ' /etc/apt/sources.list | sed 's/^deb /deb-src /' |
      $SUDO tee /etc/apt/sources.list.d/debian-src.list >/dev/null
    $SUDO apt-get update -qq
  fi
  mkdir -p "$ROOT/.deps/src"
  (cd "$ROOT/.deps/src" && apt-get source --download-only imgui >/dev/null)
  tarball=$(ls "$ROOT"/.deps/src/imgui_1.86*.orig.tar.* | head -n 1)
  rm -rf "$IMGUI_DIR" && mkdir -p "$IMGUI_DIR"
  tar -xf "$tarball" -C "$IMGUI_DIR" --strip-components=1
fi

# npm packages pinned by package-lock.json.
if [ ! -f "$ROOT/node_modules/@rdkit/rdkit/dist/RDKit_minimal.wasm" ] ||
   [ ! -d "$ROOT/node_modules/playwright-core" ] ||
   [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
  echo "[install] npm packages"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error)
else
  echo "[install] npm packages: present"
fi
echo "[install] done"
