#!/usr/bin/env bash
# README run command: installs what is needed, builds, and starts the server on the embedded
# SQLite default (./labelloop.db) with the ESOL demo data set, model and first queue (loaded on
# first start, when it also prints an admin and a scientist sign-in token), then prints the URL.
#   PORT=9000 scripts/run.sh      (default port 8080)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
exec build/native/server/labelloop serve --demo --db "${DB:-labelloop.db}" --port "${PORT:-8080}"
