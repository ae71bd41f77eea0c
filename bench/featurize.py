#!/usr/bin/python3
"""Computes LabelLoop model features for a QSAR CSV with RDKit (python3-rdkit, Debian) and
writes them, with a seeded 80/20 random split, to a text file the C++ bench and the
scikit-learn baseline both read, so both sides learn from exactly the same numbers.

Output, one compound per line, tab separated:
  split(train|test)  label  fingerprint(512 hex digits: word 0..31, each 16 hex digits of a
  little-endian u64, bit i = word i/64 bit i%64)  28 descriptors (repr floats)
The descriptors are RDKit::Descriptors::Properties values with the names LabelLoop uses
(kModelDescriptorNames in shared/include/labelloop/features.hpp).
Usage: featurize.py DATASET INPUT.csv OUTPUT.tsv SEED
"""
import os
import sys

import numpy as np
from rdkit import Chem, RDLogger
from rdkit.Chem import rdMolDescriptors, rdFingerprintGenerator

RDLogger.DisableLog("rdApp.*")

NAMES = ["lipinskiHBA", "lipinskiHBD", "NumHBD", "NumHeavyAtoms", "NumAtoms", "NumHeteroatoms",
         "NumAmideBonds", "FractionCSP3", "NumAromaticRings", "NumAromaticHeterocycles",
         "NumSpiroAtoms", "labuteASA", "tpsa", "CrippenClogP", "CrippenMR", "chi0v", "chi1v",
         "chi3v", "chi4v", "chi0n", "chi1n", "chi3n", "chi4n", "hallKierAlpha", "kappa1",
         "kappa2", "kappa3", "Phi"]

# dataset -> (label column, smiles column)
COLUMNS = {
    "esol": ("measured log solubility in mols per litre", "smiles"),
    "lipophilicity": ("exp", "smiles"),
    "bbbp": ("BBBP", "smiles"),
}


def main():
    dataset, src, dst, seed = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    import csv
    label_col, smiles_col = COLUMNS[dataset]
    props = rdMolDescriptors.Properties(NAMES)
    gen = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    rows, failed = [], 0
    with open(src, newline="") as f:
        for rec in csv.DictReader(f):
            mol = Chem.MolFromSmiles(rec[smiles_col].strip())
            if mol is None:
                failed += 1
                continue
            fp = gen.GetFingerprint(mol)
            words = [0] * 32
            for b in fp.GetOnBits():
                words[b // 64] |= 1 << (b % 64)
            hexfp = "".join("%016x" % w for w in words)
            desc = list(props.ComputeProperties(mol))
            rows.append((float(rec[label_col]), hexfp, desc))
    perm = np.random.RandomState(seed).permutation(len(rows))
    n_test = len(rows) // 5
    test = set(perm[:n_test].tolist())
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with open(dst, "w") as out:
        for i, (y, hexfp, desc) in enumerate(rows):
            out.write("\t".join(["test" if i in test else "train", repr(y), hexfp] +
                                [repr(float(d)) for d in desc]) + "\n")
    print(f"{dataset}: {len(rows)} compounds ({failed} SMILES not parsed), "
          f"{len(rows) - n_test} train / {n_test} test", file=sys.stderr)


if __name__ == "__main__":
    main()
