#!/usr/bin/python3
"""The scikit-learn peer of a LabelLoop simulation: the same active-learning loop with a
RandomForest on Morgan bits (radius 2, 2048 bits), on exactly the split and batch schedule
`labelloop simulate` used (its split.json: every compound with label and role, the initial
training set per seed, the objective and the pool's hit sets).

Strategies (the spread is the standard deviation of the trees' predictions, for
classification of the trees' class-1 probabilities; ties go to the smaller pool index):
  random       a seeded draw (numpy RandomState(seed))
  uncertainty  the largest spread (regression), the largest p(1-p) (classification)
  greedy       the forest's mean toward the objective (maximize v, minimize -v, window minus
               the distance to [lo, hi], class: the probability of the class sought)
  ucb          greedy + beta x spread (beta from split.json, as the simulation used)
Per model version it records the validation metric and, with an objective, the hits found
(split.json's hit sets: the same compounds the simulation counts).

Usage: sklearn_peer.py SIMULATION_DIR [--jobs 2] [--seeds N] [--trees 100]
                       [--strategies random,greedy,ucb]   -> SIMULATION_DIR/sklearn_peer.json
"""
import argparse
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


def toward(objective, values):
    """The value oriented so that higher is better (labelloop::toward_objective)."""
    kind = objective["kind"]
    if kind == "maximize":
        return values
    if kind == "minimize":
        return -values
    if kind == "window":
        lo, hi = objective["lo"], objective["hi"]
        return np.where(values < lo, values - lo, np.where(values > hi, hi - values, 0.0))
    if kind == "class":
        return values if objective["class"] == 1 else 1.0 - values
    raise SystemExit(f"sklearn_peer: unknown objective {kind!r}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=None, help="only the first N seeds' splits")
    ap.add_argument("--trees", type=int, default=100)
    ap.add_argument("--strategies", default="random,greedy,ucb")
    args = ap.parse_args()
    out_dir = args.dir
    sim = json.load(open(os.path.join(out_dir, "simulation.json")))
    split = json.load(open(os.path.join(out_dir, "split.json")))
    task = sim["task"]
    batch, cycles = sim["batch"], sim["cycles"]
    objective = split.get("objective")
    beta = split.get("beta", 2.0)
    hit_sets = split.get("hit_sets", [])
    names = [s for s in args.strategies.split(",") if s]
    for name in names:
        if name not in ("random", "uncertainty", "greedy", "ucb"):
            raise SystemExit(f"sklearn_peer: unknown strategy {name!r}")
        if name in ("greedy", "ucb") and not objective:
            raise SystemExit(f"sklearn_peer: strategy {name!r} needs a simulation with an objective")
    pool = [c for c in split["compounds"] if c["role"] == "pool"]
    val = [c for c in split["compounds"] if c["role"] == "validation"]
    xp = np.array([morgan_bits(c["smiles"]) for c in pool])
    yp = np.array([c["label"] for c in pool])
    xv = np.array([morgan_bits(c["smiles"]) for c in val])
    yv = np.array([c["label"] for c in val])
    hit_masks = {}
    for h in hit_sets:
        mask = np.zeros(len(pool), dtype=bool)
        mask[h["pool_indices"]] = True
        hit_masks[h["name"]] = mask

    def fit(idx, seed):
        cls = RandomForestRegressor if task == "regression" else RandomForestClassifier
        model = cls(n_estimators=args.trees, n_jobs=args.jobs, random_state=seed)
        t0 = time.perf_counter()
        model.fit(xp[idx], yp[idx])
        return model, time.perf_counter() - t0

    def score(model):
        if task == "regression":
            return mean_squared_error(yv, model.predict(xv)) ** 0.5
        return roc_auc_score(yv, model.predict_proba(xv)[:, 1])

    def per_tree(model, idx):
        """Trees x compounds: predictions (regression) or class-1 probabilities."""
        if task == "regression":
            return np.stack([t.predict(xp[idx]) for t in model.estimators_])
        out = []
        for t in model.estimators_:
            p = t.predict_proba(xp[idx])
            # a tree grown on one class only has one column
            out.append(p[:, list(t.classes_).index(1)] if 1 in t.classes_ else np.zeros(len(idx)))
        return np.stack(out)

    def priority(name, model, idx):
        trees = per_tree(model, idx)
        mean, spread = trees.mean(axis=0), trees.std(axis=0)
        if name == "uncertainty":
            return spread if task == "regression" else mean * (1 - mean)
        gain = toward(objective, mean)
        return gain if name == "greedy" else gain + beta * spread

    strategies = []
    fit_seconds = []
    inits = split["init"][:args.seeds]
    for name in names:
        runs = []
        for seed, init in enumerate(inits):
            labeled = list(init)
            rng = np.random.RandomState(seed)
            labels, metric, found = [], [], {k: [] for k in hit_masks}
            for cycle in range(cycles + 1):
                model, seconds = fit(np.array(labeled), seed)
                fit_seconds.append(seconds)
                labels.append(len(labeled))
                metric.append(score(model))
                for k, mask in hit_masks.items():
                    found[k].append(int(mask[labeled].sum()))
                if cycle == cycles:
                    break
                rest = np.setdiff1d(np.arange(len(pool)), labeled)
                if name == "random":
                    picks = rng.choice(rest, size=batch, replace=False)
                else:
                    picks = rest[np.argsort(-priority(name, model, rest), kind="stable")[:batch]]
                labeled.extend(int(i) for i in picks)
            runs.append({"seed": seed, "labels": labels, "metric": metric, "found": found})
            hits = "".join(f", {k} {v[0]} -> {v[-1]}" for k, v in found.items())
            print(f"sklearn_peer: {name} seed {seed}: {sim['metric']} {metric[0]:.3f} -> "
                  f"{metric[-1]:.3f} at {labels[-1]} labels{hits}", file=sys.stderr, flush=True)
        mean = {"labels": runs[0]["labels"],
                "metric": np.mean([r["metric"] for r in runs], axis=0).tolist(),
                "found_fraction": {}}
        for h in hit_sets:
            k = h["name"]
            mean["found_fraction"][k] = (np.mean([r["found"][k] for r in runs], axis=0) /
                                         max(1, len(h["pool_indices"]))).tolist()
        strategies.append({"name": name, "runs": runs, "mean": mean})
    # The full-pool peer model on the same validation set.
    full, full_seconds = fit(np.arange(len(pool)), 0)
    result = {"peer": f"sklearn RandomForest({args.trees}) on Morgan r=2 2048 bits",
              "metric": sim["metric"], "seeds": len(inits), "beta": beta,
              "full_pool": {"metric": score(full), "fit_seconds": full_seconds},
              "mean_fit_seconds": float(np.mean(fit_seconds)), "strategies": strategies}
    json.dump(result, open(os.path.join(out_dir, "sklearn_peer.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
