#!/usr/bin/python3
"""The scikit-learn peer of a LabelLoop simulation: the same active-learning loop with a
100-tree RandomForest on Morgan bits (radius 2, 2048 bits), on exactly the split and batch
schedule `labelloop simulate` used (its split.json: every compound with label and role, and the
initial training set per seed). Strategies: random, and uncertainty (spread of the trees'
predictions for regression, p(1-p) of the forest's probability for classification).
Usage: sklearn_peer.py SIMULATION_DIR [N_JOBS [MAX_SEEDS]]   -> SIMULATION_DIR/sklearn_peer.json
(MAX_SEEDS: run only the first seeds' initial sets; RandomForest with all 2048 features per
split is slow on thousands of compounds.)
"""
import json
import os
import sys
import time

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import AllChem
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import mean_squared_error, roc_auc_score

RDLogger.DisableLog("rdApp.*")


def morgan_bits(smiles):
    mol = Chem.MolFromSmiles(smiles)
    if mol is None:
        raise SystemExit(f"sklearn_peer: RDKit cannot parse {smiles!r} from split.json")
    fp = AllChem.GetMorganFingerprintAsBitVect(mol, 2, nBits=2048)
    return np.array(list(fp), dtype=np.uint8)


def main():
    out_dir = sys.argv[1]
    n_jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    max_seeds = int(sys.argv[3]) if len(sys.argv) > 3 else None
    sim = json.load(open(os.path.join(out_dir, "simulation.json")))
    split = json.load(open(os.path.join(out_dir, "split.json")))
    task = sim["task"]
    batch, cycles = sim["batch"], sim["cycles"]
    pool = [c for c in split["compounds"] if c["role"] == "pool"]
    val = [c for c in split["compounds"] if c["role"] == "validation"]
    xp = np.array([morgan_bits(c["smiles"]) for c in pool])
    yp = np.array([c["label"] for c in pool])
    xv = np.array([morgan_bits(c["smiles"]) for c in val])
    yv = np.array([c["label"] for c in val])

    def fit(idx, seed):
        cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
        model = cls(n_estimators=100, n_jobs=n_jobs, random_state=seed)
        t0 = time.perf_counter()
        model.fit(xp[idx], yp[idx])
        return model, time.perf_counter() - t0

    def score(model):
        if task == "regression":
            return mean_squared_error(yv, model.predict(xv)) ** 0.5
        return roc_auc_score(yv, model.predict_proba(xv)[:, 1])

    def uncertainty(model, idx):
        if task == "regression":
            per_tree = np.stack([t.predict(xp[idx]) for t in model.estimators_])
            return per_tree.std(axis=0)
        p = model.predict_proba(xp[idx])
        p1 = p[:, 1] if p.shape[1] > 1 else np.zeros(len(idx))
        return p1 * (1 - p1)

    strategies = []
    fit_seconds = []
    for name in ("random", "uncertainty"):
        runs = []
        for seed, init in enumerate(split["init"][:max_seeds]):
            labeled = list(init)
            rng = np.random.RandomState(seed)
            labels, metric = [], []
            for cycle in range(cycles + 1):
                model, seconds = fit(np.array(labeled), seed)
                fit_seconds.append(seconds)
                labels.append(len(labeled))
                metric.append(score(model))
                if cycle == cycles:
                    break
                rest = np.setdiff1d(np.arange(len(pool)), labeled)
                if name == "random":
                    picks = rng.choice(rest, size=batch, replace=False)
                else:
                    picks = rest[np.argsort(-uncertainty(model, rest), kind="stable")[:batch]]
                labeled.extend(int(i) for i in picks)
            runs.append({"seed": seed, "labels": labels, "metric": metric})
            print(f"sklearn_peer: {name} seed {seed}: {sim['metric']} {metric[0]:.3f} -> "
                  f"{metric[-1]:.3f} at {labels[-1]} labels", file=sys.stderr, flush=True)
        mean = np.mean([r["metric"] for r in runs], axis=0).tolist()
        strategies.append({"name": name, "runs": runs,
                           "mean": {"labels": runs[0]["labels"], "metric": mean}})
    # The full-pool peer model on the same validation set.
    full, full_seconds = fit(np.arange(len(pool)), 0)
    result = {"peer": "sklearn RandomForest(100) on Morgan r=2 2048 bits", "metric": sim["metric"],
              "seeds": len(split["init"][:max_seeds]),
              "full_pool": {"metric": score(full), "fit_seconds": full_seconds},
              "mean_fit_seconds": float(np.mean(fit_seconds)), "strategies": strategies}
    json.dump(result, open(os.path.join(out_dir, "sklearn_peer.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
