#!/usr/bin/env bash
# The run command's refusals: a port already in use, a file that is not SQLite and an SQLite
# database of another application each end with one line saying what to do, a non-zero exit,
# and the file left exactly as it was. Runs the real scripts/run.sh on an already built tree
# (ctest runs it after the build) against a scratch folder.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
WORK=$(mktemp -d)
trap 'kill $listener 2>/dev/null; rm -rf "$WORK"' EXIT
failures=0
check() { # name, expected exit != 0, output file, pattern
  local name=$1 status=$2 out=$3 pattern=$4
  if [ "$status" -eq 0 ]; then
    echo "FAIL $name: run.sh exited 0"; failures=$((failures + 1)); return
  fi
  if ! grep -q -- "$pattern" "$out"; then
    echo "FAIL $name: no line matching '$pattern' in:"; cat "$out"; failures=$((failures + 1)); return
  fi
  echo "ok   $name: $(grep -- "$pattern" "$out" | head -n 1)"
}
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# 1. A port already in use: refused before anything is installed or built.
port=$(free_port)
/usr/bin/python3 -c "import socket,time; s=socket.socket(); s.bind(('127.0.0.1',$port)); s.listen(); time.sleep(60)" &
listener=$!
for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
PORT=$port DB="$WORK/a.db" bash "$ROOT/scripts/run.sh" >"$WORK/out1" 2>&1
check "port in use" $? "$WORK/out1" "port $port is already in use"
[ -e "$WORK/a.db" ] && { echo "FAIL port in use: a database was created"; failures=$((failures + 1)); }
kill $listener 2>/dev/null

# 2. A file that is not SQLite at all.
printf 'name,value\nx,1\n' >"$WORK/notes.csv"
before=$(sha256sum "$WORK/notes.csv")
PORT=$(free_port) DB="$WORK/notes.csv" bash "$ROOT/scripts/run.sh" >"$WORK/out2" 2>&1
check "not SQLite" $? "$WORK/out2" "is not a LabelLoop database (not an SQLite file)"
[ "$before" = "$(sha256sum "$WORK/notes.csv")" ] || { echo "FAIL not SQLite: the file changed"; failures=$((failures + 1)); }

# 3. An SQLite database of another application: the server refuses it and writes nothing.
/usr/bin/python3 -c "import sqlite3; c=sqlite3.connect('$WORK/other.db'); c.execute('create table invoices(id integer, total real)'); c.execute('insert into invoices values (1, 9.5)'); c.commit()"
before=$(sha256sum "$WORK/other.db")
PORT=$(free_port) DB="$WORK/other.db" bash "$ROOT/scripts/run.sh" >"$WORK/out3" 2>&1
check "another application's database" $? "$WORK/out3" "is not a LabelLoop database (it holds tables invoices"
[ "$before" = "$(sha256sum "$WORK/other.db")" ] || { echo "FAIL other app: the database changed"; failures=$((failures + 1)); }
[ -e "$WORK/other.db-wal" ] && [ -s "$WORK/other.db-wal" ] && { echo "FAIL other app: a WAL was written"; failures=$((failures + 1)); }

echo "$((3 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
