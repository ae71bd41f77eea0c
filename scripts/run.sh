#!/usr/bin/env bash
# README run command: installs what is needed, builds, and starts the server on the embedded
# SQLite default (./labelloop.db), printing the URL to open.
#   PORT=9000 scripts/run.sh      (default port 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/native/server/labelloop serve --db "${DB:-labelloop.db}" --port "${PORT:-8080}"
