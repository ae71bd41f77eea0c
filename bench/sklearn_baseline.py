#!/usr/bin/python3
"""scikit-learn RandomForest baseline for the LabelLoop bench: reads a features file written
by featurize.py (the same split and the same numbers our C++ ensemble sees) and fits a
100-tree RandomForest twice: on Morgan bits only (what a scientist typically scripts) and on
bits + the 28 descriptors (our exact features). Prints one JSON object per variant.
Usage: sklearn_baseline.py FEATURES.tsv regression|classification N_JOBS SEED
"""
import json
import sys
import time

import numpy as np
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.metrics import mean_squared_error, roc_auc_score


def load(path):
    split, y, x = [], [], []
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            split.append(parts[0] == "train")
            y.append(float(parts[1]))
            hexfp = parts[2]
            bits = np.zeros(2048, dtype=np.float32)
            for w in range(32):
                word = int(hexfp[16 * w:16 * w + 16], 16)
                while word:
                    low = word & -word
                    bits[64 * w + low.bit_length() - 1] = 1.0
                    word ^= low
            x.append(np.concatenate([bits, np.array([float(v) for v in parts[3:]])]))
    return np.array(split), np.array(y), np.array(x)


def main():
    path, task, n_jobs, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    train, y, x = load(path)
    test = ~train
    for variant, cols in (("bits", slice(0, 2048)), ("bits+descriptors", slice(None))):
        xs = x[:, cols]
        if task == "regression":
            model = RandomForestRegressor(n_estimators=100, n_jobs=n_jobs, random_state=seed)
        else:
            model = RandomForestClassifier(n_estimators=100, n_jobs=n_jobs, random_state=seed)
        t0 = time.perf_counter()
        model.fit(xs[train], y[train])
        fit_s = time.perf_counter() - t0
        if task == "regression":
            score = mean_squared_error(y[test], model.predict(xs[test])) ** 0.5
        else:
            score = roc_auc_score(y[test], model.predict_proba(xs[test])[:, 1])
        print(json.dumps({"variant": variant, "score": score, "fit_s": fit_s}), flush=True)


if __name__ == "__main__":
    main()
