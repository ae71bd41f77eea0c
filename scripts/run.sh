#!/usr/bin/env bash
# README run command: installs what serving needs, builds the browser app and the `labelloop`
# binary (not the tests), and starts the server on the embedded SQLite default (./labelloop.db)
# with the ESOL demo data set, model and first queue (loaded on first start, when it also makes
# an admin and a scientist sign-in token). The URL and the tokens are printed last.
#   PORT=9000 bash scripts/run.sh     (default port 8080)
#   DB=other.db bash scripts/run.sh   (default labelloop.db)
# Idempotent: a second run skips what is installed and built and starts in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/progress.sh
started=$(date +%s)
PORT=${PORT:-8080}
DB=${DB:-labelloop.db}

phase "Checking port ${PORT} and the database file ${DB}"
if ! [[ $PORT =~ ^[0-9]+$ ]] || [ "$PORT" -lt 1 ] || [ "$PORT" -gt 65535 ]; then
  fail "PORT='$PORT' is not a port number (1-65535)"
fi
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  fail "port $PORT is already in use on this machine: stop what listens there, or choose another port: PORT=9000 bash scripts/run.sh"
fi
if [ -e "$DB" ]; then
  if [ ! -f "$DB" ] || [ "$(head -c 15 "$DB" 2>/dev/null)" != "SQLite format 3" ]; then
    if [ -s "$DB" ] || [ ! -f "$DB" ]; then
      fail "'$DB' is not a LabelLoop database (not an SQLite file): move it away, or choose another file: DB=labelloop-new.db bash scripts/run.sh"
    fi
  fi
fi

phase "Installing the packages serving needs (compilers, Emscripten, RDKit, header libraries, RDKit MinimalLib)" \
  "under a minute with this image's Debian package cache, longer when every package is downloaded; seconds when installed"
scripts/install-deps.sh --serve
phase_done

scripts/build.sh --serve

if [ -s "$DB" ]; then
  phase "Starting the server (database ${DB})" "a few seconds"
else
  phase "Starting the server: first start loads the demo data set and trains its first model" "about 15 s"
fi
server_log="$LOG_DIR/server.log"
build/native/server/labelloop serve --demo --db "$DB" --port "$PORT" >"$server_log" 2>&1 &
server_pid=$!
stop_server() {
  trap - INT TERM
  kill -TERM "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  exit 0
}
trap stop_server INT TERM
# The whole line, up to the URL's final slash (it may reach the log in two writes).
until grep -q '^LabelLoop is running: open http.*/$' "$server_log" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    wait "$server_pid" 2>/dev/null || true
    reason=$(grep -E '^labelloop:' "$server_log" | tail -n 1)
    fail "the server did not start: ${reason:-see $server_log} (log: $server_log)"
  fi
  sleep 0.2
done
phase_done

url=$(sed -n 's/^LabelLoop is running: open //p' "$server_log" | head -n 1)
printf '\nReady in %s. Server log: %s (Ctrl-C stops the server).\n' \
  "$(human_duration $(($(date +%s) - started)))" "$server_log"
if grep -q '^Demo users' "$server_log"; then
  printf '\nSign in with one of these tokens (shown only on this first start; keep them):\n'
  sed -n '/^Demo users/,/^$/p' "$server_log" | grep -E '^  (admin|scientist) '
else
  printf '\nSign in with a token made on the first start, or make one:\n'
  printf '  build/native/server/labelloop token add --db %s --user admin\n' "$DB"
fi
printf '\nLabelLoop is running: open %s\n' "$url"
wait "$server_pid"
