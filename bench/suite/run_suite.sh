#!/usr/bin/env bash
# The LabelLoop benchmark suite in one run: retrospective active-learning simulations
# (strategies x data sets x seeds, against random and against a scikit-learn RandomForest peer
# on the same splits and batch schedule), retrain time, scoring and similarity throughput
# (native and WASM), label-submit throughput over loopback, and browser load-to-interactive
# time in Chromium. Prints every figure; the summary table also lands in $OUT/suite.md.
#
#   bench/suite/run_suite.sh            (after scripts/build.sh; ~1 h on a quiet 2-core box)
#   SEEDS=1 DATASETS="esol bbbp" bench/suite/run_suite.sh     (a quicker subset)
#
# Env: SEEDS (2), MEMBERS (20), STRATEGIES (uncertainty,uncertainty+maxmin,random), DATASETS (all),
#      OUT (/tmp/labelloop-suite), DATA (../shared/data), SKIP_THROUGHPUT=1, SKIP_BROWSER=1,
#      PEER_SEEDS (= SEEDS; the sklearn peer is slow on Lipophilicity: ~5-10 min per seed)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
DATA=${DATA:-"$ROOT/../shared/data"}
[ -d "$DATA" ] || DATA=/work/shared/data
OUT=${OUT:-/tmp/labelloop-suite}
SEEDS=${SEEDS:-2}
MEMBERS=${MEMBERS:-20}
STRATEGIES=${STRATEGIES:-uncertainty,uncertainty+maxmin,random}
DATASETS=${DATASETS:-"esol lipophilicity bbbp huuskonen"}
NATIVE="$ROOT/build/native"
BIN="$NATIVE/server/labelloop"
export NODE_PATH="$ROOT/node_modules:/usr/share/nodejs"
mkdir -p "$OUT"
[ -x "$BIN" ] || { echo "run scripts/build.sh first ($BIN is missing)" >&2; exit 1; }

step() { printf '\n== %s ==\n' "$*"; }

# name | file | smiles column | target column | task | init | batch | cycles
config() {
  case "$1" in
    esol)          echo "esol.csv|smiles|measured log solubility in mols per litre|regression|50|50|12" ;;
    lipophilicity) echo "lipophilicity.csv|smiles|exp|regression|100|200|10" ;;
    bbbp)          echo "bbbp.csv|smiles|BBBP|classification|50|100|10" ;;
    huuskonen)     echo "huuskonen_train.csv|smiles|SOL|regression|50|50|12" ;;
    *) echo "unknown data set $1" >&2; exit 2 ;;
  esac
}

step "Active-learning simulations: $DATASETS x {$STRATEGIES} x $SEEDS seeds, $MEMBERS members"
for name in $DATASETS; do
  IFS='|' read -r file smiles target task init batch cycles <<<"$(config "$name")"
  step "$name: labelloop simulate (init $init, batch $batch, $cycles cycles)"
  start=$(date +%s)
  nice -n 5 "$BIN" simulate --data "$DATA/$file" --smiles "$smiles" --target "$target" \
    --task "$task" --strategy "$STRATEGIES" --batch "$batch" --cycles "$cycles" --init "$init" \
    --seeds "$SEEDS" --members "$MEMBERS" --out "$OUT/$name" 2>"$OUT/$name.progress.log"
  echo "($name simulation: $(( $(date +%s) - start )) s; progress in $OUT/$name.progress.log)"
  step "$name: scikit-learn peer loop on the same split"
  start=$(date +%s)
  nice -n 5 /usr/bin/python3 "$ROOT/bench/suite/sklearn_peer.py" "$OUT/$name" 2 "${PEER_SEEDS:-$SEEDS}"
  echo "($name peer: $(( $(date +%s) - start )) s)"
done

step "Summary: strategies vs random and vs the scikit-learn peer"
/usr/bin/python3 "$ROOT/bench/suite/summarize.py" "$OUT" $DATASETS | tee "$OUT/suite.md"

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
