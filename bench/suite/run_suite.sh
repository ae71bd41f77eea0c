#!/usr/bin/env bash
# The LabelLoop benchmark suite in one run: retrospective active-learning simulations through
# the real services (`labelloop simulate`) on every data set in ../shared/data, on both splits,
# against random sampling and against a scikit-learn RandomForest peer that runs the same loop
# on the same splits and batch schedule; then retrain time, scoring and similarity throughput
# (native and WASM), label-submit throughput over loopback, and browser load-to-interactive
# time in Chromium. Prints every figure; the summary tables also land in $OUT/suite.md.
#
#   bench/suite/run_suite.sh            (after scripts/build.sh; about 1.5 h on a quiet 2-core box)
#   SEEDS=1 DATASETS=esol SPLITS=random SKIP_THROUGHPUT=1 SKIP_BROWSER=1 bench/suite/run_suite.sh
#
# Two kinds of simulation per data set and split (random | scaffold, see `labelloop simulate`):
# - discovery: a campaign with an objective (ESOL and Huuskonen maximise solubility;
#   Lipophilicity the logD window 1-3 and, separately, maximise; BBBP the permeable class;
#   Tox21 NR-AhR the active class). Initial set 5 % of the pool, 12 batches of 1.25 % of the
#   pool: 20 % of the pool labelled at the end. Strategies $DISCOVERY_STRATEGIES; the sklearn
#   peer runs random, greedy and ucb on the same split.json.
# - model: model improvement (no objective): initial set 5 %, 30 batches of 2.5 %: 80 % of the
#   pool. Strategies $MODEL_STRATEGIES. The peer runs here only with PEER_MODEL=1 (its
#   RandomForest refits on up to 80 % of the pool take long on Lipophilicity and Tox21).
#
# Env: SEEDS (3), MEMBERS (20), DATASETS (esol huuskonen lipophilicity bbbp tox21),
#      SPLITS (random scaffold), PARTS (discovery model), BETA (the core's default, 2),
#      DISCOVERY_STRATEGIES (random,greedy,ucb,ei,pi,thompson),
#      MODEL_STRATEGIES (random,uncertainty,uncertainty+maxmin,density,cluster),
#      MODEL_INIT (5%), MODEL_BATCH (2.5%), MODEL_CYCLES (30): the model-improvement schedule;
#      PEER_STRATEGIES (random,greedy,ucb), PEER_TREES (100), PEER_SEEDS (= SEEDS),
#      PEER_MODEL=1, SKIP_PEER=1, OUT (/tmp/labelloop-suite), DATA (../shared/data),
#      SKIP_THROUGHPUT=1, SKIP_BROWSER=1, BIN (the labelloop binary; a copy keeps a long run
#      independent of rebuilds)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA=${DATA:-"$ROOT/../shared/data"}
[ -d "$DATA" ] || DATA=/work/shared/data
OUT=${OUT:-/tmp/labelloop-suite}
SEEDS=${SEEDS:-3}
MEMBERS=${MEMBERS:-20}
DATASETS=${DATASETS:-"esol huuskonen lipophilicity bbbp tox21"}
SPLITS=${SPLITS:-"random scaffold"}
PARTS=${PARTS:-"discovery model"}
DISCOVERY_STRATEGIES=${DISCOVERY_STRATEGIES:-random,greedy,ucb,ei,pi,thompson}
MODEL_STRATEGIES=${MODEL_STRATEGIES:-random,uncertainty,uncertainty+maxmin,density,cluster}
PEER_STRATEGIES=${PEER_STRATEGIES:-random,greedy,ucb}
MODEL_INIT=${MODEL_INIT:-5%}
MODEL_BATCH=${MODEL_BATCH:-2.5%}
MODEL_CYCLES=${MODEL_CYCLES:-30}
PEER_TREES=${PEER_TREES:-100}
PEER_SEEDS=${PEER_SEEDS:-$SEEDS}
NATIVE="$ROOT/build/native"
BIN=${BIN:-"$NATIVE/server/labelloop"}
export NODE_PATH="$ROOT/node_modules:/usr/share/nodejs"
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "run scripts/build.sh first ($BIN is missing)" >&2; exit 1; }

step() { printf '\n== %s ==\n' "$*"; }

