# Sourced by the set-up scripts: announced phases with their typical duration, build progress
# as a count, every command's full output in build/logs/, and a failure that names the phase,
# the command and its log. Not meant to be run on its own.

LABELLOOP_ROOT=${LABELLOOP_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
LOG_DIR="$LABELLOOP_ROOT/build/logs"
mkdir -p "$LOG_DIR"
CURRENT_PHASE=""
PHASE_STARTED=0

# phase "what" "typical duration on a 2-core machine": announces a phase and times it.
phase() {
  phase_done
  CURRENT_PHASE=$1
  PHASE_STARTED=$(date +%s)
  if [ -n "${2:-}" ]; then
    printf '\n== %s (%s) ==\n' "$1" "$2"
  else
    printf '\n== %s ==\n' "$1"
  fi
}

# Prints how long the current phase took (called by the next phase and at the end).
phase_done() {
  if [ -n "$CURRENT_PHASE" ]; then
    printf '   done in %s\n' "$(human_duration $(($(date +%s) - PHASE_STARTED)))"
    CURRENT_PHASE=""
  fi
}

human_duration() {
  local s=$1
  if [ "$s" -ge 60 ]; then printf '%dm %02ds' $((s / 60)) $((s % 60)); else printf '%ds' "$s"; fi
}

# fail "message": one line saying what went wrong and what to do, then exit 1.
fail() {
  printf '\nlabelloop set-up: %s\n' "$*" >&2
  exit 1
}

# run_logged LOGNAME command...: runs a command with its output in build/logs/LOGNAME.log;
# on failure names the phase, the command and the log, and shows the log's last lines.
run_logged() {
  local name=$1
  shift
  local log="$LOG_DIR/$name.log"
  if ! "$@" >"$log" 2>&1; then
    command_failed "$log" "$@"
  fi
}

command_failed() {
  local log=$1
  shift
  {
    printf '\n---- last lines of %s ----\n' "$log"
    tail -n 25 "$log"
    printf -- '----\n'
    printf 'labelloop set-up FAILED in phase "%s"\n  command: %s\n  full log: %s\n' \
      "$CURRENT_PHASE" "$*" "$log"
  } >&2
  exit 1
}

# build_progress LOGNAME: reads ninja's output, writes all of it to the log and shows only
# its [done/total] count: rewritten in place on a terminal, a line every 15 s otherwise.
build_progress() {
  local log="$LOG_DIR/$1.log"
  local tty=0 last_shown=0 line count="" shown="" now
  [ -t 1 ] && tty=1
  : >"$log"
  while IFS= read -r line; do
    printf '%s\n' "$line" >>"$log"
    if [[ $line =~ ^\[([1-9][0-9]*/[0-9]+)\] ]]; then
      count=${BASH_REMATCH[1]}
      if [ $tty -eq 1 ]; then
        printf '\r   building: %s steps' "$count"
      else
        now=$(date +%s)
        if [ $((now - last_shown)) -ge 15 ]; then
          printf '   building: %s steps\n' "$count"
          last_shown=$now
          shown=$count
        fi
      fi
    fi
  done
  if [ $tty -eq 1 ] && [ -n "$count" ]; then
    printf '\r   building: %s steps\n' "$count"
  elif [ -n "$count" ] && [ "$count" != "$shown" ]; then
    printf '   building: %s steps\n' "$count"
  elif [ -z "$count" ]; then
    printf '   up to date\n'
  fi
}

# ninja_build LOGNAME PRESET [TARGET...]: builds a preset's targets with the progress count.
ninja_build() {
  local name=$1 preset=$2
  shift 2
  local target_args=()
  if [ $# -gt 0 ]; then target_args=(--target "$@"); fi
  local status
  set +e
  NINJA_STATUS='[%f/%t] ' cmake --build --preset "$preset" -j "${JOBS:-$(nproc)}" "${target_args[@]}" 2>&1 |
    build_progress "$name"
  status=${PIPESTATUS[0]}
  set -e
  if [ "$status" -ne 0 ]; then
    command_failed "$LOG_DIR/$name.log" cmake --build --preset "$preset" "${target_args[@]}"
  fi
}

# configure_tree PRESET: configures build/<dir> for a preset, and configures it afresh when
# the tree was made for another source folder, generator, compiler or preset file (a stale
# cache would otherwise fail the build or silently keep the old compiler).
configure_tree() {
  local preset=$1 dir compiler stamp_file want
  case $preset in
    wasm) dir=build/wasm compiler="em++" ;;
    native) dir=build/native compiler=${CXX:-c++} ;;
    asan) dir=build/asan compiler=${CXX:-c++} ;;
    fuzz) dir=build/fuzz compiler=clang++ ;;
    *) fail "unknown preset $preset" ;;
  esac
  stamp_file="$dir/.labelloop-configured"
  want="$preset|$LABELLOOP_ROOT|$(command -v "$compiler" 2>/dev/null)|$("$compiler" --version 2>/dev/null | head -n 1)|$(sha256sum CMakePresets.json | cut -c1-16)"
  if [ -f "$dir/CMakeCache.txt" ] && [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$want" ]; then
    return 0
  fi
  if [ -f "$dir/CMakeCache.txt" ]; then
    printf '   %s: the build tree was configured for another compiler, folder or preset; configuring it afresh\n' "$dir"
    rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles"
  fi
  run_logged "configure-$preset" cmake --preset "$preset"
  printf '%s\n' "$want" >"$stamp_file"
}