# data set -> "file|smiles column|target column|task"
source_of() {
  case "$1" in
    esol)          echo "esol.csv|smiles|measured log solubility in mols per litre|regression" ;;
    huuskonen)     echo "huuskonen_train.csv|smiles|SOL|regression" ;;
    lipophilicity) echo "lipophilicity.csv|smiles|exp|regression" ;;
    bbbp)          echo "bbbp.csv|smiles|BBBP|classification" ;;
    tox21)         echo "tox21.csv|smiles|NR-AhR|classification" ;;
    *) echo "unknown data set $1 (expected esol huuskonen lipophilicity bbbp tox21)" >&2; exit 2 ;;
  esac
}

# data set -> its discovery campaigns, "name:objective" each
campaigns_of() {
  case "$1" in
    esol|huuskonen) echo "max:maximize" ;;
    lipophilicity)  echo "window:window:1:3 max:maximize" ;;
    bbbp|tox21)     echo "class1:class:1" ;;
  esac
}

# simulate NAME SPLIT STRATEGIES INIT BATCH CYCLES [extra args...]
simulate() {
  local dir=$1 split=$2 strategies=$3 init=$4 batch=$5 cycles=$6; shift 6
  step "$dir: labelloop simulate ($split split, init $init, $cycles x $batch of the pool, {$strategies})"
  local start; start=$(date +%s)
  nice -n 5 "$BIN" simulate --data "$DATA/$file" --smiles "$smiles" --target "$target" \
    --task "$task" --strategy "$strategies" --split "$split" --init "$init" --batch "$batch" \
    --cycles "$cycles" --seeds "$SEEDS" --members "$MEMBERS" ${BETA:+--beta "$BETA"} "$@" \
    --out "$OUT/$dir" 2>"$OUT/$dir.progress.log" >"$OUT/$dir.report.txt"
  echo "($dir simulation: $(( $(date +%s) - start )) s; report $OUT/$dir.report.txt)"
}

peer() {
  local dir=$1 strategies=$2
  [ "${SKIP_PEER:-0}" = 1 ] && return 0
  step "$dir: scikit-learn peer loop on the same split ({$strategies}, $PEER_TREES trees)"
  local start; start=$(date +%s)
  nice -n 5 /usr/bin/python3 "$ROOT/bench/suite/sklearn_peer.py" "$OUT/$dir" --jobs 2 \
    --seeds "$PEER_SEEDS" --trees "$PEER_TREES" --strategies "$strategies" \
    2>"$OUT/$dir.peer.log"
  echo "($dir peer: $(( $(date +%s) - start )) s)"
}

suite_start=$(date +%s)
step "Active-learning simulations: {$DATASETS} x {$SPLITS} x {$PARTS}, $SEEDS seeds, $MEMBERS members"
for name in $DATASETS; do
  IFS='|' read -r file smiles target task <<<"$(source_of "$name")"
  for split in $SPLITS; do
    if [[ " $PARTS " == *" discovery "* ]]; then
      for campaign in $(campaigns_of "$name"); do
        dir="$name-${campaign%%:*}-$split"
        simulate "$dir" "$split" "$DISCOVERY_STRATEGIES" 5% 1.25% 12 --objective "${campaign#*:}"
        peer "$dir" "$PEER_STRATEGIES"
      done
    fi
    if [[ " $PARTS " == *" model "* ]]; then
      dir="$name-model-$split"
      simulate "$dir" "$split" "$MODEL_STRATEGIES" "$MODEL_INIT" "$MODEL_BATCH" "$MODEL_CYCLES"
      [ "${PEER_MODEL:-0}" = 1 ] && peer "$dir" random,uncertainty
    fi
  done
done
echo "(simulations and peers: $(( $(date +%s) - suite_start )) s)"

step "Summary: strategies vs random and vs the scikit-learn peer"
/usr/bin/python3 "$ROOT/bench/suite/summarize.py" "$OUT" | tee "$OUT/suite.md"

if [ "${SKIP_THROUGHPUT:-0}" != 1 ]; then
  step "Scoring and similarity throughput, native and WASM (bench/labelloop_bench)"
  nice -n 5 "$NATIVE/bench/labelloop_bench" --scoring-only \
    --wasm-bench "$ROOT/build/wasm/bench/labelloop_bench.js" || echo "labelloop_bench failed"
  step "Label submit throughput and latency on loopback (bench/server)"
  nice -n 5 "$NATIVE/bench/labelloop_bench_label_throughput" --items 2000 --clients 4 \
    || echo "label throughput bench failed"
fi
if [ "${SKIP_BROWSER:-0}" != 1 ]; then
  step "Browser load-to-interactive in Chromium"
  node "$ROOT/bench/suite/browser_load.mjs" --binary "$BIN" --runs 5 | tee "$OUT/browser_load.json"
fi
